use serde_json::{json, Value};

use crate::finding::{Finding, Fix};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct PortMappingsWithNetworkNone;

pub static META: RuleMeta = RuleMeta {
    id: "VAL022",
    name: "port-mappings-with-network-none",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "Port mappings on a task whose `networkMode` is `none`",
    what: crate::rules::doc("Flags non-empty `portMappings` when the task definition's `networkMode` is `none`."),
    why: crate::rules::doc(
        "A task without networking has no interface to publish a port on; the ECS API documents that with \
          `none` you can't specify port mappings, and RegisterTaskDefinition rejects them.",
    ),
    example: crate::rules::doc(
        r#"{"family": "batch", "networkMode": "none", "containerDefinitions": [{"name": "job", "image": "busybox", "portMappings": [{"containerPort": 80}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Remove the port mappings (the fix does it), or choose a network mode (`awsvpc`, `bridge`) if the \
          container must be reachable.",
    ),
    references: &[Reference { tool: "AWS", id: "ECS API ContainerDefinition.portMappings" }],
};

impl Rule for PortMappingsWithNetworkNone {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if td.network_mode() != "none" {
            return;
        }
        for c in &td.containers {
            if c.get("portMappings").and_then(Value::as_array).is_some_and(|a| !a.is_empty()) {
                out.push(
                    Finding::new(
                        &META,
                        c.ptr("portMappings"),
                        format!("container `{}` has port mappings but the task's networkMode is `none`", c.label()),
                    )
                    .in_container(c)
                    .with_fix_from(cx, || {
                        Fix::patch("Remove the port mappings", json!([{"op": "remove", "path": c.ptr("portMappings")}]))
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
    fn flags_mappings_without_network() {
        let mut td = base();
        td["networkMode"] = json!("none");
        td["containerDefinitions"][0]["portMappings"] = json!([{"containerPort": 80}]);
        let f = check_value(&PortMappingsWithNetworkNone, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/portMappings");
        td["containerDefinitions"][0]["portMappings"] = json!([]);
        assert!(check_value(&PortMappingsWithNetworkNone, td).is_empty());
    }

    #[test]
    fn other_modes_pass() {
        assert!(check(&PortMappingsWithNetworkNone, SEED).is_empty());
    }
}
