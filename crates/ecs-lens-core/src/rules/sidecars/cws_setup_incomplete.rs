use serde_json::{json, Value};

use crate::finding::{Finding, Fix};
use crate::model::Container;
use crate::rules::kit::sidecars::{add_dependency_op, cws_trace_binary, is_cws_init, waits_for};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct CwsSetupIncomplete;

pub static META: RuleMeta = RuleMeta {
    id: "SDC007",
    name: "cws-setup-incomplete",
    severity: Severity::Medium,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "Datadog CWS wiring that breaks start-up or tracing: ordering, mounts, SYS_PTRACE, pidMode",
    what: crate::rules::doc(
        "Checks the plumbing of Datadog Workload Protection (CWS) on ECS, as Datadog's Fargate task definition \
           lays it out:\n\n\
           - a container started through `…/cws-instrumentation trace` waits for the CWS init container with \
             `SUCCESS` (or `COMPLETE`), and a CWS init container exists at all (high);\n\
           - it mounts the volume the tracer path lives in (high);\n\
           - the init container's mount of that volume is writable (high);\n\
           - it adds the `SYS_PTRACE` capability (low);\n\
           - on Fargate the task sets `\"pidMode\": \"task\"` (low).",
    ),
    why: crate::rules::doc(
        "The tracer binary only exists after the init container has copied it into the shared volume. If the \
          application starts first, or does not mount the volume, or the init container cannot write to it, \
          the entry point does not exist: the container fails with `exec … no such file or directory`, and an \
          essential container failing stops the task. The tracer follows the application with ptrace, which \
          Datadog's setup enables with `SYS_PTRACE`; and Datadog's Fargate task definition shares the task's \
          PID namespace (`pidMode: task`) so the agent can see the traced processes.",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "containerDefinitions": [
  {"name": "cws-instrumentation-init", "image": "public.ecr.aws/datadog/cws-instrumentation:latest",
   "essential": false, "command": ["/cws-instrumentation", "setup", "--cws-volume-mount", "/cws"],
   "mountPoints": [{"sourceVolume": "cws", "containerPath": "/cws"}]},
  {"name": "app", "image": "app", "entryPoint": ["/cws/cws-instrumentation", "trace", "--", "/app"],
   "mountPoints": [{"sourceVolume": "cws", "containerPath": "/cws", "readOnly": true}]}]}"#,
    ),
    fix: crate::rules::doc(
        "On the traced container:\n\n```json\n\"dependsOn\": [{\"containerName\": \"cws-instrumentation-init\", \
          \"condition\": \"SUCCESS\"}],\n\"mountPoints\": [{\"sourceVolume\": \"cws\", \"containerPath\": \"/cws\", \
          \"readOnly\": true}],\n\"linuxParameters\": {\"capabilities\": {\"add\": [\"SYS_PTRACE\"]}}\n```\n\n\
          and on the task `\"pidMode\": \"task\"`.",
    ),
    references: &[],
};

fn array(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_array).into_iter().flatten()
}

fn has_ptrace(c: &Container<'_>) -> bool {
    let caps = c.get("linuxParameters").and_then(|l| l.get("capabilities")).and_then(|c| c.get("add"));
    array(caps).filter_map(Value::as_str).any(|s| s.eq_ignore_ascii_case("SYS_PTRACE") || s == "CAP_SYS_PTRACE")
}

fn add_ptrace_op(c: &Container<'_>) -> Option<Value> {
    let lp = c.ptr("linuxParameters");
    let Some(l) = c.get("linuxParameters") else {
        return Some(json!({"op": "add", "path": lp, "value": {"capabilities": {"add": ["SYS_PTRACE"]}}}));
    };
    let Some(caps) = l.as_object()?.get("capabilities") else {
        return Some(json!({"op": "add", "path": format!("{lp}/capabilities"), "value": {"add": ["SYS_PTRACE"]}}));
    };
    match caps.as_object()?.get("add") {
        None => Some(json!({"op": "add", "path": format!("{lp}/capabilities/add"), "value": ["SYS_PTRACE"]})),
        Some(Value::Array(_)) => {
            Some(json!({"op": "add", "path": format!("{lp}/capabilities/add/-"), "value": "SYS_PTRACE"}))
        }
        Some(_) => None,
    }
}

