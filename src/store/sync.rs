//! Bringing the [`Mirror`] up to date with a store: list every revision (no describe), describe
//! and analyse only what the mirror has not seen (or saw with another status or rule set),
//! forget what the source no longer has, then record what its services run.
//!
//! - Describes run concurrently with a bound; throttling and transient errors are the store's
//!   business (the AWS SDK's adaptive retries). Each revision is analysed on the blocking pool
//!   as soon as it is described, and written in batches, each in one transaction with its
//!   families recomputed: a sync cut off halfway leaves a consistent mirror, and the next one
//!   describes only what is still missing.
//! - A revision that cannot be described is reported (the sync is `partial`), never guessed.
//! - When the source cannot be listed at all, the mirror stays as it was (`failed`): pages keep
//!   serving it, marked stale.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};

use super::mirror::{Mirror, MirroredRevision};
use super::{RevisionState, StoreError, TaskDefStore};

/// How a sync works.
#[derive(Clone, Copy, Debug)]
pub struct SyncOptions {
    /// At most this many describes at once.
    pub concurrency: usize,
    /// Revisions written per transaction.
    pub batch: usize,
    /// Stop describing after this many failures in a row (the source went away): what was
    /// written stays, the rest is reported missing.
    pub give_up_after: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions { concurrency: 10, batch: 100, give_up_after: 20 }
    }
}

/// What a sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub source: String,
    pub families: usize,
    /// Revisions the source lists (ACTIVE and INACTIVE).
    pub revisions: usize,
    /// Revisions the mirror had not seen.
    pub new: usize,
    /// Revisions described (new, status changed, or analysed with another rule set).
    pub described: usize,
    /// Revisions the source no longer has, forgotten.
    pub removed: usize,
    /// Service deployments recorded (`None`: the source has no services).
    pub services: Option<usize>,
    /// What could not be done, one line each (never a value).
    pub failed: Vec<String>,
    pub took: Duration,
}

impl SyncReport {
    /// One line: `local: 6 families, 9 revisions (2 new, 2 described, 0 removed), no services, took 0.1 s`.
    pub fn summary(&self) -> String {
        let services = match self.services {
            Some(n) => format!("{n} service deployment(s)"),
            None => "no services (the source has none)".to_string(),
        };
        let failed = if self.failed.is_empty() { String::new() } else { format!(", {} FAILED", self.failed.len()) };
        format!(
            "{}: {} families, {} revisions ({} new, {} described, {} removed), {services}{failed}, took {:.1} s",
            self.source,
            self.families,
            self.revisions,
            self.new,
            self.described,
            self.removed,
            self.took.as_secs_f64()
        )
    }
}

/// Progress as the sync goes: (revisions described so far, revisions to describe).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// Sync the whole source into the mirror (see the module documentation). `Err` only when the
/// source could not be listed or the mirror not written; per-revision failures are in the
/// report's `failed`.
pub async fn sync(
    store: &dyn TaskDefStore,
    mirror: &Mirror,
    source: &str,
    options: SyncOptions,
    progress: Progress<'_>,
) -> Result<SyncReport, StoreError> {
    mirror.sync_started(source).await?;
    let result = sync_revisions(store, mirror, source, None, options, progress).await;
    let mut report = match result {
        Ok(r) => r,
        Err(e) => {
            mirror.sync_finished(source, false, Some(&e.to_string())).await?;
            return Err(e);
        }
    };
    match store.list_services().await {
        Ok(services) => {
            report.services = services.as_ref().map(Vec::len);
            mirror.replace_services(source, services.as_deref()).await?;
        }
        Err(e) => report.failed.push(format!("services: {e}")),
    }
    let error = (!report.failed.is_empty()).then(|| failure_summary(&report.failed));
    mirror.sync_finished(source, true, error.as_deref()).await?;
    Ok(report)
}

/// Sync one family (after a register or deregister through ecs-lens): its revisions only, no
/// services, the source's sync state untouched.
pub async fn sync_family(
    store: &dyn TaskDefStore,
    mirror: &Mirror,
    source: &str,
    family: &str,
) -> Result<SyncReport, StoreError> {
    sync_revisions(store, mirror, source, Some(family), SyncOptions::default(), &|_, _| {}).await
}

