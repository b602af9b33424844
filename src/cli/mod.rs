//! The command line: `ecs-lens lint|graph|diff|rules|fix|import|serve|scan|register`.
//!
//! Exit codes: 0 = nothing at or above the threshold, 1 = findings, 2 = usage error or
//! an input that could not be read or parsed.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use crate::core::document::Document;
use crate::core::report::{self, FileReport};
use crate::core::{rules, LintOptions, Severity};
use crate::store::{EmbeddedOptions, EmbeddedStore, Location, StoreError, TaskDefStore};

mod history;
mod probe;
mod register;
mod scan;
mod secrets;
mod serve;
mod sync;

#[derive(Parser, Debug)]
#[command(name = "ecs-lens", version, about = "Look at, fix and change Amazon ECS task definitions.")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint task-definition files (register input or describe output; `-` reads stdin).
    Lint(LintArgs),
    /// Print a task definition's container dependency graph.
    Graph(GraphArgs),
    /// Semantic diff of two task definitions: files, or `[SOURCE:]FAMILY:REVISION` of any source
    /// and family (`app:3`, `eu-west-1:app:latest`, `prod/eu-west-1:app:40`); changes that are
    /// equal but for account ids and regions are marked `≈`.
    Diff(DiffArgs),
    /// The rule catalogue with each rule's documentation.
    Rules(RulesArgs),
    /// Apply the machine-applicable fixes and print the patched task definition.
    Fix(FixArgs),
    /// Register task-definition files (either shape) in the embedded store as new revisions.
    Import(ImportArgs),
    /// Run the dashboard (default 127.0.0.1:3000).
    Serve(serve::ServeArgs),
    /// Audit every family's latest ACTIVE revision (or every ACTIVE revision) of a store, for CI.
    Scan(scan::ScanArgs),
    /// Lint a task-definition file, then register it as a new revision and print its ARN.
    Register(register::RegisterArgs),
    /// Exit 0 when the server answers at URL (the container health check of the image).
    Probe(probe::ProbeArgs),
    /// The audit trail: every register and deregister done through ecs-lens, newest first.
    AuditLog(AuditLogArgs),
    /// Bring the mirror (what the dashboard and exports read) up to date with every source:
    /// only new or changed revisions are described; services are recorded.
    Sync(sync::SyncArgs),
    /// Secrets out for real: `migrate` plaintext credentials to Secrets Manager or SSM,
    /// `exposure` (which revisions still carry each value), `purge` (delete those no service runs).
    Secrets(secrets::SecretsArgs),
    /// Check a revision's references against its account, read-only: roles and their trust,
    /// secrets (and JSON keys) and whether the execution role may read them, log groups, ECR images.
    Verify(secrets::VerifyArgs),
    /// What each revision of a family changed against the one before (every revision, INACTIVE
    /// too), with who registered it and its note; filter to one container or key path.
    History(history::HistoryArgs),
    /// Write a revision's note (why it exists, a ticket link); an empty text removes it.
    Note(history::NoteArgs),
    /// Deregister (and with --delete, delete) old revisions: keeps the newest --keep ACTIVE ones
    /// and every revision a service runs. Shows the plan; asks before changing anything.
    Prune(history::PruneArgs),
}

