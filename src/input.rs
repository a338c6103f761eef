//! The terminal's input bytes as keys and pastes, with time limits: a lone Esc is Esc once no
//! byte follows within [`ESC_WAIT`], an escape sequence cut short ends there, and a bracketed
//! paste whose end marker never comes ends once no byte has arrived for [`PASTE_IDLE`] (or at
//! [`PASTE_MAX`] bytes). No sequence, however malformed, can hold back the keys after it;
//! resizes never pass through here (they come from SIGWINCH), so nothing can hold them back.
//!
//! The sequences are xterm's, as terminals over SSH send them: CSI (`ESC [`) with modifiers,
//! SS3 (`ESC O`), `ESC key` for Alt, control bytes for Ctrl; mouse and focus reports are dropped.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};

/// How long an Esc waits for the rest of a sequence.
pub const ESC_WAIT: Duration = Duration::from_millis(60);
/// How long a paste without its end marker waits for more bytes before it ends.
pub const PASTE_IDLE: Duration = Duration::from_millis(500);
/// The largest paste taken: a paste that goes on ends here.
pub const PASTE_MAX: usize = 1 << 20;

const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";

/// What the input says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Key(KeyEvent),
    Paste(String),
}

/// Turns input bytes into [`Input`]s; [`Parser::expire`] ends what waited too long.
#[derive(Debug, Default)]
pub struct Parser {
    /// Bytes not yet parsed: the start of a sequence that may go on.
    pending: Vec<u8>,
    /// Inside a bracketed paste: its bytes so far.
    paste: Option<Vec<u8>>,
    /// When the last byte arrived.
    last: Option<Instant>,
}

impl Parser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the bytes that arrived at `now`; returns what they complete.
    pub fn feed(&mut self, bytes: &[u8], now: Instant) -> Vec<Input> {
        self.last = Some(now);
        self.pending.extend_from_slice(bytes);
        self.parse(false)
    }

    /// When [`Parser::expire`] must be called if no byte arrives before.
    pub fn deadline(&self) -> Option<Instant> {
        let last = self.last?;
        if self.paste.is_some() {
            Some(last + PASTE_IDLE)
        } else if self.pending.is_empty() {
            None
        } else {
            Some(last + ESC_WAIT)
        }
    }

    /// No byte came by the deadline: a waiting Esc is Esc, a cut sequence ends, a paste ends.
    pub fn expire(&mut self, now: Instant) -> Vec<Input> {
        match self.deadline() {
            Some(d) if now >= d => self.parse(true),
            _ => Vec::new(),
        }
    }

    /// Parses what is pending; `timed_out`: nothing more is coming for it.
    fn parse(&mut self, timed_out: bool) -> Vec<Input> {
        let mut out = Vec::new();
        loop {
            if let Some(paste) = self.paste.as_mut() {
                if let Some(end) = find(&self.pending, PASTE_END) {
                    paste.extend_from_slice(&self.pending[..end]);
                    self.pending.drain(..end + PASTE_END.len());
                    out.push(self.end_paste());
                    continue;
                }
                // Keep a possible start of the end marker back; take the rest.
                let keep = partial_suffix(&self.pending, PASTE_END);
                let take = self.pending.len() - keep;
                paste.extend(self.pending.drain(..take));
                if timed_out || paste.len() >= PASTE_MAX {
                    // The end marker never came: what arrived is the paste, and what was kept
                    // back is part of it.
                    let rest: Vec<u8> = self.pending.drain(..).collect();
                    if let Some(p) = self.paste.as_mut() {
                        p.extend(rest);
                    }
                    out.push(self.end_paste());
                }
                return out;
            }
            if self.pending.is_empty() {
                return out;
            }
            match parse_one(&self.pending) {
                Parsed::Input(n, input) => {
                    self.pending.drain(..n);
                    out.extend(input);
                }
                Parsed::PasteStart(n) => {
                    self.pending.drain(..n);
                    self.paste = Some(Vec::new());
                }
                Parsed::Incomplete if timed_out => {
                    // A lone Esc, or a sequence cut short: Esc, then the rest as typed.
                    self.pending.remove(0);
                    out.push(Input::Key(key(KeyCode::Esc, KeyModifiers::NONE)));
                }
                Parsed::Incomplete => return out,
            }
        }
    }

    fn end_paste(&mut self) -> Input {
        let bytes = self.paste.take().unwrap_or_default();
        Input::Paste(String::from_utf8_lossy(&bytes).into_owned())
    }
}

