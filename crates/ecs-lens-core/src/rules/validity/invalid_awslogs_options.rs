use serde_json::{json, Value};

use crate::finding::{Finding, Fix};
use crate::model::member;
use crate::rules::kit::field;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct InvalidAwslogsOptions;

/// Options the `awslogs` driver accepts on ECS.
pub const AWSLOGS_OPTIONS: &[&str] = &[
    "awslogs-create-group",
    "awslogs-datetime-format",
    "awslogs-group",
    "awslogs-multiline-pattern",
    "awslogs-region",
    "awslogs-stream-prefix",
    "max-buffer-size",
    "mode",
];

pub static META: RuleMeta = RuleMeta {
    id: "VAL041",
    name: "invalid-awslogs-options",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "An `awslogs` log configuration without group or region, or with options the driver does not take",
    what: crate::rules::doc(
        "For containers whose `logDriver` is `awslogs`: `awslogs-group` and `awslogs-region` are required; \
           only the driver's own options are allowed (`awslogs-create-group`, `awslogs-datetime-format`, \
           `awslogs-group`, `awslogs-multiline-pattern`, `awslogs-region`, `awslogs-stream-prefix`, \
           `max-buffer-size`, `mode`); `awslogs-create-group` may only be `\"true\"`; `mode` is `blocking` or \
           `non-blocking`. Setting both `awslogs-datetime-format` and `awslogs-multiline-pattern` is a warning.",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects foreign options (`Log driver awslogs disallows options: log_key` — a \
          FireLens option left behind) and `Log driver awslogs option 'awslogs-create-group' should only be \
          set to 'true', else omit option.` Without a group and Region the driver has nowhere to write.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-stream-prefix": "app", "awslogs-create-group": "false", "log_key": "log"}}}]}"#,
    ),
    fix: crate::rules::doc(
        "Add `awslogs-group` and `awslogs-region`, drop options of other drivers, and omit \
          `awslogs-create-group` unless it is `\"true\"` (the fix removes the offending options).",
    ),
    references: &[Reference { tool: "cfn-lint", id: "E3046" }],
};

