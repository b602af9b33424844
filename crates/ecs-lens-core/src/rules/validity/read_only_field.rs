use serde_json::{json, Value};

use crate::document::{Shape, READ_ONLY_FIELDS};
use crate::finding::{Finding, Fix};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct ReadOnlyField;

pub static META: RuleMeta = RuleMeta {
    id: "VAL002",
    name: "read-only-field",
    severity: Severity::Info,
    category: Category::Validity,
    blocks_registration: false,
    summary: "`describe-task-definition` output fields that RegisterTaskDefinition does not accept",
    what: crate::rules::doc(
        "Flags the output-only members of a described task definition: `taskDefinitionArn`, `revision`, \
           `status`, `requiresAttributes`, `compatibilities`, `registeredAt`, `registeredBy`, \
           `deregisteredAt` and `deleteRequestedAt`.",
    ),
    why: crate::rules::doc(
        "ECS computes these fields; `aws ecs register-task-definition --cli-input-json` rejects them \
          (`Unknown parameter in input: \"taskDefinitionArn\"`), which is the classic stumble when a \
          revision is copied from the console or from `describe-task-definition`. ecs-lens strips them \
          itself when it registers a document (and moves the Describe output's sibling `tags` in), so \
          this is information, not a blocker — unless you feed the file to the AWS CLI directly.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "revision": 7, "status": "ACTIVE", "containerDefinitions": [{"name": "app", "image": "nginx"}]}"#,
    ),
    fix: crate::rules::doc(
        "Nothing to do when registering with ecs-lens. To use the file with the AWS CLI, remove the \
          fields (the fix does it), as `amazon-ecs-deploy-task-definition` does.",
    ),
    references: &[Reference {
        tool: "GitHub Actions",
        id: "amazon-ecs-deploy-task-definition IGNORED_TASK_DEFINITION_ATTRIBUTES",
    }],
};

impl Rule for ReadOnlyField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // Only a Describe shape can hold them (that is how the shape is detected).
        if cx.doc.shape() == Shape::RegisterInput {
            return;
        }
        let td = &cx.td;
        // One pass over the members: bit i is set when READ_ONLY_FIELDS[i] is present.
        let mut present = 0u32;
        for k in td.obj.keys() {
            if let Some(i) = READ_ONLY_FIELDS.iter().position(|f| f.len() == k.len() && *f == k) {
                present |= 1 << i;
            }
        }
        if present == 0 {
            return;
        }
        let names: Vec<&str> =
            READ_ONLY_FIELDS.iter().enumerate().filter(|(i, _)| present >> i & 1 == 1).map(|(_, f)| *f).collect();
        let first = names[0];
        let mut list = String::new();
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                list.push_str(", ");
            }
            list.push('`');
            list.push_str(n);
            list.push('`');
        }
        let message = format!(
            "read-only field{} {list} from describe-task-definition output: RegisterTaskDefinition does not \
             accept {}; ecs-lens strips {} when it registers",
            if names.len() > 1 { "s" } else { "" },
            if names.len() > 1 { "them" } else { "it" },
            if names.len() > 1 { "them" } else { "it" },
        );
        out.push(Finding::new(&META, td.ptr(first), message).with_fix_from(cx, || {
            let ops = names.iter().map(|f| json!({"op": "remove", "path": td.ptr(f)})).collect();
            Fix::patch("Remove the read-only fields", Value::Array(ops)).safe()
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_describe_output_fields_as_information() {
        let mut td = base();
        td["revision"] = json!(3);
        td["taskDefinitionArn"] = json!("arn:aws:ecs:us-east-1:123456789012:task-definition/web:3");
        let f = check_value(&ReadOnlyField, td);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/taskDefinitionArn");
        assert_eq!(f[0].severity, Severity::Info);
        assert!(!f[0].blocks_registration);
        assert!(f[0].message.contains("`taskDefinitionArn`, `revision`"), "{}", f[0].message);
        assert_eq!(f[0].fix.as_ref().unwrap().patch.as_array().unwrap().len(), 2);
    }

    #[test]
    fn wrapped_describe_output_points_under_task_definition() {
        let doc =
            json!({"taskDefinition": {"family": "f", "status": "ACTIVE", "containerDefinitions": []}, "tags": []});
        let f = check_value(&ReadOnlyField, doc);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/taskDefinition/status");
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["path"], "/taskDefinition/status");
    }

    #[test]
    fn register_input_is_clean() {
        assert!(check(&ReadOnlyField, SEED).is_empty());
        assert!(check_value(&ReadOnlyField, base()).is_empty());
    }
}
