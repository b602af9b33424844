use serde_json::Value;

use crate::document::{Document, Shape, READ_ONLY_FIELDS};
use crate::finding::{Finding, Fix};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct TaskDefinitionTooLarge;

/// RegisterTaskDefinition's request size limit, in bytes.
pub const MAX_BYTES: usize = 65_536;
/// Above this, warn that the next change may not fit.
pub const WARN_BYTES: usize = MAX_BYTES / 10 * 9;

pub static META: RuleMeta = RuleMeta {
    id: "VAL008",
    name: "task-definition-too-large",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "The serialized task definition is larger than 64 KiB",
    what: crate::rules::doc(
        "Measures the RegisterTaskDefinition input this document stands for (read-only fields stripped, \
           Describe's sibling `tags` moved in), serialized as compact JSON, against the 65,536-byte limit. \
           Above 90% of the limit it warns without blocking.",
    ),
    why: crate::rules::doc(
        "ECS rejects larger task definitions: `Actual length: '66420'. Max allowed length is '65536' \
          bytes.` Large `environment` lists are the usual cause, and the limit is reached by the revision \
          that adds \"just one more variable\".",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "environment": [{"name": "BIG", "value": "… 70,000 characters …"}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Move configuration out of the task definition: variables into an S3 `environmentFiles` entry \
          (no size limit enforced by ECS), secrets into `secrets` references, long commands into the image.",
    ),
    references: &[Reference { tool: "AWS", id: "Service quota: task definition size (64 KiB)" }],
};

/// An `io::Write` that only counts.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn json_len<T: serde::Serialize + ?Sized>(v: &T) -> usize {
    let mut c = Counter(0);
    match serde_json::to_writer(&mut c, v) {
        Ok(()) => c.0,
        Err(_) => 0,
    }
}

/// Bytes serde_json writes for each byte of a string: `"` and `\` and the control
/// characters `\b \t \n \f \r` take two, the other control characters six (`\u00XX`),
/// everything else (UTF-8 included) one.
static ESCAPED_LEN: [u8; 256] = {
    let mut t = [1u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = match b {
            0x08 | 0x09 | 0x0A | 0x0C | 0x0D => 2,
            _ => 6,
        };
        b += 1;
    }
    t[b'"' as usize] = 2;
    t[b'\\' as usize] = 2;
    t
};

/// Length of a string as compact JSON (quotes and escapes included).
fn str_len(s: &str) -> usize {
    let b = s.as_bytes();
    // Eight bytes at a time: does any need escaping (below 0x20, `"` or `\`)? Usually not.
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let needs_escape = |x: u64| {
        x.wrapping_sub(ONES * 0x20) & !x & HIGH != 0
            || has_zero(x ^ (ONES * b'"' as u64))
            || has_zero(x ^ (ONES * b'\\' as u64))
    };
    let mut chunks = b.chunks_exact(8);
    let clean = chunks.by_ref().all(|c| !needs_escape(u64::from_le_bytes(c.try_into().unwrap_or_default())))
        && chunks.remainder().iter().all(|&c| ESCAPED_LEN[c as usize] == 1);
    if clean {
        return b.len() + 2;
    }
    2 + b.iter().map(|&c| ESCAPED_LEN[c as usize] as usize).sum::<usize>()
}

/// Length of `serde_json::to_string(v)`, counted without serialising strings and
/// containers (numbers go through serde_json's own formatting).
fn value_len(v: &Value) -> usize {
    match v {
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => json_len(n),
        Value::String(s) => str_len(s),
        Value::Array(a) => 2 + a.len().saturating_sub(1) + a.iter().map(value_len).sum::<usize>(),
        Value::Object(m) => {
            2 + m.len().saturating_sub(1) + m.iter().map(|(k, v)| str_len(k) + 1 + value_len(v)).sum::<usize>()
        }
    }
}

