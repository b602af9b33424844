use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::rules::kit::{cat, label, ptr, remove_checked, with_fix_at};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct Privileged;

pub static META: RuleMeta = RuleMeta {
    id: "HAR001",
    name: "privileged-container",
    severity: Severity::High,
    category: Category::Security,
    blocks_registration: false,
    summary: "A container runs with `privileged: true`",
    what: crate::rules::doc("Flags every container with `\"privileged\": true`."),
    why: crate::rules::doc(
        "A privileged container gets every Linux capability and access to the host's devices: a process that \
          escapes the application owns the container instance and every other task on it. Fargate rejects \
          the parameter altogether.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "app", "image": "app:1.2", "privileged": true}]}"#,
    ),
    fix: crate::rules::doc(
        "Remove `privileged`. If the container needs one specific power, add just that capability under \
          `linuxParameters.capabilities.add` (and only on EC2).",
    ),
    references: &[
        Reference { tool: "Security Hub", id: "ECS.4" },
        Reference { tool: "Prowler", id: "ecs_task_definitions_no_privileged_containers" },
        Reference { tool: "Checkov", id: "CKV_AWS_334" },
    ],
};

impl Rule for Privileged {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // On Fargate FAR011 already reports `privileged` as a registration error.
        if cx.td.is_fargate() {
            return;
        }
        for c in &cx.td.containers {
            if c.bool("privileged") != Some(true) {
                continue;
            }
            let label = label(c);
            let f = Finding::new(
                &META,
                ptr(c, "/privileged"),
                cat(&["container `", &label, "` is privileged: it has full access to the host and all capabilities"]),
            )
            .in_container(c);
            out.push(with_fix_at(f, cx, |ptr| {
                Fix::patch(cat(&["Remove `privileged` from `", &label, "`"]), remove_checked(ptr, &Value::Bool(true)))
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kit::test_support::apply_fix;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_privileged_true() {
        let mut td = base();
        td["containerDefinitions"][0]["privileged"] = true.into();
        assert!(check_value(&Privileged, td.clone()).is_empty(), "Fargate: FAR011 reports it");
        td["requiresCompatibilities"] = serde_json::json!(["EC2"]);
        let f = check_value(&Privileged, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/privileged");
        assert!(check_value(&Privileged, apply_fix(&td, &f[0])).is_empty());
    }

    #[test]
    fn passes_false_absent_and_the_seed() {
        let mut td = base();
        td["containerDefinitions"][0]["privileged"] = false.into();
        assert!(check_value(&Privileged, td).is_empty());
        assert!(check_value(&Privileged, base()).is_empty());
        assert!(check(&Privileged, SEED).is_empty());
    }
}
