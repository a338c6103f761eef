//! The operation keys: from the selected row to a prompt, a plan and its confirmation, and what
//! the console shows while an operation runs. Nothing here calls a source: a confirmed plan
//! leaves as [`Effect::Execute`], and the executor (which also refuses in read-only mode) runs it.

use super::operation::FollowRun;
use super::{App, Effect, Overlay, Pane, Row, TextInput, View};
use crate::config::glob_match;
use crate::model::{AlarmState, EcsService, Event, EventKind, LoadBalancer, Region, Severity};
use crate::ops::{self, Confirm, Outcome, Plan, Scope};
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::collections::VecDeque;

/// Longest input a prompt takes.
const INPUT_MAX: usize = 255;

/// The operations this console started.
#[derive(Debug, Default)]
pub(super) struct Ops {
    /// Executing in the background.
    pub(super) running: Vec<RunningOp>,
    /// The last operation id handed out.
    pub(super) last_id: u64,
    /// Revisions this console rolled back from: never offered as a roll-back target again.
    pub(super) left: VecDeque<String>,
    /// The association run started with `x`, followed until it ends.
    pub(super) follow: Option<FollowRun>,
}

/// Revisions left by roll backs that are remembered (never offered again).
const LEFT_KEPT: usize = 32;
/// Timeline sequence numbers of this operator's own actions start here, clear of any source's.
const OPERATOR_SEQ: u64 = 1 << 62;

/// An operation executing in the background, shown in its pane's title.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningOp {
    pub id: u64,
    pub pane: Pane,
    pub region: Region,
    pub summary: String,
    /// The call in flight.
    pub call: String,
    /// Its plan (offered again when another console's expired lease must be taken over).
    pub plan: Box<Plan>,
}

/// A rollout under an alarm: the banner offers to roll it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackOffer {
    pub cluster: String,
    pub service: String,
    pub current: String,
    pub previous: String,
    pub alarm: String,
}

impl App {
    pub(super) fn scope(&self) -> Scope {
        Scope {
            account: self.info.account.clone(),
            region: self.region_name().clone(),
        }
    }

    /// The selected ECS service, from the Capacity pane or its detail view.
    pub(in crate::app) fn selected_service(&self) -> Option<&EcsService> {
        let cap = self.current()?.capacity.as_ref()?;
        if let View::Detail(super::DetailRef::Service { cluster, name }) = &self.view {
            return cap
                .ecs_services
                .iter()
                .find(|s| &s.cluster == cluster && &s.name == name);
        }
        match self
            .pane(Pane::Capacity)
            .rows
            .get(self.pane(Pane::Capacity).selected)
        {
            Some(Row::Service(s) | Row::Deployment(s, _)) if self.focus == Pane::Capacity => {
                cap.ecs_services.get(*s)
            }
            _ => None,
        }
    }

    /// The audit record of a plan refused because the console is read-only.
    pub(super) fn refused(&self, plan: Plan) -> Effect {
        Effect::RecordUnexecuted {
            plan: Box::new(plan),
            outcome: crate::ops::audit::AuditOutcome::Refused,
            reason: format!("read-only mode ({})", self.read_only_why()),
        }
    }

    /// A prompt closed by the operator: what was cancelled, and that nothing was sent.
    pub(super) fn cancel_prompt(&mut self, what: &str) {
        self.overlay = Overlay::None;
        self.set_status(format!("{what} cancelled; nothing sent"), Severity::Info);
    }

    /// Shows a plan's confirmation: its exact calls, and what the operator must press or type.
    /// Read-only: the plan was worth reading (its prompt and preflight were shown) but is not
    /// offered to run; it is recorded as refused.
    pub(super) fn confirm_plan(&mut self, plan: Plan) -> Vec<Effect> {
        if self.read_only() {
            self.overlay = Overlay::None;
            self.set_status(
                format!(
                    "read-only ({}): {} was planned, not sent",
                    self.read_only_why(),
                    plan.summary
                ),
                Severity::Warn,
            );
            return vec![self.refused(plan)];
        }
        self.overlay = Overlay::Confirm {
            plan: Box::new(plan),
            typed: TextInput::new(INPUT_MAX),
            error: None,
            takeover: false,
        };
        vec![]
    }

