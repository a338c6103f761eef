//! The interactive console. [`Console`] is the loop, over any terminal [`Screen`]: each message goes
//! through [`App::update`], every effect it returns is carried out (none is dropped), and one frame
//! is drawn when what is on screen may have changed. [`run`] puts the console on the real
//! terminal, with its input thread, pollers, demo clock and signal watch; the tests put the same
//! console on a `TestBackend` and drive it on virtual time.

use crate::app::{App, Effect, Msg, Pane};
use crate::config::Refresh;
use crate::model::{Region, Severity};
use crate::ops::Executor;
use crate::poller::{self, Control};
use crate::source::sim::{Sim, SimSource};
use crate::source::{Connection, Read, Source};
use crate::ui;
use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
use ratatui::buffer::{Buffer, Cell};
use ratatui::crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use ratatui::crossterm::terminal::{
    BeginSynchronizedUpdate, Clear, ClearType, EndSynchronizedUpdate, EnterAlternateScreen,
    LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute, queue};
use ratatui::layout::Rect;
use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

/// Puts the terminal back: raw mode off, main screen, cursor shown. Safe to call twice.
pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(
        out,
        EndSynchronizedUpdate,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = out.flush();
}

/// Installs color-eyre's reports (errors with their suggestion, panics) and a panic hook that
/// restores the terminal before the report is printed. Colour only on a terminal, and never with
/// `NO_COLOR`.
pub fn install_panic_hook() {
    use std::io::IsTerminal;
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let theme = if colour {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default()
        .theme(theme)
        .display_env_section(false)
        .into_hooks();
    let _ = eyre_hook.install();
    let report = panic_hook.into_panic_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        report(info);
    }));
}

/// Restores the terminal when dropped, on every way out of `run`.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// What the console draws on: a ratatui backend. A frame is written between `begin` and `end`.
pub trait Screen: Backend<Error: Send + Sync + 'static> {
    /// Before a frame of `area`: a real terminal opens a synchronized update; a test buffer takes
    /// the frame's size.
    fn begin(&mut self, area: Rect) -> io::Result<()>;
    /// After it: the synchronized update closes.
    fn end(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Screen for CrosstermBackend<W> {
    fn begin(&mut self, _area: Rect) -> io::Result<()> {
        queue!(self, BeginSynchronizedUpdate)
    }

    fn end(&mut self) -> io::Result<()> {
        queue!(self, EndSynchronizedUpdate)
    }
}

impl Screen for TestBackend {
    fn begin(&mut self, area: Rect) -> io::Result<()> {
        if self.buffer().area != area {
            self.resize(area.width, area.height);
        }
        Ok(())
    }
}

/// Who polls the panes: background tasks on the wall clock ([`Pollers`]), or, in tests on virtual
/// time, the test itself.
pub trait Polling: Send {
    /// Poll every pane now.
    fn refresh_all(&mut self);
    /// Read one pane of one region now.
    fn read_now(&mut self, region: &Region, pane: Pane);
    fn set_paused(&mut self, paused: bool);
    /// The regions changed (a scenario switched, the connection found others): poll those.
    fn restart(&mut self);
    /// Poll another source (`:profile`, `:region`): the old one's pollers stop at once.
    fn switch(&mut self, _source: Arc<dyn Source>) {}
}

/// What the console switches to (`:profile NAME`, `:region NAME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchTo {
    pub profile: Option<String>,
    pub region: Option<Region>,
}

/// Builds the source of another profile or region (live AWS), or says why it cannot.
pub type Switcher =
    Box<dyn Fn(&SwitchTo) -> Result<Arc<dyn crate::source::ReadWrite>, String> + Send>;

/// What the console can reach beyond its source: other profiles and regions (live), and the
/// fleet's accounts, read in the background.
#[derive(Default)]
pub struct Live {
    pub switcher: Option<Switcher>,
    pub fleet: Vec<crate::fleet::Member>,
}

/// The source the console shows, shared with the tasks that sample it (the header's API rates).
pub type SourceCell = Arc<std::sync::RwLock<Arc<dyn Source>>>;

/// One task per region and pane ([`poller::spawn`]), stopped when dropped.
pub struct Pollers {
    source: Arc<dyn Source>,
    refresh: Refresh,
    tx: mpsc::UnboundedSender<Msg>,
    control: watch::Sender<Control>,
    handles: Vec<JoinHandle<()>>,
}

impl Pollers {
    pub fn start(
        source: Arc<dyn Source>,
        refresh: Refresh,
        tx: mpsc::UnboundedSender<Msg>,
    ) -> Self {
        let control = watch::Sender::new(Control::default());
        let handles = poller::spawn(&source, refresh, &tx, &control.subscribe());
        Pollers {
            source,
            refresh,
            tx,
            control,
            handles,
        }
    }

    fn stop(&mut self) {
        for h in self.handles.drain(..) {
            h.abort();
        }
    }
}

