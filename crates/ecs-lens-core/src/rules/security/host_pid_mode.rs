use crate::finding::{Finding, Fix};
use crate::rules::kit::{one, replace, with_fix_at};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct HostPidMode;

pub static META: RuleMeta = RuleMeta {
    id: "HAR003",
    name: "host-pid-mode",
    severity: Severity::High,
    category: Category::Security,
    blocks_registration: false,
    summary: "The task shares the host's process namespace (`pidMode: host`)",
    what: crate::rules::doc("Flags a task definition whose `pidMode` is `host`."),
    why: crate::rules::doc(
        "With the host PID namespace every container sees — and, as root or with `SYS_PTRACE`, can signal \
          or trace — every process on the instance, including other tasks and the ECS agent. Fargate only \
          accepts `pidMode: task`.",
    ),
    example: crate::rules::doc(r#"{"pidMode": "host", "containerDefinitions": [{"name": "app", "image": "app:1.2"}]}"#),
    fix: crate::rules::doc(
        "Use `\"pidMode\": \"task\"` when the containers of the task need to see each other's processes \
          (Datadog CWS does), or remove `pidMode`.",
    ),
    references: &[
        Reference { tool: "Security Hub", id: "ECS.3" },
        Reference { tool: "Prowler", id: "ecs_task_definitions_host_namespace_not_shared" },
        Reference { tool: "Checkov", id: "CKV_AWS_335" },
    ],
};

impl Rule for HostPidMode {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        // On Fargate FAR003 already reports `pidMode: host` as a registration error.
        if td.str("pidMode") != Some("host") || td.is_fargate() {
            return;
        }
        let f = Finding::new(
            &META,
            td.ptr("pidMode"),
            "the task shares the host's process namespace: its containers can see every process on the instance",
        );
        out.push(with_fix_at(f, cx, |ptr| {
            Fix::patch("Share the process namespace only within the task (`pidMode: task`)", one(replace(ptr, "task")))
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kit::test_support::apply_fix;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_host_pid_mode() {
        let mut td = base();
        td["pidMode"] = "host".into();
        assert!(check_value(&HostPidMode, td.clone()).is_empty(), "Fargate: FAR003 reports it");
        td["requiresCompatibilities"] = serde_json::json!(["EC2"]);
        let f = check_value(&HostPidMode, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/pidMode");
        assert_eq!(apply_fix(&td, &f[0])["pidMode"], "task");
    }

    #[test]
    fn passes_task_mode_and_the_seed() {
        let mut td = base();
        td["pidMode"] = "task".into();
        assert!(check_value(&HostPidMode, td).is_empty());
        assert!(check(&HostPidMode, SEED).is_empty());
    }
}
