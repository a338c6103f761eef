//! Signing in with a person in the loop. A credential provider that needs an MFA code asks
//! through here: the console shows a prompt (the runtime listens and answers), a one-shot
//! command (`snapshot`, `check`) asks on the terminal. Nothing else waits on the answer: the
//! panes keep their data, and reads made while no credentials exist say that a code is awaited.

use super::lock;
use crate::model::Timestamp;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// A request for an MFA code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaAsk {
    /// The device's ARN or serial (`mfa_serial` of the profile).
    pub device: String,
    /// The profile that asks.
    pub profile: String,
    /// The role assumed with the code, if any (else a session token is asked for).
    pub role: Option<String>,
    /// Why it is asked again: the last code refused, or the credentials ending soon.
    pub why: Option<String>,
}

/// What the console hears from the sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInEvent {
    /// A code is wanted.
    Ask(MfaAsk),
    /// Credentials were obtained; they last until `expires`.
    Signed { expires: Timestamp },
}

type Listener = Box<dyn Fn(SignInEvent) + Send + Sync>;

/// The meeting point of a provider that asks and whoever answers.
pub struct SignIn {
    /// True in the console: asks wait for its listener. False: asked on the terminal.
    console: bool,
    /// Never asks (the fleet's background reads): a code is "not given".
    silent: bool,
    listener: Mutex<Option<Listener>>,
    /// The ask not yet answered (shown again to a listener that comes late).
    asked: Mutex<Option<(MfaAsk, oneshot::Sender<Option<String>>)>>,
    expires: Mutex<Option<Timestamp>>,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("console", &self.console)
            .field("waiting", &self.waiting())
            .finish_non_exhaustive()
    }
}

impl SignIn {
    /// `console`: the asks go to the console's prompt (else to the terminal, line by line).
    pub fn new(console: bool) -> Self {
        SignIn {
            console,
            silent: false,
            listener: Mutex::new(None),
            asked: Mutex::new(None),
            expires: Mutex::new(None),
        }
    }

    /// A sign-in that never asks anyone (reads in the background): the code is not given.
    pub fn silent() -> Self {
        SignIn {
            silent: true,
            ..SignIn::new(false)
        }
    }

    /// The console listens: an ask already waiting is passed on at once.
    pub fn listen(&self, f: Listener) {
        if let Some((ask, _)) = lock(&self.asked).as_ref() {
            f(SignInEvent::Ask(ask.clone()));
        }
        if let Some(at) = *lock(&self.expires) {
            f(SignInEvent::Signed { expires: at });
        }
        *lock(&self.listener) = Some(f);
    }

    /// The operator's answer: the code, or `None` when they declined.
    pub fn answer(&self, code: Option<String>) {
        if let Some((_, reply)) = lock(&self.asked).take() {
            let _ = reply.send(code);
        }
    }

    /// A code is being waited for.
    pub fn waiting(&self) -> bool {
        lock(&self.asked).is_some()
    }

    /// When the credentials in use end, once known.
    pub fn expires(&self) -> Option<Timestamp> {
        *lock(&self.expires)
    }

    /// New credentials, lasting until `expires`.
    pub fn signed(&self, expires: Timestamp) {
        *lock(&self.expires) = Some(expires);
        if let Some(f) = lock(&self.listener).as_ref() {
            f(SignInEvent::Signed { expires });
        }
    }

    /// Asks for a code and waits for it; `None` when the operator declined or nobody can answer.
    pub async fn ask(&self, ask: MfaAsk) -> Option<String> {
        if self.silent {
            return None;
        }
        if !self.console {
            return ask_on_terminal(ask).await;
        }
        let (tx, rx) = oneshot::channel();
        // An earlier ask still open is answered "declined": only the newest is shown.
        if let Some((_, old)) = lock(&self.asked).replace((ask.clone(), tx)) {
            let _ = old.send(None);
        }
        if let Some(f) = lock(&self.listener).as_ref() {
            f(SignInEvent::Ask(ask));
        }
        rx.await.ok().flatten()
    }
}

/// Asks on the controlling terminal (a one-shot command): the prompt on it, the code read back.
async fn ask_on_terminal(ask: MfaAsk) -> Option<String> {
    tokio::task::spawn_blocking(move || {
        use std::io::{BufRead, Write};
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        let mut out = tty.try_clone().ok()?;
        if let Some(why) = &ask.why {
            let _ = writeln!(out, "{why}");
        }
        let _ = write!(out, "MFA code for {}: ", ask.device);
        let _ = out.flush();
        let mut line = String::new();
        std::io::BufReader::new(tty).read_line(&mut line).ok()?;
        Some(line.trim().to_owned()).filter(|c| !c.is_empty())
    })
    .await
    .ok()
    .flatten()
}

/// A code as typed or pasted: six digits, spaces ignored; else what to type.
///
/// # Errors
/// Anything but six digits, said so.
pub fn check_code(text: &str) -> Result<String, String> {
    let code: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
        Ok(code)
    } else {
        Err("an MFA code is six digits, as the device shows it".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_six_digits_and_spaces_do_not_count() {
        assert_eq!(check_code("123 456").as_deref(), Ok("123456"));
        assert_eq!(check_code(" 000111\n").as_deref(), Ok("000111"));
        for bad in ["", "12345", "1234567", "12345a", "１２３４５６"] {
            assert!(check_code(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn an_ask_waits_for_the_listener_and_a_newer_ask_declines_the_older() {
        let s = std::sync::Arc::new(SignIn::new(true));
        let heard = std::sync::Arc::new(Mutex::new(Vec::new()));
        let ask = |why: &str| MfaAsk {
            device: "arn:aws:iam::1:mfa/ana".into(),
            profile: "p".into(),
            role: None,
            why: Some(why.into()),
        };
        let first = tokio::spawn({
            let s = s.clone();
            let a = ask("first");
            async move { s.ask(a).await }
        });
        tokio::task::yield_now().await;
        assert!(s.waiting());
        // A listener that comes late hears the waiting ask.
        let h = heard.clone();
        s.listen(Box::new(move |e| lock(&h).push(e)));
        assert!(
            matches!(&lock(&heard)[0], SignInEvent::Ask(a) if a.why.as_deref() == Some("first"))
        );
        let second = tokio::spawn({
            let s = s.clone();
            let a = ask("second");
            async move { s.ask(a).await }
        });
        assert_eq!(first.await.unwrap(), None, "the older ask is declined");
        tokio::task::yield_now().await;
        s.answer(Some("123456".into()));
        assert_eq!(second.await.unwrap().as_deref(), Some("123456"));
        assert!(!s.waiting());
    }
}
