//! Checks a decoded policy against Tetragon's CRD rules and the limits its
//! BPF programs impose, so a policy is refused up front with the field and
//! the limit named, rather than failing (or silently truncating) at load.

use std::collections::BTreeSet;

use crate::policy::{
    ActionSelector, ArgSelector, BinarySelector, HookKind, HookRef, KProbeArg, LabelSelector,
    Policy, PolicyKind, Selector,
};

/// Most selectors on one hook.
pub const MAX_SELECTORS: usize = 5;
/// Most `matchArgs` entries in one selector.
pub const MAX_MATCH_ARGS: usize = 5;
/// Most values of a numeric `matchArgs` operator.
pub const MAX_NUMERIC_VALUES: usize = 4;
/// Most values of a `matchPIDs` entry.
pub const MAX_PID_VALUES: usize = 4;
/// Most `matchBinaries` (and `matchParentBinaries`) entries.
pub const MAX_BINARY_SELECTORS: usize = 1;
/// Most `matchNamespaces` entries (kernels >= 5.3).
pub const MAX_NAMESPACE_SELECTORS: usize = 10;
/// Most values of a `matchNamespaces` entry.
pub const MAX_NAMESPACE_VALUES: usize = 4;
/// Most tags on a hook.
pub const MAX_TAGS: usize = 16;
/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 256;
/// Longest `Prefix` operand, in bytes.
pub const MAX_PREFIX_BYTES: usize = 256;
/// Longest `Postfix` operand, in bytes.
pub const MAX_POSTFIX_BYTES: usize = 128;
/// Largest `sizeArgIndex`.
pub const MAX_SIZE_ARG_INDEX: u32 = 15;

/// Argument types Tetragon knows.
pub const ARG_TYPES: &[&str] = &[
    "auto",
    "int",
    "sint8",
    "int8",
    "uint8",
    "sint16",
    "int16",
    "uint16",
    "uint32",
    "sint32",
    "int32",
    "ulong",
    "uint64",
    "size_t",
    "long",
    "sint64",
    "int64",
    "char_buf",
    "char_iovec",
    "skb",
    "sock",
    "sockaddr",
    "socket",
    "sockaddr_un",
    "string",
    "fd",
    "file",
    "filename",
    "path",
    "nop",
    "bpf_attr",
    "perf_event",
    "bpf_map",
    "user_namespace",
    "capability",
    "kiocb",
    "iov_iter",
    "cred",
    "const_buf",
    "load_info",
    "module",
    "syscall64",
    "kernel_cap_t",
    "cap_inheritable",
    "cap_permitted",
    "cap_effective",
    "linux_binprm",
    "data_loc",
    "net_device",
    "bpf_cmd",
    "dentry",
    "bpf_prog",
];

/// Argument types compared as numbers (their `Equal` values live in the
/// selector itself, hence the small limit).
const NUMERIC_ARG_TYPES: &[&str] = &[
    "int",
    "sint8",
    "int8",
    "uint8",
    "sint16",
    "int16",
    "uint16",
    "uint32",
    "sint32",
    "int32",
    "ulong",
    "uint64",
    "size_t",
    "long",
    "sint64",
    "int64",
    "syscall64",
];

/// `matchArgs` operators Tetragon knows.
pub const ARG_OPERATORS: &[&str] = &[
    "Equal",
    "NotEqual",
    "Prefix",
    "NotPrefix",
    "Postfix",
    "NotPostfix",
    "GreaterThan",
    "LessThan",
    "GT",
    "LT",
    "Mask",
    "SPort",
    "NotSPort",
    "SPortPriv",
    "NotSportPriv",
    "DPort",
    "NotDPort",
    "DPortPriv",
    "NotDPortPriv",
    "SAddr",
    "NotSAddr",
    "DAddr",
    "NotDAddr",
    "Protocol",
    "Family",
    "State",
    "InMap",
    "NotInMap",
    "CapabilitiesGained",
    "InRange",
    "NotInRange",
    "SubString",
    "SubStringIgnCase",
    "CelExpr",
    "FileType",
    "NotFileType",
];

/// Operators that are numeric whatever the argument type.
const ALWAYS_NUMERIC_OPERATORS: &[&str] = &["GreaterThan", "LessThan", "GT", "LT", "Mask"];

/// Actions Tetragon knows.
pub const ACTIONS: &[&str] = &[
    "Post",
    "Sigkill",
    "Override",
    "GetUrl",
    "DnsLookup",
    "NoPost",
    "Signal",
    "TrackSock",
    "UntrackSock",
    "NotifyEnforcer",
    "CleanupEnforcerNotification",
    "Set",
];

