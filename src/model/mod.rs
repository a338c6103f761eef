//! Plain domain types: what the console shows, independent of where it came from.
//! No AWS SDK types and no UI types live here; serde gives `snapshot --json` (docs/scripting.md),
//! whose field names are a contract: fields the JSON must not carry are `skip_serializing`.

pub mod fleet;
pub mod logs;
mod metrics;
mod pane;
mod region;
pub mod region_switch;
mod time;
pub mod zonal;

pub use metrics::{Point, RingSeries};
pub use pane::{Pane, Refresh};
pub use region::Region;
pub use time::{Timestamp, short_age};

use serde::{Deserialize, Serialize};

/// Health of one registered target, as Elastic Load Balancing reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum TargetState {
    Unhealthy,
    Unavailable,
    Draining,
    Initial,
    Unused,
    Healthy,
}

impl TargetState {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetState::Healthy => "healthy",
            TargetState::Unhealthy => "unhealthy",
            TargetState::Initial => "initial",
            TargetState::Draining => "draining",
            TargetState::Unused => "unused",
            TargetState::Unavailable => "unavailable",
        }
    }

    /// Parses the ELB spelling of a state.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "healthy" => TargetState::Healthy,
            "unhealthy" => TargetState::Unhealthy,
            "initial" => TargetState::Initial,
            "draining" => TargetState::Draining,
            "unused" => TargetState::Unused,
            "unavailable" => TargetState::Unavailable,
            _ => return None,
        })
    }
}

/// A registered target of a target group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    pub id: String,
    pub port: u16,
    pub az: String,
    pub state: TargetState,
    /// ELB reason code (`Target.FailedHealthChecks`, `Elb.RegistrationInProgress`, …).
    pub reason: Option<String>,
    /// The ELB description of the reason, for the detail view.
    #[serde(skip_serializing)]
    pub description: Option<String>,
    /// An administrative override of its health, e.g. `zonal_shift_active` while a zonal shift
    /// keeps traffic away from its zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_override: Option<String>,
}

/// Health-check settings of a target group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HealthCheck {
    pub protocol: String,
    /// `traffic-port` or a number.
    pub port: String,
    pub path: Option<String>,
    pub interval_secs: u32,
    pub timeout_secs: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
    pub matcher: Option<String>,
}

/// A target group with its targets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetGroup {
    pub name: String,
    pub arn: String,
    pub protocol: String,
    pub port: u16,
    /// Healthy targets.
    pub healthy: usize,
    /// Targets serving or meant to serve: every one but those draining or unused (the one
    /// definition the panes, the region view, the drill and `snapshot` share).
    pub total: usize,
    /// Targets draining: shown apart, never in `total`.
    pub draining: usize,
    pub targets: Vec<Target>,
    /// When the targets were read, if on an earlier read than the rest of the pane (live
    /// sources read the health of groups off screen in rotation); `None` when read with it.
    #[serde(skip_serializing)]
    pub health_at: Option<Timestamp>,
    #[serde(skip_serializing)]
    pub target_type: String,
    #[serde(skip_serializing)]
    pub health_check: HealthCheck,
    /// Healthy hosts, one point a minute over the last hour (`HealthyHostCount`), oldest first.
    #[serde(skip_serializing)]
    pub healthy_series: Vec<Point>,
    /// Unhealthy hosts, likewise (`UnHealthyHostCount`).
    #[serde(skip_serializing)]
    pub unhealthy_series: Vec<Point>,
}

impl TargetState {
    /// Serving, or meant to (healthy, unhealthy, starting, unavailable): not draining out and
    /// not unused.
    pub fn in_service(self) -> bool {
        !matches!(self, TargetState::Draining | TargetState::Unused)
    }
}

impl TargetGroup {
    /// Recomputes `healthy`, `total` (in service) and `draining` from the targets.
    pub fn recount(&mut self) {
        let count = |p: fn(TargetState) -> bool| self.targets.iter().filter(|t| p(t.state)).count();
        self.healthy = count(|s| s == TargetState::Healthy);
        self.total = count(TargetState::in_service);
        self.draining = count(|s| s == TargetState::Draining);
    }

