//! The rule-authoring kit: what rules share, in one place.
//!
//! - **Findings and messages**: [`Finding::new`] (from a rule's `META`), [`Finding::in_container`],
//!   [`with_fix_at`]; one way to name a container in a message, [`Named`] (``container `app` ``,
//!   rendered as code by the dashboard's message component), and [`label`] for
//!   `Finding::container`; [`cat`], [`show`], [`join_and`].
//! - **Field lookup**: [`field`], [`str_field`], [`int`], [`items`], [`item`], [`is_set`],
//!   [`non_empty_array`]; pointers below a container [`ptr`], [`anchor`].
//! - **JSON Patch builders** that never guess a wrong type: [`add`], [`replace`], [`set`],
//!   [`set_nested`], [`remove`], [`remove_checked`], [`append`], [`one`].
//! - **Names**: [`basename`], [`closest`] (name suggestions by edit distance), [`json_type`]
//!   (a JSON value's type in words), [`is_ecs_name`]; strongly connected components are
//!   [`crate::graph::strongly_connected`].
//! - **Datadog and sidecar recognisers**: [`sidecars`].
//!
//! Everything here is allocation-free unless it builds a message or a patch (only done when
//! reporting), which keeps the no-finding path and findings-only linting cheap.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::document::escape_token;
use crate::finding::{Finding, Fix};
use crate::model::{member, Container};
use crate::rules::{Context, RuleMeta};
pub(crate) use crate::text::{contains_ci, ends_with_ci};

pub mod sidecars;

// ---- findings and messages -------------------------------------------------------------

impl Finding {
    /// A finding of the rule `meta` at `pointer`; positions are filled in by the linter.
    pub fn new(meta: &RuleMeta, pointer: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            rule: meta.id.to_string(),
            severity: meta.severity,
            category: meta.category,
            message: message.into(),
            pointer: pointer.into(),
            line: 0,
            column: 0,
            end_line: 0,
            end_column: 0,
            container: None,
            blocks_registration: meta.blocks_registration,
            fix: None,
        }
    }

    /// The finding is about `container` (its [`label`]: the join key pages count findings by).
    pub fn in_container(mut self, container: &Container<'_>) -> Finding {
        self.container = Some(label(container).into_owned());
        self
    }

    /// Attach the fix that `make` builds, but only when the linter was asked for fixes:
    /// building patches, commands and notes is most of a rule's cost, and the editor's
    /// keystroke loop only needs them for the finding the user opens.
    pub fn with_fix_from(mut self, cx: &Context<'_>, make: impl FnOnce() -> Fix) -> Finding {
        if cx.wants_fixes() {
            self.fix = Some(make());
        }
        self
    }
}

/// A container named in a message, the one way rules do it: ``container `app` `` (or
/// ``container `containerDefinitions[3]` `` when it has no name). The dashboard shows the
/// backticked part as code. Written straight into a message, without a `String` of its own.
pub struct Named<'c, 'a>(pub &'c Container<'a>);

impl std::fmt::Display for Named<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.name {
            Some(name) => write!(f, "container `{name}`"),
            None => write!(f, "container `containerDefinitions[{}]`", self.0.index),
        }
    }
}

/// ``container `app` ``: see [`Named`].
pub fn named(c: &Container<'_>) -> String {
    Named(c).to_string()
}

/// Concatenate `parts` into one exactly-sized `String` (cheaper than `format!` for the
/// long, mostly constant messages of these rules).
pub(crate) fn cat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// A container's label, `app` or `containerDefinitions[3]` ([`Container::label`] without
/// allocating for a named container): what `Finding::container` holds.
pub(crate) fn label<'a>(c: &Container<'a>) -> Cow<'a, str> {
    match c.name {
        Some(n) => Cow::Borrowed(n),
        None => Cow::Owned(format!("containerDefinitions[{}]", c.index)),
    }
}

/// Pointer below a container: `tail` is an already escaped suffix such as `/linuxParameters/capabilities`
/// (`ptr(c, "/image")` equals `c.ptr("image")`).
pub(crate) fn ptr(c: &Container<'_>, tail: &str) -> String {
    cat(&[&c.pointer, tail])
}

/// Attach the fix `make` builds from the finding's own pointer, only when fixes are wanted
/// (the pointer need not be built twice or cloned for a fix that is never asked for).
pub(crate) fn with_fix_at(f: Finding, cx: &Context<'_>, make: impl FnOnce(&str) -> Fix) -> Finding {
    if !cx.wants_fixes() {
        return f;
    }
    let fix = make(&f.pointer);
    f.with_fix_from(cx, || fix)
}

