use crate::finding::{Finding, Fix};
use crate::rules::kit::sidecars::is_agent as is_datadog_agent;
use crate::rules::kit::{add, anchor, cat, label, one, ptr};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct WritableRootFs;

pub static META: RuleMeta = RuleMeta {
    id: "HAR006",
    name: "writable-root-filesystem",
    severity: Severity::Medium,
    category: Category::Security,
    blocks_registration: false,
    summary: "A container's root filesystem is writable (`readonlyRootFilesystem` not true)",
    what: crate::rules::doc(
        "Flags every Linux container whose `readonlyRootFilesystem` is absent or false. Windows containers \
           are skipped (the parameter is not supported there).",
    ),
    why: crate::rules::doc(
        "A writable root filesystem lets an attacker who gets code execution drop tools, modify binaries or \
          persist changes for the life of the task. A read-only root filesystem, with explicit writable \
          volumes for the few paths that need it, removes that foothold.",
    ),
    example: crate::rules::doc(r#"{"containerDefinitions": [{"name": "app", "image": "app:1.2"}]}"#),
    fix: crate::rules::doc(
        "Set `\"readonlyRootFilesystem\": true` and give the paths the application writes (`/tmp`, caches, \
          sockets) their own volume: a task `volumes` entry with no host path plus a `mountPoints` entry \
          (works on Fargate).",
    ),
    references: &[
        Reference { tool: "Security Hub", id: "ECS.5" },
        Reference { tool: "Prowler", id: "ecs_task_definitions_containers_readonly_access" },
        Reference { tool: "Checkov", id: "CKV_AWS_336" },
    ],
};

impl Rule for WritableRootFs {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if td.is_windows() {
            return;
        }
        for c in &td.containers {
            let value = c.get("readonlyRootFilesystem");
            if value.and_then(|v| v.as_bool()) == Some(true) {
                continue;
            }
            let label = label(c);
            let (pointer, message) = match value {
                Some(_) => (
                    ptr(c, "/readonlyRootFilesystem"),
                    cat(&[
                        "container `",
                        &label,
                        "` has a writable root filesystem (`readonlyRootFilesystem` is not true)",
                    ]),
                ),
                None => (
                    anchor(c),
                    cat(&[
                        "container `",
                        &label,
                        "` has a writable root filesystem (`readonlyRootFilesystem` is not set)",
                    ]),
                ),
            };
            out.push(Finding::new(&META, pointer, message).in_container(c).with_fix_from(cx, || {
                if is_datadog_agent(c) {
                    Fix::advice(
                        "The Datadog agent writes to its root filesystem: before setting readonlyRootFilesystem, give \
                         it writable volumes for /etc/datadog-agent (copied there by an init container running the \
                         agent image), /tmp and /opt/datadog-agent/run, as Datadog's read-only setup describes.",
                    )
                } else {
                    Fix::patch(
                        cat(&["Make the root filesystem of `", &label, "` read-only"]),
                        one(add(ptr(c, "/readonlyRootFilesystem"), true)),
                    )
                    .with_notes(vec![
                        "Paths the application writes (/tmp, caches, PID files, sockets) need a volume: add a task \
                         `volumes` entry without a host path and a `mountPoints` entry for each."
                            .into(),
                    ])
                }
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kit::test_support::apply_fix;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn flags_absent_and_false() {
        let f = check_value(&WritableRootFs, base());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/name");
        assert!(check_value(&WritableRootFs, apply_fix(&base(), &f[0])).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["readonlyRootFilesystem"] = false.into();
        let f = check_value(&WritableRootFs, td.clone());
        assert_eq!(f[0].pointer, "/containerDefinitions/0/readonlyRootFilesystem");
        assert!(check_value(&WritableRootFs, apply_fix(&td, &f[0])).is_empty());
    }

    #[test]
    fn passes_read_only_and_windows() {
        let mut td = base();
        td["containerDefinitions"][0]["readonlyRootFilesystem"] = true.into();
        assert!(check_value(&WritableRootFs, td).is_empty());
        let mut td = base();
        td["runtimePlatform"] = json!({"operatingSystemFamily": "WINDOWS_SERVER_2019_FULL"});
        assert!(check_value(&WritableRootFs, td).is_empty());
    }

    #[test]
    fn the_seed_has_four_writable_root_filesystems() {
        let f = check(&WritableRootFs, SEED);
        assert_eq!(f.len(), 4);
        let agent = f.iter().find(|f| f.container.as_deref() == Some("datadog-agent")).unwrap();
        assert!(!agent.fix.as_ref().unwrap().is_applicable(), "the agent needs volumes first");
    }
}
