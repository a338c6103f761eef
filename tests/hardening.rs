//! Nothing lost, nothing let in: the audit trail under a full disk and signals, state that
//! belongs to someone else, links swapped in, input that would wedge the console. The binary in a
//! pseudo-terminal where the operating system's behaviour is the point (a full disk, signals,
//! partial escape sequences), the console on virtual time elsewhere.

#[path = "support/pty.rs"]
mod pty;

use pty::{Pty, binary, wait_exit};
use std::time::Duration;

/// The audit log a console in this pty writes, line by line.
fn audit_text(pty: &Pty) -> String {
    std::fs::read_to_string(pty.home.join("state/opsdash/audit.jsonl")).unwrap_or_default()
}

/// `opsdash audit` as the operator runs it, on this pty's state.
fn audit_report(pty: &Pty) -> String {
    let out = std::process::Command::new(binary())
        .arg("audit")
        .env("HOME", &pty.home)
        .env("XDG_STATE_HOME", pty.home.join("state"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A full disk, as the kernel reports it to a writer: the console runs under a file-size limit
/// (`prlimit`, with SIGXFSZ ignored, so a write past it fails with EFBIG after writing what
/// fits). The first operation's intent fits only in part: the operation is refused and no part
/// of its line stays. With room again, the next operation's record is whole and readable: the
/// torn line used to stay, the next intent was appended to it, and `opsdash audit` showed
/// `(unreadable line …)` where an executed scale should be.
#[test]
fn a_full_disk_never_tears_the_audit_log() {
    let mut pty = Pty::open(131, 40);
    let _ = std::fs::remove_dir_all(pty.home.join("state"));
    let cmd = format!(
        "trap '' XFSZ; exec prlimit --fsize=200:unlimited -- '{}' --demo nlb-web-app",
        binary().display()
    );
    let mut child = pty.spawn(std::path::Path::new("sh"), &["-c", &cmd]);
    pty.wait_for("1/2/4", Duration::from_secs(15));
    let pid = child.process_id().expect("pid");
    pty.send("2");
    pty.send("s");
    pty.wait_for("new desired count", Duration::from_secs(5));
    pty.send("3\r");
    pty.wait_for("SetDesiredCapacity", Duration::from_secs(5));
    pty.send("y");
    let s = pty.wait_for("NOT RUN: scale", Duration::from_secs(10));
    assert!(s.contains("1/2/4"), "nothing was scaled:\n{s}");
    assert_eq!(audit_text(&pty), "", "no part of the refused intent stays");

    // Room on the disk again.
    let raised = std::process::Command::new("prlimit")
        .args(["--pid", &pid.to_string(), "--fsize=unlimited:unlimited"])
        .status()
        .unwrap();
    assert!(raised.success());
    pty.send("s");
    pty.wait_for("new desired count", Duration::from_secs(5));
    pty.send("3\r");
    pty.wait_for("SetDesiredCapacity", Duration::from_secs(5));
    pty.send("y");
    let s = pty.wait_for(
        "done: scale fa-092-AutoScalingGroup 2 -> 3",
        Duration::from_secs(10),
    );
    assert!(!s.contains("could not be written"), "{s}");
    pty.send("q");
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());

    let text = audit_text(&pty);
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("a whole record per line: {e}: {line}"));
    }
    assert_eq!(text.lines().count(), 2, "{text}");
    let report = audit_report(&pty);
    assert!(!report.contains("unreadable"), "{report}");
    assert!(
        report.contains("desired=3") && report.contains("-> OK"),
        "{report}"
    );
}

