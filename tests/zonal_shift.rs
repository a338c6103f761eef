//! ARC zonal shift on the demo, on virtual time, through the keys: the preflight that says
//! whether a shift will help, the plan with the exact StartZonalShift call, the audit, and what
//! the estate does (the dark zone stops taking traffic, 5XX falls, the alarm returns to OK);
//! extending and cancelling; AWS's own autoshift in the header; read-only and bad input.

mod common;

use common::Harness;
use opsdash::app::{Overlay, Pane};
use opsdash::model::AlarmState;
use opsdash::ops::Confirm;
use opsdash::ops::audit::AuditPhase;
use opsdash::source::sim::{Fault, Scenario};
use ratatui::crossterm::event::KeyCode;

fn alarm(h: &Harness, name: &str) -> Option<AlarmState> {
    h.snapshot()
        .regions
        .iter()
        .flat_map(|r| &r.alarms)
        .find(|a| a.name == name)
        .map(|a| a.state)
}

fn verdict(h: &Harness) -> String {
    h.app()
        .verdicts()
        .iter()
        .map(|v| format!("{} · {}", v.text, v.action.clone().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn writes(h: &Harness) -> Vec<String> {
    h.writes.lock().unwrap().clone()
}

/// A zone gone dark: the verdict offers the shift, the preflight names the zone by name and AZ
/// ID and what the other zone would carry, the confirmation shows the exact call; once shifted,
/// the zone takes no traffic, 5XX falls and the alarm returns to OK; then extend and cancel.
#[test]
fn a_dark_zone_is_shifted_away_from_extended_and_cancelled() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.advance(60.0);
    h.inject(&Fault::AzDark {
        region: "us-east-1".into(),
    });
    h.advance_until(900.0, 10.0, |h| {
        verdict(h).contains("us-east-1a:")
            && alarm(h, "bookstore-alb-5xx") == Some(AlarmState::Alarm)
    })
    .unwrap_or_else(|| panic!("the zone and the 5XX alarm: {}", verdict(&h)));
    // The verdict names what `z` acts on: from another pane, the load balancer worst off
    // that ARC manages (the NLB here has not opted in).
    h.ch('4');
    let v = verdict(&h);
    assert!(v.contains("z shift bookstore-alb away"), "{v}");
    h.ch('z');
    let Overlay::ZonalShift {
        preflight, input, ..
    } = h.app().overlay().clone()
    else {
        panic!("no preflight: {:?}", h.app().status());
    };
    assert_eq!(preflight.lb_name, "bookstore-alb");
    let dz = preflight.default_zone.clone().unwrap();
    assert_eq!(
        (dz.name.as_str(), dz.id.as_str()),
        ("us-east-1a", "use1-az4")
    );
    assert_eq!(input, "us-east-1a 1h");
    let screen = h.screen(120, 40);
    for want in [
        "Zonal shift",
        "use1-az4",
        "use1-az6",
        "leaving us-east-1a: 1 zone left",
        "zonal_shift.config.enabled is on",
        "ARC zonal shift manages it; zonal autoshift on",
    ] {
        assert!(screen.contains(want), "{want}:\n{screen}");
    }
    h.key(KeyCode::Enter);
    let Overlay::Confirm { plan, .. } = h.app().overlay().clone() else {
        panic!("no confirmation: {:?}", h.app().overlay());
    };
    let calls = plan.calls();
    assert_eq!(calls.len(), 1);
    assert!(
        calls[0].starts_with("arc-zonal-shift:StartZonalShift resourceIdentifier=arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/bookstore-alb/")
            && calls[0].contains(" awayFrom=use1-az4 expiresIn=1h comment=\"opsdash "),
        "{calls:?}"
    );
    // The dark zone serves nothing: leaving it takes no healthy target away.
    assert_eq!(plan.confirm, Confirm::Yes, "{plan:?}");
    h.ch('y');
    assert!(
        writes(&h)
            .iter()
            .any(|w| w.starts_with("StartZonalShift") && w.contains("use1-az4 1h")),
        "{:?}",
        writes(&h)
    );
    h.advance(10.0);
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("shifted away from use1-az4, 1 h left"),
        "{screen}"
    );
    assert!(screen.contains("ZONAL SHIFT from use1-az4"), "{screen}");
    assert!(screen.contains("us-east-1a shifted"), "{screen}");
    assert!(verdict(&h).contains("Z extend"), "{}", verdict(&h));
    // 5XX falls and the alarm returns to OK within its periods.
    h.advance_until(600.0, 10.0, |h| {
        alarm(h, "bookstore-alb-5xx") == Some(AlarmState::Ok)
    })
    .expect("the 5XX alarm returns to OK once the zone takes no traffic");
    // Audited with the exact call and the shift's id.
    let audit = h.audit();
    let intent = audit
        .iter()
        .find(|r| r.phase == AuditPhase::Intent && r.operation == "zonal_shift")
        .unwrap();
    assert_eq!(intent.parameters["away_from"], "use1-az4");
    assert_eq!(intent.parameters["expires_in"], "1h");
    let outcome = audit
        .iter()
        .find(|r| r.phase == AuditPhase::Outcome && r.id == intent.id)
        .unwrap();
    assert!(
        outcome.parameters["zonal_shift_id"].len() > 8,
        "{outcome:?}"
    );
    // Extend: a new expiry from now.
    h.select(Pane::Targets, "bookstore-alb");
    h.ch('Z');
    assert!(matches!(h.app().overlay(), Overlay::ZonalExtend { .. }));
    h.type_str("99h");
    h.key(KeyCode::Enter);
    let Overlay::ZonalExtend { error, .. } = h.app().overlay().clone() else {
        panic!("a bad expiry closes nothing");
    };
    assert!(error.unwrap().contains("not from 1m to 72h"));
    for _ in 0..3 {
        h.key(KeyCode::Backspace);
    }
    h.type_str("3h");
    h.key(KeyCode::Enter);
    h.ch('y');
    assert!(
        writes(&h)
            .iter()
            .any(|w| w.starts_with("UpdateZonalShift") && w.ends_with(" 3h"))
    );
    h.advance(10.0);
    assert!(
        h.screen(120, 40).contains("3 h left"),
        "{}",
        h.screen(120, 40)
    );
    // Cancel: traffic would return to a zone with no healthy target, so the name is typed.
    h.ch('z');
    let Overlay::Confirm { plan, .. } = h.app().overlay().clone() else {
        panic!("z on a shifted load balancer offers to cancel");
    };
    assert!(plan.calls()[0].starts_with("arc-zonal-shift:CancelZonalShift zonalShiftId="));
    assert_eq!(plan.confirm, Confirm::TypeName("bookstore-alb".into()));
    assert!(
        plan.warning.unwrap().contains("0/"),
        "the zone's health is said"
    );
    h.type_str("bookstore-alb");
    h.key(KeyCode::Enter);
    assert!(writes(&h).iter().any(|w| w.starts_with("CancelZonalShift")));
    h.advance(10.0);
    assert!(!h.screen(120, 40).contains("ZONAL SHIFT from"));
}

/// The whole region dark: every target group has no healthy target, so the load balancer fails
/// open and a shift changes nothing. The preflight says so; only the typed name goes ahead.
#[test]
fn fail_open_is_said_before_anything_is_shifted() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.advance(60.0);
    h.inject(&Fault::PrimaryDark);
    h.advance_until(600.0, 2.0, |h| {
        h.snapshot().regions[0]
            .load_balancers
            .iter()
            .find(|l| l.name == "bookstore-alb")
            .is_some_and(|l| {
                l.target_groups
                    .iter()
                    .any(|g| g.total > 0 && g.healthy == 0)
            })
    })
    .expect("a target group of the primary with every target unhealthy");
    h.select(Pane::Targets, "bookstore-alb");
    h.ch('z');
    let screen = h.screen(80, 24);
    assert!(screen.contains("fail-open"), "{screen}");
    // At 80 columns a zone's target groups wrap under their own column, and a fix keeps its
    // indent: the table stays a table.
    let rows: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.contains("AZ ID"))
        .skip(1)
        .take_while(|l| !l.contains("leaving") && !l.contains("✓"))
        .collect();
    assert!(rows.len() >= 2, "{screen}");
    for r in &rows {
        let inner = r.trim_start_matches('│').trim_end_matches('│');
        assert!(
            inner.starts_with(" us-east-1") || inner.starts_with(&" ".repeat(20)),
            "a zone row or its continuation under the groups column: {r:?}\n{screen}"
        );
    }
    assert!(
        screen.lines().all(|l| !l.starts_with("│ fix: ")),
        "a fix keeps its indent: {screen}"
    );
    h.key(KeyCode::Enter);
    let Overlay::Confirm { plan, .. } = h.app().overlay().clone() else {
        panic!("{:?}", h.app().overlay());
    };
    assert_eq!(plan.confirm, Confirm::TypeName("bookstore-alb".into()));
    assert!(plan.warning.as_deref().unwrap().contains("fail-open"));
    h.ch('y');
    assert!(writes(&h).is_empty(), "y does not confirm a typed plan");
    h.key(KeyCode::Esc);
    assert_eq!(*h.app().overlay(), Overlay::None);
    assert!(writes(&h).is_empty());
}

