//! The data shapes the server sends and the pages show, compiled for the server and for the
//! browser alike (no server-only types: the store's records are turned into these by the
//! service layer, `server::service`). Also how a page's filters live in its URL query, so that
//! a link is shareable and a page works before (or without) WASM.

use serde::{Deserialize, Serialize};

use crate::core::diff::Diff;
use crate::core::finding::{Finding, Severity};
use crate::core::graph::Graph;

/// One page of a long list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// Rows in the whole list.
    pub total: u64,
    /// 1-based.
    pub page: u32,
    /// How many pages the list has (at least 1).
    pub pages: u32,
}

/// A service deployment running a revision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceRow {
    pub cluster: String,
    pub service: String,
    pub revision: u32,
    /// PRIMARY (what it runs now) or ACTIVE (being replaced).
    pub deployment: String,
    pub desired: u32,
    pub running: u32,
}

impl ServiceRow {
    /// `service web in cluster prod`.
    pub fn label(&self) -> String {
        format!("service {} in cluster {}", self.service, self.cluster)
    }
}

/// Where the mirror of the source shown stands.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncInfo {
    /// `never`, `syncing`, `idle`, `partial`, `failed`.
    pub state: String,
    /// When the last sync that reached the source finished (RFC 3339).
    pub synced_at: Option<String>,
    pub done: u64,
    pub total: u64,
    /// What failed, when something did (never a value).
    pub error: Option<String>,
    /// True when the last sync could not reach the source: the pages show the mirror as of
    /// `synced_at`.
    pub stale: bool,
    pub has_services: bool,
    /// True when this user may start a sync (an editor, and something syncs).
    pub can_refresh: bool,
}

/// A URL query as (key, value) pairs, for building links (empty values left out).
pub fn query_string(pairs: &[(&str, String)]) -> String {
    let parts: Vec<String> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", percent_encode(v))).collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// Percent-encode a query value (everything but unreserved characters).
fn percent_encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A page number from the query: 1 when absent or not a positive number.
fn page_of(v: Option<String>) -> u32 {
    v.and_then(|p| p.trim().parse::<u32>().ok()).filter(|p| *p >= 1).unwrap_or(1)
}

fn text_of(v: Option<String>) -> String {
    v.map(|s| s.trim().chars().take(200).collect()).unwrap_or_default()
}

/// The families page's filters, as its URL query says them
/// (`?q=web&sev=high&category=secrets&rule=SEC001&use=yes&sort=findings&page=2`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamiliesQuery {
    /// Substring of the family name (case-insensitive).
    pub q: String,
    /// Only families with a finding at or above this severity (`critical`, `high` …).
    pub sev: String,
    pub category: String,
    pub rule: String,
    /// `yes`: only families a service runs; `no`: only those none runs.
    pub in_use: String,
    /// `name` (default), `findings`, `registered`.
    pub sort: String,
    pub page: u32,
}

impl FamiliesQuery {
    /// From a URL query (`get` returns a parameter's value).
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> FamiliesQuery {
        FamiliesQuery {
            q: text_of(get("q")),
            sev: text_of(get("sev")),
            category: text_of(get("category")),
            rule: text_of(get("rule")),
            in_use: text_of(get("use")),
            sort: text_of(get("sort")),
            page: page_of(get("page")),
        }
    }

    /// The URL query of this page of the list (`?q=web&page=2`; empty when all are defaults).
    pub fn to_query(&self) -> String {
        query_string(&[
            ("q", self.q.clone()),
            ("sev", self.sev.clone()),
            ("category", self.category.clone()),
            ("rule", self.rule.clone()),
            ("use", self.in_use.clone()),
            ("sort", self.sort.clone()),
            ("page", if self.page > 1 { self.page.to_string() } else { String::new() }),
        ])
    }

    /// The same filters on another page.
    pub fn on_page(&self, page: u32) -> FamiliesQuery {
        FamiliesQuery { page, ..self.clone() }
    }

    /// The severity filter, when it names one.
    pub fn min_severity(&self) -> Option<Severity> {
        self.sev.parse().ok()
    }
}

/// The families page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FamiliesPage {
    pub query: FamiliesQuery,
    pub rows: Paged<FamilyRow>,
    pub sync: SyncInfo,
    /// With a search: revisions whose note matches it (family, revision, note).
    #[serde(default)]
    pub notes: Vec<(String, u32, String)>,
}

