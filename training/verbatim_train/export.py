"""ONNX export (front end inside the graph), parity check against torch, and the model folder:
model.onnx, manifest.json, lm.arpa, lexicon.txt, domains/*.txt, train_files.txt."""
from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from . import corpus, text
from .model import CTCModel, SAMPLES_PER_FRAME, n_params

MODEL_NAME = "verbatim-ctc-en"
DOMAINS = ["medicine", "social_science", "software"]
DICT = Path("/usr/share/dict/american-english")


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def load_model(path: Path) -> CTCModel:
    ck = torch.load(path, weights_only=False)
    cfg = ck.get("config", {})
    m = CTCModel(conv=cfg.get("conv", 256), hidden=cfg.get("hidden", 192), layers=cfg.get("layers", 2))
    m.load_state_dict(ck["model"])
    return m.eval()


def export_onnx(model: CTCModel, path: Path, opset: int = 17) -> None:
    dummy = torch.zeros(2, 16000)
    torch.onnx.export(model, (dummy,), str(path), input_names=["audio"], output_names=["log_probs"],
                      dynamic_axes={"audio": {0: "batch", 1: "samples"}, "log_probs": {0: "batch", 1: "frames"}},
                      opset_version=opset, dynamo=False)


def parity(model: CTCModel, onnx_path: Path, seconds=(0.37, 2.0, 5.3)) -> float:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    worst = 0.0
    for s in seconds:
        x = (rng.standard_normal((2, int(s * 16000))) * 0.1).astype(np.float32)
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).numpy()
        got = sess.run(["log_probs"], {"audio": x})[0]
        assert got.shape == ref.shape, (got.shape, ref.shape)
        worst = max(worst, float(np.abs(got - ref).max()))
    return worst


def sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return "sha256:" + h.hexdigest()


def write_lexicon(cfg, path: Path) -> int:
    words = set()
    for r in corpus.read(cfg["work"]):
        if r["split"] != "test":
            words.update(r["text"].split())
    for d in DOMAINS:
        for t in corpus.load_terms(d)["all"]:
            words.update(t.split())
    if DICT.exists() and not cfg.get("smoke"):
        for w in DICT.read_text(errors="ignore").split():
            if w.islower() and w.isascii():
                n = text.normalize(w)
                if n and " " not in n:
                    words.add(n)
    words.update(text.normalize(d) for d in ["zero one two three four five six seven eight nine"][0].split())
    path.write_text("\n".join(sorted(words)) + "\n")
    return len(words)


