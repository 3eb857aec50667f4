//! The dashboard's pure computations on generated data, sized like a real request: the
//! records of the reference window (the day, −1, −7, −30 days and their as-of slack) for
//! 23 coins (the real data set) and 2,000 coins (the scale data set).
//!
//!     cargo bench --bench analytics

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use krispyto::analytics::dashboard::{
    dashboard_rows, sort_rows, CoinHistory, OrderBy, LOOKBACK_DAYS,
};
use krispyto::analytics::percent::reference_window;
use krispyto::analytics::SortDirection;
use krispyto::domain::{CoinId, Currency, DailyRecord};
use krispyto::http::DashboardRow;
use krispyto::import::csv::parse_file;
use krispyto::tools::gen::{generate, GenOptions};

fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 7, 6).expect("a date")
}

/// `coins` generated coins with only the records a dashboard query for `last_day` fetches.
fn window_records(coins: usize) -> Vec<(Currency, Vec<DailyRecord>)> {
    let dir = tempfile::tempdir().expect("a temp dir");
    generate(
        dir.path(),
        &GenOptions {
            coins,
            days: 60,
            seed: 42,
            last_day: last_day(),
        },
    )
    .expect("generated");
    let window = reference_window(last_day(), &LOOKBACK_DAYS);
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("listed")
        .map(|e| e.expect("an entry").path())
        .collect();
    files.sort();
    files
        .iter()
        .enumerate()
        .flat_map(|(index, path)| {
            let bytes = std::fs::read(path).expect("read");
            parse_file(index, "generated.csv", &bytes).expect("parses")
        })
        .enumerate()
        .map(|(id, coin)| {
            let records = coin
                .records
                .iter()
                .map(|r| r.record)
                .filter(|r| window.binary_search(&r.date()).is_ok())
                .collect();
            let currency = Currency {
                id: id as i64 + 1,
                coin_id: CoinId::for_name(coin.name.as_str(), |_| false),
                name: coin.name.to_string(),
                symbol: coin.symbol,
            };
            (currency, records)
        })
        .collect()
}

fn dashboard(c: &mut Criterion) {
    let mut group = c.benchmark_group("dashboard");
    for coins in [23, 2000] {
        let data = window_records(coins);
        let histories: Vec<CoinHistory<'_>> = data
            .iter()
            .map(|(currency, records)| CoinHistory { currency, records })
            .collect();
        group.throughput(Throughput::Elements(coins as u64));
        group.bench_with_input(BenchmarkId::new("rows", coins), &histories, |b, h| {
            b.iter(|| dashboard_rows(black_box(last_day()), black_box(h)))
        });
        let rows = dashboard_rows(last_day(), &histories);
        group.bench_with_input(
            BenchmarkId::new("sort_by_market_cap", coins),
            &rows,
            |b, rows| {
                b.iter_batched_ref(
                    || rows.clone(),
                    |rows| sort_rows(rows, OrderBy::MarketCap, SortDirection::Desc),
                    criterion::BatchSize::SmallInput,
                )
            },
        );
        group.bench_with_input(BenchmarkId::new("sort_by_name", coins), &rows, |b, rows| {
            b.iter_batched_ref(
                || rows.clone(),
                |rows| sort_rows(rows, OrderBy::Crypto, SortDirection::Desc),
                criterion::BatchSize::SmallInput,
            )
        });
        // The answer as served: the rows with the frontend's field names.
        let wire: Vec<DashboardRow> = rows.iter().cloned().map(DashboardRow::from).collect();
        group.bench_with_input(BenchmarkId::new("to_json", coins), &wire, |b, rows| {
            b.iter(|| serde_json::to_vec(black_box(rows)).expect("serializes"))
        });
    }
    group.finish();
    c.bench_function("percent/reference_window", |b| {
        b.iter(|| reference_window(black_box(last_day()), &LOOKBACK_DAYS))
    });
}

criterion_group!(benches, dashboard);
criterion_main!(benches);
