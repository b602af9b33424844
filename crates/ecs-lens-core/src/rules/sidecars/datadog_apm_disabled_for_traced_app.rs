use serde_json::json;

use crate::finding::{Finding, Fix};
use crate::rules::kit::sidecars::{agents, env_entry, env_ptr, is_agent, is_traced, parse_bool, set_env_op};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct ApmDisabledForTracedApp;

pub static META: RuleMeta = RuleMeta {
    id: "SDC011",
    name: "datadog-apm-disabled-for-traced-app",
    severity: Severity::Medium,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "A container runs a Datadog tracer but the agent has `DD_APM_ENABLED=false`",
    what: crate::rules::doc(
        "Reports a Datadog agent with `DD_APM_ENABLED` explicitly false in a task where a container runs a \
           Datadog tracer (`ddtrace-run`, `dd-java-agent`, `dd-trace`, Datadog's .NET profiler, \
           `DD_TRACE_AGENT_URL`, `DD_PROFILING_ENABLED=true` …) that is not itself disabled with \
           `DD_TRACE_ENABLED=false`.",
    ),
    why: crate::rules::doc(
        "With APM disabled the agent does not start its trace receiver: nothing listens on port 8126 or on \
          `apm.socket`, the tracer's flushes are refused, and every trace and profile of the application is \
          dropped while its code pays the instrumentation cost.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [
  {"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7",
   "environment": [{"name": "DD_APM_ENABLED", "value": "false"}]},
  {"name": "app", "image": "app", "command": ["ddtrace-run", "gunicorn", "app:app"]}]}"#,
    ),
    fix: crate::rules::doc(
        "Set `DD_APM_ENABLED` to `true` on the agent (it is the default, so removing it also works), or stop \
          instrumenting the application.",
    ),
    references: &[],
};

impl Rule for ApmDisabledForTracedApp {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        for agent in agents(td) {
            let Some((i, Some(v))) = env_entry(agent, "DD_APM_ENABLED") else { continue };
            if parse_bool(v) != Some(false) {
                continue;
            }
            let Some(traced) = td.containers.iter().find(|c| !is_agent(c) && is_traced(c)) else { continue };
            out.push(
                Finding::new(
                    &META,
                    env_ptr(agent, i),
                    format!(
                        "`DD_APM_ENABLED` is false on the Datadog agent `{}` but `{}` runs a Datadog tracer: \
                         nothing receives its traces, so they are all dropped",
                        agent.label(),
                        traced.label()
                    ),
                )
                .in_container(agent)
                .with_fix_from(cx, || match set_env_op(agent, "DD_APM_ENABLED", "true") {
                    Some(op) => Fix::patch("Enable APM on the Datadog agent", json!([op])),
                    None => Fix::advice("Set `DD_APM_ENABLED` to `true` on the agent"),
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    fn td(apm: &str, app_cmd: serde_json::Value) -> serde_json::Value {
        let mut td = base();
        td["containerDefinitions"][0]["command"] = app_cmd;
        td["containerDefinitions"].as_array_mut().unwrap().push(json!({"name": "datadog-agent",
            "image": "datadog/agent", "environment": [{"name": "DD_APM_ENABLED", "value": apm}]}));
        td
    }

    #[test]
    fn flags_disabled_apm_with_tracer() {
        let f = check_value(&ApmDisabledForTracedApp, td("false", json!(["ddtrace-run", "python", "a.py"])));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/1/environment/0");
        assert_eq!(
            f[0].fix.as_ref().unwrap().patch,
            json!([{"op": "replace", "path": "/containerDefinitions/1/environment/0/value", "value": "true"}])
        );
        let f = check_value(
            &ApmDisabledForTracedApp,
            td("0", json!(["java", "-javaagent:/dd/dd-java-agent.jar", "-jar", "app.jar"])),
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn quiet_cases() {
        assert!(check(&ApmDisabledForTracedApp, SEED).is_empty());
        assert!(check_value(&ApmDisabledForTracedApp, td("true", json!(["ddtrace-run", "x"]))).is_empty());
        assert!(check_value(&ApmDisabledForTracedApp, td("false", json!(["python", "x"]))).is_empty());
        assert!(check_value(&ApmDisabledForTracedApp, td("false", json!({"a": 1}))).is_empty());
    }
}
