//! Editor drafts kept on the server: one per user and family, saved as the user types, so
//! that a failed register, a conflict, a reload, another browser or a server restart loses
//! nothing. Kept in the ecs-lens database (see [`super::database`]) whatever the
//! task-definition source.

use serde::{Deserialize, Serialize};

use super::database::{Database, Location};
use super::StoreError;

/// A saved draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    pub family: String,
    /// The revision the edit started from (or was carried over onto).
    pub base_revision: u32,
    pub text: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

/// The drafts in the ecs-lens database.
#[derive(Clone, Debug)]
pub struct Drafts {
    db: Database,
}

/// Drafts larger than this are refused (a task definition is at most 64 KiB for ECS).
pub const MAX_DRAFT_BYTES: usize = 1 << 20;

impl Drafts {
    /// The drafts in the database at `location` (created and migrated if needed).
    pub async fn open(location: &Location) -> Result<Drafts, StoreError> {
        Ok(Drafts::on(Database::open(location).await?))
    }

    /// The drafts in an open (migrated) database, e.g. shared with the audit trail.
    pub fn on(db: Database) -> Drafts {
        Drafts { db }
    }

    /// Save (replace) `user`'s draft of `family`.
    pub async fn save(&self, user: &str, family: &str, base_revision: u32, text: &str) -> Result<(), StoreError> {
        super::validate_family(family)?;
        if text.len() > MAX_DRAFT_BYTES {
            return Err(StoreError::invalid(
                "",
                format!("the draft is {} bytes; at most {MAX_DRAFT_BYTES} are kept", text.len()),
            ));
        }
        sqlx::query(&format!(
            r#"INSERT INTO drafts ("user", family, base_revision, text) VALUES ($1, $2, $3, $4)
               ON CONFLICT ("user", family) DO UPDATE SET base_revision = excluded.base_revision, text = excluded.text,
                   updated_at = {}"#,
            self.db.now()
        ))
        .bind(user)
        .bind(family)
        .bind(i64::from(base_revision.max(1)))
        .bind(text)
        .execute(self.db.pool())
        .await
        .map_err(|e| self.db.error("save the draft", e))?;
        Ok(())
    }

    /// `user`'s draft of `family`, if any.
    pub async fn get(&self, user: &str, family: &str) -> Result<Option<Draft>, StoreError> {
        super::validate_family(family)?;
        let row = sqlx::query(
            r#"SELECT family, base_revision, text, updated_at FROM drafts WHERE "user" = $1 AND family = $2"#,
        )
        .bind(user)
        .bind(family)
        .fetch_optional(self.db.pool())
        .await
        .map_err(|e| self.db.error("read the draft", e))?;
        const READ: &str = "read the draft";
        let db = &self.db;
        row.map(|r| {
            Ok(Draft {
                family: db.column(&r, 0, READ)?,
                base_revision: db.u32_column(&r, 1, READ)?,
                text: db.column(&r, 2, READ)?,
                updated_at: db.column(&r, 3, READ)?,
            })
        })
        .transpose()
    }

    /// Forget `user`'s draft of `family` (after a register, or when the user discards it).
    pub async fn delete(&self, user: &str, family: &str) -> Result<(), StoreError> {
        super::validate_family(family)?;
        sqlx::query(r#"DELETE FROM drafts WHERE "user" = $1 AND family = $2"#)
            .bind(user)
            .bind(family)
            .execute(self.db.pool())
            .await
            .map_err(|e| self.db.error("delete the draft", e))?;
        Ok(())
    }

    pub async fn close(&self) {
        self.db.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drafts_are_per_user_and_family_replaced_and_survive_a_reopen() {
        for db in crate::store::test_db::each().await {
            per_user_and_family(&db.location).await;
        }
    }

    async fn per_user_and_family(location: &Location) {
        let d = Drafts::open(location).await.unwrap();
        assert_eq!(d.get("alice", "web").await.unwrap(), None);
        d.save("alice", "web", 3, "{\"family\": \"web\"}").await.unwrap();
        d.save("alice", "web", 4, "{\"family\": \"web\", \"cpu\": \"256\"}").await.unwrap();
        d.save("bob", "web", 3, "bob's").await.unwrap();
        d.close().await;
        let d = Drafts::open(location).await.unwrap();
        let a = d.get("alice", "web").await.unwrap().unwrap();
        assert_eq!((a.base_revision, a.text.as_str()), (4, "{\"family\": \"web\", \"cpu\": \"256\"}"));
        assert!(a.updated_at.len() == 24 && a.updated_at.ends_with('Z'), "{}", a.updated_at);
        assert_eq!(d.get("bob", "web").await.unwrap().unwrap().text, "bob's");
        assert_eq!(d.get("alice", "other").await.unwrap(), None);
        d.delete("alice", "web").await.unwrap();
        assert_eq!(d.get("alice", "web").await.unwrap(), None);
        assert!(d.get("bob", "web").await.unwrap().is_some(), "only alice's went");
        let big = "x".repeat(MAX_DRAFT_BYTES + 1);
        assert!(matches!(d.save("alice", "web", 1, &big).await, Err(StoreError::Invalid { .. })));
        // The family is a family name (ECS's rule), whatever a client sends.
        for bad in ["", "web/../x", "a b", &"x".repeat(256)] {
            assert!(matches!(d.save("alice", bad, 1, "{}").await, Err(StoreError::Invalid { .. })), "{bad:?}");
            assert!(matches!(d.get("alice", bad).await, Err(StoreError::Invalid { .. })), "{bad:?}");
            assert!(matches!(d.delete("alice", bad).await, Err(StoreError::Invalid { .. })), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn a_corrupt_row_is_an_error_not_a_panic() {
        // A revision no ECS revision can be (a damaged or hand-edited database): an error that
        // says so, not a silent 1 as before.
        let db = crate::store::test_db::sqlite();
        let d = Drafts::open(&db.location).await.unwrap();
        d.save("alice", "web", 3, "{}").await.unwrap();
        sqlx::query("UPDATE drafts SET base_revision = 5000000000").execute(d.db.pool()).await.unwrap();
        let err = d.get("alice", "web").await.unwrap_err();
        assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
        assert!(err.to_string().contains("cannot read the draft: 5000000000 is out of range"), "{err}");
    }
}
