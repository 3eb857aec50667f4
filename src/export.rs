//! Data out: the records of a selection, encoded as they stream from the store (never the
//! whole answer in memory), for `krispyto export` and `GET /api/v1/export`.
//!
//! Three layouts share one encoder: the Kaggle CSV the importer reads (one file per coin),
//! the API's CSV (lower-case headers, `name,symbol` columns when it holds several coins) and
//! NDJSON (one self-describing record per line). Numbers are written in their shortest form
//! that parses back to the same `f64` (ryu), so an export imported again is bit-identical.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use bytes::Bytes;
use chrono::{Datelike, NaiveDate};
use futures::{Stream, StreamExt, TryStreamExt};

use crate::domain::{Currency, DailyRecord};
use crate::store::{RecordSelection, Store, StoreError};

/// The encodings an export can be asked for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    #[default]
    Csv,
    Ndjson,
}

impl FromStr for ExportFormat {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "csv" => Ok(ExportFormat::Csv),
            "ndjson" => Ok(ExportFormat::Ndjson),
            _ => Err(format!("'{raw}' is not a format: give csv or ndjson")),
        }
    }
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Ndjson => "ndjson",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Ndjson => "application/x-ndjson",
        }
    }
}

/// How rows are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap`, dates
    /// `YYYY-MM-DD 23:59:59`: exactly what `krispyto import` reads (and Kaggle publishes).
    /// `SNo` counts from 1 within each coin.
    Kaggle,
    /// `[name,symbol,]date,open,high,low,close,volume,market_cap`.
    Csv { coin_columns: bool },
    /// `{"symbol","name","date","open","high","low","close","volume","market_cap"}` per line.
    Ndjson,
}

/// The header of the Kaggle data set's files, which the importer reads.
pub const KAGGLE_HEADER: &[u8] = b"SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap\n";

/// A coin's name and symbol, escaped once for the layout instead of once per row.
struct CoinText {
    name_csv: Vec<u8>,
    name_json: Vec<u8>,
    symbol: String,
}

/// Turns batches of records into bytes of one layout. Holds no rows: only the coins' names.
pub struct Encoder {
    layout: Layout,
    coins: HashMap<i64, CoinText>,
    /// The Kaggle layout numbers rows within a coin.
    serial: u64,
    last_coin: Option<i64>,
}

impl Encoder {
    pub fn new(layout: Layout, currencies: &[Currency]) -> Encoder {
        let coins = currencies
            .iter()
            .map(|c| {
                let text = CoinText {
                    name_csv: csv_field(&c.name),
                    // Serializing a &str cannot fail.
                    name_json: serde_json::to_vec(&c.name).unwrap_or_default(),
                    symbol: c.symbol.as_str().to_owned(),
                };
                (c.id, text)
            })
            .collect();
        Encoder {
            layout,
            coins,
            serial: 0,
            last_coin: None,
        }
    }

