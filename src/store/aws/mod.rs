//! The Amazon ECS task-definition store: the same [`TaskDefStore`] as the embedded one, over
//! aws-sdk-ecs.
//!
//! - Configuration is aws-config's default chain: credentials from the environment, the shared
//!   config/credentials files and `AWS_PROFILE`, SSO, web identity, the ECS container and EC2
//!   instance roles; the region from `--region`, `AWS_REGION` or the profile; the endpoint from
//!   `--endpoint-url`, `AWS_ENDPOINT_URL` or the profile (how tests reach moto and users reach
//!   LocalStack). See [`AwsOptions`].
//! - Every list call follows `nextToken` to the end (the SDK's paginators). Families and
//!   revisions come from `ListTaskDefinitions` for ACTIVE and for INACTIVE (two page chains run
//!   concurrently); the registration details lists show come from describes, run concurrently
//!   with a bound ([`AwsOptions::describe_concurrency`]).
//! - Throttling and transient errors are retried with backoff by the SDK's retry policy
//!   (adaptive mode, [`AwsOptions::max_attempts`]), never by a loop of ours.
//! - Describes are cached: a revision's content never changes once registered. Its status can
//!   (deregister): a deregister through this store replaces the cached entry, and every list
//!   (always fetched fresh, so also right after a register) re-describes a cached revision
//!   whose listed status differs from the cached one. So a revision deregistered by someone
//!   else shows as INACTIVE from the next list on.
//! - Errors say what to do ([`errors`]); input ECS would refuse is refused before sending
//!   ([`crate::store::validate_register_input`], and [`convert`] for what the SDK cannot carry).
//!
//! How ECS differs from the embedded store: it keeps a task definition in its own model, so
//! the describe has ECS's key order, model defaults filled in (`"cpu": 0`, `"essential": true`,
//! empty lists …) and no fields outside the model ([`TaskDefStore::preserves_input_text`] is
//! false). `registered_by` given to [`TaskDefStore::register`] is ignored: ECS records the
//! caller's identity itself. ECS-compatible endpoints (moto, LocalStack) may leave out
//! `registeredAt`, `registeredBy`, `requiresAttributes` and `deregisteredAt`; the summaries then
//! have `""` (or `None`) there.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ecs::config::retry::RetryConfig;
use aws_sdk_ecs::config::timeout::TimeoutConfig;
use aws_sdk_ecs::types::{TaskDefinitionFamilyStatus, TaskDefinitionField, TaskDefinitionStatus};
use aws_sdk_ecs::Client;
use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use super::{
    shown, validate_family, validate_register_input, DescribedTaskDefinition, FamilySummary, RevisionState,
    RevisionSummary, ServiceUse, StoreError, TaskDefStatus, TaskDefStore,
};
use errors::{Call, Target};

pub mod account;
pub mod convert;
pub mod errors;
mod services;

#[cfg(test)]
mod tests;

/// How to reach Amazon ECS. Unset fields come from aws-config's default chain.
#[derive(Clone, Debug)]
pub struct AwsOptions {
    /// `--region`; else `AWS_REGION` / `AWS_DEFAULT_REGION`, else the profile's `region`.
    pub region: Option<String>,
    /// `--profile`; else `AWS_PROFILE`, else `default`.
    pub profile: Option<String>,
    /// `--endpoint-url`; else `AWS_ENDPOINT_URL(_ECS)` or the profile's `endpoint_url`; else
    /// ECS's regional endpoint.
    pub endpoint_url: Option<String>,
    /// Refuse register/deregister.
    pub read_only: bool,
    /// Attempts per request, retries included (throttling, transient errors): adaptive retry
    /// mode with exponential backoff. Default 8.
    pub max_attempts: u32,
    /// At most this many DescribeTaskDefinition requests at once. Default 10.
    pub describe_concurrency: usize,
    /// `--role-arn`: assume this IAM role (through STS, from the credentials the chain finds)
    /// and work in its account.
    pub role_arn: Option<String>,
    /// `--external-id`: what the role's trust policy requires.
    pub external_id: Option<String>,
}

