use serde_json::json;

use crate::finding::{Finding, Fix};
use crate::rules::kit::sidecars::{
    agents, declares, env_entry, env_or_container_ptr, env_ptr, has_env_files, set_env_op,
};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct DatadogSite;

pub static META: RuleMeta = RuleMeta {
    id: "SDC002",
    name: "datadog-site-missing-or-invalid",
    severity: Severity::Medium,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "Datadog agent without `DD_SITE`, or with a `DD_SITE` that is not a Datadog site",
    what: crate::rules::doc(
        "Checks the Datadog agent's `DD_SITE`. Reports a value that is not one of the Datadog sites \
           (`datadoghq.com`, `us3.datadoghq.com`, `us5.datadoghq.com`, `datadoghq.eu`, `ap1.datadoghq.com`, \
           `ap2.datadoghq.com`, `ddog-gov.com`) — a URL, an `app.` host or a region name — at medium severity, \
           and a missing `DD_SITE` at low severity. Skipped when `DD_DD_URL`/`DD_URL` set the intake explicitly \
           or the variable may come from `environmentFiles`.",
    ),
    why: crate::rules::doc(
        "Without `DD_SITE` the agent sends to `datadoghq.com` (US1). An organisation on US3, US5, EU1, AP1, AP2 \
          or US1-FED does not accept that traffic: the API key is rejected and nothing shows up, although the \
          agent runs. A value that is not a site name (e.g. `https://app.datadoghq.eu`) makes the agent build \
          intake hostnames that do not exist, with the same result.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7",
  "environment": [{"name": "DD_SITE", "value": "https://app.datadoghq.eu"}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Set `DD_SITE` to the site of your Datadog organisation (shown in the Datadog URL you log in to): \
          `{\"name\": \"DD_SITE\", \"value\": \"datadoghq.eu\"}`.",
    ),
    references: &[],
};

/// The Datadog sites an agent can send to.
pub const SITES: &[&str] = &[
    "datadoghq.com",
    "us3.datadoghq.com",
    "us5.datadoghq.com",
    "datadoghq.eu",
    "ap1.datadoghq.com",
    "ap2.datadoghq.com",
    "ddog-gov.com",
];

/// The site a malformed value most likely means (`https://app.datadoghq.eu/` → `datadoghq.eu`, `us5` → …).
pub fn suggest_site(value: &str) -> Option<&'static str> {
    let mut v = value.trim().trim_end_matches('/');
    // Byte-wise and ASCII only: a value with multi-byte characters must not be sliced inside
    // one (the fuzzer found `ap1\u{4a0}...` panicking here).
    for prefix in ["https://", "http://", "app.", "api.", "www."] {
        if let Some(rest) = crate::text::strip_prefix_ci(v, prefix) {
            v = rest;
        }
    }
    let aliases: &[(&str, &str)] = &[
        ("us1", "datadoghq.com"),
        ("us", "datadoghq.com"),
        ("us1.datadoghq.com", "datadoghq.com"),
        ("us3", "us3.datadoghq.com"),
        ("us5", "us5.datadoghq.com"),
        ("eu", "datadoghq.eu"),
        ("eu1", "datadoghq.eu"),
        ("eu1.datadoghq.eu", "datadoghq.eu"),
        ("ap1", "ap1.datadoghq.com"),
        ("ap2", "ap2.datadoghq.com"),
        ("us1-fed", "ddog-gov.com"),
        ("gov", "ddog-gov.com"),
    ];
    SITES
        .iter()
        .copied()
        .find(|s| s.eq_ignore_ascii_case(v))
        .or_else(|| aliases.iter().find(|(a, _)| a.eq_ignore_ascii_case(v)).map(|(_, s)| *s))
}

