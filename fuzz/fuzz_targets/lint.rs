//! The linter and the fixer on any parsable text: no panic; the findings-only lint (the
//! editor's keystroke) reports exactly the findings of the full lint; every finding is located
//! inside the text; a fix built on demand is the full lint's fix (the same fix, not only "a fix");
//! applying every fix ends with every patch applied, and the result is a fixed point (fixing it
//! again changes nothing).
#![no_main]

use ecs_lens_core::document::Document;
use ecs_lens_core::fix::apply_fixes;
use ecs_lens_core::rules::{fix_for, lint_with, LintOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(doc) = Document::parse(text) else { return };
    let full = lint_with(&doc, &LintOptions::default());
    let quick = lint_with(&doc, &LintOptions { skip_fixes: true, ..LintOptions::default() });
    let key = |f: &ecs_lens_core::finding::Finding| (f.rule.clone(), f.pointer.clone(), f.message.clone(), f.line, f.column);
    assert_eq!(full.iter().map(key).collect::<Vec<_>>(), quick.iter().map(key).collect::<Vec<_>>());
    let lines = text.split('\n').count() as u32;
    for (f, q) in full.iter().zip(&quick) {
        assert!(f.line >= 1 && f.line <= lines && f.end_line >= f.line && f.end_line <= lines, "{} located in the text", f.rule);
        assert!(q.fix.is_none(), "findings-only carries no fix");
        assert_eq!(fix_for(&doc, q), f.fix, "{} at {}: fix on demand", f.rule, f.pointer);
    }
    let fixed = apply_fixes(&doc, &LintOptions::default(), true);
    assert!(fixed.failed.is_empty(), "every fix the linter offered applied: {:?}", fixed.failed);
    let again = Document::from_value(&fixed.value);
    let twice = apply_fixes(&again, &LintOptions::default(), true);
    assert!(
        twice.applied.is_empty() && twice.value == fixed.value,
        "fixing a fixed document changes nothing, but it applied {:?}",
        twice.applied.iter().map(|a| &a.rule).collect::<Vec<_>>()
    );
});
