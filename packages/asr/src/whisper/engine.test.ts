// The Whisper runtime end to end on the committed tiny random Whisper
// (test/fixtures/whisper-tiny-random, built by `bash training/whisper/export_tiny.sh`). The weights
// are random: these tests check shapes, the key/value cache, the prompt, the decoding rules and
// the windowing over long audio against Python (transformers' generate and an onnxruntime decode
// agree on the stored ids) — not accuracy.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadEngine } from '../load';
import { FIXTURE_DIR, readF32, reference } from '../../test/whisper-fixture';
import { compressionRatio } from './decoding';
import { WhisperEngine } from './engine';

const ref = reference();
const signal = readF32(ref.signal.file);
let engine: WhisperEngine;

beforeAll(async () => {
  const manifest = JSON.parse(readFileSync(join(FIXTURE_DIR, 'manifest.json'), 'utf8'));
  // greedy only here (the random model's loops would send every window through the whole
  // temperature fallback); the fallback has its own test below
  engine = await WhisperEngine.load(FIXTURE_DIR, { ...manifest, temperatures: [0] }, { threads: 1 });
});
afterAll(async () => {
  await engine?.close();
});

/** A deterministic 16 kHz test signal: tones and noise from a seeded generator. */
function synthetic(seconds: number): Float32Array {
  const n = Math.round(seconds * 16000);
  const out = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const t = i / 16000;
    out[i] = 0.2 * Math.sin(2 * Math.PI * (180 + 40 * Math.sin(t)) * t) * (Math.floor(t / 3) % 2 ? 1 : 0.3) + 0.02 * (s / 2147483648 - 0.5);
  }
  return out;
}