enum Parsed {
    /// `n` bytes read, giving this (nothing, for a report that is dropped).
    Input(usize, Option<Input>),
    PasteStart(usize),
    /// The bytes so far begin a sequence that may go on.
    Incomplete,
}

fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// How many bytes at the end of `bytes` begin `marker`.
fn partial_suffix(bytes: &[u8], marker: &[u8]) -> usize {
    (1..marker.len())
        .rev()
        .find(|&n| bytes.len() >= n && bytes[bytes.len() - n..] == marker[..n])
        .unwrap_or(0)
}

/// One key (or sequence) from the start of `b`.
fn parse_one(b: &[u8]) -> Parsed {
    let k = |code| Parsed::Input(1, Some(Input::Key(key(code, KeyModifiers::NONE))));
    match b[0] {
        0x1b => parse_escape(b),
        b'\r' | b'\n' => k(KeyCode::Enter),
        b'\t' => k(KeyCode::Tab),
        0x7f | 0x08 => k(KeyCode::Backspace),
        0 => Parsed::Input(
            1,
            Some(Input::Key(key(KeyCode::Char(' '), KeyModifiers::CONTROL))),
        ),
        c @ 0x01..=0x1a => Parsed::Input(
            1,
            Some(Input::Key(key(
                KeyCode::Char(char::from(c - 1 + b'a')),
                KeyModifiers::CONTROL,
            ))),
        ),
        c @ 0x1c..=0x1f => Parsed::Input(
            1,
            Some(Input::Key(key(
                KeyCode::Char(char::from(c - 0x1c + b'4')),
                KeyModifiers::CONTROL,
            ))),
        ),
        _ => parse_char(b),
    }
}

/// A UTF-8 character (an invalid byte is dropped).
fn parse_char(b: &[u8]) -> Parsed {
    let len = match b[0] {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return Parsed::Input(1, None),
    };
    if b.len() < len {
        return Parsed::Incomplete;
    }
    match std::str::from_utf8(&b[..len])
        .ok()
        .and_then(|s| s.chars().next())
    {
        Some(c) => {
            let mods = if c.is_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            Parsed::Input(len, Some(Input::Key(key(KeyCode::Char(c), mods))))
        }
        None => Parsed::Input(1, None),
    }
}

fn parse_escape(b: &[u8]) -> Parsed {
    let Some(&next) = b.get(1) else {
        return Parsed::Incomplete;
    };
    match next {
        b'[' => parse_csi(b),
        b'O' => {
            let Some(&f) = b.get(2) else {
                return Parsed::Incomplete;
            };
            let code = match f {
                b'A' => KeyCode::Up,
                b'B' => KeyCode::Down,
                b'C' => KeyCode::Right,
                b'D' => KeyCode::Left,
                b'H' => KeyCode::Home,
                b'F' => KeyCode::End,
                b'P'..=b'S' => KeyCode::F(f - b'P' + 1),
                b'M' => KeyCode::Enter,
                _ => return Parsed::Input(3, None),
            };
            Parsed::Input(3, Some(Input::Key(key(code, KeyModifiers::NONE))))
        }
        0x1b => Parsed::Input(1, Some(Input::Key(key(KeyCode::Esc, KeyModifiers::NONE)))),
        _ => {
            // Alt + the key that follows.
            match parse_one(&b[1..]) {
                Parsed::Input(n, Some(Input::Key(mut k))) => {
                    k.modifiers |= KeyModifiers::ALT;
                    Parsed::Input(n + 1, Some(Input::Key(k)))
                }
                Parsed::Input(n, other) => Parsed::Input(n + 1, other),
                Parsed::Incomplete => Parsed::Incomplete,
                Parsed::PasteStart(n) => Parsed::PasteStart(n + 1),
            }
        }
    }
}

