use serde_json::json;

use crate::finding::{Finding, Fix};
use crate::rules::kit::sidecars::{
    agents, env_entry, env_or_container_ptr, env_ptr, parse_bool, set_elsewhere, set_env_op,
};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct AgentMissingEcsFargate;

pub static META: RuleMeta = RuleMeta {
    id: "SDC001",
    name: "datadog-agent-missing-ecs-fargate",
    severity: Severity::High,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "Datadog agent on Fargate without `ECS_FARGATE=true`",
    what: crate::rules::doc(
        "In a Fargate task definition (`requiresCompatibilities` contains `FARGATE`), checks that the Datadog \
           agent container (image `datadog/agent`, `public.ecr.aws/datadog/agent`, `gcr.io/datadoghq/agent` …, or a \
           name containing `datadog-agent`) sets the environment variable `ECS_FARGATE` to `true`. Variables that \
           may come from `environmentFiles` are given the benefit of the doubt.",
    ),
    why: crate::rules::doc(
        "`ECS_FARGATE=true` is the one setting Datadog documents as required on Fargate. Without it the agent \
          behaves as on an EC2 host: it looks for the Docker socket and the EC2 instance metadata, finds neither \
          on Fargate, and collects no container or task metrics — the Fargate integration stays empty while the \
          agent itself looks healthy.",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "512", "memory": "1024",
 "containerDefinitions": [{"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7",
   "environment": [{"name": "DD_SITE", "value": "datadoghq.com"}]}]}"#,
    ),
    fix: crate::rules::doc("Add `{\"name\": \"ECS_FARGATE\", \"value\": \"true\"}` to the agent's `environment`."),
    references: &[],
};

impl Rule for AgentMissingEcsFargate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.is_fargate() {
            return;
        }
        for agent in agents(td) {
            let (pointer, message) = match env_entry(agent, "ECS_FARGATE") {
                Some((_, Some(v))) if parse_bool(v) == Some(true) => continue,
                Some((i, _)) => (
                    env_ptr(agent, i),
                    format!(
                        "`ECS_FARGATE` on the Datadog agent `{}` is not `true`: on Fargate the agent then looks for \
                         the Docker socket and EC2 metadata, finds neither, and collects no task or container metrics",
                        agent.label()
                    ),
                ),
                None if set_elsewhere(agent, "ECS_FARGATE") => continue,
                None => (
                    env_or_container_ptr(agent),
                    format!(
                        "the Datadog agent `{}` runs on Fargate without `ECS_FARGATE=true`: it looks for the Docker \
                         socket and EC2 metadata, finds neither, and collects no task or container metrics",
                        agent.label()
                    ),
                ),
            };
            let finding = Finding::new(&META, pointer, message).in_container(agent);
            out.push(finding.with_fix_from(cx, || match set_env_op(agent, "ECS_FARGATE", "true") {
                Some(op) => Fix::patch("Set `ECS_FARGATE=true` on the Datadog agent", json!([op])),
                None => Fix::advice(
                    "Make `environment` an array and add `{\"name\": \"ECS_FARGATE\", \"value\": \"true\"}` to it",
                ),
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn with_agent(env: serde_json::Value) -> serde_json::Value {
        let mut td = base();
        td["containerDefinitions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7", "environment": env}));
        td
    }

    /// From the lint fuzzer: `ECS_FARGATE` given through `secrets` was flagged as not set, the
    /// fix added a plaintext one, VAL011 removed it again — and fixing never settled.
    #[test]
    fn a_value_from_secrets_is_not_judged_and_fixing_settles() {
        let mut td = with_agent(json!([]));
        td["containerDefinitions"][1]["secrets"] =
            json!([{"name": "ECS_FARGATE", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/fargate"}]);
        assert!(check_value(&AgentMissingEcsFargate, td.clone()).is_empty());
        // The fuzzer's entry had no valueFrom (VAL003's business): still a name in `secrets`.
        td["containerDefinitions"][1]["secrets"] = json!([{"name": "ECS_FARGATE", "value": "true"}]);
        assert!(check_value(&AgentMissingEcsFargate, td.clone()).is_empty());
        let doc = crate::document::Document::from_value(&td);
        let once = crate::fix::apply_fixes(&doc, &crate::rules::LintOptions::default(), true);
        let twice = crate::fix::apply_fixes(
            &crate::document::Document::from_value(&once.value),
            &crate::rules::LintOptions::default(),
            true,
        );
        assert!(twice.applied.is_empty(), "{:?}", twice.applied.iter().map(|a| &a.rule).collect::<Vec<_>>());
    }

    #[test]
    fn flags_missing_and_false() {
        let f =
            check_value(&AgentMissingEcsFargate, with_agent(json!([{"name": "DD_SITE", "value": "datadoghq.com"}])));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/1/environment");
        assert_eq!(f[0].container.as_deref(), Some("datadog-agent"));
        let patch = &f[0].fix.as_ref().unwrap().patch;
        assert_eq!(patch[0]["path"], "/containerDefinitions/1/environment/-");
        assert_eq!(patch[0]["value"]["name"], "ECS_FARGATE");

        let f = check_value(&AgentMissingEcsFargate, with_agent(json!([{"name": "ECS_FARGATE", "value": "false"}])));
        assert_eq!(f[0].pointer, "/containerDefinitions/1/environment/0");
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["op"], "replace");
    }

    #[test]
    fn no_environment_at_all_adds_the_array() {
        let mut td = base();
        td["containerDefinitions"].as_array_mut().unwrap().push(json!({"name": "dd", "image": "datadog/agent:latest"}));
        let f = check_value(&AgentMissingEcsFargate, td);
        assert_eq!(f[0].pointer, "/containerDefinitions/1");
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["path"], "/containerDefinitions/1/environment");
    }

    #[test]
    fn quiet_when_set_or_not_fargate_or_no_agent() {
        assert!(check(&AgentMissingEcsFargate, SEED).is_empty());
        assert!(check_value(&AgentMissingEcsFargate, with_agent(json!([{"name": "ECS_FARGATE", "value": "TRUE"}])))
            .is_empty());
        let mut td = with_agent(json!([]));
        td["requiresCompatibilities"] = json!(["EC2"]);
        assert!(check_value(&AgentMissingEcsFargate, td).is_empty());
        assert!(check_value(&AgentMissingEcsFargate, base()).is_empty());
        let mut td = with_agent(json!([]));
        td["containerDefinitions"][1]["environmentFiles"] = json!([{"type": "s3", "value": "arn:aws:s3:::b/dd.env"}]);
        assert!(check_value(&AgentMissingEcsFargate, td).is_empty());
    }

    #[test]
    fn wrapped_shape_and_wrong_types() {
        let doc = json!({"taskDefinition": with_agent(json!([])), "tags": []});
        let f = check_value(&AgentMissingEcsFargate, doc);
        assert_eq!(f[0].pointer, "/taskDefinition/containerDefinitions/1/environment");
        let f = check_value(&AgentMissingEcsFargate, with_agent(json!({"ECS_FARGATE": true})));
        assert_eq!(f.len(), 1);
        assert!(!f[0].fix.as_ref().unwrap().is_applicable());
        let f = check_value(&AgentMissingEcsFargate, with_agent(json!([{"name": "ECS_FARGATE", "value": true}])));
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["op"], "add");
    }
}
