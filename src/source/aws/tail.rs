//! Live tail: a Logs view's new events pushed by CloudWatch Logs `StartLiveTail` sessions and
//! kept until the view's next read takes them, so a read while the tail is live makes no
//! request at all.
//!
//! A tail hands over from polling without a gap: reads poll (FilterLogEvents) while the
//! sessions open, and once every session has started, one more poll from the view's last event
//! catches what arrived in between (the view drops what it reads twice). A session that fails
//! or ends early leaves the view polling, with the reason on screen, and is tried again
//! later; one that ends after running a while (the service ends sessions after three hours) is
//! reopened by the next read. A live tail is checked by a poll once a minute ([`VERIFY`]). A
//! session is billed by the minute: a tail no read has taken from for [`IDLE`] (the view was
//! closed or paused) is closed.

use super::RegionClients;
use super::errors::map;
use crate::model::logs::{Delivery, LogEvent, LogSource};
use crate::model::{Region, Timestamp};
use aws_sdk_cloudwatchlogs::types::StartLiveTailResponseStream;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::task::AbortHandle;
// The runtime's clock, so that a test on paused time can let a tail go idle.
use tokio::time::Instant;

/// Events kept between two reads at most (the oldest go first).
pub const BUFFERED: usize = 5000;
/// A tail no read has taken from for this long is closed.
pub const IDLE: Duration = Duration::from_secs(20);
/// A session that ends sooner than this after it was opened is not reopened at once: reads
/// poll, and a new tail is tried after [`RETRY`].
pub const SHORT_LIVED: Duration = Duration::from_secs(60);
/// After a failed or short-lived tail, reads poll this long before a new tail is tried.
pub const RETRY: Duration = Duration::from_secs(300);
/// While live, a read polls once a minute anyway: AWS sends no heartbeat on a quiet session,
/// so a connection that died without a word would otherwise pass for a quiet log; the poll
/// brings what it missed (the view drops what it already has) and bounds how stale it can be.
pub const VERIFY: Duration = Duration::from_secs(60);
/// Sessions one view opens at most: one for its log groups without a stream prefix, one per
/// group with one (the service takes a prefix only for a single group). An account may have 15.
pub const MAX_SESSIONS: usize = 3;

/// What a tail is for: one view's region, log groups and filter pattern (a view reopened on
/// the same logs is another view: its first read polls the last 15 minutes itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailKey {
    pub view: u64,
    pub region: Region,
    pub source: LogSource,
    pub pattern: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// Sessions asked for; not all have started.
    Opening,
    /// All started: the next read polls once more, for what arrived between the last poll
    /// and the start.
    CatchUp,
    /// Reads take the pushed events only.
    Live,
    /// Reads poll, because of `why`; a new tail is tried at `retry` (never, if `None`).
    Failed { why: String, retry: Option<Instant> },
    /// The sessions ended after running a while, or were closed idle: the next read polls to
    /// catch up and opens a new tail.
    Ended,
}

#[derive(Debug)]
struct Shared {
    phase: Phase,
    sessions: usize,
    started: usize,
    opened_at: Instant,
    taken_at: Instant,
    /// When a read last polled.
    polled_at: Instant,
    events: VecDeque<LogEvent>,
    sampled: bool,
    /// The sessions and the idle watch, aborted together.
    tasks: Vec<AbortHandle>,
}

impl Shared {
    fn stop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }

    /// A session failed or ended; `why` says how.
    fn end(&mut self, why: &str, failed: bool) {
        if matches!(self.phase, Phase::Failed { .. }) {
            return;
        }
        let lived = self.opened_at.elapsed();
        self.phase = if failed || lived < SHORT_LIVED {
            Phase::Failed {
                why: format!(
                    "live tail {why} after {} s (tried again in {} min)",
                    lived.as_secs(),
                    RETRY.as_secs() / 60
                ),
                retry: Some(Instant::now() + RETRY),
            }
        } else {
            Phase::Ended
        };
        self.stop();
    }
}

/// What a read takes from a tail.
#[derive(Debug)]
pub struct Taken {
    pub events: Vec<LogEvent>,
    /// More events are buffered than the read took.
    pub more: bool,
    /// The read must poll (FilterLogEvents) too.
    pub poll: bool,
    /// The poll is the catch-up after the start: [`Tail::caught_up`] once it is complete.
    pub catch_up: bool,
    pub delivery: Delivery,
}

