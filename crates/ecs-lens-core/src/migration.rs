//! Moving plaintext credentials out of `environment` into Secrets Manager or SSM Parameter
//! Store, as a plan: which variables move, into which secrets (names, tags), how the task
//! definition reads them afterwards, and the same move as commands for someone who runs it
//! by hand. Creating the secrets is the server's business; this module never sees an ARN it
//! did not get from there ([`Plan::rewrite`] takes them) and never puts a value in anything
//! it returns except [`Plan::payloads`], which exists to be stored and nothing else.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::document::Document;
use crate::model::TaskDef;
use crate::rules::secrets::detect::{classify, Kind};
use crate::rules::secrets::migrate::sanitize_into;

/// Where the values go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretStore {
    #[default]
    SecretsManager,
    /// SSM Parameter Store SecureString parameters (one value each).
    Ssm,
}

impl SecretStore {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretStore::SecretsManager => "secretsmanager",
            SecretStore::Ssm => "ssm",
        }
    }
    pub fn parse(s: &str) -> Option<SecretStore> {
        match s {
            "secretsmanager" | "secrets-manager" | "sm" => Some(SecretStore::SecretsManager),
            "ssm" | "parameter-store" => Some(SecretStore::Ssm),
            _ => None,
        }
    }
}

/// How the values of one container are grouped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// One JSON secret per task definition and container, a key per variable
    /// (`valueFrom` = `<arn>:<KEY>::`). Secrets Manager only.
    #[default]
    PerTask,
    /// One secret (or parameter) per variable.
    PerVariable,
}

impl Layout {
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::PerTask => "per-task",
            Layout::PerVariable => "per-variable",
        }
    }
    pub fn parse(s: &str) -> Option<Layout> {
        match s {
            "per-task" => Some(Layout::PerTask),
            "per-variable" => Some(Layout::PerVariable),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    pub store: SecretStore,
    pub layout: Layout,
}

impl Options {
    /// The layout actually used: SSM parameters hold one value each.
    pub fn effective_layout(&self) -> Layout {
        match self.store {
            SecretStore::Ssm => Layout::PerVariable,
            SecretStore::SecretsManager => self.layout,
        }
    }
}

/// One secret (or parameter) to create or update.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedSecret {
    /// The Secrets Manager name or SSM parameter name.
    pub name: String,
    /// The containers whose variables it holds.
    pub containers: Vec<String>,
    /// Its JSON keys (a JSON secret), or the one variable it holds.
    pub keys: Vec<String>,
    /// A JSON object with a key per variable (else the value itself).
    pub json: bool,
    /// Tags for the new secret: where its values came from.
    pub tags: Vec<(String, String)>,
}

/// One `environment` entry that moves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    pub container: String,
    pub container_index: usize,
    /// Index of the entry in the container's `environment`.
    pub env_index: usize,
    pub variable: String,
    /// Index into [`Plan::secrets`].
    pub secret: usize,
    /// Its key in a JSON secret: the variable's name, or `container.NAME` when another
    /// container has a variable of that name with another value.
    pub key: String,
    /// What the detector took it for ("a password", "a Datadog API key" …).
    pub what: String,
}

/// A flagged entry that does not move, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub container: String,
    pub variable: String,
    pub reason: String,
}

/// What a migration of one revision does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub family: String,
    pub options: Options,
    pub secrets: Vec<PlannedSecret>,
    pub moves: Vec<Move>,
    pub skipped: Vec<Skipped>,
}

/// The value to store under one planned secret. Not `Serialize`, not `Debug`: it is written
/// to Secrets Manager or SSM and nowhere else.
pub struct Payload {
    pub name: String,
    /// The JSON object text (a JSON secret) or the value.
    pub value: String,
    /// For a JSON secret, the variables and their values.
    pub keys: BTreeMap<String, String>,
}