describe('Whisper engine on the tiny random fixture', () => {
  it('greedy decode gives exactly the token ids of the Python reference decode', async () => {
    const d = await engine.decodeWindow(engine.mel.extract(signal), [], { maxNewTokens: ref.max_new_tokens });
    expect(d.tokens).toEqual(ref.decode.plain.generated_ids);
    expect(d.logprobs).toHaveLength(d.tokens.length);
    expect(d.logprobs.every((x) => x <= 0 && Number.isFinite(x))).toBe(true);
  });

  it('forces <|startoftranscript|><|en|><|transcribe|> from the manifest', () => {
    expect((engine as unknown as { parts: { sotSequence: number[] } }).parts.sotSequence).toEqual(ref.decode.plain.prompt_ids);
  });

  it('feeds vocabulary as a <|startofprev|> prompt, with the ids and output of the Python reference', async () => {
    const prompt = await engine.prompt({ vocabulary: ref.vocabulary_words });
    expect([...prompt, ...ref.decode.plain.prompt_ids]).toEqual(ref.decode.prompted.prompt_ids);
    const d = await engine.decodeWindow(engine.mel.extract(signal), prompt, { maxNewTokens: ref.max_new_tokens });
    expect(d.tokens).toEqual(ref.decode.prompted.generated_ids);
  });

  it('fits long term lists into the 223-token prompt: the request\'s words first, then domain terms in list order', () => {
    const domain = Array.from({ length: 300 }, (_, i) => `term${i}`);
    const p = engine.promptFromTerms(domain, ['Okafor', 'Sidekiq']);
    expect(p.length).toBeLessThanOrEqual(224);
    expect(p[0]).toBe(engine.spec.sotPrev);
    const text = engine.tokenizer.decode(p.slice(1));
    expect(text.startsWith(' term0, term1, term2,')).toBe(true);
    expect(text.endsWith(', Okafor, Sidekiq')).toBe(true);
    const many = Array.from({ length: 400 }, (_, i) => `word${i}`);
    const q = engine.promptFromTerms([], many);
    expect(q.length).toBeLessThanOrEqual(224);
    expect(engine.tokenizer.decode(q.slice(1)).endsWith('word399')).toBe(true);
    expect(engine.promptFromTerms([], ['  ', ''])).toEqual([]);
  });

  it('the cached decode equals re-running the whole sequence without cache', async () => {
    const feats = engine.mel.extract(signal);
    const cached = await engine.decodeWindow(feats, [], { maxNewTokens: 40 });
    const uncached = await engine.decodeWindow(feats, [], { maxNewTokens: 40, useCache: false });
    expect(uncached.tokens).toEqual(cached.tokens);
    for (let i = 0; i < cached.logprobs.length; i++) expect(uncached.logprobs[i]!).toBeCloseTo(cached.logprobs[i]!, 4);
  });

  it('turns timestamp tokens into segments: times inside the window, text without tokens', async () => {
    const t = await engine.transcribe(signal);
    expect(t.durationSeconds).toBeCloseTo(1, 6);
    expect(t.model).toEqual({ name: 'whisper-tiny-random', version: '0.0.0-test' });
    expect(t.segments.length).toBeGreaterThan(0);
    // the reference output is <|t0|> text <|t1|><|t1'|> text … : one segment per timestamp pair
    const tb = engine.spec.timestampBegin;
    const ids = ref.decode.plain.generated_ids;
    const firstTs = (ids[0]! - tb) * 0.02;
    expect(t.segments[0]!.start).toBeCloseTo(Math.min(firstTs, 1), 3);
    for (const s of t.segments) {
      expect(s.text).not.toMatch(/<\|/);
      expect(s.end).toBeGreaterThanOrEqual(s.start);
      expect(s.end).toBeLessThanOrEqual(1 + 1e-9); // clamped to the audio
      expect(s.confidence).toBeGreaterThan(0);
      expect(s.confidence).toBeLessThanOrEqual(1);
      for (const w of s.words) {
        expect(w.start).toBeGreaterThanOrEqual(s.start - 1e-9);
        expect(w.end).toBeLessThanOrEqual(s.end + 1e-9);
      }
    }
    expect(t.text).toBe(t.segments.map((s) => s.text).join(' '));
  });

  it('decodes 70 s of audio in windows with monotonic segment times and progress reports', async () => {
    const pcm = synthetic(70);
    const progress: number[] = [];
    const t = await engine.transcribe(pcm, { onProgress: (done, total) => { progress.push(done); expect(total).toBeCloseTo(70, 6); } });
    expect(t.durationSeconds).toBeCloseTo(70, 6);
    expect(t.segments.length).toBeGreaterThan(1);
    let prev = 0;
    for (const s of t.segments) {
      expect(s.start).toBeGreaterThanOrEqual(prev);
      expect(s.end).toBeGreaterThanOrEqual(s.start);
      prev = s.end;
    }
    expect(t.segments[t.segments.length - 1]!.end).toBeLessThanOrEqual(70);
    expect(t.segments.some((s) => s.start >= 30)).toBe(true); // later windows carry their offsets
    expect(t.segments.map((s) => s.id)).toEqual(t.segments.map((_, i) => i));
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress[progress.length - 1]).toBeCloseTo(70, 6);
  });

  it('stops when the request is aborted', async () => {
    const ac = new AbortController();
    const p = engine.transcribe(synthetic(65), { signal: ac.signal, onProgress: () => ac.abort() });
    await expect(p).rejects.toThrow(/abort/i);
  });

  it('returns an empty transcript for empty audio', async () => {
    const t = await engine.transcribe(new Float32Array(0));
    expect(t).toMatchObject({ text: '', segments: [], durationSeconds: 0 });
  });

  it('rejects an unknown domain with a clear request error', async () => {
    await expect(engine.transcribe(signal, { domain: 'astrology' })).rejects.toMatchObject({ kind: 'invalid_argument' });
  });
});

