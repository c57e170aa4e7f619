//! One module per command.

pub mod audit;
mod audit_output;
mod audit_policy;
pub mod db;
pub mod fix;
pub mod image;
mod image_output;
mod image_scan;
pub mod pss;
mod pss_check;
mod pss_namespaces;
pub mod scan;
mod scan_output;
pub mod seccomp;
pub mod serve;
mod upload;
