use serde_json::{Map, Value};

use super::detect::{Detection, Kind};
use super::migrate::{append_op, object, Target};
use super::places::PlaceContext;
use crate::finding::{Finding, Fix};
use crate::model::Container;
use crate::rules::kit::Named;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::Category;
use crate::Severity;

pub struct SecretInLogOptions;

pub static META: RuleMeta = RuleMeta {
    id: "SEC002",
    name: "secret-in-log-options",
    severity: Severity::Critical,
    category: Category::Secrets,
    blocks_registration: false,
    summary: "A credential in plaintext `logConfiguration.options`",
    what: crate::rules::doc(
        "Checks each container's `logConfiguration.options` with the same detector as SEC001: option names \
           such as `splunk-token`, `apikey` (FireLens Datadog/New Relic outputs), `HTTP_Passwd`, `cloud_auth`, \
           and values such as `Bearer …` headers, tokens in known formats or URLs with a password.",
    ),
    why: crate::rules::doc(
        "Log driver options are stored in plaintext in the task definition, like `environment`. ECS resolves \
          `logConfiguration.secretOptions` from Secrets Manager or SSM at task start, so the credential never \
          appears in the task definition.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "app", "image": "nginx", "logConfiguration": {
  "logDriver": "awsfirelens",
  "options": {"Name": "datadog", "Host": "http-intake.logs.datadoghq.com", "apikey": "0123456789abcdef0123456789abcdef"}}}]}"#,
    ),
    fix: crate::rules::doc(
        "Store the value in Secrets Manager and move the option to `secretOptions`; the quick fix does it:\n\n\
          ```json\n\"logConfiguration\": {\"logDriver\": \"awsfirelens\", \"options\": {\"Name\": \"datadog\"},\n  \
          \"secretOptions\": [{\"name\": \"apikey\", \"valueFrom\": \"arn:aws:secretsmanager:…\"}]}\n```\n\n\
          The task execution role needs `secretsmanager:GetSecretValue` on the secret.",
    ),
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
        let mut target: Option<Target<'_>> = None;
        for h in super::hits_of(cx, &META) {
            let (Some(c), PlaceContext::MapEntry { key }) = (h.container(td), h.context) else { continue };
            let Some(log) = c.get("logConfiguration").and_then(Value::as_object) else { continue };
            let d = h.detection;
            let log_ptr = [c.pointer.as_str(), "/logConfiguration"].concat();
            let mut finding = Finding::new(&META, h.pointer.clone(), message(key, Named(c), d))
                .in_container(c)
                .with_severity(if d.is_credential() { Severity::Critical } else { Severity::High });
            // The fix is built only when asked for (like `with_fix_from`); it needs the pointer.
            if cx.wants_fixes() {
                let target = target.get_or_insert_with(|| Target::new(td));
                finding.fix = Some(migration(target, c, log, key, &log_ptr, &finding.pointer, d));
            }
            out.push(finding);
        }
    }
}

/// The "move it to `secretOptions`" fix for log option `key` (at `option_ptr`).
fn migration(
    target: &Target<'_>,
    c: &Container<'_>,
    log: &Map<String, Value>,
    key: &str,
    log_ptr: &str,
    option_ptr: &str,
    d: Detection,
) -> Fix {
    let secret_name = target.secret_name(c, key);
    let mut patch = Vec::with_capacity(2);
    patch.push(object([("op", "remove".into()), ("path", option_ptr.into())]));
    let secret_options = log.get("secretOptions");
    let already = secret_options
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|s| s.get("name").and_then(Value::as_str) == Some(key)));
    if !already {
        let entry = object([("name", key.into()), ("valueFrom", target.arn(&secret_name).into())]);
        let mut array_ptr = String::with_capacity(log_ptr.len() + 16);
        array_ptr.push_str(log_ptr);
        array_ptr.push_str("/secretOptions");
        patch.push(append_op(array_ptr, secret_options, entry));
    }
    let description = format!(
        "Move log option `{key}` to `logConfiguration.secretOptions`, read from the Secrets Manager secret `{secret_name}`"
    );
    target.fix(description, Value::Array(patch), key, &secret_name, d.is_credential()).safe()
}

fn message(key: &str, container: Named<'_, '_>, d: Detection) -> String {
    match d.kind {
        Kind::Credential => format!(
            "log option `{key}` of {container} holds {} in plaintext `logConfiguration.options`; move it \
             to `logConfiguration.secretOptions` (Secrets Manager)",
            d.what
        ),
        Kind::Placeholder | Kind::Empty => format!(
            "log option `{key}` of {container} is a credential slot in plaintext \
             `logConfiguration.options` (a placeholder now, a leaked credential once someone fills it in); move it \
             to `logConfiguration.secretOptions` (Secrets Manager)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

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
