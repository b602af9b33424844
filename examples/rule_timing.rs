//! Where lint time goes: per-rule cost over the benchmark corpus (release build).
//! `cargo run --release --example rule_timing`
use std::time::Instant;

#[path = "common/mod.rs"]
mod common;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use ecs_lens::core::document::Document;
use ecs_lens::core::model::TaskDef;
use ecs_lens::core::rules::{all_rules, Context};

fn main() {
    let texts = common::corpus_texts();
    let docs: Vec<Document> = texts.iter().map(|t| Document::parse(t.as_str()).unwrap()).collect();
    let iters = 300;
    let t = Instant::now();
    for _ in 0..iters {
        for d in &docs {
            std::hint::black_box(TaskDef::new(d));
        }
    }
    println!("{:>9.1} µs  TaskDef::new", t.elapsed().as_secs_f64() * 1e6 / iters as f64);
    let fixes = std::env::var_os("NO_FIXES").is_none();
    let contexts: Vec<Context> = docs.iter().map(|d| Context::new(d, fixes)).collect();
    let mut rows = Vec::new();
    for rule in all_rules() {
        let t = Instant::now();
        for _ in 0..iters {
            for cx in &contexts {
                let mut out = Vec::new();
                rule.check(cx, &mut out);
                std::hint::black_box(out);
            }
        }
        rows.push((t.elapsed().as_secs_f64() * 1e6 / iters as f64, rule.meta().id));
    }
    rows.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    let total: f64 = rows.iter().map(|r| r.0).sum();
    for (us, id) in rows.iter().take(15) {
        println!("{us:>9.1} µs  {id}");
    }
    println!("{total:>9.1} µs  total");
    if let Some(prefix) = std::env::args().nth(1) {
        println!("--- rules starting with {prefix}:");
        for (us, id) in rows.iter().filter(|r| r.1.starts_with(&prefix)) {
            println!("{us:>9.1} µs  {id}");
        }
    }
}
