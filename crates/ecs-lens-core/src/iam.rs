//! Reading IAM policy documents: may a role do an action on a resource, and does a role
//! trust a service. ecs-lens reads the role's policies (inline and attached) and evaluates
//! them here, as IAM would for identity policies: an explicit `Deny` wins, then an `Allow`,
//! else the action is not allowed. Conditions, permission boundaries, SCPs and resource
//! policies are not evaluated; an `Allow` with a condition is reported as such.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the policies say about one action on one resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "camelCase")]
pub enum Access {
    /// Allowed by the named policy.
    Allowed { policy: String },
    /// Allowed by the named policy under a condition ecs-lens does not evaluate.
    AllowedWithCondition { policy: String },
    /// Denied explicitly by the named policy.
    Denied { policy: String },
    /// No statement allows it.
    NotAllowed,
}

impl Access {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Access::Allowed { .. } | Access::AllowedWithCondition { .. })
    }
}

/// One policy document with its name (`inline:NAME` or the managed policy's ARN).
#[derive(Clone, Debug)]
pub struct NamedPolicy {
    pub name: String,
    pub document: Value,
}

/// Parse a policy document as IAM returns it: JSON, or JSON URL-encoded (GetRolePolicy,
/// GetPolicyVersion and GetRole's trust policy are URL-encoded in the API).
pub fn parse_document(text: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return Some(v);
    }
    serde_json::from_str(&percent_encoding::percent_decode_str(text).decode_utf8().ok()?).ok()
}

/// A statement member that is a string or a list of strings (`Action`, `Resource` …).
pub fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A policy's statements (`Statement` is one object or a list).
pub fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => Vec::new(),
    }
}

