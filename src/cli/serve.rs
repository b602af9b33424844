//! `ecs-lens serve`: wires the Leptos app (src/ui) into an axum server.

use std::net::SocketAddr;
use std::process::ExitCode;

use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

use crate::server::access::{check_exposure, check_same_origin, AccessConfig, RoleMap};
use crate::server::AppState;
use crate::ui::{shell, App};
use axum::response::IntoResponse;

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
    let database = match crate::store::Database::open(&args.store.database()).await {
        Ok(db) => Some(db),
        Err(e) if access.read_only && args.store.source == super::Source::Aws => {
            eprintln!("ecs-lens: no audit trail or drafts ({e}); read-only, so nothing would be recorded");
            None
        }
        Err(e) => {
            return Err(format!("{e} (task definitions, registers, deregisters and editors' drafts are kept there)"))
        }
    };
    if let Some(db) = &database {
        eprintln!("ecs-lens: audit trail and drafts in the {}", db.name());
    }
    let sources = super::open_stores(&args.store, args.read_only, database.clone()).await?;
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
    let mut state = AppState::new(sources.clone(), access);
    if let Some(db) = database {
        state = state
            .with_audit(crate::store::audit::AuditLog::on(db.clone()))
            .with_drafts(crate::store::drafts::Drafts::on(db));
    }
    let export_state = state.clone();
    let guard_state = state.access.clone();
    let app = Router::new()
        // Pages and server functions both see the application state as context.
        .leptos_routes_with_context(
            &options,
            routes,
            move || {
                provide_context(state.clone());
                // Runs inside the page's root owner: see crate::server::render.
                crate::server::render::adopt_current_owner();
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .route(
            "/audit/{file}",
            axum::routing::get(move |request: axum::http::request::Parts, path| {
                let state = export_state.for_request(&request);
                async move {
                    match state {
                        Ok(state) => crate::server::export::export(state, path).await,
                        Err(d) => (d.status, d.message).into_response(),
                    }
                }
            }),
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        // Every request: an identity (when identities come from a proxy) and, for anything
        // that can change something, the same origin.
        .layer(axum::middleware::from_fn_with_state(guard_state, guard));
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

/// Refuse, before any page or server function runs, a request without an identity and a
/// cross-site request that could change something.
async fn guard(
    axum::extract::State(access): axum::extract::State<std::sync::Arc<AccessConfig>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let checked = access
        .identify(request.headers())
        .and_then(|identity| check_same_origin(request.method(), request.headers()).map(|()| identity));
    let identity = match checked {
        Ok(identity) => identity,
        Err(d) => return (d.status, d.message).into_response(),
    };
    // Handlers read the identity from here instead of working it out again.
    let mut request = request;
    request.extensions_mut().insert(identity);
    // Bodies are read whole and bounded here, so that no handler sees more than MAX_BODY.
    let request = if matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD) {
        request
    } else {
        let (parts, body) = request.into_parts();
        match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(bytes) => axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes)),
            Err(_) => {
                return (
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the request body is larger than {} KiB (or was cut off)", MAX_BODY / 1024),
                )
                    .into_response()
            }
        }
    };
    match tokio::time::timeout(REQUEST_TIMEOUT, crate::server::render::scoped(next.run(request))).await {
        Ok(response) => response,
        Err(_) => (
            axum::http::StatusCode::GATEWAY_TIMEOUT,
            format!(
                "the request took longer than {} s; try again (the source may be slow or unreachable)",
                REQUEST_TIMEOUT.as_secs()
            ),
        )
            .into_response(),
    }
}

/// The largest request body accepted (a task definition is at most 64 KiB for ECS; a draft or
/// a lint request carries one).
const MAX_BODY: usize = 2 << 20;

/// How long one request may take (a scan of a slow account is a CLI job, not a page).
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
