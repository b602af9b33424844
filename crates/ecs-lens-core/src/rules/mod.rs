//! The rule catalogue and the linter.
//!
//! One rule = one file under a category folder, named after the rule
//! (`security/container_runs_as_root.rs` holds `container-runs-as-root`), exporting a
//! unit struct that implements [`Rule`] and a `static META: RuleMeta` with its stable id
//! and docs (what / why / example / fix, like ruff's rule pages). Each category's `mod.rs`
//! lists its rules in `RULES`; [`all_rules`] concatenates the categories. What rules share is
//! the rule-authoring kit ([`kit`]); the few files of a family that hold no rule (`util.rs`,
//! `places.rs`, `detect.rs` …) are that family's own helpers.

use serde::Serialize;

use super::document::Document;
use super::finding::{Category, Finding, Severity};
use super::model::TaskDef;

pub mod dependencies;
pub mod fargate;
pub mod kit;
pub mod operability;
pub mod secrets;
pub mod security;
pub mod sidecars;
pub mod validity;

#[cfg(test)]
mod catalogue_tests;

/// A reference to the same check in another tool.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Reference {
    /// "Security Hub", "Prowler", "Checkov", "Trivy", "cfn-lint", "AWS" …
    pub tool: &'static str,
    /// The tool's id for the check, e.g. "ECS.5", "CKV_AWS_97".
    pub id: &'static str,
}

/// Static description of a rule: identity and documentation.
///
/// Ids are stable: the category's prefix ([`Category::id_prefix`]) and three digits,
/// e.g. `SEC001`. Users select and ignore rules by id (CLI flags, CI configs), so an id
/// is never reused or renumbered: a retired rule's id leaves a gap, and a new rule takes
/// the next number after the highest its category ever used.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    /// Stable id, never reused: `SEC001`, `VAL012`, …
    pub id: &'static str,
    /// Kebab-case name, e.g. `plaintext-secret-in-environment`; the rule's file is named
    /// after it (`plaintext_secret_in_environment.rs`).
    pub name: &'static str,
    pub severity: Severity,
    pub category: Category,
    /// True when ECS's RegisterTaskDefinition would reject a document with this finding.
    pub blocks_registration: bool,
    /// One line: what the rule flags.
    pub summary: &'static str,
    /// What it checks (Markdown).
    pub what: &'static str,
    /// Why it matters (Markdown).
    pub why: &'static str,
    /// A task definition (bare shape, JSON) that triggers the rule, as the catalogue test
    /// checks. A string written `"… N characters …"` stands for N characters.
    pub example: &'static str,
    /// How to fix it (Markdown; may include a corrected fragment).
    pub fix: &'static str,
    /// The same check in other tools, where one exists.
    pub references: &'static [Reference],
}

/// A rule's documentation text (`what`, `why`, `example`, `fix`). The browser bundle
/// (wasm32) leaves the prose out, ~200 KB of it: there the linter needs ids, severities
/// and messages only, and pages get the docs of the rules they show from the server. The
/// server, the CLI and `ecs-lens rules` have the full text. (Statics are evaluated at
/// compile time, so a literal dropped here is not in the wasm binary at all.)
pub const fn doc(text: &'static str) -> &'static str {
    if cfg!(target_arch = "wasm32") {
        ""
    } else {
        text
    }
}

/// Whether this build constructs fixes at all. The browser bundle (wasm32) lints for
/// findings only and asks the server for a fix when the user applies one, so the fix
/// builders (patches, Secrets Manager commands, IAM notes) and the JSON Patch engine stay
/// out of the download.
pub const FIXES_AVAILABLE: bool = !cfg!(target_arch = "wasm32");

/// What a rule sees.
pub struct Context<'a> {
    pub doc: &'a Document,
    pub td: TaskDef<'a>,
    /// Build fixes (see [`Finding::with_fix_from`]); false for findings-only linting.
    /// Rules ask [`Context::wants_fixes`], which also knows [`FIXES_AVAILABLE`].
    pub fixes: bool,
    /// Analyses of the document that several rules read, each made once per lint.
    shared: Shared<'a>,
}

/// Analyses of the whole document that several rules read, each computed at most once per
/// lint, on first use ([`Context::model_issues`], [`Context::credentials`]). Each is a function
/// of the document alone, defined with the analysis it caches, not with a rule.
#[derive(Default)]
struct Shared<'a> {
    model_issues: std::cell::OnceCell<Vec<(crate::schema::Path<'a>, crate::schema::Issue<'a>)>>,
    credentials: std::cell::OnceCell<Vec<secrets::places::Hit<'a>>>,
}

