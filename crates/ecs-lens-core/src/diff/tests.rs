use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::rules::testing::{base, SEED};

fn doc(v: &Value) -> Document {
    Document::from_value(v)
}

fn d(a: &Value, b: &Value) -> Diff {
    diff(&doc(a), &doc(b))
}

fn seed() -> Value {
    serde_json::from_str(SEED).unwrap()
}

/// `base()` with one container `app` changed by `f`.
fn with_app(f: impl FnOnce(&mut Value)) -> Value {
    let mut td = base();
    f(&mut td["containerDefinitions"][0]);
    td
}

fn assert_no_changes(a: &Value, b: &Value) {
    let diff = d(a, b);
    assert!(diff.changes.is_empty(), "expected no changes, got {:#?}", diff.changes);
    assert!(diff.is_empty(), "expected an empty diff, got {diff:#?}");
}

fn paths(diff: &Diff) -> Vec<String> {
    diff.changes.iter().map(|c| format!("{:?} {}", c.kind, c.path.join(" / "))).collect()
}

// ---------------------------------------------------------------- noise

#[test]
fn identical_documents() {
    assert_no_changes(&seed(), &seed());
    assert_no_changes(&base(), &base());
}

#[test]
fn order_of_keyed_arrays_is_noise() {
    let a = with_app(|c| {
        c["environment"] = json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]);
        c["secrets"] = json!([{"name": "S", "valueFrom": "arn:s"}, {"name": "T", "valueFrom": "arn:t"}]);
        c["portMappings"] =
            json!([{"containerPort": 80}, {"containerPort": 443}, {"containerPort": 53, "protocol": "udp"}]);
        c["mountPoints"] =
            json!([{"sourceVolume": "v", "containerPath": "/a"}, {"sourceVolume": "w", "containerPath": "/b"}]);
        c["dependsOn"] =
            json!([{"containerName": "x", "condition": "START"}, {"containerName": "y", "condition": "HEALTHY"}]);
        c["ulimits"] = json!([{"name": "nofile", "softLimit": 1, "hardLimit": 2}, {"name": "core", "softLimit": 0, "hardLimit": 0}]);
        c["extraHosts"] = json!([{"hostname": "a", "ipAddress": "1.1.1.1"}, {"hostname": "b", "ipAddress": "2.2.2.2"}]);
        c["systemControls"] = json!([{"namespace": "net.a", "value": "1"}, {"namespace": "net.b", "value": "2"}]);
        c["dockerLabels"] = json!({"x": "1", "y": "2"});
        c["logConfiguration"] =
            json!({"logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-region": "r"}});
    });
    let mut a = a;
    a["volumes"] = json!([{"name": "v"}, {"name": "w", "host": {}}]);
    a["tags"] = json!([{"key": "team", "value": "x"}, {"key": "env", "value": "prod"}]);
    a["requiresCompatibilities"] = json!(["EC2", "FARGATE"]);
    let mut b = a.clone();
    for field in [
        "environment",
        "secrets",
        "portMappings",
        "mountPoints",
        "dependsOn",
        "ulimits",
        "extraHosts",
        "systemControls",
    ] {
        b["containerDefinitions"][0][field].as_array_mut().unwrap().reverse();
    }
    b["containerDefinitions"][0]["dockerLabels"] = json!({"y": "2", "x": "1"});
    b["containerDefinitions"][0]["logConfiguration"]["options"] = json!({"awslogs-region": "r", "awslogs-group": "g"});
    for field in ["volumes", "tags", "requiresCompatibilities"] {
        b[field].as_array_mut().unwrap().reverse();
    }
    assert_no_changes(&a, &b);
}

#[test]
fn container_order_is_noise() {
    let mut b = seed();
    b["containerDefinitions"].as_array_mut().unwrap().reverse();
    assert_no_changes(&seed(), &b);
}

#[test]
fn empty_arrays_and_objects_are_absent() {
    let a = base();
    let b = with_app(|c| {
        for f in ["portMappings", "environment", "secrets", "mountPoints", "volumesFrom", "systemControls", "dependsOn"]
        {
            c[f] = json!([]);
        }
        c["dockerLabels"] = json!({});
        c["linuxParameters"] = json!({"capabilities": {"add": [], "drop": []}});
    });
    let mut b = b;
    b["volumes"] = json!([]);
    b["placementConstraints"] = json!([]);
    assert_no_changes(&a, &b);
    // An empty tag list is no change either, though the linter rightly says the API refuses it.
    b["tags"] = json!([]);
    let diff = d(&a, &b);
    assert!(diff.changes.is_empty() && diff.graph.is_empty(), "{diff:#?}");
}

#[test]
fn nulls_are_absent() {
    let b = with_app(|c| {
        c["healthCheck"] = Value::Null;
        c["user"] = Value::Null;
    });
    // No change to the task definition (the linter's findings may differ: SDKs reject nulls).
    let diff = d(&base(), &b);
    assert!(diff.changes.is_empty(), "{:#?}", diff.changes);
    assert!(diff.graph.is_empty());
}

#[test]
fn a_host_volume_is_not_an_empty_object() {
    let mut a = base();
    a["volumes"] = json!([{"name": "v"}]);
    let mut b = base();
    b["volumes"] = json!([{"name": "v", "host": {}}]);
    let diff = d(&a, &b);
    assert_eq!(paths(&diff), ["Added volumes / v / host"]);
}

