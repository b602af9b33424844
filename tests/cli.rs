//! The `ecs-lens` binary end to end: exit codes, formats, stdin, fix, graph, diff, rules.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const SEED: &str = "tests/fixtures/seed/datadog-fastapi-taskdef.json";
const WEB: &str = "tests/fixtures/corpus/web-nginx.json";
/// The plaintext secrets in web-nginx.json that must never be printed.
const WEB_SECRETS: &[&str] = &["Sup3rS3cret!", "sk_live_51HxYzAbCdEfGhIjKlMnOpQrStUvWxYz0123456789"];

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-lens"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run ecs-lens")
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecs-lens"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn lint_text_on_the_seed_names_the_secrets_with_locations() {
    let o = run(&["lint", SEED]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains(&format!("{SEED}:70:9:")), "DD_API_KEY located: {out}");
    assert!(out.contains("SEC001") && out.contains("DD_API_KEY") && out.contains("MYSQL_PW"));
    assert!(out.contains("secretsmanager create-secret"));
    assert!(!out.contains('\x1b'), "no colour when NO_COLOR is set / not a terminal");
}

#[test]
fn lint_json_has_the_documented_shape() {
    let o = run(&["lint", "--format", "json", SEED, WEB]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let seed = &files[0];
    assert_eq!(seed["path"], SEED);
    assert!(seed["error"].is_null());
    let secrets: Vec<&Value> = seed["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "SEC001").collect();
    assert_eq!(secrets.len(), 2);
    for f in secrets {
        for key in ["rule", "severity", "category", "message", "pointer", "line", "column", "container", "fix"] {
            assert!(f.get(key).is_some(), "{key}");
        }
        assert_eq!(f["category"], "secrets");
        // `add` of a secrets entry (or of a new `secrets` array holding it) whose valueFrom is a
        // Secrets Manager ARN in the task's region.
        let is_sm_arn = |e: &Value| {
            e["valueFrom"].as_str().is_some_and(|s| s.starts_with("arn:aws:secretsmanager:ap-northeast-1:xxx:secret:"))
        };
        assert!(f["fix"]["patch"].as_array().unwrap().iter().any(|op| op["op"] == "add"
            && (is_sm_arn(&op["value"]) || op["value"].as_array().is_some_and(|a| a.iter().any(is_sm_arn)))));
    }
    let text = stdout(&o);
    for s in WEB_SECRETS {
        assert!(!text.contains(s), "secret value printed");
    }
}

#[test]
fn sarif_is_valid_for_code_scanning() {
    let o = run(&["lint", "--format", "sarif", SEED]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "SEC001"));
    assert!(results
        .iter()
        .all(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap() >= 1));
}

#[test]
fn thresholds_and_exit_codes() {
    // Only info/low findings left above "critical" → exit 0.
    let o = run(&["lint", "--severity", "critical", "tests/fixtures/corpus/describe-wrapped.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = run(&["lint", "--severity", "bogus", SEED]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["lint", "--select", "NOPE999", SEED]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown rule"));
    let o = run(&["lint", "--select", "VAL012", SEED]);
    assert_eq!(o.status.code(), Some(0), "the seed has an essential container");
}

#[test]
fn unreadable_and_malformed_inputs_exit_2_with_a_location() {
    let o = run(&["lint", "does/not/exist.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("cannot read does/not/exist.json"));
    let o = run_stdin(&["lint", "-"], "{\n  \"family\": \"x\",\n  \"containerDefinitions\": [\n}");
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("<stdin>:4:1"), "{}", stdout(&o));
    let o = run_stdin(&["lint", "--format", "json", "-"], "not json");
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["files"][0]["error"]["line"], 1);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn graph_formats() {
    let o = run(&["graph", SEED, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let g: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(g["nodes"].as_array().unwrap().len(), 4);
    assert_eq!(g["edges"].as_array().unwrap().len(), 4);
    assert_eq!(
        g["phases"],
        serde_json::json!([["cws-instrumentation-init", "datadog-agent"], ["migration-runner"], ["my-app-repo"]])
    );
    assert!(stdout(&run(&["graph", SEED, "--format", "mermaid"])).starts_with("flowchart LR"));
    assert!(stdout(&run(&["graph", SEED, "--format", "dot"])).starts_with("digraph"));
    assert!(stdout(&run(&["graph", SEED, "--format", "svg"])).starts_with("<svg"));
}

#[test]
fn fix_moves_secrets_and_prints_the_commands_not_the_values() {
    let dir = std::env::temp_dir().join(format!("ecs-lens-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("fixed.json");
    let o = run(&["fix", SEED, "--rule", "SEC001", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("aws secretsmanager create-secret"), "{err}");
    assert!(err.contains("2 fix(es) applied"), "{err}");
    let fixed: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let agent = &fixed["containerDefinitions"][1];
    assert!(agent["environment"].as_array().unwrap().iter().all(|e| e["name"] != "DD_API_KEY"));
    assert!(agent["secrets"].as_array().unwrap().iter().any(|s| s["name"] == "DD_API_KEY"));
    // Linting the result: no SEC001 left.
    let o = run(&["lint", "--select", "SEC001", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A file with real-looking secrets: neither stdout (the patched JSON) nor stderr shows them.
    let o = run(&["fix", WEB, "--rule", "SEC001"]);
    for s in WEB_SECRETS {
        assert!(!stdout(&o).contains(s) && !stderr(&o).contains(s), "secret value printed by fix");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn diff_shows_the_env_to_secrets_move() {
    let dir = std::env::temp_dir().join(format!("ecs-lens-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("fixed.json");
    assert_eq!(run(&["fix", WEB, "--rule", "SEC001", "-o", out.to_str().unwrap()]).status.code(), Some(0));
    let o = run(&["diff", WEB, out.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    let d: Value = serde_json::from_str(&text).unwrap();
    assert!(d["changes"].as_array().unwrap().iter().any(|c| c["kind"] == "movedToSecrets"));
    let t = stdout(&run(&["diff", WEB, out.to_str().unwrap()]));
    assert!(t.contains("STRIPE_SECRET_KEY"), "{t}");
    for s in WEB_SECRETS {
        assert!(!text.contains(s) && !t.contains(s), "secret value in diff");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn rules_catalogue() {
    let o = run(&["rules"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("SEC001") && out.contains("VAL012") && out.contains("FAR001"));
    let o = run(&["rules", "SEC001"]);
    let out = stdout(&o);
    assert!(out.contains("## Why is this bad?") && out.contains("## How to fix"));
    let v: Value = serde_json::from_str(&stdout(&run(&["rules", "--format", "json"]))).unwrap();
    assert!(v.as_array().unwrap().len() >= 40, "the catalogue covers the categories");
    assert_eq!(run(&["rules", "NOPE"]).status.code(), Some(2));
}

// --- scan and register over the embedded store (tests/aws_cli.rs: over Amazon ECS via moto) ---

const LOCAL_ARN: &str = "arn:aws:ecs:local:000000000000:task-definition/";

/// RFC 4180 records (quoted fields may hold commas, quotes and line breaks).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field, mut quoted, mut chars) = (Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted && field.is_empty() && record.is_empty(), "the CSV ends with a complete record");
    records
}

#[test]
fn scan_of_the_local_store_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    // The store is seeded on first use (storefront-web:1 among 6 families); WEB becomes :2.
    let o = run(&["register", WEB, "--source", "local", "--data-dir", data]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let web2 = format!("{LOCAL_ARN}storefront-web:2");
    assert_eq!(stdout(&o), format!("{web2}\n"));

    let scan = |args: &[&str]| {
        let mut all = vec!["scan", "--source", "local", "--data-dir", data];
        all.extend_from_slice(args);
        run(&all)
    };
    let o = scan(&["--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "findings: {}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 6, "one per family");
    assert!(files.iter().all(|f| f["path"].as_str().unwrap().starts_with(LOCAL_ARN) && f["error"].is_null()));
    let web = files.iter().find(|f| f["path"] == web2.as_str()).expect("the latest revision, by ARN");
    let secret = web["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "SEC001").expect("SEC001");
    for key in ["rule", "severity", "category", "message", "pointer", "line", "column", "container", "fix"] {
        assert!(secret.get(key).is_some(), "lint's finding shape: {key}");
    }
    assert!(v["notScanned"].as_array().unwrap().is_empty());
    assert_eq!(v["summary"]["scanned"], 6);
    assert_eq!(v["summary"]["scope"], "latestActiveRevisions");

    let o = scan(&["--all-revisions", "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let all: Vec<&str> = v["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(all.contains(&format!("{LOCAL_ARN}storefront-web:1").as_str()) && all.contains(&web2.as_str()), "{all:?}");
    assert!(all.len() > 7, "the seed's older Datadog revisions too: {all:?}");

    let o = scan(&[]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains(&format!("{web2}:")) && text.contains("SEC001"), "{text}");
    assert!(text.contains("Scanned 6 of 6 task definition(s) (the latest ACTIVE revision of each family)"), "{text}");
    assert!(!text.contains("NOT SCANNED") && !text.contains('\x1b'));

    let o = scan(&["--format", "csv"]);
    assert_eq!(o.status.code(), Some(1));
    let csv = stdout(&o);
    let records = csv_records(&csv);
    assert_eq!(
        records[0].join(","),
        "arn,family,revision,status,rule,severity,category,container,pointer,line,column,message"
    );
    assert!(records.iter().all(|r| r.len() == 12), "every record has every column");
    let row = records.iter().find(|r| r[0] == web2 && r[4] == "SEC001").expect("a SEC001 row for the ARN");
    assert_eq!((row[1].as_str(), row[2].as_str(), row[3].as_str()), ("storefront-web", "2", "finding"));
    assert!(row[8].starts_with("/taskDefinition/containerDefinitions/") && row[9].parse::<u32>().unwrap() > 0);
    assert!(records.iter().any(|r| r[11].contains(',')), "messages with commas survive quoting");

    let o = scan(&["--format", "sarif"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["runs"][0]["invocations"][0]["executionSuccessful"], true);
    assert!(v["runs"][0]["results"].as_array().unwrap().iter().any(|r| r["ruleId"] == "SEC001"
        && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == web2.as_str()));

    for format in ["text", "json", "csv", "sarif"] {
        let o = scan(&["--format", format]);
        for s in WEB_SECRETS {
            assert!(!stdout(&o).contains(s) && !stderr(&o).contains(s), "{format} printed a secret value");
        }
        assert!(o.stderr.is_empty(), "no progress bar when stderr is not a terminal: {}", stderr(&o));
    }

    // Thresholds and rule selection as lint's; nothing left is exit 0.
    let o = scan(&["--select", "VAL003"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("no findings"));
    assert_eq!(scan(&["--select", "NOPE999"]).status.code(), Some(2));
    assert_eq!(scan(&["--severity", "bogus"]).status.code(), Some(2));
}

#[test]
fn register_lints_first_and_dry_run_registers_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    let bad = dir.path().join("bad.json");
    // `description` is no RegisterTaskDefinition member: AWS would reject it (VAL001 blocks).
    std::fs::write(
        &bad,
        "{\n  \"family\": \"web\",\n  \"description\": \"not an ECS field\",\n  \"containerDefinitions\": [{\"name\": \"a\", \"image\": \"nginx\", \"memory\": 128}]\n}\n",
    )
    .unwrap();
    let bad_s = bad.to_str().unwrap();

    let o = run(&["register", bad_s, "--source", "local", "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("{bad_s}:3:3: high VAL001 unknown field `description`")), "located: {err}");
    assert!(err.contains("not registered") && err.contains("--force"), "{err}");
    assert!(o.stdout.is_empty());
    assert!(!data.exists(), "a refused register does not even open the store");

    let o = run(&["register", WEB, "--source", "local", "--data-dir", data_s, "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with(
            "dry run: would register a new revision of family `storefront-web` (2 container definition(s), 2 tag(s))"
        ),
        "{}",
        stdout(&o)
    );
    assert!(!data.exists(), "a dry run registers nothing and creates no store");
    // --dry-run still refuses what would be refused.
    assert_eq!(run(&["register", bad_s, "--data-dir", data_s, "--dry-run"]).status.code(), Some(1));

    // --force: registered anyway (the embedded store keeps what it is given), findings printed.
    let o = run(&["register", bad_s, "--source", "local", "--data-dir", data_s, "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{LOCAL_ARN}web:1\n"));
    assert!(stderr(&o).contains(&format!("{bad_s}:3:3: high VAL001")) && stderr(&o).contains("--force"));

    // What the store itself refuses is located in the file, even with --force.
    std::fs::write(&bad, "{\n  \"family\": \"web\",\n  \"containerDefinitions\": []\n}\n").unwrap();
    let o = run(&["register", bad_s, "--data-dir", data_s, "--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!("{bad_s}:3:3: ClientException: Container list cannot be empty.")),
        "{}",
        stderr(&o)
    );
    let o = run(&["register", "tests/fixtures/does-not-exist.json", "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(2));

    // The dry run used no revision number; the secrets of WEB were never printed.
    let o = run(&["register", WEB, "--data-dir", data_s]);
    assert_eq!(stdout(&o), format!("{LOCAL_ARN}storefront-web:2\n"), "after the seed's :1");
    for s in WEB_SECRETS {
        assert!(!stdout(&o).contains(s) && !stderr(&o).contains(s));
    }
}

/// The task definitions that run ecs-lens itself on Fargate (deploy/: the read-only viewers'
/// one and the editors' one behind an ALB with OIDC, sharing PostgreSQL) are clean by their own
/// rules and registrable.
#[test]
fn the_deploy_task_definitions_pass_every_rule() {
    for file in ["deploy/ecs-lens.taskdef.json", "deploy/ecs-lens-editors.taskdef.json"] {
        let out = run(&["lint", file, "--format", "json"]);
        let report: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(report["files"][0]["findings"], Value::Array(vec![]), "{file}: {report:#}");
        assert_eq!(out.status.code(), Some(0));
        // Down to `info`, only the note that ARM64 needs Fargate platform 1.4.0 (LATEST is).
        let out = run(&["lint", file, "--severity", "info", "--format", "json"]);
        let report: Value = serde_json::from_slice(&out.stdout).expect("json");
        let rules: Vec<&str> =
            report["files"][0]["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
        assert_eq!(rules, ["FAR010"], "{file}: {report:#}");
        let dry = run(&["register", file, "--dry-run", "--data-dir", "target/tmp-deploy-dry-run"]);
        assert_eq!(dry.status.code(), Some(0), "{}", String::from_utf8_lossy(&dry.stderr));
    }
}

/// `ecs-lens probe` (the image's health check): 0 for an HTTP 2xx/3xx answer, 1 for an error
/// status, a closed port or something that is not HTTP.
#[test]
fn probe_exits_by_the_answer() {
    use std::io::Read;
    use std::net::TcpListener;
    fn serve_once(answer: &'static [u8]) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                // Read the whole request head, then answer and close.
                let mut head = Vec::new();
                let mut buf = [0u8; 512];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = s.write_all(answer);
            }
        });
        port
    }
    let ok = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(run(&["probe", &format!("http://127.0.0.1:{ok}/")]).status.code(), Some(0));
    let err = serve_once(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
    let out = run(&["probe", &format!("http://127.0.0.1:{err}/healthz")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("503"));
    let junk = serve_once(b"SSH-2.0-OpenSSH\r\n");
    assert_eq!(run(&["probe", &format!("http://127.0.0.1:{junk}/")]).status.code(), Some(1));
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = run(&["probe", &format!("http://127.0.0.1:{closed}/"), "--timeout", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("connect"));
}

/// `serve` refuses to offer editing beyond loopback to anyone who can reach the port, and says
/// what to do instead.
#[test]
fn serve_refuses_unauthenticated_editing_beyond_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = run(&["serve", "--bind", "0.0.0.0:0", "--data-dir", data]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--trust-header") && err.contains("--read-only"), "{err}");
    // A role map that does not parse is refused at start, located.
    let roles = dir.path().join("roles.json");
    std::fs::write(&roles, "{\"users\": {\"a\": \"root\"}}").unwrap();
    let out = run(&[
        "serve",
        "--trust-header",
        "X-Forwarded-Email",
        "--access-config",
        roles.to_str().unwrap(),
        "--data-dir",
        data,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("roles.json") && err.contains("root") && err.contains("line 1"), "{err}");
    // The same map given inline (as a container's environment would) is read as JSON, not a path.
    let out = run(&[
        "serve",
        "--trust-header",
        "X-Forwarded-Email",
        "--access-config",
        "{\"users\": {\"a\": \"root\"}}",
        "--data-dir",
        data,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--access-config") && err.contains("root") && !err.contains("cannot read"), "{err}");
}

/// A register through the CLI is in the audit trail, and `audit-log` prints it.
#[test]
fn register_is_recorded_and_audit_log_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = run(&["audit-log", "--data-dir", data]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing registered"));
    let out = Command::new(env!("CARGO_BIN_EXE_ecs-lens"))
        .args(["register", "deploy/ecs-lens.taskdef.json", "--data-dir", data])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("ECS_LENS_USER", "ci-bot")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["audit-log", "--data-dir", data, "--format", "json"]);
    let entries: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &entries[0];
    assert_eq!(
        (e["user"].as_str(), e["action"].as_str(), e["family"].as_str()),
        (Some("ci-bot"), Some("register"), Some("ecs-lens"))
    );
    assert_eq!((e["revision"].as_u64(), e["source"].as_str()), (Some(1), Some("local")));
    let text =
        String::from_utf8_lossy(&run(&["audit-log", "--data-dir", data, "--family", "ecs-lens"]).stdout).to_string();
    assert!(text.contains("ci-bot  register ecs-lens:1  [local]"), "{text}");
    assert!(String::from_utf8_lossy(&run(&["audit-log", "--data-dir", data, "--family", "nope"]).stdout)
        .contains("nothing"));
}

#[test]
fn secrets_commands_on_the_embedded_store_plan_and_say_nothing_was_created() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    let file = dir.path().join("web.json");
    std::fs::copy(WEB, &file).unwrap();
    let o = run(&["import", file.to_str().unwrap(), "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let family: Value = serde_json::from_str(&std::fs::read_to_string(WEB).unwrap()).unwrap();
    let family = family["family"].as_str().or(family["taskDefinition"]["family"].as_str()).unwrap().to_string();

    // migrate: the plan, the commands, "nothing was created"; never a value; exit 0.
    let o = run(&["secrets", "migrate", &family, "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Review: move the plaintext credentials"), "{out}");
    assert!(out.contains(&format!("ecs-lens/{family}")) && out.contains("Nothing was created"), "{out}");
    assert!(out.contains("aws secretsmanager create-secret") && out.contains("file://"), "{out}");
    for s in WEB_SECRETS {
        assert!(!out.contains(s) && !stderr(&o).contains(s), "a value was printed");
    }
    let o = run(&["secrets", "migrate", &family, "--format", "json", "--store", "ssm", "--data-dir", data_s]);
    let review: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(review["store"], "ssm");
    assert_eq!(review["canCreate"].as_bool().or(review["can_create"].as_bool()), Some(false));
    assert!(review["rewritten"].as_str().unwrap().contains("arn:aws:ssm:"));
    for s in WEB_SECRETS {
        assert!(!stdout(&o).contains(s));
    }

    // exposure: the imported revision (the latest, after the seed's) carries them and is kept;
    // a dry-run purge changes nothing.
    let o = run(&["secrets", "exposure", &family, "--data-dir", data_s, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for s in WEB_SECRETS {
        assert!(!stdout(&o).contains(s));
    }
    let ex: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let latest = ex["kept"][0][0].as_u64().unwrap();
    assert!(ex["kept"][0][1].as_str().unwrap().contains("the latest ACTIVE revision"), "{ex}");
    assert!(ex["items"][0]["revisions"].as_array().unwrap().iter().any(|r| r["revision"] == latest), "{ex}");
    let o = run(&["secrets", "purge", &family, "--dry-run", "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("would delete") || stdout(&o).contains("Nothing to purge"), "{}", stdout(&o));
    let o = run(&["secrets", "exposure", &family, "--data-dir", data_s, "--format", "json"]);
    assert_eq!(serde_json::from_str::<Value>(&stdout(&o)).unwrap(), ex, "a dry run deletes nothing");

    // verify: the embedded store is in no account; it says so rather than passing.
    let o = run(&["verify", &family, "--data-dir", data_s, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["checks"][0]["result"], "not-checked");
    let o = run(&["verify", "no-such-family", "--data-dir", data_s]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("no-such-family"), "{}", stderr(&o));
}

#[test]
fn purge_on_the_embedded_store_deletes_exposed_old_revisions() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    let file = dir.path().join("web.json");
    std::fs::copy(WEB, &file).unwrap();
    for _ in 0..3 {
        let o = run(&["import", file.to_str().unwrap(), "--data-dir", data_s]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let family: Value = serde_json::from_str(&std::fs::read_to_string(WEB).unwrap()).unwrap();
    let family = family["family"].as_str().or(family["taskDefinition"]["family"].as_str()).unwrap().to_string();
    let o = run(&["secrets", "purge", &family, "--data-dir", data_s]);
    assert_ne!(o.status.code(), Some(0), "no terminal and no --yes: refused");
    assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));
    let o = run(&["secrets", "purge", &family, "--yes", "--data-dir", data_s, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let p: Value = serde_json::from_str(&stdout(&o)).unwrap();
    // Every revision but the latest (the seed's and two imports; all carry the values).
    let latest = p["kept"][0][0].as_u64().unwrap();
    let older: Vec<u64> = (1..latest).rev().collect();
    assert!(older.len() >= 2);
    assert_eq!(p["deleted"], serde_json::json!(older), "{p}");
    assert_eq!(p["deregistered"], serde_json::json!(older));
    let o = run(&["secrets", "exposure", &family, "--data-dir", data_s, "--format", "json"]);
    let ex: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let left: Vec<u64> =
        ex["items"][0]["revisions"].as_array().unwrap().iter().map(|r| r["revision"].as_u64().unwrap()).collect();
    assert_eq!(left, [latest], "only the latest still carries it");
    let o = run(&["audit-log", "--family", &family, "--data-dir", data_s]);
    assert!(stdout(&o).matches("delete ").count() >= 2, "{}", stdout(&o));
}

#[test]
fn history_note_and_register_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    let file = dir.path().join("td.json");
    let td = |image: &str, level: &str| {
        serde_json::json!({"family": "hist-cli", "containerDefinitions": [{"name": "app", "image": image, "memory": 128,
            "environment": [{"name": "LOG_LEVEL", "value": level}]}]})
        .to_string()
    };
    std::fs::write(&file, td("nginx:1.26", "info")).unwrap();
    let f = file.to_str().unwrap();
    assert_eq!(run(&["register", f, "--data-dir", data_s]).status.code(), Some(0));
    std::fs::write(&file, td("nginx:1.27", "info")).unwrap();
    let o = run(&["register", f, "--data-dir", data_s, "--note", "Bump nginx for CVE-2026-0001"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::write(&file, td("nginx:1.27", "debug")).unwrap();
    assert_eq!(run(&["register", f, "--data-dir", data_s]).status.code(), Some(0));
    let o = run(&["register", f, "--data-dir", data_s, "--note", &"x".repeat(501)]);
    assert_eq!(o.status.code(), Some(2), "a note that is too long is refused before registering");
    assert!(stderr(&o).contains("at most 500"), "{}", stderr(&o));

    let o = run(&["note", "local:hist-cli:3", "Debug logging for INC-7", "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&["note", "hist-cli:9", "nope", "--data-dir", data_s]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("9"), "{}", stderr(&o));

    let o = run(&["history", "hist-cli", "--format", "json", "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let h: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(h["family"], "hist-cli");
    let revs = h["revisions"].as_array().unwrap();
    assert_eq!(revs.iter().map(|r| r["revision"].as_u64().unwrap()).collect::<Vec<_>>(), [3, 2, 1]);
    assert_eq!(revs[1]["note"], "Bump nginx for CVE-2026-0001");
    assert_eq!(revs[0]["note"], "Debug logging for INC-7");
    assert!(revs[0]["registeredAt"].is_string() && revs[0]["registeredBy"].is_string());
    assert_eq!(revs[1]["changes"][0]["path"], serde_json::json!(["container app", "image"]));
    assert_eq!(revs[1]["changes"][0]["kind"], "changed");
    assert_eq!(revs[1]["changes"][0]["before"], "nginx:1.26");
    assert_eq!(revs[1]["changes"][0]["after"], "nginx:1.27");
    let o = run(&["history", "hist-cli", "--path", "LOG_LEVEL", "--format", "json", "--data-dir", data_s]);
    let h: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(h["revisions"].as_array().unwrap().len(), 1, "{h}");
    assert_eq!(h["revisions"][0]["revision"], 3);
    let o = run(&["history", "hist-cli", "--container", "app", "--data-dir", data_s]);
    assert!(stdout(&o).contains("changed container app › image: nginx:1.26 → nginx:1.27"), "{}", stdout(&o));
    let o = run(&["audit-log", "--family", "hist-cli", "--data-dir", data_s]);
    assert!(
        stdout(&o).contains("note hist-cli:3") && stdout(&o).contains("Note · Debug logging for INC-7"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn prune_shows_the_plan_and_needs_yes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    let file = dir.path().join("td.json");
    std::fs::write(
        &file,
        r#"{"family": "prune-cli", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 128}]}"#,
    )
    .unwrap();
    for _ in 0..4 {
        assert_eq!(run(&["register", file.to_str().unwrap(), "--data-dir", data_s]).status.code(), Some(0));
    }
    let o = run(&["prune", "prune-cli", "--keep", "2", "--dry-run", "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("prune-cli: would deregister 2, 1"), "{}", stdout(&o));
    let o = run(&["prune", "prune-cli", "--keep", "2", "--data-dir", data_s]);
    assert_ne!(o.status.code(), Some(0), "no terminal, no --yes");
    let o = run(&["prune", "prune-cli", "--keep", "2", "--delete", "--yes", "--format", "json", "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let p: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(p[0]["deregister"], serde_json::json!([2, 1]));
    assert_eq!(p[0]["delete"], serde_json::json!([2, 1]));
    let o = run(&["prune", "--all", "--keep", "1", "--dry-run", "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("prune-cli: would deregister 3"), "{}", stdout(&o));
    assert!(stdout(&o).contains("Datadog: would deregister"), "the seeded families too: {}", stdout(&o));
}

#[test]
fn diff_takes_revisions_of_any_family_files_and_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    let td = |family: &str, region: &str, tag: &str| {
        serde_json::json!({"family": family, "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
            "containerDefinitions": [{"name": "app", "image": format!("nginx:{tag}"), "memory": 128,
            "environment": [{"name": "API_TOKEN", "value": "tok_9f8e7d6c5b4a39281706"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app",
                "awslogs-region": region, "awslogs-stream-prefix": "app"}}}]})
        .to_string()
    };
    let (staging, prod) = (dir.path().join("staging.json"), dir.path().join("prod.json"));
    std::fs::write(&staging, td("app-staging", "eu-west-1", "1.27")).unwrap();
    std::fs::write(&prod, td("app-prod", "us-east-1", "1.26")).unwrap();
    for f in [&staging, &prod] {
        let o = run(&["register", f.to_str().unwrap(), "--data-dir", data_s]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    // Two families of the source, `latest` on one side.
    let o = run(&["diff", "app-staging:1", "local:app-prod:latest", "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("--- local · app-staging:1\n+++ local · app-prod:1\n"), "{out}");
    assert!(out.contains("~ image: \"nginx:1.27\" → \"nginx:1.26\""), "drift: {out}");
    // One account and region: a region written in a value is drift, not "account/region only".
    assert!(out.contains("~ logConfiguration › options › awslogs-region") && !out.contains("≈"), "{out}");
    assert!(!out.contains("tok_9f8e7d6c5b4a39281706"), "no value printed: {out}");
    let o = run(&["diff", "app-staging:1", "app-prod:1", "--format", "json", "--data-dir", data_s]);
    let d: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let scoped: Vec<&Value> =
        d["changes"].as_array().unwrap().iter().filter(|c| c["account_region_only"] == true).collect();
    assert!(scoped.is_empty(), "{d}");
    // A file against a revision: a local edit against what is registered. The same file is no
    // change (its credential is compared by keyed hash, as the mirror keeps the revision's);
    // another value of it is one, masked.
    let o = run(&["diff", prod.to_str().unwrap(), "app-prod:1", "--data-dir", data_s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("--- {}", prod.to_str().unwrap())), "{}", stdout(&o));
    assert!(stdout(&o).contains("No changes to the task definition."), "{}", stdout(&o));
    let rotated = dir.path().join("rotated.json");
    std::fs::write(
        &rotated,
        td("app-prod", "us-east-1", "1.26").replace("tok_9f8e7d6c5b4a39281706", "tok_0a1b2c3d4e5f60718293"),
    )
    .unwrap();
    let o = run(&["diff", rotated.to_str().unwrap(), "app-prod:1", "--data-dir", data_s]);
    let out = stdout(&o);
    assert!(out.contains("~ environment › API_TOKEN: \"********\" → \"******** (another value)\""), "{out}");
    assert!(!out.contains("tok_"), "no value printed: {out}");
    // What is wrong is said, with the argument.
    for (args, says) in [
        (vec!["diff", "app-staging:1", "app-prod:9"], "app-prod:9"),
        (vec!["diff", "app-staging:1", "eu-west-9:app-prod:1"], "no source `eu-west-9`"),
        (vec!["diff", "app-staging:x", "app-prod:1"], "`x` is not a revision number"),
        (vec!["diff", "missing.json", "app-prod:1"], "missing.json"),
    ] {
        let mut args = args.clone();
        args.extend(["--data-dir", data_s]);
        let o = run(&args);
        assert_ne!(o.status.code(), Some(0), "{args:?}");
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
}
