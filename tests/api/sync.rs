//! `krispyto sync`: against a second krispyto (a real server with the real data, its
//! `/api/v3`), and against a small fault-injecting source (an axum router on port 0).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::json;

use krispyto::domain::{CoinName, DailyRecord, Symbol};
use krispyto::store::{CoinUpdate, Store};
use krispyto::sync::source::SourceSettings;
use krispyto::sync::{self, CoinChoice, PeriodicSync, SyncError, SyncOptions};

use crate::helpers::{spawn_app, spawn_app_with, Backend, TestDatabase};
use crate::on_both_stores;

on_both_stores!(
    a_full_mirror_is_identical_and_stays_current,
    faults_are_retried_or_fail_their_coin_alone,
    the_server_syncs_by_itself_with_sync_every,
);

/// Fast retries and no rate limit worth waiting for: tests must not sleep for real. The read
/// timeout leaves room for a debug build's answer on a loaded machine (500 ms was seen to expire
/// there); the stalled source below stalls far longer than it.
fn options(base_url: &str, coins: CoinChoice) -> SyncOptions {
    let mut source = SourceSettings::new(base_url);
    source.requests_per_minute = 60_000;
    source.backoff = Duration::from_millis(20);
    source.read_timeout = Duration::from_secs(2);
    source.attempts = 3;
    SyncOptions {
        source,
        coins,
        since: None,
        chunk_days: 365,
        progress: false,
    }
}

/// Every coin (id, symbol, name) and record of a store.
async fn everything(store: &Store) -> BTreeMap<String, (String, String, Vec<DailyRecord>)> {
    let currencies = store.currencies().await.unwrap();
    let ids: Vec<i64> = currencies.iter().map(|c| c.id).collect();
    let mut out: BTreeMap<String, (String, String, Vec<DailyRecord>)> = currencies
        .iter()
        .map(|c| {
            (
                c.coin_id.to_string(),
                (c.symbol.to_string(), c.name.clone(), Vec::new()),
            )
        })
        .collect();
    for (id, record) in store.records_between(&ids, None, None).await.unwrap() {
        let coin = currencies.iter().find(|c| c.id == id).unwrap();
        out.get_mut(coin.coin_id.as_str()).unwrap().2.push(record);
    }
    out
}

fn assert_same(
    left: &BTreeMap<String, (String, String, Vec<DailyRecord>)>,
    right: &BTreeMap<String, (String, String, Vec<DailyRecord>)>,
) {
    assert_eq!(
        left.keys().collect::<Vec<_>>(),
        right.keys().collect::<Vec<_>>()
    );
    for (id, (symbol, name, records)) in left {
        let (other_symbol, other_name, other) = &right[id];
        assert_eq!((symbol, name), (other_symbol, other_name), "{id}");
        assert_eq!(records.len(), other.len(), "{id}");
        for (a, b) in records.iter().zip(other) {
            assert_eq!(a.date(), b.date(), "{id}");
            assert!(a.same_values(b), "{id} {}: {a:?} != {b:?}", a.date());
        }
    }
}