/// A load balancer whose zonal-shift attribute is off: the preflight shows the check failed with
/// the command that fixes it, and no plan is made.
#[test]
fn a_load_balancer_not_opted_in_gets_the_fix_and_no_plan() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.advance(30.0);
    h.select(Pane::Targets, "fa-092-NLB");
    h.ch('z');
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("zonal_shift.config.enabled = false"),
        "{screen}"
    );
    assert!(
        screen.contains("modify-load-balancer-attributes"),
        "{screen}"
    );
    h.key(KeyCode::Enter);
    let Overlay::ZonalShift { error, .. } = h.app().overlay().clone() else {
        panic!("{:?}", h.app().overlay());
    };
    assert!(
        error
            .unwrap()
            .contains("Key=zonal_shift.config.enabled,Value=true")
    );
    assert!(writes(&h).is_empty());
}

/// Bad input in the prompt: a zone the load balancer is not in, an expiry past 72 h, a stray
/// word; each says what to type and nothing is sent.
#[test]
fn bad_input_in_the_prompt_says_what_to_type() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.advance(30.0);
    h.select(Pane::Targets, "bookstore-alb");
    h.ch('z');
    for (input, why) in [
        ("us-east-1z", "not a zone of bookstore-alb"),
        ("use1-az6 73h", "not from 1m to 72h"),
        ("us-east-1b 1h now", "one word too many"),
    ] {
        let Overlay::ZonalShift { input: typed, .. } = h.app().overlay().clone() else {
            panic!("{:?}", h.app().overlay());
        };
        for _ in 0..typed.text().chars().count() {
            h.key(KeyCode::Backspace);
        }
        h.type_str(input);
        h.key(KeyCode::Enter);
        let Overlay::ZonalShift { error, .. } = h.app().overlay().clone() else {
            panic!("{input}: {:?}", h.app().overlay());
        };
        assert!(
            error.as_deref().unwrap_or("").contains(why),
            "{input}: {error:?}"
        );
    }
    h.key(KeyCode::Esc);
    assert!(writes(&h).is_empty());
    assert!(h.app().status().unwrap().0.contains("nothing sent"));
}

