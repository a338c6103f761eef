//! The five panes: their layout on the screen, the frame every pane is drawn in (title with the
//! region, age, error, filter and running operations; rows; position), their one-line summaries
//! for small terminals, and the styles they share. What a pane's rows look like is its own
//! module's, behind [`PaneDraw`], listed in one table in the panes' order.

mod alarms;
mod capacity;
mod runs;
mod targets;
mod timeline;

use super::widgets::trunc;
use crate::app::{Drawn, Pane, PaneState, RegionData, Row, RunningOp};
use crate::model::{AlarmState, ExecStatus, LoadBalancer, RolloutState, TargetState};
use crate::source::SourceError;
use crate::theme::Theme;
use crate::ui::paint;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

pub(crate) use super::Ctx;

/// How one pane's rows are drawn.
pub trait PaneDraw: Sync {
    /// The widths the pane's rows share, worked out once a frame from every item in the pane
    /// (the widest name), not once a row: a pane can hold hundreds of items. `w` is the pane's
    /// inner width, which the caller puts in [`Columns::width`].
    fn columns(&self, _d: &RegionData, _w: usize) -> Columns {
        Columns::default()
    }
    /// Column headings, for a pane whose rows are columns (the tree panes label their values).
    fn heading(&self, _cx: &Ctx<'_>, _cols: Columns) -> Option<String> {
        None
    }
    /// Whether the pane has column headings (a row of its height).
    fn headed(&self) -> bool {
        false
    }
    /// One row as a line of at most [`Columns::width`] cells.
    fn row(&self, cx: &Ctx<'_>, d: &RegionData, cols: Columns, row: Row) -> Line<'static>;
    /// The one-line summary of a small terminal, after the pane's name and error.
    fn summary(&self, cx: &Ctx<'_>, d: &RegionData, spans: &mut Vec<Span<'static>>);
}

/// Widths of a pane's columns, from [`PaneDraw::columns`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Columns {
    /// The pane's inner width: the most a row may take.
    pub width: usize,
    /// The name column.
    pub name: usize,
    /// A chart column (the Alarms pane's sparklines).
    pub chart: usize,
}

/// Each pane's drawing, in [`Pane::ALL`]'s order.
const DRAW: [&dyn PaneDraw; Pane::COUNT] = [
    &targets::Targets,
    &capacity::Capacity,
    &runs::Runs,
    &alarms::Alarms,
    &timeline::Timeline,
];

fn draw(p: Pane) -> &'static dyn PaneDraw {
    DRAW[p.index()]
}

/// A pane's column headings as drawn, muted and underlined.
fn heading_line(cx: &Ctx<'_>, cols: Columns, p: Pane) -> Option<Line<'static>> {
    let text = draw(p).heading(cx, cols)?;
    Some(Line::from(Span::styled(
        text,
        cx.theme
            .muted()
            .add_modifier(ratatui::style::Modifier::UNDERLINED),
    )))
}

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

/// What the panes' frames show of each pane besides its rows' data: its selection and filter,
/// its last read's error and age, the operations running on it; and which pane has the focus.
/// Gathered from the app once a frame.
pub struct Panes<'a> {
    pub views: Vec<PaneView<'a>>,
    pub focus: Pane,
}

/// One pane's part of [`Panes`].
pub struct PaneView<'a> {
    pub state: &'a PaneState,
    pub error: Option<&'a SourceError>,
    /// Seconds since its data was read, if it was.
    pub age: Option<f64>,
    /// The age its title shows, and whether that is stale.
    pub age_label: Option<(String, bool)>,
    /// The operations running on its rows in the region in view.
    pub running: Vec<&'a RunningOp>,
}

impl<'a> Panes<'a> {
    fn of(&self, p: Pane) -> &PaneView<'a> {
        &self.views[p.index()]
    }
}

/// The rows a pane would like: its rows and borders.
fn want(panes: &Panes<'_>, p: Pane) -> u16 {
    let header = u16::from(draw(p).headed());
    (panes.of(p).state.rows.len() as u16)
        .saturating_add(2 + header)
        .max(3)
}

/// Stacks panes in `area` by [`heights`] and draws them.
fn render_column(
    cx: &Ctx<'_>,
    all: &Panes<'_>,
    panes: &[Pane],
    elastic: usize,
    area: Rect,
    buf: &mut Buffer,
    drawn: &mut Drawn,
) {
    let wants: Vec<u16> = panes.iter().map(|p| want(all, *p)).collect();
    let hs = heights(area.height, &wants, elastic, 5);
    let mut y = area.y;
    for (p, h) in panes.iter().zip(hs) {
        let h = h.min(area.y + area.height - y);
        render_pane(cx, all, *p, Rect::new(area.x, y, area.width, h), buf, drawn);
        y += h;
    }
}

