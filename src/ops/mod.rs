//! Operations: every mutation goes key -> plan -> confirmation -> execution -> audit record.
//!
//! A [`Plan`] is the list of exact API calls ([`Step`]s) that the confirmation shows and the
//! [`Executor`] runs, nothing else. Planning validates the operator's input (a scale value within
//! min..max, a well-formed image) before anything is shown, so a refused input makes no call.

pub mod audit;
pub mod drill;
mod exec;
pub mod reconcile;
pub mod region_switch;
pub mod zonal;

pub use exec::{Executor, Operator, Outcome};

use crate::model::{AlarmState, Region};
use std::fmt::Write as _;

/// ECS's limit on tasks per service: the upper bound of a service's scale prompt (ECS services
/// have no min/max of their own).
pub const ECS_MAX_TASKS: u32 = 5000;

/// The kinds of operation, as written in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Scale,
    Deploy,
    Rollback,
    RunNow,
    /// A step of a failover drill, or of its failback.
    Drill,
    /// Starting, extending or cancelling an ARC zonal shift.
    ZonalShift,
    /// Starting or changing an ARC Region switch plan execution.
    RegionSwitch,
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Scale => "scale",
            OpKind::Deploy => "deploy",
            OpKind::Rollback => "rollback",
            OpKind::RunNow => "run_now",
            OpKind::Drill => "failover_drill",
            OpKind::ZonalShift => "zonal_shift",
            OpKind::RegionSwitch => "region_switch",
        }
    }
}

/// What an operation changes, as the audit log names it (`asg/web-asg`, `ecs/cluster/service`,
/// `association/name`, `loadbalancer/name`, `app/name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Asg(String),
    Service {
        cluster: String,
        service: String,
    },
    Association(String),
    LoadBalancer(String),
    App(String),
    /// An ARC Region switch plan, by name.
    Plan(String),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Asg(n) => write!(f, "asg/{n}"),
            Target::Service { cluster, service } => write!(f, "ecs/{cluster}/{service}"),
            Target::Association(n) => write!(f, "association/{n}"),
            Target::LoadBalancer(n) => write!(f, "loadbalancer/{n}"),
            Target::App(n) => write!(f, "app/{n}"),
            Target::Plan(n) => write!(f, "regionswitchplan/{n}"),
        }
    }
}

impl From<&ScaleTarget> for Target {
    fn from(t: &ScaleTarget) -> Self {
        match t {
            ScaleTarget::Asg(n) => Target::Asg(n.clone()),
            ScaleTarget::Service { cluster, service } => Target::Service {
                cluster: cluster.clone(),
                service: service.clone(),
            },
        }
    }
}

/// Which task definition an `UpdateService` rolls out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskDefRef {
    /// A known `family:revision`.
    Named(String),
    /// The revision the previous step registered.
    Registered,
}

/// One API call of a plan. Intent records keep them (`steps`), so an operation whose outcome was
/// never written can be read back after a crash ([`reconcile`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    /// `autoscaling:SetDesiredCapacity`.
    SetDesiredCapacity { asg: String, desired: u32 },
    /// `ecs:DescribeTaskDefinition` then `ecs:RegisterTaskDefinition` of a copy with one
    /// container's image replaced.
    RegisterWithImage {
        task_definition: String,
        container: String,
        image: String,
    },
    /// `ecs:UpdateService`.
    UpdateService {
        cluster: String,
        service: String,
        desired: Option<u32>,
        task_definition: Option<TaskDefRef>,
        force_new_deployment: bool,
    },
    /// `ssm:StartAssociationsOnce`.
    StartAssociationsOnce { ids: Vec<String> },
    /// `cloudwatch:SetAlarmState`.
    SetAlarmState {
        alarm: String,
        state: AlarmState,
        reason: String,
    },
    /// `arc-zonal-shift:StartZonalShift`.
    StartZonalShift {
        resource: String,
        away_from: String,
        expires_in: String,
        comment: String,
    },
    /// `arc-zonal-shift:UpdateZonalShift`.
    UpdateZonalShift {
        id: String,
        expires_in: String,
        comment: String,
    },
    /// `arc-zonal-shift:CancelZonalShift`.
    CancelZonalShift { id: String },
    /// `arc-region-switch:StartPlanExecution`: the source call's own parameters (written as
    /// the same fields).
    StartPlanExecution(crate::source::PlanExecutionStart),
    /// `arc-region-switch:ApprovePlanExecutionStep`, `UpdatePlanExecution` or
    /// `CancelPlanExecution`.
    ChangePlanExecution(crate::source::PlanExecutionChange),
}