#[test]
fn container_cpu_zero_is_absent() {
    assert_no_changes(&base(), &with_app(|c| c["cpu"] = json!(0)));
    assert_eq!(d(&base(), &with_app(|c| c["cpu"] = json!(128))).changes.len(), 1);
}

#[test]
fn essential_true_is_absent() {
    let a = with_app(|c| {
        c.as_object_mut().unwrap().remove("essential");
    });
    assert_no_changes(&a, &base());
}

#[test]
fn dropping_a_non_default_shows_the_default() {
    let a = with_app(|c| c["essential"] = json!(false));
    let diff = d(&a, &base());
    assert_eq!(paths(&diff), ["Changed container app / essential"]);
    let c = &diff.changes[0];
    assert_eq!((c.before.clone(), c.after.clone()), (Some(json!(false)), Some(json!(true))));
    assert_eq!((c.pointer_a.as_deref(), c.pointer_b.as_deref()), (Some("/containerDefinitions/0/essential"), None));
    let a = with_app(|c| c["mountPoints"] = json!([{"sourceVolume": "v", "containerPath": "/x"}]));
    let b = with_app(|c| c["mountPoints"] = json!([{"sourceVolume": "v", "containerPath": "/x", "readOnly": true}]));
    let diff = d(&a, &b);
    assert_eq!(paths(&diff), ["Changed container app / mountPoints / /x / readOnly"]);
    assert_eq!(diff.changes[0].before, Some(json!(false)));
}

#[test]
fn default_false_flags_are_absent() {
    assert_no_changes(&base(), &with_app(|c| c["privileged"] = json!(false)));
}

#[test]
fn health_check_defaults_are_absent() {
    let a = with_app(|c| c["healthCheck"] = json!({"command": ["CMD", "true"]}));
    let b = with_app(|c| {
        c["healthCheck"] = json!({"command": ["CMD", "true"], "interval": 30, "timeout": 5, "retries": 3})
    });
    assert_no_changes(&a, &b);
}

#[test]
fn tcp_protocol_is_default() {
    let a = with_app(|c| c["portMappings"] = json!([{"containerPort": 80}]));
    let b = with_app(|c| c["portMappings"] = json!([{"containerPort": 80, "protocol": "tcp"}]));
    assert_no_changes(&a, &b);
}

#[test]
fn host_port_filled_in_under_awsvpc_is_noise_but_not_under_bridge() {
    let a = with_app(|c| c["portMappings"] = json!([{"containerPort": 80}]));
    let b = with_app(|c| c["portMappings"] = json!([{"containerPort": 80, "hostPort": 80}]));
    assert_no_changes(&a, &b);
    let mut a2 = a.clone();
    a2["networkMode"] = json!("bridge");
    let mut b2 = b.clone();
    b2["networkMode"] = json!("bridge");
    let diff = d(&a2, &b2);
    assert_eq!(paths(&diff), ["Added container app / portMappings / 80/tcp / hostPort"]);
    let b3 = with_app(|c| c["portMappings"] = json!([{"containerPort": 80, "hostPort": 0}]));
    a2["networkMode"] = json!("awsvpc");
    assert_no_changes(&a2, &b3);
}

#[test]
fn read_only_false_is_default() {
    let a = with_app(|c| {
        c["mountPoints"] = json!([{"sourceVolume": "v", "containerPath": "/x"}]);
        c["volumesFrom"] = json!([{"sourceContainer": "other"}]);
    });
    let b = with_app(|c| {
        c["mountPoints"] = json!([{"sourceVolume": "v", "containerPath": "/x", "readOnly": false}]);
        c["volumesFrom"] = json!([{"sourceContainer": "other", "readOnly": false}]);
    });
    let diff = d(&a, &b);
    assert!(diff.changes.is_empty(), "{:#?}", diff.changes);
}

#[test]
fn task_size_spellings_are_noise() {
    let mut a = base();
    a["cpu"] = json!("0.25 vCPU");
    a["memory"] = json!("0.5 GB");
    let mut b = base();
    b["cpu"] = json!(256);
    b["memory"] = json!(512);
    let diff = d(&a, &b);
    assert!(diff.changes.is_empty(), "{:#?}", diff.changes);
    let mut c = base();
    c["memory"] = json!("2 GB");
    let mut e = base();
    e["memory"] = json!("2048");
    assert!(d(&c, &e).changes.is_empty());
    let mut f = base();
    f["cpu"] = json!("512");
    let diff = d(&a, &f);
    assert_eq!(paths(&diff), ["Changed cpu"]);
    assert_eq!(
        (diff.changes[0].before.clone(), diff.changes[0].after.clone()),
        (Some(json!("256")), Some(json!("512")))
    );
}

