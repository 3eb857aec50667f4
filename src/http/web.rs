//! The web dashboard: one HTML page and the files it loads (ES modules, a style sheet, an
//! icon), embedded in the binary by `rust-embed` so `krispyto serve` alone gives a person
//! something to look at, offline, with no build step.
//!
//! `/` and `/coins/{symbol}` serve the same page; its script reads the path and draws the
//! dashboard or the coin page, calling the JSON routes like any other client. Every file of
//! `web/` except the page itself (and the unit tests beside it) is served at `/assets/{file}`.
//!
//! Caching: every answer carries a strong ETag (a hash of its bytes, computed once at start)
//! and a matching `If-None-Match` gets `304 Not Modified`, through `http::conditional` as
//! the API's answers do. The page is revalidated on every load (`no-cache`: a cheap 304 while
//! the binary is the same), and it links each file as
//! `/assets/NAME?v=VERSION`, VERSION being the start of the SHA-256 of that file. The modules
//! import one another by plain relative paths; the page's import map sends each of those to
//! its versioned URL too. A file requested with its current version never changes, so
//! browsers may keep it for a year; any other request for it (no or an old version) is
//! answered `no-cache`, so a new binary is never hidden behind a stale copy.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::header::X_CONTENT_TYPE_OPTIONS;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::{Answer, ApiError};

/// The files under `/assets/`. `debug-embed` (Cargo.toml): debug builds embed them too, so
/// the tests serve exactly what a release binary does. Cargo rebuilds when an embedded file
/// changes, but not when one is added to `web/`: touch this file then.
#[derive(Embed)]
#[folder = "web/"]
#[exclude = "index.html"]
#[exclude = "package.json"]
#[exclude = "test/*"]
struct WebFiles;

/// The page's template: the same for every view.
const INDEX_HTML: &str = include_str!("../../web/index.html");

/// In the template, `/assets/NAME?v=` followed by this becomes NAME's version.
const VERSION_PLACEHOLDER: &str = "__VERSION__";
/// In the template, the content of `<script type="importmap">`.
const IMPORT_MAP_PLACEHOLDER: &str = "__IMPORT_MAP__";

const HTML: &str = "text/html; charset=utf-8";
const REVALIDATE: &str = "no-cache";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One servable file.
struct Asset {
    /// The file as served, with its ETag.
    answer: Answer,
    content_type: &'static str,
    /// The first 16 hex digits of the file's SHA-256: changes whenever the file does.
    version: String,
}

/// Every servable file, by name, read once.
static ASSETS: LazyLock<BTreeMap<String, Asset>> = LazyLock::new(|| {
    WebFiles::iter()
        .filter_map(|name| {
            let file = WebFiles::get(&name)?;
            let content_type = content_type(&name);
            let body = match file.data {
                Cow::Borrowed(bytes) => Bytes::from_static(bytes),
                Cow::Owned(bytes) => Bytes::from(bytes),
            };
            let asset = Asset {
                content_type,
                version: version_of(&body),
                answer: Answer::file(content_type, body),
            };
            Some((name.into_owned(), asset))
        })
        .collect()
});

static PAGE: LazyLock<String> = LazyLock::new(|| render_page(INDEX_HTML, &ASSETS));

/// The page as served, with its ETag.
static PAGE_ANSWER: LazyLock<Answer> =
    LazyLock::new(|| Answer::file(HTML, Bytes::from_static(PAGE.as_bytes())));

