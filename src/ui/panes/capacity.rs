//! Capacity: Auto Scaling groups (min/desired/max, lifecycle counts, the last activity) and ECS
//! services with their deployments (rollout state and a progress bar).

use super::{Columns, Ctx, PaneDraw, rollout_style, take_width};
use crate::app::{RegionData, Row};
use crate::ui::widgets::{cell, progress, trunc};
use ratatui::text::{Line, Span};

pub struct Capacity;

impl PaneDraw for Capacity {
    fn columns(&self, d: &RegionData, w: usize) -> Columns {
        Columns {
            name: name_width(d, w),
            ..Columns::default()
        }
    }

    fn row(&self, cx: &Ctx<'_>, d: &RegionData, cols: Columns, row: Row) -> Line<'static> {
        let g = cx.glyphs;
        let t = cx.theme;
        let age = |at: crate::model::Timestamp| cx.age(at);
        match row {
            Row::Asg(a) => {
                let Some(asg) = d
                    .capacity
                    .as_ref()
                    .and_then(|c| c.auto_scaling_groups.get(a))
                else {
                    return Line::default();
                };
                let ok = asg.in_service == asg.desired && asg.pending == 0;
                let mut spans = vec![
                    Span::styled("ASG ", t.muted()),
                    Span::styled(cell(&asg.name, cols.name, g), t.text()),
                    Span::styled(
                        format!(" {}/{}/{}", asg.min, asg.desired, asg.max),
                        t.title(),
                    ),
                    Span::styled(
                        {
                            // Only the counts that say something.
                            let pend = if asg.pending > 0 {
                                format!(" pend {}", asg.pending)
                            } else {
                                String::new()
                            };
                            let term = if asg.terminating > 0 {
                                format!(" term {}", asg.terminating)
                            } else {
                                String::new()
                            };
                            format!(" in {}{pend}{term}", asg.in_service)
                        },
                        t.ok_or_warn(ok),
                    ),
                ];
                spans.extend(super::group_age(cx, asg));
                if let Some(act) = asg.activities.first() {
                    spans.push(Span::styled(
                        format!("  {} {}", age(act.at), act.description),
                        t.muted(),
                    ));
                }
                Line::from(spans)
            }
            Row::Service(s) => {
                let Some(svc) = d.capacity.as_ref().and_then(|c| c.ecs_services.get(s)) else {
                    return Line::default();
                };
                let ok = svc.running == svc.desired && svc.deployments.len() == 1;
                let mut spans = vec![
                    Span::styled("ECS ", t.muted()),
                    Span::styled(cell(&service_label(d, svc), cols.name, g), t.text()),
                    Span::styled(
                        if svc.pending > 0 {
                            format!(" run {}/{} pend {}", svc.running, svc.desired, svc.pending)
                        } else {
                            format!(" run {}/{}", svc.running, svc.desired)
                        },
                        t.ok_or_warn(ok),
                    ),
                    Span::styled(
                        format!(" {}", short_revision(&svc.task_definition)),
                        t.muted(),
                    ),
                ];
                // The revision the service was set to with no deployment of it listed (a stand-in
                // that does not roll out; a deploy just made): said, so the deployment rows below
                // (of the old revision) are not read as what runs.
                if !svc.deployments.is_empty()
                    && !svc
                        .deployments
                        .iter()
                        .any(|x| x.task_definition == svc.task_definition)
                {
                    spans.push(Span::styled(" no deployment of it yet", t.warn()));
                }
                // What the load balancer says of its tasks, beside what ECS says: running tasks
                // whose targets are unhealthy serve nothing.
                if let Some((h, total)) = service_targets(d, svc) {
                    spans.push(Span::styled(
                        format!(" targets {h}/{total} healthy"),
                        super::ratio_style(t, h, total),
                    ));
                }
                spans.extend(super::service_age(cx, svc));
                Line::from(spans)
            }
            Row::Deployment(s, k) => {
                let Some(dep) = d
                    .capacity
                    .as_ref()
                    .and_then(|c| c.ecs_services.get(s))
                    .and_then(|x| x.deployments.get(k))
                else {
                    return Line::default();
                };
                let bar = progress(dep.running, dep.desired, 8, g);
                // A deployment wanted at 0 is being drained: its tasks are leaving, not done.
                let counts = match (dep.desired, dep.running) {
                    (0, 0) => " drained ".to_owned(),
                    (0, n) => format!(" {n} leaving "),
                    (want, run) => format!(" {run}/{want} "),
                };
                let mut spans = vec![
                    Span::raw("    "),
                    Span::styled(format!("{:<7} ", dep.status), t.muted()),
                    Span::styled(
                        format!("{:<11} ", dep.rollout_state),
                        rollout_style(t, dep.rollout_state),
                    ),
                    Span::styled(bar, rollout_style(t, dep.rollout_state)),
                    Span::styled(counts, t.text()),
                    Span::styled(trunc(&dep.task_definition, 24, g), t.muted()),
                ];
                if dep.failed > 0 {
                    spans.push(Span::styled(format!(" failed {}", dep.failed), t.crit()));
                }
                Line::from(spans)
            }
            _ => Line::default(),
        }
    }

    fn summary(&self, cx: &Ctx<'_>, d: &RegionData, spans: &mut Vec<Span<'static>>) {
        let t = cx.theme;
        if let Some(c) = &d.capacity {
            let asgs = c.auto_scaling_groups.iter().map(|g| {
                let ok = g.in_service == g.desired;
                Span::styled(
                    format!(" {} {}/{}", g.name, g.in_service, g.desired),
                    t.ok_or_warn(ok),
                )
            });
            let svcs = c.ecs_services.iter().map(|s| {
                let ok = s.running == s.desired && s.deployments.len() == 1;
                Span::styled(
                    format!(" {} {}/{}", s.name, s.running, s.desired),
                    t.ok_or_warn(ok),
                )
            });
            spans.extend(take_width(asgs.chain(svcs), 250));
        }
    }
}

/// How a service is named in its row: without its cluster when every service of the pane is in
/// the same one (twenty rows of `zephyr-cluster/zephyr-…` said nothing).
fn service_label(d: &RegionData, svc: &crate::model::EcsService) -> String {
    if one_cluster(d) {
        svc.name.clone()
    } else {
        format!("{}/{}", svc.cluster, svc.name)
    }
}

/// Whether every ECS service of the pane is in one cluster.
fn one_cluster(d: &RegionData) -> bool {
    d.capacity.as_ref().is_none_or(|c| {
        c.ecs_services
            .first()
            .is_none_or(|f| c.ecs_services.iter().all(|s| s.cluster == f.cluster))
    })
}

/// The name column: as wide as the longest name in the pane, at most half of it. Counted
/// without building the labels, once a frame.
fn name_width(d: &RegionData, w: usize) -> usize {
    use crate::ui::widgets::text_width;
    let Some(c) = d.capacity.as_ref() else {
        return 24.min(w / 2);
    };
    let one = one_cluster(d);
    c.auto_scaling_groups
        .iter()
        .map(|g| text_width(&g.name))
        .chain(c.ecs_services.iter().map(|s| {
            if one {
                text_width(&s.name)
            } else {
                text_width(&s.cluster) + 1 + text_width(&s.name)
            }
        }))
        .max()
        .unwrap_or(0)
        .clamp(8, (w / 2).max(8))
}

/// A service's tasks as its load balancer sees them: its distinct targets in service, and of
/// those the ones healthy in every target group of the service (a task in two groups, frontend
/// and backend, is one target, and unhealthy if either group says so). `None` without a load
/// balancer or before the Targets pane's first read.
fn service_targets(d: &RegionData, svc: &crate::model::EcsService) -> Option<(usize, usize)> {
    if svc.target_groups.is_empty() {
        return None;
    }
    let lbs = d.targets.as_deref()?;
    let mut targets: Vec<(&str, bool)> = Vec::new();
    let mut any = false;
    for g in lbs
        .iter()
        .flat_map(|l| &l.target_groups)
        .filter(|g| svc.target_groups.contains(&g.arn))
    {
        any = true;
        for t in g.targets.iter().filter(|t| t.state.in_service()) {
            let healthy = t.state == crate::model::TargetState::Healthy;
            match targets.iter_mut().find(|(id, _)| *id == t.id) {
                Some(x) => x.1 &= healthy,
                None => targets.push((&t.id, healthy)),
            }
        }
    }
    any.then(|| (targets.iter().filter(|t| t.1).count(), targets.len()))
}

/// A task definition as `:7` when its family is long (the deployment rows name it in full).
fn short_revision(td: &str) -> String {
    match td.rsplit_once(':') {
        Some((family, rev)) if family.len() > 12 => format!(":{rev}"),
        _ => td.to_owned(),
    }
}
