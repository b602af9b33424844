//! Building the "move it to Secrets Manager" fix shared by the `SEC…` rules: the secret's
//! name and ARN (account/region/partition from the task definition itself), the patch op
//! that adds a `{name, valueFrom}` entry, the `create-secret` commands (the value goes
//! through a file, never the command line) and the IAM notes.

use serde_json::{json, Value};

use crate::core::finding::Fix;
use crate::core::model::{Container, TaskDef};

/// Where new secrets go, worked out once per task definition.
pub struct Target {
    account: Option<String>,
    region: Option<String>,
    partition: String,
    family: String,
    /// The execution role's name, if the task definition has an `executionRoleArn`.
    exec_role: Option<String>,
    has_exec_role: bool,
}

impl Target {
    pub fn new(td: &TaskDef<'_>) -> Target {
        let (account, region) = td.account_and_region();
        let exec = td.str("executionRoleArn").filter(|s| !s.trim().is_empty());
        let role_partition = exec
            .or_else(|| td.str("taskRoleArn"))
            .and_then(|arn| arn.split(':').nth(1))
            .filter(|p| p.starts_with("aws"))
            .map(str::to_string);
        let partition = role_partition.unwrap_or_else(|| match region.as_deref() {
            Some(r) if r.starts_with("cn-") => "aws-cn".into(),
            Some(r) if r.starts_with("us-gov-") => "aws-us-gov".into(),
            _ => "aws".into(),
        });
        let family = td.family().map(|f| sanitize(f, false)).filter(|f| !f.is_empty()).unwrap_or_else(|| "task".into());
        let exec_role = exec.map(|arn| arn.rsplit('/').next().unwrap_or(arn).to_string());
        Target { account, region, partition, family, exec_role, has_exec_role: exec.is_some() }
    }

    /// `<family>/<container>/<key>`: a Secrets Manager name for a value of this container.
    pub fn secret_name(&self, c: &Container<'_>, key: &str) -> String {
        let container = c
            .name
            .map(|n| sanitize(n, false))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("container-{}", c.index));
        let key = sanitize(key, false);
        let key = if key.is_empty() { "value".to_string() } else { key };
        format!("{}/{}/{}", self.family, container, key)
    }

    /// The secret's (partial) ARN; placeholders where the task definition does not tell.
    pub fn arn(&self, name: &str) -> String {
        format!(
            "arn:{}:secretsmanager:{}:{}:secret:{}",
            self.partition,
            self.region.as_deref().unwrap_or("<region>"),
            self.account.as_deref().unwrap_or("<account-id>"),
            name
        )
    }

    /// The fix: `patch` plus the commands that create the secret and the IAM notes.
    /// `credential` is true when a real value was exposed (it then needs rotating).
    pub fn fix(&self, description: String, patch: Value, key: &str, name: &str, credential: bool) -> Fix {
        let arn = self.arn(name);
        let file: String = {
            let f = sanitize(key, true);
            format!("{}.secret", if f.is_empty() { "value" } else { &f })
        };
        let region = self.region.as_deref().unwrap_or("<region>");
        let commands = vec![
            format!("(umask 077 && read -rs SECRET_VALUE && printf '%s' \"$SECRET_VALUE\" > {file})"),
            format!(
                "aws secretsmanager create-secret --name {name} --region {region} --secret-string file://{file} --query ARN --output text"
            ),
            format!("rm -f {file}"),
        ];
        let statement = json!({
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [format!("{arn}-??????")],
        });
        let statement = serde_json::to_string(&statement).unwrap_or_default();
        let mut notes = vec![format!(
            "The first command reads the value from the terminal without echoing it into `{file}` (readable only by \
             you); `create-secret` takes it from there. Never pass the value as `--secret-string <value>`: command \
             lines end up in shell history and in `ps` output."
        )];
        notes.push(match &self.exec_role {
            Some(role) => format!(
                "ECS reads the secret with the task execution role `{role}`; add this statement to one of its \
                 policies: {statement}"
            ),
            None => {
                format!("ECS reads the secret with the task execution role; give that role this statement: {statement}")
            }
        });
        if !self.has_exec_role {
            notes.push(
                "This task definition has no `executionRoleArn`: ECS needs a task execution role to fetch secrets \
                 (and to pull from ECR / write awslogs). Create one (trusting `ecs-tasks.amazonaws.com`, with the \
                 `AmazonECSTaskExecutionRolePolicy` managed policy plus the statement above) and set `executionRoleArn`."
                    .to_string(),
            );
        }
        notes.push(
            "If the secret is encrypted with a customer-managed KMS key (not the default `aws/secretsmanager` key), \
             also allow `kms:Decrypt` on that key for the execution role."
                .to_string(),
        );
        notes.push(format!(
            "`valueFrom` is the secret's partial ARN `{arn}` (without the random 6-character suffix Secrets Manager \
             appends); `create-secret` prints the full ARN, which you can use instead."
        ));
        if self.account.is_none() || self.region.is_none() {
            notes.push(
                "The task definition does not say which account/region it lives in: replace `<account-id>` / \
                 `<region>` in the ARN and the commands."
                    .to_string(),
            );
        }
        if credential {
            notes.push(
                "The value has been readable by anyone allowed `ecs:DescribeTaskDefinition`, and every earlier \
                 revision still holds it: rotate the credential, then deregister (and delete) the old revisions."
                    .to_string(),
            );
        }
        Fix::patch(description, patch).with_commands(commands).with_notes(notes)
    }
}

/// The JSON Patch op that appends `entry` to the array at `array_ptr` (`secrets`,
/// `secretOptions`), creating the array when `existing` is not one.
pub(super) fn append_op(array_ptr: &str, existing: Option<&Value>, entry: Value) -> Value {
    match existing {
        Some(Value::Array(_)) => json!({"op": "add", "path": format!("{array_ptr}/-"), "value": entry}),
        _ => json!({"op": "add", "path": array_ptr, "value": [entry]}),
    }
}

/// Keep the characters Secrets Manager allows in a name segment (`[A-Za-z0-9_+=.@-]`; `/`
/// separates segments so it is replaced too); `file` keeps only `[A-Za-z0-9_.-]`.
fn sanitize(s: &str, file: bool) -> String {
    s.chars()
        .map(|c| {
            let ok =
                c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') || (!file && matches!(c, '+' | '=' | '@'));
            if ok {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_string()
}
