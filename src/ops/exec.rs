//! The executor: the only caller of [`EstateWriter`]. It refuses everything in read-only mode,
//! writes the intent to the audit log before the first call (and refuses if it cannot), runs the
//! plan's steps in order, stops at the first error, and writes the outcome.

use super::audit::{AuditLog, AuditOutcome, AuditPhase, AuditRecord, OperatorRecord};
use super::{Plan, Step, TaskDefRef};
use crate::identity::ConsoleId;
use crate::model::{Region, Timestamp};
use crate::source::{ServiceUpdate, SourceKind, Writes, lock};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Who acts, and against what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// `$USER`.
    pub user: String,
    pub caller_arn: String,
    pub profile: Option<String>,
    pub source: SourceKind,
}

impl Operator {
    /// The login name ([`crate::identity::login`]) with the source's caller.
    pub fn from_env(caller_arn: &str, profile: Option<String>, source: SourceKind) -> Self {
        Operator {
            user: crate::identity::login(),
            caller_arn: caller_arn.to_owned(),
            profile,
            source,
        }
    }
}

/// How an operation ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub ok: bool,
    /// The result line: what was done, or the error in full.
    pub message: String,
    /// Seconds from intent to outcome.
    pub duration: f64,
    /// Both audit lines, intent and outcome, were written.
    pub audited: bool,
    /// Refused because another console's team lease expired: its holder, whom the operator
    /// names to take it over.
    pub takeover: Option<String>,
}

/// Runs plans against a writer, auditing each.
pub struct Executor {
    writer: Arc<dyn Writes>,
    audit: AuditLog,
    read_only: bool,
    operator: std::sync::Mutex<Operator>,
    next_id: AtomicU64,
    /// This console, in every record it writes.
    console: ConsoleId,
    /// The demo estate operations run on, in every record (none on live AWS).
    estate: Option<String>,
    /// Outcome records that could not be written (a full disk): written before the next record,
    /// so an outcome is late rather than lost.
    unwritten: std::sync::Mutex<Vec<AuditRecord>>,
    /// The configured accounts: an operation on one marked `read_only` is refused unless it is
    /// unlocked (checked here too, whatever the screen decided).
    accounts: Vec<crate::config::AccountConfig>,
    /// Accounts unlocked by name, until when (the source's clock).
    unlocked: std::sync::Mutex<std::collections::HashMap<String, Timestamp>>,
    /// Team mode: the lease every operation takes before its first call.
    leases: Option<Arc<dyn crate::team::Leases>>,
    /// Team mode: the drill's state and lock in the team's table (else the file beside the
    /// audit log).
    drill_store: Option<Arc<dyn super::drill::DrillStore>>,
    /// Team mode: this console's presence in the team's table.
    presence: Option<Arc<crate::team::Presence>>,
    /// Team mode: the audit trail the local log is sent to.
    trail: Option<Arc<crate::team::Trail>>,
}

impl Executor {
    pub fn new(
        writer: Arc<dyn Writes>,
        audit: AuditLog,
        read_only: bool,
        operator: Operator,
    ) -> Self {
        Executor {
            writer,
            audit,
            read_only,
            operator: std::sync::Mutex::new(operator),
            next_id: AtomicU64::new(1),
            console: ConsoleId::new(),
            estate: None,
            unwritten: std::sync::Mutex::new(Vec::new()),
            accounts: Vec::new(),
            unlocked: std::sync::Mutex::default(),
            leases: None,
            drill_store: None,
            presence: None,
            trail: None,
        }
    }

    /// This executor for another source (`:profile`, `:region`): the same console, audit log,
    /// operator, read-only mode and accounts; no account unlocked.
    #[must_use]
    pub fn for_writer(&self, writer: Arc<dyn Writes>) -> Self {
        let operator = self.operator();
        let unwritten = std::mem::take(&mut *lock(&self.unwritten));
        Executor {
            writer,
            audit: self.audit.clone(),
            read_only: self.read_only,
            operator: std::sync::Mutex::new(operator),
            next_id: AtomicU64::new(self.next_id.load(Ordering::Relaxed)),
            console: self.console.clone(),
            estate: self.estate.clone(),
            unwritten: std::sync::Mutex::new(unwritten),
            accounts: self.accounts.clone(),
            unlocked: std::sync::Mutex::default(),
            leases: self.leases.clone(),
            drill_store: self.drill_store.clone(),
            presence: self.presence.clone(),
            trail: self.trail.clone(),
        }
    }

