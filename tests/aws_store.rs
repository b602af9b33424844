//! The store contract (the same suite the embedded store passes, tests/store.rs) against the
//! Amazon ECS store talking to moto's ECS emulator.
//!
//! Needs a running moto server: `export ECS_LENS_MOTO_URL=$(scripts/moto.sh start)` (and
//! `scripts/moto.sh stop` after). Without `ECS_LENS_MOTO_URL` every test here fails, saying so,
//! unless `ECS_LENS_SKIP_MOTO=1` is set to skip them on purpose.
//!
//! The store is made the way `ecs-lens` makes it, from aws-config's default chain: the endpoint
//! comes from `AWS_ENDPOINT_URL` (so the test also shows it is honoured), credentials from
//! `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (dummies: moto accepts any), the region from
//! `AWS_REGION`. The tests share one moto server, so they run one at a time, each after
//! `POST /moto-api/reset`.
//!
//! What moto does not do like ECS (pagination, throttling, error answers, validation) is tested
//! without network in src/store/aws/tests.rs.
#![cfg(feature = "ssr")]

mod common;

use std::future::Future;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use ecs_lens::store::aws::{AwsOptions, AwsStore};
use ecs_lens::store::{contract, seed, StoreError, TaskDefStatus, TaskDefStore};
use serde_json::{json, Value};

const REGION: &str = "ap-northeast-1";

/// moto's URL, with the process environment set up for aws-config once; `None` to skip.
fn moto() -> Option<&'static str> {
    static URL: OnceLock<Option<String>> = OnceLock::new();
    URL.get_or_init(|| {
        let url = match std::env::var("ECS_LENS_MOTO_URL") {
            Ok(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_string(),
            _ if std::env::var("ECS_LENS_SKIP_MOTO").as_deref() == Ok("1") => return None,
            _ => panic!(
                "ECS_LENS_MOTO_URL is not set: these tests run the store contract against moto's ECS emulator. \
                 Start it with `export ECS_LENS_MOTO_URL=$(scripts/moto.sh start)` (stop it with `scripts/moto.sh stop`), \
                 or set ECS_LENS_SKIP_MOTO=1 to skip them on purpose."
            ),
        };
        // Only this test binary's process; before any store is made (every test comes here first).
        for (k, v) in common::fake_aws_env(url.as_str(), REGION) {
            std::env::set_var(k, v);
        }
        for k in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_ECS"] {
            std::env::remove_var(k);
        }
        Some(url)
    })
    .as_deref()
}

/// One test at a time against the shared server.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `POST /moto-api/reset`: forget every task definition.
fn reset(url: &str) {
    let authority =
        url.strip_prefix("http://").unwrap_or_else(|| panic!("ECS_LENS_MOTO_URL must be http://HOST:PORT, not {url}"));
    let mut conn = std::net::TcpStream::connect(authority)
        .unwrap_or_else(|e| panic!("cannot connect to moto at {url} ({e}): is it running? (scripts/moto.sh start)"));
    write!(
        conn,
        "POST /moto-api/reset HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"), "moto reset: {answer}");
}

/// Run `check` on a fresh store against a freshly reset moto (skipped with ECS_LENS_SKIP_MOTO=1).
fn with_moto<F, Fut>(check: F)
where
    F: FnOnce(Arc<dyn TaskDefStore>) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(url) = moto() else {
        ecs_lens::store::test_db::note_skip("ECS_LENS_SKIP_MOTO");
        return;
    };
    let _serial = serial();
    reset(url);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
    rt.block_on(async {
        let store = AwsStore::connect(AwsOptions::default()).await.expect("connect to moto");
        check(Arc::new(store)).await;
    });
}

#[test]
fn aws_endpoint_url_from_the_environment_is_honoured() {
    with_moto(|store| async move {
        let url = moto().unwrap();
        assert_eq!(store.source(), format!("Amazon ECS in {REGION}, endpoint {url}"));
        assert!(!store.preserves_input_text());
        assert!(!store.reports_all_read_only_fields(), "an emulator endpoint");
        // What was registered through the environment's endpoint is in moto, seen by a store
        // given the endpoint explicitly.
        let d = store.register(&contract::minimal("via-env"), contract::PRINCIPAL).await.unwrap();
        assert!(
            d.arn().starts_with(&format!("arn:aws:ecs:{REGION}:123456789012:task-definition/via-env:1")),
            "{}",
            d.arn()
        );
        let options =
            AwsOptions { endpoint_url: Some(url.to_string()), region: Some(REGION.into()), ..Default::default() };
        let explicit = AwsStore::connect(options).await.unwrap();
        assert_eq!(explicit.describe("via-env", None).await.unwrap().revision(), 1);
    });
}

