//! A ConfigMap that holds personal or otherwise sensitive data: user names,
//! e-mail addresses, phone numbers, bank account numbers (IBAN), API and
//! private keys, MD5/SHA-1 hashes.
//!
//! Fields: `data.<key>` and the `name=value` / `name: value` settings inside
//! each value.
//!
//! Trivy's version matches `username`, `email`, `key`, `phone`, `iban`,
//! `sha1`, `md5` as substrings anywhere, any e-mail-like text, and any short
//! upper-case word (as a passport number), so `monkey`, `hash: sha1` or
//! `LOG_LEVEL: INFO` fail it. kensa keeps the kinds of data and asks for
//! evidence:
//! - names are split into words and matched whole, with the same exclusions
//!   as `configmap-secrets` (`usernameField`, `emailTemplate`, `api_key_header`
//!   are settings about the data, not the data); values must be literal (no
//!   empty values, references, placeholders, booleans);
//! - `username` / `user_name`: any literal value;
//! - `email` / `e_mail` names need an e-mail address as value, and an e-mail
//!   address in any setting is reported whatever its name, except addresses at
//!   reserved example domains (`example.com`, `.test`, ...) and no-reply
//!   senders;
//! - `phone` / `mobile` names need a value with at least 7 digits;
//! - `iban` names need a literal value, and any text that is an IBAN with a
//!   valid mod-97 checksum is reported whatever its name;
//! - `key` counts only as a kind of credential key (`api_key`, `apiKey`,
//!   `private_key`, `access_key`, `license_key`, `ssh_key`, `signing_key`,
//!   `encryption_key`, ...), with a value of at least 8 characters that is not
//!   a file path: `cache_key`, `sort_key` or `primary_key` are not secrets;
//! - `md5` / `sha1` names need a value that is a 32- or 40-digit hex digest;
//!   naming the algorithm (`hash: sha1`) is not sensitive;
//! - Trivy's passport pattern (any 3-20 upper-case letters and digits) is
//!   dropped: it matches every upper-case word.

use kensa_report::Severity;

use super::configmap::{Candidate, names, scan};
use super::support::{is_placeholder, words};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "configmap-sensitive-content",
    aliases: &["KSV-01010", "AVD-KSV-01010"],
    title: "ConfigMap with sensitive content",
    severity: Severity::Medium,
    description: "ConfigMaps are stored unencrypted and readable by every subject allowed to read ConfigMaps. User names, e-mail addresses, phone numbers, bank account numbers, API or private keys and password hashes kept in one are exposed to all of them and to wherever the manifests are stored.",
    remediation: "Move personal data and credential keys into a Secret (or an external secret store) and mount or reference it from the pod; keep only non-sensitive settings in the ConfigMap.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["ConfigMap"]),
        check,
    },
};

/// Words before `key` that make it a credential key.
const KEY_KINDS: &[&str] = &[
    "api",
    "private",
    "access",
    "signing",
    "sign",
    "encryption",
    "encrypt",
    "license",
    "licence",
    "ssh",
    "master",
    "auth",
    "client",
    "app",
    "service",
    "subscription",
    "account",
    "storage",
    "shared",
    "hmac",
    "crypto",
    "gpg",
    "pgp",
    "jwt",
    "session",
];

/// Single words that are credential keys.
const KEY_WORDS: &[&str] = &[
    "apikey",
    "privatekey",
    "accesskey",
    "licensekey",
    "sshkey",
    "signingkey",
    "encryptionkey",
];

fn is_email(value: &str) -> bool {
    let value = value.trim_matches(['<', '>']);
    let value = value.strip_prefix("mailto:").unwrap_or(value);
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-'));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if !local_ok || !domain_ok {
        return false;
    }
    let domain = domain.to_ascii_lowercase();
    let local = local.to_ascii_lowercase();
    let reserved = ["example.com", "example.org", "example.net"].contains(&domain.as_str())
        || [".example", ".test", ".invalid", ".local", ".localhost"]
            .iter()
            .any(|suffix| domain.ends_with(suffix));
    let robot =
        ["noreply", "no-reply", "donotreply", "do-not-reply", "git"].contains(&local.as_str());
    !reserved && !robot
}

fn is_hex_digest(value: &str) -> bool {
    matches!(value.len(), 32 | 40) && value.chars().all(|c| c.is_ascii_hexdigit())
}

