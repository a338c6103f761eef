//! CloudWatch: alarms (all pages), their metrics over the last hour in GetMetricData batches of
//! 500 queries (those on screen every read, the others once a minute: [`MetricCache`]), and
//! alarm history for the timeline.

use super::errors::map;
use super::{RegionClients, event, ts};
use crate::model::{Alarm, AlarmState, Comparison, Event, EventKind, Point, Severity, Timestamp};
use crate::source::SourceError;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types as t;
use std::collections::{HashMap, HashSet};

const SVC: &str = "monitoring";
/// GetMetricData takes at most 500 queries.
pub const METRIC_QUERIES_BATCH: usize = 500;

/// A target group's host-count metrics, fetched in the same GetMetricData batches as the
/// alarms' metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMetric {
    pub tg_arn: String,
    pub namespace: &'static str,
    /// `TargetGroup` dimension: `targetgroup/NAME/ID`.
    pub tg_dim: String,
    /// `LoadBalancer` dimension: `app/NAME/ID` or `net/NAME/ID`.
    pub lb_dim: String,
}

/// Healthy and unhealthy host counts of the last hour, by target group ARN.
pub type HostSeries = HashMap<String, (Vec<Point>, Vec<Point>)>;

fn host_query(id: String, h: &HostMetric, metric: &str, stat: &str) -> t::MetricDataQuery {
    let dim = |n: &str, v: &str| t::Dimension::builder().name(n).value(v).build();
    let metric = t::Metric::builder()
        .namespace(h.namespace)
        .metric_name(metric)
        .dimensions(dim("TargetGroup", &h.tg_dim))
        .dimensions(dim("LoadBalancer", &h.lb_dim))
        .build();
    t::MetricDataQuery::builder()
        .id(id)
        .metric_stat(
            t::MetricStat::builder()
                .metric(metric)
                .period(60)
                .stat(stat)
                .build(),
        )
        .return_data(true)
        .build()
}

/// DescribeAlarms returns at most this many alarms a page.
const ALARMS_PAGE: usize = 100;
/// Every alarm is read at least once in this many reads.
pub const ALARM_ROTATION: u64 = 6;

/// The alarms kept between reads of one region. A region with more alarms than one page holds
/// is read whole every [`ALARM_ROTATION`]-th read; between, only the alarms not OK are read
/// (DescribeAlarms by state, ALARM and INSUFFICIENT_DATA: two calls, however many alarms there
/// are) and the OK ones carried over, unchanged since they are still OK. Whenever that read
/// does not account for every alarm (an alarm not known, one not OK before that is in neither
/// list now: it went OK, or was deleted) the whole list is read at once, so a state is never
/// carried over wrong; an alarm created in state OK, or an OK one deleted, shows up to
/// [`ALARM_ROTATION`] reads late.
#[derive(Debug, Default)]
pub struct AlarmCache {
    /// Shared with the read that returned it: carried over without a copy.
    known: Option<std::sync::Arc<Vec<t::MetricAlarm>>>,
    reads: u64,
    /// The metrics' last answers.
    pub(super) metrics: MetricCache,
}

impl AlarmCache {
    /// What the cheap read found merged into the known list, or `None` when it does not
    /// account for every alarm (then the whole list is read).
    fn merge(known: &[t::MetricAlarm], not_ok: Vec<t::MetricAlarm>) -> Option<Vec<t::MetricAlarm>> {
        let mut fresh: HashMap<String, t::MetricAlarm> = not_ok
            .into_iter()
            .map(|a| (a.alarm_name().unwrap_or_default().to_owned(), a))
            .collect();
        let mut out = Vec::with_capacity(known.len());
        for a in known {
            let name = a.alarm_name().unwrap_or_default();
            match fresh.remove(name) {
                Some(now) => out.push(now),
                // Not OK before and in neither list now: OK or deleted, which only the whole
                // list says.
                None if a.state_value() != Some(&t::StateValue::Ok) => return None,
                None => out.push(a.clone()),
            }
        }
        // An alarm not known before.
        fresh.is_empty().then_some(out)
    }
}

async fn describe_alarms(
    c: &aws_sdk_cloudwatch::Client,
    profile: Option<&str>,
    state: Option<t::StateValue>,
) -> Result<Vec<t::MetricAlarm>, SourceError> {
    Ok(c.describe_alarms()
        .set_state_value(state)
        .max_records(ALARMS_PAGE as i32)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| map(SVC, "DescribeAlarms", profile, &e))?
        .into_iter()
        .flat_map(|page| page.metric_alarms.unwrap_or_default())
        .collect())
}

