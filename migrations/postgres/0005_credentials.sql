-- As ../sqlite/0005_credentials.sql, in PostgreSQL's dialect.
-- Exposure (src/store/mirror.rs, `secrets exposure`): per mirrored revision, every real
-- credential the secrets rules found in it, as a keyed hash (HMAC-SHA-256 under a random key
-- kept in store_meta) — never the value. The same value in two revisions has the same
-- fingerprint, so "which revisions still carry it" is a lookup.
CREATE TABLE mirror_credentials (
    source      TEXT NOT NULL,
    family      TEXT NOT NULL,
    revision    BIGINT NOT NULL,
    container   TEXT NOT NULL,
    place       TEXT NOT NULL,
    what        TEXT NOT NULL,
    fingerprint TEXT NOT NULL
);
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
    from_revision BIGINT NOT NULL,
    to_revision  BIGINT,
    moved_at     TEXT NOT NULL,
    moved_by     TEXT NOT NULL
);
CREATE INDEX secret_moves_fingerprint ON secret_moves (source, fingerprint);

-- The audit trail records more kinds of action: a secrets migration, a delete (purge), a
-- revision's note.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('register', 'deregister', 'migrate-secrets', 'delete', 'note'));
