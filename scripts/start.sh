#!/usr/bin/env bash
# Starts the whole platform on this machine (embedded S3; local PostgreSQL and NATS, started if absent).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec node packages/devkit/dist/cli/start.js
