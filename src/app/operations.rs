//! The operation keys: from the selected row to a prompt, a plan and its confirmation, and what
//! the console shows while an operation runs. Nothing here calls a source: a confirmed plan
//! leaves as [`Effect::Execute`], and the executor (which also refuses in read-only mode) runs it.

use super::{App, Effect, Overlay, Pane, Row, View};
use crate::action::Action;
use crate::config::glob_match;
use crate::model::{
    AlarmState, EcsService, Event, EventKind, LoadBalancer, Severity, TaskDefinition,
};
use crate::ops::{self, Bounds, Confirm, ECS_MAX_TASKS, OpKind, Outcome, Plan, ScaleTarget, Scope};
use crate::source::SourceError;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::VecDeque;

/// Longest input a prompt takes.
const INPUT_MAX: usize = 255;
/// Characters the scale prompt keeps: more than any count, so a paste shows what it was.
const SCALE_INPUT_MAX: usize = 12;
/// How long a run started with `x` is followed (refreshed every tick), seconds.
const FOLLOW_SECS: f64 = 600.0;

/// An association run started from the console, followed until it ends.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowRun {
    op: u64,
    region: String,
    association: String,
    /// When the call succeeded (source clock): an execution older than this is the previous run;
    /// the run is followed for `FOLLOW_SECS` (scaled with the demo's speed) from then.
    requested: Option<crate::model::Timestamp>,
}

impl App {
    /// The followed run as the Runs pane shows it: until a poll shows an execution that started
    /// after it was asked for, a pending one (never the previous run's result).
    pub(super) fn show_followed_run(&mut self) {
        let Some(f) = &self.ops.follow else { return };
        let Some(requested) = f.requested else { return };
        let (region, association) = (f.region.clone(), f.association.clone());
        self.store
            .show_run_pending(&region, &association, requested);
    }

