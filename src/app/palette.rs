//! The command palette (`:`): its suggestions (themes, regions, panes, the demo's scenarios, the
//! operations by name, and the console's commands), its keys (Tab completes and cycles, Up/Down
//! choose, Enter runs) and the commands it runs.

use super::{App, Effect, Overlay, PALETTE_MAX, Pane, TextInput, View, operation};
use crate::action::Action;
use crate::model::Severity;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

impl App {
    /// Palette commands matching the input, as full command lines.
    pub fn palette_suggestions(&self, input: &str) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for t in self.settings.themes.names() {
            all.push(format!("theme {t}"));
        }
        for r in &self.info.regions {
            all.push(format!("region {}", r.name));
        }
        if !self.is_demo() {
            for p in &self.settings.profiles {
                all.push(format!("profile {p}"));
            }
        }
        for p in Pane::ALL {
            all.push(format!("pane {}", p.title().to_lowercase()));
        }
        if self.is_demo() {
            for n in &self.scenarios {
                all.push(format!("scenario {n}"));
            }
        }
        // The operations, by name: they work on the selection, as their keys do.
        for o in operation::ALL {
            all.push(o.info().id.0.to_owned());
        }
        if self.account().is_some_and(|a| a.read_only) {
            all.push(
                if self.unlocked().is_some() {
                    "lock"
                } else {
                    "unlock 15m"
                }
                .to_owned(),
            );
        }
        for c in ["api", "refresh", "pause", "resume", "help", "quit"] {
            all.push(c.to_owned());
        }
        let input = input.trim().to_lowercase();
        all.into_iter()
            .filter(|c| c.starts_with(&input) || (!input.is_empty() && c.contains(&input)))
            .collect()
    }

    pub(super) fn on_palette_key(
        &mut self,
        ev: KeyEvent,
        mut input: TextInput,
        mut selected: usize,
    ) -> Vec<Effect> {
        match ev.code {
            KeyCode::Esc => {
                self.overlay = Overlay::None;
                return vec![];
            }
            KeyCode::Enter => {
                self.overlay = Overlay::None;
                let line = if input.text().trim().is_empty() {
                    self.palette_suggestions("")
                        .get(selected)
                        .cloned()
                        .unwrap_or_default()
                } else {
                    input.text().to_owned()
                };
                return self.run_command(&line);
            }
            KeyCode::Tab => {
                // The first Tab completes the selected match; the next ones cycle the matches of
                // what was typed.
                let (prefix, i) = match self.palette_tab.take() {
                    Some((prefix, i))
                        if self
                            .palette_suggestions(&prefix)
                            .get(i)
                            .is_some_and(|m| input == *m) =>
                    {
                        (prefix, i + 1)
                    }
                    _ => (input.text().to_owned(), selected),
                };
                let matches = self.palette_suggestions(&prefix);
                if !matches.is_empty() {
                    let i = i % matches.len();
                    input = TextInput::with_text(&matches[i], PALETTE_MAX);
                    selected = 0;
                    self.palette_tab = Some((prefix, i));
                }
            }
            KeyCode::Down => selected += 1,
            KeyCode::Up => selected = selected.saturating_sub(1),
            _ if input.on_key(&ev) => selected = 0,
            _ => {}
        }
        let n = self.palette_suggestions(input.text()).len();
        self.overlay = Overlay::Palette {
            input,
            selected: selected.min(n.saturating_sub(1)),
        };
        vec![]
    }

    /// `:profile NAME`, `:region NAME` (one not watched): the console watches that instead.
    /// Refused while an operation runs or a drill is under way (their outcome belongs to the
    /// account they began in), and in the demo.
    pub(super) fn switch_to(&mut self, profile: Option<&str>, region: Option<&str>) -> Vec<Effect> {
        if self.is_demo() {
            self.set_status(
                "the demo's estate is built in: it has no profiles; :scenario switches it",
                Severity::Warn,
            );
            return vec![];
        }
        if !self.ops.running.is_empty() {
            self.set_status(
                "an operation is running: switch once it has ended (its outcome is this account's)",
                Severity::Warn,
            );
            return vec![];
        }
        if self.drill().is_some_and(|d| {
            matches!(
                d.phase,
                crate::ops::drill::Phase::Running | crate::ops::drill::Phase::RollingBack
            )
        }) {
            self.set_status(
                "a failover drill is under way: finish or abort it before switching",
                Severity::Warn,
            );
            return vec![];
        }
        let region = match region.map(crate::model::Region::new).transpose() {
            Ok(r) => r,
            Err(e) => {
                self.set_status(format!(":region: {e}"), Severity::Warn);
                return vec![];
            }
        };
        if let Some(p) = profile
            && !self.settings.profiles.is_empty()
            && !self.settings.profiles.iter().any(|n| n == p)
        {
            self.set_status(
                format!(
                    "no profile '{}' in the aws cli's files; profiles: {}",
                    crate::state::printable(p),
                    self.settings.profiles.join(", ")
                ),
                Severity::Warn,
            );
            return vec![];
        }
        let what = match (&profile, &region) {
            (Some(p), _) => format!("profile {p}"),
            (_, Some(r)) => format!("region {r}"),
            _ => return vec![],
        };
        // What was this account's goes with it.
        self.unlocked = None;
        self.credentials_expire = None;
        self.mfa_asked = None;
        self.set_status(
            format!("switching to {what}: every pane starts over"),
            Severity::Info,
        );
        vec![Effect::SwitchSource(crate::runtime::SwitchTo {
            profile: profile.map(str::to_owned),
            region,
        })]
    }

    /// Runs a palette command line.
    pub(super) fn run_command(&mut self, line: &str) -> Vec<Effect> {
        let mut words = line.split_whitespace();
        let cmd = words.next().unwrap_or("");
        let arg = words.next();
        // An operation by its name works on the selection, as its key does.
        if arg.is_none()
            && let Some(op) = operation::ALL.iter().find(|o| o.info().id.0 == cmd)
        {
            return self.operation(op.info().id);
        }
        match (cmd, arg) {
            ("quit" | "q", _) => return self.act(Action::Quit),
            ("help", _) => self.open_help(),
            ("api", _) => self.overlay = Overlay::Api,
            ("unlock", arg) => return self.begin_unlock(arg),
            ("lock", _) => return self.lock_account(),
            ("refresh", _) => return self.act(Action::Refresh),
            ("pause", _) if !self.paused => return self.act(Action::Pause),
            ("resume", _) if self.paused => return self.act(Action::Pause),
            ("pause" | "resume" | "", _) => {}
            ("theme", Some(name)) => match self.settings.themes.get(name) {
                Ok(t) => self.set_theme(t),
                Err(e) => self.set_status(e, Severity::Warn),
            },
            ("profile", Some(name)) => return self.switch_to(Some(name), None),
            ("region", Some(name)) if !self.is_demo() && !self.info.regions.iter().any(|r| r.name == name) => {
                return self.switch_to(None, Some(name));
            }
            ("region", Some(name)) => {
                if let Some(i) = self.info.regions.iter().position(|r| r.name == name) {
                    self.region = i;
                    self.view = View::Main;
                    self.rebuild_rows();
                    self.set_status(format!("showing {name}"), Severity::Info);
                } else {
                    let names: Vec<&str> = self.info.regions.iter().map(|r| r.name.as_str()).collect();
                    self.set_status(
                        format!("unknown region '{name}'; this estate has: {}", names.join(", ")),
                        Severity::Warn,
                    );
                }
            }
            ("pane", Some(name)) => {
                if let Some(p) = Pane::parse(name) {
                    self.focus_pane(p);
                } else {
                    let names: Vec<String> =
                        Pane::ALL.iter().map(|p| p.title().to_lowercase()).collect();
                    self.set_status(
                        format!("unknown pane '{name}'; panes are: {}", names.join(", ")),
                        Severity::Warn,
                    );
                }
            }
            ("scenario", Some(name)) if self.is_demo() => {
                match self.scenarios.iter().find(|n| **n == name) {
                    Some(s) => {
                        self.scenario = Some(s);
                        self.set_status(format!("scenario {name}"), Severity::Info);
                        return vec![Effect::SwitchScenario(name.to_owned())];
                    }
                    None => self.set_status(
                        format!(
                            "unknown demo scenario '{name}'; valid scenarios are: {}",
                            self.scenarios.join(", ")
                        ),
                        Severity::Warn,
                    ),
                }
            }
            ("theme" | "region" | "pane" | "scenario" | "profile", None) => {
                self.set_status(format!(":{cmd} needs a name; Tab completes"), Severity::Warn);
            }
            _ => self.set_status(
                format!(
                    "unknown command '{}'; commands: theme, region, pane, {}profile, api, unlock, lock, refresh, pause, resume, help, quit",
                    line.trim(),
                    if self.is_demo() { "scenario, " } else { "" }
                ),
                Severity::Warn,
            ),
        }
        vec![]
    }
}
