//! Reading back what an interrupted operation did. An intent with no outcome line is an
//! operation whose console ended during its calls (killed, its SSH session gone past the grace
//! period, the disk full when the outcome was due): the calls may or may not have taken effect.
//! At the next start, once the source says whose account this is, every such intent of this
//! estate whose console has ended is read back from the resource it changed (desired capacity,
//! the service's revision and deployments, the association's executions, the alarm's state),
//! and what was found is written as its outcome (`reconciled`) and told to the operator.

use super::audit::{AuditPhase, AuditRecord};
use super::{Step, TaskDefRef};
use crate::identity::ConsoleId;
use crate::model::{Alarm, AlarmState, Association, Capacity, EcsService, LoadBalancer, Timestamp};
use crate::source::{EstateReader, Source, SourceInfo, SourceKind};
use std::collections::HashSet;

/// How far before its intent a change may be dated and still be the operation's (clocks of
/// this machine and AWS differ a little).
const SKEW_SECS: f64 = 5.0;

/// The intents of the estate `info` describes that have no outcome and whose console has ended
/// (`me` tells: a console of this machine whose process is gone, or an earlier console of this
/// process). Intents of a console on another machine, or still at work, are left alone.
pub fn interrupted(
    records: &[Result<AuditRecord, String>],
    me: &ConsoleId,
    info: &SourceInfo,
    estate: Option<&str>,
) -> Vec<AuditRecord> {
    let ended: HashSet<&str> = records
        .iter()
        .flatten()
        .filter(|r| r.phase == AuditPhase::Outcome)
        .map(|r| r.id.as_str())
        .collect();
    let regions: HashSet<&str> = info.regions.iter().map(|r| r.name.as_str()).collect();
    records
        .iter()
        .flatten()
        .filter(|r| r.phase == AuditPhase::Intent && !ended.contains(r.id.as_str()))
        // An intent that makes no call (an `:unlock`) has nothing to read back.
        .filter(|r| !r.calls.is_empty())
        .filter(|r| {
            r.source == info.kind.as_str()
                && r.account == info.account
                && r.estate.as_deref() == estate
                && regions.contains(r.region.as_str())
        })
        .filter(|r| console_of(r).is_some_and(|c| me.gone(&c) == Some(true)))
        .cloned()
        .collect()
}

/// The console that wrote a record: its `console` field, or for records written before there
/// was one, this machine and the process id inside the record's id (`ms-pid-n`).
fn console_of(r: &AuditRecord) -> Option<ConsoleId> {
    if let Some(c) = &r.console {
        return ConsoleId::parse(c);
    }
    let pid = r.id.split('-').nth(1)?.parse().ok()?;
    Some(ConsoleId {
        host: crate::identity::host().to_owned(),
        pid,
        n: 0,
    })
}

/// What reading an interrupted operation's resources back found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Whether its calls took effect; `None` when it cannot be told (changed again since, not
    /// readable, a record without its steps).
    pub applied: Option<bool>,
    /// What was read, in words.
    pub found: String,
}

/// What one step's resource shows now: took effect, did not, or cannot be told, in words.
type StepFinding = (Option<bool>, String);

