import { wordErrorRate } from './wer.js';

describe('wordErrorRate', () => {
  it('is zero for identical text after normalisation', () => {
    expect(wordErrorRate('Hello, World!', 'hello world')).toEqual({ wer: 0, substitutions: 0, deletions: 0, insertions: 0, refWords: 2 });
  });

  it('counts a substitution', () => {
    // the cat sat on the mat / the cat sat on a mat: 1 of 6
    const r = wordErrorRate('the cat sat on the mat', 'the cat sat on a mat');
    expect(r).toMatchObject({ substitutions: 1, deletions: 0, insertions: 0, refWords: 6 });
    expect(r.wer).toBeCloseTo(1 / 6, 10);
  });

  it('counts deletions and insertions on the best alignment', () => {
    // ref: a b c d e   hyp: a c d x e y  -> delete b, insert x, insert y = 3 / 5
    const r = wordErrorRate('a b c d e', 'a c d x e y');
    expect(r).toMatchObject({ substitutions: 0, deletions: 1, insertions: 2, refWords: 5 });
    expect(r.wer).toBeCloseTo(0.6, 10);
  });

  it('can exceed 1 when the hypothesis is much longer', () => {
    const r = wordErrorRate('yes', 'no no no');
    expect(r).toMatchObject({ substitutions: 1, insertions: 2 });
    expect(r.wer).toBe(3);
  });

  it('handles empty sides', () => {
    expect(wordErrorRate('', '').wer).toBe(0);
    expect(wordErrorRate('one two', '')).toMatchObject({ wer: 1, deletions: 2 });
    expect(wordErrorRate('', 'one')).toMatchObject({ insertions: 1, refWords: 0 });
  });

  it('compares numbers the way training spells them', () => {
    expect(wordErrorRate('take 2 tablets', 'take two tablets').wer).toBe(0);
  });
});
