use crate::finding::{Finding, Fix};
use crate::model::Container;
use crate::rules::kit::sidecars::{agents, env_entry, env_flag, is_agent, is_app};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct LogsNotInDatadog;

pub static META: RuleMeta = RuleMeta {
    id: "SDC008",
    name: "logs-not-shipped-to-datadog",
    severity: Severity::Medium,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "The task runs the Datadog agent, but its containers log only to CloudWatch",
    what: crate::rules::doc("In a task with a Datadog agent, checks whether any container's logs can reach Datadog: some container \
           uses the `awsfirelens` driver with the `datadog` output (or a custom FireLens configuration), or — on \
           EC2 only — the agent has `DD_LOGS_ENABLED=true`. Reports when every container that logs uses \
           `awslogs` instead."),
    why: crate::rules::doc("`awslogs` sends stdout/stderr to CloudWatch Logs, not to Datadog; a log group named `/ecs/datadog` is \
          still CloudWatch. On Fargate the agent cannot read other containers' output at all (there is no \
          Docker socket or host file system), so `DD_LOGS_ENABLED` on it changes nothing for them; Datadog's \
          routes are FireLens with the Fluent Bit `datadog` output, or the Datadog Forwarder Lambda subscribed \
          to the CloudWatch log group. Without one of them the logs never appear next to the metrics and traces, \
          and log-based monitors stay silent."),
    example: crate::rules::doc(r#"{"requiresCompatibilities": ["FARGATE"], "containerDefinitions": [
  {"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7",
   "environment": [{"name": "DD_LOGS_ENABLED", "value": "false"}]},
  {"name": "app", "image": "app", "logConfiguration": {"logDriver": "awslogs",
   "options": {"awslogs-group": "/ecs/datadog", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app"}}}]}"#),
    fix: crate::rules::doc("Either route the logs through FireLens to Datadog — add a log router and switch the application's driver:\n\n\
          ```json\n{\"name\": \"log-router\", \"image\": \"public.ecr.aws/aws-observability/aws-for-fluent-bit:stable\", \
          \"essential\": true,\n \"firelensConfiguration\": {\"type\": \"fluentbit\", \"options\": \
          {\"enable-ecs-log-metadata\": \"true\"}}}\n```\n\n```json\n\"logConfiguration\": {\"logDriver\": \
          \"awsfirelens\", \"options\": {\"Name\": \"datadog\", \"Host\": \"http-intake.logs.datadoghq.com\", \
          \"TLS\": \"on\", \"provider\": \"ecs\", \"dd_service\": \"app\", \"dd_source\": \"ecs\"},\n \
          \"secretOptions\": [{\"name\": \"apikey\", \"valueFrom\": \"<secret ARN>\"}]}\n```\n\n\
          — or keep CloudWatch and subscribe the Datadog Forwarder Lambda to the log group."),
    references: &[],
};

/// True when the container's logs can reach Datadog through FireLens.
fn firelens_to_datadog(c: &Container<'_>) -> bool {
    if c.log_driver() != Some("awsfirelens") {
        return false;
    }
    match c.log_option("Name").or_else(|| c.log_option("name")) {
        Some(name) => name.eq_ignore_ascii_case("datadog"),
        // No output named: the router's own configuration file decides; give it the benefit of the doubt.
        None => true,
    }
}

impl Rule for LogsNotInDatadog {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let Some(agent) = agents(td).next() else { return };
        if td.containers.iter().any(firelens_to_datadog) {
            return;
        }
        let logs_enabled = env_flag(agent, "DD_LOGS_ENABLED") == Some(true);
        if logs_enabled && !td.is_fargate() {
            return;
        }
        let awslogs = || td.containers.iter().filter(|c| c.log_driver() == Some("awslogs"));
        let Some(first) = awslogs().find(|c| is_app(c)).or_else(|| awslogs().find(|c| !is_agent(c))) else { return };
        if td.containers.iter().any(|c| !is_agent(c) && c.log_driver().is_some_and(|d| d != "awslogs")) {
            // Some containers use another driver (splunk, FireLens to elsewhere …): a deliberate routing choice.
            return;
        }
        let others = awslogs().filter(|c| !is_agent(c)).count() - 1;
        let who = if others > 0 {
            format!("`{}` and {others} other container(s) log", first.label())
        } else {
            format!("`{}` logs", first.label())
        };
        let group = first.log_option("awslogs-group").map(|g| format!(" (`{g}`)")).unwrap_or_default();
        let agent_part = match (env_entry(agent, "DD_LOGS_ENABLED"), td.is_fargate()) {
            (_, true) if logs_enabled => format!(
                "`DD_LOGS_ENABLED=true` on `{}` does not help on Fargate, where the agent cannot read other \
                 containers' output",
                agent.label()
            ),
            (Some(_), _) => format!("`DD_LOGS_ENABLED` is off on `{}`", agent.label()),
            (None, _) => format!("`{}` does not enable log collection", agent.label()),
        };
        let pointer = format!("{}/logDriver", first.ptr("logConfiguration"));
        let message = format!(
            "{who} with `awslogs` to CloudWatch{group}, and nothing sends them to Datadog: no FireLens router \
             with the `datadog` output, and {agent_part}; the logs appear in Datadog only if a Datadog Forwarder \
             is subscribed to the log group"
        );
        out.push(Finding::new(&META, pointer, message).in_container(first).with_fix_from(cx, || {
            Fix::advice(
                "Add a FireLens log router (aws-for-fluent-bit, `firelensConfiguration` type `fluentbit`) and set \
                 the application's `logConfiguration` to `awsfirelens` with options `Name: datadog`, \
                 `Host: http-intake.logs.<DD_SITE>`, `TLS: on`, `provider: ecs`, `dd_service`, `dd_source` and the \
                 API key in `secretOptions` (`apikey`); or keep CloudWatch and subscribe the Datadog Forwarder \
                 Lambda to the log group",
            )
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn awslogs(prefix: &str) -> serde_json::Value {
        json!({"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/x", "awslogs-region": "us-east-1",
               "awslogs-stream-prefix": prefix}})
    }

    fn td(agent_env: serde_json::Value) -> serde_json::Value {
        let mut td = base();
        td["containerDefinitions"][0]["logConfiguration"] = awslogs("app");
        td["containerDefinitions"].as_array_mut().unwrap().push(json!({"name": "datadog-agent",
            "image": "datadog/agent:7", "environment": agent_env, "logConfiguration": awslogs("dd")}));
        td
    }

    #[test]
    fn seed_logs_go_to_cloudwatch_only() {
        let f = check(&LogsNotInDatadog, SEED);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/2/logConfiguration/logDriver");
        assert_eq!(f[0].container.as_deref(), Some("my-app-repo"));
        assert!(f[0].message.contains("/ecs/datadog"));
        assert!(f[0].message.contains("and 2 other container(s)"));
        assert!(f[0].message.contains("`DD_LOGS_ENABLED` is off"));
    }

    #[test]
    fn fargate_flags_even_with_logs_enabled() {
        let f = check_value(&LogsNotInDatadog, td(json!([{"name": "DD_LOGS_ENABLED", "value": "true"}])));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("does not help on Fargate"));
        let mut t = td(json!([{"name": "DD_LOGS_ENABLED", "value": "true"}]));
        t["requiresCompatibilities"] = json!(["EC2"]);
        assert!(check_value(&LogsNotInDatadog, t).is_empty());
        let mut t = td(json!([]));
        t["requiresCompatibilities"] = json!(["EC2"]);
        assert_eq!(check_value(&LogsNotInDatadog, t).len(), 1);
    }

    #[test]
    fn quiet_with_firelens_to_datadog_or_no_agent() {
        let mut t = td(json!([]));
        t["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": "awsfirelens", "options": {"Name": "datadog", "Host": "http-intake.logs.datadoghq.com"}});
        assert!(check_value(&LogsNotInDatadog, t).is_empty());
        let mut t = base();
        t["containerDefinitions"][0]["logConfiguration"] = awslogs("app");
        assert!(check_value(&LogsNotInDatadog, t).is_empty());
        // FireLens to CloudWatch is a deliberate choice elsewhere: not reported here.
        let mut t = td(json!([]));
        t["containerDefinitions"][0]["logConfiguration"] =
            json!({"logDriver": "awsfirelens", "options": {"Name": "cloudwatch_logs"}});
        assert!(check_value(&LogsNotInDatadog, t).is_empty());
        let mut t = td(json!([]));
        t["containerDefinitions"][0]["logConfiguration"] = json!("awslogs");
        assert!(check_value(&LogsNotInDatadog, t).is_empty());
    }
}