/// Mount points of `c` as (index, sourceVolume, containerPath without trailing '/').
fn mounts<'a>(c: &Container<'a>) -> impl Iterator<Item = (usize, &'a str, &'a str)> {
    array(c.get("mountPoints")).enumerate().filter_map(|(i, m)| {
        let p = m.get("containerPath")?.as_str()?;
        Some((i, m.get("sourceVolume").and_then(Value::as_str).unwrap_or(""), p.trim_end_matches('/')))
    })
}

impl Rule for CwsSetupIncomplete {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let init = td.containers.iter().find(|c| is_cws_init(c));
        let mut any_wrapped = false;
        for c in &td.containers {
            let Some(binary) = cws_trace_binary(c) else { continue };
            any_wrapped = true;
            check_wrapped(cx, c, binary, init, out);
        }
        if let Some(init) = init {
            for (i, _, _) in mounts(init) {
                let ro = format!("{}/{i}/readOnly", init.ptr("mountPoints"));
                if array(init.get("mountPoints")).nth(i).and_then(|m| m.get("readOnly")).and_then(Value::as_bool)
                    == Some(true)
                {
                    out.push(
                        Finding::new(
                            &META,
                            ro.clone(),
                            format!(
                                "`{}` mounts its volume read-only, so `cws-instrumentation setup` cannot copy the \
                                 tracer into it: the init container fails and containers waiting for its SUCCESS \
                                 never start",
                                init.label()
                            ),
                        )
                        .in_container(init)
                        .with_severity(Severity::High)
                        .with_fix_from(cx, || {
                            Fix::patch(
                                "Mount the CWS volume writable in the init container",
                                json!([{"op": "replace", "path": ro, "value": false}]),
                            )
                        }),
                    );
                }
            }
        }
        if (any_wrapped || init.is_some()) && td.is_fargate() && td.str("pidMode") != Some("task") {
            let present = td.get("pidMode").is_some();
            let op = if present { "replace" } else { "add" };
            let pointer = if present { td.ptr("pidMode") } else { td.base.to_string() };
            out.push(
                Finding::new(
                    &META,
                    pointer,
                    "the task uses Datadog CWS on Fargate without `\"pidMode\": \"task\"`: Datadog's setup shares \
                     the task's PID namespace so the agent can see the processes the tracer reports",
                )
                .with_severity(Severity::Low)
                .with_fix_from(cx, || {
                    Fix::patch(
                        "Share the PID namespace across the task's containers",
                        json!([{"op": op, "path": td.ptr("pidMode"), "value": "task"}]),
                    )
                }),
            );
        }
    }
}

