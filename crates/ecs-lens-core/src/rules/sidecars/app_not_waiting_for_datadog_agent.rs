use serde_json::json;

use crate::finding::{Finding, Fix};
use crate::rules::kit::sidecars::{
    add_dependency_op, agents, cws_trace_binary, is_agent, is_traced, sends_to_agent_host, waits_for,
};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct AppNotWaitingForAgent;

pub static META: RuleMeta = RuleMeta {
    id: "SDC005",
    name: "app-not-waiting-for-datadog-agent",
    severity: Severity::Medium,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "A container that sends to the Datadog agent does not wait for it in `dependsOn`",
    what: crate::rules::doc(
        "For each container that talks to the Datadog agent of the same task — it runs a Datadog tracer \
           (`ddtrace-run`, `dd-java-agent`, `dd-trace`, `DD_TRACE_AGENT_URL` …), sends DogStatsD \
           (`DD_DOGSTATSD_URL`, `DD_AGENT_HOST` …) or runs under the CWS tracer (`cws-instrumentation trace`) — \
           checks that its `dependsOn` has the agent with condition `HEALTHY` (or at least `START`).",
    ),
    why: crate::rules::doc(
        "ECS starts containers without a dependency in parallel. Until the agent listens on 8126/8125 (or its \
          Unix sockets), traces and metrics are dropped and the tracer logs connection errors; the CWS tracer \
          cannot reach the agent's runtime-security endpoint, and Datadog notes that CWS is only stable with \
          this dependency. The first seconds of every task — start-up errors included — are invisible.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [
  {"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7",
   "healthCheck": {"command": ["CMD-SHELL", "agent health"]}},
  {"name": "app", "image": "app", "command": ["ddtrace-run", "python", "app.py"]}]}"#,
    ),
    fix: crate::rules::doc(
        "Add the agent to the container's `dependsOn`:\n\n```json\n\"dependsOn\": [{\"containerName\": \
          \"datadog-agent\", \"condition\": \"HEALTHY\"}]\n```\n\n(`START` if the agent has no health check; better, \
          give it one.)",
    ),
    references: &[],
};

impl Rule for AppNotWaitingForAgent {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let Some(agent) = agents(td).next() else { return };
        let Some(agent_name) = agent.name else { return };
        for c in &td.containers {
            if is_agent(c) || waits_for(c, agent_name, &["HEALTHY", "START"]) {
                continue;
            }
            let what = if cws_trace_binary(c).is_some() {
                "runs under the CWS tracer, which reports to"
            } else if is_traced(c) {
                "sends APM traces to"
            } else if sends_to_agent_host(c) {
                // Not traced (checked above), but sending metrics to the agent it names.
                "sends DogStatsD metrics to"
            } else {
                continue;
            };
            let condition = if agent.has_health_check() { "HEALTHY" } else { "START" };
            let pointer = if c.get("dependsOn").is_some() { c.ptr("dependsOn") } else { c.pointer.clone() };
            out.push(
                Finding::new(
                    &META,
                    pointer,
                    format!(
                        "`{}` {what} the Datadog agent `{agent_name}` but does not wait for it in `dependsOn`: \
                         both start together and whatever it sends before the agent listens is lost",
                        c.label()
                    ),
                )
                .in_container(c)
                .with_fix_from(cx, || match add_dependency_op(c, agent_name, condition) {
                    Some(op) => {
                        Fix::patch(format!("Make `{}` wait for `{agent_name}` ({condition})", c.label()), json!([op]))
                    }
                    None => Fix::advice(format!(
                        "Make `dependsOn` an array containing {{\"containerName\": \"{agent_name}\", \"condition\": \
                     \"{condition}\"}}"
                    )),
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    fn td(app: serde_json::Value, agent_hc: bool) -> serde_json::Value {
        let mut td = base();
        td["containerDefinitions"] = json!([app, {"name": "datadog-agent", "image": "datadog/agent:7"}]);
        if agent_hc {
            td["containerDefinitions"][1]["healthCheck"] = json!({"command": ["CMD-SHELL", "agent health"]});
        }
        td
    }

    #[test]
    fn flags_traced_app_without_dependency() {
        let f = check_value(
            &AppNotWaitingForAgent,
            td(json!({"name": "app", "image": "app", "command": ["ddtrace-run", "gunicorn", "app:app"]}), true),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("APM traces"));
        assert_eq!(
            f[0].fix.as_ref().unwrap().patch,
            json!([{"op": "add", "path": "/containerDefinitions/0/dependsOn",
                    "value": [{"containerName": "datadog-agent", "condition": "HEALTHY"}]}])
        );
    }

    #[test]
    fn statsd_and_cws_and_start_fallback() {
        let f = check_value(
            &AppNotWaitingForAgent,
            td(
                json!({"name": "app", "image": "app",
                    "environment": [{"name": "DD_DOGSTATSD_URL", "value": "udp://127.0.0.1:8125"}],
                    "dependsOn": [{"containerName": "other", "condition": "START"}]}),
                false,
            ),
        );
        assert_eq!(f[0].pointer, "/containerDefinitions/0/dependsOn");
        assert!(f[0].message.contains("DogStatsD"));
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["path"], "/containerDefinitions/0/dependsOn/-");
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"]["condition"], "START");
        let f = check_value(
            &AppNotWaitingForAgent,
            td(
                json!({"name": "app", "image": "app", "entryPoint": ["/cws/cws-instrumentation", "trace", "--", "app"]}),
                true,
            ),
        );
        assert!(f[0].message.contains("CWS"));
    }

    #[test]
    fn quiet_cases() {
        assert!(check(&AppNotWaitingForAgent, SEED).is_empty());
        // Uninstrumented app.
        assert!(check_value(&AppNotWaitingForAgent, td(json!({"name": "app", "image": "app"}), true)).is_empty());
        // Waits already.
        let app = json!({"name": "app", "image": "app", "command": ["ddtrace-run", "x"],
            "dependsOn": [{"containerName": "datadog-agent", "condition": "START"}]});
        assert!(check_value(&AppNotWaitingForAgent, td(app, true)).is_empty());
        // Tracer explicitly disabled.
        let app = json!({"name": "app", "image": "app", "command": ["ddtrace-run", "x"],
            "environment": [{"name": "DD_TRACE_ENABLED", "value": "false"}]});
        assert!(check_value(&AppNotWaitingForAgent, td(app, true)).is_empty());
        // No agent in the task (e.g. a daemon agent on EC2).
        let mut t = base();
        t["containerDefinitions"][0]["command"] = json!(["ddtrace-run", "x"]);
        assert!(check_value(&AppNotWaitingForAgent, t).is_empty());
        // Wrong type of dependsOn.
        let app = json!({"name": "app", "image": "app", "command": ["ddtrace-run"], "dependsOn": {"x": 1}});
        let f = check_value(&AppNotWaitingForAgent, td(app, true));
        assert!(!f[0].fix.as_ref().unwrap().is_applicable());
    }
}
