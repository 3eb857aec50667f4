//! Cached answers and conditional GET: a read route's answer is stored in the [`Cache`] as
//! serialized bytes with a strong ETag (a hash of the bytes), served with `ETag` and
//! `Cache-Control`, or as `304 Not Modified` when `If-None-Match` names it. A hit costs no
//! serialization and a matching `If-None-Match` no body at all.
//!
//! An answer of at least [`encoding::MIN_GZIP_BYTES`] also keeps a gzip form, compressed once
//! when it is computed for the cache and served to clients that accept gzip, with its own
//! strong ETag (a hash of the gzip bytes: a different representation, RFC 9110 §8.8.3) and
//! `Vary: Accept-Encoding`. `If-None-Match` is compared with the ETag of the form the request
//! would get.

use std::future::Future;
use std::ops::Deref;

use axum::body::{Body, Bytes};
use axum::http::header::{CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use headers::{HeaderMapExt, IfNoneMatch};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{encoding, ApiError};
use crate::cache::{Cache, CacheKey, CacheSettings, Cached};

/// One cacheable answer: status, content type, body and its strong ETag.
#[derive(Debug, Clone)]
pub struct Answer {
    status: StatusCode,
    content_type: Option<HeaderValue>,
    body: Bytes,
    etag: HeaderValue,
    /// The gzip form of `body`, for 200 answers worth compressing (set by the cache).
    gzip: Option<Encoded>,
}

/// A content-coded form of an answer's body with its strong ETag.
#[derive(Debug, Clone)]
struct Encoded {
    body: Bytes,
    etag: HeaderValue,
}

/// The strong ETag of `body`: the first 128 bits of its SHA-256, in hex.
fn etag_of(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    HeaderValue::from_str(&format!("\"{hex}\"")).expect("hex is a valid header")
}

/// Whether `If-None-Match` in `request_headers` names `etag` (weak comparison, as RFC 9110
/// asks for this header) or is `*`.
fn not_modified(etag: &HeaderValue, request_headers: &HeaderMap) -> bool {
    // Parsed only when asked: most requests carry no If-None-Match.
    let Some(if_none_match) = request_headers.typed_get::<IfNoneMatch>() else {
        return false;
    };
    etag.to_str()
        .ok()
        .and_then(|etag| etag.parse::<headers::ETag>().ok())
        .is_some_and(|etag| !if_none_match.precondition_passes(&etag))
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
        let etag = etag_of(&body);
        Answer {
            status,
            content_type,
            body,
            etag,
            gzip: None,
        }
    }

    /// Adds the gzip form of a 200 answer's body when it is worth it (see
    /// [`encoding::gzip`]). Done once, by the cache, before the answer is stored.
    pub fn with_gzip(mut self) -> Answer {
        if self.status == StatusCode::OK && self.gzip.is_none() {
            self.gzip = encoding::gzip(&self.body).map(|compressed| Encoded {
                etag: etag_of(&compressed),
                body: Bytes::from(compressed),
            });
        }
        self
    }

    /// The gzip body, when the answer has one.
    pub fn gzip_body(&self) -> Option<&Bytes> {
        self.gzip.as_ref().map(|gzip| &gzip.body)
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
}

impl Cached for Answer {
    fn weight(&self) -> usize {
        self.body.len()
            + self.content_type.as_ref().map_or(0, HeaderValue::len)
            + self.etag.len()
            + self
                .gzip
                .as_ref()
                .map_or(0, |gzip| gzip.body.len() + gzip.etag.len())
    }

    /// `STATUS CONTENT-TYPE GZIP-LENGTH\n`, the body, then its gzip form (GZIP-LENGTH bytes, 0
    /// without one), so every instance serves the same gzip bytes under the same ETag. The
    /// ETags are recomputed on read.
    fn encode(&self) -> Vec<u8> {
        let content_type = self
            .content_type
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        let gzip = self.gzip_body().map_or(&[][..], |gzip| &gzip[..]);
        let mut out =
            format!("{} {content_type} {}\n", self.status.as_u16(), gzip.len()).into_bytes();
        out.reserve(self.body.len() + gzip.len());
        out.extend_from_slice(&self.body);
        out.extend_from_slice(gzip);
        out
    }

    fn decode(stored: Vec<u8>) -> Option<Answer> {
        let newline = stored.iter().position(|&b| b == b'\n')?;
        let head = std::str::from_utf8(&stored[..newline]).ok()?;
        let (status, rest) = head.split_once(' ')?;
        // The content type may hold spaces (`text/html; charset=utf-8`): the length is last.
        let (content_type, gzip_len) = rest.rsplit_once(' ')?;
        let status = StatusCode::from_u16(status.parse().ok()?).ok()?;
        let content_type = match content_type {
            "-" => None,
            other => Some(HeaderValue::from_str(other).ok()?),
        };
        let gzip_len: usize = gzip_len.parse().ok()?;
        let body_end = stored.len().checked_sub(gzip_len)?;
        if body_end <= newline {
            return None;
        }
        let stored = Bytes::from(stored);
        let mut answer = Answer::new(status, content_type, stored.slice(newline + 1..body_end));
        if gzip_len > 0 {
            let body = stored.slice(body_end..);
            answer.gzip = Some(Encoded {
                etag: etag_of(&body),
                body,
            });
        }
        Some(answer)
    }
}

/// What a route computes for [`ResponseCache::respond`]: an [`Answer`] as it is (a route
/// choosing its own status), or any serializable value, as a 200 with its JSON.
pub trait IntoAnswer {
    fn into_answer(self) -> Answer;
}

impl IntoAnswer for Answer {
    fn into_answer(self) -> Answer {
        self
    }
}

impl<T: Serialize> IntoAnswer for T {
    fn into_answer(self) -> Answer {
        Answer::json(&self)
    }
}

/// The cache of read answers, and the `Cache-Control` it sends with them. Derefs to the
/// [`Cache`] for its statistics, generation and background tasks.
#[derive(Clone)]
pub struct ResponseCache {
    cache: Cache<Answer>,
    cache_control: HeaderValue,
    /// Whether answers are stored (L1 has room, or Redis is configured): only then is a gzip
    /// form worth computing. With the cache off every request computes, and compressing
    /// each answer would cost more than it saves on loopback.
    compress: bool,
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
        let redis = settings
            .redis_url
            .as_deref()
            .is_some_and(|url| !url.trim().is_empty());
        Ok(ResponseCache {
            cache: Cache::build(settings, generation).await?,
            cache_control,
            compress: settings.max_bytes > 0 || redis,
        })
    }

    /// The HTTP answer for `key`: cached or computed, with `ETag` and `Cache-Control`, or
    /// `304 Not Modified` when `request_headers` carry a matching `If-None-Match`. `compute`
    /// gives an [`Answer`] or, for the usual route, a value served as JSON with 200.
    pub async fn respond<T, F, Fut>(
        &self,
        request_headers: &HeaderMap,
        key: &CacheKey,
        compute: F,
    ) -> Response
    where
        T: IntoAnswer,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let compress = self.compress;
        let compute = || async move {
            let answer = compute().await?.into_answer();
            Ok::<_, ApiError>(if compress { answer.with_gzip() } else { answer })
        };
        match self.cache.get_or_compute(key, compute).await {
            Ok(answer) => self.http_response(&answer, request_headers),
            Err(error) => error.to_response(),
        }
    }

    fn http_response(&self, answer: &Answer, request_headers: &HeaderMap) -> Response {
        answer.respond_to(request_headers, &self.cache_control)
    }
}

