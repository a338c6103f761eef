//! ECS: clusters and services (all pages), DescribeServices ten at a time.

use super::errors::map;
use super::{RegionClients, ts};
use crate::model::{Deployment, EcsService, RolloutState, ServiceEvent, Severity, TaskDefinition};
use crate::source::{ServiceUpdate, SourceError};
use aws_sdk_ecs::types as t;

const SVC: &str = "ecs";
/// DescribeServices takes at most ten services.
pub const DESCRIBE_SERVICES_BATCH: usize = 10;
/// DescribeServices batches in flight at once.
const IN_FLIGHT: usize = 4;
/// Service events kept per service.
const EVENTS_KEPT: usize = 100;

pub async fn services(
    r: &RegionClients,
    profile: Option<&str>,
) -> Result<Vec<EcsService>, SourceError> {
    let c = &r.ecs;
    let clusters: Vec<String> = c
        .list_clusters()
        .max_results(100)
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
            .max_results(100)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| map(SVC, "ListServices", profile, &e))?;
        // DescribeServices by ten, a few batches in flight at a time.
        let profile_owned = profile.map(str::to_owned);
        let batches: Vec<Vec<String>> = arns
            .chunks(DESCRIBE_SERVICES_BATCH)
            .map(<[String]>::to_vec)
            .collect();
        let described = super::in_parallel(batches, IN_FLIGHT, |batch| {
            let (client, cluster, profile) = (c.clone(), cluster.clone(), profile_owned.clone());
            async move {
                client
                    .describe_services()
                    .cluster(&cluster)
                    .set_services(Some(batch))
                    .send()
                    .await
                    .map(|d| {
                        d.services()
                            .iter()
                            .map(|s| service(s, &cluster))
                            .collect::<Vec<_>>()
                    })
                    .map_err(|e| map(SVC, "DescribeServices", profile.as_deref(), &e))
            }
        })
        .await?;
        out.extend(described.into_iter().flatten());
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
                    .map_or(RolloutState::Unknown, |r| RolloutState::parse(r.as_str())),
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
        target_groups: s
            .load_balancers()
            .iter()
            .filter_map(|l| l.target_group_arn().map(str::to_owned))
            .collect(),
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

/// No retries: for calls that are not idempotent (a retried RegisterTaskDefinition would register
/// two revisions).
fn no_retry() -> aws_sdk_ecs::config::Builder {
    aws_sdk_ecs::config::Builder::default()
        .retry_config(aws_sdk_ecs::config::retry::RetryConfig::disabled())
}

/// `DescribeTaskDefinition` (with tags, so a copy carries them).
async fn describe_task_definition(
    r: &RegionClients,
    profile: Option<&str>,
    name: &str,
) -> Result<
    aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput,
    SourceError,
> {
    r.ecs
        .describe_task_definition()
        .task_definition(name)
        .include(t::TaskDefinitionField::Tags)
        .send()
        .await
        .map_err(|e| map(SVC, "DescribeTaskDefinition", profile, &e))
}

/// A task definition's containers and images.
pub async fn task_definition(
    r: &RegionClients,
    profile: Option<&str>,
    name: &str,
) -> Result<TaskDefinition, SourceError> {
    let out = describe_task_definition(r, profile, name).await?;
    let td = out.task_definition().ok_or_else(|| missing(name))?;
    Ok(TaskDefinition {
        name: format!("{}:{}", td.family().unwrap_or_default(), td.revision()),
        containers: td
            .container_definitions()
            .iter()
            .map(|c| {
                (
                    c.name().unwrap_or_default().to_owned(),
                    c.image().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
    })
}

fn missing(name: &str) -> SourceError {
    SourceError::new(
        crate::source::ErrorClass::Validation,
        SVC,
        "DescribeTaskDefinition",
        "ClientException",
        format!("Unable to describe task definition {name}."),
    )
}

/// Registers a copy of `name` with `container`'s image replaced: every other field of the
/// definition is carried over. Returns the new `family:revision`.
pub async fn register_with_image(
    r: &RegionClients,
    profile: Option<&str>,
    name: &str,
    container: &str,
    image: &str,
) -> Result<String, SourceError> {
    let out = describe_task_definition(r, profile, name).await?;
    let td = out.task_definition().ok_or_else(|| missing(name))?;
    let mut containers = td.container_definitions().to_vec();
    let Some(c) = containers.iter_mut().find(|c| c.name() == Some(container)) else {
        return Err(SourceError::new(
            crate::source::ErrorClass::Validation,
            SVC,
            "RegisterTaskDefinition",
            "ClientException",
            format!("task definition {name} has no container named {container}"),
        ));
    };
    c.image = Some(image.to_owned());
    let tags = out.tags().to_vec();
    let reg = r
        .ecs
        .register_task_definition()
        .set_family(td.family().map(str::to_owned))
        .set_task_role_arn(td.task_role_arn().map(str::to_owned))
        .set_execution_role_arn(td.execution_role_arn().map(str::to_owned))
        .set_network_mode(td.network_mode().cloned())
        .set_container_definitions(Some(containers))
        .set_volumes(Some(td.volumes().to_vec()).filter(|v| !v.is_empty()))
        .set_placement_constraints(
            Some(td.placement_constraints().to_vec()).filter(|v| !v.is_empty()),
        )
        .set_requires_compatibilities(
            Some(td.requires_compatibilities().to_vec()).filter(|v| !v.is_empty()),
        )
        .set_cpu(td.cpu().map(str::to_owned))
        .set_memory(td.memory().map(str::to_owned))
        .set_tags(Some(tags).filter(|v| !v.is_empty()))
        .set_pid_mode(td.pid_mode().cloned())
        .set_ipc_mode(td.ipc_mode().cloned())
        .set_proxy_configuration(td.proxy_configuration().cloned())
        .set_ephemeral_storage(td.ephemeral_storage().cloned())
        .set_runtime_platform(td.runtime_platform().cloned())
        .set_enable_fault_injection(td.enable_fault_injection())
        .customize()
        .config_override(no_retry())
        .send()
        .await
        .map_err(|e| map(SVC, "RegisterTaskDefinition", profile, &e))?;
    let new = reg.task_definition().ok_or_else(|| missing(name))?;
    Ok(format!(
        "{}:{}",
        new.family().unwrap_or_default(),
        new.revision()
    ))
}

/// `UpdateService` (idempotent: the SDK's retries stay on).
pub async fn update_service(
    r: &RegionClients,
    profile: Option<&str>,
    u: &ServiceUpdate,
) -> Result<(), SourceError> {
    r.ecs
        .update_service()
        .cluster(&u.cluster)
        .service(&u.service)
        .set_desired_count(u.desired.map(|d| i32::try_from(d).unwrap_or(i32::MAX)))
        .set_task_definition(u.task_definition.clone())
        .force_new_deployment(u.force_new_deployment)
        .send()
        .await
        .map_err(|e| map(SVC, "UpdateService", profile, &e))?;
    Ok(())
}