/// Actions Tetragon deprecated and then dropped from the CRD.
const REMOVED_ACTIONS: &[&str] = &["FollowFD", "UnfollowFD", "CopyFD"];

/// `matchBinaries` operators.
const BINARY_OPERATORS: &[&str] = &[
    "In",
    "NotIn",
    "Prefix",
    "NotPrefix",
    "Postfix",
    "NotPostfix",
];

/// `matchNamespaces` namespace names.
pub const NAMESPACES: &[&str] = &[
    "Uts",
    "Ipc",
    "Mnt",
    "Pid",
    "PidForChildren",
    "Net",
    "Time",
    "TimeForChildren",
    "Cgroup",
    "User",
];

/// Capability names, in kernel bit order.
pub const CAPABILITIES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// One problem in a policy, at a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct ValidationError {
    /// Field path, e.g. `spec.kprobes[0].selectors`.
    pub path: String,
    /// 1-based line of that field, when the policy was read from YAML.
    pub line: Option<u64>,
    /// What is wrong.
    pub problem: Problem,
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// More items than Tetragon allows.
    #[error("{count} {what}; the limit is {limit}")]
    TooMany {
        /// What was counted (`selectors`, `values for numeric operator "Equal"`).
        what: String,
        /// How many there are.
        count: usize,
        /// The most allowed.
        limit: usize,
    },
    /// A string longer than Tetragon allows.
    #[error("{len} {unit}; the limit is {limit}")]
    TooLong {
        /// `characters` or `bytes`.
        unit: &'static str,
        /// The length.
        len: usize,
        /// The most allowed.
        limit: usize,
    },
    /// A value outside an enumeration.
    #[error("unknown {what} {value:?}; expected one of: {}", expected.join(", "))]
    Unknown {
        /// What kind of value (`argument type`, `operator`, ...).
        what: &'static str,
        /// The value as written.
        value: String,
        /// The accepted values.
        expected: Vec<&'static str>,
    },
    /// An action Tetragon no longer has.
    #[error(
        "action {0:?} was deprecated and then removed from Tetragon; read the file with a `file` or `fd` argument type instead"
    )]
    RemovedAction(String),
    /// The CRD's rule for `return: true`.
    #[error("ReturnArg not specified with Return=true.")]
    ReturnArgMissing,
    /// A selector refers to an argument the hook does not read.
    #[error("index {index} does not refer to a declared {what} (declared: {declared})")]
    UndeclaredArg {
        /// The index in the selector.
        index: u32,
        /// `argument`, `data argument`, `return argument`.
        what: &'static str,
        /// The declared indexes, or `none`.
        declared: String,
    },
    /// An action without the parameter it needs.
    #[error("action {action} needs {field}")]
    ActionNeeds {
        /// The action.
        action: &'static str,
        /// The missing field.
        field: &'static str,
    },
    /// A required value is empty.
    #[error("must not be empty")]
    Empty,
    /// A `list:<name>` or macro reference to nothing.
    #[error("{what} {name:?} is not defined")]
    Undefined {
        /// `list` or `selector macro`.
        what: &'static str,
        /// The name referenced.
        name: String,
    },
    /// Any other rule, stated in full.
    #[error("{0}")]
    Rule(&'static str),
}

/// Every problem in `policy`, in spec order; empty when it is valid.
pub fn validate(policy: &Policy) -> Vec<ValidationError> {
    let mut v = Validator {
        policy,
        errors: Vec::new(),
        lists: policy.spec.lists.iter().map(|l| l.name.as_str()).collect(),
    };
    v.policy_level();
    for hook in policy.hooks() {
        v.hook(&hook);
    }
    v.errors
}

struct Validator<'a> {
    policy: &'a Policy,
    errors: Vec<ValidationError>,
    lists: BTreeSet<&'a str>,
}

