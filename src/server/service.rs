//! The service layer: what the pages, exports and CLI commands ask, answered from the mirror
//! (never a describe or a lint per request) in the shapes of [`crate::shared`]. The UI's
//! server functions call these and hold no store or analysis logic.

use crate::core::diff::scope::Scope;
use crate::core::document::Document;
use crate::core::history::Filter;
use crate::core::model::TaskDef;
use crate::shared::{
    AuditFinding, AuditPage, AuditQuery, AuditRow, AuditTotals, AuditTrailPage, AuditTrailRow, CompareData,
    CompareSide, ContainerRow, FamiliesPage, FamiliesQuery, FamilyPage, FamilyRow, HistoryData, HistoryRevision,
    NoteView, Paged, RevisionData, RevisionRef, RevisionRow, RuleDoc, RuleRow, ServiceRow, Summary, SyncInfo,
};
use crate::store::mirror::{FamilyQuery, FamilySort, Page, RevisionRecord, StoredRevision, PAGE_SIZE};
use crate::store::notes::Note;
use crate::store::{ServiceUse, StoreError, TaskDefStore};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::AppState;

/// Families per page of the audit (each with its findings).
pub const AUDIT_PAGE_SIZE: u32 = 20;

/// Findings listed per family on the audit page (the rest: "… N more", on the revision page).
pub const AUDIT_FINDINGS_SHOWN: usize = 10;

fn paged<T, U>(page: Page<T>, f: impl FnMut(T) -> U) -> Paged<U> {
    let pages = page.pages();
    Paged { items: page.items.into_iter().map(f).collect(), total: page.total, page: page.page, pages }
}

fn counts(c: [u32; 5]) -> [usize; 5] {
    c.map(|n| n as usize)
}

fn service_row(s: ServiceUse) -> ServiceRow {
    ServiceRow {
        cluster: s.cluster,
        service: s.service,
        revision: s.revision,
        deployment: s.deployment,
        desired: s.desired,
        running: s.running,
    }
}

/// Where the mirror of the request's source stands.
pub async fn sync_info(state: &AppState) -> Result<SyncInfo, StoreError> {
    let s = state.mirror.status(&state.source_name()).await?;
    Ok(SyncInfo {
        stale: s.state == "failed",
        state: s.state,
        synced_at: s.synced_at,
        done: s.done,
        total: s.total,
        error: s.error,
        has_services: s.has_services,
        can_refresh: state.can_edit() && state.syncer.is_some(),
    })
}

/// The families page: one page of the source's families, filtered and sorted in the database.
pub async fn families(state: &AppState, query: FamiliesQuery) -> Result<FamiliesPage, StoreError> {
    let q = FamilyQuery {
        q: query.q.clone(),
        min_severity: query.min_severity(),
        category: Some(query.category.clone()).filter(|c| !c.is_empty()),
        rule: Some(query.rule.clone()).filter(|r| !r.is_empty()),
        in_use: match query.in_use.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        sort: FamilySort::parse(&query.sort).unwrap_or_default(),
        page: query.page,
        ..Default::default()
    };
    let page = state.mirror.families(&state.source_name(), &q).await?;
    let rows = paged(page, |f| FamilyRow {
        family: f.family,
        status: f.status,
        latest_active: f.latest_active,
        registered_at: f.registered_at,
        registered_by: f.registered_by,
        revision_count: f.revision_count,
        counts: counts(f.counts),
        blocking: f.blocking as usize,
        in_use: f.in_use,
    });
    let notes = if query.q.trim().is_empty() {
        Vec::new()
    } else {
        state
            .mirror
            .notes()
            .search(&state.source_name(), query.q.trim(), 20)
            .await?
            .into_iter()
            .map(|(f, r, n)| (f, r, n.text))
            .collect()
    };
    Ok(FamiliesPage { query, rows, sync: sync_info(state).await?, notes })
}

