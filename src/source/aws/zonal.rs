//! ARC zonal shift: the managed resources with their active shifts and autoshifts (one paged
//! `ListManagedResources` per read of a region's load balancers), the attributes a preflight
//! checks, and starting, extending and cancelling a shift.

use super::RegionClients;
use super::errors::map;
use crate::model::Region;
use crate::model::zonal::{Managed, ShiftKind, ZonalShift};
use crate::model::{LoadBalancer, Timestamp};
use crate::source::{LbAttributes, SourceError, TgAttributes, ZonalShiftStart};
use aws_sdk_arczonalshift::types as z;

const SVC: &str = "arc-zonal-shift";
const ELB: &str = "elasticloadbalancing";

fn ts(t: &aws_smithy_types::DateTime) -> Timestamp {
    t.to_millis().map_or(Timestamp(0), Timestamp)
}

/// An ARC error, with the likely cause when the endpoint gave no answer at all: ARC is not
/// offered in every region.
fn arc_error(mut e: SourceError, region: &Region) -> SourceError {
    if e.class == crate::source::ErrorClass::Network {
        e.hint = Some(
            format!(
                "no answer from ARC zonal shift in {region}: it may not be offered in this region (or the network is down)"
            )
            .into(),
        );
    }
    e
}

/// Every managed resource of the region (all pages). One attempt per page, no retry: this read
/// is asked again at the next refresh, and a region where ARC is slow to fail (not offered,
/// an endpoint that errs) must not hold back the target health read beside it.
pub async fn managed_resources(
    r: &RegionClients,
    profile: Option<&str>,
) -> Result<Vec<z::ManagedResourceSummary>, SourceError> {
    let mut items = Vec::new();
    let mut token = None;
    loop {
        let page = r
            .zonal
            .list_managed_resources()
            .set_next_token(token)
            .customize()
            .config_override(
                aws_sdk_arczonalshift::config::Builder::default()
                    .retry_config(aws_sdk_arczonalshift::config::retry::RetryConfig::disabled()),
            )
            .send()
            .await
            .map_err(|e| arc_error(map(SVC, "ListManagedResources", profile, &e), &r.info.name))?;
        items.extend(page.items);
        token = page.next_token;
        if token.is_none() {
            return Ok(items);
        }
    }
}

/// Marks each load balancer managed or not, with its shifts active at `now`.
pub fn apply(lbs: &mut [LoadBalancer], managed: &[z::ManagedResourceSummary], now: Timestamp) {
    for lb in lbs {
        let Some(m) = managed.iter().find(|m| m.arn() == Some(lb.arn.as_str())) else {
            lb.zonal = Managed::No;
            lb.zonal_shifts.clear();
            continue;
        };
        lb.zonal = Managed::Yes {
            autoshift: m.zonal_autoshift_status() == Some(&z::ZonalAutoshiftStatus::Enabled),
        };
        let mut shifts: Vec<ZonalShift> = m
            .zonal_shifts()
            .iter()
            .filter(|s| ts(&s.expiry_time).0 > now.0)
            .map(|s| ZonalShift {
                id: s.zonal_shift_id.clone(),
                away_from: s.away_from.clone(),
                kind: s
                    .shift_type()
                    .map_or(ShiftKind::ZonalShift, |k| ShiftKind::parse(k.as_str())),
                status: s.applied_status.as_str().to_owned(),
                started: ts(&s.start_time),
                expires: Some(ts(&s.expiry_time)),
                comment: s.comment.clone(),
            })
            .collect();
        shifts.extend(m.autoshifts().iter().map(|a| ZonalShift {
            id: String::new(),
            away_from: a.away_from.clone(),
            kind: ShiftKind::Autoshift,
            status: a.applied_status.as_str().to_owned(),
            started: ts(&a.start_time),
            expires: None,
            comment: String::new(),
        }));
        lb.zonal_shifts = shifts;
        // ARC lists the resource's zones by AZ ID: where the load balancer has one zone whose
        // ID is not known yet and ARC one ID not matched, they are the same zone.
        let unknown: Vec<usize> = (0..lb.zones.len())
            .filter(|&i| lb.zones[i].id.is_empty())
            .collect();
        let unmatched: Vec<&String> = m
            .availability_zones()
            .iter()
            .filter(|id| !lb.zones.iter().any(|z| &z.id == *id))
            .collect();
        if let ([i], [id]) = (unknown.as_slice(), unmatched.as_slice()) {
            lb.zones[*i].id.clone_from(id);
        }
    }
}

