#!/usr/bin/env bash
# The export benchmark: how fast every record streams out, and in how much memory.
#
#   bench/export.sh                    # 2,000 coins × 3,650 days (~7 M rows)
#   COINS=200 DAYS=365 bench/export.sh # a quick try
#
# What it does:
#   1. builds the release binary (SKIP_BUILD=1 reuses it),
#   2. `krispyto gen --coins COINS --days DAYS --seed SEED` into SCALE_DIR (reused when it was
#      already generated with the same settings, e.g. by bench/scale.sh),
#   3. for each store (SQLite temp file, fresh PostgreSQL database dropped at exit): imports
#      it, starts the server, downloads GET /api/v1/export?format=csv and ?format=ndjson in
#      full with curl (counting the lines), reads the server's peak RSS (VmHWM), then times
#      `krispyto export` to a directory of CSV files and its peak RSS,
#   4. prints one table: rows/s = data lines / wall time of the download.
#
# Settings: COINS [2000], DAYS [3650], SEED [42], SCALE_DIR [target/bench-data/gen-COINSxDAYS-sSEED],
#   STORES ["sqlite postgres"], and those of bench/lib.sh (PORT, PG_ADMIN_URL, KRISPYTO_BIN, SKIP_BUILD).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export KRISPYTO_BIN=${KRISPYTO_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/krispyto}
source "$root/bench/lib.sh"

COINS=${COINS:-2000}
DAYS=${DAYS:-3650}
SEED=${SEED:-42}
LAST_DAY=2021-07-06
SCALE_DIR=${SCALE_DIR:-$ROOT/target/bench-data/gen-${COINS}x${DAYS}-s${SEED}}
STORES=${STORES:-sqlite postgres}

build_release

if [[ -f $SCALE_DIR/.complete ]]; then
  log "reusing $SCALE_DIR ($(cat "$SCALE_DIR/.complete"))"
else
  rm -rf "$SCALE_DIR"
  log "generating $COINS coins × $DAYS days into $SCALE_DIR"
  "$BIN" gen --coins "$COINS" --days "$DAYS" --seed "$SEED" --last-day "$LAST_DAY" --out "$SCALE_DIR" \
    | tee "$WORK/gen.out" >&2
  cp "$WORK/gen.out" "$SCALE_DIR/.complete"
fi
rows=$(grep -o '[0-9]* rows' "$SCALE_DIR/.complete" | cut -d' ' -f1)

# download FORMAT -> "lines seconds bytes" of the whole export.
download() {
  local start end
  start=$(date +%s.%N)
  curl -fsS "http://127.0.0.1:$PORT/api/v1/export?format=$1" | tee >(wc -c >"$WORK/bytes") | wc -l >"$WORK/lines"
  end=$(date +%s.%N)
  sleep 0.2 # the byte count is written by a process substitution
  printf '%s %.2f %s\n' "$(cat "$WORK/lines")" "$(echo "$end - $start" | bc)" "$(cat "$WORK/bytes")"
}

RESULTS=$WORK/results.tsv
for store in $STORES; do
  new_database "$store"; url=$DB_URL
  log "$store: importing $rows rows"
  timed_import "$url" "$SCALE_DIR" >/dev/null
  start_server "$url"
  read -r rss_idle _ <<<"$(server_memory)"
  for format in csv ndjson; do
    log "$store: GET /api/v1/export?format=$format"
    read -r lines seconds bytes <<<"$(download "$format")"
    # CSV has a header line; NDJSON none.
    data_lines=$lines
    [[ $format == csv ]] && data_lines=$((lines - 1))
    [[ $data_lines == "$rows" ]] || { echo "$format export has $data_lines rows, expected $rows" >&2; exit 1; }
    read -r _ hwm <<<"$(server_memory)"
    printf '%s\t`GET /api/v1/export?format=%s`\t%s\t%s\t%.0f\t%s MB\t%.0f MB\t%.0f MB\n' "$store" "$format" \
      "$data_lines" "$seconds" "$(echo "$data_lines / $seconds" | bc -l)" "$((bytes / 1000000))" \
      "$(echo "$rss_idle / 1024" | bc -l)" "$(echo "$hwm / 1024" | bc -l)" >>"$RESULTS"
  done
  stop_server
  log "$store: krispyto export --out DIR"
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$WORK/export.rss" \
    env DATABASE_URL="$url" RUST_LOG="$BENCH_RUST_LOG" "$BIN" export --out "$WORK/csv-$store" 2>"$WORK/export.out"
  end=$(date +%s.%N)
  seconds=$(echo "$end - $start" | bc)
  bytes=$(du -sb "$WORK/csv-$store" | cut -f1)
  printf '%s\t`krispyto export --out DIR` (%s files)\t%s\t%.2f\t%.0f\t%s MB\t-\t%.0f MB\n' "$store" \
    "$(ls "$WORK/csv-$store" | wc -l)" "$rows" "$seconds" "$(echo "$rows / $seconds" | bc -l)" \
    "$((bytes / 1000000))" "$(echo "$(cat "$WORK/export.rss") / 1024" | bc -l)" >>"$RESULTS"
  rm -rf "$WORK/csv-$store"
done

echo
echo "| store | export | rows | seconds | rows/s | size | RSS before | RSS peak |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$RESULTS"
