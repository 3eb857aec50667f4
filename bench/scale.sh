#!/usr/bin/env bash
# The krispyto scale benchmark: how cost grows with the data (issue 13's targets).
#
#   bench/scale.sh                    # 2,000 coins × 3,650 days (6.9 M rows)
#   DAYS=3842 bench/scale.sh          # 2,000 coins × 3,842 days (7.3 M rows)
#   COINS=200 DAYS=365 bench/scale.sh # a quick try
#
# What it does:
#   1. builds the release binary (SKIP_BUILD=1 reuses it) and installs wrk if missing,
#   2. `krispyto gen --coins COINS --days DAYS --seed SEED` into SCALE_DIR (reused when it
#      was already generated with the same settings; ~1 GB of CSV at the defaults),
#   3. for each store (SQLite temp file, fresh PostgreSQL database dropped at exit):
#      - times `krispyto import` into the empty database (the importer's own figure, wall
#        time, peak RSS), then the re-import of the same, unchanged files,
#      - PostgreSQL: the ceiling, a bare `COPY` (binary, from psql) of the same rows into
#        empty tables with the same indexes (`LIKE record INCLUDING ALL`, and `LIKE
#        market_day INCLUDING ALL` for the `market_day` rows an import writes too), in one
#        transaction; and `record`'s alone, into the indexed table and into a table without
#        indexes followed by building them,
#      - the physical floor: the bare SQL of one dashboard date (the record columns of
#        `SELECT ... FROM market_day WHERE date = D`, one key range of the day's COINS rows,
#        the table the day routes read) over FLOOR_QUERIES dates, timed by psql's
#        \timing / sqlite3's .timer in one session (sqlite3 prints whole milliseconds:
#        its mean is the figure to read),
#      - starts the server with its cache off (every request computed) and drives each route
#        below with SCALE_CONNECTIONS connections for DURATION seconds, rotating over
#        distinct requests, then reads the server's VmRSS/VmHWM (peak through the run),
#   4. prints one table per store.
#
# Routes (a route answering 404, e.g. /api/v3 before it lands, shows as n/a):
#   /dashboard?id=all                       every day of the span in turn
#   /api/v1/markets                         every day in turn, pages 1..PAGES in turn
#   /api/v3/coins/markets                   pages 1..PAGES in turn (latest day: no date param)
#   /api/v1/coins/{symbol}/history?interval=1w   every coin in turn, whole history
#   /api/v1/stats                           5 coins over a year, coins and end days in turn
#
# Settings: COINS [2000], DAYS [3650], SEED [42], SCALE_DIR [$BENCH_DATA/gen-COINSxDAYS-sSEED
#   with BENCH_DATA [target/bench-data]], STORES ["sqlite postgres"], SCALE_CONNECTIONS [1:
#   latency of one client, no queueing], DURATION [10], PAGES [20], FLOOR_QUERIES [200],
#   SKIP_CEILING=1 (no COPY ceiling), and those of bench/lib.sh (PORT, PG_ADMIN_URL,
#   BENCH_RUST_LOG, KRISPYTO_BIN, SKIP_BUILD, WRK_THREADS).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

COINS=${COINS:-2000}
DAYS=${DAYS:-3650}
SEED=${SEED:-42}
LAST_DAY=2021-07-06
BENCH_DATA=${BENCH_DATA:-$ROOT/target/bench-data}
SCALE_DIR=${SCALE_DIR:-$BENCH_DATA/gen-${COINS}x${DAYS}-s${SEED}}
STORES=${STORES:-sqlite postgres}
SCALE_CONNECTIONS=${SCALE_CONNECTIONS:-1}
DURATION=${DURATION:-10}
PAGES=${PAGES:-20}
FLOOR_QUERIES=${FLOOR_QUERIES:-200}

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
# Every coin is listed by this day (listings start up to a tenth of the span late).
all_listed=$(date -u -d "$first_day + $((DAYS / 10 + 1)) days" +%F)

# The request lists.
date_paths "$first_day" "$LAST_DAY" "/dashboard?id=all&date={date}" >"$WORK/dashboard.paths"
date_paths "$first_day" "$LAST_DAY" "/api/v1/markets?date={date}" \
  | awk -v pages="$PAGES" '{ print $0 "&page=" ((NR - 1) % pages + 1) }' >"$WORK/markets.paths"
