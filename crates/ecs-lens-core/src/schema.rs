//! The ECS model: a compact static schema of the RegisterTaskDefinition input — every member
//! of every shape with its JSON type, enum values, sub-shape and requiredness, transcribed from
//! the ECS API model (botocore's `service-2.json` for ECS: the `RegisterTaskDefinitionRequest`
//! shape and the shapes it reaches) — plus a non-allocating walker that reports unknown
//! members, wrong JSON types, missing required members and out-of-enum values with their
//! pointers.
//!
//! A core module, not one rule family's: the validity rules (VAL001, VAL003, VAL004, VAL005)
//! report its issues, which one walk per lint finds ([`all_issues`], kept by the lint's
//! `Context`); the secrets rules enumerate every string place of the model from it
//! (`rules::secrets::places`). The walk is cheap: member names are matched through a
//! per-shape perfect-hash table (one digest of the key, one comparison, no SipHash), subtrees
//! that cannot hold a wanted issue are skipped, plain leaves of the right type are not
//! visited, and the path is extended only when the walk descends or reports.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::document::{escape_token, Document, Shape as DocShape, READ_ONLY_FIELDS};
use crate::model::member;

/// The JSON type of a member.
#[derive(Debug)]
pub enum Ty {
    Str,
    Int,
    Bool,
    /// A string restricted to these values.
    Enum(&'static [&'static str]),
    List(&'static Ty),
    /// `map<string,string>`: an object whose values are strings.
    Map,
    Obj(&'static Shape),
}

impl Ty {
    /// "a string", "an integer" … for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Ty::Str => "a string",
            Ty::Int => "an integer",
            Ty::Bool => "a boolean",
            Ty::Enum(_) => "a string",
            Ty::List(_) => "an array",
            Ty::Map => "an object of string values",
            Ty::Obj(_) => "an object",
        }
    }

    /// A string, integer or boolean type that `v` has: nothing below it to check.
    #[inline]
    fn is_plain_leaf_of(&self, v: &Value) -> bool {
        match (self, v) {
            (Ty::Str, Value::String(_)) | (Ty::Bool, Value::Bool(_)) => true,
            (Ty::Int, Value::Number(n)) => n.is_i64() || n.is_u64(),
            _ => false,
        }
    }

    /// Whether `v` has this JSON type (enum membership is checked separately).
    pub fn accepts(&self, v: &Value) -> bool {
        match self {
            Ty::Str | Ty::Enum(_) => v.is_string(),
            Ty::Int => v.as_i64().is_some() || v.as_u64().is_some(),
            Ty::Bool => v.is_boolean(),
            Ty::List(_) => v.is_array(),
            Ty::Map | Ty::Obj(_) => v.is_object(),
        }
    }
}

/// One member of a shape.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    /// Required by the model (or, for container `name`/`image`, by the service).
    pub required: bool,
}

/// An object shape of the ECS model.
#[derive(Debug)]
pub struct Shape {
    /// The model's shape name (`PortMapping`), for messages and docs.
    pub name: &'static str,
    /// Members in the model's order.
    pub fields: &'static [Field],
    /// Lookup index and subtree facts, built on first use.
    index: OnceLock<Index>,
}

#[derive(Debug)]
struct Index {
    /// Perfect-hash table of the member names: slot → index in `fields` (`EMPTY` when
    /// no member hashes there). A lookup is one hash of the key and one comparison.
    slots: Box<[u8]>,
    /// Multiplier and shift of [`slot`].
    mult: u64,
    shift: u32,
    /// Per member (by index in `fields`): the issue kinds its value's subtree can hold
    /// besides a wrong type (`CAN_UNKNOWN`, `CAN_MISSING`, `CAN_ENUM`).
    kinds: Box<[u8]>,
    /// Indices of the required members.
    required: Box<[u8]>,
    /// This shape or a shape below it has a required member / an enum member.
    subtree_required: bool,
    subtree_enum: bool,
}

const EMPTY: u8 = u8::MAX;
const CAN_UNKNOWN: u8 = 1;
const CAN_MISSING: u8 = 2;
const CAN_ENUM: u8 = 4;

/// A cheap digest of a key from its length and its first and last (up to) eight bytes.
/// Distinct for the members of each shape (a table is only built from distinct slots,
/// and a test builds every shape's table); a lookup still compares the key itself.
#[inline]
fn digest(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 8 {
        let head = u64::from_le_bytes(b[..8].try_into().unwrap_or_default());
        let tail = u64::from_le_bytes(b[n - 8..].try_into().unwrap_or_default());
        head ^ tail.rotate_left(23) ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    } else if n >= 4 {
        let head = u32::from_le_bytes(b[..4].try_into().unwrap_or_default()) as u64;
        let tail = u32::from_le_bytes(b[n - 4..].try_into().unwrap_or_default()) as u64;
        head | tail << 32 | (n as u64) << 61
    } else {
        let mut x = n as u64;
        for &c in b {
            x = x << 8 | c as u64;
        }
        x
    }
}

/// `a == b` for short keys, without a call to `memcmp`.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or_default());
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap_or_default());
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            if word(a, at) != word(b, at) {
                return false;
            }
            at += 8;
        }
        word(a, n - 8) == word(b, n - 8)
    } else if n >= 4 {
        half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4)
    } else {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
}

#[inline]
fn slot(digest: u64, mult: u64, shift: u32) -> usize {
    (digest.wrapping_mul(mult) >> shift) as usize
}

