//! Auto Scaling: groups (all of them, 100 a page, every sixth read; between, those on screen or
//! under way and the others in rotation: [`GroupCache`]) and recent scaling activities.

use super::errors::map;
use super::rotation::{ROTATION, share};
use super::{RegionClients, event, ts};
use crate::model::{
    AsgInstance, AutoScalingGroup, Event, EventKind, InstanceHealth, Lifecycle, ScalingActivity,
    Severity, Timestamp,
};
use crate::source::{SourceError, lock};
use aws_sdk_autoscaling::types as t;
use std::collections::HashSet;
use std::sync::Mutex;

const SVC: &str = "autoscaling";
/// DescribeAutoScalingGroups: groups a page, and names a request (with `MaxRecords` 100).
const PAGE: usize = 100;

/// Auto Scaling groups kept between reads of one region. Every [`ROTATION`]th read describes
/// every group (that is the listing: a group created shows within that many reads, one deleted
/// leaves). Between, a read describes by name the groups on screen (or open), those not at rest
/// (instances launching, leaving, unhealthy, or fewer in service than desired), those this
/// console just scaled, and the least recently described of the others, `ceil(n / ROTATION)`.
/// A group carried over says when it was described (`AutoScalingGroup::read_at`).
#[derive(Debug, Default)]
pub struct GroupCache {
    /// Group names on screen.
    watched: HashSet<String>,
    /// Every group, in the order described: the group, when and on which read (0: this console
    /// changed it, described next read).
    known: Vec<(AutoScalingGroup, Timestamp, u64)>,
    /// The read that described every group (0: not yet).
    listed_on: u64,
    reads: u64,
}

impl GroupCache {
    /// The groups to describe on every read (replaces the previous set).
    pub fn watch(&mut self, names: &[String]) {
        self.watched = names.iter().cloned().collect();
    }

    /// A group this console just changed: described on the next read, wherever it is.
    pub fn forget(&mut self, name: &str) {
        for k in self.known.iter_mut().filter(|k| k.0.name == name) {
            k.2 = 0;
        }
    }

    /// Starts a read: `None` to describe every group (every [`ROTATION`]th read, or when every
    /// group is due), else the names to describe.
    fn begin(&mut self) -> Option<Vec<String>> {
        self.reads += 1;
        if self.listed_on == 0 || self.reads - self.listed_on >= ROTATION {
            return None;
        }
        let mut due = Vec::new();
        let mut rest = Vec::new();
        for (g, _, on) in &self.known {
            if *on == 0 || self.watched.contains(&g.name) || !at_rest(g) {
                due.push(g.name.clone());
            } else {
                rest.push((*on, g.name.clone()));
            }
        }
        due.extend(share(rest));
        // Every group due: asked for whole, which lists them as well, in as few calls. No group
        // known: no call until the next listing.
        (self.known.is_empty() || due.len() < self.known.len()).then_some(due)
    }

    /// Every group, just described.
    fn listed(&mut self, groups: Vec<AutoScalingGroup>, at: Timestamp) {
        let reads = self.reads;
        self.known = groups.into_iter().map(|g| (g, at, reads)).collect();
        self.listed_on = reads;
    }

    /// The groups asked for by name and those described: one not described is gone.
    fn described(&mut self, asked: &[String], groups: Vec<AutoScalingGroup>, at: Timestamp) {
        let reads = self.reads;
        let asked: HashSet<&String> = asked.iter().collect();
        self.known
            .retain(|(g, ..)| !asked.contains(&g.name) || groups.iter().any(|d| d.name == g.name));
        for g in groups {
            if let Some(k) = self.known.iter_mut().find(|k| k.0.name == g.name) {
                *k = (g, at, reads);
            }
        }
    }

    /// Every group known; those described on an earlier read say when.
    fn groups(&self) -> Vec<AutoScalingGroup> {
        self.known
            .iter()
            .map(|(g, at, on)| AutoScalingGroup {
                read_at: (*on != self.reads).then_some(*at),
                ..g.clone()
            })
            .collect()
    }
}

/// A group with nothing under way: as many instances in service as desired, all healthy, none
/// launching, leaving or on standby.
fn at_rest(g: &AutoScalingGroup) -> bool {
    g.in_service == g.desired
        && g.instances.len() == g.desired as usize
        && g.instances
            .iter()
            .all(|i| i.lifecycle == Lifecycle::InService && i.health == InstanceHealth::Healthy)
}

pub async fn groups(
    r: &RegionClients,
    profile: Option<&str>,
    cache: &Mutex<GroupCache>,
) -> Result<Vec<AutoScalingGroup>, SourceError> {
    let due = lock(cache).begin();
    match due {
        None => {
            let all = describe(r, profile, None).await?;
            lock(cache).listed(all, Timestamp::now());
        }
        Some(names) => {
            let mut got = Vec::new();
            for batch in names.chunks(PAGE) {
                got.extend(describe(r, profile, Some(batch)).await?);
            }
            lock(cache).described(&names, got, Timestamp::now());
        }
    }
    Ok(lock(cache).groups())
}

/// DescribeAutoScalingGroups, all pages: every group, or those named (at most [`PAGE`]).
async fn describe(
    r: &RegionClients,
    profile: Option<&str>,
    names: Option<&[String]>,
) -> Result<Vec<AutoScalingGroup>, SourceError> {
    let groups: Vec<t::AutoScalingGroup> = r
        .autoscaling
        .describe_auto_scaling_groups()
        .set_auto_scaling_group_names(names.map(<[String]>::to_vec))
        .max_records(PAGE as i32)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| map(SVC, "DescribeAutoScalingGroups", profile, &e))?;
    Ok(groups.iter().map(group).collect())
}

