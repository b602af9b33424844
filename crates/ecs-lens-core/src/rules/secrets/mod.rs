//! Plaintext credentials (`SEC…`). One file per rule; [`places`] enumerates every string
//! of the document with its context, [`detect`] is the detector they share, `migrate`
//! builds the "move it to Secrets Manager" fixes.

use super::Rule;
use crate::model::Container;

pub mod detect;
pub mod migrate;
pub mod places;

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

/// The rule whose findings point at an `environment` entry (its `value` is the secret).
pub(crate) const ENVIRONMENT_RULE: &str = plaintext_secret_in_environment::META.id;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_fires_on_its_documented_example() {
        for rule in RULES {
            let f = crate::rules::testing::check(*rule, rule.meta().example);
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
