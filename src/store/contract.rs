//! The contract every [`TaskDefStore`] meets, as a test suite written against the trait only:
//! the embedded SQLite store (tests/store.rs) and the Amazon ECS store against moto
//! (tests/aws_store.rs) run it.
//!
//! Where ECS itself behaves differently from the embedded store, the store says so and the
//! check adapts, never the other way round:
//! - [`TaskDefStore::preserves_input_text`]: values are compared for every store, modulo the
//!   defaults ECS fills in ([`without_ecs_defaults`]) when the store does not preserve the
//!   input; key order and text only when it does; fields outside the ECS model must then be
//!   refused (Invalid, naming the field) instead of kept.
//! - [`TaskDefStore::reports_all_read_only_fields`]: `registeredAt`, `registeredBy`,
//!   `requiresAttributes`, `deregisteredAt` are required when the store promises them, and
//!   checked for form and consistency whenever present.
//!
//! Each check registers under its own fresh family names (`contract-<check>-<nonce>`), so the
//! suite runs on a store that already holds task definitions (the seed, a real account) and
//! several checks can share one store. The checks panic on a violation, like `assert!`: they are
//! test helpers, never called on user input.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::{seed, DescribedTaskDefinition, Registered, StoreError, TaskDefStatus, TaskDefStore};
use crate::core::document::{register_input, READ_ONLY_FIELDS};

/// Who the contract registers as.
pub const PRINCIPAL: &str = "arn:aws:iam::000000000000:user/contract-test";

/// Every check, in order.
pub async fn run_all(store: Arc<dyn TaskDefStore>) {
    register_describe_list_deregister(store.as_ref()).await;
    revisions_are_never_reused(store.as_ref()).await;
    an_edit_from_an_old_base_is_not_registered(store.as_ref()).await;
    latest_active_skips_inactive(store.as_ref()).await;
    tags_round_trip(store.as_ref()).await;
    lossless_round_trip(store.as_ref()).await;
    describe_shapes_are_accepted(store.as_ref()).await;
    unknown_family_and_revision(store.as_ref()).await;
    invalid_input_is_refused(store.as_ref()).await;
    concurrent_registers(store).await;
}

/// A family name no other check (or earlier run) used.
pub fn fresh_family(check: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("contract-{check}-{:x}{nanos:x}-{n}", std::process::id())
}

/// A small valid register input.
pub fn minimal(family: &str) -> Value {
    json!({
        "family": family,
        "containerDefinitions": [{"name": "app", "image": "public.ecr.aws/nginx/nginx:1.27", "essential": true}],
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512"
    })
}

/// Task-level members ECS fills in with their default (as JSON text) when a task definition is
/// registered without them.
pub const ECS_TASK_DEFAULTS: &[(&str, &str)] =
    &[("volumes", "[]"), ("placementConstraints", "[]"), ("enableFaultInjection", "false")];

/// Container-definition members ECS fills in with their default (as JSON text). `cpu` is a
/// non-optional integer in the ECS model: every SDK sends it, 0 when not given.
pub const ECS_CONTAINER_DEFAULTS: &[(&str, &str)] = &[
    ("cpu", "0"),
    ("essential", "true"),
    ("portMappings", "[]"),
    ("environment", "[]"),
    ("mountPoints", "[]"),
    ("volumesFrom", "[]"),
    ("systemControls", "[]"),
];

/// A register input without the members that equal what ECS fills in ([`ECS_TASK_DEFAULTS`],
/// [`ECS_CONTAINER_DEFAULTS`]): two inputs ECS cannot tell apart are equal after this.
pub fn without_ecs_defaults(input: &Value) -> Value {
    fn is_default(defaults: &[(&str, &str)], key: &str, value: &Value) -> bool {
        defaults
            .iter()
            .any(|(name, default)| key == *name && serde_json::from_str::<Value>(default).is_ok_and(|d| d == *value))
    }
    let mut v = input.clone();
    if let Some(td) = v.as_object_mut() {
        td.retain(|k, val| !is_default(ECS_TASK_DEFAULTS, k, val));
        if let Some(list) = td.get_mut("containerDefinitions").and_then(Value::as_array_mut) {
            for c in list.iter_mut().filter_map(Value::as_object_mut) {
                c.retain(|k, val| !is_default(ECS_CONTAINER_DEFAULTS, k, val));
            }
        }
    }
    v
}

