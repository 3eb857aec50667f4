//! How a batch of coin updates is applied, the same on both backends: the statements differ,
//! the decisions (create, rename, insert, update, leave unchanged) do not.

use crate::domain::{CoinId, CoinName, Currency, DailyRecord, Symbol};

use super::{StoreError, StoreResult};

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
    async fn currencies(&mut self) -> StoreResult<Vec<Currency>>;
    async fn insert_currency(
        &mut self,
        symbol: &Symbol,
        name: &str,
        coin_id: &CoinId,
    ) -> StoreResult<i64>;
    async fn rename_currency(&mut self, id: i64, name: &str) -> StoreResult<()>;
    async fn set_coin_id(&mut self, id: i64, coin_id: &CoinId) -> StoreResult<()>;
    /// The coin's stored records, sorted by date.
    async fn records_of(&mut self, currency_id: i64) -> StoreResult<Vec<DailyRecord>>;
    async fn insert_records(&mut self, rows: &[(i64, DailyRecord)]) -> StoreResult<()>;
    async fn update_records(&mut self, rows: &[(i64, DailyRecord)]) -> StoreResult<()>;
    /// The largest batch `insert_records`/`update_records` take at once.
    fn batch_rows(&self) -> usize;
    /// Called before the first row is written with the number of rows in the write, so a
    /// backend can prepare a bulk load (e.g. defer index maintenance).
    async fn begin_bulk(&mut self, _rows: usize) -> StoreResult<()> {
        Ok(())
    }
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
    let mut known = tx.currencies().await?;
    let mut pending_inserts: Vec<(i64, DailyRecord)> = Vec::new();
    let mut pending_updates: Vec<(i64, DailyRecord)> = Vec::new();
    let batch = tx.batch_rows();
    tx.begin_bulk(updates.iter().map(|u| u.records.len()).sum())
        .await?;

    for update in updates {
        let currency_id = ensure_currency(&mut tx, &mut known, update, &mut summary).await?;
        let stored = tx.records_of(currency_id).await?;
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
/// a name or an id that another symbol already uses.
async fn ensure_currency<T: WriteTransaction>(
    tx: &mut T,
    known: &mut Vec<Currency>,
    update: &CoinUpdate,
    summary: &mut WriteSummary,
) -> StoreResult<i64> {
    let name_taken_by_other = |known: &[Currency], name: &str| {
        known
            .iter()
            .find(|c| c.name == name && c.symbol != update.symbol)
            .map(|c| c.symbol.clone())
    };
    let id_taken_by_other = |known: &[Currency], id: &CoinId| {
        known
            .iter()
            .find(|c| c.coin_id == *id && c.symbol != update.symbol)
            .map(|c| c.symbol.clone())
    };
    if let Some(id) = &update.coin_id {
        if let Some(other) = id_taken_by_other(known, id) {
            return Err(StoreError::Conflict(format!(
                "cannot give {} the id '{id}': that id belongs to {other}",
                update.symbol
            )));
        }
    }
    let name = update.name.as_ref().map(CoinName::as_str);
    let Some(index) = known.iter().position(|c| c.symbol == update.symbol) else {
        let Some(name) = name else {
            return Err(StoreError::Conflict(format!(
                "there is no coin with symbol {}; create it first",
                update.symbol
            )));
        };
        if let Some(other) = name_taken_by_other(known, name) {
            return Err(StoreError::Conflict(format!(
                "cannot add {} as '{name}': that name belongs to {other}",
                update.symbol
            )));
        }
        let coin_id = update.coin_id.clone().unwrap_or_else(|| {
            CoinId::for_name(name, |candidate| {
                known.iter().any(|c| c.coin_id.as_str() == candidate)
            })
        });
        let id = tx.insert_currency(&update.symbol, name, &coin_id).await?;
        known.push(Currency {
            id,
            name: name.to_owned(),
            symbol: update.symbol.clone(),
            coin_id,
        });
        summary.coins_created += 1;
        return Ok(id);
    };
    let mut changed = false;
    if let Some(name) = name.filter(|n| *n != known[index].name) {
        if let Some(other) = name_taken_by_other(known, name) {
            return Err(StoreError::Conflict(format!(
                "cannot rename {} to '{name}': that name belongs to {other}",
                update.symbol
            )));
        }
        tx.rename_currency(known[index].id, name).await?;
        known[index].name = name.to_owned();
        changed = true;
    }
    if let Some(coin_id) = update
        .coin_id
        .as_ref()
        .filter(|id| **id != known[index].coin_id)
    {
        tx.set_coin_id(known[index].id, coin_id).await?;
        known[index].coin_id = coin_id.clone();
        changed = true;
    }
    if changed {
        summary.coins_renamed += 1;
    }
    Ok(known[index].id)
}
