//! ARC zonal shift: the preflight that says whether a shift will help, and the plans that start,
//! extend and cancel one. A shift takes the AZ ID (`use1-az4`): zone names map to different IDs
//! in every account, so the preflight shows both.

use super::{Confirm, OpKind, Plan, Scope, Step};
use crate::model::zonal::{LbZone, Managed, ShiftKind, ZonalShift, zone_label};
use crate::model::{LoadBalancer, TargetState, Timestamp};
use crate::source::LbAttributes;

/// The longest a zonal shift may last, as ARC allows: three days.
pub const MAX_EXPIRY_SECS: u64 = 72 * 3600;
/// The expiry a new shift is offered with.
pub const DEFAULT_EXPIRY: &str = "1h";
/// A shift closer than this to its expiry is highlighted.
pub const EXPIRY_WARN_SECS: i64 = 600;

/// `30m` / `2h` in seconds, within what ARC accepts (1 minute to 72 hours).
pub fn expires_in_secs(s: &str) -> Option<u64> {
    let (n, unit) = s.split_at(s.len().checked_sub(1)?);
    if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: u64 = n.parse().ok()?;
    let secs = match unit {
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        _ => return None,
    };
    (60..=MAX_EXPIRY_SECS).contains(&secs).then_some(secs)
}

/// One zone of the load balancer, as the preflight shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneRow {
    pub zone: LbZone,
    /// Per target group: (name, healthy, in service) in this zone.
    pub groups: Vec<(String, usize, usize)>,
    pub healthy: usize,
    /// Targets in service (not draining, not unused).
    pub total: usize,
    /// Targets draining: in a zone gone dark, its replacements failing in turn.
    pub draining: usize,
}

/// How a check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    /// Worth knowing; the shift can go ahead.
    Note,
    /// The shift can go ahead only with the load balancer's name typed.
    Typed,
    /// AWS would refuse the shift, or it cannot help: no plan until it is fixed.
    Blocks,
}

/// A check of the preflight, with the fix when it fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub level: Level,
    pub text: String,
    pub fix: Option<String>,
}

/// Everything the zonal-shift prompt shows before anything is shifted.
#[derive(Debug, Clone, PartialEq)]
pub struct Preflight {
    pub lb_name: String,
    pub lb_arn: String,
    pub lb_type: String,
    pub zones: Vec<ZoneRow>,
    pub checks: Vec<Check>,
    /// The zone offered: the one with the fewest healthy targets (by share, then count).
    pub default_zone: Option<LbZone>,
    /// Shifts and autoshifts active on it now.
    pub active: Vec<ZonalShift>,
}

impl Preflight {
    /// Builds the preflight from what the console read of the load balancer and, when the
    /// attribute reads succeeded, its attributes.
    pub fn new(lb: &LoadBalancer, attrs: Option<&LbAttributes>) -> Self {
        let zones = zone_rows(lb);
        let default_zone = fewest_healthy(&zones);
        let mut checks = vec![managed_check(lb)];
        attribute_checks(lb, attrs, &mut checks);
        fail_open_checks(lb, &mut checks);
        active_checks(lb, &mut checks);
        Self {
            lb_name: lb.name.clone(),
            lb_arn: lb.arn.clone(),
            lb_type: lb.lb_type.clone(),
            zones,
            checks,
            default_zone,
            active: lb.zonal_shifts.clone(),
        }
    }

    /// What the other zones carry when `leaving` is shifted away from: per target group, the
    /// healthy targets left against the targets in service today.
    pub fn remaining(&self, leaving: &str) -> Remaining {
        let others: Vec<&ZoneRow> = self
            .zones
            .iter()
            .filter(|z| z.zone.name != leaving)
            .collect();
        let mut short = Vec::new();
        // Per group: healthy left, healthy now (what carries the load today).
        let mut groups: Vec<(String, usize, usize)> = Vec::new();
        for z in &self.zones {
            for (name, healthy, _) in &z.groups {
                let left = if z.zone.name == leaving { 0 } else { *healthy };
                match groups.iter_mut().find(|(n, _, _)| n == name) {
                    Some(e) => {
                        e.1 += left;
                        e.2 += healthy;
                    }
                    None => groups.push((name.clone(), left, *healthy)),
                }
            }
        }
        // A shift that takes away more than half of what serves a group now: the rest may not
        // carry it. (A zone with no healthy target takes nothing away.)
        for (name, left, now) in &groups {
            if *now > 0 && *left * 2 < *now {
                short.push(format!(
                    "{name}: {left} healthy left of the {now} serving now"
                ));
            }
        }
        Remaining {
            zones: others.len(),
            healthy: others.iter().map(|z| z.healthy).sum(),
            load: self.zones.iter().map(|z| z.total).sum(),
            short,
        }
    }

