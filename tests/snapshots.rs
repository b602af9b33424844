//! Snapshot tests of the canonical example (the article's task definition): its
//! findings, its dependency graph and the diff that the Secrets Manager fix produces.
//! A change in any of them shows up as a reviewed `.snap` diff (cargo insta review).

use ecs_lens::core::{diff, fix, graph, lint, Document, LintOptions};

const SEED: &str = include_str!("fixtures/seed/datadog-fastapi-taskdef.json");

#[test]
fn seed_findings() {
    let doc = Document::parse(SEED).unwrap();
    let lines: Vec<String> = lint(&doc)
        .iter()
        .map(|f| {
            format!(
                "{:<8} {} {:>3}:{:<3} {:<28} {}",
                f.severity.as_str(),
                f.rule,
                f.line,
                f.column,
                f.container.as_deref().unwrap_or("(task)"),
                f.pointer
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn seed_graph() {
    let g = graph::build(&Document::parse(SEED).unwrap());
    let v = serde_json::json!({
        "nodes": g.nodes, "edges": g.edges, "phases": g.phases, "shutdown": g.shutdown, "cycles": g.cycles,
    });
    insta::assert_json_snapshot!(v);
}

#[test]
fn seed_secrets_fix_diff() {
    let before = Document::parse(SEED).unwrap();
    let fixed = fix::apply_fixes(&before, &LintOptions { select: vec!["SEC001".into()], ..Default::default() }, false);
    let after = Document::from_value(&fixed.value);
    let d = diff::diff(&before, &after);
    insta::assert_json_snapshot!(d.changes);
    let resolved: Vec<(&str, Option<&str>)> =
        d.findings.resolved.iter().map(|f| (f.rule.as_str(), f.container.as_deref())).collect();
    insta::assert_debug_snapshot!(resolved);
    assert!(d.findings.introduced.iter().all(|f| f.rule != "SEC001"));
    assert!(d.graph.added.is_empty() && d.graph.removed.is_empty());
}
