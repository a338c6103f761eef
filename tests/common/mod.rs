//! Test harness: the simulated estate on virtual time, the app, and rendering into a
//! `TestBackend`, driven exactly as the runtime drives them (same poller fetch, same effects).
#![allow(dead_code)]

#[path = "../support/scratch.rs"]
mod scratch;
pub use scratch::Scratch;

use opsdash::action::Keymap;
use opsdash::app::{App, Effect, Msg, Pane, Settings};
use opsdash::model::{AlarmState, Region};
use opsdash::model::{Snapshot, Timestamp};
use opsdash::ops::audit::{AuditLog, AuditRecord};
use opsdash::ops::{Executor, Operator};
use opsdash::poller;
use opsdash::runtime::{Console, Polling};
use opsdash::source::sim::{Scenario, Sim, SimSource};
use opsdash::source::{EstateWriter, ServiceUpdate, Source, SourceError};
use opsdash::theme::ThemeSet;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// 2026-11-21T00:00:00Z: every test starts here.
pub const T0: Timestamp = Timestamp(1_795_219_200_000);
pub const SEED: u64 = 1;

/// How the harness's writer answers: at once, after a delay (real time), or never (the call
/// reaches the estate, or not, and its answer never comes back: a console killed mid-call).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer {
    AtOnce,
    After(std::time::Duration),
    NeverAfterApplying,
    NeverBeforeApplying,
}

/// The simulated estate's writer, counting every mutating call that reaches it.
#[derive(Clone)]
pub struct CountingWriter {
    pub sim: SimSource,
    pub calls: Arc<Mutex<Vec<String>>>,
    pub answer: Arc<Mutex<Answer>>,
}

impl CountingWriter {
    fn note(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }

    /// Before a call: waits as `answer` says; `false` when the call must never reach the estate.
    async fn before(&self) {
        let answer = *self.answer.lock().unwrap();
        match answer {
            Answer::After(d) => tokio::time::sleep(d).await,
            Answer::NeverBeforeApplying => std::future::pending::<()>().await,
            _ => {}
        }
    }

    /// After a call reached the estate: never answers when `answer` says so.
    async fn after<T>(&self, r: T) -> T {
        let answer = *self.answer.lock().unwrap();
        if answer == Answer::NeverAfterApplying {
            std::future::pending::<()>().await;
        }
        r
    }
}

#[async_trait::async_trait]
impl EstateWriter for CountingWriter {
    fn clock(&self) -> Timestamp {
        self.sim.now()
    }

    async fn set_desired_capacity(
        &self,
        region: &Region,
        asg: &str,
        desired: u32,
    ) -> Result<(), SourceError> {
        self.before().await;
        self.note(format!("SetDesiredCapacity {asg} {desired}"));
        let r = self.sim.set_desired_capacity(region, asg, desired).await;
        self.after(r).await
    }
    async fn update_service(&self, region: &Region, u: ServiceUpdate) -> Result<(), SourceError> {
        self.before().await;
        self.note(format!("UpdateService {u:?}"));
        let r = self.sim.update_service(region, u).await;
        self.after(r).await
    }
    async fn register_task_definition_with_image(
        &self,
        region: &Region,
        td: &str,
        container: &str,
        image: &str,
    ) -> Result<String, SourceError> {
        self.note(format!("RegisterTaskDefinition {td} {container} {image}"));
        self.sim
            .register_task_definition_with_image(region, td, container, image)
            .await
    }
    async fn start_associations_once(
        &self,
        region: &Region,
        ids: &[String],
    ) -> Result<(), SourceError> {
        self.note(format!("StartAssociationsOnce {ids:?}"));
        self.sim.start_associations_once(region, ids).await
    }
    async fn set_alarm_state(
        &self,
        region: &Region,
        alarm: &str,
        state: AlarmState,
        reason: &str,
    ) -> Result<(), SourceError> {
        self.note(format!("SetAlarmState {alarm} {}", state.as_str()));
        self.sim.set_alarm_state(region, alarm, state, reason).await
    }
    async fn start_zonal_shift(
        &self,
        region: &Region,
        shift: &opsdash::source::ZonalShiftStart,
    ) -> Result<String, SourceError> {
        self.before().await;
        self.note(format!(
            "StartZonalShift {} {} {}",
            shift.resource, shift.away_from, shift.expires_in
        ));
        let r = self.sim.start_zonal_shift(region, shift).await;
        self.after(r).await
    }
    async fn update_zonal_shift(
        &self,
        region: &Region,
        id: &str,
        expires_in: &str,
        comment: &str,
    ) -> Result<(), SourceError> {
        self.note(format!("UpdateZonalShift {id} {expires_in}"));
        self.sim
            .update_zonal_shift(region, id, expires_in, comment)
            .await
    }
    async fn cancel_zonal_shift(&self, region: &Region, id: &str) -> Result<(), SourceError> {
        self.note(format!("CancelZonalShift {id}"));
        self.sim.cancel_zonal_shift(region, id).await
    }
    async fn start_plan_execution(
        &self,
        region: &Region,
        start: &opsdash::source::PlanExecutionStart,
    ) -> Result<String, SourceError> {
        self.note(format!(
            "StartPlanExecution {region} {} {} {}",
            start.action.as_str(),
            start.target_region,
            start.mode.as_str()
        ));
        self.sim.start_plan_execution(region, start).await
    }
    async fn change_plan_execution(
        &self,
        region: &Region,
        change: &opsdash::source::PlanExecutionChange,
    ) -> Result<(), SourceError> {
        self.note(format!(
            "ChangePlanExecution {region} {} {:?}",
            change.execution, change.change
        ));
        self.sim.change_plan_execution(region, change).await
    }
}

