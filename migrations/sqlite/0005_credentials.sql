-- Exposure (src/store/mirror.rs, `secrets exposure`): per mirrored revision, every real
-- credential the secrets rules found in it, as a keyed hash (HMAC-SHA-256 under a random key
-- kept in store_meta) — never the value. The same value in two revisions has the same
-- fingerprint, so "which revisions still carry it" is a lookup.
CREATE TABLE mirror_credentials (
    source      TEXT NOT NULL,
    family      TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    container   TEXT NOT NULL,
    place       TEXT NOT NULL,
    what        TEXT NOT NULL,
    fingerprint TEXT NOT NULL
) STRICT;
CREATE INDEX mirror_credentials_revision ON mirror_credentials (source, family, revision);
CREATE INDEX mirror_credentials_fingerprint ON mirror_credentials (source, fingerprint);

-- What `secrets migrate` moved: a credential (by fingerprint) now read from a secret.
CREATE TABLE secret_moves (
    source       TEXT NOT NULL,
    family       TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    container    TEXT NOT NULL,
    variable     TEXT NOT NULL,
    value_from   TEXT NOT NULL,
    from_revision INTEGER NOT NULL,
    to_revision  INTEGER,
    moved_at     TEXT NOT NULL,
    moved_by     TEXT NOT NULL
) STRICT;
CREATE INDEX secret_moves_fingerprint ON secret_moves (source, fingerprint);

-- The audit trail records more kinds of action: a secrets migration, a delete (purge), a
-- revision's note. SQLite cannot change a CHECK constraint: the table is rebuilt, rows kept.
CREATE TABLE audit_log_next (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    user          TEXT NOT NULL,
    action        TEXT NOT NULL CHECK (action IN ('register', 'deregister', 'migrate-secrets', 'delete', 'note')),
    source        TEXT NOT NULL,
    family        TEXT NOT NULL,
    revision      INTEGER NOT NULL CHECK (revision >= 1),
    base_revision INTEGER,
    changes       TEXT NOT NULL DEFAULT '[]',
    resolved      TEXT NOT NULL DEFAULT '[]',
    introduced    TEXT NOT NULL DEFAULT '[]'
) STRICT;
INSERT INTO audit_log_next (id, at, user, action, source, family, revision, base_revision, changes, resolved, introduced)
    SELECT id, at, user, action, source, family, revision, base_revision, changes, resolved, introduced FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_next RENAME TO audit_log;
CREATE INDEX audit_log_family ON audit_log (family, id);
