//! Report formats for lint results: text (for a terminal), JSON and SARIF 2.1.0.
//! Pure string/JSON building; the CLI writes them out.

use std::fmt::Write;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::finding::{Finding, Severity};
use super::rules::{all_rules, RuleMeta};

/// Why a file could not be linted (unreadable or not JSON), with where.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileError {
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// The result for one input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileReport {
    pub path: String,
    pub error: Option<FileError>,
    pub findings: Vec<Finding>,
}

impl FileReport {
    /// Lint a text (a file's content) into a report.
    pub fn lint_text(path: impl Into<String>, text: &str, options: &super::rules::LintOptions) -> FileReport {
        let path = path.into();
        match super::document::Document::parse(text) {
            Ok(doc) => FileReport { path, error: None, findings: super::rules::lint_with(&doc, options) },
            Err(e) => FileReport {
                path,
                error: Some(FileError { message: e.message, line: Some(e.line), column: Some(e.column) }),
                findings: vec![],
            },
        }
    }
}

/// Keep only findings at or above `threshold`.
pub fn filter(files: &mut [FileReport], threshold: Severity) {
    for f in files {
        f.findings.retain(|x| x.severity >= threshold);
    }
}

/// `{"files": [...]}`.
pub fn json(files: &[FileReport]) -> String {
    serde_json::to_string_pretty(&json!({ "files": files })).expect("reports serialise")
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";

fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "\x1b[1;35m",
        Severity::High => "\x1b[1;31m",
        Severity::Medium => "\x1b[1;33m",
        Severity::Low => "\x1b[1;36m",
        Severity::Info => "\x1b[1;34m",
    }
}

/// What a person wants in a terminal: `path:line:col: severity RULE message`, the fix
/// under it, and a summary line. ANSI colour only when `color`.
pub fn text(files: &[FileReport], color: bool) -> String {
    let paint = |code: &str, s: &str| if color { format!("{code}{s}{RESET}") } else { s.to_string() };
    let mut out = String::new();
    let mut counts = [0usize; 5];
    let mut errors = 0;
    for file in files {
        if let Some(e) = &file.error {
            errors += 1;
            let loc = match (e.line, e.column) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", file.path),
                _ => file.path.clone(),
            };
            let _ = writeln!(out, "{}: {} {}", paint(BOLD, &loc), paint("\x1b[1;31m", "error"), e.message);
            continue;
        }
        for f in &file.findings {
            counts[f.severity as usize] += 1;
            let loc = format!("{}:{}:{}", file.path, f.line, f.column);
            let _ = writeln!(
                out,
                "{}: {} {} {}",
                paint(BOLD, &loc),
                paint(severity_color(f.severity), f.severity.as_str()),
                paint(BOLD, &f.rule),
                f.message
            );
            if let Some(fix) = &f.fix {
                let _ = writeln!(out, "  {} {}", paint("\x1b[32m", "fix:"), fix.description);
                for c in &fix.commands {
                    let _ = writeln!(out, "    {} {c}", paint(DIM, "$"));
                }
                for n in &fix.notes {
                    for (i, line) in n.lines().enumerate() {
                        let _ = writeln!(out, "    {}{line}", if i == 0 { "note: " } else { "      " });
                    }
                }
            }
        }
    }
    let total: usize = counts.iter().sum();
    if total == 0 && errors == 0 {
        let _ = writeln!(out, "{}", paint("\x1b[1;32m", &format!("No findings in {} file(s).", files.len())));
    } else {
        let parts: Vec<String> = Severity::ALL
            .iter()
            .filter(|s| counts[**s as usize] > 0)
            .map(|s| paint(severity_color(*s), &format!("{} {}", counts[*s as usize], s.as_str())))
            .collect();
        let mut line = format!("{total} finding(s) in {} file(s)", files.len());
        if !parts.is_empty() {
            line.push_str(&format!(": {}", parts.join(", ")));
        }
        if errors > 0 {
            line.push_str(&format!("; {errors} file(s) could not be linted"));
        }
        let _ = writeln!(out, "{}", paint(BOLD, &line));
    }
    out
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The rule's category and the GitHub code-scanning kind ("security" or "correctness"), each
/// once: SARIF wants the tags of a rule unique (a security rule is not tagged "security" twice).
fn sarif_tags(category: super::Category) -> Vec<&'static str> {
    let kind = if matches!(category, super::Category::Secrets | super::Category::Security) {
        "security"
    } else {
        "correctness"
    };
    let mut tags = vec![category.as_str()];
    if tags[0] != kind {
        tags.push(kind);
    }
    tags
}

