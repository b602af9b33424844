//! `ecs-lens register FILE`: the step a deploy pipeline runs. Lints the file first: findings
//! that RegisterTaskDefinition would reject (`blocks_registration`) stop it, printed located
//! `file:line:column`, unless `--force`. Then registers the file's register input (tags kept)
//! as the family's next revision and prints the new revision's ARN on standard output (its
//! last component is the revision number), so `ARN=$(ecs-lens register td.json --source aws)`.
//!
//! `--dry-run` does everything but register: lint, the store's validation, and for
//! `--source aws` the conversion to the SDK's RegisterTaskDefinition request (which refuses a
//! field the SDK cannot carry) — without contacting ECS, and without creating the embedded store.
//!
//! Exit codes: 0 registered (or would be), 1 refused because of blocking findings, 2 the file
//! cannot be read, parsed or registered (located where possible).

use std::process::ExitCode;

use serde_json::Value;

use super::{display_path, load, print, store_error_at, Source, StoreArgs};
use crate::core::report::{self, FileReport};
use crate::core::rules;

#[derive(clap::Args, Debug)]
pub struct RegisterArgs {
    /// Task-definition file: register input or describe output (bare or wrapped); `-` reads stdin.
    #[arg(value_name = "FILE")]
    pub file: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Lint and validate (for --source aws, also build the SDK request), register nothing, and
    /// say what would be registered.
    #[arg(long)]
    pub dry_run: bool,
    /// Register even with findings RegisterTaskDefinition would reject (they are still printed).
    #[arg(long)]
    pub force: bool,
    /// A note for the new revision (why it exists, a ticket link): plain text, at most 500
    /// characters, kept in the ecs-lens database.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

pub fn run(args: RegisterArgs) -> Result<ExitCode, String> {
    if let Some(n) = &args.note {
        crate::store::notes::clean(n).map_err(|e| format!("--note: {e}"))?;
    }
    let doc = load(&args.file)?;
    let path = display_path(&args.file);

    // Lint: what AWS would reject stops the registration; the rest is only counted.
    let findings = rules::lint(&doc);
    let (blocking, other): (Vec<_>, Vec<_>) = findings.into_iter().partition(|f| f.blocks_registration);
    if !blocking.is_empty() {
        let blocked = [FileReport { path: path.to_string(), error: None, findings: blocking }];
        eprint!("{}", report::text(&blocked, use_color_stderr()));
        if !args.force {
            eprintln!(
                "ecs-lens: not registered: {} finding(s) in {path} would make RegisterTaskDefinition fail; fix them (`ecs-lens fix {path}`), or register anyway with --force",
                blocked[0].findings.len()
            );
            return Ok(ExitCode::from(1));
        }
        eprintln!(
            "ecs-lens: --force: registering despite {} finding(s) RegisterTaskDefinition may reject",
            blocked[0].findings.len()
        );
    }
    if !other.is_empty() {
        eprintln!("ecs-lens: {} other finding(s) in {path} (see `ecs-lens lint {path}`)", other.len());
    }

    // What the store would refuse, located in the file.
    let input = doc.register_input();
    crate::store::validate_register_input(&input).map_err(|e| store_error_at(&args.file, &doc, &e))?;
    let family = input.get("family").and_then(Value::as_str).unwrap_or_default().to_string();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        if args.dry_run {
            let target = match args.store.source {
                Source::Aws => {
                    // The request the store would send, built and checked (no request is made).
                    let store = super::aws_store(&args.store, args.store.region.first().cloned(), true).await?;
                    crate::store::aws::convert::register_request(store.client().register_task_definition(), &input)
                        .map_err(|e| store_error_at(&args.file, &doc, &e))?;
                    crate::store::TaskDefStore::source(&store)
                }
                Source::Local => {
                    format!("the embedded store under {}", args.store.data_dir.display())
                }
            };
            let containers = input.get("containerDefinitions").and_then(Value::as_array).map_or(0, Vec::len);
            let tags = input.get("tags").and_then(Value::as_array).map_or(0, Vec::len);
            print(&format!(
                "dry run: would register a new revision of family `{family}` ({containers} container definition(s), {tags} tag(s)) in {target}; nothing was registered\n"
            ))?;
            return Ok(ExitCode::SUCCESS);
        }
        let store = super::open_store(&args.store, false).await?;
        let by = crate::store::local_principal(crate::store::LOCAL_ACCOUNT);
        let result = store.register(&input, &by).await;
        if let Ok(d) = &result {
            super::mirror_families(&args.store, store.as_ref(), &[d.family().to_string()]).await;
        }
        store.close().await;
        let d = result.map_err(|e| store_error_at(&args.file, &doc, &e))?;
        record(&args, &d).await;
        let arn = if d.arn().is_empty() { d.family_revision() } else { d.arn().to_string() };
        print(&format!("{arn}\n"))?;
        eprintln!("ecs-lens: registered {} in {}", d.family_revision(), store.source());
        Ok(ExitCode::SUCCESS)
    })
}

fn use_color_stderr() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// Record the register in the audit trail of the ecs-lens database: always for the embedded
/// store (the database is there anyway), for Amazon ECS when --database-url is given or the
/// data directory exists (a pipeline's working directory does not get a database it did not
/// ask for). The user is `ECS_LENS_USER`, else `USER`, else `cli`.
async fn record(args: &RegisterArgs, d: &crate::store::DescribedTaskDefinition) {
    let location = args.store.database();
    let exists = match &location {
        crate::store::Location::DataDir(dir) => dir.is_dir(),
        crate::store::Location::Url(_) => true,
    };
    let source = match args.store.source {
        super::Source::Local => "local".to_string(),
        // A note asks for the database.
        super::Source::Aws if exists || args.note.is_some() => {
            let region = d.arn().split(':').nth(3).unwrap_or_default().to_string();
            format!("aws:{region}")
        }
        super::Source::Aws => return,
    };
    let user = std::env::var("ECS_LENS_USER").or_else(|_| std::env::var("USER")).unwrap_or_else(|_| "cli".into());
    let entry = crate::store::audit::NewAuditEntry {
        user,
        action: "register".into(),
        source,
        family: d.family().to_string(),
        revision: d.revision(),
        ..Default::default()
    };
    let recorded = match crate::store::audit::AuditLog::open(&location).await {
        Ok(log) => {
            let mut r = log.record(&entry).await.map(|_| ());
            if let (Some(note), true) = (&args.note, r.is_ok()) {
                let notes = crate::store::mirror::Mirror::on(log.database().clone()).notes();
                r = notes.set(&entry.source, &entry.family, entry.revision, note, &entry.user).await.map(|_| ());
                if r.is_ok() {
                    let noted = crate::store::audit::NewAuditEntry {
                        action: "note".into(),
                        changes: vec![format!("Note · {}", note.trim())],
                        ..entry.clone()
                    };
                    r = log.record(&noted).await.map(|_| ());
                }
            }
            log.close().await;
            r
        }
        Err(e) => Err(e),
    };
    if let Err(e) = recorded {
        eprintln!("ecs-lens: registered, but not recorded in the audit trail (nor its note): {e}");
    }
}
