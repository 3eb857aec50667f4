//! The web dashboard: one HTML page and its script, style sheet and icon, compiled into the
//! binary so `krispyto serve` alone gives a person something to look at, offline.
//!
//! `/` and `/coins/{symbol}` serve the same page; the script reads the path and draws the
//! dashboard or the coin page, calling the JSON routes like any other client.
//!
//! Caching: the page is revalidated on every load (`no-cache`), and it links each asset as
//! `/assets/NAME?v=VERSION`, VERSION being a hash of the assets' content. An asset requested
//! with the current version never changes, so browsers may keep it for a year; any other
//! request for it (no or an old version) is answered `no-cache`, so a new binary is never
//! hidden behind a stale copy.

use std::sync::LazyLock;

use axum::extract::Query;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

const INDEX_HTML: &str = include_str!("../../web/index.html");
const APP_JS: &str = include_str!("../../web/app.js");
const APP_CSS: &str = include_str!("../../web/app.css");
const FAVICON_SVG: &str = include_str!("../../web/favicon.svg");

/// The placeholder in index.html that becomes the assets' version.
const VERSION_PLACEHOLDER: &str = "__ASSET_VERSION__";

const HTML: &str = "text/html; charset=utf-8";
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

const REVALIDATE: &str = "no-cache";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A hash of every asset's content: changes whenever any asset does.
static ASSET_VERSION: LazyLock<String> =
    LazyLock::new(|| format!("{:016x}", fnv1a([APP_JS, APP_CSS, FAVICON_SVG])));

static PAGE: LazyLock<String> =
    LazyLock::new(|| INDEX_HTML.replace(VERSION_PLACEHOLDER, &ASSET_VERSION));

/// The page and asset routes; merged into the main router.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(page))
        .route("/coins/{symbol}", get(page))
        .route("/assets/app.js", get(app_js))
        .route("/assets/app.css", get(app_css))
        .route("/assets/favicon.svg", get(favicon))
}

async fn page() -> Response {
    respond(HTML, REVALIDATE, PAGE.as_str())
}

#[derive(Debug, Deserialize)]
struct AssetQuery {
    v: Option<String>,
}

async fn app_js(Query(query): Query<AssetQuery>) -> Response {
    asset(JAVASCRIPT, APP_JS, &query)
}

async fn app_css(Query(query): Query<AssetQuery>) -> Response {
    asset(CSS, APP_CSS, &query)
}

async fn favicon(Query(query): Query<AssetQuery>) -> Response {
    asset(SVG, FAVICON_SVG, &query)
}

fn asset(content_type: &'static str, body: &'static str, query: &AssetQuery) -> Response {
    let cache = if query.v.as_deref() == Some(ASSET_VERSION.as_str()) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    respond(content_type, cache, body)
}

fn respond(content_type: &'static str, cache: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (CACHE_CONTROL, HeaderValue::from_static(cache)),
            (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        body,
    )
        .into_response()
}

/// 64-bit FNV-1a: stable across builds and Rust versions (unlike `DefaultHasher`), and
/// plenty to tell two versions of a few files apart.
fn fnv1a<'a>(parts: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_links_the_current_version_of_every_asset() {
        assert!(!PAGE.contains(VERSION_PLACEHOLDER));
        for asset in ["app.js", "app.css", "favicon.svg"] {
            let link = format!("/assets/{asset}?v={}", *ASSET_VERSION);
            assert!(PAGE.contains(&link), "index.html links {link}");
        }
    }

    #[test]
    fn the_version_changes_with_any_asset() {
        assert_ne!(fnv1a(["a", "bc"]), fnv1a(["ab", "c"]));
        assert_ne!(fnv1a(["a"]), fnv1a(["b"]));
        assert_eq!(fnv1a(["a", "b"]), fnv1a(["a", "b"]));
    }
}
