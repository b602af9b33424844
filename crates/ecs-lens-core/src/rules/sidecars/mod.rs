//! Datadog agent and sidecar patterns (`SDC…`): the Datadog agent on ECS/Fargate, Datadog
//! Workload Protection (CWS), log routing, schema migrations run as sidecars, FireLens and
//! App Mesh sidecars. One file per rule; shared recognisers live in `common`.

use super::Rule;

mod app_not_waiting_for_datadog_agent;
mod appmesh_app_not_waiting_for_envoy;
mod cws_instrumentation_inert;
mod cws_setup_incomplete;
mod datadog_agent_host_localhost_in_bridge_mode;
mod datadog_agent_missing_ecs_fargate;
mod datadog_agent_no_health_check;
mod datadog_api_key_not_from_secrets;
mod datadog_apm_disabled_for_traced_app;
mod datadog_site_missing_or_invalid;
mod datadog_unified_service_tagging_missing;
mod firelens_datadog_host_wrong_site;
mod firelens_router_not_essential;
mod logs_not_shipped_to_datadog;
mod schema_migration_in_service_task;

pub static RULES: &[&dyn Rule] = &[
    &datadog_agent_missing_ecs_fargate::AgentMissingEcsFargate,
    &datadog_site_missing_or_invalid::DatadogSite,
    &datadog_api_key_not_from_secrets::DatadogApiKeySource,
    &datadog_agent_no_health_check::AgentHealthCheck,
    &app_not_waiting_for_datadog_agent::AppNotWaitingForAgent,
    &cws_instrumentation_inert::CwsInert,
    &cws_setup_incomplete::CwsSetupIncomplete,
    &logs_not_shipped_to_datadog::LogsNotInDatadog,
    &schema_migration_in_service_task::MigrationInServiceTask,
    &datadog_unified_service_tagging_missing::UnifiedServiceTagging,
    &datadog_apm_disabled_for_traced_app::ApmDisabledForTracedApp,
    &datadog_agent_host_localhost_in_bridge_mode::AgentHostLocalhostBridge,
    &firelens_router_not_essential::FirelensRouterNotEssential,
    &appmesh_app_not_waiting_for_envoy::AppmeshEnvoyDependency,
    &firelens_datadog_host_wrong_site::FirelensDatadogHost,
];

#[cfg(test)]
mod tests {
    use super::RULES;
    use crate::rules::testing::{check, SEED};

    #[test]
    fn none_blocks_registration() {
        for r in RULES {
            assert!(!r.meta().blocks_registration, "{}", r.meta().id);
        }
    }

    #[test]
    fn the_seed() {
        let fired = |id: &str| {
            let r = RULES.iter().find(|r| r.meta().id == id).unwrap();
            check(*r, SEED)
        };
        // Required by the article's setup.
        assert_eq!(fired("SDC006").len(), 3, "CWS inert: the env flags and the unwrapped entryPoint");
        assert_eq!(fired("SDC008").len(), 1, "logs go to CloudWatch only");
        assert_eq!(fired("SDC009").len(), 1, "alembic in every task copy");
        // The seed sets these correctly.
        assert!(fired("SDC001").is_empty());
        assert!(fired("SDC002").is_empty());
        assert!(fired("SDC004").is_empty());
        assert!(fired("SDC005").is_empty());
    }
}
