//! The failover drill view: preflight, the plan with its exact calls and each step's progress,
//! the result; the primary and DR regions side by side below.

use super::Ctx;
use super::widgets::trunc;
use crate::app::PlanRead;
use crate::model::RegionInfo;
use crate::model::region_switch::RegionSwitch;
use crate::model::{Timestamp, short_age};
use crate::ops::drill::{DrillSpec, DrillState, Phase, Preflight, StepKind};
use crate::ui::paint;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use std::fmt::Write as _;

/// What the failover view shows, gathered from the app once a frame: the app's failover section,
/// the drill and its preflight, the app's Region switch plan as last read, and what the keys may
/// do here.
pub struct Failover<'a> {
    pub spec: Option<&'a DrillSpec>,
    pub drill: Option<&'a DrillState>,
    pub preflight: Option<Preflight>,
    pub plan: Option<&'a PlanRead>,
    pub read_only: bool,
    /// Why this console cannot act on the drill, if so (driven elsewhere).
    pub not_here: Option<String>,
    /// Whether more than one app has a failover section (Tab goes to the next).
    pub several_apps: bool,
    /// Where the operator scrolled to, if they did.
    pub scroll: Option<usize>,
    /// The primary and DR regions, for the side-by-side view below.
    pub regions: (Option<&'a RegionInfo>, Option<&'a RegionInfo>),
}

impl Failover<'_> {
    /// The plan the view shows, if one was read.
    pub fn shown_plan(&self) -> Option<&RegionSwitch> {
        self.plan?.plan.as_ref()
    }
}

pub fn render(
    cx: &Ctx<'_>,
    f: &Failover<'_>,
    area: Rect,
    buf: &mut Buffer,
    drawn: &mut crate::app::Drawn,
) {
    let regions_h = if area.height >= 30 { 12 } else { 0 };
    let [top, bottom] =
        Layout::vertical([Constraint::Min(5), Constraint::Length(regions_h)]).areas(area);
    let t = cx.theme;
    // The rehearsal is never to be mistaken for AWS's own failover (ARC Region switch).
    let title = if f.shown_plan().is_some() {
        " Failover: ARC Region switch plan, then the rehearsal "
    } else {
        " Failover drill (rehearsal: opsdash steps, no DNS change) "
    };
    let b = cx.block(Line::from(Span::styled(title, t.title())), true);
    let inner = b.inner(top);
    b.render(top, buf);
    let width = inner.width.saturating_sub(2) as usize;
    let lines: Vec<(String, Style)> = lines(cx, f)
        .into_iter()
        .flat_map(|(text, style)| {
            let indent = text.len() - text.trim_start().len();
            let (first, rest) = (" ".repeat(indent), " ".repeat(indent + 2));
            super::popups::wrap(text.trim_start(), width.saturating_sub(indent + 2))
                .into_iter()
                .enumerate()
                .map(|(i, l)| (format!("{}{l}", if i == 0 { &first } else { &rest }), style))
                .collect::<Vec<_>>()
        })
        .collect();
    // Keep the end (progress, result) in view when the box is short, unless the operator
    // scrolled (the movement keys): before a drill, the plan from its top.
    let max = lines.len().saturating_sub(inner.height as usize);
    let skip = f
        .scroll
        .unwrap_or(if f.drill.is_some() { max } else { 0 })
        .min(max);
    drawn.drill_max = Some(max);
    if max > 0 {
        // Say there is more, and where.
        let more = format!(
            " {}/{} j/k scroll ",
            skip + inner.height as usize,
            lines.len()
        );
        let x = (top.x + top.width).saturating_sub(more.len() as u16 + 1);
        paint::str(buf, x, top.y + top.height - 1, more, t.muted());
    }
    for (i, (text, style)) in lines.iter().skip(skip).enumerate() {
        if i as u16 >= inner.height {
            break;
        }
        paint::str(
            buf,
            inner.x + 1,
            inner.y + i as u16,
            trunc(text, inner.width.saturating_sub(1) as usize, cx.glyphs),
            *style,
        );
    }
    if regions_h > 0 {
        super::regions::render(cx, f.regions, bottom, buf);
    }
}

