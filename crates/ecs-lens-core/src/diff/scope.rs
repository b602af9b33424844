//! "Differs by account/region only": the same family in two accounts or regions differs in
//! every role ARN, log group region, ECR registry and Secrets Manager ARN. Those changes are
//! real but expected; a value that is equal once AWS account ids and region names are
//! replaced by placeholders is marked so that real drift stands out.

use serde_json::Value;

/// What an account id becomes.
pub const ACCOUNT: &str = "{account}";
/// What a region name becomes.
pub const REGION: &str = "{region}";

/// The first part of every region name (`us`-east-1, `ap`-northeast-1, `us-gov`-west-1 …).
const AREAS: &[&str] = &["af", "ap", "ca", "cn", "eu", "il", "me", "mx", "sa", "us"];
/// The optional partition part (`us-gov-west-1`, `us-iso-east-1`).
const PARTITIONS: &[&str] = &["gov", "iso", "isob", "isoe", "isof"];
const DIRECTIONS: &[&str] =
    &["central", "east", "north", "northeast", "northwest", "south", "southeast", "southwest", "west"];

/// True when `a` and `b` differ, but not once account ids and regions are placeholders.
pub fn differs_by_account_or_region_only(a: &Value, b: &Value) -> bool {
    a != b && generalize(a) == generalize(b)
}

/// `v` with every account id and region name inside its strings replaced by a placeholder.
pub fn generalize(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(placeholders(s)),
        Value::Array(items) => Value::Array(items.iter().map(generalize).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), generalize(v))).collect()),
        other => other.clone(),
    }
}

/// `s` with every AWS account id (twelve digits standing alone: `arn:aws:iam::123456789012:`,
/// `123456789012.dkr.ecr…`) and region name (`eu-west-1`) replaced by [`ACCOUNT`] / [`REGION`].
pub fn placeholders(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let found = if starts_word {
            account_at(bytes, i).map(|n| (n, ACCOUNT)).or_else(|| region_at(bytes, i).map(|n| (n, REGION)))
        } else {
            None
        };
        match found {
            Some((n, placeholder)) => {
                // Matches are ASCII and start after an ASCII byte (or at 0): char boundaries.
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

/// The length of an account id at `i`: exactly twelve digits, not followed by a letter or digit.
fn account_at(b: &[u8], i: usize) -> Option<usize> {
    let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    (digits == 12 && !b.get(i + 12).is_some_and(u8::is_ascii_alphanumeric)).then_some(12)
}

/// The length of a region name at `i` (`eu-west-1`, `us-gov-west-1`); an availability zone's
/// letter may follow (`eu-west-1a`: the region is replaced, the letter kept).
fn region_at(b: &[u8], i: usize) -> Option<usize> {
    let word = |at: usize| {
        let n = b.get(at..)?.iter().take_while(|c| c.is_ascii_lowercase()).count();
        (n > 0).then(|| (std::str::from_utf8(&b[at..at + n]).unwrap_or(""), at + n))
    };
    let dash = |at: usize| (b.get(at) == Some(&b'-')).then_some(at + 1);
    let (area, end) = word(i)?;
    if !AREAS.contains(&area) {
        return None;
    }
    let mut at = dash(end)?;
    let (mut part, mut end) = word(at)?;
    if PARTITIONS.contains(&part) {
        at = dash(end)?;
        (part, end) = word(at)?;
    }
    if !DIRECTIONS.contains(&part) {
        return None;
    }
    at = dash(end)?;
    let digits = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&digits) {
        return None;
    }
    let end = at + digits;
    let zone_letter =
        b.get(end).is_some_and(u8::is_ascii_lowercase) && !b.get(end + 1).is_some_and(u8::is_ascii_alphanumeric);
    let next_free = !b.get(end).is_some_and(u8::is_ascii_alphanumeric);
    (next_free || zone_letter).then_some(end - i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn account_ids_and_regions_become_placeholders() {
        for (input, want) in [
            ("arn:aws:iam::123456789012:role/app", "arn:aws:iam::{account}:role/app"),
            (
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.2",
                "{account}.dkr.ecr.{region}.amazonaws.com/app:1.2",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:210987654321:secret:ecs-lens/app-AbCdEf",
                "arn:aws:secretsmanager:{region}:{account}:secret:ecs-lens/app-AbCdEf",
            ),
            ("/ecs/app-us-gov-west-1", "/ecs/app-{region}"),
            ("ap-northeast-1", "{region}"),
            ("eu-west-1a", "{region}a"),
            // Not an account id: eleven or thirteen digits, or digits inside a word.
            ("12345678901", "12345678901"),
            ("1234567890123", "1234567890123"),
            ("v123456789012", "v123456789012"),
            // Not a region: an unknown area or direction, a longer word, no number.
            ("xx-west-1", "xx-west-1"),
            ("eu-middle-1", "eu-middle-1"),
            ("menu-west-1", "menu-west-1"),
            ("us-east", "us-east"),
            ("us-east-123", "us-east-123"),
            ("日本 eu-west-1 é", "日本 {region} é"),
        ] {
            assert_eq!(placeholders(input), want, "{input}");
        }
    }

    #[test]
    fn only_values_equal_but_for_scope_are_marked() {
        let a = json!({"awslogs-group": "/ecs/app", "awslogs-region": "us-east-1"});
        let b = json!({"awslogs-group": "/ecs/app", "awslogs-region": "eu-west-1"});
        assert!(differs_by_account_or_region_only(&a, &b));
        let drift = json!({"awslogs-group": "/ecs/app-v2", "awslogs-region": "eu-west-1"});
        assert!(!differs_by_account_or_region_only(&a, &drift), "a real change is drift");
        assert!(!differs_by_account_or_region_only(&a, &a), "no difference at all is not marked");
        assert!(!differs_by_account_or_region_only(&json!(256), &json!(512)));
    }
}
