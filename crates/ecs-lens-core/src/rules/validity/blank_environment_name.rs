use serde_json::{json, Value};

use crate::finding::{Finding, Fix};
use crate::model::member;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct BlankEnvironmentName;

pub static META: RuleMeta = RuleMeta {
    id: "VAL014",
    name: "blank-environment-name",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "An `environment` entry without a name (missing, null or blank)",
    what: crate::rules::doc("Checks that every object in a container's `environment` list has a non-blank `name`."),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects it: `Environment variable name cannot be null or blank.` Templating \
          (an unset Terraform/Helm variable) and console exports produce such entries.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "environment": [{"name": "", "value": "1"}]}]}"#,
    ),
    fix: crate::rules::doc("Give the variable its name, or remove the entry (the fix removes it)."),
    references: &[Reference { tool: "AWS", id: "RegisterTaskDefinition ClientException" }],
};

impl Rule for BlankEnvironmentName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            let Some(list) = c.get("environment").and_then(Value::as_array) else { continue };
            // When every entry is well formed (the cached entries are all of them), only
            // their names can be blank.
            if c.environment().count() == list.len() && c.environment().all(|e| !e.name.trim().is_empty()) {
                continue;
            }
            for (i, entry) in list.iter().enumerate() {
                let Some(obj) = entry.as_object() else { continue };
                let blank = match member(obj, "name") {
                    None | Some(Value::Null) => true,
                    Some(Value::String(s)) => s.trim().is_empty(),
                    Some(_) => false, // a wrong type is VAL004's
                };
                if blank {
                    let pointer = format!("{}/{i}", c.ptr("environment"));
                    out.push(
                        Finding::new(
                            &META,
                            pointer.clone(),
                            format!(
                                "container `{}`: environment[{i}] has no name (ECS: \"Environment variable name cannot be \
                                 null or blank.\")",
                                c.label()
                            ),
                        )
                        .in_container(c)
                        .with_fix_from(cx, || Fix::patch("Remove the nameless entry", json!([{"op": "remove", "path": pointer}])).safe()),
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

    #[test]
    fn flags_missing_null_and_blank_names() {
        let mut td = base();
        td["containerDefinitions"][0]["environment"] = json!([{"value": "1"}, {"name": null, "value": "2"}, {"name": "  ", "value": "3"}, {"name": "OK", "value": "4"}]);
        let f = check_value(&BlankEnvironmentName, td);
        assert_eq!(f.len(), 3);
        assert_eq!(f[2].pointer, "/containerDefinitions/0/environment/2");
        assert!(f[0].message.contains("Environment variable name cannot be null or blank."));
    }

    #[test]
    fn named_entries_pass() {
        assert!(check(&BlankEnvironmentName, SEED).is_empty());
        assert!(check_value(&BlankEnvironmentName, base()).is_empty());
    }
}
