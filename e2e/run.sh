#!/usr/bin/env bash
# End-to-end test of the web dashboard in headless Chromium (Debian's chromium, driven by
# playwright-core), against a krispyto server on a fresh SQLite database that imports the
# real data, a second one on an empty database and a third on generated data with thousands of
# coins (for the first-render timing it prints). Screenshots land in target/e2e-screenshots/.
#
#   e2e/run.sh                       # from anywhere
#   KRISPYTO_E2E_DATA=/path/to/kaggle-crypto e2e/run.sh
#
# KRISPYTO_E2E_DATA: the Kaggle CSV directory (default: ../shared/data/kaggle-crypto, relative
# to the repository root). CHROMIUM: the browser (default /usr/bin/chromium).
# KRISPYTO_E2E_SCALE_COINS: coins of the generated data set (default 2000, over 400 days; 0
# skips it). It is generated once by `krispyto gen` into target/e2e-gen-COINSx400/ (about a
# minute) and imported at each run (about half a minute in a debug build).
# KRISPYTO_BIN: the krispyto binary (default: a debug build, made here), e.g. a release build
# for timings closer to production.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
data="${KRISPYTO_E2E_DATA:-$root/../shared/data/kaggle-crypto}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
screenshots="$root/target/e2e-screenshots"

if [ ! -d "$data" ]; then
  echo "e2e: no data directory at $data; set KRISPYTO_E2E_DATA to the Kaggle CSV directory." >&2
  exit 2
fi
data="$(cd "$data" && pwd)"

if [ ! -x "$CHROMIUM" ]; then
  echo "e2e: installing chromium (Debian package)"
  sudo_if_needed=""
  if [ "$(id -u)" -ne 0 ]; then sudo_if_needed="sudo"; fi
  $sudo_if_needed apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y chromium
fi

echo "e2e: npm ci"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
if [ -n "${KRISPYTO_BIN:-}" ]; then
  binary="$KRISPYTO_BIN"
else
  echo "e2e: cargo build"
  (cd "$root" && cargo build --quiet)
  binary="$target_dir/debug/krispyto"
fi
scale_coins="${KRISPYTO_E2E_SCALE_COINS:-2000}"

workdir="$(mktemp -d)"
server_pids=()
cleanup() {
  for pid in "${server_pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$workdir"
}
trap cleanup EXIT
trap "exit 130" INT TERM

# start_server NAME [serve flags...]: starts krispyto on a fresh SQLite database and a free
# port, waits until /readyz answers, and sets $server_url.
start_server() {
  local name="$1"
  shift
  local port
  # A port nobody is listening on right now.
  port="$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')"
  server_url="http://127.0.0.1:$port"
  mkdir -p "$workdir/$name"
  # Started from its own directory so that no .env of the repository applies.
  (cd "$workdir/$name" && exec env DATABASE_URL="sqlite://$workdir/$name/krispyto.db" KRISPYTO_LOG_FORMAT=text \
    "$binary" serve --addr "127.0.0.1:$port" "$@") >"$workdir/$name.log" 2>&1 &
  local pid=$!
  server_pids+=("$pid")
  for _ in $(seq 1 240); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$server_url/readyz"; then
      return 0
    fi
    sleep 0.5
  done
  echo "e2e: the $name server did not become ready; its log:" >&2
  cat "$workdir/$name.log" >&2
  exit 1
}

echo "e2e: starting krispyto on the real data ($data)"
start_server real --data "$data"
url="$server_url"
echo "e2e: starting krispyto on an empty database"
start_server empty
empty_url="$server_url"
scale_url=""
if [ "$scale_coins" -gt 0 ]; then
  # Generated data (never the Kaggle files), kept between runs: the same seed writes the same bytes.
  generated="$root/target/e2e-gen-${scale_coins}x400"
  if [ ! -f "$generated/.complete" ]; then
    echo "e2e: generating $scale_coins coins over 400 days into $generated"
    rm -rf "$generated"
    "$binary" gen --coins "$scale_coins" --days 400 --out "$generated"
    touch "$generated/.complete"
  fi
  echo "e2e: starting krispyto on $scale_coins generated coins (importing them first)"
  start_server scale --data "$generated"
  scale_url="$server_url"
fi

mkdir -p "$screenshots"
echo "e2e: running the browser tests"
status=0
(cd "$here" && KRISPYTO_E2E_URL="$url" KRISPYTO_E2E_EMPTY_URL="$empty_url" KRISPYTO_E2E_SCALE_URL="$scale_url" \
  KRISPYTO_E2E_SCREENSHOTS="$screenshots" \
  node --test --test-concurrency=1 --test-reporter=spec dashboard.test.mjs) || status=$?
if [ "$status" -ne 0 ]; then
  for log in "$workdir"/*.log; do
    echo "e2e: FAILED; the last lines of $(basename "$log" .log) server's log:" >&2
    tail -n 30 "$log" >&2
  done
fi
echo "e2e: screenshots in $screenshots"
exit "$status"