/// SIGTERM while a call is in flight (the demo's slow API makes each change take 4 s): the
/// console says it waits, waits, records the outcome, and exits cleanly. It used to quit at
/// once, and the audit log said INTERRUPTED for a scale that had happened.
#[test]
fn sigterm_during_a_call_waits_for_it_and_records_its_outcome() {
    let mut pty = Pty::open(132, 40);
    let _ = std::fs::remove_dir_all(pty.home.join("state"));
    let mut child = pty.spawn(&binary(), &["--demo", "nlb-web-app"]);
    pty.wait_for("1/2/4", Duration::from_secs(15));
    pty.send("!");
    let menu = pty.wait_for("Slow API", Duration::from_secs(5));
    let line = menu.lines().find(|l| l.contains("Slow API")).unwrap();
    let at = line.find("Slow API").unwrap();
    let number = line[..at].trim_end().chars().last().unwrap();
    pty.send(&number.to_string());
    pty.wait_for("injected: slow API", Duration::from_secs(5));
    pty.send("2");
    pty.send("s");
    pty.wait_for("new desired count", Duration::from_secs(5));
    pty.send("3\r");
    pty.wait_for("SetDesiredCapacity", Duration::from_secs(5));
    pty.send("y");
    pty.wait_for("running", Duration::from_secs(5));
    let pid = child.process_id().expect("pid");
    let start = std::time::Instant::now();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    pty.wait_for("quitting: waiting up to", Duration::from_secs(5));
    let status = wait_exit(&mut child, Duration::from_secs(15));
    assert!(status.success(), "{status:?}");
    assert!(start.elapsed() >= Duration::from_secs(1), "it waited");
    let lines: Vec<serde_json::Value> = audit_text(&pty)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[1]["outcome"], "ok", "{lines:?}");
    // What became of it is said on the restored terminal.
    let raw = String::from_utf8_lossy(&pty.raw.lock().unwrap()).into_owned();
    assert!(raw.contains("(recorded in the audit log)"), "{raw}");
}

/// A bracketed paste whose end marker never comes (a terminal that cut it, a hostile string)
/// used to swallow every key, Ctrl-C and resize after it; now it ends once nothing more arrives,
/// and the keys after it are keys.
#[test]
fn a_paste_that_never_ends_does_not_swallow_the_keys_after_it() {
    let mut pty = Pty::open(133, 40);
    let mut child = pty.spawn(&binary(), &["--demo", "nlb-web-app"]);
    pty.wait_for("1/2/4", Duration::from_secs(15));
    pty.send("\x1b[200~half a paste, no end");
    std::thread::sleep(Duration::from_millis(900));
    pty.send("q");
    let status = wait_exit(&mut child, Duration::from_secs(5));
    assert!(status.success(), "{status:?}");
}

