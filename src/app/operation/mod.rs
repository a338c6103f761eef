//! The operations a key starts on a resource: scale, deploy, roll back, run now, zonal shift and
//! its extension. Each is one module implementing [`Operation`] — where it applies (the panes and
//! detail views whose footer offers it), what it works on from the selection, what it opens (a
//! prompt, or the confirmation of its plan) — and one line in [`ALL`]. Its config name, default
//! key and help line are its line in `action::ACTIONS`; a test checks the two lists agree.
//!
//! Read-only is decided here, once for every operation: a key is refused with its audit record
//! (or, for those whose preflight is worth reading, the prompt opens and the plan is refused at
//! [`App::confirm_plan`]). The executor refuses again, whatever reaches it.
//!
//! Adding an operation: a module here, its line in `ALL` and in `action::ACTIONS`, its plan and
//! `Step`s in `ops`, and the source calls the steps make.

mod deploy;
mod rollback;
mod run_now;
pub(super) mod scale;
mod zonal;

pub use run_now::FollowRun;

use super::{App, DetailRef, Effect, Pane};
use crate::action::{Action, OpId};
use crate::model::{EcsService, LoadBalancer, Severity};
use crate::ops::{Bounds, OpKind, Plan, ScaleTarget, Target};

/// What an operation works on, resolved from the selection.
#[derive(Debug, Clone)]
pub enum Subject {
    Scale(ScaleTarget, Bounds),
    Service(EcsService),
    Association { id: String, name: String },
    Lb(LoadBalancer),
}

impl Subject {
    /// What the audit log names.
    fn target(&self) -> Target {
        match self {
            Subject::Scale(t, _) => t.into(),
            Subject::Service(s) => Target::Service {
                cluster: s.cluster.clone(),
                service: s.name.clone(),
            },
            Subject::Association { name, .. } => Target::Association(name.clone()),
            Subject::Lb(l) => Target::LoadBalancer(l.name.clone()),
        }
    }
}

/// What an operation is, as data: its identity, its footer word, its audit kind, where it works.
pub struct OpInfo {
    /// Its identity (its config name): the key it is bound to is found by it.
    pub id: OpId,
    /// Its word in a footer (`scale`, `roll back`).
    pub label: &'static str,
    /// What the audit log calls it.
    pub kind: OpKind,
    /// The panes whose rows it works on: their footer offers it, and its running call is shown
    /// in the first one's title.
    pub panes: &'static [Pane],
    /// Whether it works from the Logs view (on the resource whose logs are shown).
    pub in_logs: bool,
    /// In read-only mode: open the prompt all the same (its preflight is worth reading; the plan
    /// is refused at the confirmation), rather than refusing at the key.
    pub prompts_when_read_only: bool,
}

/// One operation a key starts.
pub trait Operation: Sync {
    fn info(&self) -> &'static OpInfo;
    /// Whether the detail view `d` offers it.
    fn in_detail(&self, d: &DetailRef) -> bool;
    /// Whether every pane's footer offers it now (the roll-back banner's key).
    fn offered(&self, _app: &App) -> bool {
        false
    }
    /// What it works on from where the operator is, or what to select.
    fn subject(&self, app: &App) -> Result<Subject, String>;
    /// Opens its prompt, reads what the prompt needs, or confirms its plan. Nothing is sent.
    fn begin(&self, app: &mut App, subject: Subject) -> Vec<Effect>;
}

/// Every operation, in footer order.
pub const ALL: &[&dyn Operation] = &[
    &scale::Scale,
    &deploy::Deploy,
    &rollback::Rollback,
    &run_now::RunNow,
    &zonal::Shift,
    &zonal::Extend,
];

/// The actions of the operations, for the code that names one (the verdict's suggested key).
pub const SCALE: Action = Action::Op(scale::INFO.id);
pub const ROLLBACK: Action = Action::Op(rollback::INFO.id);
pub const RUN_NOW: Action = Action::Op(run_now::INFO.id);
pub const ZONAL_SHIFT: Action = Action::Op(zonal::SHIFT.id);
pub const ZONAL_EXTEND: Action = Action::Op(zonal::EXTEND.id);

/// The operation of an id.
pub fn get(id: OpId) -> Option<&'static dyn Operation> {
    ALL.iter().copied().find(|o| o.info().id == id)
}

/// The operations a pane's footer offers, with their labels: those on its rows, then those
/// offered anywhere now.
pub fn for_pane(app: &App, pane: Pane) -> Vec<(Action, &'static str)> {
    ALL.iter()
        .filter(|o| o.info().panes.contains(&pane) || o.offered(app))
        .map(|o| (Action::Op(o.info().id), o.info().label))
        .collect()
}

/// The operations a detail view's footer offers.
pub fn for_detail(d: &DetailRef) -> Vec<(Action, &'static str)> {
    ALL.iter()
        .filter(|o| o.in_detail(d))
        .map(|o| (Action::Op(o.info().id), o.info().label))
        .collect()
}

/// Whether an action is an operation that works from the Logs view.
pub fn in_logs(action: Action) -> bool {
    matches!(action, Action::Op(id) if get(id).is_some_and(|o| o.info().in_logs))
}

/// The pane whose title shows a running operation of this kind.
pub fn pane_of(kind: OpKind) -> Pane {
    ALL.iter()
        .find(|o| o.info().kind == kind)
        .and_then(|o| o.info().panes.first().copied())
        .unwrap_or(Pane::Capacity)
}

impl App {
    /// An operation's key: resolve what it works on, then (unless read-only refuses it here)
    /// prompt or plan.
    pub(super) fn operation(&mut self, id: OpId) -> Vec<Effect> {
        let Some(op) = get(id) else {
            return vec![];
        };
        let subject = op.subject(self);
        if self.read_only() && !op.info().prompts_when_read_only {
            self.set_status(
                format!(
                    "read-only ({}): {} is disabled; nothing was sent",
                    self.read_only_why(),
                    Action::Op(id).help()
                ),
                Severity::Warn,
            );
            let Ok(subject) = subject else {
                return vec![];
            };
            let plan = Plan::refused_at_key(op.info().kind, &self.scope(), subject.target());
            return vec![self.refused(plan)];
        }
        match subject {
            Ok(s) => op.begin(self, s),
            Err(e) => {
                self.set_status(e, Severity::Info);
                vec![]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::ACTIONS;

    #[test]
    fn every_operation_has_its_action_line_and_every_op_action_its_module() {
        for o in ALL {
            let line = ACTIONS.iter().find(|i| i.action == Action::Op(o.info().id));
            assert!(line.is_some(), "{:?} has no line in ACTIONS", o.info().id);
            assert_eq!(line.unwrap().name, o.info().id.0);
        }
        for i in ACTIONS {
            if let Action::Op(id) = i.action {
                assert!(get(id).is_some(), "{} has no module", i.name);
            }
        }
        let mut ids: Vec<OpId> = ALL.iter().map(|o| o.info().id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len(), "an operation registered twice");
    }

    #[test]
    fn the_running_call_is_shown_where_the_operation_works() {
        assert_eq!(pane_of(OpKind::Scale), Pane::Capacity);
        assert_eq!(pane_of(OpKind::RunNow), Pane::Runs);
        assert_eq!(pane_of(OpKind::ZonalShift), Pane::Targets);
    }
}
