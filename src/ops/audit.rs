//! The audit log: `$XDG_STATE_HOME/opsdash/audit.jsonl`, one JSON object per line. Every
//! operation writes an intent line, flushed to disk before its first call, and an outcome line
//! after; a crash between the two leaves the intent, which `opsdash audit` shows as interrupted.

use crate::model::{Region, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorRecord {
    /// `$USER`.
    pub user: String,
    /// The STS caller ARN.
    pub caller_arn: String,
}

/// Which line of an operation's pair a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditPhase {
    /// Written and flushed before the first call.
    Intent,
    /// Written when the operation ended, however it ended.
    Outcome,
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditOutcome {
    Ok,
    Failed,
    /// Not run: read-only mode.
    Refused,
    /// Not run: the operator said no after seeing the plan.
    Cancelled,
    /// The outcome was never written (opsdash was killed during the call, or the disk was
    /// full): a later start read the resource back and wrote what it found (`found`, `applied`).
    Reconciled,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Failed => "failed",
            AuditOutcome::Refused => "refused",
            AuditOutcome::Cancelled => "cancelled",
            AuditOutcome::Reconciled => "reconciled",
        }
    }
}

impl std::fmt::Display for AuditOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of the audit log (its fields: docs/operations.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// RFC 3339, wall clock.
    pub time: String,
    /// Pairs an intent with its outcome.
    pub id: String,
    pub phase: AuditPhase,
    pub operator: OperatorRecord,
    pub profile: Option<String>,
    pub account: String,
    pub region: Region,
    /// `demo` or `aws`.
    pub source: String,
    /// `scale`, `deploy`, `rollback`, `run_now`.
    pub operation: String,
    pub target: String,
    pub parameters: BTreeMap<String, String>,
    /// The exact API calls of the plan.
    pub calls: Vec<String>,
    /// On outcome lines.
    pub outcome: Option<AuditOutcome>,
    pub error: Option<String>,
    /// Seconds from intent to outcome.
    pub duration: Option<f64>,
    /// The console that wrote the record (`host:pid:n`): an intent whose console is gone and
    /// that has no outcome is read back at the next start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console: Option<String>,
    /// The demo estate the operation ran on (each demo console simulates its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estate: Option<String>,
    /// The source's clock at the record, where it is not the wall clock (the demo's simulated
    /// time): what a read back compares the estate's times with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_time: Option<String>,
    /// On intent lines: the plan's steps, to read their effect back after a crash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<super::Step>,
    /// On `reconciled` outcome lines: what reading the resource back found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// On `reconciled` outcome lines: whether the calls took effect (`null`: cannot tell).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied: Option<bool>,
}

/// Where the audit log lives: `audit.jsonl` in the state directory ([`crate::paths`]), or why
/// there is no place.
pub fn default_path() -> Result<PathBuf, String> {
    crate::state::file("audit.jsonl")
}

/// An append-only JSON-lines file (0600, in a 0700 directory; a symlink is refused).
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
    /// Why there is no audit log (no state directory): every append fails with this.
    missing: Option<String>,
}

