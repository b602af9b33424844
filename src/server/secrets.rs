//! Secrets out for real (the service layer of `ecs-lens secrets …`, `verify` and their pages):
//!
//! - [`migrate`]: move a revision's plaintext credentials into Secrets Manager (or SSM),
//!   rewrite the task definition to reference them by the ARNs AWS returned, check (and with
//!   `grant`, fix) the execution role's access, register, record. Every step is idempotent: a
//!   rerun after a failure finds the secrets it created (same values: no new version) and
//!   carries on. With the embedded store it is a plan with the commands, and says so.
//! - [`exposure`] and [`purge`]: every revision that still carries a credential's value (by
//!   keyed hash), and deleting the ones no service runs.
//! - [`verify`]: the references a revision makes (roles, secrets and their JSON keys, log
//!   groups, ECR images) checked against the account, read-only.
//!
//! Values go from the described revision to Secrets Manager/SSM and nowhere else: not into
//! the review, the audit trail, the mirror (fingerprints only), logs or errors.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::AppState;
use crate::core::document::Document;
use crate::core::iam::{self, Access};
use crate::core::mask::Masker;
use crate::core::migration::{self, Options, Plan, SecretStore};
use crate::core::model::{parse_ecr_host, TaskDef};
use crate::shared::{
    AccessCheck, ExposedRow, ExposureItem, ExposureReport, MigrationReview, PurgeReport, ReviewMove, ReviewSecret,
    VerifyCheck, VerifyReport,
};
use crate::store::account::{AccountServices, Probe, RolePolicies, SecretValue};
use crate::store::{Registered, StoreError};

/// What a migration is asked to do.
#[derive(Clone, Debug, Default)]
pub struct MigrateRequest {
    pub options: Options,
    pub kms_key: Option<String>,
    /// Attach a least-privilege inline policy to the execution role when it cannot read the
    /// new secrets (an editor's explicit choice).
    pub grant: bool,
    /// Create, register and record (else: the review only).
    pub execute: bool,
}

const ROTATE: &str =
    "The values were readable by anyone allowed ecs:DescribeTaskDefinition, and older revisions still \
     hold them: rotate the credentials, then purge the old revisions (`ecs-lens secrets purge`).";

