//! What an AWS account offers beyond ECS, for the secrets move and the reference checks:
//! Secrets Manager, SSM Parameter Store, IAM roles and their policies, CloudWatch Logs
//! groups and ECR images. A store that lives in an account hands it out
//! ([`super::TaskDefStore::account`]); the embedded store has none, and every feature built
//! on it says so rather than pretending.
//!
//! Values pass through [`AccountServices::put_secret`] on their way to Secrets Manager or
//! SSM and nowhere else: no method returns one, and [`Probe`] answers say whether a JSON key
//! exists without the value.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::iam::NamedPolicy;
use crate::core::migration::SecretStore;

use super::StoreError;

/// A check's answer: found, missing (with why), or not checked (no permission, say which).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Probe<T> {
    Found(T),
    Missing(String),
    NotChecked(String),
}

/// What was written for one secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutSecret {
    /// The ARN Secrets Manager or SSM returned (never a guessed suffix).
    pub arn: String,
    /// Created now (else it existed).
    pub created: bool,
    /// A new version was written (else it already held these values).
    pub updated: bool,
}

/// One value (or JSON object of values) to store. `Debug` never shows it.
pub struct SecretValue {
    pub name: String,
    /// The value, or for a JSON secret the object's text.
    pub value: String,
    /// A JSON secret: an existing one is merged key by key (other keys are kept).
    pub json: bool,
    pub tags: Vec<(String, String)>,
    pub kms_key: Option<String>,
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretValue").field("name", &self.name).field("value", &"••••").finish()
    }
}

/// A role's trust policy and permissions policies, as far as they could be read.
#[derive(Clone, Debug, Default)]
pub struct RolePolicies {
    pub arn: String,
    pub trust: Option<Value>,
    pub policies: Vec<NamedPolicy>,
    /// Policies that could not be read, and why (the check then cannot say "not allowed").
    pub unreadable: Vec<String>,
}

/// A secret as Secrets Manager describes it (never its value).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretInfo {
    pub arn: String,
    /// The keys of its JSON object, when the value is one (None: not JSON, or not readable).
    pub json_keys: Option<Vec<String>>,
    /// The KMS key it is encrypted with, when not the default one.
    pub kms_key: Option<String>,
}

#[async_trait]
pub trait AccountServices: Send + Sync {
    /// The region (for messages and the default of region-less references).
    fn region(&self) -> String;

    /// Create the secret (or SecureString parameter), or, when it exists, write a new version
    /// only if its value differs (a JSON secret: our keys merged into its object).
    async fn put_secret(&self, store: SecretStore, value: &SecretValue) -> Result<PutSecret, StoreError>;

    /// A role (by ARN or name) and its policies: inline and attached.
    async fn role(&self, role: &str) -> Result<Probe<RolePolicies>, StoreError>;

    /// Attach (or replace) an inline policy on a role.
    async fn put_role_policy(&self, role: &str, policy_name: &str, document: &Value) -> Result<(), StoreError>;

    /// A Secrets Manager secret by ARN (full or partial) or name.
    async fn secret(&self, id: &str) -> Result<Probe<SecretInfo>, StoreError>;

    /// An SSM parameter by name or ARN: its ARN.
    async fn parameter(&self, id: &str) -> Result<Probe<String>, StoreError>;

    /// A CloudWatch Logs group in `region`.
    async fn log_group(&self, region: &str, name: &str) -> Result<Probe<()>, StoreError>;

    /// An ECR image by repository and tag or digest (`sha256:…`), in the registry of
    /// `account` in `region`.
    async fn image(
        &self,
        account: &str,
        region: &str,
        repository: &str,
        reference: &str,
    ) -> Result<Probe<()>, StoreError>;
}
