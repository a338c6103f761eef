//! The screen an on-call engineer reads at 3 a.m. (issue 11): badges never cut, help that
//! scrolls and is grouped, the informative part of a line first, panes that agree with each
//! other, the region named, `x` followed, and the small papercuts (detail scrolling, Esc then a
//! digit, dark themes, palette Tab). Snapshots at 80×24, 120×40 and 200×60.

mod common;

use common::Harness;
use opsdash::app::{Msg, Overlay, Pane, View};
use opsdash::source::Source;
use opsdash::source::sim::{Fault, Scenario};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];

/// A console in read-only mode, paused, with a drill under way: every badge at once.
fn all_badges() -> Harness {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch('F');
    h.ch('s');
    h.type_str("bookstore");
    h.key(KeyCode::Enter);
    // A pane key leaves the drill view; the drill keeps running.
    h.ch('1');
    h.settings_mut().read_only = true;
    h.ch('p');
    assert!(h.app().paused());
    h
}

#[test]
fn badges_and_mode_are_never_cut() {
    let mut h = all_badges();
    for (w, ht) in SIZES {
        let screen = h.screen(w, ht);
        let header = screen.lines().next().unwrap().to_owned();
        for badge in ["READ-ONLY", "PAUSED", "DRILL RUNNING", "DEMO", "us-east-1*"] {
            assert!(header.contains(badge), "{w}x{ht}: {badge} cut: {header:?}");
        }
        assert!(
            header.contains(&h.app().now().hm()),
            "{w}x{ht}: clock: {header:?}"
        );
    }
    insta::assert_snapshot!("badges_80x24", h.terminal(80, 24).backend());
    insta::assert_snapshot!("badges_120x40", h.terminal(120, 40).backend());
    insta::assert_snapshot!("badges_200x60", h.terminal(200, 60).backend());
}

#[test]
fn help_is_grouped_and_scrolls_at_80x24() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.resize(80, 24);
    h.ch('?');
    let first = h.screen(80, 24);
    assert!(first.contains("Navigation"), "{first}");
    assert!(first.contains("j/k PgUp/PgDn g/G scroll"), "{first}");
    insta::assert_snapshot!("help_80x24_top", h.terminal(80, 24).backend());
    h.key(KeyCode::End);
    let last = h.screen(80, 24);
    for line in [
        "Failover",
        "Region switch: cancel",
        "resume / roll back a found drill",
    ] {
        assert!(last.contains(line), "{line}: {last}");
    }
    assert_eq!(
        *h.app().overlay(),
        Overlay::Help,
        "scrolling keeps help open"
    );
    insta::assert_snapshot!("help_80x24_end", h.terminal(80, 24).backend());
    h.ch('k');
    assert!(h.app().help_scroll() > 0);
    h.key(KeyCode::Home);
    assert_eq!(h.app().help_scroll(), 0);
    h.ch('x');
    assert_eq!(*h.app().overlay(), Overlay::None, "any other key closes");
    insta::assert_snapshot!("help_120x40", {
        h.resize(120, 40);
        h.ch('?');
        h.terminal(120, 40).backend().clone()
    });
    insta::assert_snapshot!("help_200x60", {
        h.key(KeyCode::Esc);
        h.resize(200, 60);
        h.ch('?');
        h.terminal(200, 60).backend().clone()
    });
}

#[test]
fn the_footer_offers_the_drill_and_the_detail_footer_its_operations() {
    let mut h = Harness::new(Scenario::WarmStandby);
    let footer = |h: &mut Harness| h.screen(200, 60).lines().last().unwrap().to_owned();
    assert!(footer(&mut h).contains("F drill"), "{}", footer(&mut h));
    h.select(Pane::Capacity, "appCluster/appService");
    h.key(KeyCode::Enter);
    assert!(matches!(h.app().view(), View::Detail(_)));
    let f = footer(&mut h);
    for op in ["s scale", "d deploy", "b roll back", "g/G top/end"] {
        assert!(f.contains(op), "{op}: {f}");
    }
    h.key(KeyCode::Esc);
    h.select(Pane::Runs, "fa-092-app-association");
    h.key(KeyCode::Enter);
    assert!(footer(&mut h).contains("x run now"));
    // The nlb-web-app demo has no drill: no F.
    let mut h = Harness::new(Scenario::NlbWebApp);
    assert!(!footer(&mut h).contains("F drill"));
}

