//! The Logs view (`l`): CloudWatch Logs of the selected ECS service, Auto Scaling group or
//! alarm (through its log metric filter), read from 15 minutes back and then every few seconds;
//! a filter pattern sent to the service, follow or pause, wrap, and a bounded buffer.

use super::{App, DetailRef, Effect, Row, TextInput, View};
use crate::action::{Action, Key, Mode};
use crate::model::Region;
use crate::model::logs::{Delivery, LogEvent, LogPage, LogSource, LogTarget};
use crate::model::{Severity, Timestamp};
use crate::source::{Read, SourceError};
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::collections::{HashSet, VecDeque};
use std::time::Duration;

/// The longest filter pattern CloudWatch Logs takes.
const PATTERN_MAX: usize = 1024;

/// Lines kept (the oldest go first): memory stays flat however long the view stays open.
pub const KEPT_LINES: usize = 5000;
/// How far back the first read goes.
pub const FIRST_WINDOW_SECS: f64 = 15.0 * 60.0;
/// Each read starts this far behind the newest event seen: CloudWatch can ingest an event after
/// a newer one, and ids seen drop the duplicates.
pub const OVERLAP_MS: i64 = 30_000;
/// Events one read asks for at most; the next read carries on.
pub const READ_LIMIT: usize = 1000;
/// Between reads while the view is open and polls.
pub const TAIL_EVERY: Duration = Duration::from_secs(2);
/// Between reads while a live tail pushes the events (a read then only takes what arrived).
pub const LIVE_EVERY: Duration = Duration::from_secs(1);

/// The Logs view as the console holds it.
#[derive(Debug, Default)]
pub(super) struct LogsConsole {
    /// The open view (`View::Logs`).
    pub(super) view: Option<Box<LogsView>>,
    /// The view to go back to.
    pub(super) back: Option<View>,
    /// Numbers each view opened and each read asked for, so an older answer is ignored.
    pub(super) generation: u64,
}

/// An open Logs view.
#[derive(Debug, Clone, PartialEq)]
pub struct LogsView {
    pub target: LogTarget,
    pub region: Region,
    /// This view's number (a closed or reopened view ignores older answers).
    pub generation: u64,
    /// The number of the read whose answer the view waits for: only that answer is taken, so a
    /// refresh, a resume or a new pattern never leaves two tails running.
    pub reading: u64,
    /// Where the logs are, once found.
    pub source: Option<LogSource>,
    /// The CloudWatch filter pattern in force.
    pub pattern: String,
    /// The pattern being typed after `/`.
    pub editing: Option<TextInput>,
    pub lines: VecDeque<LogEvent>,
    /// Lines dropped from the front to keep the buffer bounded.
    pub dropped: u64,
    /// Ids of the events read in the overlap window, to drop an event read twice.
    seen: VecDeque<(Timestamp, String)>,
    seen_ids: HashSet<String>,
    /// The next read starts here.
    pub since: Timestamp,
    /// Keep the newest line in view.
    pub follow: bool,
    pub wrap: bool,
    /// Lines scrolled up from the bottom (when not following).
    pub scroll: usize,
    /// Lines that arrived while paused.
    pub unseen: usize,
    pub error: Option<SourceError>,
    /// When the last read answered (source clock).
    pub read_at: Option<Timestamp>,
    /// The last read stopped at its limit: more are on their way.
    pub truncated: bool,
    /// How the source gets the new events: polling, or a live tail.
    pub delivery: Delivery,
}

impl LogsView {
    fn new(target: LogTarget, region: Region, generation: u64, now: Timestamp) -> Self {
        LogsView {
            target,
            region,
            generation,
            reading: 0,
            source: None,
            pattern: String::new(),
            editing: None,
            lines: VecDeque::new(),
            dropped: 0,
            seen: VecDeque::new(),
            seen_ids: HashSet::new(),
            since: now.plus_secs(-FIRST_WINDOW_SECS),
            follow: true,
            wrap: false,
            scroll: 0,
            unseen: 0,
            error: None,
            read_at: None,
            truncated: false,
            delivery: Delivery::Polling,
        }
    }

