//! The simulated estate behind `--demo`: the seed estates as state machines on a virtual clock.
//!
//! `Sim` is deterministic: the same scenario, seed and sequence of `advance` calls give the same
//! estate. `SimSource` puts it behind the source boundary ([`EstateReader`], [`EstateWriter`]).

mod dynamics;
mod faults;
mod logs;
mod region_switch;
mod rng;
mod scenario;
mod state;
mod view;
mod zonal;

pub use faults::Fault;
pub use scenario::{SCENARIOS, Scenario, large_estate, scenario_names};

use crate::model::{AlarmState, Event, EventKind, Region, RegionInfo, Severity, Timestamp};
use crate::source::{
    ErrorClass, EstateReader, EstateWriter, Read, ServiceUpdate, SourceError, SourceInfo,
    SourceKind,
};
use async_trait::async_trait;
use rng::Rng;
use state::RegionSim;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

/// Timeline events kept by the simulation, per estate.
const EVENTS_KEPT: usize = 1000;

/// A name no other estate has: the scenario, this process and a count within it, and the time.
fn new_estate_id(scenario: Scenario) -> String {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "demo-{}-{}-{n}-{nanos:x}",
        scenario.name(),
        std::process::id()
    )
}

/// The demo account id.
pub const DEMO_ACCOUNT: &str = "123456789012";

/// The simulated estate.
#[derive(Debug, Clone)]
pub struct Sim {
    pub scenario: Scenario,
    now: Timestamp,
    /// Where the simulation's schedules count from.
    origin: Timestamp,
    rng: Rng,
    /// Decides which reads are throttled; separate so polling never changes the dynamics.
    throttle_rng: Rng,
    regions: Vec<RegionSim>,
    events: VecDeque<Event>,
    seq: u64,
    throttle_until: Option<Timestamp>,
    /// Until when mutating calls are slow ([`Fault::SlowApi`]).
    slow_until: Option<Timestamp>,
    /// Requests per second the whole estate receives at the daily mean.
    base_rps: f64,
    /// Whether DNS fails over from the primary to the DR region on the health check.
    failover_routing: bool,
    /// Log events written so far (their ids).
    log_seq: u64,
    /// This estate's identity: each demo console simulates its own estate, so an operation
    /// recorded on one is never read back on another.
    estate: String,
    /// The faults the menu offered last, in its order: the console picks one by its place.
    offered: Vec<Fault>,
    /// The ARC Region switch plan of the estate (warm-standby), with its executions.
    plan: Option<region_switch::SimPlan>,
    /// The region the plan's Route 53 health checks send the traffic to, once an execution
    /// moved it (until then DNS follows the primary's health check).
    routed_to: Option<usize>,
}

impl Sim {
    /// Builds a scenario in steady state at `start`, with an hour of metric history behind it.
    pub fn new(scenario: Scenario, seed: u64, start: Timestamp) -> Self {
        let mut sim = Sim::empty(scenario, seed, start.plus_secs(-3600.0));
        scenario::build(&mut sim);
        // Warm up: an hour of history, so sparklines and alarms have data from the first frame.
        sim.advance(3600.0);
        sim
    }

    /// A simulation with no regions yet, its clock and schedules starting at `origin`.
    fn empty(scenario: Scenario, seed: u64, origin: Timestamp) -> Self {
        Sim {
            scenario,
            now: origin,
            origin,
            rng: Rng::new(seed),
            throttle_rng: Rng::new(seed.rotate_left(17) ^ 0xABCD),
            regions: Vec::new(),
            events: VecDeque::new(),
            seq: 0,
            throttle_until: None,
            slow_until: None,
            base_rps: 40.0,
            failover_routing: false,
            log_seq: 0,
            estate: new_estate_id(scenario),
            offered: Vec::new(),
            plan: None,
            routed_to: None,
        }
    }

    /// This estate's identity.
    pub fn estate(&self) -> &str {
        &self.estate
    }

    /// The virtual time now.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Advances virtual time by `secs` seconds, one-second steps.
    pub fn advance(&mut self, secs: f64) {
        let steps = secs.round().max(0.0) as i64;
        for _ in 0..steps {
            self.step();
        }
    }

    pub fn regions(&self) -> Vec<RegionInfo> {
        self.regions
            .iter()
            .map(|r| RegionInfo {
                name: r.name.clone(),
                role: r.role,
            })
            .collect()
    }

    fn region_index(&self, name: &str) -> Option<usize> {
        self.regions.iter().position(|r| r.name == name)
    }