#[test]
fn pane_titles_name_the_region_and_the_header_says_traffic_failed_over() {
    let mut h = Harness::new(Scenario::WarmStandby);
    let s = h.screen(120, 40);
    for title in [
        "1 Targets us-east-1",
        "2 Capacity us-east-1",
        "3 Runs us-east-1",
        "4 Alarms us-east-1",
        "5 Timeline us-east-1",
    ] {
        assert!(s.contains(title), "{title}: {s}");
    }
    h.inject(&Fault::PrimaryDark);
    h.advance_until(900.0, 10.0, |h| h.app().traffic_on_dr().is_some())
        .expect("the health alarm fires");
    let header = h.screen(80, 24).lines().next().unwrap().to_owned();
    assert!(header.contains("TRAFFIC ON us-west-2"), "{header}");
}

#[test]
fn panes_are_numbered_in_screen_order() {
    let mut h = Harness::new(Scenario::WarmStandby);
    let s = h.screen(120, 40);
    let row_of = |title: &str| {
        s.lines()
            .position(|l| l.contains(title))
            .unwrap_or_else(|| panic!("{title}"))
    };
    // Left column 1, 2; right column 3, 4, 5, top to bottom.
    assert!(row_of("1 Targets") < row_of("2 Capacity"));
    assert!(row_of("3 Runs") < row_of("4 Alarms"));
    assert!(row_of("4 Alarms") < row_of("5 Timeline"));
    // Every alarm row is on screen: the pane is as tall as its rows.
    for a in [
        "bookstore-alb-5xx",
        "bookstore-cpu-high",
        "bookstore-log-errors",
        "bookstore-primary-health",
    ] {
        assert!(s.contains(a), "{a}: {s}");
    }
}

#[test]
fn timeline_lines_put_what_changed_first() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.advance(600.0);
    let s = h.screen(120, 40);
    let line = s
        .lines()
        .find(|l| l.contains("fa-092-app: run "))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(
        line.contains("finished") || line.contains("started"),
        "the change is on screen: {line}"
    );
}

#[test]
fn an_alarm_transition_the_timeline_shows_is_the_alarms_state_at_once() {
    let mut h = Harness::new(Scenario::WarmStandby);
    let region = h.primary();
    let name = "bookstore-cpu-high";
    let at = h.app().now().plus_secs(1.0);
    let event = opsdash::model::Event {
        seq: 1_000_000,
        at,
        region: region.clone(),
        kind: opsdash::model::EventKind::Alarm,
        severity: opsdash::model::Severity::Crit,
        resource: name.into(),
        message: "Alarm updated from OK to ALARM".into(),
    };
    h.send(Msg::Data {
        region,
        at,
        payload: opsdash::app::Payload::Timeline(opsdash::source::Read::ok(vec![event], 1)),
    });
    let alarms = h.app().current().unwrap().alarms.clone().unwrap();
    assert_eq!(alarms[0].name, name, "ALARM sorts first");
    assert_eq!(alarms[0].state, opsdash::model::AlarmState::Alarm);
    let s = h.screen(120, 40);
    assert!(s.contains(&format!("ALARM {name}")), "{s}");
    // The alarm's read the console asked for began before the transition (the estate's alarm
    // still says OK, since long before): it does not take the alarm back, nor show the OK's
    // value beside ALARM.
    let row = |h: &mut Harness| {
        h.screen(120, 40)
            .lines()
            .find(|l| l.contains(&format!("ALARM {name}")))
            .unwrap()
            .to_owned()
    };
    let shown = row(&mut h);
    assert!(shown.contains(" reading"), "{shown}");
    // A read that has the transition: its datapoint beside the state, nothing pending.
    let mut read = h.app().current().unwrap().alarms.clone().unwrap();
    let a = read.iter_mut().find(|a| a.name == name).unwrap();
    a.state_from_history = false;
    a.reason = "Threshold Crossed: 1 datapoint [91.5 (21/11/26 00:00:00)] was greater than the threshold (85.0).".into();
    a.updated_at = at;
    h.send(Msg::Data {
        region: h.primary(),
        at,
        payload: opsdash::app::Payload::Alarms(opsdash::source::Read::ok(read, 1)),
    });
    let shown = row(&mut h);
    assert!(
        shown.contains("91.5 >85") && !shown.contains("reading"),
        "{shown}"
    );
}

