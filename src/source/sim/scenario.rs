//! The demo scenarios, built from the parts of the seed estates, and a large generated estate for
//! benchmarks.

use super::Sim;
use super::rng::Rng;
use super::state::{
    Ec2State, Instance, Lifecycle, Member, MetricSource, RegionSim, Role, SimAlarm, SimAsg,
    SimAssociation, SimDeployment, SimLb, SimService, SimTg, Task, TaskDef, TaskState,
};
use crate::model::{AlarmState, RegionRole, ServiceEvent, TargetState, Timestamp};
use std::collections::{HashSet, VecDeque};

/// A built-in estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Seed 004: two regions (us-east-1 primary, us-west-2 DR at warm-standby capacity), each
    /// built from the parts of seeds 000–003.
    WarmStandby,
    /// Seed 000: web instance → internal NLB (TCP 9090) → app Auto Scaling group, configured by
    /// State Manager associations.
    NlbWebApp,
    /// Seed 001: internal NLB with two target groups → ECS service on a capacity-provider group.
    Ecs,
    /// Seeds 002/003: ALB → Auto Scaling group with 5XX, CPU and log-error alarms.
    AlbAsg,
}

/// Every scenario, by its command-line name.
pub const SCENARIOS: [(&str, Scenario); 4] = [
    ("warm-standby", Scenario::WarmStandby),
    ("nlb-web-app", Scenario::NlbWebApp),
    ("ecs", Scenario::Ecs),
    ("alb-asg", Scenario::AlbAsg),
];

/// Every scenario's name, for the console's palette.
pub fn scenario_names() -> Vec<&'static str> {
    SCENARIOS.iter().map(|(n, _)| *n).collect()
}

impl Scenario {
    pub fn name(self) -> &'static str {
        SCENARIOS
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("warm-standby", |(n, _)| n)
    }

    /// Parses a scenario name; the error lists the valid ones.
    pub fn parse(name: &str) -> Result<Self, String> {
        SCENARIOS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
            .ok_or_else(|| {
                let names: Vec<&str> = SCENARIOS.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown demo scenario '{name}'; valid scenarios are: {}",
                    names.join(", ")
                )
            })
    }

    /// The app name used by the scenario's resources.
    pub fn app(self) -> &'static str {
        match self {
            Scenario::WarmStandby => "bookstore",
            Scenario::NlbWebApp => "fa-092",
            Scenario::Ecs => "appService",
            Scenario::AlbAsg => "web",
        }
    }
}

/// Builds the scenario's regions into `sim`.
pub(super) fn build(sim: &mut Sim) {
    let mut b = Builder {
        rng: sim.rng.clone(),
        now: sim.now,
    };
    match sim.scenario {
        Scenario::WarmStandby => {
            let mut p = b.bookstore_region("us-east-1", RegionRole::Primary, 2);
            let dr = b.bookstore_region("us-west-2", RegionRole::Dr, 1);
            let alb = 1;
            let id = format!("{}-{}", b.rng.hex(8), b.rng.hex(4));
            p.alarms.push(b.alarm(
                "bookstore-primary-health",
                ("AWS/Route53", "HealthCheckStatus", "Minimum"),
                ("LessThanThreshold", 1.0, 60, 1),
                vec![format!("HealthCheckId={id}")],
                MetricSource::HealthCheck(alb),
            ));
            sim.regions = vec![p, dr];
            sim.failover_routing = true;
            sim.plan = Some(super::region_switch::SimPlan::new(sim.scenario.app()));
        }
        Scenario::NlbWebApp => {
            let mut r = RegionSim::new("us-east-1", RegionRole::Primary);
            b.nlb_web_app(&mut r, 2);
            sim.regions = vec![r];
            sim.base_rps = 25.0;
        }
        Scenario::Ecs => {
            let mut r = RegionSim::new("us-east-1", RegionRole::Primary);
            let l = b.lb(&mut r, "appCluster-NLB", "network", "internal");
            let fe = b.tg(
                &mut r,
                l,
                "frontend-tg",
                ("TCP", 80, "ip"),
                ("HTTP", Some("/"), "80"),
                (30, 5, 2, 2),
            );
            let be = b.tg(
                &mut r,
                l,
                "backend-tg",
                ("TCP", 8000, "ip"),
                ("HTTP", Some("/status"), "8000"),
                (30, 5, 2, 2),
            );
            let cap = b.asg(&mut r, "appCluster-ASG", (0, 10, 2), Role::EcsHost, vec![]);
            b.service(
                &mut r,
                "appCluster",
                "appService",
                2,
                &[(fe, 80), (be, 8000)],
                cap,
            );
            sim.regions = vec![r];
            sim.base_rps = 20.0;
        }
        Scenario::AlbAsg => {
            let mut r = RegionSim::new("us-east-1", RegionRole::Primary);
            let l = b.lb(&mut r, "web-alb", "application", "internet-facing");
            let g = b.tg(
                &mut r,
                l,
                "web-tg",
                ("HTTP", 8080, "instance"),
                ("HTTP", Some("/status"), "traffic-port"),
                (30, 5, 5, 2),
            );
            let a = b.asg(&mut r, "web-asg", (2, 4, 2), Role::App, vec![(g, 8080)]);
            let alb_dim = format!("LoadBalancer={}", lb_dimension(&r.lbs[l].arn));
            let mut cpu = b.alarm(
                "web-cpu-high",
                ("AWS/EC2", "CPUUtilization", "Average"),
                ("GreaterThanThreshold", 85.0, 60, 5),
                vec!["AutoScalingGroupName=web-asg".into()],
                MetricSource::AsgCpu(a),
            );
            cpu.scale_out = Some(a);
            r.alarms = vec![
                b.alarm(
                    "web-alb-5xx",
                    ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum"),
                    ("GreaterThanThreshold", 10.0, 60, 1),
                    vec![alb_dim],
                    MetricSource::Lb5xx(l),
                ),
                cpu,
                b.alarm(
                    "web-log-errors",
                    ("LogMetrics", "ErrorCount", "Sum"),
                    ("GreaterThanThreshold", 10.0, 300, 1),
                    vec![],
                    MetricSource::LogErrors,
                ),
            ];
            sim.regions = vec![r];
            sim.base_rps = 30.0;
        }
    }
    for r in &mut sim.regions {
        r.reindex();
    }
    sim.rng = b.rng;
}

