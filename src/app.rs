//! The application state and `update`: the only place state changes. Keys become actions through
//! the keymap, poll results arrive as messages, and whatever must happen outside (quit, refresh,
//! inject a fault) goes back to the runtime as effects.

use crate::action::{Action, Key, Keymap};
use crate::config::AppConfig;
use crate::model::{
    AlarmState, RegionInfo, RegionRole, Severity, TargetState, TaskDefinition, Timestamp,
};
use crate::ops::drill::{DrillSpec, DrillState};
use crate::ops::{Bounds, Outcome, Plan, ScaleTarget};
use crate::source::sim::{Fault, SCENARIOS, Scenario};
use crate::source::{CallCounts, SourceError, SourceInfo, SourceKind};
use crate::theme::{Theme, ThemeSet};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::VecDeque;

mod drill;
mod help;
pub mod logs;
mod operations;
pub mod store;

pub use drill::{DrillAction, FoundDrill};
pub use help::{HelpLayout, HelpLine, KEYS_W as HELP_KEYS_W};
pub use operations::{RollbackOffer, RunningOp};
pub use store::{Fetch, Payload, RegionData, SERIES_POINTS, Selector, Store, TIMELINE_KEPT};

/// Seconds (real) a status message stays on the status line.
pub const STATUS_SECS: f64 = 20.0;

/// The five panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Targets,
    Capacity,
    Runs,
    Alarms,
    Timeline,
}

impl Pane {
    /// How many panes there are.
    pub const COUNT: usize = 5;

    pub const ALL: [Pane; Pane::COUNT] = [
        Pane::Targets,
        Pane::Capacity,
        Pane::Runs,
        Pane::Alarms,
        Pane::Timeline,
    ];

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Targets => "Targets",
            Pane::Capacity => "Capacity",
            Pane::Runs => "Runs",
            Pane::Alarms => "Alarms",
            Pane::Timeline => "Timeline",
        }
    }

    pub fn parse(s: &str) -> Option<Pane> {
        Pane::ALL
            .iter()
            .copied()
            .find(|p| p.title().eq_ignore_ascii_case(s))
            .or_else(|| {
                s.parse::<usize>()
                    .ok()
                    .and_then(|n| Pane::ALL.get(n.wrapping_sub(1)).copied())
            })
    }
}

/// What reaches `update`: keys, resizes, poll results, the clock.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// A poll result for a region, fetched at the source's time `at`.
    Data {
        region: String,
        at: Timestamp,
        payload: Payload,
    },
    /// The source clock moved on.
    Tick(Timestamp),
    /// The fault menu's entries (demo), in answer to [`Effect::OpenFaultMenu`].
    FaultMenu(Vec<Fault>),
    /// A message for the status line.
    Status(String, Severity),
    /// The source was replaced (`:scenario`): forget all data.
    Reset(SourceInfo),
    /// A task definition read for the deploy prompt, in answer to
    /// [`Effect::FetchTaskDefinition`].
    TaskDefinition {
        region: String,
        cluster: String,
        service: String,
        read: Result<TaskDefinition, SourceError>,
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
}

/// What the runtime must do after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Quit,
    /// Poll every pane now.
    RefreshAll,
    /// Pause or resume polling.
    SetPaused(bool),
    /// Ask the demo source for its fault menu.
    OpenFaultMenu {
        region: String,
        selected_instance: Option<String>,
    },
    /// Inject a fault into the demo estate.
    InjectFault(Fault),
    /// Replace the demo estate.
    SwitchScenario(Scenario),
    /// Read a task definition for the deploy prompt.
    FetchTaskDefinition {
        region: String,
        cluster: String,
        service: String,
        task_definition: String,
    },
    /// Execute a confirmed plan in the background (the executor audits it).
    Execute {
        id: u64,
        plan: Box<Plan>,
    },
    /// Write the failover drill's state to disk (`None`: the drill is over, remove it).
    SaveDrill(Option<Box<DrillState>>),
    /// Audit a plan that was not executed: `cancelled` by the operator or `refused`.
    RecordUnexecuted {
        plan: Box<Plan>,
        outcome: crate::ops::audit::AuditOutcome,
        reason: String,
    },
    /// Find where a Logs view's logs are; answered by [`Msg::LogSource`].
    FindLogs {
        generation: u64,
        region: String,
        target: crate::model::logs::LogTarget,
    },
    /// After `delay`, read a Logs view's events from `since`; answered by [`Msg::Logs`] with
    /// the same number.
    ReadLogs {
        read: u64,
        region: String,
        source: crate::model::logs::LogSource,
        pattern: String,
        since: Timestamp,
        delay: std::time::Duration,
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

/// A popup or input line over the view.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    Help,
    /// Editing the focused pane's filter.
    Filter,
    Palette {
        input: String,
        selected: usize,
    },
    Faults {
        items: Vec<Fault>,
        selected: usize,
    },
    /// The scale prompt: the new desired count.
    Scale {
        target: ScaleTarget,
        bounds: Bounds,
        input: String,
        error: Option<String>,
    },
    /// The deploy prompt: a new image or tag for one container, or nothing to force a new
    /// deployment.
    Deploy {
        cluster: String,
        service: String,
        task_definition: TaskDefinition,
        container: usize,
        input: String,
        error: Option<String>,
    },
    /// A drill action waiting for the app's typed name (start, failback) or `y` (abort).
    DrillConfirm {
        action: DrillAction,
        typed: String,
        error: Option<String>,
    },
    /// A drill was found on disk at start: resume or roll back.
    DrillResume,
    /// Requests per service and operation in the last minute (`:api`).
    Api,
    /// The plan, waiting for `y` or the typed name.
    Confirm {
        plan: Box<Plan>,
        typed: String,
        error: Option<String>,
    },
}

