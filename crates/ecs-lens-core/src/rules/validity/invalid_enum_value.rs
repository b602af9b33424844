use serde_json::json;

use super::util::{finding_at, where_prefix};
use crate::finding::{Finding, Fix};
use crate::rules::kit::closest;
use crate::rules::kit::{field, items};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::schema::{one_of, Issue, Seg, CAPABILITIES, TMPFS_MOUNT_OPTIONS};
use crate::{Category, Severity};

pub struct InvalidEnumValue;

pub static META: RuleMeta = RuleMeta {
    id: "VAL005",
    name: "invalid-enum-value",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "A value outside its enumeration (`fargate` for `FARGATE`, `healthy` for `HEALTHY`, …)",
    what: crate::rules::doc(
        "Checks every enumerated field against the values of the ECS API model: `networkMode`, \
           `requiresCompatibilities`, `pidMode`, `ipcMode`, `dependsOn[].condition`, `portMappings[].protocol` \
           and `appProtocol`, `logConfiguration.logDriver`, `ulimits[].name`, `runtimePlatform`, volume \
           `scope`, EFS `transitEncryption`/`iam`, device `permissions`, `resourceRequirements[].type`, \
           `firelensConfiguration.type`, `environmentFiles[].type`, `placementConstraints[].type`, \
           `proxyConfiguration.type`, `versionConsistency`. Near misses get the right spelling. Linux \
           capabilities and tmpfs mount options are checked against ECS's documented lists as warnings \
           (they are not model enums).",
    ),
    why: crate::rules::doc(
        "Enum values are case-sensitive and RegisterTaskDefinition rejects anything else with a \
          `ClientException`/`InvalidParameterException`, one field at a time. An unknown capability or \
          tmpfs option makes the container fail to start instead.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "requiresCompatibilities": ["fargate"], "networkMode": "AWSVPC", "containerDefinitions": [{"name": "app", "image": "nginx", "dependsOn": [{"containerName": "db", "condition": "healthy"}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Use the exact value the message lists (the fix replaces a near miss). Capabilities are written \
          without the `CAP_` prefix, in upper case (`SYS_PTRACE`).",
    ),
    references: &[Reference { tool: "AWS", id: "ECS API enumerations" }],
};

