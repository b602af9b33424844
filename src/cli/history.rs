//! `ecs-lens history` (what each revision changed, filtered to a container or a key path) and
//! `ecs-lens note` (a revision's note): the command line of the service layer's history and
//! notes, from the mirror of the first source.

use std::process::ExitCode;

use super::secrets::{runtime, state, state_all, Format};
use super::StoreArgs;
use crate::core::history::Filter;

#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    pub family: String,
    /// Only changes inside this container.
    #[arg(long)]
    pub container: Option<String>,
    /// Only changes at or under this key path (`DD_API_KEY`, `image`, `environment.LOG_LEVEL`).
    #[arg(long)]
    pub path: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(clap::Args, Debug)]
pub struct NoteArgs {
    /// `[SOURCE:]FAMILY:REVISION`; SOURCE is a source's label (`local`, a region, `account/region`).
    pub target: String,
    /// The note (plain text, at most 500 characters); empty removes it.
    pub text: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn history(a: HistoryArgs) -> Result<ExitCode, String> {
    runtime()?.block_on(async {
        let (state, db) = state(&a.store, true, None).await?;
        let filter = Filter { container: a.container.clone(), path: a.path.clone() };
        let h = crate::server::service::history(&state, &a.family, &filter, None).await;
        db.close().await;
        let h = h.map_err(|e| e.to_string())?;
        match a.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&h).map_err(|e| e.to_string())?),
            Format::Text => {
                let mut out = String::new();
                if h.revisions.is_empty() {
                    out.push_str("no revision changed that\n");
                }
                for r in &h.revisions {
                    let by =
                        if r.registered_by.is_empty() { String::new() } else { format!(" by {}", r.registered_by) };
                    out.push_str(&format!("{}:{}  {}  {}{by}\n", h.family, r.revision, r.status, r.registered_at));
                    if let Some(n) = &r.note {
                        out.push_str(&format!("    note: {n}\n"));
                    }
                    if r.first {
                        out.push_str("    (the first revision ecs-lens has)\n");
                    }
                    for c in &r.changes {
                        let show = |v: &Option<serde_json::Value>| match v {
                            None => "—".to_string(),
                            Some(serde_json::Value::String(s)) => s.clone(),
                            Some(o) => o.to_string(),
                        };
                        out.push_str(&format!(
                            "    {} {}: {} → {}\n",
                            c.kind,
                            c.path.join(" › "),
                            show(&c.before),
                            show(&c.after)
                        ));
                    }
                }
                print!("{out}");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn note(a: NoteArgs) -> Result<ExitCode, String> {
    let target = crate::shared::RevisionRef::parse(&a.target)?;
    let revision =
        target.revision.ok_or_else(|| format!("`{}`: a note is on one revision: give its number", a.target))?;
    let (family, source) = (target.family.as_str(), Some(target.source.clone()).filter(|s| !s.is_empty()));
    runtime()?.block_on(async {
        let (state, db) = state(&a.store, false, source.as_deref()).await?;
        let r = crate::server::service::set_note(&state, family, revision, &a.text).await;
        db.close().await;
        let text = r.map_err(|e| e.to_string())?;
        if text.is_empty() {
            eprintln!("ecs-lens: removed the note of {family}:{revision}");
        } else {
            eprintln!("ecs-lens: noted {family}:{revision} in {}", state.source_name());
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `ecs-lens diff` with a revision on either side: each revision is read from the mirror of its
/// source, its family brought up to date first (from the mirror alone, with a warning, when the
/// source cannot be reached); a file is masked and fingerprinted as the mirror does. Returns the
/// diff and a header naming both sides.
pub(super) fn diff_revisions(
    args: &StoreArgs,
    [(a, arg_a), (b, arg_b)]: [(super::DiffSide, &String); 2],
) -> Result<(crate::core::diff::Diff, String), String> {
    use crate::server::service::{self, Compared};
    async fn read(state: &crate::server::AppState, side: super::DiffSide, arg: &str) -> Result<Compared, String> {
        match side {
            super::DiffSide::File(doc) => service::compared_document(state, &doc, arg).await.map_err(|e| e.to_string()),
            super::DiffSide::Revision(r) => {
                let warn =
                    |e: &crate::store::StoreError| eprintln!("ecs-lens: {r}: comparing what the mirror has ({e})");
                service::compared_revision(state, &r, true, &warn).await.map_err(|e| format!("{r}: {e}"))
            }
        }
    }
    // A file has no revision: it is named as it was given.
    let label = |c: &Compared, arg: &str| if c.side.revision == 0 { arg.to_string() } else { c.side.title(true) };
    runtime()?.block_on(async {
        let (state, db) = state_all(args, true).await?;
        let both = async {
            let a = read(&state, a, arg_a).await?;
            let b = read(&state, b, arg_b).await?;
            Ok::<_, String>((a.diff(&b), format!("--- {}\n+++ {}\n\n", label(&a, arg_a), label(&b, arg_b))))
        };
        let out = both.await;
        db.close().await;
        out
    })
}

#[derive(clap::Args, Debug)]
pub struct PruneArgs {
    /// The family to prune (or --all).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub family: Option<String>,
    /// Every family of the source.
    #[arg(long)]
    pub all: bool,
    /// Keep the newest N ACTIVE revisions (every revision a service runs is kept too).
    #[arg(long, default_value_t = 5)]
    pub keep: u32,
    /// Only revisions registered more than DAYS days ago.
    #[arg(long, value_name = "DAYS")]
    pub older_than: Option<u32>,
    /// Delete INACTIVE revisions too, and those deregistered now (10 per DeleteTaskDefinitions call).
    #[arg(long)]
    pub delete: bool,
    /// Show the plan; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before changing anything.
    #[arg(long)]
    pub yes: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub store: StoreArgs,
}

fn plan_text(p: &crate::server::hygiene::PrunePlan) -> String {
    let list = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    let verb = if p.done { "" } else { "would " };
    let mut out = String::new();
    if p.deregister.is_empty() && p.delete.is_empty() {
        out.push_str(&format!("{}: nothing to prune\n", p.family));
    }
    if !p.deregister.is_empty() {
        out.push_str(&format!("{}: {verb}deregister {}\n", p.family, list(&p.deregister)));
    }
    if !p.delete.is_empty() {
        out.push_str(&format!("{}: {verb}delete {}\n", p.family, list(&p.delete)));
    }
    for (r, why) in &p.kept {
        out.push_str(&format!("  keeps {}:{r}: {why}\n", p.family));
    }
    for (r, why) in &p.failed {
        out.push_str(&format!("  failed {}:{r}: {why}\n", p.family));
    }
    out
}

pub fn prune(a: PruneArgs) -> Result<ExitCode, String> {
    use crate::server::hygiene;
    runtime()?.block_on(async {
        let (state, db) = state(&a.store, a.dry_run, None).await?;
        let options = hygiene::PruneOptions { keep: a.keep, older_than_days: a.older_than, delete: a.delete };
        let families: Vec<String> = match &a.family {
            Some(f) => vec![f.clone()],
            None => {
                crate::store::sync::sync(
                    state.store.as_ref(),
                    &state.mirror,
                    &state.source_name(),
                    Default::default(),
                    &|_, _| {},
                )
                .await
                .map_err(|e| e.to_string())?;
                state.mirror.family_names(&state.source_name()).await.map_err(|e| e.to_string())?
            }
        };
        let mut plans = Vec::new();
        for f in &families {
            plans.push(hygiene::plan(&state, f, &options).await.map_err(|e| e.to_string())?);
        }
        let changes: usize = plans.iter().map(|p| p.deregister.len() + p.delete.len()).sum();
        let show = |plans: &[hygiene::PrunePlan]| -> Result<(), String> {
            match a.format {
                Format::Json => println!("{}", serde_json::to_string_pretty(plans).map_err(|e| e.to_string())?),
                Format::Text => print!(
                    "{}",
                    plans
                        .iter()
                        .filter(|p| !p.deregister.is_empty() || !p.delete.is_empty() || a.family.is_some())
                        .map(plan_text)
                        .collect::<String>()
                ),
            }
            Ok(())
        };
        if a.dry_run || changes == 0 {
            show(&plans)?;
            db.close().await;
            return Ok(ExitCode::SUCCESS);
        }
        if !a.yes {
            print!("{}", plans.iter().map(plan_text).collect::<String>());
            if !super::secrets::confirm(&format!("Prune {changes} revision action(s) in {} family(ies)?", plans.len()))?
            {
                eprintln!("ecs-lens: nothing pruned");
                db.close().await;
                return Ok(ExitCode::from(1));
            }
        }
        let mut done = Vec::new();
        for f in &families {
            done.push(hygiene::prune(&state, f, &options).await.map_err(|e| e.to_string())?);
        }
        db.close().await;
        show(&done)?;
        Ok(if done.iter().all(|p| p.failed.is_empty()) { ExitCode::SUCCESS } else { ExitCode::from(2) })
    })
}
