//! Secret detection: pure string code shared by every `SEC…` rule.
//!
//! Three layers, cheapest first:
//! 1. **The name** ([`name_class`]): tokenised on `_`, `-`, `.`, other punctuation and
//!    camelCase, compared case-insensitively. `MYSQL_PW`, `PGPASSWORD`, `DD_API_KEY`,
//!    `clientSecret` name credential slots; `SECRET_ARN`, `TOKEN_TTL`, `PASSWORD_MIN_LENGTH`,
//!    `API_KEY_HEADER`, `PUBLIC_KEY`, `NEXT_PUBLIC_*` only look like it.
//! 2. **Well-known credential formats** in the value, whatever the name (`AKIA…`, `ghp_…`,
//!    `xoxb-…`, `sk_live_…`, `SG.….…`, `sk-…`, JWTs, PEM private keys, URLs with a password,
//!    `Bearer …`, and `password=…` / `"token": "…"` pairs embedded in a longer value).
//! 3. **The value in context**: in a credential slot anything that is not clearly harmless
//!    (a boolean, a small number, an ARN, a path or parameter name, a URL without
//!    credentials …) is a finding, and a placeholder (`xxx`, `changeme`, `${VAR}`, empty)
//!    is one too — the slot itself is the problem. `*_KEY` needs key material; elsewhere
//!    only a Datadog/AWS key shape next to a Datadog/AWS name, or a long high-entropy
//!    string, counts.
//!
//! [`detect_at`] is the one entry point for a string of the document: it reads the string
//! in the context its place gives it (see [`super::places`]). Nothing here allocates but
//! a command line's list of hits; no regex.

use serde_json::Value;

use super::places::{Place, PlaceContext};
use crate::text::{contains_ci, ends_with_ci, starts_with_ci};

/// What kind of thing was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A value that looks like a real credential.
    Credential,
    /// A credential slot holding a placeholder (`xxx`, `changeme`, `<YOUR_KEY>`, `${VAR}` …).
    Placeholder,
    /// A credential slot holding an empty value.
    Empty,
}

/// One detection: its kind and what it is, for messages ("a password", "a GitHub token").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detection {
    pub kind: Kind,
    pub what: &'static str,
}

impl Detection {
    const fn credential(what: &'static str) -> Detection {
        Detection { kind: Kind::Credential, what }
    }
    const fn placeholder(what: &'static str) -> Detection {
        Detection { kind: Kind::Placeholder, what }
    }
    const fn empty(what: &'static str) -> Detection {
        Detection { kind: Kind::Empty, what }
    }
    /// True for a real-looking credential (not a placeholder or an empty slot).
    pub fn is_credential(&self) -> bool {
        self.kind == Kind::Credential
    }
}

/// Where a value sits: a plain value (env var, option, label) or shell text (a command),
/// where `$VAR` is an expansion rather than a literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctx {
    Value,
    Shell,
}

/// What a name says about its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameClass {
    /// Says nothing about secrets.
    Neutral,
    /// An identifier-like name (`*_ID`, `*_SHA`, `*_VERSION`, `*_NAME` …): no entropy guessing.
    IdLike,
    /// Looks secret but names something else (`SECRET_ARN`, `TOKEN_TTL`, `PUBLIC_KEY` …).
    Guarded,
    /// A credential slot: any real value is a finding, and so is a placeholder.
    Secret(&'static str),
    /// `*_KEY`, `*_SALT`: a finding only when the value looks like key material.
    KeyLike(&'static str),
    /// `*_KEY_ID`, `*_SECRET_ID`: a finding only for key material that is not a UUID.
    SecretId(&'static str),
    /// `*_AUTH`: a finding for `user:password`, `Basic …`/`Bearer …` or key material.
    AuthLike,
}

// ---------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------

/// The detector for one string of the document, read in its place's context:
///
/// - a name/value pair's value or a map value: [`classify`] under the name or key;
/// - a command-line element: [`scan_command`] over the whole line (a flag and its value
///   can be two elements);
/// - a reference member (`valueFrom`, `credentialsParameter`): [`value_not_reference`];
/// - any other member of the model: [`in_field`] (well-known formats only: the model's
///   member names never name a credential, and its values are identifiers);
/// - a member the model does not have: [`classify`] under its key (users choose those
///   names: `dbPassword`, `apiToken`).
pub fn detect_at(place: &Place<'_, '_>) -> Option<Detection> {
    let v = place.value;
    match place.context {
        PlaceContext::NameValue { name } => classify(name, v),
        PlaceContext::MapEntry { key } => classify(key, v),
        PlaceContext::Command { list, index } => scan_list(list).into_iter().find(|(i, _)| *i == index).map(|(_, d)| d),
        PlaceContext::Reference { .. } => value_not_reference(v),
        PlaceContext::Field { name } => in_field(name, v),
        PlaceContext::Unknown { key } => classify(key, v),
    }
}

/// [`scan_command`] over the string elements of a command-line array.
pub fn scan_list(list: &[Value]) -> Vec<(usize, Detection)> {
    scan_command(list.iter().enumerate().filter_map(|(i, v)| Some((i, v.as_str()?))))
}

/// A member of the model that is not meant for a credential (`image`, `hostname`,
/// `extraHosts[].ipAddress`, `links[]` …): a well-known credential format, or for `image`
/// a registry password written into the reference (`user:password@registry/repo`).
pub fn in_field(name: &str, value: &str) -> Option<Detection> {
    known_format(value, Ctx::Value).or_else(|| if name == "image" { image_userinfo(value) } else { None })
}

/// `user:password@registry.example.com/repo:tag`: userinfo before the registry host (a
/// digest, `repo:tag@sha256:…`, has no `/` after its `@`).
fn image_userinfo(image: &str) -> Option<Detection> {
    let (userinfo, rest) = image.split_once('@')?;
    if userinfo.contains('/') || !rest.contains('/') {
        return None;
    }
    let (user, pw) = userinfo.split_once(':')?;
    if user.is_empty() || pw.is_empty() || is_reference(pw, Ctx::Value, false) {
        return None;
    }
    const WHAT: &str = "a registry password in the image reference";
    Some(if is_placeholder(pw) { Detection::placeholder(WHAT) } else { Detection::credential(WHAT) })
}

/// A reference member (`valueFrom`, `credentialsParameter`) whose content looks like a
/// secret value rather than a secret's name or ARN.
pub fn value_not_reference(v: &str) -> Option<Detection> {
    let t = v.trim();
    if t.is_empty() || t.starts_with("arn:") || is_placeholder(t) {
        return None;
    }
    if let Some(d) = known_format(t, Ctx::Value) {
        return d.is_credential().then_some(d);
    }
    let b = t.as_bytes();
    if is_high_entropy(t) || (b.len() >= 32 && b.iter().all(u8::is_ascii_hexdigit)) {
        return Some(Detection::credential("a secret value (a high-entropy string)"));
    }
    let name_byte = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'/' | b'+' | b'=' | b'@');
    (b.len() >= 6 && !b.iter().all(name_byte)).then_some(Detection::credential("a secret value (not a valid name)"))
}

/// Classify a `name`/`value` pair (an environment variable, a log option, a label …).
pub fn classify(name: &str, value: &str) -> Option<Detection> {
    classify_in(name, value, Ctx::Value)
}

/// [`classify`] in a given context.
pub fn classify_in(name: &str, value: &str, ctx: Ctx) -> Option<Detection> {
    if !may_name_secret(name) {
        // Fast path for the great majority of names (`DD_SITE`, `AWS_REGION`, `awslogs-group`).
        if value.len() < 8 {
            return None;
        }
        if let Some(d) = known_format(value, ctx) {
            return Some(d);
        }
        return contextual(name, value);
    }
    let class = name_class(name);
    // Cheap exit for the common case: a neutral name and a short value.
    if value.len() < 8 && matches!(class, NameClass::Neutral | NameClass::IdLike | NameClass::Guarded) {
        return None;
    }
    if let Some(d) = known_format(value, ctx) {
        return Some(d);
    }
    let d = match class {
        NameClass::Guarded => None,
        NameClass::Secret(what) => slot_value(value, what, ctx, true),
        NameClass::KeyLike(what) => is_key_material(value, true).then_some(Detection::credential(what)),
        NameClass::SecretId(what) => is_key_material(value, false).then_some(Detection::credential(what)),
        NameClass::AuthLike => auth_material(value, ctx),
        NameClass::Neutral | NameClass::IdLike => return contextual(name, value),
    }?;
    // A Datadog key shape under a Datadog name says more than "a key".
    if d.is_credential() {
        if let Some(dd) = datadog_key(name, value.trim()) {
            return Some(dd);
        }
    }
    Some(d)
}

/// 32 hex characters (API key) or 40 (application key) under a `DD_`/`DATADOG` name.
fn datadog_key(name: &str, v: &str) -> Option<Detection> {
    let b = v.as_bytes();
    if !matches!(b.len(), 32 | 40) || !b.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    if !tokenize(name).as_slice().iter().any(|t| is_any(t, &["dd", "datadog"])) {
        return None;
    }
    Some(Detection::credential(if b.len() == 32 { "a Datadog API key" } else { "a Datadog application key" }))
}

/// A value on its own, without a name: only well-known credential formats.
pub fn known_format(value: &str, ctx: Ctx) -> Option<Detection> {
    let b = value.as_bytes();
    if b.len() < 8 {
        return None;
    }
    let f = Features::of(b);
    let len = b.len();
    // Each family is tried only when the value has the bytes and the length it needs and (looked
    // at only when one of those holds) the pair of bytes chosen for each of its anchors.
    let url = f.at && f.colon;
    let aws = f.upper && len >= 20;
    let underscore = f.underscore && len >= 24;
    let dash = f.dash && len >= 15;
    let dot = f.dot && len >= 40;
    let auth = f.space && len >= 14;
    let pairs = f.eq || f.colon;
    if !(url || aws || underscore || dash || dot || auth || pairs) {
        return None;
    }
    let fam = families(b);
    let may_hold = |family: u8| fam & family != 0;
    if url && may_hold(FAM_URL) {
        if let Some(d) = url_userinfo(value, ctx) {
            return Some(d);
        }
    }
    if aws && may_hold(FAM_AWS) {
        if let Some(d) = aws_access_key_id(value) {
            return Some(d);
        }
    }
    if underscore && may_hold(FAM_UNDERSCORE) {
        if let Some(d) = underscore_prefixed(value) {
            return Some(d);
        }
    }
    if dash && may_hold(FAM_DASH) {
        if let Some(d) = dash_prefixed(value) {
            return Some(d);
        }
    }
    if dot && may_hold(FAM_DOTTED) {
        if let Some(d) = dotted(value) {
            return Some(d);
        }
    }
    if auth && may_hold(FAM_AUTH) {
        if let Some(d) = auth_header(value, ctx) {
            return Some(d);
        }
    }
    if pairs && may_hold(FAM_NAME) && may_name_secret(value) {
        if let Some(d) = embedded_pairs(value, ctx) {
            return Some(d);
        }
    }
    None
}

/// A cheap, conservative pre-check: false means [`name_class`] cannot return a credential
/// class (`Secret`, `KeyLike`, `SecretId`, `AuthLike`) for this name. One pass, no allocation:
/// a word is looked for only where the pair of bytes it starts with (see [`pair`]) occurs.
fn may_name_secret(name: &str) -> bool {
    let b = name.as_bytes();
    let at = |i: usize, w: &[u8]| b.len() >= i + w.len() && b[i..i + w.len()].eq_ignore_ascii_case(w);
    for i in 1..b.len() {
        if pair(b[i - 1], b[i]) & FAM_NAME == 0 {
            continue;
        }
        let i = i - 1;
        let hit = match b[i].to_ascii_lowercase() {
            b'p' => at(i, b"pw") || at(i, b"pass") || at(i, b"pat") || at(i, b"pepper") || at(i, b"pswd"),
            b's' => at(i, b"secret") || at(i, b"salt"),
            b't' => at(i, b"token"),
            b'k' => at(i, b"key"),
            b'c' => at(i, b"cred"),
            b'a' => at(i, b"auth"),
            _ => false,
        };
        if hit {
            return true;
        }
    }
    false
}

/// What a name says about its value. See [`NameClass`].
pub fn name_class(name: &str) -> NameClass {
    if name.is_empty() {
        return NameClass::Neutral;
    }
    for (exact, what) in EXACT_SECRET {
        if name.eq_ignore_ascii_case(exact) {
            return NameClass::Secret(what);
        }
    }
    if EXACT_NEUTRAL.iter().any(|n| name.eq_ignore_ascii_case(n)) {
        return NameClass::Neutral;
    }
    let tokens = tokenize(name);
    let toks = tokens.as_slice();
    let Some(&last) = toks.last() else { return NameClass::Neutral };
    let mut strong: Option<&'static str> = None;
    let mut keyish: Option<&'static str> = None;
    let mut public = false;
    for (i, tok) in toks.iter().enumerate() {
        if is_any(tok, &["public", "publishable"])
            || (is_any(tok, &["pub", "site"]) && toks.get(i + 1).is_some_and(|t| is_key_word(t)))
        {
            public = true;
        }
        if strong.is_none() {
            strong = strong_word(toks, i);
        }
        if keyish.is_none() && (is_key_word(tok) || is_any(tok, &["salt", "pepper"])) {
            keyish = Some("a key");
        }
    }
    let auth = is_any(last, &["auth", "authorization", "basicauth", "httpauth", "authdata"]);
    let secretish = strong.is_some() || keyish.is_some() || auth;
    if public {
        return if secretish { NameClass::Guarded } else { NameClass::IdLike };
    }
    if is_any(last, &["id", "ids"]) {
        return if secretish { NameClass::SecretId(strong.or(keyish).unwrap_or("a key")) } else { NameClass::IdLike };
    }
    if is_any(last, GUARD_LAST) {
        return if secretish { NameClass::Guarded } else { NameClass::IdLike };
    }
    if let Some(what) = strong {
        return NameClass::Secret(what);
    }
    if auth {
        return NameClass::AuthLike;
    }
    if let Some(what) = keyish {
        return NameClass::KeyLike(what);
    }
    if is_any(last, ID_LAST) {
        return NameClass::IdLike;
    }
    NameClass::Neutral
}

// ---------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------

/// Names that are credential slots whatever they look like (Security Hub ECS.8's list and friends).
const EXACT_SECRET: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "an AWS access key ID"),
    ("AWS_SECRET_ACCESS_KEY", "an AWS secret access key"),
    ("AWS_SESSION_TOKEN", "an AWS session token"),
    ("ECS_ENGINE_AUTH_DATA", "private registry credentials"),
];

