use serde_json::Value;

use super::detect::Kind;
use super::places::PlaceContext;
use crate::finding::{Finding, Fix};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::schema::Seg;
use crate::Category;
use crate::Severity;

pub struct SecretInVolumeDriverOptions;

pub static META: RuleMeta = RuleMeta {
    id: "SEC007",
    name: "secret-in-volume-driver-options",
    severity: Severity::Critical,
    category: Category::Secrets,
    blocks_registration: false,
    summary: "A credential in a Docker volume's `driverOpts` (e.g. a CIFS/SMB mount password)",
    what: crate::rules::doc(
        "Checks `volumes[].dockerVolumeConfiguration.driverOpts` with the same detector as SEC001, including \
           `password=…` inside mount option strings such as `\"o\": \"addr=…,username=…,password=…\"`.",
    ),
    why: crate::rules::doc(
        "Driver options are stored in plaintext in the task definition and passed to the Docker volume driver as \
          they are; anyone allowed `ecs:DescribeTaskDefinition` can read the mount password.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "app", "image": "nginx"}], "volumes": [{"name": "share",
  "dockerVolumeConfiguration": {"scope": "task", "driver": "local",
    "driverOpts": {"type": "cifs", "device": "//fs.internal/share", "o": "addr=fs.internal,username=svc,password=Hunter2Hunter2"}}}]}"#,
    ),
    fix: crate::rules::doc(
        "Do not put mount credentials in `driverOpts`. Use Amazon EFS with IAM authorization, FSx for Windows File \
          Server volumes (`fsxWindowsFileServerVolumeConfiguration.authorizationConfig.credentialsParameter` takes a \
          Secrets Manager ARN), or a volume plugin that reads credentials from a file or secret store.",
    ),
    references: &[Reference { tool: "AWS", id: "DockerVolumeConfiguration.driverOpts" }],
};

impl Rule for SecretInVolumeDriverOptions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let volumes = cx.td.get("volumes").and_then(Value::as_array);
        for h in super::hits_of(cx, &META) {
            let (PlaceContext::MapEntry { key }, [_, Seg::Index(i), ..]) = (h.context, h.segs.as_slice()) else {
                continue;
            };
            let vol_name = volumes.and_then(|v| v.get(*i)).and_then(|v| v.get("name")).and_then(Value::as_str);
            let (d, pointer) = (h.detection, h.pointer.clone());
            let name = vol_name.map_or_else(|| format!("volumes[{i}]"), str::to_string);
            let message = match d.kind {
                Kind::Credential => {
                    format!("driver option `{key}` of volume `{name}` holds {} in plaintext `driverOpts`", d.what)
                }
                Kind::Placeholder | Kind::Empty => format!(
                    "driver option `{key}` of volume `{name}` is a credential slot in plaintext `driverOpts` (a \
                     placeholder now, a leaked credential once someone fills it in)"
                ),
            };
            out.push(
                Finding::new(&META, pointer, message)
                    .with_severity(if d.is_credential() { Severity::Critical } else { Severity::High })
                    .with_fix_from(cx, || {
                        Fix::advice(
                            "Remove the credential from `driverOpts`: use EFS with IAM authorization, an FSx for \
                         Windows volume whose `credentialsParameter` is a Secrets Manager ARN, or a volume \
                         plugin that reads its credentials from a secret store.",
                        )
                    }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn with_opts(opts: Value) -> Value {
        let mut td = base();
        td["volumes"] = json!([{"name": "share", "dockerVolumeConfiguration": {"scope": "task", "driver": "local", "driverOpts": opts}}]);
        td
    }

    #[test]
    fn flags_mount_passwords() {
        let f = check_value(
            &SecretInVolumeDriverOptions,
            with_opts(
                json!({"type": "cifs", "device": "//fs/share", "o": "addr=fs,username=svc,password=Hunter2Hunter2,vers=3.0"}),
            ),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/volumes/0/dockerVolumeConfiguration/driverOpts/o");
        assert!(f[0].message.contains("volume `share`") && !f[0].message.contains("Hunter2"));
        let f = check_value(&SecretInVolumeDriverOptions, with_opts(json!({"password": "xxx"})));
        assert_eq!((f.len(), f[0].severity), (1, Severity::High));
    }

    #[test]
    fn negatives() {
        assert!(check(&SecretInVolumeDriverOptions, SEED).is_empty());
        let f = check_value(
            &SecretInVolumeDriverOptions,
            with_opts(json!({"type": "nfs", "device": ":/export", "o": "addr=10.0.0.1,nfsvers=4.1,rw", "size": 5})),
        );
        assert!(f.is_empty());
        assert!(check_value(&SecretInVolumeDriverOptions, with_opts(json!("password=x"))).is_empty());
    }
}
