//! Operations on the simulated estate, on virtual time, driven through the keys exactly as a user
//! drives them: key → prompt → plan → confirmation → execution → result line → audit record.

mod common;

use common::Harness;
use opsdash::app::{Overlay, Pane};
use opsdash::model::{AlarmState, Snapshot, TargetState};
use opsdash::ops::Confirm;
use opsdash::ops::audit::{AuditOutcome, AuditPhase};
use opsdash::source::sim::Scenario;
use ratatui::crossterm::event::KeyCode;

const ASG: &str = "fa-092-AutoScalingGroup";

/// Focuses `pane` and selects the first row whose text contains `needle`.
fn asg(s: &Snapshot, name: &str) -> (u32, u32, u32) {
    let g = s.regions[0]
        .auto_scaling_groups
        .iter()
        .find(|g| g.name == name)
        .expect("group exists");
    (g.desired, g.pending, g.in_service)
}

fn healthy(s: &Snapshot, tg: &str) -> usize {
    s.regions[0]
        .load_balancers
        .iter()
        .flat_map(|l| &l.target_groups)
        .filter(|g| g.name == tg)
        .flat_map(|g| &g.targets)
        .filter(|t| t.state == TargetState::Healthy)
        .count()
}

fn alarm(s: &Snapshot, name: &str) -> AlarmState {
    s.regions[0]
        .alarms
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.state)
        .expect("alarm exists")
}

fn prompt_error(h: &Harness) -> Option<String> {
    match &h.app().overlay() {
        Overlay::Scale { error, .. }
        | Overlay::Deploy { error, .. }
        | Overlay::Confirm { error, .. } => error.clone(),
        _ => None,
    }
}

#[test]
fn scale_out_plans_confirms_executes_audits_and_the_estate_follows() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    h.select(Pane::Capacity, ASG);
    h.ch('s');
    let screen = h.screen(120, 40);
    assert!(screen.contains("min 1, desired 2, max 4"), "{screen}");
    h.type_str("3");
    h.key(KeyCode::Enter);
    let Overlay::Confirm { plan, .. } = &h.app().overlay() else {
        panic!("a confirmation: {:?}", h.app().overlay())
    };
    assert_eq!(plan.confirm, Confirm::Yes);
    let screen = h.screen(120, 40);
    assert!(
        screen.contains(
            "autoscaling:SetDesiredCapacity AutoScalingGroupName=fa-092-AutoScalingGroup DesiredCapacity=3"
        ),
        "the plan shows the exact call:\n{screen}"
    );
    assert!(
        screen.contains("account 123456789012, region us-east-1"),
        "{screen}"
    );
    assert_eq!(h.write_count(), 0, "nothing is sent before y");
    h.ch('y');
    assert_eq!(
        *h.writes.lock().unwrap(),
        vec![format!("SetDesiredCapacity {ASG} 3")]
    );
    let (msg, _) = h.app().status().cloned().expect("a result line");
    assert!(
        msg.contains("done: scale fa-092-AutoScalingGroup 2 -> 3"),
        "{msg}"
    );
    assert!(
        h.app()
            .store()
            .timeline()
            .iter()
            .any(|e| e.kind == opsdash::model::EventKind::Operator && e.message.contains("done")),
        "the operator's action is on the timeline"
    );
    // Audit: intent then outcome, same id, with operator, account, region, calls.
    let log = h.audit();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].phase, AuditPhase::Intent);
    assert_eq!(log[1].phase, AuditPhase::Outcome);
    assert_eq!(log[0].id, log[1].id);
    assert_eq!(log[1].outcome, Some(AuditOutcome::Ok));
    assert_eq!(log[0].operator.user, "tester");
    assert_eq!(log[0].account, "123456789012");
    assert_eq!(log[0].region, "us-east-1");
    assert_eq!(log[0].operation, "scale");
    assert_eq!(log[0].target, format!("asg/{ASG}"));
    assert_eq!(log[0].parameters["desired"], "3");
    assert!(log[1].duration.is_some());
    // The estate follows: Pending → InService → target healthy.
    h.advance(2.0);
    assert_eq!(asg(&h.snapshot(), ASG), (3, 1, 2));
    h.advance_until(120.0, 5.0, |h| asg(&h.snapshot(), ASG).2 == 3)
        .expect("InService");
    h.advance_until(120.0, 5.0, |h| {
        healthy(&h.snapshot(), "fa-092-NLBTargetGroup") == 3
    })
    .expect("the new target turns healthy");
}

