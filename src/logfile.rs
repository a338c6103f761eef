//! The log file (`OPSDASH_LOG=debug` writes `$XDG_STATE_HOME/opsdash/opsdash.log`): never a
//! credential in it, never larger than it should be. Every line is redacted before it is
//! written: the credentials in use (registered as they are loaded), anything shaped like an AWS
//! access key id, and the values of the headers that carry a signature or a session token. The
//! file rotates at [`ROTATE_AT`] to one older copy, so the log takes at most twice that.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock, PoisonError};

/// The size at which the log starts again (its previous part kept as `opsdash.log.1`).
pub const ROTATE_AT: u64 = 4 << 20;

/// What stands in for a redacted value.
const REDACTED: &str = "<redacted>";

/// Secrets seen so far (access key ids, secret keys, session tokens).
fn secrets() -> &'static Mutex<Vec<String>> {
    static S: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    S.get_or_init(|| Mutex::new(Vec::new()))
}

/// Registers a secret: from now on it never reaches the log.
pub fn register_secret(s: &str) {
    // Short values would redact ordinary words; credentials are long.
    if s.len() < 8 {
        return;
    }
    let mut v = secrets().lock().unwrap_or_else(PoisonError::into_inner);
    if !v.iter().any(|x| x == s) {
        v.push(s.to_owned());
    }
}

/// A line as it may be written: registered secrets, access key ids (`AKIA…`, `ASIA…`) and the
/// values of signature and token headers replaced.
pub fn redact(line: &str) -> String {
    let mut out = line.to_owned();
    for s in secrets()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
    {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), REDACTED);
        }
    }
    out = redact_key_ids(&out);
    for key in [
        "x-amz-security-token",
        "X-Amz-Security-Token",
        "authorization",
        "Authorization",
        "Signature=",
        "x-amz-signature",
        "X-Amz-Signature",
    ] {
        out = redact_after(&out, key);
    }
    out
}

/// Replaces the 16 characters after every `AKIA`/`ASIA` (and other key-id prefixes) that form
/// an access key id.
fn redact_key_ids(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let is_id = i + 20 <= b.len()
            && matches!(
                &b[i..i + 4],
                b"AKIA" | b"ASIA" | b"AIDA" | b"AROA" | b"ANPA"
            )
            && b[i + 4..i + 20]
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric());
        if is_id {
            out.push_str(&s[i..i + 4]);
            out.push_str(REDACTED);
            i += 20;
        } else {
            let c = s[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Replaces the value after `key` (up to the end of the quoted string, line or next comma).
fn redact_after(s: &str, key: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find(key) {
        let (head, tail) = rest.split_at(at + key.len());
        out.push_str(head);
        // Skip the separator (`: `, `=`, `": "`), then the value.
        let value_start = tail
            .find(|c: char| !matches!(c, ':' | ' ' | '=' | '"'))
            .unwrap_or(tail.len());
        out.push_str(&tail[..value_start]);
        let value = &tail[value_start..];
        let end = value
            .find(['"', '\n', ',', ')', '}'])
            .unwrap_or(value.len());
        if end > 0 {
            out.push_str(REDACTED);
        }
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

/// The log file: redacted lines, rotated at [`ROTATE_AT`].
pub struct LogFile {
    path: PathBuf,
    file: Option<std::fs::File>,
    written: u64,
    limit: u64,
}

impl LogFile {
    /// Opens (appends to) the log at `path`, rotating at `limit` bytes.
    pub fn open(path: PathBuf, limit: u64) -> io::Result<Self> {
        let file = crate::state::open_append(&path)?;
        let written = file.metadata()?.len();
        let mut log = LogFile {
            path,
            file: Some(file),
            written,
            limit,
        };
        if log.written >= log.limit {
            log.rotate()?;
        }
        Ok(log)
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file = None;
        let old = self.path.with_extension("log.1");
        std::fs::rename(&self.path, &old)?;
        self.file = Some(crate::state::open_append(&self.path)?);
        self.written = 0;
        Ok(())
    }
}

impl Write for LogFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = redact(&String::from_utf8_lossy(buf));
        if self.written + text.len() as u64 > self.limit {
            self.rotate()?;
        }
        if let Some(f) = self.file.as_mut() {
            f.write_all(text.as_bytes())?;
            self.written += text.len() as u64;
        }
        // All of `buf` was taken (redaction changes its length).
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), Write::flush)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_line() {
        register_secret("s3cr3t-Access-Key-Secret");
        let line = "signing with AKIAIOSFODNN7EXAMPLE/20261206/us-east-1 secret s3cr3t-Access-Key-Secret \
                    x-amz-security-token: FwoGZXIvYXdzEJr, authorization: \"AWS4-HMAC-SHA256 Credential=ASIAXXXXXXXXXXXXXXXX/x, Signature=abcdef\"";
        let r = redact(line);
        for secret in [
            "IOSFODNN7EXAMPLE",
            "s3cr3t-Access-Key-Secret",
            "FwoGZXIvYXdzEJr",
            "ASIAXXXXXXXXXXXXXXXX",
            "abcdef",
        ] {
            assert!(!r.contains(secret), "{secret} in {r}");
        }
        assert!(r.contains("AKIA<redacted>"), "{r}");
        assert_eq!(redact("nothing secret here"), "nothing secret here");
    }

    #[test]
    fn the_log_rotates_and_stays_bounded() {
        let dir = std::env::temp_dir().join(format!("opsdash-log-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("opsdash.log");
        let mut log = LogFile::open(path.clone(), 10_000).unwrap();
        for i in 0..1000 {
            writeln!(log, "line {i} of some length to fill the log quickly").unwrap();
        }
        let now = std::fs::metadata(&path).unwrap().len();
        let old = std::fs::metadata(path.with_extension("log.1"))
            .unwrap()
            .len();
        assert!(now <= 10_000 && old <= 10_000, "{now} {old}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
