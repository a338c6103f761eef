//! `x`: run the selected State Manager association now (StartAssociationsOnce), then follow the
//! run in the Runs pane until it ends: a pending row at once, never the previous run's result.

use super::{OpInfo, Operation, Subject};
use crate::action::OpId;
use crate::app::{App, DetailRef, Effect, Pane, Row};
use crate::model::{Region, Timestamp};
use crate::ops::{self, OpKind};

pub const INFO: OpInfo = OpInfo {
    id: OpId("run_now"),
    label: "run now",
    kind: OpKind::RunNow,
    panes: &[Pane::Runs],
    in_logs: false,
    prompts_when_read_only: false,
};

/// How long a run started with `x` is followed (refreshed every tick), seconds.
const FOLLOW_SECS: f64 = 600.0;

pub struct RunNow;

impl Operation for RunNow {
    fn info(&self) -> &'static OpInfo {
        &INFO
    }
    fn in_detail(&self, d: &DetailRef) -> bool {
        matches!(d, DetailRef::Association(_))
    }

    fn subject(&self, app: &App) -> Result<Subject, String> {
        let runs = app.current().and_then(|d| d.runs.as_ref());
        match (app.focus, app.selected_row(), runs) {
            (Pane::Runs, Some(Row::Association(a)), Some(v)) if a < v.len() => {
                Ok(Subject::Association {
                    id: v[a].id.clone(),
                    name: v[a].name.clone(),
                })
            }
            // The pane is there but could not be read: say that, not "select one".
            (Pane::Runs, None, _) | (Pane::Runs, _, None)
                if app.pane_error(Pane::Runs).is_some() =>
            {
                let e = app.pane_error(Pane::Runs).expect("checked");
                Err(format!(
                    "run now: the Runs pane could not be read ({} {}:{}), so there is no association to run",
                    e.code, e.service, e.operation
                ))
            }
            _ => Err("run now works on an association: select one in the Runs pane (3)".to_owned()),
        }
    }

    fn begin(&self, app: &mut App, subject: Subject) -> Vec<Effect> {
        match subject {
            Subject::Association { id, name } => {
                app.confirm_plan(ops::plan_run_now(&app.scope(), &id, &name))
            }
            _ => vec![],
        }
    }
}

/// An association run started from the console, followed until it ends.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowRun {
    pub(in crate::app) op: u64,
    region: Region,
    association: String,
    /// When the call succeeded (source clock): an execution older than this is the previous run;
    /// the run is followed for `FOLLOW_SECS` (scaled with the demo's speed) from then.
    pub(in crate::app) requested: Option<Timestamp>,
}

impl FollowRun {
    /// The run a confirmed plan starts, if it starts one.
    pub(in crate::app) fn of(op: u64, plan: &ops::Plan) -> Option<FollowRun> {
        plan.steps.iter().find_map(|s| match s {
            ops::Step::StartAssociationsOnce { ids } => ids.first().map(|id| FollowRun {
                op,
                region: plan.region.clone(),
                association: id.clone(),
                requested: None,
            }),
            _ => None,
        })
    }
}

impl App {
    /// The followed run as the Runs pane shows it: until a poll shows an execution that started
    /// after it was asked for, a pending one (never the previous run's result).
    pub(in crate::app) fn show_followed_run(&mut self) {
        let Some(f) = &self.ops.follow else { return };
        let Some(requested) = f.requested else { return };
        let (region, association) = (f.region.clone(), f.association.clone());
        self.store
            .show_run_pending(&region, &association, requested);
    }

    /// While a run started here has not ended: refresh now (every tick) to follow it.
    pub(in crate::app) fn follow_tick(&mut self) -> Vec<Effect> {
        let Some(f) = &self.ops.follow else {
            return vec![];
        };
        if self.ops.running.iter().any(|o| o.id == f.op) {
            return vec![];
        }
        // `show_followed_run` keeps the previous run's result off the pane (a pending
        // placeholder stands in), so the last execution shown is this run's.
        let ended = self
            .store
            .region(&f.region)
            .and_then(|d| d.runs.as_ref())
            .and_then(|v| v.iter().find(|a| a.id == f.association))
            .and_then(|a| a.last_execution.as_ref())
            .is_some_and(|x| x.status.ended());
        let until = f
            .requested
            .map(|r| r.plus_secs(FOLLOW_SECS * self.settings.time_scale.max(1.0)));
        if ended || until.is_some_and(|u| self.now > u) {
            self.ops.follow = None;
            return vec![];
        }
        vec![Effect::RefreshAll]
    }
}