    /// The header line, if the layout has one.
    pub fn header(&self) -> Option<&'static [u8]> {
        match self.layout {
            Layout::Kaggle => Some(KAGGLE_HEADER),
            Layout::Csv { coin_columns: true } => {
                Some(b"name,symbol,date,open,high,low,close,volume,market_cap\n".as_slice())
            }
            Layout::Csv {
                coin_columns: false,
            } => Some(b"date,open,high,low,close,volume,market_cap\n".as_slice()),
            Layout::Ndjson => None,
        }
    }

    /// Appends one row to `out`.
    pub fn encode(&mut self, currency_id: i64, record: &DailyRecord, out: &mut Vec<u8>) {
        let mut number = ryu::Buffer::new();
        let coin = self.coins.get(&currency_id);
        let (name_csv, name_json, symbol) = match coin {
            Some(c) => (
                c.name_csv.as_slice(),
                c.name_json.as_slice(),
                c.symbol.as_str(),
            ),
            // The coin was created after the list was read: still export its rows.
            None => (b"".as_slice(), b"\"\"".as_slice(), ""),
        };
        match self.layout {
            Layout::Kaggle => {
                if self.last_coin != Some(currency_id) {
                    self.last_coin = Some(currency_id);
                    self.serial = 0;
                }
                self.serial += 1;
                out.extend_from_slice(itoa(self.serial, &mut [0; 20]));
                out.push(b',');
                out.extend_from_slice(name_csv);
                out.push(b',');
                out.extend_from_slice(symbol.as_bytes());
                out.push(b',');
                push_date(record.date(), out);
                out.extend_from_slice(b" 23:59:59");
                for value in [
                    record.high(),
                    record.low(),
                    record.open(),
                    record.close(),
                    record.volume(),
                    record.market_cap(),
                ] {
                    out.push(b',');
                    out.extend_from_slice(number.format_finite(value).as_bytes());
                }
            }
            Layout::Csv { coin_columns } => {
                if coin_columns {
                    out.extend_from_slice(name_csv);
                    out.push(b',');
                    out.extend_from_slice(symbol.as_bytes());
                    out.push(b',');
                }
                push_date(record.date(), out);
                for value in record.values() {
                    out.push(b',');
                    out.extend_from_slice(number.format_finite(value).as_bytes());
                }
            }
            Layout::Ndjson => {
                out.extend_from_slice(b"{\"symbol\":\"");
                out.extend_from_slice(symbol.as_bytes());
                out.extend_from_slice(b"\",\"name\":");
                out.extend_from_slice(name_json);
                out.extend_from_slice(b",\"date\":\"");
                push_date(record.date(), out);
                out.push(b'"');
                for (key, value) in [
                    ("open", record.open()),
                    ("high", record.high()),
                    ("low", record.low()),
                    ("close", record.close()),
                    ("volume", record.volume()),
                    ("market_cap", record.market_cap()),
                ] {
                    out.extend_from_slice(b",\"");
                    out.extend_from_slice(key.as_bytes());
                    out.extend_from_slice(b"\":");
                    out.extend_from_slice(number.format_finite(value).as_bytes());
                }
                out.push(b'}');
            }
        }
        out.push(b'\n');
    }

    /// One batch as one chunk of bytes.
    pub fn encode_batch(&mut self, batch: &[(i64, DailyRecord)]) -> Bytes {
        // ~150 bytes a row in the widest layout.
        let mut out = Vec::with_capacity(batch.len() * 160);
        for (currency_id, record) in batch {
            self.encode(*currency_id, record, &mut out);
        }
        Bytes::from(out)
    }
}

/// `YYYY-MM-DD`, written digit by digit: chrono's formatter parses its format string on
/// every call, which shows at millions of rows.
fn push_date(date: NaiveDate, out: &mut Vec<u8>) {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        out.extend_from_slice(date.format("%Y-%m-%d").to_string().as_bytes());
        return;
    }
    let (year, month, day) = (year as u32, date.month(), date.day());
    out.extend_from_slice(&[
        b'0' + (year / 1000) as u8,
        b'0' + (year / 100 % 10) as u8,
        b'0' + (year / 10 % 10) as u8,
        b'0' + (year % 10) as u8,
        b'-',
        b'0' + (month / 10) as u8,
        b'0' + (month % 10) as u8,
        b'-',
        b'0' + (day / 10) as u8,
        b'0' + (day % 10) as u8,
    ]);
}

/// The decimal digits of `n`, in `buffer`.
fn itoa(mut n: u64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buffer[start..]
}

/// `field` as one CSV field (RFC 4180): quoted, quotes doubled, when it holds a comma, quote
/// or line break; as is otherwise. What the csv crate the importer reads with expects.
fn csv_field(field: &str) -> Vec<u8> {
    if !field.contains([',', '"', '\r', '\n']) {
        return field.as_bytes().to_vec();
    }
    let mut out = Vec::with_capacity(field.len() + 2);
    out.push(b'"');
    out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
    out.push(b'"');
    out
}

