use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::rules::kit::named;
use crate::rules::kit::{is_set, remove, set, show};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct FargateWindows;

pub static META: RuleMeta = RuleMeta {
    id: "FAR008",
    name: "fargate-windows-unsupported",
    severity: Severity::High,
    category: Category::Fargate,
    blocks_registration: true,
    summary: "Setting that Windows containers on Fargate do not support",
    what: crate::rules::doc(
        "When `requiresCompatibilities` contains `FARGATE` and `runtimePlatform.operatingSystemFamily` is a \
           Windows family, flags:\n\n\
           - `cpuArchitecture` other than `X86_64`\n\
           - an `operatingSystemFamily` Fargate does not document (only Windows Server 2019 and 2022, Full and \
             Core, are; 2025 is reported as unconfirmed)\n\
           - `pidMode`, `proxyConfiguration` (App Mesh)\n\
           - EFS and FSx for Windows File Server volumes\n\
           - FireLens (`firelensConfiguration`, the `awsfirelens` log driver)\n\
           - Linux-only container settings: `linuxParameters`, `ulimits`, `systemControls`\n\
           - `containerPort` 3150, which Fargate reserves on Windows\n\n\
           Task sizes (Windows needs 1, 2 or 4 vCPU) are checked by FAR001.",
    ),
    why: crate::rules::doc(
        "Windows on Fargate runs on x86-64 hosts only and lacks several Linux features. ECS rejects these \
          settings at registration or the task fails when it starts.",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "1024", "memory": "2048",
  "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "ARM64"},
  "containerDefinitions": [{"name": "app", "image": "mcr.microsoft.com/windows/servercore/iis",
    "linuxParameters": {"initProcessEnabled": true}}]}"#,
    ),
    fix: crate::rules::doc(
        "Set `cpuArchitecture` to `X86_64`, drop the Linux-only settings, and use `awslogs` for logs. \
          Workloads that need EFS, FSx, App Mesh or FireLens must run on Linux or on EC2 Windows instances.",
    ),
    references: &[],
};

const FARGATE_WINDOWS: &[&str] =
    &["WINDOWS_SERVER_2019_FULL", "WINDOWS_SERVER_2019_CORE", "WINDOWS_SERVER_2022_FULL", "WINDOWS_SERVER_2022_CORE"];

impl Rule for FargateWindows {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.is_fargate() || !td.is_windows() {
            return;
        }
        let os = td.os_family();
        let rp = td.ptr("runtimePlatform");
        let rp_obj = td.get("runtimePlatform");

