//! Measures full refreshes of a live estate (every pane of every region at once, as the console's
//! pollers and `r` do): the calls each makes by operation, the wall time of the whole refresh and
//! of each pane. Point it at moto with `scripts/measure-live.sh`.
//!
//! `cargo run --release --example live_refresh -- [REFRESHES] [--region R] [--dr-region R]`
use opsdash::app::{Msg, Pane};
use opsdash::poller;
use opsdash::source::Source;
use opsdash::source::aws::{AwsOptions, AwsSource};
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).map_or(5, |n| {
        args.remove(0);
        n
    });
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|r| opsdash::model::Region::new(r).unwrap_or_else(|e| panic!("{name}: {e}")))
    };
    let opts = AwsOptions {
        profile: None,
        region: flag("--region"),
        dr_region: flag("--dr-region"),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let t = Instant::now();
    let src = Arc::new(
        rt.block_on(AwsSource::connect(&opts, None))
            .expect("connects"),
    );
    println!(
        "connect (STS):        {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let mut times = Vec::new();
    for i in 0..n {
        let before = src.call_counts();
        let t = Instant::now();
        // Every pane of every region concurrently, as the pollers run them.
        let msgs: Vec<(Msg, f64)> = rt.block_on(async {
            let mut set = tokio::task::JoinSet::new();
            for r in src.info().regions {
                for p in Pane::ALL {
                    let (src, region) = (src.clone(), r.name.clone());
                    set.spawn(async move {
                        let t = Instant::now();
                        let m = poller::fetch(&*src, &region, p, 0).await;
                        (m, t.elapsed().as_secs_f64() * 1000.0)
                    });
                }
            }
            set.join_all().await
        });
        let wall = t.elapsed().as_secs_f64() * 1000.0;
        times.push(wall);
        if i == 0 {
            let after = src.call_counts();
            let mut total = 0;
            println!("calls of one full refresh, by operation:");
            for (k, v) in &after {
                let d = v.calls - before.get(k).map_or(0, |b| b.calls);
                if d > 0 {
                    println!("  {:<22} {:<38} {d:>4}", k.0, k.1);
                    total += d;
                }
            }
            println!("  total                                                       {total:>4}");
            for (m, ms) in &msgs {
                if let Msg::Data {
                    payload, region, ..
                } = m
                {
                    let s = payload.stats();
                    let failed = if s.errors + s.throttles > 0 {
                        " (failed)"
                    } else {
                        ""
                    };
                    println!(
                        "  pane {region} {:<9} {ms:>8.1} ms, {} calls{failed}",
                        payload.pane().title(),
                        s.calls
                    );
                }
            }
        }
        println!("refresh {i}:            {wall:.1} ms");
    }
    times.sort_by(f64::total_cmp);
    println!(
        "wall time:            min {:.1} ms, median {:.1} ms, max {:.1} ms over {n} refreshes",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    );
}
