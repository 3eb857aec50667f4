//! `GET /api/v1/export?ids=&from=&to=&format=csv|ndjson`: every record of the selection in
//! one download, streamed from the database as it is read (constant memory whatever the
//! size: the body is the store's row stream mapped through the encoder, a batch at a time).
//! Not cached: an export is read once, and caching it would hold it whole.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use futures::TryStreamExt;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::export::{byte_stream, ExportFormat, Layout};
use crate::http::error::ErrorBody;
use crate::http::params::{date_range, query_params, CoinSelection};
use crate::http::{ApiError, AppState};
use crate::store::RecordSelection;

/// The query string of `/api/v1/export`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `all` (the default) or a comma-separated list of symbols or names, any case. An id
    /// matching no coin: 404.
    #[param(value_type = Option<String>, pattern = r"[^\s,]", example = "btc,eth")]
    pub ids: Option<String>,
    /// First day, `YYYY-MM-DD`; default: each coin's first record. After `to`: 400.
    #[param(value_type = Option<NaiveDate>, example = "2021-01-01")]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`; default: each coin's last record.
    #[param(value_type = Option<NaiveDate>, example = "2021-07-06")]
    pub to: Option<String>,
    /// `csv` (the default) or `ndjson`.
    #[param(value_type = Option<ExportFormat>, inline, example = "ndjson")]
    pub format: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct ExportQuery {
    coins: CoinSelection,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    format: ExportFormat,
}

impl ExportQuery {
    fn parse(params: &ExportParams) -> Result<ExportQuery, ApiError> {
        let coins = match params.ids.as_deref() {
            None => CoinSelection::All,
            given => CoinSelection::parse("ids", given)?,
        };
        let (from, to) = date_range(params.from.as_deref(), params.to.as_deref())?;
        let format = match params.format.as_deref() {
            None => ExportFormat::Csv,
            Some(raw) => raw.parse().map_err(|reason| {
                ApiError::BadRequest(format!("The 'format' parameter is invalid: {reason}."))
            })?,
        };
        Ok(ExportQuery {
            coins,
            from,
            to,
            format,
        })
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/export",
    tag = "data",
    operation_id = "export",
    summary = "Download records as CSV or NDJSON (streamed)",
    description = "Every record of the selected coins as one download, ordered by coin then \
        date. CSV: a header line, then `date,open,high,low,close,volume,market_cap`, with \
        `name,symbol` first when the export can hold several coins (`ids` absent, `all`, or two \
        or more). NDJSON: one \
        `{\"symbol\",\"name\",\"date\",\"open\",\"high\",\"low\",\"close\",\"volume\",\"market_cap\"}` \
        object per line. Numbers are unrounded: each parses back to the exact stored value.",
    params(ExportParams),
    responses(
        (status = 200, description = "The records, streamed. `Content-Disposition` names the file.",
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"krispyto-<ids>.<csv|ndjson>\"`")),
            content(
                (String = "text/csv", example = "date,open,high,low,close,volume,market_cap\n2021-07-06,33723.50965572,35038.53636334,33599.91616983,34235.19345116,26501259869.76,641899161593.76\n"),
                (String = "application/x-ndjson", example = "{\"symbol\":\"BTC\",\"name\":\"Bitcoin\",\"date\":\"2021-07-06\",\"open\":33723.50965572,\"high\":35038.53636334,\"low\":33599.91616983,\"close\":34235.19345116,\"volume\":26501259869.76,\"market_cap\":641899161593.76}\n"),
            )),
        (status = 400, description = "`ids` is empty, a date is malformed, `from` is after \
            `to`, or `format` is not csv or ndjson; the message names the parameter.",
            body = ErrorBody),
        (status = 404, description = "An id matches no coin.", body = ErrorBody),
        (status = 500, description = "The database cannot be read.", body = ErrorBody),
    )
)]
pub async fn export(
    State(state): State<AppState>,
    params: Result<Query<ExportParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = ExportQuery::parse(&query_params(params)?)?;
    let currencies = state.store.currencies().await?;
    let selected = query.coins.resolve(&currencies)?;
    let single = match (&query.coins, selected.as_slice()) {
        (CoinSelection::Listed(_), [one]) => Some(one.symbol.as_str().to_ascii_lowercase()),
        _ => None,
    };
    let layout = match query.format {
        ExportFormat::Csv => Layout::Csv {
            coin_columns: single.is_none(),
        },
        ExportFormat::Ndjson => Layout::Ndjson,
    };
    let selection = RecordSelection {
        currency_ids: match query.coins {
            CoinSelection::All => None,
            CoinSelection::Listed(_) => Some(selected.iter().map(|c| c.id).collect()),
        },
        from: query.from,
        to: query.to,
    };
    let file_name = file_name(
        single.as_deref(),
        query.from,
        query.to,
        query.format.extension(),
    );
    // A failure after the first bytes can no longer change the status: it is logged and the
    // connection is cut, so the client sees an incomplete download rather than a short file.
    let body = byte_stream(&state.store, &currencies, selection, layout).inspect_err(|error| {
        tracing::error!(%error, "the export stream failed midway");
    });
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(query.format.content_type()),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// `krispyto-<symbol or "all">[-from<from>][-to<to>].<ext>`: only symbols (letters, digits,
/// `.-_`) and dates go into it, so it needs no quoting.
fn file_name(
    single: Option<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    extension: &str,
) -> String {
    let mut name = format!("krispyto-{}", single.unwrap_or("all"));
    if let Some(from) = from {
        name.push_str(&format!("-from-{from}"));
    }
    if let Some(to) = to {
        name.push_str(&format!("-to-{to}"));
    }
    format!("{name}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(ids: Option<&str>, format: Option<&str>) -> ExportParams {
        ExportParams {
            ids: ids.map(Into::into),
            format: format.map(Into::into),
            ..ExportParams::default()
        }
    }

    use crate::test_support::bad_request_message as message;

    #[test]
    fn defaults_are_every_coin_as_csv() {
        let query = ExportQuery::parse(&params(None, None)).unwrap();
        assert_eq!(query.coins, CoinSelection::All);
        assert_eq!(query.format, ExportFormat::Csv);
        let query = ExportQuery::parse(&params(Some("btc, ETH"), Some("ndjson"))).unwrap();
        assert_eq!(
            query.coins,
            CoinSelection::Listed(vec!["btc".into(), "ETH".into()])
        );
        assert_eq!(query.format, ExportFormat::Ndjson);
    }

    #[test]
    fn bad_parameters_are_named() {
        assert!(message(ExportQuery::parse(&params(Some(" "), None))).contains("'ids'"));
        assert!(message(ExportQuery::parse(&params(None, Some("json")))).contains("'format'"));
        let mut bad_date = params(None, None);
        bad_date.from = Some("2021-13-01".into());
        assert!(message(ExportQuery::parse(&bad_date)).contains("'from'"));
    }

    #[test]
    fn file_names_say_what_is_in_them() {
        let day = NaiveDate::from_ymd_opt(2021, 7, 6);
        assert_eq!(file_name(None, None, None, "csv"), "krispyto-all.csv");
        assert_eq!(
            file_name(Some("btc"), day, day, "ndjson"),
            "krispyto-btc-from-2021-07-06-to-2021-07-06.ndjson"
        );
    }
}
