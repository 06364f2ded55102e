import { ArpaModel, ArpaParseError, UNSCORABLE_LOG10 } from './arpa.js';
import { ARPA } from './testing.js';

describe('ARPA language model', () => {
  const lm = ArpaModel.parse(ARPA);
  const id = (w: string) => lm.wordId(w);

  it('reads the order and the vocabulary', () => {
    expect(lm.order).toBe(3);
    expect([...lm.vocabulary()].sort()).toEqual(['cat', 'sat', 'the']);
    expect(lm.has('cat')).toBe(true);
    expect(lm.has('dog')).toBe(false);
  });

  it('scores a trigram that is in the model', () => {
    expect(lm.score([id('<s>'), id('the')], id('cat'))).toBeCloseTo(-0.2, 6);
  });

  it('backs off to the bigram with the context weight', () => {
    // P(sat | the cat): no trigram "the cat sat", bo(the cat) = -0.15, bigram "cat sat" = -0.3
    expect(lm.score([id('the'), id('cat')], id('sat'))).toBeCloseTo(-0.15 + -0.3, 6);
  });

  it('backs off twice to the unigram', () => {
    // P(the | the cat): bo(the cat) -0.15, no bigram "cat the": bo(cat) -0.25, unigram the -1.2
    expect(lm.score([id('the'), id('cat')], id('the'))).toBeCloseTo(-0.15 - 0.25 - 1.2, 6);
  });

  it('treats an unseen context as weight 1 (log 0)', () => {
    // context "sat the" unseen as a bigram; bo(the) -0.2 + unigram sat -1.6
    expect(lm.score([id('sat'), id('the')], id('sat'))).toBeCloseTo(-0.2 - 1.6, 6);
  });

  it('scores unknown words as <unk>, and the context moves on', () => {
    expect(id('dog')).toBe(id('<unk>'));
    expect(lm.score([], id('dog'))).toBeCloseTo(-2.0, 6);
    expect(lm.next([id('<s>'), id('the')], id('cat'))).toEqual([id('the'), id('cat')]);
    expect(lm.score([], -1)).toBe(UNSCORABLE_LOG10);
  });

  it('rejects text that is not ARPA and n-grams without their prefix', () => {
    expect(() => ArpaModel.parse('hello world')).toThrow(ArpaParseError);
    expect(() => ArpaModel.parse('\\data\\\nngram 1=1\nngram 2=1\n\\1-grams:\n-1 a\n\\2-grams:\n-1 a b\n\\end\\\n')).toThrow(/no 1-gram/);
  });
});
