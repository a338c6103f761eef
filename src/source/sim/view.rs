//! The simulated estate seen through the model types, as a live source would return them.

use super::state::{Ec2State, Lifecycle, RegionSim, TaskState};
use crate::model::ExecStatus;
use crate::model::{
    Alarm, AsgInstance, Association, AutoScalingGroup, Capacity, Deployment, EcsService, Execution,
    HealthCheck, LoadBalancer, Point, Target, TargetGroup,
};

fn describe(reason: &str) -> &'static str {
    match reason {
        "Elb.RegistrationInProgress" => "Target registration is in progress",
        "Target.FailedHealthChecks" => "Health checks failed",
        "Target.ResponseCodeMismatch" => "Health checks failed with these codes: [502]",
        "Target.Timeout" => "Request timed out",
        "Target.DeregistrationInProgress" => "Target deregistration is in progress",
        "Target.InvalidState" => "Target is in the stopped state",
        _ => "",
    }
}

pub fn load_balancers(r: &RegionSim) -> Vec<LoadBalancer> {
    r.lbs
        .iter()
        .enumerate()
        .map(|(l, lb)| (lb, r.zonal_view(l), r.shifted_zone(l)))
        .map(|(lb, (zonal, zonal_shifts), shifted)| LoadBalancer {
            name: lb.name.clone(),
            arn: lb.arn.clone(),
            lb_type: lb.lb_type.into(),
            scheme: lb.scheme.into(),
            state: "active".into(),
            dns_name: lb.dns_name.clone(),
            target_groups: lb
                .tgs
                .iter()
                .map(|&g| {
                    let tg = &r.tgs[g];
                    let mut out = TargetGroup {
                        name: tg.name.clone(),
                        arn: tg.arn.clone(),
                        protocol: tg.protocol.into(),
                        port: tg.port,
                        healthy: 0,
                        total: 0,
                        draining: 0,
                        targets: tg
                            .members
                            .iter()
                            .map(|m| Target {
                                id: m.id.clone(),
                                port: m.port,
                                az: m.az.clone(),
                                state: m.state,
                                reason: m.reason.map(str::to_owned),
                                description: m.reason.map(|r| describe(r).to_owned()),
                                admin_override: (shifted.as_deref() == Some(m.az.as_str()))
                                    .then(|| "zonal_shift_active".to_owned()),
                            })
                            .collect(),
                        health_at: None,
                        healthy_series: Vec::new(),
                        unhealthy_series: Vec::new(),
                        target_type: tg.target_type.into(),
                        health_check: HealthCheck {
                            protocol: tg.hc_protocol.into(),
                            port: tg.hc_port.clone(),
                            path: tg.hc_path.map(str::to_owned),
                            interval_secs: tg.interval,
                            timeout_secs: tg.timeout,
                            healthy_threshold: tg.healthy_threshold,
                            unhealthy_threshold: tg.unhealthy_threshold,
                            matcher: tg.hc_protocol.starts_with("HTTP").then(|| "200".to_owned()),
                        },
                    };
                    for &(at, h, u) in &tg.hosts {
                        out.healthy_series.push(Point { at, value: h });
                        out.unhealthy_series.push(Point { at, value: u });
                    }
                    out.recount();
                    out
                })
                .collect(),
            zones: r.lb_zones(),
            zonal_shifts,
            zonal,
            zonal_error: None,
        })
        .collect()
}

