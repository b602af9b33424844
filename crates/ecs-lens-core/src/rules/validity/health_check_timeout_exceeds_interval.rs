use crate::finding::{Finding, Fix};
use crate::rules::kit::int;
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct HealthCheckTimeoutExceedsInterval;

pub static META: RuleMeta = RuleMeta {
    id: "VAL018",
    name: "health-check-timeout-exceeds-interval",
    severity: Severity::Low,
    category: Category::Validity,
    blocks_registration: false,
    summary: "`healthCheck.timeout` is not shorter than `healthCheck.interval`",
    what: crate::rules::doc(
        "Compares each container's health-check `timeout` with its `interval` (ECS's defaults, 5 and 30 \
           seconds, stand in for omitted values).",
    ),
    why: crate::rules::doc(
        "ECS accepts it, but a check that may run as long as the interval leaves no gap between attempts: a \
          slow endpoint is probed back to back and `retries × interval` no longer describes how long an \
          unhealthy container survives.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "healthCheck": {"command": ["CMD", "true"], "interval": 10, "timeout": 10}}]}"#,
    ),
    fix: crate::rules::doc("Make `timeout` shorter than `interval`, e.g. interval 30, timeout 5."),
    references: &[],
};

impl Rule for HealthCheckTimeoutExceedsInterval {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            let Some(hc) = c.get("healthCheck").and_then(|h| h.as_object()) else { continue };
            // One pass over the members.
            let (mut timeout_v, mut interval_v) = (None, None);
            for (k, v) in hc {
                match k.as_str() {
                    "timeout" => timeout_v = Some(v),
                    "interval" => interval_v = Some(v),
                    _ => {}
                }
            }
            if timeout_v.is_none() && interval_v.is_none() {
                continue;
            }
            let interval = int(interval_v).unwrap_or(30);
            let timeout = int(timeout_v).unwrap_or(5);
            if timeout < interval {
                continue;
            }
            let field = if timeout_v.is_some() { "timeout" } else { "interval" };
            out.push(
                Finding::new(
                    &META,
                    format!("{}/{field}", c.ptr("healthCheck")),
                    format!(
                        "container `{}`: health-check timeout ({timeout} s) is not shorter than its interval ({interval} s)",
                        c.label()
                    ),
                )
                .in_container(c)
                .with_fix_from(cx, || Fix::advice("Make `timeout` shorter than `interval`")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn flags_timeout_not_below_interval() {
        let mut td = base();
        td["containerDefinitions"][0]["healthCheck"] =
            json!({"command": ["CMD", "true"], "interval": 10, "timeout": 10});
        let f = check_value(&HealthCheckTimeoutExceedsInterval, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/healthCheck/timeout");
        assert!(!f[0].blocks_registration);
        td["containerDefinitions"][0]["healthCheck"] = json!({"command": ["CMD", "true"], "interval": 5});
        let f = check_value(&HealthCheckTimeoutExceedsInterval, td);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/healthCheck/interval");
    }

    #[test]
    fn defaults_and_seed_pass() {
        assert!(check(&HealthCheckTimeoutExceedsInterval, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["healthCheck"] = json!({"command": ["CMD", "true"]});
        assert!(check_value(&HealthCheckTimeoutExceedsInterval, td).is_empty());
    }
}
