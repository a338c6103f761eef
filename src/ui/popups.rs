//! Popups: help (generated from the keymap), the command palette, the fault menu.

use super::Ctx;
use super::widgets::{cell, trunc};
use crate::app::{HelpLayout, HelpLine, TextInput};
use crate::model::region_switch::RegionSwitch;
use crate::ops::drill::DrillState;
use crate::ui::paint;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// `?`: every bound action, grouped, generated from the keymap; scrolls when it does not fit.
/// The help as the app laid it out: its lines, columns, rows per column, how far it scrolls
/// and is scrolled.
pub struct HelpView {
    pub lines: Vec<HelpLine>,
    pub layout: HelpLayout,
    pub per_col: usize,
    pub max: usize,
    pub scroll: usize,
}

pub fn help(cx: &Ctx<'_>, h: &HelpView, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let lines = &h.lines;
    let layout = &h.layout;
    let cols = layout.cols;
    let (per_col, max) = (h.per_col, h.max);
    let scroll = h.scroll.min(max);
    let r = centered(area, layout.width, per_col as u16 + 3);
    Clear.render(r, buf);
    paint::style(buf, r, t.text());
    let b = cx.block(Line::from(Span::styled(" Keys ", t.title())), true);
    let inner = b.inner(r);
    b.render(r, buf);
    let visible = inner.height.saturating_sub(1) as usize;
    let col_w = inner.width / cols as u16;
    let g = cx.glyphs;
    for c in 0..cols {
        let column = lines.iter().skip(c * per_col).take(per_col);
        for (row, l) in column.skip(scroll).take(visible).enumerate() {
            let line = match l {
                HelpLine::Group(title) => Line::from(Span::styled(
                    (*title).to_owned(),
                    t.title().add_modifier(ratatui::style::Modifier::BOLD),
                )),
                HelpLine::Item { keys, what, muted } => {
                    let style = if *muted { t.muted() } else { t.text() };
                    Line::from(vec![
                        Span::styled(
                            cell(keys, crate::app::HELP_KEYS_W, g),
                            if *muted { t.muted() } else { t.title() },
                        ),
                        Span::styled((*what).to_owned(), style),
                    ])
                }
                HelpLine::Blank => Line::default(),
            };
            let x = inner.x + c as u16 * col_w + 1;
            paint::line(buf, x, inner.y + row as u16, &line, col_w.saturating_sub(1));
        }
    }
    let hint = if max > 0 {
        format!(
            "rows {}-{} of {}: j/k PgUp/PgDn g/G scroll, any other key closes",
            scroll + 1,
            (scroll + visible).min(per_col),
            per_col
        )
    } else {
        "any key closes".to_owned()
    };
    paint::str(
        buf,
        inner.x + 1,
        inner.y + inner.height.saturating_sub(1),
        trunc(&hint, inner.width.saturating_sub(2) as usize, g),
        t.muted(),
    );
}

pub fn palette(
    cx: &Ctx<'_>,
    input: &TextInput,
    sugg: &[String],
    selected: usize,
    body: Rect,
    status: Rect,
    buf: &mut Buffer,
) {
    let t = cx.theme;
    paint::style(buf, status, t.text());
    let line = Line::from(vec![
        Span::styled(":", t.title()),
        Span::styled(input.shown(), t.text()),
    ]);
    paint::line(buf, status.x, status.y, &line, status.width);
    if sugg.is_empty() {
        return;
    }
    let h = (sugg.len().min(8) + 2) as u16;
    let w = 40.min(body.width);
    let r = Rect::new(
        body.x,
        body.y + body.height.saturating_sub(h),
        w,
        h.min(body.height),
    );
    Clear.render(r, buf);
    paint::style(buf, r, t.text());
    let b = cx.block(Line::from(Span::styled(" commands ", t.title())), true);
    let inner = b.inner(r);
    b.render(r, buf);
    let start = selected.saturating_sub(inner.height.saturating_sub(1) as usize);
    for (i, s) in sugg
        .iter()
        .enumerate()
        .skip(start)
        .take(inner.height as usize)
    {
        let style = if i == selected {
            t.selection()
        } else {
            t.text()
        };
        let y = inner.y + (i - start) as u16;
        paint::style(buf, Rect::new(inner.x, y, inner.width, 1), style);
        paint::str(buf, inner.x + 1, y, s, style);
    }
}

