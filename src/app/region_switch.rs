//! ARC Region switch plans in the failover view (`F`): the plan covering the shown app's two
//! regions is read while the view is open (every 10 s, and while an execution runs), every
//! minute otherwise; its execution events go to the Timeline. Keys start an execution (a prompt:
//! `activate us-west-2 [ungraceful]`, then the app's name typed), approve or decline the step
//! waiting, pause or resume, switch to ungraceful and cancel; each is a plan through the
//! confirmation, the executor and the audit log.

use super::{App, Effect, Overlay, TextInput, View};
use crate::action::{Action, PlanKey};
use crate::model::region_switch::{RegionSwitch, RsAction, RsMode};
use crate::model::{Event, EventKind, Severity, Timestamp};
use crate::ops::region_switch::{self as rs, Ask};
use crate::source::{Read, SourceError};
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::collections::{BTreeMap, HashSet, VecDeque};

/// Seconds between reads while the view shows the plan or an execution runs, and otherwise.
const FAST_SECS: f64 = 10.0;
const SLOW_SECS: f64 = 60.0;
/// A read not answered after this long is asked again.
const LOST_SECS: f64 = 120.0;
/// Execution events remembered as already on the Timeline.
const SEEN_KEPT: usize = 2000;
/// Where plan events are numbered on the Timeline (apart from the sources' and the operator's).
const PLAN_SEQ: u64 = 1 << 61;
/// The longest start prompt.
const INPUT_MAX: usize = 80;

/// The last read of an app's plan.
#[derive(Debug, Clone, Default)]
pub struct PlanRead {
    /// The plan, or `None` when no plan covers the app's regions (once read).
    pub plan: Option<RegionSwitch>,
    pub error: Option<SourceError>,
    /// When it was last read (source clock).
    pub at: Option<Timestamp>,
    asked: Option<Timestamp>,
}

/// The plans as this console holds them.
#[derive(Debug, Default)]
pub(super) struct PlanConsole {
    reads: BTreeMap<String, PlanRead>,
    seen: HashSet<String>,
    seen_order: VecDeque<String>,
    seq: u64,
}

impl App {
    /// The last read of `app`'s plan, if it was read.
    pub fn plan_read(&self, app: &str) -> Option<&PlanRead> {
        self.plans.reads.get(app)
    }

    /// The plan of the app the failover view shows, if one was found.
    pub fn shown_plan(&self) -> Option<&RegionSwitch> {
        let spec = self.drill_spec()?;
        self.plan_read(&spec.app)?.plan.as_ref()
    }

    /// The plan reads due now: fast for the app in view and any execution under way.
    pub(super) fn plan_reads_due(&mut self) -> Vec<Effect> {
        if self.info.connection != crate::source::Connection::Connected {
            return vec![];
        }
        let scale = self.settings.time_scale.max(1.0);
        let shown = (self.view == View::Drill)
            .then(|| self.drill_spec().map(|s| s.app.clone()))
            .flatten();
        let now = self.now;
        let mut effects = Vec::new();
        for spec in &self.settings.drill_specs {
            let read = self.plans.reads.entry(spec.app.clone()).or_default();
            let live = read.plan.as_ref().is_some_and(|p| p.live().is_some());
            let every = if live || shown.as_deref() == Some(spec.app.as_str()) {
                FAST_SECS
            } else {
                SLOW_SECS
            } * scale;
            let last = read.at.max(read.asked);
            let pending = read.asked.is_some_and(|a| read.at.is_none_or(|at| at < a))
                && read
                    .asked
                    .is_some_and(|a| now.secs_since(a) < LOST_SECS * scale);
            if !pending && last.is_none_or(|t| now.secs_since(t) >= every) {
                read.asked = Some(now);
                effects.push(Effect::FetchRegionSwitch(spec.plan_query()));
            }
        }
        effects
    }

    /// Every plan is read again now (an operation ended: it may have changed one).
    pub(super) fn plans_changed(&mut self) -> Vec<Effect> {
        for r in self.plans.reads.values_mut() {
            r.at = None;
            r.asked = None;
        }
        self.plan_reads_due()
    }