/// What `describe-task-definition` prints for a registered `input`.
fn described(input: &Value) -> Value {
    let mut td = input.clone();
    let tags = td.as_object_mut().unwrap().remove("tags").unwrap_or(json!([]));
    td["taskDefinitionArn"] = json!("arn:aws:ecs:ap-northeast-1:123456789012:task-definition/Datadog:3");
    td["revision"] = json!(3);
    td["status"] = json!("ACTIVE");
    td["compatibilities"] = json!(["EC2", "FARGATE"]);
    td["requiresAttributes"] = json!([{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}]);
    td["registeredAt"] = json!("2024-05-01T10:00:00.000000+09:00");
    td["registeredBy"] = json!("arn:aws:iam::123456789012:user/dev");
    td["placementConstraints"] = json!([]);
    for c in td["containerDefinitions"].as_array_mut().unwrap() {
        let c = c.as_object_mut().unwrap();
        c.entry("cpu").or_insert(json!(0));
        c.entry("essential").or_insert(json!(true));
        for f in ["portMappings", "environment", "mountPoints", "volumesFrom", "systemControls"] {
            c.entry(f).or_insert(json!([]));
        }
        for pm in c["portMappings"].as_array_mut().unwrap() {
            let port = pm["containerPort"].clone();
            pm.as_object_mut().unwrap().entry("hostPort").or_insert(port);
            pm.as_object_mut().unwrap().entry("protocol").or_insert(json!("tcp"));
        }
        c.get_mut("environment").unwrap().as_array_mut().unwrap().reverse();
    }
    json!({"taskDefinition": td, "tags": tags})
}

#[test]
fn describe_wrapped_revision_equals_its_register_input() {
    let mut input = seed();
    input["tags"] = json!([{"key": "team", "value": "platform"}]);
    // Spell the input the way people write it by hand.
    input["cpu"] = json!("0.25 vCPU");
    for c in input["containerDefinitions"].as_array_mut().unwrap() {
        let c = c.as_object_mut().unwrap();
        c.remove("cpu");
        if c.get("essential") == Some(&json!(true)) {
            c.remove("essential");
        }
        if let Some(pms) = c.get_mut("portMappings").and_then(Value::as_array_mut) {
            for pm in pms {
                pm.as_object_mut().unwrap().remove("hostPort");
                pm.as_object_mut().unwrap().remove("protocol");
            }
        }
    }
    let out = described(&input);
    let a = doc(&out);
    assert_eq!(a.shape(), Shape::DescribeWrapped);
    let diff = diff(&a, &doc(&input));
    assert!(diff.is_empty(), "{diff:#?}");
    let back = super::diff(&doc(&input), &a);
    assert!(back.is_empty(), "{back:#?}");
}

// ---------------------------------------------------------------- keyed matching

#[test]
fn changed_environment_value_is_one_change_with_pointers() {
    let mut b = seed();
    let env = b["containerDefinitions"][3]["environment"].as_array_mut().unwrap();
    env.reverse();
    env[0]["value"] = json!("otherdb");
    assert_eq!(env[0]["name"], json!("MYSQL_DB"));
    let diff = d(&seed(), &b);
    assert_eq!(diff.changes.len(), 1, "{:#?}", diff.changes);
    let c = &diff.changes[0];
    assert_eq!(c.path, ["container migration-runner", "environment", "MYSQL_DB"]);
    assert_eq!(c.kind, ChangeKind::Changed);
    assert_eq!(c.pointer_a.as_deref(), Some("/containerDefinitions/3/environment/4"));
    assert_eq!(c.pointer_b.as_deref(), Some("/containerDefinitions/3/environment/0"));
    assert_eq!((c.before.clone(), c.after.clone()), (Some(json!("mydatabase")), Some(json!("otherdb"))));
}

#[test]
fn pointers_include_the_describe_wrapper() {
    let a = described(&base());
    let mut input = base();
    input["containerDefinitions"][0]["image"] = json!("nginx");
    let diff = d(&a, &input);
    assert_eq!(diff.changes.len(), 1, "{:#?}", diff.changes);
    assert_eq!(diff.changes[0].pointer_a.as_deref(), Some("/taskDefinition/containerDefinitions/0/image"));
    assert_eq!(diff.changes[0].pointer_b.as_deref(), Some("/containerDefinitions/0/image"));
    // Tags that sit beside the wrapped task definition point there.
    let mut tagged = base();
    tagged["tags"] = json!([{"key": "team", "value": "a"}]);
    let mut a = described(&tagged);
    a["tags"][0]["value"] = json!("b");
    let diff = d(&a, &tagged);
    assert_eq!(paths(&diff), ["Changed tags / team"]);
    assert_eq!(diff.changes[0].pointer_a.as_deref(), Some("/tags/0"));
    assert_eq!(diff.changes[0].pointer_b.as_deref(), Some("/tags/0"));
}

#[test]
fn port_mapping_keyed_by_port_and_protocol() {
    let a = with_app(|c| c["portMappings"] = json!([{"containerPort": 80}, {"containerPort": 53, "protocol": "udp"}]));
    let b = with_app(|c| {
        c["portMappings"] = json!([{"containerPort": 53, "protocol": "udp", "name": "dns"}, {"containerPort": 8080}])
    });
    let diff = d(&a, &b);
    assert_eq!(
        paths(&diff),
        [
            "Removed container app / portMappings / 80/tcp",
            "Added container app / portMappings / 53/udp / name",
            "Added container app / portMappings / 8080/tcp",
        ]
    );
}

