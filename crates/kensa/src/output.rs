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