// --- the contract, one check per test, and all of them on one store ---

#[test]
fn contract_run_all() {
    with_moto(contract::run_all);
}

#[test]
fn contract_register_describe_list_deregister() {
    with_moto(|s| async move { contract::register_describe_list_deregister(s.as_ref()).await });
}

#[test]
fn contract_revisions_are_never_reused() {
    with_moto(|s| async move { contract::revisions_are_never_reused(s.as_ref()).await });
}

#[test]
fn contract_an_edit_from_an_old_base_is_not_registered() {
    with_moto(|s| async move { contract::an_edit_from_an_old_base_is_not_registered(s.as_ref()).await });
}

#[test]
fn contract_latest_active_skips_inactive() {
    with_moto(|s| async move { contract::latest_active_skips_inactive(s.as_ref()).await });
}

#[test]
fn contract_tags_round_trip() {
    with_moto(|s| async move { contract::tags_round_trip(s.as_ref()).await });
}

#[test]
fn contract_lossless_round_trip_of_every_fixture() {
    with_moto(|s| async move { contract::lossless_round_trip(s.as_ref()).await });
}

#[test]
fn contract_describe_shapes_are_accepted() {
    with_moto(|s| async move { contract::describe_shapes_are_accepted(s.as_ref()).await });
}

#[test]
fn contract_unknown_family_and_revision() {
    with_moto(|s| async move { contract::unknown_family_and_revision(s.as_ref()).await });
}

#[test]
fn contract_invalid_input_is_refused() {
    with_moto(|s| async move { contract::invalid_input_is_refused(s.as_ref()).await });
}

#[test]
fn contract_concurrent_registers() {
    with_moto(contract::concurrent_registers);
}

// --- beyond the contract ---

#[test]
fn every_fixture_is_stored_by_moto_and_read_back_by_a_fresh_store() {
    with_moto(|store| async move {
        // A second store without the first one's cache: everything it shows comes from moto.
        let fresh = AwsStore::connect(AwsOptions::default()).await.unwrap();
        for (name, text) in seed::FIXTURES {
            let input = ecs_lens::core::document::register_input(&serde_json::from_str::<Value>(text).unwrap());
            let registered =
                store.register(&input, contract::PRINCIPAL).await.unwrap_or_else(|e| panic!("{name}: {e}"));
            let read = fresh.describe(registered.family(), Some(registered.revision())).await.unwrap();
            contract::assert_same_input(&fresh, &read.register_input(), &input, name);
            assert_eq!(read.tags, registered.tags, "{name}: tags as moto keeps them");
        }
        let families = fresh.list_families().await.unwrap();
        let names: Vec<&str> = families.iter().map(|f| f.family.as_str()).collect();
        assert_eq!(names, ["billing-cron", "Datadog", "legacy-worker", "orders-api", "platform-api", "storefront-web"]);
        assert!(families.iter().all(|f| f.status == TaskDefStatus::Active && f.revision_count == 1));
    });
}

#[test]
fn what_moto_would_accept_but_ecs_refuses_is_refused_before_sending() {
    with_moto(|store| async move {
        // moto would register these (and a missing family breaks its lists for good).
        for input in [
            json!({"containerDefinitions": [{"name": "a", "image": "x"}]}),
            json!({"family": "web", "containerDefinitions": [{"name": "a", "image": "x", "healthcheck": {"command": ["true"]}}]}),
        ] {
            assert!(
                matches!(store.register(&input, contract::PRINCIPAL).await, Err(StoreError::Invalid { .. })),
                "{input}"
            );
        }
        assert!(store.list_families().await.unwrap().is_empty());
    });
}

