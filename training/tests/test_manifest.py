from pathlib import Path

import pytest

from verbatim_train.manifest_check import validate

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = [ROOT / ".work" / "smoke" / "models" / "verbatim-ctc-en", ROOT.parent / "models" / "verbatim-ctc-en"]


@pytest.mark.parametrize("base", CANDIDATES, ids=["smoke", "shipped"])
def test_manifest_schema(base):
    if not (base / "CURRENT").exists():
        pytest.skip(f"no model under {base}")
    version = (base / "CURRENT").read_text().strip()
    m = validate(base / version)
    assert m["samples_per_frame"] == 480
    assert (base / version / "MODEL_CARD.md").exists()
    size = sum(p.stat().st_size for p in (base / version).rglob("*") if p.is_file())
    assert size <= 30_000_000
