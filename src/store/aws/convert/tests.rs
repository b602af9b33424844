use serde_json::json;

use super::*;
use crate::core::document::register_input;
use crate::store::{contract, seed};

/// Every member of the ECS task-definition model, at least once (checked by
/// `the_kitchen_sink_has_every_member_of_the_model`).
fn kitchen_sink() -> Value {
    json!({
        "family": "kitchen-sink",
        "taskRoleArn": "arn:aws:iam::123456789012:role/task",
        "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
        "networkMode": "awsvpc",
        "containerDefinitions": [{
            "name": "app",
            "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.2.3",
            "repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:reg"},
            "cpu": 256,
            "memory": 512,
            "memoryReservation": 256,
            "links": ["db:db"],
            "portMappings": [
                {"containerPort": 8080, "hostPort": 8080, "protocol": "tcp", "name": "http", "appProtocol": "http2"},
                {"containerPortRange": "9000-9100", "protocol": "udp"}
            ],
            "essential": true,
            "restartPolicy": {"enabled": true, "ignoredExitCodes": [0, 143], "restartAttemptPeriod": 300},
            "entryPoint": ["/bin/sh", "-c"],
            "command": ["exec app --port 8080"],
            "environment": [{"name": "MODE", "value": "production"}, {"name": "EMPTY", "value": ""}],
            "environmentFiles": [{"value": "arn:aws:s3:::bucket/app.env", "type": "s3"}],
            "mountPoints": [{"sourceVolume": "data", "containerPath": "/data", "readOnly": false}],
            "volumesFrom": [{"sourceContainer": "sidecar", "readOnly": true}],
            "linuxParameters": {
                "capabilities": {"add": ["SYS_PTRACE"], "drop": ["ALL"]},
                "devices": [{"hostPath": "/dev/fuse", "containerPath": "/dev/fuse", "permissions": ["read", "write", "mknod"]}],
                "initProcessEnabled": true,
                "sharedMemorySize": 64,
                "tmpfs": [{"containerPath": "/tmp", "size": 128, "mountOptions": ["noexec", "nosuid"]}],
                "maxSwap": 1024,
                "swappiness": 60
            },
            "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/db"}],
            "dependsOn": [{"containerName": "sidecar", "condition": "HEALTHY"}],
            "startTimeout": 120,
            "stopTimeout": 30,
            "versionConsistency": "enabled",
            "hostname": "app",
            "user": "1000:1000",
            "workingDirectory": "/srv",
            "disableNetworking": false,
            "privileged": false,
            "readonlyRootFilesystem": true,
            "dnsServers": ["10.0.0.2"],
            "dnsSearchDomains": ["example.internal"],
            "extraHosts": [{"hostname": "db.internal", "ipAddress": "10.0.0.10"}],
            "dockerSecurityOptions": ["no-new-privileges"],
            "interactive": false,
            "pseudoTerminal": false,
            "dockerLabels": {"com.example.team": "payments", "a": "1"},
            "ulimits": [{"name": "nofile", "softLimit": 65536, "hardLimit": 65536}],
            "logConfiguration": {
                "logDriver": "awsfirelens",
                "options": {"Name": "cloudwatch", "region": "eu-west-1"},
                "secretOptions": [{"name": "apikey", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/key"}]
            },
            "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"], "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 10},
            "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}],
            "resourceRequirements": [{"value": "1", "type": "GPU", "sharingStrategy": {"nvidiaMps": {"memory": 4096, "maxComputePercent": 50}}}, {"value": "device_1", "type": "InferenceAccelerator"}],
            "firelensConfiguration": {"type": "fluentbit", "options": {"enable-ecs-log-metadata": "true"}},
            "credentialSpecs": ["credentialspecdomainless:arn:aws:s3:::bucket/spec.json"]
        }, {
            "name": "sidecar",
            "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
            "essential": false
        }],
        "volumes": [
            {"name": "data", "host": {"sourcePath": "/srv/data"}},
            {"name": "bind", "host": {}},
            {"name": "docker", "dockerVolumeConfiguration": {"scope": "shared", "autoprovision": true, "driver": "local", "driverOpts": {"type": "nfs"}, "labels": {"team": "payments"}}},
            {"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-12345678", "rootDirectory": "/", "transitEncryption": "ENABLED", "transitEncryptionPort": 2049, "authorizationConfig": {"accessPointId": "fsap-1234", "iam": "ENABLED"}}},
            {"name": "fsx", "fsxWindowsFileServerVolumeConfiguration": {"fileSystemId": "fs-0123", "rootDirectory": "share", "authorizationConfig": {"credentialsParameter": "arn:aws:ssm:eu-west-1:123456789012:parameter/fsx", "domain": "corp.example.com"}}},
            {"name": "s3", "s3filesVolumeConfiguration": {"fileSystemArn": "arn:aws:s3files:eu-west-1:123456789012:file-system/fs-1", "rootDirectory": "/", "transitEncryptionPort": 2049, "accessPointArn": "arn:aws:s3files:eu-west-1:123456789012:access-point/ap-1"}},
            {"name": "ebs", "configuredAtLaunch": true}
        ],
        "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t3.*"}],
        "requiresCompatibilities": ["EC2", "FARGATE"],
        "cpu": "1 vCPU",
        "memory": "2GB",
        "tags": [{"key": "team", "value": "payments"}, {"key": "no-value"}],
        "pidMode": "task",
        "ipcMode": "none",
        "proxyConfiguration": {"type": "APPMESH", "containerName": "envoy", "properties": [{"name": "ProxyIngressPort", "value": "15000"}, {"name": "AppPorts", "value": "8080"}]},
        "inferenceAccelerators": [{"deviceName": "device_1", "deviceType": "eia2.medium"}],
        "ephemeralStorage": {"sizeInGiB": 40},
        "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
        "enableFaultInjection": true
    })
}

