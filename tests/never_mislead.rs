//! A screen that never contradicts itself or the estate: each test is a way the console misled
//! an on-call engineer on the demo, reproduced on virtual time (the binary in a pty where the
//! terminal is the point).

mod common;

use common::Harness;
use opsdash::app::{Overlay, Pane, View};
use opsdash::ops::audit::AuditPhase;
use opsdash::ops::drill::{Phase, StepKind};
use opsdash::source::Source;
use opsdash::source::sim::{Fault, Scenario};
use ratatui::crossterm::event::KeyCode;

fn phase(h: &Harness) -> Option<Phase> {
    h.app().drill().map(|d| d.phase)
}

fn start_drill(h: &mut Harness) {
    h.ch('F');
    assert_eq!(*h.app().view(), View::Drill);
    h.ch('s');
    assert!(matches!(h.app().overlay(), Overlay::DrillConfirm { .. }));
    h.type_str("bookstore");
    h.key(KeyCode::Enter);
    assert_eq!(phase(h), Some(Phase::Running));
}

/// The drill said `DONE: us-west-2 serving` after its simulated switch had undone itself: the
/// health alarm went back to OK at CloudWatch's next evaluation (SetAlarmState lasts only that
/// long), so traffic was back on the primary. It is checked until failback: a switch that
/// reverts is the drill failing, said as such, and audited.
#[test]
fn a_switch_that_reverts_is_a_failed_drill_not_done() {
    let mut h = Harness::new(Scenario::WarmStandby);
    start_drill(&mut h);
    h.advance_until(900.0, 5.0, |h| phase(h) != Some(Phase::Running))
        .expect("the drill reaches its end");
    assert_eq!(phase(&h), Some(Phase::Done), "{:?}", h.app().drill());
    let d = h.app().drill().cloned().unwrap();
    // Serving is judged per target group, and says so.
    assert_eq!(d.dr_by_group.len(), 3, "{d:?}");
    assert!(d.short_groups().is_empty(), "{d:?}");
    let screen = h.screen(120, 40);
    assert!(screen.contains("bookstore-frontend 2/2"), "{screen}");
    assert!(screen.contains("TRAFFIC ON us-west-2"), "{screen}");
    // CloudWatch evaluates the health alarm again within its period: the primary is healthy.
    h.advance_until(180.0, 5.0, |h| phase(h) != Some(Phase::Done))
        .expect("the revert is seen");
    assert_eq!(phase(&h), Some(Phase::Failed));
    let error = h.app().drill().unwrap().error.clone().unwrap();
    assert!(
        error.contains("the simulated switch did not hold")
            && error.contains("bookstore-primary-health is OK again"),
        "{error}"
    );
    let screen = h.screen(120, 40);
    assert!(screen.contains("FAILED"), "{screen}");
    assert!(!screen.contains("DONE: us-west-2 serving"), "{screen}");
    let verify: Vec<_> = h
        .audit()
        .into_iter()
        .filter(|r| {
            r.phase == AuditPhase::Outcome
                && r.operation == "failover_drill"
                && r.parameters.get("step").map(String::as_str) == Some("Verify")
        })
        .map(|r| r.outcome.unwrap().to_string())
        .collect();
    assert_eq!(verify, ["ok", "failed"]);
    // B rolls back what was done.
    h.ch('B');
    h.type_str("bookstore");
    h.key(KeyCode::Enter);
    assert_eq!(phase(&h), Some(Phase::Finished));
}

/// DR serves only when every target group does: a sum over groups hid a tier at half
/// strength (frontend 1/2 while the sum met the need).
#[test]
fn dr_serves_only_when_every_target_group_does() {
    let mut h = Harness::new(Scenario::WarmStandby);
    start_drill(&mut h);
    let mut d = h.app().drill().cloned().unwrap();
    assert_eq!(
        d.needed_by_group,
        vec![
            ("bookstore-backend".to_owned(), 2),
            ("bookstore-frontend".to_owned(), 2),
            ("fa-092-NLBTargetGroup".to_owned(), 2)
        ]
    );
    // The sum (7 of 6 needed) would pass; the frontend at 1 of 2 does not.
    d.dr_by_group = vec![
        ("bookstore-backend".into(), 4, 4),
        ("bookstore-frontend".into(), 1, 2),
        ("fa-092-NLBTargetGroup".into(), 2, 2),
    ];
    d.dr_healthy = 7;
    d.needed_healthy = 6;
    assert_eq!(d.short_groups(), ["bookstore-frontend 1/2"]);
    let _ = StepKind::Verify;
}

