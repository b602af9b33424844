//! Parsing a task-definition document losslessly, with positions.
//!
//! The JSON text is parsed once by `jsonc-parser` (strict JSON: every JSON5/JSONC
//! extension switched off) into two things built side by side:
//! - a `serde_json::Value` with the user's key order (the source of truth that gets
//!   edited, patched and registered), and
//! - a span tree that mirrors it node for node, so that any RFC 6901 pointer can be
//!   turned back into a byte range, and from there into line/column.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

/// Nesting deeper than this is refused before parsing (the parser is recursive).
pub const MAX_DEPTH: usize = 128;

/// Where the task definition sits in the document the user gave us.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Shape {
    /// `aws ecs register-task-definition --cli-input-json` input (the seed's shape).
    RegisterInput,
    /// A bare `DescribeTaskDefinition` `taskDefinition` object (has read-only fields).
    Described,
    /// `{"taskDefinition": {...}, "tags": [...]}` as printed by `describe-task-definition`.
    DescribeWrapped,
}

/// Output-only fields ECS returns but rejects on RegisterTaskDefinition.
pub const READ_ONLY_FIELDS: &[&str] = &[
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
    "deleteRequestedAt",
];

/// A location in the original text. Lines and columns are 1-based; columns count
/// UTF-16 code units (what SARIF, LSP and CodeMirror use).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// A byte range in the original text together with its line/column form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub start: usize,
    pub end: usize,
    pub start_pos: Position,
    pub end_pos: Position,
}

/// Malformed input: a message and where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParseError {
    pub message: String,
    pub line: u32,
    pub column: u32,
    pub offset: usize,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (line {}, column {})", self.message, self.line, self.column)
    }
}

impl std::error::Error for ParseError {}

#[derive(Clone, Copy, Debug)]
struct SpanNode {
    /// Start of the member's key for object members, else of the value.
    key_start: u32,
    start: u32,
    end: u32,
    kids_start: u32,
    kids_len: u32,
}

/// A parsed document: original text, JSON value and positions.
#[derive(Clone, Debug)]
pub struct Document {
    text: String,
    value: Value,
    nodes: Vec<SpanNode>,
    kids: Vec<u32>,
    /// Byte offsets of line starts, computed on the first [`Document::region`] call.
    line_starts: std::sync::OnceLock<Vec<usize>>,
    shape: Shape,
    duplicate_keys: Vec<String>,
}

impl Document {
    /// Parse strict JSON text. Never panics; malformed input is a located [`ParseError`].
    pub fn parse(text: impl Into<String>) -> Result<Document, ParseError> {
        let text: String = text.into();
        check_depth(&text)?;
        let options = jsonc_parser::ParseOptions {
            allow_comments: false,
            allow_loose_object_property_names: false,
            allow_trailing_commas: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            allow_bare_decimal_point_numbers: false,
            allow_non_finite_numbers: false,
            allow_extended_string_escapes: false,
        };
        let (value, nodes, kids, duplicate_keys) = {
            let parsed = jsonc_parser::parse_to_ast(&text, &Default::default(), &options)
                .map_err(|e| {
                    let offset = e.range().start.min(text.len());
                    let pos = position_in(&text, &line_starts_of(&text), offset);
                    ParseError {
                        message: parse_error_message(e.kind()),
                        line: pos.line,
                        column: pos.column,
                        offset,
                    }
                })?;
            let Some(ast) = parsed.value else {
                return Err(ParseError {
                    message: "the document is empty: expected a JSON object".into(),
                    line: 1,
                    column: 1,
                    offset: 0,
                });
            };
            // About one node per 10 bytes of pretty-printed task definition.
            let mut b = Builder {
                nodes: Vec::with_capacity(text.len() / 10 + 8),
                kids: Vec::with_capacity(text.len() / 10 + 8),
                scratch: Vec::with_capacity(64),
                duplicate_keys: Vec::new(),
            };
            let start = ast_range(&ast).start as u32;
            let (value, _) = b.build(&ast, start, &mut Vec::new());
            (value, b.nodes, b.kids, b.duplicate_keys)
        };
        let shape = detect_shape(&value);
        Ok(Document { text, value, nodes, kids, line_starts: std::sync::OnceLock::new(), shape, duplicate_keys })
    }

    /// Build a document from a value (no original text): positions come from its
    /// pretty-printed form, which is also what [`Document::text`] returns.
    pub fn from_value(value: &Value) -> Document {
        let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".into());
        Document::parse(text).expect("serde_json output is valid JSON")
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// Pointers of object members whose key appeared more than once (the last one wins).
    pub fn duplicate_keys(&self) -> &[String] {
        &self.duplicate_keys
    }

    /// Pointer prefix of the task definition inside the document ("" or "/taskDefinition").
    pub fn base(&self) -> &'static str {
        match self.shape {
            Shape::DescribeWrapped => "/taskDefinition",
            _ => "",
        }
    }

