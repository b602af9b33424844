use serde_json::{json, Value};

use crate::finding::{Finding, Fix};
use crate::model::{member, TaskDef};
use crate::rules::kit::{is_ecs_name, items};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct InvalidName;

pub static META: RuleMeta = RuleMeta {
    id: "VAL006",
    name: "invalid-name",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "A family, container, volume or link name that is not 1–255 of `[A-Za-z0-9_-]`",
    what: crate::rules::doc(
        "Checks that `family`, every container `name`, every volume `name` and both parts of each \
           `links` entry (`name:alias`) are at most 255 characters of ASCII letters, digits, `_` and `-`. \
           (Empty names are reported by VAL003.)",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects other characters: `Family contains invalid characters.` \
          (`family must match ^[a-zA-Z0-9\\-_]+$`) and `Container.name contains invalid characters.` — \
          dots, slashes and spaces are the usual culprits when names are derived from image names or \
          Compose service names.",
    ),
    example: crate::rules::doc(
        r#"{"family": "my.web app", "containerDefinitions": [{"name": "nginx:1.27", "image": "nginx:1.27"}]}"#,
    ),
    fix: crate::rules::doc(
        "Replace the other characters with `-` (the fix does it, and renames the container's references \
          in `dependsOn`, `volumesFrom`, `links` and `proxyConfiguration` too).",
    ),
    references: &[Reference { tool: "Terraform", id: "aws_ecs_task_definition family validation" }],
};

/// `name` with every invalid character replaced by `-`, cut to 255.
fn sanitize(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' }).take(255).collect()
}

/// Patch operations that rename container `old` to `new` everywhere it is referenced.
fn rename_container_ops(td: &TaskDef<'_>, index: usize, old: &str, new: &str) -> Vec<Value> {
    let mut ops = Vec::new();
    for c in &td.containers {
        if c.index == index {
            ops.push(json!({"op": "replace", "path": c.ptr("name"), "value": new}));
        }
        for d in c.depends_on() {
            if d.container_name == old {
                ops.push(json!({"op": "replace", "path": format!("{}/{}/containerName", c.ptr("dependsOn"), d.index), "value": new}));
            }
        }
        for (i, src) in c.volumes_from() {
            if src == old {
                ops.push(json!({"op": "replace", "path": format!("{}/{i}/sourceContainer", c.ptr("volumesFrom")), "value": new}));
            }
        }
        for (i, link) in c.strings("links") {
            let (target, alias) = match link.split_once(':') {
                Some((t, a)) => (t, Some(a)),
                None => (link, None),
            };
            if target == old {
                let value = match alias {
                    Some(a) => format!("{new}:{a}"),
                    None => new.to_string(),
                };
                ops.push(json!({"op": "replace", "path": format!("{}/{i}", c.ptr("links")), "value": value}));
            }
        }
    }
    if td.get("proxyConfiguration").and_then(|p| p.get("containerName")).and_then(Value::as_str) == Some(old) {
        ops.push(
            json!({"op": "replace", "path": format!("{}/containerName", td.ptr("proxyConfiguration")), "value": new}),
        );
    }
    ops
}

fn problem(name: &str) -> &'static str {
    if name.len() > 255 {
        "is longer than 255 characters"
    } else {
        "contains characters other than letters, digits, `_` and `-`"
    }
}

