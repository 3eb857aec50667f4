//! Slow and stuck clients: header-read and idle timeouts, the connection cap, and a shutdown
//! that ends within its deadline whatever clients do. Raw TCP, because an HTTP client library
//! never sends half a request.

use std::time::Duration;

use krispyto::server::ServerSettings;
use krispyto::startup::{AppConfig, Application};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{spawn_app_with, Backend, TestDatabase};

/// A request line and a first header, never finished.
const PARTIAL_REQUEST: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

fn settings(tweak: impl FnOnce(&mut ServerSettings)) -> ServerSettings {
    let mut settings = ServerSettings {
        header_read_timeout: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(60),
        ..ServerSettings::default()
    };
    tweak(&mut settings);
    settings
}

fn socket_address(address: &str) -> String {
    address.trim_start_matches("http://").to_owned()
}

/// Whether the server closed the connection: a read answers end-of-file or an error.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // An error answer (408) before the close is fine; keep reading to the end.
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trickling_its_headers_is_disconnected_at_the_header_timeout() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.server = settings(|s| s.header_read_timeout = Duration::from_secs(1));
    })
    .await;
    let mut stream = TcpStream::connect(socket_address(&app.address))
        .await
        .unwrap();
    stream.write_all(PARTIAL_REQUEST).await.unwrap();
    // One byte every 200 ms keeps the connection busy but never finishes the headers. The
    // idle timeout (60 s) never fires; only the header timeout can end this.
    let mut closed = false;
    for _ in 0..100 {
        if stream.write_all(b"a").await.is_err() {
            closed = true;
            break;
        }
        if closed_by_server(&mut stream, Duration::from_millis(200)).await {
            closed = true;
            break;
        }
    }
    assert!(
        closed,
        "the trickling client was still connected after 20 s"
    );
    // Everyone else is still served.
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_where_nothing_moves_is_closed_at_the_idle_timeout() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.server = settings(|s| s.idle_timeout = Duration::from_secs(1));
    })
    .await;
    let mut stream = TcpStream::connect(socket_address(&app.address))
        .await
        .unwrap();
    stream.write_all(PARTIAL_REQUEST).await.unwrap();
    assert!(
        closed_by_server(&mut stream, Duration::from_secs(20)).await,
        "a silent connection was still open after 20 s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.server = settings(|s| s.max_connections = Some(2));
    })
    .await;
    let address = socket_address(&app.address);
    let mut first = TcpStream::connect(&address).await.unwrap();
    first.write_all(PARTIAL_REQUEST).await.unwrap();
    let mut second = TcpStream::connect(&address).await.unwrap();
    second.write_all(PARTIAL_REQUEST).await.unwrap();

    // The third connection is not accepted while the two stuck ones hold every place.
    let mut third = TcpStream::connect(&address).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let waited =
        tokio::time::timeout(Duration::from_millis(500), third.read_to_end(&mut answer)).await;
    assert!(
        waited.is_err(),
        "a connection beyond the cap was served: {}",
        String::from_utf8_lossy(&answer)
    );

    // One stuck client leaves: its place goes to the waiting one, which is answered.
    drop(first);
    tokio::time::timeout(Duration::from_secs(20), third.read_to_end(&mut answer))
        .await
        .expect("the waiting connection is served once a place is free")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#"{"status":"ok"}"#), "{answer}");
    drop(second);
}

/// Starts a server whose shutdown the test triggers, and returns its task.
async fn start(
    server: ServerSettings,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
    TestDatabase,
) {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let app = Application::build(AppConfig {
        addr: "127.0.0.1:0".into(),
        store: db.store_options(),
        data: None,
        cache: Default::default(),
        writes: Default::default(),
        server,
        sync: None,
    })
    .await
    .unwrap();
    let address = app.local_addr().to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    (address, stop, task, db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_within_its_timeout_while_a_client_holds_half_a_request() {
    let (address, stop, task, _db) = start(settings(|s| {
        s.shutdown_timeout = Duration::from_secs(1);
    }))
    .await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream.write_all(PARTIAL_REQUEST).await.unwrap();
    // Let the server accept it before the shutdown starts.
    tokio::time::sleep(Duration::from_millis(200)).await;

    stop.send(()).unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(20), task).await;
    let result = outcome.expect("the server was still running 20 s after the shutdown began");
    result.unwrap().unwrap();
    assert!(closed_by_server(&mut stream, Duration::from_secs(5)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_in_flight_at_shutdown_is_answered() {
    let (address, stop, task, _db) = start(settings(|_| {})).await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    // Headers complete, body half sent: the request is in flight.
    stream
        .write_all(
            b"POST /api/v1/coins/BTC/records HTTP/1.1\r\nHost: 127.0.0.1\r\n\
              Content-Type: application/json\r\nContent-Length: 2\r\n\r\n[",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();
    stream.write_all(b"]").await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer))
        .await
        .expect("the in-flight request is answered and the connection closed")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    // No API keys are configured: the write is refused, in JSON, but it is answered.
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains(r#""error""#), "{answer}");
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("the server exits once its last request is answered")
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_uri_or_headers_over_the_limits_get_json_errors() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let long_ids = vec!["btc"; 5000].join(",");
    let error = app
        .get_error(&format!("/dashboard?id={long_ids}"), 414)
        .await;
    assert!(error.contains("fewer ids"), "{error}");

    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-big", "a".repeat(40 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 431);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("headers"),
        "{body}"
    );
}
