use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::model::member;
use crate::rules::kit::{add, cat, one};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct EfsTransitEncryption;

pub static META: RuleMeta = RuleMeta {
    id: "HAR010",
    name: "efs-transit-encryption-disabled",
    severity: Severity::Medium,
    category: Category::Security,
    blocks_registration: false,
    summary: "An EFS volume is mounted without in-transit encryption",
    what: crate::rules::doc(
        "Flags every `volumes[].efsVolumeConfiguration` whose `transitEncryption` is not `ENABLED` (it \
           defaults to `DISABLED`).",
    ),
    why: crate::rules::doc(
        "Without TLS the NFS traffic between the task and the file system crosses the VPC in clear text. \
          Transit encryption is also required for EFS IAM authorization and access points.",
    ),
    example: crate::rules::doc(
        r#"{"volumes": [{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-0123456789abcdef0"}}],
 "containerDefinitions": [{"name": "app", "image": "app:1.2"}]}"#,
    ),
    fix: crate::rules::doc(
        "Set `\"transitEncryption\": \"ENABLED\"` on the volume (optionally with `transitEncryptionPort`).",
    ),
    references: &[
        Reference { tool: "Security Hub", id: "ECS.18" },
        Reference { tool: "Checkov", id: "CKV_AWS_97" },
        Reference { tool: "Trivy", id: "AVD-AWS-0035" },
    ],
};

impl Rule for EfsTransitEncryption {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        for (i, v) in td.volumes() {
            let Some(efs) = member(v, "efsVolumeConfiguration").and_then(Value::as_object) else { continue };
            let setting = member(efs, "transitEncryption");
            if setting.and_then(Value::as_str) == Some("ENABLED") {
                continue;
            }
            let base = format!("{}/volumes/{i}/efsVolumeConfiguration", td.base);
            let name = member(v, "name").and_then(Value::as_str).unwrap_or("(unnamed)");
            let fix_path = || cat(&[&base, "/transitEncryption"]);
            let pointer = if setting.is_some() { fix_path() } else { base.clone() };
            out.push(
                Finding::new(
                    &META,
                    pointer,
                    cat(&[
                        "EFS volume `",
                        name,
                        "` is mounted without in-transit encryption (`transitEncryption` is not ENABLED)",
                    ]),
                )
                .with_fix_from(cx, || {
                    Fix::patch(cat(&["Enable TLS for EFS volume `", name, "`"]), one(add(fix_path(), "ENABLED")))
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kit::test_support::apply_fix;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn td(efs: Value) -> Value {
        let mut td = base();
        td["volumes"] = json!([{"name": "scratch", "host": {}}, {"name": "data", "efsVolumeConfiguration": efs}]);
        td
    }

    #[test]
    fn flags_absent_and_disabled() {
        for efs in [json!({"fileSystemId": "fs-1"}), json!({"fileSystemId": "fs-1", "transitEncryption": "DISABLED"})] {
            let doc = td(efs);
            let f = check_value(&EfsTransitEncryption, doc.clone());
            assert_eq!(f.len(), 1);
            assert!(f[0].pointer.starts_with("/volumes/1/efsVolumeConfiguration"));
            assert!(check_value(&EfsTransitEncryption, apply_fix(&doc, &f[0])).is_empty());
        }
    }

    #[test]
    fn passes_enabled_and_the_seed() {
        assert!(check_value(
            &EfsTransitEncryption,
            td(json!({"fileSystemId": "fs-1", "transitEncryption": "ENABLED"}))
        )
        .is_empty());
        assert!(check(&EfsTransitEncryption, SEED).is_empty());
    }
}
