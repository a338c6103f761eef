//! The verdict: one line per app, at the top of the screen, saying what a senior on-call engineer
//! would say first: the worst thing now, where, since when, and the key that acts on it. It is
//! derived only from what the console has read (targets by zone and by region, rollouts under
//! alarm, the traffic badge, alarms with the resources their dimensions name, scaling and runs),
//! and recomputed with every read, so it is never older than the panes.

use super::{App, Pane, RegionData};
use crate::config::{AppConfig, glob_match};
use crate::model::{
    Alarm, AlarmState, Capacity, EventKind, ExecStatus, LoadBalancer, Region, RolloutState,
    Severity, TargetState, Timestamp,
};
use std::fmt::Write as _;

/// One app's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The app (`None`: the whole estate in view, without app config).
    pub app: Option<String>,
    pub severity: Severity,
    /// What is wrong, where, since when.
    pub text: String,
    /// The key that acts on it and what it does (`b roll back to :7`).
    pub action: Option<String>,
}

/// What one app selects of a region's data.
struct Scope<'a> {
    app: Option<&'a AppConfig>,
}

impl Scope<'_> {
    fn keep(&self, kind: fn(&AppConfig) -> &Vec<String>, name: &str) -> bool {
        self.app
            .is_none_or(|a| kind(a).iter().any(|p| glob_match(p, name)))
    }
}

/// Targets of one zone: healthy, in service, and the groups with an unhealthy one.
#[derive(Default)]
struct Zone {
    healthy: usize,
    total: usize,
    draining: usize,
    groups: Vec<String>,
    ids: Vec<String>,
}

/// What a rule says: how bad, what is wrong (where, since when), and the key that acts on it.
type Said = (Severity, String, Option<String>);

static NO_CAPACITY: Capacity = Capacity {
    auto_scaling_groups: Vec::new(),
    ecs_services: Vec::new(),
};

/// What the verdict's rules read of the region in view, for one app.
struct Facts<'a> {
    scope: &'a Scope<'a>,
    d: &'a RegionData,
    region: &'a Region,
    lbs: Vec<&'a LoadBalancer>,
    alarms: Vec<&'a Alarm>,
    cap: &'a Capacity,
    /// Registered targets (draining ones too) by zone name, sorted by it.
    zones: Vec<(String, Zone)>,
}

impl<'a> Facts<'a> {
    fn new(region: &'a Region, scope: &'a Scope<'a>, d: &'a RegionData) -> Self {
        let lbs: Vec<&LoadBalancer> = d
            .lbs()
            .iter()
            .filter(|l| scope.keep(|a| &a.load_balancers, &l.name))
            .collect();
        let alarms: Vec<&Alarm> = d
            .alarms
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter(|a| scope.keep(|c| &c.alarms, &a.name))
            .collect();
        let zones = zones_of(&lbs);
        Facts {
            scope,
            d,
            region,
            lbs,
            alarms,
            cap: d.capacity.as_ref().unwrap_or(&NO_CAPACITY),
            zones,
        }
    }

    /// Unhealthy targets not draining.
    fn unhealthy_in_service(&self) -> usize {
        self.zones
            .iter()
            .map(|(_, z)| z.total - z.healthy - z.draining)
            .sum()
    }
}

/// Registered targets by zone (draining ones too), sorted by zone name.
fn zones_of(lbs: &[&LoadBalancer]) -> Vec<(String, Zone)> {
    let mut zones: Vec<(String, Zone)> = Vec::new();
    for g in lbs.iter().flat_map(|l| &l.target_groups) {
        for t in g.targets.iter().filter(|t| t.state != TargetState::Unused) {
            let az = if t.az.is_empty() { "?" } else { &t.az };
            let i = zones.iter().position(|(z, _)| z == az).unwrap_or_else(|| {
                zones.push((az.to_owned(), Zone::default()));
                zones.len() - 1
            });
            let z = &mut zones[i].1;
            z.total += 1;
            if t.state == TargetState::Draining {
                z.draining += 1;
            }
            if t.state == TargetState::Healthy {
                z.healthy += 1;
            } else {
                if !z.groups.contains(&g.name) {
                    z.groups.push(g.name.clone());
                }
                z.ids.push(t.id.clone());
            }
        }
    }
    zones.sort_by(|a, b| a.0.cmp(&b.0));
    zones
}

