use serde_json::{json, Value};

use crate::finding::{Finding, Fix};
use crate::model::member;
use crate::rules::kit::closest;
use crate::rules::kit::{items, str_field};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct UnknownVolume;

pub static META: RuleMeta = RuleMeta {
    id: "VAL029",
    name: "unknown-volume",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "A mount point names a volume the task does not define",
    what: crate::rules::doc(
        "Checks that every `mountPoints[].sourceVolume` is the `name` of one of the task's `volumes`.",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects it: `Unknown volume 'data'.` — typically a volume renamed in one \
          place only, or a mount point copied from another task definition without its volume.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "volumes": [{"name": "data"}], "containerDefinitions": [{"name": "app", "image": "nginx", "mountPoints": [{"sourceVolume": "dta", "containerPath": "/data"}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Use the name of a defined volume (the fix corrects a near miss), or add the volume to `volumes`.",
    ),
    references: &[Reference { tool: "AWS", id: "RegisterTaskDefinition ClientException" }],
};

impl Rule for UnknownVolume {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let names = || td.volumes().filter_map(|(_, v)| member(v, "name").and_then(Value::as_str));
        for c in &td.containers {
            for (i, mp) in items(c.get("mountPoints")) {
                let Some(src) = str_field(mp, "sourceVolume") else { continue };
                if names().any(|n| n == src) {
                    continue;
                }
                let pointer = format!("{}/{i}/sourceVolume", c.ptr("mountPoints"));
                let suggestion = closest(src, names());
                let message = format!(
                    "container `{}`: mount point uses volume `{src}`, which the task does not define (ECS: \"Unknown \
                     volume '{src}'.\"){}",
                    c.label(),
                    suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
                );
                let fix = match suggestion {
                    Some(s) => {
                        Fix::patch(format!("Use volume `{s}`"), json!([{"op": "replace", "path": pointer, "value": s}]))
                            .safe()
                    }
                    None => Fix::advice(format!("Add a volume named `{src}` to `volumes`, or mount a defined one")),
                };
                out.push(Finding::new(&META, pointer, message).in_container(c).with_fix_from(cx, || fix));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_undefined_volumes_with_suggestion() {
        let mut td = base();
        td["volumes"] = json!([{"name": "data"}]);
        td["containerDefinitions"][0]["mountPoints"] =
            json!([{"sourceVolume": "dta", "containerPath": "/d"}, {"sourceVolume": "cache", "containerPath": "/c"}]);
        let f = check_value(&UnknownVolume, td);
        assert_eq!(f.len(), 2);
        assert!(f[0].message.contains("Unknown volume 'dta'.") && f[0].message.contains("did you mean `data`?"));
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"], "data");
        assert!(!f[1].fix.as_ref().unwrap().is_applicable());
    }

    #[test]
    fn defined_volumes_pass() {
        assert!(check(&UnknownVolume, SEED).is_empty());
    }
}