async fn a_full_mirror_is_identical_and_stays_current(backend: Backend) {
    // The source: another krispyto with the real data (SQLite; the mirror is on `backend`).
    let source = spawn_app(Backend::Sqlite).await;
    source.import_real_data().await;
    let mirror = spawn_app(backend).await;
    let base = format!("{}/api/v3", source.address);

    let report = sync::sync(&mirror.store, &options(&base, CoinChoice::All))
        .await
        .unwrap();
    assert!(report.all_synced(), "{report}");
    let totals = report.totals();
    assert_eq!((totals.coins, totals.coins_created), (23, 23));
    assert_eq!(totals.inserted, 37_082);
    let original = everything(&source.store).await;
    assert_eq!(original.len(), 23);
    // Record for record, gaps kept (Monero has no 2014-06-05 on either side).
    assert_same(&original, &everything(&mirror.store).await);

    // A second run writes nothing, and leaves the data generation alone.
    let generation = mirror.store.generation().await.unwrap();
    let again = sync::sync(&mirror.store, &options(&base, CoinChoice::Stored))
        .await
        .unwrap();
    assert!(again.all_synced(), "{again}");
    let totals = again.totals();
    assert_eq!((totals.inserted, totals.updated), (0, 0), "{again}");
    assert_eq!(mirror.store.generation().await.unwrap(), generation);

    // A day added on the source arrives with the next run, and moves the generation on.
    let day = NaiveDate::from_ymd_opt(2021, 7, 7).unwrap();
    let new_day = DailyRecord::new(
        day.into(),
        34235.0,
        35000.5,
        33000.25,
        34500.125,
        2.5e10,
        6.4e11,
    )
    .unwrap();
    source
        .store
        .apply(&[CoinUpdate {
            symbol: Symbol::parse("BTC").unwrap(),
            name: None,
            coin_id: None,
            records: vec![new_day],
        }])
        .await
        .unwrap();
    source.data_changed().await;
    let third = sync::sync(
        &mirror.store,
        &options(&base, CoinChoice::Listed(vec!["bitcoin".into()])),
    )
    .await
    .unwrap();
    assert_eq!(third.totals().inserted, 1, "{third}");
    assert!(mirror.store.generation().await.unwrap() > generation);
    assert_same(
        &everything(&source.store).await,
        &everything(&mirror.store).await,
    );
}

/// What the fault server does for a coin, keyed by its id.
#[derive(Default)]
struct Faults {
    /// Requests seen, by path.
    requests: Mutex<HashMap<String, u32>>,
}

type Shared = Arc<Faults>;

const DAYS: [&str; 3] = ["2021-07-01", "2021-07-02", "2021-07-03"];

fn close_ms(day: &str) -> i64 {
    let day: NaiveDate = day.parse().unwrap();
    (day.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp() + 86_400) * 1000
}

fn candles(coin: &str) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = DAYS
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let base = 10.0 + i as f64;
            // One day of `inverted` has its high below its low.
            let (high, low) = if coin == "inverted" && i == 1 {
                (base - 1.0, base + 1.0)
            } else {
                (base + 1.0, base - 1.0)
            };
            json!([close_ms(day), base, high, low, base + 0.5])
        })
        .collect();
    json!(rows)
}

fn chart() -> serde_json::Value {
    let series = |scale: f64| -> Vec<serde_json::Value> {
        DAYS.iter()
            .enumerate()
            .map(|(i, day)| json!([close_ms(day), scale * (i as f64 + 1.0)]))
            .collect()
    };
    json!({"prices": series(10.0), "market_caps": series(1e9), "total_volumes": series(1e6)})
}

/// The first request of each path of `limited`, `flaky` and `stalled` misbehaves, then
/// they answer; `garbled` never answers JSON; `inverted` sends a candle with high < low;
/// `gzipped` answers gzip, as CoinGecko does, to a request that accepts it (and 406 to one
/// that does not).
async fn coin_route(
    State(faults): State<Shared>,
    Path((coin, what)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let key = format!("{coin}/{what}");
    let seen = {
        let mut requests = faults.requests.lock().unwrap();
        let count = requests.entry(key).or_default();
        *count += 1;
        *count
    };
    match (coin.as_str(), seen) {
        ("limited", 1) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "1")],
                "slow down",
            )
                .into_response()
        }
        ("flaky", 1) => return (StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response(),
        ("stalled", 1) => {
            tokio::time::sleep(Duration::from_secs(20)).await;
        }
        ("garbled", _) => return (StatusCode::OK, "{\"prices\": [[1, 2], ").into_response(),
        _ => {}
    }
    let body = if what == "ohlc" {
        candles(&coin)
    } else {
        chart()
    };
    if coin == "gzipped" {
        let accepts_gzip = headers
            .get("accept-encoding")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("gzip"));
        if !accepts_gzip {
            return (StatusCode::NOT_ACCEPTABLE, "gzip only").into_response();
        }
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(body.to_string().as_bytes()).unwrap();
        let gzipped = encoder.finish().unwrap();
        return (
            [
                ("content-type", "application/json"),
                ("content-encoding", "gzip"),
            ],
            gzipped,
        )
            .into_response();
    }
    axum::Json(body).into_response()
}