impl Polling for Pollers {
    fn refresh_all(&mut self) {
        self.control.send_modify(|c| c.refresh += 1);
    }

    fn read_now(&mut self, region: &Region, pane: Pane) {
        self.control.send_modify(|c| c.read_now(region, pane));
    }

    fn set_paused(&mut self, paused: bool) {
        self.control.send_modify(|c| c.paused = paused);
    }

    fn restart(&mut self) {
        self.stop();
        self.handles = poller::spawn(
            &self.source,
            self.refresh,
            &self.tx,
            &self.control.subscribe(),
        );
    }

    fn switch(&mut self, source: Arc<dyn Source>) {
        self.source = source;
        self.restart();
    }
}

impl Drop for Pollers {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The demo: the simulation and how fast its clock runs.
pub struct Demo {
    pub source: SimSource,
    pub speed: u32,
    pub seed: u64,
}

/// The console's loop over a [`Screen`]. Everything that changes the state is a message through
/// [`App::update`]; every effect is carried out here: at once (quit, polling, the demo's
/// faults), in order (the drill's state on disk before its step's call), in the background (API
/// calls, whose answers come back as messages) or when due (a Logs view's next read).
pub struct Console<S: Screen> {
    app: App,
    screen: S,
    /// The frame on screen, if any has been written.
    last: Option<Buffer>,
    /// Where the next frame is rendered (reused: no frame allocates).
    scratch: Buffer,
    /// Frames rendered so far (tests: a read that brings nothing new renders none).
    renders: u64,
    /// When the last frame was rendered, and when the next is due if one waits (see
    /// [`FRAME_GAP`]).
    drawn_at: Instant,
    frame_at: Option<Instant>,
    source: Arc<dyn Source>,
    executor: Arc<Executor>,
    /// The simulation and its seed, in the demo.
    demo: Option<(SimSource, u64)>,
    polling: Box<dyn Polling>,
    tx: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
    /// Effects carried out in the background.
    tasks: JoinSet<()>,
    /// Effects waiting for their time, soonest first.
    delayed: Vec<(Instant, Effect)>,
    /// What the source was last told is on screen, region by region.
    watched: Vec<(Region, crate::source::OnScreen)>,
    /// The source knows its account (live AWS connects in the background).
    settled: bool,
    /// Interrupted operations of earlier consoles have been read back (once, when settled).
    reconciled: bool,
    quit: bool,
    /// Every effect, when recorded (tests).
    recorded: Option<Vec<Effect>>,
    /// Builds another profile's or region's source (live AWS).
    switcher: Option<Switcher>,
    /// The source shown, for the tasks that sample it.
    cell: SourceCell,
    /// Counts source switches: a read begun before one is not shown after it.
    generation: Arc<std::sync::atomic::AtomicU64>,
}

impl<S: Screen> Console<S> {
    /// A console showing `app` on `screen`, over `source`, mutating through `executor`.
    pub fn new(
        app: App,
        screen: S,
        source: Arc<dyn Source>,
        executor: Arc<Executor>,
        demo: Option<(SimSource, u64)>,
        polling: impl FnOnce(mpsc::UnboundedSender<Msg>) -> Box<dyn Polling>,
    ) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let settled = app.info().connection == Connection::Connected;
        listen_for_sign_in(&source, &tx);
        let cell: SourceCell = Arc::new(std::sync::RwLock::new(source.clone()));
        Console {
            app,
            screen,
            last: None,
            scratch: Buffer::empty(Rect::default()),
            renders: 0,
            drawn_at: Instant::now(),
            frame_at: None,
            source,
            executor,
            demo,
            polling: polling(tx.clone()),
            tx,
            rx,
            tasks: JoinSet::new(),
            delayed: Vec::new(),
            watched: Vec::new(),
            settled,
            reconciled: false,
            quit: false,
            recorded: None,
            switcher: None,
            cell,
            generation: Arc::default(),
        }
    }

    /// Lets `:profile` and `:region` switch to another source built by `switcher`.
    #[must_use]
    pub fn with_switcher(mut self, switcher: Switcher) -> Self {
        self.switcher = Some(switcher);
        self
    }

    /// The source shown, as the sampling tasks read it.
    pub fn source_cell(&self) -> SourceCell {
        self.cell.clone()
    }

