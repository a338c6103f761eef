//! ARC zonal shift in the simulated estate: every load balancer is a managed resource; a shift
//! (or AWS's autoshift) away from a zone takes that zone's load-balancer node out of DNS and its
//! targets out of routing until it expires or is cancelled, as ARC does.

use super::Sim;
use super::state::RegionSim;
use crate::model::zonal::{LbZone, Managed, ShiftKind, ZonalShift};
use crate::model::{EventKind, Severity, Timestamp};
use crate::source::{ErrorClass, LbAttributes, SourceError, TgAttributes};

/// A shift of one load balancer's traffic, active until `expires` (an autoshift until cleared).
#[derive(Debug, Clone)]
pub struct SimShift {
    pub id: String,
    pub lb: usize,
    pub away_from: String,
    pub kind: ShiftKind,
    pub started: Timestamp,
    pub expires: Option<Timestamp>,
    pub comment: String,
}

/// The AZ ID of the `i`th zone of `region`: `use1-az4` for `us-east-1a`. Deliberately not in
/// letter order, as in a real account, where names map to IDs differently in every account.
pub fn az_id(region: &str, i: usize) -> String {
    let mut parts = region.split('-');
    let mut abbrev = String::new();
    let (area, dir, n) = (parts.next(), parts.next(), parts.next());
    if let (Some(a), Some(d), Some(n)) = (area, dir, n) {
        abbrev.push_str(a);
        abbrev.push_str(&d[..1]);
        abbrev.push_str(n);
    } else {
        abbrev.push_str(region);
    }
    format!("{abbrev}-az{}", (i * 2 + 3) % 6 + 1)
}

fn zerr(op: &str, code: &str, msg: String) -> SourceError {
    let class = if code == "ResourceNotFoundException" || code == "ValidationException" {
        ErrorClass::Validation
    } else {
        ErrorClass::Other
    };
    SourceError::new(class, "arc-zonal-shift", op, code, msg)
}

use crate::ops::zonal::expires_in_secs;

/// An `expiresIn` in seconds, or ARC's refusal of it.
fn expiry(op: &str, expires_in: &str) -> Result<u64, SourceError> {
    expires_in_secs(expires_in).ok_or_else(|| {
        zerr(
            op,
            "ValidationException",
            format!("expiresIn {expires_in} must be from 1m to 72h"),
        )
    })
}

impl RegionSim {
    /// The zones of the region's load balancers: every zone of the region.
    pub fn lb_zones(&self) -> Vec<LbZone> {
        self.azs
            .iter()
            .enumerate()
            .map(|(i, name)| LbZone {
                name: name.clone(),
                id: az_id(self.name.as_str(), i),
            })
            .collect()
    }

    /// The zone name of an AZ ID.
    pub fn zone_name(&self, id: &str) -> Option<String> {
        self.lb_zones()
            .into_iter()
            .find(|z| z.id == id)
            .map(|z| z.name)
    }

    /// The shift in effect on load balancer `l` now: a zonal shift over an autoshift.
    pub fn applied_shift(&self, l: usize) -> Option<&SimShift> {
        let shifts = || self.shifts.iter().filter(move |s| s.lb == l);
        shifts()
            .find(|s| s.kind != ShiftKind::Autoshift)
            .or_else(|| shifts().next())
    }

    /// The zone name load balancer `l`'s traffic is shifted away from, if any.
    pub fn shifted_zone(&self, l: usize) -> Option<String> {
        let s = self.applied_shift(l)?;
        self.zone_name(&s.away_from)
    }

    /// What the load balancers' view carries about zonal shift.
    pub fn zonal_view(&self, l: usize) -> (Managed, Vec<ZonalShift>) {
        let applied = self.applied_shift(l).map(|s| s.id.clone());
        let shifts = self
            .shifts
            .iter()
            .filter(|s| s.lb == l)
            .map(|s| ZonalShift {
                id: if s.kind == ShiftKind::Autoshift {
                    String::new()
                } else {
                    s.id.clone()
                },
                away_from: s.away_from.clone(),
                kind: s.kind,
                status: if s.kind == ShiftKind::Autoshift {
                    if applied.as_deref() == Some(s.id.as_str()) {
                        "APPLIED".into()
                    } else {
                        "NOT_APPLIED".into()
                    }
                } else {
                    "ACTIVE".into()
                },
                started: s.started,
                expires: s.expires,
                comment: s.comment.clone(),
            })
            .collect();
        // An NLB is registered with ARC once zonal shift is enabled on it.
        let lb = &self.lbs[l];
        let managed = if lb.lb_type == "network" && !lb.zonal_shift_enabled {
            Managed::No
        } else {
            Managed::Yes {
                autoshift: lb.autoshift,
            }
        };
        (managed, shifts)
    }
}

