//! [`AccountServices`] on AWS: Secrets Manager, SSM, IAM, CloudWatch Logs and ECR clients
//! made from the ECS store's own configuration (credentials chain, assumed role, endpoint
//! override, retries, HTTP client), so they talk to the same account and endpoint.

use std::error::Error as StdError;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_ecs::config::http::HttpResponse;
use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};
use serde_json::{Map, Value};

use super::errors::{self, Call, Target};
use crate::core::iam::{parse_document, NamedPolicy};
use crate::core::migration::SecretStore;
use crate::store::account::{AccountServices, Probe, PutSecret, RolePolicies, SecretInfo, SecretValue};
use crate::store::StoreError;

pub struct AwsAccount {
    sm: aws_sdk_secretsmanager::Client,
    ssm: aws_sdk_ssm::Client,
    iam: aws_sdk_iam::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    ecr: aws_sdk_ecr::Client,
    target: Target,
}

impl std::fmt::Debug for AwsAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsAccount").field("region", &self.target.region).finish()
    }
}

impl AwsAccount {
    /// Clients on `conf` (already carrying the region and endpoint the store uses).
    pub fn new(conf: &SdkConfig, target: Target) -> AwsAccount {
        AwsAccount {
            sm: aws_sdk_secretsmanager::Client::new(conf),
            ssm: aws_sdk_ssm::Client::new(conf),
            iam: aws_sdk_iam::Client::new(conf),
            logs: aws_sdk_cloudwatchlogs::Client::new(conf),
            ecr: aws_sdk_ecr::Client::new(conf),
            target,
        }
    }
}

/// The code of a service error answer.
fn code<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<String> {
    errors::service_error(err).map(|(c, _)| c)
}

fn denied(code: &str) -> bool {
    matches!(code, "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation")
}

/// An SDK error of `service` as a [`StoreError`]: access denied names the action; other
/// answers quote the service; transport and credential problems as for ECS.
fn fail<E>(service: &str, err: SdkError<E, HttpResponse>, call: Call<'_>, target: &Target) -> StoreError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    match errors::service_error(&err) {
        Some((code, message)) if denied(&code) => StoreError::unavailable(format!(
            "access denied: the AWS identity in use may not call {} in {}; grant it `{}` in IAM ({service} said: {message})",
            call.action, target.region, call.action
        )),
        Some((code, message)) if !code.is_empty() && !code.contains("Throttl") && !code.contains("Expired") => {
            StoreError::unavailable(format!("{service} refused to {} ({code}): {message}", call.doing))
        }
        _ => errors::map(err, call, target),
    }
}

/// `Probe::NotChecked` for access denied, `Missing` for the given not-found codes.
fn probe_error<T, E>(
    service: &str,
    err: SdkError<E, HttpResponse>,
    not_found: &[&str],
    call: Call<'_>,
    target: &Target,
) -> Result<Probe<T>, StoreError>
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    if let Some((code, message)) = errors::service_error(&err) {
        if denied(&code) {
            return Ok(Probe::NotChecked(format!("ecs-lens may not call {} ({message})", call.action)));
        }
        if not_found.contains(&code.as_str()) {
            return Ok(Probe::Missing(if message.is_empty() { code } else { message }));
        }
    }
    Err(fail(service, err, call, target))
}

/// A role name from an ARN (`arn:aws:iam::1:role/path/name` → `name`) or a name.
pub fn role_name(role: &str) -> &str {
    role.rsplit('/').next().unwrap_or(role)
}

#[async_trait]
impl AccountServices for AwsAccount {
    fn region(&self) -> String {
        self.target.region.clone()
    }

    async fn put_secret(&self, store: SecretStore, v: &SecretValue) -> Result<PutSecret, StoreError> {
        match store {
            SecretStore::SecretsManager => self.put_sm(v).await,
            SecretStore::Ssm => self.put_ssm(v).await,
        }
    }