    /// Switches to another profile or region: the old source's pollers stop, reads it began are
    /// dropped, poll results already queued are discarded, and the app forgets all its data
    /// before the new source's first read, so two accounts never share a screen.
    fn switch_source(&mut self, to: &SwitchTo) -> Vec<Msg> {
        let Some(switcher) = &self.switcher else {
            return vec![Msg::Status(
                "this console cannot switch (the demo's estate is built in)".into(),
                Severity::Warn,
            )];
        };
        let source = match switcher(to) {
            Ok(s) => s,
            Err(e) => return vec![Msg::Status(e, Severity::Warn)],
        };
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let shown: Arc<dyn Source> = source.clone();
        self.polling.switch(shown.clone());
        self.executor = Arc::new(self.executor.for_writer(source));
        listen_for_sign_in(&shown, &self.tx);
        *self
            .cell
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = shown.clone();
        self.source = shown;
        self.settled = false;
        self.delayed.clear();
        // What the old source's pollers already sent.
        let mut kept = Vec::new();
        while let Ok(m) = self.rx.try_recv() {
            if !matches!(m, Msg::Data { .. } | Msg::Info(_) | Msg::Calls(..)) {
                kept.push(m);
            }
        }
        for m in kept {
            let _ = self.tx.send(m);
        }
        vec![Msg::Reset(self.source.info())]
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    /// The app, to change its settings before or between frames ([`App::settings_mut`]).
    pub fn app_mut(&mut self) -> &mut App {
        &mut self.app
    }

    pub fn screen(&self) -> &S {
        &self.screen
    }

    /// Where messages for the console go (input, pollers, clocks).
    pub fn sender(&self) -> mpsc::UnboundedSender<Msg> {
        self.tx.clone()
    }

    /// Frames rendered so far.
    pub fn renders(&self) -> u64 {
        self.renders
    }

    /// Whether the operator asked to quit.
    pub fn quitting(&self) -> bool {
        self.quit
    }

    /// Keeps every effect from now on, for [`Console::take_effects`] (tests).
    pub fn record_effects(&mut self) {
        self.recorded = Some(Vec::new());
    }

    /// The effects carried out since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        self.recorded
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Runs until the operator quits or every sender is gone: the first frame, then a turn for
    /// each message (with everything queued behind it) or due effect. What the operator does is
    /// drawn at once; what the periodic reads and the clock bring, once every pane has been read,
    /// at most once a [`FRAME_GAP`]: reads and ticks that land within it share one frame.
    pub async fn run(&mut self) -> io::Result<()> {
        self.draw()?;
        while !self.quit {
            let due = self.delayed.first().map(|(at, _)| *at);
            tokio::select! {
                m = self.rx.recv() => match m {
                    Some(m) => {
                        // Until every pane has been read, each read is drawn as it comes,
                        // the one that completes the screen included.
                        let read = self.app.read_once();
                        let paced = self.take(Some(m)).await;
                        if self.quit {
                            break;
                        }
                        self.settle().await;
                        if self.app.needs_redraw() {
                            let next = self.drawn_at + FRAME_GAP;
                            if paced && read && Instant::now() < next {
                                self.frame_at.get_or_insert(next);
                            } else {
                                self.draw()?;
                            }
                        }
                    }
                    None => break,
                },
                () = sleep_until(due), if due.is_some() => {
                    self.fire_due(Instant::now());
                }
                () = sleep_until(self.frame_at), if self.frame_at.is_some() => {
                    self.frame_at = None;
                    if self.app.needs_redraw() {
                        self.draw()?;
                    }
                }
            }
        }
        Ok(())
    }

    /// One turn: `first` and every message already queued, each through `update` with its
    /// effects carried out; then, if something on screen changed, one frame.
    pub async fn turn(&mut self, first: Option<Msg>) -> io::Result<()> {
        self.take(first).await;
        if self.quit {
            return Ok(());
        }
        self.settle().await;
        if self.app.needs_redraw() {
            self.draw()?;
        }
        Ok(())
    }

    /// Applies `first` and every message already queued; whether all were reads and clock ticks
    /// (whose frame may wait, see [`Console::run`]).
    async fn take(&mut self, first: Option<Msg>) -> bool {
        let mut paced = true;
        if let Some(m) = first {
            paced &= m.is_paced();
            self.apply(m).await;
        }
        while !self.quit
            && let Ok(m) = self.rx.try_recv()
        {
            paced &= m.is_paced();
            self.apply(m).await;
        }
        paced
    }

    /// After a turn's messages: the connection settled, interrupted operations read back once,
    /// the background effects that ended reaped.
    async fn settle(&mut self) {
        self.settle_connection().await;
        if self.settled && !self.reconciled {
            self.reconciled = true;
            let (source, executor, tx) =
                (self.source.clone(), self.executor.clone(), self.tx.clone());
            self.tasks.spawn(async move {
                let found = crate::ops::reconcile::run(&*source, &executor).await;
                if !found.is_empty() {
                    let _ = tx.send(Msg::Reconciled(found));
                }
            });
        }
        while self.tasks.try_join_next().is_some() {}
    }

    /// Applies a message, carries out its effects, and applies at once the messages they answer
    /// with at once (the demo's fault menu and injections), before anything else.
    async fn apply(&mut self, m: Msg) {
        let mut pending = VecDeque::from([m]);
        while let Some(m) = pending.pop_front() {
            let effects = self.app.update(m);
            let mut answers = Vec::new();
            for e in effects {
                answers.extend(self.carry_out(e).await);
            }
            for a in answers.into_iter().rev() {
                pending.push_front(a);
            }
        }
    }

    /// Carries out one effect; returns the messages that answer it at once.
    async fn carry_out(&mut self, e: Effect) -> Vec<Msg> {
        if let Some(r) = self.recorded.as_mut() {
            r.push(e.clone());
        }
        match e {
            Effect::Quit => self.quit = true,
            Effect::RefreshAll => self.polling.refresh_all(),
            Effect::ReadNow { region, pane } => self.polling.read_now(&region, pane),
            Effect::SetPaused(p) => self.polling.set_paused(p),
            // In order, before anything after it: a step's call waits for its saved state.
            Effect::SaveDrill(_) => {
                op_effect(&*self.source, &self.executor, e, &self.tx).await;
            }
            Effect::ReadLogs { delay, .. } if !delay.is_zero() => {
                let at = Instant::now() + delay;
                let i = self.delayed.partition_point(|(t, _)| *t <= at);
                self.delayed.insert(i, (at, e));
            }
            Effect::SwitchSource(to) => return self.switch_source(&to),
            Effect::MfaCode(code) => {
                if let Some(s) = self.source.sign_in() {
                    s.answer(code);
                }
            }
            Effect::FetchTaskDefinition { .. }
            | Effect::FetchLbAttributes { .. }
            | Effect::FetchRegionSwitch(_)
            | Effect::Presence { .. }
            | Effect::Unlock { .. }
            | Effect::WatchDrill
            | Effect::Execute { .. }
            | Effect::RecordUnexecuted { .. }
            | Effect::FindLogs { .. }
            | Effect::ReadLogs { .. } => self.spawn(e),
            Effect::OpenFaultMenu { .. } | Effect::InjectFault(_) | Effect::SwitchScenario(_) => {
                let Some((sim, seed)) = &self.demo else {
                    return Vec::new();
                };
                let answers = demo_effect(sim, *seed, &e);
                match e {
                    Effect::SwitchScenario(_) => self.polling.restart(),
                    Effect::InjectFault(_) => self.polling.refresh_all(),
                    _ => {}
                }
                return answers;
            }
        }
        Vec::new()
    }

    /// Carries out an effect in the background; its answers come back as messages. A read's
    /// answer is dropped when the source was switched meanwhile; an operation's outcome, an
    /// audit record and the drill's files always come back.
    fn spawn(&mut self, e: Effect) {
        let (source, executor, tx) = (self.source.clone(), self.executor.clone(), self.tx.clone());
        let always = matches!(
            e,
            Effect::Execute { .. }
                | Effect::RecordUnexecuted { .. }
                | Effect::WatchDrill
                | Effect::Unlock { .. }
        );
        if always {
            self.tasks
                .spawn(async move { op_effect(&*source, &executor, e, &tx).await });
            return;
        }
        let generation = self.generation.clone();
        let begun = generation.load(std::sync::atomic::Ordering::SeqCst);
        self.tasks.spawn(async move {
            let (answer, mut answers) = mpsc::unbounded_channel();
            op_effect(&*source, &executor, e, &answer).await;
            drop(answer);
            while let Some(m) = answers.recv().await {
                if generation.load(std::sync::atomic::Ordering::SeqCst) == begun {
                    let _ = tx.send(m);
                }
            }
        });
    }

    /// Starts the delayed effects due by `now`.
    pub fn fire_due(&mut self, now: Instant) {
        let n = self.delayed.partition_point(|(t, _)| *t <= now);
        for (_, e) in self.delayed.drain(..n).collect::<Vec<_>>() {
            self.spawn(e);
        }
    }

    /// Starts every delayed effect now (tests on virtual time: at the next poll).
    pub fn fire_all_delayed(&mut self) {
        for (_, e) in std::mem::take(&mut self.delayed) {
            self.spawn(e);
        }
    }

    /// Waits until every effect in the background has ended (tests); their answers are queued.
    pub async fn idle(&mut self) {
        while self.tasks.join_next().await.is_some() {}
    }

    /// Whether messages wait to be applied.
    pub fn has_queued(&self) -> bool {
        !self.rx.is_empty()
    }

    /// Live AWS connects in the background (and again after a failure): once it has, the
    /// account, caller and regions it found go to the app, the executor and, when the regions
    /// moved, the pollers.
    async fn settle_connection(&mut self) {
        if self.settled {
            return;
        }
        let info = self.source.info();
        if info != *self.app.info() {
            self.executor
                .set_caller(&info.caller_arn, info.profile.clone());
            let moved = info.regions != self.app.info().regions;
            self.apply(Msg::Info(info)).await;
            if moved {
                self.polling.restart();
            }
        }
        self.settled = self.app.info().connection == Connection::Connected;
    }

    /// Renders the frame and writes it if it differs from the one on screen: the cells that
    /// changed (all of them after a resize), in one write; what it laid out goes back to the
    /// app, and the target groups on screen to the source. An idle screen writes nothing.
    pub fn draw(&mut self) -> io::Result<()> {
        let (width, height) = self.app.size();
        let area = Rect::new(0, 0, width, height);
        if self.scratch.area == area {
            self.scratch.reset();
        } else {
            self.scratch = Buffer::empty(area);
        }
        let drawn = ui::render(&self.app, area, &mut self.scratch);
        self.renders += 1;
        self.drawn_at = Instant::now();
        self.frame_at = None;
        // What changed since the frame on screen (everything, when there is none of this size);
        // nothing changed, nothing is written: an idle screen writes nothing.
        let changes = self
            .last
            .as_ref()
            .filter(|last| last.area == self.scratch.area)
            .map(|last| last.diff(&self.scratch));
        if changes.as_ref().is_none_or(|c| !c.is_empty()) {
            write_frame(&mut self.screen, changes, &self.scratch)?;
        }
        // The frame drawn is the one on screen; the old one is the next scratch.
        match self.last.as_mut() {
            Some(last) => std::mem::swap(last, &mut self.scratch),
            None => self.last = Some(self.scratch.clone()),
        }
        let _ = self.app.update(Msg::Drawn(drawn));
        // What is on screen decides whose target health, services and metrics are read every
        // time.
        let now = self.app.on_screen_by_region();
        if now != self.watched {
            for (region, _) in &self.watched {
                if !now.iter().any(|(r, _)| r == region) {
                    // A region left is no longer on screen.
                    self.source
                        .watch(region, &crate::source::OnScreen::default());
                }
            }
            for (region, on_screen) in &now {
                self.source.watch(region, on_screen);
            }
            self.watched = now;
        }
        Ok(())
    }
}

impl<S: Screen> Console<S> {
    /// After the operator quit (a key, SIGTERM, SIGHUP): waits up to `grace` for the operations
    /// in flight, so their outcomes are recorded, saying so on screen each second; a second quit
    /// (the key again, another signal) stops waiting. Nothing new is started meanwhile: only a
    /// drill's state is still saved. Returns a line for each operation that was in flight: how
    /// it ended, or that it is still running (the next start reads it back).
    pub async fn finish(&mut self, grace: Duration) -> Vec<String> {
        let waited: Vec<(u64, String)> = self
            .app
            .running_ops()
            .iter()
            .map(|o| (o.id, o.summary.clone()))
            .collect();
        if waited.is_empty() {
            return Vec::new();
        }
        let deadline = Instant::now() + grace;
        let mut ended: Vec<(u64, String)> = Vec::new();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            let left = self.app.running_ops().len();
            if left == 0 {
                break;
            }
            tokio::select! {
                m = self.rx.recv() => match m {
                    Some(Msg::Key(_)) | None => break,
                    Some(m @ Msg::OpDone { .. }) => {
                        if let Msg::OpDone { id, outcome } = &m {
                            ended.push((*id, outcome.message.clone()));
                        }
                        for e in self.app.update(m) {
                            if matches!(e, Effect::SaveDrill(_)) {
                                self.carry_out(e).await;
                            }
                        }
                    }
                    Some(m @ (Msg::OpProgress { .. } | Msg::DrillSaved(_))) => {
                        let _ = self.app.update(m);
                    }
                    Some(_) => {}
                },
                _ = tick.tick() => {
                    let secs = deadline.saturating_duration_since(Instant::now()).as_secs();
                    let what: Vec<String> = self
                        .app
                        .running_ops()
                        .iter()
                        .map(|o| format!("{} ({})", o.summary, o.call))
                        .collect();
                    let _ = self.app.update(Msg::Status(
                        format!(
                            "quitting: waiting up to {secs} s for {} to finish, so its outcome is recorded; q or Ctrl-C again quits now",
                            what.join(", ")
                        ),
                        Severity::Warn,
                    ));
                    // The terminal may be gone (SIGHUP): the wait goes on without a screen.
                    let _ = self.draw();
                }
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        waited
            .into_iter()
            .map(|(id, summary)| match ended.iter().find(|(e, _)| *e == id) {
                Some((_, message)) => format!("{message} (recorded in the audit log)"),
                None => format!(
                    "{summary}: still in flight when opsdash quit; its outcome was not recorded: the next start reads it back and records what it finds"
                ),
            })
            .collect()
    }
}

/// Sleeps until `at`, or for ever.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Writes a frame: the cells that changed since the one on screen, or (`None`) all of them on a
/// cleared screen.
fn write_frame<S: Screen>(
    out: &mut S,
    changes: Option<Vec<(u16, u16, &Cell)>>,
    frame: &Buffer,
) -> io::Result<()> {
    out.begin(frame.area)?;
    if let Some(changes) = changes {
        out.draw(changes.into_iter()).map_err(io::Error::other)?;
    } else {
        out.clear().map_err(io::Error::other)?;
        out.draw(frame.content.iter().enumerate().map(|(i, c)| {
            let (x, y) = frame.pos_of(i);
            (x, y, c)
        }))
        .map_err(io::Error::other)?;
    }
    out.end()?;
    Backend::flush(out).map_err(io::Error::other)
}

/// The least time between two frames that only reads and the clock asked for (a key, a paste or
/// a resize is drawn at once).
pub const FRAME_GAP: Duration = Duration::from_secs(1);

/// How long quitting waits for operations in flight (an AWS call's attempt is at most 8 s).
pub const QUIT_GRACE: Duration = Duration::from_secs(8);

/// Runs the console on the terminal until the user quits; `first` are the messages it starts
/// with (a drill found on disk). The terminal is restored on every exit path. Returns what
/// became of the operations that were in flight at the quit, for the operator to read.
pub async fn run(
    app: App,
    estate: Arc<dyn Source>,
    executor: Arc<Executor>,
    demo: Option<Demo>,
    refresh: Refresh,
    first: Vec<Msg>,
    live: Live,
) -> io::Result<Vec<String>> {
    let source = estate.clone();
    enable_raw_mode()?;
    let _guard = TerminalGuard;
    let mut stdout = io::stdout();
    // Clear with crossterm directly: `Terminal::clear` asks the terminal for the cursor position,
    // a round trip that costs start-up time and hangs on terminals that never answer.
    // Bracketed paste: a paste arrives as one text, never as keys (a pasted line break must not
    // confirm anything).
    execute!(
        stdout,
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide,
        Clear(ClearType::All)
    )?;
    let screen = CrosstermBackend::new(io::BufWriter::with_capacity(64 * 1024, io::stdout()));
    // The size is asked for once; after that resize events keep the app's size current, so a
    // frame never queries the terminal.
    let (width, height) = ratatui::crossterm::terminal::size()?;
    let mut console = Console::new(
        app,
        screen,
        estate,
        executor.clone(),
        demo.as_ref().map(|d| (d.source.clone(), d.seed)),
        |tx| Box::new(Pollers::start(source.clone(), refresh, tx)),
    );
    if let Some(s) = live.switcher {
        console = console.with_switcher(s);
    }
    let tx = console.sender();
    spawn_signal_watch(tx.clone());
    spawn_input(tx.clone())?;
    if let Some(d) = &demo {
        spawn_demo_clock(d.source.clone(), d.speed, tx.clone());
    }
    spawn_ticks(console.source_cell(), tx.clone(), demo.is_none());
    crate::fleet::spawn(live.fleet, tx.clone(), crate::fleet::EVERY);
    if let Ok(store) = executor.drill_store() {
        if store.remote() {
            // A drill another bastion left in the team's table, read in the background.
            let (store, tx) = (store.clone(), tx.clone());
            tokio::spawn(async move {
                if let Some(found) = crate::app::found_drill(&*store).await {
                    let _ = tx.send(Msg::DrillFound(found));
                }
            });
        }
        spawn_drill_heartbeat(store);
    }
    if let Some(trail) = executor.trail() {
        spawn_trail(trail.clone(), tx.clone());
    }
    for m in [Msg::Resize(width, height), Msg::Tick(source.now())]
        .into_iter()
        .chain(first)
    {
        let _ = tx.send(m);
    }
    console.turn(None).await?;
    console.run().await?;
    let report = console.finish(QUIT_GRACE).await;
    drop(console);
    // The drill's state stays for the next start; its lock goes with this console.
    if let Ok(store) = executor.drill_store() {
        store.release().await;
    }
    if let Some(p) = executor.presence() {
        p.leave().await;
    }
    Ok(report)
}

/// A sign-in that needs an MFA code asks in the console's prompt.
fn listen_for_sign_in(source: &Arc<dyn Source>, tx: &mpsc::UnboundedSender<Msg>) {
    if let Some(s) = source.sign_in() {
        let tx = tx.clone();
        s.listen(Box::new(move |e| {
            let _ = tx.send(Msg::SignIn(e));
        }));
    }
}

/// Carries out a demo-only effect on the simulated estate; returns the messages for the app.
pub fn demo_effect(sim: &SimSource, seed: u64, e: &Effect) -> Vec<Msg> {
    match e {
        Effect::OpenFaultMenu {
            region,
            selected_instance,
        } => {
            vec![Msg::FaultMenu(
                sim.lock()
                    .offer_faults(region.as_str(), selected_instance.as_deref()),
            )]
        }
        Effect::InjectFault(i) => {
            let result = sim.lock().inject_offered(*i);
            vec![match result {
                Ok(m) => Msg::Status(format!("injected: {m}"), Severity::Warn),
                Err(m) => Msg::Status(format!("could not inject: {m}"), Severity::Crit),
            }]
        }
        Effect::SwitchScenario(name) => match crate::source::sim::Scenario::parse(name) {
            Ok(s) => {
                let now = sim.now();
                sim.replace(Sim::new(s, seed, now));
                vec![Msg::Reset(sim.info())]
            }
            Err(e) => vec![Msg::Status(e, Severity::Warn)],
        },
        _ => Vec::new(),
    }
}

/// Carries out an effect that calls the source or the executor: reads a task definition for the
/// deploy prompt, executes a confirmed plan, audits a plan that was not executed, saves the
/// drill's state, finds and reads logs. Messages for the app (progress, then the result) go to
/// `tx` as they happen.
pub async fn op_effect(
    source: &dyn Source,
    executor: &Executor,
    e: Effect,
    tx: &mpsc::UnboundedSender<Msg>,
) {
    match e {
        Effect::FetchTaskDefinition {
            region,
            cluster,
            service,
            task_definition,
        } => {
            let read = match source.estate().await {
                Ok(e) => e.task_definition(&region, &task_definition).await,
                Err(why) => Read::err(why, 0),
            };
            let _ = tx.send(Msg::TaskDefinition {
                region,
                cluster,
                service,
                read: read.result,
            });
        }
        Effect::Presence { account, doing } => {
            if let Some(p) = executor.presence() {
                let read = p
                    .beat(&account, &doing, crate::model::Timestamp::now())
                    .await;
                let _ = tx.send(Msg::Peers(read));
            }
        }
        Effect::FetchRegionSwitch(query) => {
            let read = match source.estate().await {
                Ok(e) => e.region_switch(&query).await,
                Err(why) => Read::err(why, 0),
            };
            let _ = tx.send(Msg::RegionSwitch {
                app: query.app,
                read,
            });
        }
        Effect::FetchLbAttributes { region, arn } => {
            let read = match source.estate().await {
                Ok(e) => e.lb_attributes(&region, &arn).await,
                Err(why) => Read::err(why, 0),
            };
            let _ = tx.send(Msg::LbAttributes {
                region,
                arn,
                read: read.result,
            });
        }
        Effect::Execute { id, plan, takeover } => {
            let mut progress = |call: &str| {
                let _ = tx.send(Msg::OpProgress {
                    id,
                    call: call.to_owned(),
                });
            };
            let outcome = executor.execute_as(&plan, &mut progress, takeover).await;
            let _ = tx.send(Msg::OpDone { id, outcome });
        }
        Effect::RecordUnexecuted {
            plan,
            outcome,
            reason,
        } => {
            let o = executor.record_unexecuted(&plan, outcome, &reason);
            // Only a failure to write the audit log is news; the app said the rest already.
            if !o.audited {
                let _ = tx.send(Msg::Status(o.message, Severity::Crit));
            }
        }
        Effect::SaveDrill(state) => {
            let saved = match executor.drill_store() {
                Ok(store) => store.save(state.as_deref()).await,
                Err(why) => Err(why),
            };
            let _ = tx.send(Msg::DrillSaved(saved));
        }
        Effect::WatchDrill => {
            if let Ok(store) = executor.drill_store() {
                let (state, holder) = store.watch().await;
                let _ = tx.send(Msg::DrillWatched {
                    state: state.map(|s| s.map(Box::new)),
                    holder,
                });
            }
        }
        Effect::FindLogs {
            generation,
            region,
            target,
        } => {
            let read = match source.estate().await {
                Ok(e) => e.log_source(&region, &target).await,
                Err(why) => Read::err(why, 0),
            };
            let _ = tx.send(Msg::LogSource { generation, read });
        }
        Effect::ReadLogs {
            read: number,
            view,
            region,
            source: logs,
            pattern,
            since,
            ..
        } => {
            let limit = crate::app::logs::READ_LIMIT;
            let read = match source.estate().await {
                Ok(e) => e.logs(&region, view, &logs, &pattern, since, limit).await,
                Err(why) => Read::err(why, 0),
            };
            let _ = tx.send(Msg::Logs { number, read });
        }
        Effect::Unlock {
            account,
            scope,
            until,
            secs,
        } => {
            let result = executor.unlock(&account, &scope, until, secs);
            let _ = tx.send(Msg::Unlocked {
                account,
                until,
                result,
            });
        }
        Effect::Quit
        | Effect::RefreshAll
        | Effect::ReadNow { .. }
        | Effect::SetPaused(_)
        | Effect::MfaCode(_)
        | Effect::SwitchSource(_)
        | Effect::OpenFaultMenu { .. }
        | Effect::InjectFault(_)
        | Effect::SwitchScenario(_) => {}
    }
}

/// The terminal's input: a thread reads its bytes (stdin, or `/dev/tty` when stdin is not the
/// terminal), a task turns them into keys and pastes with [`crate::input::Parser`]'s time
/// limits, so a lone Esc, a cut sequence or a paste without its end never holds back the keys
/// after it. Resizes come from SIGWINCH on their own, never behind the input.
fn spawn_input(tx: mpsc::UnboundedSender<Msg>) -> io::Result<()> {
    use std::io::{IsTerminal, Read};
    let mut source: Box<dyn Read + Send> = if io::stdin().is_terminal() {
        Box::new(io::stdin())
    } else {
        Box::new(std::fs::File::open("/dev/tty")?)
    };
    let (bytes_tx, mut bytes_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match source.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if bytes_tx.send(buf[..n].to_vec()).is_err() {
                        return;
                    }
                }
            }
        }
    });
    let keys = tx.clone();
    tokio::spawn(async move {
        let mut parser = crate::input::Parser::new();
        loop {
            let got = match parser.deadline() {
                Some(d) => tokio::time::timeout_at(Instant::from_std(d), bytes_rx.recv())
                    .await
                    .ok(),
                None => Some(bytes_rx.recv().await),
            };
            let now = std::time::Instant::now();
            let inputs = match got {
                Some(Some(bytes)) => parser.feed(&bytes, now),
                Some(None) => return,
                None => parser.expire(now),
            };
            for i in inputs {
                let msg = match i {
                    crate::input::Input::Key(k) => Msg::Key(k),
                    crate::input::Input::Paste(p) => Msg::Paste(p),
                };
                if keys.send(msg).is_err() {
                    return;
                }
            }
        }
    });
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut winch = signal(SignalKind::window_change())?;
        tokio::spawn(async move {
            while winch.recv().await.is_some() {
                if let Ok((w, h)) = ratatui::crossterm::terminal::size()
                    && tx.send(Msg::Resize(w, h)).is_err()
                {
                    return;
                }
            }
        });
    }
    Ok(())
}