impl Default for AwsOptions {
    fn default() -> Self {
        AwsOptions {
            region: None,
            profile: None,
            endpoint_url: None,
            read_only: false,
            max_attempts: 8,
            describe_concurrency: 10,
            role_arn: None,
            external_id: None,
        }
    }
}

/// The Amazon ECS store. See the module documentation.
#[derive(Debug)]
pub struct AwsStore {
    client: Client,
    target: Target,
    read_only: bool,
    concurrency: usize,
    cache: Mutex<HashMap<(String, u32), DescribedTaskDefinition>>,
    account: account::AwsAccount,
}

/// The state of one family's revisions, from the lists: revision → status.
type Revisions = BTreeMap<u32, TaskDefStatus>;

impl AwsStore {
    /// Resolve configuration with aws-config's default chain (see [`AwsOptions`]) and make a
    /// client. Credentials are resolved at the first request (a missing one is an error then,
    /// saying how to configure them); a missing region is an error now.
    pub async fn connect(options: AwsOptions) -> Result<AwsStore, StoreError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(https_client())
            .retry_config(
                RetryConfig::adaptive()
                    .with_max_attempts(options.max_attempts.max(1))
                    .with_max_backoff(Duration::from_secs(20)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(30))
                    .build(),
            );
        if let Some(region) = &options.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let mut conf = loader.load().await;
        if let Some(role) = &options.role_arn {
            // Credentials of the role, refreshed by the provider as they expire; the session
            // name shows in CloudTrail.
            let mut provider =
                aws_config::sts::AssumeRoleProvider::builder(role.clone()).session_name("ecs-lens").configure(&conf);
            if let Some(id) = &options.external_id {
                provider = provider.external_id(id.clone());
            }
            let provider = provider.build().await;
            conf = conf
                .into_builder()
                .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(provider))
                .build();
        }
        AwsStore::from_sdk_config(&conf, options)
    }

    /// A store on an already loaded configuration (its region, credentials, endpoint, retry
    /// policy and HTTP client). `options.region`/`endpoint_url` are only used where `conf` has
    /// none; `options.max_attempts` is not applied (the configuration's retry policy is).
    pub fn from_sdk_config(conf: &SdkConfig, options: AwsOptions) -> Result<AwsStore, StoreError> {
        let region = conf.region().map(|r| r.to_string()).or(options.region.clone()).ok_or_else(|| {
            let profile = match &options.profile {
                Some(p) => format!("the profile `{p}`"),
                None => "the profile".to_string(),
            };
            StoreError::unavailable(format!(
                "no AWS region: pass --region, set AWS_REGION, or set `region` for {profile} in ~/.aws/config"
            ))
        })?;
        let target = Target {
            region,
            profile: options.profile.clone().or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty())),
            endpoint_url: conf.endpoint_url().map(str::to_string).or(options.endpoint_url.clone()),
            max_attempts: conf.retry_config().map(|r| r.max_attempts()).unwrap_or(1),
            role_arn: options.role_arn.clone(),
        };
        let mut config = aws_sdk_ecs::config::Builder::from(conf);
        config.set_region(Some(Region::new(target.region.clone())));
        config.set_endpoint_url(target.endpoint_url.clone());
        let mut shared = conf.to_builder();
        shared.set_region(Some(Region::new(target.region.clone())));
        shared.set_endpoint_url(target.endpoint_url.clone());
        let account = account::AwsAccount::new(&shared.build(), target.clone());
        Ok(AwsStore {
            account,
            client: Client::from_conf(config.build()),
            target,
            read_only: options.read_only,
            concurrency: options.describe_concurrency.max(1),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The region the store works in.
    pub fn region(&self) -> &str {
        &self.target.region
    }

    /// The configured endpoint, if not ECS's regional one.
    pub fn endpoint_url(&self) -> Option<&str> {
        self.target.endpoint_url.as_deref()
    }

    /// The SDK client (for what the store does not cover).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Family names (`ListTaskDefinitionFamilies`, every page), as ECS filters them: `Active`
    /// families have an ACTIVE revision, `Inactive` ones have none, `All` is both. Cheaper than
    /// [`TaskDefStore::list_families`] when only names are needed. Sorted like it.
    pub async fn family_names(&self, status: TaskDefinitionFamilyStatus) -> Result<Vec<String>, StoreError> {
        let call = Call { action: "ecs:ListTaskDefinitionFamilies", doing: "list task definition families" };
        let mut pages =
            self.client.list_task_definition_families().status(status).into_paginator().page_size(100).items().send();
        let mut names = Vec::new();
        while let Some(item) = pages.next().await {
            names.push(item.map_err(|e| errors::map(e, call, &self.target))?);
        }
        sort_families(&mut names);
        names.dedup();
        Ok(names)
    }

    fn map<E>(
        &self,
        err: aws_sdk_ecs::error::SdkError<E, aws_sdk_ecs::config::http::HttpResponse>,
        call: Call<'_>,
    ) -> StoreError
    where
        E: aws_sdk_ecs::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        errors::map(err, call, &self.target)
    }

    /// Every revision (of `family`, or of all families) with one status, every page.
    async fn list_arns(
        &self,
        family: Option<&str>,
        status: TaskDefinitionStatus,
    ) -> Result<Vec<(String, u32)>, StoreError> {
        Ok(self.revision_arns(family, status).await?.into_iter().map(|(f, r, _)| (f, r)).collect())
    }

    /// Every revision (of `family`, or of all families) with one status, every page, as
    /// (family, revision, ARN) — ListTaskDefinitions, for `ecs-lens scan --all-revisions`.
    pub async fn revision_arns(
        &self,
        family: Option<&str>,
        status: TaskDefinitionStatus,
    ) -> Result<Vec<(String, u32, String)>, StoreError> {
        let doing = match family {
            Some(f) => format!("list the revisions of task definition family `{}`", shown(f)),
            None => "list task definitions".to_string(),
        };
        let call = Call { action: "ecs:ListTaskDefinitions", doing: &doing };
        let mut pages = self
            .client
            .list_task_definitions()
            .set_family_prefix(family.map(str::to_string))
            .status(status)
            .into_paginator()
            .page_size(100)
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let arn = item.map_err(|e| self.map(e, call))?;
            match parse_arn(&arn) {
                // familyPrefix is the full family name; keep to it even if an endpoint matched a prefix.
                Some((f, r)) if family.is_none_or(|want| want == f) => out.push((f.to_string(), r, arn.clone())),
                Some(_) => {}
                None => {
                    return Err(StoreError::unavailable(format!(
                        "ECS listed `{}`, which is not a task-definition ARN",
                        shown(&arn)
                    )))
                }
            }
        }
        Ok(out)
    }

    /// ACTIVE and INACTIVE revisions (of `family` or of every family), by family.
    async fn revision_states(&self, family: Option<&str>) -> Result<BTreeMap<String, Revisions>, StoreError> {
        let (active, inactive) = futures_util::future::try_join(
            self.list_arns(family, TaskDefinitionStatus::Active),
            self.list_arns(family, TaskDefinitionStatus::Inactive),
        )
        .await?;
        let mut by_family: BTreeMap<String, Revisions> = BTreeMap::new();
        for (list, status) in [(inactive, TaskDefStatus::Inactive), (active, TaskDefStatus::Active)] {
            for (f, r) in list {
                by_family.entry(f).or_default().insert(r, status);
            }
        }
        Ok(by_family)
    }

    fn cached(&self, family: &str, revision: u32) -> Option<DescribedTaskDefinition> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner).get(&(family.to_string(), revision)).cloned()
    }

    fn remember(&self, d: &DescribedTaskDefinition) {
        let key = (d.family().to_string(), d.revision());
        self.cache.lock().unwrap_or_else(PoisonError::into_inner).insert(key, d.clone());
    }

    /// DescribeTaskDefinition (with tags) of `family:revision`, bypassing the cache. `Ok(Err(m))`
    /// when ECS refused it with a ClientException (`m`): it does not exist, most likely.
    async fn describe_fresh(
        &self,
        family: &str,
        revision: u32,
    ) -> Result<Result<DescribedTaskDefinition, String>, StoreError> {
        let name = format!("{family}:{revision}");
        let doing = format!("describe task definition `{}`", shown(&name));
        let call = Call { action: "ecs:DescribeTaskDefinition", doing: &doing };
        let out = match self
            .client
            .describe_task_definition()
            .task_definition(&name)
            .include(TaskDefinitionField::Tags)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                return match errors::service_error(&e) {
                    Some((code, message)) if code == "ClientException" => Ok(Err(message)),
                    _ => Err(self.map(e, call)),
                }
            }
        };
        let d = convert::described_output(&out)?.ok_or_else(|| {
            StoreError::unavailable(format!(
                "ECS answered the describe of `{}` without a task definition",
                shown(&name)
            ))
        })?;
        if d.family() != family || d.revision() != revision {
            return Err(StoreError::unavailable(format!(
                "ECS answered the describe of `{}` with `{}`",
                shown(&name),
                shown(&d.family_revision())
            )));
        }
        self.remember(&d);
        Ok(Ok(d))
    }

    /// Why `family:revision` could not be described: NotFound (family or revision) if the lists
    /// say so, else ECS's refusal verbatim.
    async fn not_found(&self, family: &str, revision: u32, refusal: String) -> StoreError {
        match self.revision_states(Some(family)).await {
            Err(e) => e,
            Ok(states) => match states.get(family) {
                None => StoreError::family_not_found(family),
                Some(revs) if !revs.contains_key(&revision) => {
                    StoreError::revision_not_found(family, revision, revs.keys().next_back().copied())
                }
                Some(_) => StoreError::invalid("", refusal),
            },
        }
    }

    /// The cached describe of `family:revision` if its status is `listed`, else a fresh one.
    /// `None` if it is gone (deleted since it was listed).
    async fn cached_or_fresh(
        &self,
        family: &str,
        revision: u32,
        listed: TaskDefStatus,
    ) -> Result<Option<DescribedTaskDefinition>, StoreError> {
        if let Some(d) = self.cached(family, revision) {
            if d.status() == Some(listed) {
                return Ok(Some(d));
            }
        }
        Ok(self.describe_fresh(family, revision).await?.ok())
    }

    /// [`Self::cached_or_fresh`] of many revisions, at most `concurrency` at once, in order.
    async fn describe_many(
        &self,
        wanted: Vec<(String, u32, TaskDefStatus)>,
    ) -> Result<Vec<Option<DescribedTaskDefinition>>, StoreError> {
        stream::iter(wanted)
            .map(|(family, revision, status)| async move { self.cached_or_fresh(&family, revision, status).await })
            .buffered(self.concurrency)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect()
    }

    fn refuse_if_read_only(&self) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                message: format!(
                    "the task-definition store ({}) is read-only (started with --read-only): nothing can be registered or deregistered",
                    self.source()
                ),
            });
        }
        Ok(())
    }
}

