//! The keymap, help and the footer agree with the code: help lists exactly the bound actions;
//! remapped keys work and show; random key and resize sequences never panic.

mod common;

use common::Harness;
use opsdash::action::{ACTIONS, Action, Key};
use opsdash::app::Msg;
use opsdash::config::Config;
use opsdash::source::sim::Scenario;
use proptest::prelude::*;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::Path;

#[test]
fn help_lists_exactly_the_bound_actions() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch('?');
    let screen = h.screen(120, 40);
    for (action, keys) in h.app().settings().keymap.bindings() {
        assert!(
            screen.contains(action.help()),
            "help lacks '{}'\n{screen}",
            action.help()
        );
        let first = keys[0].to_string();
        assert!(screen.contains(&first), "help lacks key {first}");
    }
    // Every action is bound by default, so help has one line per action, no more.
    let bound = h.app().settings().keymap.bindings().len();
    assert_eq!(bound, ACTIONS.len());
    let lines = opsdash_help_lines(&h);
    assert_eq!(lines, ACTIONS.len());
}

fn opsdash_help_lines(h: &Harness) -> usize {
    h.app()
        .settings()
        .keymap
        .bindings()
        .iter()
        .filter(|(a, _)| h.app().is_demo() || *a != Action::Faults)
        .count()
}

#[test]
fn remapped_keys_act_and_show_in_help_and_footer() {
    let c = Config::parse(
        Path::new("c.toml"),
        "[keys]\nrefresh = \"f5\"\nquit = [\"Q\", \"ctrl-q\"]\n",
    )
    .unwrap();
    let mut h = Harness::new(Scenario::WarmStandby);
    h.settings_mut().keymap = c.keymap;
    assert_eq!(h.app().settings().keymap.action(&Key::char('r')), None);
    h.ch('r');
    assert!(h.effects.is_empty() || !h.effects.contains(&opsdash::app::Effect::RefreshAll));
    h.key(KeyCode::F(5));
    assert!(h.effects.contains(&opsdash::app::Effect::RefreshAll));
    let footer = h.screen(120, 40).lines().last().unwrap().to_owned();
    assert!(
        footer.contains("F5 refresh") && footer.contains("Q quit"),
        "{footer}"
    );
    h.ch('?');
    let screen = h.screen(120, 40);
    assert!(screen.contains("Q Ctrl-q"), "{screen}");
    h.ch('x');
    h.ch('Q');
    assert!(h.quit_asked());
}

#[test]
fn ctrl_c_quits_from_any_popup() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch(':');
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(h.quit_asked());
}

#[test]
fn unbound_keys_say_so() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.ch('u');
    assert!(
        h.app()
            .status()
            .cloned()
            .unwrap()
            .0
            .contains("'u' is not bound; press ? for help")
    );
}

fn key_strategy() -> impl Strategy<Value = Msg> {
    let codes = prop_oneof![
        any::<char>().prop_map(KeyCode::Char),
        proptest::sample::select(vec![
            'q', '?', '/', ':', '!', 'v', 't', 'p', 'r', 'j', 'k', 'g', 'G', '1', '2', '3', '4',
            '5', '2', 'x', 's'
        ])
        .prop_map(KeyCode::Char),
        proptest::sample::select(vec![
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::Backspace,
            KeyCode::F(5),
        ]),
    ];
    prop_oneof![
        8 => codes.prop_map(|c| Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))),
        1 => (0u16..260, 0u16..90).prop_map(|(w, h)| Msg::Resize(w, h)),
        1 => (1u16..5, 1u16..5).prop_map(|(w, h)| Msg::Resize(w, h)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random keys and resizes, including 1×1 and tiny sizes, never panic, and the screen is always
    /// drawable at the current size.
    #[test]
    fn random_keys_and_resizes_never_panic(msgs in proptest::collection::vec(key_strategy(), 1..60)) {
        let mut h = Harness::new(Scenario::WarmStandby);
        for m in msgs {
            // A quit key ends the console's loop; the state stays drawable after it.
            h.send(m);
            let (w, hh) = h.app().size();
            let _ = h.screen(w.max(1), hh.max(1));
            if h.effects.len() > 100 { h.effects.clear(); }
        }
        for (w, hh) in [(1, 1), (2, 3), (10, 4), (29, 7), (30, 8), (80, 24), (200, 60)] {
            let _ = h.screen(w, hh);
        }
        h.advance(30.0);
        let _ = h.screen(80, 24);
    }
}

