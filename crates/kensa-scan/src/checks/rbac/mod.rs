//! The rbac checks.

use crate::check::Check;

/// The rbac checks, in registry order.
pub(crate) static CHECKS: &[&Check] = &[];