    /// While a run started here has not ended: refresh now (every tick) to follow it.
    pub(super) fn follow_tick(&mut self) -> Vec<Effect> {
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

/// What is wrong with the scale prompt's text as typed or pasted, if anything is yet: every
/// character stays in the field, so `-1` is shown, and refused, never read as 1.
fn scale_input_error(input: &str, bounds: Bounds) -> Option<String> {
    if !input.chars().all(|c| c.is_ascii_digit()) {
        return Some(format!(
            "'{input}' is not a whole number: type the new desired count ({}..{})",
            bounds.min, bounds.max
        ));
    }
    // A number longer than any count (a paste of many digits: the field keeps the first few)
    // is simply too big; a short one is checked against min..max on Enter.
    (input.len() > 10).then(|| {
        format!(
            "{input} is more than the maximum ({}): type the new desired count ({}..{})",
            bounds.max, bounds.min, bounds.max
        )
    })
}

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
    pub region: String,
    pub summary: String,
    /// The call in flight.
    pub call: String,
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

/// What a mutating key works on.
enum Subject {
    Scale(ScaleTarget, Bounds),
    Service(EcsService),
    Association { id: String, name: String },
}

impl App {
    pub(super) fn scope(&self) -> Scope {
        Scope {
            account: self.info.account.clone(),
            region: self.region_name().to_owned(),
        }
    }

    /// The selected ECS service, from the Capacity pane or its detail view.
    fn selected_service(&self) -> Option<&EcsService> {
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

    fn subject(&self, action: Action) -> Result<Subject, String> {
        let d = self.current();
        let cap = d.and_then(|d| d.capacity.as_ref());
        match action {
            Action::Scale => {
                if let Some(s) = self.selected_service() {
                    return Ok(Subject::Scale(
                        ScaleTarget::Service {
                            cluster: s.cluster.clone(),
                            service: s.name.clone(),
                        },
                        Bounds {
                            min: 0,
                            desired: s.desired,
                            max: ECS_MAX_TASKS,
                        },
                    ));
                }
                let asg = match (&self.view, self.selected_row()) {
                    (View::Detail(super::DetailRef::Asg(name)), _) => {
                        cap.and_then(|c| c.auto_scaling_groups.iter().find(|g| &g.name == name))
                    }
                    (_, Some(Row::Asg(a))) if self.focus == Pane::Capacity => {
                        cap.and_then(|c| c.auto_scaling_groups.get(a))
                    }
                    _ => None,
                };
                asg.map(|g| {
                    Subject::Scale(
                        ScaleTarget::Asg(g.name.clone()),
                        Bounds {
                            min: g.min,
                            desired: g.desired,
                            max: g.max,
                        },
                    )
                })
                .ok_or_else(|| {
                    "scale works on an Auto Scaling group or ECS service: select one in the Capacity pane (2)".to_owned()
                })
            }
            Action::Deploy | Action::Rollback => {
                if let Some(s) = self.selected_service() {
                    return Ok(Subject::Service(s.clone()));
                }
                if action == Action::Rollback
                    && let Some(o) = self.rollback_offer()
                    && let Some(s) = cap.and_then(|c| {
                        c.ecs_services
                            .iter()
                            .find(|s| s.cluster == o.cluster && s.name == o.service)
                    })
                {
                    return Ok(Subject::Service(s.clone()));
                }
                Err(format!(
                    "{} works on an ECS service: select one in the Capacity pane (2)",
                    if action == Action::Deploy {
                        "deploy"
                    } else {
                        "roll back"
                    }
                ))
            }
            _ => {
                let row = self.selected_row();
                match (self.focus, row, d.and_then(|d| d.runs.as_ref())) {
                    (Pane::Runs, Some(Row::Association(a)), Some(v)) if a < v.len() => {
                        Ok(Subject::Association {
                            id: v[a].id.clone(),
                            name: v[a].name.clone(),
                        })
                    }
                    // The pane is there but could not be read: say that, not "select one".
                    (Pane::Runs, None, _) | (Pane::Runs, _, None)
                        if self.pane_error(Pane::Runs).is_some() =>
                    {
                        let e = self.pane_error(Pane::Runs).expect("checked");
                        Err(format!(
                            "run now: the Runs pane could not be read ({} {}:{}), so there is no association to run",
                            e.code, e.service, e.operation
                        ))
                    }
                    _ => Err(
                        "run now works on an association: select one in the Runs pane (3)"
                            .to_owned(),
                    ),
                }
            }
        }
    }

    /// A mutating key: resolve what it works on, then prompt or plan.
    pub(super) fn operation(&mut self, action: Action) -> Vec<Effect> {
        let subject = self.subject(action);
        if self.settings.read_only {
            let verb = action.help();
            self.set_status(
                format!(
                    "read-only ({}): {verb} is disabled; nothing was sent",
                    self.settings.read_only_why
                ),
                Severity::Warn,
            );
            let Ok(subject) = subject else {
                return vec![];
            };
            let (kind, target) = match &subject {
                Subject::Scale(ScaleTarget::Asg(n), _) => (OpKind::Scale, format!("asg/{n}")),
                Subject::Scale(ScaleTarget::Service { cluster, service }, _) => {
                    (OpKind::Scale, format!("ecs/{cluster}/{service}"))
                }
                Subject::Service(s) => (
                    if action == Action::Deploy {
                        OpKind::Deploy
                    } else {
                        OpKind::Rollback
                    },
                    format!("ecs/{}/{}", s.cluster, s.name),
                ),
                Subject::Association { name, .. } => {
                    (OpKind::RunNow, format!("association/{name}"))
                }
            };
            let scope = self.scope();
            let plan = Plan {
                kind,
                account: scope.account,
                region: scope.region,
                summary: format!("{} {target}", kind.as_str()),
                target,
                params: Vec::new(),
                steps: Vec::new(),
                confirm: Confirm::Yes,
                warning: None,
                leaves: None,
            };
            return vec![self.refused(plan)];
        }
        let subject = match subject {
            Ok(s) => s,
            Err(e) => {
                self.set_status(e, Severity::Info);
                return vec![];
            }
        };
        let scope = self.scope();
        match (action, subject) {
            (_, Subject::Scale(target, bounds)) => {
                self.overlay = Overlay::Scale {
                    target,
                    bounds,
                    input: String::new(),
                    error: None,
                };
                vec![]
            }
            (Action::Deploy, Subject::Service(s)) => {
                self.set_status(
                    format!("reading task definition {}", s.task_definition),
                    Severity::Info,
                );
                vec![Effect::FetchTaskDefinition {
                    region: scope.region,
                    cluster: s.cluster,
                    service: s.name,
                    task_definition: s.task_definition,
                }]
            }
            (_, Subject::Service(s)) => {
                let revisions: Vec<&str> = s
                    .deployments
                    .iter()
                    .map(|d| d.task_definition.as_str())
                    .collect();
                match ops::previous_revision(&s.task_definition, &revisions, &self.avoid(&s)) {
                    Some(prev) => {
                        let plan = ops::plan_rollback(
                            &scope,
                            &s.cluster,
                            &s.name,
                            &s.task_definition,
                            &prev,
                        );
                        self.confirm_plan(plan);
                    }
                    None => self.set_status(
                        format!(
                            "{} runs {}: there is no earlier revision to roll back to",
                            s.name, s.task_definition
                        ),
                        Severity::Warn,
                    ),
                }
                vec![]
            }
            (_, Subject::Association { id, name }) => {
                self.confirm_plan(ops::plan_run_now(&scope, &id, &name));
                vec![]
            }
        }
    }

    /// The audit record of a plan refused because the console is read-only.
    pub(super) fn refused(&self, plan: Plan) -> Effect {
        Effect::RecordUnexecuted {
            plan: Box::new(plan),
            outcome: crate::ops::audit::AuditOutcome::Refused,
            reason: format!("read-only mode ({})", self.settings.read_only_why),
        }
    }

    pub(super) fn confirm_plan(&mut self, plan: Plan) {
        self.overlay = Overlay::Confirm {
            plan: Box::new(plan),
            typed: String::new(),
            error: None,
        };
    }

    /// The answer to [`Effect::FetchTaskDefinition`]: open the deploy prompt.
    pub(super) fn on_task_definition(
        &mut self,
        region: &str,
        cluster: String,
        service: String,
        read: Result<TaskDefinition, SourceError>,
    ) {
        match read {
            Ok(td) if td.containers.is_empty() => self.set_status(
                format!("task definition {} has no containers", td.name),
                Severity::Warn,
            ),
            Ok(td) => {
                // Only if the operator is still where they asked from.
                if self.overlay == Overlay::None && region == self.region_name() {
                    self.status = None;
                    self.overlay = Overlay::Deploy {
                        cluster,
                        service,
                        task_definition: td,
                        container: 0,
                        input: String::new(),
                        error: None,
                    };
                }
            }
            Err(e) => self.set_status(
                format!("cannot read the task definition of {service}: {e}"),
                Severity::Crit,
            ),
        }
    }

    /// Keys in the scale and deploy prompts and the confirmation.
    pub(super) fn on_operation_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let scope = self.scope();
        match &mut self.overlay {
            Overlay::Scale {
                target,
                bounds,
                input,
                error,
            } => match ev.code {
                KeyCode::Esc => {
                    let name = target.name().to_owned();
                    self.overlay = Overlay::None;
                    self.set_status(
                        format!("scale of {name} cancelled; nothing sent"),
                        Severity::Info,
                    );
                }
                KeyCode::Backspace => {
                    input.pop();
                    *error = None;
                }
                KeyCode::Char(c) if !ctrl => {
                    // Every character stays in the field, so what is seen is what Enter plans:
                    // `-1` is refused, never read as 1.
                    if input.chars().count() < SCALE_INPUT_MAX {
                        input.push(c);
                    }
                    *error = scale_input_error(input, *bounds);
                }
                KeyCode::Enter => match ops::plan_scale(&scope, target, *bounds, input) {
                    Ok(plan) => self.confirm_plan(plan),
                    Err(e) => *error = Some(e),
                },
                _ => {}
            },
            Overlay::Deploy {
                cluster,
                service,
                task_definition,
                container,
                input,
                error,
            } => match ev.code {
                KeyCode::Esc => {
                    let name = service.clone();
                    self.overlay = Overlay::None;
                    self.set_status(
                        format!("deploy of {name} cancelled; nothing sent"),
                        Severity::Info,
                    );
                }
                KeyCode::Tab | KeyCode::BackTab => {
                    let n = task_definition.containers.len();
                    *container = if ev.code == KeyCode::Tab {
                        (*container + 1) % n
                    } else {
                        (*container + n - 1) % n
                    };
                }
                KeyCode::Backspace => {
                    input.pop();
                    *error = None;
                }
                KeyCode::Char(c) if !ctrl => {
                    if input.len() < INPUT_MAX {
                        input.push(c);
                    }
                    *error = None;
                }
                KeyCode::Enter => {
                    let (name, image) = &task_definition.containers[*container];
                    match ops::plan_deploy(
                        &scope,
                        cluster,
                        service,
                        &task_definition.name,
                        (name, image),
                        input,
                    ) {
                        Ok(plan) => self.confirm_plan(plan),
                        Err(e) => *error = Some(e),
                    }
                }
                _ => {}
            },
            Overlay::Confirm { plan, typed, error } => {
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
                        let plan = plan.clone();
                        return self.start(*plan);
                    }
                    (Confirm::Yes, _) => {
                        *error = Some("press y to run the plan, n or Esc to cancel".into());
                    }
                    (Confirm::TypeName(_), KeyCode::Backspace) => {
                        typed.pop();
                        *error = None;
                    }
                    (Confirm::TypeName(_), KeyCode::Char(c)) if !ctrl => {
                        if typed.len() < INPUT_MAX {
                            typed.push(c);
                        }
                        *error = None;
                    }
                    (Confirm::TypeName(name), KeyCode::Enter) => {
                        if typed == name {
                            let plan = plan.clone();
                            return self.start(*plan);
                        }
                        *error = Some(format!(
                            "type the name exactly ({name}) and Enter, or Esc to cancel"
                        ));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        vec![]
    }

    /// A bracketed paste: its text goes into the focused text field as typed text, with line
    /// breaks and control characters turned into spaces. A paste never confirms, never runs a
    /// command and never presses a key; with no text field open it is ignored.
    pub(super) fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        // A line break at the end (a copied line) is dropped; Enter is the operator's to press.
        let clean: String = text
            .trim_end_matches(['\n', '\r'])
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let push = |field: &mut String, max: usize| {
            for c in clean.chars() {
                if field.chars().count() >= max {
                    break;
                }
                field.push(c);
            }
        };
        match &mut self.overlay {
            Overlay::Scale {
                input,
                error,
                bounds,
                ..
            } => {
                push(input, SCALE_INPUT_MAX);
                *error = scale_input_error(input, *bounds);
            }
            Overlay::Deploy { input, error, .. }
            | Overlay::ZonalShift { input, error, .. }
            | Overlay::ZonalExtend { input, error, .. } => {
                push(input, INPUT_MAX);
                *error = None;
            }
            Overlay::Confirm {
                plan, typed, error, ..
            } => {
                if matches!(plan.confirm, Confirm::TypeName(_)) {
                    push(typed, INPUT_MAX);
                    *error = None;
                } else {
                    *error =
                        Some("a paste does not confirm: press y to run, n or Esc to cancel".into());
                }
            }
            Overlay::DrillConfirm {
                action,
                typed,
                error,
            } => {
                if *action == super::DrillAction::Abort {
                    *error = Some("a paste does not confirm: y aborts, n or Esc continues".into());
                } else {
                    push(typed, 128);
                    *error = None;
                }
            }
            Overlay::Filter => {
                let ps = &mut self.panes[self.focus.index()];
                push(&mut ps.filter, 64);
                ps.selected = 0;
                ps.selected_id = None;
                self.rebuild_rows();
            }
            Overlay::Palette { input, selected } => {
                push(input, INPUT_MAX);
                *selected = 0;
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
    fn start(&mut self, plan: Plan) -> Vec<Effect> {
        self.overlay = Overlay::None;
        if self.settings.read_only {
            self.set_status(
                format!(
                    "read-only ({}): nothing was sent",
                    self.settings.read_only_why
                ),
                Severity::Warn,
            );
            return vec![self.refused(plan)];
        }
        if let Some(from) = &plan.leaves {
            if self.ops.left.len() == LEFT_KEPT {
                self.ops.left.pop_front();
            }
            self.ops.left.push_back(from.clone());
        }
        // A run started here is followed until it ends.
        let follow = plan.steps.iter().find_map(|s| match s {
            ops::Step::StartAssociationsOnce { ids } => {
                ids.first().map(|id| (plan.region.clone(), id.clone()))
            }
            _ => None,
        });
        let pane = if plan.kind == OpKind::RunNow {
            Pane::Runs
        } else {
            Pane::Capacity
        };
        self.set_status(format!("{}: running", plan.summary), Severity::Info);
        let (id, effect) = self.launch(pane, plan);
        if let Some((region, association)) = follow {
            self.ops.follow = Some(FollowRun {
                op: id,
                region,
                association,
                requested: None,
            });
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
        });
        (
            id,
            Effect::Execute {
                id,
                plan: Box::new(plan),
            },
        )
    }

    /// An operation ended: the result line, a timeline entry, and a refresh to show its effect.
    pub(super) fn on_op_done(&mut self, id: u64, outcome: Outcome) -> Vec<Effect> {
        let Some(i) = self.ops.running.iter().position(|o| o.id == id) else {
            return vec![];
        };
        let op = self.ops.running.remove(i);
        let Outcome { ok, message, .. } = outcome;
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
    fn avoid(&self, s: &EcsService) -> Vec<String> {
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
