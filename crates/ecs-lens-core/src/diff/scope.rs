//! "Differs by account/region only": the same family in two accounts or regions differs in
//! every role ARN, log group region, ECR registry and database host. Those changes are real
//! but expected; a change whose two values are equal once each side's own account id and
//! region name are replaced by placeholders is marked so that real drift stands out.
//!
//! Only the two sides' actual account and region are replaced (from their task-definition
//! ARNs): a twelve-digit build tag is not an account, and a third region in a value is drift.

use serde_json::Value;

use super::{ChangeKind, Diff};

/// What an account id becomes.
pub const ACCOUNT: &str = "{account}";
/// What a region name becomes.
pub const REGION: &str = "{region}";

/// Where a revision lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

impl Scope {
    /// From a task-definition ARN: `arn:PARTITION:ecs:REGION:ACCOUNT:task-definition/FAMILY:REV`.
    pub fn of_arn(arn: &str) -> Option<Scope> {
        let mut parts = arn.splitn(6, ':');
        let (arn_word, _partition, service) = (parts.next()?, parts.next()?, parts.next()?);
        let (region, account) = (parts.next()?, parts.next()?);
        let ok = arn_word == "arn" && service == "ecs" && !region.is_empty() && !account.is_empty();
        ok.then(|| Scope { account: account.to_string(), region: region.to_string() })
    }
}

/// Mark the changes of `diff` that differ by account or region only: `before` is `a`'s value,
/// `after` is `b`'s. Nothing is marked when the two scopes are the same.
pub fn mark(diff: &mut Diff, a: &Scope, b: &Scope) {
    if a == b {
        return;
    }
    for c in &mut diff.changes {
        c.account_region_only = c.kind == ChangeKind::Changed
            && matches!((&c.before, &c.after), (Some(x), Some(y)) if differs_by_scope_only(x, a, y, b));
    }
}

/// True when `before` (of scope `a`) and `after` (of scope `b`) differ, but not once each
/// side's account and region are placeholders.
pub fn differs_by_scope_only(before: &Value, a: &Scope, after: &Value, b: &Scope) -> bool {
    before != after && generalize(before, a) == generalize(after, b)
}

/// `v` with `scope`'s account id and region name, wherever they stand alone in its strings,
/// replaced by [`ACCOUNT`] and [`REGION`].
pub fn generalize(v: &Value, scope: &Scope) -> Value {
    match v {
        Value::String(s) => Value::String(placeholders(s, scope)),
        Value::Array(items) => Value::Array(items.iter().map(|v| generalize(v, scope)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), generalize(v, scope))).collect()),
        other => other.clone(),
    }
}

/// `s` with `scope`'s account id and region standing alone (not inside a longer word or number:
/// `arn:aws:iam::123456789012:role`, `123456789012.dkr.ecr.eu-west-1.amazonaws.com`,
/// `/ecs/app-eu-west-1`) replaced; an availability zone's letter may follow the region
/// (`eu-west-1a` becomes `{region}a`).
pub fn placeholders(s: &str, scope: &Scope) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let found = if starts_word {
            standing_alone(bytes, i, &scope.account, false)
                .map(|n| (n, ACCOUNT))
                .or_else(|| standing_alone(bytes, i, &scope.region, true).map(|n| (n, REGION)))
        } else {
            None
        };
        match found {
            Some((n, placeholder)) => {
                // A match starts at 0 or after an ASCII byte, and ends before one (or at the
                // end): char boundaries.
                out.push_str(&s[copied..i]);
                out.push_str(placeholder);
                i += n;
                copied = i;
            }
            None => i += 1,
        }
    }
    out.push_str(&s[copied..]);
    out
}

/// The length of `word` at `i` when nothing alphanumeric follows it (for a region, one zone
/// letter may follow).
fn standing_alone(b: &[u8], i: usize, word: &str, zone_letter: bool) -> Option<usize> {
    let w = word.as_bytes();
    if w.is_empty() || !b[i..].starts_with(w) {
        return None;
    }
    let end = i + w.len();
    let free = |at: usize| !b.get(at).is_some_and(u8::is_ascii_alphanumeric);
    let zone = zone_letter && b.get(end).is_some_and(u8::is_ascii_lowercase) && free(end + 1);
    (free(end) || zone).then_some(w.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope(account: &str, region: &str) -> Scope {
        Scope { account: account.into(), region: region.into() }
    }

    #[test]
    fn a_scope_comes_from_a_task_definition_arn() {
        let arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:3";
        assert_eq!(Scope::of_arn(arn), Some(scope("123456789012", "eu-west-1")));
        let gov = "arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task-definition/app:3";
        assert_eq!(Scope::of_arn(gov).unwrap().region, "us-gov-west-1");
        for bad in ["", "app:3", "arn:aws:iam::123456789012:role/x", "arn:aws:ecs:::task-definition/app:1"] {
            assert_eq!(Scope::of_arn(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_sides_own_account_and_region_become_placeholders() {
        let s = scope("123456789012", "eu-west-1");
        for (input, want) in [
            ("arn:aws:iam::123456789012:role/app", "arn:aws:iam::{account}:role/app"),
            (
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.2",
                "{account}.dkr.ecr.{region}.amazonaws.com/app:1.2",
            ),
            ("/ecs/app-eu-west-1", "/ecs/app-{region}"),
            ("eu-west-1a", "{region}a"),
            ("日本 eu-west-1 é", "日本 {region} é"),
            // Not this side's: another account or region, or inside a longer word or number.
            ("arn:aws:iam::210987654321:role/app", "arn:aws:iam::210987654321:role/app"),
            ("us-west-2", "us-west-2"),
            ("1123456789012", "1123456789012"),
            ("1234567890123", "1234567890123"),
            ("eu-west-10", "eu-west-10"),
            ("xeu-west-1", "xeu-west-1"),
            ("eu-west-1ab", "eu-west-1ab"),
        ] {
            assert_eq!(placeholders(input, &s), want, "{input}");
        }
        assert_eq!(placeholders("anything", &scope("", "")), "anything", "an empty scope replaces nothing");
    }

    #[test]
    fn only_values_equal_but_for_the_two_scopes_differ_by_scope_only() {
        let (us, eu) = (scope("111111111111", "us-east-1"), scope("222222222222", "eu-west-1"));
        let a = json!({"awslogs-group": "/ecs/app", "awslogs-region": "us-east-1"});
        let b = json!({"awslogs-group": "/ecs/app", "awslogs-region": "eu-west-1"});
        assert!(differs_by_scope_only(&a, &us, &b, &eu));
        // A third region on one side is drift, not scope.
        let elsewhere = json!({"awslogs-group": "/ecs/app", "awslogs-region": "us-west-2"});
        assert!(!differs_by_scope_only(&a, &us, &elsewhere, &eu));
        // A twelve-digit build tag is no account.
        let (t1, t2) = (json!("repo:202401011230"), json!("repo:202402021545"));
        assert!(!differs_by_scope_only(&t1, &us, &t2, &eu));
        assert!(!differs_by_scope_only(&a, &us, &a, &eu), "no difference at all is not marked");
    }
}
