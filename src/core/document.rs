//! Parsing a task-definition document losslessly, with positions.
//!
//! Two well-kept pieces do the parsing:
//! - `serde_json` (strict, `preserve_order`, `float_roundtrip`, recursion-limited) turns the
//!   text into the `Value` that is the source of truth: edited, patched and registered
//!   with the user's key order;
//! - `jsonc-parser`'s scanner (every JSON5/JSONC extension off) gives each token's byte
//!   range; one iterative pass over the tokens builds a span tree that mirrors the value
//!   node for node, so that an RFC 6901 pointer turns into a byte range and from there
//!   into line/column. The span tree is built on first use (locating a finding), so a
//!   document that is only read costs exactly a `serde_json` parse.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    /// Built on first use by [`Document::spans`].
    spans: std::sync::OnceLock<Spans>,
    /// Byte offsets of line starts, computed on the first [`Document::region`] call.
    line_starts: std::sync::OnceLock<Vec<usize>>,
    shape: Shape,
}

/// Byte ranges of every node of the value, in a tree mirroring it (children of a node in
/// the value's order), and the object members whose key appeared twice.
#[derive(Clone, Debug, Default)]
struct Spans {
    nodes: Vec<SpanNode>,
    kids: Vec<u32>,
    duplicate_keys: Vec<String>,
}

impl Document {
    /// Parse strict JSON text. Never panics; malformed input is a located [`ParseError`].
    pub fn parse(text: impl Into<String>) -> Result<Document, ParseError> {
        let text: String = text.into();
        let value: Value = serde_json::from_str(&text).map_err(|e| parse_error(&text, &e))?;
        let shape = detect_shape(&value);
        Ok(Document { text, value, spans: std::sync::OnceLock::new(), line_starts: std::sync::OnceLock::new(), shape })
    }

    /// Build a document from a value (no original text): positions come from its
    /// pretty-printed form, which is also what [`Document::text`] returns.
    pub fn from_value(value: &Value) -> Document {
        let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".into());
        Document {
            text,
            value: value.clone(),
            spans: std::sync::OnceLock::new(),
            line_starts: std::sync::OnceLock::new(),
            shape: detect_shape(value),
        }
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
        &self.spans().duplicate_keys
    }

