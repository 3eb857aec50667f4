# Helpers shared by bench/run.sh and bench/scale.sh (sourced, not run).
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${KRISPYTO_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/krispyto}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18080}
WRK_THREADS=${WRK_THREADS:-2}
# Per-request INFO logs cost a visible share at 10k+ requests/s; measure the server, not
# the terminal. Set BENCH_RUST_LOG=info to include them.
BENCH_RUST_LOG=${BENCH_RUST_LOG:-warn,sqlx=error}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/krispyto-bench.XXXXXX")
SERVER_PID=""
PG_DATABASES=()

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

cleanup() {
  stop_server
  for db in "${PG_DATABASES[@]}"; do
    psql "$PG_ADMIN_URL/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_release() {
  if [[ ${SKIP_BUILD:-0} == 1 ]]; then
    [[ -x $BIN ]] || { echo "SKIP_BUILD=1 but $BIN does not exist; build it first" >&2; exit 1; }
    return
  fi
  log "building release (cargo build --release --bin krispyto)"
  (cd "$ROOT" && cargo build --release --bin krispyto)
}

ensure_wrk() {
  command -v wrk >/dev/null && return
  log "wrk is missing: installing it from Debian"
  if [[ $(id -u) == 0 ]]; then
    apt-get -o DPkg::Lock::Timeout=300 install -y wrk >/dev/null \
      || { apt-get update >/dev/null && apt-get -o DPkg::Lock::Timeout=300 install -y wrk >/dev/null; }
  else
    sudo apt-get install -y wrk >/dev/null
  fi
  command -v wrk >/dev/null || { echo "could not install wrk; install it (apt-get install wrk) and rerun" >&2; exit 1; }
}

# new_database STORE -> sets DB_URL to a new, empty database of that store. Not to be
# called in a subshell: the PostgreSQL database is recorded for the cleanup at exit.
new_database() {
  case $1 in
    sqlite) DB_URL="sqlite://$WORK/bench-$RANDOM.db" ;;
    postgres)
      local db="krispyto_bench_$$_$RANDOM"
      psql "$PG_ADMIN_URL/postgres" -qc "CREATE DATABASE $db" >/dev/null \
        || { echo "cannot create database $db at $PG_ADMIN_URL; is PostgreSQL running?" >&2; exit 1; }
      PG_DATABASES+=("$db")
      DB_URL="$PG_ADMIN_URL/$db" ;;
    *) echo "unknown store '$1' (use sqlite or postgres)" >&2; exit 1 ;;
  esac
}

# timed_import URL PATH... -> prints "wall_seconds peak_rss_kb import_seconds" of
# `krispyto import` (wall time includes starting up and migrating a fresh database;
# import_seconds is what the importer itself reports: reading, checking and writing).
timed_import() {
  local url=$1; shift
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$WORK/import.rss" \
    env DATABASE_URL="$url" RUST_LOG="$BENCH_RUST_LOG" "$BIN" import --quiet "$@" >"$WORK/import.out"
  end=$(date +%s.%N)
  log "$(cat "$WORK/import.out")"
  printf '%.2f %s %s\n' "$(echo "$end - $start" | bc)" "$(cat "$WORK/import.rss")" \
    "$(grep -o 'in [0-9.]* s' "$WORK/import.out" | cut -d' ' -f2)"
}

# start_server URL [VAR=VALUE...]: extra environment for the server (e.g. its cache turned off).
start_server() {
  local url=$1; shift
  env "$@" DATABASE_URL="$url" RUST_LOG="$BENCH_RUST_LOG" "$BIN" serve --addr "127.0.0.1:$PORT" \
    >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then return; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; echo "the server exited" >&2; exit 1; }
    sleep 0.1
  done
  echo "the server did not answer /healthz within 60 s" >&2; exit 1
}

stop_server() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

# server_memory -> "VmRSS_kB VmHWM_kB" of the running server.
server_memory() {
  awk '/^VmRSS:/ {rss=$2} /^VmHWM:/ {hwm=$2} END {print rss, hwm}' "/proc/$SERVER_PID/status"
}

# date_paths FIRST LAST TEMPLATE -> one path per day, TEMPLATE with {date} replaced.
date_paths() {
  local first last
  first=$(date -u -d "$1" +%s); last=$(date -u -d "$2" +%s)
  seq "$first" 86400 "$last" | sed 's/^/@/' | date -u -f - +%F \
    | awk -v template="$3" '{ line = template; sub(/\{date\}/, $0, line); print line }'
}

# drive NAME PATHS_FILE CONNECTIONS SECONDS [ACCEPT_ENCODING] -> prints "rps p50_ms p99_ms
# errors", or "n/a" when the route answers 404 (it does not exist on this build yet).
# ACCEPT_ENCODING (e.g. "gzip, deflate") is sent with every request when given.
drive() {
  local name=$1 paths=$2 connections=$3 seconds=$4 accept_encoding=${5:-}
  local first code
  first=$(head -n1 "$paths")
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$first")
  if [[ $code == 404 ]]; then
    log "$name: $first answers 404, skipped"
    echo "n/a"; return
  fi
  local threads=$WRK_THREADS
  (( threads > connections )) && threads=$connections
  log "$name: $connections connections, ${seconds}s, $(wc -l <"$paths") distinct paths"
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s -s "$ROOT/bench/wrk.lua" \
    "http://127.0.0.1:$PORT" -- "$paths" "$accept_encoding" >"$WORK/wrk.out" 2>&1 || { cat "$WORK/wrk.out" >&2; echo "n/a"; return; }
  awk '/^RESULT/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      print v["rps"], v["p50_ms"], v["p99_ms"], v["errors"]
    }' "$WORK/wrk.out"
}
