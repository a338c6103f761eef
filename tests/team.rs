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

/// Leases as the team's table keeps them (the table itself is tested against moto): one other
/// console's lease on everything, expired, taken over only when the operator confirmed it.
struct ExpiredElsewhere(std::sync::Mutex<Vec<bool>>);

#[async_trait::async_trait]
impl opsdash::team::Leases for ExpiredElsewhere {
    async fn take(
        &self,
        _key: &str,
        what: &str,
        now: Timestamp,
        takeover: bool,
    ) -> Result<(), opsdash::team::Refusal> {
        self.0.lock().unwrap().push(takeover);
        if takeover {
            return Ok(());
        }
        Err(opsdash::team::Refusal::Expired(opsdash::team::Held {
            holder: opsdash::team::Holder {
                who: "arn:aws:sts::123456789012:assumed-role/OnCall/ana".into(),
                host: "bastion-2".into(),
                pid: 4242,
                console: "bastion-2:4242:1".into(),
            },
            what: format!("before: {what}"),
            since: now.plus_secs(-900.0),
            expires: now.plus_secs(-600.0),
        }))
    }
    async fn release(&self, _key: &str) {}
}

/// Another console's lease expired unrenewed: the operation is refused (audited), then offered
/// again, to run once the operator types that holder's name.
#[test]
fn an_expired_lease_is_taken_over_only_by_typing_its_holders_name() {
    use ratatui::crossterm::event::KeyCode;
    let leases = std::sync::Arc::new(ExpiredElsewhere(std::sync::Mutex::new(Vec::new())));
    let mut h = Harness::with_leases(Scenario::AlbAsg, leases.clone());
    h.advance(30.0);
    h.select(opsdash::app::Pane::Capacity, "web-asg");
    h.ch('s');
    h.type_str("3");
    h.key(KeyCode::Enter);
    h.ch('y');
    h.advance(1.0);
    let opsdash::app::Overlay::Confirm { plan, .. } = h.app().overlay() else {
        panic!("the takeover's confirmation: {:?}", h.app().status());
    };
    assert_eq!(plan.confirm, opsdash::ops::Confirm::TypeName("ana".into()));
    let warning = plan.warning.clone().unwrap();
    assert!(
        warning.contains("the team lease of ana on bastion-2") && warning.contains("type ana"),
        "{warning}"
    );
    assert!(h.writes.lock().unwrap().is_empty(), "nothing ran");
    h.type_str("ana");
    h.key(KeyCode::Enter);
    h.advance(1.0);
    assert_eq!(*leases.0.lock().unwrap(), [false, true]);
    assert_eq!(h.writes.lock().unwrap().len(), 1, "ran once taken over");
    let audit = h.audit();
    assert!(
        audit
            .iter()
            .any(|r| r.parameters.get("took_over_lease_of").map(String::as_str) == Some("ana")),
        "{audit:?}"
    );
}
