//! The HTTP/1 connection loop: hyper with a timer, because `axum::serve` runs hyper without
//! one and so has no header-read timeout, no idle timeout and no cap on connections. A client
//! that opened connections and trickled a byte every few seconds could hold every file
//! descriptor of the process and lock everyone else out (`accept: Too many open files`).
//!
//! Here every connection has
//! - a header-read timeout (hyper's own, which also runs while a keep-alive connection waits
//!   for its next request, so it is the keep-alive idle timeout too),
//! - an idle timeout: no byte read or written for that long closes it (a client that stops
//!   reading its answer),
//! - a place under a cap on open connections, kept below the open-file limit: at the cap the
//!   server stops accepting until a connection ends, and the kernel's backlog holds the rest;
//!
//! every request has a timeout (503 in JSON), and a shutdown lets in-flight requests finish
//! but ends every connection when the shutdown timeout has passed, whatever clients do.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower_http::timeout::TimeoutLayer;

use crate::http::ApiError;

/// Limits on clients (flags and environment variables in `cli.rs`).
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// How long a client may take to send a request's headers, and how long a keep-alive
    /// connection may wait for its next request.
    pub header_read_timeout: Duration,
    /// A connection on which no byte moved either way for this long is closed.
    pub idle_timeout: Duration,
    /// How long a request may take to be answered (503 after it).
    pub request_timeout: Duration,
    /// The most connections open at once; `None`: the open-file limit minus
    /// [`RESERVED_FILES`], at most [`DEFAULT_MAX_CONNECTIONS`].
    pub max_connections: Option<usize>,
    /// After SIGTERM/SIGINT: how long in-flight requests get to finish before every
    /// connection is closed and the process exits.
    pub shutdown_timeout: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            max_connections: None,
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

/// File descriptors kept free for everything that is not a client connection: the database
/// pool, Redis, log files, an import's files.
pub const RESERVED_FILES: u64 = 256;
/// The default connection cap when the open-file limit is higher still.
pub const DEFAULT_MAX_CONNECTIONS: usize = 16_384;

impl ServerSettings {
    /// The connection cap in force: the setting, or what the open-file limit allows.
    pub fn connection_cap(&self) -> usize {
        let cap = self.max_connections.unwrap_or_else(|| {
            let files = open_file_limit().unwrap_or(1024);
            usize::try_from(files.saturating_sub(RESERVED_FILES))
                .unwrap_or(usize::MAX)
                .clamp(16, DEFAULT_MAX_CONNECTIONS)
        });
        cap.max(1)
    }
}

/// Raises the soft open-file limit to the hard limit, so the connection cap can be as high
/// as the system allows; returns the soft limit in force afterwards.
pub fn raise_open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, setrlimit, Resource};
        let limit = getrlimit(Resource::Nofile);
        if limit.current != limit.maximum {
            let raised = rustix::process::Rlimit {
                current: limit.maximum,
                maximum: limit.maximum,
            };
            if let Err(error) = setrlimit(Resource::Nofile, raised) {
                tracing::warn!(%error, "cannot raise the open-file limit; keeping {:?}", limit.current);
            }
        }
    }
    open_file_limit()
}

