use serde_json::Value;

use super::{is_datadog_agent, start_waiters};
use crate::finding::{Finding, Fix};
use crate::model::member;
use crate::rules::kit::{anchor, label};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct ServiceWithoutHealthCheck;

pub static META: RuleMeta = RuleMeta {
    id: "OPS006",
    name: "service-container-without-health-check",
    severity: Severity::Low,
    category: Category::Operability,
    blocks_registration: false,
    summary: "An essential container that serves ports has no `healthCheck`",
    what: crate::rules::doc(
        "Flags an essential container with `portMappings` and no `healthCheck` (containers already reported \
           by OPS005 and the Datadog agent, covered by SDC004, are skipped).",
    ),
    why: crate::rules::doc(
        "Without a container health check ECS considers the task healthy as long as the process runs: a \
          deadlocked or wedged server keeps its task, and only a load balancer health check (if there is \
          one) notices. Container health also shows in the console and lets other containers wait for \
          `HEALTHY`.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "web", "image": "app:1.2", "portMappings": [{"containerPort": 8000}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Add a health check that exercises the server, e.g. `\"healthCheck\": {\"command\": [\"CMD-SHELL\", \
          \"curl -fs http://localhost:8000/health || exit 1\"], \"interval\": 30, \"timeout\": 5, \"retries\": 3, \
          \"startPeriod\": 30}` (the image must contain the tool you call).",
    ),
    references: &[Reference { tool: "KICS", id: "d24389b4-b209-4ff0-8345-dc7a4569dcdd" }],
};

impl Rule for ServiceWithoutHealthCheck {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        for c in &td.containers {
            if !c.essential() || c.has_health_check() {
                continue;
            }
            let Some(ports) = c.get("portMappings").and_then(Value::as_array).filter(|p| !p.is_empty()) else {
                continue;
            };
            if c.name.is_some_and(|name| start_waiters(td, name).next().is_some()) {
                continue; // OPS005 reports it
            }
            if is_datadog_agent(c) {
                continue;
            }
            let port = ports.iter().find_map(|p| member(p.as_object()?, "containerPort")?.as_u64()).unwrap_or(8080);
            let label = label(c);
            out.push(
                Finding::new(
                    &META,
                    anchor(c),
                    format!(
                        "essential container `{label}` serves port {port} but has no `healthCheck`: ECS keeps the \
                         task even when the server hangs"
                    ),
                )
                .in_container(c)
                .with_fix_from(cx, || {
                    Fix::advice(format!(
                        "Add a `healthCheck` to `{label}`, e.g. [\"CMD-SHELL\", \"curl -fs \
                         http://localhost:{port}/health || exit 1\"] (use a tool the image contains and a path the \
                         application answers)."
                    ))
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value};
    use serde_json::json;

    #[test]
    fn flags_serving_essential_container() {
        let mut td = base();
        td["containerDefinitions"][0]["portMappings"] = json!([{"containerPort": 8000}]);
        let f = check_value(&ServiceWithoutHealthCheck, td);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("port 8000"));
    }

    #[test]
    fn passes_health_checked_portless_non_essential() {
        let mut td = base();
        assert!(check_value(&ServiceWithoutHealthCheck, td.clone()).is_empty());
        td["containerDefinitions"][0]["portMappings"] = json!([]);
        assert!(check_value(&ServiceWithoutHealthCheck, td.clone()).is_empty());
        td["containerDefinitions"][0]["portMappings"] = json!([{"containerPort": 80}]);
        td["containerDefinitions"][0]["essential"] = false.into();
        assert!(check_value(&ServiceWithoutHealthCheck, td.clone()).is_empty());
        td["containerDefinitions"][0]["essential"] = true.into();
        td["containerDefinitions"][0]["healthCheck"] = json!({"command": ["CMD", "true"]});
        assert!(check_value(&ServiceWithoutHealthCheck, td).is_empty());
    }

    #[test]
    fn the_seed_app_serves_8000_without_health_check() {
        let f = check(&ServiceWithoutHealthCheck, crate::rules::testing::SEED);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].container.as_deref(), Some("my-app-repo"));
    }
}
