//! The lint benchmark's comparison in instruction counts, which stay the same however busy
//! the machine is (criterion's wall times on a shared 2-core machine do not):
//!
//! ```sh
//! cargo build --release --example instructions
//! for m in serde parse fo fix; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/instructions $m 2>&1 | grep Collected
//! done
//! ```
//! `serde`: bare serde_json parse; `parse`: Document::parse (value + positions); `fo`: parse +
//! lint, findings only (the editor's keystroke); `fix`: parse + lint with fixes (`ecs-lens
//! lint`). Each runs the corpus 50 times.
#[path = "common/mod.rs"]
mod common;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use ecs_lens::core::{document::Document, lint_with, LintOptions};

fn main() {
    let texts = common::corpus_texts();
    let mode = std::env::args().nth(1).unwrap_or_default();
    let fo = LintOptions { skip_fixes: true, ..Default::default() };
    let all = LintOptions::default();
    for _ in 0..50 {
        for t in &texts {
            match mode.as_str() {
                "serde" => {
                    std::hint::black_box(serde_json::from_str::<serde_json::Value>(t).unwrap());
                }
                "parse" => {
                    std::hint::black_box(Document::parse(t.as_str()).unwrap());
                }
                "fo" => {
                    let d = Document::parse(t.as_str()).unwrap();
                    std::hint::black_box(lint_with(&d, &fo));
                }
                "fix" => {
                    let d = Document::parse(t.as_str()).unwrap();
                    std::hint::black_box(lint_with(&d, &all));
                }
                _ => {}
            }
        }
    }
}