/// The first 16 hex digits of the SHA-256 of `bytes`: stable across builds and machines,
/// and plenty to tell two versions of a file apart.
fn version_of(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..8]
        .iter()
        .fold(String::with_capacity(16), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// The content type of a file of `web/`, by its extension.
fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// The page: every `/assets/NAME?v=__VERSION__` gets NAME's version, and the import map
/// sends every module's plain URL to its versioned one.
///
/// Panics when the template links a file `web/` does not hold: a unit test renders the
/// page, so that cannot reach a release.
fn render_page(template: &str, assets: &BTreeMap<String, Asset>) -> String {
    let imports: BTreeMap<String, String> = assets
        .iter()
        .filter(|(_, asset)| asset.content_type.starts_with("text/javascript"))
        .map(|(name, asset)| {
            (
                format!("/assets/{name}"),
                format!("/assets/{name}?v={}", asset.version),
            )
        })
        .collect();
    let import_map = serde_json::json!({ "imports": imports }).to_string();

    let mut page = String::with_capacity(template.len() + import_map.len() + 512);
    let mut rest = template;
    while let Some(at) = rest.find(VERSION_PLACEHOLDER) {
        let before = &rest[..at];
        let name = before
            .rfind("/assets/")
            .and_then(|start| before[start + "/assets/".len()..].strip_suffix("?v="))
            .unwrap_or_else(|| {
                panic!("index.html: {VERSION_PLACEHOLDER} not after /assets/NAME?v=")
            });
        let asset = assets
            .get(name)
            .unwrap_or_else(|| panic!("index.html links /assets/{name}, which web/ does not hold"));
        page.push_str(before);
        page.push_str(&asset.version);
        rest = &rest[at + VERSION_PLACEHOLDER.len()..];
    }
    page.push_str(rest);
    page.replace(IMPORT_MAP_PLACEHOLDER, &import_map)
}

/// The page and asset routes, each with its OpenAPI operation; merged into the main router.
pub fn router<S: Clone + Send + Sync + 'static>() -> OpenApiRouter<S> {
    OpenApiRouter::new()
        .routes(routes!(page))
        .routes(routes!(coin_page))
        .routes(routes!(asset))
}

ok_only_route! {
    path = "/", tag = "web", operation_id = "web_dashboard",
    summary = "The web dashboard (HTML)",
    ok = ("The page; its script draws the price table.", "text/html", String),
    /// The web dashboard.
    async fn page(headers: HeaderMap) -> Response {
        respond(&PAGE_ANSWER, &headers, REVALIDATE)
    }
}

/// A coin's page: the same HTML, which reads the symbol from the path.
#[utoipa::path(
    get,
    path = "/coins/{symbol}",
    tag = "web",
    operation_id = "web_coin_page",
    summary = "A coin's page in the web dashboard (HTML)",
    params(("symbol" = String, Path, description = "The coin's symbol; the page itself says \
        when no coin has it.", example = "BTC")),
    responses(
        (status = 200, description = "The page; its script draws the coin's chart.",
            content_type = "text/html", body = String),
    )
)]
async fn coin_page(headers: HeaderMap) -> Response {
    page(headers).await
}

#[derive(Debug, Deserialize)]
struct AssetQuery {
    v: Option<String>,
}

/// A file the page loads: a script module, the style sheet or the icon.
#[utoipa::path(get, path = "/assets/{file}", tag = "web", operation_id = "web_asset",
    summary = "A file of the web dashboard (script module, style sheet, icon)",
    params(
        ("file" = String, Path, description = "The file's name, as the page links it.",
            example = "app.js"),
        ("v" = Option<String>, Query, description = "The file's version, as the page links it."),
    ),
    responses(
        (status = 200, description = "The file; `Cache-Control` is immutable for a year when `v` \
            is the file's current version, `no-cache` otherwise.",
            content(
                (String = "text/javascript"),
                (String = "text/css"),
                (String = "image/svg+xml"),
            ),
            headers(("Cache-Control" = String, description = "`public, max-age=31536000, immutable` or `no-cache`."))),
        (status = 400, description = "The query string cannot be read (e.g. `v` given twice).",
            body = ErrorBody),
        (status = 404, description = "The dashboard has no such file.", body = ErrorBody),
    ))]
async fn asset(
    Path(file): Path<String>,
    Query(query): Query<AssetQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(asset) = ASSETS.get(&file) else {
        return ApiError::NotFound(format!(
            "There is no file /assets/{file}: the dashboard at / links every file it needs."
        ))
        .into_response();
    };
    let cache = if query.v.as_deref() == Some(asset.version.as_str()) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    respond(&asset.answer, &headers, cache)
}

