use serde_json::Value;

use super::sizes::join_or;
use super::sizes::{cpus_for_memory, describe_cpus, size_for_cpu, smallest_size};
use crate::finding::{Finding, Fix};
use crate::model::{parse_cpu_units, parse_memory_mib, TaskDef};
use crate::rules::kit::{set, show};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct FargateTaskSize;

pub static META: RuleMeta = RuleMeta {
    id: "FAR001",
    name: "fargate-invalid-task-size",
    severity: Severity::High,
    category: Category::Fargate,
    blocks_registration: true,
    summary: "Task-level `cpu`/`memory` missing or not a valid Fargate size",
    what: crate::rules::doc(
        "When `requiresCompatibilities` contains `FARGATE`, checks that the task-level `cpu` and `memory` \
           are both set and form one of the 74 sizes Fargate offers:\n\n\
           | cpu (units) | vCPU | memory (MiB) |\n|---|---|---|\n\
           | 256 | 0.25 | 512, 1024, 2048 |\n| 512 | 0.5 | 1024–4096 step 1024 |\n\
           | 1024 | 1 | 2048–8192 step 1024 |\n| 2048 | 2 | 4096–16384 step 1024 |\n\
           | 4096 | 4 | 8192–30720 step 1024 |\n| 8192 | 8 | 16384–61440 step 4096 (Linux PV ≥ 1.4.0) |\n\
           | 16384 | 16 | 32768–122880 step 8192 (Linux PV ≥ 1.4.0) |\n\n\
           `\"0.25 vCPU\"` and `\"1 GB\"` spellings are understood. Windows containers need at least 1 vCPU and \
           only the 1024, 2048 and 4096 tiers.",
    ),
    why: crate::rules::doc(
        "RegisterTaskDefinition rejects the task definition with `Fargate requires that 'cpu' be defined at the \
          task level.`, `Fargate requires that 'memory' be defined at the task level.`, `Invalid 'cpu' setting for \
          task.` or `No Fargate configuration exists for given values.` ECS reports these one at a time, so \
          fixing them by trial and error takes several round trips.",
    ),
    example: crate::rules::doc(
        r#"{"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "4096",
  "containerDefinitions": [{"name": "app", "image": "nginx"}]}"#,
    ),
    fix: crate::rules::doc(
        "Pick a size from the table. The quick fix keeps your cpu and raises `memory` to the smallest valid \
          value at or above the one you asked for, or, when the memory is larger than the cpu allows, raises \
          `cpu` to the smallest tier that offers it:\n\n```json\n{\"cpu\": \"512\", \"memory\": \"4096\"}\n```",
    ),
    references: &[Reference { tool: "cfn-lint", id: "E3047" }, Reference { tool: "AWS", id: "task-cpu-memory-error" }],
};

impl Rule for FargateTaskSize {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        if !td.is_fargate() {
            return;
        }
        let windows = td.is_windows();
        let cpu_v = td.get("cpu").filter(|v| !v.is_null());
        let mem_v = td.get("memory").filter(|v| !v.is_null());
        let cpu = cpu_v.and_then(parse_cpu_units);
        let mem = mem_v.and_then(parse_memory_mib);
        let tier = cpu.and_then(size_for_cpu).filter(|s| s.fits(windows));
        let os = if windows { "Windows " } else { "" };

        // cpu: missing, or not a Fargate cpu for this operating system.
        match cpu_v {
            None => {
                let (c, m) = smallest_size(None, mem, windows);
                let hint = match mem {
                    Some(mem) => format!("; the smallest {os}size with {mem} MiB of memory has cpu {c}"),
                    None => format!("; valid {os}values are {} CPU units", describe_cpus(windows)),
                };
                let msg =
                    format!("task cpu is missing: Fargate requires that 'cpu' be defined at the task level{hint}");
                out.push(Finding::new(&META, td.ptr("cpu"), msg).with_fix_from(cx, || size_fix(td, c, m, mem)));
            }
            Some(v) if tier.is_none() => {
                let (c, m) = smallest_size(cpu, mem, windows);
                let why = match cpu.and_then(size_for_cpu) {
                    Some(s) => format!(
                        "cpu {} is not available to Windows containers on Fargate, which need at least 1 vCPU \
                         (1024, 2048 or 4096)",
                        s.cpu
                    ),
                    None => format!(
                        "task cpu {} is not a Fargate size; valid {os}values are {} CPU units{}",
                        show(v),
                        describe_cpus(windows),
                        if windows { "" } else { " (8192 and 16384 need platform version 1.4.0)" }
                    ),
                };
                let msg = format!("Invalid 'cpu' setting for task: {why}");
                out.push(Finding::new(&META, td.ptr("cpu"), msg).with_fix_from(cx, || size_fix(td, c, m, mem)));
            }
            Some(_) => {}
        }

