//! Test harness: the simulated estate on virtual time, the app, and rendering into a
//! `TestBackend`, driven exactly as the runtime drives them (same poller fetch, same effects).
#![allow(dead_code)]

use opsdash::action::Keymap;
use opsdash::app::{App, Effect, Msg};
use opsdash::model::AlarmState;
use opsdash::model::{Snapshot, Timestamp};
use opsdash::ops::audit::{AuditLog, AuditRecord};
use opsdash::ops::{Executor, Operator};
use opsdash::poller;
use opsdash::runtime::{demo_effect, op_effect};
use opsdash::source::sim::{Scenario, Sim, SimSource};
use opsdash::source::{EstateReader, EstateWriter, ServiceUpdate, SourceError};
use opsdash::theme::ThemeSet;
use opsdash::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// 2026-11-21T00:00:00Z: every test starts here.
pub const T0: Timestamp = Timestamp(1_795_219_200_000);
pub const SEED: u64 = 1;

/// The simulated estate's writer, counting every mutating call that reaches it.
#[derive(Clone)]
pub struct CountingWriter {
    pub sim: SimSource,
    pub calls: Arc<Mutex<Vec<String>>>,
}

impl CountingWriter {
    fn note(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }
}

#[async_trait::async_trait]
impl EstateWriter for CountingWriter {
    async fn set_desired_capacity(
        &self,
        region: &str,
        asg: &str,
        desired: u32,
    ) -> Result<(), SourceError> {
        self.note(format!("SetDesiredCapacity {asg} {desired}"));
        self.sim.set_desired_capacity(region, asg, desired).await
    }
    async fn update_service(&self, region: &str, u: ServiceUpdate) -> Result<(), SourceError> {
        self.note(format!("UpdateService {u:?}"));
        self.sim.update_service(region, u).await
    }
    async fn register_task_definition_with_image(
        &self,
        region: &str,
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
        region: &str,
        ids: &[String],
    ) -> Result<(), SourceError> {
        self.note(format!("StartAssociationsOnce {ids:?}"));
        self.sim.start_associations_once(region, ids).await
    }
    async fn set_alarm_state(
        &self,
        region: &str,
        alarm: &str,
        state: AlarmState,
        reason: &str,
    ) -> Result<(), SourceError> {
        self.note(format!("SetAlarmState {alarm} {}", state.as_str()));
        self.sim.set_alarm_state(region, alarm, state, reason).await
    }
}

/// A fresh directory under the system temp dir.
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "opsdash-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

