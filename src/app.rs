//! The application state and `update`: the only place state changes. Keys become actions through
//! the keymap, poll results arrive as messages, and whatever must happen outside (quit, refresh,
//! inject a fault) goes back to the runtime as effects.

use crate::action::{Action, Key, Keymap, Mode};
use crate::config::{AppConfig, Refresh};
use crate::model::{
    AlarmState, Region, RegionInfo, RegionRole, Severity, TaskDefinition, Timestamp,
};
use crate::ops::drill::{DrillSpec, DrillState};
use crate::ops::{Bounds, Outcome, Plan, ScaleTarget};
use crate::source::{CallCounts, SourceError, SourceInfo, SourceKind};
use crate::theme::{Theme, ThemeSet};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

mod drill;
mod fleet;
mod help;
pub mod logs;
pub mod operation;
mod operations;
mod palette;
pub mod panes;
mod region_switch;
mod signin;
pub mod store;
mod team;
mod text_input;
mod unlock;
mod verdict;

pub use drill::{DrillAction, FoundDrill, found_drill};
pub use help::{HelpLayout, HelpLine, KEYS_W as HELP_KEYS_W};
pub use operations::{RollbackOffer, RunningOp};
pub use panes::{Pane, PaneData, PaneKind, PaneState, Row, RowId};
pub use region_switch::PlanRead;
pub use store::{Fetch, Payload, RegionData, SERIES_POINTS, Selector, Store, TIMELINE_KEPT};
pub use text_input::TextInput;
pub use verdict::{Verdict, Watched};

/// What a confirmation says when it cannot be seen whole.
pub(crate) fn cut_off(size: (u16, u16)) -> String {
    format!(
        "the window ({}x{}) is too small to show the whole plan: enlarge it, then confirm; Esc cancels",
        size.0, size.1
    )
}

/// Seconds (real) a status message stays on the status line.
pub const STATUS_SECS: f64 = 20.0;

impl Msg {
    /// What the periodic reads and the clock bring, not what the operator does or asked for:
    /// the console may show several of these in one frame.
    pub fn is_paced(&self) -> bool {
        matches!(
            self,
            Msg::Data { .. }
                | Msg::Tick(_)
                | Msg::Calls(..)
                | Msg::RegionSwitch { .. }
                | Msg::Peers(_)
                | Msg::Fleet(_)
        )
    }
}

/// What reaches `update`: keys, resizes, poll results, the clock.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// A poll result for a region, fetched at the source's time `at`.
    Data {
        region: Region,
        at: Timestamp,
        payload: Payload,
    },
    /// The source clock moved on.
    Tick(Timestamp),
    /// The fault menu's entries (demo), in answer to [`Effect::OpenFaultMenu`].
    FaultMenu(Vec<String>),
    /// A message for the status line.
    Status(String, Severity),
    /// The source was replaced (`:scenario`): forget all data.
    Reset(SourceInfo),
    /// A task definition read for the deploy prompt, in answer to
    /// [`Effect::FetchTaskDefinition`].
    TaskDefinition {
        region: Region,
        cluster: String,
        service: String,
        read: Result<TaskDefinition, SourceError>,
    },
    /// A load balancer's attributes for the zonal-shift preflight, in answer to
    /// [`Effect::FetchLbAttributes`].
    LbAttributes {
        region: Region,
        arn: String,
        read: Result<crate::source::LbAttributes, SourceError>,
    },
    /// A running operation started a call.
    OpProgress {
        id: u64,
        call: String,
    },
    /// A running operation ended.
    OpDone {
        id: u64,
        outcome: Outcome,
    },
    /// The source's request counts by (service, operation), sampled at a wall-clock time.
    Calls(Timestamp, CallCounts),
    /// Text pasted into the terminal (bracketed paste): never keys.
    Paste(String),
    /// What the source says of itself changed (live AWS connected, or failed to).
    Info(SourceInfo),
    /// The drill's state was written to disk, or why not ([`Effect::SaveDrill`]).
    DrillSaved(Result<(), String>),
    /// A drill found on disk at start: offered once the connection says whose account this is.
    DrillFound(FoundDrill),
    /// What the frame just drawn laid out (the rows on screen, how far a detail scrolls).
    Drawn(Drawn),
    /// Where a Logs view's logs are ([`Effect::FindLogs`]).
    LogSource {
        generation: u64,
        read: crate::source::Read<crate::model::logs::LogSource>,
    },
    /// Log events for a Logs view: the answer to the [`Effect::ReadLogs`] numbered `number`.
    Logs {
        number: u64,
        read: crate::source::Read<crate::model::logs::LogPage>,
    },
    /// Operations an earlier console left without an outcome, read back and recorded.
    Reconciled(Vec<crate::ops::reconcile::Reconciled>),
    /// A drill driven by another console, as its files say now ([`Effect::WatchDrill`]).
    DrillWatched {
        state: Result<Option<Box<DrillState>>, String>,
        holder: Option<crate::ops::drill::Holder>,
    },
    /// The sign-in asks for an MFA code, or has new credentials.
    SignIn(crate::source::signin::SignInEvent),
    /// A fleet row read ([`crate::fleet`]).
    Fleet(crate::model::fleet::FleetRow),
    /// Team mode: a send of the audit trail failed (why), or works again.
    Trail(Result<(), String>),
    /// The other consoles of the team, or why they could not be read ([`Effect::Presence`]).
    Peers(Result<Vec<crate::team::Peer>, String>),
    /// An app's Region switch plan read ([`Effect::FetchRegionSwitch`]).
    RegionSwitch {
        app: String,
        read: crate::source::Read<Option<crate::model::region_switch::RegionSwitch>>,
    },
    /// An `:unlock` (or `:lock`) was recorded in the audit log, or why not ([`Effect::Unlock`]).
    Unlocked {
        account: String,
        until: Option<Timestamp>,
        result: Result<(), String>,
    },
}

