//! Shared recognisers for the sidecar rules: which container is the Datadog agent,
//! the CWS init container, a log router …; environment flags; patch builders.
//!
//! Everything here is allocation-free unless it builds a patch (only done when reporting).

use serde_json::{json, Value};

use crate::core::model::{Container, TaskDef};

/// The repository part of an image reference, without registry host, tag or digest,
/// case preserved and without allocating (`public.ecr.aws/datadog/agent:7` → `datadog/agent`).
pub fn repo(image: &str) -> &str {
    let s = image.split('@').next().unwrap_or(image);
    let s = match s.split_once('/') {
        Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => rest,
        _ => s,
    };
    let last = s.rfind('/').map_or(0, |i| i + 1);
    match s[last..].find(':') {
        Some(i) => &s[..last + i],
        None => s,
    }
}

/// ASCII case-insensitive `ends_with`.
pub fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.is_char_boundary(s.len() - suffix.len())
        && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// ASCII case-insensitive `contains`.
pub fn contains_ci(s: &str, needle: &str) -> bool {
    let (h, n) = (s.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// True when the image repository is `suffix` or ends with `/suffix` (mirrors, pull-through caches).
fn repo_is(c: &Container<'_>, suffix: &str) -> bool {
    let Some(image) = c.image() else { return false };
    let r = repo(image);
    r.eq_ignore_ascii_case(suffix) || (ends_with_ci(r, suffix) && r.as_bytes()[r.len() - suffix.len() - 1] == b'/')
}

const AGENT_REPOS: &[&str] = &["datadog/agent", "datadoghq/agent", "datadog/docker-dd-agent"];

/// The Datadog agent: by image repository, or by a name containing `datadog-agent`.
/// A non-essential container that runs the agent image with its own command (Datadog's
/// read-only-root `init-volume` copier) is not the agent.
pub fn is_agent(c: &Container<'_>) -> bool {
    let by_image = AGENT_REPOS.iter().any(|r| repo_is(c, r));
    let by_name = c.name.is_some_and(|n| contains_ci(n, "datadog-agent"));
    if !(by_image || by_name) {
        return false;
    }
    !(c.obj.get("essential").and_then(Value::as_bool) == Some(false)
        && (c.get("command").is_some_and(non_empty_array) || c.get("entryPoint").is_some_and(non_empty_array)))
}

fn non_empty_array(v: &Value) -> bool {
    v.as_array().is_some_and(|a| !a.is_empty())
}

/// The Datadog agent containers of the task (almost always zero or one).
pub fn agents<'t, 'a>(td: &'t TaskDef<'a>) -> impl Iterator<Item = &'t Container<'a>> {
    td.containers.iter().filter(|c| is_agent(c))
}

/// Datadog's CWS init container: image `datadog/cws-instrumentation`, or a command running
/// `cws-instrumentation setup`.
pub fn is_cws_init(c: &Container<'_>) -> bool {
    if repo_is(c, "datadog/cws-instrumentation") || repo_is(c, "cws-instrumentation") {
        return true;
    }
    let mut w = words(c);
    while let Some(word) = w.next() {
        if basename(word) == "cws-instrumentation" {
            return w.next().is_some_and(|n| n == "setup");
        }
    }
    false
}

/// A FireLens log router (`firelensConfiguration` set).
pub fn is_log_router(c: &Container<'_>) -> bool {
    c.get("firelensConfiguration").is_some_and(Value::is_object)
}

const SIDECAR_REPOS: &[&str] = &[
    "aws-for-fluent-bit",
    "fluent-bit",
    "fluentd",
    "aws-xray-daemon",
    "aws-appmesh-envoy",
    "envoy",
    "aws-otel-collector",
    "aws-observability/aws-otel-collector",
    "cloudwatch-agent",
    "amazon/cloudwatch-agent",
];

/// A well-known sidecar: the agent, the CWS init, a log router, X-Ray, Envoy, collectors.
pub fn is_sidecar(c: &Container<'_>) -> bool {
    is_agent(c)
        || is_cws_init(c)
        || is_log_router(c)
        || SIDECAR_REPOS.iter().any(|r| {
            c.image().is_some_and(|i| {
                let rp = repo(i);
                let last = rp.rsplit('/').next().unwrap_or(rp);
                last.eq_ignore_ascii_case(r) || rp.eq_ignore_ascii_case(r)
            })
        })
}

/// An application container: essential and not a known sidecar.
pub fn is_app(c: &Container<'_>) -> bool {
    c.essential() && !is_sidecar(c)
}

/// A Datadog-style boolean: `true`/`1`/`t`/`yes`/`on` → true; `false`/`0`/`f`/`no`/`off` → false.
pub fn parse_bool(v: &str) -> Option<bool> {
    let v = v.trim();
    for t in ["true", "1", "t", "yes", "y", "on"] {
        if v.eq_ignore_ascii_case(t) {
            return Some(true);
        }
    }
    for f in ["false", "0", "f", "no", "n", "off"] {
        if v.eq_ignore_ascii_case(f) {
            return Some(false);
        }
    }
    None
}

/// An `environment` entry by name, with its index, tolerating a non-string `value`
/// (the value is then `None`). The last entry with the name wins, as in Docker.
pub fn env_entry<'a>(c: &Container<'a>, name: &str) -> Option<(usize, Option<&'a str>)> {
    let items = c.get("environment")?.as_array()?;
    items
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, e)| (e.get("name")?.as_str()? == name).then(|| (i, e.get("value").and_then(Value::as_str))))
}

