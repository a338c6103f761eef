//! Runs: State Manager associations, their last execution and its per-target counts.

use super::{Columns, Ctx, PaneDraw, exec_style};
use crate::app::{RegionData, Row};
use crate::model::ExecStatus;
use crate::ui::widgets::cell;
use ratatui::text::{Line, Span};

pub struct Runs;

impl PaneDraw for Runs {
    fn headed(&self) -> bool {
        true
    }

    fn columns(&self, d: &RegionData, w: usize) -> Columns {
        Columns {
            name: runs_name_w(d, w),
            ..Columns::default()
        }
    }

    fn heading(&self, cx: &Ctx<'_>, cols: Columns) -> Option<String> {
        let g = cx.glyphs;
        Some(format!(
            "{} {:<10} {:>3} {:>2} {:>8}  document",
            cell("association", cols.name, g),
            "status",
            g.ok,
            g.fail,
            "started"
        ))
    }

    fn row(&self, cx: &Ctx<'_>, d: &RegionData, cols: Columns, row: Row) -> Line<'static> {
        let g = cx.glyphs;
        let t = cx.theme;
        let age = |at: crate::model::Timestamp| cx.age(at);
        match row {
            Row::Association(a) => {
                let Some(x) = d.runs.as_ref().and_then(|v| v.get(a)) else {
                    return Line::default();
                };
                let name_w = cols.name;
                let mut spans = vec![
                    Span::styled(cell(&x.name, name_w, g), t.text()),
                    Span::styled(format!(" {:<10}", x.status), exec_style(t, &x.status)),
                ];
                // Fixed-width cells: a run in progress never pushes the columns after it.
                let mut running = None;
                if let Some(e) = &x.last_execution {
                    if e.id == "(starting)" {
                        spans.push(Span::styled(format!(" {:<7}", "…"), t.warn()));
                    } else {
                        let ok = format!("{}{}", e.success, g.ok);
                        let fail = format!("{}{}", e.failed, g.fail);
                        spans.push(Span::styled(format!(" {ok:>3}"), t.ok()));
                        spans.push(Span::styled(
                            format!(" {fail:<3}"),
                            if e.failed > 0 { t.crit() } else { t.muted() },
                        ));
                    }
                    spans.push(Span::styled(
                        format!("{:>8} ", format!("{} ago", age(e.created_at))),
                        t.muted(),
                    ));
                    if e.pending > 0 {
                        running = Some(e.pending);
                    }
                } else {
                    spans.push(Span::styled(format!(" {:<16}", "never run"), t.muted()));
                }
                spans.push(Span::styled(
                    format!(" {} {}", x.document, x.targets),
                    t.muted(),
                ));
                if let Some(n) = running {
                    spans.push(Span::styled(format!("  {n} running"), t.warn()));
                }
                Line::from(spans)
            }
            _ => Line::default(),
        }
    }

    fn summary(&self, cx: &Ctx<'_>, d: &RegionData, spans: &mut Vec<Span<'static>>) {
        let t = cx.theme;
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
}

/// The Runs pane's name column: as wide as the longest name in view, up to half the pane.
fn runs_name_w(d: &RegionData, w: usize) -> usize {
    d.runs
        .as_ref()
        .and_then(|v| v.iter().map(|a| a.name.chars().count()).max())
        .unwrap_or(10)
        .min(w / 2)
}
