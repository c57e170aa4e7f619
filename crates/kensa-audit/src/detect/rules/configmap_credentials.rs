//! A ConfigMap holding what looks like a credential (AWS access keys, a
//! password or passphrase) was created or modified. ConfigMaps are readable
//! far more widely than Secrets, so credentials in them leak.
//!
//! Falco: `Create/Modify Configmap With Private Credentials`, same words.
//! kensa matches case-insensitively and fires only on successful requests.
//! It needs level `Request`: at `Metadata` the body is not logged and the
//! rule cannot fire (a documented coverage gap, see `--policy`).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// ConfigMap with credentials written.
pub static RULE: Rule = Rule {
    id: "k8s-configmap-credentials",
    falco_name: Some("Create/Modify Configmap With Private Credentials"),
    title: "ConfigMap with credentials written",
    priority: Priority::Warning,
    description: "A ConfigMap containing what looks like a credential (AWS keys, password, passphrase) was created or modified.",
    default_enabled: true,
    needs: request_body(&[pattern(&["create", "update", "patch"], &["configmaps"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if failed(event) {
        return None;
    }
    let body = event.request_object?.get().to_ascii_lowercase();
    let words: Vec<&str> = CREDENTIAL_WORDS
        .iter()
        .copied()
        .filter(|word| body.contains(word))
        .collect();
    if words.is_empty() {
        return None;
    }
    Some(format!(
        "ConfigMap with private credentials (user={} verb={} configmap={} matched={})",
        user(event),
        event.verb,
        object(event),
        words.join(",")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    fn configmap(data: &str) -> String {
        let body = format!(r#""requestObject":{{"kind":"ConfigMap","data":{data}}}"#);
        event(
            "create",
            "bob",
            r#"{"resource":"configmaps","namespace":"a","name":"c"}"#,
            201,
            &body,
        )
    }

    #[test]
    fn fires_on_passwords_in_any_case() {
        assert!(
            run(&RULE, &configmap(r#"{"DB_PASSWORD":"x"}"#))
                .unwrap()
                .contains("password")
        );
    }

    #[test]
    fn skips_plain_settings_and_metadata_level() {
        assert_eq!(run(&RULE, &configmap(r#"{"color":"blue"}"#)), None);
        let no_body = event(
            "create",
            "bob",
            r#"{"resource":"configmaps","namespace":"a","name":"c"}"#,
            201,
            "",
        );
        assert_eq!(run(&RULE, &no_body), None);
    }
}
