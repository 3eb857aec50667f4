//! Parsing of Kaggle-format CSV files ("Cryptocurrency Historical Prices"):
//! `SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap`, columns found by header name.

use chrono::NaiveDateTime;

use super::ImportError;
use crate::domain::{CoinName, DailyRecord, RecordDate, Symbol};

/// The columns a file must have, by header name (case-insensitive). Others are ignored.
const REQUIRED: [&str; 9] = [
    "Name",
    "Symbol",
    "Date",
    "Open",
    "High",
    "Low",
    "Close",
    "Volume",
    "Marketcap",
];

/// A record and where it came from, so a later conflict can point at both places.
#[derive(Debug, Clone)]
pub struct SourcedRecord {
    pub record: DailyRecord,
    pub file: usize,
    pub line: u64,
}

/// The rows of one coin found in one file, in file order.
#[derive(Debug, Clone)]
pub struct CoinRows {
    pub symbol: Symbol,
    pub name: CoinName,
    /// Where the name was first seen: (file index, line).
    pub named_at: (usize, u64),
    pub records: Vec<SourcedRecord>,
}

/// Indexes of the required columns in a file's header.
struct Layout {
    name: usize,
    symbol: usize,
    date: usize,
    open: usize,
    high: usize,
    low: usize,
    close: usize,
    volume: usize,
    market_cap: usize,
    width: usize,
}

/// Parses one file. `file_index` is stored in each row; `file_name` names the file in errors.
pub fn parse_file(
    file_index: usize,
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<CoinRows>, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let row_error = |line: u64, column: &str, reason: String| ImportError::Row {
        file: file_name.to_owned(),
        line,
        column: column.to_owned(),
        reason,
    };

    let header = reader.byte_headers().map_err(|e| ImportError::File {
        file: file_name.to_owned(),
        reason: format!("cannot read the header line: {e}"),
    })?;
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(ImportError::File {
            file: file_name.to_owned(),
            reason: format!(
                "is empty; expected a header line with {}",
                REQUIRED.join(",")
            ),
        });
    }
    let layout = layout_of(header).map_err(|missing| {
        row_error(
            1,
            missing,
            format!(
                "the required column '{missing}' is missing; the header must name {}",
                REQUIRED.join(", ")
            ),
        )
    })?;

    let mut coins: Vec<CoinRows> = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                return Err(row_error(line, "-", format!("is not valid CSV: {e}")));
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        if record.len() == 1 && record[0].is_empty() {
            continue; // a blank line
        }
        if record.len() < layout.width {
            let column = REQUIRED
                .iter()
                .zip(layout.indexes())
                .filter(|(_, index)| *index >= record.len())
                .map(|(name, _)| *name)
                .next()
                .unwrap_or("-");
            return Err(row_error(
                line,
                column,
                format!(
                    "the line has {} fields but the header has {}; the line is cut short",
                    record.len(),
                    header_len(&layout)
                ),
            ));
        }
        let text = |index: usize, column: &str| {
            std::str::from_utf8(&record[index])
                .map(str::trim)
                .map_err(|_| row_error(line, column, "is not valid UTF-8 text".into()))
        };
        let number = |index: usize, column: &str| -> Result<f64, ImportError> {
            let raw = text(index, column)?;
            if raw.is_empty() {
                return Err(row_error(
                    line,
                    column,
                    "is empty; expected a number".into(),
                ));
            }
            let value: f64 = raw
                .parse()
                .map_err(|_| row_error(line, column, format!("'{raw}' is not a number")))?;
            if !value.is_finite() {
                return Err(row_error(
                    line,
                    column,
                    format!("'{raw}' is not a finite number"),
                ));
            }
            Ok(value)
        };

        let date_text = text(layout.date, "Date")?;
        let date = parse_row_date(date_text).map_err(|reason| row_error(line, "Date", reason))?;
        let symbol = Symbol::parse(text(layout.symbol, "Symbol")?)
            .map_err(|reason| row_error(line, "Symbol", reason))?;
        let name = CoinName::parse(text(layout.name, "Name")?)
            .map_err(|reason| row_error(line, "Name", reason))?;
        let parsed = DailyRecord::new(
            date,
            number(layout.open, "Open")?,
            number(layout.high, "High")?,
            number(layout.low, "Low")?,
            number(layout.close, "Close")?,
            number(layout.volume, "Volume")?,
            number(layout.market_cap, "Marketcap")?,
        )
        .map_err(|v| row_error(line, v.field.csv_header(), v.reason))?;

        let coin = match coins.iter().position(|c| c.symbol == symbol) {
            Some(index) => &mut coins[index],
            None => {
                coins.push(CoinRows {
                    symbol,
                    name: name.clone(),
                    named_at: (file_index, line),
                    records: Vec::new(),
                });
                coins.last_mut().expect("just pushed")
            }
        };
        if coin.name != name {
            return Err(row_error(
                line,
                "Name",
                format!(
                    "'{name}' differs from '{}' given for {} on line {}; one symbol has one name",
                    coin.name, coin.symbol, coin.named_at.1
                ),
            ));
        }
        coin.records.push(SourcedRecord {
            record: parsed,
            file: file_index,
            line,
        });
    }
    Ok(coins)
}

