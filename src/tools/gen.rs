//! `krispyto gen`: a synthetic data set in the Kaggle CSV format, to measure how cost grows
//! with the number of coins and days.
//!
//! The output is a pure function of the options: every coin draws from its own ChaCha8
//! stream (seed, stream = coin index), and floats only go through `+ - * /` (which IEEE 754
//! rounds exactly) and Rust's own float formatting, never through the platform's `exp`/`ln`.
//! So the same command writes the same bytes on every run and every platform.
//!
//! Each coin is a geometric random walk: the daily log return is normal (mean `drift`,
//! standard deviation `volatility`, both drawn per coin), so closes are log-normal. `Open` is
//! the previous close, `High`/`Low` add a wick beyond both, the market cap is close × a fixed
//! supply and the volume a noisy fraction of it. Coins are listed on different days: the
//! first has the whole span, the others start up to a tenth of the span later, and all end
//! on the same last day.
//!
//! Everything written is what the importer accepts and what real data looks like: the walk
//! is reflected at market caps of [`MIN_MARKET_CAP`] and [`MAX_MARKET_CAP`] (an unbounded walk
//! over 10 years reached caps of 1e18 and more, which the importer refuses), and every symbol
//! starts with [`SYMBOL_PREFIX`], so generated and real files can be imported into one
//! database.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The header the Kaggle files have, in their column order.
pub const KAGGLE_HEADER: &str = "SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap";

/// The smallest market cap a generated coin reaches: a small real listing.
pub const MIN_MARKET_CAP: f64 = 1e5;
/// The largest market cap a generated coin reaches: above Bitcoin's highest (1.2e12), far
/// below the importer's bound ([`crate::domain::MAX_RECORD_VALUE`], 1e18), and with volumes of
/// at most a few times the market cap.
pub const MAX_MARKET_CAP: f64 = 2e12;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    pub coins: usize,
    /// The span in days, from the first listing to `last_day` inclusive.
    pub days: u32,
    pub seed: u64,
    /// Every coin's last record is on this day.
    pub last_day: NaiveDate,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenSummary {
    pub files: usize,
    pub rows: u64,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

/// One coin's identity and the parameters of its walk.
#[derive(Debug, Clone, PartialEq)]
struct CoinPlan {
    name: String,
    symbol: String,
    /// Days after the first day of the span on which the coin is listed.
    listed_after: u32,
}

/// Writes one `coin_<Name>.csv` per coin into `out` (created if missing; it must not hold
/// CSV files already, so a smaller run never leaves a bigger run's coins behind).
pub fn generate(out: &Path, options: &GenOptions) -> io::Result<GenSummary> {
    if options.coins == 0 || options.days == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "--coins and --days must be at least 1",
        ));
    }
    let first_day = options
        .last_day
        .checked_sub_days(Days::new(u64::from(options.days - 1)))
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "--days reaches before the first representable date; use fewer days",
            )
        })?;
    fs::create_dir_all(out)?;
    if let Some(existing) = first_csv_in(out)? {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} already holds CSV files (e.g. {}); give an empty or new directory",
                out.display(),
                existing.display()
            ),
        ));
    }

    // Coins are independent streams, so threads can split them without changing the output.
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(options.coins);
    let rows = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                scope.spawn(move || -> io::Result<u64> {
                    let mut rows = 0;
                    for coin in (worker..options.coins).step_by(threads) {
                        rows += write_coin(out, options, first_day, coin)?;
                    }
                    Ok(rows)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a generator thread panicked"))
            .sum::<io::Result<u64>>()
    })?;
    Ok(GenSummary {
        files: options.coins,
        rows,
        first_day,
        last_day: options.last_day,
    })
}

fn first_csv_in(dir: &Path) -> io::Result<Option<PathBuf>> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            return Ok(Some(path));
        }
    }
    Ok(None)
}

/// The file name the Kaggle data set uses: `coin_` + the name without spaces.
pub fn file_name(name: &str) -> String {
    let compact: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    format!("coin_{compact}.csv")
}

