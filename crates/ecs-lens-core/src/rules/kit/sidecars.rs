//! Datadog and sidecar recognisers (the kit's): which container is the Datadog agent, the CWS
//! init container, a log router, a sidecar or the application; environment flags; the patch
//! builders for environment variables and dependencies. Used by the sidecar rules and by every
//! other rule that must tell the agent from the application (HAR005, HAR006, OPS005, OPS006).
//!
//! Everything here is allocation-free unless it builds a patch (only done when reporting).

use serde_json::{json, Value};

use super::{append, basename, non_empty_array};
#[cfg(test)]
use crate::model::image_name;
use crate::model::{image_repo, member, Container, TaskDef};
use crate::text::{contains_ci, ends_with_ci};

/// True when the repository `r` is `suffix` or ends with `/suffix` (mirrors, pull-through caches).
fn repo_is_str(r: &str, suffix: &str) -> bool {
    r.eq_ignore_ascii_case(suffix) || (ends_with_ci(r, suffix) && r.as_bytes()[r.len() - suffix.len() - 1] == b'/')
}

const AGENT_REPOS: &[&str] = &["datadog/agent", "datadoghq/agent", "datadog/docker-dd-agent"];

/// True when `image` (whose [`image_name`] is `name`) names the Datadog agent (every such
/// repository ends in `agent`).
fn agent_image_named(image: &str, name: &str) -> bool {
    ends_with_ci(name, "agent") && {
        let r = image_repo(image);
        AGENT_REPOS.iter().any(|s| repo_is_str(r, s))
    }
}

/// True when `image` (whose [`image_name`] is `name`) is the CWS instrumentation
/// (`cws-instrumentation`, which also covers `datadog/cws-instrumentation`).
fn cws_image_named(image: &str, name: &str) -> bool {
    ends_with_ci(name, "cws-instrumentation") && repo_is_str(image_repo(image), "cws-instrumentation")
}

/// The Datadog agent: by image repository, or by a name containing `datadog-agent`.
/// A non-essential container that runs the agent image with its own command (Datadog's
/// read-only-root `init-volume` copier) is not the agent.
pub fn is_agent(c: &Container<'_>) -> bool {
    agent_by(c, c.image().is_some_and(|i| agent_image_named(i, c.image_name())))
}

/// [`is_agent`], given whether the image is the agent's.
fn agent_by(c: &Container<'_>, by_image: bool) -> bool {
    let by_name = c.name.is_some_and(|n| n.len() >= 13 && contains_ci(n, "datadog-agent"));
    if !(by_image || by_name) {
        return false;
    }
    !(!c.essential()
        && (c.get("command").is_some_and(non_empty_array) || c.get("entryPoint").is_some_and(non_empty_array)))
}

/// The Datadog agent containers of the task (almost always zero or one).
pub fn agents<'t, 'a>(td: &'t TaskDef<'a>) -> impl Iterator<Item = &'t Container<'a>> {
    td.containers.iter().filter(|c| is_agent(c))
}

/// Datadog's CWS init container: image `datadog/cws-instrumentation`, or a command running
/// `cws-instrumentation setup`.
pub fn is_cws_init(c: &Container<'_>) -> bool {
    c.image().is_some_and(|i| cws_image_named(i, c.image_name())) || runs_cws_setup(c)
}

/// True when `entryPoint`/`command` run `cws-instrumentation setup`.
fn runs_cws_setup(c: &Container<'_>) -> bool {
    if !mentions(c, |s| s.contains("cws-instrumentation")) {
        return false;
    }
    let mut w = words(c);
    while let Some(word) = w.next() {
        if basename(word) == "cws-instrumentation" {
            return w.next().is_some_and(|n| n == "setup");
        }
    }
    false
}

/// True when some string of `entryPoint`/`command` satisfies `f` (a cheap pre-filter before
/// splitting them into words).
fn mentions(c: &Container<'_>, f: impl Fn(&str) -> bool) -> bool {
    string_items(c, "entryPoint").chain(string_items(c, "command")).filter_map(Value::as_str).any(f)
}

/// A FireLens log router (`firelensConfiguration` set).
pub fn is_log_router(c: &Container<'_>) -> bool {
    c.get("firelensConfiguration").is_some_and(Value::is_object)
}