#[test]
fn sets_and_atomic_arrays() {
    let a = with_app(|c| {
        c["command"] = json!(["a", "b"]);
        c["linuxParameters"] = json!({"capabilities": {"add": ["SYS_PTRACE", "NET_ADMIN"]}});
    });
    let b = with_app(|c| {
        c["command"] = json!(["b", "a"]);
        c["linuxParameters"] = json!({"capabilities": {"add": ["NET_ADMIN", "SYS_TIME"]}});
    });
    let diff = d(&a, &b);
    assert_eq!(
        paths(&diff),
        [
            "Changed container app / command",
            "Removed container app / linuxParameters / capabilities / add / SYS_PTRACE",
            "Added container app / linuxParameters / capabilities / add / SYS_TIME",
        ]
    );
    assert_eq!(diff.changes[0].before, Some(json!(["a", "b"])));
}

#[test]
fn dependency_condition_change() {
    let mut b = seed();
    b["containerDefinitions"][2]["dependsOn"][0]["condition"] = json!("START");
    let diff = d(&seed(), &b);
    assert_eq!(paths(&diff), ["Changed container my-app-repo / dependsOn / datadog-agent"]);
    assert_eq!(diff.changes[0].after, Some(json!("START")));
    assert_eq!(diff.graph.added.len(), 1);
    assert_eq!(diff.graph.removed.len(), 1);
    assert_eq!(diff.graph.added[0].condition.as_deref(), Some("START"));
}

// ---------------------------------------------------------------- containers

#[test]
fn container_added_and_removed() {
    let mut b = seed();
    let cs = b["containerDefinitions"].as_array_mut().unwrap();
    cs.remove(0);
    cs.push(json!({"name": "xray", "image": "amazon/aws-xray-daemon", "essential": false}));
    let diff = d(&seed(), &b);
    let p = paths(&diff);
    assert!(p.contains(&"Removed container cws-instrumentation-init".to_string()), "{p:?}");
    assert!(p.contains(&"Added container xray".to_string()), "{p:?}");
    let added = diff.changes.iter().find(|c| c.kind == ChangeKind::Added && c.path == ["container xray"]).unwrap();
    assert_eq!(added.pointer_b.as_deref(), Some("/containerDefinitions/3"));
    assert_eq!(added.after, Some(json!({"name": "xray", "image": "amazon/aws-xray-daemon", "essential": false})));
    // The app still depends on the removed init container: a dependsOn change, not a renamed one.
    assert!(!p.iter().any(|x| x.starts_with("Renamed")), "{p:?}");
    assert_eq!(diff.graph.removed.len(), 1, "{:?}", diff.graph);
}

#[test]
fn container_renamed() {
    let mut b = seed();
    b["containerDefinitions"][2]["name"] = json!("web");
    b["containerDefinitions"][2]["logConfiguration"]["options"]["awslogs-stream-prefix"] = json!("web");
    let diff = d(&seed(), &b);
    assert_eq!(
        paths(&diff),
        ["Renamed container web", "Changed container web / logConfiguration / options / awslogs-stream-prefix"]
    );
    let r = &diff.changes[0];
    assert_eq!((r.before.clone(), r.after.clone()), (Some(json!("my-app-repo")), Some(json!("web"))));
    assert_eq!(r.pointer_a.as_deref(), Some("/containerDefinitions/2/name"));
    assert!(diff.graph.is_empty(), "a renamed container keeps its edges: {:?}", diff.graph);
    assert!(diff.findings.introduced.is_empty() && diff.findings.resolved.is_empty(), "{:#?}", diff.findings);
}

#[test]
fn unrelated_containers_are_not_a_rename() {
    let a = with_app(|c| c["logConfiguration"] = json!({"logDriver": "awslogs"}));
    let mut b = base();
    b["containerDefinitions"][0] = json!({"name": "other", "image": "nginx", "essential": true});
    let diff = d(&a, &b);
    assert_eq!(paths(&diff), ["Removed container app", "Added container other"]);
}

// ---------------------------------------------------------------- secrets

const SECRET: &str = "s3cr3t-Hunter2-value";

fn with_password() -> Value {
    with_app(|c| {
        c["environment"] = json!([{"name": "LOG_LEVEL", "value": "info"}, {"name": "DB_PASSWORD", "value": SECRET}])
    })
}

