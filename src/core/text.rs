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
    }
}
