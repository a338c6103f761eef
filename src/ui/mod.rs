//! Drawing: `render(app, area, buf)` paints the whole screen from the state. No IO, no locking,
//! no state changes; the cost is proportional to what is visible, not to the estate's size.

mod detail;
mod drill;
mod fleet;
mod logs;
pub mod paint;
mod panes;
mod popups;
mod region_switch;
mod regions;
pub mod widgets;

use crate::action::{Action, Keymap};
use crate::app::{App, Drawn, Overlay, Pane, RegionData, Store, View};
use crate::model::{Region, Severity, Timestamp, short_age};
use crate::source::SourceInfo;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};
use widgets::{ASCII, Glyphs, UNICODE};

/// Below this size the screen only says it is too small.
pub const MIN_WIDTH: u16 = 30;
pub const MIN_HEIGHT: u16 = 8;

/// The glyphs for the app's mode.
pub fn glyphs(app: &App) -> &'static Glyphs {
    if app.settings().ascii {
        &ASCII
    } else {
        &UNICODE
    }
}

/// Style for a severity.
pub fn severity_style(theme: &Theme, s: Severity) -> Style {
    match s {
        Severity::Ok => theme.ok(),
        Severity::Info => theme.text(),
        Severity::Warn => theme.warn(),
        Severity::Crit => theme.crit(),
    }
}

/// What drawing a view, a pane or a popup needs of the console besides its own input: the
/// theme, the glyphs, the clock, the key names, the store and the region in view with its data,
/// and who is signed in where. Built from the [`App`] once a frame for the view and the popup
/// over it; they take it (and what is theirs to draw), never the whole `App`.
pub struct Ctx<'a> {
    pub theme: &'a Theme,
    pub glyphs: &'static Glyphs,
    pub now: Timestamp,
    pub keys: &'a Keymap,
    pub store: &'a Store,
    pub region: &'a Region,
    /// How many regions the console reads.
    pub regions: usize,
    /// The account, caller and profile.
    pub info: &'a SourceInfo,
    /// What was read of the region in view, if anything yet.
    pub data: Option<&'a RegionData>,
}

impl<'a> Ctx<'a> {
    pub fn of(app: &'a App) -> Self {
        Ctx {
            theme: app.theme(),
            glyphs: glyphs(app),
            now: app.now(),
            keys: &app.settings().keymap,
            store: app.store(),
            region: app.region_name(),
            regions: app.info().regions.len(),
            info: app.info(),
            data: app.current(),
        }
    }

    /// `3m`, from `at` to now.
    pub fn age(&self, at: Timestamp) -> String {
        short_age(self.now.secs_since(at))
    }

    /// A bordered block in these glyphs and theme.
    pub fn block<'t>(&self, title: Line<'t>, focused: bool) -> Block<'t> {
        Block::bordered()
            .border_set(self.glyphs.border)
            .border_style(self.theme.border(focused))
            .title(title)
    }
}

/// A bordered block in the app's glyphs.
pub fn block<'a>(app: &App, title: Line<'a>, focused: bool) -> Block<'a> {
    Ctx::of(app).block(title, focused)
}

