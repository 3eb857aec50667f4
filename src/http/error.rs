//! The one error type of the HTTP layer. Every refusal and failure, whatever the route, is an
//! [`ApiError`]; [`ApiError::to_response`] is the one place that turns it into a status,
//! headers and a JSON body `{"error": "<a sentence a person can act on>"}` (422 adds
//! `invalid`, the list of problems). Internals go to the log, never to the client.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{self, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::SchemaType;
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, ResponseBuilder, Type};
use utoipa::{IntoResponses, ToSchema};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: a parameter or the body is missing, empty or malformed; the message names it.
    #[error("{0}")]
    BadRequest(String),
    /// 401 with `WWW-Authenticate: <challenge>`: no credentials, or not valid ones.
    #[error("{message}")]
    Unauthorized {
        message: String,
        challenge: &'static str,
    },
    /// 403: the request is understood and will not be served (e.g. writes are disabled).
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 405 (the router adds `Allow`).
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409: the request contradicts the stored data.
    #[error("{0}")]
    Conflict(String),
    /// 413: the body is larger than `limit` bytes.
    #[error(
        "The request body is larger than {limit} bytes, the most this server accepts. \
             Send the records in several smaller requests (the operator sets the limit with \
             KRISPYTO_MAX_BODY_BYTES). Nothing was written."
    )]
    PayloadTooLarge { limit: usize },
    /// 414: the path and query are longer than this server reads.
    #[error("{0}")]
    UriTooLong(String),
    /// 431: the headers are larger than this server reads.
    #[error("{0}")]
    HeadersTooLarge(String),
    /// 415: the body is not in a media type the route reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: the body is well-formed but its content is not valid; says what and where.
    #[error("{}", .0.error)]
    Invalid(InvalidBody),
    /// 500 with a message of our own (the cause is logged where it happened).
    #[error("{0}")]
    Internal(String),
    /// 503: the service cannot answer now (the database is not reachable); hold traffic.
    #[error("{0}")]
    Unavailable(StoreError),
    /// 500: the store failed; the message says what to do, the cause goes to the log.
    #[error(transparent)]
    Store(StoreError),
    /// The failure of a cached computation that a route builds its answer from, shared by
    /// every request that waited on it: answered as that error is.
    #[error(transparent)]
    Shared(Arc<ApiError>),
}

impl From<Arc<ApiError>> for ApiError {
    fn from(error: Arc<ApiError>) -> Self {
        ApiError::Shared(error)
    }
}

/// A database that cannot be reached is a 503 (temporary, not the request's fault: clients
/// and load balancers retry or hold traffic); any other store failure a 500.
impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) => ApiError::Unavailable(error),
            other => ApiError::Store(other),
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

/// The body of a 422: the message and every problem found.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvalidBody {
    pub error: String,
    /// The first problems found, at most [`MAX_LISTED_PROBLEMS`].
    pub invalid: Vec<Problem>,
    /// How many problems were found in all (more than `invalid` lists when over the cap).
    pub total: usize,
}

/// The failures both write routes (`http::write`) document beside their own 404, 409 and
/// 422: each an [`ErrorBody`], the 401 with its `WWW-Authenticate`.
pub struct WriteFailures;

impl WriteFailures {
    const ANSWERS: [(u16, &'static str); 6] = [
        (400, "The symbol is invalid or the body is not JSON."),
        (401, "No API key, or not a valid one."),
        (403, "Writes are disabled: the server has no API keys."),
        (413, "The body is larger than the server accepts."),
        (415, "The body is not sent as `application/json`."),
        (500, "The database cannot be written."),
    ];
}

impl IntoResponses for WriteFailures {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        WriteFailures::ANSWERS
            .into_iter()
            .map(|(status, description)| {
                let mut answer = ResponseBuilder::new().description(description).content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                        .build(),
                );
                if status == 401 {
                    answer = answer.header(
                        "WWW-Authenticate",
                        HeaderBuilder::new()
                            .schema(
                                ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)),
                            )
                            .description(Some("`Bearer realm=\"krispyto\"`"))
                            .build(),
                    );
                }
                (status.to_string(), answer.build().into())
            })
            .collect()
    }
}

/// The most problems a 422 lists: a 1 MiB body of bad records would otherwise be answered
/// with tens of MB.
pub const MAX_LISTED_PROBLEMS: usize = 100;

/// One reason a body is refused: which record (by index in the array), which field, why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    pub field: String,
    pub reason: String,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) | ApiError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Shared(error) => error.status(),
        }
    }

    /// The answer for this error, from a shared reference: the response cache hands the same
    /// error to every request that waited on one failed computation.
    pub fn to_response(&self) -> Response {
        if let ApiError::Shared(error) = self {
            return error.to_response();
        }
        let status = self.status();
        let mut response = match self {
            ApiError::Invalid(body) => (status, Json(body)).into_response(),
            ApiError::Store(error) | ApiError::Unavailable(error) => (
                status,
                Json(ErrorBody {
                    error: store_message(error).to_owned(),
                }),
            )
                .into_response(),
            other => (
                status,
                Json(ErrorBody {
                    error: other.to_string(),
                }),
            )
                .into_response(),
        };
        if let ApiError::Unauthorized { challenge, .. } = self {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    }
}

/// What a client is told when the store fails; the cause is logged here, never sent.
fn store_message(error: &StoreError) -> &'static str {
    match error {
        StoreError::Unavailable(cause) => {
            tracing::error!(error = %cause, "database unavailable");
            "The database cannot be reached right now. Try again shortly; if this persists, \
             the server's operator should check that the database is running."
        }
        other => {
            tracing::error!(error = %other, "database error");
            "The server failed to read the data. The error is logged; try again, and report \
             it if it persists."
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.to_response()
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
    let error = if status.is_client_error() {
        format!("{reason}. Check the request against the API description at /docs.")
    } else {
        format!("{reason}. Try again, and report it if it persists.")
    };
    let body = serde_json::to_vec(&ErrorBody { error }).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_status_and_headers() {
        let unauthorized = ApiError::Unauthorized {
            message: "send a key".into(),
            challenge: "Bearer realm=\"krispyto\"",
        }
        .to_response();
        assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            unauthorized.headers()[WWW_AUTHENTICATE],
            "Bearer realm=\"krispyto\""
        );
        assert_eq!(
            ApiError::PayloadTooLarge { limit: 10 }.status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let invalid = ApiError::Invalid(InvalidBody {
            error: "bad".into(),
            invalid: Vec::new(),
            total: 0,
        });
        assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(invalid.to_string(), "bad");
    }
}