#[test]
fn run_now_is_followed_until_it_ends_and_its_timeline_entry_says_it_once() {
    let mut h = Harness::new(Scenario::NlbWebApp);
    h.select(Pane::Runs, "fa-092-app-association");
    h.ch('x');
    h.ch('y');
    let runs = h.app().current().unwrap().runs.clone().unwrap();
    let a = runs
        .iter()
        .find(|a| a.name == "fa-092-app-association")
        .unwrap();
    let status = a.last_execution.as_ref().map(|x| x.status.clone());
    assert!(
        matches!(
            status,
            Some(opsdash::model::ExecStatus::Pending | opsdash::model::ExecStatus::InProgress)
        ),
        "shown at once: {status:?}"
    );
    // Ticks refresh every pane until the run ends.
    h.effects.clear();
    h.sim.advance(5.0);
    h.send(Msg::Tick(h.sim.now()));
    let effects = h.effects.clone();
    assert!(
        effects.contains(&opsdash::app::Effect::RefreshAll),
        "{effects:?}"
    );
    let event = h
        .app()
        .store()
        .timeline()
        .iter()
        .find(|e| e.kind == opsdash::model::EventKind::Operator)
        .unwrap();
    assert!(
        !event.message.contains(&event.resource),
        "says the operation once: {} / {}",
        event.resource,
        event.message
    );
    h.advance_until(600.0, 5.0, |h| {
        h.app()
            .current()
            .unwrap()
            .runs
            .as_ref()
            .unwrap()
            .iter()
            .any(|a| {
                a.name == "fa-092-app-association"
                    && a.last_execution
                        .as_ref()
                        .is_some_and(|x| x.status == opsdash::model::ExecStatus::Success)
            })
    })
    .expect("the run ends");
    h.effects.clear();
    h.send(Msg::Tick(h.sim.now()));
    let effects = h.effects.clone();
    assert!(
        !effects.contains(&opsdash::app::Effect::RefreshAll),
        "no longer followed"
    );
}

#[test]
fn detail_views_stop_at_their_last_line_and_g_and_shift_g_work() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.select(Pane::Capacity, "appCluster/appService");
    h.key(KeyCode::Enter);
    let top = h.screen(120, 40);
    h.ch('G');
    let end = h.screen(120, 40);
    let max = h.app().detail_scroll();
    for _ in 0..50 {
        h.ch('j');
    }
    h.screen(120, 40);
    assert_eq!(h.app().detail_scroll(), max, "never past the last line");
    h.ch('k');
    assert_eq!(
        h.app().detail_scroll(),
        max.saturating_sub(1),
        "one k is one line up"
    );
    h.ch('g');
    assert_eq!(h.app().detail_scroll(), 0);
    assert_eq!(h.screen(120, 40), top);
    if max > 0 {
        assert_ne!(end, top);
    }
}

