use serde_json::{json, Value};

use super::datadog_site_missing_or_invalid::SITES;
use crate::finding::{Finding, Fix};
use crate::rules::kit::sidecars::{agents, env_entry};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct FirelensDatadogHost;

pub static META: RuleMeta = RuleMeta {
    id: "SDC015",
    name: "firelens-datadog-host-wrong-site",
    severity: Severity::Medium,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "FireLens `datadog` output sends logs to a different Datadog site than the agent's `DD_SITE`",
    what: crate::rules::doc(
        "When the Datadog agent sets a valid `DD_SITE`, checks each container logging through `awsfirelens` \
           with `Name: datadog`: its `Host` option must be that site's log intake, `http-intake.logs.<DD_SITE>`. \
           A missing `Host` means the Fluent Bit default, the US1 intake `http-intake.logs.datadoghq.com`.",
    ),
    why: crate::rules::doc(
        "Logs, metrics and traces of one organisation must go to the same site. Logs sent to another site's \
          intake are rejected there (the API key belongs to a different site) and never appear in your \
          organisation — typically when an example written for US1 is copied into an EU1 or AP1 setup.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [
  {"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7",
   "environment": [{"name": "DD_SITE", "value": "ap1.datadoghq.com"}]},
  {"name": "app", "image": "app", "logConfiguration": {"logDriver": "awsfirelens",
   "options": {"Name": "datadog", "Host": "http-intake.logs.datadoghq.com", "TLS": "on"}}}]}"#,
    ),
    fix: crate::rules::doc(
        "Set `Host` to `http-intake.logs.<DD_SITE>`, e.g. `\"Host\": \"http-intake.logs.ap1.datadoghq.com\"`.",
    ),
    references: &[],
};

impl Rule for FirelensDatadogHost {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let Some(site) = agents(td).find_map(|a| match env_entry(a, "DD_SITE") {
            Some((_, Some(s))) if SITES.contains(&s) => Some(s),
            _ => None,
        }) else {
            return;
        };
        for c in &td.containers {
            if c.log_driver() != Some("awsfirelens")
                || !c.log_option("Name").is_some_and(|n| n.eq_ignore_ascii_case("datadog"))
            {
                continue;
            }
            let host = c.log_option("Host");
            let ok = host.is_some_and(|h| {
                let h = h.trim();
                h.strip_prefix("http-intake.logs.").is_some_and(|rest| rest.eq_ignore_ascii_case(site))
            });
            if ok {
                continue;
            }
            let options = format!("{}/options", c.ptr("logConfiguration"));
            let expected = format!("http-intake.logs.{site}");
            let (pointer, op) = match host {
                Some(_) => (format!("{options}/Host"), "replace"),
                None => (options.clone(), "add"),
            };
            let shown = match host {
                Some(h) if h.len() <= 80 => format!("`{h}`"),
                Some(_) => "another host".to_string(),
                None => "the default US1 intake".to_string(),
            };
            out.push(
                Finding::new(
                    &META,
                    pointer,
                    format!(
                        "`{}` sends its logs through FireLens to {shown}, but the Datadog agent uses the site \
                         `{site}`: the logs go to a different Datadog site and never reach your organisation",
                        c.label()
                    ),
                )
                .in_container(c)
                .with_fix_from(cx, || {
                    if c.get("logConfiguration").and_then(|l| l.get("options")).is_some_and(Value::is_object) {
                        Fix::patch(
                            format!("Send the logs to `{expected}`"),
                            json!([{"op": op, "path": format!("{options}/Host"), "value": expected}]),
                        )
                    } else {
                        Fix::advice(format!("Set the FireLens option `Host` to `{expected}`"))
                    }
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    fn td(site: &str, options: Value) -> Value {
        let mut td = base();
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": "awsfirelens", "options": options});
        td["containerDefinitions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "datadog-agent", "image": "datadog/agent",
            "environment": [{"name": "DD_SITE", "value": site}]}));
        td
    }

    #[test]
    fn flags_wrong_or_default_host() {
        let f = check_value(
            &FirelensDatadogHost,
            td("ap1.datadoghq.com", json!({"Name": "datadog", "Host": "http-intake.logs.datadoghq.com"})),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/logConfiguration/options/Host");
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"], "http-intake.logs.ap1.datadoghq.com");
        let f = check_value(&FirelensDatadogHost, td("datadoghq.eu", json!({"Name": "datadog"})));
        assert_eq!(f[0].pointer, "/containerDefinitions/0/logConfiguration/options");
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["op"], "add");
    }

    #[test]
    fn quiet_cases() {
        assert!(check(&FirelensDatadogHost, SEED).is_empty());
        assert!(check_value(
            &FirelensDatadogHost,
            td("datadoghq.eu", json!({"Name": "datadog", "Host": "http-intake.logs.datadoghq.eu"}))
        )
        .is_empty());
        assert!(check_value(&FirelensDatadogHost, td("bogus", json!({"Name": "datadog"}))).is_empty());
        assert!(check_value(&FirelensDatadogHost, td("datadoghq.eu", json!({"Name": "cloudwatch"}))).is_empty());
    }
}
