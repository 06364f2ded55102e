"""Validate a model folder against the runtime contract (used by export, tests and smoke)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

REQUIRED = {"name": str, "version": str, "family": str, "sample_rate": int, "files": dict, "input": dict,
            "output": dict, "samples_per_frame": int, "tokens": list, "blank_id": int,
            "word_delimiter_id": int, "domains": dict, "lm_weights": dict, "checksums": dict,
            "training": dict, "evaluation": dict}


def validate(folder: Path) -> dict:
    folder = Path(folder)
    m = json.loads((folder / "manifest.json").read_text())
    for k, t in REQUIRED.items():
        assert k in m, f"manifest lacks {k}"
        assert isinstance(m[k], t), f"manifest {k} should be {t.__name__}"
    assert m["family"] == "ctc" and m["sample_rate"] == 16000
    assert m["input"]["name"] == "audio" and m["output"]["name"] == "log_probs"
    assert m["tokens"][m["blank_id"]] == "<blank>" and m["tokens"][m["word_delimiter_id"]] == " "
    assert m["tokens"][:3] == ["<blank>", " ", "'"] and m["tokens"][3:] == [chr(c) for c in range(97, 123)]
    for k in ("model", "lm", "lexicon"):
        assert (folder / m["files"][k]).is_file(), f"missing {m['files'][k]}"
    for d in ("medicine", "social_science", "software"):
        assert (folder / m["domains"][d]).is_file()
    for k in ("alpha", "beta", "beam"):
        assert isinstance(m["lm_weights"][k], (int, float))
    for f, c in m["checksums"].items():
        h = hashlib.sha256((folder / f).read_bytes()).hexdigest()
        assert c == "sha256:" + h, f"checksum mismatch {f}"
    assert m["files"]["model"] in m["checksums"] and m["files"]["lm"] in m["checksums"]
    import onnx
    g = onnx.load(str(folder / m["files"]["model"]))
    assert any(o.domain in ("", "ai.onnx") and o.version >= 14 for o in g.opset_import)
    assert [i.name for i in g.graph.input] == ["audio"]
    assert [o.name for o in g.graph.output] == ["log_probs"]
    dims = g.graph.input[0].type.tensor_type.shape.dim
    assert len(dims) == 2 and all(d.dim_param for d in dims), "audio must have dynamic batch and samples"
    cur = folder.parent / "CURRENT"
    if cur.exists():
        assert cur.read_text().strip() == m["version"] == folder.name
    return m
