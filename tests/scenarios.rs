//! Scenario tests on virtual time: every fault of the `!` menu, what the screen and the snapshot
//! JSON show, and when — against the timing of the real AWS mechanism.

mod common;

use common::{Harness, SEED, T0};
use opsdash::app::Pane;
use opsdash::model::{AlarmState, Snapshot, TargetState};
use opsdash::report::{CheckStatus, check};
use opsdash::source::sim::{Fault, Scenario, Sim, SimSource};
use opsdash::source::{EstateWriter, ServiceUpdate};

fn target_state(s: &Snapshot, region: usize, id: &str) -> Option<TargetState> {
    s.regions[region]
        .load_balancers
        .iter()
        .flat_map(|l| &l.target_groups)
        .flat_map(|g| &g.targets)
        .find(|t| t.id == id)
        .map(|t| t.state)
}

fn alarm_state(s: &Snapshot, region: usize, name: &str) -> AlarmState {
    s.regions[region]
        .alarms
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.state)
        .expect("alarm exists")
}

fn tg(s: &Snapshot, region: usize, name: &str) -> (usize, usize) {
    let g = s.regions[region]
        .load_balancers
        .iter()
        .flat_map(|l| &l.target_groups)
        .find(|g| g.name == name)
        .expect("target group exists");
    (g.healthy, g.total)
}

#[test]
fn steady_state_is_healthy_and_check_says_ok() {
    let h = Harness::new(Scenario::WarmStandby);
    let s = h.snapshot();
    assert_eq!(s.regions.len(), 2);
    assert_eq!(tg(&s, 0, "fa-092-NLBTargetGroup"), (2, 2));
    assert_eq!(tg(&s, 0, "bookstore-frontend"), (2, 2));
    assert_eq!(
        tg(&s, 1, "fa-092-NLBTargetGroup"),
        (1, 1),
        "DR runs at warm-standby capacity"
    );
    let (status, line) = check(&s);
    assert_eq!(status, CheckStatus::Ok, "{line}");
}

#[test]
fn stopped_instance_goes_unhealthy_after_threshold_times_interval_then_is_replaced() {
    let mut h = Harness::new(Scenario::WarmStandby);
    let region = h.primary();
    let menu = h.sim.lock().fault_menu(region.as_str(), None);
    let Fault::StopInstance {
        instance: Some(victim),
        ..
    } = menu[0].clone()
    else {
        panic!("first fault is stop-instance with a victim: {menu:?}");
    };
    assert_eq!(
        target_state(&h.snapshot(), 0, &victim),
        Some(TargetState::Healthy)
    );
    h.inject(&Fault::StopInstance {
        region: region.to_string(),
        instance: Some(victim.clone()),
    });
    // NLB target group: TCP checks every 10 s, unhealthy after 3 failures: within (20 s, 30 s].
    let t = h
        .advance_until(120.0, 1.0, |h| {
            target_state(&h.snapshot(), 0, &victim) == Some(TargetState::Unhealthy)
        })
        .expect("stopped target turns unhealthy");
    assert!(
        t > 20.0 && t <= 30.0,
        "unhealthy after {t} s, expected 3 x 10 s"
    );
    let screen = h.screen(120, 40);
    assert!(screen.contains("unhealthy"), "{screen}");
    assert!(
        h.app().store().timeline().iter().any(|e| e
            .message
            .contains(&format!("{victim} healthy -> unhealthy"))),
        "the timeline records the transition"
    );
    // The ASG's EC2 health check replaces it: a new instance goes Pending then InService, and its
    // target registers `initial` and turns healthy after 3 × 10 s.
    let t = h
        .advance_until(600.0, 5.0, |h| {
            let s = h.snapshot();
            let asg = &s.regions[0].auto_scaling_groups[0];
            asg.instances
                .iter()
                .any(|i| i.id != victim && i.lifecycle == opsdash::model::Lifecycle::Pending)
        })
        .expect("a replacement launches");
    assert!(t <= 120.0, "replacement launched after {t} s");
    h.advance_until(300.0, 5.0, |h| {
        let s = h.snapshot();
        s.regions[0].load_balancers[0].target_groups[0]
            .targets
            .iter()
            .any(|t| t.id != victim && t.state == TargetState::Initial)
    })
    .expect("the replacement registers as initial");
    h.advance_until(120.0, 5.0, |h| {
        tg(&h.snapshot(), 0, "fa-092-NLBTargetGroup").0 == 2
    })
    .expect("capacity is healthy again");
    let s = h.snapshot();
    assert_eq!(s.regions[0].auto_scaling_groups[0].in_service, 2);
    assert!(
        h.app()
            .store()
            .timeline()
            .iter()
            .any(|e| e.message.contains("Launching a new EC2 instance"))
    );
}

