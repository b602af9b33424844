-- The embedded task-definition store (src/store/sqlite.rs). Timestamps are RFC 3339 text in
-- UTC with milliseconds (`2026-10-07T08:45:00.000Z`), written by SQLite's strftime.

-- One row per family ever registered. `last_revision` is the highest revision number ever
-- handed out: the next register takes last_revision + 1 in the same transaction, so a number
-- is never reused, whatever happens to the revisions themselves.
CREATE TABLE families (
    family        TEXT PRIMARY KEY NOT NULL,
    last_revision INTEGER NOT NULL CHECK (last_revision >= 1)
) STRICT;

-- One row per revision. `input` is the RegisterTaskDefinition input exactly as registered
-- (JSON text, key order and unknown fields kept, `tags` inside); the read-only fields
-- (ARN, status, registeredAt …) are derived from the columns when described.
CREATE TABLE task_definitions (
    family          TEXT NOT NULL REFERENCES families (family),
    revision        INTEGER NOT NULL CHECK (revision >= 1),
    status          TEXT NOT NULL CHECK (status IN ('ACTIVE', 'INACTIVE')),
    input           TEXT NOT NULL,
    registered_at   TEXT NOT NULL,
    registered_by   TEXT NOT NULL,
    deregistered_at TEXT,
    PRIMARY KEY (family, revision)
) STRICT;

-- Facts about the store itself, e.g. ('seeded', when): the seed goes in once, ever.
CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