    /// Keys in the confirmation of a plan.
    pub(super) fn on_confirm_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        let Overlay::Confirm {
            plan,
            typed,
            error,
            takeover,
        } = &mut self.overlay
        else {
            return vec![];
        };
        let cancel = |plan: &Plan| Effect::RecordUnexecuted {
            plan: Box::new(plan.clone()),
            outcome: crate::ops::audit::AuditOutcome::Cancelled,
            reason: "cancelled by the operator at the confirmation".into(),
        };
        match (&plan.confirm, ev.code) {
            (_, KeyCode::Esc) | (Confirm::Yes, KeyCode::Char('n')) => {
                let e = cancel(plan);
                let msg = format!("{}: cancelled; nothing sent", plan.summary);
                self.overlay = Overlay::None;
                self.set_status(msg, Severity::Info);
                return vec![e];
            }
            (Confirm::Yes, KeyCode::Char('y')) | (Confirm::TypeName(_), KeyCode::Enter)
                if !self.drawn.confirm_whole =>
            {
                *error = Some(super::cut_off(self.size));
                self.set_status(super::cut_off(self.size), Severity::Warn);
            }
            (Confirm::Yes, KeyCode::Char('y')) => {
                let (plan, takeover) = (plan.clone(), *takeover);
                return self.start(*plan, takeover);
            }
            (Confirm::Yes, _) => {
                let pk = self.settings.keymap.prompt_keys();
                *error = Some(format!(
                    "press {} to run the plan, {} or {} to cancel",
                    pk.yes, pk.no, pk.cancel
                ));
            }
            (Confirm::TypeName(_), _) if typed.on_key(&ev) => *error = None,
            (Confirm::TypeName(name), KeyCode::Enter) => {
                if typed == name {
                    let (plan, takeover) = (plan.clone(), *takeover);
                    return self.start(*plan, takeover);
                }
                *error = Some(format!(
                    "type the name exactly ({name}) and Enter, or Esc to cancel"
                ));
            }
            _ => {}
        }

