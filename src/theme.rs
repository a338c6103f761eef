//! Themes: TOML files in `themes/`, embedded in the binary; a user's
//! `$XDG_CONFIG_HOME/opsdash/themes/*.toml` comes first and may replace a built-in by name.

use crate::config::FileError;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The shipped themes, as (file name, text).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("default.toml", include_str!("../themes/default.toml")),
    ("light.toml", include_str!("../themes/light.toml")),
    (
        "high-contrast.toml",
        include_str!("../themes/high-contrast.toml"),
    ),
    ("colorblind.toml", include_str!("../themes/colorblind.toml")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    /// The terminal background it is made for: `dark` (the default) or `light`.
    #[serde(default)]
    background: Background,
    colors: ColorsFile,
}

/// The terminal background a theme is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Background {
    #[default]
    Dark,
    Light,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColorsFile {
    fg: Spanned<String>,
    bg: Spanned<String>,
    muted: Spanned<String>,
    border: Spanned<String>,
    border_focused: Spanned<String>,
    title: Spanned<String>,
    header_fg: Spanned<String>,
    header_bg: Spanned<String>,
    ok: Spanned<String>,
    warn: Spanned<String>,
    crit: Spanned<String>,
    info: Spanned<String>,
    selection_fg: Spanned<String>,
    selection_bg: Spanned<String>,
    chart: Spanned<String>,
    threshold: Spanned<String>,
}

/// A theme's colours. With `no_color` every colour is the terminal default and states are told
/// apart by text and modifiers only (`NO_COLOR`).
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    /// The terminal background it is made for: `t` stays among dark themes until a light one
    /// is chosen.
    pub background: Background,
    pub fg: Color,
    pub bg: Color,
    pub muted: Color,
    pub border: Color,
    pub border_focused: Color,
    pub title: Color,
    pub header_fg: Color,
    pub header_bg: Color,
    pub ok: Color,
    pub warn: Color,
    pub crit: Color,
    pub info: Color,
    pub selection_fg: Color,
    pub selection_bg: Color,
    pub chart: Color,
    pub threshold: Color,
    pub no_color: bool,
    /// Where the theme came from: `built-in` or a file path.
    pub origin: String,
}

const NAMED: &[(&str, Color)] = &[
    ("reset", Color::Reset),
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("darkgray", Color::DarkGray),
    ("lightred", Color::LightRed),
    ("lightgreen", Color::LightGreen),
    ("lightyellow", Color::LightYellow),
    ("lightblue", Color::LightBlue),
    ("lightmagenta", Color::LightMagenta),
    ("lightcyan", Color::LightCyan),
    ("white", Color::White),
];

/// Parses a colour: a name of the 16 ANSI colours, `reset`, `#rrggbb`, or a 0–255 index.
pub fn parse_color(s: &str) -> Result<Color, String> {
    let lower = s.trim().to_ascii_lowercase();
    if let Some((_, c)) = NAMED.iter().find(|(n, _)| *n == lower) {
        return Ok(*c);
    }
    if let Some(hex) = lower.strip_prefix('#')
        && hex.len() == 6
        && hex.chars().all(|c| c.is_ascii_hexdigit())
    {
        let v = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
        return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    if let Ok(i) = lower.parse::<u8>() {
        return Ok(Color::Indexed(i));
    }
    let names: Vec<&str> = NAMED.iter().map(|(n, _)| *n).collect();
    Err(format!(
        "invalid colour '{s}'; expected one of {}, a hex colour like \"#1e90ff\", or an index 0-255",
        names.join(", ")
    ))
}

impl Theme {
    /// Parses theme text; `path` names the file in errors.
    pub fn parse(path: &Path, text: &str, origin: &str) -> Result<Theme, FileError> {
        let f: ThemeFile =
            toml::from_str(text).map_err(|e| FileError::from_toml(path, text, &e))?;
        let c = |s: &Spanned<String>| {
            parse_color(s.get_ref()).map_err(|m| FileError::at(path, text, Some(s.span()), m))
        };
        let k = &f.colors;
        Ok(Theme {
            name: f.name,
            background: f.background,
            fg: c(&k.fg)?,
            bg: c(&k.bg)?,
            muted: c(&k.muted)?,
            border: c(&k.border)?,
            border_focused: c(&k.border_focused)?,
            title: c(&k.title)?,
            header_fg: c(&k.header_fg)?,
            header_bg: c(&k.header_bg)?,
            ok: c(&k.ok)?,
            warn: c(&k.warn)?,
            crit: c(&k.crit)?,
            info: c(&k.info)?,
            selection_fg: c(&k.selection_fg)?,
            selection_bg: c(&k.selection_bg)?,
            chart: c(&k.chart)?,
            threshold: c(&k.threshold)?,
            no_color: false,
            origin: origin.to_owned(),
        })
    }

    fn color(&self, c: Color) -> Style {
        if self.no_color {
            Style::default()
        } else {
            Style::default().fg(c)
        }
    }

    /// Plain text.
    pub fn text(&self) -> Style {
        if self.no_color {
            Style::default()
        } else {
            Style::default().fg(self.fg).bg(self.bg)
        }
    }
    pub fn muted(&self) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            self.color(self.muted)
        }
    }
    pub fn ok(&self) -> Style {
        self.color(self.ok)
    }
    /// `ok` when the condition holds, else `warn`.
    pub fn ok_or_warn(&self, ok: bool) -> Style {
        if ok { self.ok() } else { self.warn() }
    }
    pub fn warn(&self) -> Style {
        self.color(self.warn).add_modifier(Modifier::BOLD)
    }
    pub fn crit(&self) -> Style {
        self.color(self.crit).add_modifier(Modifier::BOLD)
    }
    pub fn info(&self) -> Style {
        self.color(self.info)
    }
    pub fn chart(&self) -> Style {
        self.color(self.chart)
    }
    pub fn threshold(&self) -> Style {
        self.color(self.threshold)
    }
    pub fn title(&self) -> Style {
        self.color(self.title).add_modifier(Modifier::BOLD)
    }
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.color(self.border_focused).add_modifier(Modifier::BOLD)
        } else {
            self.color(self.border)
        }
    }
    pub fn header(&self) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(self.header_fg).bg(self.header_bg)
        }
    }
    pub fn selection(&self) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
                .fg(self.selection_fg)
                .bg(self.selection_bg)
                .add_modifier(Modifier::BOLD)
        }
    }
}

