//! The dependency graph as inline SVG, drawn from the core's layout (the same picture
//! as `ecs-lens graph --format svg`), with a legend, phase columns, finding badges and a
//! details panel for the container under the pointer or last clicked.

use leptos::prelude::*;

use crate::core::graph::render::{edge_color, edge_dash, edge_label, edge_path, truncate};
use crate::core::graph::Graph;

/// Per-container finding counts for the badges: (name, count, worst severity label).
pub type Badges = Vec<(String, usize, &'static str)>;

#[component]
pub fn GraphView(graph: Graph, badges: Badges) -> impl IntoView {
    let layout = graph.layout.clone();
    let (selected, set_selected) = signal(None::<String>);
    let width = format!("{:.0}", layout.width.max(300.0));
    let height = format!("{:.0}", layout.height.max(120.0));
    let view_box = format!("0 0 {width} {height}");

    let phase_labels = layout
        .columns
        .iter()
        .enumerate()
        .map(|(p, x)| {
            let names = graph.phases.get(p).map(|ph| ph.join(", ")).unwrap_or_default();
            view! {
                <text x=format!("{x:.1}") y="30" class="fill-slate-500 text-[11px] font-semibold tracking-wide">
                    {format!("PHASE {}", p + 1)}
                    <title>{format!("Start together: {names}")}</title>
                </text>
            }
        })
        .collect_view();

    let edges = layout
        .edges
        .iter()
        .map(|e| {
            let color = edge_color(e.kind, e.condition.as_deref());
            let dash = edge_dash(e.kind);
            let label = edge_label(e.kind, e.condition.as_deref());
            let (lx, ly) = match (e.points.first(), e.points.get(1)) {
                (Some(a), Some(b)) => ((a.x + b.x) / 2.0, (a.y + b.y) / 2.0 - 6.0),
                _ => (0.0, 0.0),
            };
            let title = format!("{} → {} ({})", e.from, e.to, label);
            let from = e.from.clone();
            let to = e.to.clone();
            let dim = move || selected.get().is_some_and(|s| s != from && s != to);
            view! {
                <g data-edge=format!("{}->{}", e.from, e.to) data-kind=e.kind.as_str() class:opacity-25=dim>
                    <title>{title}</title>
                    <path d=edge_path(&e.points) fill="none" stroke=color stroke-width="2"
                        stroke-dasharray=dash marker-end=format!("url(#arrow-{})", color.trim_start_matches('#'))/>
                    <text x=format!("{lx:.1}") y=format!("{ly:.1}") text-anchor="middle" fill=color
                        class="text-[10px] font-bold">{label}</text>
                </g>
            }
        })
        .collect_view();

    let markers = ["16a34a", "2563eb", "7c3aed", "475569", "d97706", "db2777"]
        .iter()
        .map(|c| {
            view! {
                <marker id=format!("arrow-{c}") viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7"
                    orient="auto-start-reverse">
                    <path d="M0,0 L10,5 L0,10 z" fill=format!("#{c}")/>
                </marker>
            }
        })
        .collect_view();

    let nodes = layout
        .nodes
        .iter()
        .map(|n| {
            let node = graph.nodes.iter().find(|x| x.name == n.name).cloned();
            let essential = node.as_ref().is_some_and(|x| x.essential);
            let health = node.as_ref().is_some_and(|x| x.has_health_check);
            let image = node.as_ref().and_then(|x| x.image.clone()).unwrap_or_else(|| "(no image)".into());
            let badge = badges.iter().find(|b| b.0 == n.name).map(|b| (b.1, b.2));
            let name = n.name.clone();
            let name_click = n.name.clone();
            let name_sel = n.name.clone();
            let is_selected = move || selected.get().as_deref() == Some(name_sel.as_str());
            let (x, y, w, h) = (n.x, n.y, n.w, n.h);
            view! {
                <g data-node=name.clone() class="cursor-pointer" tabindex="0" role="button"
                    aria-label=format!("container {name}")
                    on:click=move |_| set_selected.update(|s| {
                        *s = if s.as_deref() == Some(name_click.as_str()) { None } else { Some(name_click.clone()) }
                    })>
                    <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{w:.0}") height=format!("{h:.0}") rx="10"
                        class=if essential { "fill-white stroke-slate-900" } else { "fill-slate-50 stroke-slate-400" }
                        class:stroke-sky-500=is_selected
                        stroke-width="1.5" stroke-dasharray=if essential { "" } else { "5 3" }/>
                    <text x=format!("{:.1}", x + 12.0) y=format!("{:.1}", y + 24.0) class="fill-slate-900 text-[13px] font-bold">
                        {truncate(&name, 26)}
                    </text>
                    <text x=format!("{:.1}", x + 12.0) y=format!("{:.1}", y + 42.0) class="fill-slate-500 text-[11px]">
                        {truncate(&image, 34)}
                    </text>
                    <text x=format!("{:.1}", x + 12.0) y=format!("{:.1}", y + 60.0) class="fill-slate-500 text-[11px]">
                        {if essential { "essential" } else { "non-essential" }}
                        {if health { " · ♥ health check" } else { "" }}
                    </text>
                    {badge.map(|(count, sev)| {
                        let fill = match sev {
                            "critical" => "fill-fuchsia-600",
                            "high" => "fill-red-600",
                            "medium" => "fill-amber-500",
                            "low" => "fill-sky-500",
                            _ => "fill-slate-400",
                        };
                        view! {
                            <g data-badge=count.to_string()>
                                <title>{format!("{count} finding(s), worst: {sev}")}</title>
                                <circle cx=format!("{:.1}", x + w - 4.0) cy=format!("{:.1}", y + 4.0) r="11" class=fill/>
                                <text x=format!("{:.1}", x + w - 4.0) y=format!("{:.1}", y + 8.0) text-anchor="middle"
                                    class="fill-white text-[11px] font-bold">{count.to_string()}</text>
                            </g>
                        }
                    })}
                </g>
            }
        })
        .collect_view();

    let details = graph.nodes.clone();
    let edges_all = graph.edges.clone();
    view! {
        <div class="rounded-xl border border-slate-200 bg-white">
            <div class="overflow-x-auto">
                <svg viewBox=view_box width=width height=height class="block font-sans" role="group"
                    aria-label="container dependency graph" data-testid="dependency-graph">
                    <defs>{markers}</defs>
                    {phase_labels}
                    {edges}
                    {nodes}
                </svg>
            </div>
            <Legend/>
            {move || selected.get().and_then(|name| {
                let n = details.iter().find(|n| n.name == name)?.clone();
                let waits: Vec<String> = edges_all.iter().filter(|e| e.from == name)
                    .map(|e| format!("{} ({})", e.to, e.condition.clone().unwrap_or_else(|| e.kind.as_str().into()))).collect();
                let waited: Vec<String> = edges_all.iter().filter(|e| e.to == name).map(|e| e.from.clone()).collect();
                Some(view! {
                    <div class="border-t border-slate-200 px-4 py-3 text-sm" data-testid="node-details">
                        <div class="font-semibold">{n.name.clone()}</div>
                        <div class="text-slate-600 break-all">{n.image.clone().unwrap_or_default()}</div>
                        <div class="mt-1 text-slate-600">
                            {format!("phase {} · {} · {}", n.phase + 1,
                                if n.essential { "essential" } else { "non-essential" },
                                if n.has_health_check { "has a health check" } else { "no health check" })}
                        </div>
                        <div class="mt-1 text-slate-600">
                            {if waits.is_empty() { "Waits for nothing.".to_string() } else { format!("Waits for: {}", waits.join(", ")) }}
                        </div>
                        <div class="text-slate-600">
                            {if waited.is_empty() { "Nothing waits for it.".to_string() } else { format!("Waited on by: {}", waited.join(", ")) }}
                        </div>
                    </div>
                })
            })}
        </div>
    }
}

#[component]
fn Legend() -> impl IntoView {
    let item = |color: &'static str, dash: &'static str, label: &'static str, hint: &'static str| {
        view! {
            <span class="inline-flex items-center gap-1.5" title=hint>
                <svg width="28" height="8"><line x1="0" y1="4" x2="28" y2="4" stroke=color stroke-width="2" stroke-dasharray=dash/></svg>
                {label}
            </span>
        }
    };
    view! {
        <div class="flex flex-wrap gap-x-5 gap-y-1 border-t border-slate-100 px-4 py-2 text-xs text-slate-600" data-testid="graph-legend">
            {item("#475569", "", "START", "waits until the dependency has started")}
            {item("#7c3aed", "", "COMPLETE", "waits until the dependency has exited (any code)")}
            {item("#2563eb", "", "SUCCESS", "waits until the dependency has exited with 0")}
            {item("#16a34a", "", "HEALTHY", "waits until the dependency's health check passes")}
            {item("#d97706", "6 4", "links", "legacy Docker link (bridge mode)")}
            {item("#db2777", "2 4", "volumesFrom", "mounts the other container's volumes")}
            <span class="inline-flex items-center gap-1.5"><span class="inline-block h-3 w-5 rounded border border-slate-900"></span>"essential"</span>
            <span class="inline-flex items-center gap-1.5"><span class="inline-block h-3 w-5 rounded border border-dashed border-slate-400"></span>"non-essential"</span>
            <span>"Columns are start-up phases; arrows point at what a container waits for."</span>
        </div>
    }
}