impl Sim {
    /// Ends the shifts whose time is up.
    pub(super) fn step_shifts(&mut self, r: usize) {
        let now = self.now;
        let ended: Vec<SimShift> = self.regions[r]
            .shifts
            .iter()
            .filter(|s| s.expires.is_some_and(|e| now >= e))
            .cloned()
            .collect();
        if ended.is_empty() {
            return;
        }
        self.regions[r]
            .shifts
            .retain(|s| s.expires.is_none_or(|e| now < e));
        for s in ended {
            let lb = self.regions[r].lbs[s.lb].name.clone();
            self.emit(
                r,
                EventKind::Zonal,
                Severity::Warn,
                &lb,
                format!("zonal shift away from {} expired", s.away_from),
            );
        }
    }

    fn lb_index(&self, r: usize, arn: &str, op: &str) -> Result<usize, SourceError> {
        self.regions[r]
            .lbs
            .iter()
            .position(|l| l.arn == arn)
            .ok_or_else(|| {
                zerr(
                    op,
                    "ResourceNotFoundException",
                    format!("The resource {arn} is not a managed resource in this Region."),
                )
            })
    }

    /// `arc-zonal-shift:StartZonalShift`; the new shift's id.
    pub fn start_zonal_shift(
        &mut self,
        region: &str,
        resource: &str,
        away_from: &str,
        expires_in: &str,
        comment: &str,
    ) -> Result<String, SourceError> {
        const OP: &str = "StartZonalShift";
        let r = self.region_mut(region, "arc-zonal-shift", OP)?;
        let l = self.lb_index(r, resource, OP)?;
        let secs = expiry(OP, expires_in)?;
        if !self.regions[r].lbs[l].zonal_shift_enabled {
            return Err(zerr(
                OP,
                "ValidationException",
                "Zonal shift is not enabled for this load balancer (attribute zonal_shift.config.enabled)".into(),
            ));
        }
        if self.regions[r].zone_name(away_from).is_none() {
            return Err(zerr(
                OP,
                "ValidationException",
                format!("The resource is not in Availability Zone {away_from}."),
            ));
        }
        if self.regions[r]
            .shifts
            .iter()
            .any(|s| s.lb == l && s.kind == ShiftKind::ZonalShift)
        {
            return Err(zerr(
                OP,
                "ConflictException",
                "A zonal shift is already active for this resource (ZonalShiftAlreadyExists)."
                    .into(),
            ));
        }
        let reg = &mut self.regions[r];
        reg.shift_seq += 1;
        let id = format!(
            "{:08x}-sim0-4zs0-8000-{:012x}",
            reg.shift_seq, reg.shift_seq
        );
        let now = self.now;
        reg.shifts.push(SimShift {
            id: id.clone(),
            lb: l,
            away_from: away_from.to_owned(),
            kind: ShiftKind::ZonalShift,
            started: now,
            expires: Some(now.plus_secs(secs as f64)),
            comment: comment.to_owned(),
        });
        let lb = reg.lbs[l].name.clone();
        self.emit(
            r,
            EventKind::Zonal,
            Severity::Warn,
            &lb,
            format!("zonal shift away from {away_from} started, for {expires_in}"),
        );
        Ok(id)
    }

    fn shift_index(&self, r: usize, id: &str, op: &str) -> Result<usize, SourceError> {
        self.regions[r]
            .shifts
            .iter()
            .position(|s| s.id == id && s.kind == ShiftKind::ZonalShift)
            .ok_or_else(|| {
                zerr(
                    op,
                    "ResourceNotFoundException",
                    format!("The zonal shift {id} is not active."),
                )
            })
    }

    /// `arc-zonal-shift:UpdateZonalShift`: a new expiry counted from now, and the comment.
    pub fn update_zonal_shift(
        &mut self,
        region: &str,
        id: &str,
        expires_in: &str,
        comment: &str,
    ) -> Result<(), SourceError> {
        const OP: &str = "UpdateZonalShift";
        let r = self.region_mut(region, "arc-zonal-shift", OP)?;
        let i = self.shift_index(r, id, OP)?;
        let secs = expiry(OP, expires_in)?;
        let now = self.now;
        let s = &mut self.regions[r].shifts[i];
        s.expires = Some(now.plus_secs(secs as f64));
        comment.clone_into(&mut s.comment);
        let (l, away) = (s.lb, s.away_from.clone());
        let lb = self.regions[r].lbs[l].name.clone();
        self.emit(
            r,
            EventKind::Zonal,
            Severity::Info,
            &lb,
            format!("zonal shift away from {away} extended to {expires_in} from now"),
        );
        Ok(())
    }