impl Validator<'_> {
    fn push(&mut self, path: String, problem: Problem) {
        let line = self.policy.line_of(&path);
        self.errors.push(ValidationError {
            path,
            line,
            problem,
        });
    }

    fn too_many(&mut self, path: String, what: impl Into<String>, count: usize, limit: usize) {
        if count > limit {
            let what = what.into();
            self.push(path, Problem::TooMany { what, count, limit });
        }
    }

    fn one_of(&mut self, path: String, what: &'static str, value: &str, expected: &[&'static str]) {
        if !expected.contains(&value) {
            let problem = Problem::Unknown {
                what,
                value: value.to_owned(),
                expected: expected.to_vec(),
            };
            self.push(path, problem);
        }
    }

    fn list_ref(&mut self, path: String, value: &str) {
        if let Some(name) = value.strip_prefix("list:")
            && !self.lists.contains(name)
        {
            let problem = Problem::Undefined {
                what: "list",
                name: name.to_owned(),
            };
            self.push(path, problem);
        }
    }

    fn policy_level(&mut self) {
        let spec = &self.policy.spec;
        if let Some(host) = &spec.host_selector {
            match self.policy.kind {
                // Tetragon: a namespaced policy only ever sees its own pods.
                PolicyKind::TracingPolicyNamespaced => self.push(
                    "spec.hostSelector".into(),
                    Problem::Rule(
                        "a TracingPolicyNamespaced cannot select host workloads; hostSelector must be null",
                    ),
                ),
                PolicyKind::TracingPolicy
                    if !host.match_labels.is_empty() || !host.match_expressions.is_empty() =>
                {
                    self.push(
                        "spec.hostSelector".into(),
                        Problem::Rule(
                            "hostSelector is either null (no host workloads) or {} (all of them); matchLabels and matchExpressions are not allowed",
                        ),
                    )
                }
                PolicyKind::TracingPolicy => {}
            }
        }
        for (field, selector) in [
            ("podSelector", &spec.pod_selector),
            ("containerSelector", &spec.container_selector),
            ("nodeSelector", &spec.node_selector),
        ] {
            if let Some(selector) = selector {
                self.label_selector(format!("spec.{field}"), selector);
            }
        }
        for (i, list) in spec.lists.iter().enumerate() {
            let path = format!("spec.lists[{i}]");
            if list.name.is_empty() {
                self.push(format!("{path}.name"), Problem::Empty);
            }
            if let Some(t) = &list.list_type {
                self.one_of(
                    format!("{path}.type"),
                    "list type",
                    t,
                    &["syscalls", "generated_syscalls", "generated_ftrace"],
                );
            }
        }
        for (i, enforcer) in spec.enforcers.iter().enumerate() {
            for (j, call) in enforcer.calls.iter().enumerate() {
                self.list_ref(format!("spec.enforcers[{i}].calls[{j}]"), call);
            }
        }
        for (i, option) in spec.options.iter().enumerate() {
            if option.name == "policy-mode" {
                self.one_of(
                    format!("spec.options[{i}].value"),
                    "policy mode",
                    option.value.as_deref().unwrap_or_default(),
                    &["monitoring", "enforcement"],
                );
            }
        }
        for (i, u) in spec.uprobes.iter().enumerate() {
            let given = [
                !u.symbols.is_empty(),
                !u.offsets.is_empty(),
                !u.addrs.is_empty(),
            ];
            if given.iter().filter(|g| **g).count() > 1 {
                self.push(
                    format!("spec.uprobes[{i}]"),
                    Problem::Rule("give at most one of symbols, offsets and addrs"),
                );
            }
        }
        for (name, selector) in &spec.selectors_macros {
            // Macros are selectors without a hook: nothing to resolve
            // argument indexes against, so only the hook-free checks run.
            self.selector(&format!("spec.selectorsMacros.{name}"), selector, None);
        }
    }

    fn label_selector(&mut self, path: String, selector: &LabelSelector) {
        for (i, e) in selector.match_expressions.iter().enumerate() {
            self.one_of(
                format!("{path}.matchExpressions[{i}].operator"),
                "label selector operator",
                &e.operator,
                &["In", "NotIn", "Exists", "DoesNotExist"],
            );
        }
    }

    fn hook(&mut self, hook: &HookRef<'_>) {
        let path = hook.path();
        if hook.name.is_empty() {
            let field = match hook.kind {
                HookKind::Kprobe | HookKind::Fentry => "call",
                HookKind::Tracepoint => "subsystem",
                HookKind::Uprobe => "path",
                HookKind::LsmHook => "hook",
                HookKind::Usdt => "provider",
            };
            self.push(format!("{path}.{field}"), Problem::Empty);
        }
        if hook.event.is_some_and(str::is_empty) {
            let field = if hook.kind == HookKind::Usdt {
                "name"
            } else {
                "event"
            };
            self.push(format!("{path}.{field}"), Problem::Empty);
        }
        if matches!(hook.kind, HookKind::Kprobe | HookKind::Fentry) {
            self.list_ref(format!("{path}.call"), hook.name);
        }
        self.too_many(format!("{path}.tags"), "tags", hook.tags.len(), MAX_TAGS);
        if let Some(message) = hook.message {
            let len = message.chars().count();
            if len > MAX_MESSAGE_CHARS {
                let problem = Problem::TooLong {
                    unit: "characters",
                    len,
                    limit: MAX_MESSAGE_CHARS,
                };
                self.push(format!("{path}.message"), problem);
            }
        }
        for (field, args) in [("args", hook.args), ("data", hook.data)] {
            for (i, arg) in args.iter().enumerate() {
                self.arg(format!("{path}.{field}[{i}]"), arg);
            }
        }
        if let Some(arg) = hook.return_arg {
            self.arg(format!("{path}.returnArg"), arg);
        }
        if hook.hooks_return && hook.return_arg.is_none() {
            self.push(format!("{path}.returnArg"), Problem::ReturnArgMissing);
        }
        self.too_many(
            format!("{path}.selectors"),
            "selectors",
            hook.selectors.len(),
            MAX_SELECTORS,
        );
        for (i, selector) in hook.selectors.iter().enumerate() {
            self.selector(&format!("{path}.selectors[{i}]"), selector, Some(hook));
        }
    }

    fn arg(&mut self, path: String, arg: &KProbeArg) {
        let ty = arg.type_name();
        self.one_of(format!("{path}.type"), "argument type", ty, ARG_TYPES);
        if let Some(size) = arg.size_arg_index.filter(|s| *s != 0) {
            if size > MAX_SIZE_ARG_INDEX {
                self.push(
                    format!("{path}.sizeArgIndex"),
                    Problem::Rule("sizeArgIndex is at most 15"),
                );
            }
            if !matches!(ty, "char_buf" | "char_iovec") {
                self.push(
                    format!("{path}.sizeArgIndex"),
                    Problem::Rule("sizeArgIndex applies only to char_buf and char_iovec arguments"),
                );
            }
        }
    }

    fn selector(&mut self, path: &str, selector: &Selector, hook: Option<&HookRef<'_>>) {
        for (i, name) in selector.macros.iter().enumerate() {
            if !self.policy.spec.selectors_macros.contains_key(name) {
                let problem = Problem::Undefined {
                    what: "selector macro",
                    name: name.clone(),
                };
                self.push(format!("{path}.macros[{i}]"), problem);
            }
        }
        self.too_many(
            format!("{path}.matchArgs"),
            "matchArgs entries",
            selector.match_args.len(),
            MAX_MATCH_ARGS,
        );
        let (args, data, ret) = match hook {
            Some(h) => (Some(h.args), Some(h.data), Some(h.return_arg)),
            None => (None, None, None),
        };
        // Tracepoint args carry the tracepoint's field index, so a selector
        // names them by position in `args`; every other hook by `index`.
        let by_position = hook.is_some_and(|h| h.kind == HookKind::Tracepoint);
        for (i, m) in selector.match_args.iter().enumerate() {
            let declared = args.map(|a| Declared::Args(a, by_position));
            self.arg_filter(format!("{path}.matchArgs[{i}]"), m, declared, "argument");
        }
        for (i, m) in selector.match_data.iter().enumerate() {
            let declared = data.map(|a| Declared::Args(a, false));
            self.arg_filter(
                format!("{path}.matchData[{i}]"),
                m,
                declared,
                "data argument",
            );
        }
        for (i, m) in selector.match_return_args.iter().enumerate() {
            let declared = ret.map(Declared::Return);
            self.arg_filter(
                format!("{path}.matchReturnArgs[{i}]"),
                m,
                declared,
                "return argument",
            );
        }
        for (i, pids) in selector.match_pids.iter().enumerate() {
            let p = format!("{path}.matchPIDs[{i}]");
            self.one_of(
                format!("{p}.operator"),
                "operator",
                &pids.operator,
                &["In", "NotIn"],
            );
            self.too_many(
                format!("{p}.values"),
                "values",
                pids.values.len(),
                MAX_PID_VALUES,
            );
        }
        for (field, list) in [
            ("matchBinaries", &selector.match_binaries),
            ("matchParentBinaries", &selector.match_parent_binaries),
        ] {
            self.too_many(
                format!("{path}.{field}"),
                format!("{field} entries"),
                list.len(),
                MAX_BINARY_SELECTORS,
            );
            for (i, b) in list.iter().enumerate() {
                self.binaries(format!("{path}.{field}[{i}]"), b);
            }
        }
        self.too_many(
            format!("{path}.matchNamespaces"),
            "matchNamespaces entries",
            selector.match_namespaces.len(),
            MAX_NAMESPACE_SELECTORS,
        );
        for (i, ns) in selector.match_namespaces.iter().enumerate() {
            let p = format!("{path}.matchNamespaces[{i}]");
            self.one_of(
                format!("{p}.namespace"),
                "namespace",
                &ns.namespace,
                NAMESPACES,
            );
            self.one_of(
                format!("{p}.operator"),
                "operator",
                &ns.operator,
                &["In", "NotIn"],
            );
            self.too_many(
                format!("{p}.values"),
                "values",
                ns.values.len(),
                MAX_NAMESPACE_VALUES,
            );
        }
        for (i, ns) in selector.match_namespace_changes.iter().enumerate() {
            let p = format!("{path}.matchNamespaceChanges[{i}]");
            self.one_of(
                format!("{p}.operator"),
                "operator",
                &ns.operator,
                &["In", "NotIn"],
            );
            for (j, value) in ns.values.iter().enumerate() {
                self.one_of(format!("{p}.values[{j}]"), "namespace", value, NAMESPACES);
            }
        }
        for (field, list) in [
            ("matchCapabilities", &selector.match_capabilities),
            ("matchCapabilityChanges", &selector.match_capability_changes),
        ] {
            for (i, caps) in list.iter().enumerate() {
                let p = format!("{path}.{field}[{i}]");
                if let Some(t) = &caps.cap_type {
                    self.one_of(
                        format!("{p}.type"),
                        "capability set",
                        t,
                        &["Effective", "Inheritable", "Permitted"],
                    );
                }
                self.one_of(
                    format!("{p}.operator"),
                    "operator",
                    &caps.operator,
                    &["In", "NotIn"],
                );
                for (j, value) in caps.values.iter().enumerate() {
                    self.one_of(
                        format!("{p}.values[{j}]"),
                        "capability",
                        value,
                        CAPABILITIES,
                    );
                }
            }
        }
        if let Some(w) = &selector.match_workloads {
            for (field, s) in [
                ("podSelector", &w.pod_selector),
                ("containerSelector", &w.container_selector),
                ("hostSelector", &w.host_selector),
            ] {
                if let Some(s) = s {
                    self.label_selector(format!("{path}.matchWorkloads.{field}"), s);
                }
            }
        }
        for (field, list) in [
            ("matchActions", &selector.match_actions),
            ("matchReturnActions", &selector.match_return_actions),
        ] {
            for (i, action) in list.iter().enumerate() {
                self.action(format!("{path}.{field}[{i}]"), action);
            }
        }
    }

    fn arg_filter(
        &mut self,
        path: String,
        m: &ArgSelector,
        declared: Option<Declared<'_>>,
        what: &'static str,
    ) {
        self.one_of(
            format!("{path}.operator"),
            "operator",
            &m.operator,
            ARG_OPERATORS,
        );
        let indexes: Vec<u32> = m.index.into_iter().chain(m.args.iter().copied()).collect();
        if indexes.is_empty() {
            self.push(
                format!("{path}.index"),
                Problem::Rule("give the argument with index (or args)"),
            );
        }
        let mut numeric = ALWAYS_NUMERIC_OPERATORS.contains(&m.operator.as_str());
        if let Some(declared) = declared {
            for index in &indexes {
                match declared.lookup(*index) {
                    Some(arg) => {
                        if matches!(m.operator.as_str(), "Equal" | "NotEqual")
                            && NUMERIC_ARG_TYPES.contains(&arg.type_name())
                        {
                            numeric = true;
                        }
                    }
                    None => {
                        let problem = Problem::UndeclaredArg {
                            index: *index,
                            what,
                            declared: declared.describe(),
                        };
                        self.push(format!("{path}.index"), problem);
                    }
                }
            }
        }
        if numeric {
            self.too_many(
                format!("{path}.values"),
                format!("values for numeric operator {:?}", m.operator),
                m.values.len(),
                MAX_NUMERIC_VALUES,
            );
        }
        for (i, value) in m.values.iter().enumerate() {
            self.affix(format!("{path}.values[{i}]"), &m.operator, value);
            if matches!(m.operator.as_str(), "InMap" | "NotInMap") {
                self.list_ref(format!("{path}.values[{i}]"), value);
            }
        }
    }

    fn binaries(&mut self, path: String, b: &BinarySelector) {
        self.one_of(
            format!("{path}.operator"),
            "operator",
            &b.operator,
            BINARY_OPERATORS,
        );
        for (i, value) in b.values.iter().enumerate() {
            self.affix(format!("{path}.values[{i}]"), &b.operator, value);
        }
    }

    /// Prefix and postfix operands are matched in fixed-size BPF buffers.
    fn affix(&mut self, path: String, operator: &str, value: &str) {
        let limit = match operator {
            "Prefix" | "NotPrefix" => MAX_PREFIX_BYTES,
            "Postfix" | "NotPostfix" => MAX_POSTFIX_BYTES,
            _ => return,
        };
        if value.len() > limit {
            let problem = Problem::TooLong {
                unit: "bytes",
                len: value.len(),
                limit,
            };
            self.push(path, problem);
        }
    }

    fn action(&mut self, path: String, a: &ActionSelector) {
        let name = a.action.as_str();
        if let Some(removed) = REMOVED_ACTIONS
            .iter()
            .find(|r| r.eq_ignore_ascii_case(name))
        {
            self.push(
                format!("{path}.action"),
                Problem::RemovedAction((*removed).to_owned()),
            );
            return;
        }
        self.one_of(format!("{path}.action"), "action", name, ACTIONS);
        match name {
            "Override" if a.arg_error.is_none() && a.arg_regs.is_empty() && !redirects(a) => {
                let problem = Problem::ActionNeeds {
                    action: "Override",
                    field: "argError",
                };
                self.push(path.clone(), problem);
            }
            "Signal" if a.arg_sig.is_none() => {
                let problem = Problem::ActionNeeds {
                    action: "Signal",
                    field: "argSig",
                };
                self.push(path.clone(), problem);
            }
            "NotifyEnforcer" if a.arg_sig.is_none() && a.arg_error.is_none() => {
                let problem = Problem::ActionNeeds {
                    action: "NotifyEnforcer",
                    field: "argError or argSig",
                };
                self.push(path.clone(), problem);
            }
            "TrackSock" | "UntrackSock" if a.arg_sock.is_none() => {
                let problem = Problem::ActionNeeds {
                    action: if name == "TrackSock" {
                        "TrackSock"
                    } else {
                        "UntrackSock"
                    },
                    field: "argSock",
                };
                self.push(path.clone(), problem);
            }
            _ => {}
        }
        let redirections = [
            a.arg_new_symbol.is_some(),
            a.arg_new_addr.is_some(),
            a.arg_new_offset.is_some(),
        ];
        if redirections.iter().filter(|r| **r).count() > 1 {
            self.push(
                path.clone(),
                Problem::Rule("give at most one of argNewSymbol, argNewAddr and argNewOffset"),
            );
        }
        if let Some(scope) = &a.rate_limit_scope {
            self.one_of(
                format!("{path}.rateLimitScope"),
                "rate limit scope",
                scope,
                &["thread", "process", "global"],
            );
        }
    }
}

