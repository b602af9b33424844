//! `ecs-lens secrets migrate|exposure|purge` and `ecs-lens verify`: the command line of
//! [`crate::server::secrets`] (the dashboard's Migrate, Exposure and Verify pages ask the same
//! service layer).

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

use super::StoreArgs;
use crate::core::migration::{Layout, Options, SecretStore};
use crate::server::secrets::{self, MigrateRequest};
use crate::server::AppState;
use crate::shared::{ExposureReport, MigrationReview, PurgeReport, VerifyReport};

#[derive(clap::Args, Debug)]
pub struct SecretsArgs {
    #[command(subcommand)]
    pub command: SecretsCommand,
}

#[derive(Subcommand, Debug)]
pub enum SecretsCommand {
    /// Move a revision's plaintext credentials into Secrets Manager (or SSM) and register the
    /// revision that references them. Shows the review first; asks before creating anything.
    Migrate(MigrateArgs),
    /// Every revision (ACTIVE and INACTIVE) that still carries a plaintext credential's value.
    Exposure(ExposureArgs),
    /// Deregister and delete a family's exposed revisions that no service runs.
    Purge(PurgeArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StoreKind {
    Secretsmanager,
    Ssm,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LayoutArg {
    PerTask,
    PerVariable,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct MigrateArgs {
    /// FAMILY or FAMILY:REVISION (default: the latest ACTIVE revision).
    pub target: String,
    /// Where the values go.
    #[arg(long = "store", value_enum, default_value = "secretsmanager")]
    pub secret_store: StoreKind,
    /// One JSON secret per task definition and container (a key per variable), or one secret
    /// per variable. SSM parameters always hold one value each.
    #[arg(long, value_enum, default_value = "per-task")]
    pub layout: LayoutArg,
    /// Encrypt with this customer-managed KMS key (the execution role then needs kms:Decrypt).
    #[arg(long, value_name = "ARN")]
    pub kms_key: Option<String>,
    /// Attach a least-privilege inline policy to the execution role when it cannot read the
    /// new secrets.
    #[arg(long)]
    pub grant: bool,
    /// Show the review only; create nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before creating and registering.
    #[arg(long)]
    pub yes: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(clap::Args, Debug)]
pub struct ExposureArgs {
    /// Only this family (default: every family of the source).
    pub family: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(clap::Args, Debug)]
pub struct PurgeArgs {
    pub family: String,
    /// Show what would be deleted; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before deleting.
    #[arg(long)]
    pub yes: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// FAMILY or FAMILY:REVISION (default: the latest ACTIVE revision).
    pub target: String,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// `FAMILY[:REV]`.
fn target(s: &str) -> Result<(String, Option<u32>), String> {
    match s.rsplit_once(':') {
        Some((f, r)) if !f.is_empty() => {
            let r = r.parse::<u32>().map_err(|_| format!("`{s}`: the revision after `:` must be a number"))?;
            Ok((f.to_string(), Some(r)))
        }
        _ => Ok((s.to_string(), None)),
    }
}

/// The service layer's state for one command: the first source, the mirror and the audit
/// trail in the ecs-lens database, the user from `ECS_LENS_USER` / `USER`.
/// `source`: the label of the source to use (default: the first).
pub(super) async fn state(
    args: &StoreArgs,
    read_only: bool,
    source: Option<&str>,
) -> Result<(AppState, crate::store::Database), String> {
    open_state(args, read_only, Some(source)).await
}

/// [`state`] offering every source the store flags name (the first is the default): for
/// commands that read across sources (`diff eu-west-1:app:3 us-east-1:app:3`).
pub(super) async fn state_all(args: &StoreArgs, read_only: bool) -> Result<(AppState, crate::store::Database), String> {
    open_state(args, read_only, None).await
}

/// `one`: keep one source (the one labelled so, or the first); `None`: keep every source.
async fn open_state(
    args: &StoreArgs,
    read_only: bool,
    one: Option<Option<&str>>,
) -> Result<(AppState, crate::store::Database), String> {
    let database = crate::store::Database::open(&args.database()).await.map_err(|e| e.to_string())?;
    let mut sources = super::open_stores(args, read_only, Some(database.clone())).await?;
    if let Some(Some(label)) = one {
        let labels: Vec<String> = sources.iter().map(|(l, _)| l.clone()).collect();
        sources.retain(|(l, _)| crate::server::names_source(l, label));
        if sources.is_empty() {
            return Err(format!("no source `{label}` here (the sources: {})", labels.join(", ")));
        }
    }
    if one.is_some() {
        sources.truncate(1);
    }
    let mirror = crate::store::mirror::Mirror::on(database.clone());
    let access = crate::server::access::AccessConfig { read_only, ..Default::default() };
    let mut state =
        AppState::new(sources, access, mirror).with_audit(crate::store::audit::AuditLog::on(database.clone()));
    state.identity.user =
        std::env::var("ECS_LENS_USER").or_else(|_| std::env::var("USER")).unwrap_or_else(|_| "cli".into());
    Ok((state, database))
}

/// Ask on the terminal; refuse without one (and without --yes).
pub(super) fn confirm(question: &str) -> Result<bool, String> {
    if !std::io::stdin().is_terminal() {
        return Err(format!("{question}: pass --yes to confirm when not on a terminal (or --dry-run to only look)"));
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<(), String> {
    println!("{}", serde_json::to_string_pretty(v).map_err(|e| e.to_string())?);
    Ok(())
}

pub fn run(args: SecretsArgs) -> Result<ExitCode, String> {
    let rt = runtime()?;
    match args.command {
        SecretsCommand::Migrate(a) => rt.block_on(migrate(a)),
        SecretsCommand::Exposure(a) => rt.block_on(exposure(a)),
        SecretsCommand::Purge(a) => rt.block_on(purge(a)),
    }
}

async fn migrate(a: MigrateArgs) -> Result<ExitCode, String> {
    let (family, revision) = target(&a.target)?;
    let options = Options {
        store: match a.secret_store {
            StoreKind::Secretsmanager => SecretStore::SecretsManager,
            StoreKind::Ssm => SecretStore::Ssm,
        },
        layout: match a.layout {
            LayoutArg::PerTask => Layout::PerTask,
            LayoutArg::PerVariable => Layout::PerVariable,
        },
    };
    let (state, db) = state(&a.store, a.dry_run, None).await?;
    let mut req = MigrateRequest { options, kms_key: a.kms_key.clone(), grant: a.grant, execute: false };
    let review = secrets::migrate(&state, &family, revision, &req).await.map_err(|e| e.to_string())?;
    let proceed = review.can_create && !review.moves.is_empty() && !a.dry_run;
    if !proceed || !a.yes {
        if a.format == Format::Json && !proceed {
            print_json(&review)?;
        } else if a.format == Format::Text {
            print!("{}", review_text(&review));
        }
    }
    if !proceed {
        db.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    if !a.yes
        && !confirm(&format!("Create {} secret(s) and register the new revision of {family}?", review.secrets.len()))?
    {
        eprintln!("ecs-lens: nothing created");
        db.close().await;
        return Ok(ExitCode::from(1));
    }
    req.execute = true;
    let done = secrets::migrate(&state, &family, Some(review.revision), &req).await;
    db.close().await;
    let done = done.map_err(|e| e.to_string())?;
    match a.format {
        Format::Json => print_json(&done)?,
        Format::Text => print!("{}", review_text(&done)),
    }
    Ok(if done.registered.is_some() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn review_text(r: &MigrationReview) -> String {
    let mut out = String::new();
    let head = match (r.executed, r.registered) {
        (_, Some(n)) => format!("Migrated {}:{} → {}:{n}", r.family, r.revision, r.family),
        (true, None) => format!("Secrets stored for {}:{}, not registered", r.family, r.revision),
        (false, _) => format!("Review: move the plaintext credentials of {}:{}", r.family, r.revision),
    };
    out.push_str(&format!("{head} ({}, {})\n", r.store, r.layout));
    if !r.secrets.is_empty() {
        out.push_str("\nSecrets:\n");
        for s in &r.secrets {
            out.push_str(&format!(
                "  {} [{}]  {}\n    holds {} (from {})\n",
                s.name,
                s.state,
                s.arn,
                s.keys.join(", "),
                s.containers.join(", ")
            ));
        }
        out.push_str("\nMoves (environment → secrets):\n");
        for m in &r.moves {
            out.push_str(&format!("  container {} › {} ({}) → {}\n", m.container, m.variable, m.what, m.value_from));
        }
    }
    for (c, v, why) in &r.skipped {
        out.push_str(&format!("  stays: container {c} › {v}: {why}\n"));
    }
    if !r.access.is_empty() {
        out.push_str(&format!("\nExecution role {}:\n", r.execution_role.as_deref().unwrap_or("(none)")));
        for a in &r.access {
            out.push_str(&format!("  {:<22} {} on {}: {}\n", a.result, a.action, a.resource, a.detail));
        }
    }
    if let Some(g) = &r.granted {
        out.push_str(&format!("  granted: inline policy {g}\n"));
    }
    if !r.moves.is_empty() {
        out.push_str("\nChanges:\n");
        out.push_str(&crate::core::diff::render_text(&r.diff, false));
    }
    if !r.commands.is_empty() && !r.executed {
        out.push_str("\nBy hand:\n");
        for c in &r.commands {
            out.push_str(&format!("  {c}\n"));
        }
    }
    for n in &r.notes {
        out.push_str(&format!("\n{n}\n"));
    }
    out
}

async fn exposure(a: ExposureArgs) -> Result<ExitCode, String> {
    let (state, db) = state(&a.store, true, None).await?;
    let report = secrets::exposure(&state, a.family.as_deref()).await;
    db.close().await;
    let report = report.map_err(|e| e.to_string())?;
    match a.format {
        Format::Json => print_json(&report)?,
        Format::Text => print!("{}", exposure_text(&report)),
    }
    Ok(ExitCode::SUCCESS)
}

fn exposure_text(r: &ExposureReport) -> String {
    let mut out = String::new();
    if r.items.is_empty() {
        out.push_str(&format!(
            "No plaintext credential in {}.\n",
            r.family
                .as_deref()
                .map(|f| format!("any revision of {f}"))
                .unwrap_or_else(|| "any mirrored revision".into())
        ));
        return out;
    }
    for i in &r.items {
        let moved = i.moved_to.as_deref().map(|m| format!("; now read from {m}")).unwrap_or_default();
        let latest = if i.in_latest { "; still in the latest revision" } else { "" };
        out.push_str(&format!("{} [{}] {} › {}{moved}{latest}\n", i.what, i.id, i.container, i.place));
        for x in &i.revisions {
            let used =
                if x.services.is_empty() { String::new() } else { format!("  in use: {}", x.services.join(", ")) };
            out.push_str(&format!("  {}:{} {}{used}\n", x.family, x.revision, x.status));
        }
    }
    if let Some(f) = &r.family {
        if r.purgeable.is_empty() {
            out.push_str(&format!("\nNothing to purge in {f}.\n"));
        } else {
            let list: Vec<String> = r.purgeable.iter().map(u32::to_string).collect();
            out.push_str(&format!("\n`ecs-lens secrets purge {f}` would delete revisions {}.\n", list.join(", ")));
        }
        for (rev, why) in &r.kept {
            out.push_str(&format!("  keeps {f}:{rev}: {why}\n"));
        }
    }
    out
}

async fn purge(a: PurgeArgs) -> Result<ExitCode, String> {
    let (state, db) = state(&a.store, a.dry_run, None).await?;
    let plan = secrets::purge(&state, &a.family, true).await.map_err(|e| e.to_string())?;
    if a.dry_run || plan.deleted.is_empty() {
        match a.format {
            Format::Json => print_json(&plan)?,
            Format::Text => print!("{}", purge_text(&plan)),
        }
        db.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    if !a.yes {
        print!("{}", purge_text(&plan));
        if !confirm(&format!("Delete {} revision(s) of {} for good?", plan.deleted.len(), a.family))? {
            eprintln!("ecs-lens: nothing deleted");
            db.close().await;
            return Ok(ExitCode::from(1));
        }
    }
    let done = secrets::purge(&state, &a.family, false).await;
    db.close().await;
    let done = done.map_err(|e| e.to_string())?;
    match a.format {
        Format::Json => print_json(&done)?,
        Format::Text => print!("{}", purge_text(&done)),
    }
    Ok(if done.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn purge_text(p: &PurgeReport) -> String {
    let list = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    let mut out = String::new();
    let verb = if p.dry_run { "would" } else { "did" };
    if p.deleted.is_empty() && p.failed.is_empty() {
        out.push_str(&format!("Nothing to purge in {}.\n", p.family));
    } else {
        if !p.deregistered.is_empty() {
            out.push_str(&format!("{} {verb} deregister: {}\n", p.family, list(&p.deregistered)));
        }
        out.push_str(&format!("{} {verb} delete: {}\n", p.family, list(&p.deleted)));
    }
    for (r, why) in &p.kept {
        out.push_str(&format!("  kept {}:{r}: {why}\n", p.family));
    }
    for (r, why) in &p.failed {
        out.push_str(&format!("  failed {}:{r}: {why}\n", p.family));
    }
    if !p.deleted.is_empty() {
        out.push_str(&format!("{}\n", p.advice));
    }
    out
}

pub fn verify(a: VerifyArgs) -> Result<ExitCode, String> {
    runtime()?.block_on(async {
        let (family, revision) = target(&a.target)?;
        let (state, db) = state(&a.store, true, None).await?;
        let report = secrets::verify(&state, &family, revision).await;
        db.close().await;
        let report = report.map_err(|e| e.to_string())?;
        match a.format {
            Format::Json => print_json(&report)?,
            Format::Text => print!("{}", verify_text(&report)),
        }
        Ok(if report.count("fail") == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
    })
}

fn verify_text(r: &VerifyReport) -> String {
    let mut out = format!("Verify {}:{}\n", r.family, r.revision);
    for c in &r.checks {
        let mark = match c.result.as_str() {
            "pass" => "PASS",
            "fail" => "FAIL",
            _ => "NOT CHECKED",
        };
        out.push_str(&format!("  {mark:<12} {:<10} {}: {}\n", c.kind, c.subject, c.detail));
    }
    out.push_str(&format!(
        "{} passed, {} failed, {} not checked\n",
        r.count("pass"),
        r.count("fail"),
        r.count("not-checked")
    ));
    out
}
