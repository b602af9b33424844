//! Logging, tagging, health and process hygiene — what you need at 3 a.m. (`OPS…`). One file per
//! rule; the helpers below are shared by several of them.

use super::Rule;
use crate::model::{Container, TaskDef};
use crate::rules::kit::sidecars::is_agent as is_datadog_agent;

mod awslogs_stream_prefix_missing;
mod blocking_log_mode;
mod dependency_target_without_health_check;
mod missing_log_configuration;
mod no_memory_hard_limit;
mod service_container_without_health_check;
mod shell_entrypoint_without_init;
mod untagged_task_definition;

pub static RULES: &[&dyn Rule] = &[
    &missing_log_configuration::MissingLogConfiguration,
    &awslogs_stream_prefix_missing::StreamPrefix,
    &blocking_log_mode::BlockingLogMode,
    &untagged_task_definition::Untagged,
    &dependency_target_without_health_check::StartTargetWithoutHealthCheck,
    &service_container_without_health_check::ServiceWithoutHealthCheck,
    &no_memory_hard_limit::NoMemoryLimit,
    &shell_entrypoint_without_init::ShellWithoutInit,
];

/// The `awslogs-stream-prefix` to propose for `c`, following the task's own convention: its
/// name when the other containers use their own names, their shared prefix when they share
/// one, else the family (or `ecs`).
fn suggested_stream_prefix(td: &TaskDef<'_>, c: &Container<'_>) -> String {
    let mut shared = None;
    for o in &td.containers {
        if o.index == c.index || o.log_driver() != Some("awslogs") {
            continue;
        }
        let Some(p) = o.log_option("awslogs-stream-prefix") else { continue };
        if o.name == Some(p) {
            if let Some(n) = c.name {
                return n.to_string();
            }
        }
        shared.get_or_insert(p);
    }
    shared.or_else(|| td.family()).unwrap_or("ecs").to_string()
}

/// The containers that wait for `name` to START, in document order, once per `dependsOn … START`
/// entry naming it (a container's entry naming itself does not count). Allocates nothing.
fn start_waiters<'t, 'a>(td: &'t TaskDef<'a>, name: &'t str) -> impl Iterator<Item = &'t Container<'a>> + 't {
    td.containers.iter().flat_map(move |o| {
        o.depends_on()
            .filter(move |d| d.condition == "START" && d.container_name == name && o.name != Some(name))
            .map(move |_| o)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, SEED};

    #[test]
    fn the_seed_findings() {
        let ids = |id: &str| RULES.iter().find(|r| r.meta().id == id).map(|r| check(*r, SEED)).unwrap();
        assert_eq!(ids("OPS004").len(), 1, "no tags");
        assert!(ids("OPS001").is_empty() && ids("OPS002").is_empty() && ids("OPS007").is_empty());
        assert!(ids("OPS005").is_empty(), "the seed's waits are HEALTHY/SUCCESS, not START");
    }
}
