//! `krispyto sync`: keeps the database current from a CoinGecko API v3 source (CoinGecko
//! Pro, or another krispyto's `/api/v3`).
//!
//! Per coin: the days from its last stored day (the last two are fetched again, sources revise
//! them) or from `--since`, up to the last complete UTC day; candles from
//! `/coins/{id}/ohlc/range?interval=daily` in chunks of the size the source allows per
//! request, volume and market cap from one `/coins/{id}/market_chart/range?interval=daily`;
//! joined by `join` (checked by the importer's `DailyRecord::new`) and written as one
//! transaction per coin through `Store::apply`, which bumps the data generation when anything
//! changed (so running servers serve the new days at once) and nothing when nothing did.
//! A coin that fails writes nothing and the others go on; the report says which failed.

pub mod join;
pub mod source;

use std::fmt;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, Utc};
use indicatif::{ProgressBar, ProgressStyle};

use crate::domain::{CoinId, CoinName, Currency, Symbol};
use crate::store::{CoinSpan, CoinUpdate, Store, StoreError, WriteSummary};
use join::{chunks, close_instant, join, JoinError};
use source::{ListedCoin, Source, SourceError, SourceSettings};

/// CoinGecko gives daily candles for at most 180 days per `/ohlc/range` request.
pub const DEFAULT_CHUNK_DAYS: u32 = 180;

/// Which coins to sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoinChoice {
    /// The coins already in the database, matched by id.
    Stored,
    /// Every coin the source lists.
    All,
    /// These ids, added (with the source's symbol and name) when missing.
    Listed(Vec<String>),
}

impl CoinChoice {
    /// `all`, or comma-separated CoinGecko ids; absent: the stored coins.
    pub fn parse(raw: Option<&str>) -> Result<CoinChoice, String> {
        let Some(raw) = raw.map(str::trim) else {
            return Ok(CoinChoice::Stored);
        };
        if raw.eq_ignore_ascii_case("all") {
            return Ok(CoinChoice::All);
        }
        let mut ids: Vec<String> = Vec::new();
        for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let id = CoinId::parse(item).map_err(|reason| format!("--coins: {reason}"))?;
            if !ids.iter().any(|seen| seen == id.as_str()) {
                ids.push(id.as_str().to_owned());
            }
        }
        if ids.is_empty() {
            return Err("--coins lists no coin: give `all` or ids such as bitcoin,ethereum".into());
        }
        Ok(CoinChoice::Listed(ids))
    }
}

/// What to sync, from where.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub source: SourceSettings,
    pub coins: CoinChoice,
    /// Fetch from this day instead of each coin's last stored day.
    pub since: Option<NaiveDate>,
    /// Days of candles per request.
    pub chunk_days: u32,
    /// Draw a progress bar (only ever on a terminal).
    pub progress: bool,
}

/// A failure that stops the whole sync (no coin can be synced).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the coin list cannot be read: {0}")]
    List(SourceError),
    #[error(
        "the source cannot give daily candles ({0}). Sync needs daily open/high/low/close, \
         which it never invents: use CoinGecko's paid API (--source \
         https://pro-api.coingecko.com/api/v3 --api-key KEY) or another krispyto's /api/v3"
    )]
    NoDailyCandles(String),
}

/// One coin's outcome.
#[derive(Debug)]
pub struct CoinOutcome {
    pub coin_id: String,
    pub result: Result<WriteSummary, String>,
}

/// What a sync did, coin by coin.
#[derive(Debug)]
pub struct SyncReport {
    pub source: String,
    pub coins: Vec<CoinOutcome>,
    pub elapsed: Duration,
}

impl SyncReport {
    /// True when every coin synced.
    pub fn all_synced(&self) -> bool {
        self.coins.iter().all(|c| c.result.is_ok())
    }

