#!/usr/bin/env bash
# Measures the CPU time the default model needs per audio minute and prices it: transcribes
# espeak-ng speech of 1 s, 60 s and 300 s with `verbatim transcribe` under /usr/bin/time (user +
# sys CPU-seconds, 3 runs each, median), then prints the end-to-end cost of a 60 s file, the
# marginal cost per minute once the model is loaded, and the price per minute for a 70% margin.
#
#   services/billing/scripts/measure-compute-cost.sh [MODEL_DIR]
#   COST_PER_CPU_SECOND_MICROS=12.4  (c7i.large on-demand, us-east-1: $0.08925/h / 2 vCPU / 3600 s)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
MODEL_DIR="${1:-${VERBATIM_MODEL_DIR:-}}"
CPU_MICROS="${COST_PER_CPU_SECOND_MICROS:-12.4}"
STORAGE_BPS="${AUDIO_STORAGE_BYTES_PER_SECOND:-16000}"
GB_MONTH_MICROS="${COST_PER_GB_MONTH_MICROS:-23000}"
RETENTION_DAYS="${AUDIO_RETENTION_DAYS:-30}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# ~180 words of the bench's interview text at espeak's default rate is a little over a minute.
head -c 1200 "$ROOT/bench/results/speech-10min.txt" 2>/dev/null > "$WORK/text.txt" || true
[ -s "$WORK/text.txt" ] || yes 'Thank you for agreeing to talk with us today about your work and how you first became interested in this field.' | head -n 12 > "$WORK/text.txt"
espeak-ng -f "$WORK/text.txt" -w "$WORK/raw.wav"
ffmpeg -v error -y -i "$WORK/raw.wav" -af apad=whole_dur=60 -t 60 -ar 16000 -ac 1 "$WORK/s60.wav"
ffmpeg -v error -y -i "$WORK/s60.wav" -t 1 "$WORK/s1.wav"
ffmpeg -v error -y -i "$WORK/s60.wav" -i "$WORK/s60.wav" -i "$WORK/s60.wav" -i "$WORK/s60.wav" -i "$WORK/s60.wav" -filter_complex concat=n=5:v=0:a=1 "$WORK/s300.wav"

cpu_seconds() { # median of 3 runs of user+sys CPU-seconds
  for _ in 1 2 3; do
    /usr/bin/time -f '%U %S' -o "$WORK/t" node "$ROOT/packages/cli/dist/main.js" transcribe "$1" ${MODEL_DIR:+--model-dir "$MODEL_DIR"} -q -o "$WORK/out.txt"
    awk '{ printf "%.3f\n", $1 + $2 }' "$WORK/t"
  done | sort -n | sed -n 2p
}

c1=$(cpu_seconds "$WORK/s1.wav"); c60=$(cpu_seconds "$WORK/s60.wav"); c300=$(cpu_seconds "$WORK/s300.wav")
awk -v c1="$c1" -v c60="$c60" -v c300="$c300" -v p="$CPU_MICROS" -v bps="$STORAGE_BPS" -v gbm="$GB_MONTH_MICROS" -v days="$RETENTION_DAYS" 'BEGIN {
  marginal = (c300 - c60) / 4
  storage = 60 * bps / 1e9 * days / 30 * gbm
  printf "CPU-seconds (user+sys, median of 3): 1 s file %.2f, 60 s file %.2f, 300 s file %.2f\n", c1, c60, c300
  printf "cost per CPU-second: %.2f micros\n", p
  printf "end to end, 60 s file (process start + model load + transcribe): %.2f CPU-s = %.1f micros = $%.7f per audio minute\n", c60, c60 * p, c60 * p / 1e6
  printf "marginal, model loaded (300 s - 60 s file) / 4: %.3f CPU-s = %.1f micros per audio minute\n", marginal, marginal * p
  printf "storage of a minute of audio (%d B/s, %d days): %.1f micros\n", bps, days, storage
  printf "price for a 70%% margin: compute only %.0f micros ($%.6f) per minute; compute + storage %.0f micros ($%.6f) per minute\n", c60 * p / 0.3, c60 * p / 0.3 / 1e6, (c60 * p + storage) / 0.3, (c60 * p + storage) / 0.3 / 1e6
}'
