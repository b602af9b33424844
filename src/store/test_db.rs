//! Fresh, empty databases for tests, of both kinds the ecs-lens database can be (see
//! [`super::database`]): SQLite in a temporary directory, and PostgreSQL — a new database on
//! the server `ECS_LENS_POSTGRES_URL` names (scripts/postgres.sh starts one from Debian's
//! package; scripts/test.sh exports the URL). Without that URL every PostgreSQL test fails,
//! saying so, unless `ECS_LENS_SKIP_POSTGRES=1` is set to skip them on purpose.
//!
//! Used by the unit tests of the store, audit trail and drafts and by tests/store.rs, so that
//! the same checks run against both.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, Executor};

use super::database::Location;

/// A fresh database; a SQLite one's directory is removed when this is dropped (PostgreSQL
/// test databases go with the test server's cluster).
#[derive(Debug)]
pub struct TestDatabase {
    pub location: Location,
    /// `sqlite` or `postgres`, for messages.
    pub kind: &'static str,
    dir: Option<PathBuf>,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// A fresh SQLite data directory.
pub fn sqlite() -> TestDatabase {
    let dir = std::env::temp_dir().join(unique("ecs-lens-test"));
    TestDatabase { location: Location::DataDir(dir.clone()), kind: "sqlite", dir: Some(dir) }
}

/// The test PostgreSQL server's URL (an account that may create databases), or None when
/// PostgreSQL tests are skipped on purpose. Panics, explaining, when it is simply not set.
pub fn postgres_server() -> Option<String> {
    match std::env::var("ECS_LENS_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_string()),
        _ if std::env::var("ECS_LENS_SKIP_POSTGRES").as_deref() == Ok("1") => None,
        _ => panic!(
            "ECS_LENS_POSTGRES_URL is not set: these tests run against a real PostgreSQL server too. Start one with \
             `export ECS_LENS_POSTGRES_URL=$(scripts/postgres.sh start)` (stop it with `scripts/postgres.sh stop`), \
             or set ECS_LENS_SKIP_POSTGRES=1 to skip them on purpose."
        ),
    }
}

/// A fresh, empty PostgreSQL database on the test server (None: skipped on purpose).
pub async fn postgres() -> Option<TestDatabase> {
    let Some(server) = postgres_server() else {
        note_skip("ECS_LENS_SKIP_POSTGRES");
        return None;
    };
    let mut url = url::Url::parse(&server).expect("ECS_LENS_POSTGRES_URL is a URL");
    let name = unique("ecs_lens_test");
    let mut admin = sqlx::PgConnection::connect(url.as_str()).await.unwrap_or_else(|e| {
        panic!("cannot connect to ECS_LENS_POSTGRES_URL ({e}): is it running? (scripts/postgres.sh start)")
    });
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create a test database");
    admin.close().await.ok();
    url.set_path(&name);
    Some(TestDatabase { location: Location::Url(url.to_string()), kind: "postgres", dir: None })
}

/// Say that the running test skipped what `var` (`ECS_LENS_SKIP_POSTGRES`, `ECS_LENS_SKIP_MOTO`)
/// asked it to skip: `SKIPPED <test>: …` on stderr, and a line in the file `ECS_LENS_SKIP_LOG`
/// names, so that scripts/test.sh lists every skip and fails unless skips are explicitly allowed
/// (`ECS_LENS_ALLOW_SKIPS=1`; CI never sets any of these). A skip never passes for a run.
pub fn note_skip(var: &str) {
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    let line = format!("SKIPPED {test}: {var}=1");
    eprintln!("{line}");
    if let Some(path) = std::env::var_os("ECS_LENS_SKIP_LOG") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// One fresh database of each kind (PostgreSQL unless skipped on purpose).
pub async fn each() -> Vec<TestDatabase> {
    let mut all = vec![sqlite()];
    all.extend(postgres().await);
    all
}