/// What may stand unescaped in an artifact URI's path: RFC 3986's unreserved characters and `/`.
const URI_PATH: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');

/// An ARN's path: as [`URI_PATH`], and its `:` separators.
const ARN_PATH: &percent_encoding::AsciiSet = &URI_PATH.remove(b':');

/// A report path as a SARIF artifact URI (a valid RFC 3986 reference, as SARIF requires):
/// an absolute path becomes a `file://` URI, a relative path stays relative (resolved against
/// the repository by code scanning) with every other character percent-encoded — a `:` too, so
/// `web:3` is not read as a URI scheme — an ARN stays an `arn:` URI, standard input is `stdin`.
pub fn artifact_uri(path: &str) -> String {
    use percent_encoding::utf8_percent_encode as enc;
    if path == "-" || path == "<stdin>" {
        return "stdin".into();
    }
    if let Some(rest) = path.strip_prefix("arn:") {
        return format!("arn:{}", enc(rest, ARN_PATH));
    }
    let slashed = path.replace('\\', "/");
    let bytes = slashed.as_bytes();
    if bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/' {
        // A Windows drive path.
        return format!("file:///{}:{}", &slashed[..1], enc(&slashed[2..], URI_PATH));
    }
    if slashed.starts_with('/') {
        return format!("file://{}", enc(&slashed, URI_PATH));
    }
    enc(slashed.trim_start_matches("./"), URI_PATH).to_string()
}

fn sarif_rule(m: &RuleMeta) -> Value {
    let refs: Vec<String> = m.references.iter().map(|r| format!("{} {}", r.tool, r.id)).collect();
    let markdown = format!(
        "## What it does\n{}\n\n## Why is this bad?\n{}\n\n## Example\n```json\n{}\n```\n\n## How to fix\n{}{}",
        m.what,
        m.why,
        m.example,
        m.fix,
        if refs.is_empty() { String::new() } else { format!("\n\n**Same check elsewhere:** {}", refs.join(", ")) }
    );
    json!({
        "id": m.id,
        "name": m.name,
        "shortDescription": { "text": m.summary },
        "fullDescription": { "text": m.what },
        "help": { "text": format!("{}\n\nFix: {}", m.why, m.fix), "markdown": markdown },
        "defaultConfiguration": { "level": sarif_level(m.severity) },
        "properties": {
            "tags": sarif_tags(m.category),
            "precision": "high",
            "problem.severity": match m.severity { Severity::Critical | Severity::High => "error", Severity::Medium => "warning", _ => "recommendation" },
            "security-severity": m.severity.security_severity(),
        }
    })
}

/// SARIF 2.1.0 as GitHub code scanning accepts it: stable rule ids, regions,
/// `security-severity`, fingerprints that survive line moves.
pub fn sarif(files: &[FileReport]) -> Value {
    let rules: Vec<&'static RuleMeta> = all_rules().map(|r| r.meta()).collect();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for file in files {
        let uri = artifact_uri(&file.path);
        if let Some(e) = &file.error {
            notifications.push(json!({
                "level": "error",
                "message": { "text": format!("{}: {}", file.path, e.message) },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": uri },
                    "region": { "startLine": e.line.unwrap_or(1), "startColumn": e.column.unwrap_or(1) }
                }}]
            }));
        }
        for f in &file.findings {
            let rule_index = rules.iter().position(|m| m.id == f.rule);
            let mut message = f.message.clone();
            if let Some(fix) = &f.fix {
                message.push_str(&format!(" Fix: {}", fix.description));
            }
            let mut r = json!({
                "ruleId": f.rule,
                "level": sarif_level(f.severity),
                "message": { "text": message },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": uri },
                    "region": {
                        "startLine": f.line.max(1), "startColumn": f.column.max(1),
                        "endLine": f.end_line.max(f.line).max(1),
                        // A region ends after it starts (SARIF1007), also when a span is empty.
                        "endColumn": if f.end_line.max(f.line) == f.line { f.end_column.max(f.column).max(1) } else { f.end_column.max(1) }
                    }
                }, "logicalLocations": [{ "fullyQualifiedName": f.pointer, "kind": "member" }] }],
                "partialFingerprints": { "ecsLens/v1": fingerprint(&uri, f) },
                "properties": { "severity": f.severity.as_str(), "category": f.category.as_str(), "pointer": f.pointer }
            });
            if let Some(i) = rule_index {
                r["ruleIndex"] = json!(i);
            }
            results.push(r);
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "ecs-lens",
                "informationUri": "https://github.com/ecs-lens/ecs-lens",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules.iter().map(|m| sarif_rule(m)).collect::<Vec<_>>()
            }},
            "invocations": [{ "executionSuccessful": notifications.is_empty(), "toolExecutionNotifications": notifications }],
            "columnKind": "utf16CodeUnits",
            "results": results
        }]
    })
}

