//! Background polling: one task per region and pane, each on its own schedule, with backoff and
//! jitter on throttling. Results go to the UI as messages; the UI never awaits a source.

use crate::app::{Msg, Pane, Payload};
use crate::config::Refresh;
use crate::model::{RegionSnapshot, Snapshot};
use crate::source::EstateReader;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// What the UI tells the pollers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Control {
    pub paused: bool,
    /// Bumped to ask for a refresh now.
    pub refresh: u64,
}

/// Fetches one pane of one region.
pub async fn fetch(source: &dyn EstateReader, region: &str, pane: Pane, after_seq: u64) -> Msg {
    let payload = match pane {
        Pane::Targets => Payload::Targets(source.targets(region).await),
        Pane::Capacity => Payload::Capacity(source.capacity(region).await),
        Pane::Runs => Payload::Runs(source.runs(region).await),
        Pane::Alarms => Payload::Alarms(source.alarms(region).await),
        Pane::Timeline => Payload::Timeline(source.timeline(region, after_seq).await),
    };
    Msg::Data {
        region: region.to_owned(),
        at: source.now(),
        payload,
    }
}

/// One poll of every pane of every region, as messages (tests, first frame, `r`).
pub async fn poll_all(source: &dyn EstateReader, after_seq: impl Fn(&str) -> u64) -> Vec<Msg> {
    let mut out = Vec::new();
    for r in source.info().regions {
        for p in Pane::ALL {
            out.push(fetch(source, &r.name, p, after_seq(&r.name)).await);
        }
    }
    out
}

/// One full poll as a `snapshot --json` document.
pub async fn snapshot(source: &dyn EstateReader) -> Snapshot {
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
        match source.targets(&r.name).await.result {
            Ok(v) => rs.load_balancers = v,
            Err(e) => errors.push(e.record(&r.name)),
        }
        match source.capacity(&r.name).await.result {
            Ok(c) => {
                rs.auto_scaling_groups = c.auto_scaling_groups;
                rs.ecs_services = c.ecs_services;
            }
            Err(e) => errors.push(e.record(&r.name)),
        }
        match source.runs(&r.name).await.result {
            Ok(v) => rs.associations = v,
            Err(e) => errors.push(e.record(&r.name)),
        }
        match source.alarms(&r.name).await.result {
            Ok(v) => rs.alarms = v,
            Err(e) => errors.push(e.record(&r.name)),
        }
        regions.push(rs);
    }
    Snapshot {
        source: info.kind.as_str().to_owned(),
        taken_at: source.now(),
        regions,
        errors,
    }
}

fn interval(refresh: &Refresh, pane: Pane) -> u64 {
    match pane {
        Pane::Targets => refresh.targets,
        Pane::Capacity => refresh.capacity,
        Pane::Runs => refresh.runs,
        Pane::Alarms => refresh.alarms,
        Pane::Timeline => refresh.timeline,
    }
}

/// The delay before the next poll: the pane's interval, doubled per consecutive throttle up to
/// five minutes, with ±20 % jitter so pollers do not retry in step.
pub fn backoff(base: Duration, throttles: u32, jitter: f64) -> Duration {
    let factor = 2f64.powi(throttles.min(6) as i32);
    let secs = (base.as_secs_f64() * factor).min(300.0);
    Duration::from_secs_f64(secs * (0.8 + 0.4 * jitter.clamp(0.0, 1.0)))
}

/// Starts one task per region and pane. Tasks end when the message channel closes.
pub fn spawn(
    source: &Arc<dyn EstateReader>,
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
            let base = Duration::from_secs(interval(&refresh, pane));
            let mut rng = seed;
            handles.push(tokio::spawn(async move {
                let mut last_seq = 0u64;
                let mut throttles = 0u32;
                loop {
                    let paused = control.borrow().paused;
                    if !paused {
                        let msg = fetch(&*source, &region, pane, last_seq).await;
                        if let Msg::Data { payload, .. } = &msg {
                            throttles = if payload.stats().throttles > 0 {
                                throttles + 1
                            } else {
                                0
                            };
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
                    let delay = backoff(base, throttles, jitter);
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        changed = control.changed() => {
                            if changed.is_err() {
                                return;
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

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 0, 0.5), Duration::from_secs(5));
        assert_eq!(backoff(base, 2, 0.5), Duration::from_secs(20));
        assert!(backoff(base, 20, 1.0) <= Duration::from_secs(360));
        assert!(backoff(base, 0, 0.0) < backoff(base, 0, 1.0));
    }
}
