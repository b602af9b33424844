use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::model::{member, parse_cpu_units, Container, TaskDef};
use crate::rules::kit::{field, non_empty_array};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct FargatePlatformVersion;

pub static META: RuleMeta = RuleMeta {
    id: "FAR010",
    name: "fargate-platform-version-required",
    severity: Severity::Info,
    category: Category::Fargate,
    blocks_registration: false,
    summary: "Features that need a minimum Fargate (Linux) platform version",
    what: crate::rules::doc(
        "For Linux tasks on Fargate, reports the newest platform version the task definition's features \
           need, and which features those are:\n\n\
           | Linux PV | features |\n|---|---|\n\
           | 1.4.0 | `ephemeralStorage`, `environmentFiles`, `linuxParameters.capabilities.add`, `pidMode: task`, \
           `systemControls`, EFS volumes, cpu 8192/16384, `ARM64`, Secrets Manager JSON keys/versions in `secrets` |\n\
           | 1.3.0 | `dependsOn`, `startTimeout`, `stopTimeout`, `proxyConfiguration`, `secrets`, \
           `logConfiguration.secretOptions`, the `splunk` and `awsfirelens` log drivers |\n\
           | 1.2.0 | `repositoryCredentials` |\n| 1.1.0 | `healthCheck` |\n\n\
           Windows tasks are skipped (1.0.0 is their only version).",
    ),
    why: crate::rules::doc(
        "The platform version is chosen by the service or RunTask call, not the task definition, so ECS \
          registers the definition anyway. `LATEST` is 1.4.0, but a service pinned to an older \
          `platformVersion` (old IaC, copied CLI commands) fails to start the tasks or silently lacks the \
          feature.",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512",
  "ephemeralStorage": {"sizeInGiB": 50},
  "containerDefinitions": [{"name": "app", "image": "nginx"}]}"#,
    ),
    fix: crate::rules::doc(
        "Run the service or task with `platformVersion` `LATEST` (or at least the version reported), e.g. \
          `aws ecs update-service --cluster CLUSTER --service SERVICE --platform-version LATEST \
          --force-new-deployment`.",
    ),
    references: &[Reference { tool: "Security Hub", id: "ECS.10" }],
};

const VERSIONS: [&str; 4] = ["1.1.0", "1.2.0", "1.3.0", "1.4.0"];

/// Where a feature is used; turned into a pointer only for the finding's location.
#[derive(Clone, Copy)]
enum At {
    /// A task-level field.
    Task(&'static str),
    /// `runtimePlatform/cpuArchitecture`.
    Arch,
    /// `volumes/{i}/efsVolumeConfiguration`.
    Efs(usize),
    /// A container field.
    Field(&'static str),
    /// A member of a container field (`logConfiguration/logDriver` …).
    Sub(&'static str, &'static str),
    /// `secrets/{i}/valueFrom`.
    Secret(usize),
}

/// One feature use: platform version index into `VERSIONS`, feature label, container, location.
#[derive(Clone, Copy)]
struct Use<'t, 'a> {
    version: usize,
    feature: &'static str,
    container: Option<&'t Container<'a>>,
    at: At,
}

impl Use<'_, '_> {
    fn pointer(&self, td: &TaskDef<'_>) -> String {
        match (self.at, self.container) {
            (At::Task(field), _) => td.ptr(field),
            (At::Arch, _) => format!("{}/cpuArchitecture", td.ptr("runtimePlatform")),
            (At::Efs(i), _) => format!("{}/{i}/efsVolumeConfiguration", td.ptr("volumes")),
            (At::Field(field), Some(c)) => c.ptr(field),
            (At::Sub(field, sub), Some(c)) => format!("{}/{sub}", c.ptr(field)),
            (At::Secret(i), Some(c)) => format!("{}/{i}/valueFrom", c.ptr("secrets")),
            (_, None) => td.base.to_string(),
        }
    }
}

/// `a`, `a and b`, `a, b and c`, written into `out` (as `join_and`).
fn write_and<T>(out: &mut String, items: &[T], mut write: impl FnMut(&mut String, &T)) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == items.len() { " and " } else { ", " });
        }
        write(out, item);
    }
}