/// The boolean value of an environment variable: `None` when absent or not a boolean.
pub fn env_flag(c: &Container<'_>, name: &str) -> Option<bool> {
    env_entry(c, name).and_then(|(_, v)| v).and_then(parse_bool)
}

/// True when the container declares `name` in `environment` or `secrets`.
pub fn declares(c: &Container<'_>, name: &str) -> bool {
    env_entry(c, name).is_some() || c.secrets().any(|s| s.name == name)
}

/// True when the container loads `environmentFiles`: variables may be set there.
pub fn has_env_files(c: &Container<'_>) -> bool {
    c.get("environmentFiles").is_some_and(non_empty_array)
}

/// Pointer of the `index`-th `environment` entry.
pub fn env_ptr(c: &Container<'_>, index: usize) -> String {
    format!("{}/{index}", c.ptr("environment"))
}

/// Where to point a finding about a missing variable: `environment` if present, else the container.
pub fn env_or_container_ptr(c: &Container<'_>) -> String {
    if c.get("environment").is_some() {
        c.ptr("environment")
    } else {
        c.pointer.clone()
    }
}

/// The JSON Patch operation that makes `name=value` hold in the container's `environment`:
/// replaces an existing entry's value, appends an entry, or creates the array.
/// `None` when `environment` has the wrong type.
pub fn set_env_op(c: &Container<'_>, name: &str, value: &str) -> Option<Value> {
    match c.get("environment") {
        None => Some(json!({"op": "add", "path": c.ptr("environment"), "value": [{"name": name, "value": value}]})),
        Some(Value::Array(_)) => Some(match env_entry(c, name) {
            Some((i, Some(_))) => json!({"op": "replace", "path": format!("{}/value", env_ptr(c, i)), "value": value}),
            Some((i, None)) => json!({"op": "add", "path": format!("{}/value", env_ptr(c, i)), "value": value}),
            None => {
                let path = format!("{}/-", c.ptr("environment"));
                json!({"op": "add", "path": path, "value": {"name": name, "value": value}})
            }
        }),
        Some(_) => None,
    }
}

