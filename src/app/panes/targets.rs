//! Targets: load balancer → target group → targets, with health.

use super::{PaneData, PaneKind, Row, RowId};
use crate::app::DetailRef;

pub struct Targets;

impl PaneKind for Targets {
    fn noun(&self) -> &'static str {
        "load balancers"
    }

    fn rows(&self, d: PaneData<'_>, matches: &dyn Fn(&str) -> bool) -> Vec<Row> {
        let mut rows = Vec::new();
        for (l, lb) in d.region.lbs().iter().enumerate() {
            let lb_match = matches(&lb.name);
            let mut lb_rows = Vec::new();
            for (g, tg) in lb.target_groups.iter().enumerate() {
                let tg_match = lb_match || matches(&tg.name);
                let targets: Vec<Row> = tg
                    .targets
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| {
                        tg_match
                            || matches(&format!("{} {} {}", t.id, t.az, t.state.as_str()))
                            || t.reason.as_deref().is_some_and(matches)
                    })
                    .map(|(t, _)| Row::Target(l, g, t))
                    .collect();
                if tg_match || !targets.is_empty() {
                    lb_rows.push(Row::Tg(l, g));
                    lb_rows.extend(targets);
                }
            }
            if lb_match || !lb_rows.is_empty() {
                rows.push(Row::Lb(l));
                rows.extend(lb_rows);
            }
        }
        rows
    }

    fn row_id(&self, d: PaneData<'_>, row: Row) -> Option<RowId> {
        let lbs = d.region.lbs();
        match row {
            Row::Lb(l) => lbs.get(l).map(|x| RowId::Lb(x.arn.clone())),
            Row::Tg(l, g) => lbs
                .get(l)?
                .target_groups
                .get(g)
                .map(|g| RowId::Tg(g.arn.clone())),
            Row::Target(l, g, t) => {
                let g = lbs.get(l)?.target_groups.get(g)?;
                g.targets.get(t).map(|t| RowId::Target {
                    tg: g.arn.clone(),
                    id: t.id.clone(),
                    port: t.port,
                })
            }
            _ => None,
        }
    }

    fn row_text(&self, d: PaneData<'_>, row: Row) -> String {
        let lbs = d.region.lbs();
        match row {
            Row::Lb(l) => lbs.get(l).map(|x| x.name.clone()),
            Row::Tg(l, g) => lbs
                .get(l)
                .and_then(|x| x.target_groups.get(g).map(|g| (x, g)))
                .map(|(l, g)| format!("{} {}", l.name, g.name)),
            Row::Target(l, g, t) => lbs
                .get(l)
                .and_then(|x| x.target_groups.get(g))
                .and_then(|g| g.targets.get(t).map(|t| (g, t)))
                .map(|(g, t)| format!("{} {} {} {}", g.name, t.id, t.az, t.state.as_str())),
            _ => None,
        }
        .unwrap_or_default()
    }

    fn detail(&self, d: PaneData<'_>, row: Row) -> Option<DetailRef> {
        let lbs = d.region.lbs();
        let (l, g) = match row {
            // A load balancer opens its first target group.
            Row::Lb(l) => (l, 0),
            Row::Tg(l, g) | Row::Target(l, g, _) => (l, g),
            _ => return None,
        };
        let lb = lbs.get(l)?;
        lb.target_groups.get(g).map(|tg| DetailRef::TargetGroup {
            lb: lb.name.clone(),
            tg: tg.name.clone(),
        })
    }
}
