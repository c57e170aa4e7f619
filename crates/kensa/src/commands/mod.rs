//! One module per command.

pub mod fix;
pub mod pss;
mod pss_check;
mod pss_namespaces;
pub mod scan;
mod scan_output;
