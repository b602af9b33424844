//! A typed, borrowing view over the task-definition JSON for the rules.
//!
//! The JSON (`serde_json::Value`) stays the source of truth; this view only reads it,
//! applies ECS's documented defaults where the rules need them (an omitted `essential`
//! is `true`, an omitted `networkMode` is `bridge`), and knows each field's pointer.

use serde_json::{Map, Value};

use super::document::{escape_token, Document};

/// The task definition as the rules see it.
#[derive(Debug)]
pub struct TaskDef<'a> {
    /// The task-definition object (empty when the document's root is not an object).
    pub obj: &'a Map<String, Value>,
    /// Pointer of `obj` in the document: "" or "/taskDefinition".
    pub base: &'static str,
    pub containers: Vec<Container<'a>>,
    /// The tags and their pointer, wherever the document's shape keeps them.
    pub tags: Option<(&'a Value, String)>,
    fargate: bool,
    os_family: &'a str,
}

static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();

impl<'a> TaskDef<'a> {
    pub fn new(doc: &'a Document) -> TaskDef<'a> {
        let obj = doc.task_definition().unwrap_or_else(|| EMPTY.get_or_init(Map::new));
        let base = doc.base();
        let containers = obj
            .get("containerDefinitions")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(index, v)| Some(Container::new(index, v.as_object()?, base)))
                    .collect()
            })
            .unwrap_or_default();
        let fargate = member(obj, "requiresCompatibilities")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|c| c.as_str() == Some("FARGATE")));
        let os_family = member(obj, "runtimePlatform")
            .and_then(Value::as_object)
            .and_then(|r| member(r, "operatingSystemFamily"))
            .and_then(Value::as_str)
            .unwrap_or("LINUX");
        TaskDef { obj, base, containers, tags: doc.tags(), fargate, os_family }
    }

    /// Pointer of a task-level field (`ptr("cpu")` → "/cpu" or "/taskDefinition/cpu").
    pub fn ptr(&self, field: &str) -> String {
        format!("{}/{}", self.base, escape_token(field))
    }

    pub fn get(&self, field: &str) -> Option<&'a Value> {
        member(self.obj, field)
    }

    pub fn str(&self, field: &str) -> Option<&'a str> {
        self.get(field).and_then(Value::as_str)
    }

    pub fn family(&self) -> Option<&'a str> {
        self.str("family")
    }

    /// `networkMode` as written, or ECS's default `bridge` (Linux EC2) when absent.
    pub fn network_mode(&self) -> &'a str {
        self.str("networkMode").unwrap_or("bridge")
    }

    pub fn requires_compatibilities(&self) -> impl Iterator<Item = &'a str> {
        self.get("requiresCompatibilities").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
    }

    /// True when the task definition asks for Fargate validation.
    pub fn is_fargate(&self) -> bool {
        self.fargate
    }

    /// Task-level cpu in CPU units, accepting "256", 256 and "0.25 vCPU".
    pub fn cpu_units(&self) -> Option<u32> {
        parse_cpu_units(self.get("cpu")?)
    }

    /// Task-level memory in MiB, accepting "512", 512 and "0.5 GB".
    pub fn memory_mib(&self) -> Option<u32> {
        parse_memory_mib(self.get("memory")?)
    }

    pub fn os_family(&self) -> &'a str {
        self.os_family
    }

    pub fn is_windows(&self) -> bool {
        self.os_family().starts_with("WINDOWS")
    }

    pub fn container(&self, name: &str) -> Option<&Container<'a>> {
        self.containers.iter().find(|c| c.name == Some(name))
    }

    /// Volumes with their index.
    pub fn volumes(&self) -> impl Iterator<Item = (usize, &'a Map<String, Value>)> {
        self.get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, v)| Some((i, v.as_object()?)))
    }

    /// The AWS account and region this task definition lives in, as far as its own
    /// fields tell: the account from the first role ARN that has one, then the first ECR
    /// image host's account and region, else the first `awslogs-region` option. Used to
    /// build ARNs in fixes; borrowed, so it costs no allocation.
    pub fn account_and_region(&self) -> (Option<&'a str>, Option<&'a str>) {
        let mut account = None;
        let mut region = None;
        for field in ["executionRoleArn", "taskRoleArn"] {
            if let Some(arn) = self.str(field) {
                let mut parts = arn.split(':');
                let (first, fifth) = (parts.next(), parts.nth(3));
                let six_parts = parts.next().is_some();
                if six_parts && first == Some("arn") && account.is_none() {
                    account = fifth.filter(|a| !a.is_empty());
                }
            }
        }
        for c in &self.containers {
            if let Some((acct, reg)) = c.image().and_then(parse_ecr_host) {
                account.get_or_insert(acct);
                region.get_or_insert(reg);
            }
            if let Some(r) = c.log_option("awslogs-region") {
                region.get_or_insert(r);
            }
            if account.is_some() && region.is_some() {
                break; // later containers cannot change either
            }
        }
        (account, region)
    }
}

