//! The fetched data, in one place: every region's panes with when and how they were last read,
//! the timeline, the alarms' metric history and the header's API figures. [`Store::apply`] and the
//! few methods beside it are its only writers; the rest of the console reads it.

use super::Pane;
use crate::config::{AppConfig, glob_match};
use crate::model::{
    Alarm, AlarmState, Association, Capacity, Event, EventKind, ExecStatus, Execution,
    LoadBalancer, RingSeries, Timestamp,
};
use crate::source::{CallCounts, CallStats, Read, SourceError};
use std::collections::{HashMap, VecDeque};

/// Timeline events the console keeps (all regions).
pub const TIMELINE_KEPT: usize = 500;
/// Points kept per alarm series: one hour of one-minute points.
pub const SERIES_POINTS: usize = 60;

/// When a pane of a region was last read, and the error if that read failed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fetch {
    /// When the data shown was read (source clock); `None` before the first good read.
    pub at: Option<Timestamp>,
    /// The last read's error, if it failed (the data read before stays, marked by its age).
    pub error: Option<SourceError>,
}

impl Fetch {
    /// Takes a read; whether what it read or its error differs from before.
    fn apply<T: PartialEq>(
        &mut self,
        value: &mut Option<T>,
        result: Result<T, SourceError>,
        at: Timestamp,
    ) -> bool {
        match result {
            Ok(v) => {
                let changed = value.as_ref() != Some(&v) || self.error.is_some();
                *value = Some(v);
                self.at = Some(at);
                self.error = None;
                changed
            }
            Err(e) => {
                let changed = self.error.as_ref() != Some(&e);
                self.error = Some(e);
                changed
            }
        }
    }
}

/// Everything known about one region: each pane's data (the Timeline's is the store's, shared by
/// the regions) and how it was fetched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegionData {
    pub targets: Option<Vec<LoadBalancer>>,
    pub capacity: Option<Capacity>,
    pub runs: Option<Vec<Association>>,
    pub alarms: Option<Vec<Alarm>>,
    fetched: [Fetch; Pane::COUNT],
    /// The newest timeline event seen from this region.
    last_seq: u64,
}

impl RegionData {
    /// How a pane's data was fetched.
    pub fn fetched(&self, p: Pane) -> &Fetch {
        &self.fetched[p.index()]
    }

    /// The error of a pane's last fetch in this region, if it failed.
    pub fn error(&self, p: Pane) -> Option<&SourceError> {
        self.fetched(p).error.as_ref()
    }

    /// The newest timeline event seen from this region (a poll asks for what is newer).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The load balancers, or none before the first read.
    pub fn lbs(&self) -> &[LoadBalancer] {
        self.targets.as_deref().unwrap_or_default()
    }
}

/// A poll result.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    Targets(Read<Vec<LoadBalancer>>),
    Capacity(Read<Capacity>),
    Runs(Read<Vec<Association>>),
    Alarms(Read<Vec<Alarm>>),
    Timeline(Read<Vec<Event>>),
}

impl Payload {
    /// A failed read of `pane`.
    pub fn failed(pane: Pane, e: SourceError) -> Payload {
        match pane {
            Pane::Targets => Payload::Targets(Read::err(e, 0)),
            Pane::Capacity => Payload::Capacity(Read::err(e, 0)),
            Pane::Runs => Payload::Runs(Read::err(e, 0)),
            Pane::Alarms => Payload::Alarms(Read::err(e, 0)),
            Pane::Timeline => Payload::Timeline(Read::err(e, 0)),
        }
    }

    pub fn stats(&self) -> CallStats {
        match self {
            Payload::Targets(r) => r.stats,
            Payload::Capacity(r) => r.stats,
            Payload::Runs(r) => r.stats,
            Payload::Alarms(r) => r.stats,
            Payload::Timeline(r) => r.stats,
        }
    }

    pub fn pane(&self) -> Pane {
        match self {
            Payload::Targets(_) => Pane::Targets,
            Payload::Capacity(_) => Pane::Capacity,
            Payload::Runs(_) => Pane::Runs,
            Payload::Alarms(_) => Pane::Alarms,
            Payload::Timeline(_) => Pane::Timeline,
        }
    }
}

