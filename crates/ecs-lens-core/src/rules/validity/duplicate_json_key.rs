use crate::finding::{Finding, Fix};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct DuplicateJsonKey;

pub static META: RuleMeta = RuleMeta {
    id: "VAL010",
    name: "duplicate-json-key",
    severity: Severity::Medium,
    category: Category::Validity,
    blocks_registration: false,
    summary: "The same key appears twice in one JSON object; the earlier value is silently dropped",
    what: crate::rules::doc(
        "Reports object members whose key was already used in the same object, e.g. two `\"memory\"` \
           keys in one container, or a second `\"environment\"` array added at the bottom.",
    ),
    why: crate::rules::doc(
        "JSON parsers (the AWS CLI's included) keep only the last value, without a warning: the first \
          `environment` list, or the memory you reviewed, never reaches ECS. Registration succeeds, which \
          is what makes this dangerous.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 512, "memory": 256}]}"#,
    ),
    fix: crate::rules::doc(
        "Keep one of the two members — merge them if both held wanted content (two `environment` lists).",
    ),
    references: &[Reference { tool: "RFC 8259", id: "§4: names within an object SHOULD be unique" }],
};

impl Rule for DuplicateJsonKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for pointer in cx.doc.duplicate_keys() {
            let key = pointer.rsplit('/').next().map(crate::document::unescape_token).unwrap_or_default();
            let container = cx
                .td
                .containers
                .iter()
                .find(|c| pointer.strip_prefix(c.pointer.as_str()).is_some_and(|rest| rest.starts_with('/')));
            let mut f = Finding::new(
                &META,
                pointer.clone(),
                format!(
                    "`{key}` appears more than once in the same object; only the last value is used and the earlier \
                     one is silently ignored"
                ),
            )
            .with_fix_from(cx, || {
                Fix::advice(format!("Keep a single `{key}` member (merge the two if both are wanted)"))
            });
            if let Some(c) = container {
                f = f.in_container(c);
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, SEED};

    #[test]
    fn flags_duplicate_keys_where_they_are() {
        let f = check(
            &DuplicateJsonKey,
            r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "i", "memory": 512, "memory": 256}], "family": "x"}"#,
        );
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/memory");
        assert_eq!(f[0].container.as_deref(), Some("app"));
        assert!(!f[0].blocks_registration);
        assert_eq!(f[1].pointer, "/family");
        assert_eq!(f[1].container, None);
    }

    #[test]
    fn wrapped_duplicates_point_under_task_definition() {
        let f = check(
            &DuplicateJsonKey,
            r#"{"taskDefinition": {"family": "a", "family": "b", "containerDefinitions": []}}"#,
        );
        assert_eq!(f[0].pointer, "/taskDefinition/family");
    }

    #[test]
    fn unique_keys_pass() {
        assert!(check(&DuplicateJsonKey, SEED).is_empty());
    }
}
