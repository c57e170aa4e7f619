//! `tail -F` for one audit log: new lines as they are written, across
//! rotation and truncation.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::ReadOptions;
use crate::event::Event;
use crate::line::{Decoder, ReadStats};
use crate::{Error, Result};

const DEFAULT_POLL: Duration = Duration::from_millis(200);

/// Which file a path points at: a rotation gives the path a new file.
#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(_meta: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// The file being followed.
struct Open {
    file: File,
    identity: (u64, u64),
    position: u64,
    carry: Vec<u8>,
    line: u64,
    stats: ReadStats,
}

/// Follows `path` like `tail -F`: reads what is there (from the start, or
/// only what is appended from now on), then polls for appended lines, waiting
/// for the rest of a partial last line. When the file is renamed or replaced
/// (its inode changes) the old file is read to its end and the new one from
/// its start; when it shrinks (truncated) it is read again from the start. A
/// path that does not exist yet is waited for. Runs until `sink` breaks or
/// `options.stop` is set; line numbers count from where following began.
pub fn follow<F>(
    path: &Path,
    options: &ReadOptions<'_>,
    from_start: bool,
    mut sink: F,
) -> Result<ReadStats>
where
    F: FnMut(&Event<'_>, &[u8]) -> ControlFlow<()>,
{
    let display = path.display().to_string();
    let poll = if options.poll.is_zero() {
        DEFAULT_POLL
    } else {
        options.poll
    };
    let mut total = ReadStats::default();
    let mut open = open(path, &display, !from_start)?;
    let mut buffer = vec![0; 1 << 20];
    loop {
        if let Some(current) = &mut open
            && drain(current, &display, options, &mut buffer, &mut sink)?.is_break()
        {
            total.merge(std::mem::take(&mut current.stats));
            return Ok(total);
        }
        if options
            .stop
            .is_some_and(|stop| stop.load(Ordering::Relaxed))
        {
            break;
        }
        let now = std::fs::metadata(path).ok();
        match (&mut open, now) {
            (Some(current), Some(meta)) if identity(&meta) != current.identity => {
                // Rotated: the old file was read to its end just now; what
                // is left of it is a cut-off last line.
                let flow = finish(current, &display, options, &mut sink)?;
                total.merge(std::mem::take(&mut current.stats));
                if flow.is_break() {
                    return Ok(total);
                }
                open = self::open(path, &display, false)?;
                continue;
            }
            (Some(current), Some(meta)) if meta.len() < current.position => {
                current
                    .file
                    .seek(SeekFrom::Start(0))
                    .map_err(|source| io(&display, source))?;
                current.position = 0;
                current.carry.clear();
                current.line = 1;
                continue;
            }
            (None, Some(_)) => {
                open = self::open(path, &display, false)?;
                continue;
            }
            _ => {}
        }
        std::thread::sleep(poll);
    }
    if let Some(current) = &mut open {
        total.merge(std::mem::take(&mut current.stats));
    }
    Ok(total)
}

fn io(display: &str, source: std::io::Error) -> Error {
    Error::Io {
        path: display.to_string(),
        source,
    }
}

fn open(path: &Path, display: &str, at_end: bool) -> Result<Option<Open>> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(io(display, error)),
    };
    let meta = file.metadata().map_err(|source| io(display, source))?;
    let position = if at_end {
        file.seek(SeekFrom::End(0))
            .map_err(|source| io(display, source))?
    } else {
        0
    };
    let stats = ReadStats {
        files: 1,
        ..ReadStats::default()
    };
    Ok(Some(Open {
        file,
        identity: identity(&meta),
        position,
        carry: Vec::new(),
        line: 1,
        stats,
    }))
}

/// Reads what has been appended and decodes its whole lines.
fn drain<F>(
    current: &mut Open,
    display: &str,
    options: &ReadOptions<'_>,
    buffer: &mut [u8],
    sink: &mut F,
) -> Result<ControlFlow<()>>
where
    F: FnMut(&Event<'_>, &[u8]) -> ControlFlow<()>,
{
    loop {
        let n = current
            .file
            .read(buffer)
            .map_err(|source| io(display, source))?;
        if n == 0 {
            return Ok(ControlFlow::Continue(()));
        }
        current.position += n as u64;
        current.carry.extend_from_slice(&buffer[..n]);
        let cut = crate::line::cut_block(&current.carry);
        if cut == 0 {
            continue;
        }
        let block: Vec<u8> = current.carry.drain(..cut).collect();
        let lines = memchr::memchr_iter(b'\n', &block).count() as u64;
        let mut decoder = Decoder::new(display)
            .with_prefilter(options.prefilter)
            .strict(options.strict);
        let flow = decoder.block(current.line, &block, false, sink)?;
        current.line += lines;
        current.stats.merge(decoder.stats);
        if flow.is_break() {
            return Ok(flow);
        }
    }
}

/// Decodes what is left of a file that will not grow any more.
fn finish<F>(
    current: &mut Open,
    display: &str,
    options: &ReadOptions<'_>,
    sink: &mut F,
) -> Result<ControlFlow<()>>
where
    F: FnMut(&Event<'_>, &[u8]) -> ControlFlow<()>,
{
    let rest = std::mem::take(&mut current.carry);
    let mut decoder = Decoder::new(display)
        .with_prefilter(options.prefilter)
        .strict(options.strict);
    let flow = decoder.block(current.line, &rest, true, sink)?;
    current.stats.merge(decoder.stats);
    Ok(flow)
}
