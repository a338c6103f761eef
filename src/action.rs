//! Every user intent as a named action. The keymap maps keys to these names; help is generated
//! from the keymap, so what help lists is exactly what is bound.

use crate::model::Pane;
use crossterm_keys::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::crossterm::event as crossterm_keys;
use std::fmt;

/// A user intent that a key can trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Leave opsdash, restoring the terminal.
    Quit,
    /// Show the keys (generated from the keymap).
    Help,
    /// Focus the next pane.
    NextPane,
    /// Focus the previous pane.
    PrevPane,
    /// Focus a pane (by default, its number).
    Focus(Pane),
    /// Move the selection up.
    Up,
    /// Move the selection down.
    Down,
    /// Move the selection a page up.
    PageUp,
    /// Move the selection a page down.
    PageDown,
    /// Select the first row.
    Top,
    /// Select the last row.
    Bottom,
    /// Open the detail view of the selected row.
    Details,
    /// Close the detail view, popup or filter.
    Back,
    /// Filter the focused pane.
    Filter,
    /// Open the command palette.
    Palette,
    /// Refresh every pane now.
    Refresh,
    /// Pause or resume refreshing.
    Pause,
    /// Toggle the primary/DR side-by-side view.
    RegionView,
    /// Toggle the fleet view: every configured account and region.
    Fleet,
    /// Switch to the next theme.
    NextTheme,
    /// An operation on the selected resource (scale, deploy, …): what it does, where it applies
    /// and what it plans are its module's, in `app::operation`.
    Op(OpId),
    /// Open the failover drill of the app with a failover section: preflight, plan, progress.
    Failover,
    /// Open the fault-injection menu (demo only).
    Faults,
    /// Open the CloudWatch Logs of the selected ECS service, Auto Scaling group or alarm.
    Logs,
    /// Team mode: the team's audit trail, live (the Activity view).
    Activity,
    /// In an alarm's detail: open what it watches (its dimensions' target group, service or
    /// Auto Scaling group); again: the next one; Back returns to the alarm.
    Watched,
    /// Logs view: follow the newest lines, or pause.
    LogsFollow,
    /// Logs view: wrap long lines, or cut them.
    LogsWrap,
    /// Drill view: start the drill (after its preflight; the app's name typed).
    DrillStart,
    /// Drill view: fail back once the drill is done or has failed.
    DrillFailback,
    /// Drill view: abort a running drill and roll back the steps done.
    DrillAbort,
    /// Drill view: the next app with a failover section.
    DrillNextApp,
    /// Failover view: the ARC Region switch plan's execution (start, approve, …).
    PlanExec(PlanKey),
    /// In a prompt: plan what was typed, or run a typed confirmation.
    Submit,
    /// In a prompt: cancel; nothing is sent.
    Cancel,
    /// In a yes/no confirmation: yes.
    Confirm,
    /// In a yes/no confirmation: no.
    Decline,
}

/// What a key asks of an ARC Region switch plan in the failover view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlanKey {
    /// Start an execution (a prompt: what to activate, then the app's name typed).
    Start,
    /// Approve the step waiting for a manual approval.
    Approve,
    /// Decline it.
    Decline,
    /// Pause the execution, or resume it.
    Pause,
    /// Switch it to ungraceful.
    Ungraceful,
    /// Cancel it.
    Cancel,
}

/// Where a key means an action: everywhere (unless a view or prompt binds it), or in one view,
/// or in every prompt and confirmation. A key may mean one thing per mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    Main,
    Logs,
    Drill,
    Prompt,
}

/// An operation's identity: its config name (`scale`, `zonal_shift`), as the audit log and the
/// `[keys]` section write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpId(pub &'static str);

/// One bindable action: its config name, its help text and its default keys (as written in the
/// config's `[keys]`).
pub struct ActionInfo {
    pub action: Action,
    pub mode: Mode,
    pub name: &'static str,
    pub help: &'static str,
    pub keys: &'static [&'static str],
}

const fn info(
    action: Action,
    name: &'static str,
    help: &'static str,
    keys: &'static [&'static str],
) -> ActionInfo {
    in_mode(Mode::Main, action, name, help, keys)
}

const fn in_mode(
    mode: Mode,
    action: Action,
    name: &'static str,
    help: &'static str,
    keys: &'static [&'static str],
) -> ActionInfo {
    ActionInfo {
        action,
        mode,
        name,
        help,
        keys,
    }
}

/// An operation's line: its id is its name.
const fn op(name: &'static str, help: &'static str, keys: &'static [&'static str]) -> ActionInfo {
    info(Action::Op(OpId(name)), name, help, keys)
}

