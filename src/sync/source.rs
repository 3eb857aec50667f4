//! The HTTP side of `krispyto sync`: a CoinGecko API v3 source (CoinGecko Pro, or another
//! krispyto's `/api/v3`), asked politely. Every request waits for its slot under a
//! client-side rate limit; timeouts, connection errors and 5xx are retried with exponential
//! backoff; a 429 waits as long as its `Retry-After` says. Answers are parsed into typed
//! values here, so a malformed body is an error naming the URL, never a panic.

use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::join::{Candle, Chart};

/// How the source is reached.
#[derive(Debug, Clone)]
pub struct SourceSettings {
    /// The API v3 base URL, e.g. `https://pro-api.coingecko.com/api/v3` or
    /// `http://host:8000/api/v3`.
    pub base_url: String,
    pub api_key: Option<String>,
    /// Client-side limit; CoinGecko's public API allows 30 a minute.
    pub requests_per_minute: u32,
    pub connect_timeout: Duration,
    /// The longest wait for the next bytes of an answer (a stalled answer is retried).
    pub read_timeout: Duration,
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// The first retry waits this long, each next one twice as long.
    pub backoff: Duration,
    /// The longest a `Retry-After` is honoured; a longer one fails the request.
    pub max_retry_after: Duration,
}

impl SourceSettings {
    pub fn new(base_url: &str) -> SourceSettings {
        SourceSettings {
            base_url: base_url.trim().trim_end_matches('/').to_owned(),
            api_key: None,
            requests_per_minute: 30,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            attempts: 5,
            backoff: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

/// Why a request to the source failed (after its retries).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{url}: {reason} (after {attempts} attempts)")]
    Unreachable {
        url: String,
        reason: String,
        attempts: u32,
    },
    #[error("{url} answered {status}: {body}")]
    Refused {
        url: String,
        status: StatusCode,
        body: String,
    },
    #[error("{url} answered something that is not {expected}: {reason}")]
    Malformed {
        url: String,
        expected: &'static str,
        reason: String,
    },
}

impl SourceError {
    /// The HTTP status of a refusal (a 4xx other than 429).
    pub fn refused_status(&self) -> Option<StatusCode> {
        match self {
            SourceError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A coin as `/coins/list` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedCoin {
    pub id: String,
    pub symbol: String,
    pub name: String,
}

/// `/market_chart/range`: `[ms, value]` pairs; values may be `null` at CoinGecko.
#[derive(Debug, Deserialize)]
struct MarketChart {
    #[serde(default)]
    market_caps: Vec<(f64, Option<f64>)>,
    #[serde(default)]
    total_volumes: Vec<(f64, Option<f64>)>,
}

/// A CoinGecko v3 source behind a rate limit.
pub struct Source {
    client: reqwest::Client,
    settings: SourceSettings,
    /// When the next request may go out.
    next_slot: Mutex<Instant>,
}

impl Source {
    pub fn new(settings: SourceSettings) -> Result<Source, SourceError> {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.read_timeout)
            .user_agent(concat!("krispyto-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SourceError::Unreachable {
                url: settings.base_url.clone(),
                reason: format!("no HTTP client: {e}"),
                attempts: 0,
            })?;
        Ok(Source {
            client,
            settings,
            next_slot: Mutex::new(Instant::now()),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.settings.base_url
    }

    /// Every coin the source lists.
    pub async fn coins(&self) -> Result<Vec<ListedCoin>, SourceError> {
        self.get_json("/coins/list", &[], "a coin list ([{id, symbol, name}])")
            .await
    }

    /// Daily candles whose close falls in `[from, to]` (UNIX seconds).
    pub async fn daily_candles(
        &self,
        coin: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<Candle>, SourceError> {
        self.get_json(
            &format!("/coins/{coin}/ohlc/range"),
            &range_query(from, to),
            "daily candles ([[ms, open, high, low, close]])",
        )
        .await
    }

    /// Daily volumes and market caps with timestamps in `[from, to]` (UNIX seconds).
    pub async fn daily_chart(&self, coin: &str, from: i64, to: i64) -> Result<Chart, SourceError> {
        let chart: MarketChart = self
            .get_json(
                &format!("/coins/{coin}/market_chart/range"),
                &range_query(from, to),
                "a market chart ({prices, market_caps, total_volumes})",
            )
            .await?;
        Ok(Chart {
            market_caps: chart.market_caps,
            total_volumes: chart.total_volumes,
        })
    }

    /// Waits for the next slot of the rate limit.
    async fn wait_for_slot(&self) {
        let interval = Duration::from_secs(60) / self.settings.requests_per_minute.max(1);
        let mut next = self.next_slot.lock().await;
        let now = Instant::now();
        if *next > now {
            tokio::time::sleep_until(*next).await;
        }
        *next = Instant::now().max(*next) + interval;
    }

    /// GET `path` with `query`, retried as the module says, parsed as `T`.
    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        expected: &'static str,
    ) -> Result<T, SourceError> {
        let url = format!("{}{path}", self.settings.base_url);
        let mut backoff = self.settings.backoff;
        let mut last_failure = String::new();
        for attempt in 1..=self.settings.attempts.max(1) {
            if attempt > 1 {
                tracing::warn!(%url, attempt, reason = %last_failure, "retrying the source");
            }
            self.wait_for_slot().await;
            let mut request = self.client.get(&url).query(query);
            if let Some(key) = &self.settings.api_key {
                // CoinGecko Pro reads its key from this header (the demo plan from
                // x-cg-demo-api-key); krispyto accepts and ignores both.
                let header = if url.contains("pro-api.coingecko.com") {
                    "x-cg-pro-api-key"
                } else {
                    "x-cg-demo-api-key"
                };
                request = request.header(header, key);
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(error) => {
                    last_failure = describe(error);
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    continue;
                }
            };
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                let wait = retry_after(response.headers()).unwrap_or(backoff);
                if wait > self.settings.max_retry_after {
                    return Err(SourceError::Unreachable {
                        url,
                        reason: format!(
                            "429 Too Many Requests with Retry-After {} s, longer than the {} s \
                             we wait; lower --requests-per-minute",
                            wait.as_secs(),
                            self.settings.max_retry_after.as_secs()
                        ),
                        attempts: attempt,
                    });
                }
                last_failure = format!("429 Too Many Requests (waited {} s)", wait.as_secs());
                tokio::time::sleep(wait).await;
                backoff *= 2;
                continue;
            }
            if status.is_server_error() {
                last_failure = format!("answered {status}");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                continue;
            }
            // The body, read under the read timeout: a stalled body is retried too.
            let body = match response.bytes().await {
                Ok(body) => body,
                Err(error) => {
                    last_failure = describe(error);
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    continue;
                }
            };
            if !status.is_success() {
                let text = String::from_utf8_lossy(&body);
                return Err(SourceError::Refused {
                    url,
                    status,
                    body: text.chars().take(300).collect(),
                });
            }
            return serde_json::from_slice(&body).map_err(|error| SourceError::Malformed {
                url,
                expected,
                reason: error.to_string(),
            });
        }
        Err(SourceError::Unreachable {
            url,
            reason: last_failure,
            attempts: self.settings.attempts.max(1),
        })
    }
}

fn range_query(from: i64, to: i64) -> Vec<(&'static str, String)> {
    vec![
        ("vs_currency", "usd".to_owned()),
        ("from", from.to_string()),
        ("to", to.to_string()),
        ("interval", "daily".to_owned()),
    ]
}

/// A transport error in words, without the URL (the caller names it; it may carry a key).
fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "cannot connect".into()
    } else {
        error.without_url().to_string()
    }
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let raw = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = raw.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(raw).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
    }

    #[test]
    fn the_base_url_loses_its_trailing_slash() {
        assert_eq!(
            SourceSettings::new(" http://h/api/v3/ ").base_url,
            "http://h/api/v3"
        );
    }
}