impl Rule for FargatePlatformVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.is_fargate() || td.is_windows() {
            return;
        }
        // The uses of the newest version needed, in order of appearance.
        let mut top: Vec<Use<'_, '_>> = Vec::with_capacity(16);
        collect(td, |u| {
            match top.first().map(|t| t.version) {
                Some(v) if u.version < v => return,
                Some(v) if u.version > v => top.clear(),
                _ => {}
            }
            top.push(u);
        });
        let Some(first) = top.first() else { return };
        let max = first.version;
        // Group by feature, in order of first appearance, with the containers that use it.
        let mut features: Vec<&'static str> = Vec::with_capacity(8);
        for u in &top {
            if !features.contains(&u.feature) {
                features.push(u.feature);
            }
        }
        let version = VERSIONS[max];
        let mut msg = String::with_capacity(256);
        msg.push_str("needs Fargate platform version ");
        msg.push_str(version);
        msg.push_str(" or later for ");
        let mut names: Vec<&Container<'_>> = Vec::with_capacity(top.len());
        write_and(&mut msg, &features, |msg, feature| {
            msg.push_str(feature);
            names.clear();
            names.extend(top.iter().filter(|v| v.feature == *feature).filter_map(|v| v.container));
            if !names.is_empty() {
                msg.push_str(" in ");
                write_and(msg, &names, |msg, c| {
                    use std::fmt::Write as _;
                    let _ = write!(msg, "{}", crate::rules::kit::Named(c));
                });
            }
        });
        msg.push_str(
            "; LATEST is 1.4.0, so only services or RunTask calls pinned to an older platformVersion are affected",
        );
        let mut f = Finding::new(&META, first.pointer(td), msg).with_fix_from(cx, || {
            Fix::advice(format!("Run this task definition with platformVersion LATEST (or {version} or later)"))
        });
        if let Some(c) = first.container {
            f = f.in_container(c);
        }
        out.push(f);
    }
}

fn collect<'t, 'a>(td: &'t TaskDef<'a>, mut found: impl FnMut(Use<'t, 'a>)) {
    const V110: usize = 0;
    const V120: usize = 1;
    const V130: usize = 2;
    const V140: usize = 3;
    let mut task = |version, feature, at| found(Use { version, feature, container: None, at });
    if td.get("ephemeralStorage").is_some_and(Value::is_object) {
        task(V140, "ephemeralStorage", At::Task("ephemeralStorage"));
    }
    if td.get("pidMode").and_then(Value::as_str) == Some("task") {
        task(V140, "pidMode task", At::Task("pidMode"));
    }
    if matches!(td.get("cpu").and_then(parse_cpu_units), Some(8192 | 16384)) {
        task(V140, "cpu 8192/16384", At::Task("cpu"));
    }
    if td.get("runtimePlatform").and_then(|r| field(r, "cpuArchitecture")).and_then(Value::as_str) == Some("ARM64") {
        task(V140, "ARM64", At::Arch);
    }
    let volumes = td.get("volumes").and_then(Value::as_array).into_iter().flatten();
    for (i, vol) in volumes.enumerate() {
        if vol.as_object().and_then(|v| member(v, "efsVolumeConfiguration")).is_some_and(Value::is_object) {
            task(V140, "EFS volumes", At::Efs(i));
        }
    }
    if td.get("proxyConfiguration").is_some_and(Value::is_object) {
        task(V130, "proxyConfiguration", At::Task("proxyConfiguration"));
    }
    for c in &td.containers {
        let mut add = |version, feature, at| found(Use { version, feature, container: Some(c), at });
        // The container's members, picked out in one pass.
        let mut env_files = false;
        let mut caps_add = false;
        let mut sysctls = false;
        let mut secrets = false;
        let mut depends = false;
        let mut start_timeout = false;
        let mut stop_timeout = false;
        let mut log_config = None;
        let mut repo_creds = false;
        for (k, v) in c.obj {
            match k.as_str() {
                "environmentFiles" => env_files = non_empty_array(v),
                "linuxParameters" => {
                    caps_add = v
                        .as_object()
                        .and_then(|lp| member(lp, "capabilities"))
                        .and_then(Value::as_object)
                        .and_then(|k| member(k, "add"))
                        .is_some_and(non_empty_array)
                }
                "systemControls" => sysctls = non_empty_array(v),
                "secrets" => secrets = non_empty_array(v),
                "dependsOn" => depends = non_empty_array(v),
                "startTimeout" => start_timeout = v.is_number(),
                "stopTimeout" => stop_timeout = v.is_number(),
                "logConfiguration" => log_config = v.as_object(),
                "repositoryCredentials" => repo_creds = v.is_object(),
                _ => {}
            }
        }
        if env_files {
            add(V140, "environmentFiles", At::Field("environmentFiles"));
        }
        if caps_add {
            add(V140, "capabilities.add", At::Sub("linuxParameters", "capabilities/add"));
        }
        if sysctls {
            add(V140, "systemControls", At::Field("systemControls"));
        }
        if let Some(s) = c.secrets().find(|s| is_versioned_secret(s.value)) {
            add(V140, "Secrets Manager JSON keys", At::Secret(s.index));
        } else if secrets {
            add(V130, "secrets", At::Field("secrets"));
        }
        if depends {
            add(V130, "dependsOn", At::Field("dependsOn"));
        }
        if start_timeout {
            add(V130, "startTimeout", At::Field("startTimeout"));
        }
        if stop_timeout {
            add(V130, "stopTimeout", At::Field("stopTimeout"));
        }
        if let Some(log) = log_config {
            if let Some(driver @ ("splunk" | "awsfirelens")) = member(log, "logDriver").and_then(Value::as_str) {
                let feature = if driver == "splunk" { "the splunk log driver" } else { "FireLens" };
                add(V130, feature, At::Sub("logConfiguration", "logDriver"));
            }
            if member(log, "secretOptions").is_some_and(non_empty_array) {
                add(V130, "log secretOptions", At::Sub("logConfiguration", "secretOptions"));
            }
        }
        if repo_creds {
            add(V120, "repositoryCredentials", At::Field("repositoryCredentials"));
        }
        if c.has_health_check() {
            add(V110, "healthCheck", At::Field("healthCheck"));
        }
    }
}

