//! The mirror: every revision ecs-lens has described, per source, with its analysis, the
//! services that run revisions, and each source's sync state — in the ecs-lens database
//! (SQLite or PostgreSQL, `migrations/*/0004_mirror.sql`). Pages and exports read it; they
//! never describe or lint per request. [`super::sync`] fills it.
//!
//! - A source is `local` (the embedded store) or an Amazon ECS (account, region) such as
//!   `aws:123456789012:eu-west-1`.
//! - Revisions are immutable, so each is described and analysed once; only its status moves
//!   (refreshed from the lists). An analysis made with another rule set
//!   ([`crate::core::rules::ruleset_version`]) is redone at the next sync.
//! - No secret value is kept: the document and the findings are masked by value before they
//!   are written (the analysis of the unmasked revision is what is stored).
//! - `mirror_families` is derived from the revisions (recomputed for every family a sync
//!   touches), so the families page is one indexed, paged query whatever the account's size.
//! - One replica syncs a source at a time: a lease row in `mirror_sources`
//!   ([`Mirror::try_lease`]); the others serve the same mirror and show its sync state.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use super::database::{Database, Dialect};
use super::{DescribedTaskDefinition, ServiceUse, StoreError, TaskDefStatus};
use crate::core::document::Document;
use crate::core::finding::{Finding, Severity};
use crate::core::history::HistoryChange;
use crate::core::mask::Masker;

/// Rows per page of every paged list.
pub const PAGE_SIZE: u32 = 50;

/// A described revision with its analysis, as the mirror keeps it: nothing in it holds a
/// secret value.
#[derive(Clone, Debug, PartialEq)]
pub struct MirroredRevision {
    pub family: String,
    pub revision: u32,
    pub status: TaskDefStatus,
    pub registered_at: String,
    pub registered_by: String,
    pub deregistered_at: Option<String>,
    pub arn: String,
    /// The describe output, pretty JSON, secret values masked (the findings' lines refer to it).
    pub document: String,
    /// The findings of the unmasked revision, masked (fixes included).
    pub findings: Vec<Finding>,
    pub rules_version: String,
    pub containers: u32,
    pub edges: u32,
    /// Every real credential in the revision, by keyed hash.
    pub credentials: Vec<CredentialRecord>,
}

/// One credential of a mirrored revision: where, and its fingerprint (never the value).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialRecord {
    /// The container's name ("" for the task level).
    pub container: String,
    /// `environment › DB_PASSWORD`.
    pub place: String,
    pub what: String,
    pub fingerprint: String,
}

/// What the mirror's analysis is: the rule set's version and how credentials are kept (a
/// mirror analysed otherwise is analysed again at the next sync).
pub fn analysis_version() -> String {
    format!("{}+credentials.1", crate::core::rules::ruleset_version())
}

/// The keyed hash of a credential: HMAC-SHA-256 under the database's own random key, the
/// first 128 bits in hex. Equal values give equal fingerprints; the value cannot be read
/// back, and without the key not even guessed against a list.
pub fn fingerprint(key: &[u8], value: &str) -> String {
    use hmac::Mac;
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(value.as_bytes());
    mac.finalize().into_bytes()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// What the mirror keeps of a document: its masked text (pretty JSON), its findings (masked)
/// and its credentials by keyed hash. Also for a document outside any store (a file compared
/// with a mirrored revision), so that both sides are alike.
pub fn analyse_document(doc: &Document, key: &[u8]) -> (String, Vec<Finding>, Vec<CredentialRecord>) {
    let mut findings = crate::core::lint(doc);
    // The lint's own secrets findings say what to mask: no second walk of the document.
    let masker = Masker::from_findings(doc, &findings);
    findings.iter_mut().for_each(|f| masker.mask_finding(f));
    let document = serde_json::to_string_pretty(&masker.mask_document(doc)).unwrap_or_default();
    let credentials = crate::core::exposure::credentials(doc)
        .into_iter()
        .map(|c| CredentialRecord {
            container: c.container.unwrap_or_default(),
            place: c.place,
            what: c.what.to_string(),
            fingerprint: fingerprint(key, c.value),
        })
        .collect();
    (document, findings, credentials)
}

/// The credentials whose values differ between two revisions, which their masked documents
/// cannot show: the same place with other keyed hashes, or a credential on one side only (a
/// placeholder or an empty value on the other is masked too; a variable really added or
/// removed is a change of the diff already, which [`crate::core::diff::add_value_changes`]
/// does not double). Only a container's `environment` and `dockerLabels`, whose places are
/// the diff's own paths; a credential elsewhere (a command line, log options) shows as
/// exposure finds it, not here.
pub fn differing_values(a: &[CredentialRecord], b: &[CredentialRecord]) -> Vec<crate::core::diff::ValueChange> {
    let group = |v: &[CredentialRecord]| {
        let mut m: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        let aligned = |c: &CredentialRecord| {
            !c.container.is_empty() && (c.place.starts_with("environment › ") || c.place.starts_with("dockerLabels › "))
        };
        for c in v.iter().filter(|c| aligned(c)) {
            m.entry((c.container.clone(), c.place.clone())).or_default().insert(c.fingerprint.clone());
        }
        m
    };
    let (ga, gb) = (group(a), group(b));
    let places: BTreeSet<&(String, String)> = ga.keys().chain(gb.keys()).collect();
    places
        .into_iter()
        .filter(|k| ga.get(*k) != gb.get(*k))
        .map(|(container, place)| crate::core::diff::ValueChange {
            container: Some(container.clone()).filter(|c| !c.is_empty()),
            place: place.clone(),
        })
        .collect()
}

impl MirroredRevision {
    /// Lint, mask and summarise a described revision (CPU work: run it off the async threads).
    /// `key` is the mirror's fingerprint key ([`Mirror::fingerprint_key`]).
    pub fn analyse(d: &DescribedTaskDefinition, key: &[u8]) -> MirroredRevision {
        let doc = Document::from_value(&d.to_value());
        let (document, findings, credentials) = analyse_document(&doc, key);
        let graph = crate::core::graph::build(&doc);
        let text = |field: &str| d.task_definition.get(field).and_then(|v| v.as_str()).map(str::to_string);
        MirroredRevision {
            family: d.family().to_string(),
            revision: d.revision(),
            status: d.status().unwrap_or(TaskDefStatus::Active),
            registered_at: text("registeredAt").unwrap_or_default(),
            registered_by: text("registeredBy").unwrap_or_default(),
            deregistered_at: text("deregisteredAt"),
            arn: d.arn().to_string(),
            document,
            findings,
            rules_version: analysis_version(),
            containers: u32::try_from(graph.nodes.len()).unwrap_or(u32::MAX),
            edges: u32::try_from(graph.edges.len()).unwrap_or(u32::MAX),
            credentials,
        }
    }

    /// Findings per severity, indexed by `Severity as usize`.
    pub fn counts(&self) -> [u32; 5] {
        let mut c = [0u32; 5];
        for f in &self.findings {
            c[f.severity as usize] += 1;
        }
        c
    }

    pub fn blocking(&self) -> u32 {
        self.findings.iter().filter(|f| f.blocks_registration).count() as u32
    }
}

/// A family as the families page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyRecord {
    pub family: String,
    pub status: String,
    pub latest_active: Option<u32>,
    pub latest_revision: u32,
    pub revision_count: u32,
    pub registered_at: Option<String>,
    pub registered_by: Option<String>,
    /// Findings of the latest ACTIVE revision per severity (`Severity as usize`).
    pub counts: [u32; 5],
    pub blocking: u32,
    /// Services running any of its revisions.
    pub in_use: u32,
}

