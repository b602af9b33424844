//! Every string a task-definition document can carry, each with the context that decides
//! how it is checked for a credential.
//!
//! The places are enumerated from the ECS model's schema ([`schema::TASK_DEFINITION`] and
//! [`schema::TAGS`]), not from a list of fields: the walk follows the document and the
//! schema together and visits **every** string — `Str` and `Enum` members, the elements of
//! string lists, the values of `map<string,string>` members (with their key), strings that
//! sit where the schema expects another type, and the string leaves of members the schema
//! does not have (unknown members, the read-only members of a Describe output, members of
//! the Describe wrapper beside `taskDefinition` and `tags`). In both document shapes: bare
//! and `{"taskDefinition": …, "tags": […]}`.
//!
//! The context ([`PlaceContext`]) comes from the schema position. Only three small tables
//! say more than the schema does: which shapes are name/value pairs ([`PAIR_SHAPES`]),
//! which string lists are command lines ([`COMMAND_FIELDS`]) and which members hold a
//! reference to a secret rather than a value ([`REFERENCE_FIELDS`]).
//!
//! The walk allocates one path stack per document; a place's pointer is built only when
//! asked for ([`Place::pointer`]), which the linter does for the few places that hold a
//! credential ([`hits`]).

use std::fmt::Write;

use serde_json::{Map, Value};

use super::detect::{self, Detection};
use crate::document::{escape_token, Document, Shape as DocShape};
use crate::model::{member, Container, TaskDef};
use crate::rules::Context;
use crate::schema::{Field, Seg, Shape, Ty, KEY_VALUE_PAIR, SYSTEM_CONTROL, TAG, TAGS, TASK_DEFINITION};

/// Shapes that are a name/value pair, with the member that names the value and the
/// value member: the value is checked under the name (`environment`, `proxyConfiguration.
/// properties`, `systemControls`, `tags`).
pub const PAIR_SHAPES: &[(&Shape, &str, &str)] =
    &[(&KEY_VALUE_PAIR, "name", "value"), (&TAG, "key", "value"), (&SYSTEM_CONTROL, "namespace", "value")];

/// String lists that are a command line (`entryPoint`, `command`, `healthCheck.command`):
/// an element is read with its neighbours (`--password` `hunter2`).
pub const COMMAND_FIELDS: &[&str] = &["entryPoint", "command"];

/// Members that must hold a reference to a secret (an ARN or a parameter name), never the
/// secret: `secrets[].valueFrom`, `logConfiguration.secretOptions[].valueFrom`,
/// `repositoryCredentials.credentialsParameter`, FSx `authorizationConfig.credentialsParameter`.
pub const REFERENCE_FIELDS: &[&str] = &["valueFrom", "credentialsParameter"];

/// Which tree a place is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Root {
    /// The task definition (the document, or its `taskDefinition`).
    TaskDef,
    /// The Describe output's sibling `tags`.
    Tags,
    /// Another member of the Describe wrapper (not part of the ECS model).
    Outside,
}