/// A line-independent fingerprint: file, rule, container and pointer (FNV-1a, hex).
fn fingerprint(uri: &str, f: &Finding) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for part in [uri, &f.rule, f.container.as_deref().unwrap_or(""), &f.pointer] {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn artifact_uris_are_valid_uri_references() {
        use super::artifact_uri;
        assert_eq!(artifact_uri("taskdef.json"), "taskdef.json");
        assert_eq!(artifact_uri("./deploy/app.json"), "deploy/app.json");
        assert_eq!(artifact_uri("/tmp/x.json"), "file:///tmp/x.json");
        assert_eq!(artifact_uri("dir with space/a.json"), "dir%20with%20space/a.json");
        assert_eq!(artifact_uri("my_family:3"), "my_family%3A3");
        assert_eq!(artifact_uri("-"), "stdin");
        assert_eq!(artifact_uri("<stdin>"), "stdin");
        assert_eq!(artifact_uri("C:\\x\\a.json"), "file:///C:/x/a.json");
        assert_eq!(
            artifact_uri("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3"),
            "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3"
        );
        assert_eq!(artifact_uri("/tmp/ü.json"), "file:///tmp/%C3%BC.json");
    }

    #[test]
    fn sarif_tags_are_unique() {
        for m in crate::all_rules().map(|r| r.meta()) {
            let tags = super::sarif_tags(m.category);
            let mut unique = tags.clone();
            unique.dedup();
            assert_eq!(tags, unique, "{}", m.id);
        }
    }

    use super::*;
    use crate::rules::LintOptions;

    fn reports() -> Vec<FileReport> {
        vec![
            FileReport::lint_text(
                "a.json",
                r#"{"family": "x", "containerDefinitions": [{"name": "a", "image": "i", "essential": false}]}"#,
                &LintOptions::default(),
            ),
            FileReport::lint_text("bad.json", "{\n  \"family\": ,\n}", &LintOptions::default()),
        ]
    }

    #[test]
    fn json_shape() {
        let v: Value = serde_json::from_str(&json(&reports())).unwrap();
        let files = v["files"].as_array().unwrap();
        assert_eq!(files[0]["path"], "a.json");
        assert!(files[0]["error"].is_null());
        let f = files[0]["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "VAL012").unwrap();
        for key in ["rule", "severity", "category", "message", "pointer", "line", "column", "container", "fix"] {
            assert!(f.get(key).is_some(), "finding has {key}");
        }
        assert_eq!(files[1]["error"]["line"], 2);
        assert!(files[1]["findings"].as_array().unwrap().is_empty());
    }

    #[test]
    fn text_is_located_and_colour_optional() {
        let t = text(&reports(), false);
        assert!(t.contains("a.json:1:"), "{t}");
        assert!(t.contains("VAL012"));
        assert!(t.contains("bad.json:2:"));
        assert!(!t.contains('\x1b'));
        assert!(text(&reports(), true).contains('\x1b'));
    }

    #[test]
    fn sarif_is_2_1_0_with_rules_and_regions() {
        let s = sarif(&reports());
        assert_eq!(s["version"], "2.1.0");
        let run = &s["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), all_rules().count());
        for r in &run["results"].as_array().unwrap()[..] {
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"]);
            assert!(r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap() >= 1);
            assert!(rules[idx]["properties"]["security-severity"].as_str().unwrap().parse::<f64>().is_ok());
        }
        assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    }
}
