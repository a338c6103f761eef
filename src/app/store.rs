//! The fetched data, in one place: every region's panes with when and how they were last read,
//! the timeline, the alarms' metric history and the header's API figures. [`Store::apply`] and the
//! few methods beside it are its only writers; the rest of the console reads it.

use super::Pane;
use crate::config::{AppConfig, glob_match};
use crate::model::{
    Alarm, AlarmState, Association, Capacity, Event, EventKind, ExecStatus, Execution,
    LoadBalancer, Region, RingSeries, Timestamp,
};
use crate::source::{CallCounts, CallStats, Read, SourceError, Tally};
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
    /// When that read failed.
    pub error_at: Option<Timestamp>,
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
                self.error_at = Some(at);
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
    /// The alarm history moved an alarm's state since the alarms were last read: they are to
    /// be read now ([`Store::take_alarms_behind`]).
    alarms_behind: bool,
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

    /// The error of a read that failed.
    pub fn error(&self) -> Option<&SourceError> {
        match self {
            Payload::Targets(r) => r.result.as_ref().err(),
            Payload::Capacity(r) => r.result.as_ref().err(),
            Payload::Runs(r) => r.result.as_ref().err(),
            Payload::Alarms(r) => r.result.as_ref().err(),
            Payload::Timeline(r) => r.result.as_ref().err(),
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

/// The header's API figures and `:api`'s breakdown, from one window of samples of the source's
/// request counts (every attempt, how it ended): the last 60 s, or since the console started
/// when it is younger. One window, one total: the header's figures are the sum of `:api`'s rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiRates {
    samples: VecDeque<(Timestamp, CallCounts)>,
    /// Reads that failed since the newest sample, by (service, operation): counted at once
    /// (an error shows when it happens, not at the next sample), until a sample has them.
    provisional: Vec<(Timestamp, (String, String), Tally)>,
}

/// What one window of samples counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiWindow {
    /// The window's length, seconds.
    pub secs: i64,
    /// A whole minute (else the console is younger than that: the figures are since it started).
    pub full: bool,
    pub total: Tally,
    /// By (service, operation), most calls first.
    pub by_operation: Vec<((String, String), Tally)>,
}

impl ApiWindow {
    /// Requests by service, most first.
    pub fn by_service(&self) -> Vec<(String, u64)> {
        let mut m: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
        for ((svc, _), t) in &self.by_operation {
            *m.entry(svc.clone()).or_default() += t.calls;
        }
        let mut v: Vec<(String, u64)> = m.into_iter().filter(|(_, n)| *n > 0).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// How the calls are counted: `34/m` over a whole minute, `12/20s` in the console's first
    /// minute (not a per-minute figure it has not measured yet).
    pub fn calls_label(&self) -> String {
        if self.full || self.secs == 0 {
            format!("{}/m", self.total.calls)
        } else {
            format!("{}/{}s", self.total.calls, self.secs)
        }
    }
}

impl ApiRates {
    /// Samples kept: a minute and a bit at one every five seconds.
    const KEPT: usize = 16;

    fn record(&mut self, at: Timestamp, counts: CallCounts) {
        if self.samples.len() == Self::KEPT {
            self.samples.pop_front();
        }
        self.samples.push_back((at, counts));
        // The source's counts now hold what failed before this sample.
        self.provisional.retain(|(t, _, _)| *t > at);
    }

    /// A read that failed: its throttle or error counts at once, until the next sample.
    fn failed_read(&mut self, at: Timestamp, e: &SourceError) {
        let throttle = e.class == crate::source::ErrorClass::Throttling;
        self.provisional.push((
            at,
            (e.service.clone(), e.operation.clone()),
            Tally {
                calls: 0,
                throttles: u64::from(throttle),
                errors: u64::from(!throttle),
            },
        ));
        if self.provisional.len() > 256 {
            self.provisional.remove(0);
        }
    }

    /// Failed reads older than a minute leave the window.
    fn roll(&mut self, now: Timestamp) {
        self.provisional
            .retain(|(t, _, _)| now.secs_since(*t) < 60.0);
    }

