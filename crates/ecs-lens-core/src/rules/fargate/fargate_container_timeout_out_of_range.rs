use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::rules::kit::named;
use crate::rules::kit::set;
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct FargateContainerTimeouts;

pub static META: RuleMeta = RuleMeta {
    id: "FAR007",
    name: "fargate-container-timeout-out-of-range",
    severity: Severity::High,
    category: Category::Fargate,
    blocks_registration: true,
    summary: "`startTimeout` or `stopTimeout` outside 2–120 seconds on Fargate",
    what: crate::rules::doc(
        "When `requiresCompatibilities` contains `FARGATE`, checks each container's `startTimeout` and \
           `stopTimeout` (when set to a number) are from 2 to 120 seconds.",
    ),
    why: crate::rules::doc(
        "The ECS API documents 2–120 seconds as the valid range for both on Fargate. `stopTimeout` is the \
          grace period between SIGTERM and SIGKILL; Fargate will not wait longer than 120 seconds, so a \
          larger value (common when copying EC2 settings with `ECS_CONTAINER_STOP_TIMEOUT`) is refused. \
          `startTimeout` bounds how long dependents wait for this container to become COMPLETE, SUCCESS or \
          HEALTHY.",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512",
  "containerDefinitions": [{"name": "app", "image": "nginx", "stopTimeout": 300}]}"#,
    ),
    fix: crate::rules::doc(
        "Use a value from 2 to 120. Make the application finish its graceful shutdown within 120 seconds of \
          SIGTERM (drain connections early, e.g. when the load balancer deregisters the target).",
    ),
    references: &[],
};

const FIELDS: [&str; 2] = ["startTimeout", "stopTimeout"];

impl Rule for FargateContainerTimeouts {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.is_fargate() {
            return;
        }
        for c in &td.containers {
            for field in FIELDS {
                let Some(Value::Number(n)) = c.get(field) else { continue };
                let Some(secs) = n.as_f64() else { continue };
                if (2.0..=120.0).contains(&secs) {
                    continue;
                }
                let target: u64 = if secs < 2.0 { 2 } else { 120 };
                let pointer = c.ptr(field);
                let msg = format!("{} has {field} {n}: on Fargate it must be from 2 to 120 seconds", named(c));
                out.push(Finding::new(&META, pointer.clone(), msg).in_container(c).with_fix_from(cx, || {
                    Fix::patch(format!("Set {field} to {target}"), set(&pointer, true, Value::from(target))).safe()
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn in_range_passes() {
        assert!(check(&FargateContainerTimeouts, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["startTimeout"] = json!(2);
        td["containerDefinitions"][0]["stopTimeout"] = json!(120);
        assert!(check_value(&FargateContainerTimeouts, td).is_empty());
    }

    #[test]
    fn out_of_range_is_clamped() {
        let mut td = base();
        td["containerDefinitions"][0]["startTimeout"] = json!(1);
        td["containerDefinitions"][0]["stopTimeout"] = json!(300);
        let f = check_value(&FargateContainerTimeouts, json!({"taskDefinition": td}));
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].pointer, "/taskDefinition/containerDefinitions/0/startTimeout");
        assert_eq!(
            f[1].fix.as_ref().unwrap().patch,
            json!([{"op": "replace", "path": "/taskDefinition/containerDefinitions/0/stopTimeout", "value": 120}])
        );
        assert!(f[1].message.contains("stopTimeout 300"));
    }

    #[test]
    fn ec2_and_wrong_types() {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["containerDefinitions"][0]["stopTimeout"] = json!(300);
        assert!(check_value(&FargateContainerTimeouts, td).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["stopTimeout"] = json!("300");
        td["containerDefinitions"][0]["startTimeout"] = json!(null);
        assert!(check_value(&FargateContainerTimeouts, td).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["stopTimeout"] = json!(-1);
        assert_eq!(check_value(&FargateContainerTimeouts, td).len(), 1);
    }
}
