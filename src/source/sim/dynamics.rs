//! One second of the simulated estate: instances, Auto Scaling, ECS, health checks,
//! associations, metrics and alarms, each modelled on the real AWS mechanism's timing.

use super::Sim;
use super::state::{
    Ec2State, HISTORY_MINUTES, Instance, Lifecycle, Member, MetricSource, RegionSim, Role,
    SimDeployment, SimExecution, TargetRef, Task, TaskState,
};
use crate::model::{
    AlarmState, EventKind, ExecStatus, ExecutionTarget, ScalingActivity, ServiceEvent, Severity,
    TargetState, Timestamp,
};
use crate::source::{ErrorClass, ServiceUpdate, SourceError};

/// Seconds from launch to running for an EC2 instance.
pub const BOOT_SECS: f64 = 45.0;
/// Seconds from `RunTask` to RUNNING for an ECS task.
pub const TASK_START_SECS: f64 = 20.0;
/// Seconds an instance takes to stop.
pub const STOP_SECS: f64 = 30.0;
/// Seconds after boot before the SSM agent has registered and State Manager applies associations.
pub const SSM_REGISTER_SECS: f64 = 30.0;
/// A bad image answers its health checks for this long after RUNNING, then crashes: long enough
/// to turn healthy and take traffic (answering 5XX), as real bad deploys do.
pub const BAD_IMAGE_CRASH_SECS: f64 = 90.0;
/// Service events kept per ECS service.
const SERVICE_EVENTS_KEPT: usize = 100;
/// Scaling activities kept per group.
const ACTIVITIES_KEPT: usize = 50;
/// Executions kept per association.
const EXECUTIONS_KEPT: usize = 20;

impl Sim {
    /// Seconds since the simulation's origin: every schedule (health checks, ECS, State Manager,
    /// metric minutes) runs on this, so a run does not depend on the wall-clock second it began.
    pub(super) fn tick(&self) -> i64 {
        self.now.secs() - self.origin.secs()
    }

    /// One second of virtual time.
    pub(super) fn step(&mut self) {
        self.now = self.now.plus_secs(1.0);
        let now = self.now;
        if self.throttle_until.is_some_and(|t| now >= t) {
            self.throttle_until = None;
        }
        self.step_region_switch();
        self.route_traffic();
        for r in 0..self.regions.len() {
            if self.regions[r].cpu_spike_until.is_some_and(|t| now >= t) {
                self.regions[r].cpu_spike_until = None;
                self.emit(
                    r,
                    EventKind::Fault,
                    Severity::Info,
                    "cpu",
                    "CPU spike over".into(),
                );
            }
            self.step_shifts(r);
            self.step_instances(r);
            self.step_asgs(r);
            if self.tick() % 5 == 0 {
                self.step_services(r);
            }
            self.step_health_checks(r);
            self.step_associations(r);
            self.step_metrics(r);
            self.step_logs(r);
            if self.tick() % 60 == 0 {
                self.evaluate_alarms(r);
            }
        }
    }

    /// Route 53 failover: the primary takes all traffic while its front door is healthy.
    fn route_traffic(&mut self) {
        let t = self.tick() as f64;
        let diurnal = 1.0 + 0.3 * (t * std::f64::consts::TAU / 86_400.0).sin();
        let total = self.base_rps * diurnal * (1.0 + self.rng.noise(0.05));
        let n = self.regions.len();
        if !self.failover_routing || n < 2 {
            for r in &mut self.regions {
                r.rps = total / n as f64;
            }
            return;
        }
        // A Region switch plan's Route 53 health checks decide, once an execution moved them.
        if let Some(to) = self.routed_to {
            for (i, r) in self.regions.iter_mut().enumerate() {
                r.rps = if i == to { total } else { 0.0 };
            }
            return;
        }
        // DNS follows the primary's health alarm (a Route 53 health check of the CloudWatch
        // alarm kind): when it is in ALARM, traffic goes to the DR region, whether the data put
        // it there or SetAlarmState did (until the next evaluation sets what the data says).
        let p = &self.regions[0];
        let primary_up = !p.alarms.iter().any(|a| {
            matches!(a.source, super::state::MetricSource::HealthCheck(_))
                && a.state == AlarmState::Alarm
        });
        for (i, r) in self.regions.iter_mut().enumerate() {
            r.rps = match (i, primary_up) {
                (0, true) | (1, false) => total,
                _ => 0.0,
            };
        }
    }

    fn launch_instance(&mut self, r: usize, asg: Option<usize>, role: Role, az: &str) -> String {
        let id = format!("i-0{}", self.rng.hex(16));
        let now = self.now;
        let region = &mut self.regions[r];
        region.instances.push(Instance {
            id: id.clone(),
            az: az.to_owned(),
            role,
            ec2: Ec2State::Pending(now.plus_secs(BOOT_SECS)),
            asg,
            lifecycle: if asg.is_some() {
                Lifecycle::Pending
            } else {
                Lifecycle::None
            },
            healthy: true,
            launched: now,
            cpu: 0.0,
            tasks: 0,
        });
        region.index.insert(id.clone(), region.instances.len() - 1);
        id
    }

    fn step_instances(&mut self, r: usize) {
        let now = self.now;
        let mut in_service = Vec::new();
        let mut gone = Vec::new();
        for inst in &mut self.regions[r].instances {
            match inst.ec2 {
                Ec2State::Pending(t) if now >= t => {
                    inst.ec2 = Ec2State::Running;
                    if inst.lifecycle == Lifecycle::Pending {
                        inst.lifecycle = Lifecycle::InService;
                        in_service.push(inst.id.clone());
                    }
                }
                Ec2State::Stopping(t) if now >= t => inst.ec2 = Ec2State::Stopped,
                _ => {}
            }
            if let Lifecycle::Terminating(t) = inst.lifecycle
                && now >= t
            {
                gone.push(inst.id.clone());
            }
        }
        for id in in_service {
            let Some(asg) = self.regions[r].instance(&id).and_then(|i| i.asg) else {
                continue;
            };
            let tgs = self.regions[r].asgs[asg].tgs.clone();
            let az = self.regions[r]
                .instance(&id)
                .map(|i| i.az.clone())
                .unwrap_or_default();
            for (tg, port) in tgs {
                self.register(
                    r,
                    tg,
                    TargetRef::Instance(id.clone()),
                    id.clone(),
                    port,
                    &az,
                );
            }
        }
        if !gone.is_empty() {
            let region = &mut self.regions[r];
            region.instances.retain(|i| !gone.contains(&i.id));
            region.reindex();
            for svc in &mut region.services {
                for t in &mut svc.tasks {
                    if t.host.as_ref().is_some_and(|h| gone.contains(h))
                        && !matches!(t.state, TaskState::Stopping(_))
                    {
                        t.state = TaskState::Stopping(now);
                    }
                }
            }
        }
    }

