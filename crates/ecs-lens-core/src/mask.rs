//! Keeping secret values from whoever views a task definition: the raw JSON view, diffs,
//! findings, exports and every server function's answer go through a [`Masker`].
//!
//! A document's secrets are the string values the secrets rules flag (their pointers, see
//! [`secret_pointers`]) plus the environment entries [`is_secret_env`] flags. They are masked
//! **by value**: at the flagged place, and wherever else the same value appears in what is
//! shown — another container's variable, a command line, a label, a fix's patch, a message —
//! whole or inside a longer string. The values themselves live only inside the masker, in
//! memory, and are never shown.

use serde_json::Value;

use crate::document::Document;
use crate::finding::Finding;
use crate::model::TaskDef;
use crate::rules::secrets::{self, is_secret_env};
use crate::rules::Context;

/// What a masked secret value is shown as.
pub const MASK: &str = "********";

/// The secret values of one document.
#[derive(Debug, Default, Clone)]
pub struct Masker {
    /// Document pointers of secret values, sorted.
    pointers: Vec<String>,
    /// The secret strings themselves, sorted. Never shown.
    strings: Vec<String>,
}

/// Secret strings shorter than this are not masked by value (too likely to collide).
const MIN_SWEEP_LEN: usize = 3;

/// Secret strings at least this long are also masked inside longer strings (free text, a
/// command line, a URL); shorter ones only where a whole string equals them.
const MIN_SCRUB_LEN: usize = 8;

impl Masker {
    /// The secrets of `doc`.
    pub fn of(doc: &Document) -> Masker {
        Masker::from_findings(doc, &secrets_findings(doc))
    }

    /// The secrets of `doc` from findings a lint of it already made (every rule's, or only the
    /// secrets rules'): no second walk of the document's strings.
    pub fn from_findings(doc: &Document, findings: &[Finding]) -> Masker {
        let mut pointers = secret_pointers_in(findings);
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
        Masker { pointers, strings }
    }