#[derive(clap::Args, Debug)]
struct AuditLogArgs {
    /// Only this family.
    #[arg(long)]
    family: Option<String>,
    /// At most this many entries.
    #[arg(long, default_value_t = 100)]
    limit: u32,
    #[arg(long, value_enum, default_value = "text")]
    format: AuditLogFormat,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AuditLogFormat {
    Text,
    Json,
}

/// Where task definitions come from; the same flags for every command that reads or
/// registers them.
#[derive(clap::Args, Debug, Clone)]
pub struct StoreArgs {
    /// `local`: the embedded store, in the SQLite file under --data-dir or in --database-url's
    /// PostgreSQL (works without an AWS account); `aws`:
    /// Amazon ECS through the AWS SDK's default credential chain (environment, shared
    /// config/credentials files and AWS_PROFILE, SSO, web identity, container and instance
    /// roles). AWS_ENDPOINT_URL is honoured (LocalStack, moto).
    #[arg(long, value_enum, default_value = "local", env = "ECS_LENS_SOURCE")]
    pub source: Source,
    /// Directory of the embedded task-definition store (`ecs-lens.db` inside; created, and
    /// seeded with example task definitions, on first use).
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR, env = "ECS_LENS_DATA_DIR")]
    pub data_dir: PathBuf,
    /// PostgreSQL instead of the SQLite file under --data-dir, for the embedded store, the
    /// audit trail and the drafts: `postgres://user:password@host:5432/database` (add
    /// `?sslmode=require` for TLS). Several ecs-lens replicas can share one database. Prefer
    /// the environment variable: a password on the command line shows in `ps`.
    #[arg(long, value_name = "URL", env = "ECS_LENS_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// AWS region(s) for --source aws (else AWS_REGION or the profile's). Several
    /// (comma-separated or repeated): `serve` lets the dashboard switch among them; other
    /// commands use the first.
    #[arg(long, value_name = "REGION", value_delimiter = ',', env = "ECS_LENS_REGIONS")]
    pub region: Vec<String>,
    /// AWS profile(s) for --source aws (else AWS_PROFILE, else `default`). Several
    /// (comma-separated or repeated): each is an account, and every (profile, region) is a
    /// source that `serve` switches among and `sync` and `scan` cover. With --role-arn, the
    /// first is where the roles are assumed from.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub profile: Vec<String>,
    /// IAM role(s) to assume through STS (from --profile's credentials, else the default
    /// chain's): each is an account, like a profile (`arn:aws:iam::123456789012:role/ecs-lens`).
    #[arg(long, value_name = "ARN", value_delimiter = ',', env = "ECS_LENS_ROLE_ARNS")]
    pub role_arn: Vec<String>,
    /// The external ID the roles' trust policies require (--role-arn).
    #[arg(long, value_name = "ID", env = "ECS_LENS_EXTERNAL_ID", hide_env_values = true)]
    pub external_id: Option<String>,
    /// Attempts per AWS request, retries of throttling and transient errors included (the
    /// SDK's adaptive retries with backoff). Fewer makes an unreachable account fail sooner.
    #[arg(long, value_name = "N", default_value_t = 8, env = "ECS_LENS_AWS_MAX_ATTEMPTS",
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub aws_max_attempts: u32,
}

/// One AWS account to read: a profile, a role to assume, or the default chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Account {
    /// How the dashboard names it (the profile, or the role's account id).
    pub label: String,
    pub profile: Option<String>,
    pub role_arn: Option<String>,
}

impl StoreArgs {
    /// The accounts --profile and --role-arn name (one, the default chain's, when neither).
    pub(crate) fn accounts(&self) -> Result<Vec<Account>, String> {
        if !self.role_arn.is_empty() {
            if self.profile.len() > 1 {
                return Err("--role-arn takes at most one --profile (where the roles are assumed from)".into());
            }
            let mut out: Vec<Account> = Vec::new();
            for arn in &self.role_arn {
                let parts: Vec<&str> = arn.split(':').collect();
                let (account, role) = match parts.as_slice() {
                    ["arn", _, "iam", "", account, resource] if resource.starts_with("role/") => {
                        (*account, resource.trim_start_matches("role/").rsplit('/').next().unwrap_or_default())
                    }
                    _ => {
                        return Err(format!(
                            "--role-arn `{}` is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)",
                            crate::store::shown(arn)
                        ))
                    }
                };
                let label = if out.iter().any(|a| a.label == account)
                    || self.role_arn.iter().filter(|r| r.contains(&format!("::{account}:"))).count() > 1
                {
                    format!("{account}-{role}")
                } else {
                    account.to_string()
                };
                out.push(Account { label, profile: self.profile.first().cloned(), role_arn: Some(arn.clone()) });
            }
            return Ok(out);
        }
        if self.profile.is_empty() {
            return Ok(vec![Account { label: String::new(), profile: None, role_arn: None }]);
        }
        Ok(self
            .profile
            .iter()
            .map(|p| Account { label: p.clone(), profile: Some(p.clone()), role_arn: None })
            .collect())
    }
}

/// Where task definitions come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Source {
    /// The embedded store (SQLite under --data-dir, or PostgreSQL with --database-url).
    Local,
    /// Amazon ECS (aws-sdk-ecs).
    Aws,
}

