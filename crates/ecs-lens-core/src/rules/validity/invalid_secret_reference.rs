use crate::finding::{Finding, Fix};
use crate::rules::kit::{field, items, str_field};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct InvalidSecretReference;

pub static META: RuleMeta = RuleMeta {
    id: "VAL035",
    name: "invalid-secret-reference",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "A `secrets`/`secretOptions` `valueFrom` that is neither a Secrets Manager ARN nor an SSM parameter ARN or name",
    what: crate::rules::doc("Checks each `secrets[].valueFrom` and `logConfiguration.secretOptions[].valueFrom`: a Secrets Manager \
           secret ARN `arn:aws:secretsmanager:<region>:<account>:secret:<name>[:<json-key>:<version-stage>:<version-id>]` \
           (at most those three optional parts, not both a version stage and a version id), an SSM parameter ARN \
           `arn:aws:ssm:<region>:<account>:parameter/<name>`, or — for a parameter in the task's Region — a bare \
           parameter name of at most 2048 letters, digits and `_ . - /`. The value itself is never printed."),
    why: crate::rules::doc("RegisterTaskDefinition rejects a malformed parameter name (`The Systems Manager parameter name specified \
          for secret DB_PASSWORD is invalid. The parameter name can be up to 2048 characters and include the \
          following letters and symbols: a-zA-Z0-9_.-`), and a reference to anything else cannot be resolved \
          when the task starts. A frequent cause is pasting the secret's *value* into `valueFrom`."),
    example: crate::rules::doc(r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db:password:AWSCURRENT:0123"}]}]}"#),
    fix: crate::rules::doc("Reference the secret by its full ARN (Secrets Manager) or its parameter ARN or name (SSM). For a JSON \
          key keep the colons of the parts you skip: `…:secret:db:password::`."),
    references: &[Reference { tool: "AWS", id: "ECS API Secret.valueFrom" }],
};

/// What is wrong with a `valueFrom`, if anything (never quoting the value).
pub fn problem(v: &str) -> Option<&'static str> {
    if v.trim().is_empty() {
        return Some("is empty");
    }
    if let Some(rest) = v.strip_prefix("arn:") {
        let mut parts = rest.splitn(5, ':');
        let (Some(partition), Some(service), Some(region), Some(account), Some(resource)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Some("is not a complete ARN (arn:<partition>:<service>:<region>:<account>:<resource>)");
        };
        if !partition.starts_with("aws") {
            return Some("has an unknown ARN partition");
        }
        match service {
            "secretsmanager" => {
                if region.is_empty() || account.is_empty() {
                    return Some("is a Secrets Manager ARN without Region or account");
                }
                let Some(spec) = resource.strip_prefix("secret:") else {
                    return Some("is a Secrets Manager ARN whose resource does not start with `secret:`");
                };
                // The first four `:`-separated parts and their count (no allocation).
                let mut fields = [""; 4];
                let mut count = 0;
                for (i, f) in spec.split(':').enumerate() {
                    if let Some(slot) = fields.get_mut(i) {
                        *slot = f;
                    }
                    count += 1;
                }
                if fields[0].is_empty() {
                    return Some("is a Secrets Manager ARN without a secret name");
                }
                if count > 4 {
                    return Some(
                        "has too many parts after the secret name (at most :<json-key>:<version-stage>:<version-id>)",
                    );
                }
                if count == 4 && !fields[2].is_empty() && !fields[3].is_empty() {
                    return Some("sets both a version stage and a version id; use one of them");
                }
                None
            }
            "ssm" => {
                if region.is_empty() || account.is_empty() {
                    return Some("is an SSM parameter ARN without Region or account");
                }
                match resource.strip_prefix("parameter") {
                    Some(name) if name.len() > 1 && name.starts_with('/') => None,
                    _ => Some("is an SSM ARN that does not name a parameter (…:parameter/<name>)"),
                }
            }
            _ => Some("is an ARN of neither Secrets Manager nor SSM Parameter Store"),
        }
    } else if v.len() > 2048 || !v.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b)) {
        Some(
            "is neither an ARN nor a valid SSM parameter name (ECS: \"The parameter name can be up to 2048 characters \
             and include the following letters and symbols: a-zA-Z0-9_.-\")",
        )
    } else {
        None
    }
}

impl Rule for InvalidSecretReference {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            let log_secrets = c.get("logConfiguration").and_then(|l| field(l, "secretOptions"));
            for (list, in_log) in [(c.get("secrets"), false), (log_secrets, true)] {
                for (i, s) in items(list) {
                    let Some(v) = str_field(s, "valueFrom") else { continue };
                    let Some(problem) = problem(v) else { continue };
                    let name = str_field(s, "name").unwrap_or("?");
                    let (base, what) = if in_log {
                        (format!("{}/secretOptions", c.ptr("logConfiguration")), "log secret option")
                    } else {
                        (c.ptr("secrets"), "secret")
                    };
                    out.push(
                        Finding::new(
                            &META,
                            format!("{base}/{i}/valueFrom"),
                            format!("container `{}`: the valueFrom of {what} `{name}` {problem}", c.label()),
                        )
                        .in_container(c)
                        .with_fix_from(cx, || Fix::advice(
                            "Use arn:aws:secretsmanager:<region>:<account>:secret:<name>[:<json-key>::] or an SSM parameter ARN/name",
                        )),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn accepts_the_documented_forms() {
        for ok in [
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db:password::",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db:password:AWSPREVIOUS:",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db::AWSCURRENT:",
            "arn:aws:ssm:us-east-1:123456789012:parameter/app/db_password",
            "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x",
            "db_password",
            "/app/prod/db.password-1",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "arn:aws:secretsmanager:us-east-1:123456789012:db",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db:k:AWSCURRENT:0123",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db:a:b:c:d",
            "arn:aws:ssm:us-east-1:123456789012:db",
            "arn:aws:s3:::bucket/key",
            "arn:aws:secretsmanager",
            "hunter2!",
            "my secret",
        ] {
            assert!(problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn flags_without_echoing_the_value() {
        let mut td = base();
        td["containerDefinitions"][0]["secrets"] = json!([{"name": "DB_PASSWORD", "valueFrom": "s3cr3t value!"}]);
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": "splunk", "secretOptions": [{"name": "splunk-token", "valueFrom": "arn:aws:iam::1:role/x"}]});
        let f = check_value(&InvalidSecretReference, td);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/secrets/0/valueFrom");
        assert!(!f[0].message.contains("s3cr3t"));
        assert!(f[0].message.contains("a-zA-Z0-9_.-"));
        assert_eq!(f[1].pointer, "/containerDefinitions/0/logConfiguration/secretOptions/0/valueFrom");
    }

    #[test]
    fn seed_passes() {
        assert!(check(&InvalidSecretReference, SEED).is_empty());
    }
}
