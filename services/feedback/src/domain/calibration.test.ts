import { reliability } from './calibration.js';

describe('reliability buckets and expected calibration error', () => {
  it('sums fine buckets into coarse ones and weighs the gaps by word count', () => {
    // 4 words at 0.95 of which 3 right; 6 words at 0.35 of which 3 right (fine buckets 95 and 35).
    const { buckets, words, ece } = reliability(
      [
        { bucket: 95, words: 4, correct: 3, confidenceSum: 4 * 0.95 },
        { bucket: 35, words: 6, correct: 3, confidenceSum: 6 * 0.35 },
      ],
      10,
    );
    expect(words).toBe(10);
    expect(buckets[9]).toMatchObject({ lower: 0.9, upper: 1, words: 4, correct: 3, accuracy: 0.75 });
    expect(buckets[9]!.meanConfidence).toBeCloseTo(0.95);
    expect(buckets[3]).toMatchObject({ words: 6, correct: 3, accuracy: 0.5 });
    // ECE = 0.4 * |0.75 - 0.95| + 0.6 * |0.5 - 0.35| = 0.08 + 0.09 = 0.17
    expect(ece).toBeCloseTo(0.17, 10);
  });

  it('is zero for a perfectly calibrated model and refuses bucket counts that do not divide 100', () => {
    expect(reliability([{ bucket: 50, words: 10, correct: 5, confidenceSum: 5 }], 10).ece).toBeCloseTo(0, 10);
    expect(() => reliability([], 7)).toThrow('buckets must divide');
  });
});
