//! ARC zonal shift from the console: `z` on a load balancer shows the preflight (its zones by
//! name and AZ ID, what the others would carry, the checks with their fixes) and plans a shift;
//! on a load balancer this console's account has shifted, `z` offers to cancel and `Z` to extend.

use super::{OpInfo, Operation, Subject};
use crate::action::{Action, OpId};
use crate::app::{App, DetailRef, Effect, Overlay, Pane, Row, TextInput, View};
use crate::model::{LoadBalancer, Severity};
use crate::model::{Region, zonal::Managed};
use crate::ops::OpKind;
use crate::ops::zonal::{self as z, Preflight};
use crate::source::{LbAttributes, SourceError};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

pub const SHIFT: OpInfo = OpInfo {
    id: OpId("zonal_shift"),
    label: "zonal shift",
    kind: OpKind::ZonalShift,
    panes: &[Pane::Targets],
    in_logs: false,
    prompts_when_read_only: true,
};
pub const EXTEND: OpInfo = OpInfo {
    id: OpId("zonal_extend"),
    label: "extend shift",
    kind: OpKind::ZonalShift,
    panes: &[],
    in_logs: false,
    prompts_when_read_only: true,
};

/// The longest a zonal-shift input may be.
const INPUT_MAX: usize = 64;

/// The load balancer `z` and `Z` work on, or what to select.
fn lb_subject(app: &App) -> Result<Subject, String> {
    app.selected_lb().cloned().map(Subject::Lb).ok_or_else(|| {
        "zonal shift works on a load balancer: select one in the Targets pane (1)".to_owned()
    })
}

/// `z`: the preflight and a shift away from a zone; on a load balancer this console's account
/// has shifted, cancel that shift. Read-only shows the preflight and refuses the plan.
pub struct Shift;

impl Operation for Shift {
    fn info(&self) -> &'static OpInfo {
        &SHIFT
    }
    fn in_detail(&self, d: &DetailRef) -> bool {
        matches!(d, DetailRef::TargetGroup { .. })
    }
    fn subject(&self, app: &App) -> Result<Subject, String> {
        lb_subject(app)
    }

    fn begin(&self, app: &mut App, subject: Subject) -> Vec<Effect> {
        let Subject::Lb(lb) = subject else {
            return vec![];
        };
        if let Some(s) = z::own_shift(&lb) {
            let plan = z::plan_cancel(&app.scope(), &lb, s);
            return app.confirm_plan(plan);
        }
        app.set_status(
            format!("reading {}'s attributes for the preflight", lb.name),
            Severity::Info,
        );
        vec![Effect::FetchLbAttributes {
            region: app.region_name().clone(),
            arn: lb.arn,
        }]
    }
}

/// `Z`: extend the shift this console's account started (a new expiry from now).
pub struct Extend;

impl Operation for Extend {
    fn info(&self) -> &'static OpInfo {
        &EXTEND
    }
    fn in_detail(&self, _: &DetailRef) -> bool {
        false
    }
    fn subject(&self, app: &App) -> Result<Subject, String> {
        lb_subject(app)
    }

    fn begin(&self, app: &mut App, subject: Subject) -> Vec<Effect> {
        let Subject::Lb(lb) = subject else {
            return vec![];
        };
        if z::own_shift(&lb).is_some() {
            app.overlay = Overlay::ZonalExtend {
                lb: lb.arn,
                input: TextInput::new(INPUT_MAX),
                error: None,
            };
            return vec![];
        }
        let what = match lb.zonal_shifts.first() {
            Some(s) => format!(
                "; {} is AWS's, not one to extend",
                s.describe(&lb.zones, app.now)
            ),
            None => String::new(),
        };
        app.set_status(
            format!(
                "{} has no zonal shift to extend{what}: {} starts one",
                lb.name,
                app.settings.keymap.key_label(Action::Op(SHIFT.id))
            ),
            Severity::Info,
        );
        vec![]
    }
}

impl App {
    /// The load balancer selected in the Targets pane (its row, a target group's or a target's),
    /// or the one whose target group's detail is open; elsewhere, the one the verdict is about:
    /// the load balancer with the smallest share of healthy targets, when any is unhealthy, ARC's
    /// managed ones first. A selected load balancer ARC does not manage (it cannot be shifted)
    /// gives way to that one when there is one.
    pub fn selected_lb(&self) -> Option<&LoadBalancer> {
        let lbs = self.current()?.lbs();
        if let View::Detail(DetailRef::TargetGroup { lb, .. }) = &self.view {
            return lbs.iter().find(|l| &l.name == lb);
        }
        if self.focus == Pane::Targets && self.view == View::Main {
            let selected = match self.selected_row()? {
                Row::Lb(l) | Row::Tg(l, _) | Row::Target(l, _, _) => lbs.get(l),
                _ => None,
            };
            return match selected {
                Some(l) if l.zonal == Managed::No => self.worst_lb().or(Some(l)),
                other => other,
            };
        }
        self.worst_lb()
    }

