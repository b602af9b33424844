//! What RegisterTaskDefinition would reject (`VAL…`). One file per rule; the structural
//! rules (VAL001, VAL003–VAL005) report the issues of one walk of the document against the
//! ECS model ([`crate::schema`]), shared through the lint's `Context`.
//!
//! ECS reports one error per registration attempt; these rules report them all at once.
//! A rule whose problem ECS is not confirmed to reject at registration says so and sets
//! `blocks_registration: false` (on the rule, or on the individual finding).

use super::Rule;

mod util;

mod blank_environment_name;
mod container_count;
mod container_cpu_exceeds_task;
mod container_memory_exceeds_task;
mod container_memory_required;
mod duplicate_container_name;
mod duplicate_environment_name;
mod duplicate_host_port;
mod duplicate_json_key;
mod duplicate_secret_name;
mod env_secret_name_conflict;
mod health_check_command;
mod health_check_out_of_range;
mod health_check_timeout_exceeds_interval;
mod host_port_mismatch;
mod inference_accelerator_mismatch;
mod invalid_awslogs_options;
mod invalid_efs_volume;
mod invalid_enum_value;
mod invalid_environment_file;
mod invalid_image_reference;
mod invalid_name;
mod invalid_port_mapping;
mod invalid_secret_reference;
mod invalid_tags;
mod invalid_task_size;
mod invalid_volume_definition;
mod invalid_volumes_from;
mod list_limit_exceeded;
mod memory_reservation_exceeds_memory;
mod missing_required_field;
mod network_mode_unsupported_option;
mod no_essential_container;
mod port_mappings_with_network_none;
mod read_only_field;
mod reservations_exceed_task_memory;
mod task_definition_too_large;
mod ulimit_soft_above_hard;
mod unknown_field;
mod unknown_proxy_container;
mod unknown_volume;
mod value_out_of_range;
mod wrong_json_type;

pub use task_definition_too_large::register_input_len;

