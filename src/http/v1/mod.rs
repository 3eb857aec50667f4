//! `/api/v1`: the read routes a user of a price API expects, and the analytics on top.
//! One module per resource. Each handler takes its query string as an explicit `*Params`
//! struct of raw strings, parses it into typed values first (a 400 naming the parameter),
//! then asks the store a fixed number of queries (never one per coin) and hands the records
//! to `analytics`. Answers are plain `Serialize` structs, one per response shape.

pub mod coins;
pub mod export;
pub mod markets;
pub mod search;
pub mod stats;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::{Currency, Symbol};
use crate::store::Store;

/// Every `/api/v1` route, each with its OpenAPI operation (path and method come from the
/// handler's `#[utoipa::path]`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(coins::list_coins))
        .routes(routes!(coins::get_coin))
        .routes(routes!(coins::coin_history))
        .routes(routes!(markets::markets))
        .routes(routes!(search::search))
        .routes(routes!(stats::stats))
        .routes(routes!(export::export))
}

/// The coin with `symbol` (any case), or a 404 saying where to find one. One indexed lookup.
async fn coin_by_symbol(store: &Store, symbol: &str) -> Result<Currency, ApiError> {
    let symbol = symbol.trim();
    let found = match Symbol::parse(symbol) {
        Ok(parsed) => store.currency_by_symbol(&parsed).await?,
        // Not a well-formed symbol: no coin can have it.
        Err(_) => None,
    };
    found.ok_or_else(|| {
        ApiError::NotFound(format!(
            "No coin has the symbol '{symbol}'. GET /api/v1/coins lists every coin; \
             /api/v1/search?q=... finds one by name."
        ))
    })
}
