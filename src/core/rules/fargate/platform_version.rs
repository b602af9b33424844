use serde_json::Value;

use super::common::join_and;
use crate::core::finding::{Finding, Fix};
use crate::core::model::TaskDef;
use crate::core::rules::{Context, Reference, Rule, RuleMeta};
use crate::core::{Category, Severity};

pub struct FargatePlatformVersion;

pub static META: RuleMeta = RuleMeta {
    id: "FAR010",
    name: "fargate-platform-version-required",
    severity: Severity::Info,
    category: Category::Fargate,
    blocks_registration: false,
    summary: "Features that need a minimum Fargate (Linux) platform version",
    what: "For Linux tasks on Fargate, reports the newest platform version the task definition's features \
           need, and which features those are:\n\n\
           | Linux PV | features |\n|---|---|\n\
           | 1.4.0 | `ephemeralStorage`, `environmentFiles`, `linuxParameters.capabilities.add`, `pidMode: task`, \
           `systemControls`, EFS volumes, cpu 8192/16384, `ARM64`, Secrets Manager JSON keys/versions in `secrets` |\n\
           | 1.3.0 | `dependsOn`, `startTimeout`, `stopTimeout`, `proxyConfiguration`, `secrets`, \
           `logConfiguration.secretOptions`, the `splunk` and `awsfirelens` log drivers |\n\
           | 1.2.0 | `repositoryCredentials` |\n| 1.1.0 | `healthCheck` |\n\n\
           Windows tasks are skipped (1.0.0 is their only version).",
    why: "The platform version is chosen by the service or RunTask call, not the task definition, so ECS \
          registers the definition anyway. `LATEST` is 1.4.0, but a service pinned to an older \
          `platformVersion` (old IaC, copied CLI commands) fails to start the tasks or silently lacks the \
          feature.",
    example: r#"{"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512",
  "ephemeralStorage": {"sizeInGiB": 50},
  "containerDefinitions": [{"name": "app", "image": "nginx"}]}"#,
    fix: "Run the service or task with `platformVersion` `LATEST` (or at least the version reported), e.g. \
          `aws ecs update-service --cluster CLUSTER --service SERVICE --platform-version LATEST \
          --force-new-deployment`.",
    references: &[Reference { tool: "Security Hub", id: "ECS.10" }],
};

const VERSIONS: [&str; 4] = ["1.1.0", "1.2.0", "1.3.0", "1.4.0"];

/// One feature use: platform version index into `VERSIONS`, feature label, container, pointer.
struct Use {
    version: usize,
    feature: &'static str,
    container: Option<usize>,
    pointer: String,
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
        let uses = collect(td);
        let Some(max) = uses.iter().map(|u| u.version).max() else { return };
        let top: Vec<&Use> = uses.iter().filter(|u| u.version == max).collect();
        // Group by feature, in order of first appearance, with the containers that use it.
        let mut parts: Vec<String> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for u in &top {
            if seen.contains(&u.feature) {
                continue;
            }
            seen.push(u.feature);
            let names: Vec<String> = top
                .iter()
                .filter(|v| v.feature == u.feature)
                .filter_map(|v| v.container.and_then(|i| td.containers.iter().find(|c| c.index == i)))
                .map(|c| format!("'{}'", c.label()))
                .collect();
            parts.push(if names.is_empty() {
                u.feature.to_string()
            } else {
                format!("{} in {}", u.feature, join_and(&names))
            });
        }
        let version = VERSIONS[max];
        let msg = format!(
            "needs Fargate platform version {version} or later for {}; LATEST is 1.4.0, so only services or \
             RunTask calls pinned to an older platformVersion are affected",
            join_and(&parts)
        );
        let mut f = Finding::new(&META, top[0].pointer.clone(), msg).with_fix_from(cx, || Fix::advice(format!(
            "Run this task definition with platformVersion LATEST (or {version} or later)"
        )));
        if let Some(c) = top[0].container.and_then(|i| td.containers.iter().find(|c| c.index == i)) {
            f = f.in_container(c);
        }
        out.push(f);
    }
}