/// Every action with its config name, help text and default keys, in help order: the one list
/// of what a key can do. An operation is one line here (its name, key and help) and one module
/// in `app::operation` (where it applies, its prompt and plan); a test checks the two agree.
pub const ACTIONS: &[ActionInfo] = &[
    info(Action::Quit, "quit", "quit", &["q"]),
    info(Action::Help, "help", "help", &["?"]),
    info(Action::NextPane, "next_pane", "next pane", &["tab"]),
    info(Action::PrevPane, "prev_pane", "previous pane", &["backtab"]),
    info(
        Action::Focus(Pane::Targets),
        "pane_targets",
        "Targets pane",
        &["1"],
    ),
    info(
        Action::Focus(Pane::Capacity),
        "pane_capacity",
        "Capacity pane",
        &["2"],
    ),
    info(Action::Focus(Pane::Runs), "pane_runs", "Runs pane", &["3"]),
    info(
        Action::Focus(Pane::Alarms),
        "pane_alarms",
        "Alarms pane",
        &["4"],
    ),
    info(
        Action::Focus(Pane::Timeline),
        "pane_timeline",
        "Timeline pane",
        &["5"],
    ),
    info(Action::Up, "up", "move up", &["k", "up"]),
    info(Action::Down, "down", "move down", &["j", "down"]),
    info(Action::PageUp, "page_up", "page up", &["pageup"]),
    info(Action::PageDown, "page_down", "page down", &["pagedown"]),
    info(Action::Top, "top", "first row", &["g", "home"]),
    info(Action::Bottom, "bottom", "last row", &["G", "end"]),
    info(Action::Details, "details", "details", &["enter"]),
    info(Action::Back, "back", "back / close", &["esc"]),
    info(Action::Filter, "filter", "filter pane", &["/"]),
    info(Action::Palette, "palette", "command palette", &[":"]),
    info(Action::Refresh, "refresh", "refresh now", &["r"]),
    info(Action::Pause, "pause", "pause refresh", &["p"]),
    info(Action::RegionView, "region_view", "primary/DR view", &["v"]),
    info(Action::Fleet, "fleet", "fleet: every account", &["W"]),
    info(Action::NextTheme, "next_theme", "next theme", &["t"]),
    op("scale", "scale ASG / service", &["s"]),
    op("deploy", "deploy ECS service", &["d"]),
    op("run_now", "run association now", &["x"]),
    op("rollback", "roll back service", &["b"]),
    info(Action::Failover, "failover", "failover drill", &["F"]),
    op("zonal_shift", "zonal shift / cancel", &["z"]),
    op("zonal_extend", "extend a zonal shift", &["Z"]),
    info(
        Action::Logs,
        "logs",
        "logs of service / group / alarm",
        &["l"],
    ),
    info(Action::Watched, "watched", "what an alarm watches", &["o"]),
    info(
        Action::Activity,
        "activity",
        "team activity (audit trail)",
        &["A"],
    ),
    info(Action::Faults, "faults", "inject fault (demo)", &["!"]),
    in_mode(
        Mode::Logs,
        Action::LogsFollow,
        "logs_follow",
        "follow / pause",
        &["f", "space"],
    ),
    in_mode(
        Mode::Logs,
        Action::LogsWrap,
        "logs_wrap",
        "wrap lines",
        &["w"],
    ),
    in_mode(
        Mode::Drill,
        Action::DrillStart,
        "drill_start",
        "start (app name typed)",
        &["s"],
    ),
    in_mode(
        Mode::Drill,
        Action::DrillFailback,
        "drill_failback",
        "fail back (app name typed)",
        &["B"],
    ),
    in_mode(
        Mode::Drill,
        Action::DrillAbort,
        "drill_abort",
        "abort a running drill",
        &["esc"],
    ),
    in_mode(
        Mode::Drill,
        Action::DrillNextApp,
        "drill_next_app",
        "next app",
        &["tab"],
    ),
    in_mode(
        Mode::Drill,
        Action::PlanExec(PlanKey::Start),
        "plan_start",
        "Region switch: start",
        &["e"],
    ),
    in_mode(
        Mode::Drill,
        Action::PlanExec(PlanKey::Approve),
        "plan_approve",
        "Region switch: approve step",
        &["a"],
    ),
    in_mode(
        Mode::Drill,
        Action::PlanExec(PlanKey::Decline),
        "plan_decline",
        "Region switch: decline step",
        &["D"],
    ),
    in_mode(
        Mode::Drill,
        Action::PlanExec(PlanKey::Pause),
        "plan_pause",
        "Region switch: pause/resume",
        &["P"],
    ),
    in_mode(
        Mode::Drill,
        Action::PlanExec(PlanKey::Ungraceful),
        "plan_ungraceful",
        "Region switch: ungraceful",
        &["U"],
    ),
    in_mode(
        Mode::Drill,
        Action::PlanExec(PlanKey::Cancel),
        "plan_cancel",
        "Region switch: cancel",
        &["C"],
    ),
    in_mode(
        Mode::Prompt,
        Action::Submit,
        "submit",
        "plan / run what was typed",
        &["enter"],
    ),
    in_mode(
        Mode::Prompt,
        Action::Cancel,
        "cancel",
        "cancel, nothing sent",
        &["esc"],
    ),
    in_mode(
        Mode::Prompt,
        Action::Confirm,
        "confirm",
        "yes (run the plan)",
        &["y"],
    ),
    in_mode(Mode::Prompt, Action::Decline, "decline", "no", &["n"]),
];