/// `ESC [` parameters, intermediates, final byte.
fn parse_csi(b: &[u8]) -> Parsed {
    if b.len() >= PASTE_START.len() && b.starts_with(PASTE_START) {
        return Parsed::PasteStart(PASTE_START.len());
    }
    // X10 mouse: ESC [ M and three bytes.
    if b.get(2) == Some(&b'M') {
        return if b.len() >= 6 {
            Parsed::Input(6, None)
        } else {
            Parsed::Incomplete
        };
    }
    let mut i = 2;
    while i < b.len() && (0x20..=0x3f).contains(&b[i]) {
        i += 1;
    }
    let Some(&fin) = b.get(i) else {
        return Parsed::Incomplete;
    };
    let n = i + 1;
    if !(0x40..=0x7e).contains(&fin) {
        // Not a CSI sequence after all: drop the ESC [ and go on.
        return Parsed::Input(2, None);
    }
    let params = std::str::from_utf8(&b[2..i]).unwrap_or("");
    if params.starts_with('<') || params.starts_with('?') {
        // SGR mouse, device reports: nothing the console asked for.
        return Parsed::Input(n, None);
    }
    let nums: Vec<u16> = params
        .split(';')
        .map(|p| p.split(':').next().unwrap_or("").parse().unwrap_or(0))
        .collect();
    let mods = modifiers(nums.get(1).copied().unwrap_or(1));
    let code = match fin {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'Z' => {
            return Parsed::Input(
                n,
                Some(Input::Key(key(KeyCode::BackTab, KeyModifiers::SHIFT))),
            );
        }
        b'P'..=b'S' => KeyCode::F(fin - b'P' + 1),
        b'~' => match nums.first().copied().unwrap_or(0) {
            1 | 7 => KeyCode::Home,
            2 => KeyCode::Insert,
            3 => KeyCode::Delete,
            4 | 8 => KeyCode::End,
            5 => KeyCode::PageUp,
            6 => KeyCode::PageDown,
            v @ 11..=15 => KeyCode::F((v - 10) as u8),
            v @ 17..=21 => KeyCode::F((v - 11) as u8),
            v @ 23..=24 => KeyCode::F((v - 12) as u8),
            // The end of a paste that never began, and anything else.
            _ => return Parsed::Input(n, None),
        },
        // Focus in and out, and anything else.
        _ => return Parsed::Input(n, None),
    };
    Parsed::Input(n, Some(Input::Key(key(code, mods))))
}

