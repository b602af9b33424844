//! Removing the noise before two revisions are compared.
//!
//! Each function below removes one kind of difference that is not a change: ECS
//! (or the console, or a tool) writes the same task definition in several ways. They
//! only ever remove or rewrite object members; they never reorder or remove array
//! elements, so an array index in the normalised value is the index in the original
//! document and every pointer stays valid. Order-insensitivity (environment, ports …)
//! is the keyed matching's job (see `keys.rs`), not the normaliser's.

use serde_json::{Map, Value};

use crate::document::Document;
use crate::model::{parse_cpu_units, parse_memory_mib};

/// The document's RegisterTaskDefinition input (read-only fields stripped, Describe
/// wrapper unwrapped, sibling tags moved in), with all the noise below removed.
pub fn normalize(doc: &Document) -> Value {
    normalize_input(doc.register_input())
}

/// [`normalize`] for a value that is already a register input.
pub fn normalize_input(mut v: Value) -> Value {
    drop_nulls(&mut v);
    if let Value::Object(td) = &mut v {
        canonical_task_size(td);
        let network_mode = td.get("networkMode").and_then(Value::as_str).unwrap_or("bridge").to_string();
        if let Some(Value::Array(containers)) = td.get_mut("containerDefinitions") {
            for c in containers.iter_mut().filter_map(Value::as_object_mut) {
                normalize_container(c, &network_mode);
            }
        }
    }
    drop_empty(&mut v);
    v
}

fn normalize_container(c: &mut Map<String, Value>, network_mode: &str) {
    drop_zero_container_cpu(c);
    drop_default_essential(c);
    drop_false_flags(c);
    if let Some(Value::Object(hc)) = c.get_mut("healthCheck") {
        drop_default_health_check_settings(hc);
    }
    for pm in objects_in(c, "portMappings") {
        drop_default_protocol(pm);
        drop_implied_host_port(pm, network_mode);
    }
    for m in objects_in(c, "mountPoints") {
        drop_read_only_false(m);
    }
    for m in objects_in(c, "volumesFrom") {
        drop_read_only_false(m);
    }
}

/// The object elements of an array member.
fn objects_in<'m>(obj: &'m mut Map<String, Value>, field: &str) -> impl Iterator<Item = &'m mut Map<String, Value>> {
    obj.get_mut(field).and_then(Value::as_array_mut).into_iter().flatten().filter_map(Value::as_object_mut)
}

/// `"x": null` is `x` absent (SDKs reject nulls; console exports are full of them).
/// Null array elements are kept.
pub fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// `"portMappings": []`, `"options": {}` are the member absent, bottom-up (so
/// `"capabilities": {"add": [], "drop": []}` goes too). Except the members of a
/// volume: `{"name": "v", "host": {}}` is a bind-mount volume and says so.
pub fn drop_empty(v: &mut Value) {
    drop_empty_in(v, false);
}

fn drop_empty_in(v: &mut Value, keep_own_members: bool) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if k == "volumes" {
                    if let Value::Array(vols) = child {
                        vols.iter_mut().for_each(|vol| drop_empty_in(vol, true));
                        continue;
                    }
                }
                drop_empty_in(child, false);
            }
            if !keep_own_members {
                m.retain(|_, v| !is_empty(v));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| drop_empty_in(v, false)),
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Task `cpu`/`memory`: `"0.25 vCPU"`, `256` and `"256"` are all `"256"`; `"2 GB"`,
/// `2048` and `"2048"` are all `"2048"` (ECS converts at registration). Values that
/// do not parse are left as written.
pub fn canonical_task_size(td: &mut Map<String, Value>) {
    if let Some(n) = td.get("cpu").and_then(parse_cpu_units) {
        td.insert("cpu".into(), Value::String(n.to_string()));
    }
    if let Some(n) = td.get("memory").and_then(parse_memory_mib) {
        td.insert("memory".into(), Value::String(n.to_string()));
    }
}

/// Container `"cpu": 0` is what Describe reports for an omitted container cpu.
pub fn drop_zero_container_cpu(c: &mut Map<String, Value>) {
    if c.get("cpu").and_then(Value::as_f64) == Some(0.0) {
        c.shift_remove("cpu");
    }
}

/// `"essential": true` is the default.
pub fn drop_default_essential(c: &mut Map<String, Value>) {
    if c.get("essential") == Some(&Value::Bool(true)) {
        c.shift_remove("essential");
    }
}

/// Container booleans whose default is `false`.
pub const FALSE_BY_DEFAULT: &[&str] =
    &["privileged", "readonlyRootFilesystem", "disableNetworking", "interactive", "pseudoTerminal"];

/// `"privileged": false` (and the other [`FALSE_BY_DEFAULT`] flags) is the default.
pub fn drop_false_flags(c: &mut Map<String, Value>) {
    for f in FALSE_BY_DEFAULT {
        if c.get(*f) == Some(&Value::Bool(false)) {
            c.shift_remove(*f);
        }
    }
}

/// `healthCheck` `interval: 30`, `timeout: 5`, `retries: 3` are ECS's defaults.
pub fn drop_default_health_check_settings(hc: &mut Map<String, Value>) {
    for (field, default) in [("interval", 30.0), ("timeout", 5.0), ("retries", 3.0)] {
        if hc.get(field).and_then(Value::as_f64) == Some(default) {
            hc.shift_remove(field);
        }
    }
}

/// Port mapping `"protocol": "tcp"` is the default.
pub fn drop_default_protocol(pm: &mut Map<String, Value>) {
    if pm.get("protocol").and_then(Value::as_str) == Some("tcp") {
        pm.shift_remove("protocol");
    }
}

