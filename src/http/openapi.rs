//! The OpenAPI 3.1 description of every route, generated from the handlers' `#[utoipa::path]`
//! annotations as they are registered in `super::routes()`, and the two routes that publish
//! it: `GET /openapi.json` and `GET /docs` (Swagger UI, embedded in the binary).

use std::sync::{Arc, OnceLock};

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, ObjectBuilder, OpenApi as OpenApiDocument, Ref, Required, ResponseBuilder, Type,
};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::Config;

use super::error::ErrorBody;
use super::ApiError;

/// What the generated description says about the API as a whole; the paths come from the
/// handlers registered in `super::routes()`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "krispyto",
        description = "Historical daily crypto prices (one OHLCV and market-cap record per coin \
                       per day) and the analytics a price dashboard needs.\n\n\
                       Every error answer is JSON `{\"error\": \"...\"}` with a 4xx or 5xx status; \
                       unknown routes answer 404 and wrong methods 405, both in JSON. Query \
                       strings are decoded once and unknown parameters are ignored. Any origin \
                       may GET (CORS). Dates are calendar days, `YYYY-MM-DD`.",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "compatibility", description = "The routes of the original Flask server, kept \
            exactly as its React frontend calls them."),
        (name = "v1", description = "The read API: coins, candles, markets, search and \
            statistics. Errors are `{\"error\": \"...\"}` with the right 4xx."),
        (name = "data", description = "Bulk downloads, streamed from the database as they are \
            read (never cached, never held whole in memory)."),
        (name = "coingecko", description = "CoinGecko's public API v3 over the daily records \
            (shared/COINGECKO.md): code written for CoinGecko (pycoingecko, the official SDKs) \
            works with only its base URL changed to `/api/v3`. The close of day D is observed at \
            D+1 00:00 UTC; \"now\" is the end of the latest day held. Errors are \
            `{\"error\": \"...\"}`: 404 `coin not found`, 400 `invalid vs_currency`, or a 400 \
            naming the parameter. Every path also answers with a trailing slash; CoinGecko key \
            headers and parameters are accepted and ignored."),
        (name = "service", description = "Probes, metrics and this description."),
        (name = "web", description = "The web dashboard: one HTML page and its assets, \
            served from the binary."),
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

/// The `bearer` security scheme the write routes name in their `security(...)`.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDocument) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The write token the server was started with, as `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The description of every route `super::router` serves, built once per process.
pub fn spec() -> &'static OpenApiDocument {
    static SPEC: OnceLock<OpenApiDocument> = OnceLock::new();
    SPEC.get_or_init(|| {
        let mut spec = super::routes().into_openapi();
        document_read_cache(&mut spec);
        document_unavailable(&mut spec);
        spec
    })
}

/// The tags whose GET routes answer with an ETag and 304s (`http::conditional`): the reads
/// through the read cache, and the web dashboard's page and files.
const CACHED_TAGS: [&str; 4] = ["compatibility", "v1", "coingecko", "web"];

/// Every read answered through the cache takes `If-None-Match`, sends `ETag` and
/// `Cache-Control` with a 200, and answers 304 when the ETag matches. Described here once for
/// all of them, rather than in each handler's annotation.
fn document_read_cache(spec: &mut OpenApiDocument) {
    let string = || ObjectBuilder::new().schema_type(Type::String).build();
    let etag = HeaderBuilder::new()
        .schema(string())
        .description(Some(
            "Changes whenever the answer does (for data: with the data generation and the query).",
        ))
        .build();
    let cache_control = HeaderBuilder::new()
        .schema(string())
        .description(Some("How long a client may reuse the answer."))
        .build();
    let if_none_match = ParameterBuilder::new()
        .name("If-None-Match")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "ETags of answers already held; a match (or `*`) answers 304 with no body.",
        ))
        .schema(Some(string()))
        .build();
    let not_modified = ResponseBuilder::new()
        .description("`If-None-Match` matched: the answer already held is current (no body).")
        .header("ETag", etag.clone())
        .header("Cache-Control", cache_control.clone())
        .build();
    for item in spec.paths.paths.values_mut() {
        let Some(operation) = item.get.as_mut() else {
            continue;
        };
        let cached = operation
            .tags
            .iter()
            .flatten()
            .any(|tag| CACHED_TAGS.contains(&tag.as_str()));
        if !cached {
            continue;
        }
        operation
            .parameters
            .get_or_insert_with(Vec::new)
            .push(if_none_match.clone());
        let responses = &mut operation.responses.responses;
        if let Some(utoipa::openapi::RefOr::T(ok)) = responses.get_mut("200") {
            ok.headers.insert("ETag".into(), etag.clone());
            // A route that describes its own Cache-Control (the web files) keeps it.
            ok.headers
                .entry("Cache-Control".into())
                .or_insert_with(|| cache_control.clone());
        }
        responses.insert("304".into(), not_modified.clone().into());
    }
}

