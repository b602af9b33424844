use crate::finding::{Finding, Fix};
use crate::rules::kit::int;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct ContainerMemoryExceedsTask;

pub static META: RuleMeta = RuleMeta {
    id: "VAL024",
    name: "container-memory-exceeds-task",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "A container's `memory` hard limit is larger than the task's `memory`",
    what: crate::rules::doc(
        "Compares each container's `memory` (MiB) with the task-level `memory` (\"512\", \"1 GB\" …).",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects it: `The 'memory' setting for container 'app' is greater than for \
          the task.` A container can never use more than the task it runs in.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "memory": "512", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 1024}]}"#,
    ),
    fix: crate::rules::doc(
        "Lower the container's `memory` to at most the task's, or raise the task `memory` (on Fargate, to a \
          valid cpu/memory combination).",
    ),
    references: &[Reference { tool: "AWS", id: "RegisterTaskDefinition ClientException" }],
};

impl Rule for ContainerMemoryExceedsTask {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let Some(task) = td.memory_mib() else { return };
        for c in &td.containers {
            let Some(mem) = int(c.get("memory")) else { continue };
            if mem > i64::from(task) {
                out.push(
                    Finding::new(
                        &META,
                        c.ptr("memory"),
                        format!(
                            "container `{}` has memory {mem} MiB but the task has {task} MiB (ECS: \"The 'memory' setting \
                             for container '{}' is greater than for the task.\")",
                            c.label(),
                            c.label()
                        ),
                    )
                    .in_container(c)
                    .with_fix_from(cx, || Fix::advice(format!("Lower the container's memory to at most {task} MiB, or raise the task's"))),
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
    fn flags_container_above_task() {
        let mut td = base();
        td["containerDefinitions"][0]["memory"] = json!(1024);
        let f = check_value(&ContainerMemoryExceedsTask, td.clone());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("The 'memory' setting for container 'app' is greater than for the task."));
        td["memory"] = json!("1 GB");
        assert!(check_value(&ContainerMemoryExceedsTask, td).is_empty());
    }

    #[test]
    fn equal_absent_and_seed_pass() {
        assert!(check(&ContainerMemoryExceedsTask, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["memory"] = json!(512);
        assert!(check_value(&ContainerMemoryExceedsTask, td.clone()).is_empty());
        td.as_object_mut().unwrap().remove("memory");
        td["containerDefinitions"][0]["memory"] = json!(4096);
        assert!(check_value(&ContainerMemoryExceedsTask, td).is_empty());
    }
}
