//! Plaintext credentials (`SEC…`). One file per rule; [`detect`] is the detector they
//! share, `migrate` builds the "move it to Secrets Manager" fixes.

use super::{Context, Rule};
use crate::core::document::Document;
use crate::core::finding::Finding;
use crate::core::model::Container;

pub mod detect;
pub mod migrate;

mod plaintext_secret_in_environment;
mod secret_in_command;
mod secret_in_docker_labels;
mod secret_in_firelens_options;
mod secret_in_log_options;
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
];

/// True when an environment variable `name=value` would be reported as a secret (a
/// credential, or a placeholder/empty value in a credential-named slot) by SEC001.
pub fn is_secret_env(name: &str, value: &str) -> bool {
    detect::classify(name, value).is_some()
}

/// Pointers (into `doc`) of every string value the secrets rules flag as a secret
/// value, for masking wherever a viewer sees the document (raw JSON, diffs, exports).
pub fn secret_pointers(doc: &Document) -> Vec<String> {
    let cx = Context::new(doc, false);
    let mut findings: Vec<Finding> = Vec::new();
    for rule in RULES {
        rule.check(&cx, &mut findings);
    }
    let mut out: Vec<String> = Vec::with_capacity(findings.len());
    for f in findings {
        // SEC001 points at the `environment` entry; its value is what gets masked.
        let p =
            if f.rule == plaintext_secret_in_environment::META.id { format!("{}/value", f.pointer) } else { f.pointer };
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// `doc`'s value with every value named by [`secret_pointers`] replaced by a mask.
pub fn mask_document(doc: &Document) -> serde_json::Value {
    let mut v = doc.value().clone();
    for p in secret_pointers(doc) {
        if let Some(slot) = v.pointer_mut(&p) {
            *slot = serde_json::Value::String(MASK.into());
        }
    }
    v
}

/// A container's display name (what `Container::label` returns), written straight into a
/// message instead of through a `String` of its own.
struct Label<'c, 'a>(&'c Container<'a>);

impl std::fmt::Display for Label<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.name {
            Some(name) => f.write_str(name),
            None => write!(f, "containerDefinitions[{}]", self.0.index),
        }
    }
}

/// What a masked secret value is shown as.
pub const MASK: &str = "********";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::testing::{base, SEED};
    use serde_json::json;

    #[test]
    fn seed_pointers_and_mask() {
        let doc = Document::parse(SEED).unwrap();
        assert_eq!(
            secret_pointers(&doc),
            ["/containerDefinitions/1/environment/7/value", "/containerDefinitions/3/environment/1/value"]
        );
        let masked = mask_document(&doc);
        assert_eq!(masked["containerDefinitions"][1]["environment"][7], json!({"name": "DD_API_KEY", "value": MASK}));
        assert_eq!(masked["containerDefinitions"][3]["environment"][1]["value"], MASK);
        assert_eq!(masked["containerDefinitions"][3]["environment"][2]["value"], "myuser");
    }

    #[test]
    fn pointers_cover_every_rule_and_the_wrapped_shape() {
        let mut td = base();
        let c = &mut td["containerDefinitions"][0];
        c["environment"] = json!([{"name": "DB_PASSWORD", "value": "Hunter2Hunter2"}]);
        c["logConfiguration"] = json!({"logDriver": "splunk", "options": {"splunk-token": "Hunter2Hunter2"}});
        c["dockerLabels"] = json!({"api.token": "Hunter2Hunter2"});
        c["command"] = json!(["./run --password=Hunter2Hunter2"]);
        c["secrets"] = json!([{"name": "X", "valueFrom": "Hunter2 Hunter2"}]);
        let doc = Document::from_value(&json!({"taskDefinition": td, "tags": []}));
        let ptrs = secret_pointers(&doc);
        assert_eq!(
            ptrs,
            [
                "/taskDefinition/containerDefinitions/0/environment/0/value",
                "/taskDefinition/containerDefinitions/0/logConfiguration/options/splunk-token",
                "/taskDefinition/containerDefinitions/0/dockerLabels/api.token",
                "/taskDefinition/containerDefinitions/0/command/0",
                "/taskDefinition/containerDefinitions/0/secrets/0/valueFrom",
            ]
        );
        let masked = serde_json::to_string(&mask_document(&doc)).unwrap();
        assert!(!masked.contains("Hunter2"), "{masked}");
    }

    #[test]
    fn every_rule_fires_on_its_documented_example() {
        for rule in RULES {
            let f = crate::core::rules::testing::check(*rule, rule.meta().example);
            assert!(!f.is_empty(), "{} does not fire on its own example", rule.meta().id);
        }
    }

    #[test]
    fn is_secret_env_for_others() {
        assert!(is_secret_env("DD_API_KEY", "xxx"));
        assert!(is_secret_env("MYSQL_PW", "xxx"));
        assert!(!is_secret_env("DD_SITE", "ap1.datadoghq.com"));
        assert!(!is_secret_env("MYSQL_USER", "myuser"));
    }
}
