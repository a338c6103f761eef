//! Auto Scaling: groups (all pages, 100 a page) and recent scaling activities.

use super::errors::map;
use super::{RegionClients, event, ts};
use crate::model::{
    AsgInstance, AutoScalingGroup, Event, EventKind, Lifecycle, ScalingActivity, Severity,
};
use crate::source::SourceError;
use aws_sdk_autoscaling::types as t;

const SVC: &str = "autoscaling";

pub async fn groups(
    r: &RegionClients,
    profile: Option<&str>,
) -> Result<Vec<AutoScalingGroup>, SourceError> {
    let groups: Vec<t::AutoScalingGroup> = r
        .autoscaling
        .describe_auto_scaling_groups()
        .max_records(100)
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
