use super::detect::{self, Ctx};
use super::places::{Hit, PlaceContext, Root};
use crate::finding::{Finding, Fix};
use crate::model::Container;
use crate::rules::kit::Named;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::Category;
use crate::Severity;

pub struct SecretInOtherField;

pub static META: RuleMeta = RuleMeta {
    id: "SEC008",
    name: "secret-in-other-field",
    severity: Severity::High,
    category: Category::Secrets,
    blocks_registration: false,
    summary: "A credential in a field that is not meant for one (tags, hostname, image, labels, unknown members …)",
    what: crate::rules::doc(
        "Checks every string of the document that SEC001–SEC007 do not cover — every member of the ECS model \
           (`family`, `image`, `hostname`, `user`, `extraHosts`, `links`, `dnsServers`, `environmentFiles`, the \
           `name` of an `environment` entry, `proxyConfiguration.properties`, `systemControls`, `tags`, Docker \
           volume `labels` …), the sibling `tags` of a Describe output, and the members the model does not have \
           (a typo, a tool's own field, the read-only members of a Describe output). A member of the model is \
           flagged when its value has a well-known credential format (AWS access key IDs, GitHub/GitLab/Slack/\
           Stripe/SendGrid/OpenAI-style tokens, JWTs, PEM private keys, URLs with a password, `Bearer …`, \
           `password=…` inside the value), and `image` also when it carries a registry password \
           (`user:password@registry/repo`). A name/value pair (`tags`, `proxyConfiguration.properties`, \
           `systemControls`), a map value (Docker volume `labels`) and an unknown member are read under their \
           name or key, as SEC001 reads an environment variable: `{\"key\": \"db-password\", \"value\": \"…\"}` or \
           `\"apiToken\": \"…\"` is flagged too.\n\n\
           Only real-looking credentials are reported (a placeholder in such a place is not a slot anyone fills \
           in): at `critical` when the value itself has a credential format, at `high` when the name or the \
           value's randomness says so.",
    ),
    why: crate::rules::doc(
        "Every string of a task definition is stored in plaintext: anyone allowed `ecs:DescribeTaskDefinition` \
          (or `ecs:ListTagsForResource` for tags) can read it, it shows in the console, in CloudTrail and in every \
          tool that exports task definitions, and every revision keeps it forever. None of these fields can \
          reference a secret, and AWS asks not to put confidential data in tags at all. A credential there is \
          usually a paste gone wrong — and it is exposed exactly like a plaintext environment variable.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx:1.25"}],
  "tags": [{"key": "deploy-token", "value": "ghp_0123456789abcdefABCDEF0123456789abcd"}]}"#,
    ),
    fix: crate::rules::doc(
        "Remove the credential from the field and rotate it (earlier revisions keep it). If a container needs \
          it, store it in Secrets Manager and inject it with `secrets`; for a private registry, put the registry \
          credentials in a Secrets Manager secret and reference it from `repositoryCredentials.credentialsParameter` \
          instead of writing them into `image`.",
    ),
    references: &[Reference { tool: "AWS", id: "Tag" }, Reference { tool: "AWS", id: "RepositoryCredentials" }],
};

impl Rule for SecretInOtherField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for h in super::hits_of(cx, &META) {
            // A placeholder here is not a slot someone fills in: only credentials.
            if !h.detection.is_credential() {
                continue;
            }
            let c = h.container(&cx.td);
            // The value itself has a credential format (rather than a credential-like name).
            let format = matches!(h.context, PlaceContext::Field { .. })
                || detect::known_format(h.value, Ctx::Value).is_some_and(|d| d.is_credential());
            let mut finding = Finding::new(&META, h.pointer.clone(), message(h, c))
                .with_severity(if format { Severity::Critical } else { Severity::High })
                .with_fix_from(cx, || Fix::advice(advice(h)));
            if let Some(c) = c {
                finding = finding.in_container(c);
            }
            out.push(finding);
        }
    }
}

fn is_image(h: &Hit<'_>) -> bool {
    matches!(h.context, PlaceContext::Field { name: "image" }) && h.container_index().is_some()
}

