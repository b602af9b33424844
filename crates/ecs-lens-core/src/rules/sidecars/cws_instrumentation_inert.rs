use serde_json::{json, Value};

use crate::finding::{Finding, Fix};
use crate::model::Container;
use crate::rules::kit::field;
use crate::rules::kit::sidecars::{
    agents, cws_trace_binary, env_entry, env_or_container_ptr, env_ptr, is_agent, is_cws_init, parse_bool,
    set_elsewhere, set_env_op,
};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct CwsInert;

pub static META: RuleMeta = RuleMeta {
    id: "SDC006",
    name: "cws-instrumentation-inert",
    severity: Severity::High,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "Datadog CWS is set up but cannot see anything: runtime security off, or the app is not traced",
    what: crate::rules::doc(
        "When the task has Datadog's CWS init container (image `datadog/cws-instrumentation`, or a command \
           `cws-instrumentation setup`), checks the rest of the Workload Protection (CWS) setup that makes it do \
           anything:\n\n\
           - the Datadog agent sets `DD_RUNTIME_SECURITY_CONFIG_ENABLED=true` and, on Fargate, \
             `DD_RUNTIME_SECURITY_CONFIG_EBPFLESS_ENABLED=true`;\n\
           - every container that mounts the CWS volume starts its process through the tracer: its `entryPoint` \
             (or `command`) begins with `<mount>/cws-instrumentation trace --`;\n\
           - some container uses the tracer at all, and a Datadog agent exists.",
    ),
    why: crate::rules::doc(
        "Each missing piece silently turns CWS off while the task definition looks instrumented. The init \
          container only copies the `cws-instrumentation` binary into a shared volume; the application's \
          processes are traced only when they are started by `cws-instrumentation trace -- <original \
          command>`. The events go to the agent's runtime-security module, which is disabled unless \
          `DD_RUNTIME_SECURITY_CONFIG_ENABLED` is true — and on Fargate, which has no eBPF, it also needs the \
          eBPF-less (ptrace) mode `DD_RUNTIME_SECURITY_CONFIG_EBPFLESS_ENABLED=true`. The result is no runtime \
          threat detection, with the team believing it has some.",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "containerDefinitions": [
  {"name": "cws-instrumentation-init", "image": "public.ecr.aws/datadog/cws-instrumentation:latest",
   "essential": false, "user": "0",
   "command": ["/cws-instrumentation", "setup", "--cws-volume-mount", "/cws-instrumentation-volume"],
   "mountPoints": [{"sourceVolume": "cws-instrumentation-volume", "containerPath": "/cws-instrumentation-volume"}]},
  {"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:latest",
   "environment": [{"name": "DD_RUNTIME_SECURITY_CONFIG_ENABLED", "value": "false"}]},
  {"name": "app", "image": "app", "entryPoint": ["/bin/sh", "-c"], "command": ["uvicorn main:app"],
   "mountPoints": [{"sourceVolume": "cws-instrumentation-volume", "containerPath": "/cws-instrumentation-volume",
                    "readOnly": true}]}]}"#,
    ),
    fix: crate::rules::doc(
        "On the agent:\n\n```json\n{\"name\": \"DD_RUNTIME_SECURITY_CONFIG_ENABLED\", \"value\": \"true\"},\n\
          {\"name\": \"DD_RUNTIME_SECURITY_CONFIG_EBPFLESS_ENABLED\", \"value\": \"true\"}\n```\n\n\
          On the application, prefix the original entry point with the tracer from the mounted volume:\n\n\
          ```json\n\"entryPoint\": [\"/cws-instrumentation-volume/cws-instrumentation\", \"trace\", \"--\", \
          \"/bin/sh\", \"-c\"]\n```\n\n\
          If the container has no `entryPoint`, put the image's `ENTRYPOINT` after `--` (find it with \
          `docker inspect -f '{{json .Config.Entrypoint}}' <image>`).",
    ),
    references: &[],
};