#[test]
fn bad_scale_input_is_refused_in_the_prompt_and_nothing_is_sent() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    h.select(Pane::Capacity, ASG);
    h.ch('s');
    h.key(KeyCode::Enter);
    assert!(
        prompt_error(&h)
            .unwrap()
            .contains("type the new desired count (1..4)")
    );
    h.ch('x');
    assert!(
        prompt_error(&h)
            .unwrap()
            .contains("'x' is not a whole number")
    );
    h.key(KeyCode::Backspace);
    // A minus sign stays in the field: `-1` is refused, never read as 1.
    h.type_str("-1");
    let e = prompt_error(&h).unwrap();
    assert!(e.contains("'-1' is not a whole number"), "{e}");
    h.key(KeyCode::Enter);
    assert!(
        matches!(h.app().overlay(), Overlay::Scale { .. }),
        "no plan from -1"
    );
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Backspace);
    h.type_str("9");
    h.key(KeyCode::Enter);
    let e = prompt_error(&h).unwrap();
    assert!(e.contains("9 is outside min..max (1..4)"), "{e}");
    assert!(h.screen(120, 40).contains("outside min..max"));
    h.key(KeyCode::Backspace);
    h.type_str("2");
    h.key(KeyCode::Enter);
    assert!(prompt_error(&h).unwrap().contains("already at 2"));
    h.key(KeyCode::Esc);
    assert_eq!(*h.app().overlay(), Overlay::None);
    assert_eq!(h.write_count(), 0);
    assert!(
        h.audit().is_empty(),
        "nothing was planned, nothing to audit"
    );
    assert_eq!(asg(&h.snapshot(), ASG).0, 2);
}

#[test]
fn scaling_in_by_more_than_half_needs_the_typed_name_and_cancel_is_audited() {
    let mut h = Harness::new(Scenario::Ecs);
    h.select(Pane::Capacity, "appCluster/appService");
    h.ch('s');
    assert!(h.screen(120, 40).contains("min 0, desired 2, max 5000"));
    h.type_str("0");
    h.key(KeyCode::Enter);
    let Overlay::Confirm { plan, .. } = &h.app().overlay() else {
        panic!("confirmation")
    };
    assert_eq!(plan.confirm, Confirm::TypeName("appService".into()));
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("DANGER: scales appService to zero"),
        "{screen}"
    );
    assert!(
        screen.contains("ecs:UpdateService cluster=appCluster service=appService desiredCount=0")
    );
    // y is just a letter of the name here; a wrong name is refused.
    h.type_str("y");
    h.key(KeyCode::Enter);
    assert!(
        prompt_error(&h)
            .unwrap()
            .contains("type the name exactly (appService)")
    );
    assert_eq!(h.write_count(), 0);
    h.key(KeyCode::Esc);
    assert_eq!(h.write_count(), 0);
    let log = h.audit();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].outcome, Some(AuditOutcome::Cancelled));
    assert!(log[0].calls[0].contains("desiredCount=0"));
    // Typed correctly, it runs.
    h.ch('s');
    h.type_str("0");
    h.key(KeyCode::Enter);
    h.type_str("appService");
    h.key(KeyCode::Enter);
    assert_eq!(h.write_count(), 1);
    h.advance_until(300.0, 10.0, |h| {
        h.snapshot().regions[0].ecs_services[0].running == 0
    })
    .expect("the service drains to zero");
}