    /// The last 60 s: the newest sample against the newest one at least a minute older; before
    /// there is one, against nothing (the counts since the source started).
    pub fn window(&self) -> ApiWindow {
        let empty = (Timestamp(0), CallCounts::new());
        let (newest, last) = match self.samples.back() {
            Some((t, c)) => (t, c),
            None if self.provisional.is_empty() => return ApiWindow::default(),
            None => (&empty.0, &empty.1),
        };
        let base = self
            .samples
            .iter()
            .rev()
            .find(|(t, _)| t.secs() <= newest.secs() - 60);
        let (secs, full) = match base {
            Some((t, _)) => (newest.secs() - t.secs(), true),
            None => (
                self.samples
                    .front()
                    .map_or(0, |(t, _)| newest.secs() - t.secs()),
                false,
            ),
        };
        let mut total = Tally::default();
        let mut counts = last.clone();
        for (_, k, t) in &self.provisional {
            counts.entry(k.clone()).or_default().add(*t);
        }
        let mut by_operation: Vec<((String, String), Tally)> = counts
            .iter()
            .map(|(k, t)| {
                let before = base
                    .and_then(|(_, b)| b.get(k))
                    .copied()
                    .unwrap_or_default();
                (k.clone(), t.since(before))
            })
            .filter(|(_, t)| *t != Tally::default())
            .collect();
        for (_, t) in &by_operation {
            total.add(*t);
        }
        by_operation.sort_by(|a, b| b.1.calls.cmp(&a.1.calls).then_with(|| a.0.cmp(&b.0)));
        ApiWindow {
            secs,
            full,
            total,
            by_operation,
        }
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
    regions: HashMap<Region, RegionData>,
    /// Newest first, all regions, at most [`TIMELINE_KEPT`].
    timeline: VecDeque<Event>,
    /// Alarm metric history, by (region, alarm name), bounded.
    series: HashMap<(Region, String), RingSeries>,
    rates: ApiRates,
    selector: Selector,
}

impl Store {
    /// Healthy and in-service targets of a region (draining ones are not counted: the one
    /// definition of [`crate::model::TargetGroup::recount`]).
    pub fn target_counts(&self, region: &Region) -> (usize, usize) {
        self.region(region)
            .and_then(|d| d.targets.as_ref())
            .map_or((0, 0), |lbs| {
                lbs.iter()
                    .flat_map(|l| &l.target_groups)
                    .fold((0, 0), |(h, t), g| (h + g.healthy, t + g.total))
            })
    }

    /// An empty store that keeps what `selector` selects.
    pub fn new(selector: Selector) -> Self {
        Store {
            selector,
            ..Store::default()
        }
    }

    pub fn region(&self, name: &Region) -> Option<&RegionData> {
        self.regions.get(name)
    }

    /// The regions with data, by name.
    pub fn regions(&self) -> impl Iterator<Item = (&Region, &RegionData)> {
        self.regions.iter()
    }

    /// Whether the alarm history moved one of the region's alarms since it was last read (the
    /// console then reads the alarms at once); asked once.
    pub fn take_alarms_behind(&mut self, region: &Region) -> bool {
        self.regions
            .get_mut(region)
            .is_some_and(|d| std::mem::take(&mut d.alarms_behind))
    }

    /// What changed, newest first.
    pub fn timeline(&self) -> &VecDeque<Event> {
        &self.timeline
    }

    /// An alarm's metric over the last hour.
    pub fn series(&self, region: &Region, alarm: &str) -> Option<&RingSeries> {
        self.series.get(&(region.clone(), alarm.to_owned()))
    }

    /// Every alarm's metric history kept (one per alarm that exists).
    pub fn all_series(&self) -> impl Iterator<Item = &RingSeries> {
        self.series.values()
    }

    /// An alarm's metric over the last hour, oldest first (nothing before the first read).
    pub fn series_values(&self, region: &Region, alarm: &str) -> Vec<f64> {
        self.series(region, alarm)
            .map(RingSeries::values)
            .unwrap_or_default()
    }