/// SDK group to model.
pub fn group(g: &t::AutoScalingGroup) -> AutoScalingGroup {
    let u = |v: Option<i32>| v.map_or(0, |x| x.max(0) as u32);
    let mut out = AutoScalingGroup {
        name: g.auto_scaling_group_name().unwrap_or_default().to_owned(),
        min: u(g.min_size()),
        max: u(g.max_size()),
        desired: u(g.desired_capacity()),
        in_service: 0,
        pending: 0,
        terminating: 0,
        standby: 0,
        target_group_arns: g.target_group_arns().to_vec(),
        instances: g
            .instances()
            .iter()
            .map(|i| AsgInstance {
                id: i.instance_id().unwrap_or_default().to_owned(),
                az: i.availability_zone().unwrap_or_default().to_owned(),
                az_id: i.availability_zone_id().unwrap_or_default().to_owned(),
                lifecycle: Lifecycle::parse(i.lifecycle_state().map_or("", |l| l.as_str())),
                health: crate::model::InstanceHealth::parse(i.health_status().unwrap_or_default()),
            })
            .collect(),
        activities: Vec::new(),
        read_at: None,
    };
    out.recount();
    out
}

/// The account's recent scaling activities (one page: the newest 100), as timeline events.
pub async fn activities(
    r: &RegionClients,
    profile: Option<&str>,
) -> Result<Vec<(String, Event)>, SourceError> {
    let out = r
        .autoscaling
        .describe_scaling_activities()
        .max_records(100)
        .send()
        .await
        .map_err(|e| map(SVC, "DescribeScalingActivities", profile, &e))?;
    Ok(out
        .activities()
        .iter()
        .map(|a| {
            let act = activity(a);
            let failed = act.status == "Failed" || act.status == "Cancelled";
            let key = format!("asg:{}:{}", a.activity_id().unwrap_or_default(), act.status);
            let e = event(
                act.at,
                &r.info.name,
                EventKind::Scaling,
                if failed {
                    Severity::Warn
                } else {
                    Severity::Info
                },
                a.auto_scaling_group_name().unwrap_or_default(),
                act.description,
            );
            (key, e)
        })
        .collect())
}

/// SDK activity to model.
pub fn activity(a: &t::Activity) -> ScalingActivity {
    ScalingActivity {
        at: ts(a.start_time()),
        status: a
            .status_code()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        description: a.description().unwrap_or_default().to_owned(),
        cause: a.cause().unwrap_or_default().to_owned(),
    }
}

/// `SetDesiredCapacity` (idempotent: the SDK's retries stay on).
pub async fn set_desired_capacity(
    r: &RegionClients,
    profile: Option<&str>,
    asg: &str,
    desired: u32,
) -> Result<(), SourceError> {
    r.autoscaling
        .set_desired_capacity()
        .auto_scaling_group_name(asg)
        .desired_capacity(i32::try_from(desired).unwrap_or(i32::MAX))
        .honor_cooldown(false)
        .send()
        .await
        .map_err(|e| map(SVC, "SetDesiredCapacity", profile, &e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, desired: u32, lifecycles: &[Lifecycle]) -> AutoScalingGroup {
        let mut g = AutoScalingGroup {
            name: name.into(),
            min: 0,
            max: 9,
            desired,
            in_service: 0,
            pending: 0,
            terminating: 0,
            standby: 0,
            target_group_arns: Vec::new(),
            instances: lifecycles
                .iter()
                .enumerate()
                .map(|(i, l)| AsgInstance {
                    id: format!("i-{name}-{i}"),
                    az: "a".into(),
                    az_id: String::new(),
                    lifecycle: l.clone(),
                    health: InstanceHealth::Healthy,
                })
                .collect(),
            activities: Vec::new(),
            read_at: None,
        };
        g.recount();
        g
    }

    #[test]
    fn the_cache_describes_what_is_watched_under_way_or_changed_and_a_share_of_the_rest() {
        use Lifecycle::{InService, Pending};
        let at = Timestamp(1_000);
        let mut c = GroupCache::default();
        assert_eq!(c.begin(), None, "the first read describes every group");
        let mut all: Vec<_> = (0..12)
            .map(|i| group(&format!("g{i:02}"), 1, &[InService]))
            .collect();
        all[4] = group("g04", 2, &[InService]);
        all[5] = group("g05", 1, &[Pending]);
        c.listed(all, at);
        assert!(c.groups().iter().all(|g| g.read_at.is_none()));
        c.watch(&["g09".into()]);
        // Under way: g04 (one of two desired), g05 (launching); on screen: g09; and the
        // least recently read ceil(9 / 6) = 2 of the rest.
        let due = c.begin().expect("by name");
        assert_eq!(due, ["g04", "g05", "g09", "g00", "g01"]);
        c.described(&due, Vec::new(), Timestamp(2_000));
        assert_eq!(
            c.groups().len(),
            7,
            "the groups asked for and not described are gone"
        );
        c.forget("g02");
        let due = c.begin().expect("by name");
        assert!(due.starts_with(&["g02".to_owned()]), "{due:?}");
        assert!(c.groups().iter().all(|g| g.read_at == Some(at)));
        // Every group due: asked for whole.
        c.watch(&[
            "g02".into(),
            "g03".into(),
            "g06".into(),
            "g07".into(),
            "g08".into(),
            "g10".into(),
            "g11".into(),
        ]);
        assert_eq!(c.begin(), None);
    }
}