/// A revision as a family's page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionRecord {
    pub revision: u32,
    pub status: String,
    pub registered_at: String,
    pub registered_by: String,
    pub deregistered_at: Option<String>,
    pub counts: [u32; 5],
    pub blocking: u32,
}

/// One revision's stored document and analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRevision {
    pub record: RevisionRecord,
    pub arn: String,
    pub document: String,
    pub findings: Vec<Finding>,
}

/// A page of a list, and how many rows the whole list has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u32 {
        u32::try_from(self.total.div_ceil(u64::from(self.page_size.max(1)))).unwrap_or(u32::MAX).max(1)
    }
}

/// How the families list is sorted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FamilySort {
    /// By name, case-insensitively.
    #[default]
    Name,
    /// Most severe findings first.
    Findings,
    /// Most recently registered first.
    Registered,
}

impl FamilySort {
    pub fn parse(s: &str) -> Option<FamilySort> {
        match s {
            "name" => Some(FamilySort::Name),
            "findings" => Some(FamilySort::Findings),
            "registered" => Some(FamilySort::Registered),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FamilySort::Name => "name",
            FamilySort::Findings => "findings",
            FamilySort::Registered => "registered",
        }
    }
}

/// Which families, in which order, which page. Filters are on the latest ACTIVE revision.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyQuery {
    /// Substring of the family name, case-insensitive.
    pub q: String,
    /// Only families with a finding at this severity or above.
    pub min_severity: Option<Severity>,
    /// Only families with a finding of this category (`secrets`, …).
    pub category: Option<String>,
    /// Only families with a finding of this rule (`SEC001`).
    pub rule: Option<String>,
    /// Only families some service runs (true) or none does (false).
    pub in_use: Option<bool>,
    /// Only families with an ACTIVE revision.
    pub active_only: bool,
    pub sort: FamilySort,
    /// 1-based.
    pub page: u32,
    /// Rows per page ([`PAGE_SIZE`] when 0).
    pub page_size: u32,
}

/// One rule across a source's latest ACTIVE revisions: the audit's aggregate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleTotal {
    pub rule: String,
    pub severity: Severity,
    pub category: String,
    pub findings: u64,
    pub families: u64,
}

/// A source's totals over its latest ACTIVE revisions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub families: u64,
    pub revisions: u64,
    /// Families with at least one finding at high or above.
    pub serious_families: u64,
    pub counts: [u64; 5],
    pub blocking: u64,
    /// Families some service runs.
    pub in_use_families: u64,
}

/// Where a source's sync stands (shared by every replica through the database).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// `never`, `syncing`, `idle` (last sync complete), `partial` (some revisions could not
    /// be described), `failed` (the source could not be listed: the mirror is as it was).
    pub state: String,
    pub started_at: Option<String>,
    /// When the last sync that listed the source finished.
    pub synced_at: Option<String>,
    pub done: u64,
    pub total: u64,
    pub error: Option<String>,
    /// False for a source without services (the embedded store).
    pub has_services: bool,
    /// Bumped by every finished sync: caches of derived data key on it.
    pub generation: i64,
    pub lease_owner: Option<String>,
}

/// A source's totals and rules found: the audit's aggregate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Aggregate {
    pub totals: Totals,
    pub rules: Vec<RuleTotal>,
}

/// One credential and every revision that still carries its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposure {
    /// The family asked about (or the one it was found in).
    pub family: String,
    /// A short, stable id for the credential (the fingerprint's start).
    pub id: String,
    #[serde(skip)]
    pub fingerprint: String,
    pub what: String,
    pub container: String,
    pub place: String,
    /// Newest first, once each (at its first place); other families carrying the same value too.
    pub revisions: Vec<ExposedRevision>,
    /// The family's latest ACTIVE revision still carries it.
    pub in_latest: bool,
    pub moved: Option<MovedTo>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposedRevision {
    pub family: String,
    pub revision: u32,
    pub status: String,
    pub container: String,
    pub place: String,
    /// `service web in cluster prod` for each service running it.
    pub services: Vec<String>,
}

/// Where a credential went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovedTo {
    pub family: String,
    pub value_from: String,
    pub to_revision: Option<u32>,
    pub moved_at: String,
    pub moved_by: String,
}

/// The mirror in the ecs-lens database.
#[derive(Clone, Debug)]
pub struct Mirror {
    db: Database,
    /// The aggregate of each source at a generation (every change to a source's mirror bumps
    /// its generation in the database, so a cached one is right for every replica).
    aggregates: std::sync::Arc<std::sync::Mutex<HashMap<String, (i64, std::sync::Arc<Aggregate>)>>>,
    /// The fingerprint key, read (or made) once.
    key: std::sync::Arc<tokio::sync::OnceCell<std::sync::Arc<Vec<u8>>>>,
}

const READ: &str = "read the mirror";
const WRITE: &str = "write to the mirror";

const REVISION_COLUMNS: &str =
    "revision, status, registered_at, registered_by, deregistered_at, info, low, medium, high, critical, blocking";

const FAMILY_COLUMNS: &str = "family, status, latest_active, latest_revision, revision_count, registered_at, \
     registered_by, info, low, medium, high, critical, blocking, in_use";

fn i64_of(n: u32) -> i64 {
    i64::from(n)
}