/// Names that contain a secret-looking token but are something else.
const EXACT_NEUTRAL: &[&str] = &["PWD", "OLDPWD"];

/// When the last token is one of these, the name is about a secret, not the secret itself.
#[rustfmt::skip]
const GUARD_LAST: &[&str] = &[
    "arn", "arns", "name", "names", "file", "files", "path", "paths", "dir", "directory", "folder", "location",
    "mount", "volume", "ttl", "expiry", "expires", "expire", "expiration", "exp", "lifetime", "age", "validity",
    "timeout", "interval", "period", "duration", "seconds", "secs", "sec", "minutes", "mins", "hours", "days", "ms",
    "millis", "length", "len", "size", "bits", "bytes", "min", "max", "minimum", "maximum", "count", "limit",
    "number", "num", "retries", "attempts", "threshold", "header", "headers", "enabled", "enable", "disabled",
    "disable", "required", "require", "url", "urls", "uri", "endpoint", "host", "hostname", "port", "type", "mode",
    "version", "region", "policy", "rotation", "format", "encoding", "provider", "backend", "store", "engine",
    "manager", "algorithm", "alg", "hasher", "prefix", "suffix", "field", "param", "parameter", "params", "var",
    "variable", "env", "ref", "issuer", "audience", "aud", "scope", "scopes", "user", "username", "login", "email",
    "level", "strength", "complexity", "pattern", "regex", "strategy", "method", "scheme", "flow", "source", "kind",
    "class", "template", "tmpl", "reset", "refresh", "cache", "bucket", "table", "stage", "label", "description",
    "hint", "check", "validation", "validator", "generator", "chars", "charset", "lockout", "stdin",
];

/// Identifier-like last tokens: never guessed at by entropy.
#[rustfmt::skip]
const ID_LAST: &[&str] = &[
    "sha", "hash", "digest", "commit", "revision", "rev", "checksum", "fingerprint", "etag", "uuid", "guid",
    "build", "tag", "tags", "image", "trace", "span", "request", "correlation", "nonce", "release", "account",
    "arn", "cluster", "service", "topic", "queue", "stream", "group", "role",
];

/// Words that make `…_KEY` a credential slot (`DD_API_KEY`, `DD_APP_KEY`, `ENCRYPTION_KEY` …).
#[rustfmt::skip]
const KEY_QUALIFIERS: &[&str] = &[
    "api", "app", "application", "access", "secret", "private", "master", "encryption", "encrypt", "decryption",
    "signing", "sign", "license", "licence", "account", "storage", "shared", "hmac", "jwt", "session", "cookie",
    "admin", "ssh", "gpg", "pgp", "aes", "rsa", "crypto", "cipher", "auth", "service", "client", "integration",
    "ingest", "ingestion", "write", "deploy", "tls", "ssl", "server", "root", "webhook", "subscription", "primary",
    "secondary", "sas", "mac", "otp", "totp", "consumer", "partner", "merchant", "rest", "sdk", "x",
];

const PASSWORD_WORDS: &[&str] =
    &["password", "passwords", "passwd", "pwd", "pw", "pass", "passphrase", "passcode", "pword", "pswd"];

/// Token contexts that make `PAT` a personal access token.
#[rustfmt::skip]
const PAT_CONTEXT: &[&str] = &[
    "gh", "github", "gitlab", "git", "ado", "azure", "devops", "npm", "pypi", "hf", "huggingface", "docker",
    "registry",
];

fn is_key_word(t: &str) -> bool {
    is_any(t, &["key", "keys"])
}

/// The secret a token (with its neighbours) names, if any.
fn strong_word(toks: &[&str], i: usize) -> Option<&'static str> {
    let t = toks[i];
    if is_any(t, PASSWORD_WORDS)
        || ends_with_ci(t, "password")
        || ends_with_ci(t, "passwd")
        || ends_with_ci(t, "passphrase")
    {
        return Some("a password");
    }
    if is_any(t, &["secret", "secrets"]) || ends_with_ci(t, "secret") {
        return Some("a secret");
    }
    if is_any(t, &["apikey", "apikeys", "apitoken"]) || ends_with_ci(t, "apikey") {
        return Some("an API key");
    }
    if is_any(t, &["token", "tokens"]) || ends_with_ci(t, "token") {
        return Some("a token");
    }
    if is_any(t, &["credential", "credentials", "creds", "cred"]) {
        return Some("credentials");
    }
    if ends_with_ci(t, "privatekey") {
        return Some("a private key");
    }
    if is_any(t, &["appkey", "applicationkey"]) {
        return Some("an application key");
    }
    if ["secretkey", "accesskey", "masterkey", "signingkey", "encryptionkey", "licensekey", "clientkey"]
        .iter()
        .any(|w| ends_with_ci(t, w))
    {
        return Some("a key");
    }
    if is_key_word(t) && i > 0 && is_any(toks[i - 1], KEY_QUALIFIERS) {
        let q = toks[i - 1];
        return Some(if q.eq_ignore_ascii_case("api") || q.eq_ignore_ascii_case("x") {
            "an API key"
        } else if is_any(q, &["app", "application"]) {
            "an application key"
        } else if q.eq_ignore_ascii_case("private") {
            "a private key"
        } else if is_any(q, &["secret", "access"]) {
            "a secret key"
        } else {
            "a key"
        });
    }
    if t.eq_ignore_ascii_case("pat") && (toks.len() == 1 || toks.iter().any(|o| is_any(o, PAT_CONTEXT))) {
        return Some("a personal access token");
    }
    None
}

const MAX_TOKENS: usize = 16;

struct Tokens<'a> {
    items: [&'a str; MAX_TOKENS],
    len: usize,
}

impl<'a> Tokens<'a> {
    fn push(&mut self, t: &'a str) {
        if self.len < MAX_TOKENS {
            self.items[self.len] = t;
            self.len += 1;
        } else {
            // Keep the last token (it decides the guards).
            self.items[MAX_TOKENS - 1] = t;
        }
    }
    fn as_slice(&self) -> &[&'a str] {
        &self.items[..self.len]
    }
}

/// Split a name into words: on ASCII punctuation and camelCase (`APIKey` → `API`, `Key`).
fn tokenize(name: &str) -> Tokens<'_> {
    let b = name.as_bytes();
    let mut out = Tokens { items: [""; MAX_TOKENS], len: 0 };
    let mut start: Option<usize> = None;
    for i in 0..b.len() {
        let c = b[i];
        if c.is_ascii() && !c.is_ascii_alphanumeric() {
            if let Some(s) = start.take() {
                out.push(&name[s..i]);
            }
            continue;
        }
        match start {
            None => start = Some(i),
            Some(s) => {
                let prev = b[i - 1];
                if c.is_ascii_uppercase() && (prev.is_ascii_lowercase() || prev.is_ascii_digit()) {
                    out.push(&name[s..i]);
                    start = Some(i);
                } else if c.is_ascii_lowercase()
                    && prev.is_ascii_uppercase()
                    && i >= s + 2
                    && b[i - 2].is_ascii_uppercase()
                {
                    out.push(&name[s..i - 1]);
                    start = Some(i - 1);
                }
            }
        }
    }
    if let Some(s) = start {
        out.push(&name[s..]);
    }
    out
}

fn is_any(t: &str, words: &[&str]) -> bool {
    words.iter().any(|w| t.eq_ignore_ascii_case(w))
}

// ---------------------------------------------------------------------------------------
// Values in a credential slot
// ---------------------------------------------------------------------------------------

