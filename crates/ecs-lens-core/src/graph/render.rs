//! Text renderings of the graph: Mermaid, Graphviz DOT and standalone SVG.

use std::fmt::Write;

use super::layout::{Point, HEADER};
use super::{EdgeKind, Graph};

/// Mermaid `flowchart LR` (dependencies on the left, dependents on the right).
pub fn mermaid(g: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    let id = |name: &str| mermaid_id(name);
    for (p, phase) in g.phases.iter().enumerate() {
        let _ = writeln!(out, "  subgraph phase{p}[\"phase {}\"]", p + 1);
        for name in phase {
            let n = g.nodes.iter().find(|n| &n.name == name).expect("phase names are nodes");
            let mut label = escape_mermaid(&n.name);
            if !n.essential {
                label.push_str(" · non-essential");
            }
            if n.has_health_check {
                label.push_str(" · ♥ health check");
            }
            if n.essential {
                let _ = writeln!(out, "    {}[\"{}\"]", id(name), label);
            } else {
                let _ = writeln!(out, "    {}([\"{}\"])", id(name), label);
            }
        }
        out.push_str("  end\n");
    }
    for e in &g.edges {
        let label = edge_label(e.kind, e.condition.as_deref());
        let arrow = if e.kind == EdgeKind::DependsOn { "-->" } else { "-.->" };
        // Arrow from dependency to dependent reads as start-up order.
        let _ = writeln!(out, "  {} {arrow}|{}| {}", id(&e.to), escape_mermaid(&label), id(&e.from));
    }
    out
}

fn mermaid_id(name: &str) -> String {
    let mut s = String::from("c_");
    s.extend(name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }));
    s
}

fn escape_mermaid(s: &str) -> String {
    s.replace('"', "#quot;")
}

/// Graphviz DOT (`rankdir=LR`, one rank per start-up phase).
pub fn dot(g: &Graph) -> String {
    let mut out = String::from("digraph taskdef {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\"];\n");
    for (p, phase) in g.phases.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_phase{p} {{\n    label=\"phase {}\"; style=dashed; color=\"#cbd5e1\";",
            p + 1
        );
        for name in phase {
            let n = g.nodes.iter().find(|n| &n.name == name).expect("phase names are nodes");
            let style = if n.essential { "rounded,filled,bold" } else { "rounded,filled,dashed" };
            let hc = if n.has_health_check { "\\n♥ health check" } else { "" };
            let image = n.image.as_deref().map(|i| format!("\\n{}", escape_dot(i))).unwrap_or_default();
            let _ = writeln!(
                out,
                "    \"{}\" [style=\"{style}\", label=\"{}{image}{hc}\"];",
                escape_dot(name),
                escape_dot(name)
            );
        }
        out.push_str("  }\n");
    }
    for e in &g.edges {
        let label = edge_label(e.kind, e.condition.as_deref());
        let style = match e.kind {
            EdgeKind::DependsOn => "solid",
            EdgeKind::Link => "dashed",
            EdgeKind::VolumesFrom => "dotted",
        };
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\" [label=\"{}\", style={style}];",
            escape_dot(&e.to),
            escape_dot(&e.from),
            escape_dot(&label)
        );
    }
    out.push_str("}\n");
    out
}

fn escape_dot(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Escape text for XML/HTML content and attributes.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Colour of an edge by kind/condition (shared by every SVG drawing).
pub fn edge_color(kind: EdgeKind, condition: Option<&str>) -> &'static str {
    match (kind, condition) {
        (EdgeKind::DependsOn, Some("HEALTHY")) => "#16a34a",
        (EdgeKind::DependsOn, Some("SUCCESS")) => "#2563eb",
        (EdgeKind::DependsOn, Some("COMPLETE")) => "#7c3aed",
        (EdgeKind::DependsOn, _) => "#475569",
        (EdgeKind::Link, _) => "#d97706",
        (EdgeKind::VolumesFrom, _) => "#db2777",
    }
}

/// What an edge is labelled with: its dependsOn condition, else its kind.
pub fn edge_label(kind: EdgeKind, condition: Option<&str>) -> String {
    match kind {
        EdgeKind::DependsOn => condition.unwrap_or_default().to_string(),
        EdgeKind::Link => "link".into(),
        EdgeKind::VolumesFrom => "volumesFrom".into(),
    }
}

/// SVG `stroke-dasharray` of an edge kind ("" draws a solid line).
pub fn edge_dash(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::DependsOn => "",
        EdgeKind::Link => "6 4",
        EdgeKind::VolumesFrom => "2 4",
    }
}

