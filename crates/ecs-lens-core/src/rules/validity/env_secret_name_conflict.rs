use crate::finding::{Finding, Fix};
use crate::rules::kit::str_field;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct EnvSecretNameConflict;

pub static META: RuleMeta = RuleMeta {
    id: "VAL011",
    name: "env-secret-name-conflict",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "A variable is set both in `environment` and in `secrets` of one container",
    what: crate::rules::doc(
        "Checks that no name appears in both the `environment` and the `secrets` list of the same container.",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects it: `The secret name must be unique and not shared with any new or \
          existing environment variables set on the container, such as 'DB_PASSWORD'.` It typically happens \
          halfway through moving a plaintext variable to Secrets Manager: the secret was added, the old \
          plaintext entry was not removed.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "environment": [{"name": "DB_PASSWORD", "value": "…"}], "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/db"}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Remove the plaintext `environment` entry (the fix does it); the secret provides the variable.",
    ),
    references: &[Reference { tool: "AWS", id: "RegisterTaskDefinition ClientException" }],
};

impl Rule for EnvSecretNameConflict {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            let Some(secrets) = c.get("secrets").and_then(|s| s.as_array()).filter(|s| !s.is_empty()) else { continue };
            let mut names: Vec<&str> = secrets.iter().filter_map(|s| str_field(s, "name")).collect();
            if names.is_empty() {
                continue;
            }
            names.sort_unstable();
            for e in c.environment() {
                if names.binary_search(&e.name).is_ok() {
                    let pointer = format!("{}/{}", c.ptr("environment"), e.index);
                    out.push(
                        Finding::new(
                            &META,
                            pointer.clone(),
                            format!(
                                "container `{}`: `{}` is set both in `environment` and in `secrets` (ECS: \"The secret \
                                 name must be unique and not shared with any new or existing environment variables set \
                                 on the container, such as '{}'.\")",
                                c.label(),
                                e.name,
                                e.name
                            ),
                        )
                        .in_container(c)
                        .with_fix_from(cx, || {
                            Fix::patch(
                                format!("Remove the plaintext `{}` from `environment`; the secret provides it", e.name),
                                crate::rules::kit::remove_named(&pointer, e.name),
                            )
                            .safe()
                        }),
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
    fn flags_the_plaintext_twin_without_its_value() {
        let mut td = base();
        td["containerDefinitions"][0]["environment"] =
            json!([{"name": "A", "value": "1"}, {"name": "DB_PASSWORD", "value": "hunter2"}]);
        td["containerDefinitions"][0]["secrets"] =
            json!([{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/db"}]);
        let f = check_value(&EnvSecretNameConflict, td);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/environment/1");
        assert!(f[0].message.contains("such as 'DB_PASSWORD'"));
        assert!(!f[0].message.contains("hunter2"));
        let patch = &f[0].fix.as_ref().unwrap().patch;
        assert_eq!((patch[0]["op"].as_str(), patch[0]["value"].as_str()), (Some("test"), Some("DB_PASSWORD")));
        assert_eq!(patch[1]["op"], "remove");
        assert!(!patch.to_string().contains("hunter2"), "the guard tests the name, never the value");
    }

    #[test]
    fn distinct_names_pass() {
        assert!(check(&EnvSecretNameConflict, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["environment"] = json!([{"name": "A", "value": "1"}]);
        td["containerDefinitions"][0]["secrets"] = json!([{"name": "B", "valueFrom": "x"}]);
        assert!(check_value(&EnvSecretNameConflict, td).is_empty());
    }
}
