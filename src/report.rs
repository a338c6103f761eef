//! `opsdash snapshot` (text) and `opsdash check`: one poll, printed for people or monitors.

use crate::model::{AlarmState, Snapshot, TargetState};
use std::fmt::Write;

/// Nagios-style check result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CheckStatus {
    Ok = 0,
    Warn = 1,
    Crit = 2,
    Unknown = 3,
}

impl CheckStatus {
    pub fn word(self) -> &'static str {
        match self {
            CheckStatus::Ok => "OK",
            CheckStatus::Warn => "WARNING",
            CheckStatus::Crit => "CRITICAL",
            CheckStatus::Unknown => "UNKNOWN",
        }
    }
}

/// Whether a snapshot holds no data at all: every read of every region failed.
pub fn nothing_read(s: &Snapshot) -> bool {
    s.regions.is_empty() || s.errors.len() >= s.regions.len() * 4
}

/// `snapshot`'s exit code: 0 complete, 1 partial (some reads failed), 3 nothing read.
pub fn snapshot_exit(s: &Snapshot) -> u8 {
    if nothing_read(s) {
        3
    } else {
        u8::from(!s.errors.is_empty())
    }
}

/// The check's verdict and its one summary line.
pub fn check(s: &Snapshot) -> (CheckStatus, String) {
    let (status, line) = check_line(s);
    (status, crate::state::printable(&line).into_owned())
}

fn check_line(s: &Snapshot) -> (CheckStatus, String) {
    if nothing_read(s) {
        let why = s.errors.first().map_or_else(
            || "no region answered".to_owned(),
            |e| format!("{} {}:{}", e.code, e.service, e.operation),
        );
        return (
            CheckStatus::Unknown,
            format!("OPSDASH UNKNOWN - no data: {why}"),
        );
    }
    let mut crit: Vec<String> = Vec::new();
    let mut warn: Vec<String> = Vec::new();
    let (mut healthy, mut total, mut firing) = (0usize, 0usize, 0usize);
    for a in &s.apps {
        let Some(p) = &a.region_switch_plan else {
            continue;
        };
        if let Some(e) = p.last_execution.as_ref().filter(|e| e.live()) {
            warn.push(format!(
                "Region switch {} {}: {}",
                p.name,
                e.what(),
                e.state
            ));
        }
    }
    for r in &s.regions {
        for a in &r.alarms {
            match a.state {
                AlarmState::Alarm => {
                    firing += 1;
                    crit.push(format!("{} ALARM ({})", a.name, r.region));
                }
                AlarmState::InsufficientData => warn.push(format!("{} INSUFFICIENT_DATA", a.name)),
                AlarmState::Ok => {}
            }
        }
        for lb in &r.load_balancers {
            for z in lb.zonal_shifts.iter().filter(|z| z.applied()) {
                warn.push(format!(
                    "{} {} away from {} ({})",
                    lb.name,
                    z.kind.label(),
                    z.away_from,
                    r.region
                ));
            }
        }
        for g in r.load_balancers.iter().flat_map(|l| &l.target_groups) {
            healthy += g.healthy;
            total += g.total;
            if g.total > 0 && g.healthy == 0 {
                crit.push(format!("{} has no healthy target ({})", g.name, r.region));
            } else if g.targets.iter().any(|t| t.state != TargetState::Healthy) {
                warn.push(format!("{} {}/{} healthy", g.name, g.healthy, g.total));
            }
        }
        for a in &r.auto_scaling_groups {
            if a.in_service < a.desired {
                warn.push(format!(
                    "{} {}/{} in service",
                    a.name, a.in_service, a.desired
                ));
            }
        }
        for svc in &r.ecs_services {
            if svc.running < svc.desired {
                warn.push(format!(
                    "{} {}/{} running",
                    svc.name, svc.running, svc.desired
                ));
            }
            if svc
                .deployments
                .iter()
                .any(|d| d.rollout_state != crate::model::RolloutState::Completed)
            {
                warn.push(format!("{} deployment in progress", svc.name));
            }
        }
        for a in &r.associations {
            if a.status == crate::model::ExecStatus::Failed {
                warn.push(format!("{} last run failed", a.name));
            }
        }
    }
    // What could not be read comes first and is never cut: a count over part of the estate
    // must not pass for the whole.
    let mut missing: Vec<String> = Vec::new();
    for e in &s.errors {
        let part = e.part.unwrap_or("data");
        let line = format!(
            "{} {part} not read ({} {}:{})",
            e.region, e.code, e.service, e.operation
        );
        if !missing.contains(&line) {
            missing.push(line);
        }
    }
    let status = if !crit.is_empty() {
        CheckStatus::Crit
    } else if !missing.is_empty() {
        CheckStatus::Unknown
    } else if !warn.is_empty() {
        CheckStatus::Warn
    } else {
        CheckStatus::Ok
    };
    let incomplete = if missing.is_empty() {
        String::new()
    } else {
        format!("INCOMPLETE: {}; ", missing.join("; "))
    };
    let counted = if missing.is_empty() {
        "targets"
    } else {
        "targets read"
    };
    let mut problems = crit;
    problems.extend(warn);
    let what = if problems.is_empty() {
        format!(
            "{incomplete}{} regions, {counted} {healthy}/{total} healthy, no alarm firing",
            s.regions.len()
        )
    } else {
        let shown: Vec<&str> = problems.iter().take(5).map(String::as_str).collect();
        let more = problems.len().saturating_sub(5);
        let tail = if more > 0 {
            format!(" (+{more} more)")
        } else {
            String::new()
        };
        format!(
            "{incomplete}{}{tail}; {counted} {healthy}/{total} healthy",
            shown.join("; ")
        )
    };
    (
        status,
        format!(
            "OPSDASH {} - {what} | alarms_firing={firing} targets_healthy={healthy} targets_total={total} errors={} incomplete={}",
            status.word(),
            s.errors.len(),
            missing.len()
        ),
    )
}

