use serde_json::json;

use crate::finding::{Finding, Fix};
use crate::rules::kit::sidecars::is_log_router;
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct FirelensRouterNotEssential;

pub static META: RuleMeta = RuleMeta {
    id: "SDC013",
    name: "firelens-router-not-essential",
    severity: Severity::Low,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "The FireLens log router is `essential: false` while containers log through it",
    what: crate::rules::doc(
        "Reports a log-router container (one with `firelensConfiguration`) marked `\"essential\": false` when \
           other containers of the task use the `awsfirelens` log driver.",
    ),
    why: crate::rules::doc(
        "If a non-essential router exits (out of memory, a bad output configuration), ECS keeps the task \
          running without it: every container that logs through FireLens loses its logs from then on, and \
          nothing restarts the router until the task is replaced. AWS's FireLens examples mark the router \
          essential so that the task is replaced instead of running blind.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [
  {"name": "log-router", "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
   "essential": false, "firelensConfiguration": {"type": "fluentbit"}},
  {"name": "app", "image": "app", "logConfiguration": {"logDriver": "awsfirelens",
   "options": {"Name": "datadog"}}}]}"#,
    ),
    fix: crate::rules::doc("Mark the log router `\"essential\": true`."),
    references: &[],
};

impl Rule for FirelensRouterNotEssential {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let users = td.containers.iter().filter(|c| c.log_driver() == Some("awsfirelens") && !is_log_router(c)).count();
        if users == 0 {
            return;
        }
        for router in td.containers.iter().filter(|c| is_log_router(c) && !c.essential()) {
            out.push(
                Finding::new(
                    &META,
                    router.ptr("essential"),
                    format!(
                        "the FireLens log router `{}` is not essential: if it exits the task keeps running and the \
                         {users} container(s) logging through `awsfirelens` lose their logs silently",
                        router.label()
                    ),
                )
                .in_container(router)
                .with_fix_from(cx, || {
                    Fix::patch(
                        "Mark the log router essential",
                        json!([{"op": "replace", "path": router.ptr("essential"), "value": true}]),
                    )
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    fn td(essential: serde_json::Value) -> serde_json::Value {
        let mut td = base();
        td["containerDefinitions"][0]["logConfiguration"] =
            json!({"logDriver": "awsfirelens", "options": {"Name": "datadog"}});
        td["containerDefinitions"].as_array_mut().unwrap().push(json!({"name": "log-router",
            "image": "amazon/aws-for-fluent-bit:stable", "essential": essential,
            "firelensConfiguration": {"type": "fluentbit"}}));
        td
    }

    #[test]
    fn flags_non_essential_router() {
        let f = check_value(&FirelensRouterNotEssential, td(json!(false)));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/1/essential");
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"], true);
    }

    #[test]
    fn quiet_cases() {
        assert!(check(&FirelensRouterNotEssential, SEED).is_empty());
        assert!(check_value(&FirelensRouterNotEssential, td(json!(true))).is_empty());
        // "essential": "no" is not a boolean: ECS's default (true) applies in the model.
        assert!(check_value(&FirelensRouterNotEssential, td(json!("no"))).is_empty());
        let mut t = td(json!(false));
        t["containerDefinitions"][0].as_object_mut().unwrap().remove("logConfiguration");
        assert!(check_value(&FirelensRouterNotEssential, t).is_empty());
    }
}