    /// The zone an operator named, by name or AZ ID.
    pub fn zone(&self, name: &str) -> Option<&LbZone> {
        self.zones
            .iter()
            .map(|z| &z.zone)
            .find(|z| z.name == name || (!z.id.is_empty() && z.id == name))
    }

    /// Whether the checks let a shift be planned at all.
    pub fn blocker(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.level == Level::Blocks)
    }
}

/// The load balancer's zones (and any zone its targets are in) with their targets by group.
fn zone_rows(lb: &LoadBalancer) -> Vec<ZoneRow> {
    let mut zones: Vec<ZoneRow> = lb
        .zones
        .iter()
        .map(|z| ZoneRow {
            zone: z.clone(),
            groups: Vec::new(),
            healthy: 0,
            total: 0,
            draining: 0,
        })
        .collect();
    for g in &lb.target_groups {
        for t in g
            .targets
            .iter()
            .filter(|t| t.state != TargetState::Unused && !t.az.is_empty())
        {
            let i = zones
                .iter()
                .position(|z| z.zone.name == t.az)
                .unwrap_or_else(|| {
                    zones.push(ZoneRow {
                        zone: LbZone {
                            name: t.az.clone(),
                            id: String::new(),
                        },
                        groups: Vec::new(),
                        healthy: 0,
                        total: 0,
                        draining: 0,
                    });
                    zones.len() - 1
                });
            let z = &mut zones[i];
            if t.state == TargetState::Draining {
                z.draining += 1;
                continue;
            }
            let healthy = usize::from(t.state == TargetState::Healthy);
            z.total += 1;
            z.healthy += healthy;
            match z.groups.iter_mut().find(|(n, _, _)| n == &g.name) {
                Some(e) => {
                    e.1 += healthy;
                    e.2 += 1;
                }
                None => z.groups.push((g.name.clone(), healthy, 1)),
            }
        }
    }
    zones
}

/// The zone offered: the smallest healthy share of what is registered there (draining
/// included), then the fewest healthy.
fn fewest_healthy(zones: &[ZoneRow]) -> Option<LbZone> {
    zones
        .iter()
        .filter(|z| z.total + z.draining > 0)
        .min_by(|a, b| {
            let (na, nb) = (a.total + a.draining, b.total + b.draining);
            (a.healthy * nb)
                .cmp(&(b.healthy * na))
                .then(a.healthy.cmp(&b.healthy))
        })
        .map(|z| z.zone.clone())
}

/// Whether ARC lists the load balancer as a zonal-shift managed resource.
fn managed_check(lb: &LoadBalancer) -> Check {
    match lb.zonal {
        Managed::Yes { autoshift } => Check {
            level: Level::Ok,
            text: format!(
                "ARC zonal shift manages it; zonal autoshift {}",
                if autoshift { "on" } else { "off" }
            ),
            fix: None,
        },
        Managed::No => Check {
            level: Level::Blocks,
            text: "ARC does not list it as a zonal-shift managed resource".into(),
            fix: Some(format!(
                "enable zonal shift on it, and ELB registers it: aws elbv2 modify-load-balancer-attributes --load-balancer-arn {} --attributes Key=zonal_shift.config.enabled,Value=true",
                lb.arn
            )),
        },
        Managed::Unknown => Check {
            level: Level::Note,
            text: format!(
                "whether ARC manages it is not known: {}",
                lb.zonal_error.as_ref().map_or_else(
                    || "ListManagedResources not read yet".to_owned(),
                    |e| {
                        let hint = e
                            .hint
                            .as_deref()
                            .map(|h| format!(" ({h})"))
                            .unwrap_or_default();
                        format!("{} {}:{}{hint}", e.code, e.service, e.operation)
                    }
                )
            ),
            fix: Some("StartZonalShift says if it does not".into()),
        },
    }
}

