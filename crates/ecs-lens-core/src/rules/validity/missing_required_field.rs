use serde_json::{json, Value};

use super::util::{finding_at, where_prefix};
use crate::finding::{Finding, Fix};
use crate::model::image_repository;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::schema::Issue;
use crate::{Category, Severity};

pub struct MissingRequiredField;

pub static META: RuleMeta = RuleMeta {
    id: "VAL003",
    name: "missing-required-field",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "A required field is absent or blank (family, containerDefinitions, container name/image, …)",
    what: crate::rules::doc(
        "Checks the members the ECS API requires: `family` and `containerDefinitions`; each container's \
           `name` and `image` (absent or empty); and the required members of sub-shapes — \
           `healthCheck.command`, `secrets[].name`/`valueFrom`, `dependsOn[].containerName`/`condition`, \
           `ulimits[].name`/`softLimit`/`hardLimit`, `logConfiguration.logDriver`, \
           `efsVolumeConfiguration.fileSystemId`, `environmentFiles[].value`/`type`, \
           `resourceRequirements[].type`/`value`, `extraHosts[].hostname`/`ipAddress`, … — and a volume's \
           `name` when it uses EFS, S3 Files or `configuredAtLaunch`.",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects the document, one missing field at a time: \
          `Container.name should not be null or empty.`, `Container.image should not be null or empty.`, \
          `Family can not be blank.`, `Container list cannot be empty.`, or the SDK's \
          `Missing required parameter in input: \"family\"`.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"image": "nginx", "healthCheck": {"interval": 30}}]}"#,
    ),
    fix: crate::rules::doc(
        "Add the field. A container without a name gets one derived from its image (the fix does it); \
          a health check needs `command`, e.g. `[\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"]`.",
    ),
    references: &[Reference { tool: "cfn-lint", id: "E3003" }],
};

/// ECS's own wording where it is known.
fn aws_text(shape: &str, field: &str) -> Option<&'static str> {
    Some(match (shape, field) {
        ("ContainerDefinition", "name") => "Container.name should not be null or empty.",
        ("ContainerDefinition", "image") => "Container.image should not be null or empty.",
        ("RegisterTaskDefinitionRequest", "containerDefinitions") => "Container list cannot be empty.",
        ("RegisterTaskDefinitionRequest", "family") => "Family can not be blank.",
        _ => return None,
    })
}

/// A container name derived from the image (`public.ecr.aws/nginx/nginx:1` → `nginx`).
fn name_from_image(image: &str) -> Option<String> {
    let repo = image_repository(image);
    let last = repo.rsplit('/').next()?;
    let name: String = last
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' })
        .take(255)
        .collect();
    (!name.is_empty()).then_some(name)
}

impl Rule for MissingRequiredField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        // One walk of the schema serves all the validity rules (`schema::issues`).
        for (path, issue) in cx.model_issues() {
            let issue = *issue;
            let Issue::Missing { shape, field, obj } = issue else { continue };
            let aws = aws_text(shape.name, field.name);
            let where_ = where_prefix(td, path);
            let message = match aws {
                Some(text) => format!("{where_}`{}` is missing (ECS: \"{text}\")", field.name),
                None => format!("{where_}`{}` is missing its required `{}`", path.display(), field.name),
            };
            let mut finding = finding_at(&META, td, path, message);
            if shape.name == "ContainerDefinition" && field.name == "name" {
                let image = obj.get("image").and_then(Value::as_str).and_then(name_from_image);
                if let Some(name) = image.filter(|n| td.container(n).is_none()) {
                    finding = finding.with_fix_from(cx, || {
                        Fix::patch(
                            format!("Name the container `{name}` after its image"),
                            json!([{"op": "add", "path": format!("{}/name", path.pointer()), "value": name}]),
                        )
                        .safe()
                    });
                }
            }
            out.push(finding);
        }

        // Present but blank.
        if td.family().is_some_and(|f| f.trim().is_empty()) {
            out.push(Finding::new(&META, td.ptr("family"), "`family` is empty (ECS: \"Family can not be blank.\")"));
        }
        for c in &td.containers {
            for (field, value, text) in [
                ("name", c.name, "Container.name should not be null or empty."),
                ("image", c.image(), "Container.image should not be null or empty."),
            ] {
                if value.is_some_and(|s| s.trim().is_empty()) {
                    out.push(
                        Finding::new(
                            &META,
                            c.ptr(field),
                            format!("container `{}`: `{field}` is empty (ECS: \"{text}\")", c.label()),
                        )
                        .in_container(c),
                    );
                }
            }
        }

        // Volumes whose type requires a name.
        for (i, obj) in td.volumes() {
            // One pass over the volume's members.
            let (mut named, mut efs, mut s3files, mut at_launch) = (false, false, false, false);
            for (k, v) in obj {
                match k.as_str() {
                    "name" => named = true,
                    "efsVolumeConfiguration" => efs = true,
                    "s3filesVolumeConfiguration" => s3files = true,
                    "configuredAtLaunch" => at_launch = v.as_bool() == Some(true),
                    _ => {}
                }
            }
            if named {
                continue;
            }
            let needs = if efs {
                Some("efsVolumeConfiguration")
            } else if s3files {
                Some("s3filesVolumeConfiguration")
            } else if at_launch {
                Some("configuredAtLaunch")
            } else {
                None
            };
            if let Some(kind) = needs {
                out.push(Finding::new(
                    &META,
                    format!("{}/{i}", td.ptr("volumes")),
                    format!("volumes[{i}] uses `{kind}` but has no `name`; ECS requires one for this volume type"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_missing_task_and_container_fields() {
        let mut td = base();
        td.as_object_mut().unwrap().remove("family");
        td["containerDefinitions"][0].as_object_mut().unwrap().remove("name");
        td["containerDefinitions"][0]["image"] = json!("public.ecr.aws/nginx/nginx:1.27");
        td["containerDefinitions"].as_array_mut().unwrap().push(json!({"name": "side"}));
        let f = check_value(&MissingRequiredField, td);
        assert_eq!(f.len(), 3, "{f:#?}");
        let at = |p: &str| f.iter().find(|f| f.pointer == p).unwrap_or_else(|| panic!("no finding at {p}: {f:#?}"));
        assert!(at("").message.contains("Family can not be blank."));
        let name = at("/containerDefinitions/0");
        assert!(name.message.contains("Container.name should not be null or empty."));
        assert_eq!(
            name.fix.as_ref().unwrap().patch,
            json!([{"op": "add", "path": "/containerDefinitions/0/name", "value": "nginx"}])
        );
        let image = at("/containerDefinitions/1");
        assert_eq!(image.container.as_deref(), Some("side"));
        assert!(image.message.contains("Container.image"));
    }

    #[test]
    fn flags_sub_shape_members_and_blank_values() {
        let mut td = base();
        td["family"] = json!("");
        td["containerDefinitions"][0]["image"] = json!(" ");
        td["containerDefinitions"][0]["healthCheck"] = json!({"interval": 30});
        td["containerDefinitions"][0]["secrets"] = json!([{"name": "X"}]);
        td["containerDefinitions"][0]["ulimits"] = json!([{"name": "nofile", "softLimit": 1}]);
        td["volumes"] = json!([{"efsVolumeConfiguration": {"rootDirectory": "/"}}]);
        let f = check_value(&MissingRequiredField, td);
        let ptrs: Vec<&str> = f.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(
            ptrs,
            [
                "/containerDefinitions/0/healthCheck",
                "/containerDefinitions/0/secrets/0",
                "/containerDefinitions/0/ulimits/0",
                "/volumes/0/efsVolumeConfiguration",
                "/family",
                "/containerDefinitions/0/image",
                "/volumes/0",
            ]
        );
        assert!(f[0].message.contains("`healthCheck` is missing its required `command`"), "{}", f[0].message);
        assert!(f[1].message.contains("`valueFrom`"));
        assert!(f[3].message.contains("`fileSystemId`"));
    }

    #[test]
    fn clean_documents_pass() {
        assert!(check(&MissingRequiredField, SEED).is_empty());
        assert!(check_value(&MissingRequiredField, base()).is_empty());
        let wrapped = json!({"taskDefinition": {"family": "f", "containerDefinitions": [{"name": "a"}]}});
        let f = check_value(&MissingRequiredField, wrapped);
        assert_eq!(f[0].pointer, "/taskDefinition/containerDefinitions/0");
    }
}
