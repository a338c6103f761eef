//! The five panes, their one-line summaries for small terminals, and the primary/DR view.

use super::widgets::{Glyphs, cell, progress, sparkline, trunc};
use super::{block, glyphs, severity_style};
use crate::app::{App, Pane, RegionData, Row};
use crate::model::{AlarmState, LoadBalancer, Severity, TargetState, short_age};
use crate::model::{ExecStatus, RolloutState};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Whether the screen has room for all five panes in full.
pub fn is_full(area: Rect) -> bool {
    area.width >= 100 && area.height >= 28
}

/// Heights for panes stacked in `total` rows: every pane but the `elastic` one gets what its
/// rows need (plus borders), at least `min` and at most three fifths of the column; the elastic
/// one (the long list: targets, the timeline) gets the rest. No pane sits half empty while
/// another is cut short.
fn heights(total: u16, wants: &[u16], elastic: usize, min: u16) -> Vec<u16> {
    let n = wants.len() as u16;
    let cap = (total * 3 / 5).max(min);
    let mut h: Vec<u16> = wants.iter().map(|w| (*w).clamp(min, cap)).collect();
    let others: u16 = h
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != elastic)
        .map(|(_, v)| *v)
        .sum();
    if others + min > total {
        // Too short for that: equal shares.
        let each = total / n.max(1);
        h = vec![each; wants.len()];
        if let Some(last) = h.last_mut() {
            *last += total - each * n;
        }
        return h;
    }
    h[elastic] = total - others;
    h
}

/// The rows a pane would like: its rows and borders.
fn want(app: &App, p: Pane) -> u16 {
    let header = u16::from(matches!(p, Pane::Runs | Pane::Alarms | Pane::Timeline));
    (app.pane(p).rows.len() as u16)
        .saturating_add(2 + header)
        .max(3)
}

/// Stacks panes in `area` by [`heights`] and draws them.
fn render_column(app: &App, panes: &[Pane], elastic: usize, area: Rect, buf: &mut Buffer) {
    let wants: Vec<u16> = panes.iter().map(|p| want(app, *p)).collect();
    let hs = heights(area.height, &wants, elastic, 5);
    let mut y = area.y;
    for (p, h) in panes.iter().zip(hs) {
        let h = h.min(area.y + area.height - y);
        render_pane(app, *p, Rect::new(area.x, y, area.width, h), buf);
        y += h;
    }
}

pub fn render_main(app: &App, area: Rect, buf: &mut Buffer) {
    if is_full(area) {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(area);
        // Numbered in screen order: 1, 2 down the left; 3, 4, 5 down the right.
        render_column(app, &[Pane::Targets, Pane::Capacity], 0, left, buf);
        render_column(
            app,
            &[Pane::Runs, Pane::Alarms, Pane::Timeline],
            2,
            right,
            buf,
        );
    } else {
        // Small terminal: the focused pane grows, the others are one line each.
        let others: Vec<Pane> = Pane::ALL
            .iter()
            .copied()
            .filter(|p| *p != app.focus)
            .collect();
        let summary_h = others.len() as u16;
        let [big, small] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(summary_h)]).areas(area);
        render_pane(app, app.focus, big, buf);
        for (i, p) in others.iter().enumerate() {
            let y = small.y + i as u16;
            if y >= small.y + small.height {
                break;
            }
            let line = summary_line(app, *p);
            buf.set_line(small.x, y, &line, small.width);
        }
    }
}