/// Paints the whole screen; returns what it laid out (for [`crate::app::Msg::Drawn`]).
pub fn render(app: &App, area: Rect, buf: &mut Buffer) -> Drawn {
    let mut drawn = Drawn::default();
    paint::style(buf, area, app.theme().text());
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!("opsdash: {}x{} is too small", area.width, area.height);
        for (i, chunk) in msg
            .as_bytes()
            .chunks(area.width.max(1) as usize)
            .enumerate()
        {
            if i as u16 >= area.height {
                break;
            }
            let s = String::from_utf8_lossy(chunk);
            paint::str(buf, area.x, area.y + i as u16, s, app.theme().warn());
        }
        return drawn;
    }
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(app, header, buf);
    // Popups lie over the whole body, banner and verdict included.
    let popup_area = body;
    let body = match app.connection_problem() {
        Some(e) if body.height > 8 => {
            let text = problem_text(app, e);
            let lines = widgets::wrap(&text, body.width.saturating_sub(2) as usize);
            // In full: the fix is the point. At most a third of the body.
            let h = (lines.len() as u16).min((body.height / 3).max(2));
            let [banner, rest] =
                Layout::vertical([Constraint::Length(h), Constraint::Min(1)]).areas(body);
            let style = banner_style(app);
            paint::style(buf, banner, style);
            for (i, l) in lines.iter().take(h as usize).enumerate() {
                paint::str(buf, banner.x + 1, banner.y + i as u16, l, style);
            }
            rest
        }
        _ => body,
    };
    // The verdict: one line per app (as many as the height allows), the worst first.
    let body = if body.height > 4 && app.connection_problem().is_none() {
        let verdicts = app.verdicts();
        let n = verdicts
            .len()
            .min(if body.height > 30 { 3 } else { 1 })
            .max(1) as u16;
        let [top, rest] = Layout::vertical([Constraint::Length(n), Constraint::Min(1)]).areas(body);
        for (i, v) in verdicts.iter().take(n as usize).enumerate() {
            render_verdict(
                app,
                v,
                Rect::new(top.x, top.y + i as u16, top.width, 1),
                buf,
            );
        }
        rest
    } else {
        body
    };
    let cx = &Ctx::of(app);
    match app.view() {
        View::Main => panes::render_main(cx, &panes_of(app), body, buf, &mut drawn),
        View::Detail(d) => {
            detail::render(cx, d, app.detail_scroll(), body, buf, &mut drawn);
        }
        View::Regions => regions::render(cx, app.region_pair(), body, buf),
        View::Fleet => {
            let f = fleet::Fleet {
                accounts: app.settings().fleet.len(),
                rows: app.fleet(),
                selected: app.fleet_selected(),
                drill: app.drill(),
            };
            fleet::render(cx, &f, body, buf);
        }
        View::Drill => drill::render(cx, &failover(app), body, buf, &mut drawn),
        View::Logs => {
            if let Some(v) = app.logs() {
                logs::render(cx, v, app.paused(), body, buf);
            }
        }
    }
    render_status(app, status, buf);
    render_footer(app, footer, buf);
    render_overlay(app, cx, popup_area, status, buf, &mut drawn);
    drawn
}

/// What the panes' frames show, from the app.
fn panes_of(app: &App) -> panes::Panes<'_> {
    let views = Pane::ALL
        .iter()
        .map(|&p| panes::PaneView {
            state: app.pane(p),
            error: app.pane_error(p),
            age: app.age(p),
            age_label: app.age_label(p),
            running: app
                .running_ops()
                .iter()
                .filter(|o| o.pane == p && o.region == *app.region_name())
                .collect(),
        })
        .collect();
    panes::Panes {
        views,
        focus: app.focus(),
    }
}

/// What the failover view shows, from the app.
fn failover(app: &App) -> drill::Failover<'_> {
    let spec = app.drill_spec();
    drill::Failover {
        spec,
        drill: app.drill(),
        preflight: app.drill_preflight(),
        plan: spec.and_then(|s| app.plan_read(&s.app)),
        read_only: app.read_only(),
        not_here: app.drill_not_here(),
        several_apps: app.settings().drill_specs.len() > 1,
        scroll: app.drill_scroll(),
        regions: app.region_pair(),
    }
}

/// The popup or prompt over the view, if any.
fn render_overlay(
    app: &App,
    cx: &Ctx<'_>,
    popup_area: Rect,
    status: Rect,
    buf: &mut Buffer,
    drawn: &mut Drawn,
) {
    match app.overlay() {
        Overlay::Help => {
            let (per_col, max) = app.help_rows();
            let h = popups::HelpView {
                lines: app.help_display(),
                layout: app.help_layout(),
                per_col,
                max,
                scroll: app.help_scroll(),
            };
            popups::help(cx, &h, popup_area, buf);
        }
        Overlay::Palette { input, selected } => {
            let sugg = app.palette_suggestions(input.text());
            popups::palette(cx, input, &sugg, *selected, popup_area, status, buf);
        }
        Overlay::Faults { items, selected } => {
            popups::faults(cx, items, *selected, popup_area, buf);
        }
        Overlay::Scale {
            target,
            bounds,
            input,
            error,
        } => popups::scale(
            cx,
            target,
            *bounds,
            input,
            error.as_deref(),
            popup_area,
            buf,
        ),
        Overlay::Deploy {
            cluster,
            service,
            task_definition,
            container,
            input,
            error,
        } => popups::deploy(
            cx,
            &popups::DeployPrompt {
                cluster,
                service,
                task_definition,
                container: *container,
                input,
                error: error.as_deref(),
            },
            popup_area,
            buf,
        ),
        Overlay::Confirm {
            plan, typed, error, ..
        } => {
            drawn.confirm_whole =
                popups::confirm(cx, plan, typed, error.as_deref(), popup_area, buf);
        }
        Overlay::DrillConfirm {
            action,
            typed,
            error,
        } => {
            drawn.confirm_whole = popups::drill_confirm(
                cx,
                app.drill_spec(),
                *action,
                typed,
                error.as_deref(),
                popup_area,
                buf,
            );
        }
        Overlay::DrillResume => {
            popups::drill_resume(cx, app.drill(), app.drill_not_here(), popup_area, buf);
        }
        Overlay::Api => popups::api(cx, popup_area, buf),
        Overlay::ZonalShift {
            preflight,
            input,
            error,
        } => popups::zonal_shift(cx, preflight, input, error.as_deref(), popup_area, buf),
        Overlay::ZonalExtend { lb, input, error } => {
            popups::zonal_extend(cx, lb, input, error.as_deref(), popup_area, buf);
        }
        Overlay::PlanStart {
            app: name,
            input,
            error,
        } => {
            popups::plan_start(
                cx,
                app.shown_plan(),
                name,
                input,
                error.as_deref(),
                popup_area,
                buf,
            );
        }
        Overlay::Mfa { ask, input, error } => {
            popups::mfa(cx, ask, input, error.as_deref(), popup_area, buf);
        }
        Overlay::Unlock {
            account,
            secs,
            typed,
            error,
        } => popups::unlock(cx, account, *secs, typed, error.as_deref(), popup_area, buf),
        Overlay::Filter | Overlay::None => {}
    }
}

