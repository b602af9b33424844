//! ecs-lens: look at, fix and change Amazon ECS task definitions.
//!
//! Layers, lowest first (a lower layer never imports a higher one):
//! - [`core`]: the pure analysis core (model, rules, graph, diff, reports). No I/O; builds for wasm32.
//! - `cli` (feature `ssr`): the command line.
//! - `ui` (features `ssr`/`hydrate`): the Leptos dashboard.
pub mod core;

#[cfg(feature = "ssr")]
pub mod cli;

#[cfg(any(feature = "ssr", feature = "hydrate"))]
pub mod ui;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(ui::App);
}
