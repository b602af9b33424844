use super::graph::{closest_name, Names};
use crate::finding::{Finding, Fix};
use crate::rules::kit::{item, one, remove_checked, replace, with_fix_at};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct UnknownDependency;

pub static META: RuleMeta = RuleMeta {
    id: "DEP001",
    name: "depends-on-unknown-container",
    severity: Severity::High,
    category: Category::Dependencies,
    blocks_registration: true,
    summary: "A `dependsOn` entry names a container that does not exist, or the container itself",
    what: crate::rules::doc(
        "Checks that every `dependsOn[].containerName` names another container of the same task \
           definition. A container that depends on itself is reported too.",
    ),
    why: crate::rules::doc(
        "ECS rejects an unknown name at registration with `Cannot depend on container + 'NAME' because it \
          does not exist` (sic). A container that depends on itself passes registration but can never \
          start: the ECS agent waits for a condition that only the container itself could meet, so the \
          task hangs in `PENDING` until it times out.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [
  {"name": "app", "image": "app:1.2", "dependsOn": [{"containerName": "datadog-agnet", "condition": "HEALTHY"}]},
  {"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7", "healthCheck": {"command": ["CMD-SHELL", "agent health"]}}
]}"#,
    ),
    fix: crate::rules::doc(
        "Correct the container name (names are case-sensitive), add the missing container, or remove the \
          entry. A self-dependency is always a mistake: remove it.",
    ),
    references: &[],
};

impl Rule for UnknownDependency {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.containers.iter().any(|c| c.get("dependsOn").is_some()) {
            return;
        }
        let names = Names::new(td);
        for c in &td.containers {
            for d in c.depends_on() {
                let target = d.container_name;
                let self_dependency = c.name == Some(target);
                if !self_dependency && names.find(td, target).is_some() {
                    continue;
                }
                let entry = format!("{}/dependsOn/{}", c.pointer, d.index);
                if self_dependency {
                    let mut f = Finding::new(
                        &META,
                        format!("{entry}/containerName"),
                        format!("container `{target}` depends on itself ({}), so it can never start", d.condition),
                    )
                    .in_container(c);
                    f.blocks_registration = false;
                    if let Some(current) = item(c, "dependsOn", d.index) {
                        f = f.with_fix_from(cx, || {
                            Fix::patch(
                                format!("Remove the self-dependency from `{target}`"),
                                remove_checked(&entry, current),
                            )
                            .safe()
                        });
                    }
                    out.push(f);
                    continue;
                }
                let label = c.label();
                let f = Finding::new(
                    &META,
                    format!("{entry}/containerName"),
                    format!(
                        "container `{label}` depends on `{target}`, which is not a container in this task definition; \
                         ECS rejects it: \"Cannot depend on container + '{target}' because it does not exist\""
                    ),
                )
                .in_container(c);
                out.push(with_fix_at(f, cx, |ptr| match closest_name(td, target, c.name) {
                    Some(name) => {
                        Fix::patch(format!("Depend on `{name}` instead of `{target}`"), one(replace(ptr, name))).safe()
                    }
                    None => Fix::advice(format!(
                        "Add a container named `{target}`, correct the name, or remove this `dependsOn` entry."
                    )),
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

    fn two_containers(dep: &str) -> Value {
        let mut td = base();
        td["containerDefinitions"] = json!([
            {"name": "app", "image": "app:1", "dependsOn": [{"containerName": dep, "condition": "START"}]},
            {"name": "datadog-agent", "image": "agent:7", "essential": false}
        ]);
        td
    }

    #[test]
    fn flags_unknown_target_with_aws_error_and_suggestion() {
        let td = two_containers("datadog-agnet");
        let f = check_value(&UnknownDependency, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/dependsOn/0/containerName");
        assert!(f[0].blocks_registration);
        assert!(f[0].message.contains("Cannot depend on container + 'datadog-agnet' because it does not exist"));
        assert_eq!(f[0].container.as_deref(), Some("app"));
        let fixed = apply_fix(&td, &f[0]);
        assert!(check_value(&UnknownDependency, fixed).is_empty());
    }

    #[test]
    fn unknown_target_without_close_name_gets_advice() {
        let f = check_value(&UnknownDependency, two_containers("xray"));
        assert_eq!(f.len(), 1);
        assert!(!f[0].fix.as_ref().unwrap().is_applicable());
    }

    #[test]
    fn flags_self_dependency_as_not_blocking() {
        let td = two_containers("app");
        let f = check_value(&UnknownDependency, td.clone());
        assert_eq!(f.len(), 1);
        assert!(!f[0].blocks_registration);
        assert!(f[0].message.contains("itself"));
        assert!(check_value(&UnknownDependency, apply_fix(&td, &f[0])).is_empty());
    }

    #[test]
    fn known_targets_and_the_seed_pass() {
        assert!(check_value(&UnknownDependency, two_containers("datadog-agent")).is_empty());
        assert!(check_value(&UnknownDependency, base()).is_empty());
        assert!(check(&UnknownDependency, SEED).is_empty());
    }

    #[test]
    fn describe_wrapped_pointers() {
        let wrapped = json!({"taskDefinition": two_containers("nope"), "tags": []});
        let f = check_value(&UnknownDependency, wrapped);
        assert_eq!(f[0].pointer, "/taskDefinition/containerDefinitions/0/dependsOn/0/containerName");
    }
}
