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

workdir="$(mktemp -d)"
echo "==> building krispyto"
cargo build --quiet --bin krispyto
# A private copy: a target directory shared with other checkouts may be rebuilt under us.
cp "${CARGO_TARGET_DIR:-$repo_root/target}/debug/krispyto" "$workdir/krispyto"
binary="$workdir/krispyto"

server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
base="http://127.0.0.1:$port"
echo "==> starting krispyto on $base with $data"
DATABASE_URL="${CG_DATABASE_URL:-sqlite://$workdir/krispyto.db}" RUST_LOG="${RUST_LOG:-warn}" \
    "$binary" serve --addr "127.0.0.1:$port" --data "$data" >"$workdir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "krispyto exited before it was ready:" >&2
        cat "$workdir/server.log" >&2
        exit 1
    fi
    sleep 0.2
done
curl -fsS "$base/readyz" >/dev/null || { cat "$workdir/server.log" >&2; exit 1; }

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
