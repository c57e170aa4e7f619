//! The controlplane checks.

use crate::check::Check;

/// The controlplane checks, in registry order.
pub(crate) static CHECKS: &[&Check] = &[];
