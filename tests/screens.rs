//! Screen snapshots (`TestBackend` + insta) at fixed virtual times: the main screen at three sizes,
//! every detail view, help, the side-by-side view, the fault menu and palette, every theme.

mod common;

use common::Harness;
use opsdash::app::{DetailRef, Pane, View};
use opsdash::source::sim::Scenario;
use ratatui::crossterm::event::KeyCode;

#[test]
fn main_screen_at_three_sizes() {
    let mut h = Harness::new(Scenario::WarmStandby);
    insta::assert_snapshot!("main_80x24", h.terminal(80, 24).backend());
    insta::assert_snapshot!("main_120x40", h.terminal(120, 40).backend());
    insta::assert_snapshot!("main_200x60", h.terminal(200, 60).backend());
}

#[test]
fn small_terminal_grows_the_focused_pane_and_summarises_the_rest() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch('4');
    let s = h.screen(80, 24);
    assert!(s.contains("4 Alarms"), "{s}");
    for p in ["1 Targets", "2 Capacity", "3 Runs", "5 Timeline"] {
        assert!(s.contains(p), "missing summary {p}\n{s}");
    }
    insta::assert_snapshot!("alarms_focused_80x24", h.terminal(80, 24).backend());
}

#[test]
fn every_detail_view() {
    let mut h = Harness::new(Scenario::WarmStandby);
    // Target group: second row of Targets is the NLB's target group.
    h.ch('1');
    h.ch('j');
    h.key(KeyCode::Enter);
    assert!(matches!(
        h.app().view(),
        View::Detail(DetailRef::TargetGroup { .. })
    ));
    insta::assert_snapshot!("detail_target_group", h.terminal(120, 40).backend());
    h.key(KeyCode::Esc);
    assert_eq!(*h.app().view(), View::Main);

    // ECS service: third row of Capacity.
    h.ch('2');
    h.ch('j');
    h.ch('j');
    h.key(KeyCode::Enter);
    assert!(
        matches!(h.app().view(), View::Detail(DetailRef::Service { .. })),
        "{:?}",
        h.app().view()
    );
    insta::assert_snapshot!("detail_ecs_service", h.terminal(120, 40).backend());
    h.key(KeyCode::Esc);

    h.ch('2');
    h.ch('g');
    h.key(KeyCode::Enter);
    assert!(matches!(h.app().view(), View::Detail(DetailRef::Asg(_))));
    insta::assert_snapshot!("detail_asg", h.terminal(120, 40).backend());
    h.key(KeyCode::Esc);

    h.ch('3');
    h.key(KeyCode::Enter);
    assert!(matches!(
        h.app().view(),
        View::Detail(DetailRef::Association(_))
    ));
    insta::assert_snapshot!("detail_association", h.terminal(120, 40).backend());
    h.key(KeyCode::Esc);

    h.ch('4');
    h.key(KeyCode::Enter);
    assert!(matches!(h.app().view(), View::Detail(DetailRef::Alarm(_))));
    insta::assert_snapshot!("detail_alarm", h.terminal(120, 40).backend());
    h.key(KeyCode::Esc);

    h.ch('5');
    h.key(KeyCode::Enter);
    assert!(matches!(h.app().view(), View::Detail(DetailRef::Event(_))));
    insta::assert_snapshot!("detail_event", h.terminal(120, 40).backend());
}

#[test]
fn help_and_region_view_and_popups() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch('?');
    insta::assert_snapshot!("help_120x40", h.terminal(120, 40).backend());
    h.ch('x');
    h.ch('v');
    assert_eq!(*h.app().view(), View::Regions);
    insta::assert_snapshot!("regions_120x40", h.terminal(120, 40).backend());
    h.ch('v');
    h.ch('!');
    insta::assert_snapshot!("fault_menu_120x40", h.terminal(120, 40).backend());
    h.key(KeyCode::Esc);
    h.ch(':');
    h.type_str("theme l");
    insta::assert_snapshot!("palette_120x40", h.terminal(120, 40).backend());
}

#[test]
fn every_theme_renders_with_its_colours() {
    let mut h = Harness::new(Scenario::AlbAsg);
    for name in h.app().settings().themes.names() {
        h.command(&format!("theme {name}"));
        // Esc clears the status line ("theme NAME").
        h.key(KeyCode::Esc);
        let t = h.terminal(100, 30);
        // The Debug form of the buffer carries the styles, so colours are part of the snapshot.
        insta::assert_snapshot!(
            format!("theme_{name}"),
            format!("{:?}", t.backend().buffer())
        );
    }
}

#[test]
fn no_color_uses_no_colour_at_all() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.settings_mut().no_color = true;
    h.command("theme default");
    let t = h.terminal(120, 40);
    let buf = t.backend().buffer();
    for cell in &buf.content {
        assert_eq!(cell.fg, ratatui::style::Color::Reset);
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
}

#[test]
fn ascii_mode_writes_only_ascii() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.settings_mut().ascii = true;
    for (w, hh) in [(80, 24), (120, 40), (200, 60)] {
        let s = h.screen(w, hh);
        assert!(s.is_ascii(), "non-ASCII at {w}x{hh}:\n{s}");
    }
    h.ch('4');
    h.key(KeyCode::Enter);
    assert!(h.screen(120, 40).is_ascii());
}

