// loadEngine end to end through onnxruntime-node with test/fixtures/tiny-ctc (a real ONNX graph
// with a predictable output, built by make_tiny_ctc.py), plus the manifest and checksum checks.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultModelDir, loadEngine, ModelLoadError, toSrt } from '../src/index.js';

const TINY = resolve(__dirname, 'fixtures/tiny-ctc');
const TOKENS = ['<blank>', ' ', "'", ...'abcdefghijklmnopqrstuvwxyz'];
const SR = 16000;
const SPF = 480;

/** Audio the tiny model reads as text: a frame of value k/100 is token k. */
function say(parts: Array<string | number>): Float32Array {
  const frames: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') { for (let i = 0; i < Math.round((p * SR) / SPF); i++) frames.push(0); continue; }
    for (const ch of p) {
      const id = TOKENS.indexOf(ch);
      frames.push(id / 100, id / 100, 0);
    }
  }
  const pcm = new Float32Array(frames.length * SPF);
  frames.forEach((v, f) => pcm.fill(v, f * SPF, (f + 1) * SPF));
  return pcm;
}

const tmp = mkdtempSync(join(tmpdir(), 'asr-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function copyModel(name: string, edit?: (dir: string) => void): string {
  const dir = join(tmp, name);
  cpSync(TINY, dir, { recursive: true });
  edit?.(dir);
  return dir;
}

describe('loadEngine with a CTC model', () => {
  it('loads, transcribes through onnxruntime and closes', async () => {
    const engine = await loadEngine(TINY, { threads: 2 });
    try {
      expect(engine.info).toEqual({ name: 'tiny-ctc', version: '0.0.1', family: 'ctc', sampleRate: 16000, dir: TINY });
      const t = await engine.transcribe(say([0.6, 'good morning', 1.2, 'the patient', 0.8]));
      expect(t.text).toBe('good morning the patient');
      expect(t.segments).toHaveLength(2);
      expect(t.segments[1]!.start).toBeGreaterThan(t.segments[0]!.end);
      expect(toSrt(t)).toContain('00:00:00,');
      const withDomain = await engine.transcribe(say([0.3, 'metformin', 0.5]), { domain: 'medicine', vocabulary: ['Dr. Okafor'] });
      expect(withDomain.text).toBe('metformin');
      await expect(engine.transcribe(say(['cat']), { domain: 'astrology' })).rejects.toThrow(/Unknown domain "astrology"/);
    } finally {
      await engine.close();
    }
  });

  it('decodes without the LM, and in-process without workers, when asked', async () => {
    const engine = await loadEngine(TINY, { decoder: { useLm: false }, inferenceWorkers: 0 });
    try {
      expect((await engine.transcribe(say([0.3, 'zzq cat', 0.3]))).text).toBe('zzq cat');
    } finally {
      await engine.close();
    }
  });
});

describe('model folder checks', () => {
  it('refuses a model whose file does not match its checksum, naming the file', async () => {
    const dir = copyModel('tampered', (d) => writeFileSync(join(d, 'lm.arpa'), readFileSync(join(d, 'lm.arpa'), 'utf8').replace('-1.5', '-1.4')));
    await expect(loadEngine(dir)).rejects.toThrow(ModelLoadError);
    await expect(loadEngine(dir)).rejects.toThrow(/lm\.arpa has sha256/);
  });

  it('refuses a missing folder, a missing file and a bad manifest', async () => {
    await expect(loadEngine(join(tmp, 'nothing-here'))).rejects.toThrow(/manifest\.json is missing/);
    const missing = copyModel('missing', (d) => rmSync(join(d, 'lexicon.txt')));
    await expect(loadEngine(missing)).rejects.toThrow(/lexicon\.txt is missing/);
    const bad = copyModel('bad', (d) => {
      const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8'));
      m.family = 'rnnt';
      delete m.version;
      writeFileSync(join(d, 'manifest.json'), JSON.stringify(m));
    });
    await expect(loadEngine(bad)).rejects.toThrow(/"version" must be a non-empty string; "family" must be "ctc" or "whisper"/);
    const outside = copyModel('outside', (d) => {
      const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8'));
      m.files.model = '../../model.onnx';
      delete m.checksums;
      writeFileSync(join(d, 'manifest.json'), JSON.stringify(m));
    });
    await expect(loadEngine(outside)).rejects.toThrow(/outside the model folder/);
  });

  it('finds the default model from VERBATIM_MODEL_DIR, else the repository models folder', () => {
    const before = process.env.VERBATIM_MODEL_DIR;
    try {
      process.env.VERBATIM_MODEL_DIR = TINY;
      expect(defaultModelDir()).toBe(TINY);
      delete process.env.VERBATIM_MODEL_DIR;
      expect(defaultModelDir()).toMatch(/models\/verbatim-ctc-en(\/[^/]+)?$/);
    } finally {
      if (before === undefined) delete process.env.VERBATIM_MODEL_DIR;
      else process.env.VERBATIM_MODEL_DIR = before;
    }
  });
});

const whisperFixture = resolve(__dirname, 'fixtures/whisper-tiny-random');
const whisperReady = existsSync(resolve(__dirname, '../src/whisper/engine.ts')) && existsSync(join(whisperFixture, 'manifest.json'));
(whisperReady ? describe : describe.skip)('loadEngine with a Whisper-family model', () => {
  it('dispatches on the manifest family and returns the same interface', async () => {
    const engine = await loadEngine(whisperFixture);
    try {
      expect(engine.info.family).toBe('whisper');
      const t = await engine.transcribe(new Float32Array(SR));
      expect(t).toHaveProperty('segments');
      expect(t.durationSeconds).toBeCloseTo(1, 3);
    } finally {
      await engine.close();
    }
  });
});
