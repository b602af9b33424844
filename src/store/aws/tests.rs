//! The store against a fake ECS answering in-process through the SDK's HTTP connector
//! interface: real requests (awsJson 1.1, signed), real response parsing, the SDK's own retry
//! policy. What moto does not do (pages, throttling, error answers) is tested here.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials};
use aws_sdk_ecs::config::retry::RetryConfig;
use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region, SharedCredentialsProvider};
use aws_smithy_runtime_api::client::http::{http_client_fn, HttpConnector, HttpConnectorFuture, SharedHttpConnector};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use serde_json::json;

use super::*;

/// One request as the fake ECS saw it.
#[derive(Clone, Debug)]
struct Seen {
    /// e.g. `ListTaskDefinitions`.
    operation: String,
    body: Value,
    uri: String,
    /// The Authorization header (its credential scope names the region).
    authorization: String,
}

/// What the fake answers.
enum Reply {
    Ok(Value),
    /// An ECS error answer: status, `__type`, message.
    Error(u16, &'static str, String),
    /// Anything else (status, body, content type).
    Raw(u16, &'static str, &'static str),
    /// No answer: the connection is refused.
    Refused,
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// A fake ECS: answers each request with `handler(request, how many of that operation came
/// before)`, after `delay`, counting requests in flight.
#[derive(Clone)]
struct FakeEcs {
    handler: Arc<Handler>,
    delay: Duration,
    seen: Arc<Mutex<Vec<Seen>>>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

impl std::fmt::Debug for FakeEcs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FakeEcs")
    }
}

impl FakeEcs {
    fn new(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> FakeEcs {
        FakeEcs {
            handler: Arc::new(handler),
            delay: Duration::ZERO,
            seen: Arc::default(),
            in_flight: Arc::default(),
            max_in_flight: Arc::default(),
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn count(&self, operation: &str) -> usize {
        self.seen().iter().filter(|s| s.operation == operation).count()
    }

    fn conf(&self, max_attempts: u32) -> SdkConfig {
        let fake = self.clone();
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKIDEXAMPLE",
                "not-a-real-secret",
                None,
                None,
                "test",
            )))
            .http_client(http_client_fn(move |_, _| SharedHttpConnector::new(fake.clone())))
            .time_source(aws_smithy_async::time::SystemTimeSource::new())
            .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(max_attempts)
                    .with_initial_backoff(Duration::from_millis(1))
                    .with_max_backoff(Duration::from_millis(5)),
            )
            .build()
    }

    fn store(&self, max_attempts: u32, concurrency: usize) -> AwsStore {
        let options = AwsOptions { describe_concurrency: concurrency, ..Default::default() };
        AwsStore::from_sdk_config(&self.conf(max_attempts), options).unwrap()
    }
}

impl HttpConnector for FakeEcs {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let target = request.headers().get("x-amz-target").unwrap_or_default();
        let operation = target.rsplit('.').next().unwrap_or_default().to_string();
        let body: Value = if target.is_empty() {
            // Not an ECS call (a credentials provider's, e.g. IMDS or STS): recorded by its URI
            // and its body as text.
            json!({"uri": request.uri(), "form": String::from_utf8_lossy(request.body().bytes().unwrap_or_default())})
        } else {
            assert_eq!(request.headers().get("content-type"), Some("application/x-amz-json-1.1"));
            assert!(
                request.headers().get("authorization").is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256")),
                "signed"
            );
            serde_json::from_slice(request.body().bytes().unwrap_or(b"{}")).unwrap()
        };
        let seen = Seen {
            operation,
            body,
            uri: request.uri().to_string(),
            authorization: request.headers().get("authorization").unwrap_or_default().to_string(),
        };
        let before = {
            let mut log = self.seen.lock().unwrap();
            let n = log.iter().filter(|s| s.operation == seen.operation).count();
            log.push(seen.clone());
            n
        };
        let reply = (self.handler)(&seen, before);
        let fake = self.clone();
        HttpConnectorFuture::new(async move {
            let now = fake.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            fake.max_in_flight.fetch_max(now, Ordering::SeqCst);
            if !fake.delay.is_zero() {
                tokio::time::sleep(fake.delay).await;
            }
            fake.in_flight.fetch_sub(1, Ordering::SeqCst);
            let (status, body, content_type) = match reply {
                Reply::Refused => {
                    let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
                    return Err(aws_smithy_runtime_api::client::result::ConnectorError::io(refused.into()));
                }
                Reply::Ok(v) => (200, v.to_string(), "application/x-amz-json-1.1"),
                Reply::Error(status, kind, message) => {
                    (status, json!({"__type": kind, "message": message}).to_string(), "application/x-amz-json-1.1")
                }
                Reply::Raw(status, body, content_type) => (status, body.to_string(), content_type),
            };
            let mut response = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
            response.headers_mut().insert("content-type", content_type);
            Ok(response)
        })
    }
}

const ACCOUNT: &str = "123456789012";

fn arn(family: &str, revision: u32) -> String {
    format!("arn:aws:ecs:eu-west-1:{ACCOUNT}:task-definition/{family}:{revision}")
}