#[test]
fn esc_then_a_digit_is_two_keys() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.select(Pane::Capacity, "appCluster/appService");
    h.key(KeyCode::Enter);
    // A terminal sends Esc and a quick "4" as Alt-4.
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::Char('4'),
        KeyModifiers::ALT,
    )));
    assert_eq!(*h.app().view(), View::Main);
    assert_eq!(h.app().focus(), Pane::Alarms);
}

#[test]
fn t_cycles_dark_themes_unless_a_light_one_is_chosen() {
    let mut h = Harness::new(Scenario::WarmStandby);
    let mut seen = Vec::new();
    for _ in 0..h.app().settings().themes.themes.len() * 2 {
        h.ch('t');
        seen.push(h.app().theme().name.clone());
    }
    assert!(!seen.iter().any(|n| n.contains("light")), "{seen:?}");
    assert!(seen.len() > 1);
    h.command("theme light");
    h.ch('t');
    h.ch('t');
    h.ch('t');
    h.ch('t');
    assert_eq!(
        h.app().theme().name,
        "light",
        "from light, t goes round them all"
    );
}

#[test]
fn palette_tab_cycles_the_matches() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch(':');
    h.type_str("theme ");
    let mut seen = Vec::new();
    for _ in 0..=h.app().settings().themes.themes.len() {
        h.key(KeyCode::Tab);
        let Overlay::Palette { input, .. } = &h.app().overlay() else {
            panic!()
        };
        seen.push(input.text().to_owned());
    }
    assert!(seen.iter().all(|s| s.starts_with("theme ")), "{seen:?}");
    assert_ne!(seen[0], seen[1], "Tab moves on to the next match: {seen:?}");
    assert_eq!(
        seen[0],
        seen[h.app().settings().themes.themes.len()],
        "and comes round: {seen:?}"
    );
}

/// A live source reads the health of target groups off screen in rotation (issue 10): the console
/// tells it which groups have a row on screen (or an open detail), and a group whose health was
/// carried over from an earlier read shows how old it is, never as if read with the pane.
#[test]
fn groups_on_screen_are_watched_and_carried_over_health_shows_its_age() {
    use opsdash::app::Row;
    let mut h = Harness::new(Scenario::WarmStandby);
    h.resize(80, 14);
    h.screen(80, 14);
    let (region, watched) = h.app().watched_target_groups();
    assert_eq!(&region, h.app().region_name());
    let lbs = h.app().current().unwrap().targets.clone().unwrap();
    let all: Vec<&str> = lbs
        .iter()
        .flat_map(|l| &l.target_groups)
        .map(|g| g.arn.as_str())
        .collect();
    let ps = h.app().pane(Pane::Targets);
    let (first, n) = h.app().drawn().shown[Pane::Targets.index()];
    assert!(n > 0 && n < ps.rows.len(), "80x14 shows part of the rows");
    let mut want: Vec<String> = Vec::new();
    for row in ps.rows.iter().skip(first).take(n) {
        if let Row::Tg(l, g) | Row::Target(l, g, _) = *row {
            let arn = lbs[l].target_groups[g].arn.clone();
            if !want.contains(&arn) {
                want.push(arn);
            }
        }
    }
    assert_eq!(watched, want);
    assert!(
        watched.len() < all.len(),
        "a group off screen is not watched"
    );

    // Scrolled to the end, the last group is watched instead of the first.
    h.key(KeyCode::End);
    h.screen(80, 14);
    let (_, watched_end) = h.app().watched_target_groups();
    assert!(watched_end.contains(&all[all.len() - 1].to_owned()));
    assert!(!watched_end.contains(&all[0].to_owned()));

    // Health carried over from a read 40 s ago says so in the row, the detail and the summary.
    h.key(KeyCode::Home);
    let at = opsdash::model::Timestamp(h.app().now().0 - 40_000);
    let region = h.app().region_name().to_owned();
    let mut lbs = h.app().current().unwrap().targets.clone().unwrap();
    lbs[0].target_groups[0].health_at = Some(at);
    let now = h.app().now();
    h.send(Msg::Data {
        region,
        at: now,
        payload: opsdash::app::Payload::Targets(opsdash::source::Read::ok(lbs, 0)),
    });
    let screen = h.screen(120, 40);
    assert!(screen.contains("40s old"), "{screen}");
    h.key(KeyCode::Down);
    h.key(KeyCode::Enter);
    assert!(matches!(h.app().view(), View::Detail(_)));
    let detail = h.screen(120, 40);
    assert!(detail.contains("40s old"), "{detail}");
}