/// Plan, review and (with `execute`) carry out the move of `family:revision`'s credentials.
pub async fn migrate(
    state: &AppState,
    family: &str,
    revision: Option<u32>,
    req: &MigrateRequest,
) -> Result<MigrationReview, StoreError> {
    let described = state.store.describe(family, revision).await?;
    let base = described.revision();
    let doc = Document::from_value(&described.to_value());
    let plan = migration::plan(&doc, req.options);
    let td = TaskDef::new(&doc);
    let execution_role = td.str("executionRoleArn").filter(|s| !s.trim().is_empty()).map(str::to_string);
    let (_, region) = td.account_and_region();
    let account = state.store.account();
    let mut review = MigrationReview {
        family: family.to_string(),
        revision: base,
        store: req.options.store.as_str().into(),
        layout: req.options.effective_layout().as_str().into(),
        can_create: account.is_some(),
        executed: false,
        can_edit: state.can_edit() && !state.store.is_read_only(),
        secrets: Vec::new(),
        moves: Vec::new(),
        skipped: plan.skipped.iter().map(|s| (s.container.clone(), s.variable.clone(), s.reason.clone())).collect(),
        diff: Default::default(),
        rewritten: String::new(),
        commands: Vec::new(),
        execution_role: execution_role.clone(),
        access: Vec::new(),
        granted: None,
        registered: None,
        notes: Vec::new(),
    };
    if plan.is_empty() {
        review.notes.push(format!("{family}:{base} has no plaintext credential in an `environment` to move."));
        return Ok(review);
    }
    let region = account.map(|a| a.region()).or(region.map(str::to_string));
    review.commands = plan.commands(region.as_deref());

    let Some(account) = account.filter(|_| req.execute) else {
        // A plan: the ARNs the secrets will have (partial: AWS adds a suffix at creation).
        let arns = plan.placeholder_arns(&doc);
        fill_review(&mut review, &plan, &doc, &arns, "to create")?;
        if let Some(account) = account {
            review.access =
                check_access(account, execution_role.as_deref(), &plan, &arns, req.kms_key.as_deref(), true).await?.0;
            review.notes.push("Nothing has been created yet: this is the review.".into());
        } else {
            review.notes.push(format!(
                "Nothing was created: {} keeps no secrets. Run the commands below (values are read from the terminal, \
                 never typed on a command line), then register the rewritten task definition with the ARNs they print.",
                state.store.source()
            ));
        }
        return Ok(review);
    };
    if state.store.is_read_only() {
        return Err(StoreError::ReadOnly { message: "ecs-lens is read-only here: nothing can be migrated".into() });
    }
    // The family must not have moved on: the new revision is this one with the moves made.
    if let Some(newer) =
        state.store.list_revisions(family).await?.into_iter().filter(|r| r.revision > base).max_by_key(|r| r.revision)
    {
        return Err(StoreError::conflict(format!(
            "{family} has revision {} newer than {base}: migrate the latest revision instead",
            newer.revision
        )));
    }
    // 1. The secrets (created, or found from an earlier run and updated only if they differ).
    let payloads = plan.payloads(&doc);
    let mut arns = Vec::with_capacity(plan.secrets.len());
    let mut states = Vec::with_capacity(plan.secrets.len());
    for (s, p) in plan.secrets.iter().zip(&payloads) {
        let value = SecretValue {
            name: s.name.clone(),
            value: p.value.clone(),
            json: s.json,
            tags: s.tags.clone(),
            kms_key: req.kms_key.clone(),
        };
        let put = account.put_secret(req.options.store, &value).await?;
        states.push(if put.created {
            "created"
        } else if put.updated {
            "updated"
        } else {
            "unchanged"
        });
        arns.push(put.arn);
    }
    let input = fill_review(&mut review, &plan, &doc, &arns, "")?;
    for (s, st) in review.secrets.iter_mut().zip(states) {
        s.state = st.into();
    }
    review.executed = true;
    // 2. The execution role: may it read them? (`grant`: make it so.)
    let Some(role) = execution_role.as_deref() else {
        review.notes.push(
            "Not registered: the task definition has no executionRoleArn, and ECS reads secrets with the task execution \
             role. Set one (trusting ecs-tasks.amazonaws.com) and run the migration again: the secrets exist and will be reused."
                .into(),
        );
        return Ok(review);
    };
    let (mut access, policies) = check_access(account, Some(role), &plan, &arns, req.kms_key.as_deref(), false).await?;
    let missing: Vec<&AccessCheck> = access.iter().filter(|a| a.result == "missing" || a.result == "denied").collect();
    if !missing.is_empty() {
        if !req.grant {
            review.access = access;
            review.notes.push(format!(
                "Not registered: the execution role `{}` may not read the new secrets (see the access checks); tasks of \
                 the new revision would fail to start. Grant it (ecs-lens `--grant`, or your IAM pipeline) and run the \
                 migration again: the secrets exist and will be reused.",
                crate::store::aws::account::role_name(role)
            ));
            return Ok(review);
        }
        let name = grant_policy_name(family);
        let doc = grant_document(&name, policies.as_ref(), &plan, &arns, req.kms_key.as_deref());
        account.put_role_policy(role, &name, &doc).await?;
        review.granted = Some(name);
        access = check_access(account, Some(role), &plan, &arns, req.kms_key.as_deref(), false).await?.0;
    }
    review.access = access;
    // 3. Register (the conflict check again, atomically where the store can).
    let registered = match state.store.register_from(&input, &state.identity.user, base).await? {
        Registered::New(d) => d.revision(),
        Registered::Newer(n) => {
            return Err(StoreError::conflict(format!(
                "{family} got revision {} while migrating: the secrets exist and will be reused; migrate that revision",
                n.revision
            )))
        }
    };
    review.registered = Some(registered);
    // 4. Record: the audit trail (names and ARNs), the moves (fingerprints), the mirror.
    if let Some(log) = &state.audit {
        let mut changes: Vec<String> =
            review.secrets.iter().map(|s| format!("Secret {} · {} ({})", s.state, s.name, s.arn)).collect();
        changes.extend(
            review
                .moves
                .iter()
                .map(|m| format!("movedToSecrets · container {} › {} → {}", m.container, m.variable, m.value_from)),
        );
        if let Some(g) = &review.granted {
            changes.push(format!("Granted · inline policy {g} on {role}"));
        }
        let entry = crate::store::audit::NewAuditEntry {
            user: state.identity.user.clone(),
            action: "migrate-secrets".into(),
            source: state.source_name(),
            family: family.to_string(),
            revision: registered,
            base_revision: Some(base),
            changes,
            resolved: review.diff.findings.resolved.iter().map(|f| f.rule.clone()).collect(),
            introduced: review.diff.findings.introduced.iter().map(|f| f.rule.clone()).collect(),
        };
        if let Err(e) = log.record(&entry).await {
            eprintln!("ecs-lens: migrated {family} but could not record it in the audit trail: {e}");
        }
    }
    let key = state.mirror.fingerprint_key().await?;
    let source = state.source_name();
    for m in &plan.moves {
        let p = &payloads[m.secret];
        let value =
            if plan.secrets[m.secret].json { p.keys.get(&m.key).cloned().unwrap_or_default() } else { p.value.clone() };
        let fp = crate::store::mirror::fingerprint(&key, &value);
        let value_from = plan.value_from(m, &arns[m.secret]);
        state
            .mirror
            .record_move(
                &source,
                family,
                &fp,
                &m.container,
                &m.variable,
                &value_from,
                base,
                Some(registered),
                &state.identity.user,
            )
            .await?;
    }
    super::service::family_changed(state, family).await;
    review.notes.push(ROTATE.into());
    Ok(review)
}