    /// Team mode: the audit trail the local log is sent to.
    #[must_use]
    pub fn with_trail(mut self, trail: Arc<crate::team::Trail>) -> Self {
        self.trail = Some(trail);
        self
    }

    /// The team's audit trail, in team mode.
    pub fn trail(&self) -> Option<&Arc<crate::team::Trail>> {
        self.trail.as_ref()
    }

    /// Team mode: this console's presence.
    #[must_use]
    pub fn with_presence(mut self, presence: Arc<crate::team::Presence>) -> Self {
        self.presence = Some(presence);
        self
    }

    /// This console's presence in team mode.
    pub fn presence(&self) -> Option<&Arc<crate::team::Presence>> {
        self.presence.as_ref()
    }

    /// Team mode: the drill's state and lock in `store`.
    #[must_use]
    pub fn with_drill_store(mut self, store: Arc<dyn super::drill::DrillStore>) -> Self {
        self.drill_store = Some(store);
        self
    }

    /// Where the drill's state and lock are: the team's store, or the file beside the audit
    /// log (none when there is no state directory).
    pub fn drill_store(&self) -> Result<Arc<dyn super::drill::DrillStore>, String> {
        if let Some(s) = &self.drill_store {
            return Ok(s.clone());
        }
        self.drill_path().map(|path| {
            Arc::new(super::drill::DrillFile { path }) as Arc<dyn super::drill::DrillStore>
        })
    }

    /// Team mode: every operation takes its lease from `leases` first, and does not run without.
    #[must_use]
    pub fn with_leases(mut self, leases: Arc<dyn crate::team::Leases>) -> Self {
        self.leases = Some(leases);
        self
    }

    /// The configured accounts, whose `read_only` this executor enforces.
    #[must_use]
    pub fn with_accounts(mut self, accounts: Vec<crate::config::AccountConfig>) -> Self {
        self.accounts = accounts;
        self
    }

    /// Why an operation on `account_id` (signed in with `profile`) is refused, if it is: its
    /// [[account]] is read-only and not unlocked now.
    fn account_refuses(&self, account_id: &str, profile: Option<&str>) -> Option<String> {
        let a = self
            .accounts
            .iter()
            .find(|a| a.id.as_deref() == Some(account_id))
            .or_else(|| {
                self.accounts
                    .iter()
                    .find(|a| a.profile.is_some() && a.profile.as_deref() == profile)
            })
            .filter(|a| a.read_only)?;
        let now = self.writer.clock();
        let unlocked = lock(&self.unlocked)
            .get(&a.name)
            .is_some_and(|until| *until > now);
        (!unlocked).then(|| format!("account {} is read_only and not unlocked", a.name))
    }

    /// Unlocks a read-only account until `until` (`None`: locks it again), after recording it in
    /// the audit log: an unlock that cannot be audited does not happen.
    ///
    /// # Errors
    /// The audit log cannot be written.
    pub fn unlock(
        &self,
        account: &str,
        scope: &super::Scope,
        until: Option<Timestamp>,
        secs: i64,
    ) -> Result<(), String> {
        let operator = self.operator();
        let id = self.new_id();
        let mut parameters = BTreeMap::new();
        if let Some(t) = until {
            parameters.insert("for".to_owned(), format!("{} min", secs / 60));
            parameters.insert("until".to_owned(), t.rfc3339());
        }
        let mut rec = AuditRecord {
            time: Timestamp::now().rfc3339(),
            id,
            phase: AuditPhase::Intent,
            operator: OperatorRecord {
                user: operator.user,
                caller_arn: operator.caller_arn,
            },
            profile: operator.profile,
            account: scope.account.clone(),
            region: scope.region.clone(),
            source: operator.source.as_str().to_owned(),
            operation: if until.is_some() { "unlock" } else { "lock" }.to_owned(),
            target: format!("account/{account}"),
            parameters,
            calls: Vec::new(),
            outcome: None,
            error: None,
            duration: None,
            console: Some(self.console.to_string()),
            estate: self.estate.clone(),
            source_time: self.estate.is_some().then(|| self.writer.clock().rfc3339()),
            steps: Vec::new(),
            found: None,
            applied: None,
        };
        let written = self.append(&rec).and_then(|()| {
            rec.phase = AuditPhase::Outcome;
            rec.outcome = Some(AuditOutcome::Ok);
            rec.duration = Some(0.0);
            self.append(&rec)
        });
        if let Err(e) = written {
            return Err(format!(
                "the audit log {} cannot be written: {e}",
                self.audit.path().display()
            ));
        }
        let mut unlocked = lock(&self.unlocked);
        match until {
            Some(t) => unlocked.insert(account.to_owned(), t),
            None => unlocked.remove(account),
        };
        Ok(())
    }