/// One definition of healthy: draining targets are shown apart, never in the total. A roll
/// back of a 2-task service showed `bookstore-frontend 1/4 healthy` (two draining), while the
/// region view and the drill said otherwise; now they all agree and snapshot says the same.
#[test]
fn draining_targets_are_apart_and_every_view_agrees() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.inject(&Fault::BadImage {
        region: "us-east-1".into(),
    });
    let mut seen = false;
    for _ in 0..60 {
        h.advance(5.0);
        let snap = h.snapshot();
        let g = snap.regions[0]
            .load_balancers
            .iter()
            .flat_map(|l| &l.target_groups)
            .find(|g| g.name == "bookstore-frontend")
            .unwrap()
            .clone();
        if g.draining == 0 {
            continue;
        }
        seen = true;
        let in_service = g.targets.iter().filter(|t| t.state.in_service()).count();
        assert_eq!(g.total, in_service, "{g:?}");
        assert!(g.total < g.targets.len());
        // A roll back's draining tasks are the rollout's, not a zone's: no zonal shift offered.
        let v = h.app().verdicts();
        assert!(
            v.iter()
                .all(|v| !v.action.as_deref().unwrap_or("").contains("shift")),
            "{v:?}"
        );
        let (h_region, t_region) = h.app().target_counts(&common::region("us-east-1"));
        let sum: (usize, usize) = snap.regions[0]
            .load_balancers
            .iter()
            .flat_map(|l| &l.target_groups)
            .fold((0, 0), |a, g| (a.0 + g.healthy, a.1 + g.total));
        assert_eq!((h_region, t_region), sum);
        h.select(Pane::Targets, "bookstore-frontend");
        let screen = h.screen(120, 40);
        let row = screen
            .lines()
            .find(|l| {
                l.starts_with('│') && l.contains("bookstore-frontend") && l.contains("healthy")
            })
            .unwrap()
            .to_owned();
        assert!(
            row.contains(&format!("{}/{} healthy", g.healthy, g.total))
                && row.contains(&format!("{} draining", g.draining)),
            "{row}"
        );
        break;
    }
    assert!(seen, "a target drained during the bad image's replacements");
}

/// The ECS row said `PRIMARY COMPLETED [████████] 2/2` while every target of the service was
/// unhealthy or draining, and superseded deployments drew full bars for `2/0` and `0/0`. The
/// service row says what the load balancer says of its tasks, and a deployment wanted at 0 is
/// leaving, with an empty bar.
#[test]
fn the_ecs_row_shows_its_targets_and_a_draining_deployment_is_leaving() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.inject(&Fault::BadImage {
        region: "us-east-1".into(),
    });
    let mut leaving = false;
    let mut unhealthy = false;
    for _ in 0..120 {
        h.advance(5.0);
        h.ch('2');
        let screen = h.screen(160, 40);
        assert!(
            !screen.contains("] 2/0 ") && !screen.contains("] 0/0 "),
            "{screen}"
        );
        for l in screen.lines() {
            if l.contains("leaving") {
                assert!(l.contains("[░░░░░░░░]"), "an empty bar: {l}");
                leaving = true;
            }
            if l.contains("ECS appService") && l.contains("targets 0/") {
                unhealthy = true;
            }
        }
        if leaving && unhealthy {
            break;
        }
    }
    assert!(leaving, "a superseded deployment drained");
    assert!(
        unhealthy,
        "the bad image's tasks were unhealthy targets while running"
    );
}

