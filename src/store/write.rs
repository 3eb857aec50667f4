//! How a batch of coin updates is applied, the same on both backends: the statements differ,
//! the decisions (create, rename, insert, update, leave unchanged) do not.

use chrono::NaiveDate;

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
    /// The largest batch `insert_records`/`update_records` take at once.
    fn batch_rows(&self) -> usize;
    /// The number of record rows stored, all coins together.
    async fn stored_records(&mut self) -> StoreResult<i64>;
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
    let mut pending_inserts: Vec<(i64, DailyRecord)> = Vec::new();
    let mut pending_updates: Vec<(i64, DailyRecord)> = Vec::new();
    let batch = tx.batch_rows();
    // A bulk load: many rows into an empty table (a first import).
    let rows: usize = updates.iter().map(|u| u.records.len()).sum();
    if rows >= BULK_LOAD_ROWS && is_bulk_load(rows, tx.stored_records().await?) {
        tx.begin_bulk().await?;
    }

    for update in updates {
        let currency_id = ensure_currency(&mut tx, update, &mut summary).await?;
        // Only the stored records the write can touch: those in its span of dates.
        let stored = match (update.records.first(), update.records.last()) {
            (Some(first), Some(last)) => {
                tx.records_of(currency_id, first.date(), last.date())
                    .await?
            }
            _ => Vec::new(),
        };
        let mut stored_iter = stored.iter().peekable();
        for record in &update.records {
            while stored_iter.next_if(|s| s.date() < record.date()).is_some() {}
            match stored_iter.next_if(|s| s.date() == record.date()) {
                Some(existing) if existing.same_values(record) => summary.unchanged += 1,
                Some(_) => {
                    summary.updated += 1;
                    pending_updates.push((currency_id, *record));
                }
                None => {
                    summary.inserted += 1;
                    pending_inserts.push((currency_id, *record));
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
    }
    if !pending_inserts.is_empty() {
        tx.insert_records(&pending_inserts).await?;
    }
    if !pending_updates.is_empty() {
        tx.update_records(&pending_updates).await?;
    }
    tx.finish_bulk().await?;

    let changed =
        summary.coins_created + summary.coins_renamed + summary.inserted + summary.updated;
    summary.generation = if changed > 0 {
        tx.bump_generation().await?
    } else {
        tx.current_generation().await?
    };
    tx.commit().await?;
    Ok(summary)
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

/// Whether a write of `rows` into a table holding `stored` rows is a bulk load (the backend
/// may drop secondary indexes until commit). Only into an empty table: on PostgreSQL dropping
/// an index takes an exclusive lock on `record` until commit, which blocked every reader of a
/// live database for the whole of a 570,000-row import (2 s). Into a table that holds data,
/// rows go in with the indexes in place, under plain row locks, so readers read the previous
/// data until the commit (MVCC), and the write stays one transaction.
pub(crate) fn is_bulk_load(rows: usize, stored: i64) -> bool {
    rows >= BULK_LOAD_ROWS && stored == 0
}

#[cfg(test)]
mod bulk_tests {
    use super::*;

    #[test]
    fn only_a_large_load_into_an_empty_table_is_a_bulk_load() {
        assert!(is_bulk_load(BULK_LOAD_ROWS, 0));
        assert!(is_bulk_load(7_000_000, 0));
        // The campaign's case: 570,000 rows into a live database of 37,082. Dropping the
        // indexes would lock every reader out until commit.
        assert!(!is_bulk_load(570_000, 37_082));
        assert!(!is_bulk_load(7_000_000, 1));
        assert!(!is_bulk_load(BULK_LOAD_ROWS - 1, 0));
    }
}
