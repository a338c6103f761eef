//! Elastic Load Balancing v2: load balancers, target groups (all pages, every sixth read), and
//! DescribeTargetHealth for the target groups on screen every read, the others in rotation
//! ([`HealthCache`]).

use super::RegionClients;
use super::errors::map;
use super::rotation::{ROTATION, share};
use crate::model::{HealthCheck, LoadBalancer, Target, TargetGroup, TargetState, Timestamp};
use crate::source::{SourceError, lock};
use aws_sdk_elasticloadbalancingv2::types as t;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

const SVC: &str = "elasticloadbalancing";
/// DescribeTargetHealth requests in flight at once.
const IN_FLIGHT: usize = 8;

/// The load balancers and target groups of a region, as listed.
type Listing = (Arc<[t::LoadBalancer]>, Arc<[t::TargetGroup]>);

/// Target health kept between reads of one region. The groups the operator has on screen (or
/// open) are described on every read; of the others, the least recently described
/// `ceil(n / ROTATION)` are, so each is at most [`ROTATION`] reads old. A group whose health is
/// carried over says so (`TargetGroup::health_at`), and the screen shows its age. The load
/// balancers and target groups themselves are listed every [`ROTATION`]th read (a new one shows
/// within that many reads), and at once when a group listed is found gone.
#[derive(Debug, Default)]
pub struct HealthCache {
    watched: HashSet<String>,
    /// The last listing, and the read that made it.
    listing: Option<(Listing, u64)>,
    /// Per group: its targets, when they were read, and on which read.
    known: HashMap<String, (Vec<Target>, Timestamp, u64)>,
    reads: u64,
}

impl HealthCache {
    /// The groups to describe on every read (replaces the previous set).
    pub fn watch(&mut self, arns: &[String]) {
        self.watched = arns.iter().cloned().collect();
    }

    /// Starts a read: the listing it uses, when one was made fewer than [`ROTATION`] reads ago;
    /// `None`: list again.
    fn begin(&mut self) -> Option<Listing> {
        self.reads += 1;
        let reads = self.reads;
        self.listing
            .as_ref()
            .filter(|(_, on)| reads - on < ROTATION)
            .map(|(l, _)| l.clone())
    }

    /// A listing just made.
    fn listed(&mut self, l: Listing) {
        self.listing = Some((l, self.reads));
    }

    /// Which of `arns` this read describes.
    fn due(&mut self, arns: &[String]) -> Vec<bool> {
        let mut due: Vec<bool> = arns
            .iter()
            .map(|a| self.watched.contains(a) || !self.known.contains_key(a))
            .collect();
        let rest: Vec<(u64, usize)> = arns
            .iter()
            .enumerate()
            .filter(|(i, _)| !due[*i])
            .map(|(i, a)| (self.known[a].2, i))
            .collect();
        for i in share(rest) {
            due[i] = true;
        }
        // Groups that no longer exist are forgotten.
        let present: HashSet<&String> = arns.iter().collect();
        self.known.retain(|a, _| present.contains(a));
        due
    }

    /// Records a group's health read now.
    fn store(&mut self, arn: &str, targets: &[Target], at: Timestamp) {
        let reads = self.reads;
        self.known
            .insert(arn.to_owned(), (targets.to_vec(), at, reads));
    }

    /// A group's last known health and when it was read.
    fn carried(&self, arn: &str) -> Option<(&[Target], Timestamp)> {
        self.known.get(arn).map(|(t, at, _)| (t.as_slice(), *at))
    }
}

pub async fn load_balancers(
    r: &RegionClients,
    profile: Option<&str>,
    cache: &Mutex<HealthCache>,
) -> Result<Vec<LoadBalancer>, SourceError> {
    let carried = lock(cache).begin();
    let listed_now = carried.is_none();
    match read(r, profile, cache, carried).await {
        // A group deleted since the listing was made: listed again at once, never an error.
        Err(e) if !listed_now && e.code == "TargetGroupNotFound" => {
            read(r, profile, cache, None).await
        }
        other => other,
    }
}