impl<'a> Context<'a> {
    /// What the rules see of `doc`; `fixes` says whether they build fixes.
    pub fn new(doc: &'a Document, fixes: bool) -> Context<'a> {
        Context { doc, td: TaskDef::new(doc), fixes, shared: Shared::default() }
    }

    /// Where the document departs from the ECS model ([`crate::schema::all_issues`]): one walk,
    /// made on first use, for the validity rules that each report one kind of issue.
    pub fn model_issues(&self) -> &[(crate::schema::Path<'a>, crate::schema::Issue<'a>)] {
        self.shared.model_issues.get_or_init(|| crate::schema::all_issues(self.doc))
    }

    /// The places of the document holding a credential ([`secrets::places::collect`]): one walk
    /// over every string, made on first use, for the secrets rules and masking.
    pub(crate) fn credentials(&self) -> &[secrets::places::Hit<'a>] {
        self.shared.credentials.get_or_init(|| secrets::places::collect(self.doc))
    }

    /// True when the rule should build its fixes (a constant `false` in the browser build,
    /// so the fix-building code is not compiled in there).
    #[inline(always)]
    pub fn wants_fixes(&self) -> bool {
        FIXES_AVAILABLE && self.fixes
    }
}

/// A lint rule.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Append this rule's findings (pointers only; the linter fills in positions).
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>);
}

/// Every rule, in catalogue order.
pub fn all_rules() -> impl Iterator<Item = &'static dyn Rule> {
    secrets::RULES
        .iter()
        .chain(validity::RULES)
        .chain(fargate::RULES)
        .chain(dependencies::RULES)
        .chain(security::RULES)
        .chain(operability::RULES)
        .chain(sidecars::RULES)
        .map(|r| *r as &dyn Rule)
}

/// A bump of this number marks a change in what some rule finds that the catalogue's ids,
/// severities and categories do not show (a rule's logic): stored analyses are then redone.
pub const RULES_REVISION: u32 = 1;

/// Names the rule set an analysis was made with: the core's version, [`RULES_REVISION`] and
/// a hash (FNV-1a, stable across builds) of every rule's id, severity, category and whether it
/// blocks registration. A mirror recomputes an analysis whose rule set differs.
pub fn ruleset_version() -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for r in all_rules() {
        let m = r.meta();
        let key = format!("{}/{}/{}/{};", m.id, m.severity.as_str(), m.category.as_str(), m.blocks_registration);
        for b in key.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{}-r{RULES_REVISION}-{hash:016x}", env!("CARGO_PKG_VERSION"))
}

/// Look a rule up by id (case-insensitive) or name.
pub fn rule(id_or_name: &str) -> Option<&'static dyn Rule> {
    all_rules().find(|r| r.meta().id.eq_ignore_ascii_case(id_or_name) || r.meta().name == id_or_name)
}

/// Which rules run.
#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    /// Only these rule ids (empty = all).
    pub select: Vec<String>,
    /// Never these rule ids.
    pub ignore: Vec<String>,
    /// Findings only, without building their fixes (the editor's keystroke loop;
    /// [`fix_for`] builds one finding's fix on demand).
    pub skip_fixes: bool,
}

impl LintOptions {
    fn wants(&self, id: &str) -> bool {
        (self.select.is_empty() || self.select.iter().any(|s| s.eq_ignore_ascii_case(id)))
            && !self.ignore.iter().any(|s| s.eq_ignore_ascii_case(id))
    }
}

/// Run every rule over a parsed document; findings come back located and sorted
/// (most severe first, then by position).
pub fn lint(doc: &Document) -> Vec<Finding> {
    lint_with(doc, &LintOptions::default())
}

pub fn lint_with(doc: &Document, options: &LintOptions) -> Vec<Finding> {
    let cx = Context::new(doc, !options.skip_fixes);
    let mut out = Vec::new();
    for rule in all_rules() {
        if options.wants(rule.meta().id) {
            rule.check(&cx, &mut out);
        }
    }
    if !cx.wants_fixes() {
        // Rules that build a fix outside `with_fix_from` still must not hand it out.
        out.iter_mut().for_each(|f| f.fix = None);
    }
    locate_all(doc, &mut out);
    // Most severe first; within a severity, plaintext secrets first (the category order), then by position.
    // Findings are large, so an index permutation is sorted rather than the findings.
    let mut order: Vec<u32> = (0..out.len() as u32).collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (&out[i as usize], &out[j as usize]);
        b.severity
            .cmp(&a.severity)
            .then(a.category.cmp(&b.category))
            .then(a.line.cmp(&b.line))
            .then(a.column.cmp(&b.column))
            .then(a.rule.cmp(&b.rule))
    });
    let mut slots: Vec<Option<Finding>> = out.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i as usize].take()).collect()
}

