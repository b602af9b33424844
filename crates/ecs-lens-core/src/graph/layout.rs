//! A layered (Sugiyama-style) layout: one column per start-up phase, left to right;
//! long edges routed through virtual points in the columns they cross so that no
//! edge passes through a node; rows ordered by barycentre sweeps to keep crossings few.

use serde::{Deserialize, Serialize};

use super::{Edge, EdgeKind, Node};

pub const NODE_W: f64 = 230.0;
pub const NODE_H: f64 = 72.0;
const H_GAP: f64 = 110.0;
const V_GAP: f64 = 36.0;
const PAD: f64 = 24.0;
/// Header room above the columns for the phase labels.
pub const HEADER: f64 = 28.0;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayoutNode {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub phase: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayoutEdge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    pub condition: Option<String>,
    /// Polyline from the dependent to the dependency (draw as a smooth curve).
    pub points: Vec<Point>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<LayoutNode>,
    pub edges: Vec<LayoutEdge>,
    /// x of each phase column's left edge.
    pub columns: Vec<f64>,
}

#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Node(usize),
    /// Virtual point of edge `e` in this column.
    Virtual(usize),
}

pub(super) fn layout(nodes: &[Node], edges: &[Edge]) -> Layout {
    if nodes.is_empty() {
        return Layout { width: 2.0 * PAD, height: 2.0 * PAD, ..Layout::default() };
    }
    let layers = nodes.iter().map(|n| n.phase + 1).max().unwrap_or(1);
    let index_of = |name: &str| nodes.iter().position(|n| n.name == name);

    // Columns with their slots, initially in container order.
    let mut columns: Vec<Vec<Slot>> = vec![Vec::new(); layers];
    for (i, n) in nodes.iter().enumerate() {
        columns[n.phase].push(Slot::Node(i));
    }
    // Long edges get a virtual slot in every column strictly between their ends.
    let mut ends: Vec<(usize, usize)> = Vec::with_capacity(edges.len());
    for (ei, e) in edges.iter().enumerate() {
        let (Some(a), Some(b)) = (index_of(&e.from), index_of(&e.to)) else {
            ends.push((usize::MAX, usize::MAX));
            continue;
        };
        ends.push((a, b));
        let (la, lb) = (nodes[a].phase, nodes[b].phase);
        if la > lb + 1 {
            for column in columns.iter_mut().take(la).skip(lb + 1) {
                column.push(Slot::Virtual(ei));
            }
        }
    }

    // Barycentre sweeps: order each column by the mean position of its neighbours.
    let neighbours = |slot: Slot, toward: isize, columns: &Vec<Vec<Slot>>, layer: usize| -> Option<f64> {
        let target = layer as isize + toward;
        if target < 0 || target as usize >= columns.len() {
            return None;
        }
        let col = &columns[target as usize];
        let pos_of = |s: Slot| col.iter().position(|x| *x == s).map(|p| p as f64);
        let mut sum = 0.0;
        let mut count = 0.0;
        for (ei, &(a, b)) in ends.iter().enumerate() {
            if a == usize::MAX {
                continue;
            }
            let (la, lb) = (nodes[a].phase, nodes[b].phase);
            // Which slot represents edge ei in `layer` and in `target`?
            let at = |l: usize| -> Option<Slot> {
                if l == la {
                    Some(Slot::Node(a))
                } else if l == lb {
                    Some(Slot::Node(b))
                } else if l > lb && l < la {
                    Some(Slot::Virtual(ei))
                } else {
                    None
                }
            };
            if at(layer) == Some(slot) {
                if let Some(p) = at(target as usize).and_then(pos_of) {
                    sum += p;
                    count += 1.0;
                }
            }
        }
        (count > 0.0).then(|| sum / count)
    };
    for sweep in 0..4 {
        let forward = sweep % 2 == 0;
        let order: Vec<usize> =
            if forward { (1..layers).collect() } else { (0..layers.saturating_sub(1)).rev().collect() };
        let toward = if forward { -1 } else { 1 };
        for layer in order {
            let keyed: Vec<(f64, usize, Slot)> = columns[layer]
                .iter()
                .enumerate()
                .map(|(pos, &s)| (neighbours(s, toward, &columns, layer).unwrap_or(pos as f64), pos, s))
                .collect();
            let mut keyed = keyed;
            keyed.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal).then(a.1.cmp(&b.1)));
            columns[layer] = keyed.into_iter().map(|k| k.2).collect();
        }
    }

    // Coordinates.
    let slot_h = |s: &Slot| if matches!(s, Slot::Node(_)) { NODE_H } else { 12.0 };
    let col_height =
        |c: &Vec<Slot>| -> f64 { c.iter().map(slot_h).sum::<f64>() + V_GAP * (c.len().saturating_sub(1)) as f64 };
    let max_h = columns.iter().map(col_height).fold(0.0, f64::max);
    let col_x: Vec<f64> = (0..layers).map(|l| PAD + 24.0 + l as f64 * (NODE_W + H_GAP)).collect();
    let mut node_pos: Vec<(f64, f64)> = vec![(0.0, 0.0); nodes.len()];
    let mut virt_pos: std::collections::HashMap<(usize, usize), Point> = std::collections::HashMap::new();
    for (l, column) in columns.iter().enumerate() {
        let mut y = PAD + HEADER + (max_h - col_height(column)) / 2.0;
        for s in column {
            match *s {
                Slot::Node(i) => node_pos[i] = (col_x[l], y),
                Slot::Virtual(e) => {
                    virt_pos.insert((e, l), Point { x: col_x[l] + NODE_W / 2.0, y: y + 6.0 });
                }
            }
            y += slot_h(s) + V_GAP;
        }
    }

    let lnodes: Vec<LayoutNode> = nodes
        .iter()
        .zip(&node_pos)
        .map(|(n, &(x, y))| LayoutNode { name: n.name.clone(), x, y, w: NODE_W, h: NODE_H, phase: n.phase })
        .collect();

    let mut ledges = Vec::with_capacity(edges.len());
    for (ei, e) in edges.iter().enumerate() {
        let (a, b) = ends[ei];
        if a == usize::MAX {
            continue;
        }
        let (ax, ay) = node_pos[a];
        let (bx, by) = node_pos[b];
        let (la, lb) = (nodes[a].phase, nodes[b].phase);
        let mut points = Vec::new();
        if la > lb {
            // Normal: from the dependent's left side, through virtual points, to the dependency's right side.
            points.push(Point { x: ax, y: ay + NODE_H / 2.0 });
            for l in (lb + 1..la).rev() {
                if let Some(p) = virt_pos.get(&(ei, l)) {
                    points.push(Point { x: p.x + NODE_W / 2.0, y: p.y });
                    points.push(Point { x: p.x - NODE_W / 2.0, y: p.y });
                }
            }
            points.push(Point { x: bx + NODE_W, y: by + NODE_H / 2.0 });
        } else {
            // Same column (a cycle or a self-loop): an arc in the gap left of the column.
            let gx = ax - 28.0 - 10.0 * (ei % 3) as f64;
            points.push(Point { x: ax, y: ay + NODE_H / 2.0 - 10.0 });
            points.push(Point { x: gx, y: ay + NODE_H / 2.0 - 10.0 });
            points.push(Point { x: gx, y: by + NODE_H / 2.0 + 10.0 });
            points.push(Point { x: bx, y: by + NODE_H / 2.0 + 10.0 });
        }
        ledges.push(LayoutEdge {
            from: e.from.clone(),
            to: e.to.clone(),
            kind: e.kind,
            condition: e.condition.clone(),
            points,
        });
    }

    Layout {
        width: col_x.last().copied().unwrap_or(PAD) + NODE_W + PAD,
        height: PAD * 2.0 + HEADER + max_h,
        nodes: lnodes,
        edges: ledges,
        columns: col_x,
    }
}

