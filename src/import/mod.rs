//! The importer: Kaggle-format CSV files in, one all-or-nothing write to the store out.
//!
//! Everything is read and checked before anything is written, and the write is a single
//! transaction, so a refused file leaves the database exactly as it was.

pub mod csv;
pub mod source;

use std::collections::BTreeMap;
use std::fmt;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use self::csv::CoinRows;
use self::source::{CsvInput, Source};
use crate::domain::Symbol;
use crate::store::{CoinUpdate, Store, StoreError, WriteSummary};

#[cfg(test)]
impl ImportError {
    /// (file, line, column, reason) of a row error; panics on any other.
    pub(crate) fn into_row(self) -> (String, u64, String, String) {
        match self {
            ImportError::Row {
                file,
                line,
                column,
                reason,
            } => (file, line, column, reason),
            other => panic!("expected a row error, got {other:?}"),
        }
    }
}

/// Why an import was refused. Each names the file (and line and column where there is one).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}, line {line}, column {column}: {reason}")]
    Row {
        file: String,
        line: u64,
        column: String,
        reason: String,
    },
    #[error("{file}: {reason}")]
    File { file: String, reason: String },
    #[error("{source_name} {reason}")]
    Source { source_name: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub files: usize,
    #[serde(flatten)]
    pub summary: WriteSummary,
    pub seconds: f64,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        write!(
            f,
            "Imported {} coins from {} files in {:.2} s: {} rows inserted, {} updated, {} unchanged",
            s.coins, self.files, self.seconds, s.inserted, s.updated, s.unchanged
        )?;
        if s.coins_created + s.coins_renamed > 0 {
            write!(
                f,
                "; {} coins created, {} renamed",
                s.coins_created, s.coins_renamed
            )?;
        }
        Ok(())
    }
}

/// Whether to draw a progress bar: only on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Auto,
    Hidden,
}

/// What an import may do beyond adding and updating records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Rename a stored coin when a file gives its symbol another name. Off by default: a
    /// file whose symbol happens to be a real coin's (a synthetic data set, a typo) would
    /// otherwise rename that coin and overwrite its rows.
    pub allow_rename: bool,
    /// Nothing else in this process uses the database during the import: a one-off command,
    /// or a server seeding its database before it listens. The store may then take the
    /// database for itself (see `Store::apply_offline`). Off by default: a live server's
    /// readers must not be locked out.
    pub offline: bool,
}

/// Reads, checks and writes everything in `sources` as one transaction; refuses to rename a
/// stored coin.
pub async fn import(
    store: &Store,
    sources: &[Source],
    progress: Progress,
) -> Result<ImportReport, ImportError> {
    import_with(store, sources, progress, ImportOptions::default()).await
}