/// AWS's own autoshift: the header says it at once, the load balancer's row says since when,
/// the JSON carries it and `check` warns.
#[test]
fn aws_autoshift_is_in_the_header_the_row_the_json_and_check() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.advance(30.0);
    h.inject(&Fault::Autoshift {
        region: "us-east-1".into(),
    });
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("AWS AUTOSHIFT from use1-az4 since"),
        "{screen}"
    );
    assert!(
        screen.contains("AWS autoshift away from use1-az4 since"),
        "{screen}"
    );
    let snap = h.snapshot();
    let json = serde_json::to_value(&snap).unwrap();
    let lbs = json["regions"][0]["load_balancers"].as_array().unwrap();
    let alb = lbs.iter().find(|l| l["name"] == "bookstore-alb").unwrap();
    assert_eq!(alb["zonal_shifts"][0]["away_from"], "use1-az4");
    assert_eq!(alb["zonal_shifts"][0]["kind"], "autoshift");
    assert_eq!(alb["zonal_shifts"][0]["status"], "APPLIED");
    assert_eq!(alb["zones"][0]["id"], "use1-az4");
    let (status, line) = opsdash::report::check(&snap);
    assert_ne!(status, opsdash::report::CheckStatus::Ok, "{line}");
    assert!(line.contains("AWS autoshift away from use1-az4"), "{line}");
    // A shift of the operator's own takes precedence, as ARC does; the preflight says what is
    // active and does not block.
    h.select(Pane::Targets, "bookstore-alb");
    h.ch('z');
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("AWS autoshift away from use1-az4"),
        "{screen}"
    );
    h.key(KeyCode::Enter);
    assert!(matches!(h.app().overlay(), Overlay::Confirm { .. }));
}

/// Read-only: the preflight is shown (reading changes nothing), the plan is refused and audited,
/// nothing is sent.
#[test]
fn read_only_shows_the_preflight_and_sends_nothing() {
    let mut h = Harness::read_only(Scenario::WarmStandby);
    h.advance(30.0);
    h.select(Pane::Targets, "bookstore-alb");
    h.ch('z');
    assert!(matches!(h.app().overlay(), Overlay::ZonalShift { .. }));
    h.key(KeyCode::Enter);
    assert_eq!(*h.app().overlay(), Overlay::None);
    assert!(h.app().status().unwrap().0.contains("read-only"));
    assert!(writes(&h).is_empty());
    let audit = h.audit();
    assert!(
        audit.iter().any(|r| r.operation == "zonal_shift"
            && r.outcome == Some(opsdash::ops::audit::AuditOutcome::Refused)),
        "{audit:?}"
    );
}

