//! ARC Region switch plans on the demo (warm-standby has a plan), on virtual time, through the
//! keys: the failover view shows the plan, its evaluation and what activating the standby runs;
//! `e` starts an execution (the exact StartPlanExecution call, the app's name typed); the manual
//! approval waits for `a`; the scaling blocks scale the DR region; the Route 53 block moves the
//! traffic; the recovery time is shown; every call is audited. Declining, cancelling, pausing,
//! bad input and read-only.

mod common;

use common::Harness;
use opsdash::app::{Overlay, View};
use opsdash::ops::Confirm;
use opsdash::ops::audit::AuditPhase;
use opsdash::source::sim::Scenario;
use ratatui::crossterm::event::KeyCode;

fn writes(h: &Harness) -> Vec<String> {
    h.writes.lock().unwrap().clone()
}

/// The live execution's state, as the console last read it.
fn state(h: &Harness) -> Option<String> {
    h.app()
        .shown_plan()
        .and_then(|p| p.live().map(|e| e.state.clone()))
}

/// Opens the failover view and waits for the plan's first read.
fn open(h: &mut Harness) {
    h.advance(30.0);
    h.ch('F');
    assert_eq!(h.app().view(), &View::Drill);
    h.advance_until(60.0, 5.0, |h| h.app().shown_plan().is_some())
        .expect("the plan is read once the view opens");
}

/// `e`, the prompt's default (activate the standby), Enter, the app's name typed.
fn start(h: &mut Harness, input: Option<&str>) {
    h.ch('e');
    let Overlay::PlanStart { input: field, .. } = h.app().overlay() else {
        panic!("the start prompt: {:?}", h.app().overlay());
    };
    assert_eq!(
        field.text(),
        "activate us-west-2",
        "the default: the standby"
    );
    if let Some(text) = input {
        for _ in 0..40 {
            h.key(KeyCode::Backspace);
        }
        h.type_str(text);
    }
    h.key(KeyCode::Enter);
}

fn confirm_typed(h: &mut Harness) {
    let Overlay::Confirm { plan, .. } = h.app().overlay() else {
        panic!(
            "the confirmation: {:?} {:?}",
            h.app().overlay(),
            h.app().status()
        );
    };
    assert_eq!(plan.confirm, Confirm::TypeName("bookstore".into()));
    h.type_str("bookstore");
    h.key(KeyCode::Enter);
}