impl Rule for InvalidName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if let Some(family) = td.family().filter(|f| !f.is_empty() && !is_ecs_name(f)) {
            let fixed = sanitize(family);
            out.push(
                Finding::new(
                    &META,
                    td.ptr("family"),
                    format!(
                        "`family` {} (ECS: \"Family contains invalid characters.\"; it must match ^[a-zA-Z0-9\\-_]+$)",
                        problem(family)
                    ),
                )
                .with_fix_from(cx, || {
                    Fix::patch(
                        format!("Use `{fixed}`"),
                        json!([{"op": "replace", "path": td.ptr("family"), "value": fixed}]),
                    )
                    .safe()
                }),
            );
        }
        for c in &td.containers {
            let Some(name) = c.name.filter(|n| !n.is_empty() && !is_ecs_name(n)) else { continue };
            let fixed = sanitize(name);
            let taken = td.containers.iter().any(|o| o.name == Some(fixed.as_str()));
            let fix = if taken {
                Fix::advice("Rename the container with letters, digits, `_` and `-` only")
            } else {
                Fix::patch(
                    format!("Rename the container to `{fixed}`"),
                    Value::Array(rename_container_ops(td, c.index, name, &fixed)),
                )
                .safe()
            };
            out.push(
                Finding::new(
                    &META,
                    c.ptr("name"),
                    format!(
                        "container name `{}` {} (ECS: \"Container.name contains invalid characters.\")",
                        name.chars().take(80).collect::<String>(),
                        problem(name)
                    ),
                )
                .in_container(c)
                .with_fix_from(cx, || fix),
            );
        }
        for (i, v) in td.volumes() {
            let Some(name) = member(v, "name").and_then(Value::as_str).filter(|n| !n.is_empty() && !is_ecs_name(n))
            else {
                continue;
            };
            out.push(
                Finding::new(
                    &META,
                    format!("{}/{i}/name", td.ptr("volumes")),
                    format!("volume name `{}` {}", name.chars().take(80).collect::<String>(), problem(name)),
                )
                .with_fix_from(cx, || Fix::advice("Rename the volume (and the `sourceVolume` of its mount points)")),
            );
        }
        for c in &td.containers {
            for (i, v) in items(c.get("links")) {
                let Some(link) = v.as_str() else { continue };
                let ok = match link.split_once(':') {
                    Some((t, a)) => is_ecs_name(t) && is_ecs_name(a),
                    None => is_ecs_name(link),
                };
                if !ok {
                    out.push(
                        Finding::new(
                            &META,
                            format!("{}/{i}", c.ptr("links")),
                            format!(
                                "container `{}`: link `{}` must be `name` or `name:alias` of letters, digits, `_` and `-`",
                                c.label(),
                                link.chars().take(80).collect::<String>()
                            ),
                        )
                        .in_container(c),
                    );
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
    fn flags_family_and_container_names_with_exact_errors() {
        let mut td = base();
        td["family"] = json!("my.web app");
        td["containerDefinitions"][0]["name"] = json!("app.v1");
        td["containerDefinitions"].as_array_mut().unwrap().push(json!({"name": "side", "image": "x",
            "dependsOn": [{"containerName": "app.v1", "condition": "START"}], "links": ["app.v1:web"]}));
        let f = check_value(&InvalidName, td);
        assert_eq!(f.len(), 3, "{f:#?}");
        assert_eq!(f[2].pointer, "/containerDefinitions/1/links/0", "the link to the bad name is bad too");
        assert_eq!(f[0].pointer, "/family");
        assert!(f[0].message.contains("Family contains invalid characters."));
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"], "my-web-app");
        assert_eq!(f[1].pointer, "/containerDefinitions/0/name");
        assert!(f[1].message.contains("Container.name contains invalid characters."));
        assert_eq!(
            f[1].fix.as_ref().unwrap().patch,
            json!([
                {"op": "replace", "path": "/containerDefinitions/0/name", "value": "app-v1"},
                {"op": "replace", "path": "/containerDefinitions/1/dependsOn/0/containerName", "value": "app-v1"},
                {"op": "replace", "path": "/containerDefinitions/1/links/0", "value": "app-v1:web"}
            ])
        );
    }

    #[test]
    fn flags_long_names_volumes_and_links() {
        let mut td = base();
        td["containerDefinitions"][0]["name"] = json!("a".repeat(256));
        td["containerDefinitions"][0]["links"] = json!(["db:my alias", "ok:fine"]);
        td["volumes"] = json!([{"name": "data/vol"}]);
        let f = check_value(&InvalidName, td);
        assert_eq!(f.len(), 3);
        assert!(f[0].message.contains("longer than 255"));
        assert_eq!(f[1].pointer, "/volumes/0/name");
        assert_eq!(f[2].pointer, "/containerDefinitions/0/links/0");
    }

    #[test]
    fn valid_names_pass() {
        assert!(check(&InvalidName, SEED).is_empty());
        assert!(check_value(&InvalidName, base()).is_empty());
    }
}
