#!/usr/bin/env bash
# The test suites, once dependencies are installed and built (scripts/test.sh does both).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
run() { printf '\n\033[1m== %s\033[0m\n' "$*"; "$@" || status=1; }

# One package at a time: the machines these run on have two cores.
run pnpm exec turbo run test --concurrency=1 --continue --output-logs=full
if [ -f training/run.sh ]; then run bash training/run.sh --smoke; fi
exit $status
