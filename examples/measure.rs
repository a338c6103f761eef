//! Measures the release binary in a pseudo-terminal: time to first frame, time until every pane
//! has data, then over a window (default 60 s) the bytes written per second, CPU time and RSS.
//!
//! `cargo build --release && cargo run --release --example measure -- [SECONDS] [ARGS...]`
use portable_pty::{CommandBuilder, NativePtySystem, PtySize, PtySystem};
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn proc_stat(pid: u32) -> (f64, u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + fields
            .get(12)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (ticks as f64 / 100.0, kb("VmRSS:"), kb("VmHWM:"))
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let secs: u64 = args.first().and_then(|a| a.parse().ok()).map_or(60, |s| {
        args.remove(0);
        s
    });
    if args.is_empty() {
        args.push("--demo".into());
    }
    let bin = std::env::var("OPSDASH_BIN").map_or_else(
        |_| {
            std::env::current_dir()
                .unwrap()
                .join("target/release/opsdash")
        },
        std::path::PathBuf::from,
    );
    // MEASURE_LINES: a taller terminal (the fleet view's forty rows).
    let lines: u16 = std::env::var("MEASURE_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let pair = NativePtySystem::default()
        .openpty(PtySize {
            rows: lines,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(&bin);
    cmd.args(&args);
    cmd.env("TERM", "xterm-256color");
    let parser = Arc::new(Mutex::new(vt100::Parser::new(lines, 120, 0)));
    let bytes = Arc::new(Mutex::new(Vec::<(Instant, usize)>::new()));
    let mut reader = pair.master.try_clone_reader().unwrap();
    let _writer = pair.master.take_writer().unwrap();
    let start = Instant::now();
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    let (p, b) = (parser.clone(), bytes.clone());
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            b.lock().unwrap().push((Instant::now(), n));
            p.lock().unwrap().process(&buf[..n]);
        }
    });
    let pid = child.process_id().unwrap();
    // MEASURE_COUNT=TEXT:N: besides, at least N lines hold TEXT (every fleet row read).
    let count = std::env::var("MEASURE_COUNT").ok().and_then(|c| {
        let (text, n) = c.rsplit_once(':')?;
        Some((text.to_owned(), n.parse::<usize>().ok()?))
    });
    let wait = |what: &[&str], all: bool| loop {
        let s = parser.lock().unwrap().screen().contents();
        let counted = !all
            || count
                .as_ref()
                .is_none_or(|(t, n)| s.lines().filter(|l| l.contains(t.as_str())).count() >= *n);
        if what.iter().all(|w| s.contains(w)) && counted {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timeout waiting for {what:?}:\n{s}"
        );
        std::thread::sleep(Duration::from_micros(200));
    };
    // The first frame: opsdash's Targets pane, or MEASURE_FIRST for another console.
    let first_mark = std::env::var("MEASURE_FIRST").unwrap_or_else(|_| "1 Targets".into());
    let first = wait(&[first_mark.as_str()], false);
    // What "every pane has data" looks like: the demo's by default, or MEASURE_WAIT (comma
    // separated) for a live estate.
    let filled =
        std::env::var("MEASURE_WAIT").unwrap_or_else(|_| "healthy,associ,OK,ASG,succeeded".into());
    let filled: Vec<&str> = filled.split(',').collect();
    let full = wait(&filled, true);
    println!(
        "first frame:          {:.1} ms",
        first.as_secs_f64() * 1000.0
    );
    println!(
        "all panes with data:  {:.1} ms",
        full.as_secs_f64() * 1000.0
    );
    // Let start-up settle, then measure a window.
    std::thread::sleep(Duration::from_secs(2));
    let (cpu0, _, _) = proc_stat(pid);
    let t0 = Instant::now();
    let seen0 = bytes.lock().unwrap().len();
    std::thread::sleep(Duration::from_secs(secs));
    let (cpu1, rss, hwm) = proc_stat(pid);
    let wall = t0.elapsed().as_secs_f64();
    let writes: Vec<(Instant, usize)> = bytes.lock().unwrap()[seen0..].to_vec();
    let mut per_sec = vec![0usize; secs as usize + 1];
    for (at, n) in &writes {
        let s = at.duration_since(t0).as_secs() as usize;
        if s < per_sec.len() {
            per_sec[s] += n;
        }
    }
    per_sec.truncate(secs as usize);
    let total: usize = per_sec.iter().sum();
    let quiet = per_sec.iter().filter(|n| **n == 0).count();
    println!("window:               {secs} s");
    println!(
        "CPU:                  {:.3} s = {:.3} % of a core",
        cpu1 - cpu0,
        (cpu1 - cpu0) / wall * 100.0
    );
    println!(
        "RSS:                  {:.1} MiB now, {:.1} MiB peak",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    println!(
        "bytes written:        {total} ({:.0} B/s), {quiet} of {secs} seconds wrote nothing",
        total as f64 / wall
    );
    println!("bytes per second:     {per_sec:?}");
    let _ = child.kill();
}