    async fn role(&self, role: &str) -> Result<Probe<RolePolicies>, StoreError> {
        let name = role_name(role);
        let doing = format!("read the IAM role `{name}`");
        let got = match self.iam.get_role().role_name(name).send().await {
            Ok(o) => o,
            Err(e) => {
                let call = Call { action: "iam:GetRole", doing: &doing };
                return probe_error("IAM", e, &["NoSuchEntity", "NoSuchEntityException"], call, &self.target);
            }
        };
        let mut out = RolePolicies::default();
        if let Some(r) = got.role() {
            out.arn = r.arn().to_string();
            out.trust = r.assume_role_policy_document().and_then(parse_document);
        }
        // Inline policies.
        let mut marker: Option<String> = None;
        loop {
            let page = match self.iam.list_role_policies().role_name(name).set_marker(marker.clone()).send().await {
                Ok(p) => p,
                Err(e) => {
                    out.unreadable.push(format!("inline policies: {}", code(&e).unwrap_or_else(|| "error".into())));
                    break;
                }
            };
            for p in page.policy_names() {
                match self.iam.get_role_policy().role_name(name).policy_name(p).send().await {
                    Ok(doc) => match parse_document(doc.policy_document()) {
                        Some(d) => out.policies.push(NamedPolicy { name: format!("inline:{p}"), document: d }),
                        None => out.unreadable.push(format!("inline:{p} (not JSON)")),
                    },
                    Err(e) => {
                        out.unreadable.push(format!("inline:{p}: {}", code(&e).unwrap_or_else(|| "error".into())))
                    }
                }
            }
            marker = page.marker().map(str::to_string);
            if !page.is_truncated() || marker.is_none() {
                break;
            }
        }
        // Attached managed policies: their default version.
        let mut marker: Option<String> = None;
        loop {
            let page =
                match self.iam.list_attached_role_policies().role_name(name).set_marker(marker.clone()).send().await {
                    Ok(p) => p,
                    Err(e) => {
                        out.unreadable
                            .push(format!("attached policies: {}", code(&e).unwrap_or_else(|| "error".into())));
                        break;
                    }
                };
            for a in page.attached_policies() {
                let Some(arn) = a.policy_arn() else { continue };
                let version = match self.iam.get_policy().policy_arn(arn).send().await {
                    Ok(p) => p.policy().and_then(|p| p.default_version_id()).map(str::to_string),
                    Err(e) => {
                        out.unreadable.push(format!("{arn}: {}", code(&e).unwrap_or_else(|| "error".into())));
                        continue;
                    }
                };
                let Some(version) = version else { continue };
                match self.iam.get_policy_version().policy_arn(arn).version_id(version).send().await {
                    Ok(v) => match v.policy_version().and_then(|v| v.document()).and_then(parse_document) {
                        Some(d) => out.policies.push(NamedPolicy { name: arn.to_string(), document: d }),
                        None => out.unreadable.push(format!("{arn} (no readable document)")),
                    },
                    Err(e) => out.unreadable.push(format!("{arn}: {}", code(&e).unwrap_or_else(|| "error".into()))),
                }
            }
            marker = page.marker().map(str::to_string);
            if !page.is_truncated() || marker.is_none() {
                break;
            }
        }
        Ok(Probe::Found(out))
    }

    async fn put_role_policy(&self, role: &str, policy_name: &str, document: &Value) -> Result<(), StoreError> {
        let name = role_name(role);
        let doing = format!("put the inline policy `{policy_name}` on the IAM role `{name}`");
        self.iam
            .put_role_policy()
            .role_name(name)
            .policy_name(policy_name)
            .policy_document(document.to_string())
            .send()
            .await
            .map_err(|e| fail("IAM", e, Call { action: "iam:PutRolePolicy", doing: &doing }, &self.target))?;
        Ok(())
    }

    async fn secret(&self, id: &str) -> Result<Probe<SecretInfo>, StoreError> {
        let doing = format!("describe the secret `{id}`");
        let d = match self.sm.describe_secret().secret_id(id).send().await {
            Ok(d) => d,
            Err(e) => {
                let call = Call { action: "secretsmanager:DescribeSecret", doing: &doing };
                return probe_error("Secrets Manager", e, &["ResourceNotFoundException"], call, &self.target);
            }
        };
        let arn = d.arn().unwrap_or(id).to_string();
        // The keys of a JSON value, read and dropped here: only the key names leave.
        let json_keys = match self.sm.get_secret_value().secret_id(&arn).send().await {
            Ok(v) => v
                .secret_string()
                .and_then(|s| serde_json::from_str::<Map<String, Value>>(s).ok())
                .map(|m| m.keys().cloned().collect()),
            Err(_) => None,
        };
        Ok(Probe::Found(SecretInfo { arn, json_keys, kms_key: d.kms_key_id().map(str::to_string) }))
    }

    async fn parameter(&self, id: &str) -> Result<Probe<String>, StoreError> {
        // GetParameters takes names; an ARN's name is what follows `parameter`.
        let name = match id.split_once(":parameter") {
            Some((_, n)) if id.starts_with("arn:") => n.to_string(),
            _ => id.to_string(),
        };
        let doing = format!("read the parameter `{name}`");
        match self.ssm.get_parameter().name(&name).with_decryption(false).send().await {
            Ok(p) => Ok(Probe::Found(p.parameter().and_then(|p| p.arn()).unwrap_or(id).to_string())),
            Err(e) => {
                let call = Call { action: "ssm:GetParameters", doing: &doing };
                probe_error("SSM", e, &["ParameterNotFound"], call, &self.target)
            }
        }
    }

