//! What changed in the linter's findings and in the dependency graph.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::keys::{array_kind, keys_for, ArrayKind};
use super::Side;
use crate::document::{unescape_token, READ_ONLY_FIELDS};
use crate::finding::Finding;
use crate::graph::{self, Edge};
use crate::rules::lint;

/// Findings of `b` compared with those of `a`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FindingsDelta {
    /// Findings of `b` that `a` does not have (positions are in `b`).
    pub introduced: Vec<Finding>,
    /// Findings of `a` that `b` no longer has (positions are in `a`).
    pub resolved: Vec<Finding>,
    /// Findings present in both.
    pub unchanged: usize,
}

/// Edges of `b`'s dependency graph compared with `a`'s.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphDelta {
    /// Edges only `b` has (pointers into `b`).
    pub added: Vec<Edge>,
    /// Edges only `a` has (names and pointers as in `a`).
    pub removed: Vec<Edge>,
    /// Dependency cycles only `b` has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cycles_introduced: Vec<Vec<String>>,
    /// Dependency cycles only `a` has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cycles_resolved: Vec<Vec<String>>,
}

impl GraphDelta {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.cycles_introduced.is_empty()
            && self.cycles_resolved.is_empty()
    }
}

/// Match the findings of the two revisions, never by pointer or line (they shift
/// between revisions), in three passes over what is still unmatched:
/// 1. rule, container and subject: the semantic path of what the finding points at
///    (`container app/environment/DB_PASSWORD`);
/// 2. rule, container and message: the same problem reported at another node;
/// 3. rule and container alone, for findings whose subject is not an element of a
///    keyed array (a rule that points at `tags` when the list is empty and at `family`
///    when it is absent) — an env var's finding never matches another env var's.
///
/// `renames` maps `a`'s container names to `b`'s.
pub(super) fn findings(a: &Side<'_>, b: &Side<'_>, renames: &HashMap<String, String>) -> FindingsDelta {
    match_findings(a, b, lint(a.doc), lint(b.doc), renames)
}

/// [`findings`] for given lists of findings.
pub(super) fn match_findings(
    a: &Side<'_>,
    b: &Side<'_>,
    fa: Vec<Finding>,
    fb: Vec<Finding>,
    renames: &HashMap<String, String>,
) -> FindingsDelta {
    let fa: Vec<Finding> = fa.into_iter().filter(|f| !about_form(a, f)).collect();
    let fb: Vec<Finding> = fb.into_iter().filter(|f| !about_form(b, f)).collect();
    let none = HashMap::new();
    let ka: Vec<[Option<String>; 3]> = fa.iter().map(|f| match_keys(a, f, renames)).collect();
    let kb: Vec<[Option<String>; 3]> = fb.iter().map(|f| match_keys(b, f, &none)).collect();
    let mut matched_a = vec![false; fa.len()];
    let mut matched_b = vec![false; fb.len()];
    for pass in 0..3 {
        let mut pool: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, k) in ka.iter().enumerate().rev() {
            if let (false, Some(k)) = (matched_a[i], &k[pass]) {
                pool.entry(k.as_str()).or_default().push(i);
            }
        }
        for (j, k) in kb.iter().enumerate() {
            let (false, Some(k)) = (matched_b[j], &k[pass]) else { continue };
            if let Some(i) = pool.get_mut(k.as_str()).and_then(Vec::pop) {
                matched_a[i] = true;
                matched_b[j] = true;
            }
        }
    }
    FindingsDelta {
        unchanged: matched_b.iter().filter(|m| **m).count(),
        introduced: fb.into_iter().zip(matched_b).filter(|(_, m)| !m).map(|(f, _)| scrub(b, f)).collect(),
        resolved: fa.into_iter().zip(matched_a).filter(|(_, m)| !m).map(|(f, _)| scrub(a, f)).collect(),
    }
}

/// The keys of the three matching passes of [`findings`].
fn match_keys(side: &Side<'_>, f: &Finding, renames: &HashMap<String, String>) -> [Option<String>; 3] {
    let container = f.container.as_deref().map(|c| renames.get(c).map_or(c, String::as_str)).unwrap_or("");
    let rule = format!("{}\u{0}{container}", f.rule);
    let (subject, in_keyed_element) = semantic_path(side, &f.pointer, renames);
    [
        Some(format!("{rule}\u{0}{subject}")),
        Some(format!("{rule}\u{0}{}", f.message)),
        (!in_keyed_element).then_some(rule),
    ]
}

