use serde_json::{json, Value};

use crate::finding::{Finding, Fix};
use crate::model::Container;
use crate::rules::kit::{field, int, items};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct ValueOutOfRange;

pub static META: RuleMeta = RuleMeta {
    id: "VAL037",
    name: "value-out-of-range",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "A numeric setting outside the range ECS accepts (ephemeral storage, restart period, timeouts, swap …)",
    what: crate::rules::doc(
        "Checks `ephemeralStorage.sizeInGiB` (21–200), `restartPolicy.restartAttemptPeriod` (60–1800 s), \
           `startTimeout` and `stopTimeout` (at least 2 s), `linuxParameters.swappiness` (0–100), `maxSwap` (0 or \
           more), `sharedMemorySize` and tmpfs `size` (positive), and container `cpu`, `memory` and \
           `memoryReservation` (not negative; memory above 0). Health checks: VAL016; on Fargate, ephemeral \
           storage and the 2–120 s timeouts are checked by the Fargate rules (FAR006, FAR007).",
    ),
    why: crate::rules::doc(
        "These are the ECS API's documented ranges; RegisterTaskDefinition rejects values outside them.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "ephemeralStorage": {"sizeInGiB": 10}, "containerDefinitions": [{"name": "app", "image": "nginx", "stopTimeout": 0}]}"#,
    ),
    fix: crate::rules::doc(
        "Bring the value into the range (the fix clamps it). Ephemeral storage below 21 GiB is simply the \
          default 20 GiB: remove `ephemeralStorage` instead.",
    ),
    references: &[Reference { tool: "AWS", id: "ECS API ranges" }],
};

fn clamp_finding(pointer: String, message: String, value: i64, min: i64, max: i64) -> Finding {
    let v = value.clamp(min, max);
    Finding::new(&META, pointer.clone(), message)
        .with_fix(Fix::patch(format!("Set it to {v}"), json!([{"op": "replace", "path": pointer, "value": v}])).safe())
}

impl Rule for ValueOutOfRange {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        // On Fargate the Fargate rules (FAR006, FAR007) check ephemeral storage and timeouts.
        let fargate = td.is_fargate();
        if let (false, Some(v)) = (fargate, int(td.get("ephemeralStorage").and_then(|e| field(e, "sizeInGiB")))) {
            if !(21..=200).contains(&v) {
                out.push(clamp_finding(
                    format!("{}/sizeInGiB", td.ptr("ephemeralStorage")),
                    format!("`ephemeralStorage.sizeInGiB` is {v}; ECS accepts 21–200 GiB (20 GiB is the default without it)"),
                    v,
                    21,
                    200,
                ));
            }
        }
        for c in &td.containers {
            let mut lp = None;
            let mut restart = None;
            let mut checks: [(&str, Option<i64>, i64, i64, &str); 9] = [
                ("restartPolicy.restartAttemptPeriod", None, 60, 1800, " s"),
                ("startTimeout", None, 2, i64::MAX, " s"),
                ("stopTimeout", None, 2, i64::MAX, " s"),
                ("cpu", None, 0, i64::MAX, ""),
                ("memory", None, 1, i64::MAX, " MiB"),
                ("memoryReservation", None, 1, i64::MAX, " MiB"),
                ("linuxParameters.swappiness", None, 0, 100, ""),
                ("linuxParameters.maxSwap", None, 0, i64::MAX, " MiB"),
                ("linuxParameters.sharedMemorySize", None, 1, i64::MAX, " MiB"),
            ];
            // One pass over the container's members instead of a lookup per field.
            for (k, v) in c.obj {
                match k.as_str() {
                    "restartPolicy" => restart = Some(v),
                    "startTimeout" => checks[1].1 = v.as_i64(),
                    "stopTimeout" => checks[2].1 = v.as_i64(),
                    "cpu" => checks[3].1 = v.as_i64(),
                    "memory" => checks[4].1 = v.as_i64(),
                    "memoryReservation" => checks[5].1 = v.as_i64(),
                    "linuxParameters" => lp = Some(v),
                    _ => {}
                }
            }
            checks[0].1 = int(restart.and_then(|r| field(r, "restartAttemptPeriod")));
            let lp_obj = lp.and_then(Value::as_object);
            let mut tmpfs = None;
            if let Some(lp) = lp_obj {
                for (k, v) in lp {
                    match k.as_str() {
                        "swappiness" => checks[6].1 = v.as_i64(),
                        "maxSwap" => checks[7].1 = v.as_i64(),
                        "sharedMemorySize" => checks[8].1 = v.as_i64(),
                        "tmpfs" => tmpfs = Some(v),
                        _ => {}
                    }
                }
            }
            for (field, v, min, max, unit) in checks {
                if fargate && field.ends_with("Timeout") {
                    continue;
                }
                let Some(v) = v.filter(|v| !(min..=max).contains(v)) else { continue };
                let pointer = format!("{}/{}", c.pointer, field.replace('.', "/"));
                out.push(out_of_range(c, pointer, field, v, min, max, unit));
            }
            for (i, t) in items(tmpfs) {
                if let Some(v) = int(field(t, "size")).filter(|v| *v < 1) {
                    let pointer = format!("{}/tmpfs/{i}/size", c.ptr("linuxParameters"));
                    out.push(out_of_range(c, pointer, "tmpfs size", v, 1, i64::MAX, " MiB"));
                }
            }
        }
    }
}