    fn region(&self, name: &str) -> Result<&RegionSim, SourceError> {
        self.regions.iter().find(|r| r.name == name).ok_or_else(|| {
            SourceError::new(
                ErrorClass::Validation,
                "sts",
                "GetCallerIdentity",
                "InvalidRegion",
                format!(
                    "region {name} is not part of the {} estate",
                    self.scenario.name()
                ),
            )
        })
    }

    /// Records a timeline event.
    fn emit(
        &mut self,
        region: usize,
        kind: EventKind,
        severity: Severity,
        resource: &str,
        message: String,
    ) {
        self.seq += 1;
        if self.events.len() == EVENTS_KEPT {
            self.events.pop_front();
        }
        self.events.push_back(Event {
            seq: self.seq,
            at: self.now,
            region: self.regions[region].name.clone(),
            kind,
            severity,
            resource: resource.to_owned(),
            message,
        });
    }

    /// Events of a region newer than `after_seq`, oldest first.
    pub fn events_after(&self, region: &Region, after_seq: u64) -> Vec<Event> {
        self.events
            .iter()
            .filter(|e| e.seq > after_seq && e.region == *region)
            .cloned()
            .collect()
    }

    fn throttled_read(&mut self, service: &str, operation: &str) -> Option<SourceError> {
        let until = self.throttle_until?;
        if self.now >= until {
            return None;
        }
        self.throttle_rng.chance(0.7).then(|| {
            SourceError::new(
                ErrorClass::Throttling,
                service,
                operation,
                "Throttling",
                "Rate exceeded",
            )
        })
    }
}

/// The simulated estate behind the source boundary. Cheap to clone; all clones share one `Sim`.
#[derive(Debug, Clone)]
pub struct SimSource {
    sim: Arc<Mutex<Sim>>,
    /// Simulated requests by (service, operation), as the live source counts them.
    calls: Arc<Mutex<crate::source::CallCounts>>,
}

impl SimSource {
    pub fn new(sim: Sim) -> Self {
        Self {
            sim: Arc::new(Mutex::new(sim)),
            calls: Arc::default(),
        }
    }

    /// Locks the simulation (a poisoned lock is recovered: the state is plain data).
    pub fn lock(&self) -> MutexGuard<'_, Sim> {
        self.sim
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Advances virtual time.
    pub fn advance(&self, secs: f64) {
        self.lock().advance(secs);
    }

    /// Replaces the whole estate (`:scenario NAME`).
    pub fn replace(&self, sim: Sim) {
        *self.lock() = sim;
    }

    /// [`Self::read`] of a read that can fail on its own (a name not found, a pattern refused):
    /// its error counts like any other.
    fn try_read<T>(
        &self,
        region: &Region,
        service: &str,
        operation: &str,
        calls: u32,
        f: impl FnOnce(&Sim, &RegionSim) -> Result<T, SourceError>,
    ) -> Read<T> {
        let read = self.read(region, service, operation, |_| calls, f);
        Read::new(read.result.and_then(|r| r), read.stats.calls)
    }

    fn read<T>(
        &self,
        region: &Region,
        service: &str,
        operation: &str,
        calls: impl Fn(&T) -> u32,
        f: impl FnOnce(&Sim, &RegionSim) -> T,
    ) -> Read<T> {
        let mut sim = self.lock();
        if let Some(e) = sim.throttled_read(service, operation) {
            drop(sim);
            self.tally(service, operation, |t| {
                t.calls += 1;
                t.throttles += 1;
            });
            return Read::err(e, 1);
        }
        let read = match sim.region(region.as_str()) {
            Ok(r) => {
                let v = f(&sim, r);
                let n = calls(&v);
                Read::ok(v, n)
            }
            Err(e) => Read::err(e, 1),
        };
        drop(sim);
        let failed = read.result.is_err();
        self.tally(service, operation, |t| {
            t.calls += u64::from(read.stats.calls);
            t.errors += u64::from(failed);
        });
        read
    }

    /// Counts simulated requests as the live source counts its attempts.
    fn tally(&self, service: &str, operation: &str, f: impl FnOnce(&mut crate::source::Tally)) {
        f(self
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry((service.to_owned(), operation.to_owned()))
            .or_default());
    }
}