/// Plan the move of every plaintext credential in `doc`'s `environment`s.
pub fn plan(doc: &Document, options: Options) -> Plan {
    let td = TaskDef::new(doc);
    let family = td.family().unwrap_or("task").to_string();
    let ssm = options.store == SecretStore::Ssm;
    let mut fam = String::new();
    sanitize_into(&mut fam, &family, ssm);
    if fam.is_empty() {
        fam.push_str("task");
    }
    let layout = options.effective_layout();
    let mut out = Plan { family: family.clone(), options, secrets: Vec::new(), moves: Vec::new(), skipped: Vec::new() };
    // The values behind each JSON key of the per-task secret, to tell a shared key from a clash.
    let mut key_values: BTreeMap<String, &str> = BTreeMap::new();
    let mut task_secret: Option<usize> = None;
    for c in &td.containers {
        let container = c.label();
        let mut cname = String::new();
        if let Some(n) = c.name {
            sanitize_into(&mut cname, n, ssm);
        }
        if cname.is_empty() {
            cname = format!("container-{}", c.index);
        }
        let in_secrets: Vec<&str> = c.secrets().map(|s| s.name).collect();
        let env: Vec<_> = c.environment().collect();
        let mut seen: Vec<&str> = Vec::new();
        for e in &env {
            let Some(d) = classify(e.name, e.value) else { continue };
            let skip = |reason: &str| Skipped {
                container: container.clone(),
                variable: e.name.to_string(),
                reason: reason.into(),
            };
            match d.kind {
                Kind::Credential => {}
                Kind::Placeholder => {
                    out.skipped.push(skip("a placeholder, not a value: put the real value in a secret yourself"));
                    continue;
                }
                Kind::Empty => {
                    out.skipped.push(skip("empty: nothing to store"));
                    continue;
                }
            }
            if in_secrets.contains(&e.name) {
                out.skipped.push(skip("`secrets` already has a variable of this name (ECS rejects both)"));
                continue;
            }
            if seen.contains(&e.name) || env.iter().filter(|o| o.name == e.name).count() > 1 {
                if !seen.contains(&e.name) {
                    out.skipped.push(skip("set more than once in `environment`: decide which value is right first"));
                    seen.push(e.name);
                }
                continue;
            }
            seen.push(e.name);
            let (secret, key) = match layout {
                Layout::PerTask => {
                    let at = *task_secret.get_or_insert_with(|| {
                        out.secrets.push(PlannedSecret {
                            name: format!("ecs-lens/{fam}"),
                            containers: Vec::new(),
                            keys: Vec::new(),
                            json: true,
                            tags: tags(&family),
                        });
                        out.secrets.len() - 1
                    });
                    let key = match key_values.get(e.name) {
                        None => e.name.to_string(),
                        Some(v) if *v == e.value => e.name.to_string(),
                        Some(_) => format!("{container}.{}", e.name),
                    };
                    key_values.entry(key.clone()).or_insert(e.value);
                    (at, key)
                }
                Layout::PerVariable => {
                    let mut var = String::new();
                    sanitize_into(&mut var, e.name, ssm);
                    let name = if ssm {
                        format!("/ecs-lens/{fam}/{cname}/{var}")
                    } else {
                        format!("ecs-lens/{fam}/{cname}/{var}")
                    };
                    out.secrets.push(PlannedSecret {
                        name,
                        containers: Vec::new(),
                        keys: Vec::new(),
                        json: false,
                        tags: tags(&family),
                    });
                    (out.secrets.len() - 1, e.name.to_string())
                }
            };
            let s = &mut out.secrets[secret];
            if !s.keys.contains(&key) {
                s.keys.push(key.clone());
            }
            if !s.containers.contains(&container) {
                s.containers.push(container.clone());
            }
            out.moves.push(Move {
                container: container.clone(),
                container_index: c.index,
                env_index: e.index,
                variable: e.name.to_string(),
                secret,
                key,
                what: d.what.to_string(),
            });
        }
    }
    for s in &mut out.secrets {
        let mut list = s.containers.join(",");
        list.truncate(256);
        s.tags.push(("ecs-lens:containers".into(), list));
    }
    out
}