fn revision_row(r: RevisionRecord, services: &[ServiceUse], notes: &BTreeMap<u32, Note>) -> RevisionRow {
    RevisionRow {
        note: notes.get(&r.revision).map(|n| n.text.clone()),
        services: services.iter().filter(|s| s.revision == r.revision).map(ServiceUse::label).collect(),
        revision: r.revision,
        status: r.status,
        registered_at: r.registered_at,
        registered_by: r.registered_by,
        deregistered_at: r.deregistered_at,
        counts: counts(r.counts),
        blocking: r.blocking as usize,
    }
}

/// A family's page: its revisions (newest first, paged) and the services running any of them.
/// `NotFound` when the mirror has no revision of it.
pub async fn family(state: &AppState, family: &str, page: u32) -> Result<FamilyPage, StoreError> {
    let source = state.source_name();
    if state.mirror.family(&source, family).await?.is_none() {
        return Err(StoreError::family_not_found(family));
    }
    let services = state.mirror.services(&source, family, None).await?;
    let revisions = state.mirror.revisions(&source, family, page).await?;
    let notes = state.mirror.notes().of_family(&source, family).await?;
    let revisions = paged(revisions, |r| revision_row(r, &services, &notes));
    Ok(FamilyPage {
        can_edit: state.can_edit() && !state.store.is_read_only(),
        family: family.to_string(),
        revisions,
        services: services.into_iter().map(service_row).collect(),
        has_services: state.mirror.status(&source).await?.has_services,
    })
}

