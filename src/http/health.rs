//! Liveness and readiness probes.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::{ApiError, AppState};

/// The process is up. Constant work: the ceiling any other route is measured against.
pub async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// The database answers: 200, or 503 with the reason, so a load balancer can hold traffic.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => {
            Json(json!({ "status": "ready", "database": state.store.backend() })).into_response()
        }
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            let mut response = ApiError::from(error).into_response();
            *response.status_mut() = axum::http::StatusCode::SERVICE_UNAVAILABLE;
            response
        }
    }
}