    /// Adds a read's events: those not seen before, in time order, the buffer kept bounded.
    pub(super) fn take(&mut self, page: LogPage) {
        self.truncated = page.truncated;
        self.delivery = page.delivery;
        let mut newest = self.since;
        for e in page.events {
            newest = newest.max(e.at);
            if !self.seen_ids.insert(e.id.clone()) {
                continue;
            }
            self.seen.push_back((e.at, e.id.clone()));
            // Usually at the end; an event ingested late goes where its time says.
            let at = self
                .lines
                .partition_point(|l| (l.at, &l.id) <= (e.at, &e.id));
            self.lines.insert(at, e);
            if !self.follow {
                self.unseen += 1;
            }
            if self.lines.len() > KEPT_LINES {
                self.lines.pop_front();
                self.dropped += 1;
            }
        }
        // The next read overlaps the last one a little; older ids are forgotten.
        let from = Timestamp(newest.0 - OVERLAP_MS).max(self.since);
        while self.seen.front().is_some_and(|(at, _)| *at < from) {
            if let Some((_, id)) = self.seen.pop_front() {
                self.seen_ids.remove(&id);
            }
        }
        self.since = from;
    }

    /// Starts over with a new pattern: the last 15 minutes again.
    fn restart(&mut self, pattern: String, now: Timestamp) {
        self.pattern = pattern;
        self.lines.clear();
        self.seen.clear();
        self.seen_ids.clear();
        self.dropped = 0;
        self.unseen = 0;
        self.scroll = 0;
        self.truncated = false;
        self.since = now.plus_secs(-FIRST_WINDOW_SECS);
    }
}

impl App {
    /// What `l` opens the logs of: the selected row's service, group or alarm.
    fn log_target(&self) -> Result<LogTarget, String> {
        let d = self.current().ok_or("no data yet")?;
        let row = self.selected_row();
        let detail = match &self.view {
            View::Detail(r) => Some(r.clone()),
            _ => None,
        };
        let service = |s: &crate::model::EcsService| LogTarget::Service {
            cluster: s.cluster.clone(),
            name: s.name.clone(),
            task_definition: s.task_definition.clone(),
        };
        let capacity = d.capacity.as_ref();
        let alarms = d.alarms.as_deref().unwrap_or_default();
        let alarm = |a: &crate::model::Alarm| LogTarget::Alarm {
            name: a.name.clone(),
            namespace: a.namespace.clone(),
            metric: a.metric.clone(),
        };
        let found = match (detail, row) {
            (Some(DetailRef::Service { name, .. }), _) => capacity
                .and_then(|c| c.ecs_services.iter().find(|s| s.name == name))
                .map(service),
            (Some(DetailRef::Asg(name)), _) => Some(LogTarget::Asg(name)),
            (Some(DetailRef::Alarm(name)), _) => alarms.iter().find(|a| a.name == name).map(alarm),
            (None, Some(Row::Service(s) | Row::Deployment(s, _))) => {
                capacity.and_then(|c| c.ecs_services.get(s)).map(service)
            }
            (None, Some(Row::Asg(a))) => capacity
                .and_then(|c| c.auto_scaling_groups.get(a))
                .map(|g| LogTarget::Asg(g.name.clone())),
            (None, Some(Row::Alarm(a))) => alarms.get(a).map(alarm),
            _ => None,
        };
        found.ok_or_else(|| {
            "l shows the logs of an ECS service, an Auto Scaling group or an alarm on a log \
             metric filter: select one in Capacity or Alarms"
                .to_owned()
        })
    }

    /// `l`: opens the Logs view on the selected row.
    pub(super) fn open_logs(&mut self) -> Vec<Effect> {
        let target = match self.log_target() {
            Ok(t) => t,
            Err(why) => {
                self.set_status(why, Severity::Warn);
                return vec![];
            }
        };
        self.open_logs_of(target)
    }

    /// `A`: the Activity view, the team's audit trail live (team mode).
    pub(super) fn open_activity(&mut self) -> Vec<Effect> {
        if let Some(group) = self.settings.team_audit_group.clone() {
            return self.open_logs_of(LogTarget::Activity(group));
        }
        self.set_status(
            "Activity is the team's audit trail: add a [team] section (table, audit_log_group) to the config",
            Severity::Info,
        );
        vec![]
    }

    /// The Logs view of `target`.
    fn open_logs_of(&mut self, target: LogTarget) -> Vec<Effect> {
        self.logs.generation += 1;
        let generation = self.logs.generation;
        let region = self.region_name().clone();
        self.logs.view = Some(Box::new(LogsView::new(
            target.clone(),
            region.clone(),
            generation,
            self.now,
        )));
        self.logs.back = Some(self.view.clone());
        self.view = View::Logs;
        vec![Effect::FindLogs {
            generation,
            region,
            target,
        }]
    }

