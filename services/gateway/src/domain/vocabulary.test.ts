import { parseVocabulary, vocabularyFromPrompt, VocabularyError } from './vocabulary';

describe('parseVocabulary', () => {
  it('accepts JSON arrays, comma lists and arrays', () => {
    expect(parseVocabulary('["Kubernetes", "gRPC",  "pino logger"]')).toEqual(['Kubernetes', 'gRPC', 'pino logger']);
    expect(parseVocabulary('ketamine, propofol ,\nmidazolam')).toEqual(['ketamine', 'propofol', 'midazolam']);
    expect(parseVocabulary(['a', 'A', ' b '])).toEqual(['a', 'b']);
    expect(parseVocabulary(undefined)).toEqual([]);
    expect(parseVocabulary('')).toEqual([]);
  });

  it('says what is wrong with bad input', () => {
    expect(() => parseVocabulary('[1, 2]')).toThrow(VocabularyError);
    expect(() => parseVocabulary('[broken')).toThrow(/does not parse/);
    expect(() => parseVocabulary('{"a":1}')).toThrow(VocabularyError);
    expect(() => parseVocabulary('x'.repeat(101))).toThrow(/longer than/);
    expect(() => parseVocabulary(Array.from({ length: 501 }, (_, i) => `t${i}`))).toThrow(/at most 500/);
  });
});

describe('vocabularyFromPrompt', () => {
  it('takes lists as phrases and free text as distinct words', () => {
    expect(vocabularyFromPrompt('Verbatim, JetStream, Jepsen analysis.')).toEqual(['Verbatim', 'JetStream', 'Jepsen analysis']);
    expect(vocabularyFromPrompt('The talk is about JetStream and the Jepsen report')).toEqual(['The', 'talk', 'about', 'JetStream', 'Jepsen', 'report']);
    expect(vocabularyFromPrompt(undefined)).toEqual([]);
  });
});
