import type { AcousticModel } from './adapters/onnx.js';
import { CtcEngine } from './ctc-engine.js';
import { CtcDecoder, DEFAULT_DECODER } from './domain/ctc-decoder.js';
import { CHAR_TOKENS } from './domain/testing.js';
import { Tokenizer } from './domain/vocabulary.js';
import { InvalidRequestError } from './errors.js';

const SR = 16000;
const SPF = 480;

/**
 * A stand-in acoustic model: a frame whose mean sample value is v emits token round(v * 100)
 * with probability 0.9 (blank when |v| < 0.005). Tests write text into audio that way.
 */
class FakeModel implements AcousticModel {
  calls: number[] = [];
  closed = false;
  async run(audio: Float32Array, batch: number, samples: number) {
    this.calls.push(batch);
    const V = CHAR_TOKENS.length;
    const frames = Math.ceil(samples / SPF);
    const data = new Float32Array(batch * frames * V);
    for (let b = 0; b < batch; b++) {
      for (let f = 0; f < frames; f++) {
        let sum = 0;
        for (let i = 0; i < SPF; i++) sum += audio[b * samples + f * SPF + i] ?? 0;
        const v = sum / SPF;
        const tok = Math.abs(v) < 0.005 ? 0 : Math.min(V - 1, Math.round(v * 100));
        for (let k = 0; k < V; k++) data[(b * frames + f) * V + k] = Math.log(k === tok ? 0.9 : 0.1 / (V - 1));
      }
    }
    return { data, batch, frames, vocab: V };
  }
  async close() { this.closed = true; }
}

/** Audio: silence, then each utterance as frames of its letters (3 frames a letter, a blank frame between). */
function audioOf(parts: Array<string | number>): { pcm: Float32Array; starts: number[] } {
  const frames: number[] = [];
  const starts: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') { for (let i = 0; i < Math.round((p * SR) / SPF); i++) frames.push(0); continue; }
    starts.push((frames.length * SPF) / SR);
    for (const ch of p) {
      const id = CHAR_TOKENS.indexOf(ch);
      frames.push(id / 100, id / 100, id / 100, 0.001);
    }
  }
  const pcm = new Float32Array(frames.length * SPF);
  frames.forEach((v, f) => pcm.fill(v, f * SPF, (f + 1) * SPF));
  return { pcm, starts };
}

function engine(model = new FakeModel(), batchSize = 8, domains: Record<string, string> = {}) {
  const tokenizer = new Tokenizer(CHAR_TOKENS, 0, 1);
  const decoder = new CtcDecoder({ ...DEFAULT_DECODER, tokens: CHAR_TOKENS, blankId: 0, delimiterId: 1 });
  const e = new CtcEngine({
    info: { name: 'fake', version: '0', family: 'ctc', sampleRate: SR, dir: '/nowhere' },
    acoustic: model, decoder, tokenizer, samplesPerFrame: SPF,
    domains: Object.fromEntries(Object.entries(domains).map(([k, v]) => [k, async () => v])),
    batchSize, concurrency: 2,
  });
  return { e, model };
}

describe('CtcEngine', () => {
  const { pcm, starts } = audioOf([1, 'good morning', 1.5, 'how are you', 1.2, 'fine', 1]);

  it('segments at pauses and places words at their times', async () => {
    const { e } = engine();
    const t = await e.transcribe(pcm);
    expect(t.text).toBe('good morning how are you fine');
    expect(t.segments.map((s) => s.text)).toEqual(['good morning', 'how are you', 'fine']);
    expect(t.segments.map((s) => s.id)).toEqual([0, 1, 2]);
    expect(t.durationSeconds).toBeCloseTo(pcm.length / SR, 6);
    expect(t.model).toEqual({ name: 'fake', version: '0' });
    t.segments.forEach((s, i) => expect(Math.abs(s.words[0]!.start - starts[i]!)).toBeLessThan(0.07));
    const words = t.segments.flatMap((s) => s.words);
    for (let i = 0; i < words.length; i++) {
      expect(words[i]!.end).toBeGreaterThan(words[i]!.start);
      if (i > 0) expect(words[i]!.start).toBeGreaterThanOrEqual(words[i - 1]!.end);
      expect(words[i]!.confidence).toBeGreaterThan(0.5);
      expect(words[i]!.confidence).toBeLessThanOrEqual(1);
    }
    // "morning" is 7 letters of 4 frames: about 28 frames = 0.84 s
    expect(t.segments[0]!.words[1]!.end - t.segments[0]!.words[1]!.start).toBeCloseTo(0.84, 1);
  });

  it('gives the same transcript whatever the batch size', async () => {
    const one = engine(new FakeModel(), 1);
    const many = engine(new FakeModel(), 8);
    const a = await one.e.transcribe(pcm);
    const b = await many.e.transcribe(pcm);
    expect(a).toEqual(b);
    expect(one.model.calls).toEqual([1, 1, 1]);
    expect(many.model.calls).toEqual([3]);
  });

  it('reports progress up to the whole duration', async () => {
    const seen: number[] = [];
    const { e } = engine(new FakeModel(), 1);
    await e.transcribe(pcm, { onProgress: (done, total) => { seen.push(done); expect(total).toBeCloseTo(pcm.length / SR); } });
    expect(seen).toHaveLength(3);
    expect([...seen].sort((x, y) => x - y)).toEqual(seen);
    expect(seen[2]).toBeCloseTo(pcm.length / SR, 6);
  });

  it('returns an empty transcript for silence', async () => {
    const { e, model } = engine();
    const t = await e.transcribe(new Float32Array(SR * 3));
    expect(t).toMatchObject({ text: '', segments: [], durationSeconds: 3 });
    expect(model.calls).toEqual([]);
  });

  it('decodes the whole input as one segment when segmentation is off', async () => {
    const { e } = engine();
    const t = await e.transcribe(pcm, { segmentation: 'none' });
    expect(t.segments).toHaveLength(1);
    expect(t.text).toBe('good morning how are you fine');
  });

  it('rejects an unknown domain with the ones it knows', async () => {
    const { e } = engine(new FakeModel(), 8, { medicine: 'metformin\n' });
    await expect(e.transcribe(pcm, { domain: 'law' })).rejects.toThrow(InvalidRequestError);
    await expect(e.transcribe(pcm, { domain: 'law' })).rejects.toThrow(/knows: medicine/);
    await expect(e.transcribe(pcm, { domain: 'medicine', vocabulary: ['fine'] })).resolves.toMatchObject({ text: 'good morning how are you fine' });
  });

  it('stops when aborted and closes its model', async () => {
    const { e, model } = engine();
    const ac = new AbortController();
    ac.abort();
    await expect(e.transcribe(pcm, { signal: ac.signal })).rejects.toThrow(/abort/i);
    await e.close();
    expect(model.closed).toBe(true);
    await expect(e.transcribe(pcm)).rejects.toThrow(/closed/);
  });
});