    /// Registers a target: it starts `initial` and is checked from the next interval on.
    fn register(
        &mut self,
        r: usize,
        tg: usize,
        target: TargetRef,
        id: String,
        port: u16,
        az: &str,
    ) {
        let now = self.now;
        let g = &mut self.regions[r].tgs[tg];
        if g.members
            .iter()
            .any(|m| m.target == target && m.drain_until.is_none())
        {
            return;
        }
        g.members.push(Member {
            target,
            id,
            port,
            az: az.to_owned(),
            state: TargetState::Initial,
            reason: Some("Elb.RegistrationInProgress"),
            ok_streak: 0,
            fail_streak: 0,
            next_check: now.plus_secs(f64::from(g.interval)),
            drain_until: None,
        });
    }

    /// Deregisters a target: it drains for the group's deregistration delay, then goes.
    fn deregister(&mut self, r: usize, target: &TargetRef) {
        let now = self.now;
        let mut changes = Vec::new();
        for g in &mut self.regions[r].tgs {
            let delay = f64::from(g.deregistration_delay);
            for m in g.members.iter_mut().filter(|m| &m.target == target) {
                if m.drain_until.is_none() {
                    m.drain_until = Some(now.plus_secs(delay));
                    m.state = TargetState::Draining;
                    m.reason = Some("Target.DeregistrationInProgress");
                    changes.push((g.name.clone(), m.id.clone()));
                }
            }
        }
        for (tg, id) in changes {
            self.emit(
                r,
                EventKind::Target,
                Severity::Info,
                &tg,
                format!("{id} draining (deregistered)"),
            );
        }
    }

    fn activity(&mut self, r: usize, asg: usize, description: String, cause: String) {
        let now = self.now;
        let g = &mut self.regions[r].asgs[asg];
        if g.activities.len() == ACTIVITIES_KEPT {
            g.activities.pop_back();
        }
        g.activities.push_front(ScalingActivity {
            at: now,
            status: "Successful".into(),
            description: description.clone(),
            cause,
        });
        let name = g.name.clone();
        self.emit(r, EventKind::Scaling, Severity::Info, &name, description);
    }

    fn step_asgs(&mut self, r: usize) {
        let now = self.now;
        let tick = self.tick();
        let n = self.regions[r].asgs.len();
        // One pass over the instances: live counts, and stopped instances due an EC2 health check.
        let mut live = vec![0usize; n];
        let mut bad = Vec::new();
        {
            let region = &self.regions[r];
            for i in &region.instances {
                let Some(a) = i.asg else { continue };
                if matches!(i.lifecycle, Lifecycle::Terminating(_)) {
                    continue;
                }
                live[a] += 1;
                let due = (tick + region.asgs[a].health_offset) % 60 == 0;
                if due
                    && i.lifecycle == Lifecycle::InService
                    && matches!(i.ec2, Ec2State::Stopping(_) | Ec2State::Stopped)
                {
                    bad.push((a, i.id.clone()));
                }
            }
        }
        for (a, id) in bad {
            self.terminate(r, &id, 60.0);
            self.activity(
                r,
                a,
                format!("Terminating EC2 instance: {id}"),
                format!(
                    "At {} an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped.",
                    now.rfc3339()
                ),
            );
            live[a] -= 1;
        }
        for (a, &count) in live.iter().enumerate() {
            let desired = self.regions[r].asgs[a].desired as usize;
            if count < desired {
                for _ in count..desired {
                    let az = self.least_loaded_az(r, a);
                    let role = self.regions[r].asgs[a].role;
                    let id = self.launch_instance(r, Some(a), role, &az);
                    self.activity(
                        r,
                        a,
                        format!("Launching a new EC2 instance: {id}"),
                        format!(
                            "At {} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from {count} to {desired}.",
                            now.rfc3339()
                        ),
                    );
                }
            } else if count > desired {
                // Default termination policy, simplified: the newest instances go first.
                let victims: Vec<String> = self.regions[r]
                    .instances
                    .iter()
                    .filter(|i| {
                        i.asg == Some(a) && !matches!(i.lifecycle, Lifecycle::Terminating(_))
                    })
                    .map(|i| i.id.clone())
                    .rev()
                    .take(count - desired)
                    .collect();
                let delay = self.drain_delay(r, a);
                for id in victims {
                    self.terminate(r, &id, delay);
                    self.activity(
                        r,
                        a,
                        format!("Terminating EC2 instance: {id}"),
                        format!(
                            "At {} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from {count} to {desired}.",
                            now.rfc3339()
                        ),
                    );
                }
            }
        }
    }

    fn drain_delay(&self, r: usize, a: usize) -> f64 {
        let region = &self.regions[r];
        region.asgs[a]
            .tgs
            .iter()
            .map(|&(tg, _)| f64::from(region.tgs[tg].deregistration_delay))
            .fold(30.0, f64::max)
    }

    fn least_loaded_az(&self, r: usize, a: usize) -> String {
        let region = &self.regions[r];
        let g = &region.asgs[a];
        g.azs
            .iter()
            .min_by_key(|az| {
                region
                    .instances
                    .iter()
                    .filter(|i| i.asg == Some(a) && &i.az == *az)
                    .count()
            })
            .cloned()
            .unwrap_or_else(|| region.azs[0].clone())
    }

    fn terminate(&mut self, r: usize, id: &str, after: f64) {
        let now = self.now;
        if let Some(inst) = self.regions[r].instances.iter_mut().find(|i| i.id == id) {
            inst.lifecycle = Lifecycle::Terminating(now.plus_secs(after));
            inst.healthy = false;
        }
        self.deregister(r, &TargetRef::Instance(id.to_owned()));
    }