/// `--data-dir`'s default.
pub const DEFAULT_DATA_DIR: &str = "./data";

impl Default for StoreArgs {
    fn default() -> Self {
        StoreArgs {
            source: Source::Local,
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            database_url: None,
            region: vec![],
            profile: vec![],
            role_arn: vec![],
            external_id: None,
            aws_max_attempts: 8,
        }
    }
}

impl StoreArgs {
    /// The ecs-lens database: --database-url, else `ecs-lens.db` under --data-dir.
    pub fn database(&self) -> Location {
        Location::new(&self.data_dir, self.database_url.as_deref())
    }
}

#[derive(clap::Args, Debug)]
struct ImportArgs {
    /// Task-definition files: register input or describe output (bare or wrapped); `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LintFormat {
    Text,
    Json,
    Sarif,
}

#[derive(clap::Args, Debug)]
struct LintArgs {
    /// Files to lint; `-` for standard input.
    #[arg(required = true)]
    files: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: LintFormat,
    /// Report (and fail on) findings at or above this severity.
    #[arg(long, default_value = "low", value_parser = parse_severity)]
    severity: Severity,
    /// Only these rule ids (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Skip these rule ids.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Never colour the text output (also: NO_COLOR).
    #[arg(long)]
    no_color: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum GraphFormat {
    Json,
    Mermaid,
    Dot,
    Svg,
}

#[derive(clap::Args, Debug)]
struct GraphArgs {
    file: String,
    #[arg(long, value_enum, default_value = "json")]
    format: GraphFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
struct DiffArgs {
    /// A file (`-`: stdin) or `[SOURCE:]FAMILY:REVISION` (REVISION may be `latest`: the latest
    /// ACTIVE). SOURCE is a label of the sources the store flags open (`local`, a region,
    /// `account/region`); none: the first.
    a: String,
    b: String,
    #[arg(long, value_enum, default_value = "text")]
    format: DiffFormat,
    #[arg(long)]
    no_color: bool,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
    Markdown,
}

#[derive(clap::Args, Debug)]
struct RulesArgs {
    /// Show one rule (id or name).
    rule: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: RulesFormat,
}

#[derive(clap::Args, Debug)]
struct FixArgs {
    file: String,
    /// Only fixes of these rules (repeat or comma-separate).
    #[arg(long = "rule", value_delimiter = ',')]
    rules: Vec<String>,
    /// Write the patched task definition here instead of standard output.
    #[arg(long, short)]
    output: Option<String>,
    /// Overwrite FILE with the patched task definition.
    #[arg(long, conflicts_with = "output")]
    in_place: bool,
    /// Also apply fixes that change run-time behaviour (security, operability, sidecars);
    /// by default only fixes that make the task registrable or move secrets out are applied.
    #[arg(long = "unsafe")]
    unsafe_fixes: bool,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

/// Entry point used by `main.rs`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        // No subcommand (how cargo-leptos starts the server) means `serve` with its defaults,
        // parsed by clap so that environment settings such as ECS_LENS_DATA_DIR apply.
        None => match Cli::parse_from(["ecs-lens", "serve"]).command {
            Some(Command::Serve(args)) => serve::run(args),
            _ => serve::run(serve::ServeArgs::default()),
        },
        Some(Command::Serve(args)) => serve::run(args),
        Some(Command::Lint(args)) => lint(args),
        Some(Command::Graph(args)) => graph(args),
        Some(Command::Diff(args)) => diff(args),
        Some(Command::Rules(args)) => rules_cmd(args),
        Some(Command::Fix(args)) => fix(args),
        Some(Command::Import(args)) => import(args),
        Some(Command::Scan(args)) => scan::run(args),
        Some(Command::Register(args)) => register::run(args),
        Some(Command::Probe(args)) => probe::run(args),
        Some(Command::AuditLog(args)) => audit_log(args),
        Some(Command::Sync(args)) => sync::run(args),
        Some(Command::Secrets(args)) => secrets::run(args),
        Some(Command::Verify(args)) => secrets::verify(args),
        Some(Command::History(args)) => history::history(args),
        Some(Command::Note(args)) => history::note(args),
        Some(Command::Prune(args)) => history::prune(args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("ecs-lens: {message}");
            ExitCode::from(2)
        }
    }
}

/// Read a file, or standard input for `-`.
fn read_input(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| format!("cannot read standard input: {e}"))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
    }
}

