#!/usr/bin/env bash
# Writes Verbatim's manifest.json into a folder holding a downloaded Whisper ONNX conversion
# (onnx-community/whisper-*, Xenova/whisper-*, or an optimum export), with sha256 checksums of
# every file the runtime reads (ONNX external-data files included).
#
#   bash training/whisper/make_manifest.sh DIR NAME VERSION [LANGUAGE] [VARIANT]
#
# The project's domain term lists (training/data/terms_<domain>.txt) are copied into DIR/domains/
# and named in the manifest, so requests with a domain (medicine, software, …) work as they do
# with our CTC models: the terms become the decoding prompt. NO_DOMAINS=1 leaves them out.
#
# LANGUAGE: spoken language code for multilingual models (default en; English-only ".en" models
#           take only en). VARIANT: "" for fp32 (default), or a suffix of the conversion's other
#           files such as _quantized (int8) — the runtime feeds float32, so fp32 and int8/uint8
#           variants are the ones to use; _fp16 is converted at the edges but untested.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:?usage: make_manifest.sh DIR NAME VERSION [LANGUAGE] [VARIANT]}"
name="${2:?model name}"
version="${3:?model version}"
language="${4:-en}"
variant="${5:-}"
cd "$dir"
if [ -f "onnx/encoder_model${variant}.onnx" ]; then sub="onnx/"; elif [ -f "encoder_model${variant}.onnx" ]; then sub=""; else
  echo "no encoder_model${variant}.onnx in $dir or $dir/onnx" >&2; exit 1
fi
encoder="${sub}encoder_model${variant}.onnx"
decoder="${sub}decoder_model_merged${variant}.onnx"
[ -f "$decoder" ] || { echo "no $decoder: download the merged decoder (decoder_model_merged${variant}.onnx)" >&2; exit 1; }
for f in tokenizer.json config.json generation_config.json preprocessor_config.json; do
  [ -f "$f" ] || { echo "missing $f in $dir" >&2; exit 1; }
done
files=("$encoder" "$decoder" tokenizer.json config.json generation_config.json preprocessor_config.json)
# external weights (model.onnx_data, model.onnx_data_1, …) load from beside the .onnx file
for f in "$encoder"_data* "$decoder"_data* "${sub}encoder_model${variant}.onnx.data" "${sub}decoder_model_merged${variant}.onnx.data"; do
  [ -f "$f" ] && files+=("$f")
done
domains=()
if [ "${NO_DOMAINS:-0}" != 1 ]; then
  for f in "$here"/../data/terms_*.txt; do
    [ -f "$f" ] || continue
    d=$(basename "$f" .txt); d=${d#terms_}
    mkdir -p domains
    cp "$f" "domains/$d.txt"
    domains+=("$d")
    files+=("domains/$d.txt")
  done
fi
{
  printf '{\n  "name": "%s",\n  "version": "%s",\n  "family": "whisper",\n  "sample_rate": 16000,\n' "$name" "$version"
  printf '  "language": "%s",\n  "task": "transcribe",\n' "$language"
  printf '  "files": {\n    "encoder": "%s",\n    "decoder": "%s",\n' "$encoder" "$decoder"
  printf '    "tokenizer": "tokenizer.json",\n    "config": "config.json",\n    "generation_config": "generation_config.json",\n    "preprocessor_config": "preprocessor_config.json"\n  },\n'
  if [ ${#domains[@]} -gt 0 ]; then
    printf '  "domains": {\n'
    for i in "${!domains[@]}"; do
      sep=","; [ "$i" -eq $((${#domains[@]} - 1)) ] && sep=""
      printf '    "%s": "domains/%s.txt"%s\n' "${domains[$i]}" "${domains[$i]}" "$sep"
    done
    printf '  },\n'
  fi
  printf '  "checksums": {\n'
  n=${#files[@]}
  for i in "${!files[@]}"; do
    sum=$(sha256sum "${files[$i]}" | cut -d' ' -f1)
    sep=","; [ "$i" -eq $((n - 1)) ] && sep=""
    printf '    "%s": "%s"%s\n' "${files[$i]}" "$sum" "$sep"
  done
  printf '  }\n}\n'
} > manifest.json
echo "wrote $dir/manifest.json (${#files[@]} files checksummed)"
