//! Trust under faults (issue 9), on the demo estate and virtual time: what the screen says when
//! the source fails, pastes, a drill file found on disk (another account, edited, locked by
//! another console, not savable, read-only), the selection across refreshes, and text from AWS
//! that carries escape sequences. Network faults over real HTTP are in `moto.rs` (`faults`).

mod common;

use common::Harness;
use opsdash::app::{FoundDrill, Msg, Overlay, Pane, Payload};
use opsdash::model::AlarmState;
use opsdash::ops::drill::{self, Phase, StepKind};
use opsdash::source::sim::{Fault, Scenario};
use opsdash::source::{Connection, ErrorClass, EstateWriter, Read, SourceError};
use ratatui::crossterm::event::KeyCode;

const ASG: &str = "fa-092-AutoScalingGroup";

fn drill_file(h: &Harness) -> std::path::PathBuf {
    h.executor.drill_path().expect("a state dir")
}

fn phase(h: &Harness) -> Option<Phase> {
    h.app().drill().map(|d| d.phase)
}

fn dr_desired(h: &Harness, asg: &str) -> u32 {
    h.snapshot().regions[1]
        .auto_scaling_groups
        .iter()
        .find(|g| g.name == asg)
        .map(|g| g.desired)
        .expect("group")
}

/// Starts the warm-standby drill from the keys (`F`, `s`, the app's name).
fn start_drill(h: &mut Harness) {
    h.ch('F');
    h.ch('s');
    h.type_str("bookstore");
    h.key(KeyCode::Enter);
}

/// A drill started, waiting for the DR targets, its state on disk; then the console "dies".
fn drill_left_on_disk() -> (Harness, drill::DrillState) {
    let mut h = Harness::new(Scenario::WarmStandby);
    start_drill(&mut h);
    assert_eq!(phase(&h), Some(Phase::Running));
    let h2 = h.restart();
    let state = drill::load(&drill_file(&h2)).unwrap().expect("on disk");
    (h2, state)
}

fn credentials_error() -> SourceError {
    let mut e = SourceError::new(
        ErrorClass::NoCredentials,
        "sts",
        "GetCallerIdentity",
        "NoCredentials",
        "no credentials found in chain (tried Environment, Profile, Ec2InstanceMetadata)",
    );
    // The fix the live source attaches to this class of error.
    e.hint = opsdash::source::aws::hint(e.class, "sts", "GetCallerIdentity", None).map(Into::into);
    e
}

// ---- 3, 4: the header counts errors at once; missing credentials are said in full ----

#[test]
fn the_header_counts_an_error_at_once_not_a_minute_later() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    let region = h.primary();
    let at = h.app().now();
    h.send(Msg::Data {
        region,
        at,
        payload: Payload::Targets(Read::err(credentials_error(), 1)),
    });
    assert_eq!(h.app().store().rates().window().total.errors, 1);
    assert!(h.screen(80, 24).contains(" 1err "), "{}", h.screen(80, 24));
    // A minute later it has rolled off.
    h.advance(61.0);
    assert_eq!(h.app().store().rates().window().total.errors, 0);
}

#[test]
fn missing_credentials_are_a_banner_with_the_whole_fix_even_at_80_columns() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    let region = h.primary();
    let at = h.app().now();
    for payload in [
        Payload::Targets(Read::err(credentials_error(), 0)),
        Payload::Capacity(Read::err(credentials_error(), 0)),
    ] {
        h.send(Msg::Data {
            region: region.clone(),
            at,
            payload,
        });
    }
    let screen = h.screen(80, 24);
    let flat = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [
        "NO AWS CREDENTIALS: NoCredentials (sts:GetCallerIdentity)",
        "aws sso login --profile P",
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance role applies.",
    ] {
        assert!(flat.contains(part), "{part:?} missing:\n{screen}");
    }
}

// ---- 5: a paste is text, never keys ----

fn prompt_input(h: &Harness) -> Option<String> {
    match &h.app().overlay() {
        Overlay::Scale { input, .. } => Some(input.text().to_owned()),
        _ => None,
    }
}

