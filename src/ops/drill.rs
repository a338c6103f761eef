//! The failover drill (SPEC section 5), modelled on AWS ARC Region switch plans: preflight, then
//! the steps (scale the DR region up to a percentage of the primary, never down; wait for the DR
//! targets to turn healthy; simulate the traffic switch by setting the primary health alarm to
//! ALARM; verify and report the recovery time). Failback and abort restore what was done.
//!
//! This file is the pure part: the preflight over polled data, the plans of each step, and the
//! state that is written to disk after every step. The console drives the steps (`app::drill`).

use super::{Confirm, OpKind, Plan, Step};
use crate::config::{AppConfig, glob_match};
use crate::model::{Alarm, AlarmState, Capacity, LoadBalancer, TargetState};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// The reason written with every `SetAlarmState` of a drill.
pub const SIMULATED: &str =
    "opsdash failover drill: SIMULATED traffic switch; no DNS record is changed";

/// What a drill works on: an app's failover section and its resource patterns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillSpec {
    pub app: String,
    pub primary: String,
    pub dr: String,
    pub health_alarm: String,
    pub percent: u32,
    pub timeout_secs: u64,
    /// Patterns; an empty list takes everything of its kind.
    pub load_balancers: Vec<String>,
    pub asgs: Vec<String>,
    pub services: Vec<String>,
    pub alarms: Vec<String>,
}

impl DrillSpec {
    /// The drill of an app with a `failover` section.
    pub fn from_app(app: &AppConfig) -> Option<Self> {
        let f = app.failover.as_ref()?;
        Some(DrillSpec {
            app: app.name.clone(),
            primary: f.primary.clone(),
            dr: f.dr.clone(),
            health_alarm: f.health_alarm.clone(),
            percent: f.dr_capacity_percent,
            timeout_secs: f.healthy_timeout_secs,
            load_balancers: app.load_balancers.clone(),
            asgs: app.auto_scaling_groups.clone(),
            services: app.ecs_services.clone(),
            alarms: app.alarms.clone(),
        })
    }

    /// The `warm-standby` demo's app, for the demo without any config.
    pub fn warm_standby_demo() -> Self {
        DrillSpec {
            app: "bookstore".into(),
            primary: "us-east-1".into(),
            dr: "us-west-2".into(),
            health_alarm: "bookstore-primary-health".into(),
            percent: 100,
            timeout_secs: 600,
            load_balancers: Vec::new(),
            asgs: Vec::new(),
            services: Vec::new(),
            alarms: Vec::new(),
        }
    }

    fn keep(patterns: &[String], name: &str) -> bool {
        patterns.is_empty() || patterns.iter().any(|p| glob_match(p, name))
    }
}

/// An Auto Scaling group or ECS service the drill scales in the DR region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resource {
    Asg { name: String },
    Service { cluster: String, name: String },
}

impl Resource {
    pub fn label(&self) -> String {
        match self {
            Resource::Asg { name } => format!("asg {name}"),
            Resource::Service { cluster, name } => format!("ecs {cluster}/{name}"),
        }
    }

    fn step(&self, desired: u32) -> Step {
        match self {
            Resource::Asg { name } => Step::SetDesiredCapacity {
                asg: name.clone(),
                desired,
            },
            Resource::Service { cluster, name } => Step::UpdateService {
                cluster: cluster.clone(),
                service: name.clone(),
                desired: Some(desired),
                task_definition: None,
                force_new_deployment: false,
            },
        }
    }
}

/// One DR resource: its capacity before the drill (restored on failback) and the drill's target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleItem {
    pub resource: Resource,
    pub primary: u32,
    pub before: u32,
    pub target: u32,
}

/// A preflight check and its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub ok: bool,
    pub text: String,
}

/// What the drill found before starting.
#[derive(Debug, Clone, PartialEq)]
pub struct Preflight {
    pub checks: Vec<Check>,
    pub items: Vec<ScaleItem>,
    pub primary_healthy: usize,
    /// Targets registered in the primary (healthy or not; not draining or unused): when the
    /// primary is already failing, what the DR must make up for.
    pub primary_registered: usize,
    pub dr_healthy: usize,
}

impl Preflight {
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// Healthy DR targets the drill needs: the primary's before the drill (its registered
    /// targets if fewer are healthy: a failing primary), by the percentage.
    pub fn needed(&self, spec: &DrillSpec) -> usize {
        needed(
            self.primary_healthy.max(self.primary_registered),
            spec.percent,
        )
    }
}

fn needed(primary_healthy: usize, percent: u32) -> usize {
    (primary_healthy * percent as usize).div_ceil(100)
}