#[test]
fn an_execution_waits_for_approval_scales_the_dr_region_and_moves_the_traffic() {
    let mut h = Harness::new(Scenario::WarmStandby);
    open(&mut h);
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("ARC Region switch plan bookstore-failover"),
        "{screen}"
    );
    assert!(screen.contains("active us-east-1"), "{screen}");
    assert!(screen.contains("Preflight (AWS's evaluation"), "{screen}");
    assert!(
        screen.contains("1. approve-switch (ManualApproval)"),
        "{screen}"
    );
    assert!(
        screen.contains("Rehearsal: opsdash steps, no DNS change"),
        "{screen}"
    );
    start(&mut h, None);
    let Overlay::Confirm { plan, .. } = h.app().overlay() else {
        panic!("the confirmation: {:?}", h.app().status());
    };
    let calls = plan.calls();
    assert_eq!(calls.len(), 1);
    assert!(
        calls[0].starts_with("arc-region-switch:StartPlanExecution planArn=arn:aws:arc-region-switch::123456789012:plan/bookstore-failover:")
            && calls[0].contains(" targetRegion=us-west-2 action=activate mode=graceful comment=\"opsdash "),
        "{calls:?}"
    );
    assert_eq!(
        plan.region.as_str(),
        "us-west-2",
        "sent to the region it activates"
    );
    // A wrong name runs nothing.
    h.type_str("bookstor");
    h.key(KeyCode::Enter);
    assert!(writes(&h).is_empty());
    h.key(KeyCode::Backspace);
    for _ in 0..8 {
        h.key(KeyCode::Backspace);
    }
    confirm_typed(&mut h);
    h.advance(1.0);
    assert_eq!(
        writes(&h),
        vec!["StartPlanExecution us-west-2 activate us-west-2 graceful"]
    );
    // The approval step waits: the status line, the header and the view say so.
    h.advance_until(60.0, 5.0, |h| {
        state(h).as_deref() == Some("pendingManualApproval")
    })
    .expect("waits for the approval");
    let (status, _) = h.app().status().cloned().unwrap();
    assert!(
        status.contains("approve-switch waits for approval"),
        "{status}"
    );
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("SWITCH TO us-west-2 awaits approval"),
        "{screen}"
    );
    assert!(
        screen.contains("waiting for your approval of approve-switch"),
        "{screen}"
    );
    // It waits for as long as nobody approves.
    h.advance(120.0);
    assert_eq!(state(&h).as_deref(), Some("pendingManualApproval"));
    h.ch('a');
    let Overlay::Confirm { plan, .. } = h.app().overlay() else {
        panic!("the approval's confirmation: {:?}", h.app().status());
    };
    assert!(
        plan.calls()[0].contains("ApprovePlanExecutionStep")
            && plan.calls()[0].contains("stepName=approve-switch approval=approve"),
        "{:?}",
        plan.calls()
    );
    h.ch('y');
    h.advance(1.0);
    // The scaling blocks bring us-west-2 to the primary's capacity, then the traffic moves.
    let took = h
        .advance_until(900.0, 10.0, |h| {
            h.app()
                .shown_plan()
                .is_some_and(|p| p.executions.first().is_some_and(|e| e.state == "completed"))
        })
        .expect("the execution completes");
    assert!(took > 30.0, "scaling waits for capacity ({took} s)");
    let rs = h.app().shown_plan().unwrap().clone();
    let done = &rs.executions[0];
    assert!(done.recovery_time.is_some(), "{done:?}");
    assert_eq!(rs.active_region().as_deref(), Some("us-west-2"));
    let snap = h.snapshot();
    let west = snap
        .regions
        .iter()
        .find(|r| r.region.as_str() == "us-west-2")
        .unwrap();
    let asg = west
        .auto_scaling_groups
        .iter()
        .find(|g| g.name == "fa-092-AutoScalingGroup")
        .unwrap();
    assert_eq!(asg.desired, 2, "scaled to the primary's capacity");
    h.advance(70.0);
    let screen = h.screen(120, 40);
    assert!(screen.contains("TRAFFIC ON us-west-2"), "{screen}");
    // The verdict names the switch as what moved the traffic, never a failing health check.
    let v = &h.app().verdicts()[0];
    assert!(
        !v.text.contains("health check failing")
            && v.text.contains(
                "traffic on us-west-2 since Region switch bookstore-failover activated it at"
            ),
        "{}",
        v.text
    );
    assert_eq!(v.action.as_deref(), Some("F then e switches back"));
    assert!(screen.contains("recovery time"), "{screen}");
    // The Timeline has the execution's events.
    let timeline: Vec<String> = h
        .app()
        .store()
        .timeline()
        .iter()
        .map(|e| format!("{} {}", e.resource, e.message))
        .collect();
    assert!(
        timeline
            .iter()
            .any(|e| e.contains("stepPendingApproval approve-switch")),
        "{timeline:?}"
    );
    assert!(
        timeline.iter().any(|e| e.contains("executionSucceeded")),
        "{timeline:?}"
    );
    // Both calls in the audit log, intent then outcome, with the execution's id.
    let audit = h.audit();
    let starts: Vec<_> = audit
        .iter()
        .filter(|r| r.operation == "region_switch")
        .collect();
    assert_eq!(starts.len(), 4, "{audit:?}");
    assert!(starts[0].phase == AuditPhase::Intent);
    assert!(starts[0].calls[0].contains("StartPlanExecution"));
    assert_eq!(starts[0].target, "regionswitchplan/bookstore-failover");
    assert!(
        starts[1].parameters.contains_key("execution_id"),
        "{:?}",
        starts[1]
    );
    assert!(starts[2].calls[0].contains("ApprovePlanExecutionStep"));
}

