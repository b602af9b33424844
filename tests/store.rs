//! The embedded task-definition store in both databases it runs on — a real SQLite file and a
//! real PostgreSQL database (`ECS_LENS_POSTGRES_URL`) — against the store contract (the same
//! suite tests/aws_store.rs runs against the Amazon ECS store on moto), concurrent registers
//! from several processes, and `ecs-lens import` end to end.

use std::process::{Command, Output};
use std::sync::Arc;

use ecs_lens::store::test_db::{self, TestDatabase};
use ecs_lens::store::{contract, EmbeddedOptions, EmbeddedStore, Location, Registered, TaskDefStatus, TaskDefStore};
use serde_json::Value;

/// A fresh store in its own temporary directory (kept alive by the returned guard).
async fn store(seed: bool) -> (tempfile::TempDir, Arc<dyn TaskDefStore>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store =
        EmbeddedStore::open_with(&Location::DataDir(dir.path().into()), EmbeddedOptions { seed, ..Default::default() })
            .await
            .expect("open store");
    (dir, Arc::new(store))
}

/// A fresh store in each kind of database: SQLite, and PostgreSQL (ECS_LENS_POSTGRES_URL; see
/// `ecs_lens::store::test_db`). The database guard keeps a SQLite directory alive.
async fn stores(seed: bool) -> Vec<(TestDatabase, Arc<dyn TaskDefStore>)> {
    let mut out = Vec::new();
    for db in test_db::each().await {
        let store = EmbeddedStore::open_with(&db.location, EmbeddedOptions { seed, ..Default::default() })
            .await
            .unwrap_or_else(|e| panic!("open a {} store: {e}", db.kind));
        out.push((db, Arc::new(store) as Arc<dyn TaskDefStore>));
    }
    out
}

// --- the contract, one check per test on an empty store, and all of them on a seeded one ---

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn contract_on_a_seeded_store() {
    for (_db, s) in stores(true).await {
        contract::run_all(s).await;
    }
}

#[tokio::test]
async fn contract_register_describe_list_deregister() {
    for (_db, s) in stores(false).await {
        contract::register_describe_list_deregister(s.as_ref()).await;
    }
}

#[tokio::test]
async fn contract_revisions_are_never_reused() {
    for (_db, s) in stores(false).await {
        contract::revisions_are_never_reused(s.as_ref()).await;
    }
}

#[tokio::test]
async fn contract_latest_active_skips_inactive() {
    for (_db, s) in stores(false).await {
        contract::latest_active_skips_inactive(s.as_ref()).await;
    }
}

#[tokio::test]
async fn contract_tags_round_trip() {
    for (_db, s) in stores(false).await {
        contract::tags_round_trip(s.as_ref()).await;
    }
}

#[tokio::test]
async fn contract_lossless_round_trip_of_every_fixture() {
    for (_db, s) in stores(false).await {
        contract::lossless_round_trip(s.as_ref()).await;
    }
}

#[tokio::test]
async fn contract_describe_shapes_are_accepted() {
    for (_db, s) in stores(false).await {
        contract::describe_shapes_are_accepted(s.as_ref()).await;
    }
}

#[tokio::test]
async fn contract_unknown_family_and_revision() {
    for (_db, s) in stores(false).await {
        contract::unknown_family_and_revision(s.as_ref()).await;
    }
}

