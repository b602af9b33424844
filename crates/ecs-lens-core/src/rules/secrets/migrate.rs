//! Building the "move it to Secrets Manager" fix shared by the `SEC…` rules: the secret's
//! name and ARN (account/region/partition from the task definition itself), the patch op
//! that adds a `{name, valueFrom}` entry, the `create-secret` commands (the value goes
//! through a file, never the command line) and the IAM notes.

use std::borrow::Cow;
use std::fmt::Write;

use serde_json::{Map, Value};

use crate::finding::Fix;
use crate::model::{Container, TaskDef};

/// Where new secrets go, worked out once per task definition.
pub struct Target<'a> {
    account: Option<&'a str>,
    region: Option<&'a str>,
    family: String,
    /// The execution role's name, if the task definition has an `executionRoleArn`.
    exec_role: Option<&'a str>,
    /// `arn:<partition>:secretsmanager:<region>:<account-id>:secret:`: every ARN starts so.
    arn_prefix: String,
    /// `arn_prefix` escaped as the content of a JSON string, when that differs from it.
    arn_prefix_escaped: Option<String>,
}

impl<'a> Target<'a> {
    pub fn new(td: &TaskDef<'a>) -> Target<'a> {
        let (account, region) = td.account_and_region();
        let exec = td.str("executionRoleArn").filter(|s| !s.trim().is_empty());
        let role_partition = exec
            .or_else(|| td.str("taskRoleArn"))
            .and_then(|arn| arn.split(':').nth(1))
            .filter(|p| p.starts_with("aws"));
        let partition = role_partition.unwrap_or_else(|| match region {
            Some(r) if r.starts_with("cn-") => "aws-cn",
            Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
            _ => "aws",
        });
        let mut family = String::new();
        if let Some(f) = td.family() {
            sanitize_into(&mut family, f, false);
        }
        if family.is_empty() {
            family.push_str("task");
        }
        let arn_prefix = [
            "arn:",
            partition,
            ":secretsmanager:",
            region.unwrap_or("<region>"),
            ":",
            account.unwrap_or("<account-id>"),
            ":secret:",
        ]
        .concat();
        let arn_prefix_escaped = match json_str_content(&arn_prefix) {
            Cow::Borrowed(_) => None,
            Cow::Owned(escaped) => Some(escaped),
        };
        Target {
            account,
            region,
            family,
            exec_role: exec.map(|arn| arn.rsplit('/').next().unwrap_or(arn)),
            arn_prefix,
            arn_prefix_escaped,
        }
    }

    /// `<family>/<container>/<key>`: a Secrets Manager name for a value of this container.
    pub fn secret_name(&self, c: &Container<'_>, key: &str) -> String {
        let mut out = String::with_capacity(self.family.len() + c.name.map_or(16, str::len) + key.len() + 2);
        out.push_str(&self.family);
        out.push('/');
        let start = out.len();
        if let Some(n) = c.name {
            sanitize_into(&mut out, n, false);
        }
        if out.len() == start {
            write!(out, "container-{}", c.index).unwrap_or_default();
        }
        out.push('/');
        let start = out.len();
        sanitize_into(&mut out, key, false);
        if out.len() == start {
            out.push_str("value");
        }
        out
    }

    /// The secret's (partial) ARN; placeholders where the task definition does not tell.
    pub fn arn(&self, name: &str) -> String {
        let mut arn = String::with_capacity(self.arn_prefix.len() + name.len());
        arn.push_str(&self.arn_prefix);
        arn.push_str(name);
        arn
    }

    /// The fix: `patch` plus the commands that create the secret and the IAM notes.
    /// `credential` is true when a real value was exposed (it then needs rotating).
    pub fn fix(&self, description: String, patch: Value, key: &str, name: &str, credential: bool) -> Fix {
        // Plain concatenation rather than `format!`: these strings are long and built for every finding.
        let mut file = String::with_capacity(key.len() + 7);
        sanitize_into(&mut file, key, true);
        if file.is_empty() {
            file.push_str("value");
        }
        file.push_str(".secret");
        let file = file.as_str();
        let region = self.region.unwrap_or("<region>");
        let commands = vec![
            ["(umask 077 && read -rs SECRET_VALUE && printf '%s' \"$SECRET_VALUE\" > ", file, ")"].concat(),
            [
                "aws secretsmanager create-secret --name ",
                name,
                " --region ",
                region,
                " --secret-string file://",
                file,
                " --query ARN --output text",
            ]
            .concat(),
            ["rm -f ", file].concat(),
        ];
        // `{"Effect": "Allow", "Action": [...], "Resource": ["<arn>-??????"]}` as `serde_json::to_string` writes it.
        let name_json = json_str_content(name);
        let statement = [
            "{\"Effect\":\"Allow\",\"Action\":[\"secretsmanager:GetSecretValue\"],\"Resource\":[\"",
            self.arn_prefix_escaped.as_deref().unwrap_or(&self.arn_prefix),
            &name_json,
            "-??????\"]}",
        ];
        let mut notes = Vec::with_capacity(7);
        notes.push(
            [
                "The first command reads the value from the terminal without echoing it into `",
                file,
                "` (readable only by you); `create-secret` takes it from there. Never pass the value as \
                 `--secret-string <value>`: command lines end up in shell history and in `ps` output.",
            ]
            .concat(),
        );
        let [s0, s1, s2, s3] = statement;
        notes.push(match self.exec_role {
            Some(role) => [
                "ECS reads the secret with the task execution role `",
                role,
                "`; add this statement to one of its policies: ",
                s0,
                s1,
                s2,
                s3,
            ]
            .concat(),
            None => {
                ["ECS reads the secret with the task execution role; give that role this statement: ", s0, s1, s2, s3]
                    .concat()
            }
        });
        if self.exec_role.is_none() {
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
        notes.push(
            [
                "`valueFrom` is the secret's partial ARN `",
                &self.arn_prefix,
                name,
                "` (without the random 6-character suffix Secrets Manager appends); `create-secret` prints the full \
                 ARN, which you can use instead.",
            ]
            .concat(),
        );
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

/// `s` as the content of a JSON string, escaped exactly as serde_json escapes it.
fn json_str_content(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|c| c >= 0x20 && c != b'"' && c != b'\\') {
        return Cow::Borrowed(s);
    }
    let quoted = serde_json::to_string(s).unwrap_or_default();
    Cow::Owned(quoted[1..quoted.len() - 1].to_string())
}

/// The JSON Patch op that appends `entry` to the array at `array_ptr` (`secrets`,
/// `secretOptions`), creating the array when `existing` is not one.
pub(super) fn append_op(mut array_ptr: String, existing: Option<&Value>, entry: Value) -> Value {
    match existing {
        Some(Value::Array(_)) => {
            array_ptr.push_str("/-");
            object([("op", "add".into()), ("path", array_ptr.into()), ("value", entry)])
        }
        _ => object([("op", "add".into()), ("path", array_ptr.into()), ("value", Value::Array(vec![entry]))]),
    }
}

/// A JSON object with these members in this order: what `json!({…})` builds, without
/// copying values that are already owned.
pub(super) fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    let mut map = Map::with_capacity(N);
    for (key, value) in members {
        map.insert(key.to_string(), value);
    }
    Value::Object(map)
}

/// Append `s` keeping the characters Secrets Manager allows in a name segment
/// (`[A-Za-z0-9_+=.@-]`; `/` separates segments so it is replaced too); `file` keeps only
/// `[A-Za-z0-9_.-]`. Every other character becomes `-`; leading dots are dropped.
pub(crate) fn sanitize_into(out: &mut String, s: &str, file: bool) {
    let mut leading = true;
    for c in s.chars() {
        let ok = c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') || (!file && matches!(c, '+' | '=' | '@'));
        if leading && c == '.' {
            continue;
        }
        leading = false;
        out.push(if ok { c } else { '-' });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;
    use crate::rules::testing::{base, SEED};
    use serde_json::json;

    #[test]
    fn account_and_region_come_from_roles_then_ecr_then_awslogs() {
        let ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1";
        let awslogs = json!({"logDriver": "awslogs", "options": {"awslogs-region": "ap-south-1"}});
        let seed = Document::parse(SEED).unwrap();
        assert_eq!(TaskDef::new(&seed).account_and_region(), (Some("xxx"), Some("ap-northeast-1")));
        // Role ARN first for the account; the first container's awslogs region before a later ECR host.
        let mut td = base();
        td["executionRoleArn"] = json!("arn:aws:iam::111122223333:role/exec");
        td["containerDefinitions"] = json!([
            {"name": "a", "image": "nginx", "logConfiguration": awslogs},
            {"name": "b", "image": ecr}
        ]);
        let doc = Document::from_value(&td);
        assert_eq!(TaskDef::new(&doc).account_and_region(), (Some("111122223333"), Some("ap-south-1")));
        // An execution role without an account: the task role's, and the ECR host's region.
        td["executionRoleArn"] = json!("arn:aws:iam:::role/exec");
        td["taskRoleArn"] = json!("arn:aws:iam::444455556666:role/task");
        td["containerDefinitions"] = json!([{"name": "b", "image": ecr}]);
        let doc = Document::from_value(&td);
        assert_eq!(TaskDef::new(&doc).account_and_region(), (Some("444455556666"), Some("eu-west-1")));
        // Nothing to go by.
        let doc =
            Document::from_value(&json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "nginx"}]}));
        assert_eq!(TaskDef::new(&doc).account_and_region(), (None, None));
    }
}