/// Where to point for a finding about a field the container lacks: its `name` member
/// (a one-line anchor in an editor) when it has one, else the container object.
pub(crate) fn anchor(c: &Container<'_>) -> String {
    if member(c.obj, "name").is_some() {
        ptr(c, "/name")
    } else {
        c.pointer.clone()
    }
}

/// The JSON Patch operations the fixes of these rules use.
#[derive(Clone, Copy)]
pub(crate) enum Op {
    Add,
    Replace,
    Test,
    Remove,
}

/// `{"op": …, "path": "", "value": null}` for each [`Op`] (no `value` for `remove`), built once:
/// cloning an object copies its hash table, inserting into a new one hashes every key again.
fn op_template(op: Op) -> &'static Value {
    static TEMPLATES: std::sync::OnceLock<[Value; 4]> = std::sync::OnceLock::new();
    let templates = TEMPLATES.get_or_init(|| {
        ["add", "replace", "test", "remove"].map(|name| {
            let mut m = Map::with_capacity(3);
            m.insert("op".to_owned(), Value::String(name.to_owned()));
            m.insert("path".to_owned(), Value::String(String::new()));
            if name != "remove" {
                m.insert("value".to_owned(), Value::Null);
            }
            Value::Object(m)
        })
    });
    &templates[op as usize]
}

/// A JSON Patch operation `{"op", "path", "value"}` (no `value` for `remove`; `value` is then
/// ignored), cloned from its template. Not `json!`: it runs every non-literal member through
/// the serializer again (a deep copy of `value` with each of its keys hashed anew).
pub(crate) fn patch_op(op: Op, path: impl Into<String>, value: Value) -> Value {
    let mut v = op_template(op).clone();
    if let Value::Object(m) = &mut v {
        let (mut path, mut value) = (Some(path.into()), Some(value));
        for (k, slot) in m.iter_mut() {
            match k.as_str() {
                "path" => *slot = Value::String(path.take().unwrap_or_default()),
                "value" => *slot = value.take().unwrap_or_default(),
                _ => {}
            }
        }
    }
    v
}

/// `{"op": "add", "path": path, "value": value}`.
pub(crate) fn add(path: impl Into<String>, value: impl Into<Value>) -> Value {
    patch_op(Op::Add, path, value.into())
}

/// `{"op": "replace", "path": path, "value": value}`.
pub(crate) fn replace(path: impl Into<String>, value: impl Into<Value>) -> Value {
    patch_op(Op::Replace, path, value.into())
}

/// A patch of one operation: `[op]`.
pub(crate) fn one(op: Value) -> Value {
    Value::Array(vec![op])
}

/// A JSON Patch operation that sets `obj[path[0]][path[1]]… = value`, where `base` is the
/// document pointer of `obj`. Missing intermediate objects are created by one `add` at the
/// first missing level; an existing leaf is replaced (`add` replaces object members).
/// `None` when an intermediate value exists but is not an object (no safe patch then).
pub(crate) fn set_nested(base: &str, obj: &Map<String, Value>, path: &[&str], value: Value) -> Option<Value> {
    let mut ptr = String::with_capacity(base.len() + path.iter().map(|k| k.len() + 1).sum::<usize>());
    ptr.push_str(base);
    let mut cur = obj;
    for (i, key) in path.iter().enumerate() {
        ptr.push('/');
        ptr.push_str(&escape_token(key));
        if i + 1 == path.len() {
            return Some(add(ptr, value));
        }
        match member(cur, key) {
            None => {
                let mut v = value;
                for k in path[i + 1..].iter().rev() {
                    let mut m = Map::new();
                    m.insert((*k).to_string(), v);
                    v = Value::Object(m);
                }
                return Some(add(ptr, v));
            }
            Some(Value::Object(m)) => cur = m,
            Some(_) => return None,
        }
    }
    None
}

/// A patch removing the array element (or object member) at `ptr`, guarded by a `test`
/// of its current value so that it fails cleanly instead of removing a shifted neighbour
/// when several removals are applied one after another.
pub(crate) fn remove_checked(ptr: &str, current: &Value) -> Value {
    Value::Array(vec![patch_op(Op::Test, ptr, current.clone()), patch_op(Op::Remove, ptr, Value::Null)])
}