    /// `arc-zonal-shift:CancelZonalShift`.
    pub fn cancel_zonal_shift(&mut self, region: &str, id: &str) -> Result<(), SourceError> {
        const OP: &str = "CancelZonalShift";
        let r = self.region_mut(region, "arc-zonal-shift", OP)?;
        let i = self.shift_index(r, id, OP)?;
        let s = self.regions[r].shifts.remove(i);
        let lb = self.regions[r].lbs[s.lb].name.clone();
        self.emit(
            r,
            EventKind::Zonal,
            Severity::Info,
            &lb,
            format!("zonal shift away from {} cancelled", s.away_from),
        );
        Ok(())
    }

    /// AWS shifts every load balancer with autoshift on away from the region's first zone (the
    /// demo's "AWS autoshift" fault).
    pub(super) fn autoshift(&mut self, r: usize) -> Result<String, String> {
        let away = az_id(self.regions[r].name.as_str(), 0);
        let now = self.now;
        let mut names = Vec::new();
        let reg = &mut self.regions[r];
        for l in 0..reg.lbs.len() {
            if !reg.lbs[l].autoshift
                || reg
                    .shifts
                    .iter()
                    .any(|s| s.lb == l && s.kind == ShiftKind::Autoshift)
            {
                continue;
            }
            reg.shift_seq += 1;
            reg.shifts.push(SimShift {
                id: format!("autoshift-{}", reg.shift_seq),
                lb: l,
                away_from: away.clone(),
                kind: ShiftKind::Autoshift,
                started: now,
                expires: None,
                comment: String::new(),
            });
            names.push(reg.lbs[l].name.clone());
        }
        if names.is_empty() {
            return Err("no load balancer here has zonal autoshift on".into());
        }
        for n in &names {
            self.emit(
                r,
                EventKind::Zonal,
                Severity::Warn,
                n,
                format!("AWS autoshift away from {away} started"),
            );
        }
        Ok(format!(
            "AWS autoshifted {} away from {away}",
            names.join(", ")
        ))
    }

    /// Ends every autoshift (the impairment is over, as AWS would decide).
    pub(super) fn end_autoshifts(&mut self, r: usize) {
        self.regions[r]
            .shifts
            .retain(|s| s.kind != ShiftKind::Autoshift);
    }

    /// The attributes a zonal-shift preflight reads (`DescribeLoadBalancerAttributes`,
    /// `DescribeTargetGroupAttributes`).
    pub fn lb_attributes(&self, region: &str, arn: &str) -> Result<LbAttributes, SourceError> {
        let r = self.region_index(region).ok_or_else(|| {
            SourceError::new(
                ErrorClass::Validation,
                "elasticloadbalancing",
                "DescribeLoadBalancerAttributes",
                "InvalidRegion",
                format!("no region {region} in this estate"),
            )
        })?;
        let reg = &self.regions[r];
        let lb = reg.lbs.iter().find(|l| l.arn == arn).ok_or_else(|| {
            SourceError::new(
                ErrorClass::Validation,
                "elasticloadbalancing",
                "DescribeLoadBalancerAttributes",
                "LoadBalancerNotFound",
                format!("One or more load balancers not found: {arn}"),
            )
        })?;
        Ok(LbAttributes {
            zonal_shift_enabled: lb.zonal_shift_enabled,
            cross_zone: lb.lb_type == "application" || lb.cross_zone,
            target_groups: lb
                .tgs
                .iter()
                .map(|&g| TgAttributes {
                    name: reg.tgs[g].name.clone(),
                    protocol: reg.tgs[g].protocol.to_owned(),
                    target_type: reg.tgs[g].target_type.to_owned(),
                    cross_zone: "use_load_balancer_configuration".into(),
                    terminates_unhealthy: false,
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_ids_look_like_aws_ones_and_differ_from_the_letters() {
        assert_eq!(az_id("us-east-1", 0), "use1-az4");
        assert_eq!(az_id("us-east-1", 1), "use1-az6");
        assert_eq!(az_id("us-west-2", 0), "usw2-az4");
        assert_eq!(az_id("eu-central-1", 2), "euc1-az2");
    }
}