/// The export as a stream of byte chunks: the header, then one chunk per batch the store
/// reads. Constant memory: a few batches at a time, whatever the number of rows.
pub fn byte_stream(
    store: &Store,
    currencies: &[Currency],
    selection: RecordSelection,
    layout: Layout,
) -> impl Stream<Item = Result<Bytes, StoreError>> + Send + 'static {
    let mut encoder = Encoder::new(layout, currencies);
    let header = encoder
        .header()
        .map(|h| Ok(Bytes::from_static(h)))
        .into_iter();
    let rows = store
        .stream_records(selection)
        .map_ok(move |batch| encoder.encode_batch(&batch));
    futures::stream::iter(header).chain(rows)
}

/// The coins `--coins` names: `all`, or comma-separated symbols or names (any case; a symbol
/// match wins). Every unknown one is named in the error.
pub fn select_coins(currencies: &[Currency], raw: &str) -> Result<Vec<Currency>, String> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("all") {
        return Ok(currencies.to_vec());
    }
    let mut selected: Vec<Currency> = Vec::new();
    let mut unknown: Vec<&str> = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let hit = currencies
            .iter()
            .find(|c| c.symbol.as_str().eq_ignore_ascii_case(item))
            .or_else(|| {
                currencies
                    .iter()
                    .find(|c| c.name.to_lowercase() == item.to_lowercase())
            });
        match hit {
            Some(c) if !selected.iter().any(|s| s.id == c.id) => selected.push(c.clone()),
            Some(_) => {}
            None => unknown.push(item),
        }
    }
    if !unknown.is_empty() {
        return Err(format!(
            "no coin has the symbol or name {}; `--coins all` exports every coin",
            unknown
                .iter()
                .map(|u| format!("'{u}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if selected.is_empty() {
        return Err("--coins lists no coin: give `all` or symbols such as btc,eth".into());
    }
    Ok(selected)
}

/// What `krispyto export` is asked to do.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// The directory (CSV) or file (NDJSON; `-` is stdout).
    pub out: PathBuf,
    /// `all` or comma-separated symbols or names.
    pub coins: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// `krispyto export`: checks the options, then writes the files (or stdout).
pub async fn run(store: &Store, options: &ExportOptions) -> Result<ExportSummary, ExportError> {
    let currencies = store.currencies().await?;
    let selected = select_coins(&currencies, &options.coins).map_err(ExportError::Refused)?;
    if let (Some(from), Some(to)) = (options.from, options.to) {
        if from > to {
            return Err(ExportError::Refused(format!(
                "--from {from} is after --to {to}: give from <= to"
            )));
        }
    }
    let selection = RecordSelection {
        currency_ids: (selected.len() != currencies.len())
            .then(|| selected.iter().map(|c| c.id).collect()),
        from: options.from,
        to: options.to,
    };
    let to_stdout = options.out.as_os_str() == "-";
    match options.format {
        ExportFormat::Csv if to_stdout => Err(ExportError::Refused(
            "CSV is written as one file per coin into a directory: give --out DIR, or \
             --format ndjson --out - for stdout"
                .into(),
        )),
        ExportFormat::Csv => write_kaggle_dir(store, &currencies, selection, &options.out).await,
        ExportFormat::Ndjson => {
            let output = if to_stdout {
                Output::Stdout
            } else {
                Output::File(options.out.clone())
            };
            write_ndjson(store, &currencies, selection, output).await
        }
    }
}

/// What `krispyto export` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub coins: usize,
    pub rows: u64,
    pub files: Vec<PathBuf>,
}

impl fmt::Display for ExportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        write!(
            f,
            "{} rows of {} coin{}",
            self.rows,
            self.coins,
            plural(self.coins)
        )?;
        if !self.files.is_empty() {
            write!(
                f,
                " in {} file{}",
                self.files.len(),
                plural(self.files.len())
            )?;
        }
        Ok(())
    }
}

