//! The MFA prompt: a profile that signs in with an MFA code asks for it here, over whatever is
//! on screen (the panes keep refreshing with the credentials they have). A prompt already open
//! (a plan being confirmed) is never replaced: the code is asked for when it closes.

use super::{App, Effect, Overlay, TextInput};
use crate::model::Severity;
use crate::source::signin::{MfaAsk, SignInEvent, check_code};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

/// The longest text the code field takes (a code with spaces, pasted).
const CODE_MAX: usize = 16;

impl App {
    pub(super) fn on_sign_in(&mut self, e: SignInEvent) -> Vec<Effect> {
        match e {
            SignInEvent::Ask(ask) => {
                self.set_status(
                    format!(
                        "profile {} asks for the MFA code of {}",
                        ask.profile, ask.device
                    ),
                    Severity::Warn,
                );
                self.mfa_asked = Some(ask);
                self.open_mfa_prompt();
            }
            SignInEvent::Signed { expires } => {
                self.credentials_expire = Some(expires);
                if matches!(self.overlay, Overlay::Mfa { .. }) {
                    self.overlay = Overlay::None;
                }
                self.set_status(
                    format!("signed in with MFA: credentials until {} UTC", expires.hm()),
                    Severity::Ok,
                );
            }
        }
        vec![]
    }

    /// Shows the asked-for code's prompt once nothing else is open.
    pub(super) fn open_mfa_prompt(&mut self) {
        if !matches!(
            self.overlay,
            Overlay::None | Overlay::Help | Overlay::Mfa { .. }
        ) {
            return;
        }
        if let Some(ask) = self.mfa_asked.take() {
            self.overlay = Overlay::Mfa {
                ask,
                input: TextInput::new(CODE_MAX),
                error: None,
            };
        }
    }

    pub(super) fn on_mfa_key(&mut self, ev: &KeyEvent) -> Vec<Effect> {
        let Overlay::Mfa { ask, input, error } = &mut self.overlay else {
            return vec![];
        };
        match ev.code {
            KeyCode::Esc => {
                let device = ask.device.clone();
                self.overlay = Overlay::None;
                // Declining a renewal keeps the credentials in hand until they end.
                let when = match self.credentials_expire {
                    Some(end) if end > self.now => {
                        format!("asked again when the credentials end at {} UTC", end.hm())
                    }
                    _ => "asked again in 30 s".to_owned(),
                };
                self.set_status(
                    format!("no MFA code given for {device}: {when}"),
                    Severity::Warn,
                );
                return vec![Effect::MfaCode(None)];
            }
            _ if input.on_key(ev) => *error = None,
            KeyCode::Enter => match check_code(input.text()) {
                Ok(code) => {
                    let device = ask.device.clone();
                    self.overlay = Overlay::None;
                    self.set_status(
                        format!("checking the code of {device} with STS…"),
                        Severity::Info,
                    );
                    return vec![Effect::MfaCode(Some(code))];
                }
                Err(e) => *error = Some(e),
            },
            _ => {}
        }
        vec![]
    }

    /// The ask waiting for its prompt (another prompt was open), if any.
    pub fn mfa_asked(&self) -> Option<&MfaAsk> {
        self.mfa_asked.as_ref()
    }

    /// When the MFA credentials in use end, once signed in with a code.
    pub fn credentials_expire(&self) -> Option<crate::model::Timestamp> {
        self.credentials_expire
    }
}
