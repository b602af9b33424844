//! `ecs-lens scan`: audit a whole store (an AWS account's region, or the embedded store) the way
//! a CI pipeline wants it — every family's latest ACTIVE revision, or with `--all-revisions`
//! every ACTIVE revision, linted, in the same report formats as `lint` with each task
//! definition's ARN as its path.
//!
//! What is scanned comes from the lists (every page); the describes run concurrently, at most
//! `--concurrency` at once. A task definition whose describe fails is reported as NOT scanned in
//! every format (JSON: an entry with `error` in `files` and in `notScanned`; text: a line; SARIF:
//! a tool execution notification; CSV: a row with status `not-scanned`) and the scan exits 2:
//! an incomplete scan is never reported as clean. A list that fails stops the scan (exit 2).
//!
//! It works through the store trait alone: the revisions come from
//! [`TaskDefStore::list_all_revisions`] (over Amazon ECS, `ListTaskDefinitions` for ACTIVE and
//! INACTIVE, every page), then one `DescribeTaskDefinition` per task definition scanned, by
//! number. `--in-use` scans exactly the revisions the services run
//! ([`TaskDefStore::list_services`]); the embedded store has none, and says so.
//!
//! Never prints a task definition: only findings, whose messages name secrets without their
//! values, and errors.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::ValueEnum;
use futures_util::stream::{self, StreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};

use super::StoreArgs;
use crate::core::document::Document;
use crate::core::report::{self, FileError, FileReport};
use crate::core::{rules, LintOptions, Severity};
use crate::server::export::{csv_table, finding_cells, FINDING_COLUMNS};
use crate::store::{DescribedTaskDefinition, RevisionState, StoreError, TaskDefStatus, TaskDefStore};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Text,
    Json,
    Sarif,
    Csv,
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Every ACTIVE revision of every family, not only each family's latest ACTIVE one.
    #[arg(long, conflicts_with = "in_use")]
    pub all_revisions: bool,
    /// Exactly the revisions ECS services run (every deployment of every service of every
    /// cluster), whatever their status.
    #[arg(long)]
    pub in_use: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ScanFormat,
    /// Report (and fail on) findings at or above this severity.
    #[arg(long, default_value = "low", value_parser = super::parse_severity)]
    pub severity: Severity,
    /// Only these rule ids (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rule ids.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// At most this many task definitions are described at once.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub concurrency: u16,
    /// Never show the progress bar (it is only ever shown when standard error is a terminal).
    #[arg(long)]
    pub no_progress: bool,
    /// Never colour the text output (also: NO_COLOR).
    #[arg(long)]
    pub no_color: bool,
}

/// One task definition to scan.
#[derive(Clone, Debug)]
struct Target {
    family: String,
    /// `None`: the family's latest ACTIVE revision (which one is known after the describe).
    revision: Option<u32>,
    /// From the list, when it gives one.
    arn: Option<String>,
}

impl Target {
    /// How reports name it before it is described: its ARN, else `family:revision`, else the family.
    fn name(&self) -> String {
        match (&self.arn, self.revision) {
            (Some(arn), _) => arn.clone(),
            (None, Some(r)) => format!("{}:{r}", self.family),
            (None, None) => self.family.clone(),
        }
    }
}

/// A task definition that could not be described.
#[derive(Clone, Debug)]
struct NotScanned {
    target: Target,
    error: StoreError,
}

/// What a scan covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    Latest,
    AllActive,
    InUse,
}

impl Scope {
    fn of(args: &ScanArgs) -> Scope {
        if args.in_use {
            Scope::InUse
        } else if args.all_revisions {
            Scope::AllActive
        } else {
            Scope::Latest
        }
    }

    /// The JSON summary's `scope`.
    fn key(self) -> &'static str {
        match self {
            Scope::Latest => "latestActiveRevisions",
            Scope::AllActive => "allActiveRevisions",
            Scope::InUse => "inUseRevisions",
        }
    }

    /// How the text summary says it.
    fn words(self) -> &'static str {
        match self {
            Scope::Latest => "the latest ACTIVE revision of each family",
            Scope::AllActive => "every ACTIVE revision",
            Scope::InUse => "the revisions services run",
        }
    }
}

