//! The Logs view (`l`, issue 12) on the simulated estate: which logs a row opens, the first read
//! from 15 minutes back then the tail, the filter pattern, follow and pause, wrap, the bad
//! image's crash and the log-error alarm's `Error` lines, read-only, and bad input.

mod common;

use common::Harness;
use opsdash::app::{Pane, View};
use opsdash::model::logs::LogTarget;
use opsdash::source::sim::{Fault, Scenario};
use ratatui::crossterm::event::KeyCode;

fn messages(h: &Harness) -> Vec<String> {
    h.app()
        .logs()
        .expect("logs open")
        .lines
        .iter()
        .map(|l| l.message.clone())
        .collect()
}

#[test]
fn a_service_opens_its_awslogs_group_from_fifteen_minutes_back_and_tails() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.select(Pane::Capacity, "appService");
    h.ch('l');
    assert_eq!(*h.app().view(), View::Logs);
    let v = h.app().logs().unwrap();
    assert!(matches!(&v.target, LogTarget::Service { name, .. } if name == "appService"));
    let src = v.source.as_ref().expect("the log group was found");
    assert_eq!(src.groups[0].name, "/ecs/appTaskDefinition");
    assert_eq!(src.groups[0].stream_prefix.as_deref(), Some("appService/"));
    // The first read covers the last 15 minutes: access lines of the running tasks, and none
    // older than that.
    let first = v.lines.len();
    assert!(first >= 10, "{first} lines");
    let oldest = v.lines.front().unwrap().at;
    assert!(h.app().now().secs_since(oldest) <= 15.0 * 60.0);
    assert!(
        v.lines
            .iter()
            .all(|l| l.stream.starts_with("appService/app/"))
    );
    let screen = h.screen(120, 40);
    assert!(screen.contains("Logs service appService"), "{screen}");
    assert!(screen.contains("/ecs/appTaskDefinition"), "{screen}");
    assert!(
        screen.contains("info GET /api/"),
        "JSON read as text: {screen}"
    );
    assert!(screen.contains("following"), "{screen}");
    // The tail: a minute later the new lines are there, each once.
    h.advance(60.0);
    let v = h.app().logs().unwrap();
    assert!(v.lines.len() > first, "tailing");
    let mut ids: Vec<&str> = v.lines.iter().map(|l| l.id.as_str()).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "no line twice");
    // Esc goes back to where `l` was pressed.
    h.key(KeyCode::Esc);
    assert_eq!(*h.app().view(), View::Main);
    assert!(h.app().logs().is_none());
}

#[test]
fn the_bad_image_logs_its_crash() {
    let mut h = Harness::new(Scenario::WarmStandby);
    let region = h.primary();
    h.inject(&Fault::BadImage {
        region: region.to_string(),
    });
    h.select(Pane::Capacity, "appService");
    h.ch('l');
    h.advance_until(300.0, 10.0, |h| {
        messages(h).iter().any(|m| m.contains("panic: exiting"))
    })
    .expect("the crash is logged");
    let all = messages(&h);
    assert!(all.iter().any(|m| m.contains("cannot reach database")));
    // The roll-back banner's `b` works from the Logs view: its plan opens over it.
    h.advance_until(600.0, 10.0, |h| h.app().rollback_offer().is_some())
        .expect("the 5XX alarm offers the roll back");
    h.ch('b');
    assert!(
        matches!(h.app().overlay(), opsdash::app::Overlay::Confirm { .. }),
        "{:?}",
        h.app().overlay()
    );
    h.key(KeyCode::Esc);
    assert_eq!(
        *h.app().view(),
        View::Logs,
        "cancelling keeps the logs open"
    );
    // The filter pattern goes to the source: only the matching lines, highlighted.
    h.ch('/');
    h.type_str("Error");
    h.key(KeyCode::Enter);
    let v = h.app().logs().unwrap();
    assert_eq!(v.pattern, "Error");
    assert!(!v.lines.is_empty());
    assert!(
        v.lines.iter().all(|l| l.message.contains("Error")),
        "{:?}",
        messages(&h)
    );
    let screen = h.screen(120, 40);
    assert!(screen.contains("filter Error"), "{screen}");
    assert!(screen.contains("cannot reach database"), "{screen}");
}