/// The smallest collision-free table for `names` (a few hundred bytes at most).
fn perfect_table(names: &[&str]) -> (Box<[u8]>, u64, u32) {
    let digests: Vec<u64> = names.iter().map(|n| digest(n.as_bytes())).collect();
    let min_bits = (usize::BITS - names.len().leading_zeros()).max(1);
    for bits in min_bits + 1..=16 {
        let shift = 64 - bits;
        // splitmix64 candidates, forced odd.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..256 {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            let mult = (z ^ (z >> 31)) | 1;
            let mut slots = vec![EMPTY; 1 << bits].into_boxed_slice();
            let ok = digests.iter().enumerate().all(|(i, &d)| {
                let s = &mut slots[slot(d, mult, shift)];
                let free = *s == EMPTY;
                *s = i as u8;
                free
            });
            if ok {
                return (slots, mult, shift);
            }
        }
    }
    // Unreachable for distinct digests; an empty table would make every key unknown, so
    // fail loudly in tests instead.
    unreachable!("no perfect hash for {names:?}")
}

/// The innermost shape of a member type (`List(Obj(s))` → `s`).
fn shape_of(mut ty: &'static Ty) -> Option<&'static Shape> {
    while let Ty::List(inner) = ty {
        ty = inner;
    }
    match ty {
        Ty::Obj(s) => Some(s),
        _ => None,
    }
}

fn is_enum(mut ty: &'static Ty) -> bool {
    while let Ty::List(inner) = ty {
        ty = inner;
    }
    matches!(ty, Ty::Enum(_))
}

impl Shape {
    pub const fn new(name: &'static str, fields: &'static [Field]) -> Shape {
        Shape { name, fields, index: OnceLock::new() }
    }

    #[inline]
    fn index(&self) -> &Index {
        match self.index.get() {
            Some(i) => i,
            None => self.build_index(),
        }
    }

    #[cold]
    fn build_index(&self) -> &Index {
        self.index.get_or_init(|| {
            let fields: &'static [Field] = self.fields;
            let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
            let (slots, mult, shift) = perfect_table(&names);
            let required: Box<[u8]> = (0..fields.len() as u8).filter(|&i| fields[i as usize].required).collect();
            let mut subtree_required = !required.is_empty();
            let mut subtree_enum = false;
            let mut kinds = Vec::with_capacity(fields.len());
            for f in fields {
                let mut k = 0;
                if is_enum(&f.ty) {
                    k |= CAN_ENUM;
                }
                if let Some(s) = shape_of(&f.ty) {
                    let i = s.index();
                    k |= CAN_UNKNOWN;
                    if i.subtree_required {
                        k |= CAN_MISSING;
                    }
                    if i.subtree_enum {
                        k |= CAN_ENUM;
                    }
                }
                subtree_required |= k & CAN_MISSING != 0;
                subtree_enum |= k & CAN_ENUM != 0;
                kinds.push(k);
            }
            Index { slots, mult, shift, kinds: kinds.into_boxed_slice(), required, subtree_required, subtree_enum }
        })
    }

    /// The member called `name`, if the shape has one.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.position(name).map(|i| &self.fields[i])
    }

    /// Index in `fields` of the member called `name`.
    #[inline]
    fn position(&self, name: &str) -> Option<usize> {
        Self::lookup(self.index(), self.fields, name)
    }

    #[inline]
    fn lookup(index: &Index, fields: &'static [Field], name: &str) -> Option<usize> {
        let b = name.as_bytes();
        let i = *index.slots.get(slot(digest(b), index.mult, index.shift))?;
        let f = fields.get(i as usize)?;
        same_bytes(f.name.as_bytes(), b).then_some(i as usize)
    }

    /// Whether walking this shape can find issues of the wanted kinds.
    fn relevant(&self, want: Want) -> bool {
        want.unknown || want.types || {
            let i = self.index();
            (want.missing && i.subtree_required) || (want.enums && i.subtree_enum)
        }
    }
}

const fn opt(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, required: false }
}

const fn req(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, required: true }
}

// ---- enumerations (the model's enums) ----

pub const NETWORK_MODES: &[&str] = &["bridge", "host", "awsvpc", "none"];
pub const COMPATIBILITIES: &[&str] = &["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"];
pub const PID_MODES: &[&str] = &["host", "task"];
pub const IPC_MODES: &[&str] = &["host", "task", "none"];
pub const CONTAINER_CONDITIONS: &[&str] = &["START", "COMPLETE", "SUCCESS", "HEALTHY"];
pub const PROTOCOLS: &[&str] = &["tcp", "udp"];
pub const APP_PROTOCOLS: &[&str] = &["http", "http2", "grpc"];
pub const LOG_DRIVERS: &[&str] =
    &["json-file", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "awsfirelens"];
pub const FIRELENS_TYPES: &[&str] = &["fluentd", "fluentbit"];
pub const ULIMIT_NAMES: &[&str] = &[
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];
pub const DEVICE_PERMISSIONS: &[&str] = &["read", "write", "mknod"];
pub const RESOURCE_TYPES: &[&str] = &["GPU", "InferenceAccelerator", "NeuronDevice"];
pub const ENVIRONMENT_FILE_TYPES: &[&str] = &["s3"];
pub const SCOPES: &[&str] = &["task", "shared"];
pub const ENABLED_DISABLED: &[&str] = &["ENABLED", "DISABLED"];
pub const PLACEMENT_CONSTRAINT_TYPES: &[&str] = &["memberOf"];
pub const PROXY_TYPES: &[&str] = &["APPMESH"];
pub const CPU_ARCHITECTURES: &[&str] = &["X86_64", "ARM64"];
pub const OS_FAMILIES: &[&str] = &[
    "LINUX",
    "WINDOWS_SERVER_2019_FULL",
    "WINDOWS_SERVER_2019_CORE",
    "WINDOWS_SERVER_2016_FULL",
    "WINDOWS_SERVER_2004_CORE",
    "WINDOWS_SERVER_2022_CORE",
    "WINDOWS_SERVER_2022_FULL",
    "WINDOWS_SERVER_2025_CORE",
    "WINDOWS_SERVER_2025_FULL",
    "WINDOWS_SERVER_20H2_CORE",
];
pub const VERSION_CONSISTENCY: &[&str] = &["enabled", "disabled"];

