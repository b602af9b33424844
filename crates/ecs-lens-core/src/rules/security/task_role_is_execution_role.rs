use crate::finding::{Finding, Fix};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct SharedRole;

pub static META: RuleMeta = RuleMeta {
    id: "HAR009",
    name: "task-role-is-execution-role",
    severity: Severity::Medium,
    category: Category::Security,
    blocks_registration: false,
    summary: "The task role and the task execution role are the same IAM role",
    what: crate::rules::doc(
        "Compares `taskRoleArn` with `executionRoleArn` (a short role name matches the ARN of the same \
           role).",
    ),
    why: crate::rules::doc(
        "The execution role is used by the ECS agent to pull images, write logs and read the secrets the \
          task is started with; the task role is what the application's own code runs as. Sharing one role \
          hands the application every secret and registry the agent can read, and usually the \
          `AmazonECSTaskExecutionRolePolicy` the application never needed.",
    ),
    example: crate::rules::doc(
        r#"{"taskRoleArn": "arn:aws:iam::123456789012:role/ecs-task-execution-role",
 "executionRoleArn": "arn:aws:iam::123456789012:role/ecs-task-execution-role",
 "containerDefinitions": [{"name": "app", "image": "app:1.2"}]}"#,
    ),
    fix: crate::rules::doc(
        "Create a dedicated task role (trusting `ecs-tasks.amazonaws.com`) with only the permissions the \
          application calls, and point `taskRoleArn` at it. If the application calls no AWS API, omit \
          `taskRoleArn`.",
    ),
    references: &[Reference { tool: "Checkov", id: "CKV_AWS_249" }],
};

/// (account, role name) of a role ARN or short name.
fn role_parts(role: &str) -> (Option<&str>, &str) {
    let role = role.trim();
    if let Some(rest) = role.strip_prefix("arn:") {
        let mut parts = rest.splitn(5, ':');
        let account = parts.nth(3).filter(|a| !a.is_empty());
        let resource = parts.next().unwrap_or("");
        let name = resource.rsplit('/').next().unwrap_or(resource);
        (account, name)
    } else {
        (None, role.rsplit('/').next().unwrap_or(role))
    }
}

impl Rule for SharedRole {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let (Some(task), Some(exec)) = (td.str("taskRoleArn"), td.str("executionRoleArn")) else { return };
        let (ta, tn) = role_parts(task);
        let (ea, en) = role_parts(exec);
        let same = task == exec || (!tn.is_empty() && tn == en && (ta.is_none() || ea.is_none() || ta == ea));
        if !same {
            return;
        }
        out.push(
            Finding::new(
                &META,
                td.ptr("taskRoleArn"),
                format!(
                    "the task role and the execution role are the same role (`{tn}`): the application gets every \
                     permission the ECS agent needs to start it"
                ),
            )
            .with_fix_from(cx, || {
                Fix::advice(
                    "Create a separate task role with only the permissions the application uses and set \
                     `taskRoleArn` to it (or remove `taskRoleArn` if the application calls no AWS API).",
                )
                .with_commands(vec![
                    "aws iam create-role --role-name <app>-task-role --assume-role-policy-document \
                     '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\
                     \"ecs-tasks.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}'"
                        .into(),
                ])
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_same_role_by_arn_or_short_name() {
        let mut td = base();
        td["taskRoleArn"] = td["executionRoleArn"].clone();
        let f = check_value(&SharedRole, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/taskRoleArn");
        td["taskRoleArn"] = "exec".into();
        assert_eq!(check_value(&SharedRole, td).len(), 1);
    }

    #[test]
    fn passes_distinct_roles() {
        let mut td = base();
        td["taskRoleArn"] = "arn:aws:iam::123456789012:role/app".into();
        assert!(check_value(&SharedRole, td.clone()).is_empty());
        td["taskRoleArn"] = "arn:aws:iam::999999999999:role/exec".into();
        assert!(check_value(&SharedRole, td).is_empty(), "same name in another account is another role");
        assert!(check_value(&SharedRole, base()).is_empty());
    }

    #[test]
    fn the_seed_shares_its_role() {
        let f = check(&SharedRole, SEED);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("ecs-task-execution-role"));
    }
}