/// Assert that `got` is the register input `expected`: exactly for a store that preserves
/// input, else modulo [`without_ecs_defaults`].
pub fn assert_same_input(store: &dyn TaskDefStore, got: &Value, expected: &Value, what: &str) {
    if store.preserves_input_text() {
        assert_eq!(got, expected, "{what}");
    } else {
        assert_eq!(
            without_ecs_defaults(got),
            without_ecs_defaults(expected),
            "{what} (modulo the defaults ECS fills in)"
        );
    }
}

async fn register(store: &dyn TaskDefStore, input: &Value) -> DescribedTaskDefinition {
    match store.register(input, PRINCIPAL).await {
        Ok(d) => d,
        Err(e) => panic!("register {} failed: {e}", input.get("family").unwrap_or(&Value::Null)),
    }
}

/// Register, describe (by number and latest), list families and revisions, deregister; the
/// describe shape's read-only fields.
pub async fn register_describe_list_deregister(store: &dyn TaskDefStore) {
    let family = fresh_family("basic");
    let input = minimal(&family);
    let d = register(store, &input).await;
    assert_eq!(d.family(), family);
    assert_eq!(d.revision(), 1, "a new family starts at revision 1");
    assert_eq!(d.status(), Some(TaskDefStatus::Active));
    check_describe_shape(store, &d, &family, 1);
    assert_eq!(d.task_definition["compatibilities"], json!(["EC2", "FARGATE"]));

    let by_number = store.describe(&family, Some(1)).await.expect("describe family:1");
    assert_eq!(by_number, d, "register returns what describe returns");
    let latest = store.describe(&family, None).await.expect("describe family");
    assert_eq!(latest, d);

    let d2 = register(store, &input).await;
    assert_eq!(d2.revision(), 2);
    assert_eq!(store.describe(&family, None).await.unwrap().revision(), 2);

    let families = store.list_families().await.expect("list families");
    let f = families.iter().find(|f| f.family == family).expect("the new family is listed");
    assert_eq!(f.status, TaskDefStatus::Active);
    assert_eq!(f.latest_active_revision, Some(2));
    assert_eq!(f.registered_at.as_deref(), d2.task_definition["registeredAt"].as_str());
    assert_eq!(f.registered_by.as_deref(), d2.task_definition["registeredBy"].as_str());
    assert_eq!((f.revision_count, f.latest_revision), (2, 2));
    let sorted: Vec<_> = families.iter().map(|f| f.family.to_lowercase()).collect();
    assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "families are sorted by name: {sorted:?}");

    let revs = store.list_revisions(&family).await.expect("list revisions");
    assert_eq!(
        revs.iter().map(|r| (r.revision, r.status)).collect::<Vec<_>>(),
        [(1, TaskDefStatus::Active), (2, TaskDefStatus::Active)]
    );
    assert!(revs.iter().all(|r| r.family == family && r.deregistered_at.is_none()));
    if store.reports_all_read_only_fields() {
        assert!(revs.iter().all(|r| !r.registered_by.is_empty()), "registeredBy in every summary");
    }
    assert_eq!(revs[0].registered_at.as_str(), d.task_definition["registeredAt"].as_str().unwrap_or(""));
    assert_eq!(revs[0].registered_by.as_str(), d.task_definition["registeredBy"].as_str().unwrap_or(""));

    let gone = store.deregister(&family, 1).await.expect("deregister family:1");
    assert_eq!(gone.revision(), 1);
    assert_eq!(gone.status(), Some(TaskDefStatus::Inactive));
    let at = gone.task_definition.get("deregisteredAt").and_then(Value::as_str);
    if store.reports_all_read_only_fields() {
        assert!(at.is_some(), "deregisteredAt is set");
    }
    if let Some(at) = at {
        check_timestamp(at);
    }
    let revs = store.list_revisions(&family).await.unwrap();
    assert_eq!(revs[0].status, TaskDefStatus::Inactive);
    assert_eq!(revs[0].deregistered_at.as_deref(), at);
    assert_eq!(revs[1].status, TaskDefStatus::Active);
    // An INACTIVE revision can still be described by number, and is what it was.
    let old = store.describe(&family, Some(1)).await.expect("describe an INACTIVE revision");
    assert_eq!(old.status(), Some(TaskDefStatus::Inactive));
    assert_same_input(store, &old.register_input(), &register_input(&input), "an INACTIVE revision is what it was");
    // Deregistering it again is an error, as in ECS.
    match store.deregister(&family, 1).await {
        Err(StoreError::Conflict { message }) => assert!(message.contains(&family), "{message}"),
        other => panic!("deregistering an INACTIVE revision: expected Conflict, got {other:?}"),
    }
}

