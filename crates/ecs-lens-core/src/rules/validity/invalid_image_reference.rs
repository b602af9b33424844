use crate::finding::{Finding, Fix};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct InvalidImageReference;

pub static META: RuleMeta = RuleMeta {
    id: "VAL042",
    name: "invalid-image-reference",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "An `image` that is not a valid reference (bad characters, over 255 characters, malformed digest)",
    what: crate::rules::doc(
        "Checks each container's `image`: the part before any `@` is at most 255 characters of letters, \
           digits, `-`, `_`, `:`, `.`, `/` and `#`; a digest after `@` is `sha256:` followed by exactly 64 \
           hexadecimal characters.",
    ),
    why: crate::rules::doc(
        "These are the ECS API's rules for `image`. Unrendered template placeholders (`${IMAGE_TAG}`, \
          `{{tag}}`), stray spaces and truncated digests are the usual culprits, and they surface as a \
          rejected registration or an image that can never be pulled.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:${IMAGE_TAG}"}]}"#,
    ),
    fix: crate::rules::doc(
        "Render the template before linting, and pin images as `repository@sha256:<64 hex digits>` or \
          `repository:tag`.",
    ),
    references: &[Reference { tool: "AWS", id: "ECS API ContainerDefinition.image" }],
};

/// What is wrong with an image reference, if anything.
/// Bytes allowed in the name part of an image: ASCII letters, digits and `-_:./#`.
static NAME_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b':' | b'.' | b'/' | b'#');
        b += 1;
    }
    t
};

pub fn problem(image: &str) -> Option<String> {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    if name.is_empty() {
        return Some("has no repository before `@`".into());
    }
    if name.len() > 255 {
        return Some(format!("is {} characters long before any digest; at most 255 are allowed", name.len()));
    }
    // A table-driven byte scan first (the common, clean case); the first offending character
    // only when there is one.
    if !name.bytes().all(|b| NAME_BYTES[b as usize]) {
        if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || "-_:./#".contains(*c))) {
            let shown = if bad.is_whitespace() { "whitespace".to_string() } else { format!("`{bad}`") };
            return Some(format!("contains {shown}; only letters, digits and `-_:./#` are allowed"));
        }
    }
    if let Some(d) = digest {
        let ok = d.strip_prefix("sha256:").is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        if !ok {
            return Some("has a digest that is not `sha256:` followed by 64 hexadecimal characters".into());
        }
    }
    None
}

impl Rule for InvalidImageReference {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            let Some(image) = c.image().filter(|i| !i.is_empty()) else { continue };
            if let Some(problem) = problem(image) {
                out.push(
                    Finding::new(&META, c.ptr("image"), format!("container `{}`: image {problem}", c.label()))
                        .in_container(c)
                        .with_fix_from(cx, || {
                            Fix::advice(
                                "Write the image as `registry/repository:tag` or `registry/repository@sha256:<digest>`",
                            )
                        }),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn accepts_ordinary_references() {
        for ok in [
            "nginx",
            "nginx:1.27",
            "public.ecr.aws/datadog/agent:latest",
            "localhost:5000/x/y:tag",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "repo:tag@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789ABCDEF",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        for bad in ["app:${TAG}", "nginx ", "repo@sha256:abc", "repo@md5:0123", "@sha256:x", &"a".repeat(256)] {
            assert!(problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn flags_the_container_image() {
        let mut td = base();
        td["containerDefinitions"][0]["image"] = json!("app:{{tag}}");
        let f = check_value(&InvalidImageReference, td);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/image");
        assert!(f[0].message.contains("`{`"));
    }

    #[test]
    fn seed_and_base_pass() {
        assert!(check(&InvalidImageReference, SEED).is_empty());
        assert!(check_value(&InvalidImageReference, base()).is_empty());
    }
}
