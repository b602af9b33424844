-- The audit trail (src/store/audit.rs): every register and deregister done through ecs-lens,
-- whatever the task-definition source (the embedded store or Amazon ECS). Append-only.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    user          TEXT NOT NULL,
    action        TEXT NOT NULL CHECK (action IN ('register', 'deregister')),
    -- Where: "local", or "aws:<region>".
    source        TEXT NOT NULL,
    family        TEXT NOT NULL,
    -- The revision registered or deregistered.
    revision      INTEGER NOT NULL CHECK (revision >= 1),
    -- The revision an edit started from (register through the editor).
    base_revision INTEGER,
    -- JSON: ["Added · container app › secrets › DD_API_KEY", …] (values never included).
    changes       TEXT NOT NULL DEFAULT '[]',
    -- JSON: rule ids of the findings the change resolved / introduced.
    resolved      TEXT NOT NULL DEFAULT '[]',
    introduced    TEXT NOT NULL DEFAULT '[]'
) STRICT;

CREATE INDEX audit_log_family ON audit_log (family, id);