/// One row of a pane, as indices into the region's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Lb(usize),
    Tg(usize, usize),
    Target(usize, usize, usize),
    Asg(usize),
    Service(usize),
    Deployment(usize, usize),
    Association(usize),
    Alarm(usize),
    Event(usize),
}

/// Selection, scroll and filter of one pane.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PaneState {
    pub selected: usize,
    pub offset: usize,
    pub filter: String,
    pub rows: Vec<Row>,
    /// The identity of the selected item (`App::row_id`): the selection follows it when the
    /// rows are rebuilt from new data, whatever moved around it.
    pub selected_id: Option<String>,
    /// The rows on screen as the renderer last drew them: (first, how many).
    pub shown: std::cell::Cell<(usize, usize)>,
}

/// The whole console state.
pub struct App {
    pub info: SourceInfo,
    pub scenario: Option<Scenario>,
    pub keymap: Keymap,
    pub themes: ThemeSet,
    pub theme: Theme,
    pub no_color: bool,
    pub ascii: bool,
    pub read_only: bool,
    pub paused: bool,
    pub now: Timestamp,
    pub size: (u16, u16),
    pub focus: Pane,
    pub view: View,
    pub overlay: Overlay,
    pub panes: [PaneState; 5],
    /// Index into `info.regions` of the region the panes show.
    pub region: usize,
    /// The fetched data.
    store: Store,
    pub status: Option<(String, Severity)>,
    /// When the status line was set (source clock); it clears itself after `STATUS_SECS`.
    pub status_at: Timestamp,
    pub detail_scroll: usize,
    /// How far the detail view on screen scrolls, as the renderer last found it (the one value
    /// drawing writes: the length of wrapped text is known only where it is laid out).
    pub detail_max: std::cell::Cell<Option<usize>>,
    /// Refresh interval per pane, seconds (for staleness).
    pub refresh_secs: [u64; 5],
    /// Source seconds per real second (`--speed` in the demo): polls run in real time, ages are
    /// in source time, so freshness windows scale by this.
    pub time_scale: f64,
    pub quit: bool,
    /// Whether anything on screen may have changed since the last frame; the runtime draws only
    /// then, so polls of a region that is not on screen cost no frame.
    pub dirty: bool,
    /// Why mutating keys are disabled (`--read-only`, or the config), when `read_only`.
    pub read_only_why: String,
    /// The configured apps (roll-back banner: which alarms belong with which service).
    pub apps: Vec<AppConfig>,
    /// Operations executing in the background.
    pub ops: Vec<RunningOp>,
    next_op: u64,
    /// The failover drill under way (or just finished).
    pub drill: Option<DrillState>,
    /// The apps that have a failover section (the warm-standby demo's without config).
    pub drill_specs: Vec<DrillSpec>,
    /// Which of `drill_specs` the drill view shows.
    pub drill_choice: usize,
    /// The op id of the drill step whose call is in flight.
    drill_op: Option<u64>,
    /// Roll back once the call in flight ends.
    drill_abort: bool,
    /// A drill step's plan waiting for its state to be on disk ([`Msg::DrillSaved`]).
    drill_unsaved: Option<Plan>,
    /// A drill found on disk at start, offered once the connection says whose account this is.
    drill_found: Option<drill::FoundDrill>,
    /// Why no new drill can start here (an unsettled or refused drill file), if so.
    pub drill_blocked: Option<String>,
    /// Another console that drives the drill shown (`opsdash pid N on HOST`).
    pub drill_elsewhere: Option<String>,
    /// The drill state file, for messages.
    pub drill_file: String,
    /// Revisions this console rolled back from: never offered as a roll-back target again.
    left_revisions: VecDeque<String>,
    /// How far the help popup is scrolled (rows).
    pub help_scroll: usize,
    /// The open Logs view (`View::Logs`), and the view to return to.
    pub logs: Option<Box<logs::LogsView>>,
    pub logs_back: Option<View>,
    /// Numbers each Logs view opened, so a closed one's answers are ignored.
    pub logs_generation: u64,
    /// The association run started with `x`, followed until it ends.
    follow_run: Option<operations::FollowRun>,
    /// A light theme was chosen (config, `--theme`, `:theme`): `t` cycles light themes too.
    pub light_terminal: bool,
    /// Palette Tab completion: what was typed and which of its matches the input shows.
    palette_tab: Option<(String, usize)>,
}