/// The value of a credential-named slot. `whole` is true when the value is the entire
/// slot (an env var), false when it was found inside a longer value (`password=…`).
fn slot_value(value: &str, what: &'static str, ctx: Ctx, whole: bool) -> Option<Detection> {
    let v = value.trim();
    if v.is_empty() {
        return (whole && ctx == Ctx::Value).then_some(Detection::empty(what));
    }
    if is_reference(v, ctx, whole) || is_benign(v) {
        return None;
    }
    if is_placeholder(v) {
        return Some(Detection::placeholder(what));
    }
    Some(Detection::credential(what))
}

/// A reference to a value kept elsewhere, resolved at run time: shell or Spring-style
/// `$VAR`/`${VAR}`, Datadog `%%env_VAR%%` and `ENC[handle]`. A whole env value that is
/// `${VAR}` is NOT a reference (ECS does not expand it; a deploy tool fills it in, in plaintext).
fn is_reference(v: &str, ctx: Ctx, whole: bool) -> bool {
    if v.starts_with("ENC[") || v.contains("%%env_") {
        return true;
    }
    let dollar = v.starts_with('$') || v.starts_with("\"$") || v.starts_with("'$") || v.starts_with('`');
    dollar && (ctx == Ctx::Shell || !whole)
}

/// Obvious placeholders: `xxx`, `changeme`, `<YOUR_API_KEY>`, `${DD_API_KEY}`, `{{ key }}`,
/// `TODO`, `***`, `your-token-here`, `AKIAIOSFODNN7EXAMPLE` …
pub fn is_placeholder(v: &str) -> bool {
    let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() {
        return true;
    }
    let b = v.as_bytes();
    if b.iter().all(|c| matches!(c, b'x' | b'X' | b'*' | b'.' | b'#' | b'?' | b'-' | b'_')) {
        return true;
    }
    if contains_ci(v, "xxx") || v.contains("***") || contains_ci(v, "example") {
        return true;
    }
    #[rustfmt::skip]
    const WORDS: &[&str] = &[
        "changeme", "change_me", "change-me", "changeit", "change_it", "replaceme", "replace_me", "replace-me",
        "todo", "tbd", "tba", "fixme", "dummy", "fake", "mock", "placeholder", "sample", "none", "null", "nil",
        "undefined", "redacted", "removed", "hidden", "masked", "n/a", "na", "unset", "notset", "not_set",
        "not-set", "empty", "foo", "bar", "foobar", "test", "secret_here", "setme", "set_me", "set-me",
    ];
    if is_any(v, WORDS) {
        return true;
    }
    let wrapped =
        |open: &str, close: &str| v.len() > open.len() + close.len() && v.starts_with(open) && v.ends_with(close);
    if wrapped("<", ">")
        || wrapped("${", "}")
        || wrapped("{{", "}}")
        || wrapped("#{", "}")
        || wrapped("%", "%")
        || wrapped("__", "__")
        || wrapped("@", "@")
        || wrapped("[[", "]]")
    {
        return true;
    }
    if let Some(rest) = v.strip_prefix('$') {
        if !rest.is_empty()
            && rest.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
            && !rest.as_bytes()[0].is_ascii_digit()
        {
            return true;
        }
    }
    for p in PLACEHOLDER_PREFIXES {
        if starts_with_ci(v, p) {
            return true;
        }
    }
    for s in ["_here", "-here", " here"] {
        if ends_with_ci(v, s) {
            return true;
        }
    }
    false
}

#[rustfmt::skip]
const PLACEHOLDER_PREFIXES: &[&str] = &[
    "your_", "your-", "your ", "yourapi", "yourkey", "yourtoken", "yoursecret", "yourpass", "insert_", "insert-",
    "insert ", "enter_", "enter-", "enter ", "paste_", "paste-", "paste ",
];

/// Values that are not credentials even in a credential slot: booleans, small numbers and
/// durations, ARNs, paths and SSM parameter names, secret names, file names, URLs without
/// credentials, publishable keys, public keys and certificates.
pub fn is_benign(v: &str) -> bool {
    let v = v.trim();
    let b = v.as_bytes();
    if b.is_empty() {
        return false;
    }
    const BOOLS: &[&str] =
        &["true", "false", "yes", "no", "on", "off", "enabled", "disabled", "enable", "disable", "y", "n"];
    if is_any(v, BOOLS) {
        return true;
    }
    if is_number_like(v) {
        return true;
    }
    if is_arn(v) {
        return true;
    }
    let path_byte =
        |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'/' | b'-' | b'@' | b'+' | b'=' | b',' | b'~');
    if (v.starts_with('/') || v.starts_with("./") || v.starts_with("../") || v.starts_with("~/"))
        && b.iter().all(path_byte)
    {
        return true;
    }
    if looks_like_secret_name(v) || is_file_name(v) {
        return true;
    }
    if let Some(i) = v.find("://") {
        let scheme = &v[..i];
        if !scheme.is_empty()
            && scheme.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
            && !v.contains(char::is_whitespace)
        {
            return true;
        }
    }
    for p in ["pk_live_", "pk_test_", "ssh-rsa ", "ssh-ed25519 ", "ssh-dss ", "ecdsa-sha2-", "sk-ecdsa-", "sk-ssh-"] {
        if v.starts_with(p) {
            return true;
        }
    }
    if v.starts_with("-----BEGIN") && !prefix(v, 64).contains("PRIVATE KEY") {
        // -----BEGIN PUBLIC KEY----- / CERTIFICATE / PGP PUBLIC KEY BLOCK
        return true;
    }
    false
}

/// Integers up to 5 digits, decimals, and durations (`30s`, `15m`, `1h`, `7d`, `500ms`).
fn is_number_like(v: &str) -> bool {
    let b = v.strip_prefix('-').unwrap_or(v).as_bytes();
    if b.is_empty() {
        return false;
    }
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return false;
    }
    let rest = &b[digits..];
    if rest.is_empty() {
        return digits <= 5;
    }
    if rest[0] == b'.' && rest.len() > 1 && rest[1..].iter().all(u8::is_ascii_digit) {
        return true;
    }
    let unit = std::str::from_utf8(rest).unwrap_or("");
    digits <= 6 && is_any(unit, &["s", "m", "h", "d", "w", "ms", "sec", "secs", "min", "mins", "days", "hours", "%"])
}

fn is_arn(v: &str) -> bool {
    v.starts_with("arn:") && v.bytes().filter(|&c| c == b':').count() >= 5
}

/// `prod/db/password`, `Datadog/datadog-agent/DD_API_KEY`: a Secrets Manager / SSM name,
/// i.e. `/`-separated segments that are words, not random text.
fn looks_like_secret_name(v: &str) -> bool {
    if !v.contains('/') || v.contains("//") || v.starts_with('/') || v.ends_with('/') {
        return false;
    }
    v.split('/').all(|seg| {
        let sb = seg.as_bytes();
        !sb.is_empty()
            && sb.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'+' | b'=' | b'@'))
            && (sb.iter().all(|c| !c.is_ascii_lowercase()) || sb.iter().skip(1).all(|c| !c.is_ascii_uppercase()))
    })
}

/// `server.key`, `creds.json`: a file name with a well-known extension.
fn is_file_name(v: &str) -> bool {
    let Some((stem, ext)) = v.rsplit_once('.') else { return false };
    #[rustfmt::skip]
    const EXT: &[&str] = &[
        "json", "yaml", "yml", "txt", "pem", "key", "crt", "cer", "der", "p12", "pfx", "jks", "conf", "cfg", "ini",
        "env", "properties", "xml", "toml", "sh", "py", "js", "html", "htm", "secret", "gpg", "asc", "keystore",
    ];
    !stem.is_empty()
        && is_any(ext, EXT)
        && stem.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

// ---------------------------------------------------------------------------------------
// Key material, auth values, context and entropy
// ---------------------------------------------------------------------------------------

/// A value that looks like key material: a long hex string, or a long base64-ish string
/// mixing letters and digits in a non-word way. UUIDs count when `uuid_ok`.
pub fn is_key_material(v: &str, uuid_ok: bool) -> bool {
    let v = v.trim();
    let b = v.as_bytes();
    if b.len() < 16 || b.len() > 4096 || is_placeholder(v) || is_benign(v) {
        return false;
    }
    if !b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'_' | b'-' | b'.' | b'~')) {
        return false;
    }
    if is_uuid(v) {
        return uuid_ok;
    }
    let f = Features::of(b);
    let hexish = b.iter().all(|c| c.is_ascii_hexdigit());
    if hexish {
        return b.len() >= 20 && f.digit && b.iter().any(|c| c.is_ascii_alphabetic());
    }
    if !f.digit || !(f.upper || f.lower) {
        return false;
    }
    shannon_entropy(b) >= 3.3 && class_transition_ratio(b) >= 0.2
}

/// A `*_AUTH` value: `Basic …`/`Bearer …`, `user:password`, or key material.
fn auth_material(v: &str, ctx: Ctx) -> Option<Detection> {
    let t = v.trim();
    if let Some(d) = auth_scheme_value(t, ctx) {
        return Some(d);
    }
    if let Some((user, pw)) = t.split_once(':') {
        if !user.is_empty()
            && !pw.is_empty()
            && !t.contains("//")
            && !t.contains(char::is_whitespace)
            && !pw.bytes().all(|c| c.is_ascii_digit())
            && !is_reference(pw, ctx, false)
        {
            return Some(if is_placeholder(pw) {
                Detection::placeholder("a user:password pair")
            } else {
                Detection::credential("a user:password pair")
            });
        }
    }
    is_key_material(t, true).then_some(Detection::credential("authentication credentials"))
}

/// Neutral names: a Datadog key next to a Datadog name, an AWS secret key next to an AWS
/// name, or (for names that are not identifier-like) a long high-entropy string.
fn contextual(name: &str, value: &str) -> Option<Detection> {
    let v = value.trim();
    let b = v.as_bytes();
    if b.len() < 20 {
        return None;
    }
    if let Some(d) = datadog_key(name, v) {
        return Some(d);
    }
    if is_aws_secret_shape(b) && tokenize(name).as_slice().iter().any(|t| is_any(t, &["aws", "amazon"])) {
        return Some(Detection::credential("an AWS secret access key"));
    }
    (is_high_entropy(v) && name_class(name) == NameClass::Neutral)
        .then_some(Detection::credential("a high-entropy string"))
}

/// 40 characters of base64 (`[A-Za-z0-9/+]`) with upper and lower case.
fn is_aws_secret_shape(b: &[u8]) -> bool {
    b.len() == 40
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'/' || *c == b'+')
        && b.iter().any(u8::is_ascii_uppercase)
        && b.iter().any(u8::is_ascii_lowercase)
}

