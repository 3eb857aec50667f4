//! The read-through response cache.
//!
//! A read route parses its query into typed values, builds a [`CacheKey`] from them and asks
//! [`ResponseCache::respond`] for the answer. The cache looks in L1 (in-process, moka, bounded
//! in bytes, with a TTL), then in L2 (Redis, optional, shared by every instance), and only then
//! computes the answer from the store, filling both levels. Concurrent misses for one key
//! compute once: the others wait for that computation (moka's entry API coalesces them).
//!
//! Keys carry the data generation (bumped by the database with every change), so a change
//! retires every cached answer at once without deleting anything: an instance that took a
//! write moves to the new generation before it acknowledges the write, and the others learn of
//! it through Redis pub/sub or, at the latest, the periodic database check.
//!
//! Cached values are the serialized response bytes with their content type and a strong ETag
//! (a hash of the bytes), so a hit costs no serialization and a matching `If-None-Match`
//! costs no body at all.

pub mod generation;
pub mod key;
mod redis_level;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::http::ApiError;
use crate::store::Store;
pub use generation::Generation;
pub use key::CacheKey;
use redis_level::{Lookup, RedisLevel};

/// How the cache is set up (flags and environment variables in `cli.rs`).
#[derive(Clone)]
pub struct CacheSettings {
    /// The most bytes L1 holds (keys and bodies); the least recently used answers go first.
    pub max_bytes: u64,
    /// How long an answer stays in L1 and L2. Generation keys already retire stale answers;
    /// the TTL bounds how long superseded ones take up room.
    pub ttl: Duration,
    /// `redis://HOST:PORT/DB`; `None` runs on L1 alone.
    pub redis_url: Option<String>,
    /// Prefixes every Redis key and the pub/sub channel: deployments (or tests) sharing a
    /// Redis keep apart by giving different prefixes.
    pub redis_prefix: String,
    /// The connect and command timeout for Redis.
    pub redis_timeout: Duration,
    /// How often the data generation is read from the database.
    pub generation_poll: Duration,
    /// `max-age` of `Cache-Control` on cacheable answers.
    pub http_max_age: Duration,
}

/// Shows whether a Redis URL is set, not the URL: it may carry a password.
impl std::fmt::Debug for CacheSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheSettings")
            .field("max_bytes", &self.max_bytes)
            .field("ttl", &self.ttl)
            .field(
                "redis_url",
                &self.redis_url.as_ref().map(|_| format_args!("<set>")),
            )
            .field("redis_prefix", &self.redis_prefix)
            .field("redis_timeout", &self.redis_timeout)
            .field("generation_poll", &self.generation_poll)
            .field("http_max_age", &self.http_max_age)
            .finish()
    }
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            max_bytes: 64 * 1024 * 1024,
            ttl: Duration::from_secs(300),
            redis_url: None,
            redis_prefix: "krispyto".into(),
            redis_timeout: Duration::from_millis(50),
            generation_poll: Duration::from_millis(500),
            http_max_age: Duration::from_secs(10),
        }
    }
}

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
        let body = serde_json::to_vec(value).expect("a response body serializes to JSON");
        Answer::new(
            StatusCode::OK,
            Some(HeaderValue::from_static("application/json")),
            Bytes::from(body),
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

    /// What L1 is charged for this answer under `key`.
    fn weight(&self, key: &str) -> u32 {
        let bytes = key.len()
            + self.body.len()
            + self.content_type.as_ref().map_or(0, HeaderValue::len)
            + self.etag.len()
            + std::mem::size_of::<Answer>();
        u32::try_from(bytes).unwrap_or(u32::MAX)
    }

    /// The L2 form: `STATUS CONTENT-TYPE\n` then the body (the ETag is recomputed on read).
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

    /// Reads the L2 form back; `None` for anything malformed (treated as a miss).
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

/// Counts since start, for tests and logs; the same numbers go to the `metrics` facade as
/// `krispyto_cache_hits_total` / `krispyto_cache_misses_total` with a `level` label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Answers found in L1, including requests that waited on another's computation.
    pub l1_hits: u64,
    pub l1_misses: u64,
    pub l2_hits: u64,
    /// Looked up in a reachable Redis and not found (an unreachable Redis counts neither).
    pub l2_misses: u64,
    /// Answers computed from the store.
    pub computations: u64,
}