/// Its `zonal_shift.config.enabled` attribute and, for an NLB with cross-zone on, the conditions
/// AWS sets its target groups.
fn attribute_checks(lb: &LoadBalancer, attrs: Option<&LbAttributes>, checks: &mut Vec<Check>) {
    match attrs {
        Some(a) if !a.zonal_shift_enabled => checks.push(Check {
            level: Level::Blocks,
            text: "zonal shift is off for it (attribute zonal_shift.config.enabled = false)"
                .into(),
            fix: Some(format!(
                "aws elbv2 modify-load-balancer-attributes --load-balancer-arn {} --attributes Key=zonal_shift.config.enabled,Value=true",
                lb.arn
            )),
        }),
        Some(_) => checks.push(Check {
            level: Level::Ok,
            text: "zonal_shift.config.enabled is on".into(),
            fix: None,
        }),
        None => checks.push(Check {
            level: Level::Note,
            text: "its attributes could not be read: zonal_shift.config.enabled not checked"
                .into(),
            fix: None,
        }),
    }
    if let Some(a) = attrs
        && lb.lb_type == "network"
        && a.cross_zone
    {
        for g in &a.target_groups {
            let mut wrong = Vec::new();
            if !matches!(g.protocol.as_str(), "TCP" | "TLS") {
                wrong.push(format!("protocol {} (TCP or TLS needed)", g.protocol));
            }
            if g.target_type == "alb" {
                wrong.push("an ALB as target".into());
            }
            if g.terminates_unhealthy {
                wrong.push("connection termination for unhealthy targets on".into());
            }
            if g.cross_zone == "false" {
                wrong.push("cross-zone off on the group".into());
            }
            if !wrong.is_empty() {
                checks.push(Check {
                    level: Level::Blocks,
                    text: format!(
                        "cross-zone NLB: {} does not meet zonal shift's conditions: {}",
                        g.name,
                        wrong.join(", ")
                    ),
                    fix: Some(
                        "aws elbv2 modify-target-group-attributes (see the target group's attributes)".into(),
                    ),
                });
            }
        }
    }
}

/// Fail-open: a group with no healthy target routes to all of them; a group with none in service
/// has nothing a shift could move.
fn fail_open_checks(lb: &LoadBalancer, checks: &mut Vec<Check>) {
    let mut open = Vec::new();
    let mut leaving = Vec::new();
    for g in &lb.target_groups {
        let in_service = g
            .targets
            .iter()
            .filter(|t| !matches!(t.state, TargetState::Draining | TargetState::Unused))
            .count();
        if in_service > 0 && g.healthy == 0 {
            open.push(format!("{} 0/{in_service}", g.name));
        } else if in_service == 0 && g.draining > 0 {
            leaving.push(format!("{} ({} draining)", g.name, g.draining));
        }
    }
    if !open.is_empty() {
        checks.push(Check {
            level: Level::Typed,
            text: format!(
                "fail-open: {} healthy: the load balancer routes to all their targets, so a shift changes nothing for them",
                open.join(", ")
            ),
            fix: Some("get some targets healthy first (scale, roll back), or type the name".into()),
        });
    }
    if !leaving.is_empty() {
        checks.push(Check {
            level: Level::Typed,
            text: format!(
                "no target in service: {}: a shift changes nothing for them",
                leaving.join(", ")
            ),
            fix: Some(
                "targets are leaving in every zone: a regional failover (F), not a zonal shift"
                    .into(),
            ),
        });
    }
}

/// Shifts and autoshifts active on it now: a zonal shift blocks another.
fn active_checks(lb: &LoadBalancer, checks: &mut Vec<Check>) {
    for s in &lb.zonal_shifts {
        let who = if s.comment.is_empty() {
            String::new()
        } else {
            format!(": \"{}\"", s.comment)
        };
        let level = if s.kind == ShiftKind::ZonalShift {
            Level::Blocks
        } else {
            Level::Note
        };
        checks.push(Check {
            level,
            text: format!(
                "{} away from {} active since {}{who}",
                s.kind.label(),
                zone_label(&lb.zones, &s.away_from),
                s.started.hm()
            ),
            fix: (s.kind == ShiftKind::ZonalShift)
                .then(|| "one shift at a time: z cancels it, Z extends it".to_owned()),
        });
    }
}

/// The other zones' share after a shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remaining {
    pub zones: usize,
    pub healthy: usize,
    /// Targets in service today, in every zone.
    pub load: usize,
    /// Target groups that would keep fewer than half the healthy targets serving them now.
    pub short: Vec<String>,
}