/// A patch removing the `{name, …}` array element at `ptr`, guarded by a `test` of its name
/// only (so that a shifted neighbour is never removed, and a value — which may be a secret —
/// never ends up in the patch).
pub(crate) fn remove_named(ptr: &str, name: &str) -> Value {
    Value::Array(vec![
        patch_op(Op::Test, cat(&[ptr, "/name"]), Value::String(name.to_owned())),
        patch_op(Op::Remove, ptr, Value::Null),
    ])
}

/// The element `index` of the array field `field` of a container (for `test` ops).
pub(crate) fn item<'a>(c: &Container<'a>, field: &str, index: usize) -> Option<&'a Value> {
    c.get(field)?.as_array()?.get(index)
}

// ---- more patch builders ----------------------------------------------------------------

/// `[{"op": "remove", "path": pointer}]`, unguarded: for a member whose removal cannot hit a
/// neighbour (use [`remove_checked`] for an array element).
pub(crate) fn remove(pointer: &str) -> Value {
    one(patch_op(Op::Remove, pointer, Value::Null))
}

/// `[{"op": "replace" | "add", "path", "value"}]`: replace when the member `exists`, else add.
pub(crate) fn set(pointer: &str, exists: bool, value: Value) -> Value {
    one(patch_op(if exists { Op::Replace } else { Op::Add }, pointer, value))
}

/// One operation appending `entry` to the array at `array_ptr`, or creating the array with
/// it when `existing` (the member's current value) is absent. `None` when the member exists
/// but is not an array (no safe patch then).
pub(crate) fn append(array_ptr: &str, existing: Option<&Value>, entry: Value) -> Option<Value> {
    match existing {
        None => Some(add(array_ptr, Value::Array(vec![entry]))),
        Some(Value::Array(_)) => Some(add(cat(&[array_ptr, "/-"]), entry)),
        Some(_) => None,
    }
}

// ---- field lookup -----------------------------------------------------------------------

/// A member of an object value, by a linear scan of its keys (`Value::get` hashes the
/// key with SipHash, which costs more than scanning the few members of an ECS object).
#[inline]
pub fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    member(v.as_object()?, key)
}

/// A string member of an object value.
#[inline]
pub fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    field(v, key)?.as_str()
}

/// An integer (`None` when absent or not an integer).
pub fn int(v: Option<&Value>) -> Option<i64> {
    v?.as_i64()
}

/// The elements of an array-valued member with their index (nothing if absent or not an array).
pub fn items(v: Option<&Value>) -> impl Iterator<Item = (usize, &Value)> {
    v.and_then(Value::as_array).into_iter().flatten().enumerate()
}

/// True for a value that sets something: not null, false, "", or [].
pub fn is_set(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Number(_) | Value::Object(_) => true,
    }
}

/// True for an array with at least one element.
pub fn non_empty_array(v: &Value) -> bool {
    v.as_array().is_some_and(|a| !a.is_empty())
}

// ---- names and words --------------------------------------------------------------------

/// The last path component of an executable or a word (`/usr/local/bin/alembic` → `alembic`,
/// `C:\\app\\run.exe` → `run.exe`).
pub fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// ECS names (family, container, volume): 1–255 of `[A-Za-z0-9_-]`.
pub fn is_ecs_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A JSON value's type in words, for messages: `a string`, `a number`, `a decimal number`,
/// `a boolean`, `an array`, `an object`, `null`.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a decimal number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Optimal-string-alignment distance between two short strings, ASCII case-insensitive (an
/// adjacent swap costs one edit). `None` when it exceeds `max` (cheap early exit on length).
pub fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, row) in d.chunks_mut(w).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(w).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1).min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    let dist = d[a.len() * w + b.len()];
    (dist <= max).then_some(dist)
}

/// The closest candidate to `word` — "did you mean …": a case-insensitive match first, else
/// the nearest by [`edit_distance`] within a budget that grows with the word's length (one
/// edit per four characters, one to three); the first of equally near candidates wins.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let budget = (word.chars().count() / 4).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c.eq_ignore_ascii_case(word) {
            return Some(c);
        }
        if let Some(d) = edit_distance(word, c, budget) {
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, c));
            }
        }
    }
    best.map(|(_, c)| c)
}

