//! Writing results: standard output that tolerates a closed pipe, and files that are written
//! whole or not at all.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::CliError;

/// Prints `text` and a newline on standard output. A closed pipe (`| head`) is not an error:
/// the tool then stops quietly, as Unix tools do; any other failure (a full disk) is.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(CliError::ClosedOutput),
        Err(e) => Err(CliError::Io { path: PathBuf::from("standard output"), message: e.to_string() }),
    }
}

/// Prints `text` on standard error, ignoring failures: a lost progress line is no reason to fail.
pub fn note(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Where a result goes: a regular file (new or existing) is replaced only once it is written in
/// full, through a temporary file beside it, made before the fit so that an unwritable
/// destination is reported at once, then renamed; anything else (a device such as `/dev/null`,
/// a FIFO, a process substitution) is written directly, since renaming over it would replace
/// it. A symbolic link is followed: its target is what gets replaced.
pub enum StagedFile {
    /// A regular file's replacement, staged beside it.
    Staged { path: PathBuf, target: PathBuf, temp: NamedTempFile },
    /// A destination written in place.
    Direct { path: PathBuf, text: Option<String> },
}

impl StagedFile {
    /// Prepares writing to `path`, or fails naming it (a folder, an unwritable place).
    pub fn new(path: &Path) -> Result<Self, CliError> {
        let cannot =
            |e: std::io::Error| CliError::Io { path: path.to_path_buf(), message: format!("cannot write here: {e}") };
        let existing = std::fs::metadata(path).ok();
        match &existing {
            Some(meta) if meta.is_dir() => {
                return Err(CliError::Io { path: path.to_path_buf(), message: "is a folder, not a file".into() })
            }
            Some(meta) if !meta.is_file() || is_system_path(path) => {
                return Ok(StagedFile::Direct { path: path.to_path_buf(), text: None })
            }
            _ => {}
        }
        // A link's target is replaced, and the link kept.
        let target = match existing {
            Some(_) => std::fs::canonicalize(path).map_err(cannot)?,
            None => path.to_path_buf(),
        };
        let folder = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".banditpam-");
        // A new file gets what a plain `open` would give it (0666 less the umask, which the
        // kernel applies at creation), not the temporary file's private 0600.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder.tempfile_in(folder).map_err(cannot)?;
        // An existing file keeps its mode.
        if let Ok(existing) = std::fs::metadata(&target) {
            std::fs::set_permissions(temp.path(), existing.permissions()).map_err(cannot)?;
        }
        Ok(StagedFile::Staged { path: path.to_path_buf(), target, temp })
    }

    /// The file this output finally writes (a link's target), to tell two outputs apart.
    pub fn destination(&self) -> PathBuf {
        match self {
            StagedFile::Staged { target, .. } => std::path::absolute(target).unwrap_or_else(|_| target.clone()),
            StagedFile::Direct { path, .. } => std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()),
        }
    }

    /// Writes `text` into the temporary file and flushes it to disk; a direct destination
    /// keeps the text until `commit`.
    pub fn write(&mut self, text: String) -> Result<(), CliError> {
        match self {
            StagedFile::Staged { path, temp, .. } => {
                let file = temp.as_file_mut();
                file.write_all(text.as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(|e| CliError::Io { path: path.clone(), message: e.to_string() })
            }
            StagedFile::Direct { text: slot, .. } => {
                *slot = Some(text);
                Ok(())
            }
        }
    }

    /// Puts the text in place: renames the temporary file over the target, or writes a
    /// direct destination.
    pub fn commit(self) -> Result<(), CliError> {
        match self {
            StagedFile::Staged { path, target, temp, .. } => {
                temp.persist(&target).map(|_| ()).map_err(|e| CliError::Io { path, message: e.error.to_string() })
            }
            StagedFile::Direct { path, text } => {
                let io = |e: std::io::Error| CliError::Io { path: path.clone(), message: e.to_string() };
                // This process's own standard streams are written through the descriptors it
                // has, at their offsets, so what else it prints there is neither lost nor
                // overwritten.
                let text = text.unwrap_or_default();
                match path.to_str() {
                    Some("/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1") => {
                        let mut out = std::io::stdout().lock();
                        return out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(io);
                    }
                    Some("/dev/stderr" | "/dev/fd/2" | "/proc/self/fd/2") => {
                        return std::io::stderr().write_all(text.as_bytes()).map_err(io);
                    }
                    _ => {}
                }
                // Appending: `/dev/stdout` may be the file the shell's `>` opened, already
                // holding what the tool printed.
                let mut file = std::fs::OpenOptions::new().append(true).open(&path).map_err(io)?;
                file.write_all(text.as_bytes()).and_then(|()| file.flush()).map_err(io)
            }
        }
    }

    fn is_direct(&self) -> bool {
        matches!(self, StagedFile::Direct { .. })
    }
}

/// Whether `path`, or a link on the way to its file, is in `/dev` or `/proc`: `/dev/stdout`
/// and `/dev/fd/N` name a descriptor this process already has open, whose file must be written,
/// not replaced (replacing it would cut the shell's `>` off from what follows).
fn is_system_path(path: &Path) -> bool {
    let mut at = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    for _ in 0..40 {
        if at.starts_with("/dev") || at.starts_with("/proc") {
            return true;
        }
        match std::fs::read_link(&at) {
            Ok(next) => at = at.parent().map_or(next.clone(), |folder| folder.join(&next)),
            Err(_) => return false,
        }
    }
    false
}

/// Refuses outputs that end in one file (`--output x --labels x`, or a link to the other): one
/// of the two results would be lost. Called before the fit.
pub fn check_distinct(files: &[Option<&StagedFile>]) -> Result<(), CliError> {
    let destinations: Vec<PathBuf> = files.iter().flatten().map(|file| file.destination()).collect();
    for (i, a) in destinations.iter().enumerate() {
        if destinations[i + 1..].contains(a) {
            return Err(CliError::Usage(format!("two outputs name the same file {}: give each its own", a.display())));
        }
    }
    Ok(())
}

/// Writes every `(file, text)` pair, then puts them all in place: if any staged write fails,
/// no destination is touched. Direct destinations (devices, pipes) are written after the staged
/// files are complete and before they are renamed, so a failing device (`/dev/full`) leaves
/// every regular file as it was.
pub fn write_all(files: Vec<(StagedFile, String)>) -> Result<(), CliError> {
    let mut staged = Vec::with_capacity(files.len());
    let mut direct = Vec::new();
    for (mut file, text) in files {
        file.write(text)?;
        if file.is_direct() {
            direct.push(file);
        } else {
            staged.push(file);
        }
    }
    direct.into_iter().try_for_each(StagedFile::commit)?;
    staged.into_iter().try_for_each(StagedFile::commit)
}