#[test]
fn bad_image_fails_health_checks_raises_5xx_and_the_alarm() {
    let mut h = Harness::new(Scenario::WarmStandby);
    let region = h.primary();
    h.inject(&Fault::BadImage {
        region: region.to_string(),
    });
    let s = h.snapshot();
    let svc = &s.regions[0].ecs_services[0];
    assert_eq!(
        svc.deployments.len(),
        2,
        "a new PRIMARY deployment next to the ACTIVE one"
    );
    assert_eq!(svc.deployments[0].status, "PRIMARY");
    assert_eq!(
        svc.deployments[0].rollout_state,
        opsdash::model::RolloutState::InProgress
    );
    assert_eq!(svc.task_definition, "appTaskDefinition:8");
    // 5XX alarm: Sum > 10 over one 60 s period; the bad tasks take traffic within about two
    // minutes (start 20 s + 2 checks × 30 s), so it fires within five periods.
    let t = h
        .advance_until(600.0, 10.0, |h| {
            alarm_state(&h.snapshot(), 0, "bookstore-alb-5xx") == AlarmState::Alarm
        })
        .expect("5XX alarm fires");
    assert!(t <= 300.0, "5XX alarm after {t} s");
    let s = h.snapshot();
    let series = h
        .app()
        .store()
        .series(&common::region("us-east-1"), "bookstore-alb-5xx")
        .unwrap();
    assert!(
        series.last().unwrap().value > 10.0,
        "5XX rose above the threshold"
    );
    // Tasks fail their health checks and ECS replaces them.
    h.advance_until(600.0, 10.0, |h| {
        h.snapshot().regions[0].ecs_services[0].deployments[0].failed > 0
    })
    .expect("failed tasks are counted");
    assert_eq!(check(&s).0, CheckStatus::Crit);
    // The Alarms pane lists ALARM first.
    h.ch('4');
    let screen = h.screen(120, 40);
    let lines: Vec<&str> = screen.lines().collect();
    let title = lines
        .iter()
        .position(|l| l.contains("4 Alarms"))
        .expect("the Alarms pane");
    // Under the column headings.
    assert!(lines[title + 1].contains("state alarm"), "{screen}");
    assert!(
        lines[title + 2].contains("ALARM bookstore-alb-5xx"),
        "{screen}"
    );
    assert!(
        h.app()
            .store()
            .timeline()
            .iter()
            .any(|e| e.message.contains("failed ELB health checks"))
    );
    // Clearing faults rolls the service back; the rollout completes and the alarm returns to OK.
    h.inject(&Fault::ClearAll);
    h.advance_until(1200.0, 10.0, |h| h.rollout_settled(2))
        .expect("roll back completes");
    h.advance_until(600.0, 30.0, |h| {
        alarm_state(&h.snapshot(), 0, "bookstore-alb-5xx") == AlarmState::Ok
    })
    .expect("5XX alarm returns to OK");
}

#[test]
fn cpu_spike_fires_the_cpu_alarm_after_five_periods_and_scales_out() {
    let mut h = Harness::new(Scenario::AlbAsg);
    let region = h.primary();
    h.inject(&Fault::CpuSpike {
        region: region.to_string(),
    });
    // CPUUtilization Average > 85 for 5 periods of 60 s.
    let t = h
        .advance_until(900.0, 10.0, |h| {
            alarm_state(&h.snapshot(), 0, "web-cpu-high") == AlarmState::Alarm
        })
        .expect("CPU alarm fires");
    assert!(
        (240.0..=420.0).contains(&t),
        "CPU alarm after {t} s, expected about 5 periods"
    );
    // The scaling policy adds an instance.
    h.advance_until(120.0, 10.0, |h| {
        h.snapshot().regions[0].auto_scaling_groups[0].desired == 3
    })
    .expect("scale-out policy raises desired capacity");
    // The spike ends after 15 minutes and the alarm returns to OK.
    h.advance_until(1800.0, 30.0, |h| {
        alarm_state(&h.snapshot(), 0, "web-cpu-high") == AlarmState::Ok
    })
    .expect("CPU alarm returns to OK");
}