/// Sends a Capacity read of the current region, read now.
fn send_capacity(h: &mut Harness, cap: opsdash::model::Capacity) {
    let (region, now) = (h.app().region_name().clone(), h.app().now());
    h.send(Msg::Data {
        region,
        at: now,
        payload: opsdash::app::Payload::Capacity(opsdash::source::Read::ok(cap, 0)),
    });
}

/// The screen's line with `kind` (`ECS `, `ASG `) and `name`.
fn capacity_row(h: &mut Harness, kind: &str, name: &str) -> String {
    let screen = h.screen(120, 40);
    screen
        .lines()
        .find(|l| l.contains(kind) && l.contains(name))
        .unwrap_or_else(|| panic!("{screen}"))
        .to_owned()
}

/// Focuses the Capacity pane, selects `row` and opens its detail.
fn open_capacity_row(h: &mut Harness, row: opsdash::app::Row) {
    h.key(KeyCode::Char('2'));
    while h.app().pane(Pane::Capacity).rows[h.app().pane(Pane::Capacity).selected] != row {
        h.key(KeyCode::Down);
    }
    h.key(KeyCode::Enter);
    assert!(matches!(h.app().view(), View::Detail(_)));
}

/// A live source describes ECS services off screen and at rest in rotation (issue 21): the console
/// tells it which services have a row on screen (or an open detail), and a service carried over
/// from an earlier read shows how old it is, in its row and in its detail, never as if read with
/// the pane.
#[test]
fn services_on_screen_are_watched_and_a_carried_over_service_shows_its_age() {
    use opsdash::app::Row;
    let mut h = Harness::new(Scenario::Ecs);
    h.screen(120, 40);
    let cap = h.app().current().unwrap().capacity.clone().unwrap();
    assert!(!cap.ecs_services.is_empty());
    let ps = h.app().pane(Pane::Capacity);
    let (first, n) = h.app().drawn().shown[Pane::Capacity.index()];
    let mut want: Vec<(String, String)> = Vec::new();
    for row in ps.rows.iter().skip(first).take(n) {
        if let Row::Service(i) | Row::Deployment(i, _) = *row {
            let s = &cap.ecs_services[i];
            let id = (s.cluster.clone(), s.name.clone());
            if !want.contains(&id) {
                want.push(id);
            }
        }
    }
    assert!(!want.is_empty(), "the service has a row on screen");
    let (region, on_screen) = h.app().on_screen();
    assert_eq!(&region, h.app().region_name());
    assert_eq!(on_screen.services, want);

    // Described 40 s ago: its row and its detail say so.
    let at = opsdash::model::Timestamp(h.app().now().0 - 40_000);
    let mut carried = cap.clone();
    carried.ecs_services[0].read_at = Some(at);
    let name = carried.ecs_services[0].name.clone();
    send_capacity(&mut h, carried);
    let row = capacity_row(&mut h, "ECS ", &name);
    assert!(row.contains("40s old"), "{row}");
    open_capacity_row(&mut h, Row::Service(0));
    let detail = h.screen(120, 40);
    assert!(detail.contains("40s old"), "{detail}");
    // Read with the pane again: no age.
    send_capacity(&mut h, cap);
    assert!(!h.screen(120, 40).contains("40s old"));
}

