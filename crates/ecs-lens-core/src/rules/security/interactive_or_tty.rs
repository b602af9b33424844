use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::rules::kit::{cat, label, remove_checked, with_fix_at};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct InteractiveTty;

pub static META: RuleMeta = RuleMeta {
    id: "HAR013",
    name: "interactive-or-tty",
    severity: Severity::Low,
    category: Category::Security,
    blocks_registration: false,
    summary: "A container keeps stdin open or allocates a TTY (`interactive` / `pseudoTerminal`)",
    what: crate::rules::doc("Flags `\"interactive\": true` and `\"pseudoTerminal\": true` on a container."),
    why: crate::rules::doc(
        "A service container has nobody typing into it: an open stdin and a TTY are debugging leftovers \
          that make the container behave like an interactive shell (programs may wait for input or change \
          their output) and are an extra channel into the process. Use ECS Exec for interactive access.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "app", "image": "app:1.2", "interactive": true, "pseudoTerminal": true}]}"#,
    ),
    fix: crate::rules::doc(
        "Remove `interactive` and `pseudoTerminal`; use `aws ecs execute-command` when you need a shell.",
    ),
    references: &[],
};

impl Rule for InteractiveTty {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            for (field, what) in [("interactive", "keeps stdin open"), ("pseudoTerminal", "allocates a TTY")] {
                if c.bool(field) != Some(true) {
                    continue;
                }
                let label = label(c);
                let f = Finding::new(
                    &META,
                    cat(&[&c.pointer, "/", field]),
                    cat(&["container `", &label, "` ", what, " (`", field, ": true`)"]),
                )
                .in_container(c);
                out.push(with_fix_at(f, cx, |ptr| {
                    Fix::patch(
                        cat(&["Remove `", field, "` from `", &label, "`"]),
                        remove_checked(ptr, &Value::Bool(true)),
                    )
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kit::test_support::apply_fix;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_each_field() {
        let mut td = base();
        td["containerDefinitions"][0]["interactive"] = true.into();
        td["containerDefinitions"][0]["pseudoTerminal"] = true.into();
        let f = check_value(&InteractiveTty, td.clone());
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].pointer, "/containerDefinitions/0/pseudoTerminal");
        let once = apply_fix(&td, &f[0]);
        assert_eq!(check_value(&InteractiveTty, once).len(), 1);
    }

    #[test]
    fn passes_false_and_the_seed() {
        let mut td = base();
        td["containerDefinitions"][0]["interactive"] = false.into();
        assert!(check_value(&InteractiveTty, td).is_empty());
        assert!(check(&InteractiveTty, SEED).is_empty());
    }
}