/// Every text field is the same field: the cursor moves, Ctrl-W deletes a word, a paste is
/// typed text (the Logs pattern took no paste before it was this field).
#[test]
fn every_prompt_edits_at_the_cursor_and_takes_a_paste() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.advance(30.0);
    // The zonal-shift prompt comes prefilled with the worst zone and 1h: a word deleted and
    // another typed plans what is seen.
    h.select(opsdash::app::Pane::Targets, "bookstore-alb");
    h.ch('z');
    let ctrl = |c| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    h.send(ctrl('w'));
    h.type_str("30m");
    let opsdash::app::Overlay::ZonalShift { input, .. } = h.app().overlay().clone() else {
        panic!("{:?}", h.app().overlay());
    };
    assert!(input.text().ends_with(" 30m"), "{input}");
    // Home and a character: typed at the start, seen with the cursor inside.
    h.key(KeyCode::Home);
    h.ch('x');
    assert!(h.screen(120, 40).contains("1m..72h): x|us-east-1"));
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Enter);
    let opsdash::app::Overlay::Confirm { plan, .. } = h.app().overlay().clone() else {
        panic!("{:?} {:?}", h.app().overlay(), h.app().status());
    };
    assert!(plan.summary.contains("for 30m"), "{}", plan.summary);
    h.key(KeyCode::Esc);
    // The Logs view's filter pattern takes a paste, without its line break.
    h.select(opsdash::app::Pane::Capacity, "appService");
    h.ch('l');
    h.ch('/');
    h.send(Msg::Paste("\"timed out\"\n".into()));
    let v = h.app().logs().expect("the Logs view");
    assert_eq!(
        v.editing.as_ref().map(|t| t.text().to_owned()),
        Some("\"timed out\"".to_owned())
    );
}

/// Each mode has its keymap, remappable in `[keys]`: prompts read the keys bound to submit,
/// cancel, confirm and decline (the old raw keys no longer act), the Logs view its own, and
/// the footer and the prompt's text name the keys bound.
#[test]
fn prompts_and_views_read_their_own_remapped_keys() {
    let c = Config::parse(
        Path::new("c.toml"),
        "[keys]\ncancel = \"ctrl-g\"\nconfirm = \"Y\"\nlogs_wrap = \"W\"\n",
    )
    .unwrap();
    let mut h = Harness::new(Scenario::WarmStandby);
    h.settings_mut().keymap = c.keymap;
    h.advance(30.0);
    h.select(opsdash::app::Pane::Runs, "");
    h.ch('x');
    assert!(
        matches!(h.app().overlay(), opsdash::app::Overlay::Confirm { .. }),
        "{:?}",
        h.app().status()
    );
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("Y runs it / n or Ctrl-g cancels"),
        "{screen}"
    );
    // Esc and y are no longer this prompt's keys: nothing happens.
    h.key(KeyCode::Esc);
    h.ch('y');
    assert!(matches!(
        h.app().overlay(),
        opsdash::app::Overlay::Confirm { .. }
    ));
    assert_eq!(h.write_count(), 0);
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::Char('g'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(*h.app().overlay(), opsdash::app::Overlay::None);
    assert!(h.app().status().unwrap().0.contains("cancelled"));
    h.ch('x');
    h.ch('Y');
    assert_eq!(h.write_count(), 1, "Y runs it");
    // The Logs view: W wraps, w is nothing there.
    h.select(opsdash::app::Pane::Capacity, "appService");
    h.ch('l');
    let wrap = h.app().logs().unwrap().wrap;
    h.ch('w');
    assert_eq!(h.app().logs().unwrap().wrap, wrap);
    h.ch('W');
    assert_eq!(h.app().logs().unwrap().wrap, !wrap);
    let footer = h.screen(120, 40).lines().last().unwrap().to_owned();
    assert!(footer.contains("W wrap"), "{footer}");
}

/// Submit and cancel work inside text fields, so a key that types a character cannot be one.
#[test]
fn a_typing_key_cannot_submit_or_cancel() {
    let e = Config::parse(Path::new("c.toml"), "[keys]\nsubmit = \"x\"\n").unwrap_err();
    assert!(
        e.to_string()
            .contains("'x' types a character, so it cannot be 'submit'"),
        "{e}"
    );
    // A key may mean one thing per mode: `s` scales in the panes and starts the drill in the
    // drill view; two actions of one mode on one key are refused.
    let e = Config::parse(Path::new("c.toml"), "[keys]\nlogs_wrap = \"f\"\n").unwrap_err();
    assert!(
        e.to_string()
            .contains("key 'f' is bound to both 'logs_follow' and 'logs_wrap'"),
        "{e}"
    );
    Config::parse(
        Path::new("c.toml"),
        "[keys]\ndrill_start = \"S\"\nlogs_wrap = \"s\"\n",
    )
    .unwrap();
}

/// The palette runs an operation by its name on the selection, as its key does (and read-only
/// refuses it there too, with the same words).
#[test]
fn the_palette_runs_an_operation_by_its_name() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.advance(30.0);
    h.select(opsdash::app::Pane::Runs, "");
    h.command("run_now");
    assert!(
        matches!(h.app().overlay(), opsdash::app::Overlay::Confirm { .. }),
        "{:?}",
        h.app().status()
    );
    let mut ro = Harness::read_only(Scenario::WarmStandby);
    ro.advance(30.0);
    ro.select(opsdash::app::Pane::Runs, "");
    ro.command("run_now");
    let (msg, _) = ro.app().status().cloned().unwrap();
    assert!(
        msg.contains("read-only (--read-only): run association now is disabled"),
        "{msg}"
    );
    assert_eq!(ro.write_count(), 0);
}
