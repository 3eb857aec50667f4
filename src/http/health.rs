//! Liveness and readiness probes.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::{ApiError, AppState};

/// The process is up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The database answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    #[schema(example = "ready")]
    pub status: &'static str,
    /// The backend in use.
    #[schema(example = "sqlite")]
    pub database: &'static str,
}

ok_only_route! {
    path = "/healthz", tag = "service", operation_id = "healthz",
    summary = "Liveness: the process is up",
    ok = ("Always, while the process serves.", "application/json", Health,
        example = json!({"status": "ok"})),
    /// The process is up. Constant work: the ceiling any other route is measured against.
    pub async fn healthz() -> Json<Health> {
        Json(Health { status: "ok" })
    }
}

/// The database answers: 200, or 503 with the reason, so a load balancer can hold traffic.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "service",
    operation_id = "readyz",
    summary = "Readiness: the database answers",
    responses(
        (status = 200, description = "The database answered a trivial query.", body = Readiness,
            example = json!({"status": "ready", "database": "sqlite"})),
        (status = 503, description = "The database cannot be reached; hold traffic.",
            body = ErrorBody),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(Readiness {
            status: "ready",
            database: state.store.backend(),
        })
        .into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            ApiError::Unavailable(error).into_response()
        }
    }
}