fn check_describe_shape(store: &dyn TaskDefStore, d: &DescribedTaskDefinition, family: &str, revision: u32) {
    let td = d.task_definition.as_object().expect("taskDefinition is an object");
    let arn = td["taskDefinitionArn"].as_str().expect("taskDefinitionArn");
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    assert_eq!(parts.len(), 6, "{arn}");
    assert_eq!(&parts[..3], ["arn", "aws", "ecs"], "{arn}");
    assert!(!parts[3].is_empty() && parts[4].len() == 12 && parts[4].bytes().all(|b| b.is_ascii_digit()), "{arn}");
    assert_eq!(parts[5], format!("task-definition/{family}:{revision}"));
    assert_eq!(td["revision"], json!(revision));
    assert!(td["status"] == "ACTIVE" || td["status"] == "INACTIVE");
    assert!(td["compatibilities"].as_array().is_some_and(|c| c.iter().any(|x| x == "EC2")));
    if store.reports_all_read_only_fields() {
        for field in ["requiresAttributes", "registeredAt", "registeredBy"] {
            assert!(td.contains_key(field), "{field} is reported");
        }
    }
    if let Some(attributes) = td.get("requiresAttributes") {
        assert!(attributes.is_array(), "requiresAttributes is a list");
    }
    if let Some(at) = td.get("registeredAt") {
        check_timestamp(at.as_str().expect("registeredAt is text"));
    }
    if let Some(by) = td.get("registeredBy") {
        assert!(by.as_str().is_some_and(|s| !s.is_empty()), "registeredBy");
    }
    assert!(!td.contains_key("tags"), "tags are the sibling of taskDefinition, not inside it");
    let v = d.to_value();
    assert_eq!(crate::core::document::detect_shape(&v), crate::core::Shape::DescribeWrapped);
}

fn check_timestamp(t: &str) {
    // RFC 3339: 2026-10-07T08:45:00.000Z (or with an offset).
    let b = t.as_bytes();
    let ok = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && (t.ends_with('Z') || t[19..].contains(['+', '-']));
    assert!(ok, "not an RFC 3339 timestamp: {t}");
}

/// Revisions are numbered 1, 2, 3 … per family and never reused: not after the latest is
/// deregistered, not after the family's only revision is deregistered.
pub async fn revisions_are_never_reused(store: &dyn TaskDefStore) {
    let family = fresh_family("numbers");
    let input = minimal(&family);
    let numbers: Vec<u32> =
        [register(store, &input).await, register(store, &input).await, register(store, &input).await]
            .iter()
            .map(DescribedTaskDefinition::revision)
            .collect();
    assert_eq!(numbers, [1, 2, 3]);
    store.deregister(&family, 3).await.expect("deregister the latest");
    assert_eq!(register(store, &input).await.revision(), 4, "3 is not handed out again");
    // Another family has its own numbers.
    let other = fresh_family("numbers-other");
    assert_eq!(register(store, &minimal(&other)).await.revision(), 1);

    let single = fresh_family("single");
    assert_eq!(register(store, &minimal(&single)).await.revision(), 1);
    store.deregister(&single, 1).await.expect("deregister the only revision");
    let f = store.list_families().await.unwrap().into_iter().find(|f| f.family == single).expect("still listed");
    assert_eq!(f.status, TaskDefStatus::Inactive, "no ACTIVE revision: the family is INACTIVE");
    assert_eq!(f.latest_active_revision, None);
    assert_eq!(register(store, &minimal(&single)).await.revision(), 2, "1 is not handed out again");
}

