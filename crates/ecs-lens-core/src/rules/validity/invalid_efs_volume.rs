use serde_json::{json, Value};

use crate::finding::{Finding, Fix};
use crate::model::member;
use crate::rules::kit::str_field;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct InvalidEfsVolume;

pub static META: RuleMeta = RuleMeta {
    id: "VAL031",
    name: "invalid-efs-volume",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary:
        "EFS IAM authorization or an access point without transit encryption, or an access point with a root directory",
    what: crate::rules::doc(
        "For `efsVolumeConfiguration`: `transitEncryption` must be `ENABLED` when `authorizationConfig.iam` is \
           `ENABLED` or an `accessPointId` is used, and with an access point `rootDirectory` must be omitted or \
           `/`. For `s3filesVolumeConfiguration`: with an `accessPointArn`, `rootDirectory` must be omitted or `/`.",
    ),
    why: crate::rules::doc(
        "The ECS API requires it: IAM authorization and access points ride on the TLS connection, and the \
          access point already fixes the directory the volume exposes. ECS rejects the volume otherwise.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "volumes": [{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-12345678", "rootDirectory": "/data", "authorizationConfig": {"accessPointId": "fsap-1234567890abcdef0", "iam": "ENABLED"}}}], "containerDefinitions": [{"name": "app", "image": "nginx"}]}"#,
    ),
    fix: crate::rules::doc(
        "Set `transitEncryption` to `ENABLED` and drop `rootDirectory` when you use an access point (the fix \
          does both); put the directory in the access point's own root instead.",
    ),
    references: &[Reference { tool: "AWS", id: "ECS API EFSVolumeConfiguration" }],
};

impl Rule for InvalidEfsVolume {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let root_ok = |cfg: &serde_json::Map<String, Value>| match member(cfg, "rootDirectory").and_then(Value::as_str)
        {
            None => true,
            Some(r) => r.is_empty() || r == "/",
        };
        for (i, v) in td.volumes() {
            if let Some(efs) = member(v, "efsVolumeConfiguration").and_then(Value::as_object) {
                let base = || format!("{}/{i}/efsVolumeConfiguration", td.ptr("volumes"));
                let auth = member(efs, "authorizationConfig");
                let iam = auth.and_then(|a| str_field(a, "iam")) == Some("ENABLED");
                let access_point = auth.and_then(|a| str_field(a, "accessPointId")).is_some_and(|s| !s.is_empty());
                let transit = member(efs, "transitEncryption");
                let encrypted = transit.and_then(Value::as_str) == Some("ENABLED");
                if (iam || access_point) && !encrypted {
                    let base = base();
                    let why = if iam { "IAM authorization" } else { "an access point" };
                    let op = if transit.is_some() { "replace" } else { "add" };
                    let pointer = format!("{base}/transitEncryption");
                    out.push(
                        Finding::new(
                            &META,
                            if op == "replace" { pointer.clone() } else { base.clone() },
                            format!(
                                "EFS volume `{}` uses {why} but `transitEncryption` is not `ENABLED`",
                                volume_name(v, i)
                            ),
                        )
                        .with_fix_from(cx, || {
                            Fix::patch(
                                "Enable transit encryption",
                                json!([{"op": op, "path": pointer, "value": "ENABLED"}]),
                            )
                            .safe()
                        }),
                    );
                }
                if access_point && !root_ok(efs) {
                    let pointer = format!("{}/rootDirectory", base());
                    out.push(
                        Finding::new(
                            &META,
                            pointer.clone(),
                            format!(
                                "EFS volume `{}` uses an access point, so `rootDirectory` must be omitted or `/`",
                                volume_name(v, i)
                            ),
                        )
                        .with_fix_from(cx, || {
                            Fix::patch("Remove `rootDirectory`", json!([{"op": "remove", "path": pointer}])).safe()
                        }),
                    );
                }
            }
            if let Some(s3) = member(v, "s3filesVolumeConfiguration").and_then(Value::as_object) {
                let has_ap = member(s3, "accessPointArn").and_then(Value::as_str).is_some_and(|s| !s.is_empty());
                if has_ap && !root_ok(s3) {
                    let pointer = format!("{}/{i}/s3filesVolumeConfiguration/rootDirectory", td.ptr("volumes"));
                    out.push(
                        Finding::new(
                            &META,
                            pointer.clone(),
                            format!(
                                "S3 Files volume `{}` uses an access point, so `rootDirectory` must be omitted or `/`",
                                volume_name(v, i)
                            ),
                        )
                        .with_fix_from(cx, || {
                            Fix::patch("Remove `rootDirectory`", json!([{"op": "remove", "path": pointer}])).safe()
                        }),
                    );
                }
            }
        }
    }
}

fn volume_name(v: &serde_json::Map<String, Value>, i: usize) -> String {
    member(v, "name").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| format!("volumes[{i}]"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_unencrypted_iam_and_access_point_root() {
        let mut td = base();
        td["volumes"] = json!([{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "rootDirectory": "/data",
            "authorizationConfig": {"accessPointId": "fsap-1", "iam": "ENABLED"}}}]);
        let f = check_value(&InvalidEfsVolume, td);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].pointer, "/volumes/0/efsVolumeConfiguration");
        assert_eq!(
            f[0].fix.as_ref().unwrap().patch,
            json!([{"op": "add", "path": "/volumes/0/efsVolumeConfiguration/transitEncryption", "value": "ENABLED"}])
        );
        assert_eq!(f[1].pointer, "/volumes/0/efsVolumeConfiguration/rootDirectory");
    }

    #[test]
    fn flags_disabled_encryption_and_s3files_root() {
        let mut td = base();
        td["volumes"] = json!([
            {"name": "a", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryption": "DISABLED", "authorizationConfig": {"iam": "ENABLED"}}},
            {"name": "b", "s3filesVolumeConfiguration": {"fileSystemArn": "arn:x", "accessPointArn": "arn:y", "rootDirectory": "/x"}}
        ]);
        let f = check_value(&InvalidEfsVolume, td);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["op"], "replace");
        assert_eq!(f[1].pointer, "/volumes/1/s3filesVolumeConfiguration/rootDirectory");
    }

    #[test]
    fn proper_configurations_pass() {
        assert!(check(&InvalidEfsVolume, SEED).is_empty());
        let mut td = base();
        td["volumes"] = json!([{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "rootDirectory": "/",
            "transitEncryption": "ENABLED", "authorizationConfig": {"accessPointId": "fsap-1", "iam": "ENABLED"}}}]);
        assert!(check_value(&InvalidEfsVolume, td).is_empty());
    }
}
