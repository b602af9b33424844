//! The Fargate task-size table: which task-level `cpu` (CPU units) goes with which
//! task-level `memory` (MiB). Mirrors `tests/fixtures/fargate-cpu-memory.json`
//! (74 pairs; a test checks the two agree pair by pair).

/// One Fargate cpu tier and the memory sizes it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FargateSize {
    /// CPU units (1024 = 1 vCPU).
    pub cpu: u32,
    /// The same size as ECS's console writes it.
    pub vcpu: &'static str,
    /// Valid task memory in MiB, ascending.
    pub memory: &'static [u32],
    /// Whether Windows containers may use this tier (Linux always may).
    pub windows: bool,
    /// Minimum Linux platform version, when the tier needs a newer one than 1.0.0.
    pub min_linux_platform_version: Option<&'static str>,
}

/// Every Fargate size, ascending by cpu.
pub static FARGATE_SIZES: &[FargateSize] = &[
    FargateSize {
        cpu: 256,
        vcpu: "0.25 vCPU",
        memory: &[512, 1024, 2048],
        windows: false,
        min_linux_platform_version: None,
    },
    FargateSize {
        cpu: 512,
        vcpu: "0.5 vCPU",
        memory: &[1024, 2048, 3072, 4096],
        windows: false,
        min_linux_platform_version: None,
    },
    FargateSize {
        cpu: 1024,
        vcpu: "1 vCPU",
        memory: &[2048, 3072, 4096, 5120, 6144, 7168, 8192],
        windows: true,
        min_linux_platform_version: None,
    },
    FargateSize {
        cpu: 2048,
        vcpu: "2 vCPU",
        memory: &[4096, 5120, 6144, 7168, 8192, 9216, 10240, 11264, 12288, 13312, 14336, 15360, 16384],
        windows: true,
        min_linux_platform_version: None,
    },
    FargateSize {
        cpu: 4096,
        vcpu: "4 vCPU",
        memory: &[
            8192, 9216, 10240, 11264, 12288, 13312, 14336, 15360, 16384, 17408, 18432, 19456, 20480, 21504, 22528,
            23552, 24576, 25600, 26624, 27648, 28672, 29696, 30720,
        ],
        windows: true,
        min_linux_platform_version: None,
    },
    FargateSize {
        cpu: 8192,
        vcpu: "8 vCPU",
        memory: &[16384, 20480, 24576, 28672, 32768, 36864, 40960, 45056, 49152, 53248, 57344, 61440],
        windows: false,
        min_linux_platform_version: Some("1.4.0"),
    },
    FargateSize {
        cpu: 16384,
        vcpu: "16 vCPU",
        memory: &[32768, 40960, 49152, 57344, 65536, 73728, 81920, 90112, 98304, 106496, 114688, 122880],
        windows: false,
        min_linux_platform_version: Some("1.4.0"),
    },
];

impl FargateSize {
    pub fn smallest_memory(&self) -> u32 {
        self.memory.first().copied().unwrap_or(0)
    }

    pub fn largest_memory(&self) -> u32 {
        self.memory.last().copied().unwrap_or(0)
    }

    pub fn allows(&self, memory_mib: u32) -> bool {
        self.memory.binary_search(&memory_mib).is_ok()
    }

    /// The smallest valid memory of this tier that is ≥ `memory_mib`.
    pub fn memory_at_least(&self, memory_mib: u32) -> Option<u32> {
        self.memory.iter().copied().find(|&m| m >= memory_mib)
    }

    /// Whether a task on this operating system may use this tier.
    pub fn fits(&self, windows: bool) -> bool {
        !windows || self.windows
    }

    /// "512, 1024 or 2048 MiB", or "4096–16384 MiB in steps of 1024 MiB" for long lists.
    pub fn describe_memory(&self) -> String {
        if self.memory.len() <= 4 {
            let items: Vec<String> = self.memory.iter().map(u32::to_string).collect();
            return format!("{} MiB", join_or(&items));
        }
        let step = self.memory[1] - self.memory[0];
        format!("{}–{} MiB in steps of {} MiB", self.smallest_memory(), self.largest_memory(), step)
    }
}

/// The tier of `cpu` units, if it is a Fargate size (for any operating system).
pub fn size_for_cpu(cpu: u32) -> Option<&'static FargateSize> {
    FARGATE_SIZES.iter().find(|s| s.cpu == cpu)
}

/// Tiers available to the given operating system, ascending.
pub fn sizes_for(windows: bool) -> impl Iterator<Item = &'static FargateSize> {
    FARGATE_SIZES.iter().filter(move |s| s.fits(windows))
}

/// True when (`cpu`, `memory_mib`) is a valid Fargate task size for the operating system.
pub fn is_valid(cpu: u32, memory_mib: u32, windows: bool) -> bool {
    size_for_cpu(cpu).is_some_and(|s| s.fits(windows) && s.allows(memory_mib))
}

/// The cpu tiers that accept exactly `memory_mib`, ascending.
pub fn cpus_for_memory(memory_mib: u32, windows: bool) -> impl Iterator<Item = u32> {
    sizes_for(windows).filter(move |s| s.allows(memory_mib)).map(|s| s.cpu)
}

