//! What the pages ask the server for: data shapes shared by server and browser, and the
//! server functions. Their bodies run on the server only (feature `ssr`) and call
//! `crate::server`; the browser gets a client stub that POSTs to `/api/...`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::core::finding::Finding;
pub use crate::shared::*;

/// The server's state for the request being rendered or answered (server only).
#[cfg(feature = "ssr")]
pub fn request_state() -> Result<crate::server::AppState, ServerFnError> {
    ssr::state()
}

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;

    use crate::server::AppState;
    use crate::store::StoreError;

    /// The server's state for this request: its user and role, and the source (region) its
    /// cookie picked. (The serve layer already refused requests without an identity.)
    pub fn state() -> Result<AppState, ServerFnError> {
        let Some(state) = use_context::<AppState>() else {
            return Err(ServerFnError::ServerError("server state missing".into()));
        };
        let Some(parts) = use_context::<axum::http::request::Parts>() else { return Ok(state) };
        state.for_request(&parts).map_err(|d| {
            if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
                r.set_status(d.status);
            }
            ServerFnError::ServerError(d.message)
        })
    }

    /// A store error as the server function's error, with the matching HTTP status.
    pub fn store_error(e: StoreError) -> ServerFnError {
        let status = match &e {
            StoreError::NotFound { .. } => axum::http::StatusCode::NOT_FOUND,
            StoreError::Invalid { .. } => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            StoreError::Conflict { .. } => axum::http::StatusCode::CONFLICT,
            StoreError::ReadOnly { .. } => axum::http::StatusCode::FORBIDDEN,
            _ => axum::http::StatusCode::SERVICE_UNAVAILABLE,
        };
        if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
            r.set_status(status);
        }
        ServerFnError::ServerError(e.to_string())
    }

    /// Refuse a mutation to a viewer: 403, whatever the page showed.
    pub fn require_editor(state: &AppState) -> Result<(), ServerFnError> {
        if !state.can_edit() {
            if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
                r.set_status(axum::http::StatusCode::FORBIDDEN);
            }
            let why = if state.access.read_only {
                "ecs-lens runs read-only (--read-only): editing, registering and deregistering are disabled".to_string()
            } else {
                format!(
                    "{} is a viewer: editing, registering and deregistering need the editor role",
                    state.identity.user
                )
            };
            return Err(ServerFnError::ServerError(why));
        }
        Ok(())
    }
}

#[server(prefix = "/api", endpoint = "families")]
pub async fn list_families(#[server(default)] query: FamiliesQuery) -> Result<FamiliesPage, ServerFnError> {
    let state = ssr::state()?;
    crate::server::service::families(&state, query).await.map_err(ssr::store_error)
}

#[server(prefix = "/api", endpoint = "revisions")]
pub async fn list_revisions(family: String, #[server(default)] page: u32) -> Result<FamilyPage, ServerFnError> {
    let state = ssr::state()?;
    crate::server::service::family(&state, &family, page).await.map_err(ssr::store_error)
}

#[server(prefix = "/api", endpoint = "revision")]
pub async fn get_revision(family: String, revision: u32) -> Result<RevisionData, ServerFnError> {
    let state = ssr::state()?;
    crate::server::service::revision(&state, &family, revision).await.map_err(ssr::store_error)
}

/// `a` and `b`: `[SOURCE:]FAMILY:REVISION` each (any source the server offers, any family).
/// With `family`, `a` and `b` may be bare revision numbers of it (the older form of this call).
#[server(prefix = "/api", endpoint = "compare")]
pub async fn compare_revisions(
    a: String,
    b: String,
    #[server(default)] family: String,
) -> Result<CompareData, ServerFnError> {
    let state = ssr::state()?;
    let parse = |s: &str| {
        let s = if !family.is_empty() && s.parse::<u32>().is_ok() { format!("{family}:{s}") } else { s.to_string() };
        crate::shared::RevisionRef::parse(&s).map_err(|e| ssr::store_error(crate::store::StoreError::invalid("", e)))
    };
    let (a, b) = (parse(&a)?, parse(&b)?);
    crate::server::service::compare(&state, &a, &b).await.map_err(ssr::store_error)
}

