use super::graph::Names;
use crate::finding::{Finding, Fix};
use crate::rules::kit::{add, one};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct CompletionOnEssential;

pub static META: RuleMeta = RuleMeta {
    id: "DEP002",
    name: "completion-condition-on-essential-container",
    severity: Severity::High,
    category: Category::Dependencies,
    blocks_registration: true,
    summary: "A `COMPLETE` or `SUCCESS` dependency targets an essential container",
    what: crate::rules::doc(
        "Checks that a `dependsOn` entry with condition `COMPLETE` or `SUCCESS` targets a container with \
           `essential: false`. An omitted `essential` counts as `true`.",
    ),
    why: crate::rules::doc(
        "ECS rejects the task definition: `A dependency container with SUCCESS or COMPLETE condition cannot \
          be an essential container`. It would not work anyway: when an essential container exits, ECS stops \
          the whole task, so the dependent would never get to start.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [
  {"name": "app", "image": "app:1.2", "dependsOn": [{"containerName": "migrate", "condition": "SUCCESS"}]},
  {"name": "migrate", "image": "app:1.2", "command": ["alembic", "upgrade", "head"]}
]}"#,
    ),
    fix: crate::rules::doc(
        "Mark the init/migration container `\"essential\": false` (it is meant to exit). If it must keep \
          running, wait for `START` or `HEALTHY` instead.",
    ),
    references: &[Reference { tool: "AWS", id: "ContainerDependency" }],
};

impl Rule for CompletionOnEssential {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let mut names = None;
        for c in &td.containers {
            for d in c.depends_on() {
                if !matches!(d.condition, "COMPLETE" | "SUCCESS") || c.name == Some(d.container_name) {
                    continue;
                }
                let names = names.get_or_insert_with(|| Names::new(td));
                let Some(t) = names.find(td, d.container_name) else { continue };
                let target = &td.containers[t];
                if !target.essential() {
                    continue;
                }
                let label = c.label();
                let tname = target.label();
                let f = Finding::new(
                    &META,
                    format!("{}/{}/condition", c.ptr("dependsOn"), d.index),
                    format!(
                        "container `{label}` waits for `{tname}` to {} but `{tname}` is essential \
                         (`essential` {}); ECS rejects this: \"A dependency container with SUCCESS or COMPLETE \
                         condition cannot be an essential container\"",
                        if d.condition == "SUCCESS" { "exit successfully" } else { "exit" },
                        if target.get("essential").is_some() { "is true" } else { "is omitted, which means true" },
                    ),
                )
                .in_container(c);
                out.push(f.with_fix_from(cx, || {
                    if td.containers.iter().enumerate().any(|(i, o)| i != t && o.essential()) {
                        Fix::patch(
                            format!("Mark `{tname}` as non-essential: it is meant to run to completion"),
                            one(add(target.ptr("essential"), false)),
                        )
                        .safe()
                    } else {
                        Fix::advice(format!(
                            "`{tname}` is the only essential container, so it cannot simply be made non-essential: \
                             wait for `START` or `HEALTHY` instead, or make another container essential."
                        ))
                    }
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
    use serde_json::{json, Value};

    fn td(essential: Option<bool>, condition: &str) -> Value {
        let mut td = base();
        let mut migrate = json!({"name": "migrate", "image": "app:1"});
        if let Some(e) = essential {
            migrate["essential"] = e.into();
        }
        td["containerDefinitions"] = json!([
            {"name": "app", "image": "app:1", "essential": true,
             "dependsOn": [{"containerName": "migrate", "condition": condition}]},
            migrate
        ]);
        td
    }

    #[test]
    fn flags_success_and_complete_on_essential_including_omitted() {
        for (essential, cond) in [(None, "SUCCESS"), (Some(true), "COMPLETE")] {
            let doc = td(essential, cond);
            let f = check_value(&CompletionOnEssential, doc.clone());
            assert_eq!(f.len(), 1, "{essential:?} {cond}");
            assert_eq!(f[0].pointer, "/containerDefinitions/0/dependsOn/0/condition");
            assert!(f[0].blocks_registration);
            assert!(f[0].message.contains("cannot be an essential container"));
            assert!(check_value(&CompletionOnEssential, apply_fix(&doc, &f[0])).is_empty());
        }
        assert!(check_value(&CompletionOnEssential, td(None, "SUCCESS"))[0].message.contains("omitted"));
    }

    #[test]
    fn only_essential_container_gets_advice() {
        let mut doc = td(None, "SUCCESS");
        doc["containerDefinitions"][0]["essential"] = false.into();
        let f = check_value(&CompletionOnEssential, doc);
        assert_eq!(f.len(), 1);
        assert!(!f[0].fix.as_ref().unwrap().is_applicable());
    }

    #[test]
    fn passes_non_essential_targets_other_conditions_and_the_seed() {
        assert!(check_value(&CompletionOnEssential, td(Some(false), "SUCCESS")).is_empty());
        assert!(check_value(&CompletionOnEssential, td(None, "START")).is_empty());
        assert!(check_value(&CompletionOnEssential, td(None, "HEALTHY")).is_empty());
        assert!(check(&CompletionOnEssential, SEED).is_empty());
    }
}
