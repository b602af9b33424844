use serde_json::{json, Value};

use crate::finding::{Finding, Fix};
use crate::rules::kit::closest;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct UnknownProxyContainer;

pub static META: RuleMeta = RuleMeta {
    id: "VAL039",
    name: "unknown-proxy-container",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "`proxyConfiguration.containerName` is not a container of the task",
    what: crate::rules::doc(
        "Checks that the App Mesh `proxyConfiguration.containerName` names one of the task's containers.",
    ),
    why: crate::rules::doc(
        "ECS routes the task's traffic through that container (the Envoy sidecar); a name that matches no \
          container cannot be wired and the task cannot work as configured.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "networkMode": "awsvpc", "proxyConfiguration": {"type": "APPMESH", "containerName": "envoy"}, "containerDefinitions": [{"name": "app", "image": "nginx"}]}"#,
    ),
    fix: crate::rules::doc("Name the proxy container (the fix corrects a near miss), or add it."),
    references: &[Reference { tool: "AWS", id: "ECS API ProxyConfiguration.containerName" }],
};

impl Rule for UnknownProxyContainer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let Some(name) = td.get("proxyConfiguration").and_then(|p| p.get("containerName")).and_then(Value::as_str)
        else {
            return;
        };
        if name.is_empty() || td.container(name).is_some() {
            return;
        }
        let pointer = format!("{}/containerName", td.ptr("proxyConfiguration"));
        let suggestion = closest(name, td.containers.iter().filter_map(|c| c.name));
        let fix = match suggestion {
            Some(s) => Fix::patch(format!("Use `{s}`"), json!([{"op": "replace", "path": pointer, "value": s}])).safe(),
            None => Fix::advice("Add the proxy (Envoy) container or name an existing one"),
        };
        out.push(
            Finding::new(
                &META,
                pointer,
                format!(
                    "proxyConfiguration names container `{name}`, which is not in the task{}",
                    suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
                ),
            )
            .with_fix_from(cx, || fix),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_missing_proxy_container() {
        let mut td = base();
        td["proxyConfiguration"] = json!({"type": "APPMESH", "containerName": "envoi"});
        td["containerDefinitions"].as_array_mut().unwrap().push(json!({"name": "envoy", "image": "envoy"}));
        let f = check_value(&UnknownProxyContainer, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/proxyConfiguration/containerName");
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"], "envoy");
        td["proxyConfiguration"]["containerName"] = json!("envoy");
        assert!(check_value(&UnknownProxyContainer, td).is_empty());
    }

    #[test]
    fn seed_passes() {
        assert!(check(&UnknownProxyContainer, SEED).is_empty());
    }
}
