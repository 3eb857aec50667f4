//! The read-through cache, generic over what it stores ([`Cached`]) and knowing nothing of HTTP
//! (`http::conditional` stores answers in it and adds ETag, 304 and Cache-Control).
//!
//! A read route parses its query into typed values, builds a [`CacheKey`] from them and asks
//! [`Cache::get_or_compute`] for the value. The cache looks in L1 (in-process, moka, bounded
//! in bytes, with a TTL), then in L2 (Redis, optional, shared by every instance), and only then
//! computes the value from the store, filling both levels. Concurrent misses for one key
//! compute once: the others wait for that computation (moka's entry API coalesces them).
//!
//! Keys carry the data generation (bumped by the database with every change), so a change
//! retires every cached answer at once without deleting anything: an instance that took a
//! write moves to the new generation before it acknowledges the write, and the others learn of
//! it through Redis pub/sub or, at the latest, the periodic database check.
//!
//! Values are stored as they are served (for the HTTP layer: serialized bytes with their ETag),
//! so a hit costs no serialization.

pub mod generation;
pub mod key;
mod redis_level;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::store::Store;
use crate::telemetry::metric;
pub use generation::Generation;
pub use key::CacheKey;
use redis_level::{Lookup, RedisLevel};

/// What the cache can hold: a value that knows its size (L1 is bounded in bytes) and its
/// byte form in L2 (Redis).
pub trait Cached: Send + Sync + Sized + 'static {
    /// The bytes L1 is charged for the value (the key is added to it).
    fn weight(&self) -> usize;
    /// The L2 form.
    fn encode(&self) -> Vec<u8>;
    /// Reads the L2 form back; `None` for anything malformed (treated as a miss).
    fn decode(stored: Vec<u8>) -> Option<Self>;
}

/// How the cache is set up (flags and environment variables in `cli.rs`).
#[derive(Clone)]
pub struct CacheSettings {
    /// The most bytes L1 holds (keys and bodies); the least recently used answers go first.
    /// The market tables the markets routes cut pages from have L1s of their own beside it,
    /// an eighth of this each (`http::MarketTables`).
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
    /// `max-age` of `Cache-Control` on cacheable answers (used by `http::conditional`).
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
        metrics::counter!(metric::CACHE_HITS, "level" => level).increment(1);
    }

    fn miss(&self, level: &'static str) {
        let counter = if level == "l1" {
            &self.l1_misses
        } else {
            &self.l2_misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        metrics::counter!(metric::CACHE_MISSES, "level" => level).increment(1);
    }
}

/// The cache of one instance. Cloning shares it.
pub struct Cache<V> {
    inner: Arc<Inner<V>>,
}

// Not derived: a derive would ask `V: Clone`, and only the `Arc` is cloned.
impl<V> Clone for Cache<V> {
    fn clone(&self) -> Self {
        Cache {
            inner: self.inner.clone(),
        }
    }
}

/// What one L1 entry costs beyond its key and value: the `Arc` header, moka's entry (its
/// node in the access-order deque, the hash table slot, the expiry timestamps and the
/// frequency sketch's share) and the allocator's rounding of each allocation. Charged so
/// that many small answers cannot hold several times `max_bytes`.
pub const L1_ENTRY_OVERHEAD_BYTES: usize = 320;

struct Inner<V> {
    l1: moka::future::Cache<String, Arc<V>>,
    l2: Option<Arc<RedisLevel>>,
    generation: Generation,
    ttl: Duration,
    counters: Counters,
}

impl<V: Cached> Cache<V> {
    /// Builds the cache at `generation`. A configured Redis that is not reachable is not an
    /// error (the server runs on L1 until it is); a malformed `redis_url` is.
    pub async fn build(settings: &CacheSettings, generation: i64) -> anyhow::Result<Cache<V>> {
        let l1 = l1_level(settings.max_bytes, settings.ttl);
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
        Ok(Cache {
            inner: Arc::new(Inner {
                l1,
                l2,
                generation: Generation::new(generation),
                ttl: settings.ttl,
                counters: Counters::default(),
            }),
        })
    }