impl App {
    /// The verdict of every app (one for the estate without app config), worst first.
    pub fn verdicts(&self) -> Vec<Verdict> {
        let scopes: Vec<Scope<'_>> = if self.settings.apps.is_empty() {
            vec![Scope { app: None }]
        } else {
            self.settings
                .apps
                .iter()
                .map(|a| Scope { app: Some(a) })
                .collect()
        };
        // Panes whose last read failed: what the verdict is drawn from may be old.
        let failing: Vec<String> = super::Pane::ALL
            .iter()
            .filter_map(|p| {
                self.pane_error(*p)
                    .map(|e| format!("{} {}", p.title(), e.code))
            })
            .collect();
        let mut out: Vec<Verdict> = scopes.iter().map(|s| self.verdict(s)).collect();
        if !failing.is_empty() {
            for v in &mut out {
                v.text = format!("{}; not current: {}", v.text, failing.join(", "));
                v.severity = v.severity.max(Severity::Warn);
            }
        }
        out.sort_by_key(|v| std::cmp::Reverse(v.severity));
        out
    }

    fn verdict(&self, scope: &Scope<'_>) -> Verdict {
        let (severity, text, action) = match self.current() {
            None => (Severity::Info, "waiting for the first read".into(), None),
            Some(d) => {
                let f = Facts::new(self.region_name(), scope, d);
                // The first rule that says something, in this order: the worst first.
                let rules: [fn(&Self, &Facts<'_>) -> Option<Said>; 9] = [
                    Self::rollout_under_alarm,
                    Self::region_switch_under_way,
                    Self::traffic_on_dr_region,
                    Self::one_zone_sick,
                    Self::zone_shifted,
                    Self::alarm_firing,
                    Self::rollout_targets_unhealthy,
                    Self::targets_unhealthy,
                    Self::under_way_or_short,
                ];
                rules
                    .iter()
                    .find_map(|rule| rule(self, &f))
                    .unwrap_or_else(|| self.all_healthy(&f))
            }
        };
        Verdict {
            app: scope.app.map(|a| a.name.clone()),
            severity,
            text,
            action,
        }
    }

    fn key(&self, action: crate::action::Action) -> String {
        self.settings.keymap.key_label(action)
    }

    /// A rollout under an alarm: roll it back.
    fn rollout_under_alarm(&self, f: &Facts<'_>) -> Option<Said> {
        let Facts { scope, cap, .. } = f;
        if let Some(o) = self.rollback_offer()
            && scope.keep(|a| &a.ecs_services, &format!("{}/{}", o.cluster, o.service))
        {
            let failed = cap
                .ecs_services
                .iter()
                .find(|s| s.name == o.service && s.cluster == o.cluster)
                .and_then(|s| {
                    s.deployments
                        .iter()
                        .find(|x| x.task_definition == o.current)
                })
                .map_or(0, |x| x.failed);
            let since = cap
                .ecs_services
                .iter()
                .find(|s| s.name == o.service)
                .and_then(|s| {
                    s.deployments
                        .iter()
                        .find(|x| x.task_definition == o.current)
                })
                .map(|x| x.created_at);
            let tasks = if failed > 0 {
                format!("{failed} tasks failed, ")
            } else {
                String::new()
            };
            return Some((
                Severity::Crit,
                format!(
                    "{} {} rollout failing{}: {tasks}{} in ALARM",
                    o.service,
                    revision(&o.current),
                    since_text(since),
                    o.alarm
                ),
                Some(format!(
                    "{} roll back to {}",
                    self.key(super::operation::ROLLBACK),
                    revision(&o.previous)
                )),
            ));
        }

        None
    }

    /// An ARC Region switch execution of the app under way: what it waits for, and the key.
    fn region_switch_under_way(&self, f: &Facts<'_>) -> Option<Said> {
        let (rs, e) = self
            .settings
            .drill_specs
            .iter()
            .filter(|s| f.scope.app.is_none_or(|a| a.name == s.app))
            .filter_map(|s| self.plan_read(&s.app)?.plan.as_ref())
            .find_map(|rs| rs.live().map(|e| (rs, e)))?;
        let failover = self.key(crate::action::Action::Failover);
        let k = |p: crate::action::PlanKey| self.key(crate::action::Action::PlanExec(p));
        let what = format!("Region switch {} {}", rs.plan.name, e.what());
        if let Some(step) = e.awaiting_approval() {
            return Some((
                Severity::Warn,
                format!(
                    "{what} waits for approval of {}{}",
                    step.name,
                    since_text(step.started)
                ),
                Some(format!(
                    "{failover} then {} approves",
                    k(crate::action::PlanKey::Approve)
                )),
            ));
        }
        if e.paused() {
            let failed = e.steps.iter().find(|s| s.status == "failed");
            return Some((
                Severity::Crit,
                format!(
                    "{what} {}{}",
                    e.state,
                    failed.map_or_else(String::new, |s| format!(": {} failed", s.name))
                ),
                Some(format!(
                    "{failover} then {} resumes",
                    k(crate::action::PlanKey::Pause)
                )),
            ));
        }
        let step = e.steps.iter().find(|s| s.status == "running");
        Some((
            Severity::Warn,
            format!(
                "{what} running{}{}",
                step.map_or_else(String::new, |s| format!(": {}", s.name)),
                since_text(Some(e.started))
            ),
            Some(format!("{failover} watches it")),
        ))
    }

    /// Traffic failed over to the DR region.
    fn traffic_on_dr_region(&self, _: &Facts<'_>) -> Option<Said> {
        let dr = self.traffic_on_dr()?;
        let (h, t) = self.target_counts(dr);
        // Moved there on purpose by a Region switch execution: said as such, not as a failure.
        if let Some((_, rs, e)) = self.switched_by_plan() {
            return Some((
                Severity::Warn,
                format!(
                    "traffic on {dr} since Region switch {} activated it at {}{}, where {h}/{t} targets are healthy",
                    rs.plan.name,
                    e.ended.unwrap_or(e.started).hm(),
                    e.recovery_time
                        .as_deref()
                        .map_or_else(String::new, |r| format!(" (recovery time {r})"))
                ),
                Some(format!(
                    "{} then {} switches back",
                    self.key(crate::action::Action::Failover),
                    self.key(crate::action::Action::PlanExec(
                        crate::action::PlanKey::Start
                    ))
                )),
            ));
        }
        let dr_cap = self.store.region(dr).and_then(|r| r.capacity.as_ref());
        let mut tasks = String::new();
        for s in dr_cap
            .map(|c| c.ecs_services.as_slice())
            .unwrap_or_default()
        {
            let _ = write!(tasks, ", {} runs {} of {}", s.name, s.running, s.desired);
        }
        Some((
            Severity::Crit,
            format!(
                "primary health check failing: traffic on {dr}, where {h}/{t} targets are healthy{tasks}"
            ),
            Some(format!(
                "{} side by side, {} scale DR",
                self.key(crate::action::Action::RegionView),
                self.key(super::operation::SCALE)
            )),
        ))
    }

    /// Unhealthy targets concentrated in one zone (every registered target counts, draining ones
    /// too: in a zone gone dark the replacements fail and drain in turn, and they are that zone's
    /// trouble), unless a rollout under way explains them.
    fn one_zone_sick(&self, f: &Facts<'_>) -> Option<Said> {
        let Facts {
            scope,
            lbs,
            cap,
            zones,
            ..
        } = f;
        let sick: Vec<&(String, Zone)> =
            zones.iter().filter(|(_, z)| z.healthy < z.total).collect();
        let unhealthy: usize = zones.iter().map(|(_, z)| z.total - z.healthy).sum();
        // A rollout under way explains its own failing and draining tasks, wherever they were
        // placed: that is not a zone's trouble, and a zonal shift is not its remedy.
        let rolling = cap.ecs_services.iter().any(|s| {
            scope.keep(|a| &a.ecs_services, &format!("{}/{}", s.cluster, s.name))
                && s.deployments
                    .iter()
                    .any(|d| d.rollout_state == RolloutState::InProgress)
        });
        if !rolling && sick.len() == 1 && zones.len() > 1 && zones[0].0 != "?" && unhealthy >= 2 {
            let (name, z) = sick[0];
            let others: Vec<String> = zones
                .iter()
                .filter(|(n, _)| n != name)
                .map(|(n, o)| format!("{n} {}/{}", o.healthy, o.total))
                .collect();
            let since = self.unhealthy_since(&z.ids);
            let draining = if z.draining > 0 {
                format!(", {} draining", z.draining)
            } else {
                String::new()
            };
            // A shift already keeping traffic away from the zone, or what can start one.
            let shift = lbs.iter().find_map(|l| {
                let id = &l.zones.iter().find(|zn| &zn.name == name)?.id;
                l.zonal_shifts
                    .iter()
                    .find(|s| s.applied() && &s.away_from == id)
                    .map(|s| {
                        let how = match (s.kind, s.left_secs(self.now)) {
                            (crate::model::zonal::ShiftKind::ZonalShift, Some(left)) => format!(
                                "traffic shifted away, {} left",
                                crate::model::zonal::left_text(left)
                            ),
                            (k, _) => format!("{} since {}", k.label(), s.started.hm()),
                        };
                        format!("{name} ({id}): {how}")
                    })
            });
            let text = format!(
                "{name}: {}/{} targets healthy{}{draining} ({}); healthy elsewhere: {}",
                z.healthy,
                z.total,
                since_text(since),
                z.groups.join(", "),
                others.join(", ")
            );
            if let Some(shift) = shift {
                // Said first: the zone is already out of the traffic.
                let rest = text.split_once(": ").map_or(text.as_str(), |(_, r)| r);
                return Some((
                    Severity::Warn,
                    format!("{shift}; {rest}"),
                    Some(format!(
                        "{} extend, {} cancel (on the load balancer)",
                        self.key(super::operation::ZONAL_EXTEND),
                        self.key(super::operation::ZONAL_SHIFT)
                    )),
                ));
            }
            // What `z` acts on now: the load balancer selected, or the one worst off.
            let shiftable = self
                .selected_lb()
                .filter(|l| !matches!(l.zonal, crate::model::zonal::Managed::No));
            return Some((
                Severity::Crit,
                text,
                Some(if let Some(l) = shiftable {
                    format!(
                        "{} shift {} away, {} /{name}: the zone's targets",
                        self.key(super::operation::ZONAL_SHIFT),
                        l.name,
                        self.key(crate::action::Action::Focus(Pane::Targets))
                    )
                } else {
                    format!(
                        "{} /{name}: the zone's targets",
                        self.key(crate::action::Action::Focus(Pane::Targets))
                    )
                }),
            ));
        }

        None
    }

    /// Traffic shifted away from a zone, by AWS (autoshift) or by someone in the account: "is it
    /// AWS or us" comes before the alarms it explains.
    fn zone_shifted(&self, f: &Facts<'_>) -> Option<Said> {
        let Facts { lbs, alarms, .. } = f;
        let (lb, shift) = lbs
            .iter()
            .find_map(|l| l.zonal_shifts.iter().find(|s| s.applied()).map(|s| (*l, s)))?;
        let firing = alarms
            .iter()
            .filter(|a| a.state == AlarmState::Alarm)
            .count();
        let also = if firing > 0 {
            format!("; {firing} alarm(s) in ALARM")
        } else {
            String::new()
        };
        let own = shift.kind == crate::model::zonal::ShiftKind::ZonalShift;
        Some((
            if firing > 0 {
                Severity::Crit
            } else {
                Severity::Warn
            },
            format!("{}: {}{also}", lb.name, shift.describe(&lb.zones, self.now)),
            Some(if own {
                format!(
                    "{} extend, {} cancel (on the load balancer)",
                    self.key(super::operation::ZONAL_EXTEND),
                    self.key(super::operation::ZONAL_SHIFT)
                )
            } else {
                format!(
                    "{} on the load balancer: the preflight",
                    self.key(super::operation::ZONAL_SHIFT)
                )
            }),
        ))
    }

    /// Alarms firing, with what they watch.
    fn alarm_firing(&self, f: &Facts<'_>) -> Option<Said> {
        let Facts { alarms, .. } = f;
        let a = alarms.iter().find(|a| a.state == AlarmState::Alarm)?;
        let watches = self.watched_by(a);
        let what = if watches.is_empty() {
            String::new()
        } else {
            format!(
                " on {}",
                watches
                    .iter()
                    .map(Watched::label)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let value = a
            .evaluated_value()
            .map(|x| {
                format!(
                    ": {} {} {}{}",
                    a.metric,
                    crate::model::fmt_num(x),
                    a.comparison_symbol(),
                    crate::model::fmt_num(a.threshold)
                )
            })
            .unwrap_or_default();
        let action = match watches.first() {
            Some(Watched::Asg(_)) => format!("{} scale", self.key(super::operation::SCALE)),
            Some(Watched::Service(..)) => format!(
                "{} roll back, {} logs",
                self.key(super::operation::ROLLBACK),
                self.key(crate::action::Action::Logs)
            ),
            _ => format!(
                "{} then Enter: what it watches",
                self.key(crate::action::Action::Focus(Pane::Alarms))
            ),
        };
        let more = alarms
            .iter()
            .filter(|a| a.state == AlarmState::Alarm)
            .count()
            - 1;
        let more = if more > 0 {
            format!(" (+{more} more in ALARM)")
        } else {
            String::new()
        };
        Some((
            Severity::Crit,
            format!(
                "{} in ALARM since {}{value}{what}{more}",
                a.name,
                a.updated_at.hm()
            ),
            Some(action),
        ))
    }

    /// A rollout whose service's targets fail their health checks, or whose tasks fail to start,
    /// with no alarm on it: the rollout is named with its roll back, not the targets alone. Its
    /// new targets still in their first health checks are the rollout too, not "unhealthy".
    fn rollout_targets_unhealthy(&self, f: &Facts<'_>) -> Option<Said> {
        let Facts {
            scope, cap, lbs, ..
        } = f;
        for s in cap
            .ecs_services
            .iter()
            .filter(|s| scope.keep(|a| &a.ecs_services, &format!("{}/{}", s.cluster, s.name)))
        {
            let Some(dep) = s
                .deployments
                .iter()
                .find(|x| x.rollout_state == RolloutState::InProgress)
            else {
                continue;
            };
            let groups: Vec<_> = lbs
                .iter()
                .flat_map(|l| &l.target_groups)
                .filter(|g| s.target_groups.contains(&g.arn))
                .collect();
            let count = |state: TargetState| -> usize {
                groups
                    .iter()
                    .map(|g| g.targets.iter().filter(|t| t.state == state).count())
                    .sum()
            };
            let (unhealthy, initial) = (count(TargetState::Unhealthy), count(TargetState::Initial));
            let named = || {
                groups
                    .iter()
                    .filter(|g| g.healthy < g.total)
                    .map(|g| format!("{} {}/{}", g.name, g.healthy, g.total))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let rev = revision(&dep.task_definition);
            let since = since_text(Some(dep.created_at));
            if unhealthy == 0 && dep.failed == 0 {
                if initial == 0 {
                    continue;
                }
                return Some((
                    Severity::Warn,
                    format!(
                        "{} rolling out {rev}{since}: {} in health checks ({})",
                        s.name,
                        count_of(initial, "new target"),
                        named()
                    ),
                    None,
                ));
            }
            let mut what = Vec::new();
            if unhealthy > 0 {
                what.push(format!(
                    "{} unhealthy ({})",
                    count_of(unhealthy, "target"),
                    named()
                ));
            }
            if dep.failed > 0 {
                what.push(format!("{} failed", count_of(dep.failed as usize, "task")));
            }
            // A group the service serves with no healthy target left: the service is down there.
            let down = groups.iter().any(|g| g.total > 0 && g.healthy == 0);
            let revisions: Vec<&str> = s
                .deployments
                .iter()
                .map(|x| x.task_definition.as_str())
                .collect();
            let action =
                crate::ops::previous_revision(&s.task_definition, &revisions, &self.avoid(s))
                    .map_or_else(
                        || {
                            format!(
                                "{} then Enter: why",
                                self.key(crate::action::Action::Focus(Pane::Capacity))
                            )
                        },
                        |prev| {
                            format!(
                                "{} roll back to {}",
                                self.key(super::operation::ROLLBACK),
                                revision(&prev)
                            )
                        },
                    );
            return Some((
                if down { Severity::Crit } else { Severity::Warn },
                format!(
                    "{} {rev} rollout failing{since}: {}",
                    s.name,
                    what.join(", ")
                ),
                Some(action),
            ));
        }
        None
    }

    /// Unhealthy targets, spread.
    fn targets_unhealthy(&self, f: &Facts<'_>) -> Option<Said> {
        let Facts {
            region, lbs, zones, ..
        } = f;
        let unhealthy = f.unhealthy_in_service();
        if unhealthy > 0 {
            let groups: Vec<String> = lbs
                .iter()
                .flat_map(|l| &l.target_groups)
                .filter(|g| g.healthy < g.total)
                .map(|g| format!("{} {}/{}", g.name, g.healthy, g.total))
                .collect();
            let ids: Vec<String> = zones.iter().flat_map(|(_, z)| z.ids.clone()).collect();
            return Some((
                Severity::Warn,
                format!(
                    "{unhealthy} target{} unhealthy{} in {region}: {}",
                    if unhealthy == 1 { "" } else { "s" },
                    since_text(self.unhealthy_since(&ids)),
                    groups.join(", ")
                ),
                Some(format!(
                    "{} then Enter: why",
                    self.key(crate::action::Action::Focus(Pane::Targets))
                )),
            ));
        }

        None
    }

    /// Rollouts, scaling and runs under way or short.
    fn under_way_or_short(&self, f: &Facts<'_>) -> Option<Said> {
        let Facts { scope, d, cap, .. } = f;
        for s in cap
            .ecs_services
            .iter()
            .filter(|s| scope.keep(|a| &a.ecs_services, &format!("{}/{}", s.cluster, s.name)))
        {
            if let Some(dep) = s
                .deployments
                .iter()
                .find(|x| x.rollout_state == RolloutState::InProgress)
            {
                return Some((
                    Severity::Warn,
                    format!(
                        "{} rolling out {} ({}/{} running){}",
                        s.name,
                        dep.task_definition,
                        dep.running,
                        dep.desired,
                        since_text(Some(dep.created_at))
                    ),
                    None,
                ));
            }
        }
        for g in cap
            .auto_scaling_groups
            .iter()
            .filter(|g| scope.keep(|a| &a.auto_scaling_groups, &g.name))
        {
            if g.in_service < g.desired {
                return Some((
                    Severity::Warn,
                    format!(
                        "{} {}/{} in service{}",
                        g.name,
                        g.in_service,
                        g.desired,
                        since_text(g.activities.first().map(|a| a.at))
                    ),
                    None,
                ));
            }
        }
        if let Some(a) = d
            .runs
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter(|a| scope.keep(|c| &c.associations, &a.name))
            .find(|a| a.status == ExecStatus::Failed)
        {
            let at = a.last_execution.as_ref().map(|x| x.created_at);
            return Some((
                Severity::Warn,
                format!("{} last run failed{}", a.name, since_text(at)),
                Some(format!("{} run again", self.key(super::operation::RUN_NOW))),
            ));
        }
        None
    }

    /// Nothing wrong: where, and the last change.
    fn all_healthy(&self, f: &Facts<'_>) -> Said {
        let region = f.region;
        let last = self
            .store
            .timeline()
            .iter()
            .find(|e| {
                e.region == *region
                    && matches!(
                        e.kind,
                        EventKind::Operator | EventKind::Ecs | EventKind::Scaling
                    )
            })
            .map(|e| format!(" · last change {} {} {}", e.at.hm(), e.resource, e.message))
            .unwrap_or_default();
        (Severity::Ok, format!("all healthy in {region}{last}"), None)
    }

    /// When the earliest of these targets turned unhealthy, by the timeline.
    fn unhealthy_since(&self, ids: &[String]) -> Option<Timestamp> {
        self.store
            .timeline()
            .iter()
            .filter(|e| e.kind == EventKind::Target)
            .filter(|e| {
                ids.iter().any(|id| e.message.starts_with(id.as_str()))
                    && !e.message.ends_with("-> healthy")
            })
            .map(|e| e.at)
            .min()
    }

    /// The resources an alarm's dimensions name, as the console has read them.
    pub fn watched_by(&self, a: &Alarm) -> Vec<Watched> {
        self.current().map(|d| d.watched_by(a)).unwrap_or_default()
    }
}

impl RegionData {
    /// The resources an alarm's dimensions name, as read in this region.
    pub fn watched_by(&self, a: &Alarm) -> Vec<Watched> {
        let d = self;
        let dim = |name: &str| {
            a.dimensions
                .iter()
                .find_map(|x| x.strip_prefix(name)?.strip_prefix('='))
        };
        let mut out = Vec::new();
        if let Some(g) = dim("AutoScalingGroupName") {
            out.push(Watched::Asg(g.to_owned()));
        }
        if let Some(svc) = dim("ServiceName") {
            // The cluster from the dimension, else from the service read with that name.
            let cluster = dim("ClusterName").map(str::to_owned).or_else(|| {
                d.capacity
                    .as_ref()?
                    .ecs_services
                    .iter()
                    .find(|s| s.name == svc)
                    .map(|s| s.cluster.clone())
            });
            out.push(Watched::Service(
                cluster.unwrap_or_default(),
                svc.to_owned(),
            ));
        }
        if let Some(tg) = dim("TargetGroup") {
            for l in d.lbs() {
                if let Some(g) = l.target_groups.iter().find(|g| g.arn.ends_with(tg)) {
                    out.push(Watched::TargetGroup(l.name.clone(), g.name.clone()));
                }
            }
        }
        if let Some(lb) = dim("LoadBalancer")
            && dim("TargetGroup").is_none()
            && let Some(l) = d.lbs().iter().find(|l| l.arn.ends_with(lb))
        {
            for g in &l.target_groups {
                out.push(Watched::TargetGroup(l.name.clone(), g.name.clone()));
            }
        }
        out
    }
}

/// A resource an alarm watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watched {
    Asg(String),
    /// Cluster, service.
    Service(String, String),
    /// Load balancer, target group.
    TargetGroup(String, String),
}

impl Watched {
    pub fn label(&self) -> String {
        match self {
            Watched::Asg(n) => format!("ASG {n}"),
            Watched::Service(_, s) => format!("service {s}"),
            Watched::TargetGroup(_, g) => format!("target group {g}"),
        }
    }

    /// The detail view that shows it.
    pub fn detail(&self) -> super::DetailRef {
        match self {
            Watched::Asg(n) => super::DetailRef::Asg(n.clone()),
            Watched::Service(c, s) => super::DetailRef::Service {
                cluster: c.clone(),
                name: s.clone(),
            },
            Watched::TargetGroup(l, g) => super::DetailRef::TargetGroup {
                lb: l.clone(),
                tg: g.clone(),
            },
        }
    }
}

/// A task definition's revision as the screen shortens it: `family:8` → `:8`.
fn revision(task_definition: &str) -> String {
    task_definition
        .rsplit_once(':')
        .map_or(task_definition.to_owned(), |(_, r)| format!(":{r}"))
}

/// `1 task`, `3 tasks`.
fn count_of(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// ` since 08:04`, or nothing when it is not known.
fn since_text(at: Option<Timestamp>) -> String {
    at.map(|t| format!(" since {}", t.hm())).unwrap_or_default()
}
