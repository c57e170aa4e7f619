//! The `TracingPolicy` / `TracingPolicyNamespaced` model (`cilium.io/v1alpha1`)
//! and the multi-document YAML reader.
//!
//! Enumerated strings (operators, actions, argument types) stay `String` in
//! the model: Tetragon's CRD validates them separately from decoding, and
//! keeping them as text lets [`crate::validate`] name the exact field and say
//! what is wrong (a deprecated action, a typo) instead of a bare serde
//! "unknown variant".

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer};

/// The API group and version of both policy kinds.
pub const API_VERSION: &str = "cilium.io/v1alpha1";

/// Which of the two custom resources a policy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Cluster scoped: applies to every pod and, with `hostSelector`, hosts.
    TracingPolicy,
    /// Namespaced: applies only to pods of its namespace.
    TracingPolicyNamespaced,
}

impl PolicyKind {
    /// The `kind` as written in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::TracingPolicy => "TracingPolicy",
            PolicyKind::TracingPolicyNamespaced => "TracingPolicyNamespaced",
        }
    }

    fn from_kind(kind: &str) -> Option<Self> {
        match kind {
            "TracingPolicy" => Some(PolicyKind::TracingPolicy),
            "TracingPolicyNamespaced" => Some(PolicyKind::TracingPolicyNamespaced),
            _ => None,
        }
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One policy read from a file, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Cluster or namespaced.
    pub kind: PolicyKind,
    /// Name, namespace and labels.
    pub metadata: Metadata,
    /// What to hook and what to do.
    pub spec: PolicySpec,
    /// File and positions, for messages.
    pub source: Source,
}

/// A workload as policies select it: its namespace, pod labels and
/// container name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workload {
    /// The pod's namespace.
    pub namespace: Option<String>,
    /// The pod's labels.
    pub labels: BTreeMap<String, String>,
    /// The container's name.
    pub container: String,
}

impl Policy {
    /// Whether the policy applies to `workload`, as Tetragon decides it: a
    /// namespaced policy only in its namespace, then `podSelector` over the
    /// pod's labels and `containerSelector` over `{name: container}`.
    pub fn selects(&self, workload: &Workload) -> bool {
        if self.kind == PolicyKind::TracingPolicyNamespaced
            && let Some(ns) = &self.metadata.namespace
            && workload.namespace.as_ref() != Some(ns)
        {
            return false;
        }
        let pod = self
            .spec
            .pod_selector
            .as_ref()
            .is_none_or(|s| s.matches(&workload.labels));
        let container = self.spec.container_selector.as_ref().is_none_or(|s| {
            s.matches(&BTreeMap::from([(
                "name".to_owned(),
                workload.container.clone(),
            )]))
        });
        pod && container
    }
}

impl Policy {
    /// The 1-based line of the node at `path` (e.g.
    /// `spec.kprobes[0].call`), or of its nearest ancestor that has one.
    pub fn line_of(&self, path: &str) -> Option<u64> {
        self.source.line_of(path)
    }
}

/// Where a policy came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Source {
    /// The file name given to [`parse_policies`].
    pub file: String,
    /// The 1-based line where the document starts.
    pub line: u64,
    /// Field path to 1-based line, for every node of the document.
    positions: BTreeMap<String, u64>,
}

impl Source {
    /// A source with no positions (for policies built in code).
    pub fn new(file: impl Into<String>, line: u64) -> Self {
        Source {
            file: file.into(),
            line,
            positions: BTreeMap::new(),
        }
    }

