//! Background polling: one task per region and pane, each on its own schedule, with backoff and
//! jitter on throttling. Results go to the UI as messages; the UI never awaits a source.

use crate::app::{Msg, Pane, Payload};
use crate::config::Refresh;
use crate::model::{ErrorRecord, Region, RegionSnapshot, Snapshot};
use crate::source::{Source, SourceError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// What the UI tells the pollers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Control {
    pub paused: bool,
    /// Bumped to ask for a refresh now.
    pub refresh: u64,
    /// Reads asked for one pane of one region ([`Control::read_now`]), counted.
    asked: Vec<(Region, Pane, u64)>,
}

impl Control {
    /// Asks for a read of `pane` in `region` now.
    pub fn read_now(&mut self, region: &Region, pane: Pane) {
        match self
            .asked
            .iter_mut()
            .find(|(r, p, _)| r == region && *p == pane)
        {
            Some((_, _, n)) => *n += 1,
            None => self.asked.push((region.clone(), pane, 1)),
        }
    }

    /// What a pane's poller in `region` answers to: a pause, a refresh of all, a read of it.
    fn wakes(&self, region: &Region, pane: Pane) -> (bool, u64, u64) {
        let asked = self
            .asked
            .iter()
            .find(|(r, p, _)| r == region && *p == pane)
            .map_or(0, |a| a.2);
        (self.paused, self.refresh, asked)
    }
}

/// Fetches one pane of one region.
/// A source not connected yet gives every pane its reason.
pub async fn fetch(source: &dyn Source, region: &Region, pane: Pane, after_seq: u64) -> Msg {
    let payload = match source.estate().await {
        Ok(e) => match pane {
            Pane::Targets => Payload::Targets(e.targets(region).await),
            Pane::Capacity => Payload::Capacity(e.capacity(region).await),
            Pane::Runs => Payload::Runs(e.runs(region).await),
            Pane::Alarms => Payload::Alarms(e.alarms(region).await),
            Pane::Timeline => Payload::Timeline(e.timeline(region, after_seq).await),
        },
        Err(why) => Payload::failed(pane, why),
    };
    Msg::Data {
        region: region.to_owned(),
        at: source.now(),
        payload,
    }
}

/// One poll of every pane of every region, as messages (tests, first frame, `r`).
pub async fn poll_all(source: &dyn Source, after_seq: impl Fn(&Region) -> u64) -> Vec<Msg> {
    let mut out = Vec::new();
    for r in source.info().regions {
        for p in Pane::ALL {
            out.push(fetch(source, &r.name, p, after_seq(&r.name)).await);
        }
    }
    out
}

/// One full poll as a `snapshot --json` document, within `deadline`: a read that has not answered
/// by then is reported as a `Timeout` error, so `snapshot` and `check` never hang.
pub async fn snapshot(source: &dyn Source, deadline: Duration) -> Snapshot {
    let until = tokio::time::Instant::now() + deadline;
    let info = source.info();
    let mut regions = Vec::new();
    let mut errors = Vec::new();
    for r in &info.regions {
        let mut rs = RegionSnapshot {
            region: r.name.clone(),
            role: r.role,
            load_balancers: Vec::new(),
            auto_scaling_groups: Vec::new(),
            ecs_services: Vec::new(),
            associations: Vec::new(),
            alarms: Vec::new(),
        };
        let within = |pane: Pane| {
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            fetch_within(source, &r.name, pane, 0, left)
        };
        // The panes of a region are read side by side, under one deadline.
        let (targets, capacity, runs, alarms) = tokio::join!(
            within(Pane::Targets),
            within(Pane::Capacity),
            within(Pane::Runs),
            within(Pane::Alarms)
        );
        for msg in [targets, capacity, runs, alarms] {
            let Msg::Data { payload, .. } = msg else {
                continue;
            };
            let failed = |e: SourceError, part: &'static str| ErrorRecord {
                part: Some(part),
                ..e.record(&r.name)
            };
            match payload {
                Payload::Targets(read) => match read.result {
                    Ok(v) => {
                        // Zonal shifts not read: `zonal_shifts: []` is then not "none".
                        if let Some(e) = v.iter().find_map(|l| l.zonal_error.clone()) {
                            errors.push(ErrorRecord {
                                part: Some("zonal shifts"),
                                ..e
                            });
                        }
                        rs.load_balancers = v;
                    }
                    Err(e) => errors.push(failed(e, "targets")),
                },
                Payload::Capacity(read) => match read.result {
                    Ok(c) => {
                        rs.auto_scaling_groups = c.auto_scaling_groups;
                        rs.ecs_services = c.ecs_services;
                    }
                    Err(e) => errors.push(failed(e, "capacity")),
                },
                Payload::Runs(read) => match read.result {
                    Ok(v) => rs.associations = v,
                    Err(e) => errors.push(failed(e, "runs")),
                },
                Payload::Alarms(read) => match read.result {
                    Ok(v) => rs.alarms = v,
                    Err(e) => errors.push(failed(e, "alarms")),
                },
                Payload::Timeline(_) => {}
            }
        }
        // Instance targets' zones, from the instances the same snapshot read.
        let cap = crate::model::Capacity {
            auto_scaling_groups: rs.auto_scaling_groups.clone(),
            ecs_services: Vec::new(),
        };
        crate::model::join_zones(&mut rs.load_balancers, &cap);
        regions.push(rs);
    }
    // Live AWS connects during the reads: whose account it was is known by now.
    let info = source.info();
    Snapshot {
        source: info.kind.as_str().to_owned(),
        account: info.account,
        caller_arn: info.caller_arn,
        profile: info.profile,
        credentials: info.credentials,
        taken_at: source.now(),
        regions,
        errors,
        apps: Vec::new(),
    }
}

