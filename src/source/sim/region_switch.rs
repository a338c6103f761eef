//! ARC Region switch in the simulated estate: the warm-standby estate has a plan whose
//! executions the simulation carries out on its own clock, as ARC does: a manual approval that
//! waits for the operator, Auto Scaling and ECS scaling blocks that scale the region being
//! activated to the active one's capacity and wait for it, and a Route 53 health-check block that
//! moves the traffic.

use super::Sim;
use crate::model::region_switch::{
    PlanQuery, RegionSwitch, RsAction, RsEvaluation, RsEvent, RsExecution, RsMode, RsPlan, RsStep,
    RsStepState, RsWarning, RsWorkflow,
};
use crate::model::{Region, Timestamp};
use crate::source::{
    ErrorClass, ExecutionChange, PlanExecutionChange, PlanExecutionStart, SourceError,
};

/// How long a scaling block waits for its capacity before it fails, seconds.
const SCALING_TIMEOUT_SECS: f64 = 900.0;
/// How long the Route 53 health-check block takes to move the traffic, seconds.
const ROUTE53_SECS: f64 = 30.0;
/// Executions kept.
const KEPT: usize = 10;
/// Events kept per execution.
const EVENTS_KEPT: usize = 200;

/// What a step of the demo's plan does.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    Approval,
    /// Auto Scaling groups of the region being activated, by name.
    Asgs(Vec<String>),
    /// `cluster`, `service` of the region being activated.
    Service(String, String),
    /// The Route 53 health checks: traffic to the region activated.
    Route53,
}

impl Block {
    fn kind(&self) -> &'static str {
        match self {
            Block::Approval => "ManualApproval",
            Block::Asgs(_) => "EC2AutoScaling",
            Block::Service(..) => "ECSServiceScaling",
            Block::Route53 => "Route53HealthCheck",
        }
    }
}

/// The demo's plan: two regions, active/passive.
#[derive(Debug, Clone)]
pub struct SimPlan {
    pub arn: String,
    pub name: String,
    executions: Vec<SimExecution>,
    seq: u64,
}

#[derive(Debug, Clone)]
struct SimStep {
    name: String,
    block: Block,
    status: &'static str,
    started: Option<Timestamp>,
    ended: Option<Timestamp>,
    /// The capacity a scaling block waits for.
    target: u32,
}

#[derive(Debug, Clone)]
struct SimExecution {
    id: String,
    action: RsAction,
    /// The region activated or deactivated.
    region: usize,
    /// The region it runs in (the one being activated).
    runs_in: usize,
    mode: RsMode,
    state: &'static str,
    started: Timestamp,
    ended: Option<Timestamp>,
    comment: String,
    steps: Vec<SimStep>,
    events: Vec<RsEvent>,
}

fn rserr(op: &str, code: &str, msg: String) -> SourceError {
    let class = match code {
        "ResourceNotFoundException" | "ValidationException" | "IllegalStateException" => {
            ErrorClass::Validation
        }
        _ => ErrorClass::Other,
    };
    SourceError::new(class, "arc-region-switch", op, code, msg)
}

impl SimPlan {
    /// The warm-standby estate's plan.
    pub fn new(app: &str) -> Self {
        SimPlan {
            arn: format!(
                "arn:aws:arc-region-switch::{}:plan/{app}-failover:4f1c2a",
                super::DEMO_ACCOUNT
            ),
            name: format!("{app}-failover"),
            executions: Vec::new(),
            seq: 0,
        }
    }
}

/// The steps of a workflow: activating a region approves, scales, then moves the traffic;
/// deactivating one moves the traffic away.
fn blocks(action: RsAction) -> Vec<(&'static str, Block, &'static str)> {
    match action {
        RsAction::Activate => vec![
            (
                "approve-switch",
                Block::Approval,
                "the incident lead approves moving the traffic",
            ),
            (
                "scale-ec2-capacity",
                Block::Asgs(vec![
                    "fa-092-AutoScalingGroup".into(),
                    "appCluster-capacity-asg".into(),
                ]),
                "Auto Scaling groups to the active region's capacity",
            ),
            (
                "scale-app-service",
                Block::Service("appCluster".into(), "appService".into()),
                "appService to the active region's task count",
            ),
            (
                "route53-health-checks",
                Block::Route53,
                "Route 53 health checks send the traffic to this region",
            ),
        ],
        RsAction::Deactivate => vec![(
            "route53-health-checks",
            Block::Route53,
            "Route 53 health checks send the traffic away from this region",
        )],
    }
}

