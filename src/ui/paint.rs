//! Writing into the frame's buffer: the same cells as ratatui's `Buffer::set_stringn`,
//! `Buffer::set_line`, `Buffer::set_style` and a bordered `Block`, without their per-cell
//! detours where the text is printable ASCII (one cell a byte, no grapheme walk) or a style
//! changes nothing. Every frame writes a few thousand cells this way, and at rest the frames
//! that the clock and the request counts ask for were a third of the console's work (the tests
//! below hold each function to ratatui's own result, cell for cell).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::Line;

/// Printable ASCII: one byte, one grapheme, one cell.
fn plain(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// `Buffer::set_stringn`: `s` from (x, y), at most `max_width` cells and not past the buffer's
/// right edge; returns where it stopped.
pub fn str_n(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    s: impl AsRef<str>,
    max_width: usize,
    style: impl Into<Style>,
) -> (u16, u16) {
    let (s, style) = (s.as_ref(), style.into());
    if !plain(s) {
        return buf.set_stringn(x, y, s, max_width, style);
    }
    let max = u16::try_from(max_width).unwrap_or(u16::MAX);
    let n = usize::from(buf.area.right().saturating_sub(x).min(max)).min(s.len());
    if n == 0 {
        return (x, y);
    }
    let start = buf.index_of(x, y);
    for (cell, b) in buf.content[start..start + n].iter_mut().zip(s.bytes()) {
        cell.set_char(char::from(b)).set_style(style);
    }
    // `n` is at most the room left on the row, a u16.
    (x + n as u16, y)
}

/// `Buffer::set_string`: `s` from (x, y) to the buffer's right edge at most.
pub fn str(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    s: impl AsRef<str>,
    style: impl Into<Style>,
) -> (u16, u16) {
    str_n(buf, x, y, s, usize::MAX, style)
}

/// `Buffer::set_line`: each span in the line's style patched with its own, at most
/// `max_width` cells.
pub fn line(buf: &mut Buffer, x: u16, y: u16, line: &Line<'_>, max_width: u16) -> (u16, u16) {
    let mut left = max_width;
    let mut x = x;
    for span in line {
        if left == 0 {
            break;
        }
        let end = str_n(
            buf,
            x,
            y,
            span.content.as_ref(),
            usize::from(left),
            line.style.patch(span.style),
        );
        left = left.saturating_sub(end.0.saturating_sub(x));
        x = end.0;
    }
    (x, y)
}

/// `Buffer::set_style`: a row at a time, and nothing at all for a style that sets nothing.
pub fn style(buf: &mut Buffer, area: Rect, style: impl Into<Style>) {
    let style = style.into();
    if style == Style::default() {
        return;
    }
    let area = buf.area.intersection(area);
    if area.is_empty() {
        return;
    }
    for y in area.top()..area.bottom() {
        let start = buf.index_of(area.x, y);
        for cell in &mut buf.content[start..start + usize::from(area.width)] {
            cell.set_style(style);
        }
    }
}

/// A `Block::bordered()` in `set` and `border_style` with `title` at its top left, as ratatui
/// draws it: every border cell replaced, then the title over the top border, cut at its end.
pub fn bordered(
    buf: &mut Buffer,
    area: Rect,
    set: border::Set<'_>,
    border_style: Style,
    title: &Line<'_>,
) {
    let simple = title.style == Style::default()
        && title.alignment.is_none()
        && title.spans.iter().all(|s| plain(s.content.as_ref()));
    if !simple {
        // Anything else (wide or combining characters, a styled or aligned title) as ratatui
        // lays it out.
        ratatui::widgets::Widget::render(
            ratatui::widgets::Block::bordered()
                .border_set(set)
                .border_style(border_style)
                .title(title.clone()),
            area,
            buf,
        );
        return;
    }
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let (left, top) = (area.left(), area.top());
    let (right, bottom) = (area.right() - 1, area.bottom() - 1);
    let mut put = |x: u16, y: u16, symbol: &str| {
        buf[(x, y)].set_symbol(symbol).set_style(border_style);
    };
    // In ratatui's order: the sides, then the corners over them.
    for y in top..=bottom {
        put(left, y, set.vertical_left);
        put(right, y, set.vertical_right);
    }
    for x in left..=right {
        put(x, top, set.horizontal_top);
        put(x, bottom, set.horizontal_bottom);
    }
    put(right, bottom, set.bottom_right);
    put(right, top, set.top_right);
    put(left, bottom, set.bottom_left);
    put(left, top, set.top_left);
    let room = area.width.saturating_sub(2);
    if room > 0 {
        line(buf, left + 1, top, title, room);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ratatui::style::{Color, Modifier};
    use ratatui::text::Span;
    use ratatui::widgets::{Block, Widget};

    /// Text mostly plain, sometimes not: wide, combining, control, box-drawing characters.
    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                8 => prop::char::range(' ', '~'),
                1 => prop::sample::select(vec!['é', '世', '\u{301}', '\t', '\n', '█', '…', '│']),
            ],
            0..30,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    fn style_of(n: u8) -> Style {
        match n % 4 {
            0 => Style::default(),
            1 => Style::default().fg(Color::Red),
            2 => Style::default()
                .bg(Color::Blue)
                .add_modifier(Modifier::BOLD),
            _ => Style::default()
                .fg(Color::Green)
                .remove_modifier(Modifier::BOLD),
        }
    }

    /// A buffer not at the origin, already written, so every cell's old content shows.
    fn canvas() -> Buffer {
        let mut b = Buffer::empty(Rect::new(2, 1, 24, 6));
        for (i, c) in b.content.iter_mut().enumerate() {
            c.set_char(char::from(b'a' + (i % 26) as u8))
                .set_style(style_of(i as u8));
        }
        b
    }

    proptest! {
        #[test]
        fn str_n_writes_what_set_stringn_writes(
            s in text(), x in 2u16..27, y in 1u16..7, w in 0usize..40, st in 0u8..4,
        ) {
            let (mut a, mut b) = (canvas(), canvas());
            let ours = str_n(&mut a, x, y, &s, w, style_of(st));
            let theirs = b.set_stringn(x, y, &s, w, style_of(st));
            prop_assert_eq!(ours, theirs);
            prop_assert_eq!(a, b);
        }

        #[test]
        fn line_writes_what_set_line_writes(
            spans in prop::collection::vec((text(), 0u8..4), 0..4),
            x in 2u16..26, y in 1u16..7, w in 0u16..40, ls in 0u8..4,
        ) {
            let l = Line::from(
                spans.iter().map(|(s, st)| Span::styled(s.clone(), style_of(*st))).collect::<Vec<_>>(),
            )
            .style(style_of(ls));
            let (mut a, mut b) = (canvas(), canvas());
            prop_assert_eq!(line(&mut a, x, y, &l, w), b.set_line(x, y, &l, w));
            prop_assert_eq!(a, b);
        }

        #[test]
        fn style_sets_what_set_style_sets(
            x in 0u16..30, y in 0u16..9, w in 0u16..30, h in 0u16..9, st in 0u8..4,
        ) {
            let area = Rect::new(x, y, w, h);
            let (mut a, mut b) = (canvas(), canvas());
            style(&mut a, area, style_of(st));
            b.set_style(area, style_of(st));
            prop_assert_eq!(a, b);
        }

        #[test]
        fn bordered_draws_what_a_bordered_block_draws(
            spans in prop::collection::vec((text(), 0u8..4), 0..3),
            x in 0u16..27, y in 0u16..8, w in 0u16..30, h in 0u16..8, bs in 0u8..4, plain in any::<bool>(),
        ) {
            let title = Line::from(
                spans.iter().map(|(s, st)| Span::styled(s.clone(), style_of(*st))).collect::<Vec<_>>(),
            );
            let set = if plain { border::PLAIN } else { border::ROUNDED };
            let area = Rect::new(x, y, w, h);
            let (mut a, mut b) = (canvas(), canvas());
            bordered(&mut a, area, set, style_of(bs), &title);
            Block::bordered()
                .border_set(set)
                .border_style(style_of(bs))
                .title(title)
                .render(area, &mut b);
            prop_assert_eq!(a, b);
        }
    }
}