/// A long random-looking token: base64/base64url charset, upper, lower and digits mixed in
/// a non-word way, Shannon entropy above a length-dependent threshold. UUIDs, hex digests,
/// hostnames, paths, image names, ARNs, versions and identifiers do not qualify.
pub fn is_high_entropy(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() < 20 || b.len() > 128 {
        return false;
    }
    if !b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'_' | b'-')) {
        return false;
    }
    if b[0] == b'/' || is_uuid(v) {
        return false;
    }
    let f = Features::of(b);
    if !(f.upper && f.lower && f.digit) {
        return false;
    }
    let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
    let vowels = b.iter().filter(|c| matches!(c.to_ascii_lowercase(), b'a' | b'e' | b'i' | b'o' | b'u')).count();
    if letters > 0 && vowels * 10 > letters * 4 {
        return false; // reads like words
    }
    let threshold = ((b.len() as f64).log2() - 0.6).clamp(3.5, 4.5);
    shannon_entropy(b) >= threshold && class_transition_ratio(b) >= 0.3 && !base64_of_text(b)
}

/// True when `b` is base64 (standard or URL alphabet) of printable text (an encoded
/// config or message) rather than of random bytes (≈37% of random bytes are printable).
fn base64_of_text(b: &[u8]) -> bool {
    let mut out = [0u8; 96];
    let Some(n) = b64_decode(b, &mut out) else { return false };
    let printable = out[..n].iter().filter(|&&c| (0x20..0x7f).contains(&c) || c == b'\n' || c == b'\t').count();
    n >= 12 && printable * 10 >= n * 9
}

/// Decode base64 (standard or URL alphabet, padding optional) into `out`, stopping when
/// it is full. `None` on a character outside the alphabet.
fn b64_decode(src: &[u8], out: &mut [u8]) -> Option<usize> {
    let mut n = 0;
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in src.iter().take_while(|&&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if n == out.len() {
                break;
            }
            out[n] = (acc >> bits) as u8;
            n += 1;
        }
    }
    Some(n)
}

/// Shannon entropy in bits per byte.
pub fn shannon_entropy(b: &[u8]) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &c in b {
        counts[c as usize] += 1;
    }
    let n = b.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Share of neighbouring alphanumeric characters whose class (upper/lower/digit) differs.
/// Random tokens switch class often (≈0.6); identifiers and words rarely (<0.2).
fn class_transition_ratio(b: &[u8]) -> f64 {
    let class = |c: u8| {
        if c.is_ascii_uppercase() {
            1u8
        } else if c.is_ascii_lowercase() {
            2
        } else {
            3
        }
    };
    let mut prev = 0u8;
    let (mut pairs, mut changes) = (0u32, 0u32);
    for &c in b.iter().filter(|c| c.is_ascii_alphanumeric()) {
        let k = class(c);
        if prev != 0 {
            pairs += 1;
            if k != prev {
                changes += 1;
            }
        }
        prev = k;
    }
    if pairs == 0 {
        0.0
    } else {
        f64::from(changes) / f64::from(pairs)
    }
}

fn is_uuid(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

/// Which byte classes a string contains (one pass, no branches per byte).
struct Features {
    upper: bool,
    lower: bool,
    digit: bool,
    at: bool,
    colon: bool,
    underscore: bool,
    dash: bool,
    dot: bool,
    space: bool,
    eq: bool,
}

impl Features {
    fn of(b: &[u8]) -> Features {
        let bits = b.iter().fold(0u16, |bits, &c| bits | BYTE_CLASS[c as usize]);
        let has = |bit: u16| bits & bit != 0;
        Features {
            upper: has(C_UPPER),
            lower: has(C_LOWER),
            digit: has(C_DIGIT),
            at: has(C_AT),
            colon: has(C_COLON),
            underscore: has(C_UNDERSCORE),
            dash: has(C_DASH),
            dot: has(C_DOT),
            space: has(C_SPACE),
            eq: has(C_EQ),
        }
    }
}

/// `FAM_…` bits: the families of well-known formats whose anchors (`AKIA`, `ghp_`, `xox`,
/// `eyJ`, `://` …) may occur in `b`, by the pairs of bytes it contains (one pass).
fn families(b: &[u8]) -> u8 {
    let mut families = 0u8;
    for w in b.windows(2) {
        families |= pair(w[0], w[1]);
    }
    families
}

const C_UPPER: u16 = 1;
const C_LOWER: u16 = 1 << 1;
const C_DIGIT: u16 = 1 << 2;
const C_AT: u16 = 1 << 3;
const C_COLON: u16 = 1 << 4;
const C_UNDERSCORE: u16 = 1 << 5;
const C_DASH: u16 = 1 << 6;
const C_DOT: u16 = 1 << 7;
const C_SPACE: u16 = 1 << 8;
const C_EQ: u16 = 1 << 9;

/// The [`Features`] class bits of each byte.
static BYTE_CLASS: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = match b {
            b'A'..=b'Z' => C_UPPER,
            b'a'..=b'z' => C_LOWER,
            b'0'..=b'9' => C_DIGIT,
            b'@' => C_AT,
            b':' => C_COLON,
            b'_' => C_UNDERSCORE,
            b'-' => C_DASH,
            b'.' => C_DOT,
            b' ' | b'\t' | b'\n' | b'\r' => C_SPACE,
            b'=' => C_EQ,
            _ => 0,
        };
        c += 1;
    }
    t
};

// Families of well-known formats, and the anchors (the fixed text each format starts with)
// they look for. A value can hold an anchor only if it holds every pair of adjacent bytes of
// it, so each family is looked for only where one chosen pair of each of its anchors (a rare
// one: `k-` for `sk-`, `-B` for `-----BEGIN`) occurs; see [`PAIRS`], and
// `every_anchor_sets_its_family`, which checks the choice.
const FAM_AWS: u8 = 1; // AKIA, ASIA
const FAM_UNDERSCORE: u8 = 1 << 1; // ghp_ …, github_pat_, sk_live_ …, rk_live_ …
const FAM_DASH: u8 = 1 << 2; // xox?-, xapp-, glpat-, sk-, -----BEGIN
const FAM_DOTTED: u8 = 1 << 3; // SG., eyJ, hooks.slack.com/services/
const FAM_URL: u8 = 1 << 4; // ://
const FAM_AUTH: u8 = 1 << 5; // bearer, basic (any case)
const FAM_NAME: u8 = 1 << 6; // pw, pass, pat, pepper, pswd, secret, salt, token, key, cred, auth (any case)

/// The `FAM_…` bits of the pair of bytes `a`, `b`: two table loads.
fn pair(a: u8, b: u8) -> u8 {
    PAIRS.rows[PAIRS.row[a as usize] as usize][b as usize]
}

/// [`pair`]'s tables: `row[a]` is the row of first byte `a` (row 0, all zero, when no
/// chosen pair starts with `a`), and `rows[row[a]][b]` the families of the pair `a`, `b`.
struct PairTable {
    row: [u8; 256],
    rows: [[u8; 256]; PAIR_ROWS],
}

/// Distinct first bytes of the pairs, plus the empty row.
const PAIR_ROWS: usize = 24;

static PAIRS: PairTable = {
    const CASE_SENSITIVE: &[(&[u8; 2], u8)] = &[
        (b"AK", FAM_AWS),        // AKIA
        (b"AS", FAM_AWS),        // ASIA
        (b"gh", FAM_UNDERSCORE), // ghp_, gho_, ghu_, ghs_, ghr_
        (b"b_", FAM_UNDERSCORE), // github_pat_
        (b"k_", FAM_UNDERSCORE), // sk_live_, sk_test_, rk_live_, rk_test_
        (b"xo", FAM_DASH),       // xox
        (b"xa", FAM_DASH),       // xapp-
        (b"gl", FAM_DASH),       // glpat-
        (b"k-", FAM_DASH),       // sk-
        (b"-B", FAM_DASH),       // -----BEGIN
        (b"G.", FAM_DOTTED),     // SG.
        (b"yJ", FAM_DOTTED),     // eyJ
        (b"k.", FAM_DOTTED),     // hooks.slack.com/services/
        (b":/", FAM_URL),        // ://
    ];
    // Matched ignoring ASCII case: every spelling of each pair.
    const ANY_CASE: &[(&[u8; 2], u8)] = &[
        (b"be", FAM_AUTH),
        (b"ba", FAM_AUTH),
        (b"pw", FAM_NAME),
        (b"pa", FAM_NAME),
        (b"pe", FAM_NAME),
        (b"ps", FAM_NAME),
        (b"se", FAM_NAME),
        (b"sa", FAM_NAME),
        (b"to", FAM_NAME),
        (b"ke", FAM_NAME),
        (b"cr", FAM_NAME),
        (b"au", FAM_NAME),
    ];
    const fn add(mut t: PairTable, used: &mut usize, a: u8, b: u8, fam: u8) -> PairTable {
        if t.row[a as usize] == 0 {
            *used += 1;
            assert!(*used < PAIR_ROWS, "raise PAIR_ROWS");
            t.row[a as usize] = *used as u8;
        }
        t.rows[t.row[a as usize] as usize][b as usize] |= fam;
        t
    }
    let mut t = PairTable { row: [0; 256], rows: [[0; 256]; PAIR_ROWS] };
    let mut used = 0;
    let mut i = 0;
    while i < CASE_SENSITIVE.len() {
        let (p, fam) = CASE_SENSITIVE[i];
        t = add(t, &mut used, p[0], p[1], fam);
        i += 1;
    }
    let mut i = 0;
    while i < ANY_CASE.len() {
        let (p, fam) = ANY_CASE[i];
        let (a, b) = (p[0], p[1]);
        let (ua, ub) = (a.to_ascii_uppercase(), b.to_ascii_uppercase());
        t = add(t, &mut used, a, b, fam);
        t = add(t, &mut used, ua, b, fam);
        t = add(t, &mut used, a, ub, fam);
        t = add(t, &mut used, ua, ub, fam);
        i += 1;
    }
    t
};

// ---------------------------------------------------------------------------------------
// Well-known formats
// ---------------------------------------------------------------------------------------

/// The first `n` bytes of `s`, shortened to a character boundary.
fn prefix(s: &str, n: usize) -> &str {
    let mut n = n.min(s.len());
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    &s[..n]
}

/// Start positions of `pat` in `b`, first to last. Unlike `str::match_indices` the matches
/// may overlap, which no caller can tell: every pattern that overlaps itself (`xox`, `AKIA`)
/// is only accepted after a non-alphanumeric byte, which an overlapping match never has. A
/// plain byte loop: these haystacks are short, and setting up a substring searcher per
/// pattern cost more than the search.
fn find_all<'a>(b: &'a [u8], pat: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    let first = pat[0];
    (0..(b.len() + 1).saturating_sub(pat.len())).filter(move |&i| b[i] == first && b[i..].starts_with(pat))
}

fn boundary_before(b: &[u8], i: usize) -> bool {
    i == 0 || !b[i - 1].is_ascii_alphanumeric()
}

fn run(b: &[u8], from: usize, ok: impl Fn(u8) -> bool) -> usize {
    b.get(from..).map_or(0, |rest| rest.iter().take_while(|&&c| ok(c)).count())
}

fn alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

