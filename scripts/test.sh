#!/usr/bin/env bash
# Runs every test: each package's unit tests and tests against real PostgreSQL / NATS / S3, the
# cross-service end-to-end tests in tests/, and the training pipeline's smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec bash scripts/test-all.sh
