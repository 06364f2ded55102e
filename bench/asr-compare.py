#!/usr/bin/env python3
"""Peer comparison: Verbatim's shipped CTC model vs Debian's pocketsphinx (pocketsphinx-en-us) on the
same 200 held-out clips (100 held-out synthetic voices + 100 real FSDD speakers never trained on),
with the same text normalisation. Prints WER and speed side by side.

  training/.venv/bin/python bench/asr-compare.py [--list training/.work/full/test200.tsv] [--model DIR]

If the clip list is missing it is regenerated (deterministically) with
  bash training/run.sh --stages testset
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "training"))
from verbatim_train.decode import LMScorer, beam_search  # noqa: E402
from verbatim_train.evaluate import OnnxModel, Score, read16  # noqa: E402
from verbatim_train.lm import Arpa  # noqa: E402
from verbatim_train.text import greedy_ctc, normalize  # noqa: E402

PS_MODEL = Path("/usr/share/pocketsphinx/model/en-us")


def run_pocketsphinx(clips, tmp: Path):
    ctl = tmp / "ctl.txt"
    with open(ctl, "w") as f:
        for cid, x, _ in clips:
            sf.write(tmp / f"{cid}.wav", x, 16000, subtype="PCM_16")
            f.write(cid + "\n")
    hyp = tmp / "out.hyp"
    t = time.time()
    subprocess.run(["pocketsphinx_batch", "-adcin", "yes", "-cepdir", str(tmp), "-cepext", ".wav",
                    "-adchdr", "44", "-samprate", "16000", "-ctl", str(ctl), "-hyp", str(hyp),
                    "-hmm", str(PS_MODEL / "en-us"), "-lm", str(PS_MODEL / "en-us.lm.bin"),
                    "-dict", str(PS_MODEL / "cmudict-en-us.dict"), "-logfn", str(tmp / "ps.log")], check=True)
    secs = time.time() - t
    out = {}
    for line in hyp.read_text().splitlines():
        if "(" in line:
            words, rest = line.rsplit("(", 1)
            out[rest.split()[0]] = normalize(words.replace("<s>", " ").replace("</s>", " ").replace("<sil>", " "))
    return out, secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", default=str(REPO / "training/.work/full/test200.tsv"))
    ap.add_argument("--model", default=None, help="model folder (default: models/verbatim-ctc-en/CURRENT)")
    ap.add_argument("--json", default=None, help="also write results as JSON here")
    args = ap.parse_args()
    lst = Path(args.list)
    if not lst.exists():
        subprocess.run(["bash", str(REPO / "training/run.sh"), "--stages", "testset"], check=True)
    base = REPO / "models/verbatim-ctc-en"
    folder = Path(args.model) if args.model else base / (base / "CURRENT").read_text().strip()
    man = json.loads((folder / "manifest.json").read_text())
    rows = [l.split("\t") for l in lst.read_text().splitlines()[1:]]
    clips = [(r[0], read16(r[1]), normalize(r[2])) for r in rows]
    groups = {"held-out synthetic voices": [c for c in clips if not c[0].startswith("fsdd_")],
              "FSDD real speakers (theo, yweweler)": [c for c in clips if c[0].startswith("fsdd_")]}
    audio_s = sum(x.size for _, x, _ in clips) / 16000

    model = OnnxModel(folder / man["files"]["model"], threads=1)
    model(clips[0][1])
    t = time.time()
    lps = {cid: model(x) for cid, x, _ in clips}
    ours_s = time.time() - t
    greedy = {cid: greedy_ctc(lp.argmax(-1)) for cid, lp in lps.items()}
    w = man["lm_weights"]
    scorer = LMScorer(Arpa(folder / man["files"]["lm"]), w["alpha"], w["beta"])
    t = time.time()
    beam = {cid: beam_search(lp, scorer, beam=w.get("beam", 16)) for cid, lp in lps.items()}
    beam_s = time.time() - t
    with tempfile.TemporaryDirectory() as td:
        ps, ps_s = run_pocketsphinx(clips, Path(td))

    systems = [("verbatim greedy (onnxruntime, 1 thread)", greedy, ours_s),
               ("verbatim + 3-gram LM beam (Python decoder)", beam, ours_s + beam_s),
               ("pocketsphinx 0.8 en-us (pocketsphinx_batch)", ps, ps_s)]
    res = {"clips": len(clips), "audio_seconds": round(audio_s, 1), "model": str(folder), "systems": {}}
    print(f"\n{len(clips)} clips, {audio_s / 60:.1f} min of audio, model {man['name']} {man['version']}\n")
    head = f"{'system':46s} " + " ".join(f"{g[:24]:>26s}" for g in groups) + f" {'all WER':>9s} {'x realtime':>11s}"
    print(head)
    print("-" * len(head))
    for name, hyps, secs in systems:
        cells, tot = [], Score()
        out = {}
        for g, cl in groups.items():
            sc = Score()
            for cid, _, ref in cl:
                sc.add(ref, hyps.get(cid, ""))
                tot.add(ref, hyps.get(cid, ""))
            r = sc.result()
            out[g] = r
            cells.append(f"WER {100 * r['wer']:5.1f}% CER {100 * r['cer']:5.1f}%")
        rt = audio_s / max(secs, 1e-9)
        out["all"] = tot.result()
        out["x_realtime"] = round(rt, 1)
        res["systems"][name] = out
        print(f"{name:46s} " + " ".join(f"{c:>26s}" for c in cells) + f" {100 * tot.result()['wer']:8.1f}% {rt:10.1f}x")
    print("\nWER/CER after verbatim_train.text.normalize on both sides; speed = audio seconds / wall seconds "
          "(decoding included; pocketsphinx includes its model load).")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
