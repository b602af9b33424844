//! Small helpers shared by the security, operability and dependency rules: where to
//! point when a field is missing, and JSON Patch builders that never guess wrong types.

use serde_json::{json, Map, Value};

use crate::core::document::escape_token;
use crate::core::model::Container;

/// Where to point for a finding about a field the container lacks: its `name` member
/// (a one-line anchor in an editor) when it has one, else the container object.
pub(crate) fn anchor(c: &Container<'_>) -> String {
    if c.obj.get("name").is_some() {
        c.ptr("name")
    } else {
        c.pointer.clone()
    }
}

/// A JSON Patch operation that sets `obj[path[0]][path[1]]… = value`, where `base` is the
/// document pointer of `obj`. Missing intermediate objects are created by one `add` at the
/// first missing level; an existing leaf is replaced (`add` replaces object members).
/// `None` when an intermediate value exists but is not an object (no safe patch then).
pub(crate) fn set_nested(base: &str, obj: &Map<String, Value>, path: &[&str], value: Value) -> Option<Value> {
    let mut ptr = base.to_string();
    let mut cur = obj;
    for (i, key) in path.iter().enumerate() {
        ptr.push('/');
        ptr.push_str(&escape_token(key));
        if i + 1 == path.len() {
            return Some(json!({"op": "add", "path": ptr, "value": value}));
        }
        match cur.get(*key) {
            None => {
                let mut v = value;
                for k in path[i + 1..].iter().rev() {
                    let mut m = Map::new();
                    m.insert((*k).to_string(), v);
                    v = Value::Object(m);
                }
                return Some(json!({"op": "add", "path": ptr, "value": v}));
            }
            Some(Value::Object(m)) => cur = m,
            Some(_) => return None,
        }
    }
    None
}

/// A patch removing the array element (or object member) at `ptr`, guarded by a `test`
/// of its current value so that it fails cleanly instead of removing a shifted neighbour
/// when several removals are applied one after another.
pub(crate) fn remove_checked(ptr: &str, current: &Value) -> Value {
    json!([
        {"op": "test", "path": ptr, "value": current},
        {"op": "remove", "path": ptr},
    ])
}

/// The element `index` of the array field `field` of a container (for `test` ops).
pub(crate) fn item<'a>(c: &Container<'a>, field: &str, index: usize) -> Option<&'a Value> {
    c.obj.get(field)?.as_array()?.get(index)
}

/// The Datadog agent container, by image repository (`datadog/agent`, mirrors included) or by a
/// name containing `datadog-agent`. Only called while deciding to report (it allocates).
pub(crate) fn is_datadog_agent(c: &Container<'_>) -> bool {
    let by_image = c.image().is_some_and(|i| {
        let r = crate::core::model::image_repository(i);
        r == "datadog/agent" || r.ends_with("/datadog/agent") || r == "datadoghq/agent"
    });
    by_image || c.name.is_some_and(|n| n.to_ascii_lowercase().contains("datadog-agent"))
}

/// Last path segment of an executable (`/bin/sh` → `sh`).
pub(crate) fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

#[cfg(test)]
pub(crate) mod test_support {
    use serde_json::Value;

    use crate::core::finding::Finding;

    /// Apply a finding's fix patch to a JSON value (panics if the patch does not apply).
    pub(crate) fn apply_fix(doc: &Value, finding: &Finding) -> Value {
        let fix = finding.fix.as_ref().expect("finding has a fix");
        assert!(fix.is_applicable(), "fix of {} has a patch: {:?}", finding.rule, fix);
        let ops: Vec<json_patch::PatchOperation> =
            serde_json::from_value(fix.patch.clone()).expect("patch is RFC 6902 JSON");
        let mut out = doc.clone();
        json_patch::patch(&mut out, &ops).expect("patch applies");
        out
    }

    /// Documents with wrong JSON types everywhere: no rule may panic on them.
    pub(crate) fn hostile_documents() -> Vec<Value> {
        use serde_json::json;
        let weird_container = json!({
            "name": 5, "image": 7, "user": 0, "privileged": "yes", "readonlyRootFilesystem": null,
            "dependsOn": "x", "links": {"a": 1}, "volumesFrom": [1, {"sourceContainer": 2}],
            "linuxParameters": [], "logConfiguration": "awslogs", "healthCheck": [],
            "portMappings": {}, "entryPoint": "sh -c", "command": [1, null], "dockerSecurityOptions": "x",
            "interactive": "true", "pseudoTerminal": 1, "essential": "false", "memory": "512"
        });
        let half_container = json!({
            "name": "a", "image": "", "user": "", "dependsOn": [{"containerName": 1}, null, {"containerName": "a"}],
            "links": [3, "a", ":x", ""], "volumesFrom": [{"sourceContainer": "a"}],
            "linuxParameters": {"capabilities": {"add": [1, null, "CAP_"], "drop": "ALL"}, "initProcessEnabled": "1"},
            "logConfiguration": {"logDriver": 5, "options": []}, "entryPoint": [], "command": ["sh"],
            "dockerSecurityOptions": [null, 1], "healthCheck": null
        });
        vec![
            json!(null),
            json!([]),
            json!(42),
            json!("text"),
            json!({}),
            json!({"containerDefinitions": null}),
            json!({"containerDefinitions": {"a": 1}}),
            json!({"containerDefinitions": [1, null, "x", [], weird_container.clone(), half_container.clone()]}),
            json!({
                "family": 3, "networkMode": ["host"], "pidMode": 1, "ipcMode": {}, "taskRoleArn": 1,
                "executionRoleArn": null, "requiresCompatibilities": "FARGATE", "memory": {}, "cpu": [],
                "runtimePlatform": "LINUX", "tags": "x",
                "volumes": [1, {"efsVolumeConfiguration": 3}, {"efsVolumeConfiguration": {"transitEncryption": 1}}],
                "containerDefinitions": [weird_container.clone(), half_container.clone()]
            }),
            json!({"taskDefinition": {"containerDefinitions": [weird_container, half_container], "tags": [1]},
                   "tags": [null, {"key": 1}]}),
        ]
    }
}