#[test]
fn primary_region_dark_fails_health_and_traffic_moves_to_dr() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.inject(&Fault::PrimaryDark);
    // ALB groups: 2 failures × 30 s; NLB: 3 × 10 s.
    let t = h
        .advance_until(300.0, 5.0, |h| {
            let s = h.snapshot();
            tg(&s, 0, "bookstore-frontend").0 == 0 && tg(&s, 0, "fa-092-NLBTargetGroup").0 == 0
        })
        .expect("primary targets go unhealthy");
    assert!(t <= 60.0, "primary dark after {t} s");
    h.advance_until(300.0, 10.0, |h| {
        alarm_state(&h.snapshot(), 0, "bookstore-primary-health") == AlarmState::Alarm
    })
    .expect("the primary health alarm fires");
    let s = h.snapshot();
    assert_eq!(
        tg(&s, 1, "bookstore-frontend").0,
        tg(&s, 1, "bookstore-frontend").1,
        "DR stays healthy"
    );
    // The side-by-side view shows both regions.
    h.ch('v');
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("us-east-1 (primary)") && screen.contains("us-west-2 (DR)"),
        "{screen}"
    );
    assert!(
        screen.contains("0/2"),
        "primary shows no healthy target\n{screen}"
    );
}

#[test]
fn az_dark_takes_out_only_that_zone() {
    let mut h = Harness::new(Scenario::AlbAsg);
    let region = h.primary();
    h.inject(&Fault::AzDark {
        region: region.to_string(),
    });
    // web-tg: unhealthy threshold 2 × 30 s.
    h.advance_until(120.0, 5.0, |h| tg(&h.snapshot(), 0, "web-tg").0 == 1)
        .expect("one target goes");
    let s = h.snapshot();
    for t in &s.regions[0].load_balancers[0].target_groups[0].targets {
        let expect = if t.az == "us-east-1a" {
            TargetState::Unhealthy
        } else {
            TargetState::Healthy
        };
        assert_eq!(t.state, expect, "{t:?}");
    }
}

#[test]
fn api_throttling_marks_panes_stale_and_counts_throttles() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.inject(&Fault::Throttling);
    let mut saw_error = false;
    for _ in 0..20 {
        h.advance(5.0);
        if Pane::ALL.iter().any(|p| {
            h.app()
                .pane_error(*p)
                .is_some_and(|e| e.code == "Throttling")
        }) {
            saw_error = true;
            let screen = h.screen(120, 40);
            assert!(screen.contains("Throttling"), "{screen}");
            break;
        }
    }
    assert!(saw_error, "some reads are throttled");
    // The runtime samples the source's request counts every 5 s; here, a minute apart.
    {
        use opsdash::source::Source;
        let t0 = h.sim.now();
        h.send(opsdash::app::Msg::Calls(t0, h.sim.call_counts()));
        h.advance(60.0);
        h.send(opsdash::app::Msg::Calls(h.sim.now(), h.sim.call_counts()));
        let _ = t0;
    }
    assert!(
        h.app().store().rates().window().total.throttles > 0,
        "the header counts throttles"
    );
    let s = h.snapshot();
    assert!(s.errors.iter().all(|e| e.code == "Throttling"));
    // Five minutes later the API answers again.
    h.advance(300.0);
    assert!(h.snapshot().errors.is_empty());
    assert!(Pane::ALL.iter().all(|p| h.app().pane_error(*p).is_none()));
}

#[test]
fn the_fault_menu_injects_through_the_keys() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch('!');
    assert!(matches!(
        h.app().overlay(),
        opsdash::app::Overlay::Faults { .. }
    ));
    h.ch('2');
    assert!(h.app().status().cloned().unwrap().0.contains("bad image"));
    assert!(
        h.app()
            .store()
            .timeline()
            .iter()
            .any(|e| e.message.contains("injected: shipped bad image"))
    );
}

#[test]
fn same_seed_same_run() {
    let run = || {
        let sim = SimSource::new(Sim::new(Scenario::WarmStandby, SEED, T0));
        sim.lock()
            .inject(&Fault::BadImage {
                region: "us-east-1".into(),
            })
            .unwrap();
        sim.advance(900.0);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        serde_json::to_string(&rt.block_on(opsdash::poller::snapshot(
            &sim,
            std::time::Duration::from_secs(30),
        )))
        .unwrap()
    };
    assert_eq!(run(), run());
}

