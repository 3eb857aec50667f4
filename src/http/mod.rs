//! The HTTP layer: one module per resource, thin handlers that parse the request into
//! typed values, ask the store, and hand the records to `analytics`.

pub mod auth;
mod dashboard;
pub mod error;
mod health;
mod search;
pub mod v1;
mod web;
mod write;

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::cache::ResponseCache;
use crate::store::Store;
pub use auth::ApiKeys;
pub use error::ApiError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Read routes answer through it; writes move its data generation forward.
    pub cache: ResponseCache,
    /// Who may use the write routes.
    pub api_keys: ApiKeys,
    /// The largest request body the write routes accept.
    pub max_body_bytes: usize,
}

/// Every route krispyto serves, with the layers around them.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/dashboard", get(dashboard::dashboard))
        .route("/search", get(search::search))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(web::router())
        .route("/api/v1/coins/{symbol}", put(write::put_coin))
        .route("/api/v1/coins/{symbol}/records", post(write::post_records))
        .merge(v1::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
                .allow_headers(Any),
        )
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            tracing::error!("a request handler panicked");
            error::error_body(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server hit an internal error. It is logged; try again, and report it if it persists.",
            )
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

async fn not_found(request: Request) -> Response {
    error::error_body(
        StatusCode::NOT_FOUND,
        &format!(
            "There is no route {} {}. The routes are /dashboard, /search, /healthz and /readyz.",
            request.method(),
            request.uri().path()
        ),
    )
}

async fn method_not_allowed(request: Request) -> Response {
    error::error_body(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!(
            "{} is not allowed on {}; the 'Allow' header of this answer lists the methods it takes.",
            request.method(),
            request.uri().path()
        ),
    )
}