/// One view's live tail.
#[derive(Debug)]
pub struct Tail {
    pub key: TailKey,
    shared: Arc<Mutex<Shared>>,
}

impl Drop for Tail {
    fn drop(&mut self) {
        self.lock().stop();
    }
}

/// The service's name of a group: its ARN's resource without a trailing `:*`, else as given.
fn group_name(identifier: &str) -> &str {
    identifier
        .split_once(":log-group:")
        .map_or(identifier, |(_, name)| name)
        .trim_end_matches(":*")
}

/// An event as FilterLogEvents or a live tail delivers it (times in ms), with an id that is
/// the same whichever delivered it, so the view drops an event read both ways.
pub fn log_event(group: &str, stream: &str, at: i64, ingested: i64, message: &str) -> LogEvent {
    LogEvent {
        id: event_id(group, stream, at, ingested, message),
        at: Timestamp(at),
        group: group.to_owned(),
        stream: stream.to_owned(),
        message: message.to_owned(),
    }
}

/// The tail's events have no event id: one from what both deliveries carry, in time order.
fn event_id(group: &str, stream: &str, at: i64, ingested: i64, message: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (group, stream, message).hash(&mut h);
    format!("{at:013}-{ingested:013}-{:016x}", h.finish())
}

impl Tail {
    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn with_phase(key: TailKey, phase: Phase) -> Tail {
        let now = Instant::now();
        Tail {
            key,
            shared: Arc::new(Mutex::new(Shared {
                phase,
                sessions: 0,
                started: 0,
                opened_at: now,
                taken_at: now,
                polled_at: now,
                events: VecDeque::new(),
                sampled: false,
                tasks: Vec::new(),
            })),
        }
    }

    /// Opens the sessions of `key` (group ARNs are `arn_prefix` + name) and the idle watch.
    /// Must be called on a tokio runtime.
    pub fn open(r: &RegionClients, profile: Option<&str>, arn_prefix: &str, key: TailKey) -> Tail {
        let groups = &key.source.groups;
        let whole: Vec<String> = groups
            .iter()
            .filter(|g| g.stream_prefix.is_none())
            .map(|g| format!("{arn_prefix}{}", g.name))
            .collect();
        let mut requests: Vec<(Vec<String>, Option<String>)> =
            whole.chunks(10).map(|c| (c.to_vec(), None)).collect();
        for g in groups {
            if let Some(p) = &g.stream_prefix {
                requests.push((vec![format!("{arn_prefix}{}", g.name)], Some(p.clone())));
            }
        }
        if requests.len() > MAX_SESSIONS {
            let why = format!(
                "live tail not used: {} log groups would take {} sessions (at most {MAX_SESSIONS})",
                groups.len(),
                requests.len()
            );
            return Tail::with_phase(key, Phase::Failed { why, retry: None });
        }
        let tail = Tail::with_phase(key, Phase::Opening);
        // Counted before any session can start.
        tail.lock().sessions = requests.len();
        let mut tasks = Vec::new();
        for (arns, prefix) in requests {
            let req = r
                .logs
                .start_live_tail()
                .set_log_group_identifiers(Some(arns))
                .set_log_stream_name_prefixes(prefix.map(|p| vec![p]))
                .set_log_event_filter_pattern(
                    (!tail.key.pattern.trim().is_empty()).then(|| tail.key.pattern.clone()),
                );
            let shared = tail.shared.clone();
            let profile = profile.map(str::to_owned);
            tasks.push(tokio::spawn(session(req, shared, profile)).abort_handle());
        }
        let shared = tail.shared.clone();
        tasks.push(tokio::spawn(watch_idle(shared)).abort_handle());
        tail.lock().tasks = tasks;
        tail
    }

    /// What a read takes: the events pushed since the last one (at most `limit`), and whether it
    /// must poll too; `reopen` when this tail is spent and a new one should be opened (the
    /// read then says the tail is opening).
    pub fn take(&self, limit: usize) -> (Taken, bool) {
        let mut s = self.lock();
        s.taken_at = Instant::now();
        let n = limit.min(s.events.len());
        let events: Vec<LogEvent> = s.events.drain(..n).collect();
        let more = !s.events.is_empty();
        let sampled = std::mem::take(&mut s.sampled);
        let verify = s.polled_at.elapsed() >= VERIFY;
        let (poll, catch_up, reopen, delivery) = match &s.phase {
            Phase::Opening => (true, false, false, Delivery::Opening),
            Phase::CatchUp => (true, true, false, Delivery::Live { sampled }),
            Phase::Live => (verify, false, false, Delivery::Live { sampled }),
            Phase::Failed { retry, .. } if retry.is_some_and(|r| Instant::now() >= r) => {
                (true, false, true, Delivery::Opening)
            }
            Phase::Failed { why, .. } => (true, false, false, Delivery::Fallback(why.clone())),
            Phase::Ended => (true, false, true, Delivery::Opening),
        };
        if poll {
            s.polled_at = s.taken_at;
        }
        let taken = Taken {
            events,
            more,
            poll,
            catch_up,
            delivery,
        };
        (taken, reopen)
    }