    /// The demo estate this executor's operations run on (each demo console simulates its own,
    /// so an operation of another console's estate is never read back here).
    #[must_use]
    pub fn for_estate(mut self, estate: Option<String>) -> Self {
        self.estate = estate;
        self
    }

    /// This console's identity, as its records carry it.
    pub fn console(&self) -> &ConsoleId {
        &self.console
    }

    /// The demo estate, if any.
    pub fn estate(&self) -> Option<&str> {
        self.estate.as_deref()
    }

    /// Appends a record, after any outcome a full disk kept back; an outcome that cannot be
    /// written now is kept for the next append.
    fn append(&self, rec: &AuditRecord) -> std::io::Result<()> {
        let mut unwritten = lock(&self.unwritten);
        let mut written = Ok(());
        while let Some(first) = unwritten.first() {
            written = self.audit.append(first);
            if written.is_err() {
                break;
            }
            unwritten.remove(0);
        }
        let written = written.and_then(|()| self.audit.append(rec));
        if written.is_err() && rec.phase == AuditPhase::Outcome {
            unwritten.push(rec.clone());
        }
        written
    }

    /// The caller, once live AWS has connected in the background.
    /// Who operates, as the next record will say.
    fn operator(&self) -> Operator {
        lock(&self.operator).clone()
    }

    pub fn set_caller(&self, caller_arn: &str, profile: Option<String>) {
        let mut op = lock(&self.operator);
        caller_arn.clone_into(&mut op.caller_arn);
        op.profile = profile;
    }

    pub fn audit_log(&self) -> &AuditLog {
        &self.audit
    }

    /// Where the failover drill's state is written: next to the audit log (none without a
    /// state directory, and then no drill starts).
    pub fn drill_path(&self) -> Result<std::path::PathBuf, String> {
        match self.audit.missing() {
            Some(why) => Err(why.to_owned()),
            None => Ok(self.audit.path().with_file_name("drill.json")),
        }
    }

    fn record(&self, id: &str, plan: &Plan, phase: AuditPhase) -> AuditRecord {
        let operator = self.operator();
        AuditRecord {
            time: Timestamp::now().rfc3339(),
            id: id.to_owned(),
            phase,
            operator: OperatorRecord {
                user: operator.user,
                caller_arn: operator.caller_arn,
            },
            profile: operator.profile,
            account: plan.account.clone(),
            region: plan.region.clone(),
            source: operator.source.as_str().to_owned(),
            operation: plan.kind.as_str().to_owned(),
            target: plan.target.to_string(),
            parameters: plan.params.iter().cloned().collect(),
            calls: plan.calls(),
            outcome: None,
            error: None,
            duration: None,
            console: Some(self.console.to_string()),
            estate: self.estate.clone(),
            source_time: self.estate.is_some().then(|| self.writer.clock().rfc3339()),
            steps: if phase == AuditPhase::Intent {
                plan.steps.clone()
            } else {
                Vec::new()
            },
            found: None,
            applied: None,
        }
    }

    /// Writes the outcome of an intent whose console ended before writing it: what reading the
    /// resource back found.
    pub fn record_reconciled(
        &self,
        intent: &AuditRecord,
        applied: Option<bool>,
        found: &str,
    ) -> std::io::Result<()> {
        let operator = self.operator();
        let rec = AuditRecord {
            time: Timestamp::now().rfc3339(),
            phase: AuditPhase::Outcome,
            operator: OperatorRecord {
                user: operator.user,
                caller_arn: operator.caller_arn,
            },
            outcome: Some(AuditOutcome::Reconciled),
            console: Some(self.console.to_string()),
            source_time: None,
            steps: Vec::new(),
            found: Some(found.to_owned()),
            applied,
            ..intent.clone()
        };
        self.append(&rec)
    }