fn header_len(layout: &Layout) -> usize {
    layout.width
}

impl Layout {
    fn indexes(&self) -> [usize; 9] {
        [
            self.name,
            self.symbol,
            self.date,
            self.open,
            self.high,
            self.low,
            self.close,
            self.volume,
            self.market_cap,
        ]
    }
}

/// Finds each required column by name; `Err` names the first one missing.
fn layout_of(header: &csv::ByteRecord) -> Result<Layout, &'static str> {
    let find = |wanted: &'static str| {
        header
            .iter()
            .position(|h| {
                std::str::from_utf8(h)
                    .map(|h| h.trim().eq_ignore_ascii_case(wanted))
                    .unwrap_or(false)
            })
            .ok_or(wanted)
    };
    Ok(Layout {
        name: find("Name")?,
        symbol: find("Symbol")?,
        date: find("Date")?,
        open: find("Open")?,
        high: find("High")?,
        low: find("Low")?,
        close: find("Close")?,
        volume: find("Volume")?,
        market_cap: find("Marketcap")?,
        width: header.len(),
    })
}

/// The Kaggle files' dates: `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`; the calendar day is the
/// date part (UTC). Only the importer takes the time of day (the README lists both forms).
fn parse_row_date(raw: &str) -> Result<RecordDate, String> {
    let well_formed = raw.len() >= 10
        && raw.as_bytes()[4] == b'-'
        && raw.as_bytes()[7] == b'-'
        && raw[..4].bytes().all(|b| b.is_ascii_digit());
    let parsed = if !well_formed {
        None
    } else if raw.len() == 10 {
        RecordDate::parse(raw).ok()
    } else {
        NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
            .ok()
            .map(|dt| dt.date().into())
    };
    parsed.ok_or_else(|| {
        format!("'{raw}' is not a real date in the form YYYY-MM-DD or YYYY-MM-DD HH:MM:SS")
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    const HEADER: &str = "SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap\n";

    fn parse(body: &str) -> Result<Vec<CoinRows>, ImportError> {
        parse_file(0, "coin_Test.csv", format!("{HEADER}{body}").as_bytes())
    }

    fn refusal(body: &str) -> (u64, String, String) {
        let (file, line, column, reason) = parse(body).unwrap_err().into_row();
        assert_eq!(file, "coin_Test.csv");
        (line, column, reason)
    }

    #[test]
    fn parses_the_kaggle_format() {
        let coins = parse(
            "1,Bitcoin,BTC,2013-04-29 23:59:59,147.48800659179688,134.0,134.44400024414062,144.5399932861328,0.0,1603768864.5\n\
             2,Bitcoin,BTC,2013-04-30,146.9,134.05,144.0,139.0,0.0,1542813125.0\n",
        )
        .unwrap();
        assert_eq!(coins.len(), 1);
        assert_eq!(coins[0].symbol.as_str(), "BTC");
        assert_eq!(coins[0].name.as_str(), "Bitcoin");
        let r = &coins[0].records[0];
        assert_eq!(r.line, 2);
        assert_eq!(
            r.record.date(),
            NaiveDate::from_ymd_opt(2013, 4, 29).unwrap()
        );
        assert_eq!(r.record.high(), 147.48800659179688);
        assert_eq!(r.record.close(), 144.5399932861328);
        assert_eq!(r.record.market_cap(), 1603768864.5);
        assert_eq!(coins[0].records[1].line, 3);
    }

    #[test]
    fn columns_in_any_order_with_extras_a_bom_and_crlf() {
        let file = "\u{FEFF}Marketcap,Close,Extra,Open,Low,High,Date,Symbol,Volume,Name\r\n\
                    10,5,x,4,3,6,2021-07-06,eth,7,Ethereum\r\n";
        let coins = parse_file(0, "f.csv", file.as_bytes()).unwrap();
        let r = coins[0].records[0].record;
        assert_eq!(coins[0].symbol.as_str(), "ETH");
        assert_eq!(
            (r.open(), r.high(), r.low(), r.close(), r.market_cap()),
            (4.0, 6.0, 3.0, 5.0, 10.0)
        );
    }

    #[test]
    fn refuses_a_name_with_a_control_character() {
        let (line, column, reason) = refusal("1,Bit\u{0}coin,BTC,2021-07-06,2,1,1,1,1,1\n");
        assert_eq!((line, column.as_str()), (2, "Name"));
        assert!(reason.contains("control character"), "{reason}");
    }

    #[test]
    fn refuses_a_missing_column_naming_it() {
        let err =
            parse_file(0, "f.csv", b"Name,Symbol,Date,High,Low,Open,Close,Volume\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("f.csv") && text.contains("line 1") && text.contains("Marketcap"),
            "{text}"
        );
    }

    #[test]
    fn refuses_malformed_rows_naming_file_line_and_column() {
        let ok = "1,Bitcoin,BTC,2021-07-05,2,1,1.5,1.5,10,100\n";
        let cases = [
            (
                "1,Bitcoin,BTC,2021-07-06,abc,1,1.5,1.5,10,100\n",
                "High",
                "not a number",
            ),
            (
                "1,Bitcoin,BTC,2021-07-06,2,1,NaN,1.5,10,100\n",
                "Open",
                "not a finite number",
            ),
            (
                "1,Bitcoin,BTC,2021-07-06,2,1,1.5,inf,10,100\n",
                "Close",
                "not a finite number",
            ),
            (
                "1,Bitcoin,BTC,2021-07-06,2,1,1.5,1.5,-10,100\n",
                "Volume",
                "negative",
            ),
            (
                "1,Bitcoin,BTC,2021-07-06,2,1,1.5,1.5,10,-1\n",
                "Marketcap",
                "negative",
            ),
            (
                "1,Bitcoin,BTC,2021-07-06,1,2,1.5,1.5,10,100\n",
                "High",
                "below low",
            ),
            (
                "1,Bitcoin,BTC,2021-02-30 23:59:59,2,1,1.5,1.5,10,100\n",
                "Date",
                "not a real date",
            ),
            (
                "1,Bitcoin,BTC,2021-07-06 25:00:00,2,1,1.5,1.5,10,100\n",
                "Date",
                "not a real date",
            ),
            (
                "1,Bitcoin,BTC,07/06/2021,2,1,1.5,1.5,10,100\n",
                "Date",
                "not a real date",
            ),
            (
                "1,Bitcoin,BTC,2021-07-06,2,1,1.5,1.5,10\n",
                "Marketcap",
                "cut short",
            ),
            (
                "1,Bitcoin,BTC,2021-07-06,2,1,,1.5,10,100\n",
                "Open",
                "empty",
            ),
            ("1,,BTC,2021-07-06,2,1,1.5,1.5,10,100\n", "Name", "empty"),
            (
                "1,Bitcoin,,2021-07-06,2,1,1.5,1.5,10,100\n",
                "Symbol",
                "empty",
            ),
            (
                "1,Bitcoin Cash,BTC,2021-07-06,2,1,1.5,1.5,10,100\n",
                "Name",
                "one symbol has one name",
            ),
        ];
        for (row, column, reason) in cases {
            let (line, got_column, got_reason) = refusal(&format!("{ok}{row}"));
            assert_eq!(line, 3, "{row}");
            assert_eq!(got_column, column, "{row}");
            assert!(got_reason.contains(reason), "{row}: {got_reason}");
        }
    }

    #[test]
    fn blank_lines_are_skipped() {
        let coins = parse("1,Bitcoin,BTC,2021-07-05,2,1,1.5,1.5,10,100\n\n").unwrap();
        assert_eq!(coins[0].records.len(), 1);
    }
}