/// The moves, secrets, rewritten document and diff of a review, for these ARNs; returns the
/// rewritten register input unmasked (what is registered), the review holds it masked (a
/// credential the migration does not move, in a command or a label, stays a credential).
fn fill_review(
    review: &mut MigrationReview,
    plan: &Plan,
    doc: &Document,
    arns: &[String],
    state: &str,
) -> Result<Value, StoreError> {
    let rewritten = plan.rewrite(doc, arns).map_err(|e| StoreError::invalid("", e))?;
    review.secrets = plan
        .secrets
        .iter()
        .zip(arns)
        .map(|(s, arn)| ReviewSecret {
            name: s.name.clone(),
            containers: s.containers.clone(),
            keys: s.keys.clone(),
            json: s.json,
            arn: arn.clone(),
            state: state.into(),
        })
        .collect();
    review.moves = plan
        .moves
        .iter()
        .map(|m| ReviewMove {
            container: m.container.clone(),
            variable: m.variable.clone(),
            what: m.what.clone(),
            value_from: plan.value_from(m, &arns[m.secret]),
        })
        .collect();
    let after = Document::from_value(&rewritten);
    review.diff = crate::core::diff::diff(doc, &after);
    let mut masked = Masker::of(&after).mask_document(&after);
    Masker::of(doc).sweep(&mut masked);
    review.rewritten = serde_json::to_string_pretty(&masked).unwrap_or_default();
    Ok(rewritten)
}

fn grant_policy_name(family: &str) -> String {
    let safe: String =
        family.chars().map(|c| if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) { c } else { '-' }).collect();
    format!("ecs-lens-secrets-{safe}").chars().take(128).collect()
}

/// The inline policy `grant` attaches: read exactly these ARNs (and those an earlier grant of
/// the same name listed), plus `kms:Decrypt` on a customer key.
fn grant_document(
    name: &str,
    current: Option<&RolePolicies>,
    plan: &Plan,
    arns: &[String],
    kms: Option<&str>,
) -> Value {
    let action = plan.read_action();
    let mut resources: BTreeSet<String> = arns.iter().cloned().collect();
    let mut keys: BTreeSet<String> = kms.map(str::to_string).into_iter().collect();
    if let Some(existing) = current.and_then(|p| p.policies.iter().find(|p| p.name == format!("inline:{name}"))) {
        for st in iam::statements(&existing.document) {
            let res = iam::strings(st.get("Resource")).into_iter().map(str::to_string);
            let actions = iam::strings(st.get("Action"));
            if actions.contains(&"kms:Decrypt") {
                keys.extend(res);
            } else {
                resources.extend(res);
            }
        }
    }
    let resources: Vec<String> = resources.into_iter().collect();
    let keys: Vec<String> = keys.into_iter().collect();
    iam::allow_policy(&[(&[action], &resources), (&["kms:Decrypt"], &keys)])
}

