use serde_json::json;

use super::util::{finding_at, where_prefix};
use crate::document::escape_token;
use crate::finding::{Finding, Fix};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::schema::Issue;
use crate::{Category, Severity};

pub struct UnknownField;

pub static META: RuleMeta = RuleMeta {
    id: "VAL001",
    name: "unknown-field",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "A field the ECS API does not know (often a typo or CloudFormation's PascalCase)",
    what: crate::rules::doc(
        "Checks every object of the task definition — the task level, each container and every \
           sub-shape (`portMappings`, `healthCheck`, `logConfiguration`, `linuxParameters`, `volumes` and \
           their configurations, `tags` …) — against the members of the ECS API model, and suggests the \
           closest known name (`memoryReservaton` → `memoryReservation`, `Image` → `image`).",
    ),
    why: crate::rules::doc(
        "The AWS CLI and SDKs validate the input before sending it and refuse unknown keys: \
          `Unknown parameter in containerDefinitions[0]: \"memoryReservaton\", must be one of: …`. A typo \
          in an optional field is worse when a tool drops unknown keys silently: the setting you wrote \
          never takes effect. The read-only fields of `describe-task-definition` output are reported by \
          VAL002 instead.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "memoryReservaton": 256}]}"#,
    ),
    fix: crate::rules::doc(
        "Rename the field to the name the suggestion gives (the fix does it), or remove it. Field names \
          are camelCase in the ECS API: CloudFormation's `Image`/`PortMappings` spelling is not accepted.",
    ),
    references: &[Reference { tool: "AWS", id: "botocore ParamValidation: Unknown parameter" }],
};

impl Rule for UnknownField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        // One walk of the schema serves all the validity rules (`schema::issues`).
        for (path, issue) in cx.model_issues() {
            let issue = *issue;
            let Issue::Unknown { shape, key, parent } = issue else { continue };
            let suggestion = crate::rules::kit::closest(key, shape.fields.iter().map(|f| f.name));
            let where_ = where_prefix(td, path);
            let message = match suggestion {
                Some(s) if !parent.contains_key(s) => {
                    format!("{where_}unknown field `{key}` in {}; did you mean `{s}`?", shape.name)
                }
                Some(s) => format!("{where_}unknown field `{key}` in {} (`{s}` is already set)", shape.name),
                None => format!("{where_}unknown field `{key}` in {}; the ECS API rejects it", shape.name),
            };
            let fix = || {
                let at = path.pointer();
                match suggestion {
                    Some(s) if !parent.contains_key(s) => Fix::patch(
                        format!("Rename `{key}` to `{s}`"),
                        json!([{"op": "move", "from": at, "path": format!("{}/{}", path.parent_pointer(), escape_token(s))}]),
                    ).safe(),
                    _ => Fix::patch(format!("Remove `{key}`"), json!([{"op": "remove", "path": at}])).safe(),
                }
            };
            out.push(finding_at(&META, td, path, message).with_fix_from(cx, fix));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_typos_with_suggestions() {
        let mut td = base();
        td["containerDefinitions"][0]["memoryReservaton"] = json!(256);
        td["containerDefinitions"][0]["portMappings"] = json!([{"containerPort": 80, "hostPrt": 80}]);
        td["Family"] = json!("x");
        let f = check_value(&UnknownField, td);
        assert_eq!(f.len(), 3, "{f:#?}");
        let m = f.iter().find(|f| f.pointer == "/containerDefinitions/0/memoryReservaton").unwrap();
        assert!(m.message.contains("did you mean `memoryReservation`"), "{}", m.message);
        assert_eq!(m.container.as_deref(), Some("app"));
        assert!(m.blocks_registration);
        let fix = m.fix.as_ref().unwrap();
        assert_eq!(fix.patch[0]["op"], "move");
        assert_eq!(fix.patch[0]["path"], "/containerDefinitions/0/memoryReservation");
        let p = f.iter().find(|f| f.pointer == "/containerDefinitions/0/portMappings/0/hostPrt").unwrap();
        assert!(p.message.contains("`hostPort`") && p.message.contains("PortMapping"), "{}", p.message);
        // `family` is already set, so the capitalised duplicate is just removed.
        let fam = f.iter().find(|f| f.pointer == "/Family").unwrap();
        assert_eq!(fam.fix.as_ref().unwrap().patch[0]["op"], "remove");
    }

    #[test]
    fn flags_unknown_without_suggestion_and_in_deep_shapes() {
        let mut td = base();
        td["volumes"] = json!([{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1",
            "authorizationConfig": {"iam": "ENABLED", "whatever": 1}}}]);
        td["containerDefinitions"][0]["totallyMadeUp"] = json!(true);
        let f = check_value(&UnknownField, td);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["op"], "remove");
        assert_eq!(f[1].pointer, "/volumes/0/efsVolumeConfiguration/authorizationConfig/whatever");
        assert!(f[1].message.contains("EFSAuthorizationConfig"));
    }

    #[test]
    fn read_only_fields_and_maps_are_not_unknown() {
        assert!(check(&UnknownField, SEED).is_empty());
        let mut td = base();
        td["revision"] = json!(3);
        td["status"] = json!("ACTIVE");
        td["containerDefinitions"][0]["dockerLabels"] = json!({"anything.goes": "x"});
        assert!(check_value(&UnknownField, td).is_empty());
    }

    #[test]
    fn describe_wrapped_pointers() {
        let doc = json!({"taskDefinition": {"family": "f", "revision": 2,
            "containerDefinitions": [{"name": "a", "image": "i", "Essential": true}]},
            "tags": [{"key": "k", "value": "v", "Extra": 1}]});
        let f = check_value(&UnknownField, doc);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].pointer, "/taskDefinition/containerDefinitions/0/Essential");
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["path"], "/taskDefinition/containerDefinitions/0/essential");
        assert_eq!(f[1].pointer, "/tags/0/Extra");
    }
}