/// One entry of `containerDefinitions`.
///
/// The fields every rule reads (name, image, essential, environment, secrets,
/// dependsOn …) are picked out once, in one pass over the container's members: with
/// about a hundred rules, looking them up by key each time would dominate lint time.
#[derive(Debug)]
pub struct Container<'a> {
    pub index: usize,
    pub obj: &'a Map<String, Value>,
    pub name: Option<&'a str>,
    /// Pointer of this container in the document.
    pub pointer: String,
    image: Option<&'a str>,
    /// [`image_name`] of `image`, computed once ("" without an image).
    image_name: &'a str,
    essential: Option<bool>,
    health_check: bool,
    env: Vec<NameValue<'a>>,
    secrets: Vec<NameValue<'a>>,
    deps: Vec<Dependency<'a>>,
}

impl<'a> Container<'a> {
    /// Build the view of `containerDefinitions[index]`.
    pub fn new(index: usize, obj: &'a Map<String, Value>, base: &str) -> Container<'a> {
        let mut c = Container {
            index,
            obj,
            name: None,
            pointer: format!("{base}/containerDefinitions/{index}"),
            image: None,
            image_name: "",
            essential: None,
            health_check: false,
            env: Vec::new(),
            secrets: Vec::new(),
            deps: Vec::new(),
        };
        for (k, v) in obj {
            match k.as_str() {
                "name" => c.name = v.as_str(),
                "image" => c.image = v.as_str(),
                "essential" => c.essential = v.as_bool(),
                "healthCheck" => c.health_check = v.is_object(),
                "environment" => c.env = name_values(v, "value"),
                "secrets" => c.secrets = name_values(v, "valueFrom"),
                "dependsOn" => {
                    c.deps = each_object(v)
                        .filter_map(|(index, e)| {
                            let mut container_name = None;
                            let mut condition = None;
                            for (k, v) in e {
                                match k.as_str() {
                                    "containerName" => container_name = v.as_str(),
                                    "condition" => condition = v.as_str(),
                                    _ => {}
                                }
                            }
                            Some(Dependency { index, container_name: container_name?, condition: condition? })
                        })
                        .collect()
                }
                _ => {}
            }
        }
        c.image_name = c.image.map_or("", image_name);
        c
    }
}

/// Objects of an array value, with their index.
fn each_object(v: &Value) -> impl Iterator<Item = (usize, &Map<String, Value>)> {
    v.as_array().into_iter().flatten().enumerate().filter_map(|(i, e)| Some((i, e.as_object()?)))
}

/// `[{name, <value_key>}]` entries whose two members are strings.
fn name_values<'a>(v: &'a Value, value_key: &str) -> Vec<NameValue<'a>> {
    each_object(v)
        .filter_map(|(index, e)| {
            let mut name = None;
            let mut value = None;
            for (k, v) in e {
                if k == "name" {
                    name = v.as_str();
                } else if k == value_key {
                    value = v.as_str();
                }
            }
            Some(NameValue { index, name: name?, value: value? })
        })
        .collect()
}

/// A member of a small JSON object by a linear scan: for the dozen-odd keys of a task
/// definition object this beats hashing the key (serde_json's map hashes with SipHash).
pub fn member<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if obj.len() > 24 {
        return obj.get(key);
    }
    obj.iter().find(|(k, _)| k.len() == key.len() && k.as_str() == key).map(|(_, v)| v)
}

/// A `{name, value}` entry of `environment` (or `{name, valueFrom}` of `secrets`).
#[derive(Debug, Clone, Copy)]
pub struct NameValue<'a> {
    pub index: usize,
    pub name: &'a str,
    pub value: &'a str,
}

/// A `dependsOn` entry.
#[derive(Debug, Clone, Copy)]
pub struct Dependency<'a> {
    pub index: usize,
    pub container_name: &'a str,
    pub condition: &'a str,
}

impl<'a> Container<'a> {
    /// Pointer of a field of this container (`ptr("image")`).
    pub fn ptr(&self, field: &str) -> String {
        format!("{}/{}", self.pointer, escape_token(field))
    }

    /// A display name: the container's name, or `containerDefinitions[i]`.
    pub fn label(&self) -> String {
        self.name.map(str::to_string).unwrap_or_else(|| format!("containerDefinitions[{}]", self.index))
    }

