use crate::finding::{Finding, Fix};
use crate::rules::kit::{cat, label, ptr};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct MutableImage;

pub static META: RuleMeta = RuleMeta {
    id: "HAR011",
    name: "mutable-image-reference",
    severity: Severity::Medium,
    category: Category::Security,
    blocks_registration: false,
    summary: "A container image is not pinned (`:latest`, no tag, or a tag without a digest)",
    what: crate::rules::doc(
        "Classifies every container `image`: `:latest` and untagged images (which mean `latest`) are medium \
           severity; an image with another tag but no `@sha256:` digest is informational. Images written as \
           templates (`{{ … }}`, `${…}`) are skipped.",
    ),
    why: crate::rules::doc(
        "A tag is a movable pointer. With `latest`, each task launch — a scale-out, a replaced task, a \
          rollback to an older revision — can pull different code than the one that was tested, and you \
          cannot tell which from the task definition. A pushed-over tag is also how a compromised registry \
          account ships code into your tasks. A digest names exactly one image.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "app", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest"}]}"#,
    ),
    fix: crate::rules::doc(
        "Deploy a version tag (ideally from an ECR repository with tag immutability) or, better, the image \
          digest: `repo@sha256:…` (a tag may stay in front: `repo:1.4.2@sha256:…`).",
    ),
    references: &[],
};

#[derive(Debug, PartialEq, Eq)]
enum Pin<'a> {
    Digest,
    Latest,
    Untagged,
    Tag(&'a str),
}

fn classify(image: &str) -> Option<Pin<'_>> {
    let image = image.trim();
    if image.is_empty() || image.contains("{{") || image.contains("${") {
        return None;
    }
    if image.contains('@') {
        return Some(Pin::Digest);
    }
    let tail = image.rsplit('/').next().unwrap_or(image);
    Some(match tail.rsplit_once(':') {
        Some((_, tag)) if tag.eq_ignore_ascii_case("latest") => Pin::Latest,
        Some((_, tag)) if !tag.is_empty() => Pin::Tag(tag),
        _ => Pin::Untagged,
    })
}

/// A command that prints the digest the image currently resolves to.
fn digest_command(image: &str, tag: &str) -> String {
    if let Some((account, region)) = crate::model::parse_ecr_host(image) {
        let path = image.split_once('/').map(|(_, p)| p).unwrap_or("");
        let repo = path.rsplit_once(':').map(|(r, _)| r).unwrap_or(path);
        cat(&[
            "aws ecr describe-images --region ",
            region,
            " --registry-id ",
            account,
            " --repository-name ",
            repo,
            " --image-ids imageTag=",
            tag,
            " --query 'imageDetails[0].imageDigest' --output text",
        ])
    } else {
        cat(&["docker buildx imagetools inspect ", image])
    }
}

impl Rule for MutableImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            let Some(image) = c.image() else { continue };
            let Some(pin) = classify(image) else { continue };
            let label = label(c);
            let (severity, message, tag) = match pin {
                Pin::Digest => continue,
                Pin::Latest => (
                    Severity::Medium,
                    cat(&[
                        "container `",
                        &label,
                        "` uses `",
                        image,
                        "`, the mutable `latest` tag: each task launch may run different code, and rolling back \
                         to this revision does not bring the old image back",
                    ]),
                    "latest",
                ),
                Pin::Untagged => (
                    Severity::Medium,
                    cat(&[
                        "container `",
                        &label,
                        "` uses `",
                        image,
                        "` without a tag, which means `latest`: each task launch may run different code",
                    ]),
                    "latest",
                ),
                Pin::Tag(tag) => (
                    Severity::Info,
                    cat(&[
                        "container `",
                        &label,
                        "` uses `",
                        image,
                        "`, pinned by tag but not by digest: the tag can be moved to another image",
                    ]),
                    tag,
                ),
            };
            out.push(
                Finding::new(&META, ptr(c, "/image"), message).in_container(c).with_severity(severity).with_fix_from(
                    cx,
                    || {
                        Fix::advice(cat(&[
                            "Pin `",
                            &label,
                            "` to a version tag or to the digest (`…@sha256:<digest>`); the command prints the \
                             digest the tag points to now.",
                        ]))
                        .with_commands(vec![digest_command(image, tag)])
                    },
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn classification() {
        assert_eq!(classify("nginx"), Some(Pin::Untagged));
        assert_eq!(classify("localhost:5000/app"), Some(Pin::Untagged));
        assert_eq!(classify("localhost:5000/app:1.2"), Some(Pin::Tag("1.2")));
        assert_eq!(classify("datadog/agent:LATEST"), Some(Pin::Latest));
        assert_eq!(classify("app:1.2@sha256:abc"), Some(Pin::Digest));
        assert_eq!(classify("{{ must_env `IMAGE` }}"), None);
        assert_eq!(classify("${IMAGE}"), None);
        assert_eq!(classify(" "), None);
    }

    #[test]
    fn severities_and_commands() {
        let mut td = base();
        td["containerDefinitions"] = serde_json::json!([
            {"name": "a", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:latest"},
            {"name": "b", "image": "nginx"},
            {"name": "c", "image": "public.ecr.aws/datadog/agent:7"},
        ]);
        let f = check_value(&MutableImage, td);
        let sev: Vec<_> = f.iter().map(|f| f.severity).collect();
        assert_eq!(sev, [Severity::Medium, Severity::Medium, Severity::Info]);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/image");
        let cmd = &f[0].fix.as_ref().unwrap().commands[0];
        assert!(cmd.contains("--repository-name team/app --image-ids imageTag=latest"), "{cmd}");
        assert!(cmd.contains("--region us-east-1"));
        assert!(f[2].fix.as_ref().unwrap().commands[0].starts_with("docker buildx imagetools inspect"));
    }

    #[test]
    fn digest_pinned_images_pass() {
        assert!(check_value(&MutableImage, base()).is_empty());
    }

    #[test]
    fn the_seed_uses_latest_everywhere() {
        let f = check(&MutableImage, SEED);
        assert_eq!(f.len(), 4);
        assert!(f.iter().all(|f| f.severity == Severity::Medium && f.message.contains("`latest`")));
    }
}