/// Polling done by the test: a refresh the console asks for is counted, and the harness polls;
/// a read of one pane is queued, and the harness reads it.
struct ManualPolling(Arc<AtomicUsize>, Arc<Mutex<Vec<(Region, Pane)>>>);

impl Polling for ManualPolling {
    fn refresh_all(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    fn read_now(&mut self, region: &Region, pane: Pane) {
        self.1.lock().unwrap().push((region.clone(), pane));
    }
    fn set_paused(&mut self, _paused: bool) {}
    fn restart(&mut self) {}
}

/// The console as the runtime runs it ([`Console`]: every message through `update`, every effect
/// carried out, frames drawn), on a `TestBackend`, over the simulated estate on virtual time:
/// the test polls (every pane of every region at once) and advances the clock.
pub struct Harness {
    pub sim: SimSource,
    console: Console<TestBackend>,
    /// Every effect the console carried out.
    pub effects: Vec<Effect>,
    /// Every mutating call that reached the estate.
    pub writes: Arc<Mutex<Vec<String>>>,
    /// How the writer answers (change it to make calls slow, or never answer).
    pub answer: Arc<Mutex<Answer>>,
    pub executor: Arc<Executor>,
    /// Refreshes the console asked for, not yet polled.
    refreshes: Arc<AtomicUsize>,
    /// Reads of one pane the console asked for, not yet read.
    reads: Arc<Mutex<Vec<(Region, Pane)>>>,
    /// Leaves the reads of one pane the console asks for unanswered (a read under way), until
    /// [`Harness::read_asked`].
    pub hold_reads: bool,
    rt: tokio::runtime::Runtime,
    /// The directory of the audit log, removed when the last console using it is dropped.
    scratch: Arc<Scratch>,
}

impl Harness {
    pub fn new(scenario: Scenario) -> Self {
        Self::with_mode(scenario, false)
    }

    /// A harness whose app and executor are read-only (as `--read-only` makes them).
    pub fn read_only(scenario: Scenario) -> Self {
        Self::with_mode(scenario, true)
    }

    fn with_mode(scenario: Scenario, read_only: bool) -> Self {
        Self::with_settings(scenario, read_only, |_| {})
    }

    /// A harness whose settings `configure` changes before the console starts (apps, say).
    pub fn with_settings(
        scenario: Scenario,
        read_only: bool,
        configure: impl FnOnce(&mut Settings),
    ) -> Self {
        let sim = SimSource::new(Sim::new(scenario, SEED, T0));
        Self::build(sim, Arc::new(Scratch::new("audit")), read_only, configure)
    }