/// Advances the simulation with real time × speed, once a second; tells the UI the time every
/// five seconds (the clock shows minutes, ages move in 10 s steps, data carries its own time).
fn spawn_demo_clock(sim: SimSource, speed: u32, tx: mpsc::UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        for n in 1u64.. {
            tick.tick().await;
            sim.advance(f64::from(speed));
            if n % 5 == 0 && tx.send(Msg::Tick(sim.now())).is_err() {
                return;
            }
        }
    });
}

/// While this console drives a drill, it says so every few seconds in the lock, so consoles
/// watching from elsewhere can tell it is alive (and that it is gone when it stops).
/// Team mode: the audit log's new records sent to the team's trail every few seconds; the console
/// is told when a send fails and when sending works again.
fn spawn_trail(trail: Arc<crate::team::Trail>, tx: mpsc::UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let mut failing = false;
        let mut tick = tokio::time::interval(Duration::from_secs(crate::team::SEND_SECS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match trail.send().await {
                Ok(_) if failing => {
                    failing = false;
                    let _ = tx.send(Msg::Trail(Ok(())));
                }
                Err(e) => {
                    tracing::warn!("team audit trail not sent yet (kept in the local log): {e}");
                    failing = true;
                    let _ = tx.send(Msg::Trail(Err(e)));
                }
                Ok(_) => {}
            }
        }
    });
}

