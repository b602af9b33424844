//! Applying the rules' machine-applicable fixes (JSON Patch) to a document.
//!
//! Fixes are applied one at a time, re-linting in between: each patch was computed
//! against the document as it was, and indices shift once an earlier patch ran.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::document::Document;
use super::finding::{Finding, Fix};
use super::rules::{lint_with, LintOptions};

/// A fix that was applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Applied {
    pub rule: String,
    pub container: Option<String>,
    pub message: String,
    pub fix: Fix,
}

/// The outcome of [`apply_fixes`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixOutcome {
    pub value: Value,
    pub applied: Vec<Applied>,
    /// Fixes whose patch did not apply (message per failure).
    pub failed: Vec<String>,
}

/// Apply one fix's patch to a value.
pub fn apply_patch(value: &mut Value, fix: &Fix) -> Result<(), String> {
    let patch: json_patch::Patch =
        serde_json::from_value(fix.patch.clone()).map_err(|e| format!("the fix is not a valid JSON Patch: {e}"))?;
    json_patch::patch(value, &patch).map_err(|e| format!("the fix no longer applies: {e}"))
}

/// The editor's quick fix: `text` with the fix of `finding` (from a findings-only lint)
/// applied, pretty-printed, and what is left to do outside the task definition (the fix's
/// commands and notes). A clear reason when the fix cannot be applied.
pub fn quick_fix(text: &str, finding: &super::finding::Finding) -> Result<QuickFix, String> {
    let doc = Document::parse(text).map_err(|e| e.to_string())?;
    let fix = super::rules::fix_for(&doc, finding).ok_or("this finding has no fix any more (the text changed)")?;
    if !fix.is_applicable() {
        return Err(format!("there is no automatic fix for this one; what to do: {}", fix.description));
    }
    let mut value = doc.value().clone();
    apply_patch(&mut value, &fix)?;
    let mut notes = fix.commands.clone();
    notes.extend(fix.notes.iter().cloned());
    let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    Ok(QuickFix { text, description: fix.description, notes })
}

/// The outcome of [`quick_fix`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuickFix {
    pub text: String,
    pub description: String,
    /// Commands and notes: what the patch alone cannot do.
    pub notes: Vec<String>,
}

/// Apply the machine-applicable fixes of the rules in `options` until none is left:
/// the safe ones (each fix says whether it is: [`Fix`]'s `safe` flag), plus every fix of an
/// explicitly selected rule, plus all of them when `unsafe_fixes`.
pub fn apply_fixes(doc: &Document, options: &LintOptions, unsafe_fixes: bool) -> FixOutcome {
    let every_fix = unsafe_fixes || !options.select.is_empty();
    apply_fixes_with(doc, every_fix, |d| lint_with(d, options))
}