fn display_path(path: &str) -> &str {
    if path == "-" {
        "<stdin>"
    } else {
        path
    }
}

/// Read and parse one document, or a located error message.
fn load(path: &str) -> Result<Document, String> {
    let text = read_input(path)?;
    Document::parse(text).map_err(|e| format!("{}:{}:{}: {}", display_path(path), e.line, e.column, e.message))
}

fn use_color(no_color: bool) -> bool {
    !no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

fn print(s: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write output: {e}")),
    }
}

fn lint(args: LintArgs) -> Result<ExitCode, String> {
    let options = LintOptions { select: args.select, ignore: args.ignore, skip_fixes: false };
    for id in options.select.iter().chain(&options.ignore) {
        if rules::rule(id).is_none() {
            return Err(format!("unknown rule `{id}` (see `ecs-lens rules`)"));
        }
    }
    let mut files: Vec<FileReport> = args
        .files
        .iter()
        .map(|path| match read_input(path) {
            Ok(text) => FileReport::lint_text(display_path(path), &text, &options),
            Err(message) => FileReport {
                path: display_path(path).to_string(),
                error: Some(report::FileError { message, line: None, column: None }),
                findings: vec![],
            },
        })
        .collect();
    report::filter(&mut files, args.severity);
    match args.format {
        LintFormat::Text => print(&report::text(&files, use_color(args.no_color)))?,
        LintFormat::Json => print(&(report::json(&files) + "\n"))?,
        LintFormat::Sarif => {
            print(&(serde_json::to_string_pretty(&report::sarif(&files)).map_err(|e| e.to_string())? + "\n"))?
        }
    }
    let errors = files.iter().any(|f| f.error.is_some());
    let findings = files.iter().any(|f| !f.findings.is_empty());
    Ok(ExitCode::from(if errors {
        2
    } else if findings {
        1
    } else {
        0
    }))
}

