//! CSV parsing throughput: `import::csv::parse_file` on files written by `krispyto gen`.
//!
//!     cargo bench --bench csv_parse

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use krispyto::import::csv::parse_file;
use krispyto::tools::gen::{generate, GenOptions};

/// One generated coin file of `days` rows, as the importer reads it.
fn coin_file(days: u32) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("a temp dir");
    generate(
        dir.path(),
        &GenOptions {
            coins: 1,
            days,
            seed: 42,
            last_day: NaiveDate::from_ymd_opt(2021, 7, 6).expect("a date"),
        },
    )
    .expect("generated");
    let entry = std::fs::read_dir(dir.path())
        .expect("listed")
        .next()
        .expect("one file")
        .expect("an entry");
    std::fs::read(entry.path()).expect("read")
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("csv_parse");
    // 3,650 rows: one coin of the scale data set; 2,991 is Bitcoin's history in the real one.
    for days in [365, 3650] {
        let bytes = coin_file(days);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("parse_file/{days}_rows"), |b| {
            b.iter(|| parse_file(0, "coin_SynthAaa.csv", black_box(&bytes)).expect("parses"))
        });
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
