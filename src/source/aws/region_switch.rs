//! ARC Region switch: the plan covering an app's regions (named in the config, else found with
//! `ListPlansInRegion`), its evaluation (`GetPlanEvaluationStatus`), recent executions
//! (`ListPlanExecutions`), the steps and events of the one under way or the latest
//! (`GetPlanExecution`, `ListPlanExecutionEvents`); starting an execution and changing one
//! (`ApprovePlanExecutionStep`, `UpdatePlanExecution`, `CancelPlanExecution`).

use super::RegionClients;
use super::errors::map;
use crate::model::Timestamp;
use crate::model::region_switch::{
    PlanQuery, RegionSwitch, RsAction, RsEvaluation, RsEvent, RsExecution, RsMode, RsPlan, RsStep,
    RsStepState, RsWarning, RsWorkflow,
};
use crate::source::{ExecutionChange, PlanExecutionChange, PlanExecutionStart, SourceError};
use aws_sdk_arcregionswitch::types as t;

const SVC: &str = "arc-region-switch";
/// Executions listed per read (the newest).
const EXECUTIONS: i32 = 10;
/// Pages of a list read at most in one refresh (warnings, events).
const PAGES: usize = 5;

fn ts(d: &aws_smithy_types::DateTime) -> Timestamp {
    d.to_millis().map_or(Timestamp(0), Timestamp)
}

/// An ARC error, with the likely cause when the endpoint gave no answer: Region switch is not
/// offered in every region.
fn arc_error(mut e: SourceError, region: &str) -> SourceError {
    if e.class == crate::source::ErrorClass::Network {
        e.hint = Some(
            format!(
                "no answer from ARC Region switch in {region}: it may not be offered in this region (or the network is down)"
            )
            .into(),
        );
    }
    e
}

macro_rules! call {
    ($r:expr, $profile:expr, $op:literal, $req:expr) => {
        $req.send()
            .await
            .map_err(|e| arc_error(map(SVC, $op, $profile, &e), $r.info.name.as_str()))
    };
}

