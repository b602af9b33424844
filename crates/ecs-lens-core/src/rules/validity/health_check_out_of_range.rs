use serde_json::json;

use crate::finding::{Finding, Fix};
use crate::model::member;
use crate::rules::kit::int;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct HealthCheckOutOfRange;

/// (field, min, max, unit) of `HealthCheck`'s numeric members, per the ECS API model.
pub const RANGES: &[(&str, i64, i64, &str)] =
    &[("interval", 5, 300, " s"), ("timeout", 2, 60, " s"), ("retries", 1, 10, ""), ("startPeriod", 0, 300, " s")];

pub static META: RuleMeta = RuleMeta {
    id: "VAL016",
    name: "health-check-out-of-range",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary:
        "A health-check timing outside ECS's range (interval 5–300, timeout 2–60, retries 1–10, startPeriod 0–300)",
    what: crate::rules::doc(
        "Checks each container's `healthCheck`: `interval` 5–300 seconds, `timeout` 2–60 seconds, `retries` \
           1–10 and `startPeriod` 0–300 seconds.",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects values outside the model's ranges. Docker-style habits are the usual \
          cause: `startPeriod: 600` for a slow JVM, `retries: 0`, or a `timeout` of 90 (some tools, such as \
          the CDK, accept up to 120; the ECS model documents 60).",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "interval": 2, "retries": 0, "startPeriod": 600}}]}"#,
    ),
    fix: crate::rules::doc(
        "Bring the value into the range (the fix clamps it). For an application that needs longer than \
          300 s to start, use `startTimeout`/`dependsOn` ordering or make the health endpoint answer earlier.",
    ),
    references: &[Reference { tool: "AWS", id: "ECS API HealthCheck" }],
};

impl Rule for HealthCheckOutOfRange {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            let Some(hc) = c.get("healthCheck").and_then(|h| h.as_object()) else { continue };
            for &(field, min, max, unit) in RANGES {
                let Some(v) = int(member(hc, field)) else { continue };
                if (min..=max).contains(&v) {
                    continue;
                }
                let pointer = format!("{}/{field}", c.ptr("healthCheck"));
                let clamped = v.clamp(min, max);
                out.push(
                    Finding::new(
                        &META,
                        pointer.clone(),
                        format!(
                            "container `{}`: `healthCheck.{field}` is {v}{unit}; ECS accepts {min}–{max}{unit}",
                            c.label()
                        ),
                    )
                    .in_container(c)
                    .with_fix_from(cx, || {
                        Fix::patch(
                            format!("Set `healthCheck.{field}` to {clamped}"),
                            json!([{"op": "replace", "path": pointer, "value": clamped}]),
                        )
                        .safe()
                    }),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_and_clamps_each_range() {
        let mut td = base();
        td["containerDefinitions"][0]["healthCheck"] =
            json!({"command": ["CMD", "true"], "interval": 2, "timeout": 90, "retries": 0, "startPeriod": 600});
        let f = check_value(&HealthCheckOutOfRange, td);
        assert_eq!(f.len(), 4);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/healthCheck/interval");
        assert!(f[0].message.contains("is 2 s; ECS accepts 5–300 s"), "{}", f[0].message);
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"], 5);
        assert_eq!(f[1].fix.as_ref().unwrap().patch[0]["value"], 60);
        assert_eq!(f[2].fix.as_ref().unwrap().patch[0]["value"], 1);
        assert_eq!(f[3].fix.as_ref().unwrap().patch[0]["value"], 300);
    }

    #[test]
    fn bounds_and_the_seed_pass() {
        assert!(check(&HealthCheckOutOfRange, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["healthCheck"] =
            json!({"command": ["CMD", "true"], "interval": 300, "timeout": 2, "retries": 10, "startPeriod": 0});
        assert!(check_value(&HealthCheckOutOfRange, td).is_empty());
    }
}