impl Rule for InvalidAwslogsOptions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            if c.log_driver() != Some("awslogs") {
                continue;
            }
            let lc = || c.ptr("logConfiguration");
            let options = c.get("logConfiguration").and_then(|l| field(l, "options"));
            if options.is_some_and(|o| !o.is_object()) {
                continue; // wrong type: VAL004
            }
            let opts = options.and_then(Value::as_object);
            let has = |k: &str| opts.is_some_and(|o| member(o, k).is_some());
            let (group, region) = (has("awslogs-group"), has("awslogs-region"));
            if !group || !region {
                let list = match (group, region) {
                    (false, false) => "`awslogs-group` and `awslogs-region`",
                    (false, true) => "`awslogs-group`",
                    _ => "`awslogs-region`",
                };
                let at = if opts.is_some() { format!("{}/options", lc()) } else { lc() };
                out.push(
                    Finding::new(&META, at, format!("container `{}`: the awslogs driver requires {list}", c.label()))
                        .in_container(c)
                        .with_fix_from(cx, || {
                            Fix::advice("Add the log group name and its Region to `logConfiguration.options`")
                        }),
                );
            }
            let Some(opts) = opts else { continue };
            for (k, v) in opts {
                let known = AWSLOGS_OPTIONS.contains(&k.as_str());
                let bad_create = k == "awslogs-create-group" && v.as_str() != Some("true");
                let bad_mode = k == "mode" && v.as_str().is_some_and(|m| m != "blocking" && m != "non-blocking");
                if known && !bad_create && !bad_mode {
                    continue;
                }
                let label = c.label();
                let pointer = format!("{}/options/{}", lc(), crate::document::escape_token(k));
                let remove = || Fix::patch(format!("Remove `{k}`"), json!([{"op": "remove", "path": pointer}])).safe();
                let finding = if !known {
                    let mut f = Finding::new(
                        &META,
                        pointer.clone(),
                        format!(
                            "container `{label}`: `{k}` is not an awslogs option (ECS: \"Log driver awslogs disallows \
                             options: {k}\")"
                        ),
                    )
                    .with_fix_from(cx, remove);
                    if k.starts_with("awslogs-") {
                        // A Docker awslogs option ECS does not document: maybe accepted, surely unusual.
                        f = f.with_severity(Severity::Medium);
                        f.blocks_registration = false;
                    }
                    f
                } else if bad_create {
                    Finding::new(
                        &META,
                        pointer.clone(),
                        format!(
                            "container `{label}`: awslogs-create-group must be \"true\" or omitted (ECS: \"Log driver \
                             awslogs option 'awslogs-create-group' should only be set to 'true', else omit option.\")"
                        ),
                    )
                    .with_fix_from(cx, remove)
                } else {
                    Finding::new(
                        &META,
                        pointer.clone(),
                        format!("container `{label}`: log `mode` must be `blocking` or `non-blocking`"),
                    )
                    .with_fix_from(cx, || {
                        Fix::patch(
                            "Use `non-blocking`",
                            json!([{"op": "replace", "path": pointer, "value": "non-blocking"}]),
                        )
                        .safe()
                    })
                };
                out.push(finding.in_container(c));
            }
            if member(opts, "awslogs-datetime-format").is_some() && member(opts, "awslogs-multiline-pattern").is_some()
            {
                let mut f = Finding::new(
                    &META,
                    format!("{}/options/awslogs-multiline-pattern", lc()),
                    format!(
                        "container `{}`: awslogs-datetime-format and awslogs-multiline-pattern are both set; the \
                         multiline pattern is ignored",
                        c.label()
                    ),
                )
                .in_container(c)
                .with_fix_from(cx, || Fix::advice("Keep only one of the two"))
                .with_severity(Severity::Low);
                f.blocks_registration = false;
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    fn with_log(lc: Value) -> Vec<Finding> {
        let mut td = base();
        td["containerDefinitions"][0]["logConfiguration"] = lc;
        check_value(&InvalidAwslogsOptions, td)
    }

    #[test]
    fn flags_missing_and_foreign_options() {
        let f = with_log(json!({"logDriver": "awslogs", "options": {"awslogs-stream-prefix": "app",
            "awslogs-create-group": "false", "log_key": "log", "awslogs-endpoint": "x", "mode": "fast"}}));
        let got: Vec<(&str, bool)> = f.iter().map(|f| (f.pointer.as_str(), f.blocks_registration)).collect();
        assert_eq!(
            got,
            [
                ("/containerDefinitions/0/logConfiguration/options", true),
                ("/containerDefinitions/0/logConfiguration/options/awslogs-create-group", true),
                ("/containerDefinitions/0/logConfiguration/options/log_key", true),
                ("/containerDefinitions/0/logConfiguration/options/awslogs-endpoint", false),
                ("/containerDefinitions/0/logConfiguration/options/mode", true),
            ]
        );
        assert!(f[0].message.contains("`awslogs-group` and `awslogs-region`"));
        assert!(f[2].message.contains("Log driver awslogs disallows options: log_key"));
        let f = with_log(json!({"logDriver": "awslogs"}));
        assert_eq!(f[0].pointer, "/containerDefinitions/0/logConfiguration");
    }

    #[test]
    fn warns_on_both_multiline_settings() {
        let f = with_log(json!({"logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-region": "r",
            "awslogs-datetime-format": "%Y", "awslogs-multiline-pattern": "^x"}}));
        assert_eq!(f.len(), 1);
        assert!(!f[0].blocks_registration);
    }

    #[test]
    fn complete_configurations_pass() {
        assert!(check(&InvalidAwslogsOptions, SEED).is_empty());
        assert!(with_log(json!({"logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-region": "r",
            "awslogs-create-group": "true", "mode": "non-blocking", "max-buffer-size": "25m"}}))
        .is_empty());
        assert!(with_log(json!({"logDriver": "awsfirelens", "options": {"Name": "datadog"}})).is_empty());
    }
}
