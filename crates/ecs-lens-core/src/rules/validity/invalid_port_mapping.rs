use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::rules::kit::int;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct InvalidPortMapping;

pub static META: RuleMeta = RuleMeta {
    id: "VAL020",
    name: "invalid-port-mapping",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "A port mapping without a valid `containerPort`, with a bad range or port name",
    what: crate::rules::doc(
        "Checks each `portMappings` entry: it needs a `containerPort` between 1 and 65535 (or a \
           `containerPortRange`); `hostPort` is 0–65535; `containerPortRange` is `\"start-end\"` with \
           1 ≤ start < end ≤ 65535, only with `bridge` or `awsvpc` networking and without `hostPort`; a \
           port-mapping `name` is at most 64 lowercase letters, digits, `_` and `-`, not starting with `-`.",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects an empty or partial mapping with `Invalid 'containerPort' setting for \
          container 'app'.` (the CDK used to generate such an empty mapping), and refuses the other \
          malformed values the same way.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "portMappings": [{"hostPort": 80}, {"containerPort": 70000}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Give every mapping the port the application listens on as `containerPort`, or remove the mapping.",
    ),
    references: &[Reference { tool: "AWS", id: "RegisterTaskDefinition ClientException" }],
};

fn parse_range(s: &str) -> Option<(i64, i64)> {
    let (a, b) = s.split_once('-')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

fn valid_port_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && !s.starts_with('-')
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Rule for InvalidPortMapping {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let mode = td.network_mode();
        for c in &td.containers {
            let Some(list) = c.get("portMappings").and_then(Value::as_array) else { continue };
            for (i, pm) in list.iter().enumerate() {
                let Some(obj) = pm.as_object() else { continue };
                // One pass over the mapping's members.
                let (mut container_port, mut host_port, mut range_v, mut name_v) = (None, None, None, None);
                for (k, v) in obj {
                    match k.as_str() {
                        "containerPort" => container_port = Some(v),
                        "hostPort" => host_port = Some(v),
                        "containerPortRange" => range_v = Some(v),
                        "name" => name_v = Some(v),
                        _ => {}
                    }
                }
                // Pointers, labels and messages are built only for what is reported.
                let push = |out: &mut Vec<Finding>, suffix: &str, message: String| {
                    let advice = match suffix {
                        "/name" => "Use lowercase letters, digits, `_` and `-` (at most 64, not starting with `-`)",
                        "/containerPortRange" => {
                            "Write the range as \"start-end\" (e.g. \"8000-8100\") with `bridge` or `awsvpc` networking"
                        }
                        _ => "Set `containerPort` to the port the application listens on (1–65535)",
                    };
                    out.push(
                        Finding::new(
                            &META,
                            format!("{}/{i}{suffix}", c.ptr("portMappings")),
                            format!("container `{}`: {message}", c.label()),
                        )
                        .in_container(c)
                        .with_fix_from(cx, || Fix::advice(advice)),
                    );
                };
                let aws = || format!("(ECS: \"Invalid 'containerPort' setting for container '{}'.\")", c.label());
                let range = range_v.and_then(Value::as_str);
                match container_port {
                    None if range.is_none() => {
                        push(out, "", format!("portMappings[{i}] has no `containerPort` {}", aws()));
                    }
                    Some(v) => {
                        if let Some(p) = int(Some(v)).filter(|p| !(1..=65535).contains(p)) {
                            push(out, "/containerPort", format!("containerPort {p} is outside 1–65535 {}", aws()));
                        }
                    }
                    None => {}
                }
                if let Some(p) = int(host_port).filter(|p| !(0..=65535).contains(p)) {
                    push(out, "/hostPort", format!("hostPort {p} is outside 0–65535"));
                }
                if let Some(r) = range {
                    let ok = parse_range(r).is_some_and(|(a, b)| 1 <= a && a < b && b <= 65535);
                    if !ok {
                        push(
                            out,
                            "/containerPortRange",
                            format!("containerPortRange `{r}` must be \"start-end\" with 1 ≤ start < end ≤ 65535"),
                        );
                    }
                    if mode != "bridge" && mode != "awsvpc" {
                        push(
                            out,
                            "/containerPortRange",
                            format!("containerPortRange needs `bridge` or `awsvpc` networking, not `{mode}`"),
                        );
                    }
                    if host_port.is_some() {
                        push(
                            out,
                            "/hostPort",
                            "do not set `hostPort` with `containerPortRange`; ECS assigns the host ports".into(),
                        );
                    }
                }
                if let Some(name) = name_v.and_then(Value::as_str).filter(|n| !valid_port_name(n)) {
                    push(
                        out,
                        "/name",
                        format!(
                            "port-mapping name `{}` must be at most 64 lowercase letters, digits, `_` and `-`, not starting with `-`",
                            name.chars().take(80).collect::<String>()
                        ),
                    );
                }
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
    fn flags_missing_and_out_of_range_ports() {
        let mut td = base();
        td["containerDefinitions"][0]["portMappings"] = json!([{"hostPort": 80}, {"containerPort": 70000}, {"containerPort": 0}, {"containerPort": 80, "hostPort": -1}]);
        let f = check_value(&InvalidPortMapping, td);
        let ptrs: Vec<&str> = f.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(
            ptrs,
            [
                "/containerDefinitions/0/portMappings/0",
                "/containerDefinitions/0/portMappings/1/containerPort",
                "/containerDefinitions/0/portMappings/2/containerPort",
                "/containerDefinitions/0/portMappings/3/hostPort",
            ]
        );
        assert!(f[0].message.contains("Invalid 'containerPort' setting for container 'app'."), "{}", f[0].message);
    }

    #[test]
    fn flags_ranges_and_names() {
        let mut td = base();
        td["containerDefinitions"][0]["portMappings"] = json!([
            {"containerPortRange": "9000-8000"},
            {"containerPortRange": "7000-7100", "hostPort": 7000},
            {"containerPort": 80, "name": "Web-Port"},
            {"containerPortRange": "100-200", "name": "ok_name-1"}
        ]);
        let f = check_value(&InvalidPortMapping, td.clone());
        assert_eq!(f.len(), 3, "{f:#?}");
        assert!(f[2].message.contains("Web-Port"));
        td["networkMode"] = json!("host");
        td["containerDefinitions"][0]["portMappings"] = json!([{"containerPortRange": "100-200"}]);
        let f = check_value(&InvalidPortMapping, td);
        assert!(f[0].message.contains("not `host`"));
    }

    #[test]
    fn good_mappings_pass() {
        assert!(check(&InvalidPortMapping, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["portMappings"] =
            json!([{"containerPort": 80, "name": "web", "appProtocol": "http"}]);
        assert!(check_value(&InvalidPortMapping, td).is_empty());
    }
}