    async fn log_group(&self, region: &str, name: &str) -> Result<Probe<()>, StoreError> {
        let doing = format!("describe the log group `{name}`");
        let req = self.logs.describe_log_groups().log_group_name_prefix(name);
        let answer = if region != self.target.region {
            let other = aws_sdk_cloudwatchlogs::config::Builder::default()
                .region(aws_sdk_cloudwatchlogs::config::Region::new(region.to_string()));
            req.customize().config_override(other).send().await
        } else {
            req.send().await
        };
        match answer {
            Ok(o) => Ok(if o.log_groups().iter().any(|g| g.log_group_name() == Some(name)) {
                Probe::Found(())
            } else {
                Probe::Missing(format!("no log group `{name}` in {region}"))
            }),
            Err(e) => {
                let call = Call { action: "logs:DescribeLogGroups", doing: &doing };
                probe_error("CloudWatch Logs", e, &["ResourceNotFoundException"], call, &self.target)
            }
        }
    }

    async fn image(
        &self,
        account: &str,
        region: &str,
        repository: &str,
        reference: &str,
    ) -> Result<Probe<()>, StoreError> {
        let doing = format!("describe the image `{repository}:{reference}`");
        let id = if reference.starts_with("sha256:") {
            aws_sdk_ecr::types::ImageIdentifier::builder().image_digest(reference).build()
        } else {
            aws_sdk_ecr::types::ImageIdentifier::builder().image_tag(reference).build()
        };
        let req = self.ecr.describe_images().registry_id(account).repository_name(repository).image_ids(id);
        let answer = if region != self.target.region {
            let other =
                aws_sdk_ecr::config::Builder::default().region(aws_sdk_ecr::config::Region::new(region.to_string()));
            req.customize().config_override(other).send().await
        } else {
            req.send().await
        };
        match answer {
            Ok(o) if !o.image_details().is_empty() => Ok(Probe::Found(())),
            Ok(_) => Ok(Probe::Missing(format!("no image `{reference}` in the repository `{repository}`"))),
            Err(e) => {
                let call = Call { action: "ecr:DescribeImages", doing: &doing };
                probe_error("ECR", e, &["RepositoryNotFoundException", "ImageNotFoundException"], call, &self.target)
            }
        }
    }
}

/// A secret of this name that ecs-lens did not make for this family is someone else's: never
/// write to it.
fn refuse_foreign(v: &SecretValue, existing: &[(String, String)]) -> Result<(), StoreError> {
    let owner = v.tags.iter().find(|(k, _)| k == crate::core::migration::OWNER_TAG);
    match owner {
        Some(tag) if !existing.contains(tag) => Err(StoreError::conflict(format!(
            "`{}` already exists and was not made by ecs-lens for {} (it has no tag {}={}): ecs-lens does not write to \
             it. Move it aside, or move the values by hand",
            v.name, tag.1, tag.0, tag.1
        ))),
        _ => Ok(()),
    }
}