/// `linuxParameters.capabilities.add/drop` values documented by ECS (not a model enum).
pub const CAPABILITIES: &[&str] = &[
    "ALL",
    "AUDIT_CONTROL",
    "AUDIT_WRITE",
    "BLOCK_SUSPEND",
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "IPC_LOCK",
    "IPC_OWNER",
    "KILL",
    "LEASE",
    "LINUX_IMMUTABLE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "MKNOD",
    "NET_ADMIN",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_CHROOT",
    "SYS_MODULE",
    "SYS_NICE",
    "SYS_PACCT",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "SYSLOG",
    "WAKE_ALARM",
];

/// `linuxParameters.tmpfs[].mountOptions` values documented by ECS (not a model enum).
pub const TMPFS_MOUNT_OPTIONS: &[&str] = &[
    "defaults",
    "ro",
    "rw",
    "suid",
    "nosuid",
    "dev",
    "nodev",
    "exec",
    "noexec",
    "sync",
    "async",
    "dirsync",
    "remount",
    "mand",
    "nomand",
    "atime",
    "noatime",
    "diratime",
    "nodiratime",
    "bind",
    "rbind",
    "unbindable",
    "runbindable",
    "private",
    "rprivate",
    "shared",
    "rshared",
    "slave",
    "rslave",
    "relatime",
    "norelatime",
    "strictatime",
    "nostrictatime",
    "mode",
    "uid",
    "gid",
    "nr_inodes",
    "nr_blocks",
    "mpol",
];

// ---- shapes members in model order ----

const STR_LIST: Ty = Ty::List(&Ty::Str);

pub static KEY_VALUE_PAIR: Shape = Shape::new("KeyValuePair", &[opt("name", Ty::Str), opt("value", Ty::Str)]);

pub static SECRET: Shape = Shape::new("Secret", &[req("name", Ty::Str), req("valueFrom", Ty::Str)]);

pub static PORT_MAPPING: Shape = Shape::new(
    "PortMapping",
    &[
        opt("containerPort", Ty::Int),
        opt("hostPort", Ty::Int),
        opt("protocol", Ty::Enum(PROTOCOLS)),
        opt("name", Ty::Str),
        opt("appProtocol", Ty::Enum(APP_PROTOCOLS)),
        opt("containerPortRange", Ty::Str),
    ],
);

pub static HEALTH_CHECK: Shape = Shape::new(
    "HealthCheck",
    &[
        req("command", STR_LIST),
        opt("interval", Ty::Int),
        opt("timeout", Ty::Int),
        opt("retries", Ty::Int),
        opt("startPeriod", Ty::Int),
    ],
);

pub static CONTAINER_DEPENDENCY: Shape = Shape::new(
    "ContainerDependency",
    &[req("containerName", Ty::Str), req("condition", Ty::Enum(CONTAINER_CONDITIONS))],
);

pub static LOG_CONFIGURATION: Shape = Shape::new(
    "LogConfiguration",
    &[
        req("logDriver", Ty::Enum(LOG_DRIVERS)),
        opt("options", Ty::Map),
        opt("secretOptions", Ty::List(&Ty::Obj(&SECRET))),
    ],
);

pub static ENVIRONMENT_FILE: Shape =
    Shape::new("EnvironmentFile", &[req("value", Ty::Str), req("type", Ty::Enum(ENVIRONMENT_FILE_TYPES))]);

pub static MOUNT_POINT: Shape =
    Shape::new("MountPoint", &[opt("sourceVolume", Ty::Str), opt("containerPath", Ty::Str), opt("readOnly", Ty::Bool)]);

pub static VOLUME_FROM: Shape = Shape::new("VolumeFrom", &[opt("sourceContainer", Ty::Str), opt("readOnly", Ty::Bool)]);

pub static KERNEL_CAPABILITIES: Shape =
    Shape::new("KernelCapabilities", &[opt("add", STR_LIST), opt("drop", STR_LIST)]);

pub static DEVICE: Shape = Shape::new(
    "Device",
    &[
        req("hostPath", Ty::Str),
        opt("containerPath", Ty::Str),
        opt("permissions", Ty::List(&Ty::Enum(DEVICE_PERMISSIONS))),
    ],
);

pub static TMPFS: Shape =
    Shape::new("Tmpfs", &[req("containerPath", Ty::Str), req("size", Ty::Int), opt("mountOptions", STR_LIST)]);

pub static LINUX_PARAMETERS: Shape = Shape::new(
    "LinuxParameters",
    &[
        opt("capabilities", Ty::Obj(&KERNEL_CAPABILITIES)),
        opt("devices", Ty::List(&Ty::Obj(&DEVICE))),
        opt("initProcessEnabled", Ty::Bool),
        opt("sharedMemorySize", Ty::Int),
        opt("tmpfs", Ty::List(&Ty::Obj(&TMPFS))),
        opt("maxSwap", Ty::Int),
        opt("swappiness", Ty::Int),
    ],
);

