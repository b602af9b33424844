//! The start-up ordering graph the dependency rules share: name lookup, edges from
//! `dependsOn`, `links` and `volumesFrom`, strongly connected components (iterative
//! Tarjan, so a long chain cannot overflow the stack) and shortest cycles.
//!
//! Nodes are positions in `TaskDef::containers`. Nothing here allocates unless the task
//! definition actually has edges.

use crate::model::TaskDef;

/// Above this many containers names are looked up by binary search instead of a scan.
const LINEAR_LOOKUP: usize = 16;

/// Finds a container's position by name (the first one, if names are duplicated).
pub(crate) struct Names<'a> {
    sorted: Vec<(&'a str, usize)>,
}

impl<'a> Names<'a> {
    pub(crate) fn new(td: &TaskDef<'a>) -> Names<'a> {
        if td.containers.len() <= LINEAR_LOOKUP {
            return Names { sorted: Vec::new() };
        }
        let mut sorted: Vec<(&'a str, usize)> =
            td.containers.iter().enumerate().filter_map(|(i, c)| Some((c.name?, i))).collect();
        sorted.sort_unstable();
        Names { sorted }
    }

    pub(crate) fn find(&self, td: &TaskDef<'a>, name: &str) -> Option<usize> {
        if self.sorted.is_empty() {
            return td.containers.iter().position(|c| c.name == Some(name));
        }
        let i = self.sorted.partition_point(|(n, _)| *n < name);
        self.sorted.get(i).filter(|(n, _)| *n == name).map(|(_, p)| *p)
    }
}

/// Why one container waits for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Via<'a> {
    /// A `dependsOn` entry with its condition.
    DependsOn(&'a str),
    /// A `links` entry (the agent orders it like `START`).
    Link,
    /// A `volumesFrom` entry (the source container must be created first).
    VolumesFrom,
}

impl Via<'_> {
    pub(crate) fn field(self) -> &'static str {
        match self {
            Via::DependsOn(_) => "dependsOn",
            Via::Link => "links",
            Via::VolumesFrom => "volumesFrom",
        }
    }
}

/// `from` waits for `to`; `entry` is the index in `from`'s array field.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Edge<'a> {
    pub from: usize,
    pub to: usize,
    pub via: Via<'a>,
    pub entry: usize,
}

impl Edge<'_> {
    /// Document pointer of the entry that makes this edge.
    pub(crate) fn pointer(&self, td: &TaskDef<'_>) -> String {
        format!("{}/{}", td.containers[self.from].ptr(self.via.field()), self.entry)
    }

    /// "a dependsOn b (HEALTHY)", "a links b", "a takes volumesFrom b".
    pub(crate) fn describe(&self, td: &TaskDef<'_>) -> String {
        let (a, b) = (td.containers[self.from].label(), td.containers[self.to].label());
        match self.via {
            Via::DependsOn(cond) => format!("`{a}` dependsOn `{b}` ({cond})"),
            Via::Link => format!("`{a}` links `{b}`"),
            Via::VolumesFrom => format!("`{a}` takes volumesFrom `{b}`"),
        }
    }
}

/// The edges between existing containers. Self-edges of `dependsOn` and `links` are left
/// out (DEP001 and DEP006 report them); a self `volumesFrom` is kept (it is a cycle).
/// With `all == false` only `dependsOn` edges are collected.
pub(crate) fn edges<'a>(td: &TaskDef<'a>, names: &Names<'a>, all: bool) -> Vec<Edge<'a>> {
    let mut out = Vec::new();
    for (from, c) in td.containers.iter().enumerate() {
        for d in c.depends_on() {
            if let Some(to) = names.find(td, d.container_name) {
                if to != from && c.name != Some(d.container_name) {
                    out.push(Edge { from, to, via: Via::DependsOn(d.condition), entry: d.index });
                }
            }
        }
        if !all {
            continue;
        }
        for (entry, target) in c.links() {
            if let Some(to) = names.find(td, target) {
                if to != from && c.name != Some(target) {
                    out.push(Edge { from, to, via: Via::Link, entry });
                }
            }
        }
        for (entry, source) in c.volumes_from() {
            if let Some(to) = names.find(td, source) {
                // A container naming itself: treat as a self-loop on itself.
                let to = if c.name == Some(source) { from } else { to };
                out.push(Edge { from, to, via: Via::VolumesFrom, entry });
            }
        }
    }
    out
}

