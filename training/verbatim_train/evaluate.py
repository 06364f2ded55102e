"""Evaluation of the exported ONNX model (what ships), greedy CTC, plus LM beam search on a subset.

Sets: seen voices / unseen sentences; held-out voices; held-out voices degraded (noise, telephone,
codecs, reverb); per domain; FSDD held-out real speakers (theo, yweweler; never trained on).
Writes <work>/eval.json, <work>/test200.tsv, tunes lm_weights on the dev set, updates the manifest."""
from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import soundfile as sf

from . import augment, corpus, data, text
from .lm import Arpa

DEGRADATIONS = ["noise10", "noise0", "telephone", "reverb", "mp3_16k", "opus_8k"]


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


class OnnxModel:
    def __init__(self, path, threads=1):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        self.sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.sess.run(["log_probs"], {"audio": x[None].astype(np.float32)})[0][0]


def read16(path) -> np.ndarray:
    from .synth import load_16k
    return load_16k(path)


class Score:
    def __init__(self):
        self.we = self.wn = self.ce = self.cn = self.n = 0

    def add(self, ref, hyp):
        self.we += text.edit_distance(ref.split(), hyp.split())
        self.wn += len(ref.split())
        self.ce += text.edit_distance(ref, hyp)
        self.cn += len(ref)
        self.n += 1

    def result(self):
        return {"wer": round(self.we / max(1, self.wn), 4), "cer": round(self.ce / max(1, self.cn), 4), "n": self.n}


def term_recall(pairs, terms):
    hit = tot = 0
    for ref, hyp in pairs:
        r, h = f" {ref} ", f" {hyp} "
        for t in terms:
            if f" {t} " in r:
                tot += 1
                hit += f" {t} " in h
    return {"recall": round(hit / max(1, tot), 4), "n_terms": tot}


def rtf(model: OnnxModel, seconds=60.0, reps=2) -> float:
    x = (np.random.default_rng(0).standard_normal(int(seconds * 16000)) * 0.05).astype(np.float32)
    model(x[:16000])
    t = time.time()
    for _ in range(reps):
        model(x)
    return round(seconds * reps / (time.time() - t), 1)   # x faster than real time


def padding_robustness(model: OnnxModel, clips) -> dict:
    """Runtime batches pad segments with trailing zeros: greedy CER without and with 2 s of zeros
    appended, and how often the transcript is exactly unchanged."""
    plain, padded = Score(), Score()
    same = 0
    for x, ref in clips:
        a = text.greedy_ctc(model(x).argmax(-1))
        b = text.greedy_ctc(model(np.concatenate([x, np.zeros(32000, np.float32)])).argmax(-1))
        plain.add(ref, a)
        padded.add(ref, b)
        same += a == b
    return {"cer_unpadded": plain.result()["cer"], "cer_padded_2s": padded.result()["cer"],
            "identical_transcripts": round(same / max(1, len(clips)), 3), "n": len(clips)}


def tune_lm(lp_list, refs, arpa, grid_a=(0.3, 0.5, 0.8, 1.1), grid_b=(0.0, 1.0, 2.0, 3.0, 4.0), beam=12):
    from .decode import LMScorer, beam_search
    best = None
    table = []
    for a in grid_a:
        for b in grid_b:
            sc = Score()
            scorer = LMScorer(arpa, a, b)
            for lp, ref in zip(lp_list, refs):
                sc.add(ref, beam_search(lp, scorer, beam=beam))
            r = sc.result()
            table.append({"alpha": a, "beta": b, **r})
            if best is None or r["wer"] < best[0]:
                best = (r["wer"], a, b)
    return {"alpha": best[1], "beta": best[2], "beam": 16}, table


def write_test200(work: Path, by_set, fs) -> Path:
    """200-clip held-out list for bench/asr-compare: 100 held-out synthetic voices + 100 FSDD real
    (theo, yweweler: indices 0-4 of each digit)."""
    path = work / "test200.tsv"
    with open(path, "w") as f:
        f.write("id\tpath\ttext\tspeaker\n")
        for r in by_set["test_heldout"][:100]:
            f.write(f"{r['id']}\t{r['path']}\t{r['text']}\t{r['speaker']}\n")
        picked = [r for r in fs["test"] if int(Path(r["path"]).stem.split("_")[2]) < 5]
        for r in picked[:100]:
            f.write(f"{r['id']}\t{r['path']}\t{r['text']}\t{r['speaker']}\n")
    return path


def publish_test200(work: Path, dest: Path) -> None:
    """Committed copy of the list with repo-relative paths for the synthetic clips."""
    repo = Path(__file__).resolve().parent.parent.parent
    lines = (work / "test200.tsv").read_text().splitlines()
    out = [lines[0]]
    for l in lines[1:]:
        f = l.split("\t")
        p = Path(f[1])
        if p.is_relative_to(repo):
            f[1] = str(p.relative_to(repo))
        out.append("\t".join(f))
    dest.write_text("\n".join(out) + "\n")