pub static ULIMIT: Shape =
    Shape::new("Ulimit", &[req("name", Ty::Enum(ULIMIT_NAMES)), req("softLimit", Ty::Int), req("hardLimit", Ty::Int)]);

pub static HOST_ENTRY: Shape = Shape::new("HostEntry", &[req("hostname", Ty::Str), req("ipAddress", Ty::Str)]);

pub static SYSTEM_CONTROL: Shape = Shape::new("SystemControl", &[opt("namespace", Ty::Str), opt("value", Ty::Str)]);

pub static RESOURCE_REQUIREMENT: Shape =
    Shape::new("ResourceRequirement", &[req("value", Ty::Str), req("type", Ty::Enum(RESOURCE_TYPES))]);

pub static FIRELENS_CONFIGURATION: Shape =
    Shape::new("FirelensConfiguration", &[req("type", Ty::Enum(FIRELENS_TYPES)), opt("options", Ty::Map)]);

pub static REPOSITORY_CREDENTIALS: Shape = Shape::new("RepositoryCredentials", &[req("credentialsParameter", Ty::Str)]);

pub static CONTAINER_RESTART_POLICY: Shape = Shape::new(
    "ContainerRestartPolicy",
    &[req("enabled", Ty::Bool), opt("ignoredExitCodes", Ty::List(&Ty::Int)), opt("restartAttemptPeriod", Ty::Int)],
);

pub static CONTAINER_DEFINITION: Shape = Shape::new(
    "ContainerDefinition",
    &[
        // The model marks no member required; the service rejects a missing name or image.
        req("name", Ty::Str),
        req("image", Ty::Str),
        opt("repositoryCredentials", Ty::Obj(&REPOSITORY_CREDENTIALS)),
        opt("cpu", Ty::Int),
        opt("memory", Ty::Int),
        opt("memoryReservation", Ty::Int),
        opt("links", STR_LIST),
        opt("portMappings", Ty::List(&Ty::Obj(&PORT_MAPPING))),
        opt("essential", Ty::Bool),
        opt("restartPolicy", Ty::Obj(&CONTAINER_RESTART_POLICY)),
        opt("entryPoint", STR_LIST),
        opt("command", STR_LIST),
        opt("environment", Ty::List(&Ty::Obj(&KEY_VALUE_PAIR))),
        opt("environmentFiles", Ty::List(&Ty::Obj(&ENVIRONMENT_FILE))),
        opt("mountPoints", Ty::List(&Ty::Obj(&MOUNT_POINT))),
        opt("volumesFrom", Ty::List(&Ty::Obj(&VOLUME_FROM))),
        opt("linuxParameters", Ty::Obj(&LINUX_PARAMETERS)),
        opt("secrets", Ty::List(&Ty::Obj(&SECRET))),
        opt("dependsOn", Ty::List(&Ty::Obj(&CONTAINER_DEPENDENCY))),
        opt("startTimeout", Ty::Int),
        opt("stopTimeout", Ty::Int),
        opt("versionConsistency", Ty::Enum(VERSION_CONSISTENCY)),
        opt("hostname", Ty::Str),
        opt("user", Ty::Str),
        opt("workingDirectory", Ty::Str),
        opt("disableNetworking", Ty::Bool),
        opt("privileged", Ty::Bool),
        opt("readonlyRootFilesystem", Ty::Bool),
        opt("dnsServers", STR_LIST),
        opt("dnsSearchDomains", STR_LIST),
        opt("extraHosts", Ty::List(&Ty::Obj(&HOST_ENTRY))),
        opt("dockerSecurityOptions", STR_LIST),
        opt("interactive", Ty::Bool),
        opt("pseudoTerminal", Ty::Bool),
        opt("dockerLabels", Ty::Map),
        opt("ulimits", Ty::List(&Ty::Obj(&ULIMIT))),
        opt("logConfiguration", Ty::Obj(&LOG_CONFIGURATION)),
        opt("healthCheck", Ty::Obj(&HEALTH_CHECK)),
        opt("systemControls", Ty::List(&Ty::Obj(&SYSTEM_CONTROL))),
        opt("resourceRequirements", Ty::List(&Ty::Obj(&RESOURCE_REQUIREMENT))),
        opt("firelensConfiguration", Ty::Obj(&FIRELENS_CONFIGURATION)),
        opt("credentialSpecs", STR_LIST),
    ],
);

pub static HOST_VOLUME_PROPERTIES: Shape = Shape::new("HostVolumeProperties", &[opt("sourcePath", Ty::Str)]);

pub static DOCKER_VOLUME_CONFIGURATION: Shape = Shape::new(
    "DockerVolumeConfiguration",
    &[
        opt("scope", Ty::Enum(SCOPES)),
        opt("autoprovision", Ty::Bool),
        opt("driver", Ty::Str),
        opt("driverOpts", Ty::Map),
        opt("labels", Ty::Map),
    ],
);

pub static EFS_AUTHORIZATION_CONFIG: Shape =
    Shape::new("EFSAuthorizationConfig", &[opt("accessPointId", Ty::Str), opt("iam", Ty::Enum(ENABLED_DISABLED))]);

pub static EFS_VOLUME_CONFIGURATION: Shape = Shape::new(
    "EFSVolumeConfiguration",
    &[
        req("fileSystemId", Ty::Str),
        opt("rootDirectory", Ty::Str),
        opt("transitEncryption", Ty::Enum(ENABLED_DISABLED)),
        opt("transitEncryptionPort", Ty::Int),
        opt("authorizationConfig", Ty::Obj(&EFS_AUTHORIZATION_CONFIG)),
    ],
);

