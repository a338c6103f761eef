//! `config.toml` (docs/configuration.md): read-only default, theme, regions, refresh intervals, apps and
//! key remapping. Every error names the file, line and column and what was expected.

use crate::action::{Action, Key, Keymap};
pub use crate::model::Refresh;
use crate::model::{Pane, Region};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A config or theme file error, with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

impl std::error::Error for FileError {}

impl FileError {
    /// An error at a byte span of `text`.
    pub fn at(path: &Path, text: &str, span: Option<Range<usize>>, message: String) -> Self {
        let offset = span.map_or(0, |s| s.start.min(text.len()));
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        FileError {
            path: path.to_owned(),
            line,
            column,
            message,
        }
    }

    /// A TOML parse or shape error.
    pub fn from_toml(path: &Path, text: &str, e: &toml::de::Error) -> Self {
        Self::at(path, text, e.span(), e.message().trim().to_owned())
    }
}

/// The longest refresh interval, seconds (also `--refresh`'s bound).
pub const REFRESH_MAX: u64 = 3600;

/// Failover settings of an app.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failover {
    pub primary: Region,
    /// Spanned: an error about it names its line.
    pub dr: Spanned<Region>,
    pub health_alarm: String,
    #[serde(default = "hundred")]
    pub dr_capacity_percent: u32,
    /// How long the drill waits for the DR targets to turn healthy, seconds.
    #[serde(default = "ten_minutes")]
    pub healthy_timeout_secs: u64,
}

/// The most DR capacity a drill asks for, in percent of the primary's.
pub const DR_PERCENT_MAX: u32 = 500;
/// Bounds of the drill's wait for healthy DR targets, seconds: a health check needs at least a
/// few intervals; a day is longer than any failover.
pub const HEALTHY_TIMEOUT_MIN: u64 = 10;
pub const HEALTHY_TIMEOUT_MAX: u64 = 86_400;

/// Where the `i`th `[[app]]` starts in the text.
fn app_offset(text: &str, i: usize) -> Option<Range<usize>> {
    text.match_indices("[[app]]").nth(i).map(|(o, _)| o..o + 1)
}

fn hundred() -> u32 {
    100
}

fn ten_minutes() -> u64 {
    600
}

/// An app: names or glob patterns that select what is shown.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AppConfig {
    pub name: String,
    pub load_balancers: Vec<String>,
    pub auto_scaling_groups: Vec<String>,
    pub ecs_services: Vec<String>,
    pub associations: Vec<String>,
    pub alarms: Vec<String>,
    /// The ARC Region switch plan of the app's two regions (its ARN); without it the failover
    /// view looks for a plan covering both.
    pub region_switch_plan: Option<String>,
    pub failover: Option<Failover>,
}

/// An account the engineer answers for (`[[account]]`): how the header names it, in which
/// colour, and whether writes to it need `:unlock` first.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AccountConfig {
    /// Shown in the header; typed to `:unlock` the account.
    pub name: String,
    /// The aws cli profile that signs in to it: the account is the one in view when the console
    /// runs with this profile.
    pub profile: Option<String>,
    /// Its 12-digit account ID: the account is the one in view when STS says so.
    pub id: Option<String>,
    /// Its regions, the primary first (used when no `--region` names one).
    pub regions: Vec<Region>,
    /// Every operation is refused with the reason until `:unlock` (for a while, typed name).
    pub read_only: bool,
    /// The header shows the account's name in it: a colour name (`red`) or `#rrggbb`.
    #[serde(alias = "color")]
    pub colour: Option<String>,
}

impl AccountConfig {
    /// The header's colour for it (checked when the config is read).
    pub fn colour(&self) -> Option<ratatui::style::Color> {
        self.colour.as_deref().and_then(|c| c.parse().ok())
    }
}

/// The longest `:unlock` a config allows, seconds.
pub const UNLOCK_MAX_SECS: i64 = 4 * 3600;

/// A key or a list of keys for one action.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum KeySpec {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    read_only: Option<bool>,
    theme: Option<Spanned<String>>,
    /// Checked as they are read: an error names the line.
    regions: Option<Vec<Region>>,
    /// Pane name to seconds; the names are checked against the panes when read.
    #[serde(default)]
    refresh: BTreeMap<Spanned<String>, Spanned<u64>>,
    #[serde(default)]
    app: Vec<AppConfig>,
    #[serde(default)]
    account: Vec<Spanned<AccountConfig>>,
    #[serde(default)]
    keys: BTreeMap<Spanned<String>, Spanned<KeySpec>>,
    team: Option<crate::team::TeamConfig>,
}

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub read_only: bool,
    pub theme: Option<String>,
    /// Where the theme name was set, for an error about an unknown theme.
    pub theme_origin: Option<(PathBuf, usize, usize)>,
    pub regions: Vec<Region>,
    pub refresh: Refresh,
    pub apps: Vec<AppConfig>,
    pub accounts: Vec<AccountConfig>,
    pub keymap: Keymap,
    pub path: Option<PathBuf>,
    /// `[team]`: leases and the audit trail in AWS (local files otherwise).
    pub team: Option<crate::team::TeamConfig>,
}

