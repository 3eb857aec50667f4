#!/usr/bin/env bash
# The krispyto HTTP benchmark: one command, one table.
#
#   bench/run.sh                      # from the repo root (or anywhere)
#
# What it does:
#   1. builds the release binary (cargo build --release --bin krispyto; SKIP_BUILD=1 reuses it),
#   2. installs `wrk` from Debian if it is missing,
#   3. for each store (SQLite in a temp file, PostgreSQL in a fresh database created here and
#      dropped at exit): imports DATA with `krispyto import` (timed), starts `krispyto serve`
#      on 127.0.0.1:$PORT, and drives every route below from a separate wrk process at
#      CONNECTIONS connections for DURATION seconds each,
#   4. prints ONE table: backend, route, requests/s, p50, p99, errors (non-2xx + socket
#      errors) and requests/s as a percentage of /healthz on the same backend; then the
#      import times and the server's memory.
#
# Routes: /healthz (the ceiling), /dashboard?id=all warm (one repeated URL), /dashboard?id=all
# rotating (every day of COLD_FIRST..COLD_LAST in turn, ~3,000 distinct dates on the real
# data: each misses the cache on its first visit only), /dashboard?id=btc,eth,doge,
# /search?name=bitcoin, /api/v1/coins/BTC/history?interval=1w, /api/v1/markets and the
# /api/v3 markets, simple/price and bitcoin market_chart?days=max, each twice: with
# `Accept-Encoding: gzip, deflate` (what every real CoinGecko client sends: python requests,
# the SDKs' httpx, node fetch; the server keeps a gzip form of each cached answer of 1 KB or
# more) and without it (identity, for comparison); then,
# on a server restarted with its cache off (KRISPYTO_CACHE_MAX_BYTES=0), the truly cold
# /dashboard?id=all and /api/v1/markets over the rotating dates, and /api/v3/coins/markets:
# every request computes.
# A route answering 404 (not built yet) is shown as n/a instead of failing the run.
#
# Settings (environment variables, defaults in brackets):
#   DATA           data set to import [../shared/data/kaggle-crypto from the repo root]
#   STORES         stores to run ["sqlite postgres"]
#   CONNECTIONS    wrk connections [32]        DURATION   seconds per route [10]
#   WRK_THREADS    wrk threads [2]             PORT       server port [18080]
#   COLD_FIRST/COLD_LAST  the days the cold route rotates over [2013-04-29 / 2021-07-06]
#   PG_ADMIN_URL   PostgreSQL server, trust auth [postgres://postgres@127.0.0.1:5432]
#   BENCH_RUST_LOG the server's RUST_LOG [warn: per-request logs off]
#   KRISPYTO_BIN   the binary [target/release/krispyto]   SKIP_BUILD=1  do not build
#   ONLY           an extended regex: run only the routes whose name matches it (/healthz,
#                  the ceiling, always runs) [every route]
#
# Needs: cargo, curl, psql, bc, GNU date/awk, /usr/bin/time. Runtime: about 2 × 16 × DURATION
# seconds plus the imports (~2.5 min with the defaults).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# In a git worktree, ../shared sits beside the main checkout rather than beside this one.
MAIN_ROOT=$(dirname "$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || echo "$ROOT/.git")")
if [[ -z ${DATA:-} ]]; then
  DATA=$ROOT/../shared/data/kaggle-crypto
  [[ -e $DATA ]] || DATA=$MAIN_ROOT/../shared/data/kaggle-crypto
fi
STORES=${STORES:-sqlite postgres}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10}
COLD_FIRST=${COLD_FIRST:-2013-04-29}
COLD_LAST=${COLD_LAST:-2021-07-06}

[[ -e $DATA ]] || { echo "DATA=$DATA does not exist; point DATA at a directory of Kaggle CSV files" >&2; exit 1; }
build_release
ensure_wrk