#[test]
fn bad_image_deploy_raises_the_alarm_the_banner_offers_roll_back_and_it_recovers() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.select(Pane::Capacity, "appCluster/appService");
    h.ch('d');
    let screen = h.screen(120, 40);
    assert!(screen.contains("runs appTaskDefinition:7"), "{screen}");
    assert!(screen.contains("container app (1/1)"), "{screen}");
    h.type_str("v1.5.0-bad");
    h.key(KeyCode::Enter);
    let screen = h.screen(140, 40);
    assert!(
        screen.contains("ecs:DescribeTaskDefinition taskDefinition=appTaskDefinition:7"),
        "{screen}"
    );
    assert!(screen.contains("containerDefinitions[app].image=123456789012.dkr.ecr.us-east-1.amazonaws.com/bookstore:v1.5.0-bad"), "{screen}");
    h.ch('y');
    let writes = h.writes.lock().unwrap().clone();
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert!(writes[0].starts_with("RegisterTaskDefinition appTaskDefinition:7 app "));
    assert!(
        writes[1].contains("task_definition: Some(\"appTaskDefinition:8\")"),
        "{writes:?}"
    );
    assert!(h.app().rollback_offer().is_none(), "no alarm yet");
    // The Capacity pane shows the rollout.
    let screen = h.screen(120, 40);
    assert!(screen.contains("IN_PROGRESS"), "{screen}");
    h.advance_until(600.0, 10.0, |h| {
        alarm(&h.snapshot(), "bookstore-alb-5xx") == AlarmState::Alarm
    })
    .expect("the 5XX alarm fires");
    let offer = h.app().rollback_offer().expect("a roll-back offer");
    assert_eq!(offer.previous, "appTaskDefinition:7");
    assert_eq!(offer.current, "appTaskDefinition:8");
    // The verdict line (it took the banner's place), from any pane; b rolls back the service
    // it names: the rollout, the alarm, and the key with the revision it goes back to, which
    // stays on screen at 80 columns.
    h.ch('4');
    let screen = h.screen(120, 40);
    let verdict = screen.lines().nth(1).unwrap().to_owned();
    assert!(
        verdict.contains("appService :8 rollout failing since")
            && verdict.contains("bookstore-alb-5xx in ALARM")
            && verdict.contains("b roll back to :7"),
        "{screen}"
    );
    assert!(
        h.screen(80, 24)
            .lines()
            .nth(1)
            .unwrap()
            .contains("b roll back to :7"),
        "{}",
        h.screen(80, 24)
    );
    h.ch('b');
    let Overlay::Confirm { plan, .. } = &h.app().overlay() else {
        panic!("confirmation")
    };
    assert_eq!(
        plan.calls(),
        vec![
            "ecs:UpdateService cluster=appCluster service=appService taskDefinition=appTaskDefinition:7"
        ]
    );
    h.ch('y');
    assert_eq!(h.write_count(), 3);
    // Right after rolling back, with the alarm still firing and :8 still draining, the bad
    // revision just left is never offered (the banner used to flip to "rolls back to :8").
    let mut offered = Vec::new();
    h.advance_until(1200.0, 10.0, |h| {
        if let Some(o) = h.app().rollback_offer() {
            offered.push(o.previous);
        }
        h.rollout_settled(2)
    })
    .expect("the roll back completes");
    assert!(
        !offered.iter().any(|p| p == "appTaskDefinition:8"),
        "{offered:?}"
    );
    h.ch('b');
    if let Overlay::Confirm { plan, .. } = &h.app().overlay() {
        assert!(
            !plan.summary.contains("-> appTaskDefinition:8"),
            "{}",
            plan.summary
        );
    }
    h.key(KeyCode::Esc);
    assert_eq!(
        h.snapshot().regions[0].ecs_services[0].task_definition,
        "appTaskDefinition:7"
    );
    h.advance_until(600.0, 30.0, |h| {
        alarm(&h.snapshot(), "bookstore-alb-5xx") == AlarmState::Ok
    })
    .expect("the alarm returns to OK");
    assert!(h.app().rollback_offer().is_none());
    let ops: Vec<String> = h
        .audit()
        .iter()
        .filter(|r| r.phase == AuditPhase::Outcome)
        .map(|r| format!("{} {}", r.operation, r.outcome.unwrap()))
        .collect();
    assert_eq!(ops, vec!["deploy ok", "rollback ok"]);
}