/// What the execution role's policies say about reading each new secret.
async fn check_access(
    account: &dyn AccountServices,
    role: Option<&str>,
    plan: &Plan,
    arns: &[String],
    kms: Option<&str>,
    planning: bool,
) -> Result<(Vec<AccessCheck>, Option<RolePolicies>), StoreError> {
    let action = plan.read_action();
    // The check cannot go further: one line says why, and there are no policies to show.
    let stop = |resource: &str, result: &str, detail: String| {
        let check = AccessCheck { action: action.into(), resource: resource.into(), result: result.into(), detail };
        Ok((vec![check], None))
    };
    let Some(role) = role else {
        let why = "no executionRoleArn: ECS needs a task execution role to read secrets";
        return stop("the new secrets", "missing", why.into());
    };
    let policies = match account.role(role).await? {
        Probe::Found(p) => p,
        Probe::Missing(why) => return stop(role, "missing", format!("the execution role does not exist: {why}")),
        Probe::NotChecked(why) => {
            return stop(role, "not-checked", format!("the execution role's policies could not be read: {why}"))
        }
    };
    let mut wanted: Vec<(&str, String)> = arns
        .iter()
        .map(|arn| {
            // A secret not created yet: its partial ARN matches policies written for `NAME-??????`.
            let resource = if planning && plan.options.store == SecretStore::SecretsManager {
                format!("{arn}-AbCdEf")
            } else {
                arn.clone()
            };
            (action, resource)
        })
        .collect();
    if let Some(k) = kms {
        wanted.push(("kms:Decrypt", k.to_string()));
    }
    let checks =
        wanted.into_iter().map(|(action, resource)| access_line(&policies, action, &resource, planning)).collect();
    Ok((checks, Some(policies)))
}

fn access_line(policies: &RolePolicies, action: &str, resource: &str, planning: bool) -> AccessCheck {
    let (result, detail) = match iam::evaluate(&policies.policies, action, resource) {
        Access::Allowed { policy } => ("allowed", format!("allowed by {policy}")),
        Access::AllowedWithCondition { policy } => {
            ("allowed-with-condition", format!("allowed by {policy} under a condition ecs-lens does not evaluate"))
        }
        Access::Denied { policy } => ("denied", format!("denied by {policy}")),
        Access::NotAllowed if !policies.unreadable.is_empty() => (
            "not-checked",
            format!("no readable policy allows it, and some could not be read: {}", policies.unreadable.join("; ")),
        ),
        Access::NotAllowed => (
            "missing",
            if planning {
                "no policy of the execution role allows it: grant it with the migration (--grant, or the checkbox) or in IAM".to_string()
            } else {
                "no policy of the execution role allows it".to_string()
            },
        ),
    };
    AccessCheck { action: action.into(), resource: resource.into(), result: result.into(), detail }
}

// ---------------------------------------------------------------- exposure and purge

/// Every credential of `family` (or of every family) and every revision still carrying it.
pub async fn exposure(state: &AppState, family: Option<&str>) -> Result<ExposureReport, StoreError> {
    let source = state.source_name();
    if let Some(f) = family {
        if state.mirror.family(&source, f).await?.is_none() {
            crate::store::sync::sync_family(state.store.as_ref(), &state.mirror, &source, f).await?;
        }
    }
    let found = state.mirror.exposure(&source, family).await?;
    let mut items = Vec::with_capacity(found.len());
    // Each family's latest revision is read and parsed once, however many credentials it had.
    let mut latest: HashMap<String, Option<Document>> = HashMap::new();
    for e in found {
        let mut moved_to = e.moved.as_ref().map(|m| m.value_from.clone());
        if moved_to.is_none() {
            let family = &e.revisions[0].family;
            if !latest.contains_key(family) {
                latest.insert(family.clone(), latest_document(state, &source, family).await?);
            }
            moved_to = latest[family].as_ref().and_then(|d| current_reference(d, &e.container, &e.place));
        }
        items.push(ExposureItem {
            id: e.id,
            what: e.what,
            container: e.container,
            place: e.place,
            in_latest: e.in_latest,
            moved_to,
            revisions: e
                .revisions
                .into_iter()
                .map(|r| ExposedRow {
                    family: r.family,
                    revision: r.revision,
                    status: r.status,
                    container: r.container,
                    place: r.place,
                    services: r.services,
                })
                .collect(),
        });
    }
    let (purgeable, kept) = match family {
        Some(f) => purge_plan(state, f, &items).await?,
        None => (Vec::new(), Vec::new()),
    };
    Ok(ExposureReport {
        family: family.map(str::to_string),
        items,
        purgeable,
        kept,
        can_purge: state.can_edit() && !state.store.is_read_only() && family.is_some(),
        latest: match family {
            Some(f) => state.mirror.family(&state.source_name(), f).await?.and_then(|r| r.latest_active),
            None => None,
        },
    })
}

