//! ecs-lens: look at, fix and change Amazon ECS task definitions.
//!
//! Layers, lowest first (a lower layer never imports a higher one):
//! - [`core`]: the pure analysis core, its own crate `ecs-lens-core` (crates/ecs-lens-core):
//!   model, rules, graph, diff, masking, reports. No I/O; builds for wasm32.
//! - `store` (feature `ssr`): task-definition stores (embedded in SQLite or PostgreSQL, Amazon
//!   ECS) and the ecs-lens database (audit trail, drafts).
//! - `server` (feature `ssr`): configuration, identity and roles, the request guard, rendering and
//!   the service layer that pages, exports and CLI commands ask.
//! - [`shared`]: the data shapes the server sends and the pages show (both builds).
//! - `ui` (features `ssr`/`hydrate`): the Leptos dashboard; its server functions call `server`.
//! - `cli` (feature `ssr`): the command line and the `serve` wiring (mounts `ui` on `server`).
// Leptos views nest deeply in their types (the findings list); the hydrate release build needs more room.
#![recursion_limit = "256"]
/// The pure analysis core (the `ecs-lens-core` crate), under the name the app has always used.
pub use ecs_lens_core as core;

/// The shapes pages receive, for server and browser (and how filters live in URLs).
pub mod shared;

#[cfg(feature = "ssr")]
pub mod store;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "ssr")]
pub mod cli;

#[cfg(any(feature = "ssr", feature = "hydrate"))]
pub mod ui;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Like `leptos::mount::hydrate_lazy` (a page rendered with a lazy route, the editor,
    // hydrates once its chunk is in), then a signal for people and tests that the page now
    // reacts (clicks before this are lost).
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let owner = leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), ui::App).await;
        owner.forget();
        let window = leptos::prelude::window();
        let _ = js_sys::Reflect::set(&window, &"__ecsLensHydrated".into(), &true.into());
        // When (ms since navigation start) the page became interactive: end2end/measure-ui.mjs.
        if let Ok(now) = js_sys::Reflect::get(&window, &"performance".into())
            .and_then(|p| js_sys::Reflect::get(&p, &"now".into()).map(|f| (p, f)))
            .and_then(|(p, f)| js_sys::Function::from(f).call0(&p))
        {
            let _ = js_sys::Reflect::set(&window, &"__ecsLensHydratedAt".into(), &now);
        }
    });
}