#[test]
fn a_paste_goes_into_the_field_and_never_confirms() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    h.select(Pane::Capacity, ASG);
    h.ch('s');
    h.send(Msg::Paste("see ticket INC-4\nyes, scale it".into()));
    assert_eq!(prompt_input(&h).as_deref(), Some("see ticket I"));
    h.key(KeyCode::Enter);
    assert!(
        matches!(h.app().overlay(), Overlay::Scale { .. }),
        "no plan"
    );
    h.key(KeyCode::Esc);
    // A plain confirmation: a pasted "y" and line break do not run it.
    h.ch('s');
    h.type_str("3");
    h.key(KeyCode::Enter);
    assert!(matches!(h.app().overlay(), Overlay::Confirm { .. }));
    h.send(Msg::Paste("y\n".into()));
    assert!(matches!(h.app().overlay(), Overlay::Confirm { .. }));
    h.ch('n');
    // Outside any field a paste is no key: "q" does not quit.
    h.send(Msg::Paste("q".into()));
    assert!(!h.quit_asked());
    assert_eq!(h.write_count(), 0);
}

#[test]
fn a_pasted_name_fills_the_drill_confirmation_and_enter_stays_the_operators() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch('F');
    h.ch('s');
    h.send(Msg::Paste("bookstore\n".into()));
    let Overlay::DrillConfirm { typed, .. } = &h.app().overlay() else {
        panic!("the confirmation stays open")
    };
    assert_eq!(typed, "bookstore");
    assert!(h.app().drill().is_none());
    assert_eq!(h.write_count(), 0);
    h.key(KeyCode::Enter);
    assert_eq!(phase(&h), Some(Phase::Running));
}

// ---- 6, 7: a drill found on disk waits for the account, is validated, asks for the name ----

#[test]
fn a_drill_on_disk_is_offered_only_once_the_account_is_known() {
    let (mut h, state) = drill_left_on_disk();
    let connected = h.app().info().clone();
    // Live AWS at start: not connected yet, the account unknown.
    h.send(Msg::Info(opsdash::source::SourceInfo {
        account: "connecting…".into(),
        connection: Connection::Connecting,
        ..connected.clone()
    }));
    h.send(Msg::DrillFound(FoundDrill::State(Box::new(state))));
    assert!(
        h.app().drill().is_none(),
        "not offered against a placeholder"
    );
    assert!(h.app().drill_blocked().is_some());
    // While it waits, no new drill can start (it would record the scaled DR as "before").
    h.ch('F');
    h.ch('s');
    assert!(!matches!(h.app().overlay(), Overlay::DrillConfirm { .. }));
    h.key(KeyCode::Esc);
    h.send(Msg::Info(connected));
    assert_eq!(*h.app().overlay(), Overlay::DrillResume);
    assert_eq!(phase(&h), Some(Phase::Running));
    assert!(h.app().drill_blocked().is_none());
}

#[test]
fn resume_asks_for_the_name_and_re_applies_the_scale_up_before_waiting() {
    let (mut h, state) = drill_left_on_disk();
    assert_eq!(state.current, Some(StepKind::WaitHealthy));
    let before = state
        .items
        .iter()
        .find(|i| i.resource.label() == format!("asg {ASG}"));
    let before = before.expect("the app group is scaled").clone();
    assert_eq!(dr_desired(&h, ASG), before.target);
    // While no console watched, someone scaled the DR group back down.
    let dr = h.app().info().regions[1].name.clone();
    h.rt_block(h.sim.set_desired_capacity(&dr, ASG, before.before))
        .unwrap();
    h.advance(10.0);
    assert_eq!(dr_desired(&h, ASG), before.before);
    h.send(Msg::DrillFound(FoundDrill::State(Box::new(state))));
    h.ch('r');
    assert!(
        matches!(h.app().overlay(), Overlay::DrillConfirm { .. }),
        "one key does not resume"
    );
    assert_eq!(h.write_count(), 0);
    h.type_str("bookstore");
    h.key(KeyCode::Enter);
    assert_eq!(dr_desired(&h, ASG), before.target, "scaled up again first");
    let writes = h.writes.lock().unwrap().clone();
    assert_eq!(
        writes,
        vec![format!("SetDesiredCapacity {ASG} {}", before.target)],
        "only what is below its target"
    );
    let d = h.app().drill().unwrap();
    assert_eq!(d.current, Some(StepKind::WaitHealthy));
    let on_disk = drill::load(&drill_file(&h)).unwrap().unwrap();
    let item = on_disk
        .items
        .iter()
        .find(|i| i.resource.label() == format!("asg {ASG}"))
        .unwrap();
    assert_eq!(item.before, before.before, "the recorded 'before' is kept");
    h.advance_until(900.0, 10.0, |h| phase(h) != Some(Phase::Running))
        .expect("the resumed drill ends");
    assert_eq!(phase(&h), Some(Phase::Done));
}