#[derive(Default)]
struct Counters {
    l1_hits: AtomicU64,
    l1_misses: AtomicU64,
    l2_hits: AtomicU64,
    l2_misses: AtomicU64,
    computations: AtomicU64,
}

impl Counters {
    fn hit(&self, level: &'static str) {
        let counter = if level == "l1" {
            &self.l1_hits
        } else {
            &self.l2_hits
        };
        counter.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("krispyto_cache_hits_total", "level" => level).increment(1);
    }

    fn miss(&self, level: &'static str) {
        let counter = if level == "l1" {
            &self.l1_misses
        } else {
            &self.l2_misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("krispyto_cache_misses_total", "level" => level).increment(1);
    }
}

/// The response cache of one instance. Cloning shares it.
#[derive(Clone)]
pub struct ResponseCache {
    inner: Arc<Inner>,
}

struct Inner {
    l1: moka::future::Cache<String, Arc<Answer>>,
    l2: Option<Arc<RedisLevel>>,
    generation: Generation,
    ttl: Duration,
    cache_control: HeaderValue,
    counters: Counters,
}

impl ResponseCache {
    /// Builds the cache at `generation`. A configured Redis that is not reachable is not an
    /// error (the server runs on L1 until it is); a malformed `redis_url` is.
    pub async fn build(settings: &CacheSettings, generation: i64) -> anyhow::Result<ResponseCache> {
        let l1 = moka::future::Cache::builder()
            .max_capacity(settings.max_bytes)
            .weigher(|key: &String, answer: &Arc<Answer>| answer.weight(key))
            .time_to_live(settings.ttl)
            .build();
        let l2 = match settings.redis_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => Some(
                RedisLevel::connect(url, settings.redis_prefix.clone(), settings.redis_timeout)
                    .await
                    .map_err(|error| {
                        anyhow::anyhow!(
                            "REDIS_URL is not a valid Redis URL ({error}); use redis://HOST:PORT/DB, or leave it unset to run without Redis"
                        )
                    })?,
            ),
        };
        // Must-revalidate: once max-age is over, a browser or proxy asks again (a cheap 304
        // when nothing changed) instead of serving what it has, so a write shows everywhere
        // within max-age.
        let cache_control = HeaderValue::from_str(&format!(
            "public, max-age={}, must-revalidate",
            settings.http_max_age.as_secs()
        ))
        .expect("a valid header");
        Ok(ResponseCache {
            inner: Arc::new(Inner {
                l1,
                l2,
                generation: Generation::new(generation),
                ttl: settings.ttl,
                cache_control,
                counters: Counters::default(),
            }),
        })
    }

    /// The data generation this instance serves.
    pub fn generation(&self) -> &Generation {
        &self.inner.generation
    }

    pub fn stats(&self) -> CacheStats {
        let c = &self.inner.counters;
        CacheStats {
            l1_hits: c.l1_hits.load(Ordering::Relaxed),
            l1_misses: c.l1_misses.load(Ordering::Relaxed),
            l2_hits: c.l2_hits.load(Ordering::Relaxed),
            l2_misses: c.l2_misses.load(Ordering::Relaxed),
            computations: c.computations.load(Ordering::Relaxed),
        }
    }

    /// Whether Redis is configured and believed reachable right now.
    pub fn redis_is_up(&self) -> bool {
        self.inner.l2.as_ref().is_some_and(|l2| l2.is_up())
    }

    /// Whether this instance is subscribed to the generations other instances announce.
    pub fn redis_is_following(&self) -> bool {
        self.inner.l2.as_ref().is_some_and(|l2| l2.is_following())
    }

