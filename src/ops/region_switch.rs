//! ARC Region switch plans: planning an execution (activate or deactivate a region) and the
//! changes to one under way (approve or decline a manual approval, pause, resume, switch to
//! ungraceful, cancel). Each is a [`Plan`] of one call, confirmed and audited like every
//! operation; AWS runs the plan's steps itself.

use super::{Confirm, OpKind, Plan, Scope, Step, Target};
use crate::model::Region;
use crate::model::region_switch::{RegionSwitch, RsAction, RsExecution, RsMode};
use crate::source::{ExecutionChange, PlanExecutionChange, PlanExecutionStart};

/// What an operator asks of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// Start an execution.
    Start {
        action: RsAction,
        region: String,
        mode: RsMode,
    },
    Approve,
    Decline,
    Pause,
    Resume,
    Ungraceful,
    Cancel,
}

impl Ask {
    pub fn label(&self) -> &'static str {
        match self {
            Ask::Start { .. } => "start",
            Ask::Approve => "approve",
            Ask::Decline => "decline",
            Ask::Pause => "pause",
            Ask::Resume => "resume",
            Ask::Ungraceful => "switch to ungraceful",
            Ask::Cancel => "cancel",
        }
    }
}

/// The comment an execution or change carries: who, from which console (ARC keeps at most 1024
/// characters; ours are short).
pub fn comment(user: &str, console: &str, what: &str) -> String {
    format!("opsdash {console} {user}: {what}")
}

/// The region a start is sent to: the one being activated (the other one, for a deactivation).
fn start_region(rs: &RegionSwitch, action: RsAction, region: &str) -> Option<String> {
    match action {
        RsAction::Activate => Some(region.to_owned()),
        RsAction::Deactivate => rs.plan.regions.iter().find(|r| *r != region).cloned(),
    }
}

fn region(name: &str) -> Result<Region, String> {
    Region::new(name).map_err(|e| format!("the plan names region {name}: {e}"))
}

/// Plans what the operator asked of the app's plan; the error says why it cannot be asked now.
pub fn plan(
    scope: &Scope,
    app: &str,
    rs: &RegionSwitch,
    ask: &Ask,
    comment_text: &str,
) -> Result<Plan, String> {
    if let Ask::Start {
        action,
        region,
        mode,
    } = ask
    {
        return plan_start(scope, app, rs, (*action, region, *mode), comment_text);
    }
    let Some(e) = rs.live() else {
        return Err(format!(
            "no execution of {} is under way: nothing to {}",
            rs.plan.name,
            ask.label()
        ));
    };
    plan_change(scope, app, rs, e, ask, comment_text)
}

