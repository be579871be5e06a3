//! Where hookconsole keeps its files. One home directory holds the integrations, the
//! tokens, the delivery queue and the log; the settings file sits beside them, except
//! in the packaged layout where it lives under /etc.

use std::path::{Path, PathBuf};

pub const PACKAGED_DATA_DIR: &str = "/var/lib/hookconsole";
pub const PACKAGED_SETTINGS_FILE: &str = "/etc/hookconsole/settings.yaml";

/// The packaged home as this process finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PackagedHome {
    /// Not installed from a package (or removed).
    Absent,
    /// Installed, and this process may read, write and enter it: root, the service user.
    Usable,
    /// Installed, but it belongs to the service user and this process is someone else.
    Forbidden,
}

impl PackagedHome {
    fn probe(dir: &Path) -> PackagedHome {
        if !dir.is_dir() {
            return PackagedHome::Absent;
        }
        if may_read_write_enter(dir) {
            PackagedHome::Usable
        } else {
            PackagedHome::Forbidden
        }
    }
}

/// Whether this process, as its effective user, may list, create files in and enter `dir`.
fn may_read_write_enter(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `path` is a valid NUL-terminated string that outlives the call.
    unsafe {
        libc::faccessat(
            libc::AT_FDCWD,
            path.as_ptr(),
            libc::R_OK | libc::W_OK | libc::X_OK,
            libc::AT_EACCESS,
        ) == 0
    }
}

/// What to tell a person refused access to a file of the packaged installation: which
/// users it is for, and how to use a home of their own. Empty for other files.
pub(crate) fn permission_hint(path: &Path) -> &'static str {
    let settings_dir = Path::new(PACKAGED_SETTINGS_FILE)
        .parent()
        .unwrap_or(Path::new("/etc"));
    if path.starts_with(PACKAGED_DATA_DIR) || path.starts_with(settings_dir) {
        " (the packaged installation belongs to the hookconsole service user: run \
         hookconsole as root, e.g. with sudo, or as that user with \
         `sudo -u hookconsole hookconsole ...`; or use --home DIR for a home of your own)"
    } else {
        ""
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    pub data_dir: PathBuf,
    pub settings_file: PathBuf,
}

impl Locations {
    /// A home given explicitly (`--home DIR` or `HOOKCONSOLE_HOME`), else the packaged
    /// location when it exists, else the user's XDG data directory.
    ///
    /// The packaged location is kept even for a user who may not use it (it belongs to
    /// the service user; root and that user may): falling back to a private home would
    /// show that person an empty list and deliveries the worker never sees. Their first
    /// file access fails instead, with [`permission_hint`] saying what to do.
    pub fn resolve(explicit_home: Option<&Path>) -> Locations {
        Self::resolve_from(
            explicit_home,
            PackagedHome::probe(Path::new(PACKAGED_DATA_DIR)),
            dirs::data_dir(),
        )
    }

    fn resolve_from(
        explicit_home: Option<&Path>,
        packaged: PackagedHome,
        xdg_data: Option<PathBuf>,
    ) -> Locations {
        if let Some(home) = explicit_home {
            return Locations::in_home(home);
        }
        match packaged {
            PackagedHome::Usable | PackagedHome::Forbidden => {
                return Locations::packaged();
            }
            PackagedHome::Absent => {}
        }
        let base = xdg_data.unwrap_or_else(|| PathBuf::from(".local/share"));
        Locations::in_home(&base.join("hookconsole"))
    }

    /// The layout the packages install: the home under /var/lib, settings under /etc.
    pub fn packaged() -> Locations {
        Locations {
            data_dir: PathBuf::from(PACKAGED_DATA_DIR),
            settings_file: PathBuf::from(PACKAGED_SETTINGS_FILE),
        }
    }

    /// Everything in one directory: tests, `--home`, a user install.
    pub fn in_home(home: &Path) -> Locations {
        Locations {
            data_dir: home.to_path_buf(),
            settings_file: home.join("settings.yaml"),
        }
    }

    pub fn integrations_file(&self) -> PathBuf {
        self.data_dir.join("integrations.yaml")
    }

    pub fn tokens_file(&self) -> PathBuf {
        self.data_dir.join("tokens.yaml")
    }

    /// The proxy's user name and password (0600): not in the settings file, which is
    /// group-readable in the packaged layout.
    pub fn proxy_credentials_file(&self) -> PathBuf {
        self.data_dir.join("proxy-credentials.yaml")
    }

    pub fn queue_database(&self) -> PathBuf {
        self.data_dir.join("deliveries.sqlite3")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_home_wins_over_packaged_and_xdg() {
        let found = Locations::resolve_from(
            Some(Path::new("/tmp/h")),
            PackagedHome::Usable,
            Some(PathBuf::from("/home/u/.local/share")),
        );
        assert_eq!(found, Locations::in_home(Path::new("/tmp/h")));
    }

    #[test]
    fn packaged_location_when_it_exists() {
        let found = Locations::resolve_from(None, PackagedHome::Usable, Some(PathBuf::from("/x")));
        assert_eq!(found.data_dir, PathBuf::from(PACKAGED_DATA_DIR));
        assert_eq!(found.settings_file, PathBuf::from(PACKAGED_SETTINGS_FILE));
    }

    #[test]
    fn a_user_refused_the_packaged_home_is_not_moved_to_a_private_one() {
        let found =
            Locations::resolve_from(None, PackagedHome::Forbidden, Some(PathBuf::from("/x")));
        assert_eq!(found, Locations::packaged());
        let hint = permission_hint(&found.integrations_file());
        assert!(hint.contains("sudo -u hookconsole"), "{hint}");
        assert!(hint.contains("--home DIR"), "{hint}");
        assert!(permission_hint(&found.settings_file).contains("as root"));
        assert_eq!(
            permission_hint(Path::new("/home/u/h/integrations.yaml")),
            ""
        );
    }

    #[test]
    fn probing_tells_absent_from_usable() {
        let home = tempfile::tempdir().unwrap();
        assert_eq!(PackagedHome::probe(home.path()), PackagedHome::Usable);
        let gone = home.path().join("not-installed");
        assert_eq!(PackagedHome::probe(&gone), PackagedHome::Absent);
        let file = home.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        assert_eq!(PackagedHome::probe(&file), PackagedHome::Absent);
    }

    /// The packaged home is 0700 and owned by the service user. Root may use it all the
    /// same (the package's administrators run hookconsole as root); anyone else, who
    /// is neither its owner nor root, is refused.
    #[test]
    fn a_home_of_another_user_is_usable_by_root_only() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let private = home.path().join("private");
        std::fs::create_dir(&private).unwrap();
        // Mode 0 stands for "owned by someone else": the owner's bits give nothing.
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o000)).unwrap();
        let expected = if unsafe { libc::geteuid() } == 0 {
            PackagedHome::Usable
        } else {
            PackagedHome::Forbidden
        };
        assert_eq!(PackagedHome::probe(&private), expected);
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(PackagedHome::probe(&private), PackagedHome::Usable);
    }

    #[test]
    fn xdg_data_dir_otherwise() {
        let found = Locations::resolve_from(
            None,
            PackagedHome::Absent,
            Some(PathBuf::from("/home/u/.local/share")),
        );
        assert_eq!(
            found.data_dir,
            PathBuf::from("/home/u/.local/share/hookconsole")
        );
        assert_eq!(
            found.settings_file,
            PathBuf::from("/home/u/.local/share/hookconsole/settings.yaml")
        );
    }
}