    /// Requests per service and operation.
    pub fn rates(&self) -> &ApiRates {
        &self.rates
    }

    /// Takes a poll result of `region` read at `at`: what the configured apps select, the alarms
    /// in the Alarms pane's order, their history, the timeline's events (and the alarm
    /// transitions they show). Whether anything it holds changed (beyond when it was read).
    pub(super) fn apply(&mut self, region: &Region, at: Timestamp, payload: Payload) -> bool {
        if let Some(e) = payload.error() {
            self.rates.failed_read(at, e);
        }
        let sel = &self.selector;
        let d = self.regions.entry(region.clone()).or_default();
        let pane = payload.pane();
        let fetched = &mut d.fetched[pane.index()];
        match payload {
            Payload::Targets(r) => {
                let capacity = d.capacity.as_ref();
                let res = r.result.map(|mut lbs| {
                    lbs.retain(|l| sel.keep(&sel.load_balancers, &l.name));
                    // Instance targets' zones, from the Auto Scaling data already read.
                    if let Some(c) = capacity {
                        crate::model::join_zones(&mut lbs, c);
                    }
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
                let changed = fetched.apply(&mut d.capacity, res, at);
                // Targets read before the instances get their zones now.
                let joined = match (d.targets.as_mut(), d.capacity.as_ref()) {
                    (Some(lbs), Some(c)) => crate::model::join_zones(lbs, c),
                    _ => false,
                };
                changed || joined
            }
            Payload::Runs(r) => {
                let res = r.result.map(|mut a| {
                    a.retain(|x| sel.keep(&sel.associations, &x.name));
                    a
                });
                fetched.apply(&mut d.runs, res, at)
            }
            Payload::Alarms(r) => {
                let known = d.alarms.as_deref().unwrap_or_default();
                let res = r.result.map(|mut a| {
                    a.retain(|x| sel.keep(&sel.alarms, &x.name));
                    // A read that began before a transition the alarm history has shown
                    // since (the alarm's state, older than it by more than a second, says
                    // otherwise) does not take the alarm back: that transition stays, awaiting
                    // the next read.
                    for x in &mut a {
                        if let Some(k) = known.iter().find(|k| {
                            k.state_from_history
                                && k.name == x.name
                                && k.state != x.state
                                && k.updated_at > x.updated_at.plus_secs(1.0)
                        }) {
                            x.moved_by_history(k.state, k.updated_at);
                        }
                    }
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
                            .entry((region.clone(), a.name.clone()))
                            .or_insert_with(|| RingSeries::new(SERIES_POINTS))
                            .merge(&a.series);
                    }
                }
                fetched.apply(&mut d.alarms, res, at)
            }
            Payload::Timeline(r) => match r.result {
                Ok(events) => {
                    // What the read's other calls got is shown; the one that failed marks
                    // the pane (its part is missing).
                    let changed = !events.is_empty() || fetched.error != r.partial;
                    fetched.at = Some(at);
                    if r.partial.is_some() {
                        fetched.error_at = Some(at);
                    }
                    fetched.error = r.partial;
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
                                a.moved_by_history(to, e.at);
                                d.alarms_behind = true;
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
                    fetched.error_at = Some(at);
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
        region: &Region,
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
            // The association's status is the new run's (it read `Success 0✓ 0✗ 0s ago`, the
            // previous run's word over the new run's counts).
            a.status = ExecStatus::Pending;
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

    /// The clock moved on: failed reads older than the API window leave it.
    pub(super) fn roll(&mut self, now: Timestamp) {
        self.rates.roll(now);
    }

    /// Forgets the estate's data (the source was replaced); the API figures go on.
    /// Forgets everything read: another estate or account (its request counts start over too).
    pub(super) fn clear(&mut self) {
        self.regions.clear();
        self.timeline.clear();
        self.series.clear();
        self.rates = ApiRates::default();
    }
}