fn spawn_drill_heartbeat(store: Arc<dyn crate::ops::drill::DrillStore>) {
    tokio::spawn(async move {
        let mut tick =
            tokio::time::interval(Duration::from_secs(crate::ops::drill::HEARTBEAT_SECS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            store.heartbeat().await;
        }
    });
}

/// Every five seconds: the source's request counts (the header's per-service rates) and, in live
/// mode, the wall-clock time, so the clock runs and pane ages grow even while every call is
/// stalled (a stall shows as stale, never as current).
fn spawn_ticks(cell: SourceCell, tx: mpsc::UnboundedSender<Msg>, live: bool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let source = cell
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone();
            // On the source's clock, as the reads are: the demo's window is simulated time.
            let counts = source.call_counts();
            let calls = Msg::Calls(source.now(), counts);
            if tx.send(calls).is_err() || (live && tx.send(Msg::Tick(source.now())).is_err()) {
                return;
            }
        }
    });
}

/// SIGTERM, SIGHUP (the SSH session dropped) and SIGINT quit cleanly, restoring the terminal
/// after the calls in flight have ended ([`Console::finish`]).
/// The handlers are registered before this returns, so no signal can slip in before them.
fn spawn_signal_watch(tx: mpsc::UnboundedSender<Msg>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        // Every signal is a Ctrl-C: the first quits (waiting for the calls in flight), the
        // next stops the wait.
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                    _ = int.recv() => {}
                }
                let quit = ratatui::crossterm::event::KeyEvent::new(
                    ratatui::crossterm::event::KeyCode::Char('c'),
                    ratatui::crossterm::event::KeyModifiers::CONTROL,
                );
                if tx.send(Msg::Key(quit)).is_err() {
                    return;
                }
            }
        });
    }
}
