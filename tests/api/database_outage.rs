//! The database goes away and comes back: requests that need it get a JSON 503 (not a 500
//! after a long wait), `/readyz` says 503, cached answers are still served, and everything
//! answers again once the database is back.
//!
//! The outage is made by a TCP proxy between the server and PostgreSQL that the test turns
//! off (every connection cut, new ones dropped at once) and on again; the shared PostgreSQL
//! itself is never touched, and the proxy keeps its port throughout.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{spawn_app_configured, Backend, TestDatabase};

/// A TCP proxy to `upstream` that can be switched off and on.
struct Proxy {
    address: String,
    up: Arc<watch::Sender<bool>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let (up, _) = watch::channel(true);
        let up = Arc::new(up);
        let state = up.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                let mut watcher = state.subscribe();
                if !*watcher.borrow_and_update() {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        // Switched off: cut the connection both ways.
                        _ = watcher.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Proxy { address, up }
    }

    fn set_up(&self, up: bool) {
        self.up.send_replace(up);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_get_503_while_the_database_is_down_and_recover_after() {
    let db = TestDatabase::new(Backend::Postgres).await;
    let upstream = db
        .url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(host, _)| host.to_owned())
        .expect("the test database URL has a host");
    let proxy = Proxy::start(upstream.clone()).await;
    let proxied = db.url.replace(&upstream, &proxy.address);
    let app = spawn_app_configured(db, |config| {
        config.store.database_url = proxied;
        config.store.acquire_timeout = Duration::from_millis(500);
    })
    .await;
    app.import_three_btc_days().await;
    let cached = app.get_ok("/api/v1/coins").await;

    proxy.set_up(false);

    // Needs the database: 503 in JSON, saying what is wrong.
    let error = app.get_error("/api/v1/coins/BTC", 503).await;
    assert!(error.contains("database"), "{error}");
    // As the route's description says (the spec is built without the database).
    let spec: serde_json::Value = app.get_ok("/openapi.json").await;
    assert!(spec["paths"]["/api/v1/coins/{symbol}"]["get"]["responses"]["503"].is_object());
    let error = app.get_error("/readyz", 503).await;
    assert!(error.contains("database"), "{error}");
    // Answered before the outage, at the generation still current: served from the cache.
    assert_eq!(app.get_ok("/api/v1/coins").await, cached);

    proxy.set_up(true);

    // Back: the next requests reach the database again (the pool reconnects on demand).
    let mut ready = false;
    for _ in 0..100 {
        if app.get("/readyz").await.status().as_u16() == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "/readyz did not recover");
    let coin = app.get_ok("/api/v1/coins/BTC").await;
    assert_eq!(coin["latest"]["close"], 3.0);
}