impl Rule for DatadogSite {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for agent in agents(&cx.td) {
            match env_entry(agent, "DD_SITE") {
                Some((_, Some(v))) if SITES.contains(&v) => {}
                Some((i, value)) => {
                    let suggestion = value.and_then(suggest_site);
                    let message = match (value, suggestion) {
                        (Some(_), Some(s)) => format!(
                            "`DD_SITE` on the Datadog agent `{}` is not a site name (did you mean `{s}`?): the agent \
                             sends to intake hosts that do not exist and nothing reaches Datadog",
                            agent.label()
                        ),
                        _ => format!(
                            "`DD_SITE` on the Datadog agent `{}` is not a Datadog site (one of {}): the agent sends to \
                             intake hosts that do not exist and nothing reaches Datadog",
                            agent.label(),
                            SITES.join(", ")
                        ),
                    };
                    out.push(Finding::new(&META, env_ptr(agent, i), message).in_container(agent).with_fix_from(
                        cx,
                        || match (suggestion, set_env_op(agent, "DD_SITE", suggestion.unwrap_or_default())) {
                            (Some(s), Some(op)) => Fix::patch(format!("Set `DD_SITE` to `{s}`"), json!([op])),
                            _ => Fix::advice(format!(
                                "Set `DD_SITE` to the site of your Datadog organisation, one of {}",
                                SITES.join(", ")
                            )),
                        },
                    ));
                }
                None => {
                    if declares(agent, "DD_SITE")
                        || declares(agent, "DD_DD_URL")
                        || declares(agent, "DD_URL")
                        || has_env_files(agent)
                    {
                        continue;
                    }
                    out.push(
                        Finding::new(
                            &META,
                            env_or_container_ptr(agent),
                            format!(
                                "the Datadog agent `{}` has no `DD_SITE`, so it sends to `datadoghq.com` (US1); an \
                                 organisation on another site (US3, US5, EU1, AP1, AP2, US1-FED) receives nothing",
                                agent.label()
                            ),
                        )
                        .in_container(agent)
                        .with_severity(Severity::Low)
                        .with_fix_from(cx, || {
                            Fix::advice(format!(
                                "Add `{{\"name\": \"DD_SITE\", \"value\": \"<site>\"}}` to the agent's `environment`, \
                             with the site of your organisation: one of {}",
                                SITES.join(", ")
                            ))
                        }),
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

    fn with_agent(env: serde_json::Value) -> serde_json::Value {
        let mut td = base();
        td["containerDefinitions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "datadog-agent", "image": "gcr.io/datadoghq/agent:7", "environment": env}));
        td
    }

    /// Found by the diff fuzzer: a site with a two-byte character where `app.`/`http://` would
    /// end panicked slicing inside it.
    #[test]
    fn multi_byte_characters_never_panic() {
        for v in ["ap1\u{4a0}atadoghq.com", "ht\u{20ac}ps://x", "ap\u{e9}.datadoghq.eu", "\u{1f600}"] {
            let _ = suggest_site(v);
            let f = check_value(&DatadogSite, with_agent(json!([{"name": "DD_SITE", "value": v}])));
            assert_eq!(f.len(), 1, "{v} is not a Datadog site");
        }
        assert_eq!(suggest_site("HTTPS://App.DatadogHQ.eu/"), Some("datadoghq.eu"));
    }

    #[test]
    fn missing_site_is_low() {
        let f = check_value(&DatadogSite, with_agent(json!([{"name": "ECS_FARGATE", "value": "true"}])));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        assert_eq!(f[0].pointer, "/containerDefinitions/1/environment");
    }

    #[test]
    fn invalid_site_with_suggestion_is_patched() {
        let f =
            check_value(&DatadogSite, with_agent(json!([{"name": "DD_SITE", "value": "https://app.datadoghq.eu/"}])));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].pointer, "/containerDefinitions/1/environment/0");
        assert!(f[0].message.contains("datadoghq.eu"));
        let fix = f[0].fix.as_ref().unwrap();
        assert_eq!(
            fix.patch,
            json!([{"op": "replace", "path": "/containerDefinitions/1/environment/0/value", "value": "datadoghq.eu"}])
        );
    }

    #[test]
    fn unknown_site_is_advice() {
        let f = check_value(&DatadogSite, with_agent(json!([{"name": "DD_SITE", "value": "datadog.example"}])));
        assert_eq!(f.len(), 1);
        assert!(!f[0].fix.as_ref().unwrap().is_applicable());
        let f = check_value(&DatadogSite, with_agent(json!([{"name": "DD_SITE", "value": 42}])));
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn quiet_cases() {
        assert!(check(&DatadogSite, SEED).is_empty());
        for site in SITES {
            assert!(check_value(&DatadogSite, with_agent(json!([{"name": "DD_SITE", "value": site}]))).is_empty());
        }
        assert!(check_value(&DatadogSite, with_agent(json!([{"name": "DD_DD_URL", "value": "https://proxy:3834"}])))
            .is_empty());
        assert!(check_value(&DatadogSite, base()).is_empty());
        assert_eq!(suggest_site(" US5 "), Some("us5.datadoghq.com"));
        assert_eq!(suggest_site("nope"), None);
    }
}
