//! Redis is never a reason to fail: with Redis at a closed port, and with a private
//! `redis-server` killed in the middle of a run, every request is answered, with the right data.

use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use serde_json::{json, Value};
use tokio::process::{Child, Command};

use crate::cache_consistency::{write_btc_close, KEY};
use crate::cache_reads::{btc_closes, eth_closes, import_two_coins};
use crate::helpers::{spawn_app_with, unique_redis_prefix, Backend, TestApp};
use crate::on_both_stores;

/// A `redis-server` of this test's own on a Unix socket in a private directory: no TCP port
/// to find free and lose to another process between the check and the start, and a restart
/// comes back at the same address for sure. Killed when dropped.
struct PrivateRedis {
    child: Child,
    dir: tempfile::TempDir,
}

impl PrivateRedis {
    async fn start() -> PrivateRedis {
        let dir = tempfile::tempdir().unwrap();
        PrivateRedis::start_in(dir).await
    }

    async fn start_in(dir: tempfile::TempDir) -> PrivateRedis {
        let socket = dir.path().join("redis.sock");
        let child = Command::new("redis-server")
            .args(["--port", "0", "--unixsocket"])
            .arg(&socket)
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server is installed (apt-get install redis-server)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::UnixStream::connect(&socket).await.is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on {}",
                socket.display()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        PrivateRedis { child, dir }
    }

    fn url(&self) -> String {
        format!(
            "redis+unix://{}",
            self.dir.path().join("redis.sock").display()
        )
    }

    /// Sends SIGSTOP or SIGCONT.
    async fn signal(&self, name: &str) {
        let pid = self.child.id().expect("redis-server is running");
        let status = Command::new("kill")
            .args([format!("-{name}"), pid.to_string()])
            .status()
            .await
            .expect("kill runs");
        assert!(status.success());
    }

    /// Kills the server and waits for it to be gone; its directory stays for a restart.
    async fn kill(mut self) -> tempfile::TempDir {
        let _ = self.child.kill().await;
        let _ = std::fs::remove_file(self.dir.path().join("redis.sock"));
        self.dir
    }
}

/// The dashboard on `day` (0 = 2021-06-01, 35 = 2021-07-06), asserting the status and both coins' prices.
async fn assert_dashboard(app: &TestApp, day: usize) {
    let date = chrono::NaiveDate::from_ymd_opt(2021, 6, 1).unwrap() + chrono::Days::new(day as u64);
    let rows: Value = app
        .get_ok(&format!("/dashboard?id=btc,eth&date={date}&order_by=price"))
        .await;
    assert_eq!(
        (rows[0]["symbol"].clone(), rows[0]["price"].clone()),
        (json!("BTC"), json!(btc_closes()[day])),
        "{date}"
    );
    assert_eq!(rows[1]["price"], json!(eth_closes()[day]), "{date}");
}

async fn redis_at_a_closed_port(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        // Port 1 on the loopback: nothing listens there (it is privileged), so every
        // connection is refused at once, for sure.
        config.cache.redis_url = Some("redis://127.0.0.1:1".to_owned());
        config.cache.redis_prefix = unique_redis_prefix("closed");
        config.writes.api_keys = vec![KEY.to_owned()];
    })
    .await;
    assert!(!app.cache.redis_is_up());
    import_two_coins(&app).await;
    for day in [0, 5, 29, 5, 0] {
        assert_dashboard(&app, day).await;
    }
    assert_eq!(
        app.get_ok("/search?name=ethereum").await,
        json!({"name": "Ethereum", "symbol": "ETH"})
    );
    write_btc_close(&app, 42.0).await;
    let rows = app.get_ok("/dashboard?id=btc&date=2021-07-06").await;
    assert_eq!(rows[0]["price"], json!(42.0));
    let stats = app.cache.stats();
    assert_eq!(
        (stats.l2_hits, stats.l2_misses),
        (0, 0),
        "Redis never answered"
    );
    assert!(stats.l1_hits >= 2, "L1 still serves: {stats:?}");
}

