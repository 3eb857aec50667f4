//! The write API (API key required):
//!
//! - `PUT /api/v1/coins/{symbol}` with `{"name": "...", "id": "..."}` (`id` optional: the coin's
//!   `/api/v3` id) creates the coin (201) or renames it (200).
//! - `POST /api/v1/coins/{symbol}/records` with a JSON array of
//!   `{"date","open","high","low","close","volume","market_cap"}` upserts daily records, all or
//!   none, with exactly the importer's validation; 200 with the counts.
//!
//! One request is one transaction (`Store::apply`). Before the answer goes out, the cache moves
//! to the new data generation, so the next read on this instance cannot be stale.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody, PathRejection};
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::error::{ErrorBody, InvalidBody, Problem, WriteFailures, MAX_LISTED_PROBLEMS};
use super::{ApiError, AppState};
use crate::domain::{CoinId, CoinName, DailyRecord, RecordDate, Symbol};
use crate::store::{CoinUpdate, StoreError};

/// The fields of a record in the write API, in the order error messages list them.
const RECORD_FIELDS: [&str; 7] = [
    "date",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "market_cap",
];

/// What a store error means to a writer: a conflict is the client's to resolve (409); the
/// rest are the server's (500).
fn write_failed(error: StoreError) -> ApiError {
    match error {
        StoreError::Conflict(message) => {
            ApiError::Conflict(format!("{message}. Nothing was written."))
        }
        other => ApiError::Store(other),
    }
}

/// A 422 for a body whose content is refused.
/// Lists at most [`MAX_LISTED_PROBLEMS`] of `problems`, with their total.
fn invalid(error: String, mut problems: Vec<Problem>) -> ApiError {
    let total = problems.len();
    problems.truncate(MAX_LISTED_PROBLEMS);
    ApiError::Invalid(InvalidBody {
        error,
        invalid: problems,
        total,
    })
}

/// The coin to create or rename, as `parse_coin_body` reads it (by hand, to report every
/// problem in the words of a 422 rather than serde's).
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
struct CoinBody {
    /// The coin's name, 1 to 100 characters once trimmed, no control characters.
    #[schema(
        value_type = String,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        max_length = 100,
        example = "Bitcoin"
    )]
    name: CoinName,
    /// The coin's `/api/v3` id: lowercase letters, digits, '-', '_' or '.', unique. Default:
    /// the stored id, or for a new coin its CoinGecko id (known coins) or a slug of the name.
    #[schema(
        value_type = Option<String>,
        pattern = r"^\s*[a-z0-9][a-z0-9._-]{0,99}\s*$",
        example = "bitcoin"
    )]
    id: Option<CoinId>,
}

/// A coin as written.
#[derive(Serialize, ToSchema)]
struct WrittenCoin {
    /// Upper-case.
    #[schema(value_type = String, example = "BTC")]
    symbol: Symbol,
    #[schema(value_type = String, example = "Bitcoin")]
    name: CoinName,
    /// The coin's `/api/v3` id.
    #[schema(value_type = String, example = "bitcoin")]
    id: CoinId,
}

/// What a records write did.
#[derive(Serialize, ToSchema)]
struct WrittenRecords {
    inserted: usize,
    updated: usize,
    unchanged: usize,
}

