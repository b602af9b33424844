use serde_json::{json, Value};

use crate::finding::{Finding, Fix};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct InvalidTags;

/// Tags per resource.
pub const MAX_TAGS: usize = 50;

pub static META: RuleMeta = RuleMeta {
    id: "VAL033",
    name: "invalid-tags",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "Tags that RegisterTaskDefinition refuses: too many, too long, bad characters, repeated or `aws:` keys",
    what: crate::rules::doc(
        "Checks the task definition's `tags` (the request's own list, or the sibling list of \
           `describe-task-definition` output): at most 50 tags; keys 1–128 and values 0–256 characters of \
           letters, digits, spaces and `_ . : / = + - @`; unique keys; no key starting with `aws:` (any case), \
           which AWS reserves. An empty list is reported as information.",
    ),
    why: crate::rules::doc(
        "These are the ECS API's tag constraints; the request fails as a whole. An empty `tags` list is \
          refused too (`Tags can not be empty.`) — ecs-lens drops it when it registers, the AWS CLI does not.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx"}], "tags": [{"key": "aws:team", "value": "x"}, {"key": "env", "value": "prod"}, {"key": "env", "value": "dev"}]}"#,
    ),
    fix: crate::rules::doc(
        "Rename reserved or repeated keys, shorten long keys and values, and replace other characters \
          (`#`, `,`, quotes, emoji) with `-` or `_`.",
    ),
    references: &[Reference { tool: "AWS", id: "Tagging: tag restrictions" }],
};

/// `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$` without a regex engine.
pub fn valid_tag_text(s: &str) -> bool {
    // ASCII fast path (the same classes, byte by byte).
    if s.is_ascii() {
        return s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ' || b"_.:/=+-@".contains(&b));
    }
    s.chars().all(|c| {
        c.is_alphabetic() || c.is_numeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
    })
}