        if let Some(arch) = rp_obj.and_then(|r| r.get("cpuArchitecture")).filter(|v| !v.is_null()) {
            if arch.as_str() != Some("X86_64") {
                let pointer = format!("{rp}/cpuArchitecture");
                let msg =
                    format!("cpuArchitecture is {}: Windows containers on Fargate run on X86_64 only", show(arch));
                out.push(Finding::new(&META, pointer.clone(), msg).with_fix_from(cx, || {
                    Fix::patch("Set cpuArchitecture to \"X86_64\"", set(&pointer, true, "X86_64".into())).safe()
                }));
            }
        }
        if !FARGATE_WINDOWS.contains(&os) {
            let doubt = if os.starts_with("WINDOWS_SERVER_2025") {
                "Fargate support for it is not documented"
            } else {
                "Fargate does not offer it"
            };
            let msg = format!(
                "operatingSystemFamily {os}: {doubt}; Windows on Fargate documents WINDOWS_SERVER_2019_FULL/CORE \
                 and WINDOWS_SERVER_2022_FULL/CORE"
            );
            let mut f = Finding::new(&META, format!("{rp}/operatingSystemFamily"), msg)
                .with_fix_from(cx, || Fix::advice("Use WINDOWS_SERVER_2022_CORE or WINDOWS_SERVER_2022_FULL (or 2019)"))
                .with_severity(Severity::Medium);
            f.blocks_registration = false;
            out.push(f);
        }
        if td.get("pidMode").and_then(Value::as_str) == Some("task") {
            let pointer = td.ptr("pidMode");
            out.push(
                Finding::new(&META, pointer.clone(), "pidMode is not supported for Windows containers on Fargate")
                    .with_fix_from(cx, || Fix::patch("Remove pidMode", remove(&pointer)).safe()),
            );
        }
        if td.get("proxyConfiguration").is_some_and(is_set) {
            let pointer = td.ptr("proxyConfiguration");
            out.push(
                Finding::new(
                    &META,
                    pointer.clone(),
                    "proxyConfiguration (App Mesh) is not supported for Windows containers on Fargate",
                )
                .with_fix_from(cx, || Fix::patch("Remove proxyConfiguration", remove(&pointer)).safe()),
            );
        }
        for (i, vol) in td.volumes() {
            for (field, what) in
                [("efsVolumeConfiguration", "EFS"), ("fsxWindowsFileServerVolumeConfiguration", "FSx for Windows")]
            {
                if vol.get(field).is_some_and(is_set) {
                    let name = vol.get("name").and_then(Value::as_str).unwrap_or("?");
                    let msg =
                        format!("volume '{name}' is an {what} volume, which Windows tasks on Fargate cannot mount");
                    out.push(Finding::new(&META, format!("{}/{i}/{field}", td.ptr("volumes")), msg).with_fix_from(
                        cx,
                        || {
                            Fix::advice(format!(
                        "Windows on Fargate has no {what} support: run the task on EC2 Windows instances, or keep the \
                         data elsewhere (S3, a database)"
                    ))
                        },
                    ));
                }
            }
        }
        for c in &td.containers {
            for field in ["linuxParameters", "ulimits", "systemControls"] {
                let Some(v) = c.get(field) else { continue };
                if !is_set(v) || v.as_object().is_some_and(|o| o.is_empty()) {
                    continue;
                }
                let pointer = c.ptr(field);
                let msg = format!("{} sets {field}, which is Linux-only and not supported on Windows", named(c));
                out.push(Finding::new(&META, pointer.clone(), msg).in_container(c).with_fix_from(cx, || {
                    Fix::patch(format!("Remove {field} from {}", named(c)), remove(&pointer)).safe()
                }));
            }
            if c.get("firelensConfiguration").is_some_and(is_set) {
                let msg =
                    format!("{} is a FireLens log router; FireLens is not supported on Windows Fargate", named(c));
                out.push(
                    Finding::new(&META, c.ptr("firelensConfiguration"), msg).in_container(c).with_fix_from(cx, || {
                        Fix::advice("Send logs with the awslogs driver instead of a FireLens router")
                    }),
                );
            }
            if c.log_driver() == Some("awsfirelens") {
                let msg = format!("{} logs with awsfirelens; FireLens is not supported on Windows Fargate", named(c));
                let pointer = format!("{}/logDriver", c.ptr("logConfiguration"));
                out.push(
                    Finding::new(&META, pointer, msg)
                        .in_container(c)
                        .with_fix_from(cx, || Fix::advice("Use the awslogs log driver")),
                );
            }
            let Some(ports) = c.get("portMappings").and_then(Value::as_array) else { continue };
            for (i, pm) in ports.iter().enumerate() {
                if pm.get("containerPort").and_then(Value::as_u64) == Some(3150) {
                    let msg = format!("{} maps containerPort 3150, which Fargate reserves on Windows", named(c));
                    let mut f = Finding::new(&META, format!("{}/{i}/containerPort", c.ptr("portMappings")), msg)
                        .in_container(c)
                        .with_fix_from(cx, || Fix::advice("Listen on another port"))
                        .with_severity(Severity::Medium);
                    f.blocks_registration = false;
                    out.push(f);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn windows() -> Value {
        let mut td = base();
        td["cpu"] = json!("1024");
        td["memory"] = json!("2048");
        td["runtimePlatform"] =
            json!({"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "X86_64"});
        td
    }

    #[test]
    fn linux_and_clean_windows_pass() {
        assert!(check(&FargateWindows, SEED).is_empty());
        let mut td = base();
        td["runtimePlatform"] = json!({"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"});
        td["containerDefinitions"][0]["linuxParameters"] = json!({"initProcessEnabled": true});
        assert!(check_value(&FargateWindows, td).is_empty());
        let mut td = windows();
        td["containerDefinitions"][0]["systemControls"] = json!([]);
        td["containerDefinitions"][0]["linuxParameters"] = json!({});
        assert!(check_value(&FargateWindows, td).is_empty());
    }

    #[test]
    fn arm64_is_flagged() {
        let mut td = windows();
        td["runtimePlatform"]["cpuArchitecture"] = json!("ARM64");
        let f = check_value(&FargateWindows, json!({"taskDefinition": td}));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/taskDefinition/runtimePlatform/cpuArchitecture");
        assert_eq!(
            f[0].fix.as_ref().unwrap().patch,
            json!([{"op": "replace", "path": "/taskDefinition/runtimePlatform/cpuArchitecture", "value": "X86_64"}])
        );
    }

    #[test]
    fn unsupported_features() {
        let mut td = windows();
        td["runtimePlatform"]["operatingSystemFamily"] = json!("WINDOWS_SERVER_2025_CORE");
        td["pidMode"] = json!("task");
        td["proxyConfiguration"] = json!({"type": "APPMESH", "containerName": "envoy"});
        td["volumes"] = json!([{"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}]);
        let c = &mut td["containerDefinitions"][0];
        c["linuxParameters"] = json!({"initProcessEnabled": true});
        c["ulimits"] = json!([{"name": "nofile", "softLimit": 1, "hardLimit": 2}]);
        c["firelensConfiguration"] = json!({"type": "fluentbit"});
        c["logConfiguration"] = json!({"logDriver": "awsfirelens"});
        c["portMappings"] = json!([{"containerPort": 3150}]);
        let f = check_value(&FargateWindows, td);
        let pointers: Vec<&str> = f.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/runtimePlatform/operatingSystemFamily",
                "/pidMode",
                "/proxyConfiguration",
                "/volumes/0/efsVolumeConfiguration",
                "/containerDefinitions/0/linuxParameters",
                "/containerDefinitions/0/ulimits",
                "/containerDefinitions/0/firelensConfiguration",
                "/containerDefinitions/0/logConfiguration/logDriver",
                "/containerDefinitions/0/portMappings/0/containerPort",
            ]
        );
        assert!(!f[0].blocks_registration && f[0].severity == Severity::Medium);
        assert!(f[1].blocks_registration);
        assert!(f[0].message.contains("not documented"));
    }

    #[test]
    fn ec2_windows_and_wrong_types() {
        let mut td = windows();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["runtimePlatform"]["cpuArchitecture"] = json!("ARM64");
        assert!(check_value(&FargateWindows, td).is_empty());
        let mut td = windows();
        td["runtimePlatform"]["cpuArchitecture"] = json!(64);
        td["volumes"] = json!("x");
        td["containerDefinitions"][0]["portMappings"] = json!([3150, {"containerPort": "3150"}]);
        td["containerDefinitions"][0]["ulimits"] = json!(null);
        let f = check_value(&FargateWindows, td);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/runtimePlatform/cpuArchitecture");
    }
}