pub static FSX_AUTHORIZATION_CONFIG: Shape = Shape::new(
    "FSxWindowsFileServerAuthorizationConfig",
    &[req("credentialsParameter", Ty::Str), req("domain", Ty::Str)],
);

pub static FSX_VOLUME_CONFIGURATION: Shape = Shape::new(
    "FSxWindowsFileServerVolumeConfiguration",
    &[
        req("fileSystemId", Ty::Str),
        req("rootDirectory", Ty::Str),
        req("authorizationConfig", Ty::Obj(&FSX_AUTHORIZATION_CONFIG)),
    ],
);

pub static S3FILES_VOLUME_CONFIGURATION: Shape = Shape::new(
    "S3FilesVolumeConfiguration",
    &[
        req("fileSystemArn", Ty::Str),
        opt("rootDirectory", Ty::Str),
        opt("transitEncryptionPort", Ty::Int),
        opt("accessPointArn", Ty::Str),
    ],
);

/// The members of `Volume` that choose its type (at most one may be set).
pub const VOLUME_TYPE_FIELDS: &[&str] = &[
    "host",
    "dockerVolumeConfiguration",
    "efsVolumeConfiguration",
    "s3filesVolumeConfiguration",
    "fsxWindowsFileServerVolumeConfiguration",
    "configuredAtLaunch",
];

pub static VOLUME: Shape = Shape::new(
    "Volume",
    &[
        opt("name", Ty::Str),
        opt("host", Ty::Obj(&HOST_VOLUME_PROPERTIES)),
        opt("dockerVolumeConfiguration", Ty::Obj(&DOCKER_VOLUME_CONFIGURATION)),
        opt("efsVolumeConfiguration", Ty::Obj(&EFS_VOLUME_CONFIGURATION)),
        opt("s3filesVolumeConfiguration", Ty::Obj(&S3FILES_VOLUME_CONFIGURATION)),
        opt("fsxWindowsFileServerVolumeConfiguration", Ty::Obj(&FSX_VOLUME_CONFIGURATION)),
        opt("configuredAtLaunch", Ty::Bool),
    ],
);

pub static PLACEMENT_CONSTRAINT: Shape = Shape::new(
    "TaskDefinitionPlacementConstraint",
    &[opt("type", Ty::Enum(PLACEMENT_CONSTRAINT_TYPES)), opt("expression", Ty::Str)],
);

pub static PROXY_CONFIGURATION: Shape = Shape::new(
    "ProxyConfiguration",
    &[
        opt("type", Ty::Enum(PROXY_TYPES)),
        req("containerName", Ty::Str),
        opt("properties", Ty::List(&Ty::Obj(&KEY_VALUE_PAIR))),
    ],
);

pub static INFERENCE_ACCELERATOR: Shape =
    Shape::new("InferenceAccelerator", &[req("deviceName", Ty::Str), req("deviceType", Ty::Str)]);

pub static EPHEMERAL_STORAGE: Shape = Shape::new("EphemeralStorage", &[req("sizeInGiB", Ty::Int)]);

pub static RUNTIME_PLATFORM: Shape = Shape::new(
    "RuntimePlatform",
    &[opt("cpuArchitecture", Ty::Enum(CPU_ARCHITECTURES)), opt("operatingSystemFamily", Ty::Enum(OS_FAMILIES))],
);

pub static TAG: Shape = Shape::new("Tag", &[opt("key", Ty::Str), opt("value", Ty::Str)]);

/// `tags`: a list of `Tag`.
pub static TAGS: Ty = Ty::List(&Ty::Obj(&TAG));

pub static TASK_DEFINITION: Shape = Shape::new(
    "RegisterTaskDefinitionRequest",
    &[
        req("family", Ty::Str),
        opt("taskRoleArn", Ty::Str),
        opt("executionRoleArn", Ty::Str),
        opt("networkMode", Ty::Enum(NETWORK_MODES)),
        req("containerDefinitions", Ty::List(&Ty::Obj(&CONTAINER_DEFINITION))),
        opt("volumes", Ty::List(&Ty::Obj(&VOLUME))),
        opt("placementConstraints", Ty::List(&Ty::Obj(&PLACEMENT_CONSTRAINT))),
        opt("requiresCompatibilities", Ty::List(&Ty::Enum(COMPATIBILITIES))),
        // Task-level cpu and memory are strings in the model ("256", "1 vCPU", "1 GB").
        opt("cpu", Ty::Str),
        opt("memory", Ty::Str),
        opt("tags", Ty::List(&Ty::Obj(&TAG))),
        opt("pidMode", Ty::Enum(PID_MODES)),
        opt("ipcMode", Ty::Enum(IPC_MODES)),
        opt("proxyConfiguration", Ty::Obj(&PROXY_CONFIGURATION)),
        opt("inferenceAccelerators", Ty::List(&Ty::Obj(&INFERENCE_ACCELERATOR))),
        opt("ephemeralStorage", Ty::Obj(&EPHEMERAL_STORAGE)),
        opt("runtimePlatform", Ty::Obj(&RUNTIME_PLATFORM)),
        opt("enableFaultInjection", Ty::Bool),
    ],
);

// ---- paths ----

/// One step of a path.
#[derive(Clone, Copy, Debug)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// The schema is at most this deep (root → volumes → i → efs… → authorizationConfig → iam).
const MAX_DEPTH: usize = 12;