impl Remaining {
    /// `2 zones left, 6 healthy targets for a load that used 9`.
    pub fn text(&self) -> String {
        format!(
            "{} zone{} left, {} healthy target{} for a load that used {}",
            self.zones,
            if self.zones == 1 { "" } else { "s" },
            self.healthy,
            if self.healthy == 1 { "" } else { "s" },
            self.load
        )
    }
}

/// The comment every shift carries: who started it, from which console.
pub fn comment(user: &str, console: &str, why: &str) -> String {
    let c = format!("opsdash {console} {user}: {why}");
    // ARC takes at most 128 characters.
    c.chars().take(128).collect()
}

/// Plans a new zonal shift from the prompt's input: `ZONE [EXPIRY]`, the zone by name or AZ ID.
pub fn plan_start(
    scope: &Scope,
    pre: &Preflight,
    input: &str,
    comment_text: &str,
) -> Result<Plan, String> {
    if let Some(b) = pre.blocker() {
        return Err(match &b.fix {
            Some(f) => format!("{}: {f}", b.text),
            None => b.text.clone(),
        });
    }
    let mut words = input.split_whitespace();
    let zone_word = words
        .next()
        .ok_or("type the zone to shift away from (name or AZ ID), then an expiry such as 1h")?;
    let expiry = words.next().unwrap_or(DEFAULT_EXPIRY);
    if let Some(extra) = words.next() {
        return Err(format!(
            "'{extra}' is one word too many: type ZONE [EXPIRY], e.g. us-east-1a 1h"
        ));
    }
    let zone = pre.zone(zone_word).ok_or_else(|| {
        format!(
            "{zone_word} is not a zone of {}: one of {}",
            pre.lb_name,
            pre.zones
                .iter()
                .map(|z| if z.zone.id.is_empty() {
                    z.zone.name.clone()
                } else {
                    format!("{} ({})", z.zone.name, z.zone.id)
                })
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    if zone.id.is_empty() {
        return Err(format!(
            "the AZ ID of {} is not known here (no Auto Scaling instance in it): type the AZ ID, e.g. {}",
            zone.name,
            pre.zones
                .iter()
                .find(|z| !z.zone.id.is_empty())
                .map_or("use1-az4", |z| z.zone.id.as_str())
        ));
    }
    if expires_in_secs(expiry).is_none() {
        return Err(format!(
            "expiry '{expiry}' is not from 1m to 72h (minutes or hours: 30m, 1h, 72h)"
        ));
    }
    let rest = pre.remaining(&zone.name);
    let fail_open: Vec<&Check> = pre
        .checks
        .iter()
        .filter(|c| c.level == Level::Typed)
        .collect();
    let mut warning = Vec::new();
    if !fail_open.is_empty() {
        warning.extend(fail_open.iter().map(|c| c.text.clone()));
    }
    if rest.healthy == 0 {
        warning.push(format!(
            "the zones left have no healthy target: {} would route to none",
            pre.lb_name
        ));
    }
    if !rest.short.is_empty() {
        warning.push(format!(
            "the zones left may not carry the load: {}",
            rest.short.join("; ")
        ));
    }
    // What the others would carry was in the preflight; the confirmation repeats it only as a
    // reason for the typed name.
    let typed = !warning.is_empty();
    if typed {
        warning.insert(0, rest.text());
    }
    Ok(Plan {
        kind: OpKind::ZonalShift,
        account: scope.account.clone(),
        region: scope.region.clone(),
        target: super::Target::LoadBalancer(pre.lb_name.clone()),
        summary: format!(
            "shift {} away from {} ({}) for {expiry}",
            pre.lb_name, zone.id, zone.name
        ),
        params: vec![
            ("resource".into(), pre.lb_arn.clone()),
            ("away_from".into(), zone.id.clone()),
            ("zone".into(), zone.name.clone()),
            ("expires_in".into(), expiry.to_owned()),
        ],
        steps: vec![Step::StartZonalShift {
            resource: pre.lb_arn.clone(),
            away_from: zone.id.clone(),
            expires_in: expiry.to_owned(),
            comment: comment_text.to_owned(),
        }],
        confirm: if typed {
            Confirm::TypeName(pre.lb_name.clone())
        } else {
            Confirm::Yes
        },
        warning: typed.then(|| warning.join("; ")),
        leaves: None,
    })
}

/// The customer-started shift of a load balancer, which `Z` extends and `z` cancels.
pub fn own_shift(lb: &LoadBalancer) -> Option<&ZonalShift> {
    lb.zonal_shifts
        .iter()
        .find(|s| s.kind == ShiftKind::ZonalShift && !s.id.is_empty())
}

/// Plans extending a shift: a new expiry, counted from now.
pub fn plan_extend(
    scope: &Scope,
    lb: &LoadBalancer,
    shift: &ZonalShift,
    input: &str,
    comment_text: &str,
    now: Timestamp,
) -> Result<Plan, String> {
    let expiry = input.trim();
    let expiry = if expiry.is_empty() {
        DEFAULT_EXPIRY
    } else {
        expiry
    };
    if expires_in_secs(expiry).is_none() {
        return Err(format!(
            "expiry '{expiry}' is not from 1m to 72h (minutes or hours: 30m, 1h, 72h)"
        ));
    }
    let zone = zone_label(&lb.zones, &shift.away_from);
    let left = shift.left_secs(now).map_or_else(String::new, |s| {
        format!(" (now {} left)", crate::model::zonal::left_text(s))
    });
    Ok(Plan {
        kind: OpKind::ZonalShift,
        account: scope.account.clone(),
        region: scope.region.clone(),
        target: super::Target::LoadBalancer(lb.name.clone()),
        summary: format!(
            "extend the shift of {} away from {zone} to {expiry} from now{left}",
            lb.name
        ),
        params: vec![
            ("zonal_shift_id".into(), shift.id.clone()),
            ("away_from".into(), shift.away_from.clone()),
            ("expires_in".into(), expiry.to_owned()),
        ],
        steps: vec![Step::UpdateZonalShift {
            id: shift.id.clone(),
            expires_in: expiry.to_owned(),
            comment: comment_text.to_owned(),
        }],
        confirm: Confirm::Yes,
        warning: None,
        leaves: None,
    })
}

/// Plans cancelling a shift: traffic returns to the zone at once.
pub fn plan_cancel(scope: &Scope, lb: &LoadBalancer, shift: &ZonalShift) -> Plan {
    let zone = zone_label(&lb.zones, &shift.away_from);
    let returning: usize = lb
        .target_groups
        .iter()
        .flat_map(|g| &g.targets)
        .filter(|t| {
            lb.zones
                .iter()
                .any(|z| z.id == shift.away_from && z.name == t.az)
        })
        .count();
    let healthy: usize = lb
        .target_groups
        .iter()
        .flat_map(|g| &g.targets)
        .filter(|t| {
            t.state == TargetState::Healthy
                && lb
                    .zones
                    .iter()
                    .any(|z| z.id == shift.away_from && z.name == t.az)
        })
        .count();
    Plan {
        kind: OpKind::ZonalShift,
        account: scope.account.clone(),
        region: scope.region.clone(),
        target: super::Target::LoadBalancer(lb.name.clone()),
        summary: format!("cancel the shift of {} away from {zone}", lb.name),
        params: vec![
            ("zonal_shift_id".into(), shift.id.clone()),
            ("away_from".into(), shift.away_from.clone()),
        ],
        steps: vec![Step::CancelZonalShift {
            id: shift.id.clone(),
        }],
        confirm: if healthy < returning {
            Confirm::TypeName(lb.name.clone())
        } else {
            Confirm::Yes
        },
        warning: (healthy < returning).then(|| {
            format!(
                "traffic returns to {zone} at once: {healthy}/{returning} of its targets are healthy"
            )
        }),
        leaves: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Target, TargetGroup};

    fn target(id: &str, az: &str, state: TargetState) -> Target {
        Target {
            id: id.into(),
            port: 80,
            az: az.into(),
            state,
            reason: None,
            description: None,
            admin_override: None,
        }
    }

    fn group(name: &str, targets: Vec<Target>) -> TargetGroup {
        let mut g = TargetGroup {
            name: name.into(),
            arn: format!("arn:tg/{name}"),
            protocol: "HTTP".into(),
            port: 80,
            healthy: 0,
            total: 0,
            draining: 0,
            targets,
            health_at: None,
            target_type: "ip".into(),
            health_check: crate::model::HealthCheck::default(),
            healthy_series: Vec::new(),
            unhealthy_series: Vec::new(),
        };
        g.recount();
        g
    }

    fn lb(groups: Vec<TargetGroup>) -> LoadBalancer {
        LoadBalancer {
            name: "web-alb".into(),
            arn: "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/web-alb/1".into(),
            lb_type: "application".into(),
            scheme: "internet-facing".into(),
            state: "active".into(),
            dns_name: String::new(),
            target_groups: groups,
            zones: vec![
                LbZone {
                    name: "us-east-1a".into(),
                    id: "use1-az4".into(),
                },
                LbZone {
                    name: "us-east-1b".into(),
                    id: "use1-az6".into(),
                },
                LbZone {
                    name: "us-east-1c".into(),
                    id: "use1-az1".into(),
                },
            ],
            zonal_shifts: Vec::new(),
            zonal: Managed::Yes { autoshift: false },
            zonal_error: None,
        }
    }

    fn attrs(on: bool) -> LbAttributes {
        LbAttributes {
            zonal_shift_enabled: on,
            cross_zone: true,
            target_groups: Vec::new(),
        }
    }

    fn scope() -> Scope {
        Scope {
            account: "1".into(),
            region: "us-east-1".parse().unwrap(),
        }
    }

    fn three_zones_one_dark() -> LoadBalancer {
        use TargetState::{Healthy, Unhealthy};
        lb(vec![group(
            "web",
            vec![
                target("a1", "us-east-1a", Unhealthy),
                target("a2", "us-east-1a", Unhealthy),
                target("a3", "us-east-1a", Unhealthy),
                target("b1", "us-east-1b", Healthy),
                target("b2", "us-east-1b", Healthy),
                target("b3", "us-east-1b", Healthy),
                target("c1", "us-east-1c", Healthy),
                target("c2", "us-east-1c", Healthy),
                target("c3", "us-east-1c", Healthy),
            ],
        )])
    }

    #[test]
    fn the_preflight_offers_the_worst_zone_and_says_what_the_others_carry() {
        let pre = Preflight::new(&three_zones_one_dark(), Some(&attrs(true)));
        assert_eq!(pre.default_zone.as_ref().unwrap().id, "use1-az4");
        assert_eq!(
            pre.remaining("us-east-1a").text(),
            "2 zones left, 6 healthy targets for a load that used 9"
        );
        assert!(pre.blocker().is_none());
        let p = plan_start(&scope(), &pre, "us-east-1a", "opsdash h:1:1 ana: az dark").unwrap();
        assert_eq!(
            p.calls(),
            vec![
                "arc-zonal-shift:StartZonalShift resourceIdentifier=arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/web-alb/1 awayFrom=use1-az4 expiresIn=1h comment=\"opsdash h:1:1 ana: az dark\""
            ]
        );
        assert_eq!(p.confirm, Confirm::Yes);
        // By AZ ID, with an expiry.
        let p = plan_start(&scope(), &pre, "use1-az4 30m", "c").unwrap();
        assert!(p.summary.contains("for 30m"), "{}", p.summary);
    }

    #[test]
    fn bad_input_is_refused_with_what_to_type() {
        let pre = Preflight::new(&three_zones_one_dark(), Some(&attrs(true)));
        for (input, why) in [
            ("", "type the zone"),
            ("us-east-1z", "not a zone of web-alb"),
            ("us-east-1a 73h", "not from 1m to 72h"),
            ("us-east-1a 0m", "not from 1m to 72h"),
            ("us-east-1a 1d", "not from 1m to 72h"),
            ("us-east-1a 1h now", "one word too many"),
        ] {
            let e = plan_start(&scope(), &pre, input, "c").unwrap_err();
            assert!(e.contains(why), "{input:?}: {e}");
        }
    }

    #[test]
    fn a_load_balancer_not_opted_in_is_refused_with_the_fix() {
        let pre = Preflight::new(&three_zones_one_dark(), Some(&attrs(false)));
        let e = plan_start(&scope(), &pre, "us-east-1a", "c").unwrap_err();
        assert!(e.contains("zonal_shift.config.enabled"), "{e}");
        assert!(e.contains("modify-load-balancer-attributes"), "{e}");
        let mut not_managed = three_zones_one_dark();
        not_managed.zonal = Managed::No;
        let pre = Preflight::new(&not_managed, Some(&attrs(true)));
        assert!(plan_start(&scope(), &pre, "us-east-1a", "c").is_err());
    }

    #[test]
    fn fail_open_warns_and_needs_the_name() {
        use TargetState::Unhealthy;
        let all_bad = lb(vec![group(
            "web",
            vec![
                target("a1", "us-east-1a", Unhealthy),
                target("b1", "us-east-1b", Unhealthy),
            ],
        )]);
        let pre = Preflight::new(&all_bad, Some(&attrs(true)));
        assert!(
            pre.checks.iter().any(
                |c| c.level == Level::Typed && c.text.starts_with("fail-open: web 0/2 healthy")
            )
        );
        let p = plan_start(&scope(), &pre, "us-east-1a", "c").unwrap();
        assert_eq!(p.confirm, Confirm::TypeName("web-alb".into()));
        assert!(p.warning.unwrap().contains("fail-open"));
    }

    #[test]
    fn leaving_a_healthy_zone_that_carries_most_of_the_load_needs_the_name() {
        use TargetState::{Healthy, Unhealthy};
        let l = lb(vec![group(
            "web",
            vec![
                target("a1", "us-east-1a", Healthy),
                target("a2", "us-east-1a", Healthy),
                target("a3", "us-east-1a", Healthy),
                target("b1", "us-east-1b", Unhealthy),
            ],
        )]);
        let pre = Preflight::new(&l, Some(&attrs(true)));
        let p = plan_start(&scope(), &pre, "us-east-1a", "c").unwrap();
        assert_eq!(p.confirm, Confirm::TypeName("web-alb".into()));
        assert!(
            p.warning
                .unwrap()
                .contains("web: 0 healthy left of the 3 serving now")
        );
    }

    #[test]
    fn a_cross_zone_nlb_is_checked_against_what_aws_requires() {
        let mut l = three_zones_one_dark();
        l.lb_type = "network".into();
        let a = LbAttributes {
            zonal_shift_enabled: true,
            cross_zone: true,
            target_groups: vec![crate::source::TgAttributes {
                name: "web".into(),
                protocol: "UDP".into(),
                target_type: "instance".into(),
                cross_zone: "use_load_balancer_configuration".into(),
                terminates_unhealthy: true,
            }],
        };
        let pre = Preflight::new(&l, Some(&a));
        let b = pre.blocker().unwrap();
        assert!(b.text.contains("protocol UDP"), "{}", b.text);
        assert!(b.text.contains("connection termination"), "{}", b.text);
    }

    #[test]
    fn an_active_shift_is_shown_with_its_comment_and_is_extended_or_cancelled() {
        let mut l = three_zones_one_dark();
        l.zonal_shifts.push(ZonalShift {
            id: "zs-1".into(),
            away_from: "use1-az4".into(),
            kind: ShiftKind::ZonalShift,
            status: "ACTIVE".into(),
            started: Timestamp(0),
            expires: Some(Timestamp(3_600_000)),
            comment: "opsdash li: az dark".into(),
        });
        let pre = Preflight::new(&l, Some(&attrs(true)));
        let b = pre.blocker().unwrap();
        assert!(b.text.contains("\"opsdash li: az dark\""), "{}", b.text);
        let shift = own_shift(&l).unwrap();
        let p = plan_extend(&scope(), &l, shift, "2h", "c", Timestamp(0)).unwrap();
        assert_eq!(
            p.calls(),
            vec!["arc-zonal-shift:UpdateZonalShift zonalShiftId=zs-1 expiresIn=2h comment=\"c\""]
        );
        assert!(plan_extend(&scope(), &l, shift, "100h", "c", Timestamp(0)).is_err());
        let c = plan_cancel(&scope(), &l, shift);
        assert_eq!(
            c.calls(),
            vec!["arc-zonal-shift:CancelZonalShift zonalShiftId=zs-1"]
        );
        // Traffic would return to a zone whose targets are all unhealthy: typed.
        assert_eq!(c.confirm, Confirm::TypeName("web-alb".into()));
    }

    #[test]
    fn expiry_is_one_minute_to_three_days() {
        assert_eq!(expires_in_secs("1h"), Some(3600));
        assert_eq!(expires_in_secs("30m"), Some(1800));
        assert_eq!(expires_in_secs("72h"), Some(72 * 3600));
        for bad in ["73h", "0m", "", "h", "1d", "-1h", "1.5h", "+1h"] {
            assert_eq!(expires_in_secs(bad), None, "{bad}");
        }
    }
}
