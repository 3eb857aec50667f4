//! How a batch of coin updates is applied, the same on both backends: the statements differ,
//! the decisions (create, rename, insert, update, leave unchanged) do not.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{Datelike, Months, NaiveDate};
use sha2::{Digest, Sha256};

use crate::analytics::market_day::{in_key_order, MarketDay, MarketDays};
use crate::domain::{CoinId, CoinName, Currency, DailyRecord, Symbol};

use super::{CurrencyKey, StoreError, StoreResult, BULK_LOAD_ROWS};

/// One coin's changes: make sure it exists under `name`, and upsert `records`.
#[derive(Debug, Clone)]
pub struct CoinUpdate {
    pub symbol: Symbol,
    /// `None` keeps the stored name (the coin must exist then).
    pub name: Option<CoinName>,
    /// The coin's `/api/v3` id. `None` keeps the stored id, or gives a new coin its known
    /// CoinGecko id or a unique slug of its name.
    pub coin_id: Option<CoinId>,
    /// Sorted by date, one record per date.
    pub records: Vec<DailyRecord>,
}

/// What a write changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteSummary {
    pub coins: usize,
    pub coins_created: usize,
    pub coins_renamed: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The data generation after the write (unchanged when nothing changed).
    pub generation: i64,
}

/// The statements one backend runs inside the write transaction.
pub(crate) trait WriteTransaction: Sized {
    /// One coin by a unique column, as this transaction sees it.
    async fn currency(&mut self, key: CurrencyKey<'_>) -> StoreResult<Option<Currency>>;
    async fn insert_currency(
        &mut self,
        symbol: &Symbol,
        name: &str,
        coin_id: &CoinId,
    ) -> StoreResult<i64>;
    async fn rename_currency(&mut self, id: i64, name: &str) -> StoreResult<()>;
    async fn set_coin_id(&mut self, id: i64, coin_id: &CoinId) -> StoreResult<()>;
    /// The coin's stored records dated `from..=to`, sorted by date.
    async fn records_of(
        &mut self,
        currency_id: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<DailyRecord>>;
    async fn insert_records(&mut self, rows: &[(i64, DailyRecord)]) -> StoreResult<()>;
    async fn update_records(&mut self, rows: &[(i64, DailyRecord)]) -> StoreResult<()>;
    /// Replaces the close-extreme steps and month starts (tables `close_step`, `close_month`)
    /// of the coins in `rows` by its rows.
    async fn replace_close_extremes(&mut self, rows: &CloseRows<'_>) -> StoreResult<()>;
    /// Deletes the `market_day` rows of each coin of `from` dated on or after its day, then
    /// inserts `rows` (sorted by date, then coin).
    async fn replace_market_days(
        &mut self,
        from: &[(i64, NaiveDate)],
        rows: &[MarketDay],
    ) -> StoreResult<()>;
    /// Whether `market_day` is behind: empty while `record` is not (a database written
    /// before migration 0007).
    async fn market_days_missing(&mut self) -> StoreResult<bool>;
    /// Every coin's id, ascending.
    async fn currency_ids(&mut self) -> StoreResult<Vec<i64>>;
    /// Every coin's stored digest (table `coin_digest`).
    async fn coin_digests(&mut self) -> StoreResult<Vec<StoredDigest>>;
    /// Moves the digests stamped generation `from` to generation `to`: the coins a write did
    /// not change.
    async fn move_digest_generation(&mut self, from: i64, to: i64) -> StoreResult<()>;
    /// Stores the digests of the coins this write read, stamped `generation`.
    async fn save_coin_digests(
        &mut self,
        digests: &[(i64, CoinDigest)],
        generation: i64,
    ) -> StoreResult<()>;
    /// The largest batch `insert_records`/`update_records` take at once.
    fn batch_rows(&self) -> usize;
    /// Whether `record` holds any row (one probe, not a count of millions).
    async fn holds_records(&mut self) -> StoreResult<bool>;
    /// Called before the first row of a bulk load is written, so the backend can prepare
    /// (e.g. defer index maintenance).
    async fn begin_bulk(&mut self) -> StoreResult<()>;
    /// Called after the last row is written, before commit: undo what `begin_bulk` did.
    async fn finish_bulk(&mut self) -> StoreResult<()> {
        Ok(())
    }
    async fn bump_generation(&mut self) -> StoreResult<i64>;
    async fn current_generation(&mut self) -> StoreResult<i64>;
    async fn commit(self) -> StoreResult<()>;
}

/// The widest span of dates `records_of` is asked for: a coin's whole history.
const HISTORY_FROM: NaiveDate = NaiveDate::from_ymd_opt(1, 1, 1).expect("a valid date");
const HISTORY_TO: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date");

/// `market_day` rows written at once: ~10 MB of rows, whatever the size of the write.
const MARKET_DAY_BATCH: usize = 50_000;

/// The `market_day` rows waiting to be written, and the coins whose rows from a day on they
/// replace.
#[derive(Default)]
struct PendingDays {
    from: Vec<(i64, NaiveDate)>,
    rows: Vec<MarketDay>,
}

impl PendingDays {
    /// Writes the rows if there are enough (`force`: whatever there are).
    async fn flush<T: WriteTransaction>(&mut self, tx: &mut T, force: bool) -> StoreResult<()> {
        let due = self.rows.len() >= MARKET_DAY_BATCH || (force && !self.from.is_empty());
        if !due {
            return Ok(());
        }
        // In key order: neighbours in the table's b-tree are written together.
        self.rows
            .sort_unstable_by_key(|d| (d.record.date(), d.currency_id));
        tx.replace_market_days(&self.from, &self.rows).await?;
        self.from.clear();
        self.rows.clear();
        Ok(())
    }
}

/// Writes the `market_day` rows of coins that hold none yet (created by this write, or all
/// coins of a database being filled), merged in the table's key order, in batches.
async fn insert_market_days<T: WriteTransaction>(
    tx: &mut T,
    coins: Vec<MarketDays<'_>>,
) -> StoreResult<()> {
    let mut batch: Vec<MarketDay> = Vec::with_capacity(MARKET_DAY_BATCH);
    for day in in_key_order(coins) {
        batch.push(day);
        if batch.len() == MARKET_DAY_BATCH {
            tx.replace_market_days(&[], &batch).await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        tx.replace_market_days(&[], &batch).await?;
    }
    Ok(())
}

/// Coins per pass of [`fill_market_days`]: their histories are held in memory together
/// (~50 MB at 250 coins of 3,650 days).
const FILL_COINS: usize = 250;

/// Fills `market_day` from the stored records when it is behind (see
/// `WriteTransaction::market_days_missing`), in the transaction `tx`; `Ok(false)` when there
/// was nothing to do. Coins are taken in groups, each group's rows merged in key order.
pub(crate) async fn fill_market_days<T: WriteTransaction>(mut tx: T) -> StoreResult<bool> {
    if !tx.market_days_missing().await? {
        return Ok(false);
    }
    let ids = tx.currency_ids().await?;
    for group in ids.chunks(FILL_COINS) {
        let mut histories: Vec<(i64, Vec<DailyRecord>)> = Vec::with_capacity(group.len());
        for id in group {
            histories.push((*id, tx.records_of(*id, HISTORY_FROM, HISTORY_TO).await?));
        }
        let coins = histories
            .iter()
            .map(|(id, records)| MarketDays::all(*id, records))
            .collect();
        insert_market_days(&mut tx, coins).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Applies `updates` in the transaction `tx`, committing only when every step succeeded.
/// Dropping `tx` on an early return rolls the transaction back.
pub(crate) async fn apply<T: WriteTransaction>(
    mut tx: T,
    updates: &[CoinUpdate],
) -> StoreResult<WriteSummary> {
    let mut summary = WriteSummary {
        coins: updates.len(),
        ..WriteSummary::default()
    };
    // A coin whose stored digest is current (stamped with this generation: no write since)
    // and equal to the digest of what is written now holds exactly those records: nothing
    // to read or compare. A re-import of unchanged files then reads no records at all.
    let old_generation = tx.current_generation().await?;
    let current_digests: HashMap<i64, CoinDigest> = tx
        .coin_digests()
        .await?
        .into_iter()
        .filter(|d| d.generation == old_generation)
        .map(|d| (d.currency_id, d.digest))
        .collect();
    let mut pending_inserts: Vec<(i64, DailyRecord)> = Vec::new();
    let mut pending_updates: Vec<(i64, DailyRecord)> = Vec::new();
    let mut seen: HashSet<i64> = HashSet::with_capacity(updates.len());
    // The coins whose records this write compared (their digests are recomputed) and, of
    // those, the ones it changed (their close extremes are recomputed).
    let mut compared: BTreeSet<i64> = BTreeSet::new();
    let mut changed_coins: HashSet<i64> = HashSet::new();
    // Each changed coin's earliest changed day: its `market_day` rows from there on change.
    let mut first_change: HashMap<i64, NaiveDate> = HashMap::new();
    // Coins this write created and names once: their whole history is the update's records,
    // so nothing needs reading back (a first import reads nothing).
    let mut fresh: HashMap<i64, usize> = HashMap::new();
    // Which coins hold exactly what is written (decided up front, so that only the rows of
    // the others count towards a bulk load: a re-import of unchanged data is not one).
    let mut unchanged: Vec<bool> = Vec::with_capacity(updates.len());
    for update in updates {
        let same = !current_digests.is_empty()
            && match tx.currency(CurrencyKey::Symbol(&update.symbol)).await? {
                Some(coin) => current_digests
                    .get(&coin.id)
                    .is_some_and(|stored| *stored == CoinDigest::of(update.records.iter())),
                None => false,
            };
        unchanged.push(same);
    }
    let batch = tx.batch_rows();
    // A bulk load: many rows into an empty table (a first import).
    let rows: usize = updates
        .iter()
        .zip(&unchanged)
        .filter(|(_, unchanged)| !**unchanged)
        .map(|(u, _)| u.records.len())
        .sum();
    if rows >= BULK_LOAD_ROWS && is_bulk_load(rows, tx.holds_records().await?) {
        tx.begin_bulk().await?;
    }

    for (index, (update, unchanged)) in updates.iter().zip(unchanged).enumerate() {
        let created_before = summary.coins_created;
        let currency_id = ensure_currency(&mut tx, update, &mut summary).await?;
        if summary.coins_created > created_before {
            fresh.insert(currency_id, index);
        }
        if !seen.insert(currency_id) {
            // The same coin twice in one write: what the first wrote must be read back.
            flush(&mut tx, &mut pending_inserts, &mut pending_updates).await?;
            fresh.remove(&currency_id);
        } else if unchanged {
            summary.unchanged += update.records.len();
            continue;
        }
        compared.insert(currency_id);
        // Only the stored records the write can touch: those in its span of dates.
        let stored = match (update.records.first(), update.records.last()) {
            (Some(first), Some(last)) => {
                tx.records_of(currency_id, first.date(), last.date())
                    .await?
            }
            _ => Vec::new(),
        };
        let changed_before = summary.inserted + summary.updated;
        let mut stored_iter = stored.iter().peekable();
        for record in &update.records {
            while stored_iter.next_if(|s| s.date() < record.date()).is_some() {}
            match stored_iter.next_if(|s| s.date() == record.date()) {
                Some(existing) if existing.same_values(record) => summary.unchanged += 1,
                Some(_) => {
                    summary.updated += 1;
                    pending_updates.push((currency_id, *record));
                    note_change(&mut first_change, currency_id, record.date());
                }
                None => {
                    summary.inserted += 1;
                    pending_inserts.push((currency_id, *record));
                    note_change(&mut first_change, currency_id, record.date());
                }
            }
            if pending_inserts.len() >= batch {
                tx.insert_records(&pending_inserts).await?;
                pending_inserts.clear();
            }
            if pending_updates.len() >= batch {
                tx.update_records(&pending_updates).await?;
                pending_updates.clear();
            }
        }
        if summary.inserted + summary.updated > changed_before {
            changed_coins.insert(currency_id);
        }
    }
    flush(&mut tx, &mut pending_inserts, &mut pending_updates).await?;

    // The close extremes and digests depend on a coin's whole history, which the write read
    // only in its span of dates: recompute them from the stored rows, in this transaction.
    let mut closes: Vec<(i64, CloseHistory)> = Vec::new();
    let mut new_digests: Vec<(i64, CoinDigest)> = Vec::with_capacity(compared.len());
    // The coins created by this write hold no `market_day` rows: theirs are written together,
    // in key order, from the histories the update holds. The others' are replaced from their
    // earliest changed day, a batch at a time.
    let mut fresh_days: Vec<MarketDays<'_>> = Vec::new();
    let mut pending_days = PendingDays::default();
    for currency_id in compared {
        let stored;
        let history: &[DailyRecord] = match fresh.get(&currency_id) {
            Some(&index) => &updates[index].records,
            None => {
                stored = tx.records_of(currency_id, HISTORY_FROM, HISTORY_TO).await?;
                &stored
            }
        };
        if changed_coins.contains(&currency_id) {
            closes.push((currency_id, CloseHistory::of(history.iter())));
            if let Some(&index) = fresh.get(&currency_id) {
                fresh_days.push(MarketDays::all(currency_id, &updates[index].records));
            } else if let Some(&from) = first_change.get(&currency_id) {
                pending_days.from.push((currency_id, from));
                pending_days
                    .rows
                    .extend(MarketDays::from(currency_id, history, from));
                pending_days.flush(&mut tx, false).await?;
            }
        }
        new_digests.push((currency_id, CoinDigest::of(history.iter())));
    }
    pending_days.flush(&mut tx, true).await?;
    if !fresh_days.is_empty() {
        insert_market_days(&mut tx, fresh_days).await?;
    }
    // After the `market_day` rows too: a bulk load deferred that table's index as well.
    tx.finish_bulk().await?;
    if !closes.is_empty() {
        tx.replace_close_extremes(&CloseRows::of(&closes)).await?;
    }

    let changed =
        summary.coins_created + summary.coins_renamed + summary.inserted + summary.updated;
    summary.generation = if changed > 0 {
        tx.bump_generation().await?
    } else {
        old_generation
    };
    if summary.generation != old_generation {
        tx.move_digest_generation(old_generation, summary.generation)
            .await?;
    }
    if !new_digests.is_empty() {
        tx.save_coin_digests(&new_digests, summary.generation)
            .await?;
    }
    tx.commit().await?;
    Ok(summary)
}

/// Keeps the earliest changed day of each coin.
fn note_change(first_change: &mut HashMap<i64, NaiveDate>, currency_id: i64, date: NaiveDate) {
    first_change
        .entry(currency_id)
        .and_modify(|first| *first = (*first).min(date))
        .or_insert(date);
}

/// Writes the pending rows.
async fn flush<T: WriteTransaction>(
    tx: &mut T,
    inserts: &mut Vec<(i64, DailyRecord)>,
    updates: &mut Vec<(i64, DailyRecord)>,
) -> StoreResult<()> {
    if !inserts.is_empty() {
        tx.insert_records(inserts).await?;
        inserts.clear();
    }
    if !updates.is_empty() {
        tx.update_records(updates).await?;
        updates.clear();
    }
    Ok(())
}

/// A day on which a coin's highest close rose or its lowest close fell (both on its first
/// day): its close is above, or below, every earlier close.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CloseStep {
    pub date: NaiveDate,
    pub close: f64,
    pub highest: bool,
    pub lowest: bool,
}

/// A coin's highest and lowest close as of some day, each with the earliest day it was reached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CloseExtremesAt {
    pub highest: f64,
    pub highest_date: NaiveDate,
    pub lowest: f64,
    pub lowest_date: NaiveDate,
}

/// A coin's highest and lowest close through time: the days they moved, and the extremes as of the first day of every month from the month after
/// its first record to the month of its last. `/api/v3/coins/markets` gives every coin's ATH
/// and ATL by close on a day from these instead of two index probes per coin.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CloseHistory {
    pub steps: Vec<CloseStep>,
    /// (first day of the month, the extremes as of that day).
    pub months: Vec<(NaiveDate, CloseExtremesAt)>,
}

/// The rows of `close_step` and `close_month` that [`CloseHistory`]s of some coins make.
pub(crate) struct CloseRows<'a> {
    /// The coins whose rows these are (all they have).
    pub ids: Vec<i64>,
    pub steps: Vec<(i64, &'a CloseStep)>,
    pub months: Vec<(i64, NaiveDate, &'a CloseExtremesAt)>,
}

impl<'a> CloseRows<'a> {
    pub(crate) fn of(closes: &'a [(i64, CloseHistory)]) -> CloseRows<'a> {
        CloseRows {
            ids: closes.iter().map(|(id, _)| *id).collect(),
            steps: closes
                .iter()
                .flat_map(|(id, c)| c.steps.iter().map(move |s| (*id, s)))
                .collect(),
            months: closes
                .iter()
                .flat_map(|(id, c)| c.months.iter().map(move |(month, e)| (*id, *month, e)))
                .collect(),
        }
    }
}

impl CloseHistory {
    pub(crate) fn of<'a>(records: impl Iterator<Item = &'a DailyRecord>) -> CloseHistory {
        let mut steps: Vec<CloseStep> = Vec::new();
        let mut months: Vec<(NaiveDate, CloseExtremesAt)> = Vec::new();
        let mut now: Option<CloseExtremesAt> = None;
        let mut next_month: Option<NaiveDate> = None;
        for record in records {
            let (date, close) = (record.date(), record.close());
            while let (Some(month), Some(extremes)) = (next_month, now) {
                if month > date {
                    break;
                }
                months.push((month, extremes));
                next_month = month.checked_add_months(Months::new(1));
            }
            if next_month.is_none() {
                next_month = super::first_of_month(date).checked_add_months(Months::new(1));
            }
            // A later equal close is not a step: the earliest day is the extreme's date.
            let highest = now.is_none_or(|e| close > e.highest);
            let lowest = now.is_none_or(|e| close < e.lowest);
            if highest || lowest {
                steps.push(CloseStep {
                    date,
                    close,
                    highest,
                    lowest,
                });
                let mut extremes = now.unwrap_or(CloseExtremesAt {
                    highest: close,
                    highest_date: date,
                    lowest: close,
                    lowest_date: date,
                });
                if highest {
                    (extremes.highest, extremes.highest_date) = (close, date);
                }
                if lowest {
                    (extremes.lowest, extremes.lowest_date) = (close, date);
                }
                now = Some(extremes);
            }
        }
        CloseHistory { steps, months }
    }
}

/// A coin's records once `written` is upserted into `stored` (both sorted by date; a written
/// record replaces the stored one of its day), in date order.
#[cfg(test)]
fn merged<'a>(
    stored: &'a [DailyRecord],
    written: &'a [DailyRecord],
) -> impl Iterator<Item = &'a DailyRecord> {
    let (mut s, mut w) = (stored.iter().peekable(), written.iter().peekable());
    std::iter::from_fn(move || match (s.peek(), w.peek()) {
        (Some(a), Some(b)) if a.date() < b.date() => s.next(),
        (Some(a), Some(b)) => {
            if a.date() == b.date() {
                s.next();
            }
            w.next()
        }
        (Some(_), None) => s.next(),
        (None, _) => w.next(),
    })
}

/// What a coin's records are, in 40 bytes: their number and the SHA-256 of their dates and
/// values (bit for bit, in date order). Equal digests mean equal records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CoinDigest {
    pub records: i64,
    pub sha256: Vec<u8>,
}

impl CoinDigest {
    pub(crate) fn of<'a>(records: impl Iterator<Item = &'a DailyRecord>) -> CoinDigest {
        let mut hasher = Sha256::new();
        let mut count = 0;
        for r in records {
            count += 1;
            let mut bytes = [0u8; 52];
            bytes[..4].copy_from_slice(&r.date().num_days_from_ce().to_le_bytes());
            for (i, v) in [
                r.open(),
                r.high(),
                r.low(),
                r.close(),
                r.volume(),
                r.market_cap(),
            ]
            .iter()
            .enumerate()
            {
                bytes[4 + 8 * i..12 + 8 * i].copy_from_slice(&v.to_bits().to_le_bytes());
            }
            hasher.update(bytes);
        }
        CoinDigest {
            records: count,
            sha256: hasher.finalize().to_vec(),
        }
    }
}

