//! What the fixer sets in one pod spec, and what it leaves to a human.
//!
//! Reads the parsed spec ([`Node`]) and builds a [`Patch`] for it, with the
//! list of changes, notes and manual items. See the module documentation of
//! [`crate::fix`] for the rules.

use kensa_pss::api::Level;

use super::edit::Patch;
use super::images;
use super::tree::Node;
use super::{Change, FixOptions, Remark};

/// Capabilities that baseline lets a container add.
const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Sysctls that baseline allows (the namespaced "safe" set of the latest policy).
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

/// Volume sources that restricted allows.
const RESTRICTED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

const CONTAINER_LISTS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];

/// The result of fixing one pod spec.
#[derive(Debug, Default)]
pub(crate) struct PodFix {
    /// The patch for the spec node.
    pub patch: Patch,
    pub changes: Vec<Change>,
    pub notes: Vec<Remark>,
    pub manual: Vec<Remark>,
}

impl Default for Patch {
    fn default() -> Self {
        Patch::map()
    }
}

struct Fixer<'a> {
    options: &'a FixOptions,
    restricted: bool,
    windows: bool,
    user_namespace: bool,
    out: PodFix,
    /// Volume names taken (existing and added).
    volume_names: Vec<String>,
}

fn is_true(node: Option<&Node>) -> bool {
    node.and_then(Node::as_bool) == Some(true)
}

fn non_null(node: Option<&Node>) -> Option<&Node> {
    node.filter(|n| !n.is_null())
}

fn valid_seccomp(kind: Option<&str>) -> bool {
    matches!(kind, Some("RuntimeDefault" | "Localhost"))
}

fn quoted(text: &str) -> String {
    format!("'{text}'")
}

impl Fixer<'_> {
    fn change(&mut self, path: String, from: Option<&str>, to: Option<&str>) {
        self.out.changes.push(Change {
            path,
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        });
    }

    fn note(&mut self, path: &str, message: String) {
        self.out.notes.push(Remark {
            path: path.to_owned(),
            message,
        });
    }

    fn manual(&mut self, path: &str, message: String) {
        self.out.manual.push(Remark {
            path: path.to_owned(),
            message,
        });
    }
}

/// Fixes one pod spec at `spec_path`; `meta` is the pod (template) metadata.
pub(crate) fn fix_pod(
    spec: &Node,
    meta: Option<&Node>,
    spec_path: &str,
    meta_path: &str,
    options: &FixOptions,
) -> PodFix {
    if options.level == Level::Privileged || !spec.is_map() {
        return PodFix::default();
    }
    let mut fixer = Fixer {
        options,
        restricted: options.level == Level::Restricted,
        windows: spec.at(&["os", "name"]).and_then(Node::str) == Some("windows"),
        user_namespace: spec.get("hostUsers").and_then(Node::as_bool) == Some(false),
        out: PodFix::default(),
        volume_names: spec
            .get("volumes")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.get("name").and_then(Node::str).map(str::to_owned))
            .collect(),
    };
    if fixer.windows && fixer.restricted {
        fixer.note(
            &format!("{spec_path}.os.name"),
            "Windows pod: the Linux-only settings (allowPrivilegeEscalation, capabilities, seccompProfile, readOnlyRootFilesystem) are not set".into(),
        );
    }
    fixer.pod_manual(spec, meta, spec_path, meta_path);
    let psc = non_null(spec.get("securityContext"));
    let pod_user = psc.and_then(|s| s.get("runAsUser")).and_then(Node::as_int);
    let mut all_non_root = true;
    let mut all_seccomp = true;
    let mut unsure_user = Vec::new();
    for list in CONTAINER_LISTS {
        let Some(seq) = spec.get(list) else {
            continue;
        };
        for (index, container) in seq.items().iter().enumerate() {
            let path = format!("{spec_path}.{list}[{index}]");
            if matches!(container.kind, super::tree::Kind::Alias) {
                fixer.manual(&path, "is a YAML alias; fix the anchored container".into());
            }
            if !container.is_map() {
                continue;
            }
            let state = fixer.container(container, &path, pod_user);
            all_non_root &= state.non_root;
            all_seccomp &= state.seccomp;
            if let Some(user) = state.unsure_user {
                unsure_user.push(user);
            }
            if !state.patch.is_empty() {
                *fixer.out.patch.child(list).item(index) = state.patch;
            }
        }
    }
    let pod_non_root_set = fixer.pod_security_context(psc, spec_path, all_non_root, all_seccomp);
    if fixer.restricted {
        for (path, message, changed_here) in unsure_user {
            if changed_here || pod_non_root_set {
                fixer.note(&path, message);
            }
        }
    }
    fixer.out
}