/// The soft open-file limit (`None` where unlimited or unknown).
pub fn open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets in-flight requests finish
/// for at most `settings.shutdown_timeout` and closes whatever is left.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    settings: &ServerSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let app = with_request_timeout(app, settings.request_timeout);
    let cap = settings.connection_cap();
    let places = Arc::new(Semaphore::new(cap));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .keep_alive(true);
    let idle_timeout = settings.idle_timeout;
    let mut connections = JoinSet::new();
    let mut at_cap_logged = false;
    tokio::pin!(shutdown);

    loop {
        // Reap finished connections so the set does not grow with the server's age.
        while connections.try_join_next().is_some() {}
        let place = match places.clone().try_acquire_owned() {
            Ok(place) => {
                at_cap_logged = false;
                place
            }
            Err(_) => {
                if !at_cap_logged {
                    tracing::warn!(
                        cap,
                        "at the connection cap: new connections wait until one closes"
                    );
                    at_cap_logged = true;
                }
                tokio::select! {
                    place = places.clone().acquire_owned() => place.expect("the semaphore is never closed"),
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    if !is_connection_error(&error) {
                        // Out of file descriptors or similar: wait rather than spin.
                        tracing::error!(%error, "accept failed; retrying in 1 s");
                        tokio::select! {
                            () = tokio::time::sleep(Duration::from_secs(1)) => {}
                            () = &mut shutdown => break,
                        }
                    }
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(Tracked {
            inner: stream,
            activity: activity.clone(),
        });
        let service = TowerToHyperService::new(app.clone());
        let builder = builder.clone();
        let mut stop = stop_rx.clone();
        connections.spawn(async move {
            let connection = builder.serve_connection(io, service);
            tokio::pin!(connection);
            let mut stopping = false;
            loop {
                let idle_deadline = activity.last() + idle_timeout;
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::debug!(%error, "connection ended with an error");
                        }
                        break;
                    }
                    changed = stop.changed(), if !stopping => {
                        let _ = changed;
                        stopping = true;
                        connection.as_mut().graceful_shutdown();
                    }
                    () = tokio::time::sleep_until(idle_deadline) => {
                        if activity.last() + idle_timeout <= Instant::now() {
                            tracing::debug!("closing a connection idle for {idle_timeout:?}");
                            break;
                        }
                    }
                }
            }
            drop(place);
        });
    }

    // Stop accepting: new clients are refused by the kernel from now on.
    drop(listener);
    let open = connections.len();
    tracing::info!(
        open,
        "stopped accepting; waiting up to {:?} for in-flight requests",
        settings.shutdown_timeout
    );
    let _ = stop_tx.send(true);
    let finished = tokio::time::timeout(settings.shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        tracing::warn!(
            left = connections.len(),
            "the shutdown timeout passed; closing the connections still open"
        );
        connections.shutdown().await;
    }
}

/// Answers 503 (JSON) when a request runs longer than `timeout`: a stuck database or a
/// runaway computation must not hold a connection forever. Answers 414 and 431 in JSON for
/// a URI or headers over our limits, which are below hyper's: hyper answers its own limits
/// (64 KiB of URI, ~400 KiB of headers or more than 100 of them) and bytes that are not HTTP
/// with an empty body before any of our code runs.
fn with_request_timeout(app: Router, timeout: Duration) -> Router {
    app.layer(TimeoutLayer::with_status_code(
        StatusCode::SERVICE_UNAVAILABLE,
        timeout,
    ))
    .layer(axum::middleware::from_fn(crate::http::error::json_errors))
    .layer(axum::middleware::from_fn(size_limits))
}

/// The longest path and query we read.
pub const MAX_URI_BYTES: usize = 16 * 1024;
/// The most bytes of header names and values, all headers together.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

async fn size_limits(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let uri_bytes = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if uri_bytes > MAX_URI_BYTES {
        return ApiError::UriTooLong(format!(
            "The URI is {uri_bytes} bytes long; the most this server reads is \
                 {MAX_URI_BYTES}. Ask for fewer ids per request."
        ))
        .into_response();
    }
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return ApiError::HeadersTooLarge(format!(
            "The headers are {header_bytes} bytes; the most this server reads is \
                 {MAX_HEADER_BYTES}. Send fewer or shorter headers (cookies, most often)."
        ))
        .into_response();
    }
    next.run(request).await
}

/// Errors of one connection being accepted (the client went away), not of the listener.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// When a connection last moved a byte.
struct Activity {
    start: Instant,
    /// Milliseconds since `start`.
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }
}

/// A TCP stream that records when a byte last moved.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_open_file_limit_is_raised_to_the_hard_limit() {
        use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
        let hard = getrlimit(Resource::Nofile).maximum;
        // Start from a small soft limit, as on a machine with the common 1,024 (nextest runs
        // each test in its own process, so no other test sees it).
        let small = hard.map_or(512, |hard| hard.min(512));
        setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(small),
                maximum: hard,
            },
        )
        .expect("lowering the soft limit is always allowed");
        assert_eq!(open_file_limit(), Some(small));
        assert_eq!(raise_open_file_limit(), hard);
        assert_eq!(getrlimit(Resource::Nofile).current, hard);
    }

    #[test]
    fn the_default_cap_stays_below_the_open_file_limit() {
        let settings = ServerSettings::default();
        let cap = settings.connection_cap() as u64;
        if let Some(files) = open_file_limit() {
            assert!(cap < files, "cap {cap} vs limit {files}");
        }
        let explicit = ServerSettings {
            max_connections: Some(3),
            ..ServerSettings::default()
        };
        assert_eq!(explicit.connection_cap(), 3);
    }
}
