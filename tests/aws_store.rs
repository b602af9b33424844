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
