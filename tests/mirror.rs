//! The mirror and its sync against the embedded store in both databases (a real SQLite file and
//! a real PostgreSQL database): a cold sync, a resync with nothing new, a revision registered
//! and one deregistered by someone else, a family that disappears, a sync cut off halfway and
//! resumed, the lease replicas share, services and in-use counts, the paged queries, and that no
//! secret value is ever written. tests/aws_store.rs runs the sync against moto.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use ecs_lens::core::Severity;
use ecs_lens::store::mirror::{FamilyQuery, FamilySort, Mirror};
use ecs_lens::store::sync::{sync, sync_family, SyncOptions};
use ecs_lens::store::test_db::{self, TestDatabase};
use ecs_lens::store::{
    Database, DescribedTaskDefinition, EmbeddedOptions, EmbeddedStore, FamilySummary, RevisionSummary, ServiceUse,
    StoreError, TaskDefStore,
};
use serde_json::{json, Value};

const API_KEY: &str = "8f2b9c1d4e5a6f7081928374655647ab";
const PASSWORD: &str = "Tr0ub4dor&3-horse-battery";

async fn open(db: &TestDatabase) -> (EmbeddedStore, Mirror) {
    let store = EmbeddedStore::open_with(&db.location, EmbeddedOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", db.kind));
    let mirror = Mirror::on(store.database().clone());
    (store, mirror)
}

fn leaky(family: &str) -> Value {
    json!({
        "family": family,
        "containerDefinitions": [{
            "name": "app", "image": "example/app:1.2.3", "essential": true, "memory": 512,
            "environment": [
                {"name": "DD_API_KEY", "value": API_KEY},
                {"name": "MYSQL_PW", "value": PASSWORD},
                {"name": "LOG_LEVEL", "value": "info"}
            ],
            "command": ["serve", "--password", PASSWORD]
        }]
    })
}

async fn sync_all(store: &dyn TaskDefStore, mirror: &Mirror) -> ecs_lens::store::sync::SyncReport {
    sync(store, mirror, "local", SyncOptions::default(), &|_, _| {}).await.expect("sync")
}

/// Every text cell of every mirror table, for the "no value" check.
async fn mirror_text(db: &Database) -> String {
    let mut all = String::new();
    for (table, columns) in [
        ("mirror_revisions", "family || arn || document || findings || registered_by"),
        ("mirror_families", "family || COALESCE(registered_by, '')"),
        ("mirror_rule_hits", "rule || category"),
        ("mirror_sources", "source || state || COALESCE(error, '')"),
        ("mirror_credentials", "family || container || place || what || fingerprint"),
    ] {
        let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT {columns} FROM {table}"))
            .fetch_all(db.pool())
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        all.extend(rows);
    }
    all
}

#[tokio::test]
async fn a_cold_sync_mirrors_every_revision_and_a_resync_describes_nothing() {
    for db in test_db::each().await {
        let (store, mirror) = open(&db).await;
        store.register(&leaky("leaky"), "alice").await.unwrap();
        store.register(&leaky("leaky"), "alice").await.unwrap();
        let families = store.list_families().await.unwrap();
        let revisions: u32 = families.iter().map(|f| f.revision_count).sum();

        let cold = sync_all(&store, &mirror).await;
        assert_eq!(cold.families, families.len(), "{}", db.kind);
        assert_eq!(cold.revisions as u32, revisions);
        assert_eq!((cold.new as u32, cold.described as u32, cold.removed), (revisions, revisions, 0));
        assert!(cold.failed.is_empty(), "{:?}", cold.failed);
        assert_eq!(cold.services, None, "the embedded store has no services");

        let page = mirror.families("local", &FamilyQuery { page_size: 500, ..Default::default() }).await.unwrap();
        assert_eq!(page.total as usize, families.len());
        let names: Vec<&str> = page.items.iter().map(|f| f.family.as_str()).collect();
        let expected: Vec<&str> = families.iter().map(|f| f.family.as_str()).collect();
        assert_eq!(names, expected, "{}: sorted as the store sorts", db.kind);
        for (m, s) in page.items.iter().zip(&families) {
            assert_eq!(m.latest_active, s.latest_active_revision, "{}", s.family);
            assert_eq!(m.revision_count, s.revision_count, "{}", s.family);
            assert_eq!(m.latest_revision, s.latest_revision, "{}", s.family);
            assert_eq!(m.registered_by, s.registered_by, "{}", s.family);
        }
        // The analysis is the lint's: counts of the latest revision.
        let d = store.describe("leaky", None).await.unwrap();
        let findings = ecs_lens::core::lint(&ecs_lens::core::document::Document::from_value(&d.to_value()));
        let leaky_row = page.items.iter().find(|f| f.family == "leaky").unwrap();
        assert_eq!(leaky_row.counts.iter().sum::<u32>() as usize, findings.len());
        assert!(leaky_row.counts[Severity::Critical as usize] >= 2, "{leaky_row:?}");
        let stored = mirror.revision("local", "leaky", 2).await.unwrap().expect("mirrored");
        assert_eq!(stored.findings.len(), findings.len());
        assert!(stored.findings.iter().any(|f| f.rule == "SEC001"));

        // No value, anywhere in the mirror.
        let text = mirror_text(store.database()).await;
        assert!(text.contains("DD_API_KEY"), "names are kept");
        assert!(!text.contains(API_KEY), "{}: the API key is in the mirror", db.kind);
        assert!(!text.contains(PASSWORD), "{}: the password is in the mirror", db.kind);

        let status = mirror.status("local").await.unwrap();
        assert_eq!(status.state, "idle");
        assert!(status.synced_at.is_some());
        assert_eq!(status.done as u32, revisions);

        let again = sync_all(&store, &mirror).await;
        assert_eq!((again.new, again.described, again.removed), (0, 0, 0), "{}", db.kind);
        assert!(
            mirror.status("local").await.unwrap().generation > status.generation,
            "every sync moves the generation"
        );
    }
}

#[tokio::test]
async fn changes_by_anyone_reach_the_mirror_at_the_next_sync() {
    for db in test_db::each().await {
        let (store, mirror) = open(&db).await;
        store.register(&leaky("app"), "alice").await.unwrap();
        store.register(&leaky("app"), "alice").await.unwrap();
        store.register(&leaky("gone"), "alice").await.unwrap();
        sync_all(&store, &mirror).await;

        // Someone else registers one revision and deregisters another, outside ecs-lens.
        store.register(&leaky("app"), "bob").await.unwrap();
        store.deregister("app", 1).await.unwrap();
        // And a family disappears (DeleteTaskDefinitions of every revision).
        sqlx::query("DELETE FROM task_definitions WHERE family = 'gone'").execute(store.pool()).await.unwrap();

        let r = sync_all(&store, &mirror).await;
        assert_eq!((r.new, r.described, r.removed), (1, 2, 1), "{}: {r:?}", db.kind);
        let app = mirror.family("local", "app").await.unwrap().expect("app");
        assert_eq!((app.latest_active, app.revision_count, app.registered_by.as_deref()), (Some(3), 3, Some("bob")));
        let revs = mirror.revisions("local", "app", 1).await.unwrap();
        assert_eq!(revs.items.iter().map(|r| r.revision).collect::<Vec<_>>(), vec![3, 2, 1], "newest first");
        assert_eq!(revs.items[2].status, "INACTIVE");
        assert!(revs.items[2].deregistered_at.is_some(), "re-described for its deregisteredAt");
        assert!(mirror.family("local", "gone").await.unwrap().is_none(), "{}", db.kind);
        assert!(mirror.revision("local", "gone", 1).await.unwrap().is_none());

        // A register through ecs-lens updates its family at once.
        store.register(&leaky("app"), "alice").await.unwrap();
        let r = sync_family(&store, &mirror, "local", "app").await.unwrap();
        assert_eq!((r.new, r.described), (1, 1));
        assert_eq!(mirror.family("local", "app").await.unwrap().unwrap().latest_active, Some(4));
    }
}

/// A store that fails every describe after the first `ok` ones, as an account that starts
/// throttling beyond the SDK's retries (or goes away) would.
struct CutOff {
    inner: EmbeddedStore,
    ok: usize,
    calls: AtomicUsize,
}

#[async_trait]
impl TaskDefStore for CutOff {
    fn source(&self) -> String {
        self.inner.source()
    }
    fn is_read_only(&self) -> bool {
        true
    }
    async fn list_families(&self) -> Result<Vec<FamilySummary>, StoreError> {
        self.inner.list_families().await
    }
    async fn list_all_revisions(
        &self,
        family: Option<&str>,
    ) -> Result<Vec<ecs_lens::store::RevisionState>, StoreError> {
        self.inner.list_all_revisions(family).await
    }
    async fn list_revisions(&self, family: &str) -> Result<Vec<RevisionSummary>, StoreError> {
        self.inner.list_revisions(family).await
    }
    async fn describe(&self, family: &str, revision: Option<u32>) -> Result<DescribedTaskDefinition, StoreError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) >= self.ok {
            return Err(StoreError::unavailable("ThrottlingException: Rate exceeded (after 8 attempts)"));
        }
        self.inner.describe(family, revision).await
    }
    async fn register(&self, _: &Value, _: &str) -> Result<DescribedTaskDefinition, StoreError> {
        unreachable!("a sync never registers")
    }
    async fn deregister(&self, _: &str, _: u32) -> Result<DescribedTaskDefinition, StoreError> {
        unreachable!("a sync never deregisters")
    }
}