/// The `CloudWatch` `LoadBalancer` dimension of a load balancer ARN (`app/name/id`).
fn lb_dimension(arn: &str) -> String {
    arn.split_once(":loadbalancer/")
        .map_or_else(|| arn.to_owned(), |(_, d)| d.to_owned())
}

/// The `CloudWatch` `TargetGroup` dimension of a target group ARN (`targetgroup/name/id`).
fn tg_dimension(arn: &str) -> String {
    arn.split_once(':')
        .and_then(|_| arn.rfind(":targetgroup/"))
        .map_or_else(|| arn.to_owned(), |i| arn[i + 1..].to_owned())
}

struct Builder {
    rng: Rng,
    now: Timestamp,
}

impl Builder {
    fn arn(region: &str, service: &str, resource: &str) -> String {
        format!(
            "arn:aws:{service}:{region}:{}:{resource}",
            super::DEMO_ACCOUNT
        )
    }

    fn lb(
        &mut self,
        r: &mut RegionSim,
        name: &str,
        lb_type: &'static str,
        scheme: &'static str,
    ) -> usize {
        let id = self.rng.hex(16);
        let kind = if lb_type == "network" { "net" } else { "app" };
        let arn = Self::arn(
            r.name.as_str(),
            "elasticloadbalancing",
            &format!("loadbalancer/{kind}/{name}/{id}"),
        );
        let prefix = if scheme == "internal" {
            "internal-"
        } else {
            ""
        };
        r.lbs.push(SimLb {
            name: name.to_owned(),
            arn,
            lb_type,
            scheme,
            dns_name: format!("{prefix}{name}-{}.elb.{}.amazonaws.com", &id[..10], r.name),
            tgs: Vec::new(),
            // ALBs opted in to zonal shift and autoshift; NLBs to zonal shift, cross-zone off.
            zonal_shift_enabled: true,
            cross_zone: false,
            autoshift: lb_type == "application",
        });
        r.lbs.len() - 1
    }

    /// A target group: (protocol, port, target type), (health protocol, path, port),
    /// (interval, timeout, healthy threshold, unhealthy threshold).
    fn tg(
        &mut self,
        r: &mut RegionSim,
        lb: usize,
        name: &str,
        (protocol, port, target_type): (&'static str, u16, &'static str),
        (hc_protocol, hc_path, hc_port): (&'static str, Option<&'static str>, &str),
        (interval, timeout, ht, ut): (u32, u32, u32, u32),
    ) -> usize {
        let id = self.rng.hex(16);
        let arn = Self::arn(
            r.name.as_str(),
            "elasticloadbalancing",
            &format!("targetgroup/{name}/{id}"),
        );
        r.tgs.push(SimTg {
            name: name.to_owned(),
            arn,
            protocol,
            port,
            target_type,
            hc_protocol,
            hc_path,
            hc_port: hc_port.to_owned(),
            interval,
            timeout,
            healthy_threshold: ht,
            unhealthy_threshold: ut,
            deregistration_delay: 300,
            members: Vec::new(),
            hosts: std::collections::VecDeque::new(),
            host_acc: None,
        });
        let g = r.tgs.len() - 1;
        r.lbs[lb].tgs.push(g);
        g
    }

