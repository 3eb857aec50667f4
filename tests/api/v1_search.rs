//! `/api/v1/search` against fixtures the tests write.

use serde_json::json;

use crate::helpers::{fixtures::coin_file, spawn_app, Backend};
use crate::on_both_stores;

on_both_stores!(
    search_ranks_exact_prefix_substring_then_typos,
    search_parameters_are_checked,
    each_answer_echoes_its_own_spelling
);

/// The cache must not hand one spelling's answer to another: `q=Bit` then `q=bit` echoed
/// "Bit" when the cache key was lowercased.
async fn each_answer_echoes_its_own_spelling(backend: Backend) {
    let app = app_with_coins(backend).await;
    for q in ["Bit", "bit", "BIT", "Bit"] {
        let answer = app.get_ok(&format!("/api/v1/search?q={q}")).await;
        assert_eq!(answer["query"], q);
        assert_eq!(answer["results"][0]["symbol"], "BTC", "{q}");
    }
}

async fn app_with_coins(backend: Backend) -> crate::helpers::TestApp {
    let app = spawn_app(backend).await;
    let coins = [
        ("Bitcoin", "BTC"),
        ("Wrapped Bitcoin", "WBTC"),
        ("Bitcoin Cash", "BCH"),
        ("Ethereum", "ETH"),
        ("Binance Coin", "BNB"),
    ];
    let file_names: Vec<String> = coins.iter().map(|(_, s)| format!("{s}.csv")).collect();
    let files: Vec<(&str, String)> = coins
        .iter()
        .zip(&file_names)
        .map(|((name, symbol), file)| {
            (file.as_str(), coin_file(name, symbol, "2021-07-01", &[1.0]))
        })
        .collect();
    app.import_files(&files).await.unwrap();
    app
}

async fn search_ranks_exact_prefix_substring_then_typos(backend: Backend) {
    let app = app_with_coins(backend).await;
    assert_eq!(
        app.get_ok("/api/v1/search?q=Bitcoin").await,
        json!({"query": "Bitcoin", "results": [
            {"symbol": "BTC", "name": "Bitcoin", "match": "exact"},
            {"symbol": "BCH", "name": "Bitcoin Cash", "match": "prefix"},
            {"symbol": "WBTC", "name": "Wrapped Bitcoin", "match": "substring"},
        ]})
    );
    let btc = app.get_ok("/api/v1/search?q=%20btc%20").await;
    assert_eq!(btc["query"], "btc");
    assert_eq!(
        btc["results"],
        json!([
            {"symbol": "BTC", "name": "Bitcoin", "match": "exact"},
            {"symbol": "WBTC", "name": "Wrapped Bitcoin", "match": "substring"},
        ])
    );
    assert_eq!(
        app.get_ok("/api/v1/search?q=binancecoin").await["results"],
        json!([{"symbol": "BNB", "name": "Binance Coin", "match": "exact"}])
    );
    assert_eq!(
        app.get_ok("/api/v1/search?q=etherium").await["results"],
        json!([{"symbol": "ETH", "name": "Ethereum", "match": "fuzzy"}])
    );
    assert_eq!(
        app.get_ok("/api/v1/search?q=bitcion").await["results"],
        json!([{"symbol": "BTC", "name": "Bitcoin", "match": "fuzzy"}])
    );
    // Three letters get no typo tolerance; nothing found is an empty list, not a 404.
    assert_eq!(
        app.get_ok("/api/v1/search?q=etx").await["results"],
        json!([])
    );
    assert_eq!(
        app.get_ok("/api/v1/search?q=dogecoin").await["results"],
        json!([])
    );
    // limit.
    let one = app.get_ok("/api/v1/search?q=coin&limit=1").await;
    assert_eq!(
        one["results"],
        json!([{"symbol": "BNB", "name": "Binance Coin", "match": "substring"}])
    );
    let all = app.get_ok("/api/v1/search?q=coin&limit=50").await;
    assert_eq!(all["results"].as_array().unwrap().len(), 4);
}

async fn search_parameters_are_checked(backend: Backend) {
    let app = app_with_coins(backend).await;
    let long = "x".repeat(101);
    let cases = [
        ("", "'q'"),
        ("q=", "'q'"),
        ("q=%20%20", "'q'"),
        ("q=btc&limit=0", "'limit'"),
        ("q=btc&limit=51", "'limit'"),
        ("q=btc&limit=ten", "'limit'"),
        ("q=btc&limit=", "'limit'"),
        ("q=btc&q=eth", "at most once"),
    ];
    for (query, named) in cases {
        let message = app.get_error(&format!("/api/v1/search?{query}"), 400).await;
        assert!(message.contains(named), "{query}: {message}");
    }
    let message = app
        .get_error(&format!("/api/v1/search?q={long}"), 400)
        .await;
    assert!(message.contains("'q'"), "{message}");
}
