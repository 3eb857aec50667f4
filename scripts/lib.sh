# Sourced by the scripts that check a running krispyto (schemathesis.sh, coingecko-clients.sh):
# one way to build it, start it on the real data and stop it, so both check the same server.
#
# start_krispyto DATABASE_URL DATA [NAME=VALUE ...]
#   Builds the debug binary, copies it to a temporary $workdir (a target directory shared with
#   other checkouts may be rebuilt under us), starts it on a free port with the given extra
#   environment, and returns once /readyz answers (the import of DATA happens before the
#   server listens). Sets $workdir, $base and $server_pid; at exit the server is stopped and
#   $workdir removed. An empty DATABASE_URL means a fresh SQLite file in $workdir.

server_pid=""
workdir="$(mktemp -d)"
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

start_krispyto() {
    local database_url="${1:-sqlite://$workdir/krispyto.db}" data="$2"
    shift 2
    echo "==> building krispyto"
    cargo build --quiet --bin krispyto
    cp "${CARGO_TARGET_DIR:-$repo_root/target}/debug/krispyto" "$workdir/krispyto"

    # A free port: bind port 0, read it back, release it.
    local port
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    base="http://127.0.0.1:$port"
    echo "==> starting krispyto on $base with $data"
    env DATABASE_URL="$database_url" RUST_LOG="${RUST_LOG:-warn}" "$@" \
        "$workdir/krispyto" serve --addr "127.0.0.1:$port" --data "$data" \
        >"$workdir/server.log" 2>&1 &
    server_pid=$!

    for _ in $(seq 1 300); do
        curl -fsS "$base/readyz" >/dev/null 2>&1 && return 0
        if ! kill -0 "$server_pid" 2>/dev/null; then
            echo "krispyto exited before it was ready:" >&2
            cat "$workdir/server.log" >&2
            exit 1
        fi
        sleep 0.2
    done
    echo "krispyto did not become ready in 60 s:" >&2
    cat "$workdir/server.log" >&2
    exit 1
}
