//! The audit trail: every register and deregister done through ecs-lens (dashboard or CLI),
//! with who, when, where, which revision it started from, what changed and how the findings
//! moved. Kept in the ecs-lens database (see [`super::database`]) whatever the
//! task-definition source, append-only. Never holds a secret value: changes are
//! described by path, findings by rule id.

use serde::{Deserialize, Serialize};

use super::database::{Database, Location};
use super::StoreError;

/// One entry, as recorded: what was recorded, with its id and time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    #[serde(flatten)]
    pub entry: NewAuditEntry,
}

/// What to record (the database adds the id and the time).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAuditEntry {
    pub user: String,
    /// `register`, `deregister`, `migrate-secrets`, `delete` (a purge) or `note`.
    pub action: String,
    /// `local`, or `aws:<region>`.
    pub source: String,
    pub family: String,
    pub revision: u32,
    /// The revision an edit started from.
    pub base_revision: Option<u32>,
    /// "Added · container app › secrets › DD_API_KEY", … (no values).
    pub changes: Vec<String>,
    /// Rule ids of the findings the change resolved / introduced.
    pub resolved: Vec<String>,
    pub introduced: Vec<String>,
}

/// The audit trail in the ecs-lens database.
#[derive(Clone, Debug)]
pub struct AuditLog {
    db: Database,
}

impl AuditLog {
    /// The audit trail in the database at `location` (created and migrated if needed).
    pub async fn open(location: &Location) -> Result<AuditLog, StoreError> {
        Ok(AuditLog::on(Database::open(location).await?))
    }

    /// The audit trail in an open (migrated) database, e.g. shared with the drafts.
    pub fn on(db: Database) -> AuditLog {
        AuditLog { db }
    }

    /// The database it is in (notes and the mirror share it).
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Append one entry; its id.
    pub async fn record(&self, e: &NewAuditEntry) -> Result<i64, StoreError> {
        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        let row = sqlx::query(
            r#"INSERT INTO audit_log ("user", action, source, family, revision, base_revision, changes, resolved, introduced)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"#,
        )
        .bind(&e.user)
        .bind(&e.action)
        .bind(&e.source)
        .bind(&e.family)
        .bind(i64::from(e.revision))
        .bind(e.base_revision.map(i64::from))
        .bind(json(&e.changes))
        .bind(json(&e.resolved))
        .bind(json(&e.introduced))
        .fetch_one(self.db.pool())
        .await
        .map_err(|err| self.db.error("write to the audit trail", err))?;
        self.db.column(&row, 0, "write to the audit trail")
    }

    /// The newest `limit` entries (of `family`, or of all), newest first.
    pub async fn list(&self, family: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.list_from(family, limit, 0).await
    }

    /// How many entries there are (of `family`, or of all).
    pub async fn count(&self, family: Option<&str>) -> Result<u64, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE (CAST($1 AS TEXT) IS NULL OR family = $1)")
                .bind(family)
                .fetch_one(self.db.pool())
                .await
                .map_err(|err| self.db.error("read the audit trail", err))?;
        Ok(n.max(0) as u64)
    }

    /// [`Self::list`], skipping the newest `offset` entries (a page of the audit log).
    pub async fn list_from(
        &self,
        family: Option<&str>,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            r#"SELECT id, at, "user", action, source, family, revision, base_revision, changes, resolved, introduced
               FROM audit_log WHERE (CAST($1 AS TEXT) IS NULL OR family = $1) ORDER BY id DESC LIMIT $2 OFFSET $3"#,
        )
        .bind(family)
        .bind(i64::from(limit))
        .bind(offset as i64)
        .fetch_all(self.db.pool())
        .await
        .map_err(|err| self.db.error("read the audit trail", err))?;
        const READ: &str = "read the audit trail";
        let db = &self.db;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: db.column(r, 0, READ)?,
                    at: db.column(r, 1, READ)?,
                    entry: NewAuditEntry {
                        user: db.column(r, 2, READ)?,
                        action: db.column(r, 3, READ)?,
                        source: db.column(r, 4, READ)?,
                        family: db.column(r, 5, READ)?,
                        revision: db.u32_column(r, 6, READ)?,
                        base_revision: db
                            .column::<Option<i64>>(r, 7, READ)?
                            .map(|b| {
                                u32::try_from(b).map_err(|_| {
                                    StoreError::unavailable(format!(
                                        "{}: cannot {READ}: base revision {b} is out of range",
                                        db.name()
                                    ))
                                })
                            })
                            .transpose()?,
                        changes: db.string_list_column(r, 8, READ)?,
                        resolved: db.string_list_column(r, 9, READ)?,
                        introduced: db.string_list_column(r, 10, READ)?,
                    },
                })
            })
            .collect()
    }

    pub async fn close(&self) {
        self.db.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn entries_are_appended_and_listed_newest_first_and_survive_a_reopen() {
        for db in crate::store::test_db::each().await {
            appended_listed_and_kept(&db.location).await;
        }
    }

    async fn appended_listed_and_kept(location: &Location) {
        let log = AuditLog::open(location).await.unwrap();
        assert!(log.list(None, 10).await.unwrap().is_empty());
        let first = NewAuditEntry {
            user: "alice@example.com".into(),
            action: "register".into(),
            source: "local".into(),
            family: "web".into(),
            revision: 2,
            base_revision: Some(1),
            changes: vec!["movedToSecrets · container app › environment › DB_PASSWORD".into()],
            resolved: vec!["SEC001".into()],
            introduced: vec![],
        };
        let id1 = log.record(&first).await.unwrap();
        let id2 = log
            .record(&NewAuditEntry { action: "deregister".into(), revision: 1, base_revision: None, ..first.clone() })
            .await
            .unwrap();
        log.record(&NewAuditEntry { family: "other".into(), ..first.clone() }).await.unwrap();
        assert!(id2 > id1);
        log.close().await;
        let log = AuditLog::open(location).await.unwrap();
        let web = log.list(Some("web"), 10).await.unwrap();
        assert_eq!(web.iter().map(|e| e.entry.action.as_str()).collect::<Vec<_>>(), ["deregister", "register"]);
        let (reg, at) = (&web[1].entry, &web[1].at);
        assert_eq!((reg.user.as_str(), reg.revision, reg.base_revision), ("alice@example.com", 2, Some(1)));
        assert_eq!(reg.resolved, ["SEC001"]);
        assert!(reg.changes[0].contains("DB_PASSWORD"));
        assert!(at.len() == 24 && at.ends_with('Z') && at.as_bytes()[10] == b'T', "RFC 3339 with milliseconds: {at}");
        assert_eq!(log.list(None, 2).await.unwrap().len(), 2, "limit");
        assert_eq!(log.list(None, 10).await.unwrap()[0].entry.family, "other");
    }
}