/// What the runtime must do after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Quit,
    /// Poll every pane now.
    RefreshAll,
    /// Read one pane of one region now (its next read comes an interval after this one).
    ReadNow {
        region: Region,
        pane: Pane,
    },
    /// Pause or resume polling.
    SetPaused(bool),
    /// Ask the demo source for its fault menu.
    OpenFaultMenu {
        region: Region,
        selected_instance: Option<String>,
    },
    /// Inject a fault into the demo estate.
    InjectFault(usize),
    /// Replace the demo estate.
    SwitchScenario(String),
    /// Read a load balancer's attributes for the zonal-shift preflight.
    FetchLbAttributes {
        region: Region,
        arn: String,
    },
    /// Team mode: write this console's presence (account, what it does) and read the others'.
    Presence {
        account: String,
        doing: String,
    },
    /// Read the ARC Region switch plan covering an app's regions.
    FetchRegionSwitch(crate::model::region_switch::PlanQuery),
    /// Read a task definition for the deploy prompt.
    FetchTaskDefinition {
        region: Region,
        cluster: String,
        service: String,
        task_definition: String,
    },
    /// Execute a confirmed plan in the background (the executor audits it); `takeover`: the
    /// operator confirmed taking over another console's expired team lease.
    Execute {
        id: u64,
        plan: Box<Plan>,
        takeover: bool,
    },
    /// Write the failover drill's state to disk (`None`: the drill is over, remove it).
    SaveDrill(Option<Box<DrillState>>),
    /// Read the drill state and lock another console drives (answered by
    /// [`Msg::DrillWatched`]).
    WatchDrill,
    /// Audit a plan that was not executed: `cancelled` by the operator or `refused`.
    RecordUnexecuted {
        plan: Box<Plan>,
        outcome: crate::ops::audit::AuditOutcome,
        reason: String,
    },
    /// Find where a Logs view's logs are; answered by [`Msg::LogSource`].
    FindLogs {
        generation: u64,
        region: Region,
        target: crate::model::logs::LogTarget,
    },
    /// After `delay`, read a Logs view's events from `since`; answered by [`Msg::Logs`] with
    /// the same number.
    ReadLogs {
        read: u64,
        /// The view's number ([`logs::LogsView::generation`]).
        view: u64,
        region: Region,
        source: crate::model::logs::LogSource,
        pattern: String,
        since: Timestamp,
        delay: std::time::Duration,
    },
    /// The operator's MFA code for the sign-in that asked (`None`: declined).
    MfaCode(Option<String>),
    /// Watch another profile or region (`:profile`, `:region`): every pane starts over.
    SwitchSource(crate::runtime::SwitchTo),
    /// Allow writes to a read-only account until `until` (`None`: lock it again), audited first.
    Unlock {
        account: String,
        /// The account ID and region in view, for the audit record.
        scope: crate::ops::Scope,
        until: Option<Timestamp>,
        secs: i64,
    },
}

/// What the body shows.
#[derive(Debug, Clone, PartialEq)]
pub enum View {
    Main,
    Detail(DetailRef),
    /// Primary and DR side by side.
    Regions,
    /// The failover drill: preflight, plan, progress; the regions side by side below.
    Drill,
    /// CloudWatch Logs of a service, group or alarm (`App::logs`).
    Logs,
    /// Every configured account and region, one row each (`W`).
    Fleet,
}

/// What a detail view shows, by name so it survives refreshes.
#[derive(Debug, Clone, PartialEq)]
pub enum DetailRef {
    TargetGroup { lb: String, tg: String },
    Asg(String),
    Service { cluster: String, name: String },
    Association(String),
    Alarm(String),
    Event(u64),
}

/// The longest command line the palette takes.
const PALETTE_MAX: usize = 80;

/// A popup or input line over the view.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    Help,
    /// Editing the focused pane's filter.
    Filter,
    Palette {
        input: TextInput,
        selected: usize,
    },
    Faults {
        /// What each fault does, in the menu's order (the demo knows the faults).
        items: Vec<String>,
        selected: usize,
    },
    /// The scale prompt: the new desired count.
    Scale {
        target: ScaleTarget,
        bounds: Bounds,
        input: TextInput,
        error: Option<String>,
    },
    /// The deploy prompt: a new image or tag for one container, or nothing to force a new
    /// deployment.
    Deploy {
        cluster: String,
        service: String,
        task_definition: TaskDefinition,
        container: usize,
        input: TextInput,
        error: Option<String>,
    },
    /// A drill action waiting for the app's typed name (start, failback) or `y` (abort).
    DrillConfirm {
        action: DrillAction,
        typed: TextInput,
        error: Option<String>,
    },
    /// A drill was found on disk at start: resume or roll back.
    DrillResume,
    /// Requests per service and operation in the last minute (`:api`).
    Api,
    /// The plan, waiting for `y` or the typed name; `takeover`: it takes over another console's
    /// expired team lease (the name typed is that holder's).
    Confirm {
        plan: Box<Plan>,
        typed: TextInput,
        error: Option<String>,
        takeover: bool,
    },
    /// `:unlock`: the account's name typed to allow writes to it for `secs`.
    Unlock {
        account: String,
        secs: i64,
        typed: TextInput,
        error: Option<String>,
    },
    /// The MFA code a profile's sign-in asks for.
    Mfa {
        ask: crate::source::signin::MfaAsk,
        input: TextInput,
        error: Option<String>,
    },
    /// The zonal-shift preflight and prompt: the zone to leave and for how long.
    ZonalShift {
        preflight: Box<crate::ops::zonal::Preflight>,
        input: TextInput,
        error: Option<String>,
    },
    /// Extending a zonal shift: the new expiry, from now.
    ZonalExtend {
        /// The load balancer's ARN.
        lb: String,
        input: TextInput,
        error: Option<String>,
    },
    /// Starting an execution of the app's Region switch plan: what to activate or deactivate.
    PlanStart {
        app: String,
        input: TextInput,
        error: Option<String>,
    },
}

/// How the console is set up, from the command line and the config: fixed once it runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub keymap: Keymap,
    pub themes: ThemeSet,
    /// `NO_COLOR`: every theme is drawn without colour.
    pub no_color: bool,
    /// ASCII glyphs only (`--ascii`).
    pub ascii: bool,
    pub read_only: bool,
    /// Why mutating keys are disabled (`--read-only`, or the config), when `read_only`.
    pub read_only_why: String,
    /// The configured apps: what the panes show, which alarms belong with which service.
    pub apps: Vec<AppConfig>,
    /// The configured accounts: names, colours, which are read-only until `:unlock`.
    pub accounts: Vec<crate::config::AccountConfig>,
    /// The aws cli's profile names (`:profile` completes them).
    pub profiles: Vec<String>,
    /// The fleet's accounts in the config's order (the fleet view's row order); empty: no
    /// fleet is read.
    pub fleet: Vec<String>,
    /// The apps that have a failover section (the warm-standby demo's without config).
    pub drill_specs: Vec<DrillSpec>,
    /// The drill state file, for messages.
    pub drill_file: String,
    /// Team mode: the team's table (leases, drill, presence), for the header and messages.
    pub team: Option<String>,
    /// Team mode: the log group of the team's audit trail (the Activity view).
    pub team_audit_group: Option<String>,
    /// Each pane's refresh interval (its data's age is judged by it).
    pub refresh: Refresh,
    /// Source seconds per real second (`--speed` in the demo): polls run in real time, ages are
    /// in source time, so freshness windows scale by this.
    pub time_scale: f64,
}

impl Settings {
    /// The defaults: colour, Unicode, writable, no apps, the default refresh intervals.
    pub fn new(keymap: Keymap, themes: ThemeSet) -> Self {
        Settings {
            keymap,
            themes,
            no_color: false,
            ascii: false,
            read_only: false,
            read_only_why: String::new(),
            apps: Vec::new(),
            accounts: Vec::new(),
            profiles: Vec::new(),
            fleet: Vec::new(),
            drill_specs: Vec::new(),
            drill_file: "drill.json".into(),
            team: None,
            team_audit_group: None,
            refresh: Refresh::default(),
            time_scale: 1.0,
        }
    }
}