/// A partial escape sequence in the input used to hold back resizes until the next key (the
/// screen drawn at the old size, garbled): a resize is drawn at once.
#[test]
fn a_partial_escape_sequence_never_holds_back_a_resize() {
    let mut pty = Pty::open(80, 24);
    let mut child = pty.spawn(&binary(), &["--demo", "nlb-web-app"]);
    pty.wait_for("fa-092", Duration::from_secs(15));
    pty.send("\x1b[1;");
    pty.parser.lock().unwrap().screen_mut().set_size(40, 140);
    pty.pair
        .master
        .resize(portable_pty::PtySize {
            rows: 40,
            cols: 140,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        let wide = pty
            .screen()
            .lines()
            .any(|l| l.chars().skip(90).any(|c| c != ' '));
        if wide {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "not redrawn at 140 columns:\n{}",
            pty.screen()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    pty.send("q");
    assert!(wait_exit(&mut child, Duration::from_secs(5)).success());
}

mod common;

use common::{Answer, Harness};
use opsdash::app::Pane;
use opsdash::ops::audit::{AuditOutcome, AuditPhase};
use opsdash::source::sim::Scenario;
use ratatui::crossterm::event::KeyCode;

/// Scales the nlb-web-app group from 2 to 3 with the keys, up to the `y`.
fn scale_to_3(h: &mut Harness) {
    h.select(Pane::Capacity, "fa-092-AutoScalingGroup");
    h.ch('s');
    h.type_str("3");
    h.key(KeyCode::Enter);
    h.ch('y');
}

fn desired(h: &Harness) -> u32 {
    h.snapshot().regions[0].auto_scaling_groups[0].desired
}

/// opsdash killed (`kill -9`, an SSH session gone past the grace) after its call reached AWS:
/// the intent has no outcome. The next start reads the group back and records that the scale
/// took effect, and says so; it used to say nothing, and `opsdash audit` kept INTERRUPTED.
#[test]
fn an_operation_killed_mid_call_is_read_back_at_the_next_start() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    *h.answer.lock().unwrap() = Answer::NeverAfterApplying;
    scale_to_3(&mut h);
    assert_eq!(desired(&h), 3, "the call reached the estate");
    let audit = h.audit();
    assert_eq!(audit.len(), 1, "an intent and no outcome: {audit:?}");

    let mut again = h.restart();
    again.advance(1.0);
    let records = again.audit();
    let outcome = records
        .iter()
        .find(|r| r.phase == AuditPhase::Outcome)
        .expect("an outcome was recorded");
    assert_eq!(outcome.id, records[0].id);
    assert_eq!(outcome.outcome, Some(AuditOutcome::Reconciled));
    assert_eq!(outcome.applied, Some(true), "{outcome:?}");
    assert!(
        outcome
            .found
            .as_deref()
            .is_some_and(|f| f.contains("desired capacity is 3, as asked")),
        "{outcome:?}"
    );
    let status = again
        .app()
        .status()
        .map(|s| s.0.clone())
        .unwrap_or_default();
    assert!(
        status.contains("read back an interrupted operation") && status.contains("took effect"),
        "{status}"
    );
    let text = opsdash::ops::audit::format_log(&again.executor.audit_log().read().unwrap(), None);
    assert!(
        text.contains("INTERRUPTED, read back") && text.contains(": took effect: "),
        "{text}"
    );
    // Read back once: a third start finds nothing left to do.
    let third = again.restart();
    assert_eq!(third.audit().len(), 2);
}

/// Killed before the call reached AWS: read back as not taken effect.
#[test]
fn an_operation_killed_before_its_call_is_read_back_as_not_done() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    *h.answer.lock().unwrap() = Answer::NeverBeforeApplying;
    scale_to_3(&mut h);
    assert_eq!(desired(&h), 2);
    let again = h.restart();
    let outcome = again
        .audit()
        .into_iter()
        .find(|r| r.phase == AuditPhase::Outcome)
        .expect("an outcome was recorded");
    assert_eq!(outcome.applied, Some(false), "{outcome:?}");
    assert!(
        outcome
            .found
            .as_deref()
            .is_some_and(|f| f.contains("is 2, as before the call")),
        "{outcome:?}"
    );
}

/// SIGTERM (or q) while a call is in flight: the console waits for it, so its outcome is
/// recorded, and says what became of it. It used to quit at once: the call completed and the
/// audit log said INTERRUPTED for ever.
#[test]
fn quitting_waits_for_a_call_in_flight_and_records_its_outcome() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    *h.answer.lock().unwrap() = Answer::After(Duration::from_millis(700));
    scale_to_3(&mut h);
    assert_eq!(h.app().running_ops().len(), 1, "the call is in flight");
    let said = h.quit_and_finish(Duration::from_secs(8));
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("done: scale fa-092-AutoScalingGroup 2 -> 3"),
        "{said:?}"
    );
    let outcomes: Vec<_> = h
        .audit()
        .into_iter()
        .filter(|r| r.phase == AuditPhase::Outcome)
        .collect();
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].outcome, Some(AuditOutcome::Ok));
}

/// The wait is bounded: a call that does not end within the grace is left for the next start,
/// and the console says so.
#[test]
fn quitting_waits_no_longer_than_the_grace() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    *h.answer.lock().unwrap() = Answer::NeverAfterApplying;
    scale_to_3(&mut h);
    let start = std::time::Instant::now();
    let said = h.quit_and_finish(Duration::from_millis(1500));
    assert!(start.elapsed() < Duration::from_secs(4));
    assert!(said[0].contains("next start reads it back"), "{said:?}");
}

/// A window too small to show an operation's confirmation whole (the prompt unseen at 10
/// columns, the calls cut off at 30×10) confirms nothing: `y` says to enlarge it. Once the
/// window shows it all, `y` runs it. Both used to scale.
#[test]
fn nothing_is_confirmed_while_its_confirmation_is_cut_off() {
    for (w, h) in [(10, 70), (30, 10)] {
        let mut c = Harness::new(Scenario::NlbWebApp);
        c.resize(w, h);
        c.select(Pane::Capacity, "fa-092-AutoScalingGroup");
        c.ch('s');
        c.type_str("3");
        c.key(KeyCode::Enter);
        c.ch('y');
        assert_eq!(c.write_count(), 0, "{w}x{h}: nothing was sent");
        assert_eq!(desired(&c), 2);
        let status = c.app().status().map(|s| s.0.clone()).unwrap_or_default();
        assert!(
            status.contains("too small to show the whole plan"),
            "{status}"
        );
        c.resize(120, 40);
        c.ch('y');
        assert_eq!(
            c.write_count(),
            1,
            "{w}x{h} then 120x40: confirmed once seen"
        );
        assert_eq!(desired(&c), 3);
    }
}