/// How much of the optional header text fits.
#[derive(Clone, Copy)]
struct HeaderFit {
    title: bool,
    scenario: bool,
    /// 2 the account, caller and profile; 1 the account and profile; 0 the account alone (never
    /// less: which account is in view is always said).
    account: u8,
    all_regions: bool,
    /// 0 none, 1 `34/m 0T 0E`, 2 `API 34/m 0thr 0err`, 3 with the per-service rates.
    api: u8,
    utc: bool,
}

/// Shifts in effect in the region in view, once per zone and kind: `AWS AUTOSHIFT from
/// use1-az4 since 10:42` answers "is it AWS or us" first; `ZONAL SHIFT from use1-az4, 47 min
/// left` is someone's in this account.
fn zonal_badges(app: &App) -> Vec<String> {
    use crate::model::zonal::ShiftKind;
    let Some(d) = app.current() else {
        return Vec::new();
    };
    let mut seen: Vec<(ShiftKind, String)> = Vec::new();
    let mut out = Vec::new();
    for lb in d.lbs() {
        for s in lb.zonal_shifts.iter().filter(|s| s.applied()) {
            let key = (s.kind, s.away_from.clone());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            out.push(match (s.kind, s.left_secs(app.now())) {
                (ShiftKind::Autoshift, _) | (_, None) => format!(
                    "{} from {} since {}",
                    s.kind.label().to_uppercase(),
                    s.away_from,
                    s.started.hm()
                ),
                (k, Some(left)) => format!(
                    "{} from {}, {} left",
                    k.label().to_uppercase(),
                    s.away_from,
                    crate::model::zonal::left_text(left)
                ),
            });
        }
    }
    out
}

