//! Detail views on Enter: a target group with its health-check settings and targets, an Auto
//! Scaling group, an ECS service with deployments and events, an association execution with
//! per-instance results, an alarm with a large chart, a timeline event.

use super::panes::{alarm_style, fmt_num, ratio_style, target_style};
use super::widgets::{cell, chart, progress};
use super::{Ctx, severity_style};
use crate::app::{DetailRef, Drawn};
use crate::model::{RolloutState, short_age};
use crate::ui::paint;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

fn kv<'a>(cx: &Ctx<'_>, k: &str, v: String) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{k:<28}"), cx.theme.muted()),
        Span::styled(v, cx.theme.text()),
    ])
}

fn heading<'a>(cx: &Ctx<'_>, s: &str) -> Line<'a> {
    Line::from(Span::styled(s.to_owned(), cx.theme.title()))
}

pub fn render(
    cx: &Ctx<'_>,
    d: &DetailRef,
    scroll: usize,
    area: Rect,
    buf: &mut Buffer,
    drawn: &mut Drawn,
) {
    let t = cx.theme;
    let g = cx.glyphs;
    let mut lines: Vec<Line> = Vec::new();
    let mut chart_alarm = None;
    let title = match d {
        DetailRef::TargetGroup { lb, tg } => target_group(cx, lb, tg, &mut lines),
        DetailRef::Asg(name) => asg(cx, name, &mut lines),
        DetailRef::Service { cluster, name } => service(cx, cluster, name, &mut lines),
        DetailRef::Association(id) => association(cx, id, &mut lines),
        DetailRef::Alarm(name) => alarm(cx, name, &mut lines, &mut chart_alarm),
        DetailRef::Event(seq) => event(cx, *seq, &mut lines),
    };
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "no longer present in the latest data (Esc goes back)",
            t.warn(),
        )));
    }
    let b = cx.block(Line::from(Span::styled(title, t.title())), true);
    let inner = b.inner(area);
    b.render(area, buf);
    let (text_area, chart_area) = match &chart_alarm {
        Some(_) if inner.height >= 14 => {
            let [a, c] = Layout::vertical([
                Constraint::Length(lines.len() as u16 + 1),
                Constraint::Min(6),
            ])
            .areas(inner);
            (a, Some(c))
        }
        _ => (inner, None),
    };
    // Wrapped rows, so the view never scrolls into blank space.
    let w = text_area.width.max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(w)).sum();
    let max = rows.saturating_sub(text_area.height as usize);
    drawn.detail_max = Some(max);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll.min(max).min(u16::MAX as usize) as u16, 0))
        .render(text_area, buf);
    if let (Some(a), Some(c)) = (chart_alarm, chart_area) {
        let values: Vec<f64> = cx.store.series_values(cx.region, &a.name);
        let label = format!(
            "{} over the last {} minutes, threshold {} {}",
            a.metric,
            values.len(),
            a.comparison_symbol(),
            fmt_num(a.threshold)
        );
        paint::str(buf, c.x, c.y, label, t.muted());
        let plot = Rect::new(c.x, c.y + 1, c.width, c.height.saturating_sub(1));
        chart(plot, buf, &values, a.threshold, |v| a.breaches(v), t, g);
    }
}