    fn new_id(&self) -> String {
        format!(
            "{}-{}-{}",
            Timestamp::now().0,
            std::process::id(),
            self.next_id.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// Writes the outcome line; `extra` are parameters learnt while running (the revision a
    /// deploy registered).
    fn finish(
        &self,
        id: &str,
        plan: &Plan,
        started: Instant,
        outcome: AuditOutcome,
        error: Option<String>,
        extra: &[(String, String)],
    ) -> std::io::Result<f64> {
        let duration = started.elapsed().as_secs_f64();
        let mut rec = self.record(id, plan, AuditPhase::Outcome);
        rec.parameters.extend(extra.iter().cloned());
        rec.outcome = Some(outcome);
        rec.error = error;
        rec.duration = Some((duration * 1000.0).round() / 1000.0);
        self.append(&rec).map(|()| duration)
    }

    /// Records a plan that was not executed (`cancelled` by the operator, or `refused`): an
    /// intent and an outcome line, and no call.
    pub fn record_unexecuted(&self, plan: &Plan, outcome: AuditOutcome, reason: &str) -> Outcome {
        let id = self.new_id();
        let started = Instant::now();
        let written = self
            .append(&self.record(&id, plan, AuditPhase::Intent))
            .and_then(|()| self.finish(&id, plan, started, outcome, Some(reason.to_owned()), &[]));
        match written {
            Ok(_) => Outcome {
                ok: false,
                message: format!("{outcome}: {} ({reason})", plan.summary),
                duration: 0.0,
                audited: true,
                takeover: None,
            },
            Err(e) => Outcome {
                ok: false,
                message: format!(
                    "{outcome}: {} ({reason}); the audit log {} could not be written: {e}",
                    plan.summary,
                    self.audit.path().display()
                ),
                duration: 0.0,
                audited: false,
                takeover: None,
            },
        }
    }

    /// Executes a confirmed plan; `progress` hears each call as it starts.
    pub async fn execute(&self, plan: &Plan, progress: &mut (dyn FnMut(&str) + Send)) -> Outcome {
        self.execute_as(plan, progress, false).await
    }

    /// [`Self::execute`], taking over another console's expired team lease when `takeover`
    /// (the operator typed its holder's name).
    pub async fn execute_as(
        &self,
        plan: &Plan,
        progress: &mut (dyn FnMut(&str) + Send),
        takeover: bool,
    ) -> Outcome {
        if self.read_only {
            return self.record_unexecuted(plan, AuditOutcome::Refused, "read-only mode");
        }
        let profile = self.operator().profile;
        if let Some(why) = self.account_refuses(&plan.account, profile.as_deref()) {
            return self.record_unexecuted(plan, AuditOutcome::Refused, &why);
        }
        // Team mode: the lease on what it changes, or who holds it and nothing runs.
        let lease = match &self.leases {
            Some(l) => {
                let key = crate::team::lease_key(
                    &plan.account,
                    plan.region.as_str(),
                    &plan.target.to_string(),
                );
                if let Err(r) = l
                    .take(&key, &plan.summary, Timestamp::now(), takeover)
                    .await
                {
                    let mut o = self.record_unexecuted(plan, AuditOutcome::Refused, &r.to_string());
                    if let crate::team::Refusal::Expired(h) = r {
                        o.takeover = Some(h.holder.name().to_owned());
                    }
                    return o;
                }
                Some((l.clone(), key))
            }
            None => None,
        };
        let Some((l, key)) = lease else {
            return self.execute_leased(plan, progress).await;
        };
        // Renewed while the operation works (its calls take seconds; a stalled one may not).
        let renew = async {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(crate::team::RENEW_SECS)).await;
                let _ = l.take(&key, &plan.summary, Timestamp::now(), false).await;
            }
        };
        let outcome = tokio::select! {
            o = self.execute_leased(plan, progress) => o,
            () = renew => unreachable!("the renewal never ends"),
        };
        l.release(&key).await;
        outcome
    }

