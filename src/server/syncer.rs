//! The background sync of `serve`: every source is synced into the mirror at start, then
//! every `--sync-interval`, and at once when an editor presses Refresh. Pages never wait for
//! it: they serve the mirror as it is (after a restart, at once), with the sync state beside.
//!
//! Several replicas on one PostgreSQL share the mirror: before syncing a source a replica takes
//! its lease ([`Mirror::try_lease`]); the others skip it and serve what the holder writes. A
//! replica that dies mid-sync loses the lease when it runs out, and the next one resumes
//! (only what is still missing is described).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::store::mirror::Mirror;
use crate::store::sync::{sync, SyncOptions};
use crate::store::TaskDefStore;

/// How long a sync may hold a source's lease before another replica may take over.
const LEASE_SECONDS: u32 = 15 * 60;

/// The running background sync.
#[derive(Debug)]
pub struct Syncer {
    wake: Notify,
    /// This replica's name in the lease (host, process and start time).
    pub owner: String,
    pub interval: Duration,
}

impl Syncer {
    /// Start syncing `sources` (mirror key, store) into `mirror`, now and every `interval`.
    pub fn start(mirror: Mirror, sources: Vec<(String, Arc<dyn TaskDefStore>)>, interval: Duration) -> Arc<Syncer> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "ecs-lens".into());
        let syncer = Arc::new(Syncer {
            wake: Notify::new(),
            owner: format!("{host}/{}/{nanos:x}", std::process::id()),
            interval,
        });
        let me = syncer.clone();
        tokio::spawn(async move {
            loop {
                for (key, store) in &sources {
                    me.sync_one(&mirror, key, store.as_ref()).await;
                }
                tokio::select! {
                    _ = tokio::time::sleep(me.interval) => {}
                    _ = me.wake.notified() => {}
                }
            }
        });
        syncer
    }

    /// Sync now (an editor's Refresh): wakes the loop; returns at once.
    pub fn refresh(&self) {
        self.wake.notify_one();
    }

    async fn sync_one(&self, mirror: &Mirror, key: &str, store: &dyn TaskDefStore) {
        match mirror.try_lease(key, &self.owner, LEASE_SECONDS).await {
            Ok(true) => {}
            // Another replica syncs it; this one serves what that one writes.
            Ok(false) => return,
            Err(e) => {
                eprintln!("ecs-lens: cannot sync {key}: {e}");
                return;
            }
        }
        match sync(store, mirror, key, SyncOptions::default(), &|_, _| {}).await {
            Ok(report) if report.failed.is_empty() => eprintln!("ecs-lens: synced {}", report.summary()),
            Ok(report) => eprintln!("ecs-lens: synced {} — {}", report.summary(), report.failed.join("; ")),
            Err(e) => eprintln!("ecs-lens: sync of {key} failed, serving the mirror as it was: {e}"),
        }
        if let Err(e) = mirror.release(key, &self.owner).await {
            eprintln!("ecs-lens: cannot release the sync lease of {key}: {e}");
        }
    }
}