/// A digest as stored, with the data generation it was stamped with.
#[derive(Debug, Clone)]
pub(crate) struct StoredDigest {
    pub currency_id: i64,
    pub digest: CoinDigest,
    pub generation: i64,
}

/// Finds the coin by symbol, creating or renaming it (name and id) as `update` asks; refuses
/// a name or an id that another symbol already uses. A few indexed lookups, whatever the
/// number of coins.
async fn ensure_currency<T: WriteTransaction>(
    tx: &mut T,
    update: &CoinUpdate,
    summary: &mut WriteSummary,
) -> StoreResult<i64> {
    let existing = tx.currency(CurrencyKey::Symbol(&update.symbol)).await?;
    if let Some(coin_id) = &update.coin_id {
        let holder = tx.currency(CurrencyKey::CoinId(coin_id)).await?;
        if let Some(other) = holder.filter(|coin| coin.symbol != update.symbol) {
            return Err(StoreError::Conflict(format!(
                "cannot give {} the id '{coin_id}': that id belongs to {}",
                update.symbol, other.symbol
            )));
        }
    }
    let name = update.name.as_ref().map(CoinName::as_str);
    if let Some(name) = name.filter(|name| existing.as_ref().is_none_or(|c| c.name != *name)) {
        let holder = tx.currency(CurrencyKey::Name(name)).await?;
        if let Some(other) = holder.filter(|coin| coin.symbol != update.symbol) {
            let (action, prep) = if existing.is_some() {
                ("rename", "to")
            } else {
                ("add", "as")
            };
            return Err(StoreError::Conflict(format!(
                "cannot {action} {} {prep} '{name}': that name belongs to {}",
                update.symbol, other.symbol
            )));
        }
    }
    let Some(coin) = existing else {
        let Some(name) = name else {
            return Err(StoreError::Conflict(format!(
                "there is no coin with symbol {}; create it first",
                update.symbol
            )));
        };
        let coin_id = match &update.coin_id {
            Some(coin_id) => coin_id.clone(),
            None => free_coin_id(tx, name).await?,
        };
        let id = tx.insert_currency(&update.symbol, name, &coin_id).await?;
        summary.coins_created += 1;
        return Ok(id);
    };
    let mut changed = false;
    if let Some(name) = name.filter(|name| *name != coin.name) {
        tx.rename_currency(coin.id, name).await?;
        changed = true;
    }
    if let Some(coin_id) = update.coin_id.as_ref().filter(|id| **id != coin.coin_id) {
        tx.set_coin_id(coin.id, coin_id).await?;
        changed = true;
    }
    if changed {
        summary.coins_renamed += 1;
    }
    Ok(coin.id)
}