/// The region's alarms as [`AlarmCache`] says: the whole list, or the ones not OK with the OK
/// ones carried over.
async fn metric_alarms(
    c: &aws_sdk_cloudwatch::Client,
    profile: Option<&str>,
    cache: &std::sync::Mutex<AlarmCache>,
) -> Result<std::sync::Arc<Vec<t::MetricAlarm>>, SourceError> {
    let lock = || crate::source::lock(cache);
    let known = {
        let mut k = lock();
        k.reads += 1;
        let due = k.reads.is_multiple_of(ALARM_ROTATION);
        k.known
            .as_ref()
            .filter(|known| !due && known.len() > ALARMS_PAGE)
            .cloned()
    };
    if let Some(known) = known {
        let (alarm, insufficient) = tokio::join!(
            describe_alarms(c, profile, Some(t::StateValue::Alarm)),
            describe_alarms(c, profile, Some(t::StateValue::InsufficientData)),
        );
        let mut not_ok = alarm?;
        not_ok.extend(insufficient?);
        if let Some(all) = AlarmCache::merge(&known, not_ok) {
            let all = std::sync::Arc::new(all);
            lock().known = Some(all.clone());
            return Ok(all);
        }
    }
    let all = std::sync::Arc::new(describe_alarms(c, profile, None).await?);
    lock().known = Some(all.clone());
    Ok(all)
}

/// How old (seconds) the last answer for a metric off screen may be before it is asked for
/// again: the metrics have a point a minute, and a read every minute keeps each point whole.
/// A little under the minute, so that at `--refresh 10` the sixth read asks, not the seventh.
pub const METRIC_FRESH_SECS: f64 = 55.0;

/// Which series a GetMetricData query fills.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum MetricKey {
    /// An alarm's metric, by alarm name.
    Alarm(String),
    /// A target group's healthy host count, by ARN.
    Healthy(String),
    /// A target group's unhealthy host count, by ARN.
    Unhealthy(String),
}

/// A metric's last answer.
#[derive(Debug)]
struct Answered {
    /// When the alarm's state and configuration last changed, then (host counts: none): an alarm
    /// that changed state, or whose metric may have, is asked again at once.
    updated: Option<Changed>,
    at: Timestamp,
    points: Vec<Point>,
}

/// The metrics' last answers in one region, and what is on screen there. A metric is asked for
/// on every read while it is on screen (an alarm with a row in view, in an open detail or in the
/// region view; a target group with a row in view or an open detail), when it is not known, when
/// its alarm's metric or state changed, and otherwise once its last answer is
/// [`METRIC_FRESH_SECS`] old: GetMetricData is charged by the metric, and the points are a
/// minute apart. The others keep their last answer.
#[derive(Debug, Default)]
pub struct MetricCache {
    answered: HashMap<MetricKey, Answered>,
    alarms: HashSet<String>,
    target_groups: HashSet<String>,
}

impl MetricCache {
    /// The alarms (by name) and target groups (by ARN) on screen from now on.
    pub fn watch(&mut self, alarms: &[String], target_groups: &[String]) {
        self.alarms = alarms.iter().cloned().collect();
        self.target_groups = target_groups.iter().cloned().collect();
    }

    fn on_screen(&self, key: &MetricKey) -> bool {
        match key {
            MetricKey::Alarm(name) => self.alarms.contains(name),
            MetricKey::Healthy(arn) | MetricKey::Unhealthy(arn) => self.target_groups.contains(arn),
        }
    }

    /// The points to show for `key` without asking, or `None` when it is to be asked now.
    fn kept(&self, key: &MetricKey, updated: Option<Changed>, now: Timestamp) -> Option<&[Point]> {
        let a = self.answered.get(key)?;
        let age = now.secs_since(a.at);
        let fresh = (0.0..METRIC_FRESH_SECS).contains(&age);
        (fresh && !self.on_screen(key) && a.updated == updated).then_some(a.points.as_slice())
    }
}

/// One metric of a read: what fills it (its query is built only when it is asked).
struct Wanted {
    key: MetricKey,
    /// The alarm's index, or the target group's.
    index: usize,
    updated: Option<Changed>,
}

/// When an alarm's state last changed, and its configuration (its metric, say).
type Changed = (Timestamp, Timestamp);

