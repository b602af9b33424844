-- The mirror (src/store/mirror.rs) in PostgreSQL: as ../sqlite/0004_mirror.sql, in PostgreSQL's dialect.

-- One row per described revision. Revisions are immutable; only the status (and
-- deregistered_at) changes, refreshed from the lists. The analysis is of the unmasked
-- revision, made once per rules_version (a new rule set re-describes).
CREATE TABLE mirror_revisions (
    source          TEXT NOT NULL,
    family          TEXT NOT NULL,
    revision        BIGINT NOT NULL CHECK (revision >= 1),
    status          TEXT NOT NULL CHECK (status IN ('ACTIVE', 'INACTIVE')),
    registered_at   TEXT NOT NULL,
    registered_by   TEXT NOT NULL,
    deregistered_at TEXT,
    arn             TEXT NOT NULL,
    -- The describe output, pretty JSON, every secret value masked: what the raw view shows.
    document        TEXT NOT NULL,
    rules_version   TEXT NOT NULL,
    -- The findings (JSON, masked, fixes included), the same without their fixes (what lists
    -- read), and their counts by severity.
    findings        TEXT NOT NULL,
    brief           TEXT NOT NULL,
    info            BIGINT NOT NULL,
    low             BIGINT NOT NULL,
    medium          BIGINT NOT NULL,
    high            BIGINT NOT NULL,
    critical        BIGINT NOT NULL,
    blocking        BIGINT NOT NULL,
    containers      BIGINT NOT NULL,
    edges           BIGINT NOT NULL,
    described_at    TEXT NOT NULL,
    PRIMARY KEY (source, family, revision)
);

-- Per revision and rule: how many findings, for the account-wide aggregate and its drill-down.
CREATE TABLE mirror_rule_hits (
    source   TEXT NOT NULL,
    family   TEXT NOT NULL,
    revision BIGINT NOT NULL,
    rule     TEXT NOT NULL,
    severity BIGINT NOT NULL,
    category TEXT NOT NULL,
    hits     BIGINT NOT NULL,
    PRIMARY KEY (source, family, revision, rule)
);
CREATE INDEX mirror_rule_hits_rule ON mirror_rule_hits (source, rule);

-- One row per family, derived from its revisions (recomputed whenever they change): what the
-- families page lists, sorted and paged in SQL. family_key is the name in lower case.
CREATE TABLE mirror_families (
    source          TEXT NOT NULL,
    family          TEXT NOT NULL,
    family_key      TEXT NOT NULL,
    status          TEXT NOT NULL,
    latest_active   BIGINT,
    latest_revision BIGINT NOT NULL,
    revision_count  BIGINT NOT NULL,
    registered_at   TEXT,
    registered_by   TEXT,
    info            BIGINT NOT NULL,
    low             BIGINT NOT NULL,
    medium          BIGINT NOT NULL,
    high            BIGINT NOT NULL,
    critical        BIGINT NOT NULL,
    blocking        BIGINT NOT NULL,
    -- Services running any revision of the family.
    in_use          BIGINT NOT NULL,
    PRIMARY KEY (source, family)
);
CREATE INDEX mirror_families_key ON mirror_families (source, family_key, family);

-- Which revisions ECS services run: one row per deployment of a service.
CREATE TABLE mirror_services (
    source     TEXT NOT NULL,
    cluster    TEXT NOT NULL,
    service    TEXT NOT NULL,
    family     TEXT NOT NULL,
    revision   BIGINT NOT NULL,
    -- PRIMARY (what the service runs now), ACTIVE (being replaced) …
    deployment TEXT NOT NULL,
    desired    BIGINT NOT NULL,
    running    BIGINT NOT NULL,
    PRIMARY KEY (source, cluster, service, family, revision)
);
CREATE INDEX mirror_services_revision ON mirror_services (source, family, revision);

-- Each source's sync: when, how far, what failed, and who holds the lease (one replica syncs
-- a source at a time; the others serve and show this row).
CREATE TABLE mirror_sources (
    source          TEXT PRIMARY KEY NOT NULL,
    state           TEXT NOT NULL,
    started_at      TEXT,
    synced_at       TEXT,
    done            BIGINT NOT NULL DEFAULT 0,
    total           BIGINT NOT NULL DEFAULT 0,
    error           TEXT,
    -- 1 when the source has services (Amazon ECS), 0 when it cannot (the embedded store).
    has_services    BIGINT NOT NULL DEFAULT 0,
    generation      BIGINT NOT NULL DEFAULT 0,
    lease_owner     TEXT,
    lease_until     TEXT
);