impl Answer {
    /// The HTTP response: a 200 with `ETag` and `cache_control`, or `304 Not Modified`
    /// (with both, no body) when `request_headers` carry a matching `If-None-Match`. Other
    /// statuses go as they are. An answer with a gzip form sends it to a request that
    /// accepts gzip, under its own ETag, and says `Vary: Accept-Encoding` either way.
    pub fn respond_to(&self, request_headers: &HeaderMap, cache_control: &HeaderValue) -> Response {
        // Only 200 answers have a gzip form; the body is a refcount clone of the stored bytes.
        let gzip = self
            .gzip
            .as_ref()
            .filter(|_| encoding::accepts_gzip(request_headers));
        let (body, etag) = match gzip {
            Some(gzip) => (&gzip.body, &gzip.etag),
            None => (&self.body, &self.etag),
        };
        let with_body = || {
            let mut response = (self.status, Body::from(body.clone())).into_response();
            let headers = response.headers_mut();
            if let Some(content_type) = &self.content_type {
                headers.insert(CONTENT_TYPE, content_type.clone());
            }
            if gzip.is_some() {
                headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        };
        if self.status != StatusCode::OK {
            return with_body();
        }
        let mut response = if not_modified(etag, request_headers) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            with_body()
        };
        let headers = response.headers_mut();
        headers.insert(ETAG, etag.clone());
        headers.insert(CACHE_CONTROL, cache_control.clone());
        if self.gzip.is_some() {
            // On the 304 too (RFC 9110 §15.4.5): a cache must key either on the header.
            headers.append(VARY, HeaderValue::from_static("accept-encoding"));
        }
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
            not_modified(&answer.etag, &headers)
        };
        assert!(with(ours.clone()));
        assert!(with(format!("\"x\", W/{ours}")));
        assert!(with("*".into()));
        assert!(!with("\"abd\"".into()));
        assert!(!not_modified(&answer.etag, &HeaderMap::new()));
    }
}
