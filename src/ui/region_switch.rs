//! The ARC Region switch plan in the failover view: the plan (regions, which is active, its
//! RTO), its evaluation as the preflight, the workflow an execution would run or the steps of the
//! one under way with their states, the recent executions with their recovery times, and the keys.

use super::Ctx;
use super::drill::Failover;
use crate::action::{Action, PlanKey};
use crate::app::App;
use crate::model::region_switch::{RegionSwitch, RsAction, RsExecution};
use crate::model::short_age;
use ratatui::style::Style;

/// The plan's lines, when the shown app has one (or its read failed).
pub fn lines(cx: &Ctx<'_>, f: &Failover<'_>, out: &mut Vec<(String, Style)>) {
    let t = cx.theme;
    let Some(read) = f.plan else {
        return;
    };
    if let Some(e) = &read.error {
        // The last plan read stays on screen, said as not current.
        let last = if read.plan.is_some() {
            " (below: as last read)"
        } else {
            ""
        };
        out.push((
            format!("ARC Region switch plan: not read{last}: {e}"),
            t.crit(),
        ));
        if read.plan.is_none() {
            out.push((String::new(), t.text()));
        }
    }
    let Some(rs) = &read.plan else {
        return;
    };
    let p = &rs.plan;
    out.push((
        format!(
            "ARC Region switch plan {} (AWS runs it, DNS changes): {}, active {}{}",
            p.name,
            p.regions.join(" / "),
            rs.active_region().as_deref().unwrap_or("?"),
            p.rto_minutes
                .map_or_else(String::new, |m| format!(", RTO {m} min"))
        ),
        t.title(),
    ));
    if !rs.others.is_empty() {
        out.push((
            format!(
                "  also covering these regions: {} (region_switch_plan in the config chooses)",
                rs.others.join(", ")
            ),
            t.muted(),
        ));
    }
    evaluation_lines(cx, rs, out);
    match rs.live() {
        Some(e) => execution_lines(cx, rs, e, out),
        None => workflow_lines(cx, rs, out),
    }
    recent_lines(cx, rs, out);
    out.push((keys_line(cx, f, rs), t.title()));
    out.push((String::new(), t.text()));
}

fn evaluation_lines(cx: &Ctx<'_>, rs: &RegionSwitch, out: &mut Vec<(String, Style)>) {
    let t = cx.theme;
    let g = cx.glyphs;
    let Some(ev) = &rs.evaluation else {
        return;
    };
    let active: Vec<_> = ev.active().collect();
    let when = ev
        .evaluated
        .map_or_else(String::new, |at| format!(" at {}", at.hm()));
    out.push((
        format!(
            "Preflight (AWS's evaluation{when}): {}{}",
            ev.state,
            if active.is_empty() {
                String::new()
            } else {
                format!(
                    ", {} warning{}",
                    active.len(),
                    if active.len() == 1 { "" } else { "s" }
                )
            }
        ),
        if active.is_empty() && ev.state == "passed" {
            t.ok()
        } else {
            t.warn()
        },
    ));
    for w in active {
        out.push((
            format!(
                "  {} {}{}",
                g.fail,
                w.step
                    .as_deref()
                    .map_or_else(String::new, |s| format!("{s}: ")),
                w.message
            ),
            t.crit(),
        ));
    }
}

/// What the default execution (activating the region not active) would run.
fn workflow_lines(cx: &Ctx<'_>, rs: &RegionSwitch, out: &mut Vec<(String, Style)>) {
    let t = cx.theme;
    let active = rs.active_region();
    let Some(standby) = rs.plan.regions.iter().find(|r| Some(*r) != active.as_ref()) else {
        return;
    };
    let Some(w) = rs.plan.workflow(RsAction::Activate, standby) else {
        return;
    };
    let steps: Vec<String> = w
        .steps
        .iter()
        .enumerate()
        .map(|(n, s)| format!("{}. {} ({})", n + 1, s.name, s.kind))
        .collect();
    out.push((
        format!("Activating {standby} runs: {}", steps.join(", ")),
        t.text(),
    ));
}

