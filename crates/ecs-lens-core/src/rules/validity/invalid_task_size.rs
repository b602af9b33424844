use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::model::{parse_cpu_units, parse_memory_mib};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct InvalidTaskSize;

/// Task-level cpu range outside Fargate, in CPU units (0.125–192 vCPU).
pub const EC2_CPU_RANGE: (u32, u32) = (128, 196_608);

pub static META: RuleMeta = RuleMeta {
    id: "VAL043",
    name: "invalid-task-size",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "A task-level `cpu` or `memory` string ECS cannot read, or a cpu outside 128–196608 units (EC2, external)",
    what: crate::rules::doc("For task definitions that do not require Fargate: the task-level `cpu` must be CPU units (`\"1024\"`) or \
           vCPUs (`\"1 vCPU\"`) between 128 and 196608 units, and `memory` MiB (`\"2048\"`) or GB (`\"2 GB\"`) above \
           zero. (Fargate's fixed sizes are checked by the Fargate rules; a number instead of a string by VAL004.)"),
    why: crate::rules::doc("RegisterTaskDefinition rejects it: `Invalid 'cpu' setting for task.` — an empty string from an unset \
          template variable, `\"1vcpus\"`, or a value meant as container shares."),
    example: crate::rules::doc(r#"{"family": "worker", "requiresCompatibilities": ["EC2"], "cpu": "64", "memory": "lots", "containerDefinitions": [{"name": "app", "image": "nginx"}]}"#),
    fix: crate::rules::doc("Write cpu as units (`\"256\"`, `\"1024\"`) or vCPUs (`\"0.5 vCPU\"`), memory as MiB (`\"512\"`) or GB (`\"1 GB\"`); \
          or drop them and size the containers instead (EC2)."),
    references: &[Reference { tool: "AWS", id: "Troubleshoot invalid CPU or memory errors" }],
};

impl Rule for InvalidTaskSize {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if td.is_fargate() {
            return;
        }
        if let Some(cpu @ Value::String(_)) = td.get("cpu") {
            let units = parse_cpu_units(cpu);
            let (min, max) = EC2_CPU_RANGE;
            let problem = match units {
                None => Some("is not a number of CPU units or vCPUs".to_string()),
                Some(u) if u < min || u > max => {
                    Some(format!("is {u} CPU units; ECS accepts {min}–{max} outside Fargate"))
                }
                Some(_) => None,
            };
            if let Some(p) = problem {
                out.push(
                    Finding::new(
                        &META,
                        td.ptr("cpu"),
                        format!("task cpu {p} (ECS: \"Invalid 'cpu' setting for task.\")"),
                    )
                    .with_fix_from(cx, || {
                        Fix::advice("Use CPU units such as \"256\" or \"1024\", or vCPUs such as \"1 vCPU\"")
                    }),
                );
            }
        }
        if let Some(memory @ Value::String(_)) = td.get("memory") {
            if parse_memory_mib(memory).is_none_or(|m| m == 0) {
                out.push(
                    Finding::new(
                        &META,
                        td.ptr("memory"),
                        "task memory is not a number of MiB or GB (ECS: \"Invalid 'memory' setting for task.\")",
                    )
                    .with_fix_from(cx, || Fix::advice("Use MiB such as \"512\" or GB such as \"1 GB\"")),
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

    fn ec2(cpu: Value, memory: Value) -> Value {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["cpu"] = cpu;
        td["memory"] = memory;
        td
    }

    #[test]
    fn flags_unreadable_and_out_of_range_sizes() {
        let f = check_value(&InvalidTaskSize, ec2(json!("64"), json!("lots")));
        assert_eq!(f.len(), 2);
        assert!(f[0].message.contains("Invalid 'cpu' setting for task."));
        assert!(f[1].message.contains("Invalid 'memory' setting for task."));
        assert_eq!(check_value(&InvalidTaskSize, ec2(json!(""), json!("512"))).len(), 1);
        assert_eq!(check_value(&InvalidTaskSize, ec2(json!("300 vCPU"), json!("0"))).len(), 2);
    }

    #[test]
    fn valid_sizes_and_fargate_pass() {
        assert!(check(&InvalidTaskSize, SEED).is_empty());
        assert!(check_value(&InvalidTaskSize, ec2(json!("1 vCPU"), json!("2 GB"))).is_empty());
        assert!(check_value(&InvalidTaskSize, ec2(json!(1024), json!(2048))).is_empty());
        let mut td = base();
        td["cpu"] = json!("64");
        assert!(check_value(&InvalidTaskSize, td).is_empty());
    }
}