    /// A plan read answered: kept, its new execution events on the Timeline, the operator told
    /// when an execution waits for an approval.
    pub(super) fn on_region_switch(&mut self, app: &str, read: Read<Option<RegionSwitch>>) {
        let now = self.now;
        let before = self
            .plans
            .reads
            .get(app)
            .and_then(|r| r.plan.as_ref())
            .and_then(|p| p.live().map(|e| (e.id.clone(), e.state.clone())));
        let entry = self.plans.reads.entry(app.to_owned()).or_default();
        entry.at = Some(now);
        match read.result {
            Ok(plan) => {
                entry.plan = plan;
                entry.error = None;
            }
            Err(e) => {
                entry.error = Some(e);
                return;
            }
        }
        let Some(plan) = entry.plan.clone() else {
            return;
        };
        self.plan_events(&plan);
        let after = plan.live().map(|e| (e.id.clone(), e.state.clone()));
        if after != before
            && let Some(e) = plan.live()
            && let Some(step) = e.awaiting_approval()
        {
            let k = self
                .settings
                .keymap
                .key_label(Action::PlanExec(PlanKey::Approve));
            self.set_status(
                format!(
                    "Region switch {}: {} waits for approval ({k} in the failover view approves)",
                    plan.plan.name, step.name
                ),
                Severity::Warn,
            );
        }
    }

    fn plan_events(&mut self, plan: &RegionSwitch) {
        let region = self
            .drill_spec()
            .map_or_else(|| self.region_name().clone(), |s| s.primary.clone());
        for ev in &plan.events {
            if self.plans.seen.contains(&ev.id) {
                continue;
            }
            if self.plans.seen_order.len() == SEEN_KEPT
                && let Some(old) = self.plans.seen_order.pop_front()
            {
                self.plans.seen.remove(&old);
            }
            self.plans.seen.insert(ev.id.clone());
            self.plans.seen_order.push_back(ev.id.clone());
            self.plans.seq += 1;
            let failed = ev.error.is_some() || ev.kind.contains("Failed");
            let mut message = ev.kind.clone();
            if let Some(s) = &ev.step {
                message = format!("{message} {s}");
            }
            if !ev.description.is_empty() {
                message = format!("{message}: {}", ev.description);
            }
            if let Some(e) = &ev.error {
                message = format!("{message} ERROR {e}");
            }
            self.store.push_event(Event {
                seq: PLAN_SEQ + self.plans.seq,
                at: ev.at,
                region: region.clone(),
                kind: EventKind::RegionSwitch,
                severity: if failed {
                    Severity::Crit
                } else if ev.kind.contains("Approval") {
                    Severity::Warn
                } else {
                    Severity::Info
                },
                resource: plan.plan.name.clone(),
                message,
            });
        }
    }

    /// The comment an execution or change carries.
    fn plan_comment(what: &str) -> String {
        rs::comment(
            &crate::identity::login(),
            &format!("{}:{}", crate::identity::host(), std::process::id()),
            what,
        )
    }

    /// A Region switch key in the failover view.
    pub(super) fn on_plan_key(&mut self, key: PlanKey) -> Vec<Effect> {
        let Some(spec) = self.drill_spec().cloned() else {
            return vec![];
        };
        let read = self.plan_read(&spec.app);
        let Some(plan) = read.and_then(|r| r.plan.clone()) else {
            let why = match read {
                Some(PlanRead { error: Some(e), .. }) => format!("the plan could not be read: {e}"),
                Some(PlanRead { at: Some(_), .. }) => format!(
                    "no ARC Region switch plan covers {} and {}: s runs the rehearsal; name a plan with region_switch_plan in the app's config",
                    spec.primary, spec.dr
                ),
                _ => "the plan is being read".into(),
            };
            self.set_status(why, Severity::Info);
            return vec![];
        };
        let ask = match key {
            PlanKey::Start => {
                self.open_plan_start(&plan, &spec.app);
                return vec![];
            }
            PlanKey::Approve => Ask::Approve,
            PlanKey::Decline => Ask::Decline,
            PlanKey::Pause => {
                if plan
                    .live()
                    .is_some_and(crate::model::region_switch::RsExecution::paused)
                {
                    Ask::Resume
                } else {
                    Ask::Pause
                }
            }
            PlanKey::Ungraceful => Ask::Ungraceful,
            PlanKey::Cancel => Ask::Cancel,
        };
        let comment = Self::plan_comment(&format!("{} from the console", ask.label()));
        match rs::plan(&self.scope(), &spec.app, &plan, &ask, &comment) {
            Ok(p) => self.confirm_plan(p),
            Err(e) => {
                self.set_status(e, Severity::Info);
                vec![]
            }
        }
    }

