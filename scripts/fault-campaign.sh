#!/usr/bin/env bash
# The fault-injection campaign of issue 10, bounded (~3 minutes after the build), 127.0.0.1
# only: its own PostgreSQL (initdb in a temp dir, port 55432) and redis-server (port 56379),
# which it kills; never the shared ones. Load from wrk, slow clients from Python.
#   scripts/fault-campaign.sh [DATA_DIR]     (default ../shared/data/kaggle-crypto)
# PROFILE=debug uses a debug build (faster to build, slower to serve).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-../shared/data/kaggle-crypto}"
PROFILE="${PROFILE:-release}"
TARGET="${CARGO_TARGET_DIR:-target}"
for tool in wrk redis-server psql prlimit python3; do
  command -v "$tool" >/dev/null || { echo "fault-campaign: $tool is needed" >&2; exit 1; }
done
if [ "$PROFILE" = release ]; then cargo build --release --quiet; else cargo build --quiet; fi
# A private copy: the shared target directory may be rebuilt by someone else meanwhile.
BIN="$(mktemp -d)/krispyto"
cp "$TARGET/$PROFILE/krispyto" "$BIN"
trap 'rm -rf "$(dirname "$BIN")"' EXIT
python3 scripts/fault_campaign.py "$BIN" "$(realpath "$DATA")"