impl Step {
    /// The API calls of this step with their parameters, as the confirmation shows them.
    pub fn calls(&self) -> Vec<String> {
        match self {
            Step::SetDesiredCapacity { asg, desired } => vec![format!(
                "autoscaling:SetDesiredCapacity AutoScalingGroupName={asg} DesiredCapacity={desired} HonorCooldown=false"
            )],
            Step::RegisterWithImage {
                task_definition,
                container,
                image,
            } => vec![
                format!("ecs:DescribeTaskDefinition taskDefinition={task_definition} include=TAGS"),
                format!(
                    "ecs:RegisterTaskDefinition (copy of {task_definition}, every field carried over) containerDefinitions[{container}].image={image}"
                ),
            ],
            Step::UpdateService {
                cluster,
                service,
                desired,
                task_definition,
                force_new_deployment,
            } => {
                let mut s = format!("ecs:UpdateService cluster={cluster} service={service}");
                if let Some(d) = desired {
                    let _ = write!(s, " desiredCount={d}");
                }
                match task_definition {
                    Some(TaskDefRef::Named(t)) => {
                        let _ = write!(s, " taskDefinition={t}");
                    }
                    Some(TaskDefRef::Registered) => {
                        s.push_str(" taskDefinition=<the revision registered above>");
                    }
                    None => {}
                }
                if *force_new_deployment {
                    s.push_str(" forceNewDeployment=true");
                }
                vec![s]
            }
            Step::StartAssociationsOnce { ids } => vec![format!(
                "ssm:StartAssociationsOnce AssociationIds=[{}]",
                ids.join(",")
            )],
            Step::SetAlarmState {
                alarm,
                state,
                reason,
            } => vec![format!(
                "cloudwatch:SetAlarmState AlarmName={alarm} StateValue={} StateReason=\"{reason}\"",
                state.as_str()
            )],
            Step::StartZonalShift {
                resource,
                away_from,
                expires_in,
                comment,
            } => vec![format!(
                "arc-zonal-shift:StartZonalShift resourceIdentifier={resource} awayFrom={away_from} expiresIn={expires_in} comment=\"{comment}\""
            )],
            Step::UpdateZonalShift {
                id,
                expires_in,
                comment,
            } => vec![format!(
                "arc-zonal-shift:UpdateZonalShift zonalShiftId={id} expiresIn={expires_in} comment=\"{comment}\""
            )],
            Step::CancelZonalShift { id } => {
                vec![format!(
                    "arc-zonal-shift:CancelZonalShift zonalShiftId={id}"
                )]
            }
            Step::StartPlanExecution(_) | Step::ChangePlanExecution(_) => {
                region_switch::call_text(self).into_iter().collect()
            }
        }
    }
}

/// How an operator confirms a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// `y`.
    Yes,
    /// The resource's name, typed: for dangerous operations.
    TypeName(String),
}

/// An operation, planned: what the confirmation shows, the executor runs and the audit log keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub kind: OpKind,
    pub account: String,
    pub region: Region,
    /// The resource it changes.
    pub target: Target,
    /// One line for the status line and the timeline, e.g. `scale web-asg 2 -> 4`.
    pub summary: String,
    /// The parameters, for the audit log.
    pub params: Vec<(String, String)>,
    pub steps: Vec<Step>,
    pub confirm: Confirm,
    /// Why the plan needs the typed name, or another caution for the operator.
    pub warning: Option<String>,
    /// The revision a roll back leaves: the console never offers to return to it.
    pub leaves: Option<String>,
}

impl Plan {
    /// The record of an operation refused at its key, before anything was planned (read-only):
    /// what it would have changed, with no call.
    pub fn refused_at_key(kind: OpKind, scope: &Scope, target: Target) -> Plan {
        Plan {
            kind,
            account: scope.account.clone(),
            region: scope.region.clone(),
            summary: format!("{} {target}", kind.as_str()),
            target,
            params: Vec::new(),
            steps: Vec::new(),
            confirm: Confirm::Yes,
            warning: None,
            leaves: None,
        }
    }

