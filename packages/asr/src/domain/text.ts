// Text normalisation: a port of training/verbatim_train/text.py (the trainer owns the rules; keep
// the two in step). The model's alphabet is [a-z' ] — everything a transcript is compared in
// (WER, vocabulary boosting, the LM and lexicon) goes through this first.

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES: Array<[number, string]> = [[1e12, 'trillion'], [1e9, 'billion'], [1e6, 'million'], [1000, 'thousand']];
const ORD_IRREGULAR: Record<string, string> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth',
};

function below100(n: number): string {
  if (n < 20) return ONES[n]!;
  const t = Math.floor(n / 10);
  const o = n % 10;
  return TENS[t]! + (o === 0 ? '' : ' ' + ONES[o]!);
}

function below1000(n: number): string {
  const h = Math.floor(n / 100);
  const r = n % 100;
  const parts: string[] = [];
  if (h) parts.push(ONES[h]! + ' hundred');
  if (r || !h) parts.push(below100(r));
  return parts.join(' ');
}

/** 105 -> "one hundred five" (no "and"). */
export function cardinal(n: number): string {
  if (n < 1000) return below1000(n);
  const parts: string[] = [];
  let rest = n;
  for (const [value, name] of SCALES) {
    if (rest >= value) {
      const q = Math.floor(rest / value);
      rest = rest - q * value;
      parts.push(cardinal(q) + ' ' + name);
    }
  }
  if (rest) parts.push(below1000(rest));
  return parts.join(' ');
}

export function ordinal(n: number): string {
  const words = cardinal(n).split(' ');
  let last = words[words.length - 1]!;
  if (ORD_IRREGULAR[last]) last = ORD_IRREGULAR[last]!;
  else if (last.endsWith('y')) last = last.slice(0, -1) + 'ieth';
  else last = last + 'th';
  return [...words.slice(0, -1), last].join(' ');
}

function year(n: number): string {
  if (n >= 2000 && n <= 2009) return cardinal(n);
  const hi = Math.floor(n / 100);
  const lo = n % 100;
  if (lo === 0) return below100(hi) + ' hundred';
  if (lo < 10) return below100(hi) + ' oh ' + ONES[lo]!;
  return below100(hi) + ' ' + below100(lo);
}

function integerWords(digits: string): string {
  if (digits.length > 15) return [...digits].map((d) => ONES[Number(d)]!).join(' ');
  const n = Number(digits);
  if (digits.length === 4 && ((n >= 1100 && n <= 1999) || (n >= 2000 && n <= 2099))) return year(n);
  return cardinal(n);
}

const SEP_RE = /\b\d{1,3}(?:,\d{3})+\b/g;
const ORD_RE = /\b(\d+)(st|nd|rd|th)\b/g;
const DEC_RE = /(\d+)\.(\d+)/g;
const INT_RE = /\d+/g;

function spellNumbers(s: string): string {
  s = s.replace(SEP_RE, (m) => ' ' + cardinal(Number(m.replace(/,/g, ''))) + ' ');
  s = s.replace(ORD_RE, (_m, d: string) => ' ' + ordinal(Number(d)) + ' ');
  s = s.replace(DEC_RE, (_m, a: string, b: string) =>
    ' ' + integerWords(a) + ' point ' + [...b].map((d) => ONES[Number(d)]!).join(' ') + ' ');
  s = s.replace(INT_RE, (m) => ' ' + integerWords(m) + ' ');
  return s;
}

const SYMBOLS: Array<[string, string]> = [['&', ' and '], ['%', ' percent '], ['+', ' plus '], ['@', ' at '], ['=', ' equals ']];
const QUOTES: Array<[string, string]> = [['\u2018', "'"], ['\u2019', "'"], ['\u02bc', "'"], ['`', "'"], ['\u2013', '-'], ['\u2014', '-'], ['\u2212', '-']];

/** Free text -> the model's alphabet: lowercase [a-z'] words separated by single spaces. */
export function normalizeText(text: string): string {
  for (const [a, b] of QUOTES) text = text.split(a).join(b);
  text = text.normalize('NFKD').replace(/\p{Mn}/gu, '');
  text = text.toLowerCase();
  for (const [a, b] of SYMBOLS) text = text.split(a).join(b);
  text = spellNumbers(text);
  text = text.replace(/[-/_]/g, ' ');
  text = text.replace(/[^a-z' ]/g, ' ');
  const words: string[] = [];
  for (const w of text.split(/\s+/)) {
    const t = w.replace(/^'+|'+$/g, '');
    if (t) words.push(t);
  }
  return words.join(' ');
}
