//! Team mode in the console, on the demo's virtual time: the presence written every 30 s with
//! what the console does, the other consoles on this account in the header, and the team's
//! table said unusable (the reads of the table itself are tested against moto in `moto.rs`).

mod common;

use common::Harness;
use opsdash::app::{Effect, Msg};
use opsdash::model::Timestamp;
use opsdash::source::sim::Scenario;
use opsdash::team::Peer;

fn peer(user: &str, host: &str, account: &str, doing: &str) -> Peer {
    Peer {
        user: user.into(),
        host: host.into(),
        pid: 7,
        account: account.into(),
        doing: doing.into(),
        seen: Timestamp(0),
    }
}

#[test]
fn the_header_names_the_other_consoles_here_and_a_table_that_cannot_be_used() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.settings_mut().team = Some("opsdash-team".into());
    h.advance(10.0);
    let presence: Vec<&Effect> = h
        .effects
        .iter()
        .filter(|e| matches!(e, Effect::Presence { .. }))
        .collect();
    assert_eq!(presence.len(), 1, "written at once");
    let Effect::Presence { account, doing } = presence[0] else {
        unreachable!()
    };
    assert_eq!((account.as_str(), doing.as_str()), ("123456789012", "main"));
    h.advance(10.0);
    assert_eq!(
        h.effects
            .iter()
            .filter(|e| matches!(e, Effect::Presence { .. }))
            .count(),
        1,
        "every 30 s, not every tick"
    );
    h.send(Msg::Peers(Ok(vec![
        peer("ana", "bastion-2", "123456789012", "drill"),
        peer("li", "bastion-1", "123456789012", "main"),
        peer("bo", "bastion-9", "999999999999", "main"),
    ])));
    let header = h.screen(140, 40).lines().next().unwrap().to_owned();
    assert!(
        header.contains("+2: ana@bastion-2 (drill), li@bastion-1"),
        "only this account's: {header}"
    );
    h.send(Msg::Peers(Err(
        "AccessDeniedException: not authorized".into()
    )));
    let header = h.screen(140, 40).lines().next().unwrap().to_owned();
    assert!(header.contains("TEAM TABLE DOWN"), "{header}");
    let (status, _) = h.app().status().unwrap();
    assert!(
        status.contains("opsdash-team cannot be used: AccessDeniedException")
            && status.contains("operations are refused"),
        "{status}"
    );
    h.send(Msg::Peers(Ok(Vec::new())));
    let header = h.screen(140, 40).lines().next().unwrap().to_owned();
    assert!(
        !header.contains("TEAM") && !header.contains("+2"),
        "{header}"
    );
}

/// `A`: the Activity view is team mode's; without it, the key says what to configure.
#[test]
fn activity_needs_team_mode_and_opens_the_trail_as_a_logs_view() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.advance(10.0);
    h.ch('A');
    assert_eq!(h.app().view(), &opsdash::app::View::Main);
    let (status, _) = h.app().status().unwrap();
    assert!(status.contains("add a [team] section"), "{status}");
    h.settings_mut().team_audit_group = Some("/opsdash/audit".into());
    h.ch('A');
    assert_eq!(h.app().view(), &opsdash::app::View::Logs);
    let screen = h.screen(120, 40);
    assert!(screen.contains("team activity /opsdash/audit"), "{screen}");
    // The demo has no team: its answer says so in the view.
    assert!(screen.contains("team mode is for live AWS"), "{screen}");
}

/// The team's audit trail unreachable: said once, in the header while it lasts, and when it is
/// sent again (the records wait in the local log).
#[test]
fn an_audit_trail_that_cannot_be_sent_is_said_and_its_recovery_too() {
    let mut h = Harness::new(Scenario::WarmStandby);
    h.advance(10.0);
    h.send(Msg::Trail(Err(
        "ResourceNotFoundException: log group gone".into()
    )));
    let screen = h.screen(140, 40);
    assert!(
        screen.lines().next().unwrap().contains("AUDIT NOT SENT"),
        "{screen}"
    );
    let (status, _) = h.app().status().unwrap();
    assert!(
        status.contains("stay in the local audit log and are sent when it can be"),
        "{status}"
    );
    h.send(Msg::Trail(Ok(())));
    let screen = h.screen(140, 40);
    assert!(!screen.lines().next().unwrap().contains("AUDIT NOT SENT"));
    assert!(
        h.app()
            .status()
            .unwrap()
            .0
            .contains("sent again, nothing lost")
    );
}