impl App {
    pub fn new(info: SourceInfo, keymap: Keymap, themes: ThemeSet, theme: Theme) -> Self {
        let light_terminal = theme.name.contains("light");
        App {
            info,
            scenario: None,
            keymap,
            themes,
            theme,
            no_color: false,
            ascii: false,
            read_only: false,
            paused: false,
            now: Timestamp::default(),
            size: (80, 24),
            focus: Pane::Targets,
            view: View::Main,
            overlay: Overlay::None,
            panes: Default::default(),
            region: 0,
            store: Store::default(),
            status: None,
            status_at: Timestamp::default(),
            detail_scroll: 0,
            detail_max: std::cell::Cell::new(None),
            refresh_secs: [5, 10, 30, 30, 5],
            time_scale: 1.0,
            quit: false,
            dirty: true,
            read_only_why: String::new(),
            apps: Vec::new(),
            ops: Vec::new(),
            next_op: 1,
            drill: None,
            drill_specs: Vec::new(),
            drill_choice: 0,
            drill_op: None,
            drill_abort: false,
            drill_unsaved: None,
            drill_found: None,
            drill_blocked: None,
            drill_elsewhere: None,
            drill_file: "drill.json".into(),
            left_revisions: VecDeque::new(),
            help_scroll: 0,
            logs: None,
            logs_back: None,
            logs_generation: 0,
            palette_tab: None,
            follow_run: None,
            light_terminal,
        }
    }

    pub fn is_demo(&self) -> bool {
        self.info.kind == SourceKind::Demo
    }

    /// The region the panes show.
    pub fn region_info(&self) -> Option<&RegionInfo> {
        self.info.regions.get(self.region)
    }

    pub fn region_name(&self) -> &str {
        self.region_info().map_or("", |r| r.name.as_str())
    }

    /// The configured apps: what the panes show, which alarms belong with which service.
    pub fn set_apps(&mut self, apps: Vec<AppConfig>) {
        self.store = Store::new(Selector::new(&apps));
        self.apps = apps;
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
    pub fn watched_target_groups(&self) -> (String, Vec<String>) {
        let region = self.region_name().to_owned();
        let Some(lbs) = self.current().and_then(|d| d.targets.as_deref()) else {
            return (region, Vec::new());
        };
        let ps = self.pane(Pane::Targets);
        let (first, n) = ps.shown.get();
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

    fn set_status(&mut self, msg: impl Into<String>, sev: Severity) {
        self.status = Some((msg.into(), sev));
        self.status_at = self.now;
    }

    /// Applies one message; returns what the runtime must do.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let visible = match &msg {
            // A region that is not on screen shows only in the side-by-side view, the timeline and
            // the header's API figure (which moves once a minute, with the clock).
            Msg::Data {
                region, payload, ..
            } => {
                region == self.region_name()
                    || self.view == View::Regions
                    || matches!(payload, Payload::Timeline(r) if r.result.as_ref().is_ok_and(|e| !e.is_empty()))
            }
            _ => true,
        };
        self.dirty |= visible;
        match msg {
            Msg::Key(k) => {
                let effects = self.on_key(k);
                self.remember_selection();
                effects
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.clamp_all();
                vec![]
            }
            Msg::Tick(now) => {
                self.now = self.now.max(now);
                self.store.roll(self.now);
                let expiry = STATUS_SECS * self.time_scale.max(1.0);
                if self.status.is_some() && self.now.secs_since(self.status_at) > expiry {
                    self.status = None;
                }
                let mut effects = self.check_drill();
                effects.extend(self.follow_tick());
                effects
            }
            Msg::Data {
                region,
                at,
                payload,
            } => {
                self.on_data(&region, at, payload);
                self.check_drill()
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
            Msg::OpProgress { id, call } => {
                if let Some(op) = self.ops.iter_mut().find(|o| o.id == id) {
                    op.call = call;
                }
                vec![]
            }
            Msg::OpDone { id, outcome } => self.on_op_done(id, outcome),
            Msg::Calls(at, counts) => {
                self.store.record_calls(at, counts);
                vec![]
            }
            Msg::Paste(text) => self.on_paste(&text),
            Msg::DrillSaved(r) => self.on_drill_saved(&r),
            Msg::LogSource { generation, read } => self.on_log_source(generation, read),
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
                self.region = 0;
                self.view = View::Main;
                self.overlay = Overlay::None;
                for p in &mut self.panes {
                    *p = PaneState::default();
                }
                vec![Effect::RefreshAll]
            }
        }
    }

