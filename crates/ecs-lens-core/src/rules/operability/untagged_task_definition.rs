use serde_json::Value;

use crate::document::Shape;
use crate::finding::{Finding, Fix};
use crate::model::member;
use crate::rules::kit::cat;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct Untagged;

pub static META: RuleMeta = RuleMeta {
    id: "OPS004",
    name: "untagged-task-definition",
    severity: Severity::Low,
    category: Category::Operability,
    blocks_registration: false,
    summary: "The task definition has no tags",
    what: crate::rules::doc(
        "Flags a task definition without tags (absent, empty, or only `aws:` tags). A bare \
           `DescribeTaskDefinition` object is skipped (it never carries tags); for the wrapped Describe \
           output, a missing `tags` member is reported at info level because `describe-task-definition` only \
           returns tags with `--include TAGS`.",
    ),
    why: crate::rules::doc(
        "Tags are how cost allocation, ownership lookups, access policies (ABAC) and inventory tools find \
          who owns a task definition and what it belongs to. Security Hub control ECS.15 requires them.",
    ),
    example: crate::rules::doc(r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "app:1.2"}]}"#),
    fix: crate::rules::doc(
        "Add tags when registering, e.g. `\"tags\": [{\"key\": \"team\", \"value\": \"payments\"}, {\"key\": \
          \"service\", \"value\": \"web\"}]`, or tag an existing revision with `aws ecs tag-resource`.",
    ),
    references: &[
        Reference { tool: "Security Hub", id: "ECS.15" },
        Reference { tool: "AWS Config", id: "tagged-ecs-taskdefinition" },
    ],
};

fn is_user_tag(tag: &Value) -> bool {
    tag.as_object()
        .and_then(|t| member(t, "key"))
        .and_then(Value::as_str)
        .is_some_and(|k| !k.is_empty() && !k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")))
}

impl Rule for Untagged {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if td.obj.is_empty() {
            return;
        }
        let shape = cx.doc.shape();
        let (pointer, message, severity) = match &td.tags {
            Some((tags, ptr)) => {
                let Some(list) = tags.as_array() else { return };
                if list.iter().any(is_user_tag) {
                    return;
                }
                let what = if list.is_empty() { "an empty `tags` list" } else { "only `aws:` tags" };
                (ptr.clone(), cat(&["the task definition has ", what, ": nothing says who owns it"]), Severity::Low)
            }
            None if shape == Shape::Described => return,
            None => {
                let ptr = if td.get("family").is_some() { td.ptr("family") } else { td.base.to_string() };
                if shape == Shape::DescribeWrapped {
                    (
                        ptr,
                        "the task definition has no tags (or it was described without `--include TAGS`)".to_string(),
                        Severity::Info,
                    )
                } else {
                    (ptr, "the task definition has no tags: nothing says who owns it".to_string(), Severity::Low)
                }
            }
        };
        out.push(Finding::new(&META, pointer, message).with_severity(severity).with_fix_from(cx, || {
            let fix = Fix::advice(
                "Add tags such as `team`, `service` and `environment` to the task definition (`tags`: \
                 [{\"key\": \"team\", \"value\": \"…\"}]).",
            );
            match td.str("taskDefinitionArn") {
                Some(arn) => fix.with_commands(vec![format!(
                    "aws ecs tag-resource --resource-arn {arn} --tags key=team,value=<team> key=service,value=<service>"
                )]),
                None => fix,
            }
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn flags_no_tags_empty_tags_and_aws_only_tags() {
        let f = check_value(&Untagged, base());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/family");
        assert_eq!(f[0].severity, Severity::Low);
        let mut td = base();
        td["tags"] = json!([]);
        assert_eq!(check_value(&Untagged, td.clone())[0].pointer, "/tags");
        td["tags"] = json!([{"key": "AWS:cloudformation:stack-name", "value": "x"}]);
        assert_eq!(check_value(&Untagged, td).len(), 1);
    }

    #[test]
    fn describe_shapes() {
        let mut described = base();
        described["revision"] = 3.into();
        assert!(check_value(&Untagged, described.clone()).is_empty(), "bare describe output never has tags");
        described["taskDefinitionArn"] = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3".into();
        let wrapped = json!({"taskDefinition": described.clone()});
        let f = check_value(&Untagged, wrapped);
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(f[0].pointer, "/taskDefinition/family");
        assert!(f[0].fix.as_ref().unwrap().commands[0].contains("task-definition/web:3"));
        let f = check_value(&Untagged, json!({"taskDefinition": described.clone(), "tags": []}));
        assert_eq!((f[0].pointer.as_str(), f[0].severity), ("/tags", Severity::Low));
        assert!(check_value(&Untagged, json!({"taskDefinition": described, "tags": [{"key": "team", "value": "x"}]}))
            .is_empty());
    }

    #[test]
    fn passes_tagged_and_flags_the_seed() {
        let mut td = base();
        td["tags"] = json!([{"key": "team", "value": "payments"}]);
        assert!(check_value(&Untagged, td).is_empty());
        assert_eq!(check(&Untagged, SEED).len(), 1);
    }
}
