-- Editor drafts (src/store/drafts.rs), saved as the user types: one per user and family, kept
-- until that user registers the family (or discards the draft). They hold task-definition
-- text as the editor has it, secret values included: only their own user is ever shown one.
CREATE TABLE drafts (
    user          TEXT NOT NULL,
    family        TEXT NOT NULL,
    base_revision INTEGER NOT NULL CHECK (base_revision >= 1),
    text          TEXT NOT NULL,
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (user, family)
) STRICT;
