//! The database behind the embedded task-definition store, the audit trail and the drafts:
//! - by default one SQLite file, `<data-dir>/ecs-lens.db` (WAL journal, so pages read while
//!   something registers);
//! - with `--database-url postgres://…`, a PostgreSQL database that several ecs-lens replicas
//!   share (they see each other's registrations, audit entries and drafts).
//!
//! Every query is written once, through sqlx's `Any` driver: `$1`-style parameters (SQLite
//! accepts them too), identifiers quoted where PostgreSQL reserves them (`"user"`), and the
//! two places the dialects differ — "now" as RFC 3339 text and how a write transaction
//! begins — come from [`Dialect`]. The schema is created by sqlx migrations with the same
//! versions and names for both (`migrations/sqlite`, `migrations/postgres`; a test checks
//! that they define the same tables and columns); PostgreSQL migrations take an advisory
//! lock, so replicas starting together migrate once.

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyPool, ConnectOptions, Connection, Executor, Transaction};

use super::StoreError;

/// How long a query waits for a pooled connection before it fails (a database that went away).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "ecs-lens.db";

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Where the database is: `--data-dir` (SQLite) or `--database-url` (PostgreSQL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    DataDir(PathBuf),
    Url(String),
}

impl Location {
    /// `--database-url` when given, else the data directory.
    pub fn new(data_dir: &Path, database_url: Option<&str>) -> Location {
        match database_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Location::Url(url.to_string()),
            None => Location::DataDir(data_dir.to_path_buf()),
        }
    }
}

/// The SQL dialect of an open database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// An SQL expression for "now" as the stores write it: RFC 3339 in UTC with milliseconds
    /// (`2026-10-07T08:45:00.000Z`, fixed width, so it sorts chronologically as text). Made by
    /// the database, so replicas with skewed clocks still write one timeline.
    pub fn now(self) -> &'static str {
        match self {
            Dialect::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            Dialect::Postgres => r#"to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#,
        }
    }

    /// "now" plus `seconds`, as [`Dialect::now`] writes it (a lease's end).
    pub fn now_plus(self, seconds: u32) -> String {
        match self {
            Dialect::Sqlite => format!("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+{seconds} seconds')"),
            Dialect::Postgres => format!(
                r#"to_char((clock_timestamp() + interval '{seconds} seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#
            ),
        }
    }

    /// Appended to a SELECT of rows a write transaction is about to decide on: PostgreSQL
    /// locks them until the transaction ends; SQLite's IMMEDIATE transaction already holds
    /// the database's write lock.
    pub fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// How a write transaction begins. SQLite: IMMEDIATE takes the write lock up front
    /// (waiting up to the busy timeout), so no transaction fails halfway upgrading a read
    /// lock. PostgreSQL: the row locks the writes take are enough (READ COMMITTED).
    fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }
}

/// An open, migrated database. Cheap to clone (a pool handle).
#[derive(Clone, Debug)]
pub struct Database {
    pool: AnyPool,
    dialect: Dialect,
    /// For messages: `SQLite database <path>` or `PostgreSQL database postgres://user@host/db`
    /// (never the password).
    name: String,
}

/// The drivers `Any` may pick from, registered once per process.
fn install_drivers() {
    static ONCE: Once = Once::new();
    ONCE.call_once(sqlx::any::install_default_drivers);
}

impl Database {
    /// Open (creating and migrating) the database at `location`.
    pub async fn open(location: &Location) -> Result<Database, StoreError> {
        install_drivers();
        match location {
            Location::DataDir(dir) => Database::open_sqlite(dir).await,
            Location::Url(url) => Database::open_postgres(url).await,
        }
    }