def run(cfg):
    work = cfg["work"]
    version = cfg["version"]
    base = cfg["out_models"] / MODEL_NAME
    out = base / version
    if out.exists():
        shutil.rmtree(out)
    (out / "domains").mkdir(parents=True)
    model = load_model(work / "final.pt")
    export_onnx(model, out / "model.onnx")
    diff = parity(model, out / "model.onnx")
    log(f"onnx parity max abs diff {diff:.2e}")
    if diff > 1e-3:
        raise SystemExit(f"ONNX export does not match torch: max abs diff {diff}")
    shutil.copy(work / "lm" / "lm.arpa", out / "lm.arpa")
    n_lex = write_lexicon(cfg, out / "lexicon.txt")
    for d in DOMAINS:
        terms = corpus.load_terms(d)["all"]
        (out / "domains" / f"{d}.txt").write_text("\n".join(dict.fromkeys(terms)) + "\n")
    fsdd_files = [Path(l.strip()).name for l in open(work / "train_files.txt") if l.strip()]
    (out / "train_files.txt").write_text(
        "# Real speech this model was trained on: Free Spoken Digit Dataset (CC BY-SA 4.0), file names in\n"
        "# github.com/Jakobovski/free-spoken-digit-dataset recordings/ (speakers theo, yweweler never used).\n"
        "# All other training audio is synthetic: regenerate it with `bash training/run.sh --stages corpus,synth`.\n"
        + "\n".join(fsdd_files) + "\n")
    ck = torch.load(work / "final.pt", weights_only=False)
    st = ck["state"]
    synth_rows = [json.loads(l) for l in open(work / "synth.jsonl")]
    tr = [r for r in synth_rows if r["set"] == "train"]
    speakers = sorted({r["speaker"] for r in tr})
    lm_info = json.loads((work / "lm" / "lm_info.json").read_text()) if (work / "lm" / "lm_info.json").exists() else {}
    weights = {"alpha": 0.5, "beta": 1.5, "beam": 16}
    if (work / "lm_weights.json").exists():
        weights = json.loads((work / "lm_weights.json").read_text())
    manifest = {
        "name": MODEL_NAME,
        "version": version,
        "family": "ctc",
        "sample_rate": 16000,
        "files": {"model": "model.onnx", "lm": "lm.arpa", "lexicon": "lexicon.txt"},
        "input": {"name": "audio", "dtype": "float32", "shape": ["batch", "samples"],
                  "description": "raw 16 kHz mono PCM in [-1, 1]; inside the graph: per-utterance peak gain control (x min(0.5/peak, 10) when peak > 0.01), then the log-mel front end"},
        "output": {"name": "log_probs", "dtype": "float32", "shape": ["batch", "frames", "tokens"],
                   "description": "log-softmax over tokens; frames = ceil(floor(samples/160)/3) <= ceil(samples/480)"},
        "samples_per_frame": SAMPLES_PER_FRAME,
        "frame_ms": SAMPLES_PER_FRAME * 1000 // 16000,
        "tokens": text.TOKENS,
        "blank_id": text.BLANK_ID,
        "word_delimiter_id": text.SPACE_ID,
        "text_normalization": "training/verbatim_train/text.py (lowercase, numbers spelled out, hyphens/slashes to space, other punctuation stripped, spaces collapsed)",
        "domains": {d: f"domains/{d}.txt" for d in DOMAINS},
        "lm_weights": weights,
        "lm": {"order": 3, "smoothing": "interpolated Witten-Bell", **{k: v for k, v in lm_info.items() if k != "order"}},
        "lexicon_words": n_lex,
        "checksums": {},
        "training": {
            "synthetic_clips": len(tr),
            "synthetic_hours": round(sum(r["seconds"] for r in tr) / 3600, 2),
            "synthetic_speakers": len(speakers),
            "fsdd_clips": len(fsdd_files),
            "fsdd_files_list": "train_files.txt",
            "total_hours_with_fsdd_oversampling": round(st.get("train_hours", 0), 2),
            "steps": st["step"],
            "audio_hours_processed": round(st["audio_seconds"] / 3600, 1),
            "wall_minutes": round(st["elapsed"] / 60, 1),
            "final_ctc_loss": round(st.get("final_loss") or 0, 3),
            "params": n_params(model),
            "architecture": "peak AGC -> log-mel(80, 25ms/10ms) -> 3x conv1d(256, x3 subsample) -> 2x BiGRU(192) -> linear(29)",
            "engines": ["espeak-ng", "flite", "festival"],
            "held_out_voices": "flite slt, festival ked_diphone + cmu_us_slt_arctic_hts, espeak-ng en-029 and variants f4 m6 Annie aunty klatt4 steph2 edward2 Alicia",
            "reproduce": "bash training/run.sh",
        },
        "evaluation": {},
        "onnx_parity_max_abs_diff": diff,
    }
    if (work / "eval.json").exists():
        ev = json.loads((work / "eval.json").read_text())
        manifest["evaluation"] = ev.get("summary", {})
        shutil.copy(work / "eval.json", out / "eval.json")
    for f in ["model.onnx", "lm.arpa", "lexicon.txt"] + [f"domains/{d}.txt" for d in DOMAINS]:
        manifest["checksums"][f] = sha256(out / f)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (base / "CURRENT").write_text(version + "\n")
    from .manifest_check import validate
    validate(out)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    log(f"exported {out} ({size / 1e6:.1f} MB)")
    if size > 30_000_000:
        raise SystemExit("model folder exceeds 30 MB")


def update_manifest(folder: Path, summary: dict, weights: dict, eval_json: Path) -> None:
    m = json.loads((folder / "manifest.json").read_text())
    keep = ["seen_voices_unseen_sentences", "heldout_voices", "heldout_noise10", "heldout_telephone",
            "heldout_mp3_16k", "heldout_opus_8k", "fsdd_heldout_speakers", "rtf_x_realtime_onnx_1thread"]
    m["evaluation"] = {k: summary[k] for k in keep if k in summary}
    m["evaluation"]["details"] = "eval.json"
    m["lm_weights"] = weights
    shutil.copy(eval_json, folder / "eval.json")
    (folder / "manifest.json").write_text(json.dumps(m, indent=2) + "\n")
    from .manifest_check import validate
    validate(folder)