#[server(prefix = "/api", endpoint = "audit")]
pub async fn audit_rows(#[server(default)] query: AuditQuery) -> Result<AuditPage, ServerFnError> {
    let state = ssr::state()?;
    crate::server::service::audit(&state, query).await.map_err(ssr::store_error)
}

/// Where the mirror of the request's source stands (the header's sync line).
#[server(prefix = "/api", endpoint = "sync-status")]
pub async fn sync_status() -> Result<SyncInfo, ServerFnError> {
    let state = ssr::state()?;
    crate::server::service::sync_info(&state).await.map_err(ssr::store_error)
}

/// Sync the source now (editors only): wakes the background sync and returns at once.
#[server(prefix = "/api", endpoint = "refresh")]
pub async fn refresh_source() -> Result<(), ServerFnError> {
    let state = ssr::state()?;
    ssr::require_editor(&state)?;
    match &state.syncer {
        Some(s) => {
            s.refresh();
            Ok(())
        }
        None => Err(ServerFnError::ServerError("nothing syncs in this process".into())),
    }
}

/// Deregister a revision (editors only; 403 in read-only mode).
#[server(prefix = "/api", endpoint = "deregister")]
pub async fn deregister_revision(family: String, revision: u32) -> Result<(), ServerFnError> {
    let state = ssr::state()?;
    ssr::require_editor(&state)?;
    state.store.deregister(&family, revision).await.map_err(ssr::store_error)?;
    crate::server::audit_deregister(&state, &family, revision).await;
    crate::server::service::family_changed(&state, &family).await;
    Ok(())
}

/// What a register from the editor came to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RegisterOutcome {
    /// The new revision.
    Registered(u32),
    /// The family has a newer revision than the one the edit started from: nothing was
    /// registered; compare `base` with `latest`, then register on top of `latest` if the edit
    /// still holds.
    Conflict { base: u32, latest: u32, message: String },
}

/// Register a new revision from edited JSON (editors only; 403 in read-only mode). `base` is
/// the revision the edit started from: when the family has a newer one by now, nothing is
/// registered and the answer is a [`RegisterOutcome::Conflict`] (an answer, not an error:
/// the editor shows it with what to do; HTTP 200 so that the server-function client reads it).
#[server(prefix = "/api", endpoint = "register")]
pub async fn register_revision(
    family: String,
    text: String,
    base: Option<u32>,
    #[server(default)] note: Option<String>,
) -> Result<RegisterOutcome, ServerFnError> {
    let state = ssr::state()?;
    ssr::require_editor(&state)?;
    let doc = match crate::core::document::Document::parse(text.as_str()) {
        Ok(doc) => doc,
        Err(e) => {
            return Err(ServerFnError::ServerError(format!(
                "the JSON is malformed at line {}, column {}: {}",
                e.line, e.column, e.message
            )))
        }
    };
    let input = doc.register_input();
    if input.get("family").and_then(|f| f.as_str()) != Some(family.as_str()) {
        return Err(ServerFnError::ServerError(format!("the document's family is not `{family}`")));
    }
    let d = match base {
        None => state.store.register(&input, &state.identity.user).await.map_err(ssr::store_error)?,
        Some(base) => {
            match state.store.register_from(&input, &state.identity.user, base).await.map_err(ssr::store_error)? {
                crate::store::Registered::New(d) => d,
                crate::store::Registered::Newer(latest) => {
                    let by = if latest.registered_by.is_empty() {
                        String::new()
                    } else {
                        format!(" by {}", latest.registered_by)
                    };
                    return Ok(RegisterOutcome::Conflict {
                        base,
                        latest: latest.revision,
                        message: format!(
                            "{family} has revision {} (registered{by}) since your edit started from {base}; nothing was registered",
                            latest.revision
                        ),
                    });
                }
            }
        }
    };
    crate::server::audit_register(&state, &family, d.revision(), base, &doc).await;
    crate::server::service::family_changed(&state, &family).await;
    if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
        crate::server::service::set_note(&state, &family, d.revision(), &note).await.map_err(ssr::store_error)?;
    }
    // Registered: the draft has done its job.
    if let Some(drafts) = &state.drafts {
        if let Err(e) = drafts.delete(&state.identity.user, &family).await {
            eprintln!("ecs-lens: registered {family}:{} but could not forget the draft: {e}", d.revision());
        }
    }
    Ok(RegisterOutcome::Registered(d.revision()))
}