/// The panes: all five in two columns, or the focused one over the others' summaries.
pub fn render_main(
    cx: &Ctx<'_>,
    panes: &Panes<'_>,
    area: Rect,
    buf: &mut Buffer,
    drawn: &mut Drawn,
) {
    if is_full(area) {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(area);
        // Numbered in screen order: 1, 2 down the left; 3, 4, 5 down the right.
        render_column(
            cx,
            panes,
            &[Pane::Targets, Pane::Capacity],
            0,
            left,
            buf,
            drawn,
        );
        render_column(
            cx,
            panes,
            &[Pane::Runs, Pane::Alarms, Pane::Timeline],
            2,
            right,
            buf,
            drawn,
        );
    } else {
        // Small terminal: the focused pane grows, the others are one line each.
        let others: Vec<Pane> = Pane::ALL
            .iter()
            .copied()
            .filter(|p| *p != panes.focus)
            .collect();
        let summary_h = others.len() as u16;
        let [big, small] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(summary_h)]).areas(area);
        render_pane(cx, panes, panes.focus, big, buf, drawn);
        for (i, p) in others.iter().enumerate() {
            let y = small.y + i as u16;
            if y >= small.y + small.height {
                break;
            }
            let line = summary_line(cx, panes.of(*p), *p);
            paint::line(buf, small.x, y, &line, small.width);
        }
    }
}

/// `Targets · 5s` with staleness and filter marks.
fn pane_title(cx: &Ctx<'_>, v: &PaneView<'_>, p: Pane) -> Line<'static> {
    let theme = cx.theme;
    let mut spans = vec![
        Span::styled(format!(" {} {} ", p.index() + 1, p.title()), theme.title()),
        // The region in view, so a title never leaves it to the header.
        Span::styled(format!("{} ", cx.region), theme.muted()),
    ];
    if let Some((label, stale)) = &v.age_label {
        spans.push(Span::styled(
            if *stale {
                format!("stale {label} ")
            } else {
                format!("{label} ")
            },
            if *stale { theme.warn() } else { theme.muted() },
        ));
    } else if v.error.is_none() {
        spans.push(Span::styled("loading ", theme.muted()));
    }
    if let Some(e) = v.error {
        spans.push(Span::styled(format!("{} ", e.code), theme.crit()));
    }
    let f = &v.state.filter;
    if !f.is_empty() {
        spans.push(Span::styled(format!("/{f} "), theme.warn()));
    }
    // Read below the top: the newest rows arrived above, and how to follow them again.
    let new = v.state.new_above;
    if new > 0 {
        spans.push(Span::styled(
            format!("{new} new {} g follows ", cx.glyphs.up),
            theme.warn(),
        ));
    }
    for op in &v.running {
        let call = if op.call.is_empty() {
            "starting"
        } else {
            &op.call
        };
        spans.push(Span::styled(
            format!("{} {}: {call} ", cx.glyphs.running, op.summary),
            theme.warn(),
        ));
    }
    Line::from(spans)
}