    /// `2/2 healthy`, with the draining ones apart: `1/2 healthy, 3 draining`.
    pub fn health_text(&self) -> String {
        if self.draining > 0 {
            format!(
                "{}/{} healthy, {} draining",
                self.healthy, self.total, self.draining
            )
        } else {
            format!("{}/{} healthy", self.healthy, self.total)
        }
    }
}

/// Fills in the zone of instance targets whose health read gave none (DescribeTargetHealth
/// names no Availability Zone for instance targets) from the Auto Scaling groups' instances;
/// whether any changed.
pub fn join_zones(lbs: &mut [LoadBalancer], cap: &Capacity) -> bool {
    // Looked up, not searched: a large estate joins hundreds of targets to hundreds of instances
    // on every read.
    let instances = || cap.auto_scaling_groups.iter().flat_map(|g| &g.instances);
    let mut az_of: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for i in instances().filter(|i| !i.az.is_empty()) {
        az_of.entry(i.id.as_str()).or_insert(i.az.as_str());
    }
    let mut changed = false;
    for t in lbs
        .iter_mut()
        .flat_map(|l| l.target_groups.iter_mut())
        .flat_map(|g| g.targets.iter_mut())
        .filter(|t| t.az.is_empty())
    {
        if let Some(az) = az_of.get(t.id.as_str()) {
            (*az).clone_into(&mut t.az);
            changed = true;
        }
    }
    // A zone's AZ ID, which a load balancer's description does not give, from an instance in it.
    let mut id_of: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for i in instances().filter(|i| !i.az_id.is_empty()) {
        id_of.entry(i.az.as_str()).or_insert(i.az_id.as_str());
    }
    for z in lbs
        .iter_mut()
        .flat_map(|l| l.zones.iter_mut())
        .filter(|z| z.id.is_empty())
    {
        if let Some(id) = id_of.get(z.name.as_str()) {
            (*id).clone_into(&mut z.id);
            changed = true;
        }
    }
    changed
}

/// A metric value for the screen: whole numbers without decimals, others with one; `-` for none.
pub fn fmt_num(v: f64) -> String {
    if v.is_nan() {
        "-".to_owned()
    } else if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A load balancer with its target groups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadBalancer {
    pub name: String,
    pub arn: String,
    /// `application` or `network`.
    #[serde(rename = "type")]
    pub lb_type: String,
    pub scheme: String,
    pub state: String,
    pub dns_name: String,
    pub target_groups: Vec<TargetGroup>,
    /// Its Availability Zones, with their AZ IDs where known.
    pub zones: Vec<zonal::LbZone>,
    /// Zonal shifts and autoshifts moving its traffic away from a zone now.
    pub zonal_shifts: Vec<zonal::ZonalShift>,
    /// Whether ARC zonal shift manages it.
    #[serde(skip_serializing)]
    pub zonal: zonal::Managed,
    /// Why its zonal shifts could not be read (ARC not offered in the region, not allowed):
    /// `zonal_shifts` is then not known to be empty.
    #[serde(skip_serializing)]
    pub zonal_error: Option<ErrorRecord>,
}

/// An instance of an Auto Scaling group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AsgInstance {
    pub id: String,
    pub az: String,
    /// The zone's AZ ID (`use1-az4`); empty when not known.
    #[serde(skip_serializing)]
    pub az_id: String,
    pub lifecycle: Lifecycle,
    pub health: InstanceHealth,
}

/// An Auto Scaling instance's health as Auto Scaling reports it (`Healthy`, `Unhealthy`; the JSON
/// and the screen write that name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InstanceHealth {
    Healthy,
    Unhealthy,
}

impl InstanceHealth {
    /// Auto Scaling's `HealthStatus`: anything but `Healthy` is not healthy.
    pub fn parse(s: &str) -> Self {
        if s.eq_ignore_ascii_case("healthy") {
            InstanceHealth::Healthy
        } else {
            InstanceHealth::Unhealthy
        }
    }
}

impl std::fmt::Display for InstanceHealth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InstanceHealth::Healthy => "Healthy",
            InstanceHealth::Unhealthy => "Unhealthy",
        })
    }
}

