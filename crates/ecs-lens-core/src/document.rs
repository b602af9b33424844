//! Parsing a task-definition document losslessly, with positions.
//!
//! One pass over `jsonc-parser`'s scanner (every JSON5/JSONC extension off) gives each
//! token with its byte range and builds, together, the `serde_json` `Value` that is the
//! source of truth (edited, patched and registered with the user's key order:
//! `preserve_order`, `float_roundtrip`) and a span tree that mirrors it node for node, so
//! that an RFC 6901 pointer turns into a byte range and from there into line/column.
//! Tokenising once instead of twice (serde_json's parse, then a scan for positions) is
//! what keeps a lint within a small multiple of a bare parse. serde_json still decides
//! everything that is not plain: escaped strings, non-trivial numbers, and the wording of
//! errors, so the language accepted is serde_json's (property-tested).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Nesting this deep is refused (serde_json's recursion limit; `Value`'s drop recurses).
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

impl SpanNode {
    /// A node without children yet (a container's are filled in when it closes).
    fn leaf(key_start: u32, start: usize, end: usize) -> SpanNode {
        SpanNode { key_start, start: start as u32, end: end as u32, kids_start: 0, kids_len: 0 }
    }
}

/// A parsed document: original text, JSON value and positions.
#[derive(Clone, Debug)]
pub struct Document {
    text: String,
    value: Value,
    spans: Spans,
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
        let (value, spans) = match parse_with_spans(&text) {
            Ok(parsed) => parsed,
            Err(Rejected(at)) => return Err(rejection(&text, at)),
        };
        let shape = detect_shape(&value);
        Ok(Document { text, value, spans, line_starts: std::sync::OnceLock::new(), shape })
    }

    /// Build a document from a value (no original text): positions come from its
    /// pretty-printed form, which is also what [`Document::text`] returns.
    pub fn from_value(value: &Value) -> Document {
        let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".into());
        // Pretty-printed JSON always parses, unless a value built in code nests deeper
        // than documents may: then it has no positions.
        let spans = parse_with_spans(&text).map(|(_, spans)| spans).unwrap_or_default();
        Document {
            text,
            value: value.clone(),
            spans,
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
        &self.spans
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

    /// Tags, wherever this shape keeps them, with their pointer: the ones
    /// [`Document::register_input`] registers (in the Describe wrapper, the task definition's
    /// own `tags` when it has them, else the sibling list).
    pub fn tags(&self) -> Option<(&Value, String)> {
        let own = self.task_definition().and_then(|td| td.get("tags"));
        match self.shape {
            Shape::DescribeWrapped => match own {
                Some(t) => Some((t, "/taskDefinition/tags".to_string())),
                None => self.value.get("tags").map(|t| (t, "/tags".to_string())),
            },
            _ => own.map(|t| (t, "/tags".to_string())),
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
        // Reference tokens one by one (a byte loop: they are short, and `split` has more
        // setup than work here).
        let Some((_, mut rest)) = pointer.split_once('/') else { return (0, true) };
        loop {
            let (raw, next) = match rest.bytes().position(|b| b == b'/') {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            let token = unescape_token(raw);
            let n = nodes[node];
            let kids = &all_kids[n.kids_start as usize..(n.kids_start + n.kids_len) as usize];
            let next_node = match value {
                // Position and value in one pass over the members (no key hashing).
                Value::Object(map) => map
                    .iter()
                    .enumerate()
                    .find(|(_, (k, _))| **k == token)
                    .and_then(|(i, (_, v))| Some((kids.get(i)?, v))),
                Value::Array(items) => token.parse::<usize>().ok().and_then(|i| Some((kids.get(i)?, items.get(i)?))),
                _ => None,
            };
            match next_node {
                Some((k, v)) => {
                    node = *k as usize;
                    value = v;
                }
                None => return (node, false),
            }
            match next {
                Some(n) => rest = n,
                None => return (node, true),
            }
        }
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
    if raw.bytes().any(|b| b == b'~') {
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

/// Why `text` was refused. serde_json accepts exactly the language the one-pass parser
/// does and words errors well, so its message (and position) is used; should it ever
/// accept what the one pass refused, the error names where the pass stopped.
fn rejection(text: &str, at: usize) -> ParseError {
    match serde_json::from_str::<Value>(text) {
        Err(e) => parse_error(text, &e),
        Ok(_) => {
            let lines = line_starts_of(text);
            let pos = position_in(text, &lines, at);
            ParseError {
                message: "invalid JSON: unexpected text".into(),
                line: pos.line,
                column: pos.column.max(1),
                offset: at.min(text.len()),
            }
        }
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

/// A container being parsed. Its members so far sit at the end of the walk's flat stacks
/// (`values`, `nodes`, and `keys` for an object) from `mark`/`keys_mark` on, so that a frame
/// stays small and a closed container takes its members in one move, with exact capacity.
struct Frame {
    node: u32,
    mark: usize,
    keys_mark: usize,
    object: bool,
    /// This container's reference token in its parent (for duplicate-key pointers).
    seg: Seg,
}

#[derive(Clone, Copy)]
enum Seg {
    Root,
    /// Index of the key in the walk's `keys` stack.
    Key(usize),
    Index(usize),
}

/// What the grammar allows next.
#[derive(Clone, Copy, PartialEq)]
enum Expect {
    Value,
    /// Right after `[`.
    ValueOrClose,
    /// Right after `{`.
    KeyOrClose,
    Key,
    Colon,
    CommaOrClose,
    End,
}

/// jsonc-parser's scanner with every JSON5/JSONC extension off (strict JSON tokens).
pub fn strict_scanner() -> jsonc_parser::ScannerOptions {
    jsonc_parser::ScannerOptions {
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Where one pass stopped on text it does not accept (then serde_json, which accepts
/// exactly the same language, words the error).
struct Rejected(usize);

/// The value and its span tree in ONE pass over jsonc-parser's tokens, with an explicit
/// stack (no recursion). The grammar is strict JSON; what a token means is decided by
/// serde_json wherever that is not trivial (escaped strings, numbers other than plain
/// integers), so the language accepted and the values produced are serde_json's — the
/// property tests check both against `serde_json::from_str`. Duplicate keys follow
/// serde_json's map: the last value wins, at the first key's place.
fn parse_with_spans(text: &str) -> Result<(Value, Spans), Rejected> {
    use jsonc_parser::tokens::Token;
    let options = strict_scanner();
    let bytes = text.as_bytes();
    let mut scanner = jsonc_parser::Scanner::new(text, &options);
    let mut spans = Spans {
        nodes: Vec::with_capacity(text.len() / 12 + 8),
        kids: Vec::with_capacity(text.len() / 12 + 8),
        duplicate_keys: Vec::new(),
    };
    // The members of every open container: values with their span nodes, and object keys.
    let mut values: Vec<Value> = Vec::with_capacity(64);
    let mut value_nodes: Vec<u32> = Vec::with_capacity(64);
    let mut keys: Vec<String> = Vec::with_capacity(64);
    let mut key_start = 0u32;
    let mut stack: Vec<Frame> = Vec::with_capacity(16);
    let mut root: Option<Value> = None;
    let mut expect = Expect::Value;
    let mut prev_end = 0usize;
    let check_gaps = !text.is_ascii() || memchr::memchr2(0x0B, 0x0C, bytes).is_some();
    loop {
        let token = match scanner.scan() {
            Ok(t) => t,
            Err(_) => return Err(Rejected(prev_end)),
        };
        let (start, end) = (scanner.token_start(), scanner.token_end());
        // jsonc-parser also skips vertical tab, form feed and Unicode whitespace, which
        // JSON does not allow; only a text that has such bytes at all needs its gaps checked.
        if check_gaps && bytes[prev_end..start].iter().any(|&b| b >= 0x80 || b == 0x0B || b == 0x0C) {
            return Err(Rejected(prev_end));
        }
        prev_end = end;
        let Some(token) = token else { break };
        let in_object = stack.last().is_some_and(|f| f.object);
        let (value, node) = match token {
            Token::Comma => {
                if expect != Expect::CommaOrClose {
                    return Err(Rejected(start));
                }
                expect = if in_object { Expect::Key } else { Expect::Value };
                continue;
            }
            Token::Colon => {
                if expect != Expect::Colon {
                    return Err(Rejected(start));
                }
                expect = Expect::Value;
                continue;
            }
            Token::String(s) if matches!(expect, Expect::Key | Expect::KeyOrClose) => {
                keys.push(string_value(text, start, end, s).ok_or(Rejected(start))?);
                key_start = start as u32;
                expect = Expect::Colon;
                continue;
            }
            Token::CloseBrace | Token::CloseBracket => {
                let object = matches!(token, Token::CloseBrace);
                let fits = match expect {
                    Expect::CommaOrClose => in_object == object,
                    Expect::KeyOrClose => object,
                    Expect::ValueOrClose => !object,
                    _ => false,
                };
                let Some(f) = stack.pop().filter(|_| fits) else { return Err(Rejected(start)) };
                let kids_start = spans.kids.len();
                let value = if object {
                    let mut map = Map::with_capacity(values.len() - f.mark);
                    let mut duplicates = Vec::new();
                    let members = keys.drain(f.keys_mark..).zip(values.drain(f.mark..)).zip(&value_nodes[f.mark..]);
                    for ((key, value), &node) in members {
                        match map.entry(key) {
                            serde_json::map::Entry::Vacant(v) => {
                                v.insert(value);
                                spans.kids.push(node);
                            }
                            serde_json::map::Entry::Occupied(mut o) => {
                                // Rare: the first key's place gets the new value and node.
                                let key = o.key().clone();
                                o.insert(value);
                                let pos = map.keys().position(|k| *k == key).unwrap_or(0);
                                spans.kids[kids_start + pos] = node;
                                duplicates.push(key);
                            }
                        }
                    }
                    for key in duplicates {
                        let mut p = container_pointer(&stack, &keys, f.seg);
                        p.push('/');
                        p.push_str(&escape_token(&key));
                        spans.duplicate_keys.push(p);
                    }
                    Value::Object(map)
                } else {
                    spans.kids.extend_from_slice(&value_nodes[f.mark..]);
                    Value::Array(values.split_off(f.mark))
                };
                value_nodes.truncate(f.mark);
                let n = &mut spans.nodes[f.node as usize];
                n.end = end as u32;
                n.kids_start = kids_start as u32;
                n.kids_len = (spans.kids.len() - kids_start) as u32;
                (value, f.node)
            }
            Token::OpenBrace | Token::OpenBracket => {
                if !matches!(expect, Expect::Value | Expect::ValueOrClose) || stack.len() + 1 >= MAX_DEPTH {
                    return Err(Rejected(start));
                }
                let node = spans.nodes.len() as u32;
                let ks = if in_object { key_start } else { start as u32 };
                spans.nodes.push(SpanNode::leaf(ks, start, end));
                let seg = match stack.last() {
                    None => Seg::Root,
                    Some(p) if p.object => Seg::Key(keys.len() - 1),
                    Some(p) => Seg::Index(values.len() - p.mark),
                };
                let object = matches!(token, Token::OpenBrace);
                stack.push(Frame { node, mark: values.len(), keys_mark: keys.len(), object, seg });
                expect = if object { Expect::KeyOrClose } else { Expect::ValueOrClose };
                continue;
            }
            scalar if matches!(expect, Expect::Value | Expect::ValueOrClose) => {
                let value = match scalar {
                    Token::String(s) => Value::String(string_value(text, start, end, s).ok_or(Rejected(start))?),
                    Token::Number(raw) => Value::Number(number_value(raw).ok_or(Rejected(start))?),
                    Token::Boolean(b) => Value::Bool(b),
                    Token::Null => Value::Null,
                    _ => return Err(Rejected(start)),
                };
                let ks = if in_object { key_start } else { start as u32 };
                spans.nodes.push(SpanNode::leaf(ks, start, end));
                (value, spans.nodes.len() as u32 - 1)
            }
            _ => return Err(Rejected(start)),
        };
        // A complete value: it becomes a member of the innermost open container, or the root.
        if stack.is_empty() {
            root = Some(value);
            expect = Expect::End;
        } else {
            values.push(value);
            value_nodes.push(node);
            expect = Expect::CommaOrClose;
        }
    }
    match root {
        Some(v) if expect == Expect::End => Ok((v, spans)),
        _ => Err(Rejected(text.len())),
    }
}

/// The pointer of the container whose reference token in its parent is `seg`, the
/// containers around it being `stack`.
fn container_pointer(stack: &[Frame], keys: &[String], seg: Seg) -> String {
    let mut p = String::new();
    for s in stack.iter().map(|f| f.seg).chain([seg]) {
        match s {
            Seg::Root => {}
            Seg::Key(k) => {
                p.push('/');
                p.push_str(&escape_token(&keys[k]));
            }
            Seg::Index(i) => {
                p.push('/');
                p.push_str(&i.to_string());
            }
        }
    }
    p
}

/// A string token's value. jsonc-parser borrows strings without escapes (then only
/// control characters, which JSON forbids raw, need refusing); escaped ones are decoded
/// by serde_json so that escapes and surrogates mean exactly what they mean there.
fn string_value(text: &str, start: usize, end: usize, scanned: std::borrow::Cow<'_, str>) -> Option<String> {
    match scanned {
        std::borrow::Cow::Borrowed(s) => (!s.bytes().any(|b| b < 0x20)).then(|| s.to_owned()),
        std::borrow::Cow::Owned(_) => serde_json::from_str(text.get(start..end)?).ok(),
    }
}

/// A number token's value: plain non-negative integers directly, anything else (signs,
/// fractions, exponents, leading zeros, overflow) the way serde_json reads it.
fn number_value(raw: &str) -> Option<serde_json::Number> {
    let b = raw.as_bytes();
    if !b.is_empty() && b.len() <= 19 && b.iter().all(u8::is_ascii_digit) && (b[0] != b'0' || b.len() == 1) {
        return raw.parse::<u64>().ok().map(serde_json::Number::from);
    }
    serde_json::from_str(raw).ok()
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
    let prefix = &text[start..end];
    let units = if prefix.is_ascii() { prefix.len() } else { prefix.chars().map(char::len_utf16).sum() };
    let column = units + 1;
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
