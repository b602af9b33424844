use super::graph::{cycles, edges, Adjacency, Edge, Names, Via};
use crate::core::finding::{Finding, Fix};
use crate::core::rules::security::util::{item, remove_checked};
use crate::core::rules::{Context, Rule, RuleMeta};
use crate::core::{Category, Severity};

pub struct RedundantDependency;

pub static META: RuleMeta = RuleMeta {
    id: "DEP005",
    name: "redundant-transitive-dependency",
    severity: Severity::Info,
    category: Category::Dependencies,
    blocks_registration: false,
    summary: "A `dependsOn` entry is already implied by another dependency",
    what: "Reports a `dependsOn` entry `a → c` when `a` already waits for some `b` that itself waits for `c` \
           with a condition at least as strong, or when `a` lists `c` twice. Conditions are milestones: \
           `SUCCESS` implies `COMPLETE`, and every condition implies `START`. `HEALTHY` is a current state \
           (the target can become unhealthy again), so a direct `HEALTHY` entry is never called redundant.",
    why: "Redundant entries make the start-up order harder to read and to change: removing the intermediate \
          dependency later silently keeps or drops an ordering nobody meant to change. Nothing breaks at \
          run time, hence the low severity.",
    example: r#"{"containerDefinitions": [
  {"name": "app", "image": "app:1.2", "dependsOn": [
    {"containerName": "migrate", "condition": "SUCCESS"},
    {"containerName": "db-proxy", "condition": "START"}]},
  {"name": "migrate", "image": "app:1.2", "essential": false,
   "dependsOn": [{"containerName": "db-proxy", "condition": "START"}]},
  {"name": "db-proxy", "image": "proxy:2"}
]}"#,
    fix: "Remove the redundant entry, or keep it deliberately as documentation of intent.",
    references: &[],
};

/// Does a container having reached `have` guarantee it reached `want` at some point?
/// Never for `want == HEALTHY` (a state, not a milestone) or an unknown condition.
fn implies(have: &str, want: &str) -> bool {
    let known = |c: &str| matches!(c, "START" | "COMPLETE" | "SUCCESS" | "HEALTHY");
    if !known(have) || !matches!(want, "START" | "COMPLETE" | "SUCCESS") {
        return false;
    }
    have == want || want == "START" || (have == "SUCCESS" && want == "COMPLETE")
}

const MAX_CONTAINERS: usize = 64;

fn condition<'a>(e: &Edge<'a>) -> &'a str {
    match e.via {
        Via::DependsOn(c) => c,
        _ => "START",
    }
}

impl Rule for RedundantDependency {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        // Only a container with two or more entries can have a redundant one.
        let candidates = td
            .containers
            .iter()
            .any(|c| c.obj.get("dependsOn").and_then(|d| d.as_array()).is_some_and(|a| a.len() >= 2));
        // ECS allows 10 containers; past a generous bound the document is invalid anyway and
        // this info-level rule is not worth its quadratic worst case.
        let n = td.containers.len();
        if !candidates || n > MAX_CONTAINERS {
            return;
        }
        let names = Names::new(td);
        let edges = edges(td, &names, false);
        if !cycles(n, &edges).is_empty() {
            return; // DEP004 reports the loop; redundancy is meaningless inside one.
        }
        let adj = Adjacency::new(n, &edges);
        let mut seen = vec![false; n];
        let mut parent = vec![usize::MAX; n];
        let mut stack: Vec<usize> = Vec::new();
        for a in 0..n {
            let out_a = adj.out(a);
            if out_a.len() < 2 {
                continue;
            }
            for (k, &e) in out_a.iter().enumerate() {
                let direct = edges[e];
                let (c, want) = (direct.to, condition(&direct));
                // 1. The same target listed again with a condition that implies this one.
                // A stronger entry is the better explanation; of identical ones the first is kept.
                let same_target = |&(j, &o): &(usize, &usize)| j != k && edges[o].to == c;
                let duplicate = out_a
                    .iter()
                    .enumerate()
                    .filter(same_target)
                    .find(|&(_, &o)| condition(&edges[o]) != want && implies(condition(&edges[o]), want))
                    .or_else(|| {
                        out_a
                            .iter()
                            .enumerate()
                            .filter(same_target)
                            .find(|&(j, &o)| j < k && condition(&edges[o]) == want)
                    });
                if let Some((_, &o)) = duplicate {
                    let why = format!(
                        "`{}` already depends on `{}` with {}",
                        td.containers[a].label(),
                        td.containers[c].label(),
                        condition(&edges[o])
                    );
                    report(cx, out, &direct, why);
                    continue;
                }
                // 2. A path a → b → … → u → c whose last edge implies the condition.
                seen.iter_mut().for_each(|s| *s = false);
                seen[a] = true;
                stack.clear();
                for &o in out_a {
                    let b = edges[o].to;
                    if b != c && !seen[b] {
                        seen[b] = true;
                        parent[b] = o;
                        stack.push(b);
                    }
                }
                let mut witness = None;
                'search: while let Some(u) = stack.pop() {
                    for &o in adj.out(u) {
                        let w = edges[o].to;
                        if w == c {
                            if implies(condition(&edges[o]), want) {
                                witness = Some(o);
                                break 'search;
                            }
                            continue;
                        }
                        if !seen[w] {
                            seen[w] = true;
                            parent[w] = o;
                            stack.push(w);
                        }
                    }
                }
                if let Some(last) = witness {
                    // Rebuild the path a → … → c from the parents.
                    let mut hops = vec![last];
                    let mut v = edges[last].from;
                    while v != a {
                        let p = parent[v];
                        hops.push(p);
                        v = edges[p].from;
                    }
                    hops.reverse();
                    let mut path = td.containers[a].label();
                    for &h in &hops {
                        path.push_str(&format!(" → {} ({})", td.containers[edges[h].to].label(), condition(&edges[h])));
                    }
                    report(cx, out, &direct, format!("it is implied by {path}"));
                }
            }
        }
    }
}

