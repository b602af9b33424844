//! ecs-lens: look at, fix and change Amazon ECS task definitions.
//!
//! Layers, lowest first (a lower layer never imports a higher one):
//! - [`core`]: the pure analysis core (model, rules, graph, diff, reports). No I/O; builds for wasm32.
//! - `store` (feature `ssr`): task-definition stores (embedded SQLite; Amazon ECS later).
//! - `server` (feature `ssr`): application state and what the server functions run.
//! - `cli` (feature `ssr`): the command line and the `serve` wiring.
//! - `ui` (features `ssr`/`hydrate`): the Leptos dashboard.
// Leptos views nest deeply in their types (the findings list); the hydrate release build needs more room.
#![recursion_limit = "256"]
pub mod core;

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
    leptos::mount::hydrate_body(ui::App);
    // A signal for people and tests that the page now reacts (clicks before this are lost).
    let _ = js_sys::Reflect::set(&leptos::prelude::window(), &"__ecsLensHydrated".into(), &true.into());
}

/// The browser's linter as a plain function (the editor page uses the same code through
/// its CodeMirror lint source): JSON `{"error": …|null, "findings": […]}` for a text.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn lint_json(text: &str) -> String {
    serde_json::to_string(&ui::editor::lint_text(text)).unwrap_or_default()
}
