"""Reference CTC prefix beam search with word n-gram shallow fusion (Python). The TypeScript runtime
has its own implementation; this one tunes lm_weights (alpha, beta) and reports LM-decoded WER."""
from __future__ import annotations

import math

import numpy as np

from .lm import Arpa
from .text import BLANK_ID, SPACE_ID, TOKENS

LN10 = math.log(10)
NEG = -1e30


def _lse(a, b):
    if a < b:
        a, b = b, a
    if b <= NEG:
        return a
    return a + math.log1p(math.exp(b - a))


class LMScorer:
    def __init__(self, arpa: Arpa, alpha: float, beta: float, boost: set | None = None, bonus: float = 0.0):
        """boost: words of a domain vocabulary; each completed boosted word earns `bonus` (nats)."""
        self.arpa, self.alpha, self.beta = arpa, alpha, beta
        self.boost, self.bonus = boost or set(), bonus
        self.cache = {}

    def word(self, ctx: tuple, w: str) -> float:
        key = (ctx, w)
        if key not in self.cache:
            lm = self.arpa.logp(ctx + (w,))
            if w in self.boost:
                # a boosted word is scored at least like a plausible in-vocabulary word, plus a bonus
                lm = max(lm, -4.0)
                self.cache[key] = self.alpha * lm * LN10 + self.beta + self.bonus
            else:
                self.cache[key] = self.alpha * lm * LN10 + self.beta
        return self.cache[key]


def beam_search(log_probs: np.ndarray, scorer: LMScorer | None, beam: int = 16, prune: float = -8.0) -> str:
    # beam entry: prefix(str) -> [pb, pnb, lm, ctx(tuple of last words)]
    beams = {"": [0.0, NEG, 0.0, ("<s>",)]}
    for t in range(log_probs.shape[0]):
        lp = log_probs[t]
        cand = [c for c in np.nonzero(lp > prune)[0]] or [int(lp.argmax())]
        nb: dict[str, list] = {}

        def add(prefix, pb, pnb, lm, ctx):
            e = nb.get(prefix)
            if e is None:
                nb[prefix] = [pb, pnb, lm, ctx]
            else:
                e[0] = _lse(e[0], pb)
                e[1] = _lse(e[1], pnb)
        for prefix, (pb, pnb, lm, ctx) in beams.items():
            tot = _lse(pb, pnb)
            last = prefix[-1] if prefix else None
            for c in cand:
                c = int(c)
                p = float(lp[c])
                if c == BLANK_ID:
                    add(prefix, tot + p, NEG, lm, ctx)
                    continue
                ch = TOKENS[c]
                if c == SPACE_ID:
                    if not prefix or last == " ":
                        add(prefix, tot + p, NEG, lm, ctx)    # leading/double space: treat like blank
                        continue
                    word = prefix.rsplit(" ", 1)[-1]
                    s = scorer.word(ctx[-2:], word) if scorer else 0.0
                    add(prefix + " ", NEG, tot + p, lm + s, (ctx + (word,))[-2:])
                    continue
                if ch == last:
                    add(prefix, NEG, pnb + p, lm, ctx)          # repeat collapses
                    add(prefix + ch, NEG, pb + p, lm, ctx)      # needs a blank in between
                else:
                    add(prefix + ch, NEG, tot + p, lm, ctx)
        beams = dict(sorted(nb.items(), key=lambda kv: _lse(kv[1][0], kv[1][1]) + kv[1][2], reverse=True)[:beam])

    def final(item):
        prefix, (pb, pnb, lm, ctx) = item
        score = _lse(pb, pnb) + lm
        if scorer:
            words = prefix.strip()
            if prefix and not prefix.endswith(" "):
                w = prefix.rsplit(" ", 1)[-1]
                score += scorer.word(ctx[-2:], w)
                ctx = (ctx + (w,))[-2:]
            score += scorer.alpha * scorer.arpa.logp(ctx[-2:] + ("</s>",)) * LN10
        return score
    best = max(beams.items(), key=final)[0]
    return " ".join(best.split())
