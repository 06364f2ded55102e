import { segmentSpeech } from './vad.js';

const SR = 16000;

/** Speech-like bursts: a 150-300 Hz tone with syllable-rate amplitude modulation, plus noise. */
function synth(parts: Array<['speech' | 'silence', number]>, noise = 0.001): Float32Array {
  const total = parts.reduce((s, [, d]) => s + d, 0);
  const out = new Float32Array(Math.round(total * SR));
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
  let t0 = 0;
  for (const [kind, d] of parts) {
    const n = Math.round(d * SR);
    for (let i = 0; i < n; i++) {
      const t = i / SR;
      let v = noise * rand();
      if (kind === 'speech') v += 0.3 * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t)) * Math.sin(2 * Math.PI * (180 + 40 * Math.sin(t)) * t);
      out[t0 + i] = v;
    }
    t0 += n;
  }
  return out;
}

describe('segmentSpeech', () => {
  it('finds one segment in silence-speech-silence, with a little context', () => {
    const spans = segmentSpeech(synth([['silence', 1], ['speech', 2], ['silence', 1]]), SR);
    expect(spans).toHaveLength(1);
    expect(spans[0]!.start).toBeGreaterThan(0.6);
    expect(spans[0]!.start).toBeLessThan(1.0);
    expect(spans[0]!.end).toBeGreaterThan(3.0);
    expect(spans[0]!.end).toBeLessThan(3.4);
  });

  it('splits at real pauses but not at short gaps', () => {
    const spans = segmentSpeech(synth([['silence', 0.5], ['speech', 1], ['silence', 0.2], ['speech', 1], ['silence', 1.5], ['speech', 1], ['silence', 0.5]]), SR);
    expect(spans).toHaveLength(2);
    expect(spans[0]!.end).toBeLessThanOrEqual(spans[1]!.start);
  });

  it('gives nothing for silence and for empty audio', () => {
    expect(segmentSpeech(synth([['silence', 3]]), SR)).toEqual([]);
    expect(segmentSpeech(new Float32Array(0), SR)).toEqual([]);
    expect(segmentSpeech(new Float32Array(SR * 2), SR)).toEqual([]);
  });

  it('cuts long speech so no segment exceeds the limit, preferring quiet points', () => {
    // 50 s of speech with brief (250 ms) dips that are too short to be pauses.
    const parts: Array<['speech' | 'silence', number]> = [];
    for (let i = 0; i < 10; i++) parts.push(['speech', 4.75], ['silence', 0.25]);
    const spans = segmentSpeech(synth(parts), SR, { maxSegmentSeconds: 20 });
    expect(spans.length).toBeGreaterThanOrEqual(3);
    for (const s of spans) expect(s.end - s.start).toBeLessThanOrEqual(20.001);
    for (let i = 1; i < spans.length; i++) {
      expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
      // each cut lands in one of the dips (at 5k - 0.25 .. 5k s)
      const cut = spans[i]!.start;
      const intoCycle = cut % 5;
      expect(intoCycle > 4.6 || intoCycle < 0.15).toBe(true);
    }
  });
});
