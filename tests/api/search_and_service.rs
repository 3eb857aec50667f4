//! `/search`, the service routes, and what every route does with unknown paths and methods.

use crate::helpers::{fixtures::coin_file, spawn_app, Backend};
use crate::on_both_stores;

on_both_stores!(
    search_finds_names_then_symbols_then_squashed_names,
    unknown_routes_and_methods_answer_json,
    health_and_readiness,
    cors_is_open_for_get
);

async fn search_finds_names_then_symbols_then_squashed_names(backend: Backend) {
    let app = spawn_app(backend).await;
    app.import_files(&[
        (
            "bnb.csv",
            coin_file("Binance Coin", "BNB", "2021-07-01", &[300.0]),
        ),
        (
            "btc.csv",
            coin_file("Bitcoin", "BTC", "2021-07-01", &[30000.0]),
        ),
    ])
    .await
    .unwrap();

    let hit = app.get_ok("/search?name=bitcoin").await;
    assert_eq!(hit, serde_json::json!({"name": "Bitcoin", "symbol": "BTC"}));
    let hit = app.get_ok("/search?name=bnb").await;
    assert_eq!(hit["name"], "Binance Coin");
    let hit = app.get_ok("/search?name=binancecoin").await;
    assert_eq!(hit["symbol"], "BNB");
    let hit = app.get_ok("/search?name=Binance%20Coin").await;
    assert_eq!(hit["symbol"], "BNB");
    let hit = app.get_ok("/search?name=%20BTC%20").await;
    assert_eq!(hit["name"], "Bitcoin");

    assert_eq!(
        app.get_error("/search?name=dogecoin", 404).await,
        "No currency found with name or symbol 'dogecoin'."
    );
    assert!(app.get_error("/search", 400).await.contains("'name'"));
    assert!(app
        .get_error("/search?name=%20%20", 400)
        .await
        .contains("'name'"));
}

async fn unknown_routes_and_methods_answer_json(backend: Backend) {
    let app = spawn_app(backend).await;
    assert!(app
        .get_error("/no/such/route", 404)
        .await
        .contains("/no/such/route"));
    let response = app
        .client
        .post(format!("{}/dashboard?id=all", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("POST"));
}

async fn health_and_readiness(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.get_ok("/healthz").await["status"], "ok");
    let ready = app.get_ok("/readyz").await;
    assert_eq!(ready["status"], "ready");
    let expected = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(ready["database"], expected);
}

async fn cors_is_open_for_get(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("Origin", "http://frontend.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
}