#[tokio::test]
async fn a_sync_cut_off_halfway_leaves_a_consistent_mirror_and_the_next_one_resumes() {
    for db in test_db::each().await {
        let (store, mirror) = open(&db).await;
        for i in 0..30 {
            store.register(&leaky(&format!("fam-{i:02}")), "alice").await.unwrap();
        }
        let total = store.list_all_revisions(None).await.unwrap().len();
        let cut = CutOff { inner: store.clone(), ok: 12, calls: AtomicUsize::new(0) };
        let options = SyncOptions { concurrency: 1, batch: 5, give_up_after: 4 };
        let r = sync(&cut, &mirror, "local", options, &|_, _| {}).await.expect("listed, so not an error");
        assert_eq!(r.described, 12, "{}: {r:?}", db.kind);
        assert!(r.failed.iter().any(|f| f.contains("ThrottlingException")), "{:?}", r.failed);
        assert!(r.failed.last().unwrap().contains("gave up"), "{:?}", r.failed);
        let status = mirror.status("local").await.unwrap();
        assert_eq!(status.state, "partial");
        assert!(status.error.as_deref().unwrap().contains("could not be synced"), "{status:?}");
        // Consistent: every family row has its revisions, and the pages show what is there.
        let page = mirror.families("local", &FamilyQuery { page_size: 500, ..Default::default() }).await.unwrap();
        for f in &page.items {
            let revs = mirror.revisions("local", &f.family, 1).await.unwrap();
            assert_eq!(revs.total, u64::from(f.revision_count), "{}", f.family);
        }

        let resumed = sync_all(&store, &mirror).await;
        assert_eq!(resumed.described, total - 12, "{}: only what was missing", db.kind);
        assert!(resumed.failed.is_empty());
        assert_eq!(mirror.status("local").await.unwrap().state, "idle");
        let page = mirror.families("local", &FamilyQuery::default()).await.unwrap();
        assert_eq!(page.total as usize, store.list_families().await.unwrap().len());
    }
}