/// SVG path data for an edge polyline, as a smooth curve.
pub fn edge_path(points: &[Point]) -> String {
    let mut d = String::new();
    let Some(first) = points.first() else { return d };
    let _ = write!(d, "M{:.1},{:.1}", first.x, first.y);
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let mx = (a.x + b.x) / 2.0;
        if (a.y - b.y).abs() < 0.5 || (a.x - b.x).abs() < 0.5 {
            let _ = write!(d, " L{:.1},{:.1}", b.x, b.y);
        } else {
            let _ = write!(d, " C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}", mx, a.y, mx, b.y, b.x, b.y);
        }
    }
    d
}

/// A standalone SVG drawing (what `ecs-lens graph --format svg` prints).
pub fn svg(g: &Graph) -> String {
    let l = &g.layout;
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0} {h:.0}" width="{w:.0}" height="{h:.0}" font-family="ui-sans-serif, system-ui, sans-serif" font-size="13">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>
<rect width="100%" height="100%" fill="#f8fafc"/>
"##,
        w = l.width,
        h = l.height
    );
    for (p, x) in l.columns.iter().enumerate() {
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" fill="#64748b" font-size="12" font-weight="600">PHASE {}</text>"##,
            x,
            24.0 + HEADER / 2.0,
            p + 1
        );
    }
    for e in &l.edges {
        let color = edge_color(e.kind, e.condition.as_deref());
        let dash = match edge_dash(e.kind) {
            "" => String::new(),
            d => format!(r#" stroke-dasharray="{d}""#),
        };
        let _ = writeln!(
            out,
            r#"<path d="{}" fill="none" stroke="{color}" stroke-width="2"{dash} marker-end="url(#arrow)"/>"#,
            edge_path(&e.points)
        );
        if let (Some(a), Some(b)) = (e.points.first(), e.points.get(1)) {
            let label = edge_label(e.kind, e.condition.as_deref());
            let (x, y) = ((a.x + b.x) / 2.0, (a.y + b.y) / 2.0 - 6.0);
            let _ = writeln!(
                out,
                r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="{color}" font-size="11" font-weight="600">{}</text>"#,
                escape_xml(&label)
            );
        }
    }
    for n in &l.nodes {
        let node = g.nodes.iter().find(|x| x.name == n.name).expect("layout nodes are nodes");
        let (stroke, dash) = if node.essential { ("#0f172a", "") } else { ("#94a3b8", r#" stroke-dasharray="5 3""#) };
        let _ = writeln!(
            out,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.0}" height="{:.0}" rx="10" fill="#ffffff" stroke="{stroke}" stroke-width="1.5"{dash}/>"##,
            n.x, n.y, n.w, n.h
        );
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" font-weight="700" fill="#0f172a">{}</text>"##,
            n.x + 12.0,
            n.y + 24.0,
            escape_xml(&truncate(&n.name, 28))
        );
        let image = node.image.as_deref().map(|i| truncate(i, 34)).unwrap_or_else(|| "(no image)".into());
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" fill="#475569" font-size="11">{}</text>"##,
            n.x + 12.0,
            n.y + 42.0,
            escape_xml(&image)
        );
        let badges = format!(
            "{}{}",
            if node.essential { "essential" } else { "non-essential" },
            if node.has_health_check { " · ♥ health check" } else { "" }
        );
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" fill="#64748b" font-size="11">{}</text>"##,
            n.x + 12.0,
            n.y + 60.0,
            escape_xml(&badges)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Shorten to at most `max` characters with an ellipsis.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::super::build;
    use super::*;
    use crate::document::Document;

    fn seed() -> Graph {
        build(&Document::parse(include_str!("../../../../tests/fixtures/seed/datadog-fastapi-taskdef.json")).unwrap())
    }

    #[test]
    fn mermaid_has_every_edge_and_phase() {
        let m = mermaid(&seed());
        assert!(m.starts_with("flowchart LR"));
        assert!(m.contains("c_datadog_agent -->|HEALTHY| c_my_app_repo"));
        assert!(m.contains("c_cws_instrumentation_init -->|SUCCESS| c_my_app_repo"));
        assert_eq!(m.matches("-->").count(), 4);
        assert_eq!(m.matches("subgraph").count(), 3);
    }

    #[test]
    fn dot_is_balanced() {
        let d = dot(&seed());
        assert_eq!(d.matches('{').count(), d.matches('}').count());
        assert!(d.contains("\"migration-runner\" -> \"my-app-repo\" [label=\"SUCCESS\""));
    }

    #[test]
    fn svg_draws_nodes_and_edges_and_escapes() {
        let s = svg(&seed());
        assert_eq!(s.matches("<rect x=").count(), 4);
        assert_eq!(s.matches("marker-end").count(), 4);
        assert!(s.contains(">HEALTHY<"));
        let g = build(&Document::from_value(&serde_json::json!({"containerDefinitions": [{"name": "a<b>&\"c"}]})));
        let s = svg(&g);
        assert!(s.contains("a&lt;b&gt;&amp;&quot;c") && !s.contains("a<b>"));
    }
}