/// Well-known sidecar images, by the last component of their repository (this covers
/// `aws-observability/aws-otel-collector` and `amazon/cloudwatch-agent`).
const SIDECAR_NAMES: &[&str] = &[
    "aws-for-fluent-bit",
    "fluent-bit",
    "fluentd",
    "aws-xray-daemon",
    "aws-appmesh-envoy",
    "envoy",
    "aws-otel-collector",
    "cloudwatch-agent",
];

/// A well-known sidecar: the agent, the CWS init, a log router, X-Ray, Envoy, collectors.
pub fn is_sidecar(c: &Container<'_>) -> bool {
    let mut agent_image = false;
    if let Some(image) = c.image() {
        let name = c.image_name();
        if SIDECAR_NAMES.iter().any(|r| name.eq_ignore_ascii_case(r)) || cws_image_named(image, name) {
            return true;
        }
        agent_image = agent_image_named(image, name);
    }
    is_log_router(c) || agent_by(c, agent_image) || runs_cws_setup(c)
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
    if c.environment().count() == items.len() {
        // Every entry is a well-formed {name, value}: the container's cached entries are exact.
        let mut found = None;
        for e in c.environment() {
            if e.name == name {
                found = Some((e.index, Some(e.value)));
            }
        }
        return found;
    }
    items.iter().enumerate().rev().find_map(|(i, e)| {
        let e = e.as_object()?;
        (member(e, "name")?.as_str()? == name).then(|| (i, member(e, "value").and_then(Value::as_str)))
    })
}

/// The boolean value of an environment variable: `None` when absent or not a boolean.
pub fn env_flag(c: &Container<'_>, name: &str) -> Option<bool> {
    env_entry(c, name).and_then(|(_, v)| v).and_then(parse_bool)
}

/// True when the container declares `name` in `environment` or `secrets`.
pub fn declares(c: &Container<'_>, name: &str) -> bool {
    env_entry(c, name).is_some() || c.secrets().any(|s| s.name == name)
}

/// True when `name`'s value may come from somewhere ecs-lens cannot read: an
/// `environmentFiles` file, or a `secrets` entry of that name. A rule then cannot judge the
/// value, and must not add a plaintext one (ECS refuses a name in both `environment` and
/// `secrets`, and VAL011 would remove it again).
pub fn set_elsewhere(c: &Container<'_>, name: &str) -> bool {
    // Any `secrets` entry with that name, well-formed or not (VAL011 counts them all).
    let in_secrets = c.get("secrets").and_then(Value::as_array).is_some_and(|a| {
        a.iter().any(|e| e.as_object().and_then(|o| member(o, "name")).and_then(Value::as_str) == Some(name))
    });
    has_env_files(c) || in_secrets
}

/// True when the container loads `environmentFiles`: variables may be set there.
pub fn has_env_files(c: &Container<'_>) -> bool {
    c.get("environmentFiles").is_some_and(non_empty_array)
}

/// Pointer of the `index`-th `environment` entry.
pub fn env_ptr(c: &Container<'_>, index: usize) -> String {
    use std::fmt::Write;
    // `c.ptr("environment")` followed by the index, in one allocation.
    let mut s = String::with_capacity(c.pointer.len() + 16);
    s.push_str(&c.pointer);
    s.push_str("/environment/");
    let _ = write!(s, "{index}");
    s
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
    let existing = c.get("environment");
    match existing.and_then(|_| env_entry(c, name)) {
        Some((i, Some(_))) => {
            Some(json!({"op": "replace", "path": format!("{}/value", env_ptr(c, i)), "value": value}))
        }
        Some((i, None)) => Some(json!({"op": "add", "path": format!("{}/value", env_ptr(c, i)), "value": value})),
        None => append(&c.ptr("environment"), existing, json!({"name": name, "value": value})),
    }
}

/// True when the container has a `dependsOn` entry on `target` with one of `conditions`.
pub fn waits_for(c: &Container<'_>, target: &str, conditions: &[&str]) -> bool {
    c.depends_on().any(|d| d.container_name == target && conditions.contains(&d.condition))
}

/// The JSON Patch operation adding `{containerName: target, condition}` to `dependsOn`.
/// `None` when `dependsOn` has the wrong type.
pub fn add_dependency_op(c: &Container<'_>, target: &str, condition: &str) -> Option<Value> {
    append(&c.ptr("dependsOn"), c.get("dependsOn"), json!({"containerName": target, "condition": condition}))
}

/// Separator of shell words: whitespace and the shell operators `;|&()"'` and backtick.
fn is_word_sep(ch: char) -> bool {
    ch.is_whitespace() || matches!(ch, ';' | '|' | '&' | '(' | ')' | '"' | '\'' | '`')
}

