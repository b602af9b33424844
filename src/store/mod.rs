//! Task-definition stores (server only): where the dashboard and `ecs-lens import` read and
//! register task definitions.
//!
//! One trait, [`TaskDefStore`], with Amazon ECS semantics (families, revisions numbered 1, 2, 3 …
//! per family and never reused, ACTIVE/INACTIVE, tags kept with each revision). Implementations:
//! - [`embedded::EmbeddedStore`]: the embedded store in the ecs-lens database — a SQLite file
//!   under the data directory, or PostgreSQL shared by replicas ([`database`]) — seeded with
//!   realistic task definitions on first start (the default when there is no AWS account);
//! - [`aws::AwsStore`]: Amazon ECS itself through aws-sdk-ecs (your account, or an
//!   ECS-compatible endpoint such as moto or LocalStack).
//!
//! Both pass the same [`contract`] suite (tests/store.rs, tests/aws_store.rs against moto).
//!
//! Layering: the store uses [`crate::core`] (no I/O there) and nothing above it.

use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub mod account;
pub mod audit;
pub mod aws;
/// The store contract suite: test scaffolding, not in release builds (feature `testing`).
#[cfg(any(test, feature = "testing"))]
pub mod contract;
pub mod database;
pub mod drafts;
pub mod embedded;
pub mod mirror;
pub mod notes;
pub mod seed;
pub mod sync;
/// Fresh test databases: test scaffolding, not in release builds (feature `testing`).
#[cfg(any(test, feature = "testing"))]
pub mod test_db;

pub use database::{Database, Location};
pub use embedded::{EmbeddedOptions, EmbeddedStore};

/// The local pseudo AWS account of the embedded store's ARNs.
pub const LOCAL_ACCOUNT: &str = "000000000000";
/// The pseudo region of the embedded store's ARNs.
pub const LOCAL_REGION: &str = "local";

/// ECS allows at most this many tags per resource.
pub const MAX_TAGS: usize = 50;

/// A revision's (or a family's) status, as ECS spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskDefStatus {
    Active,
    Inactive,
}

impl TaskDefStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskDefStatus::Active => "ACTIVE",
            TaskDefStatus::Inactive => "INACTIVE",
        }
    }

    /// Parse "ACTIVE"/"INACTIVE".
    pub fn parse(s: &str) -> Option<TaskDefStatus> {
        match s {
            "ACTIVE" => Some(TaskDefStatus::Active),
            "INACTIVE" => Some(TaskDefStatus::Inactive),
            _ => None,
        }
    }
}

impl fmt::Display for TaskDefStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One family in [`TaskDefStore::list_families`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FamilySummary {
    pub family: String,
    /// ACTIVE if any revision is ACTIVE, else INACTIVE.
    pub status: TaskDefStatus,
    /// The highest ACTIVE revision (`None` when every revision is INACTIVE).
    pub latest_active_revision: Option<u32>,
    /// registeredAt (RFC 3339) of `latest_active_revision`.
    pub registered_at: Option<String>,
    /// registeredBy of `latest_active_revision`.
    pub registered_by: Option<String>,
    /// How many revisions the family has (ACTIVE and INACTIVE).
    pub revision_count: u32,
    /// The highest revision number the family has (any status).
    pub latest_revision: u32,
}

/// One revision in [`TaskDefStore::list_revisions`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevisionSummary {
    pub family: String,
    pub revision: u32,
    pub status: TaskDefStatus,
    /// RFC 3339, UTC.
    pub registered_at: String,
    pub registered_by: String,
    /// RFC 3339, UTC; set once the revision is INACTIVE.
    pub deregistered_at: Option<String>,
}

/// A revision as the lists name it (ECS `ListTaskDefinitions` for ACTIVE and INACTIVE): no
/// describe needed. What a sync compares with the mirror.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevisionState {
    pub family: String,
    pub revision: u32,
    pub status: TaskDefStatus,
    /// Its ARN, when the list gives one (`""` otherwise).
    #[serde(default)]
    pub arn: String,
}