    /// Every API call of the plan, in order.
    pub fn calls(&self) -> Vec<String> {
        self.steps.iter().flat_map(Step::calls).collect()
    }
}

/// What a scale prompt changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScaleTarget {
    Asg(String),
    Service { cluster: String, service: String },
}

impl ScaleTarget {
    /// The name an operator types to confirm a dangerous scale.
    pub fn name(&self) -> &str {
        match self {
            ScaleTarget::Asg(n) => n,
            ScaleTarget::Service { service, .. } => service,
        }
    }
}

/// The current capacity a scale prompt shows and validates against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub min: u32,
    pub desired: u32,
    pub max: u32,
}

/// Where an operation runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub account: String,
    pub region: Region,
}

/// Plans a scale from the prompt's input; the error says why the input is refused.
pub fn plan_scale(
    scope: &Scope,
    target: &ScaleTarget,
    b: Bounds,
    input: &str,
) -> Result<Plan, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err(format!("type the new desired count ({}..{})", b.min, b.max));
    }
    let Ok(n) = input.parse::<u32>() else {
        if input.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "{input} is more than any count; type a count from {} to {}",
                b.min, b.max
            ));
        }
        return Err(format!(
            "'{input}' is not a whole number; type a count from {} to {}",
            b.min, b.max
        ));
    };
    if n < b.min || n > b.max {
        return Err(format!(
            "{n} is outside min..max ({}..{}) of {}",
            b.min,
            b.max,
            target.name()
        ));
    }
    if n == b.desired {
        return Err(format!("{} is already at {n}", target.name()));
    }
    let dangerous = if n == 0 {
        Some(format!("scales {} to zero", target.name()))
    } else if n < b.desired && b.desired - n > b.desired / 2 {
        Some(format!(
            "scales in by more than half ({} -> {n})",
            b.desired
        ))
    } else {
        None
    };
    let step = match target {
        ScaleTarget::Asg(asg) => Step::SetDesiredCapacity {
            asg: asg.clone(),
            desired: n,
        },
        ScaleTarget::Service { cluster, service } => Step::UpdateService {
            cluster: cluster.clone(),
            service: service.clone(),
            desired: Some(n),
            task_definition: None,
            force_new_deployment: false,
        },
    };
    Ok(Plan {
        kind: OpKind::Scale,
        account: scope.account.clone(),
        region: scope.region.clone(),
        target: target.into(),
        summary: format!("scale {} {} -> {n}", target.name(), b.desired),
        params: vec![
            ("from".into(), b.desired.to_string()),
            ("desired".into(), n.to_string()),
            ("min".into(), b.min.to_string()),
            ("max".into(), b.max.to_string()),
        ],
        steps: vec![step],
        confirm: if dangerous.is_some() {
            Confirm::TypeName(target.name().to_owned())
        } else {
            Confirm::Yes
        },
        warning: dangerous,
        leaves: None,
    })
}

/// The image an input names: a full image reference (with `/`, `:` or `@`) as is, or a bare tag
/// applied to the container's current image.
pub fn image_for(current: &str, input: &str) -> Result<String, String> {
    let input = input.trim();
    if input.chars().any(char::is_whitespace) || input.len() > 255 {
        return Err(format!("'{input}' is not an image or a tag"));
    }
    if input.contains('/') || input.contains(':') || input.contains('@') {
        return Ok(input.to_owned());
    }
    if !input
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        || input.len() > 128
    {
        return Err(format!(
            "'{input}' is not a valid tag (letters, digits, '.', '_', '-', at most 128)"
        ));
    }
    // The repository: everything before a digest, or before a tag's ':' after the last '/'.
    let repo = current.split('@').next().unwrap_or(current);
    let slash = repo.rfind('/').map_or(0, |i| i + 1);
    let repo = match repo[slash..].rfind(':') {
        Some(i) => &repo[..slash + i],
        None => repo,
    };
    Ok(format!("{repo}:{input}"))
}