/// `Targets · 5s` with staleness and filter marks.
fn pane_title(app: &App, p: Pane) -> Line<'static> {
    let theme = &app.theme;
    let mut spans = vec![
        Span::styled(format!(" {} {} ", p.index() + 1, p.title()), theme.title()),
        // The region in view, so a title never leaves it to the header.
        Span::styled(format!("{} ", app.region_name()), theme.muted()),
    ];
    if let Some(age) = app.age(p) {
        let refresh = app.refresh_secs[p.index()] as f64 * app.time_scale.max(1.0);
        let stale = age > refresh * 3.0 + 10.0;
        // Data younger than twice the refresh interval reads "<Ns" and does not change while the
        // pane keeps up, so an idle screen writes nothing; older data shows its age in 10 s steps.
        let fresh = (refresh * 2.0).max(10.0);
        let label = if age < fresh {
            format!("<{}", short_age(fresh))
        } else {
            short_age((age / 10.0).floor() * 10.0)
        };
        spans.push(Span::styled(
            if stale {
                format!("stale {label} ")
            } else {
                format!("{label} ")
            },
            if stale { theme.warn() } else { theme.muted() },
        ));
    } else if app.pane_error(p).is_none() {
        spans.push(Span::styled("loading ", theme.muted()));
    }
    if let Some(e) = app.pane_error(p) {
        spans.push(Span::styled(format!("{} ", e.code), theme.crit()));
    }
    let f = &app.pane(p).filter;
    if !f.is_empty() {
        spans.push(Span::styled(format!("/{f} "), theme.warn()));
    }
    for op in app
        .ops
        .iter()
        .filter(|o| o.pane == p && o.region == app.region_name())
    {
        let call = if op.call.is_empty() {
            "starting"
        } else {
            &op.call
        };
        spans.push(Span::styled(
            format!("{} {}: {call} ", glyphs(app).running, op.summary),
            theme.warn(),
        ));
    }
    Line::from(spans)
}

fn render_pane(app: &App, p: Pane, area: Rect, buf: &mut Buffer) {
    let focused = app.focus == p;
    let b = block(app, pane_title(app, p), focused);
    let inner = b.inner(area);
    b.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let ps = app.pane(p);
    let Some(d) = app.current() else {
        buf.set_string(
            inner.x,
            inner.y,
            "waiting for the first poll",
            app.theme.muted(),
        );
        return;
    };
    if ps.rows.is_empty() {
        let msg = if !ps.filter.is_empty() {
            format!("nothing matches /{}", ps.filter)
        } else if app.pane_error(p).is_some() {
            "no data yet: the last fetch failed (see the status line)".to_owned()
        } else if app.age(p).is_none() {
            "loading".to_owned()
        } else {
            format!("no {} in {}", empty_noun(p), app.region_name())
        };
        buf.set_string(
            inner.x + 1,
            inner.y,
            trunc(&msg, inner.width as usize - 1, glyphs(app)),
            app.theme.muted(),
        );
        return;
    }
    // Column headings where the rows are columns and there is room for them.
    let inner = match header_line(app, d, p, inner.width as usize) {
        Some(head) if inner.height >= 3 => {
            buf.set_line(inner.x, inner.y, &head, inner.width);
            Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1)
        }
        _ => inner,
    };
    let h = inner.height as usize;
    let offset = if ps.selected >= h {
        ps.selected + 1 - h
    } else {
        0
    };
    ps.shown.set((offset, h));
    let g = glyphs(app);
    let w = inner.width as usize;
    for (i, row) in ps.rows.iter().enumerate().skip(offset).take(h) {
        let y = inner.y + (i - offset) as u16;
        let mut line = row_line(app, d, *row, w, g);
        if focused && i == ps.selected {
            line = line.patch_style(app.theme.selection());
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), app.theme.selection());
        }
        buf.set_line(inner.x, y, &line, inner.width);
    }
    if ps.rows.len() > h {
        let pos = format!(" {}/{} ", ps.selected + 1, ps.rows.len());
        let x = area.x + area.width.saturating_sub(pos.len() as u16 + 1);
        buf.set_string(x, area.y + area.height - 1, pos, app.theme.muted());
    }
}

/// The Runs pane's name column: as wide as the longest name in view, up to half the pane.
fn runs_name_w(d: &RegionData, w: usize) -> usize {
    d.runs
        .as_ref()
        .and_then(|v| v.iter().map(|a| a.name.chars().count()).max())
        .unwrap_or(10)
        .min(w / 2)
}