/// A family's page: its revisions (paged) and the services running any of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FamilyPage {
    /// This user may prune (an editor, not read-only).
    #[serde(default)]
    pub can_edit: bool,
    pub family: String,
    pub revisions: Paged<RevisionRow>,
    pub services: Vec<ServiceRow>,
    pub has_services: bool,
}

/// The audit page's filters, in its URL query (`?sev=high&category=secrets&rule=SEC001&q=web&page=2`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub sev: String,
    pub category: String,
    pub rule: String,
    /// Substring of the family name.
    pub q: String,
    pub page: u32,
}

impl AuditQuery {
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> AuditQuery {
        AuditQuery {
            sev: text_of(get("sev")),
            category: text_of(get("category")),
            rule: text_of(get("rule")),
            q: text_of(get("q")),
            page: page_of(get("page")),
        }
    }

    pub fn to_query(&self) -> String {
        query_string(&[
            ("sev", self.sev.clone()),
            ("category", self.category.clone()),
            ("rule", self.rule.clone()),
            ("q", self.q.clone()),
            ("page", if self.page > 1 { self.page.to_string() } else { String::new() }),
        ])
    }

    pub fn on_page(&self, page: u32) -> AuditQuery {
        AuditQuery { page, ..self.clone() }
    }

    pub fn min_severity(&self) -> Option<Severity> {
        self.sev.parse().ok()
    }

    /// True when a finding passes the filters (the family filter aside).
    pub fn wants(&self, f: &Finding) -> bool {
        self.min_severity().is_none_or(|s| f.severity >= s)
            && (self.category.is_empty() || f.category.as_str().eq_ignore_ascii_case(&self.category))
            && (self.rule.is_empty() || f.rule.eq_ignore_ascii_case(&self.rule))
    }
}

/// One rule across the account: the audit's aggregate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleRow {
    pub rule: String,
    pub name: String,
    pub severity: Severity,
    pub category: String,
    pub findings: u64,
    pub families: u64,
}

/// The account's totals over each family's latest ACTIVE revision.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditTotals {
    pub families: u64,
    pub revisions: u64,
    pub serious_families: u64,
    /// Findings per severity (indexed by `Severity as usize`).
    pub counts: [usize; 5],
    pub blocking: u64,
    pub in_use_families: u64,
}

/// The audit page: the aggregate first, then the families that match, a page at a time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub query: AuditQuery,
    pub totals: AuditTotals,
    pub rules: Vec<RuleRow>,
    pub families: Paged<AuditRow>,
}

/// A row of the families page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FamilyRow {
    pub family: String,
    pub status: String,
    pub latest_active: Option<u32>,
    pub registered_at: Option<String>,
    pub registered_by: Option<String>,
    pub revision_count: u32,
    /// Findings of the latest ACTIVE revision per severity (indexed by `Severity as usize`).
    pub counts: [usize; 5],
    pub blocking: usize,
    /// Services running any of the family's revisions.
    pub in_use: u32,
}

/// A row of a family's revision list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevisionRow {
    pub revision: u32,
    pub status: String,
    pub registered_at: String,
    pub registered_by: String,
    pub deregistered_at: Option<String>,
    /// Findings per severity (indexed by `Severity as usize`).
    pub counts: [usize; 5],
    pub blocking: usize,
    /// `service <name> in cluster <name>` of every service running this revision.
    pub services: Vec<String>,
    /// The revision's note.
    #[serde(default)]
    pub note: Option<String>,
}

/// The key facts of a task definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub launch_types: Vec<String>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub network_mode: String,
    pub task_role: Option<String>,
    pub execution_role: Option<String>,
    pub platform: String,
    pub arn: String,
}

/// A container's row on the revision page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContainerRow {
    pub name: String,
    pub image: String,
    pub essential: bool,
    pub health_check: bool,
    pub ports: Vec<String>,
    pub cpu: Option<i64>,
    pub memory: Option<String>,
    pub log_driver: Option<String>,
    pub findings: usize,
}

/// Everything the revision page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevisionData {
    pub family: String,
    pub revision: u32,
    pub status: String,
    pub registered_at: String,
    pub registered_by: String,
    pub summary: Summary,
    pub graph: Graph,
    pub findings: Vec<Finding>,
    /// The docs of the rules `findings` cite.
    pub docs: Vec<RuleDoc>,
    pub containers: Vec<ContainerRow>,
    /// The describe output, pretty-printed, secret values masked.
    pub json: String,
    /// True when this user may not edit (a viewer, or `--read-only`).
    pub read_only: bool,
    /// The services running this revision.
    pub running: Vec<ServiceRow>,
    /// The family's services that run another revision (for "compare with what … runs").
    pub elsewhere: Vec<ServiceRow>,
    /// False when the source has no services (the embedded store): nothing is in use there.
    pub has_services: bool,
    /// The revision's note.
    #[serde(default)]
    pub note: Option<NoteView>,
    /// The label of the source it is in, and every source the server offers ("compare with…").
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub sources: Vec<String>,
}