fn message(h: &Hit<'_>, c: Option<&Container<'_>>) -> String {
    let what = h.detection.what;
    let place = h.display();
    let of = match c {
        Some(c) => format!(" of {}", Named(c)),
        None => String::new(),
    };
    if h.root == Root::Outside {
        return format!(
            "`{place}`, outside the task definition, holds {what} in plaintext; remove it from the document"
        );
    }
    if let PlaceContext::Unknown { .. } = h.context {
        return format!(
            "`{place}`{of} is not a member of the ECS model and holds {what} in plaintext; remove it (it is stored \
             and shown with the task definition)"
        );
    }
    if is_image(h) {
        return format!(
            "the `image` reference{of} holds {what}; give registry credentials through `repositoryCredentials` (a \
             Secrets Manager secret) instead"
        );
    }
    format!(
        "`{place}`{of} holds {what} in plaintext, in a field not meant for credentials; remove it, and if a container \
         needs it, inject it from `secrets` (Secrets Manager)"
    )
}

fn advice(h: &Hit<'_>) -> String {
    let place = h.display();
    if is_image(h) {
        return "Remove the credentials from `image`: store the registry's username and password in a Secrets \
                Manager secret and reference it from `repositoryCredentials.credentialsParameter` (the task \
                execution role needs `secretsmanager:GetSecretValue` on it). Then rotate the password."
            .to_string();
    }
    format!(
        "Remove the credential from `{place}` and rotate it: earlier revisions still hold it. If a container needs \
         it, store it in Secrets Manager and inject it as an environment variable with `secrets`."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    const GH: &str = "ghp_0123456789abcdefABCDEF0123456789abcd";

    #[test]
    fn flags_other_fields() {
        let mut td = base();
        td["tags"] = json!([{"key": "team", "value": "web"}, {"key": "deploy", "value": GH}]);
        td["containerDefinitions"][0]["hostname"] = GH.into();
        td["containerDefinitions"][0]["image"] = "deploy:Hunter2Hunter2@registry.example.com/app:1".into();
        td["zCustom"] = json!({"apiToken": "Zx81kLmQ02pRt7vWq9Y3bN5c"});
        let f = check_value(&SecretInOtherField, td);
        let got: Vec<_> = f.iter().map(|f| (f.pointer.as_str(), f.severity)).collect();
        assert_eq!(
            got,
            [
                ("/containerDefinitions/0/image", Severity::Critical),
                ("/containerDefinitions/0/hostname", Severity::Critical),
                ("/tags/1/value", Severity::Critical),
                ("/zCustom/apiToken", Severity::High),
            ]
        );
        assert!(f[0].message.contains("`repositoryCredentials`"), "{}", f[0].message);
        assert!(f[1].message.starts_with("`hostname` of container `app` holds a GitHub token"), "{}", f[1].message);
        assert!(f[2].message.starts_with("`tags[1].value` holds a GitHub token"), "{}", f[2].message);
        assert!(f[3].message.contains("is not a member of the ECS model"), "{}", f[3].message);
        for f in &f {
            let json = serde_json::to_string(f).unwrap();
            assert!(!json.contains(GH) && !json.contains("Hunter2") && !json.contains("Zx81k"), "{json}");
        }
    }

    #[test]
    fn negatives() {
        assert!(check(&SecretInOtherField, SEED).is_empty());
        let mut td = base();
        td["tags"] = json!([{"key": "api-token", "value": "changeme"}, {"key": "team", "value": "web"}]);
        td["containerDefinitions"][0]["image"] = "nginx:1.25@sha256:0123456789abcdef".into();
        td["containerDefinitions"][0]["hostname"] = "web".into();
        td["containerDefinitions"][0]["credentialSpecs"] =
            json!(["credentialspecdomainless:arn:aws:s3:::bucket/gmsa.json"]);
        td["zCustom"] = json!({"password": "xxx", "note": "hello world"});
        assert!(check_value(&SecretInOtherField, td).is_empty());
    }
}
