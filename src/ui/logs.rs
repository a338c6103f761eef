//! The Logs view: a status line (where the logs come from, the filter, follow or paused), the
//! error if the last read failed, and the lines, newest at the bottom.

use super::Ctx;
use super::widgets::trunc;
use crate::app::logs::LogsView;
use crate::model::logs::{Delivery, highlights, readable};
use crate::model::short_age;
use crate::ui::paint;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub fn render(cx: &Ctx<'_>, v: &LogsView, paused: bool, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let title = Line::from(vec![
        Span::styled(" Logs ", t.title()),
        Span::styled(format!("{} {} ", v.target.label(), v.region), t.muted()),
    ]);
    let b = cx.block(title, true);
    let inner = b.inner(area);
    b.render(area, buf);
    if inner.height < 2 || inner.width < 10 {
        return;
    }
    let w = inner.width as usize;
    paint::line(
        buf,
        inner.x,
        inner.y,
        &Line::from(head_line(cx, v, paused)),
        inner.width,
    );
    let mut top = inner.y + 1;
    // The whole error, wrapped (at most three lines): what failed and how to fix it; else why
    // there is no live tail.
    let note = match (&v.error, &v.delivery) {
        (Some(e), _) => Some((
            match &e.hint {
                Some(h) => format!("{} {}: {} — {h}", e.operation, e.code, e.message),
                None => format!("{} {}: {}", e.operation, e.code, e.message),
            },
            t.crit(),
        )),
        (None, Delivery::Fallback(why)) => Some((why.clone(), t.warn())),
        _ => None,
    };
    if let Some((text, style)) = note {
        for line in super::widgets::wrap(&text, w).into_iter().take(3) {
            if top >= inner.y + inner.height {
                break;
            }
            paint::str(buf, inner.x, top, line, style);
            top += 1;
        }
    }
    let bottom = inner.y + inner.height - u16::from(v.editing.is_some());
    if let Some(text) = &v.editing {
        let line = Line::from(vec![
            Span::styled("filter pattern /", t.title()),
            Span::styled(text.shown(), t.text()),
            Span::styled(
                "   CloudWatch syntax: words, \"a phrase\", ?either, -not, { $.level = \"error\" }",
                t.muted(),
            ),
        ]);
        paint::line(buf, inner.x, bottom, &line, inner.width);
    }
    let rows = bottom.saturating_sub(top) as usize;
    if rows == 0 {
        return;
    }
    if v.lines.is_empty() {
        let msg = if v.source.is_some() && v.read_at.is_some() {
            "no log events in the last 15 minutes match"
        } else if v.source.is_some() {
            "reading…"
        } else {
            ""
        };
        paint::str(buf, inner.x, top, msg, t.muted());
        return;
    }
    let mut out = event_lines(cx, v, w, rows);
    out.truncate(rows);
    out.reverse();
    let first = rows - out.len();
    for (i, l) in out.iter().enumerate() {
        paint::line(buf, inner.x, top + (first + i) as u16, l, inner.width);
    }
    if v.scroll > 0 {
        let pos = format!(" {} lines below ", v.scroll);
        let x = area.x + area.width.saturating_sub(pos.len() as u16 + 1);
        paint::str(buf, x, area.y + area.height - 1, pos, t.muted());
    }
}

/// A line's colour from its level, the first word of its readable form (`error`, `WARN` …).
fn level_style(cx: &Ctx<'_>, text: &str) -> ratatui::style::Style {
    let t = cx.theme;
    let first = text.split_whitespace().next().unwrap_or("").to_lowercase();
    let first = first.trim_end_matches(':');
    match first {
        "error" | "fatal" | "panic" | "critical" | "crit" | "emerg" | "alert" => t.crit(),
        "warn" | "warning" => t.warn(),
        _ => t.text(),
    }
}

/// A stream name short enough for a column: ECS's `prefix/container/task-id` as the task id's
/// first 8 characters; others as their last 19 (an instance id fits).
fn short_stream(s: &str) -> String {
    let last = s.rsplit('/').next().unwrap_or(s);
    if s.matches('/').count() >= 2 {
        return last.chars().take(8).collect();
    }
    let n = last.chars().count();
    last.chars().skip(n.saturating_sub(19)).collect()
}

/// `text` in pieces of `width` characters (byte-aligned to characters).
fn chunk(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars
        .chunks(width.max(1))
        .map(|c| c.iter().collect())
        .collect()
}

