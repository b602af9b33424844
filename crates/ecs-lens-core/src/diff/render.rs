//! The diff as a person reads it in a terminal.

use std::fmt::Write;

use serde_json::Value;

use super::{Change, ChangeKind, Diff};
use crate::finding::Finding;
use crate::graph::Edge;

/// Longest value shown on one line, in characters.
const MAX_VALUE_CHARS: usize = 100;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn green(&self, t: &str) -> String {
        self.paint("32", t)
    }
    fn red(&self, t: &str) -> String {
        self.paint("31", t)
    }
    fn yellow(&self, t: &str) -> String {
        self.paint("33", t)
    }
    fn cyan(&self, t: &str) -> String {
        self.paint("36", t)
    }
    fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
}

/// The diff as text: changes grouped by container (`+` added, `-` removed, `~`
/// changed, `≈` changed by account/region only, `»` moved to secrets), then the findings delta and the graph delta.
/// ANSI colours only when `color` is true.
pub fn render_text(d: &Diff, color: bool) -> String {
    let s = Style { color };
    let mut out = String::new();
    if d.changes.is_empty() {
        out.push_str("No changes to the task definition.\n");
    }
    for (group, changes) in groups(&d.changes) {
        render_group(&s, &mut out, group, &changes);
    }
    let scoped = d.account_region_only();
    if scoped > 0 {
        let _ = writeln!(
            out,
            "\n{scoped} of {} change(s) differ by account/region only (≈); {} are drift.",
            d.changes.len(),
            d.changes.len() - scoped
        );
    }
    out.push('\n');
    render_findings(&s, &mut out, d);
    render_graph(&s, &mut out, d);
    out
}

/// Changes grouped by their first path segment when it is a container; the task's
/// own fields first.
fn groups(changes: &[Change]) -> Vec<(Option<&str>, Vec<&Change>)> {
    let mut groups: Vec<(Option<&str>, Vec<&Change>)> = vec![(None, Vec::new())];
    for c in changes {
        let key = c.path.first().map(String::as_str).filter(|p| p.starts_with("container "));
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push(c),
            None => groups.push((key, vec![c])),
        }
    }
    groups.retain(|g| !g.1.is_empty());
    groups
}

fn render_group(s: &Style, out: &mut String, group: Option<&str>, changes: &[&Change]) {
    let whole = changes.iter().find(|c| c.path.len() == 1 && group.is_some());
    let title = group.unwrap_or("task definition");
    match whole.map(|c| c.kind) {
        Some(ChangeKind::Added) => {
            let _ = writeln!(out, "{}", s.green(&s.bold(&format!("+ {title} (added)"))));
            if let Some(Value::Object(fields)) = whole.and_then(|c| c.after.as_ref()) {
                for (k, v) in fields.iter().filter(|(k, _)| *k != "name") {
                    let _ = writeln!(out, "    {}", s.green(&format!("+ {k}: {}", show(v))));
                }
            }
        }
        Some(ChangeKind::Removed) => {
            let image = whole.and_then(|c| c.before.as_ref()?.get("image")).map(show);
            let suffix = image.map(|i| format!(", image {i}")).unwrap_or_default();
            let _ = writeln!(out, "{}", s.red(&s.bold(&format!("- {title} (removed{suffix})"))));
        }
        Some(ChangeKind::Renamed) => {
            let old = whole.and_then(|c| c.before.as_ref()).map(|v| v.as_str().map_or_else(|| show(v), str::to_string));
            let old = old.unwrap_or_default();
            let _ = writeln!(out, "{}", s.yellow(&s.bold(&format!("~ {title} (renamed from {old})"))));
        }
        _ => {
            let _ = writeln!(out, "{}", s.bold(&format!("~ {title}")));
        }
    }
    for c in changes {
        if group.is_some()
            && c.path.len() == 1
            && matches!(c.kind, ChangeKind::Added | ChangeKind::Removed | ChangeKind::Renamed)
        {
            continue;
        }
        let rest = if group.is_some() { &c.path[1..] } else { &c.path[..] };
        let at = if rest.is_empty() { "(whole document)".to_string() } else { rest.join(" › ") };
        let name = rest.last().map(String::as_str).unwrap_or("");
        let before = c.before.as_ref().map(show).unwrap_or_default();
        let after = c.after.as_ref().map(show).unwrap_or_default();
        let line = match c.kind {
            ChangeKind::Added => s.green(&format!("+ {at}: {after}")),
            ChangeKind::Removed => s.red(&format!("- {at}: {before}")),
            ChangeKind::Changed if c.account_region_only => {
                format!("≈ {at}: {before} → {after} (account/region only)")
            }
            ChangeKind::Changed => s.yellow(&format!("~ {at}: {before} → {after}")),
            ChangeKind::Renamed => s.yellow(&format!("~ {at}: renamed {before} → {after}")),
            ChangeKind::MovedToSecrets => {
                s.cyan(&format!("» {name}: moved from environment to secrets (valueFrom {after})"))
            }
            ChangeKind::MovedToEnvironment => {
                s.red(&format!("« {name}: moved from secrets to plaintext environment (was valueFrom {before})"))
            }
        };
        let _ = writeln!(out, "    {line}");
    }
}

fn render_findings(s: &Style, out: &mut String, d: &Diff) {
    let f = &d.findings;
    let _ = writeln!(
        out,
        "{}",
        s.bold(&format!(
            "Findings: {} introduced, {} resolved, {} unchanged",
            f.introduced.len(),
            f.resolved.len(),
            f.unchanged
        ))
    );
    for x in &f.introduced {
        let _ = writeln!(out, "    {}", s.red(&format!("+ {}", finding_line(x))));
    }
    for x in &f.resolved {
        let _ = writeln!(out, "    {}", s.green(&format!("- {}", finding_line(x))));
    }
}

fn finding_line(f: &Finding) -> String {
    let container = f.container.as_deref().map(|c| format!("[{c}] ")).unwrap_or_default();
    format!("{:<8} {} {container}{}", f.severity.as_str(), f.rule, f.message)
}

fn render_graph(s: &Style, out: &mut String, d: &Diff) {
    let g = &d.graph;
    if g.is_empty() {
        let _ = writeln!(out, "{}", s.bold("Dependency graph: unchanged"));
        return;
    }
    let _ = writeln!(
        out,
        "{}",
        s.bold(&format!("Dependency graph: {} edge(s) added, {} removed", g.added.len(), g.removed.len()))
    );
    for e in &g.added {
        let _ = writeln!(out, "    {}", s.green(&format!("+ {}", edge_line(e))));
    }
    for e in &g.removed {
        let _ = writeln!(out, "    {}", s.red(&format!("- {}", edge_line(e))));
    }
    for c in &g.cycles_introduced {
        let _ = writeln!(out, "    {}", s.red(&format!("+ cycle: {}", cycle_line(c))));
    }
    for c in &g.cycles_resolved {
        let _ = writeln!(out, "    {}", s.green(&format!("- cycle: {}", cycle_line(c))));
    }
}

fn edge_line(e: &Edge) -> String {
    match &e.condition {
        Some(cond) => format!("{} → {} ({} {cond})", e.from, e.to, e.kind.as_str()),
        None => format!("{} → {} ({})", e.from, e.to, e.kind.as_str()),
    }
}

fn cycle_line(c: &[String]) -> String {
    let mut names = c.to_vec();
    if let Some(first) = c.first() {
        names.push(first.clone());
    }
    names.join(" → ")
}

/// One value on one line: JSON, cut at [`MAX_VALUE_CHARS`].
fn show(v: &Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    match text.char_indices().nth(MAX_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}
