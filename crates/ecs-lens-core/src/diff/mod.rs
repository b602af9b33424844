//! The semantic diff of two task definitions.
//!
//! A raw JSON diff of two revisions is mostly noise: Describe output carries read-only
//! fields and fills in defaults, arrays come back in another order, `"0.25 vCPU"` is
//! `"256"`. This diff compares what ECS would run:
//!
//! 1. both documents are reduced to their RegisterTaskDefinition input and normalised
//!    ([`normalize`]: one small function per kind of noise);
//! 2. the two values are walked together, matching array elements by key
//!    (containers by `name`, `environment` by `name`, `portMappings` by port/protocol …,
//!    see `keys.rs`), so that order is never a change and a renamed container is a rename;
//! 3. an environment variable that moves to `secrets` is one [`ChangeKind::MovedToSecrets`];
//! 4. every value shown is masked where it is a secret;
//! 5. the linter's findings and the dependency graphs of both revisions are compared.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::document::{escape_token, Document, Shape};
use crate::finding::Finding;
use crate::mask::{Masker, MASK};

mod delta;
mod keys;
pub mod normalize;
mod render;
pub mod scope;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod kind_names {
    use super::ChangeKind::*;

    #[test]
    fn a_kinds_name_is_its_json_name() {
        for k in [Added, Removed, Changed, Renamed, MovedToSecrets, MovedToEnvironment] {
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::Value::String(k.as_str().into()));
            assert_eq!(k.to_string(), k.as_str());
        }
    }
}

pub use delta::{FindingsDelta, GraphDelta};
pub use render::render_text;

use keys::{array_kind, is_pair, keys_for, ArrayKind, KeySpec};

/// The difference between two revisions of a task definition.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// What changed, in document order (containers of `a` first, then added ones).
    pub changes: Vec<Change>,
    /// Lint findings introduced and resolved by `b`.
    pub findings: FindingsDelta,
    /// Dependency-graph edges added and removed.
    pub graph: GraphDelta,
}

impl Diff {
    /// True when the two revisions are the same task definition.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
            && self.findings.introduced.is_empty()
            && self.findings.resolved.is_empty()
            && self.graph.is_empty()
    }
}

/// What kind of change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ChangeKind {
    /// Only in `b`.
    Added,
    /// Only in `a`.
    Removed,
    /// In both, with another value.
    Changed,
    /// A container under a new name (`before`/`after` are the names); its other
    /// changes follow under the new name.
    Renamed,
    /// An environment variable of `a` is a secret of the same name in `b`: the fix
    /// for a plaintext credential. `before` is masked, `after` is the `valueFrom`.
    MovedToSecrets,
    /// A secret of `a` became a plaintext environment variable in `b` (a regression).
    /// `before` is the `valueFrom`, `after` is masked.
    MovedToEnvironment,
}

impl ChangeKind {
    /// The kind's stable name, as in JSON (`movedToSecrets`): what the audit trail stores and
    /// labels show. Never Rust's `Debug` form, which could change with the code.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
            ChangeKind::Renamed => "renamed",
            ChangeKind::MovedToSecrets => "movedToSecrets",
            ChangeKind::MovedToEnvironment => "movedToEnvironment",
        }
    }
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Human path: `["container my-app-repo", "environment", "MYSQL_PW"]`, `["cpu"]`,
    /// `["volumes", "data", "host"]`. Containers are `container NAME`; keyed array
    /// elements are their key (`8000/tcp` for port mappings).
    pub path: Vec<String>,
    pub kind: ChangeKind,
    /// Document pointer of the changed node in `a`: None when it is absent from `a`
    /// (added, or a field absent in `a` shown with its ECS default as `before`).
    pub pointer_a: Option<String>,
    /// Document pointer of the changed node in `b`: None when it is absent from `b`.
    pub pointer_b: Option<String>,
    /// Normalised value in `a`, secrets masked. For `{name, value}` pairs
    /// (environment, secrets, tags, dependsOn …) it is the value alone. An absent field
    /// with an ECS default (`essential`, `readOnly`, `protocol` …) shows the default.
    pub before: Option<Value>,
    /// Normalised value in `b`, secrets masked.
    pub after: Option<Value>,
    /// A change whose two values are equal once each side's own account id and region are
    /// placeholders: the same family in two accounts or regions, not drift. Set by
    /// [`scope::mark`] (the diff itself does not know where the revisions live).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub account_region_only: bool,
}