/// The `[refresh]` table: each pane by its name, within 1..=`REFRESH_MAX` seconds; the others
/// keep their default.
fn refresh_of(
    path: &Path,
    text: &str,
    table: &BTreeMap<Spanned<String>, Spanned<u64>>,
) -> Result<Refresh, FileError> {
    let mut refresh = Refresh::default();
    for (name, v) in table {
        let Some(pane) = Pane::ALL
            .into_iter()
            .find(|p| p.config_name() == *name.get_ref())
        else {
            let names: Vec<String> = Pane::ALL
                .iter()
                .map(|p| format!("`{}`", p.config_name()))
                .collect();
            return Err(FileError::at(
                path,
                text,
                Some(name.span()),
                format!(
                    "unknown field `{}`, expected one of {}",
                    name.get_ref(),
                    names.join(", ")
                ),
            ));
        };
        let secs = *v.get_ref();
        if secs == 0 || secs > REFRESH_MAX {
            let why = if secs == 0 {
                "must be at least 1 second".to_owned()
            } else {
                format!("must be at most {REFRESH_MAX} seconds (an hour), as --refresh")
            };
            return Err(FileError::at(
                path,
                text,
                Some(name.span()),
                format!("refresh.{} {why}", name.get_ref()),
            ));
        }
        refresh.set(pane, secs);
    }
    Ok(refresh)
}

impl Config {
    /// Loads `--config FILE`, or the default file if it exists, or the defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Self, FileError> {
        let path = match explicit {
            Some(p) => p.to_owned(),
            None => match crate::paths::config_dir().map(|d| d.join("config.toml")) {
                Some(p) if p.exists() => p,
                _ => return Ok(Config::default()),
            },
        };
        let text = read_file(&path).map_err(|e| FileError {
            path: path.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read the config file: {e}"),
        })?;
        Self::parse(&path, &text)
    }

    /// Parses config text; `path` names the file in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Self, FileError> {
        let file: ConfigFile =
            toml::from_str(text).map_err(|e| FileError::from_toml(path, text, &e))?;
        let keymap = keymap_of(path, text, &file.keys)?;
        let refresh = refresh_of(path, text, &file.refresh)?;
        if let Some(regions) = &file.regions {
            let at = text.find("regions").map(|o| o..o + 1);
            for (i, r) in regions.iter().enumerate() {
                if regions[..i].contains(r) {
                    return Err(FileError::at(
                        path,
                        text,
                        at,
                        format!(
                            "region {r} is listed twice; list each region once, the primary first"
                        ),
                    ));
                }
            }
        }
        for (i, app) in file.app.iter().enumerate() {
            check_app(path, text, &file.app[..i], i, app)?;
        }
        for app in &file.app {
            if let Some(f) = &app.failover
                && f.dr.get_ref() == &f.primary
            {
                return Err(FileError::at(
                    path,
                    text,
                    Some(f.dr.span()),
                    format!(
                        "app {}: failover dr is the primary region ({}); name the standby region",
                        app.name, f.primary
                    ),
                ));
            }
        }
        for (i, a) in file.account.iter().enumerate() {
            check_account(&file.account[..i], a.get_ref())
                .map_err(|m| FileError::at(path, text, Some(a.span()), m))?;
        }
        let theme_origin = file.theme.as_ref().map(|t| {
            let e = FileError::at(path, text, Some(t.span()), String::new());
            (path.to_owned(), e.line, e.column)
        });
        Ok(Config {
            read_only: file.read_only.unwrap_or(false),
            theme: file.theme.map(Spanned::into_inner),
            theme_origin,
            regions: file.regions.unwrap_or_default(),
            refresh,
            apps: file.app,
            accounts: file.account.into_iter().map(Spanned::into_inner).collect(),
            keymap,
            path: Some(path.to_owned()),
            team: file.team,
        })
    }
}