impl Wanted {
    fn series<'a>(&self, alarms: &'a mut [Alarm], hosts: &'a mut HostSeries) -> &'a mut Vec<Point> {
        match &self.key {
            MetricKey::Alarm(_) => &mut alarms[self.index].series,
            MetricKey::Healthy(arn) => &mut hosts.entry(arn.clone()).or_default().0,
            MetricKey::Unhealthy(arn) => &mut hosts.entry(arn.clone()).or_default().1,
        }
    }

    fn query(&self, alarms: &[t::MetricAlarm], hosts: &[HostMetric]) -> Option<t::MetricDataQuery> {
        let j = self.index;
        match &self.key {
            MetricKey::Alarm(_) => query(j, &alarms[j]),
            MetricKey::Healthy(_) => Some(host_query(
                format!("h{j}"),
                &hosts[j],
                "HealthyHostCount",
                "Minimum",
            )),
            MetricKey::Unhealthy(_) => Some(host_query(
                format!("u{j}"),
                &hosts[j],
                "UnHealthyHostCount",
                "Maximum",
            )),
        }
    }
}

pub async fn alarms(
    r: &RegionClients,
    profile: Option<&str>,
    hosts: &[HostMetric],
    cache: &std::sync::Mutex<AlarmCache>,
) -> Result<(Vec<Alarm>, HostSeries), SourceError> {
    let c = &r.cloudwatch;
    let metric_alarms = metric_alarms(c, profile, cache).await?;
    let mut out: Vec<Alarm> = metric_alarms.iter().map(alarm).collect();
    // One query per alarm with a plain metric (id `m<i>`), two per target group: its healthy and
    // unhealthy host counts (ids `h<j>`, `u<j>`).
    let mut wanted: Vec<Wanted> = Vec::with_capacity(out.len() + 2 * hosts.len());
    for (i, a) in metric_alarms.iter().enumerate() {
        // An alarm on a metric math expression has no plain metric to draw.
        if a.namespace().is_some() && a.metric_name().is_some() {
            wanted.push(Wanted {
                key: MetricKey::Alarm(out[i].name.clone()),
                index: i,
                updated: Some((
                    out[i].updated_at,
                    ts(a.alarm_configuration_updated_timestamp()),
                )),
            });
        }
    }
    for (j, h) in hosts.iter().enumerate() {
        for key in [
            MetricKey::Healthy(h.tg_arn.clone()),
            MetricKey::Unhealthy(h.tg_arn.clone()),
        ] {
            wanted.push(Wanted {
                key,
                index: j,
                updated: None,
            });
        }
    }
    let mut host_series = HostSeries::new();
    let end = Timestamp::now();
    let start = end.plus_secs(-3600.0);
    // What is kept is shown as it was; the rest is asked.
    let asked: Vec<&Wanted> = {
        let k = crate::source::lock(cache);
        wanted
            .iter()
            .filter(|w| match k.metrics.kept(&w.key, w.updated, end) {
                Some(points) => {
                    w.series(&mut out, &mut host_series)
                        .extend_from_slice(points);
                    false
                }
                None => true,
            })
            .collect()
    };
    tracing::debug!(
        "GetMetricData: {} of {} metrics due in {}",
        asked.len(),
        wanted.len(),
        r.info.name
    );
    for batch in asked.chunks(METRIC_QUERIES_BATCH) {
        let mut results: Vec<t::MetricDataResult> = Vec::new();
        let queries: Vec<t::MetricDataQuery> = batch
            .iter()
            .filter_map(|w| w.query(&metric_alarms, hosts))
            .collect();
        let mut next: Option<String> = None;
        loop {
            let page = c
                .get_metric_data()
                .set_metric_data_queries(Some(queries.clone()))
                .start_time(DateTime::from_millis(start.0))
                .end_time(DateTime::from_millis(end.0))
                .scan_by(t::ScanBy::TimestampAscending)
                .set_next_token(next.clone())
                .send()
                .await
                .map_err(|e| map(SVC, "GetMetricData", profile, &e))?;
            results.extend(page.metric_data_results().iter().cloned());
            next = page.next_token().map(str::to_owned);
            if next.is_none() {
                break;
            }
        }
        merge_series(&mut out, &results);
        merge_hosts(&mut host_series, hosts, &results);
    }
    let mut k = crate::source::lock(cache);
    for w in &asked {
        let points = w.series(&mut out, &mut host_series).clone();
        k.metrics.answered.insert(
            w.key.clone(),
            Answered {
                updated: w.updated,
                at: end,
                points,
            },
        );
    }
    // Metrics of alarms and target groups gone are forgotten.
    if k.metrics.answered.len() > wanted.len() {
        let keep: HashSet<&MetricKey> = wanted.iter().map(|w| &w.key).collect();
        k.metrics.answered.retain(|key, _| keep.contains(key));
    }
    Ok((out, host_series))
}