/// A revision's note as the pages show it (plain text; the page escapes it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoteView {
    pub text: String,
    pub written_by: String,
    pub written_at: String,
}

/// A rule's documentation, sent with the findings that cite it: the browser bundle carries
/// no rule prose (see `core::rules::doc`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleDoc {
    pub id: String,
    pub name: String,
    pub what: String,
    pub why: String,
    pub fix: String,
    /// "Security Hub ECS.8", …
    pub references: Vec<String>,
}

impl RuleDoc {
    /// The docs of every rule cited by `findings`, once each, by id.
    #[cfg(feature = "ssr")]
    pub fn for_findings(findings: &[Finding]) -> Vec<RuleDoc> {
        let mut ids: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter_map(crate::core::rules::rule)
            .map(|r| {
                let m = r.meta();
                RuleDoc {
                    id: m.id.into(),
                    name: m.name.into(),
                    what: m.what.into(),
                    why: m.why.into(),
                    fix: m.fix.into(),
                    references: m.references.iter().map(|r| format!("{} {}", r.tool, r.id)).collect(),
                }
            })
            .collect()
    }
}

/// One side of a comparison, as people write it: `[SOURCE:]FAMILY:REVISION`, where SOURCE is
/// a source's label (`local`, a region, `account/region`; absent: the one the request is on)
/// and REVISION a number or `latest` (the latest ACTIVE revision).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RevisionRef {
    /// The source's label; empty: the request's source.
    pub source: String,
    pub family: String,
    /// `None`: the latest ACTIVE revision.
    pub revision: Option<u32>,
}

impl RevisionRef {
    /// Parse `[SOURCE:]FAMILY:REVISION` (REVISION a number ≥ 1 or `latest`), saying what is wrong.
    pub fn parse(text: &str) -> Result<RevisionRef, String> {
        let text = text.trim();
        let expected = || format!("`{text}`: expected [SOURCE:]FAMILY:REVISION (e.g. app:3, eu-west-1:app:latest)");
        let (rest, revision) = text.rsplit_once(':').ok_or_else(expected)?;
        let revision = match revision {
            "latest" => None,
            r => Some(
                r.parse::<u32>()
                    .ok()
                    .filter(|r| *r >= 1)
                    .ok_or_else(|| format!("`{text}`: `{r}` is not a revision number (or `latest`)"))?,
            ),
        };
        let (source, family) = rest.rsplit_once(':').unwrap_or(("", rest));
        let family_ok = !family.is_empty()
            && family.len() <= 255
            && family.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !family_ok {
            return Err(format!(
                "`{text}`: `{family}` is not a family name (letters, digits, hyphens and underscores)"
            ));
        }
        Ok(RevisionRef { source: source.to_string(), family: family.to_string(), revision })
    }
}

impl std::fmt::Display for RevisionRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.source.is_empty() {
            write!(f, "{}:", self.source)?;
        }
        match self.revision {
            Some(r) => write!(f, "{}:{r}", self.family),
            None => write!(f, "{}:latest", self.family),
        }
    }
}

/// One compared revision: where it is, which, and its note.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareSide {
    /// The source's label.
    pub source: String,
    pub family: String,
    pub revision: u32,
    pub note: Option<String>,
    /// True when it is in the source the request is on (its pages open without switching).
    pub here: bool,
}

impl CompareSide {
    /// `app:3`, or `eu-west-1 · app:3` when the sources are worth naming.
    pub fn title(&self, with_source: bool) -> String {
        if with_source {
            format!("{} · {}:{}", self.source, self.family, self.revision)
        } else {
            format!("{}:{}", self.family, self.revision)
        }
    }

    /// How a URL names it: `SOURCE:FAMILY:REVISION`.
    pub fn reference(&self) -> RevisionRef {
        RevisionRef { source: self.source.clone(), family: self.family.clone(), revision: Some(self.revision) }
    }
}

/// The compare page: two revisions of any family and source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareData {
    pub a: CompareSide,
    pub b: CompareSide,
    pub diff: Diff,
    pub a_json: String,
    pub b_json: String,
    /// Every source the server offers, for "compare with…".
    pub sources: Vec<String>,
}