    fn healthy_member(
        &mut self,
        r: &RegionSim,
        g: usize,
        target: super::state::TargetRef,
        id: String,
        port: u16,
        az: &str,
    ) -> Member {
        let tg = &r.tgs[g];
        let offset = (self.rng.next_u64() % u64::from(tg.interval)) as f64;
        Member {
            target,
            id,
            port,
            az: az.to_owned(),
            state: TargetState::Healthy,
            reason: None,
            ok_streak: tg.healthy_threshold,
            fail_streak: 0,
            next_check: self.now.plus_secs(offset),
            drain_until: None,
        }
    }

    fn instance(&mut self, r: &mut RegionSim, role: Role, asg: Option<usize>, az: &str) -> String {
        let id = format!("i-0{}", self.rng.hex(16));
        r.instances.push(Instance {
            id: id.clone(),
            az: az.to_owned(),
            role,
            ec2: Ec2State::Running,
            asg,
            lifecycle: if asg.is_some() {
                Lifecycle::InService
            } else {
                Lifecycle::None
            },
            healthy: true,
            launched: self.now.plus_secs(-86_400.0 * 3.0),
            cpu: 20.0,
            tasks: 0,
        });
        id
    }

    /// An Auto Scaling group (min, max, desired) in steady state, registered in `tgs`.
    fn asg(
        &mut self,
        r: &mut RegionSim,
        name: &str,
        (min, max, desired): (u32, u32, u32),
        role: Role,
        tgs: Vec<(usize, u16)>,
    ) -> usize {
        let a = r.asgs.len();
        r.asgs.push(SimAsg {
            name: name.to_owned(),
            min,
            max,
            desired,
            role,
            azs: r.azs.clone(),
            tgs,
            activities: VecDeque::new(),
            cooldown_until: self.now,
            health_offset: (self.rng.next_u64() % 60) as i64,
        });
        for k in 0..desired as usize {
            let az = r.azs[k % r.azs.len()].clone();
            let id = self.instance(r, role, Some(a), &az);
            for (g, port) in r.asgs[a].tgs.clone() {
                let m = self.healthy_member(
                    r,
                    g,
                    super::state::TargetRef::Instance(id.clone()),
                    id.clone(),
                    port,
                    &az,
                );
                r.tgs[g].members.push(m);
            }
        }
        a
    }

    /// An ECS service with `desired` healthy tasks on the capacity-provider group's instances.
    fn service(
        &mut self,
        r: &mut RegionSim,
        cluster: &str,
        name: &str,
        desired: u32,
        tgs: &[(usize, u16)],
        cap: usize,
    ) -> usize {
        let td = r.task_defs.len();
        r.task_defs.push(TaskDef {
            family: "appTaskDefinition".into(),
            revision: 7,
            image: format!(
                "{}.dkr.ecr.{}.amazonaws.com/bookstore:v1.4.2",
                super::DEMO_ACCOUNT,
                r.name
            ),
            good: true,
        });
        let dep = format!(
            "ecs-svc/{}",
            self.rng.next_u64() % 10_000_000_000_000_000_000
        );
        let s = r.services.len();
        let hosts: Vec<(String, String)> = r
            .instances
            .iter()
            .filter(|i| i.asg == Some(cap))
            .map(|i| (i.id.clone(), i.az.clone()))
            .collect();
        let mut tasks = Vec::new();
        for k in 0..desired as usize {
            let (host, az) = hosts
                .get(k)
                .cloned()
                .unwrap_or_else(|| (String::new(), r.azs[0].clone()));
            let az_i = r.azs.iter().position(|a| *a == az).unwrap_or(0);
            let ip = r.next_ip(az_i);
            let id = self.rng.hex(32);
            for &(g, port) in tgs {
                let m = self.healthy_member(
                    r,
                    g,
                    super::state::TargetRef::Task(id.clone()),
                    ip.clone(),
                    port,
                    &az,
                );
                r.tgs[g].members.push(m);
            }
            if let Some(i) = r.instances.iter_mut().find(|i| i.id == host) {
                i.tasks += 1;
            }
            tasks.push(Task {
                id,
                ip,
                deployment: dep.clone(),
                task_def: td,
                state: TaskState::Running,
                host: (!host.is_empty()).then_some(host),
                az,
                started: self.now.plus_secs(-86_400.0),
            });
        }
        r.services.push(SimService {
            cluster: cluster.to_owned(),
            name: name.to_owned(),
            desired,
            min_healthy: 50,
            max_percent: 100,
            tgs: tgs.to_vec(),
            deployments: vec![SimDeployment {
                id: dep,
                task_def: td,
                desired,
                failed: 0,
                created_at: self.now.plus_secs(-86_400.0 * 2.0),
                completed: true,
            }],
            tasks,
            events: VecDeque::from([ServiceEvent {
                at: self.now.plus_secs(-3.0 * 3600.0),
                message: format!("(service {name}) has reached a steady state."),
            }]),
            capacity_asg: Some(cap),
            steady: true,
        });
        s
    }

