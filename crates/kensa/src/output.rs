//! Terminal concerns: colour choice, styled text, stderr diagnostics.

use std::io::IsTerminal;

use owo_colors::OwoColorize;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal (and `NO_COLOR` is unset).
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour stdout.
    pub fn stdout(self) -> bool {
        self.enabled(std::io::stdout().is_terminal())
    }

    /// Whether to colour stderr.
    pub fn stderr(self) -> bool {
        self.enabled(std::io::stderr().is_terminal())
    }

    fn enabled(self, tty: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

/// Styles text only when colour is on.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Colour on.
    pub on: bool,
}

impl Style {
    /// Red, for violations.
    pub fn bad(self, text: &str) -> String {
        if self.on {
            text.red().to_string()
        } else {
            text.to_owned()
        }
    }
    /// Green, for passes.
    pub fn good(self, text: &str) -> String {
        if self.on {
            text.green().to_string()
        } else {
            text.to_owned()
        }
    }
    /// Yellow, for warnings.
    pub fn warn(self, text: &str) -> String {
        if self.on {
            text.yellow().to_string()
        } else {
            text.to_owned()
        }
    }
    /// Bold, for resource names.
    pub fn strong(self, text: &str) -> String {
        if self.on {
            text.bold().to_string()
        } else {
            text.to_owned()
        }
    }
    /// Dim, for locations.
    pub fn dim(self, text: &str) -> String {
        if self.on {
            text.dimmed().to_string()
        } else {
            text.to_owned()
        }
    }
}

/// Prints `kensa: error: MESSAGE` on stderr.
pub fn error_line(color: ColorChoice, message: &str) {
    let style = Style { on: color.stderr() };
    eprintln!("kensa: {} {message}", style.bad("error:"));
}

/// Prints an input diagnostic (`file:line:col: error: message (object)`) on stderr.
pub fn diagnostic(color: ColorChoice, diagnostic: &kensa_k8s::Diagnostic) {
    let style = Style { on: color.stderr() };
    let label = match diagnostic.severity {
        kensa_k8s::Severity::Error => style.bad("error:"),
        kensa_k8s::Severity::Warning => style.warn("warning:"),
    };
    let object = diagnostic
        .object
        .as_deref()
        .map(|o| format!(" ({o})"))
        .unwrap_or_default();
    eprintln!(
        "{} {label} {}{object}",
        style.dim(&format!(
            "{}:{}:{}:",
            diagnostic.source, diagnostic.position.line, diagnostic.position.column
        )),
        diagnostic.message
    );
}

/// Prints `kensa: warning: MESSAGE` on stderr.
pub fn warning_line(color: ColorChoice, message: &str) {
    let style = Style { on: color.stderr() };
    eprintln!("kensa: {} {message}", style.warn("warning:"));
}

/// Writes a file via a temporary file in the same directory and a rename,
/// so readers never see it half-written and a failure leaves the old file.
pub fn write_atomically(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;

    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    {
        let mut out = std::io::BufWriter::new(temp.as_file_mut());
        write(&mut out)?;
        out.flush()
            .with_context(|| format!("writing {}", path.display()))?;
    }
    // A replaced file keeps its permissions; a new one gets the usual 0644
    // rather than the temporary file's 0600.
    let permissions = match std::fs::metadata(path) {
        Ok(metadata) => metadata.permissions(),
        Err(_) => {
            use std::os::unix::fs::PermissionsExt;
            std::fs::Permissions::from_mode(0o644)
        }
    };
    temp.as_file()
        .set_permissions(permissions)
        .with_context(|| format!("setting the permissions of {}", path.display()))?;
    temp.as_file()
        .sync_all()
        .with_context(|| format!("writing {}", path.display()))?;
    temp.persist(path)
        .with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}