/// A value for a message: strings quoted, long ones cut at 60 characters.
pub fn show(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// `a, b and c`.
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_ops_are_what_json_would_build() {
        use serde_json::json;
        let current = json!({"containerName": "a", "condition": "START"});
        assert_eq!(
            serde_json::to_string(&remove_checked("/x/0", &current)).unwrap(),
            serde_json::to_string(&json!([
                {"op": "test", "path": "/x/0", "value": current},
                {"op": "remove", "path": "/x/0"},
            ]))
            .unwrap()
        );
        assert_eq!(
            serde_json::to_string(&one(replace("/p", "task"))).unwrap(),
            r#"[{"op":"replace","path":"/p","value":"task"}]"#
        );
        assert_eq!(serde_json::to_string(&add("/p", true)).unwrap(), r#"{"op":"add","path":"/p","value":true}"#);
        assert_eq!(serde_json::to_string(&remove("/p")).unwrap(), r#"[{"op":"remove","path":"/p"}]"#);
        assert_eq!(
            serde_json::to_string(&set("/p", true, json!(1))).unwrap(),
            r#"[{"op":"replace","path":"/p","value":1}]"#
        );
        assert_eq!(
            serde_json::to_string(&set("/p", false, json!(1))).unwrap(),
            r#"[{"op":"add","path":"/p","value":1}]"#
        );
        assert_eq!(append("/a", None, json!(1)), Some(json!({"op": "add", "path": "/a", "value": [1]})));
        assert_eq!(append("/a", Some(&json!([0])), json!(1)), Some(json!({"op": "add", "path": "/a/-", "value": 1})));
        assert_eq!(append("/a", Some(&json!("x")), json!(1)), None);
    }

    #[test]
    fn set_values() {
        use serde_json::json;
        for (v, set) in [(json!(null), false), (json!(false), false), (json!(""), false), (json!([]), false)] {
            assert_eq!(is_set(&v), set, "{v}");
        }
        for v in [json!(0), json!({}), json!(["x"]), json!(true)] {
            assert!(is_set(&v), "{v}");
        }
    }

    #[test]
    fn shows() {
        use serde_json::json;
        assert_eq!(show(&json!("host")), "\"host\"");
        assert_eq!(show(&json!(3)), "3");
        assert!(show(&json!("x".repeat(100))).ends_with("..."));
    }

    #[test]
    fn names() {
        use serde_json::json;
        assert_eq!(basename("/usr/local/bin/alembic"), "alembic");
        assert_eq!(basename("C:\\app\\run.exe"), "run.exe");
        assert_eq!(basename("sh"), "sh");
        assert_eq!(edit_distance("ab", "ba", 2), Some(1), "a swap is one edit");
        assert_eq!(edit_distance("datadog-agnet", "datadog-agent", 3), Some(1));
        assert_eq!(edit_distance("abc", "xyz", 2), None);
        assert_eq!(closest("DataDog-Agent", ["app", "datadog-agent"]), Some("datadog-agent"));
        assert_eq!(closest("datadog-agnet", ["app", "datadog-agent"]), Some("datadog-agent"));
        assert_eq!(closest("web", ["app", "datadog-agent"]), None);
        assert_eq!(json_type(&json!(1.5)), "a decimal number");
        assert_eq!(json_type(&json!([])), "an array");
        assert!(is_ecs_name("app_1-x") && !is_ecs_name("") && !is_ecs_name("a b") && !is_ecs_name(&"x".repeat(256)));
    }

    #[test]
    fn a_container_is_named_one_way() {
        let doc = crate::document::Document::from_value(&serde_json::json!({
            "containerDefinitions": [{"name": "app"}, {"image": "x"}]
        }));
        let td = crate::model::TaskDef::new(&doc);
        assert_eq!(named(&td.containers[0]), "container `app`");
        assert_eq!(named(&td.containers[1]), "container `containerDefinitions[1]`");
        assert_eq!(label(&td.containers[1]), "containerDefinitions[1]");
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use serde_json::Value;

    use crate::finding::Finding;

    /// Apply a finding's fix patch to a JSON value (panics if the patch does not apply).
    pub(crate) fn apply_fix(doc: &Value, finding: &Finding) -> Value {
        let fix = finding.fix.as_ref().expect("finding has a fix");
        assert!(fix.is_applicable(), "fix of {} has a patch: {:?}", finding.rule, fix);
        let ops: Vec<json_patch::PatchOperation> =
            serde_json::from_value(fix.patch.clone()).expect("patch is RFC 6902 JSON");
        let mut out = doc.clone();
        json_patch::patch(&mut out, &ops).expect("patch applies");
        out
    }
}
