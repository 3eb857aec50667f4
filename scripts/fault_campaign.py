#!/usr/bin/env python3
"""Fault-injection campaign against a krispyto binary (issue 10), bounded in time and count,
127.0.0.1 only. Runs its own PostgreSQL (initdb in a temp dir, another port) and its own
redis-server, and kills those, never the shared ones. Prints one line per check and a
summary table (markdown) at the end; exits non-zero when a check failed.

Usage: scripts/fault-campaign.sh (builds the binary, then runs this with it).
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BIN = sys.argv[1]
DATA = sys.argv[2]
PG_PORT = int(os.environ.get("CAMPAIGN_PG_PORT", "55432"))
REDIS_PORT = int(os.environ.get("CAMPAIGN_REDIS_PORT", "56379"))
HTTP_PORT = int(os.environ.get("CAMPAIGN_HTTP_PORT", "58000"))
LOAD_SECS = int(os.environ.get("CAMPAIGN_LOAD_SECS", "10"))
SLOW_CLIENTS = int(os.environ.get("CAMPAIGN_SLOW_CLIENTS", "1100"))
HOST = "127.0.0.1"

WORK = tempfile.mkdtemp(prefix="krispyto-campaign-")
RESULTS = []  # (area, check, figure, ok)
CHILDREN = []


def note(area, check, figure, ok):
    RESULTS.append((area, check, figure, ok))
    print(f"[{'ok' if ok else 'FAIL'}] {area}: {check}: {figure}", flush=True)


def run(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


# ---------------------------------------------------------------- private services


def pg_bin(name):
    found = shutil.which(name)
    if found:
        return found
    for version in sorted(os.listdir("/usr/lib/postgresql"), reverse=True):
        path = f"/usr/lib/postgresql/{version}/bin/{name}"
        if os.path.exists(path):
            return path
    raise SystemExit(f"{name} not found")


PGDATA = os.path.join(WORK, "pg")
PG_USER_ARGS = []


def pg_as_postgres(args):
    # initdb and postgres refuse to run as root: run them as the postgres user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + args
    return args


def start_postgres(first=False):
    if first:
        os.makedirs(PGDATA)
        if os.geteuid() == 0:
            shutil.chown(WORK, "postgres")
            shutil.chown(PGDATA, "postgres")
        r = run(*pg_as_postgres([pg_bin("initdb"), "-D", PGDATA, "-U", "postgres", "-A", "trust"]))
        if r.returncode != 0:
            raise SystemExit("initdb failed: " + r.stderr)
    r = run(*pg_as_postgres([pg_bin("pg_ctl"), "-D", PGDATA, "-l", os.path.join(PGDATA, "log"), "-w",
                             "-o", f"-p {PG_PORT} -k {PGDATA} -c listen_addresses=127.0.0.1 -c fsync=off",
                             "start"]))
    if r.returncode != 0:
        raise SystemExit("pg_ctl start failed: " + r.stderr + r.stdout)


def kill_postgres():
    """SIGKILL the postmaster (a crash, not a shutdown), then let the children die."""
    with open(os.path.join(PGDATA, "postmaster.pid")) as f:
        pid = int(f.readline())
    os.kill(pid, signal.SIGKILL)
    for child in run("pgrep", "-P", str(pid)).stdout.split():
        try:
            os.kill(int(child), signal.SIGKILL)
        except ProcessLookupError:
            pass
    time.sleep(0.5)
    try:
        os.remove(os.path.join(PGDATA, "postmaster.pid"))
    except FileNotFoundError:
        pass


def stop_postgres():
    run(*pg_as_postgres([pg_bin("pg_ctl"), "-D", PGDATA, "-m", "immediate", "stop"]))


def start_redis():
    p = subprocess.Popen(["redis-server", "--port", str(REDIS_PORT), "--bind", HOST, "--save", "",
                          "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    CHILDREN.append(p)
    wait_port(REDIS_PORT)
    return p


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


# ---------------------------------------------------------------- the server

DB_URL = f"postgres://postgres@{HOST}:{PG_PORT}/krispyto"


def start_server(extra_env=None, nofile=1024):
    env = dict(os.environ, DATABASE_URL=DB_URL, REDIS_URL=f"redis://{HOST}:{REDIS_PORT}",
               KRISPYTO_ADDR=f"{HOST}:{HTTP_PORT}", KRISPYTO_API_KEYS="campaign-key",
               KRISPYTO_HEADER_READ_TIMEOUT="5", KRISPYTO_ACCESS_LOG_SAMPLE="1000",
               KRISPYTO_SHUTDOWN_TIMEOUT="5", RUST_LOG="warn")
    env.update(extra_env or {})
    log = open(os.path.join(WORK, "server.log"), "a")
    # The common 1,024-file limit as the soft and the hard limit: the server cannot raise it.
    p = subprocess.Popen(["prlimit", f"--nofile={nofile}:{nofile}", BIN, "serve"], env=env,
                         stdout=log, stderr=log)
    CHILDREN.append(p)
    wait_port(HTTP_PORT)
    return p


def request(method, path, body=None, headers=None, timeout=10):
    """(status, body bytes, seconds); status 0 for no answer."""
    started = time.time()
    conn = http.client.HTTPConnection(HOST, HTTP_PORT, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return r.status, data, time.time() - started, dict(r.getheaders())
    except Exception:
        return 0, b"", time.time() - started, {}
    finally:
        conn.close()


def get(path, timeout=10):
    return request("GET", path, timeout=timeout)


def wrk(path, secs, connections=32):
    """wrk's requests, non-2xx/3xx count, socket errors and requests/s."""
    r = run("wrk", "-t2", f"-c{connections}", f"-d{secs}s", "--latency", f"http://{HOST}:{HTTP_PORT}{path}")
    out = r.stdout
    requests = non2xx = errors = 0
    rps = 0.0
    for line in out.splitlines():
        line = line.strip()
        if "requests in" in line:
            requests = int(line.split()[0])
        elif line.startswith("Non-2xx or 3xx responses:"):
            non2xx = int(line.split(":")[1])
        elif line.startswith("Socket errors:"):
            parts = line.replace(",", "").split()
            errors = sum(int(parts[i + 1]) for i, w in enumerate(parts) if w in ("connect", "read", "write", "timeout"))
        elif line.startswith("Requests/sec:"):
            rps = float(line.split()[1])
    return requests, non2xx, errors, rps