/// One region's polled data, as far as it has arrived.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegionView<'a> {
    pub lbs: Option<&'a [LoadBalancer]>,
    pub capacity: Option<&'a Capacity>,
    pub alarms: Option<&'a [Alarm]>,
}

/// Targets in the spec's load balancers that pass `f`.
fn count(spec: &DrillSpec, lbs: &[LoadBalancer], f: impl Fn(TargetState) -> bool) -> usize {
    lbs.iter()
        .filter(|l| DrillSpec::keep(&spec.load_balancers, &l.name))
        .flat_map(|l| &l.target_groups)
        .flat_map(|g| &g.targets)
        .filter(|t| f(t.state))
        .count()
}

/// Healthy targets in the spec's load balancers.
pub fn healthy(spec: &DrillSpec, lbs: &[LoadBalancer]) -> usize {
    count(spec, lbs, |s| s == TargetState::Healthy)
}

/// The preflight: DR resources exist, DR alarms are not in ALARM, capacities are read, the health
/// alarm exists; and the DR capacity each resource is scaled to (never down, never above max).
pub fn preflight(spec: &DrillSpec, primary: RegionView<'_>, dr: RegionView<'_>) -> Preflight {
    let mut checks = Vec::new();
    let mut items = Vec::new();
    let (Some(p_lbs), Some(p_cap), Some(p_alarms), Some(d_lbs), Some(d_cap), Some(d_alarms)) = (
        primary.lbs,
        primary.capacity,
        primary.alarms,
        dr.lbs,
        dr.capacity,
        dr.alarms,
    ) else {
        checks.push(Check {
            ok: false,
            text: format!(
                "capacities not read yet: waiting for the first poll of {} and {}",
                spec.primary, spec.dr
            ),
        });
        return Preflight {
            checks,
            items,
            primary_healthy: 0,
            primary_registered: 0,
            dr_healthy: 0,
        };
    };
    let mut missing = Vec::new();
    let mut blocked = Vec::new();
    for g in p_cap
        .auto_scaling_groups
        .iter()
        .filter(|g| DrillSpec::keep(&spec.asgs, &g.name))
    {
        match d_cap.auto_scaling_groups.iter().find(|d| d.name == g.name) {
            Some(d) => {
                let want = needed(g.desired as usize, spec.percent) as u32;
                let target = want.max(d.desired);
                if target > d.max {
                    blocked.push(format!(
                        "asg {} needs {target} in {} but its max is {}",
                        g.name, spec.dr, d.max
                    ));
                }
                items.push(ScaleItem {
                    resource: Resource::Asg {
                        name: g.name.clone(),
                    },
                    primary: g.desired,
                    before: d.desired,
                    target: target.min(d.max),
                });
            }
            None => missing.push(format!("asg {}", g.name)),
        }
    }
    for s in p_cap
        .ecs_services
        .iter()
        .filter(|s| DrillSpec::keep(&spec.services, &format!("{}/{}", s.cluster, s.name)))
    {
        match d_cap
            .ecs_services
            .iter()
            .find(|d| d.cluster == s.cluster && d.name == s.name)
        {
            Some(d) => {
                let want = needed(s.desired as usize, spec.percent) as u32;
                items.push(ScaleItem {
                    resource: Resource::Service {
                        cluster: s.cluster.clone(),
                        name: s.name.clone(),
                    },
                    primary: s.desired,
                    before: d.desired,
                    target: want.max(d.desired),
                });
            }
            None => missing.push(format!("ecs {}/{}", s.cluster, s.name)),
        }
    }
    let dr_tgs = d_lbs
        .iter()
        .filter(|l| DrillSpec::keep(&spec.load_balancers, &l.name))
        .map(|l| l.target_groups.len())
        .sum::<usize>();
    checks.push(Check {
        ok: missing.is_empty() && !items.is_empty() && dr_tgs > 0,
        text: if !missing.is_empty() {
            format!("missing in {}: {}", spec.dr, missing.join(", "))
        } else if items.is_empty() || dr_tgs == 0 {
            format!(
                "no Auto Scaling group, ECS service or target group of {} in {}",
                spec.app, spec.dr
            )
        } else {
            format!(
                "DR resources found in {}: {} to scale, {dr_tgs} target groups",
                spec.dr,
                items.len()
            )
        },
    });
    let firing: Vec<&str> = d_alarms
        .iter()
        .filter(|a| DrillSpec::keep(&spec.alarms, &a.name) && a.state == AlarmState::Alarm)
        .map(|a| a.name.as_str())
        .collect();
    checks.push(Check {
        ok: firing.is_empty(),
        text: if firing.is_empty() {
            format!("no DR alarm in ALARM in {}", spec.dr)
        } else {
            format!("DR alarm in ALARM in {}: {}", spec.dr, firing.join(", "))
        },
    });
    let health = p_alarms.iter().find(|a| a.name == spec.health_alarm);
    checks.push(Check {
        ok: health.is_some(),
        text: match health {
            Some(a) => format!(
                "health alarm {} exists in {} ({})",
                spec.health_alarm,
                spec.primary,
                a.state.as_str()
            ),
            None => format!(
                "health alarm {} not found in {}",
                spec.health_alarm, spec.primary
            ),
        },
    });
    let (primary_healthy, dr_healthy) = (healthy(spec, p_lbs), healthy(spec, d_lbs));
    let primary_registered = count(spec, p_lbs, |s| {
        !matches!(s, TargetState::Draining | TargetState::Unused)
    });
    checks.push(Check {
        ok: blocked.is_empty(),
        text: if blocked.is_empty() {
            format!(
                "capacities read: {primary_healthy} of {primary_registered} targets healthy in {}, {dr_healthy} in {}",
                spec.primary, spec.dr
            )
        } else {
            blocked.join("; ")
        },
    });
    Preflight {
        checks,
        items,
        primary_healthy,
        primary_registered,
        dr_healthy,
    }
}

