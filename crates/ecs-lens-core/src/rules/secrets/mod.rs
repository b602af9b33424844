//! Plaintext credentials (`SEC…`). One file per rule; [`places`] enumerates every string
//! of the document with its context, [`detect`] is the one detector they share (run once
//! per string, per lint), `migrate` builds the "move it to Secrets Manager" fixes. Each
//! place belongs to exactly one rule ([`owner`]): SEC001–SEC007 the places they are
//! named after, SEC008 every other one.

use super::{Context, Rule, RuleMeta};
use crate::schema::Seg;
use places::{Hit, PlaceContext, Root};

pub mod detect;
pub mod migrate;
pub mod places;

mod plaintext_secret_in_environment;
mod secret_in_command;
mod secret_in_docker_labels;
mod secret_in_firelens_options;
mod secret_in_log_options;
mod secret_in_other_field;
mod secret_in_volume_driver_options;
mod secret_value_in_value_from;

pub static RULES: &[&dyn Rule] = &[
    &plaintext_secret_in_environment::PlaintextSecretInEnvironment,
    &secret_in_log_options::SecretInLogOptions,
    &secret_in_firelens_options::SecretInFirelensOptions,
    &secret_in_docker_labels::SecretInDockerLabels,
    &secret_in_command::SecretInCommand,
    &secret_value_in_value_from::SecretValueInValueFrom,
    &secret_in_volume_driver_options::SecretInVolumeDriverOptions,
    &secret_in_other_field::SecretInOtherField,
];