/// A paste of thousands of digits into the scale prompt is too big, not "not a number".
#[test]
fn a_pasted_huge_count_is_called_too_big() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    h.select(Pane::Capacity, "fa-092-AutoScalingGroup");
    h.ch('s');
    h.send(opsdash::app::Msg::Paste("9".repeat(10_000)));
    match h.app().overlay() {
        opsdash::app::Overlay::Scale { error, .. } => {
            let e = error.clone().unwrap_or_default();
            assert!(e.contains("more than the maximum (4)"), "{e}");
        }
        o => panic!("{o:?}"),
    }
    h.key(KeyCode::Enter);
    match h.app().overlay() {
        opsdash::app::Overlay::Scale { error, .. } => {
            let e = error.clone().unwrap_or_default();
            assert!(e.contains("more than any count"), "{e}");
        }
        o => panic!("{o:?}"),
    }
}

/// `check` under throttling: a region whose targets could not be read must not leave a count
/// of the rest that reads as the whole (`targets 1/1 healthy` while the truth was 7/8): the line
/// starts with what is missing, the status is UNKNOWN, and the count says it is of what was read.
#[test]
fn check_never_reports_an_incomplete_read_as_a_complete_count() {
    use opsdash::report::{CheckStatus, check};
    let h = Harness::new(Scenario::WarmStandby);
    let mut snap = h.snapshot();
    let (status, line) = check(&snap);
    assert!(!line.contains("INCOMPLETE"), "{line}");
    assert_ne!(status, CheckStatus::Unknown);
    // The primary's Targets read was throttled: its groups are missing.
    snap.regions[0].load_balancers.clear();
    snap.errors.push(opsdash::model::ErrorRecord {
        region: common::region("us-east-1"),
        service: "elasticloadbalancing".into(),
        operation: "DescribeTargetHealth".into(),
        code: "Throttling".into(),
        message: "Rate exceeded".into(),
        hint: None,
        part: Some("targets"),
    });
    let (status, line) = check(&snap);
    assert_eq!(status, CheckStatus::Unknown, "{line}");
    assert!(
        line.starts_with(
            "OPSDASH UNKNOWN - INCOMPLETE: us-east-1 targets not read (Throttling elasticloadbalancing:DescribeTargetHealth)"
        ),
        "{line}"
    );
    assert!(line.contains("targets read "), "{line}");
    assert!(line.contains("incomplete=1"), "{line}");
    assert_eq!(opsdash::report::snapshot_exit(&snap), 1);
}

/// One window, one total: before a minute has passed the header says how many calls in how
/// long (it said `0/m` while calls were made), and the `:api` rows add up to the header's
/// figures, with what does not fit summed in a last line (86 of 125 calls were listed).
#[test]
fn the_header_and_api_count_one_window_with_one_total() {
    use opsdash::source::Source;
    let mut h = Harness::new(Scenario::WarmStandby);
    let t0 = h.sim.now();
    h.send(opsdash::app::Msg::Calls(
        t0,
        opsdash::source::CallCounts::default(),
    ));
    h.advance(20.0);
    h.send(opsdash::app::Msg::Calls(h.sim.now(), h.sim.call_counts()));
    let w = h.app().store().rates().window();
    assert!(!w.full && w.secs == 20 && w.total.calls > 0, "{w:?}");
    let header = h.screen(120, 40).lines().next().unwrap().to_owned();
    assert!(
        header.contains(&format!("API {}/20s", w.total.calls)),
        "{header}"
    );
    let rows: u64 = w.by_operation.iter().map(|(_, t)| t.calls).sum();
    assert_eq!(rows, w.total.calls);
    h.advance(60.0);
    h.send(opsdash::app::Msg::Calls(h.sim.now(), h.sim.call_counts()));
    let w = h.app().store().rates().window();
    assert!(w.full, "{w:?}");
    let header = h.screen(120, 40).lines().next().unwrap().to_owned();
    assert!(
        header.contains(&format!("API {}/m", w.total.calls)),
        "{header}"
    );
    // :api on a short screen: the rows that fit, then the rest summed; all add up.
    h.command("api");
    let screen = h.screen(100, 13);
    assert!(screen.contains("more operations"), "{screen}");
    // The rows inside the popup: a name, then calls, throttles and errors.
    let listed: u64 = screen
        .lines()
        .flat_map(|l| l.split('│'))
        .filter_map(|seg| {
            let cells: Vec<&str> = seg.split_whitespace().collect();
            let n = cells.len();
            let num = |i: usize| cells[i].parse::<u64>().ok();
            (n >= 4 && num(n - 1).is_some() && num(n - 2).is_some())
                .then(|| num(n - 3))
                .flatten()
        })
        .sum();
    assert_eq!(listed, w.total.calls, "{screen}");
}

