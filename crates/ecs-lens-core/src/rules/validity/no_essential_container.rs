use crate::finding::Finding;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::Category;
use crate::Severity;

pub struct NoEssentialContainer;

pub static META: RuleMeta = RuleMeta {
    id: "VAL012",
    name: "no-essential-container",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "Every container is marked `essential: false`",
    what: crate::rules::doc(
        "Checks that at least one container is essential. An omitted `essential` counts as `true`.",
    ),
    why: crate::rules::doc(
        "ECS rejects the task definition: a task must have at least one essential container, \
          because the task's lifetime is tied to its essential containers.",
    ),
    example: crate::rules::doc(r#"{"containerDefinitions": [{"name": "app", "image": "nginx", "essential": false}]}"#),
    fix: crate::rules::doc(
        "Mark the main application container `\"essential\": true` (or drop the key; `true` is the default).",
    ),
    references: &[Reference { tool: "cfn-lint", id: "E3042" }],
};

impl Rule for NoEssentialContainer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if td.containers.is_empty() || td.containers.iter().any(|c| c.essential()) {
            return;
        }
        out.push(Finding::new(
            &META,
            td.ptr("containerDefinitions"),
            "no container is essential; ECS requires at least one (an omitted `essential` means true)",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_all_non_essential() {
        let mut td = base();
        td["containerDefinitions"][0]["essential"] = false.into();
        let f = check_value(&NoEssentialContainer, td);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions");
        assert!(f[0].blocks_registration);
    }

    #[test]
    fn omitted_essential_counts_as_true() {
        let mut td = base();
        td["containerDefinitions"][0].as_object_mut().unwrap().remove("essential");
        assert!(check_value(&NoEssentialContainer, td).is_empty());
        assert!(check(&NoEssentialContainer, SEED).is_empty());
    }
}