    /// The view's next read, numbered; any read asked for before it is superseded.
    fn logs_read(&mut self, delay: Duration) -> Option<Effect> {
        let v = self.logs.view.as_deref_mut()?;
        let source = v.source.clone()?;
        self.logs.generation += 1;
        v.reading = self.logs.generation;
        Some(Effect::ReadLogs {
            read: v.reading,
            view: v.generation,
            region: v.region.clone(),
            source,
            pattern: v.pattern.clone(),
            since: v.since,
            delay,
        })
    }

    /// Where the logs are ([`Effect::FindLogs`]): the first read follows at once.
    pub(super) fn on_log_source(&mut self, generation: u64, read: Read<LogSource>) -> Vec<Effect> {
        let Some(v) = self
            .logs
            .view
            .as_deref_mut()
            .filter(|v| v.generation == generation)
        else {
            return vec![];
        };
        match read.result {
            Ok(source) => {
                v.pattern.clone_from(&source.pattern);
                v.source = Some(source);
                v.error = None;
                self.logs_read(Duration::ZERO).into_iter().collect()
            }
            Err(e) => {
                v.error = Some(e);
                vec![]
            }
        }
    }

    /// A read's events ([`Effect::ReadLogs`]); the next read is asked for at once when this one
    /// stopped at its limit, else after [`LIVE_EVERY`] while a live tail pushes them and
    /// [`TAIL_EVERY`] while polling (paused: when resumed).
    pub(super) fn on_logs(&mut self, number: u64, read: Read<LogPage>) -> Vec<Effect> {
        let now = self.now;
        let paused = self.paused;
        let Some(v) = self
            .logs
            .view
            .as_deref_mut()
            .filter(|v| v.reading == number)
        else {
            return vec![];
        };
        v.read_at = Some(now);
        let mut delay = TAIL_EVERY;
        match read.result {
            Ok(page) => {
                v.error = None;
                v.take(page);
                if v.truncated {
                    delay = Duration::ZERO;
                } else if matches!(v.delivery, Delivery::Live { .. }) {
                    delay = LIVE_EVERY;
                }
            }
            // The error shows; the view keeps what it has and tries again, more slowly.
            Err(e) => {
                v.error = Some(e);
                delay = TAIL_EVERY * 5;
            }
        }
        if paused {
            return vec![];
        }
        self.logs_read(delay).into_iter().collect()
    }