/// The Alarms pane's name and sparkline columns.
fn alarm_widths(d: &RegionData, w: usize) -> (usize, usize) {
    let spark_w = if w >= 70 { 20 } else { 10 };
    let longest = d
        .alarms
        .as_ref()
        .and_then(|v| v.iter().map(|a| a.name.chars().count()).max())
        .unwrap_or(10);
    (longest.min(w.saturating_sub(spark_w + 22)).max(10), spark_w)
}

/// Column headings of the panes whose rows are columns (the tree panes label their values).
fn header_line(app: &App, d: &RegionData, p: Pane, w: usize) -> Option<Line<'static>> {
    let g = glyphs(app);
    let text = match p {
        Pane::Runs => format!(
            "{} {:<10} {}/{}   {:<8} document",
            cell("association", runs_name_w(d, w), g),
            "status",
            g.ok,
            g.fail,
            "started"
        ),
        Pane::Alarms => {
            let (name_w, spark_w) = alarm_widths(d, w);
            format!(
                "{:<6}{} {:>4} {} value",
                "state",
                cell("alarm", name_w, g),
                "for",
                cell("last hour", spark_w, g)
            )
        }
        Pane::Timeline => "time     what changed".to_owned(),
        Pane::Targets | Pane::Capacity => return None,
    };
    Some(Line::from(Span::styled(
        text,
        app.theme
            .muted()
            .add_modifier(ratatui::style::Modifier::UNDERLINED),
    )))
}

fn empty_noun(p: Pane) -> &'static str {
    match p {
        Pane::Targets => "load balancers",
        Pane::Capacity => "Auto Scaling groups or ECS services",
        Pane::Runs => "State Manager associations",
        Pane::Alarms => "alarms",
        Pane::Timeline => "changes yet",
    }
}

pub fn target_style(theme: &Theme, s: TargetState) -> Style {
    match s {
        TargetState::Healthy => theme.ok(),
        TargetState::Unhealthy | TargetState::Unavailable => theme.crit(),
        TargetState::Initial | TargetState::Draining => theme.warn(),
        TargetState::Unused => theme.muted(),
    }
}

pub fn ratio_style(theme: &Theme, healthy: usize, total: usize) -> Style {
    if total == 0 {
        theme.muted()
    } else if healthy == total {
        theme.ok()
    } else if healthy == 0 {
        theme.crit()
    } else {
        theme.warn()
    }
}

pub fn alarm_style(theme: &Theme, s: AlarmState) -> Style {
    match s {
        AlarmState::Alarm => theme.crit(),
        AlarmState::InsufficientData => theme.warn(),
        AlarmState::Ok => theme.ok(),
    }
}

/// The colour of an ECS rollout state.
fn rollout_style(theme: &Theme, s: RolloutState) -> Style {
    match s {
        RolloutState::Completed => theme.ok(),
        RolloutState::Failed => theme.crit(),
        RolloutState::InProgress => theme.warn(),
        RolloutState::Unknown => theme.text(),
    }
}

/// The colour of an SSM association or execution status.
pub fn exec_style(theme: &Theme, s: &ExecStatus) -> Style {
    match s {
        ExecStatus::Success => theme.ok(),
        ExecStatus::Failed => theme.crit(),
        ExecStatus::Pending | ExecStatus::InProgress => theme.warn(),
        _ => theme.text(),
    }
}

fn lbs(d: &RegionData) -> &[LoadBalancer] {
    d.targets.as_deref().unwrap_or_default()
}

/// How old a target group's health is, when it was read before the rest of the pane (a live
/// source reads the groups off screen in rotation): never shown as if read with it.
pub(super) fn health_age(app: &App, tg: &crate::model::TargetGroup) -> Option<Span<'static>> {
    tg.health_at.map(|at| {
        Span::styled(
            format!(" {} old", short_age(app.now.secs_since(at))),
            app.theme.muted(),
        )
    })
}