/// Adds host-count results (ids `h<j>`, `u<j>`) to the series of target group `j`.
fn merge_hosts(out: &mut HostSeries, hosts: &[HostMetric], results: &[t::MetricDataResult]) {
    for r in results {
        let Some(id) = r.id() else { continue };
        let (healthy, rest) = match id.split_at_checked(1) {
            Some(("h", rest)) => (true, rest),
            Some(("u", rest)) => (false, rest),
            _ => continue,
        };
        let Some(h) = rest.parse::<usize>().ok().and_then(|j| hosts.get(j)) else {
            continue;
        };
        let entry = out.entry(h.tg_arn.clone()).or_default();
        let series = if healthy { &mut entry.0 } else { &mut entry.1 };
        for (t, v) in r.timestamps().iter().zip(r.values()) {
            if let Ok(ms) = t.to_millis() {
                series.push(Point {
                    at: Timestamp(ms),
                    value: *v,
                });
            }
        }
        series.sort_by_key(|p| p.at);
        series.dedup_by_key(|p| p.at);
    }
}

/// The GetMetricData query of an alarm's metric, id `m<index>`.
fn query(i: usize, a: &t::MetricAlarm) -> Option<t::MetricDataQuery> {
    let metric = t::Metric::builder()
        .namespace(a.namespace()?)
        .metric_name(a.metric_name()?)
        .set_dimensions(Some(a.dimensions().to_vec()))
        .build();
    let stat = t::MetricStat::builder()
        .metric(metric)
        .period(60)
        .stat(a.statistic().map_or("Average", t::Statistic::as_str))
        .build();
    Some(
        t::MetricDataQuery::builder()
            .id(format!("m{i}"))
            .metric_stat(stat)
            .return_data(true)
            .build(),
    )
}

/// Adds GetMetricData results (ids `m<index>`, any order, any page) to the alarms' series.
pub fn merge_series(alarms: &mut [Alarm], results: &[t::MetricDataResult]) {
    let mut by_index: HashMap<usize, Vec<Point>> = HashMap::new();
    for r in results {
        let Some(i) = r
            .id()
            .and_then(|id| id.strip_prefix('m'))
            .and_then(|n| n.parse().ok())
        else {
            continue;
        };
        let pts = by_index.entry(i).or_default();
        for (t, v) in r.timestamps().iter().zip(r.values()) {
            if let Ok(ms) = t.to_millis() {
                pts.push(Point {
                    at: Timestamp(ms),
                    value: *v,
                });
            }
        }
    }
    for (i, mut pts) in by_index {
        if let Some(a) = alarms.get_mut(i) {
            a.series.append(&mut pts);
            a.series.sort_by_key(|p| p.at);
            a.series.dedup_by_key(|p| p.at);
        }
    }
}

/// SDK alarm to model.
pub fn alarm(a: &t::MetricAlarm) -> Alarm {
    Alarm {
        name: a.alarm_name().unwrap_or_default().to_owned(),
        state: a
            .state_value()
            .and_then(|s| AlarmState::parse(s.as_str()))
            .unwrap_or(AlarmState::InsufficientData),
        reason: a.state_reason().unwrap_or_default().to_owned(),
        updated_at: ts(a.state_updated_timestamp()),
        namespace: a.namespace().unwrap_or_default().to_owned(),
        metric: a.metric_name().unwrap_or_default().to_owned(),
        threshold: a.threshold().unwrap_or(0.0),
        comparison: Comparison::parse(a.comparison_operator().map_or("", |c| c.as_str())),
        statistic: a
            .statistic()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        period_secs: a.period().map_or(0, |p| p.max(0) as u32),
        evaluation_periods: a.evaluation_periods().map_or(0, |p| p.max(0) as u32),
        dimensions: a
            .dimensions()
            .iter()
            .map(|d| {
                format!(
                    "{}={}",
                    d.name().unwrap_or_default(),
                    d.value().unwrap_or_default()
                )
            })
            .collect(),
        series: Vec::new(),
        state_from_history: false,
    }
}