# NAME|PATH[|ACCEPT_ENCODING]
GZIP="gzip, deflate"
ROUTES=(
  "/healthz|/healthz"
  "/dashboard?id=all warm|/dashboard?id=all"
  "/dashboard?id=all rotating dates|@cold"
  "/dashboard?id=btc,eth,doge|/dashboard?id=btc,eth,doge"
  "/search?name=bitcoin|/search?name=bitcoin"
  "/api/v1/coins/BTC/history?interval=1w|/api/v1/coins/BTC/history?interval=1w"
  "/api/v1/markets|/api/v1/markets"
  "/api/v3/coins/markets?vs_currency=usd gzip|/api/v3/coins/markets?vs_currency=usd|$GZIP"
  "/api/v3/coins/markets?vs_currency=usd identity|/api/v3/coins/markets?vs_currency=usd"
  "/api/v3/simple/price gzip|/api/v3/simple/price?ids=bitcoin,ethereum&vs_currencies=usd,btc&include_24hr_change=true|$GZIP"
  "/api/v3/simple/price identity|/api/v3/simple/price?ids=bitcoin,ethereum&vs_currencies=usd,btc&include_24hr_change=true"
  "/api/v3/coins/bitcoin/market_chart?days=max gzip|/api/v3/coins/bitcoin/market_chart?vs_currency=usd&days=max|$GZIP"
  "/api/v3/coins/bitcoin/market_chart?days=max identity|/api/v3/coins/bitcoin/market_chart?vs_currency=usd&days=max"
)
# Measured on a server with its cache off: every request is computed from the database.
COLD_ROUTES=(
  "/dashboard?id=all cold, cache off|$WORK/cold.paths"
  "/api/v1/markets cold, cache off|$WORK/markets-cold.paths"
  "/api/v3/coins/markets cold, cache off|$WORK/v3-markets-cold.paths|$GZIP"
)
echo "/api/v3/coins/markets?vs_currency=usd" >"$WORK/v3-markets-cold.paths"
date_paths "$COLD_FIRST" "$COLD_LAST" "/dashboard?id=all&date={date}" >"$WORK/cold.paths"
date_paths "$COLD_FIRST" "$COLD_LAST" "/api/v1/markets?date={date}" >"$WORK/markets-cold.paths"

# run_route STORE NAME PATHS_FILE [ACCEPT_ENCODING]: drives one route and appends its line
# to $RESULTS.
run_route() {
  local store=$1 name=$2 paths=$3 accept_encoding=${4:-} result rps p50 p99 errors ratio
  result=$(drive "$name" "$paths" "$CONNECTIONS" "$DURATION" "$accept_encoding")
  if [[ $result == n/a ]]; then
    printf '%s\t%s\tn/a\tn/a\tn/a\tn/a\tn/a\n' "$store" "$name" >>"$RESULTS"
    return
  fi
  read -r rps p50 p99 errors <<<"$result"
  [[ -z $healthz_rps ]] && healthz_rps=$rps
  ratio=$(awk -v a="$rps" -v b="$healthz_rps" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  printf '%s\t%s\t%.0f\t%.2f ms\t%.2f ms\t%s\t%s\n' "$store" "$name" "$rps" "$p50" "$p99" "$errors" "$ratio" >>"$RESULTS"
}

# selected NAME: whether ONLY lets the route run.
selected() {
  [[ $1 == /healthz || -z ${ONLY:-} ]] || grep -qE -- "$ONLY" <<<"$1"
}

RESULTS=$WORK/results.tsv
NOTES=()
for store in $STORES; do
  new_database "$store"; url=$DB_URL
  imported=$(timed_import "$url" "$DATA")
  read -r import_seconds import_rss import_own <<<"$imported"
  start_server "$url"
  read -r rss_start _ < <(server_memory)
  healthz_rps=""
  for route in "${ROUTES[@]}"; do
    IFS='|' read -r name target accept_encoding <<<"$route"
    selected "$name" || continue
    if [[ $target == @cold ]]; then
      paths=$WORK/cold.paths
    else
      paths=$WORK/route.paths; echo "$target" >"$paths"
    fi
    run_route "$store" "$name" "$paths" "$accept_encoding"
  done
  read -r rss_end hwm < <(server_memory)
  stop_server
  start_server "$url" KRISPYTO_CACHE_MAX_BYTES=0
  for route in "${COLD_ROUTES[@]}"; do
    IFS='|' read -r name paths accept_encoding <<<"$route"
    selected "$name" || continue
    run_route "$store" "$name" "$paths" "$accept_encoding"
  done
  stop_server
  NOTES+=("$store: import of $DATA ${import_own} s as reported by the importer, ${import_seconds} s wall with start-up and migrations (peak RSS $((import_rss / 1024)) MB); server RSS $((rss_start / 1024)) MB at start, $((rss_end / 1024)) MB after the runs, peak $((hwm / 1024)) MB")
done

echo
echo "krispyto $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%FT%TZ), $(nproc) cores, wrk ${CONNECTIONS} connections × ${DURATION} s per route"
{
  printf 'backend\troute\treq/s\tp50\tp99\terrors\tvs /healthz\n'
  cat "$RESULTS"
} | column -t -s $'\t'
echo
printf '%s\n' "${NOTES[@]}"