/// `conf` with the credentials of `role`, assumed through STS with `conf`'s own credentials,
/// endpoint and HTTP client (refreshed by the provider as they expire; the session is named
/// `ecs-lens` in CloudTrail). Nothing is asked before the first request.
pub async fn assume_role(conf: SdkConfig, role: &str, external_id: Option<&str>) -> SdkConfig {
    let mut provider = aws_config::sts::AssumeRoleProvider::builder(role).session_name("ecs-lens").configure(&conf);
    if let Some(id) = external_id {
        provider = provider.external_id(id);
    }
    let provider = provider.build().await;
    conf.into_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(provider))
        .build()
}

/// The HTTPS client for ECS and for the credential providers (SSO, STS, IMDS, ECS container
/// credentials): hyper 1 + rustls with the ring provider, trusting the platform's root
/// certificates.
pub fn https_client() -> aws_sdk_ecs::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// `arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION` → (FAMILY, REVISION).
fn parse_arn(arn: &str) -> Option<(&str, u32)> {
    let (_, name) = arn.split_once(":task-definition/")?;
    let (family, revision) = name.rsplit_once(':')?;
    Some((family, revision.parse().ok()?))
}

/// Case-insensitively by name (as the embedded store sorts), then exactly.
fn sort_families(names: &mut [String]) {
    names.sort_by(|a, b| a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase()).then_with(|| a.cmp(b)));
}

