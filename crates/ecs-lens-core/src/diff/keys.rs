//! How the elements of each array of a task definition are matched between two
//! revisions: by a key (`environment` by `name`, `portMappings` by port/protocol …),
//! as an unordered set (`requiresCompatibilities`, capabilities …), or as one ordered
//! value (`command`, `entryPoint`, anything unknown).

use std::collections::HashMap;

use serde_json::Value;

/// What identifies an element of a keyed array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyFn {
    /// The string (or number) in this field of the element.
    Field(&'static str),
    /// `portMappings`: `containerPort` (or `containerPortRange`) and `protocol`, `8000/tcp`.
    Port,
}

/// A keyed array: the key and, for `{key, value}` pairs, the value field. A pair
/// element is compared, added and removed as its value (`MYSQL_PW: "x" → "y"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeySpec {
    pub key: KeyFn,
    pub pair: Option<&'static str>,
}

/// How an array is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArrayKind {
    /// The task's `containerDefinitions`: by `name`, with rename detection.
    Containers,
    /// Elements matched by a key; order is not a change.
    Keyed(KeySpec),
    /// Unordered set of values; order is not a change.
    Set,
    /// Order matters: the array is one value (`command`, `entryPoint`, `dnsServers` …).
    Atomic,
}

impl ArrayKind {
    /// True when elements are reported one by one (a missing array counts as empty).
    pub fn elementwise(self) -> bool {
        !matches!(self, ArrayKind::Atomic)
    }
}

/// The comparison of the array held in `field`; `top` is true for task-level fields.
pub(crate) fn array_kind(field: &str, top: bool) -> ArrayKind {
    let keyed = |f: &'static str, pair: Option<&'static str>| ArrayKind::Keyed(KeySpec { key: KeyFn::Field(f), pair });
    match field {
        "containerDefinitions" if top => ArrayKind::Containers,
        "environment" | "properties" => keyed("name", Some("value")),
        "secrets" | "secretOptions" => keyed("name", Some("valueFrom")),
        "tags" => keyed("key", Some("value")),
        "systemControls" => keyed("namespace", Some("value")),
        "extraHosts" => keyed("hostname", Some("ipAddress")),
        "dependsOn" => keyed("containerName", Some("condition")),
        "resourceRequirements" => keyed("type", Some("value")),
        "inferenceAccelerators" => keyed("deviceName", Some("deviceType")),
        "ulimits" | "volumes" => keyed("name", None),
        "volumesFrom" => keyed("sourceContainer", None),
        "mountPoints" | "tmpfs" => keyed("containerPath", None),
        "devices" => keyed("hostPath", None),
        "environmentFiles" => keyed("value", None),
        "portMappings" => ArrayKind::Keyed(KeySpec { key: KeyFn::Port, pair: None }),
        "requiresCompatibilities"
        | "links"
        | "add"
        | "drop"
        | "dockerSecurityOptions"
        | "credentialSpecs"
        | "permissions"
        | "mountOptions"
        | "ignoredExitCodes"
        | "placementConstraints" => ArrayKind::Set,
        _ => ArrayKind::Atomic,
    }
}

/// The key of one element, if it has one.
pub(crate) fn element_key(key: KeyFn, v: &Value) -> Option<String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match key {
        KeyFn::Field(f) => scalar(v.get(f)?),
        KeyFn::Port => {
            let protocol = match v.get("protocol") {
                None => "tcp",
                Some(Value::String(s)) => s.as_str(),
                Some(_) => return None,
            };
            let port = v.get("containerPort").or_else(|| v.get("containerPortRange")).and_then(scalar)?;
            Some(format!("{port}/{protocol}"))
        }
    }
}