/// The editor's quick fix: the fix of `finding` (from the browser's findings-only lint)
/// applied to `text`, with the commands and notes the patch cannot do. Built here because
/// the browser bundle carries no fix builders. Editors only, like the editor page.
#[server(prefix = "/api", endpoint = "apply-fix")]
pub async fn apply_fix(text: String, finding: Finding) -> Result<crate::core::fix::QuickFix, ServerFnError> {
    ssr::require_editor(&ssr::state()?)?;
    crate::core::fix::quick_fix(&text, &finding).map_err(ServerFnError::ServerError)
}

/// The editor's review of a draft against the revision it started from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub changes: Vec<ReviewChange>,
    /// Findings the draft resolves / introduces.
    pub resolved: usize,
    pub introduced: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewChange {
    /// `added`, `removed`, `changed`, `movedToSecrets` …
    pub kind: String,
    /// "Added · container app › environment › DD_API_KEY".
    pub label: String,
}

/// The semantic diff and findings delta of `text` against `family:revision` (`None` while
/// the text is not JSON). Values are masked as in every diff.
#[server(prefix = "/api", endpoint = "review")]
pub async fn review_edit(family: String, revision: u32, text: String) -> Result<Option<Review>, ServerFnError> {
    use crate::core::document::Document;
    let state = ssr::state()?;
    ssr::require_editor(&state)?;
    let Ok(doc) = Document::parse(text.as_str()) else { return Ok(None) };
    let base = state.store.describe(&family, Some(revision)).await.map_err(ssr::store_error)?;
    let base = Document::from_value(&base.register_input());
    let d = crate::core::diff::diff(&base, &doc);
    Ok(Some(Review {
        changes: d
            .changes
            .iter()
            .map(|c| ReviewChange {
                kind: serde_json::to_value(c.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                label: format!("{} · {}", c.kind, c.path.join(" › ")),
            })
            .collect(),
        resolved: d.findings.resolved.len(),
        introduced: d.findings.introduced.len(),
    }))
}

/// A page of the audit trail, newest first (of one family when `family` is not empty). Every
/// user may read it: it holds no values.
#[server(prefix = "/api", endpoint = "audit-trail")]
pub async fn audit_trail(
    #[server(default)] family: String,
    #[server(default)] page: u32,
) -> Result<AuditTrailPage, ServerFnError> {
    let state = ssr::state()?;
    crate::server::service::audit_trail(&state, &family, page).await.map_err(ssr::store_error)
}

/// Lint a task definition (either shape) on the server: the findings with their fixes, or
/// where the JSON is malformed. For API clients and scripts; every user may call it.
#[server(prefix = "/api", endpoint = "lint")]
pub async fn lint_document(text: String) -> Result<crate::core::report::FileReport, ServerFnError> {
    ssr::state()?;
    Ok(crate::core::report::FileReport::lint_text("request", &text, &crate::core::LintOptions::default()))
}

/// What the editor starts from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditData {
    pub family: String,
    pub revision: u32,
    /// The revision's RegisterTaskDefinition input, pretty-printed, values unmasked
    /// (editors edit them).
    pub text: String,
    /// This user's draft of the family, saved on the server as they typed.
    pub draft: Option<SavedDraft>,
}