impl CompareData {
    /// True when the two sides are in different sources (then the pages name them).
    pub fn across_sources(&self) -> bool {
        self.a.source != self.b.source
    }
}

/// One line of the audit view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    pub family: String,
    pub revision: u32,
    /// The first findings that match the audit's filters (most severe first).
    pub findings: Vec<AuditFinding>,
    /// How many more match (shown on the revision page).
    pub more: usize,
    /// All of the revision's findings per severity.
    pub counts: [usize; 5],
}

/// A finding as the audit lists it: what, where, how bad (the fix is on the revision page).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditFinding {
    pub rule: String,
    pub severity: Severity,
    pub container: Option<String>,
    pub message: String,
}

/// One register or deregister done through ecs-lens (the audit trail page): the store's
/// `AuditEntry` as the browser receives it (the store's types do not reach the browser build).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditTrailRow {
    pub at: String,
    pub user: String,
    pub action: String,
    pub source: String,
    pub family: String,
    pub revision: u32,
    pub base_revision: Option<u32>,
    pub changes: Vec<String>,
    pub resolved: Vec<String>,
    pub introduced: Vec<String>,
}

/// The audit log page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditTrailPage {
    pub rows: Paged<AuditTrailRow>,
    /// Only this family (`?family=`), when given.
    pub family: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_refs_parse_with_and_without_a_source() {
        let r = |s: &str, f: &str, n: Option<u32>| RevisionRef { source: s.into(), family: f.into(), revision: n };
        for (text, want) in [
            ("app:3", r("", "app", Some(3))),
            ("eu-west-1:app-prod:40", r("eu-west-1", "app-prod", Some(40))),
            ("prod/eu-west-1:app:latest", r("prod/eu-west-1", "app", None)),
            ("local:my_app:1", r("local", "my_app", Some(1))),
        ] {
            assert_eq!(RevisionRef::parse(text).as_ref(), Ok(&want), "{text}");
            assert_eq!(want.to_string(), text, "it prints as it is written");
        }
        for (bad, says) in [
            ("app", "expected [SOURCE:]FAMILY:REVISION"),
            ("app:0", "`0` is not a revision number"),
            ("app:x", "`x` is not a revision number"),
            ("./a.json:3", "is not a family name"),
            ("eu-west-1::3", "is not a family name"),
        ] {
            let err = RevisionRef::parse(bad).unwrap_err();
            assert!(err.contains(says) && err.contains(bad), "{bad}: {err}");
        }
    }

    #[test]
    fn queries_round_trip_through_the_url() {
        let q = FamiliesQuery {
            q: "web app&x".into(),
            sev: "high".into(),
            rule: "SEC001".into(),
            in_use: "yes".into(),
            page: 3,
            ..Default::default()
        };
        let url = q.to_query();
        assert_eq!(url, "?q=web%20app%26x&sev=high&rule=SEC001&use=yes&page=3");
        let pairs: Vec<(String, String)> = url
            .trim_start_matches('?')
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_string(), v.replace("%20", " ").replace("%26", "&"))
            })
            .collect();
        let back = FamiliesQuery::from_query(|k| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()));
        assert_eq!(back, q);
        assert_eq!(FamiliesQuery::default().to_query(), "");
        assert_eq!(FamiliesQuery::from_query(|k| (k == "page").then(|| "-4".to_string())).page, 1);
        assert_eq!(q.min_severity(), Some(Severity::High));
    }

    #[test]
    fn the_audit_filters_pick_findings() {
        let q = AuditQuery { sev: "high".into(), category: "SECRETS".into(), ..Default::default() };
        let mut f: Finding = serde_json::from_value(serde_json::json!({
            "rule": "SEC001", "severity": "critical", "category": "secrets", "message": "m", "pointer": "",
            "line": 1, "column": 1, "end_line": 1, "end_column": 1, "container": null, "fix": null
        }))
        .unwrap();
        assert!(q.wants(&f));
        f.severity = Severity::Low;
        assert!(!q.wants(&f));
    }
}

// ---------------------------------------------------------------- secrets

/// One secret of a migration, as the review shows it (names and ARNs, never values).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewSecret {
    pub name: String,
    pub containers: Vec<String>,
    /// Its JSON keys, or the one variable it holds.
    pub keys: Vec<String>,
    pub json: bool,
    /// The ARN Secrets Manager/SSM returned; for a plan, the partial ARN it will have.
    pub arn: String,
    /// `to create` (plan), `created`, `updated` (a new version), `unchanged`.
    pub state: String,
}

