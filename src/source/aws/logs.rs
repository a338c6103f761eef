//! CloudWatch Logs: where a target's logs are (its task definition's `awslogs` options, the log
//! metric filter behind an alarm's metric, the log groups named after an Auto Scaling group), and
//! their events: by FilterLogEvents, and pushed by a live tail once it is open ([`super::tail`]).

use super::RegionClients;
use super::errors::map;
use super::tail::{Tail, TailKey, log_event};
use crate::model::Timestamp;
use crate::model::logs::{LogGroup, LogPage, LogSource, LogTarget};
use crate::source::{ErrorClass, SourceError};
use std::sync::{Mutex, PoisonError};

const SVC: &str = "logs";
/// FilterLogEvents pages one read follows at most per log group: a read stays short, and the
/// next one carries on from the newest event it got.
const PAGES: usize = 5;

fn not_found(operation: &str, message: String) -> SourceError {
    SourceError::new(ErrorClass::Validation, SVC, operation, "NotFound", message)
}

/// The team's audit trail: its log group, if it is there.
async fn activity(
    r: &RegionClients,
    profile: Option<&str>,
    group: &str,
) -> Result<LogSource, SourceError> {
    let out = r
        .logs
        .describe_log_groups()
        .log_group_name_prefix(group)
        .send()
        .await
        .map_err(|e| map(SVC, "DescribeLogGroups", profile, &e))?;
    if !out
        .log_groups()
        .iter()
        .any(|g| g.log_group_name() == Some(group))
    {
        return Err(not_found(
            "DescribeLogGroups",
            format!(
                "the team's audit trail {group} is not in {}: opsdash team init creates it",
                r.info.name
            ),
        ));
    }
    Ok(LogSource {
        groups: vec![LogGroup {
            name: group.to_owned(),
            stream_prefix: None,
        }],
        pattern: String::new(),
    })
}