/// The credentials work again (an `aws sso login` in another window): the banner goes with the
/// first read that succeeds, and the panes that failed are read at once. The banner used to stay
/// until the slowest pane's next read (about a minute).
#[test]
fn the_credentials_banner_goes_with_the_first_good_read() {
    use opsdash::app::{Msg, Payload};
    use opsdash::source::{ErrorClass, Read, SourceError};
    let mut h = Harness::new(Scenario::NlbWebApp);
    let region = h.primary();
    let at = h.app().now();
    let expired = SourceError::new(
        ErrorClass::ExpiredCredentials,
        "sts",
        "GetCallerIdentity",
        "ExpiredToken",
        "The security token included in the request is expired",
    );
    for payload in [
        Payload::Targets(Read::err(expired.clone(), 1)),
        Payload::Runs(Read::err(expired.clone(), 1)),
        Payload::Alarms(Read::err(expired, 1)),
    ] {
        h.send(Msg::Data {
            region: region.clone(),
            at,
            payload,
        });
    }
    assert!(h.screen(120, 40).contains("ExpiredToken"));
    assert!(h.app().connection_problem().is_some());
    // Five seconds later the Targets pane reads again, and it works.
    h.sim.advance(5.0);
    let good = h.rt_block(opsdash::poller::fetch(&h.sim, &region, Pane::Targets, 0));
    let before = h.effects.len();
    h.send(good);
    assert!(h.app().connection_problem().is_none());
    assert!(
        h.effects[before..].contains(&opsdash::app::Effect::RefreshAll),
        "every pane is read again at once"
    );
    let screen = h.screen(120, 40);
    assert!(!screen.contains("ExpiredToken"), "{screen}");
}

/// A console watching a drill another console drives says who drives it and when that console
/// was last seen, and never offers what it cannot do (it showed "Esc aborts and rolls back");
/// when the driver has gone (killed with its SSH session), the watcher says so and offers to
/// resume or roll back (it kept showing DRILL RUNNING).
#[test]
fn a_watching_console_says_who_drives_and_offers_the_drill_once_the_driver_is_gone() {
    use opsdash::app::{FoundDrill, Msg, Overlay};
    use opsdash::ops::drill::{self, Holder};
    let mut a = Harness::new(Scenario::WarmStandby);
    a.ch('F');
    a.ch('s');
    a.type_str("bookstore");
    a.key(KeyCode::Enter);
    let path = a.executor.drill_path().unwrap();
    let state = drill::load(&path).unwrap().expect("the drill is on disk");
    // The driver is another console: ana's, pid 1 on this host (alive), seen just now.
    let ana = Holder {
        pid: 1,
        user: "ana".into(),
        ..Holder::me()
    };
    std::fs::write(drill::lock_path(&path), serde_json::to_vec(&ana).unwrap()).unwrap();
    let mut b = a.restart();
    b.send(Msg::DrillFound(FoundDrill::Elsewhere(
        Box::new(state),
        ana.describe(),
    )));
    let screen = b.screen(120, 40);
    assert!(
        screen.contains("driven by ana (opsdash pid 1 on"),
        "{screen}"
    );
    assert!(screen.contains("only watches it"), "{screen}");
    assert!(!screen.contains("Esc aborts"), "{screen}");
    // ana's console is killed: the lock names a process that is gone.
    let gone = Holder {
        pid: u32::MAX - 1,
        ..ana
    };
    std::fs::write(drill::lock_path(&path), serde_json::to_vec(&gone).unwrap()).unwrap();
    b.advance(5.0);
    let status = b.app().status().map(|s| s.0.clone()).unwrap_or_default();
    assert!(
        status.contains("the console that drove the drill of bookstore has ended"),
        "{status}"
    );
    assert_eq!(*b.app().overlay(), Overlay::DrillResume);
}