    /// `doc`'s value with every secret masked: at its pointer, and by value everywhere else.
    pub fn mask_document(&self, doc: &Document) -> Value {
        let mut v = doc.value().clone();
        for p in &self.pointers {
            if let Some(slot) = v.pointer_mut(p) {
                *slot = Value::String(MASK.into());
            }
        }
        self.sweep(&mut v);
        v
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

    /// Is the string one of the secret values?
    pub fn is_secret_string(&self, s: &str) -> bool {
        self.strings.binary_search_by(|x| x.as_str().cmp(s)).is_ok()
    }

    /// Mask every secret value in `value` by value: a string equal to one becomes the mask, a
    /// string containing a long one has it replaced; object keys are left alone (names, not
    /// values). True if anything was masked.
    pub fn sweep(&self, value: &mut Value) -> bool {
        if self.strings.is_empty() {
            return false;
        }
        match value {
            Value::String(s) if self.is_secret_string(s) => {
                *value = Value::String(MASK.into());
                true
            }
            Value::String(s) => self.scrub_text(s),
            Value::Array(items) => items.iter_mut().fold(false, |acc, v| self.sweep(v) | acc),
            Value::Object(m) => m.values_mut().fold(false, |acc, v| self.sweep(v) | acc),
            _ => false,
        }
    }

    /// Replace every occurrence of a (long enough to be unambiguous) secret value in free
    /// text, e.g. a finding's message or a command line; true if any was.
    pub fn scrub_text(&self, text: &mut String) -> bool {
        let mut any = false;
        // Longest first, so that a secret containing another is masked whole.
        let mut long: Vec<&String> = self.strings.iter().filter(|s| s.len() >= MIN_SCRUB_LEN).collect();
        long.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for s in long {
            if text.contains(s.as_str()) {
                *text = text.replace(s.as_str(), MASK);
                any = true;
            }
        }
        any
    }

    /// A finding as a viewer may see it: message, fix description, patch, commands and notes
    /// masked by value (findings are written never to contain secrets; this makes sure).
    pub fn mask_finding(&self, f: &mut Finding) {
        if self.strings.is_empty() {
            return;
        }
        self.scrub_text(&mut f.message);
        if let Some(fix) = &mut f.fix {
            self.scrub_text(&mut fix.description);
            self.sweep(&mut fix.patch);
            fix.commands.iter_mut().chain(fix.notes.iter_mut()).for_each(|t| {
                self.scrub_text(t);
            });
        }
    }
}

/// `doc`'s value with every secret masked, at its place and by value everywhere
/// ([`Masker::mask_document`]).
pub fn mask_document(doc: &Document) -> Value {
    Masker::of(doc).mask_document(doc)
}

/// Pointers (into `doc`) of every string value the secrets rules flag as a secret
/// value, for masking wherever a viewer sees the document (raw JSON, diffs, exports).
pub fn secret_pointers(doc: &Document) -> Vec<String> {
    secret_pointers_in(&secrets_findings(doc))
}

/// The secrets rules' findings on `doc` (no fixes built).
fn secrets_findings(doc: &Document) -> Vec<Finding> {
    let cx = Context::new(doc, false);
    let mut findings: Vec<Finding> = Vec::new();
    for rule in secrets::RULES {
        rule.check(&cx, &mut findings);
    }
    findings
}

/// The pointers of the secret values the secrets rules' findings among `findings` name.
fn secret_pointers_in(findings: &[Finding]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in findings.iter().filter(|f| secrets::RULES.iter().any(|r| r.meta().id == f.rule)) {
        // SEC001 points at the `environment` entry; its value is what gets masked.
        let p = if f.rule == secrets::ENVIRONMENT_RULE { format!("{}/value", f.pointer) } else { f.pointer.clone() };
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
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
    use crate::rules::testing::{base, SEED};
    use serde_json::json;

    #[test]
    fn seed_pointers_and_mask() {
        let doc = Document::parse(SEED).unwrap();
        assert_eq!(
            secret_pointers(&doc),
            ["/containerDefinitions/1/environment/7/value", "/containerDefinitions/3/environment/1/value"]
        );
        let masked = mask_document(&doc);
        assert_eq!(masked["containerDefinitions"][1]["environment"][7], json!({"name": "DD_API_KEY", "value": MASK}));
        assert_eq!(masked["containerDefinitions"][3]["environment"][1]["value"], MASK);
        assert_eq!(masked["containerDefinitions"][3]["environment"][2]["value"], "myuser");
    }

    #[test]
    fn pointers_cover_every_rule_and_the_wrapped_shape() {
        let mut td = base();
        let c = &mut td["containerDefinitions"][0];
        c["environment"] = json!([{"name": "DB_PASSWORD", "value": "Hunter2Hunter2"}]);
        c["logConfiguration"] = json!({"logDriver": "splunk", "options": {"splunk-token": "Hunter2Hunter2"}});
        c["dockerLabels"] = json!({"api.token": "Hunter2Hunter2"});
        c["command"] = json!(["./run --password=Hunter2Hunter2"]);
        c["secrets"] = json!([{"name": "X", "valueFrom": "Hunter2 Hunter2"}]);
        let doc = Document::from_value(&json!({"taskDefinition": td, "tags": []}));
        let ptrs = secret_pointers(&doc);
        assert_eq!(
            ptrs,
            [
                "/taskDefinition/containerDefinitions/0/environment/0/value",
                "/taskDefinition/containerDefinitions/0/logConfiguration/options/splunk-token",
                "/taskDefinition/containerDefinitions/0/dockerLabels/api.token",
                "/taskDefinition/containerDefinitions/0/command/0",
                "/taskDefinition/containerDefinitions/0/secrets/0/valueFrom",
            ]
        );
        let masked = serde_json::to_string(&mask_document(&doc)).unwrap();
        assert!(!masked.contains("Hunter2"), "{masked}");
    }

    #[test]
    fn masks_at_inside_and_above_pointers() {
        let doc = Document::parse(crate::rules::testing::SEED).unwrap();
        let s = Masker::of(&doc);
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

    /// A flagged value is masked wherever it appears, not only where it was flagged.
    #[test]
    fn masks_a_flagged_value_everywhere_it_appears() {
        let key = "0123456789abcdef0123456789abcdef";
        let doc = Document::from_value(&json!({
            "family": "f",
            "containerDefinitions": [
                {"name": "agent", "image": "datadog/agent", "environment": [{"name": "DD_API_KEY", "value": key}]},
                {"name": "app", "image": "app",
                 "command": ["sh", "-c", format!("curl -H 'DD-API-KEY: {key}' https://example.com")],
                 "workingDirectory": format!("/srv/{key}/app"),
                 "dockerLabels": {"copied": key, "harmless": "0123"},
                 "environment": [{"name": "UNREMARKABLE", "value": key}]}
            ]
        }));
        let m = Masker::of(&doc);
        let masked = m.mask_document(&doc);
        let text = serde_json::to_string(&masked).unwrap();
        assert!(!text.contains(key), "{text}");
        assert_eq!(masked["containerDefinitions"][1]["dockerLabels"]["copied"], MASK);
        assert_eq!(masked["containerDefinitions"][1]["environment"][0]["value"], MASK);
        assert_eq!(
            masked["containerDefinitions"][1]["workingDirectory"],
            format!("/srv/{MASK}/app"),
            "inside a string"
        );
        assert_eq!(masked["containerDefinitions"][1]["dockerLabels"]["harmless"], "0123", "other values stay");
        assert_eq!(masked["containerDefinitions"][0]["environment"][0]["name"], "DD_API_KEY", "names stay");

        // A finding carrying the value anywhere (message, patch, commands, notes) is masked too.
        let mut f = crate::lint(&doc).into_iter().next().unwrap();
        f.message = format!("saw {key}");
        f.fix = Some(
            crate::finding::Fix::patch(format!("use {key}"), json!([{"op": "test", "path": "/x", "value": key}]))
                .with_commands(vec![format!("echo {key}")]),
        );
        m.mask_finding(&mut f);
        assert!(!serde_json::to_string(&f).unwrap().contains(key), "{f:?}");
    }

    /// A whole lint's findings give the same masker as the secrets rules alone (the server
    /// builds it from the lint it already made).
    #[test]
    fn a_masker_from_a_whole_lint_is_the_secrets_rules_masker() {
        let mut td = base();
        td["containerDefinitions"][0]["environment"] = json!([{"name": "DB_PASSWORD", "value": "Hunter2Hunter2"}]);
        td["containerDefinitions"][0]["dockerLabels"] =
            json!({"api.token": "ghp_0123456789abcdefABCDEF0123456789abcd"});
        for doc in [Document::parse(SEED).unwrap(), Document::from_value(&td)] {
            let (a, b) = (Masker::of(&doc), Masker::from_findings(&doc, &crate::lint(&doc)));
            assert_eq!((&a.pointers, &a.strings), (&b.pointers, &b.strings));
            assert!(!a.pointers.is_empty());
        }
    }

    #[test]
    fn masking_is_idempotent_and_leaves_the_rest_alone() {
        let doc = Document::parse(crate::rules::testing::SEED).unwrap();
        let once = Masker::of(&doc).mask_document(&doc);
        let again = Document::from_value(&once);
        assert_eq!(Masker::of(&again).mask_document(&again), once);
        // Exactly the two plaintext credentials changed.
        let mut expected = doc.value().clone();
        for p in ["/containerDefinitions/1/environment/7/value", "/containerDefinitions/3/environment/1/value"] {
            *expected.pointer_mut(p).unwrap() = Value::String(MASK.into());
        }
        assert_eq!(once, expected);
    }
}