async fn coins_list() -> Response {
    let coins: Vec<serde_json::Value> = [
        "good", "limited", "flaky", "stalled", "garbled", "inverted", "gzipped",
    ]
    .iter()
    .map(|id| json!({"id": id, "symbol": id, "name": format!("Coin {id}")}))
    .collect();
    axum::Json(coins).into_response()
}

/// The fault-injecting source, on port 0; its base URL.
async fn fault_server(faults: Shared) -> String {
    let app = Router::new()
        .route("/api/v3/coins/list", get(coins_list))
        .route(
            "/api/v3/coins/{coin}/ohlc/range",
            get(
                |state: State<Shared>, Path(coin): Path<String>, headers: HeaderMap| async move {
                    coin_route(state, Path((coin, "ohlc".into())), headers).await
                },
            ),
        )
        .route(
            "/api/v3/coins/{coin}/market_chart/range",
            get(
                |state: State<Shared>, Path(coin): Path<String>, headers: HeaderMap| async move {
                    coin_route(state, Path((coin, "chart".into())), headers).await
                },
            ),
        )
        .with_state(faults);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/api/v3")
}

async fn faults_are_retried_or_fail_their_coin_alone(backend: Backend) {
    let faults = Shared::default();
    let base = fault_server(faults.clone()).await;
    let mirror = spawn_app(backend).await;
    let report = sync::sync(&mirror.store, &options(&base, CoinChoice::All))
        .await
        .unwrap();
    assert!(!report.all_synced());
    let outcome = |id: &str| {
        report
            .coins
            .iter()
            .find(|c| c.coin_id == id)
            .unwrap_or_else(|| panic!("{id} in {report}"))
            .result
            .clone()
    };
    for id in ["good", "limited", "flaky", "stalled", "gzipped"] {
        let summary = outcome(id).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(summary.inserted, 3, "{id}");
    }
    let garbled = outcome("garbled").unwrap_err();
    assert!(garbled.contains("garbled/market_chart/range"), "{garbled}");
    assert!(garbled.contains("not a market chart"), "{garbled}");
    let inverted = outcome("inverted").unwrap_err();
    assert_eq!(inverted, "2021-07-02: high 10 is below low 12");
    assert!(report.to_string().contains(
        "failed: inverted: 2021-07-02: high 10 is below low 12; nothing of it was written"
    ));

    // Retried where it should be: 429 and 500 once each, the stalled answer timed out once.
    let requests = faults.requests.lock().unwrap().clone();
    assert_eq!(requests["limited/chart"], 2);
    assert_eq!(requests["flaky/chart"], 2);
    assert_eq!(requests["stalled/chart"], 2);
    assert_eq!(requests["good/chart"], 1);
    // Malformed JSON is not retried: it would be as malformed the next time.
    assert_eq!(requests["garbled/chart"], 1);

    // Nothing half-written: the failed coins do not even exist; the others hold their days.
    let stored = everything(&mirror.store).await;
    let ids: Vec<&str> = stored.keys().map(String::as_str).collect();
    assert_eq!(ids, ["flaky", "good", "gzipped", "limited", "stalled"]);
    let good = &stored["good"];
    assert_eq!((good.0.as_str(), good.1.as_str()), ("GOOD", "Coin good"));
    assert_eq!(good.2.len(), 3);
    assert_eq!(good.2[2].close(), 12.5);
    assert_eq!(good.2[2].market_cap(), 3e9);
    assert_eq!(good.2[2].volume(), 3e6);
}

