//! The simulated estate's logs: what its services and instances write, kept per region in a
//! bounded buffer, read like CloudWatch Logs' FilterLogEvents.

use super::Sim;
use super::dynamics::BAD_IMAGE_CRASH_SECS;
use super::state::{CONTAINER, Lifecycle, MetricSource, RegionSim, TaskState};
use crate::model::Timestamp;
use crate::model::logs::{LogEvent, LogGroup, LogPage, LogSource, LogTarget, matches};
use crate::source::{ErrorClass, SourceError};

/// Log events kept per region (the oldest go first): memory stays flat however long it runs.
pub const KEPT: usize = 1000;

/// What the simulated clients ask for.
const PATHS: [&str; 4] = ["/api/books", "/api/authors", "/health", "/api/books/42"];

/// The log group of an ECS service's task definition family (its `awslogs-group`).
pub fn service_group(family: &str) -> String {
    format!("/ecs/{family}")
}

/// The log group the CloudWatch agent of an Auto Scaling group's instances writes to.
pub fn asg_group(asg: &str) -> String {
    format!("/ec2/{asg}/app")
}

impl RegionSim {
    /// Where the application's `Error` lines go, which the log metric filter counts: the first
    /// Auto Scaling group's instances, else the first ECS service.
    fn error_group(&self) -> Option<LogGroup> {
        if let Some(a) = self.asgs.first() {
            return Some(LogGroup {
                name: asg_group(&a.name),
                stream_prefix: None,
            });
        }
        let s = self.services.first()?;
        let td = &self.task_defs[s.deployments.last()?.task_def];
        Some(LogGroup {
            name: service_group(&td.family),
            stream_prefix: Some(format!("{}/", s.name)),
        })
    }

    fn log(
        &mut self,
        seq: &mut u64,
        at: Timestamp,
        group: String,
        stream: String,
        message: String,
    ) {
        *seq += 1;
        if self.logs.len() == KEPT {
            self.logs.pop_front();
        }
        self.logs.push_back(LogEvent {
            id: format!("{:020}", *seq),
            at,
            group,
            stream,
            message,
        });
    }
}

