//! The failover drill (docs/operations.md), modelled on AWS ARC Region switch plans: preflight, then
//! the steps (scale the DR region up to a percentage of the primary, never down; wait for the DR
//! targets to turn healthy; simulate the traffic switch by setting the primary health alarm to
//! ALARM; verify and report the recovery time). Failback and abort restore what was done.
//!
//! This file is the pure part: the preflight over polled data, the plans of each step, and the
//! state that is written to disk after every step. The console drives the steps (`app::drill`).

use super::{Confirm, OpKind, Plan, Step};
use crate::config::{AppConfig, glob_match};
use crate::model::{Alarm, AlarmState, Capacity, LoadBalancer, Region, TargetState};
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
    pub primary: Region,
    pub dr: Region,
    pub health_alarm: String,
    pub percent: u32,
    pub timeout_secs: u64,
    /// Patterns; an empty list takes nothing of its kind (`*` takes everything).
    pub load_balancers: Vec<String>,
    pub asgs: Vec<String>,
    pub services: Vec<String>,
    pub alarms: Vec<String>,
    /// The ARC Region switch plan named in the config (`region_switch_plan`); else one is looked
    /// for by its regions.
    pub plan: Option<String>,
}

impl DrillSpec {
    /// The drill of an app with a `failover` section.
    pub fn from_app(app: &AppConfig) -> Option<Self> {
        let f = app.failover.as_ref()?;
        Some(DrillSpec {
            app: app.name.clone(),
            primary: f.primary.clone(),
            dr: f.dr.get_ref().clone(),
            health_alarm: f.health_alarm.clone(),
            percent: f.dr_capacity_percent,
            timeout_secs: f.healthy_timeout_secs,
            load_balancers: app.load_balancers.clone(),
            asgs: app.auto_scaling_groups.clone(),
            services: app.ecs_services.clone(),
            alarms: app.alarms.clone(),
            plan: app.region_switch_plan.clone(),
        })
    }

    /// Where the app's ARC Region switch plan is looked for.
    pub fn plan_query(&self) -> crate::model::region_switch::PlanQuery {
        crate::model::region_switch::PlanQuery {
            app: self.app.clone(),
            region: self.primary.clone(),
            other: self.dr.clone(),
            arn: self.plan.clone(),
        }
    }

    /// The `warm-standby` demo's app, for the demo without any config.
    pub fn warm_standby_demo() -> Self {
        DrillSpec {
            app: "bookstore".into(),
            primary: Region::new("us-east-1").expect("a region name"),
            dr: Region::new("us-west-2").expect("a region name"),
            health_alarm: "bookstore-primary-health".into(),
            percent: 100,
            timeout_secs: 600,
            load_balancers: vec!["*".into()],
            asgs: vec!["*".into()],
            services: vec!["*".into()],
            alarms: vec!["*".into()],
            plan: None,
        }
    }