/// Plans a deploy: an empty input forces a new deployment of the current revision; otherwise the
/// new image (or tag) of `container`.
pub fn plan_deploy(
    scope: &Scope,
    cluster: &str,
    service: &str,
    task_definition: &str,
    container: (&str, &str),
    input: &str,
) -> Result<Plan, String> {
    let (name, current_image) = container;
    let base = Plan {
        kind: OpKind::Deploy,
        account: scope.account.clone(),
        region: scope.region.clone(),
        target: Target::Service {
            cluster: cluster.to_owned(),
            service: service.to_owned(),
        },
        summary: String::new(),
        params: Vec::new(),
        steps: Vec::new(),
        confirm: Confirm::Yes,
        warning: None,
        leaves: None,
    };
    if input.trim().is_empty() {
        return Ok(Plan {
            summary: format!("deploy {service}: new deployment of {task_definition}"),
            params: vec![
                ("task_definition".into(), task_definition.to_owned()),
                ("force_new_deployment".into(), "true".into()),
            ],
            steps: vec![Step::UpdateService {
                cluster: cluster.to_owned(),
                service: service.to_owned(),
                desired: None,
                task_definition: None,
                force_new_deployment: true,
            }],
            ..base
        });
    }
    let image = image_for(current_image, input)?;
    if image == current_image {
        return Err(format!(
            "{name} already runs {image}; leave the input empty to force a new deployment"
        ));
    }
    Ok(Plan {
        summary: format!("deploy {service}: {name} -> {image}"),
        params: vec![
            ("task_definition".into(), task_definition.to_owned()),
            ("container".into(), name.to_owned()),
            ("from_image".into(), current_image.to_owned()),
            ("image".into(), image.clone()),
        ],
        steps: vec![
            Step::RegisterWithImage {
                task_definition: task_definition.to_owned(),
                container: name.to_owned(),
                image,
            },
            Step::UpdateService {
                cluster: cluster.to_owned(),
                service: service.to_owned(),
                desired: None,
                task_definition: Some(TaskDefRef::Registered),
                force_new_deployment: false,
            },
        ],
        ..base
    })
}

/// Plans a roll back of a service to `previous`.
pub fn plan_rollback(
    scope: &Scope,
    cluster: &str,
    service: &str,
    current: &str,
    previous: &str,
) -> Plan {
    Plan {
        kind: OpKind::Rollback,
        account: scope.account.clone(),
        region: scope.region.clone(),
        target: Target::Service {
            cluster: cluster.to_owned(),
            service: service.to_owned(),
        },
        summary: format!("roll back {service}: {current} -> {previous}"),
        params: vec![
            ("from".into(), current.to_owned()),
            ("task_definition".into(), previous.to_owned()),
        ],
        steps: vec![Step::UpdateService {
            cluster: cluster.to_owned(),
            service: service.to_owned(),
            desired: None,
            task_definition: Some(TaskDefRef::Named(previous.to_owned())),
            force_new_deployment: false,
        }],
        confirm: Confirm::Yes,
        warning: None,
        leaves: Some(current.to_owned()),
    }
}

/// Plans running an association now.
pub fn plan_run_now(scope: &Scope, id: &str, name: &str) -> Plan {
    Plan {
        kind: OpKind::RunNow,
        account: scope.account.clone(),
        region: scope.region.clone(),
        target: Target::Association(name.to_owned()),
        summary: format!("run {name} now"),
        params: vec![("association_id".into(), id.to_owned())],
        steps: vec![Step::StartAssociationsOnce {
            ids: vec![id.to_owned()],
        }],
        confirm: Confirm::Yes,
        warning: None,
        leaves: None,
    }
}