    async fn open_sqlite(dir: &Path) -> Result<Database, StoreError> {
        let path = dir.join(DB_FILE);
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::unavailable(format!(
                "cannot create the data directory {}: {e} (choose another with --data-dir)",
                dir.display()
            ))
        })?;
        // The URL sqlx's SQLite driver reads back (mode=rwc: create if missing; the path
        // percent-encoded). WAL and foreign keys are the driver's defaults; the rest is set
        // on every new connection below.
        let url = SqliteConnectOptions::new().filename(&path).create_if_missing(true).to_url_lossy();
        let name = format!("SQLite database {}", path.display());
        let pool = pool_options()
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    Ok(())
                })
            })
            .connect_with(quiet(AnyConnectOptions::from_url(&url).map_err(|e| unavailable_open(&name, e, ""))?))
            .await
            .map_err(|e| {
                unavailable_open(&name, e, " (check that the directory is writable, or choose another with --data-dir)")
            })?;
        let db = Database { pool, dialect: Dialect::Sqlite, name };
        db.migrate(&SQLITE_MIGRATIONS, "--data-dir").await?;
        Ok(db)
    }

    async fn open_postgres(url: &str) -> Result<Database, StoreError> {
        let parsed = url::Url::parse(url).map_err(|e| {
            StoreError::unavailable(format!(
                "--database-url is not a URL ({e}); expected postgres://user:password@host:5432/database"
            ))
        })?;
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            return Err(StoreError::unavailable(format!(
                "--database-url must be a PostgreSQL URL (postgres://user:password@host:5432/database), not `{}:`; \
                 for SQLite use --data-dir",
                parsed.scheme()
            )));
        }
        let name = format!("PostgreSQL database {}", without_password(&parsed));
        let options = quiet(AnyConnectOptions::from_url(&parsed).map_err(|e| unavailable_open(&name, e, ""))?);
        let hint = " (check --database-url, that the server runs and lets you in)";
        // One connection first, so that a refused connection, a wrong password or a missing
        // database is reported as such at once (the pool would retry until its timeout and
        // say only that it timed out).
        let first = tokio::time::timeout(Duration::from_secs(15), sqlx::AnyConnection::connect_with(&options))
            .await
            .map_err(|_| unavailable_open(&name, "no answer within 15 s", hint))?
            .map_err(|e| unavailable_open(&name, e, hint))?;
        first.close().await.ok();
        let pool = pool_options().connect_with(options).await.map_err(|e| unavailable_open(&name, e, hint))?;
        let db = Database { pool, dialect: Dialect::Postgres, name };
        db.migrate(&POSTGRES_MIGRATIONS, "--database-url").await?;
        Ok(db)
    }

    async fn migrate(&self, migrator: &Migrator, option: &str) -> Result<(), StoreError> {
        migrator.run(&self.pool).await.map_err(|e| {
            let hint = match e {
                sqlx::migrate::MigrateError::VersionMissing(_) => {
                    format!(" (the database was written by a newer ecs-lens; use that version or another {option})")
                }
                _ => String::new(),
            };
            StoreError::unavailable(format!("cannot migrate the {}: {e}{hint}", self.name))
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// What and where, for messages (no password).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// See [`Dialect::now`].
    pub fn now(&self) -> &'static str {
        self.dialect.now()
    }

    /// Begin a transaction that writes (see [`Dialect::begin_write`]).
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        self.pool.begin_with(self.dialect.begin_write()).await.map_err(|e| self.error("start a write transaction", e))
    }

    /// A database error while doing something, naming the database.
    pub fn error(&self, doing: &str, e: sqlx::Error) -> StoreError {
        let cause = match e {
            // The pool's own words hide why: say what it means.
            sqlx::Error::PoolTimedOut => format!(
                "no connection within {} s — the database does not answer (is it running and reachable?)",
                ACQUIRE_TIMEOUT.as_secs()
            ),
            e => e.to_string(),
        };
        StoreError::unavailable(format!("{}: cannot {doing}: {cause}", self.name))
    }

    /// Column `index` of `row`: a missing column or a value of another type is an error that
    /// names the database and what was being done, never a panic.
    pub fn column<'r, T>(&self, row: &'r sqlx::any::AnyRow, index: usize, doing: &str) -> Result<T, StoreError>
    where
        T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
    {
        use sqlx::Row;
        row.try_get(index).map_err(|e| self.error(doing, e))
    }

    /// A number column that must fit a `u32` (a revision): out of range is an error, not 0.
    pub fn u32_column(&self, row: &sqlx::any::AnyRow, index: usize, doing: &str) -> Result<u32, StoreError> {
        let n: i64 = self.column(row, index, doing)?;
        u32::try_from(n)
            .map_err(|_| StoreError::unavailable(format!("{}: cannot {doing}: {n} is out of range", self.name)))
    }

    /// A JSON list of strings kept in a text column: malformed JSON is an error, not an empty list.
    pub fn string_list_column(
        &self,
        row: &sqlx::any::AnyRow,
        index: usize,
        doing: &str,
    ) -> Result<Vec<String>, StoreError> {
        let text: String = self.column(row, index, doing)?;
        serde_json::from_str(&text).map_err(|e| {
            StoreError::unavailable(format!(
                "{}: cannot {doing}: column {index} is not a JSON list of strings ({e})",
                self.name
            ))
        })
    }

    /// Close every connection (writes are committed already).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The pool settings both kinds of database share.