    /// The days inserted, updated and left unchanged, and the coins created, all coins.
    pub fn totals(&self) -> WriteSummary {
        let mut total = WriteSummary::default();
        for summary in self.coins.iter().filter_map(|c| c.result.as_ref().ok()) {
            total.coins += 1;
            total.coins_created += summary.coins_created;
            total.inserted += summary.inserted;
            total.updated += summary.updated;
            total.unchanged += summary.unchanged;
            total.generation = total.generation.max(summary.generation);
        }
        total
    }
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.totals();
        write!(
            f,
            "Synced {} of {} coins from {} in {:.1} s: {} days inserted, {} updated, {} \
             unchanged; {} coins created",
            total.coins,
            self.coins.len(),
            self.source,
            self.elapsed.as_secs_f64(),
            total.inserted,
            total.updated,
            total.unchanged,
            total.coins_created
        )?;
        for coin in &self.coins {
            if let Err(reason) = &coin.result {
                write!(
                    f,
                    "\nfailed: {}: {reason}; nothing of it was written",
                    coin.coin_id
                )?;
            }
        }
        Ok(())
    }
}

/// A coin to sync: what is stored of it, or what the source says to create it with.
#[derive(Debug, Clone)]
struct Target {
    coin_id: CoinId,
    symbol: Symbol,
    /// Set for a coin to create.
    name: Option<CoinName>,
    /// The last stored day, if any.
    last_day: Option<NaiveDate>,
}