/// An Auto Scaling instance's lifecycle state, as Auto Scaling names it (the JSON and the screen
/// show that name; warm-pool states and any this build does not know are kept as they came).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lifecycle {
    Pending,
    PendingWait,
    PendingProceed,
    Quarantined,
    InService,
    Terminating,
    TerminatingWait,
    TerminatingProceed,
    Terminated,
    Detaching,
    Detached,
    EnteringStandby,
    Standby,
    Other(String),
}

impl Lifecycle {
    const NAMES: [(&'static str, Lifecycle); 13] = [
        ("Pending", Lifecycle::Pending),
        ("Pending:Wait", Lifecycle::PendingWait),
        ("Pending:Proceed", Lifecycle::PendingProceed),
        ("Quarantined", Lifecycle::Quarantined),
        ("InService", Lifecycle::InService),
        ("Terminating", Lifecycle::Terminating),
        ("Terminating:Wait", Lifecycle::TerminatingWait),
        ("Terminating:Proceed", Lifecycle::TerminatingProceed),
        ("Terminated", Lifecycle::Terminated),
        ("Detaching", Lifecycle::Detaching),
        ("Detached", Lifecycle::Detached),
        ("EnteringStandby", Lifecycle::EnteringStandby),
        ("Standby", Lifecycle::Standby),
    ];

    pub fn parse(s: &str) -> Self {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == s)
            .map_or_else(|| Lifecycle::Other(s.to_owned()), |(_, l)| l.clone())
    }

    pub fn as_str(&self) -> &str {
        match self {
            Lifecycle::Other(s) => s,
            known => Self::NAMES
                .iter()
                .find(|(_, l)| l == known)
                .map_or("", |(n, _)| n),
        }
    }

    /// Launching: `Pending` and its lifecycle-hook states.
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            Lifecycle::Pending | Lifecycle::PendingWait | Lifecycle::PendingProceed
        )
    }

    /// Going away: `Terminating` and its lifecycle-hook states.
    pub fn is_terminating(&self) -> bool {
        matches!(
            self,
            Lifecycle::Terminating | Lifecycle::TerminatingWait | Lifecycle::TerminatingProceed
        )
    }
}

impl std::fmt::Display for Lifecycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for Lifecycle {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One scaling activity of an Auto Scaling group.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingActivity {
    pub at: Timestamp,
    pub status: String,
    pub description: String,
    pub cause: String,
}

/// An Auto Scaling group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutoScalingGroup {
    pub name: String,
    pub min: u32,
    pub max: u32,
    pub desired: u32,
    pub in_service: u32,
    pub pending: u32,
    pub terminating: u32,
    pub standby: u32,
    pub target_group_arns: Vec<String>,
    pub instances: Vec<AsgInstance>,
    /// Newest first.
    #[serde(skip_serializing)]
    pub activities: Vec<ScalingActivity>,
    /// When the group was described, if on an earlier read than the rest of the pane (live
    /// sources describe groups off screen and at rest in rotation); `None` when read with it.
    #[serde(skip_serializing)]
    pub read_at: Option<Timestamp>,
}

impl AutoScalingGroup {
    /// Recomputes the lifecycle counts from the instances.
    pub fn recount(&mut self) {
        let count = |p: fn(&Lifecycle) -> bool| {
            self.instances.iter().filter(|i| p(&i.lifecycle)).count() as u32
        };
        self.in_service = count(|l| *l == Lifecycle::InService);
        self.pending = count(Lifecycle::is_pending);
        self.terminating = count(Lifecycle::is_terminating);
        self.standby = count(|l| *l == Lifecycle::Standby);
    }
}

/// An ECS deployment's rollout state, as ECS names it (the JSON and the screen show that name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RolloutState {
    #[serde(rename = "IN_PROGRESS")]
    InProgress,
    #[serde(rename = "COMPLETED")]
    Completed,
    #[serde(rename = "FAILED")]
    Failed,
    /// Not reported (a deployment without the circuit breaker's state), or a state this build
    /// does not know.
    #[serde(rename = "")]
    Unknown,
}

impl RolloutState {
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutState::InProgress => "IN_PROGRESS",
            RolloutState::Completed => "COMPLETED",
            RolloutState::Failed => "FAILED",
            RolloutState::Unknown => "",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "IN_PROGRESS" => RolloutState::InProgress,
            "COMPLETED" => RolloutState::Completed,
            "FAILED" => RolloutState::Failed,
            _ => RolloutState::Unknown,
        }
    }
}

