//! Bad input: config and theme fixtures assert their messages (file, line, column, what was
//! expected); the binary exits 2 without touching the terminal.

use opsdash::config::Config;
use opsdash::theme::Theme;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/scratch.rs"]
mod scratch;
use scratch::Scratch;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bad")
        .join(name)
}

fn config_error(name: &str) -> String {
    let p = fixture(name);
    let text = std::fs::read_to_string(&p).unwrap();
    Config::parse(Path::new(name), &text)
        .unwrap_err()
        .to_string()
}

#[test]
fn config_errors_name_file_line_column_and_expectation() {
    let cases = [
        (
            "config_bad_value.toml",
            "config_bad_value.toml:2:13:",
            "string values must be quoted, expected literal string",
        ),
        (
            "config_unknown_field.toml",
            "config_unknown_field.toml:4:1:",
            "unknown field `capcity`, expected one of `targets`, `capacity`, `runs`, `alarms`, `timeline`",
        ),
        (
            "config_unknown_action.toml",
            "config_unknown_action.toml:2:1:",
            "unknown action 'scale_up'; valid actions are: quit, help,",
        ),
        (
            "config_unknown_key.toml",
            "config_unknown_key.toml:2:11:",
            "unknown key 'hyper-r'; a key is one character",
        ),
        (
            "config_key_conflict.toml",
            "config_key_conflict.toml:2:11:",
            "key 'q' is bound to both 'quit' and 'refresh'",
        ),
        ("config_syntax.toml", "config_syntax.toml:", "expected"),
        (
            "config_zero_refresh.toml",
            "config_zero_refresh.toml:2:1:",
            "refresh.targets must be at least 1 second",
        ),
        (
            "config_failover_same_region.toml",
            "config_failover_same_region.toml:6:6:",
            "app bookstore: failover dr is the primary region (us-east-1); name the standby region",
        ),
    ];
    for (file, place, what) in cases {
        let msg = config_error(file);
        assert!(msg.starts_with(place), "{file}: {msg}");
        assert!(msg.contains(what), "{file}: {msg}");
    }
}

#[test]
fn theme_errors_name_the_colour_and_the_valid_forms() {
    let p = fixture("theme_bad_colour.toml");
    let e = Theme::parse(&p, &std::fs::read_to_string(&p).unwrap(), "test")
        .unwrap_err()
        .to_string();
    assert!(e.contains("theme_bad_colour.toml:13:8:"), "{e}");
    assert!(
        e.contains("invalid colour 'mauve'; expected one of reset, black"),
        "{e}"
    );
    let p = fixture("theme_missing.toml");
    let e = Theme::parse(&p, &std::fs::read_to_string(&p).unwrap(), "test")
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing field `bg`"), "{e}");
}

fn opsdash(args: &[&str], env: &[(&str, &Path)]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_opsdash"));
    c.args(args).env_remove("NO_COLOR");
    let home = tempdir();
    c.env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("HOME", &home);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("opsdash runs")
}

/// A fresh directory, removed with what the test wrote into it when the test ends.
fn tempdir() -> Scratch {
    Scratch::new("test")
}

/// The bytes that enter the alternate screen or raw-mode drawing must never appear.
fn assert_terminal_untouched(out: &std::process::Output) {
    for o in [&out.stdout, &out.stderr] {
        let s = String::from_utf8_lossy(o);
        assert!(
            !s.contains("\x1b[?1049h"),
            "entered the alternate screen: {s:?}"
        );
    }
}

#[test]
fn bad_config_exits_2_with_the_place_and_never_enters_the_alternate_screen() {
    let p = fixture("config_unknown_key.toml");
    let out = opsdash(&["--demo", "--config", p.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config_unknown_key.toml:2:11: unknown key 'hyper-r'"),
        "{err}"
    );
    assert_terminal_untouched(&out);
}

#[test]
fn unknown_theme_in_config_names_the_config_line() {
    let p = fixture("config_unknown_theme.toml");
    let out = opsdash(&["--demo", "--config", p.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("config_unknown_theme.toml:1:9: unknown theme 'solarized-neon'; available themes are: default, light, high-contrast, colorblind"), "{err}");
    assert_terminal_untouched(&out);
}

#[test]
fn broken_user_theme_is_reported_with_its_path() {
    let home = tempdir();
    let dir = home.join("config/opsdash/themes");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("theme_bad_colour.toml"), dir.join("mine.toml")).unwrap();
    let out = opsdash(&["themes"], &[("XDG_CONFIG_HOME", &home.join("config"))]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mine.toml:13:8: bad theme file: invalid colour 'mauve'"),
        "{err}"
    );
}

#[test]
fn user_theme_comes_first_and_is_listed() {
    let home = tempdir();
    let dir = home.join("config/opsdash/themes");
    std::fs::create_dir_all(&dir).unwrap();
    let text = opsdash::theme::BUILT_IN[0]
        .1
        .replace("name = \"default\"", "name = \"mine\"");
    std::fs::write(dir.join("mine.toml"), text).unwrap();
    let out = opsdash(&["themes"], &[("XDG_CONFIG_HOME", &home.join("config"))]);
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = s.lines().collect();
    assert!(lines[0].starts_with("mine"), "{s}");
    for t in ["default", "light", "high-contrast", "colorblind"] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(t) && l.contains("built-in")),
            "{s}"
        );
    }
}