pub static RULES: &[&dyn Rule] = &[
    &unknown_field::UnknownField,
    &read_only_field::ReadOnlyField,
    &missing_required_field::MissingRequiredField,
    &wrong_json_type::WrongJsonType,
    &invalid_enum_value::InvalidEnumValue,
    &invalid_name::InvalidName,
    &container_count::ContainerCount,
    &task_definition_too_large::TaskDefinitionTooLarge,
    &duplicate_container_name::DuplicateContainerName,
    &duplicate_json_key::DuplicateJsonKey,
    &env_secret_name_conflict::EnvSecretNameConflict,
    &no_essential_container::NoEssentialContainer,
    &duplicate_secret_name::DuplicateSecretName,
    &blank_environment_name::BlankEnvironmentName,
    &duplicate_environment_name::DuplicateEnvironmentName,
    &health_check_out_of_range::HealthCheckOutOfRange,
    &health_check_command::HealthCheckCommand,
    &health_check_timeout_exceeds_interval::HealthCheckTimeoutExceedsInterval,
    &host_port_mismatch::HostPortMismatch,
    &invalid_port_mapping::InvalidPortMapping,
    &duplicate_host_port::DuplicateHostPort,
    &port_mappings_with_network_none::PortMappingsWithNetworkNone,
    &network_mode_unsupported_option::NetworkModeUnsupportedOption,
    &container_memory_exceeds_task::ContainerMemoryExceedsTask,
    &memory_reservation_exceeds_memory::MemoryReservationExceedsMemory,
    &reservations_exceed_task_memory::ReservationsExceedTaskMemory,
    &container_cpu_exceeds_task::ContainerCpuExceedsTask,
    &container_memory_required::ContainerMemoryRequired,
    &unknown_volume::UnknownVolume,
    &invalid_volume_definition::InvalidVolumeDefinition,
    &invalid_efs_volume::InvalidEfsVolume,
    &invalid_volumes_from::InvalidVolumesFrom,
    &invalid_tags::InvalidTags,
    &invalid_environment_file::InvalidEnvironmentFile,
    &invalid_secret_reference::InvalidSecretReference,
    &list_limit_exceeded::ListLimitExceeded,
    &value_out_of_range::ValueOutOfRange,
    &ulimit_soft_above_hard::UlimitSoftAboveHard,
    &unknown_proxy_container::UnknownProxyContainer,
    &inference_accelerator_mismatch::InferenceAcceleratorMismatch,
    &invalid_awslogs_options::InvalidAwslogsOptions,
    &invalid_image_reference::InvalidImageReference,
    &invalid_task_size::InvalidTaskSize,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;
    use crate::finding::Finding;
    use crate::rules::testing::{base, SEED};
    use crate::rules::{locate_all, Context};
    use crate::schema;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn run_all(doc: &Document) -> Vec<Finding> {
        let cx = Context::new(doc, true);
        let mut out = Vec::new();
        for rule in RULES {
            rule.check(&cx, &mut out);
        }
        locate_all(doc, &mut out);
        out
    }

    #[test]
    fn seed_registers_without_blocking_findings() {
        let doc = Document::parse(SEED).unwrap();
        let findings = run_all(&doc);
        let blocking: Vec<_> = findings.iter().filter(|f| f.blocks_registration).collect();
        assert!(blocking.is_empty(), "{blocking:#?}");
        assert!(findings.is_empty(), "the seed is clean for validity: {findings:#?}");
        assert!(run_all(&Document::from_value(&base())).is_empty());
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            (-1.0e6f64..1.0e6).prop_map(|f| json!(f)),
            "[a-zA-Z0-9:/._@ -]{0,12}".prop_map(Value::String),
            prop_oneof![
                Just("awsvpc"),
                Just("FARGATE"),
                Just("awslogs"),
                Just("app"),
                Just("CMD"),
                Just("tcp"),
                Just("arn:aws:secretsmanager:us-east-1:1:secret:x:a:b:c"),
                Just("s3://b/k.env"),
                Just("é:aws:"),
            ]
            .prop_map(|s| Value::String(s.into())),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((field_name(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    fn field_name() -> impl Strategy<Value = String> {
        let names: Vec<&'static str> = {
            let mut v =
                vec!["containerDefinitions", "taskDefinition", "tags", "key", "value", "options", "add", "drop"];
            fn walk(shape: &'static schema::Shape, v: &mut Vec<&'static str>, depth: usize) {
                for f in shape.fields {
                    if !v.contains(&f.name) {
                        v.push(f.name);
                    }
                    let mut ty = &f.ty;
                    while let schema::Ty::List(inner) = ty {
                        ty = inner;
                    }
                    if let (schema::Ty::Obj(s), true) = (ty, depth < 4) {
                        walk(s, v, depth + 1);
                    }
                }
            }
            walk(&schema::TASK_DEFINITION, &mut v, 0);
            v.extend(["awslogs-group", "awslogs-create-group", "revision", "status", "Memory"]);
            v
        };
        prop_oneof![prop::sample::select(names).prop_map(str::to_string), "[a-z]{1,6}"]
    }

    /// Replace the value at a pseudo-random path of `v` with `new`.
    fn graft(v: &mut Value, choice: &[usize], new: Value) {
        match (choice.split_first(), v) {
            (Some((c, rest)), Value::Object(m)) if !m.is_empty() => {
                let n = m.len();
                let (_, child) = m.iter_mut().nth(c % n).unwrap();
                graft(child, rest, new)
            }
            (Some((c, rest)), Value::Array(a)) if !a.is_empty() => {
                let n = a.len();
                graft(&mut a[c % n], rest, new)
            }
            (_, v) => *v = new,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_documents_never_panic(v in arb_json()) {
            let doc = Document::from_value(&v);
            let _ = run_all(&doc);
            let wrapped = Document::from_value(&json!({"taskDefinition": v, "tags": []}));
            let _ = run_all(&wrapped);
        }

        #[test]
        fn mutated_seed_never_panics(choice in prop::collection::vec(0usize..64, 1..7), new in arb_json()) {
            let mut v: Value = serde_json::from_str(SEED).unwrap();
            graft(&mut v, &choice, new);
            for f in run_all(&Document::from_value(&v)) {
                prop_assert!(f.line > 0);
            }
        }
    }
}