    fn association(
        &mut self,
        r: &mut RegionSim,
        name: &str,
        document: &str,
        role: Role,
        duration_secs: f64,
    ) {
        let seen: HashSet<String> = r
            .instances
            .iter()
            .filter(|i| i.role == role)
            .map(|i| i.id.clone())
            .collect();
        let id = self.rng.uuid();
        r.associations.push(SimAssociation {
            id,
            name: name.to_owned(),
            document: document.to_owned(),
            role,
            schedule_secs: Some(1800),
            duration_secs,
            last_scheduled: self
                .now
                .plus_secs(-600.0 - (self.rng.next_u64() % 600) as f64),
            executions: VecDeque::new(),
            seen,
            run_now: false,
        });
    }

    /// An alarm: (namespace, metric, statistic), (comparison, threshold, period, evaluation
    /// periods).
    fn alarm(
        &mut self,
        name: &str,
        (namespace, metric, statistic): (&'static str, &'static str, &'static str),
        (comparison, threshold, period, evaluation_periods): (&'static str, f64, u32, u32),
        dimensions: Vec<String>,
        source: MetricSource,
    ) -> SimAlarm {
        SimAlarm {
            name: name.to_owned(),
            namespace,
            metric,
            statistic,
            comparison: crate::model::Comparison::parse(comparison),
            threshold,
            period,
            evaluation_periods,
            dimensions,
            source,
            state: AlarmState::Ok,
            reason: "Threshold Crossed: no datapoints were breaching the threshold.".into(),
            updated_at: self.now.plus_secs(-86_400.0),
            history: VecDeque::new(),
            acc: (0.0, 0.0, 0.0, 0),
            scale_out: None,
        }
    }

    /// Seed 000's parts: a web instance, an internal NLB on TCP 9090 to the app group, and the
    /// two State Manager associations. Returns (NLB target group, app group).
    fn nlb_web_app(&mut self, r: &mut RegionSim, desired: u32) -> (usize, usize) {
        let az = r.azs[0].clone();
        self.instance(r, Role::Web, None, &az);
        let l = self.lb(r, "fa-092-NLB", "network", "internal");
        // Never opted in to zonal shift: the preflight says so, with the fix.
        r.lbs[l].zonal_shift_enabled = false;
        let g = self.tg(
            r,
            l,
            "fa-092-NLBTargetGroup",
            ("TCP", 9090, "instance"),
            ("TCP", None, "traffic-port"),
            (10, 10, 3, 3),
        );
        let a = self.asg(
            r,
            "fa-092-AutoScalingGroup",
            (1, 4, desired),
            Role::App,
            vec![(g, 9090)],
        );
        self.association(
            r,
            "fa-092-web-association",
            "AWS-RunShellScript",
            Role::Web,
            15.0,
        );
        self.association(
            r,
            "fa-092-app-association",
            "AWS-ApplyAnsiblePlaybooks",
            Role::App,
            90.0,
        );
        (g, a)
    }

    /// One region of the warm-standby estate, at `scale` (2 primary, 1 DR).
    fn bookstore_region(&mut self, name: &str, role: RegionRole, scale: u32) -> RegionSim {
        let mut r = RegionSim::new(name, role);
        let (nlb_tg, app) = self.nlb_web_app(&mut r, scale);
        let alb = self.lb(&mut r, "bookstore-alb", "application", "internet-facing");
        let fe = self.tg(
            &mut r,
            alb,
            "bookstore-frontend",
            ("HTTP", 80, "ip"),
            ("HTTP", Some("/"), "traffic-port"),
            (30, 5, 2, 2),
        );
        let be = self.tg(
            &mut r,
            alb,
            "bookstore-backend",
            ("HTTP", 8000, "ip"),
            ("HTTP", Some("/status"), "8000"),
            (30, 5, 2, 2),
        );
        let cap = self.asg(
            &mut r,
            "appCluster-capacity-asg",
            (0, 10, scale),
            Role::EcsHost,
            vec![],
        );
        self.service(
            &mut r,
            "appCluster",
            "appService",
            scale,
            &[(fe, 80), (be, 8000)],
            cap,
        );
        let alb_dim = format!("LoadBalancer={}", lb_dimension(&r.lbs[alb].arn));
        let tg_dim = format!("TargetGroup={}", tg_dimension(&r.tgs[nlb_tg].arn));
        let mut cpu = self.alarm(
            "bookstore-cpu-high",
            ("AWS/EC2", "CPUUtilization", "Average"),
            ("GreaterThanThreshold", 85.0, 60, 5),
            vec!["AutoScalingGroupName=fa-092-AutoScalingGroup".into()],
            MetricSource::AsgCpu(app),
        );
        cpu.scale_out = Some(app);
        r.alarms = vec![
            self.alarm(
                "bookstore-alb-5xx",
                ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum"),
                ("GreaterThanThreshold", 10.0, 60, 1),
                vec![alb_dim],
                MetricSource::Lb5xx(alb),
            ),
            cpu,
            self.alarm(
                "bookstore-unhealthy-hosts",
                ("AWS/NetworkELB", "UnHealthyHostCount", "Maximum"),
                ("GreaterThanThreshold", 0.0, 60, 2),
                vec![tg_dim],
                MetricSource::TgUnhealthy(nlb_tg),
            ),
            self.alarm(
                "bookstore-log-errors",
                ("LogMetrics", "ErrorCount", "Sum"),
                ("GreaterThanThreshold", 10.0, 300, 1),
                vec![],
                MetricSource::LogErrors,
            ),
        ];
        r
    }
}

/// A large generated estate for benchmarks: 10,000 targets in 500 target groups, 500 alarms with
/// 60-point series, 200 ECS services and 100 associations, in one region.
pub fn large_estate(seed: u64, start: Timestamp) -> Sim {
    let mut sim = Sim::empty(Scenario::AlbAsg, seed, start);
    sim.base_rps = 4000.0;
    let mut b = Builder {
        rng: Rng::new(seed),
        now: start,
    };
    let mut r = RegionSim::new("us-east-1", RegionRole::Primary);
    let mut groups = Vec::new();
    for l in 0..100 {
        let lb = b.lb(
            &mut r,
            &format!("svc-{l:03}-alb"),
            "application",
            "internal",
        );
        for t in 0..5 {
            let g = b.tg(
                &mut r,
                lb,
                &format!("svc-{l:03}-tg{t}"),
                ("HTTP", 8080, "instance"),
                ("HTTP", Some("/health"), "traffic-port"),
                (10, 5, 3, 2),
            );
            let a = b.asg(
                &mut r,
                &format!("svc-{l:03}-asg{t}"),
                (10, 40, 20),
                Role::App,
                vec![(g, 8080)],
            );
            groups.push((g, a));
        }
    }
    let cap = b.asg(
        &mut r,
        "ecs-capacity",
        (0, 1000, 400),
        Role::EcsHost,
        vec![],
    );
    for s in 0..200 {
        b.service(
            &mut r,
            "bigCluster",
            &format!("service-{s:03}"),
            2,
            &[],
            cap,
        );
    }
    for k in 0..100 {
        b.association(
            &mut r,
            &format!("assoc-{k:03}"),
            "AWS-RunShellScript",
            Role::App,
            20.0,
        );
    }
    for (k, &(g, a)) in groups.iter().enumerate() {
        let mut al = if k % 2 == 0 {
            b.alarm(
                &format!("svc-{k:03}-cpu"),
                ("AWS/EC2", "CPUUtilization", "Average"),
                ("GreaterThanThreshold", 85.0, 60, 5),
                vec![],
                MetricSource::AsgCpu(a),
            )
        } else {
            b.alarm(
                &format!("svc-{k:03}-unhealthy"),
                ("AWS/ApplicationELB", "UnHealthyHostCount", "Maximum"),
                ("GreaterThanThreshold", 0.0, 60, 2),
                vec![],
                MetricSource::TgUnhealthy(g),
            )
        };
        for m in 0..60 {
            let v = 30.0 + 20.0 * ((k + m) as f64 / 7.0).sin();
            al.history
                .push_back((start.plus_secs(-60.0 * (60 - m) as f64), v));
        }
        if k % 17 == 0 {
            al.state = AlarmState::Alarm;
        }
        r.alarms.push(al);
    }
    r.reindex();
    sim.regions = vec![r];
    sim.rng = b.rng;
    sim
}