/// For each element: (match key, display). Equal keys get an occurrence number so
/// that duplicates still match one to one (`X`, `X (2)`). Elements without a key
/// match by their whole value and are shown by position.
pub(crate) fn keyed_list(
    items: &[Value],
    key: impl Fn(usize, &Value) -> Option<(String, String)>,
) -> Vec<(String, String)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let (k, d) = key(i, v).unwrap_or_else(|| (format!("\u{1}{}", canonical(v)), format!("[{i}]")));
            let n = seen.entry(k.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                (k, d)
            } else {
                (format!("{k}\u{0}{n}"), format!("{d} ({n})"))
            }
        })
        .collect()
}

/// Keys and displays of the elements of an array of kind `kind` (not `Atomic`).
/// Containers are keyed by name (`container NAME`), unnamed ones by position.
pub(crate) fn keys_for(kind: ArrayKind, items: &[Value]) -> Vec<(String, String)> {
    match kind {
        ArrayKind::Containers => keyed_list(items, |i, v| {
            Some(match v.get("name").and_then(Value::as_str) {
                Some(name) => (name.to_string(), format!("container {name}")),
                None => (format!("\u{1}#{i}"), format!("container containerDefinitions[{i}]")),
            })
        }),
        ArrayKind::Keyed(spec) => keyed_list(items, |_, v| element_key(spec.key, v).map(|k| (k.clone(), k))),
        ArrayKind::Set | ArrayKind::Atomic => keyed_list(items, |_, v| {
            Some(match v {
                Value::String(s) => (s.clone(), s.clone()),
                other => (format!("\u{1}{}", canonical(other)), compact(other)),
            })
        }),
    }
}

/// True when `v` is a `{key, value}` pair element: an object with the value field and
/// nothing but the key and value fields.
pub(crate) fn is_pair(v: &Value, spec: KeySpec) -> bool {
    let (KeyFn::Field(key), Some(value)) = (spec.key, spec.pair) else { return false };
    v.as_object().is_some_and(|m| m.contains_key(value) && m.keys().all(|k| k == key || k == value))
}

/// JSON text with object keys sorted at every level: equal values, equal text.
pub(crate) fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<_> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Compact JSON text of a value.
pub(crate) fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn port_keys_default_to_tcp() {
        let spec = KeyFn::Port;
        assert_eq!(element_key(spec, &json!({"containerPort": 80})).as_deref(), Some("80/tcp"));
        assert_eq!(element_key(spec, &json!({"containerPort": 53, "protocol": "udp"})).as_deref(), Some("53/udp"));
        assert_eq!(element_key(spec, &json!({"containerPortRange": "1-9"})).as_deref(), Some("1-9/tcp"));
        assert_eq!(element_key(spec, &json!({"hostPort": 80})), None);
        assert_eq!(element_key(spec, &json!("80")), None);
    }

    #[test]
    fn duplicates_and_keyless_elements_get_distinct_keys() {
        let items = vec![json!({"name": "A"}), json!({"name": "A"}), json!({"value": 1}), json!(3)];
        let keys = keys_for(array_kind("environment", false), &items);
        assert_eq!(keys[0], ("A".to_string(), "A".to_string()));
        assert_eq!(keys[1].1, "A (2)");
        assert_ne!(keys[0].0, keys[1].0);
        assert_eq!(keys[2].1, "[2]");
        assert_eq!(keys[3].1, "[3]");
    }

    #[test]
    fn canonical_sorts_keys() {
        assert_eq!(canonical(&json!({"b": 1, "a": [{"d": 2, "c": 3}]})), r#"{"a":[{"c":3,"d":2}],"b":1}"#);
    }

    #[test]
    fn pairs() {
        let spec = KeySpec { key: KeyFn::Field("name"), pair: Some("value") };
        assert!(is_pair(&json!({"name": "A", "value": "1"}), spec));
        assert!(is_pair(&json!({"value": "1"}), spec));
        assert!(!is_pair(&json!({"name": "A"}), spec));
        assert!(!is_pair(&json!({"name": "A", "value": "1", "x": 1}), spec));
    }
}
