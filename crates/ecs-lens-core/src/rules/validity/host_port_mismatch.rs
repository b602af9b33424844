use serde_json::json;

use crate::finding::{Finding, Fix};
use crate::rules::kit::{field, int, items};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct HostPortMismatch;

pub static META: RuleMeta = RuleMeta {
    id: "VAL019",
    name: "host-port-mismatch",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "With `awsvpc` or `host` networking, a `hostPort` that differs from its `containerPort`",
    what: crate::rules::doc(
        "For task definitions whose `networkMode` is `awsvpc` (always the case on Fargate) or `host`, checks \
           that each port mapping's `hostPort` is omitted or equal to its `containerPort`.",
    ),
    why: crate::rules::doc(
        "The container has the task's (or the host's) network interface to itself, so there is no port \
          translation. RegisterTaskDefinition rejects the mismatch: `When networkMode=awsvpc, the host ports \
          and container ports in port mappings must match.` It is what happens when a `bridge` definition \
          (`8080 → 80`) is moved to Fargate.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "networkMode": "awsvpc", "containerDefinitions": [{"name": "app", "image": "nginx", "portMappings": [{"containerPort": 80, "hostPort": 8080}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Drop `hostPort` or set it to the `containerPort` (the fix does the latter); to expose another port, \
          change what the application listens on or map it at the load balancer.",
    ),
    references: &[Reference { tool: "cfn-lint", id: "E3053" }],
};

impl Rule for HostPortMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let mode = td.network_mode();
        if mode != "awsvpc" && mode != "host" {
            return;
        }
        for c in &td.containers {
            for (i, pm) in items(c.get("portMappings")) {
                let (Some(container), Some(host)) = (int(field(pm, "containerPort")), int(field(pm, "hostPort")))
                else {
                    continue;
                };
                if host == container || host == 0 {
                    continue;
                }
                let pointer = format!("{}/{i}/hostPort", c.ptr("portMappings"));
                out.push(
                    Finding::new(
                        &META,
                        pointer.clone(),
                        format!(
                            "container `{}`: hostPort {host} differs from containerPort {container} (ECS: \"When \
                             networkMode={mode}, the host ports and container ports in port mappings must match.\")",
                            c.label()
                        ),
                    )
                    .in_container(c)
                    .with_fix_from(cx, || {
                        Fix::patch(
                            format!("Set hostPort to {container}"),
                            json!([{"op": "replace", "path": pointer, "value": container}]),
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
    fn flags_translation_under_awsvpc_and_host() {
        let mut td = base();
        td["containerDefinitions"][0]["portMappings"] =
            json!([{"containerPort": 80, "hostPort": 8080}, {"containerPort": 443}]);
        let f = check_value(&HostPortMismatch, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/portMappings/0/hostPort");
        assert!(f[0]
            .message
            .contains("When networkMode=awsvpc, the host ports and container ports in port mappings must match."));
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"], 80);
        td["networkMode"] = json!("host");
        assert_eq!(check_value(&HostPortMismatch, td).len(), 1);
    }

    #[test]
    fn bridge_and_matching_ports_pass() {
        assert!(check(&HostPortMismatch, SEED).is_empty());
        let mut td = base();
        td["networkMode"] = json!("bridge");
        td["containerDefinitions"][0]["portMappings"] = json!([{"containerPort": 80, "hostPort": 8080}]);
        assert!(check_value(&HostPortMismatch, td.clone()).is_empty());
        td.as_object_mut().unwrap().remove("networkMode");
        assert!(check_value(&HostPortMismatch, td).is_empty());
    }
}
