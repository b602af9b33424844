use serde_json::{json, Value};

use super::suggested_stream_prefix;
use crate::finding::{Finding, Fix};
use crate::model::{member, Container, TaskDef};
use crate::rules::kit::{add, anchor, cat, label, one, ptr};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct MissingLogConfiguration;

pub static META: RuleMeta = RuleMeta {
    id: "OPS001",
    name: "missing-log-configuration",
    severity: Severity::Medium,
    category: Category::Operability,
    blocks_registration: false,
    summary: "A container has no `logConfiguration`",
    what: crate::rules::doc("Flags every container without a `logConfiguration`."),
    why: crate::rules::doc(
        "Without a log driver the container's stdout/stderr stay on the instance (EC2, until the container \
          is removed) or are lost (Fargate): when the task crashes at 3 a.m. there is nothing to read.",
    ),
    example: crate::rules::doc(r#"{"containerDefinitions": [{"name": "app", "image": "app:1.2"}]}"#),
    fix: crate::rules::doc(
        "Add a log configuration, usually the same as the task's other containers:\n\n```json\n\
          \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": \"/ecs/web\", \
          \"awslogs-region\": \"us-east-1\", \"awslogs-stream-prefix\": \"web\", \"mode\": \"non-blocking\", \
          \"max-buffer-size\": \"25m\"}}\n```\n\nThe execution role needs `logs:CreateLogStream` and \
          `logs:PutLogEvents`.",
    ),
    references: &[
        Reference { tool: "Security Hub", id: "ECS.9" },
        Reference { tool: "Prowler", id: "ecs_task_definitions_logging_enabled" },
    ],
};

/// A log configuration for `c`: a sibling's awslogs configuration (with this container's
/// stream prefix if the sibling uses its own name), else a new awslogs one when the region
/// is known.
fn proposal(td: &TaskDef<'_>, c: &Container<'_>) -> Option<(Value, bool)> {
    let sibling = td.containers.iter().find(|o| {
        o.log_driver() == Some("awslogs")
            && o.log_option("awslogs-group").is_some()
            && o.log_option("awslogs-region").is_some()
    });
    if let Some(s) = sibling {
        let mut lc = s.get("logConfiguration")?.clone();
        if let Some(opts) = lc.get_mut("options").and_then(Value::as_object_mut) {
            opts.insert("awslogs-stream-prefix".into(), suggested_stream_prefix(td, c).into());
        }
        return Some((lc, false));
    }
    let (_, region) = td.account_and_region();
    let region = region?;
    let group = format!("/ecs/{}", td.family().unwrap_or("task"));
    Some((
        json!({"logDriver": "awslogs", "options": {
            "awslogs-group": group,
            "awslogs-region": region,
            "awslogs-stream-prefix": suggested_stream_prefix(td, c),
            "awslogs-create-group": "true",
            "mode": "non-blocking",
            "max-buffer-size": "25m"
        }}),
        true,
    ))
}

impl Rule for MissingLogConfiguration {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        for c in &td.containers {
            if member(c.obj, "logConfiguration").is_some() {
                continue;
            }
            let label = label(c);
            out.push(
                Finding::new(
                    &META,
                    anchor(c),
                    cat(&["container `", &label, "` has no `logConfiguration`: its output is not collected anywhere"]),
                )
                .in_container(c)
                .with_fix_from(cx, || match proposal(td, c) {
                    Some((lc, new_group)) => {
                        let mut notes = vec!["The task execution role needs logs:CreateLogStream and \
                                              logs:PutLogEvents (AmazonECSTaskExecutionRolePolicy has them)."
                            .to_string()];
                        if new_group {
                            notes.push(
                                "awslogs-create-group needs logs:CreateLogGroup on the execution role; or create \
                                 the group yourself and drop the option."
                                    .into(),
                            );
                        }
                        if td.is_fargate() && td.str("executionRoleArn").is_none() {
                            notes.push(
                                "Fargate rejects awslogs without an execution role: \"Fargate requires task \
                                 definition to have execution role ARN to support log driver awslogs.\""
                                    .into(),
                            );
                        }
                        Fix::patch(
                            cat(&["Send the logs of `", &label, "` to CloudWatch Logs"]),
                            one(add(ptr(c, "/logConfiguration"), lc)),
                        )
                        .with_notes(notes)
                    }
                    None => Fix::advice(cat(&[
                        "Add a `logConfiguration` to `",
                        &label,
                        "` (awslogs with awslogs-group, awslogs-region and awslogs-stream-prefix, or awsfirelens \
                         through a log router).",
                    ])),
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kit::test_support::apply_fix;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn new_configuration_from_family_and_region() {
        let td = base();
        let f = check_value(&MissingLogConfiguration, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/name");
        let fixed = apply_fix(&td, &f[0]);
        let opts = &fixed["containerDefinitions"][0]["logConfiguration"]["options"];
        assert_eq!(opts["awslogs-group"], "/ecs/web");
        assert_eq!(opts["awslogs-region"], "us-east-1");
        assert_eq!(opts["mode"], "non-blocking");
        assert!(check_value(&MissingLogConfiguration, fixed).is_empty());
    }

    #[test]
    fn copies_a_sibling_configuration() {
        let mut doc: Value = serde_json::from_str(SEED).unwrap();
        doc["containerDefinitions"][3].as_object_mut().unwrap().remove("logConfiguration");
        let f = check_value(&MissingLogConfiguration, doc.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].container.as_deref(), Some("migration-runner"));
        let fixed = apply_fix(&doc, &f[0]);
        let opts = &fixed["containerDefinitions"][3]["logConfiguration"]["options"];
        assert_eq!(opts["awslogs-group"], "/ecs/datadog");
        assert_eq!(opts["awslogs-stream-prefix"], "migration-runner", "the seed's convention: prefix = name");
    }

    #[test]
    fn advice_when_region_unknown() {
        let mut td = base();
        td["containerDefinitions"][0]["image"] = "nginx:1".into();
        let f = check_value(&MissingLogConfiguration, td);
        assert!(!f[0].fix.as_ref().unwrap().is_applicable());
    }

    #[test]
    fn passes_configured_containers_and_the_seed() {
        assert!(check(&MissingLogConfiguration, SEED).is_empty());
    }
}
