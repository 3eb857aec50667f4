#!/usr/bin/env bash
# End-to-end test of the web dashboard in headless Chromium (Debian's chromium, driven by
# playwright-core), against a krispyto server on a fresh SQLite database that imports the
# real data. Screenshots land in target/e2e-screenshots/.
#
#   e2e/run.sh                       # from anywhere
#   KRISPYTO_E2E_DATA=/path/to/kaggle-crypto e2e/run.sh
#
# KRISPYTO_E2E_DATA: the Kaggle CSV directory (default: ../shared/data/kaggle-crypto, relative
# to the repository root). CHROMIUM: the browser (default /usr/bin/chromium).
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

echo "e2e: cargo build"
(cd "$root" && cargo build --quiet)
target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
binary="$target_dir/debug/krispyto"

workdir="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap "exit 130" INT TERM

# A port nobody is listening on right now.
port="$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')"
url="http://127.0.0.1:$port"

echo "e2e: starting krispyto on $url, importing $data"
# Started from the temporary directory so that no .env of the repository applies.
(cd "$workdir" && exec env DATABASE_URL="sqlite://$workdir/krispyto.db" KRISPYTO_LOG_FORMAT=text \
  "$binary" serve --addr "127.0.0.1:$port" --data "$data") >"$workdir/server.log" 2>&1 &
server_pid=$!

ready=""
for _ in $(seq 1 240); do
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$url/readyz"; then
    ready=yes
    break
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "e2e: the server did not become ready; its log:" >&2
  cat "$workdir/server.log" >&2
  exit 1
fi

mkdir -p "$screenshots"
echo "e2e: running the browser tests"
status=0
(cd "$here" && KRISPYTO_E2E_URL="$url" KRISPYTO_E2E_DATA="$data" KRISPYTO_E2E_SCREENSHOTS="$screenshots" \
  node --test --test-concurrency=1 --test-reporter=spec dashboard.test.mjs) || status=$?
if [ "$status" -ne 0 ]; then
  echo "e2e: FAILED; the server's log:" >&2
  tail -n 50 "$workdir/server.log" >&2
fi
echo "e2e: screenshots in $screenshots"
exit "$status"