#[test]
fn the_log_error_alarm_opens_its_metric_filters_group_and_pattern() {
    let mut h = Harness::new(Scenario::AlbAsg);
    // A dark Availability Zone: 5XX, and the application's errors with them.
    let region = h.primary();
    h.inject(&Fault::AzDark {
        region: region.to_string(),
    });
    h.select(Pane::Alarms, "web-log-errors");
    h.ch('l');
    let v = h.app().logs().unwrap();
    let src = v.source.as_ref().expect("found");
    assert_eq!(v.pattern, "ERROR", "the metric filter's pattern");
    assert_eq!(src.groups[0].name, "/ec2/web-asg/app");
    h.advance_until(600.0, 10.0, |h| !messages(h).is_empty())
        .expect("Error lines");
    assert!(messages(&h).iter().all(|m| m.contains("ERROR")));
}

#[test]
fn an_auto_scaling_group_opens_its_instances_log_and_follow_pause_and_wrap() {
    let mut h = Harness::new(Scenario::AlbAsg);
    h.select(Pane::Capacity, "web");
    h.ch('l');
    assert!(matches!(h.app().logs().unwrap().target, LogTarget::Asg(_)));
    h.advance(120.0);
    assert!(!messages(&h).is_empty());
    // Paused: new lines are counted, the view stays where it is.
    h.ch('f');
    let v = h.app().logs().unwrap();
    assert!(!v.follow);
    h.advance(120.0);
    let unseen = h.app().logs().unwrap().unseen;
    assert!(unseen > 0);
    let screen = h.screen(120, 40);
    assert!(
        screen.contains(&format!("paused, {unseen} new")),
        "{screen}"
    );
    h.key(KeyCode::Up);
    assert_eq!(h.app().logs().unwrap().scroll, 1);
    // G: newest, following again.
    h.ch('G');
    let v = h.app().logs().unwrap();
    assert!(v.follow && v.scroll == 0 && v.unseen == 0);
    h.ch('w');
    assert!(h.app().logs().unwrap().wrap);
    assert!(h.screen(80, 24).contains("wrap"));
}

#[test]
fn read_only_opens_logs_and_rows_without_logs_say_why() {
    let mut h = Harness::read_only(Scenario::WarmStandby);
    h.select(Pane::Capacity, "appService");
    h.ch('l');
    assert_eq!(*h.app().view(), View::Logs, "reading logs mutates nothing");
    h.key(KeyCode::Esc);
    h.select(Pane::Runs, "association");
    h.ch('l');
    assert_eq!(*h.app().view(), View::Main);
    let (msg, _) = h.app().status().cloned().expect("a message");
    assert!(
        msg.contains("ECS service, an Auto Scaling group or an alarm"),
        "{msg}"
    );
    // An alarm whose metric no log metric filter makes.
    h.select(Pane::Alarms, "5xx");
    h.ch('l');
    let v = h.app().logs().expect("opens, and says why it has nothing");
    let e = v.error.as_ref().expect("an error");
    assert!(e.message.contains("no log metric filter"), "{e:?}");
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("DescribeMetricFilters NotFound"),
        "{screen}"
    );
    assert!(screen.contains("no log group found"), "{screen}");
}

