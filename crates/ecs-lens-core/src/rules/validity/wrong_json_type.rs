use serde_json::{json, Value};

use super::util::{finding_at, where_prefix};
use crate::finding::{Finding, Fix};
use crate::rules::kit::json_type as kind_of;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::schema::{Issue, Path, Ty};
use crate::{Category, Severity};

pub struct WrongJsonType;

pub static META: RuleMeta = RuleMeta {
    id: "VAL004",
    name: "wrong-json-type",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "A value has the wrong JSON type (task cpu/memory as numbers, container memory as a string, null …)",
    what: crate::rules::doc(
        "Checks the JSON type of every member against the ECS API model: task-level `cpu` and `memory` \
           are **strings** (`\"256\"`, `\"1 vCPU\"`); container `cpu`, `memory`, `memoryReservation`, ports, \
           health-check timings and ulimits are **integers**; `essential`, `readOnly`, `privileged` … are \
           booleans; lists are arrays, `dockerLabels` and log `options` are objects of **string** values. \
           `null` is flagged everywhere.",
    ),
    why: crate::rules::doc(
        "The AWS CLI and SDKs validate types before sending the request: `Invalid type for parameter \
          containerDefinitions[0].memory, value: 256, type: <class 'str'>, valid types: <class 'int'>`. \
          `null` is rejected the same way (`value: None`) — console JSON exports are full of them. \
          Tools that coerce types silently hide the mistake until another tool refuses it.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "cpu": 256, "memory": 512, "containerDefinitions": [{"name": "app", "image": "nginx", "memory": "512", "essential": "true", "logConfiguration": null}]}"#,
    ),
    fix: crate::rules::doc(
        "Write task `cpu`/`memory` as strings, container sizes as integers, booleans as `true`/`false`, and \
          omit a field rather than setting it to `null`. The fix converts the value when the intent is \
          unambiguous.",
    ),
    references: &[Reference { tool: "AWS", id: "botocore ParamValidation: Invalid type for parameter" }],
};

/// A machine-applicable conversion, when the intent is unambiguous.
fn conversion(ty: &Ty, value: &Value, path: &Path<'_>) -> Option<(String, Value)> {
    let key = path.last_key();
    match (ty, value) {
        (Ty::Int, Value::String(s)) => {
            let n: i64 = s.trim().parse().ok()?;
            Some(("Write the value as an integer".to_string(), json!(n)))
        }
        (Ty::Int, Value::Number(n)) => {
            let f = n.as_f64()?;
            (f.fract() == 0.0 && f.abs() < 9.0e15)
                .then(|| ("Write the value as an integer".to_string(), json!(f as i64)))
        }
        (Ty::Str | Ty::Enum(_), Value::Number(n)) => {
            Some(("Write the number as a string".to_string(), Value::String(n.to_string())))
        }
        (Ty::Str | Ty::Enum(_), Value::Bool(b)) => {
            Some(("Write the boolean as a string".to_string(), Value::String(b.to_string())))
        }
        (Ty::Bool, Value::String(s)) => {
            let b = match s.trim().to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => return None,
            };
            Some((format!("Write the boolean {b}"), json!(b)))
        }
        (Ty::List(inner), v) if inner.accepts(v) => {
            // `"command": "npm start"` is not `["npm start"]` in exec form; only wrap single words.
            let is_args = matches!(key, Some("command" | "entryPoint"));
            if is_args && v.as_str().is_some_and(|s| s.contains(char::is_whitespace)) {
                return None;
            }
            Some(("Wrap the value in an array".to_string(), json!([v])))
        }
        _ => None,
    }
}

