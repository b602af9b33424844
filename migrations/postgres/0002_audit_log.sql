-- The audit trail (src/store/audit.rs), as ../sqlite/0002_audit_log.sql. Append-only.
-- `user` is a reserved word in PostgreSQL: the column is quoted (ecs-lens quotes it in
-- every query, which SQLite accepts too).
CREATE TABLE audit_log (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            TEXT NOT NULL DEFAULT (to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
    "user"        TEXT NOT NULL,
    action        TEXT NOT NULL CHECK (action IN ('register', 'deregister')),
    -- Where: "local", or "aws:<region>".
    source        TEXT NOT NULL,
    family        TEXT NOT NULL,
    revision      BIGINT NOT NULL CHECK (revision >= 1),
    base_revision BIGINT,
    -- JSON lists of change descriptions (never values) and rule ids.
    changes       TEXT NOT NULL DEFAULT '[]',
    resolved      TEXT NOT NULL DEFAULT '[]',
    introduced    TEXT NOT NULL DEFAULT '[]'
);

CREATE INDEX audit_log_family ON audit_log (family, id);
