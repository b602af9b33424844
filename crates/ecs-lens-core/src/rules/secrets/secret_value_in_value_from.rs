use serde_json::{json, Value};

use super::detect;
use super::migrate::Target;
use crate::finding::Finding;
use crate::model::{member, Container};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::Category;
use crate::Severity;

pub struct SecretValueInValueFrom;

pub static META: RuleMeta = RuleMeta {
    id: "SEC006",
    name: "secret-value-in-value-from",
    severity: Severity::Critical,
    category: Category::Secrets,
    blocks_registration: false,
    summary: "`valueFrom` / `credentialsParameter` holds the secret itself instead of a reference",
    what: crate::rules::doc(
        "Checks `secrets[].valueFrom`, `logConfiguration.secretOptions[].valueFrom` and \
           `repositoryCredentials.credentialsParameter`. They must name a secret — a Secrets Manager ARN, an SSM \
           parameter ARN or name — and are flagged when they instead look like the secret value: a credential in a \
           known format, a long high-entropy string, or text with characters no secret or parameter name can \
           contain (`user:password`, spaces, `!`, `#` …).",
    ),
    why: crate::rules::doc(
        "The reference fields are plaintext too. A value pasted there by mistake is exposed exactly like an \
          `environment` value, and the task also fails to start because ECS cannot resolve it.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "app", "image": "nginx",
  "secrets": [{"name": "DB_PASSWORD", "valueFrom": "p@ss word!"}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Store the value in Secrets Manager and put the secret's ARN in `valueFrom` (the quick fix does it), then \
          rotate the credential: the old value stays in earlier revisions.",
    ),
    references: &[Reference { tool: "AWS", id: "Secret.valueFrom" }],
};

impl Rule for SecretValueInValueFrom {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut target: Option<Target<'_>> = None;
        for c in &cx.td.containers {
            for s in c.secrets() {
                let ptr = || format!("{}/{}/valueFrom", c.ptr("secrets"), s.index);
                check_one(cx, &mut target, c, "secrets", s.name, s.value, ptr, out);
            }
            if let Some(opts) = c
                .get("logConfiguration")
                .and_then(Value::as_object)
                .and_then(|l| member(l, "secretOptions"))
                .and_then(Value::as_array)
            {
                for (i, o) in opts.iter().enumerate() {
                    let (Some(name), Some(value)) =
                        (o.get("name").and_then(Value::as_str), o.get("valueFrom").and_then(Value::as_str))
                    else {
                        continue;
                    };
                    let ptr = || format!("{}/secretOptions/{i}/valueFrom", c.ptr("logConfiguration"));
                    check_one(cx, &mut target, c, "logConfiguration.secretOptions", name, value, ptr, out);
                }
            }
            if let Some(p) = c
                .get("repositoryCredentials")
                .and_then(Value::as_object)
                .and_then(|r| member(r, "credentialsParameter"))
                .and_then(Value::as_str)
            {
                let ptr = || format!("{}/credentialsParameter", c.ptr("repositoryCredentials"));
                check_one(cx, &mut target, c, "repositoryCredentials", "registry-credentials", p, ptr, out);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn check_one<'a>(
    cx: &Context<'a>,
    target: &mut Option<Target<'a>>,
    c: &Container<'_>,
    field: &str,
    name: &str,
    value: &str,
    pointer: impl FnOnce() -> String,
    out: &mut Vec<Finding>,
) {
    let Some(d) = detect::value_not_reference(value) else { return };
    let what = if field == "repositoryCredentials" { "`credentialsParameter`" } else { "`valueFrom`" };
    let message = format!(
        "{what} of `{field}` entry `{name}` in container `{}` looks like {} rather than a Secrets Manager or SSM \
         reference; store the value in Secrets Manager and reference its ARN",
        c.label(),
        d.what
    );
    let mut finding = Finding::new(&META, pointer(), message).in_container(c);
    // The fix is built only when asked for (like `with_fix_from`); it needs the pointer.
    if cx.wants_fixes() {
        let target = target.get_or_insert_with(|| Target::new(&cx.td));
        let secret_name = target.secret_name(c, name);
        let arn = target.arn(&secret_name);
        let patch = json!([{"op": "replace", "path": finding.pointer, "value": arn}]);
        let description = format!("Point `{field}` entry `{name}` at the Secrets Manager secret `{secret_name}`");
        finding.fix = Some(target.fix(description, patch, name, &secret_name, true).safe());
    }
    out.push(finding);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_values_pasted_into_value_from() {
        let mut td = base();
        td["containerDefinitions"][0]["secrets"] = json!([
            {"name": "DB_PASSWORD", "valueFrom": "p@ss word!"},
            {"name": "GH", "valueFrom": "ghp_0123456789abcdefABCDEF0123456789abcd"},
            {"name": "OK", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::"},
            {"name": "SSM", "valueFrom": "/prod/db/password"},
            {"name": "SSM2", "valueFrom": "prod-db-password"},
        ]);
        td["containerDefinitions"][0]["repositoryCredentials"] =
            json!({"credentialsParameter": "dockeruser:Hunter2Hunter2"});
        let f = check_value(&SecretValueInValueFrom, td.clone());
        let ptrs: Vec<_> = f.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(
            ptrs,
            [
                "/containerDefinitions/0/secrets/0/valueFrom",
                "/containerDefinitions/0/secrets/1/valueFrom",
                "/containerDefinitions/0/repositoryCredentials/credentialsParameter",
            ]
        );
        assert!(f.iter().all(|f| !f.message.contains("p@ss") && !f.message.contains("Hunter2")));
        let mut v = td;
        let patch: json_patch::Patch = serde_json::from_value(f[0].fix.as_ref().unwrap().patch.clone()).unwrap();
        json_patch::patch(&mut v, &patch).unwrap();
        assert_eq!(
            v["containerDefinitions"][0]["secrets"][0]["valueFrom"],
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:web/app/DB_PASSWORD"
        );
    }

    #[test]
    fn flags_secret_options() {
        let mut td = base();
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": "splunk",
            "secretOptions": [{"name": "splunk-token", "valueFrom": "Zx81kLmQ02pRt7vWq9Y3bN5c"}]});
        let f = check_value(&SecretValueInValueFrom, td);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/logConfiguration/secretOptions/0/valueFrom");
    }

    #[test]
    fn negatives() {
        assert!(check(&SecretValueInValueFrom, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["secrets"] = json!([
            {"name": "A", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/prod/a"},
            {"name": "B", "valueFrom": "${SECRET_ARN}"},
            {"name": "C", "valueFrom": "my-app/prod/db@v2"},
            {"name": "D", "valueFrom": 5},
        ]);
        td["containerDefinitions"][0]["repositoryCredentials"] = json!({"credentialsParameter": "dockerhub-creds"});
        assert!(check_value(&SecretValueInValueFrom, td).is_empty());
    }
}