fn execution_lines(
    cx: &Ctx<'_>,
    rs: &RegionSwitch,
    e: &RsExecution,
    out: &mut Vec<(String, Style)>,
) {
    let t = cx.theme;
    let g = cx.glyphs;
    let waited = cx.now.secs_since(e.started).max(0.0);
    out.push((
        format!(
            "EXECUTION {} {}: {} for {}",
            e.id,
            e.what(),
            e.state,
            short_age(waited)
        ),
        if e.awaiting_approval().is_some() || e.paused() {
            t.crit()
        } else {
            t.warn()
        },
    ));
    for (n, s) in e.steps.iter().enumerate() {
        let (mark, style) = match s.status.as_str() {
            "completed" | "skipped" => (g.ok, t.ok()),
            "running" => (g.running, t.warn()),
            "pendingApproval" => ("?", t.crit()),
            "failed" | "canceled" => (g.fail, t.crit()),
            _ => (" ", t.text()),
        };
        let kind = rs.plan.step(&s.name).map_or("", |x| x.kind.as_str());
        let when = match (s.started, s.ended) {
            (_, Some(end)) => format!(" at {}", end.hms()),
            (Some(st), None) => format!(" for {}", short_age(cx.now.secs_since(st).max(0.0))),
            _ => String::new(),
        };
        out.push((
            format!(
                "  {mark} {}. {} ({kind}): {}{when}",
                n + 1,
                s.name,
                s.status
            ),
            style,
        ));
    }
    if let Some(s) = e.awaiting_approval() {
        out.push((
            format!(
                "  waiting for your approval of {}: {} approves, {} declines",
                s.name,
                cx.keys.key_label(Action::PlanExec(PlanKey::Approve)),
                cx.keys.key_label(Action::PlanExec(PlanKey::Decline))
            ),
            t.crit(),
        ));
    }
}

fn recent_lines(cx: &Ctx<'_>, rs: &RegionSwitch, out: &mut Vec<(String, Style)>) {
    let t = cx.theme;
    let done: Vec<&RsExecution> = rs.executions.iter().filter(|e| !e.live()).take(3).collect();
    if rs.executions.is_empty() {
        out.push(("No execution yet".into(), t.muted()));
        return;
    }
    for e in done {
        out.push((
            format!(
                "  {} {} {}: {}{}",
                e.ended.unwrap_or(e.started).hms_or_date(cx.now),
                e.id,
                e.what(),
                e.state,
                e.recovery_time
                    .as_deref()
                    .map_or_else(String::new, |r| format!(", recovery time {r}"))
            ),
            if e.succeeded() { t.ok() } else { t.muted() },
        ));
    }
}

fn keys_line(cx: &Ctx<'_>, f: &Failover<'_>, rs: &RegionSwitch) -> String {
    let k = |p: PlanKey| cx.keys.key_label(Action::PlanExec(p));
    match rs.live() {
        None if f.read_only => format!(
            "READ-ONLY: {} shows an execution's plan; nothing can start",
            k(PlanKey::Start)
        ),
        None => format!(
            "{} starts an execution (you will type {})",
            k(PlanKey::Start),
            f.spec.map_or("", |s| s.app.as_str())
        ),
        Some(e) => format!(
            "{} {}, {} ungraceful, {} cancel{}",
            k(PlanKey::Pause),
            if e.paused() { "resume" } else { "pause" },
            k(PlanKey::Ungraceful),
            k(PlanKey::Cancel),
            if e.awaiting_approval().is_some() {
                format!(
                    ", {} approve, {} decline",
                    k(PlanKey::Approve),
                    k(PlanKey::Decline)
                )
            } else {
                String::new()
            }
        ),
    }
}

/// The header's badge while an execution of any app's plan is under way: `SWITCH TO us-west-2
/// awaits approval`.
pub fn header_badge(app: &App) -> Option<String> {
    let e = app
        .settings()
        .drill_specs
        .iter()
        .filter_map(|s| app.plan_read(&s.app)?.plan.as_ref())
        .find_map(RegionSwitch::live)?;
    let state = match e.state.as_str() {
        "pendingManualApproval" => "awaits approval",
        "inProgress" => "running",
        "pending" => "starting",
        s if s.starts_with("paused") => "paused",
        s => s,
    };
    let dir = match e.action {
        RsAction::Activate => "TO",
        RsAction::Deactivate => "FROM",
    };
    Some(format!("SWITCH {dir} {} {state}", e.region))
}