def fingerprint():
    """What the data looks like: the coin list (with day counts) and BTC's full history."""
    s1, coins, _, _ = get("/api/v1/coins")
    s2, btc, _, _ = get("/api/v1/coins/BTC/history")
    return (s1, s2, coins, btc)


# ---------------------------------------------------------------- phases


def phase_load():
    for path in ["/healthz", "/dashboard?id=all", "/api/v1/markets", "/search?name=bitcoin"]:
        n, bad, errors, rps = wrk(path, LOAD_SECS)
        note("load", f"wrk 32 conns {LOAD_SECS}s {path}", f"{n} requests, {rps:.0f} req/s, {bad} non-2xx, {errors} socket errors",
             bad == 0 and errors == 0 and n > 0)


def phase_slowloris():
    """SLOW_CLIENTS connections that send a partial request and trickle a byte every 2 s,
    with the server at 1,024 files; a normal client must still be served, and every slow
    connection closed by the server within the header timeout (5 s) plus slack."""
    socks = []
    refused = 0
    opened_at = time.time()
    for _ in range(SLOW_CLIENTS):
        try:
            s = socket.create_connection((HOST, HTTP_PORT), timeout=0.2)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            s.setblocking(False)
            socks.append(s)
        except OSError:
            # Cap reached and the kernel's backlog full: the connection waits or is dropped.
            refused += 1
    normal = {}

    def normal_client():
        normal["answer"] = get("/healthz", timeout=30)

    t = threading.Thread(target=normal_client)
    t.start()
    closed_at = {}
    deadline = time.time() + 30
    while time.time() < deadline and len(closed_at) < len(socks):
        for i, s in enumerate(socks):
            if i in closed_at:
                continue
            try:
                s.send(b"a")
                data = s.recv(1024)
                if data == b"":
                    closed_at[i] = time.time()
            except BlockingIOError:
                pass
            except OSError:
                closed_at[i] = time.time()
        time.sleep(2)
    t.join()
    for s in socks:
        s.close()
    status, _, seconds, _ = normal["answer"]
    slowest = max(closed_at.values()) - opened_at if closed_at else float("inf")
    note("slow clients", f"{SLOW_CLIENTS} trickling clients at a 1,024-file limit ({len(socks)} connected, {refused} waited out the backlog)",
         f"{len(closed_at)} closed by the server, the last {slowest:.1f} s after the first opened",
         len(closed_at) == len(socks) and slowest < 30)
    note("slow clients", "a normal client meanwhile", f"HTTP {status} after {seconds:.1f} s",
         status == 200)


