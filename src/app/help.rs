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
        Action::Scale | Action::Deploy | Action::RunNow | Action::Rollback => 2,
        Action::Failover => 3,
        Action::Faults => 4,
        Action::Refresh
        | Action::Pause
        | Action::RegionView
        | Action::NextTheme
        | Action::Filter
        | Action::Palette
        | Action::Logs => 1,
        _ => 0,
    }
}

const GROUPS: [&str; 5] = ["Navigation", "View", "Operations", "Failover drill", "Demo"];

/// Notes under a group that are not keymap actions.
fn notes(group: usize) -> &'static [(&'static str, &'static str)] {
    match group {
        0 => &[("Ctrl-C", "quit from anywhere")],
        1 => &[
            ("in / filter", "type to filter, Enter keep, Esc clear"),
            (": palette", "theme, region, pane, scenario, api, quit"),
            (
                "in logs",
                "/ filter pattern, f follow/pause, w wrap, g/G ends",
            ),
        ],
        3 => &[
            ("s / B / Esc", "start / fail back / abort (app name typed)"),
            ("r / b", "resume / roll back a drill found on disk"),
        ],
        _ => &[],
    }
}

impl App {
    /// The help popup's lines, grouped.
    pub fn help_lines(&self) -> Vec<HelpLine> {
        let bindings = self.keymap.bindings();
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

    /// How the help lays out at the current size: (columns, rows it can show at once).
    pub fn help_layout(&self) -> (usize, usize) {
        let (w, h) = self.size;
        let cols = if w >= 90 { 2 } else { 1 };
        // Header, status and footer lines, the popup's borders and its scroll line.
        let rows = (h as usize).saturating_sub(3 + 2 + 1).max(1);
        (cols, rows)
    }

    /// The rows of help (per column) and the furthest it scrolls.
    pub fn help_rows(&self) -> (usize, usize) {
        let lines = self.help_lines().len();
        let (cols, rows) = self.help_layout();
        let per_col = lines.div_ceil(cols);
        (per_col, per_col.saturating_sub(rows))
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
