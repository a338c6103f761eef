//! Primary and DR side by side (`v`): each region's target groups, capacity and alarms.

use super::panes::{alarm_style, group_age, health_age, lbs, ratio_style, service_age};
use super::widgets::{cell, progress, sparkline};
use super::{Ctx, severity_style};
use crate::app::Pane;
use crate::model::{AlarmState, Region, RegionInfo, Severity};
use crate::ui::paint;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Primary and DR side by side.
pub fn render(
    cx: &Ctx<'_>,
    (primary, dr): (Option<&RegionInfo>, Option<&RegionInfo>),
    area: Rect,
    buf: &mut Buffer,
) {
    let regions: Vec<&RegionInfo> = [primary, dr].into_iter().flatten().collect();
    if regions.len() < 2 {
        let b = cx.block(
            Line::from(Span::styled(" Regions ", cx.theme.title())),
            true,
        );
        let inner = b.inner(area);
        b.render(area, buf);
        paint::str(
            buf,
            inner.x + 1,
            inner.y,
            "This estate has one region; the side-by-side view needs a DR region.",
            cx.theme.muted(),
        );
        return;
    }
    let cols =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).split(area);
    for (r, col) in regions.iter().zip(cols.iter()) {
        let role = if r.role == crate::model::RegionRole::Primary {
            "primary"
        } else {
            "DR"
        };
        let (h, total) = cx.store.target_counts(&r.name);
        let title = Line::from(vec![
            Span::styled(format!(" {} ({role}) ", r.name), cx.theme.title()),
            Span::styled(
                format!("{h}/{total} healthy "),
                ratio_style(cx.theme, h, total),
            ),
        ]);
        let b = cx.block(title, false);
        let inner = b.inner(*col);
        b.render(*col, buf);
        let lines = region_lines(cx, &r.name);
        for (i, line) in lines.iter().enumerate().take(inner.height as usize) {
            paint::line(
                buf,
                inner.x + 1,
                inner.y + i as u16,
                line,
                inner.width.saturating_sub(1),
            );
        }
    }
}

fn region_lines(cx: &Ctx<'_>, region: &Region) -> Vec<Line<'static>> {
    let t = cx.theme;
    let g = cx.glyphs;
    let Some(d) = cx.store.region(region) else {
        return vec![Line::from(Span::styled("loading", t.muted()))];
    };
    let mut out = vec![Line::from(Span::styled("Target groups", t.title()))];
    for lb in lbs(d) {
        for tg in &lb.target_groups {
            out.push(Line::from(vec![
                Span::styled(cell(&tg.name, 24, g), t.text()),
                Span::styled(
                    format!(" {}/{} ", tg.healthy, tg.total),
                    ratio_style(t, tg.healthy, tg.total),
                ),
                Span::styled(
                    progress(tg.healthy as u32, tg.total as u32, 10, g),
                    ratio_style(t, tg.healthy, tg.total),
                ),
            ]));
            if tg.draining > 0 {
                out.last_mut()
                    .expect("pushed above")
                    .push_span(Span::styled(
                        format!(" {} draining", tg.draining),
                        t.muted(),
                    ));
            }
            if let Some(age) = health_age(cx, tg) {
                out.last_mut().expect("pushed above").push_span(age);
            }
        }
    }
    out.push(Line::default());
    out.push(Line::from(Span::styled(
        "Capacity (desired / in service)",
        t.title(),
    )));
    if let Some(c) = &d.capacity {
        for a in &c.auto_scaling_groups {
            out.push(Line::from(vec![
                Span::styled(cell(&a.name, 24, g), t.text()),
                Span::styled(
                    format!(" {} / {}", a.desired, a.in_service),
                    t.ok_or_warn(a.in_service == a.desired),
                ),
                Span::styled(format!("  min {} max {}", a.min, a.max), t.muted()),
            ]));
            if let Some(age) = group_age(cx, a) {
                out.last_mut().expect("pushed above").push_span(age);
            }
        }
        for s in &c.ecs_services {
            out.push(Line::from(vec![
                Span::styled(cell(&s.name, 24, g), t.text()),
                Span::styled(
                    format!(" {} / {}", s.desired, s.running),
                    t.ok_or_warn(s.running == s.desired),
                ),
                Span::styled(
                    format!(
                        "  {}",
                        s.deployments
                            .first()
                            .map_or("", |d| d.rollout_state.as_str())
                    ),
                    t.muted(),
                ),
            ]));
            if let Some(age) = service_age(cx, s) {
                out.last_mut().expect("pushed above").push_span(age);
            }
        }
    }
    out.push(Line::default());
    out.push(Line::from(Span::styled("Alarms", t.title())));
    for a in d.alarms.iter().flatten() {
        let values: Vec<f64> = cx.store.series_values(region, &a.name);
        let mut spans = vec![
            Span::styled(
                format!(
                    "{:<6}",
                    if a.state == AlarmState::Alarm {
                        "ALARM"
                    } else {
                        a.state.as_str()
                    }
                ),
                alarm_style(t, a.state),
            ),
            Span::styled(cell(&a.name, 26, g), t.text()),
            Span::raw(" "),
        ];
        spans.extend(sparkline(
            &values,
            12,
            a.threshold,
            |v| a.breaches(v),
            g,
            t.chart(),
            t.crit(),
        ));
        out.push(Line::from(spans));
    }
    out.push(Line::default());
    let errors: Vec<String> = [Pane::Targets, Pane::Capacity, Pane::Alarms]
        .into_iter()
        .filter_map(|p| d.error(p))
        .map(|e| e.code.clone())
        .collect();
    if !errors.is_empty() {
        out.push(Line::from(Span::styled(
            format!("stale: {}", errors.join(", ")),
            severity_style(t, Severity::Warn),
        )));
    }
    out
}
