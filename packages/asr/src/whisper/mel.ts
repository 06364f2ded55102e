// Whisper's log-mel front end, computed in TypeScript exactly as the reference does it
// (openai/whisper `log_mel_spectrogram`, transformers' WhisperFeatureExtractor):
//   pad/trim the window to 30 s with zeros, STFT with a periodic Hann window (n_fft 400, hop 160,
//   centred, reflect padding), power spectrum, Slaney-style mel filter bank (80 or 128 bins,
//   0..8 kHz, Slaney area normalisation), log10 with a 1e-10 floor, the last frame dropped,
//   clamped to (max - 8), then (x + 4) / 4.
// The clamp uses the maximum of the window being computed, as transformers does per 30 s input.

export interface MelOptions {
  nMels: number;
  sampleRate?: number;
  nFft?: number;
  hopLength?: number;
  /** Seconds per window (Whisper: 30). */
  chunkLength?: number;
}

export class WhisperMelExtractor {
  readonly nMels: number;
  readonly sampleRate: number;
  readonly nFft: number;
  readonly hopLength: number;
  /** Samples per window (480 000 for 30 s at 16 kHz). */
  readonly nSamples: number;
  /** Mel frames per window (3000). */
  readonly nFrames: number;
  private readonly nBins: number;
  private readonly window: Float64Array;
  /** For each mel bin: first FFT bin with a non-zero weight, and the weights from there. */
  private readonly filters: Array<{ start: number; weights: Float64Array }>;
  private readonly fft: RealPairFft;

  constructor(opts: MelOptions) {
    this.nMels = opts.nMels;
    this.sampleRate = opts.sampleRate ?? 16000;
    this.nFft = opts.nFft ?? 400;
    this.hopLength = opts.hopLength ?? 160;
    this.nSamples = Math.round((opts.chunkLength ?? 30) * this.sampleRate);
    this.nFrames = Math.floor(this.nSamples / this.hopLength);
    this.nBins = Math.floor(this.nFft / 2) + 1;
    this.window = hannWindow(this.nFft);
    const bank = melFilterBank(this.nBins, this.nMels, 0, this.sampleRate / 2, this.sampleRate);
    this.filters = [];
    for (let m = 0; m < this.nMels; m++) {
      let a = 0;
      let b = this.nBins;
      while (a < b && bank[a * this.nMels + m] === 0) a++;
      while (b > a && bank[(b - 1) * this.nMels + m] === 0) b--;
      const w = new Float64Array(b - a);
      for (let k = a; k < b; k++) w[k - a] = bank[k * this.nMels + m]!;
      this.filters.push({ start: a, weights: w });
    }
    this.fft = new RealPairFft(this.nFft);
  }

  /**
   * Log-mel features of `pcm[start, start + nSamples)` (zero-padded past the end of `pcm`),
   * row-major [nMels][nFrames] as the encoder's input_features expects.
   */
  extract(pcm: Float32Array, start = 0): Float32Array {
    const n = this.nSamples;
    const x = new Float64Array(n);
    const end = Math.min(pcm.length, start + n);
    for (let i = start; i < end; i++) x[i - start] = pcm[i]!;

    const half = this.nFft >> 1;
    const nFft = this.nFft;
    const frames = this.nFrames; // the reference computes nFrames + 1 and drops the last one
    const logMel = new Float64Array(this.nMels * frames);
    const frameA = new Float64Array(nFft);
    const frameB = new Float64Array(nFft);
    const powA = new Float64Array(this.nBins);
    const powB = new Float64Array(this.nBins);
    let maxVal = -Infinity;

    const fill = (t: number, out: Float64Array) => {
      const off = t * this.hopLength - half;
      for (let j = 0; j < nFft; j++) {
        let i = off + j;
        // reflect padding (numpy 'reflect': the edge sample is not repeated)
        if (i < 0) i = -i;
        else if (i >= n) i = 2 * n - 2 - i;
        out[j] = x[i]! * this.window[j]!;
      }
    };
    const melInto = (t: number, pow: Float64Array) => {
      for (let m = 0; m < this.nMels; m++) {
        const f = this.filters[m]!;
        let s = 0;
        for (let k = 0; k < f.weights.length; k++) s += f.weights[k]! * pow[f.start + k]!;
        const v = Math.log10(s > 1e-10 ? s : 1e-10);
        logMel[m * frames + t] = v;
        if (v > maxVal) maxVal = v;
      }
    };

    for (let t = 0; t < frames; t += 2) {
      fill(t, frameA);
      const pair = t + 1 < frames;
      if (pair) fill(t + 1, frameB);
      else frameB.fill(0);
      this.fft.powerSpectra(frameA, frameB, powA, powB);
      melInto(t, powA);
      if (pair) melInto(t + 1, powB);
    }

    const floor = maxVal - 8;
    const out = new Float32Array(this.nMels * frames);
    for (let i = 0; i < out.length; i++) {
      const v = logMel[i]!;
      out[i] = ((v > floor ? v : floor) + 4) / 4;
    }
    return out;
  }
}