/// Why an export to files failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Refused(String),
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The Kaggle file name of each coin: `coin_<name without spaces and punctuation>.csv`, as
/// the data set names them (`coin_CryptocomCoin.csv`), with `_<SYMBOL>` added where two
/// names would give the same file.
pub fn kaggle_file_names(currencies: &[Currency]) -> HashMap<i64, String> {
    let mut taken: HashMap<String, i64> = HashMap::new();
    let mut names = HashMap::new();
    for coin in currencies {
        let stem: String = coin
            .name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        let mut file = format!("coin_{stem}.csv");
        if stem.is_empty() || taken.contains_key(&file.to_ascii_lowercase()) {
            file = format!("coin_{stem}_{}.csv", coin.symbol);
        }
        taken.insert(file.to_ascii_lowercase(), coin.id);
        names.insert(coin.id, file);
    }
    names
}

/// Writes one Kaggle CSV per coin that has records in `selection` into `dir` (created if
/// missing; it must hold no CSV file, so nothing is overwritten). Each file is written under a
/// temporary name and renamed when complete; on failure every file of this run is removed.
pub async fn write_kaggle_dir(
    store: &Store,
    currencies: &[Currency],
    selection: RecordSelection,
    dir: &Path,
) -> Result<ExportSummary, ExportError> {
    // Plain std::fs: a command-line tool writing files, no other work on this runtime waits.
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
        let path = entry.map_err(io_error(dir))?.path();
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            return Err(ExportError::Refused(format!(
                "{} already holds CSV files ({}); export into an empty or new directory",
                dir.display(),
                path.display()
            )));
        }
    }
    let names = kaggle_file_names(currencies);
    let mut written: Vec<PathBuf> = Vec::new();
    let result = write_kaggle_files(store, currencies, selection, dir, &names, &mut written).await;
    match result {
        Ok((coins, rows)) => Ok(ExportSummary {
            coins,
            rows,
            files: written,
        }),
        Err(error) => {
            for path in &written {
                let _ = std::fs::remove_file(path);
            }
            Err(error)
        }
    }
}

/// An open output file, written under `<name>.partial` until complete.
struct PartialFile {
    writer: std::io::BufWriter<std::fs::File>,
    partial: PathBuf,
    path: PathBuf,
}