impl std::fmt::Display for RolloutState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One deployment of an ECS service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deployment {
    pub id: String,
    /// `PRIMARY`, `ACTIVE` or `INACTIVE`.
    pub status: String,
    pub task_definition: String,
    /// The image of the task definition's main container.
    #[serde(skip_serializing)]
    pub image: String,
    pub desired: u32,
    pub running: u32,
    pub pending: u32,
    pub failed: u32,
    pub rollout_state: RolloutState,
    #[serde(skip_serializing)]
    pub created_at: Timestamp,
}

/// An ECS service event message.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceEvent {
    pub at: Timestamp,
    pub message: String,
}

/// An ECS service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EcsService {
    pub cluster: String,
    pub name: String,
    pub desired: u32,
    pub running: u32,
    pub pending: u32,
    pub task_definition: String,
    pub deployments: Vec<Deployment>,
    /// Newest first; shared, so a service carried over between reads is not copied with them.
    #[serde(skip_serializing)]
    pub events: std::sync::Arc<[ServiceEvent]>,
    #[serde(skip_serializing)]
    pub min_healthy_percent: u32,
    #[serde(skip_serializing)]
    pub max_percent: u32,
    #[serde(skip_serializing)]
    pub capacity_provider: Option<String>,
    /// ARNs of the target groups the service registers its tasks with.
    #[serde(skip_serializing)]
    pub target_groups: Vec<String>,
    /// When the service was described, if on an earlier read than the rest of the pane (live
    /// sources describe services off screen and at rest in rotation); `None` when read with it.
    #[serde(skip_serializing)]
    pub read_at: Option<Timestamp>,
}

/// A task definition's containers and their images (what a deploy prompt offers to change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDefinition {
    /// `family:revision`.
    pub name: String,
    /// (container name, image), in definition order.
    pub containers: Vec<(String, String)>,
}

/// Capacity of a region: Auto Scaling groups and ECS services.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Capacity {
    pub auto_scaling_groups: Vec<AutoScalingGroup>,
    pub ecs_services: Vec<EcsService>,
}

/// The status SSM gives an association or one of its executions, as SSM names it (the JSON and
/// the screen show that name; a status this build does not know is kept as it came).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecStatus {
    Pending,
    InProgress,
    Success,
    Failed,
    TimedOut,
    Cancelled,
    Skipped,
    Other(String),
}

impl ExecStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "Pending" => ExecStatus::Pending,
            "InProgress" => ExecStatus::InProgress,
            "Success" => ExecStatus::Success,
            "Failed" => ExecStatus::Failed,
            "TimedOut" => ExecStatus::TimedOut,
            "Cancelled" => ExecStatus::Cancelled,
            "Skipped" => ExecStatus::Skipped,
            other => ExecStatus::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            ExecStatus::Pending => "Pending",
            ExecStatus::InProgress => "InProgress",
            ExecStatus::Success => "Success",
            ExecStatus::Failed => "Failed",
            ExecStatus::TimedOut => "TimedOut",
            ExecStatus::Cancelled => "Cancelled",
            ExecStatus::Skipped => "Skipped",
            ExecStatus::Other(s) => s,
        }
    }

    /// Whether an execution with this status is over.
    pub fn ended(&self) -> bool {
        matches!(
            self,
            ExecStatus::Success
                | ExecStatus::Failed
                | ExecStatus::TimedOut
                | ExecStatus::Cancelled
                | ExecStatus::Skipped
        )
    }
}

impl std::fmt::Display for ExecStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for ExecStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The result of an association execution on one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionTarget {
    pub instance_id: String,
    pub status: ExecStatus,
    pub detail: String,
    pub at: Timestamp,
}

/// One execution of an association.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Execution {
    pub id: String,
    pub status: ExecStatus,
    pub created_at: Timestamp,
    pub success: u32,
    pub failed: u32,
    pub pending: u32,
    #[serde(skip_serializing)]
    pub targets: Vec<ExecutionTarget>,
}