/// True when the container has a `dependsOn` entry on `target` with one of `conditions`.
pub fn waits_for(c: &Container<'_>, target: &str, conditions: &[&str]) -> bool {
    c.depends_on().any(|d| d.container_name == target && conditions.contains(&d.condition))
}

/// The JSON Patch operation adding `{containerName: target, condition}` to `dependsOn`.
/// `None` when `dependsOn` has the wrong type.
pub fn add_dependency_op(c: &Container<'_>, target: &str, condition: &str) -> Option<Value> {
    let entry = json!({"containerName": target, "condition": condition});
    match c.get("dependsOn") {
        None => Some(json!({"op": "add", "path": c.ptr("dependsOn"), "value": [entry]})),
        Some(Value::Array(_)) => {
            Some(json!({"op": "add", "path": format!("{}/-", c.ptr("dependsOn")), "value": entry}))
        }
        Some(_) => None,
    }
}

fn is_word_sep(ch: char) -> bool {
    ch.is_whitespace() || matches!(ch, ';' | '|' | '&' | '(' | ')' | '"' | '\'' | '`')
}

fn string_items<'a>(c: &Container<'a>, field: &str) -> std::slice::Iter<'a, Value> {
    c.get(field).and_then(Value::as_array).map(|a| a.iter()).unwrap_or_default()
}

/// The shell words of `entryPoint` followed by `command` (strings split on whitespace and
/// shell operators), so `["/bin/sh","-c","cd /app && alembic upgrade head"]` yields
/// `/bin/sh`, `-c`, `cd`, `/app`, `alembic`, `upgrade`, `head`. Cloneable: a matcher can
/// look ahead from any position.
pub fn words<'a>(c: &Container<'a>) -> impl Iterator<Item = &'a str> + Clone {
    string_items(c, "entryPoint")
        .chain(string_items(c, "command"))
        .filter_map(Value::as_str)
        .flat_map(|s| s.split(is_word_sep as fn(char) -> bool))
        .filter(|w| !w.is_empty())
}

/// The last path component of a word (`/usr/local/bin/alembic` → `alembic`).
pub fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// The first `entryPoint`/`command` element containing `needle`, as a pointer.
pub fn element_ptr_containing(c: &Container<'_>, needle: &str) -> Option<String> {
    for field in ["entryPoint", "command"] {
        for (i, s) in c.strings(field) {
            if s.contains(needle) {
                return Some(format!("{}/{i}", c.ptr(field)));
            }
        }
    }
    None
}

/// Env names an application sets when it talks to the agent over APM (traces).
pub const APM_ENV: &[&str] = &["DD_TRACE_AGENT_URL", "DD_TRACE_AGENT_PORT", "DD_TRACE_AGENT_HOSTNAME"];
/// Env names an application sets when it sends DogStatsD metrics.
pub const DOGSTATSD_ENV: &[&str] = &["DD_DOGSTATSD_URL", "DD_DOGSTATSD_PORT", "DD_DOGSTATSD_HOST"];

/// True when the container runs a Datadog tracer: `ddtrace-run`, `dd-java-agent`,
/// `dd-trace` (Node `--require dd-trace/init`), Datadog's .NET profiler, an APM endpoint
/// variable or `DD_PROFILING_ENABLED`; and the tracer is not switched off.
pub fn is_traced(c: &Container<'_>) -> bool {
    if env_flag(c, "DD_TRACE_ENABLED") == Some(false) {
        return false;
    }
    if APM_ENV.iter().any(|n| declares(c, n)) || env_flag(c, "DD_PROFILING_ENABLED") == Some(true) {
        return true;
    }
    if env_entry(c, "CORECLR_PROFILER_PATH").is_some_and(|(_, v)| v.is_some_and(|v| contains_ci(v, "datadog"))) {
        return true;
    }
    words(c).any(|w| {
        let b = basename(w);
        b == "ddtrace-run" || w.contains("dd-java-agent") || w.starts_with("dd-trace") || w.contains("/dd-trace/")
    })
}

