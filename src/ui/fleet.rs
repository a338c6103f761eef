//! The fleet view: one row per account and region, what is wrong there in counts (zonal shifts,
//! and this console's drill beside them), how old the read is, and an error in that row only.

use super::Ctx;
use crate::model::fleet::FleetRow;
use crate::model::short_age;
use crate::ops::drill::DrillState;
use crate::ui::paint;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use std::fmt::Write as _;

/// Columns: account, region, targets, alarms, rollouts, shifts, read.
const WIDTHS: [usize; 7] = [18, 15, 18, 11, 10, 8, 9];

fn row_text(cells: &[String]) -> String {
    let mut out = String::new();
    for (i, c) in cells.iter().enumerate() {
        let w = WIDTHS.get(i).copied().unwrap_or(0);
        let c: String = c.chars().take(w.saturating_sub(1).max(1)).collect();
        let _ = write!(out, "{c:<w$}");
    }
    out
}

/// The fleet as the app read it: how many accounts it names, a row per account and region,
/// the one selected, and this console's drill.
pub struct Fleet<'a> {
    pub accounts: usize,
    pub rows: &'a [FleetRow],
    pub selected: usize,
    pub drill: Option<&'a DrillState>,
}

pub fn render(cx: &Ctx<'_>, f: &Fleet<'_>, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let b = cx.block(
        Line::from(Span::styled(
            match f.accounts {
                1 => " Fleet: 1 account ".to_owned(),
                n => format!(" Fleet: {n} accounts "),
            },
            t.title(),
        )),
        true,
    );
    let inner = b.inner(area);
    b.render(area, buf);
    if inner.height == 0 {
        return;
    }
    let head = row_text(
        &[
            "account", "region", "targets", "alarms", "rollouts", "shifts", "read",
        ]
        .map(str::to_owned),
    );
    paint::str_n(
        buf,
        inner.x + 1,
        inner.y,
        head,
        inner.width as usize - 1,
        t.muted(),
    );
    if f.rows.is_empty() {
        paint::str_n(
            buf,
            inner.x + 1,
            inner.y + 1,
            "reading every account…",
            inner.width as usize - 1,
            t.muted(),
        );
        return;
    }
    let now = cx.now;
    // This console's drill, in the rows of its account's two regions.
    let drill = f
        .drill
        .filter(|d| d.phase != crate::ops::drill::Phase::Finished && d.account == cx.info.account);
    for (i, r) in f.rows.iter().enumerate() {
        let y = inner.y + 1 + i as u16;
        if y >= inner.y + inner.height {
            break;
        }
        let s = r.summary;
        let cells = [
            r.account.clone(),
            r.region.to_string(),
            s.map_or("…".into(), |s| {
                if s.targets == 0 {
                    "none".into()
                } else if s.unhealthy == 0 {
                    format!("{} healthy", s.targets)
                } else {
                    format!("{}/{} unhealthy", s.unhealthy, s.targets)
                }
            }),
            s.map_or(String::new(), |s| format!("{} ALARM", s.alarms_firing)),
            s.map_or(String::new(), |s| s.rollouts.to_string()),
            s.map_or(String::new(), |s| {
                let drilled = drill.is_some_and(|d| {
                    r.profile == cx.info.profile
                        && (d.spec.primary == r.region || d.spec.dr == r.region)
                });
                if drilled {
                    format!("{} drill", s.shifts)
                } else {
                    s.shifts.to_string()
                }
            }),
            r.read_at.map_or(String::new(), |at| {
                format!("{} ago", short_age(now.secs_since(at)))
            }),
        ];
        let bad = s.is_some_and(|s| s.unhealthy > 0 || s.alarms_firing > 0);
        let style = if i == f.selected {
            t.selection()
        } else if r.error.is_some() {
            t.warn()
        } else if bad {
            t.crit()
        } else {
            t.text()
        };
        let text = match (&r.error, s) {
            // Nothing read: the error takes the counts' place, so a narrow screen shows it.
            (Some(e), None) => format!("{}{e}", row_text(&cells[..2])),
            (Some(e), Some(_)) => format!("{}{e}", row_text(&cells)),
            (None, _) => row_text(&cells),
        };
        let text = crate::state::printable(&text);
        paint::str_n(buf, inner.x + 1, y, text, inner.width as usize - 1, style);
    }
}