/// Number of pairwise crossings between edge segments (for tests and tuning).
pub fn crossings(layout: &Layout) -> usize {
    let segs: Vec<(usize, Point, Point)> =
        layout.edges.iter().enumerate().flat_map(|(i, e)| e.points.windows(2).map(move |w| (i, w[0], w[1]))).collect();
    let mut count = 0;
    for i in 0..segs.len() {
        for j in i + 1..segs.len() {
            let (ei, a, b) = segs[i];
            let (ej, c, d) = segs[j];
            if ei != ej && proper_intersection(a, b, c, d) {
                count += 1;
            }
        }
    }
    count
}

fn proper_intersection(a: Point, b: Point, c: Point, d: Point) -> bool {
    let orient = |p: Point, q: Point, r: Point| (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x);
    let (d1, d2, d3, d4) = (orient(c, d, a), orient(c, d, b), orient(a, b, c), orient(a, b, d));
    d1 * d2 < 0.0 && d3 * d4 < 0.0
}

#[cfg(test)]
mod tests {
    use super::super::build;
    use super::*;
    use crate::document::Document;
    use serde_json::json;

    fn overlaps(a: &LayoutNode, b: &LayoutNode) -> bool {
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
    }

    /// Does the open segment p–q pass through the rectangle's interior?
    fn segment_hits(n: &LayoutNode, p: Point, q: Point) -> bool {
        (0..=20).any(|k| {
            let t = k as f64 / 20.0;
            let (x, y) = (p.x + (q.x - p.x) * t, p.y + (q.y - p.y) * t);
            x > n.x + 1.0 && x < n.x + n.w - 1.0 && y > n.y + 1.0 && y < n.y + n.h - 1.0
        })
    }

