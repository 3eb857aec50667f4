//! Cached answers and conditional GET: a read route's answer is stored in the [`Cache`] as
//! serialized bytes with a strong ETag (a hash of the bytes), served with `ETag` and
//! `Cache-Control`, or as `304 Not Modified` when `If-None-Match` names it. A hit costs no
//! serialization and a matching `If-None-Match` no body at all.

use std::future::Future;
use std::ops::Deref;

use axum::body::{Body, Bytes};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use headers::{HeaderMapExt, IfNoneMatch};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::ApiError;
use crate::cache::{Cache, CacheKey, CacheSettings, Cached};

/// One cacheable answer: status, content type, body and its strong ETag.
#[derive(Debug, Clone)]
pub struct Answer {
    status: StatusCode,
    content_type: Option<HeaderValue>,
    body: Bytes,
    etag: HeaderValue,
}

impl Answer {
    /// A 200 with `value` as its JSON body.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Answer {
        // Our answers are structs and lists with string keys: serializing them cannot fail.
        let mut body = serde_json::to_vec(value).expect("a response body serializes to JSON");
        // The Vec grew by doubling: up to twice the body's length is allocated, and a cached
        // Bytes keeps all of it. Held in the cache for minutes, it is worth one copy.
        body.shrink_to_fit();
        Answer::new(
            StatusCode::OK,
            Some(HeaderValue::from_static("application/json")),
            Bytes::from(body),
        )
    }

    /// A 200 with `body` as it is, of `content_type` (a file of the web dashboard).
    pub fn file(content_type: &'static str, body: Bytes) -> Answer {
        Answer::new(
            StatusCode::OK,
            Some(HeaderValue::from_static(content_type)),
            body,
        )
    }

    /// 204 No Content (for example: the database holds no data yet).
    pub fn no_content() -> Answer {
        Answer::new(StatusCode::NO_CONTENT, None, Bytes::new())
    }

    fn new(status: StatusCode, content_type: Option<HeaderValue>, body: Bytes) -> Answer {
        let digest = Sha256::digest(&body);
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        let etag = HeaderValue::from_str(&format!("\"{hex}\"")).expect("hex is a valid header");
        Answer {
            status,
            content_type,
            body,
            etag,
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn body(&self) -> &Bytes {
        &self.body
    }

    pub fn etag(&self) -> &str {
        self.etag.to_str().unwrap_or_default()
    }

    /// Whether `If-None-Match` in `request_headers` names this answer (weak comparison, as
    /// RFC 9110 asks for this header) or is `*`.
    fn is_not_modified_for(&self, request_headers: &HeaderMap) -> bool {
        let Ok(etag) = self.etag().parse::<headers::ETag>() else {
            return false;
        };
        request_headers
            .typed_get::<IfNoneMatch>()
            .is_some_and(|if_none_match| !if_none_match.precondition_passes(&etag))
    }
}

impl Cached for Answer {
    fn weight(&self) -> usize {
        self.body.len() + self.content_type.as_ref().map_or(0, HeaderValue::len) + self.etag.len()
    }

    /// `STATUS CONTENT-TYPE\n` then the body (the ETag is recomputed on read).
    fn encode(&self) -> Vec<u8> {
        let content_type = self
            .content_type
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        let mut out = format!("{} {content_type}\n", self.status.as_u16()).into_bytes();
        out.extend_from_slice(&self.body);
        out
    }

    fn decode(stored: Vec<u8>) -> Option<Answer> {
        let newline = stored.iter().position(|&b| b == b'\n')?;
        let head = std::str::from_utf8(&stored[..newline]).ok()?;
        let (status, content_type) = head.split_once(' ')?;
        let status = StatusCode::from_u16(status.parse().ok()?).ok()?;
        let content_type = match content_type {
            "-" => None,
            other => Some(HeaderValue::from_str(other).ok()?),
        };
        let body = Bytes::from(stored).slice(newline + 1..);
        Some(Answer::new(status, content_type, body))
    }
}

/// The cache of read answers, and the `Cache-Control` it sends with them. Derefs to the
/// [`Cache`] for its statistics, generation and background tasks.
#[derive(Clone)]
pub struct ResponseCache {
    cache: Cache<Answer>,
    cache_control: HeaderValue,
}

impl Deref for ResponseCache {
    type Target = Cache<Answer>;

    fn deref(&self) -> &Cache<Answer> {
        &self.cache
    }
}

impl ResponseCache {
    /// Builds the cache at `generation` (see [`Cache::build`]).
    pub async fn build(settings: &CacheSettings, generation: i64) -> anyhow::Result<ResponseCache> {
        // Must-revalidate: once max-age is over, a browser or proxy asks again (a cheap 304
        // when nothing changed) instead of serving what it has, so a write shows everywhere
        // within max-age.
        let cache_control = HeaderValue::from_str(&format!(
            "public, max-age={}, must-revalidate",
            settings.http_max_age.as_secs()
        ))
        .expect("a valid header");
        Ok(ResponseCache {
            cache: Cache::build(settings, generation).await?,
            cache_control,
        })
    }

    /// The HTTP answer for `key`: cached or computed, with `ETag` and `Cache-Control`, or
    /// `304 Not Modified` when `request_headers` carry a matching `If-None-Match`.
    pub async fn respond<F, Fut>(
        &self,
        request_headers: &HeaderMap,
        key: &CacheKey,
        compute: F,
    ) -> Response
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Answer, ApiError>>,
    {
        match self.cache.get_or_compute(key, compute).await {
            Ok(answer) => self.http_response(&answer, request_headers),
            Err(error) => error.to_response(),
        }
    }

    /// [`ResponseCache::respond`] for the usual route: `compute` returns a value served as
    /// JSON with 200.
    pub async fn respond_json<T, F, Fut>(
        &self,
        request_headers: &HeaderMap,
        key: &CacheKey,
        compute: F,
    ) -> Response
    where
        T: Serialize,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        self.respond(request_headers, key, || async {
            compute().await.map(|value| Answer::json(&value))
        })
        .await
    }

    fn http_response(&self, answer: &Answer, request_headers: &HeaderMap) -> Response {
        answer.respond_to(request_headers, &self.cache_control)
    }
}