fn out_of_range(c: &Container<'_>, pointer: String, field: &str, v: i64, min: i64, max: i64, unit: &str) -> Finding {
    let range = if max == i64::MAX { format!("at least {min}{unit}") } else { format!("{min}–{max}{unit}") };
    clamp_finding(pointer, format!("container `{}`: `{field}` is {v}; ECS accepts {range}", c.label()), v, min, max)
        .in_container(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};

    #[test]
    fn flags_and_clamps() {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["ephemeralStorage"] = json!({"sizeInGiB": 10});
        let c = &mut td["containerDefinitions"][0];
        c["stopTimeout"] = json!(0);
        c["restartPolicy"] = json!({"enabled": true, "restartAttemptPeriod": 3600});
        c["memory"] = json!(0);
        c["linuxParameters"] = json!({"swappiness": 101, "maxSwap": -1, "tmpfs": [{"containerPath": "/t", "size": 0}]});
        let f = check_value(&ValueOutOfRange, td);
        let got: Vec<(&str, serde_json::Value)> =
            f.iter().map(|f| (f.pointer.as_str(), f.fix.as_ref().unwrap().patch[0]["value"].clone())).collect();
        assert_eq!(
            got,
            [
                ("/ephemeralStorage/sizeInGiB", json!(21)),
                ("/containerDefinitions/0/restartPolicy/restartAttemptPeriod", json!(1800)),
                ("/containerDefinitions/0/stopTimeout", json!(2)),
                ("/containerDefinitions/0/memory", json!(1)),
                ("/containerDefinitions/0/linuxParameters/swappiness", json!(100)),
                ("/containerDefinitions/0/linuxParameters/maxSwap", json!(0)),
                ("/containerDefinitions/0/linuxParameters/tmpfs/0/size", json!(1)),
            ]
        );
        assert!(f[2].message.contains("at least 2 s"), "{}", f[2].message);
    }

    #[test]
    fn in_range_values_pass() {
        assert!(check(&ValueOutOfRange, SEED).is_empty());
        let mut fargate = base();
        fargate["ephemeralStorage"] = json!({"sizeInGiB": 10});
        fargate["containerDefinitions"][0]["stopTimeout"] = json!(0);
        assert!(check_value(&ValueOutOfRange, fargate).is_empty(), "FAR006/FAR007 report these on Fargate");
        let mut td = base();
        td["ephemeralStorage"] = json!({"sizeInGiB": 200});
        td["containerDefinitions"][0]["stopTimeout"] = json!(120);
        td["containerDefinitions"][0]["cpu"] = json!(0);
        assert!(check_value(&ValueOutOfRange, td).is_empty());
    }
}