fn plan_start(
    scope: &Scope,
    app: &str,
    rs: &RegionSwitch,
    (action, target, mode): (RsAction, &str, RsMode),
    comment_text: &str,
) -> Result<Plan, String> {
    let p = &rs.plan;
    if let Some(e) = rs.live() {
        return Err(format!(
            "execution {} ({}) is {}: one at a time",
            e.id,
            e.what(),
            e.state
        ));
    }
    if !p.regions.iter().any(|r| r == target) {
        return Err(format!(
            "{target} is not a region of plan {} ({})",
            p.name,
            p.regions.join(", ")
        ));
    }
    let active = rs.active_region();
    match action {
        RsAction::Activate if active.as_deref() == Some(target) => {
            return Err(format!(
                "{target} is already the active region of {}",
                p.name
            ));
        }
        RsAction::Deactivate if active.is_some() && active.as_deref() != Some(target) => {
            return Err(format!("{target} is not the active region of {}", p.name));
        }
        _ => {}
    }
    let Some(workflow) = p.workflow(action, target) else {
        return Err(format!(
            "plan {} has no {} workflow for {target}",
            p.name,
            action.as_str()
        ));
    };
    let to = start_region(rs, action, target)
        .ok_or_else(|| format!("plan {} has no region to activate", p.name))?;
    let mut warning = Vec::new();
    if let Some(ev) = &rs.evaluation {
        let active: Vec<String> = ev.active().map(|w| w.message.clone()).collect();
        if !active.is_empty() {
            warning.push(format!(
                "its evaluation has {} warning{}: {}",
                active.len(),
                if active.len() == 1 { "" } else { "s" },
                active.join("; ")
            ));
        }
    }
    if mode == RsMode::Ungraceful {
        warning.push("ungraceful: steps do not wait for the region being left".into());
    }
    let steps: Vec<&str> = workflow.steps.iter().map(|s| s.name.as_str()).collect();
    Ok(Plan {
        kind: OpKind::RegionSwitch,
        account: scope.account.clone(),
        region: region(&to)?,
        target: Target::Plan(p.name.clone()),
        summary: format!(
            "Region switch {}: {} {target} ({})",
            p.name,
            action.as_str(),
            mode.as_str()
        ),
        params: vec![
            ("app".into(), app.to_owned()),
            ("plan_arn".into(), p.arn.clone()),
            ("action".into(), action.as_str().into()),
            ("target_region".into(), target.to_owned()),
            ("mode".into(), mode.as_str().into()),
            ("workflow_steps".into(), steps.join(", ")),
        ],
        steps: vec![Step::StartPlanExecution(PlanExecutionStart {
            plan: p.arn.clone(),
            target_region: target.to_owned(),
            action,
            mode,
            comment: comment_text.to_owned(),
        })],
        confirm: Confirm::TypeName(app.to_owned()),
        warning: (!warning.is_empty()).then(|| warning.join("; ")),
        leaves: None,
    })
}

fn plan_change(
    scope: &Scope,
    app: &str,
    rs: &RegionSwitch,
    e: &RsExecution,
    ask: &Ask,
    comment_text: &str,
) -> Result<Plan, String> {
    let approval = e.awaiting_approval().map(|s| s.name.clone());
    let (change, confirm, warning) = match ask {
        Ask::Approve | Ask::Decline => {
            let Some(step) = approval else {
                return Err(format!(
                    "execution {} waits for no approval (it is {})",
                    e.id, e.state
                ));
            };
            let approve = *ask == Ask::Approve;
            let warning = if approve {
                None
            } else {
                Some(format!("declining {step} stops the execution where it is"))
            };
            (
                ExecutionChange::Approve { step, approve },
                Confirm::Yes,
                warning,
            )
        }
        Ask::Pause if e.paused() => return Err(format!("execution {} is paused already", e.id)),
        Ask::Resume if !e.paused() => return Err(format!("execution {} is not paused", e.id)),
        Ask::Pause | Ask::Resume => (
            ExecutionChange::Update {
                action: ask.label().into(),
            },
            Confirm::Yes,
            None,
        ),
        Ask::Ungraceful if e.mode == RsMode::Ungraceful => {
            return Err(format!("execution {} is ungraceful already", e.id));
        }
        Ask::Ungraceful => (
            ExecutionChange::Update {
                action: "switchToUngraceful".into(),
            },
            Confirm::TypeName(app.to_owned()),
            Some("the steps left stop waiting for the region being left".into()),
        ),
        Ask::Cancel => (
            ExecutionChange::Cancel,
            Confirm::TypeName(app.to_owned()),
            Some(format!(
                "the steps done stay done: {} may be left half switched",
                rs.plan.name
            )),
        ),
        Ask::Start { .. } => unreachable!("a start is planned by plan_start"),
    };
    let step = Step::ChangePlanExecution(PlanExecutionChange {
        plan: rs.plan.arn.clone(),
        execution: e.id.clone(),
        change,
        comment: comment_text.to_owned(),
    });
    Ok(Plan {
        kind: OpKind::RegionSwitch,
        account: scope.account.clone(),
        region: region(&e.runs_in)?,
        target: Target::Plan(rs.plan.name.clone()),
        summary: format!(
            "Region switch {}: {} execution {} ({})",
            rs.plan.name,
            ask.label(),
            e.id,
            e.what()
        ),
        params: vec![
            ("app".into(), app.to_owned()),
            ("plan_arn".into(), rs.plan.arn.clone()),
            ("execution".into(), e.id.clone()),
            ("change".into(), ask.label().into()),
        ],
        steps: vec![step],
        confirm,
        warning,
        leaves: None,
    })
}

