import type { AcousticModel } from './adapters/onnx.js';
import { CtcEngine } from './ctc-engine.js';
import { CtcDecoder, DEFAULT_DECODER } from './domain/ctc-decoder.js';
import { CHAR_TOKENS } from './domain/testing.js';
import { Tokenizer } from './domain/vocabulary.js';
import { StreamingRecognizer } from './streaming.js';
import type { Segment } from './types.js';

const SR = 16000;
const SPF = 480;

// Same stand-in model as the engine test: a frame's mean value v is token round(v*100).
const model: AcousticModel = {
  async run(audio, batch, samples) {
    const V = CHAR_TOKENS.length;
    const frames = Math.ceil(samples / SPF);
    const data = new Float32Array(batch * frames * V);
    for (let b = 0; b < batch; b++) for (let f = 0; f < frames; f++) {
      let sum = 0;
      for (let i = 0; i < SPF; i++) sum += audio[b * samples + f * SPF + i] ?? 0;
      const v = sum / SPF;
      const tok = Math.abs(v) < 0.005 ? 0 : Math.min(V - 1, Math.round(v * 100));
      for (let k = 0; k < V; k++) data[(b * frames + f) * V + k] = Math.log(k === tok ? 0.9 : 0.1 / (V - 1));
    }
    return { data, batch, frames, vocab: V };
  },
  async close() {},
};

function audioOf(parts: Array<string | number>): Float32Array {
  const frames: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') { for (let i = 0; i < Math.round((p * SR) / SPF); i++) frames.push(0); continue; }
    for (const ch of p) {
      const id = ch === ' ' ? 1 : CHAR_TOKENS.indexOf(ch);
      frames.push(id / 100, id / 100, 0.001);
    }
  }
  const pcm = new Float32Array(frames.length * SPF);
  frames.forEach((v, f) => pcm.fill(v, f * SPF, (f + 1) * SPF));
  return pcm;
}

const engine = new CtcEngine({
  info: { name: 'fake', version: '0', family: 'ctc', sampleRate: SR, dir: '/nowhere' },
  acoustic: model,
  decoder: new CtcDecoder({ ...DEFAULT_DECODER, tokens: CHAR_TOKENS, blankId: 0, delimiterId: 1 }),
  tokenizer: new Tokenizer(CHAR_TOKENS, 0, 1),
  samplesPerFrame: SPF, domains: {}, batchSize: 4, concurrency: 1,
});

async function stream(pcm: Float32Array, chunkMs: number, opts = {}) {
  const rec = new StreamingRecognizer(engine, opts);
  const finals: Segment[] = [];
  const partials: string[] = [];
  const chunk = Math.round((chunkMs / 1000) * SR);
  for (let i = 0; i < pcm.length; i += chunk) {
    const u = await rec.push(pcm.subarray(i, i + chunk));
    partials.push(u.partial);
    if (u.final) finals.push(...u.final);
  }
  const end = await rec.flush();
  finals.push(...end.final);
  return { finals, partials, end };
}

describe('StreamingRecognizer', () => {
  const text = 'the quick brown fox jumps over the lazy dog and then it rests for a while';
  const pcm = audioOf([0.5, 'the quick brown fox jumps over', 0.9, 'the lazy dog and then it rests for a while', 1]);

  it('ends with the same words as decoding the whole recording, each final once, in order', async () => {
    const { finals, partials, end } = await stream(pcm, 100);
    expect(finals.map((s) => s.text).join(' ')).toBe(text);
    expect(end.partial).toBe('');
    expect(finals.map((s) => s.id)).toEqual(finals.map((_, i) => i));
    const words = finals.flatMap((s) => s.words);
    for (let i = 1; i < words.length; i++) expect(words[i]!.start).toBeGreaterThanOrEqual(words[i - 1]!.end - 1e-9);
    // Captions appear while speech goes on, not only at the end.
    expect(partials.some((p) => p.length > 0)).toBe(true);
    expect(finals.length).toBeGreaterThan(1);
  });

  it('makes words final before the pause (local agreement) and at the pause', async () => {
    const rec = new StreamingRecognizer(engine, { stepMs: 300 });
    const firstPart = audioOf([0.5, 'the quick brown fox jumps over']);
    const chunk = 1600;
    let finalBeforePause = '';
    for (let i = 0; i < firstPart.length; i += chunk) {
      const u = await rec.push(firstPart.subarray(i, i + chunk));
      if (u.final) finalBeforePause += u.final.map((s) => s.text).join(' ') + ' ';
    }
    expect(finalBeforePause.trim().length).toBeGreaterThan(0);
    expect(text.startsWith(finalBeforePause.trim())).toBe(true);
    const u = await rec.push(new Float32Array(SR)); // a second of silence
    const all = (finalBeforePause + (u.final ?? []).map((s) => s.text).join(' ')).trim();
    expect(all).toBe('the quick brown fox jumps over');
    expect(u.partial).toBe('');
  });

  it('is the same whatever the chunk size', async () => {
    const a = await stream(pcm, 20);
    const b = await stream(pcm, 700);
    expect(a.finals.map((s) => s.text).join(' ')).toBe(b.finals.map((s) => s.text).join(' '));
  });

  it('refuses audio after flush', async () => {
    const rec = new StreamingRecognizer(engine);
    await rec.flush();
    await expect(rec.push(new Float32Array(10))).rejects.toThrow(/after flush/);
  });
});