def phase_redis_killed(redis):
    result = {}

    def load():
        result["wrk"] = wrk("/dashboard?id=all&date=2021-7-1", LOAD_SECS)

    t = threading.Thread(target=load)
    t.start()
    time.sleep(LOAD_SECS / 3)
    redis.kill()
    redis.wait()
    t.join()
    n, bad, errors, rps = result["wrk"]
    note("faults", "Redis SIGKILLed under load", f"{n} requests, {bad} non-2xx, {errors} socket errors",
         bad == 0 and errors == 0)
    return start_redis()


def phase_postgres_killed(before):
    cached = get("/api/v1/coins")
    kill_postgres()
    time.sleep(0.2)
    ready = get("/readyz", timeout=5)
    uncached = get("/api/v1/coins/ETH/history?interval=1w", timeout=5)
    still = get("/api/v1/coins")
    note("faults", "PostgreSQL SIGKILLed: /readyz", f"HTTP {ready[0]} in {ready[2]*1000:.0f} ms",
         ready[0] == 503 and ready[2] < 1.0)
    body_json = uncached[1].startswith(b"{")
    note("faults", "PostgreSQL down: a request that needs it", f"HTTP {uncached[0]} (JSON: {body_json}) in {uncached[2]*1000:.0f} ms",
         uncached[0] == 503 and body_json and uncached[2] < 1.0)
    note("faults", "PostgreSQL down: a cached answer", f"HTTP {still[0]}, same body: {still[1] == cached[1]}",
         still[0] == 200 and still[1] == cached[1])
    n, bad, errors, rps = wrk("/api/v1/coins/BTC/history?interval=1M", 3, connections=8)
    note("faults", "PostgreSQL down: load on a route that needs it (3 s)",
         f"{n} answers ({bad} of them 503 at once), {errors} socket errors", errors == 0)
    restarted = time.time()
    start_postgres()
    recovered = None
    while time.time() - restarted < 15:
        if get("/readyz", timeout=2)[0] == 200 and get("/api/v1/coins/ETH/history?interval=1w", timeout=2)[0] == 200:
            recovered = time.time() - restarted
            break
        time.sleep(0.05)
    note("faults", "PostgreSQL back: answers right again", f"after {recovered:.2f} s" if recovered else "never",
         recovered is not None and recovered < 3.0)
    note("nothing lost", "data after the PostgreSQL crash", "identical" if fingerprint() == before else "DIFFERENT",
         fingerprint() == before)


