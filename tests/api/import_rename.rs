//! An import never renames a stored coin unless asked to: a file whose symbol is a real
//! coin's under another name (a synthetic data set, a typo) would otherwise rename that coin
//! and overwrite its rows.

use krispyto::import::{self, source::Source, ImportError, ImportOptions, Progress};

use crate::helpers::fixtures::coin_file;
use crate::helpers::{spawn_app, Backend};
use crate::on_both_stores;

async fn a_file_renaming_a_coin_is_refused_unless_allowed(backend: Backend) {
    let app = spawn_app(backend).await;
    app.import_files(&[(
        "coin_Cardano.csv",
        coin_file("Cardano", "ADA", "2021-07-01", &[1.0, 2.0, 3.0]),
    )])
    .await
    .unwrap();
    let before = app.get_ok("/api/v1/coins/ADA").await;

    let impostor = coin_file("SynthAda", "ADA", "2021-07-02", &[50.0, 60.0]);
    let error = app
        .import_files(&[("coin_SynthAda.csv", impostor.clone())])
        .await
        .unwrap_err();
    match &error {
        ImportError::Row {
            file,
            line,
            column,
            reason,
        } => {
            assert!(file.ends_with("coin_SynthAda.csv"), "{file}");
            assert_eq!((*line, column.as_str()), (2, "Name"));
            assert!(reason.contains("Cardano"), "{reason}");
            assert!(reason.contains("--allow-rename"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // Nothing was written: the name and every row are as they were.
    assert_eq!(app.get_ok("/api/v1/coins/ADA").await, before);
    let history = app.get_ok("/api/v1/coins/ADA/history").await;
    let closes: Vec<f64> = history["candles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["close"].as_f64().unwrap())
        .collect();
    assert_eq!(closes, [1.0, 2.0, 3.0]);

    // Asked for: the rename goes through.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("coin_SynthAda.csv"), impostor).unwrap();
    let report = import::import_with(
        &app.store,
        &[Source::Path(dir.path().to_owned())],
        Progress::Hidden,
        ImportOptions {
            allow_rename: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(report.summary.coins_renamed, 1);
    assert_eq!(report.summary.updated, 2);
    app.data_changed().await;
    let after = app.get_ok("/api/v1/coins/ADA").await;
    assert_eq!(after["name"], "SynthAda");
}

on_both_stores!(a_file_renaming_a_coin_is_refused_unless_allowed);
