//! Small drawing helpers: glyph sets (Unicode or ASCII), sparklines with a threshold, progress
//! bars, and a column chart with a threshold line.

use crate::theme::Theme;
use crate::ui::paint;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::Span;

/// Glyphs for Unicode terminals or `--ascii`.
#[derive(Debug, Clone, Copy)]
pub struct Glyphs {
    pub spark: &'static [char],
    pub full: char,
    pub empty: char,
    pub dot: &'static str,
    pub ok: &'static str,
    pub fail: &'static str,
    pub arrow: &'static str,
    pub ellipsis: &'static str,
    pub threshold: char,
    /// Marks an operation in progress.
    pub running: &'static str,
    /// Points up (new rows above).
    pub up: &'static str,
    pub border: border::Set<'static>,
}

pub const UNICODE: Glyphs = Glyphs {
    spark: &['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
    full: '█',
    empty: '░',
    dot: "●",
    running: "⟳",
    up: "↑",
    ok: "✓",
    fail: "✗",
    arrow: "→",
    ellipsis: "…",
    threshold: '┄',
    border: border::PLAIN,
};

pub const ASCII: Glyphs = Glyphs {
    spark: &['_', '.', ',', '-', '=', '+', '*', '#'],
    full: '#',
    empty: '-',
    dot: "*",
    running: "~",
    up: "^",
    ok: "ok",
    fail: "x",
    arrow: "->",
    ellipsis: "...",
    threshold: '-',
    border: border::Set {
        top_left: "+",
        top_right: "+",
        bottom_left: "+",
        bottom_right: "+",
        vertical_left: "|",
        vertical_right: "|",
        horizontal_top: "-",
        horizontal_bottom: "-",
    },
};

/// `values` squeezed into `width` columns when there are more, each column its alarming side
/// (see the match below).
pub fn fit(values: &[f64], width: usize, breaches: impl Fn(f64) -> bool) -> Vec<f64> {
    if width == 0 || values.is_empty() {
        return Vec::new();
    }
    if values.len() <= width {
        return values.to_vec();
    }
    (0..width)
        .map(|i| {
            let a = i * values.len() / width;
            let b = ((i + 1) * values.len() / width).max(a + 1);
            let chunk = &values[a..b];
            // A column shows its alarming side: the lowest breaching value for an alarm on a
            // dip (`< 1`), the highest for one on a peak; with no breach, the peak.
            let peak = chunk.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let dip = chunk.iter().copied().fold(f64::INFINITY, f64::min);
            match (breaches(peak), breaches(dip)) {
                (false, true) => dip,
                _ => peak,
            }
        })
        .collect()
}

/// A sparkline of `values` scaled to include the threshold; bars on the alarming side are styled
/// `crit`, the rest `normal`.
pub fn sparkline<'a>(
    values: &[f64],
    width: usize,
    threshold: f64,
    breaches: impl Fn(f64) -> bool,
    g: &Glyphs,
    normal: Style,
    crit: Style,
) -> Vec<Span<'a>> {
    let v = fit(values, width, &breaches);
    let max = v.iter().copied().fold(threshold.abs(), f64::max).max(1e-9);
    let mut spans: Vec<Span<'a>> = Vec::new();
    let mut run = String::new();
    let mut run_crit = false;
    for x in &v {
        let level = ((x / max) * (g.spark.len() - 1) as f64)
            .round()
            .clamp(0.0, (g.spark.len() - 1) as f64) as usize;
        let c = breaches(*x);
        if c != run_crit && !run.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut run),
                if run_crit { crit } else { normal },
            ));
        }
        run_crit = c;
        run.push(g.spark[level]);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, if run_crit { crit } else { normal }));
    }
    let pad = width.saturating_sub(v.len());
    if pad > 0 {
        spans.insert(0, Span::raw(" ".repeat(pad)));
    }
    spans
}

/// `[####----]` of `done` out of `total`, `width` cells inside the brackets; nothing wanted
/// (`total` 0) is an empty bar, never a full one.
pub fn progress(done: u32, total: u32, width: usize, g: &Glyphs) -> String {
    let filled = if total == 0 {
        0
    } else {
        ((f64::from(done.min(total)) / f64::from(total)) * width as f64).round() as usize
    };
    let mut s = String::with_capacity(width + 2);
    s.push('[');
    s.extend(std::iter::repeat_n(g.full, filled));
    s.extend(std::iter::repeat_n(g.empty, width - filled));
    s.push(']');
    s
}

/// Word-wraps `s` to lines of at most `width` characters (a longer word is split).
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let room = if used == 0 {
                width
            } else {
                width.saturating_sub(used + 1)
            };
            if word.len() <= room {
                if used > 0 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            let rest = word.split_off(width);
            lines.push(word.iter().collect());
            word = rest;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A character as it goes on screen: control characters and the invisible ones that reorder or
/// join text (bidirectional overrides and isolates, zero-width joiners, byte-order marks) become
/// `?`, so a name from AWS can neither drive the terminal nor move the columns after it.
pub fn screen_char(c: char) -> char {
    if c.is_control() || crate::state::is_invisible_format(c) {
        '?'
    } else {
        c
    }
}

/// Columns a character takes on screen (an emoji takes two).
fn char_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(screen_char(c)).unwrap_or(0)
}

