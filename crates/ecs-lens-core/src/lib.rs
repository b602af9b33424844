//! The pure analysis core: no I/O, no async, no AWS, no Leptos. Builds for wasm32 so
//! the browser editor lints with exactly the code the server and the CLI run.

pub mod diff;
pub mod document;
pub mod exposure;
pub mod finding;
pub mod fix;
pub mod graph;
pub mod history;
pub mod iam;
pub mod mask;
pub mod migration;
pub mod model;
pub mod report;
pub mod rules;
pub mod schema;
pub mod text;

pub use document::{Document, ParseError, Shape};
pub use finding::{Category, Finding, Fix, Severity};
pub use rules::{all_rules, lint, lint_with, LintOptions, Rule, RuleMeta};