/// API health for the header (source clock): calls in the last full minute, throttles and
/// errors in the last 60 s (a moving window, so an error shows at once and leaves a minute later).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiHealth {
    /// Per second: the calls of the reads that ended in it (at most 61 kept).
    seconds: VecDeque<(i64, CallStats)>,
    pub last_minute: CallStats,
}

impl ApiHealth {
    fn record(&mut self, at: Timestamp, s: CallStats) {
        let sec = at.secs();
        if let Some((_, c)) = self.seconds.iter_mut().find(|(t, _)| *t == sec) {
            c.calls += s.calls;
            c.throttles += s.throttles;
            c.errors += s.errors;
        } else {
            let pos = self.seconds.partition_point(|(t, _)| *t < sec);
            self.seconds.insert(pos, (sec, s));
        }
        let newest = self.seconds.back().map_or(sec, |(t, _)| *t);
        self.roll(newest);
    }

    /// Forgets what is older than two minutes before `now_sec`; sums the figures: calls over the
    /// last full minute (a figure that changes once a minute, so an idle screen stays idle, and
    /// the same minute the per-service breakdown covers), throttles and errors over the last 60 s
    /// (they show at once).
    fn roll(&mut self, now_sec: i64) {
        while self
            .seconds
            .front()
            .is_some_and(|(t, _)| *t <= now_sec - 120)
        {
            self.seconds.pop_front();
        }
        let minute = now_sec.div_euclid(60) * 60;
        let mut sum = CallStats::default();
        for (t, c) in &self.seconds {
            if (minute - 60..minute).contains(t) {
                sum.calls += c.calls;
            }
            if *t > now_sec - 60 {
                sum.throttles += c.throttles;
                sum.errors += c.errors;
            }
        }
        self.last_minute = sum;
    }
}

/// Requests per service and operation over the last minute, from samples of the source's counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiRates {
    samples: VecDeque<(Timestamp, CallCounts)>,
}

impl ApiRates {
    /// Samples kept: two minutes and a bit at one every five seconds.
    const KEPT: usize = 26;

    fn record(&mut self, at: Timestamp, counts: CallCounts) {
        if self.samples.len() == Self::KEPT {
            self.samples.pop_front();
        }
        self.samples.push_back((at, counts));
    }

    /// The minute of the newest sample (seconds since the epoch / 60).
    pub fn newest_minute(&self) -> Option<i64> {
        self.samples.back().map(|(t, _)| t.secs().div_euclid(60))
    }