/// One variable that moves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewMove {
    pub container: String,
    pub variable: String,
    pub what: String,
    pub value_from: String,
}

/// One permission the execution role needs, and what its policies say.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessCheck {
    pub action: String,
    pub resource: String,
    /// `allowed`, `allowed-with-condition`, `missing`, `denied`, `not-checked`.
    pub result: String,
    pub detail: String,
}

/// A migration: the plan and review before anything is created, or what was done.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MigrationReview {
    pub family: String,
    pub revision: u32,
    /// `secretsmanager` or `ssm`.
    pub store: String,
    /// `per-task` or `per-variable`.
    pub layout: String,
    /// The source can create secrets (an AWS account); the embedded store cannot.
    pub can_create: bool,
    /// Something was created (not a plan).
    pub executed: bool,
    /// This user may carry the migration out (an editor, not read-only).
    pub can_edit: bool,
    pub secrets: Vec<ReviewSecret>,
    pub moves: Vec<ReviewMove>,
    /// (container, variable, why it stays).
    pub skipped: Vec<(String, String, String)>,
    /// The revision against the rewritten task definition (masked).
    pub diff: Diff,
    /// The rewritten register input, pretty JSON (holds no value: only references).
    pub rewritten: String,
    /// The same move by hand (values through files, never command lines).
    pub commands: Vec<String>,
    pub execution_role: Option<String>,
    pub access: Vec<AccessCheck>,
    /// The inline policy `--grant` attached, if it did.
    pub granted: Option<String>,
    /// The revision registered, if it was.
    pub registered: Option<u32>,
    /// What to know (nothing created; rotate; …).
    pub notes: Vec<String>,
}

/// One revision still carrying a credential.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExposedRow {
    pub family: String,
    pub revision: u32,
    pub status: String,
    pub container: String,
    pub place: String,
    pub services: Vec<String>,
}

/// One credential and where its value still is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExposureItem {
    pub id: String,
    pub what: String,
    pub container: String,
    pub place: String,
    pub revisions: Vec<ExposedRow>,
    pub in_latest: bool,
    /// `valueFrom` it moved to (by `secrets migrate`), or the variable's current `secrets`
    /// reference in the latest revision.
    pub moved_to: Option<String>,
}

/// The exposure of a family (or every family).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExposureReport {
    pub family: Option<String>,
    pub items: Vec<ExposureItem>,
    /// Revisions of the family a purge would delete (exposed, not run by a service, not the latest ACTIVE).
    pub purgeable: Vec<u32>,
    /// Exposed revisions a purge keeps, and why.
    pub kept: Vec<(u32, String)>,
    pub can_purge: bool,
    /// The family's latest ACTIVE revision (where a migration starts).
    pub latest: Option<u32>,
}

/// What a purge did (or would do).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PurgeReport {
    pub family: String,
    pub dry_run: bool,
    pub deregistered: Vec<u32>,
    pub deleted: Vec<u32>,
    pub kept: Vec<(u32, String)>,
    pub failed: Vec<(u32, String)>,
    pub advice: String,
}

/// One reference check of `verify`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerifyCheck {
    /// `role`, `secret`, `log-group`, `image`, …
    pub kind: String,
    pub subject: String,
    /// `pass`, `fail`, `not-checked`.
    pub result: String,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub family: String,
    pub revision: u32,
    pub checks: Vec<VerifyCheck>,
}

impl VerifyReport {
    pub fn count(&self, result: &str) -> usize {
        self.checks.iter().filter(|c| c.result == result).count()
    }
}

// ---------------------------------------------------------------- history

/// One revision of a family's history: what it changed against the one before.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRevision {
    pub revision: u32,
    pub status: String,
    pub registered_at: String,
    pub registered_by: String,
    pub note: Option<String>,
    /// Empty for the family's first mirrored revision (`first`).
    pub changes: Vec<crate::core::history::HistoryChange>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub first: bool,
}

/// A family's history, newest first, filtered to one container and/or one key path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryData {
    pub family: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub revisions: Vec<HistoryRevision>,
    /// The containers any revision has (for the filter).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<String>,
    /// The dashboard's page of it: (page, pages, revisions in all); the CLI gets everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging: Option<(u32, u32, u64)>,
}

/// A family's prune plan, or what a prune did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrunePlan {
    pub family: String,
    pub deregister: Vec<u32>,
    pub delete: Vec<u32>,
    /// Revisions left alone, and why (newest N, run by a service, too recent).
    pub kept: Vec<(u32, String)>,
    pub failed: Vec<(u32, String)>,
    pub done: bool,
}