/// Whether the edges [`edges`] would collect form a cycle (a self-loop included), decided on
/// one bitset of successors per container without allocating; `None` above 64 containers.
pub(crate) fn has_cycle(td: &TaskDef<'_>, names: &Names<'_>, all: bool) -> Option<bool> {
    let n = td.containers.len();
    if n > 64 {
        return None;
    }
    let mut succ = [0u64; 64];
    for (from, c) in td.containers.iter().enumerate() {
        for d in c.depends_on() {
            if let Some(to) = names.find(td, d.container_name) {
                if to != from && c.name != Some(d.container_name) {
                    succ[from] |= 1 << to;
                }
            }
        }
        if !all {
            continue;
        }
        for (_, target) in c.links() {
            if let Some(to) = names.find(td, target) {
                if to != from && c.name != Some(target) {
                    succ[from] |= 1 << to;
                }
            }
        }
        for (_, source) in c.volumes_from() {
            if let Some(to) = names.find(td, source) {
                let to = if c.name == Some(source) { from } else { to };
                succ[from] |= 1 << to;
            }
        }
    }
    // Peel off containers that wait for nothing left; whatever remains lies on or before a cycle.
    let all_nodes = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
    let mut done = 0u64;
    while done != all_nodes {
        let before = done;
        for (u, s) in succ[..n].iter().enumerate() {
            if done & (1 << u) == 0 && s & !done == 0 {
                done |= 1 << u;
            }
        }
        if done == before {
            return Some(true);
        }
    }
    Some(false)
}

/// Out-edges per node, as edge ids (compressed sparse rows, built by counting sort).
pub(crate) struct Adjacency {
    start: Vec<usize>,
    ids: Vec<usize>,
}

