//! Building and running the server: the same path for `krispyto serve` and for tests,
//! which bind port 0 and read back the port they got.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::http::{router, AppState};
use crate::import::{self, source::Source, Progress};
use crate::store::{Store, StoreOptions};

/// What the server needs to start.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub addr: String,
    pub store: StoreOptions,
    /// Imported at start when the database holds no records yet.
    pub data: Option<String>,
}

pub struct Application {
    listener: TcpListener,
    store: Store,
    local_addr: SocketAddr,
}

impl Application {
    /// Opens the store, applies migrations, imports `data` into an empty database and binds
    /// the listener. Fails, with a reason a person can act on, before serving anything.
    pub async fn build(config: AppConfig) -> anyhow::Result<Application> {
        // Before the first import, so /metrics counts the rows of the startup import too.
        crate::telemetry::metrics_handle();
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
        Ok(Application {
            listener,
            store,
            local_addr,
        })
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

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = router(AppState {
            store: self.store.clone(),
        });
        tracing::info!(addr = %self.local_addr, database = self.store.backend(), "krispyto is serving");
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .context("the server stopped with an error")?;
        self.store.close().await;
        Ok(())
    }
}

async fn seed_if_empty(store: &Store, data: &str) -> anyhow::Result<()> {
    if store.record_count().await? > 0 {
        tracing::info!("the database already holds records; not importing {data}");
        return Ok(());
    }
    tracing::info!("the database is empty; importing {data}");
    let report = import::import(store, &[Source::parse(data)], Progress::Hidden)
        .await
        .with_context(|| format!("cannot import {data}; nothing was written"))?;
    tracing::info!("{report}");
    Ok(())
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
