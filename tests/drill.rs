//! The failover drill on the simulated warm-standby estate, on virtual time, through the keys:
//! preflight, the steps with their exact calls, recovery time, failback, abort, a blocked
//! preflight, read-only, and a console killed mid-drill that resumes from the state on disk.

mod common;

use common::Harness;
use opsdash::app::{FoundDrill, Msg, Overlay, View};
use opsdash::model::{AlarmState, Snapshot};
use opsdash::ops::drill::{self, Phase, StepKind};
use opsdash::source::EstateWriter;
use opsdash::source::sim::{Fault, Scenario};
use ratatui::crossterm::event::KeyCode;

const ASG: &str = "fa-092-AutoScalingGroup";
const CAP_ASG: &str = "appCluster-capacity-asg";

fn desired(s: &Snapshot, region: usize, asg: &str) -> u32 {
    s.regions[region]
        .auto_scaling_groups
        .iter()
        .find(|g| g.name == asg)
        .map(|g| g.desired)
        .expect("group")
}

fn service_desired(s: &Snapshot, region: usize) -> u32 {
    s.regions[region].ecs_services[0].desired
}

/// The DR region's app group, capacity-provider group and ECS service desired counts.
fn dr_capacity(h: &Harness) -> (u32, u32, u32) {
    let s = h.snapshot();
    (
        desired(&s, 1, ASG),
        desired(&s, 1, CAP_ASG),
        service_desired(&s, 1),
    )
}

fn health_alarm(h: &Harness) -> AlarmState {
    h.snapshot().regions[0]
        .alarms
        .iter()
        .find(|a| a.name == "bookstore-primary-health")
        .map(|a| a.state)
        .unwrap()
}

fn phase(h: &Harness) -> Option<Phase> {
    h.app().drill().map(|d| d.phase)
}

fn start(h: &mut Harness) {
    h.ch('F');
    assert_eq!(*h.app().view(), View::Drill);
    h.ch('s');
    assert!(
        matches!(h.app().overlay(), Overlay::DrillConfirm { .. }),
        "{:?}",
        h.app().status()
    );
    h.type_str("bookstor");
    h.key(KeyCode::Enter);
    assert!(h.app().drill().is_none(), "a wrong name starts nothing");
    h.ch('e');
    h.key(KeyCode::Enter);
    assert_eq!(phase(h), Some(Phase::Running));
}

fn drill_file(h: &Harness) -> std::path::PathBuf {
    h.executor.drill_path().expect("a state dir")
}

#[test]
fn a_full_drill_then_failback() {
    let mut h = Harness::new(Scenario::WarmStandby);
    let before = h.snapshot();
    assert_eq!(desired(&before, 1, ASG), 1, "DR at warm-standby capacity");
    h.ch('F');
    let screen = h.screen(120, 60);
    assert!(
        screen.contains("no DR alarm in ALARM in us-west-2"),
        "{screen}"
    );
    assert!(
        screen.contains(
            "autoscaling:SetDesiredCapacity AutoScalingGroupName=fa-092-AutoScalingGroup"
        ),
        "{screen}"
    );
    assert!(screen.contains("StateValue=ALARM"), "{screen}");
    h.key(KeyCode::Esc);
    start(&mut h);
    // Step 1: DR scaled to 100 % of the primary, never down; the state is on disk.
    let writes = h.writes.lock().unwrap().clone();
    assert_eq!(
        writes,
        vec![
            format!("SetDesiredCapacity {ASG} 2"),
            format!("SetDesiredCapacity {CAP_ASG} 2"),
            "UpdateService ServiceUpdate { cluster: \"appCluster\", service: \"appService\", desired: Some(2), task_definition: None, force_new_deployment: false }".to_owned(),
        ]
    );
    assert_eq!(dr_capacity(&h), (2, 2, 2));
    let on_disk = drill::load(&drill_file(&h))
        .unwrap()
        .expect("state written");
    assert_eq!(on_disk.done, vec![StepKind::ScaleDr]);
    assert_eq!(on_disk.current, Some(StepKind::WaitHealthy));
    // Step 2: waits until the DR targets are healthy; then 3 and 4 follow.
    assert_eq!(health_alarm(&h), AlarmState::Ok);
    let t = h
        .advance_until(900.0, 10.0, |h| phase(h) != Some(Phase::Running))
        .expect("the drill ends");
    assert_eq!(phase(&h), Some(Phase::Done), "{:?}", h.app().drill());
    let d = h.app().drill().cloned().unwrap();
    assert_eq!(d.done, StepKind::DRILL.to_vec());
    let recovery = d.recovery_secs.expect("recovery time reported");
    assert!(recovery > 30.0 && recovery <= t + 1.0, "{recovery} s");
    assert!(
        h.writes
            .lock()
            .unwrap()
            .contains(&"SetAlarmState bookstore-primary-health ALARM".to_owned())
    );
    assert!(
        h.app()
            .status()
            .cloned()
            .unwrap()
            .0
            .contains("recovery time")
    );
    let (dr_healthy, _) = h.app().target_counts(&common::region("us-west-2"));
    assert!(
        dr_healthy >= 6,
        "DR serves with the primary's capacity: {dr_healthy}"
    );
    // Failback: the recorded capacities and the alarm come back; the state file goes.
    h.ch('B');
    h.type_str("bookstore");
    h.key(KeyCode::Enter);
    assert_eq!(phase(&h), Some(Phase::Finished));
    assert_eq!(dr_capacity(&h), (1, 1, 1));
    assert_eq!(health_alarm(&h), AlarmState::Ok);
    assert!(!drill_file(&h).exists(), "nothing left to resume");
    let steps: Vec<String> = h
        .audit()
        .iter()
        .filter(|r| {
            r.phase == opsdash::ops::audit::AuditPhase::Outcome && r.operation == "failover_drill"
        })
        .map(|r| format!("{} {}", r.parameters["step"], r.outcome.unwrap()))
        .collect();
    assert_eq!(
        steps,
        vec![
            "ScaleDr ok",
            "WaitHealthy ok",
            "SwitchTraffic ok",
            "Verify ok",
            "RestoreAlarm ok",
            "RestoreCapacity ok"
        ]
    );
}