/// Name columns are as wide as the names in the pane, and a cluster every service shares is not
/// repeated on every row (twenty rows read `zephyr-cluster/zephyr-…` at any width).
#[test]
fn capacity_names_fit_their_content_and_a_shared_cluster_is_not_repeated() {
    let mut h = Harness::new(Scenario::Ecs);
    h.ch('2');
    let screen = h.screen(200, 40);
    let row = screen
        .lines()
        .find(|l| l.contains("ECS "))
        .expect("a service row")
        .to_owned();
    assert!(!row.contains("appCluster/"), "{row}");
    assert!(!row.contains('…'), "no name is cut: {row}");
    // Every name row: the name column is as wide as the longest name, no wider.
    let rows: Vec<(usize, usize)> = screen
        .lines()
        .filter_map(|l| {
            let at = l.find("ASG ").or_else(|| l.find("ECS "))? + 4;
            let rest = &l[at..];
            let name = rest.split(' ').next()?;
            let gap = rest[name.len()..].len() - rest[name.len()..].trim_start().len();
            Some((name.chars().count(), name.chars().count() + gap))
        })
        .collect();
    assert!(rows.len() >= 2, "{screen}");
    let longest = rows.iter().map(|r| r.0).max().unwrap();
    for (_, col) in &rows {
        assert_eq!(
            *col,
            longest + 1,
            "one column, as wide as the longest name:\n{screen}"
        );
    }
}

/// The Alarms value column contradicted the state (`ALARM … 1 <1` with a flat sparkline, `OK
/// alb-5xx 2637 >10`): the value shown is the one the state was decided on, and when the state
/// was set by hand or the data now says otherwise, the row says so. Checked on every alarm row
/// through a bad image's incident and a drill's simulated switch.
#[test]
fn an_alarms_value_never_contradicts_its_state() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.inject(&Fault::BadImage {
        region: "us-east-1".into(),
    });
    let mut checked = 0;
    let mut saw_alarm = false;
    for i in 0..90 {
        h.advance(10.0);
        if i == 60 {
            start_drill(&mut h);
            h.key(KeyCode::Esc);
        }
        h.ch('4');
        let screen = h.screen(160, 40);
        for l in screen.lines().flat_map(|l| l.split('│')) {
            let Some(state) = ["ALARM ", "OK    ", "INSUF "]
                .iter()
                .find(|s| l.starts_with(**s))
            else {
                continue;
            };
            let words: Vec<&str> = l.split_whitespace().collect();
            let Some(k) = words
                .iter()
                .position(|w| (w.starts_with('>') || w.starts_with('<')) && w.len() > 1)
            else {
                continue;
            };
            let value: f64 = match words[k - 1].replace('k', "").parse() {
                Ok(v) => v,
                Err(_) => continue,
            };
            let thr: f64 = words[k][1..]
                .trim_start_matches('=')
                .replace('k', "")
                .parse()
                .unwrap_or(f64::NAN);
            let breaches = if words[k].starts_with('>') {
                value > thr
            } else {
                value < thr
            };
            let explained = l.contains(" now ")
                || l.contains("set by hand")
                || l.contains(" pending ")
                || l.contains("not yet evaluated");
            let alarm = state.starts_with("ALARM");
            saw_alarm |= alarm;
            assert!(
                breaches == alarm || explained || state.starts_with("INSUF"),
                "value and state disagree with no word why: {l}"
            );
            checked += 1;
        }
    }
    assert!(checked > 100 && saw_alarm, "{checked}");
}

