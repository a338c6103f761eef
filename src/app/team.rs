//! Team mode in the console: this console's presence written every 30 s with what it is doing,
//! the others on the same account in the header (`+2: ana@bastion-2 (drill), li@bastion-1`), and
//! the team's table said unusable when it is (operations then refuse: no lease, no operation).

use super::{App, Effect, View};
use crate::model::{Severity, Timestamp};
use crate::team::Peer;

/// The team as this console last read it.
#[derive(Debug, Default)]
pub(super) struct TeamConsole {
    peers: Vec<Peer>,
    /// Why the table could not be read at the last presence, if so.
    error: Option<String>,
    /// Why the audit trail could not be sent, while it cannot.
    trail: Option<String>,
    last: Option<Timestamp>,
}

impl App {
    /// A presence write and read, every 30 s in team mode (wall clock: team mode is live AWS).
    pub(super) fn presence_due(&mut self) -> Vec<Effect> {
        if self.settings.team.is_none() {
            return vec![];
        }
        let now = self.now;
        if self
            .team
            .last
            .is_some_and(|t| now.secs_since(t) < crate::team::PRESENCE_SECS as f64)
        {
            return vec![];
        }
        self.team.last = Some(now);
        let doing = if self.drill_active() {
            "drill"
        } else {
            match self.view {
                View::Main | View::Detail(_) => "main",
                View::Drill => "failover",
                View::Logs => "logs",
                View::Regions => "regions",
                View::Fleet => "fleet",
            }
        };
        vec![Effect::Presence {
            account: self.info.account.clone(),
            doing: doing.to_owned(),
        }]
    }

    pub(super) fn on_peers(&mut self, read: Result<Vec<Peer>, String>) {
        match read {
            Ok(peers) => {
                if self.team.error.take().is_some() {
                    self.set_status("the team's table answers again", Severity::Ok);
                }
                self.team.peers = peers;
            }
            Err(e) => {
                if self.team.error.is_none() {
                    self.set_status(
                        format!(
                            "the team's table {} cannot be used: {e}; operations are refused (no lease, no operation)",
                            self.settings.team.as_deref().unwrap_or("")
                        ),
                        Severity::Crit,
                    );
                }
                self.team.error = Some(e);
            }
        }
    }

    pub(super) fn on_trail(&mut self, sent: Result<(), String>) {
        match sent {
            Ok(()) => {
                if self.team.trail.take().is_some() {
                    self.set_status(
                        "the team's audit trail is sent again, nothing lost",
                        Severity::Ok,
                    );
                }
            }
            Err(e) => {
                if self.team.trail.is_none() {
                    self.set_status(
                        format!(
                            "the team's audit trail cannot be sent ({e}): the records stay in the local audit log and are sent when it can be"
                        ),
                        Severity::Warn,
                    );
                }
                self.team.trail = Some(e);
            }
        }
    }

    /// Why the team's audit trail cannot be sent now, if it cannot.
    pub fn trail_error(&self) -> Option<&str> {
        self.team.trail.as_deref()
    }

    /// The other consoles on this account, as the header names them.
    pub fn peers_here(&self) -> Vec<&Peer> {
        self.team
            .peers
            .iter()
            .filter(|p| p.account == self.info.account)
            .collect()
    }

    /// Why the team's table could not be used at the last presence, if so.
    pub fn team_error(&self) -> Option<&str> {
        self.team.error.as_deref()
    }
}
