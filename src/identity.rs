//! Who and where this console is: the machine's name, the operator's login, and an identity for
//! each console (`host:pid:n`) that the audit log and the drill lock carry, so a later console
//! can tell a record of a console that is gone from one of a console still at work.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// This machine's name, read once.
pub fn host() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
            .unwrap_or_else(|| "localhost".into())
    })
}

/// The operator's login name: `$USER`, else `$LOGNAME`, else the password database's name for
/// this process's user (a cron job or `env -i` has neither variable), else `uid N`.
pub fn login() -> String {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    var("USER")
        .or_else(|| var("LOGNAME"))
        .or_else(passwd_name)
        .unwrap_or_else(|| format!("uid {}", uid()))
}

#[cfg(unix)]
fn uid() -> u32 {
    rustix::process::getuid().as_raw()
}

#[cfg(not(unix))]
fn uid() -> u32 {
    0
}

/// The name `/etc/passwd` gives this process's user.
fn passwd_name() -> Option<String> {
    let me = uid().to_string();
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == me && !name.is_empty()).then(|| name.to_owned())
    })
}

/// Whether a process of this machine exists.
pub fn pid_alive(pid: u32) -> bool {
    pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// One console: its machine, its process and its number within the process (tests run several
/// consoles in one process, one after another).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleId {
    pub host: String,
    pub pid: u32,
    pub n: u64,
}

impl ConsoleId {
    /// A new console of this process.
    pub fn new() -> Self {
        static N: AtomicU64 = AtomicU64::new(1);
        ConsoleId {
            host: host().to_owned(),
            pid: std::process::id(),
            n: N.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Reads `host:pid:n` back.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.rsplitn(3, ':');
        let n = parts.next()?.parse().ok()?;
        let pid = parts.next()?.parse().ok()?;
        let host = parts.next()?.to_owned();
        Some(ConsoleId { host, pid, n })
    }

    /// Whether `other` is a console that has ended, as far as this one can tell: one of this
    /// machine whose process is gone, or an earlier console of this process. A console of
    /// another machine cannot be told: `None`.
    pub fn gone(&self, other: &ConsoleId) -> Option<bool> {
        if other.host != self.host {
            return None;
        }
        Some(if other.pid == self.pid {
            other.n != self.n
        } else {
            !pid_alive(other.pid)
        })
    }
}

impl Default for ConsoleId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for ConsoleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.host, self.pid, self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_ids_read_back_and_tell_who_is_gone() {
        let me = ConsoleId::new();
        let again = ConsoleId::parse(&me.to_string()).unwrap();
        assert_eq!(again, me);
        assert_eq!(me.gone(&me), Some(false));
        let earlier = ConsoleId {
            n: me.n + 100,
            ..me.clone()
        };
        assert_eq!(me.gone(&earlier), Some(true));
        let dead = ConsoleId {
            pid: u32::MAX - 1,
            ..me.clone()
        };
        assert_eq!(me.gone(&dead), Some(true));
        let elsewhere = ConsoleId {
            host: "bastion-2".into(),
            ..me.clone()
        };
        assert_eq!(me.gone(&elsewhere), None);
        // Host names with colons (IPv6 literals) still parse.
        let odd = ConsoleId::parse("fe80::1:42:7").unwrap();
        assert_eq!((odd.host.as_str(), odd.pid, odd.n), ("fe80::1", 42, 7));
        assert!(!login().is_empty());
    }
}