/// At 80 columns an operation's result lost its verdict (`deploy appService: app -> 123…dkr.ecr…`
/// with no done or failed) and the roll-back banner lost which rollout it meant: the outcome word
/// comes first, and the banner says all of it in the width it has.
#[test]
fn at_80_columns_the_verdict_and_the_rollout_are_on_screen() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.resize(80, 24);
    h.select(Pane::Capacity, "appService");
    h.ch('d');
    h.type_str("123456789012.dkr.ecr.us-east-1.amazonaws.com/bookstore:v1.4.2-hotfix-long-tag");
    h.key(KeyCode::Enter);
    h.ch('y');
    let screen = h.screen(80, 24);
    let status = screen.lines().nth(22).unwrap();
    assert!(
        status.trim_start().starts_with("done: deploy appService"),
        "{screen}"
    );
    // A bad image: the banner at 80 columns names the alarm, the rollout and the roll back.
    h.inject(&Fault::BadImage {
        region: "us-east-1".into(),
    });
    h.advance_until(600.0, 10.0, |h| h.app().rollback_offer().is_some())
        .expect("the banner");
    let screen = h.screen(80, 24);
    let verdict = screen.lines().nth(1).unwrap();
    assert!(
        verdict.contains("appService :") && verdict.contains("b roll back to :"),
        "{verdict}"
    );
}

/// The drill view did not scroll at 80x24: steps 2-4 of the plan were below the edge when it
/// asked for the typed name. The movement keys scroll it, and the confirmation itself lists the
/// steps, whole, before the name is typed.
#[test]
fn at_80x24_the_whole_drill_plan_can_be_read_before_it_starts() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.resize(80, 24);
    h.ch('F');
    let top = h.screen(80, 24);
    assert!(top.contains("j/k scroll"), "{top}");
    let mut seen = String::new();
    for _ in 0..40 {
        seen.push_str(&h.screen(80, 24));
        h.ch('j');
    }
    for step in StepKind::DRILL {
        assert!(
            seen.contains(step.title()),
            "{} never on screen",
            step.title()
        );
    }
    assert!(seen.contains("SetAlarmState"), "every call can be read");
    h.ch('g');
    h.ch('s');
    let confirm = h.screen(80, 24);
    for (n, step) in StepKind::DRILL.iter().enumerate() {
        let line = format!("{}. {}", n + 1, step.title());
        assert!(
            confirm
                .replace('\n', " ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(&line),
            "{line} missing:\n{confirm}"
        );
    }
    assert!(h.app().drawn().confirm_whole, "{confirm}");
    h.type_str("bookstore");
    h.key(KeyCode::Enter);
    assert_eq!(phase(&h), Some(Phase::Running));
}

/// Runs: for a moment after `x` the row read `Success 0✓ 0✗ 0s ago` (the previous run's word
/// over the new run's counts), and a run in progress pushed the columns after it out of line.
#[test]
fn a_run_just_started_reads_as_starting_and_keeps_its_columns() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    h.select(Pane::Runs, "fa-092-app-association");
    h.ch('x');
    h.ch('y');
    let mut checked = 0;
    for _ in 0..30 {
        let screen = h.screen(140, 40);
        let rows: Vec<&str> = screen
            .lines()
            .flat_map(|l| l.split('│'))
            .filter(|l| l.starts_with("fa-092-") && l.contains("-association "))
            .collect();
        let app_row = rows.iter().find(|l| l.contains("fa-092-app")).unwrap();
        assert!(
            !app_row.contains("Success    0") && !app_row.contains("Success     0✓"),
            "{app_row}"
        );
        // The started column sits at the same place on every row.
        let at: Vec<usize> = rows
            .iter()
            .filter_map(|l| l.find(" ago").map(|i| l[..i].chars().count()))
            .collect();
        assert!(at.windows(2).all(|w| w[0] == w[1]), "{rows:#?}");
        checked += 1;
        h.advance(2.0);
    }
    assert!(checked > 0);
    let first = h.screen(140, 40);
    assert!(!first.is_empty());
}

/// `x` with the Runs pane unread (moto has no associations) said "select one in the Runs pane":
/// it says the pane could not be read.
#[test]
fn run_now_on_an_unread_runs_pane_says_it_could_not_be_read() {
    use opsdash::app::{Msg, Payload};
    use opsdash::source::{ErrorClass, Read, SourceError};
    // The alb-asg estate has no association: its Runs pane has no row to select.
    let mut h2 = Harness::new(Scenario::AlbAsg);
    let region = h2.primary();
    let at = h2.app().now();
    h2.send(Msg::Data {
        region,
        at,
        payload: Payload::Runs(Read::err(
            SourceError::new(
                ErrorClass::Other,
                "ssm",
                "ListAssociations",
                "ResponseError",
                "not implemented",
            ),
            1,
        )),
    });
    h2.ch('3');
    h2.ch('x');
    let status = h2.app().status().map(|s| s.0.clone()).unwrap_or_default();
    assert!(
        status.contains("the Runs pane could not be read (ResponseError ssm:ListAssociations)"),
        "{status}"
    );
}

