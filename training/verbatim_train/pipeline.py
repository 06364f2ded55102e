"""One entry point: python -m verbatim_train.pipeline [--smoke] [--stages a,b,c]

Stages: corpus, synth, lm, train, export, evaluate, card. Every stage is resumable: synthesis appends
to its manifest and skips finished clips; training resumes from its last checkpoint."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent          # training/
REPO = ROOT.parent

CONFIGS = {
    "full": {
        "work": ROOT / ".work" / "full",
        "corpus": {"n_interview": 12000, "n_domain": 5000, "seed": 1},
        "random_voices": 400,
        "n_train": 24000, "n_seen_test": 300, "n_heldout_test": 400, "n_dev": 120,
        "codec_p": 0.2, "fsdd_train_share": 0.4,
        "train": {"max_minutes": 70, "warmup": 100, "batch_seconds": 160, "lr": 2e-3, "seed": 1},
        "lm": {"order": 3, "max_bytes": 8_000_000},
        "out_models": REPO / "models",
    },
    "smoke": {
        "work": ROOT / ".work" / "smoke",
        "corpus": {"n_interview": 300, "n_domain": 100, "seed": 1},
        "random_voices": 5,
        "n_train": 40, "n_seen_test": 8, "n_heldout_test": 8, "n_dev": 6,
        "codec_p": 0.2, "fsdd_train_share": 0.4,
        "train": {"max_steps": 6, "batch_seconds": 20, "lr": 2e-3, "seed": 1},
        "lm": {"order": 3, "max_bytes": 8_000_000},
        "out_models": ROOT / ".work" / "smoke" / "models",
        "eval_limit": 8,
        "fsdd_limit": 40,
    },
}
STAGES = ["corpus", "synth", "lm", "train", "export", "evaluate", "compare", "card"]


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def stage_corpus(cfg):
    from . import corpus
    stats = corpus.build(cfg["work"], **cfg["corpus"])
    log("corpus", json.dumps(stats))


def stage_synth(cfg):
    from . import corpus, data, synth
    rows = corpus.read(cfg["work"])
    root = synth.make_espeak_data(cfg["work"].parent / "espeak", cfg["random_voices"], seed=3)
    items = data.plan(rows, cfg["n_train"], cfg["n_seen_test"], cfg["n_heldout_test"], cfg["random_voices"],
                      n_dev=cfg.get("n_dev", 0))
    tests = [i for i in items if i["set"] not in ("train", "dev")]
    dev = [i for i in items if i["set"] == "dev"]
    train = [i for i in items if i["set"] == "train"]
    man = cfg["work"] / "synth.jsonl"
    t = time.time()
    synth.synthesize(tests, cfg["work"] / "audio", root, man, codec_p=0.0)
    synth.synthesize(train, cfg["work"] / "audio", root, man, codec_p=cfg["codec_p"])
    rows = synth.synthesize(dev, cfg["work"] / "audio", root, man, codec_p=0.0)
    hours = sum(r["seconds"] for r in rows) / 3600
    log(f"synth: {len(rows)} clips, {hours:.2f} h in {time.time() - t:.0f} s")


def stage_testset(cfg):
    """Only the test clips (deterministic plan) + test200.tsv: what bench/asr-compare.py needs."""
    from . import corpus, data, evaluate, synth
    if not (cfg["work"] / "corpus.jsonl").exists():
        stage_corpus(cfg)
    rows = corpus.read(cfg["work"])
    root = synth.make_espeak_data(cfg["work"].parent / "espeak", cfg["random_voices"], seed=3)
    items = data.plan(rows, cfg["n_train"], cfg["n_seen_test"], cfg["n_heldout_test"], cfg["random_voices"])
    tests = [i for i in items if i["set"] in ("test_seen", "test_heldout")]
    out = synth.synthesize(tests, cfg["work"] / "audio", root, cfg["work"] / "synth.jsonl")
    by_set = {}
    for r in out:
        by_set.setdefault(r["set"], []).append(r)
    log("wrote", evaluate.write_test200(cfg["work"], by_set, data.fsdd_split(cfg["fsdd_train_share"])))


def stage_lm(cfg):
    from . import corpus, lm
    rows = corpus.read(cfg["work"])
    sents = [r["text"] for r in rows if r["split"] != "test"]
    info = lm.build_and_write(sents, cfg["work"] / "lm", order=cfg["lm"]["order"], max_bytes=cfg["lm"]["max_bytes"])
    (cfg["work"] / "lm" / "lm_info.json").write_text(json.dumps(info, indent=1))
    log("lm", json.dumps(info))


def stage_train(cfg):
    from . import train
    train.run(cfg)


def stage_export(cfg):
    from . import export
    export.run(cfg)


def stage_evaluate(cfg):
    from . import evaluate
    evaluate.run(cfg)


def stage_compare(cfg):
    """Peer comparison with pocketsphinx on the 200-clip list (bench/asr-compare.py)."""
    import subprocess
    if cfg.get("smoke"):
        log("compare: skipped in smoke")
        return
    from .export import MODEL_NAME
    folder = cfg["out_models"] / MODEL_NAME / cfg["version"]
    subprocess.run([sys.executable, str(REPO / "bench" / "asr-compare.py"), "--list", str(cfg["work"] / "test200.tsv"),
                    "--model", str(folder), "--json", str(cfg["work"] / "asr_compare.json")], check=True)


def stage_card(cfg):
    from . import card
    card.run(cfg)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--stages", default=",".join(STAGES))
    ap.add_argument("--max-minutes", type=float)
    ap.add_argument("--version")
    ap.add_argument("--warmup", type=int)
    ap.add_argument("--eval-limit", type=int, help="clips per evaluation set (quick look)")
    ap.add_argument("--max-steps", type=int, help="step budget (with a large --max-minutes: load-independent)")
    ap.add_argument("--work", help="override the work folder (e.g. a snapshot run)")
    args = ap.parse_args(argv)
    cfg = dict(CONFIGS["smoke" if args.smoke else "full"])
    cfg["smoke"] = args.smoke
    if args.work:
        cfg["work"] = Path(args.work).resolve()
    if args.max_minutes:
        cfg["train"] = dict(cfg["train"], max_minutes=args.max_minutes)
    if args.max_steps:
        cfg["train"] = dict(cfg["train"], max_steps=args.max_steps)
    if args.eval_limit:
        cfg["eval_limit"] = args.eval_limit
    if args.warmup:
        cfg["train"] = dict(cfg["train"], warmup=args.warmup)
    cfg["version"] = args.version or os.environ.get("VERBATIM_MODEL_VERSION") or time.strftime("%Y.%m.%d-1")
    cfg["work"].mkdir(parents=True, exist_ok=True)
    for st in args.stages.split(","):
        log("== stage", st)
        globals()["stage_" + st](cfg)
    log("pipeline done")


if __name__ == "__main__":
    main()