fn text_field(d: &DescribedTaskDefinition, field: &str) -> Option<String> {
    d.task_definition.get(field).and_then(Value::as_str).map(str::to_string)
}

#[async_trait]
impl TaskDefStore for AwsStore {
    fn source(&self) -> String {
        let mut s = format!("Amazon ECS in {}", self.target.region);
        if let Some(p) = &self.target.profile {
            s.push_str(&format!(", profile {p}"));
        }
        if let Some(url) = &self.target.endpoint_url {
            s.push_str(&format!(", endpoint {url}"));
        }
        s
    }

    fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// False: ECS keeps its own model of the task definition (see the module documentation).
    fn preserves_input_text(&self) -> bool {
        false
    }

    /// ECS itself always reports them; an ECS-compatible endpoint (moto, LocalStack) may not.
    fn reports_all_read_only_fields(&self) -> bool {
        self.target.endpoint_url.is_none()
    }

    async fn list_families(&self) -> Result<Vec<FamilySummary>, StoreError> {
        let states = self.revision_states(None).await?;
        let wanted: Vec<(String, u32, TaskDefStatus)> = states
            .iter()
            .filter_map(|(f, revs)| {
                let active = revs.iter().rev().find(|(_, s)| **s == TaskDefStatus::Active)?;
                Some((f.clone(), *active.0, TaskDefStatus::Active))
            })
            .collect();
        let latest: HashMap<String, DescribedTaskDefinition> =
            self.describe_many(wanted).await?.into_iter().flatten().map(|d| (d.family().to_string(), d)).collect();
        let mut out: Vec<FamilySummary> = states
            .into_iter()
            .filter(|(_, revs)| !revs.is_empty())
            .map(|(family, revs)| {
                let active = revs.iter().rev().find(|(_, s)| **s == TaskDefStatus::Active).map(|(r, _)| *r);
                let described = latest.get(&family).filter(|d| Some(d.revision()) == active);
                FamilySummary {
                    status: if active.is_some() { TaskDefStatus::Active } else { TaskDefStatus::Inactive },
                    latest_active_revision: active,
                    registered_at: described.and_then(|d| text_field(d, "registeredAt")),
                    registered_by: described.and_then(|d| text_field(d, "registeredBy")),
                    revision_count: u32::try_from(revs.len()).unwrap_or(u32::MAX),
                    latest_revision: revs.keys().next_back().copied().unwrap_or(0),
                    family,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            a.family.to_ascii_lowercase().cmp(&b.family.to_ascii_lowercase()).then_with(|| a.family.cmp(&b.family))
        });
        Ok(out)
    }

    /// ListTaskDefinitions for ACTIVE and for INACTIVE (every page, concurrently): no describe.
    async fn list_all_revisions(&self, family: Option<&str>) -> Result<Vec<RevisionState>, StoreError> {
        if family.is_some_and(|f| validate_family(f).is_err()) {
            return Ok(vec![]);
        }
        let (active, inactive) = futures_util::future::try_join(
            self.revision_arns(family, TaskDefinitionStatus::Active),
            self.revision_arns(family, TaskDefinitionStatus::Inactive),
        )
        .await?;
        // A revision deregistered between the two lists can be in both: INACTIVE wins.
        let mut by_key: BTreeMap<(String, u32), RevisionState> = BTreeMap::new();
        for (list, status) in [(active, TaskDefStatus::Active), (inactive, TaskDefStatus::Inactive)] {
            for (family, revision, arn) in list {
                by_key.insert((family.clone(), revision), RevisionState { family, revision, status, arn });
            }
        }
        Ok(by_key.into_values().collect())
    }

    async fn describe_listed(
        &self,
        family: &str,
        revision: u32,
        status: TaskDefStatus,
    ) -> Result<DescribedTaskDefinition, StoreError> {
        match self.cached_or_fresh(family, revision, status).await? {
            Some(d) => Ok(d),
            None => Err(StoreError::revision_not_found(family, revision, None)),
        }
    }

    async fn list_services(&self) -> Result<Option<Vec<ServiceUse>>, StoreError> {
        self.services().await.map(Some)
    }

    async fn list_revisions(&self, family: &str) -> Result<Vec<RevisionSummary>, StoreError> {
        if validate_family(family).is_err() {
            return Err(StoreError::family_not_found(family));
        }
        let states = self.revision_states(Some(family)).await?;
        let Some(revs) = states.get(family).filter(|r| !r.is_empty()) else {
            return Err(StoreError::family_not_found(family));
        };
        let wanted = revs.iter().map(|(r, s)| (family.to_string(), *r, *s)).collect();
        let described = self.describe_many(wanted).await?;
        Ok(revs
            .iter()
            .zip(described)
            .filter_map(|((revision, status), d)| {
                let d = d?;
                Some(RevisionSummary {
                    family: family.to_string(),
                    revision: *revision,
                    status: *status,
                    registered_at: text_field(&d, "registeredAt").unwrap_or_default(),
                    registered_by: text_field(&d, "registeredBy").unwrap_or_default(),
                    deregistered_at: text_field(&d, "deregisteredAt"),
                })
            })
            .collect())
    }

    async fn describe(&self, family: &str, revision: Option<u32>) -> Result<DescribedTaskDefinition, StoreError> {
        if validate_family(family).is_err() {
            return Err(StoreError::family_not_found(family));
        }
        let revision = match revision {
            Some(r) => r,
            None => {
                // ECS describes a bare family as its latest ACTIVE revision; ask the lists (an
                // emulator may answer the highest revision whatever its status).
                let active = self.list_arns(Some(family), TaskDefinitionStatus::Active).await?;
                match active.iter().map(|(_, r)| *r).max() {
                    Some(r) => r,
                    None => {
                        let inactive = self.list_arns(Some(family), TaskDefinitionStatus::Inactive).await?;
                        return Err(match inactive.iter().map(|(_, r)| *r).max() {
                            Some(latest) => StoreError::no_active_revision(family, latest),
                            None => StoreError::family_not_found(family),
                        });
                    }
                }
            }
        };
        if let Some(d) = self.cached(family, revision) {
            return Ok(d);
        }
        match self.describe_fresh(family, revision).await? {
            Ok(d) => Ok(d),
            Err(refusal) => Err(self.not_found(family, revision, refusal).await),
        }
    }

    async fn register(&self, input: &Value, _registered_by: &str) -> Result<DescribedTaskDefinition, StoreError> {
        self.refuse_if_read_only()?;
        let input = crate::core::document::register_input(input);
        validate_register_input(&input)?;
        let family = input.get("family").and_then(Value::as_str).unwrap_or_default().to_string();
        let request = convert::register_request(self.client.register_task_definition(), &input)?;
        let tagged = input.get("tags").and_then(Value::as_array).is_some_and(|t| !t.is_empty());
        let doing = format!("register a revision of task definition family `{}`", shown(&family));
        let call = Call {
            action: if tagged {
                "ecs:RegisterTaskDefinition (and ecs:TagResource, for the tags)"
            } else {
                "ecs:RegisterTaskDefinition"
            },
            doing: &doing,
        };
        let out = request.send().await.map_err(|e| self.map(e, call))?;
        let td = out.task_definition().ok_or_else(|| {
            StoreError::unavailable(format!(
                "ECS registered `{}` but answered without the task definition",
                shown(&family)
            ))
        })?;
        let mut d = convert::described(td, out.tags.as_deref().unwrap_or_default())?;
        if out.tags.is_none() {
            // Not every endpoint echoes the tags; they are the ones just sent.
            d.tags = input.get("tags").and_then(Value::as_array).cloned().unwrap_or_default();
        }
        self.remember(&d);
        Ok(d)
    }

    async fn delete(&self, family: &str, revisions: &[u32]) -> Result<Vec<(u32, Result<(), String>)>, StoreError> {
        self.refuse_if_read_only()?;
        let mut out = Vec::with_capacity(revisions.len());
        for chunk in revisions.chunks(10) {
            let names: Vec<String> = chunk.iter().map(|r| format!("{family}:{r}")).collect();
            let doing = format!("delete task definitions {}", shown(&names.join(", ")));
            let call = Call { action: "ecs:DeleteTaskDefinitions", doing: &doing };
            let answer = self
                .client
                .delete_task_definitions()
                .set_task_definitions(Some(names))
                .send()
                .await
                .map_err(|e| self.map(e, call))?;
            for &r in chunk {
                let name = format!("{family}:{r}");
                let failed = answer.failures().iter().find(|f| {
                    f.arn().is_some_and(|a| {
                        a == name || a.ends_with(&format!("/{name}")) || parse_arn(a) == Some((family, r))
                    })
                });
                out.push((
                    r,
                    match failed {
                        Some(f) => Err(format!(
                            "{}{}",
                            f.reason().unwrap_or("refused"),
                            f.detail().map(|d| format!(": {d}")).unwrap_or_default()
                        )),
                        None => Ok(()),
                    },
                ));
                self.cache.lock().map(|mut c| c.remove(&(family.to_string(), r))).ok();
            }
        }
        Ok(out)
    }

    fn account(&self) -> Option<&dyn crate::store::account::AccountServices> {
        Some(&self.account)
    }

    async fn deregister(&self, family: &str, revision: u32) -> Result<DescribedTaskDefinition, StoreError> {
        self.refuse_if_read_only()?;
        if validate_family(family).is_err() {
            return Err(StoreError::family_not_found(family));
        }
        // Its current state, not the cache's: deregistering an INACTIVE revision is a conflict.
        let current = match self.describe_fresh(family, revision).await? {
            Ok(d) => d,
            Err(refusal) => return Err(self.not_found(family, revision, refusal).await),
        };
        if current.status() == Some(TaskDefStatus::Inactive) {
            return Err(StoreError::conflict(format!(
                "task definition `{}:{revision}` is already INACTIVE (deregistered at {}); only ACTIVE revisions can be deregistered",
                shown(family),
                text_field(&current, "deregisteredAt").as_deref().unwrap_or("an unknown time")
            )));
        }
        let name = format!("{family}:{revision}");
        let doing = format!("deregister task definition `{}`", shown(&name));
        let call = Call { action: "ecs:DeregisterTaskDefinition", doing: &doing };
        let out = match self.client.deregister_task_definition().task_definition(&name).send().await {
            Ok(out) => out,
            Err(e) => {
                return Err(match errors::service_error(&e) {
                    Some((code, message)) if code == "ClientException" => {
                        self.not_found(family, revision, message).await
                    }
                    _ => self.map(e, call),
                })
            }
        };
        let td = out.task_definition().ok_or_else(|| {
            StoreError::unavailable(format!(
                "ECS deregistered `{}` but answered without the task definition",
                shown(&name)
            ))
        })?;
        // The deregister answer has no tags: they are the revision's, unchanged.
        let d = convert::described(td, &[])?;
        let d = DescribedTaskDefinition { tags: current.tags, ..d };
        self.remember(&d);
        Ok(d)
    }
}
