//! Property tests: arbitrary input never panics the parser, linter, graph, diff or
//! fixer; a parsed-then-serialised register input equals the input.

use ecs_lens::core::{diff, fix, graph, lint, Document, LintOptions};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Arbitrary JSON values, small and nested.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "[a-zA-Z0-9_:/ .-]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("FARGATE"),
            Just("awsvpc"),
            Just("HEALTHY"),
            Just("SUCCESS"),
            Just("app"),
            Just("sidecar"),
            Just("256"),
            Just("512"),
            Just("0.25 vCPU"),
            Just("awslogs"),
            Just("xxx"),
            Just("true"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

/// Keys drawn mostly from the ECS model, so the generator reaches the rules' code paths.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "family", "containerDefinitions", "name", "image", "essential", "dependsOn", "containerName",
            "condition", "links", "volumesFrom", "sourceContainer", "environment", "value", "secrets",
            "valueFrom", "cpu", "memory", "memoryReservation", "networkMode", "requiresCompatibilities",
            "portMappings", "containerPort", "hostPort", "protocol", "healthCheck", "command", "entryPoint",
            "logConfiguration", "logDriver", "options", "linuxParameters", "capabilities", "add", "volumes",
            "mountPoints", "sourceVolume", "tags", "key", "user", "privileged", "taskDefinition",
            "executionRoleArn", "taskRoleArn", "dockerLabels", "firelensConfiguration", "efsVolumeConfiguration",
            "ephemeralStorage", "sizeInGiB", "runtimePlatform", "pidMode", "ipcMode", "revision", "status",
        ]).prop_map(str::to_string),
        1 => "[a-zA-Z_]{1,10}",
    ]
}

/// Task-definition-shaped values: a corpus document with random subtrees grafted in.
fn taskdef_like() -> impl Strategy<Value = Value> {
    let seeds: Vec<Value> = [
        include_str!("fixtures/corpus/datadog-fastapi.json"),
        include_str!("fixtures/corpus/web-nginx.json"),
        include_str!("fixtures/corpus/ec2-bridge.json"),
        include_str!("fixtures/corpus/firelens.json"),
        include_str!("fixtures/corpus/describe-wrapped.json"),
    ]
    .iter()
    .map(|t| serde_json::from_str(t).unwrap())
    .collect();
    (prop::sample::select(seeds), prop::collection::vec((any::<prop::sample::Index>(), field_name(), any_json()), 0..6))
        .prop_map(|(mut doc, grafts)| {
            for (at, key, value) in grafts {
                graft(&mut doc, at, key, value);
            }
            doc
        })
}

