// Vocabulary (words and phrases to boost in decoding) as customers send it: a JSON array, a
// comma- or newline-separated list, or an OpenAI `prompt` of free text.
export const MAX_VOCABULARY_TERMS = 500;
export const MAX_TERM_CHARS = 100;

export class VocabularyError extends Error {}

function clean(terms: unknown[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const t of terms) {
    if (typeof t !== 'string') throw new VocabularyError('vocabulary entries must be strings');
    const term = t.replace(/\s+/g, ' ').trim();
    if (!term) continue;
    if (term.length > MAX_TERM_CHARS) throw new VocabularyError(`vocabulary term longer than ${MAX_TERM_CHARS} characters: "${term.slice(0, 20)}…"`);
    const key = term.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(term);
  }
  if (out.length > MAX_VOCABULARY_TERMS) throw new VocabularyError(`vocabulary has ${out.length} terms; at most ${MAX_VOCABULARY_TERMS} are allowed`);
  return out;
}

/** A `vocabulary` field: JSON array of strings, or a comma/newline-separated list. */
export function parseVocabulary(input: unknown): string[] {
  if (input === undefined || input === null || input === '') return [];
  if (Array.isArray(input)) return clean(input);
  if (typeof input !== 'string') throw new VocabularyError('vocabulary must be a JSON array of strings or a comma-separated list');
  const trimmed = input.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new VocabularyError('vocabulary looks like JSON but does not parse');
    }
    if (!Array.isArray(parsed)) throw new VocabularyError('vocabulary must be a JSON array of strings');
    return clean(parsed);
  }
  return clean(trimmed.split(/[,\n;]/));
}

/**
 * An OpenAI `prompt` as vocabulary: explicit lists (commas, semicolons, newlines) are taken as
 * phrases; free text becomes its distinct words, minus short function words that boost nothing.
 */
export function vocabularyFromPrompt(prompt: string | undefined): string[] {
  if (!prompt?.trim()) return [];
  if (/[,;\n]/.test(prompt)) return clean(prompt.split(/[,;\n]/).map((p) => p.replace(/[.!?]+$/, '')));
  const words = prompt
    .split(/\s+/)
    .map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
    .filter((w) => w.length > 3 || /[A-Z0-9]/.test(w));
  return clean(words).slice(0, MAX_VOCABULARY_TERMS);
}
