//! Revision notes: a short plain-text note per revision (why it exists, a ticket link),
//! written by editors, shown on the revision, family, history and compare pages, searchable,
//! kept in the audit trail. In the ecs-lens database, per source.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::database::Database;
use super::StoreError;

/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub text: String,
    pub written_by: String,
    pub written_at: String,
}

#[derive(Clone, Debug)]
pub struct Notes {
    db: Database,
}

const READ: &str = "read the notes";
const WRITE: &str = "write a note";

/// The note as it is kept: trimmed, control characters (but newlines) removed; refused when
/// empty or too long.
pub fn clean(text: &str) -> Result<String, StoreError> {
    let text: String = text.trim().chars().filter(|c| !c.is_control() || *c == '\n').collect();
    let n = text.chars().count();
    if n > MAX_NOTE_CHARS {
        return Err(StoreError::invalid(
            "",
            format!("a note is at most {MAX_NOTE_CHARS} characters; this one has {n}"),
        ));
    }
    Ok(text)
}

impl Notes {
    pub fn on(db: Database) -> Notes {
        Notes { db }
    }

    /// The note in columns `at..at + 3` (text, written_by, written_at) of a row.
    fn note_at(&self, r: &sqlx::any::AnyRow, at: usize) -> Result<Note, StoreError> {
        let db = &self.db;
        Ok(Note {
            text: db.column(r, at, READ)?,
            written_by: db.column(r, at + 1, READ)?,
            written_at: db.column(r, at + 2, READ)?,
        })
    }

    /// Write (or, with an empty text, remove) the note of a revision.
    pub async fn set(
        &self,
        source: &str,
        family: &str,
        revision: u32,
        text: &str,
        by: &str,
    ) -> Result<String, StoreError> {
        let text = clean(text)?;
        if text.is_empty() {
            sqlx::query("DELETE FROM revision_notes WHERE source = $1 AND family = $2 AND revision = $3")
                .bind(source)
                .bind(family)
                .bind(i64::from(revision))
                .execute(self.db.pool())
                .await
                .map_err(|e| self.db.error(WRITE, e))?;
            return Ok(text);
        }
        let now = self.db.now();
        sqlx::query(&format!(
            "INSERT INTO revision_notes (source, family, revision, text, written_by, written_at)
             VALUES ($1, $2, $3, $4, $5, {now})
             ON CONFLICT (source, family, revision) DO UPDATE SET
                 text = excluded.text, written_by = excluded.written_by, written_at = excluded.written_at"
        ))
        .bind(source)
        .bind(family)
        .bind(i64::from(revision))
        .bind(&text)
        .bind(by)
        .execute(self.db.pool())
        .await
        .map_err(|e| self.db.error(WRITE, e))?;
        Ok(text)
    }

    /// The notes of a family's revisions.
    pub async fn of_family(&self, source: &str, family: &str) -> Result<BTreeMap<u32, Note>, StoreError> {
        let rows = sqlx::query(
            "SELECT revision, text, written_by, written_at FROM revision_notes WHERE source = $1 AND family = $2",
        )
        .bind(source)
        .bind(family)
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| self.db.error(READ, e))?;
        let db = &self.db;
        rows.iter().map(|r| Ok((db.u32_column(r, 0, READ)?, self.note_at(r, 1)?))).collect()
    }

    /// One revision's note.
    pub async fn get(&self, source: &str, family: &str, revision: u32) -> Result<Option<Note>, StoreError> {
        Ok(self.of_family(source, family).await?.remove(&revision))
    }

    /// Revisions whose note contains `q` (case-insensitive), newest note first, at most `limit`.
    pub async fn search(&self, source: &str, q: &str, limit: u32) -> Result<Vec<(String, u32, Note)>, StoreError> {
        let pattern = super::mirror::contains_pattern(q);
        let rows = sqlx::query(&format!(
            "SELECT family, revision, text, written_by, written_at FROM revision_notes
             WHERE source = $1 AND LOWER(text) LIKE $2 ESCAPE '\\' ORDER BY written_at DESC LIMIT {limit}"
        ))
        .bind(source)
        .bind(pattern)
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| self.db.error(READ, e))?;
        let db = &self.db;
        rows.iter().map(|r| Ok((db.column(r, 0, READ)?, db.u32_column(r, 1, READ)?, self.note_at(r, 2)?))).collect()
    }
}