/// A draft kept on the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedDraft {
    /// The revision the edit started from (or was carried over onto).
    pub base_revision: u32,
    pub text: String,
    pub updated_at: String,
}

/// The source of a revision for editing (editors only; 403 in read-only mode).
#[server(prefix = "/api", endpoint = "edit-source")]
pub async fn edit_source(family: String, revision: u32) -> Result<EditData, ServerFnError> {
    let state = ssr::state()?;
    ssr::require_editor(&state)?;
    let d = state.store.describe(&family, Some(revision)).await.map_err(ssr::store_error)?;
    let text = serde_json::to_string_pretty(&d.register_input()).unwrap_or_default();
    let draft = match &state.drafts {
        Some(drafts) => drafts.get(&state.identity.user, d.family()).await.map_err(ssr::store_error)?,
        None => None,
    };
    Ok(EditData {
        family: d.family().to_string(),
        revision: d.revision(),
        text,
        draft: draft.map(|d| SavedDraft { base_revision: d.base_revision, text: d.text, updated_at: d.updated_at }),
    })
}

/// Save this user's draft of `family` (editors only), as the editor does while they type.
#[server(prefix = "/api", endpoint = "save-draft")]
pub async fn save_draft(family: String, base: u32, text: String) -> Result<(), ServerFnError> {
    let state = ssr::state()?;
    ssr::require_editor(&state)?;
    let Some(drafts) = &state.drafts else { return Ok(()) };
    drafts.save(&state.identity.user, &family, base, &text).await.map_err(ssr::store_error)
}

// ---------------------------------------------------------------- secrets

#[cfg(feature = "ssr")]
fn migrate_request(
    store: &str,
    layout: &str,
    kms_key: Option<String>,
    grant: bool,
    execute: bool,
) -> crate::server::secrets::MigrateRequest {
    use crate::core::migration::{Layout, Options, SecretStore};
    crate::server::secrets::MigrateRequest {
        options: Options {
            store: SecretStore::parse(store).unwrap_or_default(),
            layout: Layout::parse(layout).unwrap_or_default(),
        },
        kms_key: kms_key.filter(|k| !k.trim().is_empty()),
        grant,
        execute,
    }
}

/// The review of moving a revision's credentials to Secrets Manager/SSM: nothing is created.
/// Viewers may look (it holds names, ARNs and a masked diff, never a value).
#[server(prefix = "/api", endpoint = "migration-review")]
pub async fn review_migration(
    family: String,
    revision: u32,
    #[server(default)] store: String,
    #[server(default)] layout: String,
) -> Result<MigrationReview, ServerFnError> {
    let state = ssr::state()?;
    let req = migrate_request(&store, &layout, None, false, false);
    crate::server::secrets::migrate(&state, &family, Some(revision), &req).await.map_err(ssr::store_error)
}

/// Create the secrets, rewrite, (grant,) register: editors only.
#[server(prefix = "/api", endpoint = "migrate-secrets")]
pub async fn migrate_secrets(
    family: String,
    revision: u32,
    #[server(default)] store: String,
    #[server(default)] layout: String,
    #[server(default)] kms_key: Option<String>,
    #[server(default)] grant: Option<String>,
) -> Result<MigrationReview, ServerFnError> {
    let state = ssr::state()?;
    ssr::require_editor(&state)?;
    let req = migrate_request(&store, &layout, kms_key, grant.is_some_and(|g| !g.is_empty() && g != "false"), true);
    crate::server::secrets::migrate(&state, &family, Some(revision), &req).await.map_err(ssr::store_error)
}

/// Which revisions still carry each credential of `family`.
#[server(prefix = "/api", endpoint = "exposure")]
pub async fn get_exposure(family: String) -> Result<ExposureReport, ServerFnError> {
    let state = ssr::state()?;
    crate::server::secrets::exposure(&state, Some(&family)).await.map_err(ssr::store_error)
}

