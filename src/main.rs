use std::process::ExitCode;

use clap::Parser;

use krispyto::cli::{Cli, Command};
use krispyto::import::{self, source::Source, Progress};
use krispyto::startup::{AppConfig, Application};
use krispyto::store::Store;
use krispyto::telemetry;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal; a broken one is worth saying.
    if let Err(error) = dotenvy::dotenv() {
        if !error.not_found() {
            eprintln!("warning: .env was not read: {error}");
        }
    }
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", describe(&error));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, joined by ": ", leaving out a cause whose text the message
/// before it already ends with (drivers repeat their cause: "error returned from database:
/// database \"x\" does not exist: database \"x\" does not exist").
fn describe(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if message.ends_with(&text) || message.contains(&format!("({text})")) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let store_options = cli
        .database
        .store_options(matches!(cli.command, Command::Serve(_)));
    match cli.command {
        Command::Serve(args) => {
            telemetry::ACCESS_LOG.set_every(args.server.access_log_sample);
            let sync = args
                .sync
                .periodic_sync()
                .map_err(|reason| anyhow::anyhow!("{reason}"))?;
            let app = Application::build(AppConfig {
                cache: args.cache.settings(),
                server: args.server.settings(),
                writes: args.writes.settings(),
                addr: args.addr,
                store: store_options,
                data: args.data,
                sync,
            })
            .await?;
            app.run_until_stopped().await
        }
        Command::Migrate => {
            let store = Store::connect(&store_options).await?;
            let migrated = store.migrate().await;
            store.close().await;
            migrated?;
            println!("The {} database is up to date.", store.backend());
            Ok(())
        }
        Command::Import(args) => {
            let store = Store::connect(&store_options).await?;
            store.migrate().await?;
            let sources: Vec<Source> = args.paths.iter().map(|p| Source::parse(p)).collect();
            let progress = if args.quiet {
                Progress::Hidden
            } else {
                Progress::Auto
            };
            let options = import::ImportOptions {
                allow_rename: args.allow_rename,
                offline: true,
            };
            let imported = import::import_with(&store, &sources, progress, options).await;
            close_after_one_off(&store).await;
            match imported {
                Ok(report) => {
                    println!("{report}");
                    Ok(())
                }
                Err(error) => Err(anyhow::anyhow!(
                    "{error}\nNothing was imported: the database is unchanged. Fix the input and run the import again."
                )),
            }
        }
        Command::Export(args) => {
            let store = Store::connect(&store_options).await?;
            store.migrate().await?;
            let started = std::time::Instant::now();
            let summary = krispyto::export::run(&store, &args.options()).await;
            close_after_one_off(&store).await;
            let summary = summary.map_err(|e| {
                anyhow::anyhow!("{e}\nThe export was not completed; no partial file is left.")
            })?;
            // stdout may be the export itself: the summary goes to stderr.
            eprintln!(
                "Exported {summary} in {:.2} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Sync(args) => {
            let options = args
                .options()
                .map_err(|reason| anyhow::anyhow!("{reason}"))?;
            let store = Store::connect(&store_options).await?;
            store.migrate().await?;
            let report = krispyto::sync::sync(&store, &options).await;
            close_after_one_off(&store).await;
            let report = report?;
            println!("{report}");
            let failed = report.coins.iter().filter(|c| c.result.is_err()).count();
            anyhow::ensure!(
                failed == 0,
                "{failed} of {} coins were not synced (listed above); run the sync again once \
                 the cause is fixed: what was synced stays",
                report.coins.len()
            );
            Ok(())
        }
        Command::Gen(args) => {
            let options = krispyto::tools::gen::GenOptions {
                coins: args.coins,
                days: args.days,
                seed: args.seed,
                last_day: args.last_day,
            };
            let out = args.out.clone();
            let summary =
                tokio::task::spawn_blocking(move || krispyto::tools::gen::generate(&out, &options))
                    .await?
                    .map_err(|e| {
                        anyhow::anyhow!("cannot generate into {}: {e}", args.out.display())
                    })?;
            println!(
                "Wrote {} files, {} rows, {} to {}, into {}",
                summary.files,
                summary.rows,
                summary.first_day,
                summary.last_day,
                args.out.display()
            );
            Ok(())
        }
        Command::Health(args) => {
            let timeout = std::time::Duration::from_secs(args.timeout_secs.max(1));
            let body = krispyto::tools::healthcheck::check(&args.url(), timeout).await?;
            println!("{}", body.trim());
            Ok(())
        }
    }
}

/// Closes the store's connections before a one-off command exits. On SQLite the last
/// connection to close folds the write-ahead log into the database and deletes it: without it
/// a 7 M-row import left a 2.85 GB `-wal` file beside the 2.8 GB database.
async fn close_after_one_off(store: &Store) {
    store.close().await;
}
