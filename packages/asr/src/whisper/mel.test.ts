// The TypeScript log-mel front end against transformers' WhisperFeatureExtractor (reference
// computed by training/whisper/export_tiny.py for a 1 s synthetic signal), and its parts against
// textbook definitions.
import { FIXTURE_DIR, readF32, reference } from '../../test/whisper-fixture';
import { hannWindow, melFilterBank, RealPairFft, WhisperMelExtractor } from './mel';

describe('Whisper log-mel features', () => {
  const ref = reference();
  const signal = readF32(ref.signal.file);
  const mel = new WhisperMelExtractor({ nMels: ref.mel.n_mels });
  const feats = mel.extract(signal);
  const frames = ref.mel.frames;

  it('has the reference shape: n_mels x 3000 frames for a 30 s window', () => {
    expect(mel.nFrames).toBe(frames);
    expect(feats.length).toBe(ref.mel.n_mels * frames);
  });

  it(`matches transformers' WhisperFeatureExtractor within 1e-3 (fixture ${FIXTURE_DIR.split('/').pop()})`, () => {
    const head = readF32(ref.mel.head.file);
    const tail = readF32(ref.mel.tail.file);
    let maxErr = 0;
    for (let m = 0; m < ref.mel.n_mels; m++) {
      for (let t = 0; t < ref.mel.head.frames; t++) maxErr = Math.max(maxErr, Math.abs(feats[m * frames + t]! - head[m * ref.mel.head.frames + t]!));
      for (let t = 0; t < ref.mel.tail.frames; t++) {
        maxErr = Math.max(maxErr, Math.abs(feats[m * frames + frames - ref.mel.tail.frames + t]! - tail[m * ref.mel.tail.frames + t]!));
      }
    }
    expect(maxErr).toBeLessThan(1e-3);
    let max = -Infinity;
    let min = Infinity;
    let sum = 0;
    for (const v of feats) {
      max = Math.max(max, v);
      min = Math.min(min, v);
      sum += v;
    }
    expect(Math.abs(max - ref.mel.max)).toBeLessThan(1e-3);
    expect(Math.abs(min - ref.mel.min)).toBeLessThan(1e-3);
    expect(Math.abs(sum / feats.length - ref.mel.mean)).toBeLessThan(1e-3);
  });

  it('pads a window that starts inside the audio with zeros, like a shorter clip', () => {
    const longer = new Float32Array(signal.length + 16000);
    longer.set(signal, 16000);
    const shifted = mel.extract(longer, 16000);
    let maxErr = 0;
    for (let i = 0; i < feats.length; i++) maxErr = Math.max(maxErr, Math.abs(shifted[i]! - feats[i]!));
    expect(maxErr).toBe(0);
  });

  it('supports 128 mel bins (large-v3)', () => {
    const m128 = new WhisperMelExtractor({ nMels: 128 });
    const f = m128.extract(signal);
    expect(f.length).toBe(128 * 3000);
    expect(f.every((v) => Number.isFinite(v))).toBe(true);
  });
});

describe('mel front end parts', () => {
  it('the mixed-radix FFT of size 400 equals a direct DFT', () => {
    const n = 400;
    const a = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + 0.1 * ((i * 7919) % 13));
    const b = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 1.3) * 0.5);
    const pa = new Float64Array(n / 2 + 1);
    const pb = new Float64Array(n / 2 + 1);
    new RealPairFft(n).powerSpectra(a, b, pa, pb);
    for (const [x, p] of [[a, pa], [b, pb]] as const) {
      for (let k = 0; k <= n / 2; k++) {
        let re = 0;
        let im = 0;
        for (let j = 0; j < n; j++) {
          re += x[j]! * Math.cos((2 * Math.PI * j * k) / n);
          im -= x[j]! * Math.sin((2 * Math.PI * j * k) / n);
        }
        expect(p[k]!).toBeCloseTo(re * re + im * im, 6);
      }
    }
  });

  it('the Hann window is periodic', () => {
    const w = hannWindow(400);
    expect(w[0]).toBe(0);
    expect(w[200]).toBeCloseTo(1, 12);
    expect(w[100]).toBeCloseTo(w[300]!, 12);
  });

  it("Slaney mel filters equal transformers' mel_filter_bank(norm='slaney', mel_scale='slaney')", () => {
    // entries printed by transformers.audio_utils.mel_filter_bank(201, n, 0, 8000, 16000, "slaney", "slaney")
    const cases: Record<number, Array<[number, number, number]>> = {
      80: [[1, 0, 0.024862593984176087], [1, 1, 0.0019908218880980706], [2, 1, 0.022871772096078023], [49, 44, 0.004820293863447081],
        [98, 61, 0.003912510374718947], [146, 72, 0.0035493728619317927], [197, 79, 0.0013462770827672086], [50, 30, 0]],
      128: [[1, 0, 0.012373986332636965], [49, 70, 0.01407538676105914], [98, 98, 0.006252985472956687],
        [146, 115, 0.006726409999339874], [195, 126, 0.0002746368193331743]],
    };
    for (const [n, entries] of Object.entries(cases)) {
      const bank = melFilterBank(201, Number(n), 0, 8000, 16000);
      for (const [k, m, v] of entries) expect(bank[k * Number(n) + m]!).toBeCloseTo(v, 10);
    }
    let sum = 0;
    for (const v of melFilterBank(201, 80, 0, 8000, 16000)) sum += v;
    expect(sum).toBeCloseTo(1.9990241029178577, 9);
  });
});