#[test]
fn a_firing_dr_alarm_blocks_the_drill_and_says_why() {
    let mut h = Harness::new(Scenario::WarmStandby);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(h.sim.set_alarm_state(
        &common::region("us-west-2"),
        "bookstore-cpu-high",
        AlarmState::Alarm,
        "test",
    ))
    .unwrap();
    h.poll();
    h.ch('F');
    assert!(
        h.screen(120, 40)
            .contains("DR alarm in ALARM in us-west-2: bookstore-cpu-high")
    );
    h.ch('s');
    let (msg, _) = h.app().status().cloned().unwrap();
    assert!(msg.contains("preflight blocks the drill"), "{msg}");
    assert!(msg.contains("bookstore-cpu-high"), "{msg}");
    assert_eq!(*h.app().overlay(), Overlay::None);
    assert!(h.app().drill().is_none());
    assert_eq!(h.write_count(), 0, "no call from the console");
}

#[test]
fn abort_while_waiting_restores_only_the_capacity() {
    let mut h = Harness::new(Scenario::WarmStandby);
    start(&mut h);
    assert_eq!(
        h.app().drill().unwrap().current,
        Some(StepKind::WaitHealthy)
    );
    h.key(KeyCode::Esc);
    assert!(matches!(h.app().overlay(), Overlay::DrillConfirm { .. }));
    h.ch('n');
    assert_eq!(phase(&h), Some(Phase::Running), "n continues");
    h.key(KeyCode::Esc);
    h.ch('y');
    assert_eq!(phase(&h), Some(Phase::Finished));
    let writes = h.writes.lock().unwrap().clone();
    assert!(
        !writes.iter().any(|w| w.starts_with("SetAlarmState")),
        "{writes:?}"
    );
    assert_eq!(dr_capacity(&h), (1, 1, 1));
}

#[test]
fn a_failed_switch_rolls_back_the_scale_and_nothing_else() {
    let mut h = Harness::new(Scenario::WarmStandby);
    start(&mut h);
    // The health alarm is deleted after the preflight: the switch step fails.
    let primary = h.primary();
    assert!(
        h.sim
            .lock()
            .delete_alarm(primary.as_str(), "bookstore-primary-health")
    );
    h.advance_until(900.0, 10.0, |h| phase(h) != Some(Phase::Running))
        .expect("the drill stops");
    let d = h.app().drill().cloned().unwrap();
    assert_eq!(d.phase, Phase::Failed);
    assert_eq!(d.done, vec![StepKind::ScaleDr, StepKind::WaitHealthy]);
    assert!(
        d.error
            .as_deref()
            .unwrap()
            .contains("bookstore-primary-health does not exist"),
        "{:?}",
        d.error
    );
    assert_eq!(d.restore_steps(), vec![StepKind::RestoreCapacity]);
    h.ch('B');
    h.type_str("bookstore");
    h.key(KeyCode::Enter);
    assert_eq!(phase(&h), Some(Phase::Finished));
    assert_eq!(desired(&h.snapshot(), 1, ASG), 1);
}