pub fn faults(cx: &Ctx<'_>, items: &[String], selected: usize, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let pk = cx.keys.prompt_keys();
    let w = items.iter().map(|f| f.chars().count()).max().unwrap_or(20) as u16 + 8;
    let r = centered(area, w.max(40), items.len() as u16 + 4);
    Clear.render(r, buf);
    paint::style(buf, r, t.text());
    let b = cx.block(
        Line::from(Span::styled(" Inject a fault (demo) ", t.title())),
        true,
    );
    let inner = b.inner(r);
    b.render(r, buf);
    for (i, f) in items.iter().enumerate() {
        if i as u16 >= inner.height {
            break;
        }
        let style = if i == selected {
            t.selection()
        } else {
            t.text()
        };
        let y = inner.y + i as u16;
        paint::style(buf, Rect::new(inner.x, y, inner.width, 1), style);
        paint::str(buf, inner.x + 1, y, format!("{} {f}", i + 1), style);
    }
    let y = inner.y + items.len() as u16 + 1;
    if y < inner.y + inner.height {
        paint::str(
            buf,
            inner.x + 1,
            y,
            format!("{} or number injects, {} cancels", pk.submit, pk.cancel),
            t.muted(),
        );
    }
}

/// Splits `s` into lines of at most `w` characters, at spaces where it can; a line that begins
/// with spaces keeps them, on every line it wraps to (a hanging indent).
pub(super) fn wrap(s: &str, w: usize) -> Vec<String> {
    let w = w.max(8);
    let indent = s.len() - s.trim_start_matches(' ').len();
    if indent > 0 && indent < w / 2 && indent < s.len() {
        let pad = " ".repeat(indent);
        return wrap(&s[indent..], w - indent)
            .into_iter()
            .map(|l| format!("{pad}{l}"))
            .collect();
    }
    let mut out = Vec::new();
    let mut line = String::new();
    for word in s.split(' ') {
        let mut word = word.to_owned();
        loop {
            let len = line.chars().count();
            let wl = word.chars().count();
            if len + usize::from(len > 0) + wl <= w {
                if len > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if len > 0 {
                out.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than the line: cut it.
            let head: String = word.chars().take(w).collect();
            word = word.chars().skip(w).collect();
            out.push(head);
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// A box of styled lines, centred, as wide as its longest line allows.
/// The end most prompts share: the error (if any), a blank line, and what the keys do.
fn prompt_end(
    cx: &Ctx<'_>,
    lines: &mut Vec<(String, ratatui::style::Style)>,
    error: Option<&str>,
    keys: String,
) {
    if let Some(e) = error {
        lines.push((e.to_owned(), cx.theme.crit()));
    }
    lines.push((String::new(), cx.theme.text()));
    lines.push((keys, cx.theme.muted()));
}

/// Draws a box of wrapped lines in the middle of `area`; returns whether every line fits.
pub(super) fn text_box(
    cx: &Ctx<'_>,
    title: &str,
    lines: &[(String, ratatui::style::Style)],
    area: Rect,
    buf: &mut Buffer,
) -> bool {
    let t = cx.theme;
    let max_w = area.width.min(110);
    let inner_w = max_w.saturating_sub(4) as usize;
    let mut wrapped: Vec<(String, ratatui::style::Style)> = Vec::new();
    for (l, st) in lines {
        if l.is_empty() {
            wrapped.push((String::new(), *st));
        }
        for w in wrap(l, inner_w) {
            wrapped.push((w, *st));
        }
    }
    let widest = wrapped
        .iter()
        .map(|(l, _)| l.chars().count())
        .chain(std::iter::once(title.chars().count() + 2))
        .max()
        .unwrap_or(20) as u16;
    let r = centered(area, (widest + 4).max(44), wrapped.len() as u16 + 2);
    Clear.render(r, buf);
    paint::style(buf, r, t.text());
    let b = cx.block(
        Line::from(Span::styled(format!(" {title} "), t.title())),
        true,
    );
    let inner = b.inner(r);
    b.render(r, buf);
    for (i, (l, st)) in wrapped.iter().enumerate() {
        if i as u16 >= inner.height {
            break;
        }
        paint::str(buf, inner.x + 1, inner.y + i as u16, l, *st);
    }
    wrapped.len() <= inner.height as usize && inner.width as usize >= inner_w.min(widest as usize)
}

pub fn scale(
    cx: &Ctx<'_>,
    target: &crate::ops::ScaleTarget,
    b: crate::ops::Bounds,
    input: &TextInput,
    error: Option<&str>,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = cx.theme;
    let pk = cx.keys.prompt_keys();
    let what = match target {
        crate::ops::ScaleTarget::Asg(n) => format!("Auto Scaling group {n}"),
        crate::ops::ScaleTarget::Service { cluster, service } => {
            format!("ECS service {cluster}/{service}")
        }
    };
    let mut lines = vec![
        (format!("{what} in {}", cx.region), t.text()),
        (
            format!("min {}, desired {}, max {}", b.min, b.desired, b.max),
            t.muted(),
        ),
        (String::new(), t.text()),
        (format!("new desired count: {}", input.shown()), t.title()),
    ];
    prompt_end(
        cx,
        &mut lines,
        error,
        format!("{} shows the plan / {} cancels", pk.submit, pk.cancel),
    );
    text_box(cx, "Scale", &lines, area, buf);
}

/// `:unlock`: which account, for how long, and its name to type.
pub fn unlock(
    cx: &Ctx<'_>,
    account: &str,
    secs: i64,
    typed: &TextInput,
    error: Option<&str>,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = cx.theme;
    let pk = cx.keys.prompt_keys();
    let mut lines = vec![
        (
            format!(
                "Allow writes to account {account} ({}) for {}?",
                cx.info.account,
                crate::model::zonal::left_text(secs)
            ),
            t.warn(),
        ),
        (
            "The config marks it read_only; the unlock is recorded in the audit log.".to_owned(),
            t.muted(),
        ),
        (String::new(), t.text()),
        (format!("type {account}: {}", typed.shown()), t.title()),
    ];
    prompt_end(
        cx,
        &mut lines,
        error,
        format!("{} unlocks / {} cancels", pk.submit, pk.cancel),
    );
    text_box(cx, "Unlock", &lines, area, buf);
}

/// The MFA prompt: which profile and device ask, why again if so, the code as typed.
pub fn mfa(
    cx: &Ctx<'_>,
    ask: &crate::source::signin::MfaAsk,
    input: &TextInput,
    error: Option<&str>,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = cx.theme;
    let pk = cx.keys.prompt_keys();
    let what = match &ask.role {
        Some(r) => format!("profile {} assumes {r}", ask.profile),
        None => format!("profile {} asks STS for a session", ask.profile),
    };
    let mut lines = vec![
        (what, t.text()),
        (format!("MFA device {}", ask.device), t.muted()),
    ];
    if let Some(why) = &ask.why {
        lines.push((why.clone(), t.warn()));
    }
    lines.push((String::new(), t.text()));
    lines.push((format!("MFA code: {}", input.shown()), t.title()));
    prompt_end(
        cx,
        &mut lines,
        error,
        format!(
            "{} signs in / {} not now (the panes keep what they have)",
            pk.submit, pk.cancel
        ),
    );
    text_box(cx, "Sign in", &lines, area, buf);
}

/// The zonal-shift preflight: per zone its name, AZ ID and healthy targets per group, what the
/// other zones would carry, the checks with their fixes, then the prompt. On a small screen the
/// fixes go first, then the passed checks, then the blank lines: the prompt stays in view.
pub fn zonal_shift(
    cx: &Ctx<'_>,
    pre: &crate::ops::zonal::Preflight,
    input: &TextInput,
    error: Option<&str>,
    area: Rect,
    buf: &mut Buffer,
) {
    use crate::ops::zonal::Level;
    let t = cx.theme;
    let pk = cx.keys.prompt_keys();
    let g = cx.glyphs;
    let name_w = pre
        .zones
        .iter()
        .map(|z| z.zone.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    // (line, style, drop order: 0 never, higher goes first)
    let mut lines: Vec<(String, ratatui::style::Style, u8)> = vec![(
        format!("{} ({}) in {}", pre.lb_name, pre.lb_type, cx.region),
        t.text(),
        0,
    )];
    lines.push((
        format!(
            "{:name_w$}  {:9} {:7}  target groups",
            "zone", "AZ ID", "healthy"
        ),
        t.muted(),
        0,
    ));
    for z in &pre.zones {
        // Draining targets are apart from healthy/total, as in the Targets pane, and said: a
        // zone whose every target drains is not a zone with none.
        let mut groups: Vec<String> = z
            .groups
            .iter()
            .map(|(n, h, total)| format!("{n} {h}/{total}"))
            .collect();
        if z.draining > 0 {
            groups.push(format!("{} draining", z.draining));
        }
        let st = if z.healthy < z.total + z.draining {
            t.crit()
        } else {
            t.text()
        };
        // The target groups wrap under their own column.
        let head = format!(
            "{:name_w$}  {:9} {:7}  ",
            z.zone.name,
            if z.zone.id.is_empty() {
                "?"
            } else {
                &z.zone.id
            },
            format!("{}/{}", z.healthy, z.total),
        );
        let col = head.chars().count();
        let width = usize::from(area.width.min(110).saturating_sub(4));
        for (i, part) in wrap(&groups.join(", "), width.saturating_sub(col))
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 {
                head.clone()
            } else {
                " ".repeat(col)
            };
            lines.push((format!("{lead}{part}"), st, 0));
        }
    }
    let leaving = input
        .text()
        .split_whitespace()
        .next()
        .and_then(|w| pre.zone(w));
    if let Some(zone) = leaving {
        let rest = pre.remaining(&zone.name);
        let st = if rest.short.is_empty() {
            t.text()
        } else {
            t.warn()
        };
        lines.push((format!("leaving {}: {}", zone.name, rest.text()), st, 0));
    }
    lines.push((String::new(), t.text(), 3));
    for c in &pre.checks {
        let (mark, st, drop) = match c.level {
            Level::Ok => (g.ok, t.ok(), 2),
            Level::Note => ("-", t.muted(), 2),
            Level::Typed => ("!", t.warn(), 0),
            Level::Blocks => (g.fail, t.crit(), 0),
        };
        lines.push((format!("{mark} {}", c.text), st, drop));
        if let Some(f) = &c.fix
            && c.level != Level::Ok
        {
            lines.push((format!("  fix: {f}"), t.muted(), 1));
        }
    }
    lines.push((String::new(), t.text(), 3));
    lines.push((
        format!(
            "shift away from (zone or AZ ID) and for how long (1m..72h): {}",
            input.shown()
        ),
        t.title(),
        0,
    ));
    if let Some(e) = error {
        lines.push((e.to_owned(), t.crit(), 0));
    }
    lines.push((
        format!("{} shows the plan / {} cancels", pk.submit, pk.cancel),
        t.muted(),
        3,
    ));
    let inner_w = usize::from(area.width.min(110).saturating_sub(4));
    let rows = |ls: &[(String, ratatui::style::Style, u8)]| -> usize {
        ls.iter()
            .map(|(l, _, _)| wrap(l, inner_w).len().max(1))
            .sum()
    };
    let room = usize::from(area.height.saturating_sub(2));
    for drop in [3u8, 2, 1] {
        if rows(&lines) <= room {
            break;
        }
        lines.retain(|(_, _, d)| *d < drop);
    }
    let lines: Vec<(String, ratatui::style::Style)> =
        lines.into_iter().map(|(l, st, _)| (l, st)).collect();
    text_box(cx, "Zonal shift", &lines, area, buf);
}

/// Extending a zonal shift: its zone and time left, and the new expiry.
pub fn zonal_extend(
    cx: &Ctx<'_>,
    arn: &str,
    input: &TextInput,
    error: Option<&str>,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = cx.theme;
    let pk = cx.keys.prompt_keys();
    let lb = cx.data.and_then(|d| d.lbs().iter().find(|l| l.arn == arn));
    let mut lines = Vec::new();
    if let Some(lb) = lb {
        lines.push((format!("{} in {}", lb.name, cx.region), t.text()));
        if let Some(s) = crate::ops::zonal::own_shift(lb) {
            lines.push((s.describe(&lb.zones, cx.now), t.warn()));
            if !s.comment.is_empty() {
                lines.push((format!("comment: {}", s.comment), t.muted()));
            }
        }
    }
    lines.push((String::new(), t.text()));
    lines.push((
        format!(
            "new expiry from now (1m..72h, empty: {}): {}",
            crate::ops::zonal::DEFAULT_EXPIRY,
            input.shown()
        ),
        t.title(),
    ));
    if let Some(e) = error {
        lines.push((e.to_owned(), t.crit()));
    }
    lines.push((
        format!("{} shows the plan / {} cancels", pk.submit, pk.cancel),
        t.muted(),
    ));
    text_box(cx, "Extend zonal shift", &lines, area, buf);
}

/// Starting an execution of the app's Region switch plan: the plan's regions, which is active,
/// its evaluation, and what to type.
pub fn plan_start(
    cx: &Ctx<'_>,
    plan: Option<&RegionSwitch>,
    name: &str,
    input: &TextInput,
    error: Option<&str>,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = cx.theme;
    let pk = cx.keys.prompt_keys();
    let mut lines = Vec::new();
    if let Some(rs) = plan {
        lines.push((
            format!(
                "ARC Region switch plan {} of {name}: {}, active {}",
                rs.plan.name,
                rs.plan.regions.join(" / "),
                rs.active_region().as_deref().unwrap_or("?")
            ),
            t.text(),
        ));
        if let Some(ev) = &rs.evaluation {
            let n = ev.active().count();
            lines.push((
                format!(
                    "evaluation: {}{}",
                    ev.state,
                    if n > 0 {
                        format!(", {n} warning{}", if n == 1 { "" } else { "s" })
                    } else {
                        String::new()
                    }
                ),
                if n > 0 { t.warn() } else { t.ok() },
            ));
        }
    }
    lines.push((String::new(), t.text()));
    lines.push((
        format!(
            "activate REGION or deactivate REGION [ungraceful]: {}",
            input.shown()
        ),
        t.title(),
    ));
    if let Some(e) = error {
        lines.push((e.to_owned(), t.crit()));
    }
    lines.push((
        format!(
            "{} shows the plan (you will type {name}) / {} cancels",
            pk.submit, pk.cancel
        ),
        t.muted(),
    ));
    text_box(cx, "Start a Region switch", &lines, area, buf);
}

pub struct DeployPrompt<'a> {
    pub cluster: &'a str,
    pub service: &'a str,
    pub task_definition: &'a crate::model::TaskDefinition,
    pub container: usize,
    pub input: &'a TextInput,
    pub error: Option<&'a str>,
}

pub fn deploy(cx: &Ctx<'_>, p: &DeployPrompt<'_>, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let pk = cx.keys.prompt_keys();
    let n = p.task_definition.containers.len();
    let (name, image) = &p.task_definition.containers[p.container.min(n.saturating_sub(1))];
    let mut lines = vec![
        (
            format!(
                "ECS service {}/{} in {} runs {}",
                p.cluster, p.service, cx.region, p.task_definition.name
            ),
            t.text(),
        ),
        (
            format!(
                "container {name} ({}/{n}{}): {image}",
                p.container + 1,
                if n > 1 { ", Tab for the next" } else { "" }
            ),
            t.muted(),
        ),
        (String::new(), t.text()),
        (format!("new image or tag: {}", p.input.shown()), t.title()),
        (
            "empty: force a new deployment of the current revision".into(),
            t.muted(),
        ),
    ];
    prompt_end(
        cx,
        &mut lines,
        p.error,
        format!("{} shows the plan / {} cancels", pk.submit, pk.cancel),
    );
    text_box(cx, "Deploy", &lines, area, buf);
}

/// The plan and how to confirm it; returns whether all of it is on screen (an operation is
/// never confirmed while part of its plan is cut off).
pub fn confirm(
    cx: &Ctx<'_>,
    plan: &crate::ops::Plan,
    typed: &TextInput,
    error: Option<&str>,
    area: Rect,
    buf: &mut Buffer,
) -> bool {
    let t = cx.theme;
    let pk = cx.keys.prompt_keys();
    let mut lines = vec![
        (plan.summary.clone(), t.title()),
        (
            format!(
                "account {}, region {}, as {}",
                plan.account, plan.region, cx.info.caller_arn
            ),
            t.muted(),
        ),
        (String::new(), t.text()),
        ("API calls, in order:".into(), t.text()),
    ];
    for (i, c) in plan.calls().iter().enumerate() {
        lines.push((format!("{}. {c}", i + 1), t.text()));
    }
    lines.push((String::new(), t.text()));
    if let Some(w) = &plan.warning {
        lines.push((format!("DANGER: {w}"), t.crit()));
    }
    match &plan.confirm {
        crate::ops::Confirm::Yes => {
            lines.push((
                format!("{} runs it / {} or {} cancels", pk.yes, pk.no, pk.cancel),
                t.title(),
            ));
        }
        crate::ops::Confirm::TypeName(name) => {
            lines.push((
                format!("type {name} and {} to run: {}", pk.submit, typed.shown()),
                t.title(),
            ));
            lines.push((format!("{} cancels", pk.cancel), t.muted()));
        }
    }
    if let Some(e) = error {
        lines.push((e.to_owned(), t.crit()));
    }
    text_box(cx, "Confirm", &lines, area, buf)
}

/// A drill action's confirmation; returns whether all of it is on screen.
pub fn drill_confirm(
    cx: &Ctx<'_>,
    spec: Option<&crate::ops::drill::DrillSpec>,
    action: crate::app::DrillAction,
    typed: &TextInput,
    error: Option<&str>,
    area: Rect,
    buf: &mut Buffer,
) -> bool {
    use crate::app::DrillAction;
    let t = cx.theme;
    let pk = cx.keys.prompt_keys();
    let Some(spec) = spec else {
        return false;
    };
    let mut lines = vec![(
        format!(
            "account {}, {} {} {}, as {}",
            cx.info.account, spec.primary, cx.glyphs.arrow, spec.dr, cx.info.caller_arn
        ),
        t.muted(),
    )];
    let (title, what) = match action {
        DrillAction::Start => (
            "Start the failover drill (a rehearsal)",
            "Runs the plan shown: scales the DR region up, waits for its targets, sets the primary health alarm to ALARM (SIMULATED: no DNS record is changed), verifies.",
        ),
        DrillAction::Failback => (
            "Fail back",
            "Sets the health alarm back to OK and restores the DR capacities recorded before the drill.",
        ),
        DrillAction::Abort => (
            "Abort the drill",
            "Stops after the call in flight and rolls back the steps done.",
        ),
        DrillAction::Resume => (
            "Resume the drill",
            "Re-applies the DR scale-up where it is below its target now, then carries on from the step it was at.",
        ),
    };
    lines.push((what.into(), t.text()));
    // The steps it runs, so the confirmation says all it does whatever the drill view shows
    // of the plan (at 80x24 steps 2-4 were below the edge); every call is in the drill view.
    let steps: &[crate::ops::drill::StepKind] = match action {
        DrillAction::Start | DrillAction::Resume => &crate::ops::drill::StepKind::DRILL,
        DrillAction::Failback | DrillAction::Abort => &[
            crate::ops::drill::StepKind::RestoreAlarm,
            crate::ops::drill::StepKind::RestoreCapacity,
        ],
    };
    for (n, s) in steps.iter().enumerate() {
        lines.push((format!("  {}. {}", n + 1, s.title()), t.muted()));
    }
    lines.push((
        "(every call with its parameters: in the drill view behind, j/k scrolls it)".into(),
        t.muted(),
    ));
    lines.push((String::new(), t.text()));
    if action == DrillAction::Abort {
        lines.push((
            format!(
                "{} aborts and rolls back / {} or {} continues",
                pk.yes, pk.no, pk.cancel
            ),
            t.title(),
        ));
    } else {
        lines.push((
            format!("type {} and {}: {}", spec.app, pk.submit, typed.shown()),
            t.title(),
        ));
        lines.push((format!("{} cancels", pk.cancel), t.muted()));
    }
    if let Some(e) = error {
        lines.push((e.to_owned(), t.crit()));
    }
    text_box(cx, title, &lines, area, buf)
}

/// A drill left in progress: what was done, where it stopped; `not_here` says why this
/// console cannot act on it, if so.
pub fn drill_resume(
    cx: &Ctx<'_>,
    drill: Option<&DrillState>,
    not_here: Option<String>,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = cx.theme;
    let Some(d) = drill else { return };
    let done: Vec<&str> = d.done.iter().map(|s| s.title()).collect();
    let lines = vec![
        (
            format!(
                "A failover drill of {} ({} {} {}) was in progress when opsdash stopped.",
                d.spec.app,
                d.spec.primary,
                cx.glyphs.arrow,
                d.spec.dr
            ),
            t.text(),
        ),
        (
            format!(
                "done: {}",
                if done.is_empty() {
                    "nothing yet".into()
                } else {
                    done.join("; ")
                }
            ),
            t.muted(),
        ),
        (
            format!(
                "at: {}",
                d.current
                    .or_else(|| d.next_drill_step())
                    .map_or("no step running", crate::ops::drill::StepKind::title)
            ),
            t.muted(),
        ),
        (String::new(), t.text()),
        (
            not_here.unwrap_or_else(|| {
                "r resumes / b rolls back what was done (each asks for the app's name) / Esc leaves it (F shows it)".into()
            }),
            t.title(),
        ),
    ];
    text_box(cx, "Drill in progress", &lines, area, buf);
}

/// `:api`: requests per service and operation in the header's window; the rows add up to the
/// header's figures, and rows that do not fit are summed in a last line.
pub fn api(cx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let w = cx.store.rates().window();
    let when = if w.full {
        "last 60 s".to_owned()
    } else {
        format!("since the console started, {} s", w.secs)
    };
    let mut lines = vec![(
        format!(
            "{when}: {} calls, {} throttled, {} errors (every attempt, SDK retries included)",
            w.total.calls, w.total.throttles, w.total.errors
        ),
        t.muted(),
    )];
    if w.by_operation.is_empty() {
        lines.push((
            "no requests counted yet (sampled every 5 s)".into(),
            t.muted(),
        ));
    } else {
        lines.push((
            format!(
                "{:<6} {:<38} {:>6} {:>5} {:>5}",
                "svc", "operation", "calls", "thr", "err"
            ),
            t.muted(),
        ));
    }
    // The box's border, the lines above and the two below.
    let room = (area.height as usize)
        .saturating_sub(2 + lines.len() + 3)
        .max(1);
    let shown = if w.by_operation.len() > room {
        room - 1
    } else {
        room
    };
    for ((svc, op), n) in w.by_operation.iter().take(shown) {
        lines.push((
            format!(
                "{:<6} {:<38} {:>6} {:>5} {:>5}",
                super::short_service(svc),
                op,
                n.calls,
                n.throttles,
                n.errors
            ),
            t.text(),
        ));
    }
    if w.by_operation.len() > shown {
        let mut rest = crate::source::Tally::default();
        for (_, n) in w.by_operation.iter().skip(shown) {
            rest.add(*n);
        }
        lines.push((
            format!(
                "{:<6} {:<38} {:>6} {:>5} {:>5}",
                "…",
                format!("{} more operations", w.by_operation.len() - shown),
                rest.calls,
                rest.throttles,
                rest.errors
            ),
            t.muted(),
        ));
    }
    lines.push((String::new(), t.text()));
    lines.push(("any key closes".into(), t.muted()));
    text_box(
        cx,
        "API requests by service and operation",
        &lines,
        area,
        buf,
    );
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn a_wrapped_line_keeps_its_indent_on_every_line() {
        assert_eq!(
            wrap("  fix: get some targets healthy first", 20),
            ["  fix: get some", "  targets healthy", "  first"]
        );
        assert_eq!(
            wrap("no indent here at all", 12),
            ["no indent", "here at all"]
        );
        // Inner runs of spaces (table columns) stay as they are.
        assert_eq!(wrap("a  b", 10), ["a  b"]);
    }
}
