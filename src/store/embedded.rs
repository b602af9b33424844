//! The embedded task-definition store: Amazon ECS's semantics in the ecs-lens database — one
//! SQLite file under the data directory (the default, no AWS account needed) or PostgreSQL
//! shared by replicas (`--database-url`); see [`super::database`].
//!
//! - Created and migrated on first open; seeded once, on first open of an empty database,
//!   with [`super::seed`].
//! - Revision numbers come from a per-family counter (`families.last_revision`) bumped in the
//!   same write transaction that inserts the revision (an upsert that locks the family's row):
//!   two concurrent registers of one family — in one process or in two replicas — can never
//!   get the same number, and a number is never handed out twice.
//! - Each revision keeps its register input as JSON text, exactly as given (key order, unknown
//!   fields, `tags` inside); the read-only describe fields are derived from the row.
//! - Timestamps: RFC 3339 text in UTC with milliseconds, made by the database itself inside the
//!   writing statement ([`super::database::Dialect::now`]).

use async_trait::async_trait;
use serde_json::{Map, Value};
use sqlx::{Any, AnyPool, Transaction};

use super::database::{Database, Location};
use super::{
    compatibilities, seed, task_definition_arn, validate_family, validate_register_input, DescribedTaskDefinition,
    FamilySummary, Registered, RevisionState, RevisionSummary, StoreError, TaskDefStatus, TaskDefStore, LOCAL_ACCOUNT,
    LOCAL_REGION,
};

/// How to open an [`EmbeddedStore`].
#[derive(Clone, Debug)]
pub struct EmbeddedOptions {
    /// Refuse register/deregister (the database is still created, migrated and seeded on first
    /// open, so a read-only dashboard shows the seed).
    pub read_only: bool,
    /// Seed an empty database on first open (see [`super::seed`]).
    pub seed: bool,
    /// Region in the task-definition ARNs (default `local`).
    pub region: String,
    /// Account in the ARNs and the seed's registeredBy (default `000000000000`).
    pub account: String,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        EmbeddedOptions { read_only: false, seed: true, region: LOCAL_REGION.into(), account: LOCAL_ACCOUNT.into() }
    }
}

/// The embedded store. Cheap to clone (a pool handle).
#[derive(Clone, Debug)]
pub struct EmbeddedStore {
    db: Database,
    options: EmbeddedOptions,
}

/// A revision row: family, revision, status, input, registered_at, registered_by, deregistered_at.
type Row = (String, i64, String, String, String, String, Option<String>);

/// A revision summary row: revision, status, registered_at, registered_by, deregistered_at.
type SummaryRow = (i64, String, String, String, Option<String>);

const SUMMARY_COLUMNS: &str = "revision, status, registered_at, registered_by, deregistered_at";

const ROW_COLUMNS: &str = "family, revision, status, input, registered_at, registered_by, deregistered_at";

impl EmbeddedStore {
    /// Open (creating, migrating and seeding on first use) `<data_dir>/ecs-lens.db` with the
    /// default options.
    pub async fn open(data_dir: impl AsRef<std::path::Path>) -> Result<EmbeddedStore, StoreError> {
        EmbeddedStore::open_with(&Location::DataDir(data_dir.as_ref().into()), EmbeddedOptions::default()).await
    }

    /// Open the database at `location` (created and migrated if needed) and seed it if empty
    /// and `options.seed`.
    pub async fn open_with(location: &Location, options: EmbeddedOptions) -> Result<EmbeddedStore, StoreError> {
        EmbeddedStore::on(Database::open(location).await?, options).await
    }

    /// The store in an open database (e.g. shared with the audit trail and the drafts).
    pub async fn on(db: Database, options: EmbeddedOptions) -> Result<EmbeddedStore, StoreError> {
        let store = EmbeddedStore { db, options };
        if store.options.seed {
            store.seed_if_empty().await?;
        }
        Ok(store)
    }

    /// The database (what, where).
    pub fn database(&self) -> &Database {
        &self.db
    }

    pub fn options(&self) -> &EmbeddedOptions {
        &self.options
    }

    /// The sqlx pool, for tests and maintenance.
    pub fn pool(&self) -> &AnyPool {
        self.db.pool()
    }

