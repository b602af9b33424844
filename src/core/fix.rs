//! Applying the rules' machine-applicable fixes (JSON Patch) to a document.
//!
//! Fixes are applied one at a time, re-linting in between: each patch was computed
//! against the document as it was, and indices shift once an earlier patch ran.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::document::Document;
use super::finding::{Category, Fix};
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

/// Fixes of these categories only make the task definition registrable or take a
/// plaintext secret out: they do not change how the containers behave at run time, so
/// `ecs-lens fix` applies them by default. Security, operability and sidecar fixes
/// (run as another user, read-only root filesystem, drop capabilities …) can break an
/// application and are applied only when asked for, by rule id or with `unsafe_fixes`.
pub fn is_safe(category: Category) -> bool {
    matches!(category, Category::Secrets | Category::Validity | Category::Fargate | Category::Dependencies)
}

/// Apply the machine-applicable fixes of the rules in `options` until none is left:
/// the safe ones (see [`is_safe`]), plus every fix of an explicitly selected rule, plus
/// all of them when `unsafe_fixes`.
pub fn apply_fixes(doc: &Document, options: &LintOptions, unsafe_fixes: bool) -> FixOutcome {
    let mut value = doc.value().clone();
    let mut applied = Vec::new();
    let mut failed = Vec::new();
    let mut tried: Vec<(String, String, String)> = Vec::new();
    let mut current = doc.clone();
    for _ in 0..200 {
        let findings = lint_with(&current, options);
        let next = findings.into_iter().find(|f| {
            f.fix.as_ref().is_some_and(Fix::is_applicable)
                && (unsafe_fixes || !options.select.is_empty() || is_safe(f.category))
                && !tried.iter().any(|(r, p, m)| *r == f.rule && *p == f.pointer && *m == f.message)
        });
        let Some(f) = next else { break };
        tried.push((f.rule.clone(), f.pointer.clone(), f.message.clone()));
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
    use serde_json::json;

    #[test]
    fn quick_fix_moves_the_seed_api_key_to_secrets() {
        let text = include_str!("../../tests/fixtures/seed/datadog-fastapi-taskdef.json");
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
        let seed = Document::parse(crate::core::rules::testing::SEED).unwrap();
        let out = apply_fixes(&seed, &LintOptions::default(), false);
        assert!(out.applied.iter().any(|a| a.rule == "SEC001"));
        assert!(out
            .applied
            .iter()
            .all(|a| crate::core::rules::rule(&a.rule).is_some_and(|r| is_safe(r.meta().category))));
        let all = apply_fixes(&seed, &LintOptions::default(), true);
        assert!(
            all.applied.len() > out.applied.len(),
            "unsafe fixes exist for the seed (e.g. read-only root filesystem)"
        );
    }
}