/// The header: mode, account, region in view, the safety badges and the clock are never cut; the
/// API figures' detail, the title, the caller and profile, the API figures' words, the scenario
/// and the other regions give way, in that order, when the line is short.
fn render_header(app: &App, area: Rect, buf: &mut Buffer) {
    let style = app.theme().header();
    let bold = style.add_modifier(ratatui::style::Modifier::BOLD);
    paint::style(buf, area, style);
    let badges = header_badges(app);
    let accounts = [0, 1, 2].map(|level| account_label(app, level));
    let (all_regions, in_view) = region_labels(app);
    let window = app.store().rates().window();
    let api = window.total;
    let calls = window.calls_label();
    let rates: Vec<String> = window
        .by_service()
        .iter()
        .take(5)
        .map(|(s, n)| format!("{} {n}", short_service(s)))
        .collect();
    let build = |f: HeaderFit| -> (Vec<(String, bool)>, String) {
        let mut left: Vec<(String, bool)> = Vec::new();
        if f.title {
            left.push(("opsdash".into(), true));
        }
        let mode = match (app.is_demo(), f.scenario) {
            (true, true) => format!("DEMO {}", app.scenario().unwrap_or("")),
            (true, false) => "DEMO".into(),
            (false, _) => "LIVE".into(),
        };
        left.push((mode, false));
        left.push((accounts[usize::from(f.account.min(2))].clone(), false));
        left.push((
            if f.all_regions {
                all_regions.join(" ")
            } else {
                in_view.clone()
            },
            false,
        ));
        left.extend(badges.iter().map(|b| (b.clone(), true)));
        let api_text = match f.api {
            3 if !rates.is_empty() => format!(
                "API {calls} ({}) {}thr {}err",
                rates.join(" "),
                api.throttles,
                api.errors
            ),
            2 | 3 => format!("API {calls} {}thr {}err", api.throttles, api.errors),
            1 => format!("{calls} {}T {}E", api.throttles, api.errors),
            _ => String::new(),
        };
        let clock = if f.utc {
            format!("{} UTC", app.now().hm())
        } else {
            app.now().hm()
        };
        let right = if api_text.is_empty() {
            format!(" {clock} ")
        } else {
            format!(" {api_text} | {clock} ")
        };
        (left, right)
    };
    let width = |(left, right): &(Vec<(String, bool)>, String)| {
        1 + left
            .iter()
            .map(|(t, _)| t.chars().count() + 3)
            .sum::<usize>()
            + right.chars().count()
    };
    let full = HeaderFit {
        title: true,
        scenario: true,
        account: 2,
        all_regions: true,
        api: 3,
        utc: true,
    };
    let steps: [fn(&mut HeaderFit); 9] = [
        |f| f.api = 2,
        |f| f.title = false,
        |f| f.account = 1,
        |f| f.api = 1,
        |f| f.scenario = false,
        |f| f.all_regions = false,
        |f| f.account = 0,
        |f| f.api = 0,
        |f| f.utc = false,
    ];
    let mut fit = full;
    let mut parts = build(fit);
    for step in steps {
        if width(&parts) <= area.width as usize {
            break;
        }
        step(&mut fit);
        parts = build(fit);
    }
    let (left, right) = parts;
    // The account in its configured colour (it follows the mode, and the title when shown).
    let account_at = usize::from(fit.title) + 1;
    let account_style = app
        .account()
        .and_then(crate::config::AccountConfig::colour)
        .filter(|_| !app.settings().no_color)
        .map(|c| bold.fg(c));
    let mut spans: Vec<Span> = vec![Span::styled(" ", style)];
    for (i, (text, strong)) in left.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" | ", style));
        }
        let look = match account_style {
            Some(a) if i == account_at => a,
            _ if *strong => bold,
            _ => style,
        };
        spans.push(Span::styled(text.clone(), look));
    }
    let right_w = right.chars().count() as u16;
    paint::line(
        buf,
        area.x,
        area.y,
        &Line::from(spans),
        area.width.saturating_sub(right_w),
    );
    let api_style = if api.throttles + api.errors > 0 && fit.api > 0 {
        bold
    } else {
        style
    };
    if area.width >= right_w {
        paint::str(buf, area.x + area.width - right_w, area.y, right, api_style);
    }
}

/// Team mode: the other consoles on this account (`+2: ana@bastion-2 (drill), li@bastion-1`), or
/// the team's table unusable.
fn team_badge(app: &App) -> Option<String> {
    if app.team_error().is_some() {
        return Some("TEAM TABLE DOWN".into());
    }
    if app.trail_error().is_some() {
        return Some("AUDIT NOT SENT".into());
    }
    let peers = app.peers_here();
    if peers.is_empty() {
        return None;
    }
    let mut names: Vec<String> = peers.iter().take(2).map(|p| p.label()).collect();
    if peers.len() > 2 {
        names.push("…".into());
    }
    Some(format!("+{}: {}", peers.len(), names.join(", ")))
}

/// The header's badges: read-only, paused, the drill, traffic on DR, zonal shifts.
fn header_badges(app: &App) -> Vec<String> {
    let mut badges: Vec<String> = Vec::new();
    if app.read_only() {
        badges.push("READ-ONLY".into());
    }
    if app.paused() {
        badges.push("PAUSED".into());
    }
    if let Some(d) = app.drill() {
        let word = match d.phase {
            crate::ops::drill::Phase::Running => Some("DRILL RUNNING"),
            crate::ops::drill::Phase::Done => Some("DRILL DONE: failback pending"),
            crate::ops::drill::Phase::Failed => Some("DRILL FAILED"),
            crate::ops::drill::Phase::RollingBack => Some("DRILL ROLLING BACK"),
            crate::ops::drill::Phase::Finished => None,
        };
        badges.extend(word.map(str::to_owned));
    }
    badges.extend(region_switch::header_badge(app));
    badges.extend(team_badge(app));
    if let Some(dr) = app.traffic_on_dr() {
        badges.push(format!("TRAFFIC ON {dr}"));
    }
    badges.extend(zonal_badges(app));
    if let Some((_, until)) = app.unlocked() {
        badges.push(format!(
            "UNLOCKED {}",
            crate::model::zonal::left_text(until.secs_since(app.now()) as i64)
        ));
    }
    // How long the MFA credentials last (a new code is asked for 5 minutes before the end).
    if let Some(end) = app.credentials_expire() {
        let left = end.secs_since(app.now()) as i64;
        badges.push(if left > 0 {
            format!("MFA {} left", crate::model::zonal::left_text(left))
        } else {
            "MFA EXPIRED".into()
        });
    }
    badges
}