impl Sim {
    fn plan_names(&self) -> Vec<String> {
        self.regions.iter().map(|r| r.name.to_string()).collect()
    }

    /// The region serving: the last plan execution's, else DNS's own failover.
    pub(super) fn active_region(&self) -> usize {
        self.routed_to.unwrap_or(0)
    }

    fn rs_plan(&self, p: &SimPlan) -> RsPlan {
        let names = self.plan_names();
        let mut workflows = Vec::new();
        for action in [RsAction::Activate, RsAction::Deactivate] {
            for r in &names {
                workflows.push(RsWorkflow {
                    action: action.as_str().into(),
                    region: Some(r.clone()),
                    steps: blocks(action)
                        .into_iter()
                        .map(|(name, b, d)| RsStep {
                            name: name.into(),
                            kind: b.kind().into(),
                            description: d.into(),
                        })
                        .collect(),
                });
            }
        }
        RsPlan {
            arn: p.arn.clone(),
            name: p.name.clone(),
            regions: names.clone(),
            primary: names.first().cloned(),
            approach: "activePassive".into(),
            rto_minutes: Some(30),
            workflows,
        }
    }

    /// The capacity an activation of region `to` scales `asg` to: the active region's desired.
    fn asg_goal(&self, to: usize, asg: &str) -> Option<(u32, u32)> {
        let from = self.active_region();
        let have = self.regions[from].asgs.iter().find(|g| g.name == asg)?;
        let g = self.regions[to].asgs.iter().find(|g| g.name == asg)?;
        Some((have.desired.max(g.desired), g.max))
    }

    /// The plan's evaluation: what would stop an activation of the standby region.
    fn rs_evaluation(&self) -> RsEvaluation {
        let standby = usize::from(self.active_region() == 0);
        let mut warnings = Vec::new();
        for (name, b, _) in blocks(RsAction::Activate) {
            if let Block::Asgs(asgs) = b {
                for asg in asgs {
                    if let Some((goal, max)) = self.asg_goal(standby, &asg)
                        && goal > max
                    {
                        warnings.push(RsWarning {
                            step: Some(name.into()),
                            resource: Some(asg.clone()),
                            status: "active".into(),
                            message: format!(
                                "{asg} in {}: max size {max} is below the {goal} instances the step scales to",
                                self.regions[standby].name
                            ),
                        });
                    }
                }
            }
        }
        // ARC evaluates a plan every 30 minutes.
        let evaluated = self.now.plus_secs(-((self.tick() % 1800) as f64));
        RsEvaluation {
            state: if warnings.is_empty() {
                "passed"
            } else {
                "actionRequired"
            }
            .into(),
            evaluated: Some(evaluated),
            warnings,
        }
    }

    fn rs_execution(&self, e: &SimExecution) -> RsExecution {
        RsExecution {
            id: e.id.clone(),
            action: e.action,
            region: self.regions[e.region].name.to_string(),
            runs_in: self.regions[e.runs_in].name.to_string(),
            mode: e.mode,
            state: e.state.into(),
            started: e.started,
            ended: e.ended,
            comment: e.comment.clone(),
            recovery_time: e
                .ended
                .filter(|_| e.state == "completed")
                .map(|end| recovery(e.started, end)),
            steps: e
                .steps
                .iter()
                .map(|s| RsStepState {
                    name: s.name.clone(),
                    status: s.status.into(),
                    started: s.started,
                    ended: s.ended,
                })
                .collect(),
        }
    }

    /// `ListPlansInRegion` / `GetPlanInRegion` and the rest of the read.
    pub fn region_switch(&self, q: &PlanQuery) -> Result<Option<RegionSwitch>, SourceError> {
        let Some(p) = &self.plan else {
            if let Some(arn) = &q.arn {
                return Err(rserr(
                    "GetPlanInRegion",
                    "ResourceNotFoundException",
                    format!("plan {arn} not found"),
                ));
            }
            return Ok(None);
        };
        if q.arn.as_ref().is_some_and(|a| *a != p.arn) {
            return Err(rserr(
                "GetPlanInRegion",
                "ResourceNotFoundException",
                format!("plan {} not found", q.arn.as_deref().unwrap_or("")),
            ));
        }
        let names = self.plan_names();
        if q.arn.is_none()
            && !(names.contains(&q.region.to_string()) && names.contains(&q.other.to_string()))
        {
            return Ok(None);
        }
        let executions: Vec<RsExecution> = p
            .executions
            .iter()
            .rev()
            .map(|e| self.rs_execution(e))
            .collect();
        let events = p
            .executions
            .iter()
            .rev()
            .find(|e| e.ended.is_none())
            .or_else(|| p.executions.last())
            .map(|e| e.events.clone())
            .unwrap_or_default();
        Ok(Some(RegionSwitch {
            plan: self.rs_plan(p),
            evaluation: Some(self.rs_evaluation()),
            executions,
            events,
            others: Vec::new(),
        }))
    }

