//! `--tls-cipher-suites` limits the TLS 1.2 cipher suites the API server
//! offers; it should list only suites with authenticated (AEAD) encryption.
//!
//! Field: the `--tls-cipher-suites` flag of kube-apiserver (a comma list,
//! repeatable). Unset, the API server uses Go's default suites, which are
//! all AEAD or CBC suites without known practical breaks, so an absent flag
//! passes, as in Checkov. The check fails when the list names any suite
//! outside the AES-GCM and ChaCha20-Poly1305 ones (CBC, 3DES and RC4 suites
//! above all). Checkov's CKV_K8S_105; Trivy has no equivalent.

use kensa_report::Severity;

use super::support::{Component, each};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-tls-cipher-suites",
    aliases: &["CKV_K8S_105"],
    title: "Ensure that the API Server only makes use of Strong Cryptographic Ciphers",
    severity: Severity::Low,
    description: "Cipher suites such as RC4, 3DES or CBC with SHA-1 have known weaknesses (Sweet32, Lucky13 and others); offering them lets an attacker in the middle push clients to a suite that can be broken, exposing API traffic.",
    remediation: "Set --tls-cipher-suites on kube-apiserver to AEAD suites only, e.g. TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305 (and --tls-min-version=VersionTLS12).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    const STRONG: &[&str] = &[
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_RSA_WITH_AES_256_GCM_SHA384",
    ];
    each(object, Component::ApiServer, |t| {
        let suites = t.flags.list("tls-cipher-suites");
        let weak: Vec<&(String, _)> = suites
            .iter()
            .filter(|(suite, _)| !STRONG.contains(&suite.as_str()))
            .collect();
        let (_, flag) = weak.first()?;
        let names: Vec<&str> = weak.iter().map(|(suite, _)| suite.as_str()).collect();
        Some(t.hit_on(
            flag,
            format!(
                "{} allows weak TLS cipher suites in --tls-cipher-suites ({}); keep only AES-GCM and ChaCha20-Poly1305 suites",
                t.who(),
                names.join(", ")
            ),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_with_weak_suites() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &[
                "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_3DES_EDE_CBC_SHA",
                "--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA",
            ],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) allows weak TLS cipher suites in --tls-cipher-suites (TLS_RSA_WITH_3DES_EDE_CBC_SHA, TLS_RSA_WITH_RC4_128_SHA); keep only AES-GCM and ChaCha20-Poly1305 suites",
        );
    }

    #[test]
    fn passes_with_strong_suites() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &[
                "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
            ],
        );
    }

    #[test]
    fn passes_when_absent() {
        assert_clean(&CHECK, "kube-apiserver", &[]);
    }
}
