//! `ecs-lens register` and `ecs-lens scan` with `--source aws`, end to end: the built binary
//! against moto's ECS emulator, reached through `AWS_ENDPOINT_URL` as a user reaches LocalStack.
//!
//! Needs a running moto server: `export ECS_LENS_MOTO_URL=$(scripts/moto.sh start)` (and
//! `scripts/moto.sh stop` after). Without `ECS_LENS_MOTO_URL` every test here fails, saying so,
//! unless `ECS_LENS_SKIP_MOTO=1` is set to skip them on purpose. The tests share the server, so
//! they run one at a time, each after `POST /moto-api/reset`.
//!
//! A describe that fails is made real by a small HTTP proxy in front of moto (in this file): it
//! passes every request through, except `DescribeTaskDefinition` of one family, which it
//! answers as ECS answers a caller without the IAM permission (`AccessDeniedException`).
#![cfg(feature = "ssr")]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::Value;

const REGION: &str = "sa-east-1";
const WEB: &str = "tests/fixtures/corpus/web-nginx.json";
const DATADOG: &str = "tests/fixtures/corpus/datadog-fastapi.json";
/// The plaintext secrets in web-nginx.json that must never be printed.
const WEB_SECRETS: &[&str] = &["Sup3rS3cret!", "sk_live_51HxYzAbCdEfGhIjKlMnOpQrStUvWxYz0123456789"];

/// moto's URL; `None` to skip.
fn moto() -> Option<String> {
    match std::env::var("ECS_LENS_MOTO_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().trim_end_matches('/').to_string()),
        _ if std::env::var("ECS_LENS_SKIP_MOTO").as_deref() == Ok("1") => None,
        _ => panic!(
            "ECS_LENS_MOTO_URL is not set: these tests run `ecs-lens scan/register --source aws` against moto's ECS \
             emulator. Start it with `export ECS_LENS_MOTO_URL=$(scripts/moto.sh start)` (stop it with \
             `scripts/moto.sh stop`), or set ECS_LENS_SKIP_MOTO=1 to skip them on purpose."
        ),
    }
}

/// One test at a time against the shared server.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

fn authority(url: &str) -> &str {
    url.strip_prefix("http://").unwrap_or_else(|| panic!("ECS_LENS_MOTO_URL must be http://HOST:PORT, not {url}"))
}