pub fn run(args: ScanArgs) -> Result<ExitCode, String> {
    let options = LintOptions { select: args.select.clone(), ignore: args.ignore.clone(), skip_fixes: false };
    for id in options.select.iter().chain(&options.ignore) {
        if rules::rule(id).is_none() {
            return Err(format!("unknown rule `{id}` (see `ecs-lens rules`)"));
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let outcome = runtime.block_on(scan(&args, &options))?;
    let mut files = outcome.files;
    report::filter(&mut files, args.severity);
    let out = match args.format {
        ScanFormat::Text => text(&files, &outcome.not_scanned, &outcome.summary, super::use_color(args.no_color)),
        ScanFormat::Json => json_report(&files, &outcome.not_scanned, &outcome.summary) + "\n",
        ScanFormat::Sarif => serde_json::to_string_pretty(&report::sarif(&files)).map_err(|e| e.to_string())? + "\n",
        ScanFormat::Csv => csv(&files, &outcome.described, &outcome.not_scanned),
    };
    super::print(&out)?;
    let findings = files.iter().any(|f| !f.findings.is_empty());
    Ok(ExitCode::from(if !outcome.not_scanned.is_empty() {
        2
    } else if findings {
        1
    } else {
        0
    }))
}

/// What a scan found, in list order (family, then revision).
struct Outcome {
    /// One per target: the findings of a scanned one, `error` for one not scanned.
    files: Vec<FileReport>,
    /// Family and revision of each scanned file, by its path (for CSV).
    described: BTreeMap<String, (String, u32)>,
    not_scanned: Vec<NotScanned>,
    summary: Summary,
}

struct Summary {
    source: String,
    scope: Scope,
    total: usize,
    /// Why nothing was scanned, when that is the answer (`--in-use` on the embedded store).
    note: Option<String>,
}

async fn scan(args: &ScanArgs, options: &LintOptions) -> Result<Outcome, String> {
    // Every source: the embedded store, or each (account, region) of --profile / --role-arn ×
    // --region. Paths are ARNs, so reports of several accounts do not collide.
    let stores = super::open_stores(&args.store, true, None).await?;
    let scope = Scope::of(args);
    let source = match stores.as_slice() {
        [(_, only)] => only.source(),
        many => {
            format!("{} sources ({})", many.len(), many.iter().map(|(_, s)| s.source()).collect::<Vec<_>>().join("; "))
        }
    };
    let progress = progress_bar(args.no_progress);
    let mut targets: Vec<(usize, Target)> = Vec::new();
    let mut notes = Vec::new();
    for (i, (_, store)) in stores.iter().enumerate() {
        progress.set_message(format!("listing task definitions in {}", store.source()));
        match targets_in(store.as_ref(), scope).await {
            Ok((listed, note)) => {
                targets.extend(listed.into_iter().map(|t| (i, t)));
                notes.extend(note);
            }
            Err(e) => {
                progress.finish_and_clear();
                for (_, s) in &stores {
                    s.close().await;
                }
                return Err(format!("cannot list the task definitions to scan in {}: {e}", store.source()));
            }
        }
    }
    let note = (!notes.is_empty()).then(|| notes.join("; "));

    progress.set_length(targets.len() as u64);
    progress.set_position(0);
    progress.set_style(bar_style());
    progress.set_message("");
    let concurrency = usize::from(args.concurrency.max(1));
    let mut results: Vec<(usize, Result<DescribedTaskDefinition, StoreError>)> =
        stream::iter(targets.iter().enumerate())
            .map(|(i, (s, t))| {
                let store = &stores[*s].1;
                let progress = &progress;
                async move {
                    let r = store.describe(&t.family, t.revision).await;
                    progress.inc(1);
                    (i, r)
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
    progress.finish_and_clear();
    for (_, s) in &stores {
        s.close().await;
    }
    results.sort_by_key(|(i, _)| *i);

    let mut files = Vec::with_capacity(results.len());
    let mut described = BTreeMap::new();
    let mut not_scanned = Vec::new();
    for ((_, result), (_, target)) in results.into_iter().zip(&targets) {
        match result {
            Ok(d) => {
                let path = if d.arn().is_empty() { d.family_revision() } else { d.arn().to_string() };
                // Findings located in the describe output as pretty JSON, as the dashboard shows it.
                let doc = Document::from_value(&d.to_value());
                let findings = rules::lint_with(&doc, options);
                described.insert(path.clone(), (d.family().to_string(), d.revision()));
                files.push(FileReport { path, error: None, findings });
            }
            Err(error) => {
                files.push(FileReport {
                    path: target.name(),
                    error: Some(FileError {
                        message: format!("NOT scanned: the describe failed: {error}"),
                        line: None,
                        column: None,
                    }),
                    findings: vec![],
                });
                not_scanned.push(NotScanned { target: target.clone(), error });
            }
        }
    }
    Ok(Outcome { files, described, not_scanned, summary: Summary { source, scope, total: targets.len(), note } })
}

/// A bar on standard error when it is a terminal; hidden otherwise (CI logs stay clean).
fn progress_bar(disabled: bool) -> ProgressBar {
    if disabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} scanning {bar:30} {pos}/{len} task definitions ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// What to scan, through the store trait: sorted by family (case-insensitively) then
/// revision. With `--in-use`, a note when the source has no services.
async fn targets_in(store: &dyn TaskDefStore, scope: Scope) -> Result<(Vec<Target>, Option<String>), StoreError> {
    let target = |r: RevisionState| Target {
        family: r.family,
        revision: Some(r.revision),
        arn: Some(r.arn).filter(|a| !a.is_empty()),
    };
    let listed = store.list_all_revisions(None).await?;
    let mut out: Vec<Target> = match scope {
        Scope::AllActive => listed.into_iter().filter(|r| r.status == TaskDefStatus::Active).map(target).collect(),
        Scope::Latest => {
            let mut latest: BTreeMap<String, RevisionState> = BTreeMap::new();
            for r in listed.into_iter().filter(|r| r.status == TaskDefStatus::Active) {
                if latest.get(&r.family).is_none_or(|l| l.revision < r.revision) {
                    latest.insert(r.family.clone(), r);
                }
            }
            latest.into_values().map(target).collect()
        }
        Scope::InUse => {
            let Some(services) = store.list_services().await? else {
                return Ok((
                    vec![],
                    Some(format!(
                        "nothing is in use in {}: it has no services, so there is nothing to scan",
                        store.source()
                    )),
                ));
            };
            let running: std::collections::BTreeSet<(String, u32)> =
                services.into_iter().map(|s| (s.family, s.revision)).collect();
            listed.into_iter().filter(|r| running.contains(&(r.family.clone(), r.revision))).map(target).collect()
        }
    };
    out.sort_by(|a, b| {
        (a.family.to_ascii_lowercase(), &a.family, a.revision).cmp(&(
            b.family.to_ascii_lowercase(),
            &b.family,
            b.revision,
        ))
    });
    Ok((out, None))
}

/// `{"files": [...]}` as `lint` writes it (not-scanned task definitions have `error`), plus
/// `notScanned` (each with family, revision when known, ARN when known and the error) and a
/// `summary`.
fn json_report(files: &[FileReport], not_scanned: &[NotScanned], summary: &Summary) -> String {
    let not: Vec<Value> = not_scanned
        .iter()
        .map(|n| {
            json!({
                "family": n.target.family,
                "revision": n.target.revision,
                "arn": n.target.arn,
                "error": { "kind": n.error.kind(), "message": n.error.to_string() },
            })
        })
        .collect();
    let findings: usize = files.iter().map(|f| f.findings.len()).sum();
    let v = json!({
        "files": files,
        "notScanned": not,
        "summary": {
            "source": summary.source,
            "scope": summary.scope.key(),
            "note": summary.note,
            "taskDefinitions": summary.total,
            "scanned": summary.total - not_scanned.len(),
            "notScanned": not_scanned.len(),
            "findings": findings,
        },
    });
    serde_json::to_string_pretty(&v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The `lint` text for the scanned task definitions, then a line per task definition NOT
/// scanned, then a summary that says whether the scan is complete.
fn text(files: &[FileReport], not_scanned: &[NotScanned], summary: &Summary, color: bool) -> String {
    let paint = |code: &str, s: &str| if color { format!("{code}{s}\x1b[0m") } else { s.to_string() };
    let scanned: Vec<FileReport> = files.iter().filter(|f| f.error.is_none()).cloned().collect();
    let mut out = report::text(&scanned, color);
    // report::text ends with its own one-line summary (about "files"); this one replaces it.
    if let Some(end) = out.trim_end_matches('\n').rfind('\n') {
        out.truncate(end + 1);
    } else {
        out.clear();
    }
    for n in not_scanned {
        let _ =
            writeln!(out, "{}: {} {}", paint("\x1b[1m", &n.target.name()), paint("\x1b[1;31m", "NOT SCANNED"), n.error);
    }
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    for f in scanned.iter().flat_map(|f| &f.findings) {
        *counts.entry(f.severity).or_default() += 1;
    }
    let total: usize = counts.values().sum();
    if let Some(note) = &summary.note {
        let _ = writeln!(out, "{note}");
    }
    let scope = summary.scope.words();
    let mut line =
        format!("Scanned {} of {} task definition(s) ({scope}) in {}: ", scanned.len(), summary.total, summary.source);
    if total == 0 {
        line.push_str("no findings");
    } else {
        let parts: Vec<String> =
            Severity::ALL.iter().filter_map(|s| counts.get(s).map(|n| format!("{n} {}", s.as_str()))).collect();
        let _ = write!(line, "{total} finding(s): {}", parts.join(", "));
    }
    line.push('.');
    let _ = writeln!(out, "{}", paint("\x1b[1m", &line));
    if !not_scanned.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            paint(
                "\x1b[1;31m",
                &format!(
                    "{} task definition(s) NOT scanned (describe failed): this scan is incomplete.",
                    not_scanned.len()
                )
            )
        );
    }
    out
}

/// One row per finding (status `finding`), one per scanned task definition without findings
/// (status `clean`) and one per task definition NOT scanned (status `not-scanned`, the error as
/// message); the dashboard's export writes the same way ([`csv_table`]).
fn csv(files: &[FileReport], described: &BTreeMap<String, (String, u32)>, not_scanned: &[NotScanned]) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for f in files.iter().filter(|f| f.error.is_none()) {
        let (family, revision) = described.get(&f.path).cloned().unwrap_or_default();
        let head = [f.path.clone(), family, revision.to_string()];
        if f.findings.is_empty() {
            rows.push(
                head.iter()
                    .cloned()
                    .chain(["clean".into()])
                    .chain(std::iter::repeat_n(String::new(), FINDING_COLUMNS.len()))
                    .collect(),
            );
        }
        for x in &f.findings {
            rows.push(head.iter().cloned().chain(["finding".into()]).chain(finding_cells(x)).collect());
        }
    }
    for n in not_scanned {
        let mut row = vec![
            n.target.arn.clone().unwrap_or_default(),
            n.target.family.clone(),
            n.target.revision.map(|r| r.to_string()).unwrap_or_default(),
            "not-scanned".into(),
        ];
        row.extend(std::iter::repeat_n(String::new(), FINDING_COLUMNS.len() - 1));
        row.push(n.error.to_string());
        rows.push(row);
    }
    let header: Vec<&str> = ["arn", "family", "revision", "status"].into_iter().chain(FINDING_COLUMNS).collect();
    csv_table(&header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_row_per_finding_clean_and_not_scanned_target() {
        let files = vec![
            FileReport { path: "arn:clean".into(), error: None, findings: vec![] },
            FileReport::lint_text(
                "arn:bad",
                r#"{"family": "f", "containerDefinitions": [{"name": "a,b", "image": "i", "essential": false}]}"#,
                &crate::core::rules::LintOptions::default(),
            ),
        ];
        let described: BTreeMap<String, (String, u32)> =
            [("arn:clean".into(), ("c".into(), 1)), ("arn:bad".into(), ("f".into(), 2))].into();
        let not = vec![NotScanned {
            target: Target { family: "web".into(), revision: Some(3), arn: None },
            error: StoreError::unavailable("boom, with a comma"),
        }];
        let out = csv(&files, &described, &not);
        let rows: Vec<Vec<String>> = ::csv::Reader::from_reader(out.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        assert!(rows.iter().all(|r| r.len() == 12), "{out}");
        assert_eq!(rows[0][..4], ["arn:clean", "c", "1", "clean"]);
        assert!(rows.iter().any(|r| r[..5] == ["arn:bad", "f", "2", "finding", "VAL012"]), "{out}");
        let last = rows.last().unwrap();
        assert_eq!((last[1].as_str(), last[2].as_str(), last[3].as_str()), ("web", "3", "not-scanned"));
        assert!(last[11].contains("boom, with a comma"), "{out}");
    }

    #[test]
    fn text_of_an_incomplete_scan_says_so() {
        let summary = Summary { source: "somewhere".into(), scope: Scope::Latest, total: 2, note: None };
        let files = vec![FileReport { path: "arn:x".into(), error: None, findings: vec![] }];
        let not = vec![NotScanned {
            target: Target { family: "web".into(), revision: None, arn: None },
            error: StoreError::unavailable("boom"),
        }];
        let t = text(&files, &not, &summary, false);
        assert!(t.contains("web: NOT SCANNED boom"), "{t}");
        assert!(t.contains("Scanned 1 of 2 task definition(s)"), "{t}");
        assert!(t.contains("this scan is incomplete"), "{t}");
        assert!(!t.contains("No findings in"), "lint's summary is replaced: {t}");
    }
}
