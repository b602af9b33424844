//! Lint throughput on a corpus of varied task definitions, beside the cost of a bare
//! `serde_json` parse of the same bytes (target: lint ≤ 3× the bare parse).
//!
//! `cargo bench --bench lint` prints both; the ratio is what the issue tracks.

// The allocator the ecs-lens binary ships with (src/main.rs), so the numbers are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use ecs_lens::core::{graph, lint, lint_with, Document, LintOptions};

fn corpus() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/corpus");
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("corpus directory")
        .filter_map(|e| {
            let p = e.ok()?.path();
            if p.extension()? != "json" {
                return None;
            }
            Some((p.file_name()?.to_string_lossy().into_owned(), std::fs::read_to_string(&p).ok()?))
        })
        .collect();
    files.sort();
    files
}

fn bench(c: &mut Criterion) {
    let files = corpus();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(BenchmarkId::new("serde_json_parse", files.len()), |b| {
        b.iter(|| {
            for (_, text) in &files {
                let v: serde_json::Value = serde_json::from_str(std::hint::black_box(text)).unwrap();
                std::hint::black_box(v);
            }
        })
    });
    group.bench_function(BenchmarkId::new("parse_and_lint", files.len()), |b| {
        b.iter(|| {
            for (_, text) in &files {
                let doc = Document::parse(std::hint::black_box(text.as_str())).unwrap();
                std::hint::black_box(lint(&doc));
            }
        })
    });
    // What the editor runs on every keystroke: findings, located, without building fixes
    // (a finding's fix is built when the user opens it: `rules::fix_for`).
    let findings_only = LintOptions { skip_fixes: true, ..LintOptions::default() };
    group.bench_function(BenchmarkId::new("parse_and_lint_findings_only", files.len()), |b| {
        b.iter(|| {
            for (_, text) in &files {
                let doc = Document::parse(std::hint::black_box(text.as_str())).unwrap();
                std::hint::black_box(lint_with(&doc, &findings_only));
            }
        })
    });
    // The lint alone on freshly parsed documents (parsing untimed): rules, the span index
    // that positions need (built lazily on first use), locating and sorting.
    group.bench_function(BenchmarkId::new("lint_only_findings_only", files.len()), |b| {
        b.iter_batched(
            || files.iter().map(|(_, t)| Document::parse(t.as_str()).unwrap()).collect::<Vec<_>>(),
            |docs| {
                for d in &docs {
                    std::hint::black_box(lint_with(d, &findings_only));
                }
                docs
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function(BenchmarkId::new("lint_only_with_fixes", files.len()), |b| {
        b.iter_batched(
            || files.iter().map(|(_, t)| Document::parse(t.as_str()).unwrap()).collect::<Vec<_>>(),
            |docs| {
                for d in &docs {
                    std::hint::black_box(lint(d));
                }
                docs
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function(BenchmarkId::new("parse_only", files.len()), |b| {
        b.iter(|| {
            for (_, text) in &files {
                std::hint::black_box(Document::parse(std::hint::black_box(text.as_str())).unwrap());
            }
        })
    });
    group.bench_function(BenchmarkId::new("graph_with_layout", files.len()), |b| {
        let docs: Vec<Document> = files.iter().map(|(_, t)| Document::parse(t.as_str()).unwrap()).collect();
        b.iter(|| {
            for d in &docs {
                std::hint::black_box(graph::build(d));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