    fn check(v: serde_json::Value) -> Layout {
        let g = build(&Document::from_value(&v));
        let l = g.layout;
        for (i, a) in l.nodes.iter().enumerate() {
            for b in &l.nodes[i + 1..] {
                assert!(!overlaps(a, b), "{} overlaps {}", a.name, b.name);
            }
            assert!(a.x >= 0.0 && a.y >= 0.0 && a.x + a.w <= l.width && a.y + a.h <= l.height);
        }
        for e in &l.edges {
            for w in e.points.windows(2) {
                for n in &l.nodes {
                    assert!(!segment_hits(n, w[0], w[1]), "edge {}→{} crosses node {}", e.from, e.to, n.name);
                }
            }
        }
        l
    }

    #[test]
    fn seed_layout_is_clean() {
        let l = check(
            serde_json::from_str(include_str!("../../../../tests/fixtures/seed/datadog-fastapi-taskdef.json")).unwrap(),
        );
        assert_eq!(l.nodes.len(), 4);
        assert_eq!(l.edges.len(), 4);
        assert_eq!(crossings(&l), 0);
        assert_eq!(l.columns.len(), 3);
    }

    #[test]
    fn long_edges_route_around_nodes() {
        let deps = |names: &[&str]| -> serde_json::Value {
            json!(names.iter().map(|n| json!({"containerName": n, "condition": "START"})).collect::<Vec<_>>())
        };
        let l = check(json!({"containerDefinitions": [
            {"name": "a"},
            {"name": "b", "dependsOn": deps(&["a"])},
            {"name": "x", "dependsOn": deps(&["a"])},
            {"name": "c", "dependsOn": deps(&["b", "x"])},
            {"name": "d", "dependsOn": deps(&["c", "a", "x"])},
            {"name": "e", "dependsOn": deps(&["a"])},
            {"name": "f", "dependsOn": deps(&["e", "c"])},
        ]}));
        assert!(crossings(&l) <= 2, "crossings: {}", crossings(&l));
    }

    #[test]
    fn cycle_arcs_stay_outside_nodes() {
        check(json!({"containerDefinitions": [
            {"name": "a", "dependsOn": [{"containerName": "b", "condition": "START"}]},
            {"name": "m"},
            {"name": "b", "dependsOn": [{"containerName": "a", "condition": "START"}]},
        ]}));
    }
}
