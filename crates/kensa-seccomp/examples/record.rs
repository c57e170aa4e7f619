//! Records a command's syscalls and prints the recording as JSON: the
//! recorder without the CLI, for measurements and manual checks.
//!
//! ```text
//! cargo run --release -p kensa-seccomp --example record -- ls -l /
//! ```

use std::ffi::OsString;
use std::process::ExitCode;

use kensa_seccomp::record::{RecordOptions, record_command};

fn main() -> ExitCode {
    let command: Vec<OsString> = std::env::args_os().skip(1).collect();
    match record_command(&command, &RecordOptions::default()) {
        Ok((status, report)) => {
            match serde_json::to_string_pretty(&report.recording) {
                Ok(json) => eprintln!("{json}"),
                Err(error) => eprintln!("record: {error}"),
            }
            if report.stats != Default::default() {
                eprintln!("record: incomplete: {:?}", report.stats);
            }
            ExitCode::from(status.code().unwrap_or(128) as u8)
        }
        Err(error) => {
            eprintln!("record: {error}");
            ExitCode::from(125)
        }
    }
}
