//! The failover drill in the console: `F` opens it (preflight and plan), `s` starts it after the
//! app's name is typed, the steps run one after another as polls show progress, `B` fails back,
//! `Esc` aborts (rolling back what was done). Every step is an audited plan; the state goes to
//! disk after every step ([`Effect::SaveDrill`]) so a dropped session can resume or roll back.

use super::{App, Effect, Overlay, Pane, TextInput, View};
use crate::action::{Action, Mode};
use crate::model::{Region, Severity, Timestamp};
use crate::ops::drill::{self, DrillSpec, DrillState, Phase, Preflight, RegionView, StepKind};
use crate::ops::{Confirm, OpKind, Plan};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

/// The longest app name the drill's typed confirmation takes.
const TYPED_MAX: usize = 128;

/// What a drill confirmation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrillAction {
    Start,
    Failback,
    Abort,
    /// Resume a drill found on disk.
    Resume,
}

/// The drill as this console holds it.
#[derive(Debug, Default)]
pub(super) struct DrillConsole {
    /// The failover drill under way (or just finished).
    pub(super) state: Option<DrillState>,
    /// Which of the settings' drill specs the drill view shows.
    pub(super) choice: usize,
    /// The op id of the drill step whose call is in flight.
    pub(super) op: Option<u64>,
    /// Roll back once the call in flight ends.
    pub(super) abort: bool,
    /// A drill step's plan waiting for its state to be on disk ([`super::Msg::DrillSaved`]).
    pub(super) unsaved: Option<Plan>,
    /// A drill found on disk at start, offered once the connection says whose account this is.
    pub(super) found: Option<FoundDrill>,
    /// Why no new drill can start here (an unsettled or refused drill file), if so.
    pub(super) blocked: Option<String>,
    /// Another console that drives the drill shown (`opsdash pid N on HOST`).
    pub(super) elsewhere: Option<String>,
    /// The drill view scrolled by the operator to this line (`None`: the default: the plan
    /// from its top before a drill, the progress at its end while one runs).
    pub(super) scroll: Option<usize>,
}

/// A drill found on disk at start, waiting for the connection (its account must be this one).
#[derive(Debug, Clone, PartialEq)]
pub enum FoundDrill {
    /// A state file this console may drive, once checked against the account and the config.
    State(Box<DrillState>),
    /// A state file whose lock another live console holds.
    Elsewhere(Box<DrillState>, String),
    /// A state file that cannot be read.
    Unreadable(String),
}

/// The drill an earlier run left in `store`, if any, and whether another live console drives it.
pub async fn found_drill(store: &dyn drill::DrillStore) -> Option<FoundDrill> {
    match store.load().await {
        Ok(Some(state)) => Some(match store.other_holder().await {
            Some(h) => FoundDrill::Elsewhere(Box::new(state), h.describe()),
            None => FoundDrill::State(Box::new(state)),
        }),
        Ok(None) => None,
        Err(e) => Some(FoundDrill::Unreadable(e)),
    }
}

impl App {
    /// The drill the console shows: the one under way, else the selected app's.
    pub fn drill_spec(&self) -> Option<&DrillSpec> {
        match &self.drill.state {
            Some(d) if d.phase != Phase::Finished => Some(&d.spec),
            _ => self.settings.drill_specs.get(self.drill.choice),
        }
    }

