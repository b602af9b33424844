//! One loop over the whole catalogue ([`all_rules`]), so that every rule, present and future,
//! gets the same checks:
//!
//! 1. its documented example (`RuleMeta::example`, see [`example_text`]) triggers it;
//! 2. its findings are the same in both document shapes, bare and Describe-wrapped
//!    (`{"taskDefinition": td, "tags": []}`): pointers and fix paths prefixed with
//!    `/taskDefinition` (or, for tags, under the wrapper's `/tags`), same messages, fixes and
//!    positions; every pointer resolves (or its parent does, for a missing field) and every
//!    position is inside the text;
//! 3. hostile documents (wrong JSON types anywhere, both shapes) never panic it;
//! 4. each of its machine-applicable fixes applies and resolves its finding;
//! 5. no secret value reaches any output: text, JSON and SARIF reports, the masked document,
//!    diffs and their rendering, applied fixes;
//! 6. its messages on its example are snapshots (`snapshots/<ID>.snap`), so that a wording
//!    change is reviewed.
//!
//! Checks 2 and 4 run on the examples and on a few task definitions where many rules fire at
//! once ([`fixtures`]).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::testing::{
    base, check_doc, check_value, example_text, hostile_documents, hostile_field_documents, wrap_text,
    wrong_type_variants, Checker, SEED, WRAP_PREFIX,
};
use super::{all_rules, secrets, LintOptions, Rule};
use crate::diff::{diff, render_text};
use crate::document::Document;
use crate::finding::{Finding, Fix};
use crate::fix::{apply_fixes, apply_patch};
use crate::mask::{mask_document, MASK};
use crate::report::{self, FileReport};

/// Run `check` on every rule; fail once at the end, naming every rule that failed and why
/// (so that one broken rule does not hide the others).
fn each_rule(check: impl Fn(&'static dyn Rule)) {
    let mut failed = Vec::new();
    for rule in all_rules() {
        if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(rule))) {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failed.push(format!("{}: {}", rule.meta().id, why.lines().next().unwrap_or("")));
        }
    }
    assert!(failed.is_empty(), "{} rule(s) failed:\n{}", failed.len(), failed.join("\n"));
}