/// The ARC Region switch plan of each app (`plans`), into a snapshot, within `deadline`.
pub async fn snapshot_plans(
    source: &dyn Source,
    snap: &mut Snapshot,
    plans: &[crate::model::region_switch::PlanQuery],
    deadline: Duration,
) {
    let until = tokio::time::Instant::now() + deadline;
    for q in plans {
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        let read = tokio::time::timeout(left, async {
            match source.estate().await {
                Ok(e) => e.region_switch(q).await.result,
                Err(e) => Err(e),
            }
        })
        .await;
        match read {
            Ok(Ok(plan)) => snap.apps.push(crate::model::AppSnapshot {
                app: q.app.clone(),
                region_switch_plan: plan.as_ref().map(crate::model::PlanSnapshot::of),
            }),
            Ok(Err(e)) => snap.errors.push(ErrorRecord {
                part: Some("region switch plan"),
                ..e.record(&q.region)
            }),
            Err(_) => snap.errors.push(ErrorRecord {
                part: Some("region switch plan"),
                ..SourceError::new(
                    crate::source::ErrorClass::Network,
                    "arc-region-switch",
                    "GetPlanInRegion",
                    "Timeout",
                    "no answer within the snapshot's time",
                )
                .record(&q.region)
            }),
        }
    }
}

/// How a pane's last reads went, for the delay before its next one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pace {
    /// The last read was throttled.
    pub throttled: bool,
    /// The last read found nothing new in a pane that changes rarely (Runs, Timeline).
    pub quiet: bool,
    /// Reads in a row that failed with an error other than throttling.
    pub failures: u32,
}

impl Pace {
    /// Learns from a read; `previous` holds the pane's last runs, to tell a quiet Runs read.
    fn learn(&mut self, payload: &Payload, previous: &mut Option<Vec<crate::model::Association>>) {
        // A failed read counts as a throttle or an error (`Read::new`), never both.
        let stats = payload.stats();
        self.throttled = stats.throttles > 0;
        self.failures = if stats.errors > 0 {
            self.failures.saturating_add(1)
        } else {
            0
        };
        self.quiet = match payload {
            Payload::Timeline(r) => r.result.as_ref().is_ok_and(Vec::is_empty),
            Payload::Runs(r) => match &r.result {
                Ok(v) => {
                    let same = previous.as_ref() == Some(v);
                    if !same {
                        *previous = Some(v.clone());
                    }
                    same
                }
                Err(_) => false,
            },
            _ => false,
        };
    }

    /// How many intervals to wait: 2 while the service throttles (not more: once throttling
    /// stops the pane is current again within about two intervals; the per-service pacer is what
    /// keeps the request rate down) or while a rarely changing pane finds nothing new (its age
    /// stays under the `<2×` label, never "stale"); 2, then 4, after errors that are not
    /// throttling (the pane shows the error, its data shows its age).
    pub fn factor(self) -> f64 {
        let errors = match self.failures {
            0 => 1.0,
            1 => 2.0,
            _ => 4.0,
        };
        let slow = if self.throttled || self.quiet {
            2.0
        } else {
            1.0
        };
        f64::max(errors, slow)
    }
}