/// Reads back the resources an interrupted intent's steps changed.
pub async fn read_back(source: &dyn EstateReader, intent: &AuditRecord) -> Finding {
    if intent.steps.is_empty() {
        return Finding {
            applied: None,
            found: "the record does not name its calls (written by an older opsdash)".into(),
        };
    }
    let since = intent
        .source_time
        .as_deref()
        .or(Some(intent.time.as_str()))
        .and_then(Timestamp::parse_rfc3339)
        .map_or(Timestamp(0), |t| t.plus_secs(-SKEW_SECS));
    let region = &intent.region;
    let param = |k: &str| intent.parameters.get(k).map(String::as_str);
    let mut findings: Vec<StepFinding> = Vec::new();
    let mut capacity: Option<Result<Capacity, String>> = None;
    for step in &intent.steps {
        let needs_capacity = matches!(
            step,
            Step::SetDesiredCapacity { .. } | Step::UpdateService { .. }
        );
        if needs_capacity && capacity.is_none() {
            capacity = Some(
                source
                    .capacity(region)
                    .await
                    .result
                    .map_err(|e| e.to_string()),
            );
        }
        let cap = capacity.as_ref();
        let from = param("from");
        let f = match step {
            Step::SetDesiredCapacity { asg, desired } => match cap {
                Some(Ok(c)) => match c.auto_scaling_groups.iter().find(|g| &g.name == asg) {
                    Some(g) => count(
                        &format!("{asg} desired capacity"),
                        g.desired,
                        *desired,
                        from,
                    ),
                    None => (None, format!("{asg} was not found")),
                },
                Some(Err(e)) => (None, format!("{asg} could not be read: {e}")),
                None => (None, String::new()),
            },
            Step::UpdateService {
                cluster, service, ..
            } => match cap {
                Some(Ok(c)) => match c
                    .ecs_services
                    .iter()
                    .find(|s| &s.cluster == cluster && &s.name == service)
                {
                    Some(s) => service_finding(step, s, since, from, param("task_definition")),
                    None => (None, format!("{cluster}/{service} was not found")),
                },
                Some(Err(e)) => (None, format!("{service} could not be read: {e}")),
                None => (None, String::new()),
            },
            Step::StartAssociationsOnce { ids } => match source.runs(region).await.result {
                Ok(runs) => runs_finding(&runs, ids, since),
                Err(e) => (None, format!("the associations could not be read: {e}")),
            },
            Step::SetAlarmState { alarm, state, .. } => match source.alarms(region).await.result {
                Ok(alarms) => alarm_finding(&alarms, alarm, *state, since),
                Err(e) => (None, format!("the alarms could not be read: {e}")),
            },
            Step::StartZonalShift { .. }
            | Step::UpdateZonalShift { .. }
            | Step::CancelZonalShift { .. } => match source.targets(region).await.result {
                Ok(lbs) => shift_finding(step, &lbs, since),
                Err(e) => (None, format!("the load balancers could not be read: {e}")),
            },
            Step::StartPlanExecution(crate::source::PlanExecutionStart { plan, .. })
            | Step::ChangePlanExecution(crate::source::PlanExecutionChange { plan, .. }) => {
                let query = crate::model::region_switch::PlanQuery {
                    app: param("app").unwrap_or_default().to_owned(),
                    region: region.clone(),
                    other: region.clone(),
                    arn: Some(plan.clone()),
                };
                match source.region_switch(&query).await.result {
                    Ok(Some(rs)) => plan_finding(step, &rs, since),
                    Ok(None) => (None, format!("plan {plan} was not found")),
                    Err(e) => (None, format!("the plan could not be read: {e}")),
                }
            }
            // Its effect shows in the UpdateService that follows it.
            Step::RegisterWithImage { .. } => continue,
        };
        findings.push(f);
    }
    let (applied, found) = combine(findings);
    Finding { applied, found }
}

/// What an ECS service shows of an `UpdateService` step: its desired count, the task definition
/// it runs or a deployment started since the call.
fn service_finding(
    step: &Step,
    s: &EcsService,
    since: Timestamp,
    from: Option<&str>,
    registered_before: Option<&str>,
) -> StepFinding {
    let Step::UpdateService {
        service,
        desired,
        task_definition,
        force_new_deployment,
        ..
    } = step
    else {
        return (None, String::new());
    };
    let mut parts: Vec<StepFinding> = Vec::new();
    if let Some(d) = desired {
        parts.push(count(
            &format!("{service} desired count"),
            s.desired,
            *d,
            from,
        ));
    }
    let newest = s
        .deployments
        .iter()
        .filter(|d| d.created_at >= since)
        .max_by_key(|d| d.created_at);
    match task_definition {
        Some(TaskDefRef::Named(t)) => parts.push(if &s.task_definition == t {
            (Some(true), format!("{service} runs {t}"))
        } else if Some(s.task_definition.as_str()) == from {
            (
                Some(false),
                format!("{service} still runs {}", s.task_definition),
            )
        } else {
            (
                None,
                format!(
                    "{service} runs {} (asked {t}): changed since",
                    s.task_definition
                ),
            )
        }),
        Some(TaskDefRef::Registered) => parts.push(match newest {
            Some(d) if Some(d.task_definition.as_str()) != registered_before => (
                Some(true),
                format!(
                    "{service} has a deployment of {} started {}",
                    d.task_definition,
                    d.created_at.hms()
                ),
            ),
            _ => (
                Some(false),
                format!(
                    "{service} has no deployment of a new revision since; it runs {}",
                    s.task_definition
                ),
            ),
        }),
        None if *force_new_deployment => parts.push(match newest {
            Some(d) => (
                Some(true),
                format!(
                    "{service} has a new deployment of {} started {}",
                    d.task_definition,
                    d.created_at.hms()
                ),
            ),
            None => (
                Some(false),
                format!("{service} has no new deployment since"),
            ),
        }),
        None => {}
    }
    combine(parts)
}

