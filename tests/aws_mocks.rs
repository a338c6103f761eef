//! The live source against `aws-smithy-mocks` rules: the real SDK clients and our conversion,
//! pagination, batching, error mapping and call counting, with responses from rules.
//!
//! SSM association APIs are covered only here: moto, the local AWS stand-in, does not implement
//! ListAssociations, DescribeAssociationExecutions or DescribeAssociationExecutionTargets. The
//! same goes for ARC zonal shift (ListManagedResources, StartZonalShift, UpdateZonalShift,
//! CancelZonalShift): moto has no arc-zonal-shift service at all, nor ARC Region switch
//! (ListPlansInRegion, GetPlanInRegion, GetPlanEvaluationStatus, ListPlanExecutions,
//! GetPlanExecution, ListPlanExecutionEvents, StartPlanExecution, ApprovePlanExecutionStep,
//! UpdatePlanExecution, CancelPlanExecution).

use aws_sdk_arcregionswitch as rsw;
use aws_sdk_arczonalshift as zs;
use aws_sdk_autoscaling as asg;
use aws_sdk_cloudwatch as cw;
use aws_sdk_cloudwatchlogs as logs;
use aws_sdk_ecs as ecs;
use aws_sdk_elasticloadbalancingv2 as elb;
use aws_sdk_ssm as ssm;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;
use opsdash::model::{AlarmState, RegionInfo, RegionRole, TargetState};
use opsdash::ops::audit::{AuditOutcome, AuditPhase};
use opsdash::source::aws::{AwsSource, CallCounter, CountCalls, Lazy, RegionClients};
use opsdash::source::{ErrorClass, EstateReader, Source};
use std::sync::Arc;

/// A region of the tests' estates, by name.
fn region(name: &str) -> opsdash::model::Region {
    opsdash::model::Region::new(name).expect("a region name")
}

const REGION: &str = "us-east-1";

#[derive(Default)]
struct Rules {
    elb: Vec<Rule>,
    asg: Vec<Rule>,
    ecs: Vec<Rule>,
    cw: Vec<Rule>,
    ssm: Vec<Rule>,
    logs: Vec<Rule>,
    zs: Vec<Rule>,
    rsw: Vec<Rule>,
}

fn region_clients(
    name: &'static str,
    role: RegionRole,
    rules: &Rules,
    c: &CountCalls,
) -> RegionClients {
    let region = || aws_config::Region::new(name);
    RegionClients {
        info: RegionInfo {
            name: crate::region(name),
            role,
        },
        elbv2: mock_client!(elb, RuleMode::MatchAny, &rules.elb, |b| b
            .interceptor(c.clone())
            .region(region())),
        autoscaling: mock_client!(asg, RuleMode::MatchAny, &rules.asg, |b| b
            .interceptor(c.clone())
            .region(region())),
        ecs: mock_client!(ecs, RuleMode::MatchAny, &rules.ecs, |b| b
            .interceptor(c.clone())
            .region(region())),
        cloudwatch: mock_client!(cw, RuleMode::MatchAny, &rules.cw, |b| b
            .interceptor(c.clone())
            .region(region())),
        ssm: mock_client!(ssm, RuleMode::MatchAny, &rules.ssm, |b| b
            .interceptor(c.clone())
            .region(region())),
        logs: Lazy::ready(mock_client!(
            logs,
            RuleMode::MatchAny,
            &with_no_live_tail(&rules.logs),
            |b| b.interceptor(c.clone()).region(region())
        )),
        zonal: mock_client!(
            zs,
            RuleMode::MatchAny,
            &with_no_managed_resources(&rules.zs),
            |b| b.interceptor(c.clone()).region(region())
        ),
        region_switch: Lazy::ready(mock_client!(rsw, RuleMode::MatchAny, &rules.rsw, |b| b
            .interceptor(c.clone())
            .region(region()))),
    }
}

/// `rules`, and last a ListManagedResources that lists nothing: a test without zonal-shift rules
/// sees every load balancer as not managed.
fn with_no_managed_resources(rules: &[Rule]) -> Vec<Rule> {
    let mut all = rules.to_vec();
    all.push(mock!(zs::Client::list_managed_resources).then_output(|| {
        zs::operation::list_managed_resources::ListManagedResourcesOutput::builder()
            .set_items(Some(Vec::new()))
            .build()
            .unwrap()
    }));
    all
}

/// `rules`, and last a StartLiveTail that is refused: a test without a rule of its own for it
/// sees a Logs read fall back to polling (rules match in order, so a test's own rule wins).
fn with_no_live_tail(rules: &[Rule]) -> Vec<Rule> {
    let mut all = rules.to_vec();
    all.push(mock!(logs::Client::start_live_tail).then_error(|| {
        logs::operation::start_live_tail::StartLiveTailError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("not part of this test")
                .build(),
        )
    }));
    all
}