/// A piece of a line starting at byte `offset` of the whole, with the marked ranges highlighted.
fn marked(
    piece: &str,
    offset: usize,
    marks: &[(usize, usize)],
    cx: &Ctx<'_>,
    base: ratatui::style::Style,
) -> Vec<Span<'static>> {
    let t = cx.theme;
    let mut out = Vec::new();
    let mut at = 0;
    for &(a, b) in marks {
        let (a, b) = (a.saturating_sub(offset), b.saturating_sub(offset));
        if b == 0 || a >= piece.len() {
            continue;
        }
        let (a, b) = (a.max(at), b.min(piece.len()));
        if !piece.is_char_boundary(a) || !piece.is_char_boundary(b) || a >= b {
            continue;
        }
        if a > at {
            out.push(Span::styled(piece[at..a].to_owned(), base));
        }
        out.push(Span::styled(piece[a..b].to_owned(), t.selection()));
        at = b;
    }
    if at < piece.len() {
        out.push(Span::styled(piece[at..].to_owned(), base));
    }
    out
}

/// The Logs view's first line: the state of the tail and the filter first (a long list of groups
/// is what a narrow terminal cuts), then where the lines come from.
fn head_line(cx: &Ctx<'_>, v: &LogsView, paused: bool) -> Vec<Span<'static>> {
    let t = cx.theme;
    let mut head = Vec::new();
    if v.follow {
        head.push(Span::styled("following", t.ok()));
    } else {
        head.push(Span::styled(format!("paused, {} new", v.unseen), t.warn()));
    }
    if paused {
        head.push(Span::styled("  refresh paused", t.warn()));
    }
    let every = crate::app::logs::TAIL_EVERY.as_secs();
    head.push(match &v.delivery {
        Delivery::Polling => Span::styled(format!("  every {every} s"), t.muted()),
        Delivery::Opening => Span::styled("  opening live tail…", t.muted()),
        Delivery::Live { sampled: false } => Span::styled("  live tail", t.ok()),
        Delivery::Live { sampled: true } => {
            Span::styled("  live tail, sampled (too many events)", t.warn())
        }
        Delivery::Fallback(_) => Span::styled(format!("  every {every} s, no live tail"), t.warn()),
    });
    head.push(Span::styled("  filter ", t.muted()));
    head.push(if v.pattern.is_empty() {
        Span::styled("none", t.muted())
    } else {
        Span::styled(v.pattern.clone(), t.warn())
    });
    if let Some(at) = v.read_at {
        head.push(Span::styled(
            format!("  read {} ago", short_age(cx.now.secs_since(at))),
            t.muted(),
        ));
    }
    if v.dropped > 0 {
        head.push(Span::styled(
            format!("  {} older lines dropped", v.dropped),
            t.muted(),
        ));
    }
    if v.wrap {
        head.push(Span::styled("  wrap", t.muted()));
    }
    head.push(Span::raw("  "));
    match &v.source {
        None if v.error.is_none() => head.push(Span::styled("finding the log groups…", t.muted())),
        None => head.push(Span::styled("no log group found", t.warn())),
        Some(s) => {
            let names: Vec<String> = s
                .groups
                .iter()
                .map(|g| match &g.stream_prefix {
                    Some(p) => format!("{} ({p}…)", g.name),
                    None => g.name.clone(),
                })
                .collect();
            head.push(Span::styled(names.join(", "), t.text()));
        }
    }
    head
}

/// The events as screen lines, from the newest up, `scroll` lines above the bottom: at least
/// `rows` of them when there are (the caller keeps the last `rows`).
fn event_lines(cx: &Ctx<'_>, v: &LogsView, w: usize, rows: usize) -> Vec<Line<'static>> {
    let t = cx.theme;
    let g = cx.glyphs;
    let mut out: Vec<Line> = Vec::new();
    let end = v.lines.len().saturating_sub(v.scroll);
    for e in v.lines.range(..end).rev() {
        let stamp = format!("{} ", e.at.hms());
        let stream = short_stream(&e.stream);
        // The Activity view: each audit record on one readable line.
        let text = if matches!(v.target, crate::model::logs::LogTarget::Activity(_)) {
            readable(&crate::ops::audit::activity_line(&e.message))
        } else {
            readable(&e.message)
        };
        let prefix = stamp.chars().count() + stream.chars().count() + 1;
        let body_w = w.saturating_sub(prefix).max(10);
        let chunks: Vec<String> = if v.wrap {
            chunk(&text, body_w)
        } else {
            vec![trunc(&text, body_w, g)]
        };
        let marks = highlights(&v.pattern, &text);
        let base = level_style(cx, &text);
        let mut lines_of_event = Vec::new();
        let mut offset = 0;
        for (i, c) in chunks.iter().enumerate() {
            let mut spans = if i == 0 {
                vec![
                    Span::styled(stamp.clone(), t.muted()),
                    Span::styled(format!("{stream} "), t.muted()),
                ]
            } else {
                vec![Span::raw(" ".repeat(prefix))]
            };
            spans.extend(marked(c, offset, &marks, cx, base));
            offset += c.len();
            lines_of_event.push(Line::from(spans));
        }
        out.extend(lines_of_event.into_iter().rev());
        if out.len() >= rows {
            break;
        }
    }
    out
}