#[tokio::test]
async fn a_source_that_cannot_be_listed_leaves_the_mirror_as_it_was() {
    struct Down;
    #[async_trait]
    impl TaskDefStore for Down {
        fn source(&self) -> String {
            "nowhere".into()
        }
        fn is_read_only(&self) -> bool {
            true
        }
        async fn list_families(&self) -> Result<Vec<FamilySummary>, StoreError> {
            Err(StoreError::unavailable("cannot reach ECS at http://127.0.0.1:1: connection refused"))
        }
        async fn list_revisions(&self, _: &str) -> Result<Vec<RevisionSummary>, StoreError> {
            unreachable!()
        }
        async fn describe(&self, _: &str, _: Option<u32>) -> Result<DescribedTaskDefinition, StoreError> {
            unreachable!()
        }
        async fn register(&self, _: &Value, _: &str) -> Result<DescribedTaskDefinition, StoreError> {
            unreachable!()
        }
        async fn deregister(&self, _: &str, _: u32) -> Result<DescribedTaskDefinition, StoreError> {
            unreachable!()
        }
    }
    let db = test_db::sqlite();
    let (store, mirror) = open(&db).await;
    sync_all(&store, &mirror).await;
    let before = mirror.families("local", &FamilyQuery::default()).await.unwrap();
    let synced = mirror.status("local").await.unwrap().synced_at;
    let err = sync(&Down, &mirror, "local", SyncOptions::default(), &|_, _| {}).await.unwrap_err();
    assert!(err.to_string().contains("connection refused"), "{err}");
    let status = mirror.status("local").await.unwrap();
    assert_eq!(status.state, "failed");
    assert_eq!(status.synced_at, synced, "still the last good sync: the mirror is stale since then");
    assert!(status.error.unwrap().contains("connection refused"));
    assert_eq!(mirror.families("local", &FamilyQuery::default()).await.unwrap(), before);
}

#[tokio::test]
async fn one_replica_holds_the_lease_at_a_time() {
    for db in test_db::each().await {
        let (_store, mirror) = open(&db).await;
        assert!(mirror.try_lease("aws:1:eu-west-1", "replica-a", 60).await.unwrap());
        assert!(!mirror.try_lease("aws:1:eu-west-1", "replica-b", 60).await.unwrap(), "{}", db.kind);
        assert!(mirror.try_lease("aws:1:eu-west-1", "replica-a", 60).await.unwrap(), "renewed by its holder");
        assert!(mirror.try_lease("aws:1:us-east-1", "replica-b", 60).await.unwrap(), "leases are per source");
        mirror.release("aws:1:eu-west-1", "replica-b").await.unwrap();
        assert_eq!(mirror.status("aws:1:eu-west-1").await.unwrap().lease_owner.as_deref(), Some("replica-a"));
        mirror.release("aws:1:eu-west-1", "replica-a").await.unwrap();
        assert!(mirror.try_lease("aws:1:eu-west-1", "replica-b", 1).await.unwrap());
        // A lease that ran out (its holder died) is taken over.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert!(mirror.try_lease("aws:1:eu-west-1", "replica-a", 60).await.unwrap(), "{}", db.kind);
    }
}

#[tokio::test]
async fn services_mark_families_in_use_and_filter_the_pages() {
    for db in test_db::each().await {
        let (store, mirror) = open(&db).await;
        for f in ["api", "api", "worker", "batch"] {
            store.register(&leaky(f), "alice").await.unwrap();
        }
        sync_all(&store, &mirror).await;
        let use_of = |cluster: &str, service: &str, family: &str, revision: u32, deployment: &str| ServiceUse {
            cluster: cluster.into(),
            service: service.into(),
            family: family.into(),
            revision,
            deployment: deployment.into(),
            desired: 2,
            running: 2,
        };
        let services = vec![
            use_of("prod", "api", "api", 1, "PRIMARY"),
            use_of("staging", "api", "api", 2, "PRIMARY"),
            use_of("prod", "worker", "worker", 1, "PRIMARY"),
        ];
        mirror.replace_services("local", Some(&services)).await.unwrap();
        let api = mirror.family("local", "api").await.unwrap().unwrap();
        assert_eq!(api.in_use, 2, "{}", db.kind);
        let running_1 = mirror.services("local", "api", Some(1)).await.unwrap();
        assert_eq!(running_1.len(), 1);
        assert_eq!((running_1[0].cluster.as_str(), running_1[0].service.as_str()), ("prod", "api"));
        let in_use = FamilyQuery { in_use: Some(true), ..Default::default() };
        let page = mirror.families("local", &in_use).await.unwrap();
        assert_eq!(page.items.iter().map(|f| f.family.as_str()).collect::<Vec<_>>(), vec!["api", "worker"]);
        let idle = mirror
            .families("local", &FamilyQuery { in_use: Some(false), q: "batch".into(), ..Default::default() })
            .await;
        assert_eq!(idle.unwrap().items.iter().map(|f| f.family.as_str()).collect::<Vec<_>>(), vec!["batch"]);
        assert_eq!(mirror.totals("local").await.unwrap().in_use_families, 2);
        assert!(mirror.status("local").await.unwrap().has_services);
        // A new revision registered later keeps the family's in-use count.
        store.register(&leaky("api"), "alice").await.unwrap();
        sync_family(&store, &mirror, "local", "api").await.unwrap();
        assert_eq!(mirror.family("local", "api").await.unwrap().unwrap().in_use, 2);
        mirror.replace_services("local", None).await.unwrap();
        assert_eq!(mirror.family("local", "api").await.unwrap().unwrap().in_use, 0);
        assert!(!mirror.status("local").await.unwrap().has_services);
    }
}