/// Every theme available: the user's first, then the built-ins not replaced by name.
#[derive(Debug, Clone)]
pub struct ThemeSet {
    pub themes: Vec<Theme>,
}

/// `$XDG_CONFIG_HOME/opsdash/themes`.
pub fn user_theme_dir() -> Option<PathBuf> {
    crate::paths::config_dir().map(|d| d.join("themes"))
}

impl ThemeSet {
    /// The built-in themes only.
    pub fn built_in() -> Result<ThemeSet, FileError> {
        Self::load(None)
    }

    /// The user's themes in `dir` (if any) and the built-ins. A broken user theme is an error.
    pub fn load(dir: Option<&Path>) -> Result<ThemeSet, FileError> {
        let mut themes = Vec::new();
        if let Some(dir) = dir
            && let Ok(entries) = std::fs::read_dir(dir)
        {
            let mut paths: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            paths.sort();
            for p in paths {
                let text = crate::config::read_file(&p).map_err(|e| FileError {
                    path: p.clone(),
                    line: 0,
                    column: 0,
                    message: format!("cannot read the theme file: {e}"),
                })?;
                let origin = p.display().to_string();
                themes.push(Theme::parse(&p, &text, &origin)?);
            }
        }
        for (file, text) in BUILT_IN {
            let t = Theme::parse(&Path::new("themes").join(file), text, "built-in")?;
            if !themes.iter().any(|u: &Theme| u.name == t.name) {
                themes.push(t);
            }
        }
        Ok(ThemeSet { themes })
    }

    pub fn names(&self) -> Vec<String> {
        self.themes.iter().map(|t| t.name.clone()).collect()
    }

    /// The theme of a name; the error lists the valid names.
    pub fn get(&self, name: &str) -> Result<Theme, String> {
        self.themes
            .iter()
            .find(|t| t.name == name)
            .cloned()
            .ok_or_else(|| {
                format!(
                    "unknown theme '{name}'; available themes are: {}",
                    self.names().join(", ")
                )
            })
    }

    /// The index of a theme by name.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.themes.iter().position(|t| t.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses_and_is_named_after_its_file() {
        for (file, text) in BUILT_IN {
            let t = Theme::parse(Path::new(file), text, "built-in").unwrap();
            assert_eq!(format!("{}.toml", t.name), *file);
        }
        assert!(ThemeSet::built_in().unwrap().themes.len() >= 4);
    }

    #[test]
    fn a_theme_says_which_background_it_is_for_not_its_name() {
        let set = ThemeSet::built_in().unwrap();
        let light: Vec<&str> = set
            .themes
            .iter()
            .filter(|t| t.background == Background::Light)
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(light, ["light"]);
        let (_, text) = BUILT_IN[0];
        let named = text.replacen("name = \"default\"", "name = \"lightning\"", 1);
        let t = Theme::parse(Path::new("lightning.toml"), &named, "file").unwrap();
        assert_eq!(t.background, Background::Dark, "a name is not a background");
        let bad = text.replacen("[colors]", "background = \"grey\"\n[colors]", 1);
        let e = Theme::parse(Path::new("bad.toml"), &bad, "file").unwrap_err();
        assert!(e.to_string().contains("unknown variant `grey`"), "{e}");
    }

    #[test]
    fn colours() {
        assert_eq!(parse_color("#ff8000").unwrap(), Color::Rgb(255, 128, 0));
        assert_eq!(parse_color("LightRed").unwrap(), Color::LightRed);
        assert_eq!(parse_color("208").unwrap(), Color::Indexed(208));
        assert!(
            parse_color("mauve")
                .unwrap_err()
                .contains("invalid colour 'mauve'")
        );
    }
}