/// A target group: its load balancer, health check and targets. The view's title.
fn target_group<'a>(cx: &Ctx<'a>, lb: &str, tg: &str, lines: &mut Vec<Line<'a>>) -> String {
    let t = cx.theme;
    let g = cx.glyphs;
    let data = cx.data;
    let found = data.and_then(|d| d.targets.as_ref()).and_then(|lbs| {
        let l = lbs.iter().find(|l| l.name == lb)?;
        Some((l, l.target_groups.iter().find(|x| x.name == tg)?))
    });
    if let Some((l, x)) = found {
        let hc = &x.health_check;
        lines.push(kv(
            cx,
            "load balancer",
            format!("{} ({} {})", l.name, l.lb_type, l.scheme),
        ));
        lines.push(kv(cx, "DNS name", l.dns_name.clone()));
        lines.push(kv(cx, "target group ARN", x.arn.clone()));
        lines.push(kv(
            cx,
            "protocol / port",
            format!("{}:{} ({} targets)", x.protocol, x.port, x.target_type),
        ));
        let mut healthy = Line::from(vec![
            Span::styled(format!("{:<28}", "healthy"), t.muted()),
            Span::styled(
                x.health_text()
                    .trim_end_matches(" healthy")
                    .replace(" healthy,", ","),
                ratio_style(t, x.healthy, x.total),
            ),
        ]);
        if let Some(age) = super::panes::health_age(cx, x) {
            healthy.push_span(age);
        }
        lines.push(healthy);
        for (label, series, bad) in [
            ("healthy hosts, 1 h", &x.healthy_series, false),
            ("unhealthy hosts, 1 h", &x.unhealthy_series, true),
        ] {
            let values: Vec<f64> = series.iter().map(|p| p.value).collect();
            let mut spans = vec![Span::styled(format!("{label:<28}"), t.muted())];
            if values.is_empty() {
                spans.push(Span::styled("no data yet", t.muted()));
            } else {
                spans.extend(super::widgets::sparkline(
                    &values,
                    40,
                    0.0,
                    |v| bad && v > 0.0,
                    g,
                    t.ok(),
                    t.crit(),
                ));
                let last = values.last().copied().unwrap_or(0.0);
                spans.push(Span::styled(format!(" {last}"), t.text()));
            }
            lines.push(Line::from(spans));
        }
        lines.push(Line::default());
        lines.push(heading(cx, "Health check"));
        lines.push(kv(
            cx,
            "protocol / port",
            format!("{} {}", hc.protocol, hc.port),
        ));
        if let Some(p) = &hc.path {
            lines.push(kv(cx, "path", p.clone()));
        }
        if let Some(m) = &hc.matcher {
            lines.push(kv(cx, "success codes", m.clone()));
        }
        lines.push(kv(
            cx,
            "interval / timeout",
            format!("{} s / {} s", hc.interval_secs, hc.timeout_secs),
        ));
        lines.push(kv(
            cx,
            "thresholds",
            format!(
                "healthy after {} passes ({} s), unhealthy after {} failures ({} s)",
                hc.healthy_threshold,
                hc.healthy_threshold * hc.interval_secs,
                hc.unhealthy_threshold,
                hc.unhealthy_threshold * hc.interval_secs
            ),
        ));
        lines.push(Line::default());
        lines.push(heading(cx, "Targets"));
        for tg in &x.targets {
            lines.push(Line::from(vec![
                Span::styled(cell(&tg.id, 21, g), t.text()),
                Span::styled(format!(" {:<6}{:<12}", tg.port, tg.az), t.muted()),
                Span::styled(
                    format!("{:<10}", tg.state.as_str()),
                    target_style(t, tg.state),
                ),
                Span::styled(
                    format!(
                        "{} {}",
                        tg.reason.as_deref().unwrap_or(""),
                        tg.description.as_deref().unwrap_or("")
                    ),
                    t.muted(),
                ),
            ]));
        }
    }
    format!(" Target group {tg} ")
}

/// An Auto Scaling group: its counts, instances and activities. The view's title.
fn asg<'a>(cx: &Ctx<'a>, name: &str, lines: &mut Vec<Line<'a>>) -> String {
    let t = cx.theme;
    let g = cx.glyphs;
    let age = |at: crate::model::Timestamp| format!("{} ago", short_age(cx.now.secs_since(at)));
    let data = cx.data;
    let found = data
        .and_then(|d| d.capacity.as_ref())
        .and_then(|c| c.auto_scaling_groups.iter().find(|a| a.name == name));
    if let Some(a) = found {
        let mut counts = kv(
            cx,
            "min / desired / max",
            format!("{} / {} / {}", a.min, a.desired, a.max),
        );
        counts.spans.extend(super::panes::group_age(cx, a));
        lines.push(counts);
        lines.push(kv(
            cx,
            "lifecycle",
            format!(
                "InService {}  Pending {}  Terminating {}  Standby {}",
                a.in_service, a.pending, a.terminating, a.standby
            ),
        ));
        for arn in &a.target_group_arns {
            lines.push(kv(cx, "target group", arn.clone()));
        }
        lines.push(Line::default());
        lines.push(heading(cx, "Instances"));
        for i in &a.instances {
            let st = t.ok_or_warn(
                i.lifecycle == crate::model::Lifecycle::InService
                    && i.health == crate::model::InstanceHealth::Healthy,
            );
            lines.push(Line::from(vec![
                Span::styled(cell(&i.id, 21, g), t.text()),
                Span::styled(format!(" {:<12}", i.az), t.muted()),
                Span::styled(format!("{:<12}{}", i.lifecycle, i.health), st),
            ]));
        }
        lines.push(Line::default());
        lines.push(heading(cx, "Scaling activities (newest first)"));
        for act in &a.activities {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{} {:<8} ", act.at.hms_or_date(cx.now), age(act.at)),
                    t.muted(),
                ),
                Span::styled(act.description.clone(), t.text()),
            ]));
            lines.push(Line::from(Span::styled(
                format!("    {}", act.cause),
                t.muted(),
            )));
        }
    }
    format!(" Auto Scaling group {name} ")
}