    fn on_data(&mut self, region: &str, at: Timestamp, payload: Payload) {
        self.now = self.now.max(at);
        let runs = payload.pane() == Pane::Runs;
        self.store.apply(region, at, payload);
        if runs {
            self.show_followed_run();
        }
        self.rebuild_rows();
    }

    /// Recomputes every pane's rows from the data and the filters, keeping each selection on the
    /// same item (by identity) where it still exists.
    pub fn rebuild_rows(&mut self) {
        for p in Pane::ALL {
            let rows = self.compute_rows(p);
            self.panes[p.index()].rows = rows;
            if let Some(id) = self.panes[p.index()].selected_id.clone()
                && let Some(i) = (0..self.panes[p.index()].rows.len())
                    .find(|&i| self.row_id(p, i).as_deref() == Some(id.as_str()))
            {
                self.panes[p.index()].selected = i;
            }
        }
        self.clamp_all();
        self.remember_selection();
    }

    /// Selects row `i` of a pane (and remembers which item that is).
    pub fn select_row(&mut self, p: Pane, i: usize) {
        self.panes[p.index()].selected = i;
        self.clamp_all();
        self.remember_selection();
    }

    /// Notes the identity of every pane's selected item (after keys moved a selection).
    fn remember_selection(&mut self) {
        for p in Pane::ALL {
            let id = self.row_id(p, self.panes[p.index()].selected);
            self.panes[p.index()].selected_id = id;
        }
    }

    /// A row's identity, stable across refreshes: what it is, not how it looks (an alarm's
    /// identity does not change with its state, an event's with the events around it).
    fn row_id(&self, p: Pane, i: usize) -> Option<String> {
        let row = *self.panes[p.index()].rows.get(i)?;
        let d = self.current()?;
        let lbs = d.targets.as_deref().unwrap_or_default();
        let cap = d.capacity.as_ref();
        match row {
            Row::Lb(l) => lbs.get(l).map(|x| format!("lb {}", x.arn)),
            Row::Tg(l, g) => lbs
                .get(l)?
                .target_groups
                .get(g)
                .map(|g| format!("tg {}", g.arn)),
            Row::Target(l, g, t) => {
                let g = lbs.get(l)?.target_groups.get(g)?;
                g.targets
                    .get(t)
                    .map(|t| format!("target {} {} {}", g.arn, t.id, t.port))
            }
            Row::Asg(a) => cap?
                .auto_scaling_groups
                .get(a)
                .map(|g| format!("asg {}", g.name)),
            Row::Service(x) => cap?
                .ecs_services
                .get(x)
                .map(|x| format!("ecs {}/{}", x.cluster, x.name)),
            Row::Deployment(x, k) => {
                let x = cap?.ecs_services.get(x)?;
                x.deployments
                    .get(k)
                    .map(|d| format!("deployment {}/{} {}", x.cluster, x.name, d.id))
            }
            Row::Association(a) => d.runs.as_ref()?.get(a).map(|a| format!("ssm {}", a.id)),
            Row::Alarm(a) => d
                .alarms
                .as_ref()?
                .get(a)
                .map(|a| format!("alarm {}", a.name)),
            Row::Event(e) => self
                .store
                .timeline()
                .get(e)
                .map(|e| format!("event {} {} {}", e.region, e.seq, e.at.0)),
        }
    }

    fn clamp_all(&mut self) {
        for ps in &mut self.panes {
            if ps.selected >= ps.rows.len() {
                ps.selected = ps.rows.len().saturating_sub(1);
            }
        }
    }