/// A path from a root pointer, kept on the stack (no allocation while walking).
#[derive(Clone, Copy, Debug)]
pub struct Path<'a> {
    root: &'a str,
    segs: [Seg<'a>; MAX_DEPTH],
    len: usize,
}

impl<'a> Path<'a> {
    pub fn new(root: &'a str) -> Path<'a> {
        Path { root, segs: [Seg::Index(0); MAX_DEPTH], len: 0 }
    }

    pub fn segs(&self) -> &[Seg<'a>] {
        &self.segs[..self.len]
    }

    fn push(&mut self, seg: Seg<'a>) -> bool {
        if self.len == MAX_DEPTH {
            return false;
        }
        self.segs[self.len] = seg;
        self.len += 1;
        true
    }

    fn pop(&mut self) {
        self.len -= 1;
    }

    /// The document pointer (RFC 6901) of this path.
    pub fn pointer(&self) -> String {
        let mut out = String::from(self.root);
        for seg in self.segs() {
            out.push('/');
            match seg {
                Seg::Key(k) => out.push_str(&escape_token(k)),
                Seg::Index(i) => out.push_str(&i.to_string()),
            }
        }
        out
    }

    /// The pointer of the parent node.
    pub fn parent_pointer(&self) -> String {
        let mut p = *self;
        if p.len > 0 {
            p.pop();
        }
        p.pointer()
    }

    /// The last key, if the path ends in an object member.
    pub fn last_key(&self) -> Option<&'a str> {
        match self.segs().last()? {
            Seg::Key(k) => Some(k),
            Seg::Index(_) => None,
        }
    }

    /// Index of the container this path is inside (`containerDefinitions/<i>/…`).
    pub fn container_index(&self) -> Option<usize> {
        match self.segs() {
            [Seg::Key("containerDefinitions"), Seg::Index(i), ..] if self.root != "/tags" => Some(*i),
            _ => None,
        }
    }

    /// A readable form for messages: `portMappings[0].hostPort` inside a container
    /// (the container is named separately), else from the task definition's root.
    pub fn display(&self) -> String {
        let skip = if self.container_index().is_some() { 2 } else { 0 };
        let mut out = String::new();
        if self.root == "/tags" {
            out.push_str("tags");
        }
        for seg in &self.segs()[skip.min(self.len)..] {
            match seg {
                Seg::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Seg::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        if out.is_empty() {
            out.push_str(if skip > 0 { "the container definition" } else { "the task definition" });
        }
        out
    }
}

// ---- the walker ----

/// What the walker found.
#[derive(Clone, Copy, Debug)]
pub enum Issue<'a> {
    /// A member the shape does not have (the path ends at it).
    Unknown { shape: &'static Shape, key: &'a str, parent: &'a Map<String, Value> },
    /// A value of the wrong JSON type, including `null` (the path ends at it).
    WrongType { ty: &'static Ty, value: &'a Value },
    /// A required member is absent (the path is the object that lacks it).
    Missing { shape: &'static Shape, field: &'static Field, obj: &'a Map<String, Value> },
    /// A string outside its enumeration (the path ends at it).
    BadEnum { allowed: &'static [&'static str], value: &'a str },
}

/// Which issue kinds a walk reports (subtrees that cannot hold them are skipped).
#[derive(Clone, Copy, Debug)]
pub struct Want {
    pub unknown: bool,
    pub types: bool,
    pub missing: bool,
    pub enums: bool,
}

impl Want {
    pub const UNKNOWN: Want = Want { unknown: true, types: false, missing: false, enums: false };
    pub const TYPES: Want = Want { unknown: false, types: true, missing: false, enums: false };
    pub const MISSING: Want = Want { unknown: false, types: false, missing: true, enums: false };
    pub const ENUMS: Want = Want { unknown: false, types: false, missing: false, enums: true };
    pub const ALL: Want = Want { unknown: true, types: true, missing: true, enums: true };
}

/// Every issue of every kind in `doc`, from one walk (a lint makes it once, on first use:
/// `Context::model_issues`).
pub fn all_issues(doc: &Document) -> Vec<(Path<'_>, Issue<'_>)> {
    let mut all = Vec::new();
    walk(doc, Want::ALL, |path, issue| all.push((*path, issue)));
    all
}

/// Walk the task definition of `doc` (and the Describe output's sibling `tags`) against
/// the schema, calling `f` for every issue of a wanted kind. Never panics, never
/// allocates unless `f` does.
pub fn walk<'a, F: FnMut(&Path<'a>, Issue<'a>)>(doc: &'a Document, want: Want, mut f: F) {
    let base = doc.base();
    let root: &'a Value = match doc.shape() {
        DocShape::DescribeWrapped => match doc.value().as_object().and_then(|o| member(o, "taskDefinition")) {
            Some(v) => v,
            None => return,
        },
        _ => doc.value(),
    };
    let mut w = Walker { want, f: &mut f };
    let mut path = Path::new(base);
    match root.as_object() {
        Some(obj) => w.visit_obj(&TASK_DEFINITION, obj, &mut path, true),
        None if want.types => (w.f)(&path, Issue::WrongType { ty: &ROOT_TY, value: root }),
        None => {}
    }
    if doc.shape() == DocShape::DescribeWrapped {
        if let Some(tags) = doc.value().as_object().and_then(|o| member(o, "tags")) {
            let mut path = Path::new("/tags");
            w.visit(&TAGS, tags, &mut path, None);
        }
    }
}

static ROOT_TY: Ty = Ty::Obj(&TASK_DEFINITION);

struct Walker<'f, F> {
    want: Want,
    f: &'f mut F,
}

