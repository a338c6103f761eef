//! ECS: clusters and services (all pages), DescribeServices ten at a time, for the services on
//! screen or under way every read and the others in rotation ([`ServiceCache`]).

use super::errors::map;
use super::rotation::{ROTATION, share};
use super::{RegionClients, ts};
use crate::model::{
    Deployment, EcsService, RolloutState, ServiceEvent, Severity, TaskDefinition, Timestamp,
};
use crate::source::{ServiceUpdate, SourceError, lock};
use aws_sdk_ecs::types as t;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

const SVC: &str = "ecs";
/// DescribeServices takes at most ten services.
pub const DESCRIBE_SERVICES_BATCH: usize = 10;
/// DescribeServices batches in flight at once.
const IN_FLIGHT: usize = 4;
/// Service events kept per service.
const EVENTS_KEPT: usize = 100;

/// ECS services kept between reads of one region. Described on every read: the services on screen
/// (or open), those not at rest (a deployment rolling, tasks pending, fewer running than desired),
/// those not yet known and those this console just changed. Of the others, the least recently
/// described `ceil(n / ROTATION)`, so each is at most [`ROTATION`] reads old, and a service carried
/// over says when it was read (`EcsService::read_at`); the screen shows its age. ListClusters and
/// ListServices run every [`ROTATION`]th read: a service created shows within that many reads.
#[derive(Debug, Default)]
pub struct ServiceCache {
    /// (cluster, service) names on screen.
    watched: HashSet<(String, String)>,
    /// Per cluster ARN, its service ARNs as last listed.
    listed: Vec<(String, Vec<String>)>,
    /// The read that listed them (0: not yet).
    listed_on: u64,
    /// Per service ARN: the service as last described, when, and on which read.
    known: HashMap<String, (EcsService, Timestamp, u64)>,
    reads: u64,
}

impl ServiceCache {
    /// The services (cluster, name) to describe on every read (replaces the previous set).
    pub fn watch(&mut self, services: &[(String, String)]) {
        self.watched = services.iter().cloned().collect();
    }

    /// A service this console just changed: described on the next read, wherever it is.
    pub fn forget(&mut self, cluster: &str, service: &str) {
        self.known
            .retain(|_, (s, ..)| !(s.cluster == short(cluster) && s.name == service));
    }

    /// Starts a read; whether it lists the clusters and services again.
    fn begin(&mut self) -> bool {
        self.reads += 1;
        self.listed_on == 0 || self.reads - self.listed_on >= ROTATION
    }

    /// The clusters and services just listed; services no longer listed are forgotten.
    fn listed(&mut self, listed: Vec<(String, Vec<String>)>) {
        let present: HashSet<&String> = listed.iter().flat_map(|(_, a)| a).collect();
        self.known.retain(|a, _| present.contains(a));
        self.listed = listed;
        self.listed_on = self.reads;
    }

    /// Per cluster, the services this read describes.
    fn due(&self) -> Vec<(String, Vec<String>)> {
        let mut rest: Vec<(u64, &String)> = Vec::new();
        let mut due: HashSet<&String> = HashSet::new();
        for arn in self.listed.iter().flat_map(|(_, a)| a) {
            match self.known.get(arn) {
                Some((s, _, on))
                    if at_rest(s)
                        && !self
                            .watched
                            .iter()
                            .any(|(c, n)| *c == s.cluster && *n == s.name) =>
                {
                    rest.push((*on, arn));
                }
                _ => {
                    due.insert(arn);
                }
            }
        }
        due.extend(share(rest));
        self.listed
            .iter()
            .map(|(c, arns)| {
                let mine = arns.iter().filter(|a| due.contains(a)).cloned().collect();
                (c.clone(), mine)
            })
            .filter(|(_, a): &(String, Vec<String>)| !a.is_empty())
            .collect()
    }

    /// What this read described: a service, or `None` for one gone (deleted, or missing).
    fn store(&mut self, described: Vec<(String, Option<EcsService>)>, at: Timestamp) {
        for (arn, s) in described {
            if let Some(s) = s {
                self.known.insert(arn, (s, at, self.reads));
            } else {
                self.known.remove(&arn);
                for (_, arns) in &mut self.listed {
                    arns.retain(|a| *a != arn);
                }
            }
        }
    }