/// One HTTP/1.1 request to moto, `Connection: close`; the whole answer.
fn http(url: &str, request_head: &str, body: &str) -> String {
    let host = authority(url);
    let mut conn = TcpStream::connect(host)
        .unwrap_or_else(|e| panic!("cannot connect to moto at {url} ({e}): is it running? (scripts/moto.sh start)"));
    write!(conn, "{request_head}\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
        .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    answer
}

/// `POST /moto-api/reset`: forget every task definition.
fn reset(url: &str) {
    let answer = http(url, "POST /moto-api/reset HTTP/1.1", "");
    assert!(answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"), "moto reset: {answer}");
}

/// An ECS call straight to moto (awsJson1.1; moto does not check signatures).
fn ecs_call(url: &str, action: &str, body: &str) -> String {
    let head = format!(
        "POST / HTTP/1.1\r\nX-Amz-Target: AmazonEC2ContainerServiceV20141113.{action}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20240101/{REGION}/ecs/aws4_request, SignedHeaders=host, Signature=0"
    );
    let answer = http(url, &head, body);
    assert!(answer.starts_with("HTTP/1.1 200"), "{action}: {answer}");
    answer
}

/// Run the binary against `endpoint` with dummy credentials and nothing from the user's AWS
/// configuration.
fn ecs_lens(endpoint: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecs-lens"));
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR")).env("NO_COLOR", "1");
    for (k, v) in common::fake_aws_env(endpoint, REGION) {
        cmd.env(k, v);
    }
    for k in [
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL_ECS",
        "ECS_LENS_SOURCE",
        "ECS_LENS_REGIONS",
        "ECS_LENS_DATA_DIR",
    ] {
        cmd.env_remove(k);
    }
    cmd.output().expect("run ecs-lens")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Skip, or hold the lock on a freshly reset moto and give its URL.
fn fresh_moto() -> Option<(MutexGuard<'static, ()>, String)> {
    let Some(url) = moto() else {
        ecs_lens::store::test_db::note_skip("ECS_LENS_SKIP_MOTO");
        return None;
    };
    let guard = serial();
    reset(&url);
    Some((guard, url))
}

/// `ecs-lens register FILE --source aws`: the ARN it printed.
fn register(endpoint: &str, file: &str) -> String {
    let o = ecs_lens(endpoint, &["register", file, "--source", "aws"]);
    assert_eq!(o.status.code(), Some(0), "register {file}: {}", stderr(&o));
    let arn = stdout(&o).trim().to_string();
    assert!(arn.starts_with(&format!("arn:aws:ecs:{REGION}:")) && arn.contains(":task-definition/"), "{arn}");
    assert_eq!(stdout(&o).lines().count(), 1, "only the ARN on stdout: {}", stdout(&o));
    arn
}

fn scan_json(endpoint: &str, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec!["scan", "--source", "aws", "--format", "json"];
    args.extend_from_slice(extra);
    let o = ecs_lens(endpoint, &args);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {} {}", stdout(&o), stderr(&o)));
    (o.status.code(), v)
}

fn paths(v: &Value) -> Vec<String> {
    v["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()).collect()
}

#[test]
fn register_then_scan_finds_it_by_arn() {
    let Some((_guard, url)) = fresh_moto() else { return };
    let web1 = register(&url, WEB);
    assert!(web1.ends_with(":task-definition/storefront-web:1"), "{web1}");
    let datadog = register(&url, DATADOG);
    let web2 = register(&url, WEB);
    assert!(web2.ends_with(":task-definition/storefront-web:2"), "the next revision: {web2}");

    // The latest ACTIVE revision of each family, by ARN, with findings (exit 1).
    let (code, v) = scan_json(&url, &[]);
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(paths(&v), vec![datadog.clone(), web2.clone()]);
    assert!(v["notScanned"].as_array().unwrap().is_empty());
    assert_eq!(v["summary"]["scanned"], 2);
    let web = &v["files"][1];
    assert!(web["error"].is_null());
    let secrets: Vec<&Value> = web["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "SEC001").collect();
    assert!(!secrets.is_empty(), "the plaintext secrets are found in what ECS describes: {web}");
    assert!(secrets
        .iter()
        .all(|f| f["pointer"].as_str().unwrap().starts_with("/taskDefinition/containerDefinitions/")));

    // Every ACTIVE revision.
    let (code, v) = scan_json(&url, &["--all-revisions"]);
    assert_eq!(code, Some(1));
    assert_eq!(paths(&v), vec![datadog.clone(), web1.clone(), web2.clone()]);

    // Deregistered: the latest ACTIVE revision is the previous one (moto would describe the
    // bare family as its highest revision, INACTIVE or not; the scan must not).
    ecs_call(&url, "DeregisterTaskDefinition", r#"{"taskDefinition": "storefront-web:2"}"#);
    let (_, v) = scan_json(&url, &[]);
    assert_eq!(paths(&v), vec![datadog.clone(), web1.clone()]);
    let (_, v) = scan_json(&url, &["--all-revisions"]);
    assert_eq!(paths(&v), vec![datadog.clone(), web1.clone()]);

    // The other formats name the same ARNs and never a secret value.
    for format in ["text", "csv", "sarif", "json"] {
        let o = ecs_lens(&url, &["scan", "--source", "aws", "--format", format, "--all-revisions"]);
        assert_eq!(o.status.code(), Some(1), "{format}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains(&web1) && out.contains(&datadog), "{format}: {out}");
        for s in WEB_SECRETS {
            assert!(!out.contains(s) && !stderr(&o).contains(s), "{format} printed a secret value");
        }
    }

    // A threshold nothing reaches: clean, exit 0.
    let o = ecs_lens(&url, &["scan", "--source", "aws", "--select", "VAL003"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("Scanned 2 of 2 task definition(s)") && stdout(&o).contains("no findings"));
}

#[test]
fn register_refuses_blocking_findings_and_dry_run_registers_nothing() {
    let Some((_guard, url)) = fresh_moto() else { return };
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"family\": \"web\",\n  \"description\": \"not an ECS field\",\n  \"containerDefinitions\": [{\"name\": \"a\", \"image\": \"nginx\", \"memory\": 128}]\n}\n",
    )
    .unwrap();
    let bad = bad.to_str().unwrap();

    // Blocking finding: refused, located, nothing registered.
    let o = ecs_lens(&url, &["register", bad, "--source", "aws"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("{bad}:3:3: high VAL001")), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"));
    assert!(o.stdout.is_empty());

    // --force: the SDK request cannot carry `description` either; the store says so, located.
    for extra in [&["--force"][..], &["--force", "--dry-run"][..]] {
        let mut args = vec!["register", bad, "--source", "aws"];
        args.extend_from_slice(extra);
        let o = ecs_lens(&url, &args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("{bad}:3:3: ClientException: Unknown parameter in input: \"description\"")),
            "{extra:?}: {}",
            stderr(&o)
        );
        assert!(o.stdout.is_empty());
    }

    // --dry-run of a good file: says what it would do, registers nothing.
    let o = ecs_lens(&url, &["register", WEB, "--source", "aws", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("dry run: would register a new revision of family `storefront-web`"), "{out}");
    assert!(out.contains(&format!("Amazon ECS in {REGION}")) && out.contains("nothing was registered"), "{out}");
    let (code, v) = scan_json(&url, &[]);
    assert_eq!(code, Some(0));
    assert!(paths(&v).is_empty(), "nothing was registered: {v}");
    let families = ecs_call(&url, "ListTaskDefinitionFamilies", "{}");
    assert!(!families.contains("storefront-web") && !families.contains("\"web\""), "{families}");

    // And for real: revision 1 (the dry run used no number).
    assert!(register(&url, WEB).ends_with("storefront-web:1"));
}

// --- a describe that fails ---------------------------------------------------------------------

/// A proxy in front of moto that answers `DescribeTaskDefinition` of `family` (bare, with a
/// revision, or by ARN) with ECS's AccessDeniedException and passes everything else through.
/// One request per connection (`Connection: close`). Its URL.
fn failing_describe_proxy(moto: &str, family: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = authority(moto).to_string();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let upstream = upstream.clone();
            std::thread::spawn(move || {
                let _ = proxy_one(conn, &upstream, family);
            });
        }
    });
    format!("http://{addr}")
}

fn proxy_one(mut client: TcpStream, upstream: &str, family: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    let mut length = 0usize;
    let mut target = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("x-amz-target:") {
            target = line["x-amz-target:".len()..].trim().to_string();
        }
        if !lower.starts_with("connection:") {
            head.push(line);
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let named = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["taskDefinition"].as_str().map(str::to_string))
        .unwrap_or_default();
    let name = named.rsplit_once(":task-definition/").map_or(named.as_str(), |(_, n)| n);
    let denied = target.ends_with(".DescribeTaskDefinition")
        && (name == family || name.split_once(':').is_some_and(|(f, _)| f == family));
    if denied {
        let answer = format!(
            r#"{{"__type":"AccessDeniedException","message":"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecs:DescribeTaskDefinition on resource: {named}"}}"#
        );
        write!(
            client,
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: denied\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
            answer.len()
        )?;
        return client.flush();
    }
    let mut up = TcpStream::connect(upstream)?;
    for line in &head {
        up.write_all(line.as_bytes())?;
    }
    up.write_all(b"Connection: close\r\n\r\n")?;
    up.write_all(&body)?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    client.write_all(&answer)?;
    client.flush()
}

#[test]
fn a_describe_that_fails_is_reported_not_scanned_and_the_scan_fails() {
    let Some((_guard, url)) = fresh_moto() else { return };
    let web = register(&url, WEB);
    let datadog = register(&url, DATADOG);
    let proxy = failing_describe_proxy(&url, "Datadog");
    let run = |args: &[&str]| {
        let mut all = vec!["scan", "--source", "aws"];
        all.extend_from_slice(args);
        ecs_lens(&proxy, &all)
    };

    // Latest revisions: Datadog is listed (with its ARN), its describe is refused.
    let o = run(&["--format", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(paths(&v), vec![datadog.clone(), web.clone()]);
    assert!(v["files"][0]["error"]["message"].as_str().unwrap().contains("NOT scanned"), "{v}");
    assert!(v["files"][0]["findings"].as_array().unwrap().is_empty());
    assert!(v["files"][1]["error"].is_null());
    let not = v["notScanned"].as_array().unwrap();
    assert_eq!(not.len(), 1);
    assert_eq!(not[0]["family"], "Datadog");
    assert_eq!(not[0]["revision"], 1, "the lists say which revision is the latest ACTIVE one");
    assert_eq!(not[0]["error"]["kind"], "unavailable");
    let message = not[0]["error"]["message"].as_str().unwrap();
    assert!(message.contains("ecs:DescribeTaskDefinition"), "names the missing permission: {message}");
    assert_eq!(v["summary"]["notScanned"], 1);
    assert_eq!(v["summary"]["scanned"], 1);

    // Every revision: the ARN is known from the list.
    let (code, v) = scan_json(&proxy, &["--all-revisions"]);
    assert_eq!(code, Some(2));
    assert_eq!(paths(&v), vec![datadog.clone(), web.clone()]);
    assert_eq!(v["notScanned"][0]["arn"], datadog.as_str());
    assert_eq!(v["notScanned"][0]["revision"], 1);

    // Also when nothing is left to report at the threshold: never "clean".
    let o = run(&["--select", "VAL003"]);
    assert_eq!(o.status.code(), Some(2));
    let text = stdout(&o);
    assert!(text.contains(&format!("{datadog}: NOT SCANNED")), "{text}");
    assert!(text.contains("Scanned 1 of 2 task definition(s)"), "{text}");
    assert!(text.contains("1 task definition(s) NOT scanned (describe failed): this scan is incomplete."), "{text}");

    let o = run(&["--format", "sarif"]);
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let invocation = &v["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert!(notes[0]["message"]["text"].as_str().unwrap().contains("NOT scanned"));
    assert!(v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| { r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == web.as_str() }));

    let o = run(&["--format", "csv", "--all-revisions"]);
    assert_eq!(o.status.code(), Some(2));
    let csv = stdout(&o);
    let row = csv.lines().find(|l| l.contains(",not-scanned,")).unwrap_or_else(|| panic!("{csv}"));
    assert!(row.starts_with(&format!("{datadog},Datadog,1,not-scanned,")), "{row}");
    assert!(row.contains("ecs:DescribeTaskDefinition"), "{row}");
}

#[test]
fn diff_compares_the_same_family_in_two_regions() {
    let Some((_guard, url)) = fresh_moto() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let td = |region: &str, tag: &str| {
        serde_json::json!({"family": "checkout", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
            "cpu": "256", "memory": "512",
            "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
            "containerDefinitions": [{"name": "app", "essential": true,
                "image": format!("123456789012.dkr.ecr.{region}.amazonaws.com/checkout:{tag}"),
                "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/checkout",
                    "awslogs-region": region, "awslogs-stream-prefix": "app"}}}]})
        .to_string()
    };
    for (region, tag) in [(REGION, "1.4.0"), ("eu-west-1", "1.4.0"), ("eu-west-1", "1.5.0")] {
        let file = dir.path().join(format!("{region}-{tag}.json"));
        std::fs::write(&file, td(region, tag)).unwrap();
        let o = ecs_lens(&url, &["register", file.to_str().unwrap(), "--source", "aws", "--region", region]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let regions = format!("{REGION},eu-west-1");
    let diff = |a: &str, b: &str| {
        ecs_lens(&url, &["diff", a, b, "--source", "aws", "--region", &regions, "--data-dir", data, "--format", "json"])
    };
    // Revision 1 in both regions: every change is the region.
    let o = diff(&format!("{REGION}:checkout:1"), "eu-west-1:checkout:1");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let d: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let changes = d["changes"].as_array().unwrap();
    assert!(!changes.is_empty() && changes.iter().all(|c| c["account_region_only"] == true), "{d}");
    // The latest in Ireland runs a newer image: drift, in text too; the first source is the default.
    let o = ecs_lens(
        &url,
        &[
            "diff",
            "checkout:1",
            "eu-west-1:checkout:latest",
            "--source",
            "aws",
            "--region",
            &regions,
            "--data-dir",
            data,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with(&format!("--- {REGION} · checkout:1\n+++ eu-west-1 · checkout:2\n")), "{out}");
    assert!(out.contains("~ image:") && out.contains("checkout:1.5.0"), "{out}");
    assert!(out.contains("≈ logConfiguration › options › awslogs-region"), "{out}");
    // A region not opened is named with the ones that are.
    let o = diff("checkout:1", "us-west-2:checkout:1");
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("no source `us-west-2`") && stderr(&o).contains("eu-west-1"), "{}", stderr(&o));
}