/// `register_from(base)`: registered while `base` is the newest revision; once the family has
/// a newer one, that one comes back and nothing is registered.
pub async fn an_edit_from_an_old_base_is_not_registered(store: &dyn TaskDefStore) {
    let family = fresh_family("base");
    let input = minimal(&family);
    register(store, &input).await;
    let from = |base| store.register_from(&input, PRINCIPAL, base);
    let Registered::New(second) = from(1).await.expect("register from the newest") else {
        panic!("an edit from the newest revision is registered")
    };
    assert_eq!(second.revision(), 2);
    match from(1).await.expect("an answer") {
        Registered::Newer(newer) => {
            assert_eq!((newer.family.as_str(), newer.revision), (family.as_str(), 2));
            if store.reports_all_read_only_fields() {
                assert_eq!(newer.registered_by, PRINCIPAL);
            }
        }
        Registered::New(d) => panic!("registered {} from a stale base", d.revision()),
    }
    assert_eq!(store.list_revisions(&family).await.unwrap().len(), 2, "nothing registered from the stale base");
    // A deregistered newer revision still counts: the edit did not start from it.
    store.deregister(&family, 2).await.expect("deregister");
    assert!(matches!(from(1).await.expect("an answer"), Registered::Newer(n) if n.revision == 2));
}

/// Describing a family without a revision gives its highest ACTIVE revision, skipping INACTIVE
/// ones; with none ACTIVE it is NotFound.
pub async fn latest_active_skips_inactive(store: &dyn TaskDefStore) {
    let family = fresh_family("latest");
    let mut input = minimal(&family);
    for cpu in ["256", "512", "1024"] {
        input["cpu"] = json!(cpu);
        register(store, &input).await;
    }
    store.deregister(&family, 3).await.unwrap();
    let d = store.describe(&family, None).await.expect("latest ACTIVE");
    assert_eq!(d.revision(), 2);
    assert_eq!(d.task_definition["cpu"], "512", "revision 2's content");
    store.deregister(&family, 1).await.unwrap();
    assert_eq!(store.describe(&family, None).await.unwrap().revision(), 2);
    let f = store.list_families().await.unwrap().into_iter().find(|f| f.family == family).unwrap();
    assert_eq!((f.status, f.latest_active_revision), (TaskDefStatus::Active, Some(2)));
    store.deregister(&family, 2).await.unwrap();
    match store.describe(&family, None).await {
        Err(StoreError::NotFound { family: f, message, .. }) => {
            assert_eq!(f, family);
            assert!(message.contains("ACTIVE"), "{message}");
        }
        other => panic!("no ACTIVE revision: expected NotFound, got {other:?}"),
    }
    assert_eq!(store.describe(&family, Some(3)).await.unwrap().task_definition["cpu"], "1024");
}

/// Tags given in the register input come back as the describe output's `tags`, per revision.
pub async fn tags_round_trip(store: &dyn TaskDefStore) {
    let family = fresh_family("tags");
    let mut input = minimal(&family);
    let tags =
        json!([{"key": "team", "value": "payments"}, {"key": "env", "value": "prod"}, {"key": "empty", "value": ""}]);
    input["tags"] = tags.clone();
    let d = register(store, &input).await;
    assert_eq!(Value::Array(d.tags.clone()), tags);
    assert!(d.task_definition.get("tags").is_none());
    assert_same_input(store, &d.register_input(), &input, "tags are kept with the input");
    // Another revision with other tags: each revision keeps its own.
    input["tags"] = json!([{"key": "team", "value": "checkout"}]);
    register(store, &input).await;
    let untagged = minimal(&family);
    let d3 = register(store, &untagged).await;
    assert!(d3.tags.is_empty());
    assert_eq!(Value::Array(store.describe(&family, Some(1)).await.unwrap().tags), tags);
    assert_eq!(store.describe(&family, Some(2)).await.unwrap().tags, vec![json!({"key": "team", "value": "checkout"})]);
    assert!(store.describe(&family, Some(3)).await.unwrap().tags.is_empty());
    // An empty tag list is the same as none (ECS refuses `"tags": []`).
    let mut empty = minimal(&family);
    empty["tags"] = json!([]);
    let d4 = register(store, &empty).await;
    assert!(d4.tags.is_empty());
    assert_same_input(store, &d4.register_input(), &untagged, "an empty tag list is no tags");
}

