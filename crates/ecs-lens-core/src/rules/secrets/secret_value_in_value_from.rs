use serde_json::{json, Value};

use super::migrate::Target;
use super::places::{Hit, PlaceContext};
use crate::finding::{Finding, Fix};
use crate::model::Container;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::schema::Seg;
use crate::Category;
use crate::Severity;

pub struct SecretValueInValueFrom;

pub static META: RuleMeta = RuleMeta {
    id: "SEC006",
    name: "secret-value-in-value-from",
    severity: Severity::Critical,
    category: Category::Secrets,
    blocks_registration: false,
    summary: "`valueFrom` / `credentialsParameter` holds the secret itself instead of a reference",
    what: crate::rules::doc(
        "Checks `secrets[].valueFrom`, `logConfiguration.secretOptions[].valueFrom`, \
           `repositoryCredentials.credentialsParameter` and an FSx for Windows File Server volume's \
           `authorizationConfig.credentialsParameter`. They must name a secret — a Secrets Manager ARN, an SSM \
           parameter ARN or name — and are flagged when they instead look like the secret value: a credential in a \
           known format, a long high-entropy string, or text with characters no secret or parameter name can \
           contain (`user:password`, spaces, `!`, `#` …).",
    ),
    why: crate::rules::doc(
        "The reference fields are plaintext too. A value pasted there by mistake is exposed exactly like an \
          `environment` value, and the task also fails to start because ECS cannot resolve it.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "app", "image": "nginx",
  "secrets": [{"name": "DB_PASSWORD", "valueFrom": "p@ss word!"}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Store the value in Secrets Manager and put the secret's ARN in `valueFrom` (the quick fix does it), then \
          rotate the credential: the old value stays in earlier revisions.",
    ),
    references: &[Reference { tool: "AWS", id: "Secret.valueFrom" }],
};

impl Rule for SecretValueInValueFrom {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut target: Option<Target<'_>> = None;
        // Per container: `secrets`, then `logConfiguration.secretOptions`, then
        // `repositoryCredentials`; then the volumes. Whatever the order in the document.
        let mut mine = Vec::new();
        for h in super::hits_of(cx, &META) {
            let PlaceContext::Reference { name, .. } = h.context else { continue };
            let place = match (h.container(&cx.td), h.segs.as_slice()) {
                (Some(c), [_, _, Seg::Key("secrets"), Seg::Index(i), _]) => Entry::Container(c, "secrets", name, *i),
                (Some(c), [_, _, Seg::Key("logConfiguration"), Seg::Key("secretOptions"), Seg::Index(i), _]) => {
                    Entry::Container(c, "logConfiguration.secretOptions", name, *i)
                }
                (Some(c), [_, _, Seg::Key("repositoryCredentials"), _]) => {
                    Entry::Container(c, "repositoryCredentials", Some("registry-credentials"), 0)
                }
                (None, [Seg::Key("volumes"), Seg::Index(v), ..]) => Entry::Volume(*v),
                _ => Entry::Other,
            };
            let key = match place {
                Entry::Container(c, field, _, _) => (
                    0,
                    c.index,
                    ["secrets", "logConfiguration.secretOptions"].iter().position(|f| *f == field).unwrap_or(2),
                ),
                Entry::Volume(v) => (1, v, 0),
                Entry::Other => (2, 0, 0),
            };
            mine.push((key, place, h));
        }
        mine.sort_by_key(|m| m.0);
        for (_, place, h) in mine {
            match place {
                Entry::Container(c, field, name, i) => check_one(cx, &mut target, c, field, name, i, h, out),
                Entry::Volume(v) => {
                    let volume = cx.td.get("volumes").and_then(|a| a.get(v)).and_then(|v| v.get("name"));
                    let volume = volume.and_then(Value::as_str).map_or_else(|| format!("volumes[{v}]"), str::to_string);
                    let message = format!(
                        "`credentialsParameter` of the FSx for Windows File Server volume `{volume}` looks like {} \
                         rather than a Secrets Manager or SSM reference; store the credentials in Secrets Manager and \
                         reference its ARN",
                        h.detection.what
                    );
                    out.push(Finding::new(&META, h.pointer.clone(), message).with_fix_from(cx, || {
                        Fix::advice(
                            "Store the domain user's credentials in Secrets Manager (a secret with `username` and \
                             `password`) and put the secret's ARN in `credentialsParameter`, then rotate the password: \
                             the old value stays in earlier revisions.",
                        )
                    }));
                }
                Entry::Other => {
                    let message = format!(
                        "`{}` looks like {} rather than a Secrets Manager or SSM reference; store the value in \
                         Secrets Manager and reference its ARN",
                        h.display(),
                        h.detection.what
                    );
                    out.push(Finding::new(&META, h.pointer.clone(), message));
                }
            }
        }
    }
}

