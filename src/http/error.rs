//! The one error type of the HTTP layer. Every failure becomes a status code and a JSON body
//! `{"error": "<a sentence a person can act on>"}`; internals go to the log, never the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

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
            ApiError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
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