    fn service_event(&mut self, r: usize, s: usize, message: String, severity: Severity) {
        let now = self.now;
        let svc = &mut self.regions[r].services[s];
        if svc.events.len() == SERVICE_EVENTS_KEPT {
            svc.events.pop_back();
        }
        svc.events.push_front(ServiceEvent {
            at: now,
            message: message.clone(),
        });
        let name = svc.name.clone();
        self.emit(r, EventKind::Ecs, severity, &name, message);
    }

    /// Whether a task passes its load balancer health checks right now.
    fn task_serves(&self, r: usize, task: &Task) -> bool {
        let region = &self.regions[r];
        region.task_up(task)
            && (region.task_defs[task.task_def].good
                || self.now.secs_since(task.started) < BAD_IMAGE_CRASH_SECS)
    }

    fn task_healthy_in_lb(&self, r: usize, s: usize, task: &Task) -> bool {
        let region = &self.regions[r];
        region.services[s].tgs.iter().all(|&(tg, _)| {
            region.tgs[tg].members.iter().any(|m| {
                m.target == TargetRef::Task(task.id.clone()) && m.state == TargetState::Healthy
            })
        })
    }

    /// The ECS service scheduler, every 5 s: place and start tasks, replace failed ones, roll
    /// deployments within minimum-healthy and maximum percent, and drive managed scaling.
    fn step_services(&mut self, r: usize) {
        let now = self.now;
        for s in 0..self.regions[r].services.len() {
            // Finish stopping tasks and start provisioned ones.
            let mut started = Vec::new();
            {
                let region = &mut self.regions[r];
                let svc = &mut region.services[s];
                let mut freed = Vec::new();
                svc.tasks.retain(|t| match t.state {
                    TaskState::Stopping(at) if now >= at => {
                        if let Some(h) = &t.host {
                            freed.push(h.clone());
                        }
                        false
                    }
                    _ => true,
                });
                for t in &mut svc.tasks {
                    if let TaskState::Provisioning(Some(at)) = t.state
                        && now >= at
                    {
                        t.state = TaskState::Running;
                        t.started = now;
                        started.push(t.id.clone());
                    }
                }
                for h in freed {
                    if let Some(i) = region.instances.iter_mut().find(|i| i.id == h) {
                        i.tasks = i.tasks.saturating_sub(1);
                    }
                }
            }
            for id in &started {
                let (tgs, ip, az) = {
                    let svc = &self.regions[r].services[s];
                    let t = svc.tasks.iter().find(|t| &t.id == id).cloned();
                    let Some(t) = t else { continue };
                    (svc.tgs.clone(), t.ip, t.az)
                };
                for (tg, port) in &tgs {
                    self.register(r, *tg, TargetRef::Task(id.clone()), ip.clone(), *port, &az);
                }
                let name = self.regions[r].services[s].name.clone();
                let tg_names: Vec<String> = tgs
                    .iter()
                    .map(|(tg, _)| self.regions[r].tgs[*tg].name.clone())
                    .collect();
                self.service_event(
                    r,
                    s,
                    format!(
                        "(service {name}) registered 1 targets in (target-group {})",
                        tg_names.join(", ")
                    ),
                    Severity::Info,
                );
            }
            // Tasks that failed their health checks are stopped and replaced.
            let failed: Vec<(String, String)> = {
                let region = &self.regions[r];
                let svc = &region.services[s];
                svc.tasks
                    .iter()
                    .filter(|t| t.state == TaskState::Running)
                    .filter_map(|t| {
                        svc.tgs.iter().find_map(|&(tg, _)| {
                            region.tgs[tg]
                                .members
                                .iter()
                                .any(|m| {
                                    m.target == TargetRef::Task(t.id.clone())
                                        && m.state == TargetState::Unhealthy
                                })
                                .then(|| (t.id.clone(), region.tgs[tg].name.clone()))
                        })
                    })
                    .collect()
            };
            for (id, tg) in failed {
                self.stop_task(r, s, &id, true);
                let name = self.regions[r].services[s].name.clone();
                self.service_event(
                    r,
                    s,
                    format!("(service {name}) (task {}) failed ELB health checks in (target-group {tg}).", &id[..12]),
                    Severity::Crit,
                );
            }
            self.schedule_tasks(r, s);
            self.place_tasks(r, s);
            self.check_rollout(r, s);
        }
        if self.tick() % 60 == 0 {
            self.managed_scaling(r);
        }
    }

    fn stop_task(&mut self, r: usize, s: usize, id: &str, failed: bool) {
        let now = self.now;
        {
            let svc = &mut self.regions[r].services[s];
            if let Some(t) = svc.tasks.iter_mut().find(|t| t.id == id) {
                if failed {
                    let dep = t.deployment.clone();
                    if let Some(d) = svc.deployments.iter_mut().find(|d| d.id == dep) {
                        d.failed += 1;
                    }
                }
                t.state = TaskState::Stopping(now.plus_secs(30.0));
            }
        }
        self.deregister(r, &TargetRef::Task(id.to_owned()));
    }

