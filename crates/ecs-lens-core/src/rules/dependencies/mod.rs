//! Container start-up ordering: `dependsOn`, `links`, `volumesFrom` (`DEP…`). One file per rule;
//! `graph` holds the shared name lookup, edge list and cycle finder.

use super::Rule;

mod completion_condition_on_essential_container;
mod dependency_cycle;
mod depends_on_unknown_container;
pub(crate) mod graph;
mod healthy_condition_without_health_check;
mod link_to_unknown_container;
mod redundant_transitive_dependency;

pub static RULES: &[&dyn Rule] = &[
    &depends_on_unknown_container::UnknownDependency,
    &completion_condition_on_essential_container::CompletionOnEssential,
    &healthy_condition_without_health_check::HealthyWithoutHealthCheck,
    &dependency_cycle::DependencyCycle,
    &redundant_transitive_dependency::RedundantDependency,
    &link_to_unknown_container::UnknownLink,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, SEED};

    #[test]
    fn the_seed_has_valid_dependencies() {
        // my-app-repo → datadog-agent HEALTHY (has a healthCheck), → cws-instrumentation-init SUCCESS and
        // → migration-runner SUCCESS (both essential: false); migration-runner → datadog-agent HEALTHY.
        for rule in RULES {
            let f = check(*rule, SEED);
            assert!(f.is_empty(), "{} on the seed: {f:?}", rule.meta().id);
        }
    }
}
