//! End to end: the binary (release when `OPSDASH_E2E_BIN` points at it, as the test script does)
//! in a real pseudo-terminal; keys in, screen out through a terminal-emulator parser; a clean
//! exit and a restored terminal (main screen, cursor shown, cooked mode).

#[path = "support/pty.rs"]
mod pty;

use portable_pty::PtySize;
use pty::{Pty, assert_cooked_mode, binary, wait_exit};
use std::time::{Duration, Instant};

#[test]
fn demo_console_end_to_end() {
    let mut pty = Pty::open(120, 40);
    let mut child = pty.spawn(&binary(), &["--demo"]);
    let s = pty.wait_for("bookstore-frontend", Duration::from_secs(15));
    for pane in [
        "1 Targets",
        "2 Capacity",
        "3 Runs",
        "4 Alarms",
        "5 Timeline",
        "DEMO warm-standby",
    ] {
        assert!(s.contains(pane), "missing {pane}:\n{s}");
    }
    assert!(
        pty.parser.lock().unwrap().screen().alternate_screen(),
        "runs on the alternate screen"
    );

    pty.send("?");
    pty.wait_for("Navigation", Duration::from_secs(5));
    pty.send("x");
    pty.send("4");
    pty.send("\r");
    pty.wait_for("Alarm bookstore-alb-5xx", Duration::from_secs(5));
    pty.wait_for("over the last", Duration::from_secs(5));
    pty.send("\x1b");
    pty.send("v");
    pty.wait_for("us-west-2 (DR)", Duration::from_secs(5));
    pty.send("v");
    pty.send("1");
    pty.send("/");
    pty.send("backend");
    pty.send("\r");
    let s = pty.wait_for("/backend", Duration::from_secs(5));
    assert!(!s.contains("fa-092-NLBTargetGroup"), "filter applied:\n{s}");
    pty.send(":");
    pty.send("theme light\r");
    pty.wait_for("theme light", Duration::from_secs(5));

    pty.send("q");
    let status = wait_exit(&mut child, Duration::from_secs(10));
    assert!(status.success(), "clean exit: {status:?}");
    {
        let p = pty.parser.lock().unwrap();
        assert!(!p.screen().alternate_screen(), "back on the main screen");
        assert!(!p.screen().hide_cursor(), "cursor shown again");
    }
    assert_cooked_mode(&mut pty);
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut pty = Pty::open(80, 24);
    let mut child = pty.spawn(&binary(), &["--demo", "alb-asg"]);
    pty.wait_for("web-tg", Duration::from_secs(15));
    let pid = child.process_id().expect("pid");
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let status = wait_exit(&mut child, Duration::from_secs(10));
    assert!(status.success(), "SIGTERM quits cleanly: {status:?}");
    assert!(!pty.parser.lock().unwrap().screen().alternate_screen());
    assert_cooked_mode(&mut pty);
}

