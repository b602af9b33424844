//! The server side of the dashboard (feature `ssr`): the application state the server
//! functions see, and the analysis they run over the store's task definitions.
//!
//! Layering: server uses store and core; the ui's server functions call into here.

use std::sync::Arc;

use crate::core::document::Document;
use crate::core::finding::Finding;
use crate::core::rules::secrets::mask_document;
use crate::core::{graph, lint};
use crate::store::{DescribedTaskDefinition, StoreError, TaskDefStore};

pub mod export;

/// What every request can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn TaskDefStore>,
    /// `serve --read-only`: every mutating server function refuses with 403.
    pub read_only: bool,
}

impl AppState {
    pub fn new(store: Arc<dyn TaskDefStore>, read_only: bool) -> AppState {
        AppState { store, read_only }
    }
}

/// A described revision with everything the pages show about it.
pub struct Analysed {
    pub described: DescribedTaskDefinition,
    /// The describe output as pretty JSON: what the raw view shows and what the findings'
    /// lines and columns refer to.
    pub doc: Document,
    pub findings: Vec<Finding>,
}

impl Analysed {
    pub fn new(described: DescribedTaskDefinition) -> Analysed {
        let doc = Document::from_value(&described.to_value());
        let findings = lint(&doc);
        Analysed { described, doc, findings }
    }

    /// The raw JSON with every secret value masked (same lines as the unmasked text).
    pub fn masked_json(&self) -> String {
        serde_json::to_string_pretty(&mask_document(&self.doc)).unwrap_or_default()
    }

    pub fn graph(&self) -> graph::Graph {
        graph::build(&self.doc)
    }
}

/// Describe and analyse one revision (`None` = latest ACTIVE).
pub async fn analyse(state: &AppState, family: &str, revision: Option<u32>) -> Result<Analysed, StoreError> {
    Ok(Analysed::new(state.store.describe(family, revision).await?))
}

/// The latest ACTIVE revision of every family, analysed (families with none are skipped).
pub async fn analyse_latest(state: &AppState) -> Result<Vec<Analysed>, StoreError> {
    let families = state.store.list_families().await?;
    let mut out = Vec::with_capacity(families.len());
    for f in families {
        if let Some(rev) = f.latest_active_revision {
            out.push(analyse(state, &f.family, Some(rev)).await?);
        }
    }
    Ok(out)
}
