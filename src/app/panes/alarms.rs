//! Alarms: ALARM first, with their metric's last hour.

use super::{PaneData, PaneKind, Row, RowId};
use crate::action::Action;
use crate::app::DetailRef;

pub struct Alarms;

impl PaneKind for Alarms {
    fn noun(&self) -> &'static str {
        "alarms"
    }

    fn rows(&self, d: PaneData<'_>, matches: &dyn Fn(&str) -> bool) -> Vec<Row> {
        d.region
            .alarms
            .iter()
            .flatten()
            .enumerate()
            .filter(|(_, x)| matches(&format!("{} {} {}", x.name, x.state.as_str(), x.metric)))
            .map(|(a, _)| Row::Alarm(a))
            .collect()
    }

    fn row_id(&self, d: PaneData<'_>, row: Row) -> Option<RowId> {
        let Row::Alarm(a) = row else {
            return None;
        };
        d.region
            .alarms
            .as_ref()?
            .get(a)
            .map(|a| RowId::Alarm(a.name.clone()))
    }

    fn row_text(&self, d: PaneData<'_>, row: Row) -> String {
        let Row::Alarm(a) = row else {
            return String::new();
        };
        d.region
            .alarms
            .as_ref()
            .and_then(|v| v.get(a))
            .map(|a| format!("{} {}", a.name, a.state.as_str()))
            .unwrap_or_default()
    }

    fn detail(&self, d: PaneData<'_>, row: Row) -> Option<DetailRef> {
        let Row::Alarm(a) = row else {
            return None;
        };
        d.region
            .alarms
            .as_ref()?
            .get(a)
            .map(|x| DetailRef::Alarm(x.name.clone()))
    }

    fn actions(&self) -> &'static [(Action, &'static str)] {
        &[(Action::Logs, "logs")]
    }
}
