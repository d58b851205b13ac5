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

/// A file that replaces `path` only once it is written in full: a temporary file beside it,
/// made before the fit so that an unwritable destination is reported at once, then renamed.
pub struct StagedFile {
    path: PathBuf,
    temp: NamedTempFile,
}

impl StagedFile {
    /// Makes the temporary file in `path`'s folder, or fails naming `path`.
    pub fn new(path: &Path) -> Result<Self, CliError> {
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let cannot =
            |e: std::io::Error| CliError::Io { path: path.to_path_buf(), message: format!("cannot write here: {e}") };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".banditpam-");
        // A new file gets what a plain `open` would give it (0666 less the umask, which the
        // kernel applies at creation), not the temporary file's private 0600.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder.tempfile_in(folder).map_err(cannot)?;
        // An existing file keeps its mode.
        if let Ok(existing) = std::fs::metadata(path) {
            std::fs::set_permissions(temp.path(), existing.permissions()).map_err(cannot)?;
        }
        Ok(StagedFile { path: path.to_path_buf(), temp })
    }

    /// Writes `text` into the temporary file and flushes it to disk.
    pub fn write(&mut self, text: &str) -> Result<(), CliError> {
        let file = self.temp.as_file_mut();
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| CliError::Io { path: self.path.clone(), message: e.to_string() })
    }

    /// Renames the temporary file over `path`.
    pub fn commit(self) -> Result<(), CliError> {
        let path = self.path;
        self.temp.persist(&path).map(|_| ()).map_err(|e| CliError::Io { path, message: e.error.to_string() })
    }
}

/// Writes every `(file, text)` pair, then renames them all into place: if any write fails,
/// no destination is touched.
pub fn write_all(files: Vec<(StagedFile, String)>) -> Result<(), CliError> {
    let mut written = Vec::with_capacity(files.len());
    for (mut file, text) in files {
        file.write(&text)?;
        written.push(file);
    }
    written.into_iter().try_for_each(StagedFile::commit)
}