/// Whether each association of a `StartAssociationsOnce` has a run started since the call.
fn runs_finding(runs: &[Association], ids: &[String], since: Timestamp) -> StepFinding {
    combine(
        ids.iter()
            .map(|id| {
                let Some(a) = runs.iter().find(|a| &a.id == id) else {
                    return (None, format!("association {id} was not found"));
                };
                match &a.last_execution {
                    Some(x) if x.created_at >= since => (
                        Some(true),
                        format!(
                            "{} has a run {} started {}: {}",
                            a.name,
                            x.id,
                            x.created_at.hms(),
                            x.status.as_str()
                        ),
                    ),
                    _ => (Some(false), format!("{} has no run since", a.name)),
                }
            })
            .collect(),
    )
}

/// Whether an alarm is in the state a `SetAlarmState` set, set since the call.
fn alarm_finding(
    alarms: &[Alarm],
    alarm: &str,
    state: AlarmState,
    since: Timestamp,
) -> StepFinding {
    match alarms.iter().find(|a| a.name == alarm) {
        Some(a) if a.updated_at < since => (
            Some(false),
            format!(
                "{alarm} is {} since {}, before the call",
                a.state.as_str(),
                a.updated_at.hms()
            ),
        ),
        Some(a) if a.state == state => (
            Some(true),
            format!(
                "{alarm} is {} since {}",
                a.state.as_str(),
                a.updated_at.hms()
            ),
        ),
        Some(a) => (
            None,
            format!(
                "{alarm} is {} since {} (set to {}, or evaluated since)",
                a.state.as_str(),
                a.updated_at.hms(),
                state.as_str()
            ),
        ),
        None => (None, format!("{alarm} was not found")),
    }
}

/// What the load balancers show of a zonal-shift step: a shift started since the call, or the
/// shift updated or cancelled.
fn shift_finding(step: &Step, lbs: &[LoadBalancer], since: Timestamp) -> StepFinding {
    match step {
        Step::StartZonalShift {
            resource,
            away_from,
            ..
        } => match lbs.iter().find(|l| &l.arn == resource) {
            Some(lb) => match lb.zonal_shifts.iter().find(|z| {
                z.kind == crate::model::zonal::ShiftKind::ZonalShift
                    && &z.away_from == away_from
                    && z.started >= since
            }) {
                Some(z) => (
                    Some(true),
                    format!(
                        "{} has zonal shift {} away from {away_from} since {}",
                        lb.name,
                        z.id,
                        z.started.hms()
                    ),
                ),
                None => (
                    Some(false),
                    format!("{} has no zonal shift away from {away_from} since", lb.name),
                ),
            },
            None => (None, format!("{resource} was not found")),
        },
        Step::UpdateZonalShift { id, .. } | Step::CancelZonalShift { id } => {
            let cancel = matches!(step, Step::CancelZonalShift { .. });
            let active = lbs
                .iter()
                .flat_map(|l| l.zonal_shifts.iter().map(move |z| (l, z)))
                .find(|(_, z)| &z.id == id);
            match (active, cancel) {
                (None, true) => (Some(true), format!("zonal shift {id} is not active")),
                (Some((l, _)), true) => (
                    Some(false),
                    format!("zonal shift {id} of {} is still active", l.name),
                ),
                (Some((l, z)), false) => (
                    None,
                    format!(
                        "zonal shift {id} of {} is active, until {}",
                        l.name,
                        z.expires.map_or_else(|| "-".to_owned(), Timestamp::hms)
                    ),
                ),
                (None, false) => (Some(false), format!("zonal shift {id} is no longer active")),
            }
        }
        _ => (None, String::new()),
    }
}