fn token_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Kind for a matched format: a placeholder when the body is obviously fake.
fn format_hit(body: &str, what: &'static str) -> Detection {
    if contains_ci(body, "xxxx") || contains_ci(body, "example") || body.contains("****") {
        Detection::placeholder(what)
    } else {
        Detection::credential(what)
    }
}

/// `AKIA…`/`ASIA…` + 16 upper-case alphanumerics.
fn aws_access_key_id(s: &str) -> Option<Detection> {
    let b = s.as_bytes();
    for prefix in ["AKIA", "ASIA"] {
        for i in find_all(b, prefix.as_bytes()) {
            if boundary_before(b, i) && run(b, i + 4, |c| c.is_ascii_uppercase() || c.is_ascii_digit()) == 16 {
                return Some(format_hit(&s[i..i + 20], "an AWS access key ID"));
            }
        }
    }
    None
}

/// GitHub (`ghp_` …, `github_pat_`), Stripe (`sk_live_` …) tokens.
fn underscore_prefixed(s: &str) -> Option<Detection> {
    let b = s.as_bytes();
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        for i in find_all(b, prefix.as_bytes()) {
            let n = run(b, i + 4, alnum);
            if boundary_before(b, i) && n >= 30 {
                return Some(format_hit(&s[i..i + 4 + n], "a GitHub token"));
            }
        }
    }
    for i in find_all(b, b"github_pat_") {
        let n = run(b, i + 11, |c| alnum(c) || c == b'_');
        if boundary_before(b, i) && n >= 40 {
            return Some(format_hit(&s[i..i + 11 + n], "a GitHub token"));
        }
    }
    for prefix in ["sk_live_", "sk_test_", "rk_live_", "rk_test_"] {
        for i in find_all(b, prefix.as_bytes()) {
            let n = run(b, i + 8, alnum);
            if boundary_before(b, i) && n >= 16 {
                return Some(format_hit(&s[i..i + 8 + n], "a Stripe secret key"));
            }
        }
    }
    None
}

/// Slack (`xoxb-` …, `xapp-`), GitLab (`glpat-`), OpenAI-style (`sk-…`, `sk-proj-…`),
/// PEM private keys.
fn dash_prefixed(s: &str) -> Option<Detection> {
    let b = s.as_bytes();
    for i in find_all(b, b"xox") {
        if boundary_before(b, i)
            && matches!(b.get(i + 3), Some(b'b' | b'p' | b'a' | b'r' | b's' | b'o'))
            && b.get(i + 4) == Some(&b'-')
        {
            let n = run(b, i + 5, |c| alnum(c) || c == b'-');
            if n >= 10 {
                return Some(format_hit(&s[i..i + 5 + n], "a Slack token"));
            }
        }
    }
    for i in find_all(b, b"xapp-") {
        let n = run(b, i + 5, |c| alnum(c) || c == b'-');
        if boundary_before(b, i) && n >= 10 {
            return Some(format_hit(&s[i..i + 5 + n], "a Slack app token"));
        }
    }
    for i in find_all(b, b"glpat-") {
        let n = run(b, i + 6, token_byte);
        if boundary_before(b, i) && n >= 20 {
            return Some(format_hit(&s[i..i + 6 + n], "a GitLab token"));
        }
    }
    for i in find_all(b, b"sk-") {
        if !boundary_before(b, i) || (i > 0 && b[i - 1] == b'-') {
            continue;
        }
        let n = run(b, i + 3, token_byte);
        let body = &b[i + 3..i + 3 + n];
        if n >= 20 && body.iter().any(u8::is_ascii_digit) && body.iter().any(u8::is_ascii_alphabetic) {
            return Some(format_hit(&s[i..i + 3 + n], "an API secret key (`sk-…`)"));
        }
    }
    for i in find_all(b, b"-----BEGIN ") {
        let rest = &s[i + 11..];
        let Some(end) = rest.find("-----") else { continue };
        let label = &rest[..end];
        if label.len() <= 40 && label.contains("PRIVATE KEY") {
            let body = &rest[end + 5..];
            let body_len = body
                .split("-----END")
                .next()
                .unwrap_or("")
                .bytes()
                .filter(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
                .count();
            return Some(if body_len < 16 {
                Detection::placeholder("a PEM private key")
            } else {
                format_hit(prefix(body, 200), "a PEM private key")
            });
        }
    }
    None
}

/// SendGrid (`SG.….…`), JWTs (`eyJ….….…`), Slack webhooks.
fn dotted(s: &str) -> Option<Detection> {
    let b = s.as_bytes();
    for i in find_all(b, b"SG.") {
        let a = run(b, i + 3, token_byte);
        if boundary_before(b, i) && a >= 16 && b.get(i + 3 + a) == Some(&b'.') && run(b, i + 4 + a, token_byte) >= 20 {
            return Some(format_hit(&s[i..i + 3 + a], "a SendGrid API key"));
        }
    }
    for i in find_all(b, b"eyJ") {
        if !boundary_before(b, i) {
            continue;
        }
        let h = run(b, i, token_byte);
        if h < 10 || b.get(i + h) != Some(&b'.') {
            continue;
        }
        let p = run(b, i + h + 1, token_byte);
        if p < 10 || b.get(i + h + 1 + p) != Some(&b'.') {
            continue;
        }
        let sig = run(b, i + h + p + 2, token_byte);
        if sig >= 16 && jwt_header_has_alg(&b[i..i + h]) {
            return Some(Detection::credential("a JSON Web Token"));
        }
    }
    if let Some(i) = find_all(b, b"hooks.slack.com/services/").next() {
        let n = run(b, i + 25, |c| alnum(c) || c == b'/');
        if n >= 20 {
            return Some(format_hit(&s[i..i + 25 + n], "a Slack webhook URL"));
        }
    }
    None
}

/// Base64url-decode the first bytes of a JWT header and look for `{ … "alg" …`.
fn jwt_header_has_alg(seg: &[u8]) -> bool {
    let mut out = [0u8; 192];
    let Some(n) = b64_decode(&seg[..seg.len().min(256)], &mut out) else { return false };
    let decoded = &out[..n];
    decoded.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{') && decoded.windows(5).any(|w| w == b"\"alg\"")
}

/// A URL whose userinfo carries a password: `postgres://u:p@h`, `redis://:p@h`, `https://u:p@h`.
fn url_userinfo(s: &str, ctx: Ctx) -> Option<Detection> {
    let b = s.as_bytes();
    for i in find_all(b, b"://") {
        let scheme_len =
            b[..i].iter().rev().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-')).count();
        if scheme_len < 2 || !b[i - scheme_len].is_ascii_alphabetic() {
            continue;
        }
        let start = i + 3;
        let len = run(b, start, |c| {
            !matches!(c, b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b' ' | b'\t' | b'\n' | b'\r')
        });
        let authority = &s[start..start + len];
        let Some(at) = authority.rfind('@') else { continue };
        let Some((_, pw)) = authority[..at].split_once(':') else { continue };
        if pw.is_empty() || is_reference(pw, ctx, false) {
            continue;
        }
        const WHAT: &str = "a URL with an embedded password";
        return Some(if is_placeholder(pw) { Detection::placeholder(WHAT) } else { Detection::credential(WHAT) });
    }
    None
}

/// `Bearer <token>` / `Basic <base64>` anywhere (an `Authorization` header in an option).
fn auth_header(s: &str, ctx: Ctx) -> Option<Detection> {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        // Only a `b`/`B` at a word start can begin `Bearer ` / `Basic ` (ASCII, so `i` is a char boundary).
        if c | 0x20 != b'b' || !boundary_before(b, i) {
            continue;
        }
        let rest = &s[i..];
        let skip = if starts_with_ci(rest, "bearer ") {
            7
        } else if starts_with_ci(rest, "basic ") {
            6
        } else {
            continue;
        };
        let end = skip + run(b, i + skip, |c| !c.is_ascii_whitespace() && c != b'"' && c != b'\'');
        if let Some(d) = auth_scheme_value(rest[..end].trim(), ctx) {
            return Some(d);
        }
    }
    None
}

/// `Bearer abc…` / `Basic dXNlcjpwYXNz`: the token decides.
fn auth_scheme_value(t: &str, ctx: Ctx) -> Option<Detection> {
    let (what, tok, min) = if starts_with_ci(t, "bearer ") {
        ("a bearer token", t[7..].trim(), 12)
    } else if starts_with_ci(t, "basic ") {
        ("basic-auth credentials", t[6..].trim(), 8)
    } else {
        return None;
    };
    if tok.is_empty() || is_reference(tok, ctx, false) {
        return None;
    }
    if is_placeholder(tok) {
        return Some(Detection::placeholder(what));
    }
    let tb = tok.as_bytes();
    let charset =
        tb.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'~' | b'+' | b'/' | b'=' | b'-'));
    let mixed = tb.iter().any(u8::is_ascii_digit) || tb.iter().any(u8::is_ascii_uppercase) || tok.ends_with('=');
    (tb.len() >= min && charset && mixed).then_some(Detection::credential(what))
}