impl Answer {
    /// The HTTP response: a 200 with `ETag` and `cache_control`, or `304 Not Modified`
    /// (with both, no body) when `request_headers` carry a matching `If-None-Match`. Other
    /// statuses go as they are.
    pub fn respond_to(&self, request_headers: &HeaderMap, cache_control: &HeaderValue) -> Response {
        let with_body = || {
            let mut response = (self.status, Body::from(self.body.clone())).into_response();
            if let Some(content_type) = &self.content_type {
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, content_type.clone());
            }
            response
        };
        if self.status != StatusCode::OK {
            return with_body();
        }
        let mut response = if self.is_not_modified_for(request_headers) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            with_body()
        };
        let headers = response.headers_mut();
        headers.insert(ETAG, self.etag.clone());
        headers.insert(CACHE_CONTROL, cache_control.clone());
        response
    }
}

#[cfg(test)]
mod tests {
    use axum::http::header::IF_NONE_MATCH;

    use super::*;

    #[test]
    fn answers_survive_the_redis_form() {
        let answer = Answer::json(&serde_json::json!([{"a": 1}]));
        let back = Answer::decode(answer.encode()).unwrap();
        assert_eq!(back.status, StatusCode::OK);
        assert_eq!(back.body, answer.body);
        assert_eq!(back.etag, answer.etag);
        assert_eq!(back.content_type, answer.content_type);
        let empty = Answer::decode(Answer::no_content().encode()).unwrap();
        assert_eq!(
            (empty.status, empty.content_type),
            (StatusCode::NO_CONTENT, None)
        );
        assert!(Answer::decode(b"garbage".to_vec()).is_none());
    }

    #[test]
    fn if_none_match_lists_and_weak_tags_match() {
        let answer = Answer::json(&1);
        let ours = answer.etag().to_owned();
        let with = |value: String| {
            let mut headers = HeaderMap::new();
            headers.insert(IF_NONE_MATCH, HeaderValue::from_str(&value).unwrap());
            answer.is_not_modified_for(&headers)
        };
        assert!(with(ours.clone()));
        assert!(with(format!("\"x\", W/{ours}")));
        assert!(with("*".into()));
        assert!(!with("\"abd\"".into()));
        assert!(!answer.is_not_modified_for(&HeaderMap::new()));
    }
}