/// `index` in bijective base 26 over `A..=Z`, at least three letters: AAA, AAB, ...
fn symbol_of(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index;
    loop {
        letters.push(b'A' + (n % 26) as u8);
        n /= 26;
        if n == 0 && letters.len() >= 3 {
            break;
        }
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// Every generated symbol starts with this: three letters alone collide with real coins
/// (coin 78 was ADA, and importing it beside the real data renamed Cardano). No listed coin
/// uses an underscore.
pub const SYMBOL_PREFIX: &str = "SYN_";

fn plan(options: &GenOptions, rng: &mut ChaCha8Rng, coin: usize) -> CoinPlan {
    let letters = symbol_of(coin);
    let symbol = format!("{SYMBOL_PREFIX}{letters}");
    let mut name = String::from("Synth ");
    let mut chars = letters.chars();
    name.extend(chars.next());
    name.extend(chars.map(|c| c.to_ascii_lowercase()));
    let max_delay = u64::from(options.days / 10);
    let listed_after = if coin == 0 {
        0
    } else {
        (rng.next_u64() % (max_delay + 1)) as u32
    };
    CoinPlan {
        name,
        symbol,
        listed_after,
    }
}

/// Generates one coin and writes its file; returns the number of rows.
fn write_coin(
    out: &Path,
    options: &GenOptions,
    first_day: NaiveDate,
    coin: usize,
) -> io::Result<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    rng.set_stream(coin as u64);
    let plan = plan(options, &mut rng, coin);

    let start_price = uniform(&mut rng, 1.0, 10.0) * power_of_ten(integer(&mut rng, -3, 3));
    let volatility = uniform(&mut rng, 0.02, 0.08);
    let drift = uniform(&mut rng, -0.001, 0.0015);
    let supply = uniform(&mut rng, 1.0, 10.0) * power_of_ten(integer(&mut rng, 6, 10));
    let turnover = uniform(&mut rng, 0.01, 0.15);
    // Start inside the market-cap bounds (by whole powers of ten, so the draws stay as they were).
    let mut start_price = start_price;
    while start_price * supply < MIN_MARKET_CAP {
        start_price *= 10.0;
    }
    while start_price * supply > MAX_MARKET_CAP {
        start_price /= 10.0;
    }

    let path = out.join(file_name(&plan.name));
    let mut file = BufWriter::with_capacity(1 << 20, File::create(&path)?);
    writeln!(file, "{KAGGLE_HEADER}")?;
    let mut line = String::with_capacity(256);
    let mut close = start_price;
    let mut serial = 0u64;
    for offset in plan.listed_after..options.days {
        let date = first_day + Days::new(u64::from(offset));
        let open = close;
        let step = exp(drift + volatility * normal(&mut rng));
        close = open * step;
        // Reflect the walk at the bounds: the step goes the other way.
        if !(MIN_MARKET_CAP..=MAX_MARKET_CAP).contains(&(close * supply)) {
            close = open / step;
        }
        let wick_up = exp(0.5 * volatility * normal(&mut rng).abs());
        let wick_down = exp(0.5 * volatility * normal(&mut rng).abs());
        let high = open.max(close) * wick_up;
        let low = open.min(close) / wick_down;
        let market_cap = close * supply;
        let volume = market_cap * turnover * exp(0.5 * normal(&mut rng));
        serial += 1;
        line.clear();
        // Writing to a String cannot fail.
        let _ = writeln!(
            line,
            "{serial},{},{},{date} 23:59:59,{high},{low},{open},{close},{volume},{market_cap}",
            plan.name, plan.symbol
        );
        file.write_all(line.as_bytes())?;
    }
    file.flush()?;
    Ok(serial)
}

/// Uniform in `[0, 1)` with 53 random bits.
fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn uniform(rng: &mut ChaCha8Rng, low: f64, high: f64) -> f64 {
    low + (high - low) * unit(rng)
}

/// Uniform integer in `low..=high`.
fn integer(rng: &mut ChaCha8Rng, low: i32, high: i32) -> i32 {
    low + (rng.next_u64() % (high - low + 1) as u64) as i32
}

/// A standard normal draw, approximated by the Irwin–Hall sum of twelve uniforms (mean 0,
/// variance 1, bounded to ±6): only additions, so it is the same on every platform.
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    (0..12).map(|_| unit(rng)).sum::<f64>() - 6.0
}

fn power_of_ten(exponent: i32) -> f64 {
    let mut value = 1.0;
    for _ in 0..exponent.unsigned_abs() {
        value *= 10.0;
    }
    if exponent < 0 {
        1.0 / value
    } else {
        value
    }
}

