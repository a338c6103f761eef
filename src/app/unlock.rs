//! Accounts the config names (`[[account]]`): which one is in view, and the guard on the ones
//! marked `read_only`: every operation is refused with the reason until `:unlock DURATION` (the
//! account's name typed), which allows writes on that account alone for that long, audited; the
//! header counts it down, `:lock` ends it early. `--read-only` and `read_only = true` at the top
//! of the config cannot be unlocked.

use super::{App, Effect, Overlay, TextInput};
use crate::config::AccountConfig;
use crate::model::{Severity, Timestamp};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

impl App {
    /// The configured account in view: the one whose ID STS gave, else whose profile is in use.
    pub fn account(&self) -> Option<&AccountConfig> {
        let accounts = &self.settings.accounts;
        accounts
            .iter()
            .find(|a| a.id.as_deref() == Some(self.info.account.as_str()))
            .or_else(|| {
                accounts
                    .iter()
                    .find(|a| a.profile.is_some() && a.profile == self.info.profile)
            })
    }

    /// The account unlocked now, and until when.
    pub fn unlocked(&self) -> Option<(&str, Timestamp)> {
        self.unlocked
            .as_ref()
            .filter(|(_, until)| *until > self.now)
            .map(|(n, t)| (n.as_str(), *t))
    }

    /// The account in view is read-only by the config and not unlocked.
    fn account_locked(&self) -> Option<&AccountConfig> {
        self.account()
            .filter(|a| a.read_only && self.unlocked().is_none_or(|(n, _)| n != a.name))
    }

    /// Operations are refused: `--read-only`, the config's `read_only`, or the account's.
    pub fn read_only(&self) -> bool {
        self.settings.read_only || self.account_locked().is_some()
    }

    /// Why operations are refused, with what lifts it when something can.
    pub fn read_only_why(&self) -> String {
        if self.settings.read_only {
            return self.settings.read_only_why.clone();
        }
        match self.account_locked() {
            Some(a) => format!(
                "account {} is read_only in the config; :unlock 15m allows writes to it for 15 minutes",
                a.name
            ),
            None => String::new(),
        }
    }

    /// `:unlock DURATION`: asks for the account's name, then unlocks it for that long.
    pub(super) fn begin_unlock(&mut self, arg: Option<&str>) -> Vec<Effect> {
        if self.settings.read_only {
            self.set_status(
                format!(
                    "read-only by {}: it cannot be unlocked from the console",
                    self.settings.read_only_why
                ),
                Severity::Warn,
            );
            return vec![];
        }
        let Some(a) = self.account().cloned() else {
            self.set_status(
                "no [[account]] in the config is the one in view: nothing to unlock",
                Severity::Warn,
            );
            return vec![];
        };
        if !a.read_only {
            self.set_status(
                format!("account {} is not read-only: nothing to unlock", a.name),
                Severity::Info,
            );
            return vec![];
        }
        let secs = match arg.map(crate::ops::audit::parse_duration) {
            None => {
                self.set_status(
                    ":unlock needs how long, e.g. :unlock 15m (at most 4h)",
                    Severity::Warn,
                );
                return vec![];
            }
            Some(Err(e)) => {
                self.set_status(format!(":unlock: {e}"), Severity::Warn);
                return vec![];
            }
            Some(Ok(s)) if !(60.0..=crate::config::UNLOCK_MAX_SECS as f64).contains(&s) => {
                self.set_status(
                    ":unlock takes 1m to 4h: writes stay allowed only as long as they are needed",
                    Severity::Warn,
                );
                return vec![];
            }
            Some(Ok(s)) => s as i64,
        };
        self.overlay = Overlay::Unlock {
            account: a.name,
            secs,
            typed: TextInput::new(64),
            error: None,
        };
        vec![]
    }

    /// `:lock`: ends an unlock early.
    pub(super) fn lock_account(&mut self) -> Vec<Effect> {
        if let Some(account) = self.unlocked().map(|(n, _)| n.to_owned()) {
            return vec![Effect::Unlock {
                account,
                scope: self.scope(),
                until: None,
                secs: 0,
            }];
        }
        self.set_status("no account is unlocked", Severity::Info);
        vec![]
    }

    pub(super) fn on_unlock_key(&mut self, ev: &KeyEvent) -> Vec<Effect> {
        let Overlay::Unlock {
            account,
            secs,
            typed,
            error,
        } = &mut self.overlay
        else {
            return vec![];
        };
        match ev.code {
            KeyCode::Esc => {
                let what = format!("unlock of account {account}");
                self.cancel_prompt(&what);
            }
            _ if typed.on_key(ev) => *error = None,
            KeyCode::Enter if typed.text() == account.as_str() => {
                let (account, secs) = (account.clone(), *secs);
                self.overlay = Overlay::None;
                let until = self.now.plus_secs(secs as f64);
                return vec![Effect::Unlock {
                    account,
                    scope: self.scope(),
                    until: Some(until),
                    secs,
                }];
            }
            KeyCode::Enter => {
                *error = Some(format!(
                    "type the account's name, {account}, to allow writes to it"
                ));
            }
            _ => {}
        }
        vec![]
    }

    /// The executor recorded the unlock (or lock) in the audit log: only then does it hold.
    pub(super) fn on_unlocked(
        &mut self,
        account: String,
        until: Option<Timestamp>,
        result: Result<(), String>,
    ) -> Vec<Effect> {
        match (result, until) {
            (Err(e), _) => self.set_status(
                format!("NOT UNLOCKED: account {account}: {e}"),
                Severity::Crit,
            ),
            (Ok(()), Some(t)) => {
                self.set_status(
                    format!(
                        "account {account} unlocked until {} UTC: writes allowed, audited",
                        t.hm()
                    ),
                    Severity::Warn,
                );
                self.unlocked = Some((account, t));
            }
            (Ok(()), None) => {
                self.unlocked = None;
                self.set_status(
                    format!("account {account} is read-only again"),
                    Severity::Ok,
                );
            }
        }
        vec![]
    }

    /// An unlock that ran out: said once.
    pub(super) fn expire_unlock(&mut self) {
        if let Some((account, until)) = &self.unlocked
            && *until <= self.now
        {
            let msg = format!(
                "the unlock of account {account} ended at {} UTC: read-only again",
                until.hm()
            );
            self.unlocked = None;
            self.set_status(msg, Severity::Info);
        }
    }
}