/// Read-only with a shift of this account active: `z` plans its cancellation and refuses it,
/// `Z` opens the extension prompt (what it would send is worth reading) and refuses its plan;
/// each refusal is audited, nothing is sent, the shift stays.
#[test]
fn read_only_refuses_cancelling_and_extending_a_shift_with_their_plans() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.advance(30.0);
    h.select(Pane::Targets, "bookstore-alb");
    h.ch('z');
    assert!(matches!(h.app().overlay(), Overlay::ZonalShift { .. }));
    h.key(KeyCode::Enter);
    h.ch('y');
    h.advance(10.0);
    let sent = writes(&h);
    assert_eq!(sent.len(), 1, "{sent:?}");
    h.settings_mut().read_only = true;
    h.select(Pane::Targets, "bookstore-alb");
    h.ch('z');
    assert_eq!(*h.app().overlay(), Overlay::None, "no confirmation to run");
    let (msg, _) = h.app().status().cloned().unwrap();
    assert!(
        msg.contains("read-only") && msg.contains("cancel the shift of bookstore-alb"),
        "{msg}"
    );
    h.ch('Z');
    assert!(
        matches!(h.app().overlay(), Overlay::ZonalExtend { .. }),
        "{:?}",
        h.app().status()
    );
    h.type_str("2h");
    h.key(KeyCode::Enter);
    assert_eq!(*h.app().overlay(), Overlay::None);
    let (msg, _) = h.app().status().cloned().unwrap();
    assert!(
        msg.contains("read-only") && msg.contains("not sent"),
        "{msg}"
    );
    assert_eq!(writes(&h), sent, "nothing more was sent");
    let refused: Vec<_> = h
        .audit()
        .into_iter()
        .filter(|r| r.outcome == Some(opsdash::ops::audit::AuditOutcome::Refused))
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(refused.iter().all(|r| r.operation == "zonal_shift"
        && r.target == "loadbalancer/bookstore-alb"
        && !r.calls.is_empty()));
    assert!(h.screen(120, 40).contains("ZONAL SHIFT from use1-az4"));
}

/// opsdash killed after StartZonalShift reached ARC: the intent has no outcome, and the next
/// start reads the load balancer's shifts back and records that the shift took effect.
#[test]
fn a_shift_interrupted_mid_call_is_read_back_at_the_next_start() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.advance(30.0);
    h.select(Pane::Targets, "bookstore-alb");
    h.ch('z');
    h.key(KeyCode::Enter);
    *h.answer.lock().unwrap() = common::Answer::NeverAfterApplying;
    h.ch('y');
    assert!(writes(&h).iter().any(|w| w.starts_with("StartZonalShift")));
    assert_eq!(h.audit().len(), 1, "an intent and no outcome");
    let mut again = h.restart();
    again.advance(1.0);
    let outcome = again
        .audit()
        .into_iter()
        .find(|r| r.phase == AuditPhase::Outcome)
        .expect("an outcome was recorded");
    assert_eq!(
        outcome.outcome,
        Some(opsdash::ops::audit::AuditOutcome::Reconciled)
    );
    assert_eq!(outcome.applied, Some(true), "{outcome:?}");
    assert!(
        outcome.found.as_deref().is_some_and(
            |f| f.contains("bookstore-alb has zonal shift") && f.contains("away from use1-az4")
        ),
        "{outcome:?}"
    );
}

/// A zone whose targets all drain is not a zone without targets: the preflight's zone row says
/// how many drain, as the Targets pane does (it read `us-east-1a  use1-az4  0/0` with nothing
/// after it while the pane showed six draining targets there).
#[test]
fn the_preflight_says_a_zones_draining_targets() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.advance(60.0);
    h.inject(&Fault::AzDark {
        region: "us-east-1".into(),
    });
    let mut found = None;
    for _ in 0..120 {
        h.advance(10.0);
        h.select(Pane::Targets, "bookstore-alb");
        h.ch('z');
        if let Overlay::ZonalShift { preflight, .. } = h.app().overlay().clone()
            && let Some(z) = preflight
                .zones
                .iter()
                .find(|z| z.zone.name == "us-east-1a" && z.draining > 0)
        {
            found = Some(z.draining);
            break;
        }
        h.key(KeyCode::Esc);
    }
    let draining = found.expect("the dark zone's targets drain within 20 minutes");
    let screen = h.screen(120, 40);
    let row = screen
        .lines()
        .find(|l| l.contains("us-east-1a  use1-az4"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(row.contains(&format!("{draining} draining")), "{row}");
}
