//! Rules of this category. Add a rule: one file here, one `mod` line, one entry in `RULES`.

use super::Rule;

pub static RULES: &[&(dyn Rule)] = &[];
