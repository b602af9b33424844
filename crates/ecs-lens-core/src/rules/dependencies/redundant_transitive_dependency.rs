use super::graph::Names;
use crate::finding::{Finding, Fix};
use crate::model::TaskDef;
use crate::rules::kit::{cat, item, label, remove_checked, with_fix_at};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct RedundantDependency;

pub static META: RuleMeta = RuleMeta {
    id: "DEP005",
    name: "redundant-transitive-dependency",
    severity: Severity::Info,
    category: Category::Dependencies,
    blocks_registration: false,
    summary: "A `dependsOn` entry is already implied by another dependency",
    what: crate::rules::doc(
        "Reports a `dependsOn` entry `a → c` when `a` already waits for some `b` that itself waits for `c` \
           with a condition at least as strong, or when `a` lists `c` twice. Conditions are milestones: \
           `SUCCESS` implies `COMPLETE`, and every condition implies `START`. `HEALTHY` is a current state \
           (the target can become unhealthy again), so a direct `HEALTHY` entry is never called redundant.",
    ),
    why: crate::rules::doc(
        "Redundant entries make the start-up order harder to read and to change: removing the intermediate \
          dependency later silently keeps or drops an ordering nobody meant to change. Nothing breaks at \
          run time, hence the low severity.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [
  {"name": "app", "image": "app:1.2", "dependsOn": [
    {"containerName": "migrate", "condition": "SUCCESS"},
    {"containerName": "db-proxy", "condition": "START"}]},
  {"name": "migrate", "image": "app:1.2", "essential": false,
   "dependsOn": [{"containerName": "db-proxy", "condition": "START"}]},
  {"name": "db-proxy", "image": "proxy:2"}
]}"#,
    ),
    fix: crate::rules::doc("Remove the redundant entry, or keep it deliberately as documentation of intent."),
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

/// The milestones a `dependsOn` condition can be implied for, as an index of `Bits::implied[c]`:
/// 0 `START`, 1 `COMPLETE`, 2 `SUCCESS`.
fn milestone(want: &str) -> Option<usize> {
    match want {
        "START" => Some(0),
        "COMPLETE" => Some(1),
        "SUCCESS" => Some(2),
        _ => None,
    }
}

/// The milestones reaching `have` implies, as bits of [`milestone`] (agrees with [`implies`]).
fn implied_milestones(have: &str) -> u8 {
    match have {
        "START" | "HEALTHY" => 0b001,
        "COMPLETE" => 0b011,
        "SUCCESS" => 0b111,
        _ => 0,
    }
}

/// ECS allows 10 containers; one bit per container in a `u64`.
const MAX_CONTAINERS: usize = 64;

fn bit(i: usize) -> u64 {
    1u64 << i
}

/// The positions of the set bits, lowest first.
fn bits(mut m: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (m != 0).then(|| {
            let i = m.trailing_zeros() as usize;
            m &= m - 1;
            i
        })
    })
}

/// The `dependsOn` edges of container `from`, in document order: `(target, condition, entry)`.
/// Unknown targets and self-dependencies (DEP001) are left out, as in [`super::graph::edges`].
fn deps_of<'t, 'a>(
    td: &'t TaskDef<'a>,
    names: &'t Names<'a>,
    from: usize,
) -> impl Iterator<Item = (usize, &'a str, usize)> + 't {
    let c = &td.containers[from];
    c.depends_on().filter_map(move |d| {
        let to = names.find(td, d.container_name)?;
        (to != from && c.name != Some(d.container_name)).then_some((to, d.condition, d.index))
    })
}

/// The `dependsOn` graph as bitsets over container positions (≤ 64), built without allocating.
struct Bits {
    /// `succ[a]`: the containers `a` depends on.
    succ: [u64; MAX_CONTAINERS],
    /// `reach[a]`: every container `a` waits for, directly or not.
    reach: [u64; MAX_CONTAINERS],
    /// `implied[c][m]`: the containers with an entry on `c` whose condition implies milestone `m`.
    implied: [[u64; 3]; MAX_CONTAINERS],
    /// Number of entries (edges) per container.
    degree: [u32; MAX_CONTAINERS],
    /// Containers listing some target twice.
    repeated: u64,
}

impl Bits {
    fn empty() -> Bits {
        Bits {
            succ: [0; MAX_CONTAINERS],
            reach: [0; MAX_CONTAINERS],
            implied: [[0; 3]; MAX_CONTAINERS],
            degree: [0; MAX_CONTAINERS],
            repeated: 0,
        }
    }

    /// Fill in the graph of `td`; false when it has a cycle (DEP004 reports it; redundancy
    /// is meaningless inside one).
    fn build(&mut self, td: &TaskDef<'_>, names: &Names<'_>) -> bool {
        let n = td.containers.len();
        for a in 0..n {
            for (to, cond, _) in deps_of(td, names, a) {
                if self.succ[a] & bit(to) != 0 {
                    self.repeated |= bit(a);
                }
                self.succ[a] |= bit(to);
                self.degree[a] += 1;
                let ms = implied_milestones(cond);
                for (m, implied) in self.implied[to].iter_mut().enumerate() {
                    if ms & (1 << m) != 0 {
                        *implied |= bit(a);
                    }
                }
            }
        }
        // Transitive closure, sinks first; no progress means a cycle.
        let all = if n == MAX_CONTAINERS { u64::MAX } else { bit(n) - 1 };
        let mut done = 0u64;
        while done != all {
            let before = done;
            for u in bits(all & !done) {
                if self.succ[u] & !done == 0 {
                    self.reach[u] = bits(self.succ[u]).fold(self.succ[u], |r, v| r | self.reach[v]);
                    done |= bit(u);
                }
            }
            if done == before {
                return false;
            }
        }
        true
    }

    /// The containers reachable from `from` (themselves included).
    fn closure(&self, from: u64) -> u64 {
        bits(from).fold(from, |r, b| r | self.reach[b])
    }

    /// Is `a`'s entry on `c` with condition `want` implied by a path through another of `a`'s
    /// targets? Exact for an acyclic graph.
    fn path_implies(&self, a: usize, c: usize, want: &str) -> bool {
        milestone(want).is_some_and(|m| self.closure(self.succ[a] & !bit(c)) & self.implied[c][m] != 0)
    }
}

impl Rule for RedundantDependency {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        // Only a container with two or more entries can have a redundant one.
        let candidates =
            td.containers.iter().any(|c| c.get("dependsOn").and_then(|d| d.as_array()).is_some_and(|a| a.len() >= 2));
        // ECS allows 10 containers; past a generous bound the document is invalid anyway and
        // this info-level rule is not worth its quadratic worst case.
        let n = td.containers.len();
        if !candidates || n > MAX_CONTAINERS {
            return;
        }
        let names = Names::new(td);
        let mut g = Bits::empty();
        if !g.build(td, &names) {
            return;
        }
        for a in 0..n {
            if g.degree[a] < 2 {
                continue;
            }
            let repeated = g.repeated & bit(a) != 0;
            if repeated || bits(g.succ[a]).any(|c| g.path_implies(a, c, "START")) {
                redundant_entries(cx, out, &names, &g, a, repeated);
            }
        }
    }
}

