use crate::finding::{Finding, Fix};
use crate::rules::kit::int;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct ContainerMemoryRequired;

pub static META: RuleMeta = RuleMeta {
    id: "VAL028",
    name: "container-memory-required",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "No task-level `memory` and a container without `memory` or `memoryReservation`",
    what: crate::rules::doc(
        "When the task definition has no task-level `memory` (allowed on EC2), checks that every container \
           sets a non-zero `memory` or `memoryReservation`.",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects it: `Invalid setting for container 'app'. At least one of 'memory' or \
          'memoryReservation' must be specified.` Without either, ECS could not place the task on an instance.",
    ),
    example: crate::rules::doc(
        r#"{"family": "worker", "requiresCompatibilities": ["EC2"], "containerDefinitions": [{"name": "app", "image": "nginx"}]}"#,
    ),
    fix: crate::rules::doc(
        "Give the container a `memoryReservation` (what it needs; it may burst above) or a `memory` hard \
          limit — or set the task-level `memory`.",
    ),
    references: &[Reference { tool: "AWS", id: "RegisterTaskDefinition ClientException" }],
};

impl Rule for ContainerMemoryRequired {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if td.get("memory").is_some() {
            return;
        }
        for c in &td.containers {
            let set = |f: &str| {
                int(c.get(f)).is_some_and(|v| v > 0) || c.get(f).is_some_and(|v| !v.is_number() && !v.is_null())
            };
            if set("memory") || set("memoryReservation") {
                continue;
            }
            out.push(
                Finding::new(
                    &META,
                    c.pointer.clone(),
                    format!(
                        "container `{}` has neither memory nor memoryReservation and the task sets no memory (ECS: \
                         \"Invalid setting for container '{}'. At least one of 'memory' or 'memoryReservation' must be \
                         specified.\")",
                        c.label(),
                        c.label()
                    ),
                )
                .in_container(c)
                .with_fix_from(cx, || {
                    Fix::advice("Add `memoryReservation` (MiB) to the container, or a task-level `memory`")
                }),
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
    fn flags_containers_without_any_memory() {
        let mut td = base();
        td.as_object_mut().unwrap().remove("memory");
        td["containerDefinitions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "b", "image": "y", "memoryReservation": 128}));
        td["containerDefinitions"].as_array_mut().unwrap().push(json!({"name": "c", "image": "z", "memory": 0}));
        let f = check_value(&ContainerMemoryRequired, td);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].pointer, "/containerDefinitions/0");
        assert!(f[0].message.contains("At least one of 'memory' or 'memoryReservation' must be specified."));
        assert_eq!(f[1].container.as_deref(), Some("c"));
    }

    #[test]
    fn task_memory_or_container_values_pass() {
        assert!(check(&ContainerMemoryRequired, SEED).is_empty());
        assert!(check_value(&ContainerMemoryRequired, base()).is_empty());
        let mut td = base();
        td.as_object_mut().unwrap().remove("memory");
        td["containerDefinitions"][0]["memory"] = json!(256);
        assert!(check_value(&ContainerMemoryRequired, td).is_empty());
    }
}