    fn spans(&self) -> &Spans {
        self.spans.get_or_init(|| build_spans(&self.text))
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
        let Some(&n) = self.spans().nodes.get(idx) else { return (self.region(0, 0), false) };
        let (start, end) =
            if exact { (n.key_start as usize, n.end as usize) } else { (n.start as usize, n.end as usize) };
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
        let Spans { nodes, kids: all_kids, .. } = self.spans();
        if nodes.is_empty() {
            return (0, false);
        }
        let mut node = 0usize;
        let mut value = &self.value;
        if pointer.is_empty() {
            return (0, true);
        }
        for raw in pointer.split('/').skip(1) {
            let token = unescape_token(raw);
            let n = nodes[node];
            let kids = &all_kids[n.kids_start as usize..(n.kids_start + n.kids_len) as usize];
            let next = match value {
                // Position and value in one pass over the members (no key hashing).
                Value::Object(map) => map
                    .iter()
                    .enumerate()
                    .find(|(_, (k, _))| **k == token)
                    .and_then(|(i, (_, v))| Some((kids.get(i)?, v))),
                Value::Array(items) => token.parse::<usize>().ok().and_then(|i| Some((kids.get(i)?, items.get(i)?))),
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
        Shape::DescribeWrapped => {
            (value.get("taskDefinition").cloned().unwrap_or(Value::Null), value.get("tags").cloned())
        }
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

/// A located error from serde_json's message ("… at line L column C" without the tail).
fn parse_error(text: &str, e: &serde_json::Error) -> ParseError {
    let full = e.to_string();
    let what = full.split(" at line ").next().unwrap_or(&full);
    let message = if what.contains("recursion limit exceeded") {
        "invalid JSON: nested deeper than 128 levels".to_string()
    } else if text.trim().is_empty() {
        "the document is empty: expected a JSON object".to_string()
    } else {
        format!("invalid JSON: {what}")
    };
    let line = e.line().max(1);
    let lines = line_starts_of(text);
    // serde_json counts the column in bytes; report it in UTF-16 units like every position.
    let offset = lines.get(line - 1).map_or(text.len(), |s| (s + e.column().saturating_sub(1)).min(text.len()));
    let pos = position_in(text, &lines, offset);
    ParseError { message, line: pos.line, column: pos.column.max(1), offset }
}

/// One object or array being walked, with where its children's span indices collect.
struct Frame<'a> {
    node: usize,
    /// Start of this frame's children in `scratch`.
    mark: usize,
    object: bool,
    expect_key: bool,
    /// This frame's segment in its parent (for duplicate-key pointers).
    seg: Option<Seg<'a>>,
    /// Start of this object's keys in the walk's shared key stack.
    keys_mark: usize,
    /// Set once an object has many keys, so that duplicate detection stays linear.
    key_set: Option<std::collections::HashSet<std::borrow::Cow<'a, str>>>,
    count: usize,
}

/// A reference token of a frame in its parent: a key, or an array index (no allocation).
enum Seg<'a> {
    Key(std::borrow::Cow<'a, str>),
    Index(usize),
}

/// The span tree of a text serde_json accepted: one pass over jsonc-parser's tokens with
/// an explicit stack (no recursion). Duplicate keys follow serde_json's map: the last
/// value wins, at the first key's place.
fn build_spans(text: &str) -> Spans {
    use jsonc_parser::tokens::Token;
    let options = jsonc_parser::ScannerOptions {
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let mut scanner = jsonc_parser::Scanner::new(text, &options);
    let mut spans = Spans {
        nodes: Vec::with_capacity(text.len() / 10 + 8),
        kids: Vec::with_capacity(text.len() / 10 + 8),
        duplicate_keys: Vec::new(),
    };
    let mut scratch: Vec<u32> = Vec::with_capacity(64);
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut pending_key: Option<(u32, std::borrow::Cow<'_, str>)> = None;
    // Keys of every open object, each object's run starting at its `keys_mark`.
    let mut keys: Vec<std::borrow::Cow<'_, str>> = Vec::with_capacity(64);
    loop {
        let token = match scanner.scan() {
            Ok(Some(t)) => t,
            Ok(None) => break,
            // serde_json accepted the text, so the scanner should too; if not, the
            // document is located as a whole rather than not at all.
            Err(_) => break,
        };
        let (start, end) = (scanner.token_start() as u32, scanner.token_end() as u32);
        match token {
            Token::String(s) if stack.last().is_some_and(|f| f.object && f.expect_key) => {
                if let Some(f) = stack.last_mut() {
                    f.expect_key = false;
                }
                pending_key = Some((start, s));
            }
            Token::Comma => {
                if let Some(f) = stack.last_mut() {
                    f.expect_key = f.object;
                }
            }
            Token::Colon | Token::CommentLine(_) | Token::CommentBlock(_) | Token::Word(_) => {}
            Token::CloseBrace | Token::CloseBracket => {
                if let Some(f) = stack.pop() {
                    keys.truncate(f.keys_mark);
                    let kids_start = spans.kids.len() as u32;
                    spans.kids.extend_from_slice(&scratch[f.mark..]);
                    scratch.truncate(f.mark);
                    let n = &mut spans.nodes[f.node];
                    n.end = end;
                    n.kids_start = kids_start;
                    n.kids_len = spans.kids.len() as u32 - kids_start;
                }
            }
            token => {
                let container = matches!(token, Token::OpenBrace | Token::OpenBracket);
                let key = pending_key.take();
                let key_start = key.as_ref().map_or(start, |k| k.0);
                let idx = spans.nodes.len();
                spans.nodes.push(SpanNode { key_start, start, end, kids_start: 0, kids_len: 0 });
                let mut seg = None;
                if let Some(parent) = stack.last_mut() {
                    if parent.object {
                        let key = key.map(|k| k.1).unwrap_or_default();
                        let own = &keys[parent.keys_mark..];
                        let dup = match &parent.key_set {
                            Some(set) => set.contains(&key),
                            None => own.contains(&key),
                        };
                        if dup {
                            let pos = own.iter().position(|k| *k == key).unwrap_or(0);
                            scratch[parent.mark + pos] = idx as u32;
                            let mut p = String::new();
                            for f in stack.iter().skip(1) {
                                p.push('/');
                                match &f.seg {
                                    Some(Seg::Key(k)) => p.push_str(&escape_token(k)),
                                    Some(Seg::Index(i)) => p.push_str(&i.to_string()),
                                    None => {}
                                }
                            }
                            p.push('/');
                            p.push_str(&escape_token(&key));
                            spans.duplicate_keys.push(p);
                        } else {
                            if let Some(set) = &mut parent.key_set {
                                set.insert(key.clone());
                            } else if own.len() >= 32 {
                                parent.key_set = Some(own.iter().cloned().chain([key.clone()]).collect());
                            }
                            keys.push(key.clone());
                            scratch.push(idx as u32);
                        }
                        seg = container.then_some(Seg::Key(key));
                    } else {
                        if container {
                            seg = Some(Seg::Index(parent.count));
                        }
                        parent.count += 1;
                        scratch.push(idx as u32);
                    }
                }
                if container {
                    stack.push(Frame {
                        node: idx,
                        mark: scratch.len(),
                        object: matches!(token, Token::OpenBrace),
                        expect_key: true,
                        seg,
                        keys_mark: keys.len(),
                        key_set: None,
                        count: 0,
                    });
                }
            }
        }
    }
    spans
}

fn line_starts_of(text: &str) -> Vec<usize> {
    std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1)).collect()
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
        let text =
            "{\n  \"family\": \"x\",\n  \"containerDefinitions\": [\n    {\"name\": \"a/b~c\", \"é\": 1}\n  ]\n}";
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
        assert_eq!((err.line, err.column), (4, 1), "reported at the brace that follows the trailing comma");
        assert_eq!(err.message, "invalid JSON: trailing comma");
        let err = Document::parse("{\"a\": 1 \"b\": 2}").unwrap_err();
        assert_eq!((err.line, err.column), (1, 9), "reported at the key that lacks a comma before it");
        assert!(err.message.contains("expected `,` or `}`"), "{}", err.message);
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
    fn nested_duplicates_and_positions_after_them() {
        let doc = Document::parse("{\"a\": [{\"x\": 1, \"y\": {}, \"x\": [2]}], \"b\": 3}").unwrap();
        assert_eq!(doc.duplicate_keys(), ["/a/0/x"]);
        let (r, exact) = doc.locate("/a/0/x/0");
        assert!(exact);
        assert_eq!(&doc.text()[r.start..r.end], "2");
        let (r, _) = doc.locate("/b");
        assert_eq!(&doc.text()[r.start..r.end], "\"b\": 3");
        let clean = Document::parse("{\"a\": [{\"x\": 1}], \"b\": 3}").unwrap();
        assert!(clean.duplicate_keys().is_empty());
        assert_eq!(&clean.text()[clean.locate("/a/0/x").0.start..clean.locate("/a/0/x").0.end], "\"x\": 1");
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
        let bare =
            Document::parse(r#"{"family": "f", "revision": 3, "containerDefinitions": [], "tags": []}"#).unwrap();
        assert_eq!(bare.shape(), Shape::Described);
        assert_eq!(bare.register_input(), serde_json::json!({"family": "f", "containerDefinitions": []}));
        let input = Document::parse(r#"{"family": "f", "containerDefinitions": []}"#).unwrap();
        assert_eq!(input.shape(), Shape::RegisterInput);
    }
}