impl AuditLog {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        AuditLog {
            path: path.into(),
            missing: None,
        }
    }

    /// The log at `default_path`, or one that refuses every write with the reason.
    pub fn at_default() -> Self {
        match default_path() {
            Ok(p) => AuditLog::new(p),
            Err(why) => AuditLog {
                path: PathBuf::from("(no state directory)/audit.jsonl"),
                missing: Some(why),
            },
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why there is no audit log, if there is none.
    pub fn missing(&self) -> Option<&str> {
        self.missing.as_deref()
    }

    /// Appends one record and waits until it is on disk: the whole line or nothing. Appends are
    /// serialised by a lock on the file (consoles of one user share it); a tail that a crash or
    /// an older opsdash left torn (a line without its end) is cut off before the line is
    /// written, and a line only partly written (a full disk) is taken back, so every line of
    /// the log is one whole record.
    pub fn append(&self, rec: &AuditRecord) -> io::Result<()> {
        if let Some(why) = &self.missing {
            return Err(io::Error::new(io::ErrorKind::NotFound, why.clone()));
        }
        let mut line = serde_json::to_vec(rec).map_err(io::Error::other)?;
        line.push(b'\n');
        let f = crate::state::open_append(&self.path)?;
        f.lock()?;
        repair_torn_tail(&f, &self.path)?;
        let before = f.metadata()?.len();
        // One write of the whole line; then it must reach the disk.
        if let Err(e) = (&f).write_all(&line).and_then(|()| f.sync_data()) {
            // What part of the line got in is cut off again: no torn record stays behind.
            let _ = f.set_len(before);
            let _ = f.sync_data();
            return Err(e);
        }
        Ok(())
    }

    /// Every record; a line that does not parse is reported with its number.
    pub fn read(&self) -> io::Result<Vec<Result<AuditRecord, String>>> {
        if let Some(why) = &self.missing {
            return Err(io::Error::new(io::ErrorKind::NotFound, why.clone()));
        }
        let Some(bytes) = crate::state::read(&self.path)? else {
            return Ok(Vec::new());
        };
        let text = String::from_utf8_lossy(&bytes);
        Ok(text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
            .collect())
    }
}

/// Cuts off a torn tail: the bytes after the last line break, a record whose writing never
/// ended (the writer died, or an older opsdash hit a full disk). Nothing was acknowledged for it:
/// an operation whose intent is not written whole is never run.
fn repair_torn_tail(f: &std::fs::File, path: &Path) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let len = f.metadata()?.len();
    let mut end = len;
    let mut buf = vec![0u8; 8192];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        f.read_exact_at(chunk, start)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            end = start + i as u64 + 1;
            break;
        }
        end = start;
    }
    if end < len {
        tracing::warn!(
            "{}: cut off a torn last line ({} bytes without a line end)",
            path.display(),
            len - end
        );
        f.set_len(end)?;
        f.sync_data()?;
    }
    Ok(())
}

/// One record as the Activity view shows it: who, where, what, how it ended
/// (`ana 123456789012 us-east-1 intent scale asg/web-asg desired=4 from=2`).
pub fn activity_line(line: &str) -> String {
    let Ok(r) = serde_json::from_str::<AuditRecord>(line) else {
        return line.to_owned();
    };
    let who = r
        .operator
        .caller_arn
        .rsplit('/')
        .next()
        .filter(|w| !w.is_empty())
        .unwrap_or(&r.operator.user);
    let what = match (r.phase, r.outcome) {
        (AuditPhase::Intent, _) => "intent".to_owned(),
        (AuditPhase::Outcome, Some(o)) => o.as_str().to_owned(),
        (AuditPhase::Outcome, None) => "outcome".to_owned(),
    };
    let mut s = format!(
        "{who} {} {} {what} {} {}",
        r.account, r.region, r.operation, r.target
    );
    if r.phase == AuditPhase::Intent {
        for (k, v) in &r.parameters {
            let _ = write!(s, " {k}={v}");
        }
    }
    if let Some(e) = &r.error {
        let _ = write!(s, ": {e}");
    }
    if let Some(c) = &r.console {
        let _ = write!(s, " [{c}]");
    }
    s
}

/// Parses `--since`: `90s`, `30m`, `12h`, `7d`.
pub fn parse_duration(s: &str) -> Result<f64, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: f64 = num
        .parse::<u32>()
        .map_err(|_| format!("'{s}' is not a duration; use e.g. 90s, 30m, 12h, 7d"))?
        .into();
    let mult = match unit {
        "s" => 1.0,
        "m" | "" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => {
            return Err(format!(
                "'{s}' is not a duration; use e.g. 90s, 30m, 12h, 7d"
            ));
        }
    };
    Ok(n * mult)
}

/// The log as JSON lines, one object per operation (only those that started at or after
/// `since`): the intent's fields, with its outcome record under `result` (`null` while none was
/// written: interrupted), and unreadable lines as `{"unreadable": "line N: …"}`.
pub fn json_log(records: &[Result<AuditRecord, String>], since: Option<Timestamp>) -> String {
    let mut outcomes: HashMap<&str, &AuditRecord> = HashMap::new();
    for r in records.iter().flatten() {
        if r.phase == AuditPhase::Outcome {
            outcomes.insert(&r.id, r);
        }
    }
    let mut out = String::new();
    for r in records {
        let line = match r {
            Err(e) => serde_json::json!({ "unreadable": e }),
            Ok(r) if r.phase != AuditPhase::Intent => continue,
            Ok(r) => {
                if let (Some(since), Some(t)) = (since, Timestamp::parse_rfc3339(&r.time))
                    && t < since
                {
                    continue;
                }
                let mut v = serde_json::to_value(r).unwrap_or_default();
                v["result"] = outcomes
                    .get(r.id.as_str())
                    .and_then(|o| serde_json::to_value(o).ok())
                    .unwrap_or(serde_json::Value::Null);
                v
            }
        };
        let _ = writeln!(out, "{line}");
    }
    out
}