impl Diff {
    /// How many changes differ by account or region only.
    pub fn account_region_only(&self) -> usize {
        self.changes.iter().filter(|c| c.account_region_only).count()
    }
}

/// A credential whose value differs between the two sides although both show the same mask
/// (known from their keyed hashes, never from the values): its container (`None`: the task's
/// own fields) and its place as exposure names it (`environment › DD_API_KEY`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ValueChange {
    pub container: Option<String>,
    pub place: String,
}

/// What a masked value shows after it changed to another masked value.
pub const ANOTHER_VALUE: &str = "******** (another value)";

/// Add to `changes` the credentials whose values differ (see [`ValueChange`]) where no change
/// covers them already (the variable added, removed, moved, or its whole container), each
/// after the last change of its container.
pub fn add_value_changes(changes: &mut Vec<Change>, differing: &[ValueChange]) {
    for v in differing {
        let mut path: Vec<String> = v.container.iter().map(|c| format!("container {c}")).collect();
        path.extend(v.place.split(" › ").map(str::to_string));
        // Covered: a change at, above or under it; or its container renamed (the diff lists
        // the container's changes under the new name).
        let renamed_from = |c: &Change| match (&c.kind, &c.before) {
            (ChangeKind::Renamed, Some(Value::String(old))) if c.path.len() == 1 => Some(format!("container {old}")),
            _ => None,
        };
        // A variable moved between `environment` and `secrets` is listed under `secrets`.
        let moved_from = |c: &Change| match (&c.kind, c.path.as_slice()) {
            (ChangeKind::MovedToSecrets | ChangeKind::MovedToEnvironment, [container, _, name]) => {
                Some([container.clone(), "environment".to_string(), name.clone()])
            }
            _ => None,
        };
        let covered = changes.iter().any(|c| {
            c.path.starts_with(&path)
                || path.starts_with(&c.path)
                || renamed_from(c).is_some_and(|old| path.first() == Some(&old))
                || moved_from(c).is_some_and(|env| path == env)
        });
        if covered {
            continue;
        }
        let at = changes.iter().rposition(|c| c.path.first() == path.first()).map_or(changes.len(), |i| i + 1);
        changes.insert(
            at,
            Change {
                path,
                kind: ChangeKind::Changed,
                pointer_a: None,
                pointer_b: None,
                before: Some(Value::String(MASK.into())),
                after: Some(Value::String(ANOTHER_VALUE.into())),
                account_region_only: false,
            },
        );
    }
}

/// Compare two task definitions (any accepted shape each).
pub fn diff(a: &Document, b: &Document) -> Diff {
    diff_inner(a, b, None)
}

/// [`diff`] given the linter's findings of both revisions (an analysis already made and
/// stored), so that the comparison lints neither again.
pub fn diff_with_findings(a: &Document, b: &Document, fa: Vec<Finding>, fb: Vec<Finding>) -> Diff {
    diff_inner(a, b, Some((fa, fb)))
}

