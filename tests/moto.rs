//! The live source over real HTTP against moto, a local AWS-compatible server started by this
//! harness on a free loopback port. Each seed estate moto can hold is provisioned, then
//! `opsdash snapshot --json` (the real binary, the real aws-sdk-rust clients) must list exactly
//! what was provisioned, with the states moto reports.
//!
//! moto is installed into `.venv` by `./scripts/test.sh`. Without it these tests fail, loudly.
//! moto answers CloudWatch in JSON 1.0 while aws-sdk-cloudwatch speaks Smithy RPC v2 CBOR, so
//! CloudWatch goes through `tests/support/cw_proxy.py`, a translating bridge over real HTTP
//! (`AWS_ENDPOINT_URL_CLOUDWATCH` points the SDK at it). The known gaps, asserted so they cannot
//! hide anything else: moto does not implement SSM associations nor ARC zonal shift (both
//! covered by `aws_mocks.rs`).

use serde_json::Value;
use std::io::BufRead;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A region of the tests' estates, by name.
fn region(name: &str) -> opsdash::model::Region {
    opsdash::model::Region::new(name).expect("a region name")
}

fn venv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin")
}

struct Moto {
    child: Child,
    proxy: Child,
    endpoint: String,
    /// The CloudWatch CBOR ↔ JSON bridge in front of moto.
    cw_endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        for c in [&mut self.proxy, &mut self.child] {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Moto {
    fn start() -> Moto {
        let server = venv().join("moto_server");
        assert!(
            server.exists(),
            "moto is missing ({}): run ./scripts/test.sh, which installs it into .venv",
            server.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let endpoint = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "moto did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/cw_proxy.py");
        let mut proxy = Command::new(venv().join("python"))
            .arg(script)
            .arg(&endpoint)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the CloudWatch bridge starts");
        let mut line = String::new();
        std::io::BufReader::new(proxy.stdout.take().expect("bridge stdout"))
            .read_line(&mut line)
            .expect("the bridge prints its port");
        let cw_port: u16 = line.trim().parse().unwrap_or_else(|_| {
            panic!("the bridge did not start (needs cbor2 in .venv): {line:?}")
        });
        Moto {
            child,
            proxy,
            endpoint,
            cw_endpoint: format!("http://127.0.0.1:{cw_port}"),
        }
    }

    fn set_alarm(&self, region: &str, name: &str, state: &str) {
        self.python(&["alarm-state", region, name, state]);
    }

    fn set_alarm_because(&self, region: &str, name: &str, state: &str, reason: &str) {
        self.python(&["alarm-state", region, name, state, reason]);
    }

    fn provision(&self, seed: &str, region: &str) -> Value {
        self.python(&[seed, region])
    }

    /// Provisions `seed` in another account: a role assumed in it signs the set-up.
    fn provision_in(&self, account: &str, seed: &str, region: &str) {
        let out = Command::new(venv().join("python"))
            .arg("-c")
            .arg(
                "import boto3, sys\n\
                 c = boto3.client('sts', endpoint_url=sys.argv[1], region_name='us-east-1', \
                 aws_access_key_id='testing', aws_secret_access_key='testing')\n\
                 r = c.assume_role(RoleArn=f'arn:aws:iam::{sys.argv[2]}:role/ops', \
                 RoleSessionName='provision')['Credentials']\n\
                 print(r['AccessKeyId'], r['SecretAccessKey'], r['SessionToken'])",
            )
            .arg(&self.endpoint)
            .arg(account)
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let creds = String::from_utf8(out.stdout).unwrap();
        let [key, secret, token]: [&str; 3] = creds
            .split_whitespace()
            .collect::<Vec<_>>()
            .try_into()
            .expect("three words");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/provision.py");
        let out = Command::new(venv().join("python"))
            .arg(script)
            .args([self.endpoint.as_str(), seed, region])
            .env("PROVISION_ACCESS_KEY_ID", key)
            .env("PROVISION_SECRET_ACCESS_KEY", secret)
            .env("PROVISION_SESSION_TOKEN", token)
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn stop_instance(&self, region: &str, id: &str) {
        self.python(&["stop", region, id]);
    }

    fn python(&self, args: &[&str]) -> Value {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/provision.py");
        let out = Command::new(venv().join("python"))
            .arg(script)
            .arg(&self.endpoint)
            .args(args)
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "provisioning failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("provisioning prints JSON")
    }

    /// The binary pointed at `endpoint` (moto itself, or a fault proxy in front of it) with test
    /// credentials and nothing but loopback reachable.
    fn command(&self, endpoint: &str, args: &[&str]) -> Command {
        let home = std::env::temp_dir().join(format!("opsdash-moto-{}", std::process::id()));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsdash"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ENDPOINT_URL_CLOUDWATCH", &self.cw_endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        cmd
    }

    /// `opsdash snapshot --json` against this server, with nothing but loopback reachable.
    fn snapshot(&self, args: &[&str]) -> Value {
        let out = self
            .command(&self.endpoint, &[&["snapshot", "--json"], args].concat())
            .output()
            .expect("opsdash runs");
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        assert_eq!(v["source"], "aws");
        for e in v["errors"].as_array().unwrap() {
            let (svc, op) = (
                e["service"].as_str().unwrap(),
                e["operation"].as_str().unwrap(),
            );
            assert!(
                (svc == "ssm" && op == "ListAssociations")
                    || (svc == "arc-zonal-shift" && op == "ListManagedResources"),
                "only moto's known gaps may fail: {e}"
            );
        }
        // moto has no ARC zonal shift: said as not read, never as "no shift" (only when there is
        // a load balancer to ask about).
        let lbs = v["regions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| !r["load_balancers"].as_array().unwrap().is_empty());
        if lbs {
            assert!(
                v["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["operation"] == "ListManagedResources"),
                "{}",
                v["errors"]
            );
        }
        v
    }
}

/// What `AWS_ENDPOINT_URL_CLOUDWATCH` does for the CLI: CloudWatch through the bridge.
#[derive(Debug)]
struct CloudWatchVia(String);

impl aws_types::service_config::LoadServiceConfig for CloudWatchVia {
    fn load_config(&self, key: aws_types::service_config::ServiceConfigKey<'_>) -> Option<String> {
        (key.service_id() == "CloudWatch" && key.profile() == "endpoint_url")
            .then(|| self.0.clone())
    }
}

/// An SDK config for `endpoint` (moto, or a proxy in front of it) with test credentials,
/// CloudWatch through the bridge; `us-east-1` is the region.
fn sdk_config(moto: &Moto, endpoint: &str) -> aws_config::SdkConfig {
    let creds = aws_sdk_sts::config::Credentials::new("testing", "testing", None, None, "test");
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .service_config(CloudWatchVia(moto.cw_endpoint.clone()))
        .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(creds))
        .build()
}

/// The live source against this moto, in-process, with test credentials and nothing but
/// loopback configured; `us-east-1` is the primary.
async fn live_source(
    moto: &Moto,
    dr: Option<&str>,
) -> std::sync::Arc<opsdash::source::aws::AwsSource> {
    let conf = sdk_config(moto, &moto.endpoint);
    std::sync::Arc::new(
        opsdash::source::aws::AwsSource::with_config(&conf, None, dr.map(crate::region).as_ref())
            .await
            .expect("connects to moto"),
    )
}

fn names(v: &Value, key: &str) -> Vec<String> {
    let mut n: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap().to_owned())
        .collect();
    n.sort();
    n
}

fn ids(v: &Value) -> Vec<String> {
    names(v, "id")
}

/// The instance ids the provisioning script reported, sorted.
fn instances(made: &Value) -> Vec<String> {
    let mut v: Vec<String> = made["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn seed_000_nlb_to_asg_and_a_stopped_instance_turns_unused() {
    let moto = Moto::start();
    let made = moto.provision("000", "us-east-1");
    let s = moto.snapshot(&["--region", "us-east-1"]);
    let r = &s["regions"][0];
    assert_eq!(r["region"], "us-east-1");
    assert_eq!(r["role"], "primary");
    assert_eq!(names(&r["load_balancers"], "name"), vec!["fa-092-NLB"]);
    let lb = &r["load_balancers"][0];
    assert_eq!(
        (lb["type"].as_str(), lb["scheme"].as_str()),
        (Some("network"), Some("internal"))
    );
    let tg = &lb["target_groups"][0];
    assert_eq!(
        (
            tg["name"].as_str(),
            tg["protocol"].as_str(),
            tg["port"].as_u64()
        ),
        (Some("fa-092-NLBTargetGroup"), Some("TCP"), Some(9090))
    );
    let want = instances(&made);
    assert_eq!(
        ids(&tg["targets"]),
        want,
        "the group's targets are the ASG's instances"
    );
    assert_eq!(
        (tg["healthy"].as_u64(), tg["total"].as_u64()),
        (Some(2), Some(2))
    );
    let asg = &r["auto_scaling_groups"][0];
    assert_eq!(asg["name"], "fa-092-AutoScalingGroup");
    assert_eq!(
        (
            asg["min"].as_u64(),
            asg["desired"].as_u64(),
            asg["max"].as_u64(),
            asg["in_service"].as_u64()
        ),
        (Some(1), Some(2), Some(4), Some(2))
    );
    assert_eq!(ids(&asg["instances"]), want);
    assert!(r["ecs_services"].as_array().unwrap().is_empty());

    moto.stop_instance("us-east-1", &want[0]);
    let s = moto.snapshot(&["--region", "us-east-1"]);
    let targets = s["regions"][0]["load_balancers"][0]["target_groups"][0]["targets"]
        .as_array()
        .unwrap()
        .clone();
    let stopped = targets
        .iter()
        .find(|t| t["id"] == want[0].as_str())
        .expect("still registered");
    assert_eq!(stopped["state"], "unused");
    assert_eq!(
        s["regions"][0]["load_balancers"][0]["target_groups"][0]["healthy"],
        1
    );
}

#[test]
fn seed_001_nlb_with_two_groups_and_an_ecs_service() {
    let moto = Moto::start();
    moto.provision("001", "us-east-1");
    let s = moto.snapshot(&["--region", "us-east-1"]);
    let r = &s["regions"][0];
    assert_eq!(names(&r["load_balancers"], "name"), vec!["appCluster-NLB"]);
    let tgs = &r["load_balancers"][0]["target_groups"];
    assert_eq!(names(tgs, "name"), vec!["backend-tg", "frontend-tg"]);
    assert_eq!(
        names(&r["auto_scaling_groups"], "name"),
        vec!["appCluster-ASG"]
    );
    let asg = &r["auto_scaling_groups"][0];
    assert_eq!(
        (asg["min"].as_u64(), asg["max"].as_u64()),
        (Some(0), Some(10))
    );
    let svc = &r["ecs_services"][0];
    assert_eq!(
        (svc["cluster"].as_str(), svc["name"].as_str()),
        (Some("appCluster"), Some("appService"))
    );
    assert_eq!(svc["desired"], 2);
    assert_eq!(svc["task_definition"], "appTaskDefinition:1");
    // moto's rollouts never progress: one PRIMARY deployment, in progress.
    assert_eq!(svc["deployments"].as_array().unwrap().len(), 1);
    assert_eq!(svc["deployments"][0]["status"], "PRIMARY");
}

#[test]
fn seed_002_003_alb_to_asg() {
    let moto = Moto::start();
    let made = moto.provision("002", "us-east-1");
    let s = moto.snapshot(&["--region", "us-east-1"]);
    let r = &s["regions"][0];
    let lb = &r["load_balancers"][0];
    assert_eq!(
        (
            lb["name"].as_str(),
            lb["type"].as_str(),
            lb["scheme"].as_str()
        ),
        (
            Some("web-alb"),
            Some("application"),
            Some("internet-facing")
        )
    );
    let tg = &lb["target_groups"][0];
    assert_eq!(
        (tg["protocol"].as_str(), tg["port"].as_u64()),
        (Some("HTTP"), Some(8080))
    );
    assert_eq!(
        tg["targets"].as_array().unwrap().len(),
        made["instances"].as_array().unwrap().len()
    );
    let asg = &r["auto_scaling_groups"][0];
    assert_eq!(
        (
            asg["name"].as_str(),
            asg["min"].as_u64(),
            asg["max"].as_u64()
        ),
        (Some("web-asg"), Some(2), Some(4))
    );
    // Seed 003's alarms through the CloudWatch bridge: listed exactly, with their metric.
    let mut want: Vec<String> = made["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    want.sort();
    assert_eq!(names(&r["alarms"], "name"), want);
    let cpu = r["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "web-cpu-high")
        .unwrap();
    assert_eq!(cpu["metric"], "CPUUtilization");
    assert_eq!(cpu["threshold"], 85.0);
    moto.set_alarm("us-east-1", "web-alb-5xx", "ALARM");
    let s = moto.snapshot(&["--region", "us-east-1"]);
    let fired = s["regions"][0]["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "web-alb-5xx")
        .unwrap()
        .clone();
    assert_eq!(fired["state"], "ALARM");
}

#[test]
fn seed_004_two_regions_side_by_side() {
    let moto = Moto::start();
    let east = moto.provision("000", "us-east-1");
    let west = moto.provision("000", "us-west-2");
    let s = moto.snapshot(&["--region", "us-east-1", "--dr-region", "us-west-2"]);
    let regions = s["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 2);
    assert_eq!(
        (regions[0]["region"].as_str(), regions[0]["role"].as_str()),
        (Some("us-east-1"), Some("primary"))
    );
    assert_eq!(
        (regions[1]["region"].as_str(), regions[1]["role"].as_str()),
        (Some("us-west-2"), Some("dr"))
    );
    for (r, made) in regions.iter().zip([east, west]) {
        let want = instances(&made);
        assert_eq!(
            ids(&r["auto_scaling_groups"][0]["instances"]),
            want,
            "each region lists its own instances"
        );
    }
}

// ---- operations over real HTTP: the executor's calls change what moto holds ----

mod operations {
    use super::Moto;
    use opsdash::model::Capacity;
    use opsdash::ops::{self, Bounds, Executor, ScaleTarget, Scope};
    use opsdash::source::EstateReader;
    use opsdash::source::aws::AwsSource;
    use std::sync::Arc;

    const REGION: &str = "us-east-1";

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// The live source against this moto, in-process, with test credentials and nothing but
    /// loopback configured.
    async fn source(moto: &Moto) -> Arc<AwsSource> {
        super::live_source(moto, None).await
    }

    fn executor(src: &Arc<AwsSource>, tag: &str) -> Executor {
        super::live_exec::executor(src, false, tag).0
    }

    fn scope(src: &AwsSource) -> Scope {
        Scope {
            account: src.account.clone(),
            region: crate::region(REGION),
        }
    }

    async fn capacity(src: &AwsSource) -> Capacity {
        src.capacity(&crate::region(REGION))
            .await
            .result
            .expect("capacity reads")
    }

    #[test]
    fn alarms_their_metrics_and_set_alarm_state_over_the_cloudwatch_bridge() {
        use opsdash::model::AlarmState;
        use opsdash::source::EstateWriter;
        let moto = Moto::start();
        moto.provision("002", REGION);
        let rt = rt();
        let src = rt.block_on(source(&moto));
        let alarms = rt
            .block_on(src.alarms(&crate::region(REGION)))
            .result
            .expect("alarms read");
        let cpu = alarms.iter().find(|a| a.name == "web-cpu-high").unwrap();
        assert_eq!(
            cpu.dimensions,
            vec!["AutoScalingGroupName=web-asg".to_owned()]
        );
        assert!(
            cpu.series.len() >= 20,
            "GetMetricData returns the half hour put: {:?}",
            cpu.series
        );
        assert!(cpu.series.iter().all(|p| (40.0..47.0).contains(&p.value)));
        rt.block_on(src.set_alarm_state(
            &crate::region(REGION),
            "web-cpu-high",
            AlarmState::Alarm,
            "drill",
        ))
        .expect("SetAlarmState");
        let alarms = rt
            .block_on(src.alarms(&crate::region(REGION)))
            .result
            .unwrap();
        let cpu = alarms.iter().find(|a| a.name == "web-cpu-high").unwrap();
        assert_eq!(cpu.state, AlarmState::Alarm);
        assert_eq!(cpu.reason, "drill");
        // An error crosses the bridge as an error.
        let e = rt
            .block_on(src.set_alarm_state(
                &crate::region(REGION),
                "no-such-alarm",
                AlarmState::Ok,
                "x",
            ))
            .unwrap_err();
        assert_eq!(e.operation, "SetAlarmState");
        // moto does not implement DescribeAlarmHistory (HTTP 500): the timeline pane says so
        // with the code, and only it (alarm transitions are covered against aws-smithy-mocks);
        // what the read's other call got is still shown.
        let read = rt.block_on(src.timeline(&crate::region(REGION), 0));
        assert!(read.result.is_ok());
        let e = read.partial.unwrap();
        assert_eq!(
            (e.operation.as_str(), e.code.as_str()),
            ("DescribeAlarmHistory", "InternalFailure")
        );
    }

    /// More alarms than a page, over the CloudWatch bridge: between whole reads only the
    /// alarms not OK are read (DescribeAlarms by state), and an alarm leaving ALARM makes the
    /// whole list be read at once; what the console shows is each alarm's state as moto has it.
    #[test]
    fn many_alarms_are_read_by_state_between_whole_reads() {
        use opsdash::model::AlarmState;
        let moto = Moto::start();
        moto.python(&["many-alarms", REGION, "120"]);
        let rt = rt();
        let src = rt.block_on(source(&moto));
        let read = || {
            rt.block_on(src.alarms(&crate::region(REGION)))
                .result
                .expect("alarms read")
        };
        let describes = || {
            src.calls
                .snapshot()
                .iter()
                .filter(|((_, op), _)| op == "DescribeAlarms")
                .map(|(_, n)| *n)
                .sum::<u32>()
        };
        let state = |alarms: &[opsdash::model::Alarm], name: &str| {
            alarms.iter().find(|a| a.name == name).map(|a| a.state)
        };
        let first = read();
        assert_eq!(first.len(), 120);
        // moto answers every alarm in one page, whatever MaxRecords says.
        let whole = describes();
        assert!((1..=2).contains(&whole), "{whole}");
        moto.set_alarm_because(REGION, "alarm-042", "ALARM", "drill");
        let second = read();
        assert_eq!(describes(), whole + 2, "by state: ALARM, INSUFFICIENT_DATA");
        assert_eq!(second.len(), 120);
        assert_eq!(state(&second, "alarm-042"), Some(AlarmState::Alarm));
        assert_eq!(state(&second, "alarm-041"), Some(AlarmState::Ok));
        moto.set_alarm(REGION, "alarm-042", "OK");
        let third = read();
        assert_eq!(
            describes(),
            whole + 4 + whole,
            "by state, then the whole list"
        );
        assert_eq!(state(&third, "alarm-042"), Some(AlarmState::Ok));
        assert!(third.iter().all(|a| a.state == AlarmState::Ok));
    }

    /// An operation whose console was killed after its call reached AWS: the next console reads
    /// the group back from the live API and records that it took effect; one killed before its
    /// call is recorded as not taken effect.
    #[test]
    fn an_interrupted_scale_is_read_back_from_aws() {
        use opsdash::ops::audit::{AuditOutcome, AuditPhase};
        use opsdash::ops::{Bounds, ScaleTarget, plan_scale};
        use opsdash::source::EstateWriter;
        let moto = Moto::start();
        moto.provision("002", REGION);
        let rt = rt();
        let src = rt.block_on(source(&moto));
        let (exec, log) = super::live_exec::executor(&src, false, "reconcile");
        let plan = |desired: &str| {
            plan_scale(
                &scope(&src),
                &ScaleTarget::Asg("web-asg".into()),
                Bounds {
                    min: 2,
                    desired: 2,
                    max: 4,
                },
                desired,
            )
            .unwrap()
        };
        // Two intents of a console that is gone (pid u32::MAX - 1 on this host): the first
        // call reached AWS, the second never did.
        let dead = format!("{}:{}:1", opsdash::identity::host(), u32::MAX - 1);
        for (id, p) in [("1-1-1", plan("3")), ("1-1-2", plan("4"))] {
            let rec = opsdash::ops::audit::AuditRecord {
                time: opsdash::model::Timestamp::now().rfc3339(),
                id: id.into(),
                phase: AuditPhase::Intent,
                operator: opsdash::ops::audit::OperatorRecord {
                    user: "ana".into(),
                    caller_arn: src.caller_arn.clone(),
                },
                profile: None,
                account: src.account.clone(),
                region: crate::region(REGION),
                source: "aws".into(),
                operation: "scale".into(),
                target: p.target.to_string(),
                parameters: p.params.iter().cloned().collect(),
                calls: p.calls(),
                outcome: None,
                error: None,
                duration: None,
                console: Some(dead.clone()),
                estate: None,
                source_time: None,
                steps: p.steps.clone(),
                found: None,
                applied: None,
            };
            log.append(&rec).unwrap();
        }
        rt.block_on(src.set_desired_capacity(&crate::region(REGION), "web-asg", 3))
            .unwrap();
        let found = rt.block_on(opsdash::ops::reconcile::run(&*src, &exec));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].finding.applied, Some(true), "{found:?}");
        assert!(
            found[0]
                .finding
                .found
                .contains("web-asg desired capacity is 3, as asked")
        );
        // The second asked 4: the group is at 3, neither 4 nor the 2 before: cannot be told.
        assert_eq!(found[1].finding.applied, None, "{found:?}");
        let outcomes: Vec<_> = log
            .read()
            .unwrap()
            .into_iter()
            .flatten()
            .filter(|r| r.phase == AuditPhase::Outcome)
            .collect();
        assert_eq!(outcomes.len(), 2);
        assert!(
            outcomes
                .iter()
                .all(|o| o.outcome == Some(AuditOutcome::Reconciled))
        );
        // Recorded once: nothing left for the next console.
        assert!(
            rt.block_on(opsdash::ops::reconcile::run(&*src, &exec))
                .is_empty()
        );
    }

    #[test]
    fn scaling_an_asg_changes_its_instances() {
        let moto = Moto::start();
        moto.provision("000", REGION);
        let rt = rt();
        let src = rt.block_on(source(&moto));
        let exec = executor(&src, "asg");
        let plan = ops::plan_scale(
            &scope(&src),
            &ScaleTarget::Asg("fa-092-AutoScalingGroup".into()),
            Bounds {
                min: 1,
                desired: 2,
                max: 4,
            },
            "4",
        )
        .unwrap();
        let o = rt.block_on(exec.execute(&plan, &mut |_| {}));
        assert!(o.ok, "{}", o.message);
        let cap = rt.block_on(capacity(&src));
        let g = &cap.auto_scaling_groups[0];
        assert_eq!(g.desired, 4);
        assert_eq!(g.instances.len(), 4, "moto launches the instances at once");
        let lbs = rt
            .block_on(src.targets(&crate::region(REGION)))
            .result
            .unwrap();
        assert_eq!(
            lbs[0].target_groups[0].targets.len(),
            4,
            "and registers them"
        );
        // Out of range is refused by planning before any call.
        assert!(
            ops::plan_scale(
                &scope(&src),
                &ScaleTarget::Asg("fa-092-AutoScalingGroup".into()),
                Bounds {
                    min: 1,
                    desired: 4,
                    max: 4
                },
                "5"
            )
            .is_err()
        );
    }

    #[test]
    fn scaling_and_deploying_an_ecs_service() {
        let moto = Moto::start();
        moto.provision("001", REGION);
        let rt = rt();
        let src = rt.block_on(source(&moto));
        let exec = executor(&src, "ecs");
        let plan = ops::plan_scale(
            &scope(&src),
            &ScaleTarget::Service {
                cluster: "appCluster".into(),
                service: "appService".into(),
            },
            Bounds {
                min: 0,
                desired: 2,
                max: ops::ECS_MAX_TASKS,
            },
            "3",
        )
        .unwrap();
        let o = rt.block_on(exec.execute(&plan, &mut |_| {}));
        assert!(o.ok, "{}", o.message);
        assert_eq!(rt.block_on(capacity(&src)).ecs_services[0].desired, 3);

        let td = rt
            .block_on(src.task_definition(&crate::region(REGION), "appTaskDefinition:1"))
            .result
            .unwrap();
        assert_eq!(
            td.containers,
            vec![("app".into(), "bookstore:v1.4.2".into())]
        );
        let plan = ops::plan_deploy(
            &scope(&src),
            "appCluster",
            "appService",
            "appTaskDefinition:1",
            ("app", "bookstore:v1.4.2"),
            "v1.5.0",
        )
        .unwrap();
        let o = rt.block_on(exec.execute(&plan, &mut |_| {}));
        assert!(o.ok, "{}", o.message);
        assert!(
            o.message.contains("registered appTaskDefinition:2"),
            "{}",
            o.message
        );
        let svc = &rt.block_on(capacity(&src)).ecs_services[0];
        assert_eq!(
            svc.task_definition, "appTaskDefinition:2",
            "the service points at it"
        );
        let new = rt
            .block_on(src.task_definition(&crate::region(REGION), "appTaskDefinition:2"))
            .result
            .unwrap();
        assert_eq!(
            new.containers,
            vec![("app".into(), "bookstore:v1.5.0".into())]
        );
        // Roll back to the previous revision.
        let plan = ops::plan_rollback(
            &scope(&src),
            "appCluster",
            "appService",
            "appTaskDefinition:2",
            "appTaskDefinition:1",
        );
        assert!(rt.block_on(exec.execute(&plan, &mut |_| {})).ok);
        assert_eq!(
            rt.block_on(capacity(&src)).ecs_services[0].task_definition,
            "appTaskDefinition:1"
        );
    }
}

// ---- the failover drill over real HTTP: seed 004's two regions in one server ----

mod drill_over_http {
    use super::Moto;
    use opsdash::model::AlarmState;
    use opsdash::ops::drill::{self, DrillSpec, DrillState, RegionView, StepKind};
    use opsdash::source::EstateReader;

    #[test]
    fn the_dr_group_follows_the_plan_and_returns_on_failback() {
        let moto = Moto::start();
        moto.provision("000", "us-east-1");
        moto.python(&["000", "us-west-2", "1"]);
        moto.python(&["health-alarm", "us-east-1", "bookstore-primary-health"]);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let src = rt.block_on(super::live_source(&moto, Some("us-west-2")));
        let read = |region: &str| {
            let lbs = rt
                .block_on(src.targets(&crate::region(region)))
                .result
                .unwrap();
            let cap = rt
                .block_on(src.capacity(&crate::region(region)))
                .result
                .unwrap();
            let alarms = rt
                .block_on(src.alarms(&crate::region(region)))
                .result
                .unwrap();
            (lbs, cap, alarms)
        };
        let (p, d) = (read("us-east-1"), read("us-west-2"));
        let spec = DrillSpec::warm_standby_demo();
        let pre = drill::preflight(
            &spec,
            RegionView {
                lbs: Some(&p.0),
                capacity: Some(&p.1),
                alarms: Some(&p.2),
            },
            RegionView {
                lbs: Some(&d.0),
                capacity: Some(&d.1),
                alarms: Some(&d.2),
            },
        );
        assert!(pre.ok(), "{:?}", pre.checks);
        assert_eq!(pre.primary_healthy, 2);
        let state = DrillState::new(spec, &src.account, &pre, 0);
        let (exec, _log) = super::live_exec::executor(&src, false, "motodrill");
        let run = |step: StepKind| {
            let plan = state.step_plan(step).unwrap();
            let o = rt.block_on(exec.execute(&plan, &mut |_| {}));
            assert!(o.ok, "{step:?}: {}", o.message);
        };
        let dr_group = || {
            let cap = rt
                .block_on(src.capacity(&crate::region("us-west-2")))
                .result
                .unwrap();
            let g = &cap.auto_scaling_groups[0];
            (g.desired, g.instances.len())
        };
        let health = || {
            rt.block_on(src.alarms(&crate::region("us-east-1")))
                .result
                .unwrap()
                .into_iter()
                .find(|a| a.name == "bookstore-primary-health")
                .unwrap()
        };
        assert_eq!(dr_group(), (1, 1));
        run(StepKind::ScaleDr);
        assert_eq!(dr_group(), (2, 2), "DR scaled to the primary's desired");
        let lbs = rt
            .block_on(src.targets(&crate::region("us-west-2")))
            .result
            .unwrap();
        assert_eq!(
            drill::healthy(&state.spec, &lbs, &state.target_groups),
            2,
            "moto reports new targets healthy"
        );
        run(StepKind::SwitchTraffic);
        let a = health();
        assert_eq!(a.state, AlarmState::Alarm);
        assert_eq!(a.reason, drill::SIMULATED);
        run(StepKind::RestoreAlarm);
        run(StepKind::RestoreCapacity);
        assert_eq!(health().state, AlarmState::Ok);
        assert_eq!(
            dr_group().0,
            1,
            "failback restores the recorded DR capacity"
        );
        assert_eq!(
            rt.block_on(src.capacity(&crate::region("us-east-1")))
                .result
                .unwrap()
                .auto_scaling_groups[0]
                .desired,
            2,
            "the primary is never touched"
        );
    }
}

// ---- the release binary in a pseudo-terminal against moto ----

#[path = "support/pty.rs"]
mod pty;

#[path = "support/live_exec.rs"]
mod live_exec;

#[test]
fn the_console_in_a_terminal_fills_its_panes_from_moto() {
    let moto = Moto::start();
    moto.provision("002", "us-east-1");
    let mut term = pty::Pty::open(140, 40);
    let cw = moto.cw_endpoint.clone();
    let mut child = term.spawn_env(
        &pty::binary(),
        &["--region", "us-east-1"],
        &[
            ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
            ("AWS_ENDPOINT_URL_CLOUDWATCH", cw.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    let wait = Duration::from_secs(20);
    let s = term.wait_for("web-tg", wait);
    assert!(s.contains("LIVE"), "{s}");
    term.wait_for("123456789012", wait);
    for what in ["web-asg", "web-alb-5xx", "web-cpu-high"] {
        term.wait_for(what, wait);
    }
    // moto's known gaps (no SSM associations, no alarm history) show as error codes on their
    // panes, not as a hang.
    term.wait_for("3 Runs us-east-1 ResponseError", wait);
    let s = term.wait_for("InternalFailure ─", wait);
    assert!(
        s.lines()
            .any(|l| l.contains("5 Timeline us-east-1") && l.contains("InternalFailure")),
        "{s}"
    );
    // The group's row: its name (the column as wide as the names in the pane), min/desired/max.
    assert!(
        s.lines()
            .any(|l| l.contains("ASG web-asg ") && l.contains(" 2/2/4 in 2")),
        "{s}"
    );
    term.send("q");
    assert!(pty::wait_exit(&mut child, Duration::from_secs(10)).success());
}

/// `--profile P` wins over keys in the environment, as in the aws cli: every request is signed
/// with the profile's credentials (a role of account 111111111111 here, which moto tells apart
/// by the assumed role's keys), and the snapshot says which account, caller and credentials it
/// describes. The environment's keys used to sign everything while the header said `(P)`.
#[test]
fn a_named_profile_wins_over_keys_in_the_environment_and_the_snapshot_names_it() {
    let moto = Moto::start();
    moto.provision("002", "us-east-1");
    let home = std::env::temp_dir().join(format!("opsdash-profile-{}", std::process::id()));
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(
        home.join(".aws/config"),
        "[profile ops]\nrole_arn = arn:aws:iam::111111111111:role/ops\nsource_profile = base\nregion = us-east-1\n\n[profile base]\nregion = us-east-1\n",
    )
    .unwrap();
    std::fs::write(
        home.join(".aws/credentials"),
        "[base]\naws_access_key_id = AKIABASEEXAMPLE00001\naws_secret_access_key = base\n",
    )
    .unwrap();
    let run = |args: &[&str]| -> Value {
        let out = moto
            .command(&moto.endpoint, args)
            .env("HOME", &home)
            .env("AWS_ACCESS_KEY_ID", "AKIAENVEXAMPLE000001")
            .env("AWS_SECRET_ACCESS_KEY", "env")
            .output()
            .expect("opsdash runs");
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
    };
    let with_profile = run(&[
        "snapshot",
        "--json",
        "--profile",
        "ops",
        "--region",
        "us-east-1",
    ]);
    assert_eq!(with_profile["account"], "111111111111", "{with_profile}");
    assert!(
        with_profile["caller_arn"]
            .as_str()
            .unwrap()
            .contains(":assumed-role/ops/"),
        "{with_profile}"
    );
    assert_eq!(with_profile["profile"], "ops");
    assert_eq!(with_profile["credentials"], "profile ops");
    // The role's account has nothing in it: the estate provisioned in the default account is
    // not what the profile sees.
    assert!(
        with_profile["regions"][0]["load_balancers"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{with_profile}"
    );
    // Without --profile, the environment's keys are used, and said so.
    let from_env = run(&["snapshot", "--json", "--region", "us-east-1"]);
    assert_eq!(from_env["account"], "123456789012", "{from_env}");
    assert_eq!(from_env["credentials"], "environment (AWS_ACCESS_KEY_ID)");
    assert_eq!(
        from_env["regions"][0]["load_balancers"][0]["name"], "web-alb",
        "{from_env}"
    );
}

/// `OPSDASH_LOG=debug` logs the SDK's requests: the access key id, the secret and the
/// signatures never reach the file (it held the key id 127 times), and the file is bounded.
#[test]
fn the_debug_log_holds_no_credential() {
    let moto = Moto::start();
    moto.provision("002", "us-east-1");
    let home = std::env::temp_dir().join(format!("opsdash-log-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    let key = "AKIAOPSDASHTEST12345";
    let secret = "opsdash-secret-key-never-logged";
    let out = moto
        .command(
            &moto.endpoint,
            &["snapshot", "--json", "--region", "us-east-1"],
        )
        .env("HOME", &home)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("OPSDASH_LOG", "trace")
        .output()
        .unwrap();
    assert!(!out.stdout.is_empty(), "{out:?}");
    let log = std::fs::read_to_string(home.join(".local/state/opsdash/opsdash.log"))
        .expect("the log was written");
    assert!(
        log.len() > 10_000,
        "a debug log of the requests: {} bytes",
        log.len()
    );
    assert!(log.contains("GetCallerIdentity") || log.contains("DescribeLoadBalancers"));
    for s in [key, &key[4..], secret] {
        assert!(!log.contains(s), "{s} is in the log");
    }
    assert!(log.len() as u64 <= opsdash::logfile::ROTATE_AT);
}

/// moto has no DescribeAlarmHistory (HTTP 500). The Timeline shows what its other call got
/// (one failure used to empty the pane) with the failure marked, and the failing call backs off
/// instead of being made on every read (18 times a minute).
#[test]
fn a_failing_call_of_the_timeline_backs_off_and_the_rest_is_shown() {
    use opsdash::source::EstateReader;
    let moto = Moto::start();
    moto.provision("002", "us-east-1");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let src = rt.block_on(live_source(&moto, None));
    let history = |src: &opsdash::source::aws::AwsSource| {
        src.calls
            .snapshot()
            .iter()
            .filter(|((_, op), _)| op == "DescribeAlarmHistory")
            .map(|(_, n)| *n)
            .sum::<u32>()
    };
    let first = rt.block_on(src.timeline(&crate::region("us-east-1"), 0));
    // What DescribeScalingActivities got (moto's list may be empty) is a result, not an error.
    first.result.expect("the scaling activities are shown");
    let partial = first.partial.expect("the failed call marks the read");
    assert_eq!(partial.operation, "DescribeAlarmHistory");
    let after_first = history(&src);
    assert!(after_first >= 1);
    for _ in 0..10 {
        let r = rt.block_on(src.timeline(&crate::region("us-east-1"), 0));
        assert!(r.result.is_ok());
        let p = r.partial.expect("still marked");
        assert!(p.message.contains("asked again in"), "{}", p.message);
    }
    assert_eq!(
        history(&src),
        after_first,
        "not asked again while it backs off"
    );
}

/// DescribeTargetHealth names no zone for instance targets (moto, like AWS, leaves it out): the
/// zone comes from the Auto Scaling group's instances the console reads anyway, so the zone
/// filter and the roll-up by zone work live as in the demo.
#[test]
fn instance_targets_get_their_zone_from_the_auto_scaling_data() {
    let moto = Moto::start();
    moto.provision("002", "us-east-1");
    let v = moto.snapshot(&["--region", "us-east-1"]);
    let r = &v["regions"][0];
    let zones: std::collections::HashMap<String, String> = r["auto_scaling_groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["instances"].as_array().unwrap().iter())
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_owned(),
                i["az"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let targets: Vec<&Value> = r["load_balancers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["target_groups"].as_array().unwrap().iter())
        .flat_map(|g| g["targets"].as_array().unwrap().iter())
        .collect();
    assert!(!targets.is_empty());
    for t in targets {
        let id = t["id"].as_str().unwrap();
        assert!(!t["az"].as_str().unwrap().is_empty(), "{t}");
        assert_eq!(t["az"].as_str(), zones.get(id).map(String::as_str), "{t}");
    }
}

// ---- faults: a loopback proxy in front of moto stalls or refuses; moto answers the rest ----

#[path = "support/fault_proxy.rs"]
mod fault_proxy;

mod faults {
    use super::fault_proxy::{FaultProxy, Mode};
    use super::*;
    use opsdash::source::EstateReader;

    fn proxy(moto: &Moto) -> FaultProxy {
        FaultProxy::start(moto.endpoint.trim_start_matches("http://"))
    }

    #[test]
    fn a_stalled_call_times_out_and_the_next_read_recovers() {
        let moto = Moto::start();
        moto.provision("002", "us-east-1");
        let p = proxy(&moto);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let conf = sdk_config(&moto, &p.endpoint);
        let src = rt
            .block_on(opsdash::source::aws::AwsSource::with_config(
                &conf, None, None,
            ))
            .expect("connects through the proxy");
        assert!(
            rt.block_on(src.targets(&crate::region("us-east-1")))
                .result
                .is_ok()
        );
        // Connections accepted, requests read, never answered.
        p.set(Mode::Stall);
        let t = Instant::now();
        let e = rt
            .block_on(src.targets(&crate::region("us-east-1")))
            .result
            .unwrap_err();
        let took = t.elapsed();
        assert_eq!(e.code, "Timeout", "{e}");
        assert!(
            took < Duration::from_secs(25),
            "the call gave up within its limits: {took:?}"
        );
        p.set(Mode::Pass);
        let lbs = rt
            .block_on(src.targets(&crate::region("us-east-1")))
            .result
            .expect("recovered");
        assert!(
            lbs.iter()
                .any(|l| l.target_groups.iter().any(|g| g.name == "web-tg"))
        );
    }

    #[test]
    fn snapshot_and_check_end_within_30_s_when_the_endpoint_stalls() {
        let moto = Moto::start();
        let p = proxy(&moto);
        p.set(Mode::Stall);
        let run = |args: &'static [&'static str]| {
            let t = Instant::now();
            let out = moto
                .command(&p.endpoint, args)
                .output()
                .expect("opsdash runs");
            (out, t.elapsed())
        };
        let (snap, check) = std::thread::scope(|s| {
            let a = s.spawn(|| run(&["snapshot", "--region", "us-east-1"]));
            let b = s.spawn(|| run(&["check", "--region", "us-east-1"]));
            (a.join().unwrap(), b.join().unwrap())
        });
        // The data on stdout, what could not be read on stderr.
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&snap.0.stdout),
            String::from_utf8_lossy(&snap.0.stderr)
        );
        // Nothing could be read at all: 3, not the 1 of a partial result.
        assert_eq!(snap.0.status.code(), Some(3), "{text}");
        assert!(
            snap.1 < Duration::from_secs(31),
            "snapshot took {:?}",
            snap.1
        );
        assert!(text.contains("Timeout"), "{text}");
        assert!(
            !text.contains("DispatchFailure") && !text.contains("ConnectorError"),
            "one clear line per error, no SDK debug dump: {text}"
        );
        let line = String::from_utf8_lossy(&check.0.stdout).to_string();
        assert_eq!(check.0.status.code(), Some(3), "{line}");
        assert!(
            check.1 < Duration::from_secs(31),
            "check took {:?}",
            check.1
        );
        assert!(line.starts_with("OPSDASH UNKNOWN"), "{line}");
    }

    #[test]
    fn alarm_text_with_escape_sequences_cannot_drive_the_terminal() {
        let moto = Moto::start();
        moto.provision("002", "us-east-1");
        let evil = "boom\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mred";
        moto.set_alarm_because("us-east-1", "web-alb-5xx", "ALARM", evil);
        let out = moto
            .command(&moto.endpoint, &["snapshot", "--region", "us-east-1"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(text.contains("boom?]0;pwned??[2J?[31mred"), "{text}");
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
        // JSON stays JSON: the reason as AWS has it, escaped.
        let json = moto.snapshot(&["--region", "us-east-1"]);
        let reasons: Vec<&str> = json["regions"][0]["alarms"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["reason"].as_str())
            .collect();
        assert!(reasons.contains(&evil), "{reasons:?}");
    }

    /// The console in a pseudo-terminal against a proxy that first refuses every connection
    /// (no network yet), then passes, then stalls, then passes again: it connects once it can,
    /// shows a stall as stale with its cause, and recovers without a key.
    #[test]
    fn the_console_connects_when_it_can_shows_a_stall_and_recovers() {
        let moto = Moto::start();
        moto.provision("002", "us-east-1");
        let p = proxy(&moto);
        p.set(Mode::Refuse);
        let mut term = pty::Pty::open(140, 40);
        let cw = moto.cw_endpoint.clone();
        let mut child = term.spawn_env(
            &pty::binary(),
            &["--region", "us-east-1", "--refresh", "2"],
            &[
                ("AWS_ENDPOINT_URL", p.endpoint.as_str()),
                ("AWS_ENDPOINT_URL_CLOUDWATCH", cw.as_str()),
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ],
        );
        let s = term.wait_for("CANNOT CONNECT TO AWS", Duration::from_secs(30));
        assert!(s.contains("sts:GetCallerIdentity"), "{s}");
        // The network comes back: no restart, no key.
        p.set(Mode::Pass);
        term.wait_for("123456789012", Duration::from_secs(45));
        term.wait_for("web-tg", Duration::from_secs(20));
        // A black hole: the Targets pane turns stale with its cause, the console keeps running.
        p.set(Mode::Stall);
        term.wait_for("stale", Duration::from_secs(40));
        let s = term.wait_for("Timeout", Duration::from_secs(40));
        assert!(s.contains("web-tg"), "the last data stays on screen: {s}");
        p.set(Mode::Pass);
        let start = Instant::now();
        loop {
            let s = term.screen();
            if !s.contains("Targets Timeout")
                && !s.contains("Targets: Timeout")
                && s.contains("web-tg")
            {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "recovered within a few intervals: {s}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        term.send("q");
        assert!(pty::wait_exit(&mut child, Duration::from_secs(10)).success());
    }
}

// ---- CloudWatch Logs over HTTP ----

/// The Logs view's calls against moto. moto implements CreateLogGroup/Stream, PutLogEvents,
/// FilterLogEvents (plain-term filter patterns), PutMetricFilter, DescribeMetricFilters and
/// DescribeLogGroups; it ignores FilterLogEvents' logStreamNamePrefix and DescribeLogGroups'
/// logGroupNamePattern (the source checks both again itself). Its StartLiveTail answers a
/// session start and one update with the matching events it already has (AWS pushes only new
/// ones), then ends the stream: the requests and the event-stream decoding are checked here,
/// the hand-over from polling and a session that stays open against mocks (tests/aws_mocks.rs).
mod logs_over_http {
    use super::*;
    use opsdash::model::Timestamp;
    use opsdash::model::logs::{LogGroup, LogTarget};
    use opsdash::source::EstateReader;

    const REGION: &str = "us-east-1";

    /// Creates `stream` in `group` (which exists) and writes `lines` (time in ms, message).
    async fn put_lines(
        logs: &aws_sdk_cloudwatchlogs::Client,
        group: &str,
        stream: &str,
        lines: &[(i64, &str)],
    ) {
        logs.create_log_stream()
            .log_group_name(group)
            .log_stream_name(stream)
            .send()
            .await
            .unwrap();
        let mut req = logs
            .put_log_events()
            .log_group_name(group)
            .log_stream_name(stream);
        for (at, m) in lines {
            req = req.log_events(
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(*at)
                    .message(*m)
                    .build()
                    .unwrap(),
            );
        }
        req.send().await.unwrap();
    }

    /// Log groups of a service (awslogs, with a stream of another service beside it) and of an
    /// Auto Scaling group (with a metric filter an alarm can watch), written a minute ago; the
    /// time they were written around.
    async fn provision_logs(conf: &aws_config::SdkConfig) -> i64 {
        let logs = aws_sdk_cloudwatchlogs::Client::new(conf);
        let ecs = aws_sdk_ecs::Client::new(conf);
        let now = Timestamp::now().0;
        for group in ["/ecs/web", "/ec2/web-asg/app"] {
            logs.create_log_group()
                .log_group_name(group)
                .send()
                .await
                .unwrap();
        }
        let lines = [
            (now - 60_000, "INFO GET / 200"),
            (now - 30_000, "ERROR db timeout"),
        ];
        put_lines(&logs, "/ecs/web", "web/app/task1", &lines).await;
        put_lines(
            &logs,
            "/ecs/web",
            "other/app/task9",
            &[(now - 20_000, "ERROR not ours")],
        )
        .await;
        put_lines(
            &logs,
            "/ec2/web-asg/app",
            "i-0abc",
            &[(now - 10_000, "ERROR upstream")],
        )
        .await;
        ecs.register_task_definition()
            .family("web")
            .container_definitions(
                aws_sdk_ecs::types::ContainerDefinition::builder()
                    .name("app")
                    .image("web:1")
                    .memory(256)
                    .log_configuration(
                        aws_sdk_ecs::types::LogConfiguration::builder()
                            .log_driver(aws_sdk_ecs::types::LogDriver::Awslogs)
                            .options("awslogs-group", "/ecs/web")
                            .options("awslogs-stream-prefix", "web")
                            .options("awslogs-region", REGION)
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        logs.put_metric_filter()
            .log_group_name("/ec2/web-asg/app")
            .filter_name("errors")
            .filter_pattern("ERROR")
            .metric_transformations(
                aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                    .metric_name("ErrorCount")
                    .metric_namespace("LogMetrics")
                    .metric_value("1")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        now
    }

    #[test]
    fn a_service_an_alarm_and_a_group_find_their_logs_and_filter_log_events_reads_them() {
        let moto = Moto::start();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let conf = sdk_config(&moto, &moto.endpoint);
            let now = provision_logs(&conf).await;

            let src = live_source(&moto, None).await;
            let since = Timestamp(now - 15 * 60_000);
            // An ECS service: its container's awslogs group and stream prefix.
            let service = LogTarget::Service {
                cluster: "default".into(),
                name: "web".into(),
                task_definition: "web:1".into(),
            };
            let found = src
                .log_source(&crate::region(REGION), &service)
                .await
                .result
                .unwrap();
            assert_eq!(
                found.groups,
                vec![LogGroup {
                    name: "/ecs/web".into(),
                    stream_prefix: Some("web/app/".into())
                }]
            );
            let read = async |pattern: &str| {
                let page = src
                    .logs(&crate::region(REGION), 1, &found, pattern, since, 100)
                    .await;
                let events = page.result.unwrap().events;
                events.into_iter().map(|e| e.message).collect::<Vec<_>>()
            };
            assert_eq!(
                read("").await,
                ["INFO GET / 200", "ERROR db timeout"],
                "its streams only, in order"
            );
            assert_eq!(
                read("ERROR").await,
                ["ERROR db timeout"],
                "the pattern is the service's to apply"
            );
            let page = src
                .logs(&crate::region(REGION), 1, &found, "ERROR", since, 100)
                .await
                .result
                .unwrap();
            // Reading on from the newest event: nothing new (moto's live tail may push again
            // what was read: the same ids, which the view drops).
            let seen: Vec<String> = page.events.iter().map(|e| e.id.clone()).collect();
            let next = Timestamp(page.events[0].at.0 + 1);
            let page = src
                .logs(&crate::region(REGION), 1, &found, "ERROR", next, 100)
                .await
                .result
                .unwrap();
            assert!(page.events.iter().all(|e| seen.contains(&e.id)), "{page:?}");

            // An alarm on the metric filter's metric: its group and pattern.
            let alarm = LogTarget::Alarm {
                name: "web-log-errors".into(),
                namespace: "LogMetrics".into(),
                metric: "ErrorCount".into(),
            };
            let found = src
                .log_source(&crate::region(REGION), &alarm)
                .await
                .result
                .unwrap();
            assert_eq!(found.pattern, "ERROR");
            assert_eq!(found.groups[0].name, "/ec2/web-asg/app");
            let page = src
                .logs(
                    &crate::region(REGION),
                    1,
                    &found,
                    &found.pattern,
                    since,
                    100,
                )
                .await
                .result
                .unwrap();
            assert_eq!(page.events.len(), 1);
            assert_eq!(page.events[0].stream, "i-0abc");

            // An Auto Scaling group: the groups named after it.
            let found = src
                .log_source(&crate::region(REGION), &LogTarget::Asg("web-asg".into()))
                .await
                .result
                .unwrap();
            assert_eq!(found.groups[0].name, "/ec2/web-asg/app");
            let none = src
                .log_source(
                    &crate::region(REGION),
                    &LogTarget::Asg("nothing-logs".into()),
                )
                .await
                .result
                .unwrap_err();
            assert!(
                none.message.contains("no log group named after"),
                "{none:?}"
            );
        });
    }

    #[test]
    fn a_live_tail_over_http_asks_for_the_groups_arn_prefix_and_pattern() {
        use opsdash::model::logs::{Delivery, LogSource};
        let moto = Moto::start();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let conf = sdk_config(&moto, &moto.endpoint);
            let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
            let now = Timestamp::now().0;
            logs.create_log_group()
                .log_group_name("/ecs/web")
                .send()
                .await
                .unwrap();
            for (stream, lines) in [
                ("web/app/task1", ["INFO GET / 200", "ERROR db timeout"]),
                ("other/app/task9", ["ERROR not ours", "INFO other"]),
            ] {
                let lines = [(now - 10_000, lines[0]), (now - 10_000 + 1, lines[1])];
                put_lines(&logs, "/ecs/web", stream, &lines).await;
            }
            let src = live_source(&moto, None).await;
            let web = LogSource {
                groups: vec![LogGroup {
                    name: "/ecs/web".into(),
                    stream_prefix: Some("web/app/".into()),
                }],
                pattern: String::new(),
            };
            // Polling from an hour ahead finds nothing: what a read returns came from the tail.
            let ahead = Timestamp(now + 3_600_000);
            let first = src
                .logs(&crate::region(REGION), 1, &web, "ERROR", ahead, 100)
                .await
                .result
                .unwrap();
            assert!(first.events.is_empty(), "{first:?}");
            assert_eq!(first.delivery, Delivery::Opening);
            // The session's answer, over HTTP (bounded: a failure fails the test below).
            let mut page = first;
            for _ in 0..50 {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                page = src
                    .logs(&crate::region(REGION), 1, &web, "ERROR", ahead, 100)
                    .await
                    .result
                    .unwrap();
                if !page.events.is_empty() || matches!(page.delivery, Delivery::Fallback(_)) {
                    break;
                }
            }
            let got: Vec<(&str, &str, &str)> = page
                .events
                .iter()
                .map(|e| (e.group.as_str(), e.stream.as_str(), e.message.as_str()))
                .collect();
            assert_eq!(
                got,
                [("/ecs/web", "web/app/task1", "ERROR db timeout")],
                "the group by name, the prefix's streams, the pattern's lines: {page:?}"
            );
            assert_eq!(page.events[0].at, Timestamp(now - 10_000 + 1));
            // moto ends the stream after its one update: the view polls, and says why.
            let mut delivery = page.delivery;
            for _ in 0..50 {
                if matches!(delivery, Delivery::Fallback(_)) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                delivery = src
                    .logs(&crate::region(REGION), 1, &web, "ERROR", ahead, 100)
                    .await
                    .result
                    .unwrap()
                    .delivery;
            }
            let Delivery::Fallback(why) = delivery else {
                panic!("{delivery:?}")
            };
            assert!(why.contains("closed by the service"), "{why}");
            let counts = src.calls.snapshot();
            let tails: u32 = counts
                .iter()
                .filter(|((_, op), _)| op == "StartLiveTail")
                .map(|(_, n)| n)
                .sum();
            assert_eq!(tails, 1, "not reopened at once: {counts:?}");
        });
    }
}

/// A profile that assumes its role with an MFA code (`mfa_serial`), which aws-sdk-rust does not
/// support (awslabs/aws-sdk-rust#527). moto's STS accepts any serial and code and returns
/// credentials of the role's account, so account 111111111111 on screen is the role's.
mod mfa {
    use super::*;
    use opsdash::source::aws::mfa::{self as m, MfaProfile};

    const CONFIG: &str = "[profile oncall]\nrole_arn = arn:aws:iam::111111111111:role/OnCall\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\nregion = us-east-1\n\n[profile base]\nregion = us-east-1\n";
    const KEYS: &str =
        "[base]\naws_access_key_id = AKIABASEEXAMPLE00001\naws_secret_access_key = base\n";

    fn write_profiles(home: &Path) {
        let _ = std::fs::remove_dir_all(home.join(".aws"));
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        std::fs::write(home.join(".aws/config"), CONFIG).unwrap();
        std::fs::write(home.join(".aws/credentials"), KEYS).unwrap();
    }

    fn profile() -> MfaProfile {
        MfaProfile {
            profile: "oncall".into(),
            device: "arn:aws:iam::123456789012:mfa/ana".into(),
            role_arn: Some("arn:aws:iam::111111111111:role/OnCall".into()),
            source_profile: Some("base".into()),
            external_id: None,
            role_session_name: None,
            duration_secs: None,
        }
    }

    /// botocore's own cache key for the same call (`.venv` has botocore, installed with moto).
    fn botocore_key(extra: &str) -> String {
        let out = Command::new(venv().join("python"))
            .arg("-c")
            .arg(format!(
                "from botocore.credentials import AssumeRoleCredentialFetcher as F\n\
                 print(F(client_creator=None, source_credentials=None, \
                 role_arn='arn:aws:iam::111111111111:role/OnCall', \
                 extra_args={{'SerialNumber': 'arn:aws:iam::123456789012:mfa/ana'{extra}}})\
                 ._create_cache_key())"
            ))
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    #[test]
    fn the_cache_file_is_named_as_botocore_names_it() {
        assert_eq!(profile().cache_key(), botocore_key(""));
        let mut p = profile();
        p.duration_secs = Some(7200);
        p.external_id = Some("ext-1".into());
        assert_eq!(
            p.cache_key(),
            botocore_key(", 'DurationSeconds': 7200, 'ExternalId': 'ext-1'")
        );
    }

    /// Records the body of every request the client sends.
    #[derive(Debug, Clone, Default)]
    struct Bodies(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

    impl aws_smithy_runtime_api::client::interceptors::Intercept for Bodies {
        fn name(&self) -> &'static str {
            "Bodies"
        }
        fn read_before_transmit(
            &self,
            ctx: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
            _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
            _: &mut aws_smithy_types::config_bag::ConfigBag,
        ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
            let body = ctx.request().body().bytes().unwrap_or_default();
            self.0
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(body).into_owned());
            Ok(())
        }
    }

    /// The code and the device's serial reach STS in the AssumeRole request (over HTTP to moto),
    /// and the credentials it returns are the role's account's.
    #[test]
    fn the_code_reaches_sts_with_the_serial_and_signs_in_to_the_roles_account() {
        let moto = Moto::start();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let bodies = Bodies::default();
            let base = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("us-east-1"))
                .endpoint_url(&moto.endpoint)
                .credentials_provider(aws_credential_types::Credentials::new(
                    "testing", "testing", None, None, "test",
                ))
                .load()
                .await;
            let sts = aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(&base)
                    .interceptor(bodies.clone())
                    .build(),
            );
            let (session, cached) = m::sign_in_with_code(&sts, &profile(), "654321")
                .await
                .expect("signs in");
            let sent = bodies.0.lock().unwrap().clone();
            assert_eq!(sent.len(), 1, "{sent:?}");
            for part in [
                "Action=AssumeRole",
                "RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2FOnCall",
                "SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fana",
                "TokenCode=654321",
            ] {
                assert!(sent[0].contains(part), "{part} in {}", sent[0]);
            }
            assert_eq!(cached["Credentials"]["AccountId"], "111111111111");
            assert!(
                cached["Credentials"]["Expiration"]
                    .as_str()
                    .unwrap()
                    .ends_with("UTC")
            );
            let as_role = aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(&base)
                    .credentials_provider(session.credentials.clone())
                    .build(),
            );
            let me = as_role.get_caller_identity().send().await.unwrap();
            assert_eq!(me.account(), Some("111111111111"));
            // A profile with its own keys and a device, no role: GetSessionToken with the code.
            let keys = MfaProfile {
                role_arn: None,
                source_profile: None,
                ..profile()
            };
            let (session, _) = m::sign_in_with_code(&sts, &keys, "111222")
                .await
                .expect("a session token");
            let sent = bodies.0.lock().unwrap().clone();
            for part in [
                "Action=GetSessionToken",
                "SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fana",
                "TokenCode=111222",
            ] {
                assert!(sent[1].contains(part), "{part} in {}", sent[1]);
            }
            assert!(session.expires > opsdash::model::Timestamp::now());
        });
    }

    /// In the console: the prompt names the device, a bad code is refused in place, the code
    /// signs in (the header counts the credentials down), the cache file is the aws cli's (its
    /// name, mode 0600), a second start uses it without asking, and botocore uses it too.
    #[test]
    fn the_console_asks_for_the_code_and_the_cache_serves_the_next_start_and_the_aws_cli() {
        let moto = Moto::start();
        let mut term = pty::Pty::open(126, 36);
        write_profiles(&term.home);
        let cw = moto.cw_endpoint.clone();
        let env = [
            ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
            ("AWS_ENDPOINT_URL_CLOUDWATCH", cw.as_str()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ];
        let args = ["--profile", "oncall", "--refresh", "2"];
        let mut child = term.spawn_env(&pty::binary(), &args, &env);
        let wait = Duration::from_secs(20);
        term.wait_for("MFA device arn:aws:iam::123456789012:mfa/ana", wait);
        term.wait_for("MFA code:", wait);
        term.wait_for("SIGNING IN: type the MFA code in the prompt", wait);
        term.send("12a\r");
        term.wait_for("an MFA code is six digits", wait);
        // Ctrl-U empties the field; a pasted code with a space works.
        term.send("\u{15}");
        term.send("\u{1b}[200~123 456\u{1b}[201~");
        term.send("\r");
        let s = term.wait_for("MFA 1 h left", wait);
        assert!(!s.contains("MFA device"), "the prompt is gone: {s}");
        term.wait_for("no load balancers in us-east-1", wait);
        term.send("q");
        assert!(pty::wait_exit(&mut child, Duration::from_secs(10)).success());
        let file = term
            .home
            .join(".aws/cli/cache")
            .join(format!("{}.json", botocore_key("")));
        let text = std::fs::read_to_string(&file).expect("the aws cli's cache file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let cached: Value = serde_json::from_str(&text).unwrap();
        // A second start: signed in from the file, no prompt.
        let before = term.raw.lock().unwrap().len();
        let mut child = term.spawn_env(&pty::binary(), &args, &env);
        term.wait_for("MFA 1 h left", wait);
        term.wait_for("no load balancers in us-east-1", wait);
        let out = String::from_utf8_lossy(&term.raw.lock().unwrap()[before..]).to_string();
        assert!(!out.contains("MFA device"), "asked again: {out}");
        term.send("q");
        assert!(pty::wait_exit(&mut child, Duration::from_secs(10)).success());
        // The aws cli's botocore takes the same file without asking for a code.
        let out = Command::new(venv().join("python"))
            .arg("-c")
            .arg(
                "import botocore.session, os\n\
                 from botocore.utils import JSONFileCache\n\
                 s = botocore.session.Session(profile='oncall')\n\
                 p = s.get_component('credential_provider').get_provider('assume-role')\n\
                 p.cache = JSONFileCache(os.path.expanduser('~/.aws/cli/cache'))\n\
                 def ask(_): raise SystemExit('botocore asked for a code')\n\
                 p._prompter = ask\n\
                 print(s.get_credentials().access_key)",
            )
            .env("HOME", &term.home)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            cached["Credentials"]["AccessKeyId"].as_str().unwrap()
        );
    }

    /// Begins a session as the aws cli does (botocore, its cache, a code), at `home`; with
    /// `ends_in` seconds, its cache file then says it ends that soon.
    fn cli_session(moto: &Moto, home: &Path, ends_in: Option<u32>) {
        let rewrite = ends_in.map_or_else(String::new, |secs| {
            format!(
                "import json, glob, datetime\n\
                 f = glob.glob(os.path.expanduser('~/.aws/cli/cache/*.json'))[0]\n\
                 v = json.load(open(f))\n\
                 end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds={secs})\n\
                 v['Credentials']['Expiration'] = end.strftime('%Y-%m-%dT%H:%M:%SUTC')\n\
                 json.dump(v, open(f, 'w'))\n"
            )
        });
        let out = Command::new(venv().join("python"))
            .arg("-c")
            .arg(format!(
                "import botocore.session, os\n\
                 from botocore.utils import JSONFileCache\n\
                 s = botocore.session.Session(profile='oncall')\n\
                 p = s.get_component('credential_provider').get_provider('assume-role')\n\
                 p.cache = JSONFileCache(os.path.expanduser('~/.aws/cli/cache'))\n\
                 p._prompter = lambda _: '123456'\n\
                 print(s.get_credentials().access_key)\n{rewrite}"
            ))
            .env("HOME", home)
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Five minutes before the credentials end, a new code is asked for while the panes keep
    /// reading with the credentials they have; the code renews them.
    #[test]
    fn a_new_code_is_asked_for_before_the_credentials_end_and_the_panes_keep_reading() {
        let moto = Moto::start();
        let mut term = pty::Pty::open(127, 36);
        write_profiles(&term.home);
        cli_session(&moto, &term.home, Some(240));
        let cw = moto.cw_endpoint.clone();
        let mut child = term.spawn_env(
            &pty::binary(),
            &["--profile", "oncall", "--refresh", "2"],
            &[
                ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
                ("AWS_ENDPOINT_URL_CLOUDWATCH", cw.as_str()),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ],
        );
        let wait = Duration::from_secs(20);
        let s = term.wait_for("a new code keeps the console signed in", wait);
        assert!(s.contains("MFA 4 min left"), "{s}");
        // Behind the prompt, the panes were read with the credentials still valid.
        term.wait_for("no load balancers in us-east-1", wait);
        term.send("123456\r");
        term.wait_for("MFA 1 h left", wait);
        term.send("q");
        assert!(pty::wait_exit(&mut child, Duration::from_secs(10)).success());
    }

    /// And the other way: a session the aws cli (botocore) began is used by `opsdash snapshot`
    /// with no terminal to ask on.
    #[test]
    fn a_session_the_aws_cli_began_is_used_without_a_code() {
        let moto = Moto::start();
        let home = std::env::temp_dir().join(format!("opsdash-mfa-cli-{}", std::process::id()));
        write_profiles(&home);
        cli_session(&moto, &home, None);
        let snap = moto
            .command(
                &moto.endpoint,
                &["snapshot", "--json", "--profile", "oncall"],
            )
            .env("HOME", &home)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&snap.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&snap.stderr)));
        assert_eq!(v["account"], "111111111111", "{v}");
        assert_eq!(
            v["credentials"],
            "profile oncall (MFA arn:aws:iam::123456789012:mfa/ana)"
        );
        let _ = std::fs::remove_dir_all(home);
    }
}

/// `:profile NAME` switches the account the console watches without a restart, and the screen
/// never shows one account's rows under the other's header; `:region NAME` the same for a
/// region not watched; an unknown profile is refused with the names there are.
#[test]
fn profile_and_region_switch_in_the_console_with_no_stale_rows() {
    let moto = Moto::start();
    moto.provision("002", "us-east-1");
    let mut term = pty::Pty::open(128, 36);
    let home = term.home.clone();
    let _ = std::fs::remove_dir_all(home.join(".aws"));
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(
        home.join(".aws/config"),
        "[profile ops]\nrole_arn = arn:aws:iam::111111111111:role/ops\nsource_profile = base\nregion = us-east-1\n\n[profile base]\nregion = us-east-1\n",
    )
    .unwrap();
    std::fs::write(
        home.join(".aws/credentials"),
        "[base]\naws_access_key_id = AKIABASEEXAMPLE00001\naws_secret_access_key = base\n",
    )
    .unwrap();
    let cw = moto.cw_endpoint.clone();
    let mut child = term.spawn_env(
        &pty::binary(),
        &["--profile", "base"],
        &[
            ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
            ("AWS_ENDPOINT_URL_CLOUDWATCH", cw.as_str()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    let wait = Duration::from_secs(20);
    let s = term.wait_for("web-tg", wait);
    assert!(s.lines().next().unwrap().contains("123456789012"), "{s}");
    // Every screen from the switch on: the other account's header never over these rows.
    let watch = |term: &pty::Pty, header: &str, never: &str, until: &str| {
        let start = Instant::now();
        loop {
            let s = term.screen();
            let top = s.lines().next().unwrap_or_default();
            if top.contains(header) {
                assert!(!s.contains(never), "stale rows under {header}:\n{s}");
                if s.contains(until) {
                    return;
                }
            }
            assert!(start.elapsed() < wait, "never settled:\n{s}");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    term.send(":profile ops\r");
    watch(
        &term,
        "111111111111",
        "web-tg",
        "no load balancers in us-east-1",
    );
    term.send(":profile base\r");
    watch(&term, "123456789012", "no load balancers", "web-tg");
    term.send(":region us-west-2\r");
    watch(
        &term,
        "us-west-2",
        "web-tg",
        "no load balancers in us-west-2",
    );
    term.send(":profile nosuch\r");
    term.wait_for(
        "no profile 'nosuch' in the aws cli's files; profiles: base, ops",
        wait,
    );
    term.send("q");
    assert!(pty::wait_exit(&mut child, Duration::from_secs(10)).success());
}

/// The fleet view over three accounts on one moto, two with an estate of their own: it is the
/// first screen, each account's region is a row with its counts, one whose credentials fail shows the error in its row only
/// while the others are read; Enter opens an account and region in the console, `W` comes back.
#[test]
fn the_fleet_view_reads_every_account_and_a_failing_one_in_its_row_only() {
    let moto = Moto::start();
    moto.provision("002", "us-east-1");
    // The ops account's own estate (seed 000), in its own account.
    moto.provision_in("111111111111", "000", "us-east-1");
    let mut term = pty::Pty::open(132, 36);
    let home = term.home.clone();
    let _ = std::fs::remove_dir_all(home.join(".aws"));
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(
        home.join(".aws/config"),
        "[profile ops]\nrole_arn = arn:aws:iam::111111111111:role/ops\nsource_profile = base\nregion = us-east-1\n\n[profile base]\nregion = us-east-1\n\n[profile broken]\ncredential_process = /bin/false\nregion = us-east-1\n",
    )
    .unwrap();
    std::fs::write(
        home.join(".aws/credentials"),
        "[base]\naws_access_key_id = AKIABASEEXAMPLE00001\naws_secret_access_key = base\n",
    )
    .unwrap();
    let config = home.join("fleet.toml");
    std::fs::write(
        &config,
        "[[account]]\nname = \"main\"\nprofile = \"base\"\nregions = [\"us-east-1\"]\n\n[[account]]\nname = \"ops\"\nprofile = \"ops\"\nregions = [\"us-east-1\"]\n\n[[account]]\nname = \"broken\"\nprofile = \"broken\"\nregions = [\"us-east-1\"]\n",
    )
    .unwrap();
    let cw = moto.cw_endpoint.clone();
    let mut child = term.spawn_env(
        &pty::binary(),
        &["--profile", "base", "--config", config.to_str().unwrap()],
        &[
            ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
            ("AWS_ENDPOINT_URL_CLOUDWATCH", cw.as_str()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    let wait = Duration::from_secs(30);
    term.wait_for("Fleet: 3 accounts", wait);
    let row = |s: &str, name: &str| -> String {
        s.lines()
            .find(|l| l.contains(&format!("│ {name} ")))
            .unwrap_or_default()
            .to_owned()
    };
    let start = Instant::now();
    let s = loop {
        let s = term.screen();
        if row(&s, "main").contains("2 healthy")
            && row(&s, "ops").contains(" healthy")
            && row(&s, "broken").contains("Credentials")
        {
            break s;
        }
        assert!(start.elapsed() < wait, "rows never filled:\n{s}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(row(&s, "main").contains("0 ALARM"), "{s}");
    // The broken account's error is in its row, and only there.
    // No data and no age: nothing was read there.
    assert!(!row(&s, "broken").contains(" ago"), "{s}");
    assert!(!row(&s, "main").contains("Credentials"), "{s}");
    // Enter on the first row (main): its account and region in the console.
    term.send("\r");
    let s = term.wait_for("web-tg", wait);
    assert!(s.lines().next().unwrap().contains("123456789012"), "{s}");
    // W: back to the fleet; j j Enter: the ops account.
    term.send("W");
    term.wait_for("Fleet: 3 accounts", wait);
    term.send("j");
    term.send("\r");
    let start = Instant::now();
    loop {
        let s = term.screen();
        let top = s.lines().next().unwrap_or_default().to_owned();
        if top.contains("111111111111") {
            assert!(!s.contains("web-tg"), "stale rows:\n{s}");
            if s.contains("fa-092-NLBTargetGroup") {
                break;
            }
        }
        assert!(start.elapsed() < wait, "ops never opened:\n{s}");
        std::thread::sleep(Duration::from_millis(20));
    }
    term.send("q");
    assert!(pty::wait_exit(&mut child, Duration::from_secs(10)).success());
}

/// A read-only `[[account]]` against moto: `s` is refused with the reason until `:unlock 15m`
/// with the account's name typed; then the scale prompt opens, and the unlock is in the audit log.
#[test]
fn a_read_only_account_refuses_scale_until_unlocked() {
    let moto = Moto::start();
    moto.provision("002", "us-east-1");
    let mut term = pty::Pty::open(124, 36);
    let home = term.home.clone();
    let config = home.join("prod.toml");
    std::fs::write(
        &config,
        "[[account]]\nname = \"prod\"\nid = \"123456789012\"\nread_only = true\ncolour = \"red\"\n",
    )
    .unwrap();
    let _ = std::fs::remove_file(home.join("state/opsdash/audit.jsonl"));
    let cw = moto.cw_endpoint.clone();
    let mut child = term.spawn_env(
        &pty::binary(),
        &[
            "--region",
            "us-east-1",
            "--config",
            config.to_str().unwrap(),
        ],
        &[
            ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
            ("AWS_ENDPOINT_URL_CLOUDWATCH", cw.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    let wait = Duration::from_secs(20);
    let s = term.wait_for("ASG web-asg", wait);
    assert!(
        s.lines().next().unwrap().contains("prod 123456789012"),
        "{s}"
    );
    assert!(s.lines().next().unwrap().contains("READ-ONLY"), "{s}");
    term.send("2");
    term.send("s");
    term.wait_for("account prod is read_only", wait);
    term.send(":unlock 15m\r");
    term.wait_for("type prod:", wait);
    term.send("prod\r");
    term.wait_for("UNLOCKED 15 min", wait);
    term.send("s");
    term.wait_for("new desired count", wait);
    term.send("\u{1b}");
    term.send("q");
    assert!(pty::wait_exit(&mut child, Duration::from_secs(10)).success());
    let audit = std::fs::read_to_string(home.join("state/opsdash/audit.jsonl")).unwrap();
    assert!(
        audit.contains("\"operation\":\"unlock\"") && audit.contains("account/prod"),
        "{audit}"
    );
}

/// Team mode against moto over HTTP (DynamoDB conditional writes, CloudWatch Logs): `team init`
/// twice, leases that a second console cannot take and that are taken over only once expired
/// beyond the tolerated skew, an operation refused while another console holds its lease (and
/// when the table cannot be used), the audit trail sent from the local file with nothing lost
/// when the log group was unreachable, and `audit --team` reading both consoles' records.
mod team {
    use super::Moto;
    use opsdash::model::Timestamp;
    use opsdash::ops::{self, Bounds, ScaleTarget, Scope};
    use opsdash::team::{
        Holder, LEASE_SECS, Leases, Refusal, SKEW_SECS, TableLeases, TeamConfig, Trail,
    };
    use std::sync::Arc;
    use std::time::Duration;

    const REGION: &str = "us-east-1";

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// An intent record of `id`, written now.
    fn record(id: &str) -> opsdash::ops::audit::AuditRecord {
        serde_json::from_value(serde_json::json!({
            "time": Timestamp::now().rfc3339(), "id": id, "phase": "intent",
            "operator": { "user": "ana", "caller_arn": "arn:aws:sts::123456789012:assumed-role/OnCall/ana" },
            "profile": null, "account": "123456789012", "region": "us-east-1", "source": "aws",
            "operation": "scale", "target": "asg/web", "parameters": {}, "calls": [],
            "outcome": null, "error": null, "duration": null
        }))
        .unwrap()
    }

    fn team() -> TeamConfig {
        TeamConfig {
            table: "opsdash-team".into(),
            audit_log_group: "/opsdash/audit".into(),
        }
    }

    fn leases(conf: &aws_config::SdkConfig, host: &str, pid: u32) -> TableLeases {
        TableLeases::new(
            aws_sdk_dynamodb::Client::new(conf),
            &team().table,
            Holder {
                who: format!("arn:aws:sts::123456789012:assumed-role/OnCall/{host}-user"),
                host: host.into(),
                pid,
                console: format!("{host}:{pid}:1"),
            },
        )
    }

    /// Twice through the binary: created, then unchanged; `team check` says both are usable.
    /// The config file naming the team's table and group.
    fn init(moto: &Moto) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("opsdash-team-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config.toml");
        std::fs::write(
            &config,
            "regions = [\"us-east-1\"]\n[team]\ntable = \"opsdash-team\"\naudit_log_group = \"/opsdash/audit\"\n",
        )
        .unwrap();
        let run = |args: &[&str]| {
            let out = moto
                .command(
                    &moto.endpoint,
                    &[&["--config", config.to_str().unwrap()], args].concat(),
                )
                .output()
                .unwrap();
            (
                out.status.success(),
                String::from_utf8_lossy(&out.stdout).into_owned()
                    + &String::from_utf8_lossy(&out.stderr),
            )
        };
        let (ok, out) = run(&["team", "init"]);
        assert!(
            ok && out.contains("nothing created: run again with --yes"),
            "{out}"
        );
        assert!(
            out.contains("dynamodb:CreateTable TableName=opsdash-team"),
            "{out}"
        );
        let (ok, out) = run(&["team", "check"]);
        assert!(!ok && out.contains("opsdash team init creates it"), "{out}");
        let (ok, out) = run(&["team", "init", "--yes"]);
        assert!(ok && out.contains("table opsdash-team created"), "{out}");
        assert!(out.contains("log group /opsdash/audit created"), "{out}");
        let (ok, out) = run(&["team", "init", "--yes"]);
        assert!(
            ok && out.contains("table opsdash-team exists: unchanged"),
            "{out}"
        );
        assert!(out.contains("log group /opsdash/audit exists"), "{out}");
        let (ok, out) = run(&["team", "check"]);
        assert!(ok && out.contains("table opsdash-team: usable"), "{out}");
        config
    }

    #[test]
    fn a_lease_is_one_consoles_until_given_back_or_expired_beyond_the_skew() {
        let moto = Moto::start();
        init(&moto);
        let conf = super::sdk_config(&moto, &moto.endpoint);
        let (a, b) = (
            leases(&conf, "bastion-1", 11),
            leases(&conf, "bastion-2", 22),
        );
        let rt = rt();
        let key = "123456789012/us-east-1/asg/web-asg";
        let t0 = Timestamp::now();
        rt.block_on(a.take(key, "scale web-asg 2 -> 4", t0, false))
            .unwrap();
        let Err(Refusal::Held(h)) = rt.block_on(b.take(key, "roll back", t0, false)) else {
            panic!("the second console is refused");
        };
        assert_eq!(h.holder.host, "bastion-1");
        assert_eq!(h.holder.pid, 11);
        let said = Refusal::Held(h).to_string();
        assert!(
            said.contains("held by bastion-1-user on bastion-1 (pid 11)")
                && said.contains("scale web-asg 2 -> 4"),
            "{said}"
        );
        // The holder renews its own.
        rt.block_on(a.take(key, "scale web-asg 2 -> 4", t0.plus_secs(10.0), false))
            .unwrap();
        // Expired by the holder's clock, but not beyond the skew: still held, even when the
        // operator would take it over.
        let expiry = t0.plus_secs(10.0 + LEASE_SECS as f64);
        let within = expiry.plus_secs(SKEW_SECS as f64 - 5.0);
        assert!(matches!(
            rt.block_on(b.take(key, "roll back", within, true)),
            Err(Refusal::Held(_))
        ));
        // Beyond it: expired, and taken over only when the operator confirms it.
        let beyond = expiry.plus_secs(SKEW_SECS as f64 + 1.0);
        let Err(Refusal::Expired(h)) = rt.block_on(b.take(key, "roll back", beyond, false)) else {
            panic!("an expired lease is not taken over silently");
        };
        assert_eq!(h.holder.name(), "bastion-1-user");
        assert!(
            Refusal::Expired(h)
                .to_string()
                .contains("taking it over must be confirmed")
        );
        rt.block_on(b.take(key, "roll back", beyond, true)).unwrap();
        // Given back: the first console takes it at once; a release by another console is
        // not one.
        rt.block_on(a.release(key));
        assert!(
            rt.block_on(a.take(key, "x", beyond.plus_secs(1.0), false))
                .is_err(),
            "a's release of b's lease does nothing"
        );
        rt.block_on(b.release(key));
        rt.block_on(a.take(key, "x", beyond.plus_secs(2.0), false))
            .unwrap();
        // A console names itself by the caller's ARN from STS, asked at its first lease.
        let mut c = leases(&conf, "bastion-3", 33);
        c.sts = Some(aws_sdk_sts::Client::new(&conf));
        rt.block_on(c.take("k2", "x", Timestamp::now(), false))
            .unwrap();
        let Err(Refusal::Held(h)) = rt.block_on(a.take("k2", "y", Timestamp::now(), false)) else {
            panic!("held by c");
        };
        assert!(
            h.holder.who.starts_with("arn:aws:sts::123456789012:"),
            "{}",
            h.holder.who
        );
    }

    #[test]
    fn an_operation_runs_only_with_its_lease() {
        let moto = Moto::start();
        moto.provision("000", REGION);
        init(&moto);
        let rt = rt();
        let src = rt.block_on(super::live_source(&moto, None));
        let conf = super::sdk_config(&moto, &moto.endpoint);
        let (exec, log) = super::live_exec::executor(&src, false, "team-lease");
        let exec = exec.with_leases(Arc::new(leases(&conf, "bastion-1", 11)));
        let other = leases(&conf, "bastion-2", 22);
        let scope = Scope {
            account: src.account.clone(),
            region: crate::region(REGION),
        };
        let plan = ops::plan_scale(
            &scope,
            &ScaleTarget::Asg("fa-092-AutoScalingGroup".into()),
            Bounds {
                min: 1,
                desired: 2,
                max: 4,
            },
            "3",
        )
        .unwrap();
        let key = opsdash::team::lease_key(&scope.account, REGION, "asg/fa-092-AutoScalingGroup");
        rt.block_on(other.take(&key, "deploy", Timestamp::now(), false))
            .unwrap();
        let o = rt.block_on(exec.execute(&plan, &mut |_| {}));
        assert!(!o.ok);
        assert!(
            o.message
                .contains("held by bastion-2-user on bastion-2 (pid 22)"),
            "{}",
            o.message
        );
        let records = log.read().unwrap();
        let last = records.last().unwrap().as_ref().unwrap();
        assert_eq!(
            last.outcome,
            Some(opsdash::ops::audit::AuditOutcome::Refused)
        );
        let desired = |rt: &tokio::runtime::Runtime| {
            use opsdash::source::EstateReader;
            rt.block_on(src.capacity(&crate::region(REGION)))
                .result
                .unwrap()
                .auto_scaling_groups[0]
                .desired
        };
        assert_eq!(desired(&rt), 2, "nothing ran");
        rt.block_on(other.release(&key));
        let o = rt.block_on(exec.execute(&plan, &mut |_| {}));
        assert!(o.ok, "{}", o.message);
        assert_eq!(desired(&rt), 3);
        // Given back with its outcome: the other console can take it.
        rt.block_on(other.take(&key, "deploy", Timestamp::now(), false))
            .unwrap();
        // A table that cannot be used: refused, and said why.
        let broken = TableLeases {
            table: "no-such-table".into(),
            ..leases(&conf, "bastion-1", 11)
        };
        let (exec, _) = super::live_exec::executor(&src, false, "team-broken");
        let exec = exec.with_leases(Arc::new(broken));
        let o = rt.block_on(exec.execute(&plan, &mut |_| {}));
        assert!(!o.ok);
        assert!(
            o.message.contains("no operation runs without its lease"),
            "{}",
            o.message
        );
        assert!(
            o.message.contains("ResourceNotFoundException"),
            "{}",
            o.message
        );
    }

    #[test]
    fn the_audit_trail_is_sent_from_the_local_file_and_nothing_is_lost() {
        let moto = Moto::start();
        let config = init(&moto);
        let rt = rt();
        let conf = super::sdk_config(&moto, &moto.endpoint);
        let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
        let src = rt.block_on(super::live_source(&moto, None));
        let (_, log) = super::live_exec::executor(&src, false, "team-trail");
        let old = record("before-team");
        log.append(&old).unwrap();
        let a = Trail::new(
            logs.clone(),
            "/opsdash/audit",
            "bastion-1/ana/11",
            log.path(),
        );
        a.start_here().unwrap();
        for n in ["one", "two"] {
            log.append(&record(n)).unwrap();
        }
        assert_eq!(
            rt.block_on(a.send()).unwrap(),
            2,
            "only what came after team mode began"
        );
        assert_eq!(rt.block_on(a.send()).unwrap(), 0, "each once");
        // The group gone (deleted, denied, unreachable): the record stays in the local file.
        rt.block_on(
            logs.delete_log_group()
                .log_group_name("/opsdash/audit")
                .send(),
        )
        .unwrap();
        log.append(&record("three")).unwrap();
        assert!(rt.block_on(a.send()).is_err());
        rt.block_on(
            logs.create_log_group()
                .log_group_name("/opsdash/audit")
                .send(),
        )
        .unwrap();
        assert_eq!(rt.block_on(a.send()).unwrap(), 1, "sent once it can be");
        // Another console of this user sending (it holds the lock): this one does not wait.
        let held = std::fs::File::open(log.path().with_extension("sent.lock")).unwrap();
        held.lock().unwrap();
        log.append(&record("three-b")).unwrap();
        assert_eq!(rt.block_on(a.send()).unwrap(), 0, "skipped, not waited for");
        drop(held);
        assert_eq!(rt.block_on(a.send()).unwrap(), 1);
        // Another console's stream beside it.
        let (_, log_b) = super::live_exec::executor(&src, false, "team-trail-b");
        let b = Trail::new(
            logs.clone(),
            "/opsdash/audit",
            "bastion-2/li/22",
            log_b.path(),
        );
        b.start_here().unwrap();
        log_b.append(&record("four")).unwrap();
        assert_eq!(rt.block_on(b.send()).unwrap(), 1);
        let all = rt
            .block_on(opsdash::team::read_trail(&logs, "/opsdash/audit"))
            .unwrap();
        let ids: Vec<String> = all
            .iter()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            ids,
            ["three", "three-b", "four"],
            "the group was recreated after one and two"
        );
        // The Activity view reads the group as the Logs view reads any: found, then read, each
        // record on one line.
        let target = opsdash::model::logs::LogTarget::Activity("/opsdash/audit".into());
        let found = rt
            .block_on(opsdash::source::EstateReader::log_source(
                &*src,
                &crate::region(REGION),
                &target,
            ))
            .result
            .unwrap();
        let page = rt
            .block_on(opsdash::source::EstateReader::logs(
                &*src,
                &crate::region(REGION),
                1,
                &found,
                "",
                Timestamp::now().plus_secs(-600.0),
                100,
            ))
            .result
            .unwrap();
        let lines: Vec<String> = page
            .events
            .iter()
            .map(|e| opsdash::ops::audit::activity_line(&e.message))
            .collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines[0].starts_with("ana 123456789012 us-east-1 intent scale asg/web"),
            "{lines:?}"
        );
        // `audit --team` reads every console's records from the group.
        let out = moto
            .command(
                &moto.endpoint,
                &[
                    "--config",
                    config.to_str().unwrap(),
                    "audit",
                    "--team",
                    "--json",
                ],
            )
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("\"three\"") && text.contains("\"four\""),
            "{text}"
        );
    }

    /// The drill in the team's table: driven by one console, refused to another (which sees who
    /// drives it), watched from there, taken over once its driver is gone, cleared at its end.
    #[test]
    fn the_drill_in_the_team_table_is_one_drivers_and_resumable_elsewhere() {
        use opsdash::ops::drill::{DrillSpec, DrillState, DrillStore, Preflight};
        use opsdash::team::drill::TableDrill;
        let moto = Moto::start();
        init(&moto);
        let rt = rt();
        let conf = super::sdk_config(&moto, &moto.endpoint);
        let client = aws_sdk_dynamodb::Client::new(&conf);
        let store = |console: &str| TableDrill {
            client: client.clone(),
            table: team().table,
            console: console.into(),
        };
        let (a, b) = (store("bastion-1:11:1"), store("bastion-2:22:1"));
        let pre = Preflight {
            checks: Vec::new(),
            items: Vec::new(),
            primary_healthy: 2,
            primary_registered: 2,
            dr_healthy: 1,
            target_groups: vec!["web-tg".into()],
            primary_by_group: vec![("web-tg".into(), 2)],
        };
        let state = DrillState::new(DrillSpec::warm_standby_demo(), "123456789012", &pre, 0);
        assert_eq!(rt.block_on(b.load()), Ok(None));
        rt.block_on(a.save(Some(&state))).unwrap();
        // Another console: refused, told who drives it; it watches the same state.
        let e = rt.block_on(b.save(Some(&state))).unwrap_err();
        assert!(
            e.contains("the drill is driven by") && e.contains("team table opsdash-team"),
            "{e}"
        );
        assert!(rt.block_on(b.other_holder()).is_some());
        assert!(rt.block_on(a.other_holder()).is_none(), "its own drill");
        let (watched, holder) = rt.block_on(b.watch());
        assert_eq!(watched.unwrap().unwrap().spec.app, "bookstore");
        assert!(holder.unwrap().alive());
        // The driver's console ends (its lock is given back; the state stays): the other one
        // resumes it.
        rt.block_on(a.release());
        assert!(rt.block_on(b.other_holder()).is_none());
        assert_eq!(
            rt.block_on(b.load()).unwrap().unwrap().spec.app,
            "bookstore"
        );
        rt.block_on(b.save(Some(&state))).unwrap();
        assert!(
            rt.block_on(a.save(Some(&state))).is_err(),
            "now b drives it"
        );
        // A driver that stops saying it is alive (killed, its SSH gone): taken over once it has
        // not been seen for a minute (by the time in the item).
        rt.block_on(
            client
                .update_item()
                .table_name(team().table)
                .key(
                    "pk",
                    aws_sdk_dynamodb::types::AttributeValue::S("drill".into()),
                )
                .update_expression("SET seen = :old")
                .expression_attribute_values(
                    ":old",
                    aws_sdk_dynamodb::types::AttributeValue::N(
                        (Timestamp::now().0 - 61_000).to_string(),
                    ),
                )
                .send(),
        )
        .unwrap();
        assert!(rt.block_on(a.other_holder()).is_none(), "gone by its time");
        rt.block_on(a.save(Some(&state))).unwrap();
        // Over: cleared.
        rt.block_on(a.save(None)).unwrap();
        assert_eq!(rt.block_on(b.load()), Ok(None));
    }

    /// Presence: each console sees the others written within 90 s, not itself, not the gone.
    #[test]
    fn presence_names_the_other_consoles_written_lately() {
        let moto = Moto::start();
        init(&moto);
        let rt = rt();
        let conf = super::sdk_config(&moto, &moto.endpoint);
        let p = |host: &str, pid: u32| opsdash::team::Presence {
            client: aws_sdk_dynamodb::Client::new(&conf),
            table: team().table,
            me: leases(&conf, host, pid).me,
        };
        let (a, b, c) = (p("bastion-1", 11), p("bastion-2", 22), p("bastion-3", 33));
        let now = Timestamp::now();
        rt.block_on(c.beat("123456789012", "main", now.plus_secs(-120.0)))
            .unwrap();
        rt.block_on(a.beat("123456789012", "drill", now)).unwrap();
        let seen = rt
            .block_on(b.beat("123456789012", "failover", now))
            .unwrap();
        let labels: Vec<String> = seen.iter().map(opsdash::team::Peer::label).collect();
        assert_eq!(labels.len(), 1, "{labels:?}");
        assert!(labels[0].ends_with("@bastion-1 (drill)"), "{labels:?}");
        rt.block_on(a.leave());
        assert!(
            rt.block_on(b.beat("123456789012", "main", now))
                .unwrap()
                .is_empty()
        );
    }

    /// Two consoles, each in its own pseudo-terminal and home (two bastions), on one moto: the
    /// second cannot start the drill the first runs and names who drives it; once the first is
    /// killed, the second resumes it (the app's name typed); both consoles' records reach the
    /// team's log group; with the table gone, the console says so and refuses to act.
    #[test]
    fn two_consoles_share_the_drill_and_the_audit_trail_through_the_team_table() {
        let moto = Moto::start();
        moto.provision("000", "us-east-1");
        moto.python(&["000", "us-west-2", "1"]);
        moto.python(&["health-alarm", "us-east-1", "bookstore-primary-health"]);
        init(&moto);
        let dir = std::env::temp_dir().join(format!("opsdash-team2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config.toml");
        std::fs::write(
            &config,
            r#"regions = ["us-east-1", "us-west-2"]
[team]
table = "opsdash-team"
audit_log_group = "/opsdash/audit"
[[app]]
name = "bookstore"
load_balancers = ["*"]
auto_scaling_groups = ["*"]
ecs_services = ["*"]
alarms = ["*"]
[app.failover]
primary = "us-east-1"
dr = "us-west-2"
health_alarm = "bookstore-primary-health"
"#,
        )
        .unwrap();
        let cw = moto.cw_endpoint.clone();
        let env = [
            ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
            ("AWS_ENDPOINT_URL_CLOUDWATCH", cw.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_REGION", "us-east-1"),
        ];
        let args = ["--config", config.to_str().unwrap(), "--refresh", "2"];
        let wait = Duration::from_secs(30);
        let mut a = super::pty::Pty::open(143, 45);
        let _ = std::fs::remove_dir_all(a.home.join("state"));
        let mut child_a = a.spawn_env(&super::pty::binary(), &args, &env);
        a.wait_for("fa-092-NLBTargetGroup", wait);
        a.send("F");
        a.wait_for("health alarm bookstore-primary-health exists", wait);
        a.send("s");
        a.wait_for("type bookstore and Enter", Duration::from_secs(5));
        a.send("bookstore\r");
        a.wait_for("DONE: us-west-2 serving", Duration::from_secs(90));
        // The second bastion: the drill is someone else's.
        let mut b = super::pty::Pty::open(144, 45);
        let _ = std::fs::remove_dir_all(b.home.join("state"));
        let mut child_b = b.spawn_env(&super::pty::binary(), &args, &env);
        let s = b.wait_for("is driven by", wait);
        assert!(s.contains("this console only shows it"), "{s}");
        // The other console shows in each header.
        b.wait_for("+1: ", Duration::from_secs(45));
        // The first console dies (its SSH session gone): the second is offered the drill and
        // resumes it, typed.
        std::thread::sleep(Duration::from_secs(6));
        child_a.kill().unwrap();
        let _ = super::pty::wait_exit(&mut child_a, Duration::from_secs(10));
        b.wait_for("r resumes / b rolls back", Duration::from_secs(45));
        b.send("r");
        b.wait_for("type bookstore and Enter", Duration::from_secs(5));
        b.send("bookstore\r");
        b.wait_for("resumed", Duration::from_secs(20));
        // Both consoles' records in the team's log group.
        let conf = super::sdk_config(&moto, &moto.endpoint);
        let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
        let rt = rt();
        let start = std::time::Instant::now();
        loop {
            let consoles: std::collections::BTreeSet<String> = rt
                .block_on(opsdash::team::read_trail(&logs, "/opsdash/audit"))
                .unwrap()
                .iter()
                .filter_map(|l| {
                    serde_json::from_str::<serde_json::Value>(l).ok()?["console"]
                        .as_str()
                        .map(str::to_owned)
                })
                .collect();
            if consoles.len() == 2 {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "both consoles' records: {consoles:?}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
        // The table gone: the console says so, and acting is refused with the reason.
        rt.block_on(
            aws_sdk_dynamodb::Client::new(&conf)
                .delete_table()
                .table_name("opsdash-team")
                .send(),
        )
        .unwrap();
        b.wait_for("TEAM TABLE DOWN", Duration::from_secs(45));
        b.send("q");
        assert!(super::pty::wait_exit(&mut child_b, Duration::from_secs(10)).success());
    }
}