#[test]
fn an_empty_deploy_input_forces_a_new_deployment() {
    let mut h = Harness::new(Scenario::Ecs);
    h.select(Pane::Capacity, "appCluster/appService");
    h.ch('d');
    h.key(KeyCode::Enter);
    h.ch('y');
    let writes = h.writes.lock().unwrap().clone();
    assert_eq!(writes.len(), 1);
    assert!(
        writes[0].contains("force_new_deployment: true"),
        "{writes:?}"
    );
    assert_eq!(h.snapshot().regions[0].ecs_services[0].deployments.len(), 2);
}

#[test]
fn run_now_starts_the_association_and_the_runs_pane_follows_it() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    h.select(Pane::Runs, "fa-092-app-association");
    let before = h.snapshot().regions[0]
        .associations
        .iter()
        .find(|a| a.name == "fa-092-app-association")
        .and_then(|a| a.last_execution.as_ref().map(|x| x.id.clone()));
    h.ch('x');
    let Overlay::Confirm { plan, .. } = &h.app().overlay() else {
        panic!("confirmation")
    };
    assert!(plan.calls()[0].starts_with("ssm:StartAssociationsOnce AssociationIds=["));
    h.ch('y');
    assert_eq!(h.write_count(), 1);
    h.advance_until(300.0, 5.0, |h| {
        h.app()
            .current()
            .and_then(|d| d.runs.as_ref())
            .and_then(|v| v.iter().find(|a| a.name == "fa-092-app-association"))
            .and_then(|a| a.last_execution.as_ref())
            .is_some_and(|x| {
                Some(&x.id) != before.as_ref()
                    && x.status == opsdash::model::ExecStatus::Success
                    && x.pending == 0
            })
    })
    .expect("a new execution runs to its end in the Runs pane");
}

#[test]
fn read_only_every_mutating_key_on_every_pane_sends_nothing() {
    for scenario in [Scenario::WarmStandby, Scenario::Ecs] {
        let mut h = Harness::read_only(scenario);
        for pane in Pane::ALL {
            h.ch(char::from(b'1' + pane.index() as u8));
            let n = h.app().pane(pane).rows.len().min(12);
            for row in 0..n {
                for k in ['s', 'd', 'x', 'b'] {
                    h.ch(char::from(b'1' + pane.index() as u8));
                    h.key(KeyCode::Home);
                    for _ in 0..row {
                        h.key(KeyCode::Down);
                    }
                    assert_eq!(h.app().pane(pane).selected, row);
                    h.ch(k);
                    let (msg, _) = h.app().status().cloned().unwrap();
                    assert!(msg.contains("read-only (--read-only)"), "{k}: {msg}");
                    // Whatever opened, try to push it through.
                    h.type_str("3");
                    h.key(KeyCode::Enter);
                    h.ch('y');
                    h.key(KeyCode::Esc);
                    assert_eq!(
                        *h.app().overlay(),
                        Overlay::None,
                        "read-only opens no prompt"
                    );
                }
            }
        }
        assert_eq!(h.write_count(), 0, "no mutating call in read-only mode");
        let log = h.audit();
        assert!(!log.is_empty(), "refusals are audited");
        assert!(
            log.iter()
                .filter(|r| r.phase == AuditPhase::Outcome)
                .all(|r| r.outcome == Some(AuditOutcome::Refused)),
        );
    }
}