#[test]
fn tiny_terminal_says_so_and_still_quits() {
    let mut pty = Pty::open(20, 5);
    let mut child = pty.spawn(&binary(), &["--demo"]);
    pty.wait_for("20x5 is too", Duration::from_secs(15));
    pty.parser.lock().unwrap().screen_mut().set_size(24, 80);
    pty.pair
        .master
        .resize(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    pty.wait_for("Targets", Duration::from_secs(5));
    pty.send("q");
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
}

#[test]
fn a_panic_restores_the_terminal_before_the_report() {
    // The probe sits next to the test binaries: target/<profile>/examples/panic_probe.
    let exe = std::env::current_exe().unwrap();
    let probe = exe
        .parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join("examples/panic_probe");
    assert!(
        probe.exists(),
        "{} is built by a full `cargo test`; alone, run `cargo build --example panic_probe` first",
        probe.display()
    );
    let mut pty = Pty::open(80, 24);
    let mut child = pty.spawn(&probe, &[]);
    pty.wait_for("probe: terminal taken over", Duration::from_secs(10));
    assert!(pty.parser.lock().unwrap().screen().alternate_screen());
    let status = wait_exit(&mut child, Duration::from_secs(10));
    assert!(!status.success(), "a panic exits non-zero");
    let raw = String::from_utf8_lossy(&pty.raw.lock().unwrap()).to_string();
    let leave = raw.rfind("\x1b[?1049l").expect("left the alternate screen");
    let report = raw
        .rfind("probe panic: something went wrong")
        .expect("the panic is reported");
    assert!(leave < report, "the terminal is restored before the report");
    assert!(!pty.parser.lock().unwrap().screen().alternate_screen());
    assert!(!pty.parser.lock().unwrap().screen().hide_cursor());
    assert_cooked_mode(&mut pty);
}

/// The audit log a console in this pty writes.
fn audit_lines(pty: &Pty) -> Vec<serde_json::Value> {
    std::fs::read_to_string(pty.home.join("state/opsdash/audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("an audit line is JSON"))
        .collect()
}

/// The nlb-web-app demo in a pseudo-terminal `cols` wide (each test its own width, and so its own
/// state directory, emptied first), with the app group on screen.
fn nlb_demo(cols: u16, extra: &[&str]) -> (Pty, Box<dyn portable_pty::Child + Send + Sync>) {
    let pty = Pty::open(cols, 40);
    let _ = std::fs::remove_dir_all(pty.home.join("state"));
    let child = pty.spawn(&binary(), &[&["--demo", "nlb-web-app"], extra].concat());
    pty.wait_for("1/2/4", Duration::from_secs(15));
    (pty, child)
}

#[test]
fn scale_from_the_keys_changes_the_pane_and_writes_the_audit_log() {
    let (mut pty, mut child) = nlb_demo(121, &[]);
    pty.send("2");
    pty.send("s");
    pty.wait_for("new desired count", Duration::from_secs(5));
    pty.send("9\r");
    pty.wait_for("9 is outside min..max (1..4)", Duration::from_secs(5));
    pty.send("\x7f3\r");
    pty.wait_for("SetDesiredCapacity", Duration::from_secs(5));
    assert!(
        audit_lines(&pty).is_empty(),
        "nothing before the confirmation"
    );
    pty.send("y");
    pty.wait_for(
        "done: scale fa-092-AutoScalingGroup 2 -> 3",
        Duration::from_secs(10),
    );
    pty.wait_for("1/3/4", Duration::from_secs(10));
    let log = audit_lines(&pty);
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0]["phase"], "intent");
    assert_eq!(log[0]["operation"], "scale");
    assert_eq!(log[0]["target"], "asg/fa-092-AutoScalingGroup");
    assert_eq!(log[0]["source"], "demo");
    assert_eq!(log[1]["outcome"], "ok");
    pty.send("q");
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());

    // `opsdash audit` shows it.
    let out = std::process::Command::new(binary())
        .args(["audit", "--since", "1h"])
        .env("HOME", &pty.home)
        .env("XDG_STATE_HOME", pty.home.join("state"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("scale"), "{text}");
    assert!(text.contains("asg/fa-092-AutoScalingGroup"), "{text}");
    assert!(text.contains("desired=3"), "{text}");
    assert!(text.contains("-> OK"), "{text}");
}

#[test]
fn read_only_scale_key_is_refused_and_nothing_changes() {
    let (mut pty, mut child) = nlb_demo(122, &["--read-only"]);
    assert!(pty.screen().contains("READ-ONLY"));
    pty.send("2");
    pty.send("s");
    pty.wait_for(
        "read-only (--read-only): scale ASG / service is disabled",
        Duration::from_secs(5),
    );
    // Whatever follows (a value, Enter, y) cannot get past the refusal.
    pty.send("3\ry");
    pty.send("\x1b");
    pty.send("2");
    pty.send("r");
    std::thread::sleep(Duration::from_millis(500));
    let s = pty.screen();
    assert!(!s.contains("new desired count"), "no prompt:\n{s}");
    assert!(s.contains("1/2/4"), "the group is unchanged:\n{s}");
    let log = audit_lines(&pty);
    assert!(
        log.iter()
            .filter(|r| r["phase"] == "outcome")
            .all(|r| r["outcome"] == "refused"),
        "{log:?}"
    );
    pty.send("q");
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
}

#[test]
fn failover_drill_on_the_demo_runs_to_the_end_and_fails_back() {
    let mut pty = Pty::open(123, 40);
    let _ = std::fs::remove_dir_all(pty.home.join("state"));
    let mut child = pty.spawn(&binary(), &["--demo", "--speed", "60", "--refresh", "1"]);
    pty.wait_for("bookstore-frontend", Duration::from_secs(15));
    pty.send("F");
    pty.wait_for(
        "health alarm bookstore-primary-health exists",
        Duration::from_secs(10),
    );
    pty.send("s");
    pty.wait_for("type bookstore and Enter", Duration::from_secs(5));
    pty.send("bookstore\r");
    pty.wait_for("RUNNING", Duration::from_secs(5));
    let state = pty.home.join("state/opsdash/drill.json");
    let start = Instant::now();
    while !state.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the state is on disk while the drill runs"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let s = pty.wait_for("DONE: us-west-2 serving", Duration::from_secs(90));
    assert!(s.contains("recovery time"), "{s}");
    // The simulated switch lasts until CloudWatch next evaluates the health alarm (a minute of
    // demo time at --speed 60): the drill is checked until failback and says it did not hold.
    pty.wait_for("the simulated switch did not hold", Duration::from_secs(30));
    pty.send("B");
    pty.wait_for("type bookstore and Enter", Duration::from_secs(5));
    pty.send("bookstore\r");
    pty.wait_for(
        "FINISHED: everything the drill did was restored",
        Duration::from_secs(20),
    );
    assert!(!pty.home.join("state/opsdash/drill.json").exists());
    let steps: Vec<String> = audit_lines(&pty)
        .iter()
        .filter(|r| r["phase"] == "outcome")
        .map(|r| format!("{} {}", r["parameters"]["step"], r["outcome"]))
        .collect();
    assert_eq!(steps.len(), 7, "{steps:?}");
    let failed: Vec<&String> = steps.iter().filter(|s| !s.ends_with("\"ok\"")).collect();
    assert_eq!(failed, ["\"Verify\" \"failed\""], "{steps:?}");
    pty.send("q");
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
}

/// A paste arrives in the terminal as one bracketed text: it goes into the prompt as text, so a
/// line break inside it confirms nothing (it used to run a scale: "see ticket INC-4⏎yes, scale
/// it" typed `4`, Enter, `y`).
#[test]
fn a_pasted_text_never_confirms_an_operation() {
    // Width 124: 123 is the drill test's, and with it its state directory and audit log.
    let (mut pty, mut child) = nlb_demo(124, &[]);
    pty.send("2");
    pty.send("s");
    pty.wait_for("new desired count", Duration::from_secs(5));
    pty.send("\x1b[200~see ticket INC-4\ryes, scale it\x1b[201~");
    pty.wait_for("is not a whole number", Duration::from_secs(5));
    // Enter on what was pasted plans nothing either.
    pty.send("\r");
    std::thread::sleep(Duration::from_millis(300));
    let s = pty.screen();
    assert!(!s.contains("SetDesiredCapacity"), "no plan:\n{s}");
    pty.send("\x1b");
    // A valid count, then a pasted "y": the confirmation stays open.
    pty.send("s");
    pty.wait_for("new desired count", Duration::from_secs(5));
    pty.send("3\r");
    pty.wait_for("SetDesiredCapacity", Duration::from_secs(5));
    pty.send("\x1b[200~y\r\x1b[201~");
    pty.wait_for("a paste does not confirm", Duration::from_secs(5));
    pty.send("n");
    std::thread::sleep(Duration::from_millis(500));
    let s = pty.screen();
    assert!(s.contains("1/2/4"), "the group is unchanged:\n{s}");
    let log = audit_lines(&pty);
    assert!(
        log.iter()
            .filter(|r| r["phase"] == "outcome")
            .all(|r| r["outcome"] == "cancelled"),
        "{log:?}"
    );
    pty.send("q");
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
}

#[test]
fn logs_of_a_group_filter_pause_and_back() {
    // Width 125: its own state directory and audit log.
    let (mut pty, mut child) = nlb_demo(125, &[]);
    let wait = Duration::from_secs(5);
    pty.send("2");
    pty.send("l");
    let s = pty.wait_for("Logs group", wait);
    assert!(s.contains("/ec2/"), "the group's log group:\n{s}");
    // The last 15 minutes are there at once: the instances' access lines.
    pty.wait_for("INFO GET /", wait);
    pty.wait_for("following", wait);
    pty.send("/");
    pty.wait_for("filter pattern /", wait);
    pty.send("zzz-nothing\r");
    pty.wait_for("no log events in the last 15 minutes match", wait);
    pty.send("f");
    pty.wait_for("paused, 0 new", wait);
    pty.send("\x1b");
    let s = pty.wait_for("2 Capacity", wait);
    assert!(!s.contains("Logs group"), "back to the panes:\n{s}");
    pty.send("q");
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
}

/// A zone gone dark and the zonal shift that takes it out, through the keys of the release
/// binary: the fault from the `!` menu, `z` from another pane (the verdict's load balancer), the
/// preflight with the AZ ID, the exact call confirmed with `y`, the header's badge, the audit.
#[test]
fn zonal_shift_from_the_keys_leaves_the_dark_zone_and_is_audited() {
    let mut pty = Pty::open(124, 40);
    let _ = std::fs::remove_dir_all(pty.home.join("state"));
    let mut child = pty.spawn(&binary(), &["--demo", "--speed", "20"]);
    pty.wait_for("bookstore-frontend", Duration::from_secs(15));
    pty.send("!");
    let menu = pty.wait_for("First Availability Zone", Duration::from_secs(5));
    let line = menu
        .lines()
        .find(|l| l.contains("First Availability Zone"))
        .unwrap();
    let at = line.find("First Availability Zone").unwrap();
    let number = line[..at].trim_end().chars().last().unwrap();
    pty.send(&number.to_string());
    pty.wait_for("shift bookstore-alb away", Duration::from_secs(60));
    pty.send("4");
    pty.send("z");
    let s = pty.wait_for("shift away from (zone or AZ ID)", Duration::from_secs(10));
    assert!(s.contains("use1-az4"), "{s}");
    assert!(s.contains("leaving us-east-1a"), "{s}");
    pty.send("\r");
    pty.wait_for("arc-zonal-shift:StartZonalShift", Duration::from_secs(5));
    assert!(
        audit_lines(&pty).is_empty(),
        "nothing before the confirmation"
    );
    pty.send("y");
    pty.wait_for("ZONAL SHIFT from use1-az4", Duration::from_secs(15));
    let log = audit_lines(&pty);
    assert_eq!(log[0]["operation"], "zonal_shift", "{log:?}");
    assert_eq!(log[0]["parameters"]["away_from"], "use1-az4");
    assert!(
        log[0]["calls"][0]
            .as_str()
            .unwrap()
            .contains("awayFrom=use1-az4 expiresIn=1h"),
        "{log:?}"
    );
    assert_eq!(log[1]["outcome"], "ok");
    pty.send("q");
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
    assert_cooked_mode(&mut pty);
}

/// An ARC Region switch execution through the keys of the release binary: the plan in the
/// failover view, `e` and the prompt's default, the exact StartPlanExecution call with the app's
/// name typed, the manual approval waited for and approved with `a`, the traffic moved and the
/// recovery time shown, both calls in the audit log.
#[test]
fn region_switch_from_the_keys_waits_for_approval_and_moves_the_traffic() {
    let mut pty = Pty::open(125, 40);
    let _ = std::fs::remove_dir_all(pty.home.join("state"));
    let mut child = pty.spawn(&binary(), &["--demo", "--speed", "20"]);
    pty.wait_for("bookstore-frontend", Duration::from_secs(15));
    pty.send("F");
    pty.wait_for(
        "ARC Region switch plan bookstore-failover",
        Duration::from_secs(10),
    );
    pty.send("e");
    pty.wait_for("activate us-west-2", Duration::from_secs(5));
    pty.send("\r");
    pty.wait_for(
        "arc-region-switch:StartPlanExecution",
        Duration::from_secs(5),
    );
    pty.send("bookstore\r");
    pty.wait_for(
        "SWITCH TO us-west-2 awaits approval",
        Duration::from_secs(30),
    );
    assert_eq!(audit_lines(&pty).len(), 2, "the start, intent and outcome");
    pty.send("a");
    pty.wait_for("ApprovePlanExecutionStep", Duration::from_secs(5));
    pty.send("y");
    let s = pty.wait_for("TRAFFIC ON us-west-2", Duration::from_secs(120));
    assert!(s.contains("recovery time"), "{s}");
    let log = audit_lines(&pty);
    let ops: Vec<&str> = log
        .iter()
        .map(|r| r["operation"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ops, ["region_switch"; 4], "{log:?}");
    assert!(
        log[2]["calls"][0]
            .as_str()
            .unwrap()
            .contains("stepName=approve-switch approval=approve"),
        "{log:?}"
    );
    pty.send("q");
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
    assert_cooked_mode(&mut pty);
}
