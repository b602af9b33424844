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