/// True when the container sends DogStatsD metrics or traces to an agent it names.
pub fn talks_to_agent(c: &Container<'_>) -> bool {
    is_traced(c) || DOGSTATSD_ENV.iter().any(|n| declares(c, n)) || declares(c, "DD_AGENT_HOST")
}

/// Where in `entryPoint`/`command` the CWS tracer wraps the process: the index of the
/// word `…/cws-instrumentation` that is followed by `trace` (in the same string or the next).
/// Returns the binary's path.
pub fn cws_trace_binary<'a>(c: &Container<'a>) -> Option<&'a str> {
    let mut w = words(c);
    while let Some(word) = w.next() {
        if basename(word) == "cws-instrumentation" && w.clone().next() == Some("trace") {
            return Some(word);
        }
    }
    None
}

/// True when the secrets rules (SEC…) report this `environment` entry themselves, so the
/// sidecar rules must not report it again.
pub fn secrets_rules_flag(name: &str, value: &str) -> bool {
    crate::core::rules::secrets::is_secret_env(name, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::document::Document;

    #[test]
    fn repo_strips_host_tag_digest() {
        assert_eq!(repo("public.ecr.aws/datadog/agent:7"), "datadog/agent");
        assert_eq!(repo("gcr.io/datadoghq/agent:latest"), "datadoghq/agent");
        assert_eq!(repo("datadog/agent"), "datadog/agent");
        assert_eq!(repo("localhost:5000/x/y@sha256:abc"), "x/y");
        assert_eq!(repo("nginx:1.25"), "nginx");
        assert_eq!(repo(""), "");
        assert!(contains_ci("My-DATADOG-Agent", "datadog-agent"));
        assert!(ends_with_ci("mirror/Datadog/Agent", "datadog/agent"));
        assert!(!ends_with_ci("é", "xx"));
    }

    fn doc(v: serde_json::Value) -> Document {
        Document::from_value(&v)
    }

    #[test]
    fn recognisers() {
        let d = doc(serde_json::json!({"containerDefinitions": [
            {"name": "a", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/hub/datadog/agent:7"},
            {"name": "init-volume", "image": "public.ecr.aws/datadog/agent:7", "essential": false,
             "command": ["cp", "-r", "/etc/datadog-agent/.", "/agent-config/"]},
            {"name": "my-datadog-agent", "image": "busybox"},
            {"name": "cws", "image": "busybox", "command": ["/cws-instrumentation", "setup"]},
            {"name": "app", "image": "app", "entryPoint": ["/vol/cws-instrumentation", "trace", "--", "python"],
             "environment": [{"name": "X", "value": 1}, {"name": "X", "value": "yes"}]},
            {"name": "router", "image": "amazon/aws-for-fluent-bit:stable"},
            {"name": "weird", "image": 5, "command": "not-an-array", "environment": {"a": 1}}
        ]}));
        let td = TaskDef::new(&d);
        let names: Vec<_> = agents(&td).filter_map(|c| c.name).collect();
        assert_eq!(names, ["a", "my-datadog-agent"]);
        assert!(is_cws_init(&td.containers[3]));
        assert!(!is_cws_init(&td.containers[4]));
        assert_eq!(cws_trace_binary(&td.containers[4]), Some("/vol/cws-instrumentation"));
        assert_eq!(env_flag(&td.containers[4], "X"), Some(true));
        assert!(is_sidecar(&td.containers[5]) && !is_app(&td.containers[5]));
        assert!(is_app(&td.containers[4]));
        let weird = &td.containers[6];
        assert!(!is_agent(weird) && !is_cws_init(weird) && words(weird).next().is_none());
        assert!(set_env_op(weird, "A", "b").is_none());
        assert_eq!(env_entry(weird, "a"), None);
    }

    #[test]
    fn bools() {
        assert_eq!(parse_bool(" TRUE "), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }
}