/// One deployment of an ECS service: which revision it runs (`DescribeServices`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceUse {
    /// The cluster's name (not its ARN).
    pub cluster: String,
    /// The service's name.
    pub service: String,
    pub family: String,
    pub revision: u32,
    /// `PRIMARY` (what the service runs now), `ACTIVE` (a deployment being replaced) …
    pub deployment: String,
    pub desired: u32,
    pub running: u32,
}

impl ServiceUse {
    /// `service web in cluster prod`.
    pub fn label(&self) -> String {
        format!("service {} in cluster {}", self.service, self.cluster)
    }
}

/// What `DescribeTaskDefinition` returns: `{"taskDefinition": {...}, "tags": [...]}`.
///
/// `task_definition` is the registered input (key order and unknown fields as given, without
/// `tags`) plus the read-only fields `taskDefinitionArn`, `revision`, `status`,
/// `requiresAttributes`, `compatibilities`, `registeredAt`, `registeredBy` and, once
/// deregistered, `deregisteredAt`. Serialises to exactly the describe shape, which
/// [`crate::core::document::register_input`] turns back into the register input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribedTaskDefinition {
    pub task_definition: Value,
    pub tags: Vec<Value>,
}

impl DescribedTaskDefinition {
    pub fn family(&self) -> &str {
        self.task_definition.get("family").and_then(Value::as_str).unwrap_or_default()
    }

    pub fn revision(&self) -> u32 {
        self.task_definition.get("revision").and_then(Value::as_u64).and_then(|r| u32::try_from(r).ok()).unwrap_or(0)
    }

    pub fn status(&self) -> Option<TaskDefStatus> {
        TaskDefStatus::parse(self.task_definition.get("status").and_then(Value::as_str)?)
    }

    pub fn arn(&self) -> &str {
        self.task_definition.get("taskDefinitionArn").and_then(Value::as_str).unwrap_or_default()
    }

    /// `family:revision`, as ECS names a revision.
    pub fn family_revision(&self) -> String {
        format!("{}:{}", self.family(), self.revision())
    }

    /// The DescribeTaskDefinition output as one JSON value.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("taskDefinition".into(), self.task_definition.clone());
        map.insert("tags".into(), Value::Array(self.tags.clone()));
        Value::Object(map)
    }

    /// The RegisterTaskDefinition input this revision was registered from (tags moved back in).
    pub fn register_input(&self) -> Value {
        crate::core::document::register_input(&self.to_value())
    }
}

/// Why a store operation failed. Every message says what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum StoreError {
    /// No such family, revision, or no ACTIVE revision when the latest was asked for.
    NotFound { family: String, revision: Option<u32>, message: String },
    /// The input is one ECS would refuse (ClientException). `pointer` (RFC 6901, relative to
    /// the register input) says where; `""` is the whole document.
    Invalid { pointer: String, message: String },
    /// The request conflicts with the current state (e.g. deregistering an INACTIVE revision).
    Conflict { message: String },
    /// The store was opened read-only: nothing can be registered or deregistered.
    ReadOnly { message: String },
    /// The store cannot be reached or read (I/O, database, corrupt data).
    Unavailable { message: String },
}

impl StoreError {
    pub fn invalid(pointer: impl Into<String>, message: impl Into<String>) -> StoreError {
        StoreError::Invalid { pointer: pointer.into(), message: message.into() }
    }

    pub fn unavailable(message: impl Into<String>) -> StoreError {
        StoreError::Unavailable { message: message.into() }
    }

    pub fn conflict(message: impl Into<String>) -> StoreError {
        StoreError::Conflict { message: message.into() }
    }

    /// The family does not exist.
    pub fn family_not_found(family: &str) -> StoreError {
        StoreError::NotFound {
            family: family.to_string(),
            revision: None,
            message: format!(
                "task definition family `{}` not found: nothing was ever registered under that name",
                shown(family)
            ),
        }
    }

