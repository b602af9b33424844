//! The dependency graph on any parsable text: no panic (cycles, dangling and duplicate names,
//! odd conditions); every container is a node; every drawn edge joins two nodes; every node
//! is in exactly one start-up phase unless it is on a cycle; the renderings are produced.
#![no_main]

use ecs_lens_core::document::Document;
use ecs_lens_core::graph::{self, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(doc) = Document::parse(text) else { return };
    let g = graph::build(&doc);
    let names: Vec<&str> = g.nodes.iter().map(|n| n.name.as_str()).collect();
    for e in &g.edges {
        assert!(names.contains(&e.from.as_str()) && names.contains(&e.to.as_str()), "edge {} -> {} joins nodes", e.from, e.to);
    }
    let on_cycle = |n: &str| g.cycles.iter().any(|c| c.iter().any(|m| m == n));
    for n in &names {
        let phases = g.phases.iter().filter(|p| p.iter().any(|m| m == n)).count();
        assert!(phases == 1 || on_cycle(n), "{n} is in {phases} phases");
    }
    assert!(render::svg(&g).starts_with("<svg"));
    let _ = (render::mermaid(&g), render::dot(&g), graph::crossings(&g.layout));
});