/// What a plan's executions show of a Region switch step: an execution started since the call,
/// or the execution changed as asked.
fn plan_finding(
    step: &Step,
    rs: &crate::model::region_switch::RegionSwitch,
    since: Timestamp,
) -> StepFinding {
    use crate::source::ExecutionChange;
    match step {
        Step::StartPlanExecution(crate::source::PlanExecutionStart {
            target_region,
            action,
            ..
        }) => match rs
            .executions
            .iter()
            .find(|e| e.action == *action && &e.region == target_region && e.started >= since)
        {
            Some(e) => (
                Some(true),
                format!(
                    "execution {} ({}) started at {}, {}",
                    e.id,
                    e.what(),
                    e.started.hms(),
                    e.state
                ),
            ),
            None => (
                Some(false),
                format!(
                    "{} has no execution to {} {target_region} since",
                    rs.plan.name,
                    action.as_str()
                ),
            ),
        },
        Step::ChangePlanExecution(crate::source::PlanExecutionChange {
            execution, change, ..
        }) => {
            let Some(e) = rs.executions.iter().find(|e| &e.id == execution) else {
                return (None, format!("execution {execution} was not found"));
            };
            let done = match change {
                ExecutionChange::Approve { step, .. } => !e
                    .steps
                    .iter()
                    .any(|s| &s.name == step && s.status == "pendingApproval"),
                ExecutionChange::Update { action } => match action.as_str() {
                    "pause" => e.paused(),
                    "resume" => !e.paused(),
                    "switchToUngraceful" => {
                        e.mode == crate::model::region_switch::RsMode::Ungraceful
                    }
                    _ => e.mode == crate::model::region_switch::RsMode::Graceful,
                },
                ExecutionChange::Cancel => e.state == "canceled" || !e.live(),
            };
            (
                Some(done),
                format!("execution {execution} ({}) is {}", e.what(), e.state),
            )
        }
        _ => (None, String::new()),
    }
}

/// A count read back against the one asked for and the one before the call.
fn count(what: &str, now: u32, asked: u32, before: Option<&str>) -> StepFinding {
    if now == asked {
        (Some(true), format!("{what} is {now}, as asked"))
    } else if before.and_then(|b| b.parse::<u32>().ok()) == Some(now) {
        (
            Some(false),
            format!("{what} is {now}, as before the call (asked {asked})"),
        )
    } else {
        (
            None,
            format!("{what} is {now} (asked {asked}): changed again since"),
        )
    }
}

/// Several findings as one: took effect when all did, did not when none did.
fn combine(parts: Vec<StepFinding>) -> StepFinding {
    let applied = if parts.iter().all(|p| p.0 == Some(true)) {
        Some(true)
    } else if parts.iter().all(|p| p.0 == Some(false)) {
        Some(false)
    } else {
        None
    };
    let text: Vec<String> = parts
        .into_iter()
        .map(|p| p.1)
        .filter(|t| !t.is_empty())
        .collect();
    (applied, text.join("; "))
}

/// An interrupted operation read back: its record and what was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconciled {
    pub intent: AuditRecord,
    pub finding: Finding,
    /// Whether the outcome line was written (else why not).
    pub written: Result<(), String>,
}

impl Reconciled {
    /// One line for the operator.
    pub fn line(&self) -> String {
        let what = format!(
            "{} {} (interrupted {})",
            self.intent.operation,
            self.intent.target,
            self.intent
                .time
                .replace('T', " ")
                .trim_end_matches('Z')
                .to_owned()
        );
        let verdict = match self.finding.applied {
            Some(true) => "took effect",
            Some(false) => "did not take effect",
            None => "cannot tell whether it took effect",
        };
        match &self.written {
            Ok(()) => format!("{what}: {verdict}: {}", self.finding.found),
            Err(e) => format!(
                "{what}: {verdict}: {}; not recorded: {e}",
                self.finding.found
            ),
        }
    }
}

/// Reads back every interrupted intent of this estate and records what was found, through the
/// executor (its audit log, this console's identity).
pub async fn run(source: &dyn Source, executor: &super::Executor) -> Vec<Reconciled> {
    let info = source.info();
    let Ok(estate) = source.estate().await else {
        return Vec::new();
    };
    if info.kind == SourceKind::Demo && executor.estate().is_none() {
        return Vec::new();
    }
    let Ok(records) = executor.audit_log().read() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for intent in interrupted(&records, executor.console(), &info, executor.estate()) {
        let finding = read_back(estate, &intent).await;
        let written = executor
            .record_reconciled(&intent, finding.applied, &finding.found)
            .map_err(|e| e.to_string());
        out.push(Reconciled {
            intent,
            finding,
            written,
        });
    }
    out
}
