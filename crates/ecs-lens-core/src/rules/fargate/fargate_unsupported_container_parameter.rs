use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::rules::kit::{is_set, remove};
use crate::rules::kit::{named, remove_checked};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct FargateUnsupportedContainerParameter;

pub static META: RuleMeta = RuleMeta {
    id: "FAR011",
    name: "fargate-unsupported-container-parameter",
    severity: Severity::High,
    category: Category::Fargate,
    blocks_registration: true,
    summary: "Container parameter that Fargate does not support",
    what: crate::rules::doc(
        "When `requiresCompatibilities` contains `FARGATE`, flags each container that sets `privileged: true`, \
           `links`, `hostname`, `disableNetworking: true`, `dnsServers`, `dnsSearchDomains`, `extraHosts` or \
           `dockerSecurityOptions`, and each `resourceRequirements` entry of type `GPU` or \
           `InferenceAccelerator`. `false`, `null` and empty lists are ignored.",
    ),
    why: crate::rules::doc(
        "Fargate runs containers on a managed host with `awsvpc` networking and no GPUs, so host privileges, \
          Docker links, per-container hostnames and DNS settings do not apply. ECS rejects the registration, \
          e.g. `Links are not supported when networkMode=awsvpc.` or \
          `hostname is not supported on container when networkMode=awsvpc.`",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512",
  "containerDefinitions": [{"name": "app", "image": "nginx", "privileged": true, "links": ["db"]},
                           {"name": "db", "image": "postgres", "hostname": "db"}]}"#,
    ),
    fix: crate::rules::doc(
        "Remove the parameter. Containers of one task share the network namespace under `awsvpc`, so they \
          reach each other on `localhost` instead of through `links`/`hostname`; DNS comes from the VPC's \
          resolver (use Route 53 private zones or `/etc/hosts`-free service discovery); workloads needing GPUs \
          or privileged mode must run on EC2 or ECS Managed Instances.",
    ),
    references: &[],
};

/// Container fields Fargate rejects, and why.
const FIELDS: &[(&str, &str)] = &[
    ("privileged", "privileged mode is not available on Fargate"),
    ("links", "Links are not supported when networkMode=awsvpc. (Fargate always uses awsvpc; use localhost)"),
    ("hostname", "hostname is not supported on container when networkMode=awsvpc."),
    ("disableNetworking", "disableNetworking is not valid on Fargate"),
    ("dnsServers", "dnsServers is not valid on Fargate (the VPC resolver is used)"),
    ("dnsSearchDomains", "dnsSearchDomains is not valid on Fargate"),
    ("extraHosts", "extraHosts isn't supported with awsvpc, the only network mode on Fargate"),
    (
        "dockerSecurityOptions",
        "dockerSecurityOptions isn't valid for containers in tasks using the Fargate launch type",
    ),
];

