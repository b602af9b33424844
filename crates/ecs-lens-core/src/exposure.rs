//! The credentials a revision exposes: every place where the secrets rules find a real
//! credential (not a placeholder), with a stable name for the place. The server keeps a
//! keyed hash of each value (never the value) to find every revision that still carries
//! the same one.

use serde_json::Value;

use crate::document::Document;
use crate::rules::secrets::places::{collect, PlaceContext, Root};
use crate::schema::Seg;

/// One exposed credential.
pub struct Credential<'a> {
    /// The container's name (or `#index`), for a place inside a container.
    pub container: Option<String>,
    /// Where in the container (or task definition): `environment › DB_PASSWORD`,
    /// `dockerLabels › token`, `command[2]`.
    pub place: String,
    /// What the detector took it for ("a password").
    pub what: &'static str,
    /// The value. Hash it; never store, log or show it.
    pub value: &'a str,
}

/// Every real credential in `doc`, in document order.
pub fn credentials(doc: &Document) -> Vec<Credential<'_>> {
    let td = doc.task_definition();
    collect(doc)
        .into_iter()
        .filter(|h| h.detection.is_credential() && h.root != Root::Outside)
        .map(|h| {
            let container = h.container_index().map(|i| {
                td.and_then(|t| t.get("containerDefinitions"))
                    .and_then(|c| c.get(i))
                    .and_then(|c| c.get("name"))
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("#{i}"), str::to_string)
            });
            let place = match (h.context, h.segs.as_slice()) {
                (PlaceContext::NameValue { name }, [.., Seg::Key(list), Seg::Index(_), Seg::Key(_)]) => {
                    format!("{list} › {name}")
                }
                (PlaceContext::MapEntry { key }, [.., Seg::Key(map), Seg::Key(_)]) => format!("{map} › {key}"),
                _ => h.display(),
            };
            Credential { container, place, what: h.detection.what, value: h.value }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn names_each_place_and_skips_placeholders() {
        let doc = Document::from_value(&json!({
            "family": "f",
            "containerDefinitions": [{
                "name": "app", "image": "x",
                "environment": [
                    {"name": "DB_PASSWORD", "value": "Tr0ub4dor&3-horse-battery"},
                    {"name": "API_TOKEN", "value": "changeme"},
                    {"name": "LOG_LEVEL", "value": "info"}
                ],
                "dockerLabels": {"token": "ghp_0123456789abcdefABCDEF0123456789abcd"}
            }]
        }));
        let found: Vec<(Option<String>, String)> =
            credentials(&doc).into_iter().map(|c| (c.container, c.place)).collect();
        assert_eq!(
            found,
            [
                (Some("app".into()), "environment › DB_PASSWORD".into()),
                (Some("app".into()), "dockerLabels › token".into())
            ]
        );
        assert_eq!(credentials(&doc)[0].value, "Tr0ub4dor&3-horse-battery");
    }
}
