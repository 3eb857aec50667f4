//! The second cache level, shared by every instance: Redis. Never the source of truth and
//! never a reason to fail: every command has a short timeout, a failing Redis is skipped
//! (not waited on) until a background probe sees it answer again, and the outage and the
//! recovery are each logged once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, RedisError};

use super::generation::Generation;

/// The Redis level: a self-reconnecting connection, the key prefix of this deployment (or
/// test), and whether Redis is believed reachable right now.
pub struct RedisLevel {
    client: redis::Client,
    manager: ConnectionManager,
    prefix: String,
    timeout: Duration,
    up: AtomicBool,
    /// Subscribed to the generation channel right now.
    following: AtomicBool,
}

/// What a lookup found.
pub enum Lookup {
    Hit(Vec<u8>),
    Miss,
    /// Redis is down or too slow: the caller goes on without it.
    Unavailable,
}

/// How often a Redis believed down is probed, and how soon a lost subscription is retried.
const PROBE_EVERY: Duration = Duration::from_millis(250);

impl RedisLevel {
    /// Sets up the connection without waiting for it (the server must start without Redis),
    /// then probes once, bounded by `timeout`, so the first requests already know whether
    /// Redis is there. Fails only on a malformed URL.
    pub async fn connect(
        url: &str,
        prefix: String,
        timeout: Duration,
    ) -> Result<Arc<RedisLevel>, RedisError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            // Few, short retries: requests never wait for them (they skip a Redis that is
            // down), and the probe below starts a fresh attempt every PROBE_EVERY anyway.
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(Duration::from_millis(200));
        let manager = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        let level = Arc::new(RedisLevel {
            client,
            manager,
            prefix,
            timeout,
            up: AtomicBool::new(false),
            following: AtomicBool::new(false),
        });
        if level.ping().await.is_ok() {
            level.up.store(true, Ordering::Release);
            tracing::info!("Redis is reachable: using it as the shared cache level");
        } else {
            tracing::warn!(
                "Redis cannot be reached: answering from the in-process cache and the database until it can"
            );
        }
        Ok(level)
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    pub fn is_following(&self) -> bool {
        self.following.load(Ordering::Acquire)
    }

    fn response_key(&self, key: &str) -> String {
        // The format version lets a deployment that changes the stored layout share a Redis
        // with older instances without either reading the other's entries.
        format!("{}:resp:v2:{key}", self.prefix)
    }

    fn generation_channel(&self) -> String {
        format!("{}:generation", self.prefix)
    }

    pub async fn get(&self, key: &str) -> Lookup {
        let key = self.response_key(key);
        match self
            .run(|mut conn| async move { conn.get::<_, Option<Vec<u8>>>(key).await })
            .await
        {
            Some(Some(bytes)) => Lookup::Hit(bytes),
            Some(None) => Lookup::Miss,
            None => Lookup::Unavailable,
        }
    }

    pub async fn set(&self, key: &str, value: Vec<u8>, ttl: Duration) {
        let key = self.response_key(key);
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.run(|mut conn| async move { conn.pset_ex::<_, _, ()>(key, value, millis).await })
            .await;
    }

    /// Tells the other instances that the data is now at `generation`.
    pub async fn publish_generation(&self, generation: i64) {
        let channel = self.generation_channel();
        self.run(|mut conn| async move { conn.publish::<_, _, i64>(channel, generation).await })
            .await;
    }

    async fn ping(&self) -> Result<(), String> {
        let mut conn = self.manager.clone();
        match tokio::time::timeout(
            self.timeout,
            redis::cmd("PING").query_async::<String>(&mut conn),
        )
        .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!("no answer within {:?}", self.timeout)),
        }
    }

    /// Runs one command if Redis is believed up, within the timeout. `None` when it was
    /// skipped or failed; a failure that means "Redis is not there" marks it down.
    async fn run<T, F, Fut>(&self, command: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = Result<T, RedisError>>,
    {
        if !self.is_up() {
            return None;
        }
        match tokio::time::timeout(self.timeout, command(self.manager.clone())).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(error)) if is_outage(&error) => {
                self.mark_down(&error.to_string());
                None
            }
            Ok(Err(error)) => {
                // Redis answered, with an error (out of memory, a wrong type): not an outage,
                // just nothing to use from it this time.
                tracing::debug!(%error, "a Redis command failed");
                None
            }
            Err(_) => {
                self.mark_down(&format!("no answer within {:?}", self.timeout));
                None
            }
        }
    }

    fn mark_down(&self, reason: &str) {
        if self.up.swap(false, Ordering::AcqRel) {
            tracing::warn!(
                reason,
                "Redis is unreachable: answering from the in-process cache and the database until it is back"
            );
        }
    }

    /// While Redis is down, probes it every PROBE_EVERY; brings it back into use, logging
    /// once, as soon as it answers.
    pub async fn watch_health(self: Arc<Self>) {
        loop {
            tokio::time::sleep(PROBE_EVERY).await;
            if self.is_up() {
                continue;
            }
            if self.ping().await.is_ok() && !self.up.swap(true, Ordering::AcqRel) {
                tracing::info!("Redis is reachable again: using it as the shared cache level");
            }
        }
    }

    /// Listens for generations announced by other instances and moves `generation` forward.
    /// Resubscribes after any loss; messages missed meanwhile are covered by the periodic
    /// database check.
    pub async fn follow_generations(self: Arc<Self>, generation: Generation) {
        let channel = self.generation_channel();
        loop {
            let subscribed = tokio::time::timeout(self.timeout * 4, async {
                let mut pubsub = self.client.get_async_pubsub().await?;
                pubsub.subscribe(&channel).await?;
                Ok::<_, RedisError>(pubsub)
            })
            .await;
            if let Ok(Ok(pubsub)) = subscribed {
                tracing::debug!(%channel, "following data generations announced on Redis");
                self.following.store(true, Ordering::Release);
                let mut messages = pubsub.into_on_message();
                while let Some(message) = messages.next().await {
                    match message.get_payload::<i64>() {
                        Ok(announced) => {
                            if generation.advance_to(announced) {
                                tracing::debug!(
                                    generation = announced,
                                    "the data changed (Redis announcement)"
                                );
                            }
                        }
                        Err(error) => {
                            tracing::debug!(%error, "ignoring a malformed generation announcement")
                        }
                    }
                }
                self.following.store(false, Ordering::Release);
            }
            tokio::time::sleep(PROBE_EVERY).await;
        }
    }
}

/// Errors that mean Redis is not there (refused, reset, timed out, dropped), as opposed to
/// Redis answering with an error.
fn is_outage(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_timeout()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_unrecoverable_error()
}