/// An SSM State Manager association.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Association {
    pub id: String,
    pub name: String,
    pub document: String,
    /// `Success`, `Failed` or `Pending`.
    pub status: ExecStatus,
    pub last_execution: Option<Execution>,
    /// The targets expression, e.g. `tag:Server=App`.
    #[serde(skip_serializing)]
    pub targets: String,
    #[serde(skip_serializing)]
    pub schedule: Option<String>,
}

/// `CloudWatch` alarm state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
pub enum AlarmState {
    #[serde(rename = "ALARM")]
    Alarm,
    #[serde(rename = "INSUFFICIENT_DATA")]
    InsufficientData,
    #[serde(rename = "OK")]
    Ok,
}

impl AlarmState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
            AlarmState::Ok => "OK",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ALARM" => AlarmState::Alarm,
            "INSUFFICIENT_DATA" => AlarmState::InsufficientData,
            "OK" => AlarmState::Ok,
            _ => return None,
        })
    }
}

/// A metric alarm, with the recent history of its metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alarm {
    pub name: String,
    pub state: AlarmState,
    pub reason: String,
    pub updated_at: Timestamp,
    pub namespace: String,
    pub metric: String,
    pub threshold: f64,
    /// As CloudWatch names it (`GreaterThanThreshold`): with the threshold, what breaches.
    #[serde(serialize_with = "comparison_name")]
    pub comparison: Comparison,
    pub statistic: String,
    pub period_secs: u32,
    pub evaluation_periods: u32,
    /// The metric's dimensions, `Name=Value` each.
    #[serde(skip_serializing)]
    pub dimensions: Vec<String>,
    /// The metric over the last hour, one point a minute, oldest first.
    #[serde(skip_serializing)]
    pub series: Vec<Point>,
    /// The state (and `updated_at`) came from the alarm history after the alarm was last read:
    /// the reason is unknown (empty) and the datapoints predate the change, until the next read
    /// of the alarm brings them.
    #[serde(skip_serializing)]
    pub state_from_history: bool,
}

fn comparison_name<S: serde::Serializer>(c: &Comparison, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(c.as_str())
}

impl Alarm {
    /// Whether `value` is on the alarming side of the threshold.
    pub fn breaches(&self, value: f64) -> bool {
        self.comparison.breaches(self.threshold, value)
    }

    /// The comparison as a symbol.
    pub fn comparison_symbol(&self) -> &'static str {
        self.comparison.symbol()
    }

    /// The value the alarm's state was decided on: the newest datapoint CloudWatch names in the
    /// state reason (`Threshold Crossed: 1 datapoint [2637.0 (…)] was …`); `None` when the state
    /// was not decided on data (set with SetAlarmState, or no reason given).
    pub fn evaluated_value(&self) -> Option<f64> {
        let r = &self.reason;
        if !r.contains("Threshold Crossed") {
            return None;
        }
        let list = &r[r.find('[')? + 1..];
        let first = list.split([',', ']', ' ', '(']).find(|t| !t.is_empty())?;
        first.parse().ok()
    }

    /// The state the alarm history shows it moved to at `at`, ahead of the alarm's next read:
    /// the reason held is the old state's, so it goes ([`Alarm::state_from_history`]).
    pub fn moved_by_history(&mut self, state: AlarmState, at: Timestamp) {
        self.state = state;
        self.updated_at = at;
        self.reason.clear();
        self.state_from_history = true;
    }

    /// Whether the state was set by hand (SetAlarmState), not by CloudWatch evaluating data.
    pub fn set_by_hand(&self) -> bool {
        !self.reason.is_empty()
            && !self.reason.contains("Threshold Crossed")
            && !self.reason.contains("Insufficient Data")
            && !self.reason.contains("Unchecked")
    }

    /// The alarm's own datapoint for its latest period from one-minute values: the last
    /// `period` minutes aggregated by the alarm's statistic (what CloudWatch evaluates next).
    pub fn period_value(&self, minute_values: &[f64]) -> Option<f64> {
        let n = (self.period_secs / 60).max(1) as usize;
        let last: Vec<f64> = minute_values
            .iter()
            .rev()
            .take(n)
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        if last.is_empty() {
            return None;
        }
        Some(match self.statistic.as_str() {
            "Sum" | "SampleCount" => last.iter().sum(),
            "Minimum" => last.iter().copied().fold(f64::INFINITY, f64::min),
            "Maximum" => last.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            _ => last.iter().sum::<f64>() / last.len() as f64,
        })
    }
}

