//! The source boundary: the only thing the poller, the snapshot command and (later) the operations
//! code know about where data comes from. The simulated estate (`sim`) is one implementation;
//! live AWS is another.

pub mod aws;
pub mod signin;
pub mod sim;

use crate::model::region_switch::{PlanQuery, RegionSwitch, RsAction, RsMode};
use crate::model::{
    Alarm, AlarmState, Association, Capacity, ErrorRecord, Event, LoadBalancer, Region, RegionInfo,
    TaskDefinition, Timestamp,
};
use async_trait::async_trait;
use std::fmt;

/// Which kind of estate a source watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Demo,
    Aws,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Demo => "demo",
            SourceKind::Aws => "aws",
        }
    }
}

/// Who and where: shown in the header.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    pub kind: SourceKind,
    pub account: String,
    pub profile: Option<String>,
    /// Where the credentials came from (`profile prod`, `environment (AWS_ACCESS_KEY_ID)`,
    /// `instance profile (IMDS)`); none in the demo.
    pub credentials: Option<String>,
    pub caller_arn: String,
    /// The first is the primary.
    pub regions: Vec<RegionInfo>,
    /// Whether the account and caller above are known yet (live AWS connects in the background).
    pub connection: Connection,
    /// The demo's simulated estate, one per console (`None` on live AWS: the account is the
    /// estate).
    pub estate: Option<String>,
}

/// Where a source is with its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// Still trying: the account is not known yet.
    Connecting,
    /// The last attempt failed; another follows after a back-off.
    Failed,
    /// Account and caller known.
    Connected,
}

/// What went wrong with a call, classified for the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    Throttling,
    AccessDenied,
    /// No credentials found anywhere in the chain.
    NoCredentials,
    ExpiredCredentials,
    Network,
    Validation,
    Other,
}

/// An error from a source call: the service and operation that failed and the AWS error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub class: ErrorClass,
    pub service: String,
    pub operation: String,
    pub code: String,
    pub message: String,
    /// The one-line fix, e.g. `aws sso login --profile P`, or the missing IAM action.
    pub hint: Option<Box<str>>,
}

impl SourceError {
    pub fn new(
        class: ErrorClass,
        service: &str,
        operation: &str,
        code: &str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            class,
            service: service.to_owned(),
            operation: operation.to_owned(),
            code: code.to_owned(),
            message: message.into(),
            hint: None,
        }
    }

    pub fn record(&self, region: &Region) -> ErrorRecord {
        ErrorRecord {
            region: region.clone(),
            service: self.service.clone(),
            operation: self.operation.clone(),
            code: self.code.clone(),
            message: self.message.clone(),
            hint: self.hint.as_deref().map(str::to_owned),
            part: None,
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}:{}: {}",
            self.code, self.service, self.operation, self.message
        )?;
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for SourceError {}

/// How many API calls a read made and how they ended; feeds the header's API-health figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallStats {
    pub calls: u32,
    pub throttles: u32,
    pub errors: u32,
}

/// The result of one read: the data or the error, and the calls it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Read<T> {
    pub result: Result<T, SourceError>,
    pub stats: CallStats,
    /// The data is what the read's other calls got: this one failed (its part is missing).
    pub partial: Option<SourceError>,
}

impl<T> Read<T> {
    /// A read's outcome after `calls` requests; a failure counts as a throttle or an error.
    pub fn new(result: Result<T, SourceError>, calls: u32) -> Self {
        let (throttles, errors) = match &result {
            Ok(_) => (0, 0),
            Err(e) if e.class == ErrorClass::Throttling => (1, 0),
            Err(_) => (0, 1),
        };
        Self {
            result,
            stats: CallStats {
                calls,
                throttles,
                errors,
            },
            partial: None,
        }
    }

    pub fn ok(value: T, calls: u32) -> Self {
        Self::new(Ok(value), calls)
    }

    pub fn err(e: SourceError, calls: u32) -> Self {
        Self::new(Err(e), calls)
    }
}

impl<T> Read<Result<T, SourceError>> {
    /// A read whose value can itself be a refusal: the refusal counts as the read's error.
    pub fn flatten(self) -> Read<T> {
        Read::new(self.result.and_then(|r| r), self.stats.calls)
    }
}

/// What the console runs on: an estate that is there (the demo, a connected account), or one
/// still connecting in the background that says why it is not there yet. Reads and calls go to
/// [`Source::estate`]; nothing forwards them one by one.
#[async_trait]
pub trait Source: Send + Sync {
    /// Account, caller and regions (before connecting: what is known, and that it is not yet).
    fn info(&self) -> SourceInfo;
    /// The source's clock: virtual in the simulated estate.
    fn now(&self) -> Timestamp;
    /// What the operator has on screen in `region`: a live source reads those target groups'
    /// health and those services on every read, and the others in rotation.
    fn watch(&self, _region: &Region, _on_screen: &OnScreen) {}
    /// Requests made so far by (service, operation), for the header's per-service rates.
    fn call_counts(&self) -> CallCounts {
        CallCounts::new()
    }
    /// The estate to read and change, or why there is none yet.
    async fn estate(&self) -> Result<&dyn Estate, SourceError>;
    /// Where a sign-in asks the operator for an MFA code (live AWS with an MFA profile).
    fn sign_in(&self) -> Option<std::sync::Arc<signin::SignIn>> {
        None
    }
}

