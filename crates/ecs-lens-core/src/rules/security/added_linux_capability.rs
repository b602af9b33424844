use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::model::{member, Container, TaskDef};
use crate::rules::kit::{remove_checked, with_fix_at};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct AddedCapability;

pub static META: RuleMeta = RuleMeta {
    id: "HAR007",
    name: "added-linux-capability",
    severity: Severity::Medium,
    category: Category::Security,
    blocks_registration: false,
    summary: "A container adds Linux capabilities (`linuxParameters.capabilities.add`)",
    what: crate::rules::doc(
        "Reports each entry of `linuxParameters.capabilities.add`. `ALL`, `SYS_ADMIN`, `NET_ADMIN`, \
           `SYS_MODULE`, `SYS_RAWIO`, `SYS_BOOT`, `DAC_READ_SEARCH`, `MAC_ADMIN` and `MAC_OVERRIDE` are high \
           severity; `SYS_PTRACE` is low (Datadog CWS needs it on Fargate, the only capability Fargate allows \
           adding); the rest medium. A `CAP_` prefix is accepted.",
    ),
    why: crate::rules::doc(
        "Each added capability hands a piece of root's power to the container: `SYS_ADMIN` is close to full \
          root (mounts, namespaces, BPF), `NET_ADMIN` rewrites the task's network, `SYS_PTRACE` can read the \
          memory of other processes in the same PID namespace.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "app", "image": "app:1.2",
  "linuxParameters": {"capabilities": {"add": ["SYS_ADMIN"]}}}]}"#,
    ),
    fix: crate::rules::doc(
        "Remove capabilities the application does not need. Keep `SYS_PTRACE` only on the container that \
          Datadog CWS traces (the one whose entry point is wrapped by `cws-instrumentation trace`).",
    ),
    references: &[],
};

pub(super) fn normalise(cap: &str) -> &str {
    let t = cap.trim();
    match crate::text::strip_prefix_ci(t, "CAP_") {
        Some(rest) if !rest.is_empty() => rest,
        _ => t,
    }
}

pub(super) fn is(cap: &str, name: &str) -> bool {
    cap.eq_ignore_ascii_case(name)
}

const HIGH: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "DAC_READ_SEARCH",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
];

/// Does the task look like a Datadog CWS (Workload Protection) setup?
fn uses_cws(td: &TaskDef<'_>) -> bool {
    td.containers.iter().any(|c| {
        c.image().is_some_and(|i| i.contains("cws-instrumentation"))
            || c.strings("entryPoint").any(|(_, s)| s.contains("cws-instrumentation"))
    })
}

fn capabilities<'a>(c: &Container<'a>, list: &str) -> Option<&'a Vec<Value>> {
    let lp = c.get("linuxParameters")?.as_object()?;
    member(member(lp, "capabilities")?.as_object()?, list)?.as_array()
}