/// A LIKE pattern matching `q` anywhere (lowercased), `\` escaping LIKE's own characters.
pub(super) fn contains_pattern(q: &str) -> String {
    let mut p = String::from("%");
    for c in q.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The severity columns at or above `s`, summed, as SQL (`(critical + high)`).
fn at_or_above(s: Severity, prefix: &str) -> String {
    let cols: Vec<String> =
        Severity::ALL.iter().filter(|x| **x >= s).map(|x| format!("{prefix}{}", x.as_str())).collect();
    format!("({})", cols.join(" + "))
}

impl Mirror {
    pub fn on(db: Database) -> Mirror {
        Mirror { db, aggregates: Default::default(), key: Default::default() }
    }

    /// Every family of `source` in the mirror, by name.
    pub async fn family_names(&self, source: &str) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("SELECT family FROM mirror_families WHERE source = $1 ORDER BY family_key, family")
            .bind(source)
            .fetch_all(self.db.pool())
            .await
            .map_err(|e| self.db.error(READ, e))
    }

    /// The revision notes, in the same database.
    pub fn notes(&self) -> super::notes::Notes {
        super::notes::Notes::on(self.db.clone())
    }

    /// The key of [`fingerprint`]: 32 random bytes made once per ecs-lens database and kept in
    /// it (`store_meta`), so every replica fingerprints alike.
    pub async fn fingerprint_key(&self) -> Result<std::sync::Arc<Vec<u8>>, StoreError> {
        self.key
            .get_or_try_init(|| async {
                let mut fresh = [0u8; 32];
                getrandom::getrandom(&mut fresh)
                    .map_err(|e| StoreError::unavailable(format!("no randomness for the fingerprint key: {e}")))?;
                let hex: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
                sqlx::query(
                    "INSERT INTO store_meta (key, value) VALUES ('fingerprint-key', $1) ON CONFLICT (key) DO NOTHING",
                )
                .bind(&hex)
                .execute(self.db.pool())
                .await
                .map_err(|e| self.db.error(WRITE, e))?;
                let stored: String = sqlx::query_scalar("SELECT value FROM store_meta WHERE key = 'fingerprint-key'")
                    .fetch_one(self.db.pool())
                    .await
                    .map_err(|e| self.db.error(READ, e))?;
                let bytes: Vec<u8> = (0..stored.len() / 2)
                    .filter_map(|i| u8::from_str_radix(stored.get(2 * i..2 * i + 2)?, 16).ok())
                    .collect();
                Ok(std::sync::Arc::new(bytes))
            })
            .await
            .cloned()
    }

    /// [`Self::totals`] and [`Self::rule_totals`], computed once per generation of the source.
    pub async fn aggregate(&self, source: &str) -> Result<std::sync::Arc<Aggregate>, StoreError> {
        let generation = self.status(source).await?.generation;
        let cached = self.aggregates.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(source).cloned();
        if let Some((g, a)) = cached {
            if g == generation {
                return Ok(a);
            }
        }
        let a = std::sync::Arc::new(Aggregate {
            totals: self.totals(source).await?,
            rules: self.rule_totals(source).await?,
        });
        self.aggregates
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(source.to_string(), (generation, a.clone()));
        Ok(a)
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    fn dialect(&self) -> Dialect {
        self.db.dialect()
    }

    /// `ORDER BY` of names as the stores sort them: lower case, then exactly, bytewise (a
    /// PostgreSQL server's collation would order `-` and `_` unlike SQLite).
    fn by_name(&self, prefix: &str) -> String {
        match self.dialect() {
            Dialect::Sqlite => format!("{prefix}family_key, {prefix}family"),
            Dialect::Postgres => format!(r#"{prefix}family_key COLLATE "C", {prefix}family COLLATE "C""#),
        }
    }

    fn counts(&self, row: &AnyRow, first: usize, doing: &str) -> Result<[u32; 5], StoreError> {
        let mut c = [0u32; 5];
        for (i, slot) in c.iter_mut().enumerate() {
            *slot = self.db.u32_column(row, first + i, doing)?;
        }
        Ok(c)
    }

    // ------------------------------------------------------------------ what a sync needs

    /// Every mirrored revision of `source` (of `family`, when given): its status and the rule
    /// set its analysis was made with.
    pub async fn known(
        &self,
        source: &str,
        family: Option<&str>,
    ) -> Result<HashMap<(String, u32), (TaskDefStatus, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT family, revision, status, rules_version FROM mirror_revisions
             WHERE source = $1 AND (CAST($2 AS TEXT) IS NULL OR family = $2)",
        )
        .bind(source)
        .bind(family)
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| self.db.error(READ, e))?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in &rows {
            let status: String = self.db.column(r, 2, READ)?;
            let status = TaskDefStatus::parse(&status).ok_or_else(|| {
                StoreError::unavailable(format!("{}: a mirrored status is `{status}`", self.db.name()))
            })?;
            out.insert(
                (self.db.column(r, 0, READ)?, self.db.u32_column(r, 1, READ)?),
                (status, self.db.column(r, 3, READ)?),
            );
        }
        Ok(out)
    }

    /// Write analysed revisions (new, or re-described) and recompute their families, in one
    /// transaction: a sync cut off between two batches leaves a consistent mirror.
    pub async fn write(&self, source: &str, revisions: &[MirroredRevision]) -> Result<(), StoreError> {
        if revisions.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin(source).await?;
        let now = self.db.now();
        let upsert = format!(
            "INSERT INTO mirror_revisions (source, family, revision, status, registered_at, registered_by,
                 deregistered_at, arn, document, rules_version, findings, brief, info, low, medium, high, critical,
                 blocking, containers, edges, described_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, {now})
             ON CONFLICT (source, family, revision) DO UPDATE SET
                 status = excluded.status, registered_at = excluded.registered_at,
                 registered_by = excluded.registered_by, deregistered_at = excluded.deregistered_at,
                 arn = excluded.arn, document = excluded.document, rules_version = excluded.rules_version,
                 findings = excluded.findings, brief = excluded.brief, info = excluded.info, low = excluded.low,
                 medium = excluded.medium, high = excluded.high, critical = excluded.critical,
                 blocking = excluded.blocking, containers = excluded.containers, edges = excluded.edges,
                 described_at = excluded.described_at"
        );
        for r in revisions {
            let c = r.counts();
            sqlx::query(&upsert)
                .bind(source)
                .bind(&r.family)
                .bind(i64_of(r.revision))
                .bind(r.status.as_str())
                .bind(&r.registered_at)
                .bind(&r.registered_by)
                .bind(r.deregistered_at.as_deref())
                .bind(&r.arn)
                .bind(&r.document)
                .bind(&r.rules_version)
                .bind(serde_json::to_string(&r.findings).unwrap_or_else(|_| "[]".into()))
                .bind(serde_json::to_string(&brief(&r.findings)).unwrap_or_else(|_| "[]".into()))
                .bind(i64_of(c[0]))
                .bind(i64_of(c[1]))
                .bind(i64_of(c[2]))
                .bind(i64_of(c[3]))
                .bind(i64_of(c[4]))
                .bind(i64_of(r.blocking()))
                .bind(i64_of(r.containers))
                .bind(i64_of(r.edges))
                .execute(&mut *tx)
                .await
                .map_err(|e| self.db.error(WRITE, e))?;
            for table in ["mirror_rule_hits", "mirror_credentials"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE source = $1 AND family = $2 AND revision = $3"))
                    .bind(source)
                    .bind(&r.family)
                    .bind(i64_of(r.revision))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.db.error(WRITE, e))?;
            }
            for c in &r.credentials {
                sqlx::query(
                    "INSERT INTO mirror_credentials (source, family, revision, container, place, what, fingerprint)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(source)
                .bind(&r.family)
                .bind(i64_of(r.revision))
                .bind(&c.container)
                .bind(&c.place)
                .bind(&c.what)
                .bind(&c.fingerprint)
                .execute(&mut *tx)
                .await
                .map_err(|e| self.db.error(WRITE, e))?;
            }
            let mut hits: BTreeMap<&str, (Severity, &str, i64)> = BTreeMap::new();
            for f in &r.findings {
                let e = hits.entry(f.rule.as_str()).or_insert((f.severity, f.category.as_str(), 0));
                e.0 = e.0.max(f.severity);
                e.2 += 1;
            }
            for (rule, (severity, category, n)) in hits {
                sqlx::query(
                    "INSERT INTO mirror_rule_hits (source, family, revision, rule, severity, category, hits)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(source)
                .bind(&r.family)
                .bind(i64_of(r.revision))
                .bind(rule)
                .bind(severity as i64)
                .bind(category)
                .bind(n)
                .execute(&mut *tx)
                .await
                .map_err(|e| self.db.error(WRITE, e))?;
            }
        }
        let mut families: Vec<&str> = revisions.iter().map(|r| r.family.as_str()).collect();
        families.sort_unstable();
        families.dedup();
        for f in families {
            self.refresh_family(&mut tx, source, f).await?;
        }
        self.changed(&mut tx, source).await?;
        tx.commit().await.map_err(|e| self.db.error(WRITE, e))
    }

    /// A write transaction on the mirror of `source`. Every one of them ends in the source's row
    /// (its generation, lease or state); on PostgreSQL they first take a transaction-scoped
    /// advisory lock on the source, so that two replicas (or a sync and a register) writing the
    /// same revisions queue instead of deadlocking. SQLite's writers queue already
    /// (`BEGIN IMMEDIATE`).
    async fn begin(&self, source: &str) -> Result<Transaction<'static, Any>, StoreError> {
        let mut tx = self.db.begin_write().await?;
        if self.dialect() == Dialect::Postgres {
            // The first key names ecs-lens's mirror ("ecsl"), the second the source.
            sqlx::query("SELECT pg_advisory_xact_lock(1701016428, hashtext($1))")
                .bind(source)
                .execute(&mut *tx)
                .await
                .map_err(|e| self.db.error("lock the mirror of the source", e))?;
        }
        Ok(tx)
    }

    /// The mirror of `source` changed (in this transaction): bump its generation, which the
    /// aggregate's cache (every replica's) keys on.
    async fn changed(&self, tx: &mut Transaction<'static, Any>, source: &str) -> Result<(), StoreError> {
        self.ensure_source(tx, source).await?;
        sqlx::query("UPDATE mirror_sources SET generation = generation + 1 WHERE source = $1")
            .bind(source)
            .execute(&mut **tx)
            .await
            .map_err(|e| self.db.error(WRITE, e))?;
        Ok(())
    }

    /// Forget revisions the source no longer has (deleted), and recompute their families.
    pub async fn remove(&self, source: &str, revisions: &[(String, u32)]) -> Result<(), StoreError> {
        if revisions.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin(source).await?;
        for (family, revision) in revisions {
            for table in ["mirror_revisions", "mirror_rule_hits", "mirror_credentials", "mirror_history"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE source = $1 AND family = $2 AND revision = $3"))
                    .bind(source)
                    .bind(family)
                    .bind(i64_of(*revision))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.db.error(WRITE, e))?;
            }
        }
        let mut families: Vec<&str> = revisions.iter().map(|(f, _)| f.as_str()).collect();
        families.sort_unstable();
        families.dedup();
        for f in families {
            self.refresh_family(&mut tx, source, f).await?;
        }
        self.changed(&mut tx, source).await?;
        tx.commit().await.map_err(|e| self.db.error(WRITE, e))
    }

    /// Recompute one family's row from its mirrored revisions (deleted when it has none).
    async fn refresh_family(
        &self,
        tx: &mut Transaction<'static, Any>,
        source: &str,
        family: &str,
    ) -> Result<(), StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {REVISION_COLUMNS} FROM mirror_revisions WHERE source = $1 AND family = $2 ORDER BY revision"
        ))
        .bind(source)
        .bind(family)
        .fetch_all(&mut **tx)
        .await
        .map_err(|e| self.db.error(WRITE, e))?;
        if rows.is_empty() {
            sqlx::query("DELETE FROM mirror_families WHERE source = $1 AND family = $2")
                .bind(source)
                .bind(family)
                .execute(&mut **tx)
                .await
                .map_err(|e| self.db.error(WRITE, e))?;
            return Ok(());
        }
        let records = rows.iter().map(|r| self.revision_record(r, WRITE)).collect::<Result<Vec<_>, _>>()?;
        let latest = records.iter().rev().find(|r| r.status == "ACTIVE");
        let latest_revision = records.last().map(|r| r.revision).unwrap_or(0);
        let counts = latest.map(|r| r.counts).unwrap_or_default();
        let in_use: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT cluster || '/' || service) FROM mirror_services WHERE source = $1 AND family = $2",
        )
        .bind(source)
        .bind(family)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| self.db.error(WRITE, e))?;
        sqlx::query(&format!(
            "INSERT INTO mirror_families ({FAMILY_COLUMNS}, source, family_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
             ON CONFLICT (source, family) DO UPDATE SET
                 status = excluded.status, latest_active = excluded.latest_active,
                 latest_revision = excluded.latest_revision, revision_count = excluded.revision_count,
                 registered_at = excluded.registered_at, registered_by = excluded.registered_by,
                 info = excluded.info, low = excluded.low, medium = excluded.medium, high = excluded.high,
                 critical = excluded.critical, blocking = excluded.blocking, in_use = excluded.in_use"
        ))
        .bind(family)
        .bind(if latest.is_some() { "ACTIVE" } else { "INACTIVE" })
        .bind(latest.map(|r| i64_of(r.revision)))
        .bind(i64_of(latest_revision))
        .bind(records.len() as i64)
        .bind(latest.map(|r| r.registered_at.clone()).filter(|s| !s.is_empty()))
        .bind(latest.map(|r| r.registered_by.clone()).filter(|s| !s.is_empty()))
        .bind(i64_of(counts[0]))
        .bind(i64_of(counts[1]))
        .bind(i64_of(counts[2]))
        .bind(i64_of(counts[3]))
        .bind(i64_of(counts[4]))
        .bind(latest.map(|r| i64_of(r.blocking)).unwrap_or(0))
        .bind(in_use)
        .bind(source)
        .bind(family.to_lowercase())
        .execute(&mut **tx)
        .await
        .map_err(|e| self.db.error(WRITE, e))?;
        Ok(())
    }

    /// Replace what the source's services run (`None`: the source has no services), and
    /// recompute every family's in-use count.
    pub async fn replace_services(&self, source: &str, services: Option<&[ServiceUse]>) -> Result<(), StoreError> {
        let mut tx = self.begin(source).await?;
        sqlx::query("DELETE FROM mirror_services WHERE source = $1")
            .bind(source)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db.error(WRITE, e))?;
        for s in services.unwrap_or_default() {
            sqlx::query(
                "INSERT INTO mirror_services (source, cluster, service, family, revision, deployment, desired, running)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (source, cluster, service, family, revision) DO UPDATE SET
                     desired = mirror_services.desired + excluded.desired,
                     running = mirror_services.running + excluded.running",
            )
            .bind(source)
            .bind(&s.cluster)
            .bind(&s.service)
            .bind(&s.family)
            .bind(i64_of(s.revision))
            .bind(&s.deployment)
            .bind(i64_of(s.desired))
            .bind(i64_of(s.running))
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db.error(WRITE, e))?;
        }
        sqlx::query(
            "UPDATE mirror_families SET in_use = (SELECT COUNT(DISTINCT s.cluster || '/' || s.service)
                 FROM mirror_services s WHERE s.source = mirror_families.source AND s.family = mirror_families.family)
             WHERE source = $1",
        )
        .bind(source)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db.error(WRITE, e))?;
        self.changed(&mut tx, source).await?;
        sqlx::query("UPDATE mirror_sources SET has_services = $2 WHERE source = $1")
            .bind(source)
            .bind(i64::from(services.is_some()))
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db.error(WRITE, e))?;
        tx.commit().await.map_err(|e| self.db.error(WRITE, e))
    }

    // ------------------------------------------------------------------ sync state and lease

    async fn ensure_source(&self, tx: &mut Transaction<'static, Any>, source: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO mirror_sources (source, state) VALUES ($1, 'never') ON CONFLICT (source) DO NOTHING")
            .bind(source)
            .execute(&mut **tx)
            .await
            .map_err(|e| self.db.error(WRITE, e))?;
        Ok(())
    }

    /// Take (or renew) the lease to sync `source` for `seconds`: true when `owner` holds it
    /// now, false when another replica does and its lease has not run out.
    pub async fn try_lease(&self, source: &str, owner: &str, seconds: u32) -> Result<bool, StoreError> {
        let mut tx = self.begin(source).await?;
        self.ensure_source(&mut tx, source).await?;
        let taken = sqlx::query(&format!(
            "UPDATE mirror_sources SET lease_owner = $2, lease_until = {until}
             WHERE source = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until IS NULL OR lease_until < {now})",
            until = self.dialect().now_plus(seconds),
            now = self.db.now()
        ))
        .bind(source)
        .bind(owner)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db.error(WRITE, e))?
        .rows_affected()
            == 1;
        tx.commit().await.map_err(|e| self.db.error(WRITE, e))?;
        Ok(taken)
    }

    /// Give the lease back (only if `owner` holds it).
    pub async fn release(&self, source: &str, owner: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE mirror_sources SET lease_owner = NULL, lease_until = NULL WHERE source = $1 AND lease_owner = $2",
        )
        .bind(source)
        .bind(owner)
        .execute(self.db.pool())
        .await
        .map_err(|e| self.db.error(WRITE, e))?;
        Ok(())
    }

    /// A sync of `source` begins.
    pub async fn sync_started(&self, source: &str) -> Result<(), StoreError> {
        let mut tx = self.begin(source).await?;
        self.ensure_source(&mut tx, source).await?;
        sqlx::query(&format!(
            "UPDATE mirror_sources SET state = 'syncing', started_at = {now}, done = 0, total = 0 WHERE source = $1",
            now = self.db.now()
        ))
        .bind(source)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db.error(WRITE, e))?;
        tx.commit().await.map_err(|e| self.db.error(WRITE, e))
    }

    /// How far the running sync is.
    pub async fn sync_progress(&self, source: &str, done: u64, total: u64) -> Result<(), StoreError> {
        sqlx::query("UPDATE mirror_sources SET done = $2, total = $3 WHERE source = $1")
            .bind(source)
            .bind(done as i64)
            .bind(total as i64)
            .execute(self.db.pool())
            .await
            .map_err(|e| self.db.error(WRITE, e))?;
        Ok(())
    }

    /// A sync ended: `listed` when the source could be listed (the mirror is up to date with
    /// it, except for what `error` names); otherwise the mirror is as it was and `error` says
    /// why.
    pub async fn sync_finished(&self, source: &str, listed: bool, error: Option<&str>) -> Result<(), StoreError> {
        let state = match (listed, error) {
            (true, None) => "idle",
            (true, Some(_)) => "partial",
            (false, _) => "failed",
        };
        let synced = if listed { self.db.now().to_string() } else { "synced_at".to_string() };
        let mut tx = self.begin(source).await?;
        self.ensure_source(&mut tx, source).await?;
        sqlx::query(&format!(
            "UPDATE mirror_sources SET state = $2, error = $3, synced_at = {synced}, generation = generation + 1
             WHERE source = $1"
        ))
        .bind(source)
        .bind(state)
        .bind(error)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db.error(WRITE, e))?;
        tx.commit().await.map_err(|e| self.db.error(WRITE, e))
    }

    /// Where `source`'s sync stands (`never` when it was never synced).
    pub async fn status(&self, source: &str) -> Result<SyncStatus, StoreError> {
        let row = sqlx::query(
            "SELECT state, started_at, synced_at, done, total, error, has_services, generation, lease_owner
             FROM mirror_sources WHERE source = $1",
        )
        .bind(source)
        .fetch_optional(self.db.pool())
        .await
        .map_err(|e| self.db.error(READ, e))?;
        let Some(r) = row else { return Ok(SyncStatus { state: "never".into(), ..Default::default() }) };
        let db = &self.db;
        Ok(SyncStatus {
            state: db.column(&r, 0, READ)?,
            started_at: db.column(&r, 1, READ)?,
            synced_at: db.column(&r, 2, READ)?,
            done: db.column::<i64>(&r, 3, READ)?.max(0) as u64,
            total: db.column::<i64>(&r, 4, READ)?.max(0) as u64,
            error: db.column(&r, 5, READ)?,
            has_services: db.column::<i64>(&r, 6, READ)? != 0,
            generation: db.column(&r, 7, READ)?,
            lease_owner: db.column(&r, 8, READ)?,
        })
    }

    // ------------------------------------------------------------------ what pages ask

    /// Mirrored findings (JSON) back: unreadable ones are an error naming the revision.
    fn findings_from(&self, text: &str, family: &str, revision: u32) -> Result<Vec<Finding>, StoreError> {
        serde_json::from_str(text).map_err(|e| {
            StoreError::unavailable(format!(
                "{}: the mirrored findings of {family}:{revision} are unreadable ({e})",
                self.db.name()
            ))
        })
    }

    fn family_record(&self, r: &AnyRow) -> Result<FamilyRecord, StoreError> {
        let db = &self.db;
        Ok(FamilyRecord {
            family: db.column(r, 0, READ)?,
            status: db.column(r, 1, READ)?,
            latest_active: db.column::<Option<i64>>(r, 2, READ)?.and_then(|n| u32::try_from(n).ok()),
            latest_revision: db.u32_column(r, 3, READ)?,
            revision_count: db.u32_column(r, 4, READ)?,
            registered_at: db.column(r, 5, READ)?,
            registered_by: db.column(r, 6, READ)?,
            counts: self.counts(r, 7, READ)?,
            blocking: db.u32_column(r, 12, READ)?,
            in_use: db.u32_column(r, 13, READ)?,
        })
    }

    fn revision_record(&self, r: &AnyRow, doing: &str) -> Result<RevisionRecord, StoreError> {
        let db = &self.db;
        Ok(RevisionRecord {
            revision: db.u32_column(r, 0, doing)?,
            status: db.column(r, 1, doing)?,
            registered_at: db.column(r, 2, doing)?,
            registered_by: db.column(r, 3, doing)?,
            deregistered_at: db.column(r, 4, doing)?,
            counts: self.counts(r, 5, doing)?,
            blocking: db.u32_column(r, 10, doing)?,
        })
    }

    /// The WHERE clause of a family query (parameters from $2: source is $1) and its binds.
    fn family_filter(&self, q: &FamilyQuery) -> (String, Vec<String>) {
        let mut sql = String::from("f.source = $1");
        let mut binds = Vec::new();
        if !q.q.trim().is_empty() {
            binds.push(contains_pattern(q.q.trim()));
            sql.push_str(&format!(" AND f.family_key LIKE ${} ESCAPE '\\'", binds.len() + 1));
        }
        if let Some(s) = q.min_severity {
            sql.push_str(&format!(" AND {} > 0", at_or_above(s, "f.")));
        }
        if q.active_only {
            sql.push_str(" AND f.latest_active IS NOT NULL");
        }
        match q.in_use {
            Some(true) => sql.push_str(" AND f.in_use > 0"),
            Some(false) => sql.push_str(" AND f.in_use = 0"),
            None => {}
        }
        for (column, value) in [("rule", &q.rule), ("category", &q.category)] {
            if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                binds.push(if column == "rule" { v.to_uppercase() } else { v.to_lowercase() });
                sql.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM mirror_rule_hits h WHERE h.source = f.source AND h.family = f.family
                       AND h.revision = f.latest_active AND h.{column} = ${})",
                    binds.len() + 1
                ));
            }
        }
        (sql, binds)
    }

    /// One page of `source`'s families.
    pub async fn families(&self, source: &str, q: &FamilyQuery) -> Result<Page<FamilyRecord>, StoreError> {
        let page_size = if q.page_size == 0 { PAGE_SIZE } else { q.page_size.min(500) };
        let page = q.page.max(1);
        let (filter, binds) = self.family_filter(q);
        let count_sql = format!("SELECT COUNT(*) FROM mirror_families f WHERE {filter}");
        let mut count = sqlx::query_scalar::<_, i64>(&count_sql).bind(source);
        for b in &binds {
            count = count.bind(b);
        }
        let total = count.fetch_one(self.db.pool()).await.map_err(|e| self.db.error(READ, e))?;
        let order = match q.sort {
            FamilySort::Name => self.by_name("f."),
            FamilySort::Findings => {
                format!("f.critical DESC, f.high DESC, f.medium DESC, f.low DESC, f.info DESC, {}", self.by_name("f."))
            }
            FamilySort::Registered => format!("COALESCE(f.registered_at, '') DESC, {}", self.by_name("f.")),
        };
        let columns: String =
            FAMILY_COLUMNS.split(", ").map(|c| format!("f.{}", c.trim())).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {columns} FROM mirror_families f WHERE {filter} ORDER BY {order} LIMIT {page_size} OFFSET {}",
            u64::from(page - 1) * u64::from(page_size)
        );
        let mut query = sqlx::query(&sql).bind(source);
        for b in &binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(self.db.pool()).await.map_err(|e| self.db.error(READ, e))?;
        Ok(Page {
            items: rows.iter().map(|r| self.family_record(r)).collect::<Result<_, _>>()?,
            total: total.max(0) as u64,
            page,
            page_size,
        })
    }

    /// One family's row (`None` when the mirror has no revision of it).
    pub async fn family(&self, source: &str, family: &str) -> Result<Option<FamilyRecord>, StoreError> {
        let row =
            sqlx::query(&format!("SELECT {FAMILY_COLUMNS} FROM mirror_families WHERE source = $1 AND family = $2"))
                .bind(source)
                .bind(family)
                .fetch_optional(self.db.pool())
                .await
                .map_err(|e| self.db.error(READ, e))?;
        row.map(|r| self.family_record(&r)).transpose()
    }

    /// One page of a family's revisions, newest first.
    pub async fn revisions(&self, source: &str, family: &str, page: u32) -> Result<Page<RevisionRecord>, StoreError> {
        let page = page.max(1);
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mirror_revisions WHERE source = $1 AND family = $2")
            .bind(source)
            .bind(family)
            .fetch_one(self.db.pool())
            .await
            .map_err(|e| self.db.error(READ, e))?;
        let rows = sqlx::query(&format!(
            "SELECT {REVISION_COLUMNS} FROM mirror_revisions WHERE source = $1 AND family = $2
             ORDER BY revision DESC LIMIT {PAGE_SIZE} OFFSET {}",
            u64::from(page - 1) * u64::from(PAGE_SIZE)
        ))
        .bind(source)
        .bind(family)
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| self.db.error(READ, e))?;
        Ok(Page {
            items: rows.iter().map(|r| self.revision_record(r, READ)).collect::<Result<_, _>>()?,
            total: total.max(0) as u64,
            page,
            page_size: PAGE_SIZE,
        })
    }

    /// One revision's document and analysis (`None` when it is not mirrored).
    pub async fn revision(
        &self,
        source: &str,
        family: &str,
        revision: u32,
    ) -> Result<Option<StoredRevision>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {REVISION_COLUMNS}, arn, document, findings FROM mirror_revisions
             WHERE source = $1 AND family = $2 AND revision = $3"
        ))
        .bind(source)
        .bind(family)
        .bind(i64_of(revision))
        .fetch_optional(self.db.pool())
        .await
        .map_err(|e| self.db.error(READ, e))?;
        let Some(r) = row else { return Ok(None) };
        let findings: String = self.db.column(&r, 13, READ)?;
        Ok(Some(StoredRevision {
            record: self.revision_record(&r, READ)?,
            arn: self.db.column(&r, 11, READ)?,
            document: self.db.column(&r, 12, READ)?,
            findings: self.findings_from(&findings, family, revision)?,
        }))
    }

    /// The services running revisions of `family` (every revision when `revision` is `None`).
    pub async fn services(
        &self,
        source: &str,
        family: &str,
        revision: Option<u32>,
    ) -> Result<Vec<ServiceUse>, StoreError> {
        let rows = sqlx::query(
            "SELECT cluster, service, family, revision, deployment, desired, running FROM mirror_services
             WHERE source = $1 AND family = $2 AND (CAST($3 AS BIGINT) IS NULL OR revision = $3)
             ORDER BY cluster, service, revision DESC",
        )
        .bind(source)
        .bind(family)
        .bind(revision.map(i64_of))
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| self.db.error(READ, e))?;
        self.service_rows(&rows)
    }

    /// The services running each revision of `family`, as labels (`service web in cluster prod`).
    pub async fn services_by_revision(
        &self,
        source: &str,
        family: &str,
    ) -> Result<BTreeMap<u32, Vec<String>>, StoreError> {
        let mut out: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for s in self.services(source, family, None).await? {
            out.entry(s.revision).or_default().push(s.label());
        }
        Ok(out)
    }

    /// Every service deployment of `source` (what `scan --in-use` scans).
    pub async fn all_services(&self, source: &str) -> Result<Vec<ServiceUse>, StoreError> {
        let rows = sqlx::query(
            "SELECT cluster, service, family, revision, deployment, desired, running FROM mirror_services
             WHERE source = $1 ORDER BY family, revision, cluster, service",
        )
        .bind(source)
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| self.db.error(READ, e))?;
        self.service_rows(&rows)
    }

    /// Every credential found in `family` (or in every family), each with every revision of
    /// the source that still carries the same value (any family, ACTIVE and INACTIVE), the
    /// services running those revisions, and where `secrets migrate` moved it, if it did.
    pub async fn exposure(&self, source: &str, family: Option<&str>) -> Result<Vec<Exposure>, StoreError> {
        let db = &self.db;
        let rows = sqlx::query(
            "SELECT c.family, c.fingerprint, c.revision, c.container, c.place, c.what, r.status
             FROM mirror_credentials c JOIN mirror_revisions r
               ON r.source = c.source AND r.family = c.family AND r.revision = c.revision
             WHERE c.source = $1 AND c.fingerprint IN (
                 SELECT fingerprint FROM mirror_credentials WHERE source = $1 AND (CAST($2 AS TEXT) IS NULL OR family = $2))
             ORDER BY c.fingerprint, c.family, c.revision DESC, c.container, c.place",
        )
        .bind(source)
        .bind(family)
        .fetch_all(db.pool())
        .await
        .map_err(|e| db.error(READ, e))?;
        let latest: HashMap<String, Option<u32>> = {
            let fams = sqlx::query("SELECT family, latest_active FROM mirror_families WHERE source = $1 AND (CAST($2 AS TEXT) IS NULL OR family = $2)")
                .bind(source)
                .bind(family)
                .fetch_all(db.pool())
                .await
                .map_err(|e| db.error(READ, e))?;
            let mut m = HashMap::new();
            for r in &fams {
                m.insert(
                    db.column::<String>(r, 0, READ)?,
                    db.column::<Option<i64>>(r, 1, READ)?.and_then(|n| u32::try_from(n).ok()),
                );
            }
            m
        };
        let mut services: HashMap<(String, u32), Vec<String>> = HashMap::new();
        for s in self.all_services(source).await? {
            services.entry((s.family.clone(), s.revision)).or_default().push(s.label());
        }
        let mut out: Vec<Exposure> = Vec::new();
        for r in &rows {
            let fam: String = db.column(r, 0, READ)?;
            let fp: String = db.column(r, 1, READ)?;
            let revision = db.u32_column(r, 2, READ)?;
            let row = ExposedRevision {
                family: fam.clone(),
                revision,
                status: db.column(r, 6, READ)?,
                container: db.column(r, 3, READ)?,
                place: db.column(r, 4, READ)?,
                services: services.get(&(fam.clone(), revision)).cloned().unwrap_or_default(),
            };
            match out.last_mut() {
                Some(e) if e.fingerprint == fp => {
                    if !e.revisions.iter().any(|x| x.family == row.family && x.revision == row.revision) {
                        e.revisions.push(row)
                    }
                }
                _ => out.push(Exposure {
                    family: family.map(str::to_string).unwrap_or_else(|| fam.clone()),
                    id: fp[..12.min(fp.len())].to_string(),
                    fingerprint: fp.clone(),
                    what: db.column(r, 5, READ)?,
                    place: row.place.clone(),
                    container: row.container.clone(),
                    revisions: vec![row],
                    in_latest: false,
                    moved: None,
                }),
            }
        }
        // Where each value went: the newest move of each fingerprint, in one query.
        let moves = sqlx::query(
            "SELECT fingerprint, value_from, to_revision, moved_at, moved_by, family FROM secret_moves
             WHERE source = $1 ORDER BY moved_at DESC",
        )
        .bind(source)
        .fetch_all(db.pool())
        .await
        .map_err(|x| db.error(READ, x))?;
        let mut moved: HashMap<String, MovedTo> = HashMap::new();
        for m in &moves {
            let fp: String = db.column(m, 0, READ)?;
            if moved.contains_key(&fp) {
                continue;
            }
            moved.insert(
                fp,
                MovedTo {
                    value_from: db.column(m, 1, READ)?,
                    to_revision: db.column::<Option<i64>>(m, 2, READ)?.and_then(|n| u32::try_from(n).ok()),
                    moved_at: db.column(m, 3, READ)?,
                    moved_by: db.column(m, 4, READ)?,
                    family: db.column(m, 5, READ)?,
                },
            );
        }
        for e in &mut out {
            e.in_latest = e.revisions.iter().any(|r| latest.get(&r.family).copied().flatten() == Some(r.revision));
            e.moved = moved.remove(&e.fingerprint);
        }
        Ok(out)
    }

    /// Record that `secrets migrate` moved a credential (by fingerprint) into a secret.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_move(
        &self,
        source: &str,
        family: &str,
        fingerprint: &str,
        container: &str,
        variable: &str,
        value_from: &str,
        from_revision: u32,
        to_revision: Option<u32>,
        by: &str,
    ) -> Result<(), StoreError> {
        let now = self.db.now();
        sqlx::query(&format!(
            "INSERT INTO secret_moves (source, family, fingerprint, container, variable, value_from, from_revision,
                 to_revision, moved_at, moved_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, {now}, $9)"
        ))
        .bind(source)
        .bind(family)
        .bind(fingerprint)
        .bind(container)
        .bind(variable)
        .bind(value_from)
        .bind(i64_of(from_revision))
        .bind(to_revision.map(i64_of))
        .bind(by)
        .execute(self.db.pool())
        .await
        .map_err(|e| self.db.error(WRITE, e))?;
        Ok(())
    }

    /// The credentials stored for one revision.
    pub async fn credentials(
        &self,
        source: &str,
        family: &str,
        revision: u32,
    ) -> Result<Vec<CredentialRecord>, StoreError> {
        let db = &self.db;
        let rows = sqlx::query(
            "SELECT container, place, what, fingerprint FROM mirror_credentials
             WHERE source = $1 AND family = $2 AND revision = $3 ORDER BY container, place",
        )
        .bind(source)
        .bind(family)
        .bind(i64_of(revision))
        .fetch_all(db.pool())
        .await
        .map_err(|e| db.error(READ, e))?;
        rows.iter().map(|r| self.credential_at(r, 0)).collect()
    }

    /// A credential row's `container, place, what, fingerprint`, from column `at` on.
    fn credential_at(&self, r: &AnyRow, at: usize) -> Result<CredentialRecord, StoreError> {
        let db = &self.db;
        Ok(CredentialRecord {
            container: db.column(r, at, READ)?,
            place: db.column(r, at + 1, READ)?,
            what: db.column(r, at + 2, READ)?,
            fingerprint: db.column(r, at + 3, READ)?,
        })
    }

    /// The credentials of every mirrored revision of `family`, by revision.
    async fn family_credentials(
        &self,
        source: &str,
        family: &str,
    ) -> Result<HashMap<u32, Vec<CredentialRecord>>, StoreError> {
        let db = &self.db;
        let rows = sqlx::query(
            "SELECT revision, container, place, what, fingerprint FROM mirror_credentials
             WHERE source = $1 AND family = $2",
        )
        .bind(source)
        .bind(family)
        .fetch_all(db.pool())
        .await
        .map_err(|e| db.error(READ, e))?;
        let mut out: HashMap<u32, Vec<CredentialRecord>> = HashMap::new();
        for r in &rows {
            out.entry(db.u32_column(r, 0, READ)?).or_default().push(self.credential_at(r, 1)?);
        }
        Ok(out)
    }

    /// Every mirrored revision of `family`, oldest first (not paged: prune and history).
    pub async fn all_revisions(&self, source: &str, family: &str) -> Result<Vec<RevisionRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {REVISION_COLUMNS} FROM mirror_revisions WHERE source = $1 AND family = $2 ORDER BY revision"
        ))
        .bind(source)
        .bind(family)
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| self.db.error(READ, e))?;
        rows.iter().map(|r| self.revision_record(r, READ)).collect()
    }

    /// Every mirrored revision of `family`, oldest first, with what it changed against the
    /// one before it (masked, as the semantic diff shows it). Each pair is diffed once and
    /// kept (`mirror_history`), so a family's history costs one diff per new revision.
    pub async fn history(
        &self,
        source: &str,
        family: &str,
    ) -> Result<Vec<(RevisionRecord, Vec<HistoryChange>)>, StoreError> {
        let db = &self.db;
        let records = self.all_revisions(source, family).await?;
        // The analysis, and how history is computed (2: credentials whose masked values differ).
        let version = format!("{}+history.2", analysis_version());
        let cached = sqlx::query(
            "SELECT revision, prev_revision, rules_version, changes FROM mirror_history WHERE source = $1 AND family = $2",
        )
        .bind(source)
        .bind(family)
        .fetch_all(db.pool())
        .await
        .map_err(|e| db.error(READ, e))?;
        let mut known: HashMap<u32, (u32, String, String)> = HashMap::new();
        for r in &cached {
            known.insert(
                db.u32_column(r, 0, READ)?,
                (db.u32_column(r, 1, READ)?, db.column(r, 2, READ)?, db.column(r, 3, READ)?),
            );
        }
        let mut docs: HashMap<u32, Document> = HashMap::new();
        // Every revision's credentials, read once when a pair is to be diffed.
        let mut credentials: Option<HashMap<u32, Vec<CredentialRecord>>> = None;
        let mut out = Vec::with_capacity(records.len());
        for (i, rec) in records.iter().enumerate() {
            let Some(prev) = i.checked_sub(1).map(|p| records[p].revision) else {
                out.push((rec.clone(), Vec::new()));
                continue;
            };
            if let Some((p, v, text)) = known.get(&rec.revision) {
                if *p == prev && *v == version {
                    if let Ok(changes) = serde_json::from_str::<Vec<HistoryChange>>(text) {
                        out.push((rec.clone(), changes));
                        continue;
                    }
                }
            }
            for r in [prev, rec.revision] {
                if !docs.contains_key(&r) {
                    let text: String = sqlx::query_scalar(
                        "SELECT document FROM mirror_revisions WHERE source = $1 AND family = $2 AND revision = $3",
                    )
                    .bind(source)
                    .bind(family)
                    .bind(i64_of(r))
                    .fetch_one(db.pool())
                    .await
                    .map_err(|e| db.error(READ, e))?;
                    let doc = Document::parse(text).map_err(|e| {
                        StoreError::unavailable(format!(
                            "the mirrored document of {family}:{r} is unreadable: {}",
                            e.message
                        ))
                    })?;
                    docs.insert(r, doc);
                }
            }
            if credentials.is_none() {
                credentials = Some(self.family_credentials(source, family).await?);
            }
            let creds = |r: u32| credentials.as_ref().and_then(|c| c.get(&r)).map_or(&[][..], Vec::as_slice);
            let differing = differing_values(creds(prev), creds(rec.revision));
            let changes = crate::core::history::changes(&docs[&prev], &docs[&rec.revision], &differing);
            sqlx::query(
                "INSERT INTO mirror_history (source, family, revision, prev_revision, rules_version, changes)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (source, family, revision) DO UPDATE SET prev_revision = excluded.prev_revision,
                     rules_version = excluded.rules_version, changes = excluded.changes",
            )
            .bind(source)
            .bind(family)
            .bind(i64_of(rec.revision))
            .bind(i64_of(prev))
            .bind(&version)
            .bind(serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into()))
            .execute(db.pool())
            .await
            .map_err(|e| db.error(WRITE, e))?;
            docs.remove(&prev);
            out.push((rec.clone(), changes));
        }
        Ok(out)
    }

    fn service_rows(&self, rows: &[AnyRow]) -> Result<Vec<ServiceUse>, StoreError> {
        let db = &self.db;
        rows.iter()
            .map(|r| {
                Ok(ServiceUse {
                    cluster: db.column(r, 0, READ)?,
                    service: db.column(r, 1, READ)?,
                    family: db.column(r, 2, READ)?,
                    revision: db.u32_column(r, 3, READ)?,
                    deployment: db.column(r, 4, READ)?,
                    desired: db.u32_column(r, 5, READ)?,
                    running: db.u32_column(r, 6, READ)?,
                })
            })
            .collect()
    }

    /// The audit's aggregate: every rule found in `source`'s latest ACTIVE revisions, most
    /// severe first, with how many findings and families.
    pub async fn rule_totals(&self, source: &str) -> Result<Vec<RuleTotal>, StoreError> {
        let rows = sqlx::query(
            "SELECT h.rule, MAX(h.severity), MIN(h.category), CAST(SUM(h.hits) AS BIGINT), COUNT(*)
             FROM mirror_rule_hits h JOIN mirror_families f
               ON f.source = h.source AND f.family = h.family AND f.latest_active = h.revision
             WHERE h.source = $1 GROUP BY h.rule",
        )
        .bind(source)
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| self.db.error(READ, e))?;
        let db = &self.db;
        let mut out = rows
            .iter()
            .map(|r| {
                let severity: i64 = db.column(r, 1, READ)?;
                Ok(RuleTotal {
                    rule: db.column(r, 0, READ)?,
                    severity: severity_of(severity),
                    category: db.column(r, 2, READ)?,
                    findings: db.column::<i64>(r, 3, READ)?.max(0) as u64,
                    families: db.column::<i64>(r, 4, READ)?.max(0) as u64,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.families.cmp(&a.families)).then(a.rule.cmp(&b.rule)));
        Ok(out)
    }

    /// `source`'s totals over the latest ACTIVE revision of each family.
    pub async fn totals(&self, source: &str) -> Result<Totals, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT COUNT(*), {sum}(revision_count){end}, {sum}(CASE WHEN {serious} > 0 THEN 1 ELSE 0 END){end},
                    {sum}(info){end}, {sum}(low){end}, {sum}(medium){end}, {sum}(high){end},
                    {sum}(critical){end}, {sum}(blocking){end},
                    {sum}(CASE WHEN in_use > 0 THEN 1 ELSE 0 END){end}
             FROM mirror_families WHERE source = $1",
            // PostgreSQL sums to NUMERIC, which the Any driver cannot read.
            sum = "CAST(COALESCE(SUM",
            end = ", 0) AS BIGINT)",
            serious = at_or_above(Severity::High, "")
        ))
        .bind(source)
        .fetch_one(self.db.pool())
        .await
        .map_err(|e| self.db.error(READ, e))?;
        let n = |i: usize| -> Result<u64, StoreError> { Ok(self.db.column::<i64>(&r, i, READ)?.max(0) as u64) };
        Ok(Totals {
            families: n(0)?,
            revisions: n(1)?,
            serious_families: n(2)?,
            counts: [n(3)?, n(4)?, n(5)?, n(6)?, n(7)?],
            blocking: n(8)?,
            in_use_families: n(9)?,
        })
    }

    /// The latest ACTIVE revision of each family after `after` (by name, bytewise), at most
    /// `limit`, with its findings: how exports walk a whole source in bounded memory.
    pub async fn latest_after(
        &self,
        source: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(String, u32, Vec<Finding>)>, StoreError> {
        let order = match self.dialect() {
            Dialect::Sqlite => "f.family",
            Dialect::Postgres => r#"f.family COLLATE "C""#,
        };
        let rows = sqlx::query(&format!(
            "SELECT f.family, r.revision, r.findings FROM mirror_families f JOIN mirror_revisions r
               ON r.source = f.source AND r.family = f.family AND r.revision = f.latest_active
             WHERE f.source = $1 AND (CAST($2 AS TEXT) IS NULL OR {order} > $2)
             ORDER BY {order} LIMIT {limit}"
        ))
        .bind(source)
        .bind(after)
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| self.db.error(READ, e))?;
        rows.iter()
            .map(|r| {
                let family: String = self.db.column(r, 0, READ)?;
                let revision = self.db.u32_column(r, 1, READ)?;
                let text: String = self.db.column(r, 2, READ)?;
                let findings = self.findings_from(&text, &family, revision)?;
                Ok((family, revision, findings))
            })
            .collect()
    }

    /// The findings of these revisions, without their fixes (for a page of families).
    pub async fn findings_of(
        &self,
        source: &str,
        revisions: &[(String, u32)],
    ) -> Result<Vec<Vec<Finding>>, StoreError> {
        let mut out = Vec::with_capacity(revisions.len());
        for (family, revision) in revisions {
            let text: Option<String> = sqlx::query_scalar(
                "SELECT brief FROM mirror_revisions WHERE source = $1 AND family = $2 AND revision = $3",
            )
            .bind(source)
            .bind(family)
            .bind(i64_of(*revision))
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| self.db.error(READ, e))?;
            out.push(match text {
                Some(t) => self.findings_from(&t, family, *revision)?,
                None => vec![],
            });
        }
        Ok(out)
    }
}