/// Where a reference sits.
#[derive(Clone, Copy)]
enum Entry<'c, 'a> {
    /// A container's `secrets` or `secretOptions` entry (its name and index), or its
    /// `repositoryCredentials`.
    Container(&'c Container<'a>, &'static str, Option<&'a str>, usize),
    /// `volumes[i].fsxWindowsFileServerVolumeConfiguration.authorizationConfig`.
    Volume(usize),
    Other,
}

#[allow(clippy::too_many_arguments)]
fn check_one<'a>(
    cx: &Context<'a>,
    target: &mut Option<Target<'a>>,
    c: &Container<'_>,
    field: &str,
    name: Option<&str>,
    index: usize,
    h: &Hit<'_>,
    out: &mut Vec<Finding>,
) {
    let d = h.detection;
    let what = if field == "repositoryCredentials" { "`credentialsParameter`" } else { "`valueFrom`" };
    let entry = name.map_or_else(|| index.to_string(), str::to_string);
    let message = format!(
        "{what} of `{field}` entry `{entry}` in container `{}` looks like {} rather than a Secrets Manager or SSM \
         reference; store the value in Secrets Manager and reference its ARN",
        c.label(),
        d.what
    );
    let mut finding = Finding::new(&META, h.pointer.clone(), message).in_container(c);
    // The fix is built only when asked for (like `with_fix_from`); it needs the pointer.
    if cx.wants_fixes() {
        finding.fix = Some(match name {
            Some(name) => {
                let target = target.get_or_insert_with(|| Target::new(&cx.td));
                let secret_name = target.secret_name(c, name);
                let arn = target.arn(&secret_name);
                let patch = json!([{"op": "replace", "path": finding.pointer, "value": arn}]);
                let description =
                    format!("Point `{field}` entry `{name}` at the Secrets Manager secret `{secret_name}`");
                target.fix(description, patch, name, &secret_name, true).safe()
            }
            None => Fix::advice(
                "Store the value in Secrets Manager, name the entry, and put the secret's ARN in `valueFrom`; then \
                 rotate the credential: the old value stays in earlier revisions.",
            ),
        });
    }
    out.push(finding);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_values_pasted_into_value_from() {
        let mut td = base();
        td["containerDefinitions"][0]["secrets"] = json!([
            {"name": "DB_PASSWORD", "valueFrom": "p@ss word!"},
            {"name": "GH", "valueFrom": "ghp_0123456789abcdefABCDEF0123456789abcd"},
            {"name": "OK", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::"},
            {"name": "SSM", "valueFrom": "/prod/db/password"},
            {"name": "SSM2", "valueFrom": "prod-db-password"},
        ]);
        td["containerDefinitions"][0]["repositoryCredentials"] =
            json!({"credentialsParameter": "dockeruser:Hunter2Hunter2"});
        let f = check_value(&SecretValueInValueFrom, td.clone());
        let ptrs: Vec<_> = f.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(
            ptrs,
            [
                "/containerDefinitions/0/secrets/0/valueFrom",
                "/containerDefinitions/0/secrets/1/valueFrom",
                "/containerDefinitions/0/repositoryCredentials/credentialsParameter",
            ]
        );
        assert!(f.iter().all(|f| !f.message.contains("p@ss") && !f.message.contains("Hunter2")));
        let mut v = td;
        let patch: json_patch::Patch = serde_json::from_value(f[0].fix.as_ref().unwrap().patch.clone()).unwrap();
        json_patch::patch(&mut v, &patch).unwrap();
        assert_eq!(
            v["containerDefinitions"][0]["secrets"][0]["valueFrom"],
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:web/app/DB_PASSWORD"
        );
    }

    #[test]
    fn flags_secret_options() {
        let mut td = base();
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": "splunk",
            "secretOptions": [{"name": "splunk-token", "valueFrom": "Zx81kLmQ02pRt7vWq9Y3bN5c"}]});
        let f = check_value(&SecretValueInValueFrom, td);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/logConfiguration/secretOptions/0/valueFrom");
    }

    #[test]
    fn negatives() {
        assert!(check(&SecretValueInValueFrom, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["secrets"] = json!([
            {"name": "A", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/prod/a"},
            {"name": "B", "valueFrom": "${SECRET_ARN}"},
            {"name": "C", "valueFrom": "my-app/prod/db@v2"},
            {"name": "D", "valueFrom": 5},
        ]);
        td["containerDefinitions"][0]["repositoryCredentials"] = json!({"credentialsParameter": "dockerhub-creds"});
        assert!(check_value(&SecretValueInValueFrom, td).is_empty());
    }
}
