use super::{is_datadog_agent, start_waiters};
use crate::finding::{Finding, Fix};
use crate::rules::kit::{anchor, cat, label};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct StartTargetWithoutHealthCheck;

pub static META: RuleMeta = RuleMeta {
    id: "OPS005",
    name: "dependency-target-without-health-check",
    severity: Severity::Low,
    category: Category::Operability,
    blocks_registration: false,
    summary: "Other containers wait for an essential sidecar that has no `healthCheck`",
    what: crate::rules::doc(
        "Flags an essential container that other containers wait for with `dependsOn … START` but that has \
           no `healthCheck`. (A `HEALTHY` wait on such a container is an error reported by DEP003; the Datadog \
           agent has its own rule, SDC004.)",
    ),
    why: crate::rules::doc(
        "`START` only means the process was launched, not that it listens: the dependents start at once and \
          their first connections to the sidecar (proxy, agent, database tunnel) fail. With a health check \
          the dependents can wait for `HEALTHY`, and ECS replaces the task when the sidecar hangs.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [
  {"name": "app", "image": "app:1.2", "dependsOn": [{"containerName": "envoy", "condition": "START"}]},
  {"name": "envoy", "image": "envoyproxy/envoy:v1.30"}
]}"#,
    ),
    fix: crate::rules::doc(
        "Give the sidecar a `healthCheck` (e.g. `[\"CMD-SHELL\", \"curl -fs http://localhost:9901/ready || exit \
          1\"]` for Envoy) and change the dependents' condition to `HEALTHY`.",
    ),
    references: &[],
};

impl Rule for StartTargetWithoutHealthCheck {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        for c in &td.containers {
            let Some(name) = c.name else { continue };
            if !c.essential() || c.has_health_check() {
                continue;
            }
            let dependents = start_waiters(td, name).count();
            if dependents == 0 || is_datadog_agent(c) {
                continue;
            }
            let mut who = String::new();
            for (i, d) in start_waiters(td, name).enumerate() {
                if i > 0 {
                    who.push_str(", ");
                }
                who.push('`');
                who.push_str(&label(d));
                who.push('`');
            }
            let wait = if dependents == 1 { " waits for `" } else { " wait for `" };
            let message = cat(&[
                &who,
                wait,
                name,
                "` to START, but `",
                name,
                "` has no `healthCheck`: they start before it is ready, and ECS cannot notice when it hangs",
            ]);
            out.push(Finding::new(&META, anchor(c), message).in_container(c).with_fix_from(cx, || {
                Fix::advice(cat(&[
                    "Add a `healthCheck` to `",
                    name,
                    "` and make ",
                    &who,
                    " wait for it to be HEALTHY.",
                ]))
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::{json, Value};

    fn td(sidecar: Value) -> Value {
        let mut td = base();
        td["containerDefinitions"] = json!([
            {"name": "app", "image": "app:1", "dependsOn": [{"containerName": "envoy", "condition": "START"}]},
            {"name": "worker", "image": "app:1", "dependsOn": [{"containerName": "envoy", "condition": "START"}]},
            sidecar
        ]);
        td
    }

    #[test]
    fn flags_essential_start_target_once() {
        let f = check_value(&StartTargetWithoutHealthCheck, td(json!({"name": "envoy", "image": "envoy:1"})));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/2/name");
        assert!(f[0].message.starts_with("`app`, `worker` wait for `envoy`"), "{}", f[0].message);
    }

    #[test]
    fn passes_health_checked_non_essential_agents_and_the_seed() {
        let hc = json!({"command": ["CMD", "true"]});
        for sidecar in [
            json!({"name": "envoy", "image": "envoy:1", "healthCheck": hc}),
            json!({"name": "envoy", "image": "envoy:1", "essential": false}),
            json!({"name": "envoy", "image": "public.ecr.aws/datadog/agent:7"}),
        ] {
            assert!(check_value(&StartTargetWithoutHealthCheck, td(sidecar)).is_empty());
        }
        assert!(check(&StartTargetWithoutHealthCheck, SEED).is_empty());
    }
}