fn render_pane(
    cx: &Ctx<'_>,
    panes: &Panes<'_>,
    p: Pane,
    area: Rect,
    buf: &mut Buffer,
    drawn: &mut Drawn,
) {
    let focused = panes.focus == p;
    let v = panes.of(p);
    let inner = ratatui::widgets::Block::bordered().inner(area);
    paint::bordered(
        buf,
        area,
        cx.glyphs.border,
        cx.theme.border(focused),
        &pane_title(cx, v, p),
    );
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let ps = v.state;
    let Some(d) = cx.data else {
        paint::str(
            buf,
            inner.x,
            inner.y,
            "waiting for the first poll",
            cx.theme.muted(),
        );
        return;
    };
    if ps.rows.is_empty() {
        let msg = if !ps.filter.is_empty() {
            format!("nothing matches /{}", ps.filter)
        } else if let Some(e) = v.error.filter(|_| v.age.is_some()) {
            // Read, but part of the read failed: what was read is empty, the rest unknown.
            format!(
                "no {} in {} from what could be read; {}:{} failed ({})",
                p.kind().noun(),
                cx.region,
                e.service,
                e.operation,
                e.code
            )
        } else if v.error.is_some() {
            "no data yet: the last fetch failed (see the status line)".to_owned()
        } else if v.age.is_none() {
            "loading".to_owned()
        } else {
            format!("no {} in {}", p.kind().noun(), cx.region)
        };
        paint::str(
            buf,
            inner.x + 1,
            inner.y,
            trunc(&msg, inner.width as usize - 1, cx.glyphs),
            cx.theme.muted(),
        );
        return;
    }
    let width = inner.width as usize;
    let cols = Columns {
        width,
        ..draw(p).columns(d, width)
    };
    // Column headings where the rows are columns and there is room for them.
    let inner = match heading_line(cx, cols, p) {
        Some(head) if inner.height >= 3 => {
            paint::line(buf, inner.x, inner.y, &head, inner.width);
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
    drawn.shown[p.index()] = (offset, h);
    for (i, row) in ps.rows.iter().enumerate().skip(offset).take(h) {
        let y = inner.y + (i - offset) as u16;
        let mut line = draw(p).row(cx, d, cols, *row);
        if focused && i == ps.selected {
            line = line.patch_style(cx.theme.selection());
            paint::style(
                buf,
                Rect::new(inner.x, y, inner.width, 1),
                cx.theme.selection(),
            );
        }
        paint::line(buf, inner.x, y, &line, inner.width);
    }
    if ps.rows.len() > h {
        let pos = format!(" {}/{} ", ps.selected + 1, ps.rows.len());
        let x = area.x + area.width.saturating_sub(pos.len() as u16 + 1);
        paint::str(buf, x, area.y + area.height - 1, pos, cx.theme.muted());
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
pub(super) fn rollout_style(theme: &Theme, s: RolloutState) -> Style {
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

pub(super) fn lbs(d: &RegionData) -> &[LoadBalancer] {
    d.targets.as_deref().unwrap_or_default()
}

/// How old a target group's health is, when it was read before the rest of the pane (a live
/// source reads the groups off screen in rotation): never shown as if read with it.
pub(crate) fn health_age(cx: &Ctx<'_>, tg: &crate::model::TargetGroup) -> Option<Span<'static>> {
    carried_age(cx, tg.health_at)
}

/// How old a service is, when it was described before the rest of the pane (a live source
/// describes the services off screen and at rest in rotation).
pub(crate) fn service_age(cx: &Ctx<'_>, s: &crate::model::EcsService) -> Option<Span<'static>> {
    carried_age(cx, s.read_at)
}

/// How old an Auto Scaling group is, when it was described before the rest of the pane (a live
/// source describes the groups off screen and at rest in rotation).
pub(crate) fn group_age(cx: &Ctx<'_>, g: &crate::model::AutoScalingGroup) -> Option<Span<'static>> {
    carried_age(cx, g.read_at)
}

fn carried_age(cx: &Ctx<'_>, at: Option<crate::model::Timestamp>) -> Option<Span<'static>> {
    at.map(|at| Span::styled(format!(" {} old", cx.age(at)), cx.theme.muted()))
}

/// A number with no needless decimals.
pub fn fmt_num(v: f64) -> String {
    crate::model::fmt_num(v)
}

/// The one-line summary of a pane (small terminals).
fn summary_line(cx: &Ctx<'_>, v: &PaneView<'_>, p: Pane) -> Line<'static> {
    let t = cx.theme;
    let head = Span::styled(format!(" {} {:<9}", p.index() + 1, p.title()), t.title());
    let Some(d) = cx.data else {
        return Line::from(vec![head, Span::styled(" loading", t.muted())]);
    };
    let mut spans = vec![head];
    if let Some(e) = v.error {
        spans.push(Span::styled(format!(" {} ", e.code), t.crit()));
    }
    if d.fetched(p).at.is_none() {
        // Never summarise data we do not have as if it were empty.
        spans.push(Span::styled(" no data yet", t.muted()));
        return Line::from(spans);
    }
    draw(p).summary(cx, d, &mut spans);
    Line::from(spans)
}

/// Spans until about `width` cells are filled: summaries of large estates stay cheap.
pub(super) fn take_width(
    spans: impl Iterator<Item = Span<'static>>,
    width: usize,
) -> Vec<Span<'static>> {
    let mut used = 0;
    spans
        .take_while(|s| {
            let go = used < width;
            used += s.width();
            go
        })
        .collect()
}