    /// The start prompt, filled with the default: activate the region not active.
    fn open_plan_start(&mut self, plan: &RegionSwitch, app: &str) {
        let active = plan.active_region();
        let standby = plan
            .plan
            .regions
            .iter()
            .find(|r| Some(*r) != active.as_ref())
            .cloned()
            .unwrap_or_default();
        let mut input = TextInput::new(INPUT_MAX);
        input.paste(&format!("activate {standby}"));
        self.overlay = Overlay::PlanStart {
            app: app.to_owned(),
            input,
            error: None,
        };
    }

    /// Keys in the start prompt.
    pub(super) fn on_plan_start_key(&mut self, ev: &KeyEvent) -> Vec<Effect> {
        let scope = self.scope();
        let plan = self.shown_plan().cloned();
        let Overlay::PlanStart { app, input, error } = &mut self.overlay else {
            return vec![];
        };
        match ev.code {
            KeyCode::Esc => {
                let what = format!("Region switch of {app}");
                self.cancel_prompt(&what);
            }
            _ if input.on_key(ev) => *error = None,
            KeyCode::Enter => {
                let Some(plan) = plan else {
                    *error = Some("the plan is no longer there".into());
                    return vec![];
                };
                let ask = match parse_start(input.text()) {
                    Ok(a) => a,
                    Err(e) => {
                        *error = Some(e);
                        return vec![];
                    }
                };
                let comment =
                    Self::plan_comment(&format!("{} from the console", input.text().trim()));
                match rs::plan(&scope, app, &plan, &ask, &comment) {
                    Ok(p) => return self.confirm_plan(p),
                    Err(e) => *error = Some(e),
                }
            }
            _ => {}
        }
        vec![]
    }
}

/// `activate us-west-2 [graceful|ungraceful]`, `deactivate us-east-1`.
pub fn parse_start(text: &str) -> Result<Ask, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let usage = "type: activate REGION or deactivate REGION, then ungraceful if it must not wait";
    let (Some(action), Some(region)) = (words.first(), words.get(1)) else {
        return Err(usage.into());
    };
    let Some(action) = RsAction::parse(action) else {
        return Err(format!(
            "'{action}' is neither activate nor deactivate; {usage}"
        ));
    };
    let mode = match words.get(2) {
        None | Some(&"graceful") => RsMode::Graceful,
        Some(&"ungraceful") => RsMode::Ungraceful,
        Some(w) => return Err(format!("'{w}' is neither graceful nor ungraceful; {usage}")),
    };
    if words.len() > 3 {
        return Err(usage.into());
    }
    Ok(Ask::Start {
        action,
        region: (*region).to_owned(),
        mode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_prompt_reads_action_region_and_mode() {
        assert_eq!(
            parse_start(" activate  us-west-2 ").unwrap(),
            Ask::Start {
                action: RsAction::Activate,
                region: "us-west-2".into(),
                mode: RsMode::Graceful
            }
        );
        assert_eq!(
            parse_start("deactivate us-east-1 ungraceful").unwrap(),
            Ask::Start {
                action: RsAction::Deactivate,
                region: "us-east-1".into(),
                mode: RsMode::Ungraceful
            }
        );
        assert!(
            parse_start("activate")
                .unwrap_err()
                .contains("activate REGION")
        );
        assert!(parse_start("go us-west-2").unwrap_err().contains("'go'"));
        assert!(
            parse_start("activate us-west-2 fast")
                .unwrap_err()
                .contains("'fast'")
        );
    }
}
