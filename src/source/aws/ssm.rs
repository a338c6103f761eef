//! Systems Manager State Manager: associations (all pages), the last execution of each and its
//! per-instance targets.

use super::errors::map;
use super::{RegionClients, ts};
use crate::model::ExecStatus;
use crate::model::{Association, Execution, ExecutionTarget};
use crate::source::SourceError;
use aws_sdk_ssm::types as t;

const SVC: &str = "ssm";

pub async fn associations(
    r: &RegionClients,
    profile: Option<&str>,
) -> Result<Vec<Association>, SourceError> {
    let c = &r.ssm;
    let list: Vec<t::Association> = c
        .list_associations()
        .max_results(50)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| map(SVC, "ListAssociations", profile, &e))?;
    let mut out = Vec::new();
    for a in &list {
        let id = a.association_id().unwrap_or_default();
        let execs = c
            .describe_association_executions()
            .association_id(id)
            .max_results(1)
            .send()
            .await
            .map_err(|e| map(SVC, "DescribeAssociationExecutions", profile, &e))?;
        let newest = match execs.association_executions().first() {
            Some(x) => {
                let targets: Vec<t::AssociationExecutionTarget> = c
                    .describe_association_execution_targets()
                    .association_id(id)
                    .execution_id(x.execution_id().unwrap_or_default())
                    .max_results(50)
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
                    .await
                    .map_err(|e| map(SVC, "DescribeAssociationExecutionTargets", profile, &e))?;
                Some(execution(x, &targets))
            }
            None => None,
        };
        out.push(association(a, newest));
    }
    Ok(out)
}

/// Counts of `Success=2,Failed=1` style strings.
fn count(by_status: &str, status: &str) -> u32 {
    by_status
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| k.trim() == status)
        .filter_map(|(_, v)| v.trim().parse::<u32>().ok())
        .sum()
}

/// SDK execution and targets to model.
pub fn execution(
    x: &t::AssociationExecution,
    targets: &[t::AssociationExecutionTarget],
) -> Execution {
    let by = x.resource_count_by_status().unwrap_or_default();
    Execution {
        id: x.execution_id().unwrap_or_default().to_owned(),
        status: ExecStatus::parse(x.status().unwrap_or_default()),
        created_at: ts(x.created_time()),
        success: count(by, "Success"),
        failed: count(by, "Failed") + count(by, "TimedOut"),
        pending: count(by, "Pending") + count(by, "InProgress"),
        targets: targets
            .iter()
            .map(|tg| ExecutionTarget {
                instance_id: tg.resource_id().unwrap_or_default().to_owned(),
                status: ExecStatus::parse(tg.status().unwrap_or_default()),
                detail: tg.detailed_status().unwrap_or_default().to_owned(),
                at: ts(tg.last_execution_date()),
            })
            .collect(),
    }
}

/// SDK association to model.
pub fn association(a: &t::Association, last: Option<Execution>) -> Association {
    let targets: Vec<String> = a
        .targets()
        .iter()
        .map(|tg| format!("{}={}", tg.key().unwrap_or_default(), tg.values().join(",")))
        .collect();
    Association {
        id: a.association_id().unwrap_or_default().to_owned(),
        name: a
            .association_name()
            .or(a.name())
            .unwrap_or_default()
            .to_owned(),
        document: a.name().unwrap_or_default().to_owned(),
        status: ExecStatus::parse(a.overview().and_then(|o| o.status()).unwrap_or("Pending")),
        last_execution: last,
        targets: targets.join(" "),
        schedule: a.schedule_expression().map(str::to_owned),
    }
}

/// `StartAssociationsOnce`, never retried: a retry would run the association twice.
pub async fn start_associations_once(
    r: &RegionClients,
    profile: Option<&str>,
    ids: &[String],
) -> Result<(), SourceError> {
    r.ssm
        .start_associations_once()
        .set_association_ids(Some(ids.to_vec()))
        .customize()
        .config_override(
            aws_sdk_ssm::config::Builder::default()
                .retry_config(aws_sdk_ssm::config::retry::RetryConfig::disabled()),
        )
        .send()
        .await
        .map_err(|e| map(SVC, "StartAssociationsOnce", profile, &e))?;
    Ok(())
}