fn collect(td: &TaskDef<'_>) -> Vec<Use> {
    const V110: usize = 0;
    const V120: usize = 1;
    const V130: usize = 2;
    const V140: usize = 3;
    let mut uses = Vec::new();
    let mut task = |version, feature, pointer: String| uses.push(Use { version, feature, container: None, pointer });
    if td.get("ephemeralStorage").is_some_and(Value::is_object) {
        task(V140, "ephemeralStorage", td.ptr("ephemeralStorage"));
    }
    if td.get("pidMode").and_then(Value::as_str) == Some("task") {
        task(V140, "pidMode task", td.ptr("pidMode"));
    }
    if matches!(td.cpu_units(), Some(8192 | 16384)) {
        task(V140, "cpu 8192/16384", td.ptr("cpu"));
    }
    if td.get("runtimePlatform").and_then(|r| r.get("cpuArchitecture")).and_then(Value::as_str) == Some("ARM64") {
        task(V140, "ARM64", format!("{}/cpuArchitecture", td.ptr("runtimePlatform")));
    }
    for (i, vol) in td.volumes() {
        if vol.get("efsVolumeConfiguration").is_some_and(Value::is_object) {
            task(V140, "EFS volumes", format!("{}/{i}/efsVolumeConfiguration", td.ptr("volumes")));
        }
    }
    if td.get("proxyConfiguration").is_some_and(Value::is_object) {
        task(V130, "proxyConfiguration", td.ptr("proxyConfiguration"));
    }
    for c in &td.containers {
        let mut add =
            |version, feature, pointer: String| uses.push(Use { version, feature, container: Some(c.index), pointer });
        if c.get("environmentFiles").is_some_and(non_empty_array) {
            add(V140, "environmentFiles", c.ptr("environmentFiles"));
        }
        let caps_add = c.get("linuxParameters").and_then(|lp| lp.get("capabilities")).and_then(|k| k.get("add"));
        if caps_add.is_some_and(non_empty_array) {
            add(V140, "capabilities.add", format!("{}/capabilities/add", c.ptr("linuxParameters")));
        }
        if c.get("systemControls").is_some_and(non_empty_array) {
            add(V140, "systemControls", c.ptr("systemControls"));
        }
        if let Some(s) = c.secrets().find(|s| is_versioned_secret(s.value)) {
            add(V140, "Secrets Manager JSON keys", format!("{}/{}/valueFrom", c.ptr("secrets"), s.index));
        } else if c.get("secrets").is_some_and(non_empty_array) {
            add(V130, "secrets", c.ptr("secrets"));
        }
        if c.get("dependsOn").is_some_and(non_empty_array) {
            add(V130, "dependsOn", c.ptr("dependsOn"));
        }
        for field in ["startTimeout", "stopTimeout"] {
            if c.get(field).is_some_and(Value::is_number) {
                add(V130, field, c.ptr(field));
            }
        }
        if let Some(driver @ ("splunk" | "awsfirelens")) = c.log_driver() {
            let feature = if driver == "splunk" { "the splunk log driver" } else { "FireLens" };
            add(V130, feature, format!("{}/logDriver", c.ptr("logConfiguration")));
        }
        if c.get("logConfiguration").and_then(|l| l.get("secretOptions")).is_some_and(non_empty_array) {
            add(V130, "log secretOptions", format!("{}/secretOptions", c.ptr("logConfiguration")));
        }
        if c.get("repositoryCredentials").is_some_and(Value::is_object) {
            add(V120, "repositoryCredentials", c.ptr("repositoryCredentials"));
        }
        if c.has_health_check() {
            add(V110, "healthCheck", c.ptr("healthCheck"));
        }
    }
    uses
}

fn non_empty_array(v: &Value) -> bool {
    v.as_array().is_some_and(|a| !a.is_empty())
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
    use crate::core::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn seed_needs_1_4_0_for_sys_ptrace() {
        let f = check(&FargatePlatformVersion, SEED);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(!f[0].blocks_registration);
        assert!(f[0].message.contains("platform version 1.4.0"), "{}", f[0].message);
        assert!(f[0].message.contains("capabilities.add in 'my-app-repo'"), "{}", f[0].message);
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
        assert!(f[0].message.contains("1.3.0 or later for dependsOn in 'app'"), "{}", f[0].message);
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
