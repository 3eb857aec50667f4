#!/usr/bin/env bash
# Proof that the image works: builds it, runs it against PostgreSQL (a fresh database, dropped
# afterwards) and on its SQLite default (a fresh volume, removed afterwards), both seeded from
# the real Kaggle data mounted read-only, and checks that it runs as non-root, that its
# HEALTHCHECK turns healthy, and that /dashboard answers the real data. Then validates
# compose.yaml with docker-compose. Prints one summary line.
#
#   bash deploy/docker-test.sh
#
# Host networking throughout (our machines have no Docker bridge). Where no image registry
# is reachable the base images are made locally first (deploy/local-images.sh); elsewhere set
#   RUST_IMAGE=rust:1-slim-bookworm RUNTIME_IMAGE=debian:bookworm-slim
# Settings: IMAGE [krispyto:test], KRISPYTO_REAL_DATA [../shared/data/kaggle-crypto],
# PG_ADMIN_URL [postgres://postgres@127.0.0.1:5432/postgres], SKIP_BUILD=1 reuses IMAGE.
# Needs: docker (daemon running), docker-compose, psql, curl, jq.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-krispyto:test}
RUST_IMAGE=${RUST_IMAGE:-krispyto-rust:local}
RUNTIME_IMAGE=${RUNTIME_IMAGE:-debian:bookworm-slim}
DATA=$(realpath "${KRISPYTO_REAL_DATA:-../shared/data/kaggle-crypto}")
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN_URL%/*}
DB=krispyto_docker_$$_$(date +%s)
VOLUME=krispyto-docker-test-$$
CONTAINERS=()

log() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'docker-test: FAIL: %s\n' "$*" >&2; exit 1; }

cleanup() {
  for c in "${CONTAINERS[@]}"; do
    docker rm -f -v "$c" >/dev/null 2>&1 || true  # -v: the anonymous volume of VOLUME too
  done
  docker volume rm "$VOLUME" >/dev/null 2>&1 || true
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

docker info >/dev/null 2>&1 \
  || fail "no Docker daemon answers; start one (here: dockerd --bridge=none --iptables=false &)"
[ -d "$DATA" ] || fail "the real data is not at $DATA; set KRISPYTO_REAL_DATA"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if [ "${SKIP_BUILD:-}" != 1 ]; then
  if [ "$RUST_IMAGE" = krispyto-rust:local ]; then
    RUST_IMAGE=$RUST_IMAGE DEBIAN_IMAGE=$RUNTIME_IMAGE bash deploy/local-images.sh >&2
  fi
  log "docker build $IMAGE (builder $RUST_IMAGE, runtime $RUNTIME_IMAGE)"
  started=$(date +%s)
  docker build --network host -q \
    --build-arg RUST_IMAGE="$RUST_IMAGE" --build-arg RUNTIME_IMAGE="$RUNTIME_IMAGE" \
    -t "$IMAGE" . >/dev/null
  log "built in $(( $(date +%s) - started )) s"
fi
image_mb=$(( $(docker image inspect -f '{{.Size}}' "$IMAGE") / 1000000 ))

# Runs the image detached on a free loopback port, left in PORT. Called directly, not in
# $(...): the name must reach CONTAINERS in this shell for cleanup to remove the container.
run_container() {
  local name=$1; shift
  PORT=$(free_port)
  CONTAINERS+=("$name")
  docker run -d --name "$name" --network host \
    -e KRISPYTO_ADDR="127.0.0.1:$PORT" -e KRISPYTO_DATA=/data \
    -v "$DATA:/data:ro" "$@" "$IMAGE" >/dev/null
}

# Waits for Docker's own health status (the image's HEALTHCHECK) to turn healthy.
wait_healthy() {
  local name=$1 status
  for _ in $(seq 1 90); do
    status=$(docker inspect -f '{{.State.Health.Status}}' "$name")
    case $status in
      healthy) return 0 ;;
      unhealthy) docker logs "$name" 2>&1 | tail -20 >&2; fail "$name turned unhealthy" ;;
    esac
    [ "$(docker inspect -f '{{.State.Running}}' "$name")" = true ] \
      || { docker logs "$name" 2>&1 | tail -20 >&2; fail "$name exited"; }
    sleep 2
  done
  docker logs "$name" 2>&1 | tail -20 >&2
  fail "$name was not healthy after 180 s (status: $status)"
}

check_container() {
  local name=$1 port=$2 backend=$3 uid started healthy_after btc rows
  started=$(date +%s)
  uid=$(docker exec "$name" id -u)
  [ "$uid" != 0 ] || fail "$name runs as root"
  # The process itself, not just exec's default user.
  [ "$(docker exec "$name" sh -c 'stat -c %u /proc/1')" = "$uid" ] || fail "$name's PID 1 is not uid $uid"
  wait_healthy "$name"
  healthy_after=$(( $(date +%s) - started ))
  [ "$(curl -fsS "http://127.0.0.1:$port/readyz" | jq -r .database)" = "$backend" ] \
    || fail "$name does not serve from $backend"
  rows=$(curl -fsS "http://127.0.0.1:$port/dashboard?id=all&date=2021-07-06" | jq length)
  [ "$rows" = 23 ] || fail "$name: /dashboard?id=all has $rows coins, expected 23"
  btc=$(curl -fsS "http://127.0.0.1:$port/dashboard?id=btc&date=2021-07-06" | jq -r '.[0].price')
  [ "$btc" = 34235.19345116 ] || fail "$name: BTC on 2021-07-06 is $btc, expected 34235.19345116"
  echo "$backend: uid $uid, healthy after ${healthy_after}s, /dashboard 23 coins, BTC 34235.19345116"
}

log "PostgreSQL: fresh database $DB"
psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $DB" >/dev/null
run_container "krispyto-docker-pg-$$" -e DATABASE_URL="$PG_BASE/$DB"
pg_port=$PORT
pg_result=$(check_container "krispyto-docker-pg-$$" "$pg_port" postgres)
count=$(psql "$PG_BASE/$DB" -Atc 'SELECT COUNT(*) FROM record')
[ "$count" = 37082 ] || fail "PostgreSQL holds $count records, expected 37082"
log "$pg_result, 37082 rows"

log "SQLite default on volume $VOLUME"
docker volume create "$VOLUME" >/dev/null
run_container "krispyto-docker-sqlite-$$" -v "$VOLUME:/var/lib/krispyto"
sq_port=$PORT
sq_result=$(check_container "krispyto-docker-sqlite-$$" "$sq_port" sqlite)
docker exec "krispyto-docker-sqlite-$$" test -s /var/lib/krispyto/krispyto.db \
  || fail "the SQLite file is not on the volume"
log "$sq_result"

log "docker-compose config"
docker-compose --env-file .env.example -f compose.yaml config -q \
  || fail "docker-compose config rejects compose.yaml"

echo "docker-test: PASS: image ${image_mb} MB, non-root; $pg_result; $sq_result; compose.yaml valid"