def generated_data(rows_wanted):
    """A synthetic data set of about rows_wanted rows, from `krispyto gen` (SYN_ symbols)."""
    out = os.path.join(WORK, "gen")
    days = 570
    coins = max(1, rows_wanted // days)
    r = run(BIN, "gen", "--coins", str(coins), "--days", str(days), "--out", out)
    if r.returncode != 0:
        raise SystemExit("gen failed: " + r.stderr)
    return out


def psql(sql):
    return run("psql", "-h", HOST, "-p", str(PG_PORT), "-U", "postgres", "-d", "krispyto", "-XAtq", "-c", sql)


def phase_import_killed(before, gen_dir):
    """SIGKILL an import while its transaction is writing rows (COPY seen in
    pg_stat_activity): nothing of it may show."""
    env = dict(os.environ, DATABASE_URL=DB_URL)
    p = subprocess.Popen([BIN, "import", "--quiet", gen_dir], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    writing = False
    deadline = time.time() + 60
    while p.poll() is None and time.time() < deadline:
        r = psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'krispyto' "
                 "AND state = 'active' AND query LIKE 'COPY record%'")
        if r.stdout.strip() not in ("", "0"):
            writing = True
            break
        time.sleep(0.02)
    p.kill()
    p.wait()
    note("faults", "import SIGKILLed while writing", "caught in COPY" if writing else "NOT caught while writing", writing)
    time.sleep(1.2)  # the generation poll
    note("faults", "import SIGKILLed mid-way", "data identical" if fingerprint() == before else "DATA CHANGED",
         fingerprint() == before)


def phase_import_readers(gen_dir):
    """Readers that need the database (each URL new to the cache) during a large import into
    the live database: the worst wait of any."""
    env = dict(os.environ, DATABASE_URL=DB_URL)
    p = subprocess.Popen([BIN, "import", "--quiet", gen_dir], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    import datetime
    locked = {"tries": 0, "timeouts": 0}

    def lock_prober():
        # The exact criterion: a plain read of `record` that waits for a lock > 100 ms fails.
        while p.poll() is None:
            r = psql("SET lock_timeout = '100ms'; SELECT count(*) FROM record WHERE date = '2021-07-06'")
            locked["tries"] += 1
            locked["timeouts"] += "lock timeout" in r.stderr
            time.sleep(0.05)

    prober = threading.Thread(target=lock_prober)
    prober.start()
    worst = 0.0
    count = bad = 0
    day = datetime.date(2014, 1, 1)
    while p.poll() is None:
        day += datetime.timedelta(days=1)
        status, _, seconds, _ = get(f"/api/v1/coins/BTC/history?from=2013-06-01&to={day}&interval=1d")
        count += 1
        bad += status != 200
        worst = max(worst, seconds)
    prober.join()
    out = p.stdout.read().strip()
    note("import", "the large import into the live database", out.splitlines()[-1] if out else "no output", p.returncode == 0)
    note("import", f"{count} uncached HTTP reads during it", f"worst {worst*1000:.0f} ms, {bad} not 200", bad == 0 and worst < 0.25)
    note("import", f"{locked['tries']} SQL reads with lock_timeout 100 ms during it", f"{locked['timeouts']} hit the lock timeout",
         locked["tries"] > 0 and locked["timeouts"] == 0)


def phase_bad_inputs():
    key = {"Authorization": "Bearer campaign-key"}
    cases = [
        ("GET", "/dashboard?id=" + "btc," * 6000, None, {}, 414),
        ("GET", "/healthz", None, {"X-Big": "a" * 40000}, 431),
        ("GET", "/dashboard?id=" + ",".join(["btc"] * 1001), None, {}, 400),
        ("GET", "/api/v1/stats?ids=" + ",".join(["eth"] * 1001), None, {}, 400),
        ("GET", "/dashboard?id=btc&date=2021-13-45", None, {}, 400),
        ("GET", "/dashboard?id=btc&date=99999999999-1-1", None, {}, 400),
        ("GET", "/dashboard", None, {}, 400),
        ("GET", "/api/v1/coins/BTC/history?from=2021-01-01&to=2020-01-01", None, {}, 400),
        ("GET", "/api/v1/markets?per_page=100000", None, {}, 400),
        ("GET", "/api/v1/search?q=" + "x" * 5000, None, {}, 400),
        ("GET", "/api/v1/coins/%2e%2e%2f%2e%2e%2fetc%2fpasswd", None, {}, 404),
        ("GET", "/api/v1/coins/%00%01", None, {}, None),
        ("GET", "/search?name=%ff%fe", None, {}, None),
        ("PUT", "/api/v1/coins/DOGE", b'{"name":"Dogecoin"}', dict(key, **{"Content-Type": "text/plain"}), 415),
        ("PUT", "/api/v1/coins/DOGE", b'{"name":"Dogecoin"}', dict(key), 415),
        ("POST", "/api/v1/coins/BTC/records", b"[" + b",".join([b'{"date":"2021-01-01","open":-1}'] * 20000) + b"]",
         dict(key, **{"Content-Type": "application/json"}), 422),
        ("POST", "/api/v1/coins/BTC/records", b"x" * (2 * 1024 * 1024), dict(key, **{"Content-Type": "application/json"}), 413),
        ("POST", "/api/v1/coins/BTC/records", b"[{", dict(key, **{"Content-Type": "application/json"}), 400),
        ("POST", "/api/v1/coins/BTC/records", b"[]", {"Content-Type": "application/json"}, 401),
        ("DELETE", "/api/v1/coins/BTC", None, dict(key), 405),
    ]
    ok_count = 0
    for method, path, body, headers, expected in cases:
        status, data, seconds, resp_headers = request(method, path, body=body, headers=headers)
        is_json = resp_headers.get("content-type", resp_headers.get("Content-Type", "")).startswith("application/json")
        fine = status != 0 and status < 500 and is_json and (expected is None or status == expected)
        if status == 422:
            listed = len(json.loads(data)["invalid"])
            fine = fine and listed <= 100
        ok_count += fine
        if not fine:
            print(f"    bad input {method} {path[:60]}: HTTP {status}, JSON {is_json}, expected {expected}", flush=True)
    # Bytes that are not HTTP: hyper answers 400 with an empty body (documented).
    s = socket.create_connection((HOST, HTTP_PORT), timeout=5)
    s.sendall(b"\x00\xff\xfe GARBAGE \r\n\r\n")
    raw = s.recv(4096)
    s.close()
    raw_400 = raw.startswith(b"HTTP/1.1 400")
    note("bad inputs", f"{len(cases)} abusive requests (+ raw garbage bytes)",
         f"{ok_count} answered as expected in JSON, none 5xx; garbage bytes: {raw[:12]!r}",
         ok_count == len(cases) and raw_400)
    alive = get("/healthz")[0] == 200
    note("bad inputs", "the server afterwards", "alive" if alive else "DEAD", alive)


def phase_concurrent_writers(before_rows):
    """8 writers at once, each its own coin, 50 records each: everything written, once."""
    key = {"Authorization": "Bearer campaign-key", "Content-Type": "application/json"}
    errors = []

    def writer(i):
        symbol = f"CW_{i}"
        s, _, _, _ = request("PUT", f"/api/v1/coins/{symbol}", body=json.dumps({"name": f"Campaign Writer {i}"}).encode(), headers=key)
        if s not in (200, 201):
            errors.append((symbol, s))
        for batch in range(5):
            recs = [{"date": f"2030-01-{d + 1:02d}", "open": 1, "high": 2, "low": 0.5, "close": 1.5 + batch,
                     "volume": 10, "market_cap": 100} for d in range(batch * 6, batch * 6 + 6)]
            s, _, _, _ = request("POST", f"/api/v1/coins/{symbol}/records", body=json.dumps(recs).encode(), headers=key)
            if s != 200:
                errors.append((symbol, s))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    s, body, _, _ = get("/api/v1/coins")
    coins = {c["symbol"]: c["days"] for c in json.loads(body)}
    written = all(coins.get(f"CW_{i}") == 30 for i in range(8))
    note("faults", "8 concurrent writers (40 write requests)", f"{len(errors)} failed; each coin has {sorted(set(coins.get(f'CW_{i}') for i in range(8)))} days",
         not errors and written)


def phase_shutdown(server):
    s = socket.create_connection((HOST, HTTP_PORT), timeout=5)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Half: ")
    time.sleep(0.3)
    started = time.time()
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=40)
        took = time.time() - started
    except subprocess.TimeoutExpired:
        took = None
        server.kill()
    s.close()
    note("shutdown", "SIGTERM with a half-sent request held open (--shutdown-timeout 5)",
         f"exited after {took:.1f} s" if took is not None else "still running after 40 s",
         took is not None and took < 7)


def main():
    started = time.time()
    try:
        start_postgres(first=True)
        run("createdb", "-h", HOST, "-p", str(PG_PORT), "-U", "postgres", "krispyto")
        redis = start_redis()
        r = run(BIN, "import", "--quiet", DATA, env=dict(os.environ, DATABASE_URL=DB_URL))
        note("setup", "real data imported into the private PostgreSQL", r.stdout.strip() or r.stderr.strip(), r.returncode == 0)
        gen_dir = generated_data(570_000)
        server = start_server()
        before = fingerprint()
        phase_load()
        phase_slowloris()
        redis = phase_redis_killed(redis)
        phase_postgres_killed(before)
        phase_import_killed(before, gen_dir)
        phase_bad_inputs()
        phase_concurrent_writers(before)
        phase_import_readers(gen_dir)
        s, body, _, _ = get("/api/v1/coins")
        coins = json.loads(body)
        real = [c for c in coins if not c["symbol"].startswith(("SYN_", "CW_"))]
        real_rows = sum(c["days"] for c in real)
        names = {c["symbol"]: c["name"] for c in real}
        note("nothing lost", "the real data at the end", f"{len(real)} coins, {real_rows} rows, ADA is '{names.get('ADA')}'",
             len(real) == 23 and real_rows == 37082 and names.get("ADA") == "Cardano")
        phase_shutdown(server)
    finally:
        for p in CHILDREN:
            if p.poll() is None:
                p.kill()
        stop_postgres()
        shutil.rmtree(WORK, ignore_errors=True)
    failed = [r for r in RESULTS if not r[3]]
    print(f"\n{len(RESULTS) - len(failed)} passed, {len(failed)} failed ({time.time() - started:.0f} s)")
    print("\n| area | check | figure | |\n| --- | --- | --- | --- |")
    for area, check, figure, ok in RESULTS:
        print(f"| {area} | {check} | {figure} | {'ok' if ok else 'FAILED'} |")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
