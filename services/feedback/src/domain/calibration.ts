// Calibration of word confidence: reliability buckets (how often words of a given confidence were
// right) and the expected calibration error, ECE = sum over buckets of (n_b / N) * |accuracy_b -
// mean confidence_b|. Counts are kept per job in FINE_BUCKETS buckets of width 0.01 so that any
// coarser bucketing that divides 100 can be summed from them exactly.

export const FINE_BUCKETS = 100;

export interface BucketCount {
  /** Index among FINE_BUCKETS. */
  bucket: number;
  words: number;
  correct: number;
  confidenceSum: number;
}

export function fineBucket(confidence: number): number {
  return Math.min(FINE_BUCKETS - 1, Math.max(0, Math.floor(confidence * FINE_BUCKETS)));
}

export interface ReliabilityBucket {
  lower: number;
  upper: number;
  words: number;
  correct: number;
  meanConfidence: number;
  accuracy: number;
}

export class InvalidBucketCount extends Error {}

/** Sums fine counts into `n` equal-width buckets (n must divide 100), and computes the ECE. */
export function reliability(fine: readonly BucketCount[], n = 10): { buckets: ReliabilityBucket[]; words: number; ece: number } {
  if (!Number.isInteger(n) || n < 1 || FINE_BUCKETS % n !== 0) throw new InvalidBucketCount(`buckets must divide ${FINE_BUCKETS} (e.g. 5, 10, 20)`);
  const per = FINE_BUCKETS / n;
  const acc = Array.from({ length: n }, () => ({ words: 0, correct: 0, confidenceSum: 0 }));
  for (const f of fine) {
    const a = acc[Math.floor(f.bucket / per)]!;
    a.words += f.words;
    a.correct += f.correct;
    a.confidenceSum += f.confidenceSum;
  }
  const total = acc.reduce((s, a) => s + a.words, 0);
  let ece = 0;
  const buckets = acc.map((a, i) => {
    const meanConfidence = a.words ? a.confidenceSum / a.words : 0;
    const accuracy = a.words ? a.correct / a.words : 0;
    if (total) ece += (a.words / total) * Math.abs(accuracy - meanConfidence);
    return { lower: i / n, upper: (i + 1) / n, words: a.words, correct: a.correct, meanConfidence, accuracy };
  });
  return { buckets, words: total, ece };
}
