#!/usr/bin/env bash
# Checks that /openapi.json is true: starts krispyto on a fresh SQLite database loaded with the
# real data, and runs schemathesis against it with every check on. Exits non-zero on any
# failure (a 5xx, a response that violates its schema, an undocumented status, ...).
#
# Usage: scripts/schemathesis.sh [extra schemathesis arguments]
# Environment:
#   KRISPYTO_DATA          data to load (default ../shared/data/kaggle-crypto, from the repo root)
#   SCHEMATHESIS_EXAMPLES  max examples per operation and phase (default 100)
#   SCHEMATHESIS_SEED      fixed seed for a reproducible run (default: random)
#   SCHEMATHESIS_DATABASE_URL  run on this (empty) database instead of a temporary SQLite file,
#                          e.g. postgres://postgres@127.0.0.1:5432/krispyto_schemathesis
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
data="${KRISPYTO_DATA:-../shared/data/kaggle-crypto}"
examples="${SCHEMATHESIS_EXAMPLES:-100}"

# schemathesis lives in a venv under target/, so the system Python stays untouched.
venv="$repo_root/target/schemathesis-venv"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    echo "==> installing schemathesis $SCHEMATHESIS_VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# Writes are enabled with a throwaway key, so the write routes are exercised (and the
# ignored_auth check can see that requests without the key are refused).
api_key="schemathesis-$RANDOM$RANDOM"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
start_krispyto "${SCHEMATHESIS_DATABASE_URL:-}" "$data" KRISPYTO_API_KEYS="$api_key"

seed_args=()
if [[ -n "${SCHEMATHESIS_SEED:-}" ]]; then
    seed_args=(--seed "$SCHEMATHESIS_SEED")
fi

echo "==> schemathesis $SCHEMATHESIS_VERSION: every check, up to $examples examples per operation"
status=0
# From the temporary directory: schemathesis leaves its own files (.schemathesis/) there.
# One worker: with several, hypothesis parses lambdas' source on threads at once, which trips
# CPython 3.11's "AST constructor recursion depth mismatch" (an error of the tool, not of us).
(cd "$workdir" && "$venv/bin/schemathesis" --config-file "$repo_root/scripts/schemathesis.toml" \
    run "$base/openapi.json" \
    --checks all \
    --header "Authorization: Bearer $api_key" \
    --max-examples "$examples" \
    --workers 1 \
    --request-timeout 30 \
    --generation-database none \
    --no-color \
    "${seed_args[@]}" \
    "$@") || status=$?

if [[ $status -ne 0 ]]; then
    echo "==> schemathesis found failures (exit $status); server log:" >&2
    tail -n 50 "$workdir/server.log" >&2
fi
exit "$status"
