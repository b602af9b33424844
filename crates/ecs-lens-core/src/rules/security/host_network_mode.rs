use crate::finding::{Finding, Fix};
use crate::rules::kit::{one, replace, with_fix_at};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct HostNetwork;

pub static META: RuleMeta = RuleMeta {
    id: "HAR002",
    name: "host-network-mode",
    severity: Severity::Medium,
    category: Category::Security,
    blocks_registration: false,
    summary: "The task uses `networkMode: host`",
    what: crate::rules::doc("Flags a task definition whose `networkMode` is `host`."),
    why: crate::rules::doc(
        "With host networking the containers share the instance's network stack: they can bind any host \
          port, see all host interfaces and reach the instance metadata service as the instance, and no \
          security group separates the task from the rest of the host. Containers running as root in host \
          mode are the case AWS's retired control ECS.1 was about.",
    ),
    example: crate::rules::doc(
        r#"{"networkMode": "host", "containerDefinitions": [{"name": "app", "image": "app:1.2"}]}"#,
    ),
    fix: crate::rules::doc(
        "Use `awsvpc` (each task gets its own network interface and security groups; required on Fargate) \
          or `bridge`. With `awsvpc`, services and RunTask need a `networkConfiguration`.",
    ),
    references: &[
        Reference { tool: "Security Hub", id: "ECS.17" },
        Reference { tool: "AWS Config", id: "ecs-task-definition-network-mode-not-host" },
    ],
};

impl Rule for HostNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        // On Fargate FAR002 already reports any mode but awsvpc as a registration error.
        if td.str("networkMode") != Some("host") || td.is_fargate() {
            return;
        }
        let f = Finding::new(
            &META,
            td.ptr("networkMode"),
            "the task uses host networking: its containers share the instance's network stack and ports",
        );
        out.push(with_fix_at(f, cx, |ptr| {
            Fix::patch(
                "Switch to `awsvpc` networking (one network interface and security group per task)",
                one(replace(ptr, "awsvpc")),
            )
            .with_notes(vec![
                "Services and RunTask must then pass a `networkConfiguration` (subnets, security groups).".into(),
                "Port mappings keep working: with awsvpc `hostPort` must be omitted or equal `containerPort`, \
                     as it already must be in host mode."
                    .into(),
            ])
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kit::test_support::apply_fix;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn flags_host_network() {
        let mut td = base();
        td["networkMode"] = "host".into();
        assert!(check_value(&HostNetwork, td.clone()).is_empty(), "Fargate: FAR002 reports it");
        td["requiresCompatibilities"] = json!(["EC2"]);
        let f = check_value(&HostNetwork, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/networkMode");
        assert!(check_value(&HostNetwork, apply_fix(&td, &f[0])).is_empty());
        let wrapped = json!({"taskDefinition": td});
        assert_eq!(check_value(&HostNetwork, wrapped)[0].pointer, "/taskDefinition/networkMode");
    }

    #[test]
    fn passes_other_modes_and_the_seed() {
        let mut td = base();
        assert!(check_value(&HostNetwork, td.clone()).is_empty());
        td.as_object_mut().unwrap().remove("networkMode");
        assert!(check_value(&HostNetwork, td).is_empty());
        assert!(check(&HostNetwork, SEED).is_empty());
    }
}