seq 1 "$PAGES" | sed 's|^|/api/v3/coins/markets?vs_currency=usd\&page=|' >"$WORK/v3markets.paths"
for file in "$SCALE_DIR"/*.csv; do sed -n 2p "$file" | cut -d, -f3; done >"$WORK/symbols"
sed 's|.*|/api/v1/coins/&/history?interval=1w|' "$WORK/symbols" >"$WORK/history.paths"
year_after_listing=$(date -u -d "$all_listed + 365 days" +%F)
date_paths "$year_after_listing" "$LAST_DAY" "{date}" >"$WORK/stats.days"
[[ -s $WORK/stats.days ]] || echo "$LAST_DAY" >"$WORK/stats.days" # a span shorter than 1.1 years
paste -d, - - - - - <"$WORK/symbols" | sed '/,$/d' >"$WORK/stats.ids"
awk 'NR == FNR { ids[n++] = $0; next }
     { cmd = "date -u -d \"" $0 " - 364 days\" +%F"; cmd | getline from; close(cmd)
       print "/api/v1/stats?ids=" ids[(FNR - 1) % n] "&from=" from "&to=" $0 }' \
  "$WORK/stats.ids" "$WORK/stats.days" >"$WORK/stats.paths"
date_paths "$all_listed" "$LAST_DAY" "{date}" | shuf -n "$FLOOR_QUERIES" --random-source=<(yes) >"$WORK/floor.days"

ROUTES=(
  "/dashboard?id=all|dashboard"
  "/api/v1/markets|markets"
  "/api/v3/coins/markets|v3markets"
  "/api/v1/coins/{symbol}/history?interval=1w|history"
  "/api/v1/stats (5 coins, 1 year)|stats"
)

# floor STORE URL -> "p50_ms p99_ms mean_ms" of the bare SQL of one dashboard date, over the
# FLOOR_QUERIES dates, in one session.
floor() {
  local columns="currency_id, date, open, high, low, close, volume, marketcap"
  case $1 in
    postgres)
      { echo '\timing on'
        sed "s/.*/SELECT $columns FROM market_day WHERE date = '&';/" "$WORK/floor.days"; } \
        | psql -X -q -o /dev/null "$2" | awk '/^Time:/ { print $2 }' ;;
    sqlite)
      { echo '.timer on'; echo '.output /dev/null'
        sed "s/.*/SELECT $columns FROM market_day WHERE date = '&';/" "$WORK/floor.days"; } \
        | sqlite3 "${2#sqlite://}" | awk '/^Run Time:/ { print $4 * 1000 }' ;;
  esac | sort -n | awk '{ v[NR] = $1; sum += $1 }
    END { printf "%.2f %.2f %.2f\n", v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.5)], sum / NR }'
}

# ceiling URL -> "copy_into_indexed_s copy_then_index_s copy_both_s": a bare binary COPY of
# the imported `record` rows (exported first) into an empty table with the same indexes, in one
# transaction; into an empty table without them, then the same indexes built; and, since an
# import writes `market_day` too (migration 0007), the `record` COPY followed by a COPY of the
# imported `market_day` rows (in its key order, as the import writes them) into an empty table
# with that table's indexes, in one transaction: the same rows into the same tables.
ceiling() {
  local url=$1 columns="currency_id, date, open, high, low, close, volume, marketcap"
  psql -X -q "$url" -c "\\copy (SELECT $columns FROM record ORDER BY currency_id, date) TO '$WORK/record.copy' WITH (FORMAT binary)"
  psql -X -q "$url" -c "\\copy (SELECT * FROM market_day ORDER BY date, currency_id) TO '$WORK/market_day.copy' WITH (FORMAT binary)"
  psql -X -q "$url" -c "CREATE TABLE ceiling_indexed (LIKE record INCLUDING ALL)" \
    -c "CREATE TABLE ceiling_bare (LIKE record INCLUDING DEFAULTS INCLUDING CONSTRAINTS)" -c CHECKPOINT
  local start end indexed bare both indexes
  start=$(date +%s.%N)
  psql -X -q -v ON_ERROR_STOP=1 "$url" -c BEGIN \
    -c "\\copy ceiling_indexed ($columns) FROM '$WORK/record.copy' WITH (FORMAT binary)" -c COMMIT
  end=$(date +%s.%N); indexed=$(echo "$end - $start" | bc)
  indexes=$(psql -X -qAt "$url" -c "SELECT replace(pg_get_indexdef(indexrelid), 'ON public.record ', 'ON public.ceiling_bare ') || ';' FROM pg_index WHERE indrelid = 'record'::regclass AND NOT indisprimary")
  psql -X -q "$url" -c CHECKPOINT
  start=$(date +%s.%N)
  { echo 'BEGIN;'; echo "SET LOCAL maintenance_work_mem = '256MB';"
    echo "\\copy ceiling_bare ($columns) FROM '$WORK/record.copy' WITH (FORMAT binary)"
    echo "ALTER TABLE ceiling_bare ADD PRIMARY KEY (id);"
    sed 's/^CREATE UNIQUE INDEX [a-z_]* /CREATE UNIQUE INDEX /; s/^CREATE INDEX [a-z_]* /CREATE INDEX /' <<<"$indexes"
    echo 'COMMIT;'; } | psql -X -q -v ON_ERROR_STOP=1 "$url"
  end=$(date +%s.%N); bare=$(echo "$end - $start" | bc)
  psql -X -q "$url" -c "DROP TABLE ceiling_indexed, ceiling_bare"
  psql -X -q "$url" -c "CREATE TABLE ceiling_indexed (LIKE record INCLUDING ALL)" \
    -c "CREATE TABLE ceiling_market_day (LIKE market_day INCLUDING ALL)" -c CHECKPOINT
  start=$(date +%s.%N)
  psql -X -q -v ON_ERROR_STOP=1 "$url" -c BEGIN \
    -c "\\copy ceiling_indexed ($columns) FROM '$WORK/record.copy' WITH (FORMAT binary)" \
    -c "\\copy ceiling_market_day FROM '$WORK/market_day.copy' WITH (FORMAT binary)" -c COMMIT
  end=$(date +%s.%N); both=$(echo "$end - $start" | bc)
  psql -X -q "$url" -c "DROP TABLE ceiling_indexed, ceiling_market_day"
  rm -f "$WORK/record.copy" "$WORK/market_day.copy"
  printf '%.2f %.2f %.2f\n' "$indexed" "$bare" "$both"
}

