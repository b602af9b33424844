use std::fmt::Write;

use serde_json::Value;

use super::detect::{Detection, Kind};
use super::migrate::{append_op, object, Target};
use super::places::PlaceContext;
use crate::finding::{Finding, Fix};
use crate::model::{Container, NameValue, TaskDef};
use crate::rules::kit::Named;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::schema::Seg;
use crate::Category;
use crate::Severity;

pub struct PlaintextSecretInEnvironment;

pub static META: RuleMeta = RuleMeta {
    id: "SEC001",
    name: "plaintext-secret-in-environment",
    severity: Severity::Critical,
    category: Category::Secrets,
    blocks_registration: false,
    summary: "A credential (or a credential-named placeholder) in a container's plaintext `environment`",
    what: crate::rules::doc(
        "Checks every `environment` entry of every container. An entry is flagged when its **value** has a \
           well-known credential format (AWS access key IDs, GitHub/GitLab/Slack/Stripe/SendGrid/OpenAI-style \
           tokens, JWTs, PEM private keys, URLs or DSNs with a password, `Bearer …`, `password=…` inside a longer \
           value), or when its **name** says it holds a credential (`*_PASSWORD`, `MYSQL_PW`, `DB_PWD`, \
           `PGPASSWORD`, `*_TOKEN`, `*_SECRET`, `*_API_KEY`, `DD_APP_KEY`, `PRIVATE_KEY`, `CREDENTIALS` …; `*_KEY` \
           only with key-like material) and the value is not clearly harmless. Names that only look secret are \
           left alone: `SECRET_NAME`, `*_SECRET_ARN`, `*_FILE`, `*_PATH`, `TOKEN_TTL`, `PASSWORD_MIN_LENGTH`, \
           `API_KEY_HEADER`, `*_ENABLED`, `*_URL` without credentials, `PUBLIC_KEY`, `NEXT_PUBLIC_*`; so are values \
           that are booleans, small numbers, ARNs, paths or SSM parameter names, URLs without credentials, \
           publishable (`pk_…`) or public keys.\n\n\
           A credential-named slot holding a placeholder (`xxx`, `changeme`, `<YOUR_API_KEY>`, `${DD_API_KEY}`) or \
           an empty value is reported too, at `high`: it is a placeholder now and a leaked credential as soon as \
           someone fills it in.",
    ),
    why: crate::rules::doc(
        "`environment` values are stored in plaintext in the task definition: anyone allowed \
          `ecs:DescribeTaskDefinition` can read them, they show in the console, in CloudTrail and in every tool \
          that exports task definitions, and every revision keeps them forever (deregistering does not erase \
          them). ECS injects values from Secrets Manager or SSM Parameter Store through `secrets` instead: the \
          task definition then holds only the ARN, and reading the value needs IAM permission.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7",
  "environment": [{"name": "DD_API_KEY", "value": "0123456789abcdef0123456789abcdef"}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Store the value in Secrets Manager and reference it from `secrets`; the quick fix replaces the \
          `environment` entry with\n\n\
          ```json\n\"secrets\": [{\"name\": \"DD_API_KEY\", \"valueFrom\": \
          \"arn:aws:secretsmanager:<region>:<account-id>:secret:<family>/<container>/DD_API_KEY\"}]\n```\n\n\
          and lists the `aws secretsmanager create-secret` command (the value goes through a file, never the \
          command line) and the `secretsmanager:GetSecretValue` statement the task execution role needs (plus \
          `kms:Decrypt` for a customer-managed key). A real value that was exposed must also be rotated: older \
          revisions still hold it.",
    ),
    references: &[
        Reference { tool: "Security Hub", id: "ECS.8" },
        Reference { tool: "AWS Config", id: "ecs-no-environment-secrets" },
        Reference { tool: "Prowler", id: "ecs_task_definitions_no_environment_secrets" },
        Reference { tool: "Trivy", id: "AVD-AWS-0036" },
        Reference { tool: "KICS", id: "d40210ea-64b9-4cce-a4fb-e8604f3c062c" },
    ],
};

impl Rule for PlaintextSecretInEnvironment {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let mut target: Option<Target<'_>> = None;
        for h in super::hits_of(cx, &META) {
            let (Some(c), PlaceContext::NameValue { name }, [.., Seg::Index(index), Seg::Key(_)]) =
                (h.container(td), h.context, h.segs.as_slice())
            else {
                continue;
            };
            let (e, d) = (NameValue { index: *index, name, value: h.value }, h.detection);
            let mut env_ptr = String::with_capacity(c.pointer.len() + 16);
            env_ptr.push_str(&c.pointer);
            env_ptr.push_str("/environment/");
            write!(env_ptr, "{}", e.index).unwrap_or_default();
            let mut finding =
                Finding::new(&META, env_ptr, message(e.name, Named(c), d)).in_container(c).with_severity(severity(d));
            // The fix is built only when asked for (like `with_fix_from`); it needs the pointer.
            if cx.wants_fixes() {
                finding.fix = Some(migration(td, &mut target, c, &e, &finding.pointer, d));
            }
            out.push(finding);
        }
    }
}

