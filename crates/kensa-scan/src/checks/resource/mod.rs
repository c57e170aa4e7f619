//! The resource checks.

use crate::check::Check;

/// The resource checks, in registry order.
pub(crate) static CHECKS: &[&Check] = &[];
