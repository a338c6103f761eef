//! Timeline: what changed, newest first, in every region.

use super::{PaneData, PaneKind, Row, RowId};
use crate::app::DetailRef;

pub struct Timeline;

impl PaneKind for Timeline {
    fn noun(&self) -> &'static str {
        "changes yet"
    }

    fn rows(&self, d: PaneData<'_>, matches: &dyn Fn(&str) -> bool) -> Vec<Row> {
        d.timeline
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                matches(&format!(
                    "{} {} {} {}",
                    e.region,
                    e.kind.label(),
                    e.resource,
                    e.message
                ))
            })
            .map(|(i, _)| Row::Event(i))
            .collect()
    }

    fn row_id(&self, d: PaneData<'_>, row: Row) -> Option<RowId> {
        let Row::Event(e) = row else {
            return None;
        };
        d.timeline.get(e).map(|e| RowId::Event {
            region: e.region.clone(),
            seq: e.seq,
            at: e.at.0,
        })
    }

    fn row_text(&self, d: PaneData<'_>, row: Row) -> String {
        let Row::Event(e) = row else {
            return String::new();
        };
        d.timeline
            .get(e)
            .map(|e| {
                format!(
                    "{} {} {} {} {}",
                    e.seq,
                    e.region,
                    e.kind.label(),
                    e.resource,
                    e.message
                )
            })
            .unwrap_or_default()
    }

    fn detail(&self, d: PaneData<'_>, row: Row) -> Option<DetailRef> {
        let Row::Event(e) = row else {
            return None;
        };
        d.timeline.get(e).map(|x| DetailRef::Event(x.seq))
    }
}
