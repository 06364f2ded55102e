#!/usr/bin/env bash
# Installs what Verbatim needs on a fresh Debian machine, idempotently: system packages (ffmpeg for
# audio, espeak-ng for synthetic test speech, promtool for the alert-rule tests, chromium for the
# web app's browser tests), PostgreSQL and NATS when none is reachable, pnpm,
# the node modules, and a build of every package. Safe to run again; fast when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-}" DEBIAN_FRONTEND=noninteractive

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else say "need root for: $*"; return 1; fi; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
for pair in ffmpeg:ffmpeg ffprobe:ffmpeg espeak-ng:espeak-ng sox:sox promtool:prometheus chromium:chromium; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing system packages: ${missing[*]}"
  apt_install $(printf '%s\n' "${missing[@]}" | sort -u)
fi

# PostgreSQL: use the one on 127.0.0.1:5432, or install and start Debian's.
if ! port_open 5432; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then say "installing PostgreSQL"; apt_install postgresql; fi
  say "starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
  for _ in $(seq 1 30); do port_open 5432 && break; sleep 1; done
  # Local development trusts local connections, as the CI machines do.
  if ! psql -h 127.0.0.1 -U postgres -c 'select 1' >/dev/null 2>&1; then
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf | sort -V | tail -1)
    as_root sed -i 's/^\(host\s\+all\s\+all\s\+127.0.0.1\/32\s\+\)\S\+/\1trust/' "$hba"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main reload
  fi
fi

# NATS with JetStream: use the one on 127.0.0.1:4222, or install and start Debian's.
if ! port_open 4222; then
  command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || { say "installing nats-server"; apt_install nats-server; }
  say "starting nats-server with JetStream (data in .verbatim/nats)"
  mkdir -p .verbatim/nats
  nohup "$(command -v nats-server || echo /usr/sbin/nats-server)" -a 127.0.0.1 -p 4222 -js -sd "$PWD/.verbatim/nats" >.verbatim/nats.log 2>&1 &
  for _ in $(seq 1 30); do port_open 4222 && break; sleep 1; done
fi

if ! command -v pnpm >/dev/null; then
  say "installing pnpm"
  npm install -g pnpm@10.34.9 >/dev/null 2>&1 || as_root npm install -g pnpm@10.34.9 >/dev/null
fi

say "installing node modules"
pnpm install --frozen-lockfile --reporter=append-only 2>&1 | tail -n 3 >&2
say "building"
pnpm exec turbo run build --output-logs=errors-only >&2