impl Rule for AddedCapability {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        for c in &td.containers {
            let Some(add) = capabilities(c, "add") else { continue };
            for (i, v) in add.iter().enumerate() {
                let Some(raw) = v.as_str() else { continue };
                let cap = normalise(raw);
                if cap.is_empty() {
                    continue;
                }
                let label = c.label();
                let ptr = format!("{}/capabilities/add/{i}", c.ptr("linuxParameters"));
                // `None`: the patch removing the entry.
                let (severity, message, advice) = if HIGH.iter().any(|h| is(cap, h)) {
                    let what = if is(cap, "ALL") {
                        "every capability, as if privileged"
                    } else if is(cap, "SYS_ADMIN") {
                        "near-root powers (mount, namespaces, BPF, …)"
                    } else if is(cap, "NET_ADMIN") {
                        "control over the task's network configuration (interfaces, routes, firewall)"
                    } else {
                        "a host-level privilege"
                    };
                    (Severity::High, format!("container `{label}` adds capability `{raw}`: {what}"), None)
                } else if is(cap, "SYS_PTRACE") {
                    if uses_cws(td) {
                        let traced = c.strings("entryPoint").any(|(_, s)| s.contains("cws-instrumentation"));
                        let why = if traced {
                            "Datadog CWS traces this container and needs it"
                        } else {
                            "this task sets up Datadog CWS, which needs it on the container it traces (this \
                             container's entry point is not wrapped by `cws-instrumentation trace`, so it is not \
                             traced yet)"
                        };
                        (
                            Severity::Low,
                            format!(
                                "container `{label}` adds `{raw}`, which lets it trace and read the memory of other \
                                 processes in its PID namespace; {why}"
                            ),
                            Some(
                                "Keep SYS_PTRACE only on the container that CWS traces (its entry point is wrapped \
                                 by `cws-instrumentation trace`); remove it everywhere else.",
                            ),
                        )
                    } else {
                        (
                            Severity::Low,
                            format!(
                                "container `{label}` adds `{raw}`, which lets it trace and read the memory of other \
                                 processes in its PID namespace (needed by debuggers and Datadog CWS)"
                            ),
                            None,
                        )
                    }
                } else {
                    (Severity::Medium, format!("container `{label}` adds capability `{raw}`"), None)
                };
                let f = Finding::new(&META, ptr, message).in_container(c).with_severity(severity);
                out.push(with_fix_at(f, cx, |ptr| match advice {
                    Some(advice) => Fix::advice(advice),
                    None => Fix::patch(format!("Remove `{raw}` from `{label}`"), remove_checked(ptr, v)),
                }));
            }
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
    fn capability_names_with_multi_byte_characters_never_panic() {
        assert_eq!(normalise("cap_net_admin"), "net_admin");
        assert_eq!(normalise("CAP_"), "CAP_");
        for odd in ["CA\u{20ac}X", "C\u{e9}P_X", "\u{1f600}\u{1f600}"] {
            assert_eq!(normalise(odd), odd);
        }
    }

    #[test]
    fn added_capabilities_by_severity() {
        let td = with_caps(json!({"add": ["SYS_ADMIN", "CAP_NET_ADMIN", "CHOWN", "SYS_PTRACE"], "drop": ["ALL"]}));
        let f = check_value(&AddedCapability, td.clone());
        let sev: Vec<_> = f.iter().map(|f| f.severity).collect();
        assert_eq!(sev, [Severity::High, Severity::High, Severity::Medium, Severity::Low]);
        assert_eq!(f[1].pointer, "/containerDefinitions/0/linuxParameters/capabilities/add/1");
        // Fixes apply one after another (each re-linted).
        let mut doc = td;
        while let Some(f) = check_value(&AddedCapability, doc.clone()).first().cloned() {
            doc = apply_fix(&doc, &f);
        }
        assert_eq!(doc["containerDefinitions"][0]["linuxParameters"]["capabilities"]["add"], json!([]));
    }

    #[test]
    fn no_added_capabilities_pass() {
        assert!(check_value(&AddedCapability, base()).is_empty());
        assert!(check_value(&AddedCapability, with_caps(json!({"add": []}))).is_empty());
    }

    #[test]
    fn the_seed_sys_ptrace_is_low_and_explained_as_cws() {
        let f = check(&AddedCapability, SEED);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        assert_eq!(f[0].container.as_deref(), Some("my-app-repo"));
        assert_eq!(f[0].pointer, "/containerDefinitions/2/linuxParameters/capabilities/add/0");
        assert!(f[0].message.contains("Datadog CWS"));
    }

    #[test]
    fn sys_ptrace_on_the_traced_container() {
        let mut doc: Value = serde_json::from_str(SEED).unwrap();
        doc["containerDefinitions"][2]["entryPoint"] =
            json!(["/cws-instrumentation-volume/cws-instrumentation", "trace", "--", "/bin/sh", "-c"]);
        let f = check_value(&AddedCapability, doc);
        assert!(f[0].message.contains("Datadog CWS traces this container"), "{}", f[0].message);
        assert!(check(&AddedCapability, SEED)[0].message.contains("not traced yet"));
    }
}