/// A DescribeTaskDefinition `taskDefinition` as ECS sends it (timestamps in epoch seconds).
fn ecs_task_definition(family: &str, revision: u32, status: &str) -> Value {
    let mut td = json!({
        "taskDefinitionArn": arn(family, revision),
        "containerDefinitions": [{"name": "app", "image": "nginx", "cpu": 0, "essential": true, "portMappings": [], "environment": [], "mountPoints": [], "volumesFrom": [], "systemControls": []}],
        "family": family,
        "networkMode": "awsvpc",
        "revision": revision,
        "volumes": [],
        "status": status,
        "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"}],
        "placementConstraints": [],
        "compatibilities": ["EC2", "FARGATE"],
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "registeredAt": 1_791_362_700.0 + f64::from(revision),
        "registeredBy": format!("arn:aws:iam::{ACCOUNT}:user/alice")
    });
    if status == "INACTIVE" {
        td["deregisteredAt"] = json!(1_791_449_100.5);
    }
    td
}

/// The revision a DescribeTaskDefinition / DeregisterTaskDefinition request names.
fn named(seen: &Seen) -> (String, u32) {
    let name = seen.body["taskDefinition"].as_str().unwrap();
    let (family, revision) = name.rsplit_once(':').unwrap();
    (family.to_string(), revision.parse().unwrap())
}

