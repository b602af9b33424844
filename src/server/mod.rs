//! The server side of the dashboard (feature `ssr`): the application state the server
//! functions see; the service layer (`service`) answers them from the mirror.
//!
//! Layering: server uses store and core; the ui's server functions call into here.

use std::sync::Arc;

use crate::core::document::Document;
use crate::store::TaskDefStore;

pub mod access;
pub mod export;
pub mod hygiene;
pub mod render;
pub mod router;
pub mod secrets;
pub mod service;
pub mod site;
pub mod syncer;

use access::{AccessConfig, Denied, Identity, Role};

/// What every request can reach.
#[derive(Clone)]
pub struct AppState {
    /// The store this request works on: the source the user picked (see [`SOURCE_COOKIE`]).
    pub store: Arc<dyn TaskDefStore>,
    /// Its label: "local", or the AWS region.
    pub source: String,
    /// Every source the server offers, labelled (`serve --source aws --region a,b`).
    pub sources: Arc<Vec<(String, Arc<dyn TaskDefStore>)>>,
    /// How identities and roles are established (`serve --trust-header …`, `--read-only`).
    pub access: Arc<AccessConfig>,
    /// Who this request comes from ([`AppState::for_request`]); the local user until then.
    pub identity: Identity,
    /// Where registers and deregisters are recorded (`None`: not kept, read-only only).
    pub audit: Option<crate::store::audit::AuditLog>,
    /// Where editors' drafts are kept (`None`: read-only only).
    pub drafts: Option<crate::store::drafts::Drafts>,
    /// What has been described of every source, analysed: what pages and exports read.
    pub mirror: crate::store::mirror::Mirror,
    /// The background sync (`serve`), which a Refresh wakes; `None` when nothing syncs.
    pub syncer: Option<Arc<syncer::Syncer>>,
}

/// The mirror's and the audit trail's name of the source labelled `label`: `local`, or
/// `aws:<label>` (`aws:eu-west-1`, `aws:prod/eu-west-1`).
pub fn source_key(label: &str) -> String {
    if label == "local" {
        label.to_string()
    } else {
        format!("aws:{label}")
    }
}

/// True when `wanted` names the source labelled `label`: the label itself, or its mirror key.
pub fn names_source(label: &str, wanted: &str) -> bool {
    label == wanted || source_key(label) == wanted
}

/// The cookie naming the source (region) the dashboard shows. Unknown values are ignored.
pub const SOURCE_COOKIE: &str = "ecs-lens-source";

impl AppState {
    /// `sources` must not be empty; the first is the default. `mirror` is in the ecs-lens database.
    pub fn new(
        sources: Vec<(String, Arc<dyn TaskDefStore>)>,
        access: AccessConfig,
        mirror: crate::store::mirror::Mirror,
    ) -> AppState {
        let (source, store) = sources.first().cloned().expect("at least one source");
        let identity =
            Identity { user: "local".into(), role: if access.read_only { Role::Viewer } else { Role::Editor } };
        AppState {
            store,
            source,
            sources: Arc::new(sources),
            access: Arc::new(access),
            identity,
            audit: None,
            drafts: None,
            mirror,
            syncer: None,
        }
    }

    /// Sync in the background with `syncer`.
    pub fn with_syncer(mut self, syncer: Arc<syncer::Syncer>) -> AppState {
        self.syncer = Some(syncer);
        self
    }

    /// Keep the audit trail in `log`.
    pub fn with_audit(mut self, log: crate::store::audit::AuditLog) -> AppState {
        self.audit = Some(log);
        self
    }

    /// Keep editors' drafts in `drafts`.
    pub fn with_drafts(mut self, drafts: crate::store::drafts::Drafts) -> AppState {
        self.drafts = Some(drafts);
        self
    }

    /// The source as the audit trail and the mirror name it: `local`, or `aws:<label>`.
    pub fn source_name(&self) -> String {
        source_key(&self.source)
    }

    /// The state for a request: its user and role, and the source its [`SOURCE_COOKIE`] names
    /// (when offered; else the default).
    pub fn for_request(&self, request: &axum::http::request::Parts) -> Result<AppState, Denied> {
        // The serve guard identified the request already and left the identity in its
        // extensions: the headers are looked at once per request.
        let identity = match request.extensions.get::<Identity>() {
            Some(known) => known.clone(),
            None => self.access.identify(&request.headers)?,
        };
        let cookies = request.headers.get(axum::http::header::COOKIE).and_then(|v| v.to_str().ok());
        Ok(AppState { identity, ..self.for_cookies(cookies) })
    }

    /// True when this request may edit, register and deregister.
    pub fn can_edit(&self) -> bool {
        self.identity.role == Role::Editor
    }

