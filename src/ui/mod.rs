//! The Leptos dashboard. (A first page; the full dashboard builds on it.)

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::StaticSegment;

use crate::core::rules::all_rules;

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
            <body class="bg-slate-50 text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/ecs-lens.css"/>
        <Title text="ecs-lens"/>
        <Router>
            <Routes fallback=|| view! { <p class="p-8">"Page not found."</p> }.into_view()>
                <Route path=StaticSegment("") view=Home/>
            </Routes>
        </Router>
    }
}

#[component]
fn Home() -> impl IntoView {
    let rule_count = all_rules().count();
    let (checked, set_checked) = signal(false);
    view! {
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto max-w-6xl px-6 py-4 flex items-center gap-3">
                <span class="text-xl font-bold tracking-tight">"ecs-lens"</span>
                <span class="text-sm text-slate-500">"Amazon ECS task definitions, looked at closely"</span>
            </div>
        </header>
        <main class="mx-auto max-w-6xl px-6 py-10">
            <h1 class="text-2xl font-semibold">"Dashboard"</h1>
            <p class="mt-2 text-slate-600" data-testid="rule-count">
                {format!("{rule_count} rules loaded.")}
            </p>
            <button
                class="mt-6 rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700"
                data-testid="hydration-probe"
                on:click=move |_| set_checked.set(true)
            >
                {move || if checked.get() { "Interactive" } else { "Check interactivity" }}
            </button>
        </main>
    }
}