#[async_trait]
impl crate::source::Source for SimSource {
    fn info(&self) -> SourceInfo {
        let sim = self.lock();
        SourceInfo {
            kind: SourceKind::Demo,
            account: DEMO_ACCOUNT.to_owned(),
            profile: None,
            credentials: None,
            caller_arn: format!("arn:aws:sts::{DEMO_ACCOUNT}:assumed-role/OnCall/demo"),
            regions: sim.regions(),
            connection: crate::source::Connection::Connected,
            estate: Some(sim.estate.clone()),
        }
    }
    fn now(&self) -> Timestamp {
        self.lock().now
    }
    fn call_counts(&self) -> crate::source::CallCounts {
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    async fn estate(&self) -> Result<&dyn crate::source::Estate, SourceError> {
        Ok(self)
    }
}

#[async_trait]
impl EstateReader for SimSource {
    async fn targets(&self, region: &Region) -> Read<Vec<crate::model::LoadBalancer>> {
        // DescribeLoadBalancers + DescribeTargetGroups + one DescribeTargetHealth per group.
        self.read(
            region,
            "elasticloadbalancing",
            "DescribeTargetHealth",
            |lbs: &Vec<crate::model::LoadBalancer>| {
                2 + lbs
                    .iter()
                    .map(|l| l.target_groups.len() as u32)
                    .sum::<u32>()
            },
            |_, r| view::load_balancers(r),
        )
    }

    async fn capacity(&self, region: &Region) -> Read<crate::model::Capacity> {
        // DescribeAutoScalingGroups by 100, ListClusters, ListServices, DescribeServices by 10.
        self.read(
            region,
            "autoscaling",
            "DescribeAutoScalingGroups",
            |c: &crate::model::Capacity| {
                (c.auto_scaling_groups.len() as u32).div_ceil(100).max(1)
                    + 2
                    + (c.ecs_services.len() as u32).div_ceil(10)
            },
            |_, r| view::capacity(r),
        )
    }

    async fn runs(&self, region: &Region) -> Read<Vec<crate::model::Association>> {
        // ListAssociations + DescribeAssociationExecutions and …Targets per association.
        self.read(
            region,
            "ssm",
            "ListAssociations",
            |a: &Vec<crate::model::Association>| 1 + 2 * a.len() as u32,
            |_, r| view::associations(r),
        )
    }

    async fn alarms(&self, region: &Region) -> Read<Vec<crate::model::Alarm>> {
        // DescribeAlarms + GetMetricData by 500 queries.
        self.read(
            region,
            "monitoring",
            "DescribeAlarms",
            |a: &Vec<crate::model::Alarm>| 1 + (a.len() as u32).div_ceil(500),
            |_, r| view::alarms(r),
        )
    }

    async fn timeline(&self, region: &Region, after_seq: u64) -> Read<Vec<Event>> {
        self.read(
            region,
            "monitoring",
            "DescribeAlarmHistory",
            |_: &Vec<Event>| 1,
            |sim, r| sim.events_after(&r.name, after_seq),
        )
    }

    async fn log_source(
        &self,
        region: &Region,
        target: &crate::model::logs::LogTarget,
    ) -> Read<crate::model::logs::LogSource> {
        // DescribeTaskDefinition, DescribeLogGroups or DescribeMetricFilters.
        self.try_read(region, "logs", "DescribeLogGroups", 1, |sim, r| {
            sim.log_source(r, target)
        })
    }

    async fn logs(
        &self,
        region: &Region,
        _view: u64,
        source: &crate::model::logs::LogSource,
        pattern: &str,
        since: Timestamp,
        limit: usize,
    ) -> Read<crate::model::logs::LogPage> {
        // FilterLogEvents per log group.
        let calls = source.groups.len().max(1) as u32;
        self.try_read(region, "logs", "FilterLogEvents", calls, |_, r| {
            Sim::read_logs(r, source, pattern, since, limit)
        })
    }

    async fn task_definition(
        &self,
        region: &Region,
        name: &str,
    ) -> Read<crate::model::TaskDefinition> {
        let read = self.read(
            region,
            "ecs",
            "DescribeTaskDefinition",
            |_: &Option<crate::model::TaskDefinition>| 1,
            |_, r| view::task_definition(r, name),
        );
        Read {
            partial: None,
            result: read.result.and_then(|t| {
                t.ok_or_else(|| {
                    SourceError::new(
                        ErrorClass::Validation,
                        "ecs",
                        "DescribeTaskDefinition",
                        "ClientException",
                        format!("Unable to describe task definition {name}."),
                    )
                })
            }),
            stats: read.stats,
        }
    }

