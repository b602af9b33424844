use crate::finding::{Finding, Fix};
use crate::rules::kit::{field, int, items, str_field};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct DuplicateHostPort;

pub static META: RuleMeta = RuleMeta {
    id: "VAL021",
    name: "duplicate-host-port",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "The same host port and protocol is mapped twice in the task",
    what: crate::rules::doc(
        "Collects the host port every port mapping binds — `hostPort` when it is set and non-zero, and with \
           `awsvpc` or `host` networking the `containerPort` itself — and reports a port/protocol pair used \
           twice, within a container or across containers. (The same port with `tcp` and `udp` is fine.)",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects it: `TCP host port '3000' is mapped multiple times in task.` With \
          `awsvpc` all containers share one network interface, so two containers listening on 8080 (an app \
          and a sidecar's admin port) collide even without any `hostPort`.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "networkMode": "awsvpc", "containerDefinitions": [{"name": "app", "image": "nginx", "portMappings": [{"containerPort": 8080}]}, {"name": "proxy", "image": "envoy", "portMappings": [{"containerPort": 8080}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Give one of the two a different port (and make its process listen there), or drop the duplicate \
          mapping.",
    ),
    references: &[Reference { tool: "AWS", id: "RegisterTaskDefinition ClientException" }],
};

impl Rule for DuplicateHostPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let shared = matches!(td.network_mode(), "awsvpc" | "host");
        // (port, is_udp, container position, mapping index)
        let mut bound: Vec<(i64, bool, usize, usize)> = Vec::new();
        for (ci, c) in td.containers.iter().enumerate() {
            for (i, pm) in items(c.get("portMappings")) {
                let host = int(field(pm, "hostPort")).filter(|p| *p != 0);
                let port = match host {
                    Some(p) => p,
                    None if shared => match int(field(pm, "containerPort")) {
                        Some(p) => p,
                        None => continue,
                    },
                    None => continue,
                };
                // ECS treats any protocol other than `udp` as `tcp`.
                let udp = str_field(pm, "protocol") == Some("udp");
                bound.push((port, udp, ci, i));
            }
        }
        if bound.len() < 2 {
            return;
        }
        let mut sorted = bound.clone();
        sorted.sort_unstable();
        for w in sorted.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a.0 != b.0 || a.1 != b.1 {
                continue;
            }
            // Report the later mapping in document order.
            let (first, dup) = if (a.2, a.3) < (b.2, b.3) { (a, b) } else { (b, a) };
            let c = &td.containers[dup.2];
            let proto = if dup.1 { "UDP" } else { "TCP" };
            let first_label = td.containers[first.2].label();
            out.push(
                Finding::new(
                    &META,
                    format!("{}/{}", c.ptr("portMappings"), dup.3),
                    format!(
                        "container `{}`: {proto} port {} is already bound by container `{first_label}` (ECS: \"{proto} \
                         host port '{}' is mapped multiple times in task.\")",
                        c.label(),
                        dup.0,
                        dup.0
                    ),
                )
                .in_container(c)
                .with_fix_from(cx, || {
                    Fix::advice("Use a different port for one of the two mappings, or remove the duplicate")
                }),
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
    fn flags_shared_ports_under_awsvpc() {
        let mut td = base();
        td["containerDefinitions"][0]["portMappings"] = json!([{"containerPort": 8080}]);
        td["containerDefinitions"].as_array_mut().unwrap().push(json!({"name": "proxy", "image": "envoy",
            "portMappings": [{"containerPort": 8080, "protocol": "tcp"}, {"containerPort": 53, "protocol": "udp"}, {"containerPort": 53}]}));
        let f = check_value(&DuplicateHostPort, td);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].pointer, "/containerDefinitions/1/portMappings/0");
        assert!(f[0].message.contains("TCP host port '8080' is mapped multiple times in task."));
        assert_eq!(f[0].container.as_deref(), Some("proxy"));
    }

    #[test]
    fn bridge_needs_explicit_host_ports() {
        let mut td = base();
        td["networkMode"] = json!("bridge");
        td["containerDefinitions"][0]["portMappings"] =
            json!([{"containerPort": 80}, {"containerPort": 80, "hostPort": 0}]);
        assert!(check_value(&DuplicateHostPort, td.clone()).is_empty());
        td["containerDefinitions"][0]["portMappings"] =
            json!([{"containerPort": 80, "hostPort": 8080}, {"containerPort": 81, "hostPort": 8080}]);
        assert_eq!(check_value(&DuplicateHostPort, td).len(), 1);
    }

    #[test]
    fn seed_passes() {
        assert!(check(&DuplicateHostPort, SEED).is_empty());
    }
}