/// What the last frame laid out, as the renderer found it (the length of wrapped text and the
/// rows that fit are known only where they are drawn); the console hands it back to `update` as
/// [`Msg::Drawn`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drawn {
    /// Per pane, the rows on screen: (first, how many).
    pub shown: [(usize, usize); Pane::COUNT],
    /// How far the detail view on screen scrolls.
    pub detail_max: Option<usize>,
    /// The confirmation on screen is there whole (every call of its plan, how to confirm):
    /// nothing is confirmed otherwise.
    pub confirm_whole: bool,
    /// How far the drill view scrolls (its lines beyond the box).
    pub drill_max: Option<usize>,
}

/// The whole console state. [`App::update`] is the only way it changes.
pub struct App {
    settings: Settings,
    info: SourceInfo,
    /// The demo's scenario by name (`:scenario` switches it), and every scenario's name: the
    /// demo knows the scenarios themselves.
    scenario: Option<&'static str>,
    scenarios: Vec<&'static str>,
    theme: Theme,
    /// A light theme was chosen (config, `--theme`, `:theme`): `t` cycles light themes too.
    light_terminal: bool,
    /// An MFA code asked for while another prompt was open.
    mfa_asked: Option<crate::source::signin::MfaAsk>,
    /// When the MFA credentials in use end (the header counts down to it).
    credentials_expire: Option<Timestamp>,
    /// A read-only account unlocked by `:unlock`: its name and until when (source clock).
    unlocked: Option<(String, Timestamp)>,
    /// The fleet view's rows, in the config's order, and the one selected.
    fleet: Vec<crate::model::fleet::FleetRow>,
    fleet_selected: usize,
    /// The panes were opened from a fleet row: Esc goes back to the fleet.
    from_fleet: bool,
    paused: bool,
    now: Timestamp,
    size: (u16, u16),
    focus: Pane,
    view: View,
    overlay: Overlay,
    panes: [PaneState; Pane::COUNT],
    /// Index into `info.regions` of the region the panes show.
    region: usize,
    store: Store,
    status: Option<(String, Severity)>,
    /// When the status line was set (source clock); it clears itself after `STATUS_SECS`.
    status_at: Timestamp,
    detail_scroll: usize,
    /// How far the help popup is scrolled (rows).
    help_scroll: usize,
    /// The alarm a detail view was opened from (`o`): Back returns to it.
    detail_back: Option<DetailRef>,
    /// Palette Tab completion: what was typed and which of its matches the input shows.
    palette_tab: Option<(String, usize)>,
    drawn: Drawn,
    /// Something on screen may have changed since the last frame.
    redraw: bool,
    ops: operations::Ops,
    drill: drill::DrillConsole,
    logs: logs::LogsConsole,
    plans: region_switch::PlanConsole,
    team: team::TeamConsole,
}

impl App {
    /// A console over `info`'s estate, set up by `settings`, drawn in `theme`; empty until the
    /// first poll.
    pub fn new(info: SourceInfo, settings: Settings, mut theme: Theme) -> Self {
        theme.no_color = settings.no_color;
        App {
            info,
            scenario: None,
            scenarios: Vec::new(),
            light_terminal: theme.background == crate::theme::Background::Light,
            mfa_asked: None,
            credentials_expire: None,
            unlocked: None,
            fleet: Vec::new(),
            fleet_selected: 0,
            from_fleet: false,
            theme,
            paused: false,
            now: Timestamp::default(),
            size: (80, 24),
            focus: Pane::Targets,
            view: View::Main,
            overlay: Overlay::None,
            panes: Default::default(),
            region: 0,
            store: Store::new(Selector::new(&settings.apps)),
            status: None,
            status_at: Timestamp::default(),
            detail_scroll: 0,
            help_scroll: 0,
            detail_back: None,
            palette_tab: None,
            drawn: Drawn::default(),
            redraw: true,
            ops: operations::Ops::default(),
            drill: drill::DrillConsole::default(),
            logs: logs::LogsConsole::default(),
            plans: region_switch::PlanConsole::default(),
            team: team::TeamConsole::default(),
            settings,
        }
    }

    /// The demo's scenario and the names of all of them, set before the console runs.
    #[must_use]
    pub fn with_demo(mut self, scenario: &'static str, scenarios: Vec<&'static str>) -> Self {
        self.scenario = Some(scenario);
        self.scenarios = scenarios;
        self
    }

    /// How the console is set up.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The settings, to change before the console runs (tests change a display setting between
    /// frames); the console's state changes only through [`App::update`].
    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    pub fn info(&self) -> &SourceInfo {
        &self.info
    }