#[test]
fn declining_cancelling_and_bad_input_say_what_happened() {
    let mut h = Harness::new(Scenario::WarmStandby);
    open(&mut h);
    // Bad input in the prompt is refused in place; nothing is sent.
    start(&mut h, Some("activate eu-west-9"));
    let Overlay::PlanStart { error: Some(e), .. } = h.app().overlay() else {
        panic!("refused in place: {:?}", h.app().overlay());
    };
    assert!(e.contains("eu-west-9 is not a region of plan"), "{e}");
    for _ in 0..40 {
        h.key(KeyCode::Backspace);
    }
    h.type_str("activate us-east-1");
    h.key(KeyCode::Enter);
    let Overlay::PlanStart { error: Some(e), .. } = h.app().overlay() else {
        panic!("refused in place: {:?}", h.app().overlay());
    };
    assert!(e.contains("already the active region"), "{e}");
    h.key(KeyCode::Esc);
    assert!(writes(&h).is_empty());
    // Nothing to approve yet.
    h.ch('a');
    assert!(
        h.app().status().unwrap().0.contains("no execution"),
        "{:?}",
        h.app().status()
    );
    // Start, decline: the execution ends, nothing scaled.
    start(&mut h, None);
    confirm_typed(&mut h);
    h.advance_until(60.0, 5.0, |h| {
        state(h).as_deref() == Some("pendingManualApproval")
    })
    .expect("waits for the approval");
    h.ch('D');
    let Overlay::Confirm { plan, .. } = h.app().overlay() else {
        panic!("the decline's confirmation");
    };
    assert!(plan.calls()[0].contains("approval=decline"));
    h.ch('y');
    h.advance(15.0);
    let rs = h.app().shown_plan().unwrap();
    assert!(rs.live().is_none());
    assert_eq!(rs.executions[0].state, "canceled");
    assert_eq!(rs.active_region().as_deref(), Some("us-east-1"));
    // Start again, pause, resume, cancel (typed).
    start(&mut h, None);
    confirm_typed(&mut h);
    h.advance(15.0);
    h.ch('P');
    assert!(matches!(h.app().overlay(), Overlay::Confirm { .. }));
    h.ch('y');
    h.advance(15.0);
    assert_eq!(state(&h).as_deref(), Some("pausedByOperator"));
    assert!(h.screen(120, 40).contains("SWITCH TO us-west-2 paused"));
    h.ch('P');
    let Overlay::Confirm { plan, .. } = h.app().overlay() else {
        panic!("resume");
    };
    assert!(
        plan.calls()[0].contains("UpdatePlanExecution")
            && plan.calls()[0].contains("action=resume")
    );
    h.ch('y');
    h.advance(15.0);
    assert_eq!(state(&h).as_deref(), Some("pendingManualApproval"));
    h.ch('C');
    confirm_typed(&mut h);
    h.advance(15.0);
    let rs = h.app().shown_plan().unwrap();
    assert!(rs.live().is_none());
    assert_eq!(rs.executions[0].state, "canceled");
    let w = writes(&h);
    assert!(w.iter().any(|c| c.contains("Cancel")), "{w:?}");
}

#[test]
fn read_only_shows_the_plan_and_starts_nothing() {
    let mut h = Harness::read_only(Scenario::WarmStandby);
    open(&mut h);
    assert!(
        h.screen(120, 40)
            .contains("READ-ONLY: e shows an execution's plan")
    );
    start(&mut h, None);
    assert!(matches!(h.app().overlay(), Overlay::None));
    assert!(
        h.app().status().unwrap().0.contains("read-only"),
        "{:?}",
        h.app().status()
    );
    h.advance(30.0);
    assert!(writes(&h).is_empty());
    assert!(h.app().shown_plan().unwrap().executions.is_empty());
    let audit = h.audit();
    assert!(
        audit.iter().any(|r| r.operation == "region_switch"
            && r.outcome == Some(opsdash::ops::audit::AuditOutcome::Refused)),
        "{audit:?}"
    );
}

/// `snapshot --json` names each app's plan and its last execution; `check` warns while one runs.
#[test]
fn snapshot_and_check_name_the_plan_and_a_running_execution() {
    let mut h = Harness::new(Scenario::WarmStandby);
    open(&mut h);
    let with_plans = |h: &Harness| {
        let mut snap = h.snapshot();
        let spec = opsdash::ops::drill::DrillSpec::warm_standby_demo();
        h.block_on(opsdash::poller::snapshot_plans(
            &h.sim,
            &mut snap,
            &[spec.plan_query()],
            std::time::Duration::from_secs(30),
        ));
        snap
    };
    let snap = with_plans(&h);
    let json = serde_json::to_value(&snap).unwrap();
    let plan = &json["apps"][0]["region_switch_plan"];
    assert_eq!(json["apps"][0]["app"], "bookstore");
    assert_eq!(plan["name"], "bookstore-failover");
    assert_eq!(plan["active_region"], "us-east-1");
    assert!(plan["last_execution"].is_null());
    let (status, line) = opsdash::report::check(&snap);
    assert_eq!(status, opsdash::report::CheckStatus::Ok, "{line}");
    start(&mut h, None);
    confirm_typed(&mut h);
    h.advance(15.0);
    let snap = with_plans(&h);
    let json = serde_json::to_value(&snap).unwrap();
    let last = &json["apps"][0]["region_switch_plan"]["last_execution"];
    assert_eq!(last["state"], "pendingManualApproval");
    assert_eq!(last["action"], "activate");
    let (status, line) = opsdash::report::check(&snap);
    assert_eq!(status, opsdash::report::CheckStatus::Warn, "{line}");
    assert!(
        line.contains(
            "Region switch bookstore-failover activate us-west-2 (graceful): pendingManualApproval"
        ),
        "{line}"
    );
    assert!(opsdash::report::snapshot_text(&snap).contains("last execution"));
}