    /// The task-definition object, if the document has one.
    pub fn task_definition(&self) -> Option<&Map<String, Value>> {
        match self.shape {
            Shape::DescribeWrapped => self.value.get("taskDefinition")?.as_object(),
            _ => self.value.as_object(),
        }
    }

    /// Tags, wherever this shape keeps them, with their pointer.
    pub fn tags(&self) -> Option<(&Value, String)> {
        match self.shape {
            Shape::DescribeWrapped => self.value.get("tags").map(|t| (t, "/tags".to_string())),
            _ => self.task_definition()?.get("tags").map(|t| (t, "/tags".to_string())),
        }
    }

    /// The RegisterTaskDefinition input this document stands for: the task definition
    /// with read-only fields stripped and the Describe output's sibling `tags` moved in
    /// (an empty tag list is dropped, as ECS rejects it). Key order is kept.
    pub fn register_input(&self) -> Value {
        register_input(&self.value)
    }

    /// Byte range (and line/column) of what `pointer` names. For a pointer that does
    /// not resolve, the deepest existing ancestor is returned with `exact == false`.
    pub fn locate(&self, pointer: &str) -> (Region, bool) {
        let (idx, exact) = self.resolve(pointer);
        let n = self.nodes[idx];
        let (start, end) = if exact { (n.key_start as usize, n.end as usize) } else { (n.start as usize, n.end as usize) };
        (self.region(start, end), exact)
    }

    /// Region of a byte range in the original text.
    pub fn region(&self, start: usize, end: usize) -> Region {
        let lines = self.line_starts.get_or_init(|| line_starts_of(&self.text));
        Region {
            start,
            end,
            start_pos: position_in(&self.text, lines, start),
            end_pos: position_in(&self.text, lines, end),
        }
    }

    fn resolve(&self, pointer: &str) -> (usize, bool) {
        if self.nodes.is_empty() {
            return (0, false);
        }
        let mut node = 0usize;
        let mut value = &self.value;
        if pointer.is_empty() {
            return (0, true);
        }
        for raw in pointer.split('/').skip(1) {
            let token = unescape_token(raw);
            let n = self.nodes[node];
            let kids = &self.kids[n.kids_start as usize..(n.kids_start + n.kids_len) as usize];
            let next = match value {
                Value::Object(map) => map
                    .keys()
                    .position(|k| *k == token)
                    .and_then(|i| Some((kids.get(i)?, map.get(token.as_ref())?))),
                Value::Array(items) => token
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| Some((kids.get(i)?, items.get(i)?))),
                _ => None,
            };
            match next {
                Some((k, v)) => {
                    node = *k as usize;
                    value = v;
                }
                None => return (node, false),
            }
        }
        (node, true)
    }
}

/// Detect which of the accepted shapes a value is.
pub fn detect_shape(value: &Value) -> Shape {
    let Some(obj) = value.as_object() else { return Shape::RegisterInput };
    if obj.get("taskDefinition").is_some_and(Value::is_object) && !obj.contains_key("containerDefinitions") {
        return Shape::DescribeWrapped;
    }
    if READ_ONLY_FIELDS.iter().any(|f| obj.contains_key(*f)) {
        return Shape::Described;
    }
    Shape::RegisterInput
}

/// See [`Document::register_input`].
pub fn register_input(value: &Value) -> Value {
    let (td, sibling_tags) = match detect_shape(value) {
        Shape::DescribeWrapped => (value.get("taskDefinition").cloned().unwrap_or(Value::Null), value.get("tags").cloned()),
        _ => (value.clone(), None),
    };
    let Value::Object(mut map) = td else { return td };
    for f in READ_ONLY_FIELDS {
        map.shift_remove(*f);
    }
    if let Some(tags) = sibling_tags {
        if !map.contains_key("tags") {
            map.insert("tags".into(), tags);
        }
    }
    if map.get("tags").and_then(Value::as_array).is_some_and(Vec::is_empty) {
        map.shift_remove("tags");
    }
    Value::Object(map)
}

/// RFC 6901: `~1` is `/`, `~0` is `~`.
pub fn unescape_token(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.contains('~') {
        raw.replace("~1", "/").replace("~0", "~").into()
    } else {
        raw.into()
    }
}

/// RFC 6901 escaping of one reference token.
pub fn escape_token(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1").into()
    } else {
        token.into()
    }
}

enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn pointer_of(path: &[Seg<'_>]) -> String {
    let mut out = String::new();
    for seg in path {
        out.push('/');
        match seg {
            Seg::Key(k) => out.push_str(&escape_token(k)),
            Seg::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

#[derive(Default)]
struct Builder {
    nodes: Vec<SpanNode>,
    kids: Vec<u32>,
    scratch: Vec<u32>,
    duplicate_keys: Vec<String>,
}

impl Builder {
    fn push(&mut self, key_start: u32, start: u32, end: u32) -> usize {
        self.nodes.push(SpanNode { key_start, start, end, kids_start: 0, kids_len: 0 });
        self.nodes.len() - 1
    }

    fn build<'b>(&mut self, ast: &'b jsonc_parser::ast::Value<'_>, key_start: u32, path: &mut Vec<Seg<'b>>) -> (Value, u32) {
        use jsonc_parser::ast::Value as A;
        let r = ast_range(ast);
        let idx = self.push(key_start, r.start as u32, r.end as u32);
        let value = match ast {
            A::StringLit(s) => Value::String(s.value.to_string()),
            A::NumberLit(n) => Value::Number(parse_number(n.value)),
            A::BooleanLit(b) => Value::Bool(b.value),
            A::NullKeyword(_) => Value::Null,
            A::Array(arr) => {
                let mark = self.scratch.len();
                let mut items = Vec::with_capacity(arr.elements.len());
                for (i, el) in arr.elements.iter().enumerate() {
                    let s = ast_range(el).start as u32;
                    path.push(Seg::Index(i));
                    let (v, k) = self.build(el, s, path);
                    path.pop();
                    items.push(v);
                    self.scratch.push(k);
                }
                self.finish_kids(idx, mark);
                Value::Array(items)
            }
            A::Object(obj) => {
                let mark = self.scratch.len();
                let mut map = Map::with_capacity(obj.properties.len());
                for prop in &obj.properties {
                    let key: &str = match &prop.name {
                        jsonc_parser::ast::ObjectPropName::String(s) => &s.value,
                        jsonc_parser::ast::ObjectPropName::Word(w) => w.value,
                    };
                    path.push(Seg::Key(key));
                    let (v, k) = self.build(&prop.value, prop.range.start as u32, path);
                    if map.insert(key.to_string(), v).is_some() {
                        // Duplicate key: the last value wins, at the first key's place.
                        let pos = map.keys().position(|k| k == key).expect("just inserted");
                        self.duplicate_keys.push(pointer_of(path));
                        self.scratch[mark + pos] = k;
                    } else {
                        self.scratch.push(k);
                    }
                    path.pop();
                }
                self.finish_kids(idx, mark);
                Value::Object(map)
            }
        };
        (value, idx as u32)
    }

    fn finish_kids(&mut self, idx: usize, mark: usize) {
        let start = self.kids.len() as u32;
        self.kids.extend_from_slice(&self.scratch[mark..]);
        self.scratch.truncate(mark);
        self.nodes[idx].kids_start = start;
        self.nodes[idx].kids_len = self.kids.len() as u32 - start;
    }
}

fn ast_range(v: &jsonc_parser::ast::Value<'_>) -> jsonc_parser::common::Range {
    use jsonc_parser::ast::Value as A;
    match v {
        A::StringLit(s) => s.range,
        A::NumberLit(n) => n.range,
        A::BooleanLit(b) => b.range,
        A::NullKeyword(n) => n.range,
        A::Array(a) => a.range,
        A::Object(o) => o.range,
    }
}

fn parse_number(s: &str) -> Number {
    // Integers (nearly every number in a task definition) without serde_json's machinery.
    if let Ok(n) = s.parse::<u64>() {
        return n.into();
    }
    if let Ok(n) = s.parse::<i64>() {
        return n.into();
    }
    if let Ok(n) = s.parse::<Number>() {
        return n;
    }
    // Out of f64 range: serde_json's own parser refuses these too; keep the sign.
    Number::from_f64(if s.starts_with('-') { f64::MIN } else { f64::MAX }).expect("finite")
}

fn parse_error_message(kind: &jsonc_parser::errors::ParseErrorKind) -> String {
    let text = kind.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => format!("invalid JSON: {}{}", c.to_lowercase(), chars.as_str()),
        None => "invalid JSON".into(),
    }
}

/// Refuse nesting deeper than [`MAX_DEPTH`] before parsing, so the recursive parser
/// cannot overflow the stack. Most documents have fewer brackets than the limit in all,
/// which a vectorised count shows at once; only the others are scanned properly.
fn check_depth(text: &str) -> Result<(), ParseError> {
    let bytes = text.as_bytes();
    let openers = bytes.iter().filter(|&&b| b == b'[' || b == b'{').count();
    if openers <= MAX_DEPTH {
        return Ok(());
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    let pos = position_in(text, &line_starts_of(text), i);
                    return Err(ParseError {
                        message: format!("invalid JSON: nested deeper than {MAX_DEPTH} levels"),
                        line: pos.line,
                        column: pos.column,
                        offset: i,
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn line_starts_of(text: &str) -> Vec<usize> {
    std::iter::once(0).chain(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1)).collect()
}

fn position_in(text: &str, line_starts: &[usize], offset: usize) -> Position {
    let offset = offset.min(text.len());
    let line = match line_starts.binary_search(&offset) {
        Ok(i) => i,
        Err(i) => i - 1,
    };
    let start = line_starts[line];
    // Columns in UTF-16 code units; clamp to a char boundary first.
    let mut end = offset;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let column = text[start..end].encode_utf16().count() + 1;
    Position { line: line as u32 + 1, column: column as u32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_values() {
        let text = r#"{"z": 1, "a": [true, null, "x"], "m": {"k": 1.5}}"#;
        let doc = Document::parse(text).unwrap();
        let keys: Vec<_> = doc.value().as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["z", "a", "m"]);
        let reparsed: Value = serde_json::from_str(text).unwrap();
        assert_eq!(doc.value(), &reparsed);
        assert_eq!(serde_json::to_string(doc.value()).unwrap(), r#"{"z":1,"a":[true,null,"x"],"m":{"k":1.5}}"#);
    }

    #[test]
    fn locates_pointers_at_line_and_column() {
        let text = "{\n  \"family\": \"x\",\n  \"containerDefinitions\": [\n    {\"name\": \"a/b~c\", \"é\": 1}\n  ]\n}";
        let doc = Document::parse(text).unwrap();
        let (r, exact) = doc.locate("/family");
        assert!(exact);
        assert_eq!((r.start_pos.line, r.start_pos.column), (2, 3));
        let (r, _) = doc.locate("/containerDefinitions/0/name");
        assert_eq!((r.start_pos.line, r.start_pos.column), (4, 6));
        assert_eq!(&text[r.start..r.end], "\"name\": \"a/b~c\"");
        let (r, exact) = doc.locate("/containerDefinitions/0/missing");
        assert!(!exact);
        assert_eq!((r.start_pos.line, r.start_pos.column), (4, 5));
        let (r, exact) = doc.locate("/containerDefinitions/0/\u{e9}");
        assert!(exact);
        assert_eq!(r.start_pos.column, 23);
    }

    #[test]
    fn escaped_pointer_tokens_resolve() {
        let doc = Document::parse(r#"{"a/b": {"c~d": 1}}"#).unwrap();
        let (r, exact) = doc.locate("/a~1b/c~0d");
        assert!(exact);
        assert_eq!(&doc.text()[r.start..r.end], "\"c~d\": 1");
    }

    #[test]
    fn malformed_json_is_located() {
        let err = Document::parse("{\n  \"family\": \"x\",\n  \"cpu\": 256,\n}").unwrap_err();
        assert_eq!(err.line, 3, "a trailing comma is reported where it stands");
        assert!(err.message.contains("invalid JSON"), "{}", err.message);
        let err = Document::parse("{\"a\": 1 \"b\": 2}").unwrap_err();
        assert_eq!((err.line, err.column), (1, 8), "reported right after the value that lacks a comma");
        assert!(Document::parse("// comment\n{}").is_err());
        assert!(Document::parse("{'a': 1}").is_err());
        assert!(Document::parse("").is_err());
        assert!(Document::parse("{} {}").is_err());
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = "[".repeat(100_000);
        let err = Document::parse(text).unwrap_err();
        assert!(err.message.contains("nested deeper"));
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(Document::parse(ok).is_ok());
    }

    #[test]
    fn duplicate_keys_last_wins_and_are_reported() {
        let doc = Document::parse(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        assert_eq!(doc.value(), &serde_json::json!({"a": 3, "b": 2}));
        assert_eq!(doc.duplicate_keys(), ["/a"]);
        let (r, _) = doc.locate("/a");
        assert_eq!(&doc.text()[r.start..r.end], "\"a\": 3");
    }

    #[test]
    fn shapes_and_register_input() {
        let wrapped = Document::parse(
            r#"{"taskDefinition": {"family": "f", "revision": 3, "status": "ACTIVE", "containerDefinitions": []}, "tags": [{"key": "team", "value": "x"}]}"#,
        )
        .unwrap();
        assert_eq!(wrapped.shape(), Shape::DescribeWrapped);
        assert_eq!(wrapped.base(), "/taskDefinition");
        assert_eq!(
            wrapped.register_input(),
            serde_json::json!({"family": "f", "containerDefinitions": [], "tags": [{"key": "team", "value": "x"}]})
        );
        let bare = Document::parse(r#"{"family": "f", "revision": 3, "containerDefinitions": [], "tags": []}"#).unwrap();
        assert_eq!(bare.shape(), Shape::Described);
        assert_eq!(bare.register_input(), serde_json::json!({"family": "f", "containerDefinitions": []}));
        let input = Document::parse(r#"{"family": "f", "containerDefinitions": []}"#).unwrap();
        assert_eq!(input.shape(), Shape::RegisterInput);
    }
}
