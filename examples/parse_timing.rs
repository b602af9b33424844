//! Where lint time goes, phase by phase, over the benchmark corpus (release build):
//! `cargo run --release --example parse_timing`
use std::time::Instant;

#[path = "common/mod.rs"]
mod common;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use ecs_lens::core::document::Document;
use ecs_lens::core::model::TaskDef;
use ecs_lens::core::rules::{all_rules, locate_all, Context};

fn main() {
    let texts = common::corpus_texts();
    let docs: Vec<Document> = texts.iter().map(|t| Document::parse(t.as_str()).unwrap()).collect();
    let iters = 1000;
    let time = |name: &str, f: &dyn Fn()| {
        let t = Instant::now();
        for _ in 0..iters {
            f()
        }
        println!("{:>8.1} µs {name}", t.elapsed().as_secs_f64() * 1e6 / iters as f64);
    };
    time("serde_json::from_str", &|| {
        for t in &texts {
            std::hint::black_box(serde_json::from_str::<serde_json::Value>(t).unwrap());
        }
    });
    time("Document::parse", &|| {
        for t in &texts {
            std::hint::black_box(Document::parse(t.as_str()).unwrap());
        }
    });
    time("Document::parse + a first locate", &|| {
        for t in &texts {
            let d = Document::parse(t.as_str()).unwrap();
            std::hint::black_box(d.locate("/family"));
        }
    });
    time("jsonc-parser scanner alone (strict options)", &|| {
        let options = ecs_lens::core::document::strict_scanner();
        for t in &texts {
            let mut s = jsonc_parser::Scanner::new(t, &options);
            while let Ok(Some(tok)) = s.scan() {
                std::hint::black_box((&tok, s.token_start(), s.token_end()));
            }
        }
    });
    time("TaskDef::new", &|| {
        for d in &docs {
            std::hint::black_box(TaskDef::new(d));
        }
    });
    time("all rules (with fixes)", &|| {
        for d in &docs {
            let cx = Context::new(d, true);
            let mut out = Vec::new();
            for r in all_rules() {
                r.check(&cx, &mut out);
            }
            std::hint::black_box(out);
        }
    });
    time("all rules (findings only)", &|| {
        for d in &docs {
            let cx = Context::new(d, false);
            let mut out = Vec::new();
            for r in all_rules() {
                r.check(&cx, &mut out);
            }
            std::hint::black_box(out);
        }
    });
    let findings: Vec<_> = docs.iter().map(ecs_lens::core::lint).collect();
    time("locate_all", &|| {
        for (d, f) in docs.iter().zip(&findings) {
            let mut f = f.clone();
            locate_all(d, &mut f);
            std::hint::black_box(f);
        }
    });
    time("clone findings (baseline for locate_all)", &|| {
        for f in &findings {
            std::hint::black_box(f.clone());
        }
    });
}
