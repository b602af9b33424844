use super::util::duplicates;
use crate::finding::{Finding, Fix};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct DuplicateContainerName;

pub static META: RuleMeta = RuleMeta {
    id: "VAL009",
    name: "duplicate-container-name",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "Two containers have the same name",
    what: crate::rules::doc("Checks that container names are unique within the task definition."),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects the document: `Container names must be unique within a Task \
          Definition.` Names are how `dependsOn`, `links`, `volumesFrom`, load balancers and FireLens refer \
          to containers, so a copy-pasted sidecar that keeps its original name cannot be told apart.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx"}, {"name": "app", "image": "busybox"}]}"#,
    ),
    fix: crate::rules::doc("Rename one of them (and update the references to it)."),
    references: &[Reference { tool: "AWS", id: "RegisterTaskDefinition ClientException" }],
};

impl Rule for DuplicateContainerName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let names = td.containers.iter().filter_map(|c| Some((c.index, c.name?)));
        for (first, dup, name) in duplicates(names) {
            let Some(c) = td.containers.iter().find(|c| c.index == dup) else { continue };
            out.push(
                Finding::new(
                    &META,
                    c.ptr("name"),
                    format!(
                        "container name `{name}` is already used by containerDefinitions[{first}] (ECS: \"Container names \
                         must be unique within a Task Definition.\")"
                    ),
                )
                .in_container(c)
                .with_fix_from(cx, || Fix::advice(format!("Rename this `{name}` container and update the references to it"))),
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
    fn flags_the_later_duplicate() {
        let mut td = base();
        let list = td["containerDefinitions"].as_array_mut().unwrap();
        list.push(json!({"name": "side", "image": "x"}));
        list.push(json!({"name": "app", "image": "y"}));
        let f = check_value(&DuplicateContainerName, td);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/2/name");
        assert!(f[0].message.contains("containerDefinitions[0]"));
    }

    #[test]
    fn unique_names_pass() {
        assert!(check(&DuplicateContainerName, SEED).is_empty());
        assert!(check_value(&DuplicateContainerName, base()).is_empty());
    }
}