fn parse(text: &str) -> Document {
    Document::parse(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

/// A task definition on which many rules fire at once (the fixtures of the per-family loops
/// this module replaced), with the rules that must fire on it in every shape.
struct Fixture {
    name: &'static str,
    td: Value,
    fires: &'static [&'static str],
}

fn fixtures() -> Vec<Fixture> {
    let validity_wrapped = {
        let mut td = base();
        td["cpu"] = json!(256);
        td["revision"] = json!(4);
        td["containerDefinitions"][0]["memoryReservaton"] = json!(128);
        td["containerDefinitions"][0]["portMappings"] = json!([{"containerPort": 80, "hostPort": 81}]);
        td["containerDefinitions"][0]["environment"] = json!([{"name": "", "value": "x"}]);
        td["containerDefinitions"][0]["mountPoints"] = json!([{"sourceVolume": "nope", "containerPath": "/x"}]);
        td["tags"] = json!([{"key": "aws:x", "value": "1"}]);
        td
    };
    let validity_fixes = {
        let mut td = base();
        td["cpu"] = json!(256);
        td["networkMode"] = json!("AWSVPC");
        td["containerDefinitions"][0]["essential"] = json!("true");
        td["containerDefinitions"][0]["healthCheck"] = json!({"command": ["curl localhost"], "interval": 1});
        td["containerDefinitions"][0]["Image"] = json!("x");
        td["containerDefinitions"][0]["portMappings"] = json!([{"containerPort": 80, "hostPort": 81}]);
        td
    };
    let fargate_everything = json!({
        "family": "bad", "requiresCompatibilities": ["FARGATE"], "networkMode": "bridge",
        "cpu": "300", "memory": "100", "ipcMode": "host", "pidMode": "host",
        "placementConstraints": [{"type": "memberOf"}], "ephemeralStorage": {"sizeInGiB": 900},
        "volumes": [{"name": "v", "host": {"sourcePath": "/x"}}],
        "containerDefinitions": [{
            "name": "app", "image": "1.dkr.ecr.eu-west-1.amazonaws.com/app:1", "privileged": true,
            "links": ["db"], "stopTimeout": 500,
            "linuxParameters": {
                "capabilities": {"add": ["NET_ADMIN"]}, "tmpfs": [{"containerPath": "/t", "size": 1}]
            },
            "logConfiguration": {"logDriver": "syslog"}
        }]
    });
    let fargate_patches = {
        let mut td = base();
        td["networkMode"] = json!("bridge");
        td["memory"] = json!("4096");
        td["ipcMode"] = json!("host");
        td["ephemeralStorage"] = json!({"sizeInGiB": 10});
        td["containerDefinitions"][0]["stopTimeout"] = json!(500);
        td["containerDefinitions"][0]["linuxParameters"] = json!({"capabilities": {"add": ["ALL"]}, "maxSwap": 1});
        td["containerDefinitions"][0]["resourceRequirements"] = json!([{"type": "GPU", "value": "1"}]);
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": "gelf"});
        td
    };
    let security = {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["taskRoleArn"] = td["executionRoleArn"].clone();
        td["pidMode"] = "host".into();
        td["containerDefinitions"][0]["privileged"] = true.into();
        td["containerDefinitions"][0]["image"] = "nginx".into();
        td["volumes"] = json!([{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}]);
        td
    };
    let operability = {
        let mut td = base();
        td["containerDefinitions"][0]["portMappings"] = json!([{"containerPort": 80}]);
        td["containerDefinitions"][0]["entryPoint"] = json!(["sh", "-c"]);
        td["containerDefinitions"][0]["command"] = json!(["run"]);
        td
    };
    vec![
        Fixture {
            name: "validity, Describe output",
            td: validity_wrapped,
            fires: &["VAL001", "VAL002", "VAL004", "VAL014", "VAL019", "VAL029", "VAL033"],
        },
        Fixture {
            name: "validity fixes",
            td: validity_fixes,
            fires: &["VAL001", "VAL004", "VAL005", "VAL016", "VAL017", "VAL018"],
        },
        Fixture {
            name: "fargate, everything wrong",
            td: fargate_everything,
            fires: &[
                "FAR001", "FAR002", "FAR003", "FAR004", "FAR005", "FAR006", "FAR007", "FAR009", "FAR010", "FAR011",
                "FAR012",
            ],
        },
        Fixture {
            name: "fargate patches",
            td: fargate_patches,
            fires: &[
                "FAR001", "FAR002", "FAR003", "FAR004", "FAR005", "FAR006", "FAR007", "FAR010", "FAR011", "FAR012",
            ],
        },
        Fixture {
            name: "security",
            td: security,
            fires: &["HAR001", "HAR003", "HAR005", "HAR006", "HAR008", "HAR009", "HAR010", "HAR011"],
        },
        Fixture { name: "operability", td: operability, fires: &["OPS001", "OPS004", "OPS006", "OPS008"] },
    ]
}

/// The bare task-definition texts checks 2 and 4 run a rule on: its example, then the fixtures.
fn cases(rule: &dyn Rule) -> Vec<(String, String)> {
    let m = rule.meta();
    let mut out = vec![(format!("{}'s example", m.id), example_text(m))];
    out.extend(fixtures().into_iter().map(|f| (format!("fixture `{}`", f.name), pretty(&f.td))));
    out
}

// ------------------------------------------------------------------------------------- 1. examples

#[test]
fn every_example_triggers_its_rule() {
    each_rule(|rule| {
        let m = rule.meta();
        let found = check_doc(rule, &parse(&example_text(m)));
        assert!(!found.is_empty(), "{} {}: its documented example does not trigger it", m.id, m.name);
    });
}

#[test]
fn example_placeholders_expand() {
    let m = super::rule("VAL008").unwrap().meta();
    let text = example_text(m);
    assert!(m.example.contains("\"… 70,000 characters …\""), "VAL008's example says how long its value is");
    assert!(text.contains(&format!("\"{}\"", "x".repeat(70_000))) && !text.contains('…'));
    for rule in all_rules().filter(|r| r.meta().id != "VAL008") {
        assert_eq!(example_text(rule.meta()), rule.meta().example, "{}: nothing to expand", rule.meta().id);
    }
}

#[test]
fn fixtures_fire_what_they_are_for() {
    for fx in fixtures() {
        let bare = pretty(&fx.td);
        for text in [bare.clone(), wrap_text(&bare)] {
            let doc = parse(&text);
            for id in fx.fires {
                let rule = super::rule(id).unwrap();
                assert!(!check_doc(rule, &doc).is_empty(), "fixture `{}`: {id} does not fire", fx.name);
            }
        }
    }
}

// ------------------------------------------------------------------------------ 2. both shapes

/// Line/column of a finding are inside `text` (1-based, columns in UTF-16 units), and its
/// end is not before its start.
fn assert_inside(text: &str, f: &Finding, what: &str) {
    let lines: Vec<&str> = text.split('\n').collect();
    for (line, column) in [(f.line, f.column), (f.end_line, f.end_column)] {
        assert!(line >= 1 && line as usize <= lines.len(), "{what}: {} line {line} outside the text", f.rule);
        let width = lines[line as usize - 1].encode_utf16().count() as u32;
        assert!(column >= 1 && column <= width + 1, "{what}: {} column {column} outside line {line}", f.rule);
    }
    assert!((f.end_line, f.end_column) >= (f.line, f.column), "{what}: {} ends before it starts", f.rule);
}

/// Every pointer names a node of `doc`, or (a missing field) one whose parent exists; a pointer
/// that does not resolve comes with no fix, or one that adds what is missing. Fix paths are in
/// the document's own shape.
fn assert_placed(doc: &Document, f: &Finding, what: &str) {
    let value = doc.value();
    let resolves = value.pointer(&f.pointer).is_some();
    if !resolves {
        let parent = f.pointer.rsplit_once('/').map(|(p, _)| p);
        assert!(
            parent.and_then(|p| value.pointer(p)).is_some_and(|p| p.is_object() || p.is_array()),
            "{what}: {} points at {}, which is not there, nor its parent",
            f.rule,
            f.pointer
        );
        if let Some(fix) = f.fix.as_ref().filter(|x| x.is_applicable()) {
            assert_eq!(
                fix.patch[0]["op"], "add",
                "{what}: {} points at the missing {}: its fix adds it",
                f.rule, f.pointer
            );
        }
    }
    let wrapped = doc.base() == "/taskDefinition";
    let in_shape = |p: &str| {
        if wrapped {
            p == "/taskDefinition" || p.starts_with("/taskDefinition/") || p == "/tags" || p.starts_with("/tags/")
        } else {
            !p.starts_with("/taskDefinition")
        }
    };
    assert!(in_shape(&f.pointer), "{what}: {} pointer {} is not in the document's shape", f.rule, f.pointer);
    for op in f.fix.iter().flat_map(|x| x.patch.as_array().cloned().unwrap_or_default()) {
        for key in ["path", "from"] {
            if let Some(p) = op.get(key) {
                let p = p.as_str().unwrap_or_else(|| panic!("{what}: {} fix {key} is a string: {op}", f.rule));
                assert!(in_shape(p) && p.starts_with('/'), "{what}: {} fix {key} {p} is not in the shape", f.rule);
            }
        }
    }
}

/// A fix with its patch's paths mapped.
fn map_fix(fix: &Fix, map: &dyn Fn(&str) -> String) -> Fix {
    let mut fix = fix.clone();
    for op in fix.patch.as_array_mut().into_iter().flatten() {
        for key in ["path", "from"] {
            if let Some(Value::String(p)) = op.get_mut(key) {
                *p = map(p);
            }
        }
    }
    fix
}

/// The wrapped findings are the bare ones with pointers mapped (`map`), same messages,
/// severities, containers and fixes; when `positions` (the wrapper around the same text), at
/// the same line and column, shifted by [`WRAP_PREFIX`] on the first line. What is left over is about tags, which the wrapper keeps
/// beside the task definition: those are under `/tags` (the wrapper's empty list is a finding
/// of its own), and a rule left over in the bare shape (its findings about no tags at all)
/// is left over in the wrapped one too.
fn assert_same_findings(
    what: &str,
    bare: &[Finding],
    wrapped: &[Finding],
    map: &dyn Fn(&str) -> String,
    positions: bool,
) {
    let mut left: Vec<&Finding> = wrapped.iter().collect();
    let mut bare_left: BTreeMap<&str, usize> = BTreeMap::new();
    for b in bare {
        let p = map(&b.pointer);
        let Some(i) = left.iter().position(|w| w.rule == b.rule && w.pointer == p && w.message == b.message) else {
            *bare_left.entry(&b.rule).or_default() += 1;
            continue;
        };
        let w = left.remove(i);
        let ctx = format!("{what}: {} at {}", b.rule, b.pointer);
        assert_eq!(
            (w.severity, w.category, w.blocks_registration),
            (b.severity, b.category, b.blocks_registration),
            "{ctx}"
        );
        assert_eq!(w.container, b.container, "{ctx}");
        assert_eq!(w.fix, b.fix.as_ref().map(|x| map_fix(x, map)), "{ctx}: the wrapped fix is the bare one, mapped");
        if positions {
            let shift =
                |line: u32, column: u32| (line, if line == 1 { column + WRAP_PREFIX.len() as u32 } else { column });
            // The whole document bare is `"taskDefinition": …` wrapped, its key included.
            let start = if b.pointer.is_empty() { (1, 2) } else { shift(b.line, b.column) };
            assert_eq!((w.line, w.column), start, "{ctx}: start");
            assert_eq!((w.end_line, w.end_column), shift(b.end_line, b.end_column), "{ctx}: end");
        }
    }
    let mut wrapped_left: BTreeMap<&str, usize> = BTreeMap::new();
    for w in left {
        assert!(
            w.pointer == "/tags" || w.pointer.starts_with("/tags/"),
            "{what}: {} {} ({}) has no bare counterpart",
            w.rule,
            w.pointer,
            w.message
        );
        *wrapped_left.entry(&w.rule).or_default() += 1;
    }
    for rule in bare_left.keys() {
        assert!(
            wrapped_left.contains_key(rule),
            "{what}: {rule} reports {bare_left:?} in the bare shape that the wrapped one does not, about tags or else"
        );
    }
}

#[test]
fn findings_agree_in_both_shapes_and_are_placed() {
    let prefixed = |p: &str| format!("/taskDefinition{p}");
    let sibling_tags = |p: &str| if p == "/tags" || p.starts_with("/tags/") { p.to_string() } else { prefixed(p) };
    each_rule(|rule| {
        for (label, text) in cases(rule) {
            let what = format!("{} on {label}", rule.meta().id);
            let doc = parse(&text);
            let bare = check_doc(rule, &doc);
            for f in &bare {
                assert_placed(&doc, f, &what);
                assert_inside(&text, f, &what);
            }
            // Describe output: {"taskDefinition": td, "tags": []}, around the text.
            let wrapped_text = wrap_text(&text);
            let wrapped_doc = parse(&wrapped_text);
            let wrapped = check_doc(rule, &wrapped_doc);
            for f in &wrapped {
                assert_placed(&wrapped_doc, f, &format!("{what}, wrapped"));
                assert_inside(&wrapped_text, f, &format!("{what}, wrapped"));
            }
            assert_same_findings(&format!("{what}, wrapped"), &bare, &wrapped, &prefixed, true);
            // Describe output with the task definition's own tags beside it, where it has any.
            let mut td: Value = doc.value().clone();
            if let Some(tags) = td.as_object_mut().and_then(|m| m.shift_remove("tags")) {
                let sibling_text = pretty(&json!({"taskDefinition": td, "tags": tags}));
                let sibling_doc = parse(&sibling_text);
                let sibling = check_doc(rule, &sibling_doc);
                for f in &sibling {
                    assert_placed(&sibling_doc, f, &format!("{what}, tags beside"));
                    assert_inside(&sibling_text, f, &format!("{what}, tags beside"));
                }
                let bare_value = check_value(rule, doc.value().clone());
                assert_same_findings(&format!("{what}, tags beside"), &bare_value, &sibling, &sibling_tags, false);
            }
        }
    });
}

// --------------------------------------------------------------------------------- 3. hostile

/// Wrong types where a few odd values are enough: one of each kind of JSON value (a bool reads
/// like a number to a rule that wants a string or a number), one at a time, at every node of
/// an example (`testing::odd_values` has more, for [`hostile_field_documents`]).
fn wrong_types_of(example: &Value) -> Vec<Value> {
    wrong_type_variants(example, &[json!(null), json!(-1.5), json!("x"), json!([1, "a", null]), json!({"a": [1]})])
}

/// A document in both shapes: as given and Describe-wrapped.
fn both_shapes(v: &Value) -> [Document; 2] {
    let text = serde_json::to_string(v).unwrap();
    [parse(&text), parse(&wrap_text(&text))]
}

/// Runs rules over hostile documents, each rule alone with fixes on (a [`Checker`]), and
/// collects the first failure of each rule: a panic, or a Describe-wrapped document's finding
/// outside `/taskDefinition` and `/tags`.
#[derive(Default)]
struct Hostile {
    failed: BTreeMap<&'static str, String>,
}

impl Hostile {
    fn run(&mut self, rule: &'static dyn Rule, checker: &Checker<'_>, doc: &Document) {
        let id = rule.meta().id;
        if self.failed.contains_key(id) {
            return;
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let found = checker.check(rule);
            if doc.base() == "/taskDefinition" {
                for f in &found {
                    assert!(
                        f.pointer.starts_with("/taskDefinition") || f.pointer.starts_with("/tags"),
                        "pointer {} outside the wrapped task definition",
                        f.pointer
                    );
                }
            }
        }));
        if let Err(e) = outcome {
            let why = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            self.failed.insert(id, format!("{} on {}", why.unwrap_or_default(), doc.text()));
        }
    }

    fn assert_none_failed(self) {
        assert!(
            self.failed.is_empty(),
            "{} rule(s) failed on hostile documents:\n{:#?}",
            self.failed.len(),
            self.failed
        );
    }
}

