"""Plans what to synthesise (sentence x speaker), and the FSDD real-speech split."""
from __future__ import annotations

import random
import re
from pathlib import Path

from . import synth

FSDD_DIR = Path("/work/shared/data/fsdd")
FSDD_TEST_SPEAKERS = ("theo", "yweweler")
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_FSDD_RE = re.compile(r"^(\d)_([a-z]+)_(\d+)\.wav$")


def fsdd_split(train_share: float = 0.4) -> dict[str, list[dict]]:
    """FSDD files read in place. theo + yweweler: never trained on ('test'). Of the four other
    speakers, files with index % 10 < train_share*10 are training data ('train'), the rest 'seen'."""
    out = {"train": [], "seen": [], "test": []}
    if not FSDD_DIR.exists():
        return out
    k = int(round(train_share * 10))
    for p in sorted(FSDD_DIR.glob("*.wav")):
        m = _FSDD_RE.match(p.name)
        if not m:
            continue
        d, spk, idx = int(m.group(1)), m.group(2), int(m.group(3))
        row = {"id": "fsdd_" + p.stem, "path": str(p), "text": DIGITS[d], "speaker": "fsdd:" + spk,
               "source": "fsdd"}
        if spk in FSDD_TEST_SPEAKERS:
            out["test"].append(row)
        elif idx % 10 < k:
            out["train"].append(row)
        else:
            out["seen"].append(row)
    return out


def plan(corpus_rows: list[dict], n_train: int, n_seen_test: int, n_heldout_test: int,
         n_random_voices: int, seed: int = 7, n_dev: int = 0) -> list[dict]:
    rng = random.Random(seed)
    variants = synth.builtin_variants()
    train_s = [r for r in corpus_rows if r["split"] == "train"]
    test_s = [r for r in corpus_rows if r["split"] == "test"]
    items = []
    # held-out test sentences, read by seen voices and by held-out voices (balanced over domains)
    by_src: dict[str, list[dict]] = {}
    for r in test_s:
        by_src.setdefault(r["source"], []).append(r)
    def balanced(n):
        out, srcs = [], sorted(by_src)
        for i in range(n):
            out.append(rng.choice(by_src[srcs[i % len(srcs)]]))
        return out
    for i, r in enumerate(balanced(n_seen_test)):
        items.append({"id": f"ts{i:05d}", "text": r["text"], "source": r["source"], "set": "test_seen",
                      "speaker": synth.sample_speaker(rng, "train", n_random_voices, variants)})
    for i, r in enumerate(balanced(n_heldout_test)):
        items.append({"id": f"th{i:05d}", "text": r["text"], "source": r["source"], "set": "test_heldout",
                      "speaker": synth.sample_speaker(rng, "heldout", n_random_voices, variants)})
    for i in range(n_train):
        r = rng.choice(train_s)
        items.append({"id": f"tr{i:06d}", "text": r["text"], "source": r["source"], "set": "train",
                      "speaker": synth.sample_speaker(rng, "train", n_random_voices, variants)})
    # dev (LM-weight tuning): dev sentences, seen and held-out voice kinds; own RNG, so neither
    # n_train nor n_dev changes the other items
    rng = random.Random(seed + 1000)
    dev_s = [r for r in corpus_rows if r["split"] == "dev"]
    for i in range(n_dev):
        r = rng.choice(dev_s)
        items.append({"id": f"dv{i:05d}", "text": r["text"], "source": r["source"], "set": "dev",
                      "speaker": synth.sample_speaker(rng, "train" if i % 2 else "heldout", n_random_voices, variants)})
    return items