/// The volumes the init container writes the tracer to, with their mount paths.
fn init_mounts<'a>(init: &Container<'a>) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    init.get("mountPoints").and_then(Value::as_array).into_iter().flatten().filter_map(|m| {
        Some((field(m, "sourceVolume")?.as_str()?, field(m, "containerPath").and_then(Value::as_str).unwrap_or("")))
    })
}

/// Where `c` sees the init container's volume, if it does.
fn cws_mount_path<'a>(c: &Container<'a>, init: &Container<'a>) -> Option<&'a str> {
    let mounts = c.get("mountPoints").and_then(Value::as_array).into_iter().flatten();
    for m in mounts {
        let Some(vol) = field(m, "sourceVolume").and_then(Value::as_str) else { continue };
        if init_mounts(init).any(|(v, _)| v == vol) {
            return Some(field(m, "containerPath").and_then(Value::as_str).unwrap_or(""));
        }
    }
    let init_name = init.name?;
    if c.volumes_from().any(|(_, s)| s == init_name) {
        return init_mounts(init).next().map(|(_, p)| p);
    }
    None
}

fn flag_finding(cx: &Context<'_>, agent: &Container<'_>, var: &str, why: &str, out: &mut Vec<Finding>) {
    let (pointer, state) = match env_entry(agent, var) {
        Some((_, Some(v))) if parse_bool(v) == Some(true) => return,
        Some((i, Some(v))) if parse_bool(v) == Some(false) => (env_ptr(agent, i), "is `false`"),
        Some((i, _)) => (env_ptr(agent, i), "is not `true`"),
        None if set_elsewhere(agent, var) => return,
        None => (env_or_container_ptr(agent), "is not set"),
    };
    out.push(
        Finding::new(
            &META,
            pointer,
            [
                "`",
                var,
                "` ",
                state,
                " on the Datadog agent `",
                &agent.label(),
                "` although the task sets up CWS: ",
                why,
            ]
            .concat(),
        )
        .in_container(agent)
        .with_fix_from(cx, || match set_env_op(agent, var, "true") {
            Some(op) => Fix::patch(format!("Set `{var}=true` on the Datadog agent"), json!([op])),
            None => {
                Fix::advice(format!("Add `{{\"name\": \"{var}\", \"value\": \"true\"}}` to the agent's `environment`"))
            }
        }),
    );
}

impl Rule for CwsInert {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let Some(init) = td.containers.iter().find(|c| is_cws_init(c)) else { return };

        match agents(td).next() {
            None => out.push(
                Finding::new(
                    &META,
                    init.pointer.clone(),
                    format!(
                        "`{}` sets up Datadog CWS but the task has no Datadog agent container: the tracer has \
                         nothing to send security events to",
                        init.label()
                    ),
                )
                .in_container(init)
                .with_fix_from(cx, || {
                    Fix::advice(
                        "Add the Datadog agent container (public.ecr.aws/datadog/agent) with \
                     DD_RUNTIME_SECURITY_CONFIG_ENABLED=true and DD_RUNTIME_SECURITY_CONFIG_EBPFLESS_ENABLED=true, \
                     or remove the CWS init container",
                    )
                }),
            ),
            Some(agent) => {
                flag_finding(
                    cx,
                    agent,
                    "DD_RUNTIME_SECURITY_CONFIG_ENABLED",
                    "the agent's runtime-security module is off, so no security event is processed",
                    out,
                );
                if td.is_fargate() {
                    flag_finding(
                        cx,
                        agent,
                        "DD_RUNTIME_SECURITY_CONFIG_EBPFLESS_ENABLED",
                        "Fargate has no eBPF, so runtime security only works in the eBPF-less (ptrace) mode that \
                         receives the tracer's events",
                        out,
                    );
                }
            }
        }

