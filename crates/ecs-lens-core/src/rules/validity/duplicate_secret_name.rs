use serde_json::Value;

use super::util::duplicates;
use crate::finding::{Finding, Fix};
use crate::rules::kit::{field, items, str_field};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct DuplicateSecretName;

pub static META: RuleMeta = RuleMeta {
    id: "VAL013",
    name: "duplicate-secret-name",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "The same name appears twice in a container's `secrets` (or a log configuration's `secretOptions`)",
    what: crate::rules::doc(
        "Checks that the names in each container's `secrets` list, and in `logConfiguration.secretOptions`, \
           are unique.",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects it: `Duplicate secret names found: DB_PASSWORD. Each secret name must \
          be unique.` Which `valueFrom` you meant cannot be guessed.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/a"}, {"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/b"}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Keep one entry per name. When both entries reference the same `valueFrom`, the fix removes the copy.",
    ),
    references: &[Reference { tool: "AWS", id: "RegisterTaskDefinition ClientException" }],
};

impl Rule for DuplicateSecretName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            let log_secrets = c.get("logConfiguration").and_then(|l| field(l, "secretOptions"));
            for (list, in_log) in [(c.get("secrets"), false), (log_secrets, true)] {
                let Some(arr) = list.and_then(Value::as_array) else { continue };
                if arr.len() < 2 {
                    continue;
                }
                let names = items(list).filter_map(|(i, s)| Some((i, str_field(s, "name")?)));
                for (first, dup, name) in duplicates(names) {
                    let base =
                        if in_log { format!("{}/secretOptions", c.ptr("logConfiguration")) } else { c.ptr("secrets") };
                    let pointer = format!("{base}/{dup}");
                    let same_source = field(&arr[first], "valueFrom") == field(&arr[dup], "valueFrom");
                    let fix = if same_source {
                        Fix::patch(
                            format!("Remove the repeated `{name}` entry"),
                            crate::rules::kit::remove_named(&pointer, name),
                        )
                        .safe()
                    } else {
                        Fix::advice(format!("Keep the `{name}` entry whose `valueFrom` is right and remove the other"))
                    };
                    out.push(
                        Finding::new(
                            &META,
                            pointer,
                            format!(
                                "container `{}`: secret `{name}` is listed twice (ECS: \"Duplicate secret names found: \
                                 {name}. Each secret name must be unique.\")",
                                c.label()
                            ),
                        )
                        .in_container(c)
                        .with_fix_from(cx, || fix),
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
    fn flags_repeated_secret_names() {
        let mut td = base();
        td["containerDefinitions"][0]["secrets"] = json!([
            {"name": "A", "valueFrom": "p1"}, {"name": "B", "valueFrom": "p2"}, {"name": "A", "valueFrom": "p1"}
        ]);
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": "splunk",
            "secretOptions": [{"name": "splunk-token", "valueFrom": "a"}, {"name": "splunk-token", "valueFrom": "b"}]});
        let f = check_value(&DuplicateSecretName, td);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/secrets/2");
        assert!(f[0].message.contains("Duplicate secret names found: A."));
        assert!(f[0].fix.as_ref().unwrap().is_applicable());
        assert_eq!(f[1].pointer, "/containerDefinitions/0/logConfiguration/secretOptions/1");
        assert!(!f[1].fix.as_ref().unwrap().is_applicable());
    }

    #[test]
    fn unique_names_pass() {
        assert!(check(&DuplicateSecretName, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["secrets"] =
            json!([{"name": "A", "valueFrom": "p1"}, {"name": "B", "valueFrom": "p1"}]);
        assert!(check_value(&DuplicateSecretName, td).is_empty());
    }
}