/// Findings without their fixes: what lists show, a fraction of the size to read back.
fn brief(findings: &[Finding]) -> Vec<Finding> {
    findings.iter().map(|f| Finding { fix: None, ..f.clone() }).collect()
}

/// `Severity as i64` back (out of range: info).
fn severity_of(n: i64) -> Severity {
    match n {
        4 => Severity::Critical,
        3 => Severity::High,
        2 => Severity::Medium,
        1 => Severity::Low,
        _ => Severity::Info,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_like_characters() {
        assert_eq!(contains_pattern("Web_App%"), "%web\\_app\\%%");
        assert_eq!(contains_pattern("a\\b"), "%a\\\\b%");
    }

    #[test]
    fn severities_round_trip_through_their_rank() {
        for s in Severity::ALL {
            assert_eq!(severity_of(s as i64), s);
        }
        assert_eq!(at_or_above(Severity::High, "f."), "(f.critical + f.high)");
    }

    #[test]
    fn values_differ_where_the_keyed_hashes_differ_or_one_side_has_none() {
        let c = |container: &str, place: &str, fp: &str| CredentialRecord {
            container: container.into(),
            place: place.into(),
            what: "an API key".into(),
            fingerprint: fp.into(),
        };
        let a = [
            c("app", "environment › DD_API_KEY", "aa"),
            c("app", "environment › MYSQL_PW", "bb"),
            c("app", "environment › SAME", "cc"),
            c("app", "command[2]", "dd"),
            c("", "driverOpts › password", "ee"),
        ];
        let b = [
            c("app", "environment › DD_API_KEY", "a2"),
            c("app", "environment › SAME", "cc"),
            c("app", "dockerLabels › token", "ff"),
            c("app", "command[2]", "d2"),
            c("", "driverOpts › password", "e2"),
        ];
        let places: Vec<String> = differing_values(&a, &b)
            .into_iter()
            .map(|v| format!("{} {}", v.container.unwrap_or_default(), v.place))
            .collect();
        // Rotated, now a placeholder (only in a), now a credential (only in b); the command line
        // and the task's volume options are exposure's, not the diff's.
        assert_eq!(places, ["app dockerLabels › token", "app environment › DD_API_KEY", "app environment › MYSQL_PW"]);
    }
}