/// A source over mocked clients, one region per rule set (the first is the primary).
fn source_in(regions: &[(&'static str, &Rules)]) -> AwsSource {
    let calls = Arc::new(CallCounter::default());
    let c = CountCalls(calls.clone());
    let clients = regions
        .iter()
        .enumerate()
        .map(|(i, (name, rules))| {
            let role = if i == 0 {
                RegionRole::Primary
            } else {
                RegionRole::Dr
            };
            region_clients(name, role, rules, &c)
        })
        .collect();
    AwsSource::from_clients(
        "123456789012",
        "arn:aws:sts::123456789012:assumed-role/OnCall/me",
        clients,
        calls,
    )
}

fn source(rules: &Rules) -> AwsSource {
    source_in(&[(REGION, rules)])
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn calls(src: &AwsSource, op: &str) -> u32 {
    src.calls
        .snapshot()
        .iter()
        .filter(|((_, o), _)| o == op)
        .map(|(_, n)| *n)
        .sum()
}

fn lb(name: &str) -> elb::types::LoadBalancer {
    elb::types::LoadBalancer::builder()
        .load_balancer_name(name)
        .load_balancer_arn(format!("arn:lb/{name}"))
        .r#type(elb::types::LoadBalancerTypeEnum::Application)
        .scheme(elb::types::LoadBalancerSchemeEnum::InternetFacing)
        .state(
            elb::types::LoadBalancerState::builder()
                .code(elb::types::LoadBalancerStateEnum::Active)
                .build(),
        )
        .dns_name(format!("{name}.elb.amazonaws.com"))
        .build()
}

fn tg(name: &str, lb: &str) -> elb::types::TargetGroup {
    elb::types::TargetGroup::builder()
        .target_group_name(name)
        .target_group_arn(format!("arn:tg/{name}"))
        .protocol(elb::types::ProtocolEnum::Http)
        .port(8080)
        .health_check_protocol(elb::types::ProtocolEnum::Http)
        .health_check_path("/status")
        .health_check_interval_seconds(30)
        .healthy_threshold_count(5)
        .unhealthy_threshold_count(2)
        .load_balancer_arns(format!("arn:lb/{lb}"))
        .build()
}

fn health(
    id: &str,
    state: elb::types::TargetHealthStateEnum,
) -> elb::types::TargetHealthDescription {
    let unhealthy = state == elb::types::TargetHealthStateEnum::Unhealthy;
    let mut h = elb::types::TargetHealth::builder().state(state);
    if unhealthy {
        h = h
            .reason(elb::types::TargetHealthReasonEnum::FailedHealthChecks)
            .description("Health checks failed");
    }
    elb::types::TargetHealthDescription::builder()
        .target(
            elb::types::TargetDescription::builder()
                .id(id)
                .port(8080)
                .availability_zone("us-east-1a")
                .build(),
        )
        .target_health(h.build())
        .build()
}

#[path = "support/live_exec.rs"]
mod live_exec;

#[test]
fn targets_follow_every_page_and_ask_health_once_per_group() {
    use elb::operation::{
        describe_load_balancers::DescribeLoadBalancersOutput as L,
        describe_target_groups::DescribeTargetGroupsOutput as G,
        describe_target_health::DescribeTargetHealthOutput as H,
    };
    let rules = Rules {
        elb: vec![
            mock!(elb::Client::describe_load_balancers)
                .match_requests(|r| r.marker().is_none())
                .then_output(|| {
                    L::builder()
                        .load_balancers(lb("a"))
                        .next_marker("p2")
                        .build()
                }),
            mock!(elb::Client::describe_load_balancers)
                .match_requests(|r| r.marker() == Some("p2"))
                .then_output(|| L::builder().load_balancers(lb("b")).build()),
            mock!(elb::Client::describe_target_groups)
                .match_requests(|r| r.marker().is_none())
                .then_output(|| {
                    G::builder()
                        .target_groups(tg("a-web", "a"))
                        .target_groups(tg("a-api", "a"))
                        .next_marker("g2")
                        .build()
                }),
            mock!(elb::Client::describe_target_groups)
                .match_requests(|r| r.marker() == Some("g2"))
                .then_output(|| G::builder().target_groups(tg("b-web", "b")).build()),
            mock!(elb::Client::describe_target_health)
                .match_requests(|r| r.target_group_arn() == Some("arn:tg/a-web"))
                .then_output(|| {
                    H::builder()
                        .target_health_descriptions(health(
                            "i-1",
                            elb::types::TargetHealthStateEnum::Healthy,
                        ))
                        .target_health_descriptions(health(
                            "i-2",
                            elb::types::TargetHealthStateEnum::Unhealthy,
                        ))
                        .build()
                }),
            mock!(elb::Client::describe_target_health).then_output(|| {
                H::builder()
                    .target_health_descriptions(health(
                        "i-3",
                        elb::types::TargetHealthStateEnum::Initial,
                    ))
                    .build()
            }),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    let read = rt().block_on(src.targets(&crate::region(REGION)));
    let lbs = read.result.unwrap();
    assert_eq!(lbs.len(), 2, "both pages of load balancers");
    assert_eq!(lbs[0].target_groups.len(), 2);
    assert_eq!(
        lbs[1].target_groups.len(),
        1,
        "the second page of target groups"
    );
    let web = &lbs[0].target_groups[0];
    assert_eq!((web.healthy, web.total), (1, 2));
    assert_eq!(web.targets[1].state, TargetState::Unhealthy);
    assert_eq!(
        web.targets[1].reason.as_deref(),
        Some("Target.FailedHealthChecks")
    );
    assert_eq!(web.health_check.path.as_deref(), Some("/status"));
    assert_eq!(
        lbs[1].target_groups[0].targets[0].state,
        TargetState::Initial
    );
    assert_eq!(lbs[0].lb_type, "application");
    assert_eq!(calls(&src, "DescribeLoadBalancers"), 2);
    assert_eq!(calls(&src, "DescribeTargetGroups"), 2);
    assert_eq!(
        calls(&src, "DescribeTargetHealth"),
        3,
        "one per target group"
    );
    // And one ListManagedResources: the zonal shifts of every load balancer at once.
    assert_eq!(calls(&src, "ListManagedResources"), 1);
    assert_eq!(read.stats.calls, 8);
}

fn group(name: &str) -> asg::types::AutoScalingGroup {
    asg::types::AutoScalingGroup::builder()
        .auto_scaling_group_name(name)
        .min_size(1)
        .max_size(4)
        .desired_capacity(2)
        .instances(
            asg::types::Instance::builder()
                .instance_id("i-1")
                .availability_zone("us-east-1a")
                .lifecycle_state(asg::types::LifecycleState::InService)
                .health_status("Healthy")
                .build(),
        )
        .instances(
            asg::types::Instance::builder()
                .instance_id("i-2")
                .availability_zone("us-east-1b")
                .lifecycle_state(asg::types::LifecycleState::Pending)
                .health_status("Healthy")
                .build(),
        )
        .target_group_arns("arn:tg/a-web")
        .build()
}

fn ecs_service(n: usize) -> ecs::types::Service {
    ecs::types::Service::builder()
        .service_name(format!("svc-{n}"))
        .cluster_arn("arn:aws:ecs:us-east-1:123456789012:cluster/appCluster")
        .desired_count(2)
        .running_count(1)
        .pending_count(1)
        .task_definition("arn:aws:ecs:us-east-1:123456789012:task-definition/app:8")
        .deployments(
            ecs::types::Deployment::builder()
                .id("ecs-svc/1")
                .status("PRIMARY")
                .task_definition("arn:aws:ecs:us-east-1:123456789012:task-definition/app:8")
                .desired_count(2)
                .running_count(1)
                .pending_count(1)
                .failed_tasks(3)
                .rollout_state(ecs::types::DeploymentRolloutState::InProgress)
                .build(),
        )
        .events(
            ecs::types::ServiceEvent::builder()
                .id("e1")
                .message(format!("(service svc-{n}) has reached a steady state."))
                .build(),
        )
        .deployment_configuration(
            ecs::types::DeploymentConfiguration::builder()
                .minimum_healthy_percent(50)
                .maximum_percent(100)
                .build(),
        )
        .build()
}

#[test]
fn capacity_pages_groups_and_describes_services_ten_at_a_time() {
    use asg::operation::describe_auto_scaling_groups::DescribeAutoScalingGroupsOutput as A;
    use ecs::operation::{
        describe_services::DescribeServicesOutput as D, list_clusters::ListClustersOutput as C,
        list_services::ListServicesOutput as S,
    };
    let arns = |range: std::ops::Range<usize>| {
        range
            .map(|n| format!("arn:aws:ecs:us-east-1:123456789012:service/appCluster/svc-{n}"))
            .collect::<Vec<_>>()
    };
    let rules = Rules {
        asg: vec![
            mock!(asg::Client::describe_auto_scaling_groups)
                .match_requests(|r| r.next_token().is_none() && r.max_records() == Some(100))
                .then_output(|| {
                    A::builder()
                        .auto_scaling_groups(group("g1"))
                        .next_token("t2")
                        .build()
                }),
            mock!(asg::Client::describe_auto_scaling_groups)
                .match_requests(|r| r.next_token() == Some("t2"))
                .then_output(|| A::builder().auto_scaling_groups(group("g2")).build()),
        ],
        ecs: vec![
            mock!(ecs::Client::list_clusters).then_output(|| {
                C::builder()
                    .cluster_arns("arn:aws:ecs:us-east-1:123456789012:cluster/appCluster")
                    .build()
            }),
            mock!(ecs::Client::list_services)
                .match_requests(|r| r.next_token().is_none())
                .then_output(move || {
                    S::builder()
                        .set_service_arns(Some(arns(0..8)))
                        .next_token("s2")
                        .build()
                }),
            mock!(ecs::Client::list_services)
                .match_requests(|r| r.next_token() == Some("s2"))
                .then_output(move || S::builder().set_service_arns(Some(arns(8..15))).build()),
            mock!(ecs::Client::describe_services)
                .match_requests(|r| r.services().len() <= 10)
                .then_output(|| D::builder().services(ecs_service(0)).build()),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    let read = rt().block_on(src.capacity(&crate::region(REGION)));
    let cap = read.result.unwrap();
    assert_eq!(cap.auto_scaling_groups.len(), 2);
    let g = &cap.auto_scaling_groups[0];
    assert_eq!(
        (g.min, g.desired, g.max, g.in_service, g.pending),
        (1, 2, 4, 1, 1)
    );
    assert_eq!(calls(&src, "DescribeAutoScalingGroups"), 2);
    assert_eq!(calls(&src, "ListServices"), 2);
    assert_eq!(
        calls(&src, "DescribeServices"),
        2,
        "15 services in batches of 10"
    );
    let s = &cap.ecs_services[0];
    assert_eq!(s.cluster, "appCluster");
    assert_eq!(s.task_definition, "app:8");
    assert_eq!(
        s.deployments[0].rollout_state,
        opsdash::model::RolloutState::InProgress
    );
    assert_eq!(s.deployments[0].failed, 3);
    assert_eq!((s.min_healthy_percent, s.max_percent), (50, 100));
}

fn metric_alarm(n: usize) -> cw::types::MetricAlarm {
    cw::types::MetricAlarm::builder()
        .alarm_name(format!("alarm-{n:03}"))
        .state_value(if n == 0 {
            cw::types::StateValue::Alarm
        } else {
            cw::types::StateValue::Ok
        })
        .state_reason("Threshold Crossed")
        .namespace("AWS/ApplicationELB")
        .metric_name("HTTPCode_Target_5XX_Count")
        .statistic(cw::types::Statistic::Sum)
        .comparison_operator(cw::types::ComparisonOperator::GreaterThanThreshold)
        .threshold(10.0)
        .period(60)
        .evaluation_periods(1)
        .dimensions(
            cw::types::Dimension::builder()
                .name("LoadBalancer")
                .value("app/x/1")
                .build(),
        )
        .build()
}

#[test]
fn alarms_page_and_batch_metric_queries_at_500() {
    use cw::operation::{
        describe_alarms::DescribeAlarmsOutput as A, get_metric_data::GetMetricDataOutput as M,
    };
    let rules = Rules {
        cw: vec![
            mock!(cw::Client::describe_alarms)
                .match_requests(|r| r.next_token().is_none())
                .then_output(|| {
                    A::builder()
                        .set_metric_alarms(Some((0..400).map(metric_alarm).collect()))
                        .next_token("a2")
                        .build()
                }),
            mock!(cw::Client::describe_alarms)
                .match_requests(|r| r.next_token() == Some("a2"))
                .then_output(|| {
                    A::builder()
                        .set_metric_alarms(Some((400..600).map(metric_alarm).collect()))
                        .build()
                }),
            mock!(cw::Client::get_metric_data)
                .match_requests(|r| {
                    r.metric_data_queries().len() <= 500 && r.next_token().is_none()
                })
                .then_output(|| {
                    let t0 = 1_795_219_200_000;
                    M::builder()
                        .metric_data_results(
                            cw::types::MetricDataResult::builder()
                                .id("m0")
                                .timestamps(aws_smithy_types::DateTime::from_millis(t0))
                                .timestamps(aws_smithy_types::DateTime::from_millis(t0 + 60_000))
                                .values(3.0)
                                .values(42.0)
                                .build(),
                        )
                        .next_token("more")
                        .build()
                }),
            mock!(cw::Client::get_metric_data)
                .match_requests(|r| r.next_token() == Some("more"))
                .then_output(|| M::builder().build()),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    let alarms = rt()
        .block_on(src.alarms(&crate::region(REGION)))
        .result
        .unwrap();
    assert_eq!(alarms.len(), 600);
    assert_eq!(alarms[0].state, AlarmState::Alarm);
    assert_eq!(
        alarms[0].series.iter().map(|p| p.value).collect::<Vec<_>>(),
        vec![3.0, 42.0]
    );
    assert_eq!(
        alarms[0].dimensions,
        vec!["LoadBalancer=app/x/1".to_owned()]
    );
    assert_eq!(calls(&src, "DescribeAlarms"), 2);
    // 600 queries: two batches (500 + 100), each with a second page.
    assert_eq!(calls(&src, "GetMetricData"), 4);
}

/// More alarms than a page: between whole reads only the alarms not OK are read (two calls,
/// by state) and the OK ones carried over; an alarm those calls do not account for (one that
/// went OK) makes the whole list be read at once, so no state is carried over wrong. moto
/// evaluates no alarm, so the transitions are driven here.
#[test]
fn many_alarms_read_whole_every_sixth_time_and_by_state_between() {
    use cw::operation::describe_alarms::DescribeAlarmsOutput as A;
    use cw::types::StateValue;
    use std::sync::atomic::{AtomicBool, Ordering};
    // alarm-000 in ALARM (until `cleared`), the other 149 OK.
    let cleared = Arc::new(AtomicBool::new(false));
    let alarm = |n: usize, cleared: bool| {
        let mut a = metric_alarm(n);
        if n == 0 && cleared {
            a = cw::types::MetricAlarm::builder()
                .alarm_name("alarm-000")
                .state_value(StateValue::Ok)
                .state_reason("back to normal")
                .build();
        }
        a
    };
    let (c1, c2, c3) = (cleared.clone(), cleared.clone(), cleared.clone());
    let rules = Rules {
        cw: vec![
            mock!(cw::Client::describe_alarms)
                .match_requests(|r| r.state_value().is_none() && r.next_token().is_none())
                .then_output(move || {
                    let c = c1.load(Ordering::SeqCst);
                    A::builder()
                        .set_metric_alarms(Some((0..100).map(|n| alarm(n, c)).collect()))
                        .next_token("p2")
                        .build()
                }),
            mock!(cw::Client::describe_alarms)
                .match_requests(|r| r.state_value().is_none() && r.next_token() == Some("p2"))
                .then_output(move || {
                    let c = c2.load(Ordering::SeqCst);
                    A::builder()
                        .set_metric_alarms(Some((100..150).map(|n| alarm(n, c)).collect()))
                        .build()
                }),
            mock!(cw::Client::describe_alarms)
                .match_requests(|r| r.state_value() == Some(&StateValue::Alarm))
                .then_output(move || {
                    let firing = !c3.load(Ordering::SeqCst);
                    A::builder()
                        .set_metric_alarms(Some(if firing {
                            let mut a = metric_alarm(0);
                            a.state_reason = Some("Threshold Crossed again".into());
                            vec![a]
                        } else {
                            Vec::new()
                        }))
                        .build()
                }),
            mock!(cw::Client::describe_alarms)
                .match_requests(|r| r.state_value() == Some(&StateValue::InsufficientData))
                .then_output(|| A::builder().set_metric_alarms(Some(Vec::new())).build()),
            mock!(cw::Client::get_metric_data).then_output(|| {
                cw::operation::get_metric_data::GetMetricDataOutput::builder().build()
            }),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    let rt = rt();
    let read = || {
        rt.block_on(src.alarms(&crate::region(REGION)))
            .result
            .unwrap()
    };
    // 1: the whole list, two pages.
    let first = read();
    assert_eq!(first.len(), 150);
    assert_eq!(calls(&src, "DescribeAlarms"), 2);
    // 2: by state only (two calls): the firing alarm as read now, the OK ones carried over in
    // their place.
    let second = read();
    assert_eq!(calls(&src, "DescribeAlarms"), 4);
    assert_eq!(second.len(), 150);
    assert_eq!(second[0].reason, "Threshold Crossed again");
    assert_eq!(second[0].state, AlarmState::Alarm);
    assert!(second[1..].iter().all(|a| a.state == AlarmState::Ok));
    assert_eq!(second[149].name, "alarm-149");
    // 3: alarm-000 went OK: it is in neither list, so the whole list is read at once.
    cleared.store(true, Ordering::SeqCst);
    let third = read();
    assert_eq!(calls(&src, "DescribeAlarms"), 4 + 2 + 2);
    assert_eq!(third[0].state, AlarmState::Ok);
    assert_eq!(third[0].reason, "back to normal");
    // 4, 5: by state again; 6: the whole list (the rotation), whatever changed or not.
    read();
    read();
    assert_eq!(calls(&src, "DescribeAlarms"), 8 + 2 + 2);
    read();
    assert_eq!(calls(&src, "DescribeAlarms"), 12 + 2);
}

/// One page of alarms or fewer: read whole every time (one call, which the reads by state
/// could not beat).
#[test]
fn a_page_of_alarms_is_read_whole_every_time() {
    use cw::operation::describe_alarms::DescribeAlarmsOutput as A;
    let rules = Rules {
        cw: vec![
            mock!(cw::Client::describe_alarms)
                .match_requests(|r| r.state_value().is_none())
                .then_output(|| {
                    A::builder()
                        .set_metric_alarms(Some((0..3).map(metric_alarm).collect()))
                        .build()
                }),
            mock!(cw::Client::get_metric_data).then_output(|| {
                cw::operation::get_metric_data::GetMetricDataOutput::builder().build()
            }),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    let rt = rt();
    for n in 1..=3 {
        let got = rt
            .block_on(src.alarms(&crate::region(REGION)))
            .result
            .unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(calls(&src, "DescribeAlarms"), n);
    }
}

#[test]
fn associations_with_their_last_execution_and_targets() {
    use ssm::operation::{
        describe_association_execution_targets::DescribeAssociationExecutionTargetsOutput as T,
        describe_association_executions::DescribeAssociationExecutionsOutput as E,
        list_associations::ListAssociationsOutput as L,
    };
    let assoc = |id: &str| {
        ssm::types::Association::builder()
            .association_id(id)
            .association_name(format!("fa-092-{id}"))
            .name("AWS-ApplyAnsiblePlaybooks")
            .targets(
                ssm::types::Target::builder()
                    .key("tag:Server")
                    .values("App")
                    .build(),
            )
            .overview(
                ssm::types::AssociationOverview::builder()
                    .status("Failed")
                    .build(),
            )
            .schedule_expression("rate(30 minutes)")
            .build()
    };
    let rules = Rules {
        ssm: vec![
            mock!(ssm::Client::list_associations)
                .match_requests(|r| r.next_token().is_none())
                .then_output(move || {
                    L::builder()
                        .associations(assoc("a1"))
                        .next_token("n")
                        .build()
                }),
            mock!(ssm::Client::list_associations)
                .match_requests(|r| r.next_token() == Some("n"))
                .then_output(move || L::builder().associations(assoc("a2")).build()),
            mock!(ssm::Client::describe_association_executions).then_output(|| {
                E::builder()
                    .association_executions(
                        ssm::types::AssociationExecution::builder()
                            .execution_id("x-1")
                            .status("Failed")
                            .resource_count_by_status("Success=2,Failed=1")
                            .created_time(aws_smithy_types::DateTime::from_secs(1_795_219_200))
                            .build(),
                    )
                    .build()
            }),
            mock!(ssm::Client::describe_association_execution_targets).then_output(|| {
                T::builder()
                    .association_execution_targets(
                        ssm::types::AssociationExecutionTarget::builder()
                            .resource_id("i-1")
                            .status("Failed")
                            .detailed_status("Failed")
                            .build(),
                    )
                    .build()
            }),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    let runs = rt()
        .block_on(src.runs(&crate::region(REGION)))
        .result
        .unwrap();
    assert_eq!(runs.len(), 2);
    let a = &runs[0];
    assert_eq!(a.name, "fa-092-a1");
    assert_eq!(a.document, "AWS-ApplyAnsiblePlaybooks");
    assert_eq!(a.targets, "tag:Server=App");
    let x = a.last_execution.as_ref().unwrap();
    assert_eq!((x.success, x.failed, x.pending), (2, 1, 0));
    assert_eq!(x.targets[0].instance_id, "i-1");
    assert_eq!(calls(&src, "ListAssociations"), 2);
    assert_eq!(calls(&src, "DescribeAssociationExecutions"), 2);
    assert_eq!(calls(&src, "DescribeAssociationExecutionTargets"), 2);
}

/// The error AWS answers when it throttles DescribeLoadBalancers.
fn throttled() -> elb::operation::describe_load_balancers::DescribeLoadBalancersError {
    elb::operation::describe_load_balancers::DescribeLoadBalancersError::generic(
        ErrorMetadata::builder()
            .code("Throttling")
            .message("Rate exceeded")
            .build(),
    )
}

fn err_rules(code: &'static str) -> Rules {
    Rules {
        elb: vec![
            mock!(elb::Client::describe_load_balancers).then_error(move || {
                elb::operation::describe_load_balancers::DescribeLoadBalancersError::generic(
                    ErrorMetadata::builder()
                        .code(code)
                        .message("denied or expired")
                        .build(),
                )
            }),
        ],
        ..Rules::default()
    }
}

#[test]
fn access_denied_names_the_missing_action() {
    let src = source(&err_rules("AccessDenied"));
    let read = rt().block_on(src.targets(&crate::region(REGION)));
    let e = read.result.unwrap_err();
    assert_eq!(e.class, ErrorClass::AccessDenied);
    assert_eq!(e.code, "AccessDenied");
    assert_eq!(e.operation, "DescribeLoadBalancers");
    assert!(
        e.hint
            .unwrap()
            .contains("elasticloadbalancing:DescribeLoadBalancers")
    );
    assert_eq!(read.stats.errors, 1);
}

#[test]
fn expired_token_says_how_to_log_in() {
    let mut src = source(&err_rules("ExpiredToken"));
    src.profile = Some("oncall".into());
    let e = rt()
        .block_on(src.targets(&crate::region(REGION)))
        .result
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::ExpiredCredentials);
    assert_eq!(
        e.hint.as_deref(),
        Some("credentials expired or invalid: run `aws sso login --profile oncall`")
    );
}

#[test]
fn throttling_then_success_is_retried_by_the_sdk_and_counted() {
    use elb::operation::describe_load_balancers::DescribeLoadBalancersOutput as L;
    use elb::operation::describe_target_groups::DescribeTargetGroupsOutput as G;
    let rules = Rules {
        elb: vec![
            mock!(elb::Client::describe_load_balancers)
                .sequence()
                .error(throttled)
                .output(|| L::builder().load_balancers(lb("a")).build())
                .build(),
            mock!(elb::Client::describe_target_groups).then_output(|| G::builder().build()),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    let read = rt().block_on(src.targets(&crate::region(REGION)));
    assert_eq!(
        read.result.unwrap().len(),
        1,
        "the SDK's standard retry absorbs one throttle"
    );
    assert_eq!(
        calls(&src, "DescribeLoadBalancers"),
        2,
        "both attempts are counted"
    );
    // Two DescribeLoadBalancers, DescribeTargetGroups, ListManagedResources.
    assert_eq!(read.stats.calls, 4);
}

#[test]
fn persistent_throttling_surfaces_as_throttling() {
    let rules = Rules {
        elb: vec![
            mock!(elb::Client::describe_load_balancers)
                .sequence()
                .error(throttled)
                .repeatedly()
                .build(),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    let read = rt().block_on(src.targets(&crate::region(REGION)));
    let e = read.result.unwrap_err();
    assert_eq!(e.class, ErrorClass::Throttling);
    assert_eq!(e.code, "Throttling");
    assert_eq!(read.stats.throttles, 1);
    assert!(
        calls(&src, "DescribeLoadBalancers") >= 2,
        "the SDK retried before giving up"
    );
}

/// The header's throttles are what AWS throttled: every attempt the SDK retried is a throttle
/// of its own (a read that was throttled four times and gave up counted one), and an attempt
/// that failed otherwise is an error; one that succeeded is neither.
#[test]
fn every_throttled_attempt_is_counted_not_only_the_read_that_gave_up() {
    use elb::operation::describe_load_balancers::DescribeLoadBalancersOutput as L;
    use elb::operation::describe_target_groups::DescribeTargetGroupsOutput as G;
    let tally = |src: &AwsSource| {
        src.calls
            .counts()
            .into_iter()
            .find(|((_, op), _)| op == "DescribeLoadBalancers")
            .map(|(_, t)| t)
            .expect("DescribeLoadBalancers was counted")
    };
    let rules = Rules {
        elb: vec![
            mock!(elb::Client::describe_load_balancers)
                .sequence()
                .error(throttled)
                .repeatedly()
                .build(),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    let read = rt().block_on(src.targets(&crate::region(REGION)));
    assert_eq!(read.stats.throttles, 1, "one read failed");
    let t = tally(&src);
    assert!(t.calls >= 2, "{t:?}");
    assert_eq!(t.throttles, t.calls, "every attempt was throttled: {t:?}");
    assert_eq!(t.errors, 0);

    // One throttle, then an answer: one throttle of two calls.
    let rules = Rules {
        elb: vec![
            mock!(elb::Client::describe_load_balancers)
                .sequence()
                .error(throttled)
                .output(|| L::builder().load_balancers(lb("a")).build())
                .build(),
            mock!(elb::Client::describe_target_groups).then_output(|| G::builder().build()),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    assert!(
        rt().block_on(src.targets(&crate::region(REGION)))
            .result
            .is_ok()
    );
    let t = tally(&src);
    assert_eq!((t.calls, t.throttles, t.errors), (2, 1, 0), "{t:?}");

    // Access denied is an error, not a throttle.
    let src = source(&err_rules("AccessDenied"));
    let _ = rt().block_on(src.targets(&crate::region(REGION)));
    let t = tally(&src);
    assert_eq!((t.throttles, t.errors), (0, t.calls), "{t:?}");
}

#[test]
fn an_empty_account_is_empty_not_an_error() {
    use elb::operation::{
        describe_load_balancers::DescribeLoadBalancersOutput as L,
        describe_target_groups::DescribeTargetGroupsOutput as G,
    };
    let rules = Rules {
        elb: vec![
            mock!(elb::Client::describe_load_balancers).then_output(|| L::builder().build()),
            mock!(elb::Client::describe_target_groups).then_output(|| G::builder().build()),
        ],
        asg: vec![mock!(asg::Client::describe_auto_scaling_groups).then_output(|| asg::operation::describe_auto_scaling_groups::DescribeAutoScalingGroupsOutput::builder().build())],
        ecs: vec![mock!(ecs::Client::list_clusters).then_output(|| ecs::operation::list_clusters::ListClustersOutput::builder().build())],
        cw: vec![mock!(cw::Client::describe_alarms).then_output(|| cw::operation::describe_alarms::DescribeAlarmsOutput::builder().build())],
        ssm: vec![mock!(ssm::Client::list_associations).then_output(|| ssm::operation::list_associations::ListAssociationsOutput::builder().build())],
        logs: Vec::new(),
        zs: Vec::new(),
        rsw: Vec::new(),
    };
    let src = source(&rules);
    let rt = rt();
    assert!(
        rt.block_on(src.targets(&crate::region(REGION)))
            .result
            .unwrap()
            .is_empty()
    );
    let cap = rt
        .block_on(src.capacity(&crate::region(REGION)))
        .result
        .unwrap();
    assert!(cap.auto_scaling_groups.is_empty() && cap.ecs_services.is_empty());
    assert!(
        rt.block_on(src.runs(&crate::region(REGION)))
            .result
            .unwrap()
            .is_empty()
    );
    assert!(
        rt.block_on(src.alarms(&crate::region(REGION)))
            .result
            .unwrap()
            .is_empty()
    );
    // The minimum: one call per list, nothing per item, no GetMetricData without alarms.
    assert_eq!(src.calls.total(), 6);
    assert_eq!(calls(&src, "GetMetricData"), 0);
}

#[test]
fn timeline_reports_each_change_once() {
    use asg::operation::describe_scaling_activities::DescribeScalingActivitiesOutput as S;
    use cw::operation::describe_alarm_history::DescribeAlarmHistoryOutput as H;
    let rules = Rules {
        asg: vec![
            mock!(asg::Client::describe_scaling_activities).then_output(|| {
                S::builder()
                    .activities(
                        asg::types::Activity::builder()
                            .activity_id("act-1")
                            .auto_scaling_group_name("g1")
                            .description("Launching a new EC2 instance: i-9")
                            .cause("At … a user request")
                            .start_time(aws_smithy_types::DateTime::from_secs(1_795_219_200))
                            .status_code(asg::types::ScalingActivityStatusCode::Successful)
                            .build(),
                    )
                    .build()
            }),
        ],
        cw: vec![mock!(cw::Client::describe_alarm_history).then_output(|| {
            H::builder()
                .alarm_history_items(
                    cw::types::AlarmHistoryItem::builder()
                        .alarm_name("web-5xx")
                        .history_summary("Alarm updated from OK to ALARM")
                        .timestamp(aws_smithy_types::DateTime::from_secs(1_795_219_260))
                        .history_item_type(cw::types::HistoryItemType::StateUpdate)
                        .build(),
                )
                .build()
        })],
        ..Rules::default()
    };
    let src = source(&rules);
    let rt = rt();
    let first = rt
        .block_on(src.timeline(&crate::region(REGION), 0))
        .result
        .unwrap();
    assert_eq!(first.len(), 2);
    assert!(first[1].message.contains("OK to ALARM"));
    let last = first.iter().map(|e| e.seq).max().unwrap();
    let again = rt
        .block_on(src.timeline(&crate::region(REGION), last))
        .result
        .unwrap();
    assert!(again.is_empty(), "nothing new: {again:?}");
    assert_eq!(calls(&src, "DescribeScalingActivities"), 2);
}

#[test]
fn timeline_keeps_each_regions_changes_for_that_region() {
    use asg::operation::describe_auto_scaling_groups::DescribeAutoScalingGroupsOutput as A;
    use asg::operation::describe_scaling_activities::DescribeScalingActivitiesOutput as S;
    use cw::operation::describe_alarm_history::DescribeAlarmHistoryOutput as H;
    use ecs::operation::{
        describe_services::DescribeServicesOutput as D, list_clusters::ListClustersOutput as C,
        list_services::ListServicesOutput as L,
    };
    let quiet = || Rules {
        asg: vec![
            mock!(asg::Client::describe_scaling_activities).then_output(|| S::builder().build()),
            mock!(asg::Client::describe_auto_scaling_groups).then_output(|| A::builder().build()),
        ],
        cw: vec![mock!(cw::Client::describe_alarm_history).then_output(|| H::builder().build())],
        ..Rules::default()
    };
    let mut dr = quiet();
    dr.ecs = vec![
        mock!(ecs::Client::list_clusters).then_output(|| {
            C::builder()
                .cluster_arns("arn:aws:ecs:us-west-2:123456789012:cluster/appCluster")
                .build()
        }),
        mock!(ecs::Client::list_services).then_output(|| {
            L::builder()
                .service_arns("arn:aws:ecs:us-west-2:123456789012:service/appCluster/svc-0")
                .build()
        }),
        mock!(ecs::Client::describe_services)
            .then_output(|| D::builder().services(ecs_service(0)).build()),
    ];
    let primary = quiet();
    let src = source_in(&[(REGION, &primary), ("us-west-2", &dr)]);
    let rt = rt();
    // The DR capacity read learns an ECS event; the primary's timeline must not swallow it.
    rt.block_on(src.capacity(&crate::region("us-west-2")))
        .result
        .unwrap();
    assert!(
        rt.block_on(src.timeline(&crate::region(REGION), 0))
            .result
            .unwrap()
            .is_empty()
    );
    let west = rt
        .block_on(src.timeline(&crate::region("us-west-2"), 0))
        .result
        .unwrap();
    assert_eq!(west.len(), 1, "{west:?}");
    assert!(west[0].message.contains("steady state"));
    assert_eq!(west[0].region, "us-west-2");
}

// ---- operations: the exact requests of each, and their error paths ----

mod operations {
    use super::*;
    use ecs::types as et;
    use opsdash::ops::audit::AuditLog;
    use opsdash::ops::{self, Bounds, Executor, Operator, ScaleTarget, Scope};
    use opsdash::source::SourceKind;
    use std::sync::Mutex;

    fn scope() -> Scope {
        Scope {
            account: "123456789012".into(),
            region: crate::region(REGION),
        }
    }

    use super::live_exec::executor;

    fn scale_web(to: &str) -> opsdash::ops::Plan {
        ops::plan_scale(
            &scope(),
            &ScaleTarget::Asg("web".into()),
            Bounds {
                min: 1,
                desired: 2,
                max: 4,
            },
            to,
        )
        .unwrap()
    }

    fn container(name: &str, image: &str) -> et::ContainerDefinition {
        et::ContainerDefinition::builder()
            .name(name)
            .image(image)
            .cpu(256)
            .memory(512)
            .essential(true)
            .port_mappings(et::PortMapping::builder().container_port(8080).build())
            .environment(
                et::KeyValuePair::builder()
                    .name("MODE")
                    .value("prod")
                    .build(),
            )
            .build()
    }

    /// A task definition with every field a copy must carry over.
    fn full_task_definition() -> et::TaskDefinition {
        et::TaskDefinition::builder()
            .family("fam")
            .revision(3)
            .task_definition_arn("arn:aws:ecs:us-east-1:123456789012:task-definition/fam:3")
            .task_role_arn("arn:aws:iam::123456789012:role/task")
            .execution_role_arn("arn:aws:iam::123456789012:role/exec")
            .network_mode(et::NetworkMode::Awsvpc)
            .container_definitions(container("app", "repo/app:v1"))
            .container_definitions(container("envoy", "public.ecr.aws/envoy:1.30"))
            .volumes(et::Volume::builder().name("data").build())
            .placement_constraints(
                et::TaskDefinitionPlacementConstraint::builder()
                    .r#type(et::TaskDefinitionPlacementConstraintType::MemberOf)
                    .expression("attribute:ecs.availability-zone in [us-east-1a]")
                    .build(),
            )
            .requires_compatibilities(et::Compatibility::Ec2)
            .requires_compatibilities(et::Compatibility::Fargate)
            .cpu("512")
            .memory("1024")
            .pid_mode(et::PidMode::Task)
            .ipc_mode(et::IpcMode::None)
            .proxy_configuration(
                et::ProxyConfiguration::builder()
                    .container_name("envoy")
                    .build()
                    .unwrap(),
            )
            .ephemeral_storage(et::EphemeralStorage::builder().size_in_gib(30).build())
            .runtime_platform(
                et::RuntimePlatform::builder()
                    .cpu_architecture(et::CpuArchitecture::Arm64)
                    .operating_system_family(et::OsFamily::Linux)
                    .build(),
            )
            .build()
    }

    #[test]
    fn each_operation_sends_exactly_its_planned_requests() {
        use ecs::operation::register_task_definition::RegisterTaskDefinitionInput;
        let registered: Arc<Mutex<Option<RegisterTaskDefinitionInput>>> = Arc::default();
        let seen = registered.clone();
        let rules = Rules {
            asg: vec![
                mock!(asg::Client::set_desired_capacity)
                    .match_requests(|r| {
                        r.auto_scaling_group_name() == Some("web")
                            && r.desired_capacity() == Some(3)
                            && r.honor_cooldown() == Some(false)
                    })
                    .then_output(|| {
                        asg::operation::set_desired_capacity::SetDesiredCapacityOutput::builder()
                            .build()
                    }),
            ],
            ecs: vec![
                mock!(ecs::Client::describe_task_definition)
                    .match_requests(|r| {
                        r.task_definition() == Some("fam:3")
                            && r.include() == [et::TaskDefinitionField::Tags]
                    })
                    .then_output(|| {
                        ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput::builder()
                            .task_definition(full_task_definition())
                            .tags(et::Tag::builder().key("team").value("books").build())
                            .build()
                    }),
                mock!(ecs::Client::register_task_definition)
                    .match_requests(move |r| {
                        *seen.lock().unwrap() = Some(r.clone());
                        true
                    })
                    .then_output(|| {
                        ecs::operation::register_task_definition::RegisterTaskDefinitionOutput::builder()
                            .task_definition(
                                et::TaskDefinition::builder().family("fam").revision(4).build(),
                            )
                            .build()
                    }),
                mock!(ecs::Client::update_service)
                    .match_requests(|r| {
                        r.cluster() == Some("c")
                            && r.service() == Some("s")
                            && r.task_definition() == Some("fam:4")
                            && r.desired_count().is_none()
                            && r.force_new_deployment() == Some(false)
                    })
                    .then_output(|| {
                        ecs::operation::update_service::UpdateServiceOutput::builder().build()
                    }),
            ],
            ssm: vec![
                mock!(ssm::Client::start_associations_once)
                    .match_requests(|r| r.association_ids() == ["assoc-1".to_owned()])
                    .then_output(|| {
                        ssm::operation::start_associations_once::StartAssociationsOnceOutput::builder()
                            .build()
                    }),
            ],
            ..Rules::default()
        };
        let src = Arc::new(source(&rules));
        let (exec, log) = executor(&src, false, "exact");
        let rt = rt();
        let mut quiet = |_: &str| {};
        let scale = scale_web("3");
        let o = rt.block_on(exec.execute(&scale, &mut quiet));
        assert!(o.ok, "{}", o.message);
        let deploy =
            ops::plan_deploy(&scope(), "c", "s", "fam:3", ("app", "repo/app:v1"), "v2").unwrap();
        let o = rt.block_on(exec.execute(&deploy, &mut quiet));
        assert!(o.ok, "{}", o.message);
        assert!(o.message.contains("registered fam:4"), "{}", o.message);
        let run = ops::plan_run_now(&scope(), "assoc-1", "web-config");
        let o = rt.block_on(exec.execute(&run, &mut quiet));
        assert!(o.ok, "{}", o.message);
        for (op, n) in [
            ("SetDesiredCapacity", 1),
            ("DescribeTaskDefinition", 1),
            ("RegisterTaskDefinition", 1),
            ("UpdateService", 1),
            ("StartAssociationsOnce", 1),
        ] {
            assert_eq!(calls(&src, op), n, "{op}");
        }
        // The new revision is the old one with only the app image replaced.
        let r = registered.lock().unwrap().clone().expect("registered");
        let old = full_task_definition();
        assert_eq!(r.family(), Some("fam"));
        assert_eq!(r.task_role_arn(), old.task_role_arn());
        assert_eq!(r.execution_role_arn(), old.execution_role_arn());
        assert_eq!(r.network_mode(), old.network_mode());
        assert_eq!(r.volumes(), old.volumes());
        assert_eq!(r.placement_constraints(), old.placement_constraints());
        assert_eq!(r.requires_compatibilities(), old.requires_compatibilities());
        assert_eq!(r.cpu(), old.cpu());
        assert_eq!(r.memory(), old.memory());
        assert_eq!(r.pid_mode(), old.pid_mode());
        assert_eq!(r.ipc_mode(), old.ipc_mode());
        assert_eq!(r.proxy_configuration(), old.proxy_configuration());
        assert_eq!(r.ephemeral_storage(), old.ephemeral_storage());
        assert_eq!(r.runtime_platform(), old.runtime_platform());
        assert_eq!(
            r.tags(),
            [et::Tag::builder().key("team").value("books").build()]
        );
        let mut want = old.container_definitions().to_vec();
        want[0].image = Some("repo/app:v2".into());
        assert_eq!(r.container_definitions(), want.as_slice());
        // Every operation: an intent and an ok outcome.
        let recs: Vec<_> = log
            .read()
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let outcomes: Vec<_> = recs
            .iter()
            .filter(|r| r.phase == AuditPhase::Outcome)
            .map(|r| (r.operation.as_str(), r.outcome.unwrap().as_str()))
            .collect();
        assert_eq!(
            outcomes,
            vec![("scale", "ok"), ("deploy", "ok"), ("run_now", "ok")]
        );
        assert_eq!(recs.len(), 6);
    }

    #[test]
    fn register_task_definition_is_not_retried_and_the_failure_stops_the_plan() {
        let rules = Rules {
            ecs: vec![
                mock!(ecs::Client::describe_task_definition).then_output(|| {
                    ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput::builder()
                        .task_definition(full_task_definition())
                        .build()
                }),
                mock!(ecs::Client::register_task_definition)
                    .sequence()
                    .error(|| {
                        ecs::operation::register_task_definition::RegisterTaskDefinitionError::generic(
                            ErrorMetadata::builder()
                                .code("ThrottlingException")
                                .message("Rate exceeded")
                                .build(),
                        )
                    })
                    .output(|| {
                        ecs::operation::register_task_definition::RegisterTaskDefinitionOutput::builder()
                            .build()
                    })
                    .build(),
                mock!(ecs::Client::update_service).then_output(|| {
                    ecs::operation::update_service::UpdateServiceOutput::builder().build()
                }),
            ],
            ..Rules::default()
        };
        let src = Arc::new(source(&rules));
        let (exec, log) = executor(&src, false, "noretry");
        let deploy =
            ops::plan_deploy(&scope(), "c", "s", "fam:3", ("app", "repo/app:v1"), "v2").unwrap();
        let o = rt().block_on(exec.execute(&deploy, &mut |_| {}));
        assert!(!o.ok);
        assert!(
            o.message
                .contains("ThrottlingException ecs:RegisterTaskDefinition: Rate exceeded"),
            "{}",
            o.message
        );
        assert_eq!(calls(&src, "RegisterTaskDefinition"), 1, "never retried");
        assert_eq!(
            calls(&src, "UpdateService"),
            0,
            "the plan stops at the failure"
        );
        let recs: Vec<_> = log
            .read()
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(recs[1].outcome, Some(AuditOutcome::Failed));
        assert!(
            recs[1]
                .error
                .as_deref()
                .unwrap()
                .contains("ThrottlingException")
        );
    }

    #[test]
    fn access_denied_is_shown_in_full_with_the_missing_action() {
        let rules = Rules {
            ecs: vec![mock!(ecs::Client::update_service).then_error(|| {
                ecs::operation::update_service::UpdateServiceError::generic(
                    ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("User: arn:aws:sts::123456789012:assumed-role/OnCall/me is not authorized to perform: ecs:UpdateService")
                        .build(),
                )
            })],
            ..Rules::default()
        };
        let src = Arc::new(source(&rules));
        let (exec, _log) = executor(&src, false, "denied");
        let plan = ops::plan_rollback(&scope(), "c", "s", "fam:4", "fam:3");
        let o = rt().block_on(exec.execute(&plan, &mut |_| {}));
        assert!(!o.ok);
        assert!(o.message.contains("AccessDeniedException"), "{}", o.message);
        assert!(
            o.message
                .contains("is not authorized to perform: ecs:UpdateService")
        );
        assert!(o.message.contains("ecs:UpdateService"), "{}", o.message);
    }

    #[test]
    fn a_read_only_executor_makes_no_call_at_all() {
        let rules = Rules {
            asg: vec![mock!(asg::Client::set_desired_capacity).then_output(|| {
                asg::operation::set_desired_capacity::SetDesiredCapacityOutput::builder().build()
            })],
            ..Rules::default()
        };
        let src = Arc::new(source(&rules));
        let (exec, log) = executor(&src, true, "ro");
        let plan = scale_web("3");
        let o = rt().block_on(exec.execute(&plan, &mut |_| {}));
        assert!(!o.ok);
        // The outcome word first (a narrow status line cuts the end, never the verdict).
        assert!(
            o.message.starts_with("refused: ") && o.message.contains("(read-only mode)"),
            "{}",
            o.message
        );
        assert_eq!(src.calls.total(), 0);
        let recs: Vec<_> = log
            .read()
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(recs[1].outcome, Some(AuditOutcome::Refused));
    }

    #[test]
    fn the_intent_is_on_disk_before_the_first_call() {
        let log_dir =
            std::env::temp_dir().join(format!("opsdash-mockops-intent-{}", std::process::id()));
        let path = log_dir.join("audit.jsonl");
        let seen_lines: Arc<Mutex<Option<usize>>> = Arc::default();
        let (p, seen) = (path.clone(), seen_lines.clone());
        let rules = Rules {
            asg: vec![
                mock!(asg::Client::set_desired_capacity)
                    .match_requests(move |_| {
                        let n = std::fs::read_to_string(&p).map_or(0, |t| t.lines().count());
                        *seen.lock().unwrap() = Some(n);
                        true
                    })
                    .then_output(|| {
                        asg::operation::set_desired_capacity::SetDesiredCapacityOutput::builder()
                            .build()
                    }),
            ],
            ..Rules::default()
        };
        let src = Arc::new(source(&rules));
        let _ = std::fs::remove_dir_all(&log_dir);
        let exec = Executor::new(
            src.clone(),
            AuditLog::new(&path),
            false,
            Operator {
                user: "tester".into(),
                caller_arn: String::new(),
                profile: None,
                source: SourceKind::Aws,
            },
        );
        let plan = scale_web("4");
        assert!(rt().block_on(exec.execute(&plan, &mut |_| {})).ok);
        assert_eq!(
            *seen_lines.lock().unwrap(),
            Some(1),
            "the intent line was written when the call went out; a crash now leaves it"
        );
        let recs = AuditLog::new(&path).read().unwrap();
        assert_eq!(recs.len(), 2);
        // Cut the outcome off, as a crash between the two would: `opsdash audit` says so.
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.lines().next().unwrap().to_owned() + "\n").unwrap();
        let shown = opsdash::ops::audit::format_log(&AuditLog::new(&path).read().unwrap(), None);
        assert!(
            shown.contains("INTERRUPTED: no outcome recorded"),
            "{shown}"
        );
        assert!(shown.contains("scale"), "{shown}");
    }
}

// ---- the failover drill: the exact requests of each step and of failback, per region ----

mod drill_steps {
    use super::*;
    use opsdash::ops::drill::{
        DrillSpec, DrillState, Preflight, Resource, SIMULATED, ScaleItem, StepKind,
    };

    #[test]
    fn each_step_and_failback_call_exactly_their_apis_in_their_region() {
        let dr = Rules {
            asg: vec![
                mock!(asg::Client::set_desired_capacity)
                    .match_requests(|r| {
                        r.auto_scaling_group_name() == Some("web")
                            && r.desired_capacity() == Some(4)
                    })
                    .then_output(|| {
                        asg::operation::set_desired_capacity::SetDesiredCapacityOutput::builder()
                            .build()
                    }),
                mock!(asg::Client::set_desired_capacity)
                    .match_requests(|r| {
                        r.auto_scaling_group_name() == Some("web")
                            && r.desired_capacity() == Some(1)
                    })
                    .then_output(|| {
                        asg::operation::set_desired_capacity::SetDesiredCapacityOutput::builder()
                            .build()
                    }),
            ],
            ecs: vec![
                mock!(ecs::Client::update_service)
                    .match_requests(|r| {
                        r.cluster() == Some("c")
                            && r.service() == Some("s")
                            && matches!(r.desired_count(), Some(3 | 2))
                            && r.task_definition().is_none()
                    })
                    .then_output(|| {
                        ecs::operation::update_service::UpdateServiceOutput::builder().build()
                    }),
            ],
            ..Rules::default()
        };
        let primary = Rules {
            cw: vec![
                mock!(cw::Client::set_alarm_state)
                    .match_requests(|r| {
                        r.alarm_name() == Some("app-health")
                            && r.state_value() == Some(&cw::types::StateValue::Alarm)
                            && r.state_reason() == Some(SIMULATED)
                    })
                    .then_output(|| {
                        cw::operation::set_alarm_state::SetAlarmStateOutput::builder().build()
                    }),
                mock!(cw::Client::set_alarm_state)
                    .match_requests(|r| {
                        r.alarm_name() == Some("app-health")
                            && r.state_value() == Some(&cw::types::StateValue::Ok)
                    })
                    .then_output(|| {
                        cw::operation::set_alarm_state::SetAlarmStateOutput::builder().build()
                    }),
            ],
            ..Rules::default()
        };
        let src = Arc::new(source_in(&[("us-east-1", &primary), ("us-west-2", &dr)]));
        let (exec, _log) = super::live_exec::executor(&src, false, "mockdrill");
        let spec = DrillSpec {
            health_alarm: "app-health".into(),
            ..DrillSpec::warm_standby_demo()
        };
        let pre = Preflight {
            checks: Vec::new(),
            items: vec![
                ScaleItem {
                    resource: Resource::Asg { name: "web".into() },
                    primary: 4,
                    before: 1,
                    target: 4,
                },
                ScaleItem {
                    resource: Resource::Service {
                        cluster: "c".into(),
                        name: "s".into(),
                    },
                    primary: 3,
                    before: 2,
                    target: 3,
                },
                // Already above the target: never scaled down, not touched.
                ScaleItem {
                    resource: Resource::Asg { name: "big".into() },
                    primary: 2,
                    before: 5,
                    target: 5,
                },
            ],
            primary_healthy: 7,
            primary_registered: 7,
            dr_healthy: 3,
            target_groups: vec!["web-tg".into()],
            primary_by_group: vec![("web-tg".into(), 7)],
        };
        let state = DrillState::new(spec, "123456789012", &pre, 0);
        let rt = rt();
        for step in [
            StepKind::ScaleDr,
            StepKind::SwitchTraffic,
            StepKind::RestoreAlarm,
            StepKind::RestoreCapacity,
        ] {
            let plan = state.step_plan(step).expect("a step with calls");
            let o = rt.block_on(exec.execute(&plan, &mut |_| {}));
            assert!(o.ok, "{step:?}: {}", o.message);
        }
        assert!(state.step_plan(StepKind::WaitHealthy).is_none(), "no call");
        assert!(state.step_plan(StepKind::Verify).is_none(), "no call");
        for (op, n) in [
            ("SetDesiredCapacity", 2),
            ("UpdateService", 2),
            ("SetAlarmState", 2),
        ] {
            assert_eq!(calls(&src, op), n, "{op}");
        }
        assert_eq!(src.calls.total(), 6, "nothing else, and nothing for `big`");
    }
}

/// The sizes of the known estate.
#[derive(Clone, Copy)]
struct Known {
    groups: usize,
    services: usize,
    associations: usize,
    alarms: usize,
}

/// Rules of an estate of known sizes, each answering only a request for the largest page.
fn known_estate(n: Known) -> Rules {
    use asg::operation::describe_auto_scaling_groups::DescribeAutoScalingGroupsOutput as A;
    use cw::operation::{
        describe_alarms::DescribeAlarmsOutput as Al, get_metric_data::GetMetricDataOutput as M,
    };
    use elb::operation::{
        describe_load_balancers::DescribeLoadBalancersOutput as L,
        describe_target_groups::DescribeTargetGroupsOutput as G,
        describe_target_health::DescribeTargetHealthOutput as H,
    };
    use ssm::operation::{
        describe_association_execution_targets::DescribeAssociationExecutionTargetsOutput as T,
        describe_association_executions::DescribeAssociationExecutionsOutput as E,
        list_associations::ListAssociationsOutput as La,
    };
    let groups =
        |r: std::ops::Range<usize>| -> Vec<_> { r.map(|n| group(&format!("g{n}"))).collect() };
    Rules {
        elb: vec![
            mock!(elb::Client::describe_load_balancers)
                .match_requests(|r| r.page_size() == Some(400) && r.marker().is_none())
                .then_output(move || L::builder().load_balancers(lb("a")).load_balancers(lb("b")).build()),
            mock!(elb::Client::describe_target_groups)
                .match_requests(|r| r.page_size() == Some(400) && r.marker().is_none())
                .then_output(move || {
                    G::builder()
                        .target_groups(tg("a-web", "a"))
                        .target_groups(tg("a-api", "a"))
                        .target_groups(tg("b-web", "b"))
                        .build()
                }),
            mock!(elb::Client::describe_target_health).then_output(move || {
                H::builder()
                    .target_health_descriptions(health("i-1", elb::types::TargetHealthStateEnum::Healthy))
                    .build()
            }),
        ],
        asg: vec![
            mock!(asg::Client::describe_auto_scaling_groups)
                .match_requests(|r| r.max_records() == Some(100) && r.next_token().is_none())
                .then_output(move || {
                    A::builder()
                        .set_auto_scaling_groups(Some(groups(0..100)))
                        .next_token("p2")
                        .build()
                }),
            mock!(asg::Client::describe_auto_scaling_groups)
                .match_requests(|r| r.max_records() == Some(100) && r.next_token() == Some("p2"))
                .then_output(move || A::builder().set_auto_scaling_groups(Some(groups(100..n.groups))).build()),
            mock!(asg::Client::describe_scaling_activities)
                .match_requests(|r| r.max_records() == Some(100))
                .then_output(move || {
                    asg::operation::describe_scaling_activities::DescribeScalingActivitiesOutput::builder().build()
                }),
        ],
        ecs: vec![
            mock!(ecs::Client::list_clusters)
                .match_requests(|r| r.max_results() == Some(100))
                .then_output(move || {
                    ecs::operation::list_clusters::ListClustersOutput::builder()
                        .cluster_arns("arn:aws:ecs:us-east-1:123456789012:cluster/appCluster")
                        .build()
                }),
            mock!(ecs::Client::list_services)
                .match_requests(|r| r.max_results() == Some(100))
                .then_output(move || {
                    ecs::operation::list_services::ListServicesOutput::builder()
                        .set_service_arns(Some(
                            (0..n.services)
                                .map(|n| format!("arn:aws:ecs:us-east-1:123456789012:service/appCluster/s{n}"))
                                .collect(),
                        ))
                        .build()
                }),
            mock!(ecs::Client::describe_services)
                .match_requests(|r| r.services().len() <= 10)
                .then_output(move || {
                    ecs::operation::describe_services::DescribeServicesOutput::builder()
                        .services(ecs_service(0))
                        .build()
                }),
        ],
        ssm: vec![
            mock!(ssm::Client::list_associations)
                .match_requests(|r| r.max_results() == Some(50))
                .then_output(move || {
                    La::builder()
                        .set_associations(Some(
                            (0..n.associations)
                                .map(|n| {
                                    ssm::types::Association::builder()
                                        .association_id(format!("a{n}"))
                                        .association_name(format!("assoc-{n}"))
                                        .name("AWS-RunShellScript")
                                        .build()
                                })
                                .collect(),
                        ))
                        .build()
                }),
            mock!(ssm::Client::describe_association_executions).then_output(move || {
                E::builder()
                    .association_executions(
                        ssm::types::AssociationExecution::builder()
                            .execution_id("x")
                            .status("Success")
                            .build(),
                    )
                    .build()
            }),
            mock!(ssm::Client::describe_association_execution_targets)
                .match_requests(|r| r.max_results() == Some(50))
                .then_output(move || T::builder().build()),
        ],
        cw: [
            alarms_by_state(),
            vec![
            mock!(cw::Client::describe_alarms)
                .match_requests(|r| r.max_records() == Some(100) && r.next_token().is_none())
                .then_output(move || {
                    Al::builder()
                        .set_metric_alarms(Some((0..100).map(metric_alarm).collect()))
                        .next_token("a2")
                        .build()
                }),
            mock!(cw::Client::describe_alarms)
                .match_requests(|r| r.max_records() == Some(100) && r.next_token() == Some("a2"))
                .then_output(move || {
                    Al::builder()
                        .set_metric_alarms(Some((100..n.alarms).map(metric_alarm).collect()))
                        .build()
                }),
            mock!(cw::Client::get_metric_data)
                .match_requests(|r| r.metric_data_queries().len() <= 500)
                .then_output(move || M::builder().build()),
            mock!(cw::Client::describe_alarm_history)
                .match_requests(|r| r.max_records() == Some(100))
                .then_output(move || {
                    cw::operation::describe_alarm_history::DescribeAlarmHistoryOutput::builder().build()
                }),
        ]]
        .concat(),
        logs: Vec::new(),
        zs: Vec::new(),
        rsw: Vec::new(),
    }
}

/// DescribeAlarms by state, as CloudWatch answers it for [`metric_alarm`]s: alarm-000 is the
/// one in ALARM, none is in INSUFFICIENT_DATA.
fn alarms_by_state() -> Vec<Rule> {
    use cw::operation::describe_alarms::DescribeAlarmsOutput as A;
    vec![
        mock!(cw::Client::describe_alarms)
            .match_requests(|r| r.state_value() == Some(&cw::types::StateValue::Alarm))
            .then_output(|| {
                A::builder()
                    .set_metric_alarms(Some(vec![metric_alarm(0)]))
                    .build()
            }),
        mock!(cw::Client::describe_alarms)
            .match_requests(|r| r.state_value().is_some())
            .then_output(|| A::builder().set_metric_alarms(Some(Vec::new())).build()),
    ]
}

/// A full refresh of every pane of a known estate makes exactly the calls the batch and page
/// limits require, no more: each rule only answers requests that ask for the largest page.
#[test]
fn a_full_refresh_of_a_known_estate_makes_the_minimum_number_of_calls() {
    const GROUPS: usize = 150;
    const SERVICES: usize = 25;
    const ASSOCIATIONS: usize = 3;
    const ALARMS: usize = 120;
    const TGS: usize = 3;
    let rules = known_estate(Known {
        groups: GROUPS,
        services: SERVICES,
        associations: ASSOCIATIONS,
        alarms: ALARMS,
    });
    let src = source(&rules);
    let msgs = rt().block_on(opsdash::poller::poll_all(&src, |_| 0));
    for m in &msgs {
        if let opsdash::app::Msg::Data { payload, .. } = m {
            assert_eq!(
                payload.stats().errors + payload.stats().throttles,
                0,
                "{payload:?}"
            );
        }
    }
    let want = [
        ("DescribeLoadBalancers", 1),
        ("DescribeTargetGroups", 1),
        ("DescribeTargetHealth", TGS),
        ("DescribeAutoScalingGroups", GROUPS.div_ceil(100)),
        ("ListClusters", 1),
        ("ListServices", SERVICES.div_ceil(100)),
        ("DescribeServices", SERVICES.div_ceil(10)),
        ("ListAssociations", ASSOCIATIONS.div_ceil(50)),
        ("DescribeAssociationExecutions", ASSOCIATIONS),
        ("DescribeAssociationExecutionTargets", ASSOCIATIONS),
        ("DescribeAlarms", ALARMS.div_ceil(100)),
        ("GetMetricData", ALARMS.div_ceil(500)),
        ("DescribeScalingActivities", 1),
        ("DescribeAlarmHistory", 1),
        // Zonal shifts of all the load balancers: one call whatever their number.
        ("ListManagedResources", 1),
    ];
    for (op, n) in want {
        assert_eq!(calls(&src, op) as usize, n, "{op}");
    }
    let total: usize = want.iter().map(|(_, n)| n).sum();
    assert_eq!(
        src.calls.total() as usize,
        total,
        "{:?}",
        src.calls.snapshot()
    );
    assert_eq!(total, 25);
    // The pollers read the panes concurrently: each read still counts only its own requests.
    let region = crate::region(REGION);
    // An alarm on screen, as in a console: its metric is asked on every read (the others keep
    // their last answer for a minute).
    src.watch(
        &region,
        &opsdash::source::OnScreen {
            alarms: vec!["alarm-000".to_owned()],
            ..Default::default()
        },
    );
    let (t, c, a) = rt().block_on(async {
        tokio::join!(
            src.targets(&region),
            src.capacity(&region),
            src.alarms(&region)
        )
    });
    // The second Targets read, with no group on screen, reads the health of its rotation's share
    // (and the zonal shifts, one call); the load balancers and groups are listed every sixth read.
    assert_eq!(
        t.stats.calls as usize,
        1 + TGS.div_ceil(opsdash::source::aws::HEALTH_ROTATION as usize)
    );
    // The second Capacity read does not list the clusters and services again (every sixth read
    // does); it describes the services: this estate answers DescribeServices with another service
    // than those asked for, so none is known yet and all are asked again.
    assert_eq!(
        c.stats.calls as usize,
        GROUPS.div_ceil(100) + SERVICES.div_ceil(10)
    );
    // More alarms than a page: the second read asks by state (ALARM, INSUFFICIENT_DATA), one
    // call each, and the metric of the alarm on screen.
    assert_eq!(a.stats.calls as usize, 2 + ALARMS.div_ceil(500));
    assert_eq!(a.result.unwrap().len(), ALARMS);
}

/// Host counts ride in the alarms' GetMetricData batch: two queries per target group, with the
/// target group and load balancer dimensions; the next Targets read shows them.
#[test]
fn host_counts_share_the_alarms_metric_batch_and_reach_the_target_groups() {
    use cw::operation::get_metric_data::GetMetricDataOutput as M;
    use elb::operation::{
        describe_load_balancers::DescribeLoadBalancersOutput as L,
        describe_target_groups::DescribeTargetGroupsOutput as G,
        describe_target_health::DescribeTargetHealthOutput as H,
    };
    let lb_arn =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
    let tg_arn =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/73e2d6bc24d8a067";
    let rules = Rules {
        elb: vec![
            mock!(elb::Client::describe_load_balancers).then_output(move || {
                L::builder()
                    .load_balancers({
                        let mut l = lb("web");
                        l.load_balancer_arn = Some(lb_arn.to_owned());
                        l
                    })
                    .build()
            }),
            mock!(elb::Client::describe_target_groups).then_output(move || {
                G::builder()
                    .target_groups({
                        let mut g = tg("web-tg", "web");
                        g.target_group_arn = Some(tg_arn.to_owned());
                        g.load_balancer_arns = Some(vec![lb_arn.to_owned()]);
                        g
                    })
                    .build()
            }),
            mock!(elb::Client::describe_target_health).then_output(|| H::builder().build()),
        ],
        cw: vec![
            mock!(cw::Client::describe_alarms).then_output(|| {
                cw::operation::describe_alarms::DescribeAlarmsOutput::builder()
                    .metric_alarms(metric_alarm(0))
                    .build()
            }),
            mock!(cw::Client::get_metric_data)
                .match_requests(|r| {
                    let q = r.metric_data_queries();
                    let dims = |id: &str| {
                        q.iter()
                            .find(|x| x.id() == Some(id))
                            .and_then(|x| x.metric_stat())
                            .and_then(|s| s.metric())
                            .map(|m| {
                                (
                                    m.namespace().unwrap_or_default().to_owned(),
                                    m.metric_name().unwrap_or_default().to_owned(),
                                    m.dimensions()
                                        .iter()
                                        .map(|d| {
                                            format!("{}={}", d.name().unwrap(), d.value().unwrap())
                                        })
                                        .collect::<Vec<_>>(),
                                )
                            })
                    };
                    let want = |metric: &str| {
                        Some((
                            "AWS/ApplicationELB".to_owned(),
                            metric.to_owned(),
                            vec![
                                "TargetGroup=targetgroup/web-tg/73e2d6bc24d8a067".to_owned(),
                                "LoadBalancer=app/web/50dc6c495c0c9188".to_owned(),
                            ],
                        ))
                    };
                    q.len() == 3
                        && dims("h0") == want("HealthyHostCount")
                        && dims("u0") == want("UnHealthyHostCount")
                })
                .then_output(|| {
                    let at = |m: i64| aws_smithy_types::DateTime::from_secs(1_795_219_200 + m * 60);
                    M::builder()
                        .metric_data_results(
                            cw::types::MetricDataResult::builder()
                                .id("h0")
                                .timestamps(at(0))
                                .timestamps(at(1))
                                .values(2.0)
                                .values(1.0)
                                .build(),
                        )
                        .metric_data_results(
                            cw::types::MetricDataResult::builder()
                                .id("u0")
                                .timestamps(at(1))
                                .values(1.0)
                                .build(),
                        )
                        .build()
                }),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    let rt = rt();
    let first = rt
        .block_on(src.targets(&crate::region(REGION)))
        .result
        .unwrap();
    assert!(first[0].target_groups[0].healthy_series.is_empty());
    let alarms = rt
        .block_on(src.alarms(&crate::region(REGION)))
        .result
        .unwrap();
    assert_eq!(alarms.len(), 1);
    assert_eq!(
        calls(&src, "GetMetricData"),
        1,
        "one batch for the alarm and the host counts"
    );
    let again = rt
        .block_on(src.targets(&crate::region(REGION)))
        .result
        .unwrap();
    let g = &again[0].target_groups[0];
    let values = |s: &[opsdash::model::Point]| s.iter().map(|p| p.value).collect::<Vec<_>>();
    assert_eq!(values(&g.healthy_series), vec![2.0, 1.0]);
    assert_eq!(values(&g.unhealthy_series), vec![1.0]);
}

/// GetMetricData is charged by the metric, and the points are a minute apart: a read asks for
/// the metrics on screen (an alarm's row, an open detail, the region view), those not known yet
/// and those whose alarm changed state; the others show their last answer until it is a minute
/// old (`MetricCache`'s unit test covers the minute: this source reads the wall clock). moto
/// evaluates no alarm, so the state change is driven here, and each answer says which read
/// it was, so a series kept is told from one asked again.
#[test]
fn alarm_metrics_off_screen_keep_their_last_answer_and_those_on_screen_are_asked_every_read() {
    use cw::operation::{
        describe_alarms::DescribeAlarmsOutput as A, get_metric_data::GetMetricDataOutput as M,
    };
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicI64, Ordering};
    let asked: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
    let log = asked.clone();
    let moved = Arc::new(AtomicI64::new(0));
    let state_at = moved.clone();
    let answers = AtomicI64::new(0);
    let rules = Rules {
        cw: vec![
            mock!(cw::Client::describe_alarms).then_compute_output(move |_| {
                let mut third = metric_alarm(2);
                third.state_updated_timestamp = Some(aws_smithy_types::DateTime::from_secs(
                    1_795_219_200 + state_at.load(Ordering::SeqCst),
                ));
                A::builder()
                    .metric_alarms(metric_alarm(0))
                    .metric_alarms(metric_alarm(1))
                    .metric_alarms(third)
                    .build()
            }),
            mock!(cw::Client::get_metric_data).then_compute_output(move |r| {
                let ids: Vec<String> = r
                    .metric_data_queries()
                    .iter()
                    .filter_map(|q| q.id())
                    .map(str::to_owned)
                    .collect();
                log.lock().unwrap().push(ids.clone());
                let n = answers.fetch_add(1, Ordering::SeqCst) + 1;
                let mut out = M::builder();
                for id in ids {
                    out = out.metric_data_results(
                        cw::types::MetricDataResult::builder()
                            .id(id)
                            .timestamps(aws_smithy_types::DateTime::from_secs(
                                1_795_219_200 + n * 60,
                            ))
                            .values(n as f64)
                            .build(),
                    );
                }
                out.build()
            }),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    let rt = rt();
    let region = crate::region(REGION);
    let read = || {
        rt.block_on(src.alarms(&region))
            .result
            .unwrap()
            .iter()
            .map(|a| a.series.iter().map(|p| p.value).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    let take = || std::mem::take(&mut *asked.lock().unwrap());
    // The first read knows none: all three, in one call.
    assert_eq!(read(), vec![vec![1.0], vec![1.0], vec![1.0]]);
    assert_eq!(take(), vec![vec!["m0", "m1", "m2"]]);
    // alarm-001 on screen: asked again; the others keep the first answer.
    let watch = |alarms: &[&str]| {
        src.watch(
            &region,
            &opsdash::source::OnScreen {
                alarms: alarms.iter().map(|&a| a.to_owned()).collect(),
                ..Default::default()
            },
        );
    };
    watch(&["alarm-001"]);
    assert_eq!(read(), vec![vec![1.0], vec![2.0], vec![1.0]]);
    assert_eq!(take(), vec![vec!["m1"]]);
    // Nothing on screen: no GetMetricData call at all, every series as last answered.
    watch(&[]);
    assert_eq!(read(), vec![vec![1.0], vec![2.0], vec![1.0]]);
    assert!(take().is_empty());
    assert_eq!(calls(&src, "GetMetricData"), 2);
    // alarm-002 changed state: its metric is asked at once.
    moved.store(60, Ordering::SeqCst);
    assert_eq!(read(), vec![vec![1.0], vec![2.0], vec![3.0]]);
    assert_eq!(take(), vec![vec!["m2"]]);
}

#[test]
fn target_health_is_read_every_time_for_groups_on_screen_and_in_rotation_for_the_rest() {
    use elb::operation::{
        describe_load_balancers::DescribeLoadBalancersOutput as L,
        describe_target_groups::DescribeTargetGroupsOutput as G,
        describe_target_health::DescribeTargetHealthOutput as H,
    };
    use std::sync::Mutex;
    let names: Vec<String> = (0..12).map(|i| format!("web-{i:02}")).collect();
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = asked.clone();
    let groups = names.clone();
    let rules = Rules {
        elb: vec![
            mock!(elb::Client::describe_load_balancers)
                .then_output(|| L::builder().load_balancers(lb("a")).build()),
            mock!(elb::Client::describe_target_groups).then_output(move || {
                let mut g = G::builder();
                for n in &groups {
                    g = g.target_groups(tg(n, "a"));
                }
                g.build()
            }),
            mock!(elb::Client::describe_target_health)
                .match_requests(move |r| {
                    log.lock()
                        .unwrap()
                        .push(r.target_group_arn().unwrap_or_default().to_owned());
                    true
                })
                .then_output(|| {
                    H::builder()
                        .target_health_descriptions(health(
                            "i-1",
                            elb::types::TargetHealthStateEnum::Healthy,
                        ))
                        .build()
                }),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    let rt = rt();
    let take = || std::mem::take(&mut *asked.lock().unwrap());
    // The first read knows nothing yet: every group.
    let first = rt
        .block_on(src.targets(&crate::region(REGION)))
        .result
        .unwrap();
    assert_eq!(take().len(), 12);
    assert!(first[0].target_groups.iter().all(|g| g.health_at.is_none()));

    let on_screen = vec!["arn:tg/web-03".to_owned(), "arn:tg/web-07".to_owned()];
    let watched = opsdash::source::OnScreen {
        target_groups: on_screen.clone(),
        ..Default::default()
    };
    src.watch(&crate::region(REGION), &watched);
    let mut since_first = std::collections::HashSet::new();
    for read in 0..6 {
        let lbs = rt
            .block_on(src.targets(&crate::region(REGION)))
            .result
            .unwrap();
        let asked_now = take();
        // The two on screen, and ceil(10 / 6) = 2 of the other ten.
        assert_eq!(asked_now.len(), 4, "read {read}: {asked_now:?}");
        for arn in &on_screen {
            assert!(asked_now.contains(arn), "read {read}: {arn} on screen");
        }
        for g in &lbs[0].target_groups {
            // Carried over exactly when not asked, and then it says when it was read.
            assert_eq!(
                g.health_at.is_none(),
                asked_now.contains(&g.arn),
                "{}",
                g.name
            );
            assert_eq!((g.healthy, g.total), (1, 1), "{} keeps its targets", g.name);
        }
        since_first.extend(asked_now);
    }
    assert_eq!(since_first.len(), 12, "every group within six reads");
    // Off screen again: the rotation alone.
    src.watch(
        &crate::region(REGION),
        &opsdash::source::OnScreen::default(),
    );
    rt.block_on(src.targets(&crate::region(REGION)))
        .result
        .unwrap();
    assert_eq!(take().len(), 2);
}

/// The load balancers and target groups are listed every sixth Targets read, not every read
/// (issue 21), and at once when a group listed is found gone: a deleted group is never an error
/// and never shown. Mocked: the calls per read are the point.
#[test]
fn load_balancers_are_listed_every_sixth_read_and_at_once_when_a_group_is_gone() {
    use elb::operation::{
        describe_load_balancers::DescribeLoadBalancersOutput as L,
        describe_target_groups::DescribeTargetGroupsOutput as G,
        describe_target_health::{
            DescribeTargetHealthError as HE, DescribeTargetHealthOutput as H,
        },
    };
    use std::sync::atomic::{AtomicBool, Ordering};
    // web-02 is deleted after the first read: asked for, it is not found; listed, it is gone.
    let deleted = Arc::new(AtomicBool::new(false));
    let (d1, d2) = (deleted.clone(), deleted.clone());
    let rules = Rules {
        elb: vec![
            mock!(elb::Client::describe_load_balancers)
                .then_output(|| L::builder().load_balancers(lb("a")).build()),
            mock!(elb::Client::describe_target_groups).then_output(move || {
                let mut g = G::builder();
                for n in ["web-00", "web-01", "web-02"] {
                    if !(n == "web-02" && d1.load(Ordering::SeqCst)) {
                        g = g.target_groups(tg(n, "a"));
                    }
                }
                g.build()
            }),
            mock!(elb::Client::describe_target_health)
                .match_requests(move |r| {
                    d2.load(Ordering::SeqCst) && r.target_group_arn() == Some("arn:tg/web-02")
                })
                .then_error(|| {
                    HE::TargetGroupNotFoundException(
                        elb::types::error::TargetGroupNotFoundException::builder()
                            .message("One or more target groups not found")
                            .meta(ErrorMetadata::builder().code("TargetGroupNotFound").build())
                            .build(),
                    )
                }),
            mock!(elb::Client::describe_target_health).then_output(|| {
                H::builder()
                    .target_health_descriptions(health(
                        "i-1",
                        elb::types::TargetHealthStateEnum::Healthy,
                    ))
                    .build()
            }),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    let rt = rt();
    let region = crate::region(REGION);
    let read = || rt.block_on(src.targets(&region)).result;
    let listings = || {
        (
            calls(&src, "DescribeLoadBalancers"),
            calls(&src, "DescribeTargetGroups"),
        )
    };
    assert_eq!(read().unwrap()[0].target_groups.len(), 3);
    assert_eq!(listings(), (1, 1));
    for n in 1..6 {
        assert_eq!(read().unwrap()[0].target_groups.len(), 3, "read {n}");
        assert_eq!(listings(), (1, 1), "read {n}: the listing is carried");
    }
    read().unwrap();
    assert_eq!(
        listings(),
        (2, 2),
        "the sixth read after the first lists again"
    );

    // web-02 deleted, and on screen: described on the next read, not found, listed again at once.
    deleted.store(true, Ordering::SeqCst);
    let watched = opsdash::source::OnScreen {
        target_groups: vec!["arn:tg/web-02".to_owned()],
        ..Default::default()
    };
    src.watch(&region, &watched);
    let lbs = read().expect("a group gone is no error");
    assert_eq!(listings(), (3, 3));
    let names: Vec<&str> = lbs[0]
        .target_groups
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(names, ["web-00", "web-01"]);
}

/// The ECS side of the Capacity pane in a large estate (issue 21): services on screen or under way
/// are described on every read, the others (at rest, off screen) in rotation, and the clusters and
/// services are listed every sixth read; a service carried over says when it was read, and one
/// this console changes is described on the next read. Mocked (the calls per read are the point),
/// the estate answering DescribeServices with the services asked for.
#[test]
fn services_on_screen_or_under_way_are_described_every_read_the_rest_in_rotation() {
    use ecs::operation::{
        describe_services::DescribeServicesOutput as D, list_clusters::ListClustersOutput as C,
        list_services::ListServicesOutput as S, update_service::UpdateServiceOutput as U,
    };
    use std::sync::Mutex;
    let arn = |n: &str| format!("arn:aws:ecs:us-east-1:123456789012:service/appCluster/{n}");
    let names: Vec<String> = (0..30).map(|i| format!("s{i:02}")).collect();
    let arns: Vec<String> = names.iter().map(|n| arn(n)).collect();
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = asked.clone();
    let rules = Rules {
        asg: vec![
            mock!(asg::Client::describe_auto_scaling_groups).then_output(|| {
                asg::operation::describe_auto_scaling_groups::DescribeAutoScalingGroupsOutput::builder()
                    .build()
            }),
        ],
        ecs: vec![
            mock!(ecs::Client::list_clusters).then_output(|| {
                C::builder()
                    .cluster_arns("arn:aws:ecs:us-east-1:123456789012:cluster/appCluster")
                    .build()
            }),
            mock!(ecs::Client::list_services)
                .then_output(move || S::builder().set_service_arns(Some(arns.clone())).build()),
            mock!(ecs::Client::describe_services).then_compute_output(move |r| {
                let mut d = D::builder();
                for a in r.services() {
                    let name = a.rsplit('/').next().unwrap();
                    log.lock().unwrap().push(name.to_owned());
                    // s07 is rolling out; the others are at rest.
                    let rolling = name == "s07";
                    let state = if rolling {
                        ecs::types::DeploymentRolloutState::InProgress
                    } else {
                        ecs::types::DeploymentRolloutState::Completed
                    };
                    d = d.services(
                        ecs::types::Service::builder()
                            .service_arn(a)
                            .service_name(name)
                            .status("ACTIVE")
                            .cluster_arn("arn:aws:ecs:us-east-1:123456789012:cluster/appCluster")
                            .desired_count(2)
                            .running_count(2)
                            .deployments(
                                ecs::types::Deployment::builder()
                                    .status("PRIMARY")
                                    .desired_count(2)
                                    .running_count(2)
                                    .rollout_state(state)
                                    .build(),
                            )
                            .build(),
                    );
                }
                d.build()
            }),
            mock!(ecs::Client::update_service).then_output(|| U::builder().build()),
        ],
        ..Rules::default()
    };
    let src = source(&rules);
    let rt = rt();
    let region = crate::region(REGION);
    let take = || std::mem::take(&mut *asked.lock().unwrap());
    let read = || {
        rt.block_on(src.capacity(&region))
            .result
            .unwrap()
            .ecs_services
    };
    let listings = || (calls(&src, "ListClusters"), calls(&src, "ListServices"));

    // The first read lists and describes every service, ten at a time.
    let first = read();
    assert_eq!(first.len(), 30);
    assert!(first.iter().all(|s| s.read_at.is_none()));
    assert_eq!(take().len(), 30);
    assert_eq!(calls(&src, "DescribeServices"), 3);
    assert_eq!(listings(), (1, 1));

    src.watch(
        &region,
        &opsdash::source::OnScreen {
            services: vec![("appCluster".into(), "s03".into())],
            ..Default::default()
        },
    );
    let mut since_first = std::collections::HashSet::new();
    for n in 1..=5 {
        let services = read();
        let asked_now = take();
        // On screen (s03), under way (s07), and ceil(28 / 6) = 5 of the other 28: one call.
        assert_eq!(asked_now.len(), 7, "read {n}: {asked_now:?}");
        assert!(asked_now.contains(&"s03".to_owned()) && asked_now.contains(&"s07".to_owned()));
        assert_eq!(calls(&src, "DescribeServices"), 3 + n, "read {n}");
        assert_eq!(listings(), (1, 1), "read {n}: not listed again yet");
        assert_eq!(
            services.len(),
            30,
            "read {n}: every service stays on the pane"
        );
        for s in &services {
            assert_eq!(
                s.read_at.is_none(),
                asked_now.contains(&s.name),
                "read {n}: {}",
                s.name
            );
        }
        since_first.extend(asked_now);
    }
    // The sixth read after the first lists the clusters and services again.
    read();
    assert_eq!(listings(), (2, 2));
    since_first.extend(take());
    assert_eq!(since_first.len(), 30, "every service within six reads");

    // A service changed through this source is described on the next read, off screen or not.
    let carried = read()
        .into_iter()
        .find(|s| s.read_at.is_some())
        .expect("a service carried over")
        .name;
    take();
    let update = opsdash::source::ServiceUpdate {
        cluster: "appCluster".into(),
        service: carried.clone(),
        desired: Some(3),
        task_definition: None,
        force_new_deployment: false,
    };
    rt.block_on(opsdash::source::EstateWriter::update_service(
        &src, &region, update,
    ))
    .unwrap();
    read();
    assert!(take().contains(&carried), "{carried} after UpdateService");
}

/// A large estate's Auto Scaling groups are not all described on every read: DescribeAutoScalingGroups
/// of 50 groups and 300 instances was the largest answer a Capacity read parsed. Mocked: the
/// calls and the names each read asks for are the point, and a group deleted between reads.
#[test]
fn groups_on_screen_or_under_way_are_described_every_read_the_rest_in_rotation() {
    use asg::operation::describe_auto_scaling_groups::DescribeAutoScalingGroupsOutput as A;
    use asg::operation::set_desired_capacity::SetDesiredCapacityOutput as Set;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};
    let names: Vec<String> = (0..30).map(|i| format!("g{i:02}")).collect();
    // Each request: the names it asked for (empty: every group).
    let asked: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
    let deleted = Arc::new(AtomicBool::new(false));
    let (log, gone) = (asked.clone(), deleted.clone());
    let rules =
        Rules {
            asg: vec![
                mock!(asg::Client::describe_auto_scaling_groups)
                    .match_requests(|r| r.max_records() == Some(100))
                    .then_compute_output(move |r| {
                        let want = r.auto_scaling_group_names().to_vec();
                        log.lock().unwrap().push(want.clone());
                        let mut out = A::builder();
                        for n in names.iter().filter(|n| want.is_empty() || want.contains(n)) {
                            if gone.load(Ordering::SeqCst) && n == "g11" {
                                continue;
                            }
                            let mut g = asg::types::AutoScalingGroup::builder()
                                .auto_scaling_group_name(n)
                                .min_size(1)
                                .max_size(4)
                                .desired_capacity(1);
                            // g07 is launching an instance; the others are at rest.
                            let state = if n == "g07" {
                                asg::types::LifecycleState::Pending
                            } else {
                                asg::types::LifecycleState::InService
                            };
                            g = g.instances(
                                asg::types::Instance::builder()
                                    .instance_id(format!("i-{n}"))
                                    .availability_zone("us-east-1a")
                                    .lifecycle_state(state)
                                    .health_status("Healthy")
                                    .build(),
                            );
                            out = out.auto_scaling_groups(g.build());
                        }
                        out.build()
                    }),
                mock!(asg::Client::set_desired_capacity).then_output(|| Set::builder().build()),
            ],
            ecs: vec![mock!(ecs::Client::list_clusters).then_output(|| {
                ecs::operation::list_clusters::ListClustersOutput::builder().build()
            })],
            ..Rules::default()
        };
    let src = source(&rules);
    let rt = rt();
    let region = crate::region(REGION);
    let take = || std::mem::take(&mut *asked.lock().unwrap());
    let read = || {
        rt.block_on(src.capacity(&region))
            .result
            .unwrap()
            .auto_scaling_groups
    };

    // The first read describes every group, in one call.
    let first = read();
    assert_eq!(first.len(), 30);
    assert!(first.iter().all(|g| g.read_at.is_none()));
    assert_eq!(take(), [Vec::<String>::new()]);

    src.watch(
        &region,
        &opsdash::source::OnScreen {
            groups: vec!["g03".into()],
            ..Default::default()
        },
    );
    let mut since_first = std::collections::HashSet::new();
    for n in 1..=5 {
        let groups = read();
        let requests = take();
        assert_eq!(requests.len(), 1, "read {n}: one call");
        let asked_now = &requests[0];
        // On screen (g03), under way (g07), and ceil(28 / 6) = 5 of the other 28.
        assert_eq!(asked_now.len(), 7, "read {n}: {asked_now:?}");
        assert!(asked_now.contains(&"g03".to_owned()) && asked_now.contains(&"g07".to_owned()));
        assert_eq!(groups.len(), 30, "read {n}: every group stays on the pane");
        for g in &groups {
            assert_eq!(
                g.read_at.is_none(),
                asked_now.contains(&g.name),
                "read {n}: {}",
                g.name
            );
        }
        since_first.extend(asked_now.iter().cloned());
    }
    // The least recently described first: five reads asked for 25 different groups at rest.
    assert_eq!(since_first.len(), 2 + 25);
    // The sixth read after the first describes every group again: that is the listing.
    read();
    assert_eq!(take(), [Vec::<String>::new()]);

    // A group this console scales is described on the next read, off screen or not.
    let carried = read()
        .into_iter()
        .find(|g| g.read_at.is_some())
        .expect("a group carried over")
        .name;
    take();
    rt.block_on(opsdash::source::EstateWriter::set_desired_capacity(
        &src, &region, &carried, 2,
    ))
    .unwrap();
    read();
    assert!(
        take()[0].contains(&carried),
        "{carried} after SetDesiredCapacity"
    );

    // A group deleted: gone from the pane once a read asks for it, never an error.
    deleted.store(true, Ordering::SeqCst);
    src.watch(
        &region,
        &opsdash::source::OnScreen {
            groups: vec!["g11".into()],
            ..Default::default()
        },
    );
    let groups = read();
    assert_eq!(groups.len(), 29);
    assert!(groups.iter().all(|g| g.name != "g11"));
}

/// The Logs view's calls: where a service's, an alarm's and a group's logs are, and
/// FilterLogEvents following its pages up to the read's limit.
mod logs_view {
    use super::*;
    use opsdash::model::Timestamp;
    use opsdash::model::logs::{LogGroup, LogSource, LogTarget};

    fn event(n: usize) -> logs::types::FilteredLogEvent {
        logs::types::FilteredLogEvent::builder()
            .event_id(format!("e{n:04}"))
            .timestamp(1_000_000 + n as i64)
            .log_stream_name("web/app/task1")
            .message(format!("line {n}"))
            .build()
    }

    #[test]
    fn a_service_reads_its_containers_awslogs_groups_and_prefixes() {
        use ecs::types::{ContainerDefinition, LogConfiguration, LogDriver};
        let logged = |name: &str, group: &str| {
            ContainerDefinition::builder()
                .name(name)
                .log_configuration(
                    LogConfiguration::builder()
                        .log_driver(LogDriver::Awslogs)
                        .options("awslogs-group", group)
                        .options("awslogs-stream-prefix", "web")
                        .build()
                        .unwrap(),
                )
                .build()
        };
        let rules = Rules {
            ecs: vec![
                mock!(ecs::Client::describe_task_definition)
                    .match_requests(|r| r.task_definition() == Some("web:7"))
                    .then_output(move || {
                        ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput::builder()
                            .task_definition(
                                ecs::types::TaskDefinition::builder()
                                    .container_definitions(logged("app", "/ecs/web"))
                                    .container_definitions(logged("sidecar", "/ecs/web"))
                                    .container_definitions(
                                        ContainerDefinition::builder().name("nolog").build(),
                                    )
                                    .build(),
                            )
                            .build()
                    }),
            ],
            ..Rules::default()
        };
        let src = source(&rules);
        let target = LogTarget::Service {
            cluster: "c".into(),
            name: "web".into(),
            task_definition: "web:7".into(),
        };
        let found = rt()
            .block_on(src.log_source(&crate::region(REGION), &target))
            .result
            .unwrap();
        assert_eq!(
            found.groups,
            vec![
                LogGroup {
                    name: "/ecs/web".into(),
                    stream_prefix: Some("web/app/".into())
                },
                LogGroup {
                    name: "/ecs/web".into(),
                    stream_prefix: Some("web/sidecar/".into())
                },
            ]
        );
        assert_eq!(calls(&src, "DescribeTaskDefinition"), 1);
        // A task definition whose containers log elsewhere was read: it is no "NotFound" (the
        // Logs view said `DescribeTaskDefinition NotFound: zephyr-api:1` while `d` read it).
        let rules =
            Rules {
                ecs: vec![mock!(ecs::Client::describe_task_definition).then_output(|| {
                ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput::builder()
                    .task_definition(
                        ecs::types::TaskDefinition::builder()
                            .container_definitions(
                                ContainerDefinition::builder().name("app").build(),
                            )
                            .build(),
                    )
                    .build()
            })],
                ..Rules::default()
            };
        let src = source(&rules);
        let e = rt()
            .block_on(src.log_source(&crate::region(REGION), &target))
            .result
            .unwrap_err();
        assert_eq!(e.code, "NoAwslogs");
        assert!(
            e.message
                .contains("web:7 (read) has no container with the awslogs log driver"),
            "{}",
            e.message
        );
    }

    #[test]
    fn an_alarm_reads_its_metric_filters_group_and_pattern() {
        let rules = Rules {
            logs: vec![
                mock!(logs::Client::describe_metric_filters)
                    .match_requests(|r| {
                        r.metric_name() == Some("ErrorCount")
                            && r.metric_namespace() == Some("LogMetrics")
                    })
                    .then_output(|| {
                        logs::operation::describe_metric_filters::DescribeMetricFiltersOutput::builder()
                            .metric_filters(
                                logs::types::MetricFilter::builder()
                                    .log_group_name("/ec2/web/app")
                                    .filter_pattern("Error")
                                    .build(),
                            )
                            .build()
                    }),
                mock!(logs::Client::describe_metric_filters).then_output(|| {
                    logs::operation::describe_metric_filters::DescribeMetricFiltersOutput::builder()
                        .build()
                }),
            ],
            ..Rules::default()
        };
        let src = source(&rules);
        let alarm = |metric: &str| LogTarget::Alarm {
            name: "web-log-errors".into(),
            namespace: "LogMetrics".into(),
            metric: metric.into(),
        };
        let found = rt()
            .block_on(src.log_source(&crate::region(REGION), &alarm("ErrorCount")))
            .result
            .unwrap();
        assert_eq!(found.pattern, "Error");
        assert_eq!(found.groups[0].name, "/ec2/web/app");
        let none = rt().block_on(src.log_source(&crate::region(REGION), &alarm("CPUUtilization")));
        let e = none.result.unwrap_err();
        assert!(e.message.contains("no log metric filter"), "{e:?}");
    }

    #[test]
    fn filter_log_events_follows_pages_up_to_the_limit_and_says_when_it_stopped() {
        let rules = Rules {
            logs: vec![
                mock!(logs::Client::filter_log_events)
                    .match_requests(|r| {
                        r.next_token().is_none()
                            && r.log_group_name() == Some("/ecs/web")
                            && r.log_stream_name_prefix() == Some("web/app/")
                            && r.filter_pattern() == Some("line")
                            && r.start_time() == Some(999_000)
                    })
                    .then_output(|| {
                        logs::operation::filter_log_events::FilterLogEventsOutput::builder()
                            .set_events(Some((0..40).map(event).collect()))
                            .next_token("p2")
                            .build()
                    }),
                mock!(logs::Client::filter_log_events)
                    .match_requests(|r| r.next_token() == Some("p2"))
                    .then_output(|| {
                        logs::operation::filter_log_events::FilterLogEventsOutput::builder()
                            // A page may be empty while the service scans on.
                            .next_token("p3")
                            .build()
                    }),
                mock!(logs::Client::filter_log_events)
                    .match_requests(|r| r.next_token() == Some("p3"))
                    .then_output(|| {
                        logs::operation::filter_log_events::FilterLogEventsOutput::builder()
                            .set_events(Some((40..100).map(event).collect()))
                            .next_token("p4")
                            .build()
                    }),
            ],
            ..Rules::default()
        };
        let src = source(&rules);
        let source = LogSource {
            groups: vec![LogGroup {
                name: "/ecs/web".into(),
                stream_prefix: Some("web/app/".into()),
            }],
            pattern: String::new(),
        };
        let page = rt()
            .block_on(src.logs(
                &crate::region(REGION),
                1,
                &source,
                "line",
                Timestamp(999_000),
                50,
            ))
            .result
            .unwrap();
        assert_eq!(page.events.len(), 50, "the limit");
        assert!(page.truncated, "more were left");
        assert_eq!(page.events[0].message, "line 0");
        assert_eq!(page.events[49].message, "line 49");
        assert_eq!(calls(&src, "FilterLogEvents"), 3);
    }
}

/// Live tail (StartLiveTail): its event stream comes from a mocked response whose body the test
/// writes frame by frame, so a session can start, push, stay open and end when the test says.
/// moto answers StartLiveTail with the events it already has and then ends the stream; that
/// the requests and the decoding work over real HTTP is checked against moto (tests/moto.rs).
mod live_tail {
    use super::*;
    use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
    use opsdash::model::Timestamp;
    use opsdash::model::logs::{Delivery, LogGroup, LogPage, LogSource};
    use std::pin::Pin;
    use std::sync::Mutex;
    use std::task::{Context, Poll};
    use tokio::sync::mpsc;

    /// A response body the test writes to.
    struct Written(mpsc::UnboundedReceiver<bytes::Bytes>);

    impl http_body::Body for Written {
        type Data = bytes::Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
            self.0
                .poll_recv(cx)
                .map(|b| b.map(|b| Ok(http_body::Frame::data(b))))
        }
    }

    /// An event-stream frame of `kind` (`sessionStart`, `sessionUpdate`) with a JSON payload.
    fn frame(kind: &str, payload: &serde_json::Value) -> bytes::Bytes {
        let m = Message::new(payload.to_string().into_bytes())
            .add_header(Header::new(
                ":message-type",
                HeaderValue::String("event".into()),
            ))
            .add_header(Header::new(
                ":event-type",
                HeaderValue::String(kind.to_owned().into()),
            ))
            .add_header(Header::new(
                ":content-type",
                HeaderValue::String("application/json".into()),
            ));
        let mut out = Vec::new();
        aws_smithy_eventstream::frame::write_message_to(&m, &mut out).unwrap();
        out.into()
    }

    const GROUP: &str = "/ecs/web";
    const ARN: &str = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web";

    fn start() -> bytes::Bytes {
        frame(
            "sessionStart",
            &serde_json::json!({"requestId": "r", "sessionId": "s", "logGroupIdentifiers": [ARN]}),
        )
    }

    fn update(sampled: bool, lines: &[(i64, &str)]) -> bytes::Bytes {
        let results: Vec<serde_json::Value> = lines
            .iter()
            .map(|(at, m)| {
                serde_json::json!({"logGroupIdentifier": ARN, "logStreamName": "web/app/t1",
                    "message": m, "timestamp": at, "ingestionTime": at + 1})
            })
            .collect();
        frame(
            "sessionUpdate",
            &serde_json::json!({"sessionMetadata": {"sampled": sampled}, "sessionResults": results}),
        )
    }

    fn polled(at: i64, m: &str) -> logs::types::FilteredLogEvent {
        logs::types::FilteredLogEvent::builder()
            .event_id(format!("polled-{at}"))
            .timestamp(at)
            .ingestion_time(at + 1)
            .log_stream_name("web/app/t1")
            .message(m)
            .build()
    }

    /// Rules: FilterLogEvents answers `history`; StartLiveTail (asked with the group's ARN, the
    /// prefix and the pattern) answers a body the returned sender writes.
    fn rules(history: Vec<(i64, &'static str)>) -> (Rules, mpsc::UnboundedSender<bytes::Bytes>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let body = Mutex::new(Some(Written(rx)));
        let rules = Rules {
            logs: vec![
                mock!(logs::Client::filter_log_events).then_output(move || {
                    logs::operation::filter_log_events::FilterLogEventsOutput::builder()
                        .set_events(Some(history.iter().map(|(a, m)| polled(*a, m)).collect()))
                        .build()
                }),
                mock!(logs::Client::start_live_tail)
                    .match_requests(|r| {
                        r.log_group_identifiers() == [ARN.to_owned()]
                            && r.log_stream_name_prefixes() == ["web/app/".to_owned()]
                            && r.log_event_filter_pattern() == Some("ERROR")
                    })
                    .then_http_response(move || {
                        // A second session gets a stream that ends at once.
                        let body = body.lock().unwrap().take().map_or_else(
                            aws_smithy_types::body::SdkBody::empty,
                            aws_smithy_types::body::SdkBody::from_body_1_x,
                        );
                        aws_smithy_runtime_api::http::Response::new(200.try_into().unwrap(), body)
                    }),
            ],
            ..Rules::default()
        };
        (rules, tx)
    }

    fn web() -> LogSource {
        LogSource {
            groups: vec![LogGroup {
                name: GROUP.into(),
                stream_prefix: Some("web/app/".into()),
            }],
            pattern: String::new(),
        }
    }

    async fn read(src: &AwsSource) -> (LogPage, u32) {
        read_view(src, 1).await
    }

    async fn read_view(src: &AwsSource, view: u64) -> (LogPage, u32) {
        let r = src
            .logs(
                &crate::region(REGION),
                view,
                &web(),
                "ERROR",
                Timestamp(1_000),
                1000,
            )
            .await;
        (r.result.unwrap(), r.stats.calls)
    }

    /// Lets the session task take what the test wrote.
    async fn settle() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    /// Runs `f` on paused time: the clock jumps whenever every task waits.
    fn paused<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap()
            .block_on(f)
    }

    /// View 1's first read, its session started, and the catch-up read: it is live.
    async fn go_live(src: &AwsSource, tx: &mpsc::UnboundedSender<bytes::Bytes>) {
        read(src).await;
        tx.send(start()).unwrap();
        settle().await;
        read(src).await;
    }

    fn messages(p: &LogPage) -> Vec<&str> {
        p.events.iter().map(|e| e.message.as_str()).collect()
    }

    #[test]
    fn polls_while_the_tail_opens_catches_up_once_then_reads_make_no_requests() {
        let (rules, tx) = rules(vec![(1_000, "ERROR old"), (2_000, "ERROR older tail")]);
        let src = source(&rules);
        rt().block_on(async {
            let (p, _) = read(&src).await;
            assert_eq!(p.delivery, Delivery::Opening);
            assert_eq!(messages(&p), ["ERROR old", "ERROR older tail"]);
            settle().await;
            assert_eq!(calls(&src, "StartLiveTail"), 1);
            // Not started yet: still polling.
            let (p, _) = read(&src).await;
            assert_eq!(p.delivery, Delivery::Opening);
            assert_eq!(calls(&src, "FilterLogEvents"), 2);

            // Started: one more poll catches up, and an event both polled and pushed shows once.
            tx.send(start()).unwrap();
            tx.send(update(
                false,
                &[(2_000, "ERROR older tail"), (3_000, "ERROR new")],
            ))
            .unwrap();
            settle().await;
            let (p, _) = read(&src).await;
            assert_eq!(p.delivery, Delivery::Live { sampled: false });
            assert_eq!(calls(&src, "FilterLogEvents"), 3, "the catch-up");
            assert_eq!(messages(&p), ["ERROR old", "ERROR older tail", "ERROR new"]);

            // Live: the pushed events only, no request.
            tx.send(update(false, &[(4_000, "ERROR pushed")])).unwrap();
            settle().await;
            let (p, requests) = read(&src).await;
            assert_eq!(requests, 0, "a live read makes no request");
            assert_eq!(calls(&src, "FilterLogEvents"), 3);
            assert_eq!(messages(&p), ["ERROR pushed"]);
            let e = &p.events[0];
            assert_eq!((e.group.as_str(), e.stream.as_str()), (GROUP, "web/app/t1"));
            assert_eq!(e.at, Timestamp(4_000));
            let (p, _) = read(&src).await;
            assert!(p.events.is_empty(), "taken once");

            // The service samples a busy tail: the read says so.
            tx.send(update(true, &[(5_000, "ERROR busy")])).unwrap();
            settle().await;
            let (p, _) = read(&src).await;
            assert_eq!(p.delivery, Delivery::Live { sampled: true });
            assert_eq!(messages(&p), ["ERROR busy"]);

            // The stream ends at once (as moto's does): polling again, and why.
            drop(tx);
            settle().await;
            let (p, _) = read(&src).await;
            let Delivery::Fallback(why) = &p.delivery else {
                panic!("{:?}", p.delivery)
            };
            assert!(why.contains("closed by the service"), "{why}");
            assert_eq!(calls(&src, "FilterLogEvents"), 4, "polls again");
            assert_eq!(calls(&src, "StartLiveTail"), 1, "not reopened at once");
        });
    }

    #[test]
    fn a_live_tail_is_checked_by_a_poll_once_a_minute() {
        let (rules, tx) = rules(vec![(1_000, "ERROR old")]);
        let src = source(&rules);
        paused(async {
            go_live(&src, &tx).await;
            let before = calls(&src, "FilterLogEvents");
            // A quiet session (AWS sends nothing then) read every 10 s for two minutes.
            let mut polls = Vec::new();
            for _ in 0..12 {
                tokio::time::sleep(std::time::Duration::from_secs(10)).await;
                let (p, requests) = read(&src).await;
                assert_eq!(p.delivery, Delivery::Live { sampled: false });
                polls.push(requests);
            }
            assert_eq!(calls(&src, "FilterLogEvents") - before, 2, "{polls:?}");
            assert!(!tx.is_closed(), "still the same session");
        });
    }

    #[test]
    fn a_view_opened_again_on_the_same_logs_reads_its_history_itself() {
        let (rules, tx) = rules(vec![(1_000, "ERROR old")]);
        let src = source(&rules);
        rt().block_on(async {
            go_live(&src, &tx).await;
            let (p, requests) = read(&src).await;
            assert_eq!(
                (p.delivery, requests),
                (Delivery::Live { sampled: false }, 0)
            );
            // Closed and opened again (view 2) while the tail still runs: it polls, for the
            // last 15 minutes, and the old view's tail is closed.
            let (p, requests) = read_view(&src, 2).await;
            assert_eq!(p.delivery, Delivery::Opening);
            assert_eq!(requests, 1);
            assert_eq!(messages(&p), ["ERROR old"]);
            settle().await;
            assert!(tx.is_closed(), "view 1's session was closed");
        });
    }

    #[test]
    fn a_refused_tail_polls_and_says_why() {
        let (rules, _tx) = rules(vec![(1_000, "ERROR old")]);
        let src = source(&rules);
        rt().block_on(async {
            // Another pattern than the rule's: the refusal the other tests get.
            let r = src
                .logs(
                    &crate::region(REGION),
                    1,
                    &web(),
                    "WARN",
                    Timestamp(1_000),
                    1000,
                )
                .await;
            assert_eq!(r.result.unwrap().delivery, Delivery::Opening);
            settle().await;
            let p = src
                .logs(
                    &crate::region(REGION),
                    1,
                    &web(),
                    "WARN",
                    Timestamp(1_000),
                    1000,
                )
                .await
                .result
                .unwrap();
            let Delivery::Fallback(why) = &p.delivery else {
                panic!("{:?}", p.delivery)
            };
            assert!(why.contains("AccessDeniedException"), "{why}");
            assert!(why.contains("StartLiveTail"), "{why}");
            assert_eq!(messages(&p), ["ERROR old"], "polled");
        });
    }

    #[test]
    fn a_tail_nobody_reads_is_closed_and_a_new_read_reopens_it() {
        let (rules, tx) = rules(vec![(1_000, "ERROR old")]);
        let src = source(&rules);
        paused(async {
            go_live(&src, &tx).await;
            assert!(!tx.is_closed(), "the session is open");
            // The view closed (or paused): nobody reads for longer than the idle limit.
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            assert!(tx.is_closed(), "the session's stream was dropped");
            assert_eq!(calls(&src, "StartLiveTail"), 1);
            // The view is back: the read polls to catch up and opens a new tail.
            let (p, requests) = read(&src).await;
            assert_eq!(p.delivery, Delivery::Opening);
            assert_eq!(requests, 1, "FilterLogEvents");
            settle().await;
            assert_eq!(calls(&src, "StartLiveTail"), 2);
        });
    }
}

/// ARC zonal shift against the real SDK client (moto has no arc-zonal-shift service): the
/// managed resources read with the load balancers, the preflight's attribute reads, and the
/// exact StartZonalShift, UpdateZonalShift and CancelZonalShift requests with their audit.
mod zonal_shift {
    use super::*;
    use opsdash::model::zonal::{Managed, ShiftKind};
    use opsdash::ops::{self, Scope};
    use zs::operation::list_managed_resources::ListManagedResourcesOutput as Lm;
    use zs::types as zt;

    const ARN: &str = "arn:lb/a";

    fn dt(secs_from_now: i64) -> aws_smithy_types::DateTime {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        aws_smithy_types::DateTime::from_secs(now + secs_from_now)
    }

    fn elb_rules() -> Vec<Rule> {
        use elb::operation::{
            describe_load_balancers::DescribeLoadBalancersOutput as L,
            describe_target_groups::DescribeTargetGroupsOutput as G,
            describe_target_health::DescribeTargetHealthOutput as H,
        };
        vec![
            mock!(elb::Client::describe_load_balancers).then_output(|| {
                let mut a = lb("a");
                a.availability_zones = Some(vec![
                    elb::types::AvailabilityZone::builder()
                        .zone_name("us-east-1a")
                        .build(),
                ]);
                L::builder()
                    .load_balancers(a)
                    .load_balancers(lb("b"))
                    .build()
            }),
            mock!(elb::Client::describe_target_groups)
                .then_output(|| G::builder().target_groups(tg("a-web", "a")).build()),
            mock!(elb::Client::describe_target_health).then_output(|| {
                let mut h = health("10.0.0.1", elb::types::TargetHealthStateEnum::Healthy);
                h.administrative_override = Some(
                    elb::types::AdministrativeOverride::builder()
                        .state(elb::types::TargetAdministrativeOverrideStateEnum::ZonalShiftActive)
                        .build(),
                );
                H::builder().target_health_descriptions(h).build()
            }),
        ]
    }

    fn managed(arn: &str, shifts: Vec<zt::ZonalShiftInResource>) -> zt::ManagedResourceSummary {
        zt::ManagedResourceSummary::builder()
            .arn(arn)
            .name("a")
            .availability_zones("use1-az4")
            .availability_zones("use1-az6")
            .set_zonal_shifts(Some(shifts))
            .autoshifts(
                zt::AutoshiftInResource::builder()
                    .applied_status(zt::AutoshiftAppliedStatus::NotApplied)
                    .away_from("use1-az6")
                    .start_time(dt(-600))
                    .build()
                    .unwrap(),
            )
            .zonal_autoshift_status(zt::ZonalAutoshiftStatus::Enabled)
            .build()
            .unwrap()
    }

    fn shift(id: &str, expires_in: i64) -> zt::ZonalShiftInResource {
        zt::ZonalShiftInResource::builder()
            .applied_status(zt::AppliedStatus::Applied)
            .zonal_shift_id(id)
            .resource_identifier(ARN)
            .away_from("use1-az4")
            .expiry_time(dt(expires_in))
            .start_time(dt(-60))
            .comment("opsdash bastion-1:42:1 ana: zone dark")
            .shift_type(zt::ShiftType::ZonalShift)
            .build()
            .unwrap()
    }

    #[test]
    fn shifts_and_autoshifts_come_with_the_load_balancers_from_every_page() {
        let rules = Rules {
            elb: elb_rules(),
            zs: vec![
                mock!(zs::Client::list_managed_resources)
                    .match_requests(|r| r.next_token().is_none())
                    .then_output(|| {
                        Lm::builder()
                            .items(managed("arn:other", Vec::new()))
                            .next_token("p2")
                            .build()
                            .unwrap()
                    }),
                mock!(zs::Client::list_managed_resources)
                    .match_requests(|r| r.next_token() == Some("p2"))
                    .then_output(|| {
                        Lm::builder()
                            // An expired one is history, not a shift in effect.
                            .items(managed(ARN, vec![shift("zs-1", 2820), shift("zs-0", -5)]))
                            .build()
                            .unwrap()
                    }),
            ],
            asg: vec![mock!(asg::Client::describe_scaling_activities).then_output(|| {
                asg::operation::describe_scaling_activities::DescribeScalingActivitiesOutput::builder().build()
            })],
            cw: vec![mock!(cw::Client::describe_alarm_history).then_output(|| {
                cw::operation::describe_alarm_history::DescribeAlarmHistoryOutput::builder().build()
            })],
            ..Rules::default()
        };
        let src = source(&rules);
        let lbs = rt()
            .block_on(src.targets(&crate::region(REGION)))
            .result
            .unwrap();
        assert_eq!(calls(&src, "ListManagedResources"), 2);
        let a = lbs.iter().find(|l| l.name == "a").unwrap();
        assert_eq!(a.zonal, Managed::Yes { autoshift: true });
        let ids: Vec<(&str, ShiftKind, &str)> = a
            .zonal_shifts
            .iter()
            .map(|s| (s.away_from.as_str(), s.kind, s.status.as_str()))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("use1-az4", ShiftKind::ZonalShift, "APPLIED"),
                ("use1-az6", ShiftKind::Autoshift, "NOT_APPLIED"),
            ]
        );
        assert_eq!(a.zonal_shifts[0].id, "zs-1");
        let left = a.zonal_shifts[0]
            .left_secs(opsdash::model::Timestamp::now())
            .unwrap();
        assert!((2800..=2820).contains(&left), "{left}");
        // ARC names zones by ID: the load balancer's one zone is the one ID not matched yet.
        assert_eq!(a.zones[0].name, "us-east-1a");
        // (Two IDs, one zone: not told apart, so not guessed.)
        assert_eq!(a.zones[0].id, "");
        assert_eq!(
            a.target_groups[0].targets[0].admin_override.as_deref(),
            Some("zonal_shift_active")
        );
        let b = lbs.iter().find(|l| l.name == "b").unwrap();
        assert_eq!(b.zonal, Managed::No);
        // The timeline learns of the shift from the read.
        let events = rt()
            .block_on(src.timeline(&crate::region(REGION), 0))
            .result
            .unwrap();
        assert!(
            events
                .iter()
                .any(|e| e.message.contains("zonal shift away from use1-az4 started")),
            "{events:?}"
        );
    }

    #[test]
    fn arc_unreadable_leaves_target_health_standing_and_says_why() {
        let rules = Rules {
            elb: elb_rules(),
            zs: vec![mock!(zs::Client::list_managed_resources).then_error(|| {
                zs::operation::list_managed_resources::ListManagedResourcesError::generic(
                    ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("not authorized")
                        .build(),
                )
            })],
            ..Rules::default()
        };
        let src = source(&rules);
        let read = rt().block_on(src.targets(&crate::region(REGION)));
        let lbs = read.result.unwrap();
        assert!(read.partial.is_none());
        let a = &lbs[0];
        assert_eq!(a.zonal, Managed::Unknown);
        let e = a.zonal_error.as_ref().unwrap();
        let why = format!("{} {}", e.code, e.hint.as_deref().unwrap_or(""));
        assert!(
            why.contains("arc-zonal-shift:ListManagedResources"),
            "names the missing IAM action: {why}"
        );
        // The preflight says it, and lets StartZonalShift decide.
        let pre = ops::zonal::Preflight::new(a, None);
        assert!(
            pre.checks
                .iter()
                .any(|c| c.text.contains("AccessDeniedException")),
            "{:?}",
            pre.checks
        );
    }

    /// ARC's list is tried once per read (no SDK retry): a throttled or slowly failing ARC is
    /// said as not read for that refresh and never holds target health back; once the region's
    /// load balancers are known, the next read asks ARC beside the target health and gets it.
    #[test]
    fn a_throttled_arc_list_is_tried_once_and_read_again_beside_the_targets() {
        let rules = Rules {
            elb: elb_rules(),
            zs: vec![
                mock!(zs::Client::list_managed_resources)
                    .sequence()
                    .error(|| {
                        zs::operation::list_managed_resources::ListManagedResourcesError::generic(
                            ErrorMetadata::builder()
                                .code("ThrottlingException")
                                .message("Rate exceeded")
                                .build(),
                        )
                    })
                    .output(|| {
                        Lm::builder()
                            .items(managed(ARN, vec![shift("zs-1", 2820)]))
                            .build()
                            .unwrap()
                    })
                    .build(),
            ],
            ..Rules::default()
        };
        let src = source(&rules);
        let read = rt().block_on(src.targets(&crate::region(REGION)));
        let lbs = read.result.unwrap();
        assert_eq!(
            calls(&src, "ListManagedResources"),
            1,
            "not retried in the read"
        );
        let a = lbs.iter().find(|l| l.name == "a").unwrap();
        assert_eq!(a.zonal, Managed::Unknown);
        assert!(a.zonal_error.is_some());
        assert!(
            !a.target_groups[0].targets.is_empty(),
            "target health stands"
        );
        let lbs = rt()
            .block_on(src.targets(&crate::region(REGION)))
            .result
            .unwrap();
        assert_eq!(calls(&src, "ListManagedResources"), 2);
        let a = lbs.iter().find(|l| l.name == "a").unwrap();
        assert_eq!(a.zonal, Managed::Yes { autoshift: true });
        assert!(a.zonal_error.is_none());
    }

    #[test]
    fn the_preflight_reads_a_cross_zone_nlbs_group_attributes() {
        use elb::operation::{
            describe_load_balancer_attributes::DescribeLoadBalancerAttributesOutput as La,
            describe_load_balancers::DescribeLoadBalancersOutput as L,
            describe_target_group_attributes::DescribeTargetGroupAttributesOutput as Ga,
            describe_target_groups::DescribeTargetGroupsOutput as G,
        };
        let attr = |k: &str, v: &str| {
            elb::types::LoadBalancerAttribute::builder()
                .key(k)
                .value(v)
                .build()
        };
        let rules = Rules {
            elb: vec![
                mock!(elb::Client::describe_load_balancer_attributes)
                    .match_requests(|r| r.load_balancer_arn() == Some("arn:lb/n"))
                    .then_output(move || {
                        La::builder()
                            .attributes(attr("zonal_shift.config.enabled", "true"))
                            .attributes(attr("load_balancing.cross_zone.enabled", "true"))
                            .build()
                    }),
                mock!(elb::Client::describe_load_balancers)
                    .match_requests(|r| r.load_balancer_arns() == ["arn:lb/n".to_owned()])
                    .then_output(|| {
                        let mut n = lb("n");
                        n.r#type = Some(elb::types::LoadBalancerTypeEnum::Network);
                        L::builder().load_balancers(n).build()
                    }),
                mock!(elb::Client::describe_target_groups)
                    .match_requests(|r| r.load_balancer_arn() == Some("arn:lb/n"))
                    .then_output(|| {
                        let mut g = tg("n-udp", "n");
                        g.protocol = Some(elb::types::ProtocolEnum::Udp);
                        G::builder().target_groups(g).build()
                    }),
                mock!(elb::Client::describe_target_group_attributes)
                    .match_requests(|r| r.target_group_arn() == Some("arn:tg/n-udp"))
                    .then_output(|| {
                        Ga::builder()
                            .attributes(
                                elb::types::TargetGroupAttribute::builder()
                                    .key("target_health_state.unhealthy.connection_termination.enabled")
                                    .value("false")
                                    .build(),
                            )
                            .build()
                    }),
            ],
            ..Rules::default()
        };
        let src = source(&rules);
        let a = rt()
            .block_on(src.lb_attributes(&crate::region(REGION), "arn:lb/n"))
            .result
            .unwrap();
        assert!(a.zonal_shift_enabled && a.cross_zone);
        assert_eq!(a.target_groups.len(), 1);
        let g = &a.target_groups[0];
        assert_eq!(
            (
                g.protocol.as_str(),
                g.terminates_unhealthy,
                g.cross_zone.as_str()
            ),
            ("UDP", false, "use_load_balancer_configuration")
        );
    }

    /// Rules that answer exactly the start (1 h, away from use1-az4), the extension (3 h) and
    /// the cancellation of shift `zs-new` on load balancer `a`, and list it as managed.
    fn start_extend_cancel_rules() -> Rules {
        use zs::operation::{
            cancel_zonal_shift::CancelZonalShiftOutput as C,
            start_zonal_shift::StartZonalShiftOutput as S,
            update_zonal_shift::UpdateZonalShiftOutput as U,
        };
        let out = |id: &str| {
            (
                id.to_owned(),
                ARN.to_owned(),
                "use1-az4".to_owned(),
                dt(3600),
                dt(0),
            )
        };
        Rules {
            elb: elb_rules(),
            zs: vec![
                mock!(zs::Client::start_zonal_shift)
                    .match_requests(|r| {
                        r.resource_identifier() == Some(ARN)
                            && r.away_from() == Some("use1-az4")
                            && r.expires_in() == Some("1h")
                            && r.comment() == Some("opsdash h:1:1 ana: az dark")
                    })
                    .then_output(move || {
                        let (id, arn, away, exp, start) = out("zs-new");
                        S::builder()
                            .zonal_shift_id(id)
                            .resource_identifier(arn)
                            .away_from(away)
                            .expiry_time(exp)
                            .start_time(start)
                            .status(zt::ZonalShiftStatus::Active)
                            .comment("c")
                            .build()
                            .unwrap()
                    }),
                mock!(zs::Client::update_zonal_shift)
                    .match_requests(|r| {
                        r.zonal_shift_id() == Some("zs-new")
                            && r.expires_in() == Some("3h")
                            && r.comment() == Some("opsdash h:1:1 ana: extended")
                    })
                    .then_output(move || {
                        let (id, arn, away, exp, start) = out("zs-new");
                        U::builder()
                            .zonal_shift_id(id)
                            .resource_identifier(arn)
                            .away_from(away)
                            .expiry_time(exp)
                            .start_time(start)
                            .status(zt::ZonalShiftStatus::Active)
                            .comment("c")
                            .build()
                            .unwrap()
                    }),
                mock!(zs::Client::cancel_zonal_shift)
                    .match_requests(|r| r.zonal_shift_id() == Some("zs-new"))
                    .then_output(move || {
                        let (id, arn, away, exp, start) = out("zs-new");
                        C::builder()
                            .zonal_shift_id(id)
                            .resource_identifier(arn)
                            .away_from(away)
                            .expiry_time(exp)
                            .start_time(start)
                            .status(zt::ZonalShiftStatus::Canceled)
                            .comment("c")
                            .build()
                            .unwrap()
                    }),
                mock!(zs::Client::list_managed_resources).then_output(|| {
                    Lm::builder()
                        .items(managed(ARN, vec![shift("zs-new", 3600)]))
                        .build()
                        .unwrap()
                }),
            ],
            ..Rules::default()
        }
    }

    #[test]
    fn start_extend_and_cancel_send_exactly_the_planned_requests_and_are_audited() {
        let rules = start_extend_cancel_rules();
        let src = Arc::new(source(&rules));
        let (exec, log) = super::live_exec::executor(&src, false, "zonal");
        let rt = rt();
        let mut quiet = |_: &str| {};
        let scope = Scope {
            account: "123456789012".into(),
            region: crate::region(REGION),
        };
        let lbs = rt
            .block_on(src.targets(&crate::region(REGION)))
            .result
            .unwrap();
        let mut a = lbs.iter().find(|l| l.name == "a").unwrap().clone();
        a.zones[0].id = "use1-az4".into();
        a.zonal_shifts.clear();
        let attrs = opsdash::source::LbAttributes {
            zonal_shift_enabled: true,
            cross_zone: true,
            target_groups: Vec::new(),
        };
        let pre = ops::zonal::Preflight::new(&a, Some(&attrs));
        let start =
            ops::zonal::plan_start(&scope, &pre, "us-east-1a", "opsdash h:1:1 ana: az dark")
                .unwrap();
        let o = rt.block_on(exec.execute(&start, &mut quiet));
        assert!(o.ok, "{}", o.message);
        assert!(o.message.contains("zonal shift zs-new"), "{}", o.message);
        let shifted = rt
            .block_on(src.targets(&crate::region(REGION)))
            .result
            .unwrap();
        let a = shifted.iter().find(|l| l.name == "a").unwrap();
        let own = ops::zonal::own_shift(a).unwrap();
        let extend = ops::zonal::plan_extend(
            &scope,
            a,
            own,
            "3h",
            "opsdash h:1:1 ana: extended",
            opsdash::model::Timestamp::now(),
        )
        .unwrap();
        let o = rt.block_on(exec.execute(&extend, &mut quiet));
        assert!(o.ok, "{}", o.message);
        let cancel = ops::zonal::plan_cancel(&scope, a, own);
        let o = rt.block_on(exec.execute(&cancel, &mut quiet));
        assert!(o.ok, "{}", o.message);
        for op in ["StartZonalShift", "UpdateZonalShift", "CancelZonalShift"] {
            assert_eq!(calls(&src, op), 1, "{op}");
        }
        let recs: Vec<_> = log
            .read()
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let intent = recs
            .iter()
            .find(|r| r.phase == AuditPhase::Intent && r.operation == "zonal_shift")
            .unwrap();
        assert_eq!(
            intent.calls,
            vec![
                "arc-zonal-shift:StartZonalShift resourceIdentifier=arn:lb/a awayFrom=use1-az4 expiresIn=1h comment=\"opsdash h:1:1 ana: az dark\""
            ]
        );
        assert_eq!(intent.parameters["away_from"], "use1-az4");
        assert_eq!(intent.parameters["resource"], ARN);
        assert_eq!(intent.parameters["expires_in"], "1h");
        let outcome = recs
            .iter()
            .find(|r| r.phase == AuditPhase::Outcome && r.id == intent.id)
            .unwrap();
        assert_eq!(outcome.outcome, Some(AuditOutcome::Ok));
        assert_eq!(outcome.parameters["zonal_shift_id"], "zs-new");
    }

    #[test]
    fn a_refused_shift_names_the_missing_iam_action() {
        let rules = Rules {
            zs: vec![mock!(zs::Client::start_zonal_shift).then_error(|| {
                zs::operation::start_zonal_shift::StartZonalShiftError::generic(
                    ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("User is not authorized")
                        .build(),
                )
            })],
            ..Rules::default()
        };
        let src = source(&rules);
        let e = rt()
            .block_on(opsdash::source::EstateWriter::start_zonal_shift(
                &src,
                &crate::region(REGION),
                &opsdash::source::ZonalShiftStart {
                    resource: ARN.into(),
                    away_from: "use1-az4".into(),
                    expires_in: "1h".into(),
                    comment: "c".into(),
                },
            ))
            .unwrap_err();
        assert_eq!(e.class, ErrorClass::AccessDenied);
        assert!(
            e.to_string().contains("arc-zonal-shift:StartZonalShift"),
            "{e}"
        );
    }
}

/// A region from the profile or the environment that is no region name is refused before any
/// request is made in it (no aws-smithy-mocks rule is needed: nothing may be asked).
#[test]
fn a_region_from_the_environment_that_names_no_region_is_refused_before_any_request() {
    let conf = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("Mars"))
        .build();
    let e = rt()
        .block_on(AwsSource::with_config(&conf, None, None))
        .unwrap_err();
    assert_eq!(e.code, "InvalidRegion", "{e:?}");
    assert!(
        e.message.contains("'Mars' is not an AWS region name") && e.message.contains("AWS_REGION"),
        "{e:?}"
    );
}

/// ARC Region switch against the real SDK client (moto has no arc-region-switch service): the
/// plan found by its regions, its evaluation, executions, the live one's steps (read in the
/// region it runs in) and events over two pages; the exact requests of a start and of every
/// change; AccessDenied naming the IAM action.
mod region_switch {
    use super::*;
    use aws_smithy_types::DateTime;
    use opsdash::model::region_switch::{PlanQuery, RsAction, RsMode};
    use opsdash::source::{EstateWriter, ExecutionChange, PlanExecutionChange, PlanExecutionStart};
    use rsw::types as t;

    const PLAN: &str = "arn:aws:arc-region-switch::123456789012:plan/shop-failover:abc";

    fn abbreviated(name: &str, arn: &str, regions: &[&str]) -> t::AbbreviatedPlan {
        t::AbbreviatedPlan::builder()
            .arn(arn)
            .owner("123456789012")
            .name(name)
            .set_regions(Some(regions.iter().map(|r| (*r).to_owned()).collect()))
            .recovery_approach(t::RecoveryApproach::ActivePassive)
            .build()
            .unwrap()
    }

    fn plan() -> t::Plan {
        let step = |name: &str, kind: t::ExecutionBlockType| {
            t::Step::builder()
                .name(name)
                .execution_block_type(kind)
                .build()
                .unwrap()
        };
        t::Plan::builder()
            .arn(PLAN)
            .name("shop-failover")
            .owner("123456789012")
            .execution_role("arn:aws:iam::123456789012:role/rs")
            .regions("us-east-1")
            .regions("us-west-2")
            .primary_region("us-east-1")
            .recovery_approach(t::RecoveryApproach::ActivePassive)
            .recovery_time_objective_minutes(30)
            .workflows(
                t::Workflow::builder()
                    .workflow_target_action(t::WorkflowTargetAction::Activate)
                    .workflow_target_region("us-west-2")
                    .steps(step("approve", t::ExecutionBlockType::ExecutionApproval))
                    .steps(step("scale", t::ExecutionBlockType::Ec2Asg))
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    }

    fn execution(id: &str, state: t::ExecutionState, start: i64) -> t::AbbreviatedExecution {
        t::AbbreviatedExecution::builder()
            .plan_arn(PLAN)
            .execution_id(id)
            .start_time(DateTime::from_secs(start))
            .mode(t::ExecutionMode::Graceful)
            .execution_state(state)
            .execution_action(t::ExecutionAction::Activate)
            .execution_region("us-west-2")
            .actual_recovery_time("PT4M")
            .build()
            .unwrap()
    }

    fn event(id: &str, at: i64, kind: t::ExecutionEventType) -> t::ExecutionEvent {
        t::ExecutionEvent::builder()
            .event_id(id)
            .timestamp(DateTime::from_secs(at))
            .r#type(kind)
            .step_name("approve")
            .build()
            .unwrap()
    }

    fn primary_rules() -> Rules {
        use rsw::operation::{
            get_plan_evaluation_status::GetPlanEvaluationStatusOutput as Ev,
            get_plan_in_region::GetPlanInRegionOutput as G,
            list_plan_executions::ListPlanExecutionsOutput as Le,
            list_plans_in_region::ListPlansInRegionOutput as Lp,
        };
        Rules {
            rsw: vec![
                mock!(rsw::Client::list_plans_in_region)
                    .match_requests(|r| r.next_token().is_none())
                    .then_output(|| {
                        Lp::builder()
                            .plans(abbreviated(
                                "other",
                                "arn:o",
                                &["eu-west-1", "eu-central-1"],
                            ))
                            .plans(abbreviated("zz-also", "arn:z", &["us-west-2", "us-east-1"]))
                            .next_token("p2")
                            .build()
                    }),
                mock!(rsw::Client::list_plans_in_region)
                    .match_requests(|r| r.next_token() == Some("p2"))
                    .then_output(|| {
                        Lp::builder()
                            .plans(abbreviated(
                                "shop-failover",
                                PLAN,
                                &["us-east-1", "us-west-2"],
                            ))
                            .build()
                    }),
                mock!(rsw::Client::get_plan_in_region)
                    .match_requests(|r| r.arn() == Some(PLAN))
                    .then_output(|| G::builder().plan(plan()).build()),
                mock!(rsw::Client::get_plan_evaluation_status)
                    .match_requests(|r| r.plan_arn() == Some(PLAN))
                    .then_output(|| {
                        Ev::builder()
                            .plan_arn(PLAN)
                            .evaluation_state(t::EvaluationStatus::ActionRequired)
                            .last_evaluation_time(DateTime::from_secs(1_800_000_000))
                            .warnings(
                                t::ResourceWarning::builder()
                                    .version("1")
                                    .step_name("scale")
                                    .warning_status(t::ResourceWarningStatus::Active)
                                    .warning_updated_time(DateTime::from_secs(1_800_000_000))
                                    .warning_message("web-asg max size 2 is below 4")
                                    .build()
                                    .unwrap(),
                            )
                            .build()
                            .unwrap()
                    }),
                mock!(rsw::Client::list_plan_executions)
                    .match_requests(|r| r.plan_arn() == Some(PLAN) && r.max_results() == Some(10))
                    .then_output(|| {
                        Le::builder()
                            .items(execution(
                                "old",
                                t::ExecutionState::Completed,
                                1_700_000_000,
                            ))
                            .items(execution(
                                "live",
                                t::ExecutionState::PendingManualApproval,
                                1_800_000_100,
                            ))
                            .build()
                    }),
            ],
            ..Rules::default()
        }
    }

    /// The execution's steps and events: only in us-west-2, where it runs.
    fn dr_rules() -> Rules {
        use rsw::operation::{
            get_plan_execution::GetPlanExecutionOutput as Ge,
            list_plan_execution_events::ListPlanExecutionEventsOutput as Lv,
        };
        Rules {
            rsw: vec![
                mock!(rsw::Client::get_plan_execution)
                    .match_requests(|r| {
                        r.plan_arn() == Some(PLAN) && r.execution_id() == Some("live")
                    })
                    .then_output(|| {
                        Ge::builder()
                            .plan_arn(PLAN)
                            .execution_id("live")
                            .start_time(DateTime::from_secs(1_800_000_100))
                            .mode(t::ExecutionMode::Graceful)
                            .execution_state(t::ExecutionState::PendingManualApproval)
                            .execution_action(t::ExecutionAction::Activate)
                            .execution_region("us-west-2")
                            .step_states(
                                t::StepState::builder()
                                    .name("approve")
                                    .status(t::StepStatus::PendingApproval)
                                    .start_time(DateTime::from_secs(1_800_000_101))
                                    .build(),
                            )
                            .step_states(
                                t::StepState::builder()
                                    .name("scale")
                                    .status(t::StepStatus::NotStarted)
                                    .build(),
                            )
                            .build()
                            .unwrap()
                    }),
                mock!(rsw::Client::list_plan_execution_events)
                    .match_requests(|r| r.next_token().is_none())
                    .then_output(|| {
                        Lv::builder()
                            .items(event(
                                "e2",
                                1_800_000_102,
                                t::ExecutionEventType::StepPendingApproval,
                            ))
                            .next_token("n2")
                            .build()
                    }),
                mock!(rsw::Client::list_plan_execution_events)
                    .match_requests(|r| r.next_token() == Some("n2"))
                    .then_output(|| {
                        Lv::builder()
                            .items(event(
                                "e1",
                                1_800_000_100,
                                t::ExecutionEventType::ExecutionStarted,
                            ))
                            .build()
                    }),
            ],
            ..Rules::default()
        }
    }

    fn query(arn: Option<&str>) -> PlanQuery {
        PlanQuery {
            app: "shop".into(),
            region: crate::region("us-east-1"),
            other: crate::region("us-west-2"),
            arn: arn.map(str::to_owned),
        }
    }

    #[test]
    fn a_plan_is_found_by_its_regions_and_read_whole() {
        let (p, d) = (primary_rules(), dr_rules());
        let src = source_in(&[("us-east-1", &p), ("us-west-2", &d)]);
        let read = rt().block_on(src.region_switch(&query(None)));
        let rs = read.result.unwrap().expect("a plan covers both regions");
        // Of the two covering both regions, the one named after the app.
        assert_eq!(rs.plan.name, "shop-failover");
        assert_eq!(rs.others, vec!["zz-also".to_owned()]);
        assert_eq!(rs.plan.rto_minutes, Some(30));
        let w = rs.plan.workflow(RsAction::Activate, "us-west-2").unwrap();
        assert_eq!(w.steps[0].kind, "ManualApproval");
        let ev = rs.evaluation.as_ref().unwrap();
        assert_eq!(ev.state, "actionRequired");
        assert_eq!(ev.warnings[0].message, "web-asg max size 2 is below 4");
        // Newest first; the live one read step by step, in us-west-2.
        assert_eq!(rs.executions[0].id, "live");
        let live = rs.live().unwrap();
        assert_eq!(live.awaiting_approval().unwrap().name, "approve");
        assert_eq!(live.runs_in, "us-west-2");
        assert_eq!(rs.executions[1].recovery_time.as_deref(), Some("PT4M"));
        assert_eq!(rs.active_region().as_deref(), Some("us-west-2"));
        let kinds: Vec<&str> = rs.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["executionStarted", "stepPendingApproval"],
            "oldest first"
        );
        for (op, n) in [
            ("ListPlansInRegion", 2),
            ("GetPlanInRegion", 1),
            ("GetPlanEvaluationStatus", 1),
            ("ListPlanExecutions", 1),
            ("GetPlanExecution", 1),
            ("ListPlanExecutionEvents", 2),
        ] {
            assert_eq!(calls(&src, op), n, "{op}");
        }
        assert_eq!(read.stats.calls, 8);
        // A plan named in the config is read without listing.
        let src = source_in(&[("us-east-1", &p), ("us-west-2", &d)]);
        let rs = rt()
            .block_on(src.region_switch(&query(Some(PLAN))))
            .result
            .unwrap()
            .unwrap();
        assert_eq!(rs.plan.name, "shop-failover");
        assert_eq!(calls(&src, "ListPlansInRegion"), 0);
    }

    #[test]
    fn no_plan_covering_the_regions_is_none() {
        use rsw::operation::list_plans_in_region::ListPlansInRegionOutput as Lp;
        let rules = Rules {
            rsw: vec![mock!(rsw::Client::list_plans_in_region).then_output(|| {
                Lp::builder()
                    .plans(abbreviated("other", "arn:o", &["eu-west-1", "us-east-1"]))
                    .build()
            })],
            ..Rules::default()
        };
        let src = source_in(&[("us-east-1", &rules)]);
        assert_eq!(
            rt().block_on(src.region_switch(&query(None))).result,
            Ok(None)
        );
    }

    #[test]
    fn a_start_and_every_change_send_their_exact_requests() {
        use rsw::operation::{
            approve_plan_execution_step::ApprovePlanExecutionStepOutput as A,
            cancel_plan_execution::CancelPlanExecutionOutput as C,
            start_plan_execution::StartPlanExecutionOutput as S,
            update_plan_execution::UpdatePlanExecutionOutput as U,
        };
        let rules = Rules {
            rsw: vec![
                mock!(rsw::Client::start_plan_execution)
                    .match_requests(|r| {
                        r.plan_arn() == Some(PLAN)
                            && r.target_region() == Some("us-west-2")
                            && r.action() == Some(&t::ExecutionAction::Activate)
                            && r.mode() == Some(&t::ExecutionMode::Ungraceful)
                            && r.comment() == Some("opsdash h:1 me: go")
                    })
                    .then_output(|| S::builder().execution_id("x-1").build()),
                mock!(rsw::Client::approve_plan_execution_step)
                    .match_requests(|r| {
                        r.execution_id() == Some("x-1")
                            && r.step_name() == Some("approve")
                            && r.approval() == Some(&t::Approval::Decline)
                    })
                    .then_output(|| A::builder().build()),
                mock!(rsw::Client::update_plan_execution)
                    .match_requests(|r| {
                        r.execution_id() == Some("x-1")
                            && r.action() == Some(&t::UpdatePlanExecutionAction::SwitchToUngraceful)
                    })
                    .then_output(|| U::builder().build()),
                mock!(rsw::Client::cancel_plan_execution)
                    .match_requests(|r| r.execution_id() == Some("x-1") && r.comment() == Some("c"))
                    .then_output(|| C::builder().build()),
            ],
            ..Rules::default()
        };
        let src = source_in(&[("us-west-2", &rules)]);
        let west = crate::region("us-west-2");
        let id = rt()
            .block_on(src.start_plan_execution(
                &west,
                &PlanExecutionStart {
                    plan: PLAN.into(),
                    target_region: "us-west-2".into(),
                    action: RsAction::Activate,
                    mode: RsMode::Ungraceful,
                    comment: "opsdash h:1 me: go".into(),
                },
            ))
            .unwrap();
        assert_eq!(id, "x-1");
        for change in [
            ExecutionChange::Approve {
                step: "approve".into(),
                approve: false,
            },
            ExecutionChange::Update {
                action: "switchToUngraceful".into(),
            },
            ExecutionChange::Cancel,
        ] {
            rt().block_on(src.change_plan_execution(
                &west,
                &PlanExecutionChange {
                    plan: PLAN.into(),
                    execution: "x-1".into(),
                    change,
                    comment: "c".into(),
                },
            ))
            .unwrap();
        }
        for op in [
            "StartPlanExecution",
            "ApprovePlanExecutionStep",
            "UpdatePlanExecution",
            "CancelPlanExecution",
        ] {
            assert_eq!(calls(&src, op), 1, "{op}");
        }
    }

    #[test]
    fn access_denied_names_the_missing_iam_action() {
        let rules = Rules {
            rsw: vec![mock!(rsw::Client::start_plan_execution).then_error(|| {
                rsw::operation::start_plan_execution::StartPlanExecutionError::generic(
                    ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("not authorized")
                        .build(),
                )
            })],
            ..Rules::default()
        };
        let src = source_in(&[("us-west-2", &rules)]);
        let e = rt()
            .block_on(src.start_plan_execution(
                &crate::region("us-west-2"),
                &PlanExecutionStart {
                    plan: PLAN.into(),
                    target_region: "us-west-2".into(),
                    action: RsAction::Activate,
                    mode: RsMode::Graceful,
                    comment: "c".into(),
                },
            ))
            .unwrap_err();
        let why = format!("{} {}", e.code, e.hint.as_deref().unwrap_or(""));
        assert!(
            why.contains("arc-region-switch:StartPlanExecution"),
            "names the IAM action: {why}"
        );
    }
}