/// How a string is read, decided by where it is.
#[derive(Clone, Copy, Debug)]
pub enum PlaceContext<'a> {
    /// The value of a name/value pair ([`PAIR_SHAPES`]) whose name is a string.
    NameValue { name: &'a str },
    /// A value of a `map<string,string>` member (`dockerLabels`, log and FireLens options,
    /// `driverOpts`, Docker volume `labels`).
    MapEntry { key: &'a str },
    /// Element `index` of a command line ([`COMMAND_FIELDS`]).
    Command { list: &'a [Value], index: usize },
    /// A member that must hold a reference ([`REFERENCE_FIELDS`]); `name` is the entry's
    /// `name` where it has one (`secrets`, `secretOptions`).
    Reference { field: &'static str, name: Option<&'a str> },
    /// Any other string of the model (`image`, `hostname`, `user`, `links[]` …), also a
    /// string where the model expects another type.
    Field { name: &'static str },
    /// A string under a member the model does not have; `key` is the nearest member's key.
    Unknown { key: &'a str },
}

/// [`PlaceContext`] without its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContextKind {
    NameValue,
    MapEntry,
    Command,
    Reference,
    Field,
    Unknown,
}

impl PlaceContext<'_> {
    pub fn kind(&self) -> ContextKind {
        match self {
            PlaceContext::NameValue { .. } => ContextKind::NameValue,
            PlaceContext::MapEntry { .. } => ContextKind::MapEntry,
            PlaceContext::Command { .. } => ContextKind::Command,
            PlaceContext::Reference { .. } => ContextKind::Reference,
            PlaceContext::Field { .. } => ContextKind::Field,
            PlaceContext::Unknown { .. } => ContextKind::Unknown,
        }
    }
}

/// One string of the document.
#[derive(Clone, Copy, Debug)]
pub struct Place<'p, 'a> {
    pub root: Root,
    /// Pointer of the root: "", "/taskDefinition" or "/tags".
    pub base: &'static str,
    /// The path from the root.
    pub segs: &'p [Seg<'a>],
    pub context: PlaceContext<'a>,
    pub value: &'a str,
}

impl Place<'_, '_> {
    /// The document pointer (RFC 6901) of the string.
    pub fn pointer(&self) -> String {
        pointer(self.base, self.segs)
    }
}

fn pointer(base: &str, segs: &[Seg<'_>]) -> String {
    let mut out = String::with_capacity(base.len() + 16 * segs.len());
    out.push_str(base);
    for seg in segs {
        out.push('/');
        match seg {
            Seg::Key(k) => out.push_str(&escape_token(k)),
            Seg::Index(i) => write!(out, "{i}").unwrap_or_default(),
        }
    }
    out
}

// ---- the walk ----

static TASK_DEFINITION_TY: Ty = Ty::Obj(&TASK_DEFINITION);

/// Call `f` for every string of `doc`, in document order, with its context.
pub fn each_place<'a>(doc: &'a Document, mut f: impl FnMut(&Place<'_, 'a>)) {
    let mut w = Walk { root: Root::TaskDef, base: "", segs: Vec::with_capacity(16), f: &mut f };
    if doc.shape() != DocShape::DescribeWrapped {
        w.value(&TASK_DEFINITION_TY, "", doc.value());
        return;
    }
    let Some(obj) = doc.value().as_object() else { return };
    for (key, v) in obj {
        match key.as_str() {
            "taskDefinition" => {
                (w.root, w.base) = (Root::TaskDef, "/taskDefinition");
                w.value(&TASK_DEFINITION_TY, "taskDefinition", v);
            }
            "tags" => {
                (w.root, w.base) = (Root::Tags, "/tags");
                w.value(&TAGS, "tags", v);
            }
            _ => {
                (w.root, w.base) = (Root::Outside, "");
                w.segs.push(Seg::Key(key));
                w.unknown(key, v);
                w.segs.pop();
            }
        }
    }
}

struct Walk<'f, 'a, F> {
    root: Root,
    base: &'static str,
    segs: Vec<Seg<'a>>,
    f: &'f mut F,
}

impl<'a, F: FnMut(&Place<'_, 'a>)> Walk<'_, 'a, F> {
    #[inline]
    fn emit(&mut self, context: PlaceContext<'a>, value: &'a str) {
        (self.f)(&Place { root: self.root, base: self.base, segs: &self.segs, context, value });
    }

    /// `v`, the value of member `name` whose schema type is `ty`.
    fn value(&mut self, ty: &'static Ty, name: &'static str, v: &'a Value) {
        match (ty, v) {
            (_, Value::String(s)) => self.emit(PlaceContext::Field { name }, s),
            (Ty::Obj(shape), Value::Object(obj)) => self.object(shape, obj),
            (Ty::Map, Value::Object(map)) => {
                for (key, item) in map {
                    self.segs.push(Seg::Key(key));
                    match item {
                        Value::String(s) => self.emit(PlaceContext::MapEntry { key }, s),
                        _ => self.unknown(key, item),
                    }
                    self.segs.pop();
                }
            }
            (Ty::List(inner), Value::Array(items)) => {
                let command = matches!(inner, Ty::Str) && COMMAND_FIELDS.contains(&name);
                for (index, item) in items.iter().enumerate() {
                    self.segs.push(Seg::Index(index));
                    match item {
                        Value::String(s) if command => self.emit(PlaceContext::Command { list: items, index }, s),
                        _ => self.value(inner, name, item),
                    }
                    self.segs.pop();
                }
            }
            // An array or object where the model has something else: its strings are not
            // the model's, read them like an unknown member's.
            (_, Value::Array(_) | Value::Object(_)) => self.unknown(name, v),
            _ => {}
        }
    }

    fn object(&mut self, shape: &'static Shape, obj: &'a Map<String, Value>) {
        for (key, v) in obj {
            self.segs.push(Seg::Key(key));
            match shape.field(key) {
                Some(field) => match v {
                    Value::String(s) => self.emit(leaf_context(shape, field, obj), s),
                    _ => self.value(&field.ty, field.name, v),
                },
                None => self.unknown(key, v),
            }
            self.segs.pop();
        }
    }

    /// Every string under a member the model does not have, read under the nearest key.
    fn unknown(&mut self, key: &'a str, v: &'a Value) {
        match v {
            Value::String(s) => self.emit(PlaceContext::Unknown { key }, s),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.segs.push(Seg::Index(i));
                    self.unknown(key, item);
                    self.segs.pop();
                }
            }
            Value::Object(obj) => {
                for (k, item) in obj {
                    self.segs.push(Seg::Key(k));
                    self.unknown(k, item);
                    self.segs.pop();
                }
            }
            _ => {}
        }
    }
}