/// A source the request may read: its label, its mirror key and its store. `label` empty: the
/// request's own; else a label the server offers (`eu-west-1`) or its mirror key (`aws:eu-west-1`).
pub fn source_of(state: &AppState, label: &str) -> Result<(String, String, Arc<dyn TaskDefStore>), StoreError> {
    if label.is_empty() || super::names_source(&state.source, label) {
        return Ok((state.source.clone(), state.source_name(), state.store.clone()));
    }
    match state.sources.iter().find(|(l, _)| super::names_source(l, label)) {
        Some((l, store)) => Ok((l.clone(), super::source_key(l), store.clone())),
        None => Err(StoreError::invalid(
            "",
            format!(
                "no source `{label}` here (the sources: {})",
                state.sources.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}

/// One revision as the mirror of `source` holds it (masked document, stored findings); a
/// revision the mirror has not seen yet brings its family up to date first, and one the source
/// does not have is `NotFound` in the store's own words. `None` as revision: the latest ACTIVE.
async fn mirrored_in(
    store: &dyn TaskDefStore,
    mirror: &crate::store::mirror::Mirror,
    source: &str,
    family: &str,
    revision: Option<u32>,
    synced: bool,
) -> Result<(StoredRevision, Document), StoreError> {
    let look = || async {
        let revision = match revision {
            Some(r) => Some(r),
            None => match mirror.family(source, family).await? {
                Some(f) => match f.latest_active {
                    Some(r) => Some(r),
                    None => return Err(StoreError::no_active_revision(family, f.latest_revision)),
                },
                None => None,
            },
        };
        match revision {
            Some(r) => Ok(mirror.revision(source, family, r).await?),
            None => Ok(None),
        }
    };
    let stored = match look().await? {
        Some(s) => s,
        None => {
            if !synced {
                crate::store::sync::sync_family(store, mirror, source, family).await?;
            }
            match look().await? {
                Some(s) => s,
                None => {
                    return Err(store.describe(family, revision).await.err().unwrap_or_else(|| match revision {
                        Some(r) => StoreError::revision_not_found(family, r, None),
                        None => StoreError::family_not_found(family),
                    }))
                }
            }
        }
    };
    let doc = Document::parse(stored.document.as_str()).map_err(|e| {
        let at = stored.record.revision;
        StoreError::unavailable(format!("the mirrored document of {family}:{at} is unreadable: {}", e.message))
    })?;
    Ok((stored, doc))
}

/// One revision of the request's source, from the mirror (see [`mirrored_in`]).
async fn mirrored(state: &AppState, family: &str, revision: u32) -> Result<(StoredRevision, Document), StoreError> {
    mirrored_in(state.store.as_ref(), &state.mirror, &state.source_name(), family, Some(revision), false).await
}

/// One side of a comparison as the mirror keeps it: which revision (or file) it is, its masked
/// document and findings, and its credentials by keyed hash.
pub struct Compared {
    pub side: CompareSide,
    pub doc: Document,
    /// The masked document's text.
    pub json: String,
    pub findings: Vec<crate::core::finding::Finding>,
    pub credentials: Vec<crate::store::mirror::CredentialRecord>,
    /// Its account and region (from its ARN), when known.
    pub scope: Option<Scope>,
}

impl Compared {
    /// The diff of two sides: their masked documents with their stored findings (nothing
    /// linted), and the credentials whose values differ though both show the same mask.
    pub fn diff(&self, other: &Compared) -> crate::core::diff::Diff {
        let mut d =
            crate::core::diff::diff_with_findings(&self.doc, &other.doc, self.findings.clone(), other.findings.clone());
        let differing = crate::store::mirror::differing_values(&self.credentials, &other.credentials);
        crate::core::diff::add_value_changes(&mut d.changes, &differing);
        if let (Some(a), Some(b)) = (&self.scope, &other.scope) {
            crate::core::diff::scope::mark(&mut d, a, b);
        }
        d
    }
}

/// One side of a comparison, from the mirror of its source. `refresh`: bring its family up to
/// date first (the CLI, which has no background sync); a source that cannot be reached then
/// leaves the mirror to answer alone, and `warn` is told why.
pub async fn compared_revision(
    state: &AppState,
    r: &RevisionRef,
    refresh: bool,
    warn: &(dyn Fn(&StoreError) + Sync),
) -> Result<Compared, StoreError> {
    let (label, key, store) = source_of(state, &r.source)?;
    if refresh {
        if let Err(e) = crate::store::sync::sync_family(store.as_ref(), &state.mirror, &key, &r.family).await {
            warn(&e);
        }
    }
    let (stored, doc) = mirrored_in(store.as_ref(), &state.mirror, &key, &r.family, r.revision, refresh).await?;
    let revision = stored.record.revision;
    let note = state.mirror.notes().get(&key, &r.family, revision).await?.map(|n| n.text);
    let credentials = state.mirror.credentials(&key, &r.family, revision).await?;
    let side =
        CompareSide { here: key == state.source_name(), source: label, family: r.family.clone(), revision, note };
    let scope = Scope::of_arn(&stored.arn);
    Ok(Compared { side, doc, json: stored.document, findings: stored.findings, credentials, scope })
}

/// A document outside any store (a file) as one side of a comparison, analysed as the mirror
/// analyses a revision (masked, credentials by the mirror's keyed hash), so that the same
/// value on both sides is no change. `name` labels it.
pub async fn compared_document(state: &AppState, doc: &Document, name: &str) -> Result<Compared, StoreError> {
    let key = state.mirror.fingerprint_key().await?;
    let (json, findings, credentials) = crate::store::mirror::analyse_document(doc, &key);
    let masked = Document::parse(json.as_str())
        .map_err(|e| StoreError::invalid("", format!("{name}: cannot read it back masked: {}", e.message)))?;
    let side = CompareSide { source: String::new(), family: name.to_string(), revision: 0, note: None, here: false };
    // Describe output names where it was registered.
    let arn = doc.task_definition().and_then(|t| t.get("taskDefinitionArn")).and_then(|v| v.as_str());
    let scope = arn.and_then(Scope::of_arn);
    Ok(Compared { side, doc: masked, json, findings, credentials, scope })
}

/// Two revisions of any family and source compared, from the mirror: their masked documents
/// and the findings stored with them (nothing is described or linted); changes that are equal
/// but for account ids and regions are marked as such, and a credential whose value changed
/// is a change though both values are masked.
pub async fn compare(state: &AppState, a: &RevisionRef, b: &RevisionRef) -> Result<CompareData, StoreError> {
    let a = compared_revision(state, a, false, &|_| {}).await?;
    let b = compared_revision(state, b, false, &|_| {}).await?;
    let diff = a.diff(&b);
    Ok(CompareData {
        a: a.side,
        b: b.side,
        diff,
        a_json: a.json,
        b_json: b.json,
        sources: state.sources.iter().map(|(l, _)| l.clone()).collect(),
    })
}

pub async fn revision(state: &AppState, family: &str, revision: u32) -> Result<RevisionData, StoreError> {
    let (stored, doc) = mirrored(state, family, revision).await?;
    let source = state.source_name();
    let td = TaskDef::new(&doc);
    let text = |f: &str| td.get(f).map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
    let summary = Summary {
        launch_types: td.requires_compatibilities().map(str::to_string).collect(),
        cpu: text("cpu"),
        memory: text("memory"),
        network_mode: td.network_mode().to_string(),
        task_role: td.str("taskRoleArn").map(str::to_string),
        execution_role: td.str("executionRoleArn").map(str::to_string),
        platform: format!(
            "{} / {}",
            td.os_family(),
            td.get("runtimePlatform")
                .and_then(|r| r.get("cpuArchitecture"))
                .and_then(|v| v.as_str())
                .unwrap_or("X86_64")
        ),
        arn: stored.arn.clone(),
    };
    // The page shows each fix's description, commands and notes; its JSON Patch is the editor's
    // (and the lint API's) business, not a viewer's download.
    let mut findings = stored.findings;
    for fix in findings.iter_mut().filter_map(|f| f.fix.as_mut()) {
        fix.patch = serde_json::Value::Array(vec![]);
    }
    let containers = td
        .containers
        .iter()
        .map(|c| {
            let name = c.label();
            ContainerRow {
                findings: findings.iter().filter(|f| f.container.as_deref() == Some(name.as_str())).count(),
                name,
                image: c.image().unwrap_or("").to_string(),
                essential: c.essential(),
                health_check: c.has_health_check(),
                ports: c
                    .get("portMappings")
                    .and_then(|p| p.as_array())
                    .map(|ps| {
                        ps.iter()
                            .filter_map(|p| {
                                let port = p.get("containerPort")?.as_i64()?;
                                let proto = p.get("protocol").and_then(|v| v.as_str()).unwrap_or("tcp");
                                Some(format!("{port}/{proto}"))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                cpu: c.get("cpu").and_then(|v| v.as_i64()),
                memory: match (
                    c.get("memory").and_then(|v| v.as_i64()),
                    c.get("memoryReservation").and_then(|v| v.as_i64()),
                ) {
                    (Some(m), Some(r)) => Some(format!("{r}–{m} MiB")),
                    (Some(m), None) => Some(format!("{m} MiB")),
                    (None, Some(r)) => Some(format!("{r} MiB reserved")),
                    (None, None) => None,
                },
                log_driver: c.log_driver().map(str::to_string),
            }
        })
        .collect();
    let services = state.mirror.services(&source, family, None).await?;
    let (running, elsewhere): (Vec<ServiceUse>, Vec<ServiceUse>) =
        services.into_iter().partition(|s| s.revision == revision);
    // Each other service once, at what it runs now (its PRIMARY deployment first).
    let mut elsewhere: Vec<ServiceUse> = elsewhere
        .into_iter()
        .filter(|s| {
            !running.iter().any(|r| r.cluster == s.cluster && r.service == s.service && r.deployment == "PRIMARY")
        })
        .collect();
    elsewhere.sort_by(|a, b| {
        (a.cluster.as_str(), a.service.as_str(), a.deployment != "PRIMARY").cmp(&(
            b.cluster.as_str(),
            b.service.as_str(),
            b.deployment != "PRIMARY",
        ))
    });
    elsewhere.dedup_by(|a, b| a.cluster == b.cluster && a.service == b.service);
    Ok(RevisionData {
        family: family.to_string(),
        revision,
        status: stored.record.status,
        registered_at: stored.record.registered_at,
        registered_by: stored.record.registered_by,
        summary,
        graph: crate::core::graph::build(&doc),
        docs: RuleDoc::for_findings(&findings),
        findings,
        containers,
        json: stored.document,
        read_only: !state.can_edit(),
        running: running.into_iter().map(service_row).collect(),
        elsewhere: elsewhere.into_iter().map(service_row).collect(),
        has_services: state.mirror.status(&source).await?.has_services,
        note: state.mirror.notes().get(&source, family, revision).await?.map(note_view),
        source: state.source.clone(),
        sources: state.sources.iter().map(|(l, _)| l.clone()).collect(),
    })
}

fn note_view(n: Note) -> NoteView {
    NoteView { text: n.text, written_by: n.written_by, written_at: n.written_at }
}

/// A family's history from the mirror (every revision, INACTIVE too), newest first, filtered.
/// The family's mirror row, after bringing a family the mirror has not seen yet into it;
/// `NotFound` when the source has no such family either.
pub async fn mirrored_family(state: &AppState, family: &str) -> Result<crate::store::mirror::FamilyRecord, StoreError> {
    let source = state.source_name();
    if let Some(f) = state.mirror.family(&source, family).await? {
        return Ok(f);
    }
    crate::store::sync::sync_family(state.store.as_ref(), &state.mirror, &source, family).await?;
    state.mirror.family(&source, family).await?.ok_or_else(|| StoreError::family_not_found(family))
}

/// `page`: one page of `PAGE_SIZE` revisions (the dashboard); `None`: all of them (the CLI).
pub async fn history(
    state: &AppState,
    family: &str,
    filter: &Filter,
    page: Option<u32>,
) -> Result<HistoryData, StoreError> {
    let source = state.source_name();
    mirrored_family(state, family).await?;
    let notes = state.mirror.notes().of_family(&source, family).await?;
    let mut containers: BTreeSet<String> = BTreeSet::new();
    let mut revisions = Vec::new();
    for (i, (rec, changes)) in state.mirror.history(&source, family).await?.into_iter().enumerate() {
        for c in &changes {
            if let Some(name) = c.path.first().and_then(|p| p.strip_prefix("container ")) {
                containers.insert(name.to_string());
            }
        }
        let kept: Vec<_> = changes.into_iter().filter(|c| filter.keeps(&c.path)).collect();
        if !filter.is_empty() && kept.is_empty() {
            continue;
        }
        revisions.push(HistoryRevision {
            revision: rec.revision,
            status: rec.status,
            registered_at: rec.registered_at,
            registered_by: rec.registered_by,
            note: notes.get(&rec.revision).map(|n| n.text.clone()),
            changes: kept,
            first: i == 0,
        });
    }
    revisions.reverse();
    let total = revisions.len() as u64;
    let paging = page.map(|p| {
        let pages = (total.div_ceil(u64::from(PAGE_SIZE)).max(1)) as u32;
        let p = p.clamp(1, pages);
        let start = (p as usize - 1) * PAGE_SIZE as usize;
        revisions = revisions.split_off(start.min(revisions.len()));
        revisions.truncate(PAGE_SIZE as usize);
        (p, pages, total)
    });
    Ok(HistoryData {
        family: family.to_string(),
        container: filter.container.clone(),
        path: filter.path.clone(),
        revisions,
        containers: containers.into_iter().collect(),
        paging,
    })
}

/// Write (or with empty text, remove) a revision's note; recorded in the audit trail.
pub async fn set_note(state: &AppState, family: &str, revision: u32, text: &str) -> Result<String, StoreError> {
    let source = state.source_name();
    if state.mirror.revision(&source, family, revision).await?.is_none() {
        crate::store::sync::sync_family(state.store.as_ref(), &state.mirror, &source, family).await?;
        if state.mirror.revision(&source, family, revision).await?.is_none() {
            return Err(StoreError::revision_not_found(family, revision, None));
        }
    }
    let text = state.mirror.notes().set(&source, family, revision, text, &state.identity.user).await?;
    if let Some(log) = &state.audit {
        let entry = crate::store::audit::NewAuditEntry {
            user: state.identity.user.clone(),
            action: "note".into(),
            source,
            family: family.to_string(),
            revision,
            changes: vec![if text.is_empty() { "Note removed".to_string() } else { format!("Note · {text}") }],
            ..Default::default()
        };
        if let Err(e) = log.record(&entry).await {
            eprintln!("ecs-lens: noted {family}:{revision} but could not record it: {e}");
        }
    }
    Ok(text)
}

/// The audit page: the account's aggregate, then a page of the families that match the
/// filters with their matching findings.
pub async fn audit(state: &AppState, query: AuditQuery) -> Result<AuditPage, StoreError> {
    let source = state.source_name();
    let aggregate = state.mirror.aggregate(&source).await?;
    let totals = aggregate.totals.clone();
    let rules = aggregate
        .rules
        .iter()
        .map(|r| RuleRow {
            name: crate::core::rules::rule(&r.rule).map(|m| m.meta().name.to_string()).unwrap_or_default(),
            rule: r.rule.clone(),
            severity: r.severity,
            category: r.category.clone(),
            findings: r.findings,
            families: r.families,
        })
        .collect();
    let q = FamilyQuery {
        q: query.q.clone(),
        min_severity: query.min_severity(),
        category: Some(query.category.clone()).filter(|c| !c.is_empty()),
        rule: Some(query.rule.clone()).filter(|r| !r.is_empty()),
        active_only: true,
        sort: FamilySort::Findings,
        page: query.page,
        page_size: AUDIT_PAGE_SIZE,
        ..Default::default()
    };
    let page = state.mirror.families(&source, &q).await?;
    let wanted: Vec<(String, u32)> =
        page.items.iter().filter_map(|f| Some((f.family.clone(), f.latest_active?))).collect();
    let findings = state.mirror.findings_of(&source, &wanted).await?;
    let mut per_family = wanted.into_iter().zip(findings);
    let families = paged(page, |f| {
        let (revision, all) = match per_family.next() {
            Some(((_, r), all)) => (r, all),
            None => (0, vec![]),
        };
        let matching: Vec<AuditFinding> = all
            .into_iter()
            .filter(|x| query.wants(x))
            .map(|x| AuditFinding { rule: x.rule, severity: x.severity, container: x.container, message: x.message })
            .collect();
        let more = matching.len().saturating_sub(AUDIT_FINDINGS_SHOWN);
        AuditRow {
            counts: counts(f.counts),
            findings: matching.into_iter().take(AUDIT_FINDINGS_SHOWN).collect(),
            more,
            family: f.family,
            revision,
        }
    });
    Ok(AuditPage {
        query,
        totals: AuditTotals {
            families: totals.families,
            revisions: totals.revisions,
            serious_families: totals.serious_families,
            counts: totals.counts.map(|n| n as usize),
            blocking: totals.blocking,
            in_use_families: totals.in_use_families,
        },
        rules,
        families,
    })
}

/// A page of the audit trail (of one family, when given), newest first.
pub async fn audit_trail(state: &AppState, family: &str, page: u32) -> Result<AuditTrailPage, StoreError> {
    let family_filter = Some(family).filter(|f| !f.is_empty());
    let page = page.max(1);
    let Some(log) = &state.audit else {
        return Ok(AuditTrailPage {
            rows: Paged { items: vec![], total: 0, page: 1, pages: 1 },
            family: family.to_string(),
        });
    };
    let total = log.count(family_filter).await?;
    let entries = log.list_from(family_filter, PAGE_SIZE, u64::from(page - 1) * u64::from(PAGE_SIZE)).await?;
    let items = entries
        .into_iter()
        .map(|e| AuditTrailRow {
            at: e.at,
            user: e.entry.user,
            action: e.entry.action,
            source: e.entry.source,
            family: e.entry.family,
            revision: e.entry.revision,
            base_revision: e.entry.base_revision,
            changes: e.entry.changes,
            resolved: e.entry.resolved,
            introduced: e.entry.introduced,
        })
        .collect();
    let pages = Page::<()> { items: vec![], total, page, page_size: PAGE_SIZE }.pages();
    Ok(AuditTrailPage { rows: Paged { items, total, page, pages }, family: family.to_string() })
}

/// After a register or deregister through ecs-lens: the family's revisions into the mirror at
/// once (a failure is logged; the next sync catches up).
pub async fn family_changed(state: &AppState, family: &str) {
    let source = state.source_name();
    if let Err(e) = crate::store::sync::sync_family(state.store.as_ref(), &state.mirror, &source, family).await {
        eprintln!("ecs-lens: could not bring {family} into the mirror now ({e}); the next sync will");
    }
}
