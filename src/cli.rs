//! The command line. Every setting has a flag, an environment variable and a default;
//! a `.env` file in the working directory is read first (real environment variables win).

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::cache::CacheSettings;
use crate::server::ServerSettings;
use crate::startup::WriteSettings;
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
    // Hidden in --help: the URL may carry a password.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://krispyto.db",
        global = true,
        hide_env_values = true
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

    /// Seconds (fractions allowed) to wait for a database connection [default: 0.5 for
    /// `serve`, where a request is answered 503 after it, so requests fail this fast while the
    /// database is down; 30 for the other commands]
    #[arg(long, env = "KRISPYTO_DB_ACQUIRE_TIMEOUT", global = true)]
    pub db_acquire_timeout: Option<f64>,
}

impl DatabaseArgs {
    /// A request must fail fast; a one-off command (import, export, migrate, sync) must not
    /// give up because a busy disk made its first connection slower than half a second.
    pub fn store_options(&self, for_server: bool) -> StoreOptions {
        let default = if for_server { 0.5 } else { 30.0 };
        let seconds = self.db_acquire_timeout.unwrap_or(default).max(0.05);
        StoreOptions {
            database_url: self.database_url.clone(),
            max_connections: self.db_max_connections.max(1),
            acquire_timeout: Duration::try_from_secs_f64(seconds).unwrap_or(Duration::from_secs(1)),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (applies pending migrations first).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Import Kaggle-format CSV files: files, directories of *.csv, .zip archives or http(s) URLs of zips.
    Import(ImportArgs),
    /// Write the records out: one Kaggle-format CSV per coin into a directory (what `import`
    /// reads back), or NDJSON into a file or stdout.
    Export(ExportArgs),
    /// Fetch the days the database lacks from a CoinGecko API v3 source (CoinGecko Pro, or
    /// another krispyto's /api/v3).
    Sync(SyncArgs),
    /// Write a deterministic synthetic data set in the Kaggle CSV format (for benchmarks).
    Gen(GenArgs),
    /// Ask a running server's /readyz whether it is ready: exit 0 if so, 1 with the reason if
    /// not (for container health checks; the image has no curl).
    Health(HealthArgs),
}

// `serve`'s settings in groups by what they set, each building its part of the server's
// configuration; flattened, so the flags and their --help order are one list as before.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, env = "KRISPYTO_ADDR", default_value = "127.0.0.1:8000")]
    pub addr: String,

    /// When the database holds no records yet, import this first: a directory of CSV files,
    /// a .zip, or an http(s) URL of a zip.
    #[arg(long, env = "KRISPYTO_DATA")]
    pub data: Option<String>,

    #[command(flatten)]
    pub cache: CacheArgs,

    #[command(flatten)]
    pub writes: WriteArgs,

    #[command(flatten)]
    pub server: ServerArgs,

    #[command(flatten)]
    pub sync: PeriodicSyncArgs,
}

/// The response cache: the in-process level, Redis, and what clients are told.
#[derive(Debug, Args)]
pub struct CacheArgs {
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
}

/// The write routes.
#[derive(Debug, Args)]
pub struct WriteArgs {
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

/// How long connections and requests may take, how many there may be, and which are logged.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Seconds a client may take to send a request's headers; also how long a keep-alive
    /// connection may wait for its next request.
    #[arg(long, env = "KRISPYTO_HEADER_READ_TIMEOUT", default_value_t = 10)]
    pub header_read_timeout: u64,

    /// Seconds without a byte moving either way after which a connection is closed.
    #[arg(long, env = "KRISPYTO_IDLE_TIMEOUT", default_value_t = 60)]
    pub idle_timeout: u64,

    /// Seconds a request may take before it is answered 503.
    #[arg(long, env = "KRISPYTO_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,

    /// The most client connections open at once (further clients wait in the kernel's
    /// backlog). Default: the open-file limit (raised to the hard limit at start) minus 256,
    /// at most 16384.
    #[arg(long, env = "KRISPYTO_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,