    /// The family exists but not this revision.
    pub fn revision_not_found(family: &str, revision: u32, latest: Option<u32>) -> StoreError {
        let hint = match latest {
            Some(l) => format!(": family `{}` has revisions up to {l}", shown(family)),
            None => String::new(),
        };
        StoreError::NotFound {
            family: family.to_string(),
            revision: Some(revision),
            message: format!("task definition `{}:{revision}` not found{hint}", shown(family)),
        }
    }

    /// The latest ACTIVE revision was asked for, but every revision is INACTIVE.
    pub fn no_active_revision(family: &str, latest: u32) -> StoreError {
        StoreError::NotFound {
            family: family.to_string(),
            revision: None,
            message: format!(
                "task definition family `{f}` has no ACTIVE revision (all are INACTIVE); name a revision, e.g. `{f}:{latest}`",
                f = shown(family)
            ),
        }
    }

    /// The one-word kind: "notFound", "invalid", "conflict", "readOnly", "unavailable".
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::NotFound { .. } => "notFound",
            StoreError::Invalid { .. } => "invalid",
            StoreError::Conflict { .. } => "conflict",
            StoreError::ReadOnly { .. } => "readOnly",
            StoreError::Unavailable { .. } => "unavailable",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            StoreError::NotFound { message, .. }
            | StoreError::Invalid { message, .. }
            | StoreError::Conflict { message }
            | StoreError::ReadOnly { message }
            | StoreError::Unavailable { message } => message,
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Invalid { pointer, message } if !pointer.is_empty() => {
                write!(f, "ClientException: {message} (at {pointer})")
            }
            StoreError::Invalid { message, .. } => write!(f, "ClientException: {message}"),
            other => f.write_str(other.message()),
        }
    }
}

impl std::error::Error for StoreError {}

/// A store of task definitions with Amazon ECS semantics. Object safe: the server holds an
/// `Arc<dyn TaskDefStore>`. Every implementation passes [`contract::run_all`].
#[async_trait]
pub trait TaskDefStore: Send + Sync {
    /// Where the task definitions come from, for people ("SQLite database data/ecs-lens.db").
    fn source(&self) -> String;

    /// True when [`register`](Self::register) and [`deregister`](Self::deregister) are refused.
    fn is_read_only(&self) -> bool;

    /// True when a describe gives back the register input exactly as it was given: same key
    /// order, fields outside the ECS model kept, nothing added. Amazon ECS does not: it keeps a
    /// task definition in its own model, so it answers in its own key order, fills in the
    /// model's defaults (see [`contract::without_ecs_defaults`]) and refuses fields it does not
    /// know. The [`contract`] checks values (modulo those defaults) for every store, and text
    /// and key order only for stores that preserve them.
    fn preserves_input_text(&self) -> bool {
        true
    }

    /// True when every describe has `registeredAt`, `registeredBy`, `requiresAttributes` and,
    /// once deregistered, `deregisteredAt`. ECS does; an ECS-compatible emulator may not (moto
    /// reports none of them), and a store passing its answers through cannot promise them: its
    /// summaries then have `""` / `None` there. The [`contract`] requires them only when true,
    /// and checks them whenever present.
    fn reports_all_read_only_fields(&self) -> bool {
        true
    }

    /// Every family (ECS `ListTaskDefinitionFamilies` with each family's status and latest
    /// ACTIVE revision), sorted by name, case-insensitively.
    async fn list_families(&self) -> Result<Vec<FamilySummary>, StoreError>;