/// A plan read that fails (throttled, denied) keeps the last plan on screen, said as not
/// current, with the error.
#[test]
fn a_failed_plan_read_keeps_the_last_plan_said_as_not_current() {
    let mut h = Harness::new(Scenario::WarmStandby);
    open(&mut h);
    h.send(opsdash::app::Msg::RegionSwitch {
        app: "bookstore".into(),
        read: opsdash::source::Read::err(
            opsdash::source::SourceError::new(
                opsdash::source::ErrorClass::Throttling,
                "arc-region-switch",
                "GetPlanInRegion",
                "ThrottlingException",
                "Rate exceeded",
            ),
            1,
        ),
    });
    let screen = h.screen(120, 40);
    assert!(
        screen.contains(
            "ARC Region switch plan: not read (below: as last read): ThrottlingException"
        ),
        "{screen}"
    );
    assert!(
        screen.contains("ARC Region switch plan bookstore-failover"),
        "{screen}"
    );
}

/// A start or an approval whose console died before its outcome is read back from the plan's
/// executions at the next start: taken effect or not.
#[test]
fn an_interrupted_start_and_approval_are_read_back_from_the_plan() {
    use opsdash::ops::reconcile::read_back;
    let mut h = Harness::new(Scenario::WarmStandby);
    open(&mut h);
    start(&mut h, None);
    let Overlay::Confirm { plan, .. } = h.app().overlay() else {
        panic!("the confirmation");
    };
    let plan = plan.clone();
    // The intent as the audit log keeps it, written before the call.
    let intent = |plan: &opsdash::ops::Plan, h: &Harness| {
        let mut r: opsdash::ops::audit::AuditRecord = serde_json::from_value(serde_json::json!({
            "time": "2026-11-21T00:00:00Z", "id": "x", "phase": "intent",
            "operator": { "user": "t", "caller_arn": "a" }, "profile": null,
            "account": "123456789012", "region": plan.region.as_str(), "source": "demo",
            "operation": "region_switch", "target": plan.target.to_string(),
            "parameters": {}, "calls": [], "outcome": null, "error": null, "duration": null
        }))
        .unwrap();
        r.steps.clone_from(&plan.steps);
        r.source_time = Some(h.app().now().plus_secs(-1.0).rfc3339());
        r.parameters = plan.params.iter().cloned().collect();
        r
    };
    let before = intent(&plan, &h);
    let f = h.block_on(read_back(&h.sim, &before));
    assert_eq!(f.applied, Some(false), "{}", f.found);
    confirm_typed(&mut h);
    h.advance(2.0);
    let f = h.block_on(read_back(&h.sim, &before));
    assert_eq!(f.applied, Some(true), "{}", f.found);
    assert!(
        f.found.contains("activate us-west-2 (graceful)"),
        "{}",
        f.found
    );
    h.advance_until(60.0, 5.0, |h| {
        state(h).as_deref() == Some("pendingManualApproval")
    })
    .expect("waits for the approval");
    h.ch('a');
    let Overlay::Confirm { plan, .. } = h.app().overlay() else {
        panic!("the approval");
    };
    let approval = intent(&plan.clone(), &h);
    assert_eq!(
        h.block_on(read_back(&h.sim, &approval)).applied,
        Some(false)
    );
    h.ch('y');
    h.advance(2.0);
    assert_eq!(h.block_on(read_back(&h.sim, &approval)).applied, Some(true));
}
