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
    let s = pty.wait_for("not run", Duration::from_secs(10));
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
    let s = pty.wait_for("2 -> 3: done", Duration::from_secs(10));
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