/// An `[[account]]` marked read-only: the header names it, every operation is refused with the
/// reason and how to lift it; `:unlock 15m` wants the account's name typed, is audited, allows
/// writes to that account for 15 minutes (counted down in the header), then it is read-only
/// again. The executor refuses on its own too.
#[test]
fn a_read_only_account_refuses_until_unlocked_for_a_while_and_the_unlock_is_audited() {
    use opsdash::config::AccountConfig;
    let mut h = Harness::with_settings(Scenario::NlbWebApp, false, |s| {
        s.accounts.push(AccountConfig {
            name: "demo-prod".into(),
            id: Some("123456789012".into()),
            read_only: true,
            colour: Some("red".into()),
            ..AccountConfig::default()
        });
    });
    let screen = h.screen(120, 40);
    assert!(screen.contains("demo-prod 123456789012"), "{screen}");
    assert!(screen.contains("READ-ONLY"), "{screen}");
    h.select(Pane::Capacity, ASG);
    h.ch('s');
    assert!(matches!(h.app().overlay(), Overlay::None));
    let (msg, _) = h.app().status().cloned().unwrap();
    assert!(
        msg.contains("account demo-prod is read_only") && msg.contains(":unlock 15m"),
        "{msg}"
    );
    // The executor refuses a plan on the account whatever the screen decided.
    let scope = opsdash::ops::Scope {
        account: "123456789012".into(),
        region: opsdash::model::Region::new("us-east-1").unwrap(),
    };
    let plan = opsdash::ops::plan_scale(
        &scope,
        &opsdash::ops::ScaleTarget::Asg(ASG.into()),
        opsdash::ops::Bounds {
            min: 1,
            desired: 2,
            max: 4,
        },
        "3",
    )
    .unwrap();
    let out = h.block_on(h.executor.execute(&plan, &mut |_| {}));
    assert!(
        !out.ok && out.message.contains("not unlocked"),
        "{}",
        out.message
    );
    assert_eq!(h.write_count(), 0);
    // Bad durations say so and change nothing.
    for bad in ["unlock", "unlock soon", "unlock 10s", "unlock 5h"] {
        h.command(bad);
        assert!(matches!(h.app().overlay(), Overlay::None), "{bad}");
        assert!(h.app().status().unwrap().0.contains(":unlock"), "{bad}");
    }
    h.command("unlock 15m");
    assert!(matches!(h.app().overlay(), Overlay::Unlock { .. }));
    h.type_str("prod");
    h.key(KeyCode::Enter);
    let Overlay::Unlock { error, .. } = h.app().overlay() else {
        panic!("still asking: {:?}", h.app().overlay());
    };
    assert!(error.as_deref().unwrap().contains("demo-prod"), "{error:?}");
    for _ in 0.."prod".len() {
        h.key(KeyCode::Backspace);
    }
    h.type_str("demo-prod");
    h.key(KeyCode::Enter);
    assert!(matches!(h.app().overlay(), Overlay::None));
    let screen = h.screen(120, 40);
    assert!(screen.contains("UNLOCKED 15 min"), "{screen}");
    assert!(!screen.contains("READ-ONLY"), "{screen}");
    let log = h.audit();
    let unlock: Vec<_> = log.iter().filter(|r| r.operation == "unlock").collect();
    assert_eq!(unlock.len(), 2, "intent and outcome: {log:?}");
    assert_eq!(unlock[0].target, "account/demo-prod");
    assert_eq!(unlock[0].parameters["for"], "15 min");
    // Writes work now.
    h.ch('s');
    h.type_str("3");
    h.key(KeyCode::Enter);
    h.ch('y');
    assert_eq!(
        *h.writes.lock().unwrap(),
        vec![format!("SetDesiredCapacity {ASG} 3")]
    );
    // Fifteen minutes later: read-only again, said once.
    h.advance(15.0 * 60.0 + 5.0);
    assert!(h.app().read_only());
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("READ-ONLY") && !screen.contains("UNLOCKED"),
        "{screen}"
    );
    h.ch('s');
    assert!(matches!(h.app().overlay(), Overlay::None));
    assert_eq!(h.write_count(), 1);
    // :lock ends an unlock early, audited too.
    h.command("unlock 1h");
    h.type_str("demo-prod");
    h.key(KeyCode::Enter);
    assert!(!h.app().read_only());
    h.command("lock");
    assert!(h.app().read_only());
    assert!(h.audit().iter().any(|r| r.operation == "lock"));
}

/// The demo's estate is built in: `:profile` says so and changes nothing; `:region` of a region
/// the estate does not have says which it has.
#[test]
fn the_demo_has_no_profiles_to_switch_to() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.command("profile prod");
    let (msg, _) = h.app().status().cloned().unwrap();
    assert!(msg.contains("the demo's estate is built in"), "{msg}");
    h.command("region eu-west-1");
    let (msg, _) = h.app().status().cloned().unwrap();
    assert!(msg.contains("unknown region 'eu-west-1'"), "{msg}");
    assert!(
        !h.effects
            .iter()
            .any(|e| matches!(e, opsdash::app::Effect::SwitchSource(_)))
    );
}