fn graph(args: GraphArgs) -> Result<ExitCode, String> {
    let doc = load(&args.file)?;
    let g = crate::core::graph::build(&doc);
    let out = match args.format {
        GraphFormat::Json => serde_json::to_string_pretty(&g).map_err(|e| e.to_string())? + "\n",
        GraphFormat::Mermaid => crate::core::graph::render::mermaid(&g),
        GraphFormat::Dot => crate::core::graph::render::dot(&g),
        GraphFormat::Svg => crate::core::graph::render::svg(&g),
    };
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// One side of `ecs-lens diff`: a file, or a revision of a source.
enum DiffSide {
    File(Document),
    Revision(crate::shared::RevisionRef),
}

impl DiffSide {
    /// A path that exists (or `-`) is a file; else `[SOURCE:]FAMILY:REVISION`; else the file's
    /// own error (no such file), or the reference's when it has a `:`.
    fn of(arg: &str) -> Result<DiffSide, String> {
        if arg == "-" || std::path::Path::new(arg).exists() {
            return load(arg).map(DiffSide::File);
        }
        match crate::shared::RevisionRef::parse(arg) {
            Ok(r) => Ok(DiffSide::Revision(r)),
            Err(e) if arg.contains(':') => Err(format!("{e} (and there is no file of that name)")),
            Err(_) => load(arg).map(DiffSide::File),
        }
    }
}

fn diff(args: DiffArgs) -> Result<ExitCode, String> {
    let (a, b) = (DiffSide::of(&args.a)?, DiffSide::of(&args.b)?);
    let (d, header) = match (a, b) {
        (DiffSide::File(a), DiffSide::File(b)) => (crate::core::diff::diff(&a, &b), String::new()),
        (a, b) => history::diff_revisions(&args.store, [(a, &args.a), (b, &args.b)])?,
    };
    match args.format {
        DiffFormat::Text => print(&(header + &crate::core::diff::render_text(&d, use_color(args.no_color))))?,
        DiffFormat::Json => print(&(serde_json::to_string_pretty(&d).map_err(|e| e.to_string())? + "\n"))?,
    }
    Ok(ExitCode::SUCCESS)
}

fn rules_cmd(args: RulesArgs) -> Result<ExitCode, String> {
    let selected: Vec<&'static rules::RuleMeta> = match &args.rule {
        Some(id) => vec![rules::rule(id).ok_or_else(|| format!("unknown rule `{id}`"))?.meta()],
        None => rules::all_rules().map(|r| r.meta()).collect(),
    };
    let out = match args.format {
        RulesFormat::Json => serde_json::to_string_pretty(&selected).map_err(|e| e.to_string())? + "\n",
        RulesFormat::Markdown => selected.iter().map(|m| rule_markdown(m)).collect::<Vec<_>>().join("\n"),
        RulesFormat::Text if args.rule.is_some() => rule_markdown(selected[0]),
        RulesFormat::Text => {
            let mut s = String::new();
            for m in &selected {
                s.push_str(&format!(
                    "{:<7} {:<9} {:<13} {}{}\n",
                    m.id,
                    m.severity.as_str(),
                    m.category.as_str(),
                    m.summary,
                    if m.blocks_registration { "  [AWS rejects]" } else { "" }
                ));
            }
            s.push_str(&format!("\n{} rules. `ecs-lens rules ID` shows one rule's documentation.\n", selected.len()));
            s
        }
    };
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn rule_markdown(m: &rules::RuleMeta) -> String {
    let refs: Vec<String> = m.references.iter().map(|r| format!("{} `{}`", r.tool, r.id)).collect();
    format!(
        "# {} ({})\n\n{}\n\nSeverity: {} · Category: {}{}\n\n## What it does\n{}\n\n## Why is this bad?\n{}\n\n## Example\n```json\n{}\n```\n\n## How to fix\n{}\n{}\n",
        m.name,
        m.id,
        m.summary,
        m.severity,
        m.category,
        if m.blocks_registration { " · RegisterTaskDefinition rejects this" } else { "" },
        m.what,
        m.why,
        m.example,
        m.fix,
        if refs.is_empty() { String::new() } else { format!("\n## Same check elsewhere\n{}\n", refs.join(", ")) }
    )
}

fn fix(args: FixArgs) -> Result<ExitCode, String> {
    for id in &args.rules {
        if rules::rule(id).is_none() {
            return Err(format!("unknown rule `{id}` (see `ecs-lens rules`)"));
        }
    }
    let doc = load(&args.file)?;
    let outcome = crate::core::fix::apply_fixes(
        &doc,
        &LintOptions { select: args.rules.clone(), ..Default::default() },
        args.unsafe_fixes,
    );
    let text = serde_json::to_string_pretty(&outcome.value).map_err(|e| e.to_string())? + "\n";
    let target = if args.in_place { Some(args.file.clone()) } else { args.output.clone() };
    match &target {
        Some(path) if path != "-" => std::fs::write(path, &text).map_err(|e| format!("cannot write {path}: {e}"))?,
        _ => print(&text)?,
    }
    // What was done, and what is left for a person, goes to stderr.
    let mut err = String::new();
    for a in &outcome.applied {
        err.push_str(&format!(
            "fixed {} {}: {}\n",
            a.rule,
            a.container.as_deref().unwrap_or("(task)"),
            a.fix.description
        ));
        for c in &a.fix.commands {
            err.push_str(&format!("  run: {c}\n"));
        }
        for n in &a.fix.notes {
            err.push_str(&format!("  note: {}\n", n.replace('\n', "\n        ")));
        }
    }
    for f in &outcome.failed {
        err.push_str(&format!("not fixed: {f}\n"));
    }
    err.push_str(&format!("{} fix(es) applied.\n", outcome.applied.len()));
    if !args.unsafe_fixes && args.rules.is_empty() {
        let left = rules::lint(&Document::from_value(&outcome.value))
            .into_iter()
            .filter(|f| f.fix.as_ref().is_some_and(|x| x.is_applicable() && !x.safe))
            .count();
        if left > 0 {
            err.push_str(&format!(
                "{left} more fix(es) change how containers run (security, operability, sidecars): review them with `ecs-lens lint`, apply with --rule ID or --unsafe.\n"
            ));
        }
    }
    eprint!("{err}");
    Ok(ExitCode::SUCCESS)
}

/// Open the store `--source` names: the embedded one in the ecs-lens database (created,
/// migrated and seeded on first use), or Amazon ECS in the first --region.
pub(crate) async fn open_store(args: &StoreArgs, read_only: bool) -> Result<Arc<dyn TaskDefStore>, String> {
    let first = args.region.first().cloned();
    open_store_in(args, first, read_only).await
}

/// Every store `serve` offers, labelled: the embedded one, or one Amazon ECS store per
/// --region (the SDK's configured region when none is given).
/// `database`: the ecs-lens database already open (the embedded store uses it rather than
/// opening another pool).
pub(crate) async fn open_stores(
    args: &StoreArgs,
    read_only: bool,
    database: Option<crate::store::Database>,
) -> Result<Vec<(String, Arc<dyn TaskDefStore>)>, String> {
    match (args.source, database) {
        (Source::Local, Some(db)) => {
            let options = EmbeddedOptions { read_only, ..EmbeddedOptions::default() };
            let store = EmbeddedStore::on(db, options).await.map_err(|e| e.to_string())?;
            Ok(vec![("local".to_string(), Arc::new(store))])
        }
        (Source::Local, None) => Ok(vec![("local".to_string(), open_store_in(args, None, read_only).await?)]),
        (Source::Aws, _) => {
            // No --region: the SDK's configured one (AWS_REGION, the profile).
            let regions: Vec<Option<String>> =
                if args.region.is_empty() { vec![None] } else { args.region.iter().cloned().map(Some).collect() };
            let accounts = args.accounts()?;
            let mut stores: Vec<(String, Arc<dyn TaskDefStore>)> = Vec::new();
            for account in &accounts {
                for region in &regions {
                    let store = aws_store_for(args, account, region.clone(), read_only).await?;
                    // One account: the region alone (as the dashboard always named it).
                    let label = if accounts.len() == 1 {
                        store.region().to_string()
                    } else {
                        format!("{}/{}", account.label, store.region())
                    };
                    stores.push((label, Arc::new(store)));
                }
            }
            Ok(stores)
        }
    }
}

/// The Amazon ECS store of the first account (--profile / --role-arn) in `region`.
async fn aws_store(
    args: &StoreArgs,
    region: Option<String>,
    read_only: bool,
) -> Result<crate::store::aws::AwsStore, String> {
    let accounts = args.accounts()?;
    aws_store_for(args, &accounts[0], region, read_only).await
}

async fn aws_store_for(
    args: &StoreArgs,
    account: &Account,
    region: Option<String>,
    read_only: bool,
) -> Result<crate::store::aws::AwsStore, String> {
    let options = crate::store::aws::AwsOptions {
        region,
        profile: account.profile.clone(),
        role_arn: account.role_arn.clone(),
        external_id: args.external_id.clone(),
        max_attempts: args.aws_max_attempts,
        read_only,
        ..Default::default()
    };
    crate::store::aws::AwsStore::connect(options).await.map_err(|e| e.to_string())
}

async fn open_store_in(
    args: &StoreArgs,
    region: Option<String>,
    read_only: bool,
) -> Result<Arc<dyn TaskDefStore>, String> {
    match args.source {
        Source::Local => {
            let options = EmbeddedOptions { read_only, ..EmbeddedOptions::default() };
            let store = EmbeddedStore::open_with(&args.database(), options).await.map_err(|e| e.to_string())?;
            Ok(Arc::new(store))
        }
        Source::Aws => Ok(Arc::new(aws_store(args, region, read_only).await?)),
    }
}

/// `file:line:column: message` for a store error about a document, located in the document
/// when the error names a place in it.
fn store_error_at(path: &str, doc: &Document, e: &StoreError) -> String {
    let path = display_path(path);
    match e {
        StoreError::Invalid { pointer, message } => {
            // The pointer is relative to the register input; find it in the document's shape.
            let full = if doc.shape() == crate::core::Shape::DescribeWrapped && pointer.starts_with("/tags") {
                pointer.clone()
            } else {
                format!("{}{pointer}", doc.base())
            };
            let (region, _) = doc.locate(&full);
            format!("{path}:{}:{}: ClientException: {message}", region.start_pos.line, region.start_pos.column)
        }
        _ => format!("{path}: {e}"),
    }
}

fn import(args: ImportArgs) -> Result<ExitCode, String> {
    // Read, parse and validate every file first: a malformed or invalid file registers nothing,
    // and neither do the others (fix it and run the same command again, no duplicates).
    let mut inputs = Vec::with_capacity(args.files.len());
    let mut errors = Vec::new();
    for path in &args.files {
        match load(path) {
            Ok(doc) => {
                let input = doc.register_input();
                match crate::store::validate_register_input(&input) {
                    Ok(()) => inputs.push((path.as_str(), input)),
                    Err(e) => errors.push(store_error_at(path, &doc, &e)),
                }
            }
            Err(message) => errors.push(message),
        }
    }
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("ecs-lens: {e}");
        }
        return Err(format!("nothing imported: {} of {} file(s) cannot be registered", errors.len(), args.files.len()));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let store = open_store(&args.store, false).await?;
        let by = crate::store::local_principal(crate::store::LOCAL_ACCOUNT);
        let mut result = Ok(ExitCode::SUCCESS);
        for (path, input) in &inputs {
            match store.register(input, &by).await {
                Ok(d) => print(&format!("{}\n", d.family_revision()))?,
                Err(e) => {
                    result = Err(format!("{}: {e}", display_path(path)));
                    break;
                }
            }
        }
        let families: Vec<String> =
            inputs.iter().filter_map(|(_, i)| i.get("family").and_then(|f| f.as_str()).map(str::to_string)).collect();
        mirror_families(&args.store, store.as_ref(), &families).await;
        // Checkpoint the write-ahead log into the database file before the process ends.
        store.close().await;
        result
    })
}

