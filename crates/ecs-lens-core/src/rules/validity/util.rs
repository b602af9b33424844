//! Small helpers shared by the validity rules.

use crate::finding::Finding;
use crate::model::{Container, TaskDef};
use crate::rules::RuleMeta;
use crate::schema::Path;

/// The container a schema path is inside.
pub fn container_at<'t, 'a>(td: &'t TaskDef<'a>, path: &Path<'_>) -> Option<&'t Container<'a>> {
    let i = path.container_index()?;
    td.containers.iter().find(|c| c.index == i)
}

/// A finding at a schema path, attached to its container when it is inside one.
pub fn finding_at(meta: &RuleMeta, td: &TaskDef<'_>, path: &Path<'_>, message: String) -> Finding {
    let f = Finding::new(meta, path.pointer(), message);
    match container_at(td, path) {
        Some(c) => f.in_container(c),
        None => f,
    }
}

/// "container `app`: " or "" — a message prefix naming where a path is.
pub fn where_prefix(td: &TaskDef<'_>, path: &Path<'_>) -> String {
    match container_at(td, path) {
        Some(c) => format!("{}: ", crate::rules::kit::Named(c)),
        None => String::new(),
    }
}

/// Pairs `(first index, duplicate index, name)` of equal names, in document order of
/// the duplicate. Up to 32 names are compared pairwise in a stack buffer (no allocation
/// unless a duplicate is found); longer lists are sorted.
pub fn duplicates<'a>(names: impl Iterator<Item = (usize, &'a str)>) -> Vec<(usize, usize, &'a str)> {
    const SMALL: usize = 32;
    let mut buf: [(usize, &'a str); SMALL] = [(0, ""); SMALL];
    let mut n = 0;
    let mut long: Vec<(usize, &'a str)> = Vec::new();
    for item in names {
        if n < SMALL {
            buf[n] = item;
            n += 1;
        } else {
            if long.is_empty() {
                long.extend_from_slice(&buf);
            }
            long.push(item);
        }
    }
    let mut out = Vec::new();
    if long.is_empty() {
        let buf = &buf[..n];
        for (j, &(dup, name)) in buf.iter().enumerate() {
            if let Some(&(first, _)) = buf[..j].iter().find(|(_, other)| *other == name) {
                out.push((first, dup, name));
            }
        }
        return out;
    }
    let mut v: Vec<(&'a str, usize)> = long.into_iter().map(|(i, n)| (n, i)).collect();
    v.sort_unstable();
    let mut k = 0;
    while k < v.len() {
        let mut j = k + 1;
        while j < v.len() && v[j].0 == v[k].0 {
            out.push((v[k].1, v[j].1, v[j].0));
            j += 1;
        }
        k = j;
    }
    out.sort_unstable_by_key(|d| d.1);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_duplicates() {
        assert!(!crate::rules::kit::is_ecs_name("my.app"));
        let d = duplicates([(0, "a"), (1, "b"), (2, "a"), (3, "a")].into_iter());
        assert_eq!(d, vec![(0, 2, "a"), (0, 3, "a")]);
        assert!(duplicates([(0, "a")].into_iter()).is_empty());
        let names: Vec<String> = (0..40).map(|i| format!("n{}", i % 35)).collect();
        let long = duplicates(names.iter().enumerate().map(|(i, n)| (i, n.as_str())));
        assert_eq!(long.len(), 5);
        assert_eq!(long[0], (0, 35, "n0"));
    }
}