/// An ECS service: its counts, deployments and events. The view's title.
fn service<'a>(cx: &Ctx<'a>, cluster: &str, name: &str, lines: &mut Vec<Line<'a>>) -> String {
    let t = cx.theme;
    let g = cx.glyphs;
    let age = |at: crate::model::Timestamp| format!("{} ago", short_age(cx.now.secs_since(at)));
    let data = cx.data;
    let found = data.and_then(|d| d.capacity.as_ref()).and_then(|c| {
        c.ecs_services
            .iter()
            .find(|s| s.cluster == cluster && s.name == name)
    });
    if let Some(s) = found {
        let mut counts = kv(
            cx,
            "desired / running / pending",
            format!("{} / {} / {}", s.desired, s.running, s.pending),
        );
        counts.spans.extend(super::panes::service_age(cx, s));
        lines.push(counts);
        lines.push(kv(cx, "task definition", s.task_definition.clone()));
        lines.push(kv(
            cx,
            "deployment limits",
            format!(
                "minimum healthy {} %, maximum {} %",
                s.min_healthy_percent, s.max_percent
            ),
        ));
        if let Some(cp) = &s.capacity_provider {
            lines.push(kv(cx, "capacity provider", cp.clone()));
        }
        lines.push(Line::default());
        lines.push(heading(cx, "Deployments"));
        for dep in &s.deployments {
            lines.push(Line::from(vec![
                Span::styled(format!("{:<8}", dep.status), t.title()),
                Span::styled(
                    format!("{:<12}", dep.rollout_state),
                    t.ok_or_warn(dep.rollout_state == RolloutState::Completed),
                ),
                Span::styled(progress(dep.running, dep.desired, 10, g), t.text()),
                Span::styled(
                    format!(
                        " running {}/{} pending {} ",
                        dep.running, dep.desired, dep.pending
                    ),
                    t.text(),
                ),
                Span::styled(
                    format!("failed {}", dep.failed),
                    if dep.failed > 0 { t.crit() } else { t.muted() },
                ),
            ]));
            // The image when the source knows it (live AWS names it in the task
            // definition only: `zephyr-api:1 ()` said nothing).
            let image = if dep.image.is_empty() {
                String::new()
            } else {
                format!(" ({})", dep.image)
            };
            lines.push(Line::from(Span::styled(
                format!(
                    "        {} {}{image}, started {}",
                    dep.id,
                    dep.task_definition,
                    age(dep.created_at)
                ),
                t.muted(),
            )));
        }
        lines.push(Line::default());
        lines.push(heading(cx, "Service events (newest first)"));
        for e in s.events.iter() {
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", e.at.hms()), t.muted()),
                Span::styled(e.message.clone(), t.text()),
            ]));
        }
    }
    format!(" ECS service {cluster}/{name} ")
}

