//! One module per command.

pub mod pss;
mod pss_check;
mod pss_namespaces;
