//! The command line. Every setting has a flag, an environment variable and a default;
//! a `.env` file in the working directory is read first (real environment variables win).

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::cache::CacheSettings;
use crate::store::StoreOptions;
pub use crate::telemetry::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "krispyto",
    version,
    about = "Historical crypto prices and dashboard analytics, served over HTTP."
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, env = "KRISPYTO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// The database: sqlite://PATH (created if missing) or postgres://USER@HOST:PORT/DB.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://krispyto.db",
        global = true
    )]
    pub database_url: String,

    /// The most database connections the server keeps open.
    #[arg(
        long,
        env = "KRISPYTO_DB_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub db_max_connections: u32,

    /// Seconds a request waits for a free database connection before it is answered with an error.
    #[arg(
        long,
        env = "KRISPYTO_DB_ACQUIRE_TIMEOUT",
        default_value_t = 5,
        global = true
    )]
    pub db_acquire_timeout: u64,
}

impl DatabaseArgs {
    pub fn store_options(&self) -> StoreOptions {
        StoreOptions {
            database_url: self.database_url.clone(),
            max_connections: self.db_max_connections.max(1),
            acquire_timeout: Duration::from_secs(self.db_acquire_timeout.max(1)),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (applies pending migrations first).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Import Kaggle-format CSV files: files, directories of *.csv, .zip archives or http(s) URLs of zips.
    Import(ImportArgs),
    /// Write a deterministic synthetic data set in the Kaggle CSV format (for benchmarks).
    Gen(GenArgs),
    /// Ask a running server's /readyz whether it is ready: exit 0 if so, 1 with the reason if
    /// not (for container health checks; the image has no curl).
    Health(HealthArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, env = "KRISPYTO_ADDR", default_value = "127.0.0.1:8000")]
    pub addr: String,

    /// When the database holds no records yet, import this first: a directory of CSV files,
    /// a .zip, or an http(s) URL of a zip.
    #[arg(long, env = "KRISPYTO_DATA")]
    pub data: Option<String>,

    /// Redis as the shared, second cache level, e.g. redis://127.0.0.1:6379/0. Unset: the
    /// in-process cache alone. A Redis that is down never fails a request.
    // Hidden in --help: the URL may carry a password.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key and of the pub/sub channel; deployments sharing one Redis
    /// must use different prefixes.
    #[arg(long, env = "KRISPYTO_REDIS_PREFIX", default_value = "krispyto")]
    pub redis_prefix: String,

    /// Milliseconds a Redis connect or command may take before Redis is skipped.
    #[arg(long, env = "KRISPYTO_REDIS_TIMEOUT_MS", default_value_t = 50)]
    pub redis_timeout_ms: u64,

    /// The most bytes the in-process cache holds (least recently used answers go first).
    #[arg(long, env = "KRISPYTO_CACHE_MAX_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub cache_max_bytes: u64,

    /// Seconds a cached answer lives in the in-process cache and in Redis.
    #[arg(long, env = "KRISPYTO_CACHE_TTL_SECS", default_value_t = 300)]
    pub cache_ttl_secs: u64,

    /// `max-age` (seconds) of `Cache-Control` on cacheable answers; browsers and proxies
    /// revalidate with `If-None-Match` after it.
    #[arg(long, env = "KRISPYTO_HTTP_MAX_AGE_SECS", default_value_t = 10)]
    pub http_max_age_secs: u64,

    /// Milliseconds between two reads of the data generation from the database (how soon
    /// changes made elsewhere are seen without Redis).
    #[arg(long, env = "KRISPYTO_GENERATION_POLL_MS", default_value_t = 500)]
    pub generation_poll_ms: u64,

    /// Comma-separated API keys allowed to use the write routes. Unset: writes are refused.
    #[arg(
        long,
        env = "KRISPYTO_API_KEYS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub api_keys: Vec<String>,

    /// The largest request body (bytes) the write routes accept.
    #[arg(long, env = "KRISPYTO_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
}

impl ServeArgs {
    pub fn cache_settings(&self) -> CacheSettings {
        CacheSettings {
            max_bytes: self.cache_max_bytes,
            ttl: Duration::from_secs(self.cache_ttl_secs.max(1)),
            redis_url: self.redis_url.clone().filter(|url| !url.trim().is_empty()),
            redis_prefix: self.redis_prefix.clone(),
            redis_timeout: Duration::from_millis(self.redis_timeout_ms.max(1)),
            generation_poll: Duration::from_millis(self.generation_poll_ms.max(10)),
            http_max_age: Duration::from_secs(self.http_max_age_secs),
        }
    }
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// CSV files, directories of *.csv, .zip archives, or http(s):// URLs of zip archives.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,

    /// Never draw a progress bar (it is drawn only on a terminal anyway).
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// How many coins (one file each).
    #[arg(long, default_value_t = 100)]
    pub coins: usize,

    /// The span in days; the first coin has them all, the others are listed up to a tenth later.
    #[arg(long, default_value_t = 365)]
    pub days: u32,

    /// The directory to write coin_<Name>.csv files into (created; must hold no CSV files).
    #[arg(long, value_name = "DIR")]
    pub out: std::path::PathBuf,

    /// The random seed: the same seed and sizes give the same bytes on every machine.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// The day every coin's last record is on (YYYY-MM-DD).
    #[arg(long, default_value = "2021-07-06")]
    pub last_day: chrono::NaiveDate,
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// The address the server listens on (the same setting as `serve --addr`); 0.0.0.0 and
    /// [::] are asked on loopback.
    #[arg(long, env = "KRISPYTO_ADDR", default_value = "127.0.0.1:8000")]
    pub addr: String,

    /// The URL to ask instead (default: http://ADDR/readyz).
    #[arg(long)]
    pub url: Option<String>,

    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 3)]
    pub timeout_secs: u64,
}

impl HealthArgs {
    pub fn url(&self) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| crate::tools::healthcheck::readyz_url(&self.addr))
    }
}