/// The drill's steps, in order, then the restore steps of a failback or abort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepKind {
    ScaleDr,
    WaitHealthy,
    SwitchTraffic,
    Verify,
    RestoreAlarm,
    RestoreCapacity,
}

impl StepKind {
    pub const DRILL: [StepKind; 4] = [
        StepKind::ScaleDr,
        StepKind::WaitHealthy,
        StepKind::SwitchTraffic,
        StepKind::Verify,
    ];

    pub fn title(self) -> &'static str {
        match self {
            StepKind::ScaleDr => "scale the DR region up (never down)",
            StepKind::WaitHealthy => "wait for the DR targets to turn healthy",
            StepKind::SwitchTraffic => "switch traffic: primary health alarm to ALARM (SIMULATED)",
            StepKind::Verify => "verify DR serving and report the recovery time",
            StepKind::RestoreAlarm => "restore the primary health alarm to OK",
            StepKind::RestoreCapacity => "restore the DR capacities recorded before the drill",
        }
    }
}

/// Where a drill is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Running the drill's steps.
    Running,
    /// DR serving; failback pending.
    Done,
    /// A step failed or timed out; failback (roll back) pending.
    Failed,
    /// Restoring what was done (failback or abort).
    RollingBack,
    /// Over: everything done was restored.
    Finished,
}

/// A drill under way: everything needed to resume it or roll it back, written to disk after
/// every step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrillState {
    pub spec: DrillSpec,
    pub account: String,
    /// Source clock, milliseconds.
    pub started_ms: i64,
    pub items: Vec<ScaleItem>,
    pub primary_healthy: usize,
    pub needed_healthy: usize,
    /// Steps completed, in order (drill steps, then restore steps).
    pub done: Vec<StepKind>,
    /// The step running now.
    pub current: Option<StepKind>,
    pub step_started_ms: i64,
    pub phase: Phase,
    pub recovery_secs: Option<f64>,
    pub dr_healthy: usize,
    pub error: Option<String>,
    /// What happened, oldest first (bounded).
    pub log: Vec<String>,
}

/// Log lines a drill keeps.
const LOG_KEPT: usize = 50;

impl DrillState {
    pub fn new(spec: DrillSpec, account: &str, pre: &Preflight, now_ms: i64) -> Self {
        DrillState {
            needed_healthy: pre.needed(&spec),
            spec,
            account: account.to_owned(),
            started_ms: now_ms,
            items: pre.items.clone(),
            primary_healthy: pre.primary_healthy,
            done: Vec::new(),
            current: None,
            step_started_ms: now_ms,
            phase: Phase::Running,
            recovery_secs: None,
            dr_healthy: pre.dr_healthy,
            error: None,
            log: Vec::new(),
        }
    }

    pub fn note(&mut self, line: String) {
        if self.log.len() == LOG_KEPT {
            self.log.remove(0);
        }
        self.log.push(line);
    }

    /// The next drill step after those done, if any.
    pub fn next_drill_step(&self) -> Option<StepKind> {
        StepKind::DRILL
            .iter()
            .copied()
            .find(|s| !self.done.contains(s))
    }

    /// The restore steps a failback or abort needs, for what was done (alarm first).
    pub fn restore_steps(&self) -> Vec<StepKind> {
        let mut v = Vec::new();
        if self.done.contains(&StepKind::SwitchTraffic)
            && !self.done.contains(&StepKind::RestoreAlarm)
        {
            v.push(StepKind::RestoreAlarm);
        }
        if self.done.contains(&StepKind::ScaleDr) && !self.done.contains(&StepKind::RestoreCapacity)
        {
            v.push(StepKind::RestoreCapacity);
        }
        v
    }

