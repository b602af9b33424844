//! A family's history: for each revision, what changed against the one before, as the
//! semantic diff's keyed paths (`container app › environment › DD_API_KEY`, `cpu`), and the
//! filters "one container" and "one path" ("every change of DD_API_KEY").

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diff::{self, Change};
use crate::document::Document;

/// One change of a revision, as the history shows it (values as the diff shows them:
/// secrets masked).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryChange {
    pub path: Vec<String>,
    /// `added`, `removed`, `changed`, `renamed`, `movedToSecrets`, `movedToEnvironment`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

impl From<Change> for HistoryChange {
    fn from(c: Change) -> HistoryChange {
        HistoryChange { path: c.path, kind: c.kind.as_str().to_string(), before: c.before, after: c.after }
    }
}

/// What `b` changed against `a`: the diff's changes (neither side is linted: the history
/// lists changes, not findings), with the credentials whose masked values differ
/// ([`diff::add_value_changes`]).
pub fn changes(a: &Document, b: &Document, differing: &[diff::ValueChange]) -> Vec<HistoryChange> {
    let mut changes = diff::diff_with_findings(a, b, Vec::new(), Vec::new()).changes;
    diff::add_value_changes(&mut changes, differing);
    changes.into_iter().map(HistoryChange::from).collect()
}

