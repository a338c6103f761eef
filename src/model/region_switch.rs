//! ARC Region switch as the console sees it: a plan (its regions, workflows and steps), its
//! evaluation (the warnings AWS found checking the plan's resources), its recent executions and
//! the one under way, step by step. The states keep AWS's own words (`pendingManualApproval`),
//! which is what the API, the AWS console and the runbooks say.

use super::{Region, Timestamp};
use serde::Serialize;

/// What an execution does to a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RsAction {
    Activate,
    Deactivate,
}

impl RsAction {
    /// AWS's word (`activate`).
    pub fn as_str(self) -> &'static str {
        match self {
            RsAction::Activate => "activate",
            RsAction::Deactivate => "deactivate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "activate" => Some(RsAction::Activate),
            "deactivate" => Some(RsAction::Deactivate),
            _ => None,
        }
    }
}

/// Graceful (every step as planned) or ungraceful (the steps' ungraceful behaviour: faster,
/// skipping what waits on the region being left).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RsMode {
    Graceful,
    Ungraceful,
}

impl RsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RsMode::Graceful => "graceful",
            RsMode::Ungraceful => "ungraceful",
        }
    }

    pub fn parse(s: &str) -> Self {
        if s == "ungraceful" {
            RsMode::Ungraceful
        } else {
            RsMode::Graceful
        }
    }
}

/// One step of a workflow: its name and execution block type (`EC2AutoScaling`,
/// `ManualApproval`, `Route53HealthCheck`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RsStep {
    pub name: String,
    pub kind: String,
    pub description: String,
}

/// The steps that run when a region is activated or deactivated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RsWorkflow {
    /// `activate`, `deactivate` or `postRecovery`.
    pub action: String,
    /// The region the workflow is for (none: either).
    pub region: Option<String>,
    pub steps: Vec<RsStep>,
}

/// A Region switch plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RsPlan {
    pub arn: String,
    pub name: String,
    pub regions: Vec<String>,
    /// The primary region of an active/passive plan.
    pub primary: Option<String>,
    /// `activePassive` or `activeActive`.
    pub approach: String,
    pub rto_minutes: Option<i32>,
    pub workflows: Vec<RsWorkflow>,
}

impl RsPlan {
    /// The workflow that runs for `action` on `region`.
    pub fn workflow(&self, action: RsAction, region: &str) -> Option<&RsWorkflow> {
        let of = |w: &&RsWorkflow| w.action == action.as_str();
        let mut all = self.workflows.iter().filter(of);
        all.clone()
            .find(|w| w.region.as_deref() == Some(region))
            .or_else(|| all.find(|w| w.region.is_none()))
    }

    /// The step named `name` in any workflow.
    pub fn step(&self, name: &str) -> Option<&RsStep> {
        self.workflows
            .iter()
            .flat_map(|w| &w.steps)
            .find(|s| s.name == name)
    }
}

/// A warning of the plan's evaluation (a resource a step names is missing, a role lacks a
/// permission, capacity is short, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RsWarning {
    pub step: Option<String>,
    pub resource: Option<String>,
    /// `active` or `resolved`.
    pub status: String,
    pub message: String,
}

/// The plan's evaluation status (`GetPlanEvaluationStatus`): the preflight of an execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RsEvaluation {
    /// `passed`, `actionRequired`, `pendingEvaluation` or `unknown`.
    pub state: String,
    pub evaluated: Option<Timestamp>,
    pub warnings: Vec<RsWarning>,
}

impl RsEvaluation {
    /// The warnings still active.
    pub fn active(&self) -> impl Iterator<Item = &RsWarning> {
        self.warnings.iter().filter(|w| w.status != "resolved")
    }
}

/// A step's state in an execution (`GetPlanExecution` step states).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RsStepState {
    pub name: String,
    /// `notStarted`, `running`, `pendingApproval`, `completed`, `failed`, `skipped`, `canceled`.
    pub status: String,
    pub started: Option<Timestamp>,
    pub ended: Option<Timestamp>,
}

/// One execution of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RsExecution {
    pub id: String,
    pub action: RsAction,
    /// The region activated or deactivated.
    pub region: String,
    /// The region whose endpoint runs it (where its changes are sent).
    pub runs_in: String,
    pub mode: RsMode,
    /// AWS's execution state (`inProgress`, `pendingManualApproval`, `completed`, …).
    pub state: String,
    pub started: Timestamp,
    pub ended: Option<Timestamp>,
    pub comment: String,
    /// The recovery time AWS reports once it ends.
    pub recovery_time: Option<String>,
    /// Step by step (read for the execution under way or the latest).
    pub steps: Vec<RsStepState>,
}

impl RsExecution {
    /// Whether it has not ended (it may be waiting for an approval or paused).
    pub fn live(&self) -> bool {
        matches!(
            self.state.as_str(),
            "pending"
                | "inProgress"
                | "pendingManualApproval"
                | "pausedByFailedStep"
                | "pausedByOperator"
        )
    }

    pub fn paused(&self) -> bool {
        self.state.starts_with("paused")
    }

    /// The step waiting for a manual approval, if one is.
    pub fn awaiting_approval(&self) -> Option<&RsStepState> {
        self.steps.iter().find(|s| s.status == "pendingApproval")
    }

    /// Whether it ended well (the region it activated serves).
    pub fn succeeded(&self) -> bool {
        matches!(
            self.state.as_str(),
            "completed" | "completedWithExceptions" | "completedMonitoringApplicationHealth"
        )
    }

    /// `activate us-west-2 (graceful)`.
    pub fn what(&self) -> String {
        format!(
            "{} {} ({})",
            self.action.as_str(),
            self.region,
            self.mode.as_str()
        )
    }
}

/// An event of an execution (`ListPlanExecutionEvents`), for the Timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RsEvent {
    pub id: String,
    pub at: Timestamp,
    /// `stepStarted`, `stepPendingApproval`, `executionSucceeded`, …
    pub kind: String,
    pub step: Option<String>,
    pub description: String,
    pub error: Option<String>,
}

/// A plan as read: the plan, its evaluation, recent executions (newest first) and the events of
/// the execution under way or the latest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionSwitch {
    pub plan: RsPlan,
    pub evaluation: Option<RsEvaluation>,
    pub executions: Vec<RsExecution>,
    #[serde(skip)]
    pub events: Vec<RsEvent>,
    /// Other plans that also cover the app's regions (named, not read), when the plan was found
    /// by listing rather than named in the config.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<String>,
}

impl RegionSwitch {
    /// The execution under way, if any.
    pub fn live(&self) -> Option<&RsExecution> {
        self.executions.iter().find(|e| e.live())
    }

    /// The region serving, as the executions tell it: the one the last successful execution
    /// activated (or the other one, after a deactivation), else the plan's primary.
    pub fn active_region(&self) -> Option<String> {
        let last = self.executions.iter().find(|e| e.succeeded());
        match last {
            Some(e) if e.action == RsAction::Activate => Some(e.region.clone()),
            Some(e) => self.plan.regions.iter().find(|r| **r != e.region).cloned(),
            None => self.plan.primary.clone(),
        }
    }
}

/// Where a plan is looked for: the app's regions and the plan named in its config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanQuery {
    pub app: String,
    /// The region whose endpoint answers (the app's primary).
    pub region: Region,
    /// The other region the plan must cover.
    pub other: Region,
    /// `region_switch_plan` from the config: no listing.
    pub arn: Option<String>,
}
