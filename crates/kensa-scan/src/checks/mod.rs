//! Every check, one file each, registered in one list: [`all`].
//!
//! The families live in their own folders, each with a `CHECKS` list that
//! [`all`] joins in a fixed order:
//!
//! - `container`: per-container settings of workloads (security context, resources, images);
//! - `workload`: pod-level settings of workloads (host namespaces, volumes, tokens);
//! - `rbac`: Roles, ClusterRoles and their bindings;
//! - `resource`: other single objects (Services, ConfigMaps, NetworkPolicies, ...);
//! - `cluster`: checks that relate objects to each other;
//! - `controlplane`: flags of the static control-plane pods;
//! - `dockerfile`: Dockerfiles.

use std::sync::LazyLock;

use crate::check::Check;

pub mod cluster;
pub mod container;
pub mod controlplane;
pub mod dockerfile;
pub mod rbac;
pub mod resource;
pub mod workload;

static ALL: LazyLock<Vec<&'static Check>> = LazyLock::new(|| {
    [
        container::CHECKS,
        workload::CHECKS,
        rbac::CHECKS,
        resource::CHECKS,
        cluster::CHECKS,
        controlplane::CHECKS,
        dockerfile::CHECKS,
    ]
    .concat()
});

/// Every check kensa knows, in a fixed order.
pub fn all() -> &'static [&'static Check] {
    &ALL
}

/// The check with this id or alias (case-insensitive).
pub fn by_name(name: &str) -> Option<&'static Check> {
    all().iter().copied().find(|check| check.is_named(name))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn ids_and_aliases_are_unique() {
        let mut seen = HashSet::new();
        for check in all() {
            assert!(
                seen.insert(check.id.to_ascii_lowercase()),
                "duplicate id {}",
                check.id
            );
            for alias in check.aliases {
                assert!(
                    seen.insert(alias.to_ascii_lowercase()),
                    "duplicate alias {alias} (on {})",
                    check.id
                );
            }
        }
    }

    #[test]
    fn every_check_is_documented() {
        for check in all() {
            assert!(!check.title.is_empty(), "{} has no title", check.id);
            assert!(
                !check.description.is_empty(),
                "{} has no description",
                check.id
            );
            assert!(
                !check.remediation.is_empty(),
                "{} has no remediation",
                check.id
            );
        }
    }
}