/// The tag that says a secret is ecs-lens's, for this family: a secret of the same name
/// without it is someone else's and is never written to.
pub const OWNER_TAG: &str = "ecs-lens:family";

fn tags(family: &str) -> Vec<(String, String)> {
    vec![(OWNER_TAG.into(), family.to_string()), ("ecs-lens:created-by".into(), "ecs-lens secrets migrate".into())]
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.moves.is_empty()
    }

    /// The values to store, one per planned secret (same order). Read from `doc`, the
    /// unmasked revision the plan was made of.
    pub fn payloads(&self, doc: &Document) -> Vec<Payload> {
        let td = TaskDef::new(doc);
        let mut out: Vec<Payload> = self
            .secrets
            .iter()
            .map(|s| Payload { name: s.name.clone(), value: String::new(), keys: BTreeMap::new() })
            .collect();
        for m in &self.moves {
            let Some(c) = td.containers.iter().find(|c| c.index == m.container_index) else { continue };
            let Some(e) = c.environment().find(|e| e.index == m.env_index) else { continue };
            let p = &mut out[m.secret];
            if self.secrets[m.secret].json {
                p.keys.insert(m.key.clone(), e.value.to_string());
            } else {
                p.value = e.value.to_string();
            }
        }
        for (p, s) in out.iter_mut().zip(&self.secrets) {
            if s.json {
                let obj: Map<String, Value> =
                    p.keys.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
                p.value = Value::Object(obj).to_string();
            }
        }
        out
    }

    /// The `valueFrom` of a move, given the ARN of its secret as Secrets Manager or SSM
    /// returned it.
    pub fn value_from(&self, m: &Move, arn: &str) -> String {
        if self.secrets[m.secret].json {
            format!("{arn}:{}::", m.key)
        } else {
            arn.to_string()
        }
    }

    /// The register input of `doc` with every move made: the entries leave `environment`
    /// and join `secrets` (`arns[i]` is the ARN of `secrets[i]`); nothing else changes.
    pub fn rewrite(&self, doc: &Document, arns: &[String]) -> Result<Value, String> {
        if arns.len() != self.secrets.len() {
            return Err(format!("{} ARNs for {} secrets", arns.len(), self.secrets.len()));
        }
        let mut input = doc.register_input();
        let containers = input
            .get_mut("containerDefinitions")
            .and_then(Value::as_array_mut)
            .ok_or("the task definition has no containerDefinitions")?;
        let mut by_container: BTreeMap<usize, Vec<&Move>> = BTreeMap::new();
        for m in &self.moves {
            by_container.entry(m.container_index).or_default().push(m);
        }
        for (index, moves) in by_container {
            let c = containers
                .get_mut(index)
                .and_then(Value::as_object_mut)
                .ok_or_else(|| format!("containerDefinitions[{index}] is not there"))?;
            let env = c.get_mut("environment").and_then(Value::as_array_mut).ok_or("no environment")?;
            let mut gone: Vec<usize> = moves.iter().map(|m| m.env_index).collect();
            gone.sort_unstable();
            for i in gone.into_iter().rev() {
                let name = env.get(i).and_then(|e| e.get("name")).and_then(Value::as_str);
                if !moves.iter().any(|m| m.env_index == i && Some(m.variable.as_str()) == name) {
                    return Err(format!(
                        "environment[{i}] of container {} is not the planned entry",
                        moves[0].container
                    ));
                }
                env.remove(i);
            }
            let secrets = c.entry("secrets").or_insert_with(|| Value::Array(Vec::new()));
            let list = secrets.as_array_mut().ok_or("`secrets` is not a list")?;
            for m in moves {
                let mut entry = Map::new();
                entry.insert("name".into(), Value::String(m.variable.clone()));
                entry.insert("valueFrom".into(), Value::String(self.value_from(m, &arns[m.secret])));
                list.push(Value::Object(entry));
            }
        }
        Ok(input)
    }

    /// ARNs for a plan nothing was created for (the embedded store, a dry run): the
    /// secret's partial ARN (without the suffix Secrets Manager appends) or the
    /// parameter's ARN, with placeholders where the task definition does not say.
    pub fn placeholder_arns(&self, doc: &Document) -> Vec<String> {
        let td = TaskDef::new(doc);
        let (account, region) = td.account_and_region();
        let (account, region) = (account.unwrap_or("<account-id>"), region.unwrap_or("<region>"));
        self.secrets
            .iter()
            .map(|s| match self.options.store {
                SecretStore::SecretsManager => format!("arn:aws:secretsmanager:{region}:{account}:secret:{}", s.name),
                SecretStore::Ssm => format!("arn:aws:ssm:{region}:{account}:parameter{}", s.name),
            })
            .collect()
    }

    /// The IAM actions the execution role needs on the new secrets' ARNs.
    pub fn read_action(&self) -> &'static str {
        match self.options.store {
            SecretStore::SecretsManager => "secretsmanager:GetSecretValue",
            SecretStore::Ssm => "ssm:GetParameters",
        }
    }

    /// The same move as shell commands: values are read from the terminal without echo and
    /// reach the AWS CLI through a file readable only by the user, never its command line.
    pub fn commands(&self, region: Option<&str>) -> Vec<String> {
        let region = region.unwrap_or("<region>");
        let mut out = Vec::new();
        for (i, s) in self.secrets.iter().enumerate() {
            let file = format!("ecs-lens-secret-{}.txt", i + 1);
            let mut read = String::from("(umask 077");
            for (k, v) in s.keys.iter().enumerate() {
                read.push_str(&format!(" && read -rsp '{}: ' V{} && echo", shell_quote_inner(v), k + 1));
            }
            if s.json {
                let fields: Vec<String> = s
                    .keys
                    .iter()
                    .enumerate()
                    .map(|(k, v)| format!("{}: env.V{}", Value::String(v.clone()), k + 1))
                    .collect();
                let assigns: Vec<String> = (1..=s.keys.len()).map(|k| format!("V{k}=\"$V{k}\"")).collect();
                read.push_str(&format!(" && {} jq -n '{{{}}}' > {file})", assigns.join(" "), fields.join(", ")));
            } else {
                read.push_str(&format!(" && printf '%s' \"$V1\" > {file})"));
            }
            out.push(read);
            let tags: Vec<String> = s.tags.iter().map(|(k, v)| format!("Key={k},Value={}", shell_word(v))).collect();
            out.push(match self.options.store {
                SecretStore::SecretsManager => format!(
                    "aws secretsmanager create-secret --region {region} --name {} --secret-string file://{file} --tags {} --query ARN --output text",
                    shell_word(&s.name),
                    tags.join(" ")
                ),
                SecretStore::Ssm => format!(
                    "aws ssm put-parameter --region {region} --name {} --type SecureString --value file://{file} --tags {}",
                    shell_word(&s.name),
                    tags.join(" ")
                ),
            });
            out.push(format!("rm -f {file}"));
        }
        out
    }
}