/// What a container contributes to pod-level decisions.
struct ContainerState {
    patch: Patch,
    /// `runAsNonRoot: true` on the container after the fix.
    non_root: bool,
    /// A valid own seccomp profile after the fix.
    seccomp: bool,
    /// A note on whether the image can run as non-root: (path, message,
    /// whether this container's runAsNonRoot was changed).
    unsure_user: Option<(String, String, bool)>,
}

impl Fixer<'_> {
    fn container(&mut self, c: &Node, path: &str, pod_user: Option<i64>) -> ContainerState {
        let name = c.get("name").and_then(Node::str).unwrap_or("").to_owned();
        let image = c.get("image").and_then(Node::str).unwrap_or("").to_owned();
        let sc_path = format!("{path}.securityContext");
        let sc = non_null(c.get("securityContext"));
        let get = |keys: &[&str]| sc.and_then(|s| s.at(keys));
        let mut patch = Patch::map();
        let restricted = self.restricted;
        let linux = !self.windows;

        // privileged: true → false.
        if is_true(get(&["privileged"])) {
            patch
                .child("securityContext")
                .set("privileged", Patch::Scalar("false".into()));
            let from = get(&["privileged"]).and_then(Node::str).map(str::to_owned);
            self.change(
                format!("{sc_path}.privileged"),
                from.as_deref(),
                Some("false"),
            );
            self.note(
                &format!("{sc_path}.privileged"),
                format!("container '{name}' ran privileged; if it needs devices or kernel features, grant them one by one"),
            );
        }

        // allowPrivilegeEscalation: false.
        if restricted && linux {
            let ape = get(&["allowPrivilegeEscalation"]);
            if ape.and_then(Node::as_bool) != Some(false) {
                patch
                    .child("securityContext")
                    .set("allowPrivilegeEscalation", Patch::Scalar("false".into()));
                let from = ape.and_then(Node::str).map(str::to_owned);
                self.change(
                    format!("{sc_path}.allowPrivilegeEscalation"),
                    from.as_deref(),
                    Some("false"),
                );
            }
        }

        // capabilities.
        self.capabilities(sc, &sc_path, &mut patch);

        // seccompProfile set on the container.
        let own_seccomp = non_null(get(&["seccompProfile"]));
        let mut seccomp = false;
        if let Some(profile) = own_seccomp {
            let kind = profile.get("type").and_then(Node::str);
            if valid_seccomp(kind) {
                seccomp = true;
            } else if linux {
                patch
                    .child("securityContext")
                    .path(&["seccompProfile"])
                    .set("type", Patch::Scalar("RuntimeDefault".into()));
                let at = format!("{sc_path}.seccompProfile.type");
                self.change(at.clone(), kind, Some("RuntimeDefault"));
                self.note(
                    &at,
                    format!("container '{name}' asked for seccomp profile {}; it now gets the runtime's default filter", quoted(kind.unwrap_or(""))),
                );
                seccomp = true;
            } else {
                self.manual(
                    &format!("{sc_path}.seccompProfile.type"),
                    format!("container '{name}' sets seccomp profile {}: allowed are RuntimeDefault and Localhost", quoted(kind.unwrap_or(""))),
                );
            }
        }

        // runAsNonRoot on the container.
        let ranr = get(&["runAsNonRoot"]);
        let mut non_root = ranr.and_then(Node::as_bool) == Some(true);
        let mut changed_non_root = false;
        if restricted && ranr.and_then(Node::as_bool) == Some(false) {
            patch
                .child("securityContext")
                .set("runAsNonRoot", Patch::Scalar("true".into()));
            let at = format!("{sc_path}.runAsNonRoot");
            let from = ranr.and_then(Node::str).map(str::to_owned);
            self.change(at.clone(), from.as_deref(), Some("true"));
            self.note(
                &at,
                format!("container '{name}' declared that it runs as root; it must now run as a non-root user"),
            );
            non_root = true;
            changed_non_root = true;
        }

        // runAsUser: 0.
        let user = get(&["runAsUser"]).and_then(Node::as_int);
        if restricted && user == Some(0) && !self.user_namespace {
            self.manual(
                &format!("{sc_path}.runAsUser"),
                format!("container '{name}' runs as UID 0: set a non-zero runAsUser the image can run as"),
            );
        }

        self.container_manual(c, sc, path, &name);

        if self.options.read_only_root && linux {
            self.read_only_root(c, sc, path, &name, &image, &mut patch);
        }

        // Will the image start as non-root?
        let mut unsure_user = None;
        if restricted && user.or(pod_user).is_none_or(|u| u == 0) {
            let facts = images::facts(&image);
            let which = if image.is_empty() {
                "its image".to_owned()
            } else {
                format!("image '{image}'")
            };
            let message = match facts {
                Some(f) if f.non_root => None,
                Some(f) => f
                    .non_root_note
                    .map(|n| format!("container '{name}' (image '{image}'): {n}")),
                None => Some(format!(
                    "with runAsNonRoot the kubelet refuses to start container '{name}' if {which} runs as root: check that it has a numeric non-root USER, or set securityContext.runAsUser"
                )),
            };
            if let Some(message) = message {
                unsure_user = Some((path.to_owned(), message, changed_non_root));
            }
        }

        ContainerState {
            patch,
            non_root,
            seccomp,
            unsure_user,
        }
    }

    fn capabilities(&mut self, sc: Option<&Node>, sc_path: &str, patch: &mut Patch) {
        let caps = non_null(sc.and_then(|s| s.get("capabilities")));
        let caps_path = format!("{sc_path}.capabilities");
        if self.restricted && !self.windows {
            let drop = non_null(caps.and_then(|c| c.get("drop")));
            let drops_all = drop
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .any(|i| i.str() == Some("ALL"));
            if !drops_all {
                let target = patch
                    .child("securityContext")
                    .child("capabilities")
                    .child("drop");
                match drop {
                    Some(d) if d.is_seq() => target.push(Patch::Scalar("ALL".into())),
                    Some(_) => *target = Patch::Scalar("[\"ALL\"]".into()),
                    None => target.push(Patch::Scalar("ALL".into())),
                }
                self.change(format!("{caps_path}.drop"), None, Some("ALL"));
            }
        }
        let Some(add) = non_null(caps.and_then(|c| c.get("add"))) else {
            return;
        };
        if !add.is_seq() {
            self.manual(
                &format!("{caps_path}.add"),
                "is not a list; list the capabilities to add".into(),
            );
            return;
        }
        let allowed = |cap: &str| {
            if self.restricted {
                cap == "NET_BIND_SERVICE"
            } else {
                BASELINE_CAPABILITIES.contains(&cap)
            }
        };
        let items = add.items();
        let mut removed = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let cap = item.str().unwrap_or("");
            if !allowed(cap) {
                removed.push((index, cap.to_owned()));
            }
        }
        if removed.is_empty() {
            return;
        }
        let add_patch = patch
            .child("securityContext")
            .child("capabilities")
            .child("add");
        if removed.len() == items.len() {
            *add_patch = Patch::Delete;
        } else {
            for (index, _) in &removed {
                add_patch.remove(*index);
            }
        }
        for (index, cap) in removed {
            let at = format!("{caps_path}.add[{index}]");
            self.change(at.clone(), Some(&cap), None);
            let bare = cap.trim_start_matches("CAP_").to_ascii_uppercase();
            if bare == "NET_BIND_SERVICE"
                || (!self.restricted && BASELINE_CAPABILITIES.contains(&bare.as_str()))
            {
                self.note(&at, format!("'{cap}' was removed; write it as '{bare}'"));
            }
        }
    }

    fn read_only_root(
        &mut self,
        c: &Node,
        sc: Option<&Node>,
        path: &str,
        name: &str,
        image: &str,
        patch: &mut Patch,
    ) {
        let rorf = sc.and_then(|s| s.get("readOnlyRootFilesystem"));
        if rorf.and_then(Node::as_bool) != Some(true) {
            patch
                .child("securityContext")
                .set("readOnlyRootFilesystem", Patch::Scalar("true".into()));
            let from = rorf.and_then(Node::str).map(str::to_owned);
            self.change(
                format!("{path}.securityContext.readOnlyRootFilesystem"),
                from.as_deref(),
                Some("true"),
            );
        }
        let facts = images::facts(image);
        let writable: Vec<String> = if self.options.writable.is_empty() {
            facts
                .map(|f| f.writable.iter().map(|p| (*p).to_owned()).collect())
                .unwrap_or_default()
        } else {
            self.options.writable.clone()
        };
        if self.options.writable.is_empty() {
            match facts {
                Some(f) => {
                    if let Some(n) = f.read_only_note {
                        self.note(path, format!("container '{name}': {n}"));
                    }
                }
                None => self.note(
                    path,
                    format!("container '{name}' (image '{image}') now has a read-only root filesystem; mount emptyDir volumes where it writes (give them with --writable)"),
                ),
            }
        }
        let mounts: Vec<String> = non_null(c.get("volumeMounts"))
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m.get("mountPath").and_then(Node::str))
            .map(|m| m.trim_end_matches('/').to_owned())
            .collect();
        let mounts_node = non_null(c.get("volumeMounts"));
        let mut seen: Vec<String> = Vec::new();
        for wanted in writable {
            let wanted_trim = wanted.trim_end_matches('/').to_owned();
            if !wanted.starts_with('/') || seen.contains(&wanted_trim) {
                continue;
            }
            seen.push(wanted_trim.clone());
            let covered = mounts.iter().any(|m| {
                *m == wanted_trim || m.is_empty() || wanted_trim.starts_with(&format!("{m}/"))
            });
            if covered {
                continue;
            }
            let volume = self.volume_name(&wanted_trim, name);
            let mount = Patch::scalars(&[("name", &volume), ("mountPath", &wanted)]);
            match mounts_node {
                Some(m) if !m.is_seq() => {
                    self.manual(
                        &format!("{path}.volumeMounts"),
                        "is not a list; mount the writable paths by hand".into(),
                    );
                    return;
                }
                _ => patch.child("volumeMounts").push(mount),
            }
            self.out
                .patch
                .child("volumes")
                .push(Patch::scalars(&[("name", &volume), ("emptyDir", "{}")]));
            self.change(
                format!("{path}.volumeMounts"),
                None,
                Some(&format!("{{name: {volume}, mountPath: {wanted}}}")),
            );
        }
    }

    /// A volume name not taken yet, derived from the path.
    fn volume_name(&mut self, path: &str, container: &str) -> String {
        let slug = slug(path);
        let slug = if slug.is_empty() { "root".into() } else { slug };
        let candidates = [slug.clone(), format!("{}-{slug}", self::slug(container))];
        let mut chosen = None;
        for candidate in candidates {
            let candidate = truncate(&candidate);
            if !self.volume_names.contains(&candidate) {
                chosen = Some(candidate);
                break;
            }
        }
        let name = chosen.unwrap_or_else(|| {
            (2..)
                .map(|n| truncate(&format!("{slug}-{n}")))
                .find(|c| !self.volume_names.contains(c))
                .unwrap_or_default()
        });
        self.volume_names.push(name.clone());
        name
    }
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn truncate(name: &str) -> String {
    let cut: String = name.chars().take(63).collect();
    cut.trim_end_matches('-').to_owned()
}

