//! Atomic writes and the lock that serialises writers. A reader sees the old file or
//! the new one, never a torn one, even when the writer is killed half-way.

use std::fs::{self, DirBuilder, File, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::error::StoreError;

const TEMP_SUFFIX: &str = ".tmp";

/// Creates `dir` (and its parents) with mode 0700 when it does not exist yet. A
/// directory root creates gets the owner of the one it is made in (see
/// [`adopt_directory_owner`]).
pub fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    if dir.is_dir() {
        return Ok(());
    }
    let missing: Vec<&Path> = dir
        .ancestors()
        .take_while(|ancestor| !ancestor.as_os_str().is_empty() && !ancestor.exists())
        .collect();
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|error| StoreError::io(dir, error))?;
    // Outermost first, so each takes the owner its parent has just been given.
    for created in missing.iter().rev() {
        adopt_directory_owner(created);
    }
    Ok(())
}

/// The owner and group a file made in `dir` should have, when this process is root
/// and they differ from root's: in the packaged layout /var/lib/hookconsole belongs
/// to the service user and /etc/hookconsole to group hookconsole, and a file root
/// writes there (`sudo hookconsole add …`, the queue opened by the TUI) must stay
/// readable and writable by the worker. `None` when nothing needs changing.
fn owner_for_files_in(dir: &Path) -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let metadata = fs::metadata(dir).ok()?;
    (metadata.uid() != 0 || metadata.gid() != 0).then(|| (metadata.uid(), metadata.gid()))
}

/// Gives `path` (just created by this process) the owner and group of its directory
/// when running as root; see [`owner_for_files_in`]. Symbolic links are not followed,
/// so a link put in its place cannot turn this into a chown of another file. Best
/// effort: a failure leaves the file as root made it.
pub fn adopt_directory_owner(path: &Path) {
    let Some(dir) = path.parent() else {
        return;
    };
    let Some((uid, gid)) = owner_for_files_in(dir) else {
        return;
    };
    match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.uid() != uid || metadata.gid() != gid => {
            if let Err(error) = std::os::unix::fs::lchown(path, Some(uid), Some(gid)) {
                tracing::warn!(path = %path.display(), %error, "could not hand the file to the directory's owner");
            }
        }
        _ => {}
    }
}

/// [`adopt_directory_owner`] through an open file, for a file not yet in its place.
fn adopt_directory_owner_of_open(file: &File, dir: &Path) -> std::io::Result<()> {
    match owner_for_files_in(dir) {
        Some((uid, gid)) => std::os::unix::fs::fchown(file, Some(uid), Some(gid)),
        None => Ok(()),
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory: write,
/// fsync, rename over the old file, fsync the directory. The file gets `mode`.
/// Call it while holding the file's [`FileLock`].
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), StoreError> {
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    remove_stale_temp_files(path);
    let mut temp = tempfile::Builder::new()
        .prefix(&temp_prefix(path))
        .suffix(TEMP_SUFFIX)
        .permissions(Permissions::from_mode(mode))
        .tempfile_in(dir)
        .map_err(|error| StoreError::io(dir, error))?;
    temp.write_all(bytes)
        .and_then(|()| adopt_directory_owner_of_open(temp.as_file(), dir))
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|error| StoreError::io(temp.path(), error))?;
    temp.persist(path)
        .map_err(|error| StoreError::io(path, error.error))?;
    File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(|error| StoreError::io(dir, error))
}

fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.")
}

/// A writer killed between creating its temporary file and renaming it leaves the
/// temporary file behind. The caller holds the lock, so any such file is stale.
fn remove_stale_temp_files(path: &Path) {
    let (Some(dir), prefix) = (path.parent(), temp_prefix(path)) else {
        return;
    };
    let Ok(entries) = fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(TEMP_SUFFIX) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Opens one of the program's own files (creating it 0600 when missing) without
/// following a symbolic link, refuses anything but a plain file with one name, and sets
/// its mode and owner through the handle. The service user owns the packaged home: a
/// link or hard link it planted there must not turn root's chmod, chown or writes onto
/// another file.
pub fn open_own_file(path: &Path, create: bool) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() || metadata.nlink() != 1 {
        return Err(std::io::Error::other(format!(
            "{} is not a plain file of hookconsole's own; remove it",
            path.display()
        )));
    }
    if metadata.mode() & 0o777 != 0o600 {
        file.set_permissions(Permissions::from_mode(0o600))?;
    }
    if let Some(dir) = path.parent() {
        let _ = adopt_directory_owner_of_open(&file, dir);
    }
    Ok(file)
}

/// An exclusive advisory lock on `<file>.lock`, held until dropped. Every process that
/// writes the file takes it first (the kernel drops it when a process dies).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
    path: PathBuf,
}

impl FileLock {
    pub fn acquire(target: &Path) -> Result<FileLock, StoreError> {
        let mut path = target.as_os_str().to_owned();
        path.push(".lock");
        let path = PathBuf::from(path);
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        let file = open_own_file(&path, true).map_err(|error| {
            // O_NOFOLLOW met a link: said as for the data files, not as "too many
            // levels of symbolic links".
            if error.raw_os_error() == Some(libc::ELOOP) {
                StoreError::Link { path: path.clone() }
            } else {
                StoreError::io(&path, error)
            }
        })?;
        file.lock().map_err(|error| StoreError::io(&path, error))?;
        Ok(FileLock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}