    /// Log one in N answered requests (1: every request, 0: none); 5xx answers are always
    /// logged. Metrics count every request either way.
    #[arg(long, env = "KRISPYTO_ACCESS_LOG_SAMPLE", default_value_t = 1)]
    pub access_log_sample: u64,

    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT; then every connection
    /// is closed and the process exits, whatever clients do.
    #[arg(long, env = "KRISPYTO_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,
}

/// `sync` run inside the server, periodically.
#[derive(Debug, Args)]
pub struct PeriodicSyncArgs {
    /// Run `krispyto sync` inside the server every DURATION (e.g. 6h, 30m): at start, then
    /// that long after each run. With several replicas on one PostgreSQL only one syncs at a
    /// time. Needs --sync-source.
    #[arg(
        long,
        env = "KRISPYTO_SYNC_EVERY",
        value_name = "DURATION",
        requires = "sync_source"
    )]
    pub sync_every: Option<String>,

    /// The source of --sync-every (as `sync --source`).
    #[arg(long, env = "KRISPYTO_SYNC_SOURCE")]
    pub sync_source: Option<String>,

    /// The source's API key (as `sync --api-key`).
    #[arg(long, env = "KRISPYTO_SYNC_API_KEY", hide_env_values = true)]
    pub sync_api_key: Option<String>,

    /// The coins of --sync-every (as `sync --coins`; default: those in the database).
    #[arg(long, env = "KRISPYTO_SYNC_COINS")]
    pub sync_coins: Option<String>,

    /// The most requests a minute of --sync-every.
    #[arg(long, env = "KRISPYTO_SYNC_REQUESTS_PER_MINUTE", default_value_t = 30)]
    pub sync_requests_per_minute: u32,
}

impl PeriodicSyncArgs {
    /// `--sync-every` and its source, parsed; `None` when no periodic sync is asked for.
    pub fn periodic_sync(&self) -> Result<Option<crate::sync::PeriodicSync>, String> {
        let Some(every) = &self.sync_every else {
            return Ok(None);
        };
        let every = crate::sync::parse_every(every).map_err(|r| format!("--sync-every: {r}"))?;
        let args = SyncArgs {
            source: self.sync_source.clone().unwrap_or_default(),
            coins: self.sync_coins.clone(),
            since: None,
            api_key: self.sync_api_key.clone(),
            requests_per_minute: self.sync_requests_per_minute,
            chunk_days: crate::sync::DEFAULT_CHUNK_DAYS,
            quiet: true,
        };
        Ok(Some(crate::sync::PeriodicSync {
            every,
            options: args.options()?,
        }))
    }
}

impl ServerArgs {
    pub fn settings(&self) -> ServerSettings {
        ServerSettings {
            header_read_timeout: Duration::from_secs(self.header_read_timeout.max(1)),
            idle_timeout: Duration::from_secs(self.idle_timeout.max(1)),
            request_timeout: Duration::from_secs(self.request_timeout.max(1)),
            max_connections: self.max_connections.map(|n| n.max(1)),
            shutdown_timeout: Duration::from_secs(self.shutdown_timeout),
        }
    }
}

