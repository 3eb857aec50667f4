//! `krispyto health`, the container health check: the real binary against a real server.

use std::process::{Command, Output};

use crate::helpers::{spawn_app, Backend};
use crate::on_both_stores;

on_both_stores!(health_succeeds_when_the_server_is_ready);

/// Runs the built `krispyto` binary off the runtime's threads (the server under test runs on
/// them), with no `.env` or `KRISPYTO_ADDR` of the caller's leaking in.
async fn krispyto(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_krispyto"))
            .args(&args)
            .env_remove("KRISPYTO_ADDR")
            .current_dir(std::env::temp_dir())
            .output()
            .expect("the krispyto binary runs")
    })
    .await
    .unwrap()
}

async fn health_succeeds_when_the_server_is_ready(backend: Backend) {
    let app = spawn_app(backend).await;
    let addr = app.address.trim_start_matches("http://").to_owned();

    let output = krispyto(&["health", "--addr", &addr]).await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(body["status"], "ready");

    // Bound to every interface (as in the container): asked on loopback.
    let port = addr.rsplit(':').next().unwrap();
    let output = krispyto(&["health", "--addr", &format!("0.0.0.0:{port}")]).await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");

    // Anything but 200 is unhealthy, and says what answered.
    let url = format!("{}/no/such/route", app.address);
    let output = krispyto(&["health", "--url", &url]).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("404"), "{stderr}");
}

#[tokio::test]
async fn health_fails_when_nothing_listens() {
    // A port that was free a moment ago: bind it, read it back, release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = krispyto(&["health", "--addr", &format!("127.0.0.1:{port}")]).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("http://127.0.0.1:{port}/readyz did not answer")),
        "{stderr}"
    );
}