#[test]
fn unknown_scenario_lists_the_valid_ones() {
    let out = opsdash(&["--demo", "moon-base"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown demo scenario 'moon-base'; valid scenarios are: warm-standby, nlb-web-app, ecs, alb-asg"), "{err}");
    assert_terminal_untouched(&out);
}

#[test]
fn snapshot_and_check_in_demo() {
    let out = opsdash(&["snapshot", "--json", "--demo"], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["source"], "demo");
    assert_eq!(v["regions"].as_array().unwrap().len(), 2);
    let out = opsdash(&["--demo", "check"], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    assert_eq!(line.lines().count(), 1);
    assert!(
        line.starts_with("OPSDASH OK - 2 regions, targets 9/9 healthy"),
        "{line}"
    );
    let out = opsdash(&["snapshot", "--demo", "ecs"], &[]);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("ECS appCluster/appService desired 2 running 2")
    );
}

/// The binary in live mode with no credentials anywhere; everything stays on this machine: no
/// instance metadata lookups, endpoints on a closed loopback port.
fn without_credentials(args: &[&str]) -> std::process::Output {
    let home = tempdir();
    Command::new(env!("CARGO_BIN_EXE_opsdash"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_CONFIG_FILE", home.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("none"))
        .output()
        .unwrap()
}

#[test]
fn live_mode_without_credentials_is_unknown_with_the_fix_not_a_hang() {
    // Everything stays on this machine: no instance metadata lookups, endpoints on a closed
    // loopback port, no credentials anywhere.
    let start = std::time::Instant::now();
    let out = without_credentials(&["check", "--region", "us-east-1"]);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(25),
        "no hang"
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(line.starts_with("OPSDASH UNKNOWN - no data:"), "{line}");
    assert!(line.contains("sts:GetCallerIdentity"), "{line}");
    assert_terminal_untouched(&out);
}

#[test]
fn a_failover_to_its_own_region_is_refused_before_the_terminal_is_touched() {
    let out = opsdash(
        &[
            "--demo",
            "--config",
            fixture("config_failover_same_region.toml")
                .to_str()
                .unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "config_failover_same_region.toml:6:6: app bookstore: failover dr is the primary region"
        ),
        "{err}"
    );
    assert_terminal_untouched(&out);
}

/// Without HOME or XDG_STATE_HOME, state goes to the home the password database gives this user
/// (as ssh and git find theirs), never to the current directory; `audit` says where it looked.
/// A relative XDG_STATE_HOME is ignored, as the XDG specification says.
#[test]
fn without_home_state_goes_to_the_password_database_home_never_the_cwd() {
    let cwd = tempdir();
    let run = |envs: &[(&str, &std::path::Path)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_opsdash"));
        c.arg("audit")
            .current_dir(&cwd)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        for (k, v) in envs {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let uid = Command::new("id").arg("-u").output().unwrap();
    let uid = String::from_utf8_lossy(&uid.stdout).trim().to_owned();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let home = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 5 && f[2] == uid)
        .map(|f| f[5].to_owned())
        .expect("this user in /etc/passwd");
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    let expected = std::path::Path::new(&home).join(".local/state/opsdash/audit.jsonl");
    // This user's real log: empty on CI; on a developer's machine it may hold their operations,
    // and then `audit` prints those: exactly what it prints when HOME names that home.
    match std::fs::read_to_string(&expected) {
        Ok(log) if !log.trim().is_empty() => {
            let with_home = run(&[("HOME", std::path::Path::new(&home))]);
            assert!(!said.contains("no operations recorded"), "{said}");
            assert_eq!(said, String::from_utf8_lossy(&with_home.stdout));
        }
        _ => assert!(
            said.contains(&format!("no operations recorded in {}", expected.display())),
            "{said}"
        ),
    }
    let relative = std::path::Path::new("state-here");
    let home_dir = tempdir();
    let out = run(&[("XDG_STATE_HOME", relative), ("HOME", &home_dir)]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!(
            "{}",
            home_dir.join(".local/state/opsdash/audit.jsonl").display()
        )),
        "a relative XDG_STATE_HOME is ignored: {said}"
    );
    assert_eq!(
        std::fs::read_dir(&cwd).unwrap().count(),
        0,
        "nothing in the cwd"
    );
}

/// No credentials anywhere: `snapshot` prints the cause and the fix once, on one line, with no
/// SDK debug dump.
#[test]
fn snapshot_without_credentials_prints_one_clear_line_with_the_fix() {
    let out = without_credentials(&["snapshot", "--region", "us-east-1"]);
    // Nothing was read at all: 3, not the 1 of a partial result.
    assert_eq!(out.status.code(), Some(3));
    // The errors go to stderr, one line each; stdout stays the data.
    let text = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("error:"),
        "no error line on stdout"
    );
    let e = errors[0];
    assert!(e.contains("NoCredentials sts:GetCallerIdentity"), "{e}");
    assert!(e.contains("no credentials found"), "{e}");
    assert!(
        e.contains("- set AWS_PROFILE (then `aws sso login --profile P`)"),
        "{e}"
    );
    for dump in [
        "DispatchFailure",
        "ProviderChainError",
        "CredentialsNotLoaded {",
    ] {
        assert!(!text.contains(dump), "no SDK debug text: {text}");
    }
}

/// Values that were silently accepted, or that wedged the console later: each is refused at
/// load with the place and the bounds.
#[test]
fn config_values_out_of_bounds_are_refused_with_the_bounds() {
    let app = |extra: &str| {
        format!("[[app]]\nname = \"bookstore\"\nload_balancers = [\"bookstore-*\"]\n{extra}")
    };
    let failover = |extra: &str| {
        app(&format!(
            "[app.failover]\nprimary = \"us-east-1\"\ndr = \"us-west-2\"\nhealth_alarm = \"h\"\n{extra}"
        ))
    };
    let cases: Vec<(String, &str)> = vec![
        (
            "[refresh]\ntargets = 18446744073709551615\n".into(),
            "refresh.targets must be at most 3600 seconds",
        ),
        (
            failover("dr_capacity_percent = 100000\n"),
            "dr_capacity_percent = 100000 is outside 1..500",
        ),
        (
            failover("healthy_timeout_secs = 0\n"),
            "healthy_timeout_secs = 0 is outside 10..86400",
        ),
        (
            "regions = [\"us-east-1\", \"us-east-1\"]\n".into(),
            "region us-east-1 is listed twice",
        ),
        (
            "regions = [\"Unknown\"]\n".into(),
            "'Unknown' is not an AWS region name",
        ),
        (
            format!("{}{}", app(""), app("")),
            "app bookstore is defined twice",
        ),
        (
            "[[app]]\nname = \"web\"\nauto_scaling_groups = [\"web-[12]\"]\n".into(),
            "only * and ? are",
        ),
        (
            "[[app]]\nname = \"web\"\nalarms = [\"\"]\n".into(),
            "an empty name pattern matches nothing",
        ),
        (
            "[[app]]\nname = \"book\\u001b]0;x\\u0007store\"\n".into(),
            "must be printable",
        ),
        (
            "[keys]\nrefresh = \"ctrl-c\"\n".into(),
            "ctrl-c always quits and cannot be bound",
        ),
    ];
    for (text, what) in cases {
        let e = Config::parse(Path::new("c.toml"), &text)
            .expect_err(&text)
            .to_string();
        assert!(e.starts_with("c.toml:"), "{e}");
        assert!(e.contains(what), "{text}\n-> {e}");
    }
}

/// A config that is not a regular file (a device that never ends, a FIFO) is refused at once
/// instead of read until memory runs out; one too large for a config is refused too.
#[test]
fn a_config_that_is_not_a_small_regular_file_is_refused() {
    let out = opsdash(&["--config", "/dev/zero", "--demo", "snapshot"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/dev/zero") && err.contains("not a regular file"),
        "{err}"
    );
    let scratch = tempdir();
    let big = scratch.join("big.toml");
    std::fs::write(&big, vec![b'#'; 2 << 20]).unwrap();
    let out = opsdash(
        &["--config", big.to_str().unwrap(), "--demo", "snapshot"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("larger than 1024 KiB"),
        "{out:?}"
    );
}

/// A name in a bad config or theme that carries escape sequences (OSC 52 writes the clipboard,
/// OSC 0 sets the window title) is printed with them made harmless.
#[test]
fn config_and_theme_errors_never_echo_escape_sequences() {
    let dir = tempdir();
    let config = dir.join("c.toml");
    std::fs::write(
        &config,
        "theme = \"x\\u001b]52;c;cHduZWQ=\\u0007\\u001b]0;pwned\\u0007\"\n",
    )
    .unwrap();
    let out = opsdash(
        &["--config", config.to_str().unwrap(), "--demo", "snapshot"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown theme") || err.contains("theme"),
        "{err}"
    );
    assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
    let themes = dir.join("config/opsdash/themes");
    std::fs::create_dir_all(&themes).unwrap();
    std::fs::write(
        themes.join("evil.toml"),
        "name = \"evil\\u001b]0;pwned\\u0007\"\n[colours]\nbg = \"\\u001b]52;c;eA==\\u0007\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_opsdash"))
        .args(["themes"])
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("HOME", &dir)
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains('\x1b') && !all.contains('\x07'), "{all:?}");
}

/// Region flags that cannot name a region are refused before anything connects.
#[test]
fn region_flags_that_name_no_region_are_refused() {
    for (args, what) in [
        (&["--region", "", "snapshot"][..], "empty region name"),
        (
            &["--region", "Unknown", "snapshot"][..],
            "not an AWS region name",
        ),
        (
            &[
                "--region",
                "us-east-1",
                "--dr-region",
                "us-east-1",
                "snapshot",
            ][..],
            "is the primary region too",
        ),
    ] {
        let out = opsdash(args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(what), "{args:?}: {err}");
    }
    // The report (color-eyre's) carries the fix as its suggestion.
    let out = opsdash(&["--region", "Unknown", "snapshot"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Suggestion: name a region such as us-east-1"),
        "{err}"
    );
}

/// Flags that mean nothing to a subcommand are refused, not silently ignored
/// (`snapshot --speed 10` printed a snapshot as if the flag did something).
#[test]
fn a_flag_that_means_nothing_to_the_subcommand_is_refused() {
    for (args, what) in [
        (
            &["--demo", "snapshot", "--speed", "10"][..],
            "--speed means nothing to `opsdash snapshot`",
        ),
        (
            &["--demo", "check", "--theme", "light"][..],
            "--theme means nothing to `opsdash check`",
        ),
        (
            &["audit", "--region", "us-east-1"][..],
            "--region means nothing to `opsdash audit`",
        ),
        (
            &["themes", "--read-only"][..],
            "--read-only means nothing to `opsdash themes`",
        ),
        (
            &["team", "check", "--speed", "10"][..],
            "--speed means nothing to `opsdash team`",
        ),
        (
            &["--demo", "audit", "--team"][..],
            "--demo means nothing to `opsdash audit`",
        ),
    ] {
        let out = opsdash(args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(what), "{args:?}: {err}");
    }
    // What does mean something still works.
    let out = opsdash(&["--demo", "snapshot", "--seed", "3", "--json"], &[]);
    assert!(out.status.success(), "{out:?}");
    // A team command takes the profile, region and config (it fails here for want of a
    // [team] section, not for its flags).
    let home = tempdir();
    let out = opsdash(
        &["team", "check", "--region", "us-east-1", "--profile", "p"],
        &[("XDG_CONFIG_HOME", &home.join("config"))],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("means nothing"), "{err}");
}

/// `opsdash audit --json`: one JSON object per operation, its outcome under `result`.
#[test]
fn audit_json_is_one_object_per_operation_with_its_result() {
    let home = tempdir();
    let dir = home.join("state/opsdash");
    std::fs::create_dir_all(&dir).unwrap();
    let rec = |phase: &str, outcome: &str| {
        format!(
            r#"{{"time":"2026-12-06T10:00:00Z","id":"1-2-3","phase":"{phase}","operator":{{"user":"ana","caller_arn":"arn"}},"profile":null,"account":"1","region":"us-east-1","source":"aws","operation":"scale","target":"asg/web","parameters":{{"desired":"3"}},"calls":[],"outcome":{outcome},"error":null,"duration":null}}"#
        )
    };
    std::fs::write(
        dir.join("audit.jsonl"),
        format!("{}\n{}\n", rec("intent", "null"), rec("outcome", "\"ok\"")),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_opsdash"))
        .args(["audit", "--json"])
        .env("HOME", &home)
        .env("XDG_STATE_HOME", home.join("state"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0]["operation"], "scale");
    assert_eq!(lines[0]["parameters"]["desired"], "3");
    assert_eq!(lines[0]["result"]["outcome"], "ok");
}