/// Every rule over [`hostile_documents`] in both shapes, and over [`hostile_field_documents`]
/// (about a thousand variants of one small task definition, bare: the wrapper is exercised by
/// the others).
#[test]
fn hostile_documents_never_panic() {
    let mut hostile = Hostile::default();
    let field_documents = hostile_field_documents().into_iter().map(|v| parse(&serde_json::to_string(&v).unwrap()));
    for doc in hostile_documents().iter().flat_map(both_shapes).chain(field_documents) {
        let checker = Checker::new(&doc);
        for rule in all_rules() {
            hostile.run(rule, &checker, &doc);
        }
    }
    hostile.assert_none_failed();
}

/// Every rule over its own example with wrong types at every node, both shapes. (The example
/// as written: VAL008's, expanded to 70 kB, would only make this slower.)
#[test]
fn examples_with_wrong_types_never_panic() {
    let mut hostile = Hostile::default();
    for rule in all_rules() {
        for v in wrong_types_of(parse(rule.meta().example).value()) {
            for doc in both_shapes(&v) {
                hostile.run(rule, &Checker::new(&doc), &doc);
            }
        }
    }
    hostile.assert_none_failed();
}

// ----------------------------------------------------------------------------------- 4. fixes

/// Rules one of whose fixes leaves another finding of the rule at the same pointer (with
/// another message): for them, the rule's findings there get fewer instead. Kept minimal:
/// the test fails when a rule listed here no longer needs it.
///
/// - SDC007: a traced container with neither `dependsOn` nor `linuxParameters` has two
///   findings on the container itself (no wait for the init container, no `SYS_PTRACE`); each
///   fix resolves one.
const FIX_LEAVES_ANOTHER_FINDING_THERE: &[&str] = &["SDC007"];

