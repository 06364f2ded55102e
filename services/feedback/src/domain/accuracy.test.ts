// Hand-worked examples of the accuracy measures: each expected count was worked out on paper.
import { characterErrorRate, measureAccuracy, wordErrorRate } from './accuracy.js';
import { normalizeText } from './normalize.js';
import type { TranscriptDoc } from './transcript.js';

describe('normalisation', () => {
  it('lowercases, strips punctuation and spells numbers as words', () => {
    expect(normalizeText('Hello, World! It\'s 42.')).toBe("hello world it's forty two");
    expect(normalizeText('The 3rd dose: 2.5 mg, 50% of 1,200')).toBe('the third dose two point five mg fifty percent of one thousand two hundred');
    expect(normalizeText('“Quoted” — well-known')).toBe('quoted well known');
  });
});

describe('word error rate', () => {
  it('counts a substitution', () => {
    // the cat sat on the [mat -> hat]: 1 error over 6 reference words
    expect(wordErrorRate('the cat sat on the mat', 'the cat sat on the hat')).toEqual({ referenceWords: 6, substitutions: 1, deletions: 0, insertions: 0, wer: 1 / 6 });
  });

  it('counts a deletion (a reference word the machine missed)', () => {
    expect(wordErrorRate('the cat sat on the mat', 'the cat on the mat')).toEqual({ referenceWords: 6, substitutions: 0, deletions: 1, insertions: 0, wer: 1 / 6 });
  });

  it('counts an insertion (a machine word not in the reference)', () => {
    expect(wordErrorRate('the cat sat', 'the cat sat down')).toEqual({ referenceWords: 3, substitutions: 0, deletions: 0, insertions: 1, wer: 1 / 3 });
  });

  it('counts a substitution and an insertion together', () => {
    // a [b -> x] c d [+e]: 2 errors over 4 words
    expect(wordErrorRate('a b c d', 'a x c d e')).toMatchObject({ substitutions: 1, insertions: 1, deletions: 0, wer: 0.5 });
  });

  it('ignores punctuation and case, and compares numbers as words', () => {
    expect(wordErrorRate('Hello, World! We met at 9.', 'hello world we met at nine').wer).toBe(0);
    expect(wordErrorRate('I have 42 apples', 'i have forty two apples').wer).toBe(0);
  });

  it('is 0 for two empty texts and 1 for output against an empty reference', () => {
    expect(wordErrorRate('', '').wer).toBe(0);
    expect(wordErrorRate('', 'noise').wer).toBe(1);
  });
});

describe('character error rate', () => {
  it('counts character edits over the normalised reference, spaces included', () => {
    // "the cat" (7 characters) vs "the bat": 1 substitution
    expect(characterErrorRate('The cat.', 'the bat')).toEqual({ referenceChars: 7, charErrors: 1, cer: 1 / 7 });
    // "the cat sat" (11) vs "the sat": "cat " deleted = 4
    expect(characterErrorRate('the cat sat', 'the sat')).toEqual({ referenceChars: 11, charErrors: 4, cer: 4 / 11 });
  });
});

const w = (word: string, confidence: number, start = 0) => ({ word, start, end: start + 0.5, confidence });
function doc(segments: Array<{ id: number; words: ReturnType<typeof w>[] }>): TranscriptDoc {
  const segs = segments.map((s) => ({ id: s.id, start: 0, end: 10, confidence: 0.5, text: s.words.map((x) => x.word).join(' '), words: s.words }));
  return { text: '', segments: segs, durationSeconds: 10, model: { name: 'm', version: '1' } };
}

describe('measured accuracy of a corrected transcript', () => {
  const machine = doc([
    { id: 0, words: [w('Patient', 0.9), w('takes', 0.9), w('met', 0.4), w('forming', 0.3), w('daily.', 0.8)] },
    { id: 1, words: [w('Type', 0.95), w('2', 0.95), w('diabetes', 0.6), w('confirmed', 0.7)] },
  ]);
  const corrected = doc([
    { id: 0, words: [w('Patient', 1), w('takes', 1), w('metformin', 1), w('daily.', 1)] },
    { id: 1, words: [w('Type', 1), w('two', 1), w('diabetes', 1), w('confirmed', 1)] },
  ]);

  it('sums errors over segments and finds the misrecognised domain terms', () => {
    const a = measureAccuracy(machine, corrected, ['Metformin', 'type 2 diabetes', 'insulin']);
    // Segment 0: patient takes [metformin -> met] [+forming] daily: 1 substitution + 1 insertion.
    // Segment 1: "2" normalises to "two": no errors. Reference words 4 + 4 = 8.
    expect(a).toMatchObject({ referenceWords: 8, substitutions: 1, insertions: 1, deletions: 0, wer: 2 / 8 });
    // Characters: "patient takes metformin daily" (29) vs "patient takes met forming daily": distance 2 (a space and a "g" inserted).
    expect(a.referenceChars).toBe(29 + 'type two diabetes confirmed'.length);
    expect(a.charErrors).toBe(2);
    // Terms present in the reference: "metformin" (missed) and "type two diabetes" (right).
    expect(a.domainTerms).toBe(2);
    expect(a.domainTermErrors).toBe(1);
    expect(a.missedTerms).toEqual(['metformin']);
  });

  it('labels each machine word right or wrong for calibration', () => {
    const a = measureAccuracy(machine, corrected);
    const byBucket = Object.fromEntries(a.calibration.map((b) => [b.bucket, [b.words, b.correct]]));
    // met (0.4) and forming (0.3) wrong; the rest right, "2" counted once as one machine word.
    expect(byBucket).toEqual({ 30: [1, 0], 40: [1, 0], 60: [1, 1], 70: [1, 1], 80: [1, 1], 90: [2, 2], 95: [2, 2] });
  });

  it('measures nothing wrong against an uncorrected copy', () => {
    expect(measureAccuracy(machine, machine)).toMatchObject({ wer: 0, cer: 0, substitutions: 0 });
  });
});
