//! `s`: scale the selected Auto Scaling group (within its min..max) or ECS service (0..ECS's
//! limit). The prompt keeps every character typed, so what is seen is what Enter plans.

use super::{OpInfo, Operation, Subject};
use crate::action::OpId;
use crate::app::{App, DetailRef, Effect, Overlay, Pane, Row, TextInput, View};
use crate::ops::{self, Bounds, ECS_MAX_TASKS, OpKind, ScaleTarget};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

pub const INFO: OpInfo = OpInfo {
    id: OpId("scale"),
    label: "scale",
    kind: OpKind::Scale,
    panes: &[Pane::Capacity],
    in_logs: true,
    prompts_when_read_only: false,
};

/// Characters the scale prompt keeps: more than any count, so a paste shows what it was.
pub(in crate::app) const INPUT_MAX: usize = 12;

pub struct Scale;

impl Operation for Scale {
    fn info(&self) -> &'static OpInfo {
        &INFO
    }
    fn in_detail(&self, d: &DetailRef) -> bool {
        matches!(d, DetailRef::Asg(_) | DetailRef::Service { .. })
    }

    fn subject(&self, app: &App) -> Result<Subject, String> {
        if let Some(s) = app.selected_service() {
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
        let cap = app.current().and_then(|d| d.capacity.as_ref());
        let asg = match (&app.view, app.selected_row()) {
            (View::Detail(DetailRef::Asg(name)), _) => {
                cap.and_then(|c| c.auto_scaling_groups.iter().find(|g| &g.name == name))
            }
            (_, Some(Row::Asg(a))) if app.focus == Pane::Capacity => {
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
            "scale works on an Auto Scaling group or ECS service: select one in the Capacity pane (2)"
                .to_owned()
        })
    }

    fn begin(&self, app: &mut App, subject: Subject) -> Vec<Effect> {
        if let Subject::Scale(target, bounds) = subject {
            app.overlay = Overlay::Scale {
                target,
                bounds,
                input: TextInput::new(INPUT_MAX),
                error: None,
            };
        }
        vec![]
    }
}

/// What is wrong with the scale prompt's text as typed or pasted, if anything is yet: every
/// character stays in the field, so `-1` is shown, and refused, never read as 1.
pub(in crate::app) fn input_error(input: &str, bounds: Bounds) -> Option<String> {
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

impl App {
    /// Keys in the scale prompt.
    pub(in crate::app) fn on_scale_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        let scope = self.scope();
        let Overlay::Scale {
            target,
            bounds,
            input,
            error,
        } = &mut self.overlay
        else {
            return vec![];
        };
        match ev.code {
            KeyCode::Esc => {
                let what = format!("scale of {}", target.name());
                self.cancel_prompt(&what);
            }
            // Every character stays in the field, so what is seen is what Enter plans: `-1` is
            // refused, never read as 1.
            _ if input.on_key(&ev) => *error = input_error(input.text(), *bounds),
            KeyCode::Enter => match ops::plan_scale(&scope, target, *bounds, input.text()) {
                Ok(plan) => return self.confirm_plan(plan),
                Err(e) => *error = Some(e),
            },
            _ => {}
        }
        vec![]
    }
}