    /// Every service known, in the order listed; those described on an earlier read say when.
    fn services(&self) -> Vec<EcsService> {
        self.listed
            .iter()
            .flat_map(|(_, arns)| arns)
            .filter_map(|arn| self.known.get(arn))
            .map(|(s, at, on)| EcsService {
                read_at: (*on != self.reads).then_some(*at),
                ..s.clone()
            })
            .collect()
    }
}

/// A service with nothing under way: one deployment, done, every desired task running.
fn at_rest(s: &EcsService) -> bool {
    s.running == s.desired
        && s.pending == 0
        && s.deployments.len() <= 1
        && s.deployments
            .iter()
            .all(|d| d.rollout_state != RolloutState::InProgress)
}

pub async fn services(
    r: &RegionClients,
    profile: Option<&str>,
    cache: &Mutex<ServiceCache>,
) -> Result<Vec<EcsService>, SourceError> {
    let c = &r.ecs;
    if lock(cache).begin() {
        let clusters: Vec<String> = c
            .list_clusters()
            .max_results(100)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| map(SVC, "ListClusters", profile, &e))?;
        let mut listed = Vec::new();
        for cluster in clusters {
            let arns: Vec<String> = c
                .list_services()
                .cluster(&cluster)
                .max_results(100)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| map(SVC, "ListServices", profile, &e))?;
            listed.push((cluster, arns));
        }
        lock(cache).listed(listed);
    }
    let due = lock(cache).due();
    // DescribeServices by ten, a few batches in flight at a time.
    let profile_owned = profile.map(str::to_owned);
    let batches: Vec<(String, Vec<String>)> = due
        .iter()
        .flat_map(|(cluster, arns)| {
            arns.chunks(DESCRIBE_SERVICES_BATCH)
                .map(|b| (cluster.clone(), b.to_vec()))
        })
        .collect();
    let described = super::in_parallel(batches, IN_FLIGHT, |(cluster, batch)| {
        let (client, profile) = (c.clone(), profile_owned.clone());
        async move {
            let d = client
                .describe_services()
                .cluster(&cluster)
                .set_services(Some(batch.clone()))
                .send()
                .await
                .map_err(|e| map(SVC, "DescribeServices", profile.as_deref(), &e))?;
            Ok(described(&batch, &d, &cluster))
        }
    })
    .await?;
    let mut cache = lock(cache);
    cache.store(described.into_iter().flatten().collect(), Timestamp::now());
    Ok(cache.services())
}