impl PartialFile {
    fn create(path: PathBuf) -> Result<PartialFile, ExportError> {
        let mut partial = path.clone().into_os_string();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let file = std::fs::File::create(&partial).map_err(io_error(&partial))?;
        Ok(PartialFile {
            writer: std::io::BufWriter::with_capacity(1 << 16, file),
            partial,
            path,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), ExportError> {
        use std::io::Write;
        self.writer
            .write_all(bytes)
            .map_err(io_error(&self.partial))
    }

    /// Flushes, syncs and moves the file to its real name.
    fn finish(self) -> Result<PathBuf, ExportError> {
        let file = self.writer.into_inner().map_err(|e| ExportError::Io {
            path: self.partial.clone(),
            source: e.into_error(),
        })?;
        file.sync_all().map_err(io_error(&self.partial))?;
        std::fs::rename(&self.partial, &self.path).map_err(io_error(&self.path))?;
        Ok(self.path)
    }

    fn abandon(self) {
        let partial = self.partial.clone();
        drop(self.writer);
        let _ = std::fs::remove_file(partial);
    }
}

async fn write_kaggle_files(
    store: &Store,
    currencies: &[Currency],
    selection: RecordSelection,
    dir: &Path,
    names: &HashMap<i64, String>,
    written: &mut Vec<PathBuf>,
) -> Result<(usize, u64), ExportError> {
    let mut encoder = Encoder::new(Layout::Kaggle, currencies);
    let mut rows = Box::pin(store.stream_records(selection));
    let mut current: Option<(i64, PartialFile)> = None;
    let (mut coins, mut count) = (0usize, 0u64);
    let mut buffer = Vec::with_capacity(1 << 16);
    let outcome: Result<(), ExportError> = async {
        while let Some(batch) = rows.try_next().await? {
            for (currency_id, record) in &batch {
                if current.as_ref().map(|(id, _)| *id) != Some(*currency_id) {
                    if let Some((_, file)) = current.take() {
                        written.push(file.finish()?);
                    }
                    let name = names
                        .get(currency_id)
                        .cloned()
                        .unwrap_or_else(|| format!("coin_{currency_id}.csv"));
                    let mut file = PartialFile::create(dir.join(name))?;
                    file.write(KAGGLE_HEADER)?;
                    current = Some((*currency_id, file));
                    coins += 1;
                }
                buffer.clear();
                encoder.encode(*currency_id, record, &mut buffer);
                if let Some((_, file)) = current.as_mut() {
                    file.write(&buffer)?;
                }
                count += 1;
            }
        }
        if let Some((_, file)) = current.take() {
            written.push(file.finish()?);
        }
        Ok(())
    }
    .await;
    if let Err(error) = outcome {
        if let Some((_, file)) = current.take() {
            file.abandon();
        }
        return Err(error);
    }
    Ok((coins, count))
}

/// Where `krispyto export --format ndjson` writes.
pub enum Output {
    Stdout,
    File(PathBuf),
}

/// Writes every record of `selection` as NDJSON to `output` (a file is written under a
/// temporary name and renamed when complete).
pub async fn write_ndjson(
    store: &Store,
    currencies: &[Currency],
    selection: RecordSelection,
    output: Output,
) -> Result<ExportSummary, ExportError> {
    // Rows come ordered by coin: a coin starts where the id changes.
    let mut coins = CoinCounter::default();
    let mut encoder = Encoder::new(Layout::Ndjson, currencies);
    let mut rows = Box::pin(store.stream_records(selection));
    let mut count = 0u64;
    match output {
        Output::Stdout => {
            use std::io::Write;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            let stdout_path = PathBuf::from("-");
            while let Some(batch) = rows.try_next().await? {
                coins.note(&batch);
                count += batch.len() as u64;
                out.write_all(&encoder.encode_batch(&batch))
                    .map_err(io_error(&stdout_path))?;
            }
            out.flush().map_err(io_error(&stdout_path))?;
            Ok(ExportSummary {
                coins: coins.count,
                rows: count,
                files: Vec::new(),
            })
        }
        Output::File(path) => {
            let mut file = PartialFile::create(path)?;
            let outcome: Result<(), ExportError> = async {
                while let Some(batch) = rows.try_next().await? {
                    coins.note(&batch);
                    count += batch.len() as u64;
                    file.write(&encoder.encode_batch(&batch))?;
                }
                Ok(())
            }
            .await;
            if let Err(error) = outcome {
                file.abandon();
                return Err(error);
            }
            let path = file.finish()?;
            Ok(ExportSummary {
                coins: coins.count,
                rows: count,
                files: vec![path],
            })
        }
    }
}

/// Counts the coins of a stream ordered by coin.
#[derive(Default)]
struct CoinCounter {
    last: Option<i64>,
    count: usize,
}

impl CoinCounter {
    fn note(&mut self, batch: &[(i64, DailyRecord)]) {
        for (id, _) in batch {
            if self.last != Some(*id) {
                self.last = Some(*id);
                self.count += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CoinId, Symbol};

    fn coin(id: i64, name: &str, symbol: &str) -> Currency {
        Currency {
            id,
            name: name.into(),
            symbol: Symbol::parse(symbol).unwrap(),
            coin_id: CoinId::for_name(name, |_| false),
        }
    }

    fn record(date: &str, close: f64) -> DailyRecord {
        DailyRecord::new(
            NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap().into(),
            134.444_000_244_140_62,
            147.488_006_591_796_88,
            134.0,
            close,
            0.0,
            1_603_768_864.5,
        )
        .unwrap()
    }

    fn text(layout: Layout, rows: &[(i64, DailyRecord)]) -> String {
        let coins = [coin(1, "Bitcoin", "BTC"), coin(2, "Foo, \"Inc\"", "FOO")];
        let mut encoder = Encoder::new(layout, &coins);
        let mut out = encoder.header().unwrap_or_default().to_vec();
        out.extend_from_slice(&encoder.encode_batch(rows));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn kaggle_rows_are_the_importers_input_numbered_per_coin() {
        let rows = [
            (1, record("2013-04-29", 144.539_993_286_132_8)),
            (1, record("2013-04-30", 1e-9)),
            (2, record("2013-04-29", 2.5e17)),
        ];
        assert_eq!(
            text(Layout::Kaggle, &rows),
            "SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap\n\
             1,Bitcoin,BTC,2013-04-29 23:59:59,147.48800659179688,134.0,134.44400024414062,144.5399932861328,0.0,1603768864.5\n\
             2,Bitcoin,BTC,2013-04-30 23:59:59,147.48800659179688,134.0,134.44400024414062,1e-9,0.0,1603768864.5\n\
             1,\"Foo, \"\"Inc\"\"\",FOO,2013-04-29 23:59:59,147.48800659179688,134.0,134.44400024414062,2.5e17,0.0,1603768864.5\n"
        );
    }

    #[test]
    fn api_csv_has_coin_columns_only_when_asked() {
        let rows = [(1, record("2021-07-06", 34235.19345116))];
        assert_eq!(
            text(Layout::Csv { coin_columns: false }, &rows),
            "date,open,high,low,close,volume,market_cap\n\
             2021-07-06,134.44400024414062,147.48800659179688,134.0,34235.19345116,0.0,1603768864.5\n"
        );
        assert_eq!(
            text(Layout::Csv { coin_columns: true }, &rows),
            "name,symbol,date,open,high,low,close,volume,market_cap\n\
             Bitcoin,BTC,2021-07-06,134.44400024414062,147.48800659179688,134.0,34235.19345116,0.0,1603768864.5\n"
        );
    }

    #[test]
    fn ndjson_lines_are_json_that_round_trips() {
        let values = [0.1 + 0.2, 5e-324, 9.999_999_999_999_999e17, 1.0 / 3.0];
        let rows: Vec<(i64, DailyRecord)> = values
            .iter()
            .map(|v| (2, record("0999-01-02", *v)))
            .collect();
        let out = text(Layout::Ndjson, &rows);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), values.len());
        for (line, value) in lines.iter().zip(values) {
            let parsed: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(parsed["name"], "Foo, \"Inc\"");
            assert_eq!(parsed["symbol"], "FOO");
            assert_eq!(parsed["date"], "0999-01-02");
            assert_eq!(parsed["close"].as_f64().unwrap().to_bits(), value.to_bits());
            assert_eq!(parsed["market_cap"].as_f64().unwrap(), 1_603_768_864.5);
        }
    }

    #[test]
    fn file_names_follow_the_data_set_and_never_collide() {
        let names = kaggle_file_names(&[
            coin(1, "Crypto.com Coin", "CRO"),
            coin(2, "Crypto com Coin", "CRX"),
            coin(3, "???", "Q"),
        ]);
        assert_eq!(names[&1], "coin_CryptocomCoin.csv");
        assert_eq!(names[&2], "coin_CryptocomCoin_CRX.csv");
        assert_eq!(names[&3], "coin__Q.csv");
    }

    #[test]
    fn formats_parse_exactly_and_name_the_choices() {
        assert_eq!("ndjson".parse::<ExportFormat>(), Ok(ExportFormat::Ndjson));
        assert_eq!("csv".parse::<ExportFormat>(), Ok(ExportFormat::Csv));
        assert!(" csv".parse::<ExportFormat>().is_err());
        assert!("json"
            .parse::<ExportFormat>()
            .unwrap_err()
            .contains("csv or ndjson"));
    }
}
