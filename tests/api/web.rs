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
            r#"<script type="module" src="/assets/app.js?v={version}"></script>"#
        )),
        "the app's entry module"
    );
    let css = linked_version(&page, "app.css");
    assert!(page.contains(&format!(
        r#"<link rel="stylesheet" href="/assets/app.css?v={css}">"#
    )));
    assert_ne!(version, css, "each file has its own version");
    assert!(page.contains(r#"id="coins-table""#));
    assert!(!page.contains("__VERSION__") && !page.contains("__IMPORT_MAP__"));

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
        ("app.js", "text/javascript; charset=utf-8", "startRouter("),
        (
            "dashboard.js",
            "text/javascript; charset=utf-8",
            "/api/v1/markets",
        ),
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

    // Unknown files are JSON errors naming the path; the page's template, the unit tests
    // and anything outside web/ are not files of the dashboard.
    for path in [
        "/assets/nope.js",
        "/assets/index.html",
        "/assets/package.json",
        "/assets/test%2Fformat.test.js",
        "/assets/..%2FCargo.toml",
    ] {
        let error = app.get_error(path, 404).await;
        assert!(
            error.contains("There is no file /assets/"),
            "{path}: {error}"
        );
    }
    assert_eq!(
        app.get("/assets/test/format.test.js")
            .await
            .status()
            .as_u16(),
        404
    );
}

/// The modules import one another by plain relative paths: the page's import map sends each
/// of those to the version the server caches for a year.
#[tokio::test]
async fn the_import_map_sends_every_module_to_its_cached_version() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, page) = get_text(&app, "/", "text/html; charset=utf-8").await;
    let start = page
        .find(r#"<script type="importmap">"#)
        .expect("an import map")
        + r#"<script type="importmap">"#.len();
    let end = page[start..].find("</script>").unwrap() + start;
    let map: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
    let imports = map["imports"].as_object().unwrap();
    assert!(imports.contains_key("/assets/app.js"));
    assert!(imports.len() >= 8, "{imports:?}");
    for (plain, versioned) in imports {
        let versioned = versioned.as_str().unwrap();
        assert!(versioned.starts_with(&format!("{plain}?v=")), "{versioned}");
        let (cache, body) = get_text(&app, versioned, "text/javascript; charset=utf-8").await;
        assert_eq!(cache, "public, max-age=31536000, immutable", "{versioned}");
        // Every module the page can load is in the map, so no import goes unversioned.
        for line in body.lines().filter(|l| l.starts_with("import ")) {
            let from = line.rsplit("from '").next().unwrap();
            let name = from.trim_end_matches("';").trim_start_matches("./");
            assert!(
                imports.contains_key(&format!("/assets/{name}")),
                "{plain} imports {name}, which the map lacks"
            );
        }
    }
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

/// GETs `path` with `If-None-Match: etag`.
async fn revalidate(app: &TestApp, path: &str, etag: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.address))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap()
}

/// The page and every file carry a strong ETag (a hash of their bytes), the same on every
/// answer; naming it in `If-None-Match` answers 304 without a body, with the same ETag and
/// Cache-Control, whether the file was asked for with its version or not.
#[tokio::test]
async fn the_page_and_files_answer_304_to_their_etag() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, page) = get_text(&app, "/", "text/html; charset=utf-8").await;
    let app_js = format!("/assets/app.js?v={}", linked_version(&page, "app.js"));
    let css = format!("/assets/app.css?v={}", linked_version(&page, "app.css"));
    let mut etags = Vec::new();
    for path in [
        "/",
        "/coins/BTC",
        &app_js,
        "/assets/app.js",
        &css,
        "/assets/favicon.svg",
    ] {
        let first = app.get(path).await;
        assert_eq!(first.status().as_u16(), 200, "GET {path}");
        let etag = header(&first, "etag");
        let cache = header(&first, "cache-control");
        assert!(
            etag.len() == 34 && etag.starts_with('"') && etag.ends_with('"'),
            "a strong ETag for {path}: {etag}"
        );
        assert_eq!(header(&app.get(path).await, "etag"), etag, "{path}: stable");

        let again = revalidate(&app, path, &etag).await;
        assert_eq!(again.status().as_u16(), 304, "GET {path} with its ETag");
        assert_eq!(header(&again, "etag"), etag);
        assert_eq!(header(&again, "cache-control"), cache, "{path}");
        assert!(again.text().await.unwrap().is_empty());

        // Another ETag (an older file) gets the file.
        let other = revalidate(&app, path, "\"0123456789abcdef0123456789abcdef\"").await;
        assert_eq!(other.status().as_u16(), 200, "GET {path} with another ETag");
        assert_eq!(header(&other, "etag"), etag);
        assert!(!other.text().await.unwrap().is_empty());
        etags.push(etag);
    }
    // One ETag per content: the page's two paths share one, a file's with and without its
    // version share one, different files differ.
    assert_eq!(etags[0], etags[1]);
    assert_eq!(etags[2], etags[3]);
    let distinct: std::collections::BTreeSet<&String> = etags.iter().collect();
    assert_eq!(distinct.len(), 4, "{etags:?}");
}