/** Periodic Hann window (numpy hanning(n + 1)[:-1], torch.hann_window(n)). */
export function hannWindow(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

function hzToMelSlaney(f: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logstep = Math.log(6.4) / 27;
  return f >= minLogHz ? minLogMel + Math.log(f / minLogHz) / logstep : f / fSp;
}

function melToHzSlaney(m: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logstep = Math.log(6.4) / 27;
  return m >= minLogMel ? minLogHz * Math.exp(logstep * (m - minLogMel)) : fSp * m;
}

/**
 * Triangular mel filters on the Slaney mel scale with Slaney ("area") normalisation, as
 * librosa.filters.mel(sr, n_fft, n_mels) and transformers' mel_filter_bank(norm="slaney",
 * mel_scale="slaney"). Returns [nBins][nMels] row-major.
 */
export function melFilterBank(nBins: number, nMels: number, fMin: number, fMax: number, sampleRate: number): Float64Array {
  const melMin = hzToMelSlaney(fMin);
  const melMax = hzToMelSlaney(fMax);
  const pts = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) pts[i] = melToHzSlaney(melMin + ((melMax - melMin) * i) / (nMels + 1));
  const out = new Float64Array(nBins * nMels);
  for (let k = 0; k < nBins; k++) {
    const f = ((sampleRate / 2) * k) / (nBins - 1);
    for (let m = 0; m < nMels; m++) {
      const lo = pts[m]!;
      const c = pts[m + 1]!;
      const hi = pts[m + 2]!;
      const down = (f - lo) / (c - lo);
      const up = (hi - f) / (hi - c);
      const v = Math.max(0, Math.min(down, up));
      out[k * nMels + m] = v * (2 / (hi - lo));
    }
  }
  return out;
}

/**
 * Power spectra of two real frames at once through one complex FFT of any size whose prime
 * factors are small (Whisper's 400 = 2^4 * 5^2): frame a is the real part, frame b the imaginary.
 */
export class RealPairFft {
  private readonly n: number;
  private readonly factors: number[];
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly outRe: Float64Array;
  private readonly outIm: Float64Array;
  private readonly tmpRe: Float64Array;
  private readonly tmpIm: Float64Array;

  constructor(n: number) {
    this.n = n;
    this.factors = factorize(n);
    this.cos = new Float64Array(n);
    this.sin = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this.cos[i] = Math.cos((2 * Math.PI * i) / n);
      this.sin[i] = -Math.sin((2 * Math.PI * i) / n);
    }
    this.re = new Float64Array(n);
    this.im = new Float64Array(n);
    this.outRe = new Float64Array(n);
    this.outIm = new Float64Array(n);
    const maxP = Math.max(...this.factors, 1);
    this.tmpRe = new Float64Array(maxP);
    this.tmpIm = new Float64Array(maxP);
  }

  /** |FFT(a)|^2 and |FFT(b)|^2 for bins 0..n/2. */
  powerSpectra(a: Float64Array, b: Float64Array, powA: Float64Array, powB: Float64Array): void {
    const n = this.n;
    this.re.set(a);
    this.im.set(b);
    this.transform(0, 1, n, 0, 0);
    const zr = this.outRe;
    const zi = this.outIm;
    const bins = (n >> 1) + 1;
    for (let k = 0; k < bins; k++) {
      const j = k === 0 ? 0 : n - k;
      // A[k] = (Z[k] + conj(Z[n-k])) / 2 ; B[k] = (Z[k] - conj(Z[n-k])) / 2i
      const ar = (zr[k]! + zr[j]!) / 2;
      const ai = (zi[k]! - zi[j]!) / 2;
      const br = (zi[k]! + zi[j]!) / 2;
      const bi = (zr[j]! - zr[k]!) / 2;
      powA[k] = ar * ar + ai * ai;
      powB[k] = br * br + bi * bi;
    }
  }

  /** Recursive mixed-radix decimation in time: input (re, im)[inOff + i*stride], output out[outOff..+n). */
  private transform(inOff: number, stride: number, n: number, outOff: number, fi: number): void {
    if (n === 1) {
      this.outRe[outOff] = this.re[inOff]!;
      this.outIm[outOff] = this.im[inOff]!;
      return;
    }
    const p = this.factors[fi]!;
    const m = n / p;
    for (let r = 0; r < p; r++) this.transform(inOff + r * stride, stride * p, m, outOff + r * m, fi + 1);
    // X[k + q*m] = sum_r W_n^{r(k + q m)} Y_r[k]
    const N = this.n;
    const step = N / n; // W_n^j = W_N^{j*step}
    const oRe = this.outRe;
    const oIm = this.outIm;
    const tRe = this.tmpRe;
    const tIm = this.tmpIm;
    for (let k = 0; k < m; k++) {
      for (let r = 0; r < p; r++) {
        tRe[r] = oRe[outOff + r * m + k]!;
        tIm[r] = oIm[outOff + r * m + k]!;
      }
      for (let q = 0; q < p; q++) {
        const kk = k + q * m;
        let sr = tRe[0]!;
        let si = tIm[0]!;
        for (let r = 1; r < p; r++) {
          const idx = ((r * kk) % n) * step;
          const c = this.cos[idx]!;
          const s = this.sin[idx]!;
          const yr = tRe[r]!;
          const yi = tIm[r]!;
          sr += yr * c - yi * s;
          si += yr * s + yi * c;
        }
        oRe[outOff + kk] = sr;
        oIm[outOff + kk] = si;
      }
    }
  }
}

function factorize(n: number): number[] {
  const out: number[] = [];
  let x = n;
  for (const p of [4, 2, 3, 5, 7]) {
    while (x % p === 0) {
      out.push(p);
      x /= p;
    }
  }
  if (x > 1) out.push(x); // a large prime factor: a plain DFT stage (slow but correct)
  return out;
}