    /// [`Self::execute`] once the operation may run.
    async fn execute_leased(
        &self,
        plan: &Plan,
        progress: &mut (dyn FnMut(&str) + Send),
    ) -> Outcome {
        let id = self.new_id();
        let started = Instant::now();
        if let Err(e) = self.append(&self.record(&id, plan, AuditPhase::Intent)) {
            return Outcome {
                ok: false,
                message: format!(
                    "NOT RUN: {}: the audit log {} cannot be written: {e}",
                    plan.summary,
                    self.audit.path().display()
                ),
                duration: 0.0,
                audited: false,
                takeover: None,
            };
        }
        let mut registered: Option<String> = None;
        let mut done: Vec<String> = Vec::new();
        let mut extra: Vec<(String, String)> = Vec::new();
        let mut error = None;
        for step in &plan.steps {
            if let Some(call) = step.calls().last() {
                progress(call.split(' ').next().unwrap_or(call));
            }
            match self
                .run_step(&plan.region, step, registered.as_deref())
                .await
            {
                Ok(Some(Made::Revision(new))) => {
                    done.push(format!("registered {new}"));
                    extra.push(("registered".to_owned(), new.clone()));
                    registered = Some(new);
                }
                Ok(Some(Made::ZonalShift(id))) => {
                    done.push(format!("zonal shift {id}"));
                    extra.push(("zonal_shift_id".to_owned(), id));
                }
                Ok(Some(Made::Execution(id))) => {
                    done.push(format!("execution {id}"));
                    extra.push(("execution_id".to_owned(), id));
                }
                Ok(None) => {}
                Err(e) => {
                    error = Some(e.to_string());
                    break;
                }
            }
        }
        let (ok, outcome) = if error.is_none() {
            (true, AuditOutcome::Ok)
        } else {
            (false, AuditOutcome::Failed)
        };
        let written = self.finish(&id, plan, started, outcome, error.clone(), &extra);
        let duration = started.elapsed().as_secs_f64();
        // The outcome word first: a narrow status line cuts the end, never the verdict.
        let mut message = match &error {
            None if done.is_empty() => format!("done: {}", plan.summary),
            None => format!("done: {} ({})", plan.summary, done.join(", ")),
            Some(e) => format!("FAILED: {}: {e}", plan.summary),
        };
        if let Err(e) = &written {
            let _ = write!(
                message,
                "; the outcome could not be written to {}: {e}",
                self.audit.path().display()
            );
        }
        Outcome {
            ok,
            message,
            duration,
            audited: written.is_ok(),
            takeover: None,
        }
    }

    /// One step; returns what it created (a revision, a zonal shift).
    async fn run_step(
        &self,
        region: &Region,
        step: &Step,
        registered: Option<&str>,
    ) -> Result<Option<Made>, crate::source::SourceError> {
        let w = self.writer.writer().await?;
        match step {
            Step::SetDesiredCapacity { asg, desired } => {
                w.set_desired_capacity(region, asg, *desired).await?;
            }
            Step::RegisterWithImage {
                task_definition,
                container,
                image,
            } => {
                return w
                    .register_task_definition_with_image(region, task_definition, container, image)
                    .await
                    .map(|r| Some(Made::Revision(r)));
            }
            Step::UpdateService {
                cluster,
                service,
                desired,
                task_definition,
                force_new_deployment,
            } => {
                let task_definition = match task_definition {
                    Some(TaskDefRef::Named(t)) => Some(t.clone()),
                    Some(TaskDefRef::Registered) => registered.map(str::to_owned),
                    None => None,
                };
                w.update_service(
                    region,
                    ServiceUpdate {
                        cluster: cluster.clone(),
                        service: service.clone(),
                        desired: *desired,
                        task_definition,
                        force_new_deployment: *force_new_deployment,
                    },
                )
                .await?;
            }
            Step::StartAssociationsOnce { ids } => {
                w.start_associations_once(region, ids).await?;
            }
            Step::SetAlarmState {
                alarm,
                state,
                reason,
            } => {
                w.set_alarm_state(region, alarm, *state, reason).await?;
            }
            Step::StartZonalShift {
                resource,
                away_from,
                expires_in,
                comment,
            } => {
                let id = w
                    .start_zonal_shift(
                        region,
                        &crate::source::ZonalShiftStart {
                            resource: resource.clone(),
                            away_from: away_from.clone(),
                            expires_in: expires_in.clone(),
                            comment: comment.clone(),
                        },
                    )
                    .await?;
                return Ok(Some(Made::ZonalShift(id)));
            }
            Step::UpdateZonalShift {
                id,
                expires_in,
                comment,
            } => {
                w.update_zonal_shift(region, id, expires_in, comment)
                    .await?;
            }
            Step::CancelZonalShift { id } => {
                w.cancel_zonal_shift(region, id).await?;
            }
            Step::StartPlanExecution(start) => {
                let id = w.start_plan_execution(region, start).await?;
                return Ok(Some(Made::Execution(id)));
            }
            Step::ChangePlanExecution(change) => {
                w.change_plan_execution(region, change).await?;
            }
        }
        Ok(None)
    }
}

/// What a step created, for the outcome record.
enum Made {
    /// A task definition revision (`family:revision`).
    Revision(String),
    /// A zonal shift's id.
    ZonalShift(String),
    /// A Region switch plan execution's id.
    Execution(String),
}