/// A readable text rendering of a snapshot.
pub fn snapshot_text(s: &Snapshot) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "opsdash snapshot ({}) taken {}", s.source, s.taken_at);
    let creds = s
        .credentials
        .as_deref()
        .map(|c| format!(", credentials from {c}"))
        .unwrap_or_default();
    if s.caller_arn.is_empty() {
        let _ = writeln!(
            o,
            "account not known: not connected (the errors below say why)"
        );
    } else {
        let _ = writeln!(o, "account {} as {}{creds}", s.account, s.caller_arn);
    }
    for r in &s.regions {
        let role = match r.role {
            crate::model::RegionRole::Primary => "primary",
            crate::model::RegionRole::Dr => "DR",
        };
        let _ = writeln!(o, "\n== {} ({role})", r.region);
        let _ = writeln!(o, "Targets");
        for lb in &r.load_balancers {
            let _ = writeln!(
                o,
                "  {} ({} {}) {}",
                lb.name, lb.lb_type, lb.scheme, lb.state
            );
            for g in &lb.target_groups {
                let _ = writeln!(
                    o,
                    "    {} {}:{} {}",
                    g.name,
                    g.protocol,
                    g.port,
                    g.health_text()
                );
                for t in &g.targets {
                    let _ = writeln!(
                        o,
                        "      {:<20} {:<5} {:<11} {}{}",
                        t.id,
                        t.port,
                        t.az,
                        t.state.as_str(),
                        t.reason
                            .as_deref()
                            .map(|x| format!(" {x}"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        let _ = writeln!(o, "Capacity");
        for a in &r.auto_scaling_groups {
            let _ = writeln!(
                o,
                "  ASG {} min {} desired {} max {}: in service {}, pending {}, terminating {}",
                a.name, a.min, a.desired, a.max, a.in_service, a.pending, a.terminating
            );
        }
        for svc in &r.ecs_services {
            let _ = writeln!(
                o,
                "  ECS {}/{} desired {} running {} pending {} ({})",
                svc.cluster, svc.name, svc.desired, svc.running, svc.pending, svc.task_definition
            );
            for d in &svc.deployments {
                let _ = writeln!(
                    o,
                    "    {} {} {} running {}/{} failed {}",
                    d.status, d.task_definition, d.rollout_state, d.running, d.desired, d.failed
                );
            }
        }
        let _ = writeln!(o, "Runs");
        for a in &r.associations {
            let last = a.last_execution.as_ref().map_or_else(
                || "never run".to_owned(),
                |e| {
                    format!(
                        "{} at {}: {} ok, {} failed, {} pending",
                        e.status, e.created_at, e.success, e.failed, e.pending
                    )
                },
            );
            let _ = writeln!(o, "  {} ({}) {}: {last}", a.name, a.document, a.status);
        }
        let _ = writeln!(o, "Alarms");
        for a in &r.alarms {
            let _ = writeln!(
                o,
                "  {:<17} {} since {}: {}",
                a.state.as_str(),
                a.name,
                a.updated_at,
                a.reason
            );
        }
    }
    for a in &s.apps {
        match &a.region_switch_plan {
            None => {
                let _ = writeln!(o, "app {}: no ARC Region switch plan", a.app);
            }
            Some(p) => {
                let _ = writeln!(
                    o,
                    "app {}: Region switch plan {} ({}), active {}, evaluation {}{}",
                    a.app,
                    p.name,
                    p.regions.join(" / "),
                    p.active_region.as_deref().unwrap_or("?"),
                    p.evaluation.as_deref().unwrap_or("?"),
                    if p.warnings.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", p.warnings.join("; "))
                    }
                );
                if let Some(e) = &p.last_execution {
                    let _ = writeln!(
                        o,
                        "  last execution {} {}: {} since {}{}",
                        e.id,
                        e.what(),
                        e.state,
                        e.started,
                        e.recovery_time
                            .as_deref()
                            .map(|r| format!(", recovery time {r}"))
                            .unwrap_or_default()
                    );
                }
            }
        }
    }
    // Text from AWS goes to a terminal: no escape sequence in it may act.
    crate::state::printable_lines(&o)
}

/// The errors of a snapshot, for stderr: one line per distinct error (a connection failure
/// fails every read the same way), with its fix.
pub fn snapshot_errors(s: &Snapshot) -> String {
    let mut o = String::new();
    let mut seen: Vec<(&str, &str, &str)> = Vec::new();
    for e in &s.errors {
        let key = (e.region.as_str(), e.code.as_str(), e.message.as_str());
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let _ = write!(
            o,
            "error: {} {} {}:{}: {}",
            e.region, e.code, e.service, e.operation, e.message
        );
        match &e.hint {
            Some(h) => {
                let _ = writeln!(o, " - {h}");
            }
            None => o.push('\n'),
        }
    }
    // Text from AWS goes to a terminal: no escape sequence in it may act.
    crate::state::printable_lines(&o)
}
