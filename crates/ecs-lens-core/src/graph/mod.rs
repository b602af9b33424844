//! The container dependency graph: nodes, edges (dependsOn, links, volumesFrom),
//! cycles, start-up phases, shutdown order and a layered layout that the CLI's SVG,
//! the server and the browser all draw the same way.

use serde::{Deserialize, Serialize};

use super::document::Document;
use super::model::TaskDef;

mod layout;
pub mod render;

pub use layout::{crossings, Layout, LayoutEdge, LayoutNode, Point};

/// A container.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    pub name: String,
    /// Index in `containerDefinitions`.
    pub index: usize,
    pub essential: bool,
    pub has_health_check: bool,
    pub image: Option<String>,
    /// Start-up phase (0 starts first). Containers in a cycle share the phase of the cycle.
    pub phase: usize,
    /// Pointer of the container in the document.
    pub pointer: String,
}

/// What created an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EdgeKind {
    #[serde(rename = "dependsOn")]
    DependsOn,
    #[serde(rename = "links")]
    Link,
    #[serde(rename = "volumesFrom")]
    VolumesFrom,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::DependsOn => "dependsOn",
            EdgeKind::Link => "links",
            EdgeKind::VolumesFrom => "volumesFrom",
        }
    }
}

/// `from` waits for / needs `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    /// The dependent container.
    pub from: String,
    /// The container it depends on.
    pub to: String,
    pub kind: EdgeKind,
    /// START / COMPLETE / SUCCESS / HEALTHY for dependsOn edges.
    pub condition: Option<String>,
    /// Pointer of the entry that created the edge.
    pub pointer: String,
}

/// The whole graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Start-up phases: containers in one phase start together, phases in order.
    pub phases: Vec<Vec<String>>,
    /// Shutdown order (ECS stops dependents before their dependencies).
    pub shutdown: Vec<Vec<String>>,
    /// Every cycle, as the list of containers on it.
    pub cycles: Vec<Vec<String>>,
    /// Edges that name a container the task definition does not have (not drawn).
    pub dangling: Vec<Edge>,
    pub layout: Layout,
}

/// Build the graph of a document.
pub fn build(doc: &Document) -> Graph {
    build_from(&TaskDef::new(doc))
}

/// Build the graph from the typed view.
pub fn build_from(td: &TaskDef<'_>) -> Graph {
    // Nodes: named containers, first occurrence of each name.
    let mut nodes: Vec<Node> = Vec::new();
    for c in &td.containers {
        let Some(name) = c.name else { continue };
        if nodes.iter().any(|n| n.name == name) {
            continue;
        }
        nodes.push(Node {
            name: name.to_string(),
            index: c.index,
            essential: c.essential(),
            has_health_check: c.has_health_check(),
            image: c.image().map(str::to_string),
            phase: 0,
            pointer: c.pointer.clone(),
        });
    }
    let idx = |name: &str| nodes.iter().position(|n| n.name == name);

    let mut edges = Vec::new();
    let mut dangling = Vec::new();
    for c in &td.containers {
        let Some(from) = c.name else { continue };
        let mut push = |to: &str, kind: EdgeKind, condition: Option<&str>, pointer: String| {
            let e = Edge {
                from: from.to_string(),
                to: to.to_string(),
                kind,
                condition: condition.map(str::to_string),
                pointer,
            };
            if idx(to).is_some() {
                edges.push(e);
            } else {
                dangling.push(e);
            }
        };
        for d in c.depends_on() {
            push(
                d.container_name,
                EdgeKind::DependsOn,
                Some(d.condition),
                format!("{}/{}", c.ptr("dependsOn"), d.index),
            );
        }
        for (i, to) in c.links() {
            push(to, EdgeKind::Link, None, format!("{}/{}", c.ptr("links"), i));
        }
        for (i, to) in c.volumes_from() {
            push(to, EdgeKind::VolumesFrom, None, format!("{}/{}", c.ptr("volumesFrom"), i));
        }
    }

    let n = nodes.len();
    // adjacency: dependent -> dependencies
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in &edges {
        if let (Some(a), Some(b)) = (idx(&e.from), idx(&e.to)) {
            if !deps[a].contains(&b) {
                deps[a].push(b);
            }
        }
    }
    let scc = strongly_connected(deps.len(), |v| deps[v].iter().copied());
    let cycles: Vec<Vec<String>> = scc
        .groups
        .iter()
        .filter(|g| g.len() > 1 || deps[g[0]].contains(&g[0]))
        .map(|g| {
            let mut g = g.clone();
            g.sort_unstable();
            g.iter().map(|&i| nodes[i].name.clone()).collect()
        })
        .collect();

    // Phase of a component = 1 + max phase of the components it depends on.
    let comp_count = scc.groups.len();
    let mut comp_phase = vec![usize::MAX; comp_count];
    // Tarjan emits components in reverse topological order of the "depends on" edges:
    // dependencies come before dependents, so one pass in emission order suffices.
    for (ci, group) in scc.groups.iter().enumerate() {
        let mut phase = 0;
        for &v in group {
            for &d in &deps[v] {
                let dc = scc.component[d];
                if dc != ci && comp_phase[dc] != usize::MAX {
                    phase = phase.max(comp_phase[dc] + 1);
                }
            }
        }
        comp_phase[ci] = phase;
    }
    for (i, node) in nodes.iter_mut().enumerate() {
        node.phase = comp_phase[scc.component[i]];
    }
    let phase_count = nodes.iter().map(|n| n.phase + 1).max().unwrap_or(0);
    let mut phases: Vec<Vec<String>> = vec![Vec::new(); phase_count];
    for node in &nodes {
        phases[node.phase].push(node.name.clone());
    }
    let shutdown = phases.iter().rev().cloned().collect();
    let layout = layout::layout(&nodes, &edges);
    Graph { nodes, edges, phases, shutdown, cycles, dangling, layout }
}