/// The id a new coin named `name` gets: the first of its candidates no stored coin holds.
async fn free_coin_id<T: WriteTransaction>(tx: &mut T, name: &str) -> StoreResult<CoinId> {
    for candidate in CoinId::candidates(name).take(10_000) {
        if tx
            .currency(CurrencyKey::CoinId(&candidate))
            .await?
            .is_none()
        {
            return Ok(candidate);
        }
    }
    Err(StoreError::Conflict(format!(
        "every id made from the name '{name}' is taken; give the coin an \"id\""
    )))
}

/// Whether a write of `rows` into `record` is a bulk load (the backend
/// may drop secondary indexes until commit). Only into an empty table: on PostgreSQL dropping
/// an index takes an exclusive lock on `record` until commit, which blocked every reader of a
/// live database for the whole of a 570,000-row import (2 s). Into a table that holds data,
/// rows go in with the indexes in place, under plain row locks, so readers read the previous
/// data until the commit (MVCC), and the write stays one transaction.
pub(crate) fn is_bulk_load(rows: usize, table_holds_records: bool) -> bool {
    rows >= BULK_LOAD_ROWS && !table_holds_records
}

#[cfg(test)]
mod bulk_tests {
    use super::*;

    #[test]
    fn only_a_large_load_into_an_empty_table_is_a_bulk_load() {
        assert!(is_bulk_load(BULK_LOAD_ROWS, false));
        assert!(is_bulk_load(7_000_000, false));
        // The campaign's case: 570,000 rows into a live database (of 37,082). Dropping the
        // indexes would lock every reader out until commit.
        assert!(!is_bulk_load(570_000, true));
        assert!(!is_bulk_load(7_000_000, true));
        assert!(!is_bulk_load(BULK_LOAD_ROWS - 1, false));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(day: u32, high: f64) -> DailyRecord {
        rec_on(NaiveDate::from_ymd_opt(2021, 1, day).unwrap(), high)
    }

    fn rec_on(date: NaiveDate, high: f64) -> DailyRecord {
        DailyRecord::new(date.into(), high, high, high, high, 0.0, 0.0).unwrap()
    }

    /// 2021-`month`-`day`.
    fn d(month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, month, day).unwrap()
    }

