//! The one error type of the HTTP layer. Every failure becomes a status code and a JSON body
//! `{"error": "<a sentence a person can act on>"}`; internals go to the log, never the client.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A parameter is missing, empty or malformed; the message names it.
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            // Not a fault of the request, and temporary: clients may retry.
            ApiError::Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The body of every error answer (the original frontend shows `error` to the user).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": "The 'id' parameter is required: give 'all' or a comma-separated list of symbols or names, e.g. id=btc,eth."}))]
pub struct ErrorBody {
    /// A sentence a person can act on: what was wrong and what to send instead.
    pub error: String,
}

/// The body every error answer carries.
pub fn error_body(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.to_response()
    }
}

impl ApiError {
    /// The answer for this error, from a shared reference: the response cache hands the same
    /// error to every request that waited on one failed computation.
    pub fn to_response(&self) -> Response {
        let status = self.status();
        let message = match self {
            ApiError::Store(StoreError::Unavailable(cause)) => {
                tracing::error!(error = %cause, "database unavailable");
                "The database cannot be reached right now. Try again shortly; if this persists, \
                 the server's operator should check that the database is running."
                    .to_owned()
            }
            ApiError::Store(other) => {
                tracing::error!(error = %other, "database error");
                "The server failed to read the data. The error is logged; try again, and report \
                 it if it persists."
                    .to_owned()
            }
            other => other.to_string(),
        };
        error_body(status, &message)
    }
}

/// The most bytes of a non-JSON error body carried over into the JSON message.
const MAX_REJECTION_BYTES: usize = 4096;

/// Makes every error answer JSON, whoever produced it: axum's extractor rejections
/// (`Query`, `Path`, `Json`) and tower layers answer in plain text, which the frontend and the
/// OpenAPI contract (`{"error": ...}` on every 4xx/5xx) cannot read.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, MAX_REJECTION_BYTES).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_owned(),
        Err(_) => String::new(),
    };
    let reason = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("The request failed")
            .to_owned()
    } else {
        text
    };
    let reason = reason.trim_end_matches('.');
    let message = if status.is_client_error() {
        format!("{reason}. Check the request against the API description at /docs.")
    } else {
        format!("{reason}. Try again, and report it if it persists.")
    };
    let body = serde_json::to_vec(&json!({ "error": message })).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}