#[tokio::test]
async fn contract_invalid_input_is_refused() {
    for (_db, s) in stores(false).await {
        contract::invalid_input_is_refused(s.as_ref()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn contract_concurrent_registers() {
    for (_db, s) in stores(false).await {
        contract::concurrent_registers(s).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_registers_through_two_opens_of_one_database() {
    for db in test_db::each().await {
        concurrent_registers_through_two_opens(&db.location).await;
    }
}

/// Two stores on one database: two pools, as two processes or two replicas have.
async fn two_pools(location: &Location) -> [Arc<EmbeddedStore>; 2] {
    let open = || async { Arc::new(EmbeddedStore::open_with(location, EmbeddedOptions::default()).await.unwrap()) };
    [open().await, open().await]
}

/// `work(store, i)` for i in 0..10 all at once, alternating between the two pools; the answers
/// in the order the work was started.
async fn ten_at_once<T, Fut>(pools: &[Arc<EmbeddedStore>; 2], work: impl Fn(Arc<EmbeddedStore>, usize) -> Fut) -> Vec<T>
where
    T: Send + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let handles: Vec<_> = (0..10).map(|i| tokio::spawn(work(Arc::clone(&pools[i % 2]), i))).collect();
    let mut answers = Vec::with_capacity(handles.len());
    for h in handles {
        answers.push(h.await.unwrap());
    }
    answers
}

async fn concurrent_registers_through_two_opens(location: &Location) {
    let pools = two_pools(location).await;
    let family = contract::fresh_family("two-pools");
    let mut numbers = ten_at_once(&pools, |s, _| {
        let input = contract::minimal(&family);
        async move { s.register(&input, contract::PRINCIPAL).await.unwrap().revision() }
    })
    .await;
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=10).collect::<Vec<u32>>());
    assert_eq!(pools[0].list_families().await.unwrap().len(), 7, "seeded once: 6 seed families + this one");
}

#[tokio::test]
async fn contract_an_edit_from_an_old_base_is_not_registered() {
    for (_db, s) in stores(false).await {
        contract::an_edit_from_an_old_base_is_not_registered(s.as_ref()).await;
    }
}

/// Ten editors register edits from the same base at once, through two stores (two pools, as
/// two replicas have) on one database: exactly one is registered, the others are told of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_edits_from_one_base_exactly_one_is_registered() {
    for db in test_db::each().await {
        let pools = two_pools(&db.location).await;
        let family = contract::fresh_family("one-base");
        pools[0].register(&contract::minimal(&family), contract::PRINCIPAL).await.unwrap();
        let answers = ten_at_once(&pools, |s, i| {
            let input = contract::minimal(&family);
            async move { s.register_from(&input, &format!("editor-{i}"), 1).await.unwrap() }
        })
        .await;
        let mut registered = Vec::new();
        let mut told = Vec::new();
        for answer in answers {
            match answer {
                Registered::New(d) => registered.push(d.revision()),
                Registered::Newer(r) => told.push(r.revision),
            }
        }
        assert_eq!(registered, [2], "{}: exactly one edit from base 1 is registered", db.kind);
        assert_eq!(told, [2; 9], "{}: the others are told of revision 2", db.kind);
        assert_eq!(pools[0].list_revisions(&family).await.unwrap().len(), 2, "{}", db.kind);
    }
}

#[tokio::test]
async fn registered_by_is_kept() {
    let (_dir, s) = store(false).await;
    let d = s.register(&contract::minimal("who"), "arn:aws:iam::000000000000:user/alice").await.unwrap();
    assert_eq!(d.task_definition["registeredBy"], "arn:aws:iam::000000000000:user/alice");
    assert_eq!(d.arn(), "arn:aws:ecs:local:000000000000:task-definition/who:1");
    assert_eq!(s.list_revisions("who").await.unwrap()[0].registered_by, "arn:aws:iam::000000000000:user/alice");
}

// --- `ecs-lens import` ---

const SEED: &str = "tests/fixtures/seed/datadog-fastapi-taskdef.json";
const WEB: &str = "tests/fixtures/corpus/web-nginx.json";
const WRAPPED: &str = "tests/fixtures/corpus/describe-wrapped.json";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-lens"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("USER", "importer")
        .output()
        .expect("run ecs-lens")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

async fn open(dir: &std::path::Path) -> EmbeddedStore {
    EmbeddedStore::open(dir).await.unwrap()
}

#[tokio::test]
async fn import_registers_each_file_as_a_new_revision() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    let o = run(&["import", SEED, WEB, WRAPPED, "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // The first use seeds the store (Datadog 1-3, one revision of the others) first.
    assert_eq!(text(&o.stdout), "Datadog:4\nstorefront-web:2\nbilling-cron:2\n");
    assert!(data.join("ecs-lens.db").is_file());

    let store = open(&data).await;
    let d = store.describe("Datadog", Some(4)).await.unwrap();
    assert_eq!(d.status(), Some(TaskDefStatus::Active));
    assert_eq!(d.task_definition["registeredBy"], "arn:aws:iam::000000000000:user/importer");
    let seed: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{}/{SEED}", env!("CARGO_MANIFEST_DIR"))).unwrap())
            .unwrap();
    assert_eq!(serde_json::to_string(&d.register_input()).unwrap(), serde_json::to_string(&seed).unwrap(), "lossless");
    let billing = store.describe("billing-cron", None).await.unwrap();
    assert_eq!(billing.revision(), 2, "the describe document's own revision (14) is not taken over");
    assert_eq!(billing.tags.len(), 1);
    store.close().await;

    // Again: the next number.
    let o = run(&["import", SEED, "--data-dir", data_s]);
    assert_eq!(text(&o.stdout), "Datadog:5\n");
}

#[tokio::test]
async fn import_of_a_malformed_file_is_located_and_registers_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"family\": \"web\",\n  \"containerDefinitions\": [],\n}\n").unwrap();
    let bad_s = bad.to_str().unwrap();
    let o = run(&["import", WEB, bad_s, "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains(&format!("{bad_s}:4:1: invalid JSON: trailing comma")), "located: {err}");
    assert!(err.contains("nothing imported"), "{err}");
    assert!(o.stdout.is_empty());
    assert!(!data.exists(), "no store is created for an import that fails");

    // Valid JSON that ECS would refuse: located at the offending member.
    std::fs::write(&bad, "{\n  \"family\": \"web\",\n  \"containerDefinitions\": []\n}\n").unwrap();
    let o = run(&["import", bad_s, "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains(&format!("{bad_s}:3:3: ClientException: Container list cannot be empty.")), "{err}");

    std::fs::write(&bad, r#"{"taskDefinition": {"family": "bad family", "containerDefinitions": [{"name": "a"}]}}"#)
        .unwrap();
    let o = run(&["import", bad_s, "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("{bad_s}:1:21: ClientException: Family `bad family` is invalid")),
        "located inside taskDefinition: {err}"
    );

    let o = run(&["import", "tests/fixtures/does-not-exist.json", "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot read tests/fixtures/does-not-exist.json"));

    // Nothing from the failed imports was registered: storefront-web is still at the seed's 1.
    let o = run(&["import", WEB, "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "storefront-web:2\n");
    let store = open(&data).await;
    assert!(store.list_revisions("web").await.is_err(), "the malformed file's family was never registered");
}

#[test]
fn import_reads_standard_input_and_needs_a_file() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let data_s = dir.path().to_str().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecs-lens"))
        .args(["import", "-", "--data-dir", data_s])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"family": "from-stdin", "containerDefinitions": [{"name": "a", "image": "x"}]}"#)
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "from-stdin:1\n");

    let o = run(&["import", "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(2), "no FILE is a usage error");
}

#[test]
fn serve_and_import_document_the_store_flags() {
    let o = run(&["serve", "--help"]);
    let help = text(&o.stdout);
    assert!(help.contains("--data-dir") && help.contains("--read-only") && help.contains("./data"), "{help}");
    let o = run(&["import", "--help"]);
    assert!(text(&o.stdout).contains("--data-dir"));
}

// --- several ecs-lens processes on one PostgreSQL database (--database-url) ---

/// `ecs-lens register` in eight processes at once against one PostgreSQL database (the URL in
/// ECS_LENS_DATABASE_URL, never on the command line): eight distinct revision numbers in
/// sequence, and `ecs-lens audit-log`, another process, lists every one of them.
#[tokio::test]
async fn processes_sharing_a_postgres_database_never_share_a_revision_number() {
    let Some(db) = test_db::postgres().await else { return };
    let Location::Url(url) = &db.location else { unreachable!() };
    let no_data_dir = tempfile::tempdir().unwrap();
    let unused = no_data_dir.path().join("unused");
    let spawn = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ecs-lens"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .env("ECS_LENS_USER", "pipeline")
            .env("ECS_LENS_DATABASE_URL", url)
            .env("ECS_LENS_DATA_DIR", &unused)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run ecs-lens")
    };
    // The first opens migrate and seed (once, whoever comes first).
    let children: Vec<_> = (0..8).map(|_| spawn(&["register", WEB])).collect();
    let mut numbers = Vec::new();
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let arn = text(&o.stdout);
        numbers.push(arn.trim().rsplit(':').next().unwrap().parse::<u32>().unwrap());
    }
    numbers.sort_unstable();
    let first = numbers[0];
    assert_eq!(numbers, (first..first + 8).collect::<Vec<_>>(), "distinct, in sequence");
    assert!(!unused.exists(), "nothing was written to a data directory");

    let o = spawn(&["audit-log", "--family", "storefront-web", "--format", "json"]).wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let entries: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    let mut audited: Vec<u64> = entries.iter().filter_map(|e| e["revision"].as_u64()).collect();
    audited.sort_unstable();
    assert_eq!(audited, numbers.iter().map(|&n| u64::from(n)).collect::<Vec<_>>());
    assert!(entries.iter().all(|e| e["user"] == "pipeline" && e["source"] == "local"));
}
