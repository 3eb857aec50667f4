//! The HTTP layer: one module per resource, thin handlers that parse the request into
//! typed values, ask the store, and hand the records to `analytics`.

/// Declares a GET route that takes no parameters and documents one answer: a 200 of one
/// content type (with an example, or none). The handler follows the route's words; its doc
/// comment describes the operation, as on any `#[utoipa::path]` handler.
macro_rules! ok_only_route {
    (
        path = $path:tt, tag = $tag:tt, operation_id = $operation_id:tt,
        summary = $summary:tt,
        ok = ($description:tt, $content_type:tt, $body:tt $(, example = $($example:tt)+)?),
        $($handler:tt)*
    ) => {
        #[utoipa::path(
            get,
            path = $path,
            tag = $tag,
            operation_id = $operation_id,
            summary = $summary,
            responses(
                (status = 200, description = $description, content_type = $content_type,
                    body = $body $(, example = $($example)+)?),
            )
        )]
        $($handler)*
    };
}

pub mod auth;
pub mod conditional;
mod dashboard;
pub mod encoding;
pub mod error;
mod health;
pub mod metrics;
pub mod openapi;
pub mod params;
mod search;
pub mod v1;
pub mod v3;
mod web;
mod write;

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::Method;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::cache::{Cache, Json};
use crate::store::Store;
pub use auth::ApiKeys;
pub use conditional::{Answer, ResponseCache};
pub use dashboard::DashboardRow;
pub use error::ApiError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Read routes answer through it; writes move its data generation forward.
    pub cache: ResponseCache,
    /// The market tables the markets routes cut their pages from.
    pub tables: MarketTables,
    /// Who may use the write routes.
    pub api_keys: ApiKeys,
    /// The largest request body the write routes accept.
    pub max_body_bytes: usize,
}

/// The day's market tables, each cached once per data generation beside the answers (the
/// same generation and Redis): every page and sort order of a markets route is cut from one
/// table, so paging through a day asks the store once.
#[derive(Clone)]
pub struct MarketTables {
    pub v1: Cache<Json<v1::markets::MarketTable>>,
    pub v3: Cache<Json<v3::markets::MarketTable>>,
}

impl MarketTables {
    /// Beside `answers`, each with an L1 of an eighth of the answers' (a table of a few
    /// thousand coins is about a megabyte; a few days' tables are what is paged through).
    pub fn beside(answers: &ResponseCache) -> MarketTables {
        let max_bytes = answers.l1_max_bytes() / 8;
        MarketTables {
            v1: answers.sibling(max_bytes),
            v3: answers.sibling(max_bytes),
        }
    }
}

/// Every route krispyto serves, each registered with its OpenAPI operation: `routes!` reads
/// the path and method from the handler's `#[utoipa::path]`, so a route cannot be served
/// without being described, nor described at a path it is not served on. Add a route here,
/// one line, and it is in `/openapi.json`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(dashboard::dashboard))
        .routes(routes!(search::search))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(metrics::metrics))
        .routes(routes!(openapi::openapi_json))
        .routes(routes!(openapi::docs))
        .routes(routes!(openapi::docs_asset))
        .merge(v1::router())
        .merge(v3::router())
        .merge(web::router())
        .routes(routes!(write::put_coin))
        .routes(routes!(write::post_records))
}

/// Every route krispyto serves, with the layers around them.
pub fn router(state: AppState) -> Router {
    let (routes, _) = routes().split_for_parts();
    // Only the write routes read bodies; they read them within this limit.
    let body_limit = DefaultBodyLimit::max(state.max_body_bytes);
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(body_limit)
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
                .allow_headers(Any),
        )
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            tracing::error!("a request handler panicked");
            ApiError::Internal(
                "The server hit an internal error. It is logged; try again, and report it if it persists."
                    .into(),
            )
            .into_response()
        }))
        .layer(middleware::from_fn(error::json_errors))
        .layer(middleware::from_fn(metrics::track_requests))
        .layer(
            // One log line per request, in the request's span: method and route template
            // (never the raw URI, which carries user input), then status and latency.
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        route = %metrics::route_label(request),
                    )
                })
                .on_request(())
                .on_response(|response: &Response, latency: Duration, _: &Span| {
                    let status = response.status().as_u16();
                    // Sampled (--access-log-sample): a line per request costs MB/s at full load.
                    if crate::telemetry::ACCESS_LOG.admits(status) {
                        tracing::info!(
                            status,
                            // Microsecond precision is plenty, and keeps log lines short.
                            latency_ms = (latency.as_secs_f64() * 1_000_000.0).round() / 1000.0,
                            "request answered"
                        );
                    }
                })
                .on_failure(()),
        )
}

async fn not_found(request: Request) -> ApiError {
    ApiError::NotFound(format!(
        "There is no route {} {}. /docs lists every route (/openapi.json, for programs).",
        request.method(),
        request.uri().path(),
    ))
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::MethodNotAllowed(format!(
        "{} is not allowed on {}; the 'Allow' header of this answer lists the methods it takes.",
        request.method(),
        request.uri().path()
    ))
}
