use super::graph::Names;
use crate::finding::{Finding, Fix};
use crate::rules::kit::{one, replace, with_fix_at};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct HealthyWithoutHealthCheck;

pub static META: RuleMeta = RuleMeta {
    id: "DEP003",
    name: "healthy-condition-without-health-check",
    severity: Severity::High,
    category: Category::Dependencies,
    blocks_registration: false,
    summary: "A `HEALTHY` dependency targets a container that has no `healthCheck`",
    what: crate::rules::doc(
        "Checks that every container named by a `dependsOn` entry with condition `HEALTHY` has a \
           `healthCheck`.",
    ),
    why: crate::rules::doc(
        "`HEALTHY` waits for the target's Docker health status, which only exists when the target defines a \
          `healthCheck`. Without one the ECS agent can never resolve the dependency: the dependent container \
          never starts and the task stops when the dependency times out. Whether RegisterTaskDefinition \
          rejects this up front is not confirmed, so this is reported as a local error.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [
  {"name": "app", "image": "app:1.2", "dependsOn": [{"containerName": "datadog-agent", "condition": "HEALTHY"}]},
  {"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7"}
]}"#,
    ),
    fix: crate::rules::doc(
        "Add a `healthCheck` to the target (for the Datadog Agent: `{\"command\": [\"CMD-SHELL\", \"agent \
          health\"], \"interval\": 30, \"timeout\": 5, \"retries\": 3, \"startPeriod\": 60}`), or wait for \
          `START` instead.",
    ),
    references: &[Reference { tool: "AWS", id: "ContainerDependency" }],
};

impl Rule for HealthyWithoutHealthCheck {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let mut names = None;
        for c in &td.containers {
            for d in c.depends_on() {
                if d.condition != "HEALTHY" || c.name == Some(d.container_name) {
                    continue;
                }
                let names = names.get_or_insert_with(|| Names::new(td));
                let Some(t) = names.find(td, d.container_name) else { continue };
                let target = &td.containers[t];
                if target.has_health_check() {
                    continue;
                }
                let label = c.label();
                let tname = target.label();
                let f = Finding::new(
                    &META,
                    format!("{}/dependsOn/{}/condition", c.pointer, d.index),
                    format!(
                        "container `{label}` waits for `{tname}` to be HEALTHY, but `{tname}` has no \
                             `healthCheck`, so `{label}` will never start"
                    ),
                )
                .in_container(c);
                out.push(with_fix_at(f, cx, |ptr| {
                    Fix::patch(
                        format!(
                            "Wait for `{tname}` to START instead (or add a `healthCheck` to `{tname}` and keep \
                             HEALTHY, which also waits for it to be ready)"
                        ),
                        one(replace(ptr, "START")),
                    )
                    .safe()
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kit::test_support::apply_fix;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::{json, Value};

    fn td(health_check: Option<Value>) -> Value {
        let mut td = base();
        let mut agent = json!({"name": "datadog-agent", "image": "agent:7"});
        if let Some(hc) = health_check {
            agent["healthCheck"] = hc;
        }
        td["containerDefinitions"] = json!([
            {"name": "app", "image": "app:1",
             "dependsOn": [{"containerName": "datadog-agent", "condition": "HEALTHY"}]},
            agent
        ]);
        td
    }

    #[test]
    fn flags_healthy_target_without_health_check() {
        let doc = td(None);
        let f = check_value(&HealthyWithoutHealthCheck, doc.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/dependsOn/0/condition");
        assert!(!f[0].blocks_registration);
        assert!(f[0].message.contains("never start"));
        assert!(check_value(&HealthyWithoutHealthCheck, apply_fix(&doc, &f[0])).is_empty());
        // A healthCheck of the wrong type is no health check.
        assert_eq!(check_value(&HealthyWithoutHealthCheck, td(Some(json!("agent health")))).len(), 1);
    }

    #[test]
    fn passes_targets_with_health_check_and_the_seed() {
        let hc = json!({"command": ["CMD-SHELL", "agent health"]});
        assert!(check_value(&HealthyWithoutHealthCheck, td(Some(hc))).is_empty());
        assert!(check(&HealthyWithoutHealthCheck, SEED).is_empty());
    }
}