/// Byte classes for the word scanner: 0 a word byte, 1 an ASCII separator ([`is_word_sep`]),
/// 2 the lead byte of a non-ASCII character (decoded to check for Unicode whitespace).
const BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if b >= 0x80 {
            2
        } else if matches!(
            b,
            b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' | b';' | b'|' | b'&' | b'(' | b')' | b'"' | b'\'' | b'`'
        ) {
            1
        } else {
            0
        };
        i += 1;
    }
    t
};

fn string_items<'a>(c: &Container<'a>, field: &str) -> std::slice::Iter<'a, Value> {
    c.get(field).and_then(Value::as_array).map(|a| a.iter()).unwrap_or_default()
}

/// The shell words of `entryPoint` followed by `command` (strings split on whitespace and
/// shell operators), so `["/bin/sh","-c","cd /app && alembic upgrade head"]` yields
/// `/bin/sh`, `-c`, `cd`, `/app`, `alembic`, `upgrade`, `head`. Cloneable: a matcher can
/// look ahead from any position.
pub fn words<'a>(c: &Container<'a>) -> Words<'a> {
    Words { items: string_items(c, "entryPoint").chain(string_items(c, "command")), rest: "" }
}

/// Iterator of [`words`]: scans bytes, decoding only non-ASCII characters.
#[derive(Clone)]
pub struct Words<'a> {
    items: std::iter::Chain<std::slice::Iter<'a, Value>, std::slice::Iter<'a, Value>>,
    rest: &'a str,
}

/// The byte length of the non-ASCII character starting at `i` and whether it is whitespace.
#[cold]
fn wide_char(s: &str, i: usize) -> (usize, bool) {
    let ch = s[i..].chars().next().unwrap_or(' ');
    (ch.len_utf8(), is_word_sep(ch))
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            let s = self.rest;
            let b = s.as_bytes();
            let mut i = 0;
            // Skip separators.
            while i < b.len() {
                match BYTE_CLASS[usize::from(b[i])] {
                    0 => break,
                    1 => i += 1,
                    _ => match wide_char(s, i) {
                        (n, true) => i += n,
                        (_, false) => break,
                    },
                }
            }
            if i < b.len() {
                let start = i;
                // Take the word.
                while i < b.len() {
                    match BYTE_CLASS[usize::from(b[i])] {
                        0 => i += 1,
                        1 => break,
                        _ => match wide_char(s, i) {
                            (_, true) => break,
                            (n, false) => i += n,
                        },
                    }
                }
                self.rest = &s[i..];
                return Some(&s[start..i]);
            }
            self.rest = loop {
                if let Value::String(s) = self.items.next()? {
                    break s.as_str();
                }
            };
        }
    }
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
    if has_datadog_env(c) {
        if env_flag(c, "DD_TRACE_ENABLED") == Some(false) {
            return false;
        }
        if APM_ENV.iter().any(|n| declares(c, n)) || env_flag(c, "DD_PROFILING_ENABLED") == Some(true) {
            return true;
        }
        if env_entry(c, "CORECLR_PROFILER_PATH").is_some_and(|(_, v)| v.is_some_and(|v| contains_ci(v, "datadog"))) {
            return true;
        }
    }
    // Every tracer word below contains `dd-` or `ddtrace-run`: skip the word split without them.
    mentions(c, |s| s.contains("dd-") || s.contains("ddtrace-run"))
        && words(c).any(|w| {
            let b = basename(w);
            b == "ddtrace-run" || w.contains("dd-java-agent") || w.starts_with("dd-trace") || w.contains("/dd-trace/")
        })
}

/// False when no `environment` entry or secret can be one of the variables the Datadog
/// recognisers look up (`DD_…`, `CORECLR_PROFILER_PATH`), so that every such lookup would come
/// back empty. A cheap pre-filter: most containers set none of them.
fn has_datadog_env(c: &Container<'_>) -> bool {
    let relevant = |name: &str| name.starts_with("DD_") || name == "CORECLR_PROFILER_PATH";
    let env = match c.get("environment").and_then(Value::as_array) {
        None => false,
        // Malformed entries are not in the cached list: be conservative.
        Some(items) => c.environment().count() != items.len() || c.environment().any(|e| relevant(e.name)),
    };
    env || c.secrets().any(|s| relevant(s.name))
}