    fn schedule_tasks(&mut self, r: usize, s: usize) {
        let now = self.now;
        let (desired, min_h, max_p) = {
            let svc = &self.regions[r].services[s];
            (svc.desired, svc.min_healthy, svc.max_percent)
        };
        let max_tasks = (desired * max_p / 100).max(1) as usize;
        let min_healthy = (desired * min_h).div_ceil(100) as usize;
        let Some(primary) = self.regions[r].services[s].deployments.last().cloned() else {
            return;
        };
        let active: Vec<Task> = self.regions[r].services[s]
            .tasks
            .iter()
            .filter(|t| !matches!(t.state, TaskState::Stopping(_)))
            .cloned()
            .collect();
        let (new, old): (Vec<&Task>, Vec<&Task>) =
            active.iter().partition(|t| t.deployment == primary.id);
        let healthy = active
            .iter()
            .filter(|t| self.task_healthy_in_lb(r, s, t))
            .count();
        // Scale in: stop the newest surplus tasks of the primary deployment.
        if new.len() > desired as usize {
            let surplus: Vec<String> = new
                .iter()
                .rev()
                .take(new.len() - desired as usize)
                .map(|t| t.id.clone())
                .collect();
            for id in surplus {
                self.stop_task(r, s, &id, false);
                let name = self.regions[r].services[s].name.clone();
                self.service_event(
                    r,
                    s,
                    format!(
                        "(service {name}) has stopped 1 running tasks: (task {}).",
                        &id[..12]
                    ),
                    Severity::Info,
                );
            }
            return;
        }
        let room = max_tasks.saturating_sub(active.len());
        let want = (desired as usize).saturating_sub(new.len());
        if want > 0 && room > 0 {
            for _ in 0..want.min(room) {
                let id = self.rng.hex(32);
                let az_i = (self.rng.next_u64() % 2) as usize;
                let ip = self.regions[r].next_ip(az_i);
                let az = self.regions[r].azs[az_i].clone();
                let svc = &mut self.regions[r].services[s];
                svc.tasks.push(Task {
                    id: id.clone(),
                    ip,
                    deployment: primary.id.clone(),
                    task_def: primary.task_def,
                    state: TaskState::Provisioning(None),
                    host: None,
                    az,
                    started: now,
                });
                svc.steady = false;
                let name = svc.name.clone();
                self.service_event(
                    r,
                    s,
                    format!(
                        "(service {name}) has started 1 tasks: (task {}).",
                        &id[..12]
                    ),
                    Severity::Info,
                );
            }
        } else if want > 0 && !old.is_empty() && healthy > min_healthy.min(active.len()) {
            // No room: stop an old task while the healthy count stays at or above the minimum.
            let stoppable = healthy - min_healthy;
            let victims: Vec<String> = old
                .iter()
                .take(stoppable.min(want))
                .map(|t| t.id.clone())
                .collect();
            for id in victims {
                self.stop_task(r, s, &id, false);
                let name = self.regions[r].services[s].name.clone();
                self.service_event(
                    r,
                    s,
                    format!(
                        "(service {name}) has stopped 1 running tasks: (task {}).",
                        &id[..12]
                    ),
                    Severity::Info,
                );
            }
        } else if want == 0 && !old.is_empty() {
            // The new deployment has its tasks: drain the old ones once the new ones are healthy.
            let new_healthy = new
                .iter()
                .filter(|t| self.task_healthy_in_lb(r, s, t))
                .count();
            if new_healthy >= desired as usize {
                let victims: Vec<String> = old.iter().map(|t| t.id.clone()).collect();
                for id in victims {
                    self.stop_task(r, s, &id, false);
                }
            }
        }
    }

    /// Places provisioning tasks on capacity-provider instances with room (one task a host).
    fn place_tasks(&mut self, r: usize, s: usize) {
        let now = self.now;
        let cap = self.regions[r].services[s].capacity_asg;
        loop {
            let region = &mut self.regions[r];
            let Some(ti) = region.services[s]
                .tasks
                .iter()
                .position(|t| t.state == TaskState::Provisioning(None))
            else {
                return;
            };
            let host = region.instances.iter_mut().find(|i| {
                i.role == Role::EcsHost
                    && (cap.is_none() || i.asg == cap)
                    && i.lifecycle == Lifecycle::InService
                    && i.is_running()
                    && i.tasks == 0
            });
            let Some(host) = host else { return };
            host.tasks += 1;
            let (hid, haz) = (host.id.clone(), host.az.clone());
            let t = &mut region.services[s].tasks[ti];
            t.host = Some(hid);
            t.az = haz;
            t.state = TaskState::Provisioning(Some(now.plus_secs(TASK_START_SECS)));
        }
    }

    fn check_rollout(&mut self, r: usize, s: usize) {
        let (done, name, dep_id, steady_before) = {
            let svc = &self.regions[r].services[s];
            let Some(p) = svc.deployments.last() else {
                return;
            };
            let running_new: Vec<&Task> = svc
                .tasks
                .iter()
                .filter(|t| t.deployment == p.id && t.state == TaskState::Running)
                .collect();
            let others = svc
                .tasks
                .iter()
                .any(|t| t.deployment != p.id && !matches!(t.state, TaskState::Stopping(_)));
            let healthy = running_new
                .iter()
                .filter(|t| self.task_healthy_in_lb(r, s, t))
                .count();
            (
                healthy >= svc.desired as usize
                    && !others
                    && running_new.len() == svc.desired as usize,
                svc.name.clone(),
                p.id.clone(),
                svc.steady,
            )
        };
        if !done {
            return;
        }
        let mut completed_now = false;
        {
            let svc = &mut self.regions[r].services[s];
            if let Some(p) = svc.deployments.last_mut()
                && !p.completed
            {
                p.completed = true;
                completed_now = true;
            }
            let keep = svc.deployments.len().saturating_sub(1);
            svc.deployments.drain(..keep);
            svc.steady = true;
        }
        if completed_now {
            self.service_event(
                r,
                s,
                format!("(service {name}) (deployment {dep_id}) deployment completed."),
                Severity::Ok,
            );
        }
        if !steady_before {
            self.service_event(
                r,
                s,
                format!("(service {name}) has reached a steady state."),
                Severity::Ok,
            );
        }
    }

    /// ECS managed scaling: the capacity-provider group follows the tasks that need a host.
    fn managed_scaling(&mut self, r: usize) {
        for s in 0..self.regions[r].services.len() {
            let Some(a) = self.regions[r].services[s].capacity_asg else {
                continue;
            };
            let needed = self.regions[r].services[s]
                .tasks
                .iter()
                .filter(|t| !matches!(t.state, TaskState::Stopping(_)))
                .count() as u32;
            let g = &self.regions[r].asgs[a];
            let target = needed.clamp(g.min, g.max);
            if target > g.desired {
                let name = g.name.clone();
                let from = g.desired;
                self.regions[r].asgs[a].desired = target;
                self.activity(
                    r,
                    a,
                    format!("Setting desired capacity of {name} from {from} to {target}"),
                    format!("At {} ECS managed scaling changed the desired capacity from {from} to {target}.", self.now.rfc3339()),
                );
            }
        }
    }

    fn probe(&self, r: usize, m: &Member) -> bool {
        let region = &self.regions[r];
        match &m.target {
            TargetRef::Instance(id) => region.instance(id).is_some_and(|i| region.reachable(i)),
            TargetRef::Task(id) => region.services.iter().any(|svc| {
                svc.tasks
                    .iter()
                    .any(|t| &t.id == id && self.task_serves(r, t))
            }),
        }
    }