impl Adjacency {
    pub(crate) fn new(n: usize, edges: &[Edge<'_>]) -> Adjacency {
        let mut start = vec![0usize; n + 1];
        for e in edges {
            start[e.from + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut ids = vec![0usize; edges.len()];
        for (id, e) in edges.iter().enumerate() {
            ids[fill[e.from]] = id;
            fill[e.from] += 1;
        }
        Adjacency { start, ids }
    }

    pub(crate) fn out(&self, v: usize) -> &[usize] {
        &self.ids[self.start[v]..self.start[v + 1]]
    }
}

const UNSEEN: usize = usize::MAX;

/// Component id of every node ([`crate::graph::strongly_connected`] over these edges).
fn components(n: usize, edges: &[Edge<'_>], adj: &Adjacency) -> Vec<usize> {
    crate::graph::strongly_connected(n, |v| adj.out(v).iter().map(|&e| edges[e].to)).component
}

/// One cycle per strongly connected component that has one (two or more containers, or a
/// container waiting for itself): the shortest cycle through the component's first
/// container in document order, as edge ids in order. Empty when the graph is acyclic.
pub(crate) fn cycles(n: usize, edges: &[Edge<'_>]) -> Vec<Vec<usize>> {
    // A cycle needs two edges, or one that loops.
    if edges.len() < 2 && edges.iter().all(|e| e.from != e.to) {
        return Vec::new();
    }
    let adj = Adjacency::new(n, edges);
    let comp = components(n, edges, &adj);
    let mut size = vec![0usize; n];
    for &c in &comp {
        size[c] += 1;
    }
    let mut out = Vec::new();
    let mut done = vec![false; n];
    let mut parent = vec![UNSEEN; n];
    let mut queue: Vec<usize> = Vec::new();
    for s in 0..n {
        let c = comp[s];
        if done[c] {
            continue;
        }
        done[c] = true;
        let self_loop = adj.out(s).iter().any(|&e| edges[e].to == s);
        if size[c] < 2 && !self_loop {
            continue;
        }
        // Breadth-first from s inside its component; the first edge back to s closes
        // a shortest cycle through s.
        for &v in &queue {
            parent[v] = UNSEEN;
        }
        queue.clear();
        queue.push(s);
        let mut head = 0;
        'bfs: while head < queue.len() {
            let u = queue[head];
            head += 1;
            for &e in adj.out(u) {
                let w = edges[e].to;
                if comp[w] != c {
                    continue;
                }
                if w == s {
                    let mut path = vec![e];
                    let mut v = u;
                    while v != s {
                        let pe = parent[v];
                        path.push(pe);
                        v = edges[pe].from;
                    }
                    path.reverse();
                    out.push(path);
                    break 'bfs;
                }
                if parent[w] == UNSEEN {
                    parent[w] = e;
                    queue.push(w);
                }
            }
        }
    }
    out
}

/// A container name close to `name` (same letters ignoring case, or a typo or two: the kit's
/// [`closest`](crate::rules::kit::closest)), other than `exclude`'s own — for "did you mean" fixes.
pub(crate) fn closest_name<'a>(td: &TaskDef<'a>, name: &str, exclude: Option<&str>) -> Option<&'a str> {
    crate::rules::kit::closest(name, td.containers.iter().filter_map(|c| c.name).filter(move |n| Some(*n) != exclude))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;
    use serde_json::json;

    fn edge(from: usize, to: usize) -> Edge<'static> {
        Edge { from, to, via: Via::Link, entry: 0 }
    }

    #[test]
    fn finds_one_shortest_cycle_per_component() {
        // 0 -> 1 -> 2 -> 0 and 1 -> 0 (shorter), 3 -> 3, 4 -> 5 (acyclic)
        let e = [edge(0, 1), edge(1, 2), edge(2, 0), edge(1, 0), edge(3, 3), edge(4, 5)];
        let cycles = cycles(6, &e);
        assert_eq!(cycles.len(), 2);
        assert_eq!(cycles[0], vec![0, 3], "0 -> 1 -> 0 is the shortest cycle through 0");
        assert_eq!(cycles[1], vec![4]);
    }

    #[test]
    fn acyclic_graphs_have_no_cycles_and_long_chains_do_not_overflow() {
        let e: Vec<_> = (0..100_000).map(|i| edge(i, i + 1)).collect();
        assert!(cycles(100_001, &e).is_empty());
        let mut ring = e.clone();
        ring.push(edge(100_000, 0));
        let c = cycles(100_001, &ring);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].len(), 100_001);
    }

    #[test]
    fn names_lookup_small_and_large() {
        let containers: Vec<_> = (0..40).map(|i| json!({"name": format!("c{i}"), "image": "x"})).collect();
        let doc = Document::from_value(&json!({"containerDefinitions": containers}));
        let td = TaskDef::new(&doc);
        let names = Names::new(&td);
        assert_eq!(names.find(&td, "c17"), Some(17));
        assert_eq!(names.find(&td, "c40"), None);
        let doc = Document::from_value(&json!({"containerDefinitions": [{"name": "a"}, {"name": "a"}]}));
        let td = TaskDef::new(&doc);
        assert_eq!(Names::new(&td).find(&td, "a"), Some(0));
    }

    #[test]
    fn has_cycle_agrees_with_cycles() {
        // A small linear congruential generator: reproducible graphs without a dependency.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |m: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        let mut seen = [false; 2];
        for _ in 0..400 {
            let n = 1 + next(9);
            let name = |i: u64| format!("c{i}");
            let containers: Vec<_> = (0..n)
                .map(|a| {
                    let deps: Vec<_> = (0..next(4))
                        .map(|_| json!({"containerName": name(next(n + 1)), "condition": "START"}))
                        .collect();
                    let links: Vec<_> = (0..next(2)).map(|_| json!(name(next(n + 1)))).collect();
                    let from: Vec<_> =
                        (0..next(2) * next(2)).map(|_| json!({"sourceContainer": name(next(n))})).collect();
                    json!({"name": name(a), "image": "x", "dependsOn": deps, "links": links, "volumesFrom": from})
                })
                .collect();
            let doc = Document::from_value(&json!({"containerDefinitions": containers}));
            let td = TaskDef::new(&doc);
            let names = Names::new(&td);
            for all in [false, true] {
                let expected = !cycles(td.containers.len(), &edges(&td, &names, all)).is_empty();
                assert_eq!(has_cycle(&td, &names, all), Some(expected));
                seen[usize::from(expected)] = true;
            }
        }
        assert_eq!(seen, [true, true], "both cyclic and acyclic graphs were tried");
    }

    #[test]
    fn suggestions() {
        let doc = Document::from_value(&json!({"containerDefinitions": [{"name": "datadog-agent"}, {"name": "app"}]}));
        let td = TaskDef::new(&doc);
        assert_eq!(closest_name(&td, "datadog-agnet", None), Some("datadog-agent"));
        assert_eq!(closest_name(&td, "Datadog-Agent", None), Some("datadog-agent"));
        assert_eq!(closest_name(&td, "ap", None), Some("app"));
        assert_eq!(closest_name(&td, "web", None), None);
        assert_eq!(closest_name(&td, "app", Some("app")), None);
    }
}