/// A fake account: revisions by family (status of each), answering lists in pages of `page`
/// (honouring nextToken) and describes (with tags).
fn account(
    families: BTreeMap<String, Vec<(u32, &'static str)>>,
    page: usize,
) -> impl Fn(&Seen, usize) -> Reply + Send + Sync {
    move |seen, _| match seen.operation.as_str() {
        "ListTaskDefinitions" => {
            let status = seen.body["status"].as_str().unwrap_or("ACTIVE");
            let family = seen.body["familyPrefix"].as_str();
            let arns: Vec<String> = families
                .iter()
                .filter(|(f, _)| family.is_none_or(|want| want == f.as_str()))
                .flat_map(|(f, revs)| revs.iter().filter(|(_, s)| *s == status).map(move |(r, _)| arn(f, *r)))
                .collect();
            paged(seen, "taskDefinitionArns", arns, page)
        }
        "ListTaskDefinitionFamilies" => paged(seen, "families", families.keys().cloned().collect(), page),
        "DescribeTaskDefinition" => {
            let (family, revision) = named(seen);
            match families.get(&family).and_then(|revs| revs.iter().find(|(r, _)| *r == revision)) {
                Some((_, status)) => Reply::Ok(json!({
                    "taskDefinition": ecs_task_definition(&family, revision, status),
                    "tags": [{"key": "team", "value": "payments"}]
                })),
                None => Reply::Error(400, "ClientException", "Unable to describe task definition.".into()),
            }
        }
        other => panic!("unexpected {other}"),
    }
}

/// One page of `items`: `nextToken` is the index of the next item.
fn paged(seen: &Seen, field: &str, items: Vec<String>, page: usize) -> Reply {
    assert_eq!(seen.body["maxResults"], json!(100), "the largest page ECS allows");
    let start: usize =
        seen.body["nextToken"].as_str().map(|t| t.strip_prefix("page-").unwrap().parse().unwrap()).unwrap_or(0);
    let end = (start + page).min(items.len());
    let mut out = json!({ field: items[start..end] });
    if end < items.len() {
        out["nextToken"] = json!(format!("page-{end}"));
    }
    Reply::Ok(out)
}

fn families(spec: &[(&str, &[(u32, &'static str)])]) -> BTreeMap<String, Vec<(u32, &'static str)>> {
    spec.iter().map(|(f, revs)| (f.to_string(), revs.to_vec())).collect()
}

#[tokio::test]
async fn lists_follow_next_token_to_the_end() {
    let spec = families(&[
        ("web", &[(1, "INACTIVE"), (2, "ACTIVE"), (3, "ACTIVE"), (4, "INACTIVE")]),
        ("Batch", &[(1, "INACTIVE"), (2, "INACTIVE")]),
        ("api", &[(1, "ACTIVE"), (2, "ACTIVE"), (3, "ACTIVE"), (4, "ACTIVE"), (5, "ACTIVE")]),
    ]);
    let fake = FakeEcs::new(account(spec, 2));
    let store = fake.store(3, 4);
    let families = store.list_families().await.unwrap();
    let summary: Vec<_> = families
        .iter()
        .map(|f| (f.family.as_str(), f.status, f.latest_active_revision, f.revision_count, f.latest_revision))
        .collect();
    assert_eq!(
        summary,
        [
            ("api", TaskDefStatus::Active, Some(5), 5, 5),
            ("Batch", TaskDefStatus::Inactive, None, 2, 2),
            ("web", TaskDefStatus::Active, Some(3), 4, 4),
        ]
    );
    let web = &families[2];
    assert_eq!(web.registered_at.as_deref(), Some("2026-10-07T08:45:03Z"));
    assert_eq!(web.registered_by.as_deref(), Some("arn:aws:iam::123456789012:user/alice"));
    // 7 ACTIVE in pages of 2 (4 requests), 4 INACTIVE (2 requests), each page asked for by its token.
    let lists: Vec<(String, Option<String>)> = fake
        .seen()
        .iter()
        .filter(|s| s.operation == "ListTaskDefinitions")
        .map(|s| (s.body["status"].as_str().unwrap().to_string(), s.body["nextToken"].as_str().map(str::to_string)))
        .collect();
    let tokens = |status: &str| -> Vec<Option<String>> {
        lists.iter().filter(|(s, _)| s == status).map(|(_, t)| t.clone()).collect()
    };
    assert_eq!(tokens("ACTIVE"), [None, Some("page-2".into()), Some("page-4".into()), Some("page-6".into())]);
    assert_eq!(tokens("INACTIVE"), [None, Some("page-2".into())]);
    // Only the latest ACTIVE revision of each family is described.
    let mut described: Vec<_> =
        fake.seen().iter().filter(|s| s.operation == "DescribeTaskDefinition").map(named).collect();
    described.sort();
    assert_eq!(described, [("api".into(), 5), ("web".into(), 3)]);

    let revisions = store.list_revisions("api").await.unwrap();
    assert_eq!(revisions.iter().map(|r| r.revision).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    assert!(fake.seen().iter().any(|s| s.operation == "ListTaskDefinitions"
        && s.body["familyPrefix"] == "api"
        && s.body["nextToken"] == "page-4"));
}

#[tokio::test]
async fn family_names_follow_next_token_to_the_end() {
    let spec: BTreeMap<_, _> = (0..7).map(|i| (format!("family-{i}"), vec![(1, "ACTIVE")])).collect();
    let fake = FakeEcs::new(account(spec, 3));
    let names = fake.store(3, 4).family_names(TaskDefinitionFamilyStatus::All).await.unwrap();
    assert_eq!(names, (0..7).map(|i| format!("family-{i}")).collect::<Vec<_>>());
    let requests: Vec<_> =
        fake.seen().iter().map(|s| (s.body["status"].clone(), s.body["nextToken"].clone())).collect();
    assert_eq!(
        requests,
        [(json!("ALL"), Value::Null), (json!("ALL"), json!("page-3")), (json!("ALL"), json!("page-6"))]
    );
}

#[tokio::test]
async fn revisions_are_described_concurrently_within_the_bound() {
    let revs: Vec<(u32, &'static str)> =
        (1..=24).map(|r| (r, if r % 5 == 0 { "INACTIVE" } else { "ACTIVE" })).collect();
    let mut fake = FakeEcs::new(account(families(&[("web", &revs)]), 100));
    fake.delay = Duration::from_millis(30);
    let store = fake.store(3, 4);
    let started = std::time::Instant::now();
    let summaries = store.list_revisions("web").await.unwrap();
    let took = started.elapsed();
    assert_eq!(summaries.len(), 24);
    assert_eq!(summaries.iter().map(|r| r.revision).collect::<Vec<_>>(), (1..=24).collect::<Vec<_>>(), "oldest first");
    assert_eq!(summaries[4].status, TaskDefStatus::Inactive);
    assert_eq!(summaries[4].deregistered_at.as_deref(), Some("2026-10-08T08:45:00.5Z"));
    assert_eq!(summaries[0].registered_at, "2026-10-07T08:45:01Z");
    assert_eq!(fake.max_in_flight.load(Ordering::SeqCst), 4, "at most 4 describes at once, and that many");
    // 24 describes, 4 at a time, 30 ms each: about 6 rounds, far from 24 in a row.
    assert!(took < Duration::from_millis(24 * 30), "{took:?}");
}

#[tokio::test]
async fn describes_are_cached_and_refreshed_when_the_listed_status_changes() {
    let state = Arc::new(Mutex::new(families(&[("web", &[(1, "ACTIVE"), (2, "ACTIVE")])])));
    let shared = Arc::clone(&state);
    let fake = FakeEcs::new(move |seen, n| account(shared.lock().unwrap().clone(), 100)(seen, n));
    let store = fake.store(3, 4);
    let first = store.describe("web", Some(1)).await.unwrap();
    let again = store.describe("web", Some(1)).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(fake.count("DescribeTaskDefinition"), 1, "a revision is described once");
    assert_eq!(first.tags, vec![json!({"key": "team", "value": "payments"})]);
    // The latest ACTIVE revision: the lists are asked every time, the describe is cached.
    assert_eq!(store.describe("web", None).await.unwrap().revision(), 2);
    assert_eq!(store.describe("web", None).await.unwrap().revision(), 2);
    assert_eq!(fake.count("DescribeTaskDefinition"), 2);
    store.list_revisions("web").await.unwrap();
    assert_eq!(fake.count("DescribeTaskDefinition"), 2, "both cached");
    // Someone else deregisters web:1: the next list sees it and describes it again.
    state.lock().unwrap().get_mut("web").unwrap()[0].1 = "INACTIVE";
    let revs = store.list_revisions("web").await.unwrap();
    assert_eq!(revs[0].status, TaskDefStatus::Inactive);
    assert!(revs[0].deregistered_at.is_some());
    assert_eq!(fake.count("DescribeTaskDefinition"), 3);
    assert_eq!(store.describe("web", Some(1)).await.unwrap().status(), Some(TaskDefStatus::Inactive));
}

#[tokio::test]
async fn unknown_families_and_revisions_are_not_found() {
    let fake = FakeEcs::new(account(
        families(&[("web", &[(1, "ACTIVE"), (2, "INACTIVE")]), ("old", &[(1, "INACTIVE")])]),
        100,
    ));
    let store = fake.store(3, 4);
    match store.describe("nope", Some(1)).await {
        Err(StoreError::NotFound { family, revision: None, message }) => {
            assert_eq!(family, "nope");
            assert!(message.contains("`nope` not found"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    match store.describe("web", Some(9)).await {
        Err(StoreError::NotFound { revision: Some(9), message, .. }) => {
            assert!(message.contains("up to 2"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(store.describe("old", None).await, Err(StoreError::NotFound { message, .. }) if message.contains("no ACTIVE revision"))
    );
    assert!(matches!(store.list_revisions("nope").await, Err(StoreError::NotFound { .. })));
    let before = fake.seen().len();
    assert!(matches!(store.describe("not a family!", None).await, Err(StoreError::NotFound { .. })));
    assert_eq!(fake.seen().len(), before, "a name ECS cannot have is not asked for");
}

#[tokio::test]
async fn throttling_is_retried_with_backoff_and_then_succeeds() {
    let fake = FakeEcs::new(|seen, n| match seen.operation.as_str() {
        "DescribeTaskDefinition" if n < 2 => Reply::Error(400, "ThrottlingException", "Rate exceeded".into()),
        _ => account(families(&[("web", &[(1, "ACTIVE")])]), 100)(seen, n),
    });
    let store = fake.store(3, 4);
    let d = store.describe("web", Some(1)).await.expect("the third attempt gets through");
    assert_eq!(d.revision(), 1);
    assert_eq!(fake.count("DescribeTaskDefinition"), 3);
}

#[tokio::test]
async fn throttling_after_the_last_attempt_is_a_clear_error() {
    let fake = FakeEcs::new(|_, _| Reply::Error(400, "com.amazonaws.ecs#ThrottlingException", "Rate exceeded".into()));
    let store = fake.store(4, 4);
    let err = store.list_revisions("web").await.unwrap_err();
    let StoreError::Unavailable { message } = &err else { panic!("{err:?}") };
    assert!(
        message.contains("ECS kept throttling ecs:ListTaskDefinitions (ThrottlingException) after 4 attempts"),
        "{message}"
    );
    assert!(message.contains("Rate exceeded") && message.contains("try again later"), "{message}");
    // ACTIVE and INACTIVE are listed concurrently; the first chain to give up ends the call
    // (the other is dropped mid-way), and that one made every attempt.
    let attempts = |status: &str| fake.seen().iter().filter(|s| s.body["status"] == status).count();
    assert_eq!(attempts("ACTIVE").max(attempts("INACTIVE")), 4, "the SDK's retry policy made every attempt");
}

#[tokio::test]
async fn access_denied_names_the_missing_iam_action() {
    let fake = FakeEcs::new(|seen, _| match seen.operation.as_str() {
        "DescribeTaskDefinition" | "RegisterTaskDefinition" => Reply::Error(
            400,
            "AccessDeniedException",
            format!(
                "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecs:{} on resource: *",
                seen.operation
            ),
        ),
        _ => Reply::Ok(json!({"taskDefinitionArns": []})),
    });
    let store = fake.store(3, 4);
    let err = store.describe("web", Some(1)).await.unwrap_err();
    let StoreError::Unavailable { message } = &err else { panic!("{err:?}") };
    assert!(message.starts_with("access denied: the AWS identity in use may not call ecs:DescribeTaskDefinition in eu-west-1; grant it `ecs:DescribeTaskDefinition` in IAM."), "{message}");
    assert!(message.contains("is not authorized to perform: ecs:DescribeTaskDefinition"), "ECS's text too: {message}");
    assert_eq!(fake.count("DescribeTaskDefinition"), 1, "not retried");
    let mut tagged = contract::minimal("web");
    tagged["tags"] = json!([{"key": "team", "value": "payments"}]);
    let err = store.register(&tagged, "ignored").await.unwrap_err();
    assert!(err.message().contains("ecs:RegisterTaskDefinition (and ecs:TagResource, for the tags)"), "{err}");
}

#[tokio::test]
async fn client_exceptions_are_invalid_with_ecs_text_verbatim() {
    let text = "Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.";
    let fake = FakeEcs::new(move |_, _| Reply::Error(400, "ClientException", text.into()));
    let store = fake.store(3, 4);
    let err = store.register(&contract::minimal("web"), "ignored").await.unwrap_err();
    assert_eq!(err, StoreError::invalid("", text));
    assert_eq!(err.to_string(), format!("ClientException: {text}"));
    assert_eq!(fake.count("RegisterTaskDefinition"), 1, "not retried");
}

#[tokio::test]
async fn input_ecs_would_refuse_is_refused_without_a_request() {
    let fake = FakeEcs::new(|seen, _| panic!("no request expected, got {}", seen.operation));
    let store = fake.store(3, 4);
    let cases = [
        (json!({"containerDefinitions": [{"name": "a"}]}), ""),
        (json!({"family": "a b", "containerDefinitions": [{"name": "a"}]}), "/family"),
        (json!({"family": "a", "containerDefinitions": []}), "/containerDefinitions"),
        (json!({"family": "a", "containerDefinitions": [{"name": "a"}], "tags": [{"value": "v"}]}), "/tags/0"),
        (
            json!({"family": "a", "containerDefinitions": [{"name": "a", "healthcheck": {}}]}),
            "/containerDefinitions/0/healthcheck",
        ),
        (
            json!({"family": "a", "containerDefinitions": [{"name": "a", "memory": 0.5}]}),
            "/containerDefinitions/0/memory",
        ),
    ];
    for (input, pointer) in cases {
        match store.register(&input, "ignored").await {
            Err(StoreError::Invalid { pointer: p, .. }) => assert_eq!(p, pointer, "{input}"),
            other => panic!("{input}: {other:?}"),
        }
    }
    assert!(fake.seen().is_empty());
}

#[tokio::test]
async fn register_sends_the_input_and_keeps_the_tags() {
    let fake = FakeEcs::new(|seen, n| match seen.operation.as_str() {
        "RegisterTaskDefinition" => {
            let mut td = seen.body.clone();
            let tags = td.as_object_mut().unwrap().shift_remove("tags");
            td["taskDefinitionArn"] = json!(arn("web", 7));
            td["revision"] = json!(7);
            td["status"] = json!("ACTIVE");
            td["compatibilities"] = json!(["EC2", "FARGATE"]);
            // The first answer echoes the tags (as ECS does), the second does not (as moto).
            Reply::Ok(if n == 0 { json!({"taskDefinition": td, "tags": tags}) } else { json!({"taskDefinition": td}) })
        }
        other => panic!("unexpected {other}"),
    });
    let store = fake.store(3, 4);
    let mut input = contract::minimal("web");
    input["tags"] = json!([{"key": "team", "value": "payments"}, {"key": "flag"}]);
    for _ in 0..2 {
        let d = store.register(&input, "ignored").await.unwrap();
        assert_eq!(d.family_revision(), "web:7");
        assert_eq!(Value::Array(d.tags.clone()), input["tags"]);
        assert_eq!(d.register_input(), convert::with_model_defaults(&input));
    }
    let sent = &fake.seen()[0].body;
    assert_eq!(sent, &convert::with_model_defaults(&input), "the request is the input (cpu 0 is the model's default)");
    // Registered revisions are cached: describing it needs no request.
    assert_eq!(store.describe("web", Some(7)).await.unwrap().revision(), 7);
    assert_eq!(fake.seen().len(), 2);
}

#[tokio::test]
async fn deregister_checks_the_current_state_first() {
    let fake = FakeEcs::new(|seen, n| match seen.operation.as_str() {
        "DeregisterTaskDefinition" => {
            let (family, revision) = named(seen);
            Reply::Ok(json!({"taskDefinition": ecs_task_definition(&family, revision, "INACTIVE")}))
        }
        _ => account(families(&[("web", &[(1, "ACTIVE"), (2, "INACTIVE")])]), 100)(seen, n),
    });
    let store = fake.store(3, 4);
    let d = store.deregister("web", 1).await.unwrap();
    assert_eq!(d.status(), Some(TaskDefStatus::Inactive));
    assert_eq!(d.task_definition["deregisteredAt"], "2026-10-08T08:45:00.5Z");
    assert_eq!(d.tags, vec![json!({"key": "team", "value": "payments"})], "its tags, from the describe");
    assert_eq!(store.describe("web", Some(1)).await.unwrap(), d, "the cache has the deregistered revision");
    match store.deregister("web", 2).await {
        Err(StoreError::Conflict { message }) => {
            assert!(
                message.contains("`web:2` is already INACTIVE (deregistered at 2026-10-08T08:45:00.5Z)"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(store.deregister("web", 5).await, Err(StoreError::NotFound { revision: Some(5), .. })));
    assert_eq!(fake.count("DeregisterTaskDefinition"), 1, "only the ACTIVE revision was deregistered");
}

#[tokio::test]
async fn a_read_only_store_refuses_writes_without_a_request() {
    let fake = FakeEcs::new(|seen, _| panic!("no request expected, got {}", seen.operation));
    let options = AwsOptions { read_only: true, ..Default::default() };
    let store = AwsStore::from_sdk_config(&fake.conf(3), options).unwrap();
    assert!(store.is_read_only());
    let err = store.register(&contract::minimal("web"), "me").await.unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }) && err.message().contains("--read-only"), "{err}");
    assert!(matches!(store.deregister("web", 1).await, Err(StoreError::ReadOnly { .. })));
}

#[tokio::test]
async fn an_answer_that_is_not_ecs_is_unavailable_after_retries() {
    // What moto does with a request it cannot handle: HTTP 500 with an HTML page.
    let fake = FakeEcs::new(|_, _| Reply::Raw(500, "<html><body>Internal Server Error</body></html>", "text/html"));
    let store = fake.store(2, 4);
    let err = store.describe("web", Some(1)).await.unwrap_err();
    let StoreError::Unavailable { message } = &err else { panic!("{err:?}") };
    assert!(message.contains("answered the request to describe task definition `web:1` with something that is not an ECS answer (HTTP 500)"), "{message}");
    assert!(!message.contains("SdkBody"), "no debug dump: {message}");
    assert_eq!(fake.count("DescribeTaskDefinition"), 2, "server errors are retried");
}

#[tokio::test]
async fn expired_and_rejected_credentials_say_so() {
    for (code, needle) in [
        ("ExpiredTokenException", "have expired"),
        ("UnrecognizedClientException", "were rejected (UnrecognizedClientException)"),
    ] {
        let fake = FakeEcs::new(move |_, _| {
            Reply::Error(400, code, "The security token included in the request is invalid.".into())
        });
        let err = fake.store(3, 4).list_families().await.unwrap_err();
        assert!(err.message().contains(needle), "{code}: {err}");
        assert!(!err.message().contains("not-a-real-secret"), "never the secret");
    }
}

/// A credentials provider that has none, like the default chain with nothing configured.
#[derive(Debug)]
struct NoCredentials;

impl ProvideCredentials for NoCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(Err(CredentialsError::not_loaded(
            "no providers in chain provided credentials",
        )))
    }
}

#[tokio::test]
async fn no_credentials_says_how_to_configure_them() {
    let fake = FakeEcs::new(|seen, _| panic!("no request expected, got {}", seen.operation));
    let conf = fake.conf(3).into_builder().credentials_provider(SharedCredentialsProvider::new(NoCredentials)).build();
    let store = AwsStore::from_sdk_config(&conf, AwsOptions::default()).unwrap();
    let err = store.list_families().await.unwrap_err();
    let StoreError::Unavailable { message } = &err else { panic!("{err:?}") };
    assert!(message.starts_with("no AWS credentials found to list task definitions"), "{message}");
    assert!(
        message.contains("AWS_ACCESS_KEY_ID") && message.contains("AWS_PROFILE") && message.contains("aws sso login"),
        "{message}"
    );
    // With a profile: about that profile.
    let store =
        AwsStore::from_sdk_config(&conf, AwsOptions { profile: Some("prod".into()), ..Default::default() }).unwrap();
    let err = store.describe("web", Some(1)).await.unwrap_err();
    assert!(
        err.message().contains("check profile `prod`") && err.message().contains("aws sso login --profile prod"),
        "{err}"
    );
    assert!(fake.seen().is_empty());
}

#[tokio::test]
async fn the_default_credentials_chain_with_nothing_configured_is_no_credentials() {
    // aws-config's real chain (environment, profile files, web identity, ECS container, IMDS),
    // with an empty environment and empty profile files; its IMDS requests reach the fake
    // (the shared HTTP client), which refuses them, so nothing leaves the machine.
    let fake = FakeEcs::new(|_, _| Reply::Refused);
    let imds_and_ecs = fake.clone();
    let conf = aws_config::defaults(BehaviorVersion::latest())
        .empty_test_environment()
        .profile_files(
            // The alias aws-config's own API takes (the type lives in aws-runtime).
            #[allow(deprecated)]
            aws_config::profile::profile_file::ProfileFiles::builder()
                .with_contents(
                    #[allow(deprecated)]
                    aws_config::profile::profile_file::ProfileFileKind::Config,
                    "",
                )
                .build(),
        )
        .region(Region::new("eu-west-1"))
        .http_client(http_client_fn(move |_, _| SharedHttpConnector::new(imds_and_ecs.clone())))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .load()
        .await;
    let store = AwsStore::from_sdk_config(&conf, AwsOptions::default()).unwrap();
    let err = store.describe("web", Some(1)).await.unwrap_err();
    assert!(err.message().starts_with("no AWS credentials found to describe task definition `web:1`"), "{err}");
    assert!(!err.message().contains('\n') && !err.message().contains("Response {"), "one line, no debug dump: {err}");
    assert_eq!(fake.count("DescribeTaskDefinition"), 0, "ECS was not called");
    assert!(
        fake.seen().iter().all(|s| s.body["uri"].as_str().is_some_and(|u| u.starts_with("http://169.254.169.254/"))),
        "only IMDS was tried (and refused by the fake)"
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_unavailable_naming_it() {
    // A port nothing listens on: bind one, then close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let conf = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .endpoint_url(&url)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new("AKIDEXAMPLE", "x", None, None, "test")))
        .http_client(https_client())
        .retry_config(RetryConfig::standard().with_max_attempts(2).with_initial_backoff(Duration::from_millis(1)))
        .build();
    let store = AwsStore::from_sdk_config(&conf, AwsOptions::default()).unwrap();
    assert_eq!(store.source(), format!("Amazon ECS in eu-west-1, endpoint {url}"));
    assert!(!store.reports_all_read_only_fields(), "an ECS-compatible endpoint may leave them out");
    let err = store.list_families().await.unwrap_err();
    let StoreError::Unavailable { message } = &err else { panic!("{err:?}") };
    assert!(
        message
            .starts_with(&format!("cannot reach the ECS endpoint {url} to list task definitions: could not connect")),
        "{message}"
    );
    assert!(message.contains("is running"), "{message}");
}

#[tokio::test]
async fn source_and_capabilities() {
    let fake = FakeEcs::new(|_, _| Reply::Ok(json!({})));
    let store =
        AwsStore::from_sdk_config(&fake.conf(3), AwsOptions { profile: Some("prod".into()), ..Default::default() })
            .unwrap();
    assert_eq!(store.source(), "Amazon ECS in eu-west-1, profile prod");
    assert_eq!(store.region(), "eu-west-1");
    assert!(!store.preserves_input_text());
    assert!(store.reports_all_read_only_fields(), "ECS itself reports every read-only field");
    // Options fill in what the configuration lacks, and the client then uses them.
    let bare = fake.conf(3).into_builder().region(None).build();
    let options = AwsOptions {
        region: Some("us-east-2".into()),
        endpoint_url: Some("http://127.0.0.1:9".into()),
        ..Default::default()
    };
    let store = AwsStore::from_sdk_config(&bare, options).unwrap();
    assert_eq!(store.source(), "Amazon ECS in us-east-2, endpoint http://127.0.0.1:9");
    store.family_names(TaskDefinitionFamilyStatus::Active).await.unwrap();
    let seen = fake.seen().pop().unwrap();
    assert!(seen.uri.starts_with("http://127.0.0.1:9"), "{}", seen.uri);
    assert!(seen.authorization.contains("/us-east-2/ecs/aws4_request"), "{}", seen.authorization);
    let no_region = SdkConfig::builder().behavior_version(BehaviorVersion::latest()).build();
    let err = AwsStore::from_sdk_config(&no_region, AwsOptions { profile: Some("dev".into()), ..Default::default() })
        .unwrap_err();
    assert!(err.message().contains("no AWS region") && err.message().contains("`dev`"), "{err}");
}

#[test]
fn task_definition_arns_parse() {
    assert_eq!(parse_arn("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:12"), Some(("web", 12)));
    assert_eq!(parse_arn("arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/a_b-c:1"), Some(("a_b-c", 1)));
    assert_eq!(parse_arn("arn:aws:ecs:eu-west-1:123456789012:task-definition/web"), None);
    assert_eq!(parse_arn("arn:aws:ecs:eu-west-1:123456789012:cluster/web:1"), None);
}

use crate::store::contract;

/// The fake account, plus one cluster whose one service runs `web:2` (ListClusters,
/// ListServices, DescribeServices).
fn account_with_services(
    families: BTreeMap<String, Vec<(u32, &'static str)>>,
) -> impl Fn(&Seen, usize) -> Reply + Send + Sync {
    let ecs = account(families, 100);
    move |seen, n| match seen.operation.as_str() {
        "ListClusters" => Reply::Ok(json!({"clusterArns": [format!("arn:aws:ecs:eu-west-1:{ACCOUNT}:cluster/prod")]})),
        "ListServices" => {
            Reply::Ok(json!({"serviceArns": [format!("arn:aws:ecs:eu-west-1:{ACCOUNT}:service/prod/web")]}))
        }
        "DescribeServices" => Reply::Ok(json!({"services": [{
            "serviceName": "web", "clusterArn": format!("arn:aws:ecs:eu-west-1:{ACCOUNT}:cluster/prod"),
            "taskDefinition": arn("web", 2), "desiredCount": 2, "runningCount": 2,
            "deployments": [{"status": "PRIMARY", "taskDefinition": arn("web", 2), "desiredCount": 2, "runningCount": 2}]
        }], "failures": []})),
        _ => ecs(seen, n),
    }
}

#[tokio::test]
async fn a_sync_throttled_beyond_the_retries_is_partial_and_the_next_one_resumes() {
    use crate::store::mirror::{FamilyQuery, Mirror};
    use crate::store::sync::{sync, SyncOptions};
    let spec: Vec<(String, Vec<(u32, &'static str)>)> =
        (0..12).map(|i| (format!("svc-{i:02}"), vec![(1, "INACTIVE"), (2, "ACTIVE")])).collect();
    let mut spec: BTreeMap<String, Vec<(u32, &'static str)>> = spec.into_iter().collect();
    spec.insert("web".into(), vec![(1, "ACTIVE"), (2, "ACTIVE")]);
    let total = spec.values().map(Vec::len).sum::<usize>();
    let db = crate::store::test_db::sqlite();
    let mirror = Mirror::on(crate::store::Database::open(&db.location).await.unwrap());
    let options = SyncOptions { concurrency: 2, batch: 4, give_up_after: 3 };

    // ECS throttles every describe after the tenth, beyond the SDK's 2 attempts.
    let ecs = account_with_services(spec.clone());
    let throttling = FakeEcs::new(move |seen, n| match seen.operation.as_str() {
        "DescribeTaskDefinition" if n >= 10 => Reply::Error(400, "ThrottlingException", "Rate exceeded".into()),
        _ => ecs(seen, n),
    });
    let report = sync(&throttling.store(2, 2), &mirror, "aws:eu-west-1", options, &|_, _| {}).await.unwrap();
    assert_eq!(report.revisions, total);
    assert!((10..total).contains(&report.described), "{report:?}");
    assert!(report.failed.iter().any(|f| f.contains("ThrottlingException")), "{:?}", report.failed);
    assert_eq!(report.services, Some(1), "services are still recorded");
    let status = mirror.status("aws:eu-west-1").await.unwrap();
    assert_eq!(status.state, "partial");
    let first = report.described;

    // The throttling is over: the next sync describes only what is missing.
    let calm = FakeEcs::new(account_with_services(spec));
    let report = sync(&calm.store(2, 2), &mirror, "aws:eu-west-1", options, &|_, _| {}).await.unwrap();
    assert_eq!(report.described, total - first, "{report:?}");
    assert_eq!(calm.count("DescribeTaskDefinition"), total - first);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(mirror.status("aws:eu-west-1").await.unwrap().state, "idle");
    let page = mirror.families("aws:eu-west-1", &FamilyQuery::default()).await.unwrap();
    assert_eq!(page.total, 13);
    let web = mirror.family("aws:eu-west-1", "web").await.unwrap().unwrap();
    assert_eq!((web.latest_active, web.in_use), (Some(2), 1));
    let running = mirror.services("aws:eu-west-1", "web", Some(2)).await.unwrap();
    assert_eq!((running[0].cluster.as_str(), running[0].service.as_str(), running[0].running), ("prod", "web", 2));

    // A resync with nothing new lists, describes nothing, and reads the services again.
    let again = FakeEcs::new(account_with_services(
        (0..12)
            .map(|i| (format!("svc-{i:02}"), vec![(1, "INACTIVE"), (2, "ACTIVE")]))
            .chain([("web".to_string(), vec![(1, "ACTIVE"), (2, "ACTIVE")])])
            .collect(),
    ));
    let report = sync(&again.store(2, 2), &mirror, "aws:eu-west-1", options, &|_, _| {}).await.unwrap();
    assert_eq!((report.new, report.described), (0, 0));
    assert_eq!(again.count("DescribeTaskDefinition"), 0, "nothing new: no describe");
    assert_eq!(again.count("DescribeServices"), 1);
}

const ASSUMED: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAROLEKEYEXAMPLE</AccessKeyId>
      <SecretAccessKey>not-a-real-role-secret</SecretAccessKey>
      <SessionToken>not-a-real-session-token</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROAEXAMPLE:ecs-lens</AssumedRoleId>
      <Arn>arn:aws:sts::210987654321:assumed-role/ecs-lens-reader/ecs-lens</Arn>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>assumed</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#;

const DENIED: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/ecs-lens-reader</Message></Error>
  <RequestId>denied</RequestId>
</ErrorResponse>"#;

const ROLE: &str = "arn:aws:iam::210987654321:role/ecs-lens-reader";

#[tokio::test]
async fn an_assumed_role_signs_the_ecs_calls_with_its_own_credentials() {
    let ecs = account(families(&[("web", &[(1, "ACTIVE")])]), 100);
    let fake = FakeEcs::new(move |seen, n| match seen.operation.as_str() {
        "" => Reply::Raw(200, ASSUMED, "text/xml"),
        _ => ecs(seen, n),
    });
    let conf = assume_role(fake.conf(2), ROLE, Some("ecs-lens-external-id")).await;
    let options = AwsOptions { role_arn: Some(ROLE.into()), ..Default::default() };
    let store = AwsStore::from_sdk_config(&conf, options).unwrap();
    assert_eq!(store.list_families().await.unwrap().len(), 1);
    let seen = fake.seen();
    let sts: Vec<&Seen> = seen.iter().filter(|s| s.operation.is_empty()).collect();
    assert_eq!(sts.len(), 1, "assumed once, then cached: {seen:?}");
    let form = sts[0].body["form"].as_str().unwrap();
    assert!(form.contains("Action=AssumeRole"), "{form}");
    assert!(form.contains("RoleArn=arn%3Aaws%3Aiam%3A%3A210987654321%3Arole%2Fecs-lens-reader"), "{form}");
    assert!(form.contains("ExternalId=ecs-lens-external-id") && form.contains("RoleSessionName=ecs-lens"), "{form}");
    assert!(sts[0].authorization.contains("Credential=AKIDEXAMPLE/"), "STS is asked with the base credentials");
    for call in seen.iter().filter(|s| !s.operation.is_empty()) {
        assert!(
            call.authorization.contains("Credential=ASIAROLEKEYEXAMPLE/"),
            "{}: {}",
            call.operation,
            call.authorization
        );
    }
}

#[tokio::test]
async fn a_role_that_cannot_be_assumed_says_which_and_why() {
    let fake = FakeEcs::new(|seen, _| match seen.operation.as_str() {
        "" => Reply::Raw(403, DENIED, "text/xml"),
        other => panic!("no ECS call without credentials, not {other}"),
    });
    let conf = assume_role(fake.conf(2), ROLE, None).await;
    let options = AwsOptions { role_arn: Some(ROLE.into()), ..Default::default() };
    let store = AwsStore::from_sdk_config(&conf, options).unwrap();
    let err = store.list_families().await.unwrap_err().to_string();
    assert!(err.contains(&format!("check that the role `{ROLE}` exists")), "{err}");
    assert!(err.contains("sts:AssumeRole"), "{err}");
    assert!(!err.contains("not-a-real"), "{err}");
}