/// Strongly connected components of a directed graph.
pub struct Scc {
    /// Components in Tarjan's emission order (reverse topological: a component comes after
    /// every component it reaches).
    pub groups: Vec<Vec<usize>>,
    /// Component index (into `groups`) of each vertex.
    pub component: Vec<usize>,
}

/// Tarjan's strongly connected components of the graph on vertices `0..n` whose edges leave
/// `v` towards `successors(v)`; iterative (no recursion on user input). The one SCC of the
/// core: the dependency graph's cycles and phases, and DEP004's cycles.
pub fn strongly_connected<I: Iterator<Item = usize>>(n: usize, successors: impl Fn(usize) -> I) -> Scc {
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut groups = Vec::new();
    let mut component = vec![0; n];
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, I)> = vec![(root, successors(root))];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some((v, out)) = work.last_mut() {
            let v = *v;
            if let Some(w) = out.next() {
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, successors(w)));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some((parent, _)) = work.last() {
                    low[*parent] = low[*parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut group = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component[w] = groups.len();
                        group.push(w);
                        if w == v {
                            break;
                        }
                    }
                    groups.push(group);
                }
            }
        }
    }
    Scc { groups, component }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SEED: &str = include_str!("../../../../tests/fixtures/seed/datadog-fastapi-taskdef.json");

    fn graph_of(v: serde_json::Value) -> Graph {
        build(&Document::from_value(&v))
    }

    #[test]
    fn seed_graph() {
        let g = build(&Document::parse(SEED).unwrap());
        assert_eq!(g.nodes.len(), 4);
        let depends: Vec<_> = g
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::DependsOn)
            .map(|e| (e.from.as_str(), e.to.as_str(), e.condition.as_deref().unwrap()))
            .collect();
        assert_eq!(
            depends,
            [
                ("my-app-repo", "datadog-agent", "HEALTHY"),
                ("my-app-repo", "cws-instrumentation-init", "SUCCESS"),
                ("my-app-repo", "migration-runner", "SUCCESS"),
                ("migration-runner", "datadog-agent", "HEALTHY"),
            ]
        );
        assert_eq!(g.edges.len(), 4, "the seed has no links or volumesFrom");
        assert_eq!(
            g.phases,
            vec![vec!["cws-instrumentation-init", "datadog-agent"], vec!["migration-runner"], vec!["my-app-repo"]]
        );
        assert_eq!(g.shutdown[0], vec!["my-app-repo"]);
        assert!(g.cycles.is_empty());
        assert!(g.dangling.is_empty());
        let agent = g.nodes.iter().find(|n| n.name == "datadog-agent").unwrap();
        assert!(agent.essential && agent.has_health_check);
        assert_eq!(g.edges[0].pointer, "/containerDefinitions/2/dependsOn/0");
    }

    #[test]
    fn cycles_through_links_and_volumes_from() {
        let g = graph_of(json!({"containerDefinitions": [
            {"name": "a", "dependsOn": [{"containerName": "b", "condition": "START"}]},
            {"name": "b", "links": ["c:alias"]},
            {"name": "c", "volumesFrom": [{"sourceContainer": "a"}]},
            {"name": "d", "dependsOn": [{"containerName": "a", "condition": "START"}]},
            {"name": "e", "dependsOn": [{"containerName": "e", "condition": "START"}]},
            {"name": "f", "dependsOn": [{"containerName": "ghost", "condition": "START"}]}
        ]}));
        assert_eq!(g.cycles.len(), 2);
        assert!(g.cycles.contains(&vec!["a".to_string(), "b".into(), "c".into()]));
        assert!(g.cycles.contains(&vec!["e".to_string()]));
        let phase = |n: &str| g.nodes.iter().find(|x| x.name == n).unwrap().phase;
        assert_eq!(phase("a"), phase("b"));
        assert!(phase("d") > phase("a"));
        assert_eq!(g.dangling.len(), 1);
        assert_eq!(g.dangling[0].to, "ghost");
    }

    #[test]
    fn json_shape() {
        let g = build(&Document::parse(SEED).unwrap());
        let v = serde_json::to_value(&g).unwrap();
        assert_eq!(v["edges"][0]["kind"], "dependsOn");
        assert_eq!(v["edges"][0]["from"], "my-app-repo");
        assert_eq!(v["edges"][0]["to"], "datadog-agent");
        assert_eq!(v["edges"][0]["condition"], "HEALTHY");
        assert!(v["phases"].is_array() && v["cycles"].is_array() && v["nodes"].is_array());
    }

    #[test]
    fn no_containers_no_panic() {
        let g = graph_of(json!({"family": "x"}));
        assert!(g.nodes.is_empty() && g.phases.is_empty());
        let g = graph_of(json!([1, 2]));
        assert!(g.nodes.is_empty());
    }
}