/// xterm's modifier parameter: 1 + (shift 1, alt 2, ctrl 4).
fn modifiers(p: u16) -> KeyModifiers {
    let bits = p.saturating_sub(1);
    let mut m = KeyModifiers::NONE;
    if bits & 1 != 0 {
        m |= KeyModifiers::SHIFT;
    }
    if bits & 2 != 0 {
        m |= KeyModifiers::ALT;
    }
    if bits & 4 != 0 {
        m |= KeyModifiers::CONTROL;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(p: &mut Parser, bytes: &[u8], at: Instant) -> Vec<Input> {
        p.feed(bytes, at)
    }

    fn k(code: KeyCode) -> Input {
        Input::Key(key(code, KeyModifiers::NONE))
    }

    #[test]
    fn keys_and_sequences() {
        let t = Instant::now();
        let mut p = Parser::new();
        assert_eq!(
            keys(&mut p, b"q\r\t\x7f\x1b[A\x1bOB\x1b[5~\x1b[Z\x1b[15~", t),
            vec![
                k(KeyCode::Char('q')),
                k(KeyCode::Enter),
                k(KeyCode::Tab),
                k(KeyCode::Backspace),
                k(KeyCode::Up),
                k(KeyCode::Down),
                k(KeyCode::PageUp),
                Input::Key(key(KeyCode::BackTab, KeyModifiers::SHIFT)),
                k(KeyCode::F(5)),
            ]
        );
        assert_eq!(
            keys(&mut p, b"\x03\x1b[1;5C\x1bx\xc3\xa9", t),
            vec![
                Input::Key(key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
                Input::Key(key(KeyCode::Right, KeyModifiers::CONTROL)),
                Input::Key(key(KeyCode::Char('x'), KeyModifiers::ALT)),
                k(KeyCode::Char('é')),
            ]
        );
        // Mouse and focus reports are dropped.
        assert_eq!(
            keys(&mut p, b"\x1b[<0;3;4M\x1b[I\x1b[M abj", t),
            vec![k(KeyCode::Char('j'))]
        );
    }

    #[test]
    fn a_lone_esc_is_esc_once_nothing_follows() {
        let t = Instant::now();
        let mut p = Parser::new();
        assert_eq!(keys(&mut p, b"\x1b", t), vec![]);
        assert_eq!(p.deadline(), Some(t + ESC_WAIT));
        assert_eq!(p.expire(t + ESC_WAIT / 2), vec![]);
        assert_eq!(p.expire(t + ESC_WAIT), vec![k(KeyCode::Esc)]);
        assert_eq!(p.deadline(), None);
    }

    /// A sequence split across reads is one key; one cut short ends at the deadline and the
    /// keys after it are keys.
    #[test]
    fn a_cut_sequence_never_holds_the_keys_after_it() {
        let t = Instant::now();
        let mut p = Parser::new();
        assert_eq!(keys(&mut p, b"\x1b[", t), vec![]);
        assert_eq!(keys(&mut p, b"B", t), vec![k(KeyCode::Down)]);
        assert_eq!(keys(&mut p, b"\x1b[1;", t), vec![]);
        let out = p.expire(t + ESC_WAIT);
        assert_eq!(out[0], k(KeyCode::Esc));
        assert_eq!(
            keys(&mut p, b"q", t + ESC_WAIT * 2).last(),
            Some(&k(KeyCode::Char('q')))
        );
    }

    #[test]
    fn pastes_end_with_their_marker_or_when_nothing_more_comes() {
        let t = Instant::now();
        let mut p = Parser::new();
        assert_eq!(
            keys(&mut p, b"\x1b[200~see INC-4\ryes\x1b[201~q", t),
            vec![Input::Paste("see INC-4\ryes".into()), k(KeyCode::Char('q'))]
        );
        // The end marker split across reads.
        assert_eq!(keys(&mut p, b"\x1b[200~ab\x1b[20", t), vec![]);
        assert_eq!(keys(&mut p, b"1~", t), vec![Input::Paste("ab".into())]);
        // No end marker: the paste ends once nothing more comes; the keys after are keys.
        assert_eq!(keys(&mut p, b"\x1b[200~abc", t), vec![]);
        assert_eq!(p.deadline(), Some(t + PASTE_IDLE));
        assert_eq!(p.expire(t + PASTE_IDLE), vec![Input::Paste("abc".into())]);
        assert_eq!(
            keys(&mut p, b"q", t + PASTE_IDLE),
            vec![k(KeyCode::Char('q'))]
        );
        // A paste that goes on for ever ends at its limit.
        assert_eq!(keys(&mut p, b"\x1b[200~", t), vec![]);
        let big = vec![b'x'; PASTE_MAX + 10];
        let out = keys(&mut p, &big, t);
        assert!(matches!(&out[..], [Input::Paste(s)] if s.len() >= PASTE_MAX));
    }
}
