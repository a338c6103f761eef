//! One simulation step (one virtual second) of the large generated estate, and one poll of it.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use opsdash::model::Timestamp;
use opsdash::source::sim::{Scenario, Sim, SimSource, large_estate};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let t0 = Timestamp(1_795_219_200_000);
    let mut sim = large_estate(7, t0);
    // Settle first so health-check schedules are spread as in a running estate.
    sim.advance(60.0);
    c.bench_function("sim step large estate (1 s)", |b| {
        b.iter_batched_ref(
            || sim.clone(),
            |s| s.advance(black_box(1.0)),
            BatchSize::LargeInput,
        );
    });
    let mut small = Sim::new(Scenario::WarmStandby, 1, t0);
    c.bench_function("sim step warm-standby (1 s)", |b| {
        b.iter(|| small.advance(black_box(1.0)));
    });
    let src = SimSource::new(large_estate(7, t0));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    c.bench_function("poll all panes large estate", |b| {
        b.iter(|| black_box(rt.block_on(opsdash::poller::poll_all(&src, |_| 0))));
    });
    c.bench_function("build warm-standby with 1 h warm-up", |b| {
        b.iter(|| black_box(Sim::new(Scenario::WarmStandby, 1, t0)));
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
