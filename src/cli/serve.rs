//! `ecs-lens serve`: wires the Leptos app (src/ui) into an axum server.

use std::net::SocketAddr;
use std::process::ExitCode;

use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

use crate::server::AppState;
use crate::ui::{shell, App};

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub store: super::StoreArgs,
    /// Show the task definitions but refuse to register or deregister any.
    #[arg(long)]
    pub read_only: bool,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            store: super::StoreArgs::default(),
            read_only: false,
        }
    }
}

/// Leptos options: from cargo-leptos's environment when it runs us, else the defaults
/// this repository's `[package.metadata.leptos]` uses (site in target/site).
fn leptos_options(bind: SocketAddr) -> LeptosOptions {
    let from_env = std::env::var_os("LEPTOS_OUTPUT_NAME").is_some();
    let mut options = if from_env { get_configuration(None).map(|c| c.leptos_options).ok() } else { None }
        .unwrap_or_else(|| {
            LeptosOptions::builder()
                .output_name("ecs-lens")
                .site_root(std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()))
                .site_pkg_dir("pkg")
                .build()
        });
    // An explicit --bind wins over cargo-leptos's site-addr unless it is the default.
    if !from_env || bind != ServeArgs::default().bind {
        options.site_addr = bind;
    }
    options
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
    let sources = super::open_stores(&args.store, args.read_only).await?;
    for (label, store) in sources.iter() {
        eprintln!(
            "ecs-lens: task definitions from {}{}{}",
            store.source(),
            if store.is_read_only() { " (read-only)" } else { "" },
            if sources.len() > 1 { format!(" [{label}]") } else { String::new() }
        );
    }
    let options = leptos_options(args.bind);
    let addr = options.site_addr;
    let routes = generate_route_list(App);
    let state = AppState::new(sources.clone(), args.read_only);
    let export_state = state.clone();
    let app = Router::new()
        // Pages and server functions both see the application state as context.
        .leptos_routes_with_context(&options, routes, move || provide_context(state.clone()), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .route(
            "/audit/{file}",
            axum::routing::get(move |headers: axum::http::HeaderMap, path| {
                let cookies = headers.get(axum::http::header::COOKIE).and_then(|v| v.to_str().ok());
                crate::server::export::export(export_state.for_cookies(cookies), path)
            }),
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options);
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