fn check_wrapped(
    cx: &Context<'_>,
    c: &Container<'_>,
    binary: &str,
    init: Option<&Container<'_>>,
    out: &mut Vec<Finding>,
) {
    let td = &cx.td;
    let label = c.label();
    let entry_ptr = if c.get("entryPoint").is_some() { c.ptr("entryPoint") } else { c.ptr("command") };
    match init.and_then(|i| i.name.map(|n| (i, n))) {
        None => {
            out.push(
                Finding::new(
                    &META,
                    entry_ptr.clone(),
                    format!(
                        "`{label}` starts through `{binary}` but the task has no CWS init container to copy it \
                         there: the container fails with `no such file or directory`"
                    ),
                )
                .in_container(c)
                .with_severity(Severity::High)
                .with_fix_from(cx, || {
                    Fix::advice(
                        "Add Datadog's `cws-instrumentation-init` container (image \
                         public.ecr.aws/datadog/cws-instrumentation, command [\"/cws-instrumentation\", \"setup\", \
                         \"--cws-volume-mount\", \"<mount>\"], essential false) and make this container depend on \
                         it with SUCCESS",
                    )
                }),
            );
        }
        Some((init, init_name)) => {
            if !waits_for(c, init_name, &["SUCCESS", "COMPLETE"]) {
                out.push(
                    Finding::new(
                        &META,
                        if c.get("dependsOn").is_some() { c.ptr("dependsOn") } else { c.pointer.clone() },
                        format!(
                            "`{label}` starts through `{binary}` without waiting for `{init_name}` (SUCCESS): if it \
                             starts before the tracer is copied it fails with `no such file or directory` and \
                             stops the task"
                        ),
                    )
                    .in_container(c)
                    .with_fix_from(cx, || match add_dependency_op(c, init_name, "SUCCESS") {
                        Some(op) => {
                            Fix::patch(format!("Make `{label}` wait for `{init_name}` to succeed"), json!([op]))
                        }
                        None => Fix::advice(format!(
                            "Add {{\"containerName\": \"{init_name}\", \"condition\": \"SUCCESS\"}} to `dependsOn`"
                        )),
                    }),
                );
            }
            if let Some((dir, _)) = binary.rsplit_once('/') {
                let dir = if dir.is_empty() { "/" } else { dir };
                let mounted = mounts(c).any(|(_, _, p)| p == dir || (p.is_empty() && dir == "/"))
                    || c.volumes_from().any(|(_, s)| s == init_name);
                if !mounted && dir.starts_with('/') {
                    out.push(
                        Finding::new(
                            &META,
                            entry_ptr.clone(),
                            format!(
                                "`{label}` starts through `{binary}` but does not mount `{dir}`: the tracer is not \
                                 there and the container fails with `no such file or directory`"
                            ),
                        )
                        .in_container(c)
                        .with_severity(Severity::High)
                        .with_fix_from(cx, || {
                            let volume = mounts(init).next().map(|(_, v, _)| v).filter(|v| !v.is_empty());
                            let mp = json!({"sourceVolume": volume.unwrap_or("cws-instrumentation-volume"),
                                            "containerPath": dir, "readOnly": true});
                            let op = match c.get("mountPoints") {
                                None => Some(json!({"op": "add", "path": c.ptr("mountPoints"), "value": [mp]})),
                                Some(Value::Array(_)) => Some(
                                    json!({"op": "add", "path": format!("{}/-", c.ptr("mountPoints")), "value": mp}),
                                ),
                                Some(_) => None,
                            };
                            match (op, volume) {
                                (Some(op), Some(_)) => {
                                    Fix::patch(format!("Mount the CWS volume at `{dir}` in `{label}`"), json!([op]))
                                }
                                _ => {
                                    Fix::advice(format!("Mount the volume the CWS init container writes to at `{dir}`"))
                                }
                            }
                        }),
                    );
                }
            }
        }
    }
    if !has_ptrace(c) && !td.is_windows() {
        out.push(
            Finding::new(
                &META,
                if c.get("linuxParameters").is_some() { c.ptr("linuxParameters") } else { c.pointer.clone() },
                format!(
                    "`{label}` runs under the CWS tracer without the `SYS_PTRACE` capability that Datadog's setup \
                     adds: the tracer follows the application with ptrace and may be denied"
                ),
            )
            .in_container(c)
            .with_severity(Severity::Low)
            .with_fix_from(cx, || match add_ptrace_op(c) {
                Some(op) => Fix::patch(format!("Add the SYS_PTRACE capability to `{label}`"), json!([op])),
                None => Fix::advice("Set `\"linuxParameters\": {\"capabilities\": {\"add\": [\"SYS_PTRACE\"]}}`"),
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    fn td(app: Value) -> Value {
        let mut td = base();
        td["pidMode"] = json!("task");
        td["containerDefinitions"] = json!([
            {"name": "cws-init", "image": "datadog/cws-instrumentation:latest", "essential": false,
             "command": ["/cws-instrumentation", "setup", "--cws-volume-mount", "/cws"],
             "mountPoints": [{"sourceVolume": "cws", "containerPath": "/cws"}]},
            app
        ]);
        td
    }

    fn good_app() -> Value {
        json!({"name": "app", "image": "app", "entryPoint": ["/cws/cws-instrumentation", "trace", "--", "/app"],
               "mountPoints": [{"sourceVolume": "cws", "containerPath": "/cws/", "readOnly": true}],
               "dependsOn": [{"containerName": "cws-init", "condition": "SUCCESS"}],
               "linuxParameters": {"capabilities": {"add": ["SYS_PTRACE"]}}})
    }

    #[test]
    fn quiet_when_complete() {
        assert!(check_value(&CwsSetupIncomplete, td(good_app())).is_empty());
        assert!(check_value(&CwsSetupIncomplete, base()).is_empty());
    }

    #[test]
    fn seed_only_lacks_pid_mode() {
        let f = check(&CwsSetupIncomplete, SEED);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "");
        assert_eq!(f[0].severity, Severity::Low);
        assert_eq!(f[0].fix.as_ref().unwrap().patch, json!([{"op": "add", "path": "/pidMode", "value": "task"}]));
    }

    #[test]
    fn flags_missing_dependency_mount_and_ptrace() {
        let mut app = good_app();
        let o = app.as_object_mut().unwrap();
        o.remove("dependsOn");
        o.remove("mountPoints");
        o.insert("linuxParameters".into(), json!({"capabilities": {}}));
        let f = check_value(&CwsSetupIncomplete, td(app));
        assert_eq!(f.len(), 3, "{f:#?}");
        let dep = f.iter().find(|f| f.message.contains("without waiting")).unwrap();
        assert_eq!(dep.pointer, "/containerDefinitions/1");
        assert_eq!(
            dep.fix.as_ref().unwrap().patch[0]["value"],
            json!([{"containerName": "cws-init", "condition": "SUCCESS"}])
        );
        let mount = f.iter().find(|f| f.message.contains("does not mount")).unwrap();
        assert_eq!(mount.severity, Severity::High);
        assert_eq!(mount.pointer, "/containerDefinitions/1/entryPoint");
        assert_eq!(
            mount.fix.as_ref().unwrap().patch[0]["value"],
            json!([{"sourceVolume": "cws", "containerPath": "/cws", "readOnly": true}])
        );
        let cap = f.iter().find(|f| f.message.contains("SYS_PTRACE")).unwrap();
        assert_eq!(
            cap.fix.as_ref().unwrap().patch[0]["path"],
            "/containerDefinitions/1/linuxParameters/capabilities/add"
        );
    }

    #[test]
    fn read_only_init_mount_and_missing_init() {
        let mut t = td(good_app());
        t["containerDefinitions"][0]["mountPoints"][0]["readOnly"] = json!(true);
        let f = check_value(&CwsSetupIncomplete, t);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/mountPoints/0/readOnly");

        let mut t = td(good_app());
        t["containerDefinitions"].as_array_mut().unwrap().remove(0);
        let f = check_value(&CwsSetupIncomplete, t);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("no CWS init container"));
    }

    #[test]
    fn wrong_types() {
        let app = json!({"name": "app", "image": "app", "command": ["/cws/cws-instrumentation trace -- x"],
            "mountPoints": {"a": 1}, "dependsOn": 5, "linuxParameters": {"capabilities": {"add": "SYS_PTRACE"}}});
        let f = check_value(&CwsSetupIncomplete, td(app));
        assert_eq!(f.len(), 3);
        assert!(f.iter().all(|f| !f.fix.as_ref().unwrap().is_applicable()));
        let mut t = td(good_app());
        t["pidMode"] = json!(1);
        let doc = json!({"taskDefinition": t});
        let f = check_value(&CwsSetupIncomplete, doc);
        assert_eq!(f[0].pointer, "/taskDefinition/pidMode");
    }
}