/// Documents that exercise losslessness: every fixture (under a fresh family name) and one with
/// unknown fields, odd key order, unicode and numbers that must come back exactly.
pub fn lossless_documents() -> Vec<(String, Value)> {
    let mut docs = Vec::new();
    for (name, text) in seed::FIXTURES {
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => panic!("fixture {name}: {e}"),
        };
        docs.push((name.to_string(), register_input(&value)));
    }
    docs.push((
        "unusual".to_string(),
        json!({
            "zUnknownTopLevel": {"nested": [1, 2.5, -0.125, 1e-7, 12345678901234567u64, null, true], "é": "ünïcödé ✓ \u{1F680}"},
            "containerDefinitions": [{
                "name": "app",
                "image": "x",
                "aFieldEcsDoesNotKnow": {"b": 1, "a": 2},
                "environment": [{"name": "QUOTED", "value": "a \"quoted\" \\ value\nwith a newline"}],
                "cpu": 0.5
            }],
            "family": "placeholder",
            "memory": "512",
            "cpu": "256"
        }),
    ));
    docs
}

/// register → describe → `register_input` gives back the input: equal values (modulo the
/// defaults ECS fills in, for a store that does not preserve input), and, for a store that
/// preserves input, the same key order and unknown fields in the task definition. A store that
/// does not preserve input must refuse the document with fields outside the ECS model (Invalid,
/// naming the first of them) rather than drop them.
pub async fn lossless_round_trip(store: &dyn TaskDefStore) {
    for (name, mut input) in lossless_documents() {
        let family = fresh_family("lossless");
        input["family"] = json!(family); // replaced in place: the key keeps its position
        if !store.preserves_input_text() && name == "unusual" {
            match store.register(&input, PRINCIPAL).await {
                Err(StoreError::Invalid { pointer, message }) => {
                    assert_eq!(pointer, "/zUnknownTopLevel", "{message}");
                    assert!(message.contains("zUnknownTopLevel"), "{message}");
                }
                other => panic!("{name}: a field outside the ECS model must be refused, got {other:?}"),
            }
            assert!(store.list_revisions(&family).await.is_err(), "{name}: nothing was registered");
            continue;
        }
        let d = register(store, &input).await;
        let d = store.describe(d.family(), Some(d.revision())).await.expect("describe");
        assert_same_input(
            store,
            &d.register_input(),
            &input,
            &format!("{name}: register_input(describe(register(x))) == x"),
        );
        if !store.preserves_input_text() {
            continue;
        }
        let mut td: Map<String, Value> = d.task_definition.as_object().cloned().expect("object");
        td.retain(|k, _| !READ_ONLY_FIELDS.contains(&k.as_str()));
        let mut expected = input.as_object().cloned().expect("object");
        let tags = expected.shift_remove("tags").unwrap_or(json!([]));
        assert_eq!(
            serde_json::to_string(&td).unwrap(),
            serde_json::to_string(&expected).unwrap(),
            "{name}: same keys in the same order, same text"
        );
        assert_eq!(Value::Array(d.tags.clone()), tags, "{name}: tags");
    }
}

/// A describe shape (bare or wrapped, with read-only fields and a revision of its own) is
/// registered as its register input; its revision/ARN/status are not taken over.
pub async fn describe_shapes_are_accepted(store: &dyn TaskDefStore) {
    let family = fresh_family("describe");
    let mut wrapped: Value = serde_json::from_str(seed::DESCRIBE_WRAPPED).expect("fixture");
    wrapped["taskDefinition"]["family"] = json!(family);
    let d = register(store, &wrapped).await;
    assert_eq!(d.revision(), 1, "the document's own revision (14) is not taken over");
    assert_eq!(d.status(), Some(TaskDefStatus::Active));
    assert!(d.arn().ends_with(&format!("task-definition/{family}:1")), "{}", d.arn());
    assert_eq!(d.tags, vec![json!({"key": "team", "value": "billing"})]);
    assert_same_input(store, &d.register_input(), &register_input(&wrapped), "a describe shape registers as its input");
    // And what a store describes can be registered again as the next revision.
    let again = register(store, &d.to_value()).await;
    assert_eq!(again.revision(), 2);
    assert_same_input(store, &again.register_input(), &d.register_input(), "a described revision registers again");
    let bare = register(store, &d.task_definition).await;
    assert_eq!(bare.revision(), 3);
    assert!(bare.tags.is_empty(), "a bare taskDefinition carries no tags");
}

