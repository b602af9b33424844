use crate::finding::{Finding, Fix};
use crate::model::{Container, TaskDef};
use crate::rules::kit::sidecars::{agents, env_entry, env_ptr, has_env_files, secrets_rules_flag};
use crate::rules::secrets::migrate::Target;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct DatadogApiKeySource;

pub static META: RuleMeta = RuleMeta {
    id: "SDC003",
    name: "datadog-api-key-not-from-secrets",
    severity: Severity::High,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "Datadog agent with no `DD_API_KEY`, or with one that is not injected from `secrets`",
    what: crate::rules::doc("Checks where the Datadog agent gets `DD_API_KEY`. Reports (high) an agent with no `DD_API_KEY` in \
           `secrets` or `environment` (or an empty one), and (medium) a `DD_API_KEY` in `environment` that the \
           secrets rules do not already report — typically a placeholder such as `<YOUR_API_KEY>` or \
           `${DD_API_KEY}` that was never substituted. A plaintext key in `environment` is reported by SEC001 \
           instead; an `ENC[…]` handle for the agent's secrets backend is fine, and a key that may come from \
           `environmentFiles` is given the benefit of the doubt."),
    why: crate::rules::doc("The agent image refuses to run without an API key: the container exits at start-up and, as the agent \
          is usually essential, takes the whole task down with it. A placeholder is sent as the key: Datadog \
          rejects every payload (HTTP 403) and no metric, trace or security event arrives, while the task looks \
          healthy. Injecting the key from Secrets Manager or Parameter Store keeps it out of the task definition \
          and lets you rotate it without registering a new revision."),
    example: crate::rules::doc(r#"{"containerDefinitions": [{"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7",
  "environment": [{"name": "ECS_FARGATE", "value": "true"}, {"name": "DD_SITE", "value": "datadoghq.com"}]}]}"#),
    fix: crate::rules::doc("Store the key in Secrets Manager (or SSM Parameter Store) and inject it:\n\n```json\n\"secrets\": \
          [{\"name\": \"DD_API_KEY\", \"valueFrom\": \"arn:aws:secretsmanager:<region>:<account>:secret:datadog/api-key\"}]\n```\n\n\
          The task's execution role needs `secretsmanager:GetSecretValue` on that secret (and `kms:Decrypt` if it \
          is encrypted with a customer-managed key). Remove `DD_API_KEY` from `environment`."),
    references: &[Reference { tool: "Security Hub", id: "ECS.8" }],
};

/// A Datadog API key is 32 hexadecimal characters.
fn looks_like_api_key(v: &str) -> bool {
    v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit())
}

fn secret_fix(td: &TaskDef<'_>, agent: &Container<'_>) -> Fix {
    // The same secret name, ARN, create-secret commands (value through a file, never on the
    // command line) and IAM notes as the secrets rules' own fix.
    let target = Target::new(td);
    let name = target.secret_name(agent, "DD_API_KEY");
    let arn = target.arn(&name);
    target.fix(
        format!(
            "Store the API key in Secrets Manager and inject it from `secrets` on the agent: \
             `\"secrets\": [{{\"name\": \"DD_API_KEY\", \"valueFrom\": \"{arn}\"}}]`"
        ),
        serde_json::json!([]),
        "DD_API_KEY",
        &name,
        false,
    )
}

