// Text normalisation for measuring accuracy: lowercase, punctuation stripped, numbers spelled out
// as words (so "42" and "forty two" compare equal), apostrophes inside words kept ("don't").
// Kept in step with the model's own alphabet rules (packages/asr text.ts), simplified to what a
// comparison needs.

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES: Array<[number, string]> = [[1e12, 'trillion'], [1e9, 'billion'], [1e6, 'million'], [1000, 'thousand']];
const ORD_IRREGULAR: Record<string, string> = { one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth' };

function below1000(n: number): string {
  const h = Math.floor(n / 100);
  const r = n % 100;
  const parts: string[] = [];
  if (h) parts.push(`${ONES[h]!} hundred`);
  if (r || !h) parts.push(r < 20 ? ONES[r]! : TENS[Math.floor(r / 10)]! + (r % 10 ? ` ${ONES[r % 10]!}` : ''));
  return parts.join(' ');
}

/** 2024 -> "two thousand twenty four" (no "and"). */
export function cardinal(n: number): string {
  if (n < 1000) return below1000(n);
  const parts: string[] = [];
  let rest = n;
  for (const [value, name] of SCALES) {
    if (rest >= value) {
      const q = Math.floor(rest / value);
      rest -= q * value;
      parts.push(`${cardinal(q)} ${name}`);
    }
  }
  if (rest) parts.push(below1000(rest));
  return parts.join(' ');
}

function ordinal(n: number): string {
  const words = cardinal(n).split(' ');
  let last = words.pop()!;
  if (ORD_IRREGULAR[last]) last = ORD_IRREGULAR[last]!;
  else if (last.endsWith('y')) last = `${last.slice(0, -1)}ieth`;
  else last = `${last}th`;
  return [...words, last].join(' ');
}

const digitsWords = (d: string) => [...d].map((c) => ONES[Number(c)]!).join(' ');
const integerWords = (d: string) => (d.length > 15 ? digitsWords(d) : cardinal(Number(d)));

function spellNumbers(s: string): string {
  return s
    .replace(/\b\d{1,3}(?:,\d{3})+\b/g, (m) => ` ${integerWords(m.replace(/,/g, ''))} `)
    .replace(/\b(\d+)(st|nd|rd|th)\b/g, (_m, d: string) => ` ${ordinal(Number(d))} `)
    .replace(/(\d+)\.(\d+)/g, (_m, a: string, b: string) => ` ${integerWords(a)} point ${digitsWords(b)} `)
    .replace(/%/g, ' percent ')
    .replace(/&/g, ' and ')
    .replace(/\d+/g, (m) => ` ${integerWords(m)} `);
}

/** Free text -> normalised words. */
export function normalizeWords(text: string): string[] {
  let t = text.replace(/[\u2018\u2019\u02bc`]/g, "'").normalize('NFKD').replace(/\p{Mn}/gu, '').toLowerCase();
  t = spellNumbers(t);
  // Letters of any script, digits and apostrophes survive; everything else separates words.
  t = t.replace(/[^\p{L}\p{N}']+/gu, ' ');
  const out: string[] = [];
  for (const w of t.split(' ')) {
    const trimmed = w.replace(/^'+|'+$/g, '');
    if (trimmed) out.push(trimmed);
  }
  return out;
}

export function normalizeText(text: string): string {
  return normalizeWords(text).join(' ');
}
