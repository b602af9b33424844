-- The embedded task-definition store in PostgreSQL (`--database-url postgres://…`): the same
-- tables, columns and constraints as ../sqlite/0001_task_definitions.sql, in PostgreSQL's
-- dialect (BIGINT for SQLite's INTEGER; no STRICT, the types are checked anyway). Timestamps
-- are RFC 3339 text in UTC with milliseconds, as in SQLite, so both sort and print alike.

-- One row per family ever registered. `last_revision` is the highest revision number ever
-- handed out: the next register bumps it in the same transaction (the row lock serialises
-- concurrent registers of one family, across every replica), so a number is never reused.
CREATE TABLE families (
    family        TEXT PRIMARY KEY NOT NULL,
    last_revision BIGINT NOT NULL CHECK (last_revision >= 1)
);

-- One row per revision; `input` is the RegisterTaskDefinition input exactly as registered.
CREATE TABLE task_definitions (
    family          TEXT NOT NULL REFERENCES families (family),
    revision        BIGINT NOT NULL CHECK (revision >= 1),
    status          TEXT NOT NULL CHECK (status IN ('ACTIVE', 'INACTIVE')),
    input           TEXT NOT NULL,
    registered_at   TEXT NOT NULL,
    registered_by   TEXT NOT NULL,
    deregistered_at TEXT,
    PRIMARY KEY (family, revision)
);

-- Facts about the store itself, e.g. ('seeded', when): the seed goes in once, ever.
CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
