use serde_json::{json, Value};

use crate::finding::{Finding, Fix};
use crate::rules::kit::field;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct HealthCheckCommand;

pub static META: RuleMeta = RuleMeta {
    id: "VAL017",
    name: "health-check-command",
    severity: Severity::Medium,
    category: Category::Validity,
    blocks_registration: false,
    summary: "`healthCheck.command` is empty or does not start with `CMD` or `CMD-SHELL`",
    what: crate::rules::doc(
        "Checks that a container's `healthCheck.command` is non-empty and that its first element is `CMD` \
           (exec form: the remaining elements are the program and its arguments) or `CMD-SHELL` (one shell \
           command line).",
    ),
    why: crate::rules::doc(
        "The ECS model says the command must start with `CMD` or `CMD-SHELL`. Older documentation said `CMD` \
          is assumed when neither is given, so ECS may accept the registration — but then \
          `[\"curl -f http://localhost/ || exit 1\"]` is run as a program literally named \
          `curl -f http://localhost/ || exit 1`, the check never passes, and with an essential container or \
          a `HEALTHY` dependency the task never becomes healthy.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "healthCheck": {"command": ["curl -f http://localhost/ || exit 1"]}}]}"#,
    ),
    fix: crate::rules::doc(
        "Prefix a shell command line with `CMD-SHELL` and an argument list with `CMD` (the fix does it).",
    ),
    references: &[Reference { tool: "AWS", id: "ECS API HealthCheck.command" }],
};

impl Rule for HealthCheckCommand {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            let Some(cmd) = c.get("healthCheck").and_then(|h| field(h, "command")).and_then(Value::as_array) else {
                continue;
            };
            let Some(first) = cmd.first() else {
                let pointer = format!("{}/command", c.ptr("healthCheck"));
                out.push(
                    Finding::new(&META, pointer, format!("container `{}`: `healthCheck.command` is empty", c.label()))
                        .in_container(c)
                        .with_fix_from(cx, || {
                            Fix::advice(
                                "Write the check, e.g. [\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"]",
                            )
                        }),
                );
                continue;
            };
            let Some(first) = first.as_str() else { continue };
            if first == "CMD" || first == "CMD-SHELL" {
                continue;
            }
            let pointer = format!("{}/command", c.ptr("healthCheck"));
            let fix = || {
                if first.eq_ignore_ascii_case("CMD") || first.eq_ignore_ascii_case("CMD-SHELL") {
                    let v = first.to_ascii_uppercase();
                    Fix::patch(
                        format!("Write `{v}`"),
                        json!([{"op": "replace", "path": format!("{pointer}/0"), "value": v}]),
                    )
                    .safe()
                } else {
                    let prefix = if cmd.len() == 1 { "CMD-SHELL" } else { "CMD" };
                    Fix::patch(
                        format!("Prefix the command with `{prefix}`"),
                        json!([{"op": "add", "path": format!("{pointer}/0"), "value": prefix}]),
                    )
                    .safe()
                }
            };
            out.push(
                Finding::new(
                    &META,
                    format!("{pointer}/0"),
                    format!("container `{}`: `healthCheck.command` must start with `CMD` or `CMD-SHELL`", c.label()),
                )
                .in_container(c)
                .with_fix_from(cx, fix),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    fn with_command(cmd: Value) -> Vec<Finding> {
        let mut td = base();
        td["containerDefinitions"][0]["healthCheck"] = json!({"command": cmd});
        check_value(&HealthCheckCommand, td)
    }

    #[test]
    fn flags_missing_prefix_with_the_right_fix() {
        let f = with_command(json!(["curl -f http://localhost/ || exit 1"]));
        assert_eq!(f.len(), 1);
        assert!(!f[0].blocks_registration);
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"], "CMD-SHELL");
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["op"], "add");
        let f = with_command(json!(["curl", "-f", "http://localhost/"]));
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"], "CMD");
        let f = with_command(json!(["cmd-shell", "true"]));
        assert_eq!(
            f[0].fix.as_ref().unwrap().patch[0],
            json!({"op": "replace", "path": "/containerDefinitions/0/healthCheck/command/0", "value": "CMD-SHELL"})
        );
        let f = with_command(json!([]));
        assert!(f[0].message.contains("empty"));
    }

    #[test]
    fn proper_commands_pass() {
        assert!(check(&HealthCheckCommand, SEED).is_empty());
        assert!(with_command(json!(["CMD", "true"])).is_empty());
        assert!(with_command(json!(42)).is_empty());
    }
}
