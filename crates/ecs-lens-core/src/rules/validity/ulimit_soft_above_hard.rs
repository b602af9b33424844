use serde_json::json;

use crate::finding::{Finding, Fix};
use crate::rules::kit::{field, int, items, str_field};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct UlimitSoftAboveHard;

pub static META: RuleMeta = RuleMeta {
    id: "VAL038",
    name: "ulimit-soft-above-hard",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: false,
    summary: "A ulimit whose `softLimit` is above its `hardLimit`",
    what: crate::rules::doc("Checks each container's `ulimits[]` entry: `softLimit` must not exceed `hardLimit`."),
    why: crate::rules::doc(
        "The kernel refuses a soft limit above the hard limit, so Docker cannot create the container and the \
          task stops at start. Whether RegisterTaskDefinition itself rejects it is not confirmed, hence no \
          registration block — but the task will not run.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "ulimits": [{"name": "nofile", "softLimit": 65536, "hardLimit": 4096}]}]}"#,
    ),
    fix: crate::rules::doc("Raise `hardLimit` to at least `softLimit` (the fix does it) or lower `softLimit`."),
    references: &[Reference { tool: "Docker", id: "--ulimit soft:hard" }],
};

impl Rule for UlimitSoftAboveHard {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            for (i, u) in items(c.get("ulimits")) {
                let (Some(soft), Some(hard)) = (int(field(u, "softLimit")), int(field(u, "hardLimit"))) else {
                    continue;
                };
                if soft <= hard {
                    continue;
                }
                let name = str_field(u, "name").unwrap_or("?");
                let pointer = format!("{}/{i}/softLimit", c.ptr("ulimits"));
                out.push(
                    Finding::new(
                        &META,
                        pointer,
                        format!("container `{}`: ulimit `{name}` has softLimit {soft} above hardLimit {hard}", c.label()),
                    )
                    .in_container(c)
                    .with_fix_from(cx, || Fix::patch(
                        format!("Raise hardLimit to {soft}"),
                        json!([{"op": "replace", "path": format!("{}/{i}/hardLimit", c.ptr("ulimits")), "value": soft}]),
                    ).safe()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_soft_above_hard() {
        let mut td = base();
        td["containerDefinitions"][0]["ulimits"] = json!([{"name": "nofile", "softLimit": 65536, "hardLimit": 4096}, {"name": "core", "softLimit": 0, "hardLimit": 0}]);
        let f = check_value(&UlimitSoftAboveHard, td);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/ulimits/0/softLimit");
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["path"], "/containerDefinitions/0/ulimits/0/hardLimit");
    }

    #[test]
    fn seed_passes() {
        assert!(check(&UlimitSoftAboveHard, SEED).is_empty());
    }
}
