//! Timeline: what changed first, then its kind and region when there is room.

use super::{Columns, Ctx, PaneDraw};
use crate::app::{RegionData, Row};
use crate::ui::severity_style;
use crate::ui::widgets::cell;
use ratatui::text::{Line, Span};

pub struct Timeline;

impl PaneDraw for Timeline {
    fn headed(&self) -> bool {
        true
    }

    fn heading(&self, _cx: &Ctx<'_>, _cols: Columns) -> Option<String> {
        Some("time     what changed".to_owned())
    }

    fn row(&self, cx: &Ctx<'_>, _d: &RegionData, cols: Columns, row: Row) -> Line<'static> {
        let w = cols.width;
        let g = cx.glyphs;
        let t = cx.theme;
        match row {
            Row::Event(i) => {
                let Some(e) = cx.store.timeline().get(i) else {
                    return Line::default();
                };
                // What changed first; the kind and the region, when there is room, last.
                let head = format!("{} ", e.at.hms());
                let what = short_event(&e.resource, &e.message);
                let tail = if cx.regions > 1 {
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
            _ => Line::default(),
        }
    }

    fn summary(&self, cx: &Ctx<'_>, _d: &RegionData, spans: &mut Vec<Span<'static>>) {
        let t = cx.theme;
        if let Some(e) = cx.store.timeline().front() {
            spans.push(Span::styled(
                format!(" {} {}", e.at.hms(), short_event(&e.resource, &e.message)),
                severity_style(t, e.severity),
            ));
        }
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