    /// The line of `path`, else of its nearest ancestor.
    pub fn line_of(&self, path: &str) -> Option<u64> {
        let mut path = path;
        loop {
            if let Some(line) = self.positions.get(path) {
                return Some(*line);
            }
            // Walk up one segment: `a.b[2].c` -> `a.b[2]` -> `a.b` -> `a`.
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }
}

/// `metadata` of the resource. Fields a cluster adds (uid,
/// resourceVersion, managedFields, ...) are accepted and kept opaque so an
/// exported policy reads back.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// `metadata.name`.
    #[serde(default)]
    pub name: String,
    /// `metadata.namespace` (namespaced policies).
    #[serde(default)]
    pub namespace: Option<String>,
    /// `metadata.labels`.
    #[serde(default, deserialize_with = "null_default")]
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`.
    #[serde(default, deserialize_with = "null_default")]
    pub annotations: BTreeMap<String, String>,
    /// Any other metadata field, uninterpreted.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// `spec` of either policy kind.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicySpec {
    /// Kernel function hooks.
    #[serde(default, deserialize_with = "null_default")]
    pub kprobes: Vec<KProbeSpec>,
    /// fentry hooks (same shape as kprobes).
    #[serde(default, deserialize_with = "null_default")]
    pub fentries: Vec<KProbeSpec>,
    /// Tracepoint hooks.
    #[serde(default, deserialize_with = "null_default")]
    pub tracepoints: Vec<TracepointSpec>,
    /// User-space probes.
    #[serde(default, deserialize_with = "null_default")]
    pub uprobes: Vec<UProbeSpec>,
    /// BPF LSM hooks.
    #[serde(default, deserialize_with = "null_default")]
    pub lsmhooks: Vec<LsmHookSpec>,
    /// USDT probes.
    #[serde(default, deserialize_with = "null_default")]
    pub usdts: Vec<UsdtSpec>,
    /// Load the loader sensor (`loader: true`).
    #[serde(default)]
    pub loader: Option<bool>,
    /// Pods the policy applies to.
    #[serde(default)]
    pub pod_selector: Option<LabelSelector>,
    /// Containers the policy applies to (keys over container fields).
    #[serde(default)]
    pub container_selector: Option<LabelSelector>,
    /// Host workloads: absent/null = none, `{}` = all.
    #[serde(default)]
    pub host_selector: Option<LabelSelector>,
    /// Nodes on which the policy is loaded.
    #[serde(default)]
    pub node_selector: Option<LabelSelector>,
    /// Named value lists referenced as `list:<name>`.
    #[serde(default, deserialize_with = "null_default")]
    pub lists: Vec<ListSpec>,
    /// Enforcer programs for `NotifyEnforcer`.
    #[serde(default, deserialize_with = "null_default")]
    pub enforcers: Vec<EnforcerSpec>,
    /// `name`/`value` options such as `policy-mode`.
    #[serde(default, deserialize_with = "null_default")]
    pub options: Vec<OptionSpec>,
    /// Selector macros referenced from selectors by name.
    #[serde(default, deserialize_with = "null_default")]
    pub selectors_macros: BTreeMap<String, Selector>,
}

/// A Kubernetes label selector.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// Exact label matches, ANDed.
    #[serde(default, deserialize_with = "null_default")]
    pub match_labels: BTreeMap<String, String>,
    /// Set-based requirements, ANDed.
    #[serde(default, deserialize_with = "null_default")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

impl LabelSelector {
    /// Whether `labels` satisfy the selector, with Kubernetes' semantics:
    /// every `matchLabels` pair and every expression must hold; an empty
    /// selector selects everything.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|e| {
                let value = labels.get(&e.key);
                match e.operator.as_str() {
                    "In" => value.is_some_and(|v| e.values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !e.values.contains(v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    // An unknown operator selects nothing rather than everything.
                    _ => false,
                }
            })
    }
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    /// The label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    pub operator: String,
    /// Values for `In`/`NotIn`.
    #[serde(default, deserialize_with = "null_default")]
    pub values: Vec<String>,
}

/// A `spec.lists` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListSpec {
    /// Referenced as `list:<name>`.
    pub name: String,
    /// The values (for `syscalls`, syscall names like `sys_dup`).
    #[serde(default, deserialize_with = "null_default")]
    pub values: Vec<String>,
    /// `syscalls`, `generated_syscalls` or `generated_ftrace`.
    #[serde(default, rename = "type")]
    pub list_type: Option<String>,
    /// Regex for `generated_ftrace`.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Whether Tetragon checks the values exist.
    #[serde(default)]
    pub validated: Option<bool>,
}

/// A `spec.enforcers` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnforcerSpec {
    /// Calls (or `list:<name>`) the enforcer guards.
    #[serde(default, deserialize_with = "null_default")]
    pub calls: Vec<String>,
}

/// A `spec.options` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OptionSpec {
    /// Option name, e.g. `policy-mode`.
    pub name: String,
    /// Option value, e.g. `enforcement`.
    #[serde(default)]
    pub value: Option<String>,
}

fn yes() -> bool {
    true
}

/// A kprobe (or fentry) hook.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KProbeSpec {
    /// Kernel symbol, syscall name or `list:<name>`.
    pub call: String,
    /// Whether `call` is a syscall (Tetragon's default: true).
    #[serde(default = "yes")]
    pub syscall: bool,
    /// Also hook the return.
    #[serde(default, rename = "return")]
    pub return_: bool,
    /// The return value to report (required when `return` is true).
    #[serde(default)]
    pub return_arg: Option<KProbeArg>,
    /// `TrackSock`/`UntrackSock` on the return value.
    #[serde(default)]
    pub return_arg_action: Option<String>,
    /// Copied to every event.
    #[serde(default)]
    pub message: Option<String>,
    /// Arguments to read.
    #[serde(default, deserialize_with = "null_default")]
    pub args: Vec<KProbeArg>,
    /// Extra data to read.
    #[serde(default, deserialize_with = "null_default")]
    pub data: Vec<KProbeArg>,
    /// Filters, ORed, first match wins.
    #[serde(default, deserialize_with = "null_default")]
    pub selectors: Vec<Selector>,
    /// Copied to every event.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
    /// Conditions under which a missing call is not an error.
    #[serde(default)]
    pub ignore: Option<KProbeIgnore>,
}

/// `ignore` of a kprobe.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KProbeIgnore {
    /// Skip the hook when the symbol does not exist.
    #[serde(default)]
    pub call_not_found: bool,
}

/// An argument to read from a hook.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KProbeArg {
    /// Position of the argument (for tracepoints, the field index).
    pub index: u32,
    /// How to read it (`int`, `file`, `char_buf`, ...; default `auto`).
    #[serde(default, rename = "type")]
    pub arg_type: Option<String>,
    /// BTF path into the argument, e.g. `f_path.dentry.d_name.name`.
    #[serde(default)]
    pub resolve: Option<String>,
    /// 1-based position of the size argument for buffers; 0 = unset.
    #[serde(default)]
    pub size_arg_index: Option<u32>,
    /// Read the buffer at return.
    #[serde(default)]
    pub return_copy: bool,
    /// Read up to the large buffer size.
    #[serde(default)]
    pub max_data: bool,
    /// Shown as the argument's label in events.
    #[serde(default)]
    pub label: Option<String>,
    /// Where data comes from (e.g. `current_task`).
    #[serde(default)]
    pub source: Option<String>,
    /// BTF type to cast to.
    #[serde(default)]
    pub btf_type: Option<String>,
    /// Module holding `btfType`.
    #[serde(default)]
    pub btf_type_module: Option<String>,
}

impl KProbeArg {
    /// The type, `auto` when not given.
    pub fn type_name(&self) -> &str {
        self.arg_type.as_deref().unwrap_or("auto")
    }
}

/// A tracepoint hook.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TracepointSpec {
    /// e.g. `syscalls`, `raw_syscalls`, `sched`.
    pub subsystem: String,
    /// e.g. `sys_enter_openat`.
    pub event: String,
    /// Raw (BTF) tracepoint.
    #[serde(default)]
    pub raw: bool,
    /// Fields to read; `index` is the tracepoint field index.
    #[serde(default, deserialize_with = "null_default")]
    pub args: Vec<KProbeArg>,
    /// Filters, ORed, first match wins.
    #[serde(default, deserialize_with = "null_default")]
    pub selectors: Vec<Selector>,
    /// Copied to every event.
    #[serde(default)]
    pub message: Option<String>,
    /// Copied to every event.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
}

/// A uprobe hook.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UProbeSpec {
    /// The binary or library.
    pub path: String,
    /// Where to find its BTF.
    #[serde(default)]
    pub btf_path: Option<String>,
    /// Symbols to probe.
    #[serde(default, deserialize_with = "null_default")]
    pub symbols: Vec<String>,
    /// Offsets to probe.
    #[serde(default, deserialize_with = "null_default")]
    pub offsets: Vec<u64>,
    /// Addresses to probe.
    #[serde(default, deserialize_with = "null_default")]
    pub addrs: Vec<u64>,
    /// Reference counter offsets (USDT semaphores).
    #[serde(default, deserialize_with = "null_default")]
    pub ref_ctr_offsets: Vec<u64>,
    /// Also hook the return.
    #[serde(default, rename = "return")]
    pub return_: bool,
    /// The return value to report.
    #[serde(default)]
    pub return_arg: Option<KProbeArg>,
    /// Arguments to read.
    #[serde(default, deserialize_with = "null_default")]
    pub args: Vec<KProbeArg>,
    /// Extra data to read.
    #[serde(default, deserialize_with = "null_default")]
    pub data: Vec<KProbeArg>,
    /// Filters, ORed, first match wins.
    #[serde(default, deserialize_with = "null_default")]
    pub selectors: Vec<Selector>,
    /// Copied to every event.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
    /// Copied to every event.
    #[serde(default)]
    pub message: Option<String>,
    /// Expected digests of the binary.
    #[serde(default, deserialize_with = "null_default")]
    pub binary_digests: Vec<String>,
    /// Conditions under which a digest mismatch is not an error.
    #[serde(default)]
    pub ignore: Option<UProbeIgnore>,
}

/// `ignore` of a uprobe.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UProbeIgnore {
    /// Load even when the binary's digest does not match.
    #[serde(default)]
    pub digest_verification_failure: bool,
}

/// A BPF LSM hook.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LsmHookSpec {
    /// LSM hook name without `security_`, e.g. `file_open`.
    pub hook: String,
    /// Arguments to read.
    #[serde(default, deserialize_with = "null_default")]
    pub args: Vec<KProbeArg>,
    /// Filters, ORed, first match wins.
    #[serde(default, deserialize_with = "null_default")]
    pub selectors: Vec<Selector>,
    /// Copied to every event.
    #[serde(default)]
    pub message: Option<String>,
    /// Copied to every event.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
}

/// A USDT probe.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsdtSpec {
    /// The binary.
    pub path: String,
    /// USDT provider.
    pub provider: String,
    /// USDT name.
    pub name: String,
    /// Where to find its BTF.
    #[serde(default)]
    pub btf_path: Option<String>,
    /// Arguments to read.
    #[serde(default, deserialize_with = "null_default")]
    pub args: Vec<KProbeArg>,
    /// Filters, ORed, first match wins.
    #[serde(default, deserialize_with = "null_default")]
    pub selectors: Vec<Selector>,
    /// Copied to every event.
    #[serde(default)]
    pub message: Option<String>,
    /// Copied to every event.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
}

/// One selector: every filter in it must match (AND); a hook's selectors
/// are tried in order and the first that matches decides (OR,
/// short-circuit), so the order of [`KProbeSpec::selectors`] is meaningful
/// and is kept as written.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Selector {
    /// Free-form label.
    #[serde(default)]
    pub label: Option<String>,
    /// Macros whose filters are appended.
    #[serde(default, deserialize_with = "null_default")]
    pub macros: Vec<String>,
    /// Process id filters.
    #[serde(default, rename = "matchPIDs", deserialize_with = "null_default")]
    pub match_pids: Vec<PidSelector>,
    /// Argument filters, ANDed.
    #[serde(default, deserialize_with = "null_default")]
    pub match_args: Vec<ArgSelector>,
    /// Data filters, ANDed.
    #[serde(default, deserialize_with = "null_default")]
    pub match_data: Vec<ArgSelector>,
    /// Return value filters.
    #[serde(default, deserialize_with = "null_default")]
    pub match_return_args: Vec<ArgSelector>,
    /// What to do on a match.
    #[serde(default, deserialize_with = "null_default")]
    pub match_actions: Vec<ActionSelector>,
    /// What to do on a match at return.
    #[serde(default, deserialize_with = "null_default")]
    pub match_return_actions: Vec<ActionSelector>,
    /// Binary filter (at most one).
    #[serde(default, deserialize_with = "null_default")]
    pub match_binaries: Vec<BinarySelector>,
    /// Parent binary filter (at most one).
    #[serde(default, deserialize_with = "null_default")]
    pub match_parent_binaries: Vec<BinarySelector>,
    /// Namespace filters.
    #[serde(default, deserialize_with = "null_default")]
    pub match_namespaces: Vec<NamespaceSelector>,
    /// Namespace change filters.
    #[serde(default, deserialize_with = "null_default")]
    pub match_namespace_changes: Vec<NamespaceChangesSelector>,
    /// Capability filters.
    #[serde(default, deserialize_with = "null_default")]
    pub match_capabilities: Vec<CapabilitiesSelector>,
    /// Capability change filters.
    #[serde(default, deserialize_with = "null_default")]
    pub match_capability_changes: Vec<CapabilitiesSelector>,
    /// Workload filter.
    #[serde(default)]
    pub match_workloads: Option<WorkloadSelector>,
}

/// A `matchArgs` / `matchData` / `matchReturnArgs` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArgSelector {
    /// The argument (kprobes: an `args[].index`; tracepoints: a position in `args`).
    #[serde(default)]
    pub index: Option<u32>,
    /// Several arguments (operators such as `CapabilitiesGained`).
    #[serde(default, deserialize_with = "null_default")]
    pub args: Vec<u32>,
    /// e.g. `Equal`, `Prefix`, `DAddr`.
    pub operator: String,
    /// Operands, ORed for positive operators and ANDed for negative ones.
    #[serde(default, deserialize_with = "null_default")]
    pub values: Vec<String>,
}

/// A `matchPIDs` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PidSelector {
    /// `In` or `NotIn`.
    pub operator: String,
    /// Process ids.
    #[serde(default, deserialize_with = "null_default")]
    pub values: Vec<u32>,
    /// Ids are in the task's pid namespace.
    #[serde(default, rename = "isNamespacePID")]
    pub is_namespace_pid: bool,
    /// Children of a matching process match too.
    #[serde(default)]
    pub follow_forks: bool,
}

/// A `matchBinaries` / `matchParentBinaries` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BinarySelector {
    /// `In`, `NotIn`, `Prefix`, `NotPrefix`, `Postfix` or `NotPostfix`.
    pub operator: String,
    /// Paths.
    #[serde(default, deserialize_with = "null_default")]
    pub values: Vec<String>,
    /// Children of a matching binary match too.
    #[serde(default)]
    pub follow_children: bool,
}

/// A `matchNamespaces` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceSelector {
    /// `Uts`, `Ipc`, `Mnt`, `Pid`, `Net`, ...
    pub namespace: String,
    /// `In` or `NotIn`.
    pub operator: String,
    /// Namespace inode numbers, or `host_ns`.
    #[serde(default, deserialize_with = "null_default")]
    pub values: Vec<String>,
}

/// A `matchNamespaceChanges` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceChangesSelector {
    /// `In` or `NotIn`.
    pub operator: String,
    /// Namespace types.
    #[serde(default, deserialize_with = "null_default")]
    pub values: Vec<String>,
}

/// A `matchCapabilities` / `matchCapabilityChanges` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilitiesSelector {
    /// `Effective` (default), `Inheritable` or `Permitted`.
    #[serde(default, rename = "type")]
    pub cap_type: Option<String>,
    /// `In` or `NotIn`.
    pub operator: String,
    /// Compare in the task's user namespace.
    #[serde(default)]
    pub is_namespace_capability: bool,
    /// `CAP_*` names.
    #[serde(default, deserialize_with = "null_default")]
    pub values: Vec<String>,
}

/// `matchWorkloads`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSelector {
    /// Pods.
    #[serde(default)]
    pub pod_selector: Option<LabelSelector>,
    /// Containers.
    #[serde(default)]
    pub container_selector: Option<LabelSelector>,
    /// Host workloads.
    #[serde(default)]
    pub host_selector: Option<LabelSelector>,
}

/// A `matchActions` / `matchReturnActions` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionSelector {
    /// `Post`, `Sigkill`, `Override`, `Signal`, ...
    pub action: String,
    /// Return value for `Override` (e.g. -1 = -EPERM).
    #[serde(default)]
    pub arg_error: Option<i32>,
    /// Signal number for `Signal` and `NotifyEnforcer`.
    #[serde(default)]
    pub arg_sig: Option<u32>,
    /// Name for `DnsLookup`.
    #[serde(default)]
    pub arg_fqdn: Option<String>,
    /// URL for `GetUrl`.
    #[serde(default)]
    pub arg_url: Option<String>,
    /// Argument index for `TrackSock`/`UntrackSock`.
    #[serde(default)]
    pub arg_sock: Option<u32>,
    /// Argument index for `Set`.
    #[serde(default)]
    pub arg_index: Option<u32>,
    /// Value for `Set`.
    #[serde(default)]
    pub arg_value: Option<i32>,
    /// Register assignments for a uprobe `Override`.
    #[serde(default, deserialize_with = "null_default")]
    pub arg_regs: Vec<String>,
    /// Redirect a uprobe to this symbol.
    #[serde(default)]
    pub arg_new_symbol: Option<String>,
    /// Redirect a uprobe to this address.
    #[serde(default)]
    pub arg_new_addr: Option<u64>,
    /// Redirect a uprobe to this offset.
    #[serde(default)]
    pub arg_new_offset: Option<u64>,
    /// `Post` rate limit, `<n>[s|m|h]`.
    #[serde(default)]
    pub rate_limit: Option<String>,
    /// `thread`, `process` or `global`.
    #[serde(default)]
    pub rate_limit_scope: Option<String>,
    /// Include the kernel stack.
    #[serde(default)]
    pub kernel_stack_trace: bool,
    /// Include the user stack.
    #[serde(default)]
    pub user_stack_trace: bool,
    /// Include the IMA hash.
    #[serde(default)]
    pub ima_hash: bool,
}

/// The kinds of hook a policy spec lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookKind {
    /// `spec.kprobes`.
    Kprobe,
    /// `spec.fentries`.
    Fentry,
    /// `spec.tracepoints`.
    Tracepoint,
    /// `spec.uprobes`.
    Uprobe,
    /// `spec.lsmhooks`.
    LsmHook,
    /// `spec.usdts`.
    Usdt,
}

impl HookKind {
    /// The spec field listing hooks of this kind.
    pub fn field(self) -> &'static str {
        match self {
            HookKind::Kprobe => "kprobes",
            HookKind::Fentry => "fentries",
            HookKind::Tracepoint => "tracepoints",
            HookKind::Uprobe => "uprobes",
            HookKind::LsmHook => "lsmhooks",
            HookKind::Usdt => "usdts",
        }
    }

    /// A singular noun for messages.
    pub fn noun(self) -> &'static str {
        match self {
            HookKind::Kprobe => "kprobe",
            HookKind::Fentry => "fentry",
            HookKind::Tracepoint => "tracepoint",
            HookKind::Uprobe => "uprobe",
            HookKind::LsmHook => "LSM hook",
            HookKind::Usdt => "USDT probe",
        }
    }
}

/// A view of one hook of any kind, with the parts every kind shares.
#[derive(Debug, Clone, Copy)]
pub struct HookRef<'a> {
    /// Which list it is in.
    pub kind: HookKind,
    /// Its position in that list.
    pub index: usize,
    /// What it hooks: the call, `subsystem:event`, the binary path, the
    /// LSM hook or `provider:name`.
    pub name: &'a str,
    /// The tracepoint event, for tracepoints.
    pub event: Option<&'a str>,
    /// Arguments.
    pub args: &'a [KProbeArg],
    /// Extra data.
    pub data: &'a [KProbeArg],
    /// The return value argument.
    pub return_arg: Option<&'a KProbeArg>,
    /// Whether the return is hooked.
    pub hooks_return: bool,
    /// Selectors in order.
    pub selectors: &'a [Selector],
    /// Tags.
    pub tags: &'a [String],
    /// Message.
    pub message: Option<&'a str>,
}

impl HookRef<'_> {
    /// `spec.kprobes[2]` and the like.
    pub fn path(&self) -> String {
        format!("spec.{}[{}]", self.kind.field(), self.index)
    }
}

impl Policy {
    /// Every hook of the spec, kprobes first, in the order written.
    pub fn hooks(&self) -> Vec<HookRef<'_>> {
        let s = &self.spec;
        let mut out = Vec::new();
        for (kind, list) in [
            (HookKind::Kprobe, &s.kprobes),
            (HookKind::Fentry, &s.fentries),
        ] {
            for (index, k) in list.iter().enumerate() {
                out.push(HookRef {
                    kind,
                    index,
                    name: &k.call,
                    event: None,
                    args: &k.args,
                    data: &k.data,
                    return_arg: k.return_arg.as_ref(),
                    hooks_return: k.return_,
                    selectors: &k.selectors,
                    tags: &k.tags,
                    message: k.message.as_deref(),
                });
            }
        }
        for (index, t) in s.tracepoints.iter().enumerate() {
            out.push(HookRef {
                kind: HookKind::Tracepoint,
                index,
                name: &t.subsystem,
                event: Some(&t.event),
                args: &t.args,
                data: &[],
                return_arg: None,
                hooks_return: false,
                selectors: &t.selectors,
                tags: &t.tags,
                message: t.message.as_deref(),
            });
        }
        for (index, u) in s.uprobes.iter().enumerate() {
            out.push(HookRef {
                kind: HookKind::Uprobe,
                index,
                name: &u.path,
                event: None,
                args: &u.args,
                data: &u.data,
                return_arg: u.return_arg.as_ref(),
                hooks_return: u.return_,
                selectors: &u.selectors,
                tags: &u.tags,
                message: u.message.as_deref(),
            });
        }
        for (index, l) in s.lsmhooks.iter().enumerate() {
            out.push(HookRef {
                kind: HookKind::LsmHook,
                index,
                name: &l.hook,
                event: None,
                args: &l.args,
                data: &[],
                return_arg: None,
                hooks_return: false,
                selectors: &l.selectors,
                tags: &l.tags,
                message: l.message.as_deref(),
            });
        }
        for (index, u) in s.usdts.iter().enumerate() {
            out.push(HookRef {
                kind: HookKind::Usdt,
                index,
                name: &u.provider,
                event: Some(&u.name),
                args: &u.args,
                data: &[],
                return_arg: None,
                hooks_return: false,
                selectors: &u.selectors,
                tags: &u.tags,
                message: u.message.as_deref(),
            });
        }
        out
    }
}

/// A null in YAML (`selectors:` with nothing after it) reads as empty, as
/// it does for the Go types Tetragon decodes into.
fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// The resource as decoded, before the kind is checked.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDocument {
    #[allow(dead_code)] // checked on the position tree before decoding
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    spec: PolicySpec,
    // A policy read back from a cluster carries its status; it says nothing
    // about what to enforce.
    #[serde(default)]
    #[allow(dead_code)]
    status: Option<serde_json::Value>,
}

/// Why a document of a policy file was not returned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}{}{}: {problem}", line.map(|l| format!(":{l}")).unwrap_or_default(), path.as_ref().map(|p| format!(": {p}")).unwrap_or_default())]
pub struct PolicyError {
    /// The file name given to [`parse_policies`].
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// Field path such as `spec.kprobes[0].selectors[1].matchArgs[0].operator`, when known.
    pub path: Option<String>,
    /// What is wrong.
    pub problem: ParseProblem,
}

/// What is wrong with a document.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseProblem {
    /// Not YAML.
    #[error("invalid YAML: {0}")]
    Yaml(String),
    /// A field of the wrong type, a missing required field, ...
    #[error("{0}")]
    Decode(String),
    /// A field Tetragon's schema does not have (a typo, or a newer field).
    #[error("unknown field")]
    UnknownField,
    /// The right kind with another API version.
    #[error("apiVersion {0:?} is not supported; expected {API_VERSION}")]
    ApiVersion(String),
}

/// Every node's field path and 1-based line and column (chunk-relative),
/// plus the document's top-level scalars (`kind`, `apiVersion`).
#[derive(Default)]
struct Scan {
    positions: Vec<(String, u64, u64)>,
    top: BTreeMap<String, String>,
}

/// A collection being walked.
struct Frame {
    path: String,
    /// Next item index (sequences).
    next: usize,
    /// `Some` for mappings: the key whose value comes next, `None` while
    /// a key is expected.
    key: Option<Option<String>>,
    /// This collection is itself a (complex) mapping key.
    is_key: bool,
}

/// Walks the parser's event stream to map field paths to positions.
///
/// An explicit stack instead of a recursive tree: input nesting is then
/// bounded by memory, not by the thread's stack.
fn scan(chunk: &str) -> Result<Scan, (u64, String)> {
    use serde_saphyr::granit_parser::{Event, Parser};
    let mut out = Scan::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut seen_root = false;
    for next in Parser::new_from_str(chunk) {
        let (event, span) = next.map_err(|e| (e.marker().line() as u64, e.info()))?;
        let (line, col) = (span.start.line() as u64, span.start.col() as u64 + 1);
        let opens = match &event {
            Event::Scalar(..) | Event::Alias(_) => None,
            Event::SequenceStart(..) => Some(false),
            Event::MappingStart(..) => Some(true),
            Event::SequenceEnd | Event::MappingEnd => {
                let done = stack.pop();
                if done.is_some_and(|f| f.is_key)
                    && let Some(parent) = stack.last_mut()
                {
                    parent.key = Some(Some("?".to_owned()));
                }
                continue;
            }
            Event::DocumentEnd if seen_root => break,
            _ => continue,
        };
        seen_root = true;
        // Where this node sits: its path, and whether it is a mapping key.
        let (path, is_key) = match stack.last_mut() {
            None => (String::new(), false),
            Some(top) => match &mut top.key {
                None => {
                    let path = format!("{}[{}]", top.path, top.next);
                    top.next += 1;
                    (path, false)
                }
                Some(None) => (top.path.clone(), true),
                Some(Some(key)) => {
                    let path = if top.path.is_empty() {
                        key.clone()
                    } else {
                        format!("{}.{key}", top.path)
                    };
                    top.key = Some(None);
                    (path, false)
                }
            },
        };
        if is_key {
            if let Event::Scalar(text, ..) = &event {
                let key = text.to_string();
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                out.positions.push((path, line, col));
                if let Some(top) = stack.last_mut() {
                    top.key = Some(Some(key));
                }
            } else if let Event::Alias(_) = &event
                && let Some(top) = stack.last_mut()
            {
                top.key = Some(Some("?".to_owned()));
            }
        } else {
            out.positions.push((path.clone(), line, col));
            if let Event::Scalar(text, ..) = &event
                && stack.len() == 1
                && !path.contains(['.', '['])
            {
                out.top.insert(path.clone(), text.to_string());
            }
        }
        if let Some(is_map) = opens {
            stack.push(Frame {
                path,
                next: 0,
                key: is_map.then_some(None),
                is_key,
            });
        }
    }
    Ok(out)
}

/// Reads every `TracingPolicy` and `TracingPolicyNamespaced` of a
/// multi-document YAML text.
///
/// Documents of other kinds (a Pod next to the policy, say) are skipped: a
/// policy file is often a whole demo manifest. A document that is not YAML,
/// does not decode, or has a field the schema does not know is reported
/// with the file, the line and the field path where known, and the other
/// documents are still returned.
pub fn parse_policies(file_name: &str, text: &str) -> (Vec<Policy>, Vec<PolicyError>) {
    let mut policies = Vec::new();
    let mut errors = Vec::new();
    for (first_line, chunk) in split_documents(text) {
        match parse_document(file_name, first_line, chunk) {
            Ok(Some(policy)) => policies.push(policy),
            Ok(None) => {}
            Err(mut errs) => errors.append(&mut errs),
        }
    }
    (policies, errors)
}

/// Splits at `---` lines, keeping each chunk's first line number (1-based).
///
/// Splitting by hand rather than with the parser's multi-document reader
/// lets a broken document be reported without losing the ones after it.
fn split_documents(text: &str) -> Vec<(u64, &str)> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1u64;
    let mut offset = 0usize;
    for (line_no, line) in (1u64..).zip(text.split_inclusive('\n')) {
        let bare = line.trim_end_matches(['\n', '\r']);
        let is_marker = bare == "---"
            || bare
                .strip_prefix("---")
                .is_some_and(|rest| rest.starts_with([' ', '\t']));
        if is_marker && offset > start {
            chunks.push((start_line, &text[start..offset]));
            start = offset;
            start_line = line_no;
        }
        offset += line.len();
    }
    if start < text.len() {
        chunks.push((start_line, &text[start..]));
    }
    chunks
}

/// Whether a chunk has anything but markers, comments and blank lines.
fn has_content(chunk: &str) -> bool {
    chunk.lines().any(|line| {
        let t = line.trim();
        // A `%YAML` directive belongs to the document after its `---`,
        // which is split off into the next chunk.
        !(t.is_empty() || t.starts_with(['#', '%']) || t == "---" || t == "...")
    })
}

fn parse_document(
    file: &str,
    first_line: u64,
    chunk: &str,
) -> Result<Option<Policy>, Vec<PolicyError>> {
    if !has_content(chunk) {
        return Ok(None);
    }
    let err = |line: Option<u64>, path: Option<String>, problem| PolicyError {
        file: file.to_owned(),
        line,
        path,
        problem,
    };
    let absolute = |line: u64| first_line + line.saturating_sub(1);
    let scan = scan(chunk).map_err(|(line, message)| {
        vec![err(Some(absolute(line)), None, ParseProblem::Yaml(message))]
    })?;
    let Some(kind) = scan.top.get("kind") else {
        return Ok(None);
    };
    let Some(kind) = PolicyKind::from_kind(kind) else {
        return Ok(None);
    };
    let positions = scan.positions;
    let line_of_path = |path: &str| {
        positions
            .iter()
            .find(|(p, _, _)| p == path)
            .map(|(_, l, _)| absolute(*l))
    };
    let api_version = scan.top.get("apiVersion").map(String::as_str);
    if api_version != Some(API_VERSION) {
        let problem = ParseProblem::ApiVersion(api_version.unwrap_or_default().to_owned());
        return Err(vec![err(
            line_of_path("apiVersion").or(Some(first_line)),
            Some("apiVersion".to_owned()),
            problem,
        )]);
    }

    let mut unknown = Vec::new();
    let decoded: Result<RawDocument, _> =
        serde_saphyr::with_deserializer_from_str_with_options(chunk, options(), |de| {
            serde_ignored::deserialize(de, |p| unknown.push(ignored_path(&p)))
        });
    let raw = decoded.map_err(|e| {
        let location = e.location();
        let line = location.map(|l| absolute(l.line()));
        // A decode error points at the offending node; the position tree
        // turns that point back into the field path.
        let path = location.and_then(|l| {
            positions
                .iter()
                .rev()
                .find(|(_, pl, pc)| *pl == l.line() && *pc == l.column())
                .map(|(p, _, _)| p.clone())
        });
        let message = short_message(&e);
        // serde notices a missing field at the end of its mapping, and the
        // location is then that of the mapping's last value: the error
        // belongs to the mapping, one level up.
        let (line, path) = match path {
            Some(path) if message.starts_with("missing field") => {
                let parent = parent_path(&path).to_owned();
                match line_of_path(&parent) {
                    Some(parent_line) => (Some(parent_line), Some(parent)),
                    None => (line, None),
                }
            }
            other => (line, other),
        };
        (line, path, message)
    });
    // An unknown field is often the cause of a decode error (a misspelt
    // required field), so both are reported.
    let mut errors: Vec<PolicyError> = unknown
        .into_iter()
        .map(|path| err(line_of_path(&path), Some(path), ParseProblem::UnknownField))
        .collect();
    let raw = match raw {
        Ok(raw) if errors.is_empty() => raw,
        Ok(_) => return Err(errors),
        Err((line, path, message)) => {
            errors.push(err(line, path, ParseProblem::Decode(message)));
            return Err(errors);
        }
    };

    let mut source = Source::new(file, first_line);
    for (path, line, _) in positions {
        // Keys come first in the walk: keep the key's line for a path.
        source.positions.entry(path).or_insert(absolute(line));
    }
    Ok(Some(Policy {
        kind,
        metadata: raw.metadata,
        spec: raw.spec,
        source,
    }))
}

/// `a.b[0].c` -> `a.b[0]`, `a.b[0]` -> `a.b`, `a` -> `` (the document).
fn parent_path(path: &str) -> &str {
    let cut = match (path.rfind('.'), path.rfind('[')) {
        (Some(dot), Some(bracket)) => dot.max(bracket),
        (Some(at), None) | (None, Some(at)) => at,
        (None, None) => 0,
    };
    &path[..cut]
}

/// Parser options: a policy nests about ten levels deep, and a tighter
/// depth budget than the default keeps hostile nesting far from the stack
/// limit of a debug build's test thread.
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// Deepest nesting accepted in a policy document.
const MAX_DEPTH: usize = 32;

/// The first line of a parser message: serde-saphyr appends a source
/// snippet, which the position already points at.
fn short_message(e: &serde_saphyr::Error) -> String {
    let full = e.to_string();
    let mut first = full.lines().next().unwrap_or_default().trim();
    first = first.strip_prefix("error:").unwrap_or(first).trim_start();
    // The chunk-relative "line N column M:" would contradict the absolute
    // line the error carries.
    if let Some(rest) = first.strip_prefix("line ")
        && let Some((_, after)) = rest.split_once(": ")
    {
        first = after;
    }
    first.to_owned()
}

/// `spec.kprobes[0].foo` from serde_ignored's path.
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    fn walk(path: &serde_ignored::Path<'_>, out: &mut String) {
        match path {
            serde_ignored::Path::Root => {}
            serde_ignored::Path::Seq { parent, index } => {
                walk(parent, out);
                out.push_str(&format!("[{index}]"));
            }
            serde_ignored::Path::Map { parent, key } => {
                walk(parent, out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => walk(parent, out),
        }
    }
    let mut out = String::new();
    walk(path, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: p
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: first
spec:
  kprobes:
  - call: \"sys_write\"
    args:
    - index: 0
      type: int
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: [\"1\"]
      matchActions:
      - action: Sigkill
    - matchPIDs:
      - operator: NotIn
        values: [1]
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicyNamespaced
metadata:
  name: second
  namespace: ns
spec:
  kprobes:
  - call: sys_read
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        valuez: [a]
";

    #[test]
    fn reads_policies_skips_other_kinds_and_reports_unknown_fields() {
        let (policies, errors) = parse_policies("p.yaml", TWO);
        assert_eq!(policies.len(), 1, "{errors:?}");
        let p = &policies[0];
        assert_eq!(p.kind, PolicyKind::TracingPolicy);
        assert_eq!(p.metadata.name, "first");
        let k = &p.spec.kprobes[0];
        assert_eq!(k.call, "sys_write");
        assert!(k.syscall, "syscall defaults to true");
        assert_eq!(k.args[0].type_name(), "int");
        assert_eq!(k.selectors.len(), 2);
        assert_eq!(p.source.line, 5);
        assert_eq!(p.line_of("spec.kprobes[0].call"), Some(12));
        assert_eq!(
            p.line_of("spec.kprobes[0].selectors[1].matchPIDs[0].operator"),
            Some(24)
        );
        assert_eq!(p.spec.kprobes[0].selectors[1].match_pids[0].values, vec![1]);

        assert_eq!(errors.len(), 1, "{errors:?}");
        let e = &errors[0];
        assert_eq!(e.problem, ParseProblem::UnknownField);
        assert_eq!(
            e.path.as_deref(),
            Some("spec.kprobes[0].selectors[0].matchArgs[0].valuez")
        );
        assert_eq!(e.line, Some(39));
        assert_eq!(
            e.to_string(),
            "p.yaml:39: spec.kprobes[0].selectors[0].matchArgs[0].valuez: unknown field"
        );
    }

    #[test]
    fn a_missing_field_is_reported_at_the_mapping_that_lacks_it() {
        let text = "\
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata: {name: x}
spec:
  kprobes:
  - syscall: false
    args:
    - index: 0
      type: file
    selectors:
    - matchActions:
      - action: Sigkill
";
        let (_, errors) = parse_policies("f.yaml", text);
        assert_eq!(errors.len(), 1, "{errors:?}");
        let e = &errors[0];
        assert_eq!(e.path.as_deref(), Some("spec.kprobes[0]"), "{e}");
        assert_eq!(e.line, Some(6), "{e}");
        assert!(e.to_string().contains("missing field `call`"), "{e}");

        let text = text
            .replace("- syscall: false", "- call: sys_write")
            .replace("- index: 0\n      type: file", "- type: file");
        let (_, errors) = parse_policies("f.yaml", &text);
        let e = &errors[0];
        assert_eq!(e.path.as_deref(), Some("spec.kprobes[0].args[0]"), "{e}");
        assert_eq!(e.line, Some(8), "{e}");
        assert!(e.to_string().contains("missing field `index`"), "{e}");
    }

    #[test]
    fn a_decode_error_names_file_line_and_path() {
        let text = "\
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata: {name: x}
spec:
  kprobes:
  - call: sys_write
    selectors:
    - matchPIDs:
      - operator: In
        values: [notanumber]
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata: {name: ok}
spec: {}
";
        let (policies, errors) = parse_policies("f.yaml", text);
        assert_eq!(policies.len(), 1);
        assert_eq!(policies[0].metadata.name, "ok");
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!(e.line, Some(10), "{e}");
        assert_eq!(
            e.path.as_deref(),
            Some("spec.kprobes[0].selectors[0].matchPIDs[0].values[0]"),
            "{e}"
        );
        assert!(matches!(e.problem, ParseProblem::Decode(_)));
    }

    #[test]
    fn a_missing_required_field_and_bad_yaml_are_reported() {
        let text = "\
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata: {name: x}
spec:
  kprobes:
  - syscall: false
---
a: [unclosed
---
apiVersion: cilium.io/v1beta9
kind: TracingPolicy
";
        let (policies, errors) = parse_policies("f.yaml", text);
        assert!(policies.is_empty());
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].to_string().contains("call"), "{}", errors[0]);
        assert!(matches!(errors[1].problem, ParseProblem::Yaml(_)));
        assert!(errors[1].line.is_some_and(|l| l >= 7), "{}", errors[1]);
        assert_eq!(
            errors[2].problem,
            ParseProblem::ApiVersion("cilium.io/v1beta9".into())
        );
        assert_eq!(errors[2].line, Some(10));
    }

    #[test]
    fn nulls_read_as_empty_and_host_selector_keeps_null_apart_from_empty() {
        let text = "\
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: x
  uid: abc
  resourceVersion: \"12\"
spec:
  hostSelector: {}
  kprobes:
  - call: sys_write
    selectors:
";
        let (policies, errors) = parse_policies("f.yaml", text);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(policies[0].spec.kprobes[0].selectors.is_empty());
        assert_eq!(
            policies[0].spec.host_selector,
            Some(LabelSelector::default())
        );
        let text = text.replace("hostSelector: {}", "hostSelector: null");
        let (policies, _) = parse_policies("f.yaml", &text);
        assert_eq!(policies[0].spec.host_selector, None);
    }

    #[test]
    fn empty_and_comment_only_documents_are_skipped() {
        let (p, e) = parse_policies("f.yaml", "# nothing\n---\n---\n\n");
        assert!(p.is_empty() && e.is_empty());
        let (p, e) = parse_policies("f.yaml", "");
        assert!(p.is_empty() && e.is_empty());
        let text =
            "%YAML 1.2\n---\napiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nspec: {}\n";
        let (p, e) = parse_policies("f.yaml", text);
        assert_eq!((p.len(), e.len()), (1, 0), "{e:?}");
    }
}