    /// A new console over the same estate and state directory: opsdash started again after it
    /// was killed. The estate keeps running; the console starts empty.
    pub fn restart(&self) -> Self {
        Self::build(
            self.sim.clone(),
            self.scratch.clone(),
            self.app().settings().read_only,
            |_| {},
        )
    }

    fn build(
        sim: SimSource,
        scratch: Arc<Scratch>,
        read_only: bool,
        configure: impl FnOnce(&mut Settings),
    ) -> Self {
        Self::build_with(sim, scratch, read_only, configure, None)
    }

    /// A harness whose executor takes its team leases from `leases`.
    pub fn with_leases(scenario: Scenario, leases: Arc<dyn opsdash::team::Leases>) -> Self {
        let sim = SimSource::new(Sim::new(scenario, SEED, T0));
        Self::build_with(
            sim,
            Arc::new(Scratch::new("leases")),
            false,
            |_| {},
            Some(leases),
        )
    }

    fn build_with(
        sim: SimSource,
        scratch: Arc<Scratch>,
        read_only: bool,
        configure: impl FnOnce(&mut Settings),
        leases: Option<Arc<dyn opsdash::team::Leases>>,
    ) -> Self {
        let scenario = sim.lock().scenario;
        let themes = ThemeSet::built_in().expect("built-in themes parse");
        let theme = themes.get("default").expect("default theme");
        let mut settings = Settings::new(Keymap::default(), themes);
        settings.read_only = read_only;
        settings.read_only_why = "--read-only".into();
        if scenario == Scenario::WarmStandby {
            settings
                .drill_specs
                .push(opsdash::ops::drill::DrillSpec::warm_standby_demo());
        }
        configure(&mut settings);
        let accounts = settings.accounts.clone();
        let app = App::new(sim.info(), settings, theme)
            .with_demo(scenario.name(), opsdash::source::sim::scenario_names());
        let writes = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(Mutex::new(Answer::AtOnce));
        let counting = CountingWriter {
            sim: sim.clone(),
            calls: writes.clone(),
            answer: answer.clone(),
        };
        let info = sim.info();
        let executor = Arc::new(
            Executor::new(
                Arc::new(counting),
                AuditLog::new(scratch.path().join("audit.jsonl")),
                read_only,
                Operator {
                    user: "tester".into(),
                    caller_arn: info.caller_arn,
                    profile: None,
                    source: info.kind,
                },
            )
            .for_estate(info.estate)
            .with_accounts(accounts),
        );
        let executor = match leases {
            Some(l) => Arc::new(
                Arc::try_unwrap(executor)
                    .unwrap_or_else(|_| unreachable!("just built"))
                    .with_leases(l),
            ),
            None => executor,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let refreshes = Arc::new(AtomicUsize::new(0));
        let reads = Arc::new(Mutex::new(Vec::new()));
        let polling = (refreshes.clone(), reads.clone());
        let mut console = rt.block_on(async {
            Console::new(
                app,
                TestBackend::new(80, 24),
                Arc::new(sim.clone()),
                executor.clone(),
                Some((sim.clone(), SEED)),
                |_| Box::new(ManualPolling(polling.0, polling.1)),
            )
        });
        console.record_effects();
        let mut h = Harness {
            sim,
            console,
            effects: Vec::new(),
            writes,
            answer,
            executor,
            refreshes,
            reads,
            hold_reads: false,
            rt,
            scratch,
        };
        let now = h.sim.now();
        h.send(Msg::Tick(now));
        h.poll();
        h
    }

    /// The console's state.
    pub fn app(&self) -> &App {
        self.console.app()
    }

    /// The console's settings, changed between frames.
    pub fn settings_mut(&mut self) -> &mut Settings {
        self.console.app_mut().settings_mut()
    }

    /// Frames the console has rendered.
    pub fn renders(&self) -> u64 {
        self.console.renders()
    }

    /// Runs the console's own loop ([`Console::run`], its first frame included) beside
    /// `driver`, which is given the console's sender, on paused time, until the console quits;
    /// the frames rendered meanwhile.
    pub fn run_beside<F: std::future::Future<Output = ()>>(
        &mut self,
        driver: impl FnOnce(tokio::sync::mpsc::UnboundedSender<Msg>) -> F,
    ) -> u64 {
        let before = self.renders();
        let tx = self.console.sender();
        let console = &mut self.console;
        self.rt.block_on(async move {
            tokio::time::pause();
            let (ran, ()) = tokio::join!(console.run(), driver(tx));
            ran.expect("the console ran");
        });
        self.renders() - before
    }

    /// Whether a key asked the console to quit.
    pub fn quit_asked(&self) -> bool {
        self.console.quitting()
    }

    /// One poll of every pane of every region, queued for the console as the pollers send
    /// them, and applied in one turn; then the Logs reads that were waiting for their time.
    pub fn poll(&mut self) {
        let msgs = self.poll_messages();
        let tx = self.console.sender();
        for m in msgs {
            let _ = tx.send(m);
        }
        self.turn(None);
        {
            let _in_runtime = self.rt.enter();
            self.console.fire_all_delayed();
        }
        self.settle();
    }

    /// What one poll of every pane of every region reads, not yet sent to the console.
    pub fn poll_messages(&mut self) -> Vec<Msg> {
        // Every pane is read: the reads of one pane asked for are answered too.
        self.reads.lock().unwrap().clear();
        let seqs: std::collections::HashMap<Region, u64> = self
            .app()
            .store()
            .regions()
            .map(|(k, v)| (k.clone(), v.last_seq()))
            .collect();
        self.rt.block_on(poller::poll_all(&self.sim, |r| {
            seqs.get(r).copied().unwrap_or(0)
        }))
    }

    /// The frame the console last wrote to its screen, as text.
    pub fn written(&self) -> String {
        text(self.console.screen().buffer())
    }

    /// Advances virtual time and polls.
    pub fn advance(&mut self, secs: f64) {
        self.sim.advance(secs);
        let now = self.sim.now();
        self.send(Msg::Tick(now));
        self.poll();
    }

    /// Advances in steps of `step` seconds until `cond` holds or `limit` seconds pass; returns
    /// the seconds it took.
    pub fn advance_until(
        &mut self,
        limit: f64,
        step: f64,
        mut cond: impl FnMut(&Self) -> bool,
    ) -> Option<f64> {
        let mut t = 0.0;
        while t < limit {
            self.advance(step);
            t += step;
            if cond(self) {
                return Some(t);
            }
        }
        None
    }

    /// A message to the console, applied with everything it leads to: its effects, their
    /// answers, and the polls the console asks for.
    pub fn send(&mut self, m: Msg) {
        self.turn(Some(m));
        self.settle();
    }

    fn turn(&mut self, m: Option<Msg>) {
        self.rt
            .block_on(self.console.turn(m))
            .expect("a TestBackend never fails");
        self.effects.extend(self.console.take_effects());
    }

    /// Until nothing is left to do: the background effects end and their answers are applied;
    /// a refresh the console asked for is a poll.
    fn settle(&mut self) {
        // A console that quits stops reading its messages (the runtime's loop ends).
        while !self.console.quitting() {
            if *self.answer.lock().unwrap() == Answer::AtOnce {
                self.rt.block_on(self.console.idle());
            } else {
                // A call that answers late or never: what has ended by now is applied.
                let idle = self.console.idle();
                let _ = self.rt.block_on(async {
                    tokio::time::timeout(std::time::Duration::from_millis(300), idle).await
                });
            }
            if self.console.has_queued() {
                self.turn(None);
            } else if self.refreshes.swap(0, Ordering::Relaxed) > 0 {
                self.poll();
            } else if !self.hold_reads && !self.reads.lock().unwrap().is_empty() {
                self.read_asked();
            } else {
                return;
            }
        }
    }

    /// Reads the panes the console asked to read now, as their pollers would, and applies them.
    pub fn read_asked(&mut self) {
        let asked = std::mem::take(&mut *self.reads.lock().unwrap());
        for (region, pane) in asked {
            let after = self
                .app()
                .store()
                .region(&region)
                .map_or(0, opsdash::app::RegionData::last_seq);
            let m = self
                .rt
                .block_on(poller::fetch(&self.sim, &region, pane, after));
            self.turn(Some(m));
        }
        self.settle();
    }

    /// The reads of one pane the console asked for and the harness has not made.
    pub fn reads_asked(&self) -> Vec<(Region, Pane)> {
        self.reads.lock().unwrap().clone()
    }

    /// Quits (Ctrl-C, as SIGTERM arrives) and lets the console wait up to `grace` for the
    /// operations in flight, as the binary does; returns what it says of them.
    pub fn quit_and_finish(&mut self, grace: std::time::Duration) -> Vec<String> {
        self.send(Msg::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        )));
        self.rt.block_on(self.console.finish(grace))
    }

