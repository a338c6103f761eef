//! The fleet view (`W`, and the start screen with more than one `[[account]]`): one row per
//! account and region, read on its own ([`crate::fleet`]); Enter opens that account and region
//! in the usual console (`:profile` and `:region` in one); Esc (once nothing else is left to
//! close) or `W` comes back.

use super::{App, Effect, View};
use crate::action::{Action, Key};
use crate::model::Severity;
use crate::model::fleet::FleetRow;
use ratatui::crossterm::event::KeyEvent;

impl App {
    /// The fleet's rows, in the config's order of accounts, each account's regions as read.
    pub fn fleet(&self) -> &[FleetRow] {
        &self.fleet
    }

    pub fn fleet_selected(&self) -> usize {
        self.fleet_selected
    }

    /// A row read: replaces the account's row for that region; a failed read keeps the last
    /// counts (with their time) beside the error.
    pub(super) fn on_fleet_row(&mut self, mut row: FleetRow) {
        let order = &self.settings.fleet;
        let rank = |a: &str| order.iter().position(|n| n == a).unwrap_or(usize::MAX);
        // Rows of an account whose regions were not known yet give way to the real ones.
        let pending = crate::model::Region::pending();
        if row.region != pending {
            self.fleet
                .retain(|r| !(r.account == row.account && r.region == pending));
        }
        if let Some(old) = self
            .fleet
            .iter_mut()
            .find(|r| r.account == row.account && r.region == row.region)
        {
            if row.summary.is_none() && old.summary.is_some() {
                row.summary = old.summary;
                row.read_at = old.read_at;
            }
            *old = row;
        } else {
            let k = rank(&row.account);
            let i = self
                .fleet
                .iter()
                .position(|r| rank(&r.account) > k)
                .unwrap_or(self.fleet.len());
            self.fleet.insert(i, row);
        }
        self.fleet_selected = self.fleet_selected.min(self.fleet.len().saturating_sub(1));
    }

    /// Starts on the fleet view (more than one account in the config).
    pub fn show_fleet(&mut self) {
        self.view = View::Fleet;
    }

    pub(super) fn toggle_fleet(&mut self) {
        self.from_fleet = false;
        if self.view == View::Fleet {
            self.view = View::Main;
        } else if self.settings.fleet.is_empty() {
            self.set_status(
                "no fleet: list the accounts you answer for as [[account]] in the config",
                Severity::Info,
            );
        } else {
            self.view = View::Fleet;
        }
    }

    /// The fleet view's own keys: move, open a row, leave.
    pub(super) fn on_fleet_key(&mut self, ev: &KeyEvent) -> Option<Vec<Effect>> {
        let action = self.settings.keymap.action(&Key::from_event(ev));
        let last = self.fleet.len().saturating_sub(1);
        match action {
            Some(Action::Down) => self.fleet_selected = (self.fleet_selected + 1).min(last),
            Some(Action::Up) => self.fleet_selected = self.fleet_selected.saturating_sub(1),
            Some(Action::Top) => self.fleet_selected = 0,
            Some(Action::Bottom) => self.fleet_selected = last,
            Some(Action::Back) => self.view = View::Main,
            Some(Action::Details) => return Some(self.open_fleet_row()),
            _ => return None,
        }
        Some(vec![])
    }

    /// Enter on a row: that account (its profile) and region in the console.
    fn open_fleet_row(&mut self) -> Vec<Effect> {
        let Some(row) = self.fleet.get(self.fleet_selected).cloned() else {
            return vec![];
        };
        // The account in view already, in a region it watches: only the region.
        if self.info.profile == row.profile
            && let Some(i) = self.info.regions.iter().position(|r| r.name == row.region)
        {
            self.region = i;
            self.view = View::Main;
            self.from_fleet = true;
            self.rebuild_rows();
            return vec![];
        }
        let Some(profile) = row.profile.clone() else {
            self.set_status(
                format!(
                    "account {} has no profile in the config to sign in with",
                    row.account
                ),
                Severity::Warn,
            );
            return vec![];
        };
        let region =
            (row.region != crate::model::Region::pending()).then(|| row.region.to_string());
        let effects = self.switch_to(Some(&profile), region.as_deref());
        if !effects.is_empty() {
            self.view = View::Main;
            self.from_fleet = true;
        }
        effects
    }
}