impl<'a, F: FnMut(&Path<'a>, Issue<'a>)> Walker<'_, F> {
    fn visit_obj(&mut self, shape: &'static Shape, obj: &'a Map<String, Value>, path: &mut Path<'a>, is_root: bool) {
        let fields: &'static [Field] = shape.fields;
        let index = shape.index();
        let want = self.want;
        // The member kinds worth descending into when types are not checked.
        let mask = (if want.unknown { CAN_UNKNOWN } else { 0 })
            | (if want.missing { CAN_MISSING } else { 0 })
            | (if want.enums { CAN_ENUM } else { 0 });
        // Members seen, by index (shapes have fewer than 64 members).
        let mut seen = 0u64;
        for (key, value) in obj {
            let key: &'a str = key.as_str();
            match Shape::lookup(index, fields, key) {
                Some(i) => {
                    seen |= 1 << i;
                    if !want.types && index.kinds[i] & mask == 0 {
                        continue;
                    }
                    let ty = &fields[i].ty;
                    if ty.is_plain_leaf_of(value) {
                        continue;
                    }
                    self.visit(ty, value, path, Some(Seg::Key(key)));
                }
                None if want.unknown && !(is_root && READ_ONLY_FIELDS.contains(&key)) => {
                    self.report(path, Some(Seg::Key(key)), Issue::Unknown { shape, key, parent: obj });
                }
                None => {}
            }
        }
        if want.missing {
            for &i in index.required.iter() {
                if seen & (1 << i) == 0 {
                    (self.f)(path, Issue::Missing { shape, field: &fields[i as usize], obj });
                }
            }
        }
    }

    /// Visit `value` of type `ty` at `path` + `seg` (`seg` is pushed only when an issue is
    /// reported or the walk descends).
    fn visit(&mut self, ty: &'static Ty, value: &'a Value, path: &mut Path<'a>, seg: Option<Seg<'a>>) {
        if !ty.accepts(value) {
            if self.want.types {
                self.report(path, seg, Issue::WrongType { ty, value });
            }
            return;
        }
        match ty {
            Ty::Enum(allowed) => {
                if let (true, Some(s)) = (self.want.enums, value.as_str()) {
                    if !allowed.iter().any(|a| same_bytes(a.as_bytes(), s.as_bytes())) {
                        self.report(path, seg, Issue::BadEnum { allowed, value: s });
                    }
                }
            }
            Ty::List(inner) => {
                let skip = match shape_of(inner) {
                    Some(s) => !s.relevant(self.want),
                    None => !(self.want.types || (self.want.enums && is_enum(inner))),
                };
                if skip {
                    return;
                }
                if let Some(items) = value.as_array() {
                    if items.iter().all(|item| inner.is_plain_leaf_of(item)) {
                        return;
                    }
                    if !Self::enter(path, seg) {
                        return;
                    }
                    for (i, item) in items.iter().enumerate() {
                        self.visit(inner, item, path, Some(Seg::Index(i)));
                    }
                    Self::leave(path, seg);
                }
            }
            Ty::Map => {
                if let (true, Some(map)) = (self.want.types, value.as_object()) {
                    let mut entered = false;
                    for (k, v) in map {
                        if !v.is_string() {
                            if !entered {
                                if !Self::enter(path, seg) {
                                    return;
                                }
                                entered = true;
                            }
                            self.report(path, Some(Seg::Key(k.as_str())), Issue::WrongType { ty: &Ty::Str, value: v });
                        }
                    }
                    if entered {
                        Self::leave(path, seg);
                    }
                }
            }
            Ty::Obj(shape) => {
                if let (true, Some(obj)) = (shape.relevant(self.want), value.as_object()) {
                    if !Self::enter(path, seg) {
                        return;
                    }
                    self.visit_obj(shape, obj, path, false);
                    Self::leave(path, seg);
                }
            }
            Ty::Str | Ty::Int | Ty::Bool => {}
        }
    }

    /// Push `seg` (if any); false when the path is full.
    #[inline]
    fn enter(path: &mut Path<'a>, seg: Option<Seg<'a>>) -> bool {
        match seg {
            Some(seg) => path.push(seg),
            None => true,
        }
    }

    #[inline]
    fn leave(path: &mut Path<'a>, seg: Option<Seg<'a>>) {
        if seg.is_some() {
            path.pop();
        }
    }

    #[cold]
    #[inline(never)]
    fn report(&mut self, path: &mut Path<'a>, seg: Option<Seg<'a>>, issue: Issue<'a>) {
        if Self::enter(path, seg) {
            (self.f)(path, issue);
            Self::leave(path, seg);
        }
    }
}

// ---- suggestions ----