/// A service's detail on live AWS showed `zephyr-api:1 ()`: the image is named only when known.
#[test]
fn a_deployment_without_a_known_image_shows_no_empty_parentheses() {
    use opsdash::app::{Msg, Payload};
    use opsdash::model::Capacity;
    use opsdash::source::Read;
    let mut h = Harness::new(Scenario::Ecs);
    let snap = h.snapshot();
    let mut services = snap.regions[0].ecs_services.clone();
    for s in &mut services {
        for d in &mut s.deployments {
            d.image.clear();
        }
    }
    let region = h.primary();
    let at = h.app().now();
    h.send(Msg::Data {
        region,
        at,
        payload: Payload::Capacity(Read::ok(
            Capacity {
                auto_scaling_groups: snap.regions[0].auto_scaling_groups.clone(),
                ecs_services: services,
            },
            1,
        )),
    });
    h.select(Pane::Capacity, "appService");
    h.key(KeyCode::Enter);
    let screen = h.screen(120, 40);
    assert!(screen.contains("appTaskDefinition:"), "{screen}");
    assert!(!screen.contains("()"), "{screen}");
}

/// After a deploy to :2 on a stand-in that does not roll out (moto), the service said :2 and its
/// only deployment :1, with nothing to tell which runs: the service row says no deployment of
/// its revision is listed yet.
#[test]
fn a_service_revision_with_no_deployment_of_it_is_said() {
    use opsdash::app::{Msg, Payload};
    use opsdash::model::Capacity;
    use opsdash::source::Read;
    let mut h = Harness::new(Scenario::Ecs);
    let snap = h.snapshot();
    let mut services = snap.regions[0].ecs_services.clone();
    services[0].task_definition = "appTaskDefinition:99".into();
    let region = h.primary();
    let at = h.app().now();
    h.send(Msg::Data {
        region,
        at,
        payload: Payload::Capacity(Read::ok(
            Capacity {
                auto_scaling_groups: snap.regions[0].auto_scaling_groups.clone(),
                ecs_services: services,
            },
            1,
        )),
    });
    h.ch('2');
    let screen = h.screen(160, 40);
    let row = screen
        .lines()
        .find(|l| l.contains("ECS appService"))
        .unwrap();
    assert!(
        row.contains(":99") && row.contains("no deployment of it yet"),
        "{row}"
    );
}

/// The Timeline kept the selected row in view while new events piled up above it, so after ~20
/// events its top never changed (clock 08:53, top row 08:36). It follows its newest events while
/// its top is selected; read further down, it keeps the operator's place and says how many
/// arrived above, and `g` follows again.
#[test]
fn the_timeline_shows_the_newest_first_unless_the_operator_reads_below() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch('5');
    let top = |h: &Harness| {
        let ps = h.app().pane(Pane::Timeline);
        h.app().row_text(Pane::Timeline, ps.rows[0])
    };
    let selected = |h: &Harness| {
        let ps = h.app().pane(Pane::Timeline);
        h.app().row_text(Pane::Timeline, ps.rows[ps.selected])
    };
    let first = top(&h);
    h.inject(&Fault::BadImage {
        region: "us-east-1".into(),
    });
    h.advance_until(300.0, 5.0, |h| top(h) != first)
        .expect("new events");
    // Following: the newest is selected and on screen.
    assert_eq!(selected(&h), top(&h));
    let _ = h.screen(120, 40);
    assert_eq!(
        h.app().drawn().shown[Pane::Timeline.index()].0,
        0,
        "the top is on screen"
    );
    // Read below the top: the place is kept, what arrives above is counted.
    for _ in 0..3 {
        h.ch('j');
    }
    let reading = selected(&h);
    let newest = top(&h);
    h.advance_until(300.0, 5.0, |h| top(h) != newest)
        .expect("more events");
    assert_eq!(selected(&h), reading, "the operator's place is kept");
    let new = h.app().pane(Pane::Timeline).new_above;
    assert!(new > 0);
    let screen = h.screen(120, 40);
    assert!(
        screen.contains(&format!("{new} new ↑ g follows")),
        "{screen}"
    );
    // g follows again.
    h.ch('g');
    assert_eq!(selected(&h), top(&h));
    assert_eq!(h.app().pane(Pane::Timeline).new_above, 0);
    let before = top(&h);
    h.advance_until(300.0, 5.0, |h| top(h) != before)
        .expect("more events");
    assert_eq!(selected(&h), top(&h), "following");
}

