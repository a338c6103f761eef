//! Log events, and where a Logs view (`l`) reads them.

use super::Timestamp;

/// What `l` opened a Logs view on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    /// An ECS service: its containers' `awslogs` log groups, from its task definition.
    Service {
        cluster: String,
        name: String,
        task_definition: String,
    },
    /// An Auto Scaling group: the log groups named after it (as the CloudWatch agent's
    /// configurations in the reference estates name them), every stream.
    Asg(String),
    /// An alarm on a log metric filter's metric: the filter's log group, with its pattern.
    Alarm {
        name: String,
        namespace: String,
        metric: String,
    },
    /// The team's audit trail (team mode's log group): the Activity view.
    Activity(String),
}

impl LogTarget {
    /// `service bookstore-api`, `group web-asg`, `alarm web-log-errors`.
    pub fn label(&self) -> String {
        match self {
            LogTarget::Service { name, .. } => format!("service {name}"),
            LogTarget::Asg(name) => format!("group {name}"),
            LogTarget::Alarm { name, .. } => format!("alarm {name}"),
            LogTarget::Activity(group) => format!("team activity {group}"),
        }
    }
}

/// A log group to read, and the stream prefix that narrows it to the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroup {
    pub name: String,
    pub stream_prefix: Option<String>,
}

/// Where a Logs view reads: its log groups, and the filter pattern it starts with (a log metric
/// filter's pattern for an alarm; empty otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogSource {
    pub groups: Vec<LogGroup>,
    pub pattern: String,
}

/// One log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// The service's event id: unique, used to drop events read twice.
    pub id: String,
    pub at: Timestamp,
    pub group: String,
    pub stream: String,
    pub message: String,
}

/// Events from a read, oldest first; `truncated` when the read stopped at its limit with more
/// left to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogPage {
    pub events: Vec<LogEvent>,
    pub truncated: bool,
    /// How the events reached the source.
    pub delivery: Delivery,
}

/// How a source gets a view's new log events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Read again every few seconds (FilterLogEvents; the simulated estate's own log).
    #[default]
    Polling,
    /// A live tail (StartLiveTail) is being opened; meanwhile reads poll.
    Opening,
    /// Pushed by a live tail session; `sampled` when the service sent only a sample (more than
    /// it streams a second).
    Live { sampled: bool },
    /// Polling, because the live tail failed or ended; why.
    Fallback(String),
}

/// Whether `message` matches a CloudWatch Logs filter pattern's plain-term form: every term
/// (a word or a "quoted phrase") present, `-term` absent, and among `?term`s at least one present.
/// Matching is case-sensitive, as CloudWatch's is. `None` for the JSON (`{ … }`) and
/// space-delimited (`[ … ]`) forms, which only the service evaluates.
pub fn matches(pattern: &str, message: &str) -> Option<bool> {
    let p = pattern.trim();
    if p.starts_with('{') || p.starts_with('[') {
        return None;
    }
    let (mut any, mut any_hit) = (false, false);
    for term in terms(p) {
        if let Some(t) = term.strip_prefix('?') {
            any = true;
            any_hit |= message.contains(t);
        } else if let Some(t) = term.strip_prefix('-') {
            if message.contains(t) {
                return Some(false);
            }
        } else if !message.contains(term.as_str()) {
            return Some(false);
        }
    }
    Some(!any || any_hit)
}

/// The terms of a plain filter pattern: words, and "quoted phrases" without their quotes
/// (a `?` or `-` before the quote is kept).
pub fn terms(pattern: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in pattern.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The parts of `message` to highlight for `pattern`: byte ranges of its positive terms.
pub fn highlights(pattern: &str, message: &str) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    if pattern.trim_start().starts_with(['{', '[']) {
        return out;
    }
    for term in terms(pattern) {
        let t = term.strip_prefix('?').unwrap_or(&term);
        if t.is_empty() || t.starts_with('-') {
            continue;
        }
        let mut from = 0;
        while let Some(i) = message[from..].find(t) {
            out.push((from + i, from + i + t.len()));
            from += i + t.len();
        }
    }
    out.sort_unstable();
    // Overlapping ranges merged.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in out {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// A JSON log line as `level message key=value …` (the level and message first, the other keys
/// in the line's order), so structured logs read like text; other lines as they are.
pub fn readable(message: &str) -> String {
    let trimmed = message.trim_end();
    if !trimmed.starts_with('{') {
        return trimmed.to_owned();
    }
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(trimmed)
    else {
        return trimmed.to_owned();
    };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut parts = Vec::new();
    let first = ["level", "severity", "msg", "message"];
    for k in first {
        if let Some(v) = map.get(k) {
            parts.push(text(v));
        }
    }
    for (k, v) in &map {
        if !first.contains(&k.as_str()) {
            parts.push(format!("{k}={}", text(v)));
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_patterns_match_like_cloudwatch() {
        assert_eq!(matches("", "anything"), Some(true));
        assert_eq!(matches("Error", "an Error here"), Some(true));
        assert_eq!(
            matches("Error", "an error here"),
            Some(false),
            "case-sensitive"
        );
        assert_eq!(matches("Error timeout", "Error: db timeout"), Some(true));
        assert_eq!(matches("Error timeout", "Error: refused"), Some(false));
        assert_eq!(matches("\"db timeout\"", "Error: db timeout"), Some(true));
        assert_eq!(matches("\"db timeout\"", "timeout db"), Some(false));
        assert_eq!(matches("?WARN ?Error", "Error x"), Some(true));
        assert_eq!(matches("?WARN ?Error", "INFO x"), Some(false));
        assert_eq!(matches("Error -health", "Error health"), Some(false));
        assert_eq!(matches("{ $.level = \"error\" }", "x"), None);
    }

    #[test]
    fn highlights_cover_each_positive_term() {
        assert_eq!(
            highlights("Error", "Error and Error"),
            vec![(0, 5), (10, 15)]
        );
        assert_eq!(highlights("-health ?db", "db health"), vec![(0, 2)]);
        assert!(highlights("{ $.a = 1 }", "a").is_empty());
    }

    #[test]
    fn json_lines_read_level_and_message_first() {
        assert_eq!(
            readable(r#"{"ts":1,"msg":"crashed","level":"error","code":137}"#),
            "error crashed ts=1 code=137"
        );
        assert_eq!(readable("plain line\n"), "plain line");
        assert_eq!(readable("{not json"), "{not json");
    }
}