        vec![]
    }

    /// A bracketed paste: its text goes into the focused text field as typed text, with line
    /// breaks and control characters turned into spaces. A paste never confirms, never runs a
    /// command and never presses a key; with no text field open it is ignored.
    pub(super) fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        match &mut self.overlay {
            Overlay::Scale {
                input,
                error,
                bounds,
                ..
            } => {
                input.paste(text);
                *error = super::operation::scale::input_error(input.text(), *bounds);
            }
            Overlay::Deploy { input, error, .. }
            | Overlay::Mfa { input, error, .. }
            | Overlay::Unlock {
                typed: input,
                error,
                ..
            }
            | Overlay::ZonalShift { input, error, .. }
            | Overlay::ZonalExtend { input, error, .. }
            | Overlay::PlanStart { input, error, .. } => {
                input.paste(text);
                *error = None;
            }
            Overlay::Confirm {
                plan, typed, error, ..
            } => {
                if matches!(plan.confirm, Confirm::TypeName(_)) {
                    typed.paste(text);
                    *error = None;
                } else {
                    let pk = self.settings.keymap.prompt_keys();
                    *error = Some(format!(
                        "a paste does not confirm: press {} to run, {} or {} to cancel",
                        pk.yes, pk.no, pk.cancel
                    ));
                }
            }
            Overlay::DrillConfirm {
                action,
                typed,
                error,
            } => {
                if *action == super::DrillAction::Abort {
                    let pk = self.settings.keymap.prompt_keys();
                    *error = Some(format!(
                        "a paste does not confirm: {} aborts, {} or {} continues",
                        pk.yes, pk.no, pk.cancel
                    ));
                } else {
                    typed.paste(text);
                    *error = None;
                }
            }
            Overlay::Filter => {
                let ps = &mut self.panes[self.focus.index()];
                ps.filter.paste(text);
                ps.selected = 0;
                ps.selected_id = None;
                self.rebuild_rows();
            }
            Overlay::Palette { input, selected } => {
                input.paste(text);
                *selected = 0;
            }
            Overlay::None if self.logs.view.as_ref().is_some_and(|v| v.editing.is_some()) => {
                if let Some(pattern) = self
                    .logs
                    .view
                    .as_deref_mut()
                    .and_then(|v| v.editing.as_mut())
                {
                    pattern.paste(text);
                }
            }
            _ => {
                self.set_status(
                    "paste ignored: no text field is open (a paste never acts as keys)",
                    Severity::Info,
                );
            }
        }
        vec![]
    }

    /// Hands a confirmed plan to the executor.
    fn start(&mut self, plan: Plan, takeover: bool) -> Vec<Effect> {
        self.overlay = Overlay::None;
        if let Some(from) = &plan.leaves {
            if self.ops.left.len() == LEFT_KEPT {
                self.ops.left.pop_front();
            }
            self.ops.left.push_back(from.clone());
        }
        let pane = super::operation::pane_of(plan.kind);
        // A run started here is followed until it ends.
        let follow = FollowRun::of(0, &plan);
        self.set_status(format!("{}: running", plan.summary), Severity::Info);
        let (id, mut effect) = self.launch(pane, plan);
        if let Effect::Execute { takeover: t, .. } = &mut effect {
            *t = takeover;
        }
        if let Some(mut f) = follow {
            f.op = id;
            self.ops.follow = Some(f);
        }
        vec![effect]
    }

    /// Notes an operation as running under a new id (its pane's title shows the call in flight)
    /// and hands its plan to the executor.
    pub(super) fn launch(&mut self, pane: Pane, plan: Plan) -> (u64, Effect) {
        self.ops.last_id += 1;
        let id = self.ops.last_id;
        self.ops.running.push(RunningOp {
            id,
            pane,
            region: plan.region.clone(),
            summary: plan.summary.clone(),
            call: String::new(),
            plan: Box::new(plan.clone()),
        });
        (
            id,
            Effect::Execute {
                id,
                plan: Box::new(plan),
                takeover: false,
            },
        )
    }

    /// Another console's team lease on what the plan changes expired unrenewed: the plan again,
    /// run only once the operator types that holder's name.
    fn offer_takeover(&mut self, mut plan: Plan, holder: &str, why: String) -> Vec<Effect> {
        plan.params
            .push(("took_over_lease_of".into(), holder.to_owned()));
        plan.warning = Some(format!(
            "{why}; type {holder} to take the lease over from them"
        ));
        plan.confirm = Confirm::TypeName(holder.to_owned());
        self.set_status(why, Severity::Warn);
        self.overlay = Overlay::Confirm {
            plan: Box::new(plan),
            typed: TextInput::new(INPUT_MAX),
            error: None,
            takeover: true,
        };
        vec![]
    }

    /// An operation ended: the result line, a timeline entry, and a refresh to show its effect.
    pub(super) fn on_op_done(&mut self, id: u64, outcome: Outcome) -> Vec<Effect> {
        let Some(i) = self.ops.running.iter().position(|o| o.id == id) else {
            return vec![];
        };
        let op = self.ops.running.remove(i);
        let Outcome {
            ok,
            message,
            takeover,
            ..
        } = outcome;
        // A drill's step is the drill's to settle (its state machine waits for the outcome).
        if let Some(holder) = takeover
            && self.drill.op != Some(id)
        {
            return self.offer_takeover(*op.plan, &holder, message);
        }
        let sev = if ok { Severity::Ok } else { Severity::Crit };
        self.set_status(message.clone(), sev);
        if let Some(f) = self.ops.follow.as_mut()
            && f.op == id
        {
            if ok {
                // Shown at once as pending; the Runs pane refreshes fast until it ends.
                f.requested = Some(self.now);
                self.show_followed_run();
            } else {
                self.ops.follow = None;
            }
        }
        // The event names the operation once: its resource is the summary, its text the
        // outcome word and what follows the summary (`done`, `FAILED: AccessDenied …`).
        let text = match message.split_once(": ") {
            Some((word, rest)) if rest.starts_with(&op.summary) => {
                format!("{word}{}", &rest[op.summary.len()..])
            }
            _ => message.clone(),
        };
        let e = Event {
            seq: OPERATOR_SEQ + id,
            at: self.now,
            region: op.region,
            kind: EventKind::Operator,
            severity: sev,
            resource: op.summary,
            message: text,
        };
        self.store.push_event(e);
        self.rebuild_rows();
        let mut effects = vec![Effect::RefreshAll];
        // Only a Region switch call changes a plan's executions: read them again at once.
        if op.plan.kind == crate::ops::OpKind::RegionSwitch {
            effects.extend(self.plans_changed());
        }
        if self.drill.op == Some(id) {
            effects.extend(self.on_drill_op_done(ok, &message));
        }
        effects
    }

    /// Operations an earlier console left without an outcome were read back: each goes on the
    /// timeline, and the status line says what was found.
    pub(super) fn on_reconciled(&mut self, found: &[crate::ops::reconcile::Reconciled]) {
        for (i, r) in found.iter().enumerate() {
            let sev = match r.finding.applied {
                Some(true) => Severity::Ok,
                Some(false) => Severity::Info,
                None => Severity::Warn,
            };
            self.ops.last_id += 1;
            self.store.push_event(Event {
                seq: OPERATOR_SEQ + self.ops.last_id,
                at: self.now,
                region: r.intent.region.clone(),
                kind: EventKind::Operator,
                severity: sev,
                resource: format!("{} {}", r.intent.operation, r.intent.target),
                message: r.line(),
            });
            if i == 0 {
                let more = if found.len() > 1 {
                    format!(" (+{} more on the timeline)", found.len() - 1)
                } else {
                    String::new()
                };
                self.set_status(
                    format!("read back an interrupted operation: {}{more}", r.line()),
                    Severity::Warn,
                );
            }
        }
        self.rebuild_rows();
    }

    /// A rollout in progress in the shown region while an alarm that belongs with it is in
    /// ALARM: the banner offers a roll back. An alarm belongs with a service when a configured
    /// app selects both; without app config, when its dimensions name the service, one of its
    /// target groups or their load balancer.
    pub fn rollback_offer(&self) -> Option<RollbackOffer> {
        let d = self.current()?;
        let cap = d.capacity.as_ref()?;
        let alarms = d.alarms.as_ref()?;
        let lbs = d.targets.as_deref().unwrap_or_default();
        for s in &cap.ecs_services {
            let rolling = s.deployments.len() > 1
                || s.deployments
                    .iter()
                    .any(|x| x.rollout_state == crate::model::RolloutState::InProgress);
            if !rolling {
                continue;
            }
            let Some(alarm) = alarms
                .iter()
                .filter(|a| a.state == AlarmState::Alarm)
                .find(|a| self.belongs(s, &a.name, &a.dimensions, lbs))
            else {
                continue;
            };
            let revisions: Vec<&str> = s
                .deployments
                .iter()
                .map(|x| x.task_definition.as_str())
                .collect();
            if let Some(previous) =
                ops::previous_revision(&s.task_definition, &revisions, &self.avoid(s))
            {
                return Some(RollbackOffer {
                    cluster: s.cluster.clone(),
                    service: s.name.clone(),
                    current: s.task_definition.clone(),
                    previous,
                    alarm: alarm.name.clone(),
                });
            }
        }
        None
    }

    /// Revisions a roll back never returns to: those this console rolled back from, and those
    /// whose deployment failed.
    pub(in crate::app) fn avoid(&self, s: &EcsService) -> Vec<String> {
        self.ops
            .left
            .iter()
            .cloned()
            .chain(
                s.deployments
                    .iter()
                    .filter(|d| d.rollout_state == crate::model::RolloutState::Failed)
                    .map(|d| d.task_definition.clone()),
            )
            .collect()
    }

    fn belongs(&self, s: &EcsService, alarm: &str, dims: &[String], lbs: &[LoadBalancer]) -> bool {
        if !self.settings.apps.is_empty() {
            let full = format!("{}/{}", s.cluster, s.name);
            return self.settings.apps.iter().any(|a| {
                a.ecs_services.iter().any(|p| glob_match(p, &full))
                    && a.alarms.iter().any(|p| glob_match(p, alarm))
            });
        }
        let lb_arns: Vec<&str> = lbs
            .iter()
            .filter(|l| {
                l.target_groups
                    .iter()
                    .any(|g| s.target_groups.contains(&g.arn))
            })
            .map(|l| l.arn.as_str())
            .collect();
        dims.iter().any(|d| {
            let value = d.split_once('=').map_or(d.as_str(), |(_, v)| v);
            !value.is_empty()
                && (value == s.name
                    || s.target_groups.iter().any(|t| t.ends_with(value))
                    || lb_arns.iter().any(|l| l.ends_with(value)))
        })
    }
}