        // memory: missing, unreadable, or not offered with this cpu.
        let Some(v) = mem_v else {
            let (c, m) = match tier {
                Some(s) => (s.cpu, s.smallest_memory()),
                None => smallest_size(cpu, None, windows),
            };
            let hint = match tier {
                Some(s) => format!("; for cpu {} valid memory is {}", s.cpu, s.describe_memory()),
                None => String::new(),
            };
            let msg =
                format!("task memory is missing: Fargate requires that 'memory' be defined at the task level{hint}");
            out.push(Finding::new(&META, td.ptr("memory"), msg).with_fix_from(cx, || {
                Fix::patch(format!("Set task memory to \"{m}\" (MiB), the smallest size for cpu {c}"), {
                    set(&td.ptr("memory"), td.get("memory").is_some(), m.to_string().into())
                })
                .safe()
            }));
            return;
        };
        let Some(tier) = tier else { return };
        let pv = tier.min_linux_platform_version.map(|p| format!(" (cpu {} needs platform version {p})", tier.cpu));
        let pv = pv.unwrap_or_default();
        match mem {
            None => {
                let m = tier.smallest_memory();
                let msg = format!(
                    "No Fargate configuration exists for given values: task memory {} is not a number of MiB \
                     (\"2048\") or GB (\"2 GB\"); for cpu {} valid memory is {}{pv}",
                    show(v),
                    tier.cpu,
                    tier.describe_memory()
                );
                out.push(Finding::new(&META, td.ptr("memory"), msg).with_fix_from(cx, || {
                    Fix::patch(
                        format!("Set task memory to \"{m}\" (MiB)"),
                        set(&td.ptr("memory"), true, m.to_string().into()),
                    )
                    .safe()
                }));
            }
            Some(m) if !tier.allows(m) => {
                let others: Vec<String> = cpus_for_memory(m, windows).map(|c| c.to_string()).collect();
                let needs =
                    if others.is_empty() { String::new() } else { format!("; {m} MiB needs cpu {}", join_or(&others)) };
                let msg = format!(
                    "No Fargate configuration exists for given values: cpu {} with memory {m} MiB; for cpu {} \
                     valid memory is {}{needs}{pv}",
                    tier.cpu,
                    tier.cpu,
                    tier.describe_memory()
                );
                out.push(Finding::new(&META, td.ptr("memory"), msg).with_fix_from(cx, || {
                    match tier.memory_at_least(m) {
                        Some(m2) => Fix::patch(
                            format!(
                                "Raise task memory to \"{m2}\", the smallest size cpu {} offers at or above {m} MiB",
                                tier.cpu
                            ),
                            set(&td.ptr("memory"), true, m2.to_string().into()),
                        )
                        .safe(),
                        None => {
                            let (c2, m2) = smallest_size(Some(tier.cpu), Some(m), windows);
                            size_fix(td, c2, m2, Some(m))
                        }
                    }
                }));
            }
            Some(_) => {}
        }
    }
}

