//! Corrections kensa applies to the upstream compliance specs.
//!
//! The specs are Trivy's, copied verbatim. A few controls point at the wrong
//! check (or at a check that no longer exists); kensa fixes them when it
//! loads a spec, and lists every correction here and in docs/compliance.md,
//! so a reader can see exactly where kensa's report differs from Trivy's.

/// One correction: in `spec`, control `control` checks `checks` instead of
/// what the upstream file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Correction {
    /// The spec id, e.g. `k8s-nsa-1.0`.
    pub spec: &'static str,
    /// The control id, e.g. `1.4`.
    pub control: &'static str,
    /// What the upstream spec maps the control to.
    pub upstream: &'static [&'static str],
    /// What kensa maps it to.
    pub checks: &'static [&'static str],
    /// Why.
    pub reason: &'static str,
}

/// Every correction, applied in this order.
pub const CORRECTIONS: &[Correction] = &[
    Correction {
        spec: "k8s-pss-baseline-0.1",
        control: "2",
        upstream: &["KSV-0008"],
        checks: &["KSV-0008", "KSV-0009", "KSV-0010"],
        reason: "\"Host Namespaces\" forbids hostNetwork, hostPID and hostIPC; upstream checks only hostIPC (KSV-0008).",
    },
    Correction {
        spec: "k8s-pss-restricted-0.1",
        control: "2",
        upstream: &["KSV-0008"],
        checks: &["KSV-0008", "KSV-0009", "KSV-0010"],
        reason: "\"Host Namespaces\" forbids hostNetwork, hostPID and hostIPC; upstream checks only hostIPC (KSV-0008).",
    },
    Correction {
        spec: "k8s-nsa-1.0",
        control: "1.4",
        upstream: &["KSV-0009"],
        checks: &["KSV-0010"],
        reason: "\"Share host process namespaces\" is hostPID (KSV-0010); upstream points at the hostNetwork check (KSV-0009).",
    },
    Correction {
        spec: "k8s-nsa-1.0",
        control: "1.5",
        upstream: &["KSV-0010"],
        checks: &["KSV-0009"],
        reason: "\"Use the host network\" is hostNetwork (KSV-0009); upstream points at the hostPID check (KSV-0010).",
    },
    Correction {
        spec: "k8s-nsa-1.0",
        control: "1.6",
        upstream: &["KSV-0029"],
        checks: &["KSV-0116"],
        reason: "KSV-0029 (root group) was removed from trivy-checks; KSV-0116 (root primary or supplementary GID) replaced it.",
    },
    Correction {
        spec: "k8s-nsa-1.0",
        control: "1.8",
        upstream: &["KSV-0002"],
        checks: &["KSV-0025"],
        reason: "\"Sets the SELinux context of the container\" is the SELinux check (KSV-0025); upstream points at the AppArmor check (KSV-0002).",
    },
    Correction {
        spec: "k8s-nsa-1.0",
        control: "1.9",
        upstream: &["KSV-0030"],
        checks: &["KSV-0002"],
        reason: "\"Restrict a container's access to resources with AppArmor\" is the AppArmor check (KSV-0002); upstream points at the seccomp check (KSV-0030), which control 1.10 already covers.",
    },
];