    /// Health checks of every target that is due, by the group's interval and thresholds.
    fn step_health_checks(&mut self, r: usize) {
        let now = self.now;
        let mut transitions = Vec::new();
        for g in 0..self.regions[r].tgs.len() {
            // Targets whose draining is over go.
            self.regions[r].tgs[g]
                .members
                .retain(|m| m.drain_until.is_none_or(|t| now < t));
            for mi in 0..self.regions[r].tgs[g].members.len() {
                let m = &self.regions[r].tgs[g].members[mi];
                if m.drain_until.is_some() || now < m.next_check {
                    continue;
                }
                let ok = self.probe(r, m);
                let tg = &mut self.regions[r].tgs[g];
                let (interval, ht, ut) =
                    (tg.interval, tg.healthy_threshold, tg.unhealthy_threshold);
                let http = tg.hc_protocol.starts_with("HTTP");
                let m = &mut tg.members[mi];
                m.next_check = now.plus_secs(f64::from(interval));
                let before = m.state;
                if ok {
                    m.ok_streak += 1;
                    m.fail_streak = 0;
                    if m.ok_streak >= ht && m.state != TargetState::Healthy {
                        m.state = TargetState::Healthy;
                        m.reason = None;
                    }
                } else {
                    m.fail_streak += 1;
                    m.ok_streak = 0;
                    if m.fail_streak >= ut && m.state != TargetState::Unhealthy {
                        m.state = TargetState::Unhealthy;
                        m.reason = Some(if http {
                            "Target.ResponseCodeMismatch"
                        } else {
                            "Target.FailedHealthChecks"
                        });
                    }
                }
                if m.state != before {
                    transitions.push((tg.name.clone(), m.id.clone(), before, m.state, m.reason));
                }
            }
        }
        for (tg, id, from, to, reason) in transitions {
            let sev = match to {
                TargetState::Healthy => Severity::Ok,
                TargetState::Unhealthy => Severity::Crit,
                _ => Severity::Info,
            };
            let why = reason.map(|r| format!(" ({r})")).unwrap_or_default();
            self.emit(
                r,
                EventKind::Target,
                sev,
                &tg,
                format!("{id} {} -> {}{why}", from.as_str(), to.as_str()),
            );
        }
    }

    /// State Manager: run associations on new instances, on schedule, and on demand.
    fn step_associations(&mut self, r: usize) {
        for a in 0..self.regions[r].associations.len() {
            self.finish_executions(r, a);
            // Start executions: State Manager looks for new targets every 15 s.
            if self.tick() % 15 == 0 || self.regions[r].associations[a].run_now {
                self.start_execution(r, a);
            }
        }
    }

    /// Ends the executions of an association whose time is up: each reachable instance
    /// succeeds (or fails now and then), the others are undeliverable.
    fn finish_executions(&mut self, r: usize, a: usize) {
        let now = self.now;
        // Finish executions.
        let mut finished = Vec::new();
        {
            let region = &mut self.regions[r];
            let reachable: std::collections::HashSet<String> = region.associations[a]
                .executions
                .iter()
                .flat_map(|e| e.results.iter())
                .filter(|(t, _)| t.status == ExecStatus::InProgress)
                .filter(|(t, _)| {
                    region
                        .instance(&t.instance_id)
                        .is_some_and(|i| region.reachable(i))
                })
                .map(|(t, _)| t.instance_id.clone())
                .collect();
            let assoc = &mut region.associations[a];
            for ex in &mut assoc.executions {
                let mut changed = false;
                for (t, done) in &mut ex.results {
                    if t.status == ExecStatus::InProgress && now >= *done {
                        changed = true;
                        t.at = now;
                        if reachable.contains(&t.instance_id) {
                            let fail = self.rng.chance(0.03);
                            t.status = if fail {
                                ExecStatus::Failed
                            } else {
                                ExecStatus::Success
                            };
                            t.detail = if fail {
                                "failed to run commands: exit status 1".into()
                            } else if assoc.document == "AWS-ApplyAnsiblePlaybooks" {
                                "ok=7 changed=0 unreachable=0 failed=0".into()
                            } else {
                                "exit status 0".into()
                            };
                        } else {
                            t.status = ExecStatus::Failed;
                            t.detail = "Undeliverable: the instance did not respond".into();
                        }
                    }
                }
                if changed
                    && ex
                        .results
                        .iter()
                        .all(|(t, _)| t.status != ExecStatus::InProgress)
                {
                    let ok = ex
                        .results
                        .iter()
                        .filter(|(t, _)| t.status == ExecStatus::Success)
                        .count();
                    finished.push((assoc.name.clone(), ex.id.clone(), ok, ex.results.len()));
                }
            }
        }
        for (name, id, ok, n) in finished {
            let sev = if ok == n {
                Severity::Ok
            } else {
                Severity::Warn
            };
            self.emit(
                r,
                EventKind::Association,
                sev,
                &name,
                format!("execution {} finished: {ok}/{n} succeeded", &id[..8]),
            );
        }
    }