/// The delay before the next poll: the pane's interval times the pace's factor, with ±20 %
/// jitter so pollers do not retry in step.
pub fn backoff(base: Duration, pace: Pace, jitter: f64) -> Duration {
    let secs = base.as_secs_f64() * pace.factor();
    Duration::from_secs_f64(secs * (0.8 + 0.4 * jitter.clamp(0.0, 1.0)))
}

/// The longest one pane's read may take, whatever its calls do: past it the pane reports
/// `Timeout` and the poller carries on (every SDK call has its own, shorter limits too).
pub const READ_DEADLINE: Duration = Duration::from_secs(45);

/// [`fetch`] within [`READ_DEADLINE`].
pub async fn fetch_within(
    source: &dyn Source,
    region: &Region,
    pane: Pane,
    after_seq: u64,
    deadline: Duration,
) -> Msg {
    match tokio::time::timeout(deadline, fetch(source, region, pane, after_seq)).await {
        Ok(m) => m,
        Err(_) => Msg::Data {
            region: region.to_owned(),
            at: source.now(),
            payload: Payload::failed(pane, timed_out(deadline)),
        },
    }
}

/// The error of a read that ran past its deadline.
pub fn timed_out(deadline: Duration) -> crate::source::SourceError {
    let class = crate::source::ErrorClass::Network;
    let mut e = crate::source::SourceError::new(
        class,
        "opsdash",
        "Read",
        "Timeout",
        format!("no answer within {} s", deadline.as_secs()),
    );
    // The same fix as any call that got no answer.
    e.hint = crate::source::aws::hint(class, "opsdash", "Read", None).map(Into::into);
    e
}