/// Byte length of `serde_json::to_string(&doc.register_input())`, computed without
/// building that value.
pub fn register_input_len(doc: &Document) -> usize {
    let (td, sibling_tags) = match doc.shape() {
        Shape::DescribeWrapped => (doc.value().get("taskDefinition"), doc.value().get("tags")),
        _ => (Some(doc.value()), None),
    };
    let Some(td) = td else { return value_len(&Value::Null) };
    let Some(map) = td.as_object() else { return value_len(td) };
    let is_empty_list = |v: &Value| v.as_array().is_some_and(Vec::is_empty);
    let mut len = 2; // {}
    let mut members = 0usize;
    for (k, v) in map {
        if READ_ONLY_FIELDS.contains(&k.as_str()) || (k == "tags" && is_empty_list(v)) {
            continue;
        }
        len += str_len(k) + 1 + value_len(v);
        members += 1;
    }
    if let Some(tags) = sibling_tags.filter(|t| !map.contains_key("tags") && !is_empty_list(t)) {
        len += str_len("tags") + 1 + value_len(tags);
        members += 1;
    }
    len + members.saturating_sub(1)
}

impl Rule for TaskDefinitionTooLarge {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // Compact output is never much longer than the text; skip the count for small documents.
        if cx.doc.text().len() < WARN_BYTES / 4 {
            return;
        }
        let len = register_input_len(cx.doc);
        if len <= WARN_BYTES {
            return;
        }
        let pointer = cx.td.ptr("containerDefinitions");
        let advice = || {
            Fix::advice(
                "Move variables into an S3 `environmentFiles` entry, secrets into `secrets`, and long scripts into the image",
            )
        };
        if len > MAX_BYTES {
            out.push(
                Finding::new(
                    &META,
                    pointer,
                    format!(
                        "the task definition is {len} bytes as sent to RegisterTaskDefinition; ECS allows at most \
                         {MAX_BYTES} (ECS: \"Actual length: '{len}'. Max allowed length is '{MAX_BYTES}' bytes.\")"
                    ),
                )
                .with_fix_from(cx, advice),
            );
        } else if len > WARN_BYTES {
            let mut f = Finding::new(
                &META,
                pointer,
                format!("the task definition is {len} bytes, over 90% of ECS's {MAX_BYTES}-byte limit"),
            )
            .with_fix_from(cx, advice)
            .with_severity(Severity::Low);
            f.blocks_registration = false;
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn with_env_bytes(n: usize) -> Value {
        let mut td = base();
        td["containerDefinitions"][0]["environment"] = json!([{"name": "BIG", "value": "x".repeat(n)}]);
        td
    }

    #[test]
    fn measures_the_register_input() {
        for text in [
            SEED.to_string(),
            json!({"taskDefinition": {"family": "f", "revision": 3, "containerDefinitions": [{"name": "é\n"}]},
                   "tags": [{"key": "k", "value": "v"}]})
            .to_string(),
            json!({"family": "f", "status": "ACTIVE", "tags": [], "containerDefinitions": []}).to_string(),
            json!({"taskDefinition": {"family": "f", "tags": []}, "tags": [{"key": "k"}]}).to_string(),
            "[1, 2.5e3]".to_string(),
            // Escapes, control characters, non-ASCII, DEL, numbers of every kind.
            r#"{"family": "q\"b\\s\/\b\f\n\r\t\u0001\u001f\u007f é 🙂", "a\u0000": [null, true, false, -0, 0.1, 1e300,
               -12345678901234567890, 18446744073709551615, 1.5E-7, {}, [], ""]}"#
                .to_string(),
        ]
        .into_iter()
        .chain(
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/corpus"))
                .unwrap()
                .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()),
        ) {
            let doc = Document::parse(text).unwrap();
            assert_eq!(register_input_len(&doc), serde_json::to_string(&doc.register_input()).unwrap().len());
        }
    }

    #[test]
    fn flags_over_64_kib_and_warns_near_it() {
        let f = check_value(&TaskDefinitionTooLarge, with_env_bytes(70_000));
        assert_eq!(f.len(), 1);
        assert!(f[0].blocks_registration);
        assert!(f[0].message.contains("Max allowed length is '65536' bytes."), "{}", f[0].message);
        let f = check_value(&TaskDefinitionTooLarge, with_env_bytes(62_000));
        assert_eq!(f.len(), 1);
        assert!(!f[0].blocks_registration);
        assert_eq!(f[0].severity, Severity::Low);
    }

    #[test]
    fn small_documents_pass() {
        assert!(check(&TaskDefinitionTooLarge, SEED).is_empty());
        assert!(check_value(&TaskDefinitionTooLarge, with_env_bytes(50_000)).is_empty());
    }
}