/// The family's latest ACTIVE revision as the mirror holds it (masked), if any.
async fn latest_document(state: &AppState, source: &str, family: &str) -> Result<Option<Document>, StoreError> {
    let Some(latest) = state.mirror.family(source, family).await?.and_then(|f| f.latest_active) else {
        return Ok(None);
    };
    let stored = state.mirror.revision(source, family, latest).await?;
    Ok(stored.and_then(|s| Document::parse(s.document.as_str()).ok()))
}

/// The `secrets` reference `latest` has for an `environment › NAME` place's variable, if any.
fn current_reference(latest: &Document, container: &str, place: &str) -> Option<String> {
    let variable = place.strip_prefix("environment › ")?;
    let td = TaskDef::new(latest);
    let c = td.containers.iter().find(|c| c.label() == container)?;
    let reference = c.secrets().find(|s| s.name == variable).map(|s| s.value.to_string());
    reference
}

/// Which exposed revisions of `family` a purge deletes, and which it keeps (and why).
async fn purge_plan(
    state: &AppState,
    family: &str,
    items: &[ExposureItem],
) -> Result<(Vec<u32>, Vec<(u32, String)>), StoreError> {
    let source = state.source_name();
    let latest = state.mirror.family(&source, family).await?.and_then(|f| f.latest_active);
    let services = state.mirror.services_by_revision(&source, family).await?;
    let revisions: BTreeSet<u32> =
        items.iter().flat_map(|i| i.revisions.iter().filter(|r| r.family == family).map(|r| r.revision)).collect();
    let mut purge = Vec::new();
    let mut kept = Vec::new();
    for r in revisions.into_iter().rev() {
        if let Some(s) = services.get(&r) {
            kept.push((r, format!("in use: {}", s.join(", "))));
        } else if Some(r) == latest {
            kept.push((r, "the latest ACTIVE revision: migrate its secrets first (a purge never removes the family's current revision)".into()));
        } else {
            purge.push(r);
        }
    }
    Ok((purge, kept))
}

/// Deregister and delete the exposed revisions of `family` no service runs.
pub async fn purge(state: &AppState, family: &str, dry_run: bool) -> Result<PurgeReport, StoreError> {
    if !dry_run {
        if state.store.is_read_only() {
            return Err(StoreError::ReadOnly { message: "ecs-lens is read-only here: nothing can be purged".into() });
        }
        // Services as they are now, not as of the last sync: never delete what runs.
        let source = state.source_name();
        if let Some(live) = state.store.list_services().await? {
            state.mirror.replace_services(&source, Some(&live)).await?;
        }
    }
    let report = exposure(state, Some(family)).await?;
    let mut out = PurgeReport {
        family: family.to_string(),
        dry_run,
        deregistered: Vec::new(),
        deleted: Vec::new(),
        kept: report.kept.clone(),
        failed: Vec::new(),
        advice: "The values were readable while these revisions existed: rotate the credentials.".into(),
    };
    let statuses: HashMap<u32, String> = report
        .items
        .iter()
        .flat_map(|i| i.revisions.iter().filter(|r| r.family == family).map(|r| (r.revision, r.status.clone())))
        .collect();
    if dry_run {
        out.deregistered = report
            .purgeable
            .iter()
            .copied()
            .filter(|r| statuses.get(r).map(String::as_str) == Some("ACTIVE"))
            .collect();
        out.deleted = report.purgeable.clone();
        return Ok(out);
    }
    let deregister: Vec<u32> =
        report.purgeable.iter().copied().filter(|r| statuses.get(r).map(String::as_str) == Some("ACTIVE")).collect();
    let done = super::hygiene::remove_revisions(
        state,
        family,
        &deregister,
        &report.purgeable,
        "Deleted · exposed a plaintext credential (secrets purge)",
    )
    .await?;
    out.deregistered = done.deregistered;
    out.deleted = done.deleted;
    out.failed = done.failed;
    Ok(out)
}

// ---------------------------------------------------------------- verify

fn check(kind: &str, subject: impl Into<String>, result: &str, detail: impl Into<String>) -> VerifyCheck {
    VerifyCheck { kind: kind.into(), subject: subject.into(), result: result.into(), detail: detail.into() }
}

