//! The I/O edge: files, directories, stdin.

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diag::{Diagnostic, Loaded, MapFn, Mapped, Severity};
use crate::error::{Error, Result};
use crate::object::Object;
use crate::position::Position;
use crate::spans::LoadOptions;
use crate::stream;

/// Where to read objects from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file, or a directory read recursively.
    Path(PathBuf),
    /// Standard input (named `<stdin>` in positions).
    Stdin,
}

impl Input {
    /// `-` is stdin, anything else a path.
    pub fn from_arg(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }

    /// The name used for the source: the path as given, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Stdin => "<stdin>".to_owned(),
        }
    }
}

/// Reads one file or stdin whole. (A directory is an error here; [`load`] walks it.)
pub fn read_input(input: &Input) -> Result<Vec<u8>> {
    match input {
        Input::Path(path) => std::fs::read(path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        }),
        Input::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(Error::Stdin)?;
            Ok(bytes)
        }
    }
}

fn is_manifest(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// Collects the manifest files under `dir`, sorted, skipping hidden
/// directories; symlinked directories are not followed.
fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<Error>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(source) => {
            errors.push(Error::Read {
                path: dir.to_path_buf(),
                source,
            });
            return;
        }
    };
    let mut paths: Vec<(PathBuf, bool)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                paths.push((path, is_dir));
            }
            Err(source) => errors.push(Error::Read {
                path: dir.to_path_buf(),
                source,
            }),
        }
    }
    paths.sort();
    for (path, is_dir) in paths {
        if is_dir {
            if !is_hidden(&path) {
                walk(&path, files, errors);
            }
        } else if is_manifest(&path) && path.is_file() {
            files.push(path);
        }
    }
}

fn error_diag(error: &Error) -> Diagnostic {
    let source = match error {
        Error::Read { path, .. } => path.display().to_string(),
        Error::Stdin(_) => "<stdin>".to_owned(),
    };
    Diagnostic {
        source: source.into(),
        position: Position::START,
        severity: Severity::Error,
        message: error.to_string(),
        object: None,
    }
}

/// One unit of work: a file to read, or a read error to report, in order.
enum Job {
    File(PathBuf),
    Stdin,
    Failed(Error),
}

/// Loads objects from files, directories (recursively: `*.yaml`, `*.yml`,
/// `*.json`, sorted, hidden directories skipped) and stdin, in the order
/// given. An unreadable path becomes an error diagnostic. Empty input is not
/// an error here: callers check [`Loaded::documents`].
pub fn load(inputs: &[Input]) -> Loaded {
    load_impl(inputs, MapFn::new(&|object| object, true)).into()
}

/// Like [`load`], with [`LoadOptions`] (see [`crate::parse_bytes_with`]).
/// With the default options it is [`load`].
pub fn load_with(inputs: &[Input], options: &LoadOptions) -> Loaded {
    load_impl(
        inputs,
        MapFn::new(&|object| object, true).with_options(*options),
    )
    .into()
}

/// Like [`load`], but every object goes through `f` as soon as it is loaded
/// and only what `f` returns is kept (see [`crate::parse_bytes_map`]).
pub fn load_map<T, F>(inputs: &[Input], f: F) -> Mapped<T>
where
    T: Send,
    F: Fn(Object) -> T + Sync,
{
    load_impl(inputs, MapFn::new(&f, false))
}

fn load_impl<T: Send>(inputs: &[Input], map: MapFn<'_, T>) -> Mapped<T> {
    let mut jobs = Vec::new();
    for input in inputs {
        match input {
            Input::Stdin => jobs.push(Job::Stdin),
            Input::Path(path) if path.is_dir() => {
                let mut files = Vec::new();
                let mut errors = Vec::new();
                walk(path, &mut files, &mut errors);
                jobs.extend(errors.into_iter().map(Job::Failed));
                jobs.extend(files.into_iter().map(Job::File));
            }
            Input::Path(path) => jobs.push(Job::File(path.clone())),
        }
    }
    let failed = |error: &Error| Mapped {
        diagnostics: vec![error_diag(error)],
        ..Mapped::default()
    };
    let parts: Vec<Mapped<T>> = jobs
        .into_par_iter()
        .map(|job| {
            let (input, name) = match job {
                Job::Failed(error) => return failed(&error),
                Job::Stdin => (Input::Stdin, "<stdin>".to_owned()),
                Job::File(path) => {
                    let name = path.display().to_string();
                    (Input::Path(path), name)
                }
            };
            if let Input::Path(path) = &input
                && std::fs::metadata(path).is_ok_and(|m| m.len() >= stream::STREAM_MIN)
                && let Some(mapped) = stream::stream_json_list(path, &name, map, stream::BLOCK)
            {
                return mapped;
            }
            match read_input(&input) {
                Ok(bytes) => crate::parse_impl(&name, &bytes, map),
                Err(error) => failed(&error),
            }
        })
        .collect();
    let mut loaded = Mapped::default();
    for part in parts {
        loaded.extend(part);
    }
    loaded
}