/// Starts one task per region and pane. Tasks end when the message channel closes.
pub fn spawn(
    source: &Arc<dyn Source>,
    refresh: Refresh,
    tx: &mpsc::UnboundedSender<Msg>,
    control: &watch::Receiver<Control>,
) -> Vec<JoinHandle<()>> {
    let mut handles = Vec::new();
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    for r in source.info().regions {
        for pane in Pane::ALL {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let (source, tx, mut control) = (source.clone(), tx.clone(), control.clone());
            let region = r.name.clone();
            let base = Duration::from_secs(refresh.secs(pane));
            let mut rng = seed;
            handles.push(tokio::spawn(async move {
                let mut last_seq = 0u64;
                let mut pace = Pace::default();
                let mut runs = None;
                loop {
                    // What the UI asked of this poller so far; asked again during the read,
                    // it reads again after it.
                    let asked = control.borrow_and_update().wakes(&region, pane);
                    let paused = asked.0;
                    if !paused {
                        let msg =
                            fetch_within(&*source, &region, pane, last_seq, READ_DEADLINE).await;
                        if let Msg::Data { payload, .. } = &msg {
                            pace.learn(payload, &mut runs);
                            if let Payload::Timeline(r) = payload
                                && let Ok(ev) = &r.result
                            {
                                last_seq = ev
                                    .iter()
                                    .map(|e| e.seq)
                                    .max()
                                    .unwrap_or(last_seq)
                                    .max(last_seq);
                            }
                        }
                        if tx.send(msg).is_err() {
                            return;
                        }
                    }
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    let jitter = (rng >> 11) as f64 / (1u64 << 53) as f64;
                    let delay = backoff(base, pace, jitter);
                    // Until the interval ends, or the UI asks something of this poller (a read
                    // of another pane does not move it).
                    let wake = tokio::time::Instant::now() + delay;
                    loop {
                        tokio::select! {
                            () = tokio::time::sleep_until(wake) => break,
                            changed = control.changed() => {
                                if changed.is_err() {
                                    return;
                                }
                                if control.borrow_and_update().wakes(&region, pane) != asked {
                                    break;
                                }
                            }
                        }
                    }
                }
            }));
        }
    }
    handles
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::{Association, Event};
    use crate::source::{ErrorClass, Read, SourceError};

    /// A read asked of one pane of one region wakes its poller alone, at once; the others keep
    /// their intervals.
    #[tokio::test(start_paused = true)]
    async fn a_read_asked_of_one_pane_wakes_that_poller_alone() {
        use crate::source::sim::{Scenario, Sim, SimSource};
        let sim = Sim::new(
            Scenario::WarmStandby,
            1,
            crate::model::Timestamp(1_795_219_200_000),
        );
        let source: Arc<dyn Source> = Arc::new(SimSource::new(sim));
        let regions: Vec<Region> = source.info().regions.into_iter().map(|r| r.name).collect();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let control = watch::Sender::new(Control::default());
        let handles = spawn(&source, Refresh::every(3600), &tx, &control.subscribe());
        let next = async |rx: &mut mpsc::UnboundedReceiver<Msg>| {
            tokio::time::timeout(Duration::from_secs(60), rx.recv())
                .await
                .ok()
                .flatten()
        };
        for _ in 0..regions.len() * Pane::COUNT {
            assert!(
                next(&mut rx).await.is_some(),
                "every pane reads once at start"
            );
        }
        assert!(next(&mut rx).await.is_none(), "then waits its interval");
        control.send_modify(|c| c.read_now(&regions[1], Pane::Alarms));
        match next(&mut rx).await {
            Some(Msg::Data {
                region, payload, ..
            }) => {
                assert_eq!(region, regions[1]);
                assert_eq!(payload.pane(), Pane::Alarms);
            }
            other => panic!("{other:?}"),
        }
        assert!(next(&mut rx).await.is_none(), "no other poller woke");
        // Another region, another pane: the same.
        control.send_modify(|c| c.read_now(&regions[0], Pane::Targets));
        assert!(matches!(
            next(&mut rx).await,
            Some(Msg::Data { region, payload, .. })
                if region == regions[0] && payload.pane() == Pane::Targets
        ));
        assert!(next(&mut rx).await.is_none(), "no other poller woke");
        for h in handles {
            h.abort();
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let base = Duration::from_secs(5);
        let calm = Pace::default();
        let throttled = Pace {
            throttled: true,
            ..Pace::default()
        };
        assert_eq!(backoff(base, calm, 0.5), Duration::from_secs(5));
        // However long a service throttles (the poller keeps only whether the last read was
        // throttled), the pane polls again within about two intervals.
        assert_eq!(backoff(base, throttled, 0.5), Duration::from_secs(10));
        assert!(backoff(base, throttled, 1.0) <= Duration::from_secs(12));
        assert!(backoff(base, calm, 0.0) < backoff(base, calm, 1.0));
    }

    fn error(class: ErrorClass) -> SourceError {
        SourceError::new(class, "ssm", "ListAssociations", "Code", "message")
    }

    #[test]
    fn errors_back_off_to_four_intervals_and_recover_at_once() {
        let mut pace = Pace::default();
        let mut runs = None;
        let failed = || Payload::Runs(Read::err(error(ErrorClass::AccessDenied), 1));
        pace.learn(&failed(), &mut runs);
        assert!((pace.factor() - 2.0).abs() < f64::EPSILON);
        for _ in 0..5 {
            pace.learn(&failed(), &mut runs);
        }
        assert!((pace.factor() - 4.0).abs() < f64::EPSILON, "capped at 4");
        pace.learn(&Payload::Runs(Read::ok(Vec::new(), 1)), &mut runs);
        assert!((pace.factor() - 1.0).abs() < f64::EPSILON, "{pace:?}");
        // Throttling is the pacer's business: two intervals, not more.
        let throttled = Read::<Vec<Association>>::new(Err(error(ErrorClass::Throttling)), 1);
        pace.learn(&Payload::Runs(throttled), &mut runs);
        assert!(pace.throttled, "{pace:?}");
        assert!((pace.factor() - 2.0).abs() < f64::EPSILON, "{pace:?}");
    }

    #[test]
    fn quiet_runs_and_timeline_wait_two_intervals_and_a_change_brings_them_back() {
        let mut pace = Pace::default();
        let mut runs = None;
        let read = |n: usize| {
            let a = (0..n).map(|i| Association {
                id: format!("a-{i}"),
                name: format!("web-{i}"),
                document: "AWS-RunShellScript".into(),
                status: crate::model::ExecStatus::Success,
                last_execution: None,
                targets: "tag:Role=web".into(),
                schedule: None,
            });
            Payload::Runs(Read::ok(a.collect(), 1))
        };
        pace.learn(&read(2), &mut runs);
        assert!(!pace.quiet, "the first read is news");
        pace.learn(&read(2), &mut runs);
        assert!(pace.quiet);
        assert!((pace.factor() - 2.0).abs() < f64::EPSILON);
        pace.learn(&read(1), &mut runs);
        assert!(!pace.quiet, "a change");
        pace.learn(
            &Payload::Timeline(Read::ok(Vec::<Event>::new(), 1)),
            &mut runs,
        );
        assert!(pace.quiet, "no new events");
        // Targets, Capacity and Alarms never slow down for being quiet.
        pace.learn(&Payload::Alarms(Read::ok(Vec::new(), 1)), &mut runs);
        assert!(!pace.quiet);
    }
}