/// At most 64 characters of a user value, for messages.
fn shown(s: &str) -> &str {
    match s.char_indices().nth(64) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl Rule for InvalidEnumValue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        // One walk of the schema serves all the validity rules (`schema::issues`).
        for (path, issue) in cx.model_issues() {
            let issue = *issue;
            let Issue::BadEnum { allowed, value } = issue else { continue };
            let where_ = where_prefix(td, path);
            let what = path.display();
            let suggestion = closest(value, allowed.iter().copied());
            let mut message =
                format!("{where_}`{what}` is `{}`, which is not one of {}", shown(value), one_of(allowed));
            if let Some(s) = suggestion {
                if s.eq_ignore_ascii_case(value) {
                    message.push_str(&format!(" (values are case-sensitive: `{s}`)"));
                } else {
                    message.push_str(&format!("; did you mean `{s}`?"));
                }
            }
            let mut finding = finding_at(&META, td, path, message).with_fix_from(cx, || match suggestion {
                Some(s) => {
                    Fix::patch(format!("Use `{s}`"), json!([{"op": "replace", "path": path.pointer(), "value": s}]))
                        .safe()
                }
                None => Fix::advice(format!("Use one of {}", one_of(allowed))),
            });
            if path.last_key() == Some("protocol") && path.segs().iter().any(|s| matches!(s, Seg::Key("portMappings")))
            {
                // "Amazon ECS treats any other specified value as tcp" (ECS API PortMapping.protocol).
                finding.message.push_str("; ECS treats it as `tcp`");
                finding = finding.with_severity(Severity::Medium);
                finding.blocks_registration = false;
            }
            out.push(finding);
        }

        // Documented (not modelled) value lists: warnings.
        for c in &td.containers {
            let Some(lp) = c.get("linuxParameters") else { continue };
            if let Some(caps) = field(lp, "capabilities") {
                for list in ["add", "drop"] {
                    for (i, v) in items(field(caps, list)) {
                        let Some(cap) = v.as_str() else { continue };
                        if CAPABILITIES.contains(&cap) {
                            continue;
                        }
                        let pointer = format!("{}/capabilities/{list}/{i}", c.ptr("linuxParameters"));
                        let fix = || {
                            let upper = cap.trim().to_ascii_uppercase();
                            let fixed = upper.strip_prefix("CAP_").unwrap_or(&upper);
                            match CAPABILITIES.iter().find(|k| **k == fixed) {
                                Some(k) => Fix::patch(
                                    format!("Use `{k}`"),
                                    json!([{"op": "replace", "path": pointer, "value": k}]),
                                )
                                .safe(),
                                None => {
                                    Fix::advice("Use a capability from the ECS list, e.g. `SYS_PTRACE`, `NET_ADMIN`")
                                }
                            }
                        };
                        let mut f = Finding::new(
                            &META,
                            pointer.clone(),
                            format!(
                                "container `{}`: capability `{}` in `linuxParameters.capabilities.{list}` is not one \
                                 ECS documents; write it in upper case without `CAP_`",
                                c.label(),
                                shown(cap)
                            ),
                        )
                        .in_container(c)
                        .with_fix_from(cx, fix)
                        .with_severity(Severity::Medium);
                        f.blocks_registration = false;
                        out.push(f);
                    }
                }
            }
            for (t, tmpfs) in items(field(lp, "tmpfs")) {
                for (i, v) in items(field(tmpfs, "mountOptions")) {
                    let Some(opt) = v.as_str() else { continue };
                    let name = opt.split('=').next().unwrap_or(opt);
                    if TMPFS_MOUNT_OPTIONS.contains(&name) {
                        continue;
                    }
                    let mut f = Finding::new(
                        &META,
                        format!("{}/tmpfs/{t}/mountOptions/{i}", c.ptr("linuxParameters")),
                        format!(
                            "container `{}`: tmpfs mount option `{}` is not one ECS documents",
                            c.label(),
                            shown(opt)
                        ),
                    )
                    .in_container(c)
                    .with_fix_from(cx, || {
                        Fix::advice("Use a documented tmpfs mount option (`rw`, `noexec`, `nosuid`, `size`… )")
                    })
                    .with_severity(Severity::Low);
                    f.blocks_registration = false;
                    out.push(f);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn case_near_misses_get_a_replacement() {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["fargate"]);
        td["networkMode"] = json!("AWSVPC");
        td["containerDefinitions"][0]["dependsOn"] = json!([{"containerName": "x", "condition": "healthy"}]);
        let f = check_value(&InvalidEnumValue, td);
        assert_eq!(f.len(), 3, "{f:#?}");
        let at = |p: &str| f.iter().find(|f| f.pointer == p).unwrap();
        let rc = at("/requiresCompatibilities/0");
        assert!(rc.message.contains("case-sensitive: `FARGATE`"), "{}", rc.message);
        assert_eq!(rc.fix.as_ref().unwrap().patch[0]["value"], "FARGATE");
        assert_eq!(at("/networkMode").fix.as_ref().unwrap().patch[0]["value"], "awsvpc");
        let dep = at("/containerDefinitions/0/dependsOn/0/condition");
        assert_eq!(dep.container.as_deref(), Some("app"));
        assert!(dep.blocks_registration);
    }

    #[test]
    fn unknown_values_list_the_choices() {
        let mut td = base();
        td["containerDefinitions"][0]["logConfiguration"] = json!({"logDriver": "cloudwatch"});
        td["containerDefinitions"][0]["ulimits"] = json!([{"name": "nofiles", "softLimit": 1, "hardLimit": 2}]);
        td["volumes"] = json!([{"name": "v", "dockerVolumeConfiguration": {"scope": "global"}}]);
        let f = check_value(&InvalidEnumValue, td);
        assert_eq!(f.len(), 3);
        assert!(f[0].message.contains("`awslogs`") && !f[0].fix.as_ref().unwrap().is_applicable(), "{}", f[0].message);
        assert!(f[1].message.contains("did you mean `nofile`?"), "{}", f[1].message);
        assert_eq!(f[2].pointer, "/volumes/0/dockerVolumeConfiguration/scope");
    }

    #[test]
    fn unknown_protocol_is_a_warning() {
        let mut td = base();
        td["containerDefinitions"][0]["portMappings"] = json!([{"containerPort": 80, "protocol": "TCP"}]);
        let f = check_value(&InvalidEnumValue, td);
        assert_eq!(f.len(), 1);
        assert!(!f[0].blocks_registration);
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"], "tcp");
    }

    #[test]
    fn capabilities_and_tmpfs_are_warnings() {
        let mut td = base();
        td["containerDefinitions"][0]["linuxParameters"] = json!({
            "capabilities": {"add": ["SYS_PTRACE", "cap_net_admin", "MAGIC"]},
            "tmpfs": [{"containerPath": "/t", "size": 64, "mountOptions": ["rw", "mode=1777", "bogus"]}]
        });
        let f = check_value(&InvalidEnumValue, td);
        assert_eq!(f.len(), 3, "{f:#?}");
        assert!(f.iter().all(|f| !f.blocks_registration));
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"], "NET_ADMIN");
        assert!(!f[1].fix.as_ref().unwrap().is_applicable());
        assert_eq!(f[2].pointer, "/containerDefinitions/0/linuxParameters/tmpfs/0/mountOptions/2");
    }

    #[test]
    fn clean_documents_pass() {
        assert!(check(&InvalidEnumValue, SEED).is_empty());
        assert!(check_value(&InvalidEnumValue, base()).is_empty());
    }
}