#[utoipa::path(
    put,
    path = "/api/v1/coins/{symbol}",
    tag = "v1",
    operation_id = "put_coin",
    summary = "Create or rename a coin (API key required)",
    description = "Creates the coin (201, with `Location`) or renames it (200). One \
        transaction; the cache moves to the new data generation before the answer goes out.",
    security(("bearer" = [])),
    params(("symbol" = String, Path, description = "The coin's symbol: 1 to 20 letters, \
        digits, '.', '-' or '_'; stored upper-case.", pattern = r"^\s*[A-Za-z0-9._-]{1,20}\s*$",
        example = "BTC")),
    request_body(content = CoinBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The coin existed: renamed (or unchanged).", body = WrittenCoin),
        (status = 201, description = "The coin was created.", body = WrittenCoin,
            headers(("Location" = String, description = "The coin's URL."))),
        (status = 409, description = "The name or the id belongs to another coin.", body = ErrorBody),
        (status = 422, description = "The body is JSON but not a valid coin.", body = InvalidBody),
        WriteFailures,
    )
)]
pub async fn put_coin(
    State(state): State<AppState>,
    symbol: Result<Path<String>, PathRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let (symbol, body) = authorized_write(&state, symbol, request).await?;
    let CoinBody { name, id } = parse_coin_body(&body)?;
    let summary = state
        .store
        .apply(&[CoinUpdate {
            symbol: symbol.clone(),
            name: Some(name.clone()),
            coin_id: id,
            records: Vec::new(),
        }])
        .await
        .map_err(write_failed)?;
    state.cache.data_changed(summary.generation).await;
    // The id as stored: the one given, or the one kept or made for the coin.
    let id = state
        .store
        .currency_by_symbol(&symbol)
        .await?
        .map(|coin| coin.coin_id)
        .ok_or_else(|| ApiError::Internal("the coin just written cannot be read back".into()))?;
    let coin = Json(WrittenCoin { symbol, name, id });
    if summary.coins_created > 0 {
        let location = HeaderValue::from_str(&format!("/api/v1/coins/{}", coin.symbol))
            .map_err(|_| ApiError::BadRequest("the symbol cannot be a URL".into()))?;
        Ok((StatusCode::CREATED, [(LOCATION, location)], coin).into_response())
    } else {
        Ok(coin.into_response())
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/coins/{symbol}/records",
    tag = "v1",
    operation_id = "post_records",
    summary = "Upsert a coin's daily records (API key required)",
    description = "Inserts or updates the records, all or none, with the importer's validation \
        (e.g. high at least low, every value below 1e18). One transaction; the cache moves to the new \
        data generation before the answer goes out.",
    security(("bearer" = [])),
    params(("symbol" = String, Path, description = "The coin's symbol, any case; create the \
        coin first with PUT.", pattern = r"^\s*[A-Za-z0-9._-]{1,20}\s*$", example = "BTC")),
    request_body(content = Vec<DailyRecord>, content_type = "application/json"),
    responses(
        (status = 200, description = "What the write did.", body = WrittenRecords),
        (status = 404, description = "No coin has that symbol.", body = ErrorBody),
        (status = 409, description = "The write conflicts with the stored data.", body = ErrorBody),
        (status = 422, description = "The body is JSON but some records are not valid; \
            `invalid` lists each record's index, field and reason.", body = InvalidBody),
        WriteFailures,
    )
)]
pub async fn post_records(
    State(state): State<AppState>,
    symbol: Result<Path<String>, PathRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let (symbol, body) = authorized_write(&state, symbol, request).await?;
    let rows = match parse_json(&body)? {
        Value::Array(rows) => rows,
        _ => {
            return Err(invalid(
                "The body must be a JSON array of records, each \
                 {\"date\",\"open\",\"high\",\"low\",\"close\",\"volume\",\"market_cap\"}. \
                 Nothing was written."
                    .into(),
                Vec::new(),
            ))
        }
    };
    if state.store.currency_by_symbol(&symbol).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "There is no coin with symbol {symbol}. Create it first with \
             PUT /api/v1/coins/{symbol} and a body {{\"name\": \"...\"}}."
        )));
    }
    let records = parse_records(&rows)?;
    let summary = state
        .store
        .apply(&[CoinUpdate {
            symbol,
            name: None,
            coin_id: None,
            records,
        }])
        .await
        .map_err(write_failed)?;
    state.cache.data_changed(summary.generation).await;
    Ok(Json(WrittenRecords {
        inserted: summary.inserted,
        updated: summary.updated,
        unchanged: summary.unchanged,
    })
    .into_response())
}

/// What every write does first, in this order: check the API key (so an anonymous caller
/// learns nothing about the body's rules), parse the symbol, read the body within the limit.
async fn authorized_write(
    state: &AppState,
    symbol: Result<Path<String>, PathRejection>,
    request: Request,
) -> Result<(Symbol, Bytes), ApiError> {
    state.api_keys.authorize(request.headers())?;
    require_json(request.headers())?;
    let symbol = path_symbol(symbol)?;
    let body = read_body(request, state.max_body_bytes).await?;
    Ok((symbol, body))
}