impl Action {
    fn info(self) -> Option<&'static ActionInfo> {
        ACTIONS.iter().find(|i| i.action == self)
    }

    /// The config name of the action.
    pub fn name(self) -> &'static str {
        self.info().map_or("?", |i| i.name)
    }

    /// Where its keys mean it.
    pub fn mode(self) -> Mode {
        self.info().map_or(Mode::Main, |i| i.mode)
    }

    /// The help text of the action.
    pub fn help(self) -> &'static str {
        self.info().map_or("?", |i| i.help)
    }

    /// Parses a config name; the error lists the valid names.
    pub fn parse(name: &str) -> Result<Self, String> {
        ACTIONS
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.action)
            .ok_or_else(|| {
                let names: Vec<&str> = ACTIONS.iter().map(|i| i.name).collect();
                format!(
                    "unknown action '{name}'; valid actions are: {}",
                    names.join(", ")
                )
            })
    }
}

/// A key with its modifiers, as written in config (`s`, `ctrl-r`, `shift-tab`, `f5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

const NAMED_KEYS: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("shift-tab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("space", KeyCode::Char(' ')),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
];

impl Key {
    pub fn char(c: char) -> Self {
        Key {
            code: KeyCode::Char(c),
            ctrl: false,
            alt: false,
        }
    }

    pub fn code(code: KeyCode) -> Self {
        Key {
            code,
            ctrl: false,
            alt: false,
        }
    }

