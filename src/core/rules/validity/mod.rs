//! What RegisterTaskDefinition would reject (`VAL…`). One file per rule.

use super::Rule;

mod no_essential_container;

pub static RULES: &[&(dyn Rule)] = &[&no_essential_container::NoEssentialContainer];