#[test]
fn killed_mid_drill_the_next_start_resumes_from_the_state_on_disk() {
    let mut h = Harness::new(Scenario::WarmStandby);
    start(&mut h);
    h.advance(30.0);
    assert_eq!(
        h.app().drill().unwrap().current,
        Some(StepKind::WaitHealthy)
    );
    // The session drops: a new console over the same estate and state directory.
    let mut h2 = h.restart();
    drop(h);
    let state = drill::load(&drill_file(&h2))
        .unwrap()
        .expect("state on disk");
    h2.send(Msg::DrillFound(FoundDrill::State(Box::new(state))));
    assert_eq!(*h2.app().overlay(), Overlay::DrillResume);
    let screen = h2.screen(120, 40);
    assert!(
        screen.contains("was in progress when opsdash stopped"),
        "{screen}"
    );
    assert!(screen.contains("done: scale the DR region up"), "{screen}");
    // Resuming asks for the app's name, like every failover step.
    h2.ch('r');
    assert!(matches!(h2.app().overlay(), Overlay::DrillConfirm { .. }));
    h2.type_str("bookstore");
    h2.key(KeyCode::Enter);
    h2.advance_until(900.0, 10.0, |h| phase(h) != Some(Phase::Running))
        .expect("the resumed drill ends");
    assert_eq!(phase(&h2), Some(Phase::Done));
    // Killed again, after the switch: roll back from the next start.
    let mut h3 = h2.restart();
    let state = drill::load(&drill_file(&h3))
        .unwrap()
        .expect("state on disk");
    assert_eq!(state.phase, Phase::Done);
    h3.send(Msg::DrillFound(FoundDrill::State(Box::new(state))));
    h3.ch('b');
    assert_eq!(phase(&h3), Some(Phase::Done), "one key does nothing yet");
    h3.type_str("bookstore");
    h3.key(KeyCode::Enter);
    assert_eq!(phase(&h3), Some(Phase::Finished));
    assert_eq!(desired(&h3.snapshot(), 1, ASG), 1);
    assert_eq!(health_alarm(&h3), AlarmState::Ok);
    assert!(!drill_file(&h3).exists());
}

#[test]
fn read_only_shows_the_plan_and_cannot_start() {
    let mut h = Harness::read_only(Scenario::WarmStandby);
    h.ch('F');
    let screen = h.screen(120, 60);
    assert!(
        screen.contains("READ-ONLY: the plan is shown; the drill cannot start"),
        "{screen}"
    );
    assert!(
        screen.contains("autoscaling:SetDesiredCapacity"),
        "{screen}"
    );
    h.ch('s');
    assert!(
        h.app()
            .status()
            .cloned()
            .unwrap()
            .0
            .contains("cannot start")
    );
    assert!(h.app().drill().is_none());
    assert_eq!(h.write_count(), 0);
    assert_eq!(
        h.audit()[1].outcome,
        Some(opsdash::ops::audit::AuditOutcome::Refused)
    );
}

#[test]
fn with_the_primary_dark_the_drill_brings_dr_to_full_capacity_and_dr_serves() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.inject(&Fault::PrimaryDark);
    h.advance(120.0);
    start(&mut h);
    h.advance_until(1200.0, 10.0, |h| phase(h) != Some(Phase::Running))
        .expect("the drill ends");
    assert_eq!(phase(&h), Some(Phase::Done), "{:?}", h.app().drill());
    let s = h.snapshot();
    assert_eq!(
        desired(&s, 1, ASG),
        2,
        "full capacity: the primary's desired"
    );
    h.ch('v');
    let (dr_healthy, dr_total) = h.app().target_counts(&common::region("us-west-2"));
    assert!(
        dr_healthy >= 6 && dr_healthy == dr_total,
        "{dr_healthy}/{dr_total}"
    );
    let (p_healthy, _) = h.app().target_counts(&common::region("us-east-1"));
    assert_eq!(p_healthy, 0, "the primary is dark");
}

#[test]
fn restore_steps_undo_exactly_what_was_done() {
    let mut h = Harness::new(Scenario::WarmStandby);
    start(&mut h);
    let mut d = h.app().drill().cloned().unwrap();
    for (done, want) in [
        (vec![], vec![]),
        (vec![StepKind::ScaleDr], vec![StepKind::RestoreCapacity]),
        (
            vec![StepKind::ScaleDr, StepKind::WaitHealthy],
            vec![StepKind::RestoreCapacity],
        ),
        (
            vec![
                StepKind::ScaleDr,
                StepKind::WaitHealthy,
                StepKind::SwitchTraffic,
            ],
            vec![StepKind::RestoreAlarm, StepKind::RestoreCapacity],
        ),
        (
            StepKind::DRILL.to_vec(),
            vec![StepKind::RestoreAlarm, StepKind::RestoreCapacity],
        ),
        (
            [StepKind::DRILL.as_slice(), &[StepKind::RestoreAlarm]].concat(),
            vec![StepKind::RestoreCapacity],
        ),
    ] {
        d.done = done.clone();
        assert_eq!(d.restore_steps(), want, "after {done:?}");
    }
}

#[test]
fn the_panes_stay_reachable_while_a_drill_runs_and_the_header_says_so() {
    let mut h = Harness::new(Scenario::WarmStandby);
    start(&mut h);
    h.ch('2');
    assert_eq!(
        *h.app().view(),
        View::Main,
        "a pane key leaves the drill view"
    );
    assert_eq!(phase(&h), Some(Phase::Running), "the drill keeps running");
    let screen = h.screen(160, 40);
    assert!(
        screen.lines().next().unwrap().contains("DRILL RUNNING"),
        "{screen}"
    );
    h.advance_until(900.0, 10.0, |h| phase(h) != Some(Phase::Running))
        .expect("the drill ends in the background");
    assert_eq!(phase(&h), Some(Phase::Done));
    h.ch('F');
    assert_eq!(*h.app().view(), View::Drill);
}