/// The fix of one finding from a findings-only lint: its rule runs again with fixes on.
pub fn fix_for(doc: &Document, finding: &Finding) -> Option<super::finding::Fix> {
    let rule = rule(&finding.rule)?;
    let cx = Context::new(doc, true);
    let mut out = Vec::new();
    rule.check(&cx, &mut out);
    out.into_iter().find(|f| f.pointer == finding.pointer && f.message == finding.message)?.fix
}

/// Fill in line/column for each finding from its pointer.
pub fn locate_all(doc: &Document, findings: &mut [Finding]) {
    for f in findings {
        let (region, _) = doc.locate(&f.pointer);
        f.line = region.start_pos.line;
        f.column = region.start_pos.column;
        f.end_line = region.end_pos.line;
        f.end_column = region.end_pos.column;
    }
}

/// Helpers for the per-rule tests.
#[cfg(test)]
pub mod testing {
    use super::*;

    /// Run one rule over a JSON text; findings are located.
    pub fn check(rule: &dyn Rule, json: &str) -> Vec<Finding> {
        let doc = Document::parse(json).expect("test fixture must be valid JSON");
        check_doc(rule, &doc)
    }

    /// [`check`] over a parsed document.
    pub fn check_doc(rule: &dyn Rule, doc: &Document) -> Vec<Finding> {
        Checker::new(doc).check(rule)
    }

