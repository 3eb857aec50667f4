//! The importer's sources (a file, a directory, a zip, an http URL of a zip) and the
//! `krispyto` command line as a user runs it.

use std::io::Write;
use std::process::Command;

use krispyto::import::{self, source::Source, ImportError, Progress};
use krispyto::startup::{AppConfig, Application};

use crate::helpers::{fixtures::coin_file, spawn_app, Backend, TestDatabase};

fn zip_of(files: &[(&str, String)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn two_coins() -> Vec<(&'static str, String)> {
    vec![
        (
            "data/coin_A.csv",
            coin_file("Alpha", "ALP", "2021-07-01", &[1.0, 2.0, 3.0]),
        ),
        (
            "data/coin_B.csv",
            coin_file("Bravo", "BRV", "2021-07-02", &[5.0, 6.0]),
        ),
        ("data/readme.txt", "not a csv".to_owned()),
    ]
}

#[tokio::test]
async fn a_zip_file_and_a_single_csv_file() {
    let app = spawn_app(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("kaggle.zip");
    std::fs::write(&zip_path, zip_of(&two_coins())).unwrap();
    let report = import::import(&app.store, &[Source::Path(zip_path)], Progress::Hidden)
        .await
        .unwrap();
    assert_eq!((report.files, report.summary.inserted), (2, 5));

    let csv_path = dir.path().join("coin_C.csv");
    std::fs::write(&csv_path, coin_file("Charlie", "CHA", "2021-07-01", &[9.0])).unwrap();
    let report = import::import(
        &app.store,
        &[Source::parse(csv_path.to_str().unwrap())],
        Progress::Hidden,
    )
    .await
    .unwrap();
    assert_eq!((report.files, report.summary.inserted), (1, 1));
    assert_eq!(app.store.record_count().await.unwrap(), 6);
}

#[tokio::test]
async fn an_http_url_of_a_zip() {
    let app = spawn_app(Backend::Postgres).await;
    let archive = zip_of(&two_coins());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let files = axum::Router::new().route(
        "/kaggle.zip",
        axum::routing::get(move || async move { archive.clone() }),
    );
    tokio::spawn(async move { axum::serve(listener, files).await });

    let url = format!("http://{addr}/kaggle.zip");
    let report = import::import(&app.store, &[Source::parse(&url)], Progress::Hidden)
        .await
        .unwrap();
    assert_eq!((report.files, report.summary.inserted), (2, 5));

    let missing = format!("http://{addr}/nothing.zip");
    let error = import::import(&app.store, &[Source::parse(&missing)], Progress::Hidden)
        .await
        .unwrap_err();
    assert!(matches!(error, ImportError::Source { .. }), "{error:?}");
    assert!(error.to_string().contains("404"), "{error}");
}

#[tokio::test]
async fn missing_paths_and_empty_directories_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let error = import::import(
        &app.store,
        &[Source::parse("/no/such/dir")],
        Progress::Hidden,
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("/no/such/dir"), "{error}");
    let empty = tempfile::tempdir().unwrap();
    let error = import::import(
        &app.store,
        &[Source::Path(empty.path().to_owned())],
        Progress::Hidden,
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("no .csv files"), "{error}");
}

fn krispyto(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_krispyto"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("krispyto runs")
}

#[tokio::test]
async fn the_command_line_imports_and_reports() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in two_coins() {
        let path = dir.path().join(name.trim_start_matches("data/"));
        std::fs::write(path, body).unwrap();
    }
    let dir_arg = dir.path().to_str().unwrap();

    let first = krispyto(&db.url, &["import", dir_arg]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(stdout.contains("2 coins from 2 files"), "{stdout}");
    assert!(
        stdout.contains("5 rows inserted, 0 updated, 0 unchanged"),
        "{stdout}"
    );
    // The command closes its connections: SQLite folds the write-ahead log into the database
    // and deletes it, rather than leaving it as large as the import beside the file.
    let wal = format!("{}-wal", db.url.trim_start_matches("sqlite://"));
    assert!(
        !std::path::Path::new(&wal).exists(),
        "{wal} is left after the import"
    );

    let again = krispyto(&db.url, &["import", dir_arg]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 rows inserted, 0 updated, 5 unchanged")
    );

    std::fs::write(
        dir.path().join("coin_Z.csv"),
        "Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap\nZed,ZED,2021-07-01,1,2,1,1,1,1\n",
    )
    .unwrap();
    let refused = krispyto(&db.url, &["import", dir_arg]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("coin_Z.csv, line 2, column High"),
        "{stderr}"
    );
    assert!(stderr.contains("Nothing was imported"), "{stderr}");

    let store = db.connect().await;
    assert_eq!(store.record_count().await.unwrap(), 5);

    let migrate = krispyto(&db.url, &["migrate"]);
    assert!(migrate.status.success());
    for command in [
        &["--help"][..],
        &["serve", "--help"],
        &["import", "--help"],
        &["migrate", "--help"],
    ] {
        let help = krispyto(&db.url, command);
        assert!(help.status.success(), "{command:?}");
        assert!(
            String::from_utf8_lossy(&help.stdout).contains("Usage"),
            "{command:?}"
        );
    }
}

#[tokio::test]
async fn serve_imports_data_into_an_empty_database_only() {
    let db = TestDatabase::new(Backend::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.csv"),
        coin_file("Alpha", "ALP", "2021-07-01", &[1.0, 2.0]),
    )
    .unwrap();
    let data = Some(dir.path().to_str().unwrap().to_owned());
    let app = crate::helpers::spawn_app_on(db, data.clone()).await;
    assert_eq!(
        app.get_ok("/dashboard?id=all")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A second server over the same, no longer empty, database does not import again.
    std::fs::write(
        dir.path().join("b.csv"),
        coin_file("Bravo", "BRV", "2021-07-01", &[1.0]),
    )
    .unwrap();
    let second = Application::build(AppConfig {
        addr: "127.0.0.1:0".into(),
        store: app.db.store_options(),
        data,
        cache: Default::default(),
        writes: Default::default(),
        server: Default::default(),
        sync: None,
    })
    .await
    .unwrap();
    assert_eq!(second.store().record_count().await.unwrap(), 2);
    // Asked through the second server itself, whose cache is new: only Alpha is there.
    let address = format!("http://{}", second.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(second.run_until(async {
        let _ = stopped.await;
    }));
    let rows: serde_json::Value = app
        .client
        .get(format!("{address}/dashboard?id=all"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["symbol"], "ALP");
    let bravo = app
        .client
        .get(format!("{address}/search?name=Bravo"))
        .send()
        .await
        .unwrap();
    assert_eq!(bravo.status().as_u16(), 404);
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