/// The "move it to `secrets`" fix for environment entry `e` (at `env_ptr`).
fn migration<'a>(
    td: &TaskDef<'a>,
    target: &mut Option<Target<'a>>,
    c: &Container<'_>,
    e: &NameValue<'_>,
    env_ptr: &str,
    d: Detection,
) -> Fix {
    let target = target.get_or_insert_with(|| Target::new(td));
    let secret_name = target.secret_name(c, e.name);
    let mut patch = Vec::with_capacity(3);
    patch.push(object([("op", "test".into()), ("path", [env_ptr, "/name"].concat().into()), ("value", e.name.into())]));
    patch.push(object([("op", "remove".into()), ("path", env_ptr.into())]));
    let already = c.secrets().any(|s| s.name == e.name);
    if !already {
        let entry = object([("name", e.name.into()), ("valueFrom", target.arn(&secret_name).into())]);
        let mut secrets_ptr = String::with_capacity(c.pointer.len() + 10);
        secrets_ptr.push_str(&c.pointer);
        secrets_ptr.push_str("/secrets");
        patch.push(append_op(secrets_ptr, c.get("secrets"), entry));
    }
    let description = if already {
        format!("Remove the plaintext `{}`: `secrets` already provides it", e.name)
    } else {
        format!("Move `{}` to `secrets`, read from the Secrets Manager secret `{secret_name}`", e.name)
    };
    target.fix(description, Value::Array(patch), e.name, &secret_name, d.is_credential()).safe()
}

fn severity(d: Detection) -> Severity {
    if d.is_credential() {
        Severity::Critical
    } else {
        Severity::High
    }
}