/// The attributes a zonal-shift preflight checks.
pub async fn lb_attributes(
    r: &RegionClients,
    profile: Option<&str>,
    arn: &str,
) -> Result<LbAttributes, SourceError> {
    let c = &r.elbv2;
    let attrs = c
        .describe_load_balancer_attributes()
        .load_balancer_arn(arn)
        .send()
        .await
        .map_err(|e| map(ELB, "DescribeLoadBalancerAttributes", profile, &e))?;
    let get = |k: &str| {
        attrs
            .attributes()
            .iter()
            .find(|a| a.key() == Some(k))
            .and_then(|a| a.value())
            .map(str::to_owned)
    };
    let lb = c
        .describe_load_balancers()
        .load_balancer_arns(arn)
        .send()
        .await
        .map_err(|e| map(ELB, "DescribeLoadBalancers", profile, &e))?;
    let application = lb
        .load_balancers()
        .first()
        .and_then(|l| l.r#type())
        .is_some_and(|t| t.as_str() == "application");
    let mut out = LbAttributes {
        zonal_shift_enabled: get("zonal_shift.config.enabled").as_deref() == Some("true"),
        cross_zone: application
            || get("load_balancing.cross_zone.enabled").as_deref() == Some("true"),
        target_groups: Vec::new(),
    };
    // A cross-zone NLB's groups must meet AWS's conditions: read them only then.
    if out.cross_zone && !application {
        let groups = c
            .describe_target_groups()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(|e| map(ELB, "DescribeTargetGroups", profile, &e))?;
        for g in groups.target_groups() {
            let ga = c
                .describe_target_group_attributes()
                .set_target_group_arn(g.target_group_arn().map(str::to_owned))
                .send()
                .await
                .map_err(|e| map(ELB, "DescribeTargetGroupAttributes", profile, &e))?;
            let get = |k: &str| {
                ga.attributes()
                    .iter()
                    .find(|a| a.key() == Some(k))
                    .and_then(|a| a.value())
                    .map(str::to_owned)
            };
            out.target_groups.push(TgAttributes {
                name: g.target_group_name().unwrap_or_default().to_owned(),
                protocol: g
                    .protocol()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default(),
                target_type: g
                    .target_type()
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_default(),
                cross_zone: get("load_balancing.cross_zone.enabled")
                    .unwrap_or_else(|| "use_load_balancer_configuration".into()),
                terminates_unhealthy: get(
                    "target_health_state.unhealthy.connection_termination.enabled",
                )
                .is_none_or(|v| v == "true"),
            });
        }
    }
    Ok(out)
}

pub async fn start(
    r: &RegionClients,
    profile: Option<&str>,
    s: &ZonalShiftStart,
) -> Result<String, SourceError> {
    r.zonal
        .start_zonal_shift()
        .resource_identifier(&s.resource)
        .away_from(&s.away_from)
        .expires_in(&s.expires_in)
        .comment(&s.comment)
        .send()
        .await
        .map(|o| o.zonal_shift_id)
        .map_err(|e| arc_error(map(SVC, "StartZonalShift", profile, &e), &r.info.name))
}

pub async fn update(
    r: &RegionClients,
    profile: Option<&str>,
    id: &str,
    expires_in: &str,
    comment: &str,
) -> Result<(), SourceError> {
    r.zonal
        .update_zonal_shift()
        .zonal_shift_id(id)
        .expires_in(expires_in)
        .comment(comment)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| arc_error(map(SVC, "UpdateZonalShift", profile, &e), &r.info.name))
}

pub async fn cancel(r: &RegionClients, profile: Option<&str>, id: &str) -> Result<(), SourceError> {
    r.zonal
        .cancel_zonal_shift()
        .zonal_shift_id(id)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| arc_error(map(SVC, "CancelZonalShift", profile, &e), &r.info.name))
}