/// The account and who is signed in, with where the credentials came from: at `level` 2 all of
/// it, 1 without the caller, 0 the account alone.
fn account_label(app: &App, level: u8) -> String {
    // A configured account is named first.
    let id = match app.account() {
        Some(a) => format!("{} {}", a.name, app.info().account),
        None => app.info().account.clone(),
    };
    if level == 0 {
        return id;
    }
    let who = app.info().caller_arn.rsplit(':').next().unwrap_or("");
    let who = who.strip_prefix("assumed-role/").unwrap_or(who);
    // Where the credentials came from (`profile prod`, `environment (AWS_ACCESS_KEY_ID)`), so
    // a profile never seems in use while the environment's keys sign.
    let profile = app
        .info()
        .credentials
        .as_deref()
        .map(|c| c.split(" (").next().unwrap_or(c))
        .or(app.info().profile.as_deref())
        .map(|p| format!(" ({p})"))
        .unwrap_or_default();
    if level == 1 {
        return format!("{id}{profile}");
    }
    if who.is_empty() {
        // Not connected yet: no caller to name.
        return format!("{id}{profile}");
    }
    format!("{id} {who}{profile}")
}

/// Every region watched (the one in view marked when there are several), and the one in view.
fn region_labels(app: &App) -> (Vec<String>, String) {
    let region_label = |i: usize, r: &crate::model::RegionInfo| {
        let role = match r.role {
            crate::model::RegionRole::Primary => "",
            crate::model::RegionRole::Dr => " DR",
        };
        let mark = if i == app.region_index() && app.info().regions.len() > 1 {
            "*"
        } else {
            ""
        };
        format!("{}{mark}{role}", r.name)
    };
    let all_regions: Vec<String> = app
        .info()
        .regions
        .iter()
        .enumerate()
        .map(|(i, r)| region_label(i, r))
        .collect();
    let in_view = app
        .info()
        .regions
        .get(app.region_index())
        .map(|r| region_label(app.region_index(), r))
        .unwrap_or_default();
    (all_regions, in_view)
}

/// The banner of a credential or connection problem: what is wrong and the fix, in full.
fn problem_text(app: &App, e: &crate::source::SourceError) -> String {
    // Signing in waits for the operator, not for AWS: said as such.
    if e.code == "MfaCodeAwaited" {
        return "SIGNING IN: type the MFA code in the prompt; the panes are read once STS \
                accepts it."
            .to_owned();
    }
    if e.code == "MfaCodeNotGiven" {
        return format!(
            "NOT SIGNED IN: {}. The code is asked for again in 30 s.",
            e.message
        );
    }
    let what = match e.class {
        crate::source::ErrorClass::NoCredentials => "NO AWS CREDENTIALS",
        crate::source::ErrorClass::ExpiredCredentials => "AWS CREDENTIALS EXPIRED OR INVALID",
        _ => "CANNOT CONNECT TO AWS",
    };
    let fix = e
        .hint
        .as_deref()
        .map(|h| format!(" Fix: {h}."))
        .unwrap_or_default();
    let retry = if app.is_demo() {
        ""
    } else {
        " opsdash retries by itself; the panes keep their last data, marked stale."
    };
    format!(
        "{what}: {} ({}:{}): {}.{fix}{retry}",
        e.code, e.service, e.operation, e.message
    )
}

/// The style of the banners under the header (credentials, roll-back offer).
fn banner_style(app: &App) -> Style {
    app.theme()
        .crit()
        .add_modifier(ratatui::style::Modifier::REVERSED)
}

