use super::detect::Kind;
use super::places::PlaceContext;
use crate::finding::{Finding, Fix};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::Category;
use crate::Severity;

pub struct SecretInDockerLabels;

pub static META: RuleMeta = RuleMeta {
    id: "SEC004",
    name: "secret-in-docker-labels",
    severity: Severity::Critical,
    category: Category::Secrets,
    blocks_registration: false,
    summary: "A credential in a container's `dockerLabels`",
    what: crate::rules::doc(
        "Checks each container's `dockerLabels` with the same detector as SEC001: a credential-named label, a \
           value in a known credential format, and `\"password\": \"…\"` pairs inside JSON label values such as \
           Datadog Autodiscovery's `com.datadoghq.ad.instances`.",
    ),
    why: crate::rules::doc(
        "Labels are stored in plaintext in the task definition and are also visible to anything that can inspect \
          the container (`docker inspect`, the ECS agent's introspection, monitoring agents that collect labels as \
          tags). There is no way to reference a secret from a label.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "db-proxy", "image": "nginx", "dockerLabels": {
  "com.datadoghq.ad.instances": "[{\"host\": \"%%host%%\", \"username\": \"datadog\", \"password\": \"hunter2hunter2\"}]"}}]}"#,
    ),
    fix: crate::rules::doc(
        "Remove the credential from the label. Give it to the process that needs it through `secrets` (an \
          environment variable from Secrets Manager); for Datadog Autodiscovery use a template variable \
          (`%%env_DB_PASSWORD%%`, with `DB_PASSWORD` injected into the agent container from `secrets`) or a \
          secret handle (`ENC[db_password]`).",
    ),
    references: &[Reference { tool: "Datadog", id: "autodiscovery-template-variables" }],
};

impl Rule for SecretInDockerLabels {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for h in super::hits_of(cx, &META) {
            let (Some(c), PlaceContext::MapEntry { key }) = (h.container(&cx.td), h.context) else { continue };
            let (d, pointer) = (h.detection, h.pointer.clone());
            let message = match d.kind {
                Kind::Credential => format!(
                    "Docker label `{key}` of container `{}` holds {} in plaintext; labels cannot reference \
                     secrets, pass it through `secrets` instead",
                    c.label(),
                    d.what
                ),
                Kind::Placeholder | Kind::Empty => format!(
                    "Docker label `{key}` of container `{}` is a credential slot (a placeholder now, a leaked \
                     credential once someone fills it in); labels cannot reference secrets, pass it through \
                     `secrets` instead",
                    c.label()
                ),
            };
            out.push(
                Finding::new(&META, pointer, message)
                    .in_container(c)
                    .with_severity(if d.is_credential() { Severity::Critical } else { Severity::High })
                    .with_fix_from(cx, || {
                        Fix::advice(format!(
                            "Remove the credential from label `{key}` and give it to the process through \
                             `secrets` (for Datadog Autodiscovery: `%%env_VAR%%` with VAR injected into the \
                             agent from `secrets`, or an `ENC[…]` secret handle)."
                        ))
                    }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::{json, Value};

    fn labelled(labels: Value) -> Value {
        let mut td = base();
        td["containerDefinitions"][0]["dockerLabels"] = labels;
        td
    }

    #[test]
    fn flags_credential_labels_and_autodiscovery_passwords() {
        let f =
            check_value(&SecretInDockerLabels, labelled(json!({"app.api_token": "Zx81kLmQ02pRt7vW", "team": "web"})));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/dockerLabels/app.api_token");
        let ad = r#"[{"host": "%%host%%", "port": 5432, "username": "datadog", "password": "hunter2hunter2"}]"#;
        let f = check_value(&SecretInDockerLabels, labelled(json!({"com.datadoghq.ad.instances": ad})));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("a password"), "{}", f[0].message);
        assert!(!f[0].message.contains("hunter2"));
    }

    #[test]
    fn negatives() {
        assert!(check(&SecretInDockerLabels, SEED).is_empty());
        let ad = r#"[{"host": "%%host%%", "username": "datadog", "password": "%%env_DB_PASSWORD%%"}]"#;
        let ok = labelled(json!({
            "com.datadoghq.ad.instances": ad,
            "com.datadoghq.ad.check_names": "[\"postgres\"]",
            "com.datadoghq.tags.version": "1.2.3",
            "secret.arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
            "token.ttl": "300",
        }));
        assert!(check_value(&SecretInDockerLabels, ok).is_empty());
        let enc = labelled(json!({"com.datadoghq.ad.instances": r#"[{"password": "ENC[db_password]"}]"#}));
        assert!(check_value(&SecretInDockerLabels, enc).is_empty());
        assert!(check_value(&SecretInDockerLabels, labelled(json!(["password"]))).is_empty());
    }
}
