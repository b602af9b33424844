use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::rules::kit::{is_set, remove, show};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct FargateUnsupportedTaskParameter;

pub static META: RuleMeta = RuleMeta {
    id: "FAR003",
    name: "fargate-unsupported-task-parameter",
    severity: Severity::High,
    category: Category::Fargate,
    blocks_registration: true,
    summary: "Task-level parameter or volume type that Fargate does not support",
    what: crate::rules::doc(
        "When `requiresCompatibilities` contains `FARGATE`, flags each of these task-level settings:\n\n\
           - `placementConstraints` (non-empty)\n- `ipcMode` (any value)\n- `pidMode` other than `task`\n\
           - `inferenceAccelerators` (non-empty)\n- a `host` volume with a `sourcePath`\n\
           - a `dockerVolumeConfiguration` volume\n\n\
           An empty list, `null` or a `host: {}` volume without `sourcePath` is fine: that is a bind mount on \
           the task's ephemeral storage, which Fargate supports.",
    ),
    why: crate::rules::doc(
        "Fargate runs each task on its own managed host, so host-level placement, namespaces, paths and \
          Docker volume drivers do not exist there. ECS rejects the registration, one parameter at a time, \
          with errors such as `Tasks using the Fargate launch type do not support ipcMode.` or \
          `Fargate compatible task definitions do not support sourcePath`.",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512",
  "ipcMode": "host",
  "volumes": [{"name": "data", "host": {"sourcePath": "/var/data"}}],
  "containerDefinitions": [{"name": "app", "image": "nginx"}]}"#,
    ),
    fix: crate::rules::doc(
        "Remove the parameter. For volumes, keep the volume but drop `sourcePath` / \
          `dockerVolumeConfiguration`: a name-only (or `host: {}`) volume is shared scratch space on the task's \
          ephemeral storage; for data that must outlive the task use an `efsVolumeConfiguration`. \
          For `pidMode: host`, use `task` if containers need to see each other's processes.",
    ),
    references: &[Reference { tool: "cfn-lint", id: "E3048" }],
};

impl Rule for FargateUnsupportedTaskParameter {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.is_fargate() {
            return;
        }
        let mut report = |pointer: String, msg: String, fix: &str| {
            let patch = remove(&pointer);
            out.push(Finding::new(&META, pointer, msg).with_fix_from(cx, || Fix::patch(fix, patch).safe()));
        };
        if td.get("placementConstraints").is_some_and(is_set) {
            report(
                td.ptr("placementConstraints"),
                "placementConstraints is set: Fargate compatible task definitions do not support \
                 placementConstraints (Fargate decides where tasks run)"
                    .into(),
                "Remove placementConstraints",
            );
        }
        if let Some(v) = td.get("ipcMode").filter(|v| is_set(v)) {
            report(
                td.ptr("ipcMode"),
                format!("ipcMode is {}: Tasks using the Fargate launch type do not support ipcMode.", show(v)),
                "Remove ipcMode",
            );
        }
        if let Some(v) = td.get("pidMode").filter(|v| is_set(v) && v.as_str() != Some("task")) {
            report(
                td.ptr("pidMode"),
                format!(
                    "pidMode is {}: tasks using the Fargate launch type do not support it; the supported value \
                     for pidMode is 'task'",
                    show(v)
                ),
                "Remove pidMode (or set it to \"task\" if the containers must see each other's processes)",
            );
        }
        if td.get("inferenceAccelerators").is_some_and(is_set) {
            report(
                td.ptr("inferenceAccelerators"),
                "inferenceAccelerators is set: Elastic Inference accelerators are not available on Fargate".into(),
                "Remove inferenceAccelerators (and the containers' InferenceAccelerator resourceRequirements)",
            );
        }
        for (i, vol) in td.volumes() {
            let label = match vol.get("name").and_then(Value::as_str) {
                Some(n) => format!("volume '{n}'"),
                None => format!("volumes[{i}]"),
            };
            if vol.get("host").and_then(|h| h.get("sourcePath")).is_some_and(is_set) {
                report(
                    format!("{}/{i}/host/sourcePath", td.ptr("volumes")),
                    format!(
                        "{label} mounts a host path: Fargate compatible task definitions do not support sourcePath"
                    ),
                    "Remove sourcePath: the volume becomes a bind mount on the task's ephemeral storage, shared by \
                     its containers",
                );
            }
            if vol.get("dockerVolumeConfiguration").is_some_and(is_set) {
                report(
                    format!("{}/{i}/dockerVolumeConfiguration", td.ptr("volumes")),
                    format!(
                        "{label} uses dockerVolumeConfiguration: Fargate compatible task definitions do not support \
                         Docker volumes"
                    ),
                    "Remove dockerVolumeConfiguration: the volume becomes a bind mount on the task's ephemeral \
                     storage (use efsVolumeConfiguration for data that must persist)",
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
    fn seed_and_base_pass() {
        assert!(check(&FargateUnsupportedTaskParameter, SEED).is_empty());
        let mut td = base();
        td["placementConstraints"] = json!([]);
        td["pidMode"] = json!("task");
        td["ipcMode"] = Value::Null;
        td["inferenceAccelerators"] = json!([]);
        td["volumes"] = json!([{"name": "a", "host": {}}, {"name": "b"}, {"name": "c", "host": {"sourcePath": null}}]);
        assert!(check_value(&FargateUnsupportedTaskParameter, td).is_empty());
    }

    #[test]
    fn flags_each_parameter() {
        let mut td = base();
        td["placementConstraints"] = json!([{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t2.*"}]);
        td["ipcMode"] = json!("host");
        td["pidMode"] = json!("host");
        td["inferenceAccelerators"] = json!([{"deviceName": "d", "deviceType": "eia2.medium"}]);
        td["volumes"] = json!([
            {"name": "data", "host": {"sourcePath": "/var/data"}},
            {"name": "dock", "dockerVolumeConfiguration": {"scope": "task"}}
        ]);
        let f = check_value(&FargateUnsupportedTaskParameter, json!({"taskDefinition": td}));
        let pointers: Vec<&str> = f.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/taskDefinition/placementConstraints",
                "/taskDefinition/ipcMode",
                "/taskDefinition/pidMode",
                "/taskDefinition/inferenceAccelerators",
                "/taskDefinition/volumes/0/host/sourcePath",
                "/taskDefinition/volumes/1/dockerVolumeConfiguration",
            ]
        );
        assert!(f.iter().all(|f| f.blocks_registration));
        assert!(f[1].message.contains("Tasks using the Fargate launch type do not support ipcMode."));
        assert!(f[4].message.contains("Fargate compatible task definitions do not support sourcePath"));
        assert_eq!(
            f[4].fix.as_ref().unwrap().patch,
            json!([{"op": "remove", "path": "/taskDefinition/volumes/0/host/sourcePath"}])
        );
    }

    #[test]
    fn not_fargate_and_wrong_types() {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["ipcMode"] = json!("host");
        assert!(check_value(&FargateUnsupportedTaskParameter, td).is_empty());
        let mut td = base();
        td["volumes"] = json!([1, "x", null, {"host": "str"}, {"host": [1]}, {"dockerVolumeConfiguration": null}]);
        td["pidMode"] = json!(7);
        let f = check_value(&FargateUnsupportedTaskParameter, td);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/pidMode");
    }
}