/// Writes read JSON only: a body sent as a form or as text is refused (415) before it is
/// read, rather than guessed at.
fn require_json(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        return Ok(());
    }
    let sent = if content_type.is_empty() {
        "no Content-Type".to_owned()
    } else {
        format!("Content-Type '{content_type}'")
    };
    Err(ApiError::UnsupportedMediaType(format!(
        "The body was sent with {sent}; writes take JSON: send 'Content-Type: \
         application/json'. Nothing was written."
    )))
}

fn path_symbol(symbol: Result<Path<String>, PathRejection>) -> Result<Symbol, ApiError> {
    let Path(raw) = symbol.map_err(|rejection| {
        ApiError::BadRequest(format!(
            "The coin symbol in the path cannot be read ({}); use letters, digits, '.', '-' or '_'.",
            rejection.body_text()
        ))
    })?;
    Symbol::parse(&raw).map_err(|reason| {
        ApiError::BadRequest(format!("The coin symbol in the path is invalid: {reason}."))
    })
}

/// Reads the whole body within the limit the router sets (`DefaultBodyLimit`, from
/// `max_body_bytes`): axum refuses it as soon as it grows past the limit.
async fn read_body(request: Request, limit: usize) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, &())
        .await
        .map_err(|rejection| match rejection {
            BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                ApiError::PayloadTooLarge { limit }
            }
            _ => ApiError::BadRequest(
                "The request body could not be read to its end; send it again.".into(),
            ),
        })
}

fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|error| {
        ApiError::BadRequest(format!(
            "The body is not valid JSON ({error}). Send a JSON document with \
             'Content-Type: application/json'. Nothing was written."
        ))
    })
}

/// The `name` of a `PUT` body, a [`CoinName`] like the importer's, and its optional `id`.
fn parse_coin_body(body: &[u8]) -> Result<CoinBody, ApiError> {
    let invalid = |field: &str, reason: String| {
        invalid(
            "The coin is not valid; see 'invalid'. Nothing was written.".into(),
            vec![Problem {
                index: None,
                field: field.into(),
                reason,
            }],
        )
    };
    let Value::Object(object) = parse_json(body)? else {
        return Err(invalid(
            "name",
            "the body must be a JSON object {\"name\": \"...\"}".into(),
        ));
    };
    if let Some(unknown) = object.keys().find(|k| !matches!(k.as_str(), "name" | "id")) {
        return Err(invalid(
            unknown,
            "is not a coin field; the fields are 'name' and 'id' (optional)".into(),
        ));
    }
    let coin_id = match object.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(raw)) => {
            Some(CoinId::parse(raw).map_err(|reason| invalid("id", reason))?)
        }
        Some(other) => {
            return Err(invalid(
                "id",
                format!("must be a string, not {}", json_kind(other)),
            ))
        }
    };
    let name = match object.get("name") {
        None => Err(invalid("name", "is missing".into())),
        Some(Value::String(name)) => {
            CoinName::parse(name).map_err(|reason| invalid("name", reason))
        }
        Some(other) => Err(invalid(
            "name",
            format!("must be a string, not {}", json_kind(other)),
        )),
    }?;
    Ok(CoinBody { name, id: coin_id })
}

