//! `d`: deploy the selected ECS service — a new image for one of its containers (a copy of its
//! task definition registered with that image), or a forced new deployment of what it runs.
//! The prompt opens once the task definition has been read.

use super::{OpInfo, Operation, Subject};
use crate::action::OpId;
use crate::app::{App, DetailRef, Effect, Overlay, Pane, TextInput};
use crate::model::{Region, Severity, TaskDefinition};
use crate::ops::{self, OpKind};
use crate::source::SourceError;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

pub const INFO: OpInfo = OpInfo {
    id: OpId("deploy"),
    label: "deploy",
    kind: OpKind::Deploy,
    panes: &[Pane::Capacity],
    in_logs: true,
    prompts_when_read_only: false,
};

/// Longest image the prompt takes.
const INPUT_MAX: usize = 255;

pub struct Deploy;

impl Operation for Deploy {
    fn info(&self) -> &'static OpInfo {
        &INFO
    }
    fn in_detail(&self, d: &DetailRef) -> bool {
        matches!(d, DetailRef::Service { .. })
    }

    fn subject(&self, app: &App) -> Result<Subject, String> {
        app.selected_service()
            .map(|s| Subject::Service(s.clone()))
            .ok_or_else(|| {
                "deploy works on an ECS service: select one in the Capacity pane (2)".to_owned()
            })
    }

    fn begin(&self, app: &mut App, subject: Subject) -> Vec<Effect> {
        let Subject::Service(s) = subject else {
            return vec![];
        };
        app.set_status(
            format!("reading task definition {}", s.task_definition),
            Severity::Info,
        );
        vec![Effect::FetchTaskDefinition {
            region: app.region_name().clone(),
            cluster: s.cluster,
            service: s.name,
            task_definition: s.task_definition,
        }]
    }
}

impl App {
    /// The answer to [`Effect::FetchTaskDefinition`]: open the deploy prompt.
    pub(in crate::app) fn on_task_definition(
        &mut self,
        region: &Region,
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
                        input: TextInput::new(INPUT_MAX),
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

    /// Keys in the deploy prompt: Tab picks the container, Enter plans.
    pub(in crate::app) fn on_deploy_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        let scope = self.scope();
        let Overlay::Deploy {
            cluster,
            service,
            task_definition,
            container,
            input,
            error,
        } = &mut self.overlay
        else {
            return vec![];
        };
        match ev.code {
            KeyCode::Esc => {
                let what = format!("deploy of {service}");
                self.cancel_prompt(&what);
            }
            KeyCode::Tab | KeyCode::BackTab => {
                let n = task_definition.containers.len();
                *container = if ev.code == KeyCode::Tab {
                    (*container + 1) % n
                } else {
                    (*container + n - 1) % n
                };
            }
            _ if input.on_key(&ev) => *error = None,
            KeyCode::Enter => {
                let (name, image) = &task_definition.containers[*container];
                match ops::plan_deploy(
                    &scope,
                    cluster,
                    service,
                    &task_definition.name,
                    (name, image),
                    input.text(),
                ) {
                    Ok(plan) => return self.confirm_plan(plan),
                    Err(e) => *error = Some(e),
                }
            }
            _ => {}
        }
        vec![]
    }
}
