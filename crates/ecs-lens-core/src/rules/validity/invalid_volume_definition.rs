use serde_json::Value;

use super::util::duplicates;
use crate::finding::{Finding, Fix};
use crate::model::member;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::schema::VOLUME_TYPE_FIELDS;
use crate::{Category, Severity};

pub struct InvalidVolumeDefinition;

pub static META: RuleMeta = RuleMeta {
    id: "VAL030",
    name: "invalid-volume-definition",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "A volume with more than one type, several `configuredAtLaunch` volumes, or a repeated volume name",
    what: crate::rules::doc(
        "Checks each entry of `volumes`: at most one of `host`, `dockerVolumeConfiguration`, \
           `efsVolumeConfiguration`, `s3filesVolumeConfiguration`, `fsxWindowsFileServerVolumeConfiguration` and \
           `configuredAtLaunch: true`; at most one `configuredAtLaunch` volume per task definition; and (as a \
           warning) unique volume names.",
    ),
    why: crate::rules::doc(
        "A volume is of exactly one kind; the ECS API documents that you specify one of these members, and \
          that a task definition revision may have only one volume configured at launch. Two volumes with the \
          same name make every mount point of that name ambiguous.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "volumes": [{"name": "data", "host": {"sourcePath": "/data"}, "efsVolumeConfiguration": {"fileSystemId": "fs-12345678"}}], "containerDefinitions": [{"name": "app", "image": "nginx"}]}"#,
    ),
    fix: crate::rules::doc(
        "Keep one configuration per volume (split it into two named volumes if you need both), and give \
          volumes distinct names.",
    ),
    references: &[Reference { tool: "AWS", id: "ECS API Volume" }],
};

impl Rule for InvalidVolumeDefinition {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let mut at_launch = 0usize;
        for (i, v) in td.volumes() {
            // One pass over the volume's members: bit j is set when VOLUME_TYPE_FIELDS[j] gives
            // the volume a type (`configuredAtLaunch` only when true; null sets nothing).
            let mut kinds = 0u32;
            for (k, val) in v {
                let Some(j) = VOLUME_TYPE_FIELDS.iter().position(|f| f.len() == k.len() && *f == k) else { continue };
                let set = match val {
                    Value::Bool(b) => *b,
                    Value::Null => false,
                    _ => VOLUME_TYPE_FIELDS[j] != "configuredAtLaunch",
                };
                if set {
                    kinds |= 1 << j;
                }
            }
            let kinds_set = kinds;
            let kinds =
                || VOLUME_TYPE_FIELDS.iter().enumerate().filter(move |(j, _)| kinds >> j & 1 == 1).map(|(_, k)| *k);
            if member(v, "configuredAtLaunch").and_then(Value::as_bool) == Some(true) {
                at_launch += 1;
                if at_launch == 2 {
                    out.push(
                        Finding::new(
                            &META,
                            format!("{}/{i}/configuredAtLaunch", td.ptr("volumes")),
                            "more than one volume is `configuredAtLaunch`; a task definition may have only one",
                        )
                        .with_fix_from(cx, || Fix::advice("Keep `configuredAtLaunch` on a single volume")),
                    );
                }
            }
            if kinds_set.count_ones() > 1 {
                let list: Vec<String> = kinds().map(|k| format!("`{k}`")).collect();
                let second = kinds().nth(1).unwrap_or("host");
                out.push(
                    Finding::new(
                        &META,
                        format!("{}/{i}/{second}", td.ptr("volumes")),
                        format!("volumes[{i}] combines {}; a volume has exactly one type", list.join(" and ")),
                    )
                    .with_fix_from(cx, || {
                        Fix::advice("Keep one configuration, or split the volume into two named volumes")
                    }),
                );
            }
        }
        let names = td.volumes().filter_map(|(i, v)| Some((i, member(v, "name")?.as_str()?)));
        for (first, dup, name) in duplicates(names) {
            let mut f = Finding::new(
                &META,
                format!("{}/{dup}/name", td.ptr("volumes")),
                format!("volume name `{name}` is also used by volumes[{first}]"),
            )
            .with_fix_from(cx, || Fix::advice("Give each volume a distinct name"))
            .with_severity(Severity::Medium);
            f.blocks_registration = false;
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn flags_mixed_types_and_many_at_launch() {
        let mut td = base();
        td["volumes"] = json!([
            {"name": "a", "host": {}, "efsVolumeConfiguration": {"fileSystemId": "fs-1"}},
            {"name": "b", "configuredAtLaunch": true},
            {"name": "c", "configuredAtLaunch": true},
            {"name": "a"}
        ]);
        let f = check_value(&InvalidVolumeDefinition, td);
        assert_eq!(f.len(), 3, "{f:#?}");
        assert_eq!(f[0].pointer, "/volumes/0/efsVolumeConfiguration");
        assert!(f[0].message.contains("`host` and `efsVolumeConfiguration`"));
        assert_eq!(f[1].pointer, "/volumes/2/configuredAtLaunch");
        assert_eq!(f[2].pointer, "/volumes/3/name");
        assert!(!f[2].blocks_registration);
    }

    #[test]
    fn single_type_volumes_pass() {
        assert!(check(&InvalidVolumeDefinition, SEED).is_empty());
        let mut td = base();
        td["volumes"] =
            json!([{"name": "a", "configuredAtLaunch": false, "host": {}}, {"name": "b", "configuredAtLaunch": true}]);
        assert!(check_value(&InvalidVolumeDefinition, td).is_empty());
    }
}