/// The rule that reports a place holding a credential: every place has exactly one.
pub(crate) fn owner(h: &Hit<'_>) -> &'static RuleMeta {
    use PlaceContext as P;
    use Seg::{Index as I, Key as K};
    if h.root != Root::TaskDef {
        return &secret_in_other_field::META;
    }
    match (h.context, h.segs.as_slice()) {
        (P::NameValue { .. }, [K("containerDefinitions"), I(_), K("environment"), I(_), K("value")]) => {
            &plaintext_secret_in_environment::META
        }
        (P::MapEntry { .. }, [K("containerDefinitions"), I(_), K("logConfiguration"), K("options"), K(_)]) => {
            &secret_in_log_options::META
        }
        (P::MapEntry { .. }, [K("containerDefinitions"), I(_), K("firelensConfiguration"), K("options"), K(_)]) => {
            &secret_in_firelens_options::META
        }
        (P::MapEntry { .. }, [K("containerDefinitions"), I(_), K("dockerLabels"), K(_)]) => {
            &secret_in_docker_labels::META
        }
        (P::Command { .. }, [K("containerDefinitions"), I(_), ..]) => &secret_in_command::META,
        (P::Reference { .. }, _) => &secret_value_in_value_from::META,
        (P::MapEntry { .. }, [K("volumes"), I(_), K("dockerVolumeConfiguration"), K("driverOpts"), K(_)]) => {
            &secret_in_volume_driver_options::META
        }
        _ => &secret_in_other_field::META,
    }
}

/// The credentials of the linted document that `rule` reports, in document order.
pub(crate) fn hits_of<'c, 'a>(cx: &'c Context<'a>, rule: &'static RuleMeta) -> impl Iterator<Item = &'c Hit<'a>> {
    places::hits(cx).iter().filter(move |h| std::ptr::eq(owner(h), rule))
}

/// True when an environment variable `name=value` would be reported as a secret (a
/// credential, or a placeholder/empty value in a credential-named slot) by SEC001.
pub fn is_secret_env(name: &str, value: &str) -> bool {
    detect::classify(name, value).is_some()
}

/// The rule whose findings point at an `environment` entry (its `value` is the secret).
pub(crate) const ENVIRONMENT_RULE: &str = plaintext_secret_in_environment::META.id;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;
    use crate::mask::mask_document;
    use crate::rules::testing::{base, SEED};
    use crate::rules::{lint, lint_with, LintOptions};
    use places::{all_string_places, testing::put};
    use serde_json::json;

    const GH: &str = "ghp_0123456789abcdefABCDEF0123456789abcd";
    const AKIA: &str = "AKIAZ3MPLE4KEY7ID2QW";
    const PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAzd8f7s9a8d7f6s5a4d3f2g1h0j9k8l7\n-----END RSA PRIVATE KEY-----";

    /// The SEC findings of `doc` as (rule, pointer).
    fn sec(doc: &Document) -> Vec<(String, String)> {
        lint(doc).into_iter().filter(|f| f.rule.starts_with("SEC")).map(|f| (f.rule, f.pointer)).collect()
    }

    /// Exactly one SEC finding points at `want` (a pair's value in `environment`: at its
    /// entry), and the masked document no longer holds `secret`.
    fn assert_flagged_and_masked(doc: &Document, want: &str, secret: &str, what: &str) {
        let want = match want.strip_suffix("/value") {
            Some(entry) if want.contains("/environment/") => entry.to_string(),
            _ => want.to_string(),
        };
        let found = sec(doc);
        let at: Vec<_> = found.iter().filter(|(_, p)| *p == want).collect();
        assert_eq!(at.len(), 1, "{what}: one SEC finding at {want}, got {found:?}");
        let masked = serde_json::to_string(&mask_document(doc)).unwrap();
        let needle = serde_json::to_string(secret).unwrap();
        assert!(!masked.contains(needle.trim_matches('"')), "{what}: {want} is not masked");
    }

    /// Place by place: a credential at every string place of the model is reported by a
    /// SEC rule exactly there and masked, in both document shapes.
    #[test]
    fn a_credential_at_every_place_is_flagged_and_masked() {
        for (path, kind) in all_string_places() {
            for secret in [GH, AKIA, PEM] {
                let mut td = base();
                let ptr = put(&mut td, &path, secret);
                let what = format!("{path} ({kind:?}) = {}", &secret[..8]);
                assert_flagged_and_masked(&Document::from_value(&td), &ptr, secret, &what);
                let wrapped = Document::from_value(&json!({"taskDefinition": td, "tags": []}));
                assert_flagged_and_masked(&wrapped, &format!("/taskDefinition{ptr}"), secret, &what);
            }
        }
        // The Describe output's sibling tags.
        for (tag, at) in [(json!({"key": "k", "value": GH}), "/tags/0/value"), (json!({"key": GH}), "/tags/0/key")] {
            let doc = Document::from_value(&json!({"taskDefinition": base(), "tags": [tag]}));
            assert_flagged_and_masked(&doc, at, GH, at);
        }
    }

    /// Each place is reported by the rule named after it; every other place by SEC008.
    #[test]
    fn each_place_has_its_rule() {
        let rule_of = |path: &str| {
            let mut td = base();
            let ptr = put(&mut td, path, GH);
            let found = sec(&Document::from_value(&td));
            found.into_iter().find(|(_, p)| ptr.starts_with(p.as_str())).map(|(r, _)| r).unwrap_or_default()
        };
        for (path, rule) in [
            ("containerDefinitions[].environment[].value", "SEC001"),
            ("containerDefinitions[].logConfiguration.options.*", "SEC002"),
            ("containerDefinitions[].firelensConfiguration.options.*", "SEC003"),
            ("containerDefinitions[].dockerLabels.*", "SEC004"),
            ("containerDefinitions[].entryPoint[]", "SEC005"),
            ("containerDefinitions[].healthCheck.command[]", "SEC005"),
            ("containerDefinitions[].secrets[].valueFrom", "SEC006"),
            ("containerDefinitions[].repositoryCredentials.credentialsParameter", "SEC006"),
            ("volumes[].fsxWindowsFileServerVolumeConfiguration.authorizationConfig.credentialsParameter", "SEC006"),
            ("volumes[].dockerVolumeConfiguration.driverOpts.*", "SEC007"),
            ("volumes[].dockerVolumeConfiguration.labels.*", "SEC008"),
            ("containerDefinitions[].environment[].name", "SEC008"),
            ("containerDefinitions[].image", "SEC008"),
            ("containerDefinitions[].systemControls[].value", "SEC008"),
            ("proxyConfiguration.properties[].value", "SEC008"),
            ("tags[].value", "SEC008"),
            ("family", "SEC008"),
        ] {
            assert_eq!(rule_of(path), rule, "{path}");
        }
    }

    /// Per kind of context, harmless values are not flagged.
    #[test]
    fn benign_values_are_not_flagged() {
        let mut td = base();
        let c = &mut td["containerDefinitions"][0];
        c["image"] = "nginx:1.25".into();
        c["hostname"] = "web".into();
        c["user"] = "1000:1000".into();
        c["workingDirectory"] = "/app".into();
        c["extraHosts"] = json!([{"hostname": "db", "ipAddress": "10.0.0.5"}]);
        c["dnsServers"] = json!(["10.0.0.2"]);
        c["environmentFiles"] = json!([{"value": "arn:aws:s3:::my-bucket/app.env", "type": "s3"}]);
        c["credentialSpecs"] = json!(["credentialspecdomainless:arn:aws:s3:::bucket/gmsa.json"]);
        c["dockerSecurityOptions"] = json!(["credentialspec:file://gmsa.json"]);
        c["environment"] = json!([{"name": "AWS_REGION", "value": "eu-west-1"}, {"name": "TOKEN_TTL", "value": "300"}]);
        c["systemControls"] = json!([{"namespace": "net.ipv4.tcp_keepalive_time", "value": "600"}]);
        c["logConfiguration"] = json!({"logDriver": "awslogs", "options": {"awslogs-region": "eu-west-1",
            "awslogs-group": "/ecs/web"}, "secretOptions": [{"name": "x", "valueFrom": "arn:aws:ssm:eu-west-1:1:parameter/x"}]});
        c["dockerLabels"] =
            json!({"com.example.team": "web", "secret.arn": "arn:aws:secretsmanager:eu-west-1:1:secret:x"});
        c["entryPoint"] = json!(["sh", "-c"]);
        c["command"] = json!(["echo hello && exec ./server --port 8080 --password-file /run/secrets/pw"]);
        c["healthCheck"] = json!({"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]});
        c["secrets"] = json!([{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/db"}]);
        c["repositoryCredentials"] = json!({"credentialsParameter": "arn:aws:secretsmanager:eu-west-1:1:secret:reg"});
        c["zCustom"] = json!({"note": "hello world", "owner": "team-web", "password": "changeme"});
        td["tags"] = json!([{"key": "team", "value": "web"}, {"key": "git-sha", "value": "9fceb02d0ae598e95dc970b74767f19372d61af8"}]);
        td["proxyConfiguration"] = json!({"type": "APPMESH", "containerName": "envoy",
            "properties": [{"name": "IgnoredUID", "value": "1337"}, {"name": "EgressIgnoredIPs", "value": "169.254.170.2,169.254.169.254"}]});
        td["volumes"] = json!([
            {"name": "v", "dockerVolumeConfiguration": {"scope": "task", "driver": "local",
                "driverOpts": {"type": "nfs", "o": "addr=10.0.0.1,nfsvers=4.1"}, "labels": {"team": "web"}}},
            {"name": "w", "fsxWindowsFileServerVolumeConfiguration": {"fileSystemId": "fs-0123456789abcdef0",
                "rootDirectory": "share", "authorizationConfig": {"credentialsParameter":
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:fsx", "domain": "corp.example.com"}}}]);
        td["taskDefinitionArn"] = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3".into();
        td["registeredAt"] = "2026-10-01T09:12:44.123000+00:00".into();
        assert_eq!(sec(&Document::from_value(&td)), []);
        let wrapped = json!({"taskDefinition": td, "tags": [{"key": "team", "value": "web"}],
            "ResponseMetadata": {"RequestId": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}});
        assert_eq!(sec(&Document::from_value(&wrapped)), []);
    }

    /// The seed gives the same SEC findings as before SEC008 and the walk: DD_API_KEY and
    /// MYSQL_PW, nothing else; the corpus gains no SEC008.
    #[test]
    fn seed_and_corpus_findings_are_unchanged() {
        let seed = sec(&Document::parse(SEED).unwrap());
        let mut seed: Vec<_> = seed.iter().map(|(r, p)| (r.as_str(), p.as_str())).collect();
        seed.sort();
        assert_eq!(
            seed,
            [("SEC001", "/containerDefinitions/1/environment/7"), ("SEC001", "/containerDefinitions/3/environment/1")]
        );
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/corpus");
        for entry in std::fs::read_dir(corpus).unwrap() {
            let path = entry.unwrap().path();
            let doc = Document::parse(std::fs::read_to_string(&path).unwrap()).unwrap();
            let found = sec(&doc);
            assert!(found.iter().all(|(r, _)| r != "SEC008"), "{}: {found:?}", path.display());
        }
    }

    /// A member the model does not have is read under its key, flagged and masked: in the
    /// task definition, in a container, and beside `taskDefinition` in a Describe output.
    #[test]
    fn unknown_members_are_flagged_and_masked() {
        let mut td = base();
        td["zCustom"] = json!({"token": GH});
        td["containerDefinitions"][0]["zCustom"] = json!({"dbPassword": "Hunter2Hunter2"});
        let doc = Document::from_value(&td);
        assert_eq!(
            sec(&doc),
            [
                ("SEC008".into(), "/zCustom/token".into()),
                ("SEC008".into(), "/containerDefinitions/0/zCustom/dbPassword".into()),
            ]
        );
        let masked = serde_json::to_string(&mask_document(&doc)).unwrap();
        assert!(!masked.contains(GH) && !masked.contains("Hunter2"), "{masked}");
        let wrapped = Document::from_value(&json!({"taskDefinition": td, "tags": [], "zExtra": {"token": GH}}));
        let found = sec(&wrapped);
        assert!(found.contains(&("SEC008".into(), "/taskDefinition/zCustom/token".into())), "{found:?}");
        assert!(found.contains(&("SEC008".into(), "/zExtra/token".into())), "{found:?}");
        assert!(!serde_json::to_string(&mask_document(&wrapped)).unwrap().contains(GH));
    }

    /// One walk per lint: findings-only and full lints agree, and the detector runs once
    /// per place whichever SEC rules are selected.
    #[test]
    fn findings_do_not_depend_on_the_selection() {
        let mut td = base();
        td["tags"] = json!([{"key": "k", "value": GH}]);
        td["containerDefinitions"][0]["command"] = json!(["./run", "--token", "Zx81kLmQ02pRt7vW"]);
        let doc = Document::from_value(&td);
        let all: Vec<(String, String)> = sec(&doc);
        let mut one_by_one = Vec::new();
        for rule in RULES {
            let opts = LintOptions { select: vec![rule.meta().id.into()], skip_fixes: true, ..Default::default() };
            one_by_one.extend(lint_with(&doc, &opts).into_iter().map(|f| (f.rule, f.pointer)));
        }
        let (mut a, mut b) = (all, one_by_one);
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
    }

    #[test]
    fn is_secret_env_for_others() {
        assert!(is_secret_env("DD_API_KEY", "xxx"));
        assert!(is_secret_env("MYSQL_PW", "xxx"));
        assert!(!is_secret_env("DD_SITE", "ap1.datadoghq.com"));
        assert!(!is_secret_env("MYSQL_USER", "myuser"));
    }
}
