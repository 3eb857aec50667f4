//! `krispyto health`, the container health check, against a real server. (In-process rather
//! than through the binary: `deploy/docker-test.sh` and `deploy/cluster-test.sh` run the
//! binary's health check for real.)

use std::time::Duration;

use krispyto::tools::healthcheck::{check, readyz_url};

use crate::helpers::{spawn_app, Backend};
use crate::on_both_stores;

on_both_stores!(health_succeeds_when_the_server_is_ready);

const TIMEOUT: Duration = Duration::from_secs(10);

async fn health_succeeds_when_the_server_is_ready(backend: Backend) {
    let app = spawn_app(backend).await;
    let addr = app.address.trim_start_matches("http://").to_owned();

    let body = check(&readyz_url(&addr), TIMEOUT).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["status"], "ready");

    // Bound to every interface (as in the container): asked on loopback.
    let port = addr.rsplit(':').next().unwrap();
    check(&readyz_url(&format!("0.0.0.0:{port}")), TIMEOUT)
        .await
        .unwrap();

    // Anything but 200 is unhealthy, and says what answered.
    let url = format!("{}/no/such/route", app.address);
    let error = check(&url, TIMEOUT).await.unwrap_err().to_string();
    assert!(error.contains(&url) && error.contains("404"), "{error}");
}

#[tokio::test]
async fn health_fails_when_nothing_listens() {
    // A port that was free a moment ago: bind it, read it back, release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = check(&readyz_url(&format!("127.0.0.1:{port}")), TIMEOUT)
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&format!("http://127.0.0.1:{port}/readyz did not answer")),
        "{error}"
    );
}