/// A finding about the document's form rather than the task definition: it points
/// at a read-only field of Describe output or outside the task definition. Like the
/// fields themselves, such findings are not part of the comparison.
fn about_form(side: &Side<'_>, f: &Finding) -> bool {
    let Some(rel) = side.rel(&f.pointer) else { return true };
    let first = rel.split('/').nth(1).map(unescape_token);
    first.is_some_and(|t| READ_ONLY_FIELDS.contains(&t.as_ref()))
}

/// Findings are written never to contain secrets; make sure of it anyway.
fn scrub(side: &Side<'_>, mut f: Finding) -> Finding {
    side.secrets.mask_finding(&mut f);
    f
}

/// A document pointer as a path of names: containers by name, keyed elements by key
/// (`/containerDefinitions/3/environment/1` → `container migration-runner/environment/MYSQL_PW`),
/// and whether it passes through an element of a keyed array or set (containers aside).
pub(super) fn semantic_path(side: &Side<'_>, pointer: &str, renames: &HashMap<String, String>) -> (String, bool) {
    let Some(rel) = side.rel(pointer) else { return (pointer.to_string(), false) };
    let mut in_keyed_element = false;
    let mut out: Vec<String> = Vec::new();
    let mut cur: Option<&Value> = Some(&side.norm);
    let mut field = String::new();
    let mut field_top = false;
    for (depth, raw) in rel.split('/').skip(1).enumerate() {
        let token = unescape_token(raw);
        match cur {
            Some(Value::Object(m)) => {
                field_top = depth == 0;
                field = token.to_string();
                cur = m.get(token.as_ref());
                out.push(field.clone());
            }
            Some(Value::Array(items)) => {
                let kind = array_kind(&field, field_top);
                match token.parse::<usize>().ok().filter(|&i| i < items.len()) {
                    Some(i) if kind.elementwise() => {
                        let mut display = keys_for(kind, items).swap_remove(i).1;
                        in_keyed_element |= kind != ArrayKind::Containers;
                        if kind == ArrayKind::Containers {
                            out.pop();
                            if let Some(new) = items[i].get("name").and_then(Value::as_str).and_then(|n| renames.get(n))
                            {
                                display = format!("container {new}");
                            }
                        }
                        out.push(display);
                        cur = items.get(i);
                    }
                    _ => {
                        out.push(token.to_string());
                        cur = token.parse::<usize>().ok().and_then(|i| items.get(i));
                    }
                }
            }
            _ => {
                out.push(token.to_string());
                cur = None;
            }
        }
    }
    (out.join("/"), in_keyed_element)
}

/// Edges added and removed between the two dependency graphs (an edge is its two
/// ends, kind and condition; `a`'s container names are read through `renames`, so a
/// renamed container keeps its edges), and cycles that appeared or went away.
pub(super) fn graph(a: &Side<'_>, b: &Side<'_>, renames: &HashMap<String, String>) -> GraphDelta {
    let ga = graph::build(a.doc);
    let gb = graph::build(b.doc);
    let rename = |n: &str| renames.get(n).cloned().unwrap_or_else(|| n.to_string());
    let key = |e: &Edge, mapped: bool| {
        let (from, to) = if mapped { (rename(&e.from), rename(&e.to)) } else { (e.from.clone(), e.to.clone()) };
        (from, to, e.kind, e.condition.clone())
    };
    let mut pool: HashMap<_, usize> = HashMap::new();
    for e in &ga.edges {
        *pool.entry(key(e, true)).or_default() += 1;
    }
    let mut delta = GraphDelta::default();
    for e in gb.edges {
        match pool.get_mut(&key(&e, false)) {
            Some(n) if *n > 0 => *n -= 1,
            _ => delta.added.push(e),
        }
    }
    for e in ga.edges {
        if let Some(n) = pool.get_mut(&key(&e, true)).filter(|n| **n > 0) {
            *n -= 1;
            delta.removed.push(e);
        }
    }
    let cycle_key = |c: &[String], mapped: bool| {
        let mut names: Vec<String> = c.iter().map(|n| if mapped { rename(n) } else { n.clone() }).collect();
        names.sort();
        names
    };
    let cycles_a: Vec<_> = ga.cycles.iter().map(|c| cycle_key(c, true)).collect();
    let cycles_b: Vec<_> = gb.cycles.iter().map(|c| cycle_key(c, false)).collect();
    delta.cycles_introduced =
        gb.cycles.iter().zip(&cycles_b).filter(|(_, k)| !cycles_a.contains(k)).map(|(c, _)| c.clone()).collect();
    delta.cycles_resolved =
        ga.cycles.iter().zip(&cycles_a).filter(|(_, k)| !cycles_b.contains(k)).map(|(c, _)| c.clone()).collect();
    delta
}