/// The load balancers and target groups, all pages.
async fn list(
    c: &aws_sdk_elasticloadbalancingv2::Client,
    profile: Option<&str>,
) -> Result<Listing, SourceError> {
    let lbs: Vec<t::LoadBalancer> = c
        .describe_load_balancers()
        .page_size(400)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| map(SVC, "DescribeLoadBalancers", profile, &e))?;
    let tgs: Vec<t::TargetGroup> = c
        .describe_target_groups()
        .page_size(400)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| map(SVC, "DescribeTargetGroups", profile, &e))?;
    Ok((lbs.into(), tgs.into()))
}

/// One read: the listing given (or a new one), and the health of the groups due.
async fn read(
    r: &RegionClients,
    profile: Option<&str>,
    cache: &Mutex<HealthCache>,
    listing: Option<Listing>,
) -> Result<Vec<LoadBalancer>, SourceError> {
    let c = &r.elbv2;
    let (lbs, tgs) = if let Some(l) = listing {
        l
    } else {
        let l = list(c, profile).await?;
        lock(cache).listed(l.clone());
        l
    };
    let mut out: Vec<LoadBalancer> = lbs.iter().map(load_balancer).collect();
    let arns: Vec<String> = tgs
        .iter()
        .map(|g| g.target_group_arn().unwrap_or_default().to_owned())
        .collect();
    let due = lock(cache).due(&arns);
    // One DescribeTargetHealth per group due, a few in flight at a time (the service's pacer
    // still spaces them).
    let profile_owned = profile.map(str::to_owned);
    let healths: Vec<Vec<t::TargetHealthDescription>> = super::in_parallel(
        arns.iter()
            .zip(&due)
            .filter(|(_, d)| **d)
            .map(|(a, _)| a.clone())
            .collect(),
        IN_FLIGHT,
        |arn| {
            let (client, profile) = (c.clone(), profile_owned.clone());
            async move {
                client
                    .describe_target_health()
                    .target_group_arn(arn)
                    .send()
                    .await
                    .map(|h| h.target_health_descriptions().to_vec())
                    .map_err(|e| map(SVC, "DescribeTargetHealth", profile.as_deref(), &e))
            }
        },
    )
    .await?;
    let now = Timestamp::now();
    let mut cache = lock(cache);
    let mut fresh = healths.iter();
    for (tg, is_due) in tgs.iter().zip(due) {
        let arn = tg.target_group_arn().unwrap_or_default();
        let group = if is_due {
            let targets: Vec<Target> = fresh
                .next()
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .map(target)
                .collect();
            cache.store(arn, &targets, now);
            target_group(tg, targets, None)
        } else {
            let (targets, at) = cache.carried(arn).unwrap_or((&[], now));
            target_group(tg, targets.to_vec(), Some(at))
        };
        // A target group belongs to each of its load balancers (usually one).
        for lb_arn in tg.load_balancer_arns() {
            if let Some(lb) = out.iter_mut().find(|l| &l.arn == lb_arn) {
                lb.target_groups.push(group.clone());
            }
        }
    }
    Ok(out)
}

/// The host-count metrics of every target group behind a load balancer.
pub fn host_metrics(lbs: &[LoadBalancer]) -> Vec<super::cloudwatch::HostMetric> {
    let mut out = Vec::new();
    for l in lbs {
        let namespace = match l.lb_type.as_str() {
            "application" => "AWS/ApplicationELB",
            "network" => "AWS/NetworkELB",
            "gateway" => "AWS/GatewayELB",
            _ => continue,
        };
        let Some((_, lb_dim)) = l.arn.split_once(":loadbalancer/") else {
            continue;
        };
        for g in &l.target_groups {
            let Some(tg_dim) = g
                .arn
                .rsplit(':')
                .next()
                .filter(|d| d.starts_with("targetgroup/"))
            else {
                continue;
            };
            out.push(super::cloudwatch::HostMetric {
                tg_arn: g.arn.clone(),
                namespace,
                tg_dim: tg_dim.to_owned(),
                lb_dim: lb_dim.to_owned(),
            });
        }
    }
    out
}

