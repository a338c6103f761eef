//! The panes. Each pane's behaviour lives in its own module behind [`PaneKind`]: what its rows
//! are, what identifies a row across refreshes, the text a filter searches, the detail view a row
//! opens and the operations its footer offers. The pane list is the table [`Pane::ALL`] /
//! `KINDS`; nothing else lists the panes one by one.

mod alarms;
mod capacity;
mod runs;
mod targets;
mod timeline;

use super::DetailRef;
use super::store::RegionData;
use crate::action::Action;
use crate::model::{Event, Region};
use std::collections::VecDeque;

pub use crate::model::Pane;

/// Each pane's behaviour, in [`Pane::ALL`]'s order.
const KINDS: [&dyn PaneKind; Pane::COUNT] = [
    &targets::Targets,
    &capacity::Capacity,
    &runs::Runs,
    &alarms::Alarms,
    &timeline::Timeline,
];

impl Pane {
    /// What the pane does.
    pub fn kind(self) -> &'static dyn PaneKind {
        KINDS[self.index()]
    }
}

/// One row of a pane, as indices into the data it was built from (rebuilt on every read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Lb(usize),
    Tg(usize, usize),
    Target(usize, usize, usize),
    Asg(usize),
    Service(usize),
    Deployment(usize, usize),
    Association(usize),
    Alarm(usize),
    Event(usize),
}

/// What a row is, stable across refreshes (see [`PaneKind::row_id`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowId {
    /// A load balancer, by ARN.
    Lb(String),
    /// A target group, by ARN.
    Tg(String),
    /// A target of a target group (by the group's ARN), by its id and port.
    Target {
        tg: String,
        id: String,
        port: u16,
    },
    Asg(String),
    Service {
        cluster: String,
        name: String,
    },
    Deployment {
        cluster: String,
        service: String,
        id: String,
    },
    /// An association, by id.
    Association(String),
    Alarm(String),
    /// A timeline event: its region, sequence number and time.
    Event {
        region: Region,
        seq: u64,
        at: i64,
    },
}

/// What a pane's rows are made of: the region in view and the timeline.
#[derive(Clone, Copy)]
pub struct PaneData<'a> {
    pub region: &'a RegionData,
    pub timeline: &'a VecDeque<Event>,
}

/// One pane's behaviour.
pub trait PaneKind: Sync {
    /// What an empty pane has none of (`load balancers`).
    fn noun(&self) -> &'static str;
    /// Its rows over `d`, those whose text `matches` the filter (a group stays when one of its
    /// members matches).
    fn rows(&self, d: PaneData<'_>, matches: &dyn Fn(&str) -> bool) -> Vec<Row>;
    /// What a row is, stable across refreshes: an alarm's identity does not change with its
    /// state, an event's with the events around it.
    fn row_id(&self, d: PaneData<'_>, row: Row) -> Option<RowId>;
    /// The text a test or a search finds a row by.
    fn row_text(&self, d: PaneData<'_>, row: Row) -> String;
    /// The detail view `Enter` opens on a row.
    fn detail(&self, d: PaneData<'_>, row: Row) -> Option<DetailRef>;
    /// The operations the footer offers on this pane, in order.
    fn actions(&self) -> &'static [(Action, &'static str)] {
        &[]
    }
}

/// The longest filter a pane takes.
const FILTER_MAX: usize = 64;

impl Default for PaneState {
    fn default() -> Self {
        PaneState {
            selected: 0,
            filter: super::TextInput::new(FILTER_MAX),
            rows: Vec::new(),
            selected_id: None,
            new_above: 0,
        }
    }
}

/// Selection, scroll and filter of one pane.
#[derive(Debug, Clone, PartialEq)]
pub struct PaneState {
    pub selected: usize,
    pub filter: super::TextInput,
    pub rows: Vec<Row>,
    /// The identity of the selected item ([`PaneKind::row_id`]): the selection follows it when
    /// the rows are rebuilt from new data, whatever moved around it.
    pub selected_id: Option<RowId>,
    /// The Timeline, read by the operator below its top: how many rows arrived above since
    /// (the newest stay on top, with a marker; `g` goes back to following).
    pub new_above: usize,
}