    /// Every price of a record its value (so high and close are the same): Jan 30: 5,
    /// Jan 31: 6, (no February records), Mar 1: 4, Mar 2: 6 (equal to the high and highest
    /// close: no step), Mar 3: 9, Apr 1: 4 (equal to the lowest close: no step), Apr 2: 1.
    fn month_crossing_history() -> [DailyRecord; 7] {
        [
            rec_on(d(1, 30), 5.0),
            rec_on(d(1, 31), 6.0),
            rec_on(d(3, 1), 4.0),
            rec_on(d(3, 2), 6.0),
            rec_on(d(3, 3), 9.0),
            rec_on(d(4, 1), 4.0),
            rec_on(d(4, 2), 1.0),
        ]
    }

    #[test]
    fn close_steps_and_month_starts_hold_both_extremes_reached_first() {
        let history = month_crossing_history();
        let closes = CloseHistory::of(history.iter());
        let step = |date, close, highest, lowest| CloseStep {
            date,
            close,
            highest,
            lowest,
        };
        assert_eq!(
            closes.steps,
            [
                step(d(1, 30), 5.0, true, true),
                step(d(1, 31), 6.0, true, false),
                step(d(3, 1), 4.0, false, true),
                step(d(3, 3), 9.0, true, false),
                step(d(4, 2), 1.0, false, true),
            ]
        );
        let at = |highest, highest_date, lowest, lowest_date| CloseExtremesAt {
            highest,
            highest_date,
            lowest,
            lowest_date,
        };
        assert_eq!(
            closes.months,
            [
                (d(2, 1), at(6.0, d(1, 31), 5.0, d(1, 30))),
                (d(3, 1), at(6.0, d(1, 31), 5.0, d(1, 30))),
                (d(4, 1), at(9.0, d(3, 3), 4.0, d(3, 1))),
            ]
        );
        assert_eq!(CloseHistory::of(history[..2].iter()).months, []);
        assert_eq!(
            CloseHistory::of([].iter()),
            CloseHistory {
                steps: vec![],
                months: vec![]
            }
        );
    }