fn shell_quote_inner(s: &str) -> String {
    s.replace('\'', "'\\''")
}

/// `s` as one shell word.
fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/_.-:=+@".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", shell_quote_inner(s))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::SEED;

    const KEY: &str = "8f2b9c1d4e5a6f7081928374655647ab";
    const PW: &str = "Tr0ub4dor&3-horse-battery";

    /// The seed with real-looking values where it has `xxx`.
    fn seed() -> Document {
        let mut v: Value = serde_json::from_str(SEED).unwrap();
        for c in v["containerDefinitions"].as_array_mut().unwrap() {
            for e in c["environment"].as_array_mut().into_iter().flatten() {
                match e["name"].as_str() {
                    Some("DD_API_KEY") => e["value"] = json!(KEY),
                    Some("MYSQL_PW") => e["value"] = json!(PW),
                    _ => {}
                }
            }
        }
        Document::from_value(&v)
    }

    fn arns(plan: &Plan) -> Vec<String> {
        plan.secrets
            .iter()
            .map(|s| format!("arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:{}-AbCdEf", s.name))
            .collect()
    }

    #[test]
    fn the_seed_moves_both_credentials_into_one_json_secret() {
        let doc = seed();
        let plan = plan(&doc, Options::default());
        let moved: Vec<(&str, &str)> = plan.moves.iter().map(|m| (m.container.as_str(), m.variable.as_str())).collect();
        assert!(moved.contains(&("datadog-agent", "DD_API_KEY")), "{moved:?}");
        assert!(moved.iter().any(|(_, v)| *v == "MYSQL_PW"), "{moved:?}");
        assert_eq!(plan.secrets.len(), 1, "one JSON secret for the task definition");
        let s = &plan.secrets[0];
        assert!(s.json && s.name == format!("ecs-lens/{}", plan.family), "{s:?}");
        assert_eq!(s.keys, ["DD_API_KEY", "MYSQL_PW"]);
        assert!(s.tags.contains(&(OWNER_TAG.into(), plan.family.clone())));
        assert!(
            s.tags.contains(&("ecs-lens:containers".into(), "datadog-agent,migration-runner".into())),
            "{:?}",
            s.tags
        );
        let payloads = plan.payloads(&doc);
        let all: BTreeMap<&str, &str> =
            payloads.iter().flat_map(|p| p.keys.iter().map(|(k, v)| (k.as_str(), v.as_str()))).collect();
        assert_eq!(all.get("DD_API_KEY"), Some(&KEY));
        assert_eq!(all.get("MYSQL_PW"), Some(&PW));
        let dd = payloads.iter().find(|p| p.keys.contains_key("DD_API_KEY")).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&dd.value).unwrap()["DD_API_KEY"], json!(KEY));

        let rewritten = plan.rewrite(&doc, &arns(&plan)).unwrap();
        let text = rewritten.to_string();
        assert!(!text.contains(KEY) && !text.contains(PW), "no plaintext left");
        let after = Document::from_value(&rewritten);
        let td = TaskDef::new(&after);
        let dd = td.container("datadog-agent").unwrap();
        let from = dd.secrets().find(|s| s.name == "DD_API_KEY").unwrap().value;
        assert!(from.ends_with("-AbCdEf:DD_API_KEY::"), "{from}");
        assert!(dd.env("DD_API_KEY").is_none());
        // Nothing else changed: the semantic diff has exactly the moves.
        let diff = crate::diff::diff(&doc, &after);
        assert_eq!(diff.changes.len(), plan.moves.len(), "{:#?}", diff.changes);
        assert!(diff.changes.iter().all(|c| c.kind == crate::diff::ChangeKind::MovedToSecrets));
        // And the linter no longer sees a plaintext credential.
        assert!(!crate::lint(&after).iter().any(|f| f.rule == "SEC001" && f.severity == crate::Severity::Critical));
        // Planning the result again finds nothing to move.
        assert!(super::plan(&after, Options::default()).is_empty());
    }

    #[test]
    fn per_variable_and_ssm_layouts() {
        let doc = seed();
        let per = plan(&doc, Options { store: SecretStore::SecretsManager, layout: Layout::PerVariable });
        assert_eq!(per.secrets.len(), per.moves.len());
        assert!(per.secrets.iter().all(|s| !s.json && s.keys.len() == 1));
        let a = arns(&per);
        let rewritten = per.rewrite(&doc, &a).unwrap();
        assert!(rewritten.to_string().contains(&format!("\"valueFrom\":\"{}\"", a[0])));
        let ssm = plan(&doc, Options { store: SecretStore::Ssm, layout: Layout::PerTask });
        assert_eq!(ssm.options.effective_layout(), Layout::PerVariable, "a parameter holds one value");
        assert!(ssm.secrets.iter().all(|s| s.name.starts_with("/ecs-lens/") && !s.json), "{:?}", ssm.secrets);
        assert_eq!(ssm.read_action(), "ssm:GetParameters");
        let placeholders = ssm.placeholder_arns(&doc);
        assert!(placeholders[0].contains(":parameter/"), "{placeholders:?}");
        let payloads = ssm.payloads(&doc);
        assert!(payloads.iter().any(|p| p.value == KEY));
    }

    #[test]
    fn placeholders_duplicates_and_names_already_in_secrets_stay() {
        let doc = Document::from_value(&json!({
            "family": "f",
            "containerDefinitions": [{
                "name": "app", "image": "x",
                "environment": [
                    {"name": "API_TOKEN", "value": "changeme"},
                    {"name": "DB_PASSWORD", "value": PW},
                    {"name": "DB_PASSWORD", "value": "other-Pa55word!"},
                    {"name": "GITHUB_TOKEN", "value": "ghp_0123456789abcdefABCDEF0123456789abcd"},
                    {"name": "LOG_LEVEL", "value": "info"}
                ],
                "secrets": [{"name": "GITHUB_TOKEN", "valueFrom": "arn:aws:ssm:eu-west-1:1:parameter/x"}]
            }]
        }));
        let plan = plan(&doc, Options::default());
        assert!(plan.is_empty(), "{:?}", plan.moves);
        let why: Vec<(&str, &str)> = plan.skipped.iter().map(|s| (s.variable.as_str(), &s.reason[..10])).collect();
        assert_eq!(why.len(), 3, "{why:?}");
        let rewritten = plan.rewrite(&doc, &[]).unwrap();
        assert_eq!(rewritten, doc.register_input(), "an empty plan changes nothing");
    }

    #[test]
    fn commands_never_carry_a_value() {
        let doc = seed();
        for options in [Options::default(), Options { store: SecretStore::Ssm, layout: Layout::PerVariable }] {
            let plan = plan(&doc, options);
            let cmds = plan.commands(Some("ap-northeast-1")).join("\n");
            assert!(!cmds.contains(KEY) && !cmds.contains(PW), "{cmds}");
            assert!(cmds.contains("file://") && cmds.contains("read -rsp"), "{cmds}");
        }
    }

    #[test]
    fn a_plan_for_another_document_is_refused() {
        let doc = seed();
        let plan = plan(&doc, Options::default());
        let other =
            Document::from_value(&json!({"family": "f", "containerDefinitions": [{"name": "app", "image": "x"}]}));
        assert!(plan.rewrite(&other, &arns(&plan)).is_err());
        assert!(plan.rewrite(&doc, &[]).is_err(), "one ARN per secret");
    }
}

