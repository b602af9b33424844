//! The Leptos dashboard: shell, router, navigation; pages in `pages`, components beside.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, Lazy};

pub mod api;
pub mod editor;
pub mod findings;
pub mod graph;
pub mod history;
pub mod json;
pub mod pages;
pub mod secrets;

use pages::{AuditRoute, AuditTrailRoute, CompareRoute, FamiliesPage, FamilyRoute, RevisionRoute};

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App/>
                {source_bar()}
            </body>
        </html>
    }
}

/// Where the task definitions come from, shown at the right of the header; with several AWS
/// regions configured, a switch among them, kept in a cookie so that every page and export
/// follows it. Rendered by the server only, after the hydrated app (hydration starts at the
/// body's first node), laid over the header, so none of it is in the WASM bundle; the switch
/// is one line of JS.
fn source_bar() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        let state = api::request_state().ok()?;
        let many = state.sources.len() > 1;
        // The server keeps the choice (`/switch-source`, as the compare page's links to another
        // source) and comes back to this page.
        let switch = "location.href='/switch-source?source='+encodeURIComponent(this.value)\
            +'&to='+encodeURIComponent(location.pathname+location.search)";
        Some(view! {
            <div class="pointer-events-none absolute inset-x-0 top-14 sm:top-0" data-testid="source">
                <div class="mx-auto flex h-9 max-w-7xl items-center gap-2 px-4 text-xs text-slate-400 sm:h-14 sm:justify-end sm:px-6">
                    <span class="pointer-events-auto min-w-0 max-w-md flex-1 truncate sm:flex-none" title=state.store.source()>{state.store.source()}</span>
                    <span class="pointer-events-auto rounded bg-slate-800 px-1.5 py-0.5 text-slate-200" data-testid="identity"
                        title="who you are here, and what you may do">
                        {format!("{} · {}", state.identity.user, state.identity.role.as_str())}
                    </span>
                    {many.then(|| view! {
                        <select class="pointer-events-auto rounded border border-slate-600 bg-slate-800 px-1.5 py-0.5 text-slate-100" aria-label="Region"
                            data-testid="source-switch" onchange=switch>
                            {state.sources.iter().map(|(label, _)| view! {
                                <option value=label.clone() selected=*label == state.source>{label.clone()}</option>
                            }).collect_view()}
                        </select>
                    })}
                </div>
            </div>
        })
    }
    #[cfg(not(feature = "ssr"))]
    {
        None::<()>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/ecs-lens.css"/>
        <Title text="ecs-lens"/>
        <Router>
            <Nav/>
            <main class="mx-auto max-w-7xl px-4 py-6 sm:px-6 sm:py-8">
                <Routes fallback=|| view! {
                    <div class="rounded-lg border border-slate-200 bg-white p-8 text-center">
                        <h1 class="text-xl font-semibold">"Page not found"</h1>
                        <p class="mt-2 text-sm text-slate-500"><a class="text-sky-700 hover:underline" href="/">"Back to the task definitions"</a></p>
                    </div>
                }>
                    <Route path=path!("/") view=FamiliesPage/>
                    <Route path=path!("/families/:family") view={Lazy::<FamilyRoute>::new()}/>
                    <Route path=path!("/families/:family/exposure") view={Lazy::<secrets::ExposureRoute>::new()}/>
                    <Route path=path!("/families/:family/history") view={Lazy::<history::HistoryRoute>::new()}/>
                    <Route path=path!("/families/:family/prune") view={Lazy::<history::PruneRoute>::new()}/>
                    <Route path=path!("/families/:family/:revision") view={Lazy::<RevisionRoute>::new()}/>
                    <Route path=path!("/families/:family/:revision/edit") view={Lazy::<editor::EditRoute>::new()}/>
                    <Route path=path!("/families/:family/:revision/migrate") view={Lazy::<secrets::MigrateRoute>::new()}/>
                    <Route path=path!("/families/:family/:revision/verify") view={Lazy::<secrets::VerifyRoute>::new()}/>
                    <Route path=path!("/compare") view={Lazy::<CompareRoute>::new()}/>
                    <Route path=path!("/compare/:family/:a/:b") view={Lazy::<CompareRoute>::new()}/>
                    <Route path=path!("/audit") view={Lazy::<AuditRoute>::new()}/>
                    <Route path=path!("/audit-log") view={Lazy::<AuditTrailRoute>::new()}/>
                </Routes>
            </main>
        </Router>
    }
}

/// When the mirror was synced, or how far the sync is, or since when it is stale; and, for
/// editors, a Refresh (a plain form: it works before the page hydrates).
#[component]
fn SyncLine() -> impl IntoView {
    let status = Resource::new(|| (), |_| api::sync_status());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let s = status.await.ok()?;
                let (style, text) = if s.stale {
                    ("bg-amber-100 text-amber-900", format!("Stale since {}: {}", s.synced_at.clone().unwrap_or_else(|| "never".into()), s.error.clone().unwrap_or_default()))
                } else if s.state == "syncing" {
                    ("bg-sky-50 text-sky-900", if s.total > 0 { format!("Syncing: {} of {} revisions described…", s.done, s.total) } else { "Syncing…".to_string() })
                } else if let Some(at) = &s.synced_at {
                    ("bg-slate-100 text-slate-600", format!("Synced {at}"))
                } else {
                    ("bg-slate-100 text-slate-600", "Not synced yet".to_string())
                };
                let title = text.clone();
                Some(view! {
                    <div class=format!("border-b border-slate-200 text-xs {style}") data-testid="sync-line" data-state=s.state.clone()>
                        <div class="mx-auto flex max-w-7xl items-center justify-between gap-3 px-4 py-1 sm:px-6">
                            <span class="min-w-0 truncate" title=title>{text}</span>
                            {s.can_refresh.then(|| view! {
                                <form method="post" action="/api/refresh" class="shrink-0">
                                    <button type="submit" class="rounded border border-slate-300 bg-white px-2 py-0.5 font-medium text-slate-700 hover:bg-slate-50" data-testid="refresh">"Refresh"</button>
                                </form>
                            })}
                        </div>
                    </div>
                })
            })}
        </Suspense>
    }
}

#[component]
fn Nav() -> impl IntoView {
    let link = "rounded-md px-2 py-1.5 text-sm font-medium sm:px-3 text-slate-300 hover:bg-slate-800 hover:text-white aria-[current=page]:bg-slate-800 aria-[current=page]:text-white";
    view! {
        // On a phone the source bar (laid over the header, see `source_bar`) takes a second row.
        <header class="bg-slate-900 pb-9 sm:pb-0">
            <div class="mx-auto flex h-14 max-w-7xl items-center gap-3 px-4 sm:gap-6 sm:px-6">
                <A href="/" attr:class="flex shrink-0 items-center gap-2 text-white" attr:aria-label="ecs-lens">
                    <img src="/favicon.svg" alt="" class="h-6 w-6"/>
                    <span class="hidden text-lg font-bold tracking-tight sm:inline">"ecs-lens"</span>
                </A>
                <nav class="flex min-w-0 gap-0.5 whitespace-nowrap sm:gap-1">
                    <A href="/" exact=true attr:class=link>"Task definitions"</A>
                    <A href="/audit" exact=true attr:class=link>"Audit"</A>
                    <A href="/audit-log" attr:class=link>"Audit log"</A>
                </nav>
            </div>
        </header>
        <SyncLine/>
    }
}
