//! The one text field every prompt uses (scale, deploy, the typed confirmations, zonal shift,
//! the filter, the palette, the Logs pattern): typing, a paste, a cursor and the editing keys
//! shells have taught everyone, bounded in length, in one place.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// A bounded line of text with a cursor (counted in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextInput {
    text: String,
    cursor: usize,
    max: usize,
}

impl TextInput {
    /// An empty field that keeps at most `max` characters.
    pub fn new(max: usize) -> Self {
        TextInput {
            text: String::new(),
            cursor: 0,
            max,
        }
    }

    /// A field holding `text` (cut to `max` characters), the cursor at its end.
    pub fn with_text(text: &str, max: usize) -> Self {
        let mut t = TextInput::new(max);
        t.insert(text);
        t
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The cursor, in characters from the start.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }

    /// The field as a prompt shows it: the text and the cursor (`_` at the end, `|` within).
    pub fn shown(&self) -> String {
        if self.cursor == self.len() {
            return format!("{}_", self.text);
        }
        let at = self.byte(self.cursor);
        format!("{}|{}", &self.text[..at], &self.text[at..])
    }

    fn len(&self) -> usize {
        self.text.chars().count()
    }

    /// The byte offset of character `i`.
    fn byte(&self, i: usize) -> usize {
        self.text
            .char_indices()
            .nth(i)
            .map_or(self.text.len(), |(b, _)| b)
    }

    /// Inserts text at the cursor, as far as the bound allows; control characters become
    /// spaces (they would move a terminal's cursor when shown).
    pub fn insert(&mut self, s: &str) {
        for c in s.chars() {
            if self.len() >= self.max {
                break;
            }
            let c = if c.is_control() { ' ' } else { c };
            let at = self.byte(self.cursor);
            self.text.insert(at, c);
            self.cursor += 1;
        }
    }

    /// A bracketed paste: its text as typed, without the line break a copied line ends with.
    /// A paste never presses Enter.
    pub fn paste(&mut self, s: &str) {
        self.insert(s.trim_end_matches(['\n', '\r']));
    }

    /// Deletes the characters `from..to` (character positions) and puts the cursor at `from`.
    fn delete(&mut self, from: usize, to: usize) {
        let (a, b) = (self.byte(from), self.byte(to));
        self.text.replace_range(a..b, "");
        self.cursor = from;
    }

    /// An editing key. `true` when it was one (the text or the cursor may have changed);
    /// `false` leaves the key to the prompt (Enter, Esc, Tab, Up, Down, …).
    pub fn on_key(&mut self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let len = self.len();
        match ev.code {
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = len,
            KeyCode::Char('u') if ctrl => self.delete(0, self.cursor),
            KeyCode::Char('k') if ctrl => self.delete(self.cursor, len),
            KeyCode::Char('w') if ctrl => {
                let chars: Vec<char> = self.text.chars().collect();
                let mut from = self.cursor;
                while from > 0 && chars[from - 1] == ' ' {
                    from -= 1;
                }
                while from > 0 && chars[from - 1] != ' ' {
                    from -= 1;
                }
                self.delete(from, self.cursor);
            }
            KeyCode::Char(c) if !ctrl && !alt => {
                let mut b = [0; 4];
                self.insert(c.encode_utf8(&mut b));
            }
            KeyCode::Backspace if self.cursor > 0 => self.delete(self.cursor - 1, self.cursor),
            KeyCode::Delete if self.cursor < len => self.delete(self.cursor, self.cursor + 1),
            KeyCode::Backspace | KeyCode::Delete => {}
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            _ => return false,
        }
        true
    }
}

impl fmt::Display for TextInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq<str> for TextInput {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for TextInput {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl PartialEq<String> for TextInput {
    fn eq(&self, other: &String) -> bool {
        &self.text == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(t: &mut TextInput, code: KeyCode) -> bool {
        t.on_key(&KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn ctrl(t: &mut TextInput, c: char) -> bool {
        t.on_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
    }

    #[test]
    fn typing_moving_and_deleting_edit_at_the_cursor() {
        let mut t = TextInput::new(20);
        for c in "us-east-1 1h".chars() {
            key(&mut t, KeyCode::Char(c));
        }
        assert_eq!(t.shown(), "us-east-1 1h_");
        key(&mut t, KeyCode::Home);
        key(&mut t, KeyCode::Right);
        key(&mut t, KeyCode::Right);
        key(&mut t, KeyCode::Delete);
        assert_eq!(t.text(), "useast-1 1h");
        assert_eq!(t.shown(), "us|east-1 1h");
        key(&mut t, KeyCode::Char('-'));
        key(&mut t, KeyCode::End);
        key(&mut t, KeyCode::Backspace);
        key(&mut t, KeyCode::Char('m'));
        assert_eq!(t, "us-east-1 1m");
        ctrl(&mut t, 'w');
        assert_eq!(t, "us-east-1 ");
        ctrl(&mut t, 'w');
        assert_eq!(t, "");
        assert!(!key(&mut t, KeyCode::Enter), "Enter is the prompt's");
        assert!(!key(&mut t, KeyCode::Esc));
        assert!(
            key(&mut t, KeyCode::Backspace),
            "Backspace on nothing is still editing"
        );
    }

    #[test]
    fn the_bound_holds_for_typing_and_pasting_and_a_paste_is_text() {
        let mut t = TextInput::new(5);
        t.paste("12\u{1b}[2J45678\n");
        assert_eq!(t, "12 [2");
        key(&mut t, KeyCode::Char('x'));
        assert_eq!(t, "12 [2");
        ctrl(&mut t, 'a');
        ctrl(&mut t, 'k');
        assert!(t.is_empty());
        let mut t = TextInput::with_text("héllo wörld", 64);
        key(&mut t, KeyCode::Left);
        key(&mut t, KeyCode::Left);
        ctrl(&mut t, 'u');
        assert_eq!(t, "ld");
        assert_eq!(t.cursor(), 0);
    }
}
