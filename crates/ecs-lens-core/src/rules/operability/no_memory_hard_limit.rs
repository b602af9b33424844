use crate::finding::{Finding, Fix};

use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct NoMemoryLimit;

pub static META: RuleMeta = RuleMeta {
    id: "OPS007",
    name: "no-memory-hard-limit",
    severity: Severity::Low,
    category: Category::Operability,
    blocks_registration: false,
    summary: "On EC2, a container has only a soft memory limit and nothing caps the task",
    what: crate::rules::doc(
        "For tasks not validated for Fargate, flags a container that sets `memoryReservation` but no \
           `memory` when the task has no `memory` either (on Windows, where task-level memory is ignored, \
           whatever the task sets).",
    ),
    why: crate::rules::doc(
        "`memoryReservation` is only what the scheduler reserves; without a hard limit (container `memory` or \
          task `memory`) a leaking container can take all the instance's memory, and the kernel's OOM killer \
          then picks a victim — possibly another service's task or the ECS agent.",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["EC2"], "containerDefinitions": [{"name": "app", "image": "app:1.2", "memoryReservation": 256}]}"#,
    ),
    fix: crate::rules::doc(
        "Set container `memory` (the most it may ever use, e.g. twice the reservation) or a task-level \
          `memory`.",
    ),
    references: &[Reference { tool: "AWS Config", id: "ecs-task-definition-memory-hard-limit" }],
};

impl Rule for NoMemoryLimit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if td.is_fargate() || (td.get("memory").is_some() && !td.is_windows()) {
            return;
        }
        for c in &td.containers {
            if c.get("memory").is_some() || c.get("memoryReservation").is_none() {
                continue; // no reservation either: the validity rules report the missing memory
            }
            let label = c.label();
            let why = if td.is_windows() && td.get("memory").is_some() {
                "and task-level memory does not apply to Windows containers on EC2"
            } else {
                "and the task sets no `memory`"
            };
            out.push(
                Finding::new(
                    &META,
                    c.ptr("memoryReservation"),
                    format!(
                        "container `{label}` has only a soft memory limit (`memoryReservation`) {why}: it can use all \
                         of the instance's memory"
                    ),
                )
                .in_container(c)
                .with_fix_from(cx, || {
                    Fix::advice(format!(
                        "Set `memory` on `{label}` to the most it should ever use (for example twice its reservation)."
                    ))
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::{json, Value};

    fn ec2(task_memory: bool) -> Value {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["networkMode"] = "bridge".into();
        if !task_memory {
            td.as_object_mut().unwrap().remove("memory");
        }
        td["containerDefinitions"][0]["memoryReservation"] = 256.into();
        td
    }

    #[test]
    fn flags_reservation_only_without_task_memory() {
        let f = check_value(&NoMemoryLimit, ec2(false));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/memoryReservation");
        let mut win = ec2(true);
        win["runtimePlatform"] = json!({"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"});
        assert!(check_value(&NoMemoryLimit, win)[0].message.contains("Windows"));
    }

    #[test]
    fn passes_hard_limits_task_memory_and_fargate() {
        assert!(check_value(&NoMemoryLimit, ec2(true)).is_empty());
        let mut td = ec2(false);
        td["containerDefinitions"][0]["memory"] = 512.into();
        assert!(check_value(&NoMemoryLimit, td).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["memoryReservation"] = 256.into();
        assert!(check_value(&NoMemoryLimit, td).is_empty());
        assert!(check(&NoMemoryLimit, SEED).is_empty());
    }
}
