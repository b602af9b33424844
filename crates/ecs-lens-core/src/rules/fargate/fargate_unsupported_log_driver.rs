use serde_json::json;

use crate::finding::{Finding, Fix};
use crate::rules::kit::named;
use crate::rules::kit::set;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct FargateLogDriver;

pub static META: RuleMeta = RuleMeta {
    id: "FAR004",
    name: "fargate-unsupported-log-driver",
    severity: Severity::High,
    category: Category::Fargate,
    blocks_registration: true,
    summary: "Log driver other than `awslogs`, `splunk` or `awsfirelens` on Fargate",
    what: crate::rules::doc(
        "When `requiresCompatibilities` contains `FARGATE`, checks every container's \
           `logConfiguration.logDriver` is `awslogs`, `splunk` or `awsfirelens`.",
    ),
    why: crate::rules::doc(
        "Fargate hosts only ship those three drivers; `json-file`, `syslog`, `journald`, `gelf` and `fluentd` \
          exist only on EC2 container instances. ECS refuses the task definition, and even where a definition \
          slipped through, the container could not start. To reach Fluentd or Fluent Bit on Fargate, use \
          FireLens (`awsfirelens`).",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512",
  "containerDefinitions": [{"name": "app", "image": "nginx",
    "logConfiguration": {"logDriver": "json-file"}}]}"#,
    ),
    fix: crate::rules::doc(
        "Use `awslogs` (CloudWatch Logs), or route through a FireLens log router (`awsfirelens`) for other \
          destinations:\n\n```json\n\"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\
          \"awslogs-group\": \"/ecs/web\", \"awslogs-region\": \"us-east-1\", \
          \"awslogs-stream-prefix\": \"app\"}}\n```\n\n\
          The task's execution role needs `logs:CreateLogStream` and `logs:PutLogEvents` \
          (`AmazonECSTaskExecutionRolePolicy`).",
    ),
    references: &[Reference { tool: "cfn-lint", id: "E3048" }],
};

const ALLOWED: &[&str] = &["awslogs", "splunk", "awsfirelens"];

impl Rule for FargateLogDriver {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.is_fargate() {
            return;
        }
        let mut region: Option<Option<&str>> = None;
        for c in &td.containers {
            let Some(driver) = c.log_driver() else { continue };
            if ALLOWED.contains(&driver) {
                continue;
            }
            let msg = format!(
                "{} uses log driver '{driver}', which Fargate does not support (only awslogs, splunk and awsfirelens)",
                named(c)
            );
            let region = region.get_or_insert_with(|| td.account_and_region().1);
            let group = format!("/ecs/{}", td.family().unwrap_or("task"));
            let prefix = c.name.unwrap_or("ecs");
            let pointer = format!("{}/logDriver", c.ptr("logConfiguration"));
            out.push(Finding::new(&META, pointer, msg).in_container(c).with_fix_from(cx, || {
                match region {
                    Some(region) => Fix::patch(
                        format!("Switch {} to awslogs, logging to CloudWatch Logs group {group}", named(c)),
                        set(
                            &c.ptr("logConfiguration"),
                            true,
                            json!({"logDriver": "awslogs", "options": {
                                "awslogs-group": group,
                                "awslogs-region": region,
                                "awslogs-stream-prefix": prefix,
                                "awslogs-create-group": "true"
                            }}),
                        ),
                    )
                    .safe()
                    .with_notes(vec![
                    "The execution role needs logs:CreateLogStream and logs:PutLogEvents, plus logs:CreateLogGroup \
                     for awslogs-create-group (or create the group beforehand and drop that option)."
                        .into(),
                ]),
                    None => Fix::advice(format!(
                        "Switch {} to awslogs (with awslogs-group, awslogs-region and awslogs-stream-prefix), or send \
                     the logs through a FireLens router with awsfirelens",
                        named(c)
                    )),
                }
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn allowed_drivers_pass() {
        assert!(check(&FargateLogDriver, SEED).is_empty());
        for d in ALLOWED {
            let mut td = base();
            td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": d});
            assert!(check_value(&FargateLogDriver, td).is_empty());
        }
        assert!(check_value(&FargateLogDriver, base()).is_empty());
    }

    #[test]
    fn json_file_is_flagged_with_awslogs_fix() {
        let mut td = base();
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": "json-file", "options": {}});
        let f = check_value(&FargateLogDriver, json!({"taskDefinition": td}));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/taskDefinition/containerDefinitions/0/logConfiguration/logDriver");
        assert!(f[0].message.contains("'json-file'"));
        let patch = &f[0].fix.as_ref().unwrap().patch;
        assert_eq!(patch[0]["op"], "replace");
        assert_eq!(patch[0]["path"], "/taskDefinition/containerDefinitions/0/logConfiguration");
        assert_eq!(patch[0]["value"]["options"]["awslogs-region"], "us-east-1");
        assert_eq!(patch[0]["value"]["options"]["awslogs-group"], "/ecs/web");
        assert_eq!(patch[0]["value"]["options"]["awslogs-stream-prefix"], "app");
    }

    #[test]
    fn without_region_only_advice() {
        let mut td = base();
        td["containerDefinitions"][0]["image"] = json!("nginx");
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": "fluentd"});
        let f = check_value(&FargateLogDriver, td);
        assert_eq!(f.len(), 1);
        assert!(!f[0].fix.as_ref().unwrap().is_applicable());
    }

    #[test]
    fn ec2_and_wrong_types() {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": "json-file"});
        assert!(check_value(&FargateLogDriver, td).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": 3});
        assert!(check_value(&FargateLogDriver, td).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["logConfiguration"] = json!("awslogs");
        assert!(check_value(&FargateLogDriver, td).is_empty());
    }
}