    pub fn get(&self, field: &str) -> Option<&'a Value> {
        member(self.obj, field)
    }

    pub fn str(&self, field: &str) -> Option<&'a str> {
        self.get(field).and_then(Value::as_str)
    }

    pub fn bool(&self, field: &str) -> Option<bool> {
        self.get(field).and_then(Value::as_bool)
    }

    pub fn image(&self) -> Option<&'a str> {
        self.image
    }

    /// The last component of the image's repository (`public.ecr.aws/datadog/agent:7` →
    /// `agent`), "" without an image. Computed once; the sidecar recognisers ask it often.
    pub fn image_name(&self) -> &'a str {
        self.image_name
    }

    /// `essential`, with ECS's default: omitted means true.
    pub fn essential(&self) -> bool {
        self.essential.unwrap_or(true)
    }

    pub fn has_health_check(&self) -> bool {
        self.health_check
    }

    fn array(&self, field: &str) -> impl Iterator<Item = (usize, &'a Value)> {
        self.get(field).and_then(Value::as_array).into_iter().flatten().enumerate()
    }

    /// String elements of a string-array field (`command`, `entryPoint`, `links` …).
    pub fn strings(&self, field: &str) -> impl Iterator<Item = (usize, &'a str)> {
        self.array(field).filter_map(|(i, v)| Some((i, v.as_str()?)))
    }

    /// Well-formed `environment` entries (name and string value).
    pub fn environment(&self) -> impl Iterator<Item = NameValue<'a>> + '_ {
        self.env.iter().copied()
    }

    /// The value of an environment variable, if set.
    pub fn env(&self, name: &str) -> Option<&'a str> {
        self.environment().find(|e| e.name == name).map(|e| e.value)
    }

    /// Well-formed `secrets` entries (`value` holds `valueFrom`).
    pub fn secrets(&self) -> impl Iterator<Item = NameValue<'a>> + '_ {
        self.secrets.iter().copied()
    }

    /// Well-formed `dependsOn` entries.
    pub fn depends_on(&self) -> impl Iterator<Item = Dependency<'a>> + '_ {
        self.deps.iter().copied()
    }

    /// Names of containers this one takes volumes from.
    pub fn volumes_from(&self) -> impl Iterator<Item = (usize, &'a str)> {
        self.array("volumesFrom").filter_map(|(i, v)| Some((i, v.get("sourceContainer")?.as_str()?)))
    }

    /// Names of linked containers (`links` entries are `name` or `name:alias`).
    pub fn links(&self) -> impl Iterator<Item = (usize, &'a str)> {
        self.strings("links").map(|(i, l)| (i, l.split(':').next().unwrap_or(l)))
    }

    pub fn log_driver(&self) -> Option<&'a str> {
        member(self.get("logConfiguration")?.as_object()?, "logDriver")?.as_str()
    }

    pub fn log_option(&self, key: &str) -> Option<&'a str> {
        let options = member(self.get("logConfiguration")?.as_object()?, "options")?.as_object()?;
        member(options, key)?.as_str()
    }

    /// The image's repository without registry host, tag or digest, lower-cased
    /// (`public.ecr.aws/datadog/agent:7` → `datadog/agent`).
    pub fn image_repository(&self) -> Option<String> {
        self.image().map(image_repository)
    }
}

/// The last path component of the image's repository, without tag or digest
/// (`public.ecr.aws/datadog/agent:7` → `agent`): the last component of [`image_repo`], found with
/// a few byte searches. The recognisers below reject on it before computing the repository.
pub fn image_name(image: &str) -> &str {
    // Plain byte loops: image references are short, and `str::find` has more setup than work here.
    let b = image.as_bytes();
    // `contains` on bytes is a word-at-a-time memchr; a digest is rare.
    let end = if b.contains(&b'@') { b.iter().position(|&c| c == b'@').unwrap_or(b.len()) } else { b.len() };
    let start = b[..end].iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1);
    let stop = b[start..end].iter().position(|&c| c == b':').map_or(end, |i| start + i);
    &image[start..stop]
}

/// The repository part of an image reference, without registry host, tag or digest,
/// case preserved and without allocating (`public.ecr.aws/datadog/agent:7` → `datadog/agent`).
pub fn image_repo(image: &str) -> &str {
    // One pass over the bytes: the digest ends the reference; a first component with `.` or
    // `:` (or `localhost`) is a registry host; the tag is the first `:` after the last `/`
    // (so a `/` forgets the `:` seen before it).
    let b = image.as_bytes();
    let mut end = b.len();
    let mut first_slash = None;
    let mut host_like = false;
    let mut colon = None;
    for (i, &ch) in b.iter().enumerate() {
        match ch {
            b'@' => {
                end = i;
                break;
            }
            b'/' => {
                first_slash = first_slash.or(Some(i));
                colon = None;
            }
            b':' => {
                host_like |= first_slash.is_none();
                colon = colon.or(Some(i));
            }
            b'.' => host_like |= first_slash.is_none(),
            _ => {}
        }
    }
    let start = match first_slash {
        Some(i) if host_like || &image[..i] == "localhost" => i + 1,
        _ => 0,
    };
    &image[start..colon.unwrap_or(end)]
}

