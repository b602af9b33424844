use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct ContainerCount;

/// Containers per task definition (service quota, not adjustable).
pub const MAX_CONTAINERS: usize = 10;

pub static META: RuleMeta = RuleMeta {
    id: "VAL007",
    name: "container-count",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "No container at all, or more than 10 containers",
    what: crate::rules::doc("Checks that `containerDefinitions` holds between 1 and 10 containers."),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects an empty list (`Container list cannot be empty.`) and more than \
          ten containers (`Too many containers.`); the limit of 10 containers per task definition is a \
          fixed service quota that cannot be raised.",
    ),
    example: crate::rules::doc(r#"{"family": "web", "containerDefinitions": []}"#),
    fix: crate::rules::doc(
        "Add the application container; with more than ten, split the task into several services or \
          merge sidecars (one log router, one agent).",
    ),
    references: &[Reference { tool: "AWS", id: "Service quota: containers per task definition (10)" }],
};

impl Rule for ContainerCount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let Some(list) = td.get("containerDefinitions").and_then(Value::as_array) else { return };
        if list.is_empty() {
            out.push(
                Finding::new(
                    &META,
                    td.ptr("containerDefinitions"),
                    "`containerDefinitions` is empty (ECS: \"Container list cannot be empty.\")",
                )
                .with_fix_from(cx, || {
                    Fix::advice("Add at least one container definition with a `name` and an `image`")
                }),
            );
        } else if list.len() > MAX_CONTAINERS {
            out.push(
                Finding::new(
                    &META,
                    format!("{}/{MAX_CONTAINERS}", td.ptr("containerDefinitions")),
                    format!(
                        "the task definition has {} containers; ECS allows at most {MAX_CONTAINERS} (ECS: \"Too many containers.\")",
                        list.len()
                    ),
                )
                .with_fix_from(cx, || Fix::advice("Split the task into several task definitions or merge sidecars")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn flags_empty_and_too_many() {
        let mut td = base();
        td["containerDefinitions"] = json!([]);
        let f = check_value(&ContainerCount, td.clone());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("Container list cannot be empty."));
        td["containerDefinitions"] =
            json!((0..11).map(|i| json!({"name": format!("c{i}"), "image": "x"})).collect::<Vec<_>>());
        let f = check_value(&ContainerCount, td);
        assert_eq!(f[0].pointer, "/containerDefinitions/10");
        assert!(f[0].message.contains("11 containers") && f[0].message.contains("Too many containers."));
    }

    #[test]
    fn one_to_ten_pass() {
        assert!(check(&ContainerCount, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"] =
            json!((0..10).map(|i| json!({"name": format!("c{i}"), "image": "x"})).collect::<Vec<_>>());
        assert!(check_value(&ContainerCount, td).is_empty());
        // Absent is VAL003's business.
        let mut td = base();
        td.as_object_mut().unwrap().remove("containerDefinitions");
        assert!(check_value(&ContainerCount, td).is_empty());
    }
}
