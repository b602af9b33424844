use serde_json::Value;

use super::util::duplicates;
use crate::finding::{Finding, Fix};
use crate::rules::kit::str_field;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct DuplicateEnvironmentName;

pub static META: RuleMeta = RuleMeta {
    id: "VAL015",
    name: "duplicate-environment-name",
    severity: Severity::Medium,
    category: Category::Validity,
    blocks_registration: false,
    summary: "The same variable is set twice in a container's `environment`",
    what: crate::rules::doc("Checks that the names in each container's `environment` list are unique."),
    why: crate::rules::doc(
        "Only one of the values reaches the container, and which one is not something to rely on: ECS may \
          reorder `environment` (Terraform sorts it before comparing). cfn-lint treats the name as a unique \
          key; whether RegisterTaskDefinition itself rejects duplicates is not confirmed, so this is a \
          warning.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "environment": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "LOG_LEVEL", "value": "debug"}]}]}"#,
    ),
    fix: crate::rules::doc("Keep one entry per name. When both entries hold the same value, the fix removes the copy."),
    references: &[Reference { tool: "cfn-lint", id: "AWS::ECS::TaskDefinition schema patch: uniqueKeys Name" }],
};

impl Rule for DuplicateEnvironmentName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            let Some(list) = c.get("environment").and_then(Value::as_array) else { continue };
            if list.len() < 2 {
                continue;
            }
            // When every entry is well formed the container's cached entries hold the names.
            let dups = if c.environment().count() == list.len() {
                duplicates(c.environment().map(|e| (e.index, e.name)))
            } else {
                duplicates(list.iter().enumerate().filter_map(|(i, e)| Some((i, str_field(e, "name")?))))
            };
            for (first, dup, name) in dups {
                let pointer = format!("{}/{dup}", c.ptr("environment"));
                let fix = || {
                    let value_of = |i: usize| c.environment().find(|e| e.index == i).map(|e| e.value);
                    if value_of(first) == value_of(dup) {
                        Fix::patch(
                            format!("Remove the repeated `{name}`"),
                            crate::rules::kit::remove_named(&pointer, name),
                        )
                        .safe()
                    } else {
                        Fix::advice(format!("Keep the `{name}` entry with the value you want and remove the other"))
                    }
                };
                out.push(
                    Finding::new(
                        &META,
                        pointer.clone(),
                        format!(
                            "container `{}`: `{name}` is set twice in `environment` (also at environment[{first}])",
                            c.label()
                        ),
                    )
                    .in_container(c)
                    .with_fix_from(cx, fix),
                );
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
    fn warns_on_repeated_names() {
        let mut td = base();
        td["containerDefinitions"][0]["environment"] = json!([
            {"name": "A", "value": "1"}, {"name": "A", "value": "2"}, {"name": "B", "value": "x"}, {"name": "B", "value": "x"}
        ]);
        let f = check_value(&DuplicateEnvironmentName, td);
        assert_eq!(f.len(), 2);
        assert!(!f[0].blocks_registration);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/environment/1");
        assert!(!f[0].fix.as_ref().unwrap().is_applicable());
        assert!(f[1].fix.as_ref().unwrap().is_applicable());
        assert!(!f[0].message.contains("\"1\"") && !f[0].message.contains("`1`"));
    }

    #[test]
    fn unique_names_pass() {
        assert!(check(&DuplicateEnvironmentName, SEED).is_empty());
    }
}