/// Unknown families and revisions are NotFound with the family (and revision) named.
pub async fn unknown_family_and_revision(store: &dyn TaskDefStore) {
    let missing = fresh_family("missing");
    for result in [
        store.describe(&missing, None).await,
        store.describe(&missing, Some(1)).await,
        store.deregister(&missing, 1).await,
    ] {
        match result {
            Err(StoreError::NotFound { family, message, .. }) => {
                assert_eq!(family, missing);
                assert!(message.contains(&missing), "{message}");
            }
            other => panic!("unknown family: expected NotFound, got {other:?}"),
        }
    }
    match store.list_revisions(&missing).await {
        Err(StoreError::NotFound { family, .. }) => assert_eq!(family, missing),
        other => panic!("list_revisions of an unknown family: expected NotFound, got {other:?}"),
    }
    let family = fresh_family("known");
    register(store, &minimal(&family)).await;
    for result in [store.describe(&family, Some(2)).await, store.deregister(&family, 7).await] {
        match result {
            Err(StoreError::NotFound { family: f, revision, message }) => {
                assert_eq!(f, family);
                assert!(revision == Some(2) || revision == Some(7), "{revision:?}");
                assert!(message.contains(&format!("{family}:")), "{message}");
            }
            other => panic!("unknown revision: expected NotFound, got {other:?}"),
        }
    }
}

/// What ECS refuses is Invalid, with a pointer, and registers nothing (no number is used up).
pub async fn invalid_input_is_refused(store: &dyn TaskDefStore) {
    let family = fresh_family("invalid");
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!("not an object"), "", "object"),
        (json!({"containerDefinitions": [{"name": "a"}]}), "", "family"),
        (json!({"family": "has spaces!", "containerDefinitions": [{"name": "a"}]}), "/family", "has spaces!"),
        (json!({"family": "x".repeat(256), "containerDefinitions": [{"name": "a"}]}), "/family", "255"),
        (json!({"family": family}), "", "containerDefinitions"),
        (
            json!({"family": family, "containerDefinitions": []}),
            "/containerDefinitions",
            "Container list cannot be empty",
        ),
        (json!({"family": family, "containerDefinitions": "app"}), "/containerDefinitions", "list"),
        (
            json!({"family": family, "containerDefinitions": [{"name": "a"}], "tags": [{"value": "v"}]}),
            "/tags/0",
            "key",
        ),
    ];
    for (input, pointer, needle) in cases {
        match store.register(&input, PRINCIPAL).await {
            Err(e @ StoreError::Invalid { .. }) => {
                let StoreError::Invalid { pointer: p, message } = &e else { unreachable!() };
                assert_eq!(p, pointer, "{input}: {message}");
                assert!(message.contains(needle), "{input}: `{message}` should mention {needle}");
                assert!(e.to_string().contains(message.as_str()));
            }
            other => panic!("{input}: expected Invalid, got {other:?}"),
        }
    }
    assert!(matches!(store.list_revisions(&family).await, Err(StoreError::NotFound { .. })), "nothing was registered");
    assert!(!store.list_families().await.unwrap().iter().any(|f| f.family == family));
    assert_eq!(register(store, &minimal(&family)).await.revision(), 1, "refused registers use up no number");
}

/// Ten registers of one family at once get ten distinct numbers, 1 to 10.
pub async fn concurrent_registers(store: Arc<dyn TaskDefStore>) {
    let family = fresh_family("concurrent");
    let handles: Vec<_> = (0..10)
        .map(|i| {
            let store = Arc::clone(&store);
            let mut input = minimal(&family);
            input["containerDefinitions"][0]["environment"] = json!([{"name": "N", "value": i.to_string()}]);
            tokio::spawn(async move { store.register(&input, PRINCIPAL).await.map(|d| d.revision()) })
        })
        .collect();
    let mut numbers = BTreeSet::new();
    for h in handles {
        let n = h.await.expect("task").unwrap_or_else(|e| panic!("concurrent register failed: {e}"));
        assert!(numbers.insert(n), "revision {n} handed out twice");
    }
    assert_eq!(numbers, (1..=10).collect::<BTreeSet<u32>>());
    let revs = store.list_revisions(&family).await.unwrap();
    assert_eq!(revs.len(), 10);
    // Each number holds the input that got it.
    let mut values = BTreeSet::new();
    for r in &revs {
        let d = store.describe(&family, Some(r.revision)).await.unwrap();
        values.insert(
            d.task_definition["containerDefinitions"][0]["environment"][0]["value"].as_str().unwrap().to_string(),
        );
    }
    assert_eq!(values.len(), 10, "ten different inputs stored");
}
