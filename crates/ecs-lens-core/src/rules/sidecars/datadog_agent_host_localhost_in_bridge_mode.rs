use crate::finding::{Finding, Fix};
use crate::rules::kit::sidecars::{env_entry, env_ptr};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct AgentHostLocalhostBridge;

pub static META: RuleMeta = RuleMeta {
    id: "SDC012",
    name: "datadog-agent-host-localhost-in-bridge-mode",
    severity: Severity::Medium,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "`DD_AGENT_HOST`/`DD_TRACE_AGENT_URL` point at localhost in `bridge` network mode",
    what: crate::rules::doc(
        "In a task definition using the `bridge` network mode (explicitly or by default on EC2), reports \
           `DD_AGENT_HOST`, `DD_TRACE_AGENT_URL` or `DD_DOGSTATSD_URL` values that name `localhost`, \
           `127.0.0.1` or `::1`.",
    ),
    why: crate::rules::doc(
        "In `bridge` mode every container has its own network namespace: `localhost` is the application \
          container itself, not the Datadog agent — neither a sidecar agent in the same task nor the agent \
          daemon on the instance. Traces and DogStatsD metrics are sent to a port nobody listens on and are \
          lost. (In `awsvpc` and `host` mode containers do share localhost, and this is fine.)",
    ),
    example: crate::rules::doc(
        r#"{"networkMode": "bridge", "containerDefinitions": [{"name": "app", "image": "app",
  "environment": [{"name": "DD_AGENT_HOST", "value": "localhost"}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Send to the instance's address, where the agent daemon publishes 8126/8125 on the host: set \
          `DD_AGENT_HOST` at start-up from the instance metadata (`curl -s \
          http://169.254.169.254/latest/meta-data/local-ipv4`), or mount the agent's socket directory \
          (`/var/run/datadog`) and use `DD_TRACE_AGENT_URL=unix:///var/run/datadog/apm.socket`; or switch the \
          task to `awsvpc`.",
    ),
    references: &[],
};

const VARS: [&str; 3] = ["DD_AGENT_HOST", "DD_TRACE_AGENT_URL", "DD_DOGSTATSD_URL"];

/// The host part of `localhost`, `127.0.0.1:8126`, `http://localhost:8126`, `udp://[::1]:8125`.
fn is_loopback(value: &str) -> bool {
    let v = value.trim();
    let v = v.split_once("://").map_or(v, |(_, rest)| rest);
    if v.starts_with("[::1]") || v == "::1" {
        return true;
    }
    let host = v.split(['/', ':']).next().unwrap_or(v);
    host.eq_ignore_ascii_case("localhost") || host.starts_with("127.")
}

impl Rule for AgentHostLocalhostBridge {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if td.is_fargate() || td.network_mode() != "bridge" {
            return;
        }
        for c in &td.containers {
            for var in VARS {
                let Some((i, Some(v))) = env_entry(c, var) else { continue };
                if !is_loopback(v) {
                    continue;
                }
                out.push(
                    Finding::new(
                        &META,
                        env_ptr(c, i),
                        format!(
                            "`{var}` of `{}` points at localhost, but in `bridge` network mode localhost is the \
                             container itself, not the Datadog agent: what it sends to the agent is lost",
                            c.label()
                        ),
                    )
                    .in_container(c)
                    .with_fix_from(cx, || {
                        Fix::advice(
                            "Point it at the instance (the agent daemon's host ports): set DD_AGENT_HOST at start-up \
                         from http://169.254.169.254/latest/meta-data/local-ipv4, or mount /var/run/datadog and use \
                         DD_TRACE_AGENT_URL=unix:///var/run/datadog/apm.socket; or use the awsvpc network mode",
                        )
                    }),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn td(mode: Option<&str>, env: serde_json::Value) -> serde_json::Value {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        match mode {
            Some(m) => td["networkMode"] = json!(m),
            None => {
                td.as_object_mut().unwrap().remove("networkMode");
            }
        }
        td["containerDefinitions"][0]["environment"] = env;
        td
    }

    #[test]
    fn flags_loopback_in_bridge() {
        let env = json!([{"name": "DD_AGENT_HOST", "value": "127.0.0.1"},
                         {"name": "DD_TRACE_AGENT_URL", "value": "http://localhost:8126"},
                         {"name": "DD_DOGSTATSD_URL", "value": "udp://[::1]:8125"}]);
        let f = check_value(&AgentHostLocalhostBridge, td(Some("bridge"), env.clone()));
        assert_eq!(f.len(), 3);
        assert_eq!(f[1].pointer, "/containerDefinitions/0/environment/1");
        assert_eq!(check_value(&AgentHostLocalhostBridge, td(None, env)).len(), 3);
    }

    #[test]
    fn quiet_cases() {
        assert!(check(&AgentHostLocalhostBridge, SEED).is_empty());
        let env = json!([{"name": "DD_AGENT_HOST", "value": "localhost"}]);
        assert!(check_value(&AgentHostLocalhostBridge, td(Some("awsvpc"), env.clone())).is_empty());
        assert!(check_value(&AgentHostLocalhostBridge, td(Some("host"), env)).is_empty());
        let env = json!([{"name": "DD_AGENT_HOST", "value": "10.0.0.5"},
                         {"name": "DD_TRACE_AGENT_URL", "value": "unix:///var/run/datadog/apm.socket"}]);
        assert!(check_value(&AgentHostLocalhostBridge, td(Some("bridge"), env)).is_empty());
        assert!(!is_loopback("localhost.example.com") && is_loopback("localhost"));
    }
}