/// IAM's wildcard match: `*` any run of characters, `?` one character.
pub fn wildcard(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if case_insensitive {
        (pattern.to_lowercase().chars().collect(), text.to_lowercase().chars().collect())
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn matches_statement(st: &Value, action: &str, resource: &str) -> bool {
    let action_ok = match st.get("NotAction") {
        Some(na) => !strings(Some(na)).iter().any(|p| wildcard(p, action, true)),
        None => strings(st.get("Action")).iter().any(|p| wildcard(p, action, true)),
    };
    let resource_ok = match st.get("NotResource") {
        Some(nr) => !strings(Some(nr)).iter().any(|p| wildcard(p, resource, false)),
        None => strings(st.get("Resource")).iter().any(|p| wildcard(p, resource, false)),
    };
    action_ok && resource_ok
}

/// May `action` be done on `resource` under `policies`?
pub fn evaluate(policies: &[NamedPolicy], action: &str, resource: &str) -> Access {
    let mut allowed: Option<Access> = None;
    for p in policies {
        for st in statements(&p.document) {
            if !matches_statement(st, action, resource) {
                continue;
            }
            match st.get("Effect").and_then(Value::as_str) {
                Some("Deny") if st.get("Condition").is_none() => return Access::Denied { policy: p.name.clone() },
                Some("Allow") => {
                    let plain = st.get("Condition").is_none();
                    match (&allowed, plain) {
                        (None, true) | (Some(Access::AllowedWithCondition { .. }), true) => {
                            allowed = Some(Access::Allowed { policy: p.name.clone() })
                        }
                        (None, false) => allowed = Some(Access::AllowedWithCondition { policy: p.name.clone() }),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
    allowed.unwrap_or(Access::NotAllowed)
}

/// Does the trust policy let `service` (e.g. `ecs-tasks.amazonaws.com`) assume the role?
pub fn trusts_service(trust: &Value, service: &str) -> bool {
    statements(trust).iter().any(|st| {
        st.get("Effect").and_then(Value::as_str) == Some("Allow")
            && strings(st.get("Action")).iter().any(|a| wildcard(a, "sts:AssumeRole", true))
            && st
                .get("Principal")
                .map(|p| match p {
                    Value::String(s) => s == "*",
                    _ => strings(p.get("Service")).contains(&service),
                })
                .unwrap_or(false)
    })
}

/// A least-privilege inline policy allowing `actions` on exactly `resources`.
pub fn allow_policy(statements: &[(&[&str], &[String])]) -> Value {
    let st: Vec<Value> = statements
        .iter()
        .filter(|(_, r)| !r.is_empty())
        .map(|(actions, resources)| serde_json::json!({"Effect": "Allow", "Action": actions, "Resource": resources}))
        .collect();
    serde_json::json!({"Version": "2012-10-17", "Statement": st})
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ARN: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/web-AbCdEf";

    fn p(name: &str, doc: Value) -> NamedPolicy {
        NamedPolicy { name: name.into(), document: doc }
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("secretsmanager:*", "secretsmanager:GetSecretValue", true));
        assert!(wildcard("SecretsManager:getsecretvalue", "secretsmanager:GetSecretValue", true));
        assert!(wildcard("arn:aws:secretsmanager:*:*:secret:app/*", ARN, false));
        assert!(wildcard("arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/web-??????", ARN, false));
        assert!(!wildcard("arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/web-?????", ARN, false));
        assert!(!wildcard("arn:aws:secretsmanager:*:*:secret:other/*", ARN, false));
        assert!(wildcard("*", "", false));
    }

    #[test]
    fn allow_deny_and_nothing() {
        let allow = p(
            "inline:read",
            json!({"Statement": [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": "arn:aws:secretsmanager:*:*:secret:app/*"}]}),
        );
        let deny = p(
            "arn:aws:iam::1:policy/deny",
            json!({"Statement": {"Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"}}),
        );
        let cond = p(
            "inline:cond",
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/x": "y"}}}]}),
        );
        let act = "secretsmanager:GetSecretValue";
        assert_eq!(evaluate(&[allow.clone()], act, ARN), Access::Allowed { policy: "inline:read".into() });
        assert_eq!(evaluate(&[allow.clone(), deny.clone()], act, ARN), Access::Denied { policy: deny.name.clone() });
        assert_eq!(evaluate(&[cond.clone()], act, ARN), Access::AllowedWithCondition { policy: "inline:cond".into() });
        assert_eq!(evaluate(&[cond, allow.clone()], act, ARN), Access::Allowed { policy: "inline:read".into() });
        assert_eq!(evaluate(&[allow], "ssm:GetParameters", ARN), Access::NotAllowed);
        assert_eq!(evaluate(&[], act, ARN), Access::NotAllowed);
        let not_action = p("na", json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}));
        assert!(evaluate(&[not_action.clone()], act, ARN).is_allowed());
        assert!(!evaluate(&[not_action], "iam:PassRole", ARN).is_allowed());
    }

    #[test]
    fn url_encoded_documents_and_trust() {
        let enc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ecs-tasks.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
        let trust = parse_document(enc).unwrap();
        assert!(trusts_service(&trust, "ecs-tasks.amazonaws.com"));
        assert!(!trusts_service(&trust, "lambda.amazonaws.com"));
        assert!(parse_document("%7B%7").is_none());
        assert!(parse_document("{\"Statement\": []}").is_some());
        let ec2 = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]});
        assert!(!trusts_service(&ec2, "ecs-tasks.amazonaws.com"));
    }

    #[test]
    fn a_granted_policy_names_exactly_the_arns() {
        let arns = vec![ARN.to_string()];
        let none: Vec<String> = vec![];
        let doc = allow_policy(&[(&["secretsmanager:GetSecretValue"], &arns), (&["kms:Decrypt"], &none)]);
        assert_eq!(doc["Statement"].as_array().unwrap().len(), 1);
        let named = [p("g", doc)];
        assert!(evaluate(&named, "secretsmanager:GetSecretValue", ARN).is_allowed());
        assert!(!evaluate(&named, "secretsmanager:GetSecretValue", &format!("{ARN}x")).is_allowed());
    }
}
