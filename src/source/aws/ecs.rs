//! ECS: clusters and services (all pages), DescribeServices ten at a time.

use super::errors::map;
use super::{RegionClients, ts};
use crate::model::{Deployment, EcsService, ServiceEvent, Severity};
use crate::source::SourceError;
use aws_sdk_ecs::types as t;

const SVC: &str = "ecs";
/// DescribeServices takes at most ten services.
pub const DESCRIBE_SERVICES_BATCH: usize = 10;
/// Service events kept per service.
const EVENTS_KEPT: usize = 100;

pub async fn services(
    r: &RegionClients,
    profile: Option<&str>,
) -> Result<Vec<EcsService>, SourceError> {
    let c = &r.ecs;
    let clusters: Vec<String> = c
        .list_clusters()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| map(SVC, "ListClusters", profile, &e))?;
    let mut out = Vec::new();
    for cluster in &clusters {
        let arns: Vec<String> = c
            .list_services()
            .cluster(cluster)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| map(SVC, "ListServices", profile, &e))?;
        for batch in arns.chunks(DESCRIBE_SERVICES_BATCH) {
            let d = c
                .describe_services()
                .cluster(cluster)
                .set_services(Some(batch.to_vec()))
                .send()
                .await
                .map_err(|e| map(SVC, "DescribeServices", profile, &e))?;
            out.extend(d.services().iter().map(|s| service(s, cluster)));
        }
    }
    Ok(out)
}

/// The name part of an ARN (`…/name`), or the string itself.
fn short(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// SDK service to model.
pub fn service(s: &t::Service, cluster: &str) -> EcsService {
    let u = |v: i32| v.max(0) as u32;
    let cfg = s.deployment_configuration();
    EcsService {
        cluster: short(s.cluster_arn().unwrap_or(cluster)).to_owned(),
        name: s.service_name().unwrap_or_default().to_owned(),
        desired: u(s.desired_count()),
        running: u(s.running_count()),
        pending: u(s.pending_count()),
        task_definition: short(s.task_definition().unwrap_or_default()).to_owned(),
        deployments: s
            .deployments()
            .iter()
            .map(|d| Deployment {
                id: d.id().unwrap_or_default().to_owned(),
                status: d.status().unwrap_or_default().to_owned(),
                task_definition: short(d.task_definition().unwrap_or_default()).to_owned(),
                image: String::new(),
                desired: u(d.desired_count()),
                running: u(d.running_count()),
                pending: u(d.pending_count()),
                failed: u(d.failed_tasks()),
                rollout_state: d
                    .rollout_state()
                    .map(|r| r.as_str().to_owned())
                    .unwrap_or_default(),
                created_at: ts(d.created_at()),
            })
            .collect(),
        events: s
            .events()
            .iter()
            .take(EVENTS_KEPT)
            .map(|e| ServiceEvent {
                at: ts(e.created_at()),
                message: e.message().unwrap_or_default().to_owned(),
            })
            .collect(),
        min_healthy_percent: cfg
            .and_then(t::DeploymentConfiguration::minimum_healthy_percent)
            .map_or(100, |v| v.max(0) as u32),
        max_percent: cfg
            .and_then(t::DeploymentConfiguration::maximum_percent)
            .map_or(200, |v| v.max(0) as u32),
        capacity_provider: s
            .capacity_provider_strategy()
            .first()
            .map(|c| c.capacity_provider().to_owned()),
    }
}

/// How an ECS service event reads on the timeline.
pub fn event_severity(message: &str) -> Severity {
    if message.contains("failed") || message.contains("unable") || message.contains("unhealthy") {
        Severity::Crit
    } else if message.contains("steady state") || message.contains("deployment completed") {
        Severity::Ok
    } else {
        Severity::Info
    }
}