/// One row of a pane as a line of `w` cells at most.
fn row_line<'a>(app: &App, d: &RegionData, row: Row, w: usize, g: &Glyphs) -> Line<'a> {
    let t = &app.theme;
    let age = |at: crate::model::Timestamp| short_age(app.now.secs_since(at));
    match row {
        Row::Lb(l) => {
            let lb = &lbs(d)[l];
            Line::from(vec![
                Span::styled(lb.name.clone(), t.title()),
                Span::styled(
                    format!("  {} {} {}", lb.lb_type, lb.scheme, lb.state),
                    t.muted(),
                ),
            ])
        }
        Row::Tg(l, gi) => {
            let tg = &lbs(d)[l].target_groups[gi];
            let bar = progress(tg.healthy as u32, tg.total as u32, 8, g);
            // The name column is as wide as the longest name in view, health before protocol.
            let name_w = lbs(d)
                .iter()
                .flat_map(|l| &l.target_groups)
                .map(|g| g.name.chars().count())
                .max()
                .unwrap_or(0)
                .min(w / 2);
            let mut spans = vec![
                Span::raw("  "),
                Span::styled(cell(&tg.name, name_w, g), t.text()),
                Span::styled(
                    format!(" {}/{} healthy ", tg.healthy, tg.total),
                    ratio_style(t, tg.healthy, tg.total),
                ),
                Span::styled(bar, ratio_style(t, tg.healthy, tg.total)),
            ];
            // Its age before the protocol: a narrow pane cuts the protocol, not the age.
            spans.extend(health_age(app, tg));
            spans.push(Span::styled(
                format!(" {}:{}", tg.protocol, tg.port),
                t.muted(),
            ));
            Line::from(spans)
        }
        Row::Target(l, gi, ti) => {
            let x = &lbs(d)[l].target_groups[gi].targets[ti];
            // State and reason before where the target is; AWS's `Target.` prefix dropped.
            let reason = x
                .reason
                .as_deref()
                .map(|r| format!(" {}", short_reason(r)))
                .unwrap_or_default();
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
        Row::Association(a) => {
            let Some(x) = d.runs.as_ref().and_then(|v| v.get(a)) else {
                return Line::default();
            };
            let name_w = runs_name_w(d, w);
            let mut spans = vec![
                Span::styled(cell(&x.name, name_w, g), t.text()),
                Span::styled(format!(" {:<10}", x.status), exec_style(t, &x.status)),
            ];
            if let Some(e) = &x.last_execution {
                spans.push(Span::styled(format!(" {}{} ", e.success, g.ok), t.ok()));
                spans.push(Span::styled(
                    format!("{}{} ", e.failed, g.fail),
                    if e.failed > 0 { t.crit() } else { t.muted() },
                ));
                if e.pending > 0 {
                    spans.push(Span::styled(format!("{} running ", e.pending), t.warn()));
                }
                spans.push(Span::styled(
                    format!("{} ago ", age(e.created_at)),
                    t.muted(),
                ));
            } else {
                spans.push(Span::styled(" never run ", t.muted()));
            }
            spans.push(Span::styled(
                format!(" {} {}", x.document, x.targets),
                t.muted(),
            ));
            Line::from(spans)
        }
        Row::Alarm(a) => {
            let Some(x) = d.alarms.as_ref().and_then(|v| v.get(a)) else {
                return Line::default();
            };
            let values: Vec<f64> = app.store().series_values(app.region_name(), &x.name);
            let state = match x.state {
                AlarmState::Alarm => "ALARM",
                AlarmState::InsufficientData => "INSUF",
                AlarmState::Ok => "OK",
            };
            let (name_w, spark_w) = alarm_widths(d, w);
            let mut spans = vec![
                Span::styled(format!("{state:<6}"), alarm_style(t, x.state)),
                Span::styled(cell(&x.name, name_w, g), t.text()),
                Span::styled(format!(" {:>4} ", age(x.updated_at)), t.muted()),
            ];
            spans.extend(sparkline(
                &values,
                spark_w,
                x.threshold,
                |v| x.breaches(v),
                g,
                t.chart(),
                t.crit(),
            ));
            let last = values.last().copied().unwrap_or(f64::NAN);
            // The value and the state agree: a breaching value under a state that is not ALARM
            // says how many of the periods the alarm evaluates breach (it fires at all of them).
            let periods = (x.evaluation_periods.max(1)) as usize;
            let breaching = values
                .iter()
                .rev()
                .take(periods)
                .filter(|v| x.breaches(**v))
                .count();
            let pending = if x.breaches(last) && x.state != AlarmState::Alarm {
                format!(" {breaching}/{periods}")
            } else {
                String::new()
            };
            spans.push(Span::styled(
                format!(
                    " {} {}{}{pending}",
                    fmt_num(last),
                    x.comparison_symbol(),
                    fmt_num(x.threshold)
                ),
                match (x.breaches(last), x.state) {
                    (true, AlarmState::Alarm) => t.crit(),
                    (true, _) => t.warn(),
                    _ => t.muted(),
                },
            ));
            if w > name_w + spark_w + 40 {
                spans.push(Span::styled(format!("  {}", x.reason), t.muted()));
            }
            Line::from(spans)
        }
        Row::Event(i) => {
            let Some(e) = app.store().timeline().get(i) else {
                return Line::default();
            };
            // What changed first; the kind and the region, when there is room, last.
            let head = format!("{} ", e.at.hms());
            let what = short_event(&e.resource, &e.message);
            let tail = if app.info.regions.len() > 1 {
                format!(" {} {}", e.kind.label(), e.region)
            } else {
                format!(" {}", e.kind.label())
            };
            let room = w.saturating_sub(head.chars().count());
            let fits = what.chars().count() + tail.chars().count() <= room;
            let what_w = if fits {
                room - tail.chars().count()
            } else {
                room
            };
            let mut spans = vec![
                Span::styled(head, t.muted()),
                Span::styled(cell(&what, what_w, g), severity_style(t, e.severity)),
            ];
            if fits {
                spans.push(Span::styled(tail, t.muted()));
            }
            Line::from(spans)
        }
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

/// A task definition as `:7` when its family is long (the deployment rows name it in full).
fn short_revision(td: &str) -> String {
    match td.rsplit_once(':') {
        Some((family, rev)) if family.len() > 12 => format!(":{rev}"),
        _ => td.to_owned(),
    }
}

/// Timeline text with the known long words shortened: `fa-092-app-association: execution …`
/// reads `fa-092-app: run …`.
fn short_event(resource: &str, message: &str) -> String {
    let message = message
        .strip_prefix(&format!("(service {resource}) "))
        .unwrap_or(message);
    let resource = resource.strip_suffix("-association").unwrap_or(resource);
    let message = message
        .strip_prefix("execution ")
        .map_or_else(|| message.to_owned(), |rest| format!("run {rest}"));
    format!("{resource}: {message}")
}

/// A number with no needless decimals.
pub fn fmt_num(v: f64) -> String {
    if v.is_nan() {
        "-".to_owned()
    } else if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The one-line summary of a pane (small terminals).
fn summary_line(app: &App, p: Pane) -> Line<'static> {
    let t = &app.theme;
    let head = Span::styled(format!(" {} {:<9}", p.index() + 1, p.title()), t.title());
    let Some(d) = app.current() else {
        return Line::from(vec![head, Span::styled(" loading", t.muted())]);
    };
    let mut spans = vec![head];
    if let Some(e) = app.pane_error(p) {
        spans.push(Span::styled(format!(" {} ", e.code), t.crit()));
    }
    if d.fetched(p).at.is_none() {
        // Never summarise data we do not have as if it were empty.
        spans.push(Span::styled(" no data yet", t.muted()));
        return Line::from(spans);
    }
    match p {
        Pane::Targets => {
            let groups = lbs(d).iter().flat_map(|l| &l.target_groups);
            spans.extend(take_width(
                groups.flat_map(|g| {
                    let counts = Span::styled(
                        format!(" {} {}/{}", g.name, g.healthy, g.total),
                        ratio_style(t, g.healthy, g.total),
                    );
                    std::iter::once(counts).chain(health_age(app, g))
                }),
                250,
            ));
        }
        Pane::Capacity => {
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
        Pane::Runs => {
            let v = d.runs.as_deref().unwrap_or_default();
            let failed = v.iter().filter(|a| a.status == ExecStatus::Failed).count();
            let pending = v.iter().filter(|a| a.status == ExecStatus::Pending).count();
            spans.push(Span::styled(format!(" {} associations", v.len()), t.text()));
            spans.push(Span::styled(
                format!(" {failed} failed"),
                if failed > 0 { t.crit() } else { t.muted() },
            ));
            if pending > 0 {
                spans.push(Span::styled(format!(" {pending} running"), t.warn()));
            }
        }
        Pane::Alarms => {
            let v = d.alarms.as_deref().unwrap_or_default();
            let firing: Vec<&str> = v
                .iter()
                .filter(|a| a.state == AlarmState::Alarm)
                .map(|a| a.name.as_str())
                .collect();
            if firing.is_empty() {
                spans.push(Span::styled(
                    format!(" {} alarms, none firing", v.len()),
                    t.ok(),
                ));
            } else {
                spans.push(Span::styled(
                    format!(" {} ALARM: {}", firing.len(), firing.join(", ")),
                    t.crit(),
                ));
            }
        }
        Pane::Timeline => {
            if let Some(e) = app.store().timeline().front() {
                spans.push(Span::styled(
                    format!(" {} {}", e.at.hms(), short_event(&e.resource, &e.message)),
                    severity_style(t, e.severity),
                ));
            }
        }
    }
    Line::from(spans)
}

/// Spans until about `width` cells are filled: summaries of large estates stay cheap.
fn take_width(spans: impl Iterator<Item = Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let mut used = 0;
    spans
        .take_while(|s| {
            let go = used < width;
            used += s.width();
            go
        })
        .collect()
}

/// Primary and DR side by side.
pub fn render_regions(app: &App, area: Rect, buf: &mut Buffer) {
    let (primary, dr) = app.region_pair();
    let regions: Vec<&crate::model::RegionInfo> = [primary, dr].into_iter().flatten().collect();
    if regions.len() < 2 {
        let b = block(
            app,
            Line::from(Span::styled(" Regions ", app.theme.title())),
            true,
        );
        let inner = b.inner(area);
        b.render(area, buf);
        buf.set_string(
            inner.x + 1,
            inner.y,
            "This estate has one region; the side-by-side view needs a DR region.",
            app.theme.muted(),
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
        let (h, total) = app.target_counts(&r.name);
        let title = Line::from(vec![
            Span::styled(format!(" {} ({role}) ", r.name), app.theme.title()),
            Span::styled(
                format!("{h}/{total} healthy "),
                ratio_style(&app.theme, h, total),
            ),
        ]);
        let b = block(app, title, false);
        let inner = b.inner(*col);
        b.render(*col, buf);
        let lines = region_lines(app, &r.name);
        for (i, line) in lines.iter().enumerate().take(inner.height as usize) {
            buf.set_line(
                inner.x + 1,
                inner.y + i as u16,
                line,
                inner.width.saturating_sub(1),
            );
        }
    }
}

fn region_lines(app: &App, region: &str) -> Vec<Line<'static>> {
    let t = &app.theme;
    let g = glyphs(app);
    let Some(d) = app.store().region(region) else {
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
            if let Some(age) = health_age(app, tg) {
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
        }
    }
    out.push(Line::default());
    out.push(Line::from(Span::styled("Alarms", t.title())));
    for a in d.alarms.iter().flatten() {
        let values: Vec<f64> = app.store().series_values(region, &a.name);
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