/// The API call of a Region switch step, as the confirmation shows it.
pub fn call_text(step: &Step) -> Option<String> {
    Some(match step {
        Step::StartPlanExecution(PlanExecutionStart {
            plan,
            target_region,
            action,
            mode,
            comment,
        }) => format!(
            "arc-region-switch:StartPlanExecution planArn={plan} targetRegion={target_region} action={} mode={} comment=\"{comment}\"",
            action.as_str(),
            mode.as_str()
        ),
        Step::ChangePlanExecution(PlanExecutionChange {
            plan,
            execution,
            change,
            comment,
        }) => match change {
            ExecutionChange::Approve { step, approve } => format!(
                "arc-region-switch:ApprovePlanExecutionStep planArn={plan} executionId={execution} stepName={step} approval={} comment=\"{comment}\"",
                if *approve { "approve" } else { "decline" }
            ),
            ExecutionChange::Update { action } => format!(
                "arc-region-switch:UpdatePlanExecution planArn={plan} executionId={execution} action={action} comment=\"{comment}\""
            ),
            ExecutionChange::Cancel => format!(
                "arc-region-switch:CancelPlanExecution planArn={plan} executionId={execution} comment=\"{comment}\""
            ),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::region_switch::{RsPlan, RsStep, RsStepState, RsWorkflow};

    fn rs(executions: Vec<RsExecution>) -> RegionSwitch {
        let wf = |action: &str, region: &str| RsWorkflow {
            action: action.into(),
            region: Some(region.into()),
            steps: vec![RsStep {
                name: format!("{action}-{region}"),
                kind: "ManualApproval".into(),
                description: String::new(),
            }],
        };
        RegionSwitch {
            plan: RsPlan {
                arn: "arn:aws:arc-region-switch::123456789012:plan/p:1".into(),
                name: "p".into(),
                regions: vec!["us-east-1".into(), "us-west-2".into()],
                primary: Some("us-east-1".into()),
                approach: "activePassive".into(),
                rto_minutes: Some(30),
                workflows: vec![
                    wf("activate", "us-west-2"),
                    wf("activate", "us-east-1"),
                    wf("deactivate", "us-east-1"),
                ],
            },
            evaluation: None,
            executions,
            events: vec![],
            others: vec![],
        }
    }

    fn scope() -> Scope {
        Scope {
            account: "123456789012".into(),
            region: Region::new("us-east-1").unwrap(),
        }
    }

    fn exec(state: &str, step: &str) -> RsExecution {
        RsExecution {
            id: "e1".into(),
            action: RsAction::Activate,
            region: "us-west-2".into(),
            runs_in: "us-west-2".into(),
            mode: RsMode::Graceful,
            state: state.into(),
            started: crate::model::Timestamp(0),
            ended: None,
            comment: String::new(),
            recovery_time: None,
            steps: vec![RsStepState {
                name: "approve".into(),
                status: step.into(),
                started: None,
                ended: None,
            }],
        }
    }

    #[test]
    fn a_start_is_sent_to_the_region_it_activates_and_typed() {
        let ask = Ask::Start {
            action: RsAction::Activate,
            region: "us-west-2".into(),
            mode: RsMode::Graceful,
        };
        let p = plan(&scope(), "shop", &rs(vec![]), &ask, "c").unwrap();
        assert_eq!(p.region.as_str(), "us-west-2");
        assert_eq!(p.confirm, Confirm::TypeName("shop".into()));
        assert_eq!(
            p.calls(),
            vec![
                "arc-region-switch:StartPlanExecution planArn=arn:aws:arc-region-switch::123456789012:plan/p:1 targetRegion=us-west-2 action=activate mode=graceful comment=\"c\""
            ]
        );
        // A deactivation is sent to the region left active.
        let ask = Ask::Start {
            action: RsAction::Deactivate,
            region: "us-east-1".into(),
            mode: RsMode::Graceful,
        };
        let p = plan(&scope(), "shop", &rs(vec![]), &ask, "c").unwrap();
        assert_eq!(p.region.as_str(), "us-west-2");
    }

    /// The audit log keeps a start's step as flat fields beside `call`, and reads it back.
    #[test]
    fn a_steps_record_is_its_calls_fields() {
        let ask = Ask::Start {
            action: RsAction::Activate,
            region: "us-west-2".into(),
            mode: RsMode::Graceful,
        };
        let p = plan(&scope(), "shop", &rs(vec![]), &ask, "c").unwrap();
        let v = serde_json::to_value(&p.steps[0]).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "call": "start_plan_execution",
                "plan": "arn:aws:arc-region-switch::123456789012:plan/p:1",
                "target_region": "us-west-2",
                "action": "activate",
                "mode": "graceful",
                "comment": "c"
            })
        );
        assert_eq!(serde_json::from_value::<Step>(v).unwrap(), p.steps[0]);
        let live = rs(vec![exec("pendingManualApproval", "pendingApproval")]);
        let p = plan(&scope(), "shop", &live, &Ask::Approve, "ok").unwrap();
        let v = serde_json::to_value(&p.steps[0]).unwrap();
        assert_eq!(v["call"], "change_plan_execution");
        assert_eq!(v["execution"], "e1");
        assert_eq!(v["change"]["change"], "approve");
        assert_eq!(serde_json::from_value::<Step>(v).unwrap(), p.steps[0]);
    }

    #[test]
    fn refusals_say_why() {
        let ask = Ask::Start {
            action: RsAction::Activate,
            region: "us-east-1".into(),
            mode: RsMode::Graceful,
        };
        let e = plan(&scope(), "shop", &rs(vec![]), &ask, "c").unwrap_err();
        assert!(e.contains("already the active region"), "{e}");
        let live = rs(vec![exec("pendingManualApproval", "pendingApproval")]);
        let ask = Ask::Start {
            action: RsAction::Activate,
            region: "us-west-2".into(),
            mode: RsMode::Graceful,
        };
        assert!(
            plan(&scope(), "shop", &live, &ask, "c")
                .unwrap_err()
                .contains("one at a time")
        );
        let running = rs(vec![exec("inProgress", "running")]);
        let e = plan(&scope(), "shop", &running, &Ask::Approve, "c").unwrap_err();
        assert!(e.contains("waits for no approval"), "{e}");
        let e = plan(&scope(), "shop", &running, &Ask::Resume, "c").unwrap_err();
        assert!(e.contains("not paused"), "{e}");
        let e = plan(&scope(), "shop", &rs(vec![]), &Ask::Cancel, "c").unwrap_err();
        assert!(e.contains("no execution"), "{e}");
    }

    #[test]
    fn an_approval_names_the_waiting_step() {
        let live = rs(vec![exec("pendingManualApproval", "pendingApproval")]);
        let p = plan(&scope(), "shop", &live, &Ask::Approve, "ok").unwrap();
        assert_eq!(p.confirm, Confirm::Yes);
        assert_eq!(
            p.calls(),
            vec![
                "arc-region-switch:ApprovePlanExecutionStep planArn=arn:aws:arc-region-switch::123456789012:plan/p:1 executionId=e1 stepName=approve approval=approve comment=\"ok\""
            ]
        );
        let p = plan(&scope(), "shop", &live, &Ask::Cancel, "x").unwrap();
        assert_eq!(p.confirm, Confirm::TypeName("shop".into()));
        assert!(p.calls()[0].starts_with("arc-region-switch:CancelPlanExecution"));
    }
}
