use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::rules::kit::named;
use crate::rules::kit::{is_set, remove};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct FargateUnsupportedLinuxParameter;

pub static META: RuleMeta = RuleMeta {
    id: "FAR012",
    name: "fargate-unsupported-linux-parameter",
    severity: Severity::High,
    category: Category::Fargate,
    blocks_registration: true,
    summary: "`linuxParameters` setting that Fargate does not support",
    what: crate::rules::doc(
        "When `requiresCompatibilities` contains `FARGATE`, flags `linuxParameters.devices`, \
           `sharedMemorySize`, `tmpfs`, `maxSwap` and `swappiness` on any container. \
           (`initProcessEnabled` is fine; `capabilities` is checked by FAR005; on Windows FAR008 flags \
           `linuxParameters` as a whole.)",
    ),
    why: crate::rules::doc(
        "Fargate hosts expose no host devices, no swap and no configurable `/dev/shm` or tmpfs mounts. \
          ECS rejects the registration, e.g. `Fargate compatible task definitions do not support \
          sharedMemorySize`.",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512",
  "containerDefinitions": [{"name": "app", "image": "nginx",
    "linuxParameters": {"sharedMemorySize": 256, "tmpfs": [{"containerPath": "/tmp", "size": 64}]}}]}"#,
    ),
    fix: crate::rules::doc(
        "Remove the setting. For scratch space, mount a name-only volume (a bind mount on the task's \
          ephemeral storage) instead of `tmpfs`; size memory through the task's `memory` instead of swap.",
    ),
    references: &[],
};

const FIELDS: &[(&str, &str)] = &[
    ("devices", "host devices are not available on Fargate"),
    ("sharedMemorySize", "Fargate compatible task definitions do not support sharedMemorySize"),
    ("tmpfs", "tmpfs mounts are not supported on Fargate"),
    ("maxSwap", "Fargate tasks have no swap"),
    ("swappiness", "Fargate tasks have no swap"),
];

impl Rule for FargateUnsupportedLinuxParameter {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.is_fargate() || td.is_windows() {
            return;
        }
        for c in &td.containers {
            let Some(lp) = c.get("linuxParameters").and_then(Value::as_object) else { continue };
            for (field, why) in FIELDS {
                if lp.get(*field).is_some_and(is_set) {
                    let pointer = format!("{}/{field}", c.ptr("linuxParameters"));
                    let msg = format!("{} sets linuxParameters.{field}: {why}", named(c));
                    out.push(Finding::new(&META, pointer.clone(), msg).in_container(c).with_fix_from(cx, || {
                        Fix::patch(format!("Remove linuxParameters.{field} from {}", named(c)), remove(&pointer)).safe()
                    }));
                }
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
    fn seed_and_allowed_settings_pass() {
        assert!(check(&FargateUnsupportedLinuxParameter, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["linuxParameters"] =
            json!({"initProcessEnabled": true, "capabilities": {"add": ["SYS_PTRACE"]}, "devices": [], "tmpfs": null});
        assert!(check_value(&FargateUnsupportedLinuxParameter, td).is_empty());
    }

    #[test]
    fn flags_each_setting() {
        let mut td = base();
        td["containerDefinitions"][0]["linuxParameters"] = json!({
            "devices": [{"hostPath": "/dev/fuse"}], "sharedMemorySize": 256,
            "tmpfs": [{"containerPath": "/tmp", "size": 64}], "maxSwap": 0, "swappiness": 10
        });
        let f = check_value(&FargateUnsupportedLinuxParameter, json!({"taskDefinition": td}));
        assert_eq!(f.len(), 5);
        assert_eq!(f[1].pointer, "/taskDefinition/containerDefinitions/0/linuxParameters/sharedMemorySize");
        assert!(f[1].message.contains("Fargate compatible task definitions do not support sharedMemorySize"));
        assert_eq!(
            f[1].fix.as_ref().unwrap().patch,
            json!([{"op": "remove", "path": "/taskDefinition/containerDefinitions/0/linuxParameters/sharedMemorySize"}])
        );
        assert!(f.iter().all(|f| f.blocks_registration && f.container.as_deref() == Some("app")));
    }

    #[test]
    fn ec2_and_wrong_types() {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["containerDefinitions"][0]["linuxParameters"] = json!({"sharedMemorySize": 256});
        assert!(check_value(&FargateUnsupportedLinuxParameter, td).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["linuxParameters"] = json!(["sharedMemorySize"]);
        assert!(check_value(&FargateUnsupportedLinuxParameter, td).is_empty());
    }
}