fmt() {
  [[ $1 == n/a ]] && { echo "n/a"; return; }
  read -r rps p50 p99 errors <<<"$1"
  printf '%.2f ms / %.2f ms / %.0f req/s / %s err' "$p50" "$p99" "$rps" "$errors"
}

for store in $STORES; do
  new_database "$store"; url=$DB_URL
  log "$store: importing $rows rows"
  read -r import_seconds import_rss import_own <<<"$(timed_import "$url" "$SCALE_DIR")"
  log "$store: importing the same files again"
  read -r reimport_seconds _ reimport_own <<<"$(timed_import "$url" "$SCALE_DIR")"
  ceiling_line="n/a"
  if [[ $store == postgres && ${SKIP_CEILING:-0} != 1 ]]; then
    log "$store: the COPY ceiling"
    read -r copy_indexed copy_bare copy_both <<<"$(ceiling "$url")"
    ceiling_line=$(printf 'COPY of record and market_day into indexed tables %s s (import / COPY = %.2f); record alone: into the indexed table %s s (%.2f), COPY then index %s s (%.2f)' \
      "$copy_both" "$(echo "$import_own / $copy_both" | bc -l)" \
      "$copy_indexed" "$(echo "$import_own / $copy_indexed" | bc -l)" "$copy_bare" "$(echo "$import_own / $copy_bare" | bc -l)")
  fi
  log "$store: the floor"
  floor_ms=$(floor "$store" "$url")
  start_server "$url" KRISPYTO_CACHE_MAX_BYTES=0
  read -r rss_start _ <<<"$(server_memory)"
  {
    printf '%s: %s coins × %s days = %s rows\n' "$store" "$COINS" "$DAYS" "$rows"
    printf 'import into the empty database: %s s (%s s wall), peak RSS %s MB; re-import unchanged: %s s (%s s wall)\n' \
      "$import_own" "$import_seconds" "$((import_rss / 1024))" "$reimport_own" "$reimport_seconds"
    printf 'ceiling: %s\n' "$ceiling_line"
    read -r floor_p50 floor_p99 floor_mean <<<"$floor_ms"
    printf 'floor, bare SQL of one dashboard date (%s rows), %s dates: p50 %s ms / p99 %s ms / mean %s ms\n' \
      "$COINS" "$FLOOR_QUERIES" "$floor_p50" "$floor_p99" "$floor_mean"
    printf 'route\tcold p50 / p99 / req/s / errors\n'
    for route in "${ROUTES[@]}"; do
      name=${route%%|*}; list=$WORK/${route##*|}.paths
      printf '%s\t%s\n' "$name" "$(fmt "$(drive "$name" "$list" "$SCALE_CONNECTIONS" "$DURATION")")"
    done
    read -r rss_end hwm <<<"$(server_memory)"
    printf 'server RSS start / end / peak: %s / %s / %s MB\n\n' "$((rss_start / 1024))" "$((rss_end / 1024))" "$((hwm / 1024))"
  } >>"$WORK/results.txt"
  stop_server
done

echo
echo "$(basename "$BIN") (tree $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")), $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg);" \
  "wrk $SCALE_CONNECTIONS connection(s) × $DURATION s per route, server cache off"
awk -F'\t' 'NF == 2 { printf "  %-45s %s\n", $1, $2; next } { print }' "$WORK/results.txt"
