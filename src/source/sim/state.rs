//! The simulated estate's state: plain structs the dynamics step and the views read.

use crate::model::{
    AlarmState, ExecutionTarget, RegionRole, ScalingActivity, ServiceEvent, TargetState, Timestamp,
};
use std::collections::{HashMap, HashSet, VecDeque};

/// What an instance does, which decides the associations that target it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Web,
    App,
    EcsHost,
}

impl Role {
    pub fn tag(self) -> &'static str {
        match self {
            Role::Web => "tag:Server=ApacheWeb",
            Role::App => "tag:Server=App",
            Role::EcsHost => "tag:Server=EcsHost",
        }
    }
}

/// EC2 instance state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ec2State {
    /// Booting until the instant.
    Pending(Timestamp),
    Running,
    /// Stopping until the instant.
    Stopping(Timestamp),
    Stopped,
}

/// Auto Scaling lifecycle of an instance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lifecycle {
    /// Not in an Auto Scaling group.
    None,
    Pending,
    InService,
    /// Terminating until the instant.
    Terminating(Timestamp),
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    pub az: String,
    pub role: Role,
    pub ec2: Ec2State,
    pub asg: Option<usize>,
    pub lifecycle: Lifecycle,
    pub healthy: bool,
    pub launched: Timestamp,
    pub cpu: f64,
    /// Tasks placed on this instance (ECS hosts).
    pub tasks: u32,
}

impl Instance {
    pub fn is_running(&self) -> bool {
        self.ec2 == Ec2State::Running
    }
}

#[derive(Debug, Clone)]
pub struct SimLb {
    pub name: String,
    pub arn: String,
    pub lb_type: &'static str,
    pub scheme: &'static str,
    pub dns_name: String,
    pub tgs: Vec<usize>,
    /// The `zonal_shift.config.enabled` attribute.
    pub zonal_shift_enabled: bool,
    /// `load_balancing.cross_zone.enabled` (always on for an ALB).
    pub cross_zone: bool,
    /// Zonal autoshift on.
    pub autoshift: bool,
}

/// What a target-group member is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetRef {
    Instance(String),
    Task(String),
}