/// The rows of `pane` on screen, as last drawn.
fn rows_on_screen(h: &Harness, pane: Pane) -> Vec<opsdash::app::Row> {
    let (first, n) = h.app().drawn().shown[pane.index()];
    h.app()
        .pane(pane)
        .rows
        .iter()
        .skip(first)
        .take(n)
        .copied()
        .collect()
}

/// The Auto Scaling groups in view are the ones a live source describes every read; one carried
/// over from an earlier read says how old it is, in its row, its detail and the regions view.
#[test]
fn groups_on_screen_are_watched_and_a_carried_over_group_shows_its_age() {
    use opsdash::app::Row;
    let mut h = Harness::new(Scenario::WarmStandby);
    h.screen(120, 40);
    let cap = h.app().current().unwrap().capacity.clone().unwrap();
    let want: Vec<String> = rows_on_screen(&h, Pane::Capacity)
        .into_iter()
        .filter_map(|r| match r {
            Row::Asg(i) => Some(cap.auto_scaling_groups[i].name.clone()),
            _ => None,
        })
        .collect();
    assert!(!want.is_empty(), "a group has a row on screen");
    let (_, on_screen) = h.app().on_screen();
    assert_eq!(on_screen.groups, want);

    let mut carried = cap.clone();
    carried.auto_scaling_groups[0].read_at =
        Some(opsdash::model::Timestamp(h.app().now().0 - 40_000));
    let name = carried.auto_scaling_groups[0].name.clone();
    send_capacity(&mut h, carried);
    let row = capacity_row(&mut h, "ASG ", &name);
    assert!(row.contains("40s old"), "{row}");
    h.key(KeyCode::Char('v'));
    let regions = h.screen(120, 40);
    assert!(regions.contains("40s old"), "{regions}");
    h.key(KeyCode::Esc);
    open_capacity_row(&mut h, Row::Asg(0));
    let detail = h.screen(120, 40);
    assert!(detail.contains("40s old"), "{detail}");
    assert_eq!(
        h.app().on_screen().1.groups,
        [name],
        "the open group is watched"
    );
    // Read with the pane again: no age.
    send_capacity(&mut h, cap);
    assert!(!h.screen(120, 40).contains("40s old"));
}

/// A live source asks GetMetricData every read only for the alarms whose sparkline is drawn: the
/// console tells it which alarms have a row on screen, the one an open detail shows, and in the
/// region view every alarm of both regions.
#[test]
fn alarms_on_screen_are_watched_for_their_metrics() {
    use opsdash::app::Row;
    let mut h = Harness::new(Scenario::WarmStandby);
    h.screen(120, 40);
    let alarms = h.app().current().unwrap().alarms.clone().unwrap();
    let want: Vec<String> = rows_on_screen(&h, Pane::Alarms)
        .into_iter()
        .filter_map(|r| match r {
            Row::Alarm(i) => Some(alarms[i].name.clone()),
            _ => None,
        })
        .collect();
    assert!(!want.is_empty(), "an alarm has a row on screen");
    let (region, on_screen) = h.app().on_screen();
    assert_eq!(&region, h.app().region_name());
    assert_eq!(on_screen.alarms, want);
    assert_eq!(h.app().on_screen_by_region(), vec![(region, on_screen)]);

    // An open detail is watched, whichever row it came from.
    h.key(KeyCode::Char('4'));
    h.key(KeyCode::End);
    let Row::Alarm(last) = h.app().pane(Pane::Alarms).rows[h.app().pane(Pane::Alarms).selected]
    else {
        panic!("the Alarms pane selects alarms");
    };
    h.key(KeyCode::Enter);
    h.screen(120, 40);
    assert!(matches!(h.app().view(), View::Detail(_)));
    assert!(
        h.app().on_screen().1.alarms.contains(&alarms[last].name),
        "the open alarm is watched"
    );
    h.key(KeyCode::Esc);

    // The region view draws every alarm of both regions.
    h.key(KeyCode::Char('v'));
    h.screen(120, 40);
    let by_region = h.app().on_screen_by_region();
    let regions: Vec<_> = h
        .app()
        .info()
        .regions
        .iter()
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(regions.len(), 2);
    for r in &regions {
        let all: Vec<String> = h
            .app()
            .store()
            .region(r)
            .and_then(|d| d.alarms.as_deref())
            .unwrap_or_default()
            .iter()
            .map(|a| a.name.clone())
            .collect();
        assert!(!all.is_empty(), "{r} has alarms");
        let (_, watched) = by_region
            .iter()
            .find(|(name, _)| name == r)
            .unwrap_or_else(|| panic!("{r} is watched: {by_region:?}"));
        assert_eq!(watched.alarms, all, "{r}");
    }
}