    /// Starts an execution on the association's instances that need one: new ones, or all of
    /// them when its schedule or an operator asks.
    fn start_execution(&mut self, r: usize, a: usize) {
        let now = self.now;
        let targets: Vec<String> = {
            let region = &self.regions[r];
            let assoc = &region.associations[a];
            let scheduled = assoc
                .schedule_secs
                .is_some_and(|s| now.secs_since(assoc.last_scheduled) >= s as f64);
            let ready: Vec<&Instance> = region
                .instances
                .iter()
                .filter(|i| {
                    i.role == assoc.role
                        && i.is_running()
                        && !matches!(i.lifecycle, Lifecycle::Terminating(_))
                        && now.secs_since(i.launched) >= BOOT_SECS + SSM_REGISTER_SECS
                })
                .collect();
            if scheduled || assoc.run_now {
                ready.iter().map(|i| i.id.clone()).collect()
            } else {
                ready
                    .iter()
                    .filter(|i| !assoc.seen.contains(&i.id))
                    .map(|i| i.id.clone())
                    .collect()
            }
        };
        // Forget instances that are gone, so the set stays the size of the fleet.
        let region = &mut self.regions[r];
        let alive = &region.index;
        region.associations[a]
            .seen
            .retain(|id| alive.contains_key(id));
        let assoc = &mut self.regions[r].associations[a];
        let was_forced = assoc.run_now;
        assoc.run_now = false;
        if assoc
            .schedule_secs
            .is_some_and(|s| now.secs_since(assoc.last_scheduled) >= s as f64)
        {
            assoc.last_scheduled = now;
        }
        if targets.is_empty() {
            return;
        }
        let id = self.rng.uuid();
        let mut results = Vec::new();
        for t in &targets {
            let dur = assoc.duration_secs * (0.8 + 0.4 * self.rng.f64());
            results.push((
                ExecutionTarget {
                    instance_id: t.clone(),
                    status: ExecStatus::InProgress,
                    detail: String::new(),
                    at: now,
                },
                now.plus_secs(dur),
            ));
            assoc.seen.insert(t.clone());
        }
        if assoc.executions.len() == EXECUTIONS_KEPT {
            assoc.executions.pop_back();
        }
        assoc.executions.push_front(SimExecution {
            id: id.clone(),
            created_at: now,
            results,
        });
        let name = assoc.name.clone();
        let why = if was_forced { "on demand" } else { "applying" };
        self.emit(
            r,
            EventKind::Association,
            Severity::Info,
            &name,
            format!(
                "execution {} started ({why}) on {} instance(s)",
                &id[..8],
                targets.len()
            ),
        );
    }

    /// Per-second metric samples; at each minute the minute's datapoint is stored.
    fn step_metrics(&mut self, r: usize) {
        let now = self.now;
        let spike = self.regions[r].cpu_spike_until.is_some();
        let region = &mut self.regions[r];
        // Load balancer 5XX: traffic that meets a bad or unreachable target, or no target at all.
        let lb_count = region.lbs.len();
        region.lb_5xx.resize(lb_count, 0.0);
        for l in 0..lb_count {
            let mut routable = 0usize;
            let mut bad = 0usize;
            // A zone shifted away from takes no traffic: neither its load-balancer node nor its
            // targets.
            let shifted = region.shifted_zone(l);
            for &g in &region.lbs[l].tgs {
                for m in &region.tgs[g].members {
                    let serving = (m.state == TargetState::Healthy
                        || (m.state == TargetState::Initial && m.ok_streak > 0))
                        && shifted.as_deref() != Some(m.az.as_str());
                    if serving {
                        routable += 1;
                        let fine = match &m.target {
                            TargetRef::Instance(id) => {
                                region.instance(id).is_some_and(|i| region.reachable(i))
                            }
                            TargetRef::Task(id) => region.services.iter().any(|svc| {
                                svc.tasks.iter().any(|t| {
                                    &t.id == id
                                        && region.task_defs[t.task_def].good
                                        && region.task_up(t)
                                })
                            }),
                        };
                        if !fine {
                            bad += 1;
                        }
                    }
                }
            }
            let rps = region.rps;
            // A zone gone dark fails in grey: its load-balancer node stays in DNS (its health
            // checks pass from elsewhere) and half of what reaches it fails, until a zonal shift
            // takes the zone out.
            let grey = match &region.dark_az {
                Some(dark) if shifted.as_deref() != Some(dark.as_str()) && !region.dark => {
                    rps / region.azs.len().max(1) as f64 * 0.5
                }
                _ => 0.0,
            };
            region.lb_5xx[l] = if rps <= 0.0 {
                0.0
            } else if routable == 0 {
                rps
            } else {
                rps * (bad as f64 / routable as f64) + rps * 0.0005 + grey
            };
        }
        // CPU of each instance: baseline, load per in-service instance, and the spike fault.
        let mut serving = vec![0usize; region.asgs.len()];
        for i in &region.instances {
            if let Some(a) = i.asg
                && i.lifecycle == Lifecycle::InService
                && i.is_running()
            {
                serving[a] += 1;
            }
        }
        let rps = region.rps;
        let roles: Vec<Role> = region.asgs.iter().map(|g| g.role).collect();
        for i in &mut region.instances {
            let Some(a) = i.asg else { continue };
            let per = rps / serving[a].max(1) as f64;
            let role = roles[a];
            let load = if role == Role::App {
                per * 1.5
            } else {
                per * 0.6
            };
            let target = if i.is_running() {
                (12.0
                    + load
                    + if spike && role == Role::App {
                        75.0
                    } else {
                        0.0
                    })
                .min(99.5)
            } else {
                0.0
            };
            i.cpu += (target - i.cpu) * 0.2;
        }
        let mut cpu = vec![(0.0f64, 0usize); region.asgs.len()];
        for i in &region.instances {
            if let (Some(a), Lifecycle::InService) = (i.asg, i.lifecycle) {
                cpu[a].0 += i.cpu;
                cpu[a].1 += 1;
            }
        }
        let samples: Vec<f64> = region
            .alarms
            .iter()
            .map(|al| sample(region, &cpu, al.source))
            .collect();
        let minute = self.tick() % 60 == 0;
        let errors = self.rng.noise(0.5).max(0.0) * 0.02;
        let region = &mut self.regions[r];
        let mut log_errors = 0.0f64;
        for (al, v) in region.alarms.iter_mut().zip(samples) {
            let v = if al.source == MetricSource::LogErrors {
                // The log metric filter counts lines the application writes: owe them to the log.
                log_errors = log_errors.max(v + errors);
                v + errors
            } else {
                v
            };
            let acc = &mut al.acc;
            acc.0 += v;
            acc.1 = if acc.3 == 0 { v } else { acc.1.min(v) };
            acc.2 = if acc.3 == 0 { v } else { acc.2.max(v) };
            acc.3 += 1;
            if minute {
                let (sum, min, max, n) = *acc;
                let value = match al.statistic {
                    "Sum" => sum.round(),
                    "Minimum" => min,
                    "Maximum" => max,
                    _ => (sum / f64::from(n.max(1)) * 10.0).round() / 10.0,
                };
                if al.history.len() == HISTORY_MINUTES {
                    al.history.pop_front();
                }
                al.history.push_back((now.plus_secs(-60.0), value));
                *acc = (0.0, 0.0, 0.0, 0);
            }
        }
        region.log_errors += log_errors;
        // HealthyHostCount (Minimum) and UnHealthyHostCount (Maximum) of every target group.
        for tg in &mut region.tgs {
            let count = |s: TargetState| tg.members.iter().filter(|m| m.state == s).count() as f64;
            let (h, u) = (count(TargetState::Healthy), count(TargetState::Unhealthy));
            let (min_h, max_u) = tg.host_acc.unwrap_or((h, u));
            tg.host_acc = Some((min_h.min(h), max_u.max(u)));
            if minute && let Some((h, u)) = tg.host_acc.take() {
                if tg.hosts.len() == HISTORY_MINUTES {
                    tg.hosts.pop_front();
                }
                tg.hosts.push_back((now.plus_secs(-60.0), h, u));
            }
        }
    }

