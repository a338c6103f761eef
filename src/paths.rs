//! Where opsdash's files are, decided in one place by the XDG base directory specification
//! (through the `directories` crate): the config directory (`config.toml`, `themes/`) is
//! `$XDG_CONFIG_HOME/opsdash`, else `~/.config/opsdash`; the state directory (the audit log, the
//! drill's state and lock, the log file) is `$XDG_STATE_HOME/opsdash`, else
//! `~/.local/state/opsdash`. A relative `XDG_*` value is ignored, as the specification says.
//! The home directory is `$HOME`, else the password database's entry for this user; with neither
//! there is no directory at all, and state is never put in the current directory instead.

use std::path::PathBuf;

fn project() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "opsdash")
}

/// The config directory, if there is a home directory to put it in.
pub fn config_dir() -> Option<PathBuf> {
    project().map(|p| p.config_dir().to_owned())
}

/// The state directory, or why there is none.
pub fn state_dir() -> Result<PathBuf, String> {
    project()
        .and_then(|p| p.state_dir().map(ToOwned::to_owned))
        .ok_or_else(|| {
            "no state directory: HOME is not set and the password database has no home for this \
             user (state goes to $XDG_STATE_HOME/opsdash, else ~/.local/state/opsdash); set HOME \
             or XDG_STATE_HOME"
                .to_owned()
        })
}

/// The home directory: `$HOME`, else the password database's.
pub fn home() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.home_dir().to_owned())
}
