//! Test harness: the simulated estate on virtual time, the app, and rendering into a
//! `TestBackend`, driven exactly as the runtime drives them (same poller fetch, same effects).
#![allow(dead_code)]

use opsdash::action::Keymap;
use opsdash::app::{App, Effect, Msg};
use opsdash::model::{Snapshot, Timestamp};
use opsdash::poller;
use opsdash::runtime::demo_effect;
use opsdash::source::EstateReader;
use opsdash::source::sim::{Scenario, Sim, SimSource};
use opsdash::theme::ThemeSet;
use opsdash::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// 2026-11-21T00:00:00Z: every test starts here.
pub const T0: Timestamp = Timestamp(1_795_219_200_000);
pub const SEED: u64 = 1;

pub struct Harness {
    pub sim: SimSource,
    pub app: App,
    pub effects: Vec<Effect>,
    rt: tokio::runtime::Runtime,
}

impl Harness {
    pub fn new(scenario: Scenario) -> Self {
        let sim = SimSource::new(Sim::new(scenario, SEED, T0));
        let themes = ThemeSet::built_in().expect("built-in themes parse");
        let theme = themes.get("default").expect("default theme");
        let mut app = App::new(sim.info(), Keymap::default(), themes, theme);
        app.scenario = Some(scenario);
        app.now = sim.now();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let mut h = Harness {
            sim,
            app,
            effects: Vec::new(),
            rt,
        };
        h.poll();
        h
    }

    /// One poll of every pane of every region, applied to the app.
    pub fn poll(&mut self) {
        let seqs: std::collections::HashMap<String, u64> = self
            .app
            .data
            .iter()
            .map(|(k, v)| (k.clone(), v.last_seq))
            .collect();
        let msgs = self.rt.block_on(poller::poll_all(&self.sim, |r| {
            seqs.get(r).copied().unwrap_or(0)
        }));
        for m in msgs {
            self.send(m);
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
            // As the runtime does: a refresh, or a fault injected, polls every pane at once.
            let refresh = matches!(e, Effect::RefreshAll | Effect::InjectFault(_));
            self.effects.push(e);
            if refresh {
                self.poll();
            }
        }
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
        self.rt.block_on(poller::snapshot(&self.sim))
    }

    pub fn inject(&mut self, f: &opsdash::source::sim::Fault) {
        self.sim.lock().inject(f).expect("fault injects");
        self.poll();
    }

    pub fn primary(&self) -> String {
        self.sim.info().regions[0].name.clone()
    }
}
