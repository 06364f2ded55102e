// Energy voice-activity detection: finds the stretches of speech in long audio so that silence is
// not sent to the model and segments can be batched. Long speech without a pause is cut at its
// quietest point so that no segment is longer than maxSegmentSeconds.

export interface SegmentSpeechOptions {
  /** Analysis frame (ms). */
  frameMs?: number;
  /** Speech must be this many dB above the noise floor (the 10th percentile of frame energy). */
  thresholdDb?: number;
  /** Frames quieter than this (dBFS) are never speech. */
  minSpeechDb?: number;
  /** Pauses shorter than this do not split a segment. */
  minSilenceMs?: number;
  /** Bursts shorter than this (clicks) are dropped. */
  minSpeechMs?: number;
  /** Context kept around each segment. */
  padMs?: number;
  maxSegmentSeconds?: number;
}

export interface SpeechSpan { start: number; end: number }

export function frameEnergiesDb(pcm: Float32Array, frame: number): Float32Array {
  const n = Math.ceil(pcm.length / frame);
  const out = new Float32Array(n);
  for (let f = 0; f < n; f++) {
    const a = f * frame;
    const b = Math.min(pcm.length, a + frame);
    let sum = 0;
    for (let i = a; i < b; i++) sum += pcm[i]! * pcm[i]!;
    out[f] = 10 * Math.log10(sum / Math.max(1, b - a) + 1e-10);
  }
  return out;
}

function percentile(values: Float32Array, p: number): number {
  if (values.length === 0) return -100;
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Speech spans in seconds, in order, non-overlapping. Silence-only audio gives []. */
export function segmentSpeech(pcm: Float32Array, sampleRate: number, opts: SegmentSpeechOptions = {}): SpeechSpan[] {
  const frameMs = opts.frameMs ?? 30;
  const frame = Math.max(1, Math.round((sampleRate * frameMs) / 1000));
  const thresholdDb = opts.thresholdDb ?? 12;
  const minSpeechDb = opts.minSpeechDb ?? -55;
  const minSilence = Math.round((opts.minSilenceMs ?? 400) / frameMs);
  const minSpeech = Math.round((opts.minSpeechMs ?? 90) / frameMs);
  const pad = Math.round((opts.padMs ?? 200) / frameMs);
  const maxFrames = Math.max(2, Math.floor(((opts.maxSegmentSeconds ?? 20) * 1000) / frameMs));

  const energy = frameEnergiesDb(pcm, frame);
  const n = energy.length;
  if (n === 0) return [];
  const floor = percentile(energy, 0.1);
  const loud = percentile(energy, 0.95);
  // With little silence in the file the 10th percentile is already speech; then trust the loud end.
  const threshold = Math.max(minSpeechDb, Math.min(floor + thresholdDb, loud - 20));

  // Runs of speech frames.
  let runs: Array<[number, number]> = [];
  for (let f = 0; f < n; f++) {
    if (energy[f]! <= threshold) continue;
    const last = runs[runs.length - 1];
    if (last && f - last[1] <= minSilence) last[1] = f + 1;
    else runs.push([f, f + 1]);
  }
  runs = runs.filter(([a, b]) => b - a >= minSpeech);

  // Pad and merge what now touches.
  const merged: Array<[number, number]> = [];
  for (const [a, b] of runs) {
    const s = Math.max(0, a - pad);
    const e = Math.min(n, b + pad);
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }

  // Cut long spans at the quietest point (smoothed over ~150 ms) in their second half.
  const smooth = movingAverage(energy, Math.max(1, Math.round(150 / frameMs)));
  const out: SpeechSpan[] = [];
  const total = pcm.length / sampleRate;
  for (const [a0, b] of merged) {
    let a = a0;
    while (b - a > maxFrames) {
      const lo = a + Math.floor(maxFrames / 2);
      const hi = a + maxFrames;
      let cut = hi;
      let min = Infinity;
      for (let f = lo; f < hi; f++) if (smooth[f]! < min) { min = smooth[f]!; cut = f; }
      out.push({ start: (a * frame) / sampleRate, end: (cut * frame) / sampleRate });
      a = cut;
    }
    out.push({ start: (a * frame) / sampleRate, end: Math.min(total, (b * frame) / sampleRate) });
  }
  return out;
}

function movingAverage(x: Float32Array, w: number): Float32Array {
  const out = new Float32Array(x.length);
  const half = Math.floor(w / 2);
  for (let i = 0; i < x.length; i++) {
    let s = 0;
    let c = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(x.length - 1, i + half); j++) { s += x[j]!; c++; }
    out[i] = s / c;
  }
  return out;
}
