//! Keeping secret values out of a diff.
//!
//! A value shown in a change is masked when its document pointer is one of the
//! document's secret pointers ([`secret_pointers`], plus the environment entries
//! [`is_secret_env`] flags), or when it contains one (the secret inside is masked). As a last line of defence every string
//! in a diff that equals a known secret value is masked too.

use serde_json::Value;

use crate::core::document::Document;
use crate::core::model::TaskDef;
use crate::core::rules::secrets::{is_secret_env, secret_pointers, MASK};

/// The secret values of one document.
#[derive(Debug, Default)]
pub(crate) struct Secrets {
    /// Document pointers of secret values, sorted.
    pointers: Vec<String>,
    /// The secret strings themselves (for the final sweep), sorted. Never shown.
    strings: Vec<String>,
}

/// Secret strings shorter than this are not swept by value (too likely to collide).
const MIN_SWEEP_LEN: usize = 3;

impl Secrets {
    pub fn of(doc: &Document) -> Secrets {
        let mut pointers = secret_pointers(doc);
        env_pointers(doc, &mut pointers);
        pointers.sort();
        pointers.dedup();
        let mut strings: Vec<String> = pointers
            .iter()
            .filter_map(|p| doc.value().pointer(p)?.as_str())
            .filter(|s| s.chars().count() >= MIN_SWEEP_LEN && !is_trivial(s))
            .map(str::to_string)
            .collect();
        strings.sort();
        strings.dedup();
        Secrets { pointers, strings }
    }

    /// Mask the secret parts of `value`, which sits at document pointer `ptr`.
    /// Returns true when the whole value is secret (and is now the mask).
    pub fn mask(&self, value: &mut Value, ptr: &str) -> bool {
        for p in &self.pointers {
            if p == ptr || is_under(ptr, p) {
                *value = Value::String(MASK.into());
                return true;
            }
            if is_under(p, ptr) {
                if let Some(slot) = value.pointer_mut(&p[ptr.len()..]) {
                    *slot = Value::String(MASK.into());
                }
            }
        }
        false
    }

    /// Is the string one of this document's secret values?
    pub fn is_secret_string(&self, s: &str) -> bool {
        self.strings.binary_search_by(|x| x.as_str().cmp(s)).is_ok()
    }

    /// Mask every string in `value` equal to a secret value; true if any was.
    pub fn sweep(&self, value: &mut Value) -> bool {
        if self.strings.is_empty() {
            return false;
        }
        match value {
            Value::String(s) if self.is_secret_string(s) => {
                *value = Value::String(MASK.into());
                true
            }
            Value::Array(items) => items.iter_mut().fold(false, |acc, v| self.sweep(v) | acc),
            Value::Object(m) => m.values_mut().fold(false, |acc, v| self.sweep(v) | acc),
            _ => false,
        }
    }

    /// Replace every occurrence of a (long enough to be unambiguous) secret value in
    /// free text, e.g. a finding's message.
    pub fn scrub_text(&self, text: &mut String) {
        for s in self.strings.iter().filter(|s| s.len() >= 8) {
            if text.contains(s.as_str()) {
                *text = text.replace(s.as_str(), MASK);
            }
        }
    }
}

/// True when pointer `p` names something strictly inside what `ancestor` names.
fn is_under(p: &str, ancestor: &str) -> bool {
    p.len() > ancestor.len() && p.starts_with(ancestor) && p.as_bytes()[ancestor.len()] == b'/'
}

fn is_trivial(s: &str) -> bool {
    matches!(s.to_ascii_lowercase().as_str(), "true" | "false" | "null" | "none" | "yes" | "no")
}

/// Environment values per [`is_secret_env`] (SEC001's own test, so this only matters
/// when `secret_pointers` leaves an entry out). Duplicates are removed by the caller.
fn env_pointers(doc: &Document, out: &mut Vec<String>) {
    let td = TaskDef::new(doc);
    for c in &td.containers {
        for e in c.environment() {
            if is_secret_env(e.name, e.value) {
                out.push(format!("{}/{}/value", c.ptr("environment"), e.index));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_at_inside_and_above_pointers() {
        let doc = Document::parse(crate::core::rules::testing::SEED).unwrap();
        let s = Secrets::of(&doc);
        let pw = "/containerDefinitions/3/environment/1/value";
        let mut v = json!("xxx");
        assert!(s.mask(&mut v, pw));
        assert_eq!(v, json!(MASK));
        let mut entry = json!({"name": "MYSQL_PW", "value": "xxx"});
        assert!(!s.mask(&mut entry, "/containerDefinitions/3/environment/1"));
        assert_eq!(entry, json!({"name": "MYSQL_PW", "value": MASK}));
        let mut user = json!("myuser");
        assert!(!s.mask(&mut user, "/containerDefinitions/3/environment/2/value"));
        assert_eq!(user, json!("myuser"));
        let mut swept = json!({"a": ["xxx", "xxxx"]});
        assert!(s.sweep(&mut swept));
        assert_eq!(swept, json!({"a": [MASK, "xxxx"]}));
    }
}
