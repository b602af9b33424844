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