impl Fixer<'_> {
    /// Pod-level securityContext: runAsNonRoot and seccompProfile. Returns
    /// whether runAsNonRoot was set or changed at pod level.
    fn pod_security_context(
        &mut self,
        psc: Option<&Node>,
        spec_path: &str,
        all_non_root: bool,
        all_seccomp: bool,
    ) -> bool {
        let sc_path = format!("{spec_path}.securityContext");
        let get = |key: &str| psc.and_then(|s| s.get(key));
        let mut changed = false;
        if self.restricted {
            let ranr = get("runAsNonRoot");
            match ranr.and_then(Node::as_bool) {
                Some(true) => {}
                Some(false) => {
                    self.out
                        .patch
                        .child("securityContext")
                        .set("runAsNonRoot", Patch::Scalar("true".into()));
                    let from = ranr.and_then(Node::str).map(str::to_owned);
                    let at = format!("{sc_path}.runAsNonRoot");
                    self.change(at.clone(), from.as_deref(), Some("true"));
                    self.note(
                        &at,
                        "the pod declared that it runs as root; it must now run as a non-root user"
                            .into(),
                    );
                    changed = true;
                }
                None if all_non_root => {}
                None => {
                    self.out
                        .patch
                        .child("securityContext")
                        .set("runAsNonRoot", Patch::Scalar("true".into()));
                    let from = ranr.and_then(Node::str).map(str::to_owned);
                    self.change(
                        format!("{sc_path}.runAsNonRoot"),
                        from.as_deref(),
                        Some("true"),
                    );
                    changed = true;
                }
            }
            if get("runAsUser").and_then(Node::as_int) == Some(0) && !self.user_namespace {
                self.manual(
                    &format!("{sc_path}.runAsUser"),
                    "the pod runs as UID 0: set a non-zero runAsUser the images can run as".into(),
                );
            }
        }
        if self.windows {
            return changed;
        }
        let profile = non_null(get("seccompProfile"));
        match profile {
            Some(p) => {
                let kind = p.get("type").and_then(Node::str);
                if !valid_seccomp(kind) {
                    self.out
                        .patch
                        .child("securityContext")
                        .child("seccompProfile")
                        .set("type", Patch::Scalar("RuntimeDefault".into()));
                    let at = format!("{sc_path}.seccompProfile.type");
                    self.change(at.clone(), kind, Some("RuntimeDefault"));
                    self.note(
                        &at,
                        format!(
                            "the pod asked for seccomp profile {}; it now gets the runtime's default filter",
                            quoted(kind.unwrap_or(""))
                        ),
                    );
                }
            }
            None if self.restricted && !all_seccomp => {
                self.out.patch.child("securityContext").set(
                    "seccompProfile",
                    Patch::scalars(&[("type", "RuntimeDefault")]),
                );
                self.change(
                    format!("{sc_path}.seccompProfile"),
                    None,
                    Some("{type: RuntimeDefault}"),
                );
            }
            None => {}
        }
        changed
    }

    /// Pod-level settings the fixer does not decide.
    fn pod_manual(&mut self, spec: &Node, meta: Option<&Node>, spec_path: &str, meta_path: &str) {
        for (key, what) in [
            ("hostNetwork", "the node's network"),
            ("hostPID", "the node's processes"),
            ("hostIPC", "the node's IPC"),
        ] {
            if is_true(spec.get(key)) {
                self.manual(
                    &format!("{spec_path}.{key}"),
                    format!(
                        "is true (shares {what}): remove it unless the workload must see {what}"
                    ),
                );
            }
        }
        let psc = non_null(spec.get("securityContext"));
        let sc_path = format!("{spec_path}.securityContext");
        self.common_context_manual(psc, &sc_path, "the pod");
        for (index, sysctl) in non_null(psc.and_then(|s| s.get("sysctls")))
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let name = sysctl.get("name").and_then(Node::str).unwrap_or("");
            if !SAFE_SYSCTLS.contains(&name) {
                self.manual(
                    &format!("{sc_path}.sysctls[{index}]"),
                    format!(
                        "sysctl '{name}' is not in the safe set: remove it or set it on the node"
                    ),
                );
            }
        }
        for entry in meta
            .and_then(|m| m.get("annotations"))
            .map(Node::entries)
            .unwrap_or_default()
        {
            let Some(key) = entry.key.as_deref() else {
                continue;
            };
            if !key.starts_with("container.apparmor.security.beta.kubernetes.io/") {
                continue;
            }
            let value = entry.value.str().unwrap_or("");
            if !(value.is_empty() || value == "runtime/default" || value.starts_with("localhost/"))
            {
                self.manual(
                    &format!("{meta_path}.annotations.{key}"),
                    format!(
                        "AppArmor profile '{value}': use runtime/default or a localhost/ profile"
                    ),
                );
            }
        }
        for (index, volume) in non_null(spec.get("volumes"))
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let vpath = format!("{spec_path}.volumes[{index}]");
            let name = volume.get("name").and_then(Node::str).unwrap_or("");
            for entry in volume.entries() {
                let Some(source) = entry.key.as_deref() else {
                    continue;
                };
                if source == "name" || entry.value.is_null() {
                    continue;
                }
                if source == "hostPath" {
                    self.manual(
                        &format!("{vpath}.hostPath"),
                        format!("volume '{name}' mounts a path of the node: use an emptyDir, configMap, secret or persistentVolumeClaim instead"),
                    );
                } else if self.restricted && !RESTRICTED_VOLUMES.contains(&source) {
                    self.manual(
                        &format!("{vpath}.{source}"),
                        format!("volume '{name}' is of type {source}, which restricted does not allow: use a persistentVolumeClaim (or csi) instead"),
                    );
                }
            }
        }
    }

    /// Security-context settings the fixer does not decide, common to pod and containers.
    fn common_context_manual(&mut self, sc: Option<&Node>, sc_path: &str, who: &str) {
        let get = |keys: &[&str]| sc.and_then(|s| s.at(keys));
        if let Some(se) = non_null(get(&["seLinuxOptions"])) {
            let kind = se.get("type").and_then(Node::str).unwrap_or("");
            if !matches!(
                kind,
                "" | "container_t" | "container_init_t" | "container_kvm_t" | "container_engine_t"
            ) {
                self.manual(
                    &format!("{sc_path}.seLinuxOptions.type"),
                    format!("{who} sets SELinux type '{kind}': remove it or use container_t"),
                );
            }
            for key in ["user", "role"] {
                if se
                    .get(key)
                    .and_then(Node::str)
                    .is_some_and(|v| !v.is_empty())
                {
                    self.manual(
                        &format!("{sc_path}.seLinuxOptions.{key}"),
                        format!("{who} sets an SELinux {key}: remove it"),
                    );
                }
            }
        }
        if is_true(get(&["windowsOptions", "hostProcess"])) {
            self.manual(
                &format!("{sc_path}.windowsOptions.hostProcess"),
                format!(
                    "{who} runs as a Windows HostProcess: remove it unless it must manage the node"
                ),
            );
        }
        if let Some(profile) = non_null(get(&["appArmorProfile"])) {
            let kind = profile.get("type").and_then(Node::str);
            if !valid_seccomp(kind) {
                self.manual(
                    &format!("{sc_path}.appArmorProfile.type"),
                    format!(
                        "{who} sets AppArmor profile {}: use RuntimeDefault or Localhost",
                        quoted(kind.unwrap_or(""))
                    ),
                );
            }
        }
    }

    /// Container settings the fixer does not decide.
    fn container_manual(&mut self, c: &Node, sc: Option<&Node>, path: &str, name: &str) {
        let sc_path = format!("{path}.securityContext");
        let who = format!("container '{name}'");
        self.common_context_manual(sc, &sc_path, &who);
        if let Some(mount) = sc
            .and_then(|s| s.get("procMount"))
            .and_then(Node::str)
            .filter(|m| *m != "Default")
        {
            self.manual(
                &format!("{sc_path}.procMount"),
                format!("{who} sets procMount '{mount}': remove it (Default)"),
            );
        }
        for (index, port) in non_null(c.get("ports"))
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if port
                .get("hostPort")
                .and_then(Node::as_int)
                .is_some_and(|p| p != 0)
            {
                self.manual(
                    &format!("{path}.ports[{index}].hostPort"),
                    format!("{who} binds a port of the node: remove hostPort and reach it through a Service"),
                );
            }
        }
        let handlers = [
            ("livenessProbe", &["livenessProbe"][..]),
            ("readinessProbe", &["readinessProbe"][..]),
            ("startupProbe", &["startupProbe"][..]),
            ("lifecycle.postStart", &["lifecycle", "postStart"][..]),
            ("lifecycle.preStop", &["lifecycle", "preStop"][..]),
        ];
        for (label, keys) in handlers {
            let Some(handler) = c.at(keys) else {
                continue;
            };
            for action in ["httpGet", "tcpSocket"] {
                if handler
                    .at(&[action, "host"])
                    .and_then(Node::str)
                    .is_some_and(|h| !h.is_empty())
                {
                    self.manual(
                        &format!("{path}.{label}.{action}.host"),
                        format!("{who} has the kubelet connect to another host: remove host"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_names() {
        assert_eq!(slug("/var/cache/nginx"), "var-cache-nginx");
        assert_eq!(slug("/"), "");
        assert_eq!(truncate(&"a".repeat(70)).len(), 63);
    }
}