/// One app's verdict: what is wrong, where and since when, then the key that acts on it, which
/// stays on screen however narrow the line (the sentence gives way).
fn render_verdict(app: &App, v: &crate::app::Verdict, area: Rect, buf: &mut Buffer) {
    let t = app.theme();
    let style = match v.severity {
        Severity::Crit => banner_style(app),
        Severity::Warn => t.warn().add_modifier(ratatui::style::Modifier::REVERSED),
        Severity::Ok => t.ok(),
        Severity::Info => t.muted(),
    };
    paint::style(buf, area, style);
    let who = match &v.app {
        Some(a) if app.settings().apps.len() > 1 => format!("{a}: "),
        _ => String::new(),
    };
    // The key to press never crowds out what is wrong: an action of several alternatives
    // ("z shift away, 1 /zone: …") keeps only those that fit in half the line (the first always).
    let half = usize::from(area.width) / 2;
    let action = v
        .action
        .as_deref()
        .map(|a| {
            let mut kept = String::new();
            for alt in a.split(", ") {
                let next = if kept.is_empty() {
                    alt.to_owned()
                } else {
                    format!("{kept}, {alt}")
                };
                if !kept.is_empty() && widgets::text_width(&next) + 4 > half {
                    break;
                }
                kept = next;
            }
            format!(" {} {kept} ", glyphs(app).dot)
        })
        .unwrap_or_default();
    let room = (area.width as usize).saturating_sub(widgets::text_width(&action) + 1);
    let text = widgets::trunc(&format!(" {who}{}", v.text), room, glyphs(app));
    let line = format!("{text}{action}");
    paint::str(buf, area.x, area.y, line, style);
}

/// A service's short name for the header.
pub fn short_service(s: &str) -> &str {
    // The live source names services as the SDK's metadata does, the demo by endpoint prefix.
    match s {
        "elasticloadbalancing" | "Elastic Load Balancing v2" => "elb",
        "autoscaling" | "Auto Scaling" => "asg",
        "monitoring" | "CloudWatch" => "cw",
        "ECS" => "ecs",
        "SSM" => "ssm",
        "STS" => "sts",
        other => other,
    }
}

fn render_status(app: &App, area: Rect, buf: &mut Buffer) {
    if *app.overlay() == Overlay::Filter {
        let f = &app.pane(app.focus()).filter;
        let line = Line::from(vec![
            Span::styled(format!("/{} ", app.focus().title()), app.theme().title()),
            Span::styled(f.shown(), app.theme().text()),
            Span::styled("   Enter keep, Esc clear", app.theme().muted()),
        ]);
        paint::line(buf, area.x, area.y, &line, area.width);
        return;
    }
    // Pane errors first: stale data must never look current.
    let errors: Vec<String> = Pane::ALL
        .iter()
        .filter_map(|p| {
            app.pane_error(*p).map(|e| {
                let hint = e
                    .hint
                    .as_deref()
                    .map(|h| format!(" - {h}"))
                    .unwrap_or_default();
                format!(
                    "{}: {} ({}:{}){hint}",
                    p.title(),
                    e.code,
                    e.service,
                    e.operation
                )
            })
        })
        .collect();
    if let Some((msg, sev)) = app.status() {
        paint::str(
            buf,
            area.x,
            area.y,
            widgets::trunc(msg, area.width as usize, glyphs(app)),
            severity_style(app.theme(), *sev),
        );
    } else if !errors.is_empty() {
        let msg = format!("stale: {}", errors.join("; "));
        paint::str(
            buf,
            area.x,
            area.y,
            widgets::trunc(&msg, area.width as usize, glyphs(app)),
            app.theme().warn(),
        );
    }
}

/// The footer's (key, label) pairs for what applies now.
pub fn footer_items(app: &App) -> Vec<(String, &'static str)> {
    match app.overlay() {
        Overlay::None => view_footer(app),
        o => overlay_footer(app, o),
    }
}

