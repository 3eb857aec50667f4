//! `GET /api/v3/search`: coins whose id, name or symbol holds the query, by market cap.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::coins::ranks;
use super::{query_params, required, CgError, Universe};
use crate::cache::CacheKey;
use crate::domain::Currency;
use crate::http::{ApiError, AppState};

/// The query string of `/api/v3/search`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Required: text found, in any case, in a coin's id, name or symbol.
    #[param(required = true, example = "bit")]
    pub query: Option<String>,
}

/// One coin found.
#[derive(Debug, Serialize, ToSchema)]
pub struct FoundCoin {
    #[schema(example = "bitcoin")]
    pub id: String,
    #[schema(example = "Bitcoin")]
    pub name: String,
    /// The id, as CoinGecko gives it.
    #[schema(example = "bitcoin")]
    pub api_symbol: String,
    /// Upper-case.
    #[schema(example = "BTC")]
    pub symbol: String,
    pub market_cap_rank: Option<u32>,
    /// Unknown: empty.
    pub thumb: String,
    pub large: String,
}

/// `/search`'s answer: krispyto knows only coins, so the other lists are empty.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CgSearchResults)]
pub struct SearchResults {
    pub coins: Vec<FoundCoin>,
    pub exchanges: Vec<serde_json::Value>,
    pub icos: Vec<serde_json::Value>,
    pub categories: Vec<serde_json::Value>,
    pub nfts: Vec<serde_json::Value>,
}

/// Coins whose id, name or symbol holds the query.
#[utoipa::path(
    get,
    path = "/api/v3/search",
    tag = "coingecko",
    operation_id = "cg_search",
    summary = "Find coins by id, name or symbol",
    description = "A case-insensitive substring of the id, name or symbol, ordered by market-cap \
        rank (by USD market cap on the latest day; coins without one last, by name): `bit` gives \
        bitcoin then wrapped-bitcoin.",
    params(SearchParams),
    responses(
        (status = 200, description = "The coins found (possibly none).", body = SearchResults),
        (status = 400, description = "`query` is missing or blank.", body = CgError),
        (status = 500, description = "The database cannot be read.", body = CgError),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query_params(params)?;
    let query = required("query", params.query.as_deref(), "bitcoin")?.to_lowercase();
    let key = CacheKey::new("v3/search").param("query", &query);
    Ok(state
        .cache
        .respond(&headers, &key, || async {
            let universe = Universe::load(&state.store).await?;
            let caps: HashMap<i64, f64> = match universe.latest {
                Some(day) => state.store.market_caps_on(day).await?.into_iter().collect(),
                None => HashMap::new(),
            };
            let ranks = ranks(&universe, &caps);
            Ok(SearchResults {
                coins: found(&universe.currencies, &ranks, &query),
                exchanges: Vec::new(),
                icos: Vec::new(),
                categories: Vec::new(),
                nfts: Vec::new(),
            })
        })
        .await)
}

/// The coins whose id, name or symbol holds `query` (lowercase), ranked first by rank, then
/// by name.
fn found(currencies: &[Currency], ranks: &HashMap<i64, u32>, query: &str) -> Vec<FoundCoin> {
    let mut hits: Vec<(&Currency, Option<u32>)> = currencies
        .iter()
        .filter(|c| {
            c.coin_id.as_str().contains(query)
                || c.name.to_lowercase().contains(query)
                || c.symbol.as_str().to_lowercase().contains(query)
        })
        .map(|c| (c, ranks.get(&c.id).copied()))
        .collect();
    hits.sort_by(|(a, rank_a), (b, rank_b)| {
        let by_rank = match (rank_a, rank_b) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_rank.then_with(|| a.name.cmp(&b.name))
    });
    hits.into_iter()
        .map(|(c, rank)| FoundCoin {
            id: c.coin_id.to_string(),
            name: c.name.clone(),
            api_symbol: c.coin_id.to_string(),
            symbol: c.symbol.to_string(),
            market_cap_rank: rank,
            thumb: String::new(),
            large: String::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::coin;

    #[test]
    fn substrings_of_id_name_or_symbol_by_rank() {
        let coins = vec![
            coin(1, "Bitcoin", "BTC"),
            coin(2, "Wrapped Bitcoin", "WBTC"),
            coin(3, "XRP", "XRP"),
            coin(4, "Orbit", "ORB"),
        ];
        let ranks = HashMap::from([(1, 1), (2, 3), (3, 2)]);
        let ids = |q: &str| -> Vec<String> {
            found(&coins, &ranks, q).into_iter().map(|c| c.id).collect()
        };
        assert_eq!(ids("bit"), ["bitcoin", "wrapped-bitcoin", "orbit"]);
        assert_eq!(ids("ripple"), ["ripple"]);
        assert_eq!(ids("xrp"), ["ripple"]);
        assert!(ids("zzz").is_empty());
        let first = &found(&coins, &ranks, "btc")[0];
        assert_eq!(
            (first.symbol.as_str(), first.api_symbol.as_str()),
            ("BTC", "bitcoin")
        );
    }
}
