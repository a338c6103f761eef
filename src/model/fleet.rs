//! The fleet view: one row per account and region, what is wrong there in a few counts, read
//! on its own schedule so that one failing account never slows or hides the others.

use super::{Alarm, AlarmState, Capacity, LoadBalancer, Region, RolloutState, Timestamp};

/// What one account's region holds, in counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FleetSummary {
    /// Registered targets (not `unused`), and those of them not healthy and not draining.
    pub targets: usize,
    pub unhealthy: usize,
    pub alarms_firing: usize,
    /// ECS deployments rolling out.
    pub rollouts: usize,
    /// Zonal shifts and autoshifts in effect.
    pub shifts: usize,
}

/// One row of the fleet view.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetRow {
    /// The account's name in the config.
    pub account: String,
    /// The profile that signs in to it (Enter switches to it).
    pub profile: Option<String>,
    pub region: Region,
    /// What was read last (kept when a later read fails, with its time).
    pub summary: Option<FleetSummary>,
    pub read_at: Option<Timestamp>,
    /// Why the last read failed, in one line (expired credentials, denied, …).
    pub error: Option<String>,
}

/// Counts what a region's reads hold; a read that failed counts as nothing.
pub fn summarize(
    lbs: Option<&[LoadBalancer]>,
    alarms: Option<&[Alarm]>,
    capacity: Option<&Capacity>,
) -> FleetSummary {
    let mut s = FleetSummary::default();
    // The groups' own counts, as the Targets pane shows them: in service, healthy, draining.
    for g in lbs
        .unwrap_or_default()
        .iter()
        .flat_map(|l| &l.target_groups)
    {
        s.targets += g.total + g.draining;
        s.unhealthy += g.total - g.healthy;
    }
    s.shifts = lbs
        .unwrap_or_default()
        .iter()
        .flat_map(|l| &l.zonal_shifts)
        .filter(|z| z.applied())
        .count();
    s.alarms_firing = alarms
        .unwrap_or_default()
        .iter()
        .filter(|a| a.state == AlarmState::Alarm)
        .count();
    s.rollouts = capacity
        .map(|c| c.ecs_services.as_slice())
        .unwrap_or_default()
        .iter()
        .flat_map(|svc| &svc.deployments)
        .filter(|d| d.rollout_state == RolloutState::InProgress)
        .count();
    s
}