/// The kind of context of string member `field` of `shape` (its own string value, or the
/// elements of a string list).
fn leaf_kind(shape: &Shape, field: &Field) -> ContextKind {
    if REFERENCE_FIELDS.contains(&field.name) {
        ContextKind::Reference
    } else if COMMAND_FIELDS.contains(&field.name) && matches!(field.ty, Ty::List(Ty::Str)) {
        ContextKind::Command
    } else if PAIR_SHAPES.iter().any(|(s, _, value)| std::ptr::eq(*s, shape) && *value == field.name) {
        ContextKind::NameValue
    } else {
        ContextKind::Field
    }
}

/// The context of string member `field` of `obj` (a `shape`).
fn leaf_context<'a>(shape: &'static Shape, field: &'static Field, obj: &'a Map<String, Value>) -> PlaceContext<'a> {
    match leaf_kind(shape, field) {
        ContextKind::Reference => {
            PlaceContext::Reference { field: field.name, name: member(obj, "name").and_then(Value::as_str) }
        }
        ContextKind::NameValue => {
            let name_key = PAIR_SHAPES.iter().find(|(s, _, _)| std::ptr::eq(*s, shape)).map_or("name", |p| p.1);
            match member(obj, name_key).and_then(Value::as_str) {
                Some(name) => PlaceContext::NameValue { name },
                None => PlaceContext::Field { name: field.name },
            }
        }
        _ => PlaceContext::Field { name: field.name },
    }
}

// ---- the static enumeration ----

/// Every string place of the model, from [`TASK_DEFINITION`]: its schema path
/// (`containerDefinitions[].environment[].value`, `[]` for a list element, `.*` for a map
/// value) and the kind of context the walk gives it. Unknown members are not in it.
pub fn all_string_places() -> Vec<(String, ContextKind)> {
    fn shape(s: &'static Shape, prefix: &str, out: &mut Vec<(String, ContextKind)>) {
        for f in s.fields {
            let path = if prefix.is_empty() { f.name.to_string() } else { format!("{prefix}.{}", f.name) };
            ty(&f.ty, path, leaf_kind(s, f), out);
        }
    }
    fn ty(t: &'static Ty, path: String, kind: ContextKind, out: &mut Vec<(String, ContextKind)>) {
        match t {
            Ty::Str | Ty::Enum(_) => out.push((path, kind)),
            Ty::Int | Ty::Bool => {}
            Ty::List(inner) => ty(inner, path + "[]", kind, out),
            Ty::Map => out.push((path + ".*", ContextKind::MapEntry)),
            Ty::Obj(s) => shape(s, &path, out),
        }
    }
    let mut out = Vec::new();
    shape(&TASK_DEFINITION, "", &mut out);
    out
}

// ---- what the rules read ----

/// A place that holds a credential (or a credential slot's placeholder): what the
/// secrets rules report, each the hits of its own kind.
#[derive(Clone, Debug)]
pub struct Hit<'a> {
    pub root: Root,
    pub segs: Vec<Seg<'a>>,
    pub pointer: String,
    pub context: PlaceContext<'a>,
    pub value: &'a str,
    pub detection: Detection,
}

impl<'a> Hit<'a> {
    /// Index of the container the hit is in.
    pub fn container_index(&self) -> Option<usize> {
        match (self.root, self.segs.as_slice()) {
            (Root::TaskDef, [Seg::Key("containerDefinitions"), Seg::Index(i), ..]) => Some(*i),
            _ => None,
        }
    }

