-- Editor drafts (src/store/drafts.rs), as ../sqlite/0003_drafts.sql: one per user and family.
CREATE TABLE drafts (
    "user"        TEXT NOT NULL,
    family        TEXT NOT NULL,
    base_revision BIGINT NOT NULL CHECK (base_revision >= 1),
    text          TEXT NOT NULL,
    updated_at    TEXT NOT NULL DEFAULT (to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
    PRIMARY KEY ("user", family)
);
