use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::rules::kit::{cat, label, remove_checked, with_fix_at};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct UnconfinedProfile;

pub static META: RuleMeta = RuleMeta {
    id: "HAR012",
    name: "unconfined-security-profile",
    severity: Severity::High,
    category: Category::Security,
    blocks_registration: false,
    summary: "`dockerSecurityOptions` turns off AppArmor, seccomp or SELinux labelling",
    what: crate::rules::doc(
        "Flags `dockerSecurityOptions` entries `apparmor:unconfined`, `seccomp:unconfined` and \
           `label:disable` (also written with `=`).",
    ),
    why: crate::rules::doc(
        "These profiles are what stops a container process from making dangerous system calls (seccomp) \
          or touching files outside its policy (AppArmor, SELinux). Disabling them removes a layer that \
          container escapes routinely run into.",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["EC2"], "containerDefinitions": [{"name": "app", "image": "app:1.2",
  "dockerSecurityOptions": ["seccomp:unconfined"]}]}"#,
    ),
    fix: crate::rules::doc(
        "Remove the entry. If a specific system call is blocked, use a custom profile that allows just that \
          call instead of none at all. (`dockerSecurityOptions` is not valid on Fargate anyway.)",
    ),
    references: &[],
};

fn unconfined(option: &str) -> Option<&'static str> {
    let o = option.trim();
    let (key, value) = o.split_once([':', '='])?;
    let value = value.trim();
    match key.trim().to_ascii_lowercase().as_str() {
        "apparmor" if value.eq_ignore_ascii_case("unconfined") => Some("AppArmor"),
        "seccomp" if value.eq_ignore_ascii_case("unconfined") => Some("seccomp"),
        "label" if value.eq_ignore_ascii_case("disable") => Some("SELinux labelling"),
        _ => None,
    }
}

impl Rule for UnconfinedProfile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            let Some(options) = c.get("dockerSecurityOptions").and_then(Value::as_array) else { continue };
            for (i, v) in options.iter().enumerate() {
                let Some(what) = v.as_str().and_then(unconfined) else { continue };
                let label = label(c);
                let f = Finding::new(
                    &META,
                    format!("{}/dockerSecurityOptions/{i}", c.pointer),
                    cat(&["container `", &label, "` runs with ", what, " disabled"]),
                )
                .in_container(c);
                out.push(with_fix_at(f, cx, |ptr| {
                    Fix::patch(cat(&["Re-enable ", what, " for `", &label, "`"]), remove_checked(ptr, v))
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

    #[test]
    fn flags_unconfined_profiles() {
        let mut td = base();
        td["containerDefinitions"][0]["dockerSecurityOptions"] =
            json!(["no-new-privileges", "seccomp=unconfined", "apparmor:Unconfined", "label:disable"]);
        let f = check_value(&UnconfinedProfile, td.clone());
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/dockerSecurityOptions/1");
        let mut doc = td;
        while let Some(f) = check_value(&UnconfinedProfile, doc.clone()).first().cloned() {
            doc = apply_fix(&doc, &f);
        }
        assert_eq!(doc["containerDefinitions"][0]["dockerSecurityOptions"], json!(["no-new-privileges"]));
    }

    #[test]
    fn passes_profiles_and_the_seed() {
        let mut td = base();
        td["containerDefinitions"][0]["dockerSecurityOptions"] = json!(["apparmor:docker-default", "label:type:x"]);
        assert!(check_value(&UnconfinedProfile, td).is_empty());
        assert!(check(&UnconfinedProfile, SEED).is_empty());
    }
}
