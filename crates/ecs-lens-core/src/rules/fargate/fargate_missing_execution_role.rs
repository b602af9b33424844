use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::model::{Container, TaskDef};
use crate::rules::kit::{join_and, set};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct FargateExecutionRole;

pub static META: RuleMeta = RuleMeta {
    id: "FAR009",
    name: "fargate-missing-execution-role",
    severity: Severity::High,
    category: Category::Fargate,
    blocks_registration: true,
    summary: "No `executionRoleArn` although Fargate needs one to pull images, ship logs or read secrets",
    what: crate::rules::doc(
        "When `requiresCompatibilities` contains `FARGATE` and `executionRoleArn` is missing or empty, flags \
           the task definition if any container pulls from a private ECR repository or uses the `awslogs` log \
           driver (both rejected at registration), or uses `secrets`, `logConfiguration.secretOptions`, \
           `repositoryCredentials` or `environmentFiles` (the task then fails when it starts).",
    ),
    why: crate::rules::doc(
        "On Fargate the execution role is the identity the platform uses on the task's behalf: it gets the ECR \
          authorization token and pulls layers, creates log streams and puts log events, and reads Secrets \
          Manager / Parameter Store values and S3 environment files before your containers start. ECS \
          refuses the registration with `Fargate requires task definition to have execution role ARN to \
          support ECR images.` or `Fargate requires task definition to have execution role ARN to support log \
          driver awslogs.`",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512",
  "containerDefinitions": [{"name": "app", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
    "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app",
      "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app"}}}]}"#,
    ),
    fix: crate::rules::doc(
        "Create (once per account) a role that `ecs-tasks.amazonaws.com` may assume, attach \
          `AmazonECSTaskExecutionRolePolicy`, and reference it:\n\n\
          ```json\n\"executionRoleArn\": \"arn:aws:iam::123456789012:role/ecsTaskExecutionRole\"\n```\n\n\
          For secrets also grant `secretsmanager:GetSecretValue` / `ssm:GetParameters` (and `kms:Decrypt` for \
          customer-managed keys); for environment files `s3:GetObject` and `s3:GetBucketLocation`.",
    ),
    references: &[],
};

/// Why an execution role is needed, most decisive first.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    Ecr,
    Awslogs,
    RepositoryCredentials,
    Secrets,
    SecretOptions,
    EnvironmentFiles,
}

const NEEDS: [Need; 6] =
    [Need::Ecr, Need::Awslogs, Need::RepositoryCredentials, Need::Secrets, Need::SecretOptions, Need::EnvironmentFiles];

impl Need {
    fn blocks(self) -> bool {
        matches!(self, Need::Ecr | Need::Awslogs)
    }

    fn applies(self, c: &Container<'_>) -> bool {
        match self {
            Need::Ecr => c.image().is_some_and(is_private_ecr),
            Need::Awslogs => c.log_driver() == Some("awslogs"),
            Need::RepositoryCredentials => c.get("repositoryCredentials").is_some_and(Value::is_object),
            Need::Secrets => c.get("secrets").and_then(Value::as_array).is_some_and(|a| !a.is_empty()),
            Need::SecretOptions => c
                .get("logConfiguration")
                .and_then(|l| l.get("secretOptions"))
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty()),
            Need::EnvironmentFiles => {
                c.get("environmentFiles").and_then(Value::as_array).is_some_and(|a| !a.is_empty())
            }
        }
    }

    fn pointer(self, c: &Container<'_>) -> String {
        match self {
            Need::Ecr => c.ptr("image"),
            Need::Awslogs => format!("{}/logDriver", c.ptr("logConfiguration")),
            Need::RepositoryCredentials => c.ptr("repositoryCredentials"),
            Need::Secrets => c.ptr("secrets"),
            Need::SecretOptions => format!("{}/secretOptions", c.ptr("logConfiguration")),
            Need::EnvironmentFiles => c.ptr("environmentFiles"),
        }
    }

    /// What the containers use, for the message.
    fn label(self) -> &'static str {
        match self {
            Need::Ecr => "private ECR image",
            Need::Awslogs => "awslogs log driver",
            Need::RepositoryCredentials => "repositoryCredentials",
            Need::Secrets => "secrets",
            Need::SecretOptions => "log secretOptions",
            Need::EnvironmentFiles => "S3 environmentFiles",
        }
    }
}

