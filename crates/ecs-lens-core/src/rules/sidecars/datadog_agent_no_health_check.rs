use serde_json::json;

use crate::finding::{Finding, Fix};
use crate::rules::kit::sidecars::agents;
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct AgentHealthCheck;

pub static META: RuleMeta = RuleMeta {
    id: "SDC004",
    name: "datadog-agent-no-health-check",
    severity: Severity::Medium,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "Datadog agent container without a `healthCheck`",
    what: crate::rules::doc(
        "Checks that the Datadog agent container has a `healthCheck`. Severity is high when other containers \
           wait for the agent with `dependsOn … \"condition\": \"HEALTHY\"` (they can then never start; the \
           dependency rules report the same graph problem in general terms).",
    ),
    why: crate::rules::doc(
        "Without a health check ECS only knows the agent process is running, not that it is ready: containers \
          that start alongside it send traces, DogStatsD metrics and CWS events before the agent listens, and \
          those are lost. A `HEALTHY` dependency on a container without a health check can never be satisfied, \
          so the dependent containers stay `PENDING` and the task never starts. The agent ships a `agent health` \
          command made for this.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [
  {"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7"},
  {"name": "app", "image": "app", "dependsOn": [{"containerName": "datadog-agent", "condition": "HEALTHY"}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Give the agent a health check:\n\n```json\n\"healthCheck\": {\"command\": [\"CMD-SHELL\", \"agent health\"], \
          \"interval\": 30, \"timeout\": 5, \"retries\": 3, \"startPeriod\": 60}\n```",
    ),
    references: &[],
};

impl Rule for AgentHealthCheck {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        for agent in agents(td) {
            if agent.has_health_check() {
                continue;
            }
            let Some(name) = agent.name else { continue };
            let waiting = td
                .containers
                .iter()
                .filter(|c| c.depends_on().any(|d| d.container_name == name && d.condition == "HEALTHY"))
                .count();
            let hc = json!({"command": ["CMD-SHELL", "agent health"], "interval": 30, "timeout": 5, "retries": 3,
                            "startPeriod": 60});
            let verb = if agent.get("healthCheck").is_some() { "replace" } else { "add" };
            let finding = if waiting > 0 {
                Finding::new(
                    &META,
                    agent.pointer.clone(),
                    format!(
                        "the Datadog agent `{name}` has no `healthCheck` but {waiting} container(s) wait for it to \
                         be HEALTHY: that condition can never be met, so they never start and the task does not \
                         come up"
                    ),
                )
                .with_severity(Severity::High)
            } else {
                Finding::new(
                    &META,
                    agent.pointer.clone(),
                    format!(
                        "the Datadog agent `{name}` has no `healthCheck`: ECS cannot tell when it is ready, so \
                         containers cannot wait for it and what they send before it listens is lost"
                    ),
                )
            };
            out.push(finding.in_container(agent).with_fix_from(cx, || {
                Fix::patch(
                    "Add a health check that runs `agent health` to the Datadog agent",
                    json!([{"op": verb, "path": agent.ptr("healthCheck"), "value": hc}]),
                )
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    fn td(agent: serde_json::Value, app_deps: serde_json::Value) -> serde_json::Value {
        let mut td = base();
        td["containerDefinitions"][0]["dependsOn"] = app_deps;
        td["containerDefinitions"].as_array_mut().unwrap().push(agent);
        td
    }

    #[test]
    fn flags_agent_without_health_check() {
        let f =
            check_value(&AgentHealthCheck, td(json!({"name": "datadog-agent", "image": "datadog/agent:7"}), json!([])));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].pointer, "/containerDefinitions/1");
        let patch = &f[0].fix.as_ref().unwrap().patch;
        assert_eq!(patch[0]["path"], "/containerDefinitions/1/healthCheck");
        assert_eq!(patch[0]["value"]["command"], json!(["CMD-SHELL", "agent health"]));
    }

    #[test]
    fn healthy_dependents_raise_severity() {
        let f = check_value(
            &AgentHealthCheck,
            td(
                json!({"name": "datadog-agent", "image": "datadog/agent:7", "healthCheck": null}),
                json!([{"containerName": "datadog-agent", "condition": "HEALTHY"}]),
            ),
        );
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["op"], "replace");
    }

    #[test]
    fn quiet_with_health_check() {
        assert!(check(&AgentHealthCheck, SEED).is_empty());
        assert!(check_value(&AgentHealthCheck, base()).is_empty());
    }
}
