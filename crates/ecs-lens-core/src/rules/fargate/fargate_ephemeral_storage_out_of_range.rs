use serde_json::Value;

use crate::finding::{Finding, Fix};
use crate::rules::kit::{remove, set, show};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct FargateEphemeralStorage;

pub static META: RuleMeta = RuleMeta {
    id: "FAR006",
    name: "fargate-ephemeral-storage-out-of-range",
    severity: Severity::High,
    category: Category::Fargate,
    blocks_registration: true,
    summary: "`ephemeralStorage.sizeInGiB` missing or outside 21–200",
    what: crate::rules::doc(
        "When `requiresCompatibilities` contains `FARGATE` and `ephemeralStorage` is set, checks that its \
           required `sizeInGiB` is a whole number from 21 to 200.",
    ),
    why: crate::rules::doc(
        "Every Fargate task gets 20 GiB of ephemeral storage; `ephemeralStorage` can only raise it, to at most \
          200 GiB. ECS rejects other values (and a missing `sizeInGiB`) at registration.",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512",
  "ephemeralStorage": {"sizeInGiB": 500},
  "containerDefinitions": [{"name": "app", "image": "nginx"}]}"#,
    ),
    fix: crate::rules::doc(
        "Use a value from 21 to 200, or remove `ephemeralStorage` to get the default 20 GiB. For more than \
          200 GiB, mount an EFS volume (`efsVolumeConfiguration`).",
    ),
    references: &[],
};

impl Rule for FargateEphemeralStorage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.is_fargate() {
            return;
        }
        let Some(es) = td.get("ephemeralStorage").and_then(Value::as_object) else { return };
        let es_ptr = td.ptr("ephemeralStorage");
        let drop_fix =
            || Fix::patch("Remove ephemeralStorage: Fargate tasks get 20 GiB by default", remove(&es_ptr)).safe();
        let size_ptr = format!("{es_ptr}/sizeInGiB");
        let raw = match es.get("sizeInGiB") {
            None | Some(Value::Null) => {
                let msg = "ephemeralStorage has no sizeInGiB, which is required (21 to 200 GiB)";
                out.push(Finding::new(&META, es_ptr.clone(), msg).with_fix_from(cx, drop_fix));
                return;
            }
            Some(v) => v,
        };
        let size = match raw {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => None,
        };
        let Some(size) = size else {
            let msg = format!("ephemeralStorage.sizeInGiB is {}, not a number of GiB from 21 to 200", show(raw));
            out.push(Finding::new(&META, size_ptr, msg).with_fix_from(cx, drop_fix));
            return;
        };
        let whole = size.fract() == 0.0;
        if whole && (21.0..=200.0).contains(&size) {
            // In range. (A string "30" is a type error, which the validity rules report.)
            return;
        }
        let msg = format!(
            "ephemeralStorage.sizeInGiB is {}: Fargate accepts a whole number of GiB from 21 to 200 \
             (the default, without ephemeralStorage, is 20)",
            show(raw)
        );
        out.push(Finding::new(&META, size_ptr.clone(), msg).with_fix_from(cx, || {
            if size <= 20.0 {
                drop_fix()
            } else {
                let target = size.ceil().min(200.0) as u64;
                let mut fix =
                    Fix::patch(format!("Set sizeInGiB to {target}"), set(&size_ptr, true, Value::from(target))).safe();
                if size > 200.0 {
                    fix = fix.with_notes(vec![
                        "For more than 200 GiB, mount an EFS volume (efsVolumeConfiguration).".into()
                    ]);
                }
                fix
            }
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn run(es: Value) -> Vec<Finding> {
        let mut td = base();
        td["ephemeralStorage"] = es;
        check_value(&FargateEphemeralStorage, td)
    }

    fn patch(f: &Finding) -> Value {
        f.fix.as_ref().unwrap().patch.clone()
    }

    #[test]
    fn valid_sizes_pass() {
        assert!(check(&FargateEphemeralStorage, SEED).is_empty());
        assert!(run(json!({"sizeInGiB": 21})).is_empty());
        assert!(run(json!({"sizeInGiB": 200})).is_empty());
        assert!(run(Value::Null).is_empty());
    }

    #[test]
    fn out_of_range() {
        let f = run(json!({"sizeInGiB": 500}));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/ephemeralStorage/sizeInGiB");
        assert_eq!(patch(&f[0]), json!([{"op": "replace", "path": "/ephemeralStorage/sizeInGiB", "value": 200}]));
        let f = run(json!({"sizeInGiB": 20}));
        assert_eq!(patch(&f[0]), json!([{"op": "remove", "path": "/ephemeralStorage"}]));
        let f = run(json!({"sizeInGiB": 30.5}));
        assert_eq!(patch(&f[0]), json!([{"op": "replace", "path": "/ephemeralStorage/sizeInGiB", "value": 31}]));
    }

    #[test]
    fn missing_and_wrong_types() {
        let f = run(json!({}));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/ephemeralStorage");
        assert!(run(json!({"sizeInGiB": "30"})).is_empty());
        let f = run(json!({"sizeInGiB": "300"}));
        assert_eq!(patch(&f[0]), json!([{"op": "replace", "path": "/ephemeralStorage/sizeInGiB", "value": 200}]));
        assert_eq!(run(json!({"sizeInGiB": [1]})).len(), 1);
        assert_eq!(run(json!({"sizeInGiB": -5})).len(), 1);
        assert!(run(json!("big")).is_empty());
    }

    #[test]
    fn ec2_and_wrapped() {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["ephemeralStorage"] = json!({"sizeInGiB": 500});
        assert!(check_value(&FargateEphemeralStorage, td).is_empty());
        let mut td = base();
        td["ephemeralStorage"] = json!({"sizeInGiB": 5});
        let f = check_value(&FargateEphemeralStorage, json!({"taskDefinition": td}));
        assert_eq!(f[0].pointer, "/taskDefinition/ephemeralStorage/sizeInGiB");
        assert_eq!(patch(&f[0]), json!([{"op": "remove", "path": "/taskDefinition/ephemeralStorage"}]));
    }
}