/// "3 revisions could not be described: web:3: …; …" (the first few).
fn failure_summary(failed: &[String]) -> String {
    let shown: Vec<&str> = failed.iter().take(5).map(String::as_str).collect();
    let more = if failed.len() > 5 { format!("; … {} more", failed.len() - 5) } else { String::new() };
    format!("{} item(s) could not be synced: {}{more}", failed.len(), shown.join("; "))
}

async fn sync_revisions(
    store: &dyn TaskDefStore,
    mirror: &Mirror,
    source: &str,
    family: Option<&str>,
    options: SyncOptions,
    progress: Progress<'_>,
) -> Result<SyncReport, StoreError> {
    let started = Instant::now();
    let listed = store.list_all_revisions(family).await?;
    let known = mirror.known(source, family).await?;
    let ruleset = super::mirror::analysis_version();
    let key = mirror.fingerprint_key().await?;
    let mut report = SyncReport {
        source: source.to_string(),
        families: listed.iter().map(|r| r.family.as_str()).collect::<HashSet<_>>().len(),
        revisions: listed.len(),
        ..Default::default()
    };
    let listed_keys: HashSet<(&str, u32)> = listed.iter().map(|r| (r.family.as_str(), r.revision)).collect();
    let gone: Vec<(String, u32)> =
        known.keys().filter(|(f, r)| !listed_keys.contains(&(f.as_str(), *r))).cloned().collect();
    report.removed = gone.len();
    mirror.remove(source, &gone).await?;
    let todo: Vec<RevisionState> = listed
        .into_iter()
        .filter(|r| match known.get(&(r.family.clone(), r.revision)) {
            None => true,
            Some((status, version)) => *status != r.status || *version != ruleset,
        })
        .collect();
    report.new = todo.iter().filter(|r| !known.contains_key(&(r.family.clone(), r.revision))).count();
    let total = todo.len() as u64;
    if family.is_none() {
        mirror.sync_progress(source, 0, total).await?;
    }
    progress(0, total);
    let mut done = 0u64;
    let mut failures_in_a_row = 0usize;
    let mut vanished = Vec::new();
    // Batch by batch: every describe of a batch has finished (and let go of its database
    // connection, for the embedded store) before the batch is written.
    let mut todo = todo.into_iter().peekable();
    while todo.peek().is_some() {
        let chunk: Vec<RevisionState> = todo.by_ref().take(options.batch.max(1)).collect();
        let answers: Vec<(RevisionState, Result<MirroredRevision, StoreError>)> = stream::iter(chunk)
            .map(|r| {
                let key = key.clone();
                async move {
                    let analysed = match store.describe_listed(&r.family, r.revision, r.status).await {
                        Ok(d) => tokio::task::spawn_blocking(move || MirroredRevision::analyse(&d, &key))
                            .await
                            .map_err(|e| StoreError::unavailable(format!("the analysis failed: {e}"))),
                        Err(e) => Err(e),
                    };
                    (r, analysed)
                }
            })
            .buffer_unordered(options.concurrency.max(1))
            .collect()
            .await;
        let mut batch = Vec::with_capacity(answers.len());
        for (r, analysed) in answers {
            done += 1;
            match analysed {
                Ok(m) => {
                    failures_in_a_row = 0;
                    batch.push(m);
                }
                // Deleted between the list and the describe: the source no longer has it.
                Err(StoreError::NotFound { .. }) => vanished.push((r.family, r.revision)),
                Err(e) => {
                    failures_in_a_row += 1;
                    report.failed.push(format!("{}:{}: {e}", r.family, r.revision));
                }
            }
        }
        report.described += batch.len();
        mirror.write(source, &batch).await?;
        if family.is_none() {
            mirror.sync_progress(source, done, total).await?;
        }
        progress(done, total);
        if failures_in_a_row >= options.give_up_after.max(1) {
            let left = total - done;
            if left > 0 {
                report.failed.push(format!(
                    "gave up after {failures_in_a_row} failures in a row: {left} revision(s) not described (the next sync resumes)"
                ));
            }
            break;
        }
    }
    report.removed += vanished.len();
    mirror.remove(source, &vanished).await?;
    report.took = started.elapsed();
    Ok(report)
}
