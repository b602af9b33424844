use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::model::member;
use crate::rules::kit::{basename, cat, label, one, ptr, set_nested};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct ShellWithoutInit;

pub static META: RuleMeta = RuleMeta {
    id: "OPS008",
    name: "shell-entrypoint-without-init",
    severity: Severity::Low,
    category: Category::Operability,
    blocks_registration: false,
    summary: "A container runs its command through `sh -c` without an init process",
    what: crate::rules::doc(
        "Flags Linux containers whose `entryPoint`/`command` starts with a shell and `-c` (`/bin/sh -c`, \
           `bash -c`, `sh -ec` …) when `linuxParameters.initProcessEnabled` is not true and the script does \
           not start with `exec`.",
    ),
    why: crate::rules::doc(
        "The shell becomes PID 1. Depending on the shell and the script it may not pass `SIGTERM` on to the \
          application — which then gets no chance to drain and is killed with `SIGKILL` after `stopTimeout` \
          (30 s by default) on every deployment — and it does not reap zombie child processes.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "app", "image": "app:1.2",
  "entryPoint": ["/bin/sh", "-c"], "command": ["uvicorn main:app --host 0.0.0.0 --port 8000"]}]}"#,
    ),
    fix: crate::rules::doc(
        "Set `linuxParameters.initProcessEnabled: true` (ECS runs a tiny init that forwards signals and reaps \
          zombies), or start the script with `exec` so the application replaces the shell — or drop the shell \
          and put the program and its arguments directly in `command`.",
    ),
    references: &[],
};

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// `-c`, `-ec`, `-xc`, `-lc` …: a short-option cluster that contains `c`.
fn is_command_flag(arg: &str) -> bool {
    let Some(flags) = arg.strip_prefix('-') else { return false };
    !flags.is_empty() && flags.bytes().all(|b| b.is_ascii_alphabetic()) && flags.contains('c')
}

impl Rule for ShellWithoutInit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if td.is_windows() {
            return;
        }
        for c in &td.containers {
            let mut argv = c.strings("entryPoint").map(|(_, s)| s).chain(c.strings("command").map(|(_, s)| s));
            let (Some(shell), Some(flag)) = (argv.next(), argv.next()) else { continue };
            if !SHELLS.contains(&basename(shell.trim())) || !is_command_flag(flag.trim()) {
                continue;
            }
            if argv.next().is_some_and(|script| script.trim_start().starts_with("exec ")) {
                continue;
            }
            let lp = c.get("linuxParameters").and_then(Value::as_object);
            if lp.and_then(|l| member(l, "initProcessEnabled")).and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let label = label(c);
            let field = if c.strings("entryPoint").next().is_some() { "/entryPoint" } else { "/command" };
            out.push(
                Finding::new(
                    &META,
                    ptr(c, field),
                    cat(&[
                        "container `",
                        &label,
                        "` runs its command through `",
                        shell,
                        " ",
                        flag,
                        "` without `initProcessEnabled`: the shell is PID 1 and may not pass SIGTERM on, so the \
                         application can be killed without a graceful shutdown",
                    ]),
                )
                .in_container(c)
                .with_fix_from(cx, || {
                    let description = cat(&[
                        "Run an init process in `",
                        &label,
                        "` that forwards signals and reaps zombies (or start its script with `exec`)",
                    ]);
                    match set_nested(&c.pointer, c.obj, &["linuxParameters", "initProcessEnabled"], true.into()) {
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

    fn td(entry: Value, command: Value) -> Value {
        let mut td = base();
        let c = &mut td["containerDefinitions"][0];
        if !entry.is_null() {
            c["entryPoint"] = entry;
        }
        c["command"] = command;
        td
    }

    #[test]
    fn flags_shell_wrappers() {
        for (entry, command) in [
            (json!(["/bin/sh", "-c"]), json!(["uvicorn main:app"])),
            (Value::Null, json!(["bash", "-ec", "cd /app && ./run"])),
        ] {
            let doc = td(entry, command);
            let f = check_value(&ShellWithoutInit, doc.clone());
            assert_eq!(f.len(), 1);
            assert!(check_value(&ShellWithoutInit, apply_fix(&doc, &f[0])).is_empty());
        }
        let mut doc = td(json!(["/bin/sh", "-c"]), json!(["x"]));
        doc["containerDefinitions"][0]["linuxParameters"] = json!({"capabilities": {"add": []}});
        let f = check_value(&ShellWithoutInit, doc.clone());
        assert_eq!(f[0].pointer, "/containerDefinitions/0/entryPoint");
        let fixed = apply_fix(&doc, &f[0]);
        assert_eq!(fixed["containerDefinitions"][0]["linuxParameters"]["capabilities"], json!({"add": []}));
        assert_eq!(fixed["containerDefinitions"][0]["linuxParameters"]["initProcessEnabled"], true);
    }

    #[test]
    fn passes_exec_direct_commands_and_init() {
        assert!(
            check_value(&ShellWithoutInit, td(json!(["/bin/sh", "-c"]), json!(["exec uvicorn main:app"]))).is_empty()
        );
        assert!(check_value(&ShellWithoutInit, td(Value::Null, json!(["uvicorn", "main:app"]))).is_empty());
        assert!(check_value(&ShellWithoutInit, td(json!(["/bin/sh"]), json!(["script.sh"]))).is_empty());
        let mut doc = td(json!(["sh", "-c"]), json!(["x"]));
        doc["containerDefinitions"][0]["linuxParameters"] = json!({"initProcessEnabled": true});
        assert!(check_value(&ShellWithoutInit, doc).is_empty());
    }

    #[test]
    fn the_seed_app_and_migration_use_sh_c() {
        let f = check(&ShellWithoutInit, SEED);
        let who: Vec<_> = f.iter().map(|f| f.container.as_deref().unwrap()).collect();
        assert_eq!(who, ["my-app-repo", "migration-runner"]);
    }
}
