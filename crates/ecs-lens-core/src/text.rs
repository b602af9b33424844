//! ASCII case-insensitive string tests that do not allocate (rules compare names, images
//! and command words against lower-case literals many times per lint).

/// `s.to_ascii_lowercase().ends_with(suffix)` for an ASCII `suffix`.
pub fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len() && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// `s.to_ascii_lowercase().starts_with(prefix)` for an ASCII `prefix`.
pub fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// `s` without the ASCII `prefix`, compared ASCII case-insensitively (`None` when it does not
/// start with it). Never slices inside a character, whatever `s` holds.
pub fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    // A match means s's first prefix.len() bytes are ASCII, so that is a character boundary.
    starts_with_ci(s, prefix).then(|| &s[prefix.len()..])
}

/// `s.to_ascii_lowercase().contains(needle)` for an ASCII `needle` (an empty needle is contained).
pub fn contains_ci(s: &str, needle: &str) -> bool {
    let (h, n) = (s.as_bytes(), needle.as_bytes());
    n.is_empty() || (h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_case_insensitive() {
        assert!(ends_with_ci("Team/Datadog/AGENT", "/datadog/agent"));
        assert!(!ends_with_ci("agent", "/datadog/agent"));
        assert!(ends_with_ci("ünïcode-KEY", "-key"));
        assert!(starts_with_ci("No-Password", "no-"));
        assert!(!starts_with_ci("n", "no-"));
        assert!(contains_ci("my-DataDog-Agent-1", "datadog-agent"));
        assert!(!contains_ci("datadog", "datadog-agent"));
        assert!(contains_ci("", ""));
        assert_eq!(strip_prefix_ci("HTTPS://x", "https://"), Some("x"));
        assert_eq!(strip_prefix_ci("ht\u{20ac}ps://x", "https://"), None, "no slicing inside a character");
        assert_eq!(strip_prefix_ci("a\u{e9}", "ab"), None);
    }
}
