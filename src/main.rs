use std::process::ExitCode;

use clap::Parser;

use krispyto::cli::{Cli, Command};
use krispyto::import::{self, source::Source, Progress};
use krispyto::startup::{AppConfig, Application, WriteSettings};
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
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let store_options = cli.database.store_options();
    match cli.command {
        Command::Serve(args) => {
            let app = Application::build(AppConfig {
                cache: args.cache_settings(),
                writes: WriteSettings {
                    api_keys: args.api_keys,
                    max_body_bytes: args.max_body_bytes,
                },
                addr: args.addr,
                store: store_options,
                data: args.data,
            })
            .await?;
            app.run_until_stopped().await
        }
        Command::Migrate => {
            let store = Store::connect(&store_options).await?;
            store.migrate().await?;
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
            match import::import(&store, &sources, progress).await {
                Ok(report) => {
                    println!("{report}");
                    Ok(())
                }
                Err(error) => Err(anyhow::anyhow!(
                    "{error}\nNothing was imported: the database is unchanged. Fix the input and run the import again."
                )),
            }
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
