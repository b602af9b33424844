use super::graph::{cycles, edges, has_cycle, Names, Via};
use crate::finding::{Finding, Fix};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct DependencyCycle;

pub static META: RuleMeta = RuleMeta {
    id: "DEP004",
    name: "dependency-cycle",
    severity: Severity::High,
    category: Category::Dependencies,
    blocks_registration: false,
    summary: "Containers wait for each other in a loop (`dependsOn`, `links`, `volumesFrom`)",
    what: crate::rules::doc(
        "Builds the start-up order graph of the task — `dependsOn` entries, `links` (the agent starts a \
           linked container first) and `volumesFrom` (the source container is created first) — and reports \
           every loop once, with its path.",
    ),
    why: crate::rules::doc(
        "A container in a loop waits, directly or through others, for itself: none of the containers in the \
          loop can ever start and the task never reaches `RUNNING`. ECS rejects loops made only of `links` \
          (`Container links should not have a cycle`); loops through `dependsOn` or `volumesFrom` are not \
          known to be rejected at registration and fail at run time instead.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [
  {"name": "app", "image": "app:1.2", "dependsOn": [{"containerName": "proxy", "condition": "START"}]},
  {"name": "proxy", "image": "envoy:1.30", "dependsOn": [{"containerName": "app", "condition": "HEALTHY"}]}
]}"#,
    ),
    fix: crate::rules::doc(
        "Decide which container really has to start first and remove the entry that points the other way. \
          Sidecars (agents, proxies, log routers) usually start first and should not depend on the \
          application.",
    ),
    references: &[],
};

impl Rule for DependencyCycle {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let has_edges = td
            .containers
            .iter()
            .any(|c| c.obj.keys().any(|k| matches!(k.as_str(), "dependsOn" | "links" | "volumesFrom")));
        if !has_edges {
            return;
        }
        let names = Names::new(td);
        if has_cycle(td, &names, true) == Some(false) {
            return;
        }
        let edges = edges(td, &names, true);
        for cycle in cycles(td.containers.len(), &edges) {
            let first = edges[cycle[0]];
            let mut path = td.containers[first.from].label();
            let mut why = String::new();
            for (i, &e) in cycle.iter().enumerate() {
                let e = edges[e];
                path.push_str(" → ");
                path.push_str(&td.containers[e.to].label());
                if i > 0 {
                    why.push_str(", ");
                }
                why.push_str(&e.describe(td));
            }
            let links_only = cycle.iter().all(|&e| edges[e].via == Via::Link);
            let message = if links_only {
                format!("dependency cycle {path} ({why}); ECS rejects it: \"Container links should not have a cycle\"")
            } else {
                format!("dependency cycle {path} ({why}); none of these containers can ever start")
            };
            let mut f = Finding::new(&META, first.pointer(td), message).in_container(&td.containers[first.from]);
            f.blocks_registration = links_only;
            out.push(f.with_fix_from(cx, || {
                Fix::advice(format!(
                    "Break the loop: remove the entry that should not be there (one of: {why}). Sidecars usually \
                     start first and should not wait for the application."
                ))
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::{json, Value};

    fn td(containers: Value) -> Value {
        let mut td = base();
        td["containerDefinitions"] = containers;
        td
    }

    #[test]
    fn reports_a_depends_on_cycle_once_with_its_path() {
        let doc = td(json!([
            {"name": "app", "image": "a", "dependsOn": [{"containerName": "proxy", "condition": "START"}]},
            {"name": "proxy", "image": "p", "dependsOn": [{"containerName": "app", "condition": "HEALTHY"}]}
        ]));
        let f = check_value(&DependencyCycle, doc);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("app → proxy → app"), "{}", f[0].message);
        assert!(f[0].message.contains("`proxy` dependsOn `app` (HEALTHY)"), "{}", f[0].message);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/dependsOn/0");
        assert!(!f[0].blocks_registration);
    }

    #[test]
    fn mixed_cycles_through_links_and_volumes_from() {
        let mut doc = td(json!([
            {"name": "a", "image": "a", "links": ["b:bee"]},
            {"name": "b", "image": "b", "volumesFrom": [{"sourceContainer": "c"}]},
            {"name": "c", "image": "c", "dependsOn": [{"containerName": "a", "condition": "START"}]}
        ]));
        doc["networkMode"] = "bridge".into();
        let f = check_value(&DependencyCycle, doc);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("a → b → c → a"), "{}", f[0].message);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/links/0");
    }

    #[test]
    fn link_only_cycles_block_registration() {
        let doc = td(json!([
            {"name": "a", "image": "a", "links": ["b"]},
            {"name": "b", "image": "b", "links": ["a"]}
        ]));
        let f = check_value(&DependencyCycle, doc);
        assert_eq!(f.len(), 1);
        assert!(f[0].blocks_registration);
        assert!(f[0].message.contains("Container links should not have a cycle"));
    }

    #[test]
    fn two_separate_loops_are_two_findings_and_self_volumes_from_is_a_loop() {
        let doc = td(json!([
            {"name": "a", "image": "a", "dependsOn": [{"containerName": "b", "condition": "START"}]},
            {"name": "b", "image": "b", "dependsOn": [{"containerName": "a", "condition": "START"}]},
            {"name": "c", "image": "c", "volumesFrom": [{"sourceContainer": "c"}]}
        ]));
        let f = check_value(&DependencyCycle, doc);
        assert_eq!(f.len(), 2);
        assert!(f[1].message.contains("c → c"));
    }

    #[test]
    fn self_depends_on_is_left_to_dep001_and_chains_pass() {
        let doc = td(json!([
            {"name": "a", "image": "a", "dependsOn": [{"containerName": "a", "condition": "START"},
                                                     {"containerName": "b", "condition": "START"}]},
            {"name": "b", "image": "b", "dependsOn": [{"containerName": "c", "condition": "START"}]},
            {"name": "c", "image": "c", "dependsOn": [{"containerName": "missing", "condition": "START"}]}
        ]));
        assert!(check_value(&DependencyCycle, doc).is_empty());
        assert!(check(&DependencyCycle, SEED).is_empty());
    }
}