/// Runs one sync. Fails as a whole only when nothing can be synced (the store is down, the
/// coin list is unreadable, the source gives no daily candles); a coin's own failure is in
/// the report.
pub async fn sync(store: &Store, options: &SyncOptions) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let source = Source::new(options.source.clone()).map_err(SyncError::List)?;
    let currencies = store.currencies().await?;
    let spans = store.coin_spans(None).await?;
    let targets = targets(&source, &options.coins, &currencies, &spans).await?;
    // The last complete UTC day: its close (D+1 00:00) has passed.
    let last_complete = Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(1))
        .unwrap_or(NaiveDate::MIN);

    let bar = progress_bar(options.progress, targets.len());
    let mut outcomes = Vec::with_capacity(targets.len());
    for target in targets {
        let target = match target {
            Ok(target) => target,
            Err(outcome) => {
                outcomes.push(outcome);
                bar.inc(1);
                continue;
            }
        };
        bar.set_message(target.coin_id.to_string());
        let result = sync_coin(store, &source, options, &target, last_complete).await;
        let result = match result {
            Ok(summary) => Ok(summary),
            Err(CoinFailure::Fatal(error)) => {
                bar.finish_and_clear();
                return Err(error);
            }
            Err(CoinFailure::Coin(reason)) => {
                tracing::warn!(coin = %target.coin_id, %reason, "coin not synced");
                Err(reason)
            }
        };
        outcomes.push(CoinOutcome {
            coin_id: target.coin_id.to_string(),
            result,
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(SyncReport {
        source: source.base_url().to_owned(),
        coins: outcomes,
        elapsed: started.elapsed(),
    })
}

enum CoinFailure {
    /// The source cannot serve any coin: stop.
    Fatal(SyncError),
    /// This coin failed; go on with the next.
    Coin(String),
}

impl From<SourceError> for CoinFailure {
    fn from(error: SourceError) -> Self {
        CoinFailure::Coin(error.to_string())
    }
}

/// The coins to sync, in order; a coin that cannot even be targeted is its failed outcome.
async fn targets(
    source: &Source,
    choice: &CoinChoice,
    currencies: &[Currency],
    spans: &[CoinSpan],
) -> Result<Vec<Result<Target, CoinOutcome>>, SyncError> {
    let stored = |c: &Currency| Target {
        coin_id: c.coin_id.clone(),
        symbol: c.symbol.clone(),
        name: None,
        last_day: spans
            .iter()
            .find(|s| s.currency_id == c.id)
            .map(|s| s.last_date),
    };
    let wanted: Vec<String> = match choice {
        CoinChoice::Stored => return Ok(currencies.iter().map(|c| Ok(stored(c))).collect()),
        CoinChoice::All => {
            let listed = source.coins().await.map_err(SyncError::List)?;
            return Ok(listed
                .iter()
                .map(
                    |coin| match currencies.iter().find(|c| c.coin_id.as_str() == coin.id) {
                        Some(c) => Ok(stored(c)),
                        None => new_target(coin),
                    },
                )
                .collect());
        }
        CoinChoice::Listed(ids) => ids.clone(),
    };
    let mut listed: Option<Vec<ListedCoin>> = None;
    let mut out = Vec::with_capacity(wanted.len());
    for id in wanted {
        if let Some(c) = currencies.iter().find(|c| c.coin_id.as_str() == id) {
            out.push(Ok(stored(c)));
            continue;
        }
        // A coin to add: the list is read once, only when some coin is new.
        if listed.is_none() {
            listed = Some(source.coins().await.map_err(SyncError::List)?);
        }
        match listed.iter().flatten().find(|coin| coin.id == id) {
            Some(coin) => out.push(new_target(coin)),
            None => out.push(Err(CoinOutcome {
                coin_id: id.clone(),
                result: Err(format!(
                    "the source does not list '{id}' (see its /coins/list for the ids)"
                )),
            })),
        }
    }
    Ok(out)
}

/// A coin to create with the source's id, symbol and name, parsed as any written coin is.
fn new_target(coin: &ListedCoin) -> Result<Target, CoinOutcome> {
    let fail = |reason: String| CoinOutcome {
        coin_id: coin.id.clone(),
        result: Err(reason),
    };
    let coin_id = CoinId::parse(&coin.id).map_err(|r| fail(format!("its id: {r}")))?;
    let symbol = Symbol::parse(&coin.symbol).map_err(|r| fail(format!("its symbol: {r}")))?;
    let name = CoinName::parse(&coin.name).map_err(|r| fail(format!("its name {r}")))?;
    Ok(Target {
        coin_id,
        symbol,
        name: Some(name),
        last_day: None,
    })
}

async fn sync_coin(
    store: &Store,
    source: &Source,
    options: &SyncOptions,
    target: &Target,
    last_complete: NaiveDate,
) -> Result<WriteSummary, CoinFailure> {
    let id = target.coin_id.as_str();
    let from = options.since.or_else(|| {
        target
            .last_day
            .and_then(|d| d.checked_sub_days(Days::new(1)))
    });
    // Volumes and market caps in one request (CoinGecko limits only candles per request);
    // with no start known, the whole history, whose first day then starts the candles.
    let chart_from = from.map_or(0, close_instant);
    let chart = source
        .daily_chart(id, chart_from, close_instant(last_complete))
        .await?;
    let first_listed = chart
        .total_volumes
        .iter()
        .chain(&chart.market_caps)
        .filter_map(|(ms, _)| join::record_day(*ms))
        .min();
    let Some(from) = from.or(first_listed) else {
        // Nothing at the source yet: only create the coin, if it is new.
        return write(store, target, Vec::new()).await;
    };
    let mut candles = Vec::new();
    for (start, end) in chunks(from, last_complete, options.chunk_days) {
        match source
            .daily_candles(id, close_instant(start), close_instant(end))
            .await
        {
            Ok(mut chunk) => candles.append(&mut chunk),
            Err(error) => {
                // 400/401/403 on the candles: the plan (or the source) has no daily candles.
                if error
                    .refused_status()
                    .is_some_and(|s| matches!(s.as_u16(), 400 | 401 | 403))
                {
                    return Err(CoinFailure::Fatal(SyncError::NoDailyCandles(
                        error.to_string(),
                    )));
                }
                return Err(error.into());
            }
        }
    }
    let records = match join(&candles, &chart, from, last_complete) {
        Ok(records) => records,
        Err(error @ JoinError::NotDaily { .. }) => {
            return Err(CoinFailure::Fatal(SyncError::NoDailyCandles(format!(
                "{id}: {error}"
            ))))
        }
        Err(error) => return Err(CoinFailure::Coin(error.to_string())),
    };
    write(store, target, records).await
}

/// One transaction for the coin: created if new, its records upserted.
async fn write(
    store: &Store,
    target: &Target,
    records: Vec<crate::domain::DailyRecord>,
) -> Result<WriteSummary, CoinFailure> {
    if records.is_empty() && target.name.is_none() {
        return Ok(WriteSummary {
            coins: 1,
            ..WriteSummary::default()
        });
    }
    let update = CoinUpdate {
        symbol: target.symbol.clone(),
        name: target.name.clone(),
        coin_id: Some(target.coin_id.clone()),
        records,
    };
    store.apply(&[update]).await.map_err(|error| match error {
        // The database is gone: no other coin can be written either.
        StoreError::Unavailable(_) => CoinFailure::Fatal(SyncError::Store(error)),
        // A name or symbol that another coin holds, ...: this coin only.
        other => CoinFailure::Coin(other.to_string()),
    })
}

/// `serve --sync-every`: the sync, every `every`, inside the server.
#[derive(Debug, Clone)]
pub struct PeriodicSync {
    pub every: Duration,
    pub options: SyncOptions,
}

/// Runs `periodic` forever: a first sync at once, then one every `periodic.every` after the
/// previous one ended. Each run first takes the store's sync lock, so of several replicas on
/// one PostgreSQL only one syncs at a time; the others skip that turn. After a run that wrote
/// something, `changed` is told the new data generation (this server serves the new days at
/// once; the others see the generation move, as after any write).
pub async fn run_periodically<F, Fut>(store: Store, periodic: PeriodicSync, changed: F)
where
    F: Fn(i64) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut options = periodic.options;
    options.progress = false;
    loop {
        match store.try_sync_lock().await {
            Ok(Some(lock)) => {
                match sync(&store, &options).await {
                    Ok(report) => {
                        let generation = report.totals().generation;
                        if report.all_synced() {
                            tracing::info!("{report}");
                        } else {
                            tracing::warn!("{report}");
                        }
                        if generation > 0 {
                            changed(generation).await;
                        }
                    }
                    Err(error) => tracing::error!(%error, "the periodic sync failed"),
                }
                lock.release().await;
            }
            Ok(None) => {
                tracing::info!("another server is syncing this database; skipping this turn")
            }
            Err(error) => tracing::error!(%error, "the periodic sync cannot take its lock"),
        }
        tokio::time::sleep(periodic.every).await;
    }
}

/// `6h`, `30m`, `90s`, `1d`: a whole number and a unit.
pub fn parse_every(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let bad =
        || format!("'{raw}' is not a duration: give a whole number and s, m, h or d (e.g. 6h)");
    let split = raw.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = raw.split_at(split);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    if number == 0 {
        return Err(format!("'{raw}' is no time at all: give at least 1s"));
    }
    Ok(Duration::from_secs(number.saturating_mul(seconds)))
}

fn progress_bar(enabled: bool, coins: usize) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(coins as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} syncing [{bar:30}] {pos}/{len} coins {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        assert_eq!(parse_every("6h"), Ok(Duration::from_secs(21_600)));
        assert_eq!(parse_every(" 90s "), Ok(Duration::from_secs(90)));
        assert_eq!(parse_every("1d"), Ok(Duration::from_secs(86_400)));
        for bad in ["", "h", "6", "6 h", "6w", "-1h", "1.5h"] {
            assert!(parse_every(bad).unwrap_err().contains("duration"), "{bad}");
        }
        assert!(parse_every("0m").unwrap_err().contains("at least"));
    }

    #[test]
    fn coin_choices() {
        assert_eq!(CoinChoice::parse(None), Ok(CoinChoice::Stored));
        assert_eq!(CoinChoice::parse(Some(" ALL ")), Ok(CoinChoice::All));
        assert_eq!(
            CoinChoice::parse(Some("bitcoin, ethereum,bitcoin")),
            Ok(CoinChoice::Listed(vec![
                "bitcoin".into(),
                "ethereum".into()
            ]))
        );
        assert!(CoinChoice::parse(Some(","))
            .unwrap_err()
            .contains("no coin"));
        assert!(CoinChoice::parse(Some("Bitcoin"))
            .unwrap_err()
            .contains("--coins"));
    }
}