#[test]
fn scale_out_through_the_writer_goes_pending_in_service_then_healthy() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // Out of range: refused, nothing changes.
    let e = rt
        .block_on(h.sim.set_desired_capacity(
            &common::region("us-east-1"),
            "fa-092-AutoScalingGroup",
            9,
        ))
        .unwrap_err();
    assert_eq!(e.code, "ValidationError");
    assert!(e.message.contains("above max value 4"), "{}", e.message);
    assert_eq!(h.snapshot().regions[0].auto_scaling_groups[0].desired, 2);
    rt.block_on(h.sim.set_desired_capacity(
        &common::region("us-east-1"),
        "fa-092-AutoScalingGroup",
        3,
    ))
    .unwrap();
    h.advance(2.0);
    assert_eq!(h.snapshot().regions[0].auto_scaling_groups[0].pending, 1);
    h.advance_until(120.0, 5.0, |h| {
        h.snapshot().regions[0].auto_scaling_groups[0].in_service == 3
    })
    .expect("new instance goes InService");
    h.advance_until(120.0, 5.0, |h| {
        tg(&h.snapshot(), 0, "fa-092-NLBTargetGroup") == (3, 3)
    })
    .expect("its target turns healthy");
    // State Manager applies the app association to the new instance.
    h.advance_until(300.0, 15.0, |h| {
        h.app()
            .store()
            .timeline()
            .iter()
            .any(|e| e.resource == "fa-092-app-association" && e.message.contains("on 1 instance"))
    })
    .expect("association runs on the new instance");
    // ECS desired count through UpdateService in the ecs scenario.
    let h2 = Harness::new(Scenario::Ecs);
    rt.block_on(h2.sim.update_service(
        &common::region("us-east-1"),
        ServiceUpdate {
            cluster: "appCluster".into(),
            service: "appService".into(),
            desired: Some(3),
            ..Default::default()
        },
    ))
    .unwrap();
    let mut h2 = h2;
    h2.advance_until(600.0, 10.0, |h| {
        h.snapshot().regions[0].ecs_services[0].running == 3
    })
    .expect("ECS scales to 3 with managed scaling adding a host");
    assert_eq!(h2.snapshot().regions[0].auto_scaling_groups[0].desired, 3);
}

#[test]
fn snapshot_json_has_exactly_the_contract_fields() {
    let h = Harness::new(Scenario::WarmStandby);
    let v: serde_json::Value = serde_json::to_value(h.snapshot()).unwrap();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    let sorted = |s: &[&str]| {
        let mut v: Vec<String> = s.iter().map(|x| (*x).to_owned()).collect();
        v.sort();
        v
    };
    // The document names the account, caller, profile and where the credentials came from
    // (extended so archived snapshots of two accounts are told apart).
    assert_eq!(
        keys(&v),
        sorted(&[
            "source",
            "account",
            "caller_arn",
            "profile",
            "credentials",
            "taken_at",
            "regions",
            "errors"
        ])
    );
    assert_eq!(v["source"], "demo");
    assert_eq!(v["account"], "123456789012");
    assert_eq!(v["taken_at"], "2026-11-21T00:00:00Z");
    let r = &v["regions"][0];
    assert_eq!(
        keys(r),
        sorted(&[
            "region",
            "role",
            "load_balancers",
            "auto_scaling_groups",
            "ecs_services",
            "associations",
            "alarms"
        ])
    );
    assert_eq!(r["role"], "primary");
    assert_eq!(v["regions"][1]["role"], "dr");
    let lb = &r["load_balancers"][0];
    assert_eq!(
        keys(lb),
        sorted(&[
            "name",
            "arn",
            "type",
            "scheme",
            "state",
            "dns_name",
            "target_groups",
            // Its zones with their AZ IDs, and the zonal shifts in effect (extended).
            "zones",
            "zonal_shifts"
        ])
    );
    assert_eq!(keys(&lb["zones"][0]), sorted(&["name", "id"]));
    assert_eq!(lb["zonal_shifts"], serde_json::json!([]));
    let g = &lb["target_groups"][0];
    assert_eq!(
        keys(g),
        // `total` is the targets in service; draining ones are counted apart (extended).
        sorted(&[
            "name", "arn", "protocol", "port", "healthy", "total", "draining", "targets"
        ])
    );
    assert_eq!(
        keys(&g["targets"][0]),
        sorted(&["id", "port", "az", "state", "reason"])
    );
    let asg = &r["auto_scaling_groups"][0];
    assert_eq!(
        keys(asg),
        sorted(&[
            "name",
            "min",
            "max",
            "desired",
            "in_service",
            "pending",
            "terminating",
            "standby",
            "target_group_arns",
            "instances"
        ])
    );
    assert_eq!(
        keys(&asg["instances"][0]),
        sorted(&["id", "az", "lifecycle", "health"])
    );
    let svc = &r["ecs_services"][0];
    assert_eq!(
        keys(svc),
        sorted(&[
            "cluster",
            "name",
            "desired",
            "running",
            "pending",
            "task_definition",
            "deployments"
        ])
    );
    assert_eq!(
        keys(&svc["deployments"][0]),
        sorted(&[
            "id",
            "status",
            "task_definition",
            "desired",
            "running",
            "pending",
            "failed",
            "rollout_state"
        ])
    );
    let a = &r["associations"][0];
    assert_eq!(
        keys(a),
        sorted(&["id", "name", "document", "status", "last_execution"])
    );
    assert_eq!(
        keys(&a["last_execution"]),
        sorted(&["id", "status", "created_at", "success", "failed", "pending"])
    );
    let al = &r["alarms"][0];
    assert_eq!(
        keys(al),
        sorted(&[
            "name",
            "state",
            "reason",
            "updated_at",
            "namespace",
            "metric",
            "threshold",
            // Extended: what breaches, and how the alarm evaluates.
            "comparison",
            "statistic",
            "period_secs",
            "evaluation_periods"
        ])
    );
    assert!(al["comparison"].as_str().unwrap().ends_with("Threshold"));
}

