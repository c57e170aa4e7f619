//! `kensa image scan` (wired to kensa-vuln).

use crate::output::ColorChoice;

/// Help for `kensa image scan`.
pub const SCAN_HELP: &str = "";

/// `kensa image scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub source: crate::commands::image::ImageSourceArgs,
}

/// Runs the scan.
pub fn run(_args: ScanArgs, _color: ColorChoice) -> anyhow::Result<u8> {
    anyhow::bail!("not wired yet")
}