    /// Seed an empty database once: the `seeded` marker and the seed go in in one transaction,
    /// so a second open (or two opening at once) never seeds again. Returns whether it seeded.
    pub async fn seed_if_empty(&self) -> Result<bool, StoreError> {
        let revisions = seed::revisions().map_err(StoreError::unavailable)?;
        let mut tx = self.begin_write().await?;
        let marked = sqlx::query(&format!(
            "INSERT INTO store_meta (key, value) VALUES ('seeded', {}) ON CONFLICT (key) DO NOTHING",
            self.db.now()
        ))
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_error("mark the database as seeded", e))?
        .rows_affected()
            == 1;
        let empty: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM families")
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| self.db_error("count families", e))?;
        if !marked || empty != 0 {
            // Seeded before, or already holds someone's task definitions: leave it alone
            // (the marker, if just written, keeps it that way).
            self.commit(tx).await?;
            return Ok(false);
        }
        let by = format!("arn:aws:iam::{}:user/{}", self.options.account, seed::SEED_USER);
        for r in &revisions {
            let family = r.input.get("family").and_then(Value::as_str).unwrap_or_default();
            self.insert_revision(&mut tx, family, &r.input, &by, Some(r.registered_at), r.deregistered_at).await?;
        }
        self.commit(tx).await?;
        Ok(true)
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        self.db.begin_write().await
    }

    async fn commit(&self, tx: Transaction<'static, Any>) -> Result<(), StoreError> {
        tx.commit().await.map_err(|e| self.db_error("commit", e))
    }

    fn db_error(&self, doing: &str, e: sqlx::Error) -> StoreError {
        self.db.error(doing, e)
    }

    fn refuse_if_read_only(&self) -> Result<(), StoreError> {
        if self.options.read_only {
            return Err(StoreError::ReadOnly {
                message: format!(
                    "the task-definition store ({}) is read-only (started with --read-only): nothing can be registered or deregistered",
                    self.db.name()
                ),
            });
        }
        Ok(())
    }

    /// The register input as stored (read-only fields dropped), checked as ECS would, with its
    /// family; refused on a read-only store.
    fn register_input(&self, input: &Value) -> Result<(String, Value), StoreError> {
        self.refuse_if_read_only()?;
        let input = crate::core::document::register_input(input);
        validate_register_input(&input)?;
        let family = input.get("family").and_then(Value::as_str).unwrap_or_default().to_string();
        Ok((family, input))
    }

    /// Insert the revision in `tx`, commit, and describe it.
    async fn insert_and_describe(
        &self,
        mut tx: Transaction<'static, Any>,
        family: &str,
        input: &Value,
        registered_by: &str,
    ) -> Result<DescribedTaskDefinition, StoreError> {
        let revision = self.insert_revision(&mut tx, family, input, registered_by, None, None).await?;
        self.commit(tx).await?;
        self.describe(family, Some(revision)).await
    }

    /// The family's newest revision above `base`, read in `tx` with the family's row locked
    /// (PostgreSQL; SQLite's write transaction holds the whole database), so that what is
    /// decided from it holds until `tx` ends.
    async fn newer_than(
        &self,
        tx: &mut Transaction<'static, Any>,
        family: &str,
        base: u32,
    ) -> Result<Option<RevisionSummary>, StoreError> {
        let last: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT last_revision FROM families WHERE family = $1{}",
            self.db.dialect().for_update()
        ))
        .bind(family)
        .fetch_optional(&mut **tx)
        .await
        .map_err(|e| self.db_error("read a family", e))?;
        if last.is_none_or(|last| last <= i64::from(base)) {
            return Ok(None);
        }
        let newer = sqlx::query_as::<_, SummaryRow>(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM task_definitions
             WHERE family = $1 AND revision > $2 ORDER BY revision DESC LIMIT 1"
        ))
        .bind(family)
        .bind(i64::from(base))
        .fetch_optional(&mut **tx)
        .await
        .map_err(|e| self.db_error("read the newest revision", e))?;
        newer.map(|row| self.revision_summary(family, row)).transpose()
    }

    fn revision_summary(
        &self,
        family: &str,
        (revision, status, registered_at, registered_by, deregistered_at): SummaryRow,
    ) -> Result<RevisionSummary, StoreError> {
        Ok(RevisionSummary {
            family: family.to_string(),
            revision: to_u32(revision, self.db.name())?,
            status: status_of(&status, self.db.name())?,
            registered_at,
            registered_by,
            deregistered_at,
        })
    }

    /// Take the family's next revision number and insert the revision.
    async fn insert_revision(
        &self,
        tx: &mut Transaction<'static, Any>,
        family: &str,
        input: &Value,
        registered_by: &str,
        registered_at: Option<&str>,
        deregistered_at: Option<&str>,
    ) -> Result<u32, StoreError> {
        let text = serde_json::to_string_pretty(input)
            .map_err(|e| StoreError::invalid("", format!("the task definition cannot be stored as JSON: {e}")))?;
        let revision: i64 = sqlx::query_scalar(
            "INSERT INTO families (family, last_revision) VALUES ($1, 1)
             ON CONFLICT (family) DO UPDATE SET last_revision = families.last_revision + 1
             RETURNING last_revision",
        )
        .bind(family)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| self.db_error("take the next revision number", e))?;
        let status = if deregistered_at.is_some() { "INACTIVE" } else { "ACTIVE" };
        sqlx::query(&format!(
            "INSERT INTO task_definitions (family, revision, status, input, registered_at, registered_by, deregistered_at)
             VALUES ($1, $2, $3, $4, COALESCE($5, {}), $6, $7)",
            self.db.now()
        ))
        .bind(family)
        .bind(revision)
        .bind(status)
        .bind(text)
        .bind(registered_at)
        .bind(registered_by)
        .bind(deregistered_at)
        .execute(&mut **tx)
        .await
        .map_err(|e| self.db_error("insert the revision", e))?;
        u32::try_from(revision)
            .map_err(|_| StoreError::conflict(format!("family `{family}` has run out of revision numbers")))
    }

    async fn fetch_row(&self, family: &str, revision: u32) -> Result<Option<Row>, StoreError> {
        sqlx::query_as::<_, Row>(&format!(
            "SELECT {ROW_COLUMNS} FROM task_definitions WHERE family = $1 AND revision = $2"
        ))
        .bind(family)
        .bind(i64::from(revision))
        .fetch_optional(self.db.pool())
        .await
        .map_err(|e| self.db_error("read a revision", e))
    }

    /// The highest revision number ever handed out for `family` (None: unknown family).
    async fn last_revision(&self, family: &str) -> Result<Option<u32>, StoreError> {
        let last: Option<i64> = sqlx::query_scalar("SELECT last_revision FROM families WHERE family = $1")
            .bind(family)
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| self.db_error("read a family", e))?;
        Ok(last.and_then(|l| u32::try_from(l).ok()))
    }

    fn described(&self, row: Row) -> Result<DescribedTaskDefinition, StoreError> {
        let (family, revision, status, input, registered_at, registered_by, deregistered_at) = row;
        let revision = to_u32(revision, self.db.name())?;
        let input: Value = serde_json::from_str(&input).map_err(|e| {
            StoreError::unavailable(format!(
                "{}: revision {family}:{revision} is not valid JSON ({e}); the database was changed outside ecs-lens",
                self.db.name()
            ))
        })?;
        let Value::Object(input) = input else {
            return Err(StoreError::unavailable(format!(
                "{}: revision {family}:{revision} is not a JSON object",
                self.db.name()
            )));
        };
        let compat = compatibilities(&Value::Object(input.clone()));
        let mut td = Map::with_capacity(input.len() + 8);
        td.insert(
            "taskDefinitionArn".into(),
            Value::String(task_definition_arn(&self.options.region, &self.options.account, &family, revision)),
        );
        let mut tags = Vec::new();
        for (k, v) in input {
            if k == "tags" {
                if let Value::Array(list) = v {
                    tags = list;
                }
            } else if !crate::core::document::READ_ONLY_FIELDS.contains(&k.as_str()) {
                td.insert(k, v);
            }
        }
        td.insert("revision".into(), Value::from(revision));
        td.insert("status".into(), Value::String(status));
        td.insert("requiresAttributes".into(), Value::Array(vec![]));
        td.insert("compatibilities".into(), Value::Array(compat));
        td.insert("registeredAt".into(), Value::String(registered_at));
        td.insert("registeredBy".into(), Value::String(registered_by));
        if let Some(at) = deregistered_at {
            td.insert("deregisteredAt".into(), Value::String(at));
        }
        Ok(DescribedTaskDefinition { task_definition: Value::Object(td), tags })
    }
}