    /// Keys of the Logs view; `None` for the keys it leaves to the rest of the console.
    pub(super) fn on_logs_key(&mut self, ev: &KeyEvent) -> Option<Vec<Effect>> {
        let now = self.now;
        let page = usize::from(self.size.1.saturating_sub(6)).max(1);
        let editing = self.logs.view.as_ref().is_some_and(|v| v.editing.is_some());
        let ev = &if editing {
            self.prompt_key(*ev, false)
        } else {
            *ev
        };
        let v = self.logs.view.as_deref_mut()?;
        if let Some(text) = v.editing.as_mut() {
            match ev.code {
                KeyCode::Esc => v.editing = None,
                KeyCode::Enter => {
                    let pattern = text.text().trim().to_owned();
                    v.editing = None;
                    if pattern == v.pattern {
                        return Some(vec![]);
                    }
                    v.restart(pattern, now);
                    return Some(self.logs_read(Duration::ZERO).into_iter().collect());
                }
                _ => {
                    text.on_key(ev);
                }
            }
            return Some(vec![]);
        }
        let key = Key::from_event(ev);
        let keymap = &self.settings.keymap;
        let action = keymap
            .action_in(Mode::Logs, &key)
            .or_else(|| keymap.action(&key));
        let v = self.logs.view.as_deref_mut()?;
        let max_scroll = v.lines.len().saturating_sub(1);
        match (ev.code, action) {
            (_, Some(Action::Back)) => {
                self.close_logs();
            }
            (_, Some(Action::Filter)) => {
                v.editing = Some(TextInput::with_text(&v.pattern, PATTERN_MAX));
            }
            (_, Some(Action::LogsFollow)) => {
                v.follow = !v.follow;
                if v.follow {
                    v.scroll = 0;
                    v.unseen = 0;
                }
            }
            (_, Some(Action::LogsWrap)) => v.wrap = !v.wrap,
            (KeyCode::Up, _) | (_, Some(Action::Up)) => {
                v.follow = false;
                v.scroll = (v.scroll + 1).min(max_scroll);
            }
            (KeyCode::Down, _) | (_, Some(Action::Down)) => {
                v.scroll = v.scroll.saturating_sub(1);
            }
            (KeyCode::PageUp, _) | (_, Some(Action::PageUp)) => {
                v.follow = false;
                v.scroll = (v.scroll + page).min(max_scroll);
            }
            (KeyCode::PageDown, _) | (_, Some(Action::PageDown)) => {
                v.scroll = v.scroll.saturating_sub(page);
            }
            (KeyCode::Home, _) | (_, Some(Action::Top)) => {
                v.follow = false;
                v.scroll = max_scroll;
            }
            (KeyCode::End, _) | (_, Some(Action::Bottom)) => {
                v.follow = true;
                v.scroll = 0;
                v.unseen = 0;
            }
            // Quit, help, pause, the palette, and the operations on the selected row (the
            // roll-back banner's `b` among them): as anywhere.
            (_, Some(Action::Quit | Action::Help | Action::Pause | Action::Palette)) => {
                return None;
            }
            (_, Some(a)) if super::operation::in_logs(a) => return None,
            (_, Some(Action::Refresh)) => {
                return Some(self.logs_read(Duration::ZERO).into_iter().collect());
            }
            _ => {
                let k = |a| self.settings.keymap.key_label(a);
                let msg = format!(
                    "Logs: {} filter  {} follow/pause  {} wrap  {}/{} PgUp/PgDn {}/{} scroll  {} back",
                    k(Action::Filter),
                    k(Action::LogsFollow),
                    k(Action::LogsWrap),
                    k(Action::Down),
                    k(Action::Up),
                    k(Action::Top),
                    k(Action::Bottom),
                    k(Action::Back),
                );
                self.set_status(msg, Severity::Info);
            }
        }
        Some(vec![])
    }

    /// Leaves the Logs view; answers still on their way are ignored.
    pub(super) fn close_logs(&mut self) {
        self.logs.view = None;
        self.view = self.logs.back.take().unwrap_or(View::Main);
    }

    /// Pause resumed: the tail carries on.
    pub(super) fn resume_logs(&mut self) -> Option<Effect> {
        self.logs_read(Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: u32, at: i64) -> LogEvent {
        LogEvent {
            id: format!("{id:05}"),
            at: Timestamp(at),
            group: "g".into(),
            stream: "s".into(),
            message: format!("line {id}"),
        }
    }

    fn view() -> LogsView {
        LogsView::new(
            LogTarget::Asg("web".into()),
            "us-east-1".parse().unwrap(),
            1,
            Timestamp(1_000_000),
        )
    }

    #[test]
    fn events_read_twice_show_once_and_late_ones_in_time_order() {
        let mut v = view();
        v.take(LogPage {
            events: vec![event(1, 1_000_000), event(2, 1_001_000)],
            truncated: false,
            delivery: Delivery::Polling,
        });
        assert_eq!(
            v.since,
            Timestamp(1_001_000 - OVERLAP_MS).max(Timestamp(100_000))
        );
        // The overlap brings 2 again, and 3, ingested late with an earlier time than 4.
        v.take(LogPage {
            events: vec![
                event(2, 1_001_000),
                event(4, 1_003_000),
                event(3, 1_002_000),
            ],
            truncated: false,
            delivery: Delivery::Polling,
        });
        let ids: Vec<&str> = v.lines.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, ["00001", "00002", "00003", "00004"]);
    }

    #[test]
    fn the_buffer_and_the_ids_stay_bounded() {
        let mut v = view();
        for round in 0..20 {
            let events = (0..1000)
                .map(|i| {
                    event(
                        round * 1000 + i,
                        1_000_000 + i64::from(round * 1000 + i) * 100,
                    )
                })
                .collect();
            v.take(LogPage {
                events,
                truncated: false,
                delivery: Delivery::Polling,
            });
        }
        assert_eq!(v.lines.len(), KEPT_LINES);
        assert_eq!(v.dropped, 20_000 - KEPT_LINES as u64);
        // Only the overlap window's ids are kept: 30 s at one event per 100 ms.
        assert!(v.seen_ids.len() <= 301, "{}", v.seen_ids.len());
        assert_eq!(v.seen.len(), v.seen_ids.len());
    }
}