    /// The container view the hit is in.
    pub fn container<'t>(&self, td: &'t TaskDef<'a>) -> Option<&'t Container<'a>> {
        let i = self.container_index()?;
        td.containers.binary_search_by_key(&i, |c| c.index).ok().map(|at| &td.containers[at])
    }

    /// A readable form for messages: `extraHosts[0].hostname` inside a container (which is
    /// named separately), `volumes[0].dockerVolumeConfiguration.labels.team`, `tags[0].value`.
    pub fn display(&self) -> String {
        let skip = if self.container_index().is_some() { 2 } else { 0 };
        let mut out = String::new();
        if self.root == Root::Tags {
            out.push_str("tags");
        }
        for seg in &self.segs[skip..] {
            match seg {
                Seg::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Seg::Index(i) => write!(out, "[{i}]").unwrap_or_default(),
            }
        }
        out
    }
}

/// The credentials of the linted document, from one walk made on first use and kept in
/// the lint's [`Context`] for every secrets rule.
pub fn hits<'c, 'a>(cx: &'c Context<'a>) -> &'c [Hit<'a>] {
    cx.credentials()
}

/// Walk `doc` and run the detector on every place ([`detect::detect_at`]); a command line
/// is scanned once, not once per element.
pub fn collect(doc: &Document) -> Vec<Hit<'_>> {
    let mut out = Vec::new();
    let mut scanned: Option<(*const Value, Vec<(usize, Detection)>)> = None;
    each_place(doc, |p| {
        let d = match p.context {
            PlaceContext::Command { list, index } => {
                let at = list.as_ptr();
                if scanned.as_ref().is_none_or(|(s, _)| *s != at) {
                    scanned = Some((at, detect::scan_list(list)));
                }
                scanned.as_ref().and_then(|(_, hits)| hits.iter().find(|(i, _)| *i == index)).map(|(_, d)| *d)
            }
            _ => detect::detect_at(p),
        };
        if let Some(detection) = d {
            out.push(Hit {
                root: p.root,
                segs: p.segs.to_vec(),
                pointer: p.pointer(),
                context: p.context,
                value: p.value,
                detection,
            });
        }
    });
    out
}

/// Test helpers: a document with a value at a schema place.
#[cfg(test)]
pub(crate) mod testing {
    use serde_json::{json, Value};

    /// Put `value` at the schema place `path` (from [`super::all_string_places`]) of the
    /// task definition `td`, creating what is missing (list element 0, map key `x`), and
    /// name the entry when the place is a pair's value. Returns the pointer of the value
    /// from the task definition's root.
    pub fn put(td: &mut Value, path: &str, value: &str) -> String {
        let parts: Vec<&str> = path.split('.').collect();
        let mut cur = td;
        let mut pointer = String::new();
        for (n, part) in parts.iter().enumerate() {
            let last = n + 1 == parts.len();
            let (name, list) = match part.strip_suffix("[]") {
                Some(name) => (name, true),
                None => (*part, false),
            };
            let name = if name == "*" { "x" } else { name };
            pointer.push('/');
            pointer.push_str(name);
            if last && !list {
                if let Some(pair_name) = pair_name(parts[n.saturating_sub(1)]) {
                    if name == "value" {
                        cur[pair_name] = "SOME_NAME".into();
                    }
                }
                cur[name] = value.into();
                break;
            }
            let slot = &mut cur[name];
            if list {
                if !slot.is_array() || slot.as_array().is_some_and(Vec::is_empty) {
                    *slot = json!([{}]);
                }
                pointer.push_str("/0");
                if last {
                    slot[0] = value.into();
                    break;
                }
                cur = &mut slot[0];
            } else {
                if !slot.is_object() {
                    *slot = json!({});
                }
                cur = slot;
            }
        }
        pointer
    }

    /// The member that names a pair's value, by the list the pair is in.
    fn pair_name(list: &str) -> Option<&'static str> {
        match list {
            "environment[]" | "properties[]" | "secrets[]" | "secretOptions[]" => Some("name"),
            "tags[]" => Some("key"),
            "systemControls[]" => Some("namespace"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, hostile_documents, SEED};
    use serde_json::json;

    fn places(doc: &Document) -> Vec<(String, ContextKind, String)> {
        let mut out = Vec::new();
        each_place(doc, |p| out.push((p.pointer(), p.context.kind(), p.value.to_string())));
        out
    }

    /// Pointers of every string leaf of a JSON value.
    fn string_leaves(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::String(_) => out.push(at),
            Value::Array(items) => {
                items.iter().enumerate().for_each(|(i, x)| string_leaves(x, format!("{at}/{i}"), out))
            }
            Value::Object(m) => m.iter().for_each(|(k, x)| string_leaves(x, format!("{at}/{}", escape_token(k)), out)),
            _ => {}
        }
    }