#[test]
fn environment_moved_to_secrets_is_one_masked_change() {
    let a = with_password();
    let b = with_app(|c| {
        c["environment"] = json!([{"name": "LOG_LEVEL", "value": "info"}]);
        c["secrets"] =
            json!([{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"}]);
    });
    let diff = d(&a, &b);
    assert_eq!(diff.changes.len(), 1, "{:#?}", diff.changes);
    let c = &diff.changes[0];
    assert_eq!(c.kind, ChangeKind::MovedToSecrets);
    assert_eq!(c.path, ["container app", "secrets", "DB_PASSWORD"]);
    assert_eq!(c.pointer_a.as_deref(), Some("/containerDefinitions/0/environment/1"));
    assert_eq!(c.pointer_b.as_deref(), Some("/containerDefinitions/0/secrets/0"));
    assert_eq!(c.before, Some(json!(MASK)));
    assert_eq!(c.after, Some(json!("arn:aws:secretsmanager:us-east-1:123456789012:secret:db")));
    let text = render_text(&diff, false);
    assert!(text.contains("DB_PASSWORD: moved from environment to secrets"), "{text}");
    assert!(!text.contains(SECRET) && !serde_json::to_string(&diff).unwrap().contains(SECRET));

    // And back: a regression, also one change, masked.
    let back = d(&b, &a);
    assert_eq!(back.changes.len(), 1, "{:#?}", back.changes);
    assert_eq!(back.changes[0].kind, ChangeKind::MovedToEnvironment);
    assert_eq!(back.changes[0].after, Some(json!(MASK)));
    assert!(!serde_json::to_string(&back).unwrap().contains(SECRET));
}

#[test]
fn seed_fix_moves_both_credentials() {
    let mut b = seed();
    for (ci, name) in [(1, "DD_API_KEY"), (3, "MYSQL_PW")] {
        let c = &mut b["containerDefinitions"][ci];
        c["environment"].as_array_mut().unwrap().retain(|e| e["name"] != name);
        c["secrets"] =
            json!([{"name": name, "valueFrom": format!("arn:aws:ssm:ap-northeast-1:123456789012:parameter/{name}")}]);
    }
    let diff = d(&seed(), &b);
    assert_eq!(
        paths(&diff),
        [
            "MovedToSecrets container datadog-agent / secrets / DD_API_KEY",
            "MovedToSecrets container migration-runner / secrets / MYSQL_PW"
        ]
    );
    let json = serde_json::to_string(&diff).unwrap();
    assert!(!json.contains("\"xxx\""), "{json}");
}

#[test]
fn secret_values_never_appear() {
    let a = with_password();
    let changed = with_app(|c| {
        c["environment"] =
            json!([{"name": "LOG_LEVEL", "value": "debug"}, {"name": "DB_PASSWORD", "value": "an0ther-s3cret-value"}])
    });
    let without = base();
    let mut renamed_var = with_password();
    renamed_var["containerDefinitions"][0]["environment"][1]["name"] = json!("DB_PASS_OLD_STYLE");
    let mut new_container = base();
    new_container["containerDefinitions"].as_array_mut().unwrap().push(json!({
        "name": "worker", "image": "worker:1", "environment": [{"name": "DB_PASSWORD", "value": SECRET}],
        "logConfiguration": {"logDriver": "splunk", "options": {"splunk-token": SECRET, "splunk-url": "https://s"}}
    }));
    let mut moved_to_plain = base();
    moved_to_plain["containerDefinitions"][0]["environment"] = json!([{"name": "CACHE", "value": SECRET}]);
    let mut in_a_set = with_password();
    in_a_set["containerDefinitions"][0]["dockerSecurityOptions"] = json!([SECRET]);
    let mut in_a_command = with_password();
    in_a_command["containerDefinitions"][0]["command"] = json!(["mysql", SECRET]);
    for (x, y) in [
        (&a, &in_a_set),
        (&a, &in_a_command),
        (&a, &changed),
        (&changed, &a),
        (&a, &without),
        (&without, &a),
        (&a, &renamed_var),
        (&base(), &new_container),
        (&new_container, &base()),
        (&a, &moved_to_plain),
    ] {
        let diff = d(x, y);
        assert!(!diff.changes.is_empty());
        let json = serde_json::to_string(&diff).unwrap();
        let text = render_text(&diff, true);
        for secret in [SECRET, "an0ther-s3cret-value"] {
            assert!(!json.contains(secret), "secret in JSON: {json}");
            assert!(!text.contains(secret), "secret in text: {text}");
        }
        assert!(json.contains(MASK));
    }
    // A changed secret shows that it changed, not what to.
    let diff = d(&a, &changed);
    let c = diff.changes.iter().find(|c| c.path.last().map(String::as_str) == Some("DB_PASSWORD")).unwrap();
    assert_eq!((c.before.clone(), c.after.clone()), (Some(json!(MASK)), Some(json!(MASK))));
    // An added container keeps its shape, with the secret masked inside.
    let diff = d(&base(), &new_container);
    let added = &diff.changes[0];
    assert_eq!(added.after.as_ref().unwrap()["environment"][0], json!({"name": "DB_PASSWORD", "value": MASK}));
    assert_eq!(added.after.as_ref().unwrap()["logConfiguration"]["options"]["splunk-url"], json!("https://s"));
}

// ---------------------------------------------------------------- findings and graph

#[test]
fn findings_delta_introduced_and_resolved() {
    let a = base();
    let b = with_app(|c| c["essential"] = json!(false));
    let diff = d(&a, &b);
    assert!(diff.findings.introduced.iter().any(|f| f.rule == "VAL012"), "{:#?}", diff.findings);
    assert!(!diff.findings.resolved.iter().any(|f| f.rule == "VAL012"));
    let back = d(&b, &a);
    assert!(back.findings.resolved.iter().any(|f| f.rule == "VAL012"), "{:#?}", back.findings);
    assert!(back.findings.introduced.is_empty(), "{:#?}", back.findings);
}

#[test]
fn findings_match_by_subject_not_position() {
    // Moving things around shifts every pointer and line; nothing is introduced or resolved.
    let mut b = seed();
    b["containerDefinitions"].as_array_mut().unwrap().reverse();
    for c in b["containerDefinitions"].as_array_mut().unwrap() {
        if let Some(env) = c.get_mut("environment").and_then(Value::as_array_mut) {
            env.reverse();
        }
    }
    let diff = d(&seed(), &b);
    let n = crate::rules::lint(&doc(&seed())).len();
    assert!(diff.findings.introduced.is_empty() && diff.findings.resolved.is_empty(), "{:#?}", diff.findings);
    assert_eq!(diff.findings.unchanged, n);
}

#[test]
fn findings_on_different_env_vars_do_not_match() {
    use crate::finding::Finding;
    static META: crate::RuleMeta = crate::RuleMeta {
        id: "TST001",
        name: "test",
        severity: crate::Severity::Low,
        category: crate::Category::Secrets,
        blocks_registration: false,
        summary: "",
        what: "",
        why: "",
        example: "{}",
        fix: "",
        references: &[],
    };
    let env = |name: &str| {
        with_app(|c| c["environment"] = json!([{"name": "OTHER", "value": "x"}, {"name": name, "value": "1"}]))
    };
    let finding = |name: &str| {
        let mut f = Finding::new(&META, "/containerDefinitions/0/environment/1", format!("{name} is odd"));
        f.container = Some("app".into());
        f
    };
    let task_level = |pointer: &str, message: &str| Finding::new(&META, pointer, message);
    let (x, y) = (doc(&env("A")), doc(&env("B")));
    let (sa, sb) = (Side::new(&x), Side::new(&y));
    let none = HashMap::new();
    // Another variable, another finding: one resolved, one introduced.
    let delta = delta::match_findings(&sa, &sb, vec![finding("A")], vec![finding("B")], &none);
    assert_eq!((delta.introduced.len(), delta.resolved.len(), delta.unchanged), (1, 1, 0));
    // The same variable elsewhere in the list with another message: the same finding.
    let (z, w) = (doc(&env("A")), doc(&with_app(|c| c["environment"] = json!([{"name": "A", "value": "1"}]))));
    let (sz, sw) = (Side::new(&z), Side::new(&w));
    let mut moved = finding("A");
    moved.pointer = "/containerDefinitions/0/environment/0".into();
    moved.message = "A is still odd".into();
    let delta = delta::match_findings(&sz, &sw, vec![finding("A")], vec![moved], &none);
    assert_eq!((delta.introduced.len(), delta.resolved.len(), delta.unchanged), (0, 0, 1));
    // A task-level finding reported at another field with another message: the same finding.
    let delta = delta::match_findings(
        &sa,
        &sb,
        vec![task_level("/family", "no tags")],
        vec![task_level("/tags", "empty tags")],
        &none,
    );
    assert_eq!((delta.introduced.len(), delta.resolved.len(), delta.unchanged), (0, 0, 1));
}

#[test]
fn graph_delta_edges_and_cycles() {
    let mut b = seed();
    b["containerDefinitions"][1]["dependsOn"] = json!([{"containerName": "my-app-repo", "condition": "START"}]);
    b["containerDefinitions"][3]["dependsOn"] = json!([]);
    let diff = d(&seed(), &b);
    let added: Vec<_> = diff.graph.added.iter().map(|e| (e.from.as_str(), e.to.as_str())).collect();
    let removed: Vec<_> = diff.graph.removed.iter().map(|e| (e.from.as_str(), e.to.as_str())).collect();
    assert_eq!(added, [("datadog-agent", "my-app-repo")]);
    assert_eq!(removed, [("migration-runner", "datadog-agent")]);
    assert_eq!(diff.graph.cycles_introduced.len(), 1, "{:?}", diff.graph);
    let text = render_text(&diff, false);
    assert!(text.contains("+ datadog-agent → my-app-repo (dependsOn START)"), "{text}");
    assert!(text.contains("+ cycle:"), "{text}");
}

// ---------------------------------------------------------------- rendering and wire format

#[test]
fn render_text_groups_by_container_and_colours_only_on_request() {
    let mut b = seed();
    b["cpu"] = json!("512");
    b["containerDefinitions"][2]["image"] = json!("xxx.dkr.ecr.ap-northeast-1.amazonaws.com/my-app-repo:v2");
    b["containerDefinitions"][2]["environment"] = json!([{"name": "LOG_LEVEL", "value": "debug"}]);
    let diff = d(&seed(), &b);
    let plain = render_text(&diff, false);
    assert!(!plain.contains('\x1b'), "{plain}");
    let expected = "\
~ task definition
    ~ cpu: \"256\" → \"512\"
~ container my-app-repo
    ~ image: \"xxx.dkr.ecr.ap-northeast-1.amazonaws.com/my-app-repo:latest\" → \"xxx.dkr.ecr.ap-northeast-1.amazonaws.com/my-app-repo:v2\"
    + environment › LOG_LEVEL: \"debug\"
";
    assert!(plain.starts_with(expected), "{plain}");
    assert!(plain.contains("Findings: "), "{plain}");
    let coloured = render_text(&diff, true);
    assert!(coloured.contains("\x1b[33m~ cpu"), "{coloured}");
    assert!(render_text(&d(&seed(), &seed()), false).starts_with("No changes"));
}

#[test]
fn diff_round_trips_through_json() {
    let mut b = seed();
    b["containerDefinitions"].as_array_mut().unwrap().push(json!({"name": "x", "image": "y"}));
    b["containerDefinitions"][3]["essential"] = json!(true);
    let diff = d(&seed(), &b);
    let json = serde_json::to_string(&diff).unwrap();
    assert!(json.contains("\"kind\":\"added\""), "{json}");
    let back: Diff = serde_json::from_str(&json).unwrap();
    assert_eq!(back, diff);
}

#[test]
fn odd_documents_do_not_panic() {
    for (x, y) in [
        (json!([]), json!({})),
        (json!("x"), json!(null)),
        (json!({"containerDefinitions": {}}), json!({"containerDefinitions": [1, "a", null, []]})),
        (
            json!({"containerDefinitions": [{"name": 1}, {"name": "a"}, {"name": "a"}]}),
            json!({"containerDefinitions": [{}]}),
        ),
        (
            json!({"containerDefinitions": [{"environment": [{"name": "A"}, 3, {"name": "A", "value": 1}]}]}),
            json!({"containerDefinitions": [{"environment": {"name": "A"}, "portMappings": [{"containerPort": "x", "protocol": 1}]}]}),
        ),
        (json!({"taskDefinition": {"containerDefinitions": []}, "tags": {}}), json!({"taskDefinition": 1})),
    ] {
        let _ = d(&x, &y);
        let _ = render_text(&d(&y, &x), true);
    }
}

// ---------------------------------------------------------------- properties

fn small_string() -> impl Strategy<Value = String> {
    prop_oneof![Just("a".to_string()), Just("b".to_string()), Just("DB_PASSWORD".to_string()), "[a-z]{0,3}"]
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..70000).prop_map(|n| json!(n)),
        small_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("name".to_string()),
                        Just("environment".to_string()),
                        Just("containerDefinitions".to_string()),
                        Just("portMappings".to_string()),
                        Just("secrets".to_string()),
                        Just("value".to_string()),
                        small_string()
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn arb_container() -> impl Strategy<Value = Value> {
    (
        prop_oneof![Just("app"), Just("db"), Just("agent"), Just("init")],
        prop::collection::btree_map(small_string(), small_string(), 0..4),
        prop::collection::btree_map("[A-Z]{1,2}", "arn:[a-z]{1,3}", 0..3),
        prop::collection::vec((1u16..9000, prop_oneof![Just("tcp"), Just("udp")]), 0..3),
        prop::option::of(any::<bool>()),
        prop::option::of(0u32..4),
        prop::collection::vec(prop_oneof![Just("app"), Just("db"), Just("agent")], 0..3),
    )
        .prop_map(|(name, env, secrets, ports, essential, cpu, deps)| {
            let mut c = json!({
                "name": name,
                "image": format!("{name}:latest"),
                "environment": env.into_iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
                "secrets": secrets.into_iter().map(|(n, v)| json!({"name": n, "valueFrom": v})).collect::<Vec<_>>(),
                "portMappings": ports.into_iter().map(|(p, proto)| json!({"containerPort": p, "protocol": proto})).collect::<Vec<_>>(),
                "dependsOn": deps.into_iter().map(|d| json!({"containerName": d, "condition": "START"})).collect::<Vec<_>>(),
            });
            if let Some(e) = essential {
                c["essential"] = json!(e);
            }
            if let Some(cpu) = cpu {
                c["cpu"] = json!(cpu);
            }
            c
        })
}

fn arb_task_def() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(arb_container(), 0..4),
        prop_oneof![Just(json!("256")), Just(json!(512)), Just(json!("1 vCPU")), Just(Value::Null)],
        prop_oneof![Just("awsvpc"), Just("bridge")],
        prop::collection::btree_map("[a-z]{1,3}", "[a-z]{0,3}", 0..3),
        any::<bool>(),
    )
        .prop_map(|(containers, cpu, mode, tags, wrapped)| {
            let mut td = json!({
                "family": "f",
                "networkMode": mode,
                "cpu": cpu,
                "containerDefinitions": containers,
                "tags": tags.into_iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
            });
            if wrapped {
                td["revision"] = json!(2);
                td = json!({"taskDefinition": td});
            }
            td
        })
}

/// Reverse every keyed array and the containers (unique keys only, so the result is
/// the same task definition).
fn shuffled(v: &Value) -> Value {
    let mut v = v.clone();
    let td = if v.get("taskDefinition").is_some() { &mut v["taskDefinition"] } else { &mut v };
    if let Some(cs) = td.get_mut("containerDefinitions").and_then(Value::as_array_mut) {
        for c in cs.iter_mut() {
            for f in ["environment", "secrets", "portMappings"] {
                if let Some(a) = c.get_mut(f).and_then(Value::as_array_mut) {
                    a.reverse();
                }
            }
        }
        cs.reverse();
    }
    v
}

fn unique_names(v: &Value) -> bool {
    let td = v.get("taskDefinition").unwrap_or(v);
    let cs = td["containerDefinitions"].as_array().unwrap();
    let mut names: Vec<_> = cs.iter().map(|c| c["name"].as_str().unwrap()).collect();
    names.sort();
    names.windows(2).all(|w| w[0] != w[1])
        && cs.iter().all(|c| {
            let mut ports: Vec<String> = c["portMappings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| format!("{}/{}", p["containerPort"], p["protocol"]))
                .collect();
            ports.sort();
            ports.windows(2).all(|w| w[0] != w[1])
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn diff_with_itself_is_empty(td in arb_task_def()) {
        let x = doc(&td);
        let diff = diff(&x, &x);
        prop_assert!(diff.is_empty(), "{:#?}", diff);
    }

    #[test]
    fn reordering_is_not_a_change(td in arb_task_def()) {
        prop_assume!(unique_names(&td));
        let diff = d(&td, &shuffled(&td));
        prop_assert!(diff.changes.is_empty(), "{:#?}", diff.changes);
        prop_assert!(diff.graph.is_empty(), "{:#?}", diff.graph);
    }

    #[test]
    fn never_panics_on_arbitrary_json(x in arb_json(), y in arb_json()) {
        let diff = d(&x, &y);
        let _ = render_text(&diff, true);
        prop_assert!(d(&x, &x).changes.is_empty());
    }

    #[test]
    fn never_panics_between_task_defs(x in arb_task_def(), y in arb_task_def()) {
        let diff = d(&x, &y);
        let text = render_text(&diff, false);
        prop_assert!(!text.is_empty());
    }
}

// ---------------------------------------------------------------- stored analyses

#[test]
fn given_findings_compare_like_the_linted_ones() {
    // The seed, and the seed with DD_API_KEY moved to secrets and an image changed.
    let a = seed();
    let mut b = seed();
    let app = b["containerDefinitions"].as_array_mut().unwrap().iter_mut().find(|c| c["name"] == "datadog-agent");
    if let Some(c) = app {
        c["image"] = json!("public.ecr.aws/datadog/agent:7.60.0");
        c["environment"].as_array_mut().unwrap().retain(|e| e["name"] != "DD_API_KEY");
        c["secrets"] = json!([{"name": "DD_API_KEY", "valueFrom": "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:dd-AbCdEf:DD_API_KEY::"}]);
    }
    let (da, db) = (doc(&a), doc(&b));
    let linted = diff(&da, &db);
    let given = diff_with_findings(&da, &db, crate::lint(&da), crate::lint(&db));
    assert_eq!(given, linted);
    // Masked documents with their masked findings (what the mirror stores) give the same
    // changes and the same findings delta, by count and rule.
    let masked = |d: &Document| {
        let mut f = crate::lint(d);
        let m = Masker::from_findings(d, &f);
        f.iter_mut().for_each(|x| m.mask_finding(x));
        (Document::from_value(&m.mask_document(d)), f)
    };
    let ((ma, fa), (mb, fb)) = (masked(&da), masked(&db));
    let stored = diff_with_findings(&ma, &mb, fa, fb);
    assert_eq!(paths(&stored), paths(&linted));
    let rules = |v: &[Finding]| v.iter().map(|f| f.rule.clone()).collect::<Vec<_>>();
    assert_eq!(rules(&stored.findings.introduced), rules(&linted.findings.introduced));
    assert_eq!(rules(&stored.findings.resolved), rules(&linted.findings.resolved));
    assert_eq!(stored.findings.unchanged, linted.findings.unchanged);
    assert!(linted.findings.unchanged > 0 && !linted.findings.resolved.is_empty() && !paths(&linted).is_empty());
}

/// The seed's family as another region and account would have it: every region and account
/// id replaced (log configuration, ECR registry, database host, roles); the credentials stay.
fn seed_elsewhere(region: &str, account: &str) -> Value {
    let text = SEED
        .replace("ap-northeast-1", region)
        .replace("xxx.", &format!("{account}."))
        .replace("::xxx:", &format!("::{account}:"));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_same_family_in_two_regions_and_accounts_differs_by_account_region_only() {
    let tokyo = seed_elsewhere("ap-northeast-1", "111111111111");
    let mut ireland = seed_elsewhere("eu-west-1", "222222222222");
    let (tokyo_scope, ireland_scope) = (
        scope::Scope { account: "111111111111".into(), region: "ap-northeast-1".into() },
        scope::Scope { account: "222222222222".into(), region: "eu-west-1".into() },
    );
    let d = |a: &Value, b: &Value| {
        let mut diff = d(a, b);
        assert_eq!(diff.account_region_only(), 0, "the diff alone marks nothing");
        scope::mark(&mut diff, &tokyo_scope, &ireland_scope);
        diff
    };
    let diff = d(&tokyo, &ireland);
    assert!(!diff.changes.is_empty());
    assert!(
        diff.changes.iter().all(|c| c.account_region_only && c.kind == ChangeKind::Changed),
        "only scope: {:#?}",
        diff.changes
    );
    assert_eq!(diff.account_region_only(), diff.changes.len());
    let text = render_text(&diff, false);
    assert!(text.contains("(account/region only)") && text.contains("are drift"), "{text}");

    // Real drift among it stands out: a new image tag in Ireland is not scope.
    let app = ireland["containerDefinitions"].as_array_mut().unwrap().iter_mut().find(|c| c["name"] == "my-app-repo");
    app.unwrap()["image"] = json!("222222222222.dkr.ecr.eu-west-1.amazonaws.com/my-app-repo:v2");
    let diff = d(&tokyo, &ireland);
    let drift: Vec<String> =
        diff.changes.iter().filter(|c| !c.account_region_only).map(|c| c.path.join(" › ")).collect();
    assert_eq!(drift, ["container my-app-repo › image"]);
    // JSON carries the mark only where it is set.
    let json = serde_json::to_value(&diff).unwrap();
    let marks = json["changes"].as_array().unwrap().iter().filter(|c| c.get("account_region_only").is_some()).count();
    assert_eq!(marks, diff.account_region_only());
}