/// [`import`] with options.
pub async fn import_with(
    store: &Store,
    sources: &[Source],
    progress: Progress,
    options: ImportOptions,
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    let inputs = source::resolve(sources).await?;
    let bar = progress_bar(progress, inputs.iter().map(CsvInput::size).sum());
    let parse_bar = bar.clone();
    let (files, updates, named_at) =
        tokio::task::spawn_blocking(move || parse_all(&inputs, &parse_bar))
            .await
            .map_err(|e| ImportError::Source {
                source_name: "import".into(),
                reason: format!("stopped unexpectedly: {e}"),
            })??;
    if !options.allow_rename {
        refuse_renames(store, &updates, &named_at).await?;
    }

    let rows: usize = updates.iter().map(|u| u.records.len()).sum();
    bar.set_style(spinner_style());
    bar.set_message(format!("writing {rows} rows of {} coins", updates.len()));
    bar.enable_steady_tick(Duration::from_millis(120));
    let summary = if options.offline {
        store.apply_offline(&updates).await
    } else {
        store.apply(&updates).await
    };
    bar.finish_and_clear();
    let summary = summary?;
    count_imported_rows(&summary);
    Ok(ImportReport {
        files,
        summary,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Adds a committed import's rows to the `/metrics` counter (a refused import wrote none).
fn count_imported_rows(summary: &WriteSummary) {
    for (outcome, rows) in [
        ("inserted", summary.inserted),
        ("updated", summary.updated),
        ("unchanged", summary.unchanged),
    ] {
        metrics::counter!(crate::telemetry::metric::IMPORTED_ROWS, "outcome" => outcome)
            .increment(rows as u64);
    }
}

/// Parses every file and merges the rows per coin, refusing conflicting duplicates.
///
/// Inputs are parsed on all cores (parsing is most of an import's CPU time at millions of
/// rows), then merged one by one in input order, so the outcome, including which error is
/// reported first, is the same as parsing them one after the other.
/// Where each coin's name was first given: file and line.
type NamedAt = BTreeMap<Symbol, (String, u64)>;

/// Refuses, naming the file and line, a coin whose symbol is stored under another name.
/// Checked before the write transaction starts, so nothing is written.
async fn refuse_renames(
    store: &Store,
    updates: &[CoinUpdate],
    named_at: &NamedAt,
) -> Result<(), ImportError> {
    let stored = store.currencies().await?;
    for update in updates {
        let Some(name) = &update.name else { continue };
        let Some(existing) = stored.iter().find(|c| c.symbol == update.symbol) else {
            continue;
        };
        if existing.name != name.as_str() {
            let (file, line) = named_at
                .get(&update.symbol)
                .cloned()
                .unwrap_or_else(|| ("the input".into(), 0));
            return Err(ImportError::Row {
                file,
                line,
                column: "Name".into(),
                reason: format!(
                    "the database holds {} as '{}', this file names it '{name}'; importing it \
                     would rename that coin and overwrite its rows. Fix the symbol, or run \
                     the import with --allow-rename if the rename is meant",
                    update.symbol, existing.name
                ),
            });
        }
    }
    Ok(())
}

fn parse_all(
    inputs: &[CsvInput],
    bar: &ProgressBar,
) -> Result<(usize, Vec<CoinUpdate>, NamedAt), ImportError> {
    // File indexes are fixed up front: input i's j-th file is first_index[i] + j.
    let mut first_index = Vec::with_capacity(inputs.len());
    let mut files = 0;
    for input in inputs {
        first_index.push(files);
        files += input.file_count();
    }
    let parsed = parse_inputs_in_parallel(inputs, &first_index, bar);

    let mut file_names: Vec<String> = Vec::with_capacity(files);
    let mut coins: BTreeMap<Symbol, CoinRows> = BTreeMap::new();
    for ParsedInput { files, error } in parsed {
        for (name, parsed_coins) in files {
            file_names.push(name);
            for coin in parsed_coins {
                merge(&mut coins, coin, &file_names)?;
            }
        }
        if let Some(error) = error {
            return Err(error);
        }
    }
    let named_at: NamedAt = coins
        .values()
        .map(|coin| {
            let (file, line) = coin.named_at;
            (coin.symbol.clone(), (file_names[file].clone(), line))
        })
        .collect();
    let updates = coins
        .into_values()
        .map(|coin| into_update(coin, &file_names))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((file_names.len(), updates, named_at))
}

/// One input's files as parsed, in order, up to the first that could not be read or parsed.
struct ParsedInput {
    files: Vec<(String, Vec<CoinRows>)>,
    error: Option<ImportError>,
}

fn parse_input(input: &CsvInput, first_index: usize, bar: &ProgressBar) -> ParsedInput {
    let mut files = Vec::new();
    let result = source::read_each(input, |name, bytes| {
        bar.set_message(name.rsplit(['/', ':']).next().unwrap_or(name).to_owned());
        let coins = csv::parse_file(first_index + files.len(), name, bytes)?;
        files.push((name.to_owned(), coins));
        bar.inc(bytes.len() as u64);
        Ok(())
    });
    ParsedInput {
        files,
        error: result.err(),
    }
}

/// Parses `inputs` on up to one thread per core; the results come back in input order.
fn parse_inputs_in_parallel(
    inputs: &[CsvInput],
    first_index: &[usize],
    bar: &ProgressBar,
) -> Vec<ParsedInput> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(inputs.len())
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut parsed: Vec<(usize, ParsedInput)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(input) = inputs.get(i) else {
                            return done;
                        };
                        done.push((i, parse_input(input, first_index[i], bar)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a parser thread panicked"))
            .collect()
    });
    parsed.sort_by_key(|(i, _)| *i);
    parsed.into_iter().map(|(_, p)| p).collect()
}

fn merge(
    coins: &mut BTreeMap<Symbol, CoinRows>,
    parsed: CoinRows,
    file_names: &[String],
) -> Result<(), ImportError> {
    match coins.get_mut(&parsed.symbol) {
        None => {
            coins.insert(parsed.symbol.clone(), parsed);
        }
        Some(coin) if coin.name != parsed.name => {
            let (file, line) = parsed.named_at;
            return Err(ImportError::Row {
                file: file_names[file].clone(),
                line,
                column: "Name".into(),
                reason: format!(
                    "'{}' differs from '{}' given for {} in {} line {}; one symbol has one name",
                    parsed.name,
                    coin.name,
                    coin.symbol,
                    file_names[coin.named_at.0],
                    coin.named_at.1
                ),
            });
        }
        Some(coin) => coin.records.extend(parsed.records),
    }
    Ok(())
}

/// Sorts a coin's rows by date, drops exact repeats and refuses two different rows for a day.
fn into_update(mut coin: CoinRows, file_names: &[String]) -> Result<CoinUpdate, ImportError> {
    coin.records.sort_by_key(|r| r.record.date());
    let mut records = Vec::with_capacity(coin.records.len());
    for pair in coin.records.windows(2) {
        let (earlier, later) = (&pair[0], &pair[1]);
        if earlier.record.date() == later.record.date()
            && !earlier.record.same_values(&later.record)
        {
            return Err(ImportError::Row {
                file: file_names[later.file].clone(),
                line: later.line,
                column: "Date".into(),
                reason: format!(
                    "{} already has a different row for {} ({} line {}); keep one of them",
                    coin.symbol,
                    later.record.date(),
                    file_names[earlier.file],
                    earlier.line
                ),
            });
        }
    }
    for sourced in &coin.records {
        if records
            .last()
            .is_none_or(|last: &crate::domain::DailyRecord| last.date() != sourced.record.date())
        {
            records.push(sourced.record);
        }
    }
    Ok(CoinUpdate {
        symbol: coin.symbol,
        name: Some(coin.name),
        coin_id: None,
        records,
    })
}

fn progress_bar(progress: Progress, total_bytes: u64) -> ProgressBar {
    if progress == Progress::Hidden || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total_bytes);
    bar.set_style(
        ProgressStyle::with_template("{spinner} reading [{bar:30}] {bytes}/{total_bytes} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_files(files: &[(&str, &str)]) -> Result<Vec<CoinUpdate>, ImportError> {
        let mut names = Vec::new();
        let mut coins = BTreeMap::new();
        for (i, (name, body)) in files.iter().enumerate() {
            names.push(name.to_string());
            for parsed in csv::parse_file(i, name, body.as_bytes())? {
                merge(&mut coins, parsed, &names)?;
            }
        }
        coins
            .into_values()
            .map(|c| into_update(c, &names))
            .collect()
    }

    const HEADER: &str = "Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap\n";

    #[test]
    fn exact_repeats_are_kept_once_and_rows_sorted() {
        let body = format!(
            "{HEADER}Bitcoin,BTC,2021-07-06,2,1,1,1,1,1\nBitcoin,BTC,2021-07-05,2,1,1,1,1,1\nBitcoin,BTC,2021-07-06,2,1,1,1,1,1\n"
        );
        let updates = parse_files(&[("a.csv", &body)]).unwrap();
        let dates: Vec<String> = updates[0]
            .records
            .iter()
            .map(|r| r.date().to_string())
            .collect();
        assert_eq!(dates, ["2021-07-05", "2021-07-06"]);
    }

    #[test]
    fn two_different_rows_for_a_day_are_refused_even_across_files() {
        let a = format!("{HEADER}Bitcoin,BTC,2021-07-06,2,1,1,1,1,1\n");
        let b = format!(
            "{HEADER}Bitcoin,BTC,2021-07-05,2,1,1,1,1,1\nBitcoin,BTC,2021-07-06,3,1,1,1,1,1\n"
        );
        let err = parse_files(&[("a.csv", &a), ("b.csv", &b)]).unwrap_err();
        let (file, line, column, reason) = err.into_row();
        assert_eq!((file.as_str(), line, column.as_str()), ("b.csv", 3, "Date"));
        assert!(reason.contains("a.csv line 2"), "{reason}");
    }

    #[test]
    fn one_symbol_with_two_names_across_files_is_refused() {
        let a = format!("{HEADER}Bitcoin,BTC,2021-07-06,2,1,1,1,1,1\n");
        let b = format!("{HEADER}Bitcoin Cash,BTC,2021-07-05,2,1,1,1,1,1\n");
        let err = parse_files(&[("a.csv", &a), ("b.csv", &b)])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("b.csv, line 2, column Name"), "{err}");
    }
}
