//! Plaintext credentials (`SEC…`). One file per rule.

use super::Rule;
use crate::core::document::Document;

pub static RULES: &[&(dyn Rule)] = &[];

/// Pointers (into `doc`) of every string value the secrets rules flag as a secret
/// value, for masking wherever a viewer sees the document (raw JSON, diffs, exports).
pub fn secret_pointers(doc: &Document) -> Vec<String> {
    let _ = doc;
    Vec::new()
}

/// `doc`'s value with every value named by [`secret_pointers`] replaced by a mask.
pub fn mask_document(doc: &Document) -> serde_json::Value {
    let mut v = doc.value().clone();
    for p in secret_pointers(doc) {
        if let Some(slot) = v.pointer_mut(&p) {
            *slot = serde_json::Value::String(MASK.into());
        }
    }
    v
}

/// What a masked secret value is shown as.
pub const MASK: &str = "********";