/// Every record of the body, validated as the importer validates CSV rows, sorted by date.
/// Refuses the whole body, listing every problem of every record, when anything is wrong.
fn parse_records(rows: &[Value]) -> Result<Vec<DailyRecord>, ApiError> {
    let mut problems: Vec<Problem> = Vec::new();
    let mut by_date: HashMap<NaiveDate, (usize, DailyRecord)> = HashMap::new();
    for (index, row) in rows.iter().enumerate() {
        let mut problem = |field: &str, reason: String| {
            problems.push(Problem {
                index: Some(index),
                field: field.to_owned(),
                reason,
            })
        };
        let Value::Object(fields) = row else {
            problem(
                "record",
                format!(
                    "must be an object with {}, not {}",
                    RECORD_FIELDS.join(", "),
                    json_kind(row)
                ),
            );
            continue;
        };
        match parse_record(fields) {
            Ok(record) => match by_date.get(&record.date()) {
                Some((first, earlier)) if !earlier.same_values(&record) => problem(
                    "date",
                    format!(
                        "{} is also given by record {first} with different values; send one record per date",
                        record.date()
                    ),
                ),
                Some(_) => {} // the same record twice: harmless, written once
                None => {
                    by_date.insert(record.date(), (index, record));
                }
            },
            Err(found) => {
                for (field, reason) in found {
                    problem(field, reason);
                }
            }
        }
    }
    if !problems.is_empty() {
        let count = problems
            .iter()
            .filter_map(|p| p.index)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        return Err(invalid(
            format!(
                "{count} of {} records are not valid; see 'invalid' for each record's index, \
                 field and reason. Nothing was written: fix them and send the request again.",
                rows.len()
            ),
            problems,
        ));
    }
    let mut records: Vec<DailyRecord> = by_date.into_values().map(|(_, r)| r).collect();
    records.sort_by_key(|r| r.date());
    Ok(records)
}