/// The help popup's text column(s) of one screen: per column, the text after the keys cell of
/// each row, joined by spaces (so a line wrapped onto the next row reads as one).
fn help_columns(screen: &str) -> Vec<String> {
    let rows: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let Some((top, left)) = rows.iter().enumerate().find_map(|(y, r)| {
        let s: String = r.iter().collect();
        s.find("┌ Keys").map(|b| (y, s[..b].chars().count()))
    }) else {
        return Vec::new();
    };
    let right = (left + 1..rows[top].len())
        .find(|&x| rows[top][x] == '┐')
        .expect("the popup's top right corner");
    let inner_w = right - left - 1;
    let cols = if inner_w >= 90 { 2 } else { 1 };
    let col_w = inner_w / cols;
    let mut out = vec![String::new(); cols];
    for r in rows.iter().skip(top + 1) {
        if r.get(left) == Some(&'└') {
            break;
        }
        for (c, text) in out.iter_mut().enumerate() {
            let from = left + 1 + c * col_w + 1 + 14;
            let to = (left + 1 + (c + 1) * col_w).min(right);
            if from < to {
                let cell: String = r[from..to].iter().collect();
                text.push(' ');
                text.push_str(cell.trim());
            }
        }
    }
    out.into_iter()
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn no_help_text_is_cut_at_any_size() {
    let mut h = Harness::new(Scenario::WarmStandby);
    for (w, ht) in SIZES {
        h.resize(w, ht);
        h.ch('?');
        let wanted: Vec<String> = h
            .app()
            .help_lines()
            .into_iter()
            .filter_map(|l| match l {
                opsdash::app::HelpLine::Item { what, .. } => Some(what.to_owned()),
                _ => None,
            })
            .collect();
        // Every page, one row of scrolling at a time: each entry reads in full on one of them.
        let mut pages = Vec::new();
        loop {
            let before = h.app().help_scroll();
            pages.extend(help_columns(&h.screen(w, ht)));
            h.ch('j');
            if h.app().help_scroll() == before {
                break;
            }
        }
        for what in &wanted {
            assert!(
                pages.iter().any(|p| p.contains(what.as_str())),
                "{w}x{ht}: help cuts {what:?}; pages: {pages:#?}"
            );
        }
        h.key(KeyCode::Esc);
    }
}

/// The reads of one refresh end a few hundred milliseconds apart, each with news, and the clock
/// ticks: once every pane has been read, one frame a second shows what they bring, where each
/// drew its own before. What the operator does is drawn at once.
#[test]
fn reads_and_ticks_close_together_share_one_frame_and_keys_are_drawn_at_once() {
    use std::time::Duration;
    let mut h = Harness::new(Scenario::WarmStandby);
    h.poll();
    assert!(
        h.app().read_once(),
        "every pane read: frames are paced from now on"
    );
    let now = h.app().now();
    let frames = h.run_beside(|tx| async move {
        let tick = |s: f64| Msg::Tick(opsdash::model::Timestamp(now.0 + (s * 1000.0) as i64));
        // Four messages that each change the screen (the clock), 100 ms apart: one frame, a
        // second after the one before.
        for i in 1..=4 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            tx.send(tick(f64::from(i) * 60.0)).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        // A key: drawn at once, even right after a frame.
        tx.send(Msg::Key(KeyEvent::new(
            KeyCode::Char('2'),
            KeyModifiers::NONE,
        )))
        .unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
        tx.send(Msg::Key(KeyEvent::new(
            KeyCode::Char('1'),
            KeyModifiers::NONE,
        )))
        .unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
        tx.send(Msg::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        )))
        .unwrap();
    });
    // The first frame, one for the four ticks, one for each key.
    assert_eq!(frames, 4, "frames rendered");
    assert_eq!(h.app().now().0, now.0 + 240_000, "the last tick is shown");
}