    #[test]
    fn a_digest_tells_apart_any_change_of_date_value_or_count() {
        let history = [rec(1, 5.0), rec(2, 3.0), rec(3, 7.0)];
        let digest = CoinDigest::of(history.iter());
        assert_eq!(digest.records, 3);
        assert_eq!(digest, CoinDigest::of(merged(&history, &history[1..2])));
        assert_ne!(digest, CoinDigest::of(history[..2].iter()));
        assert_ne!(digest, CoinDigest::of(merged(&history, &[rec(2, 3.5)])));
        assert_ne!(
            digest,
            CoinDigest::of(merged(&history[..2], &[rec(4, 7.0)]))
        );
        let mut negative_zero = history;
        negative_zero[0] = DailyRecord::new(
            negative_zero[0].date().into(),
            5.0,
            5.0,
            5.0,
            5.0,
            -0.0,
            0.0,
        )
        .unwrap();
        assert_ne!(digest, CoinDigest::of(negative_zero.iter()));
    }

    #[test]
    fn written_records_replace_stored_ones_of_their_day_and_merge_by_date() {
        let stored = [rec(1, 5.0), rec(3, 7.0), rec(5, 8.0)];
        let merged_highs = |written: &[DailyRecord]| -> Vec<(u32, f64)> {
            merged(&stored, written)
                .map(|r| (r.date().day(), r.high()))
                .collect()
        };
        // Between stored days, on a stored day (replacing it), after the last and before
        // the first.
        assert_eq!(
            merged_highs(&[rec(2, 9.0)]),
            [(1, 5.0), (2, 9.0), (3, 7.0), (5, 8.0)]
        );
        assert_eq!(merged_highs(&[rec(3, 1.0)]), [(1, 5.0), (3, 1.0), (5, 8.0)]);
        assert_eq!(
            merged_highs(&[rec(6, 10.0)]),
            [(1, 5.0), (3, 7.0), (5, 8.0), (6, 10.0)]
        );
        assert_eq!(
            merged_highs(&[rec(1, 20.0)]),
            [(1, 20.0), (3, 7.0), (5, 8.0)]
        );
        assert_eq!(merged(&[], &[]).count(), 0);
    }
}