/// One record, or every problem found in it (field, reason).
fn parse_record(fields: &Map<String, Value>) -> Result<DailyRecord, Vec<(&str, String)>> {
    let mut problems: Vec<(&str, String)> = Vec::new();
    for name in fields.keys() {
        if !RECORD_FIELDS.contains(&name.as_str()) {
            problems.push((
                name.as_str(),
                format!(
                    "is not a record field; the fields are {}",
                    RECORD_FIELDS.join(", ")
                ),
            ));
        }
    }
    let date = match fields.get("date") {
        None => {
            problems.push(("date", "is missing".into()));
            None
        }
        Some(Value::String(raw)) => match RecordDate::parse(raw) {
            Ok(date) => Some(date),
            Err(reason) => {
                problems.push(("date", reason));
                None
            }
        },
        Some(other) => {
            problems.push((
                "date",
                format!("must be a string \"YYYY-MM-DD\", not {}", json_kind(other)),
            ));
            None
        }
    };
    let mut number = |field: &'static str| match fields.get(field) {
        None => {
            problems.push((field, "is missing".into()));
            None
        }
        Some(Value::Number(n)) => n.as_f64().or_else(|| {
            problems.push((field, format!("{n} is not a usable number")));
            None
        }),
        Some(other) => {
            problems.push((field, format!("must be a number, not {}", json_kind(other))));
            None
        }
    };
    // Every field after the date is a number.
    let values: [Option<f64>; 6] = std::array::from_fn(|i| number(RECORD_FIELDS[i + 1]));
    if let (
        Some(date),
        [Some(open), Some(high), Some(low), Some(close), Some(volume), Some(market_cap)],
    ) = (date, values)
    {
        if problems.is_empty() {
            return DailyRecord::new(date, open, high, low, close, volume, market_cap)
                .map_err(|v| vec![(v.field.json_name(), v.reason)]);
        }
    }
    Err(problems)
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problems(body: Value) -> Vec<(Option<usize>, String, String)> {
        let Value::Array(rows) = body else { panic!() };
        match parse_records(&rows) {
            Err(ApiError::Invalid(body)) => body
                .invalid
                .into_iter()
                .map(|p| (p.index, p.field, p.reason))
                .collect(),
            Ok(records) => panic!("expected a refusal, got {records:?}"),
            Err(_) => panic!("expected a 422"),
        }
    }

    fn record(date: &str, close: f64) -> Value {
        json!({"date": date, "open": 1.0, "high": 10.0, "low": 0.5, "close": close,
               "volume": 5, "market_cap": 0.0})
    }

    #[test]
    fn a_name_with_a_control_character_is_refused_before_the_database_sees_it() {
        // PostgreSQL cannot store NUL in text: this was a 500 there, found by probing.
        for name in ["Bit\u{0}coin", "Bit\tcoin"] {
            let body = serde_json::to_vec(&json!({ "name": name })).unwrap();
            match parse_coin_body(&body) {
                Err(ApiError::Invalid(body)) => {
                    assert_eq!(body.invalid[0].field, "name");
                    assert!(body.invalid[0].reason.contains("control character"));
                }
                Ok(body) => panic!("accepted {body:?}"),
                Err(_) => panic!("expected a 422"),
            }
        }
        assert_eq!(
            parse_coin_body(br#"{"name": " Bitcoin "}"#)
                .ok()
                .unwrap()
                .name
                .as_str(),
            "Bitcoin"
        );
    }

    #[test]
    fn valid_records_come_back_sorted_and_deduplicated() {
        let Value::Array(rows) = json!([
            record("2021-07-06", 2.0),
            record("2021-07-05", 1.0),
            record("2021-07-06", 2.0)
        ]) else {
            panic!()
        };
        let records = parse_records(&rows).ok().unwrap();
        let dates: Vec<String> = records.iter().map(|r| r.date().to_string()).collect();
        assert_eq!(dates, ["2021-07-05", "2021-07-06"]);
        assert_eq!(records[0].volume(), 5.0);
    }

    #[test]
    fn every_problem_of_every_record_is_listed() {
        let found = problems(json!([
            record("2021-07-05", 1.0),
            {"date": "2021-02-30", "open": "1", "high": 1, "low": 2, "close": 1, "volume": 1},
            {"date": "2021-07-07", "open": 1, "high": 1, "low": 2, "close": 1, "volume": 1, "market_cap": 1},
            [1, 2],
            record("2021-07-05", 3.0),
            {"date": "2021-07-08", "open": 1, "high": 1, "low": 1, "close": 1, "volume": -1,
             "market_cap": 1, "marketcap": 1},
        ]));
        let summary: Vec<(Option<usize>, &str)> =
            found.iter().map(|(i, f, _)| (*i, f.as_str())).collect();
        assert_eq!(
            summary,
            [
                (Some(1), "date"),
                (Some(1), "open"),
                (Some(1), "market_cap"),
                (Some(2), "high"),
                (Some(3), "record"),
                (Some(4), "date"),
                (Some(5), "marketcap"),
            ],
            "{found:#?}"
        );
        assert!(found[0].2.contains("not a real date"), "{}", found[0].2);
        assert!(found[3].2.contains("below low"), "{}", found[3].2);
        assert!(found[5].2.contains("record 0"), "{}", found[5].2);
    }

    #[test]
    fn record_dates_are_yyyy_mm_dd_only_as_the_openapi_says() {
        // The importer also takes the Kaggle files' `YYYY-MM-DD HH:MM:SS`; the write API
        // takes `format: date` and nothing else.
        for date in ["2021-07-06 23:59:59", "2021-7-6", "06/07/2021"] {
            let found = problems(json!([record(date, 1.0)]));
            assert_eq!(found.len(), 1, "{date}: {found:?}");
            assert_eq!(found[0].1, "date");
            assert!(found[0].2.contains("YYYY-MM-DD"), "{}", found[0].2);
        }
    }

    #[test]
    fn coin_bodies_need_a_name() {
        assert_eq!(
            parse_coin_body(br#"{"name": "  Bitcoin "}"#)
                .ok()
                .map(|body| (body.name.to_string(), body.id)),
            Some(("Bitcoin".into(), None))
        );
        assert_eq!(
            parse_coin_body(br#"{"name": "Bitcoin", "id": " bitcoin "}"#)
                .ok()
                .and_then(|body| body.id),
            Some(CoinId::parse("bitcoin").unwrap())
        );
        for body in [
            r#"{"name": "x", "id": "Not An Id"}"#,
            r#"{"name": "x", "id": 5}"#,
            r#"{}"#,
            r#"{"name": ""}"#,
            r#"{"name": 5}"#,
            r#"{"name": "x", "symbol": "y"}"#,
            r#"["x"]"#,
        ] {
            assert!(
                matches!(parse_coin_body(body.as_bytes()), Err(ApiError::Invalid(_))),
                "{body}"
            );
        }
        assert!(matches!(
            parse_coin_body(b"{nope"),
            Err(ApiError::BadRequest(_))
        ));
    }
}