impl Sim {
    /// One second of logs in region `r`: each running task and in-service instance writes an
    /// access line every 30 s; a bad image logs its crash; the application's `Error` lines, as
    /// many as the log-error metric counts.
    pub(super) fn step_logs(&mut self, r: usize) {
        let now = self.now;
        let tick = self.tick();
        let mut seq = self.log_seq;
        let region = &mut self.regions[r];
        let mut lines = Vec::new();
        for s in &region.services {
            for (k, task) in s.tasks.iter().enumerate() {
                if task.state != TaskState::Running {
                    continue;
                }
                let td = &region.task_defs[task.task_def];
                let up = now.secs_since(task.started);
                let starting = (0.0..1.0).contains(&up);
                let crashing =
                    !td.good && (BAD_IMAGE_CRASH_SECS..BAD_IMAGE_CRASH_SECS + 1.0).contains(&up);
                let serving =
                    (tick + k as i64 * 7) % 30 == 0 && (td.good || up < BAD_IMAGE_CRASH_SECS);
                // Most seconds a task writes nothing: nothing is built for it then.
                if !(starting || crashing || serving) {
                    continue;
                }
                let group = service_group(&td.family);
                let stream = format!("{}/{CONTAINER}/{}", s.name, task.id);
                if starting {
                    let msg = format!(
                        r#"{{"level":"info","msg":"listening on :8080","image":"{}"}}"#,
                        td.image
                    );
                    lines.push((group.clone(), stream.clone(), msg));
                }
                if crashing {
                    lines.push((
                        group.clone(),
                        stream.clone(),
                        r#"{"level":"error","msg":"Error: cannot reach database: connection refused"}"#.into(),
                    ));
                    lines.push((
                        group.clone(),
                        stream.clone(),
                        r#"{"level":"fatal","msg":"panic: exiting after 3 failed connection attempts","exit":1}"#.into(),
                    ));
                }
                if serving {
                    let n = tick / 30 + k as i64;
                    let ms = 3 + (tick + k as i64) % 40;
                    let path = PATHS[n.rem_euclid(PATHS.len() as i64) as usize];
                    lines.push((
                        group,
                        stream,
                        format!(r#"{{"level":"info","msg":"GET {path} 200","ms":{ms}}}"#),
                    ));
                }
            }
        }
        for (k, i) in region.instances.iter().enumerate() {
            let Some(a) = i.asg else { continue };
            if i.lifecycle != Lifecycle::InService || (tick + k as i64 * 11) % 30 != 0 {
                continue;
            }
            let ms = 2 + (tick + k as i64) % 25;
            let path = PATHS[(tick / 30 + k as i64).rem_euclid(PATHS.len() as i64) as usize];
            lines.push((
                asg_group(&region.asgs[a].name),
                i.id.clone(),
                format!("INFO GET {path} 200 {ms}ms"),
            ));
        }
        let errors = region.log_errors.floor();
        if errors >= 1.0 {
            region.log_errors -= errors;
            if let Some(g) = region.error_group() {
                let stream = match &g.stream_prefix {
                    Some(p) => format!("{p}{CONTAINER}/errors"),
                    None => region
                        .instances
                        .iter()
                        .find(|i| i.lifecycle == Lifecycle::InService)
                        .map_or_else(|| "app".to_owned(), |i| i.id.clone()),
                };
                for _ in 0..(errors as usize).min(20) {
                    lines.push((
                        g.name.clone(),
                        stream.clone(),
                        "ERROR upstream request failed: 502 from backend".into(),
                    ));
                }
            }
        }
        for (group, stream, msg) in lines {
            region.log(&mut seq, now, group, stream, msg);
        }
        self.log_seq = seq;
    }

    /// Where `target`'s logs are, as the live source would find them.
    pub fn log_source(
        &self,
        region: &RegionSim,
        target: &LogTarget,
    ) -> Result<LogSource, SourceError> {
        // Named for the call the live source makes for this kind of target.
        let op = match target {
            LogTarget::Service { .. } => "DescribeTaskDefinition",
            LogTarget::Asg(_) | LogTarget::Activity(_) => "DescribeLogGroups",
            LogTarget::Alarm { .. } => "DescribeMetricFilters",
        };
        let not_found =
            |what: String| SourceError::new(ErrorClass::Validation, "logs", op, "NotFound", what);
        match target {
            LogTarget::Service { name, .. } => {
                let s = region
                    .services
                    .iter()
                    .find(|s| &s.name == name)
                    .ok_or_else(|| not_found(format!("no ECS service {name}")))?;
                // Every family the service's deployments run, so a rollout's old and new tasks
                // both show.
                let mut groups: Vec<LogGroup> = Vec::new();
                for d in s.deployments.iter().rev() {
                    let g = LogGroup {
                        name: service_group(&region.task_defs[d.task_def].family),
                        stream_prefix: Some(format!("{}/", s.name)),
                    };
                    if !groups.contains(&g) {
                        groups.push(g);
                    }
                }
                Ok(LogSource {
                    groups,
                    pattern: String::new(),
                })
            }
            LogTarget::Activity(group) => Err(not_found(format!(
                "the demo has no team audit trail {group}: team mode is for live AWS"
            ))),
            LogTarget::Asg(name) => {
                if !region.asgs.iter().any(|a| &a.name == name) {
                    return Err(not_found(format!("no Auto Scaling group {name}")));
                }
                Ok(LogSource {
                    groups: vec![LogGroup {
                        name: asg_group(name),
                        stream_prefix: None,
                    }],
                    pattern: String::new(),
                })
            }
            LogTarget::Alarm { name, .. } => {
                let al = region
                    .alarms
                    .iter()
                    .find(|a| &a.name == name)
                    .ok_or_else(|| not_found(format!("no alarm {name}")))?;
                if al.source != MetricSource::LogErrors {
                    return Err(not_found(format!(
                        "{name}'s metric {}/{} comes from no log metric filter",
                        al.namespace, al.metric
                    )));
                }
                let g = region
                    .error_group()
                    .ok_or_else(|| not_found("no log group".into()))?;
                Ok(LogSource {
                    groups: vec![g],
                    pattern: "ERROR".into(),
                })
            }
        }
    }

    /// FilterLogEvents over the kept events: `source`'s groups and streams, `pattern` (its plain
    /// form), from `since` on, at most `limit`, oldest first.
    pub fn read_logs(
        region: &RegionSim,
        source: &LogSource,
        pattern: &str,
        since: Timestamp,
        limit: usize,
    ) -> Result<LogPage, SourceError> {
        if matches(pattern, "").is_none() {
            return Err(SourceError::new(
                ErrorClass::Validation,
                "logs",
                "FilterLogEvents",
                "InvalidParameterException",
                "the simulated estate evaluates plain terms only (word \"phrase\" ?either -not)",
            ));
        }
        let wanted = |e: &LogEvent| {
            e.at >= since
                && source.groups.iter().any(|g| {
                    g.name == e.group
                        && g.stream_prefix
                            .as_deref()
                            .is_none_or(|p| e.stream.starts_with(p))
                })
                && matches(pattern, &e.message) == Some(true)
        };
        let mut events: Vec<LogEvent> = region.logs.iter().filter(|e| wanted(e)).cloned().collect();
        let truncated = events.len() > limit;
        if truncated {
            events.truncate(limit);
        }
        Ok(LogPage {
            events,
            truncated,
            delivery: crate::model::logs::Delivery::Polling,
        })
    }
}
