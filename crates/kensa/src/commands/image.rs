//! `kensa image`: what is in an image (`sbom`) and which known
//! vulnerabilities it carries (`scan`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use kensa_image::image::Image;
use kensa_image::source::{self, Progress, ReadOptions, RegistryOptions};

use crate::commands::image_output;
use crate::exit;
use crate::output::{self, ColorChoice};

/// The reference forms, shared by the commands' help.
macro_rules! image_forms {
    () => {
        "IMAGE forms:
  oci:DIR[:TAG]                an OCI image layout (TAG: its ref name, or @sha256:...)
  docker-archive:FILE[:TAG]    what `docker save` (or `skopeo copy ... docker-archive:`) writes
  dir:ROOTFS                   an unpacked root filesystem
  HOST[:PORT]/NS/IMG[:TAG]     a registry (also @sha256:...); Docker Hub names like alpine:3.20 too

Registry credentials come from ~/.docker/config.json (or $DOCKER_CONFIG/config.json):
anonymous, basic and bearer-token auth. Downloaded layers are cached by diff ID in
~/.cache/kensa/layers ($KENSA_CACHE_DIR/layers).
"
    };
}

const SBOM_HELP: &str = concat!(
    image_forms!(),
    "
Exit codes: 0 written, 2 the image could not be read (nothing is written).

Examples:
  kensa image sbom oci:./layout:latest
  kensa image sbom docker-archive:app.tar -o spdx-json --output-file app.spdx.json
  kensa image sbom 127.0.0.1:5000/team/app:1.4 --insecure -o cyclonedx-json"
);

/// `kensa image`.
#[derive(Debug, clap::Subcommand)]
pub enum ImageCommand {
    /// List what is in an image: the OS and every package, as a table, JSON, SPDX or CycloneDX.
    #[command(after_help = SBOM_HELP)]
    Sbom(SbomArgs),
    /// Scan an image for known vulnerabilities in its packages.
    #[command(after_help = crate::commands::image_scan::SCAN_HELP)]
    Scan(Box<ScanArgs>),
}

/// Where and how to read an image.
#[derive(Debug, clap::Args)]
pub struct ImageSourceArgs {
    /// The image (see IMAGE forms below).
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// Platform to pick from a multi-arch image, as os/arch[/variant] (default: this machine's).
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,
    /// Plain HTTP to a registry on a loopback address (127.0.0.1, ::1, localhost).
    #[arg(long)]
    pub insecure: bool,
    /// Docker config file with registry credentials (default ~/.docker/config.json).
    #[arg(long, value_name = "FILE")]
    pub docker_config: Option<PathBuf>,
    /// Layer cache directory (default ~/.cache/kensa/layers).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

/// SBOM formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SbomFormat {
    /// A table of packages.
    Table,
    /// kensa's JSON (docs/image.md).
    Json,
    /// SPDX 2.3 JSON.
    SpdxJson,
    /// CycloneDX 1.6 JSON.
    CyclonedxJson,
}

/// `kensa image sbom`.
#[derive(Debug, clap::Args)]
pub struct SbomArgs {
    #[command(flatten)]
    pub source: ImageSourceArgs,
    /// Output format.
    #[arg(long, short = 'o', visible_alias = "format", value_enum, default_value_t = SbomFormat::Table)]
    pub output: SbomFormat,
    /// Write to this file (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}

/// `kensa image scan`: defined with the scan code.
pub use crate::commands::image_scan::ScanArgs;

/// Runs `kensa image`.
pub fn run(command: ImageCommand, color: ColorChoice) -> anyhow::Result<u8> {
    match command {
        ImageCommand::Sbom(args) => sbom(args, color),
        ImageCommand::Scan(args) => crate::commands::image_scan::run(*args, color),
    }
}

/// Reads the image, with a progress bar on a terminal.
pub fn read_image(args: &ImageSourceArgs) -> anyhow::Result<Image> {
    let options = ReadOptions {
        registry: RegistryOptions {
            insecure: args.insecure,
            platform: args.platform.clone(),
            docker_config: args.docker_config.clone(),
        },
        cache_dir: args.cache_dir.clone(),
        ..ReadOptions::default()
    };
    let bar = (!args.no_progress && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut progress = |event: Progress| {
        let Some(bar) = &bar else { return };
        match event {
            Progress::Download {
                digest,
                done,
                total,
            } => {
                bar.set_message(format!("pulling {}", digest.get(..19).unwrap_or(&digest)));
                bar.set_length(total.unwrap_or(done));
                bar.set_position(done);
            }
            Progress::Layer { index, count } => {
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar.set_message("reading layers");
                bar.set_length(count as u64);
                bar.set_position(index as u64);
            }
        }
    };
    let image = source::read(&args.image, &options, &mut progress);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    image.with_context(|| format!("reading {}", args.image))
}

/// Writes to `--output-file` atomically, or to stdout.
pub fn emit(
    output_file: Option<&PathBuf>,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match output_file {
        Some(path) => output::write_atomically(path, write),
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            write(&mut lock)?;
            lock.flush()?;
            Ok(())
        }
    }
}

fn sbom(args: SbomArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let image = read_image(&args.source)?;
    for note in &image.catalog.notes {
        output::warning_line(color, note);
    }
    let to_terminal = args.output_file.is_none();
    emit(args.output_file.as_ref(), |out| match args.output {
        SbomFormat::Table => {
            image_output::package_table(&image, out, to_terminal && color.stdout())
        }
        SbomFormat::Json => image_output::sbom_json(&image, out),
        SbomFormat::SpdxJson => image_output::spdx(&image, out),
        SbomFormat::CyclonedxJson => image_output::cyclonedx(&image, &[], out),
    })?;
    Ok(exit::OK)
}