#[test]
fn a_read_only_store_reads_but_does_not_write() {
    with_moto(|store| async move {
        store.register(&contract::minimal("ro"), contract::PRINCIPAL).await.unwrap();
        let ro = AwsStore::connect(AwsOptions { read_only: true, ..Default::default() }).await.unwrap();
        assert_eq!(ro.list_families().await.unwrap().len(), 1);
        assert!(matches!(ro.register(&contract::minimal("ro"), "me").await, Err(StoreError::ReadOnly { .. })));
        assert!(matches!(ro.deregister("ro", 1).await, Err(StoreError::ReadOnly { .. })));
        assert_eq!(store.list_revisions("ro").await.unwrap().len(), 1);
    });
}

// --- the mirror and its sync over moto ---

#[test]
fn sync_mirrors_moto_with_its_services_and_follows_changes_made_elsewhere() {
    use ecs_lens::store::mirror::{FamilyQuery, Mirror};
    use ecs_lens::store::sync::{sync, SyncOptions};
    with_moto(|store| async move {
        let ecs = AwsStore::connect(AwsOptions::default()).await.unwrap();
        let client = ecs.client().clone();
        let mut seed: Value = serde_json::from_str(seed::DATADOG).unwrap();
        // Real-looking values, which must never reach the mirror.
        let key = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        let text = serde_json::to_string(&seed).unwrap().replacen("\"xxx\"", &format!("\"{key}\""), 1);
        seed = serde_json::from_str(&text).unwrap();
        store.register(&seed, "me").await.unwrap();
        for _ in 0..2 {
            store.register(&contract::minimal("web"), "me").await.unwrap();
        }
        store.register(&contract::minimal("gone"), "me").await.unwrap();
        client.create_cluster().cluster_name("prod").send().await.unwrap();
        client
            .create_service()
            .cluster("prod")
            .service_name("web-svc")
            .task_definition("web:1")
            .desired_count(2)
            .send()
            .await
            .unwrap();

        let db = ecs_lens::store::test_db::sqlite();
        let mirror = Mirror::on(ecs_lens::store::Database::open(&db.location).await.unwrap());
        let source = format!("aws:{REGION}");
        let cold = sync(store.as_ref(), &mirror, &source, SyncOptions::default(), &|_, _| {}).await.unwrap();
        assert_eq!((cold.families, cold.revisions, cold.new, cold.described), (3, 4, 4, 4), "{cold:?}");
        assert_eq!(cold.services, Some(1));
        let web = mirror.family(&source, "web").await.unwrap().unwrap();
        assert_eq!((web.latest_active, web.revision_count, web.in_use), (Some(2), 2, 1));
        let running = mirror.services(&source, "web", Some(1)).await.unwrap();
        assert_eq!((running[0].cluster.as_str(), running[0].service.as_str()), ("prod", "web-svc"));
        let datadog = mirror.revision(&source, "Datadog", 1).await.unwrap().unwrap();
        assert!(datadog.findings.iter().any(|f| f.rule == "SEC001"));
        assert!(!datadog.document.contains(key), "the mirror keeps no secret value");
        assert!(!serde_json::to_string(&datadog.findings).unwrap().contains(key));

        // Someone deregisters web:2 and deletes every revision of `gone`, outside ecs-lens.
        client.deregister_task_definition().task_definition("web:2").send().await.unwrap();
        client.deregister_task_definition().task_definition("gone:1").send().await.unwrap();
        client.delete_task_definitions().task_definitions("gone:1").send().await.unwrap();
        let again = sync(store.as_ref(), &mirror, &source, SyncOptions::default(), &|_, _| {}).await.unwrap();
        assert_eq!((again.new, again.described, again.removed), (0, 1, 1), "{again:?}");
        let web = mirror.family(&source, "web").await.unwrap().unwrap();
        assert_eq!(web.latest_active, Some(1), "web:2 is INACTIVE now");
        assert!(mirror.family(&source, "gone").await.unwrap().is_none(), "a family that disappeared");
        let page = mirror.families(&source, &FamilyQuery { in_use: Some(true), ..Default::default() }).await.unwrap();
        assert_eq!(page.items.iter().map(|f| f.family.as_str()).collect::<Vec<_>>(), vec!["web"]);
    });
}