#[test]
fn a_hand_edited_or_foreign_drill_file_is_refused_and_nothing_runs() {
    type Edit = fn(&mut drill::DrillState);
    let edits: [(&str, Edit); 4] = [
        ("dr differ", |s| s.spec.dr = common::region("eu-west-1")),
        ("health_alarm differ", |s| {
            s.spec.health_alarm = "payments-health".into();
        }),
        ("are not a drill's scale-up", |s| {
            s.items[0].target = 900_000;
        }),
        ("has no [app.failover] section", |s| {
            s.spec.app = "other".into();
        }),
    ];
    for (why, edit) in edits {
        let (mut h, mut state) = drill_left_on_disk();
        edit(&mut state);
        h.send(Msg::DrillFound(FoundDrill::State(Box::new(state))));
        let status = h.app().status().cloned().map(|s| s.0).unwrap_or_default();
        assert!(
            status.contains("is refused") && status.contains(why),
            "{why}: {status}"
        );
        assert!(h.app().drill().is_none(), "{why}");
        for k in ['r', 'b', 'F', 's'] {
            h.ch(k);
            assert!(
                !matches!(h.app().overlay(), Overlay::DrillConfirm { .. }),
                "{why}: {k} offers nothing"
            );
        }
        assert_eq!(h.write_count(), 0, "{why}");
    }
    // Another account's drill is left alone, and blocks a new one in this state directory.
    let (mut h, mut state) = drill_left_on_disk();
    state.account = "999999999999".into();
    h.send(Msg::DrillFound(FoundDrill::State(Box::new(state))));
    assert!(h.app().drill().is_none());
    h.ch('F');
    h.ch('s');
    assert!(!matches!(h.app().overlay(), Overlay::DrillConfirm { .. }));
    assert!(h.app().drill().is_none());
    assert!(
        h.app()
            .status()
            .as_ref()
            .unwrap()
            .0
            .contains("999999999999"),
        "{:?}",
        h.app().status()
    );
    assert_eq!(h.write_count(), 0);
}

// ---- 8: a drill another console drives ----

#[test]
fn a_drill_locked_by_another_console_can_be_watched_not_rolled_back() {
    let (mut h, state) = drill_left_on_disk();
    let holder = "opsdash pid 4242 on bastion-2".to_owned();
    h.send(Msg::DrillFound(FoundDrill::Elsewhere(
        Box::new(state),
        holder.clone(),
    )));
    assert_eq!(phase(&h), Some(Phase::Running));
    let screen = h.screen(120, 40);
    assert!(screen.contains(&holder), "{screen}");
    for k in ['r', 'b', 'B'] {
        h.ch(k);
        assert!(
            !matches!(h.app().overlay(), Overlay::DrillConfirm { .. }),
            "{k}"
        );
    }
    h.key(KeyCode::Esc);
    assert!(!matches!(h.app().overlay(), Overlay::DrillConfirm { .. }));
    assert_eq!(h.write_count(), 0);
}