    /// Puts back the events a read took and could not return (its poll failed).
    pub fn untake(&self, events: Vec<LogEvent>) {
        let mut s = self.lock();
        for e in events.into_iter().rev() {
            s.events.push_front(e);
        }
        while s.events.len() > BUFFERED {
            s.events.pop_front();
        }
    }

    /// The catch-up poll read everything: from now on reads take the pushed events only.
    pub fn caught_up(&self) {
        let mut s = self.lock();
        if s.phase == Phase::CatchUp {
            s.phase = Phase::Live;
        }
    }
}

/// One session: started, then its updates into the buffer until it ends.
async fn session(
    req: aws_sdk_cloudwatchlogs::operation::start_live_tail::builders::StartLiveTailFluentBuilder,
    shared: Arc<Mutex<Shared>>,
    profile: Option<String>,
) {
    let lock = || shared.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out = match req.send().await {
        Ok(out) => out,
        Err(e) => {
            let e = map("logs", "StartLiveTail", profile.as_deref(), &e);
            lock().end(&format!("failed: {e}"), true);
            return;
        }
    };
    loop {
        match out.response_stream.recv().await {
            Ok(Some(StartLiveTailResponseStream::SessionStart(_))) => {
                let mut s = lock();
                s.started += 1;
                if s.started == s.sessions && s.phase == Phase::Opening {
                    s.phase = Phase::CatchUp;
                }
            }
            Ok(Some(StartLiveTailResponseStream::SessionUpdate(u))) => {
                let mut s = lock();
                s.sampled |= u
                    .session_metadata()
                    .is_some_and(aws_sdk_cloudwatchlogs::types::LiveTailSessionMetadata::sampled);
                for e in u.session_results() {
                    s.events.push_back(log_event(
                        group_name(e.log_group_identifier().unwrap_or_default()),
                        e.log_stream_name().unwrap_or_default(),
                        e.timestamp().unwrap_or_default(),
                        e.ingestion_time().unwrap_or_default(),
                        e.message().unwrap_or_default(),
                    ));
                    if s.events.len() > BUFFERED {
                        s.events.pop_front();
                    }
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                lock().end("closed by the service", false);
                return;
            }
            Err(e) => {
                let e = map("logs", "StartLiveTail", profile.as_deref(), &e);
                lock().end(&format!("ended: {e}"), false);
                return;
            }
        }
    }
}

/// Closes the tail once no read has taken from it for [`IDLE`].
async fn watch_idle(shared: Arc<Mutex<Shared>>) {
    loop {
        tokio::time::sleep(IDLE / 4).await;
        let mut s = shared.lock().unwrap_or_else(PoisonError::into_inner);
        if s.taken_at.elapsed() >= IDLE {
            if !matches!(s.phase, Phase::Failed { .. }) {
                s.phase = Phase::Ended;
            }
            s.stop();
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_from_arns_and_ids_agree_across_deliveries() {
        assert_eq!(
            group_name("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web:*"),
            "/ecs/web"
        );
        assert_eq!(
            group_name("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web"),
            "/ecs/web"
        );
        assert_eq!(group_name("/ecs/web"), "/ecs/web");
        let a = event_id("/ecs/web", "web/web/1", 5, 6, "ERROR x");
        assert_eq!(a, event_id("/ecs/web", "web/web/1", 5, 6, "ERROR x"));
        assert_ne!(a, event_id("/ecs/web", "web/web/1", 5, 6, "ERROR y"));
        assert_ne!(a, event_id("/ecs/web", "web/web/2", 5, 6, "ERROR x"));
        // Ids sort in time order, as the view's tie-break.
        assert!(event_id("g", "s", 5, 6, "z") < event_id("g", "s", 10, 6, "a"));
    }
}