#[test]
fn a_role_is_assumed_through_sts_and_is_its_own_account() {
    with_moto(|store| async move {
        // moto keeps resources per account: the assumed role's (210987654321) is not the
        // default credentials' (123456789012).
        let options = AwsOptions {
            role_arn: Some("arn:aws:iam::210987654321:role/ecs-lens-reader".into()),
            external_id: Some("ecs-lens-test".into()),
            ..Default::default()
        };
        let role = AwsStore::connect(options).await.unwrap();
        let d = role.register(&contract::minimal("in-the-other-account"), "me").await.unwrap();
        assert!(d.arn().contains(":210987654321:task-definition/in-the-other-account:1"), "{}", d.arn());
        assert!(store.list_families().await.unwrap().is_empty(), "not in the default account");
        assert_eq!(role.list_families().await.unwrap().len(), 1);
    });
}

// --- secrets out for real (issue: migrate, exposure, purge, verify) over moto ---

const DD_KEY: &str = "4f0c9e1b2a3d5e6f7a8b9c0d1e2f3a4b";
const MYSQL_PW: &str = "N0t-in-the-env!-7hPq2Xz";
const ACCOUNT: &str = "123456789012";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The SDK configuration the tests' own clients use (the environment's, with ecs-lens's HTTP client).
async fn sdk_conf() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(ecs_lens::store::aws::https_client())
        .load()
        .await
}

/// The seed in moto's account with real-looking values in DD_API_KEY and MYSQL_PW.
fn leaky_seed() -> Value {
    let mut td: Value = serde_json::from_str(seed::DATADOG).unwrap();
    let role = format!("arn:aws:iam::{ACCOUNT}:role/ecs-task-execution-role");
    td["taskRoleArn"] = json!(role);
    td["executionRoleArn"] = json!(role);
    for c in td["containerDefinitions"].as_array_mut().unwrap() {
        if let Some(image) = c["image"].as_str() {
            c["image"] = json!(image.replace("xxx.dkr", &format!("{ACCOUNT}.dkr")));
        }
        for e in c["environment"].as_array_mut().into_iter().flatten() {
            match e["name"].as_str() {
                Some("DD_API_KEY") => e["value"] = json!(DD_KEY),
                Some("MYSQL_PW") => e["value"] = json!(MYSQL_PW),
                _ => {}
            }
        }
    }
    td
}

/// The role, log group and ECR image the seed refers to, in moto.
async fn seed_account(conf: &aws_config::SdkConfig, with_image: bool) {
    let iam = aws_sdk_iam::Client::new(conf);
    iam.create_role().role_name("ecs-task-execution-role").assume_role_policy_document(TRUST).send().await.unwrap();
    aws_sdk_cloudwatchlogs::Client::new(conf).create_log_group().log_group_name("/ecs/datadog").send().await.unwrap();
    if with_image {
        let ecr = aws_sdk_ecr::Client::new(conf);
        ecr.create_repository().repository_name("my-app-repo").send().await.unwrap();
        let manifest = r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7023,"digest":"sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},"layers":[]}"#;
        ecr.put_image()
            .repository_name("my-app-repo")
            .image_manifest(manifest)
            .image_tag("latest")
            .send()
            .await
            .unwrap();
    }
}

async fn app_state(store: Arc<dyn TaskDefStore>) -> ecs_lens::server::AppState {
    let db = ecs_lens::store::test_db::sqlite();
    let database = ecs_lens::store::Database::open(&db.location).await.unwrap();
    std::mem::forget(db); // the temporary directory outlives the test's state
    let mirror = ecs_lens::store::mirror::Mirror::on(database.clone());
    ecs_lens::server::AppState::new(vec![(REGION.into(), store)], Default::default(), mirror)
        .with_audit(ecs_lens::store::audit::AuditLog::on(database))
}

async fn sync_state(state: &ecs_lens::server::AppState) {
    use ecs_lens::store::sync::{sync, SyncOptions};
    sync(state.store.as_ref(), &state.mirror, &state.source_name(), SyncOptions::default(), &|_, _| {}).await.unwrap();
}

fn request(execute: bool, grant: bool) -> ecs_lens::server::secrets::MigrateRequest {
    ecs_lens::server::secrets::MigrateRequest { execute, grant, ..Default::default() }
}

fn assert_no_value(what: &str, text: &str) {
    assert!(!text.contains(DD_KEY) && !text.contains(MYSQL_PW), "{what} holds a value: {text}");
}