/// A DescribeServices answer, per service asked for (by ARN): the service, or `None` when it is
/// gone (deleted: `INACTIVE`, or reported missing). A service the answer does not mention stays
/// as it was.
fn described(
    asked: &[String],
    d: &aws_sdk_ecs::operation::describe_services::DescribeServicesOutput,
    cluster: &str,
) -> Vec<(String, Option<EcsService>)> {
    let missing = |arn: &String| {
        d.failures()
            .iter()
            .any(|f| f.arn() == Some(arn) && f.reason() == Some("MISSING"))
    };
    asked
        .iter()
        .filter_map(|arn| {
            let found = d
                .services()
                .iter()
                .find(|s| s.service_arn() == Some(arn) || s.service_name() == Some(short(arn)));
            match found {
                Some(s) if s.status() == Some("INACTIVE") => Some((arn.clone(), None)),
                Some(s) => Some((arn.clone(), Some(service(s, cluster)))),
                None if missing(arn) => Some((arn.clone(), None)),
                None => None,
            }
        })
        .collect()
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
        read_at: None,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(name: &str, rolling: bool) -> EcsService {
        EcsService {
            cluster: "web".into(),
            name: name.into(),
            desired: 2,
            running: 2,
            pending: 0,
            task_definition: "app:1".into(),
            deployments: vec![Deployment {
                id: "ecs-svc/1".into(),
                status: "PRIMARY".into(),
                task_definition: "app:1".into(),
                image: String::new(),
                desired: 2,
                running: 2,
                pending: 0,
                failed: 0,
                rollout_state: if rolling {
                    RolloutState::InProgress
                } else {
                    RolloutState::Completed
                },
                created_at: Timestamp(0),
            }],
            events: Vec::new().into(),
            min_healthy_percent: 100,
            max_percent: 200,
            capacity_provider: None,
            target_groups: Vec::new(),
            read_at: None,
        }
    }

    fn arn(name: &str) -> String {
        format!("arn:aws:ecs:us-east-1:123456789012:service/web/{name}")
    }

    /// One read of the cache as `services` does it, the services answering as `rolling` says;
    /// returns whether it listed, the names described and what the pane gets.
    fn read(
        c: &mut ServiceCache,
        names: &[&str],
        rolling: &[&str],
        at: i64,
    ) -> (bool, Vec<String>, Vec<EcsService>) {
        let listing = c.begin();
        if listing {
            c.listed(vec![(
                "arn:cluster/web".into(),
                names.iter().map(|n| arn(n)).collect(),
            )]);
        }
        let due: Vec<String> = c.due().into_iter().flat_map(|(_, a)| a).collect();
        let described = due
            .iter()
            .map(|a| {
                let name = short(a);
                (a.clone(), Some(svc(name, rolling.contains(&name))))
            })
            .collect();
        c.store(described, Timestamp(at));
        let names = due.iter().map(|a| short(a).to_owned()).collect();
        (listing, names, c.services())
    }

    #[test]
    fn services_at_rest_off_screen_are_described_in_rotation_the_others_every_read() {
        let names: Vec<String> = (0..12).map(|i| format!("s{i:02}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut c = ServiceCache::default();
        // The first read lists and describes every service.
        let (listed, due, shown) = read(&mut c, &names, &["s07"], 1_000);
        assert!(listed);
        assert_eq!(due.len(), 12);
        assert!(shown.iter().all(|s| s.read_at.is_none()));

        c.watch(&[("web".into(), "s03".into())]);
        let mut since_first = std::collections::HashSet::new();
        for n in 1..=5 {
            let (listed, due, shown) = read(&mut c, &names, &["s07"], 1_000 + n * 10_000);
            assert!(!listed, "read {n}: listed only every sixth read");
            // On screen, rolling, and ceil(10 / 6) = 2 of the other ten.
            assert_eq!(due.len(), 4, "read {n}: {due:?}");
            assert!(due.contains(&"s03".to_owned()) && due.contains(&"s07".to_owned()));
            assert_eq!(shown.len(), 12, "every service stays on the pane");
            for s in &shown {
                assert_eq!(s.read_at.is_none(), due.contains(&s.name), "{}", s.name);
            }
            since_first.extend(due);
        }
        assert_eq!(since_first.len(), 12, "every service within six reads");
        // The sixth read after the first lists again: a service created shows.
        let mut more = names.clone();
        more.push("s12");
        let (listed, due, shown) = read(&mut c, &more, &["s07"], 70_000);
        assert!(listed);
        assert!(
            due.contains(&"s12".to_owned()),
            "a new service is described at once"
        );
        assert_eq!(shown.len(), 13);

        // A service this console changed is described on the next read, off screen or not.
        let (_, due, _) = read(&mut c, &more, &["s07"], 80_000);
        let untouched = names
            .iter()
            .find(|n| !due.contains(&(**n).to_owned()) && **n != "s03")
            .unwrap();
        c.forget("arn:aws:ecs:us-east-1:123456789012:cluster/web", untouched);
        let (_, due, _) = read(&mut c, &more, &["s07"], 90_000);
        assert!(
            due.contains(&(*untouched).to_owned()),
            "{untouched} after a change: {due:?}"
        );

        // A service reported gone leaves the pane at once.
        c.begin();
        c.store(vec![(arn("s05"), None)], Timestamp(95_000));
        assert!(c.services().iter().all(|s| s.name != "s05"));
        assert!(
            c.due()
                .iter()
                .flat_map(|(_, a)| a)
                .all(|a| short(a) != "s05")
        );
    }
}
