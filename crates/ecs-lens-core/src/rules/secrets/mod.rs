//! Plaintext credentials (`SEC…`). One file per rule; [`places`] enumerates every string
//! of the document with its context, [`detect`] is the one detector they share (run once
//! per string, per lint), `migrate` builds the "move it to Secrets Manager" fixes. Each
//! place belongs to at most one rule ([`owner`]): SEC001–SEC007 the places they are
//! named after.

use super::{Context, Rule, RuleMeta};
use crate::model::Container;
use crate::rules::validity::schema::Seg;
use places::{Hit, PlaceContext, Root};

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

/// The rule that reports a place holding a credential, if any.
pub(crate) fn owner(h: &Hit<'_>) -> Option<&'static RuleMeta> {
    use PlaceContext as P;
    use Seg::{Index as I, Key as K};
    if h.root != Root::TaskDef {
        return None;
    }
    Some(match (h.context, h.segs.as_slice()) {
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
        _ => return None,
    })
}

/// The credentials of the linted document that `rule` reports, in document order.
pub(crate) fn hits_of<'c, 'a>(cx: &'c Context<'a>, rule: &'static RuleMeta) -> impl Iterator<Item = &'c Hit<'a>> {
    places::hits(cx).iter().filter(move |h| owner(h).is_some_and(|o| std::ptr::eq(o, rule)))
}

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

    use crate::document::Document;
    use crate::rules::lint;
    use crate::rules::testing::{base, SEED};
    use places::testing::put;

    const GH: &str = "ghp_0123456789abcdefABCDEF0123456789abcd";

    /// The SEC findings of `doc` as (rule, pointer).
    fn sec(doc: &Document) -> Vec<(String, String)> {
        lint(doc).into_iter().filter(|f| f.rule.starts_with("SEC")).map(|f| (f.rule, f.pointer)).collect()
    }

    /// Each place is reported by the rule named after it.
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
        ] {
            assert_eq!(rule_of(path), rule, "{path}");
        }
    }

    /// The seed gives the same SEC findings as before the walk: DD_API_KEY and MYSQL_PW.
    #[test]
    fn seed_findings_are_unchanged() {
        let seed = sec(&Document::parse(SEED).unwrap());
        let mut seed: Vec<_> = seed.iter().map(|(r, p)| (r.as_str(), p.as_str())).collect();
        seed.sort();
        assert_eq!(
            seed,
            [("SEC001", "/containerDefinitions/1/environment/7"), ("SEC001", "/containerDefinitions/3/environment/1")]
        );
    }

    #[test]
    fn is_secret_env_for_others() {
        assert!(is_secret_env("DD_API_KEY", "xxx"));
        assert!(is_secret_env("MYSQL_PW", "xxx"));
        assert!(!is_secret_env("DD_SITE", "ap1.datadoghq.com"));
        assert!(!is_secret_env("MYSQL_USER", "myuser"));
    }
}
