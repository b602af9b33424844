-- Revision notes (src/store/notes.rs): why a revision exists, a ticket link. Plain text, at
-- most 500 characters; one per revision, the newest wins (the audit trail keeps them all).
CREATE TABLE revision_notes (
    source     TEXT NOT NULL,
    family     TEXT NOT NULL,
    revision   INTEGER NOT NULL CHECK (revision >= 1),
    text       TEXT NOT NULL,
    written_by TEXT NOT NULL,
    written_at TEXT NOT NULL,
    PRIMARY KEY (source, family, revision)
) STRICT;

-- A family's history (src/store/mirror.rs): what each revision changed against the one
-- before it in the mirror, as the semantic diff's changes (JSON, secrets masked). Computed
-- once per pair, so a new revision costs one diff.
CREATE TABLE mirror_history (
    source        TEXT NOT NULL,
    family        TEXT NOT NULL,
    revision      INTEGER NOT NULL,
    prev_revision INTEGER NOT NULL,
    rules_version TEXT NOT NULL,
    changes       TEXT NOT NULL,
    PRIMARY KEY (source, family, revision)
) STRICT;
