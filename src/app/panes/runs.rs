//! Runs: State Manager associations with their last execution.

use super::{PaneData, PaneKind, Row, RowId};
use crate::app::DetailRef;

pub struct Runs;

impl PaneKind for Runs {
    fn noun(&self) -> &'static str {
        "State Manager associations"
    }

    fn rows(&self, d: PaneData<'_>, matches: &dyn Fn(&str) -> bool) -> Vec<Row> {
        d.region
            .runs
            .iter()
            .flatten()
            .enumerate()
            .filter(|(_, x)| matches(&format!("{} {} {}", x.name, x.document, x.status)))
            .map(|(a, _)| Row::Association(a))
            .collect()
    }

    fn row_id(&self, d: PaneData<'_>, row: Row) -> Option<RowId> {
        let Row::Association(a) = row else {
            return None;
        };
        d.region
            .runs
            .as_ref()?
            .get(a)
            .map(|a| RowId::Association(a.id.clone()))
    }

    fn row_text(&self, d: PaneData<'_>, row: Row) -> String {
        let Row::Association(a) = row else {
            return String::new();
        };
        d.region
            .runs
            .as_ref()
            .and_then(|v| v.get(a))
            .map(|a| format!("{} {} {}", a.name, a.document, a.status))
            .unwrap_or_default()
    }

    fn detail(&self, d: PaneData<'_>, row: Row) -> Option<DetailRef> {
        let Row::Association(a) = row else {
            return None;
        };
        d.region
            .runs
            .as_ref()?
            .get(a)
            .map(|x| DetailRef::Association(x.id.clone()))
    }
}
