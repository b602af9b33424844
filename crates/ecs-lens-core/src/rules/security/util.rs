//! Small helpers shared by the security, operability and dependency rules: where to
//! point when a field is missing, JSON Patch builders that never guess wrong types, and
//! the non-allocating string helpers that keep the no-finding path (and findings-only
//! linting) cheap.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::document::escape_token;
use crate::finding::{Finding, Fix};
use crate::model::{image_repo, member, Container};
use crate::rules::Context;
pub(crate) use crate::text::{contains_ci, ends_with_ci};

/// Concatenate `parts` into one exactly-sized `String` (cheaper than `format!` for the
/// long, mostly constant messages of these rules).
pub(crate) fn cat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// [`Container::label`] without allocating for a named container.
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

/// The element `index` of the array field `field` of a container (for `test` ops).
pub(crate) fn item<'a>(c: &Container<'a>, field: &str, index: usize) -> Option<&'a Value> {
    c.get(field)?.as_array()?.get(index)
}

/// The Datadog agent container, by image repository (`datadog/agent`, mirrors included) or by a
/// name containing `datadog-agent`.
pub(crate) fn is_datadog_agent(c: &Container<'_>) -> bool {
    let by_image = c.image().is_some_and(|i| {
        let r = image_repo(i);
        r.eq_ignore_ascii_case("datadog/agent")
            || ends_with_ci(r, "/datadog/agent")
            || r.eq_ignore_ascii_case("datadoghq/agent")
    });
    by_image || c.name.is_some_and(|n| contains_ci(n, "datadog-agent"))
}

/// Last path segment of an executable (`/bin/sh` → `sh`).
pub(crate) fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
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
