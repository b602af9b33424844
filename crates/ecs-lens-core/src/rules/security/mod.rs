//! Privilege, isolation and supply-chain hardening (`HAR…`). One file per rule; `util` holds
//! helpers shared with the operability and dependency rules.

use super::Rule;

mod added_linux_capability;
mod capabilities_not_dropped;
mod container_runs_as_root;
mod efs_transit_encryption_disabled;
mod host_ipc_mode;
mod host_network_mode;
mod host_pid_mode;
mod interactive_or_tty;
mod mutable_image_reference;
mod privileged_container;
mod task_role_is_execution_role;
mod unconfined_security_profile;
mod writable_root_filesystem;

pub static RULES: &[&dyn Rule] = &[
    &privileged_container::Privileged,
    &host_network_mode::HostNetwork,
    &host_pid_mode::HostPidMode,
    &host_ipc_mode::HostIpcMode,
    &container_runs_as_root::RootUser,
    &writable_root_filesystem::WritableRootFs,
    &added_linux_capability::AddedCapability,
    &capabilities_not_dropped::CapabilitiesNotDropped,
    &task_role_is_execution_role::SharedRole,
    &efs_transit_encryption_disabled::EfsTransitEncryption,
    &mutable_image_reference::MutableImage,
    &unconfined_security_profile::UnconfinedProfile,
    &interactive_or_tty::InteractiveTty,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, SEED};

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
}
