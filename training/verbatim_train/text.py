"""Text normalisation shared by the corpus, the LM, the lexicon, evaluation and (ported) the TS runtime.

Rules, applied in this order (documented in training/README.md; the TypeScript side copies them):

1. Unicode NFKD, drop combining marks (café -> cafe); curly quotes/apostrophes -> ' ; dashes -> -.
2. Lowercase.
3. "&" -> " and ", "%" -> " percent ", "+" -> " plus ", "@" -> " at ", "=" -> " equals ".
4. Numbers are spelled out as English words:
   - a number written with thousands separators is read cardinally ("1,200" -> "one thousand two hundred");
   - ordinals "1st 2nd 3rd 4th 21st" -> "first second third fourth twenty first";
   - decimals "3.5" -> "three point five" (digits after the point read one by one);
   - a bare integer from 1100 to 1999, or 2010 to 2099, is read as a year in pairs
     ("1990" -> "nineteen ninety", "1905" -> "nineteen oh five", "2024" -> "twenty twenty four",
     "1800" -> "eighteen hundred"); 2000-2009 -> "two thousand [n]";
   - other integers cardinally: "42" -> "forty two", "105" -> "one hundred five"
     (no "and"), "1000000" -> "one million"; more than 15 digits -> digit by digit.
5. Hyphens and slashes (and underscores) -> space.
6. Every character other than a-z, apostrophe and whitespace becomes a space (digits never remain
   after step 4). Apostrophes are kept only inside a word (don't, it's); leading and trailing
   apostrophes of each word are stripped (patients' -> patients).
7. Collapse whitespace to single spaces, trim.
"""
from __future__ import annotations

import re
import unicodedata

TOKENS = ["<blank>", " ", "'"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
BLANK_ID = 0
SPACE_ID = 1
CHAR_TO_ID = {t: i for i, t in enumerate(TOKENS) if i > 0}

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
         "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = [(10 ** 12, "trillion"), (10 ** 9, "billion"), (10 ** 6, "million"), (1000, "thousand")]
_ORD_IRREGULAR = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                  "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}


def _below_100(n: int) -> str:
    if n < 20:
        return _ONES[n]
    t, o = divmod(n, 10)
    return _TENS[t] + ("" if o == 0 else " " + _ONES[o])


def _below_1000(n: int) -> str:
    h, r = divmod(n, 100)
    parts = []
    if h:
        parts.append(_ONES[h] + " hundred")
    if r or not h:
        parts.append(_below_100(r))
    return " ".join(parts)


def cardinal(n: int) -> str:
    """Spell a non-negative integer: 105 -> 'one hundred five'."""
    if n < 1000:
        return _below_1000(n)
    parts = []
    for value, name in _SCALES:
        if n >= value:
            q, n = divmod(n, value)
            parts.append(cardinal(q) + " " + name)
    if n:
        parts.append(_below_1000(n))
    return " ".join(parts)


def ordinal(n: int) -> str:
    words = cardinal(n).split(" ")
    last = words[-1]
    if last in _ORD_IRREGULAR:
        last = _ORD_IRREGULAR[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last = last + "th"
    return " ".join(words[:-1] + [last])


def year(n: int) -> str:
    if 2000 <= n <= 2009:
        return cardinal(n)
    hi, lo = divmod(n, 100)
    if lo == 0:
        return _below_100(hi) + " hundred"
    if lo < 10:
        return _below_100(hi) + " oh " + _ONES[lo]
    return _below_100(hi) + " " + _below_100(lo)


def integer_words(digits: str) -> str:
    if len(digits) > 15:
        return " ".join(_ONES[int(d)] for d in digits)
    n = int(digits)
    if len(digits) == 4 and (1100 <= n <= 1999 or 2000 <= n <= 2099):
        return year(n)
    return cardinal(n)


_SEP_RE = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")
_ORD_RE = re.compile(r"\b(\d+)(st|nd|rd|th)\b")
_DEC_RE = re.compile(r"(\d+)\.(\d+)")
_INT_RE = re.compile(r"\d+")


def _spell_numbers(s: str) -> str:
    s = _SEP_RE.sub(lambda m: " " + cardinal(int(m.group(0).replace(",", ""))) + " ", s)
    s = _ORD_RE.sub(lambda m: " " + ordinal(int(m.group(1))) + " ", s)
    s = _DEC_RE.sub(lambda m: " " + integer_words(m.group(1)) + " point "
                    + " ".join(_ONES[int(d)] for d in m.group(2)) + " ", s)
    s = _INT_RE.sub(lambda m: " " + integer_words(m.group(0)) + " ", s)
    return s


_SYMBOLS = {"&": " and ", "%": " percent ", "+": " plus ", "@": " at ", "=": " equals "}
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'", "\u2013": "-", "\u2014": "-",
           "\u2212": "-"}


def normalize(text: str) -> str:
    """Normalise free text into the model's alphabet: [a-z' ] words separated by single spaces."""
    for a, b in _QUOTES.items():
        text = text.replace(a, b)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower()
    for a, b in _SYMBOLS.items():
        text = text.replace(a, b)
    text = _spell_numbers(text)
    text = re.sub(r"[-/_]", " ", text)
    text = re.sub(r"[^a-z' ]", " ", text)
    words = []
    for w in text.split():
        w = w.strip("'")
        if w:
            words.append(w)
    return " ".join(words)


def encode(text: str) -> list[int]:
    """Token ids of already-normalised text."""
    return [CHAR_TO_ID[c] for c in text]


def decode_ids(ids) -> str:
    return "".join(TOKENS[i] for i in ids if i > 0)


def greedy_ctc(ids) -> str:
    """Collapse repeats, drop blanks, tidy spaces."""
    out, prev = [], -1
    for i in ids:
        i = int(i)
        if i != prev and i != BLANK_ID:
            out.append(TOKENS[i])
        prev = i
    return " ".join("".join(out).split())


def edit_distance(a, b) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]