/// True for a private ECR image (`<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/...`).
fn is_private_ecr(image: &str) -> bool {
    let Some((host, _)) = image.split_once('/') else { return false };
    host.contains(".dkr.ecr.") || host.contains(".dkr.ecr-fips.")
}

impl Rule for FargateExecutionRole {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.is_fargate() {
            return;
        }
        let role = td.get("executionRoleArn");
        if role.and_then(Value::as_str).is_some_and(|s| !s.trim().is_empty()) {
            return;
        }
        // First container for each need; no allocation unless something is found.
        let mut first: [Option<usize>; 6] = [None; 6];
        for (k, need) in NEEDS.iter().enumerate() {
            first[k] = td.containers.iter().position(|c| need.applies(c));
        }
        let Some(primary) = first.iter().position(Option::is_some) else { return };
        let need = NEEDS[primary];
        let Some(c) = first[primary].and_then(|i| td.containers.get(i)) else { return };

        let reasons: Vec<String> = NEEDS
            .iter()
            .zip(first)
            .filter(|(_, i)| i.is_some())
            .map(|(n, _)| {
                let names: Vec<String> =
                    td.containers.iter().filter(|c| n.applies(c)).map(crate::rules::kit::named).collect();
                format!("{} in {}", n.label(), join_and(&names))
            })
            .collect();
        let head = match need {
            Need::Ecr => "Fargate requires task definition to have execution role ARN to support ECR images.",
            Need::Awslogs => {
                "Fargate requires task definition to have execution role ARN to support log driver awslogs."
            }
            _ => "the execution role fetches these before the containers start, so the task would fail to start.",
        };
        let msg = format!("executionRoleArn is missing ({}): {head}", reasons.join("; "));
        let mut f =
            Finding::new(&META, need.pointer(c), msg).in_container(c).with_fix_from(cx, || role_fix(td, &first));
        if !need.blocks() {
            f.blocks_registration = false;
        }
        out.push(f);
    }
}