/// Recent state changes of the region's alarms (one page), as timeline events.
pub async fn history(
    r: &RegionClients,
    profile: Option<&str>,
) -> Result<Vec<(String, Event)>, SourceError> {
    let out = r
        .cloudwatch
        .describe_alarm_history()
        .history_item_type(t::HistoryItemType::StateUpdate)
        .max_records(100)
        .send()
        .await
        .map_err(|e| map(SVC, "DescribeAlarmHistory", profile, &e))?;
    Ok(out
        .alarm_history_items()
        .iter()
        .map(|h| {
            let name = h.alarm_name().unwrap_or_default();
            let at = ts(h.timestamp());
            let summary = h.history_summary().unwrap_or_default().to_owned();
            let sev = if summary.contains("to ALARM") {
                Severity::Crit
            } else if summary.contains("to OK") {
                Severity::Ok
            } else {
                Severity::Info
            };
            (
                format!("cw:{name}:{}", at.0),
                event(at, &r.info.name, EventKind::Alarm, sev, name, summary),
            )
        })
        .collect())
}

/// `SetAlarmState` (idempotent: the SDK's retries stay on).
pub async fn set_alarm_state(
    r: &RegionClients,
    profile: Option<&str>,
    alarm: &str,
    state: AlarmState,
    reason: &str,
) -> Result<(), SourceError> {
    let value = match state {
        AlarmState::Alarm => t::StateValue::Alarm,
        AlarmState::Ok => t::StateValue::Ok,
        AlarmState::InsufficientData => t::StateValue::InsufficientData,
    };
    r.cloudwatch
        .set_alarm_state()
        .alarm_name(alarm)
        .state_value(value)
        .state_reason(reason)
        .send()
        .await
        .map_err(|e| map(SVC, "SetAlarmState", profile, &e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(at: Timestamp, updated: Option<Changed>) -> Answered {
        Answered {
            updated,
            at,
            points: vec![Point { at, value: 7.0 }],
        }
    }

    /// A metric off screen keeps its last answer for a little under a minute, unless its alarm's
    /// metric or state changed; one on screen, or not known, is asked every time.
    #[test]
    fn a_metric_is_kept_while_fresh_off_screen_and_unchanged() {
        let t0 = Timestamp(1_795_219_200_000);
        let name = MetricKey::Alarm("cpu".to_owned());
        let tg = MetricKey::Healthy("arn:tg/web".to_owned());
        let mut c = MetricCache::default();
        let kept = |c: &MetricCache, key: &MetricKey, secs: f64, updated| {
            c.kept(key, updated, t0.plus_secs(secs)).map(<[Point]>::len)
        };
        let at = |state: f64, config: f64| Some((t0.plus_secs(state), t0.plus_secs(config)));
        assert_eq!(kept(&c, &name, 0.0, at(0.0, 0.0)), None, "not known: asked");
        c.answered.insert(name.clone(), answered(t0, at(0.0, 0.0)));
        c.answered.insert(tg.clone(), answered(t0, None));
        assert_eq!(kept(&c, &name, 10.0, at(0.0, 0.0)), Some(1));
        assert_eq!(kept(&c, &name, 54.9, at(0.0, 0.0)), Some(1));
        assert_eq!(
            kept(&c, &name, METRIC_FRESH_SECS, at(0.0, 0.0)),
            None,
            "a minute old"
        );
        assert_eq!(
            kept(&c, &name, -5.0, at(0.0, 0.0)),
            None,
            "the clock went back"
        );
        assert_eq!(
            kept(&c, &name, 10.0, at(9.0, 0.0)),
            None,
            "the alarm changed state"
        );
        assert_eq!(
            kept(&c, &name, 10.0, at(0.0, 9.0)),
            None,
            "the alarm was changed (its metric, say)"
        );
        assert_eq!(kept(&c, &tg, 10.0, None), Some(1));
        c.watch(&["cpu".to_owned()], &[]);
        assert_eq!(kept(&c, &name, 10.0, at(0.0, 0.0)), None, "on screen");
        assert_eq!(kept(&c, &tg, 10.0, None), Some(1));
        c.watch(&[], &["arn:tg/web".to_owned()]);
        assert_eq!(kept(&c, &name, 10.0, at(0.0, 0.0)), Some(1));
        assert_eq!(
            kept(&c, &tg, 10.0, None),
            None,
            "its target group on screen"
        );
    }
}