/// The revision a roll back returns to: the other deployment while a rollout runs, else the
/// revision before the current one.
pub fn previous_revision(
    current: &str,
    deployment_revisions: &[&str],
    avoid: &[String],
) -> Option<String> {
    let number = |t: &str| -> Option<(String, u32)> {
        let (family, rev) = t.rsplit_once(':')?;
        Some((family.to_owned(), rev.parse().ok()?))
    };
    let (family, rev) = number(current)?;
    // The other deployment only when it is older: right after a roll back the newer one still
    // drains, and it is the revision just left.
    if let Some(other) = deployment_revisions.iter().find(|t| {
        **t != current
            && !avoid.iter().any(|a| a == *t)
            && number(t).is_some_and(|(f, r)| f == family && r < rev)
    }) {
        return Some((*other).to_owned());
    }
    (1..rev)
        .rev()
        .map(|r| format!("{family}:{r}"))
        .find(|t| !avoid.contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            account: "123456789012".into(),
            region: "us-east-1".parse().unwrap(),
        }
    }

    const B: Bounds = Bounds {
        min: 1,
        desired: 4,
        max: 6,
    };

    #[test]
    fn scale_input_is_validated_before_any_plan() {
        let t = ScaleTarget::Asg("web".into());
        for (input, why) in [
            ("", "type the new desired count"),
            ("abc", "not a whole number"),
            ("-1", "not a whole number"),
            ("7", "outside min..max (1..6)"),
            ("0", "outside min..max"),
            ("4", "already at 4"),
        ] {
            let e = plan_scale(&scope(), &t, B, input).unwrap_err();
            assert!(e.contains(why), "{input:?}: {e}");
        }
    }

    #[test]
    fn scaling_in_by_more_than_half_or_to_zero_needs_the_name() {
        let t = ScaleTarget::Asg("web".into());
        assert_eq!(
            plan_scale(&scope(), &t, B, "2").unwrap().confirm,
            Confirm::Yes
        );
        assert_eq!(
            plan_scale(&scope(), &t, B, "1").unwrap().confirm,
            Confirm::TypeName("web".into())
        );
        let zero = Bounds { min: 0, ..B };
        let p = plan_scale(&scope(), &t, zero, "0").unwrap();
        assert_eq!(p.confirm, Confirm::TypeName("web".into()));
        assert!(p.warning.unwrap().contains("to zero"));
        let p = plan_scale(&scope(), &t, B, "6").unwrap();
        assert_eq!(
            p.calls(),
            vec![
                "autoscaling:SetDesiredCapacity AutoScalingGroupName=web DesiredCapacity=6 HonorCooldown=false"
            ]
        );
    }

    #[test]
    fn a_tag_replaces_only_the_tag() {
        let cur = "123.dkr.ecr.us-east-1.amazonaws.com/bookstore:v1.4.2";
        assert_eq!(
            image_for(cur, "v1.5.0").unwrap(),
            "123.dkr.ecr.us-east-1.amazonaws.com/bookstore:v1.5.0"
        );
        assert_eq!(
            image_for("localhost:5000/app", "v2").unwrap(),
            "localhost:5000/app:v2"
        );
        assert_eq!(image_for("nginx@sha256:abc", "1.27").unwrap(), "nginx:1.27");
        assert_eq!(image_for(cur, "nginx:1.27").unwrap(), "nginx:1.27");
        assert!(image_for(cur, "bad tag").is_err());
        assert!(image_for(cur, "v1$").is_err());
    }

    #[test]
    fn deploy_registers_then_points_the_service_at_the_new_revision() {
        let p = plan_deploy(&scope(), "c", "s", "fam:3", ("app", "repo/app:v1"), "v2").unwrap();
        assert_eq!(
            p.calls(),
            vec![
                "ecs:DescribeTaskDefinition taskDefinition=fam:3 include=TAGS",
                "ecs:RegisterTaskDefinition (copy of fam:3, every field carried over) containerDefinitions[app].image=repo/app:v2",
                "ecs:UpdateService cluster=c service=s taskDefinition=<the revision registered above>",
            ]
        );
        let force = plan_deploy(&scope(), "c", "s", "fam:3", ("app", "repo/app:v1"), " ").unwrap();
        assert_eq!(
            force.calls(),
            vec!["ecs:UpdateService cluster=c service=s forceNewDeployment=true"]
        );
        assert!(plan_deploy(&scope(), "c", "s", "fam:3", ("app", "repo/app:v1"), "v1").is_err());
    }

    #[test]
    fn previous_revision_prefers_the_other_deployment() {
        assert_eq!(
            previous_revision("f:5", &["f:5", "f:3"], &[]).as_deref(),
            Some("f:3")
        );
        assert_eq!(
            previous_revision("f:5", &["f:5"], &[]).as_deref(),
            Some("f:4")
        );
        assert_eq!(previous_revision("f:1", &["f:1"], &[]), None);
        // Right after rolling back from :8 to :7 the draining :8 is never offered.
        assert_eq!(
            previous_revision("f:7", &["f:7", "f:8"], &[]).as_deref(),
            Some("f:6")
        );
        // A revision left or failed is skipped.
        assert_eq!(
            previous_revision("f:7", &["f:7"], &["f:6".to_owned()]).as_deref(),
            Some("f:5")
        );
    }
}