fn diff_inner(a: &Document, b: &Document, findings: Option<(Vec<Finding>, Vec<Finding>)>) -> Diff {
    let sa = Side::new(a);
    let sb = Side::new(b);
    let mut w = Walker { a: &sa, b: &sb, out: Vec::new(), renames: Vec::new() };
    w.node(&[], ArrayKind::Atomic, Some((&sa.norm, "")), Some((&sb.norm, "")));
    let renames: HashMap<String, String> = w.renames.into_iter().collect();
    let mut changes = w.out;
    for c in &mut changes {
        // Last line of defence: no string equal to a secret of either side survives.
        for v in c.before.iter_mut().chain(c.after.iter_mut()) {
            sa.secrets.sweep(v);
            sb.secrets.sweep(v);
        }
        for seg in &mut c.path {
            if sa.secrets.is_secret_string(seg) || sb.secrets.is_secret_string(seg) {
                *seg = MASK.to_string();
            }
        }
    }
    let findings = match findings {
        Some((fa, fb)) => delta::match_findings(&sa, &sb, fa, fb, &renames),
        None => delta::findings(&sa, &sb, &renames),
    };
    let graph = delta::graph(&sa, &sb, &renames);
    Diff { changes, findings, graph }
}

/// One revision: the document, its normalised register input and its secrets.
pub(crate) struct Side<'d> {
    doc: &'d Document,
    norm: Value,
    secrets: Masker,
    base: &'static str,
    /// The Describe wrapper keeps the tags beside the task definition (`/tags`).
    sibling_tags: bool,
}

impl<'d> Side<'d> {
    fn new(doc: &'d Document) -> Side<'d> {
        let sibling_tags = doc.shape() == Shape::DescribeWrapped
            && !doc.task_definition().is_some_and(|td| td.contains_key("tags"))
            && doc.value().get("tags").is_some();
        Side { doc, norm: normalize::normalize(doc), secrets: Masker::of(doc), base: doc.base(), sibling_tags }
    }

    /// Document pointer of a pointer relative to the normalised task definition.
    fn ptr(&self, rel: &str) -> String {
        if self.sibling_tags && is_tags(rel) {
            rel.to_string()
        } else {
            format!("{}{rel}", self.base)
        }
    }

    /// Pointer relative to the normalised task definition of a document pointer.
    fn rel<'p>(&self, ptr: &'p str) -> Option<&'p str> {
        if self.sibling_tags && is_tags(ptr) {
            return Some(ptr);
        }
        let rest = ptr.strip_prefix(self.base)?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }
}

fn is_tags(p: &str) -> bool {
    p == "/tags" || p.starts_with("/tags/")
}

/// A value on one side, with its pointer relative to the normalised task definition.
type At<'v, 'p> = Option<(&'v Value, &'p str)>;

/// What one side of a change shows: the pointer linked to, the pointer of the value
/// shown (they differ for pairs: the entry vs its `value`), and the value. An absent
/// field shown as its ECS default has neither pointer.
struct Shown<'v> {
    link: Option<String>,
    value_rel: Option<String>,
    value: &'v Value,
}

