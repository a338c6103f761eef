//! Render cost of a large generated estate (10,000 targets in 500 target groups, 500 alarms with
//! 60-point series, 200 ECS services, 100 associations) at 200×60 and 80×24.

use criterion::{Criterion, criterion_group, criterion_main};
use opsdash::action::Keymap;
use opsdash::app::{App, Msg, Settings};
use opsdash::model::Timestamp;
use opsdash::poller;
use opsdash::source::Source;
use opsdash::source::sim::{SimSource, large_estate};
use opsdash::theme::ThemeSet;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::hint::black_box;

fn loaded_app() -> App {
    let sim = SimSource::new(large_estate(7, Timestamp(1_795_219_200_000)));
    let themes = ThemeSet::built_in().unwrap();
    let theme = themes.get("default").unwrap();
    let mut app = App::new(sim.info(), Settings::new(Keymap::default(), themes), theme);
    app.update(Msg::Tick(sim.now()));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for m in rt.block_on(poller::poll_all(&sim, |_| 0)) {
        app.update(m);
    }
    app
}

fn key(app: &mut App, c: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)));
}

fn bench(c: &mut Criterion) {
    // The demo's own estate, as on an idle screen.
    let sim = SimSource::new(opsdash::source::sim::Sim::new(
        opsdash::source::sim::Scenario::WarmStandby,
        1,
        Timestamp(1_795_219_200_000),
    ));
    let themes = ThemeSet::built_in().unwrap();
    let theme = themes.get("default").unwrap();
    let mut small = App::new(sim.info(), Settings::new(Keymap::default(), themes), theme);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for m in rt.block_on(poller::poll_all(&sim, |_| 0)) {
        small.update(m);
    }
    c.bench_function("render warm-standby 120x40 (into a fresh buffer)", |b| {
        b.iter(|| black_box(opsdash::ui::render_to_buffer(black_box(&small), 120, 40)));
    });
    let read = rt.block_on(poller::fetch(
        &sim,
        &opsdash::model::Region::new("us-east-1").unwrap(),
        opsdash::app::Pane::Targets,
        0,
    ));
    c.bench_function("apply one targets poll (warm-standby)", |b| {
        b.iter(|| small.update(black_box(read.clone())));
    });

    let mut app = loaded_app();
    let rows = app.pane(opsdash::app::Pane::Targets).rows.len();
    assert!(rows > 10_000, "large estate loaded: {rows} target rows");
    // Select a row deep in the list so scrolling is part of the cost.
    for _ in 0..3 {
        key(&mut app, KeyCode::PageDown);
    }
    for (w, h) in [(200u16, 60u16), (80, 24)] {
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        app.update(Msg::Resize(w, h));
        c.bench_function(&format!("render main {w}x{h}"), |b| {
            b.iter(|| {
                buf.reset();
                black_box(opsdash::ui::render(black_box(&app), area, &mut buf));
            });
        });
    }
    key(&mut app, KeyCode::Char('4'));
    let area = Rect::new(0, 0, 200, 60);
    let mut buf = Buffer::empty(area);
    c.bench_function("render alarms focused 200x60", |b| {
        b.iter(|| {
            buf.reset();
            opsdash::ui::render(black_box(&app), area, &mut buf);
        });
    });
    key(&mut app, KeyCode::Enter);
    c.bench_function("render alarm detail chart 200x60", |b| {
        b.iter(|| {
            buf.reset();
            opsdash::ui::render(black_box(&app), area, &mut buf);
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