#[test]
fn a_json_pattern_the_demo_cannot_evaluate_is_a_clear_error_and_keeps_the_view() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.select(Pane::Capacity, "appService");
    h.ch('l');
    h.ch('/');
    h.type_str("{ $.level = \"error\" }");
    h.key(KeyCode::Enter);
    let v = h.app().logs().unwrap();
    let e = v.error.as_ref().expect("refused");
    assert!(e.message.contains("plain terms"), "{e:?}");
    // Esc while typing keeps the pattern in force.
    h.ch('/');
    h.type_str("zzz");
    h.key(KeyCode::Esc);
    assert_eq!(h.app().logs().unwrap().pattern, "{ $.level = \"error\" }");
    assert_eq!(*h.app().view(), View::Logs);
}

/// Reads the Logs view has asked for with a delay, since `from` in `h.effects`.
fn tail_reads(h: &Harness, from: usize) -> usize {
    h.effects[from..]
        .iter()
        .filter(|e| matches!(e, opsdash::app::Effect::ReadLogs { delay, .. } if !delay.is_zero()))
        .count()
}

#[test]
fn a_refresh_a_resume_or_a_new_pattern_leaves_one_tail() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.select(Pane::Capacity, "appService");
    h.ch('l');
    // `r` reads at once while the next tail read is already waiting; `p` twice pauses and
    // resumes; a new pattern starts over. Each asks for a read of its own.
    h.ch('r');
    h.ch('p');
    h.ch('p');
    h.ch('/');
    h.type_str("GET");
    h.key(KeyCode::Enter);
    // However many reads were asked for, only the newest one's answer asks for the next: one tail.
    for _ in 0..5 {
        let from = h.effects.len();
        h.poll();
        assert_eq!(tail_reads(&h, from), 1, "one tail read per poll");
    }
    assert!(messages(&h).iter().all(|m| m.contains("GET")));
}

/// The delay of the newest read the Logs view asked for since `from`.
fn next_read_delay(h: &Harness, from: usize) -> Option<std::time::Duration> {
    h.effects[from..].iter().rev().find_map(|e| match e {
        opsdash::app::Effect::ReadLogs { delay, .. } => Some(*delay),
        _ => None,
    })
}

#[test]
fn the_header_says_how_the_lines_arrive_and_a_live_tail_is_read_every_second() {
    use opsdash::app::Msg;
    use opsdash::app::logs::{LIVE_EVERY, TAIL_EVERY};
    use opsdash::model::logs::{Delivery, LogPage};
    use opsdash::source::Read;
    let mut h = Harness::new(Scenario::WarmStandby);
    h.select(Pane::Capacity, "appService");
    h.ch('l');
    // The simulated estate polls.
    let screen = h.screen(120, 40);
    assert!(screen.contains("following  every 2 s"), "{screen}");
    // A live source's answers: the delivery shows, and sets the pace of the next read.
    let answer = |h: &mut Harness, delivery: Delivery| {
        let number = h.app().logs().unwrap().reading;
        let from = h.effects.len();
        h.send(Msg::Logs {
            number,
            read: Read::ok(
                LogPage {
                    delivery,
                    ..LogPage::default()
                },
                0,
            ),
        });
        next_read_delay(h, from)
    };
    assert_eq!(answer(&mut h, Delivery::Opening), Some(TAIL_EVERY));
    assert!(h.screen(120, 40).contains("opening live tail…"));
    assert_eq!(
        answer(&mut h, Delivery::Live { sampled: false }),
        Some(LIVE_EVERY)
    );
    let screen = h.screen(120, 40);
    assert!(screen.contains("following  live tail  filter"), "{screen}");
    answer(&mut h, Delivery::Live { sampled: true });
    assert!(h.screen(120, 40).contains("live tail, sampled"));
    let why = "live tail failed: AccessDeniedException logs:StartLiveTail: not allowed after 0 s";
    assert_eq!(
        answer(&mut h, Delivery::Fallback(why.into())),
        Some(TAIL_EVERY)
    );
    let screen = h.screen(120, 40);
    assert!(screen.contains("every 2 s, no live tail"), "{screen}");
    assert!(screen.contains(why), "the reason, in full: {screen}");
}