impl CacheArgs {
    pub fn settings(&self) -> CacheSettings {
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

impl WriteArgs {
    pub fn settings(self) -> WriteSettings {
        WriteSettings {
            api_keys: self.api_keys,
            max_body_bytes: self.max_body_bytes,
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

    /// Let a file rename a stored coin (same symbol, another name). Without it such a file
    /// is refused and nothing is written.
    #[arg(long)]
    pub allow_rename: bool,
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

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// csv: one Kaggle-format file per coin (coin_<Name>.csv) into the directory --out;
    /// ndjson: one record per line into the file --out, or stdout with `--out -`.
    #[arg(long, value_enum, default_value_t = crate::export::ExportFormat::Csv)]
    pub format: crate::export::ExportFormat,

    /// The directory (csv; created, must hold no CSV file) or file (ndjson; `-` is stdout).
    #[arg(long, value_name = "DIR|FILE")]
    pub out: std::path::PathBuf,

    /// `all` (the default) or comma-separated symbols or names, any case.
    #[arg(long, default_value = "all")]
    pub coins: String,

    /// First day (YYYY-MM-DD); default: each coin's first record.
    #[arg(long)]
    pub from: Option<chrono::NaiveDate>,

    /// Last day (YYYY-MM-DD); default: each coin's last record.
    #[arg(long)]
    pub to: Option<chrono::NaiveDate>,
}

impl ExportArgs {
    pub fn options(&self) -> crate::export::ExportOptions {
        crate::export::ExportOptions {
            format: self.format,
            out: self.out.clone(),
            coins: self.coins.clone(),
            from: self.from,
            to: self.to,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct SyncArgs {
    /// The source's API v3 base URL: https://pro-api.coingecko.com/api/v3, or
    /// http://HOST:PORT/api/v3 of another krispyto.
    #[arg(long, env = "KRISPYTO_SYNC_SOURCE")]
    pub source: String,

    /// `all` (every coin the source lists) or comma-separated ids (bitcoin,ethereum: added
    /// when missing). Default: the coins already in the database.
    #[arg(long)]
    pub coins: Option<String>,

    /// Fetch from this day (YYYY-MM-DD) instead of each coin's last stored day.
    #[arg(long)]
    pub since: Option<chrono::NaiveDate>,

    /// The source's API key (sent as CoinGecko expects it).
    #[arg(long, env = "KRISPYTO_SYNC_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,

    /// The most requests a minute (CoinGecko's public limit is 30).
    #[arg(long, env = "KRISPYTO_SYNC_REQUESTS_PER_MINUTE", default_value_t = 30)]
    pub requests_per_minute: u32,

    /// Days of daily candles per request (CoinGecko allows 180).
    #[arg(long, env = "KRISPYTO_SYNC_CHUNK_DAYS", default_value_t = crate::sync::DEFAULT_CHUNK_DAYS)]
    pub chunk_days: u32,

    /// Never draw the progress bar (it is drawn only on a terminal anyway).
    #[arg(long)]
    pub quiet: bool,
}

impl SyncArgs {
    pub fn options(&self) -> Result<crate::sync::SyncOptions, String> {
        let mut source = crate::sync::source::SourceSettings::new(&self.source);
        source.api_key = self.api_key.clone().filter(|k| !k.trim().is_empty());
        source.requests_per_minute = self.requests_per_minute.max(1);
        Ok(crate::sync::SyncOptions {
            source,
            coins: crate::sync::CoinChoice::parse(self.coins.as_deref())?,
            since: self.since,
            chunk_days: self.chunk_days.max(1),
            progress: !self.quiet,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn acquire_timeout(args: &[&str]) -> Duration {
        let cli = Cli::try_parse_from(args).unwrap();
        let for_server = matches!(cli.command, Command::Serve(_));
        cli.database.store_options(for_server).acquire_timeout
    }

    #[test]
    fn the_server_fails_fast_and_one_off_commands_wait() {
        // The environment could set it; these defaults are only what the flags leave.
        if std::env::var_os("KRISPYTO_DB_ACQUIRE_TIMEOUT").is_some() {
            return;
        }
        assert_eq!(
            acquire_timeout(&["krispyto", "serve"]),
            Duration::from_millis(500)
        );
        assert_eq!(
            acquire_timeout(&["krispyto", "migrate"]),
            Duration::from_secs(30)
        );
        assert_eq!(
            acquire_timeout(&["krispyto", "--db-acquire-timeout", "2", "migrate"]),
            Duration::from_secs(2)
        );
        assert_eq!(
            acquire_timeout(&["krispyto", "serve", "--db-acquire-timeout", "0.25"]),
            Duration::from_millis(250)
        );
    }
}