fn to_u32(n: i64, db: &str) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| StoreError::unavailable(format!("{db}: revision number {n} is out of range")))
}

fn status_of(s: &str, db: &str) -> Result<TaskDefStatus, StoreError> {
    TaskDefStatus::parse(s)
        .ok_or_else(|| StoreError::unavailable(format!("{db}: unknown status `{}`", super::shown(s))))
}

#[async_trait]
impl TaskDefStore for EmbeddedStore {
    fn source(&self) -> String {
        self.db.name().to_string()
    }

    fn is_read_only(&self) -> bool {
        self.options.read_only
    }

    async fn list_families(&self) -> Result<Vec<FamilySummary>, StoreError> {
        let rows = sqlx::query_as::<_, (String, i64, i64, Option<i64>, Option<String>, Option<String>)>(
            "SELECT f.family,
                    (SELECT COUNT(*) FROM task_definitions t WHERE t.family = f.family),
                    (SELECT MAX(revision) FROM task_definitions t WHERE t.family = f.family),
                    a.revision, a.registered_at, a.registered_by
             FROM families f
             LEFT JOIN task_definitions a
               ON a.family = f.family
              AND a.revision = (SELECT MAX(revision) FROM task_definitions t
                                WHERE t.family = f.family AND t.status = 'ACTIVE')
             WHERE EXISTS (SELECT 1 FROM task_definitions t WHERE t.family = f.family)",
        )
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| self.db_error("list families", e))?;
        // Ordered here, not in SQL: a PostgreSQL server's collation (en_US…) would order
        // `-` and `_` unlike SQLite; family names are ASCII, so this is the same everywhere.
        let mut families = rows
            .into_iter()
            .map(|(family, count, latest, active, registered_at, registered_by)| {
                Ok(FamilySummary {
                    status: if active.is_some() { TaskDefStatus::Active } else { TaskDefStatus::Inactive },
                    latest_active_revision: active.map(|a| to_u32(a, self.db.name())).transpose()?,
                    registered_at,
                    registered_by,
                    revision_count: to_u32(count, self.db.name())?,
                    latest_revision: to_u32(latest, self.db.name())?,
                    family,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        families.sort_by(|a, b| {
            a.family.to_ascii_lowercase().cmp(&b.family.to_ascii_lowercase()).then_with(|| a.family.cmp(&b.family))
        });
        Ok(families)
    }

    async fn list_all_revisions(&self, family: Option<&str>) -> Result<Vec<RevisionState>, StoreError> {
        let rows = sqlx::query_as::<_, (String, i64, String)>(
            "SELECT family, revision, status FROM task_definitions
             WHERE (CAST($1 AS TEXT) IS NULL OR family = $1)",
        )
        .bind(family)
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| self.db_error("list revisions", e))?;
        let mut out = rows
            .into_iter()
            .map(|(family, revision, status)| {
                let revision = to_u32(revision, self.db.name())?;
                Ok(RevisionState {
                    arn: task_definition_arn(&self.options.region, &self.options.account, &family, revision),
                    revision,
                    status: status_of(&status, self.db.name())?,
                    family,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by(|a, b| a.family.cmp(&b.family).then(a.revision.cmp(&b.revision)));
        Ok(out)
    }

    async fn list_revisions(&self, family: &str) -> Result<Vec<RevisionSummary>, StoreError> {
        let rows = sqlx::query_as::<_, SummaryRow>(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM task_definitions WHERE family = $1 ORDER BY revision"
        ))
        .bind(family)
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| self.db_error("list revisions", e))?;
        if rows.is_empty() {
            return Err(StoreError::family_not_found(family));
        }
        rows.into_iter().map(|row| self.revision_summary(family, row)).collect()
    }

    async fn describe(&self, family: &str, revision: Option<u32>) -> Result<DescribedTaskDefinition, StoreError> {
        let row = match revision {
            Some(r) => self.fetch_row(family, r).await?,
            None => sqlx::query_as::<_, Row>(&format!(
                "SELECT {ROW_COLUMNS} FROM task_definitions
                 WHERE family = $1 AND status = 'ACTIVE' ORDER BY revision DESC LIMIT 1"
            ))
            .bind(family)
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| self.db_error("read the latest ACTIVE revision", e))?,
        };
        if let Some(row) = row {
            return self.described(row);
        }
        Err(match (self.last_revision(family).await?, revision) {
            (None, _) => StoreError::family_not_found(family),
            (Some(last), Some(r)) => StoreError::revision_not_found(family, r, Some(last)),
            (Some(last), None) => StoreError::no_active_revision(family, last),
        })
    }

    async fn register(&self, input: &Value, registered_by: &str) -> Result<DescribedTaskDefinition, StoreError> {
        let (family, input) = self.register_input(input)?;
        let tx = self.begin_write().await?;
        self.insert_and_describe(tx, &family, &input, registered_by).await
    }

    /// The check and the register in one write transaction, so that of two edits from one base
    /// — in one process or in two replicas — exactly one is registered.
    async fn register_from(&self, input: &Value, registered_by: &str, base: u32) -> Result<Registered, StoreError> {
        let (family, input) = self.register_input(input)?;
        let mut tx = self.begin_write().await?;
        if let Some(newer) = self.newer_than(&mut tx, &family, base).await? {
            self.commit(tx).await?;
            return Ok(Registered::Newer(newer));
        }
        self.insert_and_describe(tx, &family, &input, registered_by).await.map(Registered::New)
    }

    /// Deletes INACTIVE rows; the family's `last_revision` stays, so a number is never reused.
    async fn delete(&self, family: &str, revisions: &[u32]) -> Result<Vec<(u32, Result<(), String>)>, StoreError> {
        self.refuse_if_read_only()?;
        validate_family(family)?;
        let mut out = Vec::with_capacity(revisions.len());
        let mut tx = self.begin_write().await?;
        for &r in revisions {
            let status: Option<String> =
                sqlx::query_scalar("SELECT status FROM task_definitions WHERE family = $1 AND revision = $2")
                    .bind(family)
                    .bind(i64::from(r))
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(|e| self.db_error("delete", e))?;
            out.push((
                r,
                match status.as_deref() {
                    None => Err("no such revision".to_string()),
                    Some("ACTIVE") => Err("the revision is ACTIVE: deregister it first".to_string()),
                    Some(_) => {
                        sqlx::query("DELETE FROM task_definitions WHERE family = $1 AND revision = $2")
                            .bind(family)
                            .bind(i64::from(r))
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| self.db_error("delete", e))?;
                        Ok(())
                    }
                },
            ));
        }
        self.commit(tx).await?;
        Ok(out)
    }

    async fn deregister(&self, family: &str, revision: u32) -> Result<DescribedTaskDefinition, StoreError> {
        self.refuse_if_read_only()?;
        validate_family(family)?;
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(&format!(
            "UPDATE task_definitions SET status = 'INACTIVE', deregistered_at = {}
             WHERE family = $1 AND revision = $2 AND status = 'ACTIVE'",
            self.db.now()
        ))
        .bind(family)
        .bind(i64::from(revision))
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_error("deregister", e))?
        .rows_affected();
        self.commit(tx).await?;
        if updated == 1 {
            return self.describe(family, Some(revision)).await;
        }
        match self.fetch_row(family, revision).await? {
            Some(row) => Err(StoreError::conflict(format!(
                "task definition `{}:{revision}` is already INACTIVE (deregistered at {}); only ACTIVE revisions can be deregistered",
                super::shown(family),
                row.6.as_deref().unwrap_or("an unknown time")
            ))),
            None => Err(match self.last_revision(family).await? {
                None => StoreError::family_not_found(family),
                Some(last) => StoreError::revision_not_found(family, revision, Some(last)),
            }),
        }
    }

    /// Close every connection (writes are committed already); SQLite's last one checkpoints
    /// the WAL.
    async fn close(&self) {
        self.db.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::store::test_db::{self, TestDatabase};

    async fn open(db: &TestDatabase, options: EmbeddedOptions) -> EmbeddedStore {
        EmbeddedStore::open_with(&db.location, options).await.unwrap_or_else(|e| panic!("{}: {e}", db.kind))
    }

    async fn open_seeded(db: &TestDatabase) -> EmbeddedStore {
        open(db, EmbeddedOptions::default()).await
    }

    async fn open_empty(db: &TestDatabase) -> EmbeddedStore {
        open(db, EmbeddedOptions { seed: false, ..Default::default() }).await
    }

    #[tokio::test]
    async fn creates_a_wal_database_in_the_data_dir() {
        let db = test_db::sqlite();
        let Location::DataDir(dir) = &db.location else { unreachable!() };
        let data = dir.join("nested/data");
        let store = EmbeddedStore::open(&data).await.unwrap();
        assert!(data.join("ecs-lens.db").is_file());
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(store.pool()).await.unwrap();
        assert_eq!(mode, "wal");
        let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(store.pool()).await.unwrap();
        assert_eq!(timeout, 10_000);
        let fks: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(store.pool()).await.unwrap();
        assert_eq!(fks, 1);
        assert!(store.source().contains("ecs-lens.db"));
    }

    #[tokio::test]
    async fn seeds_once_and_only_an_empty_database() {
        for db in test_db::each().await {
            seeds_once(&db).await;
        }
    }

    async fn seeds_once(db: &TestDatabase) {
        let store = open_seeded(db).await;
        let families = store.list_families().await.unwrap();
        let names: Vec<_> = families.iter().map(|f| f.family.as_str()).collect();
        assert_eq!(names, ["billing-cron", "Datadog", "legacy-worker", "orders-api", "platform-api", "storefront-web"]);
        let datadog = families.iter().find(|f| f.family == "Datadog").unwrap();
        assert_eq!((datadog.latest_active_revision, datadog.revision_count, datadog.latest_revision), (Some(3), 3, 3));
        assert_eq!(datadog.registered_at.as_deref(), Some("2026-10-07T08:45:00.000Z"));
        assert_eq!(datadog.registered_by.as_deref(), Some("arn:aws:iam::000000000000:user/seed"));
        let revs = store.list_revisions("Datadog").await.unwrap();
        assert_eq!(
            revs.iter().map(|r| (r.revision, r.status)).collect::<Vec<_>>(),
            [(1, TaskDefStatus::Inactive), (2, TaskDefStatus::Active), (3, TaskDefStatus::Active)]
        );
        let mut times: Vec<_> = revs.iter().map(|r| r.registered_at.clone()).collect();
        times.dedup();
        assert_eq!(times.len(), 3, "distinct registeredAt");
        // Revision 3 is the seed, losslessly.
        let seed: Value = serde_json::from_str(seed::DATADOG).unwrap();
        let r3 = store.describe("Datadog", None).await.unwrap();
        assert_eq!(r3.revision(), 3);
        assert_eq!(serde_json::to_string(&r3.register_input()).unwrap(), serde_json::to_string(&seed).unwrap());
        let r1 = store.describe("Datadog", Some(1)).await.unwrap();
        assert!(!r1.to_value().to_string().contains("migration-runner"));
        let r2 = store.describe("Datadog", Some(2)).await.unwrap();
        assert!(r2.to_value().to_string().contains("migration-runner"));
        assert!(!r2.to_value().to_string().contains("cws-instrumentation"));
        // Tags on some.
        assert_eq!(store.describe("storefront-web", None).await.unwrap().tags.len(), 2);
        assert!(store.describe("billing-cron", None).await.unwrap().tags.len() == 1);
        assert!(store.describe("legacy-worker", None).await.unwrap().tags.is_empty());
        store.close().await;

        // A second open does not seed again, even after the seed was changed.
        let store = open_seeded(db).await;
        store.deregister("orders-api", 1).await.unwrap();
        store.close().await;
        let store = open_seeded(db).await;
        assert!(!store.seed_if_empty().await.unwrap());
        assert_eq!(store.list_revisions("Datadog").await.unwrap().len(), 3);
        assert_eq!(store.list_revisions("orders-api").await.unwrap().len(), 1);
        assert_eq!(store.list_families().await.unwrap().len(), 6);
    }

    #[tokio::test]
    async fn seeding_leaves_a_database_with_content_alone() {
        for db in test_db::each().await {
            let store = open_empty(&db).await;
            assert!(store.list_families().await.unwrap().is_empty());
            store.register(&json!({"family": "mine", "containerDefinitions": [{"name": "a"}]}), "me").await.unwrap();
            store.close().await;
            let store = open_seeded(&db).await;
            let names: Vec<_> = store.list_families().await.unwrap().into_iter().map(|f| f.family).collect();
            assert_eq!(names, ["mine"], "{}", db.kind);
        }
    }

    #[tokio::test]
    async fn families_are_listed_case_insensitively_in_every_database() {
        for db in test_db::each().await {
            let store = open_empty(&db).await;
            for family in ["b_x", "B-y", "a", "A", "b-x", "Zed"] {
                store
                    .register(&json!({"family": family, "containerDefinitions": [{"name": "a"}]}), "me")
                    .await
                    .unwrap();
            }
            let names: Vec<_> = store.list_families().await.unwrap().into_iter().map(|f| f.family).collect();
            // As SQLite's NOCASE collation orders them (ASCII, case folded), whatever the
            // PostgreSQL server's collation would say about `-` and `_`.
            assert_eq!(names, ["A", "a", "b-x", "B-y", "b_x", "Zed"], "{}", db.kind);
            let at = store.list_revisions("Zed").await.unwrap()[0].registered_at.clone();
            assert!(at.len() == 24 && at.ends_with('Z') && at.as_bytes()[10] == b'T', "{}: {at}", db.kind);
        }
    }

    #[tokio::test]
    async fn revision_numbers_survive_deleted_rows() {
        for db in test_db::each().await {
            revision_numbers_survive(&open_empty(&db).await).await;
        }
    }

    async fn revision_numbers_survive(store: &EmbeddedStore) {
        let input = json!({"family": "gone", "containerDefinitions": [{"name": "a"}]});
        store.register(&input, "me").await.unwrap();
        store.register(&input, "me").await.unwrap();
        // ECS DeleteTaskDefinitions (or someone with the sqlite3 shell) removes the rows.
        sqlx::query("DELETE FROM task_definitions WHERE family = 'gone'").execute(store.pool()).await.unwrap();
        assert!(store.list_families().await.unwrap().is_empty(), "a family without revisions is not listed");
        assert_eq!(store.register(&input, "me").await.unwrap().revision(), 3);
    }

    #[tokio::test]
    async fn read_only_refuses_writes_but_reads() {
        let db = test_db::sqlite();
        let store = open(&db, EmbeddedOptions { read_only: true, ..Default::default() }).await;
        assert!(store.is_read_only());
        assert_eq!(store.list_families().await.unwrap().len(), 6, "seeded even when read-only");
        let input = json!({"family": "x", "containerDefinitions": [{"name": "a"}]});
        let err = store.register(&input, "me").await.unwrap_err();
        assert!(matches!(err, StoreError::ReadOnly { .. }), "{err}");
        assert!(err.to_string().contains("--read-only"));
        assert!(matches!(store.deregister("Datadog", 3).await, Err(StoreError::ReadOnly { .. })));
    }

    #[tokio::test]
    async fn configured_region_and_account_name_the_arns() {
        let db = test_db::sqlite();
        let options =
            EmbeddedOptions { region: "eu-west-1".into(), account: "123456789012".into(), ..Default::default() };
        let store = open(&db, options).await;
        let d = store.describe("Datadog", Some(2)).await.unwrap();
        assert_eq!(d.arn(), "arn:aws:ecs:eu-west-1:123456789012:task-definition/Datadog:2");
        assert_eq!(d.task_definition["registeredBy"], "arn:aws:iam::123456789012:user/seed");
    }

    #[tokio::test]
    async fn corrupt_rows_are_unavailable_not_panics() {
        for db in test_db::each().await {
            corrupt_rows_are_unavailable(&open_empty(&db).await).await;
        }
    }

    async fn corrupt_rows_are_unavailable(store: &EmbeddedStore) {
        let input = json!({"family": "c", "containerDefinitions": [{"name": "a"}]});
        store.register(&input, "me").await.unwrap();
        sqlx::query("UPDATE task_definitions SET input = '{not json' WHERE family = 'c'")
            .execute(store.pool())
            .await
            .unwrap();
        let err = store.describe("c", None).await.unwrap_err();
        assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
        assert!(err.to_string().contains("c:1"), "{err}");
    }

    #[tokio::test]
    async fn an_unopenable_data_dir_is_unavailable() {
        let db = test_db::sqlite();
        let Location::DataDir(dir) = &db.location else { unreachable!() };
        std::fs::create_dir_all(dir).unwrap();
        let file = dir.join("a-file");
        std::fs::write(&file, "x").unwrap();
        let err = EmbeddedStore::open(&file).await.unwrap_err();
        assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
        assert!(err.to_string().contains("a-file"), "{err}");
    }
}
