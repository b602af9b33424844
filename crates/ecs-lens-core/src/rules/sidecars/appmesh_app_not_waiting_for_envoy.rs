use serde_json::{json, Value};

use crate::finding::{Finding, Fix};
use crate::rules::kit::sidecars::{add_dependency_op, is_app, waits_for};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct AppmeshEnvoyDependency;

pub static META: RuleMeta = RuleMeta {
    id: "SDC014",
    name: "appmesh-app-not-waiting-for-envoy",
    severity: Severity::Medium,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "With an App Mesh proxy, application containers do not wait for Envoy to be HEALTHY",
    what: crate::rules::doc(
        "When `proxyConfiguration` (type `APPMESH`) names the Envoy container, checks that each application \
           container has `dependsOn` on it with condition `HEALTHY`, and that the Envoy container has a \
           `healthCheck` that condition can use.",
    ),
    why: crate::rules::doc(
        "With `proxyConfiguration` the task's traffic is redirected through Envoy from the start. An \
          application that starts before Envoy has received its configuration from App Mesh gets connection \
          errors on its first outbound calls (and fails health checks or crashes on start-up dependencies). AWS's \
          App Mesh guidance is to make the application depend on Envoy `HEALTHY`, with Envoy's health check on \
          its admin endpoint.",
    ),
    example: crate::rules::doc(
        r#"{"proxyConfiguration": {"type": "APPMESH", "containerName": "envoy",
  "properties": [{"name": "IgnoredUID", "value": "1337"}]},
 "containerDefinitions": [
  {"name": "envoy", "image": "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod", "user": "1337",
   "healthCheck": {"command": ["CMD-SHELL",
     "curl -s http://localhost:9901/server_info | grep state | grep -q LIVE"]}},
  {"name": "app", "image": "app"}]}"#,
    ),
    fix: crate::rules::doc(
        "Add to each application container:\n\n```json\n\"dependsOn\": [{\"containerName\": \"envoy\", \
          \"condition\": \"HEALTHY\"}]\n```\n\nand give Envoy a health check:\n\n```json\n\"healthCheck\": \
          {\"command\": [\"CMD-SHELL\", \"curl -s http://localhost:9901/server_info | grep state | grep -q \
          LIVE\"], \"interval\": 5, \"timeout\": 2, \"retries\": 3, \"startPeriod\": 10}\n```",
    ),
    references: &[],
};

impl Rule for AppmeshEnvoyDependency {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let Some(proxy) = td.get("proxyConfiguration") else { return };
        if proxy.get("type").and_then(Value::as_str).is_some_and(|t| t != "APPMESH") {
            return;
        }
        let Some(envoy_name) = proxy.get("containerName").and_then(Value::as_str) else { return };
        let Some(envoy) = td.container(envoy_name) else { return };
        let envoy_hc = envoy.has_health_check();
        for c in &td.containers {
            if c.name == Some(envoy_name) || !is_app(c) || waits_for(c, envoy_name, &["HEALTHY"]) {
                continue;
            }
            out.push(
                Finding::new(
                    &META,
                    if c.get("dependsOn").is_some() { c.ptr("dependsOn") } else { c.pointer.clone() },
                    format!(
                        "`{}` does not wait for the App Mesh proxy `{envoy_name}` to be HEALTHY: its traffic goes \
                         through Envoy from the start, so calls it makes before Envoy is configured fail",
                        c.label()
                    ),
                )
                .in_container(c)
                .with_fix_from(cx, || match (envoy_hc, add_dependency_op(c, envoy_name, "HEALTHY")) {
                (true, Some(op)) => {
                    Fix::patch(format!("Make `{}` wait for `{envoy_name}` HEALTHY", c.label()), json!([op]))
                }
                (false, Some(op)) => Fix::patch(
                    format!("Give `{envoy_name}` a health check and make `{}` wait for it HEALTHY", c.label()),
                    json!([
                        {"op": "add", "path": envoy.ptr("healthCheck"), "value": {
                            "command": ["CMD-SHELL", "curl -s http://localhost:9901/server_info | grep state | grep -q LIVE"],
                            "interval": 5, "timeout": 2, "retries": 3, "startPeriod": 10}},
                        op
                    ]),
                ),
                (_, None) => Fix::advice(format!(
                    "Make `dependsOn` an array containing {{\"containerName\": \"{envoy_name}\", \"condition\": \
                     \"HEALTHY\"}}"
                )),
            }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    fn td(envoy_hc: bool, app_deps: Value) -> Value {
        let mut td = base();
        td["proxyConfiguration"] = json!({"type": "APPMESH", "containerName": "envoy"});
        td["containerDefinitions"][0]["dependsOn"] = app_deps;
        let mut envoy = json!({"name": "envoy", "image": "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod"});
        if envoy_hc {
            envoy["healthCheck"] = json!({"command": ["CMD-SHELL", "true"]});
        }
        td["containerDefinitions"].as_array_mut().unwrap().push(envoy);
        td
    }

    #[test]
    fn flags_app_without_envoy_dependency() {
        let f = check_value(&AppmeshEnvoyDependency, td(true, json!([])));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/dependsOn");
        assert_eq!(f[0].fix.as_ref().unwrap().patch.as_array().unwrap().len(), 1);
        let f =
            check_value(&AppmeshEnvoyDependency, td(false, json!([{"containerName": "envoy", "condition": "START"}])));
        let patch = f[0].fix.as_ref().unwrap().patch.as_array().unwrap().clone();
        assert_eq!(patch.len(), 2);
        assert_eq!(patch[0]["path"], "/containerDefinitions/1/healthCheck");
    }

    #[test]
    fn quiet_cases() {
        assert!(check(&AppmeshEnvoyDependency, SEED).is_empty());
        assert!(check_value(
            &AppmeshEnvoyDependency,
            td(true, json!([{"containerName": "envoy", "condition": "HEALTHY"}]))
        )
        .is_empty());
        let mut t = td(true, json!([]));
        t["proxyConfiguration"] = json!("APPMESH");
        assert!(check_value(&AppmeshEnvoyDependency, t).is_empty());
    }
}