/// [`apply_fixes`] over the findings `lint` reports: safe fixes only, or every fix when
/// `every_fix`.
fn apply_fixes_with(doc: &Document, every_fix: bool, mut lint: impl FnMut(&Document) -> Vec<Finding>) -> FixOutcome {
    let mut value = doc.value().clone();
    let mut applied = Vec::new();
    let mut failed = Vec::new();
    // A finding is tried once: the same rule, place, message and value there. The value is part
    // of it, so that a finding whose place now holds something else (an array element that
    // moved up after a removal) is a new one.
    let mut tried: Vec<(String, String, String, String)> = Vec::new();
    let key = |doc: &Document, f: &Finding| {
        let at = doc.value().pointer(&f.pointer).map(Value::to_string).unwrap_or_default();
        (f.rule.clone(), f.pointer.clone(), f.message.clone(), at)
    };
    let mut current = doc.clone();
    for _ in 0..200 {
        let findings = lint(&current);
        let next = findings.into_iter().find(|f| {
            f.fix.as_ref().is_some_and(|x| x.is_applicable() && (every_fix || x.safe))
                && !tried.contains(&key(&current, f))
        });
        let Some(f) = next else { break };
        tried.push(key(&current, &f));
        let fix = f.fix.clone().expect("filtered on fix");
        let mut candidate = value.clone();
        match apply_patch(&mut candidate, &fix) {
            Ok(()) => {
                value = candidate;
                current = Document::from_value(&value);
                applied.push(Applied { rule: f.rule, container: f.container, message: f.message, fix });
            }
            Err(e) => failed.push(format!("{} at {}: {e}", f.rule, f.pointer)),
        }
    }
    FixOutcome { value, applied, failed }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From the lint fuzzer: two nameless `environment` entries. Removing the first moves the
    /// second up to its place, where it is a new finding (another value there), not one already
    /// tried: one pass removes both and reaches a fixed point.
    #[test]
    fn an_element_that_moved_up_is_fixed_in_the_same_pass() {
        let mut td = crate::rules::testing::base();
        td["containerDefinitions"][0]["environment"] =
            serde_json::json!([{"name": "A", "value": "1"}, {"namendition": "SUCCESS"}, {}]);
        let once = apply_fixes(&Document::from_value(&td), &LintOptions::default(), true);
        assert_eq!(
            once.value["containerDefinitions"][0]["environment"],
            serde_json::json!([{"name": "A", "value": "1"}])
        );
        let twice = apply_fixes(&Document::from_value(&once.value), &LintOptions::default(), true);
        assert!(twice.applied.is_empty(), "{:?}", twice.applied.iter().map(|a| &a.rule).collect::<Vec<_>>());
    }
    use crate::finding::Category;
    use serde_json::json;

    #[test]
    fn quick_fix_moves_the_seed_api_key_to_secrets() {
        let text = include_str!("../../../tests/fixtures/seed/datadog-fastapi-taskdef.json");
        let doc = Document::parse(text).unwrap();
        let findings = lint_with(&doc, &LintOptions { skip_fixes: true, ..Default::default() });
        let f = findings
            .iter()
            .find(|f| f.rule == "SEC001" && f.message.contains("DD_API_KEY"))
            .expect("the seed's DD_API_KEY is flagged");
        assert!(f.fix.is_none(), "findings-only lint");
        let q = quick_fix(text, f).unwrap();
        let fixed = Document::parse(q.text.as_str()).unwrap();
        let still: Vec<_> = lint_with(&fixed, &LintOptions { skip_fixes: true, ..Default::default() })
            .into_iter()
            .filter(|f| f.rule == "SEC001" && f.message.contains("DD_API_KEY"))
            .collect();
        assert!(still.is_empty(), "DD_API_KEY is no longer plaintext: {still:?}");
        assert!(q.text.contains("\"valueFrom\": \"arn:aws:secretsmanager:"), "{}", q.text);
        assert!(q.notes.iter().any(|n| n.contains("aws secretsmanager create-secret")), "{:?}", q.notes);
        // The text changed under the finding: a clear refusal, not a wrong patch.
        let err = quick_fix(&q.text, f).unwrap_err();
        assert!(err.contains("no fix any more"), "{err}");
        assert!(quick_fix("{", f).unwrap_err().contains("line"));
    }

    #[test]
    fn applies_a_patch_and_reports_stale_ones() {
        let mut v = json!({"a": [1, 2]});
        let fix =
            Fix::patch("x", json!([{"op": "test", "path": "/a/0", "value": 1}, {"op": "remove", "path": "/a/0"}]));
        apply_patch(&mut v, &fix).unwrap();
        assert_eq!(v, json!({"a": [2]}));
        let err = apply_patch(&mut v, &fix).unwrap_err();
        assert!(err.contains("no longer applies"), "{err}");
        let err = apply_patch(&mut v, &Fix::patch("bad", json!({"op": 1}))).unwrap_err();
        assert!(err.contains("not a valid JSON Patch"));
    }

    #[test]
    fn fixes_until_nothing_is_left() {
        let doc = Document::from_value(&json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "i"}]}));
        let out = apply_fixes(&doc, &LintOptions::default(), true);
        // Whatever was applied, a second round finds nothing more to apply.
        let again = apply_fixes(&Document::from_value(&out.value), &LintOptions::default(), true);
        assert!(again.applied.is_empty(), "{:?}", again.applied.iter().map(|a| &a.rule).collect::<Vec<_>>());
    }

    #[test]
    fn by_default_only_safe_fixes_run() {
        let seed = Document::parse(crate::rules::testing::SEED).unwrap();
        let out = apply_fixes(&seed, &LintOptions::default(), false);
        assert!(out.applied.iter().any(|a| a.rule == "SEC001"));
        // Every fix applied by default is marked safe; no rule's fixes differ from what their
        // category used to decide (registrability, secrets: safe; the rest: unsafe).
        assert!(out.applied.iter().all(|a| a.fix.safe), "{:?}", out.applied);
        let safe_by_default = |c: Category| {
            matches!(c, Category::Secrets | Category::Validity | Category::Fargate | Category::Dependencies)
        };
        assert!(out
            .applied
            .iter()
            .all(|a| crate::rules::rule(&a.rule).is_some_and(|r| safe_by_default(r.meta().category))));
        let all = apply_fixes(&seed, &LintOptions::default(), true);
        assert!(
            all.applied.len() > out.applied.len(),
            "unsafe fixes exist for the seed (e.g. read-only root filesystem)"
        );
    }

    /// The fix's own flag decides, not the finding's category: a safe fix of a security
    /// finding is applied by default, an unsafe one of a secrets finding only on request.
    #[test]
    fn the_fix_flag_not_the_category_decides() {
        let doc = Document::from_value(&json!({"a": 1, "b": 2}));
        let finding = |id: &str, fix: Fix| Finding::new(crate::rules::rule(id).unwrap().meta(), "/", id).with_fix(fix);
        let lint = |d: &Document| {
            let mut out = Vec::new();
            if d.value().get("a").is_some() {
                let remove = json!([{"op": "remove", "path": "/a"}]);
                out.push(finding("HAR006", Fix::patch("drop a", remove).safe()));
            }
            if d.value().get("b").is_some() {
                let remove = json!([{"op": "remove", "path": "/b"}]);
                out.push(finding("SEC001", Fix::patch("drop b", remove)));
            }
            out
        };
        assert_eq!(lint(&doc).iter().map(|f| f.category).collect::<Vec<_>>(), [Category::Security, Category::Secrets]);
        let by_default = apply_fixes_with(&doc, false, lint);
        assert_eq!(by_default.value, json!({"b": 2}));
        assert_eq!(by_default.applied.iter().map(|a| a.rule.as_str()).collect::<Vec<_>>(), ["HAR006"]);
        assert!(by_default.applied[0].fix.safe);
        let every = apply_fixes_with(&doc, true, lint);
        assert_eq!(every.value, json!({}));
        assert_eq!(every.applied.len(), 2);
    }

    #[test]
    fn the_safe_flag_round_trips_and_defaults_to_unsafe() {
        let safe = Fix::patch("x", json!([{"op": "remove", "path": "/a"}])).safe();
        let text = serde_json::to_string(&safe).unwrap();
        assert!(text.contains("\"safe\":true"), "{text}");
        assert_eq!(serde_json::from_str::<Fix>(&text).unwrap(), safe);
        assert!(!Fix::patch("x", json!([])).safe && !Fix::advice("x").safe);
        // JSON written before the flag existed still reads, as unsafe.
        let old: Fix = serde_json::from_value(json!({"description": "x", "patch": []})).unwrap();
        assert!(!old.safe);
    }
}
