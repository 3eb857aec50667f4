//! The web dashboard: one page for `/` and `/coins/{symbol}`, its assets with the right
//! content types and caching. (What the page does in a browser is e2e/run.sh's job.)

use crate::helpers::{spawn_app, Backend, TestApp};

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("a {name} header"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// GETs `path`, asserts 200 and the content type, and returns (Cache-Control, body).
async fn get_text(app: &TestApp, path: &str, content_type: &str) -> (String, String) {
    let response = app.get(path).await;
    assert_eq!(response.status().as_u16(), 200, "GET {path}");
    assert_eq!(
        header(&response, "content-type"),
        content_type,
        "GET {path}"
    );
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    let cache = header(&response, "cache-control");
    (cache, response.text().await.unwrap())
}

/// The `?v=...` the page links `asset` with.
fn linked_version<'a>(page: &'a str, asset: &str) -> &'a str {
    let needle = format!("/assets/{asset}?v=");
    let start = page
        .find(&needle)
        .unwrap_or_else(|| panic!("the page links {needle}"))
        + needle.len();
    let end = page[start..].find('"').expect("a closing quote") + start;
    &page[start..end]
}

#[tokio::test]
async fn the_page_is_served_at_the_root_and_for_every_coin() {
    // The page does not touch the database: SQLite is enough.
    let app = spawn_app(Backend::Sqlite).await;

    let (cache, page) = get_text(&app, "/", "text/html; charset=utf-8").await;
    assert_eq!(
        cache, "no-cache",
        "the page is revalidated, so a new binary shows at once"
    );
    assert!(page.starts_with("<!doctype html>"));
    let version = linked_version(&page, "app.js");
    assert!(
        page.contains(&format!(
            r#"<script src="/assets/app.js?v={version}" defer></script>"#
        )),
        "the app's script tag"
    );
    assert!(page.contains(&format!(
        r#"<link rel="stylesheet" href="/assets/app.css?v={version}">"#
    )));
    assert!(page.contains(r#"id="coins-table""#));
    assert!(!page.contains("__ASSET_VERSION__"));

    for path in ["/coins/BTC", "/coins/btc", "/coins/NOT-A-COIN"] {
        let (cache, same) = get_text(&app, path, "text/html; charset=utf-8").await;
        assert_eq!(same, page, "GET {path} serves the same page");
        assert_eq!(cache, "no-cache");
    }
}

#[tokio::test]
async fn assets_have_their_content_types_and_are_cached_only_when_versioned() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, page) = get_text(&app, "/", "text/html; charset=utf-8").await;

    for (asset, content_type, marker) in [
        ("app.js", "text/javascript; charset=utf-8", "'use strict';"),
        ("app.css", "text/css; charset=utf-8", ".coins"),
        ("favicon.svg", "image/svg+xml", "<svg"),
    ] {
        let version = linked_version(&page, asset);
        let (cache, body) =
            get_text(&app, &format!("/assets/{asset}?v={version}"), content_type).await;
        assert_eq!(cache, "public, max-age=31536000, immutable", "{asset}");
        assert!(body.contains(marker), "{asset} holds {marker}");

        // Without the current version the answer may be stale tomorrow: no long caching.
        let (cache, unversioned) = get_text(&app, &format!("/assets/{asset}"), content_type).await;
        assert_eq!(cache, "no-cache", "{asset}");
        assert_eq!(unversioned, body);
        let (cache, _) = get_text(&app, &format!("/assets/{asset}?v=old"), content_type).await;
        assert_eq!(cache, "no-cache", "{asset}");
    }

    // Unknown assets stay JSON errors like every other unknown route.
    assert!(app
        .get_error("/assets/nope.js", 404)
        .await
        .contains("/assets/nope.js"));
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app
        .client
        .head(format!("{}/coins/ETH", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/html; charset=utf-8"
    );
    assert!(response.text().await.unwrap().is_empty());
}