#[test]
fn fixes_apply_and_resolve_their_finding() {
    let needed: std::cell::RefCell<Vec<&str>> = Default::default();
    each_rule(|rule| {
        let id = rule.meta().id;
        for (label, text) in cases(rule) {
            for text in [text.clone(), wrap_text(&text)] {
                let doc = parse(&text);
                let before = check_doc(rule, &doc);
                for f in &before {
                    let Some(fix) = f.fix.as_ref().filter(|x| x.is_applicable()) else { continue };
                    let what = format!("{id} on {label} at {}", f.pointer);
                    let mut value = doc.value().clone();
                    apply_patch(&mut value, fix).unwrap_or_else(|e| panic!("{what}: the fix does not apply: {e}"));
                    let after = check_value(rule, value);
                    assert!(after.len() <= before.len(), "{what}: the fix adds findings of its rule: {after:#?}");
                    let there: Vec<&Finding> = after.iter().filter(|g| g.pointer == f.pointer).collect();
                    if there.is_empty() {
                        continue;
                    }
                    assert!(
                        FIX_LEAVES_ANOTHER_FINDING_THERE.contains(&id),
                        "{what}: the fix does not resolve the finding ({}); now: {there:#?}",
                        f.message
                    );
                    assert!(there.iter().all(|g| g.message != f.message), "{what}: the fix does not resolve it");
                    assert!(after.len() < before.len(), "{what}: the fix leaves as many findings");
                    needed.borrow_mut().push(id);
                }
            }
        }
    });
    for id in FIX_LEAVES_ANOTHER_FINDING_THERE {
        assert!(
            needed.borrow().contains(id),
            "{id} is listed in FIX_LEAVES_ANOTHER_FINDING_THERE but does not need to be"
        );
    }
}