/// SDK load balancer to model (target groups are added by the caller).
pub fn load_balancer(l: &t::LoadBalancer) -> LoadBalancer {
    LoadBalancer {
        name: l.load_balancer_name().unwrap_or_default().to_owned(),
        arn: l.load_balancer_arn().unwrap_or_default().to_owned(),
        lb_type: l
            .r#type()
            .map(|x| x.as_str().to_owned())
            .unwrap_or_default(),
        scheme: l
            .scheme()
            .map(|x| x.as_str().to_owned())
            .unwrap_or_default(),
        state: l
            .state()
            .and_then(|s| s.code())
            .map(|x| x.as_str().to_owned())
            .unwrap_or_default(),
        dns_name: l.dns_name().unwrap_or_default().to_owned(),
        target_groups: Vec::new(),
        zones: l
            .availability_zones()
            .iter()
            .filter_map(|z| z.zone_name())
            .map(|name| crate::model::zonal::LbZone {
                name: name.to_owned(),
                id: String::new(),
            })
            .collect(),
        zonal_shifts: Vec::new(),
        zonal: crate::model::zonal::Managed::Unknown,
        zonal_error: None,
    }
}

/// SDK target group and its targets to model; `health_at` when the targets were read on an
/// earlier read than this one.
pub fn target_group(
    g: &t::TargetGroup,
    targets: Vec<Target>,
    health_at: Option<Timestamp>,
) -> TargetGroup {
    let u = |v: Option<i32>| v.map_or(0, |x| x.max(0) as u32);
    let mut out = TargetGroup {
        name: g.target_group_name().unwrap_or_default().to_owned(),
        arn: g.target_group_arn().unwrap_or_default().to_owned(),
        protocol: g
            .protocol()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        port: g.port().map_or(0, |p| p.clamp(0, 65535) as u16),
        healthy: 0,
        total: 0,
        draining: 0,
        targets,
        health_at,
        healthy_series: Vec::new(),
        unhealthy_series: Vec::new(),
        target_type: g
            .target_type()
            .map(|x| x.as_str().to_owned())
            .unwrap_or_default(),
        health_check: HealthCheck {
            protocol: g
                .health_check_protocol()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            port: g.health_check_port().unwrap_or("traffic-port").to_owned(),
            path: g.health_check_path().map(str::to_owned),
            interval_secs: u(g.health_check_interval_seconds()),
            timeout_secs: u(g.health_check_timeout_seconds()),
            healthy_threshold: u(g.healthy_threshold_count()),
            unhealthy_threshold: u(g.unhealthy_threshold_count()),
            matcher: g.matcher().and_then(|m| m.http_code()).map(str::to_owned),
        },
    };
    out.recount();
    out
}

fn target(d: &t::TargetHealthDescription) -> Target {
    let h = d.target_health();
    Target {
        id: d
            .target()
            .and_then(|x| x.id())
            .unwrap_or_default()
            .to_owned(),
        port: d
            .target()
            .and_then(t::TargetDescription::port)
            .map_or(0, |p| p.clamp(0, 65535) as u16),
        az: d
            .target()
            .and_then(|x| x.availability_zone())
            .unwrap_or_default()
            .to_owned(),
        state: h
            .and_then(|x| x.state())
            .and_then(|s| TargetState::parse(s.as_str()))
            .unwrap_or(TargetState::Unavailable),
        reason: h.and_then(|x| x.reason()).map(|r| r.as_str().to_owned()),
        description: h.and_then(|x| x.description()).map(str::to_owned),
        admin_override: d
            .administrative_override()
            .and_then(|o| o.state())
            .map(|s| s.as_str().to_owned())
            .filter(|s| s != "no_override"),
    }
}