    fn plan(&self, region: &str, summary: String, step: StepKind, steps: Vec<Step>) -> Plan {
        Plan {
            kind: OpKind::Drill,
            account: self.account.clone(),
            region: region.to_owned(),
            target: format!("app/{}", self.spec.app),
            summary,
            params: vec![
                ("step".into(), format!("{step:?}")),
                ("primary".into(), self.spec.primary.clone()),
                ("dr".into(), self.spec.dr.clone()),
            ],
            steps,
            confirm: Confirm::TypeName(self.spec.app.clone()),
            warning: None,
        }
    }

    /// The audit record of a step that makes no call: waiting for, and verifying, the DR region.
    pub fn step_record(&self, step: StepKind) -> Plan {
        self.plan(
            &self.spec.dr,
            format!("drill {}: {}", self.spec.app, step.title()),
            step,
            Vec::new(),
        )
    }

    /// The API calls of a step (none for the waiting and verifying steps).
    pub fn step_plan(&self, step: StepKind) -> Option<Plan> {
        let s = &self.spec;
        match step {
            StepKind::ScaleDr => {
                let steps: Vec<Step> = self
                    .items
                    .iter()
                    .filter(|i| i.target > i.before)
                    .map(|i| i.resource.step(i.target))
                    .collect();
                Some(self.plan(
                    &s.dr,
                    format!("drill {}: scale {} up", s.app, s.dr),
                    step,
                    steps,
                ))
            }
            StepKind::SwitchTraffic => Some(self.plan(
                &s.primary,
                format!("drill {}: {} to ALARM (SIMULATED)", s.app, s.health_alarm),
                step,
                vec![Step::SetAlarmState {
                    alarm: s.health_alarm.clone(),
                    state: AlarmState::Alarm,
                    reason: SIMULATED.into(),
                }],
            )),
            StepKind::RestoreAlarm => Some(self.plan(
                &s.primary,
                format!("failback {}: {} to OK", s.app, s.health_alarm),
                step,
                vec![Step::SetAlarmState {
                    alarm: s.health_alarm.clone(),
                    state: AlarmState::Ok,
                    reason: "opsdash failover drill: failback".into(),
                }],
            )),
            StepKind::RestoreCapacity => {
                let steps: Vec<Step> = self
                    .items
                    .iter()
                    .filter(|i| i.target > i.before)
                    .map(|i| i.resource.step(i.before))
                    .collect();
                Some(self.plan(
                    &s.dr,
                    format!("failback {}: restore {} capacities", s.app, s.dr),
                    step,
                    steps,
                ))
            }
            StepKind::WaitHealthy | StepKind::Verify => None,
        }
    }

    /// The whole plan as text lines: each step and its exact calls.
    pub fn plan_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (n, step) in StepKind::DRILL.iter().enumerate() {
            let mut line = format!("{}. {}", n + 1, step.title());
            match step {
                StepKind::WaitHealthy => {
                    let _ = write!(
                        line,
                        ": {} healthy in {} (timeout {} s)",
                        self.needed_healthy, self.spec.dr, self.spec.timeout_secs
                    );
                }
                StepKind::Verify => {
                    let _ = write!(
                        line,
                        ": {} healthy in {} >= {} in {} before the drill",
                        self.spec.dr, self.needed_healthy, self.primary_healthy, self.spec.primary
                    );
                }
                _ => {}
            }
            out.push(line);
            if let Some(p) = self.step_plan(*step) {
                let calls = p.calls();
                if calls.is_empty() {
                    out.push(
                        "     (no call: the DR region is already at or above the target)".into(),
                    );
                }
                for c in calls {
                    out.push(format!("     {c}  [{}]", p.region));
                }
            }
        }
        out
    }
}

/// Where the drill's state lives: next to the audit log.
pub fn state_path() -> Option<PathBuf> {
    super::audit::default_path().map(|p| p.with_file_name("drill.json"))
}

/// Writes the state (atomically: a temporary file renamed over the old one), or removes the file
/// when the drill is over.
pub fn save(path: &Path, state: Option<&DrillState>) -> io::Result<()> {
    match state {
        Some(s) if s.phase != Phase::Finished => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = path.with_extension("json.tmp");
            let text = serde_json::to_vec_pretty(s).map_err(io::Error::other)?;
            {
                use std::io::Write;
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(&text)?;
                f.sync_data()?;
            }
            std::fs::rename(&tmp, path)
        }
        _ => match std::fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
    }
}

/// A drill left on disk by an earlier run, if any.
pub fn load(path: &Path) -> io::Result<Option<DrillState>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| io::Error::other(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