impl AwsAccount {
    async fn put_sm(&self, v: &SecretValue) -> Result<PutSecret, StoreError> {
        let doing = format!("describe the secret `{}`", v.name);
        let existing = match self.sm.describe_secret().secret_id(&v.name).send().await {
            Ok(d) => {
                let tags: Vec<(String, String)> = d
                    .tags()
                    .iter()
                    .map(|t| (t.key().unwrap_or_default().to_string(), t.value().unwrap_or_default().to_string()))
                    .collect();
                refuse_foreign(v, &tags)?;
                d.arn().map(str::to_string)
            }
            Err(e) if code(&e).as_deref() == Some("ResourceNotFoundException") => None,
            Err(e) => {
                return Err(fail(
                    "Secrets Manager",
                    e,
                    Call { action: "secretsmanager:DescribeSecret", doing: &doing },
                    &self.target,
                ))
            }
        };
        let Some(arn) = existing else {
            let doing = format!("create the secret `{}`", v.name);
            let tags: Vec<_> = v
                .tags
                .iter()
                .map(|(k, val)| aws_sdk_secretsmanager::types::Tag::builder().key(k).value(val).build())
                .collect();
            let out = self
                .sm
                .create_secret()
                .name(&v.name)
                .secret_string(&v.value)
                .set_kms_key_id(v.kms_key.clone())
                .set_tags(Some(tags))
                .description("Moved out of a task definition's environment by ecs-lens")
                .send()
                .await
                .map_err(|e| {
                    fail(
                        "Secrets Manager",
                        e,
                        Call { action: "secretsmanager:CreateSecret (and secretsmanager:TagResource)", doing: &doing },
                        &self.target,
                    )
                })?;
            let arn = out
                .arn()
                .ok_or_else(|| StoreError::unavailable("Secrets Manager created the secret but returned no ARN"))?;
            return Ok(PutSecret { arn: arn.to_string(), created: true, updated: true });
        };
        // It exists (an earlier run, or someone else's): write a version only if it differs.
        let doing = format!("read the secret `{}`", v.name);
        let current = match self.sm.get_secret_value().secret_id(&arn).send().await {
            Ok(o) => o.secret_string().map(str::to_string),
            Err(e) if code(&e).as_deref() == Some("ResourceNotFoundException") => None,
            Err(e) => {
                return Err(fail(
                    "Secrets Manager",
                    e,
                    Call { action: "secretsmanager:GetSecretValue", doing: &doing },
                    &self.target,
                ))
            }
        };
        let next = if v.json {
            let mut merged =
                current.as_deref().and_then(|c| serde_json::from_str::<Map<String, Value>>(c).ok()).unwrap_or_default();
            let ours: Map<String, Value> = serde_json::from_str(&v.value).unwrap_or_default();
            for (k, val) in ours {
                merged.insert(k, val);
            }
            Value::Object(merged).to_string()
        } else {
            v.value.clone()
        };
        let same = match (&current, v.json) {
            (Some(c), true) => serde_json::from_str::<Value>(c).ok() == serde_json::from_str::<Value>(&next).ok(),
            (Some(c), false) => *c == next,
            (None, _) => false,
        };
        if same {
            return Ok(PutSecret { arn, created: false, updated: false });
        }
        let doing = format!("write a new version of the secret `{}`", v.name);
        self.sm.put_secret_value().secret_id(&arn).secret_string(next).send().await.map_err(|e| {
            fail("Secrets Manager", e, Call { action: "secretsmanager:PutSecretValue", doing: &doing }, &self.target)
        })?;
        Ok(PutSecret { arn, created: false, updated: true })
    }

    async fn put_ssm(&self, v: &SecretValue) -> Result<PutSecret, StoreError> {
        use aws_sdk_ssm::types::{ParameterType, Tag};
        let doing = format!("create the parameter `{}`", v.name);
        let tags: Vec<Tag> =
            v.tags.iter().filter_map(|(k, val)| Tag::builder().key(k).value(val).build().ok()).collect();
        let created = self
            .ssm
            .put_parameter()
            .name(&v.name)
            .value(&v.value)
            .r#type(ParameterType::SecureString)
            .set_key_id(v.kms_key.clone())
            .overwrite(false)
            .set_tags(Some(tags))
            .send()
            .await;
        let (created, updated) = match created {
            Ok(_) => (true, true),
            Err(e) if code(&e).as_deref() == Some("ParameterAlreadyExists") => {
                let doing = format!("read the tags of the parameter `{}`", v.name);
                let tags = self
                    .ssm
                    .list_tags_for_resource()
                    .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
                    .resource_id(&v.name)
                    .send()
                    .await
                    .map_err(|e| {
                        fail("SSM", e, Call { action: "ssm:ListTagsForResource", doing: &doing }, &self.target)
                    })?;
                let tags: Vec<(String, String)> =
                    tags.tag_list().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect();
                refuse_foreign(v, &tags)?;
                let current = self.ssm.get_parameter().name(&v.name).with_decryption(true).send().await.ok();
                let same =
                    current.as_ref().and_then(|c| c.parameter()).and_then(|p| p.value()) == Some(v.value.as_str());
                if !same {
                    let doing = format!("write a new version of the parameter `{}`", v.name);
                    self.ssm
                        .put_parameter()
                        .name(&v.name)
                        .value(&v.value)
                        .r#type(ParameterType::SecureString)
                        .set_key_id(v.kms_key.clone())
                        .overwrite(true)
                        .send()
                        .await
                        .map_err(|e| {
                            fail("SSM", e, Call { action: "ssm:PutParameter", doing: &doing }, &self.target)
                        })?;
                }
                (false, !same)
            }
            Err(e) => {
                return Err(fail(
                    "SSM",
                    e,
                    Call { action: "ssm:PutParameter (and ssm:AddTagsToResource)", doing: &doing },
                    &self.target,
                ))
            }
        };
        let doing = format!("read the parameter `{}`", v.name);
        let got = self
            .ssm
            .get_parameter()
            .name(&v.name)
            .with_decryption(false)
            .send()
            .await
            .map_err(|e| fail("SSM", e, Call { action: "ssm:GetParameter", doing: &doing }, &self.target))?;
        let arn = got
            .parameter()
            .and_then(|p| p.arn())
            .ok_or_else(|| StoreError::unavailable("SSM answered without the parameter's ARN"))?;
        Ok(PutSecret { arn: arn.to_string(), created, updated })
    }
}
