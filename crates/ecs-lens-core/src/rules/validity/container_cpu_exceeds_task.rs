use crate::finding::{Finding, Fix};
use crate::rules::kit::int;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct ContainerCpuExceedsTask;

pub static META: RuleMeta = RuleMeta {
    id: "VAL027",
    name: "container-cpu-exceeds-task",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "The containers' `cpu` units add up to more than the task's `cpu`",
    what: crate::rules::doc(
        "Adds up the containers' `cpu` (CPU units, 1024 = 1 vCPU) and compares the sum with the task-level \
           `cpu` (\"256\", \"1 vCPU\" …).",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects it: `The sum of all container 'cpu' values cannot be greater than the \
          value of the task 'cpu'.` Sizing a sidecar's cpu from its documentation without resizing the task \
          is the usual way to get there.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "cpu": "256", "containerDefinitions": [{"name": "app", "image": "nginx", "cpu": 256}, {"name": "agent", "image": "datadog/agent", "cpu": 128}]}"#,
    ),
    fix: crate::rules::doc(
        "Lower the containers' `cpu` or raise the task's (on Fargate, to a valid cpu/memory combination). \
          Container `cpu` may also be omitted: the containers then share the task's CPU.",
    ),
    references: &[Reference { tool: "AWS", id: "RegisterTaskDefinition ClientException" }],
};

impl Rule for ContainerCpuExceedsTask {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let Some(task) = td.cpu_units().map(i64::from) else { return };
        let sum = td.containers.iter().filter_map(|c| int(c.get("cpu"))).fold(0i64, i64::saturating_add);
        if sum > task {
            out.push(
                Finding::new(
                    &META,
                    td.ptr("cpu"),
                    format!(
                        "the containers' cpu values add up to {sum} units, more than the task's {task} (ECS: \"The sum of \
                         all container 'cpu' values cannot be greater than the value of the task 'cpu'.\")"
                    ),
                )
                .with_fix_from(cx, || Fix::advice("Lower the containers' cpu or raise the task cpu")),
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
    fn flags_cpu_sum_over_task() {
        let mut td = base();
        td["containerDefinitions"][0]["cpu"] = json!(256);
        td["containerDefinitions"].as_array_mut().unwrap().push(json!({"name": "b", "image": "y", "cpu": 128}));
        let f = check_value(&ContainerCpuExceedsTask, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/cpu");
        assert!(f[0].message.contains("384 units"));
        td["cpu"] = json!("0.5 vCPU");
        assert!(check_value(&ContainerCpuExceedsTask, td).is_empty());
    }

    #[test]
    fn equal_sum_and_seed_pass() {
        assert!(check(&ContainerCpuExceedsTask, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["cpu"] = json!(256);
        assert!(check_value(&ContainerCpuExceedsTask, td).is_empty());
    }
}