fn role_fix(td: &TaskDef<'_>, first: &[Option<usize>; 6]) -> Fix {
    let (account, region) = td.account_and_region();
    let partition = match region {
        Some(r) if r.starts_with("cn-") => "aws-cn",
        Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
        _ => "aws",
    };
    let commands = vec![
        "aws iam create-role --role-name ecsTaskExecutionRole --assume-role-policy-document \
         '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\
         \"ecs-tasks.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}'"
            .to_string(),
        format!(
            "aws iam attach-role-policy --role-name ecsTaskExecutionRole --policy-arn \
             arn:{partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
        ),
    ];
    let mut notes =
        vec!["Skip the commands if the account already has an ecsTaskExecutionRole (the ECS console creates it)."
            .to_string()];
    if first[3].is_some() || first[4].is_some() || first[2].is_some() {
        notes.push(
            "Also allow secretsmanager:GetSecretValue and/or ssm:GetParameters on the referenced secrets \
             (plus kms:Decrypt for customer-managed keys)."
                .into(),
        );
    }
    if first[5].is_some() {
        notes.push("Also allow s3:GetObject and s3:GetBucketLocation on the environment files.".into());
    }
    let pointer = td.ptr("executionRoleArn");
    let fix = match account {
        Some(account) => {
            let arn = format!("arn:{partition}:iam::{account}:role/ecsTaskExecutionRole");
            Fix::patch(
                format!("Set executionRoleArn to {arn}"),
                set(&pointer, td.get("executionRoleArn").is_some(), arn.into()),
            )
            .safe()
        }
        None => Fix::advice("Set executionRoleArn to the ARN of a task execution role (e.g. ecsTaskExecutionRole)"),
    };
    fix.with_commands(commands).with_notes(notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn without_role() -> Value {
        let mut td = base();
        td.as_object_mut().unwrap().remove("executionRoleArn");
        td
    }

    #[test]
    fn with_role_passes() {
        assert!(check(&FargateExecutionRole, SEED).is_empty());
        assert!(check_value(&FargateExecutionRole, base()).is_empty());
    }

    #[test]
    fn public_image_without_logs_needs_no_role() {
        let mut td = without_role();
        td["containerDefinitions"][0]["image"] = json!("public.ecr.aws/nginx/nginx:1");
        assert!(check_value(&FargateExecutionRole, td).is_empty());
    }

    #[test]
    fn ecr_image_without_role_blocks() {
        let f = check_value(&FargateExecutionRole, without_role());
        assert_eq!(f.len(), 1);
        assert!(f[0].blocks_registration);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/image");
        assert!(f[0]
            .message
            .contains("Fargate requires task definition to have execution role ARN to support ECR images."));
        assert_eq!(
            f[0].fix.as_ref().unwrap().patch,
            json!([{"op": "add", "path": "/executionRoleArn",
                    "value": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"}])
        );
    }

    #[test]
    fn awslogs_and_secrets() {
        let mut td = without_role();
        td["containerDefinitions"][0]["image"] = json!("nginx");
        td["containerDefinitions"][0]["logConfiguration"] =
            json!({"logDriver": "awslogs", "options": {"awslogs-region": "cn-north-1"}});
        td["containerDefinitions"][0]["secrets"] =
            json!([{"name": "A", "valueFrom": "arn:aws:ssm:cn-north-1:1:parameter/a"}]);
        td["executionRoleArn"] = json!("");
        let f = check_value(&FargateExecutionRole, json!({"taskDefinition": td}));
        assert_eq!(f.len(), 1);
        assert!(f[0].blocks_registration);
        assert_eq!(f[0].pointer, "/taskDefinition/containerDefinitions/0/logConfiguration/logDriver");
        assert!(f[0].message.contains("log driver awslogs"), "{}", f[0].message);
        assert!(f[0].message.contains("secrets in container `app`"), "{}", f[0].message);
        let fix = f[0].fix.as_ref().unwrap();
        assert!(!fix.is_applicable(), "no account known");
        assert!(fix.commands[1].contains("arn:aws-cn:iam::aws:policy"));
    }

    #[test]
    fn only_secrets_does_not_block_registration() {
        let mut td = without_role();
        td["containerDefinitions"][0]["image"] = json!("nginx");
        td["containerDefinitions"][0]["environmentFiles"] = json!([{"value": "arn:aws:s3:::b/x.env", "type": "s3"}]);
        td["taskRoleArn"] = json!("arn:aws:iam::111122223333:role/task");
        let f = check_value(&FargateExecutionRole, td);
        assert_eq!(f.len(), 1);
        assert!(!f[0].blocks_registration);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/environmentFiles");
        assert!(f[0].fix.as_ref().unwrap().is_applicable());
    }

    #[test]
    fn ec2_and_wrong_types() {
        let mut td = without_role();
        td["requiresCompatibilities"] = json!(["EC2"]);
        assert!(check_value(&FargateExecutionRole, td).is_empty());
        let mut td = without_role();
        td["containerDefinitions"][0]["image"] = json!(42);
        td["containerDefinitions"][0]["secrets"] = json!({"a": 1});
        td["containerDefinitions"][0]["logConfiguration"] = json!([]);
        assert!(check_value(&FargateExecutionRole, td).is_empty());
        assert!(is_private_ecr("1.dkr.ecr-fips.us-east-1.amazonaws.com/x"));
        assert!(!is_private_ecr("dkr.ecr.example"));
    }
}