/// The verdict line says what is wrong, where, since when, and the key that acts on it, for
/// each of the demo's faults (after "First AZ dark" it used to say nothing: 40 s to notice that
/// every unhealthy row was in one zone, 13 keys of filtering to confirm it).
#[test]
fn the_verdict_names_the_fault_where_since_when_and_the_key() {
    let verdict = |h: &mut Harness| h.screen(160, 40).lines().nth(1).unwrap().to_owned();
    let cases: Vec<(Fault, &[&str])> = vec![
        (
            Fault::AzDark {
                region: "us-east-1".into(),
            },
            &[
                "us-east-1a: 0/",
                "targets healthy since",
                "healthy elsewhere: us-east-1b",
                "/us-east-1a",
            ],
        ),
        (
            Fault::BadImage {
                region: "us-east-1".into(),
            },
            &[
                "appService :8 rollout failing since",
                "in ALARM",
                "b roll back to :7",
            ],
        ),
        (
            Fault::CpuSpike {
                region: "us-east-1".into(),
            },
            &[
                "bookstore-cpu-high in ALARM since",
                "CPUUtilization",
                "on ASG",
                "s scale",
            ],
        ),
        (
            Fault::PrimaryDark,
            &[
                "primary health check failing: traffic on us-west-2",
                "s scale DR",
            ],
        ),
    ];
    for (fault, words) in cases {
        let mut h = Harness::new(Scenario::WarmStandby);
        assert!(
            verdict(&mut h).contains("all healthy"),
            "{}",
            verdict(&mut h)
        );
        h.inject(&fault);
        let found = h.advance_until(1200.0, 10.0, |h| {
            let mut h2 = h.app().verdicts();
            let text = h2.remove(0);
            let line = format!("{} {}", text.text, text.action.unwrap_or_default());
            words.iter().all(|w| line.contains(w))
        });
        assert!(found.is_some(), "{fault:?}: {:?}", h.app().verdicts());
        let line = verdict(&mut h);
        assert!(line.contains(words[0]), "{fault:?}: {line}");
    }
    // Throttled reads: the verdict says what it is drawn from may not be current.
    let mut h = Harness::new(Scenario::WarmStandby);
    h.inject(&Fault::Throttling);
    h.advance_until(300.0, 5.0, |h| {
        h.app().verdicts()[0].text.contains("not current:")
    })
    .expect("the verdict says the data is not current");
}

/// Enter on an alarm shows what its dimensions name; a key jumps there, and Esc comes back.
#[test]
fn from_an_alarm_to_what_it_watches_and_back() {
    use opsdash::app::DetailRef;
    let mut h = Harness::new(Scenario::WarmStandby);
    h.select(Pane::Alarms, "bookstore-cpu-high");
    h.key(KeyCode::Enter);
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("ASG fa-092-AutoScalingGroup (o opens it, Esc comes back)"),
        "{screen}"
    );
    h.ch('o');
    assert_eq!(
        *h.app().view(),
        View::Detail(DetailRef::Asg("fa-092-AutoScalingGroup".into()))
    );
    h.key(KeyCode::Esc);
    assert_eq!(
        *h.app().view(),
        View::Detail(DetailRef::Alarm("bookstore-cpu-high".into()))
    );
    // The 5XX alarm watches the load balancer: its target groups, one after the other.
    h.key(KeyCode::Esc);
    h.select(Pane::Alarms, "bookstore-alb-5xx");
    h.key(KeyCode::Enter);
    h.ch('o');
    let first = h.app().view().clone();
    assert!(
        matches!(first, View::Detail(DetailRef::TargetGroup { .. })),
        "{first:?}"
    );
    h.ch('o');
    assert_ne!(*h.app().view(), first, "o again: the next one");
    h.key(KeyCode::Esc);
    assert_eq!(
        *h.app().view(),
        View::Detail(DetailRef::Alarm("bookstore-alb-5xx".into()))
    );
}