    /// The demo's scenario, by name.
    pub fn scenario(&self) -> Option<&'static str> {
        self.scenario
    }

    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    /// `o` in an alarm's detail: the detail of the first resource it watches; in one opened so,
    /// the next. Back returns to the alarm.
    fn open_watched(&mut self) {
        let alarm_name = match (&self.view, &self.detail_back) {
            (View::Detail(DetailRef::Alarm(n)), _) | (_, Some(DetailRef::Alarm(n))) => n.clone(),
            _ => {
                self.set_status(
                    "o works in an alarm's detail: select an alarm (4), Enter, then o",
                    Severity::Info,
                );
                return;
            }
        };
        let Some(alarm) = self
            .current()
            .and_then(|d| d.alarms.as_ref())
            .and_then(|v| v.iter().find(|a| a.name == alarm_name))
            .cloned()
        else {
            return;
        };
        let watched = self.watched_by(&alarm);
        if watched.is_empty() {
            self.set_status(
                format!(
                    "{alarm_name} watches nothing the console reads ({})",
                    alarm.dimensions.join(", ")
                ),
                Severity::Info,
            );
            return;
        }
        // The next one after the one open, if one is.
        let next = match &self.view {
            View::Detail(d) => watched
                .iter()
                .position(|w| w.detail() == *d)
                .map_or(0, |i| (i + 1) % watched.len()),
            _ => 0,
        };
        self.detail_back = Some(DetailRef::Alarm(alarm_name.clone()));
        self.view = View::Detail(watched[next].detail());
        self.detail_scroll = 0;
        self.set_status(
            format!(
                "{alarm_name} watches {} ({} of {}); o the next, Esc back to the alarm",
                watched[next].label(),
                next + 1,
                watched.len()
            ),
            Severity::Info,
        );
    }

    /// Whether refreshing is paused (`p`).
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// The source's clock, as the console last heard it.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The terminal's size, as the console last heard it.
    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    /// The focused pane.
    pub fn focus(&self) -> Pane {
        self.focus
    }

    pub fn view(&self) -> &View {
        &self.view
    }

    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    /// Which of `info().regions` the panes show.
    pub fn region_index(&self) -> usize {
        self.region
    }

    /// The status line's message, if one is showing.
    pub fn status(&self) -> Option<&(String, Severity)> {
        self.status.as_ref()
    }

    pub fn detail_scroll(&self) -> usize {
        self.detail_scroll
    }

    pub fn help_scroll(&self) -> usize {
        self.help_scroll
    }

    /// What the last frame laid out.
    pub fn drawn(&self) -> &Drawn {
        &self.drawn
    }

    /// Operations executing in the background.
    pub fn running_ops(&self) -> &[RunningOp] {
        &self.ops.running
    }

    /// The failover drill under way (or just finished).
    pub fn drill(&self) -> Option<&DrillState> {
        self.drill.state.as_ref()
    }

    /// Why no new drill can start here (an unsettled or refused drill file), if so.
    pub fn drill_blocked(&self) -> Option<&str> {
        self.drill.blocked.as_deref()
    }

    /// The open Logs view.
    pub fn logs(&self) -> Option<&logs::LogsView> {
        self.logs.view.as_deref()
    }

    pub fn is_demo(&self) -> bool {
        self.info.kind == SourceKind::Demo
    }

    /// The region the panes show.
    pub fn region_info(&self) -> Option<&RegionInfo> {
        self.info.regions.get(self.region)
    }

    pub fn region_name(&self) -> &Region {
        static NONE_YET: std::sync::LazyLock<Region> = std::sync::LazyLock::new(Region::pending);
        self.region_info().map_or(&NONE_YET, |r| &r.name)
    }

    /// The fetched data.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The data of the region the panes show.
    pub fn current(&self) -> Option<&RegionData> {
        self.store.region(self.region_name())
    }

    pub fn pane(&self, p: Pane) -> &PaneState {
        &self.panes[p.index()]
    }

    /// The target groups (ARNs) on screen in the current region: those with a row among the
    /// Targets pane's rows on screen, and the one a detail view shows. A live source reads
    /// their health on every read.
    pub fn watched_target_groups(&self) -> (Region, Vec<String>) {
        let region = self.region_name().clone();
        let Some(lbs) = self.current().and_then(|d| d.targets.as_deref()) else {
            return (region, Vec::new());
        };
        let ps = self.pane(Pane::Targets);
        let (first, n) = self.drawn.shown[Pane::Targets.index()];
        let mut out: Vec<String> = Vec::new();
        let mut add = |arn: &str| {
            if !out.iter().any(|a| a == arn) {
                out.push(arn.to_owned());
            }
        };
        for row in ps.rows.iter().skip(first).take(n) {
            if let Row::Tg(l, g) | Row::Target(l, g, _) = *row
                && let Some(tg) = lbs.get(l).and_then(|lb| lb.target_groups.get(g))
            {
                add(&tg.arn);
            }
        }
        if let View::Detail(DetailRef::TargetGroup { lb, tg }) = &self.view {
            let open = lbs
                .iter()
                .filter(|l| &l.name == lb)
                .flat_map(|l| &l.target_groups)
                .find(|g| &g.name == tg);
            if let Some(g) = open {
                add(&g.arn);
            }
        }
        (region, out)
    }

    /// The ECS services (cluster, name) and Auto Scaling groups on screen in the current region:
    /// those with a row among the Capacity pane's rows on screen, and the one a detail view
    /// shows. A live source describes them on every read.
    fn watched_capacity(&self) -> (Vec<(String, String)>, Vec<String>) {
        let (mut services, mut groups) = (Vec::new(), Vec::new());
        let Some(c) = self.current().and_then(|d| d.capacity.as_ref()) else {
            return (services, groups);
        };
        let mut add_service = |cluster: &str, name: &str| {
            if !services.iter().any(|(c, s)| c == cluster && s == name) {
                services.push((cluster.to_owned(), name.to_owned()));
            }
        };
        let mut add_group = |name: &str| {
            if !groups.iter().any(|g| g == name) {
                groups.push(name.to_owned());
            }
        };
        let ps = self.pane(Pane::Capacity);
        let (first, n) = self.drawn.shown[Pane::Capacity.index()];
        for row in ps.rows.iter().skip(first).take(n) {
            match *row {
                Row::Service(i) | Row::Deployment(i, _) => {
                    if let Some(s) = c.ecs_services.get(i) {
                        add_service(&s.cluster, &s.name);
                    }
                }
                Row::Asg(i) => {
                    if let Some(g) = c.auto_scaling_groups.get(i) {
                        add_group(&g.name);
                    }
                }
                _ => {}
            }
        }
        match &self.view {
            View::Detail(DetailRef::Service { cluster, name }) => add_service(cluster, name),
            View::Detail(DetailRef::Asg(name)) => add_group(name),
            _ => {}
        }
        (services, groups)
    }

    /// The alarms (by name) on screen in the current region: those with a row among the Alarms
    /// pane's rows on screen, and the one a detail view shows.
    fn watched_alarms(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if let Some(alarms) = self.current().and_then(|d| d.alarms.as_deref()) {
            let (first, n) = self.drawn.shown[Pane::Alarms.index()];
            for row in self.pane(Pane::Alarms).rows.iter().skip(first).take(n) {
                if let Row::Alarm(i) = *row
                    && let Some(a) = alarms.get(i)
                {
                    out.push(a.name.clone());
                }
            }
        }
        if let View::Detail(DetailRef::Alarm(name)) = &self.view
            && !out.contains(name)
        {
            out.push(name.clone());
        }
        out
    }

    /// What is on screen in the current region: the target groups, services, Auto Scaling
    /// groups and alarms a live source reads every time.
    pub fn on_screen(&self) -> (Region, crate::source::OnScreen) {
        let (region, target_groups) = self.watched_target_groups();
        let (services, groups) = self.watched_capacity();
        let on_screen = crate::source::OnScreen {
            target_groups,
            services,
            groups,
            alarms: self.watched_alarms(),
        };
        (region, on_screen)
    }

    /// What is on screen, region by region: the current region's ([`App::on_screen`]), and in
    /// the region view every alarm of the two regions (it draws each one's sparkline).
    pub fn on_screen_by_region(&self) -> Vec<(Region, crate::source::OnScreen)> {
        let mut out = vec![self.on_screen()];
        if self.view == View::Regions {
            let (primary, dr) = self.region_pair();
            for r in [primary, dr].into_iter().flatten() {
                let names: Vec<String> = self
                    .store
                    .region(&r.name)
                    .and_then(|d| d.alarms.as_deref())
                    .unwrap_or_default()
                    .iter()
                    .map(|a| a.name.clone())
                    .collect();
                match out.iter_mut().find(|(name, _)| name == &r.name) {
                    Some((_, o)) => o.alarms = names,
                    None => out.push((
                        r.name.clone(),
                        crate::source::OnScreen {
                            alarms: names,
                            ..Default::default()
                        },
                    )),
                }
            }
        }
        out
    }

    fn set_status(&mut self, msg: impl Into<String>, sev: Severity) {
        self.status = Some((msg.into(), sev));
        self.status_at = self.now;
    }

    /// The clock moved on: what is due (statuses expire, the drill's checks, reads of plans,
    /// presence, a drill driven elsewhere followed from where its state is).
    fn on_tick(&mut self, now: Timestamp) -> Vec<Effect> {
        self.now = self.now.max(now);
        self.store.roll(self.now);
        self.expire_unlock();
        let expiry = STATUS_SECS * self.settings.time_scale.max(1.0);
        if self.status.is_some() && self.now.secs_since(self.status_at) > expiry {
            self.status = None;
        }
        let mut effects = self.check_drill();
        effects.extend(self.follow_tick());
        effects.extend(self.plan_reads_due());
        effects.extend(self.presence_due());
        if self.drill.elsewhere.is_some() {
            effects.push(Effect::WatchDrill);
        }
        effects
    }

    /// Applies one message; returns what the runtime must do.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match &msg {
            // A poll result decides for itself (`on_data`); what was just drawn is on screen;
            // the header's API figures are redrawn when a sample changes what they say.
            Msg::Data { .. } | Msg::Drawn(_) | Msg::Calls(..) => {}
            _ => self.redraw = true,
        }
        match msg {
            Msg::Drawn(drawn) => {
                self.drawn = drawn;
                self.redraw = false;
                vec![]
            }
            Msg::Key(k) => {
                let effects = self.on_key(k);
                self.remember_selection();
                // A code asked for while another prompt was open: its turn once that closed.
                self.open_mfa_prompt();
                effects
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.clamp_all();
                vec![]
            }
            Msg::Tick(now) => self.on_tick(now),
            Msg::Data {
                region,
                at,
                payload,
            } => {
                let recovered = self.on_data(&region, at, payload);
                let mut effects = self.check_drill();
                // The alarm history moved an alarm: its reason and datapoints are read now,
                // not at the Alarms pane's next interval.
                if self.store.take_alarms_behind(&region) {
                    effects.push(Effect::ReadNow {
                        region,
                        pane: Pane::Alarms,
                    });
                }
                if recovered {
                    self.set_status(
                        "credentials work again: reading every pane now",
                        Severity::Ok,
                    );
                    effects.push(Effect::RefreshAll);
                }
                effects
            }
            Msg::FaultMenu(items) => {
                self.overlay = Overlay::Faults { items, selected: 0 };
                vec![]
            }
            Msg::Status(s, sev) => {
                self.set_status(s, sev);
                vec![]
            }
            Msg::TaskDefinition {
                region,
                cluster,
                service,
                read,
            } => {
                self.on_task_definition(&region, cluster, service, read);
                vec![]
            }
            Msg::LbAttributes { region, arn, read } => {
                self.on_lb_attributes(&region, &arn, read);
                vec![]
            }
            Msg::OpProgress { id, call } => {
                if let Some(op) = self.ops.running.iter_mut().find(|o| o.id == id) {
                    op.call = call;
                }
                vec![]
            }
            Msg::OpDone { id, outcome } => self.on_op_done(id, outcome),
            Msg::SignIn(e) => self.on_sign_in(e),
            Msg::Fleet(row) => {
                self.on_fleet_row(row);
                vec![]
            }
            Msg::Unlocked {
                account,
                until,
                result,
            } => self.on_unlocked(account, until, result),
            Msg::Trail(sent) => {
                self.on_trail(sent);
                vec![]
            }
            Msg::Peers(read) => {
                self.on_peers(read);
                vec![]
            }
            Msg::RegionSwitch { app, read } => {
                self.on_region_switch(&app, read);
                vec![]
            }
            Msg::Calls(at, counts) => {
                let before = self.store.rates().window();
                self.store.record_calls(at, counts);
                let after = self.store.rates().window();
                self.redraw |= self.overlay == Overlay::Api
                    || (before.total, before.full, before.by_service())
                        != (after.total, after.full, after.by_service());
                vec![]
            }
            Msg::Paste(text) => self.on_paste(&text),
            Msg::DrillSaved(r) => self.on_drill_saved(&r),
            Msg::DrillFound(found) => {
                self.drill.found = Some(found);
                self.settle_found_drill();
                vec![]
            }
            Msg::LogSource { generation, read } => self.on_log_source(generation, read),
            Msg::Reconciled(found) => {
                self.on_reconciled(&found);
                vec![]
            }
            Msg::DrillWatched { state, holder } => {
                self.on_drill_watched(state, holder);
                vec![]
            }
            Msg::Logs { number, read } => self.on_logs(number, read),
            Msg::Info(info) => {
                let effects = if info.regions == self.info.regions {
                    self.info = info;
                    vec![]
                } else {
                    self.update(Msg::Reset(info))
                };
                self.settle_found_drill();
                effects
            }
            Msg::Reset(info) => {
                self.info = info;
                self.store.clear();
                self.plans = region_switch::PlanConsole::default();
                self.region = 0;
                // The fleet is no one source's: it stays on screen.
                if self.view != View::Fleet {
                    self.view = View::Main;
                }
                // An MFA code being typed stays: the sign-in waits for it.
                if !matches!(self.overlay, Overlay::Mfa { .. }) {
                    self.overlay = Overlay::None;
                }
                for p in &mut self.panes {
                    *p = PaneState::default();
                }
                vec![Effect::RefreshAll]
            }
        }
    }

    /// A poll result: into the store, and onto the screen only when something shown changed —
    /// what was read, an error, the pane's age label, the header's error count, a drill's
    /// progress. A read that brings nothing new draws no frame. Whether it ended a credentials
    /// banner (then every pane is read again at once).
    fn on_data(&mut self, region: &Region, at: Timestamp, payload: Payload) -> bool {
        let pane = payload.pane();
        let stats = payload.stats();
        let here = region == self.region_name();
        // Both regions show in the side-by-side and drill views; the timeline holds every region.
        let shown = here || matches!(self.view, View::Regions | View::Drill);
        let label = self.age_label(pane);
        self.now = self.now.max(at);
        let banner = self.connection_problem().is_some();
        let changed = self.store.apply(region, at, payload);
        // The credentials work again: the panes that failed are read now, not after their
        // back-off.
        let recovered = banner && self.connection_problem().is_none();
        if pane == Pane::Runs {
            self.show_followed_run();
        }
        // Rows are made of the data alone: a read that changed nothing leaves them; one that
        // did, those of its pane and of the pane its data touches (zones joined from the
        // instances; alarm states moved by the history).
        if changed {
            match pane {
                Pane::Capacity => self.rebuild_rows_of(&[Pane::Capacity, Pane::Targets]),
                Pane::Timeline => self.rebuild_rows_of(&[Pane::Timeline, Pane::Alarms]),
                p => self.rebuild_rows_of(&[p]),
            }
        }
        self.redraw |= (changed && (shown || pane == Pane::Timeline))
            || (here && label != self.age_label(pane))
            || stats.throttles + stats.errors > 0
            || self.drill_active()
            || recovered;
        recovered
    }

    /// Whether anything on screen may have changed since the last frame ([`Msg::Drawn`]).
    pub fn needs_redraw(&self) -> bool {
        self.redraw
    }

    /// The age a pane's title shows, and whether it is stale: `<Ns` while the data is younger
    /// than twice the refresh interval (it does not change while the pane keeps up, so an idle
    /// screen writes nothing), then in 10 s steps; stale past three intervals and ten seconds.
    pub fn age_label(&self, p: Pane) -> Option<(String, bool)> {
        let age = self.age(p)?;
        let refresh = self.settings.refresh.secs(p) as f64 * self.settings.time_scale.max(1.0);
        let stale = age > refresh * 3.0 + 10.0;
        let fresh = (refresh * 2.0).max(10.0);
        let label = if age < fresh {
            format!("<{}", crate::model::short_age(fresh))
        } else {
            crate::model::short_age((age / 10.0).floor() * 10.0)
        };
        Some((label, stale))
    }

    /// Recomputes every pane's rows from the data and the filters, keeping each selection on the
    /// same item (by identity) where it still exists.
    fn rebuild_rows(&mut self) {
        self.rebuild_rows_of(&Pane::ALL);
    }

    /// [`App::rebuild_rows`] for the panes named.
    fn rebuild_rows_of(&mut self, panes: &[Pane]) {
        for &p in panes {
            let rows = self.compute_rows(p);
            // The Timeline follows its newest rows while its top is selected: new events show
            // at the top, never pile up above the selection out of view.
            let following = p == Pane::Timeline && self.panes[p.index()].selected == 0;
            let before = self.panes[p.index()].selected;
            self.panes[p.index()].rows = rows;
            if following {
                self.panes[p.index()].selected = 0;
                self.panes[p.index()].new_above = 0;
                continue;
            }
            if let Some(id) = self.panes[p.index()].selected_id.clone()
                && let Some(i) = (0..self.panes[p.index()].rows.len())
                    .find(|&i| self.row_id(p, i).as_ref() == Some(&id))
            {
                self.panes[p.index()].selected = i;
                if p == Pane::Timeline && i > before {
                    self.panes[p.index()].new_above += i - before;
                }
            }
        }
        self.clamp_all();
        self.remember_selection();
    }

    /// Notes the identity of every pane's selected item (after keys moved a selection).
    fn remember_selection(&mut self) {
        for p in Pane::ALL {
            let id = self.row_id(p, self.panes[p.index()].selected);
            self.panes[p.index()].selected_id = id;
        }
        // Back at the Timeline's top (`g`): following again, nothing new above.
        if self.panes[Pane::Timeline.index()].selected == 0 {
            self.panes[Pane::Timeline.index()].new_above = 0;
        }
    }

    /// What a pane's rows are made of, once the region in view has data.
    fn pane_data(&self) -> Option<PaneData<'_>> {
        Some(PaneData {
            region: self.current()?,
            timeline: self.store.timeline(),
        })
    }

    /// A row's identity, stable across refreshes ([`PaneKind::row_id`]).
    fn row_id(&self, p: Pane, i: usize) -> Option<RowId> {
        let row = *self.panes[p.index()].rows.get(i)?;
        p.kind().row_id(self.pane_data()?, row)
    }

    fn clamp_all(&mut self) {
        for ps in &mut self.panes {
            if ps.selected >= ps.rows.len() {
                ps.selected = ps.rows.len().saturating_sub(1);
            }
        }
    }

    /// The searchable text of a row of pane `p` ([`PaneKind::row_text`]).
    pub fn row_text(&self, p: Pane, row: Row) -> String {
        self.pane_data()
            .map(|d| p.kind().row_text(d, row))
            .unwrap_or_default()
    }

    /// A pane's rows over the data, those its filter matches.
    fn compute_rows(&self, p: Pane) -> Vec<Row> {
        let filter = self.panes[p.index()].filter.text().to_lowercase();
        let matches = |s: &str| filter.is_empty() || s.to_lowercase().contains(&filter);
        self.pane_data()
            .map(|d| p.kind().rows(d, &matches))
            .unwrap_or_default()
    }

    /// The selected row of the focused pane.
    pub fn selected_row(&self) -> Option<Row> {
        let ps = self.pane(self.focus);
        ps.rows.get(ps.selected).copied()
    }

    /// The instance id of the selected target or nothing.
    fn selected_instance(&self) -> Option<String> {
        let Some(Row::Target(l, g, t)) = self.selected_row() else {
            return None;
        };
        let d = self.current()?;
        let id = &d
            .targets
            .as_ref()?
            .get(l)?
            .target_groups
            .get(g)?
            .targets
            .get(t)?
            .id;
        id.starts_with("i-").then(|| id.clone())
    }

    fn on_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        // Ctrl-C always quits, whatever is open.
        if ev.code == KeyCode::Char('c') && ev.modifiers.contains(KeyModifiers::CONTROL) {
            return vec![Effect::Quit];
        }
        // Esc and a key typed quickly after it arrive as Alt+key: when Alt+key means nothing,
        // it is the two keys the operator pressed.
        if ev.modifiers == KeyModifiers::ALT
            && let KeyCode::Char(c) = ev.code
            && self.settings.keymap.action(&Key::from_event(&ev)).is_none()
        {
            let mut effects = self.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
            effects.extend(self.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
            return effects;
        }
        if !matches!(self.overlay, Overlay::Palette { .. }) || ev.code != KeyCode::Tab {
            self.palette_tab = None;
        }
        let ev = match &self.overlay {
            Overlay::None | Overlay::Help | Overlay::Api => ev,
            Overlay::Confirm { plan, .. } => {
                self.prompt_key(ev, plan.confirm == crate::ops::Confirm::Yes)
            }
            Overlay::DrillConfirm { action, .. } => {
                self.prompt_key(ev, *action == DrillAction::Abort)
            }
            _ => self.prompt_key(ev, false),
        };
        match self.overlay.clone() {
            Overlay::Filter => return self.on_filter_key(ev),
            Overlay::Palette { input, selected } => {
                return self.on_palette_key(ev, input, selected);
            }
            Overlay::Faults { items, selected } => return self.on_fault_key(ev, &items, selected),
            Overlay::Scale { .. } => return self.on_scale_key(ev),
            Overlay::Mfa { .. } => return self.on_mfa_key(&ev),
            Overlay::Unlock { .. } => return self.on_unlock_key(&ev),
            Overlay::Deploy { .. } => return self.on_deploy_key(ev),
            Overlay::Confirm { .. } => return self.on_confirm_key(ev),
            Overlay::ZonalShift { .. } | Overlay::ZonalExtend { .. } => {
                return self.on_zonal_key(ev);
            }
            Overlay::PlanStart { .. } => return self.on_plan_start_key(&ev),
            Overlay::DrillConfirm { action, typed, .. } => {
                return self.on_drill_confirm_key(&ev, action, typed);
            }
            Overlay::DrillResume => return self.on_drill_resume_key(&ev),
            Overlay::Api => {
                self.overlay = Overlay::None;
                return vec![];
            }
            Overlay::Help => {
                let action = self.settings.keymap.action(&Key::from_event(&ev));
                if matches!(action, Some(Action::Quit)) {
                    return vec![Effect::Quit];
                }
                let page = self.help_layout().rows as i64;
                match (ev.code, action) {
                    (KeyCode::Down, _) | (_, Some(Action::Down)) => self.scroll_help(1),
                    (KeyCode::Up, _) | (_, Some(Action::Up)) => self.scroll_help(-1),
                    (KeyCode::PageDown | KeyCode::Char(' '), _) | (_, Some(Action::PageDown)) => {
                        self.scroll_help(page);
                    }
                    (KeyCode::PageUp, _) | (_, Some(Action::PageUp)) => self.scroll_help(-page),
                    (KeyCode::Home, _) | (_, Some(Action::Top)) => self.help_scroll = 0,
                    (KeyCode::End, _) | (_, Some(Action::Bottom)) => {
                        self.help_scroll = self.help_rows().1;
                    }
                    _ => self.overlay = Overlay::None,
                }
                return vec![];
            }
            Overlay::None => {}
        }
        if self.view == View::Drill
            && let Some(effects) = self.on_drill_view_key(&ev)
        {
            return effects;
        }
        if self.view == View::Logs
            && let Some(effects) = self.on_logs_key(&ev)
        {
            return effects;
        }
        if self.view == View::Fleet
            && let Some(effects) = self.on_fleet_key(&ev)
        {
            return effects;
        }
        let key = Key::from_event(&ev);
        let Some(action) = self.settings.keymap.action(&key) else {
            if let KeyCode::Char(c) = ev.code {
                self.set_status(
                    format!("'{c}' is not bound; press ? for help"),
                    Severity::Info,
                );
            }
            return vec![];
        };
        self.act(action)
    }

    /// A key in a prompt as the prompt reads it: those bound to submit and cancel arrive as
    /// Enter and Esc (an Enter or Esc bound elsewhere arrives as nothing); in a yes/no
    /// confirmation, those bound to confirm and decline arrive as `y` and `n` (and a `y` or `n`
    /// bound elsewhere as nothing). Every prompt keeps reading Enter, Esc, y and n.
    fn prompt_key(&self, ev: KeyEvent, yes_no: bool) -> KeyEvent {
        let plain = |code| KeyEvent::new(code, KeyModifiers::NONE);
        let keymap = &self.settings.keymap;
        match keymap.action_in(Mode::Prompt, &Key::from_event(&ev)) {
            Some(Action::Submit) => plain(KeyCode::Enter),
            Some(Action::Cancel) => plain(KeyCode::Esc),
            Some(Action::Confirm) if yes_no => plain(KeyCode::Char('y')),
            Some(Action::Decline) if yes_no => plain(KeyCode::Char('n')),
            _ if matches!(ev.code, KeyCode::Enter | KeyCode::Esc) => plain(KeyCode::Null),
            _ if yes_no && matches!(ev.code, KeyCode::Char('y' | 'n')) => plain(KeyCode::Null),
            _ => ev,
        }
    }

    /// Performs a bound action.
    fn act(&mut self, action: Action) -> Vec<Effect> {
        let in_detail = matches!(self.view, View::Detail(_));
        match action {
            Action::Quit => {
                return vec![Effect::Quit];
            }
            Action::Help => self.open_help(),
            Action::NextPane => self.focus_pane(self.focus.step(true)),
            Action::PrevPane => self.focus_pane(self.focus.step(false)),
            Action::Focus(p) => self.focus_pane(p),
            Action::Up if in_detail => self.scroll_detail(-1),
            Action::Down if in_detail => self.scroll_detail(1),
            Action::PageUp if in_detail => self.scroll_detail(-10),
            Action::PageDown if in_detail => self.scroll_detail(10),
            Action::Top if in_detail => self.detail_scroll = 0,
            Action::Bottom if in_detail => self.scroll_detail(i64::from(u16::MAX)),
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-(self.page() as i64)),
            Action::PageDown => self.move_selection(self.page() as i64),
            Action::Top => self.move_selection(i64::MIN / 2),
            Action::Bottom => self.move_selection(i64::MAX / 2),
            Action::Details => self.open_detail(),
            Action::Back => {
                if let Some(back) = self.detail_back.take()
                    && matches!(self.view, View::Detail(_))
                {
                    // From what an alarm watches, back to the alarm.
                    self.view = View::Detail(back);
                    self.detail_scroll = 0;
                } else if self.view == View::Main {
                    if !self.pane(self.focus).filter.is_empty() {
                        self.panes[self.focus.index()].filter.clear();
                        self.rebuild_rows();
                    } else if self.from_fleet {
                        // Opened from a fleet row: back to the fleet.
                        self.from_fleet = false;
                        self.view = View::Fleet;
                    }
                    self.status = None;
                } else {
                    self.view = View::Main;
                }
            }
            Action::Filter => {
                self.view = View::Main;
                self.overlay = Overlay::Filter;
            }
            Action::Palette => {
                self.overlay = Overlay::Palette {
                    input: TextInput::new(PALETTE_MAX),
                    selected: 0,
                }
            }
            Action::Refresh => {
                self.set_status("refreshing every pane", Severity::Info);
                return vec![Effect::RefreshAll];
            }
            Action::Pause => {
                self.paused = !self.paused;
                let word = if self.paused {
                    "paused: data is not refreshed (p resumes)"
                } else {
                    "resumed"
                };
                self.set_status(word, Severity::Info);
                let mut effects = vec![Effect::SetPaused(self.paused)];
                if !self.paused {
                    effects.extend(self.resume_logs());
                }
                return effects;
            }
            Action::Fleet => self.toggle_fleet(),
            Action::RegionView => {
                self.view = if self.view == View::Regions {
                    View::Main
                } else {
                    View::Regions
                };
            }
            Action::NextTheme => {
                // On a dark terminal `t` stays among dark themes; a light one is chosen by name
                // (config, `--theme`, `:theme`), and from it `t` cycles them all.
                let n = self.settings.themes.themes.len();
                let i = self.settings.themes.index(&self.theme.name).unwrap_or(0);
                let next = (1..=n)
                    .map(|k| &self.settings.themes.themes[(i + k) % n])
                    .find(|t| self.light_terminal || t.background == crate::theme::Background::Dark)
                    .cloned();
                if let Some(t) = next {
                    self.set_theme(t);
                }
            }
            Action::Op(id) => return self.operation(id),
            Action::Failover => {
                self.open_drill();
                return self.plan_reads_due();
            }
            Action::Logs => return self.open_logs(),
            Action::Activity => return self.open_activity(),
            Action::Watched => self.open_watched(),
            // Actions of a view or a prompt: their mode's handler has them, never the panes.
            Action::LogsFollow
            | Action::LogsWrap
            | Action::DrillStart
            | Action::DrillFailback
            | Action::DrillAbort
            | Action::DrillNextApp
            | Action::PlanExec(_)
            | Action::Submit
            | Action::Cancel
            | Action::Confirm
            | Action::Decline => {}
            Action::Faults => {
                if !self.is_demo() {
                    self.set_status("fault injection exists only in --demo", Severity::Warn);
                    return vec![];
                }
                return vec![Effect::OpenFaultMenu {
                    region: self.region_name().clone(),
                    selected_instance: self.selected_instance(),
                }];
            }
        }
        vec![]
    }

    /// Applies a theme, keeping `NO_COLOR`.
    fn set_theme(&mut self, mut theme: Theme) {
        theme.no_color = self.settings.no_color;
        // A light theme chosen once says the terminal is light: `t` may cycle into them.
        self.light_terminal |= theme.background == crate::theme::Background::Light;
        self.set_status(format!("theme {}", theme.name), Severity::Info);
        self.theme = theme;
    }

    fn focus_pane(&mut self, p: Pane) {
        self.focus = p;
        // A pane key leaves a detail or the drill view (a drill keeps running; F returns to it).
        if matches!(self.view, View::Detail(_) | View::Drill) {
            self.view = View::Main;
        }
    }

    fn page(&self) -> usize {
        (self.size.1 as usize).saturating_sub(8).max(1)
    }

    fn move_selection(&mut self, delta: i64) {
        let ps = &mut self.panes[self.focus.index()];
        if ps.rows.is_empty() {
            ps.selected = 0;
            return;
        }
        let max = ps.rows.len() as i64 - 1;
        ps.selected = (ps.selected as i64).saturating_add(delta).clamp(0, max) as usize;
    }

    fn open_detail(&mut self) {
        self.detail_back = None;
        let Some(row) = self.selected_row() else {
            self.set_status("nothing selected", Severity::Info);
            return;
        };
        let detail = self
            .pane_data()
            .and_then(|d| self.focus.kind().detail(d, row));
        if let Some(detail) = detail {
            self.detail_scroll = 0;
            self.drawn.detail_max = None;
            self.view = View::Detail(detail);
        }
    }

    /// Scrolls the detail view, never past its last line (as last drawn).
    fn scroll_detail(&mut self, delta: i64) {
        let max = self
            .drawn
            .detail_max
            .map_or(i64::from(u16::MAX), |m| m as i64);
        let from = (self.detail_scroll as i64).min(max);
        self.detail_scroll = (from + delta).clamp(0, max) as usize;
    }

    fn on_filter_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        let ps = &mut self.panes[self.focus.index()];
        match ev.code {
            KeyCode::Esc => {
                ps.filter.clear();
                self.overlay = Overlay::None;
            }
            KeyCode::Enter => self.overlay = Overlay::None,
            KeyCode::Down | KeyCode::Up => {
                self.move_selection(if ev.code == KeyCode::Down { 1 } else { -1 });
                return vec![];
            }
            _ if ps.filter.on_key(&ev) => {}
            _ => return vec![],
        }
        self.panes[self.focus.index()].selected = 0;
        self.panes[self.focus.index()].selected_id = None;
        self.rebuild_rows();
        vec![]
    }

    fn on_fault_key(&mut self, ev: KeyEvent, items: &[String], selected: usize) -> Vec<Effect> {
        let n = items.len();
        let pick = |i: usize| (i < n).then_some(i);
        let chosen = match ev.code {
            KeyCode::Esc | KeyCode::Char('q') => {
                self.overlay = Overlay::None;
                return vec![];
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.overlay = Overlay::Faults {
                    items: items.to_vec(),
                    selected: (selected + 1).min(n.saturating_sub(1)),
                };
                return vec![];
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.overlay = Overlay::Faults {
                    items: items.to_vec(),
                    selected: selected.saturating_sub(1),
                };
                return vec![];
            }
            KeyCode::Enter => pick(selected),
            KeyCode::Char(c) if c.is_ascii_digit() => {
                let i = (c as usize).wrapping_sub('1' as usize);
                pick(i)
            }
            _ => None,
        };
        if let Some(f) = chosen {
            self.overlay = Overlay::None;
            vec![Effect::InjectFault(f)]
        } else {
            self.set_status(
                "choose a fault with j/k and Enter, or its number; Esc closes",
                Severity::Info,
            );
            vec![]
        }
    }

    /// Whether every pane of the region on screen has been read at least once, well or not.
    pub fn read_once(&self) -> bool {
        self.current().is_some_and(|d| {
            Pane::ALL.iter().all(|p| {
                let f = d.fetched(*p);
                f.at.is_some() || f.error.is_some()
            })
        })
    }

    /// Age in seconds of a pane's data, if it has any.
    pub fn age(&self, p: Pane) -> Option<f64> {
        let d = self.current()?;
        let at = d.fetched(p).at?;
        Some(self.now.secs_since(at).max(0.0))
    }

    /// The DR region, when the primary's DNS health check alarm is in ALARM: traffic has failed
    /// over (or, during a drill, is simulated to have).
    /// The region an ARC Region switch execution made active, when it is not the primary: the
    /// region, the plan and that execution.
    pub fn switched_by_plan(
        &self,
    ) -> Option<(
        &Region,
        &crate::model::region_switch::RegionSwitch,
        &crate::model::region_switch::RsExecution,
    )> {
        let primary = self.info.regions.first()?;
        self.settings.drill_specs.iter().find_map(|s| {
            let rs = self.plan_read(&s.app)?.plan.as_ref()?;
            let to = rs.active_region()?;
            if to == primary.name.as_str() {
                return None;
            }
            let e = rs.executions.iter().find(|e| e.succeeded())?;
            let region = self.info.regions.iter().find(|r| r.name.as_str() == to)?;
            Some((&region.name, rs, e))
        })
    }

    pub fn traffic_on_dr(&self) -> Option<&Region> {
        let primary = self.info.regions.first()?;
        // An ARC Region switch plan's last execution moved it.
        if let Some((to, _, _)) = self.switched_by_plan() {
            return Some(to);
        }
        let dr = self.info.regions.get(1)?;
        let alarms = self.store.region(&primary.name)?.alarms.as_ref()?;
        alarms
            .iter()
            .any(|a| {
                a.state == AlarmState::Alarm
                    && (a.metric == "HealthCheckStatus"
                        || self
                            .settings
                            .drill_specs
                            .iter()
                            .any(|d| d.health_alarm == a.name))
            })
            .then_some(&dr.name)
    }

    /// A credential or connection problem that every read of live AWS reports (no credentials,
    /// expired ones, STS unreachable), if any: the screen shows it in full, with its fix.
    pub fn connection_problem(&self) -> Option<&SourceError> {
        // While the connection has failed, every read reports why.
        let failed = self.info.connection == crate::source::Connection::Failed;
        let fetches = || {
            self.info
                .regions
                .iter()
                .filter_map(|r| self.store.region(&r.name))
                .flat_map(|d| Pane::ALL.iter().map(|p| d.fetched(*p)))
        };
        // A read that succeeded after the error says the credentials work again: the panes
        // not read since keep their error until their next read, but the banner goes at once.
        let newest_good = fetches().filter_map(|f| f.at).max();
        fetches()
            .filter(|f| {
                f.error_at
                    .is_some_and(|at| newest_good.is_none_or(|good| at >= good))
            })
            .filter_map(|f| f.error.as_ref())
            .find(|e| {
                failed
                    || matches!(
                        e.class,
                        crate::source::ErrorClass::NoCredentials
                            | crate::source::ErrorClass::ExpiredCredentials
                    )
            })
    }

    /// The error of a pane's last fetch, if it failed.
    pub fn pane_error(&self, p: Pane) -> Option<&SourceError> {
        self.current()?.error(p)
    }

    /// Regions as (primary, dr) names, for the side-by-side view.
    pub fn region_pair(&self) -> (Option<&RegionInfo>, Option<&RegionInfo>) {
        let p = self
            .info
            .regions
            .iter()
            .find(|r| r.role == RegionRole::Primary);
        let d = self.info.regions.iter().find(|r| r.role == RegionRole::Dr);
        (p, d)
    }

    /// Healthy and in-service targets of a region (draining ones are not counted: the one
    /// definition of [`crate::model::TargetGroup::recount`]).
    pub fn target_counts(&self, region: &Region) -> (usize, usize) {
        self.store.target_counts(region)
    }
}