/// A CloudWatch alarm's comparison operator, as CloudWatch names it; the anomaly-detection band
/// operators and any this build does not know are kept as they came (and read as "greater
/// than").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    GreaterThan,
    GreaterOrEqual,
    LessThan,
    LessOrEqual,
    Other(String),
}

impl Comparison {
    pub fn parse(s: &str) -> Self {
        match s {
            "GreaterThanThreshold" => Comparison::GreaterThan,
            "GreaterThanOrEqualToThreshold" => Comparison::GreaterOrEqual,
            "LessThanThreshold" => Comparison::LessThan,
            "LessThanOrEqualToThreshold" => Comparison::LessOrEqual,
            other => Comparison::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Comparison::GreaterThan => "GreaterThanThreshold",
            Comparison::GreaterOrEqual => "GreaterThanOrEqualToThreshold",
            Comparison::LessThan => "LessThanThreshold",
            Comparison::LessOrEqual => "LessThanOrEqualToThreshold",
            Comparison::Other(s) => s,
        }
    }

    /// Whether `value` is on the alarming side of `threshold`.
    pub fn breaches(&self, threshold: f64, value: f64) -> bool {
        match self {
            Comparison::GreaterOrEqual => value >= threshold,
            Comparison::LessThan => value < threshold,
            Comparison::LessOrEqual => value <= threshold,
            Comparison::GreaterThan | Comparison::Other(_) => value > threshold,
        }
    }

    pub fn symbol(&self) -> &'static str {
        match self {
            Comparison::GreaterOrEqual => ">=",
            Comparison::LessThan => "<",
            Comparison::LessOrEqual => "<=",
            Comparison::GreaterThan | Comparison::Other(_) => ">",
        }
    }

    /// How CloudWatch words it in a state reason ("greater than or equal to").
    pub fn words(&self) -> &'static str {
        match self {
            Comparison::GreaterOrEqual => "greater than or equal to",
            Comparison::LessThan => "less than",
            Comparison::LessOrEqual => "less than or equal to",
            Comparison::GreaterThan | Comparison::Other(_) => "greater than",
        }
    }
}

/// What kind of change a timeline event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Target,
    Scaling,
    Ecs,
    Association,
    Alarm,
    Operator,
    Fault,
    /// A zonal shift or autoshift started, changed or ended.
    Zonal,
    /// An ARC Region switch plan execution's event.
    RegionSwitch,
}

impl EventKind {
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Target => "target",
            EventKind::Scaling => "scaling",
            EventKind::Ecs => "ecs",
            EventKind::Association => "ssm",
            EventKind::Alarm => "alarm",
            EventKind::Operator => "operator",
            EventKind::Fault => "fault",
            EventKind::Zonal => "zonal",
            EventKind::RegionSwitch => "switch",
        }
    }
}

/// How an event or a state reads at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Ok,
    Info,
    Warn,
    Crit,
}

/// One thing that changed, for the Timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Increasing per source, so a poller can ask for what is new.
    pub seq: u64,
    pub at: Timestamp,
    pub region: Region,
    pub kind: EventKind,
    pub severity: Severity,
    pub resource: String,
    pub message: String,
}

/// The role of a region in the estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RegionRole {
    Primary,
    Dr,
}

/// A region the source watches.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionInfo {
    pub name: Region,
    pub role: RegionRole,
}

/// An error from a source call, in AWS terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorRecord {
    pub region: Region,
    pub service: String,
    pub operation: String,
    pub code: String,
    pub message: String,
    /// The fix, for the text output (not a JSON field: the document's fields are a contract).
    #[serde(skip)]
    pub hint: Option<String>,
    /// What the failed read would have brought (`targets`, `capacity`, `runs`, `alarms`): that
    /// part of the region is missing from the snapshot.
    #[serde(skip)]
    pub part: Option<&'static str>,
}

/// One region in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionSnapshot {
    pub region: Region,
    pub role: RegionRole,
    pub load_balancers: Vec<LoadBalancer>,
    pub auto_scaling_groups: Vec<AutoScalingGroup>,
    pub ecs_services: Vec<EcsService>,
    pub associations: Vec<Association>,
    pub alarms: Vec<Alarm>,
}

