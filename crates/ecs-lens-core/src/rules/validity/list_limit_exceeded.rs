use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::rules::kit::{field, items};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct ListLimitExceeded;

pub static META: RuleMeta = RuleMeta {
    id: "VAL036",
    name: "list-limit-exceeded",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "More list entries than ECS allows (placement constraints, environment files, credential specs, …)",
    what: crate::rules::doc(
        "Checks the documented list limits: at most 10 `placementConstraints`, 10 `environmentFiles` per \
           container, 1 `credentialSpecs` entry, 50 `restartPolicy.ignoredExitCodes` and 100 port ranges \
           (`containerPortRange`) per container. (Containers: VAL007; tags: VAL033.)",
    ),
    why: crate::rules::doc("These are limits of the ECS API; RegisterTaskDefinition refuses a longer list."),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "credentialSpecs": ["credentialspec:arn:aws:s3:::b/a.json", "credentialspec:arn:aws:s3:::b/b.json"]}]}"#,
    ),
    fix: crate::rules::doc("Shorten the list: merge environment files, drop redundant constraints or exit codes."),
    references: &[Reference { tool: "AWS", id: "ECS API limits" }],
};

impl Rule for ListLimitExceeded {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let len = |v: Option<&Value>| v.and_then(Value::as_array).map_or(0, Vec::len);
        let n = len(td.get("placementConstraints"));
        if n > 10 {
            out.push(excess(
                cx,
                format!("{}/10", td.ptr("placementConstraints")),
                "`placementConstraints`".into(),
                n,
                10,
            ));
        }
        for c in &td.containers {
            // One pass over the container's members.
            let (mut env_files, mut specs, mut restart, mut mappings) = (None, None, None, None);
            for (k, v) in c.obj {
                match k.as_str() {
                    "environmentFiles" => env_files = Some(v),
                    "credentialSpecs" => specs = Some(v),
                    "restartPolicy" => restart = Some(v),
                    "portMappings" => mappings = Some(v),
                    _ => {}
                }
            }
            for (field, value, max) in [("environmentFiles", env_files, 10), ("credentialSpecs", specs, 1)] {
                let n = len(value);
                if n > max {
                    out.push(
                        excess(
                            cx,
                            format!("{}/{max}", c.ptr(field)),
                            format!("container `{}`: `{field}`", c.label()),
                            n,
                            max,
                        )
                        .in_container(c),
                    );
                }
            }
            let n = len(restart.and_then(|r| field(r, "ignoredExitCodes")));
            if n > 50 {
                out.push(
                    excess(
                        cx,
                        format!("{}/ignoredExitCodes/50", c.ptr("restartPolicy")),
                        format!("container `{}`: `restartPolicy.ignoredExitCodes`", c.label()),
                        n,
                        50,
                    )
                    .in_container(c),
                );
            }
            let mut ranges = items(mappings).filter(|(_, pm)| field(pm, "containerPortRange").is_some());
            if let Some((i, _)) = ranges.nth(100) {
                let n = 101 + ranges.count();
                out.push(
                    excess(
                        cx,
                        format!("{}/{i}", c.ptr("portMappings")),
                        format!("container `{}`: `containerPortRange`", c.label()),
                        n,
                        100,
                    )
                    .in_container(c),
                );
            }
        }
    }
}

fn excess(cx: &Context<'_>, pointer: String, what: String, n: usize, max: usize) -> Finding {
    Finding::new(&META, pointer, format!("{what} has {n} entries; ECS allows at most {max}"))
        .with_fix_from(cx, || Fix::advice(format!("Keep at most {max} entries")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn flags_each_limit() {
        let mut td = base();
        td["placementConstraints"] =
            json!((0..11).map(|_| json!({"type": "memberOf", "expression": "x"})).collect::<Vec<_>>());
        let c = &mut td["containerDefinitions"][0];
        c["environmentFiles"] = json!((0..11)
            .map(|i| json!({"type": "s3", "value": format!("arn:aws:s3:::b/{i}.env")}))
            .collect::<Vec<_>>());
        c["credentialSpecs"] = json!(["a", "b"]);
        c["restartPolicy"] = json!({"enabled": true, "ignoredExitCodes": (0..51).collect::<Vec<_>>()});
        c["portMappings"] = json!((0..101)
            .map(|i| json!({"containerPortRange": format!("{}-{}", 1000 + i * 10, 1005 + i * 10)}))
            .collect::<Vec<_>>());
        let f = check_value(&ListLimitExceeded, td);
        let ptrs: Vec<&str> = f.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(
            ptrs,
            [
                "/placementConstraints/10",
                "/containerDefinitions/0/environmentFiles/10",
                "/containerDefinitions/0/credentialSpecs/1",
                "/containerDefinitions/0/restartPolicy/ignoredExitCodes/50",
                "/containerDefinitions/0/portMappings/100",
            ]
        );
    }

    #[test]
    fn limits_themselves_pass() {
        assert!(check(&ListLimitExceeded, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["credentialSpecs"] = json!(["a"]);
        assert!(check_value(&ListLimitExceeded, td).is_empty());
    }
}