        let mut any_target = false;
        for c in &td.containers {
            if std::ptr::eq(c, init) || is_agent(c) || is_cws_init(c) {
                continue;
            }
            let Some(path) = cws_mount_path(c, init) else {
                any_target |= cws_trace_binary(c).is_some();
                continue;
            };
            any_target = true;
            if cws_trace_binary(c).is_some() {
                continue;
            }
            report_unwrapped(cx, c, init, path, out);
        }
        if !any_target {
            let vol = init_mounts(init).next().map_or("its volume", |(v, _)| v);
            out.push(
                Finding::new(
                    &META,
                    init.pointer.clone(),
                    format!(
                        "`{}` copies the CWS tracer into `{vol}`, but no container mounts it and starts under \
                         `cws-instrumentation trace`: no process is ever traced",
                        init.label()
                    ),
                )
                .in_container(init)
                .with_fix_from(cx, || {
                    Fix::advice(
                        "Mount the CWS volume read-only in the application container and prefix its entryPoint with \
                     `<mount>/cws-instrumentation`, `trace`, `--`; make it depend on the init container (SUCCESS)",
                    )
                }),
            );
        }
    }
}

fn report_unwrapped(cx: &Context<'_>, c: &Container<'_>, init: &Container<'_>, path: &str, out: &mut Vec<Finding>) {
    let dir = path.trim_end_matches('/');
    let dir = if dir.is_empty() { "/cws-instrumentation-volume" } else { dir };
    let binary = format!("{dir}/cws-instrumentation");
    let pointer = if c.get("entryPoint").is_some() {
        c.ptr("entryPoint")
    } else if c.get("command").is_some() {
        c.ptr("command")
    } else {
        c.pointer.clone()
    };
    let message = format!(
        "`{}` mounts the CWS volume of `{}` but its process is not started with `{binary} trace --`: nothing in \
         this container is traced, so CWS sees none of its activity",
        c.label(),
        init.label()
    );
    let finding = Finding::new(&META, pointer, message).in_container(c);
    out.push(finding.with_fix_from(cx, || {
        let entry: Option<Vec<&str>> = c
            .get("entryPoint")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .and_then(|a| a.iter().map(Value::as_str).collect());
        match entry {
            Some(entry) => {
                let mut value = vec![binary.as_str(), "trace", "--"];
                value.extend(entry);
                Fix::patch(
                    format!("Start `{}` through the CWS tracer (`{binary} trace -- …`)", c.label()),
                    json!([{"op": "replace", "path": c.ptr("entryPoint"), "value": value}]),
                )
            }
            None => Fix::advice(format!(
                "Set `\"entryPoint\": [\"{binary}\", \"trace\", \"--\", <the image's ENTRYPOINT…>]` on `{}` (find the \
                 image's entry point with `docker inspect -f '{{{{json .Config.Entrypoint}}}}' <image>`; if it has \
                 none, put the command after `--`)",
                c.label()
            )),
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    fn cws_td(agent_env: Value, app: Value) -> Value {
        let mut td = base();
        td["containerDefinitions"] = json!([
            {"name": "cws-instrumentation-init", "image": "public.ecr.aws/datadog/cws-instrumentation:latest",
             "essential": false, "user": "0",
             "command": ["/cws-instrumentation", "setup", "--cws-volume-mount", "/cws-instrumentation-volume"],
             "mountPoints": [{"sourceVolume": "cws", "containerPath": "/cws-instrumentation-volume"}]},
            {"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:latest", "environment": agent_env},
            app
        ]);
        td["volumes"] = json!([{"name": "cws"}]);
        td
    }

    fn good_env() -> Value {
        json!([{"name": "DD_RUNTIME_SECURITY_CONFIG_ENABLED", "value": "true"},
               {"name": "DD_RUNTIME_SECURITY_CONFIG_EBPFLESS_ENABLED", "value": "true"}])
    }

    fn wrapped_app() -> Value {
        json!({"name": "app", "image": "app",
               "entryPoint": ["/cws-instrumentation-volume/cws-instrumentation", "trace", "--", "/app"],
               "mountPoints": [{"sourceVolume": "cws", "containerPath": "/cws-instrumentation-volume", "readOnly": true}]})
    }

    #[test]
    fn seed_has_both_problems() {
        let f = check(&CwsInert, SEED);
        let ptrs: Vec<&str> = f.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(
            ptrs,
            [
                "/containerDefinitions/1/environment/1",
                "/containerDefinitions/1/environment/13",
                "/containerDefinitions/2/entryPoint"
            ]
        );
        assert_eq!(
            f[0].fix.as_ref().unwrap().patch,
            json!([{"op": "replace", "path": "/containerDefinitions/1/environment/1/value", "value": "true"}])
        );
        assert_eq!(
            f[2].fix.as_ref().unwrap().patch,
            json!([{"op": "replace", "path": "/containerDefinitions/2/entryPoint",
                    "value": ["/cws-instrumentation-volume/cws-instrumentation", "trace", "--", "/bin/sh", "-c"]}])
        );
        assert_eq!(f[2].container.as_deref(), Some("my-app-repo"));
    }

    #[test]
    fn quiet_when_complete() {
        assert!(check_value(&CwsInert, cws_td(good_env(), wrapped_app())).is_empty());
        // Wrapped through a shell string also counts.
        let mut app = wrapped_app();
        app["entryPoint"] = json!(["/bin/sh", "-c"]);
        app["command"] = json!(["/cws-instrumentation-volume/cws-instrumentation trace -- uvicorn main:app"]);
        assert!(check_value(&CwsInert, cws_td(good_env(), app)).is_empty());
        // No CWS at all.
        assert!(check_value(&CwsInert, base()).is_empty());
    }

    #[test]
    fn ebpfless_only_required_on_fargate() {
        let env = json!([{"name": "DD_RUNTIME_SECURITY_CONFIG_ENABLED", "value": "true"}]);
        let f = check_value(&CwsInert, cws_td(env.clone(), wrapped_app()));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("EBPFLESS"));
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["path"], "/containerDefinitions/1/environment/-");
        let mut td = cws_td(env, wrapped_app());
        td["requiresCompatibilities"] = json!(["EC2"]);
        assert!(check_value(&CwsInert, td).is_empty());
    }

    #[test]
    fn unwrapped_without_entry_point_is_advice() {
        let mut app = wrapped_app();
        app.as_object_mut().unwrap().remove("entryPoint");
        app["command"] = json!(["python", "app.py"]);
        app["mountPoints"][0]["containerPath"] = json!("/dd/");
        let f = check_value(&CwsInert, cws_td(good_env(), app));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/2/command");
        assert!(f[0].message.contains("/dd/cws-instrumentation"));
        assert!(!f[0].fix.as_ref().unwrap().is_applicable());
    }

    #[test]
    fn nobody_mounts_the_volume_and_no_agent() {
        let mut td = cws_td(good_env(), json!({"name": "app", "image": "app"}));
        td["containerDefinitions"].as_array_mut().unwrap().remove(1);
        let f = check_value(&CwsInert, td);
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|f| f.pointer == "/containerDefinitions/0"));
    }

    #[test]
    fn volumes_from_and_wrong_types() {
        let app = json!({"name": "app", "image": "app", "entryPoint": ["/x", 3],
            "volumesFrom": [{"sourceContainer": "cws-instrumentation-init"}], "mountPoints": "nope"});
        let f = check_value(&CwsInert, cws_td(json!("weird"), app));
        // Both env flags (advice, environment is not an array) and the unwrapped app (advice: non-string entryPoint).
        assert_eq!(f.len(), 3);
        assert!(f.iter().all(|f| !f.fix.as_ref().unwrap().is_applicable()));
        let doc = json!({"taskDefinition": cws_td(good_env(), json!({"name": "app", "image": "app",
            "mountPoints": [{"sourceVolume": "cws", "containerPath": "/v"}], "entryPoint": ["/a"]}))});
        let f = check_value(&CwsInert, doc);
        assert_eq!(f[0].pointer, "/taskDefinition/containerDefinitions/2/entryPoint");
    }
}
