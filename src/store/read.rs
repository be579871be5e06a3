//! Reading files with bounds. hookconsole's own files are never read through a
//! symbolic link; files a person names may be links, but every file read must be a
//! regular file (not /dev/urandom, a FIFO or a terminal, where a read never ends) no
//! larger than the bound its kind has.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use super::error::StoreError;

/// The integrations file, and a document of integrations given to `import` or
/// `add --from-file` (an export of the whole file must import again): 10,000
/// integrations with certificates and samples are a few tens of MiB.
pub const DOCUMENT_LIMIT: u64 = 64 * 1024 * 1024;
/// The token store (a few hundred bytes per integration).
pub const TOKENS_LIMIT: u64 = 16 * 1024 * 1024;
/// The settings and the proxy's credentials.
pub const SETTINGS_LIMIT: u64 = 1024 * 1024;
/// One field's file: a certificate (a PEM chain, even a CA bundle) or a content sample.
pub const FIELD_LIMIT: u64 = 1024 * 1024;
/// An event's payload or fields (`send --file`, `--fields`).
pub const EVENT_LIMIT: u64 = 16 * 1024 * 1024;

/// Reads one of hookconsole's own files; `None` when it does not exist. A symbolic
/// link is refused without being followed (O_NOFOLLOW): in the packaged home the
/// service user could put one there to make root read, and quote in an error, a file
/// it may not read itself.
pub fn read_own_file(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, StoreError> {
    let opened = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path);
    let file = match opened {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) if error.raw_os_error() == Some(libc::ELOOP) => {
            return Err(StoreError::Link {
                path: path.to_path_buf(),
            });
        }
        Err(error) => return Err(StoreError::io(path, error)),
    };
    read_bounded(file, path, limit).map(Some)
}

/// Reads a file a person named (`import FILE`, `--certificate FILE`,
/// `content_sample=@FILE`). A link is followed, as the person chose it; what it leads
/// to must be a regular file of at most `limit` bytes.
pub fn read_named_file(path: &Path, limit: u64) -> Result<Vec<u8>, StoreError> {
    // Non-blocking, so that opening a FIFO nobody writes to does not wait forever.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|error| StoreError::io(path, error))?;
    read_bounded(file, path, limit)
}

/// Standard input (`-` for a file), up to `limit` bytes.
pub fn read_standard_input(limit: u64) -> Result<Vec<u8>, StoreError> {
    let shown = Path::new("<stdin>");
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| StoreError::io(shown, error))?;
    if bytes.len() as u64 > limit {
        return Err(StoreError::TooLarge {
            path: shown.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

fn read_bounded(file: File, path: &Path, limit: u64) -> Result<Vec<u8>, StoreError> {
    let metadata = file
        .metadata()
        .map_err(|error| StoreError::io(path, error))?;
    let kind = metadata.file_type();
    if !kind.is_file() {
        let kind = if kind.is_dir() {
            "a directory"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else if kind.is_fifo() {
            "a FIFO (named pipe)"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "not a plain file"
        };
        return Err(StoreError::NotRegular {
            path: path.to_path_buf(),
            kind,
        });
    }
    if metadata.len() > limit {
        return Err(StoreError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    // The size may grow between the check and the read: read one byte past the bound.
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| StoreError::io(path, error))?;
    if bytes.len() as u64 > limit {
        return Err(StoreError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_files_are_not_read_through_links_and_named_files_are() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.txt");
        std::fs::write(&target, "secret content").unwrap();
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let error = read_own_file(&link, 1024).unwrap_err();
        assert!(matches!(error, StoreError::Link { .. }), "{error}");
        assert!(!error.to_string().contains("secret content"));
        assert_eq!(read_named_file(&link, 1024).unwrap(), b"secret content");
        assert_eq!(read_own_file(&dir.path().join("none"), 1024).unwrap(), None);
    }

    #[test]
    fn only_regular_files_within_the_bound_are_read() {
        let error = read_named_file(Path::new("/dev/urandom"), 1024).unwrap_err();
        assert!(error.to_string().contains("a character device"), "{error}");
        let dir = tempfile::tempdir().unwrap();
        let error = read_named_file(dir.path(), 1024).unwrap_err();
        assert!(error.to_string().contains("a directory"), "{error}");
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 2048]).unwrap();
        let error = read_named_file(&big, 1024).unwrap_err();
        assert!(error.to_string().contains("larger than 1 KiB"), "{error}");
        assert_eq!(read_named_file(&big, 2048).unwrap().len(), 2048);
    }
}
