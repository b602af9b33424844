use super::graph::{closest_name, Names};
use crate::finding::{Finding, Fix};
use crate::rules::kit::{item, one, remove_checked, replace, with_fix_at};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct UnknownLink;

pub static META: RuleMeta = RuleMeta {
    id: "DEP006",
    name: "link-to-unknown-container",
    severity: Severity::High,
    category: Category::Dependencies,
    blocks_registration: false,
    summary: "A `links` entry names a container that does not exist, or the container itself",
    what: crate::rules::doc(
        "Checks that the name part of every `links` entry (`name` or `name:alias`) is another container of \
           the same task definition. (`volumesFrom` sources are checked by the validity rules.)",
    ),
    why: crate::rules::doc(
        "A link is a name the container resolves at run time and an implicit start-up dependency; a link to \
          a container that does not exist cannot be set up, and a container cannot link to itself. Links only \
          work with the `bridge` network mode at all.",
    ),
    example: crate::rules::doc(
        r#"{"networkMode": "bridge", "containerDefinitions": [
  {"name": "web", "image": "nginx:1.27", "links": ["ap:backend"]},
  {"name": "app", "image": "app:1.2"}
]}"#,
    ),
    fix: crate::rules::doc(
        "Correct the name (case-sensitive), or remove the entry. With `awsvpc` networking, drop `links` \
          entirely: containers of a task reach each other on `localhost`.",
    ),
    references: &[],
};

impl Rule for UnknownLink {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.containers.iter().any(|c| c.get("links").is_some()) {
            return;
        }
        let names = Names::new(td);
        for c in &td.containers {
            for (i, target) in c.links() {
                let self_link = c.name == Some(target);
                if target.is_empty() || (!self_link && names.find(td, target).is_some()) {
                    continue;
                }
                let ptr = format!("{}/links/{i}", c.pointer);
                let label = c.label();
                let current = item(c, "links", i);
                if self_link {
                    let mut f =
                        Finding::new(&META, ptr, format!("container `{label}` links to itself")).in_container(c);
                    if let Some(current) = current {
                        f = with_fix_at(f, cx, |ptr| {
                            Fix::patch(format!("Remove the self-link of `{label}`"), remove_checked(ptr, current))
                                .safe()
                        });
                    }
                    out.push(f);
                    continue;
                }
                let f = Finding::new(
                    &META,
                    ptr,
                    format!(
                        "container `{label}` links to `{target}`, which is not a container in this task definition"
                    ),
                )
                .in_container(c);
                out.push(with_fix_at(f, cx, |ptr| {
                    match (closest_name(td, target, c.name), current.and_then(|v| v.as_str())) {
                        (Some(name), Some(raw)) => {
                            let alias = raw.split_once(':').map(|(_, a)| a);
                            let value = match alias {
                                Some(a) => format!("{name}:{a}"),
                                None => name.to_string(),
                            };
                            Fix::patch(format!("Link to `{name}` instead of `{target}`"), one(replace(ptr, value)))
                                .safe()
                        }
                        _ => Fix::advice(format!(
                            "Add a container named `{target}`, correct the name, or remove this `links` entry."
                        )),
                    }
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
    use serde_json::{json, Value};

    fn td(links: Value) -> Value {
        let mut td = base();
        td["networkMode"] = "bridge".into();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["containerDefinitions"] = json!([
            {"name": "web", "image": "nginx:1", "links": links},
            {"name": "app", "image": "app:1"}
        ]);
        td
    }

    #[test]
    fn flags_unknown_link_and_keeps_alias_in_fix() {
        let doc = td(json!(["ap:backend"]));
        let f = check_value(&UnknownLink, doc.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/links/0");
        assert!(!f[0].blocks_registration);
        let fixed = apply_fix(&doc, &f[0]);
        assert_eq!(fixed["containerDefinitions"][0]["links"][0], "app:backend");
        assert!(check_value(&UnknownLink, fixed).is_empty());
    }

    #[test]
    fn flags_self_link() {
        let doc = td(json!(["app", "web"]));
        let f = check_value(&UnknownLink, doc.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/links/1");
        assert!(check_value(&UnknownLink, apply_fix(&doc, &f[0])).is_empty());
    }

    #[test]
    fn passes_known_links_and_the_seed() {
        assert!(check_value(&UnknownLink, td(json!(["app:backend", "app"]))).is_empty());
        assert!(check(&UnknownLink, SEED).is_empty());
    }
}
