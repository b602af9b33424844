use serde_json::Value;

use super::suggested_stream_prefix;
use crate::finding::{Finding, Fix};
use crate::model::member;
use crate::rules::kit::{cat, label, one, ptr, set_nested};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct StreamPrefix;

pub static META: RuleMeta = RuleMeta {
    id: "OPS002",
    name: "awslogs-stream-prefix-missing",
    severity: Severity::Medium,
    category: Category::Operability,
    blocks_registration: false,
    summary: "An `awslogs` configuration has no `awslogs-stream-prefix`",
    what: crate::rules::doc(
        "Flags `awslogs` log configurations without the `awslogs-stream-prefix` option. Medium on Fargate \
           (where AWS documents the option as required), low elsewhere.",
    ),
    why: crate::rules::doc(
        "With a prefix each log stream is named `prefix/container-name/task-id`, so the logs of one task and \
          one container are easy to find and ECS's console links to them. Without it the stream is named \
          after the Docker container id, which nobody can map back to a task at 3 a.m.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "app", "image": "app:1.2", "logConfiguration": {"logDriver": "awslogs",
  "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1"}}}]}"#,
    ),
    fix: crate::rules::doc(
        "Add `\"awslogs-stream-prefix\"` (the family, the service name or the container name are common \
          choices).",
    ),
    references: &[],
};

impl Rule for StreamPrefix {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let mut fargate = None;
        for c in &td.containers {
            let Some(lc) = c.get("logConfiguration").and_then(Value::as_object) else { continue };
            if member(lc, "logDriver").and_then(Value::as_str) != Some("awslogs") {
                continue;
            }
            let options = member(lc, "options");
            if options.is_some_and(|o| !o.is_object()) {
                continue; // wrong type: the validity rules report it
            }
            if options.and_then(Value::as_object).and_then(|o| member(o, "awslogs-stream-prefix")).is_some() {
                continue;
            }
            let label = label(c);
            let pointer = if options.is_some() {
                ptr(c, "/logConfiguration/options")
            } else {
                ptr(c, "/logConfiguration/logDriver")
            };
            let fargate = *fargate.get_or_insert_with(|| td.is_fargate());
            let severity = if fargate { Severity::Medium } else { Severity::Low };
            let message = if fargate {
                cat(&[
                    "container `",
                    &label,
                    "` logs to CloudWatch without `awslogs-stream-prefix`, which AWS documents as required on \
                     Fargate; its streams cannot be told apart by task",
                ])
            } else {
                cat(&[
                    "container `",
                    &label,
                    "` logs to CloudWatch without `awslogs-stream-prefix`: its streams are named after Docker \
                     container ids and cannot be tied to a task",
                ])
            };
            out.push(Finding::new(&META, pointer, message).in_container(c).with_severity(severity).with_fix_from(
                cx,
                || {
                    let prefix = suggested_stream_prefix(td, c);
                    let lp = ptr(c, "/logConfiguration");
                    match set_nested(&lp, lc, &["options", "awslogs-stream-prefix"], prefix.as_str().into()) {
                        Some(op) => Fix::patch(
                            cat(&["Name the log streams of `", &label, "` `", &prefix, "/", &label, "/<task-id>`"]),
                            one(op),
                        ),
                        None => Fix::advice("Add an `awslogs-stream-prefix` option."),
                    }
                },
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kit::test_support::apply_fix;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn flags_missing_prefix() {
        let mut td = base();
        td["containerDefinitions"][0]["logConfiguration"] =
            json!({"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1"}});
        let f = check_value(&StreamPrefix, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/logConfiguration/options");
        let fixed = apply_fix(&td, &f[0]);
        assert_eq!(fixed["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-stream-prefix"], "web");
        assert!(check_value(&StreamPrefix, fixed).is_empty());

        td["requiresCompatibilities"] = json!(["EC2"]);
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": "awslogs"});
        let f = check_value(&StreamPrefix, td.clone());
        assert_eq!(f[0].severity, Severity::Low);
        assert!(check_value(&StreamPrefix, apply_fix(&td, &f[0])).is_empty());
    }

    #[test]
    fn passes_with_prefix_other_drivers_and_the_seed() {
        let mut td = base();
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": "awsfirelens", "options": {}});
        assert!(check_value(&StreamPrefix, td).is_empty());
        assert!(check(&StreamPrefix, SEED).is_empty());
    }
}
