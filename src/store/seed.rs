//! What the embedded store holds on first start: realistic task definitions, so the dashboard
//! has something to show (and diff) without an AWS account.
//!
//! - `Datadog` (the seed, tests/fixtures/seed/datadog-fastapi-taskdef.json) in three revisions,
//!   the first two derived from the seed itself so that they stay consistent with it:
//!   1. the app and the Datadog agent only (no CWS instrumentation, no migration runner),
//!      deregistered once revision 3 was out;
//!   2. adds the `migration-runner` container the app waits for;
//!   3. the seed as it is: adds CWS (`cws-instrumentation-init`, its volume, `SYS_PTRACE`).
//! - one revision of each other corpus shape (tests/fixtures/corpus): `storefront-web`
//!   (web-nginx, tagged), `orders-api` (FireLens), `legacy-worker` (EC2 bridge),
//!   `billing-cron` (a describe-wrapped document, registered as its register input, tagged)
//!   and `platform-api` (ten containers, tagged).

use serde_json::Value;

use crate::core::document::register_input;

/// The seed task definition (register-input shape).
pub const DATADOG: &str = include_str!("../../tests/fixtures/seed/datadog-fastapi-taskdef.json");
pub const WEB_NGINX: &str = include_str!("../../tests/fixtures/corpus/web-nginx.json");
pub const FIRELENS: &str = include_str!("../../tests/fixtures/corpus/firelens.json");
pub const EC2_BRIDGE: &str = include_str!("../../tests/fixtures/corpus/ec2-bridge.json");
pub const DESCRIBE_WRAPPED: &str = include_str!("../../tests/fixtures/corpus/describe-wrapped.json");
pub const TEN_CONTAINERS: &str = include_str!("../../tests/fixtures/corpus/ten-containers.json");

/// Every fixture the seed is made of, by file name (for round-trip tests).
pub const FIXTURES: &[(&str, &str)] = &[
    ("datadog-fastapi-taskdef.json", DATADOG),
    ("web-nginx.json", WEB_NGINX),
    ("firelens.json", FIRELENS),
    ("ec2-bridge.json", EC2_BRIDGE),
    ("describe-wrapped.json", DESCRIBE_WRAPPED),
    ("ten-containers.json", TEN_CONTAINERS),
];

/// The IAM user name the seed revisions are registered by (`arn:aws:iam::<account>:user/seed`).
pub const SEED_USER: &str = "seed";

/// One revision to register, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedRevision {
    /// A register input (`tags` inside).
    pub input: Value,
    /// RFC 3339, UTC.
    pub registered_at: &'static str,
    /// Set for a revision that is INACTIVE from the start.
    pub deregistered_at: Option<&'static str>,
}

/// The seed revisions in registration order (each family's revisions come out 1, 2, 3 …).
pub fn revisions() -> Result<Vec<SeedRevision>, String> {
    let datadog = parse("datadog-fastapi-taskdef.json", DATADOG)?;
    let datadog_2 = datadog_revision_2(&datadog);
    let datadog_1 = datadog_revision_1(&datadog);
    let rev = |input: Value, registered_at: &'static str| SeedRevision { input, registered_at, deregistered_at: None };
    Ok(vec![
        rev(parse("ec2-bridge.json", EC2_BRIDGE)?, "2026-08-04T10:15:00.000Z"),
        SeedRevision {
            input: datadog_1,
            registered_at: "2026-09-01T09:00:00.000Z",
            deregistered_at: Some("2026-10-08T07:30:00.000Z"),
        },
        rev(parse("web-nginx.json", WEB_NGINX)?, "2026-09-08T14:30:00.000Z"),
        rev(parse("describe-wrapped.json", DESCRIBE_WRAPPED)?, "2026-09-10T16:05:00.000Z"),
        rev(datadog_2, "2026-09-15T11:20:00.000Z"),
        rev(parse("firelens.json", FIRELENS)?, "2026-09-22T13:40:00.000Z"),
        rev(parse("ten-containers.json", TEN_CONTAINERS)?, "2026-10-01T10:00:00.000Z"),
        rev(datadog, "2026-10-07T08:45:00.000Z"),
    ])
}

/// A fixture as a register input (describe shapes are turned into one).
fn parse(name: &str, text: &str) -> Result<Value, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("seed fixture {name} is not valid JSON: {e}"))?;
    Ok(register_input(&value))
}

/// Datadog revision 2: the seed without the CWS instrumentation (init container, its volume and
/// mounts, and the SYS_PTRACE capability it needs).
pub fn datadog_revision_2(seed: &Value) -> Value {
    let mut v = seed.clone();
    remove_container(&mut v, "cws-instrumentation-init");
    remove_volume(&mut v, "cws-instrumentation-volume");
    remove_capability(&mut v, "SYS_PTRACE");
    v
}