/// Deregister and delete the exposed revisions no service runs: editors only.
#[server(prefix = "/api", endpoint = "purge")]
pub async fn purge_exposed(family: String) -> Result<PurgeReport, ServerFnError> {
    let state = ssr::state()?;
    ssr::require_editor(&state)?;
    crate::server::secrets::purge(&state, &family, false).await.map_err(ssr::store_error)
}

/// Check a revision's references against its account (read-only; runs when asked).
#[server(prefix = "/api", endpoint = "verify")]
pub async fn verify_revision(family: String, revision: u32) -> Result<VerifyReport, ServerFnError> {
    let state = ssr::state()?;
    crate::server::secrets::verify(&state, &family, Some(revision)).await.map_err(ssr::store_error)
}

// ---------------------------------------------------------------- history and notes

/// A family's history (newest first), filtered to a container and/or a key path.
#[server(prefix = "/api", endpoint = "history")]
pub async fn family_history(
    family: String,
    #[server(default)] container: String,
    #[server(default)] path: String,
    #[server(default)] page: u32,
) -> Result<HistoryData, ServerFnError> {
    let state = ssr::state()?;
    let filter = crate::core::history::Filter {
        container: Some(container).filter(|c| !c.trim().is_empty()),
        path: Some(path).filter(|p| !p.trim().is_empty()),
    };
    crate::server::service::history(&state, &family, &filter, Some(page.max(1))).await.map_err(ssr::store_error)
}

/// Write a revision's note (editors only; an empty text removes it).
#[server(prefix = "/api", endpoint = "note")]
pub async fn set_revision_note(
    family: String,
    revision: u32,
    #[server(default)] text: String,
) -> Result<String, ServerFnError> {
    let state = ssr::state()?;
    ssr::require_editor(&state)?;
    crate::server::service::set_note(&state, &family, revision, &text).await.map_err(ssr::store_error)
}

/// A family's prune plan (editors only: viewers never see the action).
#[server(prefix = "/api", endpoint = "prune-plan")]
pub async fn get_prune_plan(
    family: String,
    #[server(default)] keep: Option<u32>,
    #[server(default)] older_than: Option<u32>,
    #[server(default)] delete: Option<String>,
) -> Result<PrunePlan, ServerFnError> {
    pruning(family, keep, older_than, delete, false).await
}

/// Carry a family's prune plan out (editors only; refused in read-only mode).
#[server(prefix = "/api", endpoint = "prune")]
pub async fn run_prune(
    family: String,
    #[server(default)] keep: Option<u32>,
    #[server(default)] older_than: Option<u32>,
    #[server(default)] delete: Option<String>,
) -> Result<PrunePlan, ServerFnError> {
    pruning(family, keep, older_than, delete, true).await
}

#[cfg(feature = "ssr")]
async fn pruning(
    family: String,
    keep: Option<u32>,
    older_than: Option<u32>,
    delete: Option<String>,
    execute: bool,
) -> Result<PrunePlan, ServerFnError> {
    let state = ssr::state()?;
    ssr::require_editor(&state)?;
    let o = prune_options(keep, older_than, delete);
    let r = if execute {
        crate::server::hygiene::prune(&state, &family, &o).await
    } else {
        crate::server::hygiene::plan(&state, &family, &o).await
    };
    r.map_err(ssr::store_error)
}

#[cfg(feature = "ssr")]
fn prune_options(
    keep: Option<u32>,
    older_than: Option<u32>,
    delete: Option<String>,
) -> crate::server::hygiene::PruneOptions {
    crate::server::hygiene::PruneOptions {
        keep: keep.unwrap_or(5),
        older_than_days: older_than.filter(|d| *d > 0),
        delete: delete.is_some_and(|d| !d.is_empty() && d != "false"),
    }
}