    /// Requests by (service, operation) in the last minute (or since the first sample), most first.
    pub fn by_operation(&self) -> Vec<((String, String), u64)> {
        // The last full minute, like the header's total: the latest sample before the minute
        // began, against the latest one a minute before that (or the first there is).
        let Some((newest, _)) = self.samples.back() else {
            return Vec::new();
        };
        let minute = newest.secs().div_euclid(60) * 60;
        let Some((_, last)) = self.samples.iter().rev().find(|(t, _)| t.secs() < minute) else {
            return Vec::new();
        };
        let base = self
            .samples
            .iter()
            .rev()
            .find(|(t, _)| t.secs() < minute - 60)
            .or_else(|| self.samples.front())
            .map(|(_, c)| c);
        let mut v: Vec<((String, String), u64)> = last
            .iter()
            .map(|(k, n)| {
                let before = base.and_then(|b| b.get(k)).copied().unwrap_or(0);
                (k.clone(), n.saturating_sub(before))
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// Requests by service in the last minute, most first.
    pub fn by_service(&self) -> Vec<(String, u64)> {
        let mut m: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
        for ((svc, _), n) in self.by_operation() {
            *m.entry(svc).or_default() += n;
        }
        let mut v: Vec<(String, u64)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }
}

/// The Alarms pane's order: ALARM first, then INSUFFICIENT_DATA, then OK; by name within a state.
fn sort_alarms(alarms: &mut [Alarm]) {
    alarms.sort_by(|x, y| x.state.cmp(&y.state).then_with(|| x.name.cmp(&y.name)));
}

/// The state an alarm-transition event moved to: `OK -> ALARM` (demo), `Alarm updated from OK
/// to ALARM` (CloudWatch history).
fn transition_to(message: &str) -> Option<AlarmState> {
    let after = message
        .rsplit_once(" -> ")
        .or_else(|| message.rsplit_once(" to "))
        .map(|(_, rest)| rest)?;
    AlarmState::parse(
        after
            .split_whitespace()
            .next()?
            .trim_end_matches([',', '.', ':']),
    )
}

/// Which resources the configured apps select: what their patterns name (nothing of a kind none
/// of them names); without any app config, everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selector {
    /// Without any `[[app]]`, everything is selected.
    configured: bool,
    load_balancers: Vec<String>,
    asgs: Vec<String>,
    services: Vec<String>,
    associations: Vec<String>,
    alarms: Vec<String>,
}

impl Selector {
    pub fn new(apps: &[AppConfig]) -> Self {
        let mut s = Selector {
            configured: !apps.is_empty(),
            ..Selector::default()
        };
        for a in apps {
            s.load_balancers.extend(a.load_balancers.iter().cloned());
            s.asgs.extend(a.auto_scaling_groups.iter().cloned());
            s.services.extend(a.ecs_services.iter().cloned());
            s.associations.extend(a.associations.iter().cloned());
            s.alarms.extend(a.alarms.iter().cloned());
        }
        s
    }

    /// Whether a kind's patterns select `name`. With apps configured, a kind that no app names
    /// selects nothing of that kind; without any app config, everything is shown.
    pub fn keep(&self, patterns: &[String], name: &str) -> bool {
        !self.configured || patterns.iter().any(|p| glob_match(p, name))
    }
}

/// The fetched data of every region.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Store {
    regions: HashMap<String, RegionData>,
    /// Newest first, all regions, at most [`TIMELINE_KEPT`].
    timeline: VecDeque<Event>,
    /// Alarm metric history, by (region, alarm name), bounded.
    series: HashMap<(String, String), RingSeries>,
    api: ApiHealth,
    rates: ApiRates,
    selector: Selector,
}

impl Store {
    /// An empty store that keeps what `selector` selects.
    pub fn new(selector: Selector) -> Self {
        Store {
            selector,
            ..Store::default()
        }
    }

    pub fn region(&self, name: &str) -> Option<&RegionData> {
        self.regions.get(name)
    }

