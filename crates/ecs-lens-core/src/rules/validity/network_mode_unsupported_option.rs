use serde_json::{json, Value};

use crate::finding::{Finding, Fix};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct NetworkModeUnsupportedOption;

pub static META: RuleMeta = RuleMeta {
    id: "VAL023",
    name: "network-mode-unsupported-option",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "`links` outside `bridge` networking, or `hostname`/`extraHosts` with `awsvpc`",
    what: crate::rules::doc(
        "Flags container `links` when the task's `networkMode` is not `bridge`, and `hostname` or \
           `extraHosts` when it is `awsvpc`. (Fargate task definitions get the same findings from FAR011.)",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects them: `Links are not supported when networkMode=awsvpc.` and \
          `hostname is not supported on container when networkMode=awsvpc.` Links are a Docker bridge \
          feature; with `awsvpc` the containers of a task share one network namespace and reach each other \
          on `localhost`, and the hostname belongs to the task's ENI.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["EC2"], "containerDefinitions": [{"name": "app", "image": "nginx", "links": ["db"], "hostname": "web"}, {"name": "db", "image": "postgres"}]}"#,
    ),
    fix: crate::rules::doc(
        "Remove the field (the fix does it). Replace a link by `localhost:<port>` (and a `dependsOn` with \
          `START` if the start order mattered).",
    ),
    references: &[Reference { tool: "AWS", id: "RegisterTaskDefinition ClientException" }],
};

impl Rule for NetworkModeUnsupportedOption {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let mode = td.network_mode();
        // On Fargate (always awsvpc) FAR011 reports these parameters.
        if mode == "bridge" || td.is_fargate() {
            return;
        }
        for c in &td.containers {
            let non_empty = |v: Option<&Value>| match v {
                Some(Value::Array(a)) => !a.is_empty(),
                Some(Value::String(s)) => !s.is_empty(),
                _ => false,
            };
            let mut report = |field: &str, message: String| {
                out.push(Finding::new(&META, c.ptr(field), message).in_container(c).with_fix_from(cx, || {
                    Fix::patch(format!("Remove `{field}`"), json!([{"op": "remove", "path": c.ptr(field)}])).safe()
                }));
            };
            if non_empty(c.get("links")) {
                let aws =
                    if mode == "awsvpc" { " (ECS: \"Links are not supported when networkMode=awsvpc.\")" } else { "" };
                report(
                    "links",
                    format!(
                        "container `{}`: `links` only work with `bridge` networking, not `{mode}`; containers reach each \
                         other on localhost{aws}",
                        c.label()
                    ),
                );
            }
            if mode != "awsvpc" {
                continue;
            }
            if non_empty(c.get("hostname")) {
                report(
                    "hostname",
                    format!(
                        "container `{}`: `hostname` cannot be set with awsvpc (ECS: \"hostname is not supported on \
                         container when networkMode=awsvpc.\")",
                        c.label()
                    ),
                );
            }
            if non_empty(c.get("extraHosts")) {
                report(
                    "extraHosts",
                    format!("container `{}`: `extraHosts` is not supported with awsvpc networking", c.label()),
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
    fn flags_bridge_only_options_under_awsvpc() {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        let c = &mut td["containerDefinitions"][0];
        c["links"] = json!(["db:database"]);
        c["hostname"] = json!("web");
        c["extraHosts"] = json!([{"hostname": "a", "ipAddress": "10.0.0.1"}]);
        let f = check_value(&NetworkModeUnsupportedOption, td.clone());
        assert_eq!(f.len(), 3);
        assert!(f[0].message.contains("Links are not supported when networkMode=awsvpc."));
        assert!(f[1].message.contains("hostname is not supported on container when networkMode=awsvpc."));
        assert_eq!(f[2].fix.as_ref().unwrap().patch[0]["path"], "/containerDefinitions/0/extraHosts");
        td["requiresCompatibilities"] = json!(["FARGATE"]);
        assert!(check_value(&NetworkModeUnsupportedOption, td).is_empty(), "FAR011 reports these on Fargate");
    }

    #[test]
    fn host_mode_rejects_links_only() {
        let mut td = base();
        td.as_object_mut().unwrap().remove("requiresCompatibilities");
        td["networkMode"] = json!("host");
        td["containerDefinitions"][0]["links"] = json!(["db"]);
        td["containerDefinitions"][0]["hostname"] = json!("web");
        let f = check_value(&NetworkModeUnsupportedOption, td);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/links");
    }

    #[test]
    fn bridge_and_seed_pass() {
        assert!(check(&NetworkModeUnsupportedOption, SEED).is_empty());
        let mut td = base();
        td["networkMode"] = json!("bridge");
        td["containerDefinitions"][0]["links"] = json!(["db"]);
        assert!(check_value(&NetworkModeUnsupportedOption, td.clone()).is_empty());
        td.as_object_mut().unwrap().remove("networkMode");
        assert!(check_value(&NetworkModeUnsupportedOption, td).is_empty());
    }
}
