use serde_json::{Map, Value};

use crate::finding::{Finding, Fix};
use crate::model::{member, Container};
use crate::rules::kit::sidecars::{agents, declares, has_env_files, is_app};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct UnifiedServiceTagging;

pub static META: RuleMeta = RuleMeta {
    id: "SDC010",
    name: "datadog-unified-service-tagging-missing",
    severity: Severity::Info,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "Application container without Datadog unified service tags (service, env, version)",
    what: crate::rules::doc(
        "In a task with a Datadog agent, checks that each application container (essential, not a known \
           sidecar) sets the unified service tags: `DD_SERVICE`, `DD_ENV` and `DD_VERSION` in `environment`/\
           `secrets`, or the Docker labels `com.datadoghq.tags.service`, `com.datadoghq.tags.env` and \
           `com.datadoghq.tags.version`.",
    ),
    why: crate::rules::doc(
        "Unified service tagging is what ties a container's metrics, traces, logs and security events together \
          in Datadog. Without `service` everything is grouped under the image or container name, without `env` \
          production and staging mix, and without `version` deployment tracking and before/after comparisons \
          do not work.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [
  {"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7"},
  {"name": "app", "image": "app:1.4.2"}]}"#,
    ),
    fix: crate::rules::doc(
        "Set the three tags on the application container, as environment variables (read by the tracer) and/or \
          labels (read by the agent):\n\n```json\n\"environment\": [{\"name\": \"DD_SERVICE\", \"value\": \"app\"}, \
          {\"name\": \"DD_ENV\", \"value\": \"prod\"}, {\"name\": \"DD_VERSION\", \"value\": \"1.4.2\"}],\n\
          \"dockerLabels\": {\"com.datadoghq.tags.service\": \"app\", \"com.datadoghq.tags.env\": \"prod\", \
          \"com.datadoghq.tags.version\": \"1.4.2\"}\n```",
    ),
    references: &[],
};

const TAGS: [(&str, &str, &str); 3] = [
    ("service", "DD_SERVICE", "com.datadoghq.tags.service"),
    ("env", "DD_ENV", "com.datadoghq.tags.env"),
    ("version", "DD_VERSION", "com.datadoghq.tags.version"),
];

fn has_tag(c: &Container<'_>, env: &str, labels: Option<&Map<String, Value>>, label: &str) -> bool {
    declares(c, env) || labels.is_some_and(|l| member(l, label).is_some())
}

impl Rule for UnifiedServiceTagging {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if agents(td).next().is_none() {
            return;
        }
        for c in &td.containers {
            if !c.essential() || has_env_files(c) {
                continue;
            }
            let labels = c.get("dockerLabels").and_then(Value::as_object);
            let has = TAGS.map(|(_, e, l)| has_tag(c, e, labels, l));
            if has.iter().all(|h| *h) || !is_app(c) {
                continue;
            }
            let label = c.label();
            let service = c.name.unwrap_or("app");
            // "`app` has no Datadog unified service tag for env, version: …", without temporaries.
            let mut message = String::with_capacity(200);
            message.push('`');
            message.push_str(&label);
            message.push_str("` has no Datadog unified service tag for ");
            for (i, (tag, _, _)) in TAGS.iter().zip(has).filter(|(_, h)| !h).map(|(t, _)| t).enumerate() {
                if i > 0 {
                    message.push_str(", ");
                }
                message.push_str(tag);
            }
            message
                .push_str(": its metrics, traces and logs cannot be tied together by service, environment and version");
            out.push(Finding::new(&META, c.pointer.clone(), message).in_container(c).with_fix_from(cx, || {
                Fix::advice(format!(
                    "Add to `{label}`: `\"dockerLabels\": {{\"com.datadoghq.tags.service\": \"{service}\", \
                     \"com.datadoghq.tags.env\": \"<env>\", \"com.datadoghq.tags.version\": \"<version>\"}}` and \
                     the same values as `DD_SERVICE`, `DD_ENV`, `DD_VERSION` in `environment`"
                ))
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::SEED;
    use crate::rules::testing::{base, check, check_value};
    use serde_json::json;

    fn td(app_extra: serde_json::Value) -> serde_json::Value {
        let mut td = base();
        for (k, v) in app_extra.as_object().unwrap() {
            td["containerDefinitions"][0][k] = v.clone();
        }
        td["containerDefinitions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "datadog-agent", "image": "datadog/agent"}));
        td
    }

    #[test]
    fn flags_missing_tags() {
        let f = check_value(&UnifiedServiceTagging, td(json!({})));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(f[0].message.contains("service, env, version"));
        let f = check_value(
            &UnifiedServiceTagging,
            td(json!({"environment": [{"name": "DD_SERVICE", "value": "web"}],
                      "dockerLabels": {"com.datadoghq.tags.env": "prod"}})),
        );
        assert!(f[0].message.contains("for version"));
        let seed = check(&UnifiedServiceTagging, SEED);
        assert_eq!(seed.len(), 1);
        assert_eq!(seed[0].container.as_deref(), Some("my-app-repo"));
    }

    #[test]
    fn quiet_when_tagged_or_no_agent() {
        let tagged = json!({"environment": [{"name": "DD_SERVICE", "value": "web"}, {"name": "DD_ENV", "value": "p"}],
            "dockerLabels": {"com.datadoghq.tags.version": "1"}});
        assert!(check_value(&UnifiedServiceTagging, td(tagged)).is_empty());
        assert!(check_value(&UnifiedServiceTagging, base()).is_empty());
        assert!(check_value(&UnifiedServiceTagging, td(json!({"dockerLabels": ["x"], "environment": 3}))).len() == 1);
    }
}