    /// A change was committed at `generation`: serve it from now on, and tell the other
    /// instances. Call before acknowledging the write, so the next read here cannot be stale.
    pub async fn data_changed(&self, generation: i64) {
        self.inner.generation.advance_to(generation);
        // Announced even when this instance already knew it (its own database check may have
        // seen the commit first): the other instances may not have.
        if generation >= self.inner.generation.current() {
            if let Some(l2) = &self.inner.l2 {
                l2.publish_generation(generation).await;
            }
        }
    }

    /// The background work of a running server: the periodic database check of the
    /// generation and, with Redis, following announcements and probing a Redis that is down.
    /// The tasks stop when the returned guard is dropped.
    pub fn spawn_background(&self, store: Store, poll_every: Duration) -> BackgroundTasks {
        let generation = self.inner.generation.clone();
        let mut tasks = vec![tokio::spawn(generation::poll_database(
            store,
            generation.clone(),
            poll_every,
        ))];
        if let Some(l2) = &self.inner.l2 {
            tasks.push(tokio::spawn(l2.clone().watch_health()));
            tasks.push(tokio::spawn(l2.clone().follow_generations(generation)));
        }
        BackgroundTasks(tasks)
    }

    /// The answer for `key` at the current generation: from L1, else L2, else `compute`
    /// (run once for all concurrent callers asking for the same key). Errors are not cached.
    pub async fn get_or_compute<F, Fut>(
        &self,
        key: &CacheKey,
        compute: F,
    ) -> Result<Arc<Answer>, Arc<ApiError>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Answer, ApiError>>,
    {
        let inner = &self.inner;
        let full_key = key.at_generation(inner.generation.current());
        let fill = async {
            inner.counters.miss("l1");
            if let Some(l2) = &inner.l2 {
                match l2.get(&full_key).await {
                    Lookup::Hit(stored) => match Answer::decode(stored) {
                        Some(answer) => {
                            inner.counters.hit("l2");
                            return Ok(Arc::new(answer));
                        }
                        None => {
                            tracing::warn!(key = %full_key, "ignoring a malformed cache entry in Redis")
                        }
                    },
                    Lookup::Miss => inner.counters.miss("l2"),
                    Lookup::Unavailable => {}
                }
            }
            inner.counters.computations.fetch_add(1, Ordering::Relaxed);
            let answer = Arc::new(compute().await?);
            if let Some(l2) = &inner.l2 {
                l2.set(&full_key, answer.encode(), inner.ttl).await;
            }
            Ok(answer)
        };
        let entry = inner
            .l1
            .entry(full_key.clone())
            .or_try_insert_with(fill)
            .await?;
        if !entry.is_fresh() {
            inner.counters.hit("l1");
        }
        Ok(entry.into_value())
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
        match self.get_or_compute(key, compute).await {
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
        if answer.status != StatusCode::OK {
            let mut response = (answer.status, Body::from(answer.body.clone())).into_response();
            if let Some(content_type) = &answer.content_type {
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, content_type.clone());
            }
            return response;
        }
        let mut response = if if_none_match_hits(request_headers, &answer.etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut response = Body::from(answer.body.clone()).into_response();
            if let Some(content_type) = &answer.content_type {
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, content_type.clone());
            }
            response
        };
        let headers = response.headers_mut();
        headers.insert(ETAG, answer.etag.clone());
        headers.insert(CACHE_CONTROL, self.inner.cache_control.clone());
        response
    }
}

/// `If-None-Match` lists `etag` (weak comparison, as RFC 9110 asks for this header) or is `*`.
fn if_none_match_hits(request_headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.as_bytes();
    request_headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|candidate| {
            candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate).as_bytes() == ours
        })
}

/// Background tasks that end when this is dropped (when the server stops).
pub struct BackgroundTasks(Vec<tokio::task::JoinHandle<()>>);

impl Drop for BackgroundTasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
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
        let etag = HeaderValue::from_static("\"abc\"");
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(IF_NONE_MATCH, HeaderValue::from_static(value));
            if_none_match_hits(&headers, &etag)
        };
        assert!(with("\"abc\""));
        assert!(with("\"x\", W/\"abc\""));
        assert!(with("*"));
        assert!(!with("\"abd\""));
        assert!(!if_none_match_hits(&HeaderMap::new(), &etag));
    }
}