    /// Runs a future on the harness's runtime (a writer call made behind the console's back).
    pub fn rt_block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Focuses `pane` and selects its first row whose text contains `needle` (moving there with
    /// the keys, as an operator does).
    pub fn select(&mut self, pane: opsdash::app::Pane, needle: &str) {
        self.ch(char::from(b'1' + pane.index() as u8));
        let rows = self.app().pane(pane).rows.clone();
        let i = rows
            .iter()
            .position(|r| self.app().row_text(pane, *r).contains(needle))
            .unwrap_or_else(|| panic!("no row with {needle}"));
        self.key(KeyCode::Home);
        for _ in 0..i {
            self.key(KeyCode::Down);
        }
        assert_eq!(self.app().pane(pane).selected, i, "selected {needle}");
    }

    /// A palette command, typed and run (`:theme light`).
    pub fn command(&mut self, line: &str) {
        self.ch(':');
        self.type_str(line);
        self.key(KeyCode::Enter);
    }

    pub fn key(&mut self, code: KeyCode) {
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn ch(&mut self, c: char) {
        self.key(KeyCode::Char(c));
    }

    pub fn type_str(&mut self, s: &str) {
        for c in s.chars() {
            self.ch(c);
        }
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        self.send(Msg::Resize(w, h));
    }

    /// The screen at `w`×`h`: the terminal resized to it, and the console's frame as drawn.
    pub fn terminal(&mut self, w: u16, h: u16) -> Terminal<TestBackend> {
        self.send(Msg::Resize(w, h));
        // A setting changed between frames is no message: draw whatever differs.
        self.console.draw().expect("a TestBackend never fails");
        Terminal::new(self.console.screen().clone()).expect("test terminal")
    }

    /// The screen as text, one line per row.
    pub fn screen(&mut self, w: u16, h: u16) -> String {
        text(self.terminal(w, h).backend().buffer())
    }

    pub fn snapshot(&self) -> Snapshot {
        self.rt.block_on(poller::snapshot(
            &self.sim,
            std::time::Duration::from_secs(30),
        ))
    }

    /// A fault injected behind the console's back, then a poll.
    pub fn inject(&mut self, f: &opsdash::source::sim::Fault) {
        self.sim.lock().inject(f).expect("fault injects");
        self.poll();
    }

    /// The audit log's records, in order.
    pub fn audit(&self) -> Vec<AuditRecord> {
        self.executor
            .audit_log()
            .read()
            .expect("audit log reads")
            .into_iter()
            .map(|r| r.expect("audit line parses"))
            .collect()
    }

    /// Mutating calls that reached the estate so far.
    /// Runs a future on the harness's runtime (an executor call made directly, say).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    pub fn write_count(&self) -> usize {
        self.writes.lock().unwrap().len()
    }

    /// Whether the primary region's first ECS service has one deployment, completed, running
    /// `running` tasks.
    pub fn rollout_settled(&self, running: u32) -> bool {
        let s = self.snapshot();
        let svc = &s.regions[0].ecs_services[0];
        svc.deployments.len() == 1
            && svc.deployments[0].rollout_state == opsdash::model::RolloutState::Completed
            && svc.running == running
    }

    pub fn primary(&self) -> Region {
        self.sim.info().regions[0].name.clone()
    }
}

/// A region of the tests' estates, by name.
pub fn region(name: &str) -> Region {
    Region::new(name).expect("a region name")
}

/// A buffer as text, one line per row.
fn text(buf: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
