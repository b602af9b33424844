//! Privilege, isolation and supply-chain hardening (`HAR…`). One file per rule; `util` holds
//! helpers shared with the operability and dependency rules.

use super::Rule;

mod added_capability;
mod capabilities_not_dropped;
mod efs_transit;
mod host_ipc_mode;
mod host_network;
mod host_pid_mode;
mod interactive;
mod mutable_image;
mod privileged;
mod root_user;
mod shared_role;
mod unconfined;
pub(crate) mod util;
mod writable_root_fs;

pub static RULES: &[&dyn Rule] = &[
    &privileged::Privileged,
    &host_network::HostNetwork,
    &host_pid_mode::HostPidMode,
    &host_ipc_mode::HostIpcMode,
    &root_user::RootUser,
    &writable_root_fs::WritableRootFs,
    &added_capability::AddedCapability,
    &capabilities_not_dropped::CapabilitiesNotDropped,
    &shared_role::SharedRole,
    &efs_transit::EfsTransitEncryption,
    &mutable_image::MutableImage,
    &unconfined::UnconfinedProfile,
    &interactive::InteractiveTty,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn the_seed_findings() {
        let ids = |id: &str| RULES.iter().find(|r| r.meta().id == id).map(|r| check(*r, SEED)).unwrap();
        assert_eq!(ids("HAR009").len(), 1, "task role == execution role");
        assert_eq!(ids("HAR011").len(), 4, ":latest images");
        assert_eq!(ids("HAR005").len(), 4, "root user: user \"0\" and three without user");
        assert_eq!(ids("HAR006").len(), 4, "writable root filesystems");
        assert_eq!(ids("HAR007").len(), 1, "SYS_PTRACE");
        for quiet in ["HAR001", "HAR002", "HAR003", "HAR004", "HAR010", "HAR012", "HAR013"] {
            assert!(ids(quiet).is_empty(), "{quiet}");
        }
    }

    #[test]
    fn describe_wrapped_pointers_are_under_task_definition() {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["taskRoleArn"] = td["executionRoleArn"].clone();
        td["pidMode"] = "host".into();
        td["containerDefinitions"][0]["privileged"] = true.into();
        td["containerDefinitions"][0]["image"] = "nginx".into();
        td["volumes"] = json!([{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}]);
        let wrapped = json!({"taskDefinition": td, "tags": []});
        let mut total = 0;
        for rule in RULES {
            for f in check_value(*rule, wrapped.clone()) {
                total += 1;
                assert!(f.pointer.starts_with("/taskDefinition/"), "{}: {}", f.rule, f.pointer);
                for op in f.fix.iter().flat_map(|x| x.patch.as_array().cloned().unwrap_or_default()) {
                    assert!(op["path"].as_str().unwrap().starts_with("/taskDefinition/"), "{}: {op}", f.rule);
                }
            }
        }
        assert!(total >= 8, "{total}");
    }
}