    /// Whether a kind's patterns select `name`: a kind the app does not name selects nothing.
    fn keep(patterns: &[String], name: &str) -> bool {
        patterns.iter().any(|p| glob_match(p, name))
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
    /// The target groups (by name) both regions have: the only ones the drill counts.
    pub target_groups: Vec<String>,
    /// Per group: the primary's targets before the drill (healthy, or in service when fewer are
    /// healthy: a failing primary), what the DR must make up for group by group.
    pub primary_by_group: Vec<(String, usize)>,
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

/// The target groups of the spec's load balancers, by name.
fn group_names(spec: &DrillSpec, lbs: &[LoadBalancer]) -> Vec<String> {
    let mut v: Vec<String> = lbs
        .iter()
        .filter(|l| DrillSpec::keep(&spec.load_balancers, &l.name))
        .flat_map(|l| &l.target_groups)
        .map(|g| g.name.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Targets in the spec's load balancers, in the target groups named in `groups`, that pass `f`.
fn count(
    spec: &DrillSpec,
    lbs: &[LoadBalancer],
    groups: &[String],
    f: impl Fn(TargetState) -> bool,
) -> usize {
    lbs.iter()
        .filter(|l| DrillSpec::keep(&spec.load_balancers, &l.name))
        .flat_map(|l| &l.target_groups)
        .filter(|g| groups.contains(&g.name))
        .flat_map(|g| &g.targets)
        .filter(|t| f(t.state))
        .count()
}

/// Healthy targets in the spec's load balancers, in the target groups named in `groups` (those
/// the primary and the DR region both have).
pub fn healthy(spec: &DrillSpec, lbs: &[LoadBalancer], groups: &[String]) -> usize {
    count(spec, lbs, groups, |s| s == TargetState::Healthy)
}

/// The preflight: DR resources exist, DR alarms are not in ALARM, capacities are read, the health
/// alarm exists; and the DR capacity each resource is scaled to (never down, never above max).
pub fn preflight(spec: &DrillSpec, primary: RegionView<'_>, dr: RegionView<'_>) -> Preflight {
    let mut checks = Vec::new();
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
            items: Vec::new(),
            primary_healthy: 0,
            primary_registered: 0,
            dr_healthy: 0,
            target_groups: Vec::new(),
            primary_by_group: Vec::new(),
        };
    };
    let (items, missing, blocked) = scale_items(spec, p_cap, d_cap);
    let (p_groups, d_groups) = (group_names(spec, p_lbs), group_names(spec, d_lbs));
    let common: Vec<String> = p_groups
        .iter()
        .filter(|g| d_groups.contains(g))
        .cloned()
        .collect();
    let dr_tgs = common.len();
    checks.push(counterpart_check(spec, &p_groups, &d_groups));
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
    checks.extend(alarm_checks(spec, p_alarms, d_alarms));
    let (primary_healthy, dr_healthy) =
        (healthy(spec, p_lbs, &common), healthy(spec, d_lbs, &common));
    let primary_registered = count(spec, p_lbs, &common, TargetState::in_service);
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
    let primary_by_group = group_health(spec, p_lbs, &common)
        .into_iter()
        .map(|(name, h, total)| (name, h.max(total)))
        .collect();
    Preflight {
        checks,
        items,
        primary_healthy,
        primary_registered,
        dr_healthy,
        target_groups: common,
        primary_by_group,
    }
}

/// The Auto Scaling groups and ECS services of the app in the primary with their DR
/// counterparts: what each is scaled to (never down, never above the group's max), the
/// counterparts missing, and the groups whose max is too small.
fn scale_items(
    spec: &DrillSpec,
    p_cap: &Capacity,
    d_cap: &Capacity,
) -> (Vec<ScaleItem>, Vec<String>, Vec<String>) {
    let mut items = Vec::new();
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
    (items, missing, blocked)
}

/// Whether every target group of the app in the primary has its counterpart in the DR region.
fn counterpart_check(spec: &DrillSpec, p_groups: &[String], d_groups: &[String]) -> Check {
    let unmatched: Vec<&str> = p_groups
        .iter()
        .filter(|g| !d_groups.contains(g))
        .map(String::as_str)
        .collect();
    Check {
        ok: unmatched.is_empty() && !p_groups.is_empty(),
        text: if p_groups.is_empty() {
            format!(
                "no load balancer of {} in {} (load_balancers in the config)",
                spec.app, spec.primary
            )
        } else if unmatched.is_empty() {
            format!(
                "every target group of {} in {} has its counterpart in {}",
                spec.app, spec.primary, spec.dr
            )
        } else {
            format!(
                "no counterpart in {} for target group(s) of {}: {}",
                spec.dr,
                spec.primary,
                unmatched.join(", ")
            )
        },
    }
}

/// No DR alarm in ALARM, and the primary's health alarm exists.
fn alarm_checks(spec: &DrillSpec, p_alarms: &[Alarm], d_alarms: &[Alarm]) -> [Check; 2] {
    let firing: Vec<&str> = d_alarms
        .iter()
        .filter(|a| DrillSpec::keep(&spec.alarms, &a.name) && a.state == AlarmState::Alarm)
        .map(|a| a.name.as_str())
        .collect();
    let dr = Check {
        ok: firing.is_empty(),
        text: if firing.is_empty() {
            format!("no DR alarm in ALARM in {}", spec.dr)
        } else {
            format!("DR alarm in ALARM in {}: {}", spec.dr, firing.join(", "))
        },
    };
    let found = p_alarms.iter().find(|a| a.name == spec.health_alarm);
    let health = Check {
        ok: found.is_some(),
        text: match found {
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
    };
    [dr, health]
}

/// Per target group named in `groups` (in the spec's load balancers): healthy and in-service
/// targets, the group's name first.
pub fn group_health(
    spec: &DrillSpec,
    lbs: &[LoadBalancer],
    groups: &[String],
) -> Vec<(String, usize, usize)> {
    groups
        .iter()
        .map(|name| {
            let (h, t) = lbs
                .iter()
                .filter(|l| DrillSpec::keep(&spec.load_balancers, &l.name))
                .flat_map(|l| &l.target_groups)
                .filter(|g| &g.name == name)
                .fold((0, 0), |(h, t), g| (h + g.healthy, t + g.total));
            (name.clone(), h, t)
        })
        .collect()
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
    /// The target groups (by name) both regions have: the only ones the drill counts.
    #[serde(default)]
    pub target_groups: Vec<String>,
    /// Per target group, the healthy DR targets it needs: DR serves only when every group
    /// does (a sum over groups hid a tier at half strength).
    #[serde(default)]
    pub needed_by_group: Vec<(String, usize)>,
    /// Per target group, the healthy and in-service DR targets at the last check.
    #[serde(default)]
    pub dr_by_group: Vec<(String, usize, usize)>,
    pub error: Option<String>,
    /// What happened, oldest first (bounded).
    pub log: Vec<String>,
}

/// Log lines a drill keeps.
const LOG_KEPT: usize = 50;

impl DrillState {
    /// The groups short of what they need, as `name h/needed`; empty when DR serves (a state
    /// from before per-group needs: the sum against the total needed).
    pub fn short_groups(&self) -> Vec<String> {
        if self.needed_by_group.is_empty() {
            return if self.dr_healthy >= self.needed_healthy {
                Vec::new()
            } else {
                vec![format!(
                    "{} of {} healthy",
                    self.dr_healthy, self.needed_healthy
                )]
            };
        }
        self.needed_by_group
            .iter()
            .filter_map(|(g, need)| {
                let h = self
                    .dr_by_group
                    .iter()
                    .find(|(n, _, _)| n == g)
                    .map_or(0, |x| x.1);
                (h < *need).then(|| format!("{g} {h}/{need}"))
            })
            .collect()
    }

    /// Every group's healthy DR targets, as `name h/total`.
    pub fn serving_text(&self) -> String {
        self.dr_by_group
            .iter()
            .map(|(g, h, t)| format!("{g} {h}/{t}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn new(spec: DrillSpec, account: &str, pre: &Preflight, now_ms: i64) -> Self {
        let percent = spec.percent;
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
            target_groups: pre.target_groups.clone(),
            needed_by_group: pre
                .primary_by_group
                .iter()
                .map(|(g, n)| (g.clone(), needed(*n, percent).max(usize::from(*n > 0))))
                .collect(),
            dr_by_group: Vec::new(),
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

    fn plan(&self, region: &Region, summary: String, step: StepKind, steps: Vec<Step>) -> Plan {
        Plan {
            kind: OpKind::Drill,
            account: self.account.clone(),
            region: region.to_owned(),
            target: super::Target::App(self.spec.app.clone()),
            summary,
            params: vec![
                ("step".into(), format!("{step:?}")),
                ("primary".into(), self.spec.primary.to_string()),
                ("dr".into(), self.spec.dr.to_string()),
            ],
            steps,
            confirm: Confirm::TypeName(self.spec.app.clone()),
            warning: None,
            leaves: None,
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

    /// The scale-up's calls given the DR capacities polled now (when known): only what is below
    /// its target is raised, so running it again (a resume) changes nothing already done and
    /// never scales down what someone raised since.
    pub fn scale_plan(&self, current: Option<&Capacity>) -> Plan {
        let desired_now = |r: &Resource| -> Option<u32> {
            let c = current?;
            match r {
                Resource::Asg { name } => c
                    .auto_scaling_groups
                    .iter()
                    .find(|g| &g.name == name)
                    .map(|g| g.desired),
                Resource::Service { cluster, name } => c
                    .ecs_services
                    .iter()
                    .find(|s| &s.cluster == cluster && &s.name == name)
                    .map(|s| s.desired),
            }
        };
        let steps: Vec<Step> = self
            .items
            .iter()
            .filter(|i| i.target > desired_now(&i.resource).unwrap_or(i.before))
            .map(|i| i.resource.step(i.target))
            .collect();
        self.plan(
            &self.spec.dr,
            format!("drill {}: scale {} up", self.spec.app, self.spec.dr),
            StepKind::ScaleDr,
            steps,
        )
    }

    /// The API calls of a step (none for the waiting and verifying steps).
    pub fn step_plan(&self, step: StepKind) -> Option<Plan> {
        let s = &self.spec;
        match step {
            StepKind::ScaleDr => Some(self.scale_plan(None)),
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

/// Who drives a drill: the console holding its lock (`drill.lock` beside the state file). The
/// driver writes the time into it every [`HEARTBEAT_SECS`], so a console watching from another
/// SSH session can tell a driver at work from one that has gone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub host: String,
    /// Who runs that console.
    #[serde(default)]
    pub user: String,
    /// When the driver last said it was alive (ms since the epoch, wall clock; 0: never).
    #[serde(default)]
    pub seen: i64,
}

/// Two holders are the same console when pid and host agree (when it was last seen is not who
/// it is).
impl PartialEq for Holder {
    fn eq(&self, o: &Self) -> bool {
        self.pid == o.pid && self.host == o.host
    }
}

impl Eq for Holder {}

/// How often a driving console says it is alive.
pub const HEARTBEAT_SECS: u64 = 10;
/// A driver on another machine not seen for this long is taken as gone.
pub const GONE_SECS: i64 = 60;

impl Holder {
    /// This process, now.
    pub fn me() -> Self {
        Holder {
            pid: std::process::id(),
            host: this_host().to_owned(),
            user: crate::identity::login(),
            seen: crate::model::Timestamp::now().0,
        }
    }

    /// Whether the holder may still be running: on this host, its process exists; on another
    /// host, it was seen within [`GONE_SECS`] (a lock of an older opsdash, with no time in it,
    /// cannot be told: yes).
    pub fn alive(&self) -> bool {
        if self.host == this_host() {
            return crate::identity::pid_alive(self.pid);
        }
        self.seen == 0 || self.seen_secs_ago() < GONE_SECS
    }

    /// Seconds since the holder last said it was alive.
    pub fn seen_secs_ago(&self) -> i64 {
        (crate::model::Timestamp::now().0 - self.seen).max(0) / 1000
    }

    pub fn describe(&self) -> String {
        let who = if self.user.is_empty() {
            String::new()
        } else {
            format!("{} ", self.user)
        };
        let seen = if self.seen == 0 {
            String::new()
        } else {
            format!(
                ", last seen {}",
                if self.seen_secs_ago() < 1 {
                    "now".to_owned()
                } else {
                    format!(
                        "{} ago",
                        crate::model::short_age(self.seen_secs_ago() as f64)
                    )
                }
            )
        };
        format!("{who}(opsdash pid {} on {}){seen}", self.pid, self.host)
    }
}

/// The driving console says it is alive: the lock it holds gets the time now. Nothing when it
/// holds none.
pub fn heartbeat(state: &Path) {
    let path = lock_path(state);
    if let Ok(Some(h)) = read_holder(&path)
        && h == Holder::me()
        && let Ok(text) = serde_json::to_vec(&Holder::me())
    {
        let _ = crate::state::write_atomic(&path, &text);
    }
}

/// What a watching console reads of a drill driven elsewhere: its state now and who holds it.
pub fn watch(state: &Path) -> (io::Result<Option<DrillState>>, Option<Holder>) {
    (load(state), read_holder(&lock_path(state)).ok().flatten())
}

fn this_host() -> &'static str {
    crate::identity::host()
}

/// Who the lock file says holds the drill (`None`: no lock, or one that does not parse).
fn read_holder(lock: &Path) -> io::Result<Option<Holder>> {
    Ok(crate::state::read(lock)?.and_then(|b| serde_json::from_slice(&b).ok()))
}

/// The lock file of a drill state file.
pub fn lock_path(state: &Path) -> PathBuf {
    state.with_extension("lock")
}

/// Another live console holding the drill lock, if any.
pub fn other_holder(state: &Path) -> Option<Holder> {
    let h = read_holder(&lock_path(state)).ok()??;
    (h != Holder::me() && h.alive()).then_some(h)
}

/// Takes the drill lock for this process: free, already ours, or left by a process that is gone.
pub fn acquire(state: &Path) -> io::Result<()> {
    let path = lock_path(state);
    let me = Holder::me();
    let text = serde_json::to_vec(&me).map_err(io::Error::other)?;
    for _ in 0..3 {
        if crate::state::create_new(&path, &text)? {
            return Ok(());
        }
        match read_holder(&path)? {
            Some(h) if h == me => return Ok(()),
            Some(h) if h.alive() => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!(
                        "the drill is driven by {} (lock {})",
                        h.describe(),
                        path.display()
                    ),
                ));
            }
            // A lock left by a process that is gone, or unreadable: take it over.
            _ => crate::state::remove(&path)?,
        }
    }
    Err(io::Error::new(
        io::ErrorKind::WouldBlock,
        format!("the drill lock {} keeps changing", path.display()),
    ))
}

/// Gives the drill lock back, if this process holds it.
pub fn release(state: &Path) {
    let path = lock_path(state);
    if let Ok(Some(h)) = read_holder(&path)
        && h == Holder::me()
    {
        let _ = crate::state::remove(&path);
    }
}

/// Writes the state (atomically, 0600, under the drill lock), or removes the file and gives the
/// lock back when the drill is over. Fails, writing nothing, when another live console holds the
/// lock.
pub fn save(path: &Path, state: Option<&DrillState>) -> io::Result<()> {
    match state {
        Some(s) if s.phase != Phase::Finished => {
            acquire(path)?;
            let text = serde_json::to_vec_pretty(s).map_err(io::Error::other)?;
            crate::state::write_atomic(path, &text)
        }
        _ => {
            crate::state::remove(path)?;
            release(path);
            Ok(())
        }
    }
}

/// Where the drill's state and its driver's lock live: a file on this machine
/// ([`DrillFile`]), or the team's table in team mode, so another bastion can watch, resume or
/// roll back a drill whose console is gone.
#[async_trait::async_trait]
pub trait DrillStore: Send + Sync {
    /// Where it is, for messages (`~/.local/state/opsdash/drill.json`, `table opsdash-team`).
    fn place(&self) -> String;
    /// Whether reading it goes over the network (then never before the first frame).
    fn remote(&self) -> bool {
        false
    }
    /// The drill left by an earlier run, if any.
    async fn load(&self) -> Result<Option<DrillState>, String>;
    /// Another console that drives it and is alive, if any.
    async fn other_holder(&self) -> Option<Holder>;
    /// Writes the state under the driver's lock (taking it), or removes it when the drill is
    /// over; refused, writing nothing, while another live console holds the lock.
    async fn save(&self, state: Option<&DrillState>) -> Result<(), String>;
    /// The state now and who holds it, for a console watching a drill driven elsewhere.
    async fn watch(&self) -> (Result<Option<DrillState>, String>, Option<Holder>);
    /// The driver says it is alive (nothing when this console holds no lock).
    async fn heartbeat(&self);
    /// Gives the lock back (the state stays for the next start).
    async fn release(&self);
}

/// The drill in `drill.json` with `drill.lock` beside it.
pub struct DrillFile {
    pub path: PathBuf,
}

#[async_trait::async_trait]
impl DrillStore for DrillFile {
    fn place(&self) -> String {
        self.path.display().to_string()
    }
    async fn load(&self) -> Result<Option<DrillState>, String> {
        load(&self.path).map_err(|e| e.to_string())
    }
    async fn other_holder(&self) -> Option<Holder> {
        other_holder(&self.path)
    }
    async fn save(&self, state: Option<&DrillState>) -> Result<(), String> {
        save(&self.path, state).map_err(|e| format!("{}: {e}", self.path.display()))
    }
    async fn watch(&self) -> (Result<Option<DrillState>, String>, Option<Holder>) {
        let (state, holder) = watch(&self.path);
        (state.map_err(|e| e.to_string()), holder)
    }
    async fn heartbeat(&self) {
        heartbeat(&self.path);
    }
    async fn release(&self) {
        release(&self.path);
    }
}

/// A drill left on disk by an earlier run, if any (a symlink is refused).
pub fn load(path: &Path) -> io::Result<Option<DrillState>> {
    match crate::state::read(path)? {
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| io::Error::other(format!("{}: {e}", path.display()))),
        None => Ok(None),
    }
}

impl DrillState {
    /// Checks a state read from disk against the configured drills before anything acts on it:
    /// the same app with the same regions, health alarm and resource patterns, resources the
    /// app selects, and sane capacities. A hand-edited or corrupt file is refused, with why.
    pub fn validate(&self, specs: &[DrillSpec]) -> Result<(), String> {
        let Some(spec) = specs.iter().find(|s| s.app == self.spec.app) else {
            return Err(format!(
                "app {:?} has no [app.failover] section in the config",
                self.spec.app
            ));
        };
        let differs = [
            ("primary", spec.primary != self.spec.primary),
            ("dr", spec.dr != self.spec.dr),
            ("health_alarm", spec.health_alarm != self.spec.health_alarm),
            ("dr_capacity_percent", spec.percent != self.spec.percent),
            (
                "load_balancers",
                spec.load_balancers != self.spec.load_balancers,
            ),
            ("auto_scaling_groups", spec.asgs != self.spec.asgs),
            ("ecs_services", spec.services != self.spec.services),
            ("alarms", spec.alarms != self.spec.alarms),
        ];
        let changed: Vec<&str> = differs
            .iter()
            .filter(|(_, d)| *d)
            .map(|(k, _)| *k)
            .collect();
        if !changed.is_empty() {
            return Err(format!(
                "its {} differ from the config's failover of {}",
                changed.join(", "),
                spec.app
            ));
        }
        for i in &self.items {
            let selected = match &i.resource {
                Resource::Asg { name } => DrillSpec::keep(&spec.asgs, name),
                Resource::Service { cluster, name } => {
                    DrillSpec::keep(&spec.services, &format!("{cluster}/{name}"))
                }
            };
            if !selected {
                return Err(format!(
                    "{} is not one of {}'s resources",
                    i.resource.label(),
                    spec.app
                ));
            }
            if i.target < i.before || i.target > MAX_CAPACITY || i.before > MAX_CAPACITY {
                return Err(format!(
                    "{}: before {} and target {} are not a drill's scale-up",
                    i.resource.label(),
                    i.before,
                    i.target
                ));
            }
        }
        if self.done.iter().any(|s| {
            matches!(s, StepKind::RestoreAlarm | StepKind::RestoreCapacity)
                && self.phase == Phase::Running
        }) {
            return Err("it restores steps while it says the drill runs".into());
        }
        Ok(())
    }
}

/// No ASG or ECS service a drill scales goes past this (the ECS tasks-per-service quota).
const MAX_CAPACITY: u32 = 5000;

#[cfg(test)]
mod tests {
    use super::*;

    fn state(asgs: &[&str]) -> DrillState {
        let spec = DrillSpec {
            asgs: asgs.iter().map(|s| (*s).to_owned()).collect(),
            ..DrillSpec::warm_standby_demo()
        };
        let pre = Preflight {
            checks: Vec::new(),
            items: vec![ScaleItem {
                resource: Resource::Asg {
                    name: "fa-092-web".into(),
                },
                primary: 2,
                before: 1,
                target: 2,
            }],
            primary_healthy: 2,
            primary_registered: 2,
            dr_healthy: 1,
            target_groups: vec!["web".into()],
            primary_by_group: vec![("web".into(), 2)],
        };
        DrillState::new(spec, "123456789012", &pre, 0)
    }

    #[test]
    fn a_state_file_must_match_the_config() {
        let s = state(&["fa-092-*"]);
        assert_eq!(s.validate(std::slice::from_ref(&s.spec)), Ok(()));
        // A resource the app does not select, written into the file by hand.
        let mut edited = s.clone();
        edited.items[0].resource = Resource::Asg {
            name: "payments-prod".into(),
        };
        let e = edited.validate(std::slice::from_ref(&s.spec)).unwrap_err();
        assert!(
            e.contains("asg payments-prod is not one of bookstore's resources"),
            "{e}"
        );
        // Patterns widened in the file but not in the config.
        let wide = state(&["*"]);
        let e = wide.validate(std::slice::from_ref(&s.spec)).unwrap_err();
        assert!(e.contains("auto_scaling_groups"), "{e}");
        // A restore step recorded while the drill claims to be running.
        let mut odd = s.clone();
        odd.done.push(StepKind::RestoreCapacity);
        assert!(odd.validate(std::slice::from_ref(&s.spec)).is_err());
    }

    #[test]
    fn the_drill_lock_is_shared_with_nobody_alive() {
        let dir = std::env::temp_dir().join(format!("opsdash-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("drill.json");
        acquire(&path).unwrap();
        acquire(&path).unwrap();
        assert_eq!(other_holder(&path), None, "held by this process");
        release(&path);
        assert!(!lock_path(&path).exists());
        // Held by a live process on this host (pid 1): refused, nothing written.
        let other = Holder {
            pid: 1,
            ..Holder::me()
        };
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(lock_path(&path), serde_json::to_vec(&other).unwrap()).unwrap();
        let e = acquire(&path).unwrap_err();
        assert!(e.to_string().contains("(opsdash pid 1 on"), "{e}");
        let s = DrillState::new(
            DrillSpec::warm_standby_demo(),
            "1",
            &preflight(
                &DrillSpec::warm_standby_demo(),
                RegionView::default(),
                RegionView::default(),
            ),
            0,
        );
        assert!(save(&path, Some(&s)).is_err());
        assert!(!path.exists());
        // Left by a process that is gone: taken over.
        let gone = Holder {
            pid: u32::MAX - 1,
            ..Holder::me()
        };
        std::fs::write(lock_path(&path), serde_json::to_vec(&gone).unwrap()).unwrap();
        save(&path, Some(&s)).unwrap();
        assert!(path.exists());
        save(&path, None).unwrap();
        assert!(!path.exists() && !lock_path(&path).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