/// Whether `text` is a well-formed IBAN: country code, check digits, 11 to
/// 30 letters or digits, and the ISO 13616 mod-97 checksum equal to 1.
fn is_iban(text: &str) -> bool {
    let bytes = text.as_bytes();
    if !(15..=34).contains(&bytes.len())
        || !bytes[..2].iter().all(u8::is_ascii_uppercase)
        || !bytes[2..4].iter().all(u8::is_ascii_digit)
        || !bytes[4..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return false;
    }
    let rearranged = bytes[4..].iter().chain(&bytes[..4]);
    let mut remainder: u32 = 0;
    for &b in rearranged {
        let value = if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b - b'A') + 10
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

/// Whether `text` contains an IBAN, written in one piece or in groups
/// separated by single spaces.
fn contains_iban(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    for start in 0..chars.len() {
        if start > 0 && chars[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        if !(chars.len() >= start + 4
            && chars[start..start + 2].iter().all(char::is_ascii_uppercase)
            && chars[start + 2..start + 4].iter().all(char::is_ascii_digit))
        {
            continue;
        }
        // Collect the run and try it at every group boundary, longest first.
        let mut compact = String::new();
        let mut ends = Vec::new();
        let mut i = start;
        while i < chars.len() && compact.len() < 34 {
            let c = chars[i];
            if c.is_ascii_uppercase() || c.is_ascii_digit() {
                compact.push(c);
                i += 1;
            } else if c == ' ' && chars.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric()) {
                ends.push(compact.len());
                i += 1;
            } else {
                break;
            }
        }
        if !chars.get(i).is_some_and(char::is_ascii_alphanumeric) {
            ends.push(compact.len());
        }
        if ends.iter().rev().any(|&end| is_iban(&compact[..end])) {
            return true;
        }
    }
    false
}

fn judge(candidate: &Candidate<'_>) -> Option<&'static str> {
    let value = candidate.value.trim();
    if is_placeholder(value) {
        return None;
    }
    let words = words(candidate.name);
    let named = |term: &dyn Fn(usize, &str) -> bool| names(&words, term, &[]);
    let pair = |i: usize, first: &str, second: &str, word: &str| {
        word == second && i > 0 && words[i - 1] == first
    };
    if named(&|i, w| w == "username" || pair(i, "user", "name", w)) {
        return Some("a user name");
    }
    if is_email(value) {
        return Some("an e-mail address");
    }
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if digits >= 7 && named(&|_, w| matches!(w, "phone" | "mobile" | "telephone")) {
        return Some("a phone number");
    }
    if named(&|_, w| w == "iban") || contains_iban(value) {
        return Some("a bank account number (IBAN)");
    }
    let is_path = value.starts_with(['/', '~']) || value.starts_with("./");
    if value.chars().count() >= 8
        && !is_path
        && named(&|i, w| {
            KEY_WORDS.contains(&w)
                || (w == "key" && i > 0 && KEY_KINDS.contains(&words[i - 1].as_str()))
        })
    {
        return Some("a credential key");
    }
    if is_hex_digest(value) && named(&|_, w| matches!(w, "md5" | "sha1" | "md5sum" | "sha1sum")) {
        return Some("a hash");
    }
    None
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    scan(object, "keep it in a Secret", judge, |text| {
        contains_iban(text).then_some("a bank account number (IBAN)")
    })
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::{CHECK, contains_iban, is_email};

    fn configmap(data: &str) -> String {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app}}\ndata:\n{data}")
    }

    #[test]
    fn fails_on_personal_data() {
        let found = hits(
            &CHECK,
            &configmap(
                "  ADMIN_USERNAME: jdoe\n  contacts: \"owner: jane.doe@corp.io\"\n  STRIPE_API_KEY: sk_live_abcdef123456\n  billing: |\n    account DE89 3704 0044 0532 0130 00\n",
            ),
        );
        // The order of data keys depends on serde_json's map features.
        let mut found: Vec<_> = found
            .into_iter()
            .map(|h| (h.path.unwrap_or_default(), h.message))
            .collect();
        found.sort();
        let paths: Vec<_> = found.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "data.ADMIN_USERNAME",
                "data.STRIPE_API_KEY",
                "data.billing",
                "data.contacts"
            ]
        );
        assert_eq!(
            found[0].1,
            "ConfigMap 'app' stores a user name in key 'ADMIN_USERNAME'; keep it in a Secret"
        );
        assert!(found[2].1.contains("IBAN"), "{}", found[2].1);
        assert!(
            found[3]
                .1
                .contains("an e-mail address in key 'contacts' (setting 'owner')"),
            "{}",
            found[3].1
        );
    }

    #[test]
    fn passes_on_settings_that_only_mention_the_words() {
        let found = hits(
            &CHECK,
            &configmap(
                "  monkey: banana\n  hash: sha1\n  LOG_LEVEL: INFO\n  cache_key: user-profile\n  usernameField: login\n  EMAIL_HOST: smtp.corp.io\n  from: noreply@corp.io\n  admin: ops@example.com\n  API_KEY: ${API_KEY}\n",
            ),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn emails_and_ibans() {
        assert!(is_email("jane.doe@corp.io"));
        assert!(!is_email("image@sha256"));
        assert!(!is_email("a@example.com"));
        assert!(contains_iban("GB82 WEST 1234 5698 7654 32"));
        assert!(contains_iban("iban=GB82WEST12345698765432;"));
        assert!(!contains_iban("GB82 WEST 1234 5698 7654 33"));
        assert!(!contains_iban("LOG LEVEL INFO"));
    }
}