#[test]
fn filter_narrows_the_focused_pane_and_esc_clears_it() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch('1');
    h.ch('/');
    h.type_str("backend");
    let s = h.screen(120, 40);
    assert!(s.contains("bookstore-backend"));
    assert!(!s.contains("fa-092-NLBTargetGroup"), "{s}");
    assert!(s.contains("/backend"));
    h.key(KeyCode::Enter);
    assert_eq!(h.app().pane(Pane::Targets).filter, "backend");
    h.key(KeyCode::Esc);
    assert!(h.app().pane(Pane::Targets).filter.is_empty());
    assert!(h.screen(120, 40).contains("fa-092-NLBTargetGroup"));
}

#[test]
fn palette_switches_region_theme_pane_and_scenario() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch(':');
    h.type_str("region us-west-2");
    h.key(KeyCode::Enter);
    assert_eq!(h.app().region_name(), "us-west-2");
    // DR runs at warm-standby capacity: one app instance.
    assert!(h.screen(120, 40).contains("fa-092-AutoScalingGr"));
    h.ch(':');
    h.type_str("theme light");
    h.key(KeyCode::Enter);
    assert_eq!(h.app().theme().name, "light");
    h.ch(':');
    h.type_str("pane runs");
    h.key(KeyCode::Enter);
    assert_eq!(h.app().focus(), Pane::Runs);
    h.ch(':');
    h.type_str("region mars-1");
    h.key(KeyCode::Enter);
    let (msg, _) = h.app().status().cloned().unwrap();
    assert!(
        msg.contains("unknown region 'mars-1'") && msg.contains("us-east-1, us-west-2"),
        "{msg}"
    );
    h.ch(':');
    h.type_str("scenario ecs");
    h.key(KeyCode::Enter);
    assert_eq!(h.app().info().regions.len(), 1);
    assert!(h.screen(120, 40).contains("appCluster-NLB"));
    h.ch(':');
    h.type_str("bogus");
    h.key(KeyCode::Enter);
    assert!(
        h.app()
            .status()
            .cloned()
            .unwrap()
            .0
            .contains("unknown command 'bogus'")
    );
}

#[test]
fn tab_completes_in_the_palette() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch(':');
    h.type_str("sce");
    h.key(KeyCode::Tab);
    match &h.app().overlay() {
        opsdash::app::Overlay::Palette { input, .. } => assert_eq!(input, "scenario warm-standby"),
        o => panic!("palette closed: {o:?}"),
    }
}

#[test]
fn ages_scale_with_the_demo_speed() {
    let mut h = Harness::new(Scenario::WarmStandby);
    // Four virtual minutes since the last alarms poll: stale at speed 1, fresh at speed 10, where
    // the 30 s real refresh spans five virtual minutes.
    h.sim.advance(240.0);
    let now = opsdash::source::Source::now(&h.sim);
    h.send(opsdash::app::Msg::Tick(now));
    assert!(h.screen(120, 40).contains("Alarms us-east-1 stale 4m"));
    h.settings_mut().time_scale = 10.0;
    let s = h.screen(120, 40);
    assert!(
        s.contains("4 Alarms us-east-1 <10m") && !s.contains("Alarms us-east-1 stale"),
        "{s}"
    );
}

#[test]
fn operation_prompts_and_confirmations() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch('2');
    h.ch('s');
    h.type_str("3");
    insta::assert_snapshot!("scale_prompt_120x40", h.terminal(120, 40).backend());
    h.key(KeyCode::Enter);
    insta::assert_snapshot!("scale_confirm_80x24", h.terminal(80, 24).backend());
    h.settings_mut().ascii = true;
    assert!(
        h.screen(80, 24).is_ascii(),
        "the confirmation is ASCII in --ascii"
    );
    h.settings_mut().ascii = false;
    h.key(KeyCode::Esc);
    h.ch('G');
    h.ch('d');
    insta::assert_snapshot!("deploy_prompt_120x40", h.terminal(120, 40).backend());
    h.type_str("v1.5.0");
    h.key(KeyCode::Enter);
    insta::assert_snapshot!("deploy_confirm_120x40", h.terminal(120, 40).backend());
}

#[test]
fn failover_drill_view() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch('F');
    insta::assert_snapshot!("drill_preflight_120x40", h.terminal(120, 40).backend());
    h.settings_mut().ascii = true;
    assert!(
        h.screen(80, 24).is_ascii(),
        "the drill view is ASCII in --ascii"
    );
}

#[test]
fn per_service_rates_in_the_header_and_by_operation_in_the_api_popup() {
    use opsdash::app::Msg;
    use opsdash::source::Source;
    let mut h = Harness::new(Scenario::WarmStandby);
    let t0 = opsdash::model::Timestamp(1_000_000);
    h.send(Msg::Calls(t0, h.sim.call_counts()));
    for _ in 0..3 {
        h.poll();
    }
    // The figures are the last 60 s: the newest sample against the one a minute before.
    h.send(Msg::Calls(t0.plus_secs(60.0), h.sim.call_counts()));
    let rates = h.app().store().rates().window().by_service();
    assert!(
        rates
            .iter()
            .any(|(s, n)| s == "elasticloadbalancing" && *n > 0),
        "{rates:?}"
    );
    let screen = h.screen(160, 40);
    let header = screen.lines().next().unwrap();
    assert!(header.contains("(elb "), "{header}");
    h.ch(':');
    h.type_str("api");
    h.key(KeyCode::Enter);
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("API requests by service and operation"),
        "{screen}"
    );
    assert!(screen.contains("DescribeTargetHealth"), "{screen}");
    h.ch('x');
    assert_eq!(*h.app().overlay(), opsdash::app::Overlay::None);
}
