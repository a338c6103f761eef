//! The interactive console: terminal set-up and restore, the input thread, pollers, the demo
//! clock, and the single update loop that redraws only when the screen changed.

use crate::app::{App, Effect, Msg};
use crate::config::Refresh;
use crate::model::Severity;
use crate::ops::Executor;
use crate::poller::{self, Control};
use crate::source::sim::{Sim, SimSource};
use crate::source::{Connection, Estate, EstateReader};
use crate::ui;
use ratatui::backend::Backend;
use ratatui::backend::CrosstermBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyEventKind,
};
use ratatui::crossterm::terminal::{
    BeginSynchronizedUpdate, Clear, ClearType, EndSynchronizedUpdate, EnterAlternateScreen,
    LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute, queue};
use std::io::{self, Stdout, Write};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

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

/// Installs a panic hook that restores the terminal before the previous hook reports.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

/// Restores the terminal when dropped, on every way out of `run`.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// The demo: the simulation and how fast its clock runs.
pub struct Demo {
    pub source: SimSource,
    pub speed: u32,
    pub seed: u64,
}

/// Runs the console until the user quits. The terminal is restored on every exit path.
pub async fn run(
    mut app: App,
    estate: Arc<dyn Estate>,
    executor: Arc<Executor>,
    demo: Option<Demo>,
    refresh: Refresh,
) -> io::Result<()> {
    let source: Arc<dyn EstateReader> = estate.clone();
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    spawn_signal_watch(tx.clone());
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
    // The size is asked for once; after that resize events keep `app.size` current, so a frame
    // never queries the terminal.
    let mut terminal = CrosstermBackend::new(io::BufWriter::with_capacity(64 * 1024, io::stdout()));
    app.size = ratatui::crossterm::terminal::size()?;

    spawn_input_thread(tx.clone());
    let (control_tx, control_rx) = watch::channel(Control::default());
    let mut pollers = poller::spawn(&source, refresh, &tx, &control_rx);
    if let Some(d) = &demo {
        spawn_demo_clock(d.source.clone(), d.speed, tx.clone());
    }
    spawn_ticks(source.clone(), tx.clone(), demo.is_none());

    let mut settled = app.info.connection == Connection::Connected;
    let mut last: Option<Buffer> = None;
    draw_if_changed(&mut terminal, &app, &mut last)?;
    app.dirty = false;
    let mut watched = (String::new(), Vec::new());
    while let Some(first) = rx.recv().await {
        let mut effects = app.update(first);
        // Coalesce: apply everything already queued, then draw once.
        while let Ok(m) = rx.try_recv() {
            effects.extend(app.update(m));
        }
        for e in effects {
            match e {
                Effect::Quit => app.quit = true,
                Effect::RefreshAll => control_tx.send_modify(|c| c.refresh += 1),
                Effect::SetPaused(p) => control_tx.send_modify(|c| c.paused = p),
                // In order, before anything after it: a step's call waits for its saved state.
                Effect::SaveDrill(_) => op_effect(&*source, &executor, e, &tx).await,
                Effect::FetchTaskDefinition { .. }
                | Effect::Execute { .. }
                | Effect::RecordUnexecuted { .. }
                | Effect::FindLogs { .. }
                | Effect::ReadLogs { .. } => {
                    let (source, executor, tx) = (source.clone(), executor.clone(), tx.clone());
                    tokio::spawn(async move { op_effect(&*source, &executor, e, &tx).await });
                }
                Effect::OpenFaultMenu { .. }
                | Effect::InjectFault(_)
                | Effect::SwitchScenario(_) => {
                    let Some(d) = &demo else { continue };
                    let switched = matches!(e, Effect::SwitchScenario(_));
                    for m in demo_effect(&d.source, d.seed, &e) {
                        app.update(m);
                    }
                    if switched {
                        for h in pollers.drain(..) {
                            h.abort();
                        }
                        pollers = poller::spawn(&source, refresh, &tx, &control_rx);
                    } else if matches!(e, Effect::InjectFault(_)) {
                        control_tx.send_modify(|c| c.refresh += 1);
                    }
                }
            }
        }
        if app.quit {
            break;
        }
        // Live AWS connects in the background (and again after a failure): take the account,
        // caller and regions it found.
        if !settled {
            let info = source.info();
            if info != app.info {
                executor.set_caller(&info.caller_arn, info.profile.clone());
                let moved = info.regions != app.info.regions;
                // Its only effect, a Reset's refresh, is moot: the pollers restart below.
                app.update(Msg::Info(info));
                if moved {
                    for h in pollers.drain(..) {
                        h.abort();
                    }
                    pollers = poller::spawn(&source, refresh, &tx, &control_rx);
                }
            }
            settled = app.info.connection == Connection::Connected;
        }
        if app.dirty {
            draw_if_changed(&mut terminal, &app, &mut last)?;
            app.dirty = false;
            // What is on screen decides whose target health is read every time.
            let now = app.watched_target_groups();
            if now != watched {
                if now.0 != watched.0 {
                    // The region left is no longer on screen.
                    source.watch(&watched.0, &[]);
                }
                source.watch(&now.0, &now.1);
                watched = now;
            }
        }
    }
    for h in pollers {
        h.abort();
    }
    // The drill file stays for the next start; its lock goes with this console.
    if let Ok(path) = executor.drill_path() {
        crate::ops::drill::release(&path);
    }
    Ok(())
}

