#!/usr/bin/env bash
# The krispyto scale benchmark: how cost grows with the data.
#
#   bench/scale.sh                    # 2,000 coins × 3,650 days (~7 M rows)
#   COINS=200 DAYS=365 bench/scale.sh # a quick try
#
# What it does:
#   1. builds the release binary (SKIP_BUILD=1 reuses it) and installs wrk if missing,
#   2. `krispyto gen --coins COINS --days DAYS --seed SEED` into SCALE_DIR (reused when it
#      was already generated with the same settings; ~1 GB of CSV at the defaults),
#   3. for each store (SQLite temp file, fresh PostgreSQL database dropped at exit):
#      times `krispyto import` (wall time and the importer's peak RSS), starts the server,
#      measures cold /dashboard?id=all (every day of the span in turn, so a cache rarely
#      hits) and /api/v1/markets over the same days (n/a while it answers 404) at SCALE_CONNECTIONS connections
#      for DURATION seconds each, and reads the server's VmRSS/VmHWM from /proc/PID/status,
#   4. prints one table.
#
# Settings: COINS [2000], DAYS [3650], SEED [42], SCALE_DIR [target/bench-data/gen-COINSxDAYS-sSEED],
#   STORES ["sqlite postgres"], SCALE_CONNECTIONS [1: latency of one client, no queueing],
#   DURATION [10], and those of bench/lib.sh (PORT, PG_ADMIN_URL, BENCH_RUST_LOG, KRISPYTO_BIN,
#   SKIP_BUILD, WRK_THREADS).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

COINS=${COINS:-2000}
DAYS=${DAYS:-3650}
SEED=${SEED:-42}
LAST_DAY=2021-07-06
SCALE_DIR=${SCALE_DIR:-$ROOT/target/bench-data/gen-${COINS}x${DAYS}-s${SEED}}
STORES=${STORES:-sqlite postgres}
SCALE_CONNECTIONS=${SCALE_CONNECTIONS:-1}
DURATION=${DURATION:-10}

build_release
ensure_wrk

if [[ -f $SCALE_DIR/.complete ]]; then
  log "reusing $SCALE_DIR ($(cat "$SCALE_DIR/.complete"))"
else
  rm -rf "$SCALE_DIR"
  log "generating $COINS coins × $DAYS days into $SCALE_DIR"
  start=$(date +%s.%N)
  "$BIN" gen --coins "$COINS" --days "$DAYS" --seed "$SEED" --last-day "$LAST_DAY" --out "$SCALE_DIR" \
    | tee "$WORK/gen.out" >&2
  log "generated in $(echo "$(date +%s.%N) - $start" | bc) s"
  cp "$WORK/gen.out" "$SCALE_DIR/.complete"
fi
rows=$(grep -o '[0-9]* rows' "$SCALE_DIR/.complete" | cut -d' ' -f1)
first_day=$(date -u -d "$LAST_DAY - $((DAYS - 1)) days" +%F)
date_paths "$first_day" "$LAST_DAY" "/dashboard?id=all&date={date}" >"$WORK/cold.paths"
date_paths "$first_day" "$LAST_DAY" "/api/v1/markets?date={date}" >"$WORK/markets.paths"

RESULTS=$WORK/results.tsv
for store in $STORES; do
  new_database "$store"; url=$DB_URL
  log "$store: importing $rows rows"
  imported=$(timed_import "$url" "$SCALE_DIR")
  read -r import_seconds import_rss import_own <<<"$imported"
  start_server "$url"
  memory=$(server_memory); read -r rss_start _ <<<"$memory"
  cold=$(drive "cold /dashboard?id=all" "$WORK/cold.paths" "$SCALE_CONNECTIONS" "$DURATION")
  markets=$(drive "cold /api/v1/markets" "$WORK/markets.paths" "$SCALE_CONNECTIONS" "$DURATION")
  memory=$(server_memory); read -r rss_end hwm <<<"$memory"
  stop_server
  fmt() {
    [[ $1 == n/a ]] && { echo "n/a"; return; }
    read -r rps p50 p99 errors <<<"$1"
    printf '%.2f ms / %.2f ms / %.0f req/s / %s err' "$p50" "$p99" "$rps" "$errors"
  }
  printf '%s\t%s s (%s s)\t%s MB\t%s\t%s\t%s / %s / %s MB\n' "$store" "$import_own" "$import_seconds" "$((import_rss / 1024))" \
    "$(fmt "$cold")" "$(fmt "$markets")" "$((rss_start / 1024))" "$((rss_end / 1024))" "$((hwm / 1024))" >>"$RESULTS"
done

echo
echo "krispyto $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%FT%TZ), $(nproc) cores;" \
  "$COINS coins × $DAYS days = $rows rows; wrk $SCALE_CONNECTIONS connection(s) × $DURATION s"
{
  printf 'backend\timport (wall)\timport peak RSS\tcold dashboard p50 / p99 / req/s\tmarkets p50 / p99 / req/s\tserver RSS start / end / peak\n'
  cat "$RESULTS"
} | column -t -s $'\t'