/// Which changes to keep.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Only changes inside this container (by name).
    pub container: Option<String>,
    /// Only changes at or under this key path: segments separated by `.`, `/` or `›`
    /// (`DD_API_KEY`, `environment.DD_API_KEY`, `datadog-agent.image`), matched as a
    /// contiguous run of the change's path (a container's segment is its name).
    pub path: Option<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.container.is_none() && self.path.is_none()
    }

    pub fn keeps(&self, path: &[String]) -> bool {
        let plain: Vec<&str> = path.iter().map(|s| s.strip_prefix("container ").unwrap_or(s)).collect();
        if let Some(c) = &self.container {
            match path.first() {
                Some(first) if first.strip_prefix("container ") == Some(c.as_str()) => {}
                _ => return false,
            }
        }
        if let Some(p) = &self.path {
            let want: Vec<&str> = p.split(['.', '/', '›']).map(str::trim).filter(|s| !s.is_empty()).collect();
            if want.is_empty() {
                return true;
            }
            if !plain.windows(want.len()).any(|w| w.iter().zip(&want).all(|(a, b)| a == b)) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn td(image: &str, env: Value, extra: Option<Value>) -> Document {
        let mut containers = vec![json!({"name": "app", "image": image, "essential": true, "environment": env})];
        if let Some(e) = extra {
            containers.push(e);
        }
        Document::from_value(&json!({"family": "f", "containerDefinitions": containers}))
    }

    fn changes(a: &Document, b: &Document) -> Vec<HistoryChange> {
        super::changes(a, b, &[])
    }

    fn kinds(c: &[HistoryChange]) -> Vec<String> {
        c.iter().map(|c| format!("{} {}", c.kind, c.path.join(" › "))).collect()
    }

    #[test]
    fn image_env_container_and_secret_moves() {
        let key = "4f0c9e1b2a3d5e6f7a8b9c0d1e2f3a4b";
        let r1 =
            td("app:1", json!([{"name": "LOG_LEVEL", "value": "info"}, {"name": "DD_API_KEY", "value": key}]), None);
        let r2 =
            td("app:2", json!([{"name": "LOG_LEVEL", "value": "debug"}, {"name": "DD_API_KEY", "value": key}]), None);
        let sidecar = json!({"name": "proxy", "image": "envoy:1", "essential": false});
        let r3 = td(
            "app:2",
            json!([{"name": "LOG_LEVEL", "value": "debug"}, {"name": "DD_API_KEY", "value": key}]),
            Some(sidecar),
        );
        let mut v4 = r3.value().clone();
        v4["containerDefinitions"][0]["environment"] = json!([{"name": "LOG_LEVEL", "value": "debug"}]);
        v4["containerDefinitions"][0]["secrets"] =
            json!([{"name": "DD_API_KEY", "valueFrom": "arn:aws:secretsmanager:eu-west-1:1:secret:dd-AbCdEf"}]);
        v4["containerDefinitions"].as_array_mut().unwrap().pop();
        let r4 = Document::from_value(&v4);

        assert_eq!(
            kinds(&changes(&r1, &r2)),
            ["changed container app › image", "changed container app › environment › LOG_LEVEL"]
        );
        assert_eq!(kinds(&changes(&r2, &r3)), ["added container proxy"]);
        let c4 = changes(&r3, &r4);
        assert_eq!(kinds(&c4), ["movedToSecrets container app › secrets › DD_API_KEY", "removed container proxy"]);
        let text = serde_json::to_string(&c4).unwrap();
        assert!(!text.contains(key), "masked: {text}");

        let only =
            |f: Filter, c: &[HistoryChange]| kinds(&c.iter().filter(|x| f.keeps(&x.path)).cloned().collect::<Vec<_>>());
        let dd = Filter { path: Some("DD_API_KEY".into()), ..Default::default() };
        assert_eq!(only(dd.clone(), &changes(&r1, &r2)), Vec::<String>::new());
        assert_eq!(only(dd, &c4).len(), 1);
        let image = Filter { container: Some("app".into()), path: Some("image".into()) };
        assert_eq!(only(image, &changes(&r1, &r2)), ["changed container app › image"]);
        let proxy = Filter { container: Some("proxy".into()), path: None };
        assert_eq!(only(proxy.clone(), &changes(&r2, &r3)), ["added container proxy"]);
        assert!(only(proxy, &changes(&r1, &r2)).is_empty());
        let dotted = Filter { path: Some("app.environment.LOG_LEVEL".into()), ..Default::default() };
        assert_eq!(only(dotted, &changes(&r1, &r2)).len(), 1);
    }

    #[test]
    fn a_rotated_credential_is_a_change_though_both_values_are_masked() {
        let env = |key: &str| json!([{"name": "DD_API_KEY", "value": key}, {"name": "LOG_LEVEL", "value": "info"}]);
        let mask = |d: &Document| {
            let m = crate::mask::Masker::of(d);
            Document::from_value(&m.mask_document(d))
        };
        let r1 = td("app:1", env("4f0c9e1b2a3d5e6f7a8b9c0d1e2f3a4b"), None);
        let r2 = td("app:1", env("9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"), None);
        let (m1, m2) = (mask(&r1), mask(&r2));
        assert!(changes(&m1, &m2).is_empty(), "the masked documents alone cannot tell");
        let rotated =
            [crate::diff::ValueChange { container: Some("app".into()), place: "environment › DD_API_KEY".into() }];
        let c = super::changes(&m1, &m2, &rotated);
        assert_eq!(kinds(&c), ["changed container app › environment › DD_API_KEY"]);
        assert_eq!(c[0].before, Some(json!(crate::mask::MASK)));
        assert_eq!(c[0].after, Some(json!(crate::diff::ANOTHER_VALUE)));
        // A change that covers it already is not doubled: the variable removed, or its container.
        let mut v3 = m2.value().clone();
        v3["containerDefinitions"][0]["environment"] = json!([{"name": "LOG_LEVEL", "value": "info"}]);
        let c = super::changes(&m1, &Document::from_value(&v3), &rotated);
        assert_eq!(kinds(&c), ["removed container app › environment › DD_API_KEY"]);
        // Nor is a variable moved to secrets, or one in a renamed container.
        let mut moved = m2.value().clone();
        moved["containerDefinitions"][0]["environment"] = json!([{"name": "LOG_LEVEL", "value": "info"}]);
        moved["containerDefinitions"][0]["secrets"] =
            json!([{"name": "DD_API_KEY", "valueFrom": "arn:aws:ssm:eu-west-1:1:parameter/dd"}]);
        let c = super::changes(&m1, &Document::from_value(&moved), &rotated);
        assert_eq!(kinds(&c), ["movedToSecrets container app › secrets › DD_API_KEY"]);
        let mut renamed = m2.value().clone();
        renamed["containerDefinitions"][0]["name"] = json!("web");
        let both = [
            rotated[0].clone(),
            crate::diff::ValueChange { container: Some("web".into()), place: "environment › DD_API_KEY".into() },
        ];
        let c = super::changes(&m1, &Document::from_value(&renamed), &both);
        assert_eq!(kinds(&c), ["renamed container web"]);
        // A task-level place has no container segment.
        let task = [crate::diff::ValueChange { container: None, place: "tags › token".into() }];
        assert_eq!(kinds(&super::changes(&m1, &m2, &task)), ["changed tags › token"]);
    }
}
