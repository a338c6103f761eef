//! `b`: roll the selected ECS service (or the one the roll-back banner names, from anywhere)
//! back to its previous revision: never to one this console rolled back from, nor to one whose
//! deployment failed.

use super::{OpInfo, Operation, Subject};
use crate::action::OpId;
use crate::app::{App, DetailRef, Effect, Pane};
use crate::model::Severity;
use crate::ops::{self, OpKind};

pub const INFO: OpInfo = OpInfo {
    id: OpId("rollback"),
    label: "roll back",
    kind: OpKind::Rollback,
    panes: &[Pane::Capacity],
    in_logs: true,
    prompts_when_read_only: false,
};

pub struct Rollback;

impl Operation for Rollback {
    fn info(&self) -> &'static OpInfo {
        &INFO
    }
    fn in_detail(&self, d: &DetailRef) -> bool {
        matches!(d, DetailRef::Service { .. })
    }
    fn offered(&self, app: &App) -> bool {
        app.rollback_offer().is_some()
    }

    fn subject(&self, app: &App) -> Result<Subject, String> {
        if let Some(s) = app.selected_service() {
            return Ok(Subject::Service(s.clone()));
        }
        let cap = app.current().and_then(|d| d.capacity.as_ref());
        if let Some(o) = app.rollback_offer()
            && let Some(s) = cap.and_then(|c| {
                c.ecs_services
                    .iter()
                    .find(|s| s.cluster == o.cluster && s.name == o.service)
            })
        {
            return Ok(Subject::Service(s.clone()));
        }
        Err("roll back works on an ECS service: select one in the Capacity pane (2)".to_owned())
    }

    fn begin(&self, app: &mut App, subject: Subject) -> Vec<Effect> {
        let Subject::Service(s) = subject else {
            return vec![];
        };
        let revisions: Vec<&str> = s
            .deployments
            .iter()
            .map(|d| d.task_definition.as_str())
            .collect();
        let Some(prev) = ops::previous_revision(&s.task_definition, &revisions, &app.avoid(&s))
        else {
            app.set_status(
                format!(
                    "{} runs {}: there is no earlier revision to roll back to",
                    s.name, s.task_definition
                ),
                Severity::Warn,
            );
            return vec![];
        };
        let plan = ops::plan_rollback(&app.scope(), &s.cluster, &s.name, &s.task_definition, &prev);
        app.confirm_plan(plan)
    }
}