fn redirects(a: &ActionSelector) -> bool {
    a.arg_new_symbol.is_some() || a.arg_new_addr.is_some() || a.arg_new_offset.is_some()
}

/// The arguments a selector's indexes resolve against.
#[derive(Clone, Copy)]
enum Declared<'a> {
    /// `args` or `data`; `true` when indexes are positions in the list.
    Args(&'a [KProbeArg], bool),
    /// The return argument (index 0), if any.
    Return(Option<&'a KProbeArg>),
}

impl<'a> Declared<'a> {
    fn lookup(self, index: u32) -> Option<&'a KProbeArg> {
        match self {
            Declared::Args(args, true) => args.get(usize::try_from(index).ok()?),
            Declared::Args(args, false) => args.iter().find(|a| a.index == index),
            Declared::Return(ret) => ret.filter(|_| index == 0),
        }
    }

    fn describe(self) -> String {
        let list: Vec<String> = match self {
            Declared::Args(args, true) => (0..args.len()).map(|i| i.to_string()).collect(),
            Declared::Args(args, false) => args.iter().map(|a| a.index.to_string()).collect(),
            Declared::Return(Some(_)) => vec!["0".to_owned()],
            Declared::Return(None) => Vec::new(),
        };
        if list.is_empty() {
            "none".to_owned()
        } else {
            list.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_policies;
    use serde_json::{Value, json};

    fn policy_of(kind: &str, spec: Value) -> Policy {
        let doc = json!({
            "apiVersion": "cilium.io/v1alpha1",
            "kind": kind,
            "metadata": {"name": "t"},
            "spec": spec,
        });
        let (mut policies, errors) = parse_policies("t.yaml", &doc.to_string());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(policies.len(), 1);
        policies.remove(0)
    }

    /// The messages for a policy with one kprobe.
    fn errors_of(kprobe: Value) -> Vec<String> {
        let p = policy_of("TracingPolicy", json!({"kprobes": [kprobe]}));
        validate(&p).iter().map(ToString::to_string).collect()
    }

    fn int_args() -> Value {
        json!([{"index": 0, "type": "int"}, {"index": 1, "type": "file"}])
    }

    #[test]
    fn the_examples_shape_is_valid() {
        let errors = errors_of(json!({
            "call": "security_file_permission", "syscall": false, "return": true,
            "args": int_args(), "returnArg": {"index": 0, "type": "int"},
            "selectors": [{"matchArgs": [
                {"index": 1, "operator": "Prefix", "values": ["/a","/b","/c","/d","/e","/f"]},
                {"index": 0, "operator": "Equal", "values": ["4"]}],
                "matchActions": [{"action": "Sigkill"}]}],
        }));
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn too_many_selectors_names_the_limit() {
        let selectors: Vec<Value> = (0..6)
            .map(|_| json!({"matchPIDs": [{"operator": "In", "values": [1]}]}))
            .collect();
        let errors = errors_of(json!({"call": "sys_write", "selectors": selectors}));
        assert_eq!(
            errors,
            ["spec.kprobes[0].selectors: 6 selectors; the limit is 5"]
        );
    }

    #[test]
    fn numeric_operators_take_at_most_four_values_strings_more() {
        let errors = errors_of(
            json!({"call": "sys_write", "args": int_args(), "selectors": [{"matchArgs": [
                {"index": 0, "operator": "Equal", "values": ["1","2","3","4","5"]},
                {"index": 1, "operator": "Equal", "values": ["/1","/2","/3","/4","/5"]},
                {"index": 1, "operator": "Mask", "values": ["1","2","3","4","5"]},
            ]}]}),
        );
        assert_eq!(
            errors,
            [
                "spec.kprobes[0].selectors[0].matchArgs[0].values: 5 values for numeric operator \"Equal\"; the limit is 4",
                "spec.kprobes[0].selectors[0].matchArgs[2].values: 5 values for numeric operator \"Mask\"; the limit is 4",
            ]
        );
    }

    #[test]
    fn selector_item_limits() {
        let errors = errors_of(
            json!({"call": "sys_write", "args": int_args(), "selectors": [{
                "matchArgs": (0..6).map(|_| json!({"index": 0, "operator": "Equal", "values": ["1"]})).collect::<Vec<_>>(),
                "matchPIDs": [{"operator": "In", "values": [1,2,3,4,5]}],
                "matchBinaries": [{"operator": "In", "values": ["/a"]}, {"operator": "In", "values": ["/b"]}],
                "matchNamespaces": (0..11).map(|i| json!({"namespace": "Pid", "operator": "In",
                    "values": if i == 0 { json!(["1","2","3","4","5"]) } else { json!(["1"]) }})).collect::<Vec<_>>(),
            }]}),
        );
        let s = "spec.kprobes[0].selectors[0]";
        assert_eq!(
            errors,
            [
                format!("{s}.matchArgs: 6 matchArgs entries; the limit is 5"),
                format!("{s}.matchPIDs[0].values: 5 values; the limit is 4"),
                format!("{s}.matchBinaries: 2 matchBinaries entries; the limit is 1"),
                format!("{s}.matchNamespaces: 11 matchNamespaces entries; the limit is 10"),
                format!("{s}.matchNamespaces[0].values: 5 values; the limit is 4"),
            ]
        );
    }

    #[test]
    fn tags_message_prefix_and_postfix_lengths() {
        let tags: Vec<String> = (0..17).map(|i| format!("t{i}")).collect();
        let errors = errors_of(
            json!({"call": "sys_write", "args": int_args(), "tags": tags,
            "message": "m".repeat(257),
            "selectors": [{"matchArgs": [
                {"index": 1, "operator": "Prefix", "values": ["p".repeat(257), "p".repeat(256)]},
                {"index": 1, "operator": "NotPostfix", "values": ["q".repeat(129)]}],
                "matchBinaries": [{"operator": "Postfix", "values": ["b".repeat(129)]}]}]}),
        );
        let s = "spec.kprobes[0]";
        assert_eq!(
            errors,
            [
                format!("{s}.tags: 17 tags; the limit is 16"),
                format!("{s}.message: 257 characters; the limit is 256"),
                format!("{s}.selectors[0].matchArgs[0].values[0]: 257 bytes; the limit is 256"),
                format!("{s}.selectors[0].matchArgs[1].values[0]: 129 bytes; the limit is 128"),
                format!("{s}.selectors[0].matchBinaries[0].values[0]: 129 bytes; the limit is 128"),
            ]
        );
    }

    #[test]
    fn return_needs_return_arg() {
        let errors = errors_of(json!({"call": "sys_write", "return": true}));
        assert_eq!(
            errors,
            ["spec.kprobes[0].returnArg: ReturnArg not specified with Return=true."]
        );
    }

    #[test]
    fn match_args_index_must_be_declared() {
        let errors = errors_of(
            json!({"call": "sys_write", "args": int_args(), "selectors": [
            {"matchArgs": [{"index": 2, "operator": "Equal", "values": ["1"]}],
             "matchReturnArgs": [{"index": 0, "operator": "Equal", "values": ["0"]}]}]}),
        );
        assert_eq!(
            errors,
            [
                "spec.kprobes[0].selectors[0].matchArgs[0].index: index 2 does not refer to a declared argument (declared: 0, 1)",
                "spec.kprobes[0].selectors[0].matchReturnArgs[0].index: index 0 does not refer to a declared return argument (declared: none)",
            ]
        );
    }

    #[test]
    fn tracepoint_selectors_index_args_by_position() {
        let p = policy_of(
            "TracingPolicy",
            json!({"tracepoints": [{
            "subsystem": "raw_syscalls", "event": "sys_enter",
            "args": [{"index": 4, "type": "syscall64"}],
            "selectors": [{"matchArgs": [{"index": 0, "operator": "Equal", "values": ["1"]},
                                         {"index": 4, "operator": "Equal", "values": ["1"]}]}]}]}),
        );
        let errors: Vec<String> = validate(&p).iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                "spec.tracepoints[0].selectors[0].matchArgs[1].index: index 4 does not refer to a declared argument (declared: 0)"
            ]
        );
    }

    #[test]
    fn actions_unknown_removed_and_missing_parameters() {
        let errors = errors_of(json!({"call": "sys_write", "selectors": [{"matchActions": [
            {"action": "FollowFD"},
            {"action": "Override"},
            {"action": "Signal"},
            {"action": "Explode"},
            {"action": "Override", "argError": -1},
            {"action": "Signal", "argSig": 10},
        ]}]}));
        let s = "spec.kprobes[0].selectors[0].matchActions";
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert_eq!(
            errors[0],
            format!(
                "{s}[0].action: action \"FollowFD\" was deprecated and then removed from Tetragon; read the file with a `file` or `fd` argument type instead"
            )
        );
        assert_eq!(errors[1], format!("{s}[1]: action Override needs argError"));
        assert_eq!(errors[2], format!("{s}[2]: action Signal needs argSig"));
        assert!(
            errors[3].starts_with(&format!(
                "{s}[3].action: unknown action \"Explode\"; expected one of: Post, Sigkill"
            )),
            "{}",
            errors[3]
        );
    }

    #[test]
    fn unknown_types_and_operators() {
        let errors = errors_of(json!({"call": "sys_write",
            "args": [{"index": 0, "type": "integer"}],
            "selectors": [{"matchArgs": [{"index": 0, "operator": "Equals", "values": ["1"]}],
                           "matchPIDs": [{"operator": "Prefix", "values": [1]}],
                           "matchCapabilities": [{"operator": "In", "values": ["CAP_FOO"]}]}]}));
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors[0].starts_with("spec.kprobes[0].args[0].type: unknown argument type \"integer\"; expected one of: auto, int,"));
        assert!(errors[1].starts_with(
            "spec.kprobes[0].selectors[0].matchArgs[0].operator: unknown operator \"Equals\""
        ));
        assert_eq!(
            errors[2],
            "spec.kprobes[0].selectors[0].matchPIDs[0].operator: unknown operator \"Prefix\"; expected one of: In, NotIn"
        );
        assert!(errors[3].starts_with("spec.kprobes[0].selectors[0].matchCapabilities[0].values[0]: unknown capability \"CAP_FOO\""));
    }

    #[test]
    fn namespaced_policies_cannot_select_hosts() {
        let p = policy_of("TracingPolicyNamespaced", json!({"hostSelector": {}}));
        let errors: Vec<String> = validate(&p).iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                "spec.hostSelector: a TracingPolicyNamespaced cannot select host workloads; hostSelector must be null"
            ]
        );
        let p = policy_of("TracingPolicyNamespaced", json!({"hostSelector": null}));
        assert!(validate(&p).is_empty());
        let p = policy_of("TracingPolicy", json!({"hostSelector": {}}));
        assert!(validate(&p).is_empty());
        let p = policy_of(
            "TracingPolicy",
            json!({"hostSelector": {"matchLabels": {"a": "b"}}}),
        );
        assert_eq!(validate(&p).len(), 1);
    }

    #[test]
    fn list_references_must_be_defined() {
        let p = policy_of(
            "TracingPolicy",
            json!({
            "lists": [{"name": "dups", "type": "syscalls", "values": ["sys_dup"]}],
            "enforcers": [{"calls": ["list:dupz"]}],
            "kprobes": [{"call": "list:dups"}, {"call": "list:nope"}]}),
        );
        let errors: Vec<String> = validate(&p).iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                "spec.enforcers[0].calls[0]: list \"dupz\" is not defined",
                "spec.kprobes[1].call: list \"nope\" is not defined",
            ]
        );
    }

    #[test]
    fn errors_carry_the_line_of_the_field() {
        let text = "\
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: x
spec:
  kprobes:
  - call: sys_write
    args:
    - index: 0
      type: int
    selectors:
    - matchArgs:
      - index: 0
        operator: Bogus
        values: [\"1\"]
";
        let (policies, errors) = parse_policies("f.yaml", text);
        assert!(errors.is_empty(), "{errors:?}");
        let v = validate(&policies[0]);
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].path,
            "spec.kprobes[0].selectors[0].matchArgs[0].operator"
        );
        assert_eq!(v[0].line, Some(14));
    }
}
