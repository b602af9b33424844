//! Container start-up ordering: `dependsOn`, `links`, `volumesFrom` (`DEP…`). One file per rule;
//! `graph` holds the shared name lookup, edge list and cycle finder.

use super::Rule;

mod completion_on_essential;
mod cycle;
pub(crate) mod graph;
mod healthy_without_health_check;
mod redundant_dependency;
mod unknown_dependency;
mod unknown_link;

pub static RULES: &[&dyn Rule] = &[
    &unknown_dependency::UnknownDependency,
    &completion_on_essential::CompletionOnEssential,
    &healthy_without_health_check::HealthyWithoutHealthCheck,
    &cycle::DependencyCycle,
    &redundant_dependency::RedundantDependency,
    &unknown_link::UnknownLink,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::testing::{check, SEED};

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