#[tokio::test]
async fn families_are_searched_filtered_sorted_and_paged_in_the_database() {
    for db in test_db::each().await {
        let (store, mirror) = open(&db).await;
        let clean = |family: &str| json!({"family": family, "containerDefinitions": [{"name": "a", "image": "nginx:1.27", "essential": true, "memory": 256}]});
        for i in 0..120 {
            let name = format!("svc_{i:03}-{}", if i % 2 == 0 { "Web" } else { "worker" });
            let td = if i % 10 == 0 { leaky(&name) } else { clean(&name) };
            store.register(&td, "alice").await.unwrap();
        }
        sync_all(&store, &mirror).await;
        let q = |q: &str, page: u32| FamilyQuery { q: q.into(), page, ..Default::default() };
        // "storefront-web" of the seed matches too: 61.
        let webs = mirror.families("local", &q("-WEB", 1)).await.unwrap();
        assert_eq!((webs.total, webs.items.len(), webs.pages()), (61, 50, 2), "{}: case-insensitive", db.kind);
        let second = mirror.families("local", &q("-web", 2)).await.unwrap();
        assert_eq!(second.items.len(), 11);
        assert!(webs.items.iter().chain(&second.items).all(|f| f.family.to_lowercase().contains("-web")));
        assert_eq!(second.items.last().unwrap().family, "svc_118-Web");
        assert_eq!(second.items.first().unwrap().family, "svc_098-Web", "page 2 goes on where page 1 ended");
        // LIKE's own characters are searched for, not interpreted.
        assert_eq!(
            mirror.families("local", &q("s_c", 1)).await.unwrap().total,
            0,
            "`_` is a character here, not any character"
        );
        assert_eq!(mirror.families("local", &q("s%b", 1)).await.unwrap().total, 0);
        assert_eq!(mirror.families("local", &q("_1", 1)).await.unwrap().total, 20);
        let serious = FamilyQuery { min_severity: Some(Severity::Critical), ..Default::default() };
        let leaky_ones = mirror.families("local", &serious).await.unwrap();
        assert!(leaky_ones.items.iter().filter(|f| f.family.starts_with("svc_")).count() == 12, "{}", db.kind);
        let by_rule = FamilyQuery { rule: Some("sec001".into()), ..Default::default() };
        let by_rule = mirror.families("local", &by_rule).await.unwrap();
        assert!(by_rule.items.iter().any(|f| f.family == "svc_000-Web"));
        assert!(!by_rule.items.iter().any(|f| f.family == "svc_001-worker"));
        let by_category = FamilyQuery { category: Some("Secrets".into()), ..Default::default() };
        assert_eq!(mirror.families("local", &by_category).await.unwrap().total, by_rule.total);
        let worst = FamilyQuery { sort: FamilySort::Findings, ..Default::default() };
        let worst = mirror.families("local", &worst).await.unwrap();
        assert!(worst.items.windows(2).all(|w| w[0].counts[4] >= w[1].counts[4]), "most critical first");
        // The aggregate agrees with the rows.
        let totals = mirror.totals("local").await.unwrap();
        let rules = mirror.rule_totals("local").await.unwrap();
        assert_eq!(rules.iter().map(|r| r.findings).sum::<u64>(), totals.counts.iter().sum::<u64>(), "{}", db.kind);
        let sec001 = rules.iter().find(|r| r.rule == "SEC001").expect("SEC001 in the aggregate");
        assert_eq!(sec001.families, by_rule.total);
        assert!(rules.windows(2).all(|w| w[0].severity >= w[1].severity), "most severe first");
        // Exports walk every latest revision in pages.
        let mut seen = 0;
        let mut after: Option<String> = None;
        loop {
            let batch = mirror.latest_after("local", after.as_deref(), 7).await.unwrap();
            if batch.is_empty() {
                break;
            }
            seen += batch.len();
            after = batch.last().map(|b| b.0.clone());
        }
        assert_eq!(
            seen as u64,
            totals.families
                - store.list_families().await.unwrap().iter().filter(|f| f.latest_active_revision.is_none()).count()
                    as u64
        );
    }
}

#[tokio::test]
async fn the_aggregate_is_computed_once_per_change_of_the_mirror() {
    for db in test_db::each().await {
        let (store, mirror) = open(&db).await;
        sync_all(&store, &mirror).await;
        let before = mirror.aggregate("local").await.unwrap();
        let again = mirror.aggregate("local").await.unwrap();
        assert!(std::sync::Arc::ptr_eq(&before, &again), "{}: unchanged mirror, cached aggregate", db.kind);
        assert_eq!(before.totals, mirror.totals("local").await.unwrap());
        // A family registered (and mirrored) since: a new aggregate, here and in any replica.
        store.register(&leaky("late"), "alice").await.unwrap();
        sync_family(&store, &mirror, "local", "late").await.unwrap();
        let after = mirror.aggregate("local").await.unwrap();
        assert_eq!(after.totals.families, before.totals.families + 1, "{}", db.kind);
        let other_replica = Mirror::on(store.database().clone());
        assert_eq!(other_replica.aggregate("local").await.unwrap().totals, after.totals);
        let sec001 = |a: &ecs_lens::store::mirror::Aggregate| {
            a.rules.iter().find(|r| r.rule == "SEC001").map_or(0, |r| r.families)
        };
        assert_eq!(sec001(&after), sec001(&before) + 1);
    }
}

