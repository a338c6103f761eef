//! Targets: load balancer, target group (healthy/total, a bar, the age of carried-over
//! health) and targets (state and reason first).

use super::{Columns, Ctx, PaneDraw, health_age, lbs, ratio_style, take_width, target_style};
use crate::app::{RegionData, Row};
use crate::ui::widgets::{cell, progress};
use ratatui::text::{Line, Span};

pub struct Targets;

impl PaneDraw for Targets {
    /// The target groups' name column: as wide as the longest name in view, at most half the
    /// pane, health before protocol.
    fn columns(&self, d: &RegionData, w: usize) -> Columns {
        Columns {
            name: lbs(d)
                .iter()
                .flat_map(|l| &l.target_groups)
                .map(|g| g.name.chars().count())
                .max()
                .unwrap_or(0)
                .min(w / 2),
            ..Columns::default()
        }
    }

    fn row(&self, cx: &Ctx<'_>, d: &RegionData, cols: Columns, row: Row) -> Line<'static> {
        let g = cx.glyphs;
        let t = cx.theme;
        match row {
            Row::Lb(l) => {
                let lb = &lbs(d)[l];
                // A shift in effect first: it is why a zone takes no traffic.
                let mut spans = vec![Span::styled(lb.name.clone(), t.title())];
                for s in lb.zonal_shifts.iter().filter(|s| s.applied()) {
                    let soon = s
                        .left_secs(cx.now)
                        .is_some_and(|left| left < crate::ops::zonal::EXPIRY_WARN_SECS);
                    // The AZ ID only: the zone's name is on its targets' rows.
                    spans.push(Span::styled(
                        format!("  {}", s.describe(&[], cx.now)),
                        if soon { t.crit() } else { t.warn() },
                    ));
                }
                spans.push(Span::styled(
                    format!("  {} {} {}", lb.lb_type, lb.scheme, lb.state),
                    t.muted(),
                ));
                Line::from(spans)
            }
            Row::Tg(l, gi) => {
                let tg = &lbs(d)[l].target_groups[gi];
                let bar = progress(tg.healthy as u32, tg.total as u32, 8, g);
                let mut spans = vec![
                    Span::raw("  "),
                    Span::styled(cell(&tg.name, cols.name, g), t.text()),
                    Span::styled(
                        format!(" {}/{} healthy ", tg.healthy, tg.total),
                        ratio_style(t, tg.healthy, tg.total),
                    ),
                    Span::styled(bar, ratio_style(t, tg.healthy, tg.total)),
                ];
                // Draining targets are apart from the count: leaving, not serving.
                if tg.draining > 0 {
                    spans.push(Span::styled(
                        format!(" {} draining", tg.draining),
                        t.muted(),
                    ));
                }
                // Its age before the protocol: a narrow pane cuts the protocol, not the age.
                spans.extend(health_age(cx, tg));
                spans.push(Span::styled(
                    format!(" {}:{}", tg.protocol, tg.port),
                    t.muted(),
                ));
                Line::from(spans)
            }
            Row::Target(l, gi, ti) => {
                let x = &lbs(d)[l].target_groups[gi].targets[ti];
                // State and reason before where the target is; AWS's `Target.` prefix dropped.
                // Its zone shifted away from: healthy or not, it takes no traffic (said first).
                let shifted = if x.admin_override.as_deref() == Some("zonal_shift_active") {
                    " shifted"
                } else {
                    ""
                };
                let reason = x.reason.as_deref().map_or_else(
                    || shifted.to_owned(),
                    |r| format!("{shifted} {}", short_reason(r)),
                );
                Line::from(vec![
                    Span::raw("    "),
                    Span::styled(cell(&x.id, 19, g), t.text()),
                    Span::styled(
                        format!(" {:<9}", x.state.as_str()),
                        target_style(t, x.state),
                    ),
                    Span::styled(format!(" {:<5} {:<10}", x.port, x.az), t.muted()),
                    Span::styled(reason, target_style(t, x.state)),
                ])
            }
            _ => Line::default(),
        }
    }

    fn summary(&self, cx: &Ctx<'_>, d: &RegionData, spans: &mut Vec<Span<'static>>) {
        let t = cx.theme;
        let groups = lbs(d).iter().flat_map(|l| &l.target_groups);
        spans.extend(take_width(
            groups.flat_map(|g| {
                let counts = Span::styled(
                    format!(" {} {}/{}", g.name, g.healthy, g.total),
                    ratio_style(t, g.healthy, g.total),
                );
                std::iter::once(counts).chain(health_age(cx, g))
            }),
            250,
        ));
    }
}

/// A target health reason code in a few words (the detail view shows the code and AWS's text).
fn short_reason(code: &str) -> &str {
    match code {
        "Target.DeregistrationInProgress" => "deregistering",
        "Elb.RegistrationInProgress" => "registering",
        "Elb.InitialHealthChecking" => "first checks",
        "Target.FailedHealthChecks" => "failed checks",
        "Target.ResponseCodeMismatch" => "bad status code",
        "Target.Timeout" => "check timed out",
        "Target.NotRegistered" => "not registered",
        "Target.NotInUse" => "not in use",
        "Target.InvalidState" => "stopped or invalid",
        "Target.IpUnusable" => "IP unusable",
        "Elb.InternalError" => "ELB internal error",
        other => other.strip_prefix("Target.").unwrap_or(other),
    }
}