fn message(name: &str, container: Named<'_, '_>, d: Detection) -> String {
    match d.kind {
        Kind::Credential => format!(
            "`{name}` in {container} holds {} in plaintext `environment`; move it to `secrets` (Secrets Manager)",
            d.what
        ),
        Kind::Placeholder => format!(
            "`{name}` in {container} is a credential slot in plaintext `environment` (a placeholder now, \
             a leaked credential once someone fills it in); move it to `secrets` (Secrets Manager)"
        ),
        Kind::Empty => format!(
            "`{name}` in {container} is an empty credential slot in plaintext `environment` (empty now, \
             a leaked credential once someone fills it in); move it to `secrets` (Secrets Manager)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;
    use crate::finding::Fix;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn with_env(vars: &[(&str, &str)]) -> Value {
        let mut td = base();
        td["containerDefinitions"][0]["environment"] =
            vars.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>().into();
        td
    }

    fn apply(value: &mut Value, fix: &Fix) {
        let patch: json_patch::Patch = serde_json::from_value(fix.patch.clone()).unwrap();
        json_patch::patch(value, &patch).unwrap();
    }

    #[test]
    fn seed_flags_exactly_the_two_secrets() {
        let f = check(&PlaintextSecretInEnvironment, SEED);
        let names: Vec<_> = f.iter().map(|f| (f.container.clone().unwrap(), f.pointer.clone())).collect();
        assert_eq!(
            names,
            [
                ("datadog-agent".to_string(), "/containerDefinitions/1/environment/7".to_string()),
                ("migration-runner".to_string(), "/containerDefinitions/3/environment/1".to_string()),
            ]
        );
        assert!(f[0].message.starts_with("`DD_API_KEY` in container `datadog-agent`"), "{}", f[0].message);
        assert!(f[0].message.contains("a placeholder now, a leaked credential once someone fills it in"));
        assert!(f[0].message.contains("move it to `secrets` (Secrets Manager)"));
        assert!(f[1].message.starts_with("`MYSQL_PW` in container `migration-runner`"), "{}", f[1].message);
        assert!(f.iter().all(|f| f.severity == Severity::High && !f.message.contains("\"xxx\"")));
        assert!(f.iter().all(|f| f.line > 0));
    }

    #[test]
    fn seed_fix_is_a_concrete_secrets_manager_migration() {
        let f = check(&PlaintextSecretInEnvironment, SEED);
        let fix = f[0].fix.as_ref().unwrap();
        let arn = "arn:aws:secretsmanager:ap-northeast-1:xxx:secret:Datadog/datadog-agent/DD_API_KEY";
        assert_eq!(
            fix.patch,
            json!([
                {"op": "test", "path": "/containerDefinitions/1/environment/7/name", "value": "DD_API_KEY"},
                {"op": "remove", "path": "/containerDefinitions/1/environment/7"},
                {"op": "add", "path": "/containerDefinitions/1/secrets", "value": [{"name": "DD_API_KEY", "valueFrom": arn}]},
            ])
        );
        assert!(fix.commands.iter().any(|c| c.starts_with(
            "aws secretsmanager create-secret --name Datadog/datadog-agent/DD_API_KEY --region ap-northeast-1 \
             --secret-string file://DD_API_KEY.secret"
        )));
        assert!(fix.commands.iter().all(|c| !c.contains("xxx")), "no secret value on a command line");
        let notes = fix.notes.join("\n");
        assert!(notes.contains("secretsmanager:GetSecretValue"));
        assert!(notes.contains(&format!("{arn}-??????")));
        assert!(notes.contains("`ecs-task-execution-role`"));
        assert!(notes.contains("kms:Decrypt"));
        assert!(!notes.contains("no `executionRoleArn`"));
        assert!(!notes.contains("rotate"), "a placeholder was never a live credential");
    }

    #[test]
    fn applying_the_seed_fixes_removes_the_findings() {
        let mut value: Value = serde_json::from_str(SEED).unwrap();
        let f = check(&PlaintextSecretInEnvironment, SEED);
        apply(&mut value, f[0].fix.as_ref().unwrap());
        // DD_API_KEY is gone; MYSQL_PW (another container) is still reported.
        let f = check(&PlaintextSecretInEnvironment, Document::from_value(&value).text());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.starts_with("`MYSQL_PW`"));
        apply(&mut value, f[0].fix.as_ref().unwrap());
        let after = check_value(&PlaintextSecretInEnvironment, value.clone());
        assert!(after.is_empty(), "{after:?}");
        assert_eq!(
            value["containerDefinitions"][1]["secrets"],
            json!([{"name": "DD_API_KEY", "valueFrom": "arn:aws:secretsmanager:ap-northeast-1:xxx:secret:Datadog/datadog-agent/DD_API_KEY"}])
        );
        assert_eq!(value["containerDefinitions"][3]["secrets"][0]["name"], "MYSQL_PW");
        let env = value["containerDefinitions"][1]["environment"].as_array().unwrap();
        assert_eq!(env.len(), 13);
        assert!(env.iter().all(|e| e["name"] != "DD_API_KEY"));
    }

    #[test]
    fn appends_to_existing_secrets_and_does_not_duplicate() {
        let mut td = with_env(&[("DB_PASSWORD", "s3cr3t-Value")]);
        td["containerDefinitions"][0]["secrets"] =
            json!([{"name": "OTHER", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/x"}]);
        let f = check_value(&PlaintextSecretInEnvironment, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Critical);
        let fix = f[0].fix.as_ref().unwrap();
        assert_eq!(fix.patch[2]["path"], "/containerDefinitions/0/secrets/-");
        assert_eq!(
            fix.patch[2]["value"]["valueFrom"],
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:web/app/DB_PASSWORD"
        );
        assert!(fix.notes.join(" ").contains("rotate"));
        let mut v = td.clone();
        apply(&mut v, fix);
        assert_eq!(v["containerDefinitions"][0]["secrets"].as_array().unwrap().len(), 2);

        // Already in `secrets`: the fix only removes the plaintext entry.
        td["containerDefinitions"][0]["secrets"] =
            json!([{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/p"}]);
        let f = check_value(&PlaintextSecretInEnvironment, td);
        assert_eq!(f[0].fix.as_ref().unwrap().patch.as_array().unwrap().len(), 2);
    }

    #[test]
    fn messages_never_contain_the_value() {
        let value = "ghp_0123456789abcdefABCDEF0123456789abcd";
        let f = check_value(&PlaintextSecretInEnvironment, with_env(&[("SOME_VAR", value)]));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("a GitHub token"), "{}", f[0].message);
        let json = serde_json::to_string(&f[0]).unwrap();
        assert!(!json.contains(value));
    }

    #[test]
    fn placeholders_and_empty_slots_are_high() {
        for v in ["xxx", "changeme", "<YOUR_API_KEY>", "${DD_API_KEY}", "TODO", ""] {
            let f = check_value(&PlaintextSecretInEnvironment, with_env(&[("DD_API_KEY", v)]));
            assert_eq!(f.len(), 1, "{v:?}");
            assert_eq!(f[0].severity, Severity::High, "{v:?}");
        }
        let f = check_value(&PlaintextSecretInEnvironment, with_env(&[("DB_PASSWORD", "")]));
        assert!(f[0].message.contains("empty credential slot"), "{}", f[0].message);
    }

    #[test]
    fn negatives() {
        let td = with_env(&[
            ("SECRET_NAME", "prod/db"),
            ("DB_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"),
            ("TOKEN_TTL", "3600"),
            ("PASSWORD_MIN_LENGTH", "12"),
            ("API_KEY_HEADER", "X-Api-Key"),
            ("DD_LOGS_ENABLED", "true"),
            ("DATABASE_URL", "postgres://db.internal:5432/app"),
            (
                "PUBLIC_KEY",
                "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",
            ),
            ("DB_PASSWORD_PARAM", "/prod/db/password"),
            ("MYSQL_USER", "myuser"),
            ("AWS_REGION", "us-east-1"),
        ]);
        assert!(check_value(&PlaintextSecretInEnvironment, td).is_empty());
    }

    #[test]
    fn described_wrapped_shape_points_under_task_definition() {
        let mut td = with_env(&[("API_TOKEN", "Zx81kLmQ02pRt7vW")]);
        td["taskDefinitionArn"] = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3".into();
        let f = check_value(&PlaintextSecretInEnvironment, json!({"taskDefinition": td, "tags": []}));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/taskDefinition/containerDefinitions/0/environment/0");
        let patch = &f[0].fix.as_ref().unwrap().patch;
        assert!(patch
            .as_array()
            .unwrap()
            .iter()
            .all(|op| op["path"].as_str().unwrap().starts_with("/taskDefinition/")));
    }

    #[test]
    fn missing_account_region_and_execution_role() {
        let f = check_value(
            &PlaintextSecretInEnvironment,
            json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "nginx",
                "environment": [{"name": "PASSWORD", "value": "hunter2!"}]}]}),
        );
        let fix = f[0].fix.as_ref().unwrap();
        assert_eq!(
            fix.patch[2]["value"][0]["valueFrom"],
            "arn:aws:secretsmanager:<region>:<account-id>:secret:f/a/PASSWORD"
        );
        let notes = fix.notes.join("\n");
        assert!(notes.contains("no `executionRoleArn`"));
        assert!(notes.contains("<account-id>"));
        assert!(fix.commands[1].contains("--region <region>"));
    }

    #[test]
    fn tolerates_malformed_input() {
        for doc in [
            json!({"containerDefinitions": [{"name": 1, "environment": [{"name": "PASSWORD", "value": 5}, "x", null]}]}),
            json!({"containerDefinitions": [{"environment": {"PASSWORD": "x"}}]}),
            json!({"containerDefinitions": "nope"}),
            json!([1, 2]),
        ] {
            let _ = check_value(&PlaintextSecretInEnvironment, doc);
        }
        let f = check_value(
            &PlaintextSecretInEnvironment,
            json!({"containerDefinitions": [{"environment": [{"name": "PASSWORD", "value": "pa55word!"}]}]}),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("`containerDefinitions[0]`"));
        assert_eq!(
            f[0].fix.as_ref().unwrap().patch[2]["value"][0]["valueFrom"],
            "arn:aws:secretsmanager:<region>:<account-id>:secret:task/container-0/PASSWORD"
        );
    }
}