pub fn capacity(r: &RegionSim) -> Capacity {
    let auto_scaling_groups = r
        .asgs
        .iter()
        .enumerate()
        .map(|(a, g)| {
            let mut out = AutoScalingGroup {
                name: g.name.clone(),
                min: g.min,
                max: g.max,
                desired: g.desired,
                in_service: 0,
                pending: 0,
                terminating: 0,
                standby: 0,
                target_group_arns: g.tgs.iter().map(|&(tg, _)| r.tgs[tg].arn.clone()).collect(),
                instances: r
                    .instances
                    .iter()
                    .filter(|i| i.asg == Some(a))
                    .map(|i| AsgInstance {
                        id: i.id.clone(),
                        az: i.az.clone(),
                        az_id: r
                            .lb_zones()
                            .into_iter()
                            .find(|z| z.name == i.az)
                            .map(|z| z.id)
                            .unwrap_or_default(),
                        lifecycle: match i.lifecycle {
                            Lifecycle::Pending => crate::model::Lifecycle::Pending,
                            Lifecycle::Terminating(_) => crate::model::Lifecycle::Terminating,
                            _ => crate::model::Lifecycle::InService,
                        },
                        health: if i.healthy && !matches!(i.ec2, Ec2State::Stopped) {
                            crate::model::InstanceHealth::Healthy
                        } else {
                            crate::model::InstanceHealth::Unhealthy
                        },
                    })
                    .collect(),
                activities: g.activities.iter().cloned().collect(),
                read_at: None,
            };
            out.recount();
            out
        })
        .collect();
    let ecs_services = r
        .services
        .iter()
        .map(|s| {
            let count = |dep: Option<&str>, f: &dyn Fn(TaskState) -> bool| {
                s.tasks
                    .iter()
                    .filter(|t| dep.is_none_or(|d| t.deployment == d) && f(t.state))
                    .count() as u32
            };
            let running = |st: TaskState| st == TaskState::Running;
            let pending = |st: TaskState| matches!(st, TaskState::Provisioning(_));
            let primary = s.deployments.last();
            let n = s.deployments.len();
            let deployments = s
                .deployments
                .iter()
                .enumerate()
                .rev()
                .map(|(k, d)| Deployment {
                    id: d.id.clone(),
                    status: if k + 1 == n { "PRIMARY" } else { "ACTIVE" }.into(),
                    task_definition: r.task_defs[d.task_def].name(),
                    image: r.task_defs[d.task_def].image.clone(),
                    desired: if k + 1 == n { d.desired } else { 0 },
                    running: count(Some(&d.id), &running),
                    pending: count(Some(&d.id), &pending),
                    failed: d.failed,
                    rollout_state: if d.completed {
                        crate::model::RolloutState::Completed
                    } else {
                        crate::model::RolloutState::InProgress
                    },
                    created_at: d.created_at,
                })
                .collect();
            EcsService {
                cluster: s.cluster.clone(),
                name: s.name.clone(),
                desired: s.desired,
                running: count(None, &running),
                pending: count(None, &pending),
                task_definition: primary
                    .map(|d| r.task_defs[d.task_def].name())
                    .unwrap_or_default(),
                deployments,
                events: s.events.iter().cloned().collect(),
                min_healthy_percent: s.min_healthy,
                max_percent: s.max_percent,
                capacity_provider: s.capacity_asg.map(|a| r.asgs[a].name.clone()),
                target_groups: s.tgs.iter().map(|&(tg, _)| r.tgs[tg].arn.clone()).collect(),
                read_at: None,
            }
        })
        .collect();
    Capacity {
        auto_scaling_groups,
        ecs_services,
    }
}

pub fn associations(r: &RegionSim) -> Vec<Association> {
    r.associations
        .iter()
        .map(|a| {
            let last = a.executions.front().map(|e| {
                let n =
                    |s: ExecStatus| e.results.iter().filter(|(t, _)| t.status == s).count() as u32;
                let (success, failed, pending) = (
                    n(ExecStatus::Success),
                    n(ExecStatus::Failed),
                    n(ExecStatus::InProgress),
                );
                Execution {
                    id: e.id.clone(),
                    status: if pending > 0 {
                        ExecStatus::InProgress
                    } else if failed > 0 {
                        ExecStatus::Failed
                    } else {
                        ExecStatus::Success
                    },
                    created_at: e.created_at,
                    success,
                    failed,
                    pending,
                    targets: e.results.iter().map(|(t, _)| t.clone()).collect(),
                }
            });
            Association {
                id: a.id.clone(),
                name: a.name.clone(),
                document: a.document.clone(),
                status: match last.as_ref().map(|e| &e.status) {
                    Some(ExecStatus::Failed) => ExecStatus::Failed,
                    Some(ExecStatus::Success) => ExecStatus::Success,
                    _ => ExecStatus::Pending,
                },
                last_execution: last,
                targets: a.role.tag().into(),
                schedule: a.schedule_secs.map(|s| format!("rate({} minutes)", s / 60)),
            }
        })
        .collect()
}

pub fn alarms(r: &RegionSim) -> Vec<Alarm> {
    r.alarms
        .iter()
        .map(|a| Alarm {
            name: a.name.clone(),
            state: a.state,
            reason: a.reason.clone(),
            updated_at: a.updated_at,
            namespace: a.namespace.into(),
            metric: a.metric.into(),
            threshold: a.threshold,
            comparison: a.comparison.clone(),
            statistic: a.statistic.into(),
            period_secs: a.period,
            evaluation_periods: a.evaluation_periods,
            dimensions: a.dimensions.clone(),
            series: a
                .history
                .iter()
                .map(|&(at, value)| Point { at, value })
                .collect(),
            state_from_history: false,
        })
        .collect()
}

/// A task definition by `family:revision`; the simulation's task definitions have one container.
pub fn task_definition(r: &RegionSim, name: &str) -> Option<crate::model::TaskDefinition> {
    r.task_defs
        .iter()
        .find(|t| t.name() == name)
        .map(|t| crate::model::TaskDefinition {
            name: t.name(),
            containers: vec![(super::state::CONTAINER.to_owned(), t.image.clone())],
        })
}