/// Report the redundant entries of container `a`.
fn redundant_entries(cx: &Context<'_>, out: &mut Vec<Finding>, names: &Names<'_>, g: &Bits, a: usize, repeated: bool) {
    let td = &cx.td;
    for (k, (c, want, entry)) in deps_of(td, names, a).enumerate() {
        // 1. The same target listed again with a condition that implies this one.
        // A stronger entry is the better explanation; of identical ones the first is kept.
        if repeated {
            let same_target = |&(j, o): &(usize, (usize, &str, usize))| j != k && o.0 == c;
            let duplicate = deps_of(td, names, a)
                .enumerate()
                .filter(same_target)
                .find(|&(_, o)| o.1 != want && implies(o.1, want))
                .or_else(|| deps_of(td, names, a).enumerate().filter(same_target).find(|&(j, o)| j < k && o.1 == want));
            if let Some((_, o)) = duplicate {
                let a_label = label(&td.containers[a]);
                let c_label = label(&td.containers[c]);
                let why = cat(&["`", &a_label, "` already depends on `", &c_label, "` with ", o.1]);
                report(cx, out, a, c, want, entry, &why);
                continue;
            }
        }
        // 2. A path a → b → … → u → c whose last edge implies the condition: the same
        // depth-first search as ever, so that the path reported stays the same.
        if !g.path_implies(a, c, want) {
            continue;
        }
        let mut seen = bit(a);
        let mut parent: [(usize, &str); MAX_CONTAINERS] = [(usize::MAX, ""); MAX_CONTAINERS];
        let mut stack = [0usize; MAX_CONTAINERS];
        let mut top = 0;
        for (b, cond, _) in deps_of(td, names, a) {
            if b != c && seen & bit(b) == 0 {
                seen |= bit(b);
                parent[b] = (a, cond);
                stack[top] = b;
                top += 1;
            }
        }
        let mut witness = None;
        'search: while top > 0 {
            top -= 1;
            let u = stack[top];
            for (w, cond, _) in deps_of(td, names, u) {
                if w == c {
                    if implies(cond, want) {
                        witness = Some((u, cond));
                        break 'search;
                    }
                    continue;
                }
                if seen & bit(w) == 0 {
                    seen |= bit(w);
                    parent[w] = (u, cond);
                    stack[top] = w;
                    top += 1;
                }
            }
        }
        if let Some((u, cond)) = witness {
            // The path a → … → c from the parents, last hop first.
            let mut hops = [(0usize, ""); MAX_CONTAINERS];
            hops[0] = (c, cond);
            let mut len = 1;
            let mut v = u;
            while v != a {
                let (from, cond) = parent[v];
                hops[len] = (v, cond);
                len += 1;
                v = from;
            }
            let mut why = String::with_capacity(128);
            why.push_str("it is implied by ");
            why.push_str(&label(&td.containers[a]));
            for &(to, cond) in hops[..len].iter().rev() {
                why.push_str(" → ");
                why.push_str(&label(&td.containers[to]));
                why.push_str(" (");
                why.push_str(cond);
                why.push(')');
            }
            report(cx, out, a, c, want, entry, &why);
        }
    }
}

/// Report `a`'s `dependsOn` entry `entry` on `c` (condition `cond`) as redundant.
fn report(cx: &Context<'_>, out: &mut Vec<Finding>, a: usize, c: usize, cond: &str, entry: usize, why: &str) {
    let td = &cx.td;
    let from = &td.containers[a];
    let target = label(&td.containers[c]);
    let from_label = label(from);
    let ptr = format!("{}/dependsOn/{entry}", from.pointer);
    let message = cat(&["`", &from_label, "` depends on `", &target, "` (", cond, ") redundantly: ", why]);
    let mut f = Finding::new(&META, ptr, message).in_container(from);
    if let Some(current) = item(from, "dependsOn", entry) {
        f = with_fix_at(f, cx, |ptr| {
            Fix::patch(
                cat(&["Remove the redundant dependency of `", &from_label, "` on `", &target, "`"]),
                remove_checked(ptr, current),
            )
            .safe()
        });
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kit::test_support::apply_fix;
    use crate::rules::testing::{base, check, check_value, SEED};
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