/// A State Manager association: its document, targets and last run. The view's title.
fn association<'a>(cx: &Ctx<'a>, id: &str, lines: &mut Vec<Line<'a>>) -> String {
    let t = cx.theme;
    let g = cx.glyphs;
    let age = |at: crate::model::Timestamp| format!("{} ago", short_age(cx.now.secs_since(at)));
    let data = cx.data;
    let found = data
        .and_then(|d| d.runs.as_ref())
        .and_then(|v| v.iter().find(|a| a.id == id));
    let mut name = id.to_owned();
    if let Some(a) = found {
        name.clone_from(&a.name);
        lines.push(kv(cx, "association id", a.id.clone()));
        lines.push(kv(cx, "document", a.document.clone()));
        lines.push(kv(cx, "targets", a.targets.clone()));
        if let Some(s) = &a.schedule {
            lines.push(kv(cx, "schedule", s.clone()));
        }
        match &a.last_execution {
            Some(e) => {
                lines.push(kv(
                    cx,
                    "last execution",
                    format!("{} {} ({})", e.id, e.status, age(e.created_at)),
                ));
                lines.push(kv(
                    cx,
                    "results",
                    format!(
                        "{} success, {} failed, {} pending",
                        e.success, e.failed, e.pending
                    ),
                ));
                lines.push(Line::default());
                lines.push(heading(cx, "Per instance"));
                for r in &e.targets {
                    let st = match r.status {
                        crate::model::ExecStatus::Success => t.ok(),
                        crate::model::ExecStatus::Failed => t.crit(),
                        _ => t.warn(),
                    };
                    lines.push(Line::from(vec![
                        Span::styled(cell(&r.instance_id, 21, g), t.text()),
                        Span::styled(format!(" {:<11}", r.status), st),
                        Span::styled(format!("{} {}", r.at.hms(), r.detail), t.muted()),
                    ]));
                }
            }
            None => lines.push(kv(cx, "last execution", "never run".into())),
        }
    }
    format!(" Association {name} ")
}

/// An alarm: its state since when, what it measures and watches. The view's title.
fn alarm<'a>(
    cx: &Ctx<'a>,
    name: &str,
    lines: &mut Vec<Line<'a>>,
    chart_alarm: &mut Option<crate::model::Alarm>,
) -> String {
    let t = cx.theme;
    let age = |at: crate::model::Timestamp| format!("{} ago", short_age(cx.now.secs_since(at)));
    let data = cx.data;
    let found = data
        .and_then(|d| d.alarms.as_ref())
        .and_then(|v| v.iter().find(|a| a.name == name));
    if let Some(a) = found {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<28}", "state"), t.muted()),
            Span::styled(a.state.as_str(), alarm_style(t, a.state)),
            Span::styled(
                format!(
                    " since {} UTC ({})",
                    a.updated_at.hms_or_date(cx.now),
                    age(a.updated_at)
                ),
                t.muted(),
            ),
        ]));
        lines.push(kv(
            cx,
            "metric",
            format!(
                "{} {} ({}, {} s)",
                a.namespace, a.metric, a.statistic, a.period_secs
            ),
        ));
        lines.push(kv(
            cx,
            "condition",
            format!(
                "{} {} {} for {} period(s)",
                a.statistic,
                a.comparison_symbol(),
                fmt_num(a.threshold),
                a.evaluation_periods
            ),
        ));
        if !a.dimensions.is_empty() {
            lines.push(kv(cx, "dimensions", a.dimensions.join(", ")));
        }
        // What its dimensions name, as the console read it, and the key to go there.
        let watched = cx.data.map(|d| d.watched_by(a)).unwrap_or_default();
        let key = cx.keys.key_label(crate::action::Action::Watched);
        lines.push(kv(
            cx,
            "watches",
            if watched.is_empty() {
                "nothing the console reads".to_owned()
            } else {
                format!(
                    "{} ({key} opens it, Esc comes back)",
                    watched
                        .iter()
                        .map(crate::app::Watched::label)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        ));
        let reason = if a.state_from_history {
            "in the alarm history; its reason and datapoints are being read".to_owned()
        } else {
            a.reason.clone()
        };
        lines.push(kv(cx, "reason", reason));
        *chart_alarm = Some(a.clone());
    }
    format!(" Alarm {name} ")
}

/// A timeline event. The view's title.
fn event<'a>(cx: &Ctx<'a>, seq: u64, lines: &mut Vec<Line<'a>>) -> String {
    let t = cx.theme;
    let age = |at: crate::model::Timestamp| format!("{} ago", short_age(cx.now.secs_since(at)));
    if let Some(e) = cx.store.timeline().iter().find(|e| e.seq == seq) {
        lines.push(kv(
            cx,
            "time",
            format!("{} ({})", e.at.rfc3339(), age(e.at)),
        ));
        lines.push(kv(cx, "region", e.region.to_string()));
        lines.push(kv(cx, "kind", e.kind.label().to_owned()));
        lines.push(kv(cx, "resource", e.resource.clone()));
        lines.push(Line::from(vec![
            Span::styled(format!("{:<28}", "message"), t.muted()),
            Span::styled(e.message.clone(), severity_style(t, e.severity)),
        ]));
    }
    " Event ".to_owned()
}
