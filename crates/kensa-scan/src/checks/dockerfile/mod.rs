//! The dockerfile checks.

use crate::check::Check;

/// The dockerfile checks, in registry order.
pub(crate) static CHECKS: &[&Check] = &[];
