//! Hygiene: pruning old revisions (`ecs-lens prune`, the family's prune plan) and the one way
//! ecs-lens removes revisions, shared with the secrets purge: deregister, then delete (10 per
//! DeleteTaskDefinitions call), never a revision a service runs, every action recorded.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::AppState;
pub use crate::shared::PrunePlan;
use crate::store::StoreError;

/// What a removal did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removed {
    pub deregistered: Vec<u32>,
    pub deleted: Vec<u32>,
    pub failed: Vec<(u32, String)>,
}

/// Deregister `deregister` (ACTIVE ones), then delete `delete`; recorded in the audit trail
/// (`why` on each delete); the mirror follows.
pub async fn remove_revisions(
    state: &AppState,
    family: &str,
    deregister: &[u32],
    delete: &[u32],
    why: &str,
) -> Result<Removed, StoreError> {
    let mut out = Removed::default();
    let mut broken: BTreeSet<u32> = BTreeSet::new();
    for &r in deregister {
        match state.store.deregister(family, r).await {
            Ok(_) => {
                out.deregistered.push(r);
                super::audit_deregister(state, family, r).await;
            }
            Err(StoreError::Conflict { .. }) => {} // INACTIVE meanwhile.
            Err(e) => {
                out.failed.push((r, e.to_string()));
                broken.insert(r);
            }
        }
    }
    let deletable: Vec<u32> = delete.iter().copied().filter(|r| !broken.contains(r)).collect();
    if !deletable.is_empty() {
        for (r, outcome) in state.store.delete(family, &deletable).await? {
            match outcome {
                Ok(()) => out.deleted.push(r),
                Err(reason) => out.failed.push((r, reason)),
            }
        }
    }
    if let Some(log) = &state.audit {
        for &r in &out.deleted {
            let entry = crate::store::audit::NewAuditEntry {
                user: state.identity.user.clone(),
                action: "delete".into(),
                source: state.source_name(),
                family: family.to_string(),
                revision: r,
                changes: vec![why.to_string()],
                ..Default::default()
            };
            if let Err(e) = log.record(&entry).await {
                eprintln!("ecs-lens: deleted {family}:{r} but could not record it: {e}");
            }
        }
    }
    super::service::family_changed(state, family).await;
    Ok(out)
}

/// What to prune.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneOptions {
    /// Keep the newest N ACTIVE revisions.
    pub keep: u32,
    /// Only revisions registered more than this many days ago.
    pub older_than_days: Option<u32>,
    /// Delete INACTIVE revisions too (and those deregistered now).
    pub delete: bool,
}

impl Default for PruneOptions {
    fn default() -> Self {
        PruneOptions { keep: 5, older_than_days: None, delete: false }
    }
}

/// `days` ago as the UTC timestamp text the stores write (`2026-12-07T10:00:00.000Z`), so
/// that it compares with `registeredAt` as text.
fn cutoff(days: u32) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let t = now.saturating_sub(u64::from(days) * 86_400);
    let (days_since, secs) = ((t / 86_400) as i64, t % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days_since + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z", secs / 3600, secs / 60 % 60, secs % 60)
}

/// The plan for `family`: keep the newest `keep` ACTIVE revisions and every revision a service
/// runs; deregister the other ACTIVE ones; with `delete`, delete them and the INACTIVE ones.
pub async fn plan(state: &AppState, family: &str, o: &PruneOptions) -> Result<PrunePlan, StoreError> {
    let source = state.source_name();
    super::service::mirrored_family(state, family).await?;
    let services = state.mirror.services_by_revision(&source, family).await?;
    let cut = o.older_than_days.map(cutoff);
    let mut plan = PrunePlan { family: family.to_string(), ..Default::default() };
    let mut active_seen = 0u32;
    // The records only: a plan needs no diff (the history's are computed on its own page).
    for rec in state.mirror.all_revisions(&source, family).await?.into_iter().rev() {
        let r = rec.revision;
        let active = rec.status == "ACTIVE";
        if active {
            active_seen += 1;
        }
        if let Some(s) = services.get(&r) {
            plan.kept.push((r, format!("in use: {}", s.join(", "))));
        } else if active && active_seen <= o.keep {
            plan.kept.push((r, format!("one of the newest {} ACTIVE revisions", o.keep)));
        } else if cut.as_ref().is_some_and(|c| !rec.registered_at.is_empty() && rec.registered_at.as_str() > c.as_str())
        {
            plan.kept.push((r, format!("registered within {} days", o.older_than_days.unwrap_or(0))));
        } else if active {
            plan.deregister.push(r);
            if o.delete {
                plan.delete.push(r);
            }
        } else if o.delete {
            plan.delete.push(r);
        }
    }
    Ok(plan)
}

/// Carry the plan out (services re-read from the source first: never one that runs).
pub async fn prune(state: &AppState, family: &str, o: &PruneOptions) -> Result<PrunePlan, StoreError> {
    if state.store.is_read_only() || !state.can_edit() {
        return Err(StoreError::ReadOnly { message: "ecs-lens is read-only here: nothing can be pruned".into() });
    }
    if let Some(live) = state.store.list_services().await? {
        state.mirror.replace_services(&state.source_name(), Some(&live)).await?;
    }
    let mut plan = plan(state, family, o).await?;
    let done =
        remove_revisions(state, family, &plan.deregister, &plan.delete, "Deleted · pruned (ecs-lens prune)").await?;
    plan.deregister = done.deregistered;
    plan.delete = done.deleted;
    plan.failed = done.failed;
    plan.done = true;
    Ok(plan)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cutoff_is_a_utc_timestamp_that_compares_as_text() {
        let c = super::cutoff(0);
        assert_eq!(c.len(), "2026-12-07T10:00:00.000Z".len());
        assert!(c.ends_with('Z') && c.as_bytes()[10] == b'T');
        assert!(super::cutoff(30) < c);
        assert!(super::cutoff(365 * 10).starts_with("20"));
    }
}