/// Reads of an estate, one method a pane. Implementations never block the caller's thread for
/// long: the simulated estate answers from memory, live AWS awaits the network.
#[async_trait]
pub trait EstateReader: Send + Sync {
    /// Load balancers, their target groups and target health.
    async fn targets(&self, region: &Region) -> Read<Vec<LoadBalancer>>;
    /// Auto Scaling groups and ECS services.
    async fn capacity(&self, region: &Region) -> Read<Capacity>;
    /// State Manager associations with their last execution.
    async fn runs(&self, region: &Region) -> Read<Vec<Association>>;
    /// Alarms with the last hour of their metric.
    async fn alarms(&self, region: &Region) -> Read<Vec<Alarm>>;
    /// Changes newer than `after_seq` (0 for all that are kept).
    async fn timeline(&self, region: &Region, after_seq: u64) -> Read<Vec<Event>>;
    /// Where `target`'s logs are (the Logs view, `l`).
    async fn log_source(
        &self,
        region: &Region,
        target: &crate::model::logs::LogTarget,
    ) -> Read<crate::model::logs::LogSource>;
    /// Log events of `source` matching `pattern` (CloudWatch filter syntax) from `since` on,
    /// oldest first, at most `limit`, for the Logs view numbered `view` (a live source keeps a
    /// live tail per view: another view, even on the same logs, starts with a poll of its own).
    async fn logs(
        &self,
        region: &Region,
        view: u64,
        source: &crate::model::logs::LogSource,
        pattern: &str,
        since: Timestamp,
        limit: usize,
    ) -> Read<crate::model::logs::LogPage>;
    /// A task definition's containers (`ecs:DescribeTaskDefinition`), for the deploy prompt.
    async fn task_definition(&self, region: &Region, name: &str) -> Read<TaskDefinition>;
    /// What a zonal-shift preflight checks of a load balancer and its target groups
    /// (`elbv2:DescribeLoadBalancerAttributes`, `elbv2:DescribeTargetGroupAttributes`).
    async fn lb_attributes(&self, region: &Region, arn: &str) -> Read<LbAttributes>;
    /// The ARC Region switch plan covering an app's two regions (the one the config names, else
    /// the one `ListPlansInRegion` finds), its evaluation, recent executions and the events of the
    /// one under way; `None` when no plan covers them.
    async fn region_switch(&self, query: &PlanQuery) -> Read<Option<RegionSwitch>>;
}

/// Requests by (service, operation).
pub type CallCounts = std::collections::BTreeMap<(String, String), Tally>;

/// Requests of one (service, operation) so far: every attempt is a call (an SDK retry is one
/// more), and of those the ones throttled and the ones that failed otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub calls: u64,
    pub throttles: u64,
    pub errors: u64,
}

impl Tally {
    /// The requests between an earlier tally and this one.
    #[must_use]
    pub fn since(self, before: Tally) -> Tally {
        Tally {
            calls: self.calls.saturating_sub(before.calls),
            throttles: self.throttles.saturating_sub(before.throttles),
            errors: self.errors.saturating_sub(before.errors),
        }
    }

    pub fn add(&mut self, o: Tally) {
        self.calls += o.calls;
        self.throttles += o.throttles;
        self.errors += o.errors;
    }
}

/// A load balancer's attributes that decide whether a zonal shift can start and will help.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LbAttributes {
    /// `zonal_shift.config.enabled`.
    pub zonal_shift_enabled: bool,
    /// `load_balancing.cross_zone.enabled` (always on for an Application Load Balancer).
    pub cross_zone: bool,
    pub target_groups: Vec<TgAttributes>,
}

/// A target group's attributes that AWS requires of an NLB with cross-zone on before a shift.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TgAttributes {
    pub name: String,
    pub protocol: String,
    pub target_type: String,
    /// `load_balancing.cross_zone.enabled`: `true`, `false` or `use_load_balancer_configuration`.
    pub cross_zone: String,
    /// `target_health_state.unhealthy.connection_termination.enabled`.
    pub terminates_unhealthy: bool,
}

/// An estate that can be read and changed.
pub trait Estate: EstateReader + EstateWriter {}

impl<T: EstateReader + EstateWriter> Estate for T {}

/// What the console runs on: what it reads and where its executor's calls go.
pub trait ReadWrite: Source + Writes {}

impl<T: Source + Writes> ReadWrite for T {}

/// Where the executor's calls go: a writer, or a source that gives one once connected.
#[async_trait]
pub trait Writes: Send + Sync {
    /// The clock its changes are dated by ([`EstateWriter::clock`]).
    fn clock(&self) -> Timestamp {
        Timestamp::now()
    }
    /// The writer, or why there is none yet.
    async fn writer(&self) -> Result<&dyn EstateWriter, SourceError>;
}

