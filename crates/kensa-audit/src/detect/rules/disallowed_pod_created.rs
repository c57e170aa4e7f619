//! A pod created with a container image outside a list of allowed images:
//! in clusters that only run vetted images, anything else is unexpected.
//!
//! Falco: `Create Disallowed Pod`, which is effectively disabled upstream (its
//! allowlist macro is always true). kensa's list [`ALLOWED_IMAGES`] is empty,
//! so when enabled the rule reports every pod creation: fill the list first.
//! Fires only on successful creates (Falco also fires on rejected ones).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Pod with a disallowed image created.
pub static RULE: Rule = Rule {
    id: "k8s-disallowed-pod-created",
    falco_name: Some("Create Disallowed Pod"),
    title: "Pod with a disallowed image created",
    priority: Priority::Warning,
    description: "A pod created with a container image outside the allowed images list.",
    default_enabled: false,
    needs: request_body(&[pattern(&["create"], &["pods"])]),
    check,
    window: None,
};

/// The images allowed to run (repositories, without tags); empty upstream.
pub const ALLOWED_IMAGES: &[&str] = &[];

fn check(event: &Event<'_>) -> Option<String> {
    let spec = successful_pod_create(event)?;
    if spec.images_in(&[ALLOWED_IMAGES]) {
        return None;
    }
    Some(format!(
        "pod created with an image not in the allowed list (user={} pod={} images={})",
        user(event),
        object(event),
        spec.images()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_for_unlisted_images() {
        let e = pod_event(
            "web",
            r#"{"containers":[{"name":"a","image":"evil/miner:1"}]}"#,
            201,
        );
        assert!(run(&RULE, &e).unwrap().contains("evil/miner:1"));
    }

    #[test]
    fn skips_failed_creates() {
        let e = pod_event(
            "web",
            r#"{"containers":[{"name":"a","image":"evil/miner:1"}]}"#,
            403,
        );
        assert_eq!(run(&RULE, &e), None);
    }
}