impl Rule for FargateUnsupportedContainerParameter {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.is_fargate() {
            return;
        }
        for c in &td.containers {
            // Most containers have none of these members: one pass over the keys rules them out.
            let relevant = c.obj.keys().any(|k| {
                matches!(
                    k.as_str(),
                    "privileged"
                        | "links"
                        | "hostname"
                        | "disableNetworking"
                        | "dnsServers"
                        | "dnsSearchDomains"
                        | "extraHosts"
                        | "dockerSecurityOptions"
                        | "resourceRequirements"
                )
            });
            if !relevant {
                continue;
            }
            for (field, why) in FIELDS {
                if c.get(field).is_some_and(is_set) {
                    let pointer = c.ptr(field);
                    let msg = format!("{} sets {field}: {why}", named(c));
                    let finding = Finding::new(&META, pointer, msg).in_container(c);
                    out.push(finding.with_fix_from(cx, || {
                        let pointer = c.ptr(field);
                        Fix::patch(format!("Remove {field} from {}", named(c)), remove(&pointer)).safe()
                    }));
                }
            }
            let Some(reqs) = c.get("resourceRequirements").and_then(Value::as_array) else { continue };
            for (i, r) in reqs.iter().enumerate() {
                let kind = r.get("type").and_then(Value::as_str);
                let what = match kind {
                    Some("GPU") => "a GPU, and Fargate has no GPUs",
                    Some("InferenceAccelerator") => "an Elastic Inference accelerator, which Fargate does not offer",
                    _ => continue,
                };
                let pointer = format!("{}/{i}", c.ptr("resourceRequirements"));
                let msg = format!("{} requests {what} (resourceRequirements[{i}])", named(c));
                let finding = Finding::new(&META, pointer, msg).in_container(c);
                out.push(finding.with_fix_from(cx, || {
                    let pointer = format!("{}/{i}", c.ptr("resourceRequirements"));
                    Fix::patch(
                        format!("Remove this resource requirement from {}", named(c)),
                        remove_checked(&pointer, r),
                    )
                    .safe()
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
    fn seed_and_falsy_values_pass() {
        assert!(check(&FargateUnsupportedContainerParameter, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["privileged"] = json!(false);
        td["containerDefinitions"][0]["links"] = json!([]);
        td["containerDefinitions"][0]["disableNetworking"] = json!(false);
        td["containerDefinitions"][0]["dnsServers"] = Value::Null;
        td["containerDefinitions"][0]["hostname"] = json!("");
        td["containerDefinitions"][0]["resourceRequirements"] = json!([{"type": "NeuronDevice", "value": "ALL"}]);
        assert!(check_value(&FargateUnsupportedContainerParameter, td).is_empty());
    }

    #[test]
    fn flags_each_field() {
        let mut td = base();
        let c = &mut td["containerDefinitions"][0];
        c["privileged"] = json!(true);
        c["links"] = json!(["db:db"]);
        c["hostname"] = json!("app");
        c["disableNetworking"] = json!(true);
        c["dnsServers"] = json!(["10.0.0.2"]);
        c["dnsSearchDomains"] = json!(["corp"]);
        c["extraHosts"] = json!([{"hostname": "x", "ipAddress": "10.0.0.1"}]);
        c["dockerSecurityOptions"] = json!(["no-new-privileges"]);
        c["resourceRequirements"] =
            json!([{"type": "GPU", "value": "1"}, {"type": "InferenceAccelerator", "value": "d"}]);
        let f = check_value(&FargateUnsupportedContainerParameter, json!({"taskDefinition": td}));
        assert_eq!(f.len(), 10);
        assert!(f.iter().all(|f| f.pointer.starts_with("/taskDefinition/containerDefinitions/0/")));
        assert!(f.iter().all(|f| f.container.as_deref() == Some("app")));
        assert!(f[1].message.contains("Links are not supported when networkMode=awsvpc."));
        assert!(f[2].message.contains("hostname is not supported on container when networkMode=awsvpc."));
        assert_eq!(f[8].pointer, "/taskDefinition/containerDefinitions/0/resourceRequirements/0");
        assert_eq!(
            f[8].fix.as_ref().unwrap().patch,
            json!([
                {"op": "test", "path": "/taskDefinition/containerDefinitions/0/resourceRequirements/0",
                 "value": {"type": "GPU", "value": "1"}},
                {"op": "remove", "path": "/taskDefinition/containerDefinitions/0/resourceRequirements/0"}
            ])
        );
        assert_eq!(
            f[0].fix.as_ref().unwrap().patch,
            json!([{"op": "remove", "path": "/taskDefinition/containerDefinitions/0/privileged"}])
        );
    }

    #[test]
    fn ec2_and_wrong_types() {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["containerDefinitions"][0]["privileged"] = json!(true);
        assert!(check_value(&FargateUnsupportedContainerParameter, td).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["resourceRequirements"] = json!({"type": "GPU"});
        td["containerDefinitions"][0]["privileged"] = json!("yes");
        td["containerDefinitions"].as_array_mut().unwrap().push(json!("not a container"));
        let f = check_value(&FargateUnsupportedContainerParameter, td);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/privileged");
    }
}