    async fn lb_attributes(&self, region: &Region, arn: &str) -> Read<crate::source::LbAttributes> {
        // One DescribeLoadBalancerAttributes, one DescribeTargetGroupAttributes per group.
        let groups = self
            .lock()
            .region(region.as_str())
            .ok()
            .and_then(|r| r.lbs.iter().find(|l| l.arn == arn).map(|l| l.tgs.len()))
            .unwrap_or(0);
        self.try_read(
            region,
            "elasticloadbalancing",
            "DescribeLoadBalancerAttributes",
            1 + groups as u32,
            |sim, _| sim.lb_attributes(region.as_str(), arn),
        )
    }

    async fn region_switch(
        &self,
        query: &crate::model::region_switch::PlanQuery,
    ) -> Read<Option<crate::model::region_switch::RegionSwitch>> {
        // ListPlansInRegion (unless the plan is named), GetPlanInRegion,
        // GetPlanEvaluationStatus, ListPlanExecutions, GetPlanExecution and
        // ListPlanExecutionEvents of the latest.
        self.read(
            &query.region,
            "arc-region-switch",
            "GetPlanInRegion",
            |r: &Result<Option<_>, _>| match r {
                Ok(Some(_)) => 5 + u32::from(query.arn.is_none()),
                _ => 1,
            },
            |sim, _| sim.region_switch(query),
        )
        .flatten()
    }
}

impl SimSource {
    /// While the API is slow ([`Fault::SlowApi`]), a mutating call waits (real time, the lock
    /// not held) before it reaches the estate.
    async fn slow(&self) {
        let slow = {
            let sim = self.lock();
            sim.slow_until.is_some_and(|t| sim.now < t)
        };
        if slow {
            tokio::time::sleep(std::time::Duration::from_secs(faults::SLOW_CALL_SECS)).await;
        }
    }
}

#[async_trait]
impl EstateWriter for SimSource {
    fn clock(&self) -> Timestamp {
        self.lock().now
    }

    async fn set_desired_capacity(
        &self,
        region: &Region,
        asg: &str,
        desired: u32,
    ) -> Result<(), SourceError> {
        self.slow().await;
        self.lock()
            .set_desired_capacity(region.as_str(), asg, desired, "a user request")
    }

    async fn update_service(
        &self,
        region: &Region,
        update: ServiceUpdate,
    ) -> Result<(), SourceError> {
        self.slow().await;
        self.lock().update_service(region.as_str(), &update)
    }

    async fn register_task_definition_with_image(
        &self,
        region: &Region,
        task_definition: &str,
        container: &str,
        image: &str,
    ) -> Result<String, SourceError> {
        self.slow().await;
        self.lock()
            .register_task_definition(region.as_str(), task_definition, container, image)
    }

    async fn start_associations_once(
        &self,
        region: &Region,
        ids: &[String],
    ) -> Result<(), SourceError> {
        self.slow().await;
        self.lock().start_associations_once(region.as_str(), ids)
    }

    async fn set_alarm_state(
        &self,
        region: &Region,
        alarm: &str,
        state: AlarmState,
        reason: &str,
    ) -> Result<(), SourceError> {
        self.slow().await;
        self.lock()
            .set_alarm_state(region.as_str(), alarm, state, reason)
    }

    async fn start_zonal_shift(
        &self,
        region: &Region,
        shift: &crate::source::ZonalShiftStart,
    ) -> Result<String, SourceError> {
        self.slow().await;
        self.lock().start_zonal_shift(
            region.as_str(),
            &shift.resource,
            &shift.away_from,
            &shift.expires_in,
            &shift.comment,
        )
    }

    async fn update_zonal_shift(
        &self,
        region: &Region,
        id: &str,
        expires_in: &str,
        comment: &str,
    ) -> Result<(), SourceError> {
        self.slow().await;
        self.lock()
            .update_zonal_shift(region.as_str(), id, expires_in, comment)
    }

    async fn cancel_zonal_shift(&self, region: &Region, id: &str) -> Result<(), SourceError> {
        self.slow().await;
        self.lock().cancel_zonal_shift(region.as_str(), id)
    }

    async fn start_plan_execution(
        &self,
        region: &Region,
        start: &crate::source::PlanExecutionStart,
    ) -> Result<String, SourceError> {
        self.slow().await;
        self.lock().start_plan_execution(region, start)
    }

    async fn change_plan_execution(
        &self,
        region: &Region,
        change: &crate::source::PlanExecutionChange,
    ) -> Result<(), SourceError> {
        self.slow().await;
        self.lock().change_plan_execution(region, change)
    }
}