    /// The searchable text of a row.
    pub fn row_text(&self, row: Row) -> String {
        let Some(d) = self.current() else {
            return String::new();
        };
        let lbs = d.targets.as_deref().unwrap_or_default();
        let cap = d.capacity.as_ref();
        match row {
            Row::Lb(l) => lbs.get(l).map(|x| x.name.clone()).unwrap_or_default(),
            Row::Tg(l, g) => lbs
                .get(l)
                .and_then(|x| x.target_groups.get(g))
                .map(|g| format!("{} {}", lbs[l].name, g.name))
                .unwrap_or_default(),
            Row::Target(l, g, t) => lbs
                .get(l)
                .and_then(|x| x.target_groups.get(g))
                .and_then(|g| g.targets.get(t).map(|t| (g, t)))
                .map(|(g, t)| format!("{} {} {} {}", g.name, t.id, t.az, t.state.as_str()))
                .unwrap_or_default(),
            Row::Asg(a) => cap
                .and_then(|c| c.auto_scaling_groups.get(a))
                .map(|g| format!("asg {}", g.name))
                .unwrap_or_default(),
            Row::Service(s) => cap
                .and_then(|c| c.ecs_services.get(s))
                .map(|x| format!("ecs {}/{}", x.cluster, x.name))
                .unwrap_or_default(),
            Row::Deployment(s, k) => cap
                .and_then(|c| c.ecs_services.get(s))
                .and_then(|x| x.deployments.get(k).map(|d| (x, d)))
                .map(|(x, d)| format!("ecs {}/{} {} {}", x.cluster, x.name, d.id, d.status))
                .unwrap_or_default(),
            Row::Association(a) => d
                .runs
                .as_ref()
                .and_then(|v| v.get(a))
                .map(|a| format!("{} {} {}", a.name, a.document, a.status))
                .unwrap_or_default(),
            Row::Alarm(a) => d
                .alarms
                .as_ref()
                .and_then(|v| v.get(a))
                .map(|a| format!("{} {}", a.name, a.state.as_str()))
                .unwrap_or_default(),
            Row::Event(e) => self
                .store
                .timeline()
                .get(e)
                .map(|e| {
                    format!(
                        "{} {} {} {} {}",
                        e.seq,
                        e.region,
                        e.kind.label(),
                        e.resource,
                        e.message
                    )
                })
                .unwrap_or_default(),
        }
    }

