//! `ecs-lens sync`: bring the mirror up to date with every source — the embedded store, or each
//! (account, region) of --profile / --role-arn × --region — describing only revisions it has not
//! seen, then recording what the services run. A progress bar on a terminal; one summary line
//! per source at the end. Exit 0 when everything was synced, 2 with what failed otherwise (a
//! partial sync leaves a consistent mirror and the next run resumes).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::StoreArgs;
use crate::store::mirror::Mirror;
use crate::store::sync::{sync, SyncOptions};

#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// At most this many task definitions are described at once (per source).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub concurrency: u16,
    /// Never show the progress bar (it is only ever shown when standard error is a terminal).
    #[arg(long)]
    pub no_progress: bool,
}

pub fn run(args: SyncArgs) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: SyncArgs) -> Result<ExitCode, String> {
    let database = crate::store::Database::open(&args.store.database()).await.map_err(|e| e.to_string())?;
    let sources = super::open_stores(&args.store, true, Some(database.clone())).await?;
    let mirror = Mirror::on(database.clone());
    let options = SyncOptions { concurrency: usize::from(args.concurrency), ..Default::default() };
    let mut failed = Vec::new();
    for (label, store) in &sources {
        let key = crate::server::source_key(label);
        let bar = progress_bar(args.no_progress, &key);
        let on_progress = |done: u64, total: u64| {
            bar.set_length(total);
            bar.set_position(done);
        };
        let result = sync(store.as_ref(), &mirror, &key, options, &on_progress).await;
        bar.finish_and_clear();
        match result {
            Ok(report) => {
                println!("{}", report.summary());
                for f in &report.failed {
                    eprintln!("ecs-lens: {key}: {f}");
                }
                if !report.failed.is_empty() {
                    failed.push(format!("{key}: {} item(s) not synced", report.failed.len()));
                }
            }
            Err(e) => {
                eprintln!("ecs-lens: {key}: not synced, the mirror is as it was: {e}");
                failed.push(format!("{key}: {e}"));
            }
        }
        store.close().await;
    }
    database.close().await;
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("ecs-lens: sync incomplete: {}", failed.join("; "));
        Ok(ExitCode::from(2))
    }
}

fn progress_bar(disabled: bool, source: &str) -> ProgressBar {
    if disabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {bar:30} {pos}/{len} revisions described ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(format!("syncing {source}"));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