/// Frames are paced only once every pane has been read: the read that completes the first
/// screen is drawn at once, not a frame gap later.
#[test]
fn the_read_that_completes_the_first_screen_is_drawn_at_once() {
    use std::time::Duration;
    let mut h = Harness::new(Scenario::WarmStandby);
    // The region on screen's reads only: the last one sent completes the screen.
    let primary = h.primary();
    let reads: Vec<Msg> = h
        .poll_messages()
        .into_iter()
        .filter(|m| matches!(m, Msg::Data { region, .. } if *region == primary))
        .collect();
    let first = reads.len();
    // Everything read is forgotten, as when the source is replaced: the screen waits again.
    let info = h.app().info().clone();
    h.run_beside(|tx| async move {
        tx.send(Msg::Resize(120, 40)).unwrap();
        tx.send(Msg::Reset(info)).unwrap();
        for m in reads {
            tokio::time::sleep(Duration::from_millis(20)).await;
            tx.send(m).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        tx.send(Msg::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        )))
        .unwrap();
    });
    assert!(first >= 5, "{first} reads");
    assert!(h.app().read_once());
    // Each pane's title says how old its data is once it has some.
    let screen = h.written();
    for (i, p) in ["Targets", "Capacity", "Runs", "Alarms", "Timeline"]
        .iter()
        .enumerate()
    {
        let title = format!("{} {p} us-east-1 <", i + 1);
        assert!(screen.contains(&title), "{title} on screen:\n{screen}");
    }
}

/// Issue 10: the screen is rendered only when what it shows changed. A poll that reads the same
/// estate again renders nothing; a changed target, an error or a tick of the clock does.
#[test]
fn a_read_that_brings_nothing_new_renders_no_frame() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.poll();
    let before = h.renders();
    for _ in 0..3 {
        h.poll();
    }
    assert_eq!(h.renders(), before, "the same reads again: no frame");
    // Time moves: ages and the clock are redrawn.
    h.advance(10.0);
    let ticked = h.renders();
    assert!(ticked > before, "a tick renders");
    // A stopped instance changes the Targets pane: rendered.
    h.inject(&Fault::StopInstance {
        region: h.primary().to_string(),
        instance: None,
    });
    let t = h.advance_until(120.0, 5.0, |h| {
        h.app().current().is_some_and(|d| {
            d.lbs()
                .iter()
                .flat_map(|l| &l.target_groups)
                .any(|g| g.healthy < g.total)
        })
    });
    assert!(t.is_some(), "the target goes unhealthy");
    let after = h.renders();
    assert!(after > ticked);
    assert!(h.screen(120, 40).contains("unhealthy"));
    // An error is news (the pane's title and the header's count), even when the data stays.
    let now = h.app().now();
    let region = h.primary();
    let renders = h.renders();
    h.send(Msg::Data {
        region,
        at: now,
        payload: opsdash::app::Payload::Runs(opsdash::source::Read::err(
            opsdash::source::SourceError::new(
                opsdash::source::ErrorClass::AccessDenied,
                "ssm",
                "ListAssociations",
                "AccessDeniedException",
                "no",
            ),
            1,
        )),
    });
    assert!(h.renders() > renders, "an error renders");
}