/// The plan an app's query names, or the one listed that covers both its regions (preferring
/// one named after the app), with the names of the others that also do.
async fn find(
    r: &RegionClients,
    profile: Option<&str>,
    q: &PlanQuery,
) -> Result<Option<(String, Vec<String>)>, SourceError> {
    if let Some(arn) = &q.arn {
        return Ok(Some((arn.clone(), Vec::new())));
    }
    let mut covering: Vec<t::AbbreviatedPlan> = Vec::new();
    let mut token = None;
    for _ in 0..PAGES {
        let page = call!(
            r,
            profile,
            "ListPlansInRegion",
            r.region_switch.list_plans_in_region().set_next_token(token)
        )?;
        covering.extend(page.plans.unwrap_or_default().into_iter().filter(|p| {
            p.regions.iter().any(|x| x == q.region.as_str())
                && p.regions.iter().any(|x| x == q.other.as_str())
        }));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    covering.sort_by(|a, b| a.name.cmp(&b.name));
    let best = covering
        .iter()
        .position(|p| p.name == q.app)
        .or_else(|| {
            covering
                .iter()
                .position(|p| p.name.contains(q.app.as_str()))
        })
        .unwrap_or(0);
    if covering.is_empty() {
        return Ok(None);
    }
    let chosen = covering.remove(best);
    Ok(Some((
        chosen.arn,
        covering.into_iter().map(|p| p.name).collect(),
    )))
}

fn plan(p: t::Plan) -> RsPlan {
    RsPlan {
        arn: p.arn,
        name: p.name,
        regions: p.regions,
        primary: p.primary_region,
        approach: p.recovery_approach.as_str().to_owned(),
        rto_minutes: p.recovery_time_objective_minutes,
        workflows: p
            .workflows
            .into_iter()
            .map(|w| RsWorkflow {
                action: w.workflow_target_action.as_str().to_owned(),
                region: w.workflow_target_region,
                steps: w
                    .steps
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| RsStep {
                        name: s.name,
                        kind: s.execution_block_type.as_str().to_owned(),
                        description: s.description.unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The plan's evaluation; a refusal is said in its state, so the plan still shows.
async fn evaluation(r: &RegionClients, profile: Option<&str>, arn: &str) -> RsEvaluation {
    let mut out = RsEvaluation {
        state: "unknown".into(),
        evaluated: None,
        warnings: Vec::new(),
    };
    let mut token = None;
    for _ in 0..PAGES {
        let page = match call!(
            r,
            profile,
            "GetPlanEvaluationStatus",
            r.region_switch
                .get_plan_evaluation_status()
                .plan_arn(arn)
                .set_next_token(token)
        ) {
            Ok(p) => p,
            Err(e) => {
                out.state = format!("not read: {e}");
                return out;
            }
        };
        if let Some(s) = &page.evaluation_state {
            s.as_str().clone_into(&mut out.state);
        }
        out.evaluated = page.last_evaluation_time.as_ref().map(ts).or(out.evaluated);
        out.warnings.extend(
            page.warnings
                .unwrap_or_default()
                .into_iter()
                .map(|w| RsWarning {
                    step: w.step_name,
                    resource: w.resource_arn,
                    status: w.warning_status.as_str().to_owned(),
                    message: w.warning_message,
                }),
        );
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    out
}

fn execution(e: t::AbbreviatedExecution, regions: &[String]) -> RsExecution {
    let action = if e.execution_action == t::ExecutionAction::Deactivate {
        RsAction::Deactivate
    } else {
        RsAction::Activate
    };
    let region = e.execution_region.clone();
    // A deactivation runs in the region left active.
    let runs_in = match action {
        RsAction::Activate => region.clone(),
        RsAction::Deactivate => regions
            .iter()
            .find(|r| **r != region)
            .cloned()
            .unwrap_or_else(|| region.clone()),
    };
    RsExecution {
        id: e.execution_id,
        action,
        region,
        runs_in,
        mode: RsMode::parse(e.mode.as_str()),
        state: e.execution_state.as_str().to_owned(),
        started: ts(&e.start_time),
        ended: e.end_time.as_ref().map(ts),
        comment: e.comment.unwrap_or_default(),
        recovery_time: e.actual_recovery_time,
        steps: Vec::new(),
    }
}

/// The steps' states of one execution, and its events (sent to the region it runs in).
async fn detail(
    r: &RegionClients,
    profile: Option<&str>,
    arn: &str,
    e: &mut RsExecution,
) -> Result<Vec<RsEvent>, SourceError> {
    let got = call!(
        r,
        profile,
        "GetPlanExecution",
        r.region_switch
            .get_plan_execution()
            .plan_arn(arn)
            .execution_id(&e.id)
    )?;
    got.execution_state.as_str().clone_into(&mut e.state);
    e.mode = RsMode::parse(got.mode.as_str());
    e.ended = got.end_time.as_ref().map(ts);
    e.recovery_time = got.actual_recovery_time.or(e.recovery_time.take());
    e.steps = got
        .step_states
        .unwrap_or_default()
        .into_iter()
        .map(|s| RsStepState {
            name: s.name.unwrap_or_default(),
            status: s.status.map(|x| x.as_str().to_owned()).unwrap_or_default(),
            started: s.start_time.as_ref().map(ts),
            ended: s.end_time.as_ref().map(ts),
        })
        .collect();
    let mut events = Vec::new();
    let mut token = None;
    for _ in 0..PAGES {
        let page = call!(
            r,
            profile,
            "ListPlanExecutionEvents",
            r.region_switch
                .list_plan_execution_events()
                .plan_arn(arn)
                .execution_id(&e.id)
                .set_next_token(token)
        )?;
        events.extend(page.items.unwrap_or_default().into_iter().map(|v| RsEvent {
            id: v.event_id,
            at: v.timestamp.as_ref().map_or(Timestamp(0), ts),
            kind: v.r#type.map(|k| k.as_str().to_owned()).unwrap_or_default(),
            step: v.step_name,
            description: v.description.unwrap_or_default(),
            error: v.error,
        }));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    events.sort_by_key(|e| e.at);
    Ok(events)
}

/// The whole read: `None` when no plan covers the app's regions.
pub async fn read(
    r: &RegionClients,
    other: Option<&RegionClients>,
    profile: Option<&str>,
    q: &PlanQuery,
) -> Result<Option<RegionSwitch>, SourceError> {
    let Some((arn, others)) = find(r, profile, q).await? else {
        return Ok(None);
    };
    let got = call!(
        r,
        profile,
        "GetPlanInRegion",
        r.region_switch.get_plan_in_region().arn(&arn)
    )?;
    let Some(p) = got.plan else {
        return Ok(None);
    };
    let p = plan(p);
    let evaluation = evaluation(r, profile, &arn).await;
    let listed = call!(
        r,
        profile,
        "ListPlanExecutions",
        r.region_switch
            .list_plan_executions()
            .plan_arn(&arn)
            .max_results(EXECUTIONS)
    )?;
    let mut executions: Vec<RsExecution> = listed
        .items
        .unwrap_or_default()
        .into_iter()
        .map(|e| execution(e, &p.regions))
        .collect();
    executions.sort_by_key(|e| std::cmp::Reverse(e.started));
    let mut events = Vec::new();
    let shown = executions
        .iter()
        .position(RsExecution::live)
        .or((!executions.is_empty()).then_some(0));
    if let Some(i) = shown {
        let e = &mut executions[i];
        let at = match other {
            Some(o) if o.info.name.as_str() == e.runs_in => o,
            _ => r,
        };
        events = detail(at, profile, &arn, e).await?;
    }
    Ok(Some(RegionSwitch {
        plan: p,
        evaluation: Some(evaluation),
        executions,
        events,
        others,
    }))
}

/// `StartPlanExecution`; the new execution's id.
pub async fn start(
    r: &RegionClients,
    profile: Option<&str>,
    s: &PlanExecutionStart,
) -> Result<String, SourceError> {
    let out = call!(
        r,
        profile,
        "StartPlanExecution",
        r.region_switch
            .start_plan_execution()
            .plan_arn(&s.plan)
            .target_region(&s.target_region)
            .action(t::ExecutionAction::from(s.action.as_str()))
            .mode(t::ExecutionMode::from(s.mode.as_str()))
            .comment(&s.comment)
    )?;
    Ok(out.execution_id.unwrap_or_default())
}

/// `ApprovePlanExecutionStep`, `UpdatePlanExecution` or `CancelPlanExecution`.
pub async fn change(
    r: &RegionClients,
    profile: Option<&str>,
    c: &PlanExecutionChange,
) -> Result<(), SourceError> {
    let rs = &r.region_switch;
    match &c.change {
        ExecutionChange::Approve { step, approve } => {
            call!(
                r,
                profile,
                "ApprovePlanExecutionStep",
                rs.approve_plan_execution_step()
                    .plan_arn(&c.plan)
                    .execution_id(&c.execution)
                    .step_name(step)
                    .approval(if *approve {
                        t::Approval::Approve
                    } else {
                        t::Approval::Decline
                    })
                    .comment(&c.comment)
            )?;
        }
        ExecutionChange::Update { action } => {
            call!(
                r,
                profile,
                "UpdatePlanExecution",
                rs.update_plan_execution()
                    .plan_arn(&c.plan)
                    .execution_id(&c.execution)
                    .action(t::UpdatePlanExecutionAction::from(action.as_str()))
                    .comment(&c.comment)
            )?;
        }
        ExecutionChange::Cancel => {
            call!(
                r,
                profile,
                "CancelPlanExecution",
                rs.cancel_plan_execution()
                    .plan_arn(&c.plan)
                    .execution_id(&c.execution)
                    .comment(&c.comment)
            )?;
        }
    }
    Ok(())
}