#[test]
fn a_drill_whose_lock_is_held_by_a_live_process_does_not_start() {
    let mut h = Harness::new(Scenario::WarmStandby);
    let lock = drill::lock_path(&drill_file(&h));
    // pid 1 on this host is alive: another console holds the drill.
    let host = drill::Holder::me().host;
    std::fs::write(&lock, format!(r#"{{"pid":1,"host":"{host}"}}"#)).unwrap();
    assert!(drill::other_holder(&drill_file(&h)).is_some());
    start_drill(&mut h);
    assert!(h.app().drill().is_none(), "did not start");
    let status = h.app().status().cloned().unwrap().0;
    assert!(
        status.contains("the drill did not start") && status.contains("pid 1"),
        "{status}"
    );
    assert_eq!(h.write_count(), 0);
    assert!(!drill_file(&h).exists());
}

// ---- 9: a drill that cannot be saved does not start; read-only changes nothing ----

#[cfg(unix)]
#[test]
fn a_drill_whose_state_cannot_be_saved_does_not_start() {
    let mut h = Harness::new(Scenario::WarmStandby);
    // A symlink where the state goes: refused, never followed.
    let scratch = common::Scratch::new("elsewhere");
    let elsewhere = scratch.join("target.json");
    std::os::unix::fs::symlink(&elsewhere, drill_file(&h)).unwrap();
    start_drill(&mut h);
    assert!(h.app().drill().is_none());
    let status = h.app().status().cloned().unwrap().0;
    assert!(status.contains("symbolic link"), "{status}");
    assert_eq!(h.write_count(), 0);
    assert!(!elsewhere.exists());
}

#[test]
fn read_only_shows_a_drill_on_disk_and_cannot_change_it() {
    let (h, state) = drill_left_on_disk();
    let mut ro = Harness::read_only(Scenario::WarmStandby);
    drop(h);
    let path = drill_file(&ro);
    drill::save(&path, Some(&state)).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    ro.send(Msg::DrillFound(FoundDrill::State(Box::new(state))));
    assert_eq!(*ro.app().overlay(), Overlay::DrillResume);
    assert!(ro.screen(120, 40).contains("read-only (--read-only)"));
    for k in ['r', 'b'] {
        ro.ch(k);
        assert!(!matches!(ro.app().overlay(), Overlay::DrillConfirm { .. }));
    }
    ro.type_str("bookstore");
    ro.key(KeyCode::Enter);
    ro.advance(30.0);
    assert_eq!(ro.write_count(), 0);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the file is untouched"
    );
}

// ---- 13: escape sequences from AWS never reach the terminal as codes ----

#[test]
fn escape_sequences_in_aws_text_are_not_drawn_as_codes() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    let region = h.primary();
    let at = h.app().now();
    let mut e = credentials_error();
    e.class = ErrorClass::Other;
    e.code = "Boom\u{1b}]0;pwned\u{7}".into();
    e.message = "x\u{1b}[2Jy".into();
    h.send(Msg::Data {
        region,
        at,
        payload: Payload::Runs(Read::err(e, 1)),
    });
    let buf = h.terminal(120, 40).backend().buffer().clone();
    assert!(
        buf.content()
            .iter()
            .all(|c| !c.symbol().contains(char::is_control)),
        "a control character reached the screen"
    );
}

// ---- 15: the selection follows its item ----

#[test]
fn the_selection_stays_on_its_alarm_when_the_alarms_re_sort() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.select(Pane::Alarms, "bookstore-primary-health");
    let before = h.app().pane(Pane::Alarms).selected;
    assert!(before > 0);
    h.inject(&Fault::PrimaryDark);
    h.advance_until(900.0, 10.0, |h| {
        h.snapshot().regions[0]
            .alarms
            .iter()
            .any(|a| a.name == "bookstore-primary-health" && a.state == AlarmState::Alarm)
    })
    .expect("the health alarm fires");
    let ps = h.app().pane(Pane::Alarms);
    let row = ps.rows[ps.selected];
    assert!(
        h.app()
            .row_text(Pane::Alarms, row)
            .starts_with("bookstore-primary-health ALARM"),
        "{}",
        h.app().row_text(Pane::Alarms, row)
    );
    assert_ne!(
        ps.selected, before,
        "it moved to the top, and the selection with it"
    );
}

#[test]
fn the_selection_stays_on_its_event_when_new_events_arrive() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch('5');
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    let ps = h.app().pane(Pane::Timeline);
    let text = h.app().row_text(Pane::Timeline, ps.rows[ps.selected]);
    let count = ps.rows.len();
    h.inject(&Fault::StopInstance {
        region: h.primary().to_string(),
        instance: None,
    });
    h.advance_until(300.0, 10.0, |h| {
        h.app().pane(Pane::Timeline).rows.len() > count
    })
    .expect("new events");
    let ps = h.app().pane(Pane::Timeline);
    assert_eq!(h.app().row_text(Pane::Timeline, ps.rows[ps.selected]), text);
}