/// The smallest valid size with cpu ≥ `min_cpu` and memory ≥ `min_memory` (either may be
/// unknown), preferring a tier that accepts `min_memory` exactly. When nothing is that
/// large, the largest size of the operating system.
pub fn smallest_size(min_cpu: Option<u32>, min_memory: Option<u32>, windows: bool) -> (u32, u32) {
    let cpu_ok = |s: &FargateSize| min_cpu.is_none_or(|c| s.cpu >= c);
    if let Some(m) = min_memory {
        if let Some(s) = sizes_for(windows).find(|s| cpu_ok(s) && s.allows(m)) {
            return (s.cpu, m);
        }
        if let Some((s, mem)) = sizes_for(windows).filter(|s| cpu_ok(s)).find_map(|s| Some((s, s.memory_at_least(m)?)))
        {
            return (s.cpu, mem);
        }
    } else if let Some(s) = sizes_for(windows).find(|s| cpu_ok(s)) {
        return (s.cpu, s.smallest_memory());
    }
    let largest = sizes_for(windows).last().unwrap_or(&FARGATE_SIZES[FARGATE_SIZES.len() - 1]);
    let mem = min_memory.and_then(|m| largest.memory_at_least(m)).unwrap_or(largest.largest_memory());
    (largest.cpu, mem)
}

/// "256, 512, 1024, 2048, 4096, 8192 or 16384" for the operating system.
pub fn describe_cpus(windows: bool) -> String {
    let items: Vec<String> = sizes_for(windows).map(|s| s.cpu.to_string()).collect();
    join_or(&items)
}

/// "a", "a or b", "a, b or c".
pub fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const JSON: &str = include_str!("../../../../../tests/fixtures/fargate-cpu-memory.json");

    #[test]
    fn table_equals_the_reference_json() {
        let v: Value = serde_json::from_str(JSON).unwrap();
        let combos = v["combinations"].as_array().unwrap();
        assert_eq!(combos.len(), FARGATE_SIZES.len());
        let mut pairs = 0;
        for (c, s) in combos.iter().zip(FARGATE_SIZES) {
            assert_eq!(c["cpu"].as_u64(), Some(s.cpu as u64));
            assert_eq!(c["vcpu"].as_str(), Some(s.vcpu));
            let mem: Vec<u32> =
                c["memory_mib"].as_array().unwrap().iter().map(|m| m.as_u64().unwrap() as u32).collect();
            assert_eq!(mem, s.memory, "memory for cpu {}", s.cpu);
            for m in &mem {
                assert!(is_valid(s.cpu, *m, false), "{} / {m}", s.cpu);
                assert_eq!(is_valid(s.cpu, *m, true), s.windows, "{} / {m} on Windows", s.cpu);
                pairs += 1;
            }
            let windows = c["operating_systems"].as_array().unwrap().iter().any(|o| o == "WINDOWS");
            assert_eq!(windows, s.windows, "Windows support of cpu {}", s.cpu);
            assert_eq!(c["min_linux_platform_version"].as_str(), s.min_linux_platform_version);
        }
        assert_eq!(Some(pairs), v["valid_pairs_count"].as_u64());
        // The reverse index agrees too, and nothing else is valid.
        let reverse = v["memory_to_valid_cpus"].as_object().unwrap();
        for (mem, cpus) in reverse {
            let mem: u32 = mem.parse().unwrap();
            let cpus: Vec<u32> = cpus.as_array().unwrap().iter().map(|c| c.as_u64().unwrap() as u32).collect();
            assert_eq!(cpus_for_memory(mem, false).collect::<Vec<_>>(), cpus, "memory {mem}");
        }
        for cpu in (0..=20000).step_by(128) {
            for mem in (0..=130_000).step_by(512) {
                let listed = reverse
                    .get(&mem.to_string())
                    .and_then(Value::as_array)
                    .is_some_and(|cpus| cpus.iter().any(|c| c.as_u64() == Some(cpu as u64)));
                assert_eq!(is_valid(cpu, mem, false), listed, "{cpu} / {mem}");
            }
        }
    }

    #[test]
    fn smallest_sizes() {
        assert_eq!(smallest_size(Some(256), Some(512), false), (256, 512));
        assert_eq!(smallest_size(Some(256), Some(4096), false), (512, 4096));
        assert_eq!(smallest_size(Some(256), Some(600), false), (256, 1024));
        assert_eq!(smallest_size(None, Some(3000), false), (512, 3072));
        assert_eq!(smallest_size(Some(300), None, false), (512, 1024));
        assert_eq!(smallest_size(Some(256), None, true), (1024, 2048));
        assert_eq!(smallest_size(Some(99999), Some(512), false), (16384, 32768));
        assert_eq!(smallest_size(None, Some(999_999), false), (16384, 122880));
        assert_eq!(smallest_size(None, Some(40000), true), (4096, 30720));
        assert_eq!(smallest_size(None, Some(32768), false), (8192, 32768));
    }

    #[test]
    fn descriptions() {
        assert_eq!(size_for_cpu(256).unwrap().describe_memory(), "512, 1024 or 2048 MiB");
        assert_eq!(size_for_cpu(2048).unwrap().describe_memory(), "4096–16384 MiB in steps of 1024 MiB");
        assert_eq!(describe_cpus(true), "1024, 2048 or 4096");
        assert_eq!(describe_cpus(false), "256, 512, 1024, 2048, 4096, 8192 or 16384");
    }
}