/// Put `value` under `key` in the object picked by `at` among all objects of `doc`.
fn graft(doc: &mut Value, at: prop::sample::Index, key: String, value: Value) {
    fn objects(v: &mut Value, out: &mut Vec<*mut Map<String, Value>>) {
        match v {
            Value::Object(m) => {
                out.push(m as *mut _);
                for (_, c) in m.iter_mut() {
                    objects(c, out);
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|c| objects(c, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    objects(doc, &mut all);
    if all.is_empty() {
        return;
    }
    let target = all[at.index(all.len())];
    // SAFETY: the pointers come from `doc`, which is borrowed mutably for this whole function
    // and not otherwise touched while `target` is used; no two pointers are used at once.
    unsafe { (*target).insert(key, value) };
}

fn exercise(doc: &Document) {
    let findings = lint(doc);
    for f in &findings {
        assert!(f.line >= 1 && f.column >= 1, "every finding is located: {f:?}");
        assert!(!f.rule.is_empty());
    }
    let g = graph::build(doc);
    assert_eq!(g.phases.iter().map(Vec::len).sum::<usize>(), g.nodes.len());
    let _ = diff::diff(doc, doc);
    let _ = fix::apply_fixes(doc, &LintOptions::default(), true);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        if let Ok(doc) = Document::parse(text) {
            exercise(&doc);
        }
    }

    #[test]
    fn arbitrary_json_never_panics(v in any_json()) {
        exercise(&Document::from_value(&v));
    }

    #[test]
    fn taskdef_like_never_panics_and_diff_with_itself_is_empty(v in taskdef_like()) {
        let doc = Document::from_value(&v);
        exercise(&doc);
        let d = diff::diff(&doc, &doc);
        prop_assert!(d.changes.is_empty(), "diff(x, x) has changes: {:?}", d.changes);
    }

    #[test]
    fn register_input_round_trips(v in taskdef_like()) {
        let doc = Document::from_value(&v);
        let input = doc.register_input();
        let text = serde_json::to_string_pretty(&input).unwrap();
        let reparsed = Document::parse(text.as_str()).unwrap();
        prop_assert_eq!(reparsed.value(), &input);
        // Key order too, not only equality of maps.
        prop_assert_eq!(serde_json::to_string(reparsed.value()).unwrap(), serde_json::to_string(&input).unwrap());
        prop_assert_eq!(reparsed.register_input(), input);
    }

    #[test]
    fn truncated_documents_give_located_errors(cut in 0usize..5000) {
        let text = include_str!("fixtures/corpus/datadog-fastapi.json");
        let cut = cut.min(text.len());
        if !text.is_char_boundary(cut) { return Ok(()); }
        match Document::parse(&text[..cut]) {
            Ok(doc) => exercise(&doc),
            Err(e) => prop_assert!(e.line >= 1 && e.column >= 1 && !e.message.is_empty()),
        }
    }
}

/// JSON-ish text near the edge of the language: valid documents (with escapes, unusual
/// numbers and Unicode) with one character inserted or deleted.
fn jsonish_text() -> impl Strategy<Value = String> {
    let string = r#""(\\[\\"/bfnrt]|\\u[0-9a-fA-FdD]{4}|\\[a-z]|[a-z é\u{1}]){0,5}""#;
    let number = "-?(0|[1-9][0-9]{0,20}|0[0-9])(\\.[0-9]{0,3})?([eE][+-]?[0-9]{0,3})?";
    let token = prop_oneof![
        Just(",".to_string()),
        Just(":".into()),
        Just("[".into()),
        Just("]".into()),
        Just("{".into()),
        Just("}".into()),
        Just(" ".into()),
        Just("\u{a0}".into()),
        Just("\u{feff}".into()),
        Just("\t".into()),
        Just("\u{b}".into()),
        Just("//".into()),
        Just("'".into()),
        Just("true".into()),
        Just("nul".into()),
        string.prop_map(|s| s),
        number.prop_map(|s| s)
    ];
    let valid = any_json().prop_map(|v| serde_json::to_string_pretty(&v).unwrap());
    (
        prop_oneof![valid, string.prop_map(|s| format!("{{\"k\": {s}}}")), number.prop_map(|n| format!("[{n}]"))],
        any::<prop::sample::Index>(),
        prop::option::of(token),
    )
        .prop_map(|(mut text, at, insert)| {
            let mut cut = at.index(text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            match insert {
                Some(t) => text.insert_str(cut, &t),
                None => {
                    if let Some(c) = text[cut..].chars().next() {
                        text.replace_range(cut..cut + c.len_utf8(), "");
                    }
                }
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(1024), ..ProptestConfig::default() })]

    /// The one-pass parser accepts exactly what serde_json accepts, builds the same value
    /// with the same key order, and reports errors where serde_json does.
    #[test]
    fn parser_agrees_with_serde_json(text in jsonish_text()) {
        let ours = Document::parse(text.as_str());
        let theirs = serde_json::from_str::<Value>(&text);
        match (&ours, &theirs) {
            (Ok(doc), Ok(v)) => {
                prop_assert_eq!(doc.value(), v);
                prop_assert_eq!(serde_json::to_string(doc.value()).unwrap(), serde_json::to_string(v).unwrap());
            }
            (Err(e), Err(s)) => prop_assert_eq!(e.line as usize, s.line()),
            _ => prop_assert!(false, "disagreement on {:?}: ours {:?}, serde_json {:?}", text, ours.as_ref().err(), theirs.as_ref().err()),
        }
    }
}

#[test]
fn nesting_limit_is_serde_jsons() {
    for n in 120..=135 {
        let text = format!("{}{}", "[{\"a\":".repeat(n / 2), "1}]".repeat(n / 2));
        let text = if n % 2 == 1 { format!("[{text}]") } else { text };
        assert_eq!(
            Document::parse(text.as_str()).is_ok(),
            serde_json::from_str::<Value>(&text).is_ok(),
            "nesting depth {n}"
        );
    }
}

#[test]
fn every_corpus_file_round_trips_byte_for_key_order() {
    for text in [
        include_str!("fixtures/corpus/datadog-fastapi.json"),
        include_str!("fixtures/corpus/web-nginx.json"),
        include_str!("fixtures/corpus/ten-containers.json"),
    ] {
        let doc = Document::parse(text).unwrap();
        let original: Value = serde_json::from_str(text).unwrap();
        assert_eq!(doc.register_input(), original, "a register input is its own register input");
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&doc.register_input()), keys(&original));
    }
}
