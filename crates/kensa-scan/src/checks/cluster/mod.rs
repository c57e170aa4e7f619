//! The cluster checks.

use crate::check::Check;

/// The cluster checks, in registry order.
pub(crate) static CHECKS: &[&Check] = &[];
