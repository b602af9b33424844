//! Findings: what a rule reports, where, and how to fix it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// GitHub code scanning's `security-severity` (CVSS-like 0–10).
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Critical => "9.5",
            Severity::High => "8.0",
            Severity::Medium => "5.5",
            Severity::Low => "3.0",
            Severity::Info => "0.0",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown severity `{s}` (expected critical, high, medium, low or info)"))
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Credentials in plaintext.
    Secrets,
    /// What RegisterTaskDefinition would reject.
    Validity,
    /// Fargate's own limits.
    Fargate,
    /// `dependsOn`, links, volumesFrom.
    Dependencies,
    /// Privilege, isolation, supply chain.
    Security,
    /// Logging, tagging, health, the things you need at 3 a.m.
    Operability,
    /// Datadog agent and sidecar patterns.
    Sidecars,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Secrets,
        Category::Validity,
        Category::Fargate,
        Category::Dependencies,
        Category::Security,
        Category::Operability,
        Category::Sidecars,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Secrets => "secrets",
            Category::Validity => "validity",
            Category::Fargate => "fargate",
            Category::Dependencies => "dependencies",
            Category::Security => "security",
            Category::Operability => "operability",
            Category::Sidecars => "sidecars",
        }
    }

    /// The three letters every rule id of this category starts with (`SEC001`, `HAR012` …).
    /// The one table of prefixes: the catalogue test checks every rule id against it.
    pub const fn id_prefix(self) -> &'static str {
        match self {
            Category::Secrets => "SEC",
            Category::Validity => "VAL",
            Category::Fargate => "FAR",
            Category::Dependencies => "DEP",
            Category::Security => "HAR",
            Category::Operability => "OPS",
            Category::Sidecars => "SDC",
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A concrete fix: an RFC 6902 JSON Patch against the document (pointers are
/// document pointers, so they include `/taskDefinition` for the wrapped shape),
/// plus commands to run and notes (IAM policy …) that the patch alone cannot do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    pub description: String,
    /// JSON Patch operations (an array). Empty when the fix is advice only.
    pub patch: Value,
    /// True when the patch cannot change how the containers behave at run time: it only
    /// makes the task definition registrable or takes a plaintext secret out. `ecs-lens fix`
    /// applies safe fixes by default; the others (run as another user, read-only root
    /// filesystem, drop capabilities …) can break an application and are applied only when
    /// asked for, by rule id or with `--unsafe`. The rule that builds the fix decides (see
    /// [`Fix::safe()`]); [`Fix::patch`] and [`Fix::advice`] start unsafe. Missing from JSON
    /// written before the flag existed, it reads as `false`.
    #[serde(default)]
    pub safe: bool,
    /// Shell commands to run (never with a secret value inline).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
    /// Anything else the user must do, e.g. the IAM permission the fix needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Fix {
    /// Advice without a machine-applicable patch (nothing to apply, so it stays unsafe).
    pub fn advice(description: impl Into<String>) -> Fix {
        Fix::patch(description, Value::Array(vec![]))
    }

    /// A fix with a patch (a JSON array of operations). Unsafe: `ecs-lens fix` applies it
    /// only when asked for; call [`Fix::safe()`] when it cannot change run-time behaviour.
    pub fn patch(description: impl Into<String>, patch: Value) -> Fix {
        Fix { description: description.into(), patch, safe: false, commands: vec![], notes: vec![] }
    }

    /// Mark the fix safe to apply by default (see the `safe` field): it only makes the task
    /// definition registrable or moves a plaintext secret out, without changing how the
    /// containers run.
    pub fn safe(mut self) -> Fix {
        self.safe = true;
        self
    }

    pub fn with_commands(mut self, commands: Vec<String>) -> Fix {
        self.commands = commands;
        self
    }

    pub fn with_notes(mut self, notes: Vec<String>) -> Fix {
        self.notes = notes;
        self
    }

    /// True when the patch can be applied by `ecs-lens fix` / the editor's quick fix.
    pub fn is_applicable(&self) -> bool {
        self.patch.as_array().is_some_and(|a| !a.is_empty())
    }
}

/// One problem found in a task definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule id, e.g. `SEC001`.
    pub rule: String,
    pub severity: Severity,
    pub category: Category,
    /// One sentence for a person. Never contains a secret value.
    pub message: String,
    /// RFC 6901 pointer into the document as given.
    pub pointer: String,
    /// 1-based line and column (UTF-16 units) of the start of what `pointer` names.
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// The container the finding is about, if any.
    pub container: Option<String>,
    /// True when RegisterTaskDefinition would reject the document for this.
    #[serde(default)]
    pub blocks_registration: bool,
    pub fix: Option<Fix>,
}

/// Constructors from a rule's metadata ([`Finding::new`], [`Finding::in_container`],
/// [`Finding::with_fix_from`]) are the rule-authoring kit's (`rules::kit`): this module knows
/// nothing of rules.
impl Finding {
    pub fn with_fix(mut self, fix: Fix) -> Finding {
        self.fix = Some(fix);
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }
}