/// Columns a text takes on screen.
pub fn text_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Truncates to `width` columns with an ellipsis; wide characters (emoji, CJK) count two.
pub fn trunc(s: &str, width: usize, g: &Glyphs) -> String {
    if text_width(s) <= width && !s.chars().any(|c| screen_char(c) != c) {
        return s.to_owned();
    }
    let fits = |limit: usize| {
        let mut out = String::new();
        let mut used = 0;
        for c in s.chars() {
            let w = char_width(c);
            if used + w > limit {
                break;
            }
            used += w;
            out.push(screen_char(c));
        }
        out
    };
    if text_width(s) <= width {
        return fits(width);
    }
    let e = text_width(g.ellipsis);
    if width <= e {
        return fits(width);
    }
    let mut out = fits(width - e);
    out.push_str(g.ellipsis);
    out
}

/// Pads or truncates to exactly `width` columns.
pub fn cell(s: &str, width: usize, g: &Glyphs) -> String {
    let t = trunc(s, width, g);
    let n = text_width(&t);
    format!("{t}{}", " ".repeat(width.saturating_sub(n)))
}

/// A column chart of `values` with a horizontal threshold line and a y axis.
pub fn chart(
    area: Rect,
    buf: &mut Buffer,
    values: &[f64],
    threshold: f64,
    breaches: impl Fn(f64) -> bool,
    theme: &Theme,
    g: &Glyphs,
) {
    if area.width < 12 || area.height < 3 {
        return;
    }
    let axis_w: u16 = 8;
    let plot = Rect::new(area.x + axis_w, area.y, area.width - axis_w, area.height);
    // Stretch a short series across the plot; squeeze a long one keeping peaks.
    let v: Vec<f64> = if values.is_empty() || values.len() >= plot.width as usize {
        fit(values, plot.width as usize, &breaches)
    } else {
        (0..plot.width as usize)
            .map(|i| values[i * values.len() / plot.width as usize])
            .collect()
    };
    let max = v.iter().copied().fold(threshold.abs(), f64::max).max(1e-9) * 1.1;
    let h = f64::from(plot.height);
    let row_of =
        |x: f64| -> u16 { ((1.0 - x / max) * (h - 1.0)).round().clamp(0.0, h - 1.0) as u16 };
    let t_row = row_of(threshold);
    for (label, y) in [(max, 0), (threshold, t_row), (0.0, plot.height - 1)] {
        let text = format!("{label:>7.1}");
        paint::str(buf, area.x, plot.y + y, text, theme.muted());
    }
    for x in 0..plot.width {
        paint::str(
            buf,
            plot.x + x,
            plot.y + t_row,
            g.threshold.to_string(),
            theme.threshold(),
        );
    }
    for (i, val) in v.iter().enumerate() {
        let top = row_of(*val);
        let style = if breaches(*val) {
            theme.crit()
        } else {
            theme.chart()
        };
        for y in top..plot.height {
            paint::str(
                buf,
                plot.x + i as u16,
                plot.y + y,
                g.full.to_string(),
                style,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A health check's dip (an alarm on `< 1`) squeezed into a column with healthy minutes
    /// around it: the column shows the dip, on the alarming side, not the healthy peak (the
    /// Alarms pane read `0 <1` beside a solid, uncoloured line).
    #[test]
    fn fit_keeps_the_alarming_value_of_a_column() {
        let mut v = vec![1.0; 60];
        v[59] = 0.0;
        let f = fit(&v, 20, |x| x < 1.0);
        assert_eq!(f, [[1.0; 19].as_slice(), &[0.0]].concat());
        let spans = sparkline(
            &v,
            20,
            1.0,
            |x| x < 1.0,
            &UNICODE,
            Style::default(),
            Style::default().fg(ratatui::style::Color::Red),
        );
        let last = spans.last().unwrap();
        assert_eq!(last.content, UNICODE.spark[0].to_string());
        assert_eq!(last.style.fg, Some(ratatui::style::Color::Red));
        // Above a threshold the peak is the alarming side, as before.
        let mut v = vec![1.0; 60];
        v[31] = 100.0;
        assert!(fit(&v, 10, |x| x > 10.0).contains(&100.0));
    }

    #[test]
    fn fit_keeps_peaks() {
        let v: Vec<f64> = (0..60).map(|i| if i == 31 { 100.0 } else { 1.0 }).collect();
        let f = fit(&v, 10, |_| false);
        assert_eq!(f.len(), 10);
        assert!(f.contains(&100.0));
    }

    #[test]
    fn progress_bar() {
        assert_eq!(progress(1, 2, 4, &ASCII), "[##--]");
        // Nothing wanted is no progress to show: a superseded deployment (2 running of 0
        // wanted) drew a full bar.
        assert_eq!(progress(0, 0, 2, &ASCII), "[--]");
        assert_eq!(progress(2, 0, 2, &ASCII), "[--]");
    }

    #[test]
    fn truncation() {
        assert_eq!(trunc("abcdef", 4, &ASCII), "a...");
        assert_eq!(cell("ab", 4, &UNICODE), "ab  ");
    }

    /// Emoji take two columns and right-to-left overrides would reorder what follows: a name
    /// with either keeps the columns after it in place (they moved by two).
    #[test]
    fn wide_and_bidirectional_names_keep_their_columns() {
        for name in [
            "web-🚀-asg",
            "web-\u{202e}gsa-bew",
            "web-\u{200d}x",
            "ok-name",
        ] {
            let c = cell(name, 12, &UNICODE);
            assert_eq!(text_width(&c), 12, "{name:?} -> {c:?}");
            assert!(!c.contains('\u{202e}') && !c.contains('\u{200d}'), "{c:?}");
        }
        assert_eq!(cell("🚀🚀🚀🚀🚀🚀🚀", 6, &UNICODE), "🚀🚀… ");
        assert_eq!(text_width(&cell("🚀🚀🚀🚀🚀🚀🚀", 6, &UNICODE)), 6);
    }
}