/// In a zone gone dark the replacements fail and drain in turn: minutes later the verdict still
/// names the zone (it fell back to an alarm once the zone's targets were draining, not unhealthy).
#[test]
fn the_zone_stays_named_while_its_replacements_drain() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.inject(&Fault::AzDark {
        region: "us-east-1".into(),
    });
    let mut named = 0;
    for _ in 0..60 {
        h.advance(10.0);
        let v = h.app().verdicts().remove(0);
        if v.text.starts_with("us-east-1a: ") {
            named += 1;
        } else if named > 0 {
            panic!("the zone was named, then not: {v:?}");
        }
    }
    assert!(named > 30, "{named}");
}

/// A bad image on a service no alarm watches (seed 001): its new tasks failed their health
/// checks and the verdict said `2 targets unhealthy … 1 then Enter: why`, pointing at the Targets
/// pane while the rollout was the cause and `b` the remedy; before that, its new targets in their
/// first health checks were "unhealthy" too. While the service rolls out, the verdict names the
/// rollout: its new targets in health checks, then the failing rollout and the roll back.
#[test]
fn a_rollout_whose_targets_fail_is_named_without_an_alarm() {
    use opsdash::model::TargetState;
    let mut h = Harness::new(Scenario::Ecs);
    h.inject(&Fault::BadImage {
        region: "us-east-1".into(),
    });
    let any = |h: &Harness, state: TargetState| {
        h.app().current().is_some_and(|d| {
            d.lbs()
                .iter()
                .flat_map(|l| &l.target_groups)
                .any(|g| g.targets.iter().any(|t| t.state == state))
        })
    };
    let (mut failing, mut checks) = (0, 0);
    for _ in 0..120 {
        h.advance(5.0);
        let v = h.app().verdicts().remove(0);
        let line = format!("{} {}", v.text, v.action.unwrap_or_default());
        if any(&h, TargetState::Unhealthy) {
            failing += 1;
            assert!(
                line.contains("appService :8 rollout failing")
                    && line.contains("unhealthy")
                    && line.contains("b roll back to :7"),
                "{line}"
            );
        } else if any(&h, TargetState::Initial) {
            checks += 1;
            // Its new targets in health checks, or its tasks failing already.
            assert!(
                line.starts_with("appService rolling out :8") && line.contains("in health checks")
                    || line.starts_with("appService :8 rollout failing"),
                "{line}"
            );
        }
    }
    assert!(
        failing > 3 && checks > 1,
        "both were seen: {failing} {checks}"
    );
    h.advance_until(600.0, 5.0, |h| any(h, TargetState::Unhealthy))
        .expect("unhealthy again");
    let screen = h.screen(80, 24);
    let line = screen.lines().nth(1).unwrap();
    assert!(
        line.contains("appService :8 rollout failing") && line.contains("b roll back to :7"),
        "{screen}"
    );
}