describe('loading Whisper models through loadEngine', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'asr-whisper-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('dispatches family "whisper" to this runtime and transcribes', async () => {
    const e = await loadEngine(FIXTURE_DIR);
    try {
      expect(e.info).toMatchObject({ name: 'whisper-tiny-random', family: 'whisper', sampleRate: 16000 });
      const t = await e.transcribe(signal);
      expect(t.segments.length).toBeGreaterThan(0);
    } finally {
      await e.close();
    }
  });

  it('reads domain term lists named in the manifest into the prompt', async () => {
    const dir = join(tmp, 'with-domain');
    cpSync(FIXTURE_DIR, dir, { recursive: true });
    writeFileSync(join(dir, 'medicine.txt'), '# terms\natorvastatin\nSidekiq\n');
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    m.domains = { medicine: 'medicine.txt' };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    const e = await WhisperEngine.load(dir, m);
    try {
      const p = await e.prompt({ domain: 'medicine', vocabulary: ['PostgreSQL', 'inequality'] });
      expect(p).toEqual(ref.decode.prompted.prompt_ids.slice(0, -3));
    } finally {
      await e.close();
    }
  });

  it('detects the language when the manifest says "auto", as transformers\' detect_language does', async () => {
    const m = JSON.parse(readFileSync(join(FIXTURE_DIR, 'manifest.json'), 'utf8'));
    const e = await WhisperEngine.load(FIXTURE_DIR, { ...m, language: 'auto', temperatures: [0] });
    try {
      const enc = await (e as unknown as { parts: { model: { encode(f: Float32Array, n: number): Promise<unknown> } } }).parts.model.encode(e.mel.extract(signal), e.spec.nMels);
      const lang = await e.detectLanguage(enc as never);
      expect(lang.code).toBe(ref.detected_language);
      expect(lang.id).toBe(e.spec.langToId[ref.detected_language]);
      expect(lang.probability).toBeGreaterThan(0);
      const t = await e.transcribe(signal);
      expect(t.segments.length).toBeGreaterThan(0);
    } finally {
      await e.close();
    }
  });

  it('loads a folder laid out like an onnx-community download, with the manifest from make_manifest.sh', async () => {
    const dir = join(tmp, 'onnx-community-layout');
    cpSync(FIXTURE_DIR, dir, { recursive: true });
    rmSync(join(dir, 'manifest.json'));
    mkdirSync(join(dir, 'onnx'));
    for (const f of readdirSync(dir)) if (f.endsWith('.onnx')) renameSync(join(dir, f), join(dir, 'onnx', f));
    const script = resolve(__dirname, '../../../../training/whisper/make_manifest.sh');
    execFileSync('bash', [script, dir, 'whisper-layout-test', '1', 'en']);
    const written = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(written.files).toMatchObject({ encoder: 'onnx/encoder_model.onnx', decoder: 'onnx/decoder_model_merged.onnx' });
    // the project's domain term lists come along, so domain requests work as with CTC models
    expect(Object.keys(written.domains ?? {})).toEqual(expect.arrayContaining(['medicine', 'software']));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...written, max_new_tokens: 32 })); // keep the test short
    const e = await loadEngine(dir);
    try {
      expect(e.info).toMatchObject({ name: 'whisper-layout-test', version: '1', family: 'whisper' });
      expect((await e.transcribe(signal, { domain: 'medicine', vocabulary: ['Okafor'] })).segments.length).toBeGreaterThan(0);
      const p = await (e as WhisperEngine).prompt({ domain: 'medicine' });
      expect(p.length).toBeGreaterThan(10);
      expect(p.length).toBeLessThanOrEqual(224);
    } finally {
      await e.close();
    }
  });

  it('falls back to sampling at higher temperatures when the greedy text is a loop, reproducibly', async () => {
    // (the random model's near-uniform output is always "unlikely", so every temperature is tried:
    // fewer temperatures and tokens keep this test short)
    const m = JSON.parse(readFileSync(join(FIXTURE_DIR, 'manifest.json'), 'utf8'));
    const e = await WhisperEngine.load(FIXTURE_DIR, { ...m, temperatures: [0, 0.5, 1], max_new_tokens: 48 });
    try {
      const feats = e.mel.extract(signal);
      const greedy = await e.decodeWindow(feats, []);
      expect(greedy.tokens).toEqual(ref.decode.plain.generated_ids.slice(0, 48));
      expect(greedy.avgLogprob).toBeLessThan(-1); // unlikely: fall back
      expect(compressionRatio(ref.decode.plain.text)).toBeGreaterThan(2.4); // and the full greedy window is a loop ("...sssss...")
      const enc = await (e as unknown as { parts: { model: { encode(f: Float32Array, n: number): Promise<unknown> } } }).parts.model.encode(feats, e.spec.nMels);
      const fb = await e.decodeWithFallback(enc as never, [], ref.decode.plain.prompt_ids, 0);
      expect(fb.temperature).toBe(1);
      expect(fb.tokens).not.toEqual(greedy.tokens);
      const again = await e.decodeWithFallback(enc as never, [], ref.decode.plain.prompt_ids, 0);
      expect(again.tokens).toEqual(fb.tokens);
      const a = await e.transcribe(signal);
      const b = await e.transcribe(signal);
      expect(b).toEqual(a);
    } finally {
      await e.close();
    }
  });

  it('refuses a language the model does not know, and a tampered model file', async () => {
    const m = JSON.parse(readFileSync(join(FIXTURE_DIR, 'manifest.json'), 'utf8'));
    await expect(WhisperEngine.load(FIXTURE_DIR, { ...m, language: 'xx' })).rejects.toThrow(/does not know language "xx"/);
    const dir = join(tmp, 'tampered');
    cpSync(FIXTURE_DIR, dir, { recursive: true });
    writeFileSync(join(dir, 'tokenizer.json'), '{}');
    await expect(loadEngine(dir)).rejects.toThrow(/failed verification/);
  });
});
