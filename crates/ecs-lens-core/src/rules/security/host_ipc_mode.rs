use crate::finding::{Finding, Fix};
use crate::rules::kit::{one, replace, with_fix_at};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct HostIpcMode;

pub static META: RuleMeta = RuleMeta {
    id: "HAR004",
    name: "host-ipc-mode",
    severity: Severity::High,
    category: Category::Security,
    blocks_registration: false,
    summary: "The task shares the host's IPC namespace (`ipcMode: host`)",
    what: crate::rules::doc("Flags a task definition whose `ipcMode` is `host`."),
    why: crate::rules::doc(
        "With the host IPC namespace the containers share System V IPC objects and POSIX message queues \
          and shared memory with the instance and every other host-IPC task: they can read or corrupt \
          another process's shared memory. Fargate does not support `ipcMode` at all.",
    ),
    example: crate::rules::doc(
        r#"{"ipcMode": "host", "requiresCompatibilities": ["EC2"], "containerDefinitions": [{"name": "app", "image": "app:1.2"}]}"#,
    ),
    fix: crate::rules::doc(
        "Use `\"ipcMode\": \"task\"` when containers of the task must share memory with each other, or \
          remove `ipcMode` (on Fargate it must be removed).",
    ),
    references: &[],
};

impl Rule for HostIpcMode {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        // On Fargate FAR003 already reports `ipcMode` as a registration error.
        if td.str("ipcMode") != Some("host") || td.is_fargate() {
            return;
        }
        let f = Finding::new(
            &META,
            td.ptr("ipcMode"),
            "the task shares the host's IPC namespace: its containers can reach the instance's shared memory",
        );
        out.push(with_fix_at(f, cx, |ptr| {
            Fix::patch("Share IPC only within the task (`ipcMode: task`)", one(replace(ptr, "task")))
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kit::test_support::apply_fix;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn flags_host_ipc_mode_on_ec2_and_leaves_fargate_to_far003() {
        let mut td = base();
        td["ipcMode"] = "host".into();
        assert!(check_value(&HostIpcMode, td.clone()).is_empty(), "Fargate: FAR003 reports it");
        td["requiresCompatibilities"] = json!(["EC2"]);
        let f = check_value(&HostIpcMode, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(apply_fix(&td, &f[0])["ipcMode"], "task");
    }

    #[test]
    fn passes_other_modes_and_the_seed() {
        let mut td = base();
        td["ipcMode"] = "none".into();
        assert!(check_value(&HostIpcMode, td).is_empty());
        assert!(check(&HostIpcMode, SEED).is_empty());
    }
}
