//! What the command line says when the database or Redis is misconfigured or down: the wrong
//! part named, the root cause kept, and never a password.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::helpers::postgres_admin_url;

const SECRET: &str = "S3cretPassw0rd";

fn krispyto(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_krispyto"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .current_dir(std::env::temp_dir());
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("krispyto runs")
}

/// `krispyto migrate` against `url`: fails, and its stderr.
fn migrate_error(url: &str) -> String {
    let output = krispyto(&["--database-url", url, "migrate"], &[]);
    assert!(!output.status.success(), "migrate against {url} succeeded");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains(SECRET), "the password leaked: {stderr}");
    assert!(
        !stderr.contains(&SECRET.replace('0', "%30")),
        "the encoded password leaked: {stderr}"
    );
    stderr
}

#[test]
fn a_bad_parameter_is_named_without_the_password() {
    let stderr = migrate_error(&format!(
        "postgres://u:{SECRET}@127.0.0.1:5432/db?sslmode=bogus"
    ));
    assert!(stderr.contains("sslmode"), "{stderr}");
    assert!(stderr.contains("bogus"), "{stderr}");
    assert!(!stderr.contains("not supported"), "{stderr}");
}

#[test]
fn a_bad_port_is_named_without_the_password() {
    let stderr = migrate_error(&format!("postgres://u:{SECRET}@127.0.0.1:99999/db"));
    assert!(stderr.contains("port"), "{stderr}");
}

#[test]
fn another_scheme_is_named_without_the_password() {
    let stderr = migrate_error(&format!("mysql://u:{SECRET}@127.0.0.1/db"));
    assert!(stderr.contains("scheme 'mysql'"), "{stderr}");
    // A percent-encoded password is hidden too.
    migrate_error(&format!(
        "postgres://u:{}@127.0.0.1:5432/db?sslmode=bogus",
        SECRET.replace('0', "%30")
    ));
}

#[test]
fn a_refused_connection_says_so_once() {
    // Port 1 on the loopback: nothing listens there, so the kernel refuses at once.
    let stderr = migrate_error(&format!("postgres://u:{SECRET}@127.0.0.1:1/db"));
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
    assert!(stderr.to_lowercase().contains("refused"), "{stderr}");
    assert!(!stderr.contains("pool timed out"), "{stderr}");
}

#[test]
fn a_missing_database_says_how_to_create_it() {
    let admin = postgres_admin_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    let name = format!("krispyto_missing_{}", std::process::id());
    let stderr = migrate_error(&format!("{base}/{name}"));
    assert_eq!(stderr.matches("does not exist").count(), 1, "{stderr}");
    assert!(stderr.contains("createdb"), "{stderr}");
    assert!(stderr.contains(&name), "{stderr}");
}

#[test]
fn help_does_not_show_the_database_url_from_the_environment() {
    let url = format!("postgres://u:{SECRET}@127.0.0.1/db");
    let output = krispyto(
        &["serve", "--help"],
        &[
            ("DATABASE_URL", url.as_str()),
            ("REDIS_URL", &format!("redis://:{SECRET}@127.0.0.1:1/0")),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("--database-url"), "{stdout}");
    assert!(!stdout.contains(SECRET), "{stdout}");
}

#[test]
fn a_malformed_redis_url_is_refused_without_its_password() {
    let db = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", db.path().join("k.db").display());
    let output = krispyto(
        &["--database-url", &url, "serve", "--addr", "127.0.0.1:0"],
        &[(
            "REDIS_URL",
            &format!("redis://:{SECRET}@127.0.0.1:notaport/0"),
        )],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("REDIS_URL"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
}

#[test]
fn an_unreachable_redis_is_logged_without_its_password() {
    let db = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", db.path().join("k.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_krispyto"))
        .args(["--database-url", &url, "serve", "--addr", "127.0.0.1:0"])
        .env("REDIS_URL", format!("redis://:{SECRET}@127.0.0.1:1/0"))
        .env("RUST_LOG", "debug")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut lines = Vec::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let serving = line.contains("krispyto is serving");
            lines.push(line);
            if serving {
                break;
            }
        }
        lines
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !reader.is_finished() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let lines = reader.join().unwrap();
    let log = lines.join("\n");
    assert!(log.contains("krispyto is serving"), "{log}");
    assert!(log.contains("Redis"), "{log}");
    assert!(!log.contains(SECRET), "{log}");
}