/// `answer` with its ETag and `cache`, or a 304 when the request names that ETag.
fn respond(answer: &Answer, request_headers: &HeaderMap, cache: &'static str) -> Response {
    let mut response = answer.respond_to(request_headers, &HeaderValue::from_static(cache));
    response
        .headers_mut()
        .insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(body: &'static str, version: &str) -> Asset {
        let content_type = "text/javascript; charset=utf-8";
        Asset {
            answer: Answer::file(content_type, Bytes::from_static(body.as_bytes())),
            content_type,
            version: version.to_owned(),
        }
    }

    #[test]
    fn the_page_links_the_current_version_of_every_file_it_names() {
        assert!(!PAGE.contains(VERSION_PLACEHOLDER));
        assert!(!PAGE.contains(IMPORT_MAP_PLACEHOLDER));
        for name in ["app.js", "app.css", "favicon.svg"] {
            let link = format!("/assets/{name}?v={}", ASSETS[name].version);
            assert!(PAGE.contains(&link), "index.html links {link}");
        }
    }

    #[test]
    fn the_import_map_versions_every_module_and_nothing_else() {
        let start = PAGE
            .find(r#"<script type="importmap">"#)
            .expect("an import map")
            + 25;
        let end = PAGE[start..].find("</script>").unwrap() + start;
        let map: serde_json::Value = serde_json::from_str(&PAGE[start..end]).unwrap();
        let imports = map["imports"].as_object().unwrap();
        let modules: Vec<&String> = ASSETS.keys().filter(|n| n.ends_with(".js")).collect();
        assert!(
            modules.len() > 5,
            "the client is split into modules: {modules:?}"
        );
        assert_eq!(imports.len(), modules.len());
        for name in modules {
            assert_eq!(
                imports[&format!("/assets/{name}")],
                format!("/assets/{name}?v={}", ASSETS[name].version)
            );
        }
    }

    #[test]
    fn the_page_and_tests_are_not_served_as_assets() {
        assert!(ASSETS.contains_key("app.js"));
        assert!(!ASSETS.contains_key("index.html"));
        assert!(!ASSETS.contains_key("package.json"));
        assert!(
            ASSETS.keys().all(|name| !name.contains('/')),
            "{:?}",
            ASSETS.keys()
        );
    }

    #[test]
    fn versions_are_the_start_of_the_sha256_of_each_file() {
        assert_eq!(version_of(b""), "e3b0c44298fc1c14");
        assert_eq!(version_of(b"abc"), "ba7816bf8f01cfea");
        for (name, asset) in ASSETS.iter() {
            assert_eq!(asset.version, version_of(asset.answer.body()), "{name}");
        }
        let versions: std::collections::BTreeSet<&str> =
            ASSETS.values().map(|a| a.version.as_str()).collect();
        assert_eq!(
            versions.len(),
            ASSETS.len(),
            "different files, different versions"
        );
    }

    #[test]
    fn rendering_fills_each_link_with_its_own_files_version() {
        let assets = BTreeMap::from([
            ("a.js".to_owned(), asset("a", "1111")),
            ("b.js".to_owned(), asset("b", "2222")),
        ]);
        let page = render_page(
            r#"<script type="importmap">__IMPORT_MAP__</script><script src="/assets/a.js?v=__VERSION__"></script><link href="/assets/b.js?v=__VERSION__">"#,
            &assets,
        );
        assert_eq!(
            page,
            r#"<script type="importmap">{"imports":{"/assets/a.js":"/assets/a.js?v=1111","/assets/b.js":"/assets/b.js?v=2222"}}</script><script src="/assets/a.js?v=1111"></script><link href="/assets/b.js?v=2222">"#
        );
    }

    #[test]
    #[should_panic(expected = "/assets/missing.js")]
    fn a_link_to_a_missing_file_is_caught_by_the_tests() {
        render_page(
            r#"<script src="/assets/missing.js?v=__VERSION__">"#,
            &BTreeMap::new(),
        );
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("app.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("app.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("README"), "application/octet-stream");
    }
}
