//! Building and running the server: the same path for `krispyto serve` and for tests,
//! which bind port 0 and read back the port they got.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::cache::CacheSettings;
use crate::http::{router, ApiKeys, AppState, MarketTables, ResponseCache};
use crate::import::{self, source::Source, ImportReport, Progress};
use crate::server::ServerSettings;
use crate::store::{Store, StoreOptions};
use crate::sync::PeriodicSync;

/// What the server needs to start.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub addr: String,
    pub store: StoreOptions,
    /// Imported at start when the database holds no records yet.
    pub data: Option<String>,
    pub cache: CacheSettings,
    pub writes: WriteSettings,
    /// Timeouts, the connection cap and the shutdown deadline.
    pub server: ServerSettings,
    /// `--sync-every`: keep the database current from a CoinGecko v3 source.
    pub sync: Option<PeriodicSync>,
}

/// Who may write, and how much at once.
#[derive(Clone)]
pub struct WriteSettings {
    /// API keys for the write routes; none means writes are refused (403).
    pub api_keys: Vec<String>,
    pub max_body_bytes: usize,
}

/// Counts the keys, never shows them: configurations get logged.
impl std::fmt::Debug for WriteSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteSettings")
            .field(
                "api_keys",
                &format_args!("[{} hidden]", self.api_keys.len()),
            )
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl Default for WriteSettings {
    fn default() -> Self {
        WriteSettings {
            api_keys: Vec::new(),
            max_body_bytes: 1024 * 1024,
        }
    }
}

pub struct Application {
    listener: TcpListener,
    store: Store,
    local_addr: SocketAddr,
    cache: ResponseCache,
    tables: MarketTables,
    api_keys: ApiKeys,
    max_body_bytes: usize,
    generation_poll: Duration,
    server: ServerSettings,
    sync: Option<PeriodicSync>,
}

impl Application {
    /// Opens the store, applies migrations, imports `data` into an empty database and binds
    /// the listener. Fails, with a reason a person can act on, before serving anything.
    pub async fn build(config: AppConfig) -> anyhow::Result<Application> {
        // Before the first import, so /metrics counts the rows of the startup import too.
        crate::telemetry::metrics_handle();
        // Before anything opens files: the connection cap is derived from this limit.
        let files = crate::server::raise_open_file_limit();
        tracing::debug!(?files, "open-file limit");
        let store = Store::connect(&config.store)
            .await
            .context("cannot open the database")?;
        store
            .migrate()
            .await
            .context("cannot migrate the database")?;
        if let Some(data) = &config.data {
            seed_if_empty(&store, data).await?;
        }
        let listener = TcpListener::bind(&config.addr).await.with_context(|| {
            format!(
                "cannot listen on {}; is another server using it?",
                config.addr
            )
        })?;
        let local_addr = listener.local_addr()?;
        let generation = store
            .generation()
            .await
            .context("cannot read the data generation")?;
        let cache = ResponseCache::build(&config.cache, generation).await?;
        let tables = MarketTables::beside(&cache);
        let api_keys = ApiKeys::new(&config.writes.api_keys);
        if api_keys.is_empty() {
            tracing::info!(
                "no API keys are configured (KRISPYTO_API_KEYS): the write routes answer 403"
            );
        }
        Ok(Application {
            listener,
            store,
            local_addr,
            cache,
            tables,
            api_keys,
            max_body_bytes: config.writes.max_body_bytes,
            generation_poll: config.cache.generation_poll,
            server: config.server,
            sync: config.sync,
        })
    }

    /// The response cache (its statistics and data generation).
    pub fn cache(&self) -> &ResponseCache {
        &self.cache
    }

    /// The market tables' caches (their statistics).
    pub fn tables(&self) -> &MarketTables {
        &self.tables
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish for at most
    /// the shutdown timeout.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = router(AppState {
            store: self.store.clone(),
            cache: self.cache.clone(),
            tables: self.tables.clone(),
            api_keys: self.api_keys.clone(),
            max_body_bytes: self.max_body_bytes,
        });
        // Ends with this function: the tasks stop with the server.
        let _background = self
            .cache
            .spawn_background(self.store.clone(), self.generation_poll);
        // Aborted when dropped, at the end of this function: the sync stops with the server
        // (a sync cut short leaves whole coins behind: each is its own transaction).
        let _sync = self.sync.clone().map(|periodic| {
            let (store, cache) = (self.store.clone(), self.cache.clone());
            AbortOnDrop(tokio::spawn(crate::sync::run_periodically(
                store,
                periodic,
                move |generation| {
                    let cache = cache.clone();
                    async move { cache.data_changed(generation).await }
                },
            )))
        });
        tracing::info!(
            addr = %self.local_addr,
            database = self.store.backend(),
            max_connections = self.server.connection_cap(),
            "krispyto is serving"
        );
        crate::server::serve(self.listener, app, &self.server, shutdown).await;
        self.store.close().await;
        Ok(())
    }
}

/// A task that ends when this is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Imports `data` when the database holds no records yet, and says whether it did. Servers
/// starting together on one database take turns (`Store::lock_seed`), so the data is loaded
/// once: the first imports, the others find its records.
pub async fn seed_if_empty(store: &Store, data: &str) -> anyhow::Result<Option<ImportReport>> {
    let lock = store
        .lock_seed()
        .await
        .context("cannot take the startup import lock")?;
    if store.holds_records().await? {
        tracing::info!("the database already holds records; not importing {data}");
        release(lock).await;
        return Ok(None);
    }
    tracing::info!("the database is empty; importing {data}");
    // On an error the lock is dropped, which releases it: the next server tries in turn.
    // Before the server listens: nothing else reads the database yet.
    let options = import::ImportOptions {
        offline: true,
        ..Default::default()
    };
    let report = import::import_with(store, &[Source::parse(data)], Progress::Hidden, options)
        .await
        .with_context(|| format!("cannot import {data}; nothing was written"))?;
    tracing::info!("{report}");
    release(lock).await;
    Ok(Some(report))
}

/// A lock that cannot be released cleanly is freed anyway when its connection closes (it is
/// dropped here): worth a warning, not a failed start.
async fn release(lock: crate::store::SeedLock) {
    if let Err(error) = lock.release().await {
        tracing::warn!(%error, "the startup import lock was not released cleanly; closing its connection frees it");
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