    /// Runs rules over one document, each alone and twice, with and without fixes, in one
    /// pair of contexts (so the analyses rules share are made once per
    /// document): findings are located, the same either way (their fixes aside), and
    /// [`fix_for`] rebuilds each fix.
    pub struct Checker<'d> {
        doc: &'d Document,
        fixes: Context<'d>,
        no_fixes: Context<'d>,
    }

    impl<'d> Checker<'d> {
        pub fn new(doc: &'d Document) -> Checker<'d> {
            Checker { doc, fixes: Context::new(doc, true), no_fixes: Context::new(doc, false) }
        }

        pub fn check(&self, rule: &dyn Rule) -> Vec<Finding> {
            let doc = self.doc;
            let id = rule.meta().id;
            let mut out = Vec::new();
            rule.check(&self.fixes, &mut out);
            locate_all(doc, &mut out);
            let mut bare = Vec::new();
            rule.check(&self.no_fixes, &mut bare);
            locate_all(doc, &mut bare);
            bare.iter_mut().for_each(|f| f.fix = None);
            assert_eq!(bare.len(), out.len(), "{id}: findings do not depend on whether fixes are built");
            for (b, f) in bare.iter().zip(&out) {
                assert_eq!((&b.pointer, &b.message), (&f.pointer, &f.message), "{id}");
                assert_eq!(fix_for(doc, b), f.fix, "{id}: fix_for rebuilds the same fix");
            }
            for f in &out {
                assert_eq!(f.rule, id, "a rule reports under its own id");
            }
            out
        }
    }

    /// Run one rule over a `serde_json::json!` value.
    pub fn check_value(rule: &dyn Rule, value: serde_json::Value) -> Vec<Finding> {
        check(rule, &serde_json::to_string_pretty(&value).unwrap())
    }

    /// Documents with wrong JSON types everywhere: no rule may panic on them.
    pub fn hostile_documents() -> Vec<serde_json::Value> {
        use serde_json::json;
        let weird_container = json!({
            "name": 5, "image": 7, "user": 0, "privileged": "yes", "readonlyRootFilesystem": null,
            "dependsOn": "x", "links": {"a": 1}, "volumesFrom": [1, {"sourceContainer": 2}],
            "linuxParameters": [], "logConfiguration": "awslogs", "healthCheck": [],
            "portMappings": {}, "entryPoint": "sh -c", "command": [1, null], "dockerSecurityOptions": "x",
            "interactive": "true", "pseudoTerminal": 1, "essential": "false", "memory": "512"
        });
        let half_container = json!({
            "name": "a", "image": "", "user": "", "dependsOn": [{"containerName": 1}, null, {"containerName": "a"}],
            "links": [3, "a", ":x", ""], "volumesFrom": [{"sourceContainer": "a"}],
            "linuxParameters": {"capabilities": {"add": [1, null, "CAP_"], "drop": "ALL"}, "initProcessEnabled": "1"},
            "logConfiguration": {"logDriver": 5, "options": []}, "entryPoint": [], "command": ["sh"],
            "dockerSecurityOptions": [null, 1], "healthCheck": null
        });
        vec![
            json!(null),
            json!([]),
            json!(42),
            json!("text"),
            json!({}),
            json!({"containerDefinitions": null}),
            json!({"containerDefinitions": {"a": 1}}),
            json!({"containerDefinitions": [1, null, "x", [], weird_container.clone(), half_container.clone()]}),
            json!({
                "family": 3, "networkMode": ["host"], "pidMode": 1, "ipcMode": {}, "taskRoleArn": 1,
                "executionRoleArn": null, "requiresCompatibilities": "FARGATE", "memory": {}, "cpu": [],
                "runtimePlatform": "LINUX", "tags": "x",
                "volumes": [1, {"efsVolumeConfiguration": 3}, {"efsVolumeConfiguration": {"transitEncryption": 1}}],
                "containerDefinitions": [weird_container.clone(), half_container.clone()]
            }),
            json!({"taskDefinition": {"containerDefinitions": [weird_container, half_container], "tags": [1]},
                   "tags": [null, {"key": 1}]}),
            // Sidecar shapes: the Datadog agent, CWS, FireLens and App Mesh with wrong types inside.
            json!({"containerDefinitions": 5}),
            json!({"containerDefinitions": [null, 1, "x", []]}),
            json!({"requiresCompatibilities": ["FARGATE"], "proxyConfiguration": {"type": "APPMESH", "containerName": 3},
                "pidMode": [], "containerDefinitions": [
                {"name": "datadog-agent", "image": 7, "environment": [{"name": "DD_SITE"}, 5, {"value": "x"}],
                 "secrets": [{"name": 1}], "healthCheck": "yes", "logConfiguration": {"logDriver": 9, "options": []},
                 "dependsOn": [{"containerName": null}], "mountPoints": [7], "entryPoint": [1, null],
                 "command": {"a": "b"}, "essential": "true", "dockerLabels": "x", "environmentFiles": {}},
                {"name": "cws", "image": "datadog/cws-instrumentation", "mountPoints": [{"sourceVolume": 1}],
                 "essential": false},
                {"name": "app", "entryPoint": ["/v/cws-instrumentation", "trace"],
                 "volumesFrom": [{"sourceContainer": "cws"}], "linuxParameters": [],
                 "logConfiguration": {"logDriver": "awsfirelens", "options": {"Name": 3}}},
                {"name": "r", "firelensConfiguration": {}, "essential": false, "command": [""]}]}),
            json!({"taskDefinition": {}}),
            json!({"requiresCompatibilities": ["FARGATE"]}),
        ]
    }

    /// Values of every JSON type, odd ones included, to put where another type belongs.
    pub fn odd_values() -> Vec<serde_json::Value> {
        use serde_json::json;
        vec![
            json!(null),
            json!(1),
            json!(-1.5),
            json!("x"),
            json!(""),
            json!([]),
            json!([1, "a", null]),
            json!({}),
            json!({"a": [1]}),
            json!(true),
        ]
    }

    /// `value` with wrong types: every node (but the root) replaced, one at a time, by each of
    /// `odd`; and every leaf replaced at once by each of [`odd_values`].
    pub fn wrong_type_variants(value: &serde_json::Value, odd: &[serde_json::Value]) -> Vec<serde_json::Value> {
        use serde_json::Value;
        fn paths(v: &Value, at: &mut Vec<String>, out: &mut Vec<String>) {
            let children: Vec<(String, &Value)> = match v {
                Value::Object(m) => m.iter().map(|(k, v)| (crate::document::escape_token(k).into_owned(), v)).collect(),
                Value::Array(a) => a.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
                _ => vec![],
            };
            for (token, child) in children {
                at.push(token);
                out.push(format!("/{}", at.join("/")));
                paths(child, at, out);
                at.pop();
            }
        }
        fn all_leaves(v: &mut Value, new: &Value) {
            match v {
                Value::Object(m) => m.values_mut().for_each(|v| all_leaves(v, new)),
                Value::Array(a) => a.iter_mut().for_each(|v| all_leaves(v, new)),
                leaf => *leaf = new.clone(),
            }
        }
        let mut pointers = Vec::new();
        paths(value, &mut Vec::new(), &mut pointers);
        let mut out = Vec::new();
        for odd in odd {
            for p in &pointers {
                let mut v = value.clone();
                if let Some(slot) = v.pointer_mut(p) {
                    *slot = odd.clone();
                }
                out.push(v);
            }
        }
        for odd in odd_values() {
            let mut v = value.clone();
            all_leaves(&mut v, &odd);
            out.push(v);
        }
        out
    }

    /// [`base`] (and its Windows variant) with each task and container field that rules read
    /// set to each of [`odd_values`], a capability list and a log configuration of odd types
    /// too; and a few odd whole documents.
    pub fn hostile_field_documents() -> Vec<serde_json::Value> {
        use serde_json::json;
        const TASK_FIELDS: &[&str] = &[
            "cpu",
            "memory",
            "networkMode",
            "ipcMode",
            "pidMode",
            "placementConstraints",
            "volumes",
            "ephemeralStorage",
            "runtimePlatform",
            "executionRoleArn",
            "containerDefinitions",
            "proxyConfiguration",
            "inferenceAccelerators",
            "taskRoleArn",
            "family",
        ];
        const CONTAINER_FIELDS: &[&str] = &[
            "image",
            "name",
            "links",
            "hostname",
            "privileged",
            "linuxParameters",
            "logConfiguration",
            "resourceRequirements",
            "portMappings",
            "secrets",
            "environmentFiles",
            "dependsOn",
            "startTimeout",
            "stopTimeout",
            "healthCheck",
            "repositoryCredentials",
            "ulimits",
            "systemControls",
            "firelensConfiguration",
        ];
        let mut out = Vec::new();
        for windows in [false, true] {
            let mut td = base();
            if windows {
                td["runtimePlatform"] = json!({"operatingSystemFamily": "WINDOWS_SERVER_2019_CORE"});
            }
            for v in odd_values() {
                for f in TASK_FIELDS {
                    let mut t = td.clone();
                    t[*f] = v.clone();
                    out.push(t);
                }
                for f in CONTAINER_FIELDS {
                    let mut t = td.clone();
                    t["containerDefinitions"][0][*f] = v.clone();
                    out.push(t.clone());
                    t["containerDefinitions"][0]["linuxParameters"] = json!({"capabilities": {"add": v.clone()}});
                    t["containerDefinitions"][0]["logConfiguration"] =
                        json!({"logDriver": v.clone(), "secretOptions": v.clone()});
                    out.push(t);
                }
            }
        }
        out
    }

    /// What precedes a bare task definition's text in its Describe shape ([`wrap_text`]).
    pub const WRAP_PREFIX: &str = "{\"taskDefinition\": ";

    /// The Describe shape of a bare task-definition text, `{"taskDefinition": td, "tags": []}`,
    /// built around the text (so duplicate keys and line numbers survive: only the first
    /// line's columns move, by `WRAP_PREFIX.len()`).
    pub fn wrap_text(td: &str) -> String {
        format!("{WRAP_PREFIX}{td}, \"tags\": []}}")
    }

    /// A rule's documented example as a document: examples are whole task definitions in the
    /// bare shape. A string written `"… N characters …"` stands for a string of N characters
    /// (VAL008's example cannot spell out 70,000 of them) and is expanded here.
    pub fn example_text(meta: &RuleMeta) -> String {
        const OPEN: &str = "\"… ";
        const CLOSE: &str = " characters …\"";
        let mut text = meta.example.to_string();
        let mut from = 0;
        while let Some(i) = text[from..].find(OPEN).map(|i| i + from) {
            let digits_at = i + OPEN.len();
            let Some(len) = text[digits_at..].find(CLOSE) else { break };
            let number = &text[digits_at..digits_at + len];
            let Ok(n) = number.replace(',', "").parse::<usize>() else {
                from = digits_at;
                continue;
            };
            let expanded = format!("\"{}\"", "x".repeat(n));
            text.replace_range(i..digits_at + len + CLOSE.len(), &expanded);
            from = i + expanded.len();
        }
        text
    }

    /// The seed task definition from the article.
    pub const SEED: &str = include_str!("../../../../tests/fixtures/seed/datadog-fastapi-taskdef.json");

    /// A minimal valid Fargate task definition to build fixtures from.
    pub fn base() -> serde_json::Value {
        serde_json::json!({
            "family": "web",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
            "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
            "containerDefinitions": [{
                "name": "app",
                "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "essential": true
            }]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Every category's rules, with the folder they live in (the category's name).
    fn families() -> [(Category, &'static [&'static dyn Rule]); 7] {
        [
            (Category::Secrets, secrets::RULES),
            (Category::Validity, validity::RULES),
            (Category::Fargate, fargate::RULES),
            (Category::Dependencies, dependencies::RULES),
            (Category::Security, security::RULES),
            (Category::Operability, operability::RULES),
            (Category::Sidecars, sidecars::RULES),
        ]
    }

    /// `^[A-Z]{3}[0-9]{3}$`
    fn is_rule_id(id: &str) -> bool {
        let b = id.as_bytes();
        b.len() == 6 && b[..3].iter().all(u8::is_ascii_uppercase) && b[3..].iter().all(u8::is_ascii_digit)
    }

    /// `^[a-z0-9]+(-[a-z0-9]+)*$`
    fn is_kebab_case(name: &str) -> bool {
        name.split('-').all(|w| !w.is_empty() && w.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
    }

    /// Ids are stable, so a retired rule leaves a gap: ids are checked for their form, their
    /// category's prefix and uniqueness, not for being consecutive.
    #[test]
    fn ids_are_unique_and_carry_their_category_prefix() {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for (category, rules) in families() {
            for rule in rules {
                let m = rule.meta();
                assert_eq!(m.category, category, "{} is listed with the {category} rules", m.id);
                assert!(is_rule_id(m.id), "id format (three capitals, three digits): {}", m.id);
                assert!(
                    m.id.starts_with(category.id_prefix()),
                    "{}: {category} ids start with {}",
                    m.id,
                    category.id_prefix()
                );
                assert!(ids.insert(m.id), "duplicate rule id {}", m.id);
                assert!(is_kebab_case(m.name), "{}: name must be kebab-case: {}", m.id, m.name);
                assert!(names.insert(m.name), "duplicate rule name {}", m.name);
            }
        }
        assert_eq!(ids.len(), all_rules().count(), "families() lists every category");
        let prefixes: HashSet<&str> = Category::ALL.iter().map(|c| c.id_prefix()).collect();
        assert_eq!(prefixes.len(), Category::ALL.len(), "each category has its own prefix");
    }

    #[test]
    fn test_helpers_know_ids_and_kebab_case() {
        assert!(is_rule_id("SEC001") && is_rule_id("HAR120"));
        assert!(!is_rule_id("SEC01") && !is_rule_id("sec001") && !is_rule_id("SE0001") && !is_rule_id("SEC0011"));
        assert!(is_kebab_case("container-runs-as-root") && is_kebab_case("a1"));
        assert!(!is_kebab_case("-a") && !is_kebab_case("a--b") && !is_kebab_case("a_b") && !is_kebab_case(""));
    }

    /// Each rule lives in `rules/<category>/<name in snake_case>.rs`, the file that declares
    /// its id; and every file there that declares a rule is one of the category's rules.
    #[test]
    fn each_rule_is_in_the_file_named_after_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        for (category, rules) in families() {
            let dir = root.join(category.as_str());
            let mut expected = HashSet::new();
            for rule in rules {
                let m = rule.meta();
                let file = format!("{}.rs", m.name.replace('-', "_"));
                let path = dir.join(&file);
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{} `{}` belongs in {}: {e}", m.id, m.name, path.display()));
                assert!(
                    text.contains(&format!("id: \"{}\"", m.id)),
                    "{} does not declare `id: \"{}\"`",
                    path.display(),
                    m.id
                );
                expected.insert(file);
            }
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let file = path.file_name().unwrap().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                if file.ends_with(".rs") && text.contains("static META: RuleMeta") {
                    assert!(
                        expected.contains(&file),
                        "{} declares a rule that is not in {category}'s RULES, or is misnamed",
                        path.display()
                    );
                }
            }
        }
    }

    #[test]
    fn catalogue_is_well_formed() {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for r in all_rules() {
            let m = r.meta();
            assert!(ids.insert(m.id), "duplicate rule id {}", m.id);
            assert!(names.insert(m.name), "duplicate rule name {}", m.name);
            assert!(m.id.len() == 6 && m.id[3..].chars().all(|c| c.is_ascii_digit()), "id format: {}", m.id);
            assert!(m.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{}", m.name);
            for (field, text) in [("summary", m.summary), ("what", m.what), ("why", m.why), ("fix", m.fix)] {
                assert!(!text.trim().is_empty(), "{} has an empty {field}", m.id);
            }
            assert!(Document::parse(m.example).is_ok(), "{}: example must be JSON", m.id);
        }
    }
}