impl Rule for InvalidTags {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some((tags, pointer)) = cx.td.tags.as_ref() else { return };
        let Some(list) = tags.as_array() else { return };
        if list.is_empty() {
            let mut f = Finding::new(
                &META,
                pointer.clone(),
                "`tags` is an empty list, which RegisterTaskDefinition refuses (\"Tags can not be empty.\"); ecs-lens \
                 drops it when it registers",
            )
            .with_fix_from(cx, || {
                Fix::patch("Remove the empty `tags`", json!([{"op": "remove", "path": pointer}])).safe()
            })
            .with_severity(Severity::Info);
            f.blocks_registration = false;
            out.push(f);
            return;
        }
        if list.len() > MAX_TAGS {
            out.push(Finding::new(
                &META,
                format!("{pointer}/{MAX_TAGS}"),
                format!("{} tags; a task definition may have at most {MAX_TAGS}", list.len()),
            ));
        }
        let mut seen: Vec<(&str, usize)> = Vec::with_capacity(list.len());
        for (i, tag) in list.iter().enumerate() {
            let Some(obj) = tag.as_object() else { continue };
            // Pointers are built only for what is reported.
            let at = || format!("{pointer}/{i}");
            // One pass over the tag's members.
            let (mut key_v, mut value_v) = (None, None);
            for (k, v) in obj {
                match k.as_str() {
                    "key" => key_v = Some(v),
                    "value" => value_v = Some(v),
                    _ => {}
                }
            }
            let key = key_v.and_then(Value::as_str);
            let short = |s: &str| s.chars().take(60).collect::<String>();
            match key {
                None if key_v.is_none() || key_v == Some(&Value::Null) => {
                    out.push(Finding::new(&META, at(), format!("tags[{i}] has no `key`")));
                }
                None => {} // wrong type: VAL004
                Some(k) => {
                    let len = k.chars().count();
                    if len == 0 || len > 128 {
                        out.push(Finding::new(
                            &META,
                            format!("{}/key", at()),
                            format!("tag key of {len} characters; keys are 1–128 characters"),
                        ));
                    }
                    if !valid_tag_text(k) {
                        out.push(Finding::new(
                            &META,
                            format!("{}/key", at()),
                            format!(
                                "tag key `{}` has characters other than letters, digits, spaces and `_ . : / = + - @`",
                                short(k)
                            ),
                        ));
                    }
                    if k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
                        out.push(Finding::new(
                            &META,
                            format!("{}/key", at()),
                            format!(
                                "tag key `{}` uses the `aws:` prefix, which AWS reserves for its own tags",
                                short(k)
                            ),
                        ));
                    }
                    if let Some((_, first)) = seen.iter().find(|(s, _)| *s == k) {
                        out.push(Finding::new(
                            &META,
                            format!("{}/key", at()),
                            format!("tag key `{}` is already used by tags[{first}]; keys must be unique", short(k)),
                        ));
                    } else {
                        seen.push((k, i));
                    }
                }
            }
            if let Some(v) = value_v.and_then(Value::as_str) {
                let len = v.chars().count();
                if len > 256 {
                    out.push(Finding::new(
                        &META,
                        format!("{}/value", at()),
                        format!(
                            "the value of tag `{}` is {len} characters; values are at most 256",
                            short(key.unwrap_or(""))
                        ),
                    ));
                }
                if !valid_tag_text(v) {
                    out.push(Finding::new(
                        &META,
                        format!("{}/value", at()),
                        format!(
                            "the value of tag `{}` has characters other than letters, digits, spaces and `_ . : / = + - @`",
                            short(key.unwrap_or(""))
                        ),
                    ));
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
    fn flags_each_tag_constraint() {
        let mut td = base();
        td["tags"] = json!([
            {"key": "aws:team", "value": "x"},
            {"key": "env", "value": "prod"},
            {"key": "env", "value": "dev"},
            {"key": "", "value": "v"},
            {"key": "k#1", "value": "a,b"},
            {"key": "long", "value": "v".repeat(257)},
            {"value": "no key"},
            {"key": "ключ", "value": "値 1.0/x=y+z-@"},
            {"key": "éa:x", "value": ""}
        ]);
        let f = check_value(&InvalidTags, td);
        let ptrs: Vec<&str> = f.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(
            ptrs,
            ["/tags/0/key", "/tags/2/key", "/tags/3/key", "/tags/4/key", "/tags/4/value", "/tags/5/value", "/tags/6"],
            "{f:#?}"
        );
        assert!(f.iter().all(|f| f.blocks_registration));
        assert!(!f[5].message.contains("vvvv"));
    }

    #[test]
    fn flags_too_many_and_informs_on_empty() {
        let mut td = base();
        td["tags"] = json!((0..51).map(|i| json!({"key": format!("k{i}"), "value": "v"})).collect::<Vec<_>>());
        let f = check_value(&InvalidTags, td.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/tags/50");
        td["tags"] = json!([]);
        let f = check_value(&InvalidTags, td);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(!f[0].blocks_registration);
    }

    #[test]
    fn describe_sibling_tags_are_checked() {
        let doc = json!({"taskDefinition": {"family": "f", "containerDefinitions": []}, "tags": [{"key": "AWS:x", "value": "1"}]});
        let f = check_value(&InvalidTags, doc);
        assert_eq!(f[0].pointer, "/tags/0/key");
    }

    /// The tags checked are the ones registered (`Document::register_input`): a wrapped task
    /// definition's own tags win over the sibling list.
    #[test]
    fn a_wrapped_task_definitions_own_tags_are_checked() {
        let doc = json!({"taskDefinition": {"family": "f", "containerDefinitions": [], "tags": [{"key": "aws:x"}]},
                         "tags": []});
        let f = check_value(&InvalidTags, doc);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].pointer, "/taskDefinition/tags/0/key");
    }

    #[test]
    fn good_tags_pass() {
        assert!(check(&InvalidTags, SEED).is_empty());
        let mut td = base();
        td["tags"] = json!([{"key": "team", "value": "platform"}, {"key": "cost center", "value": ""}]);
        assert!(check_value(&InvalidTags, td).is_empty());
    }
}
