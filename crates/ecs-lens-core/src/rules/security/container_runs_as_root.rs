use crate::finding::{Finding, Fix};
use crate::model::Container;
use crate::rules::kit::sidecars::is_agent as is_datadog_agent;
use crate::rules::kit::{add, anchor, cat, ends_with_ci, label, one, ptr};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct RootUser;

pub static META: RuleMeta = RuleMeta {
    id: "HAR005",
    name: "container-runs-as-root",
    severity: Severity::Medium,
    category: Category::Security,
    blocks_registration: false,
    summary: "A Linux container runs as root (`user` absent, `root` or `0`)",
    what: crate::rules::doc(
        "Flags every Linux container whose `user` is absent or names root (`root`, `0`, `0:0`, \
           `root:root`, or root with any group). With host networking and no `privileged` the severity is \
           raised to high (the case of AWS's retired control ECS.1). Windows containers are skipped (`user` \
           is not supported there).",
    ),
    why: crate::rules::doc(
        "Root in the container is root on the host's kernel: any kernel or runtime escape, a writable host \
          mount or an added capability is then a full host compromise. Without `user`, the container runs \
          as the image's `USER`, which is root for most base images.",
    ),
    example: crate::rules::doc(r#"{"containerDefinitions": [{"name": "app", "image": "app:1.2", "user": "0"}]}"#),
    fix: crate::rules::doc(
        "Run as an unprivileged user: set `\"user\": \"1000:1000\"` (or the non-root user the image defines) \
          and make sure the files the process writes belong to that user. Some agents genuinely need root \
          (Datadog's `cws-instrumentation` init container); keep those short-lived and non-essential.",
    ),
    references: &[
        Reference { tool: "Security Hub", id: "ECS.20" },
        Reference { tool: "AWS Config", id: "ecs-task-definition-nonroot-user" },
        Reference { tool: "Security Hub", id: "ECS.1" },
        Reference { tool: "Prowler", id: "ecs_task_definitions_host_networking_mode_users" },
    ],
};

/// `root`, `0`, `00`, with or without a `:group`.
pub(crate) fn is_root_user(user: &str) -> bool {
    let u = user.split(':').next().unwrap_or(user).trim();
    u == "root" || (!u.is_empty() && u.bytes().all(|b| b == b'0'))
}

/// Images known to need root by design.
fn needs_root(c: &Container<'_>) -> bool {
    c.image().is_some_and(|i| {
        let repo = crate::model::image_repo(i);
        repo.eq_ignore_ascii_case("cws-instrumentation") || ends_with_ci(repo, "/cws-instrumentation")
    })
}

impl Rule for RootUser {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if td.is_windows() {
            return;
        }
        let host_network = td.str("networkMode") == Some("host");
        for c in &td.containers {
            let user = match c.get("user") {
                None | Some(serde_json::Value::Null) => None,
                Some(v) => match v.as_str() {
                    Some(u) if u.trim().is_empty() => None,
                    Some(u) => Some(u),
                    None => continue, // wrong type: the validity rules report it
                },
            };
            if user.is_some_and(|u| !is_root_user(u)) {
                continue;
            }
            let label = label(c);
            let known = needs_root(c);
            let escalated = host_network && c.bool("privileged") != Some(true);
            let known_note = if known {
                "; Datadog's CWS instrumentation init container needs root by design (Datadog's setup sets \
                 `user: \"0\"`), so keep it short-lived and non-essential rather than change it"
            } else {
                ""
            };
            let host_note = if escalated {
                ", and with host networking it shares the instance's network stack as root"
            } else {
                ""
            };
            let message = match user {
                None => cat(&[
                    "container `",
                    &label,
                    "` sets no `user`, so it runs as the image's default user, which is root unless the image \
                     sets `USER`",
                    known_note,
                    host_note,
                ]),
                Some(u) => cat(&["container `", &label, "` runs as root (`user` is `", u, "`)", known_note, host_note]),
            };
            let pointer = if user.is_some() { ptr(c, "/user") } else { anchor(c) };
            let mut f = Finding::new(&META, pointer, message).in_container(c).with_fix_from(cx, || {
                if known {
                    Fix::advice(
                        "Accept the risk for this init container: it runs once, before the application, and exits.",
                    )
                } else if is_datadog_agent(c) {
                    Fix::advice(
                        "The Datadog agent image runs as root by default and writes to root-owned paths: follow \
                         Datadog's documentation before setting a `user` on it rather than guessing a uid.",
                    )
                } else {
                    Fix::patch(
                        cat(&["Run `", &label, "` as an unprivileged user (the image must allow it)"]),
                        one(add(ptr(c, "/user"), "1000:1000")),
                    )
                    .with_notes(vec![
                        "If the image defines its own non-root user (e.g. `nobody`, `node`, `nonroot`), use that \
                         instead."
                            .into(),
                        "Files the process writes (caches, PID files, sockets) must be writable by that user.".into(),
                    ])
                }
            });
            if escalated {
                f = f.with_severity(Severity::High);
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kit::test_support::apply_fix;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn root_spellings() {
        for u in ["root", "0", "0:0", "root:root", "00", "0:1000", " root "] {
            assert!(is_root_user(u), "{u}");
        }
        for u in ["1000", "app", "1000:0", "nobody", "rootless", "10"] {
            assert!(!is_root_user(u), "{u}");
        }
    }

    #[test]
    fn flags_explicit_root_and_absent_user() {
        let mut td = base();
        td["containerDefinitions"][0]["user"] = "0:0".into();
        let f = check_value(&RootUser, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/user");
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(check_value(&RootUser, apply_fix(&td, &f[0])).is_empty());

        let f = check_value(&RootUser, base());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/name");
        assert!(f[0].message.contains("sets no `user`"));
        assert!(check_value(&RootUser, apply_fix(&base(), &f[0])).is_empty());
    }

    #[test]
    fn host_network_raises_severity() {
        let mut td = base();
        td["networkMode"] = "host".into();
        let f = check_value(&RootUser, td);
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn passes_non_root_and_windows() {
        let mut td = base();
        td["containerDefinitions"][0]["user"] = "1000:1000".into();
        assert!(check_value(&RootUser, td).is_empty());
        let mut td = base();
        td["runtimePlatform"] = json!({"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"});
        assert!(check_value(&RootUser, td).is_empty());
    }

    #[test]
    fn the_seed_runs_everything_as_root_and_explains_cws() {
        let f = check(&RootUser, SEED);
        assert_eq!(f.len(), 4, "{f:?}");
        let cws = f.iter().find(|f| f.container.as_deref() == Some("cws-instrumentation-init")).unwrap();
        assert_eq!(cws.pointer, "/containerDefinitions/0/user");
        assert!(cws.message.contains("CWS"));
        assert!(!cws.fix.as_ref().unwrap().is_applicable());
        let patched: Vec<_> = f
            .iter()
            .filter(|f| f.fix.as_ref().unwrap().is_applicable())
            .map(|f| f.container.as_deref().unwrap())
            .collect();
        assert_eq!(patched, ["my-app-repo", "migration-runner"], "no guessed uid for the agent or the CWS init");
    }
}
