//! Small helpers shared by the Fargate rules.

use serde_json::{json, Value};

use crate::model::member;

pub use super::sizes::join_or;

/// A member of an object value by a linear scan of its keys ([`member`]): for the small
/// objects of a task definition this is much cheaper than `Value::get`, which hashes the key.
pub fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    member(v.as_object()?, key)
}

/// "a", "a and b", "a, b and c".
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// True when a field holds something ECS would act on: not `null`, not `false`, not an
/// empty string or array. Numbers and objects (even `0` or `{}`) count as set.
pub fn is_set(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Number(_) | Value::Object(_) => true,
    }
}

/// A JSON Patch removing what `pointer` names.
pub fn remove(pointer: &str) -> Value {
    json!([{ "op": "remove", "path": pointer }])
}

/// A JSON Patch removing an array element, guarded by a `test` of its current value so
/// that a patch applied after another one shifted the array fails instead of removing
/// the wrong element.
pub fn remove_element(pointer: &str, current: &Value) -> Value {
    json!([{ "op": "test", "path": pointer, "value": current }, { "op": "remove", "path": pointer }])
}

/// A JSON Patch setting `pointer` to `value` (`replace` when it exists, else `add`).
pub fn set(pointer: &str, exists: bool, value: Value) -> Value {
    json!([{ "op": if exists { "replace" } else { "add" }, "path": pointer, "value": value }])
}

/// A short rendering of a JSON value for messages (strings quoted; long ones cut).
/// Only for non-secret configuration values.
pub fn show(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// "container 'app'" or "containerDefinitions[3]".
pub fn who(c: &crate::model::Container<'_>) -> String {
    match c.name {
        Some(n) => format!("container '{n}'"),
        None => format!("containerDefinitions[{}]", c.index),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_values() {
        assert!(!is_set(&json!(null)));
        assert!(!is_set(&json!(false)));
        assert!(!is_set(&json!("")));
        assert!(!is_set(&json!([])));
        assert!(is_set(&json!(0)));
        assert!(is_set(&json!({})));
        assert!(is_set(&json!(["x"])));
        assert!(is_set(&json!(true)));
    }

    #[test]
    fn shows() {
        assert_eq!(show(&json!("host")), "\"host\"");
        assert_eq!(show(&json!(3)), "3");
        assert!(show(&json!("x".repeat(100))).ends_with("..."));
    }
}