    /// `StartPlanExecution`, sent to `region`.
    pub fn start_plan_execution(
        &mut self,
        region: &Region,
        s: &PlanExecutionStart,
    ) -> Result<String, SourceError> {
        const OP: &str = "StartPlanExecution";
        let now = self.now;
        let target = self.region_index(&s.target_region).ok_or_else(|| {
            rserr(
                OP,
                "ValidationException",
                format!("{} is not a region of the plan", s.target_region),
            )
        })?;
        let activate = match s.action {
            RsAction::Activate => target,
            RsAction::Deactivate => usize::from(target == 0),
        };
        if self.regions[activate].name != *region {
            return Err(rserr(
                OP,
                "ValidationException",
                format!(
                    "StartPlanExecution must be called in the region being activated ({})",
                    self.regions[activate].name
                ),
            ));
        }
        let Some(p) = self.plan.as_mut() else {
            return Err(rserr(OP, "ResourceNotFoundException", "no plan".into()));
        };
        if p.arn != s.plan {
            return Err(rserr(
                OP,
                "ResourceNotFoundException",
                format!("plan {} not found", s.plan),
            ));
        }
        if p.executions.iter().any(|e| e.ended.is_none()) {
            return Err(rserr(
                OP,
                "IllegalStateException",
                "an execution of this plan is in progress".into(),
            ));
        }
        p.seq += 1;
        let id = format!("exec-{:04}-{}", p.seq, now.secs() % 100_000);
        let steps = blocks(s.action)
            .into_iter()
            .map(|(name, block, _)| SimStep {
                name: name.into(),
                block,
                status: "notStarted",
                started: None,
                ended: None,
                target: 0,
            })
            .collect();
        let mut e = SimExecution {
            id: id.clone(),
            action: s.action,
            region: target,
            runs_in: activate,
            mode: s.mode,
            state: "inProgress",
            started: now,
            ended: None,
            comment: s.comment.clone(),
            steps,
            events: Vec::new(),
        };
        rs_event(
            &mut e,
            now,
            "executionStarted",
            None,
            format!(
                "{} {} ({}) started: {}",
                s.action.as_str(),
                s.target_region,
                s.mode.as_str(),
                s.comment
            ),
        );
        if p.executions.len() == KEPT {
            p.executions.remove(0);
        }
        p.executions.push(e);
        Ok(id)
    }