/// Datadog revision 1: revision 2 without the migration runner.
pub fn datadog_revision_1(seed: &Value) -> Value {
    let mut v = datadog_revision_2(seed);
    remove_container(&mut v, "migration-runner");
    v
}

fn containers_mut(v: &mut Value) -> impl Iterator<Item = &mut serde_json::Map<String, Value>> {
    v.get_mut("containerDefinitions")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flat_map(|list| list.iter_mut().filter_map(Value::as_object_mut))
}

/// Remove a container and every reference to it (dependsOn, links, volumesFrom).
fn remove_container(v: &mut Value, name: &str) {
    if let Some(list) = v.get_mut("containerDefinitions").and_then(Value::as_array_mut) {
        list.retain(|c| c.get("name").and_then(Value::as_str) != Some(name));
    }
    for c in containers_mut(v) {
        if let Some(deps) = c.get_mut("dependsOn").and_then(Value::as_array_mut) {
            deps.retain(|d| d.get("containerName").and_then(Value::as_str) != Some(name));
        }
        if let Some(from) = c.get_mut("volumesFrom").and_then(Value::as_array_mut) {
            from.retain(|d| d.get("sourceContainer").and_then(Value::as_str) != Some(name));
        }
        if let Some(links) = c.get_mut("links").and_then(Value::as_array_mut) {
            links.retain(|l| l.as_str().and_then(|l| l.split(':').next()) != Some(name));
        }
    }
}

/// Remove a task volume and every mount of it.
fn remove_volume(v: &mut Value, name: &str) {
    if let Some(list) = v.get_mut("volumes").and_then(Value::as_array_mut) {
        list.retain(|vol| vol.get("name").and_then(Value::as_str) != Some(name));
    }
    for c in containers_mut(v) {
        if let Some(mounts) = c.get_mut("mountPoints").and_then(Value::as_array_mut) {
            mounts.retain(|m| m.get("sourceVolume").and_then(Value::as_str) != Some(name));
        }
    }
}

/// Remove an added Linux capability; drop `linuxParameters` if nothing is left in it.
fn remove_capability(v: &mut Value, capability: &str) {
    for c in containers_mut(v) {
        let Some(params) = c.get_mut("linuxParameters").and_then(Value::as_object_mut) else { continue };
        if let Some(caps) = params.get_mut("capabilities").and_then(Value::as_object_mut) {
            if let Some(add) = caps.get_mut("add").and_then(Value::as_array_mut) {
                add.retain(|a| a.as_str() != Some(capability));
            }
            let empty = caps.values().all(|x| x.as_array().is_some_and(Vec::is_empty));
            if empty {
                params.shift_remove("capabilities");
            }
        }
        if params.is_empty() {
            c.shift_remove("linuxParameters");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::document::Document;

    fn names(v: &Value) -> Vec<&str> {
        v["containerDefinitions"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect()
    }

    #[test]
    fn every_fixture_parses_and_is_a_valid_register_input() {
        for (name, text) in FIXTURES {
            let doc = Document::parse(*text).unwrap_or_else(|e| panic!("{name}: {e}"));
            crate::store::validate_register_input(&doc.register_input()).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let revs = revisions().unwrap();
        assert_eq!(revs.len(), 8);
        for r in &revs {
            crate::store::validate_register_input(&r.input).unwrap();
        }
    }

    #[test]
    fn datadog_revisions_tell_a_story_consistent_with_the_seed() {
        let seed: Value = serde_json::from_str(DATADOG).unwrap();
        let r1 = datadog_revision_1(&seed);
        let r2 = datadog_revision_2(&seed);
        assert_eq!(names(&r1), ["datadog-agent", "my-app-repo"]);
        assert_eq!(names(&r2), ["datadog-agent", "my-app-repo", "migration-runner"]);
        assert_eq!(names(&seed), ["cws-instrumentation-init", "datadog-agent", "my-app-repo", "migration-runner"]);
        for v in [&r1, &r2] {
            let text = serde_json::to_string(v).unwrap();
            assert!(!text.contains("cws-instrumentation"), "{text}");
            assert!(!text.contains("SYS_PTRACE"));
            assert_eq!(v["volumes"], serde_json::json!([]));
            // Every dependsOn names a container that exists.
            let ns = names(v);
            for c in v["containerDefinitions"].as_array().unwrap() {
                for d in c.get("dependsOn").and_then(Value::as_array).into_iter().flatten() {
                    assert!(ns.contains(&d["containerName"].as_str().unwrap()), "{d}");
                }
            }
            // Same key order as the seed: the revisions diff cleanly.
            let keys: Vec<_> = v.as_object().unwrap().keys().collect();
            let seed_keys: Vec<_> = seed.as_object().unwrap().keys().collect();
            assert_eq!(keys, seed_keys);
        }
        assert!(!serde_json::to_string(&r1).unwrap().contains("migration-runner"));
        assert!(r2["containerDefinitions"][1].get("linuxParameters").is_none());
    }
}