/// Bring `families` into the mirror now, after registers through the command line in the
/// embedded store, so that a running dashboard shows them at once (Amazon ECS sources are
/// mirrored by the dashboard's next sync, or `ecs-lens sync`). A failure is only reported.
pub(crate) async fn mirror_families(args: &StoreArgs, store: &dyn TaskDefStore, families: &[String]) {
    if args.source != Source::Local || families.is_empty() {
        return;
    }
    let db = match crate::store::Database::open(&args.database()).await {
        Ok(db) => db,
        Err(e) => return eprintln!("ecs-lens: not in the mirror yet ({e}); the next sync brings it"),
    };
    let mirror = crate::store::mirror::Mirror::on(db.clone());
    let mut families = families.to_vec();
    families.sort();
    families.dedup();
    for family in &families {
        if let Err(e) = crate::store::sync::sync_family(store, &mirror, "local", family).await {
            eprintln!("ecs-lens: {family} is not in the mirror yet ({e}); the next sync brings it");
        }
    }
    db.close().await;
}

/// `ecs-lens audit-log`.
fn audit_log(args: AuditLogArgs) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let entries = runtime.block_on(async {
        let log = crate::store::audit::AuditLog::open(&args.store.database()).await.map_err(|e| e.to_string())?;
        let entries = log.list(args.family.as_deref(), args.limit).await.map_err(|e| e.to_string());
        log.close().await;
        entries
    })?;
    let mut out = String::new();
    match args.format {
        AuditLogFormat::Json => {
            out = serde_json::to_string_pretty(&entries).map_err(|e| e.to_string())?;
            out.push('\n');
        }
        AuditLogFormat::Text => {
            if entries.is_empty() {
                out.push_str("nothing registered or deregistered through ecs-lens yet\n");
            }
            for (at, e) in entries.iter().map(|x| (&x.at, &x.entry)) {
                let from = e.base_revision.map(|b| format!(" (from {b})")).unwrap_or_default();
                out.push_str(&format!(
                    "{}  {}  {} {}:{}{from}  [{}]\n",
                    at, e.user, e.action, e.family, e.revision, e.source
                ));
                for c in &e.changes {
                    out.push_str(&format!("    {c}\n"));
                }
                if !e.resolved.is_empty() {
                    out.push_str(&format!("    resolved: {}\n", e.resolved.join(", ")));
                }
                if !e.introduced.is_empty() {
                    out.push_str(&format!("    introduced: {}\n", e.introduced.join(", ")));
                }
            }
        }
    }
    std::io::stdout().write_all(out.as_bytes()).map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