#[test]
fn secrets_migrate_exposure_purge_and_verify_end_to_end() {
    use ecs_lens::server::secrets::{exposure, migrate, purge, verify};
    with_moto(|store| async move {
        let conf = sdk_conf().await;
        seed_account(&conf, true).await;
        store.register(&leaky_seed(), "me").await.unwrap();
        store.register(&leaky_seed(), "me").await.unwrap();
        let state = app_state(store.clone()).await;
        sync_state(&state).await;

        // The review: one JSON secret for both, nothing created, the role cannot read it yet.
        let review = migrate(&state, "Datadog", None, &request(false, false)).await.unwrap();
        assert_eq!(review.revision, 2);
        assert!(!review.executed && review.can_create);
        assert_eq!(review.secrets.len(), 1);
        assert_eq!(review.secrets[0].keys, ["DD_API_KEY", "MYSQL_PW"]);
        assert!(review.access.iter().all(|a| a.result == "missing"), "{:?}", review.access);
        assert_no_value("the review", &serde_json::to_string(&review).unwrap());
        let sm = aws_sdk_secretsmanager::Client::new(&conf);
        assert!(sm.list_secrets().send().await.unwrap().secret_list().is_empty(), "a review creates nothing");

        // Without --grant: the secret is created, nothing registered, the missing access said.
        let stopped = migrate(&state, "Datadog", None, &request(true, false)).await.unwrap();
        assert!(stopped.executed && stopped.registered.is_none(), "{stopped:?}");
        assert_eq!(stopped.secrets[0].state, "created");
        assert!(stopped.notes.iter().any(|n| n.contains("--grant")), "{:?}", stopped.notes);
        assert_eq!(store.list_revisions("Datadog").await.unwrap().len(), 2, "nothing registered");
        let arn = stopped.secrets[0].arn.clone();
        let stored: Value =
            serde_json::from_str(sm.get_secret_value().secret_id(&arn).send().await.unwrap().secret_string().unwrap())
                .unwrap();
        assert_eq!(stored, json!({"DD_API_KEY": DD_KEY, "MYSQL_PW": MYSQL_PW}), "both values under their names");

        // That is also the state a crash between create and register leaves: the rerun (with
        // --grant) reuses the secret (no second secret, no new version) and registers.
        let done = migrate(&state, "Datadog", None, &request(true, true)).await.unwrap();
        assert_eq!(done.secrets[0].state, "unchanged");
        assert_eq!(done.secrets[0].arn, arn, "the ARN Secrets Manager returned");
        assert_eq!(done.granted.as_deref(), Some("ecs-lens-secrets-Datadog"));
        assert!(done.access.iter().all(|a| a.result == "allowed"), "{:?}", done.access);
        assert_eq!(done.registered, Some(3));
        assert_eq!(sm.list_secrets().send().await.unwrap().secret_list().len(), 1);
        let versions = sm.list_secret_version_ids().secret_id(&arn).send().await.unwrap();
        assert_eq!(versions.versions().len(), 1, "no new version for the same values");
        let iam = aws_sdk_iam::Client::new(&conf);
        let policy = iam
            .get_role_policy()
            .role_name("ecs-task-execution-role")
            .policy_name("ecs-lens-secrets-Datadog")
            .send()
            .await
            .unwrap();
        let policy = ecs_lens::core::iam::parse_document(policy.policy_document()).unwrap();
        assert_eq!(policy["Statement"][0]["Resource"], json!([arn]), "exactly the secret's ARN");

        let new = store.describe("Datadog", Some(3)).await.unwrap();
        let text = serde_json::to_string(&new.to_value()).unwrap();
        assert_no_value("revision 3", &text);
        assert!(text.contains(&format!("{arn}:DD_API_KEY::")) && text.contains(&format!("{arn}:MYSQL_PW::")), "{text}");
        let trail = state.audit.as_ref().unwrap().list(Some("Datadog"), 10).await.unwrap();
        let entry = trail.iter().find(|e| e.entry.action == "migrate-secrets").expect("recorded");
        assert_no_value("the audit trail", &serde_json::to_string(&trail).unwrap());
        assert!(entry.entry.changes.iter().any(|c| c.contains(&arn)), "{:?}", entry.entry.changes);

        // Exposure: revisions 1 and 2 still carry both values; they have moved.
        let ex = exposure(&state, Some("Datadog")).await.unwrap();
        assert_eq!(ex.items.len(), 2, "{ex:?}");
        for item in &ex.items {
            let revs: Vec<u32> = item.revisions.iter().map(|r| r.revision).collect();
            assert_eq!(revs, [2, 1], "{item:?}");
            assert!(!item.in_latest);
            assert!(item.moved_to.as_deref().is_some_and(|m| m.starts_with(&arn)), "{item:?}");
        }
        assert_eq!(ex.purgeable, [2, 1]);
        assert_no_value("the exposure", &serde_json::to_string(&ex).unwrap());

        // Purge: both deleted (deregistered first), recorded; nothing exposed is left.
        let p = purge(&state, "Datadog", false).await.unwrap();
        assert_eq!((p.deregistered.clone(), p.deleted.clone()), (vec![2, 1], vec![2, 1]), "{p:?}");
        assert!(p.failed.is_empty());
        assert!(matches!(store.describe("Datadog", Some(1)).await, Err(StoreError::NotFound { .. })));
        assert!(exposure(&state, Some("Datadog")).await.unwrap().items.is_empty());
        let trail = state.audit.as_ref().unwrap().list(Some("Datadog"), 20).await.unwrap();
        assert_eq!(trail.iter().filter(|e| e.entry.action == "delete").count(), 2);

        // Verify the new revision: roles, the secret and its keys, access, log group, image.
        let v = verify(&state, "Datadog", Some(3)).await.unwrap();
        assert_eq!(v.count("fail"), 0, "{:#?}", v.checks);
        let passed = |kind: &str| v.checks.iter().filter(|c| c.kind == kind && c.result == "pass").count();
        assert_eq!(passed("role"), 2);
        assert_eq!(passed("secret"), 2, "both JSON keys exist");
        assert!(passed("access") >= 2);
        assert!(
            passed("log-group") == 1 && passed("image") == 1,
            "one check per log group and per image: {:#?}",
            v.checks
        );
        assert!(
            v.checks.iter().any(|c| c.kind == "image" && c.result == "not-checked"),
            "Docker Hub images are not checked, and say so"
        );
        assert_no_value("verify", &serde_json::to_string(&v).unwrap());
    });
}