/// An `[[account]]`: a printable name of its own, a profile or an ID to know it by, a colour
/// the terminal knows.
fn check_account(before: &[Spanned<AccountConfig>], a: &AccountConfig) -> Result<(), String> {
    if a.name.trim().is_empty() {
        return Err("every [[account]] needs a name (it is shown in the header)".into());
    }
    if a.name.chars().any(char::is_control) || a.name.chars().count() > 64 {
        return Err(format!(
            "account name '{}' must be printable and at most 64 characters: it is typed to unlock it",
            crate::state::printable(&a.name)
        ));
    }
    if before.iter().any(|b| b.get_ref().name == a.name) {
        return Err(format!(
            "account {} is defined twice; give each [[account]] its own name",
            a.name
        ));
    }
    if a.profile.is_none() && a.id.is_none() {
        return Err(format!(
            "account {}: say how to know it: profile = \"NAME\" (the aws cli profile) or id = \"123456789012\"",
            a.name
        ));
    }
    if let Some(id) = &a.id
        && (id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(format!(
            "account {}: id '{}' is not an account ID (12 digits)",
            a.name,
            crate::state::printable(id)
        ));
    }
    if let Some(c) = &a.colour
        && c.parse::<ratatui::style::Color>().is_err()
    {
        return Err(format!(
            "account {}: colour '{}' is no colour: use a name (red, yellow, lightblue…) or #rrggbb",
            a.name,
            crate::state::printable(c)
        ));
    }
    Ok(())
}

/// The largest config or theme file read: far more than any real one, so `--config /dev/zero`
/// or a log file named by mistake cannot exhaust memory.
pub const FILE_MAX: u64 = 1 << 20;

/// Reads a config or theme file: a regular file (not a device, a FIFO or a directory) of at
/// most [`FILE_MAX`] bytes, as UTF-8 text.
pub fn read_file(path: &Path) -> Result<String, String> {
    use std::io::Read as _;
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let m = f.metadata().map_err(|e| e.to_string())?;
    if !m.is_file() {
        return Err("not a regular file".into());
    }
    let mut bytes = Vec::new();
    f.take(FILE_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > FILE_MAX {
        return Err(format!("larger than {} KiB", FILE_MAX >> 10));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())
}

/// The `[keys]` table over the default keymap; an error names the line of the bad entry.
fn keymap_of(
    path: &Path,
    text: &str,
    keys: &BTreeMap<Spanned<String>, Spanned<KeySpec>>,
) -> Result<Keymap, FileError> {
    let mut overrides = Vec::new();
    for (name, spec) in keys {
        let action = Action::parse(name.get_ref())
            .map_err(|m| FileError::at(path, text, Some(name.span()), m))?;
        let names = match spec.get_ref() {
            KeySpec::One(k) => vec![k.clone()],
            KeySpec::Many(ks) => ks.clone(),
        };
        if names.is_empty() {
            return Err(FileError::at(
                path,
                text,
                Some(spec.span()),
                format!(
                    "no key given for '{}'; give a key such as \"s\"",
                    action.name()
                ),
            ));
        }
        let keys = names
            .iter()
            .map(|k| Key::parse(k))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| FileError::at(path, text, Some(spec.span()), m))?;
        overrides.push((action, keys, spec.span()));
    }
    let mut keymap = Keymap::default();
    let plain: Vec<(Action, Vec<Key>)> =
        overrides.iter().map(|(a, k, _)| (*a, k.clone())).collect();
    keymap.rebind(&plain).map_err(|m| {
        let span = overrides.last().map(|(_, _, s)| s.clone());
        FileError::at(path, text, span, m)
    })?;
    Ok(keymap)
}

/// Checks the `i`th `[[app]]` (`before` are the ones above it): a printable unique name, name
/// patterns that can match, a failover section within its bounds.
fn check_app(
    path: &Path,
    text: &str,
    before: &[AppConfig],
    i: usize,
    app: &AppConfig,
) -> Result<(), FileError> {
    let at = app_offset(text, i);
    if app.name.trim().is_empty() {
        return Err(FileError::at(
            path,
            text,
            at,
            "every [[app]] needs a name".to_owned(),
        ));
    }
    if app.name.chars().any(char::is_control) || app.name.chars().count() > 64 {
        return Err(FileError::at(
            path,
            text,
            at,
            format!(
                "app name '{}' must be printable and at most 64 characters: it is typed to confirm a drill",
                crate::state::printable(&app.name)
            ),
        ));
    }
    if before.iter().any(|a| a.name == app.name) {
        return Err(FileError::at(
            path,
            text,
            at,
            format!(
                "app {} is defined twice; give each [[app]] its own name",
                app.name
            ),
        ));
    }
    for p in app
        .load_balancers
        .iter()
        .chain(&app.auto_scaling_groups)
        .chain(&app.ecs_services)
        .chain(&app.associations)
        .chain(&app.alarms)
    {
        check_pattern(p)
            .map_err(|m| FileError::at(path, text, at.clone(), format!("app {}: {m}", app.name)))?;
    }
    if let Some(f) = &app.failover {
        let at = text[at.clone().map_or(0, |r| r.start)..]
            .find("[app.failover]")
            .map(|o| {
                let o = o + at.as_ref().map_or(0, |r| r.start);
                o..o + 1
            });
        let bad =
            |m: String| FileError::at(path, text, at.clone(), format!("app {}: {m}", app.name));
        if !(1..=DR_PERCENT_MAX).contains(&f.dr_capacity_percent) {
            return Err(bad(format!(
                "dr_capacity_percent = {} is outside 1..{DR_PERCENT_MAX} (percent of the primary's desired capacity)",
                f.dr_capacity_percent
            )));
        }
        if !(HEALTHY_TIMEOUT_MIN..=HEALTHY_TIMEOUT_MAX).contains(&f.healthy_timeout_secs) {
            return Err(bad(format!(
                "healthy_timeout_secs = {} is outside {HEALTHY_TIMEOUT_MIN}..{HEALTHY_TIMEOUT_MAX} (how long the drill waits for the DR targets, seconds)",
                f.healthy_timeout_secs
            )));
        }
    }
    Ok(())
}