fn lines(cx: &Ctx<'_>, f: &Failover<'_>) -> Vec<(String, Style)> {
    let t = cx.theme;
    let g = cx.glyphs;
    let mut out: Vec<(String, Style)> = Vec::new();
    let Some(spec) = f.spec else {
        out.push(("no app has a failover section".into(), t.warn()));
        return out;
    };
    // While a drill runs its progress comes first; else AWS's plan, then the rehearsal.
    if f.drill.is_none_or(|d| d.phase == Phase::Finished) {
        super::region_switch::lines(cx, f, &mut out);
        if f.shown_plan().is_some() {
            out.push(("Rehearsal: opsdash steps, no DNS change".into(), t.title()));
        }
    }
    out.push((
        format!(
            "app {}: {} {} {}, DR capacity {} % of the primary, healthy timeout {} s{}",
            spec.app,
            spec.primary,
            g.arrow,
            spec.dr,
            spec.percent,
            spec.timeout_secs,
            if f.several_apps && f.drill.is_none() {
                " (Tab: next app)"
            } else {
                ""
            }
        ),
        t.title(),
    ));
    let active = f.drill.filter(|d| d.phase != Phase::Finished);
    let pre = f.preflight.as_ref();
    if active.is_none()
        && let Some(pre) = pre
    {
        out.push(("Preflight".into(), t.title()));
        for c in &pre.checks {
            out.push((
                format!("  {} {}", if c.ok { g.ok } else { g.fail }, c.text),
                if c.ok { t.ok() } else { t.crit() },
            ));
        }
    }
    let state = match (f.drill, pre) {
        (Some(d), _) => d.clone(),
        (None, Some(pre)) => DrillState::new(spec.clone(), &cx.info.account, pre, cx.now.0),
        (None, None) => return out,
    };
    out.push((
        "Plan (SIMULATED switch: no DNS record is changed)".into(),
        t.title(),
    ));
    plan_lines(cx, spec, &state, &mut out);
    if !state.items.is_empty() {
        let items: Vec<String> = state
            .items
            .iter()
            .map(|i| {
                format!(
                    "{} {} {} {} (primary {})",
                    i.resource.label(),
                    i.before,
                    g.arrow,
                    i.target,
                    i.primary
                )
            })
            .collect();
        out.push((format!("DR capacity: {}", items.join(", ")), t.text()));
    }
    let Some(d) = f.drill else {
        out.push((
            if f.read_only {
                "READ-ONLY: the plan is shown; the drill cannot start".into()
            } else {
                format!("s starts the drill (you will type {})", spec.app)
            },
            t.title(),
        ));
        return out;
    };
    for step in [StepKind::RestoreAlarm, StepKind::RestoreCapacity] {
        if d.done.contains(&step) || d.current == Some(step) {
            let (mark, style) = step_mark(cx, d, step);
            out.push((format!("  {mark} failback: {}", step.title()), style));
        }
    }
    out.push(status_line(cx, f, spec, d));
    for l in d.log.iter().rev().take(4).rev() {
        out.push((format!("  {l}"), t.muted()));
    }
    out
}

fn step_mark(cx: &Ctx<'_>, d: &DrillState, step: StepKind) -> (&'static str, Style) {
    let t = cx.theme;
    let g = cx.glyphs;
    if d.done.contains(&step) {
        (g.ok, t.ok())
    } else if d.current == Some(step) {
        if d.phase == Phase::Failed {
            (g.fail, t.crit())
        } else {
            (g.running, t.warn())
        }
    } else {
        (" ", t.text())
    }
}

/// `4m 20s`.
fn mm_ss(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    format!("{}m {:02}s", s / 60, s % 60)
}

/// The drill's steps with their marks, what a running wait has seen, and each step's calls.
fn plan_lines(cx: &Ctx<'_>, spec: &DrillSpec, state: &DrillState, out: &mut Vec<(String, Style)>) {
    let t = cx.theme;
    for (n, step) in StepKind::DRILL.iter().enumerate() {
        let (mark, style) = step_mark(cx, state, *step);
        let mut line = format!("  {mark} {}. {}", n + 1, step.title());
        if state.current == Some(*step)
            && matches!(step, StepKind::WaitHealthy | StepKind::Verify)
            && state.phase == Phase::Running
        {
            let waited = cx.now.secs_since(Timestamp(state.step_started_ms)).max(0.0);
            let short = state.short_groups();
            let _ = write!(
                line,
                ": {} in {}, {} of {} s",
                if short.is_empty() {
                    format!("serving ({})", state.serving_text())
                } else {
                    format!("short: {}", short.join(", "))
                },
                spec.dr,
                waited as u64,
                spec.timeout_secs
            );
        } else if *step == StepKind::WaitHealthy {
            let _ = write!(line, ": {} healthy in {}", state.needed_healthy, spec.dr);
        } else if *step == StepKind::Verify {
            let _ = write!(
                line,
                ": the primary had {} healthy before the drill",
                state.primary_healthy
            );
        }
        out.push((line, style));
        if let Some(p) = state.step_plan(*step) {
            let calls = p.calls();
            if calls.is_empty() {
                out.push((
                    "       no call: the DR region is already at or above the target".into(),
                    t.muted(),
                ));
            }
            for c in calls {
                out.push((format!("       {c} [{}]", p.region), t.muted()));
            }
        }
    }
}

/// The drill's status line: running, done with its recovery time, failed, rolling back.
fn status_line(
    cx: &Ctx<'_>,
    f: &Failover<'_>,
    spec: &DrillSpec,
    d: &DrillState,
) -> (String, Style) {
    let t = cx.theme;
    let elapsed = cx.now.secs_since(Timestamp(d.started_ms)).max(0.0);
    match d.phase {
        Phase::Running => (
            format!(
                "RUNNING for {} ({})",
                short_age(elapsed),
                f.not_here.clone().unwrap_or_else(|| format!(
                    "{} aborts and rolls back",
                    cx.keys.key_label(crate::action::Action::DrillAbort)
                ))
            ),
            t.warn(),
        ),
        Phase::Done => (
            format!(
                "DONE: {} serving ({}); recovery time {}; checked until failback (B fails back)",
                spec.dr,
                d.serving_text(),
                d.recovery_secs.map_or_else(|| "?".into(), mm_ss)
            ),
            t.ok(),
        ),
        Phase::Failed => (
            format!(
                "FAILED: {} (B rolls back what was done)",
                d.error.as_deref().unwrap_or("?")
            ),
            t.crit(),
        ),
        Phase::RollingBack => ("ROLLING BACK".into(), t.warn()),
        Phase::Finished => (
            "FINISHED: everything the drill did was restored".into(),
            t.ok(),
        ),
    }
}
