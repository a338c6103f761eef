//! How opsdash writes its state (the audit log, the failover drill's state and lock, the log
//! file) in the state directory ([`crate::paths`]): the directory 0700, the files 0600; a symlink
//! in place of a state file is refused, never followed. Without a state directory operations are
//! refused with a message that says where state would go, never put in the current directory.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file in the state directory ([`crate::paths::state_dir`]), or why there is none.
pub fn file(name: &str) -> Result<PathBuf, String> {
    crate::paths::state_dir().map(|d| d.join(name))
}

/// Refuses a path that is a symbolic link (a state file is never followed elsewhere).
pub fn refuse_symlink(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} is a symbolic link: refused (a state file is never followed)",
                path.display()
            ),
        )),
        _ => Ok(()),
    }
}

/// Creates the directory of `path` (0700) if needed; one an older opsdash left open to others
/// is closed to them.
pub fn ensure_dir(path: &Path) -> io::Result<()> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.is_dir() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir)?.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            }
        }
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Options that create a file readable by its owner only, refusing to follow a symlink at the
/// last component.
fn private(opts: &mut std::fs::OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let _ = opts;
}

/// Opens a state file for appending (created 0600).
pub fn open_append(path: &Path) -> io::Result<std::fs::File> {
    ensure_dir(path)?;
    refuse_symlink(path)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    private(&mut opts);
    let f = opts.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if f.metadata()?.permissions().mode() & 0o077 != 0 {
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(f)
}

/// Reads a state file, refusing a symlink; `None` if it does not exist.
pub fn read(path: &Path) -> io::Result<Option<Vec<u8>>> {
    refuse_symlink(path)?;
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Replaces a state file atomically (a 0600 temporary file, synced, renamed over it).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    ensure_dir(path)?;
    refuse_symlink(path)?;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    private(&mut opts);
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_data()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// Creates a state file only if it does not exist (a lock); `Ok(false)` if it does.
pub fn create_new(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    ensure_dir(path)?;
    refuse_symlink(path)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    private(&mut opts);
    match opts.open(path) {
        Ok(mut f) => {
            f.write_all(bytes)?;
            f.sync_data()?;
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// Removes a state file; a missing one is fine.
pub fn remove(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Text from AWS, the environment or a file, safe to print to a terminal: control characters
/// (escape sequences, bells, backspaces) become `?`; tabs and line breaks become spaces.
/// JSON output needs none of this: serde escapes control characters.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => ' ',
                c if c.is_control() => '?',
                c => c,
            })
            .collect(),
    )
}

/// Several lines of text, each made [`printable`]; the line breaks stay.
pub fn printable_lines(s: &str) -> String {
    s.split('\n')
        .map(|l| printable(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn state_files_are_private_and_symlinks_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777;
        let root = std::env::temp_dir().join(format!("opsdash-state-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dir = root.join("opsdash");
        let log = dir.join("audit.jsonl");
        open_append(&log).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&log), 0o600);
        let drill = dir.join("drill.json");
        write_atomic(&drill, b"{}").unwrap();
        assert_eq!(mode(&drill), 0o600);
        // Left open by an older version: closed again.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
        open_append(&log).unwrap();
        assert_eq!((mode(&dir), mode(&log)), (0o700, 0o600));
        // A symlink in place of a state file is never followed.
        let outside = root.join("outside");
        std::fs::write(&outside, b"keep").unwrap();
        for name in ["audit-link.jsonl", "drill-link.json"] {
            let link = dir.join(name);
            std::os::unix::fs::symlink(&outside, &link).unwrap();
            let e = open_append(&link).unwrap_err();
            assert!(e.to_string().contains("symbolic link"), "{e}");
            assert!(write_atomic(&link, b"x").is_err());
            assert!(read(&link).is_err());
        }
        assert_eq!(std::fs::read(&outside).unwrap(), b"keep");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn printable_strips_escape_sequences() {
        assert_eq!(printable("ok"), "ok");
        assert_eq!(
            printable("a\x1b]0;pwned\x07b\x1b[2Jc\r\n"),
            "a?]0;pwned?b?[2Jc  "
        );
    }
}
