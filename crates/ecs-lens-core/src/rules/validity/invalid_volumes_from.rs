use crate::finding::{Finding, Fix};
use crate::rules::kit::closest;
use crate::rules::kit::{items, str_field};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct InvalidVolumesFrom;

pub static META: RuleMeta = RuleMeta {
    id: "VAL032",
    name: "invalid-volumes-from",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "`volumesFrom` names a container that does not exist, or the container itself",
    what: crate::rules::doc(
        "Checks that every `volumesFrom[].sourceContainer` is the name of another container of the same task \
           definition.",
    ),
    why: crate::rules::doc(
        "ECS mounts the volumes of the source container of the same task; a name that matches no container \
          (a typo, a renamed sidecar) or the container itself cannot be resolved and the definition is rejected.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "volumesFrom": [{"sourceContainer": "assets"}]}]}"#,
    ),
    fix: crate::rules::doc("Name an existing container (the fix corrects a near miss), or remove the entry."),
    references: &[Reference { tool: "AWS", id: "ECS API VolumeFrom.sourceContainer" }],
};

impl Rule for InvalidVolumesFrom {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        for c in &td.containers {
            for (i, src) in items(c.get("volumesFrom")).filter_map(|(i, v)| Some((i, str_field(v, "sourceContainer")?)))
            {
                let pointer = || format!("{}/{i}/sourceContainer", c.ptr("volumesFrom"));
                if c.name == Some(src) {
                    out.push(
                        Finding::new(&META, pointer(), format!("container `{}` takes volumes from itself", c.label()))
                            .in_container(c)
                            .with_fix_from(cx, || Fix::advice("Remove the entry or name another container")),
                    );
                    continue;
                }
                if td.container(src).is_some() {
                    continue;
                }
                let pointer = pointer();
                let others = td.containers.iter().filter(|o| o.index != c.index).filter_map(|o| o.name);
                let suggestion = closest(src, others);
                let fix = match suggestion {
                    Some(s) => Fix::patch(
                        format!("Use container `{s}`"),
                        serde_json::json!([{"op": "replace", "path": pointer, "value": s}]),
                    )
                    .safe(),
                    None => Fix::advice("Name an existing container or remove the entry"),
                };
                out.push(
                    Finding::new(
                        &META,
                        pointer,
                        format!(
                            "container `{}` takes volumes from `{src}`, which is not a container of this task{}",
                            c.label(),
                            suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
                        ),
                    )
                    .in_container(c)
                    .with_fix_from(cx, || fix),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn flags_unknown_and_self_sources() {
        let mut td = base();
        td["containerDefinitions"][0]["volumesFrom"] =
            json!([{"sourceContainer": "asets"}, {"sourceContainer": "app"}]);
        td["containerDefinitions"].as_array_mut().unwrap().push(json!({"name": "assets", "image": "x"}));
        let f = check_value(&InvalidVolumesFrom, td);
        assert_eq!(f.len(), 2);
        assert!(f[0].message.contains("did you mean `assets`?"));
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"], "assets");
        assert!(f[1].message.contains("from itself"));
    }

    #[test]
    fn existing_sources_pass() {
        assert!(check(&InvalidVolumesFrom, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["volumesFrom"] = json!([{"sourceContainer": "assets", "readOnly": true}]);
        td["containerDefinitions"].as_array_mut().unwrap().push(json!({"name": "assets", "image": "x"}));
        assert!(check_value(&InvalidVolumesFrom, td).is_empty());
    }
}