    fn region_view(&self, region: &Region) -> RegionView<'_> {
        self.store
            .region(region)
            .map_or_else(RegionView::default, |d| RegionView {
                lbs: d.targets.as_deref(),
                capacity: d.capacity.as_ref(),
                alarms: d.alarms.as_deref(),
            })
    }

    /// The preflight of the shown drill over the data polled so far.
    pub fn drill_preflight(&self) -> Option<Preflight> {
        let spec = self.drill_spec()?;
        Some(drill::preflight(
            spec,
            self.region_view(&spec.primary),
            self.region_view(&spec.dr),
        ))
    }

    /// `F`: the drill view.
    pub(super) fn open_drill(&mut self) {
        self.drill.scroll = None;
        if self.drill_spec().is_none() {
            self.set_status(
                "no app has a failover section: add [app.failover] (primary, dr, health_alarm) to an [[app]] of the config",
                Severity::Warn,
            );
            return;
        }
        self.view = View::Drill;
    }

    pub(super) fn drill_active(&self) -> bool {
        self.drill
            .state
            .as_ref()
            .is_some_and(|d| d.phase != Phase::Finished)
    }

    /// How far the operator scrolled the drill view, if they did.
    pub fn drill_scroll(&self) -> Option<usize> {
        self.drill.scroll
    }

    /// The keymap's movement keys scroll the drill view (at 80x24 the plan is longer than it).
    fn scroll_drill(&mut self, action: Action) -> bool {
        let max = self.drawn.drill_max.unwrap_or(0);
        let page = usize::from(self.size.1.saturating_sub(6)).max(1);
        let now = self
            .drill
            .scroll
            .unwrap_or(if self.drill_active() { max } else { 0 });
        let to = match action {
            Action::Down => now + 1,
            Action::Up => now.saturating_sub(1),
            Action::PageDown => now + page,
            Action::PageUp => now.saturating_sub(page),
            Action::Top => 0,
            Action::Bottom => max,
            _ => return false,
        };
        self.drill.scroll = Some(to.min(max));
        true
    }

    /// Keys in the drill view; `None` lets the keymap have the key.
    pub(super) fn on_drill_view_key(&mut self, ev: &KeyEvent) -> Option<Vec<Effect>> {
        let key = crate::action::Key::from_event(ev);
        let here = self.settings.keymap.action_in(Mode::Drill, &key);
        if here.is_none()
            && let Some(a) = self.settings.keymap.action(&key)
            && self.scroll_drill(a)
        {
            return Some(vec![]);
        }
        match here? {
            Action::PlanExec(k) => Some(self.on_plan_key(k)),
            Action::DrillStart => {
                if self.drill_active() {
                    self.set_status("a drill is already under way", Severity::Info);
                    return Some(vec![]);
                }
                let spec = self.drill_spec()?.clone();
                if let Some(why) = self.drill.blocked.clone() {
                    self.set_status(format!("no new drill: {why}"), Severity::Crit);
                    return Some(vec![]);
                }
                if self.read_only() {
                    self.set_status(
                        format!(
                            "read-only ({}): the drill's preflight and plan are shown; it cannot start",
                            self.read_only_why()
                        ),
                        Severity::Warn,
                    );
                    let plan = Plan {
                        kind: OpKind::Drill,
                        account: self.info.account.clone(),
                        region: spec.primary.clone(),
                        target: crate::ops::Target::App(spec.app.clone()),
                        summary: format!("drill {}", spec.app),
                        params: vec![("step".into(), "Start".into())],
                        steps: Vec::new(),
                        confirm: Confirm::TypeName(spec.app.clone()),
                        warning: None,
                        leaves: None,
                    };
                    return Some(vec![self.refused(plan)]);
                }
                let pre = self.drill_preflight()?;
                if !pre.ok() {
                    let why: Vec<String> = pre
                        .checks
                        .iter()
                        .filter(|c| !c.ok)
                        .map(|c| c.text.clone())
                        .collect();
                    self.set_status(
                        format!("preflight blocks the drill: {}", why.join("; ")),
                        Severity::Crit,
                    );
                    return Some(vec![]);
                }
                self.drill_confirm(DrillAction::Start);
                Some(vec![])
            }
            Action::DrillFailback => {
                if let Some(why) = self.drill_not_here() {
                    self.set_status(why, Severity::Warn);
                    return Some(vec![]);
                }
                match self.drill.state.as_ref().map(|d| d.phase) {
                    Some(Phase::Done | Phase::Failed) => self.drill_confirm(DrillAction::Failback),
                    _ => self.set_status(
                        "failback applies once a drill is done or has failed",
                        Severity::Info,
                    ),
                }
                Some(vec![])
            }
            Action::DrillNextApp if !self.drill_active() && self.settings.drill_specs.len() > 1 => {
                self.drill.choice = (self.drill.choice + 1) % self.settings.drill_specs.len();
                Some(vec![])
            }
            Action::DrillAbort
                if self.drill.state.as_ref().map(|d| d.phase) == Some(Phase::Running)
                    && self.drill_not_here().is_none() =>
            {
                self.drill_confirm(DrillAction::Abort);
                Some(vec![])
            }
            _ => None,
        }
    }

    fn drill_confirm(&mut self, action: DrillAction) {
        self.overlay = Overlay::DrillConfirm {
            action,
            typed: TextInput::new(TYPED_MAX),
            error: None,
        };
    }

    /// Keys in a drill confirmation.
    pub(super) fn on_drill_confirm_key(
        &mut self,
        ev: &KeyEvent,
        action: DrillAction,
        mut typed: TextInput,
    ) -> Vec<Effect> {
        let Some(name) = self.drill_spec().map(|s| s.app.clone()) else {
            self.overlay = Overlay::None;
            return vec![];
        };
        let confirmed = match (action, ev.code) {
            (DrillAction::Abort, KeyCode::Char('y')) | (_, KeyCode::Enter)
                if !self.drawn.confirm_whole =>
            {
                let why = super::cut_off(self.size);
                self.set_status(why.clone(), Severity::Warn);
                self.overlay = Overlay::DrillConfirm {
                    action,
                    typed,
                    error: Some(why),
                };
                return vec![];
            }
            (DrillAction::Abort, KeyCode::Char('y')) => true,
            (DrillAction::Abort, KeyCode::Esc | KeyCode::Char('n')) | (_, KeyCode::Esc) => {
                self.overlay = Overlay::None;
                self.set_status("nothing changed", Severity::Info);
                return vec![];
            }
            (DrillAction::Abort, _) => {
                self.overlay = Overlay::DrillConfirm {
                    action,
                    typed,
                    error: Some({
                        let pk = self.settings.keymap.prompt_keys();
                        format!(
                            "{} aborts and rolls back the steps done; {} or {} continues",
                            pk.yes, pk.no, pk.cancel
                        )
                    }),
                };
                return vec![];
            }
            (_, KeyCode::Enter) => typed == name,
            _ => {
                typed.on_key(ev);
                false
            }
        };
        if !confirmed {
            let error = (ev.code == KeyCode::Enter)
                .then(|| format!("type the app's name exactly ({name}) and Enter, or Esc"));
            self.overlay = Overlay::DrillConfirm {
                action,
                typed,
                error,
            };
            return vec![];
        }
        self.overlay = Overlay::None;
        match action {
            DrillAction::Start => self.start_drill(),
            DrillAction::Failback | DrillAction::Abort => self.roll_back_drill(),
            DrillAction::Resume => self.resume_drill(),
        }
    }

    /// What the files of a drill driven elsewhere say now: its progress while the driver
    /// lives; when the driver has gone (its process ended, or not seen for a minute), the drill
    /// is offered here to resume or roll back, as one found at start; when the file is gone,
    /// the drill is over.
    pub(super) fn on_drill_watched(
        &mut self,
        state: Result<Option<Box<DrillState>>, String>,
        holder: Option<drill::Holder>,
    ) {
        let Some(was) = self.drill.elsewhere.clone() else {
            return;
        };
        match (state, holder) {
            (Err(e), _) => self.set_status(
                format!("the drill driven by {was} cannot be read: {e}"),
                Severity::Warn,
            ),
            (Ok(None), _) => {
                let app = self
                    .drill
                    .state
                    .as_ref()
                    .map_or_else(String::new, |d| format!(" of {}", d.spec.app));
                self.set_status(
                    format!("the drill{app} driven by {was} is over: its state file is gone"),
                    Severity::Info,
                );
                self.drill.elsewhere = None;
                self.drill.blocked = None;
                self.drill.state = None;
            }
            (Ok(Some(state)), Some(h)) if h.alive() && h != drill::Holder::me() => {
                self.drill.elsewhere = Some(h.describe());
                self.drill.state = Some(*state);
            }
            (Ok(Some(state)), holder) => {
                let who = holder.map_or(was, |h| h.describe());
                let ended = format!(
                    "the console that drove the drill of {} has ended ({who})",
                    state.spec.app
                );
                self.drill.elsewhere = None;
                self.drill.found = Some(FoundDrill::State(state));
                self.settle_found_drill();
                // What the offer says follows what happened.
                let offer = self.status.take().map(|(m, _)| m).unwrap_or_default();
                self.set_status(format!("{ended}; {offer}"), Severity::Warn);
            }
        }
    }

    /// Why this console may not change the drill it shows: read-only, or another console
    /// drives it.
    pub fn drill_not_here(&self) -> Option<String> {
        if let Some(h) = &self.drill.elsewhere {
            return Some(format!("driven by {h}: this console only watches it"));
        }
        self.read_only().then(|| {
            format!(
                "read-only ({}): the drill is shown; it cannot be resumed or rolled back here",
                self.read_only_why()
            )
        })
    }

    /// Offers the drill found on disk, if the connection is up: resume or roll back when it is
    /// this account's and matches the config; else says why it is left alone. Until it is
    /// settled, no new drill can start (it would record the DR capacity the old one scaled up
    /// as its "before").
    pub(super) fn settle_found_drill(&mut self) {
        if self.info.connection != crate::source::Connection::Connected {
            if self.drill.found.is_some() {
                self.drill.blocked = Some(format!(
                    "a drill recorded in {} waits for the connection to be checked",
                    self.settings.drill_file
                ));
            }
            return;
        }
        let Some(found) = self.drill.found.take() else {
            return;
        };
        let file = self.settings.drill_file.clone();
        self.drill.blocked = None;
        match found {
            FoundDrill::Unreadable(why) => {
                let msg = format!(
                    "the drill state {file} cannot be read ({why}): nothing was done; move it aside to start a new drill"
                );
                self.set_status(msg.clone(), Severity::Crit);
                self.drill.blocked = Some(msg);
            }
            FoundDrill::Elsewhere(state, holder) => {
                self.set_status(
                    format!(
                        "a failover drill of {} is driven by {holder}: this console only shows it",
                        state.spec.app
                    ),
                    Severity::Warn,
                );
                self.drill.blocked = Some(format!("a drill is driven by {holder}"));
                self.drill.elsewhere = Some(holder);
                self.drill.state = Some(*state);
                self.view = View::Drill;
            }
            FoundDrill::State(state) if state.account != self.info.account => {
                let msg = format!(
                    "a drill of account {} is recorded in {file}, not this account ({}): left alone; finish it from that account or move the file aside",
                    state.account, self.info.account
                );
                self.set_status(msg.clone(), Severity::Warn);
                self.drill.blocked = Some(msg);
            }
            FoundDrill::State(state) => match state.validate(&self.settings.drill_specs) {
                Err(why) => {
                    let msg = format!(
                        "the drill state {file} is refused: {why}; nothing was done. Move it aside to start a new drill"
                    );
                    self.set_status(msg.clone(), Severity::Crit);
                    self.drill.blocked = Some(msg);
                }
                Ok(()) => self.offer_drill(*state),
            },
        }
    }

    /// Resumes a drill found on disk. A drill that had scaled the DR region re-applies the
    /// scale-up first (idempotent: only what is below its target now), so a capacity lost while
    /// no console watched is restored before the wait.
    fn resume_drill(&mut self) -> Vec<Effect> {
        let now = self.now;
        let Some(d) = self.drill.state.as_mut() else {
            return vec![];
        };
        d.note(format!("{} resumed", now.hms()));
        let again = d.current.take();
        if d.phase == Phase::Running && (d.done.contains(&StepKind::ScaleDr) || again.is_some()) {
            d.done.retain(|s| *s != StepKind::ScaleDr);
            return self.run_drill_step(StepKind::ScaleDr);
        }
        match (d.phase, again) {
            (Phase::Running | Phase::RollingBack, Some(s)) => self.run_drill_step(s),
            (Phase::Running | Phase::RollingBack, None) => self.next_drill_step(),
            _ => vec![],
        }
    }

    fn start_drill(&mut self) -> Vec<Effect> {
        let (Some(spec), Some(pre)) = (self.drill_spec().cloned(), self.drill_preflight()) else {
            return vec![];
        };
        let mut d = DrillState::new(spec, &self.info.account, &pre, self.now.0);
        d.note(format!("{} drill started", self.now.hms()));
        self.drill.state = Some(d);
        self.view = View::Drill;
        self.run_drill_step(StepKind::ScaleDr)
    }

    /// Failback, or abort: restore what the drill did, alarm first.
    fn roll_back_drill(&mut self) -> Vec<Effect> {
        if self.drill.op.is_some() {
            // A step's call is in flight: roll back when it ends.
            self.drill.abort = true;
            self.set_status("rolling back once the current call ends", Severity::Warn);
            return vec![];
        }
        let now = self.now;
        let Some(d) = self.drill.state.as_mut() else {
            return vec![];
        };
        // A step that was under way may have made its call (a session dropped mid-step): restore
        // it too; every restore is idempotent.
        if let Some(s) = d.current.take()
            && matches!(s, StepKind::ScaleDr | StepKind::SwitchTraffic)
            && !d.done.contains(&s)
        {
            d.done.push(s);
        }
        d.phase = Phase::RollingBack;
        d.note(format!("{} rolling back", now.hms()));
        self.next_drill_step()
    }

    /// Starts a step: its plan goes to the executor, or (waiting, verifying) the polls decide.
    fn run_drill_step(&mut self, step: StepKind) -> Vec<Effect> {
        let now = self.now;
        let Some(d) = self.drill.state.as_mut() else {
            return vec![];
        };
        d.current = Some(step);
        d.step_started_ms = now.0;
        d.note(format!("{} {}", now.hms(), step.title()));
        let mut effects = vec![Effect::SaveDrill(Some(Box::new(d.clone())))];
        let dr_capacity = self
            .store
            .region(&d.spec.dr)
            .and_then(|r| r.capacity.as_ref());
        let plan = match step {
            StepKind::ScaleDr => Some(d.scale_plan(dr_capacity)),
            _ => d.step_plan(step),
        };
        match plan {
            Some(plan) if plan.steps.is_empty() => {
                effects.extend(self.finish_drill_step(true, "nothing to change", Some(plan)));
            }
            Some(plan) => {
                // The call goes out once the state that records it is on disk.
                self.drill.unsaved = Some(plan);
            }
            None => effects.extend(self.check_drill()),
        }
        effects
    }

    /// The drill's state was written (or not): a step's call waits for this. A drill whose
    /// state cannot be saved does not go forward (a crash could not be resumed or rolled back);
    /// restoring goes on whatever happens, since it is what puts the estate back.
    pub(super) fn on_drill_saved(&mut self, saved: &Result<(), String>) -> Vec<Effect> {
        let pending = self.drill.unsaved.take();
        let forward = self
            .drill
            .state
            .as_ref()
            .is_some_and(|d| d.phase == Phase::Running);
        if let Err(why) = saved {
            if forward {
                let started = self
                    .drill
                    .state
                    .as_ref()
                    .is_some_and(|d| !d.done.is_empty());
                if started {
                    if let Some(d) = self.drill.state.as_mut() {
                        d.current = None;
                        d.phase = Phase::Failed;
                        d.error = Some(format!("the drill state cannot be saved: {why}"));
                    }
                    self.set_status(
                        format!("drill stopped: its state cannot be saved ({why}); B rolls back what was done"),
                        Severity::Crit,
                    );
                } else {
                    self.drill.state = None;
                    self.set_status(
                        format!("the drill did not start: its state cannot be saved ({why}); nothing was sent"),
                        Severity::Crit,
                    );
                }
                return vec![];
            }
            if self.drill.state.is_some() {
                self.set_status(
                    format!("the drill state cannot be saved ({why}); restoring goes on"),
                    Severity::Crit,
                );
            }
        }
        let Some(plan) = pending else {
            return vec![];
        };
        let (id, effect) = self.launch(Pane::Capacity, plan);
        self.drill.op = Some(id);
        vec![effect]
    }

    /// A drill step's call ended.
    pub(super) fn on_drill_op_done(&mut self, ok: bool, message: &str) -> Vec<Effect> {
        self.drill.op = None;
        self.finish_drill_step(ok, message, None)
    }

    /// Records the end of the current step; on success moves to the next.
    fn finish_drill_step(&mut self, ok: bool, message: &str, audit: Option<Plan>) -> Vec<Effect> {
        let now = self.now;
        let Some(d) = self.drill.state.as_mut() else {
            return vec![];
        };
        let Some(step) = d.current.take() else {
            return vec![];
        };
        let mut effects = Vec::new();
        if let Some(plan) = audit {
            effects.push(Effect::RecordUnexecuted {
                plan: Box::new(plan),
                outcome: if ok {
                    crate::ops::audit::AuditOutcome::Ok
                } else {
                    crate::ops::audit::AuditOutcome::Failed
                },
                reason: message.to_owned(),
            });
        }
        if ok {
            d.done.push(step);
            d.note(format!("{} done: {}", now.hms(), step.title()));
        } else {
            d.error = Some(message.to_owned());
            d.phase = Phase::Failed;
            d.note(format!(
                "{} FAILED: {} ({message})",
                now.hms(),
                step.title()
            ));
            effects.push(Effect::SaveDrill(Some(Box::new(d.clone()))));
            self.drill.abort = false;
            self.set_status(
                format!("drill step failed: {message}; B rolls back what was done"),
                Severity::Crit,
            );
            return effects;
        }
        if self.drill.abort {
            self.drill.abort = false;
            if let Some(d) = self.drill.state.as_mut() {
                d.phase = Phase::RollingBack;
            }
        }
        effects.extend(self.next_drill_step());
        effects
    }

    /// Runs the next step of the drill or of its roll back, or ends it.
    fn next_drill_step(&mut self) -> Vec<Effect> {
        let Some(d) = self.drill.state.as_mut() else {
            return vec![];
        };
        match d.phase {
            Phase::Running => match d.next_drill_step() {
                Some(s) => self.run_drill_step(s),
                None => vec![Effect::SaveDrill(Some(Box::new(d.clone())))],
            },
            Phase::RollingBack => {
                if let Some(s) = d.restore_steps().first() {
                    return self.run_drill_step(*s);
                }
                d.phase = Phase::Finished;
                d.note(format!(
                    "{} rolled back: everything done was restored",
                    self.now.hms()
                ));
                self.set_status(
                    "failback complete: DR capacities restored, health alarm OK",
                    Severity::Ok,
                );
                vec![Effect::SaveDrill(None)]
            }
            _ => vec![Effect::SaveDrill(Some(Box::new(d.clone())))],
        }
    }

    /// The waiting and verifying steps, on every poll and tick: DR healthy enough, or timed out.
    pub(super) fn check_drill(&mut self) -> Vec<Effect> {
        let Some(d) = self.drill.state.as_ref() else {
            return vec![];
        };
        if d.phase == Phase::Done {
            return self.keep_verifying();
        }
        let step = match d.current {
            Some(s @ (StepKind::WaitHealthy | StepKind::Verify)) if d.phase == Phase::Running => s,
            _ => return vec![],
        };
        let spec = d.spec.clone();
        let groups = self
            .store
            .region(&spec.dr)
            .and_then(|r| r.targets.as_deref())
            .map(|lbs| drill::group_health(&spec, lbs, &d.target_groups));
        // The simulated switch is in effect: the health alarm is in ALARM since the switch.
        let switched = self.switch_holds();
        let now = self.now;
        let Some(d) = self.drill.state.as_mut() else {
            return vec![];
        };
        if let Some(g) = groups {
            d.dr_healthy = g.iter().map(|x| x.1).sum();
            d.dr_by_group = g;
        }
        let waited = now.secs_since(Timestamp(d.step_started_ms));
        let plan = d.step_record(step);
        let short = d.short_groups();
        let serving = short.is_empty() && !d.dr_by_group.is_empty();
        if serving && (step == StepKind::WaitHealthy || switched.is_ok()) {
            let msg = format!(
                "{} serving ({}) after {waited:.0} s",
                spec.dr,
                d.serving_text()
            );
            if step == StepKind::Verify {
                let secs = now.secs_since(Timestamp(d.started_ms));
                d.recovery_secs = Some(secs);
                d.phase = Phase::Done;
                let s = secs.max(0.0).round() as u64;
                let line = format!(
                    "drill {} complete: {} serving ({}), recovery time {}m {:02}s; verified until failback; B fails back",
                    spec.app,
                    spec.dr,
                    d.serving_text(),
                    s / 60,
                    s % 60
                );
                self.set_status(line, Severity::Ok);
            }
            return self.finish_drill_step(true, &msg, Some(plan));
        }
        if waited > spec.timeout_secs as f64 {
            let msg = match (step, switched) {
                (StepKind::Verify, Err(why)) if serving => why,
                _ => format!(
                    "{} not serving after {} s: {}",
                    spec.dr,
                    spec.timeout_secs,
                    short.join(", ")
                ),
            };
            return self.finish_drill_step(false, &msg, Some(plan));
        }
        vec![]
    }

    /// Whether the simulated switch is in effect: the primary's health alarm is in ALARM since
    /// the switch step. Else why not, in words.
    fn switch_holds(&self) -> Result<(), String> {
        let Some(d) = self.drill.state.as_ref() else {
            return Err("no drill".into());
        };
        let spec = &d.spec;
        let alarm = self
            .store
            .region(&spec.primary)
            .and_then(|r| r.alarms.as_deref())
            .and_then(|a| a.iter().find(|a| a.name == spec.health_alarm));
        match alarm {
            Some(a) if a.state == crate::model::AlarmState::Alarm => Ok(()),
            Some(a) => Err(format!(
                "the simulated switch did not hold: {} is {} again since {} ({}); SetAlarmState lasts only until CloudWatch next evaluates the alarm, and the primary's data says healthy, so traffic is back on {}",
                spec.health_alarm,
                a.state.as_str(),
                a.updated_at.hms(),
                a.reason,
                spec.primary
            )),
            None => Err(format!(
                "the health alarm {} is not read in {}",
                spec.health_alarm, spec.primary
            )),
        }
    }

    /// After DONE, until failback: DR must go on serving every group and the switch must hold;
    /// either failing is the drill failing, said as such.
    fn keep_verifying(&mut self) -> Vec<Effect> {
        let Some(d) = self.drill.state.as_ref() else {
            return vec![];
        };
        let spec = d.spec.clone();
        let groups = self
            .store
            .region(&spec.dr)
            .and_then(|r| r.targets.as_deref())
            .map(|lbs| drill::group_health(&spec, lbs, &d.target_groups));
        let switched = self.switch_holds();
        let now = self.now;
        let Some(d) = self.drill.state.as_mut() else {
            return vec![];
        };
        if let Some(g) = groups {
            d.dr_healthy = g.iter().map(|x| x.1).sum();
            d.dr_by_group = g;
        }
        let short = d.short_groups();
        let why = match switched {
            Err(why) => why,
            Ok(()) if !short.is_empty() => {
                format!("{} no longer serving: {}", spec.dr, short.join(", "))
            }
            Ok(()) => return vec![],
        };
        d.phase = Phase::Failed;
        d.error = Some(why.clone());
        d.note(format!("{} FAILED after DONE: {why}", now.hms()));
        let plan = d.step_record(StepKind::Verify);
        let saved = Effect::SaveDrill(Some(Box::new(d.clone())));
        self.set_status(
            format!("drill failed: {why}; B rolls back what was done"),
            Severity::Crit,
        );
        vec![
            Effect::RecordUnexecuted {
                plan: Box::new(plan),
                outcome: crate::ops::audit::AuditOutcome::Failed,
                reason: why,
            },
            saved,
        ]
    }

    /// A drill found on disk at start: offer to resume it or roll it back.
    fn offer_drill(&mut self, state: DrillState) {
        let where_ = state
            .current
            .or_else(|| state.next_drill_step())
            .map_or("no step running", StepKind::title);
        self.set_status(
            format!(
                "a failover drill of {} was in progress ({where_}): r resumes, b rolls back, Esc leaves it",
                state.spec.app
            ),
            Severity::Warn,
        );
        self.drill.state = Some(state);
        self.view = View::Drill;
        self.overlay = Overlay::DrillResume;
    }

    pub(super) fn on_drill_resume_key(&mut self, ev: &KeyEvent) -> Vec<Effect> {
        match ev.code {
            KeyCode::Char(c @ ('r' | 'b')) => {
                if let Some(why) = self.drill_not_here() {
                    self.set_status(why, Severity::Warn);
                    return vec![];
                }
                // Like every failover step: the app's name typed, not one key.
                self.drill_confirm(if c == 'r' {
                    DrillAction::Resume
                } else {
                    DrillAction::Failback
                });
                vec![]
            }
            KeyCode::Esc => {
                self.overlay = Overlay::None;
                self.view = View::Main;
                self.set_status("the drill waits: F shows it", Severity::Warn);
                vec![]
            }
            _ => vec![],
        }
    }
}