    /// `ApprovePlanExecutionStep`, `UpdatePlanExecution`, `CancelPlanExecution`.
    pub fn change_plan_execution(
        &mut self,
        region: &Region,
        c: &PlanExecutionChange,
    ) -> Result<(), SourceError> {
        let op = match c.change {
            ExecutionChange::Approve { .. } => "ApprovePlanExecutionStep",
            ExecutionChange::Update { .. } => "UpdatePlanExecution",
            ExecutionChange::Cancel => "CancelPlanExecution",
        };
        let now = self.now;
        let names = self.plan_names();
        let Some(p) = self.plan.as_mut() else {
            return Err(rserr(op, "ResourceNotFoundException", "no plan".into()));
        };
        let same_plan = p.arn == c.plan;
        let Some(e) = p
            .executions
            .iter_mut()
            .find(|e| same_plan && e.id == c.execution)
        else {
            return Err(rserr(
                op,
                "ResourceNotFoundException",
                format!("execution {} of plan {} not found", c.execution, c.plan),
            ));
        };
        if names[e.runs_in] != region.as_str() {
            return Err(rserr(
                op,
                "ValidationException",
                format!("execution {} runs in {}", e.id, names[e.runs_in]),
            ));
        }
        if e.ended.is_some() {
            return Err(rserr(
                op,
                "IllegalStateException",
                format!("execution {} has ended ({})", e.id, e.state),
            ));
        }
        match &c.change {
            ExecutionChange::Approve { step, approve } => {
                let Some(s) = e
                    .steps
                    .iter_mut()
                    .find(|s| &s.name == step && s.status == "pendingApproval")
                else {
                    return Err(rserr(
                        op,
                        "IllegalStateException",
                        format!("step {step} is not waiting for an approval"),
                    ));
                };
                s.ended = Some(now);
                if *approve {
                    s.status = "completed";
                    e.state = "inProgress";
                    rs_event(
                        e,
                        now,
                        "stepSucceeded",
                        Some(step),
                        format!("approved: {}", c.comment),
                    );
                } else {
                    s.status = "canceled";
                    rs_event(
                        e,
                        now,
                        "stepCanceled",
                        Some(step),
                        format!("declined: {}", c.comment),
                    );
                    end(e, now, "canceled", "executionCanceled");
                }
            }
            ExecutionChange::Update { action } => match action.as_str() {
                "pause" => {
                    e.state = "pausedByOperator";
                    rs_event(e, now, "executionPaused", None, c.comment.clone());
                }
                "resume" => {
                    e.state = if e.steps.iter().any(|s| s.status == "pendingApproval") {
                        "pendingManualApproval"
                    } else {
                        "inProgress"
                    };
                    // A failed step is tried again.
                    for s in &mut e.steps {
                        if s.status == "failed" {
                            s.status = "notStarted";
                        }
                    }
                    rs_event(
                        e,
                        now,
                        "stepUpdate",
                        None,
                        format!("resumed: {}", c.comment),
                    );
                }
                "switchToUngraceful" | "switchToGraceful" => {
                    let (mode, kind) = if action == "switchToUngraceful" {
                        (RsMode::Ungraceful, "executionBehaviorChangedToUngraceful")
                    } else {
                        (RsMode::Graceful, "executionBehaviorChangedToGraceful")
                    };
                    e.mode = mode;
                    rs_event(e, now, kind, None, c.comment.clone());
                }
                other => {
                    return Err(rserr(
                        op,
                        "ValidationException",
                        format!("unknown action {other}"),
                    ));
                }
            },
            ExecutionChange::Cancel => {
                for s in &mut e.steps {
                    if matches!(s.status, "notStarted" | "running" | "pendingApproval") {
                        s.status = "canceled";
                    }
                }
                end(e, now, "canceled", "executionCanceled");
            }
        }
        Ok(())
    }

    /// One second of the execution under way.
    pub(super) fn step_region_switch(&mut self) {
        let now = self.now;
        let Some(mut e) = self.plan.as_mut().and_then(|p| {
            let i = p.executions.iter().position(|e| e.ended.is_none())?;
            Some(p.executions.remove(i))
        }) else {
            return;
        };
        if !e.state.starts_with("paused") {
            self.advance_execution(&mut e, now);
        }
        if let Some(p) = self.plan.as_mut() {
            p.executions.push(e);
            p.executions.sort_by_key(|e| e.started);
        }
    }

    fn advance_execution(&mut self, e: &mut SimExecution, now: Timestamp) {
        let Some(i) = e
            .steps
            .iter()
            .position(|s| !matches!(s.status, "completed" | "skipped"))
        else {
            end(e, now, "completed", "executionSucceeded");
            return;
        };
        let to = e.runs_in;
        let ungraceful = e.mode == RsMode::Ungraceful;
        match e.steps[i].status {
            "notStarted" => {
                let name = e.steps[i].name.clone();
                e.steps[i].started = Some(now);
                let block = e.steps[i].block.clone();
                let started = match block {
                    Block::Approval => {
                        e.steps[i].status = "pendingApproval";
                        e.state = "pendingManualApproval";
                        rs_event(
                            e,
                            now,
                            "stepPendingApproval",
                            Some(&name),
                            "waiting for a manual approval".into(),
                        );
                        return;
                    }
                    Block::Asgs(asgs) => self.start_asgs(to, &asgs),
                    Block::Service(cluster, service) => self.start_service(to, &cluster, &service),
                    Block::Route53 => {
                        self.routed_to = Some(to);
                        Ok((0, format!("traffic to {}", self.regions[to].name)))
                    }
                };
                match started {
                    Ok((target, what)) => {
                        e.steps[i].status = "running";
                        e.steps[i].target = target;
                        rs_event(e, now, "stepStarted", Some(&name), what);
                    }
                    Err(why) => fail(e, i, now, &why),
                }
            }
            "running" => {
                let s = &e.steps[i];
                let waited = now.secs_since(s.started.unwrap_or(now));
                let done = match &s.block {
                    Block::Approval => false,
                    Block::Asgs(asgs) => {
                        ungraceful || asgs.iter().all(|a| self.in_service(to, a) >= s.target)
                    }
                    Block::Service(c, n) => ungraceful || self.running_tasks(to, c, n) >= s.target,
                    Block::Route53 => waited >= ROUTE53_SECS,
                };
                let name = s.name.clone();
                if done {
                    e.steps[i].status = "completed";
                    e.steps[i].ended = Some(now);
                    rs_event(e, now, "stepSucceeded", Some(&name), String::new());
                } else if waited >= SCALING_TIMEOUT_SECS {
                    fail(e, i, now, "timed out waiting for capacity");
                }
            }
            _ => {}
        }
    }