/// `e^x` from `+` and `*` only (halve until small, Taylor series, square back), so it
/// rounds the same everywhere, unlike the platform's libm. Accurate to a few ulps for the
/// |x| < 10 used here, and exactly 1 or more for x >= 0, which keeps `low <= open <= high`.
fn exp(x: f64) -> f64 {
    let mut reduced = x;
    let mut squarings = 0;
    while reduced.abs() > 0.125 {
        reduced /= 2.0;
        squarings += 1;
    }
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..=12 {
        term = term * reduced / f64::from(k);
        sum += term;
    }
    for _ in 0..squarings {
        sum *= sum;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::csv::parse_file;

    fn options(coins: usize, days: u32, seed: u64) -> GenOptions {
        GenOptions {
            coins,
            days,
            seed,
            last_day: NaiveDate::from_ymd_opt(2021, 7, 6).unwrap(),
        }
    }

    fn read_all(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, fs::read(&path).unwrap())
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn the_same_options_write_the_same_bytes_and_another_seed_does_not() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let first = generate(a.path(), &options(7, 120, 42)).unwrap();
        let second = generate(b.path(), &options(7, 120, 42)).unwrap();
        generate(c.path(), &options(7, 120, 43)).unwrap();
        assert_eq!(first, second);
        assert_eq!(read_all(a.path()), read_all(b.path()));
        assert_ne!(read_all(a.path()), read_all(c.path()));
        // Pinned, so a change of PRNG, algorithm or formatting is noticed rather than
        // silently changing every published figure.
        let btc_like = &read_all(a.path())[0];
        assert_eq!(btc_like.0, "coin_SynthAaa.csv");
        let second_line = std::str::from_utf8(&btc_like.1).unwrap().lines().nth(1);
        assert_eq!(second_line, Some(PINNED_FIRST_ROW));
    }

    const PINNED_FIRST_ROW: &str = "1,Synth Aaa,SYN_AAA,2021-03-09 23:59:59,0.007557995872882454,0.007079906269111368,0.0071370657307600425,0.007430955364791412,2513510.175406697,26731709.47484263";

    #[test]
    fn every_file_parses_with_the_importer_and_is_plausible() {
        let dir = tempfile::tempdir().unwrap();
        let opts = options(30, 200, 7);
        let summary = generate(dir.path(), &opts).unwrap();
        let files = read_all(dir.path());
        assert_eq!(files.len(), 30);
        assert_eq!(
            summary.first_day,
            NaiveDate::from_ymd_opt(2020, 12, 19).unwrap()
        );

        let mut rows = 0;
        let mut first_days = std::collections::BTreeSet::new();
        let mut symbols = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for (index, (file, bytes)) in files.iter().enumerate() {
            let coins = parse_file(index, file, bytes).unwrap();
            assert_eq!(coins.len(), 1, "{file}");
            let coin = &coins[0];
            assert_eq!(file, &file_name(coin.name.as_str()));
            assert!(symbols.insert(coin.symbol.clone()), "{file}");
            assert!(coin.symbol.as_str().starts_with(SYMBOL_PREFIX), "{file}");
            assert!(names.insert(coin.name.to_string()), "{file}");
            let records: Vec<_> = coin.records.iter().map(|r| r.record).collect();
            assert_eq!(records.last().unwrap().date(), opts.last_day, "{file}");
            first_days.insert(records[0].date());
            for pair in records.windows(2) {
                assert_eq!(
                    pair[1].date(),
                    pair[0].date() + Days::new(1),
                    "{file}: no gaps"
                );
                assert_eq!(
                    pair[1].open(),
                    pair[0].close(),
                    "{file}: open is the last close"
                );
            }
            for r in &records {
                assert!(r.low() > 0.0, "{file} {}", r.date());
                assert!(r.low() <= r.open().min(r.close()), "{file} {}", r.date());
                assert!(r.high() >= r.open().max(r.close()), "{file} {}", r.date());
                assert!(
                    r.volume() > 0.0 && r.market_cap() > 0.0,
                    "{file} {}",
                    r.date()
                );
            }
            rows += records.len() as u64;
        }
        assert_eq!(rows, summary.rows);
        assert_eq!(first_days.first(), Some(&summary.first_day));
        assert!(
            first_days.len() > 5,
            "listings are staggered: {first_days:?}"
        );
    }

    #[test]
    fn refuses_a_directory_that_already_holds_csv_files() {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), &options(2, 5, 1)).unwrap();
        let err = generate(dir.path(), &options(2, 5, 1)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert!(err.to_string().contains("empty or new directory"), "{err}");
    }

    #[test]
    fn a_long_walk_stays_inside_the_market_cap_bounds() {
        // 10 years: unbounded, caps of 1e18 and more came out of such a span.
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), &options(40, 3650, 42)).unwrap();
        for (index, (file, bytes)) in read_all(dir.path()).iter().enumerate() {
            for coin in parse_file(index, file, bytes).unwrap() {
                for r in coin.records.iter().map(|r| r.record) {
                    assert!(
                        (MIN_MARKET_CAP..=MAX_MARKET_CAP).contains(&r.market_cap()),
                        "{file} {}: {}",
                        r.date(),
                        r.market_cap()
                    );
                    assert!(r.volume() < 10.0 * MAX_MARKET_CAP, "{file} {}", r.date());
                }
            }
        }
    }

    #[test]
    fn symbols_are_unique_letters() {
        assert_eq!(symbol_of(0), "AAA");
        assert_eq!(symbol_of(27), "ABB");
        assert_eq!(symbol_of(26 * 26 * 26), "BAAA");
        let all: std::collections::BTreeSet<String> = (0..20_000).map(symbol_of).collect();
        assert_eq!(all.len(), 20_000);
    }

    #[test]
    fn exp_matches_the_real_thing() {
        for x in [-3.0, -0.4, -0.01, 0.0, 0.02, 0.3, 1.0, 2.5] {
            let relative = (exp(x) - f64::exp(x)).abs() / f64::exp(x);
            assert!(relative < 1e-13, "{x}: {relative}");
        }
        assert!(exp(0.0) == 1.0 && exp(1e-9) >= 1.0);
    }
}