/// The footer of a popup or prompt.
fn overlay_footer(app: &App, overlay: &Overlay) -> Vec<(String, &'static str)> {
    let k = |a: Action| app.settings().keymap.key_label(a);
    match overlay {
        Overlay::Help => vec![("j/k".into(), "scroll"), ("any key".into(), "close")],
        Overlay::Api => vec![("any key".into(), "close")],
        Overlay::Filter => vec![
            (k(Action::Submit), "keep filter"),
            (k(Action::Cancel), "clear"),
            ("Up/Down".into(), "move"),
        ],
        Overlay::Palette { .. } => vec![
            ("Tab".into(), "complete"),
            (k(Action::Submit), "run"),
            (k(Action::Cancel), "cancel"),
        ],
        Overlay::Faults { .. } => {
            vec![
                (format!("1-9/{}", k(Action::Submit)), "inject"),
                (k(Action::Cancel), "cancel"),
            ]
        }
        Overlay::Scale { .. } => vec![
            ("0-9".into(), "count"),
            (k(Action::Submit), "plan"),
            (k(Action::Cancel), "cancel"),
        ],
        Overlay::Deploy { .. } => vec![
            ("Tab".into(), "container"),
            (k(Action::Submit), "plan"),
            (k(Action::Cancel), "cancel"),
        ],
        Overlay::ZonalShift { .. } | Overlay::ZonalExtend { .. } | Overlay::PlanStart { .. } => {
            vec![(k(Action::Submit), "plan"), (k(Action::Cancel), "cancel")]
        }
        Overlay::Unlock { .. } => vec![
            (format!("name+{}", k(Action::Submit)), "unlock"),
            (k(Action::Cancel), "cancel"),
        ],
        Overlay::Mfa { .. } => vec![
            ("0-9".into(), "code"),
            (k(Action::Submit), "sign in"),
            (k(Action::Cancel), "not now"),
        ],
        Overlay::DrillConfirm { action, .. } => match action {
            crate::app::DrillAction::Abort => {
                vec![
                    (k(Action::Confirm), "abort"),
                    (
                        format!("{}/{}", k(Action::Decline), k(Action::Cancel)),
                        "continue",
                    ),
                ]
            }
            _ => vec![
                (format!("name+{}", k(Action::Submit)), "confirm"),
                (k(Action::Cancel), "cancel"),
            ],
        },
        Overlay::DrillResume if app.drill_not_here().is_some() => {
            vec![(k(Action::Cancel), "close")]
        }
        Overlay::DrillResume => vec![
            ("r".into(), "resume"),
            ("b".into(), "roll back"),
            (k(Action::Cancel), "later"),
        ],
        Overlay::Confirm { plan, .. } => match plan.confirm {
            crate::ops::Confirm::Yes => vec![
                (k(Action::Confirm), "run"),
                (
                    format!("{}/{}", k(Action::Decline), k(Action::Cancel)),
                    "cancel",
                ),
            ],
            crate::ops::Confirm::TypeName(_) => {
                vec![
                    (format!("name+{}", k(Action::Submit)), "run"),
                    (k(Action::Cancel), "cancel"),
                ]
            }
        },
        Overlay::None => Vec::new(),
    }
}