fn pool_options() -> AnyPoolOptions {
    AnyPoolOptions::new().max_connections(8).acquire_timeout(ACQUIRE_TIMEOUT)
}

/// Statements carry no values (everything is bound), but keep the logs quiet anyway.
fn quiet(options: AnyConnectOptions) -> AnyConnectOptions {
    options.disable_statement_logging()
}

fn unavailable_open(name: &str, e: impl std::fmt::Display, hint: &str) -> StoreError {
    StoreError::unavailable(format!("cannot open the {name}: {e}{hint}"))
}

/// The URL as shown to people: the password, if any, replaced by `***`.
fn without_password(url: &url::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_wins_over_the_data_dir_and_blank_is_none() {
        let dir = Path::new("/data");
        assert_eq!(Location::new(dir, None), Location::DataDir(dir.into()));
        assert_eq!(Location::new(dir, Some("  ")), Location::DataDir(dir.into()));
        assert_eq!(Location::new(dir, Some("postgres://h/db")), Location::Url("postgres://h/db".into()));
    }

    #[test]
    fn passwords_are_never_shown() {
        let url = url::Url::parse("postgres://ecs:s3cret-pw@db.internal:5432/lens?sslmode=require").unwrap();
        let shown = without_password(&url);
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert_eq!(shown, "postgres://ecs:***@db.internal:5432/lens?sslmode=require");
    }

    #[tokio::test]
    async fn bad_urls_are_clear_errors_without_the_password() {
        let err = Database::open(&Location::Url("mysql://u:pw@h/db".into())).await.unwrap_err().to_string();
        assert!(err.contains("PostgreSQL URL") && err.contains("mysql:"), "{err}");
        let err = Database::open(&Location::Url("not a url".into())).await.unwrap_err().to_string();
        assert!(err.contains("--database-url is not a URL"), "{err}");
        // Nothing listens on port 1: refused at once, named, password masked.
        let err =
            Database::open(&Location::Url("postgres://u:hunter2@127.0.0.1:1/db".into())).await.unwrap_err().to_string();
        assert!(err.contains("postgres://u:***@127.0.0.1:1/db"), "{err}");
        assert!(err.to_lowercase().contains("refused"), "the cause, not a pool timeout: {err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    /// The tables and columns (name, nullability) each dialect's migrations make.
    async fn schema(db: &Database) -> Vec<(String, String, i64)> {
        let sql = match db.dialect() {
            // A rowid primary key (the audit log's id) cannot be NULL whatever it declares.
            Dialect::Sqlite => {
                r#"SELECT m.name, p.name, CAST(p."notnull" = 0 AND p.pk = 0 AS BIGINT)
                   FROM sqlite_master m, pragma_table_info(m.name) p
                   WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '\_sqlx%' ESCAPE '\'"#
            }
            Dialect::Postgres => {
                r#"SELECT table_name::text, column_name::text, CAST(CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS BIGINT)
                   FROM information_schema.columns
                   WHERE table_schema = 'public' AND table_name NOT LIKE '\_sqlx%' ESCAPE '\'"#
            }
        };
        let mut columns: Vec<(String, String, i64)> = sqlx::query_as(sql).fetch_all(db.pool()).await.unwrap();
        columns.sort();
        columns
    }

    #[tokio::test]
    async fn both_dialects_make_the_same_tables_and_columns() {
        let sqlite = crate::store::test_db::sqlite();
        let sqlite = Database::open(&sqlite.location).await.unwrap();
        let Some(pg) = crate::store::test_db::postgres().await else { return };
        let pg = Database::open(&pg.location).await.unwrap();
        let (a, b) = (schema(&sqlite).await, schema(&pg).await);
        assert!(a.len() >= 20, "{a:?}");
        assert_eq!(a, b, "the SQLite and PostgreSQL migrations must define the same schema");
    }

    #[test]
    fn both_dialects_have_the_same_migrations() {
        let names = |m: &Migrator| m.iter().map(|m| (m.version, m.description.to_string())).collect::<Vec<_>>();
        assert_eq!(names(&SQLITE_MIGRATIONS), names(&POSTGRES_MIGRATIONS));
        assert!(SQLITE_MIGRATIONS.iter().count() >= 3);
    }
}