    fn compute_rows(&self, p: Pane) -> Vec<Row> {
        let filter = self.panes[p.index()].filter.to_lowercase();
        let matches = |s: &str| filter.is_empty() || s.to_lowercase().contains(&filter);
        let Some(d) = self.current() else {
            return Vec::new();
        };
        let mut rows = Vec::new();
        match p {
            Pane::Targets => {
                for (l, lb) in d.targets.iter().flatten().enumerate() {
                    let lb_match = matches(&lb.name);
                    let mut lb_rows = Vec::new();
                    for (g, tg) in lb.target_groups.iter().enumerate() {
                        let tg_match = lb_match || matches(&tg.name);
                        let targets: Vec<Row> = tg
                            .targets
                            .iter()
                            .enumerate()
                            .filter(|(_, t)| {
                                tg_match
                                    || matches(&format!("{} {} {}", t.id, t.az, t.state.as_str()))
                                    || t.reason.as_deref().is_some_and(matches)
                            })
                            .map(|(t, _)| Row::Target(l, g, t))
                            .collect();
                        if tg_match || !targets.is_empty() {
                            lb_rows.push(Row::Tg(l, g));
                            lb_rows.extend(targets);
                        }
                    }
                    if lb_match || !lb_rows.is_empty() {
                        rows.push(Row::Lb(l));
                        rows.extend(lb_rows);
                    }
                }
            }
            Pane::Capacity => {
                if let Some(c) = &d.capacity {
                    for (a, g) in c.auto_scaling_groups.iter().enumerate() {
                        if matches(&g.name) {
                            rows.push(Row::Asg(a));
                        }
                    }
                    for (s, svc) in c.ecs_services.iter().enumerate() {
                        let name = format!("{}/{} {}", svc.cluster, svc.name, svc.task_definition);
                        if matches(&name) {
                            rows.push(Row::Service(s));
                            for k in 0..svc.deployments.len() {
                                rows.push(Row::Deployment(s, k));
                            }
                        }
                    }
                }
            }
            Pane::Runs => {
                for (a, x) in d.runs.iter().flatten().enumerate() {
                    if matches(&format!("{} {} {}", x.name, x.document, x.status)) {
                        rows.push(Row::Association(a));
                    }
                }
            }
            Pane::Alarms => {
                for (a, x) in d.alarms.iter().flatten().enumerate() {
                    if matches(&format!("{} {} {}", x.name, x.state.as_str(), x.metric)) {
                        rows.push(Row::Alarm(a));
                    }
                }
            }
            Pane::Timeline => {
                for (i, e) in self.store.timeline().iter().enumerate() {
                    if matches(&format!(
                        "{} {} {} {}",
                        e.region,
                        e.kind.label(),
                        e.resource,
                        e.message
                    )) {
                        rows.push(Row::Event(i));
                    }
                }
            }
        }
        rows
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
            self.quit = true;
            return vec![Effect::Quit];
        }
        // Esc and a key typed quickly after it arrive as Alt+key: when Alt+key means nothing,
        // it is the two keys the operator pressed.
        if ev.modifiers == KeyModifiers::ALT
            && let KeyCode::Char(c) = ev.code
            && self.keymap.action(&Key::from_event(&ev)).is_none()
        {
            let mut effects = self.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
            effects.extend(self.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
            return effects;
        }
        if !matches!(self.overlay, Overlay::Palette { .. }) || ev.code != KeyCode::Tab {
            self.palette_tab = None;
        }
        match self.overlay.clone() {
            Overlay::Filter => return self.on_filter_key(ev),
            Overlay::Palette { input, selected } => {
                return self.on_palette_key(ev, input, selected);
            }
            Overlay::Faults { items, selected } => return self.on_fault_key(ev, &items, selected),
            Overlay::Scale { .. } | Overlay::Deploy { .. } | Overlay::Confirm { .. } => {
                return self.on_operation_key(ev);
            }
            Overlay::DrillConfirm { action, typed, .. } => {
                return self.on_drill_confirm_key(&ev, action, typed);
            }
            Overlay::DrillResume => return self.on_drill_resume_key(&ev),
            Overlay::Api => {
                self.overlay = Overlay::None;
                return vec![];
            }
            Overlay::Help => {
                let action = self.keymap.action(&Key::from_event(&ev));
                if matches!(action, Some(Action::Quit)) {
                    self.quit = true;
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
        let key = Key::from_event(&ev);
        let Some(action) = self.keymap.action(&key) else {
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

    /// Performs a bound action.
    pub fn act(&mut self, action: Action) -> Vec<Effect> {
        let in_detail = matches!(self.view, View::Detail(_));
        match action {
            Action::Quit => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Action::Help => self.open_help(),
            Action::NextPane => self.focus_pane(Pane::ALL[(self.focus.index() + 1) % 5]),
            Action::PrevPane => self.focus_pane(Pane::ALL[(self.focus.index() + 4) % 5]),
            Action::PaneTargets => self.focus_pane(Pane::Targets),
            Action::PaneCapacity => self.focus_pane(Pane::Capacity),
            Action::PaneRuns => self.focus_pane(Pane::Runs),
            Action::PaneAlarms => self.focus_pane(Pane::Alarms),
            Action::PaneTimeline => self.focus_pane(Pane::Timeline),
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
                if self.view == View::Main {
                    if !self.pane(self.focus).filter.is_empty() {
                        self.panes[self.focus.index()].filter.clear();
                        self.rebuild_rows();
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
                    input: String::new(),
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
                let n = self.themes.themes.len();
                let i = self.themes.index(&self.theme.name).unwrap_or(0);
                let next = (1..=n)
                    .map(|k| &self.themes.themes[(i + k) % n])
                    .find(|t| self.light_terminal || !t.name.contains("light"))
                    .cloned();
                if let Some(t) = next {
                    self.set_theme(t);
                }
            }
            Action::Scale | Action::Deploy | Action::RunNow | Action::Rollback => {
                return self.operation(action);
            }
            Action::Failover => self.open_drill(),
            Action::Logs => return self.open_logs(),
            Action::Faults => {
                if !self.is_demo() {
                    self.set_status("fault injection exists only in --demo", Severity::Warn);
                    return vec![];
                }
                return vec![Effect::OpenFaultMenu {
                    region: self.region_name().to_owned(),
                    selected_instance: self.selected_instance(),
                }];
            }
        }
        vec![]
    }

    /// Applies a theme, keeping `NO_COLOR`.
    pub fn set_theme(&mut self, mut theme: Theme) {
        theme.no_color = self.no_color;
        // A light theme chosen once says the terminal is light: `t` may cycle into them.
        self.light_terminal |= theme.name.contains("light");
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
        let Some(row) = self.selected_row() else {
            self.set_status("nothing selected", Severity::Info);
            return;
        };
        let Some(d) = self.current() else { return };
        let lbs = d.targets.as_deref().unwrap_or_default();
        let detail = match row {
            Row::Lb(l) => lbs.get(l).and_then(|lb| {
                lb.target_groups.first().map(|g| DetailRef::TargetGroup {
                    lb: lb.name.clone(),
                    tg: g.name.clone(),
                })
            }),
            Row::Tg(l, g) | Row::Target(l, g, _) => lbs.get(l).and_then(|lb| {
                lb.target_groups.get(g).map(|tg| DetailRef::TargetGroup {
                    lb: lb.name.clone(),
                    tg: tg.name.clone(),
                })
            }),
            Row::Asg(a) => d
                .capacity
                .as_ref()
                .and_then(|c| c.auto_scaling_groups.get(a))
                .map(|g| DetailRef::Asg(g.name.clone())),
            Row::Service(s) | Row::Deployment(s, _) => d
                .capacity
                .as_ref()
                .and_then(|c| c.ecs_services.get(s))
                .map(|x| DetailRef::Service {
                    cluster: x.cluster.clone(),
                    name: x.name.clone(),
                }),
            Row::Association(a) => d
                .runs
                .as_ref()
                .and_then(|v| v.get(a))
                .map(|x| DetailRef::Association(x.id.clone())),
            Row::Alarm(a) => d
                .alarms
                .as_ref()
                .and_then(|v| v.get(a))
                .map(|x| DetailRef::Alarm(x.name.clone())),
            Row::Event(e) => self
                .store
                .timeline()
                .get(e)
                .map(|x| DetailRef::Event(x.seq)),
        };
        if let Some(detail) = detail {
            self.detail_scroll = 0;
            self.detail_max.set(None);
            self.view = View::Detail(detail);
        }
    }

    /// Scrolls the detail view, never past its last line (as last drawn).
    fn scroll_detail(&mut self, delta: i64) {
        let max = self
            .detail_max
            .get()
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
            KeyCode::Backspace => {
                ps.filter.pop();
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                if ps.filter.chars().count() < 64 {
                    ps.filter.push(c);
                }
            }
            KeyCode::Down | KeyCode::Up => {
                self.move_selection(if ev.code == KeyCode::Down { 1 } else { -1 });
                return vec![];
            }
            _ => return vec![],
        }
        self.panes[self.focus.index()].selected = 0;
        self.panes[self.focus.index()].selected_id = None;
        self.rebuild_rows();
        vec![]
    }

    /// Palette commands matching the input, as full command lines.
    pub fn palette_suggestions(&self, input: &str) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for t in self.themes.names() {
            all.push(format!("theme {t}"));
        }
        for r in &self.info.regions {
            all.push(format!("region {}", r.name));
        }
        for p in Pane::ALL {
            all.push(format!("pane {}", p.title().to_lowercase()));
        }
        if self.is_demo() {
            for (n, _) in SCENARIOS {
                all.push(format!("scenario {n}"));
            }
        }
        for c in ["api", "refresh", "pause", "resume", "help", "quit"] {
            all.push(c.to_owned());
        }
        let input = input.trim().to_lowercase();
        all.into_iter()
            .filter(|c| c.starts_with(&input) || (!input.is_empty() && c.contains(&input)))
            .collect()
    }

    fn on_palette_key(
        &mut self,
        ev: KeyEvent,
        mut input: String,
        mut selected: usize,
    ) -> Vec<Effect> {
        match ev.code {
            KeyCode::Esc => {
                self.overlay = Overlay::None;
                return vec![];
            }
            KeyCode::Enter => {
                self.overlay = Overlay::None;
                let line = if input.trim().is_empty() {
                    self.palette_suggestions("")
                        .get(selected)
                        .cloned()
                        .unwrap_or_default()
                } else {
                    input
                };
                return self.run_command(&line);
            }
            KeyCode::Tab => {
                // The first Tab completes the selected match; the next ones cycle the matches of
                // what was typed.
                let (prefix, i) = match self.palette_tab.take() {
                    Some((prefix, i))
                        if self.palette_suggestions(&prefix).get(i) == Some(&input) =>
                    {
                        (prefix, i + 1)
                    }
                    _ => (input.clone(), selected),
                };
                let matches = self.palette_suggestions(&prefix);
                if !matches.is_empty() {
                    let i = i % matches.len();
                    input.clone_from(&matches[i]);
                    selected = 0;
                    self.palette_tab = Some((prefix, i));
                }
            }
            KeyCode::Down => selected += 1,
            KeyCode::Up => selected = selected.saturating_sub(1),
            KeyCode::Backspace => {
                input.pop();
                selected = 0;
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                if input.chars().count() < 80 {
                    input.push(c);
                }
                selected = 0;
            }
            _ => {}
        }
        let n = self.palette_suggestions(&input).len();
        self.overlay = Overlay::Palette {
            input,
            selected: selected.min(n.saturating_sub(1)),
        };
        vec![]
    }

    /// Runs a palette command line.
    pub fn run_command(&mut self, line: &str) -> Vec<Effect> {
        let mut words = line.split_whitespace();
        let cmd = words.next().unwrap_or("");
        let arg = words.next();
        match (cmd, arg) {
            ("quit" | "q", _) => return self.act(Action::Quit),
            ("help", _) => self.open_help(),
            ("api", _) => self.overlay = Overlay::Api,
            ("refresh", _) => return self.act(Action::Refresh),
            ("pause", _) if !self.paused => return self.act(Action::Pause),
            ("resume", _) if self.paused => return self.act(Action::Pause),
            ("pause" | "resume" | "", _) => {}
            ("theme", Some(name)) => match self.themes.get(name) {
                Ok(t) => self.set_theme(t),
                Err(e) => self.set_status(e, Severity::Warn),
            },
            ("region", Some(name)) => {
                if let Some(i) = self.info.regions.iter().position(|r| r.name == name) {
                    self.region = i;
                    self.view = View::Main;
                    self.rebuild_rows();
                    self.set_status(format!("showing {name}"), Severity::Info);
                } else {
                    let names: Vec<&str> = self.info.regions.iter().map(|r| r.name.as_str()).collect();
                    self.set_status(
                        format!("unknown region '{name}'; this estate has: {}", names.join(", ")),
                        Severity::Warn,
                    );
                }
            }
            ("pane", Some(name)) => match Pane::parse(name) {
                Some(p) => self.focus_pane(p),
                None => self.set_status(
                    format!("unknown pane '{name}'; panes are: targets, capacity, runs, alarms, timeline"),
                    Severity::Warn,
                ),
            },
            ("scenario", Some(name)) if self.is_demo() => match Scenario::parse(name) {
                Ok(s) => {
                    self.scenario = Some(s);
                    self.set_status(format!("scenario {name}"), Severity::Info);
                    return vec![Effect::SwitchScenario(s)];
                }
                Err(e) => self.set_status(e, Severity::Warn),
            },
            ("theme" | "region" | "pane" | "scenario", None) => {
                self.set_status(format!(":{cmd} needs a name; Tab completes"), Severity::Warn);
            }
            _ => self.set_status(
                format!(
                    "unknown command '{}'; commands: theme, region, pane, {}api, refresh, pause, resume, help, quit",
                    line.trim(),
                    if self.is_demo() { "scenario, " } else { "" }
                ),
                Severity::Warn,
            ),
        }
        vec![]
    }

    fn on_fault_key(&mut self, ev: KeyEvent, items: &[Fault], selected: usize) -> Vec<Effect> {
        let n = items.len();
        let pick = |i: usize| items.get(i).cloned();
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

    /// Age in seconds of a pane's data, if it has any.
    pub fn age(&self, p: Pane) -> Option<f64> {
        let d = self.current()?;
        let at = d.fetched(p).at?;
        Some(self.now.secs_since(at).max(0.0))
    }

    /// The DR region, when the primary's DNS health check alarm is in ALARM: traffic has failed
    /// over (or, during a drill, is simulated to have).
    pub fn traffic_on_dr(&self) -> Option<&str> {
        let primary = self.info.regions.first()?;
        let dr = self.info.regions.get(1)?;
        let alarms = self.store.region(&primary.name)?.alarms.as_ref()?;
        alarms
            .iter()
            .any(|a| {
                a.state == AlarmState::Alarm
                    && (a.metric == "HealthCheckStatus"
                        || self.drill_specs.iter().any(|d| d.health_alarm == a.name))
            })
            .then_some(dr.name.as_str())
    }

    /// A credential or connection problem that every read of live AWS reports (no credentials,
    /// expired ones, STS unreachable), if any: the screen shows it in full, with its fix.
    pub fn connection_problem(&self) -> Option<&SourceError> {
        self.info
            .regions
            .iter()
            .filter_map(|r| self.store.region(&r.name))
            .flat_map(|d| Pane::ALL.iter().filter_map(|p| d.error(*p)))
            .find(|e| {
                matches!(
                    e.class,
                    crate::source::ErrorClass::NoCredentials
                        | crate::source::ErrorClass::ExpiredCredentials
                ) || e.operation == "GetCallerIdentity"
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

    /// Healthy and total targets of a region.
    pub fn target_counts(&self, region: &str) -> (usize, usize) {
        self.store
            .region(region)
            .and_then(|d| d.targets.as_ref())
            .map_or((0, 0), |lbs| {
                let mut h = 0;
                let mut t = 0;
                for g in lbs.iter().flat_map(|l| &l.target_groups) {
                    h += g
                        .targets
                        .iter()
                        .filter(|t| t.state == TargetState::Healthy)
                        .count();
                    t += g.targets.len();
                }
                (h, t)
            })
    }
}