// --------------------------------------------------------------------------------- 5. secrets

/// What the seed's plaintext credentials are set to here (realistic values, not `xxx`).
const DD_API_KEY: &str = "0123456789abcdef0123456789abcdef";
const MYSQL_PW: &str = "S3cr3t-Passw0rd!";

/// The secret value in each secrets rule's example.
const EXAMPLE_SECRETS: &[(&str, &str)] = &[
    ("SEC001", "0123456789abcdef0123456789abcdef"),
    ("SEC002", "0123456789abcdef0123456789abcdef"),
    ("SEC003", "Sup3rS3cret"),
    ("SEC004", "hunter2hunter2"),
    ("SEC005", "S3cr3tPassw0rd"),
    ("SEC006", "p@ss word!"),
    ("SEC007", "Hunter2Hunter2"),
    ("SEC008", "ghp_0123456789abcdefABCDEF0123456789abcd"),
];

/// The seed with its two plaintext credentials set.
fn seed_with_credentials() -> String {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    for c in v["containerDefinitions"].as_array_mut().unwrap() {
        for e in c["environment"].as_array_mut().into_iter().flatten() {
            match e["name"].as_str() {
                Some("DD_API_KEY") => e["value"] = json!(DD_API_KEY),
                Some("MYSQL_PW") => e["value"] = json!(MYSQL_PW),
                _ => {}
            }
        }
    }
    pretty(&v)
}

