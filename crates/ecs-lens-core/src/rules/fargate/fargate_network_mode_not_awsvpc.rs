use crate::finding::{Finding, Fix};
use crate::rules::kit::{set, show};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct FargateNetworkMode;

pub static META: RuleMeta = RuleMeta {
    id: "FAR002",
    name: "fargate-network-mode-not-awsvpc",
    severity: Severity::High,
    category: Category::Fargate,
    blocks_registration: true,
    summary: "Fargate task definition whose `networkMode` is not `awsvpc`",
    what: crate::rules::doc(
        "When `requiresCompatibilities` contains `FARGATE`, checks that `networkMode` is `awsvpc`. \
           An omitted `networkMode` means `bridge`, so it is flagged too.",
    ),
    why: crate::rules::doc(
        "Fargate gives every task its own elastic network interface and supports no other mode. \
          RegisterTaskDefinition fails with `Fargate only supports network mode ‘awsvpc’.`",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "networkMode": "bridge", "cpu": "256", "memory": "512",
  "containerDefinitions": [{"name": "app", "image": "nginx"}]}"#,
    ),
    fix: crate::rules::doc(
        "Set `\"networkMode\": \"awsvpc\"`. With `awsvpc`, `links` are not allowed (talk to other containers \
          on `localhost`), `hostPort` must be omitted or equal `containerPort`, and the service or RunTask call \
          must pass a `networkConfiguration` (subnets, security groups).",
    ),
    references: &[
        Reference { tool: "cfn-lint", id: "E3048" },
        Reference { tool: "AWS Config", id: "ecs-awsvpc-networking-enabled" },
    ],
};

impl Rule for FargateNetworkMode {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.is_fargate() {
            return;
        }
        let raw = td.get("networkMode");
        if raw.and_then(|v| v.as_str()) == Some("awsvpc") {
            return;
        }
        let what = match raw {
            None | Some(serde_json::Value::Null) => "networkMode is not set (so it defaults to bridge)".to_string(),
            Some(v) => format!("networkMode is {}", show(v)),
        };
        let msg = format!("{what}: Fargate only supports network mode ‘awsvpc’.");
        out.push(Finding::new(&META, td.ptr("networkMode"), msg).with_fix_from(cx, || {
            Fix::patch("Set networkMode to \"awsvpc\"", set(&td.ptr("networkMode"), raw.is_some(), "awsvpc".into()))
                .safe()
                .with_notes(vec![
                    "With awsvpc, remove `links` (containers reach each other on localhost) and make each hostPort \
                 equal its containerPort or drop it."
                        .into(),
                    "Services and RunTask calls must pass a networkConfiguration (subnets and security groups).".into(),
                ])
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn awsvpc_passes() {
        assert!(check(&FargateNetworkMode, SEED).is_empty());
        assert!(check_value(&FargateNetworkMode, base()).is_empty());
    }

    #[test]
    fn bridge_is_flagged() {
        let mut td = base();
        td["networkMode"] = json!("bridge");
        let f = check_value(&FargateNetworkMode, td);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/networkMode");
        assert!(f[0].message.contains("Fargate only supports network mode ‘awsvpc’."));
        assert_eq!(
            f[0].fix.as_ref().unwrap().patch,
            json!([{"op": "replace", "path": "/networkMode", "value": "awsvpc"}])
        );
    }

    #[test]
    fn missing_defaults_to_bridge() {
        let mut td = base();
        td.as_object_mut().unwrap().remove("networkMode");
        let f = check_value(&FargateNetworkMode, json!({"taskDefinition": td}));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("defaults to bridge"));
        assert_eq!(f[0].pointer, "/taskDefinition/networkMode");
        assert_eq!(
            f[0].fix.as_ref().unwrap().patch,
            json!([{"op": "add", "path": "/taskDefinition/networkMode", "value": "awsvpc"}])
        );
    }

    #[test]
    fn ec2_and_wrong_types() {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["networkMode"] = json!("bridge");
        assert!(check_value(&FargateNetworkMode, td).is_empty());
        let mut td = base();
        td["networkMode"] = json!(5);
        assert_eq!(check_value(&FargateNetworkMode, td).len(), 1);
        let mut td = base();
        td["requiresCompatibilities"] = json!("FARGATE");
        assert!(check_value(&FargateNetworkMode, td).is_empty());
    }
}