/// Checks a name pattern of an app: `*` and `?` are its only wildcards, and it names something.
fn check_pattern(p: &str) -> Result<(), String> {
    if p.trim().is_empty() {
        return Err(
            "an empty name pattern matches nothing; give a name or a glob such as \"web-*\"".into(),
        );
    }
    if let Some(c) = p
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || "[]{}!".contains(*c))
    {
        return Err(format!(
            "pattern '{}' has '{}', which no AWS name has and which is no wildcard here (only * and ? are)",
            crate::state::printable(p),
            crate::state::printable(&c.to_string())
        ));
    }
    Ok(())
}

/// Matches `name` against a glob pattern with `*` and `?`.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_parse_and_bad_ones_say_where_and_why() {
        let path = Path::new("c.toml");
        let good = r##"
[[account]]
name = "prod-eu"
profile = "prod-eu"
regions = ["eu-west-1", "eu-central-1"]
read_only = true
colour = "red"

[[account]]
name = "staging"
id = "111111111111"
color = "#00aa88"
"##;
        let c = Config::parse(path, good).unwrap();
        assert_eq!(c.accounts.len(), 2);
        assert!(c.accounts[0].read_only);
        assert_eq!(c.accounts[0].regions.len(), 2);
        assert_eq!(c.accounts[0].colour(), Some(ratatui::style::Color::Red));
        assert!(c.accounts[1].colour().is_some());
        let cases = [
            ("[[account]]\nprofile = \"p\"\n", "needs a name"),
            ("[[account]]\nname = \"x\"\n", "profile = \"NAME\""),
            (
                "[[account]]\nname = \"x\"\nid = \"12345\"\n",
                "not an account ID",
            ),
            (
                "[[account]]\nname = \"x\"\nprofile = \"p\"\ncolour = \"reddish\"\n",
                "no colour",
            ),
            (
                "[[account]]\nname = \"x\"\nprofile = \"p\"\n[[account]]\nname = \"x\"\nprofile = \"q\"\n",
                "defined twice",
            ),
            (
                "[[account]]\nname = \"x\"\nprofile = \"p\"\nreadonly = true\n",
                "unknown field",
            ),
        ];
        for (text, says) in cases {
            let e = Config::parse(path, text).unwrap_err();
            assert!(e.message.contains(says), "{text}: {}", e.message);
            assert!(e.line >= 1, "{text}: a line");
        }
        // The duplicate is named where it is.
        let e = Config::parse(path, cases[4].0).unwrap_err();
        assert_eq!(e.line, 4);
    }

    #[test]
    fn globs() {
        assert!(glob_match("fa-092-*", "fa-092-NLB"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("fa-092-*", "bookstore-alb"));
        assert!(glob_match("appCluster/*", "appCluster/appService"));
    }

    #[test]
    fn spec_example_parses() {
        let text = r#"
read_only = true
theme = "default"
regions = ["us-east-1", "us-west-2"]
[refresh]
targets = 5
capacity = 10
runs = 30
alarms = 30
[[app]]
name = "bookstore"
load_balancers = ["fa-092-NLB"]
auto_scaling_groups = ["fa-092-*"]
ecs_services = ["appCluster/appService"]
associations = ["fa-092-*"]
alarms = ["bookstore-*"]
[app.failover]
primary = "us-east-1"
dr = "us-west-2"
health_alarm = "bookstore-primary-health"
dr_capacity_percent = 100
[keys]
refresh = "f5"
"#;
        let c = Config::parse(Path::new("c.toml"), text).unwrap();
        assert!(c.read_only);
        assert_eq!(
            c.apps[0].failover.as_ref().unwrap().dr.get_ref(),
            "us-west-2"
        );
        assert_eq!(c.refresh.secs(Pane::Timeline), 5);
        assert_eq!(c.refresh.secs(Pane::Capacity), 10);
        assert_eq!(
            c.keymap.action(&Key::parse("f5").unwrap()),
            Some(Action::Refresh)
        );
    }
}