#[tokio::test]
async fn the_compare_page_reads_the_mirror_and_describes_nothing() {
    use std::sync::Arc;
    for db in test_db::each().await {
        let (store, mirror) = open(&db).await;
        store.register(&leaky("cmp"), "alice").await.unwrap();
        let mut next = leaky("cmp");
        next["containerDefinitions"][0]["image"] = json!("example/app:1.3.0");
        next["containerDefinitions"][0]["environment"][2]["value"] = json!("debug");
        store.register(&next, "bob").await.unwrap();
        sync_all(&store, &mirror).await;

        // Every describe of this store fails: the page must not need one.
        let cut = Arc::new(CutOff { inner: store.clone(), ok: 0, calls: AtomicUsize::new(0) });
        let state = ecs_lens::server::AppState::new(
            vec![("local".into(), cut.clone() as Arc<dyn TaskDefStore>)],
            Default::default(),
            mirror.clone(),
        );
        let r = |s: &str| ecs_lens::shared::RevisionRef::parse(s).unwrap();
        let data = ecs_lens::server::service::compare(&state, &r("cmp:1"), &r("cmp:2")).await.expect("from the mirror");
        assert_eq!(cut.calls.load(Ordering::SeqCst), 0, "{}: nothing described", db.kind);
        let paths: Vec<String> = data.diff.changes.iter().map(|c| c.path.join(" › ")).collect();
        assert_eq!(paths, ["container app › image", "container app › environment › LOG_LEVEL"], "{}", db.kind);
        assert!(data.diff.findings.unchanged > 0, "the stored findings of both sides match");
        assert!(data.diff.findings.introduced.is_empty() && data.diff.findings.resolved.is_empty());
        for text in [&data.a_json, &data.b_json, &serde_json::to_string(&data.diff).unwrap()] {
            assert!(!text.contains(API_KEY) && !text.contains(PASSWORD), "{}: a value leaked", db.kind);
        }
        // A revision the mirror has never seen is looked up in the store, which says what is wrong.
        let err = ecs_lens::server::service::compare(&state, &r("cmp:1"), &r("cmp:9")).await.unwrap_err();
        assert!(err.to_string().contains("ThrottlingException"), "{err}");
    }
}

/// `leaky(family)` as it would be in `region` of `account`: its role, log group region and ECR
/// registry name both.
fn placed(family: &str, region: &str, account: &str, tag: &str) -> Value {
    let mut td = leaky(family);
    td["executionRoleArn"] = json!(format!("arn:aws:iam::{account}:role/ecsTaskExecutionRole"));
    td["containerDefinitions"][0]["image"] = json!(format!("{account}.dkr.ecr.{region}.amazonaws.com/app:{tag}"));
    td["containerDefinitions"][0]["logConfiguration"] = json!({
        "logDriver": "awslogs",
        "options": {"awslogs-group": "/ecs/app", "awslogs-region": region, "awslogs-stream-prefix": "app"}
    });
    td
}

#[tokio::test]
async fn compare_reads_any_source_and_family_and_tells_account_region_from_drift() {
    use ecs_lens::shared::RevisionRef;
    use std::sync::Arc;
    for db in test_db::each().await {
        // Two sources as two regions of two accounts would be: each store's ARNs name its own.
        let here = EmbeddedOptions { region: "us-east-1".into(), account: "111111111111".into(), ..Default::default() };
        let store = EmbeddedStore::open_with(&db.location, here).await.unwrap();
        let mirror = Mirror::on(store.database().clone());
        let dir = tempfile::tempdir().unwrap();
        let options = EmbeddedOptions {
            seed: false,
            region: "eu-west-1".into(),
            account: "222222222222".into(),
            ..Default::default()
        };
        let other =
            EmbeddedStore::open_with(&ecs_lens::store::Location::DataDir(dir.path().into()), options).await.unwrap();
        store.register(&placed("app", "us-east-1", "111111111111", "1.2.3"), "alice").await.unwrap();
        other.register(&placed("app", "eu-west-1", "222222222222", "1.2.3"), "bob").await.unwrap();
        other.register(&placed("app", "eu-west-1", "222222222222", "1.3.0"), "bob").await.unwrap();
        store.register(&placed("app-staging", "us-east-1", "111111111111", "1.4.0-rc1"), "carol").await.unwrap();
        sync_all(&store, &mirror).await;
        let state = ecs_lens::server::AppState::new(
            vec![
                ("local".into(), Arc::new(store.clone()) as Arc<dyn TaskDefStore>),
                ("eu-west-1".into(), Arc::new(other)),
            ],
            Default::default(),
            mirror.clone(),
        );
        let r = |s: &str| RevisionRef::parse(s).unwrap();
        let compare = |a: &str, b: &str| {
            let (a, b, state) = (r(a), r(b), state.clone());
            async move { ecs_lens::server::service::compare(&state, &a, &b).await }
        };

        // The same revision number in two regions: only the account and region differ. The
        // other source's mirror is filled on first use (it was never synced).
        let d = compare("app:1", "eu-west-1:app:1").await.expect("across sources");
        assert_eq!((d.a.source.as_str(), d.b.source.as_str()), ("local", "eu-west-1"), "{}", db.kind);
        assert!(d.a.here && !d.b.here && d.across_sources());
        let scoped: Vec<String> =
            d.diff.changes.iter().filter(|c| c.account_region_only).map(|c| c.path.join(" › ")).collect();
        assert_eq!(d.diff.changes.len(), scoped.len(), "{}: nothing but scope: {:?}", db.kind, d.diff.changes);
        assert!(scoped.iter().any(|p| p.ends_with("image")) && scoped.iter().any(|p| p == "executionRoleArn"));

        // The latest ACTIVE in Ireland has a new image: that is drift, the rest is scope.
        let d = compare("local:app:1", "eu-west-1:app:latest").await.unwrap();
        assert_eq!(d.b.revision, 2);
        let drift: Vec<String> =
            d.diff.changes.iter().filter(|c| !c.account_region_only).map(|c| c.path.join(" › ")).collect();
        assert_eq!(drift, ["container app › image"], "{}", db.kind);
        for text in [&d.a_json, &d.b_json, &serde_json::to_string(&d.diff).unwrap()] {
            assert!(!text.contains(API_KEY) && !text.contains(PASSWORD), "{}: a value leaked", db.kind);
        }

        // Two families of one source (staging against prod), with the notes of both.
        ecs_lens::server::service::set_note(&state, "app-staging", 1, "release candidate").await.unwrap();
        let d = compare("app-staging:1", "app:1").await.unwrap();
        assert_eq!((d.a.family.as_str(), d.b.family.as_str()), ("app-staging", "app"));
        assert_eq!(d.a.note.as_deref(), Some("release candidate"));
        let paths: Vec<String> = d.diff.changes.iter().map(|c| c.path.join(" › ")).collect();
        assert!(
            paths.contains(&"family".to_string()) && paths.contains(&"container app › image".to_string()),
            "{paths:?}"
        );
        assert_eq!(d.diff.account_region_only(), 0, "one source: a region in a value is drift");

        // What is wrong is said: an unknown source, family or revision.
        let err = compare("app:1", "ap-south-1:app:1").await.unwrap_err().to_string();
        assert!(err.contains("no source `ap-south-1`") && err.contains("local, eu-west-1"), "{err}");
        let err = compare("app:1", "eu-west-1:app:7").await.unwrap_err();
        assert_eq!(err.kind(), "notFound", "{err}");
        let err = compare("app:1", "eu-west-1:nope:latest").await.unwrap_err();
        assert_eq!(err.kind(), "notFound", "{err}");
    }
}