/// `arn:aws:secretsmanager:region:account:secret:name:json-key:stage:id` with anything after the name.
fn is_versioned_secret(value_from: &str) -> bool {
    let mut parts = value_from.split(':');
    if parts.nth(2) != Some("secretsmanager") {
        return false;
    }
    // region, account, "secret", name, then the optional fields.
    let rest: usize = parts.skip(4).map(|p| usize::from(!p.is_empty())).sum();
    rest > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn seed_needs_1_4_0_for_sys_ptrace() {
        let f = check(&FargatePlatformVersion, SEED);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(!f[0].blocks_registration);
        assert!(f[0].message.contains("platform version 1.4.0"), "{}", f[0].message);
        assert!(f[0].message.contains("capabilities.add in container `my-app-repo`"), "{}", f[0].message);
        assert_eq!(f[0].pointer, "/containerDefinitions/2/linuxParameters/capabilities/add");
        assert_eq!(f[0].container.as_deref(), Some("my-app-repo"));
    }

    #[test]
    fn plain_task_is_silent() {
        assert!(check_value(&FargatePlatformVersion, base()).is_empty());
    }

    #[test]
    fn reports_the_newest_version_only() {
        let mut td = base();
        td["containerDefinitions"][0]["dependsOn"] = json!([{"containerName": "x", "condition": "START"}]);
        td["containerDefinitions"][0]["healthCheck"] = json!({"command": ["CMD", "true"]});
        let f = check_value(&FargatePlatformVersion, json!({"taskDefinition": td}));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("1.3.0 or later for dependsOn in container `app`"), "{}", f[0].message);
        assert!(!f[0].message.contains("healthCheck"));
        assert_eq!(f[0].pointer, "/taskDefinition/containerDefinitions/0/dependsOn");
    }

    #[test]
    fn task_level_features() {
        let mut td = base();
        td["ephemeralStorage"] = json!({"sizeInGiB": 50});
        td["cpu"] = json!("8 vCPU");
        let f = check_value(&FargatePlatformVersion, td);
        assert!(f[0].message.contains("ephemeralStorage and cpu 8192/16384"), "{}", f[0].message);
        assert_eq!(f[0].pointer, "/ephemeralStorage");
    }

    #[test]
    fn secrets_versions() {
        assert!(is_versioned_secret("arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf:password::"));
        assert!(!is_versioned_secret("arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf"));
        assert!(!is_versioned_secret("arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf:::"));
        assert!(!is_versioned_secret("arn:aws:ssm:us-east-1:1:parameter/a:b:c"));
        let mut td = base();
        td["containerDefinitions"][0]["secrets"] =
            json!([{"name": "P", "valueFrom": "arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf:password::"}]);
        let f = check_value(&FargatePlatformVersion, td);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/secrets/0/valueFrom");
        assert!(!f[0].message.contains("password"), "no secret-ish content beyond the feature name");
    }

    #[test]
    fn windows_ec2_and_wrong_types() {
        let mut td = base();
        td["ephemeralStorage"] = json!({"sizeInGiB": 50});
        td["runtimePlatform"] = json!({"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"});
        assert!(check_value(&FargatePlatformVersion, td).is_empty());
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["ephemeralStorage"] = json!({"sizeInGiB": 50});
        assert!(check_value(&FargatePlatformVersion, td).is_empty());
        let mut td = base();
        td["ephemeralStorage"] = json!(3);
        td["runtimePlatform"] = json!([]);
        td["containerDefinitions"][0]["secrets"] = json!("s");
        td["containerDefinitions"][0]["stopTimeout"] = json!("30");
        assert!(check_value(&FargatePlatformVersion, td).is_empty());
    }
}
