"""Word n-gram LM: interpolated Witten-Bell, written as a standard ARPA backoff file (log10 probs
and backoff weights), pruned (rare highest-order n-grams first) to stay under a byte budget.
Pure Python; also a small ARPA reader/scorer used by the tests and the evaluation."""
from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

BOS, EOS, UNK = "<s>", "</s>", "<unk>"


class WittenBell:
    def __init__(self, sentences, order=3):
        self.order = order
        self.c = [Counter() for _ in range(order + 1)]
        for s in sentences:
            toks = [BOS] + s.split() + [EOS]
            for n in range(1, order + 1):
                for i in range(len(toks) - n + 1):
                    g = tuple(toks[i:i + n])
                    if g == (BOS,):
                        continue
                    self.c[n][g] += 1
        self.tot = [Counter() for _ in range(order + 1)]
        self.types = [Counter() for _ in range(order + 1)]
        for n in range(2, order + 1):
            for g, k in self.c[n].items():
                self.tot[n][g[:-1]] += k
                self.types[n][g[:-1]] += 1
        self.vocab = sorted({w for (w,) in self.c[1]} | {UNK})
        self.N = sum(self.c[1].values())
        self.T1 = len(self.c[1])
        self._memo = {}

    def prob(self, g: tuple) -> float:
        if g in self._memo:
            return self._memo[g]
        n = len(g)
        if n == 1:
            p = (self.c[1].get(g, 0) + self.T1 / len(self.vocab)) / (self.N + self.T1)
        else:
            lower = self.prob(g[1:])
            h = g[:-1]
            t = self.tot[n].get(h)
            p = lower if not t else (self.c[n].get(g, 0) + self.types[n][h] * lower) / (t + self.types[n][h])
        self._memo[g] = p
        return p

    def arpa(self, min_count_top=1) -> str:
        order = self.order
        kept = [None, [(w,) for w in self.vocab] + [(BOS,)]]
        for n in range(2, order + 1):
            mc = min_count_top if n == order else 1
            kept.append(sorted(g for g, k in self.c[n].items() if k >= mc))
        children = [dict() for _ in range(order + 1)]
        for n in range(2, order + 1):
            for g in kept[n]:
                children[n - 1].setdefault(g[:-1], []).append(g)
        lines = ["", "\\data\\"] + [f"ngram {n}={len(kept[n])}" for n in range(1, order + 1)] + [""]
        for n in range(1, order + 1):
            lines.append(f"\\{n}-grams:")
            for g in kept[n]:
                lp = -99.0 if g == (BOS,) else math.log10(max(self.prob(g), 1e-99))
                row = f"{lp:.6f}\t{' '.join(g)}"
                if n < order and g[-1] != EOS:
                    ch = children[n].get(g, [])
                    num = 1.0 - sum(self.prob(x) for x in ch)
                    den = 1.0 - sum(self.prob(x[1:]) for x in ch)
                    bow = num / den if (ch and den > 1e-12 and num > 1e-12) else 1.0
                    row += f"\t{math.log10(bow):.6f}"
                lines.append(row)
            lines.append("")
        lines.append("\\end\\")
        return "\n".join(lines) + "\n"


def build_and_write(sentences, out_dir: Path, order=3, max_bytes=8_000_000) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    lm = WittenBell(sentences, order)
    mc = 1
    while True:
        txt = lm.arpa(min_count_top=mc)
        if len(txt.encode()) <= max_bytes or mc > 50:
            break
        mc += 1
    (out_dir / "lm.arpa").write_text(txt)
    counts = {f"{n}-grams": int(l.split("=")[1]) for n, l in
              zip(range(1, order + 1), [x for x in txt.splitlines() if x.startswith("ngram ")])}
    return {"order": order, "smoothing": "interpolated Witten-Bell", "sentences": len(sentences),
            "tokens": lm.N, "vocab": len(lm.vocab), "min_count_top": mc, "bytes": len(txt.encode()), **counts}


class Arpa:
    """Minimal ARPA reader with backoff scoring (log10)."""

    def __init__(self, path_or_text):
        txt = Path(path_or_text).read_text() if "\n" not in str(path_or_text) else path_or_text
        self.p, self.b, self.order = {}, {}, 0
        n = 0
        for line in txt.splitlines():
            line = line.strip()
            if not line or line.startswith("ngram ") or line == "\\data\\" or line == "\\end\\":
                continue
            if line.startswith("\\") and line.endswith("-grams:"):
                n = int(line[1:line.index("-")])
                self.order = max(self.order, n)
                continue
            parts = line.split("\t")
            g = tuple(parts[1].split(" "))
            self.p[g] = float(parts[0])
            if len(parts) > 2:
                self.b[g] = float(parts[2])

    def logp(self, g: tuple) -> float:
        g = tuple(w if (w,) in self.p else UNK for w in g)
        if g in self.p:
            return self.p[g]
        if len(g) == 1:
            return self.p[(UNK,)]
        return self.b.get(g[:-1], 0.0) + self.logp(g[1:])

    def sentence_logp(self, s: str) -> float:
        toks = [BOS] + s.split() + [EOS]
        total = 0.0
        for i in range(1, len(toks)):
            total += self.logp(tuple(toks[max(0, i - self.order + 1): i + 1]))
        return total