    /// The state for a request with this `Cookie` header: the source its [`SOURCE_COOKIE`]
    /// names, when the server offers it; else the default.
    pub fn for_cookies(&self, cookie_header: Option<&str>) -> AppState {
        let wanted = cookie_header.and_then(|h| {
            h.split(';')
                .filter_map(|c| c.trim().split_once('='))
                .find(|(k, _)| *k == SOURCE_COOKIE)
                .map(|(_, v)| v.trim())
        });
        match wanted.and_then(|w| self.sources.iter().find(|(label, _)| label == w)) {
            Some((label, store)) => AppState { store: store.clone(), source: label.clone(), ..self.clone() },
            None => self.clone(),
        }
    }
}

/// Record a register in the audit trail: who, where, the revision it started from and what
/// changed since (paths and rule ids only, never values). A failure to record is reported on
/// the server's log; the register itself has happened.
pub async fn audit_register(state: &AppState, family: &str, revision: u32, base_revision: Option<u32>, new: &Document) {
    let Some(log) = &state.audit else { return };
    let mut entry = crate::store::audit::NewAuditEntry {
        user: state.identity.user.clone(),
        action: "register".into(),
        source: state.source_name(),
        family: family.to_string(),
        revision,
        base_revision,
        ..Default::default()
    };
    if let Some(base) = base_revision {
        if let Ok(d) = state.store.describe(family, Some(base)).await {
            let diff = crate::core::diff::diff(&Document::from_value(&d.register_input()), new);
            entry.changes = diff.changes.iter().map(|c| format!("{} · {}", c.kind, c.path.join(" › "))).collect();
            entry.resolved = diff.findings.resolved.iter().map(|f| f.rule.clone()).collect();
            entry.introduced = diff.findings.introduced.iter().map(|f| f.rule.clone()).collect();
        }
    }
    if let Err(e) = log.record(&entry).await {
        eprintln!("ecs-lens: registered {family}:{revision} but could not record it: {e}");
    }
}

/// Record a deregister in the audit trail (see [`audit_register`]).
pub async fn audit_deregister(state: &AppState, family: &str, revision: u32) {
    let Some(log) = &state.audit else { return };
    let entry = crate::store::audit::NewAuditEntry {
        user: state.identity.user.clone(),
        action: "deregister".into(),
        source: state.source_name(),
        family: family.to_string(),
        revision,
        ..Default::default()
    };
    if let Err(e) = log.record(&entry).await {
        eprintln!("ecs-lens: deregistered {family}:{revision} but could not record it: {e}");
    }
}

#[cfg(test)]
mod source_tests {
    use super::*;

    async fn store(dir: &std::path::Path) -> Arc<dyn TaskDefStore> {
        let options = crate::store::EmbeddedOptions { seed: false, ..Default::default() };
        let location = crate::store::Location::DataDir(dir.to_path_buf());
        Arc::new(crate::store::EmbeddedStore::open_with(&location, options).await.expect("store"))
    }

    async fn mirror(dir: &std::path::Path) -> crate::store::mirror::Mirror {
        let db = crate::store::Database::open(&crate::store::Location::DataDir(dir.to_path_buf())).await.unwrap();
        crate::store::mirror::Mirror::on(db)
    }

    #[tokio::test]
    async fn the_cookie_picks_an_offered_source_and_nothing_else() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let state = AppState::new(
            vec![("eu-west-1".into(), store(a.path()).await), ("us-east-1".into(), store(b.path()).await)],
            AccessConfig::default(),
            mirror(a.path()).await,
        );
        assert_eq!(state.source, "eu-west-1", "the first is the default");
        let picked = state.for_cookies(Some("theme=dark; ecs-lens-source=us-east-1; x=1"));
        assert_eq!(picked.source, "us-east-1");
        assert!(Arc::ptr_eq(&picked.store, &state.sources[1].1));
        for other in [
            None,
            Some(""),
            Some("ecs-lens-source=ap-south-1"),
            Some("ecs-lens-source"),
            Some("xecs-lens-source=us-east-1"),
        ] {
            let s = state.for_cookies(other);
            assert_eq!(s.source, "eu-west-1", "{other:?}");
            assert!(Arc::ptr_eq(&s.store, &state.sources[0].1));
        }
    }

    #[tokio::test]
    async fn the_identity_the_guard_found_is_used_else_the_headers_decide() {
        let dir = tempfile::tempdir().unwrap();
        let access = AccessConfig { trust_header: Some("x-forwarded-email".into()), ..AccessConfig::default() };
        let state = AppState::new(vec![("local".into(), store(dir.path()).await)], access, mirror(dir.path()).await);
        let request = |email: Option<&str>, known: Option<Identity>| {
            let mut b = axum::http::Request::builder();
            if let Some(e) = email {
                b = b.header("x-forwarded-email", e);
            }
            let (mut parts, ()) = b.body(()).unwrap().into_parts();
            if let Some(i) = known {
                parts.extensions.insert(i);
            }
            parts
        };
        let guard_found = Identity { user: "eddie@example.com".into(), role: Role::Editor };
        let s = state.for_request(&request(None, Some(guard_found.clone()))).unwrap();
        assert_eq!(s.identity, guard_found, "the guard's identity, not worked out again");
        assert!(state.for_request(&request(None, None)).is_err(), "no header, no identity: refused");
    }
}