#[tokio::test]
async fn a_rotated_plaintext_credential_is_a_change_in_compare_and_history_though_masked() {
    use ecs_lens::shared::RevisionRef;
    use std::sync::Arc;
    const ROTATED: &str = "0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a";
    for db in test_db::each().await {
        let (store, mirror) = open(&db).await;
        store.register(&leaky("rot"), "alice").await.unwrap();
        let mut next = leaky("rot");
        next["containerDefinitions"][0]["environment"][0]["value"] = json!(ROTATED);
        store.register(&next, "bob").await.unwrap();
        store.register(&next, "bob").await.unwrap();
        sync_all(&store, &mirror).await;
        let state = ecs_lens::server::AppState::new(
            vec![("local".into(), Arc::new(store.clone()) as Arc<dyn TaskDefStore>)],
            Default::default(),
            mirror.clone(),
        );
        let r = |s: &str| RevisionRef::parse(s).unwrap();
        let d = ecs_lens::server::service::compare(&state, &r("rot:1"), &r("rot:2")).await.unwrap();
        let shown: Vec<String> = d
            .diff
            .changes
            .iter()
            .map(|c| format!("{} {} → {}", c.path.join(" › "), c.before.clone().unwrap(), c.after.clone().unwrap()))
            .collect();
        assert_eq!(
            shown,
            [r#"container app › environment › DD_API_KEY "********" → "******** (another value)""#],
            "{}",
            db.kind
        );
        let same = ecs_lens::server::service::compare(&state, &r("rot:2"), &r("rot:3")).await.unwrap();
        assert!(same.diff.changes.is_empty(), "{}: the same value is no change", db.kind);
        let filter = ecs_lens::core::history::Filter { path: Some("DD_API_KEY".into()), ..Default::default() };
        let h = ecs_lens::server::service::history(&state, "rot", &filter, None).await.unwrap();
        let revisions: Vec<u32> = h.revisions.iter().map(|r| r.revision).collect();
        assert_eq!(revisions, [2], "{}: the rotation is in the history", db.kind);
        let text = serde_json::to_string(&(&d, &h)).unwrap();
        assert!(!text.contains(API_KEY) && !text.contains(ROTATED), "{}: no value", db.kind);
    }
}

#[tokio::test]
async fn exposure_finds_the_same_value_in_every_revision_and_family_by_keyed_hash() {
    for db in test_db::each().await {
        let (store, mirror) = open(&db).await;
        store.register(&leaky("one"), "alice").await.unwrap();
        store.register(&leaky("one"), "alice").await.unwrap();
        let mut other = leaky("two");
        other["containerDefinitions"][0]["environment"][0]["value"] = json!("0123456789abcdef0123456789abcdef");
        store.register(&other, "bob").await.unwrap();
        sync_all(&store, &mirror).await;
        let ex = mirror.exposure("local", Some("one")).await.unwrap();
        // The key is the database's: another Mirror on it fingerprints alike.
        let again = Mirror::on(store.database().clone());
        assert_eq!(*again.fingerprint_key().await.unwrap(), *mirror.fingerprint_key().await.unwrap());
        let key = again.fingerprint_key().await.unwrap();
        let revisions = |value: &str| {
            let fp = ecs_lens::store::mirror::fingerprint(&key, value);
            let e = ex.iter().find(|e| e.fingerprint == fp).unwrap_or_else(|| panic!("{}: {ex:#?}", db.kind));
            e.revisions.iter().map(|r| (r.family.clone(), r.revision)).collect::<Vec<_>>()
        };
        // The password (in `environment` and on the command line: one credential, each revision once).
        let one = |r| ("one".to_string(), r);
        assert_eq!(revisions(PASSWORD), [one(2), one(1), ("two".to_string(), 1)], "{}: in another family too", db.kind);
        assert_eq!(revisions(API_KEY), [one(2), one(1)], "another value in `two`");
        assert_eq!(ex.len(), 2);
        assert!(ex.iter().all(|e| e.in_latest));
        assert!(!mirror_text(store.database()).await.contains(PASSWORD));
    }
}

/// `leaky(family)` with its container changed by `f`.
fn leaky_with(family: &str, f: impl FnOnce(&mut Value)) -> Value {
    let mut v = leaky(family);
    f(&mut v);
    v
}

#[tokio::test]
async fn history_is_diffed_once_per_revision_and_filters_by_container_and_path() {
    use ecs_lens::core::history::Filter;
    for db in test_db::each().await {
        let (store, mirror) = open(&db).await;
        let app = |v: &mut Value| v["containerDefinitions"][0].clone();
        let _ = app;
        // 1 the original; 2 a new image; 3 a sidecar added and LOG_LEVEL changed;
        // 4 DD_API_KEY moved to secrets and the sidecar removed.
        store.register(&leaky("hist"), "alice").await.unwrap();
        store
            .register(
                &leaky_with("hist", |v| v["containerDefinitions"][0]["image"] = json!("example/app:1.3.0")),
                "bob",
            )
            .await
            .unwrap();
        let three = |v: &mut Value| {
            v["containerDefinitions"][0]["image"] = json!("example/app:1.3.0");
            v["containerDefinitions"][0]["environment"][2]["value"] = json!("debug");
            v["containerDefinitions"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "proxy", "image": "envoy:1.30", "essential": false, "memory": 64}));
        };
        store.register(&leaky_with("hist", three), "bob").await.unwrap();
        store
            .register(
                &leaky_with("hist", |v| {
                    v["containerDefinitions"][0]["image"] = json!("example/app:1.3.0");
                    v["containerDefinitions"][0]["environment"] = json!([
                        {"name": "MYSQL_PW", "value": PASSWORD},
                        {"name": "LOG_LEVEL", "value": "debug"}
                    ]);
                    v["containerDefinitions"][0]["secrets"] = json!([{"name": "DD_API_KEY", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dd-AbCdEf"}]);
                }),
                "carol",
            )
            .await
            .unwrap();
        sync_all(&store, &mirror).await;
        let h = mirror.history("local", "hist").await.unwrap();
        let shown: Vec<Vec<String>> =
            h.iter().map(|(_, c)| c.iter().map(|c| format!("{} {}", c.kind, c.path.join(" › "))).collect()).collect();
        assert_eq!(shown[0], Vec::<String>::new(), "{}", db.kind);
        assert_eq!(shown[1], ["changed container app › image"]);
        assert_eq!(shown[2], ["changed container app › environment › LOG_LEVEL", "added container proxy"]);
        assert_eq!(shown[3], ["movedToSecrets container app › secrets › DD_API_KEY", "removed container proxy"]);
        assert!(
            !serde_json::to_string(&h.iter().map(|x| &x.1).collect::<Vec<_>>()).unwrap().contains(API_KEY),
            "masked"
        );

        // Cached: one row per revision after the first; a new revision adds exactly one.
        let rows = |db: Database| async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM mirror_history").fetch_one(db.pool()).await.unwrap()
        };
        assert_eq!(rows(store.database().clone()).await, 3);
        store.register(&leaky("hist"), "dave").await.unwrap();
        sync_all(&store, &mirror).await;
        let again = mirror.history("local", "hist").await.unwrap();
        assert_eq!(again.len(), 5);
        assert_eq!(rows(store.database().clone()).await, 4);
        assert_eq!(&again[..4], &h[..], "earlier revisions are read back as they were");

        // Filters: one path, one container.
        let keep = |f: Filter| {
            again
                .iter()
                .filter(|(_, c)| c.iter().any(|c| f.keeps(&c.path)))
                .map(|(r, _)| r.revision)
                .collect::<Vec<_>>()
        };
        assert_eq!(keep(Filter { path: Some("DD_API_KEY".into()), ..Default::default() }), [4, 5]);
        assert_eq!(keep(Filter { container: Some("proxy".into()), ..Default::default() }), [3, 4]);
        assert_eq!(keep(Filter { container: Some("app".into()), path: Some("image".into()) }), [2, 5]);

        // A revision deleted in the source: the next one is compared with the one before it.
        store.deregister("hist", 2).await.unwrap();
        store.delete("hist", &[2]).await.unwrap();
        sync_all(&store, &mirror).await;
        let after = mirror.history("local", "hist").await.unwrap();
        assert_eq!(after.iter().map(|(r, _)| r.revision).collect::<Vec<_>>(), [1, 3, 4, 5]);
        let three: Vec<String> = after[1].1.iter().map(|c| c.path.join(" › ")).collect();
        assert!(three.contains(&"container app › image".to_string()), "3 against 1 now: {three:?}");
    }
}

#[tokio::test]
async fn notes_are_kept_per_revision_searchable_and_limited() {
    use ecs_lens::store::notes::MAX_NOTE_CHARS;
    for db in test_db::each().await {
        let (store, mirror) = open(&db).await;
        store.register(&leaky("noted"), "alice").await.unwrap();
        store.register(&leaky("noted"), "alice").await.unwrap();
        let notes = mirror.notes();
        notes.set("local", "noted", 1, "  Rollback for INC-42 <b>bold</b>  ", "alice").await.unwrap();
        notes.set("local", "noted", 2, "Bump after INC-42", "bob").await.unwrap();
        notes.set("local", "noted", 2, "Bump after INC-43", "carol").await.unwrap();
        let all = notes.of_family("local", "noted").await.unwrap();
        assert_eq!(all[&1].text, "Rollback for INC-42 <b>bold</b>", "{}: trimmed, kept as plain text", db.kind);
        assert_eq!((all[&2].text.as_str(), all[&2].written_by.as_str()), ("Bump after INC-43", "carol"));
        let found = notes.search("local", "inc-4", 10).await.unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(notes.search("local", "INC-43", 10).await.unwrap()[0].1, 2);
        assert!(notes.search("local", "%", 10).await.unwrap().is_empty(), "LIKE's characters are literal");
        assert!(notes.search("other", "INC", 10).await.unwrap().is_empty(), "per source");
        let long = "x".repeat(MAX_NOTE_CHARS + 1);
        let err = notes.set("local", "noted", 1, &long, "alice").await.unwrap_err();
        assert!(err.to_string().contains("at most 500"), "{err}");
        notes.set("local", "noted", 1, "", "alice").await.unwrap();
        assert!(notes.get("local", "noted", 1).await.unwrap().is_none(), "an empty note removes it");
    }
}

#[tokio::test]
async fn prune_keeps_the_newest_and_what_runs_and_deletes_inactive_on_request() {
    use ecs_lens::server::hygiene::{plan, prune, PruneOptions};
    use std::sync::Arc;
    for db in test_db::each().await {
        let (store, mirror) = open(&db).await;
        for _ in 0..6 {
            store.register(&leaky("old"), "alice").await.unwrap();
        }
        store.deregister("old", 1).await.unwrap();
        sync_all(&store, &mirror).await;
        let state = ecs_lens::server::AppState::new(
            vec![("local".into(), Arc::new(store.clone()) as Arc<dyn TaskDefStore>)],
            Default::default(),
            mirror.clone(),
        )
        .with_audit(ecs_lens::store::audit::AuditLog::on(store.database().clone()));
        // Revision 3 is in use (the embedded store has no services: recorded as a sync would).
        mirror
            .replace_services(
                "local",
                Some(&[ServiceUse {
                    cluster: "prod".into(),
                    service: "web".into(),
                    family: "old".into(),
                    revision: 3,
                    deployment: "PRIMARY".into(),
                    desired: 1,
                    running: 1,
                }]),
            )
            .await
            .unwrap();
        let keep2 = PruneOptions { keep: 2, older_than_days: None, delete: false };
        let p = plan(&state, "old", &keep2).await.unwrap();
        assert_eq!((p.deregister.clone(), p.delete.clone()), (vec![4, 2], vec![]), "{}: {p:?}", db.kind);
        assert!(p.kept.iter().any(|(r, why)| *r == 3 && why.contains("service web in cluster prod")));
        assert!(p.kept.iter().any(|(r, why)| *r == 6 && why.contains("newest 2")));
        let recent = plan(&state, "old", &PruneOptions { older_than_days: Some(30), ..keep2.clone() }).await.unwrap();
        assert!(recent.deregister.is_empty(), "everything was registered today: {recent:?}");

        let with_delete = PruneOptions { delete: true, ..keep2.clone() };
        let p = plan(&state, "old", &with_delete).await.unwrap();
        assert_eq!(p.delete, [4, 2, 1], "INACTIVE 1 too");
        let done = prune(&state, "old", &with_delete).await.unwrap();
        assert!(done.done && done.failed.is_empty(), "{done:?}");
        assert_eq!((done.deregister.clone(), done.delete.clone()), (vec![4, 2], vec![4, 2, 1]));
        let left: Vec<u32> = store.list_revisions("old").await.unwrap().iter().map(|r| r.revision).collect();
        assert_eq!(left, [3, 5, 6], "{}", db.kind);
        let trail = state.audit.as_ref().unwrap().list(Some("old"), 50).await.unwrap();
        assert_eq!(trail.iter().filter(|e| e.entry.action == "delete").count(), 3);
        assert_eq!(trail.iter().filter(|e| e.entry.action == "deregister").count(), 2);
        let read_only = ecs_lens::server::AppState::new(
            vec![("local".into(), Arc::new(store.clone()) as Arc<dyn TaskDefStore>)],
            ecs_lens::server::access::AccessConfig { read_only: true, ..Default::default() },
            mirror.clone(),
        );
        assert!(matches!(prune(&read_only, "old", &with_delete).await, Err(StoreError::ReadOnly { .. })));
    }
}

#[tokio::test]
async fn the_history_page_is_paged_and_the_cli_gets_everything() {
    use std::sync::Arc;
    let db = test_db::sqlite();
    let (store, mirror) = open(&db).await;
    for i in 0..55 {
        store
            .register(
                &leaky_with("long", |v| v["containerDefinitions"][0]["image"] = json!(format!("example/app:{i}"))),
                "me",
            )
            .await
            .unwrap();
    }
    sync_all(&store, &mirror).await;
    let state = ecs_lens::server::AppState::new(
        vec![("local".into(), Arc::new(store.clone()) as Arc<dyn TaskDefStore>)],
        Default::default(),
        mirror.clone(),
    );
    let all = ecs_lens::server::service::history(&state, "long", &Default::default(), None).await.unwrap();
    assert_eq!((all.revisions.len(), all.paging), (55, None));
    let two = ecs_lens::server::service::history(&state, "long", &Default::default(), Some(2)).await.unwrap();
    assert_eq!(two.paging, Some((2, 2, 55)));
    assert_eq!(two.revisions.iter().map(|r| r.revision).collect::<Vec<_>>(), [5, 4, 3, 2, 1], "newest first");
    let past = ecs_lens::server::service::history(&state, "long", &Default::default(), Some(9)).await.unwrap();
    assert_eq!(past.paging, Some((2, 2, 55)), "a page past the end is the last");
}

#[tokio::test]
async fn writers_of_the_same_revisions_at_once_queue_and_never_deadlock() {
    use ecs_lens::store::mirror::MirroredRevision;
    for db in test_db::each().await {
        let (store, mirror) = open(&db).await;
        for image in ["nginx:1.26", "nginx:1.27", "nginx:1.28"] {
            let mut td = leaky("busy");
            td["containerDefinitions"][0]["image"] = json!(image);
            store.register(&td, "alice").await.unwrap();
        }
        let key = mirror.fingerprint_key().await.unwrap();
        let mut revisions = Vec::new();
        for r in 1..=3 {
            let d = store.describe("busy", Some(r)).await.unwrap();
            revisions.push(MirroredRevision::analyse(&d, &key));
        }
        // Eight writers of the same three revisions, half of them in the opposite order, with
        // sync status writes among them: what two replicas and a register do at once.
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (mirror, mut batch) = (mirror.clone(), revisions.clone());
            if i % 2 == 1 {
                batch.reverse();
            }
            tasks.push(tokio::spawn(async move {
                for _ in 0..5 {
                    mirror.sync_started("local").await?;
                    mirror.write("local", &batch).await?;
                    mirror.sync_finished("local", true, None).await?;
                }
                Ok::<(), StoreError>(())
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap_or_else(|e| panic!("{}: a writer failed: {e}", db.kind));
        }
        let family = mirror.family("local", "busy").await.unwrap().expect("mirrored");
        assert_eq!((family.revision_count, family.latest_active), (3, Some(3)), "{}", db.kind);
    }
}
