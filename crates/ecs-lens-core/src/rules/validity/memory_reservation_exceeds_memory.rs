use crate::finding::{Finding, Fix};
use crate::rules::kit::int;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct MemoryReservationExceedsMemory;

pub static META: RuleMeta = RuleMeta {
    id: "VAL025",
    name: "memory-reservation-exceeds-memory",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "A container's soft limit `memoryReservation` is not below its hard limit `memory`",
    what: crate::rules::doc(
        "When a container sets both, checks that `memory` is greater than `memoryReservation`. A reservation \
           above the limit is an error; an equal value is reported as a warning.",
    ),
    why: crate::rules::doc(
        "The ECS API requires `memory` to be greater than `memoryReservation`, and RegisterTaskDefinition \
          rejects a reservation above the hard limit. Equal values are accepted by some tools but leave no \
          burst room, which is the point of setting both.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 256, "memoryReservation": 512}]}"#,
    ),
    fix: crate::rules::doc(
        "Lower `memoryReservation` (what the container normally needs) or raise `memory` (the most it may \
          ever use); set only one of them if you do not need both.",
    ),
    references: &[Reference { tool: "AWS", id: "ECS API ContainerDefinition.memoryReservation" }],
};

impl Rule for MemoryReservationExceedsMemory {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            let (Some(mem), Some(res)) = (int(c.get("memory")), int(c.get("memoryReservation"))) else { continue };
            if res < mem {
                continue;
            }
            let mut f = Finding::new(
                &META,
                c.ptr("memoryReservation"),
                format!(
                    "container `{}`: memoryReservation ({res} MiB) {} memory ({mem} MiB); the hard limit must be greater",
                    c.label(),
                    if res == mem { "equals" } else { "is above" }
                ),
            )
            .in_container(c)
            .with_fix_from(cx, || Fix::advice("Lower `memoryReservation` below `memory`, or drop one of the two"));
            if res == mem {
                f = f.with_severity(Severity::Low);
                f.blocks_registration = false;
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    #[test]
    fn flags_reservation_above_and_warns_on_equal() {
        let mut td = base();
        td["containerDefinitions"][0]["memory"] = json!(256);
        td["containerDefinitions"][0]["memoryReservation"] = json!(512);
        let f = check_value(&MemoryReservationExceedsMemory, td.clone());
        assert_eq!(f.len(), 1);
        assert!(f[0].blocks_registration);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/memoryReservation");
        td["containerDefinitions"][0]["memoryReservation"] = json!(256);
        let f = check_value(&MemoryReservationExceedsMemory, td);
        assert!(!f[0].blocks_registration);
        assert_eq!(f[0].severity, Severity::Low);
    }

    #[test]
    fn proper_limits_pass() {
        assert!(check(&MemoryReservationExceedsMemory, SEED).is_empty());
        let mut td = base();
        td["containerDefinitions"][0]["memory"] = json!(512);
        td["containerDefinitions"][0]["memoryReservation"] = json!(256);
        assert!(check_value(&MemoryReservationExceedsMemory, td).is_empty());
    }
}