    /// The regions with data, by name.
    pub fn regions(&self) -> impl Iterator<Item = (&str, &RegionData)> {
        self.regions.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// What changed, newest first.
    pub fn timeline(&self) -> &VecDeque<Event> {
        &self.timeline
    }

    /// An alarm's metric over the last hour.
    pub fn series(&self, region: &str, alarm: &str) -> Option<&RingSeries> {
        self.series.get(&(region.to_owned(), alarm.to_owned()))
    }

    /// Every alarm's metric history kept (one per alarm that exists).
    pub fn all_series(&self) -> impl Iterator<Item = &RingSeries> {
        self.series.values()
    }

    /// An alarm's metric over the last hour, oldest first (nothing before the first read).
    pub fn series_values(&self, region: &str, alarm: &str) -> Vec<f64> {
        self.series(region, alarm)
            .map(RingSeries::values)
            .unwrap_or_default()
    }

    /// Calls in the last full minute, throttles and errors in the last 60 s.
    pub fn api(&self) -> CallStats {
        self.api.last_minute
    }

    /// Requests per service and operation.
    pub fn rates(&self) -> &ApiRates {
        &self.rates
    }

    /// Takes a poll result of `region` read at `at`: what the configured apps select, the alarms
    /// in the Alarms pane's order, their history, the timeline's events (and the alarm
    /// transitions they show). Whether anything it holds changed (beyond when it was read).
    pub(super) fn apply(&mut self, region: &str, at: Timestamp, payload: Payload) -> bool {
        self.api.record(at, payload.stats());
        let sel = &self.selector;
        let d = self.regions.entry(region.to_owned()).or_default();
        let pane = payload.pane();
        let fetched = &mut d.fetched[pane.index()];
        match payload {
            Payload::Targets(r) => {
                let res = r.result.map(|mut lbs| {
                    lbs.retain(|l| sel.keep(&sel.load_balancers, &l.name));
                    lbs
                });
                fetched.apply(&mut d.targets, res, at)
            }
            Payload::Capacity(r) => {
                let res = r.result.map(|mut c| {
                    c.auto_scaling_groups
                        .retain(|g| sel.keep(&sel.asgs, &g.name));
                    c.ecs_services
                        .retain(|s| sel.keep(&sel.services, &format!("{}/{}", s.cluster, s.name)));
                    c
                });
                fetched.apply(&mut d.capacity, res, at)
            }
            Payload::Runs(r) => {
                let res = r.result.map(|mut a| {
                    a.retain(|x| sel.keep(&sel.associations, &x.name));
                    a
                });
                fetched.apply(&mut d.runs, res, at)
            }
            Payload::Alarms(r) => {
                let res = r.result.map(|mut a| {
                    a.retain(|x| sel.keep(&sel.alarms, &x.name));
                    sort_alarms(&mut a);
                    a
                });
                if let Ok(alarms) = &res {
                    // Drop the history of alarms that no longer exist.
                    self.series.retain(|(r, name), _| {
                        r != region || alarms.iter().any(|a| &a.name == name)
                    });
                    for a in alarms {
                        self.series
                            .entry((region.to_owned(), a.name.clone()))
                            .or_insert_with(|| RingSeries::new(SERIES_POINTS))
                            .merge(&a.series);
                    }
                }
                fetched.apply(&mut d.alarms, res, at)
            }
            Payload::Timeline(r) => match r.result {
                Ok(events) => {
                    let changed = !events.is_empty() || fetched.error.is_some();
                    fetched.at = Some(at);
                    fetched.error = None;
                    // One truth per fact: an alarm transition the timeline saw is the alarm's
                    // state in the Alarms pane too, until a newer read says otherwise.
                    if let Some(alarms) = d.alarms.as_mut() {
                        for e in events.iter().filter(|e| e.kind == EventKind::Alarm) {
                            let Some(to) = transition_to(&e.message) else {
                                continue;
                            };
                            if let Some(a) = alarms
                                .iter_mut()
                                .find(|a| a.name == e.resource && a.updated_at < e.at)
                            {
                                a.state = to;
                                a.updated_at = e.at;
                            }
                        }
                        sort_alarms(alarms);
                    }
                    for e in events {
                        d.last_seq = d.last_seq.max(e.seq);
                        if self.timeline.len() == TIMELINE_KEPT {
                            self.timeline.pop_back();
                        }
                        // Newest first.
                        let pos = self
                            .timeline
                            .iter()
                            .position(|x| x.at <= e.at)
                            .unwrap_or(self.timeline.len());
                        self.timeline.insert(pos, e);
                    }
                    changed
                }
                Err(e) => {
                    let changed = fetched.error.as_ref() != Some(&e);
                    fetched.error = Some(e);
                    changed
                }
            },
        }
    }

    /// An event of this console's own (an operation's result), at the top of the timeline.
    pub(super) fn push_event(&mut self, e: Event) {
        if self.timeline.len() == TIMELINE_KEPT {
            self.timeline.pop_back();
        }
        self.timeline.push_front(e);
    }

    /// A run asked for at `requested` shows as pending until a read shows an execution that
    /// started after it (never the previous run's result).
    pub(super) fn show_run_pending(
        &mut self,
        region: &str,
        association: &str,
        requested: Timestamp,
    ) {
        if let Some(a) = self
            .regions
            .get_mut(region)
            .and_then(|d| d.runs.as_mut())
            .and_then(|v| v.iter_mut().find(|a| a.id == association))
            && a.last_execution
                .as_ref()
                .is_none_or(|x| x.created_at < requested)
        {
            a.last_execution = Some(Execution {
                id: "(starting)".into(),
                status: ExecStatus::Pending,
                created_at: requested,
                success: 0,
                failed: 0,
                pending: 0,
                targets: Vec::new(),
            });
        }
    }

    /// The source's request counts at `at` (the per-service rates).
    pub(super) fn record_calls(&mut self, at: Timestamp, counts: CallCounts) {
        self.rates.record(at, counts);
    }

    /// The clock moved on: the API figures forget what is older than their windows.
    pub(super) fn roll(&mut self, now: Timestamp) {
        self.api.roll(now.secs());
    }

    /// Forgets the estate's data (the source was replaced); the API figures go on.
    pub(super) fn clear(&mut self) {
        self.regions.clear();
        self.timeline.clear();
        self.series.clear();
    }
}