/// The `snapshot --json` document (its fields are a contract: docs/scripting.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// `demo` or `aws`.
    pub source: String,
    /// The account, the caller and the profile the snapshot describes, and where the
    /// credentials came from: archived snapshots of two accounts are told apart.
    pub account: String,
    pub caller_arn: String,
    pub profile: Option<String>,
    pub credentials: Option<String>,
    pub taken_at: Timestamp,
    pub regions: Vec<RegionSnapshot>,
    pub errors: Vec<ErrorRecord>,
    /// Per app with a failover section: its ARC Region switch plan and last execution.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub apps: Vec<AppSnapshot>,
}

/// An app's ARC Region switch plan in a snapshot (`null` when no plan covers its regions).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppSnapshot {
    pub app: String,
    pub region_switch_plan: Option<PlanSnapshot>,
}

/// A Region switch plan in a snapshot: what it is, which region is active, its evaluation and
/// its last execution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanSnapshot {
    pub arn: String,
    pub name: String,
    pub regions: Vec<String>,
    pub active_region: Option<String>,
    pub evaluation: Option<String>,
    pub warnings: Vec<String>,
    pub last_execution: Option<region_switch::RsExecution>,
}

impl PlanSnapshot {
    pub fn of(rs: &region_switch::RegionSwitch) -> Self {
        PlanSnapshot {
            arn: rs.plan.arn.clone(),
            name: rs.plan.name.clone(),
            regions: rs.plan.regions.clone(),
            active_region: rs.active_region(),
            evaluation: rs.evaluation.as_ref().map(|e| e.state.clone()),
            warnings: rs
                .evaluation
                .iter()
                .flat_map(|e| e.active().map(|w| w.message.clone()))
                .collect(),
            last_execution: rs.executions.first().cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_states_read_back_as_auto_scaling_names_them_and_count_by_phase() {
        for name in [
            "Pending",
            "Pending:Wait",
            "Pending:Proceed",
            "InService",
            "Terminating:Wait",
            "Standby",
            "Warmed:Running",
        ] {
            assert_eq!(Lifecycle::parse(name).as_str(), name);
        }
        assert_eq!(
            Lifecycle::parse("Warmed:Running"),
            Lifecycle::Other("Warmed:Running".into())
        );
        let instance = |l: &str| AsgInstance {
            id: "i-1".into(),
            az: "a".into(),
            az_id: String::new(),
            lifecycle: Lifecycle::parse(l),
            health: InstanceHealth::Healthy,
        };
        let mut g = AutoScalingGroup {
            name: "g".into(),
            min: 0,
            max: 9,
            desired: 5,
            in_service: 0,
            pending: 0,
            terminating: 0,
            standby: 0,
            target_group_arns: Vec::new(),
            instances: [
                "Pending:Wait",
                "InService",
                "Terminating:Proceed",
                "Standby",
                "EnteringStandby",
            ]
            .into_iter()
            .map(instance)
            .collect(),
            activities: Vec::new(),
            read_at: None,
        };
        g.recount();
        assert_eq!(
            (g.pending, g.in_service, g.terminating, g.standby),
            (1, 1, 1, 1)
        );
        assert_eq!(
            serde_json::to_value(&g.instances[0]).unwrap()["lifecycle"],
            "Pending:Wait"
        );
    }

    #[test]
    fn comparisons_breach_on_their_side_and_unknown_ones_read_as_greater_than() {
        let at = |c: &str, v: f64| Comparison::parse(c).breaches(10.0, v);
        assert!(at("GreaterThanOrEqualToThreshold", 10.0));
        assert!(!at("GreaterThanThreshold", 10.0));
        assert!(at("LessThanThreshold", 9.0) && !at("LessThanThreshold", 10.0));
        assert!(at("LessThanOrEqualToThreshold", 10.0));
        let band = Comparison::parse("LessThanLowerOrGreaterThanUpperThreshold");
        assert_eq!(band.as_str(), "LessThanLowerOrGreaterThanUpperThreshold");
        assert!(band.breaches(10.0, 11.0) && band.symbol() == ">");
    }
}