#[cfg(test)]
mod clash_tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn one_name_in_two_containers_shares_a_key_only_with_the_same_value() {
        let c = |name: &str, pw: &str| json!({"name": name, "image": "x", "environment": [{"name": "DB_PASSWORD", "value": pw}]});
        let doc = Document::from_value(&json!({"family": "f", "containerDefinitions": [
            c("a", "Tr0ub4dor&3-horse-battery"), c("b", "Tr0ub4dor&3-horse-battery"), c("c", "an0ther-Pa55word-entirely")
        ]}));
        let plan = plan(&doc, Options::default());
        let keys: Vec<&str> = plan.moves.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["DB_PASSWORD", "DB_PASSWORD", "c.DB_PASSWORD"]);
        let p = &plan.payloads(&doc)[0];
        assert_eq!(p.keys.len(), 2);
        assert_eq!(p.keys["c.DB_PASSWORD"], "an0ther-Pa55word-entirely");
        let arns = vec!["arn:aws:secretsmanager:eu-west-1:1:secret:ecs-lens/f-AbCdEf".to_string()];
        let text = plan.rewrite(&doc, &arns).unwrap().to_string();
        assert!(text.contains("ecs-lens/f-AbCdEf:c.DB_PASSWORD::"), "{text}");
    }
}
