//! The help popup's content: every bound action, grouped (navigation, view, operations, failover
//! drill, demo), generated from the keymap, and its scrolling.

use super::App;
use crate::action::Action;

/// One line of help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    /// A group's title.
    Group(&'static str),
    /// Keys and what they do; `muted` for notes that are not keymap actions.
    Item {
        keys: String,
        what: &'static str,
        muted: bool,
    },
    Blank,
}

/// The group an action is listed under.
fn group(a: Action) -> usize {
    match a {
        Action::Op(_) => 4,
        Action::Failover
        | Action::DrillStart
        | Action::DrillFailback
        | Action::DrillAbort
        | Action::DrillNextApp
        | Action::PlanExec(_) => 5,
        Action::LogsFollow | Action::LogsWrap => 2,
        Action::Submit | Action::Cancel | Action::Confirm | Action::Decline => 3,
        Action::Faults
        | Action::Refresh
        | Action::Pause
        | Action::RegionView
        | Action::Fleet
        | Action::NextTheme
        | Action::Filter
        | Action::Palette
        | Action::Logs
        | Action::Activity
        | Action::Watched => 1,
        _ => 0,
    }
}

/// The keys cell of a help row, in columns.
pub const KEYS_W: usize = 14;

/// How the help popup lays out: its columns, the rows it shows at once, its width and the width
/// of an item's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelpLayout {
    pub cols: usize,
    pub rows: usize,
    pub width: u16,
    pub text: usize,
}

/// `text` in pieces of at most `width` characters, broken at spaces (a word longer than the
/// width is broken where it must be).
fn wrap_words(text: &'static str, width: usize) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > width.max(1) {
        // The last space within the first `width + 1` characters, else a break at `width`.
        let mut space = None;
        let mut hard = rest.len();
        for (n, (i, c)) in rest.char_indices().enumerate() {
            if c == ' ' && n > 0 {
                space = Some(i);
            }
            if n == width.max(1) {
                hard = i;
                break;
            }
        }
        let at = space.unwrap_or(hard);
        out.push(rest[..at].trim_end());
        rest = rest[at..].trim_start();
    }
    out.push(rest);
    out
}

const GROUPS: [&str; 7] = [
    "Navigation",
    "View",
    "Logs view",
    "Prompts",
    "Operations",
    "Failover",
    "Demo",
];

/// Notes under a group that are not keymap actions.
fn notes(group: usize) -> &'static [(&'static str, &'static str)] {
    match group {
        0 => &[("Ctrl-C", "quit from anywhere")],
        1 => &[
            ("in / filter", "type, Enter keeps, Esc clears"),
            (": palette", "theme region pane op api quit"),
            (":unlock 15m", "writes to a read_only account"),
        ],
        5 => &[("r / b", "resume / roll back a found drill")],
        2 => &[("/ and moves", "as in panes; CloudWatch patterns")],
        3 => &[("text fields", "arrows, Home/End, Ctrl-A/E/U/K/W")],
        _ => &[],
    }
}

impl App {
    /// The help popup's lines, grouped.
    pub fn help_lines(&self) -> Vec<HelpLine> {
        let bindings = self.settings.keymap.bindings();
        let mut out = Vec::new();
        for (g, title) in GROUPS.iter().enumerate() {
            let items: Vec<HelpLine> = bindings
                .iter()
                .filter(|(a, _)| group(*a) == g && (self.is_demo() || *a != Action::Faults))
                .map(|(a, keys)| HelpLine::Item {
                    keys: keys
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" "),
                    what: a.help(),
                    muted: false,
                })
                .chain(notes(g).iter().map(|(k, w)| HelpLine::Item {
                    keys: (*k).to_owned(),
                    what: w,
                    muted: true,
                }))
                .collect();
            if items.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(HelpLine::Blank);
            }
            out.push(HelpLine::Group(title));
            out.extend(items);
        }
        out
    }

    /// How the help lays out at the current size.
    pub fn help_layout(&self) -> HelpLayout {
        let (w, h) = self.size;
        let cols = if w >= 90 { 2 } else { 1 };
        let width = (if cols == 2 { 100 } else { 60 }).min(w);
        // Header, status and footer lines, the popup's borders and its scroll line.
        let rows = (h as usize).saturating_sub(3 + 2 + 1).max(1);
        // A column: a space, the keys cell, the text, a space before the next column.
        let col = usize::from(width.saturating_sub(2)) / cols;
        let text = col.saturating_sub(1 + KEYS_W + 1).max(8);
        HelpLayout {
            cols,
            rows,
            width,
            text,
        }
    }

    /// The help as drawn: every line of [`App::help_lines`], an item whose text is wider than
    /// its column continued on the rows below it (never cut).
    pub fn help_display(&self) -> Vec<HelpLine> {
        let width = self.help_layout().text;
        let mut out = Vec::new();
        for line in self.help_lines() {
            match line {
                HelpLine::Item { keys, what, muted } => {
                    for (i, piece) in wrap_words(what, width).into_iter().enumerate() {
                        out.push(HelpLine::Item {
                            keys: if i == 0 { keys.clone() } else { String::new() },
                            what: piece,
                            muted,
                        });
                    }
                }
                other => out.push(other),
            }
        }
        out
    }

    /// The rows of help (per column) and the furthest it scrolls.
    pub fn help_rows(&self) -> (usize, usize) {
        let lines = self.help_display().len();
        let layout = self.help_layout();
        let per_col = lines.div_ceil(layout.cols);
        (per_col, per_col.saturating_sub(layout.rows))
    }

    /// Opens the help at its top.
    pub(super) fn open_help(&mut self) {
        self.help_scroll = 0;
        self.overlay = super::Overlay::Help;
    }

    /// Scrolls the help by `delta` rows (clamped).
    pub(super) fn scroll_help(&mut self, delta: i64) {
        let (_, max) = self.help_rows();
        self.help_scroll = (self.help_scroll as i64 + delta).clamp(0, max as i64) as usize;
    }
}
