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
pub mod runtime;
mod runtime_agent;
pub mod scan;
mod scan_output;
pub mod seccomp;
pub mod serve;
mod upload;

/// The exit code a shell would show for a finished command: its status, or
/// 128+N when signal N ended it.
pub(crate) fn shell_exit_code(status: std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code).unwrap_or(1),
        (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(255),
        _ => 1,
    }
}