/// Set cpu to `c` (and memory to `m` when the current memory `mem` is known and differs).
fn size_fix(td: &TaskDef<'_>, c: u32, m: u32, mem: Option<u32>) -> Fix {
    let mut ops = set(&td.ptr("cpu"), td.get("cpu").is_some(), Value::String(c.to_string()));
    let mut desc = format!("Set task cpu to \"{c}\"");
    if mem.is_some_and(|mem| mem != m) {
        if let (Value::Array(a), Value::Array(b)) = (&mut ops, set(&td.ptr("memory"), true, m.to_string().into())) {
            a.extend(b);
        }
        desc.push_str(&format!(" and memory to \"{m}\" (MiB)"));
    }
    let tier_note = size_for_cpu(c).and_then(|s| s.min_linux_platform_version);
    if let Some(pv) = tier_note {
        desc.push_str(&format!(" (needs platform version {pv})"));
    }
    Fix::patch(desc, ops).safe()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn run(cpu: Value, memory: Value) -> Vec<Finding> {
        let mut td = base();
        td["cpu"] = cpu;
        td["memory"] = memory;
        check_value(&FargateTaskSize, td)
    }

    fn patch(f: &Finding) -> Value {
        f.fix.as_ref().unwrap().patch.clone()
    }

    #[test]
    fn valid_sizes_pass() {
        assert!(check(&FargateTaskSize, SEED).is_empty());
        assert!(run(json!("256"), json!("512")).is_empty());
        assert!(run(json!("0.25 vCPU"), json!("2 GB")).is_empty());
        assert!(run(json!("16 vCPU"), json!("120GB")).is_empty());
        assert!(run(json!("4096"), json!("30720")).is_empty());
    }

    #[test]
    fn not_fargate_is_not_checked() {
        let mut td = base();
        td["requiresCompatibilities"] = json!(["EC2"]);
        td["memory"] = json!("12345");
        assert!(check_value(&FargateTaskSize, td).is_empty());
    }

    #[test]
    fn invalid_pair_raises_memory() {
        let f = run(json!("256"), json!("768"));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.starts_with("No Fargate configuration exists for given values"), "{}", f[0].message);
        assert!(f[0].message.contains("for cpu 256 valid memory is 512, 1024 or 2048 MiB"), "{}", f[0].message);
        assert_eq!(f[0].pointer, "/memory");
        assert!(f[0].blocks_registration);
        assert_eq!(patch(&f[0]), json!([{"op": "replace", "path": "/memory", "value": "1024"}]));
    }

    #[test]
    fn memory_too_large_for_cpu_raises_cpu() {
        let f = run(json!("256"), json!("4096"));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("4096 MiB needs cpu 512, 1024 or 2048"), "{}", f[0].message);
        assert_eq!(patch(&f[0]), json!([{"op": "replace", "path": "/cpu", "value": "512"}]));
        // Not a multiple of a tier's step: cpu and memory both move.
        let f = run(json!("512"), json!("5000"));
        assert_eq!(
            patch(&f[0]),
            json!([
                {"op": "replace", "path": "/cpu", "value": "1024"},
                {"op": "replace", "path": "/memory", "value": "5120"}
            ])
        );
    }

    #[test]
    fn invalid_cpu() {
        let f = run(json!("300"), json!("1024"));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.starts_with("Invalid 'cpu' setting for task"), "{}", f[0].message);
        assert_eq!(f[0].pointer, "/cpu");
        assert_eq!(patch(&f[0]), json!([{"op": "replace", "path": "/cpu", "value": "512"}]));
        let f = run(json!("lots"), json!("512"));
        assert_eq!(f.len(), 1);
        assert_eq!(patch(&f[0]), json!([{"op": "replace", "path": "/cpu", "value": "256"}]));
        let f = run(json!("32768"), json!("65536"));
        assert_eq!(patch(&f[0]), json!([{"op": "replace", "path": "/cpu", "value": "16384"}]));
    }

    #[test]
    fn missing_cpu_and_memory() {
        let mut td = base();
        td.as_object_mut().unwrap().remove("cpu");
        td.as_object_mut().unwrap().remove("memory");
        let f = check_value(&FargateTaskSize, td);
        assert_eq!(f.len(), 2);
        assert!(f[0].message.contains("Fargate requires that 'cpu' be defined at the task level"));
        assert!(f[1].message.contains("Fargate requires that 'memory' be defined at the task level"));
        assert_eq!(patch(&f[0]), json!([{"op": "add", "path": "/cpu", "value": "256"}]));
        assert_eq!(patch(&f[1]), json!([{"op": "add", "path": "/memory", "value": "512"}]));
    }

    #[test]
    fn missing_cpu_follows_memory() {
        let mut td = base();
        td.as_object_mut().unwrap().remove("cpu");
        td["memory"] = json!("8 GB");
        let f = check_value(&FargateTaskSize, td);
        assert_eq!(f.len(), 1);
        assert_eq!(patch(&f[0]), json!([{"op": "add", "path": "/cpu", "value": "1024"}]));
    }

    #[test]
    fn missing_memory_suggests_tier() {
        let mut td = base();
        td["cpu"] = json!("1024");
        td["memory"] = Value::Null;
        let f = check_value(&FargateTaskSize, td);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("for cpu 1024 valid memory is 2048–8192 MiB"), "{}", f[0].message);
        assert_eq!(patch(&f[0]), json!([{"op": "replace", "path": "/memory", "value": "2048"}]));
    }

    #[test]
    fn unreadable_memory() {
        let f = run(json!("256"), json!("half a gig"));
        assert_eq!(f.len(), 1);
        assert_eq!(patch(&f[0]), json!([{"op": "replace", "path": "/memory", "value": "512"}]));
    }

    #[test]
    fn windows_tiers() {
        let mut td = base();
        td["runtimePlatform"] =
            json!({"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "X86_64"});
        td["cpu"] = json!("512");
        td["memory"] = json!("1024");
        let f = check_value(&FargateTaskSize, td.clone());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("Windows"), "{}", f[0].message);
        assert_eq!(
            patch(&f[0]),
            json!([
                {"op": "replace", "path": "/cpu", "value": "1024"},
                {"op": "replace", "path": "/memory", "value": "2048"}
            ])
        );
        td["cpu"] = json!("8192");
        td["memory"] = json!("16384");
        assert_eq!(check_value(&FargateTaskSize, td.clone()).len(), 1);
        td["cpu"] = json!("2048");
        td["memory"] = json!("16384");
        assert!(check_value(&FargateTaskSize, td).is_empty());
    }

    #[test]
    fn describe_wrapped_pointers() {
        let mut td = base();
        td["memory"] = json!("768");
        let f = check_value(&FargateTaskSize, json!({"taskDefinition": td, "tags": []}));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/taskDefinition/memory");
        assert_eq!(patch(&f[0])[0]["path"], "/taskDefinition/memory");
    }

    #[test]
    fn wrong_types_do_not_panic() {
        for v in [json!(null), json!([1]), json!({"a": 1}), json!(true), json!(-1), json!(1.5), json!("")] {
            let _ = run(v.clone(), json!("512"));
            let _ = run(json!("256"), v.clone());
            let _ = run(v.clone(), v);
        }
        let _ = check(&FargateTaskSize, r#"{"requiresCompatibilities": ["FARGATE"], "runtimePlatform": 3}"#);
        let _ = check(&FargateTaskSize, "[]");
    }
}