    /// The key of a terminal key event (shift is part of the character).
    pub fn from_event(ev: &KeyEvent) -> Self {
        let code = match ev.code {
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            c => c,
        };
        Key {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parses a config key name; the error says what is valid.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut rest = s;
        let (mut ctrl, mut alt) = (false, false);
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() => KeyCode::Char(c),
            _ => {
                let lower = rest.to_ascii_lowercase();
                if let Some((_, k)) = NAMED_KEYS.iter().find(|(n, _)| *n == lower) {
                    *k
                } else if let Some(n) = lower
                    .strip_prefix('f')
                    .and_then(|n| n.parse::<u8>().ok())
                    .filter(|n| (1..=12).contains(n))
                {
                    KeyCode::F(n)
                } else {
                    let names: Vec<&str> = NAMED_KEYS.iter().map(|(n, _)| *n).collect();
                    return Err(format!(
                        "unknown key '{s}'; a key is one character (s, F, ?, /), f1..f12, or one of: {}; with optional ctrl- or alt- in front",
                        names.join(", ")
                    ));
                }
            }
        };
        Ok(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.alt {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::Backspace => f.write_str("Bksp"),
            KeyCode::Up => f.write_str("Up"),
            KeyCode::Down => f.write_str("Down"),
            KeyCode::Left => f.write_str("Left"),
            KeyCode::Right => f.write_str("Right"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The keys of the prompt mode, by name, for the text of a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptKeys {
    pub submit: String,
    pub cancel: String,
    pub yes: String,
    pub no: String,
}

/// Keys to actions, and back, in binding order (the order help and the footer show).
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    by_key: Vec<(Key, Action)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let by_key = ACTIONS
            .iter()
            .flat_map(|i| {
                i.keys.iter().map(|k| {
                    let key = Key::parse(k).expect("a default key is a valid key name");
                    (key, i.action)
                })
            })
            .collect();
        Keymap { by_key }
    }
}

impl Keymap {
    /// The action a key triggers in the console's panes and views (the main mode).
    pub fn action(&self, key: &Key) -> Option<Action> {
        self.action_in(Mode::Main, key)
    }

    /// The action a key triggers in a mode.
    pub fn action_in(&self, mode: Mode, key: &Key) -> Option<Action> {
        self.by_key
            .iter()
            .find(|(k, a)| k == key && a.mode() == mode)
            .map(|(_, a)| *a)
    }

    /// The keys bound to an action, in key order.
    pub fn keys(&self, action: Action) -> Vec<Key> {
        self.by_key
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| *k)
            .collect()
    }

    /// The first key of an action, for the footer.
    pub fn key_label(&self, action: Action) -> String {
        self.keys(action)
            .first()
            .map_or_else(|| "unbound".to_owned(), ToString::to_string)
    }

    /// The prompt keys as a prompt's text names them: submit, cancel, confirm, decline.
    pub fn prompt_keys(&self) -> PromptKeys {
        PromptKeys {
            submit: self.key_label(Action::Submit),
            cancel: self.key_label(Action::Cancel),
            yes: self.key_label(Action::Confirm),
            no: self.key_label(Action::Decline),
        }
    }

    /// Every bound action with its keys, in help order.
    pub fn bindings(&self) -> Vec<(Action, Vec<Key>)> {
        ACTIONS
            .iter()
            .map(|i| (i.action, self.keys(i.action)))
            .filter(|(_, keys)| !keys.is_empty())
            .collect()
    }

    /// Rebinds actions to keys, replacing their default keys. A key that ends up bound to two
    /// actions of one mode is an error naming both; submit and cancel, which work inside text
    /// fields, take only keys that type nothing.
    pub fn rebind(&mut self, overrides: &[(Action, Vec<Key>)]) -> Result<(), String> {
        self.by_key
            .retain(|(_, a)| !overrides.iter().any(|(o, _)| o == a));
        for (action, keys) in overrides {
            for key in keys {
                if key.ctrl && !key.alt && key.code == KeyCode::Char('c') {
                    return Err(format!(
                        "ctrl-c always quits and cannot be bound to '{}'; choose another key",
                        action.name()
                    ));
                }
                let types = matches!(key.code, KeyCode::Char(_)) && !key.ctrl && !key.alt;
                if types && matches!(action, Action::Submit | Action::Cancel) {
                    return Err(format!(
                        "'{key}' types a character, so it cannot be '{}' (which works inside text fields); choose enter, esc, a ctrl- or alt- key or f1..f12",
                        action.name()
                    ));
                }
                let mode = action.mode();
                if let Some(other) = self.action_in(mode, key).filter(|a| a != action) {
                    return Err(format!(
                        "key '{key}' is bound to both '{}' and '{}'; choose another key",
                        other.name(),
                        action.name()
                    ));
                }
                if self.action_in(mode, key).is_none() {
                    self.by_key.push((*key, *action));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys() {
        assert_eq!(Key::parse("s").unwrap(), Key::char('s'));
        assert_eq!(Key::parse("F").unwrap(), Key::char('F'));
        assert_eq!(Key::parse("f5").unwrap(), Key::code(KeyCode::F(5)));
        let k = Key::parse("ctrl-r").unwrap();
        assert!(k.ctrl && k.code == KeyCode::Char('r'));
        assert_eq!(
            Key::parse("shift-tab").unwrap(),
            Key::code(KeyCode::BackTab)
        );
        let e = Key::parse("hyper-x").unwrap_err();
        assert!(
            e.contains("unknown key 'hyper-x'") && e.contains("enter"),
            "{e}"
        );
    }

    #[test]
    fn every_action_has_a_default_key_and_a_unique_name() {
        let km = Keymap::default();
        for i in ACTIONS {
            assert!(!km.keys(i.action).is_empty(), "{} unbound", i.name);
            assert_eq!(Action::parse(i.name).unwrap(), i.action);
        }
        // No key is bound twice in a mode by default.
        let mut keys: Vec<String> = km
            .by_key
            .iter()
            .map(|(k, a)| format!("{:?} {k:?}", a.mode()))
            .collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n, "a default key bound twice");
    }

    #[test]
    fn rebind_refuses_conflicts() {
        let mut km = Keymap::default();
        assert!(
            km.rebind(&[(Action::Refresh, vec![Key::char('q')])])
                .is_err()
        );
        let mut km = Keymap::default();
        km.rebind(&[(Action::Refresh, vec![Key::code(KeyCode::F(5))])])
            .unwrap();
        assert_eq!(km.action(&Key::code(KeyCode::F(5))), Some(Action::Refresh));
        assert_eq!(km.action(&Key::char('r')), None);
        // Swapping two keys works when both actions are rebound together.
        let mut km = Keymap::default();
        km.rebind(&[
            (Action::Refresh, vec![Key::char('p')]),
            (Action::Pause, vec![Key::char('r')]),
        ])
        .unwrap();
        assert_eq!(km.action(&Key::char('p')), Some(Action::Refresh));
    }
}
