use super::detect::Kind;
use super::places::PlaceContext;
use crate::finding::{Finding, Fix};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::Category;
use crate::Severity;

pub struct SecretInFirelensOptions;

pub static META: RuleMeta = RuleMeta {
    id: "SEC003",
    name: "secret-in-firelens-options",
    severity: Severity::Critical,
    category: Category::Secrets,
    blocks_registration: false,
    summary: "A credential in plaintext `firelensConfiguration.options`",
    what: crate::rules::doc(
        "Checks the log router's `firelensConfiguration.options` (normally `enable-ecs-log-metadata`, \
           `config-file-type`, `config-file-value`) with the same detector as SEC001: a credential-named option \
           or a value in a known credential format (a URL with a password, a token, …).",
    ),
    why: crate::rules::doc(
        "FireLens options are stored in plaintext in the task definition, readable by anyone allowed \
          `ecs:DescribeTaskDefinition`, and unlike `logConfiguration` they have no `secretOptions` counterpart.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "log-router", "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
  "firelensConfiguration": {"type": "fluentbit", "options": {"config-file-type": "s3",
    "config-file-value": "https://user:Sup3rS3cret@config.example.internal/fluent-bit.conf"}}}]}"#,
    ),
    fix: crate::rules::doc(
        "Keep credentials out of `firelensConfiguration`: put output credentials in the application container's \
          `logConfiguration.secretOptions` (FireLens passes them to the output plugin), or inject them into the \
          log router with `secrets` and reference them as `${VAR}` from a Fluent Bit / Fluentd config file; \
          fetch the config file from S3 with the task role rather than from a URL with a password.",
    ),
    references: &[Reference { tool: "AWS", id: "FirelensConfiguration" }],
};

impl Rule for SecretInFirelensOptions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for h in super::hits_of(cx, &META) {
            let (Some(c), PlaceContext::MapEntry { key }) = (h.container(&cx.td), h.context) else { continue };
            let (d, pointer) = (h.detection, h.pointer.clone());
            let message = match d.kind {
                Kind::Credential => format!(
                    "FireLens option `{key}` of container `{}` holds {} in plaintext `firelensConfiguration.options`; \
                     keep credentials in `secrets`/`secretOptions` instead",
                    c.label(),
                    d.what
                ),
                Kind::Placeholder | Kind::Empty => format!(
                    "FireLens option `{key}` of container `{}` is a credential slot in plaintext \
                     `firelensConfiguration.options` (a placeholder now, a leaked credential once someone fills \
                     it in); keep credentials in `secrets`/`secretOptions` instead",
                    c.label()
                ),
            };
            out.push(
                Finding::new(&META, pointer, message)
                    .in_container(c)
                    .with_severity(if d.is_credential() { Severity::Critical } else { Severity::High })
                    .with_fix_from(cx, || {
                        Fix::advice(
                            "Remove the credential from `firelensConfiguration.options`: pass output credentials \
                             through the application container's `logConfiguration.secretOptions`, or inject \
                             them into the log router with `secrets` and reference them as `${VAR}` in the \
                             Fluent Bit/Fluentd config file.",
                        )
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

    fn router(options: Value) -> Value {
        let mut td = base();
        td["containerDefinitions"][0]["firelensConfiguration"] = json!({"type": "fluentbit", "options": options});
        td
    }

    #[test]
    fn flags_credentials_in_firelens_options() {
        let f = check_value(
            &SecretInFirelensOptions,
            router(
                json!({"config-file-type": "file", "config-file-value": "https://u:Sup3rS3cret@cfg.internal/fb.conf"}),
            ),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/firelensConfiguration/options/config-file-value");
        assert!(f[0].message.contains("a URL with an embedded password"), "{}", f[0].message);
        assert!(!f[0].message.contains("Sup3rS3cret"));
        let f = check_value(&SecretInFirelensOptions, router(json!({"apikey": "changeme"})));
        assert_eq!((f.len(), f[0].severity), (1, Severity::High));
    }

    #[test]
    fn negatives() {
        assert!(check(&SecretInFirelensOptions, SEED).is_empty());
        let f = check_value(
            &SecretInFirelensOptions,
            router(json!({"enable-ecs-log-metadata": "true", "config-file-type": "s3",
                          "config-file-value": "arn:aws:s3:::my-bucket/fluent-bit.conf"})),
        );
        assert!(f.is_empty());
        assert!(check_value(&SecretInFirelensOptions, router(json!(["x"]))).is_empty());
    }
}
