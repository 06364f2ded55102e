#!/usr/bin/env bash
# Regenerates the committed test fixture packages/asr/test/fixtures/whisper-tiny-random/:
# a tiny randomly initialised Whisper exported like the public whisper-* ONNX conversions,
# plus the reference data the TypeScript tests compare against. Creates training/whisper/.venv
# on first use (torch from the CPU wheel in /opt/wheels; never an unpinned torch).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import torch, transformers, tokenizers, onnx, onnxruntime' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --find-links /opt/wheels -r "$here/requirements.txt"
fi
export OMP_NUM_THREADS=1 PYTHONHASHSEED=0 TOKENIZERS_PARALLELISM=false
exec "$venv/bin/python" "$here/export_tiny.py" "$@"