/// [`image_repo`], lower-cased: the repository to compare image names by.
pub fn image_repository(image: &str) -> String {
    image_repo(image).to_ascii_lowercase()
}

/// `123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/...` → (account, region).
pub fn parse_ecr_host(image: &str) -> Option<(&str, &str)> {
    let host = image.split('/').next()?;
    let mut it = host.split('.');
    let account = it.next()?;
    if it.next()? != "dkr" || it.next()? != "ecr" {
        return None;
    }
    Some((account, it.next()?))
}

/// Task cpu: "1024", 1024, "1 vCPU", "0.25 vcpu" → CPU units.
pub fn parse_cpu_units(v: &Value) -> Option<u32> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(n) = s.parse::<u32>() {
                return Some(n);
            }
            let lower = s.to_ascii_lowercase();
            let num = lower.strip_suffix("vcpu")?.trim();
            let f: f64 = num.parse().ok()?;
            (f.is_finite() && f > 0.0 && f <= 1024.0).then(|| (f * 1024.0).round() as u32)
        }
        _ => None,
    }
}

/// Task memory: "512", 512, "0.5 GB", "2GB" → MiB.
pub fn parse_memory_mib(v: &Value) -> Option<u32> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(n) = s.parse::<u32>() {
                return Some(n);
            }
            let lower = s.to_ascii_lowercase();
            let num = lower.strip_suffix("gb")?.trim();
            let f: f64 = num.parse().ok()?;
            (f.is_finite() && f > 0.0 && f <= 4096.0).then(|| (f * 1024.0).round() as u32)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn units() {
        assert_eq!(parse_cpu_units(&json!("256")), Some(256));
        assert_eq!(parse_cpu_units(&json!("0.25 vCPU")), Some(256));
        assert_eq!(parse_cpu_units(&json!("1 vcpu")), Some(1024));
        assert_eq!(parse_cpu_units(&json!("lots")), None);
        assert_eq!(parse_memory_mib(&json!("0.5 GB")), Some(512));
        assert_eq!(parse_memory_mib(&json!("2GB")), Some(2048));
        assert_eq!(parse_memory_mib(&json!(1024)), Some(1024));
    }

    #[test]
    fn images() {
        assert_eq!(image_repository("public.ecr.aws/datadog/agent:7"), "datadog/agent");
        assert_eq!(image_repository("datadog/agent:latest"), "datadog/agent");
        assert_eq!(image_repository("nginx"), "nginx");
        assert_eq!(image_repository("localhost:5000/x/y@sha256:abc"), "x/y");
        for (image, repo) in [
            ("nginx:1.27", "nginx"),
            ("Datadog/Agent:7", "Datadog/Agent"),
            ("localhost/app", "app"),
            ("registry:5000/team/app:v1@sha256:00", "team/app"),
            ("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:latest", "team/app"),
            ("host.com/", ""),
            ("a/b/c:d:e", "a/b/c"),
            ("@sha256:x", ""),
            ("", ""),
            ("/", "/"),
            (":tag", ""),
            ("gcr.io/datadoghq/agent", "datadoghq/agent"),
        ] {
            assert_eq!(image_repo(image), repo, "{image}");
            assert_eq!(image_repository(image), repo.to_ascii_lowercase(), "{image}");
        }
        assert_eq!(
            parse_ecr_host("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app:1"),
            Some(("123456789012", "ap-northeast-1"))
        );
        assert_eq!(parse_ecr_host("datadog/agent"), None);
    }

    #[test]
    fn view_of_the_seed() {
        let doc = Document::parse(include_str!("../../../tests/fixtures/seed/datadog-fastapi-taskdef.json")).unwrap();
        let td = TaskDef::new(&doc);
        assert_eq!(td.family(), Some("Datadog"));
        assert!(td.is_fargate());
        assert_eq!(td.containers.len(), 4);
        assert_eq!((td.cpu_units(), td.memory_mib()), (Some(256), Some(512)));
        let mig = td.container("migration-runner").unwrap();
        assert!(mig.obj.get("essential").is_some() && !mig.essential());
        assert_eq!(mig.env("MYSQL_PW"), Some("xxx"));
        assert_eq!(mig.ptr("environment"), "/containerDefinitions/3/environment");
        let app = td.container("my-app-repo").unwrap();
        assert_eq!(app.depends_on().count(), 3);
        assert_eq!(td.account_and_region(), (Some("xxx"), Some("ap-northeast-1")));
    }
}
