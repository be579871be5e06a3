//! Where hookconsole keeps its files. One home directory holds the integrations, the
//! tokens, the delivery queue and the log; the settings file sits beside them, except
//! in the packaged layout where it lives under /etc.

use std::path::{Path, PathBuf};

pub const PACKAGED_DATA_DIR: &str = "/var/lib/hookconsole";
pub const PACKAGED_SETTINGS_FILE: &str = "/etc/hookconsole/settings.yaml";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    pub data_dir: PathBuf,
    pub settings_file: PathBuf,
}

impl Locations {
    /// A home given explicitly (`--home DIR` or `HOOKCONSOLE_HOME`), else the packaged
    /// location when it exists, else the user's XDG data directory.
    pub fn resolve(explicit_home: Option<&Path>) -> Locations {
        Self::resolve_from(
            explicit_home,
            Path::new(PACKAGED_DATA_DIR).is_dir(),
            dirs::data_dir(),
        )
    }

    fn resolve_from(
        explicit_home: Option<&Path>,
        packaged_exists: bool,
        xdg_data: Option<PathBuf>,
    ) -> Locations {
        if let Some(home) = explicit_home {
            return Locations::in_home(home);
        }
        if packaged_exists {
            return Locations {
                data_dir: PathBuf::from(PACKAGED_DATA_DIR),
                settings_file: PathBuf::from(PACKAGED_SETTINGS_FILE),
            };
        }
        let base = xdg_data.unwrap_or_else(|| PathBuf::from(".local/share"));
        Locations::in_home(&base.join("hookconsole"))
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
            true,
            Some(PathBuf::from("/home/u/.local/share")),
        );
        assert_eq!(found, Locations::in_home(Path::new("/tmp/h")));
    }

    #[test]
    fn packaged_location_when_it_exists() {
        let found = Locations::resolve_from(None, true, Some(PathBuf::from("/x")));
        assert_eq!(found.data_dir, PathBuf::from(PACKAGED_DATA_DIR));
        assert_eq!(found.settings_file, PathBuf::from(PACKAGED_SETTINGS_FILE));
    }

    #[test]
    fn xdg_data_dir_otherwise() {
        let found =
            Locations::resolve_from(None, false, Some(PathBuf::from("/home/u/.local/share")));
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
