import { ArpaModel } from './arpa.js';
import { CtcDecoder, DEFAULT_DECODER, type DecoderConfig } from './ctc-decoder.js';
import { ARPA, CHAR_TOKENS, posteriors, spell } from './testing.js';
import { BoostTrie, Lexicon, Tokenizer } from './vocabulary.js';

const config: DecoderConfig = { ...DEFAULT_DECODER, tokens: CHAR_TOKENS, blankId: 0, delimiterId: 1 };
const tokenizer = new Tokenizer(CHAR_TOKENS, 0, 1);

function lexicon(words: string[]) {
  const lex = new Lexicon(tokenizer);
  words.forEach((w) => lex.add(w));
  return lex.root;
}

function boost(entries: Array<[string, number]>) {
  const b = new BoostTrie(tokenizer);
  entries.forEach(([p, w]) => b.add(p, w));
  return b.root;
}

describe('CTC prefix beam search without a language model', () => {
  const dec = new CtcDecoder(config);

  it('collapses repeats and drops blanks', () => {
    expect(dec.decode(posteriors(['_', 'c', 'c', '_', 'a', 'a', 'a', 't', '_'])).text).toBe('cat');
  });

  it('keeps a doubled letter when a blank separates the two', () => {
    expect(dec.decode(posteriors(['h', 'e', 'l', '_', 'l', 'o'])).text).toBe('hello');
    expect(dec.decode(posteriors(['h', 'e', 'l', 'l', 'o'])).text).toBe('helo');
  });

  it('gives nothing for blank-only frames', () => {
    const r = dec.decode(posteriors(['_', '_', '_']));
    expect(r.text).toBe('');
    expect(r.words).toEqual([]);
  });

  it('splits words at the delimiter and ignores leading, doubled and trailing delimiters', () => {
    const r = dec.decode(posteriors([' ', '_', 'h', 'i', ' ', '_', ' ', 'y', 'o', 'u', ' ', '_']));
    expect(r.text).toBe('hi you');
    expect(r.words.map((w) => w.word)).toEqual(['hi', 'you']);
  });

  it('closes a word at a long pause even when the model emits no delimiter', () => {
    const pause = Array.from({ length: 12 }, () => '_');
    const r = dec.decode(posteriors([...spell('good'), ...pause, ...spell('bye')]));
    expect(r.text).toBe('good bye');
    const short = Array.from({ length: 4 }, () => '_');
    expect(dec.decode(posteriors([...spell('good'), ...short, ...spell('bye')])).text).toBe('goodbye');
  });

  it('decodes a wav2vec2-style vocabulary (upper case, | delimiter, special tokens)', () => {
    const tokens = ['<pad>', '<s>', '</s>', '<unk>', '|', "'", ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
    const d = new CtcDecoder({ ...config, tokens, blankId: 0, delimiterId: 4 });
    const frames = ['_', 'H', 'I', '_', '|', { '<s>': 0.5, _: 0.45 }, 'Y', 'O', 'U'];
    expect(d.decode(posteriors(frames, tokens)).text).toBe('hi you');
  });

  it('sums the paths of a prefix (beam search beats the greedy path)', () => {
    // Greedy picks blank in each frame; but "a" over two frames has total probability
    // 0.4*0.4 + 0.4*0.3 + 0.3*0.4 = 0.4 against 0.3*0.3 = 0.09 for nothing.
    const r = dec.decode(posteriors([{ _: 0.3, a: 0.4 }, { _: 0.3, a: 0.4 }].map((f) => ({ ...f }))));
    expect(r.text).toBe('a');
  });

  it('gives word frames from the alignment and confidences from the posteriors', () => {
    const r = dec.decode(posteriors(['_', '_', 'o', 'k', '_', ' ', '_', 'g', { o: 0.5, _: 0.4 }, '_']));
    expect(r.words).toHaveLength(2);
    expect(r.words[0]).toMatchObject({ word: 'ok', startFrame: 2, endFrame: 4 });
    expect(r.words[1]).toMatchObject({ word: 'go', startFrame: 7, endFrame: 9 });
    expect(r.words[0]!.confidence).toBeCloseTo(0.95, 2);
    expect(r.words[1]!.confidence).toBeLessThan(r.words[0]!.confidence);
    expect(r.confidence).toBeGreaterThan(0);
  });
});

describe('language model, lexicon and boosting', () => {
  // "kat" is acoustically a little more likely than "cat".
  const catOrKat = posteriors(['_', { k: 0.55, c: 0.4 }, '_', 'a', '_', 't', '_']);

  it('the LM turns an acoustically preferred non-word into the real word', () => {
    const lm = ArpaModel.parse(ARPA);
    expect(new CtcDecoder(config).decode(catOrKat).text).toBe('kat');
    expect(new CtcDecoder(config, { lm }).decode(catOrKat).text).toBe('cat');
  });

  it('the lexicon alone prefers a known word', () => {
    expect(new CtcDecoder(config, { lexicon: lexicon(['cat', 'dog']) }).decode(catOrKat).text).toBe('cat');
  });

  it('an unknown word still comes out when the audio is clear', () => {
    const clear = posteriors(spell('zyx'));
    expect(new CtcDecoder(config, { lexicon: lexicon(['cat']) }).decode(clear).text).toBe('zyx');
  });

  it('boosting turns a near miss into the boosted term', () => {
    // The model hears "metforman": the vowel before n leans to "a".
    const frames = spell('metform');
    frames.push({ a: 0.6, i: 0.35 }, '_', 'n', '_');
    const post = posteriors(frames);
    const lex = lexicon(['the', 'patient']);
    expect(new CtcDecoder(config, { lexicon: lex }).decode(post).text).toBe('metforman');
    expect(new CtcDecoder(config, { lexicon: lex, boost: boost([['metformin', 4]]) }).decode(post).text).toBe('metformin');
  });

  it('boosting does not force a term the audio does not support', () => {
    const post = posteriors(spell('aspirin'));
    const dec = new CtcDecoder(config, { lexicon: lexicon(['aspirin']), boost: boost([['metformin', 7], ['asthma', 7], ['aspiration', 7]]) });
    expect(dec.decode(post).text).toBe('aspirin');
  });

  it('takes the bonus back when the boosted word is not completed', () => {
    // "met" is a prefix of the boosted "metformin"; its final score must be the unboosted one.
    const post = posteriors(spell('met'));
    const plain = new CtcDecoder(config).decode(post);
    const boosted = new CtcDecoder(config, { boost: boost([['metformin', 7]]) }).decode(post);
    expect(boosted.text).toBe('met');
    expect(boosted.score).toBeCloseTo(plain.score, 6);
  });

  it('adds a fixed bonus per completed term, however long it is', () => {
    for (const word of ['ok', 'metformin']) {
      const post = posteriors(spell(word));
      const plain = new CtcDecoder(config).decode(post);
      const boosted = new CtcDecoder(config, { boost: boost([[word, 4]]) }).decode(post);
      expect(boosted.score - plain.score).toBeCloseTo(4, 2);
    }
  });

  it('charges an invented word per letter, so it does not swallow real words', () => {
    // "catdog" acoustically, one letter apart from the words "cat" and "dog" with a weak
    // delimiter between; the lexicon makes two known words better than one unknown one.
    const frames = spell('cat');
    frames.push({ ' ': 0.1, _: 0.85 }, ...spell('dog'));
    const post = posteriors(frames);
    expect(new CtcDecoder(config).decode(post).text).toBe('catdog');
    expect(new CtcDecoder(config, { lexicon: lexicon(['cat', 'dog']) }).decode(post).text).toBe('cat dog');
  });

  it('boosts a multi-word phrase across the word boundary', () => {
    // "type scrypt": the vowel leans to "y"; the phrase "type script" fixes it.
    const frames = spell('type scr');
    frames.push({ y: 0.6, i: 0.35 }, '_', 'p', '_', 't', '_');
    const post = posteriors(frames);
    expect(new CtcDecoder(config).decode(post).text).toBe('type scrypt');
    expect(new CtcDecoder(config, { boost: boost([['type script', 4]]) }).decode(post).text).toBe('type script');
  });

  it('normalises boost entries like the training text (case, hyphens, digits)', () => {
    const b = new BoostTrie(tokenizer);
    expect(b.add('COVID-19', 1)).toBe(true);
    const frames = spell('covid nineteen');
    expect(new CtcDecoder(config, { boost: b.root }).decode(posteriors(frames)).text).toBe('covid nineteen');
  });
});

