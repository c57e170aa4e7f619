//! Diagnostics and the result of a load.

use std::sync::Arc;

use crate::object::Object;
use crate::position::Position;
use crate::spans::LoadOptions;

/// How bad a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The document or object was not loaded.
    Error,
    /// The object loaded, but something looks wrong (an unknown field, no pod spec).
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A problem found while loading, with where it is.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Diagnostic {
    /// The source, as given to [`crate::parse_bytes`] (a path or `<stdin>`).
    pub source: Arc<str>,
    /// Where the problem is.
    pub position: Position,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, e.g. `invalid type: string "yes", expected a boolean at spec.hostNetwork`.
    pub message: String,
    /// The object concerned when known, e.g. `Pod default/web`.
    pub object: Option<String>,
}

impl std::fmt::Display for Diagnostic {
    /// `path:LINE:COL: error: message (Pod default/web)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.source, self.position.line, self.position.column, self.severity, self.message
        )?;
        if let Some(object) = &self.object {
            write!(f, " ({object})")?;
        }
        Ok(())
    }
}

/// Everything loaded from one or more sources.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The objects, in input order (list items in list order).
    pub objects: Vec<Object>,
    /// Errors and warnings, in input order.
    pub diagnostics: Vec<Diagnostic>,
    /// Documents and list items seen, including those that failed to load.
    /// A `List` does not count itself: its items do.
    pub documents: usize,
    /// Sources read (files and stdin).
    pub sources: usize,
}

impl Loaded {
    /// Appends everything from `other`, keeping order.
    pub fn extend(&mut self, other: Loaded) {
        if self.objects.capacity() == 0 {
            self.objects = other.objects;
        } else {
            self.objects.extend(other.objects);
        }
        self.diagnostics.extend(other.diagnostics);
        self.documents += other.documents;
        self.sources += other.sources;
    }

    /// Whether any diagnostic is an [`Severity::Error`].
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// Diagnostics that are errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }
}

/// Like [`Loaded`], with each object replaced by what a function made of it:
/// see [`crate::parse_bytes_map`] and [`crate::load_map`].
#[derive(Debug)]
pub struct Mapped<T> {
    /// What the function returned for each object, in input order.
    pub items: Vec<T>,
    /// Errors and warnings, in input order.
    pub diagnostics: Vec<Diagnostic>,
    /// Documents and list items seen, including those that failed to load.
    pub documents: usize,
    /// Sources read (files and stdin).
    pub sources: usize,
}

impl<T> Default for Mapped<T> {
    fn default() -> Self {
        Mapped {
            items: Vec::new(),
            diagnostics: Vec::new(),
            documents: 0,
            sources: 0,
        }
    }
}

impl<T> Mapped<T> {
    /// Appends everything from `other`, keeping order.
    pub fn extend(&mut self, other: Mapped<T>) {
        if self.items.capacity() == 0 {
            self.items = other.items;
        } else {
            self.items.extend(other.items);
        }
        self.diagnostics.extend(other.diagnostics);
        self.documents += other.documents;
        self.sources += other.sources;
    }

    /// Whether any diagnostic is an [`Severity::Error`].
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

impl From<Mapped<Object>> for Loaded {
    fn from(m: Mapped<Object>) -> Loaded {
        Loaded {
            objects: m.items,
            diagnostics: m.diagnostics,
            documents: m.documents,
            sources: m.sources,
        }
    }
}

/// The function objects go through on their way out.
pub(crate) struct MapFn<'f, T> {
    f: &'f (dyn Fn(Object) -> T + Sync),
    /// Give back spare vector capacity first (when objects are kept).
    shrink: bool,
    /// What to add to objects.
    options: LoadOptions,
}

impl<'f, T> MapFn<'f, T> {
    pub(crate) fn new(f: &'f (dyn Fn(Object) -> T + Sync), shrink: bool) -> Self {
        MapFn {
            f,
            shrink,
            options: LoadOptions::default(),
        }
    }

    /// The same, adding to objects what `options` ask for.
    pub(crate) fn with_options(self, options: LoadOptions) -> Self {
        MapFn { options, ..self }
    }
}

impl<T> Clone for MapFn<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for MapFn<'_, T> {}

/// Where parsing puts its results: objects (mapped), diagnostics, counts.
pub(crate) struct Out<'f, T> {
    pub objects: Vec<T>,
    pub diagnostics: Vec<Diagnostic>,
    pub documents: usize,
    map: MapFn<'f, T>,
}

impl<'f, T> Out<'f, T> {
    pub(crate) fn new(map: MapFn<'f, T>) -> Self {
        Out {
            objects: Vec::new(),
            diagnostics: Vec::new(),
            documents: 0,
            map,
        }
    }

    /// The function, to start outputs for parts of the work (`Out::new`).
    pub(crate) fn map_fn(&self) -> MapFn<'f, T> {
        self.map
    }

    /// What to add to objects.
    pub(crate) fn options(&self) -> LoadOptions {
        self.map.options
    }

    pub(crate) fn push_object(&mut self, mut object: Object) {
        if self.map.shrink {
            crate::shrink::meta(&mut object.metadata);
            if let Some(pod) = object.pod.as_mut() {
                crate::shrink::meta(&mut pod.metadata);
                crate::shrink::pod_spec(&mut pod.spec);
            }
        }
        self.objects.push((self.map.f)(object));
    }

    pub(crate) fn append(&mut self, other: Out<'f, T>) {
        if self.objects.capacity() == 0 {
            self.objects = other.objects;
        } else {
            self.objects.extend(other.objects);
        }
        self.diagnostics.extend(other.diagnostics);
        self.documents += other.documents;
    }

    pub(crate) fn push_diag(
        &mut self,
        source: &Arc<str>,
        position: Position,
        severity: Severity,
        message: impl Into<String>,
        object: Option<String>,
    ) {
        self.diagnostics.push(Diagnostic {
            source: Arc::clone(source),
            position,
            severity,
            message: message.into(),
            object,
        });
    }

    pub(crate) fn finish(self, sources: usize) -> Mapped<T> {
        Mapped {
            items: self.objects,
            diagnostics: self.diagnostics,
            documents: self.documents,
            sources,
        }
    }
}