#[test]
fn verify_fails_what_is_missing_and_never_passes_silently() {
    use ecs_lens::server::secrets::verify;
    with_moto(|store| async move {
        let conf = sdk_conf().await;
        // No role, no log group, no image; a secret without the referenced key.
        let sm = aws_sdk_secretsmanager::Client::new(&conf);
        let arn = sm
            .create_secret()
            .name("app/db")
            .secret_string(r#"{"user":"app"}"#)
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_string();
        let mut td = leaky_seed();
        td["containerDefinitions"][3]["environment"] = json!([]);
        td["containerDefinitions"][3]["secrets"] = json!([
            {"name": "MYSQL_PW", "valueFrom": format!("{arn}:password::")},
            {"name": "GONE", "valueFrom": format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:nope-AbCdEf")},
            {"name": "PARAM", "valueFrom": "/missing/param"}
        ]);
        store.register(&td, "me").await.unwrap();
        let state = app_state(store.clone()).await;
        let v = verify(&state, "Datadog", None).await.unwrap();
        let result = |kind: &str, needle: &str| {
            v.checks
                .iter()
                .find(|c| c.kind == kind && c.subject.contains(needle))
                .map(|c| c.result.clone())
                .unwrap_or_else(|| panic!("{kind} {needle}: {:#?}", v.checks))
        };
        assert_eq!(result("role", "execution role"), "fail");
        assert_eq!(result("secret", "MYSQL_PW"), "fail", "no JSON key `password`");
        assert_eq!(result("secret", "GONE"), "fail");
        assert_eq!(result("parameter", "PARAM"), "fail");
        assert_eq!(result("log-group", "cws-instrumentation-init"), "fail");
        assert_eq!(result("image", "my-app-repo"), "fail");
        // The execution role does not exist: whether it may read is not claimed either way.
        assert!(v.checks.iter().filter(|c| c.kind == "access").all(|c| c.result != "pass"), "{:#?}", v.checks);
    });
}

#[test]
fn secrets_in_ssm_and_a_revision_in_use_is_never_purged() {
    use ecs_lens::core::migration::{Layout, Options, SecretStore};
    use ecs_lens::server::secrets::{exposure, migrate, purge, MigrateRequest};
    with_moto(|store| async move {
        let conf = sdk_conf().await;
        seed_account(&conf, false).await;
        for _ in 0..3 {
            store.register(&leaky_seed(), "me").await.unwrap();
        }
        // A service runs revision 1.
        let ecs = aws_sdk_ecs::Client::new(&conf);
        ecs.create_cluster().cluster_name("prod").send().await.unwrap();
        ecs.create_service()
            .cluster("prod")
            .service_name("dd")
            .task_definition("Datadog:1")
            .desired_count(1)
            .send()
            .await
            .unwrap();
        let state = app_state(store.clone()).await;
        sync_state(&state).await;
        let req = MigrateRequest {
            options: Options { store: SecretStore::Ssm, layout: Layout::PerTask },
            grant: true,
            execute: true,
            ..Default::default()
        };
        let done = migrate(&state, "Datadog", None, &req).await.unwrap();
        assert_eq!(done.layout, "per-variable", "a parameter holds one value");
        assert_eq!(done.registered, Some(4), "{done:?}");
        let ssm = aws_sdk_ssm::Client::new(&conf);
        for s in &done.secrets {
            assert!(s.arn.contains(":parameter/ecs-lens/Datadog/"), "{}", s.arn);
            let p = ssm.get_parameter().name(&s.name).with_decryption(true).send().await.unwrap();
            let p = p.parameter().unwrap();
            assert_eq!(p.r#type(), Some(&aws_sdk_ssm::types::ParameterType::SecureString));
            assert!([DD_KEY, MYSQL_PW].contains(&p.value().unwrap()));
        }
        let text = serde_json::to_string(&store.describe("Datadog", Some(4)).await.unwrap().to_value()).unwrap();
        assert_no_value("revision 4", &text);
        assert!(done.moves.iter().all(|m| text.contains(&m.value_from)));

        let ex = exposure(&state, Some("Datadog")).await.unwrap();
        assert_eq!(ex.purgeable, [3, 2]);
        assert!(ex.kept.iter().any(|(r, why)| *r == 1 && why.contains("service dd in cluster prod")), "{:?}", ex.kept);
        let p = purge(&state, "Datadog", false).await.unwrap();
        assert_eq!(p.deleted, [3, 2]);
        assert_eq!(store.describe("Datadog", Some(1)).await.unwrap().revision(), 1, "in use: kept");
        let ex = exposure(&state, Some("Datadog")).await.unwrap();
        assert_eq!(ex.items[0].revisions.iter().map(|r| r.revision).collect::<Vec<_>>(), [1]);
        assert!(!ex.items[0].revisions[0].services.is_empty());
    });
}

#[test]
fn prune_over_moto_never_touches_what_a_service_runs() {
    use ecs_lens::server::hygiene::{plan, prune, PruneOptions};
    with_moto(|store| async move {
        let conf = sdk_conf().await;
        for _ in 0..4 {
            store.register(&contract::minimal("pruned"), "me").await.unwrap();
        }
        let ecs = aws_sdk_ecs::Client::new(&conf);
        ecs.create_cluster().cluster_name("prod").send().await.unwrap();
        ecs.create_service()
            .cluster("prod")
            .service_name("api")
            .task_definition("pruned:1")
            .desired_count(1)
            .send()
            .await
            .unwrap();
        let state = app_state(store.clone()).await;
        sync_state(&state).await;
        let o = PruneOptions { keep: 1, older_than_days: None, delete: true };
        let p = plan(&state, "pruned", &o).await.unwrap();
        assert_eq!((p.deregister.clone(), p.delete.clone()), (vec![3, 2], vec![3, 2]), "{p:?}");
        assert!(p.kept.iter().any(|(r, why)| *r == 1 && why.contains("service api in cluster prod")));
        let done = prune(&state, "pruned", &o).await.unwrap();
        assert_eq!(done.delete, [3, 2], "{done:?}");
        assert_eq!(store.describe("pruned", Some(1)).await.unwrap().revision(), 1, "in use: kept");
        assert!(matches!(store.describe("pruned", Some(2)).await, Err(StoreError::NotFound { .. })));
        let history = ecs_lens::server::service::history(&state, "pruned", &Default::default(), None).await.unwrap();
        assert_eq!(history.revisions.iter().map(|r| r.revision).collect::<Vec<_>>(), [4, 1], "the mirror follows");
    });
}
