#!/usr/bin/env bash
# The compose topology without containers, all on 127.0.0.1: two krispyto replicas + nginx
# (deploy/nginx.conf, addresses swapped) + PostgreSQL (a fresh database, dropped afterwards) +
# Redis (a key prefix of its own). Checks that
#   1. both replicas, started at once on the empty database with --data, load the data once
#      (37,082 rows, one import between them);
#   2. under wrk load through nginx, replica 1 killed (SIGKILL) and restarted, then replica 2
#      stopped (SIGTERM) and restarted, costs no request;
#   3. a write through replica 1 is read through replica 2 within 1 s.
# Prints one summary line; exits non-zero on the first failed check.
#
#   bash deploy/cluster-test.sh
#
# Settings: KRISPYTO_BIN [built: cargo build --bin krispyto], KRISPYTO_REAL_DATA
# [../shared/data/kaggle-crypto], PG_ADMIN_URL [postgres://postgres@127.0.0.1:5432/postgres],
# REDIS_URL [redis://127.0.0.1:6379], LOAD_SECONDS [24], WRK_CONNECTIONS [16].
# Needs: nginx, wrk, psql, curl, jq (apt-get install nginx wrk postgresql-client curl jq).
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=$(realpath "${KRISPYTO_REAL_DATA:-../shared/data/kaggle-crypto}")
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN_URL%/*}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
LOAD_SECONDS=${LOAD_SECONDS:-24}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-16}
DB=krispyto_cluster_$$_$(date +%s)
PREFIX=krispyto-cluster:$$:$(date +%s%N)
API_KEY=cluster-test-$$-$RANDOM$RANDOM

log() { printf '==> %s\n' "$*" >&2; }
fail() {
  printf 'cluster-test: FAIL: %s\n' "$*" >&2
  for f in "$work"/replica-*.log "$work"/nginx/error.log; do
    [ -s "$f" ] && { echo "--- $f (last lines)" >&2; tail -n 15 "$f" >&2; }
  done
  exit 1
}

for tool in nginx wrk psql curl jq; do
  command -v "$tool" >/dev/null || { echo "cluster-test: needs $tool" >&2; exit 1; }
done
[ -d "$DATA" ] || { echo "cluster-test: the real data is not at $DATA; set KRISPYTO_REAL_DATA" >&2; exit 1; }

work=$(mktemp -d /tmp/krispyto-cluster.XXXXXX)
declare -A PIDS=()
cleanup() {
  # nginx by SIGTERM, so that its master takes its workers down with it (a SIGKILLed master
  # leaves them running, still bound to the port); the replicas by SIGKILL.
  [ -n "${PIDS[nginx]:-}" ] && { kill -TERM "${PIDS[nginx]}" 2>/dev/null || true; }
  for name in "${!PIDS[@]}"; do
    [ "$name" = nginx ] || kill -9 "${PIDS[$name]}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# The binary, copied: a shared target directory may be rebuilt under us by someone else.
if [ -z "${KRISPYTO_BIN:-}" ]; then
  log "cargo build --bin krispyto"
  cargo build --quiet --bin krispyto
  KRISPYTO_BIN=${CARGO_TARGET_DIR:-target}/debug/krispyto
fi
cp "$KRISPYTO_BIN" "$work/krispyto"
BIN=$work/krispyto

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
declare -A PORTS=([1]=$(free_port) [2]=$(free_port))
NGINX_PORT=$(free_port)

psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $DB" >/dev/null

# The environment compose.yaml gives each replica, pointed at this machine's services.
start_replica() {
  local n=$1
  DATABASE_URL="$PG_BASE/$DB" KRISPYTO_ADDR="127.0.0.1:${PORTS[$n]}" KRISPYTO_DATA="$DATA" \
    REDIS_URL="$REDIS_URL" KRISPYTO_REDIS_PREFIX="$PREFIX" KRISPYTO_API_KEYS="$API_KEY" \
    KRISPYTO_LOG_FORMAT=json RUST_LOG=info \
    "$BIN" serve >>"$work/replica-$n.log" 2>&1 &
  PIDS[$n]=$!
}

# Waits (up to 180 s) until `krispyto health` says replica n is ready.
wait_ready() {
  local n=$1
  for _ in $(seq 1 360); do
    "$BIN" health --addr "127.0.0.1:${PORTS[$n]}" >/dev/null 2>&1 && return 0
    kill -0 "${PIDS[$n]}" 2>/dev/null || fail "replica $n exited"
    sleep 0.5
  done
  fail "replica $n was not ready after 180 s"
}

# Waits (up to 30 s) until nginx sends load to replica n again: ready is not enough, since nginx
# keeps a failed upstream out for its fail_timeout. A rolling restart that stops the other
# replica before this would leave nginx with no live upstream.
wait_serving() {
  local n=$1 since=$2
  for _ in $(seq 1 300); do
    (( $(tail -n +"$((since + 1))" "$work/replica-$n.log" | grep '"request answered"' | grep -vc '/readyz') >= 20 )) && return 0
    sleep 0.1
  done
  fail "nginx sent no load to replica $n within 30 s of it being ready"
}

log "1. two replicas at once on the empty database $DB, both with --data"
started=$(date +%s%N)
start_replica 1
start_replica 2
wait_ready 1
wait_ready 2
ready_ms=$(( ($(date +%s%N) - started) / 1000000 ))
rows=$(psql "$PG_BASE/$DB" -Atc 'SELECT COUNT(*) FROM record')
[ "$rows" = 37082 ] || fail "the database holds $rows records, expected 37082"
# Rows each replica's startup import wrote or looked at (inserted, updated or unchanged):
# loaded once means 37,082 in all, from one replica.
imported_by() {
  curl -fsS "http://127.0.0.1:${PORTS[$1]}/metrics" \
    | awk '/^krispyto_imported_rows_total/ {s += $NF} END {print s + 0}'
}
imported=$(( $(imported_by 1) + $(imported_by 2) ))
[ "$imported" = 37082 ] || fail "the replicas imported $imported rows between them: the data was loaded more than once"
importers=$(grep -l 'the database is empty; importing' "$work"/replica-*.log | wc -l)
[ "$importers" = 1 ] || fail "$importers replicas imported the data"
log "   both ready after ${ready_ms} ms; $rows rows, imported once"

log "2. nginx on 127.0.0.1:$NGINX_PORT in front, deploy/nginx.conf with these addresses"
mkdir -p "$work/nginx"
sed -e "s/server krispyto-1:8000/server 127.0.0.1:${PORTS[1]}/" \
    -e "s/server krispyto-2:8000/server 127.0.0.1:${PORTS[2]}/" \
    -e "s/listen 8000;/listen 127.0.0.1:$NGINX_PORT;/" \
    -e "s|^http {|http {\n    access_log off;\n    client_body_temp_path $work/nginx/body;\n    proxy_temp_path $work/nginx/proxy;\n    fastcgi_temp_path $work/nginx/fastcgi;\n    uwsgi_temp_path $work/nginx/uwsgi;\n    scgi_temp_path $work/nginx/scgi;|" \
    deploy/nginx.conf >"$work/nginx/nginx.conf"
grep -q "127.0.0.1:${PORTS[2]}" "$work/nginx/nginx.conf" || fail "deploy/nginx.conf no longer names krispyto-1/krispyto-2:8000"
# Workers as root: they write temp files under $work, which only root may enter.
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" \
  -g "daemon off; user root; pid $work/nginx/nginx.pid; error_log $work/nginx/error.log;" \
  2>>"$work/nginx/error.log" &
PIDS[nginx]=$!
for _ in $(seq 1 50); do curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT/healthz" 2>/dev/null && break; sleep 0.2; done
curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT/readyz" || fail "nginx does not answer on 127.0.0.1:$NGINX_PORT"

log "   wrk ${LOAD_SECONDS}s, $WRK_CONNECTIONS connections through nginx; replica 1 killed -9 and restarted, then replica 2 stopped and restarted"
cat >"$work/paths" <<'PATHS'
/dashboard?id=all
/dashboard?id=btc&date=2021-07-06
/search?name=bitcoin
/api/v1/coins/ETH
/api/v1/markets?per_page=10
/api/v1/coins/BTC/history?from=2021-01-01&to=2021-07-06&interval=1w
/healthz
PATHS
wrk -t2 -c"$WRK_CONNECTIONS" -d"${LOAD_SECONDS}s" --timeout 10s -s bench/wrk.lua \
  "http://127.0.0.1:$NGINX_PORT" -- "$work/paths" >"$work/wrk.out" 2>&1 &
wrk_pid=$!
load_started=$(date +%s)
sleep 3
kill -9 "${PIDS[1]}"; wait "${PIDS[1]}" 2>/dev/null || true
sleep 2
log_lines=$(wc -l <"$work/replica-1.log")
start_replica 1
wait_ready 1
wait_serving 1 "$log_lines"
restart1_s=$(( $(date +%s) - load_started ))
sleep 1
kill -TERM "${PIDS[2]}"; wait "${PIDS[2]}" 2>/dev/null || true
sleep 2
start_replica 2
wait_ready 2
restart2_s=$(( $(date +%s) - load_started ))
(( restart2_s + 2 < LOAD_SECONDS )) || fail "the restarts took ${restart2_s}s, longer than the load (${LOAD_SECONDS}s): raise LOAD_SECONDS"
wait "$wrk_pid" || fail "wrk failed: $(cat "$work/wrk.out")"
result=$(grep '^RESULT' "$work/wrk.out") || fail "wrk printed no RESULT: $(cat "$work/wrk.out")"
requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$result")
errors=$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$result")
rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$result")
p99=$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$result")
[ "$requests" -gt 0 ] || fail "wrk sent no request"
[ "$errors" = 0 ] || fail "$errors of $requests requests failed through nginx while a replica was down: $result"
log "   $requests requests, 0 failed ($rps req/s, p99 $p99 ms)"

log "3. a write through replica 1, read through replica 2"
auth=(-H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/json')
curl -fsS -o /dev/null -X PUT "${auth[@]}" -d '{"name":"Cluster Test A"}' "http://127.0.0.1:${PORTS[1]}/api/v1/coins/ZZCT"
curl -fsS -o /dev/null -X POST "${auth[@]}" \
  -d '[{"date":"2021-07-06","open":1,"high":1,"low":1,"close":1,"volume":1,"market_cap":1}]' \
  "http://127.0.0.1:${PORTS[1]}/api/v1/coins/ZZCT/records"
name_on_2() { curl -fsS "http://127.0.0.1:${PORTS[2]}/api/v1/coins/ZZCT" 2>/dev/null | jq -r .name; }
# Replica 2 sees (and caches) the coin first, so the rename must get past its cache.
for _ in $(seq 1 50); do [ "$(name_on_2)" = "Cluster Test A" ] && break; sleep 0.1; done
[ "$(name_on_2)" = "Cluster Test A" ] || fail "replica 2 never saw the coin written through replica 1"
written=$(date +%s%N)
curl -fsS -o /dev/null -X PUT "${auth[@]}" -d '{"name":"Cluster Test B"}' "http://127.0.0.1:${PORTS[1]}/api/v1/coins/ZZCT"
seen_ms=
while (( ($(date +%s%N) - written) / 1000000 < 3000 )); do
  if [ "$(name_on_2)" = "Cluster Test B" ]; then seen_ms=$(( ($(date +%s%N) - written) / 1000000 )); break; fi
  sleep 0.01
done
[ -n "$seen_ms" ] || fail "replica 2 did not see the rename within 3 s"
(( seen_ms <= 1000 )) || fail "replica 2 saw the rename after ${seen_ms} ms (> 1 s)"
log "   seen after ${seen_ms} ms"

echo "cluster-test: PASS: 2 replicas + nginx + PostgreSQL + Redis on 127.0.0.1; both started at once with --data: 37082 rows, imported once (ready in ${ready_ms} ms); wrk ${LOAD_SECONDS}s x ${WRK_CONNECTIONS} conn through nginx, replica 1 killed -9 + restarted (ready at ${restart1_s}s), replica 2 stopped + restarted (ready at ${restart2_s}s): ${requests} requests, 0 failed (${rps} req/s, p99 ${p99} ms); write via replica 1 read via replica 2 after ${seen_ms} ms"