/// Everything a viewer of `text` (one revision, and its diff with a changed and a masked
/// one) may see: the reports in every format, the masked document, the diffs in JSON and as
/// text, the fixes `ecs-lens fix` applies.
fn outputs(text: &str, changed: &str) -> Vec<(String, String)> {
    let doc = parse(text);
    let mut out = Vec::new();
    let files = vec![FileReport::lint_text("taskdef.json", text, &LintOptions::default())];
    assert!(files[0].findings.iter().any(|f| f.rule.starts_with("SEC")), "the secret is found: {text}");
    out.push(("text report".into(), report::text(&files, false)));
    out.push(("text report in colour".into(), report::text(&files, true)));
    out.push(("JSON report".into(), report::json(&files)));
    let mut sarif = report::sarif(&files);
    // The rules' documentation (examples included) is the catalogue's, not the document's.
    let tool = sarif["runs"][0].as_object_mut().unwrap().shift_remove("tool").unwrap();
    assert_eq!(tool, report::sarif(&[])["runs"][0]["tool"], "SARIF's rule list does not depend on the input");
    out.push(("SARIF".into(), sarif.to_string()));
    let masked_value = mask_document(&doc);
    assert!(masked_value.to_string().contains(MASK), "the masked document masks something");
    out.push(("masked document".into(), masked_value.to_string()));
    let masked = Document::from_value(&masked_value);
    let changed = parse(changed);
    for (name, other) in [("changed", &changed), ("masked", &masked)] {
        for (label, d) in
            [(format!("diff to the {name}"), diff(&doc, other)), (format!("diff from the {name}"), diff(other, &doc))]
        {
            assert!(!d.is_empty(), "{label}");
            if name == "changed" {
                assert!(
                    serde_json::to_string(&d.changes).unwrap().contains(MASK),
                    "{label}: a changed secret is masked"
                );
            }
            out.push((format!("{label}, JSON"), serde_json::to_string(&d).unwrap()));
            out.push((format!("{label}, text"), render_text(&d, false)));
            out.push((format!("{label}, text in colour"), render_text(&d, true)));
        }
    }
    let fixed = apply_fixes(&doc, &LintOptions::default(), true);
    out.push(("applied fixes".into(), serde_json::to_string(&(&fixed.applied, &fixed.failed)).unwrap()));
    out
}