/// The kitchen sink as ECS describes it: every read-only member too.
fn described_kitchen_sink() -> Value {
    let mut td = kitchen_sink();
    let map = td.as_object_mut().unwrap();
    map.shift_remove("tags");
    map.insert("taskDefinitionArn".into(), json!("arn:aws:ecs:eu-west-1:123456789012:task-definition/kitchen-sink:7"));
    map.insert("revision".into(), json!(7));
    map.insert("status".into(), json!("INACTIVE"));
    map.insert(
        "requiresAttributes".into(),
        json!([{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18", "value": "x", "targetType": "container-instance", "targetId": "i-1"}]),
    );
    map.insert("compatibilities".into(), json!(["EC2", "FARGATE"]));
    map.insert("registeredAt".into(), json!("2026-10-07T08:45:00.123Z"));
    map.insert("deregisteredAt".into(), json!("2026-10-08T07:30:00Z"));
    map.insert("deleteRequestedAt".into(), json!("2026-10-09T00:00:00.5Z"));
    map.insert("registeredBy".into(), json!("arn:aws:iam::123456789012:user/alice"));
    td
}

fn invalid(input: &Value) -> (String, String) {
    match parse_register_input(input)
        .and_then(|parsed| to_value(&parsed).map_err(|e| StoreError::invalid("", e)))
        .and_then(|carried| {
            check_carried(input, &carried)?;
            Ok(carried)
        }) {
        Err(StoreError::Invalid { pointer, message }) => (pointer, message),
        other => panic!("{input}: expected Invalid, got {other:?}"),
    }
}

/// JSON → SDK → JSON, through the register request a client would send.
fn through_the_sdk(input: &Value) -> Result<Value, StoreError> {
    let conf = aws_sdk_ecs::Config::builder()
        .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
        .region(aws_sdk_ecs::config::Region::new("eu-west-1"))
        .build();
    let client = aws_sdk_ecs::Client::from_conf(conf);
    let request = register_request(client.register_task_definition(), input)?;
    to_value(&request.as_input().clone().build().unwrap()).map_err(|e| StoreError::invalid("", e))
}

fn documents() -> Vec<(String, Value)> {
    let mut docs: Vec<(String, Value)> = seed::FIXTURES
        .iter()
        .map(|(name, text)| (name.to_string(), register_input(&serde_json::from_str(text).unwrap())))
        .collect();
    docs.extend(contract::lossless_documents().into_iter().filter(|(name, _)| name != "unusual"));
    docs.push(("kitchen sink".into(), kitchen_sink()));
    docs
}

#[test]
fn every_fixture_goes_through_the_sdk_and_back_unchanged() {
    for (name, input) in documents() {
        let back = through_the_sdk(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, with_model_defaults(&input), "{name}: JSON -> SDK -> JSON");
        // Values equal, and nothing but the container `cpu` default added.
        assert_eq!(contract::without_ecs_defaults(&back), contract::without_ecs_defaults(&input), "{name}");
    }
}

#[test]
fn the_kitchen_sink_has_every_member_of_the_model() {
    let missing = uncovered(&kitchen_sink(), |de| RegisterTaskDefinitionInput::deserialize(de)).unwrap();
    assert!(missing.is_empty(), "members of the ECS model the kitchen sink lacks: {missing:?}");
    let missing = uncovered(&described_kitchen_sink(), |de| TaskDefinition::deserialize(de)).unwrap();
    assert!(missing.is_empty(), "members of TaskDefinition the described kitchen sink lacks: {missing:?}");
}

#[test]
fn a_described_task_definition_goes_through_the_sdk_and_back_unchanged() {
    let td = described_kitchen_sink();
    let sdk = parse_task_definition(&td).unwrap();
    assert_eq!(sdk.revision, 7);
    let tags = vec![Tag::builder().key("team").value("payments").build(), Tag::builder().key("no-value").build()];
    let d = described(&sdk, &tags).unwrap();
    // The sidecar has no `cpu`: the model's default (0) is filled in, as ECS describes it.
    assert_eq!(d.task_definition, with_model_defaults(&td));
    assert_eq!(d.tags, vec![json!({"key": "team", "value": "payments"}), json!({"key": "no-value"})]);
    assert_eq!(
        d.register_input(),
        with_model_defaults(&kitchen_sink()),
        "the register input comes back out of the describe"
    );
    assert_eq!(d.family_revision(), "kitchen-sink:7");
}

#[test]
fn read_only_fields_the_endpoint_leaves_out_stay_out() {
    // moto answers without registeredAt, registeredBy, requiresAttributes, deregisteredAt.
    let td = TaskDefinition::builder()
        .task_definition_arn("arn:aws:ecs:ap-northeast-1:123456789012:task-definition/web:1")
        .family("web")
        .revision(1)
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .build();
    let d = described(&td, &[]).unwrap();
    assert_eq!(
        d.task_definition,
        json!({"taskDefinitionArn": "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/web:1", "family": "web", "revision": 1, "status": "ACTIVE"})
    );
    assert!(d.tags.is_empty());
}

#[test]
fn timestamps_are_rfc_3339_in_utc() {
    let td = TaskDefinition::builder()
        .family("web")
        .revision(3)
        .registered_at(DateTime::from_secs_f64(1_791_362_700.25))
        .deregistered_at(DateTime::from_secs(1_791_449_100))
        .build();
    let d = described(&td, &[]).unwrap();
    assert_eq!(d.task_definition["registeredAt"], "2026-10-07T08:45:00.25Z");
    assert_eq!(d.task_definition["deregisteredAt"], "2026-10-08T08:45:00Z");
    let sdk = parse_task_definition(&json!({"family": "web", "revision": 1, "registeredAt": "2026-10-07T08:45:00Z"}))
        .unwrap();
    assert_eq!(sdk.registered_at, Some(DateTime::from_secs(1_791_362_700)));
    // Smithy's timestamps are UTC: an offset is refused, located.
    match parse_task_definition(&json!({"family": "web", "registeredAt": "2026-10-07T17:45:00+09:00"})) {
        Err(StoreError::Invalid { pointer, message }) => {
            assert_eq!(pointer, "/registeredAt");
            assert!(message.contains("not an RFC 3339 timestamp"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_unusual_document_is_refused_at_its_first_unknown_field() {
    let (_, unusual) = contract::lossless_documents().into_iter().find(|(n, _)| n == "unusual").unwrap();
    let (pointer, message) = invalid(&unusual);
    assert_eq!(pointer, "/zUnknownTopLevel");
    assert!(
        message.starts_with("Unknown parameter in input: \"zUnknownTopLevel\", must be one of: family, taskRoleArn"),
        "{message}"
    );
    // Without it, the next one: inside the container definition.
    let mut rest = unusual.clone();
    rest.as_object_mut().unwrap().shift_remove("zUnknownTopLevel");
    let (pointer, message) = invalid(&rest);
    assert_eq!(pointer, "/containerDefinitions/0/aFieldEcsDoesNotKnow");
    assert!(message.contains("Unknown parameter in containerDefinitions[0]: \"aFieldEcsDoesNotKnow\""), "{message}");
    // And without that, the fraction where ECS has an integer.
    rest["containerDefinitions"][0].as_object_mut().unwrap().shift_remove("aFieldEcsDoesNotKnow");
    let (pointer, message) = invalid(&rest);
    assert_eq!(pointer, "/containerDefinitions/0/cpu");
    assert!(message.contains("expected an integer (a whole number), found 0.5"), "{message}");
}

#[test]
fn each_kind_of_error_names_its_pointer() {
    let base = || json!({"family": "web", "containerDefinitions": [{"name": "app", "image": "x"}]});
    let cases: Vec<(Value, &str, &str)> = vec![
        // wrong types
        (json!({"family": 5}), "/family", "Invalid type for parameter family: expected a string, found the number 5"),
        (json!({"containerDefinitions": {}}), "/containerDefinitions", "expected a list, found an object"),
        (json!({"containerDefinitions": [{"essential": "yes"}]}), "/containerDefinitions/0/essential", "expected a boolean, found a string"),
        (json!({"containerDefinitions": [{"entryPoint": "sh"}]}), "/containerDefinitions/0/entryPoint", "expected a list, found a string"),
        (json!({"containerDefinitions": [{"memory": "512"}]}), "/containerDefinitions/0/memory", "expected an integer, found a string"),
        (json!({"containerDefinitions": [{"dockerLabels": {"a/b": 1}}]}), "/containerDefinitions/0/dockerLabels/a~1b", "containerDefinitions[0].dockerLabels.a/b: expected a string, found the number 1"),
        (json!({"cpu": 256}), "/cpu", "expected a string, found the number 256"),
        // null is not a value ECS accepts (it would be dropped)
        (json!({"taskRoleArn": null}), "/taskRoleArn", "found null (leave the field out instead of null)"),
        (json!({"containerDefinitions": [{"command": ["a", null]}]}), "/containerDefinitions/0/command/1", "expected a string, found null"),
        // numbers ECS cannot hold
        (json!({"containerDefinitions": [{"cpu": 0.5}]}), "/containerDefinitions/0/cpu", "expected an integer (a whole number), found 0.5"),
        (json!({"containerDefinitions": [{"memory": 2.0}]}), "/containerDefinitions/0/memory", "found 2.0"),
        (json!({"containerDefinitions": [{"memory": 3_000_000_000u64}]}), "/containerDefinitions/0/memory", "3000000000 is out of range for an integer (-2147483648 to 2147483647)"),
        (json!({"containerDefinitions": [{"ulimits": [{"name": "nofile", "softLimit": -3_000_000_000i64, "hardLimit": 1}]}]}), "/containerDefinitions/0/ulimits/0/softLimit", "out of range"),
        (json!({"containerDefinitions": [{"portMappings": [{"containerPort": 18446744073709551615u64}]}]}), "/containerDefinitions/0/portMappings/0/containerPort", "out of range"),
        // unknown names, at every depth (and case matters, as in ECS)
        (json!({"Family": "web"}), "/Family", "Unknown parameter in input: \"Family\""),
        (json!({"containerDefinitions": [{"healthCheck": {"command": [], "intervalSeconds": 5}}]}), "/containerDefinitions/0/healthCheck/intervalSeconds", "Unknown parameter in containerDefinitions[0].healthCheck: \"intervalSeconds\", must be one of: command, interval, timeout, retries, startPeriod"),
        (json!({"volumes": [{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "encrypted": true}}]}), "/volumes/0/efsVolumeConfiguration/encrypted", "Unknown parameter in volumes[0].efsVolumeConfiguration"),
        (json!({"tags": [{"key": "k", "Value": "v"}]}), "/tags/0/Value", "must be one of: key, value"),
        // required members the SDK would fill in with "" / 0 / false
        (json!({"containerDefinitions": [{"environmentFiles": [{"type": "s3"}]}]}), "/containerDefinitions/0/environmentFiles/0", "Missing required parameter in containerDefinitions[0].environmentFiles[0]: \"value\""),
        (json!({"ephemeralStorage": {}}), "/ephemeralStorage", "Missing required parameter in ephemeralStorage: \"sizeInGiB\""),
        (json!({"containerDefinitions": [{"restartPolicy": {"ignoredExitCodes": [1]}}]}), "/containerDefinitions/0/restartPolicy", "Missing required parameter in containerDefinitions[0].restartPolicy: \"enabled\""),
        (json!({"volumes": [{"name": "e", "efsVolumeConfiguration": {}}]}), "/volumes/0/efsVolumeConfiguration", "\"fileSystemId\""),
        // a union has exactly one member
        (json!({"containerDefinitions": [{"resourceRequirements": [{"type": "GPU", "value": "1", "sharingStrategy": {}}]}]}), "/containerDefinitions/0/resourceRequirements/0/sharingStrategy", "must have exactly one of: nvidiaMps (found 0)"),
        (json!({"containerDefinitions": [{"resourceRequirements": [{"type": "GPU", "value": "1", "sharingStrategy": {"nvidiaMps": {}}}]}]}), "/containerDefinitions/0/resourceRequirements/0/sharingStrategy/nvidiaMps", "Missing required parameter in containerDefinitions[0].resourceRequirements[0].sharingStrategy.nvidiaMps: \"memory\""),
    ];
    for (patch, pointer, needle) in cases {
        let mut input = base();
        for (k, v) in patch.as_object().unwrap() {
            match (k.as_str(), v) {
                ("containerDefinitions", Value::Array(list)) => {
                    for (key, value) in list[0].as_object().unwrap() {
                        input["containerDefinitions"][0][key] = value.clone();
                    }
                }
                _ => {
                    input.as_object_mut().unwrap().insert(k.clone(), v.clone());
                }
            }
        }
        let (p, message) = invalid(&input);
        assert_eq!(p, pointer, "{input}: {message}");
        assert!(message.contains(needle), "{input}: `{message}` should contain `{needle}`");
        assert!(message.len() < 1500, "{message}");
    }
}

#[test]
fn what_the_sdk_would_drop_or_change_is_refused() {
    // The comparison behind register_request, on values the strict reader never produces.
    let input = json!({"family": "a", "containerDefinitions": [{"name": "x", "links": ["a"]}]});
    let dropped = json!({"family": "a", "containerDefinitions": [{"name": "x", "cpu": 0}]});
    match check_carried(&input, &dropped) {
        Err(StoreError::Invalid { pointer, message }) => {
            assert_eq!(pointer, "/containerDefinitions/0/links");
            assert!(message.contains("cannot be sent to ECS"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let changed = json!({"family": "a", "containerDefinitions": [{"name": "y", "links": ["a"]}]});
    assert!(
        matches!(check_carried(&input, &changed), Err(StoreError::Invalid { pointer, .. }) if pointer == "/containerDefinitions/0/name")
    );
    let shorter = json!({"family": "a", "containerDefinitions": []});
    assert!(
        matches!(check_carried(&input, &shorter), Err(StoreError::Invalid { pointer, .. }) if pointer == "/containerDefinitions")
    );
    // The container cpu default is what ECS itself does; anywhere else an added member is not.
    assert!(check_carried(
        &input,
        &with_model_defaults(&json!({"family": "a", "containerDefinitions": [{"name": "x", "links": ["a"]}]}))
    )
    .is_ok());
    let task_cpu = json!({"family": "a", "cpu": 0, "containerDefinitions": [{"name": "x", "links": ["a"], "cpu": 0}]});
    assert!(
        matches!(check_carried(&input, &task_cpu), Err(StoreError::Invalid { pointer, message }) if pointer.is_empty() && message.contains("\"cpu\""))
    );
}

#[test]
fn map_members_come_out_sorted_and_equal() {
    let mut input = json!({"family": "a", "containerDefinitions": [{"name": "x", "cpu": 1, "dockerLabels": {"z": "1", "a": "2", "m": "3"}}]});
    let back = through_the_sdk(&input).unwrap();
    assert_eq!(back, input, "equal as values: maps compare regardless of order");
    let keys: Vec<&String> = back["containerDefinitions"][0]["dockerLabels"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["a", "m", "z"]);
    input["containerDefinitions"][0]["dockerLabels"] = json!({});
    assert_eq!(through_the_sdk(&input).unwrap(), input, "an empty map is kept");
}

#[test]
fn paths_read_like_ecs_parameters() {
    assert_eq!(path_of(""), "input");
    assert_eq!(path_of("/family"), "family");
    assert_eq!(
        path_of("/containerDefinitions/0/portMappings/12/hostPort"),
        "containerDefinitions[0].portMappings[12].hostPort"
    );
    assert_eq!(path_of("/containerDefinitions/0/dockerLabels/a~1b~0c"), "containerDefinitions[0].dockerLabels.a/b~c");
}
