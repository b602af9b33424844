use crate::finding::{Finding, Fix};
use crate::rules::kit::{items, str_field};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct InferenceAcceleratorMismatch;

pub static META: RuleMeta = RuleMeta {
    id: "VAL040",
    name: "inference-accelerator-mismatch",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "Inference accelerators and the containers' `InferenceAccelerator` requirements do not match up",
    what: crate::rules::doc(
        "Checks that every container `resourceRequirements` entry of type `InferenceAccelerator` names a task \
           `inferenceAccelerators[].deviceName`, and that every declared accelerator is used by some container.",
    ),
    why: crate::rules::doc(
        "The ECS API ties the two together: a requirement's value must be a declared device name, and a \
          declared device is attached for a container that asks for it. (Elastic Inference itself is \
          deprecated; prefer GPU or Inferentia instances.)",
    ),
    example: crate::rules::doc(
        r#"{"family": "ml", "inferenceAccelerators": [{"deviceName": "device_1", "deviceType": "eia2.medium"}], "containerDefinitions": [{"name": "app", "image": "model", "resourceRequirements": [{"type": "InferenceAccelerator", "value": "device_2"}]}]}"#,
    ),
    fix: crate::rules::doc("Use the same device name on both sides, or remove the unused declaration."),
    references: &[Reference { tool: "AWS", id: "ECS API InferenceAccelerator" }],
};

impl Rule for InferenceAcceleratorMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let declared: Vec<(usize, &str)> = items(td.get("inferenceAccelerators"))
            .filter_map(|(i, a)| Some((i, str_field(a, "deviceName")?)))
            .collect();
        let mut used: Vec<&str> = Vec::new();
        for c in &td.containers {
            for (i, r) in items(c.get("resourceRequirements")) {
                if str_field(r, "type") != Some("InferenceAccelerator") {
                    continue;
                }
                let Some(v) = str_field(r, "value") else { continue };
                used.push(v);
                if !declared.iter().any(|(_, d)| *d == v) {
                    out.push(
                        Finding::new(
                            &META,
                            format!("{}/{i}/value", c.ptr("resourceRequirements")),
                            format!(
                                "container `{}` requires inference accelerator `{v}`, which `inferenceAccelerators` does not declare",
                                c.label()
                            ),
                        )
                        .in_container(c)
                        .with_fix_from(cx, || Fix::advice("Declare the device in `inferenceAccelerators` or use a declared name")),
                    );
                }
            }
        }
        for (i, d) in declared {
            if !used.contains(&d) {
                out.push(
                    Finding::new(
                        &META,
                        format!("{}/{i}/deviceName", td.ptr("inferenceAccelerators")),
                        format!("inference accelerator `{d}` is declared but no container requires it"),
                    )
                    .with_fix_from(cx, || {
                        Fix::advice("Reference it from a container's `resourceRequirements`, or remove it")
                    }),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn flags_both_directions() {
        let mut td = base();
        td["inferenceAccelerators"] = json!([{"deviceName": "device_1", "deviceType": "eia2.medium"}]);
        td["containerDefinitions"][0]["resourceRequirements"] =
            json!([{"type": "InferenceAccelerator", "value": "device_2"}]);
        let f = check_value(&InferenceAcceleratorMismatch, td.clone());
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/resourceRequirements/0/value");
        assert_eq!(f[1].pointer, "/inferenceAccelerators/0/deviceName");
        td["containerDefinitions"][0]["resourceRequirements"][0]["value"] = json!("device_1");
        assert!(check_value(&InferenceAcceleratorMismatch, td).is_empty());
    }

    #[test]
    fn seed_passes() {
        assert!(check(&InferenceAcceleratorMismatch, SEED).is_empty());
    }
}