def run(cfg):
    work = cfg["work"]
    from .export import MODEL_NAME, update_manifest
    folder = cfg["out_models"] / MODEL_NAME / cfg["version"]
    model = OnnxModel(folder / "model.onnx", threads=1)
    limit = cfg.get("eval_limit", 10 ** 9)
    rows = [json.loads(l) for l in open(work / "synth.jsonl")]
    by_set = defaultdict(list)
    for r in rows:
        by_set[r["set"]].append(r)
    res: dict = {"summary": {}, "details": {}}
    pairs_all = []

    def run_set(name, items, degrade=None, keep_pairs=False):
        sc = Score()
        per = defaultdict(Score)
        per_src = defaultdict(Score)
        pairs = []
        for i, r in enumerate(items[:limit]):
            x = read16(r["path"])
            if degrade:
                x = augment.degrade(x, degrade, seed=i)
            hyp = text.greedy_ctc(model(x).argmax(-1))
            sc.add(r["text"], hyp)
            per[r["speaker"]].add(r["text"], hyp)
            per_src[r.get("source", "")].add(r["text"], hyp)
            pairs.append((r["text"], hyp, r))
        res["summary"][name] = sc.result()
        res["details"][name] = {"per_speaker": {k: v.result() for k, v in sorted(per.items())},
                                "per_source": {k: v.result() for k, v in sorted(per_src.items())},
                                "examples": [{"ref": a, "hyp": b} for a, b, _ in pairs[:8]]}
        log(name, res["summary"][name])
        return pairs

    t0 = time.time()
    seen = run_set("seen_voices_unseen_sentences", by_set["test_seen"])
    held = run_set("heldout_voices", by_set["test_heldout"])
    for d in DEGRADATIONS:
        n = 3 if cfg.get("smoke") else (100 if d in ("mp3_16k", "opus_8k") else 200)
        run_set(f"heldout_{d}", by_set["test_heldout"][:n], degrade=d)
    # per domain (seen + held-out voices, clean)
    dom = defaultdict(Score)
    for ref, hyp, r in seen + held:
        dom[r["source"]].add(ref, hyp)
    for k, v in sorted(dom.items()):
        res["summary"][("domain_" if k in ("medicine", "social_science", "software") else "source_") + k] = v.result()
    terms = {d: corpus.load_terms(d)["all"] for d in ("medicine", "social_science", "software")}
    res["summary"]["domain_term_recall_greedy"] = {
        d: term_recall([(a, b) for a, b, r in seen + held if r["source"] == d], t) for d, t in terms.items()}
    # real speech: FSDD held-out speakers, and the unused files of the training speakers
    fs = data.fsdd_split(cfg["fsdd_train_share"])
    for name, items in (("fsdd_heldout_speakers", fs["test"]), ("fsdd_seen_speakers_unseen_files", fs["seen"])):
        run_set(name, items)
    # LM beam search (Python reference decoder) on dev for alpha/beta, then on a held-out subset
    arpa = Arpa(folder / "lm.arpa")
    quick = cfg.get("smoke") or cfg.get("eval_limit", 10 ** 9) < 100
    dev = by_set["dev"][: (40 if not quick else 6)]
    if dev:
        lps = [model(read16(r["path"])) for r in dev]
        weights, table = tune_lm(lps, [r["text"] for r in dev], arpa,
                                 *(((0.5,), (1.0,)) if quick else ()))
        res["lm_tuning"] = {"dev_clips": len(dev), "grid": table, "chosen": weights}
        (work / "lm_weights.json").write_text(json.dumps(weights))
    else:
        weights = {"alpha": 0.5, "beta": 1.5, "beam": 16}
    from .decode import LMScorer, beam_search
    scorer = LMScorer(arpa, weights["alpha"], weights["beta"])
    fs_sample = fs["test"][::5]   # 200 of the 1,000 held-out real clips, every digit and both speakers
    for name, items in (("seen_voices_unseen_sentences", by_set["test_seen"]), ("heldout_voices", by_set["test_heldout"]),
                        ("fsdd_heldout_speakers", fs_sample)):
        sc = Score()
        n = (200 if name.startswith("fsdd") else 60) if not quick else 4
        for r in items[:n]:
            sc.add(r["text"], beam_search(model(read16(r["path"])), scorer, beam=12))
        res["summary"][f"{name}_lm_beam12_first{n}"] = sc.result()
        log(f"{name} LM beam", sc.result())
    # domain vocabulary boosting: term recall and WER with the LM beam, without and with boosting
    nb = 40 if not quick else 3
    boost_res = {}
    for d, tl in terms.items():
        items = [r for r in by_set["test_seen"] + by_set["test_heldout"] if r["source"] == d][:nb]
        words = {w for t in tl for w in t.split()}
        lps = [model(read16(r["path"])) for r in items]
        out = {}
        for label, sc_ in (("no_boost", scorer), ("boost", LMScorer(arpa, weights["alpha"], weights["beta"], words, 2.0))):
            sc = Score()
            pairs = []
            for lp, r in zip(lps, items):
                h = beam_search(lp, sc_, beam=12)
                sc.add(r["text"], h)
                pairs.append((r["text"], h))
            out[label] = {**sc.result(), "term_recall": term_recall(pairs, tl)}
        boost_res[d] = out
        log(f"boost {d}", out)
    res["summary"]["domain_boosting_lm_beam"] = boost_res
    res["summary"]["rtf_x_realtime_onnx_1thread"] = rtf(model, 60 if not cfg.get("smoke") else 5)
    res["summary"]["trailing_zero_padding"] = padding_robustness(
        model, [(read16(r["path"]), r["text"]) for r in by_set["test_heldout"][:100 if not cfg.get("smoke") else 3]])
    res["eval_seconds"] = round(time.time() - t0)
    res["notes"] = ("greedy CTC decoding of the exported ONNX model unless a key says lm_beam; WER/CER after "
                    "verbatim_train.text.normalize; FSDD held-out speakers theo+yweweler never trained on")
    write_test200(work, by_set, fs)
    if not cfg.get("smoke"):
        publish_test200(work, Path(__file__).resolve().parent.parent.parent / "bench" / "asr-test-200.tsv")
    (work / "eval.json").write_text(json.dumps(res, indent=1))
    update_manifest(folder, res["summary"], weights, work / "eval.json")
    log("evaluation written", work / "eval.json")