// ---- 10, 11: what an app names is what its drill touches; DR counterparts are required ----

fn app_config(text: &str) -> Vec<opsdash::config::AppConfig> {
    opsdash::config::Config::parse(std::path::Path::new("test.toml"), text)
        .expect("config parses")
        .apps
}

#[test]
fn a_kind_an_app_does_not_name_is_none_of_that_kind() {
    let apps = app_config(
        r#"
[[app]]
name = "web"
load_balancers = ["fa-092-*"]
auto_scaling_groups = ["fa-092-*"]
alarms = ["bookstore-*"]
[app.failover]
primary = "us-east-1"
dr = "us-west-2"
health_alarm = "bookstore-primary-health"
"#,
    );
    let h = Harness::with_settings(Scenario::WarmStandby, false, |s| {
        s.apps.clone_from(&apps);
        s.drill_specs = apps.iter().filter_map(drill::DrillSpec::from_app).collect();
    });
    let cap = h.app().current().unwrap().capacity.clone().unwrap();
    assert!(
        cap.ecs_services.is_empty(),
        "no ecs_services named: none shown"
    );
    assert_eq!(
        cap.auto_scaling_groups
            .iter()
            .map(|g| g.name.as_str())
            .collect::<Vec<_>>(),
        vec![ASG]
    );
    let pre = h.app().drill_preflight().unwrap();
    assert!(pre.ok(), "{:?}", pre.checks);
    let scaled: Vec<String> = pre.items.iter().map(|i| i.resource.label()).collect();
    assert_eq!(
        scaled,
        vec![format!("asg {ASG}")],
        "the drill scales only what is named"
    );
    // Without any app config, everything is discovered.
    let mut h = Harness::new(Scenario::WarmStandby);
    h.poll();
    let cap = h.app().current().unwrap().capacity.clone().unwrap();
    assert_eq!(cap.ecs_services.len(), 1);
}

#[test]
fn preflight_blocks_when_a_primary_target_group_has_no_dr_counterpart() {
    let h = Harness::new(Scenario::WarmStandby);
    let spec = drill::DrillSpec::warm_standby_demo();
    let view = |region: &opsdash::model::Region| {
        let d = h.app().store().region(region).unwrap();
        (
            d.targets.clone().unwrap(),
            d.capacity.clone().unwrap(),
            d.alarms.clone().unwrap(),
        )
    };
    let (p_lbs, p_cap, p_alarms) = view(&spec.primary);
    let (mut d_lbs, d_cap, d_alarms) = view(&spec.dr);
    for lb in &mut d_lbs {
        lb.target_groups.retain(|g| g.name != "bookstore-backend");
    }
    let pre = drill::preflight(
        &spec,
        drill::RegionView {
            lbs: Some(&p_lbs),
            capacity: Some(&p_cap),
            alarms: Some(&p_alarms),
        },
        drill::RegionView {
            lbs: Some(&d_lbs),
            capacity: Some(&d_cap),
            alarms: Some(&d_alarms),
        },
    );
    assert!(!pre.ok());
    let failed: Vec<&str> = pre
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(
        failed,
        vec!["no counterpart in us-west-2 for target group(s) of us-east-1: bookstore-backend"]
    );
    assert!(!pre.target_groups.contains(&"bookstore-backend".to_owned()));
}

