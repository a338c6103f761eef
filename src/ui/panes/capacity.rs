//! Capacity: Auto Scaling groups (min/desired/max, lifecycle counts, the last activity) and ECS
//! services with their deployments (rollout state and a progress bar).

use super::{PaneDraw, rollout_style, take_width};
use crate::app::{App, RegionData, Row};
use crate::model::short_age;
use crate::ui::widgets::{Glyphs, cell, progress, trunc};
use ratatui::text::{Line, Span};

pub struct Capacity;

impl PaneDraw for Capacity {
    fn row(&self, app: &App, d: &RegionData, row: Row, w: usize, g: &Glyphs) -> Line<'static> {
        let t = app.theme();
        let age = |at: crate::model::Timestamp| short_age(app.now().secs_since(at));
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
                    Span::styled(cell(&asg.name, 24.min(w * 2 / 5), g), t.text()),
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
                Line::from(vec![
                    Span::styled("ECS ", t.muted()),
                    Span::styled(
                        cell(
                            &format!("{}/{}", svc.cluster, svc.name),
                            24.min(w * 2 / 5),
                            g,
                        ),
                        t.text(),
                    ),
                    Span::styled(
                        format!(
                            " want {} run {} pend {}",
                            svc.desired, svc.running, svc.pending
                        ),
                        t.ok_or_warn(ok),
                    ),
                    Span::styled(
                        format!("  {}", short_revision(&svc.task_definition)),
                        t.muted(),
                    ),
                ])
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
                let mut spans = vec![
                    Span::raw("    "),
                    Span::styled(format!("{:<7} ", dep.status), t.muted()),
                    Span::styled(
                        format!("{:<11} ", dep.rollout_state),
                        rollout_style(t, dep.rollout_state),
                    ),
                    Span::styled(bar, rollout_style(t, dep.rollout_state)),
                    Span::styled(format!(" {}/{} ", dep.running, dep.desired), t.text()),
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

    fn summary(&self, app: &App, d: &RegionData, spans: &mut Vec<Span<'static>>) {
        let t = app.theme();
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

/// A task definition as `:7` when its family is long (the deployment rows name it in full).
fn short_revision(td: &str) -> String {
    match td.rsplit_once(':') {
        Some((family, rev)) if family.len() > 12 => format!(":{rev}"),
        _ => td.to_owned(),
    }
}