/// Carries out a demo-only effect on the simulated estate; returns the messages for the app.
pub fn demo_effect(sim: &SimSource, seed: u64, e: &Effect) -> Vec<Msg> {
    match e {
        Effect::OpenFaultMenu {
            region,
            selected_instance,
        } => {
            vec![Msg::FaultMenu(
                sim.lock().fault_menu(region, selected_instance.as_deref()),
            )]
        }
        Effect::InjectFault(f) => {
            let result = sim.lock().inject(f);
            vec![match result {
                Ok(m) => Msg::Status(format!("injected: {m}"), Severity::Warn),
                Err(m) => Msg::Status(format!("could not inject: {m}"), Severity::Crit),
            }]
        }
        Effect::SwitchScenario(s) => {
            let now = sim.now();
            sim.replace(Sim::new(*s, seed, now));
            vec![Msg::Reset(sim.info())]
        }
        _ => Vec::new(),
    }
}

/// Carries out an operations effect: reads a task definition for the deploy prompt, executes a
/// confirmed plan, or audits a plan that was not executed. Messages for the app (progress, then
/// the result) go to `tx` as they happen.
pub async fn op_effect(
    source: &dyn EstateReader,
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
            let read = source.task_definition(&region, &task_definition).await;
            let _ = tx.send(Msg::TaskDefinition {
                region,
                cluster,
                service,
                read: read.result,
            });
        }
        Effect::Execute { id, plan } => {
            let mut progress = |call: &str| {
                let _ = tx.send(Msg::OpProgress {
                    id,
                    call: call.to_owned(),
                });
            };
            let outcome = executor.execute(&plan, &mut progress).await;
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
            let saved = match executor.drill_path() {
                Ok(path) => crate::ops::drill::save(&path, state.as_deref())
                    .map_err(|e| format!("{}: {e}", path.display())),
                Err(why) => Err(why),
            };
            let _ = tx.send(Msg::DrillSaved(saved));
        }
        Effect::FindLogs {
            generation,
            region,
            target,
        } => {
            let read = source.log_source(&region, &target).await;
            let _ = tx.send(Msg::LogSource { generation, read });
        }
        Effect::ReadLogs {
            read: number,
            region,
            source: logs,
            pattern,
            since,
            delay,
        } => {
            tokio::time::sleep(delay).await;
            let limit = crate::app::logs::READ_LIMIT;
            let read = source.logs(&region, &logs, &pattern, since, limit).await;
            let _ = tx.send(Msg::Logs { number, read });
        }
        _ => {}
    }
}

/// Renders into a scratch buffer and writes to the terminal only if it differs from the last
/// frame: the cells that changed (all of them after a resize), inside a synchronized update, in
/// one write. An idle screen writes nothing at all.
fn draw_if_changed(
    out: &mut CrosstermBackend<io::BufWriter<Stdout>>,
    app: &App,
    last: &mut Option<Buffer>,
) -> io::Result<()> {
    let (width, height) = app.size;
    let frame = ui::render_to_buffer(app, width, height);
    if last.as_ref() == Some(&frame) {
        return Ok(());
    }
    queue!(out, BeginSynchronizedUpdate)?;
    if let Some(prev) = last.as_ref().filter(|prev| prev.area == frame.area) {
        out.draw(prev.diff(&frame).into_iter())?;
    } else {
        queue!(out, Clear(ClearType::All))?;
        out.draw(frame.content.iter().enumerate().map(|(i, c)| {
            let (x, y) = frame.pos_of(i);
            (x, y, c)
        }))?;
    }
    queue!(out, EndSynchronizedUpdate)?;
    Backend::flush(out)?;
    *last = Some(frame);
    Ok(())
}

fn spawn_input_thread(tx: mpsc::UnboundedSender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match event::read() {
                Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => Msg::Key(k),
                Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                Ok(Event::Paste(text)) => Msg::Paste(text),
                Ok(_) => continue,
                Err(_) => return,
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
    });
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

/// Every five seconds: the source's request counts (the header's per-service rates) and, in live
/// mode, the wall-clock time, so the clock runs and pane ages grow even while every call is
/// stalled (a stall shows as stale, never as current).
fn spawn_ticks(source: Arc<dyn EstateReader>, tx: mpsc::UnboundedSender<Msg>, live: bool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let counts = source.call_counts();
            let calls = Msg::Calls(crate::model::Timestamp::now(), counts);
            if tx.send(calls).is_err() || (live && tx.send(Msg::Tick(source.now())).is_err()) {
                return;
            }
        }
    });
}

/// SIGTERM, SIGHUP (the SSH session dropped) and SIGINT quit cleanly, restoring the terminal.
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
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = hup.recv() => {}
                _ = int.recv() => {}
            }
            let quit = ratatui::crossterm::event::KeyEvent::new(
                ratatui::crossterm::event::KeyCode::Char('c'),
                ratatui::crossterm::event::KeyModifiers::CONTROL,
            );
            let _ = tx.send(Msg::Key(quit));
        });
    }
}