#[test]
fn a_run_does_not_depend_on_the_wall_clock_second_it_started() {
    let run = |start: opsdash::model::Timestamp| {
        let mut sim = Sim::new(Scenario::WarmStandby, SEED, start);
        sim.inject(&Fault::StopInstance {
            region: "us-east-1".into(),
            instance: None,
        })
        .unwrap();
        sim.advance(1200.0);
        let mut out: Vec<String> = Vec::new();
        for r in ["us-east-1", "us-west-2"] {
            for e in sim.events_after(&common::region(r), 0) {
                out.push(format!(
                    "{} {:?} {} {}",
                    e.at.secs() - start.secs(),
                    e.kind,
                    e.resource,
                    e.message
                ));
            }
        }
        out
    };
    let a = run(T0);
    let b = run(opsdash::model::Timestamp(T0.0 + 37_000));
    assert!(a.len() > 10);
    assert_eq!(a, b);
}

#[test]
fn a_day_of_churn_stays_bounded() {
    let mut h = Harness::new(Scenario::WarmStandby);
    let region = h.primary();
    // A crash-looping image, instances stopped every hour, and throttling now and then: the
    // noisiest day the demo can have.
    h.inject(&Fault::BadImage {
        region: region.to_string(),
    });
    for hour in 0..24 {
        h.inject(&Fault::StopInstance {
            region: region.to_string(),
            instance: None,
        });
        if hour % 6 == 0 {
            h.inject(&Fault::Throttling);
        }
        for _ in 0..12 {
            h.advance(300.0);
        }
    }
    assert!(h.app().store().timeline().len() <= opsdash::app::TIMELINE_KEPT);
    assert!(
        h.app()
            .store()
            .all_series()
            .all(|s| s.len() <= opsdash::app::SERIES_POINTS)
    );
    assert!(
        h.app().store().all_series().count() <= 9,
        "one series per alarm: {}",
        h.app().store().all_series().count()
    );
    let s = h.snapshot();
    let svc = &s.regions[0].ecs_services[0];
    assert!(
        svc.deployments[0].failed > 100,
        "the image crash-looped all day"
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let cap = rt
        .block_on(opsdash::source::EstateReader::capacity(&h.sim, &region))
        .result
        .unwrap();
    assert!(cap.ecs_services[0].events.len() <= 100);
    assert!(
        cap.auto_scaling_groups
            .iter()
            .all(|g| g.activities.len() <= 50)
    );
    let tasks = cap.ecs_services[0].running + cap.ecs_services[0].pending;
    assert!(tasks <= 4, "no task leak: {tasks}");
}

#[test]
fn target_groups_carry_an_hour_of_host_counts() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    let region = h.primary();
    let tg = |h: &Harness| {
        h.app()
            .store()
            .region(&h.primary())
            .unwrap()
            .targets
            .as_ref()
            .unwrap()[0]
            .target_groups[0]
            .clone()
    };
    let g = tg(&h);
    assert_eq!(g.healthy_series.len(), 60, "the warm-up hour");
    let last = |s: &[opsdash::model::Point]| s.last().map_or(-1.0, |p| p.value);
    assert!((last(&g.healthy_series) - 2.0).abs() < 1e-9);
    assert!(last(&g.unhealthy_series).abs() < 1e-9);
    h.inject(&Fault::StopInstance {
        region: region.to_string(),
        instance: None,
    });
    h.advance_until(180.0, 10.0, |h| {
        tg(h).unhealthy_series.last().is_some_and(|p| p.value > 0.5)
    })
    .expect("the stopped instance shows in UnHealthyHostCount");
    assert_eq!(tg(&h).healthy_series.len(), 60, "bounded to the hour");
}