impl Rule for WrongJsonType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        // One walk of the schema serves all the validity rules (`schema::issues`).
        for (path, issue) in cx.model_issues() {
            let issue = *issue;
            let Issue::WrongType { ty, value } = issue else { continue };
            let at = path.pointer();
            if path.segs().is_empty() && at.is_empty() {
                out.push(Finding::new(
                    &META,
                    at,
                    format!("the document must be a JSON object (a task definition), not {}", kind_of(value)),
                ));
                continue;
            }
            let where_ = where_prefix(td, path);
            let what = path.display();
            if value.is_null() {
                let message = format!(
                    "{where_}`{what}` is null; the AWS CLI and SDKs reject null values (omit the field instead)"
                );
                let fix = || {
                    if path.last_key().is_some() {
                        Fix::patch(format!("Remove the null `{what}`"), json!([{"op": "remove", "path": at}])).safe()
                    } else {
                        Fix::advice(format!("Remove the null element `{what}` from its array"))
                    }
                };
                out.push(finding_at(&META, td, path, message).with_fix_from(cx, fix));
                continue;
            }
            let task_size = path.container_index().is_none() && path.segs().len() == 1;
            let hint = match (path.last_key(), task_size) {
                (Some("cpu"), true) => " (task-level cpu is a string such as \"256\" or \"1 vCPU\")",
                (Some("memory"), true) => " (task-level memory is a string such as \"512\" or \"1 GB\")",
                (Some("cpu" | "memory" | "memoryReservation"), false) => " (container sizes are integers)",
                _ => "",
            };
            let message = format!("{where_}`{what}` must be {}, not {}{hint}", ty.describe(), kind_of(value));
            let fix = || match conversion(ty, value, path) {
                Some((desc, new)) => Fix::patch(desc, json!([{"op": "replace", "path": at, "value": new}])).safe(),
                None => Fix::advice(format!("Write `{what}` as {}", ty.describe())),
            };
            out.push(finding_at(&META, td, path, message).with_fix_from(cx, fix));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_task_size_numbers_with_string_fix() {
        let mut td = base();
        td["cpu"] = json!(256);
        td["memory"] = json!(512);
        let f = check_value(&WrongJsonType, td);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].pointer, "/cpu");
        assert!(f[0].message.contains("must be a string, not a number"), "{}", f[0].message);
        assert_eq!(f[0].fix.as_ref().unwrap().patch, json!([{"op": "replace", "path": "/cpu", "value": "256"}]));
        assert!(f[0].blocks_registration);
    }

    #[test]
    fn flags_container_types_and_nulls() {
        let mut td = base();
        let c = &mut td["containerDefinitions"][0];
        c["memory"] = json!("512");
        c["essential"] = json!("true");
        c["logConfiguration"] = json!(null);
        c["portMappings"] = json!([{"containerPort": 80.0}, null]);
        c["dockerLabels"] = json!({"n": 1});
        c["command"] = json!("npm start");
        c["links"] = json!("db");
        let f = check_value(&WrongJsonType, td);
        let fix_of = |p: &str| {
            let f = f.iter().find(|f| f.pointer == p).unwrap_or_else(|| panic!("nothing at {p}: {f:#?}"));
            (f.message.clone(), f.fix.clone().unwrap())
        };
        let (m, fix) = fix_of("/containerDefinitions/0/memory");
        assert!(m.starts_with("container `app`: `memory` must be an integer, not a string"), "{m}");
        assert_eq!(fix.patch[0]["value"], json!(512));
        assert_eq!(fix_of("/containerDefinitions/0/essential").1.patch[0]["value"], json!(true));
        let (m, fix) = fix_of("/containerDefinitions/0/logConfiguration");
        assert!(m.contains("is null"));
        assert_eq!(fix.patch[0]["op"], "remove");
        assert_eq!(fix_of("/containerDefinitions/0/portMappings/0/containerPort").1.patch[0]["value"], json!(80));
        assert!(!fix_of("/containerDefinitions/0/portMappings/1").1.is_applicable());
        assert_eq!(fix_of("/containerDefinitions/0/dockerLabels/n").1.patch[0]["value"], json!("1"));
        assert!(!fix_of("/containerDefinitions/0/command").1.is_applicable());
        assert_eq!(fix_of("/containerDefinitions/0/links").1.patch[0]["value"], json!(["db"]));
        assert_eq!(f.len(), 8);
    }

    #[test]
    fn root_must_be_an_object() {
        let f = check(&WrongJsonType, "[1, 2]");
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("must be a JSON object"));
    }

    #[test]
    fn clean_documents_pass() {
        assert!(check(&WrongJsonType, SEED).is_empty());
        assert!(check_value(&WrongJsonType, base()).is_empty());
        let wrapped = json!({"taskDefinition": {"family": "f", "cpu": 1024, "containerDefinitions": []}});
        let f = check_value(&WrongJsonType, wrapped);
        assert_eq!(f[0].pointer, "/taskDefinition/cpu");
    }
}