/// The Alarms pane said `ALARM bookstore-primary-health 1m ██████████ 1 <1 cleared, not yet
/// evaluated`, and the alarm's detail gave as its reason the OK it had left ("no datapoints were
/// breaching the threshold"). The Timeline (read every 5 s) had moved the alarm's state; its
/// reason, value and datapoints stayed those of the last Alarms read (every 30 s: ten virtual
/// minutes at `--speed 20`). A state the alarm history brings shows no old reason or value, the
/// console reads the alarm at once, and the read brings a reason that agrees with the state.
#[test]
fn an_alarm_moved_by_the_timeline_shows_no_stale_reason_and_is_read_at_once() {
    let mut h = Harness::new(Scenario::WarmStandby);
    let region = h.primary();
    h.inject(&Fault::BadImage {
        region: region.to_string(),
    });
    let start = h.sim.now();
    // Between two Alarms reads: only the Timeline is read, and the reads the console asks for
    // are under way.
    h.hold_reads = true;
    let mut moved = None;
    for _ in 0..120 {
        h.sim.advance(5.0);
        let now = h.sim.now();
        h.send(opsdash::app::Msg::Tick(now));
        let after = h.app().store().region(&region).unwrap().last_seq();
        let m = h.block_on(opsdash::poller::fetch(
            &h.sim,
            &region,
            Pane::Timeline,
            after,
        ));
        h.send(m);
        moved = h
            .app()
            .store()
            .timeline()
            .iter()
            .find(|e| e.kind == opsdash::model::EventKind::Alarm && e.at > start)
            .map(|e| (e.resource.clone(), e.message.clone()));
        if moved.is_some() {
            break;
        }
    }
    let (name, message) = moved.expect("an alarm changed state after the bad image");
    let alarm = |h: &Harness| {
        h.app()
            .store()
            .region(&region)
            .unwrap()
            .alarms
            .as_ref()
            .unwrap()
            .iter()
            .find(|a| a.name == name)
            .unwrap()
            .clone()
    };
    let state = alarm(&h).state;
    assert!(message.ends_with(state.as_str()), "{message} {state:?}");
    let row = |h: &mut Harness| {
        h.screen(120, 40)
            .lines()
            .find(|l| l.contains(&format!("{:<6}{name}", state.as_str())))
            .unwrap_or_else(|| panic!("{name} {state:?} in the Alarms pane"))
            .to_owned()
    };
    let shown = row(&mut h);
    assert!(
        shown.contains(" reading") && !shown.contains("cleared") && !shown.contains("set by hand"),
        "{shown}"
    );
    assert_eq!(h.reads_asked(), [(region.clone(), Pane::Alarms)]);
    h.select(Pane::Alarms, &name);
    h.key(KeyCode::Enter);
    let detail = h.screen(120, 40);
    let reason = detail.lines().find(|l| l.contains("reason")).unwrap();
    assert!(
        reason.contains("in the alarm history") && !reason.contains("Threshold"),
        "{reason}"
    );
    h.key(KeyCode::Esc);
    // The read the console asked for comes back: the reason is the state's own.
    h.hold_reads = false;
    h.read_asked();
    let a = alarm(&h);
    assert_eq!(a.state, state);
    let agrees = if state == opsdash::model::AlarmState::Alarm {
        a.reason.contains(" was ") && !a.reason.contains("was not")
    } else {
        a.reason.contains("was not") || a.reason.contains("no datapoints")
    };
    assert!(agrees, "{state:?}: {}", a.reason);
    let shown = row(&mut h);
    assert!(!shown.contains(" reading"), "{shown}");
}

/// A zone gone dark (warm standby): its first target to fail its checks was said as
/// `1 targets unhealthy since …`. The count and its noun agree, one target or several.
#[test]
fn one_unhealthy_target_is_said_as_one_target() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.inject(&Fault::AzDark {
        region: "us-east-1".into(),
    });
    let mut seen = Vec::new();
    for _ in 0..40 {
        h.advance(2.0);
        let v = h.app().verdicts().remove(0);
        if let Some((n, rest)) = v.text.split_once(' ')
            && let Ok(n) = n.parse::<u32>()
            && rest.contains("unhealthy")
        {
            let noun = if n == 1 {
                "target unhealthy"
            } else {
                "targets unhealthy"
            };
            assert!(rest.starts_with(noun), "{}", v.text);
            seen.push(n);
        }
    }
    assert!(seen.contains(&1), "one unhealthy target was said: {seen:?}");
}