/// Where `target`'s logs are.
pub async fn source(
    r: &RegionClients,
    profile: Option<&str>,
    target: &LogTarget,
) -> Result<LogSource, SourceError> {
    match target {
        LogTarget::Service {
            task_definition, ..
        } => {
            let out = r
                .ecs
                .describe_task_definition()
                .task_definition(task_definition)
                .send()
                .await
                .map_err(|e| map("ecs", "DescribeTaskDefinition", profile, &e))?;
            let mut groups = Vec::new();
            for c in out
                .task_definition()
                .map(aws_sdk_ecs::types::TaskDefinition::container_definitions)
                .unwrap_or_default()
            {
                let Some(lc) = c.log_configuration() else {
                    continue;
                };
                if lc.log_driver() != &aws_sdk_ecs::types::LogDriver::Awslogs {
                    continue;
                }
                let opts = lc.options();
                let Some(group) = opts.and_then(|o| o.get("awslogs-group")) else {
                    continue;
                };
                // awslogs names streams `prefix/container/task-id`.
                let prefix = opts
                    .and_then(|o| o.get("awslogs-stream-prefix"))
                    .map(|p| format!("{p}/{}/", c.name().unwrap_or_default()));
                let g = LogGroup {
                    name: group.clone(),
                    stream_prefix: prefix,
                };
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
            if groups.is_empty() {
                // The task definition was read: it is there, its containers log elsewhere.
                return Err(SourceError::new(
                    ErrorClass::Validation,
                    SVC,
                    "DescribeTaskDefinition",
                    "NoAwslogs",
                    format!(
                        "task definition {task_definition} (read) has no container with the awslogs log driver: its logs are not in CloudWatch Logs"
                    ),
                ));
            }
            Ok(LogSource {
                groups,
                pattern: String::new(),
            })
        }
        LogTarget::Activity(group) => activity(r, profile, group).await,
        LogTarget::Asg(name) => {
            let out = r
                .logs
                .describe_log_groups()
                .log_group_name_pattern(name)
                .limit(10)
                .send()
                .await
                .map_err(|e| map(SVC, "DescribeLogGroups", profile, &e))?;
            let groups: Vec<LogGroup> = out
                .log_groups()
                .iter()
                .filter_map(|g| g.log_group_name())
                // The service matches the pattern (case-insensitively); checked again here, as
                // moto ignores it.
                .filter(|n| n.to_lowercase().contains(&name.to_lowercase()))
                .map(|n| LogGroup {
                    name: n.to_owned(),
                    stream_prefix: None,
                })
                .collect();
            if groups.is_empty() {
                return Err(not_found(
                    "DescribeLogGroups",
                    format!("no log group named after {name}"),
                ));
            }
            Ok(LogSource {
                groups,
                pattern: String::new(),
            })
        }
        LogTarget::Alarm {
            name,
            namespace,
            metric,
        } => {
            let out = r
                .logs
                .describe_metric_filters()
                .metric_name(metric)
                .metric_namespace(namespace)
                .send()
                .await
                .map_err(|e| map(SVC, "DescribeMetricFilters", profile, &e))?;
            let filters = out.metric_filters();
            let Some(first) = filters.first() else {
                return Err(not_found(
                    "DescribeMetricFilters",
                    format!("{name}'s metric {namespace}/{metric} comes from no log metric filter"),
                ));
            };
            let mut groups: Vec<LogGroup> = Vec::new();
            for f in filters {
                if let Some(n) = f.log_group_name() {
                    let g = LogGroup {
                        name: n.to_owned(),
                        stream_prefix: None,
                    };
                    if !groups.contains(&g) {
                        groups.push(g);
                    }
                }
            }
            Ok(LogSource {
                groups,
                pattern: first.filter_pattern().unwrap_or_default().trim().to_owned(),
            })
        }
    }
}

/// The events of `source`'s groups matching `pattern` from `since` on, oldest first, at most
/// `limit` (FilterLogEvents per group, following its pages).
pub async fn events(
    r: &RegionClients,
    profile: Option<&str>,
    source: &LogSource,
    pattern: &str,
    since: Timestamp,
    limit: usize,
) -> Result<LogPage, SourceError> {
    let mut page = LogPage::default();
    for g in &source.groups {
        let mut token: Option<String> = None;
        let mut got = 0usize;
        for n in 0.. {
            if n == PAGES || got >= limit {
                page.truncated |= token.is_some();
                break;
            }
            let out = r
                .logs
                .filter_log_events()
                .log_group_name(&g.name)
                .set_log_stream_name_prefix(g.stream_prefix.clone())
                .start_time(since.0)
                .set_filter_pattern((!pattern.trim().is_empty()).then(|| pattern.to_owned()))
                .limit(i32::try_from(limit - got).unwrap_or(i32::MAX).min(10_000))
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| map(SVC, "FilterLogEvents", profile, &e))?;
            // The service filters by the prefix; checked again here, as moto ignores it.
            let ours = |e: &&aws_sdk_cloudwatchlogs::types::FilteredLogEvent| {
                g.stream_prefix
                    .as_deref()
                    .is_none_or(|p| e.log_stream_name().is_some_and(|s| s.starts_with(p)))
            };
            for e in out.events().iter().filter(ours) {
                got += 1;
                page.events.push(log_event(
                    &g.name,
                    e.log_stream_name().unwrap_or_default(),
                    e.timestamp().unwrap_or_default(),
                    e.ingestion_time().unwrap_or_default(),
                    e.message().unwrap_or_default(),
                ));
            }
            token = out.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
    }
    page.events
        .sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    if page.events.len() > limit {
        page.events.truncate(limit);
        page.truncated = true;
    }
    Ok(page)
}

/// A Logs view's read: the events its live tail pushed since the last read, and, unless the
/// tail is live, FilterLogEvents from `since` (also while the tail opens, to catch up once it
/// has started, and when it failed). The tail in `slot` is (re)opened for this view, region,
/// groups and pattern as needed; `arn_prefix` + a group's name is its ARN.
#[allow(clippy::too_many_arguments)]
pub async fn read(
    r: &RegionClients,
    profile: Option<&str>,
    slot: &Mutex<Option<Tail>>,
    arn_prefix: &str,
    view: u64,
    source: &LogSource,
    pattern: &str,
    since: Timestamp,
    limit: usize,
) -> Result<LogPage, SourceError> {
    let key = TailKey {
        view,
        region: r.info.name.clone(),
        source: source.clone(),
        pattern: pattern.to_owned(),
    };
    let taken = {
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        let tail = match slot.take() {
            Some(t) if t.key == key => t,
            // Another view's, or none: the old tail is closed as it is dropped.
            _ => Tail::open(r, profile, arn_prefix, key.clone()),
        };
        let (taken, reopen) = tail.take(limit);
        let tail = if reopen {
            drop(tail);
            Tail::open(r, profile, arn_prefix, key.clone())
        } else {
            tail
        };
        *slot = Some(tail);
        taken
    };
    let mut page = if taken.poll {
        match events(r, profile, source, pattern, since, limit).await {
            Ok(p) => p,
            Err(e) => {
                if let Some(t) = slot.lock().unwrap_or_else(PoisonError::into_inner).as_ref()
                    && t.key == key
                {
                    t.untake(taken.events);
                }
                return Err(e);
            }
        }
    } else {
        LogPage::default()
    };
    if taken.catch_up
        && !page.truncated
        && let Some(t) = slot.lock().unwrap_or_else(PoisonError::into_inner).as_ref()
        && t.key == key
    {
        t.caught_up();
    }
    page.events.extend(taken.events);
    page.events
        .sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    // An event both polled and pushed (around the hand-over) once.
    page.events.dedup_by(|a, b| a.id == b.id);
    page.truncated |= taken.more;
    page.delivery = taken.delivery;
    Ok(page)
}