    /// Evaluates every alarm whose period ends now, `CloudWatch` style: M of N datapoints.
    fn evaluate_alarms(&mut self, r: usize) {
        let now = self.now;
        let tick = self.tick();
        let mut transitions = Vec::new();
        let mut scale = Vec::new();
        for al in &mut self.regions[r].alarms {
            let period_min = (al.period / 60).max(1) as usize;
            if (tick / 60) % period_min as i64 != 0 {
                continue;
            }
            let need = period_min * al.evaluation_periods as usize;
            if al.history.len() < need {
                continue;
            }
            let recent: Vec<f64> = al.history.iter().rev().take(need).map(|p| p.1).collect();
            let points: Vec<f64> = recent
                .chunks(period_min)
                .map(|c| match al.statistic {
                    "Sum" => c.iter().sum(),
                    "Minimum" => c.iter().copied().fold(f64::INFINITY, f64::min),
                    "Maximum" => c.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    _ => c.iter().sum::<f64>() / c.len() as f64,
                })
                .collect();
            let breaching = points
                .iter()
                .filter(|v| al.comparison.breaches(al.threshold, **v))
                .count();
            let new_state = if breaching >= al.evaluation_periods as usize {
                AlarmState::Alarm
            } else {
                AlarmState::Ok
            };
            if new_state == AlarmState::Alarm
                && let Some(a) = al.scale_out
            {
                scale.push((a, al.name.clone()));
            }
            if new_state != al.state {
                let list: Vec<String> = points.iter().map(|v| format!("{v:.1}")).collect();
                let word = if new_state == AlarmState::Alarm {
                    "was"
                } else {
                    "was not"
                };
                al.reason = format!(
                    "Threshold Crossed: {} datapoint{} [{}] {word} {} the threshold ({:.1}).",
                    points.len(),
                    if points.len() == 1 { "" } else { "s" },
                    list.join(", "),
                    al.comparison.words(),
                    al.threshold
                );
                transitions.push((al.name.clone(), al.state, new_state));
                al.state = new_state;
                al.updated_at = now;
            }
        }
        for (name, from, to) in transitions {
            self.alarm_event(r, &name, from, to, "");
        }
        for (a, alarm) in scale {
            let g = &self.regions[r].asgs[a];
            if now < g.cooldown_until || g.desired >= g.max {
                continue;
            }
            let (name, from) = (g.name.clone(), g.desired);
            self.regions[r].asgs[a].desired = from + 1;
            self.regions[r].asgs[a].cooldown_until = now.plus_secs(300.0);
            self.activity(
                r,
                a,
                format!("Setting desired capacity of {name} from {from} to {}", from + 1),
                format!(
                    "At {} a monitor alarm {alarm} in state ALARM triggered policy {name}-scale-out changing the desired capacity from {from} to {}.",
                    now.rfc3339(),
                    from + 1
                ),
            );
        }
    }

    // ---- mutations (the estate writer) ----

    pub(super) fn region_mut(
        &mut self,
        region: &str,
        service: &str,
        op: &str,
    ) -> Result<usize, SourceError> {
        self.region_index(region).ok_or_else(|| {
            SourceError::new(
                ErrorClass::Validation,
                service,
                op,
                "InvalidRegion",
                format!("no region {region} in this estate"),
            )
        })
    }

    pub fn set_desired_capacity(
        &mut self,
        region: &str,
        asg: &str,
        desired: u32,
        cause: &str,
    ) -> Result<(), SourceError> {
        let r = self.region_mut(region, "autoscaling", "SetDesiredCapacity")?;
        let Some(a) = self.regions[r].asgs.iter().position(|g| g.name == asg) else {
            return Err(SourceError::new(
                ErrorClass::Validation,
                "autoscaling",
                "SetDesiredCapacity",
                "ValidationError",
                format!("AutoScalingGroup name not found - {asg}"),
            ));
        };
        let g = &self.regions[r].asgs[a];
        if desired < g.min || desired > g.max {
            return Err(SourceError::new(
                ErrorClass::Validation,
                "autoscaling",
                "SetDesiredCapacity",
                "ValidationError",
                if desired < g.min {
                    format!(
                        "New SetDesiredCapacity value {desired} is below min value {}.",
                        g.min
                    )
                } else {
                    format!(
                        "New SetDesiredCapacity value {desired} is above max value {}.",
                        g.max
                    )
                },
            ));
        }
        let from = g.desired;
        self.regions[r].asgs[a].desired = desired;
        let now = self.now;
        self.activity(
            r,
            a,
            format!("Setting desired capacity of {asg} from {from} to {desired}"),
            format!(
                "At {} {cause} changed the desired capacity from {from} to {desired}.",
                now.rfc3339()
            ),
        );
        Ok(())
    }