#[async_trait]
impl<T: EstateWriter> Writes for T {
    fn clock(&self) -> Timestamp {
        EstateWriter::clock(self)
    }
    async fn writer(&self) -> Result<&dyn EstateWriter, SourceError> {
        Ok(self)
    }
}

/// A change to an ECS service (`UpdateService`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceUpdate {
    pub cluster: String,
    pub service: String,
    pub desired: Option<u32>,
    /// A task definition `family:revision` to roll out.
    pub task_definition: Option<String>,
    pub force_new_deployment: bool,
}

/// A mutex's guard, poisoned or not: what it guards stays usable after a panic elsewhere (a read
/// cache, a prompt's state), so a panicked task never takes the console down with it.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the operator has on screen in a region (rows in view, a detail view open).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OnScreen {
    /// Target groups, by ARN.
    pub target_groups: Vec<String>,
    /// ECS services, by (cluster, name).
    pub services: Vec<(String, String)>,
    /// Auto Scaling groups, by name.
    pub groups: Vec<String>,
    /// Alarms, by name.
    pub alarms: Vec<String>,
}

/// Mutations of an estate. Only the operations executor calls these, after plan, confirmation and
/// the read-only check.
#[async_trait]
pub trait EstateWriter: Send + Sync {
    /// The estate's clock, as its changes are dated: the wall clock on live AWS, simulated time
    /// in the demo.
    fn clock(&self) -> Timestamp {
        Timestamp::now()
    }
    /// `autoscaling:SetDesiredCapacity`.
    async fn set_desired_capacity(
        &self,
        region: &Region,
        asg: &str,
        desired: u32,
    ) -> Result<(), SourceError>;
    /// `ecs:UpdateService`.
    async fn update_service(
        &self,
        region: &Region,
        update: ServiceUpdate,
    ) -> Result<(), SourceError>;
    /// `ecs:RegisterTaskDefinition` of a copy of `task_definition` with `container`'s image
    /// replaced; returns the new `family:revision`.
    async fn register_task_definition_with_image(
        &self,
        region: &Region,
        task_definition: &str,
        container: &str,
        image: &str,
    ) -> Result<String, SourceError>;
    /// `ssm:StartAssociationsOnce`.
    async fn start_associations_once(
        &self,
        region: &Region,
        ids: &[String],
    ) -> Result<(), SourceError>;
    /// `cloudwatch:SetAlarmState`.
    async fn set_alarm_state(
        &self,
        region: &Region,
        alarm: &str,
        state: AlarmState,
        reason: &str,
    ) -> Result<(), SourceError>;
    /// `arc-zonal-shift:StartZonalShift`; the new shift's id.
    async fn start_zonal_shift(
        &self,
        region: &Region,
        shift: &ZonalShiftStart,
    ) -> Result<String, SourceError>;
    /// `arc-zonal-shift:UpdateZonalShift`: a new expiry counted from now, and the comment.
    async fn update_zonal_shift(
        &self,
        region: &Region,
        id: &str,
        expires_in: &str,
        comment: &str,
    ) -> Result<(), SourceError>;
    /// `arc-zonal-shift:CancelZonalShift`.
    async fn cancel_zonal_shift(&self, region: &Region, id: &str) -> Result<(), SourceError>;
    /// `arc-region-switch:StartPlanExecution`, sent to `region` (the region being activated);
    /// the execution's id.
    async fn start_plan_execution(
        &self,
        region: &Region,
        start: &PlanExecutionStart,
    ) -> Result<String, SourceError>;
    /// `arc-region-switch:ApprovePlanExecutionStep`, `UpdatePlanExecution` or
    /// `CancelPlanExecution` of a running execution, sent to the region it runs in.
    async fn change_plan_execution(
        &self,
        region: &Region,
        change: &PlanExecutionChange,
    ) -> Result<(), SourceError>;
}

/// A Region switch plan execution to start (`StartPlanExecution`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanExecutionStart {
    pub plan: String,
    /// The region activated or deactivated (`targetRegion`).
    pub target_region: String,
    pub action: RsAction,
    pub mode: RsMode,
    pub comment: String,
}

/// A change to a running execution.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ExecutionChange {
    /// `ApprovePlanExecutionStep` with `approval=approve` (or `decline`).
    Approve { step: String, approve: bool },
    /// `UpdatePlanExecution` with `action=pause`, `resume`, `switchToUngraceful` or
    /// `switchToGraceful`.
    Update { action: String },
    /// `CancelPlanExecution`.
    Cancel,
}

/// What [`EstateWriter::change_plan_execution`] changes, on which execution.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanExecutionChange {
    pub plan: String,
    pub execution: String,
    pub change: ExecutionChange,
    pub comment: String,
}

/// A zonal shift to start (`StartZonalShift`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZonalShiftStart {
    /// The load balancer's ARN.
    pub resource: String,
    /// The AZ ID to move traffic away from.
    pub away_from: String,
    /// `30m`, `1h`, … (at most `72h`).
    pub expires_in: String,
    pub comment: String,
}