#[derive(Debug, Clone)]
pub struct Member {
    pub target: TargetRef,
    /// What ELB shows as the target id: the instance id or the task's IP.
    pub id: String,
    pub port: u16,
    pub az: String,
    pub state: TargetState,
    pub reason: Option<&'static str>,
    pub ok_streak: u32,
    pub fail_streak: u32,
    pub next_check: Timestamp,
    pub drain_until: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct SimTg {
    pub name: String,
    pub arn: String,
    pub protocol: &'static str,
    pub port: u16,
    pub target_type: &'static str,
    pub hc_protocol: &'static str,
    pub hc_path: Option<&'static str>,
    pub hc_port: String,
    pub interval: u32,
    pub timeout: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
    pub deregistration_delay: u32,
    pub members: Vec<Member>,
    /// (minute, healthy, unhealthy) over the last hour: the host-count metrics.
    pub hosts: VecDeque<(Timestamp, f64, f64)>,
    /// This minute so far: the fewest healthy and the most unhealthy hosts (Minimum / Maximum).
    pub host_acc: Option<(f64, f64)>,
}

#[derive(Debug, Clone)]
pub struct SimAsg {
    pub name: String,
    pub min: u32,
    pub max: u32,
    pub desired: u32,
    pub role: Role,
    pub azs: Vec<String>,
    pub tgs: Vec<(usize, u16)>,
    pub activities: VecDeque<ScalingActivity>,
    pub cooldown_until: Timestamp,
    /// Offset in seconds of this group's EC2 health-check cycle.
    pub health_offset: i64,
}

/// The one container of every simulated task definition.
pub const CONTAINER: &str = "app";

#[derive(Debug, Clone)]
pub struct TaskDef {
    pub family: String,
    pub revision: u32,
    pub image: String,
    /// Whether the image serves: a bad image fails health checks and answers 5XX.
    pub good: bool,
}

impl TaskDef {
    pub fn name(&self) -> String {
        format!("{}:{}", self.family, self.revision)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TaskState {
    /// Waiting for a host, or starting until the instant.
    Provisioning(Option<Timestamp>),
    Running,
    /// Stopping; gone at the instant.
    Stopping(Timestamp),
}

#[derive(Debug, Clone)]
#[allow(clippy::struct_field_names)] // ECS calls it the task's task definition.
pub struct Task {
    pub id: String,
    pub ip: String,
    pub deployment: String,
    pub task_def: usize,
    pub state: TaskState,
    pub host: Option<String>,
    pub az: String,
    /// When the task reached RUNNING.
    pub started: Timestamp,
}

#[derive(Debug, Clone)]
pub struct SimDeployment {
    pub id: String,
    pub task_def: usize,
    pub desired: u32,
    pub failed: u32,
    pub created_at: Timestamp,
    pub completed: bool,
}

#[derive(Debug, Clone)]
pub struct SimService {
    pub cluster: String,
    pub name: String,
    pub desired: u32,
    pub min_healthy: u32,
    pub max_percent: u32,
    pub tgs: Vec<(usize, u16)>,
    /// Newest (PRIMARY) last.
    pub deployments: Vec<SimDeployment>,
    pub tasks: Vec<Task>,
    pub events: VecDeque<ServiceEvent>,
    pub capacity_asg: Option<usize>,
    pub steady: bool,
}

#[derive(Debug, Clone)]
pub struct SimExecution {
    pub id: String,
    pub created_at: Timestamp,
    /// Per instance: the result, and when it finishes.
    pub results: Vec<(ExecutionTarget, Timestamp)>,
}

#[derive(Debug, Clone)]
pub struct SimAssociation {
    pub id: String,
    pub name: String,
    pub document: String,
    pub role: Role,
    pub schedule_secs: Option<i64>,
    pub duration_secs: f64,
    pub last_scheduled: Timestamp,
    pub executions: VecDeque<SimExecution>,
    pub seen: HashSet<String>,
    /// Instances asked for by `StartAssociationsOnce`, run at the next step.
    pub run_now: bool,
}

/// Where an alarm's metric comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricSource {
    /// 5XX count answered through a load balancer (sum per minute).
    Lb5xx(usize),
    /// Average CPU of the group's `InService` instances.
    AsgCpu(usize),
    /// Unhealthy targets of a target group (maximum per minute).
    TgUnhealthy(usize),
    /// Application log lines matching `Error` (sum per minute).
    LogErrors,
    /// Route 53 health check of the region's front door (1 healthy, 0 not).
    HealthCheck(usize),
}

#[derive(Debug, Clone)]
pub struct SimAlarm {
    pub name: String,
    pub namespace: &'static str,
    pub metric: &'static str,
    pub statistic: &'static str,
    pub comparison: crate::model::Comparison,
    pub threshold: f64,
    pub period: u32,
    pub evaluation_periods: u32,
    pub dimensions: Vec<String>,
    pub source: MetricSource,
    pub state: AlarmState,
    pub reason: String,
    pub updated_at: Timestamp,
    /// Per-minute values, newest last, at most `HISTORY_MINUTES`.
    pub history: VecDeque<(Timestamp, f64)>,
    /// Accumulator for the current minute: (sum, min, max, samples).
    pub acc: (f64, f64, f64, u32),
    /// An Auto Scaling group this alarm scales out by one while in ALARM.
    pub scale_out: Option<usize>,
}

/// Minutes of metric history kept per alarm.
pub const HISTORY_MINUTES: usize = 60;

#[derive(Debug, Clone)]
pub struct RegionSim {
    pub name: crate::model::Region,
    pub role: RegionRole,
    pub azs: Vec<String>,
    pub instances: Vec<Instance>,
    pub lbs: Vec<SimLb>,
    pub tgs: Vec<SimTg>,
    pub asgs: Vec<SimAsg>,
    pub task_defs: Vec<TaskDef>,
    pub services: Vec<SimService>,
    pub associations: Vec<SimAssociation>,
    pub alarms: Vec<SimAlarm>,
    pub dark: bool,
    pub dark_az: Option<String>,
    /// Zonal shifts and autoshifts in effect.
    pub shifts: Vec<super::zonal::SimShift>,
    pub shift_seq: u64,
    pub cpu_spike_until: Option<Timestamp>,
    /// Requests per second this region receives now.
    pub rps: f64,
    /// Per-second 5XX rate, per load balancer.
    pub lb_5xx: Vec<f64>,
    pub ip_counter: u32,
    /// Instance id → index in `instances`; rebuilt by `reindex` whenever instances come or go.
    pub index: HashMap<String, usize>,
    /// What the services and instances logged, oldest first, at most `logs::KEPT`.
    pub logs: VecDeque<crate::model::logs::LogEvent>,
    /// `Error` lines owed to the log: the log-error metric's count not yet written.
    pub log_errors: f64,
}

impl RegionSim {
    /// A region of a scenario; its name is one of the scenario's own, all region names.
    pub fn new(name: &str, role: RegionRole) -> Self {
        Self {
            name: crate::model::Region::new(name).expect("a scenario names real regions"),
            role,
            azs: vec![format!("{name}a"), format!("{name}b")],
            instances: Vec::new(),
            lbs: Vec::new(),
            tgs: Vec::new(),
            asgs: Vec::new(),
            task_defs: Vec::new(),
            services: Vec::new(),
            associations: Vec::new(),
            alarms: Vec::new(),
            dark: false,
            dark_az: None,
            shifts: Vec::new(),
            shift_seq: 0,
            cpu_spike_until: None,
            rps: 0.0,
            lb_5xx: Vec::new(),
            ip_counter: 10,
            index: HashMap::new(),
            logs: VecDeque::new(),
            log_errors: 0.0,
        }
    }

    /// Rebuilds the instance index.
    pub fn reindex(&mut self) {
        self.index = self
            .instances
            .iter()
            .enumerate()
            .map(|(k, i)| (i.id.clone(), k))
            .collect();
    }

    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.index.get(id).map(|&k| &self.instances[k])
    }

    /// Whether traffic and health checks reach an instance.
    pub fn reachable(&self, inst: &Instance) -> bool {
        inst.is_running() && !self.dark && self.dark_az.as_deref() != Some(inst.az.as_str())
    }

    /// Whether a task is running on a host that traffic and health checks reach.
    pub fn task_up(&self, task: &Task) -> bool {
        task.state == TaskState::Running
            && task
                .host
                .as_deref()
                .and_then(|h| self.instance(h))
                .is_some_and(|h| self.reachable(h))
    }

    pub fn next_ip(&mut self, az_index: usize) -> String {
        self.ip_counter = self.ip_counter.wrapping_add(1);
        format!(
            "10.0.{}.{}",
            az_index * 16 + (self.ip_counter as usize / 250) % 16,
            self.ip_counter % 250 + 4
        )
    }
}