/// A source that refuses daily candles (CoinGecko's public plan) stops the sync with a
/// message saying what is needed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_without_daily_candles_is_refused() {
    let app = Router::new()
        .route(
            "/api/v3/coins/{coin}/ohlc/range",
            get(|| async {
                (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(json!({"error": {"status": {"error_code": 10005,
                        "error_message": "This request is limited to PRO API subscribers"}}})),
                )
            }),
        )
        .route(
            "/api/v3/coins/{coin}/market_chart/range",
            get(|| async { axum::Json(chart()) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mirror = spawn_app(Backend::Sqlite).await;
    let base = format!("http://{address}/api/v3");
    // A coin in the database: its candles are asked for, and refused.
    mirror
        .store
        .apply(&[CoinUpdate {
            symbol: Symbol::parse("BTC").unwrap(),
            name: Some(CoinName::parse("Bitcoin").unwrap()),
            coin_id: None,
            records: Vec::new(),
        }])
        .await
        .unwrap();
    let error = sync::sync(&mirror.store, &options(&base, CoinChoice::Stored))
        .await
        .unwrap_err();
    assert!(matches!(error, SyncError::NoDailyCandles(_)), "{error}");
    let message = error.to_string();
    assert!(message.contains("401"), "{message}");
    assert!(message.contains("daily open/high/low/close"), "{message}");
    assert!(message.contains("--api-key"), "{message}");
    assert_eq!(mirror.store.record_count().await.unwrap(), 0);
}

/// `serve --sync-every`: the server syncs at start (and then every period), and serves the
/// new days at once.
async fn the_server_syncs_by_itself_with_sync_every(backend: Backend) {
    let source = spawn_app(Backend::Sqlite).await;
    source.import_real_data().await;
    let base = format!("{}/api/v3", source.address);
    let periodic = PeriodicSync {
        every: Duration::from_secs(3600),
        options: options(
            &base,
            CoinChoice::Listed(vec!["bitcoin".into(), "dogecoin".into()]),
        ),
    };
    let mirror = spawn_app_with(backend, |config| config.sync = Some(periodic)).await;
    // Wait (up to a minute, not a timed assertion) for the first run to have written.
    let mut coins = serde_json::Value::Null;
    for _ in 0..600 {
        coins = mirror.get_ok("/api/v1/coins").await;
        if coins.as_array().is_some_and(|c| c.len() == 2) && coins[1]["last_date"] == "2021-07-06" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(coins[0]["symbol"], "BTC", "{coins}");
    assert_eq!(coins[1]["symbol"], "DOGE", "{coins}");
    assert_eq!(coins[1]["last_date"], "2021-07-06", "{coins}");
    // Served at once, past the cache: the latest close is the source's.
    let btc = mirror.get_ok("/dashboard?id=btc").await;
    assert_eq!(btc[0]["price"], 34235.19345116);
    let source_btc = &everything(&source.store).await["bitcoin"];
    let mirror_btc = &everything(&mirror.store).await["bitcoin"];
    assert_eq!(source_btc.2.len(), mirror_btc.2.len());
}

/// Of several replicas on one PostgreSQL only one holds the sync lock at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_one_replica_holds_the_sync_lock() {
    let db = TestDatabase::new(Backend::Postgres).await;
    let (first, second) = (db.connect().await, db.connect().await);
    let lock = first
        .try_sync_lock()
        .await
        .unwrap()
        .expect("the first replica takes the lock");
    assert!(second.try_sync_lock().await.unwrap().is_none());
    assert!(
        first.try_sync_lock().await.unwrap().is_none(),
        "not even twice in one process"
    );
    lock.release().await;
    let lock = second
        .try_sync_lock()
        .await
        .unwrap()
        .expect("free again once released");
    lock.release().await;
    first.close().await;
    second.close().await;
}
