//! Capacity: Auto Scaling groups, then ECS services with their deployments.

use super::{PaneData, PaneKind, Row, RowId};
use crate::action::Action;
use crate::app::DetailRef;

pub struct Capacity;

impl PaneKind for Capacity {
    fn noun(&self) -> &'static str {
        "Auto Scaling groups or ECS services"
    }

    fn rows(&self, d: PaneData<'_>, matches: &dyn Fn(&str) -> bool) -> Vec<Row> {
        let mut rows = Vec::new();
        if let Some(c) = &d.region.capacity {
            for (a, g) in c.auto_scaling_groups.iter().enumerate() {
                if matches(&g.name) {
                    rows.push(Row::Asg(a));
                }
            }
            for (s, svc) in c.ecs_services.iter().enumerate() {
                let name = format!("{}/{} {}", svc.cluster, svc.name, svc.task_definition);
                if matches(&name) {
                    rows.push(Row::Service(s));
                    for k in 0..svc.deployments.len() {
                        rows.push(Row::Deployment(s, k));
                    }
                }
            }
        }
        rows
    }

    fn row_id(&self, d: PaneData<'_>, row: Row) -> Option<RowId> {
        let cap = d.region.capacity.as_ref()?;
        match row {
            Row::Asg(a) => cap
                .auto_scaling_groups
                .get(a)
                .map(|g| RowId::Asg(g.name.clone())),
            Row::Service(x) => cap.ecs_services.get(x).map(|x| RowId::Service {
                cluster: x.cluster.clone(),
                name: x.name.clone(),
            }),
            Row::Deployment(x, k) => {
                let x = cap.ecs_services.get(x)?;
                x.deployments.get(k).map(|d| RowId::Deployment {
                    cluster: x.cluster.clone(),
                    service: x.name.clone(),
                    id: d.id.clone(),
                })
            }
            _ => None,
        }
    }

    fn row_text(&self, d: PaneData<'_>, row: Row) -> String {
        let cap = d.region.capacity.as_ref();
        match row {
            Row::Asg(a) => cap
                .and_then(|c| c.auto_scaling_groups.get(a))
                .map(|g| format!("asg {}", g.name)),
            Row::Service(s) => cap
                .and_then(|c| c.ecs_services.get(s))
                .map(|x| format!("ecs {}/{}", x.cluster, x.name)),
            Row::Deployment(s, k) => cap
                .and_then(|c| c.ecs_services.get(s))
                .and_then(|x| x.deployments.get(k).map(|d| (x, d)))
                .map(|(x, d)| format!("ecs {}/{} {} {}", x.cluster, x.name, d.id, d.status)),
            _ => None,
        }
        .unwrap_or_default()
    }

    fn detail(&self, d: PaneData<'_>, row: Row) -> Option<DetailRef> {
        let cap = d.region.capacity.as_ref()?;
        match row {
            Row::Asg(a) => cap
                .auto_scaling_groups
                .get(a)
                .map(|g| DetailRef::Asg(g.name.clone())),
            Row::Service(s) | Row::Deployment(s, _) => {
                cap.ecs_services.get(s).map(|x| DetailRef::Service {
                    cluster: x.cluster.clone(),
                    name: x.name.clone(),
                })
            }
            _ => None,
        }
    }

    fn actions(&self) -> &'static [(Action, &'static str)] {
        &[(Action::Logs, "logs")]
    }
}