pub struct Harness {
    pub sim: SimSource,
    pub app: App,
    pub effects: Vec<Effect>,
    /// Every mutating call that reached the estate.
    pub writes: Arc<Mutex<Vec<String>>>,
    pub executor: Executor,
    /// Logs reads the runtime would make after a delay: made at the next poll.
    pending_logs: Vec<Effect>,
    rt: tokio::runtime::Runtime,
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
        let sim = SimSource::new(Sim::new(scenario, SEED, T0));
        Self::build(sim, temp_dir("audit").join("audit.jsonl"), read_only)
    }

    /// A new console over the same estate and state directory: opsdash started again after it
    /// was killed. The estate keeps running; the console starts empty.
    pub fn restart(&self) -> Self {
        Self::build(
            self.sim.clone(),
            self.executor.audit_log().path().to_owned(),
            self.app.read_only,
        )
    }

    fn build(sim: SimSource, audit: std::path::PathBuf, read_only: bool) -> Self {
        let scenario = sim.lock().scenario;
        let themes = ThemeSet::built_in().expect("built-in themes parse");
        let theme = themes.get("default").expect("default theme");
        let mut app = App::new(sim.info(), Keymap::default(), themes, theme);
        app.scenario = Some(scenario);
        app.read_only = read_only;
        app.read_only_why = "--read-only".into();
        if scenario == Scenario::WarmStandby {
            app.drill_specs
                .push(opsdash::ops::drill::DrillSpec::warm_standby_demo());
        }
        let writes = Arc::new(Mutex::new(Vec::new()));
        let counting = CountingWriter {
            sim: sim.clone(),
            calls: writes.clone(),
        };
        let info = sim.info();
        let executor = Executor::new(
            Arc::new(counting),
            AuditLog::new(audit),
            read_only,
            Operator {
                user: "tester".into(),
                caller_arn: info.caller_arn,
                profile: None,
                source: info.kind,
            },
        );
        app.now = sim.now();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let mut h = Harness {
            sim,
            app,
            effects: Vec::new(),
            writes,
            executor,
            pending_logs: Vec::new(),
            rt,
        };
        h.poll();
        h
    }

    /// One poll of every pane of every region, applied to the app.
    pub fn poll(&mut self) {
        let seqs: std::collections::HashMap<String, u64> = self
            .app
            .store()
            .regions()
            .map(|(k, v)| (k.to_owned(), v.last_seq()))
            .collect();
        let msgs = self.rt.block_on(poller::poll_all(&self.sim, |r| {
            seqs.get(r).copied().unwrap_or(0)
        }));
        for m in msgs {
            self.send(m);
        }
        for e in std::mem::take(&mut self.pending_logs) {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let now = match e {
                Effect::ReadLogs {
                    read,
                    region,
                    source,
                    pattern,
                    since,
                    ..
                } => Effect::ReadLogs {
                    read,
                    region,
                    source,
                    pattern,
                    since,
                    delay: std::time::Duration::ZERO,
                },
                other => other,
            };
            self.rt
                .block_on(op_effect(&self.sim, &self.executor, now, &tx));
            drop(tx);
            while let Ok(m) = rx.try_recv() {
                self.send(m);
            }
        }
    }

    /// Advances virtual time and polls.
    pub fn advance(&mut self, secs: f64) {
        self.sim.advance(secs);
        self.app.update(Msg::Tick(self.sim.now()));
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

    pub fn send(&mut self, m: Msg) {
        let effects = self.app.update(m);
        self.apply(effects);
    }

    fn apply(&mut self, effects: Vec<Effect>) {
        for e in effects {
            for m in demo_effect(&self.sim, SEED, &e) {
                let more = self.app.update(m);
                self.apply(more);
            }
            // A Logs view's next read waits for the next poll (the runtime waits a few seconds).
            if let Effect::ReadLogs { delay, .. } = &e
                && !delay.is_zero()
            {
                self.pending_logs.push(e.clone());
                self.effects.push(e);
                continue;
            }
            if matches!(
                e,
                Effect::FetchTaskDefinition { .. }
                    | Effect::Execute { .. }
                    | Effect::RecordUnexecuted { .. }
                    | Effect::SaveDrill(_)
                    | Effect::FindLogs { .. }
                    | Effect::ReadLogs { .. }
            ) {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                self.rt
                    .block_on(op_effect(&self.sim, &self.executor, e.clone(), &tx));
                drop(tx);
                while let Ok(m) = rx.try_recv() {
                    let more = self.app.update(m);
                    self.apply(more);
                }
            }
            // As the runtime does: a refresh, or a fault injected, polls every pane at once.
            let refresh = matches!(e, Effect::RefreshAll | Effect::InjectFault(_));
            self.effects.push(e);
            if refresh {
                self.poll();
            }
        }
    }

    /// Runs a future on the harness's runtime (a writer call made behind the console's back).
    pub fn rt_block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Focuses `pane` and selects its first row whose text contains `needle`.
    pub fn select(&mut self, pane: opsdash::app::Pane, needle: &str) {
        self.ch(char::from(b'1' + pane.index() as u8));
        let rows = self.app.pane(pane).rows.clone();
        let i = rows
            .iter()
            .position(|r| self.app.row_text(*r).contains(needle))
            .unwrap_or_else(|| panic!("no row with {needle}"));
        self.app.select_row(pane, i);
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

    /// Renders at `w`×`h` into a `TestBackend`.
    pub fn terminal(&mut self, w: u16, h: u16) -> Terminal<TestBackend> {
        self.app.size = (w, h);
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
        t.draw(|f| ui::render(&self.app, f.area(), f.buffer_mut()))
            .expect("draw");
        t
    }

    /// The screen as text, one line per row.
    pub fn screen(&mut self, w: u16, h: u16) -> String {
        let t = self.terminal(w, h);
        let buf = t.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    pub fn snapshot(&self) -> Snapshot {
        self.rt.block_on(poller::snapshot(
            &self.sim,
            std::time::Duration::from_secs(30),
        ))
    }

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

    pub fn primary(&self) -> String {
        self.sim.info().regions[0].name.clone()
    }
}
