//! How opsdash writes its state (the audit log, the failover drill's state and lock, the log
//! file) in the state directory ([`crate::paths`]): the directory 0700, the files 0600, both this
//! user's (another user's directory or file is refused, never taken over); files are opened
//! without following links, so a link swapped in is refused by the open itself. Without a state
//! directory operations are refused with a message that says where state would go, never put in
//! the current directory.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file in the state directory ([`crate::paths::state_dir`]), or why there is none.
pub fn file(name: &str) -> Result<PathBuf, String> {
    crate::paths::state_dir().map(|d| d.join(name))
}

/// The user this process acts as: state is kept only in a directory and files this user owns.
#[cfg(unix)]
fn me() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Refuses state that belongs to another user: whoever owns a state directory or file can
/// delete or forge the audit log, or swap a link in to make this process write elsewhere.
#[cfg(unix)]
fn refuse_foreign(path: &Path, m: &std::fs::Metadata, what: &str) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    if m.uid() == me() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "{} belongs to another user (uid {}, you are uid {}): refused; opsdash keeps its {what} \
             only where you alone can write (set XDG_STATE_HOME to a directory of your own)",
            path.display(),
            m.uid(),
            me()
        ),
    ))
}

/// Refuses a path that is a symbolic link (a state file is never followed elsewhere).
pub fn refuse_symlink(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(symlink_refused(path)),
        _ => Ok(()),
    }
}

fn symlink_refused(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "{} is a symbolic link: refused (a state file is never followed)",
            path.display()
        ),
    )
}

/// Creates the directory of `path` (0700) if needed and checks it: it must belong to this user
/// (refused otherwise, never taken over); one of ours left open to others is closed to them.
pub fn ensure_dir(path: &Path) -> io::Result<()> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if !dir.is_dir() {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(dir)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Checked after any creation: a directory someone else made first is theirs.
        let m = std::fs::metadata(dir)?;
        refuse_foreign(dir, &m, "state")?;
        if m.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Opens a state file with `opts`, never through a link (the check is the open itself, so no
/// link can be swapped in between a check and the open), and checks what was opened: a regular
/// file of this user's, made readable by its owner only.
fn open_state(path: &Path, opts: &mut std::fs::OpenOptions) -> io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        // Non-blocking: opening a FIFO put in place of a state file never waits.
        let flags = OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        opts.custom_flags(flags.bits() as i32);
        let f = match opts.open(path) {
            Ok(f) => f,
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
                return Err(symlink_refused(path));
            }
            Err(e) => return Err(e),
        };
        let m = f.metadata()?;
        if !m.file_type().is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a regular file: refused", path.display()),
            ));
        }
        refuse_foreign(path, &m, "state")?;
        if m.permissions().mode() & 0o077 != 0 {
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(f)
    }
    #[cfg(not(unix))]
    {
        refuse_symlink(path)?;
        opts.open(path)
    }
}

/// Opens a state file for appending (created 0600), and reading (a torn tail is looked for).
pub fn open_append(path: &Path) -> io::Result<std::fs::File> {
    ensure_dir(path)?;
    open_state(
        path,
        std::fs::OpenOptions::new()
            .read(true)
            .create(true)
            .append(true),
    )
}

/// The most a state file read takes (the audit log of years of operations is far less).
pub const READ_MAX: u64 = 256 << 20;

/// Reads a state file, refusing a symlink, another user's file or one larger than [`READ_MAX`];
/// `None` if it does not exist.
pub fn read(path: &Path) -> io::Result<Option<Vec<u8>>> {
    use std::io::Read as _;
    let f = match open_state(path, std::fs::OpenOptions::new().read(true)) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    f.take(READ_MAX + 1).read_to_end(&mut out)?;
    if out.len() as u64 > READ_MAX {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} is larger than {} MiB: refused",
                path.display(),
                READ_MAX >> 20
            ),
        ));
    }
    Ok(Some(out))
}

/// Replaces a state file atomically (a 0600 temporary file, synced, renamed over it; a rename
/// replaces a link in place, never follows it).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    ensure_dir(path)?;
    refuse_symlink(path)?;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = open_state(
        &tmp,
        std::fs::OpenOptions::new().write(true).create_new(true),
    )?;
    f.write_all(bytes)?;
    f.sync_data()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// Creates a state file only if it does not exist (a lock); `Ok(false)` if it does.
pub fn create_new(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    ensure_dir(path)?;
    match open_state(
        path,
        std::fs::OpenOptions::new().write(true).create_new(true),
    ) {
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

/// The invisible characters that reorder or join text on a terminal: bidirectional marks,
/// embeddings, overrides and isolates, zero-width joiners and spaces, the byte-order mark.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{061c}')
}

/// Text from AWS, the environment or a file, safe to print to a terminal: control characters
/// (escape sequences, bells, backspaces) and the invisible ones that reorder text become `?`;
/// tabs and line breaks become spaces. JSON output needs none of this: serde escapes control
/// characters.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() || is_invisible_format(c)) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => ' ',
                c if c.is_control() || is_invisible_format(c) => '?',
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

    /// A state directory that belongs to someone else (world-writable, as `/tmp` is) is refused,
    /// not chmodded and used: its owner could delete or forge the audit log.
    #[cfg(unix)]
    #[test]
    fn another_users_state_directory_is_refused() {
        use std::os::unix::fs::MetadataExt;
        let root = std::env::temp_dir().join(format!("opsdash-foreign-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dir = root.join("opsdash");
        std::fs::create_dir_all(&dir).unwrap();
        let foreign = if me() == 0 {
            // As root: the directory is handed to `nobody`, world-writable.
            std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
            std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777))
                .unwrap();
            dir.clone()
        } else {
            // As anyone else: a directory of root's.
            PathBuf::from("/")
        };
        let before = std::fs::metadata(&foreign).unwrap();
        let e = open_append(&foreign.join("audit.jsonl")).unwrap_err();
        assert!(e.to_string().contains("belongs to another user"), "{e}");
        let after = std::fs::metadata(&foreign).unwrap();
        assert_eq!(
            (before.uid(), before.mode()),
            (after.uid(), after.mode()),
            "left as it was"
        );
        assert!(!foreign.join("audit.jsonl").exists());
        let _ = std::fs::remove_dir_all(&root);
    }

    /// A link swapped in and out of a state file's place while opsdash appends: the check is the
    /// open itself, so no append ever reaches the file the link points at (a check before the
    /// open lost this race within about a hundred appends).
    #[cfg(unix)]
    #[test]
    fn a_link_swapped_in_is_never_followed() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let root = std::env::temp_dir().join(format!("opsdash-race-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dir = root.join("opsdash");
        let log = dir.join("audit.jsonl");
        let outside = root.join("victim");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&outside, b"keep").unwrap();
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let swapper = {
            let (stop, log, outside) = (stop.clone(), log.clone(), outside.clone());
            std::thread::spawn(move || {
                // A link and a plain file renamed into place in turn: the path is always one
                // or the other, never missing.
                let (link, plain) = (log.with_extension("l"), log.with_extension("p"));
                while !stop.load(Ordering::Relaxed) {
                    let _ = std::os::unix::fs::symlink(&outside, &link);
                    let _ = std::fs::rename(&link, &log);
                    let _ = std::fs::write(&plain, b"");
                    let _ = std::fs::rename(&plain, &log);
                }
            })
        };
        for _ in 0..20_000 {
            if let Ok(mut f) = open_append(&log) {
                let _ = f.write_all(b"x");
            }
        }
        stop.store(true, Ordering::Relaxed);
        swapper.join().unwrap();
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep");
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
