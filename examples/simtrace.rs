//! Prints a trace of a demo scenario with a fault: `cargo run --example simtrace -- warm-standby bad-image`.
use opsdash::model::Timestamp;
use opsdash::source::sim::{Fault, Scenario, Sim, SimSource};
use opsdash::source::{EstateReader, Source};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scenario = Scenario::parse(args.get(1).map_or("warm-standby", String::as_str)).unwrap();
    let fault = args.get(2).cloned().unwrap_or_default();
    let sim = Sim::new(scenario, 1, Timestamp::from_secs(1_795_219_200));
    let src = SimSource::new(sim);
    let primary = src.info().regions[0].name.clone();
    let region = primary.to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let f = match fault.as_str() {
        "stop" => Some(Fault::StopInstance {
            region: region.clone(),
            instance: None,
        }),
        "bad-image" => Some(Fault::BadImage {
            region: region.clone(),
        }),
        "cpu" => Some(Fault::CpuSpike {
            region: region.clone(),
        }),
        "dark" => Some(Fault::PrimaryDark),
        "throttle" => Some(Fault::Throttling),
        _ => None,
    };
    if let Some(f) = f {
        println!("{:?}", src.lock().inject(&f));
    }
    let mut seq = 0;
    for step in 0..40 {
        rt.block_on(async {
            for r in src.info().regions {
                let ev = src.timeline(&r.name, seq).await.result.unwrap_or_default();
                for e in &ev {
                    println!(
                        "{} {} {:?} {} {}",
                        e.at.hms(),
                        e.region,
                        e.kind,
                        e.resource,
                        e.message
                    );
                    seq = seq.max(e.seq);
                }
            }
            let lbs = src.targets(&primary).await.result.unwrap();
            let tg: Vec<String> = lbs
                .iter()
                .flat_map(|l| l.target_groups.iter())
                .map(|g| format!("{} {}/{}", g.name, g.healthy, g.total))
                .collect();
            let al = src.alarms(&primary).await.result.unwrap();
            let a: Vec<String> = al
                .iter()
                .map(|a| {
                    format!(
                        "{}={} {:?}",
                        a.name,
                        a.state.as_str(),
                        a.series.last().map(|p| p.value)
                    )
                })
                .collect();
            println!(
                "-- t+{}s {}: {} | {}",
                step * 30,
                src.now().hms(),
                tg.join(", "),
                a.join(", ")
            );
        });
        src.advance(30.0);
    }
}