/// Every route that reads or writes the database (the ones that document its failure, a 500)
/// answers 503 while the database cannot be reached (`ApiError::Unavailable`): described here
/// once for all of them, as `/readyz` describes its own.
fn document_unavailable(spec: &mut OpenApiDocument) {
    let unavailable = ResponseBuilder::new()
        .description(
            "The database cannot be reached right now: not the request's fault; retry shortly \
             (a load balancer holds traffic, as `/readyz` tells it).",
        )
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build();
    for item in spec.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            if responses.contains_key("500") {
                responses
                    .entry("503".into())
                    .or_insert_with(|| unavailable.clone().into());
            }
        }
    }
}

fn spec_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        spec()
            .to_json()
            .expect("the OpenAPI description serializes to JSON")
    })
}

ok_only_route! {
    path = "/openapi.json", tag = "service", operation_id = "openapi",
    summary = "This API's OpenAPI 3.1 description",
    ok = ("The OpenAPI 3.1 document (JSON).", "application/json", Object),
    /// The OpenAPI 3.1 description of every route, generated from the code.
    pub async fn openapi_json() -> Response {
        ([(header::CONTENT_TYPE, "application/json")], spec_json()).into_response()
    }
}

ok_only_route! {
    path = "/docs", tag = "service", operation_id = "docs",
    summary = "Swagger UI for this API",
    ok = ("The Swagger UI page; its assets load from /docs/{file}.", "text/html", String),
    /// Swagger UI over `/openapi.json`, served from files embedded in the binary (no CDN).
    pub async fn docs() -> Response {
        swagger_file("index.html")
    }
}

/// The files Swagger UI loads: scripts, style sheets, images.
#[utoipa::path(
    get,
    path = "/docs/{file}",
    tag = "service",
    operation_id = "docs_asset",
    summary = "A Swagger UI asset",
    params(
        ("file" = String, Path, description = "A file of the Swagger UI distribution.",
            example = "swagger-ui.css"),
    ),
    responses(
        (status = 200, description = "The file.", content(
            (String = "text/html"),
            (String = "text/css"),
            (String = "text/javascript"),
            (String = "application/json"),
            (String = "image/png"),
            (String = "application/octet-stream"),
        )),
        (status = 400, description = "The file name is not valid UTF-8 once percent-decoded.",
            body = ErrorBody, content_type = "application/json"),
        (status = 404, description = "No such file in the Swagger UI distribution.",
            body = ErrorBody, content_type = "application/json"),
    )
)]
pub async fn docs_asset(Path(file): Path<String>) -> Response {
    swagger_file(&file)
}

fn swagger_config() -> Arc<Config<'static>> {
    static CONFIG: OnceLock<Arc<Config<'static>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| Arc::new(Config::from("/openapi.json")))
        .clone()
}

fn swagger_file(file: &str) -> Response {
    match utoipa_swagger_ui::serve(file, swagger_config()) {
        Ok(Some(found)) => {
            let body = if file == "index.html" {
                // The page links its assets relatively (`./swagger-ui.css`): anchor them under
                // /docs/ so the page works at /docs, without a redirect to /docs/.
                String::from_utf8_lossy(&found.bytes)
                    .replacen("<head>", "<head>\n    <base href=\"/docs/\">", 1)
                    .into_bytes()
            } else {
                found.bytes.into_owned()
            };
            ([(header::CONTENT_TYPE, content_type(file))], body).into_response()
        }
        Ok(None) => ApiError::NotFound(format!(
            "Swagger UI has no file '{file}'. Open /docs for the API documentation."
        ))
        .into_response(),
        Err(error) => {
            tracing::error!(%error, file, "serving a Swagger UI file failed");
            ApiError::Internal(
                "The documentation page failed to load. It is logged; /openapi.json still \
                 describes the API."
                    .into(),
            )
            .into_response()
        }
    }
}

/// The content types `docs_asset` documents, by file extension.
fn content_type(file: &str) -> &'static str {
    match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}