#[test]
fn no_secret_value_in_any_output() {
    let mut documents: Vec<(String, String, Vec<&str>)> =
        vec![("the seed".into(), seed_with_credentials(), vec![DD_API_KEY, MYSQL_PW])];
    for rule in secrets::RULES {
        let m = rule.meta();
        let secret = EXAMPLE_SECRETS.iter().find(|(id, _)| *id == m.id).map(|(_, s)| *s);
        let secret = secret.unwrap_or_else(|| panic!("{}: list its example's secret value in EXAMPLE_SECRETS", m.id));
        assert!(m.example.contains(secret), "{}: the example holds {secret}", m.id);
        documents.push((format!("{}'s example", m.id), example_text(m), vec![secret]));
    }
    assert_eq!(documents.len(), EXAMPLE_SECRETS.len() + 1, "EXAMPLE_SECRETS lists secrets rules only");
    for (label, text, secrets) in documents {
        // Another revision with other secret values (the same ones backwards).
        let others: Vec<String> = secrets.iter().map(|s| s.chars().rev().collect()).collect();
        let mut changed = text.clone();
        for (s, o) in secrets.iter().zip(&others) {
            changed = changed.replace(s, o);
        }
        let all: Vec<&str> = secrets.iter().copied().chain(others.iter().map(String::as_str)).collect();
        for (shape, text, changed) in
            [("bare", text.clone(), changed.clone()), ("wrapped", wrap_text(&text), wrap_text(&changed))]
        {
            for (output, shown) in outputs(&text, &changed) {
                for secret in &all {
                    assert!(!shown.contains(secret), "{label} ({shape}): {output} shows `{secret}`:\n{shown}");
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------- 6. snapshots

/// A rule's findings on its example as a reviewer reads them.
fn rendered(rule: &dyn Rule) -> String {
    let m = rule.meta();
    let found = check_doc(rule, &parse(&example_text(m)));
    let mut out = format!(
        "{} {} ({}{}) — {} finding(s) on its example\n",
        m.id,
        m.name,
        m.severity.as_str(),
        if m.blocks_registration { ", blocks registration" } else { "" },
        found.len()
    );
    for f in &found {
        let at = if f.pointer.is_empty() { "(the whole document)" } else { &f.pointer };
        out.push_str(&format!("\n{} {at}\n  message: {}\n", f.severity.as_str(), f.message));
        if let Some(c) = &f.container {
            out.push_str(&format!("  container: {c}\n"));
        }
        if f.blocks_registration != m.blocks_registration {
            out.push_str(&format!("  blocks registration: {}\n", f.blocks_registration));
        }
        match &f.fix {
            None => out.push_str("  fix: none\n"),
            Some(fix) => {
                let kind = if fix.is_applicable() { "patch" } else { "advice" };
                let safe = if fix.safe { "safe" } else { "unsafe" };
                out.push_str(&format!("  fix ({kind}, {safe}): {}\n", fix.description));
            }
        }
    }
    out
}

#[test]
fn messages_on_examples_are_reviewed() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for rule in all_rules() {
            insta::assert_snapshot!(rule.meta().id, rendered(rule));
        }
    });
}

#[test]
fn the_ruleset_version_is_stable_and_names_the_catalogue() {
    let v = super::ruleset_version();
    assert_eq!(v, super::ruleset_version(), "the same rule set, the same version");
    assert!(v.starts_with(env!("CARGO_PKG_VERSION")), "{v}");
    assert!(v.contains(&format!("-r{}-", super::RULES_REVISION)), "{v}");
    assert_eq!(v.rsplit('-').next().unwrap().len(), 16, "{v}");
}
