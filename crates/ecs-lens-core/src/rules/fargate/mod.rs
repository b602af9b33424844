//! Fargate's own limits (`FAR…`): what RegisterTaskDefinition rejects when
//! `requiresCompatibilities` contains `FARGATE`. One file per rule; `sizes` holds the
//! task-size table and `common` the helpers the rules share.

use super::Rule;

pub mod sizes;

mod fargate_capability_not_allowed;
mod fargate_container_timeout_out_of_range;
mod fargate_ephemeral_storage_out_of_range;
mod fargate_invalid_task_size;
mod fargate_missing_execution_role;
mod fargate_network_mode_not_awsvpc;
mod fargate_platform_version_required;
mod fargate_unsupported_container_parameter;
mod fargate_unsupported_linux_parameter;
mod fargate_unsupported_log_driver;
mod fargate_unsupported_task_parameter;
mod fargate_windows_unsupported;

pub static RULES: &[&dyn Rule] = &[
    &fargate_invalid_task_size::FargateTaskSize,
    &fargate_network_mode_not_awsvpc::FargateNetworkMode,
    &fargate_unsupported_task_parameter::FargateUnsupportedTaskParameter,
    &fargate_unsupported_log_driver::FargateLogDriver,
    &fargate_capability_not_allowed::FargateCapabilityAdd,
    &fargate_ephemeral_storage_out_of_range::FargateEphemeralStorage,
    &fargate_container_timeout_out_of_range::FargateContainerTimeouts,
    &fargate_windows_unsupported::FargateWindows,
    &fargate_missing_execution_role::FargateExecutionRole,
    &fargate_platform_version_required::FargatePlatformVersion,
    &fargate_unsupported_container_parameter::FargateUnsupportedContainerParameter,
    &fargate_unsupported_linux_parameter::FargateUnsupportedLinuxParameter,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::{json, Value};

    fn all(json: &str) -> Vec<crate::Finding> {
        RULES.iter().flat_map(|r| check(*r, json)).collect()
    }

    #[test]
    fn seed_has_no_blocking_fargate_findings() {
        let f = all(SEED);
        assert!(f.iter().all(|f| !f.blocks_registration), "{f:#?}");
        // Only the platform-version reminder (SYS_PTRACE needs 1.4.0).
        assert_eq!(f.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(), ["FAR010"]);
        let wrapped = serde_json::to_string(&json!({
            "taskDefinition": serde_json::from_str::<Value>(SEED).unwrap(), "tags": []
        }))
        .unwrap();
        let f = all(&wrapped);
        assert!(f.iter().all(|f| !f.blocks_registration && f.pointer.starts_with("/taskDefinition/")));
    }

    #[test]
    fn base_fixture_is_clean() {
        let text = serde_json::to_string(&base()).unwrap();
        assert!(all(&text).is_empty());
    }

    /// Everything wrong at once, Describe-wrapped: every pointer and every patch path
    /// starts with /taskDefinition, and every finding is located.
    #[test]
    fn wrapped_pointers_everywhere() {
        let td = json!({
            "family": "bad", "requiresCompatibilities": ["FARGATE"], "networkMode": "bridge",
            "cpu": "300", "memory": "100", "ipcMode": "host", "pidMode": "host",
            "placementConstraints": [{"type": "memberOf"}], "ephemeralStorage": {"sizeInGiB": 900},
            "volumes": [{"name": "v", "host": {"sourcePath": "/x"}}],
            "containerDefinitions": [{
                "name": "app", "image": "1.dkr.ecr.eu-west-1.amazonaws.com/app:1", "privileged": true,
                "links": ["db"], "stopTimeout": 500,
                "linuxParameters": {
                    "capabilities": {"add": ["NET_ADMIN"]}, "tmpfs": [{"containerPath": "/t", "size": 1}]
                },
                "logConfiguration": {"logDriver": "syslog"}
            }]
        });
        let text = serde_json::to_string_pretty(&json!({"taskDefinition": td})).unwrap();
        let f = all(&text);
        let mut rules: Vec<&str> = f.iter().map(|f| f.rule.as_str()).collect();
        rules.dedup();
        for id in ["FAR001", "FAR002", "FAR003", "FAR004", "FAR005", "FAR006", "FAR007", "FAR009", "FAR011", "FAR012"] {
            assert!(rules.contains(&id), "{id} missing in {rules:?}");
        }
        for f in &f {
            assert!(f.pointer.starts_with("/taskDefinition/"), "{}: {}", f.rule, f.pointer);
            assert!(f.line > 0, "{} not located", f.rule);
            if let Some(ops) = f.fix.as_ref().and_then(|x| x.patch.as_array()) {
                for op in ops {
                    assert!(op["path"].as_str().unwrap().starts_with("/taskDefinition/"), "{}: {op}", f.rule);
                }
            }
        }
    }

    /// Every patch applies cleanly to the document it was computed for.
    #[test]
    fn patches_apply() {
        let mut td = base();
        td["networkMode"] = json!("bridge");
        td["memory"] = json!("4096");
        td["ipcMode"] = json!("host");
        td["ephemeralStorage"] = json!({"sizeInGiB": 10});
        td["containerDefinitions"][0]["stopTimeout"] = json!(500);
        td["containerDefinitions"][0]["linuxParameters"] = json!({"capabilities": {"add": ["ALL"]}, "maxSwap": 1});
        td["containerDefinitions"][0]["resourceRequirements"] = json!([{"type": "GPU", "value": "1"}]);
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": "gelf"});
        let text = serde_json::to_string(&td).unwrap();
        let findings = all(&text);
        assert!(findings.len() >= 8);
        for f in findings {
            let Some(fix) = f.fix.filter(|x| x.is_applicable()) else { continue };
            let mut doc = td.clone();
            let patch: json_patch::Patch = serde_json::from_value(fix.patch.clone()).unwrap();
            json_patch::patch(&mut doc, &patch).unwrap_or_else(|e| panic!("{}: {e}", f.rule));
            let again = RULES.iter().find(|r| r.meta().id == f.rule).unwrap();
            let after = check_value(*again, doc);
            assert!(after.len() < RULES.len() * 4, "{}", f.rule);
            assert!(!after.iter().any(|a| a.pointer == f.pointer && a.message == f.message), "{} not fixed", f.rule);
        }
    }

    /// Wrong JSON types anywhere never panic.
    #[test]
    fn wrong_types_never_panic() {
        let odd = [
            json!(null),
            json!(1),
            json!(-1.5),
            json!("x"),
            json!(""),
            json!([]),
            json!([1, "a", null]),
            json!({}),
            json!({"a": [1]}),
            json!(true),
        ];
        let fields = [
            "cpu",
            "memory",
            "networkMode",
            "ipcMode",
            "pidMode",
            "placementConstraints",
            "volumes",
            "ephemeralStorage",
            "runtimePlatform",
            "executionRoleArn",
            "containerDefinitions",
            "proxyConfiguration",
            "inferenceAccelerators",
            "taskRoleArn",
            "family",
        ];
        let cfields = [
            "image",
            "name",
            "links",
            "hostname",
            "privileged",
            "linuxParameters",
            "logConfiguration",
            "resourceRequirements",
            "portMappings",
            "secrets",
            "environmentFiles",
            "dependsOn",
            "startTimeout",
            "stopTimeout",
            "healthCheck",
            "repositoryCredentials",
            "ulimits",
            "systemControls",
            "firelensConfiguration",
        ];
        for windows in [false, true] {
            for v in &odd {
                let mut td = base();
                if windows {
                    td["runtimePlatform"] = json!({"operatingSystemFamily": "WINDOWS_SERVER_2019_CORE"});
                }
                for f in fields {
                    let mut t = td.clone();
                    t[f] = v.clone();
                    let _ = all(&serde_json::to_string(&t).unwrap());
                }
                for f in cfields {
                    let mut t = td.clone();
                    t["containerDefinitions"][0][f] = v.clone();
                    let _ = all(&serde_json::to_string(&t).unwrap());
                    t["containerDefinitions"][0]["linuxParameters"] = json!({"capabilities": {"add": v.clone()}});
                    t["containerDefinitions"][0]["logConfiguration"] =
                        json!({"logDriver": v.clone(), "secretOptions": v.clone()});
                    let _ = all(&serde_json::to_string(&t).unwrap());
                }
            }
        }
        for text in [
            "[]",
            "1",
            "\"x\"",
            "null",
            "{}",
            r#"{"taskDefinition": {}}"#,
            r#"{"requiresCompatibilities": ["FARGATE"]}"#,
        ] {
            let _ = all(text);
        }
    }
}