    /// A cache of other values beside this one: the same generation (a change retires both
    /// at once, and one background task keeps it current) and the same Redis, with an L1 of
    /// its own holding at most `max_bytes`, and counters of its own.
    pub fn sibling<W: Cached>(&self, max_bytes: u64) -> Cache<W> {
        Cache {
            inner: Arc::new(Inner {
                l1: l1_level(max_bytes, self.inner.ttl),
                l2: self.inner.l2.clone(),
                generation: self.inner.generation.clone(),
                ttl: self.inner.ttl,
                counters: Counters::default(),
            }),
        }
    }

    /// The data generation this instance serves.
    pub fn generation(&self) -> &Generation {
        &self.inner.generation
    }

    /// The bytes L1 is charged for what it holds now (at most the configured maximum).
    pub async fn l1_bytes(&self) -> u64 {
        // moka applies inserts and evictions to its size in batches: settle them first.
        self.inner.l1.run_pending_tasks().await;
        self.inner.l1.weighted_size()
    }

    /// The configured maximum of [`Cache::l1_bytes`].
    pub fn l1_max_bytes(&self) -> u64 {
        self.inner.l1.policy().max_capacity().unwrap_or(0)
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

    /// The value for `key` at the current generation: from L1, else L2, else `compute`
    /// (run once for all concurrent callers asking for the same key). Errors are not cached:
    /// every caller that waited on a failed computation gets the same error.
    pub async fn get_or_compute<E, F, Fut>(
        &self,
        key: &CacheKey,
        compute: F,
    ) -> Result<Arc<V>, Arc<E>>
    where
        E: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let inner = &self.inner;
        let full_key = key.at_generation(inner.generation.current());
        // The hit path: a plain lookup, without the entry API's key copy and insertion
        // machinery. A miss goes on to the entry below, which coalesces concurrent misses.
        if let Some(value) = inner.l1.get(&full_key).await {
            inner.counters.hit("l1");
            return Ok(value);
        }
        let fill = async {
            inner.counters.miss("l1");
            if let Some(l2) = &inner.l2 {
                match l2.get(&full_key).await {
                    Lookup::Hit(stored) => match V::decode(stored) {
                        Some(value) => {
                            inner.counters.hit("l2");
                            return Ok(Arc::new(value));
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
            let value = Arc::new(compute().await?);
            if let Some(l2) = &inner.l2 {
                l2.set(&full_key, value.encode(), inner.ttl).await;
            }
            Ok(value)
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
}

/// The in-process level: bounded in bytes (each entry charged its key, its value and
/// [`L1_ENTRY_OVERHEAD_BYTES`]), entries expiring after `ttl`.
fn l1_level<V: Cached>(max_bytes: u64, ttl: Duration) -> moka::future::Cache<String, Arc<V>> {
    moka::future::Cache::builder()
        .max_capacity(max_bytes)
        .weigher(|key: &String, value: &Arc<V>| {
            let bytes = key.capacity()
                + value.weight()
                + std::mem::size_of::<V>()
                + L1_ENTRY_OVERHEAD_BYTES;
            u32::try_from(bytes).unwrap_or(u32::MAX)
        })
        .time_to_live(ttl)
        .build()
}

/// A value cached as it is (typed, so a reader can cut and sort it without parsing), kept in
/// Redis as JSON. For intermediate results that several answers are made from, such as the
/// market table of a day that every page and sort order of the markets routes is cut from.
pub struct Json<T> {
    value: T,
    /// About the length of the JSON form (see [`json_weight`]): a fair measure of what the
    /// value holds.
    weight: usize,
}

impl<T: Serialize> Json<T> {
    pub fn new(value: T) -> Json<T> {
        let weight = json_weight(&value);
        Json { value, weight }
    }
}

/// Every number counts this many bytes in [`json_weight`]: about what a price takes in JSON.
const JSON_NUMBER_BYTES: usize = 16;

/// The length of `value`'s JSON form with every float counted as [`JSON_NUMBER_BYTES`],
/// measured without writing it anywhere or formatting a float: a day's market table (2,000
/// coins) weighed by writing its JSON spent most of a cold `/api/v3/coins/markets` request
/// (~1 MB of JSON, float formatting and copies), for a figure only the L1 bound reads.
fn json_weight<T: Serialize>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    struct FixedNumbers;
    impl serde_json::ser::Formatter for FixedNumbers {
        fn write_f64<W: ?Sized + std::io::Write>(
            &mut self,
            writer: &mut W,
            _: f64,
        ) -> std::io::Result<()> {
            writer.write_all(&[b'0'; JSON_NUMBER_BYTES])
        }
        fn write_f32<W: ?Sized + std::io::Write>(
            &mut self,
            writer: &mut W,
            _: f32,
        ) -> std::io::Result<()> {
            writer.write_all(&[b'0'; JSON_NUMBER_BYTES])
        }
    }
    let mut count = Count(0);
    let mut serializer = serde_json::Serializer::with_formatter(&mut count, FixedNumbers);
    match value.serialize(&mut serializer) {
        Ok(()) => count.0,
        Err(_) => 0,
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> Cached for Json<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    fn weight(&self) -> usize {
        self.weight
    }

    fn encode(&self) -> Vec<u8> {
        // An empty form (a value JSON cannot hold) is malformed on reading: a miss.
        serde_json::to_vec(&self.value).unwrap_or_default()
    }

    fn decode(stored: Vec<u8>) -> Option<Json<T>> {
        let weight = stored.len();
        let value = serde_json::from_slice(&stored).ok()?;
        Some(Json { value, weight })
    }
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
mod memory_tests {
    use super::*;

    #[test]
    fn a_json_weight_is_the_json_length_with_floats_at_a_fixed_width() {
        // `["a\"b",<16 bytes>,[1,22],null,true]`
        let value = ("a\"b", 1.5f64, vec![1u32, 22], None::<f64>, true);
        assert_eq!(json_weight(&value), 42);
        let long = serde_json::to_vec(&(0.1f64 + 0.2)).unwrap().len();
        assert_eq!(json_weight(&(0.1f64 + 0.2)), JSON_NUMBER_BYTES);
        assert_eq!(long, 19);
        assert_eq!(
            Json::new(vec![2.5f64; 10]).weight(),
            2 + 9 + 10 * JSON_NUMBER_BYTES
        );
    }

    /// A tiny value: what thousands of small answers (a 404 body, a short search) look like.
    struct Tiny;

    impl Cached for Tiny {
        fn weight(&self) -> usize {
            16
        }
        fn encode(&self) -> Vec<u8> {
            Vec::new()
        }
        fn decode(_: Vec<u8>) -> Option<Self> {
            Some(Tiny)
        }
    }

    /// Small entries cost mostly overhead (the Arc, moka's node, allocator rounding): charged
    /// only their bytes, 20,000 of them fit in 1 MiB "of cache" while taking several MiB of
    /// memory. Charged their overhead, the count stays within what the bytes pay for.
    #[tokio::test]
    async fn small_entries_are_charged_their_overhead() {
        let max_bytes = 1024 * 1024;
        let settings = CacheSettings {
            max_bytes,
            ..CacheSettings::default()
        };
        let cache: Cache<Tiny> = Cache::build(&settings, 1).await.unwrap();
        for i in 0..20_000 {
            let key = CacheKey::new("test").param("i", i);
            let _ = cache
                .get_or_compute::<(), _, _>(&key, || async { Ok(Tiny) })
                .await;
        }
        let bytes = cache.l1_bytes().await;
        let entries = cache.inner.l1.entry_count();
        assert!(bytes <= max_bytes, "{bytes}");
        assert!(
            entries as usize <= max_bytes as usize / L1_ENTRY_OVERHEAD_BYTES,
            "{entries} entries in {max_bytes} bytes"
        );
        assert_eq!(cache.l1_max_bytes(), max_bytes);
    }
}
