//! `GET /search?name=X`: find one coin by exact name or symbol (shared/SPEC.md).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::error::ErrorBody;
use super::{ApiError, AppState};
use crate::analytics::search::find_currency;
use crate::cache::CacheKey;

/// The coin found.
#[derive(Debug, Serialize, PartialEq, ToSchema)]
#[schema(example = json!({"name": "Bitcoin", "symbol": "BTC"}))]
pub struct SearchHit {
    pub name: String,
    /// Upper-case.
    pub symbol: String,
}

/// The query of `/search` as given, read from the decoded query pairs (the last of a repeated
/// parameter winning) so that a missing or blank name is a 400 the handler words itself.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchParams {
    /// A coin's name or symbol, any case, surrounding blanks ignored. Names also match
    /// ignoring spaces and punctuation (`binancecoin` finds `Binance Coin`). Missing or blank
    /// is a 400.
    #[param(required = true, value_type = String, pattern = r"\S", example = "bitcoin")]
    name: Option<String>,
}

/// Finds one coin by exact name, then symbol, then name ignoring spaces and punctuation.
#[utoipa::path(
    get,
    path = "/search",
    tag = "compatibility",
    operation_id = "search",
    summary = "Find one coin by name or symbol",
    params(SearchParams),
    responses(
        (status = 200, description = "The coin: an exact, case-insensitive match on the name \
            first, then on the symbol, then on the name ignoring spaces and punctuation.",
            body = SearchHit),
        (status = 400, description = "`name` is missing or blank.", body = ErrorBody,
            example = json!({"error": "The 'name' parameter is required: give a coin name or symbol, e.g. /search?name=bitcoin."})),
        (status = 404, description = "No coin has that name or symbol.", body = ErrorBody,
            example = json!({"error": "No currency found with name or symbol 'dogecoin'."})),
        (status = 500, description = "The database cannot be read; the message leaks no internals.",
            body = ErrorBody),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(mut pairs): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let params = SearchParams {
        name: pairs.remove("name"),
    };
    let wanted = params.name.as_deref().map(str::trim).unwrap_or_default();
    if wanted.is_empty() {
        return Err(ApiError::BadRequest(
            "The 'name' parameter is required: give a coin name or symbol, e.g. /search?name=bitcoin."
                .into(),
        ));
    }
    // Matching ignores ASCII case (names, symbols and squashed names alike), so one key
    // serves every casing of a name.
    let key = CacheKey::new("search").param("name", wanted.to_ascii_uppercase());
    let store = &state.store;
    Ok(state
        .cache
        .respond(&headers, &key, || async move {
            let currencies = store.currencies().await?;
            let hit = find_currency(&currencies, wanted).ok_or_else(|| {
                ApiError::NotFound(format!("No currency found with name or symbol '{wanted}'."))
            })?;
            Ok(SearchHit {
                name: hit.name.clone(),
                symbol: hit.symbol.to_string(),
            })
        })
        .await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::coin;

    #[test]
    fn name_wins_over_symbol_then_squashed_names_match() {
        let coins = [
            coin(1, "Binance Coin", "BNB"),
            coin(2, "Crypto.com Coin", "CRO"),
            coin(3, "BNB", "XYZ"),
        ];
        assert_eq!(find_currency(&coins, "bnb").unwrap().id, 3, "name first");
        assert_eq!(find_currency(&coins, "binancecoin").unwrap().id, 1);
        assert_eq!(find_currency(&coins, "BINANCE COIN").unwrap().id, 1);
        assert_eq!(find_currency(&coins, "cryptocom coin").unwrap().id, 2);
        assert_eq!(find_currency(&coins, "cro").unwrap().id, 2);
        assert!(find_currency(&coins, "bitcoin").is_none());
        assert!(find_currency(&coins, "...").is_none());
    }
}