    /// The load balancer with the smallest share of healthy targets, when any is unhealthy,
    /// ARC's managed ones first.
    fn worst_lb(&self) -> Option<&LoadBalancer> {
        let lbs = self.current()?.lbs();
        // Every registered target counts, draining ones too: in a zone gone dark the
        // replacements fail and drain in turn.
        let counts = |l: &LoadBalancer| {
            l.target_groups
                .iter()
                .flat_map(|g| &g.targets)
                .filter(|t| t.state != crate::model::TargetState::Unused)
                .fold((0, 0), |(h, n), t| {
                    (
                        h + usize::from(t.state == crate::model::TargetState::Healthy),
                        n + 1,
                    )
                })
        };
        // Those ARC manages first: a shift can start there.
        let managed = |l: &LoadBalancer| matches!(l.zonal, Managed::Yes { .. });
        lbs.iter()
            .filter(|l| {
                let (h, t) = counts(l);
                h < t
            })
            .min_by(|a, b| {
                let ((ha, ta), (hb, tb)) = (counts(a), counts(b));
                managed(b).cmp(&managed(a)).then((ha * tb).cmp(&(hb * ta)))
            })
    }

    /// The comment a shift carries: who, from which console.
    fn zonal_comment(why: &str) -> String {
        z::comment(
            &crate::identity::login(),
            &format!("{}:{}", crate::identity::host(), std::process::id()),
            why,
        )
    }

    /// The answer to [`Effect::FetchLbAttributes`]: open the preflight.
    pub(in crate::app) fn on_lb_attributes(
        &mut self,
        region: &Region,
        arn: &str,
        read: Result<LbAttributes, SourceError>,
    ) {
        // Only if the operator is still where they asked from.
        if self.overlay != Overlay::None || region != self.region_name() {
            return;
        }
        let Some(lb) = self
            .current()
            .and_then(|d| d.lbs().iter().find(|l| l.arn == arn))
            .cloned()
        else {
            return;
        };
        let attrs = match read {
            Ok(a) => Some(a),
            Err(e) => {
                self.set_status(
                    format!("cannot read {}'s attributes: {e}", lb.name),
                    Severity::Warn,
                );
                None
            }
        };
        let pre = Preflight::new(&lb, attrs.as_ref());
        let input = pre
            .default_zone
            .as_ref()
            .map(|zone| format!("{} {}", zone.name, z::DEFAULT_EXPIRY))
            .unwrap_or_default();
        let input = TextInput::with_text(&input, INPUT_MAX);
        if self.status.as_ref().is_some_and(|s| s.1 == Severity::Info) {
            self.status = None;
        }
        self.overlay = Overlay::ZonalShift {
            preflight: Box::new(pre),
            input,
            error: None,
        };
    }

    /// Keys in the zonal-shift prompts.
    pub(in crate::app) fn on_zonal_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        let scope = self.scope();
        let now = self.now;
        // The load balancer an extension names, as last read (only that one, only then).
        let extended: Option<LoadBalancer> = match &self.overlay {
            Overlay::ZonalExtend { lb, .. } => self
                .current()
                .and_then(|d| d.lbs().iter().find(|l| &l.arn == lb))
                .cloned(),
            _ => None,
        };
        match &mut self.overlay {
            Overlay::ZonalShift {
                preflight,
                input,
                error,
            } => match ev.code {
                KeyCode::Esc => {
                    let what = format!("zonal shift of {}", preflight.lb_name);
                    self.cancel_prompt(&what);
                }
                _ if input.on_key(&ev) => *error = None,
                KeyCode::Enter => match z::plan_start(
                    &scope,
                    preflight,
                    input.text(),
                    &Self::zonal_comment("zonal shift from the console"),
                ) {
                    Ok(plan) => return self.confirm_plan(plan),
                    Err(e) => *error = Some(e),
                },
                _ => {}
            },
            Overlay::ZonalExtend { input, error, .. } => match ev.code {
                KeyCode::Esc => self.cancel_prompt("extension"),
                _ if input.on_key(&ev) => *error = None,
                KeyCode::Enter => {
                    let Some(l) = extended.as_ref() else {
                        *error = Some("the load balancer is no longer there".into());
                        return vec![];
                    };
                    let Some(s) = z::own_shift(l) else {
                        *error = Some("its zonal shift has ended meanwhile".into());
                        return vec![];
                    };
                    let comment = Self::zonal_comment("extended from the console");
                    match z::plan_extend(&scope, l, s, input.text(), &comment, now) {
                        Ok(plan) => return self.confirm_plan(plan),
                        Err(e) => *error = Some(e),
                    }
                }
                _ => {}
            },
            _ => {}
        }
        vec![]
    }
}