/// `key=value`, `key: value` and `"key": "value"` pairs embedded in a longer value or a
/// command line (`--password=…`, `export API_KEY=…`, `Password=…;` connection strings,
/// JSON/YAML config in an env var, `-Dspring.datasource.password=…`).
fn embedded_pairs(s: &str, ctx: Ctx) -> Option<Detection> {
    let b = s.as_bytes();
    for i in 0..b.len() {
        let c = b[i];
        if c != b'=' && c != b':' {
            continue;
        }
        let next = b.get(i + 1).copied();
        if c == b'=' && (next == Some(b'=') || (i > 0 && b[i - 1] == b'=')) {
            continue; // base64 padding, `==`
        }
        let mut end = i;
        let quoted = end > 0 && matches!(b[end - 1], b'"' | b'\'');
        if quoted {
            end -= 1;
        }
        let start = end
            - b[..end]
                .iter()
                .rev()
                .take_while(|&&k| k.is_ascii_alphanumeric() || matches!(k, b'_' | b'-' | b'.'))
                .count();
        if start == end {
            continue;
        }
        if c == b':' && !(quoted || matches!(next, Some(b' ' | b'\t'))) {
            continue; // `host:port`, `image:tag`, `arn:aws:…`, `user:pass`
        }
        let key = &s[start..end];
        if !may_name_secret(key) {
            continue;
        }
        let class = name_class(key);
        if !matches!(class, NameClass::Secret(_) | NameClass::AuthLike) {
            continue;
        }
        let mut j = i + 1;
        while j < b.len() && matches!(b[j], b' ' | b'\t') {
            j += 1;
        }
        let value = match b.get(j) {
            Some(&q @ (b'"' | b'\'')) => {
                let n = run(b, j + 1, |x| x != q);
                &s[j + 1..j + 1 + n]
            }
            _ => {
                let n = run(b, j, |x| {
                    !matches!(x, b' ' | b'\t' | b'\n' | b'\r' | b',' | b';' | b'&' | b'"' | b'\'' | b'}' | b']' | b')')
                });
                &s[j..j + n]
            }
        };
        let hit = match class {
            NameClass::Secret(what) => slot_value(value, what, ctx, false),
            _ => auth_material(value, ctx),
        };
        if hit.is_some() {
            return hit;
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------

/// Scan the string elements of a `command`/`entryPoint` array. Returns, per element that
/// holds a secret, its index and the detection (at most one per element).
pub fn scan_command<'a, I>(elements: I) -> Vec<(usize, Detection)>
where
    I: Iterator<Item = (usize, &'a str)> + Clone,
{
    let mut hits: Vec<(usize, Detection)> = Vec::new();
    let add = |hits: &mut Vec<(usize, Detection)>, idx: usize, d: Detection| {
        if !hits.iter().any(|(i, _)| *i == idx) {
            hits.push((idx, d));
        }
    };
    for (idx, text) in elements.clone() {
        if let Some(d) = known_format(text, Ctx::Shell) {
            add(&mut hits, idx, d);
        }
    }
    // Token-level: flags with a separate value, `mysql -p<pw>`, `curl -u user:pw`.
    let mut mysql = false;
    let mut curl = false;
    let mut psql = false;
    let mut pending: Option<Pending> = None;
    for (idx, text) in elements.clone() {
        for raw in text.split_ascii_whitespace() {
            let tok = raw.trim_matches(|c| matches!(c, '"' | '\'' | ';' | '(' | ')' | '&' | '|'));
            if let Some(p) = pending.take() {
                if !tok.is_empty() && !tok.starts_with('-') {
                    let d = match p {
                        Pending::Secret(what) => slot_value(tok, what, Ctx::Shell, false),
                        Pending::UserPass => user_pass(tok),
                        Pending::Password => slot_value(tok, "a password", Ctx::Shell, false),
                    };
                    if let Some(d) = d {
                        add(&mut hits, idx, d);
                    }
                    continue;
                }
            }
            // The program's name: after the last `/` (what `rsplit('/').next()` gives).
            let base = tok.as_bytes().iter().rposition(|&c| c == b'/').map_or(tok, |p| &tok[p + 1..]);
            let maybe_tool =
                (4..=12).contains(&base.len()) && matches!(base.as_bytes()[0] | 0x20, b'm' | b'c' | b'w' | b'p');
            if maybe_tool && is_any(base, MYSQL_TOOLS) {
                mysql = true;
            }
            if maybe_tool && is_any(base, &["curl", "wget"]) {
                curl = true;
            }
            if maybe_tool && is_any(base, &["psql", "pg_dump", "pg_dumpall", "pg_restore"]) {
                psql = true;
            }
            if let Some(flag) = tok.strip_prefix('-') {
                if tok.contains('=') {
                    continue; // handled by `known_format` (`--password=…`)
                }
                if mysql && !flag.starts_with('-') && flag.len() > 1 && flag.starts_with('p') {
                    if let Some(d) = slot_value(&flag[1..], "a MySQL password (`-p…`)", Ctx::Shell, false) {
                        add(&mut hits, idx, d);
                    }
                    continue;
                }
                if curl && (flag == "u" || flag == "-user") {
                    pending = Some(Pending::UserPass);
                    continue;
                }
                // redis-server's `--requirepass`/`--masterauth` take the password itself.
                if (flag == "p" && elements_mention(elements.clone(), "sshpass"))
                    || (flag == "a" && elements_mention(elements.clone(), "redis-cli"))
                    || flag.eq_ignore_ascii_case("-requirepass")
                    || flag.eq_ignore_ascii_case("-masterauth")
                {
                    pending = Some(Pending::Password);
                    continue;
                }
                let name = flag.trim_start_matches('-');
                // `--no-password`; mysql's and psql's bare `--password` prompts instead of taking a value.
                let switch = starts_with_ci(name, "no-") || ((mysql || psql) && is_any(name, PASSWORD_WORDS));
                if name.len() >= 2 && !switch && may_name_secret(name) {
                    if let NameClass::Secret(what) = name_class(name) {
                        pending = Some(Pending::Secret(what));
                    }
                }
            }
        }
    }
    hits.sort_by_key(|(i, _)| *i);
    hits
}

const MYSQL_TOOLS: &[&str] =
    &["mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlcheck", "mysqlsh", "mariadb", "mariadb-dump"];

#[derive(Clone, Copy)]
enum Pending {
    Secret(&'static str),
    UserPass,
    Password,
}

fn elements_mention<'a>(mut elements: impl Iterator<Item = (usize, &'a str)>, word: &str) -> bool {
    elements.any(|(_, t)| t.contains(word))
}

/// `user:password` after `curl -u`.
fn user_pass(tok: &str) -> Option<Detection> {
    let (user, pw) = tok.split_once(':')?;
    if user.is_empty() || pw.is_empty() || is_reference(pw, Ctx::Shell, false) {
        return None;
    }
    Some(if is_placeholder(pw) {
        Detection::placeholder("a user:password pair")
    } else {
        Detection::credential("a user:password pair")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(name: &str, value: &str) -> Option<Kind> {
        classify(name, value).map(|d| d.kind)
    }

    fn cred(name: &str, value: &str) -> bool {
        kind(name, value) == Some(Kind::Credential)
    }

    fn none(name: &str, value: &str) -> bool {
        classify(name, value).is_none()
    }

    #[test]
    fn every_anchor_sets_its_family() {
        let anchors: &[(&str, u8)] = &[
            ("AKIA", FAM_AWS),
            ("ASIA", FAM_AWS),
            ("ghp_", FAM_UNDERSCORE),
            ("gho_", FAM_UNDERSCORE),
            ("ghu_", FAM_UNDERSCORE),
            ("ghs_", FAM_UNDERSCORE),
            ("ghr_", FAM_UNDERSCORE),
            ("github_pat_", FAM_UNDERSCORE),
            ("sk_live_", FAM_UNDERSCORE),
            ("sk_test_", FAM_UNDERSCORE),
            ("rk_live_", FAM_UNDERSCORE),
            ("rk_test_", FAM_UNDERSCORE),
            ("xox", FAM_DASH),
            ("xapp-", FAM_DASH),
            ("glpat-", FAM_DASH),
            ("sk-", FAM_DASH),
            ("-----BEGIN ", FAM_DASH),
            ("SG.", FAM_DOTTED),
            ("eyJ", FAM_DOTTED),
            ("hooks.slack.com/services/", FAM_DOTTED),
            ("://", FAM_URL),
        ];
        for &(anchor, fam) in anchors {
            assert!(families(anchor.as_bytes()) & fam != 0, "{anchor}");
        }
        // Case-insensitive anchors: every spelling.
        let words = ["bearer ", "basic "].map(|w| (w, FAM_AUTH)).into_iter().chain(
            ["pw", "pass", "pat", "pepper", "pswd", "secret", "salt", "token", "key", "cred", "auth"]
                .map(|w| (w, FAM_NAME)),
        );
        for (word, fam) in words {
            for mask in 0..1u32 << word.len() {
                let spelled: String = word
                    .chars()
                    .enumerate()
                    .map(|(i, c)| if mask >> i & 1 == 1 { c.to_ascii_uppercase() } else { c })
                    .collect();
                assert!(families(spelled.as_bytes()) & fam != 0, "{spelled}");
                if fam == FAM_NAME {
                    assert!(may_name_secret(&spelled), "{spelled}");
                }
            }
        }
    }

    #[test]
    fn tokenizer() {
        let t = |s: &str| tokenize(s).as_slice().iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert_eq!(t("DD_API_KEY"), ["DD", "API", "KEY"]);
        assert_eq!(t("clientSecret"), ["client", "Secret"]);
        assert_eq!(t("APIKey"), ["API", "Key"]);
        assert_eq!(t("my-app.db.password"), ["my", "app", "db", "password"]);
        assert_eq!(t("S3Bucket"), ["S3", "Bucket"]);
        assert_eq!(t("--password"), ["password"]);
        assert_eq!(t("__"), Vec::<String>::new());
        assert_eq!(t("pässwörd_x"), ["pässwörd", "x"]);
        let long = "A_".repeat(40) + "TTL";
        assert_eq!(tokenize(&long).as_slice().last(), Some(&"TTL"));
    }

    #[test]
    fn names_that_are_credential_slots() {
        for n in [
            "MYSQL_PW",
            "DB_PWD",
            "PASSWD",
            "REDIS_PASS",
            "PGPASSWORD",
            "PASSWORD",
            "mysqlRootPassword",
            "GITHUB_TOKEN",
            "authToken",
            "DD_API_KEY",
            "APIKEY",
            "x-api-key",
            "STRIPE_SECRET_KEY",
            "CLIENT_SECRET",
            "clientSecret",
            "SECRET_KEY_BASE",
            "PRIVATE_KEY",
            "CREDENTIALS",
            "DD_APP_KEY",
            "DATADOG_APPLICATION_KEY",
            "NEW_RELIC_LICENSE_KEY",
            "ENCRYPTION_KEY",
            "GH_PAT",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "AWS_SESSION_TOKEN",
            "ECS_ENGINE_AUTH_DATA",
            "spring.datasource.password",
            "splunk-token",
            "HTTP_Passwd",
        ] {
            assert!(matches!(name_class(n), NameClass::Secret(_)), "{n}: {:?}", name_class(n));
        }
        assert_eq!(name_class("DD_API_KEY"), NameClass::Secret("an API key"));
        assert_eq!(name_class("DD_APP_KEY"), NameClass::Secret("an application key"));
        assert_eq!(name_class("MYSQL_PW"), NameClass::Secret("a password"));
        for n in ["CACHE_KEY", "KEY", "S3_KEY", "DATADOG_KEY", "PASSWORD_SALT_KEY"] {
            assert!(matches!(name_class(n), NameClass::KeyLike(_) | NameClass::Secret(_)), "{n}");
        }
        assert_eq!(name_class("CACHE_KEY"), NameClass::KeyLike("a key"));
        assert_eq!(name_class("REDIS_AUTH"), NameClass::AuthLike);
        assert_eq!(name_class("SECRET_ID"), NameClass::SecretId("a secret"));
    }

    #[test]
    fn names_that_only_look_secret() {
        for n in [
            "SECRET_NAME",
            "DB_SECRET_ARN",
            "DD_API_KEY_SECRET_ARN",
            "DB_PASSWORD_FILE",
            "TLS_KEY_PATH",
            "TOKEN_TTL",
            "JWT_TOKEN_TTL",
            "TOKEN_EXPIRY",
            "PASSWORD_MIN_LENGTH",
            "API_KEY_HEADER",
            "TOKEN_URL",
            "API_KEY_ENABLED",
            "PASSWORD_RESET_URL",
            "PUBLIC_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "NEXT_PUBLIC_API_KEY",
            "RECAPTCHA_SITE_KEY",
            "DB_PASSWORD_PARAM",
            "DB_PASSWORD_PARAMETER",
            "TOKEN_TYPE",
            "SECRETS_MANAGER_ENDPOINT",
            "PASSWORD_POLICY",
            "password-stdin",
        ] {
            assert_eq!(name_class(n), NameClass::Guarded, "{n}");
        }
        for n in [
            "PWD",
            "OLDPWD",
            "DD_SITE",
            "MYSQL_HOST",
            "AWS_REGION",
            "PATH",
            "BYPASS_CACHE",
            "COMPASS_URL",
            "OAUTH_ISSUER",
            "AUTH_ENABLED",
        ] {
            assert!(matches!(name_class(n), NameClass::Neutral | NameClass::IdLike), "{n}: {:?}", name_class(n));
        }
        for n in ["GIT_SHA", "BUILD_ID", "IMAGE_DIGEST", "APP_VERSION", "CLIENT_ID", "MYSQL_USER", "DD_ENV"] {
            assert!(matches!(name_class(n), NameClass::IdLike | NameClass::Neutral), "{n}");
        }
        assert_eq!(name_class("GIT_SHA"), NameClass::IdLike);
    }

    #[test]
    fn seed_variables() {
        assert_eq!(kind("DD_API_KEY", "xxx"), Some(Kind::Placeholder));
        assert_eq!(kind("MYSQL_PW", "xxx"), Some(Kind::Placeholder));
        for (n, v) in [
            ("MYSQL_USER", "myuser"),
            ("MYSQL_HOST", "xxx.ap-northeast-1.rds.amazonaws.com"),
            ("MYSQL_DB", "mydatabase"),
            ("DD_SITE", "ap1.datadoghq.com"),
            ("AWS_REGION", "ap-northeast-1"),
            ("ECS_FARGATE", "true"),
            ("DD_RUNTIME_SECURITY_CONFIG_EBPFLESS_ENABLED", "false"),
            ("DD_CONTAINER_METRICS_ENABLED", "true"),
        ] {
            assert!(none(n, v), "{n}={v}");
        }
    }

    #[test]
    fn placeholders_in_credential_slots() {
        for v in [
            "xxx",
            "XXXXXXXX",
            "changeme",
            "CHANGE_ME",
            "<YOUR_API_KEY>",
            "${DD_API_KEY}",
            "$DD_API_KEY",
            "{{ api_key }}",
            "TODO",
            "your-api-key-here",
            "***",
            "REPLACE_ME",
            "dummy",
            "AKIAIOSFODNN7EXAMPLE",
            "null",
        ] {
            assert_eq!(kind("DD_API_KEY", v), Some(Kind::Placeholder), "{v}");
        }
        assert_eq!(kind("DB_PASSWORD", ""), Some(Kind::Empty));
        assert_eq!(kind("DB_PASSWORD", "   "), Some(Kind::Empty));
        assert!(none("DD_SITE", ""));
        // `*_KEY` needs key material: a placeholder there is not a finding.
        assert!(none("CACHE_KEY", "xxx"));
    }

    #[test]
    fn real_values_in_credential_slots() {
        for (n, v) in [
            ("MYSQL_PW", "hunter2"),
            ("DB_PASSWORD", "correct horse battery staple"),
            ("PASSWORD", "p@ssw0rd!"),
            ("REDIS_PASS", "root"),
            ("ADMIN_PASSWORD", "12345678"),
            ("API_TOKEN", "Zx81kLmQ02pRt7vW"),
            ("CLIENT_SECRET", "b7c1e0f2-3a4d-4e5f-9a8b-7c6d5e4f3a2b"),
            ("DB_CREDENTIALS", "{\"username\":\"u\",\"password\":\"p\"}"),
            ("DD_API_KEY", "0123456789abcdef0123456789abcdef"),
            ("PASSWORD_HASH", "$2b$12$abcdefghijklmnopqrstuv"),
        ] {
            assert!(cred(n, v), "{n}={v}: {:?}", classify(n, v));
        }
    }

    #[test]
    fn harmless_values_in_credential_slots() {
        for (n, v) in [
            ("DB_PASSWORD", "/prod/db/password"),
            ("DB_PASSWORD", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"),
            ("API_TOKEN", "arn:aws:ssm:us-east-1:123456789012:parameter/prod/token"),
            ("DB_PASSWORD", "prod/db/password"),
            ("API_KEY", "true"),
            ("API_KEY", "8080"),
            ("TOKEN", "30s"),
            ("TOKEN", "0.5"),
            ("GOOGLE_APPLICATION_CREDENTIALS", "/var/secrets/google/key.json"),
            ("TLS_PRIVATE_KEY", "server.key"),
            ("OAUTH_TOKEN", "https://auth.example.internal/oauth/token"),
            ("STRIPE_API_KEY", "pk_live_51H8abcdefghijklmnopqrstu"),
            ("SSH_KEY", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0aGlzIGlzIG5vdCBhIHJlYWwga2V5 me@host"),
            ("SIGNING_KEY", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"),
            ("DB_PASSWORD", "ENC[db_password]"),
        ] {
            assert!(none(n, v), "{n}={v}: {:?}", classify(n, v));
        }
    }

    #[test]
    fn key_like_names_need_key_material() {
        assert!(cred("ENCRYPTION_SEED_KEY", "q8Z3mN7pL2xR5tV9wB4c"));
        assert!(cred("CACHE_KEY", "5f4dcc3b5aa765d61d8327deb882cf99"));
        for v in [
            "users:v2",
            "uploads/2024/file.txt",
            "session",
            "user-profile-cache-2024",
            "0x1234ABCD",
            "my_application_key_name",
        ] {
            assert!(none("CACHE_KEY", v), "{v}");
        }
        // `*_ID`: only key material, and not a UUID.
        assert!(none("SECRET_ID", "prod/db-creds"));
        assert!(none("DD_API_KEY_ID", "3fa85f64-5717-4562-b3fc-2c963f66afa6"));
        assert!(cred("SECRET_KEY_ID", "q8Z3mN7pL2xR5tV9wB4c"));
        assert!(none("CLIENT_ID", "q8Z3mN7pL2xR5tV9wB4c"));
    }

    #[test]
    fn auth_names() {
        assert!(cred("REDIS_AUTH", "admin:Hunter2"));
        assert!(cred("BASIC_AUTH", "Basic dXNlcjpwYXNzd29yZA=="));
        assert!(cred("NPM_AUTH", "Zx81kLmQ02pRt7vWq9Y3"));
        for v in ["true", "jwt", "oidc", "none", "db.internal:6379", "Bearer $TOKEN"] {
            assert!(none("REDIS_AUTH", v), "{v}");
        }
    }

    #[test]
    fn aws_keys() {
        assert_eq!(classify("SOME_VAR", "AKIAZ3MPLE4KEY7ID2QW").map(|d| d.what), Some("an AWS access key ID"));
        assert!(cred("X", "ASIAZ3MPLE4KEY7ID2QW"));
        assert_eq!(kind("X", "AKIAIOSFODNN7EXAMPLE"), Some(Kind::Placeholder));
        assert!(none("X", "AKIAZ3MPLE4KEY7ID2Q"), "too short");
        assert!(none("X", "XAKIAZ3MPLE4KEY7ID2QW"), "no boundary");
        assert!(none("ROLE", "AROAZ3MPLE4KEY7ID2QW"), "a role id is not a credential");
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9kQ3LmQp";
        assert_eq!(classify("AWS_SECRET", secret).map(|d| d.what), Some("a secret"));
        assert_eq!(classify("MY_AWS_SIGNING_VALUE", secret).map(|d| d.what), Some("an AWS secret access key"));
        assert!(cred("SOMETHING", "wJalrXUtnFEMIK7MDENGbPxRfiCYzz9kQ3LmQp1x"), "alone with high entropy");
    }

    #[test]
    fn datadog_keys() {
        assert_eq!(
            classify("DATADOG_KEY_VALUE", "0123456789abcdef0123456789abcdef").map(|d| d.what),
            Some("a Datadog API key")
        );
        assert_eq!(
            classify("DD_APPLICATION", "0123456789abcdef0123456789abcdef01234567").map(|d| d.what),
            Some("a Datadog application key")
        );
        assert!(none("GIT_COMMIT", "0123456789abcdef0123456789abcdef01234567"), "a SHA is not a key");
        assert!(none("CHECKSUM", "0123456789abcdef0123456789abcdef"));
    }

    #[test]
    fn token_formats() {
        let cases = [
            ("ghp_0123456789abcdefABCDEF0123456789abcd", "a GitHub token"),
            ("gho_0123456789abcdefABCDEF0123456789abcd", "a GitHub token"),
            ("ghs_0123456789abcdefABCDEF0123456789abcd", "a GitHub token"),
            ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ", "a GitHub token"),
            ("glpat-0123456789abcdefABCD", "a GitLab token"),
            ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "a Slack token"),
            ("xoxp-123456789012-1234567890123-AbCdEf", "a Slack token"),
            ("xapp-1-A0123456789-0123456789012-abcdef", "a Slack app token"),
            ("https://hooks.slack.com/services/T00000000/B00000000/AbCdEfGhIjKlMnOpQrStUvWx", "a Slack webhook URL"),
            ("sk_live_51H8abcdefghijklmnopqrstu", "a Stripe secret key"),
            ("sk_test_51H8abcdefghijklmnopqrstu", "a Stripe secret key"),
            ("rk_live_51H8abcdefghijklmnopqrstu", "a Stripe secret key"),
            ("SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg", "a SendGrid API key"),
            ("sk-proj-abc123DEF456ghi789JKL012mno345", "an API secret key (`sk-…`)"),
            ("sk-abc123DEF456ghi789JKL012mno345PQR", "an API secret key (`sk-…`)"),
            (
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
                "a JSON Web Token",
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAzd8f7s9a8d7f6s5a4d3f2g1h0j9k8l7\n-----END RSA PRIVATE KEY-----",
                "a PEM private key",
            ),
            ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----", "a PEM private key"),
        ];
        for (v, what) in cases {
            assert_eq!(classify("HARMLESS_LOOKING", v), Some(Detection::credential(what)), "{v}");
        }
        // Guarded names do not hide a real token.
        assert!(cred("GITHUB_TOKEN_FILE", "ghp_0123456789abcdefABCDEF0123456789abcd"));
        assert!(cred(
            "PUBLIC_KEY",
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
        ));
    }

    #[test]
    fn token_format_lookalikes() {
        for v in [
            "ghp_short",
            "desk-top-0123456789abcdefghijk",
            "task-0123456789abcdefghijklmnop",
            "sk-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "pk_test_51H8abcdefghijklmnopqrstu",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0",
            "eyJ1IjoibWFwYm94IiwiYSI6ImNqZnd3In0.abcdefghijklmnop.abcdefghijklmnopqrstuvwxyz",
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 user@host",
            "SG.short.x",
        ] {
            assert!(none("HARMLESS_LOOKING", v), "{v}: {:?}", classify("HARMLESS_LOOKING", v));
        }
        assert_eq!(kind("X", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), Some(Kind::Placeholder));
        assert_eq!(kind("X", "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----"), Some(Kind::Placeholder));
    }

    #[test]
    fn urls_and_dsns() {
        for v in [
            "postgres://app:hunter2@db.internal:5432/app",
            "postgresql://app:hunter2@db/app?sslmode=require",
            "mysql://root:secret@10.0.0.5/db",
            "mongodb+srv://user:Pa55w0rd@cluster0.abcde.mongodb.net/test",
            "redis://:hunter2@cache:6379/0",
            "amqp://guest:guest@rabbit:5672/",
            "https://user:hunter2@internal.example.com/api",
            "jdbc:mysql://db:3306/app?user=app&password=hunter2",
            "Server=db;Database=app;User Id=sa;Password=Hunter2!;",
            "https://api.example.com/v1/hook?token=abc123def456",
        ] {
            assert!(cred("DATABASE_URL", v), "{v}: {:?}", classify("DATABASE_URL", v));
            assert!(cred("CONN", v), "{v}");
        }
        assert_eq!(
            classify("DATABASE_URL", "postgres://app:hunter2@db/app").map(|d| d.what),
            Some("a URL with an embedded password")
        );
        assert_eq!(kind("DATABASE_URL", "postgres://app:xxx@db/app"), Some(Kind::Placeholder));
        for v in [
            "postgres://db.internal:5432/app",
            "postgres://app@db.internal:5432/app",
            "postgres://app:${DB_PASSWORD}@db/app",
            "https://abc123@o123.ingest.sentry.io/456",
            "ssh://git@github.com/org/repo.git",
            "https://example.com/path?page=2&token_type=bearer",
            "https://user:@host/",
        ] {
            assert!(none("DATABASE_URL", v), "{v}: {:?}", classify("DATABASE_URL", v));
        }
    }

    #[test]
    fn embedded_pairs_in_longer_values() {
        assert!(cred("JAVA_OPTS", "-Xmx512m -Dspring.datasource.password=hunter2 -Dfoo=bar"));
        assert!(cred("APP_CONFIG", "{\"db\": {\"host\": \"db\", \"password\": \"hunter2\"}}"));
        assert!(cred("APP_CONFIG", "db:\n  password: hunter2\n"));
        assert!(cred("HEADERS", "Authorization: Bearer Zm9vYmFyMTIzNDU2Nzg5MA"));
        for v in [
            "-Xmx512m -Dspring.datasource.password=${DB_PASSWORD}",
            "-Dtoken.ttl=30 -Dpassword.min.length=12",
            "{\"password_file\": \"/run/secrets/pw\"}",
            "{\"host\": \"db\", \"port\": 5432}",
            "env:prod,team:web",
            "key=value; other=thing",
            "basic configuration enabled",
            "Bearer tokens are accepted",
        ] {
            assert!(none("APP_CONFIG", v), "{v}: {:?}", classify("APP_CONFIG", v));
        }
    }

    #[test]
    fn high_entropy_strings() {
        for v in
            ["q8Z3mN7pL2xR5tV9wB4cK6yD", "Zx81kLmQ02pRt7vWq9Y3bN5cHj4Gf6Ds", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9kQ3LmQp"]
        {
            assert!(is_high_entropy(v), "{v}");
            assert!(cred("SOME_SETTING", v), "{v}");
        }
        for v in [
            "3fa85f64-5717-4562-b3fc-2c963f66afa6",                                    // UUID
            "3FA85F64-5717-4562-B3FC-2C963F66AFA6",                                    // UUID
            "0123456789abcdef0123456789abcdef01234567",                                // hex digest
            "ip-10-0-1-23.ap-northeast-1.compute.internal",                            // hostname
            "/usr/local/lib/python3.11/site-packages",                                 // path
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app:v1.2.3",              // image
            "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",                     // ARN
            "v1.22.3-eks-1-22-build-20231012",                                         // version
            "aGVsbG8gd29ybGQ=",                                                        // base64 of a short word
            "MyApplicationServiceName2024",                                            // identifier
            "ThisIsATestValue12345",                                                   // words
            "01ARZ3NDEKTSV4RRFFQ69G5FAV",                                              // ULID
            "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", // digest
        ] {
            assert!(!is_high_entropy(v), "{v}");
            assert!(none("SOME_SETTING", v), "{v}");
        }
        // Identifier-like names are never guessed at.
        assert!(none("BUILD_ID", "q8Z3mN7pL2xR5tV9wB4cK6yD"));
        assert!(none("DD_VERSION", "q8Z3mN7pL2xR5tV9wB4cK6yD"));
    }

    #[test]
    fn commands() {
        let hits = |els: &[&str]| {
            let e: Vec<(usize, &str)> = els.iter().copied().enumerate().collect();
            scan_command(e.iter().copied()).into_iter().map(|(i, d)| (i, d.kind)).collect::<Vec<_>>()
        };
        assert_eq!(hits(&["mysql", "-uroot", "-psecret"]), [(2, Kind::Credential)]);
        assert_eq!(hits(&["sh", "-c", "mysql -uroot -psecret db"]), [(2, Kind::Credential)]);
        assert_eq!(hits(&["./app", "--token", "xxx"]), [(2, Kind::Placeholder)]);
        assert_eq!(
            hits(&["./app", "--client-secret", "Zx81kLmQ02pRt7vW", "--password=hunter2"]),
            [(2, Kind::Credential), (3, Kind::Credential)]
        );
        assert!(hits(&["./app", "--token"]).is_empty());
        assert!(hits(&["./app", "--token", "--verbose"]).is_empty());
        assert!(hits(&["./app", "--password", "$PW"]).is_empty());
        assert!(hits(&[]).is_empty());
    }

    #[test]
    fn realistic_environments() {
        for (n, v) in [
            ("NODE_ENV", "production"),
            ("JAVA_OPTS", "-Xms512m -Xmx1g -XX:+UseG1GC"),
            ("JAVA_TOOL_OPTIONS", "-javaagent:/dd-java-agent.jar"),
            ("NODE_OPTIONS", "--max-old-space-size=4096"),
            ("GUNICORN_CMD_ARGS", "--workers 4 --bind 0.0.0.0:8000"),
            ("DD_TAGS", "env:prod team:web"),
            ("DD_DOCKER_LABELS_AS_TAGS", "{\"com.example.team\":\"team\"}"),
            ("DD_CONTAINER_EXCLUDE", "name:datadog-agent"),
            ("DD_TRACE_SAMPLE_RATE", "0.5"),
            ("DD_VERSION", "1.2.3"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317"),
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=web,deployment.environment=prod"),
            ("REDIS_URL", "redis://cache.internal:6379/0"),
            ("SQS_QUEUE_URL", "https://sqs.ap-northeast-1.amazonaws.com/123456789012/jobs"),
            ("SENTRY_DSN", "https://0123456789abcdef0123456789abcdef@o123456.ingest.sentry.io/1234567"),
            ("GIT_COMMIT_SHA", "9fceb02d0ae598e95dc970b74767f19372d61af8"),
            ("IMAGE_TAG", "sha-9fceb02"),
            ("TZ", "Asia/Tokyo"),
            ("PYTHONUNBUFFERED", "1"),
            ("ALLOWED_HOSTS", "*"),
            ("COGNITO_USER_POOL_ID", "ap-northeast-1_AbCdEf123"),
            ("COGNITO_CLIENT_ID", "1h2j3k4l5m6n7o8p9q0r1s2t3u"),
            ("GOOGLE_CLIENT_ID", "1234567890-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com"),
            ("GF_SECURITY_ADMIN_PASSWORD__FILE", "/run/secrets/grafana_admin"),
            ("POSTGRES_HOST_AUTH_METHOD", "trust"),
            ("MYSQL_ALLOW_EMPTY_PASSWORD", "yes"),
            ("MYSQL_RANDOM_ROOT_PASSWORD", "1"),
            ("JWT_ALGORITHM", "RS256"),
            ("JWKS_URL", "https://cognito-idp.ap-northeast-1.amazonaws.com/pool/.well-known/jwks.json"),
            ("CSRF_TOKEN_NAME", "csrftoken"),
            ("SESSION_COOKIE_NAME", "sid"),
            ("PASSWORD_RESET_TIMEOUT", "3600"),
            ("SSH_AUTH_SOCK", "/tmp/ssh-agent.sock"),
            ("KEY_VAULT_NAME", "kv-prod"),
            ("VAULT_ADDR", "https://vault.internal:8200"),
            ("AWS_DEFAULT_REGION", "ap-northeast-1"),
            ("ECS_ENABLE_CONTAINER_METADATA", "true"),
            ("AWS_XRAY_DAEMON_ADDRESS", "xray-daemon:2000"),
            ("DJANGO_SETTINGS_MODULE", "app.settings.production"),
            ("SPRING_PROFILES_ACTIVE", "prod,aws"),
            ("NEXTAUTH_URL", "https://app.example.com"),
            ("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            ("DD_ENTITY_ID", "q8Z3mN7pL2xR5tV9wB4cK6yD"),
            ("CONFIG_B64", "eyJkYiI6eyJob3N0IjoiZGIuaW50ZXJuYWwiLCJwb3J0Ijo1NDMyfSwiZmVhdHVyZXMiOnsieCI6dHJ1ZSwieSI6ZmFsc2V9LCJsb2dMZXZlbCI6ImluZm8ifQ=="),
        ] {
            assert!(none(n, v), "{n}={v}: {:?}", classify(n, v));
        }
        for (n, v) in [
            ("RAILS_MASTER_KEY", "5f4dcc3b5aa765d61d8327deb882cf99"),
            ("APP_KEY", "base64:q8Z3mN7pL2xR5tV9wB4cK6yDq8Z3mN7pL2xR5tV9wB4="),
            ("SESSION_SECRET", "keyboard cat"),
            ("AUTH0_CLIENT_SECRET", "q8Z3mN7pL2xR5tV9wB4cK6yD"),
            ("VAULT_TOKEN", "hvs.CAESIJ0123456789abcdef"),
            ("HTTP_PROXY", "http://user:Hunter2@proxy.internal:3128"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=0123456789abcdef0123"),
            (
                "KAFKA_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"Hunter2\";",
            ),
            ("NEW_RELIC_LICENSE_KEY", "0123456789abcdef0123456789abcdef01234567"),
        ] {
            assert!(cred(n, v), "{n}={v}: {:?}", classify(n, v));
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        let odd = [
            "",
            "=",
            ":",
            "://",
            "@",
            "a://@",
            "x://:@",
            "-----BEGIN ",
            "-----BEGIN PRIVATE KEY-----",
            "eyJ",
            "eyJ.",
            "SG.",
            "AKIA",
            "sk-",
            "xox",
            "xoxb-",
            "ghp_",
            "Bearer",
            "Bearer ",
            "basic é",
            "é=é",
            "\"password\": \"",
            "password='",
            "é€😀://ü:ö@ä",
            "😀AKIA0123456789ABCDEF😀",
            "-----BEGIN é PRIVATE KEY-----😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
        ];
        for v in odd {
            for n in ["", "PASSWORD", "X", "é", "DD_KEY", "REDIS_AUTH", "😀_TOKEN"] {
                let _ = classify(n, v);
            }
            let _ = scan_command([(0, v), (1, v)].into_iter());
            let _ = is_key_material(v, true);
        }
        let long = "aB3".repeat(10_000);
        let _ = classify("SOME", &long);
        let _ = classify("PASSWORD", &long);
    }
}
