#!/usr/bin/env bash
# One command for the whole pipeline: corpus -> synthesis -> augmentation (on the fly + codec
# precompute) -> training -> ONNX export -> evaluation -> model card.
#   bash training/run.sh            full run (writes models/verbatim-ctc-en/<version>/, ~2 h on 2 cores)
#   bash training/run.sh --smoke    tiny end-to-end run into training/.work/smoke/ (< 3 min), plus pytest
# Extra arguments go to the pipeline (e.g. --max-minutes 60 --version 2026.11.27-1 --stages train,export).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
VENV="$HERE/.venv"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" MKL_NUM_THREADS="${MKL_NUM_THREADS:-2}"
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"

for tool in espeak-ng flite text2wave ffmpeg; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts ffmpeg fortunes-min wamerican" >&2; exit 2; }
done

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
WHEEL=$(ls /opt/wheels/torch-2.13.0+cpu-*.whl 2>/dev/null | head -1 || true)
if ! "$VENV/bin/python" -c "import torch, onnx, onnxruntime, soundfile, scipy, pytest" 2>/dev/null; then
  if [ -n "$WHEEL" ]; then "$VENV/bin/pip" install -q "$WHEEL"; fi
  "$VENV/bin/pip" install -q -r requirements.txt
fi
PY="$VENV/bin/python"

if [ "${1:-}" = "--smoke" ]; then
  shift
  rm -rf "$HERE/.work/smoke"
  start=$(date +%s)
  "$PY" -m verbatim_train.pipeline --smoke "$@"
  "$PY" -m pytest -q "$HERE/tests"
  echo "smoke OK in $(( $(date +%s) - start )) s"
else
  "$PY" -m verbatim_train.pipeline "$@"
fi