/// Port mapping `hostPort`: under `awsvpc` and `host` it must equal `containerPort`,
/// and Describe fills it in, so an equal `hostPort` says nothing; `hostPort: 0` is
/// the same as omitted in every mode (a dynamic port under `bridge`).
pub fn drop_implied_host_port(pm: &mut Map<String, Value>, network_mode: &str) {
    let Some(host) = pm.get("hostPort").and_then(Value::as_f64) else { return };
    let container = pm.get("containerPort").and_then(Value::as_f64);
    if host == 0.0 || (matches!(network_mode, "awsvpc" | "host") && container == Some(host)) {
        pm.shift_remove("hostPort");
    }
}

/// Mount point / volumesFrom `"readOnly": false` is the default.
pub fn drop_read_only_false(m: &mut Map<String, Value>) {
    if m.get("readOnly") == Some(&Value::Bool(false)) {
        m.shift_remove("readOnly");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn nulls_are_absent_but_null_elements_stay() {
        let mut v = json!({"a": null, "b": {"c": null, "d": 1}, "e": [null, {"f": null}]});
        drop_nulls(&mut v);
        assert_eq!(v, json!({"b": {"d": 1}, "e": [null, {}]}));
    }

    #[test]
    fn empties_are_absent_bottom_up_except_volume_members() {
        let mut v = json!({
            "containerDefinitions": [{"name": "a", "portMappings": [], "linuxParameters": {"capabilities": {"add": [], "drop": []}}}],
            "volumes": [{"name": "v", "host": {}}, {"name": "w", "dockerVolumeConfiguration": {"labels": {}}}],
            "placementConstraints": []
        });
        drop_empty(&mut v);
        assert_eq!(
            v,
            json!({
                "containerDefinitions": [{"name": "a"}],
                "volumes": [{"name": "v", "host": {}}, {"name": "w", "dockerVolumeConfiguration": {}}]
            })
        );
    }

    #[test]
    fn task_size_is_canonical() {
        let mut td = obj(json!({"cpu": "0.25 vCPU", "memory": "2 GB"}));
        canonical_task_size(&mut td);
        assert_eq!(Value::Object(td), json!({"cpu": "256", "memory": "2048"}));
        let mut td = obj(json!({"cpu": 1024, "memory": 512}));
        canonical_task_size(&mut td);
        assert_eq!(Value::Object(td), json!({"cpu": "1024", "memory": "512"}));
        let mut td = obj(json!({"cpu": "lots"}));
        canonical_task_size(&mut td);
        assert_eq!(Value::Object(td), json!({"cpu": "lots"}));
    }

    #[test]
    fn container_defaults() {
        let mut c = obj(json!({"cpu": 0, "essential": true, "privileged": false, "readonlyRootFilesystem": true}));
        drop_zero_container_cpu(&mut c);
        drop_default_essential(&mut c);
        drop_false_flags(&mut c);
        assert_eq!(Value::Object(c), json!({"readonlyRootFilesystem": true}));
        let mut c = obj(json!({"cpu": 128, "essential": false}));
        drop_zero_container_cpu(&mut c);
        drop_default_essential(&mut c);
        assert_eq!(Value::Object(c), json!({"cpu": 128, "essential": false}));
    }

    #[test]
    fn health_check_defaults() {
        let mut hc = obj(json!({"command": ["x"], "interval": 30, "timeout": 10, "retries": 3}));
        drop_default_health_check_settings(&mut hc);
        assert_eq!(Value::Object(hc), json!({"command": ["x"], "timeout": 10}));
    }

    #[test]
    fn port_mapping_defaults() {
        let mut pm = obj(json!({"containerPort": 80, "hostPort": 80, "protocol": "tcp"}));
        drop_default_protocol(&mut pm);
        drop_implied_host_port(&mut pm, "awsvpc");
        assert_eq!(Value::Object(pm), json!({"containerPort": 80}));
        let mut pm = obj(json!({"containerPort": 80, "hostPort": 80, "protocol": "udp"}));
        drop_default_protocol(&mut pm);
        drop_implied_host_port(&mut pm, "bridge");
        assert_eq!(Value::Object(pm), json!({"containerPort": 80, "hostPort": 80, "protocol": "udp"}));
        let mut pm = obj(json!({"containerPort": 80, "hostPort": 0}));
        drop_implied_host_port(&mut pm, "bridge");
        assert_eq!(Value::Object(pm), json!({"containerPort": 80}));
    }

    #[test]
    fn read_only_false() {
        let mut m = obj(json!({"containerPath": "/x", "readOnly": false}));
        drop_read_only_false(&mut m);
        assert_eq!(Value::Object(m), json!({"containerPath": "/x"}));
        let mut m = obj(json!({"containerPath": "/x", "readOnly": true}));
        drop_read_only_false(&mut m);
        assert_eq!(Value::Object(m), json!({"containerPath": "/x", "readOnly": true}));
    }

    #[test]
    fn seed_normalises_without_touching_indices() {
        let doc = Document::parse(crate::rules::testing::SEED).unwrap();
        let n = normalize(&doc);
        let cs = n["containerDefinitions"].as_array().unwrap();
        assert_eq!(cs.len(), 4);
        assert_eq!(cs[0].get("cpu"), None);
        assert_eq!(cs[0].get("portMappings"), None);
        assert_eq!(cs[2]["portMappings"], json!([{"containerPort": 8000}]));
        assert_eq!(cs[3]["environment"][1], json!({"name": "MYSQL_PW", "value": "xxx"}));
        assert_eq!(n["volumes"], json!([{"name": "cws-instrumentation-volume", "host": {}}]));
        assert_eq!(cs[2]["linuxParameters"], json!({"capabilities": {"add": ["SYS_PTRACE"]}}));
    }
}