/// `a`, `b` or `c` … for messages (backticked, comma-separated).
pub fn one_of(values: &[&str]) -> String {
    let mut out = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == values.len() { " or " } else { ", " });
        }
        out.push('`');
        out.push_str(v);
        out.push('`');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_shapes() -> Vec<&'static Shape> {
        fn collect(shape: &'static Shape, out: &mut Vec<&'static Shape>) {
            if out.iter().any(|s| std::ptr::eq(*s, shape)) {
                return;
            }
            out.push(shape);
            for f in shape.fields {
                let mut ty = &f.ty;
                while let Ty::List(inner) = ty {
                    ty = inner;
                }
                if let Ty::Obj(s) = ty {
                    collect(s, out);
                }
            }
        }
        let mut out = Vec::new();
        collect(&TASK_DEFINITION, &mut out);
        out
    }

    #[test]
    fn schema_covers_the_model() {
        let shapes = all_shapes();
        // Every shape the request reaches, plus the request, the container and the FSx auth config.
        assert_eq!(shapes.len(), 36, "{:?}", shapes.iter().map(|s| s.name).collect::<Vec<_>>());
        assert_eq!(TASK_DEFINITION.fields.len(), 18);
        assert_eq!(CONTAINER_DEFINITION.fields.len(), 42, "below 64: `seen` is a u64 bitmask");
        for s in shapes {
            for (i, f) in s.fields.iter().enumerate() {
                assert!(s.fields[..i].iter().all(|g| g.name != f.name), "{}.{} twice", s.name, f.name);
                // The perfect-hash lookup finds every member, and no near miss.
                assert!(s.index().slots.len() <= 512, "{}: {} slots", s.name, s.index().slots.len());
                assert_eq!(s.position(f.name), Some(i), "{}.{}", s.name, f.name);
                let mut upper = f.name.to_string();
                upper[..1].make_ascii_uppercase();
                for miss in [&upper, &f.name[1..], &format!("{}x", f.name), &format!("x{}", f.name)] {
                    assert_eq!(s.position(miss), None, "{}: {miss}", s.name);
                }
            }
            assert_eq!(s.position(""), None);
        }
    }

    #[test]
    fn distances_and_suggestions() {
        assert_eq!(crate::rules::kit::edit_distance("memoryReservaton", "memoryReservation", 3), Some(1));
        assert_eq!(crate::rules::kit::edit_distance("Image", "image", 1), Some(0));
        assert_eq!(crate::rules::kit::edit_distance("esential", "essential", 2), Some(1));
        assert_eq!(crate::rules::kit::edit_distance("abc", "xyzuvw", 2), None);
        assert_eq!(crate::rules::kit::edit_distance("hostPrt", "hostPort", 1), Some(1));
        assert_eq!(crate::rules::kit::edit_distance("ab", "ba", 1), Some(1));
        let names = CONTAINER_DEFINITION.fields.iter().map(|f| f.name);
        assert_eq!(crate::rules::kit::closest("memoryReservaton", names.clone()), Some("memoryReservation"));
        assert_eq!(crate::rules::kit::closest("PortMappings", names.clone()), Some("portMappings"));
        assert_eq!(crate::rules::kit::closest("healthcheck", names.clone()), Some("healthCheck"));
        assert_eq!(crate::rules::kit::closest("secret", names.clone()), Some("secrets"));
        assert_eq!(crate::rules::kit::closest("somethingElse", names.clone()), None);
        assert_eq!(crate::rules::kit::closest("fargate", COMPATIBILITIES.iter().copied()), Some("FARGATE"));
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }

    #[test]
    fn seed_walks_clean() {
        let doc = Document::parse(crate::rules::testing::SEED).unwrap();
        let mut issues = Vec::new();
        walk(&doc, Want::ALL, |p, i| issues.push(format!("{} {:?}", p.pointer(), i)));
        assert!(issues.is_empty(), "{issues:#?}");
    }

    #[test]
    fn pruned_walks_find_what_the_full_walk_finds() {
        let doc = Document::from_value(&serde_json::json!({
            "family": 1, "bogus": true, "networkMode": "AWSVPC",
            "containerDefinitions": [{"name": "a", "environment": [{"name": 1, "x": 2}],
                "dependsOn": [{"containerName": "b", "condition": "ok"}], "healthCheck": {},
                "linuxParameters": {"devices": [{"permissions": ["READ"]}]}, "dockerLabels": {"k": null}}],
            "volumes": [{"efsVolumeConfiguration": {"authorizationConfig": {"iam": "on"}}}]
        }));
        let kind = |i: &Issue<'_>| match i {
            Issue::Unknown { .. } => 0,
            Issue::WrongType { .. } => 1,
            Issue::Missing { .. } => 2,
            Issue::BadEnum { .. } => 3,
        };
        let mut full = Vec::new();
        walk(&doc, Want::ALL, |p, i| full.push((kind(&i), p.pointer())));
        let mut parts = Vec::new();
        for (k, want) in [Want::UNKNOWN, Want::TYPES, Want::MISSING, Want::ENUMS].into_iter().enumerate() {
            walk(&doc, want, |p, i| {
                assert_eq!(kind(&i), k, "a walk reports only what it wants");
                parts.push((k, p.pointer()));
            });
        }
        full.sort();
        parts.sort();
        assert_eq!(full, parts);
        assert_eq!(full.iter().filter(|(k, _)| *k == 3).count(), 4, "{full:#?}");
    }

    #[test]
    fn paths_display_and_point() {
        let doc = Document::parse(
            r#"{"taskDefinition": {"family": "f", "revision": 1, "containerDefinitions": [{"name": "a", "image": "i",
                "portMappings": [{"containerPort": "80"}], "dockerLabels": {"a/b": 1}}]}, "tags": [{"key": 1}]}"#,
        )
        .unwrap();
        let mut seen = Vec::new();
        walk(&doc, Want::ALL, |p, _| seen.push((p.pointer(), p.display(), p.container_index())));
        assert_eq!(
            seen,
            vec![
                (
                    "/taskDefinition/containerDefinitions/0/portMappings/0/containerPort".into(),
                    "portMappings[0].containerPort".into(),
                    Some(0)
                ),
                ("/taskDefinition/containerDefinitions/0/dockerLabels/a~1b".into(), "dockerLabels.a/b".into(), Some(0)),
                ("/tags/0/key".into(), "tags[0].key".into(), None),
            ]
        );
    }
}
