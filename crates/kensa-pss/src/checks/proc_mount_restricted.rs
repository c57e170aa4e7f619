//! `procMount_restricted` (restricted, from v1.35; replaces `procMount`).
//!
//! Fields: as `procMount`. Restricted does not take the v1.35 user-namespace
//! relaxation: an unmasked /proc is refused whatever `spec.hostUsers` says.

use super::{Check, CheckVersion, proc_mount};
use crate::api::Level;

pub(crate) static CHECK: Check = Check {
    id: "procMount_restricted",
    level: Level::Restricted,
    overrides: &["procMount"],
    versions: &[CheckVersion {
        min_minor: 35,
        evaluate: proc_mount::v1_0,
    }],
    remedies: proc_mount::remedies,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn user_namespace_does_not_relax() {
        let (m, s) = pod(
            r#"{"spec":{"hostUsers":false,"containers":[{"name":"a","securityContext":{"procMount":"Unmasked"}}]}}"#,
        );
        let f = (CHECK.at(37).unwrap().evaluate)(&m, &s).unwrap();
        assert_eq!(
            f.detail,
            r#"container "a" must not set securityContext.procMount to "Unmasked""#
        );
        assert!(CHECK.at(34).is_none());
    }
}
