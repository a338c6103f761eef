//! Measures the release binary in a pseudo-terminal: time to first frame, time until every pane
//! has data, then over a window (default 60 s) the bytes written per second, CPU time and RSS.
//!
//! `cargo build --release && cargo run --release --example measure -- [SECONDS] [ARGS...]`
//!
//! CPU time is the kernel's own account of the time the process ran (every thread's
//! `schedstat`, in nanoseconds), not the 10 ms ticks of `/proc/PID/stat`.
//!
//! `MEASURE_REFERENCE=1`: the idle demo runs beside it in a second terminal over the same window,
//! and its CPU is printed too. On a calm machine the idle demo takes about 0.05 % of a core;
//! a virtual machine whose host is busy, or whose idle CPU sleeps deeply, can make the same work
//! cost several times that, and the reference says when a window was such a one.
use portable_pty::{Child, CommandBuilder, NativePtySystem, PtyPair, PtySize, PtySystem};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// CPU time in seconds, from every thread's `schedstat` (nanoseconds); the ticks of `stat`
/// where that is missing.
fn cpu_secs(pid: u32) -> f64 {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"));
    let ns: Option<u64> = tasks.ok().map(|dir| {
        dir.flatten()
            .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
            .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
            .sum()
    });
    match ns {
        Some(ns) if ns > 0 => ns as f64 / 1e9,
        _ => stat_ticks(pid) as f64 / 100.0,
    }
}

/// User and system time of `/proc/PID/stat`, in ticks.
fn stat_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let field = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok());
    field(11).unwrap_or(0) + field(12).unwrap_or(0)
}

/// Resident memory now and at its peak, in KiB.
fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (kb("VmRSS:"), kb("VmHWM:"))
}

/// What "every pane has data" looks like on the demo.
const DEMO_FILLED: &str = "healthy,associ,OK,ASG,succeeded";

/// A console running in a pseudo-terminal of 120 columns: its screen, and when it wrote how much.
struct Running {
    child: Box<dyn Child + Send + Sync>,
    pid: u32,
    start: Instant,
    parser: Arc<Mutex<vt100::Parser>>,
    bytes: Arc<Mutex<Vec<(Instant, usize)>>>,
    // Kept open: a terminal whose master is gone hangs up.
    _pair: PtyPair,
    _writer: Box<dyn Write + Send>,
}

impl Running {
    fn launch(bin: &std::path::Path, args: &[String], lines: u16) -> Running {
        let pair = NativePtySystem::default()
            .openpty(PtySize {
                rows: lines,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(bin);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(lines, 120, 0)));
        let bytes = Arc::new(Mutex::new(Vec::<(Instant, usize)>::new()));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let start = Instant::now();
        let child = pair.slave.spawn_command(cmd).unwrap();
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
        Running {
            child,
            pid,
            start,
            parser,
            bytes,
            _pair: pair,
            _writer: writer,
        }
    }

    /// Waits (at most 20 s from the start) until the screen holds every one of `what` and, when
    /// `count` is given, at least N lines hold its text; the time since the start.
    fn wait(&self, what: &[&str], count: Option<&(String, usize)>) -> Duration {
        loop {
            let s = self.parser.lock().unwrap().screen().contents();
            let counted = count
                .is_none_or(|(t, n)| s.lines().filter(|l| l.contains(t.as_str())).count() >= *n);
            if what.iter().all(|w| s.contains(w)) && counted {
                return self.start.elapsed();
            }
            assert!(
                self.start.elapsed() < Duration::from_secs(20),
                "timeout waiting for {what:?}:\n{s}"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
    }
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
    let opsdash = std::env::current_dir()
        .unwrap()
        .join("target/release/opsdash");
    let bin =
        std::env::var("OPSDASH_BIN").map_or_else(|_| opsdash.clone(), std::path::PathBuf::from);
    // MEASURE_LINES: a taller terminal (the fleet view's forty rows).
    let lines: u16 = std::env::var("MEASURE_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let reference = std::env::var("MEASURE_REFERENCE").is_ok_and(|v| v == "1");
    let run = Running::launch(&bin, &args, lines);
    // MEASURE_COUNT=TEXT:N: besides, at least N lines hold TEXT (every fleet row read).
    let count = std::env::var("MEASURE_COUNT").ok().and_then(|c| {
        let (text, n) = c.rsplit_once(':')?;
        Some((text.to_owned(), n.parse::<usize>().ok()?))
    });
    // The first frame: opsdash's Targets pane, or MEASURE_FIRST for another console.
    let first_mark = std::env::var("MEASURE_FIRST").unwrap_or_else(|_| "1 Targets".into());
    let first = run.wait(&[first_mark.as_str()], None);
    // What "every pane has data" looks like: the demo's by default, or MEASURE_WAIT (comma
    // separated) for a live estate.
    let filled = std::env::var("MEASURE_WAIT").unwrap_or_else(|_| DEMO_FILLED.into());
    let filled: Vec<&str> = filled.split(',').collect();
    let full = run.wait(&filled, count.as_ref());
    println!(
        "first frame:          {:.1} ms",
        first.as_secs_f64() * 1000.0
    );
    println!(
        "all panes with data:  {:.1} ms",
        full.as_secs_f64() * 1000.0
    );
    let beside = reference.then(|| {
        let demo = Running::launch(&opsdash, &["--demo".to_owned()], 40);
        let filled: Vec<&str> = DEMO_FILLED.split(',').collect();
        demo.wait(&filled, None);
        demo
    });
    // Let start-up settle, then measure a window.
    std::thread::sleep(Duration::from_secs(2));
    let cpu0 = cpu_secs(run.pid);
    let ref0 = beside.as_ref().map(|d| cpu_secs(d.pid));
    let t0 = Instant::now();
    let seen0 = run.bytes.lock().unwrap().len();
    std::thread::sleep(Duration::from_secs(secs));
    let cpu1 = cpu_secs(run.pid);
    let ref1 = beside.as_ref().map(|d| cpu_secs(d.pid));
    let (rss, hwm) = rss_kib(run.pid);
    let wall = t0.elapsed().as_secs_f64();
    let writes: Vec<(Instant, usize)> = run.bytes.lock().unwrap()[seen0..].to_vec();
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
    if let (Some(a), Some(b)) = (ref0, ref1) {
        println!(
            "reference:            the idle demo beside it {:.3} % of a core (about 0.05 % on a calm machine)",
            (b - a) / wall * 100.0
        );
    }
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
    let Running { mut child, .. } = run;
    let _ = child.kill();
    if let Some(Running { mut child, .. }) = beside {
        let _ = child.kill();
    }
}