/// The log as a readable table, one operation per line (an intent joined with its outcome),
/// oldest first; only operations that started at or after `since` (nothing when there are none).
pub fn format_log(records: &[Result<AuditRecord, String>], since: Option<Timestamp>) -> String {
    let mut outcomes: HashMap<&str, &AuditRecord> = HashMap::new();
    for r in records.iter().flatten() {
        if r.phase == AuditPhase::Outcome {
            outcomes.insert(&r.id, r);
        }
    }
    let mut out = String::new();
    for r in records {
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                let _ = writeln!(out, "(unreadable {e})");
                continue;
            }
        };
        if r.phase != AuditPhase::Intent {
            continue;
        }
        if let (Some(since), Some(t)) = (since, Timestamp::parse_rfc3339(&r.time))
            && t < since
        {
            continue;
        }
        let params: Vec<String> = r
            .parameters
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let result = match outcomes.get(r.id.as_str()) {
            Some(o) if o.outcome == Some(AuditOutcome::Reconciled) => {
                let verdict = match o.applied {
                    Some(true) => "took effect",
                    Some(false) => "did not take effect",
                    None => "cannot tell whether it took effect",
                };
                format!(
                    "INTERRUPTED, read back {}: {verdict}: {}",
                    o.time.replace('T', " ").trim_end_matches('Z'),
                    o.found.as_deref().unwrap_or("")
                )
            }
            Some(o) => {
                let what = o.outcome.map_or("?", AuditOutcome::as_str).to_uppercase();
                let took = o
                    .duration
                    .map(|d| format!(" in {d:.1}s"))
                    .unwrap_or_default();
                match &o.error {
                    Some(e) => format!("{what}{took}: {e}"),
                    None => format!("{what}{took}"),
                }
            }
            None => "INTERRUPTED: no outcome recorded (opsdash stopped during the call)".into(),
        };
        let _ = writeln!(
            out,
            "{}  {:<10} {:<9} {} {:<10} {}  {}  [{}]  -> {}",
            r.time.replace('T', " ").trim_end_matches('Z'),
            r.operator.user,
            r.operation,
            r.source,
            r.region,
            r.target,
            params.join(" "),
            r.operator.caller_arn,
            result
        );
    }
    // Errors, targets and the operator come from AWS and the environment: printed to a
    // terminal, no escape sequence in them may act.
    crate::state::printable_lines(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> AuditRecord {
        AuditRecord {
            time: "2026-12-06T10:00:00Z".into(),
            id: id.into(),
            phase: AuditPhase::Intent,
            operator: OperatorRecord {
                user: "ana".into(),
                caller_arn: "arn:aws:sts::1:assumed-role/r/ana".into(),
            },
            profile: None,
            account: "1".into(),
            region: "us-east-1".parse().unwrap(),
            source: "demo".into(),
            operation: "scale".into(),
            target: "asg/web".into(),
            parameters: BTreeMap::new(),
            calls: vec![],
            outcome: None,
            error: None,
            duration: None,
            console: None,
            estate: None,
            source_time: None,
            steps: vec![],
            found: None,
            applied: None,
        }
    }

    /// A crash (or an older opsdash on a full disk) left a line without its end: the next
    /// append cuts it off first, so the new record is a line of its own and every line reads.
    #[test]
    fn a_torn_tail_is_cut_off_before_the_next_append() {
        let dir = std::env::temp_dir().join(format!("opsdash-torn-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let log = AuditLog::new(dir.join("audit.jsonl"));
        log.append(&record("a")).unwrap();
        let whole = std::fs::read(log.path()).unwrap();
        let mut torn = whole.clone();
        torn.extend_from_slice(&whole[..whole.len() / 2]);
        std::fs::write(log.path(), &torn).unwrap();
        log.append(&record("b")).unwrap();
        let read: Vec<String> = log
            .read()
            .unwrap()
            .into_iter()
            .map(|r| r.map_or_else(|e| e, |r| r.id))
            .collect();
        assert_eq!(read, ["a", "b"]);
        // A log that is nothing but a torn line.
        std::fs::write(log.path(), &whole[..10]).unwrap();
        log.append(&record("c")).unwrap();
        assert_eq!(log.read().unwrap().len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90.0));
        assert_eq!(parse_duration("30m"), Ok(1800.0));
        assert_eq!(parse_duration("2h"), Ok(7200.0));
        assert_eq!(parse_duration("7d"), Ok(604_800.0));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5y").is_err());
    }
}
