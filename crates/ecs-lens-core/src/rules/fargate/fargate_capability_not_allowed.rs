use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::rules::kit::show;
use crate::rules::kit::{named, remove_checked};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct FargateCapabilityAdd;

pub static META: RuleMeta = RuleMeta {
    id: "FAR005",
    name: "fargate-capability-not-allowed",
    severity: Severity::High,
    category: Category::Fargate,
    blocks_registration: true,
    summary: "`linuxParameters.capabilities.add` other than `SYS_PTRACE` on Fargate",
    what: crate::rules::doc(
        "When `requiresCompatibilities` contains `FARGATE`, flags every entry of a container's \
           `linuxParameters.capabilities.add` that is not `SYS_PTRACE` (`CAP_SYS_PTRACE` is accepted as the \
           same name). `capabilities.drop` is not restricted. Windows tasks are left to FAR008, which flags \
           `linuxParameters` as a whole.",
    ),
    why: crate::rules::doc(
        "`SYS_PTRACE` is the only Linux capability a Fargate task may add (it needs platform version 1.4.0); \
          ECS rejects any other, such as `NET_ADMIN` or `SYS_ADMIN`. Fargate already grants Docker's default \
          set (`CHOWN`, `NET_BIND_SERVICE`, `SETUID` …), so many `add` entries are unnecessary anyway.",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512",
  "containerDefinitions": [{"name": "app", "image": "nginx",
    "linuxParameters": {"capabilities": {"add": ["SYS_PTRACE", "NET_ADMIN"]}}}]}"#,
    ),
    fix: crate::rules::doc(
        "Remove the entry. If the workload truly needs it (e.g. `NET_ADMIN` for a VPN or iptables sidecar), \
          it cannot run on Fargate; use EC2 or ECS Managed Instances.",
    ),
    references: &[],
};

impl Rule for FargateCapabilityAdd {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.is_fargate() || td.is_windows() {
            return;
        }
        for c in &td.containers {
            let add = c
                .get("linuxParameters")
                .and_then(|lp| lp.get("capabilities"))
                .and_then(|caps| caps.get("add"))
                .and_then(Value::as_array);
            let Some(add) = add else { continue };
            for (i, cap) in add.iter().enumerate() {
                let name = cap.as_str().map(|s| s.strip_prefix("CAP_").unwrap_or(s));
                if name == Some("SYS_PTRACE") {
                    continue;
                }
                let pointer = format!("{}/capabilities/add/{i}", c.ptr("linuxParameters"));
                let msg = format!("{} adds capability {}: Fargate only allows adding SYS_PTRACE", named(c), show(cap));
                out.push(Finding::new(&META, pointer.clone(), msg).in_container(c).with_fix_from(cx, || {
                    Fix::patch(format!("Remove {} from the added capabilities", show(cap)), {
                        remove_checked(&pointer, cap)
                    })
                    .safe()
                }));
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
    fn sys_ptrace_passes() {
        assert!(check(&FargateCapabilityAdd, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["linuxParameters"] =
            json!({"capabilities": {"add": ["SYS_PTRACE", "CAP_SYS_PTRACE"], "drop": ["ALL", "NET_RAW"]}});
        assert!(check_value(&FargateCapabilityAdd, td).is_empty());
    }

    #[test]
    fn others_are_flagged() {
        let mut td = base();
        td["containerDefinitions"][0]["linuxParameters"] =
            json!({"capabilities": {"add": ["NET_ADMIN", "SYS_PTRACE", "ALL", 5]}});
        let f = check_value(&FargateCapabilityAdd, json!({"taskDefinition": td}));
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].pointer, "/taskDefinition/containerDefinitions/0/linuxParameters/capabilities/add/0");
        assert!(f[0].message.contains("\"NET_ADMIN\""));
        assert_eq!(f[1].pointer, "/taskDefinition/containerDefinitions/0/linuxParameters/capabilities/add/2");
        assert_eq!(
            f[0].fix.as_ref().unwrap().patch,
            json!([
                {"op": "test", "path": "/taskDefinition/containerDefinitions/0/linuxParameters/capabilities/add/0",
                 "value": "NET_ADMIN"},
                {"op": "remove", "path": "/taskDefinition/containerDefinitions/0/linuxParameters/capabilities/add/0"}
            ])
        );
    }

    #[test]
    fn ec2_and_wrong_types() {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["containerDefinitions"][0]["linuxParameters"] = json!({"capabilities": {"add": ["NET_ADMIN"]}});
        assert!(check_value(&FargateCapabilityAdd, td).is_empty());
        for lp in [json!({"capabilities": {"add": "NET_ADMIN"}}), json!({"capabilities": []}), json!("x")] {
            let mut td = base();
            td["containerDefinitions"][0]["linuxParameters"] = lp;
            assert!(check_value(&FargateCapabilityAdd, td).is_empty());
        }
    }
}