/// Check the references of `family:revision` against the account (read-only).
pub async fn verify(state: &AppState, family: &str, revision: Option<u32>) -> Result<VerifyReport, StoreError> {
    let described = state.store.describe(family, revision).await?;
    let doc = Document::from_value(&described.to_value());
    let td = TaskDef::new(&doc);
    let mut report = VerifyReport { family: family.to_string(), revision: described.revision(), checks: Vec::new() };
    let Some(account) = state.store.account() else {
        report.checks.push(check(
            "source",
            state.store.source(),
            "not-checked",
            "the embedded store lives in no AWS account: nothing can be verified (use --source aws)",
        ));
        return Ok(report);
    };
    let region = account.region();
    let exec = td.str("executionRoleArn").filter(|s| !s.trim().is_empty());
    let exec_policies = match exec {
        Some(role) => role_check(account, &mut report, "execution role", role).await?,
        None => None,
    };
    if let Some(role) = td.str("taskRoleArn").filter(|s| !s.trim().is_empty()) {
        if Some(role) == exec {
            // The same role (as in the seed): its check again under this name, not its policies again.
            let mut same = report.checks[report.checks.len() - 1].clone();
            same.subject = format!("task role {role}");
            report.checks.push(same);
        } else {
            role_check(account, &mut report, "task role", role).await?;
        }
    }
    let can_read = |report: &mut VerifyReport, subject: &str, action: &str, resource: &str| {
        let line = match (&exec_policies, exec) {
            (Some(p), _) => access_line(p, action, resource, false),
            (None, None) => AccessCheck {
                action: action.into(),
                resource: resource.into(),
                result: "missing".into(),
                detail: "no executionRoleArn: ECS reads secrets with the task execution role".into(),
            },
            (None, Some(_)) => AccessCheck {
                action: action.into(),
                resource: resource.into(),
                result: "not-checked".into(),
                detail: "the execution role's policies could not be read".into(),
            },
        };
        let result = match line.result.as_str() {
            "allowed" | "allowed-with-condition" => "pass",
            "not-checked" => "not-checked",
            _ => "fail",
        };
        report.checks.push(check("access", format!("{subject}: {action}"), result, line.detail));
    };
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for c in &td.containers {
        let name = c.label();
        let mut refs: Vec<(String, String)> =
            c.secrets().map(|s| (format!("container {name} › secrets › {}", s.name), s.value.to_string())).collect();
        if let Some(p) =
            c.get("repositoryCredentials").and_then(|r| r.get("credentialsParameter")).and_then(Value::as_str)
        {
            refs.push((format!("container {name} › repositoryCredentials"), p.to_string()));
        }
        for (subject, value_from) in refs {
            if value_from.contains(":secretsmanager:") {
                let parts: Vec<&str> = value_from.split(':').collect();
                let id = parts.iter().take(7).copied().collect::<Vec<_>>().join(":");
                let key = parts.get(7).copied().filter(|k| !k.is_empty());
                match account.secret(&id).await? {
                    Probe::Found(info) => {
                        match (key, &info.json_keys) {
                            (None, _) => report.checks.push(check("secret", &subject, "pass", format!("{} exists", info.arn))),
                            (Some(k), Some(keys)) if keys.iter().any(|x| x == k) => report
                                .checks
                                .push(check("secret", &subject, "pass", format!("{} exists and has the JSON key {k}", info.arn))),
                            (Some(k), Some(keys)) => report.checks.push(check(
                                "secret",
                                &subject,
                                "fail",
                                format!("{} has no JSON key `{k}` (it has: {})", info.arn, keys.join(", ")),
                            )),
                            (Some(k), None) => report.checks.push(check(
                                "secret",
                                &subject,
                                "not-checked",
                                format!("{} exists; whether it has the JSON key `{k}` could not be read (not JSON, or no secretsmanager:GetSecretValue)", info.arn),
                            )),
                        }
                        can_read(&mut report, &subject, "secretsmanager:GetSecretValue", &info.arn);
                        if let Some(kms) = info.kms_key.as_deref().filter(|k| !k.contains("alias/aws/secretsmanager")) {
                            can_read(&mut report, &subject, "kms:Decrypt", kms);
                        }
                    }
                    Probe::Missing(why) => {
                        report.checks.push(check("secret", &subject, "fail", format!("no secret {id}: {why}")))
                    }
                    Probe::NotChecked(why) => report.checks.push(check("secret", &subject, "not-checked", why)),
                }
            } else {
                match account.parameter(&value_from).await? {
                    Probe::Found(arn) => {
                        report.checks.push(check("parameter", &subject, "pass", format!("{arn} exists")));
                        can_read(&mut report, &subject, "ssm:GetParameters", &arn);
                    }
                    Probe::Missing(why) => report.checks.push(check(
                        "parameter",
                        &subject,
                        "fail",
                        format!("no parameter {value_from}: {why}"),
                    )),
                    Probe::NotChecked(why) => report.checks.push(check("parameter", &subject, "not-checked", why)),
                }
            }
        }
        if c.log_driver() == Some("awslogs") {
            match c.log_option("awslogs-group") {
                None => report.checks.push(check(
                    "log-group",
                    format!("container {name}"),
                    "fail",
                    "awslogs without awslogs-group",
                )),
                Some(group)
                    if !seen.insert(format!("log {group} {}", c.log_option("awslogs-region").unwrap_or(&region))) => {}
                Some(group) => {
                    let r = c.log_option("awslogs-region").unwrap_or(&region).to_string();
                    let subject = format!("{group} ({r}), first used by container {name}");
                    match account.log_group(&r, group).await? {
                        Probe::Found(()) => report.checks.push(check("log-group", &subject, "pass", "exists")),
                        Probe::Missing(why) if c.log_option("awslogs-create-group") == Some("true") => {
                            report.checks.push(check(
                                "log-group",
                                &subject,
                                "pass",
                                format!("{why}; awslogs-create-group creates it"),
                            ));
                            let acct = exec.and_then(|a| a.split(':').nth(4)).unwrap_or("*");
                            can_read(
                                &mut report,
                                &subject,
                                "logs:CreateLogGroup",
                                &format!("arn:aws:logs:{r}:{acct}:log-group:{group}:*"),
                            );
                        }
                        Probe::Missing(why) => report.checks.push(check("log-group", &subject, "fail", why)),
                        Probe::NotChecked(why) => report.checks.push(check("log-group", &subject, "not-checked", why)),
                    }
                }
            }
        }
        if let Some(image) = c.image().filter(|i| seen.insert(format!("image {i}"))) {
            let subject = format!("{image}, first used by container {name}");
            match parse_ecr_host(image) {
                None => report.checks.push(check(
                    "image",
                    &subject,
                    "not-checked",
                    "not an ECR image: other registries are not checked",
                )),
                Some((acct, r)) => {
                    let path = image.split_once('/').map(|(_, p)| p).unwrap_or("");
                    let (repo, reference) = match path.split_once('@') {
                        Some((repo, digest)) => (repo, digest.to_string()),
                        None => match path.rsplit_once(':') {
                            Some((repo, tag)) if !tag.contains('/') => (repo, tag.to_string()),
                            _ => (path, "latest".to_string()),
                        },
                    };
                    match account.image(acct, r, repo, &reference).await? {
                        Probe::Found(()) => report.checks.push(check("image", &subject, "pass", "exists in ECR")),
                        Probe::Missing(why) => report.checks.push(check("image", &subject, "fail", why)),
                        Probe::NotChecked(why) => report.checks.push(check("image", &subject, "not-checked", why)),
                    }
                }
            }
        }
    }
    Ok(report)
}

async fn role_check(
    account: &dyn AccountServices,
    report: &mut VerifyReport,
    what: &str,
    role: &str,
) -> Result<Option<RolePolicies>, StoreError> {
    Ok(match account.role(role).await? {
        Probe::Found(p) => {
            let trusted = p.trust.as_ref().is_some_and(|t| iam::trusts_service(t, "ecs-tasks.amazonaws.com"));
            report.checks.push(if trusted {
                check("role", format!("{what} {role}"), "pass", "exists and trusts ecs-tasks.amazonaws.com")
            } else if p.trust.is_none() {
                check("role", format!("{what} {role}"), "not-checked", "exists; its trust policy could not be read")
            } else {
                check(
                    "role",
                    format!("{what} {role}"),
                    "fail",
                    "exists but does not trust ecs-tasks.amazonaws.com: ECS cannot assume it",
                )
            });
            Some(p)
        }
        Probe::Missing(why) => {
            report.checks.push(check("role", format!("{what} {role}"), "fail", format!("does not exist: {why}")));
            None
        }
        Probe::NotChecked(why) => {
            report.checks.push(check("role", format!("{what} {role}"), "not-checked", why));
            None
        }
    })
}