/// The fleet view: rows keep the config's order whatever order they are read in; a read that
/// fails keeps the last counts with their age beside the error (never passing for current), and
/// `W` says how to get a fleet when there is none.
#[test]
fn fleet_rows_keep_their_order_and_a_failed_read_keeps_its_last_counts_and_age() {
    use opsdash::model::fleet::{FleetRow, FleetSummary};
    let mut h = Harness::with_settings(Scenario::NlbWebApp, false, |s| {
        s.fleet = vec!["prod".into(), "staging".into()];
    });
    let region = h.primary();
    let at = h.app().now();
    let row = |account: &str, summary: Option<FleetSummary>, error: Option<&str>| FleetRow {
        account: account.into(),
        profile: Some(account.into()),
        region: region.clone(),
        read_at: summary.is_some().then_some(at),
        summary,
        error: error.map(str::to_owned),
    };
    let counts = FleetSummary {
        targets: 40,
        unhealthy: 2,
        alarms_firing: 1,
        rollouts: 0,
        shifts: 0,
    };
    h.send(Msg::Fleet(row(
        "staging",
        Some(FleetSummary::default()),
        None,
    )));
    h.send(Msg::Fleet(row("prod", Some(counts), None)));
    assert_eq!(h.app().fleet()[0].account, "prod");
    h.ch('W');
    // The console's own source connecting (its regions found) starts its panes over, and
    // leaves the fleet on screen: the fleet is no one source's.
    let info = h.app().info().clone();
    h.send(Msg::Reset(info));
    assert_eq!(*h.app().view(), opsdash::app::View::Fleet);
    let screen = h.screen(120, 30);
    assert!(screen.contains("Fleet: 2 accounts"), "{screen}");
    assert!(screen.contains("2/40 unhealthy"), "{screen}");
    h.advance(60.0);
    h.send(Msg::Fleet(row(
        "prod",
        None,
        Some("ExpiredToken: the security token included in the request is expired"),
    )));
    let prod = &h.app().fleet()[0];
    assert_eq!(prod.summary, Some(counts), "the last counts stay");
    assert_eq!(prod.read_at, Some(at), "with their time");
    let screen = h.screen(140, 30);
    let line = screen.lines().find(|l| l.contains("│ prod ")).unwrap();
    assert!(
        line.contains("1m ago") && line.contains("ExpiredToken"),
        "{line}"
    );
    // An account never read: its error where its counts would be, seen at 80 columns.
    h.send(Msg::Fleet(FleetRow {
        region: opsdash::model::Region::new("eu-west-1").unwrap(),
        ..row("staging", None, Some("AccessDenied: not authorized"))
    }));
    let screen = h.screen(80, 24);
    let line = screen
        .lines()
        .find(|l| l.contains("│ staging ") && l.contains("eu-west-1"))
        .unwrap();
    assert!(line.contains("AccessDenied"), "{screen}");
    // Esc leaves; without accounts W says what to do.
    h.key(KeyCode::Esc);
    assert_eq!(*h.app().view(), opsdash::app::View::Main);
    let mut none = Harness::new(Scenario::NlbWebApp);
    none.ch('W');
    assert!(none.app().status().unwrap().0.contains("[[account]]"));
}

/// The demo's fleet: this console's drill is in the rows of its two regions; Enter opens a row's
/// region in the panes and Esc (nothing else left to close) comes back to the fleet.
#[test]
fn the_fleet_shows_the_drill_and_esc_comes_back_from_a_row() {
    use opsdash::app::View;
    use opsdash::model::fleet::{FleetRow, FleetSummary};
    let mut h = Harness::with_settings(Scenario::WarmStandby, false, |s| {
        s.fleet = vec!["demo".into()];
    });
    for r in ["us-east-1", "us-west-2"] {
        h.send(Msg::Fleet(FleetRow {
            account: "demo".into(),
            profile: None,
            region: opsdash::model::Region::new(r).unwrap(),
            summary: Some(FleetSummary::default()),
            read_at: Some(h.app().now()),
            error: None,
        }));
    }
    h.ch('F');
    h.ch('s');
    h.type_str("bookstore");
    h.key(KeyCode::Enter);
    assert!(h.app().drill().is_some());
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);
    h.ch('W');
    assert_eq!(*h.app().view(), View::Fleet);
    let screen = h.screen(120, 30);
    let drilled = screen
        .lines()
        .filter(|l| l.contains("│ demo ") && l.contains("drill"))
        .count();
    assert_eq!(drilled, 2, "{screen}");
    // Enter on the second row: us-west-2 in the panes; Esc: the fleet again.
    h.ch('j');
    h.key(KeyCode::Enter);
    assert_eq!(*h.app().view(), View::Main);
    assert_eq!(h.app().region_name().as_str(), "us-west-2");
    h.key(KeyCode::Esc);
    assert_eq!(*h.app().view(), View::Fleet);
}