/// True when the container sends DogStatsD metrics or names the agent's host.
pub fn sends_to_agent_host(c: &Container<'_>) -> bool {
    has_datadog_env(c) && (DOGSTATSD_ENV.iter().any(|n| declares(c, n)) || declares(c, "DD_AGENT_HOST"))
}

/// Where in `entryPoint`/`command` the CWS tracer wraps the process: the index of the
/// word `…/cws-instrumentation` that is followed by `trace` (in the same string or the next).
/// Returns the binary's path.
pub fn cws_trace_binary<'a>(c: &Container<'a>) -> Option<&'a str> {
    if !mentions(c, |s| s.contains("cws-instrumentation")) {
        return None;
    }
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
    crate::rules::secrets::is_secret_env(name, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;

    /// The reference implementation `repo` must agree with.
    fn repo_by_splitting(image: &str) -> &str {
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

    #[test]
    fn image_name_is_the_last_component_of_repo() {
        let parts = ["", "a", "a.b", "h:5000", "localhost", "x:y", "@", "/", ":", ".", "é", "sha256:ab"];
        for a in parts {
            for b in parts {
                for c in parts {
                    for sep in [("/", "/"), ("/", ":"), (":", "/"), ("/", "@"), ("@", "/"), (":", "@")] {
                        let image = format!("{a}{}{b}{}{c}", sep.0, sep.1);
                        let r = image_repo(&image);
                        assert_eq!(image_name(&image), r.rsplit('/').next().unwrap_or(r), "{image:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn repo_agrees_with_splitting() {
        let parts = ["", "a", "a.b", "h:5000", "localhost", "x:y", "@", "/", ":", ".", "é", "sha256:ab", "localhostx"];
        for a in parts {
            for b in parts {
                for c in parts {
                    for sep in [("/", "/"), ("/", ":"), (":", "/"), ("/", "@"), ("@", "/"), (":", "@")] {
                        let image = format!("{a}{}{b}{}{c}", sep.0, sep.1);
                        assert_eq!(image_repo(&image), repo_by_splitting(&image), "{image:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn repo_strips_host_tag_digest() {
        assert_eq!(image_repo("public.ecr.aws/datadog/agent:7"), "datadog/agent");
        assert_eq!(image_repo("gcr.io/datadoghq/agent:latest"), "datadoghq/agent");
        assert_eq!(image_repo("datadog/agent"), "datadog/agent");
        assert_eq!(image_repo("localhost:5000/x/y@sha256:abc"), "x/y");
        assert_eq!(image_repo("nginx:1.25"), "nginx");
        assert_eq!(image_repo(""), "");
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

    /// The byte scanner splits exactly like `str::split` on `is_word_sep`.
    #[test]
    fn words_match_char_split() {
        let samples = [
            "cd /app && alembic upgrade head",
            "  a\u{a0}b\u{2003}c\u{85}d é;ü|x&&(y) \"q\" 'r' `s`\x0b\x0ct\r\nu",
            "",
            ";;;",
            "日本語 migrate\u{3000}up",
            "\u{1c}x\u{1f}",
        ];
        for text in samples {
            let v = serde_json::json!({"containerDefinitions": [{"name": "c", "entryPoint": [text, 5, text],
                "command": ["x y", text]}]});
            let d = doc(v);
            let td = TaskDef::new(&d);
            let got: Vec<&str> = words(&td.containers[0]).collect();
            let want: Vec<&str> = [text, text, "x y", text]
                .iter()
                .flat_map(|s| s.split(is_word_sep as fn(char) -> bool))
                .filter(|w| !w.is_empty())
                .collect();
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn env_entry_with_malformed_entries() {
        let d = doc(serde_json::json!({"containerDefinitions": [
            {"name": "a", "environment": [{"name": "X", "value": "1"}, {"name": "X", "value": 2}, 7]},
            {"name": "b", "environment": [{"name": "X", "value": "1"}, {"name": "X"}, {"name": "X", "value": "3"}]},
            {"name": "c", "environment": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]}
        ]}));
        let td = TaskDef::new(&d);
        assert_eq!(env_entry(&td.containers[0], "X"), Some((1, None)));
        assert_eq!(env_entry(&td.containers[1], "X"), Some((2, Some("3"))));
        assert_eq!(env_entry(&td.containers[2], "X"), Some((0, Some("1"))));
        assert_eq!(env_entry(&td.containers[2], "Z"), None);
    }

    #[test]
    fn bools() {
        assert_eq!(parse_bool(" TRUE "), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }
}
