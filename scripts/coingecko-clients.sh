#!/usr/bin/env bash
# The acceptance test of /api/v3 (shared/COINGECKO.md): starts krispyto on a fresh database
# loaded with the real data, then runs CoinGecko's real clients against it and compares every
# value they return with the CSV records: pycoingecko 3.2.0, the official Python SDK
# coingecko-sdk 4.3.0 with _strict_response_validation=True, and the official TypeScript SDK
# @coingecko/coingecko-typescript 8.2.0 under node 20. The clients are installed under
# target/cg-clients (a venv and an npm directory), nothing global.
#
# Usage: scripts/coingecko-clients.sh
# Environment:
#   KRISPYTO_DATA         data to load (default ../shared/data/kaggle-crypto, from the repo root)
#   CG_DATABASE_URL       run on this (empty) database instead of a temporary SQLite file,
#                         e.g. postgres://postgres@127.0.0.1:5432/krispyto_cg
set -euo pipefail

PYCOINGECKO_VERSION=3.2.0
SDK_VERSION=4.3.0
TS_SDK_VERSION=8.2.0

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
data="$(cd "${KRISPYTO_DATA:-../shared/data/kaggle-crypto}" && pwd)"
clients="$repo_root/target/cg-clients"

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [[ "$node_major" -lt 20 ]]; then
    echo "node 20 or later is needed for @coingecko/coingecko-typescript (found: $(node --version 2>/dev/null || echo none))" >&2
    exit 1
fi

venv="$clients/venv"
if ! "$venv/bin/python" -c "
import importlib.metadata as m, sys
sys.exit(not (m.version('pycoingecko') == '$PYCOINGECKO_VERSION' and m.version('coingecko-sdk') == '$SDK_VERSION'))
" 2>/dev/null; then
    echo "==> installing pycoingecko $PYCOINGECKO_VERSION and coingecko-sdk $SDK_VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "pycoingecko==$PYCOINGECKO_VERSION" "coingecko-sdk==$SDK_VERSION"
fi
npm_dir="$clients/node"
if [[ "$(node -p "require('$npm_dir/node_modules/@coingecko/coingecko-typescript/package.json').version" 2>/dev/null)" != "$TS_SDK_VERSION" ]]; then
    echo "==> installing @coingecko/coingecko-typescript $TS_SDK_VERSION into $npm_dir"
    mkdir -p "$npm_dir"
    echo '{"name": "krispyto-cg-clients", "private": true}' >"$npm_dir/package.json"
    (cd "$npm_dir" && npm install --silent --no-audit --no-fund "@coingecko/coingecko-typescript@$TS_SDK_VERSION")
fi
# ES modules resolve packages from their own directory: run the TypeScript calls from there.
cp scripts/coingecko/ts_calls.mjs "$npm_dir/ts_calls.mjs"

# shellcheck source=scripts/lib.sh
source scripts/lib.sh
start_krispyto "${CG_DATABASE_URL:-}" "$data"

# The day after the latest record, for history's "date = L+1 gives record L".
latest_plus_one="$(curl -fsS "$base/api/v3/coins/bitcoin/market_chart?vs_currency=usd&days=1" \
    | python3 -c 'import json, sys, datetime as d; print(d.datetime.fromtimestamp(json.load(sys.stdin)["prices"][-1][0] / 1000, d.timezone.utc).date())')"

echo "==> @coingecko/coingecko-typescript $TS_SDK_VERSION (node $(node --version))"
(cd "$npm_dir" && node ts_calls.mjs "$base" "$latest_plus_one") >"$workdir/ts.json"

echo "==> pycoingecko $PYCOINGECKO_VERSION, coingecko-sdk $SDK_VERSION (strict), and the TypeScript answers against the CSV"
status=0
"$venv/bin/python" scripts/coingecko/check_clients.py "$base" "$data" "$workdir/ts.json" || status=$?
if [[ $status -ne 0 ]]; then
    echo "==> server log (last lines):" >&2
    tail -n 30 "$workdir/server.log" >&2
fi
exit "$status"
