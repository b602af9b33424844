use crate::finding::{Finding, Fix};
use crate::rules::kit::int;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct ReservationsExceedTaskMemory;

pub static META: RuleMeta = RuleMeta {
    id: "VAL026",
    name: "reservations-exceed-task-memory",
    severity: Severity::High,
    category: Category::Validity,
    blocks_registration: true,
    summary: "The containers' memory reservations add up to more than the task's `memory`",
    what: crate::rules::doc(
        "Adds up the containers' `memoryReservation` and compares the sum with the task-level `memory`. \
           It also adds up what each container reserves in practice — `memoryReservation`, else `memory` — and \
           warns (without blocking) when that exceeds the task's memory.",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects it: `The sum of all container 'memoryReservation' values cannot be \
          greater than the value of the task 'memory'.` The hard-limit sum is not checked by ECS at \
          registration, but containers that all use their limit at once get the task OOM-killed.",
    ),
    example: crate::rules::doc(
        r#"{"family": "web", "memory": "512", "containerDefinitions": [{"name": "app", "image": "nginx", "memoryReservation": 384}, {"name": "agent", "image": "datadog/agent", "memoryReservation": 256}]}"#,
    ),
    fix: crate::rules::doc(
        "Lower the reservations to what the containers need, or raise the task `memory` (on Fargate, to the \
          next valid size).",
    ),
    references: &[Reference { tool: "AWS", id: "RegisterTaskDefinition ClientException" }],
};

impl Rule for ReservationsExceedTaskMemory {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        let Some(task) = td.memory_mib().map(i64::from) else { return };
        let mut reservations = 0i64;
        let mut reserved = 0i64;
        for c in &td.containers {
            // One pass over the container's members.
            let (mut res, mut mem) = (None, None);
            for (k, v) in c.obj {
                match k.as_str() {
                    "memoryReservation" => res = Some(v),
                    "memory" => mem = Some(v),
                    _ => {}
                }
            }
            let res = int(res).filter(|v| *v > 0);
            reservations = reservations.saturating_add(res.unwrap_or(0));
            reserved = reserved.saturating_add(res.or(int(mem).filter(|v| *v > 0)).unwrap_or(0));
        }
        if reservations > task {
            out.push(
                Finding::new(
                    &META,
                    td.ptr("memory"),
                    format!(
                        "the containers' memoryReservation values add up to {reservations} MiB, more than the task's \
                         {task} MiB (ECS: \"The sum of all container 'memoryReservation' values cannot be greater than \
                         the value of the task 'memory'.\")"
                    ),
                )
                .with_fix_from(cx, || Fix::advice("Lower the reservations or raise the task memory")),
            );
        } else if reserved > task {
            let mut f = Finding::new(
                &META,
                td.ptr("memory"),
                format!(
                    "the containers reserve {reserved} MiB in total (memoryReservation, else memory), more than the \
                     task's {task} MiB"
                ),
            )
            .with_fix_from(cx, || {
                Fix::advice("Give the containers reservations that fit in the task, or raise the task memory")
            })
            .with_severity(Severity::Medium);
            f.blocks_registration = false;
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn two(a: serde_json::Value, b: serde_json::Value) -> serde_json::Value {
        let mut td = base();
        let list = td["containerDefinitions"].as_array_mut().unwrap();
        list[0] = a;
        list.push(b);
        td
    }

    #[test]
    fn flags_reservations_over_task_memory() {
        let td = two(
            json!({"name": "a", "image": "x", "memoryReservation": 384}),
            json!({"name": "b", "image": "y", "memoryReservation": 256}),
        );
        let f = check_value(&ReservationsExceedTaskMemory, td);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/memory");
        assert!(f[0].blocks_registration);
        assert!(f[0].message.contains("640 MiB"));
    }

    #[test]
    fn warns_when_hard_limits_stand_in() {
        let td = two(
            json!({"name": "a", "image": "x", "memory": 384}),
            json!({"name": "b", "image": "y", "memoryReservation": 256}),
        );
        let f = check_value(&ReservationsExceedTaskMemory, td);
        assert_eq!(f.len(), 1);
        assert!(!f[0].blocks_registration);
    }

    #[test]
    fn fitting_reservations_pass() {
        assert!(check(&ReservationsExceedTaskMemory, SEED).is_empty());
        let td = two(
            json!({"name": "a", "image": "x", "memoryReservation": 256}),
            json!({"name": "b", "image": "y", "memory": 256}),
        );
        assert!(check_value(&ReservationsExceedTaskMemory, td).is_empty());
    }
}
