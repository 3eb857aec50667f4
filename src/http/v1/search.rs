//! `GET /api/v1/search?q=&limit=`: ranked coin candidates with the kind of each match.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::analytics::search::{search as rank_matches, MatchKind};
use crate::cache::CacheKey;
use crate::http::error::ErrorBody;
use crate::http::params::{bounded_integer, query_params};
use crate::http::{ApiError, AppState};

pub const DEFAULT_LIMIT: u32 = 10;
pub const MAX_LIMIT: u32 = 50;
/// Longer queries name no coin and would only cost edit-distance work.
pub const MAX_QUERY_CHARS: usize = 100;

/// The query string of `/api/v1/search`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to look for in symbols and names (required, 1 to 100 characters once trimmed).
    #[param(required = true, value_type = String, pattern = r"\S", example = "bitcoin")]
    pub q: Option<String>,
    /// The most results, 1 to 50; default 10.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 10)]
    pub limit: Option<String>,
}

/// One candidate.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SearchResult {
    pub symbol: String,
    pub name: String,
    /// `exact`, `prefix`, `substring` or `fuzzy` (edit distance <= 2, queries of 4+ characters).
    #[serde(rename = "match")]
    #[schema(inline)]
    pub match_kind: MatchKind,
}

/// `GET /api/v1/search`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SearchResults {
    /// The query as matched (trimmed).
    pub query: String,
    /// Best first: exact, prefix, substring, fuzzy; then closer typos; then by name.
    pub results: Vec<SearchResult>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct SearchQuery {
    q: String,
    limit: u32,
}

impl SearchQuery {
    fn parse(params: &SearchParams) -> Result<SearchQuery, ApiError> {
        let q = params.q.as_deref().map(str::trim).unwrap_or_default();
        if q.is_empty() {
            return Err(ApiError::BadRequest(
                "The 'q' parameter is required: give part of a coin's symbol or name, e.g. q=bitc."
                    .into(),
            ));
        }
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::BadRequest(format!(
                "The 'q' parameter is longer than {MAX_QUERY_CHARS} characters: give part of a \
                 coin's symbol or name."
            )));
        }
        let limit = bounded_integer(
            "limit",
            params.limit.as_deref(),
            DEFAULT_LIMIT,
            1,
            MAX_LIMIT,
        )?;
        Ok(SearchQuery {
            q: q.to_owned(),
            limit,
        })
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "v1",
    operation_id = "search_coins",
    summary = "Ranked coin candidates for a query",
    description = "Exact symbol or name first, then prefix, then substring, then typo-tolerant \
        (edit distance <= 2, for queries of 4+ characters); each with its kind of match. \
        Nothing found is an empty list.",
    params(SearchParams),
    responses(
        (status = 200, description = "The candidates, best first.", body = SearchResults,
            example = json!({"query": "bitcoin", "results": [
                {"symbol": "BTC", "name": "Bitcoin", "match": "exact"}]})),
        (status = 400, description = "`q` is missing, blank or longer than 100 characters, or \
            `limit` is not 1 to 50.", body = ErrorBody),
        (status = 500, description = "The database cannot be read.", body = ErrorBody),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = SearchQuery::parse(&query_params(params)?)?;
    // The query as given, not lowercased: the answer echoes it, so `q=Bit` and `q=bit` are
    // two answers (a shared entry echoed whichever spelling came first).
    let key = CacheKey::new("v1/search")
        .param("q", &query.q)
        .param("limit", query.limit);
    Ok(state
        .cache
        .respond(&headers, &key, || ranked(&state, query))
        .await)
}

/// One query (the coins); nothing found is an empty list, not a 404.
async fn ranked(state: &AppState, query: SearchQuery) -> Result<SearchResults, ApiError> {
    let currencies = state.store.currencies().await?;
    let results = rank_matches(&currencies, &query.q, query.limit as usize)
        .into_iter()
        .map(|m| SearchResult {
            symbol: m.currency.symbol.to_string(),
            name: m.currency.name.clone(),
            match_kind: m.kind,
        })
        .collect();
    Ok(SearchResults {
        query: query.q,
        results,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: Option<&str>, limit: Option<&str>) -> Result<SearchQuery, ApiError> {
        SearchQuery::parse(&SearchParams {
            q: q.map(str::to_owned),
            limit: limit.map(str::to_owned),
        })
    }

    #[test]
    fn q_is_required_and_limit_bounded() {
        assert_eq!(
            parse(Some(" btc "), None).unwrap(),
            SearchQuery {
                q: "btc".into(),
                limit: 10
            }
        );
        for (q, limit, named) in [
            (None, None, "'q'"),
            (Some("  "), None, "'q'"),
            (Some("btc"), Some("51"), "'limit'"),
            (Some("btc"), Some("0"), "'limit'"),
        ] {
            match parse(q, limit) {
                Err(ApiError::BadRequest(m)) => assert!(m.contains(named), "{m}"),
                other => panic!("{other:?}"),
            }
        }
        assert!(parse(Some(&"x".repeat(101)), None).is_err());
    }
}