async fn redis_killed_mid_run(backend: Backend) {
    let redis = PrivateRedis::start().await;
    let url = redis.url();
    let prefix = unique_redis_prefix("killed");
    let channel = format!("{prefix}:generation");
    let app = spawn_app_with(backend, |config| {
        config.cache.redis_url = Some(url);
        config.cache.redis_prefix = prefix;
        // Not the 50 ms default, so that "Redis was in use" holds on a busy test machine;
        // a killed Redis fails commands at once (refused, reset) whatever the timeout.
        config.cache.redis_timeout = Duration::from_millis(500);
        config.writes.api_keys = vec![KEY.to_owned()];
    })
    .await;
    assert!(app.cache.redis_is_up());
    import_two_coins(&app).await;
    for day in 0..5 {
        assert_dashboard(&app, day).await;
    }
    assert!(app.cache.stats().l2_misses >= 5, "Redis was in use");

    // Requests in flight while Redis dies: 40 sent at once, Redis killed when 10 are
    // answered, so 30 are answered after it died; every one answered, right.
    let mut in_flight: FuturesUnordered<_> = (0..40)
        .map(|round| assert_dashboard(&app, round % 30))
        .collect();
    let mut answered = 0;
    let mut redis = Some(redis);
    let mut dir = None;
    while in_flight.next().await.is_some() {
        answered += 1;
        if answered == 10 {
            dir = Some(redis.take().unwrap().kill().await);
        }
    }
    assert_eq!(answered, 40);
    let dir = dir.expect("Redis was killed mid-run");

    // With Redis gone: new questions, cached ones, and a write with the read after it.
    for day in [0, 10, 20, 31, 35] {
        assert_dashboard(&app, day).await;
    }
    write_btc_close(&app, 77.0).await;
    let rows = app.get_ok("/dashboard?id=btc&date=2021-07-06").await;
    assert_eq!(rows[0]["price"], json!(77.0));
    assert!(!app.cache.redis_is_up());

    // Redis back at the same address: taken into use again, without a restart.
    let redis = PrivateRedis::start_in(dir).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app.cache.redis_is_up() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        app.cache.redis_is_up(),
        "Redis is used again once it is back"
    );
    let before = app.cache.stats();
    assert_dashboard(&app, 33).await;
    assert_eq!(app.cache.stats().l2_misses, before.l2_misses + 1);

    // ... and the generation channel is subscribed again.
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, subscribers): (String, i64) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(&channel)
            .query_async(&mut conn)
            .await
            .unwrap();
        if subscribers == 1 || Instant::now() >= deadline {
            assert_eq!(subscribers, 1, "the instance follows {channel} again");
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A private Redis frozen (SIGSTOP) mid-run: connections stay open, nothing answers, so only
/// the command timeout can tell. Thawed (SIGCONT), it is used again.
async fn redis_frozen_mid_run(backend: Backend) {
    let redis = PrivateRedis::start().await;
    let url = redis.url();
    let app = spawn_app_with(backend, |config| {
        config.cache.redis_url = Some(url);
        config.cache.redis_prefix = unique_redis_prefix("frozen");
        config.cache.redis_timeout = Duration::from_millis(200);
        config.writes.api_keys = vec![KEY.to_owned()];
    })
    .await;
    assert!(app.cache.redis_is_up());
    import_two_coins(&app).await;
    assert_dashboard(&app, 1).await;
    assert_eq!(app.cache.stats().l2_misses, 1, "Redis was in use");

    redis.signal("STOP").await;
    for day in [1, 2, 3, 2, 35] {
        assert_dashboard(&app, day).await;
    }
    write_btc_close(&app, 5.5).await;
    let rows = app.get_ok("/dashboard?id=btc&date=2021-07-06").await;
    assert_eq!(rows[0]["price"], json!(5.5));
    assert!(!app.cache.redis_is_up());

    redis.signal("CONT").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app.cache.redis_is_up() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        app.cache.redis_is_up(),
        "Redis is used again once it answers"
    );
    assert_dashboard(&app, 20).await;
}

/// A "Redis" that accepts connections and never answers: every command would hang without
/// the timeouts. Requests are answered all the same, and Redis is taken out of use.
async fn redis_that_never_answers(backend: Backend) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let black_hole = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let app = spawn_app_with(backend, |config| {
        config.cache.redis_url = Some(format!("redis://127.0.0.1:{port}"));
        config.cache.redis_prefix = unique_redis_prefix("silent");
        config.writes.api_keys = vec![KEY.to_owned()];
    })
    .await;
    assert!(!app.cache.redis_is_up());
    import_two_coins(&app).await;
    for day in [3, 4, 3, 35] {
        assert_dashboard(&app, day).await;
    }
    write_btc_close(&app, 8.5).await;
    let rows = app.get_ok("/dashboard?id=btc&date=2021-07-06").await;
    assert_eq!(rows[0]["price"], json!(8.5));
    black_hole.abort();
}

on_both_stores!(
    redis_at_a_closed_port,
    redis_killed_mid_run,
    redis_frozen_mid_run,
    redis_that_never_answers
);
