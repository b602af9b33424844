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
    use crate::rules::testing::{base, check, SEED};
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
}