impl Rule for DatadogApiKeySource {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        for agent in agents(td) {
            if agent.secrets().any(|s| s.name == "DD_API_KEY") {
                continue;
            }
            match env_entry(agent, "DD_API_KEY") {
                // SEC001 reports plaintext keys, placeholders and empty values itself.
                Some((_, Some(raw))) if secrets_rules_flag("DD_API_KEY", raw) => {}
                // A handle for the agent's secrets backend.
                Some((_, Some(raw))) if raw.trim_start().starts_with("ENC[") => {}
                Some((i, Some(raw))) if !raw.trim().is_empty() => {
                    let message = if looks_like_api_key(raw.trim()) {
                        format!(
                            "`DD_API_KEY` on the Datadog agent `{}` is set in `environment` instead of `secrets`: the \
                             key is stored in the task definition, readable by anyone allowed to describe it, and \
                             rotating it needs a new revision",
                            agent.label()
                        )
                    } else {
                        format!(
                            "`DD_API_KEY` on the Datadog agent `{}` is set in `environment` to something that is not \
                             a Datadog API key (32 hex characters): Datadog rejects everything the agent sends \
                             (HTTP 403)",
                            agent.label()
                        )
                    };
                    out.push(
                        Finding::new(&META, env_ptr(agent, i), message)
                            .in_container(agent)
                            .with_severity(Severity::Medium)
                            .with_fix_from(cx, || secret_fix(td, agent)),
                    );
                }
                Some((i, _)) => out.push(
                    Finding::new(
                        &META,
                        env_ptr(agent, i),
                        format!(
                            "`DD_API_KEY` on the Datadog agent `{}` has no value: the agent image refuses to start \
                             without an API key, so the container exits and, if essential, stops the task",
                            agent.label()
                        ),
                    )
                    .in_container(agent)
                    .with_fix_from(cx, || secret_fix(td, agent)),
                ),
                None if has_env_files(agent) => {}
                None => out.push(
                    Finding::new(
                        &META,
                        agent.pointer.clone(),
                        format!(
                            "the Datadog agent `{}` has no `DD_API_KEY` in `secrets` or `environment`: the agent \
                             image refuses to start without an API key, so the container exits and, if essential, \
                             stops the task",
                            agent.label()
                        ),
                    )
                    .in_container(agent)
                    .with_fix_from(cx, || secret_fix(td, agent)),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check_value};
    use serde_json::json;

    fn with_agent(agent: serde_json::Value) -> serde_json::Value {
        let mut td = base();
        td["containerDefinitions"].as_array_mut().unwrap().push(agent);
        td
    }

    #[test]
    fn flags_missing_key() {
        let f = check_value(
            &DatadogApiKeySource,
            with_agent(json!({"name": "datadog-agent", "image": "datadog/agent:7",
                "environment": [{"name": "ECS_FARGATE", "value": "true"}]})),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].pointer, "/containerDefinitions/1");
        let fix = f[0].fix.as_ref().unwrap();
        assert!(fix
            .description
            .contains("arn:aws:secretsmanager:us-east-1:123456789012:secret:web/datadog-agent/DD_API_KEY"));
        // The same create-secret recipe as the secrets rules: the value goes through a file.
        assert!(fix.commands.iter().any(|c| c.contains("create-secret") && c.contains("--secret-string file://")));
        assert!(fix.commands.iter().all(|c| !c.contains("$DD_API_KEY")));
    }

    #[test]
    fn defers_to_the_secrets_rules() {
        for value in
            ["", " ", "<YOUR_DATADOG_API_KEY>", "${DD_API_KEY}", "xxx", "0123456789abcdef0123456789abcdef", "k"]
        {
            let f = check_value(
                &DatadogApiKeySource,
                with_agent(json!({"name": "dd", "image": "datadog/agent",
                    "environment": [{"name": "DD_API_KEY", "value": value}]})),
            );
            if secrets_rules_flag("DD_API_KEY", value) {
                assert!(f.is_empty(), "SEC001 reports {value:?}; SDC003 must not");
            } else {
                assert_eq!(f.len(), 1, "{value:?}");
                assert_eq!(f[0].pointer, "/containerDefinitions/1/environment/0");
                assert!(value.trim().is_empty() || !f[0].message.contains(value), "never echo the value");
            }
        }
    }

    #[test]
    fn quiet_with_secret_backend_or_env_files() {
        for agent in [
            json!({"name": "dd", "image": "datadog/agent", "secrets": [{"name": "DD_API_KEY", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/dd"}]}),
            json!({"name": "dd", "image": "datadog/agent", "environment": [{"name": "DD_API_KEY", "value": "ENC[api_key]"}]}),
            json!({"name": "dd", "image": "datadog/agent", "environmentFiles": [{"type": "s3", "value": "arn:aws:s3:::b/x.env"}]}),
            json!({"name": "app2", "image": "nginx"}),
        ] {
            assert!(check_value(&DatadogApiKeySource, with_agent(agent)).is_empty());
        }
    }

    #[test]
    fn wrong_types_do_not_panic() {
        let f = check_value(
            &DatadogApiKeySource,
            with_agent(json!({"name": "dd", "image": "datadog/agent", "environment": "DD_API_KEY=x", "secrets": 7})),
        );
        assert_eq!(f.len(), 1);
        let f = check_value(
            &DatadogApiKeySource,
            with_agent(
                json!({"name": "dd", "image": "datadog/agent", "environment": [{"name": "DD_API_KEY", "value": null}]}),
            ),
        );
        assert_eq!(f.len(), 1);
    }
}