impl<'v> Shown<'v> {
    fn at(value: &'v Value, rel: &str) -> Shown<'v> {
        Shown { link: Some(rel.to_string()), value_rel: Some(rel.to_string()), value }
    }

    /// The default ECS applies to an absent field.
    fn default(value: &'v Value) -> Shown<'v> {
        Shown { link: None, value_rel: None, value }
    }

    /// A keyed element: a pair shows its value, anything else the whole element.
    fn element(value: &'v Value, rel: &str, spec: Option<KeySpec>) -> Shown<'v> {
        match spec.filter(|s| is_pair(value, *s)).and_then(|s| s.pair) {
            Some(field) => Shown {
                link: Some(rel.to_string()),
                value_rel: Some(format!("{rel}/{}", escape_token(field))),
                value: value.get(field).unwrap_or(&Value::Null),
            },
            None => Shown::at(value, rel),
        }
    }
}

/// The value ECS uses for `field` when it is absent from the object at `path`, for the
/// defaults the normaliser removes: a field that goes from `false` to absent is shown
/// as `false → true` for `essential`, not as "removed".
fn implied_default(path: &[String], field: &str) -> Option<Value> {
    let in_container = path.first().is_some_and(|p| p.starts_with("container "));
    match (path.len(), path.get(1).map(String::as_str), field) {
        (1, _, "essential") if in_container => Some(Value::Bool(true)),
        (1, _, "cpu") if in_container => Some(Value::from(0)),
        (1, _, f) if in_container && normalize::FALSE_BY_DEFAULT.contains(&f) => Some(Value::Bool(false)),
        (2, Some("healthCheck"), "interval") if in_container => Some(Value::from(30)),
        (2, Some("healthCheck"), "timeout") if in_container => Some(Value::from(5)),
        (2, Some("healthCheck"), "retries") if in_container => Some(Value::from(3)),
        (3, Some("portMappings"), "protocol") if in_container => Some(Value::String("tcp".into())),
        (3, Some("mountPoints" | "volumesFrom"), "readOnly") if in_container => Some(Value::Bool(false)),
        _ => None,
    }
}

struct Walker<'s, 'd> {
    a: &'s Side<'d>,
    b: &'s Side<'d>,
    out: Vec<Change>,
    /// Containers of `a` renamed in `b`: (old, new).
    renames: Vec<(String, String)>,
}

fn child(path: &[String], seg: &str) -> Vec<String> {
    let mut p = Vec::with_capacity(path.len() + 1);
    p.extend_from_slice(path);
    p.push(seg.to_string());
    p
}

impl Walker<'_, '_> {
    /// Compare one node; `kind` says how to compare it if it is an array.
    fn node(&mut self, path: &[String], kind: ArrayKind, a: At<'_, '_>, b: At<'_, '_>) {
        const NONE: &[Value] = &[];
        match (a, b) {
            (Some((va, _)), Some((vb, _))) if va == vb => {}
            (Some((Value::Object(ma), ra)), Some((Value::Object(mb), rb))) => {
                self.object(path, (ma, ra), (mb, rb), &[])
            }
            (Some((Value::Array(xa), ra)), Some((Value::Array(xb), rb))) if kind.elementwise() => {
                self.array(path, kind, (xa, ra), (xb, rb))
            }
            (None, Some((Value::Array(xb), rb))) if kind.elementwise() => self.array(path, kind, (NONE, ""), (xb, rb)),
            (Some((Value::Array(xa), ra)), None) if kind.elementwise() => self.array(path, kind, (xa, ra), (NONE, "")),
            (a, b) => {
                let kind = match (a, b) {
                    (None, _) => ChangeKind::Added,
                    (_, None) => ChangeKind::Removed,
                    _ => ChangeKind::Changed,
                };
                self.emit(kind, path.to_vec(), a.map(|(v, r)| Shown::at(v, r)), b.map(|(v, r)| Shown::at(v, r)));
            }
        }
    }

    fn object(
        &mut self,
        path: &[String],
        (ma, ra): (&Map<String, Value>, &str),
        (mb, rb): (&Map<String, Value>, &str),
        skip: &[&str],
    ) {
        let top = path.is_empty();
        for (k, va) in ma {
            if skip.contains(&k.as_str()) {
                continue;
            }
            let ca = format!("{ra}/{}", escape_token(k));
            match mb.get(k) {
                Some(vb) => {
                    let cb = format!("{rb}/{}", escape_token(k));
                    self.node(&child(path, k), array_kind(k, top), Some((va, &ca)), Some((vb, &cb)));
                }
                None => match implied_default(path, k) {
                    Some(default) if *va != default => {
                        let (a, b) = (Shown::at(va, &ca), Shown::default(&default));
                        self.emit(ChangeKind::Changed, child(path, k), Some(a), Some(b));
                    }
                    _ => self.node(&child(path, k), array_kind(k, top), Some((va, &ca)), None),
                },
            }
        }
        for (k, vb) in mb {
            if skip.contains(&k.as_str()) || ma.contains_key(k) {
                continue;
            }
            let cb = format!("{rb}/{}", escape_token(k));
            match implied_default(path, k) {
                Some(default) if *vb != default => {
                    let (a, b) = (Shown::default(&default), Shown::at(vb, &cb));
                    self.emit(ChangeKind::Changed, child(path, k), Some(a), Some(b));
                }
                _ => self.node(&child(path, k), array_kind(k, top), None, Some((vb, &cb))),
            }
        }
    }

    /// An element-wise array (keyed, set or the containers).
    fn array(&mut self, path: &[String], kind: ArrayKind, (xa, ra): (&[Value], &str), (xb, rb): (&[Value], &str)) {
        let ka = keys_for(kind, xa);
        let kb = keys_for(kind, xb);
        let index_b: HashMap<&str, usize> = kb.iter().enumerate().map(|(j, (k, _))| (k.as_str(), j)).collect();
        let mut pairs: Vec<(Option<usize>, Option<usize>)> = Vec::new();
        let mut matched_b = vec![false; xb.len()];
        for (i, (k, _)) in ka.iter().enumerate() {
            let j = index_b.get(k.as_str()).copied();
            if let Some(j) = j {
                matched_b[j] = true;
            }
            pairs.push((Some(i), j));
        }
        pairs.extend(matched_b.iter().enumerate().filter(|(_, m)| !**m).map(|(j, _)| (None, Some(j))));
        if kind == ArrayKind::Containers {
            return self.containers(pairs, (xa, ra, &ka), (xb, rb, &kb));
        }
        let spec = match kind {
            ArrayKind::Keyed(spec) => Some(spec),
            _ => None,
        };
        for (i, j) in pairs {
            let ea = i.map(|i| (&xa[i], format!("{ra}/{i}")));
            let eb = j.map(|j| (&xb[j], format!("{rb}/{j}")));
            let display = match (i, j) {
                (_, Some(j)) => &kb[j].1,
                (Some(i), None) => &ka[i].1,
                (None, None) => continue,
            };
            let p = child(path, display);
            match (ea, eb) {
                (Some((va, ra)), Some((vb, rb))) => self.element(p, spec, (va, &ra), (vb, &rb)),
                (ea, eb) => {
                    let kind = if ea.is_some() { ChangeKind::Removed } else { ChangeKind::Added };
                    let a = ea.as_ref().map(|(v, r)| Shown::element(v, r, spec));
                    let b = eb.as_ref().map(|(v, r)| Shown::element(v, r, spec));
                    let set_element = spec.is_none();
                    self.emit(kind, p, a, b);
                    if set_element {
                        // A set element's path ends with the element itself: mask it there too.
                        let last = self.out.last_mut().expect("just emitted");
                        if last.before.iter().chain(last.after.iter()).any(|v| v == MASK) {
                            if let Some(seg) = last.path.last_mut() {
                                *seg = MASK.to_string();
                            }
                        }
                    }
                }
            }
        }
    }

    /// Two matched elements of a keyed array.
    fn element(
        &mut self,
        path: Vec<String>,
        spec: Option<KeySpec>,
        (va, ra): (&Value, &str),
        (vb, rb): (&Value, &str),
    ) {
        if va == vb {
            return;
        }
        if let Some(spec) = spec.filter(|s| is_pair(va, *s) && is_pair(vb, *s)) {
            let a = Shown::element(va, ra, Some(spec));
            let b = Shown::element(vb, rb, Some(spec));
            if a.value != b.value {
                self.emit(ChangeKind::Changed, path, Some(a), Some(b));
            }
            return;
        }
        self.node(&path, ArrayKind::Atomic, Some((va, ra)), Some((vb, rb)));
    }

    /// The containers: matched by name, unmatched ones paired as renames when they
    /// are clearly the same container, the rest added or removed.
    fn containers(
        &mut self,
        pairs: Vec<(Option<usize>, Option<usize>)>,
        (xa, ra, ka): (&[Value], &str, &[(String, String)]),
        (xb, rb, kb): (&[Value], &str, &[(String, String)]),
    ) {
        let removed: Vec<usize> =
            pairs.iter().filter_map(|p| if let (Some(i), None) = p { Some(*i) } else { None }).collect();
        let added: Vec<usize> =
            pairs.iter().filter_map(|p| if let (None, Some(j)) = p { Some(*j) } else { None }).collect();
        let renamed = detect_renames(&removed, &added, xa, xb);
        for (i, j) in pairs {
            let (i, j) = match (i, j) {
                (Some(i), None) => (Some(i), renamed.iter().find(|r| r.0 == i).map(|r| r.1)),
                (None, Some(j)) if renamed.iter().any(|r| r.1 == j) => continue,
                other => other,
            };
            let ea = i.map(|i| (&xa[i], format!("{ra}/{i}")));
            let eb = j.map(|j| (&xb[j], format!("{rb}/{j}")));
            match (ea, eb) {
                (Some((va, pa)), Some((vb, pb))) => {
                    let seg = kb[j.unwrap_or_default()].1.clone();
                    let (name_a, name_b) = (va.get("name"), vb.get("name"));
                    if name_a != name_b {
                        if let (Some(Value::String(old)), Some(Value::String(new))) = (name_a, name_b) {
                            self.renames.push((old.clone(), new.clone()));
                        }
                        let na = name_a.map(|v| Shown::at(v, &format!("{pa}/name")));
                        let nb = name_b.map(|v| Shown::at(v, &format!("{pb}/name")));
                        self.emit(ChangeKind::Renamed, vec![seg.clone()], na, nb);
                    }
                    let start = self.out.len();
                    match (va, vb) {
                        (Value::Object(ma), Value::Object(mb)) => {
                            self.object(std::slice::from_ref(&seg), (ma, &pa), (mb, &pb), &["name"])
                        }
                        _ => self.node(std::slice::from_ref(&seg), ArrayKind::Atomic, Some((va, &pa)), Some((vb, &pb))),
                    }
                    self.merge_moves(start, &seg);
                }
                (Some((va, pa)), None) => {
                    let seg = ka[i.unwrap_or_default()].1.clone();
                    self.emit(ChangeKind::Removed, vec![seg], Some(Shown::at(va, &pa)), None);
                }
                (None, Some((vb, pb))) => {
                    let seg = kb[j.unwrap_or_default()].1.clone();
                    self.emit(ChangeKind::Added, vec![seg], None, Some(Shown::at(vb, &pb)));
                }
                (None, None) => {}
            }
        }
    }

    /// Turn "removed from environment" + "added to secrets" of the same name in one
    /// container (changes from `start` on) into one `MovedToSecrets` (and the reverse
    /// into `MovedToEnvironment`).
    fn merge_moves(&mut self, start: usize, seg: &str) {
        let is = |c: &Change, kind: ChangeKind, field: &str| {
            c.kind == kind && c.path.len() == 3 && c.path[0] == seg && c.path[1] == field
        };
        let mut tail: Vec<Option<Change>> = self.out.drain(start..).map(Some).collect();
        for i in 0..tail.len() {
            let Some(c) = &tail[i] else { continue };
            let (removed_from, added_to, kind) =
                if is(c, ChangeKind::Removed, "environment") || is(c, ChangeKind::Added, "secrets") {
                    ("environment", "secrets", ChangeKind::MovedToSecrets)
                } else if is(c, ChangeKind::Removed, "secrets") || is(c, ChangeKind::Added, "environment") {
                    ("secrets", "environment", ChangeKind::MovedToEnvironment)
                } else {
                    continue;
                };
            let (want_kind, want_field) = if c.kind == ChangeKind::Removed {
                (ChangeKind::Added, added_to)
            } else {
                (ChangeKind::Removed, removed_from)
            };
            let name = c.path[2].clone();
            let partner =
                tail.iter().position(|o| o.as_ref().is_some_and(|d| is(d, want_kind, want_field) && d.path[2] == name));
            let Some(j) = partner else { continue };
            let (x, y) = (tail[i].take(), tail[j].take());
            let (Some(x), Some(y)) = (x, y) else { continue };
            let (removed, added) = if x.kind == ChangeKind::Removed { (x, y) } else { (y, x) };
            let masked = Some(Value::String(MASK.into()));
            let (path, before, after) = match kind {
                ChangeKind::MovedToSecrets => (added.path, masked, added.after),
                _ => (added.path, removed.before, masked),
            };
            tail[i] = Some(Change {
                path,
                kind,
                pointer_a: removed.pointer_a,
                pointer_b: added.pointer_b,
                before,
                after,
                account_region_only: false,
            });
        }
        self.out.extend(tail.into_iter().flatten());
    }

    /// Record a change, masking secret values on both sides.
    fn emit(&mut self, kind: ChangeKind, path: Vec<String>, a: Option<Shown<'_>>, b: Option<Shown<'_>>) {
        let show = |side: &Side<'_>, s: &Option<Shown<'_>>| {
            s.as_ref().map(|s| {
                let mut v = s.value.clone();
                let whole = s.value_rel.as_ref().is_some_and(|r| side.secrets.mask(&mut v, &side.ptr(r)));
                (s.link.as_ref().map(|l| side.ptr(l)), v, whole)
            })
        };
        let mut before = show(self.a, &a);
        let mut after = show(self.b, &b);
        // A value that is secret on one side is secret on the other.
        let whole = before.as_ref().is_some_and(|x| x.2) || after.as_ref().is_some_and(|x| x.2);
        if whole {
            for (_, v, _) in before.iter_mut().chain(after.iter_mut()) {
                if v.is_string() || v.is_number() {
                    *v = Value::String(MASK.into());
                }
            }
        }
        let (pointer_a, before) = before.map(|(p, v, _)| (p, Some(v))).unwrap_or_default();
        let (pointer_b, after) = after.map(|(p, v, _)| (p, Some(v))).unwrap_or_default();
        self.out.push(Change { path, kind, pointer_a, pointer_b, before, after, account_region_only: false });
    }
}

/// Pair removed and added containers that are the same container under a new name:
/// most of their fields (name aside) are equal, or at least half and the image's
/// repository is the same. Greedy, best pairs first; deterministic.
fn detect_renames(removed: &[usize], added: &[usize], xa: &[Value], xb: &[Value]) -> Vec<(usize, usize)> {
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for &i in removed {
        for &j in added {
            let (Some(ma), Some(mb)) = (xa[i].as_object(), xb[j].as_object()) else { continue };
            let score = similarity(ma, mb);
            let repo =
                |m: &Map<String, Value>| m.get("image").and_then(Value::as_str).map(crate::model::image_repository);
            let same_repo = repo(ma).is_some() && repo(ma) == repo(mb);
            if score >= 0.75 || (same_repo && score >= 0.5) {
                candidates.push((score, i, j));
            }
        }
    }
    candidates.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (_, i, j) in candidates {
        if !out.iter().any(|r| r.0 == i || r.1 == j) {
            out.push((i, j));
        }
    }
    out
}

/// Share of fields (other than `name`) with equal values in two containers.
fn similarity(a: &Map<String, Value>, b: &Map<String, Value>) -> f64 {
    let fields = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))).filter(|k| *k != "name");
    let (mut equal, mut total) = (0usize, 0usize);
    for k in fields {
        total += 1;
        if a.get(k) == b.get(k) {
            equal += 1;
        }
    }
    if total == 0 {
        0.0
    } else {
        equal as f64 / total as f64
    }
}