    pub fn update_service(&mut self, region: &str, u: &ServiceUpdate) -> Result<(), SourceError> {
        let r = self.region_mut(region, "ecs", "UpdateService")?;
        let not_found = || {
            SourceError::new(
                ErrorClass::Validation,
                "ecs",
                "UpdateService",
                "ServiceNotFoundException",
                format!("Service not found: {}/{}", u.cluster, u.service),
            )
        };
        let s = self.regions[r]
            .services
            .iter()
            .position(|s| s.cluster == u.cluster && s.name == u.service)
            .ok_or_else(not_found)?;
        let td = match &u.task_definition {
            Some(name) => Some(
                self.regions[r]
                    .task_defs
                    .iter()
                    .position(|t| &t.name() == name)
                    .ok_or_else(|| {
                        SourceError::new(
                            ErrorClass::Validation,
                            "ecs",
                            "UpdateService",
                            "ClientException",
                            format!("TaskDefinition not found: {name}"),
                        )
                    })?,
            ),
            None => None,
        };
        if let Some(d) = u.desired {
            self.regions[r].services[s].desired = d;
            for dep in &mut self.regions[r].services[s].deployments {
                dep.desired = d;
            }
            self.regions[r].services[s].steady = false;
        }
        if td.is_some() || u.force_new_deployment {
            let current = self.regions[r].services[s]
                .deployments
                .last()
                .map_or(0, |d| d.task_def);
            let task_def = td.unwrap_or(current);
            let id = format!(
                "ecs-svc/{}",
                self.rng.next_u64() % 10_000_000_000_000_000_000
            );
            let now = self.now;
            let svc = &mut self.regions[r].services[s];
            svc.deployments.push(SimDeployment {
                id: id.clone(),
                task_def,
                desired: svc.desired,
                failed: 0,
                created_at: now,
                completed: false,
            });
            svc.steady = false;
            let name = svc.name.clone();
            let tdn = self.regions[r].task_defs[task_def].name();
            self.service_event(
                r,
                s,
                format!("(service {name}) started deployment {id} of {tdn}."),
                Severity::Info,
            );
        }
        Ok(())
    }

    pub fn register_task_definition(
        &mut self,
        region: &str,
        task_definition: &str,
        container: &str,
        image: &str,
    ) -> Result<String, SourceError> {
        let r = self.region_mut(region, "ecs", "RegisterTaskDefinition")?;
        let Some(base) = self.regions[r]
            .task_defs
            .iter()
            .find(|t| t.name() == task_definition)
            .cloned()
        else {
            return Err(SourceError::new(
                ErrorClass::Validation,
                "ecs",
                "DescribeTaskDefinition",
                "ClientException",
                format!("Unable to describe task definition {task_definition}."),
            ));
        };
        if container != super::state::CONTAINER {
            return Err(SourceError::new(
                ErrorClass::Validation,
                "ecs",
                "RegisterTaskDefinition",
                "ClientException",
                format!("task definition {task_definition} has no container named {container}"),
            ));
        }
        let revision = self.regions[r]
            .task_defs
            .iter()
            .filter(|t| t.family == base.family)
            .map(|t| t.revision)
            .max()
            .unwrap_or(0)
            + 1;
        let td = super::state::TaskDef {
            family: base.family,
            revision,
            image: image.to_owned(),
            good: !image.contains("bad"),
        };
        let name = td.name();
        self.regions[r].task_defs.push(td);
        Ok(name)
    }

    pub fn start_associations_once(
        &mut self,
        region: &str,
        ids: &[String],
    ) -> Result<(), SourceError> {
        let r = self.region_mut(region, "ssm", "StartAssociationsOnce")?;
        for id in ids {
            let Some(a) = self.regions[r]
                .associations
                .iter_mut()
                .find(|a| &a.id == id)
            else {
                return Err(SourceError::new(
                    ErrorClass::Validation,
                    "ssm",
                    "StartAssociationsOnce",
                    "InvalidAssociation",
                    format!("The association {id} does not exist."),
                ));
            };
            a.run_now = true;
        }
        Ok(())
    }

    /// Deletes an alarm (`cloudwatch:DeleteAlarms`), as someone else might behind the console's
    /// back (the console never deletes one); whether it existed.
    pub fn delete_alarm(&mut self, region: &str, alarm: &str) -> bool {
        let Some(r) = self.region_index(region) else {
            return false;
        };
        let before = self.regions[r].alarms.len();
        self.regions[r].alarms.retain(|a| a.name != alarm);
        self.regions[r].alarms.len() < before
    }

    pub fn set_alarm_state(
        &mut self,
        region: &str,
        alarm: &str,
        state: AlarmState,
        reason: &str,
    ) -> Result<(), SourceError> {
        let r = self.region_mut(region, "monitoring", "SetAlarmState")?;
        let now = self.now;
        let Some(al) = self.regions[r].alarms.iter_mut().find(|a| a.name == alarm) else {
            return Err(SourceError::new(
                ErrorClass::Validation,
                "monitoring",
                "SetAlarmState",
                "ResourceNotFound",
                format!("alarm {alarm} does not exist"),
            ));
        };
        let from = al.state;
        al.state = state;
        reason.clone_into(&mut al.reason);
        al.updated_at = now;
        let name = al.name.clone();
        if from != state {
            self.alarm_event(r, &name, from, state, &format!(" (set: {reason})"));
        }
        Ok(())
    }

    /// Records an alarm's state change on the timeline.
    fn alarm_event(&mut self, r: usize, name: &str, from: AlarmState, to: AlarmState, note: &str) {
        let sev = if to == AlarmState::Alarm {
            Severity::Crit
        } else {
            Severity::Ok
        };
        let msg = format!("{} -> {}{note}", from.as_str(), to.as_str());
        self.emit(r, EventKind::Alarm, sev, name, msg);
    }

    /// Timestamp helper for other modules.
    pub(super) fn at(&self) -> Timestamp {
        self.now
    }
}

/// The instantaneous value of an alarm's metric.
fn sample(region: &RegionSim, cpu: &[(f64, usize)], source: MetricSource) -> f64 {
    match source {
        MetricSource::Lb5xx(l) => region.lb_5xx.get(l).copied().unwrap_or(0.0),
        MetricSource::AsgCpu(a) => cpu
            .get(a)
            .map_or(0.0, |&(sum, n)| if n == 0 { 0.0 } else { sum / n as f64 }),
        MetricSource::TgUnhealthy(g) => region.tgs[g]
            .members
            .iter()
            .filter(|m| m.state == TargetState::Unhealthy)
            .count() as f64,
        MetricSource::LogErrors => region.lb_5xx.iter().sum::<f64>() * 0.2,
        MetricSource::HealthCheck(l) => {
            let up = region.lbs.get(l).is_some_and(|lb| {
                lb.tgs.iter().all(|&g| {
                    region.tgs[g]
                        .members
                        .iter()
                        .any(|m| m.state == TargetState::Healthy)
                })
            });
            f64::from(u8::from(up))
        }
    }
}
