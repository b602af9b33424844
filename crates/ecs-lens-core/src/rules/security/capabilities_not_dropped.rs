use serde_json::Value;

use super::added_linux_capability::{is, normalise};
use crate::finding::{Finding, Fix};
use crate::model::member;
use crate::rules::kit::{add, anchor, cat, label, one, ptr, set_nested};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct CapabilitiesNotDropped;

pub static META: RuleMeta = RuleMeta {
    id: "HAR008",
    name: "capabilities-not-dropped",
    severity: Severity::Info,
    category: Category::Security,
    blocks_registration: false,
    summary: "A container keeps Docker's default capabilities (`capabilities.drop` lacks `ALL`)",
    what: crate::rules::doc(
        "Flags Linux containers whose `linuxParameters.capabilities.drop` does not contain `ALL`. Windows \
           task definitions are skipped.",
    ),
    why: crate::rules::doc(
        "Docker grants a default set of capabilities (`CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `SETUID`, `SETGID`, \
          `NET_RAW`, `MKNOD`, …) that most applications never use. Dropping them all and adding back the one \
          or two that are needed is the least-privilege baseline.",
    ),
    example: crate::rules::doc(r#"{"containerDefinitions": [{"name": "app", "image": "app:1.2"}]}"#),
    fix: crate::rules::doc(
        "Set `linuxParameters.capabilities.drop` to `[\"ALL\"]` and list in `add` only what the process needs \
          (for example `NET_BIND_SERVICE` to bind a port below 1024 as non-root).",
    ),
    references: &[],
};

impl Rule for CapabilitiesNotDropped {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if td.is_windows() {
            return;
        }
        for c in &td.containers {
            let lp = c.get("linuxParameters").and_then(Value::as_object);
            let caps = lp.and_then(|l| member(l, "capabilities"));
            let drop = caps.and_then(Value::as_object).and_then(|c| member(c, "drop")).and_then(Value::as_array);
            if drop.is_some_and(|d| d.iter().filter_map(Value::as_str).any(|s| is(normalise(s), "ALL"))) {
                continue;
            }
            let label = label(c);
            let pointer = match (drop, caps) {
                (Some(_), _) => ptr(c, "/linuxParameters/capabilities/drop"),
                (None, Some(_)) => ptr(c, "/linuxParameters/capabilities"),
                (None, None) => anchor(c),
            };
            out.push(
                Finding::new(
                    &META,
                    pointer,
                    cat(&[
                        "container `",
                        &label,
                        "` keeps Docker's default capabilities (`capabilities.drop` lacks `ALL`)",
                    ]),
                )
                .in_container(c)
                .with_fix_from(cx, || {
                    let description = cat(&[
                        "Drop all default capabilities of `",
                        &label,
                        "` (add back in `capabilities.add` any it needs, e.g. NET_BIND_SERVICE)",
                    ]);
                    let op = match drop {
                        Some(_) => Some(add(ptr(c, "/linuxParameters/capabilities/drop/-"), "ALL")),
                        None => set_nested(
                            &c.pointer,
                            c.obj,
                            &["linuxParameters", "capabilities", "drop"],
                            Value::Array(vec!["ALL".into()]),
                        ),
                    };
                    match op {
                        Some(op) => Fix::patch(description, one(op)),
                        None => Fix::advice(description),
                    }
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kit::test_support::apply_fix;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn with_caps(caps: Value) -> Value {
        let mut td = base();
        td["containerDefinitions"][0]["linuxParameters"] = json!({"capabilities": caps});
        td
    }

    #[test]
    fn drop_all_missing_at_every_nesting_level() {
        for td in [base(), with_caps(json!({"add": []})), with_caps(json!({"drop": ["NET_RAW"]}))] {
            let f = check_value(&CapabilitiesNotDropped, td.clone());
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].severity, Severity::Info);
            assert!(check_value(&CapabilitiesNotDropped, apply_fix(&td, &f[0])).is_empty());
        }
        let mut td = base();
        td["containerDefinitions"][0]["linuxParameters"] = json!("oops");
        let f = check_value(&CapabilitiesNotDropped, td);
        assert!(!f[0].fix.as_ref().unwrap().is_applicable(), "no patch through a wrong type");
    }

    #[test]
    fn drop_all_passes() {
        assert!(check_value(&CapabilitiesNotDropped, with_caps(json!({"drop": ["all"]}))).is_empty());
        assert_eq!(check(&CapabilitiesNotDropped, SEED).len(), 4);
    }
}