    /// Every revision (of `family`, or of every family) with its status, from the lists alone:
    /// sorted by family then revision. An unknown family has none (not an error). The default
    /// asks [`list_families`](Self::list_families) and [`list_revisions`](Self::list_revisions);
    /// stores override it with one list (Amazon ECS: `ListTaskDefinitions`, no describe).
    async fn list_all_revisions(&self, family: Option<&str>) -> Result<Vec<RevisionState>, StoreError> {
        let families = match family {
            Some(f) => vec![f.to_string()],
            None => self.list_families().await?.into_iter().map(|f| f.family).collect(),
        };
        let mut out = Vec::new();
        for f in families {
            match self.list_revisions(&f).await {
                Ok(revs) => out.extend(revs.into_iter().map(|r| RevisionState {
                    family: r.family,
                    revision: r.revision,
                    status: r.status,
                    arn: String::new(),
                })),
                Err(StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Which revisions the source's services run (every cluster, every service, every
    /// deployment), or `None` when the source has no services (the embedded store: nothing is
    /// in use there, and nothing is made up).
    async fn list_services(&self) -> Result<Option<Vec<ServiceUse>>, StoreError> {
        Ok(None)
    }

    /// The revisions of one family, oldest first. `NotFound` for an unknown family.
    async fn list_revisions(&self, family: &str) -> Result<Vec<RevisionSummary>, StoreError>;

    /// `DescribeTaskDefinition` of `family:revision`, or of the family's latest ACTIVE revision
    /// when `revision` is `None`. INACTIVE revisions can be described by number.
    async fn describe(&self, family: &str, revision: Option<u32>) -> Result<DescribedTaskDefinition, StoreError>;

    /// [`describe`](Self::describe) of `family:revision`, which the lists just said has
    /// `status`: a store that caches describes refreshes one whose status differs (a revision
    /// deregistered by someone else). What a sync asks.
    async fn describe_listed(
        &self,
        family: &str,
        revision: u32,
        status: TaskDefStatus,
    ) -> Result<DescribedTaskDefinition, StoreError> {
        let _ = status;
        self.describe(family, Some(revision)).await
    }

    /// `RegisterTaskDefinition`: registers `input` as the family's next revision (1 for a new
    /// family; a number is never handed out twice, even after deregistering). `input` is a
    /// register input (with `tags` inside) or a describe shape, which is first turned into one
    /// with [`crate::core::document::register_input`]. The input is kept exactly as given
    /// (key order, unknown fields). Input ECS would refuse is `Invalid` (see
    /// [`validate_register_input`]).
    async fn register(&self, input: &Value, registered_by: &str) -> Result<DescribedTaskDefinition, StoreError>;

    /// Register an edit that started from revision `base` — unless the family has a newer
    /// revision by then, which is returned instead and nothing is registered (the editor's
    /// conflict: someone registered since). The default checks, then registers: Amazon ECS
    /// has no conditional register, so two editors racing within that gap both get in (each
    /// a distinct number). The embedded store overrides it to check and register in one
    /// transaction, so across replicas exactly one edit from a base wins.
    async fn register_from(&self, input: &Value, registered_by: &str, base: u32) -> Result<Registered, StoreError> {
        let family = input.get("family").and_then(Value::as_str).unwrap_or_default();
        match self.list_revisions(family).await {
            Ok(revisions) => {
                if let Some(newer) = revisions.into_iter().filter(|r| r.revision > base).max_by_key(|r| r.revision) {
                    return Ok(Registered::Newer(newer));
                }
            }
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        self.register(input, registered_by).await.map(Registered::New)
    }

    /// `DeregisterTaskDefinition`: the revision becomes INACTIVE with `deregisteredAt` set.
    /// `Conflict` if it already is INACTIVE, `NotFound` if it does not exist.
    async fn deregister(&self, family: &str, revision: u32) -> Result<DescribedTaskDefinition, StoreError>;

    /// `DeleteTaskDefinitions`: delete INACTIVE revisions for good (ECS refuses ACTIVE ones;
    /// at most 10 per call, so more are sent in tens). Each revision's outcome: deleted, or
    /// the refusal. A deleted revision can no longer be described; its number is never reused.
    async fn delete(&self, family: &str, revisions: &[u32]) -> Result<Vec<(u32, Result<(), String>)>, StoreError> {
        let _ = (family, revisions);
        Err(StoreError::invalid("", format!("{} cannot delete task definitions", self.source())))
    }

    /// The account the store lives in (Secrets Manager, SSM, IAM, Logs, ECR), if any: the
    /// embedded store has none.
    fn account(&self) -> Option<&dyn account::AccountServices> {
        None
    }

    /// Release connections before the process ends (the SQLite store checkpoints its
    /// write-ahead log). Nothing to do for stores without connections of their own.
    async fn close(&self) {}
}

/// What [`TaskDefStore::register_from`] did.
#[derive(Clone, Debug)]
pub enum Registered {
    /// Registered: the new revision.
    New(DescribedTaskDefinition),
    /// Not registered: the family's newest revision, newer than the edit's base.
    Newer(RevisionSummary),
}

/// Refuse what ECS's RegisterTaskDefinition itself would refuse and the store's integrity
/// depends on: the family name, a non-empty `containerDefinitions` array of objects, and
/// well-formed tags. Everything else is left to the lint rules. `input` is a register input
/// (after [`crate::core::document::register_input`]).
pub fn validate_register_input(input: &Value) -> Result<(), StoreError> {
    let Some(map) = input.as_object() else {
        return Err(StoreError::invalid("", "a task definition must be a JSON object"));
    };
    match map.get("family") {
        None => return Err(StoreError::invalid("", "Missing required parameter in input: \"family\"")),
        Some(Value::String(family)) => validate_family(family)?,
        Some(other) => {
            return Err(StoreError::invalid(
                "/family",
                format!("Invalid type for parameter family: expected a string, found {}", type_name(other)),
            ))
        }
    }
    match map.get("containerDefinitions") {
        None => return Err(StoreError::invalid("", "Missing required parameter in input: \"containerDefinitions\"")),
        Some(Value::Array(list)) if list.is_empty() => {
            return Err(StoreError::invalid("/containerDefinitions", "Container list cannot be empty."))
        }
        Some(Value::Array(list)) => {
            if let Some(i) = list.iter().position(|c| !c.is_object()) {
                return Err(StoreError::invalid(
                    format!("/containerDefinitions/{i}"),
                    format!(
                        "Invalid type for parameter containerDefinitions[{i}]: expected an object, found {}",
                        type_name(&list[i])
                    ),
                ));
            }
        }
        Some(other) => {
            return Err(StoreError::invalid(
                "/containerDefinitions",
                format!("Invalid type for parameter containerDefinitions: expected a list, found {}", type_name(other)),
            ))
        }
    }
    if let Some(tags) = map.get("tags") {
        validate_tags(tags)?;
    }
    Ok(())
}

/// ECS family names: `^[a-zA-Z0-9_-]{1,255}$`.
pub fn validate_family(family: &str) -> Result<(), StoreError> {
    let ok = !family.is_empty()
        && family.len() <= 255
        && family.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "/family",
            format!(
                "Family `{}` is invalid: a family name has 1 to 255 letters (uppercase and lowercase), numbers, hyphens (-) and underscores (_)",
                shown(family)
            ),
        ))
    }
}

fn validate_tags(tags: &Value) -> Result<(), StoreError> {
    let Value::Array(list) = tags else {
        return Err(StoreError::invalid(
            "/tags",
            format!(
                "Invalid type for parameter tags: expected a list of {{\"key\", \"value\"}} objects, found {}",
                type_name(tags)
            ),
        ));
    };
    if list.len() > MAX_TAGS {
        return Err(StoreError::invalid(
            "/tags",
            format!("Too many tags: {} given, a task definition can have at most {MAX_TAGS}", list.len()),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, tag) in list.iter().enumerate() {
        let pointer = format!("/tags/{i}");
        let Some(obj) = tag.as_object() else {
            return Err(StoreError::invalid(
                pointer,
                format!(
                    "Invalid type for parameter tags[{i}]: expected a {{\"key\", \"value\"}} object, found {}",
                    type_name(tag)
                ),
            ));
        };
        if let Some(unknown) = obj.keys().find(|k| *k != "key" && *k != "value") {
            return Err(StoreError::invalid(
                format!("{pointer}/{}", crate::core::document::escape_token(unknown)),
                format!("Unknown parameter in tags[{i}]: \"{}\", must be one of: key, value", shown(unknown)),
            ));
        }
        let key = match obj.get("key") {
            Some(Value::String(k)) => k,
            Some(other) => {
                return Err(StoreError::invalid(
                    format!("{pointer}/key"),
                    format!("Invalid type for parameter tags[{i}].key: expected a string, found {}", type_name(other)),
                ))
            }
            None => {
                return Err(StoreError::invalid(pointer, format!("Missing required parameter in tags[{i}]: \"key\"")))
            }
        };
        if key.is_empty() || key.chars().count() > 128 {
            return Err(StoreError::invalid(
                format!("{pointer}/key"),
                format!("Tag key of tags[{i}] must have 1 to 128 characters"),
            ));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(StoreError::invalid(
                format!("{pointer}/key"),
                format!("Tag keys starting with `aws:` are reserved for AWS use (tags[{i}])"),
            ));
        }
        match obj.get("value") {
            None => {}
            Some(Value::String(v)) if v.chars().count() <= 256 => {}
            Some(Value::String(_)) => {
                return Err(StoreError::invalid(
                    format!("{pointer}/value"),
                    format!("Tag value of tags[{i}] (key `{}`) is longer than 256 characters", shown(key)),
                ))
            }
            Some(other) => {
                return Err(StoreError::invalid(
                    format!("{pointer}/value"),
                    format!(
                        "Invalid type for parameter tags[{i}].value: expected a string, found {}",
                        type_name(other)
                    ),
                ))
            }
        }
        if !seen.insert(key.as_str()) {
            return Err(StoreError::invalid(
                format!("{pointer}/key"),
                format!("Duplicate tag key `{}` (tags[{i}]): each tag key can appear only once", shown(key)),
            ));
        }
    }
    Ok(())
}

/// ECS's `compatibilities` for a task definition: EC2 always, plus what `requiresCompatibilities`
/// asks for (FARGATE, EXTERNAL, MANAGED_INSTANCES), in that order without duplicates.
pub fn compatibilities(input: &Value) -> Vec<Value> {
    let mut out = vec![Value::String("EC2".into())];
    if let Some(list) = input.get("requiresCompatibilities").and_then(Value::as_array) {
        for c in list.iter().filter_map(Value::as_str) {
            if !out.iter().any(|o| o.as_str() == Some(c)) {
                out.push(Value::String(c.to_string()));
            }
        }
    }
    out
}

/// `arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>`.
pub fn task_definition_arn(region: &str, account: &str, family: &str, revision: u32) -> String {
    format!("arn:aws:ecs:{region}:{account}:task-definition/{family}:{revision}")
}

/// Parse how people name a task definition: `family`, `family:revision` or a task-definition
/// ARN. `None` as revision means the latest ACTIVE one.
pub fn parse_task_def_ref(s: &str) -> Result<(String, Option<u32>), StoreError> {
    let s = s.trim();
    let name = match s.strip_prefix("arn:") {
        Some(_) => s.split_once(":task-definition/").map(|(_, rest)| rest).ok_or_else(|| {
            StoreError::invalid(
                "",
                format!(
                    "`{}` is not a task-definition ARN (arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION)",
                    shown(s)
                ),
            )
        })?,
        None => s,
    };
    let (family, revision) = match name.rsplit_once(':') {
        Some((family, rev)) => {
            let revision = rev.parse::<u32>().ok().filter(|r| *r >= 1).ok_or_else(|| {
                StoreError::invalid(
                    "",
                    format!(
                        "`{}` is not a revision number in `{}` (expected FAMILY:REVISION, e.g. web:3)",
                        shown(rev),
                        shown(s)
                    ),
                )
            })?;
            (family, Some(revision))
        }
        None => (name, None),
    };
    validate_family(family)?;
    Ok((family.to_string(), revision))
}

/// The `registeredBy` of someone working on this machine: an IAM user ARN in the given (pseudo)
/// account named after `$USER` (sanitised to IAM's user-name characters), else `local`.
pub fn local_principal(account: &str) -> String {
    let user: String = std::env::var("USER")
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(*c))
        .take(64)
        .collect();
    let user = if user.is_empty() { "local".to_string() } else { user };
    format!("arn:aws:iam::{account}:user/{user}")
}

/// A name for a message: at most 80 characters, control characters escaped.
pub(crate) fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(80).flat_map(char::escape_default).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// A JSON value's type in words: the core's one table.
use crate::core::rules::kit::json_type as type_name;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validation_refuses_what_ecs_refuses() {
        let ok = json!({"family": "web_1-a", "containerDefinitions": [{"name": "a"}]});
        assert!(validate_register_input(&ok).is_ok());
        let cases = [
            (json!([]), ""),
            (json!({"containerDefinitions": [{}]}), ""),
            (json!({"family": 5, "containerDefinitions": [{}]}), "/family"),
            (json!({"family": "a b", "containerDefinitions": [{}]}), "/family"),
            (json!({"family": "", "containerDefinitions": [{}]}), "/family"),
            (json!({"family": "x".repeat(256), "containerDefinitions": [{}]}), "/family"),
            (json!({"family": "ä", "containerDefinitions": [{}]}), "/family"),
            (json!({"family": "a"}), ""),
            (json!({"family": "a", "containerDefinitions": []}), "/containerDefinitions"),
            (json!({"family": "a", "containerDefinitions": {}}), "/containerDefinitions"),
            (json!({"family": "a", "containerDefinitions": [{}, 3]}), "/containerDefinitions/1"),
            (json!({"family": "a", "containerDefinitions": [{}], "tags": {}}), "/tags"),
            (json!({"family": "a", "containerDefinitions": [{}], "tags": [1]}), "/tags/0"),
            (json!({"family": "a", "containerDefinitions": [{}], "tags": [{"value": "x"}]}), "/tags/0"),
            (json!({"family": "a", "containerDefinitions": [{}], "tags": [{"key": ""}]}), "/tags/0/key"),
            (json!({"family": "a", "containerDefinitions": [{}], "tags": [{"key": "aws:x"}]}), "/tags/0/key"),
            (json!({"family": "a", "containerDefinitions": [{}], "tags": [{"key": "k", "value": 1}]}), "/tags/0/value"),
            (
                json!({"family": "a", "containerDefinitions": [{}], "tags": [{"key": "k", "Value": "v"}]}),
                "/tags/0/Value",
            ),
            (json!({"family": "a", "containerDefinitions": [{}], "tags": [{"key": "k"}, {"key": "k"}]}), "/tags/1/key"),
        ];
        for (input, pointer) in cases {
            match validate_register_input(&input) {
                Err(StoreError::Invalid { pointer: p, message }) => {
                    assert_eq!(p, pointer, "{input}: {message}");
                    assert!(!message.is_empty());
                }
                other => panic!("{input}: expected Invalid, got {other:?}"),
            }
        }
        let err = validate_register_input(&json!({"family": "a", "containerDefinitions": []})).unwrap_err();
        assert_eq!(err.to_string(), "ClientException: Container list cannot be empty. (at /containerDefinitions)");
    }

    #[test]
    fn compatibilities_follow_requires_compatibilities() {
        assert_eq!(compatibilities(&json!({})), vec![json!("EC2")]);
        assert_eq!(
            compatibilities(&json!({"requiresCompatibilities": ["FARGATE"]})),
            vec![json!("EC2"), json!("FARGATE")]
        );
        assert_eq!(compatibilities(&json!({"requiresCompatibilities": ["EC2"]})), vec![json!("EC2")]);
    }

    #[test]
    fn task_def_refs() {
        assert_eq!(parse_task_def_ref("web").unwrap(), ("web".into(), None));
        assert_eq!(parse_task_def_ref("web:3").unwrap(), ("web".into(), Some(3)));
        assert_eq!(
            parse_task_def_ref("arn:aws:ecs:local:000000000000:task-definition/Datadog:2").unwrap(),
            ("Datadog".into(), Some(2))
        );
        for bad in ["web:0", "web:x", "a b", "", "arn:aws:ecs:x", "web:3:4"] {
            assert!(matches!(parse_task_def_ref(bad), Err(StoreError::Invalid { .. })), "{bad}");
        }
    }

    #[test]
    fn messages_are_bounded_and_escaped() {
        let e = validate_family(&format!("a\n{}", "b".repeat(300))).unwrap_err();
        assert!(e.message().contains("a\\n"));
        assert!(e.message().len() < 400);
    }
}