    fn start_asgs(&mut self, to: usize, asgs: &[String]) -> Result<(u32, String), String> {
        let mut said = Vec::new();
        let mut target = 0;
        for asg in asgs {
            let Some((goal, _)) = self.asg_goal(to, asg) else {
                continue;
            };
            let region = self.regions[to].name.to_string();
            self.set_desired_capacity(&region, asg, goal, "ARC Region switch")
                .map_err(|e| e.message)?;
            said.push(format!("{asg} -> {goal}"));
            target = target.max(goal);
        }
        Ok((target, said.join(", ")))
    }

    fn start_service(
        &mut self,
        to: usize,
        cluster: &str,
        service: &str,
    ) -> Result<(u32, String), String> {
        let from = self.active_region();
        let find = |r: &super::state::RegionSim| {
            r.services
                .iter()
                .find(|s| s.cluster == cluster && s.name == service)
                .map(|s| s.desired)
        };
        let (Some(have), Some(now)) = (find(&self.regions[from]), find(&self.regions[to])) else {
            return Err(format!("service {cluster}/{service} not found"));
        };
        let goal = have.max(now);
        let region = self.regions[to].name.to_string();
        let update = crate::source::ServiceUpdate {
            cluster: cluster.into(),
            service: service.into(),
            desired: Some(goal),
            ..Default::default()
        };
        self.update_service(&region, &update)
            .map_err(|e| e.message)?;
        Ok((goal, format!("{service} -> {goal} tasks")))
    }

    fn in_service(&self, r: usize, asg: &str) -> u32 {
        let region = &self.regions[r];
        let Some(a) = region.asgs.iter().position(|g| g.name == asg) else {
            return 0;
        };
        region
            .instances
            .iter()
            .filter(|i| i.asg == Some(a) && i.lifecycle == super::state::Lifecycle::InService)
            .count() as u32
    }

    fn running_tasks(&self, r: usize, cluster: &str, service: &str) -> u32 {
        self.regions[r]
            .services
            .iter()
            .find(|s| s.cluster == cluster && s.name == service)
            .map_or(0, |s| {
                s.tasks
                    .iter()
                    .filter(|t| t.state == super::state::TaskState::Running)
                    .count() as u32
            })
    }
}

fn rs_event(e: &mut SimExecution, at: Timestamp, kind: &str, step: Option<&str>, text: String) {
    if e.events.len() == EVENTS_KEPT {
        e.events.remove(0);
    }
    let n = e.events.len() + 1;
    e.events.push(RsEvent {
        id: format!("{}-{n}-{}", e.id, at.0),
        at,
        kind: kind.into(),
        step: step.map(str::to_owned),
        description: text,
        error: None,
    });
}

fn fail(e: &mut SimExecution, i: usize, now: Timestamp, why: &str) {
    e.steps[i].status = "failed";
    e.steps[i].ended = Some(now);
    e.state = "pausedByFailedStep";
    let name = e.steps[i].name.clone();
    rs_event(e, now, "stepFailed", Some(&name), String::new());
    if let Some(last) = e.events.last_mut() {
        last.error = Some(why.to_owned());
    }
}

/// `4m 33s` from the start of an execution to its end.
fn recovery(started: Timestamp, ended: Timestamp) -> String {
    let s = ended.secs_since(started).max(0.0) as u64;
    format!("{}m {:02}s", s / 60, s % 60)
}

fn end(e: &mut SimExecution, now: Timestamp, state: &'static str, kind: &str) {
    e.state = state;
    e.ended = Some(now);
    let text = if state == "completed" {
        format!("recovery time {}", recovery(e.started, now))
    } else {
        String::new()
    };
    rs_event(e, now, kind, None, text);
}