    #[test]
    fn the_static_enumeration_covers_the_model() {
        let all = all_string_places();
        let kind = |path: &str| all.iter().find(|(p, _)| p == path).map(|(_, k)| *k);
        for (path, want) in [
            ("family", ContextKind::Field),
            ("containerDefinitions[].image", ContextKind::Field),
            ("containerDefinitions[].links[]", ContextKind::Field),
            ("containerDefinitions[].environment[].name", ContextKind::Field),
            ("containerDefinitions[].environment[].value", ContextKind::NameValue),
            ("containerDefinitions[].environmentFiles[].value", ContextKind::Field),
            ("containerDefinitions[].entryPoint[]", ContextKind::Command),
            ("containerDefinitions[].command[]", ContextKind::Command),
            ("containerDefinitions[].healthCheck.command[]", ContextKind::Command),
            ("containerDefinitions[].secrets[].valueFrom", ContextKind::Reference),
            ("containerDefinitions[].logConfiguration.secretOptions[].valueFrom", ContextKind::Reference),
            ("containerDefinitions[].repositoryCredentials.credentialsParameter", ContextKind::Reference),
            (
                "volumes[].fsxWindowsFileServerVolumeConfiguration.authorizationConfig.credentialsParameter",
                ContextKind::Reference,
            ),
            ("containerDefinitions[].dockerLabels.*", ContextKind::MapEntry),
            ("containerDefinitions[].logConfiguration.options.*", ContextKind::MapEntry),
            ("containerDefinitions[].firelensConfiguration.options.*", ContextKind::MapEntry),
            ("volumes[].dockerVolumeConfiguration.driverOpts.*", ContextKind::MapEntry),
            ("volumes[].dockerVolumeConfiguration.labels.*", ContextKind::MapEntry),
            ("containerDefinitions[].systemControls[].value", ContextKind::NameValue),
            ("containerDefinitions[].systemControls[].namespace", ContextKind::Field),
            ("proxyConfiguration.properties[].value", ContextKind::NameValue),
            ("tags[].value", ContextKind::NameValue),
            ("tags[].key", ContextKind::Field),
            ("containerDefinitions[].linuxParameters.devices[].permissions[]", ContextKind::Field),
            ("runtimePlatform.operatingSystemFamily", ContextKind::Field),
        ] {
            assert_eq!(kind(path), Some(want), "{path}");
        }
        // No duplicates; no integer or boolean member.
        let mut paths: Vec<&str> = all.iter().map(|(p, _)| p.as_str()).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), all.len());
        assert!(kind("containerDefinitions[].cpu").is_none() && kind("containerDefinitions[].essential").is_none());
        assert_eq!(all.len(), 90, "{all:#?}");
    }

    /// Place by place: the walk finds a value put at every place of the enumeration, at its
    /// pointer and with its kind of context, in both document shapes.
    #[test]
    fn every_enumerated_place_is_walked_with_its_context() {
        for (path, kind) in all_string_places() {
            let mut td = base();
            let ptr = put_value(&mut td, &path);
            for (doc, base) in [(td.clone(), ""), (json!({"taskDefinition": td, "tags": []}), "/taskDefinition")] {
                let doc = Document::from_value(&doc);
                let want = format!("{base}{ptr}");
                let found = places(&doc).into_iter().find(|(p, _, _)| *p == want);
                assert_eq!(found, Some((want, kind, "THE-VALUE".to_string())), "{path}");
            }
        }
    }

    fn put_value(td: &mut Value, path: &str) -> String {
        testing::put(td, path, "THE-VALUE")
    }

    /// Every string of the document is visited exactly once, whatever the shape and however
    /// wrong the types.
    #[test]
    fn every_string_is_visited_once() {
        let mut docs = hostile_documents();
        docs.push(serde_json::from_str(SEED).unwrap());
        let mut odd = base();
        odd["containerDefinitions"][0]["dockerLabels"] = json!({"a": {"nested": ["x", {"y": "z"}]}, "b": "c"});
        odd["containerDefinitions"][0]["command"] = json!(["sh", 1, {"k": "v"}, ["w"]]);
        odd["containerDefinitions"][0]["zUnknown"] = json!({"deep": [[["s"]]]});
        odd["cpu"] = json!({"x": "y"});
        odd["taskDefinitionArn"] = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3".into();
        docs.push(odd.clone());
        docs.push(json!({"taskDefinition": odd, "tags": [{"key": "k", "value": "v"}, "loose"], "Meta": {"id": "m"}}));
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/corpus");
        for entry in std::fs::read_dir(corpus).unwrap() {
            docs.push(serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap());
        }
        for v in docs {
            let doc = Document::from_value(&v);
            let mut want = Vec::new();
            string_leaves(&v, String::new(), &mut want);
            let mut got: Vec<String> = places(&doc).into_iter().map(|(p, _, _)| p).collect();
            want.sort();
            got.sort();
            assert_eq!(got, want, "{v}");
        }
    }

    #[test]
    fn contexts_carry_their_names_and_keys() {
        let mut td = base();
        let c = &mut td["containerDefinitions"][0];
        c["environment"] = json!([{"name": "A", "value": "1"}, {"value": "nameless"}]);
        c["dockerLabels"] = json!({"team": "web"});
        c["entryPoint"] = json!(["sh", "-c"]);
        c["secrets"] = json!([{"name": "S", "valueFrom": "arn:x"}]);
        c["repositoryCredentials"] = json!({"credentialsParameter": "arn:y"});
        c["zCustom"] = json!({"token": "t"});
        td["tags"] = json!([{"key": "team", "value": "web"}]);
        let doc = Document::from_value(&td);
        let mut seen = Vec::new();
        each_place(&doc, |p| {
            let what = match p.context {
                PlaceContext::NameValue { name } => format!("name-value {name}"),
                PlaceContext::MapEntry { key } => format!("map {key}"),
                PlaceContext::Command { list, index } => format!("command {index}/{}", list.len()),
                PlaceContext::Reference { field, name } => format!("reference {field} {name:?}"),
                PlaceContext::Field { name } => format!("field {name}"),
                PlaceContext::Unknown { key } => format!("unknown {key}"),
            };
            if p.root == Root::TaskDef && p.segs.len() > 3 {
                seen.push(format!("{} {what}", p.pointer()));
            }
        });
        assert_eq!(
            seen,
            [
                "/containerDefinitions/0/environment/0/name field name",
                "/containerDefinitions/0/environment/0/value name-value A",
                "/containerDefinitions/0/environment/1/value field value",
                "/containerDefinitions/0/dockerLabels/team map team",
                "/containerDefinitions/0/entryPoint/0 command 0/2",
                "/containerDefinitions/0/entryPoint/1 command 1/2",
                "/containerDefinitions/0/secrets/0/name field name",
                "/containerDefinitions/0/secrets/0/valueFrom reference valueFrom Some(\"S\")",
                "/containerDefinitions/0/repositoryCredentials/credentialsParameter reference credentialsParameter None",
                "/containerDefinitions/0/zCustom/token unknown token",
            ]
        );
        let tags: Vec<_> = places(&doc).into_iter().filter(|(p, _, _)| p.starts_with("/tags")).collect();
        assert_eq!(tags[1].1, ContextKind::NameValue);
    }

    #[test]
    fn hits_know_their_container_and_display() {
        let mut td = base();
        td["containerDefinitions"][0]["extraHosts"] =
            json!([{"hostname": "h", "ipAddress": "ghp_0123456789abcdefABCDEF0123456789abcd"}]);
        let doc = Document::from_value(&json!({"taskDefinition": td, "tags": [{"key": "k",
            "value": "ghp_0123456789abcdefABCDEF0123456789abcd"}]}));
        let hits = collect(&doc);
        let got: Vec<_> = hits.iter().map(|h| (h.pointer.as_str(), h.container_index(), h.display())).collect();
        assert_eq!(
            got,
            [
                (
                    "/taskDefinition/containerDefinitions/0/extraHosts/0/ipAddress",
                    Some(0),
                    "extraHosts[0].ipAddress".into()
                ),
                ("/tags/0/value", None, "tags[0].value".into()),
            ]
        );
    }
}