/// The footer of the view, with no popup open.
fn view_footer(app: &App) -> Vec<(String, &'static str)> {
    let k = |a: Action| app.settings().keymap.key_label(a);
    match app.view() {
        View::Drill => {
            let mut v = Vec::new();
            if let Some(rs) = app.shown_plan() {
                let p = |k: crate::action::PlanKey| {
                    app.settings().keymap.key_label(Action::PlanExec(k))
                };
                match rs.live() {
                    Some(e) if e.awaiting_approval().is_some() => {
                        v.push((p(crate::action::PlanKey::Approve), "approve"));
                    }
                    Some(e) => v.push((
                        p(crate::action::PlanKey::Pause),
                        if e.paused() { "resume" } else { "pause" },
                    )),
                    None => v.push((p(crate::action::PlanKey::Start), "Region switch")),
                }
            }
            match app.drill().map(|d| d.phase) {
                None | Some(crate::ops::drill::Phase::Finished) => {
                    v.push((
                        k(Action::DrillStart),
                        if app.shown_plan().is_some() {
                            "rehearsal"
                        } else {
                            "start"
                        },
                    ));
                    if app.settings().drill_specs.len() > 1 {
                        v.push((k(Action::DrillNextApp), "next app"));
                    }
                    v.push((k(Action::Back), "back"));
                }
                Some(crate::ops::drill::Phase::Running) => v.push((k(Action::DrillAbort), "abort")),
                Some(crate::ops::drill::Phase::Done | crate::ops::drill::Phase::Failed) => {
                    v.push((k(Action::DrillFailback), "fail back"));
                    v.push((k(Action::Back), "back"));
                }
                Some(crate::ops::drill::Phase::RollingBack) => v.push((k(Action::Back), "back")),
            }
            v.push((k(Action::Help), "help"));
            v.push((k(Action::Quit), "quit"));
            v
        }
        View::Detail(d) => {
            let mut v = vec![
                (k(Action::Back), "back"),
                (format!("{}/{}", k(Action::Down), k(Action::Up)), "scroll"),
                (
                    format!("{}/{}", k(Action::Top), k(Action::Bottom)),
                    "top/end",
                ),
            ];
            // The operations that work on what is shown, then what else it offers.
            let ops = crate::app::operation::for_detail(d);
            v.extend(ops.iter().map(|(a, label)| (k(*a), *label)));
            match d {
                crate::app::DetailRef::Asg(_) | crate::app::DetailRef::Service { .. } => {
                    v.push((k(Action::Logs), "logs"));
                }
                crate::app::DetailRef::Alarm(_) => {
                    v.push((k(Action::Watched), "what it watches"));
                    v.push((k(Action::Logs), "logs"));
                }
                _ => {}
            }
            v.push((k(Action::Help), "help"));
            v.push((k(Action::Quit), "quit"));
            v
        }
        View::Logs if app.logs().is_some_and(|v| v.editing.is_some()) => {
            vec![
                (k(Action::Submit), "send pattern"),
                (k(Action::Cancel), "cancel"),
            ]
        }
        View::Logs => {
            let following = app.logs().is_some_and(|v| v.follow);
            vec![
                (k(Action::Back), "back"),
                (k(Action::Filter), "filter pattern"),
                (
                    k(Action::LogsFollow),
                    if following { "pause" } else { "follow" },
                ),
                (k(Action::LogsWrap), "wrap"),
                (format!("{}/{}", k(Action::Down), k(Action::Up)), "scroll"),
                (
                    format!("{}/{}", k(Action::Top), k(Action::Bottom)),
                    "oldest/newest",
                ),
                (k(Action::Help), "help"),
                (k(Action::Quit), "quit"),
            ]
        }
        View::Fleet => vec![
            (format!("{}/{}", k(Action::Down), k(Action::Up)), "move"),
            (k(Action::Details), "open"),
            (k(Action::Fleet), "panes"),
            (k(Action::Help), "help"),
            (k(Action::Quit), "quit"),
        ],
        View::Regions => vec![
            (k(Action::RegionView), "panes"),
            (k(Action::Back), "back"),
            (k(Action::Help), "help"),
            (k(Action::Quit), "quit"),
        ],
        View::Main => {
            let mut v = vec![
                (k(Action::Help), "help"),
                (k(Action::Quit), "quit"),
                (k(Action::NextPane), "pane"),
                (format!("{}/{}", k(Action::Down), k(Action::Up)), "move"),
                (k(Action::Details), "details"),
            ];
            // The operations that work on the focused pane, and the banner's roll back anywhere.
            let ops = crate::app::operation::for_pane(app, app.focus());
            v.extend(ops.iter().map(|(a, label)| (k(*a), *label)));
            let own = app.focus().kind().actions();
            v.extend(own.iter().map(|(a, label)| (k(*a), *label)));
            if !app.settings().drill_specs.is_empty() || app.drill().is_some() {
                v.push((k(Action::Failover), "drill"));
            }
            v.extend([
                (k(Action::Filter), "filter"),
                (k(Action::Palette), "command"),
                (k(Action::RegionView), "regions"),
                (k(Action::Refresh), "refresh"),
                (
                    k(Action::Pause),
                    if app.paused() { "resume" } else { "pause" },
                ),
                (k(Action::NextTheme), "theme"),
            ]);
            if app.is_demo() {
                v.push((k(Action::Faults), "faults"));
            }
            v
        }
    }
}

fn render_footer(app: &App, area: Rect, buf: &mut Buffer) {
    let mut spans = Vec::new();
    // Whole entries only: one that does not fit is left out, never cut ("/ fi").
    let mut used = 0usize;
    for (key, label) in footer_items(app) {
        let w = key.chars().count() + label.chars().count() + 3;
        if used + w > usize::from(area.width) + 1 {
            break;
        }
        used += w;
        spans.push(Span::styled(format!(" {key}"), app.theme().title()));
        spans.push(Span::styled(format!(" {label} "), app.theme().muted()));
    }
    paint::line(buf, area.x, area.y, &Line::from(spans), area.width);
}

/// Renders `app` into a fresh buffer of `width`×`height`, with what it laid out.
pub fn render_to_buffer(app: &App, width: u16, height: u16) -> (Buffer, Drawn) {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    let drawn = render(app, area, &mut buf);
    (buf, drawn)
}

/// A widget wrapper so `render` can be used with `Frame::render_widget`.
pub struct Screen<'a>(pub &'a App);

impl Widget for Screen<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let _ = render(self.0, area, buf);
    }
}