fn report(cx: &Context<'_>, out: &mut Vec<Finding>, e: &Edge<'_>, why: String) {
    let td = &cx.td;
    let c = &td.containers[e.from];
    let target = td.containers[e.to].label();
    let ptr = e.pointer(td);
    let mut f = Finding::new(
        &META,
        ptr.clone(),
        format!("`{}` depends on `{target}` ({}) redundantly: {why}", c.label(), condition(e)),
    )
    .in_container(c);
    if let Some(current) = item(c, "dependsOn", e.entry) {
        f = f.with_fix_from(cx, || Fix::patch(
            format!("Remove the redundant dependency of `{}` on `{target}`", c.label()),
            remove_checked(&ptr, current),
        ));
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::security::util::test_support::apply_fix;
    use crate::core::rules::testing::{base, check, check_value, SEED};
    use serde_json::{json, Value};

    fn chain(direct: &str, last: &str) -> Value {
        let mut td = base();
        td["containerDefinitions"] = json!([
            {"name": "app", "image": "a", "dependsOn": [
                {"containerName": "migrate", "condition": "SUCCESS"},
                {"containerName": "proxy", "condition": direct}]},
            {"name": "migrate", "image": "m", "essential": false,
             "dependsOn": [{"containerName": "proxy", "condition": last}]},
            {"name": "proxy", "image": "p", "essential": false,
             "healthCheck": {"command": ["CMD", "true"]}}
        ]);
        td
    }

    #[test]
    fn flags_implied_edges() {
        for (direct, last) in
            [("START", "START"), ("START", "HEALTHY"), ("COMPLETE", "SUCCESS"), ("SUCCESS", "SUCCESS")]
        {
            let doc = chain(direct, last);
            let f = check_value(&RedundantDependency, doc.clone());
            assert_eq!(f.len(), 1, "{direct} via {last}");
            assert_eq!(f[0].pointer, "/containerDefinitions/0/dependsOn/1");
            assert!(f[0].message.contains("app → migrate (SUCCESS) → proxy"), "{}", f[0].message);
            assert!(check_value(&RedundantDependency, apply_fix(&doc, &f[0])).is_empty());
        }
    }

    #[test]
    fn keeps_edges_that_are_stronger_than_the_path() {
        for (direct, last) in
            [("HEALTHY", "HEALTHY"), ("HEALTHY", "START"), ("SUCCESS", "COMPLETE"), ("COMPLETE", "START")]
        {
            assert!(check_value(&RedundantDependency, chain(direct, last)).is_empty(), "{direct} via {last}");
        }
    }

    #[test]
    fn flags_duplicate_entries_once() {
        let mut td = base();
        td["containerDefinitions"] = json!([
            {"name": "app", "image": "a", "dependsOn": [
                {"containerName": "p", "condition": "START"},
                {"containerName": "p", "condition": "START"},
                {"containerName": "p", "condition": "HEALTHY"}]},
            {"name": "p", "image": "p", "healthCheck": {"command": ["CMD", "true"]}}
        ]);
        let f = check_value(&RedundantDependency, td);
        assert_eq!(f.len(), 2, "both START entries are implied by HEALTHY: {f:?}");
        assert!(f.iter().all(|f| f.message.contains("already depends on `p` with HEALTHY")));
    }

    #[test]
    fn the_seed_keeps_its_healthy_edge() {
        // my-app-repo → datadog-agent (HEALTHY) is also reached through migration-runner,
        // but HEALTHY is a state, not a milestone: not redundant.
        assert!(check(&RedundantDependency, SEED).is_empty());
    }

    #[test]
    fn cycles_are_left_to_dep004() {
        let mut td = base();
        td["containerDefinitions"] = json!([
            {"name": "a", "image": "a", "dependsOn": [
                {"containerName": "b", "condition": "START"}, {"containerName": "c", "condition": "START"}]},
            {"name": "b", "image": "b", "dependsOn": [{"containerName": "c", "condition": "START"}]},
            {"name": "c", "image": "c", "dependsOn": [{"containerName": "b", "condition": "START"}]}
        ]);
        assert!(check_value(&RedundantDependency, td).is_empty());
    }
}
