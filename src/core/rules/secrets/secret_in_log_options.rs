use serde_json::{json, Value};

use super::detect::{self, Detection, Kind};
use super::migrate::{append_op, Target};
use crate::core::document::escape_token;
use crate::core::finding::Finding;
use crate::core::rules::{Context, Reference, Rule, RuleMeta};
use crate::core::Category;
use crate::core::Severity;

pub struct SecretInLogOptions;

pub static META: RuleMeta = RuleMeta {
    id: "SEC002",
    name: "secret-in-log-options",
    severity: Severity::Critical,
    category: Category::Secrets,
    blocks_registration: false,
    summary: "A credential in plaintext `logConfiguration.options`",
    what: "Checks each container's `logConfiguration.options` with the same detector as SEC001: option names \
           such as `splunk-token`, `apikey` (FireLens Datadog/New Relic outputs), `HTTP_Passwd`, `cloud_auth`, \
           and values such as `Bearer …` headers, tokens in known formats or URLs with a password.",
    why: "Log driver options are stored in plaintext in the task definition, like `environment`. ECS resolves \
          `logConfiguration.secretOptions` from Secrets Manager or SSM at task start, so the credential never \
          appears in the task definition.",
    example: r#"{"containerDefinitions": [{"name": "app", "image": "nginx", "logConfiguration": {
  "logDriver": "awsfirelens",
  "options": {"Name": "datadog", "Host": "http-intake.logs.datadoghq.com", "apikey": "0123456789abcdef0123456789abcdef"}}}]}"#,
    fix: "Store the value in Secrets Manager and move the option to `secretOptions`; the quick fix does it:\n\n\
          ```json\n\"logConfiguration\": {\"logDriver\": \"awsfirelens\", \"options\": {\"Name\": \"datadog\"},\n  \
          \"secretOptions\": [{\"name\": \"apikey\", \"valueFrom\": \"arn:aws:secretsmanager:…\"}]}\n```\n\n\
          The task execution role needs `secretsmanager:GetSecretValue` on the secret.",
    references: &[
        Reference { tool: "AWS", id: "LogConfiguration.secretOptions" },
        Reference { tool: "Prowler", id: "ecs_task_definitions_no_environment_secrets" },
    ],
};

impl Rule for SecretInLogOptions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let mut target: Option<Target> = None;
        for c in &td.containers {
            let Some(log) = c.get("logConfiguration").and_then(Value::as_object) else { continue };
            let Some(options) = log.get("options").and_then(Value::as_object) else { continue };
            for (key, value) in options {
                let Some(value) = value.as_str() else { continue };
                let Some(d) = detect::classify(key, value) else { continue };
                let target = target.get_or_insert_with(|| Target::new(td));
                let log_ptr = c.ptr("logConfiguration");
                let option_ptr = format!("{log_ptr}/options/{}", escape_token(key));
                let secret_name = target.secret_name(c, key);
                let arn = target.arn(&secret_name);
                let mut patch = vec![json!({"op": "remove", "path": option_ptr})];
                let secret_options = log.get("secretOptions");
                let already = secret_options
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|s| s.get("name").and_then(Value::as_str) == Some(key)));
                if !already {
                    patch.push(append_op(
                        &format!("{log_ptr}/secretOptions"),
                        secret_options,
                        json!({"name": key, "valueFrom": arn}),
                    ));
                }
                let description = format!(
                    "Move log option `{key}` to `logConfiguration.secretOptions`, read from the Secrets Manager secret `{secret_name}`"
                );
                let fix = target.fix(description, json!(patch), key, &secret_name, d.is_credential());
                out.push(
                    Finding::new(&META, option_ptr, message(key, &c.label(), d))
                        .in_container(c)
                        .with_severity(if d.is_credential() { Severity::Critical } else { Severity::High })
                        .with_fix_from(cx, || fix),
                );
            }
        }
    }
}

fn message(key: &str, container: &str, d: Detection) -> String {
    match d.kind {
        Kind::Credential => format!(
            "log option `{key}` of container `{container}` holds {} in plaintext `logConfiguration.options`; move it \
             to `logConfiguration.secretOptions` (Secrets Manager)",
            d.what
        ),
        Kind::Placeholder | Kind::Empty => format!(
            "log option `{key}` of container `{container}` is a credential slot in plaintext \
             `logConfiguration.options` (a placeholder now, a leaked credential once someone fills it in); move it \
             to `logConfiguration.secretOptions` (Secrets Manager)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::testing::{base, check, check_value, SEED};

    fn with_log(driver: &str, options: Value) -> Value {
        let mut td = base();
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": driver, "options": options});
        td
    }

    #[test]
    fn flags_splunk_token_and_firelens_apikey() {
        let f = check_value(
            &SecretInLogOptions,
            with_log(
                "splunk",
                json!({"splunk-url": "https://splunk:8088", "splunk-token": "1a2b3c4d-0000-4e5f-8a9b-0123456789ab"}),
            ),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/logConfiguration/options/splunk-token");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0].message.contains("`splunk-token`") && f[0].message.contains("`app`"), "{}", f[0].message);

        let f = check_value(
            &SecretInLogOptions,
            with_log(
                "awsfirelens",
                json!({"Name": "datadog", "Host": "http-intake.logs.datadoghq.com", "apikey": "xxx"}),
            ),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn flags_authorization_headers() {
        let f = check_value(
            &SecretInLogOptions,
            with_log("awsfirelens", json!({"Name": "http", "Header": "Authorization Bearer Zm9vYmFyMTIzNDU2Nzg5MA"})),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("a bearer token"), "{}", f[0].message);
    }

    #[test]
    fn fix_moves_the_option_to_secret_options() {
        let td = with_log("splunk", json!({"splunk-url": "https://splunk:8088", "splunk-token": "tok-9f8e7d6c5b4a"}));
        let f = check_value(&SecretInLogOptions, td.clone());
        let fix = f[0].fix.as_ref().unwrap();
        let mut v = td;
        let patch: json_patch::Patch = serde_json::from_value(fix.patch.clone()).unwrap();
        json_patch::patch(&mut v, &patch).unwrap();
        let log = &v["containerDefinitions"][0]["logConfiguration"];
        assert!(log["options"].get("splunk-token").is_none());
        assert_eq!(
            log["secretOptions"],
            json!([{"name": "splunk-token", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:web/app/splunk-token"}])
        );
        assert!(check_value(&SecretInLogOptions, v).is_empty());
    }

    #[test]
    fn negatives() {
        assert!(check(&SecretInLogOptions, SEED).is_empty());
        let f = check_value(
            &SecretInLogOptions,
            with_log(
                "awslogs",
                json!({"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web",
                       "mode": "non-blocking", "max-buffer-size": "25m"}),
            ),
        );
        assert!(f.is_empty());
        let f = check_value(&SecretInLogOptions, with_log("splunk", json!({"splunk-token": 5, "splunk-url": null})));
        assert!(f.is_empty());
    }
}
