//! `ecs-lens serve`: wires the Leptos app (src/ui) into an axum server.

use std::net::SocketAddr;
use std::process::ExitCode;

use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

use crate::server::access::{check_exposure, AccessConfig, RoleMap};
use crate::server::AppState;
use crate::ui::{shell, App};

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    /// (Default: Leptos.toml's `site-addr`.)
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub store: super::StoreArgs,
    /// Show the task definitions but refuse to register or deregister any: everyone is a viewer.
    #[arg(long)]
    pub read_only: bool,
    /// The request header a trusted authenticating proxy puts the user in (e.g.
    /// `X-Forwarded-Email` behind oauth2-proxy, `X-Amzn-Oidc-Identity` behind an ALB). Requests
    /// without it are refused; roles come from --access-config.
    #[arg(long, value_name = "HEADER", env = "ECS_LENS_TRUST_HEADER")]
    pub trust_header: Option<String>,
    /// The header with the user's groups, comma-separated (e.g. `X-Forwarded-Groups`).
    #[arg(long, value_name = "HEADER", env = "ECS_LENS_GROUPS_HEADER", requires = "trust_header")]
    pub groups_header: Option<String>,
    /// Users and groups → roles, JSON: {"users": {"alice@example.com": "editor"}, "groups":
    /// {"platform": "editor"}, "default": "viewer"} — a file, or the JSON itself when it starts
    /// with `{` (handy in a container's environment).
    #[arg(long, value_name = "FILE|JSON", env = "ECS_LENS_ACCESS_CONFIG", requires = "trust_header")]
    pub access_config: Option<std::path::PathBuf>,
    /// Serve editing beyond loopback without identities (anyone who can reach the port edits).
    #[arg(long)]
    pub allow_unauthenticated_editing: bool,
    /// How often the mirror is synced with the sources, in seconds (also at start, and when an
    /// editor presses Refresh). Pages always serve the mirror at once.
    #[arg(long, value_name = "SECONDS", default_value_t = 300, env = "ECS_LENS_SYNC_INTERVAL")]
    pub sync_interval: u64,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            bind: crate::server::site::DEFAULT_BIND,
            store: super::StoreArgs::default(),
            read_only: false,
            trust_header: None,
            groups_header: None,
            access_config: None,
            allow_unauthenticated_editing: false,
            sync_interval: 300,
        }
    }
}

pub fn run(args: ServeArgs) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> Result<ExitCode, String> {
    // The task definitions the dashboard shows: the embedded store, or Amazon ECS in each
    // --region (the dashboard switches among them).
    let access = access_config(&args)?;
    check_exposure(args.bind, &access, args.allow_unauthenticated_editing)?;
    // One ecs-lens database (one pool, one migration run) for the embedded store, the audit
    // trail and the drafts: the SQLite file under --data-dir, or --database-url's PostgreSQL.
    // One ecs-lens database (one pool, one migration run) for the mirror, the embedded store,
    // the audit trail and the drafts: the SQLite file under --data-dir, or --database-url's
    // PostgreSQL (shared by replicas).
    let database = crate::store::Database::open(&args.store.database()).await.map_err(|e| {
        format!("{e} (the mirror of the task definitions, the audit trail and editors' drafts are kept there)")
    })?;
    eprintln!("ecs-lens: mirror, audit trail and drafts in the {}", database.name());
    let sources = super::open_stores(&args.store, args.read_only, Some(database.clone())).await?;
    for (label, store) in sources.iter() {
        eprintln!(
            "ecs-lens: task definitions from {}{}{}",
            store.source(),
            if store.is_read_only() { " (read-only)" } else { "" },
            if sources.len() > 1 { format!(" [{label}]") } else { String::new() }
        );
    }
    let options = crate::server::site::leptos_options(args.bind)?;
    let addr = options.site_addr;
    // Before leptos_axum would install plain tokio: see crate::server::render.
    crate::server::render::TrackingExecutor::install();
    let routes = generate_route_list(App);
    let mirror = crate::store::mirror::Mirror::on(database.clone());
    let syncer = crate::server::syncer::Syncer::start(
        mirror.clone(),
        sources.iter().map(|(label, store)| (crate::server::source_key(label), store.clone())).collect(),
        std::time::Duration::from_secs(args.sync_interval.max(1)),
    );
    let state = AppState::new(sources.clone(), access, mirror)
        .with_syncer(syncer)
        .with_audit(crate::store::audit::AuditLog::on(database.clone()))
        .with_drafts(crate::store::drafts::Drafts::on(database));
    // The pages and server functions (the UI, mounted here: the server layer knows nothing of
    // it), inside the server layer's router: exports and the request guard.
    let pages = Router::new()
        // Pages and server functions both see the application state as context.
        .leptos_routes_with_context(
            &options,
            routes,
            {
                let state = state.clone();
                move || {
                    provide_context(state.clone());
                    // Runs inside the page's root owner: see crate::server::render.
                    crate::server::render::adopt_current_owner();
                }
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell));
    let app = crate::server::router::router(state, options, pages, crate::server::router::Limits::default());
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    eprintln!("ecs-lens: dashboard on http://{addr}");
    axum::serve(listener, app.into_make_service())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("server error: {e}"))?;
    for (_, store) in sources.iter() {
        store.close().await;
    }
    Ok(ExitCode::SUCCESS)
}

/// The access settings from the flags (the role map read and checked now, not per request).
fn access_config(args: &ServeArgs) -> Result<AccessConfig, String> {
    let roles = match &args.access_config {
        Some(inline) if inline.to_string_lossy().trim_start().starts_with('{') => {
            RoleMap::parse(&inline.to_string_lossy()).map_err(|e| format!("--access-config: {e}"))?
        }
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            RoleMap::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => RoleMap::default(),
    };
    Ok(AccessConfig {
        trust_header: args.trust_header.as_ref().map(|h| h.to_ascii_lowercase()),
        groups_header: args.groups_header.as_ref().map(|h| h.to_ascii_lowercase()),
        roles,
        read_only: args.read_only,
    })
}
