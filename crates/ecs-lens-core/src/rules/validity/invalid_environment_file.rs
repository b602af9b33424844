use serde_json::json;

use crate::finding::{Finding, Fix};
use crate::rules::kit::{items, str_field};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct InvalidEnvironmentFile;

pub static META: RuleMeta = RuleMeta {
    id: "VAL034",
    name: "invalid-environment-file",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "An `environmentFiles` entry whose value is not an S3 object ARN of a `.env` file",
    what: crate::rules::doc(
        "Checks each `environmentFiles[].value`: an S3 object ARN (`arn:aws:s3:::bucket/path/file.env`) whose \
           object name ends in `.env`. (The `type` must be `s3`: VAL005; at most ten files: VAL036.)",
    ),
    why: crate::rules::doc(
        "ECS fetches the file with the execution role from S3 by ARN; an `s3://` URL, an HTTPS URL or a bucket \
          ARN is refused, and the ECS API requires the `.env` extension.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "environmentFiles": [{"type": "s3", "value": "s3://my-bucket/app/prod.env"}]}]}"#,
    ),
    fix: crate::rules::doc(
        "Write the value as `arn:aws:s3:::<bucket>/<key>.env` (the fix converts an `s3://` URL), and give \
          the execution role `s3:GetObject` on it and `s3:GetBucketLocation` on the bucket.",
    ),
    references: &[Reference { tool: "AWS", id: "ECS API EnvironmentFile" }],
};

/// `arn:<partition>:s3:::<bucket>/<key>` → `(bucket, key)`.
fn s3_object_arn(v: &str) -> Option<(&str, &str)> {
    let mut parts = v.splitn(6, ':');
    let (arn, partition, service, region, account, resource) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if arn != "arn" || !partition.starts_with("aws") || service != "s3" || !region.is_empty() || !account.is_empty() {
        return None;
    }
    let (bucket, key) = resource.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((bucket, key))
}

impl Rule for InvalidEnvironmentFile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let mut partition: Option<&'static str> = None;
        for c in &td.containers {
            for (i, ef) in items(c.get("environmentFiles")) {
                let Some(v) = str_field(ef, "value") else { continue };
                let pointer = || format!("{}/{i}/value", c.ptr("environmentFiles"));
                match s3_object_arn(v) {
                    Some((_, key)) => {
                        if !key.ends_with(".env") {
                            let pointer = pointer();
                            out.push(
                                Finding::new(
                                    &META,
                                    pointer,
                                    format!(
                                        "container `{}`: environment file `{key}` must have the `.env` extension",
                                        c.label()
                                    ),
                                )
                                .in_container(c)
                                .with_fix_from(cx, || Fix::advice("Rename the S3 object to end in `.env`")),
                            );
                        }
                    }
                    None => {
                        let pointer = pointer();
                        let partition = *partition.get_or_insert_with(|| match td.account_and_region().1 {
                            Some(r) if r.starts_with("cn-") => "aws-cn",
                            Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
                            _ => "aws",
                        });
                        let fix = match v.strip_prefix("s3://").and_then(|rest| rest.split_once('/')) {
                            Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => {
                                let arn = format!("arn:{partition}:s3:::{bucket}/{key}");
                                Fix::patch(
                                    format!("Use the ARN `{arn}`"),
                                    json!([{"op": "replace", "path": pointer, "value": arn}]),
                                )
                                .safe()
                            }
                            _ => Fix::advice("Write the value as arn:aws:s3:::<bucket>/<key>.env"),
                        };
                        out.push(
                            Finding::new(
                                &META,
                                pointer,
                                format!(
                                    "container `{}`: environmentFiles[{i}].value must be an S3 object ARN such as \
                                     arn:aws:s3:::bucket/path/file.env",
                                    c.label()
                                ),
                            )
                            .in_container(c)
                            .with_fix_from(cx, || fix),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_urls_and_extensions() {
        let mut td = base();
        td["containerDefinitions"][0]["environmentFiles"] = json!([
            {"type": "s3", "value": "s3://my-bucket/app/prod.env"},
            {"type": "s3", "value": "arn:aws:s3:::my-bucket/app/prod.txt"},
            {"type": "s3", "value": "https://example.com/x.env"},
            {"type": "s3", "value": "arn:aws:s3:::my-bucket/app/ok.env"}
        ]);
        let f = check_value(&InvalidEnvironmentFile, td);
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"], "arn:aws:s3:::my-bucket/app/prod.env");
        assert!(f[1].message.contains("`.env` extension"));
        assert!(!f[2].fix.as_ref().unwrap().is_applicable());
    }

    #[test]
    fn china_partition_is_guessed_from_the_region() {
        let mut td = base();
        td["containerDefinitions"][0]["image"] = json!("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1");
        td["containerDefinitions"][0]["environmentFiles"] = json!([{"type": "s3", "value": "s3://b/k.env"}]);
        let f = check_value(&InvalidEnvironmentFile, td);
        assert_eq!(f[0].fix.as_ref().unwrap().patch[0]["value"], "arn:aws-cn:s3:::b/k.env");
    }

    #[test]
    fn arns_pass() {
        assert!(check(&InvalidEnvironmentFile, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["environmentFiles"] =
            json!([{"type": "s3", "value": "arn:aws-us-gov:s3:::b/dir/k.env"}]);
        assert!(check_value(&InvalidEnvironmentFile, td).is_empty());
    }
}
