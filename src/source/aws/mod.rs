//! The live source: a real AWS account through the official aws-sdk-rust clients. AWS types never
//! leave this module; each service file converts its responses to the model.
//!
//! Every request is counted per service and operation by an interceptor (the header's API figure,
//! and tests that check a full refresh makes exactly the calls the batch limits require).

mod autoscaling;
mod cloudwatch;
mod ecs;
mod elbv2;
mod errors;
mod logs;
pub mod mfa;
mod pace;
mod region_switch;
mod rotation;
mod ssm;
mod tail;
mod zonal;

use crate::model::logs::{LogPage, LogSource, LogTarget};
use crate::model::{ExecStatus, Region};
pub use errors::{classify, hint};
pub use rotation::ROTATION as HEALTH_ROTATION;

use crate::model::{
    Alarm, AlarmState, Association, Capacity, Event, EventKind, LoadBalancer, RegionInfo,
    RegionRole, Severity, TaskDefinition, Timestamp,
};
use crate::source::{
    EstateReader, EstateWriter, Read, ServiceUpdate, SourceError, SourceInfo, SourceKind, lock,
};
use async_trait::async_trait;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

/// Timeline keys remembered per region, so an event is reported once.
const SEEN_KEPT: usize = 5000;

tokio::task_local! {
    /// The request counter of the read running in this task: reads run concurrently, so each
    /// counts its own requests rather than a difference of the shared totals.
    static READ_CALLS: Arc<std::sync::atomic::AtomicU32>;
}

/// Runs `fut` counting into the current read's counter (for tasks a read spawns).
pub(crate) fn in_current_read<F: std::future::Future>(
    fut: F,
) -> impl std::future::Future<Output = F::Output> {
    let counter = READ_CALLS.try_with(Arc::clone).ok();
    async move {
        match counter {
            Some(c) => READ_CALLS.scope(c, fut).await,
            None => fut.await,
        }
    }
}

/// Runs `f` on every item, at most `limit` at a time, counted in the current read; the results
/// come back in the items' order, or the first error.
pub(crate) async fn in_parallel<I, T, Fut>(
    items: Vec<I>,
    limit: usize,
    f: impl Fn(I) -> Fut,
) -> Result<Vec<T>, SourceError>
where
    Fut: std::future::Future<Output = Result<T, SourceError>> + Send + 'static,
    T: Send + 'static,
{
    let n = items.len();
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    let mut set = tokio::task::JoinSet::new();
    let mut items = items.into_iter().enumerate();
    loop {
        while set.len() < limit.max(1) {
            let Some((i, item)) = items.next() else { break };
            let fut = f(item);
            set.spawn(in_current_read(async move { (i, fut.await) }));
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        let (i, r) = joined.map_err(|e| {
            SourceError::new(
                crate::source::ErrorClass::Other,
                "opsdash",
                "Task",
                "TaskFailed",
                e.to_string(),
            )
        })?;
        out[i] = Some(r?);
    }
    Ok(out.into_iter().flatten().collect())
}

/// Counts every request attempt by (service, operation), and how each ended: throttled, failed,
/// or answered. The SDK's own retries are attempts too, so the header's figures are what AWS saw.
#[derive(Debug, Default)]
pub struct CallCounter {
    counts: Mutex<BTreeMap<(String, String), crate::source::Tally>>,
}

impl CallCounter {
    /// Requests so far, with how they ended.
    pub fn counts(&self) -> crate::source::CallCounts {
        lock(&self.counts).clone()
    }

    /// Requests so far, by (service, operation).
    pub fn snapshot(&self) -> BTreeMap<(String, String), u32> {
        lock(&self.counts)
            .iter()
            .map(|(k, t)| (k.clone(), t.calls as u32))
            .collect()
    }

    /// All requests so far.
    pub fn total(&self) -> u32 {
        lock(&self.counts).values().map(|t| t.calls as u32).sum()
    }

    fn note(&self, cfg: &ConfigBag, f: impl FnOnce(&mut crate::source::Tally)) {
        let key = cfg
            .load::<Metadata>()
            .map_or(("?".to_owned(), "?".to_owned()), |m| {
                (m.service().to_owned(), m.name().to_owned())
            });
        f(lock(&self.counts).entry(key).or_default());
    }
}

/// The error codes AWS uses for throttling (the SDK's retry classifier treats them so).
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Whether an attempt's error is throttling: HTTP 429, or a throttling code in the error (its
/// metadata, as the error describes itself: the operation's error type is not known here).
fn throttled(status: Option<u16>, error: &str) -> bool {
    status == Some(429)
        || THROTTLING_CODES
            .iter()
            .any(|c| error.contains(&format!("\"{c}\"")) || error.contains(&format!("({c})")))
}

/// The interceptor that feeds a [`CallCounter`].
#[derive(Debug, Clone)]
pub struct CountCalls(pub Arc<CallCounter>);

impl Intercept for CountCalls {
    fn name(&self) -> &'static str {
        "opsdash::CountCalls"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.note(cfg, |t| t.calls += 1);
        let _ = READ_CALLS.try_with(|c| c.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(Err(e)) = context.output_or_error() {
            let status = context.response().map(|r| r.status().as_u16());
            let throttle = throttled(status, &format!("{e:?}"));
            self.0.note(cfg, |t| {
                if throttle {
                    t.throttles += 1;
                } else {
                    t.errors += 1;
                }
            });
        }
        Ok(())
    }
}

/// With an endpoint override (`AWS_ENDPOINT_URL`, a local stand-in), sends StartLiveTail to
/// that endpoint as it is: the SDK would put `streaming-` before its host, a name only the
/// service's own endpoints have (and a DNS lookup of a name that is not the stand-in's).
#[derive(Debug, Clone)]
pub struct OverrideKeepsHost;

impl Intercept for OverrideKeepsHost {
    fn name(&self) -> &'static str {
        "opsdash::OverrideKeepsHost"
    }

    fn modify_before_serialization(
        &self,
        _context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg
            .load::<aws_types::endpoint_config::EndpointUrl>()
            .is_some()
        {
            cfg.interceptor_state()
                .unset::<aws_smithy_runtime_api::client::endpoint::EndpointPrefix>();
        }
        Ok(())
    }
}

/// The clients of one region.
#[derive(Debug, Clone)]
pub struct RegionClients {
    pub info: RegionInfo,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub logs: Lazy<aws_sdk_cloudwatchlogs::Client>,
    pub zonal: aws_sdk_arczonalshift::Client,
    pub region_switch: Lazy<aws_sdk_arcregionswitch::Client>,
}

/// A client made on its first use. The Logs view and Region switch plans are read only when an
/// operator opens one or configures one, and a client never made costs neither its setup nor
/// its memory. Clones share the one client.
pub struct Lazy<C>(Arc<LazyCell<C>>);

struct LazyCell<C> {
    cell: std::sync::OnceLock<C>,
    make: Option<Box<dyn Fn() -> C + Send + Sync>>,
}

impl<C> Lazy<C> {
    /// A client `make` builds when it is first used.
    pub fn new(make: impl Fn() -> C + Send + Sync + 'static) -> Self {
        Lazy(Arc::new(LazyCell {
            cell: std::sync::OnceLock::new(),
            make: Some(Box::new(make)),
        }))
    }

    /// A client made already (tests).
    pub fn ready(client: C) -> Self {
        Lazy(Arc::new(LazyCell {
            cell: std::sync::OnceLock::from(client),
            make: None,
        }))
    }

    /// Whether it was made.
    pub fn made(&self) -> bool {
        self.0.cell.get().is_some()
    }
}

impl<C> Clone for Lazy<C> {
    fn clone(&self) -> Self {
        Lazy(self.0.clone())
    }
}

impl<C> std::fmt::Debug for Lazy<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.made() {
            "Lazy(made)"
        } else {
            "Lazy(not made)"
        })
    }
}

impl<C> std::ops::Deref for Lazy<C> {
    type Target = C;
    fn deref(&self) -> &C {
        self.0.cell.get_or_init(|| match &self.0.make {
            Some(make) => make(),
            // `ready` filled the cell, so this closure does not run.
            None => unreachable!("a ready client is made at construction"),
        })
    }
}

/// What the timeline learns from the other panes' reads (no extra calls for it): every change
/// seen, each once, numbered in the order it was first seen, in a bounded list.
#[derive(Debug, Default)]
struct TimelineState {
    seq: u64,
    seen: HashSet<String>,
    seen_order: VecDeque<String>,
    kept: VecDeque<Event>,
}

impl TimelineState {
    fn offer(&mut self, key: String, mut e: Event) {
        if self.seen.contains(&key) {
            return;
        }
        if self.seen_order.len() == SEEN_KEPT
            && let Some(old) = self.seen_order.pop_front()
        {
            self.seen.remove(&old);
        }
        self.seen.insert(key.clone());
        self.seen_order.push_back(key);
        self.seq += 1;
        e.seq = self.seq;
        if self.kept.len() == SEEN_KEPT {
            self.kept.pop_front();
        }
        self.kept.push_back(e);
    }
}

/// Every SDK call's time limits: a stalled endpoint (connection accepted, never answered) fails
/// the call with `Timeout` instead of freezing its pane. An attempt may take 8 s, a call with its
/// retries 20 s; connecting 3 s; between bytes of an answer 8 s.
pub fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(3))
        .read_timeout(std::time::Duration::from_secs(8))
        .operation_attempt_timeout(std::time::Duration::from_secs(8))
        .operation_timeout(std::time::Duration::from_secs(20))
        .build()
}

/// Live AWS behind the source boundary.
#[derive(Debug)]
pub struct AwsSource {
    pub account: String,
    pub caller_arn: String,
    pub profile: Option<String>,
    /// Where the credentials came from (`profile prod`, `environment`, `instance profile`).
    pub credentials: Option<String>,
    regions: Vec<RegionClients>,
    pub calls: Arc<CallCounter>,
    timeline: Mutex<TimelineState>,
    /// Per region: the target groups whose host counts the alarms' GetMetricData also asks for
    /// (learnt from the last Targets read), and the series it got (shown by the next one).
    hosts: Mutex<HashMap<Region, (Vec<cloudwatch::HostMetric>, cloudwatch::HostSeries)>>,
    /// Per region: the target health kept between reads, and which groups are on screen.
    health: HashMap<Region, Mutex<elbv2::HealthCache>>,
    /// Per region: the ECS services kept between reads, and which are on screen.
    services: HashMap<Region, Mutex<ecs::ServiceCache>>,
    /// Per region: the Auto Scaling groups kept between reads, and which are on screen.
    groups: HashMap<Region, Mutex<autoscaling::GroupCache>>,
    /// Per region: the alarms kept between reads (those not OK are read every time).
    alarm_cache: HashMap<Region, Mutex<cloudwatch::AlarmCache>>,
    /// The Logs view's live tail (the console has one view open at a time).
    tail: Mutex<Option<tail::Tail>>,
    /// Calls that keep failing the same way, asked less often.
    backoff: Backoff,
    /// Regions whose last read found load balancers: their zonal shifts are read beside the
    /// targets (elsewhere only once there is a load balancer to shift).
    with_lbs: Mutex<std::collections::HashSet<Region>>,
}

/// Calls that keep failing, by region and operation: after a failure (throttling apart) a call
/// is not made again for 30 s, doubling to 10 min while it fails; meanwhile its last error
/// stands for it (with when it will be asked again). A success forgets it.
#[derive(Debug, Default)]
pub struct Backoff {
    failing: Mutex<HashMap<(Region, &'static str), Failing>>,
}

/// A call that failed: how many times in a row, until when it is not asked, and its error.
type Failing = (u32, std::time::Instant, SourceError);

impl Backoff {
    const FIRST_SECS: u64 = 30;
    const MAX_SECS: u64 = 600;

    /// Makes the call unless it is backing off.
    pub async fn call<T, F, Fut>(
        &self,
        region: &Region,
        op: &'static str,
        f: F,
    ) -> Result<T, SourceError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, SourceError>>,
    {
        let key = (region.clone(), op);
        let now = std::time::Instant::now();
        if let Some((n, until, e)) = lock(&self.failing).get(&key)
            && now < *until
        {
            let mut e = e.clone();
            let left = until.duration_since(now).as_secs() + 1;
            e.message = format!(
                "{} (failed {n} times in a row; asked again in {left} s)",
                e.message.split(" (failed ").next().unwrap_or(&e.message)
            );
            return Err(e);
        }
        let result = f().await;
        let mut failing = lock(&self.failing);
        match &result {
            Ok(_) => {
                failing.remove(&key);
            }
            // Throttling passes: the pollers already pace a throttled pane, and holding its last
            // error for 30 s would hide what the next refresh can read.
            Err(e) if e.class == crate::source::ErrorClass::Throttling => {}
            Err(e) => {
                let n = failing.get(&key).map_or(0, |f| f.0) + 1;
                let wait = (Self::FIRST_SECS << (n - 1).min(5)).min(Self::MAX_SECS);
                failing.insert(
                    key,
                    (n, now + std::time::Duration::from_secs(wait), e.clone()),
                );
            }
        }
        result
    }
}

/// A credentials provider whose every answer is registered with the log file's redaction
/// ([`crate::logfile`]) before anything can log it.
#[derive(Debug)]
struct KeptOutOfLogs(aws_credential_types::provider::SharedCredentialsProvider);

impl aws_credential_types::provider::ProvideCredentials for KeptOutOfLogs {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            let c = self.0.provide_credentials().await?;
            crate::logfile::register_secret(c.access_key_id());
            crate::logfile::register_secret(c.secret_access_key());
            if let Some(t) = c.session_token() {
                crate::logfile::register_secret(t);
            }
            Ok(c)
        })
    }
}

/// Which link of the default credential chain gives the credentials, in its order: the
/// environment's keys, the profile (`AWS_PROFILE`, else `default`), web identity, the container's
/// credentials, else the instance profile.
pub fn default_chain_source() -> String {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    if set("AWS_ACCESS_KEY_ID") && set("AWS_SECRET_ACCESS_KEY") {
        return "environment (AWS_ACCESS_KEY_ID)".into();
    }
    if let Some(p) = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()) {
        return format!("profile {p}");
    }
    let home = crate::paths::home();
    let has_default = |file: &str, header: &str| {
        home.as_ref()
            .and_then(|h| std::fs::read_to_string(h.join(".aws").join(file)).ok())
            .is_some_and(|t| t.lines().any(|l| l.trim() == header))
    };
    if has_default("credentials", "[default]") || has_default("config", "[default]") {
        return "profile default".into();
    }
    if set("AWS_WEB_IDENTITY_TOKEN_FILE") {
        return "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)".into();
    }
    if set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") || set("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
        return "container credentials".into();
    }
    "instance profile (IMDS)".into()
}

/// The profile names of the aws cli's files (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`,
/// else `~/.aws/config` and `~/.aws/credentials`), sorted, each once.
pub fn profile_names() -> Vec<String> {
    let home = crate::paths::home();
    let file = |var: &str, name: &str| {
        std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(name)))
    };
    let mut names = Vec::new();
    for (path, config) in [
        (file("AWS_CONFIG_FILE", "config"), true),
        (file("AWS_SHARED_CREDENTIALS_FILE", "credentials"), false),
    ] {
        let Some(text) = path.and_then(|p| crate::config::read_file(&p).ok()) else {
            continue;
        };
        for line in text.lines() {
            let Some(section) = line
                .trim()
                .strip_prefix('[')
                .and_then(|l| l.strip_suffix(']'))
            else {
                continue;
            };
            let section = section.trim();
            let name = match section.strip_prefix("profile ") {
                Some(n) => n.trim(),
                None if !config || section == "default" => section,
                None => continue, // sso-session, services
            };
            if !name.is_empty() && !name.contains(char::is_whitespace) {
                names.push(name.to_owned());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// How to connect.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    /// The primary region (else the profile's or `AWS_REGION`).
    pub region: Option<Region>,
    pub dr_region: Option<Region>,
}

impl AwsSource {
    /// A source over ready clients (tests use mocked ones).
    pub fn from_clients(
        account: &str,
        caller_arn: &str,
        regions: Vec<RegionClients>,
        calls: Arc<CallCounter>,
    ) -> Self {
        AwsSource {
            account: account.to_owned(),
            caller_arn: caller_arn.to_owned(),
            profile: None,
            credentials: None,
            calls,
            timeline: Mutex::new(TimelineState::default()),
            hosts: Mutex::new(HashMap::new()),
            with_lbs: Mutex::default(),
            health: regions
                .iter()
                .map(|r| (r.info.name.clone(), Mutex::default()))
                .collect(),
            services: regions
                .iter()
                .map(|r| (r.info.name.clone(), Mutex::default()))
                .collect(),
            groups: regions
                .iter()
                .map(|r| (r.info.name.clone(), Mutex::default()))
                .collect(),
            alarm_cache: regions
                .iter()
                .map(|r| (r.info.name.clone(), Mutex::default()))
                .collect(),
            regions,
            tail: Mutex::new(None),
            backoff: Backoff::default(),
        }
    }

    /// Loads credentials and region like the aws cli (profiles, SSO, assume-role, IMDS,
    /// `AWS_ENDPOINT_URL`), asks STS who we are, and builds the clients for each region. A
    /// profile that needs an MFA code signs in through `mfa`, already holding its credentials.
    pub async fn connect(
        opts: &AwsOptions,
        mfa: Option<mfa::MfaCredentials>,
    ) -> Result<Self, SourceError> {
        let mut loader =
            aws_config::defaults(aws_config::BehaviorVersion::latest()).timeout_config(timeouts());
        let credentials = if let Some(m) = mfa {
            let what = format!(
                "profile {} (MFA {})",
                m.profile().profile,
                m.profile().device
            );
            if let Some(p) = &opts.profile {
                loader = loader.profile_name(p);
            }
            loader = loader.credentials_provider(m);
            what
        } else if let Some(p) = &opts.profile {
            // A profile named on the command line wins over credentials in the environment,
            // as in the aws cli: the default chain would take AWS_ACCESS_KEY_ID first.
            let region = match &opts.region {
                Some(r) => Some(aws_config::Region::new(r.to_string())),
                None => {
                    aws_config::default_provider::region::DefaultRegionChain::builder()
                        .profile_name(p)
                        .build()
                        .region()
                        .await
                }
            };
            let conf =
                aws_config::provider_config::ProviderConfig::without_region().with_region(region);
            loader = loader.profile_name(p).credentials_provider(
                aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .configure(&conf)
                    .profile_name(p)
                    .build(),
            );
            format!("profile {p}")
        } else {
            default_chain_source()
        };
        if let Some(r) = &opts.region {
            loader = loader.region(aws_config::Region::new(r.to_string()));
        }
        let base = loader.load().await;
        // The credentials in use never reach the log file.
        let base = match base.credentials_provider() {
            Some(p) => base
                .to_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(KeptOutOfLogs(
                        p,
                    )),
                )
                .build(),
            None => base,
        };
        let profile = opts
            .profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
        let mut src = Self::with_config(&base, profile, opts.dr_region.as_ref()).await?;
        src.credentials = Some(credentials);
        Ok(src)
    }

    /// Asks STS who we are and builds the clients of each region from a loaded SDK config (its
    /// region is the primary).
    pub async fn with_config(
        base: &aws_config::SdkConfig,
        profile: Option<String>,
        dr_region: Option<&Region>,
    ) -> Result<Self, SourceError> {
        let calls = Arc::new(CallCounter::default());
        let Some(primary) = base.region() else {
            return Err(SourceError::new(
                crate::source::ErrorClass::Validation,
                "sts",
                "GetCallerIdentity",
                "NoRegion",
                "no AWS region: pass --region, set AWS_REGION, or set one in the profile",
            ));
        };
        // The profile's or the environment's region is checked as the command line's is, before
        // any request is made in it.
        let primary = Region::new(primary.as_ref()).map_err(|m| {
            SourceError::new(
                crate::source::ErrorClass::Validation,
                "sts",
                "GetCallerIdentity",
                "InvalidRegion",
                format!("the region (from the profile, AWS_REGION or AWS_DEFAULT_REGION): {m}"),
            )
        })?;
        let sts_conf = aws_sdk_sts::config::Builder::from(base)
            .timeout_config(timeouts())
            .interceptor(CountCalls(calls.clone()))
            .build();
        let sts = aws_sdk_sts::Client::from_conf(sts_conf);
        let me = sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| errors::map("sts", "GetCallerIdentity", profile.as_deref(), &e))?;
        let mut regions = vec![RegionInfo {
            name: primary,
            role: RegionRole::Primary,
        }];
        if let Some(dr) = dr_region {
            regions.push(RegionInfo {
                name: dr.clone(),
                role: RegionRole::Dr,
            });
        }
        let http = base.http_client().unwrap_or_else(pace::default_client);
        let clients = regions
            .into_iter()
            .map(|info| {
                let region = aws_config::Region::new(info.name.to_string());
                let counter = CountCalls(calls.clone());
                // Each service of each region is paced on its own, over one shared client.
                let paced = |service: &str| {
                    let (rate, burst) = pace::limits(service);
                    pace::PacedClient::shared(http.clone(), Arc::new(pace::Pacer::new(rate, burst)))
                };
                // A function that makes a service's client (everything it needs owned).
                macro_rules! maker {
                    ($krate:ident, $service:literal $(, $extra:expr)?) => {{
                        let (base, region, counter) = (base.clone(), region.clone(), counter.clone());
                        let http = paced($service);
                        move || {
                            $krate::Client::from_conf(
                                $krate::config::Builder::from(&base)
                                    .region(region.clone())
                                    .timeout_config(timeouts())
                                    .interceptor(counter.clone())
                                    $(.interceptor($extra))?
                                    .http_client(http.clone())
                                    .build(),
                            )
                        }
                    }};
                }
                RegionClients {
                    info,
                    elbv2: maker!(aws_sdk_elasticloadbalancingv2, "elasticloadbalancing")(),
                    autoscaling: maker!(aws_sdk_autoscaling, "autoscaling")(),
                    ecs: maker!(aws_sdk_ecs, "ecs")(),
                    cloudwatch: maker!(aws_sdk_cloudwatch, "monitoring")(),
                    ssm: maker!(aws_sdk_ssm, "ssm")(),
                    logs: Lazy::new(maker!(aws_sdk_cloudwatchlogs, "logs", OverrideKeepsHost)),
                    zonal: maker!(aws_sdk_arczonalshift, "arc-zonal-shift")(),
                    region_switch: Lazy::new(maker!(aws_sdk_arcregionswitch, "arc-region-switch")),
                }
            })
            .collect();
        let mut src = Self::from_clients(
            me.account().unwrap_or("unknown"),
            me.arn().unwrap_or("unknown"),
            clients,
            calls,
        );
        src.profile = profile;
        Ok(src)
    }

    fn region(&self, name: &Region) -> Result<&RegionClients, SourceError> {
        self.regions
            .iter()
            .find(|r| r.info.name == *name)
            .ok_or_else(|| {
                SourceError::new(
                    crate::source::ErrorClass::Validation,
                    "opsdash",
                    "Region",
                    "UnknownRegion",
                    format!("region {name} is not watched"),
                )
            })
    }

    /// Runs a read in a region, counting the requests it made.
    async fn counted<'a, T, F>(
        &'a self,
        region: &Region,
        f: impl FnOnce(&'a RegionClients) -> F,
    ) -> Read<T>
    where
        F: std::future::Future<Output = Result<T, SourceError>> + 'a,
    {
        let counter = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let result = match self.region(region) {
            Ok(r) => READ_CALLS.scope(counter.clone(), f(r)).await,
            Err(e) => Err(e),
        };
        Read::new(result, counter.load(std::sync::atomic::Ordering::Relaxed))
    }

    fn offer(&self, key: String, e: Event) {
        lock(&self.timeline).offer(key, e);
    }

    fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }
}

/// A timeline event (its `seq` is assigned when it is first seen).
fn event(
    at: Timestamp,
    region: &Region,
    kind: EventKind,
    severity: Severity,
    resource: &str,
    message: String,
) -> Event {
    Event {
        seq: 0,
        at,
        region: region.to_owned(),
        kind,
        severity,
        resource: resource.to_owned(),
        message,
    }
}

/// An SDK timestamp as a model timestamp.
fn ts(t: Option<&aws_smithy_types::DateTime>) -> Timestamp {
    t.and_then(|d| d.to_millis().ok())
        .map_or(Timestamp(0), Timestamp)
}

#[async_trait]
impl crate::source::Source for AwsSource {
    fn info(&self) -> SourceInfo {
        SourceInfo {
            kind: SourceKind::Aws,
            account: self.account.clone(),
            profile: self.profile.clone(),
            credentials: self.credentials.clone(),
            caller_arn: self.caller_arn.clone(),
            regions: self.regions.iter().map(|r| r.info.clone()).collect(),
            connection: crate::source::Connection::Connected,
            estate: None,
        }
    }
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
    fn watch(&self, region: &Region, on_screen: &crate::source::OnScreen) {
        if let Some(h) = self.health.get(region) {
            lock(h).watch(&on_screen.target_groups);
        }
        if let Some(s) = self.services.get(region) {
            lock(s).watch(&on_screen.services);
        }
        if let Some(g) = self.groups.get(region) {
            lock(g).watch(&on_screen.groups);
        }
        if let Some(a) = self.alarm_cache.get(region) {
            lock(a)
                .metrics
                .watch(&on_screen.alarms, &on_screen.target_groups);
        }
    }
    fn call_counts(&self) -> crate::source::CallCounts {
        self.calls.counts()
    }

    async fn estate(&self) -> Result<&dyn crate::source::Estate, SourceError> {
        Ok(self)
    }
}

#[async_trait]
impl EstateReader for AwsSource {
    async fn targets(&self, region: &Region) -> Read<Vec<LoadBalancer>> {
        // Zonal shifts on their own: target health stands when ARC cannot be read (not offered
        // in the region, not allowed), and a call that keeps failing is asked less often. Where
        // the last read found load balancers they are read beside the targets, so a slow or
        // retried ARC never delays target health; elsewhere only once there is one to shift
        // (an account without load balancers makes no ARC call).
        let lbs_before = lock(&self.with_lbs).contains(region);
        let zonal_read = || {
            self.counted(region, |r| {
                self.backoff.call(region, "ListManagedResources", || {
                    zonal::managed_resources(r, self.profile())
                })
            })
        };
        let lbs_read = self.counted(region, |r| {
            elbv2::load_balancers(r, self.profile(), &self.health[&r.info.name])
        });
        let (mut read, mut zonal) = if lbs_before {
            let (read, zonal) = tokio::join!(lbs_read, zonal_read());
            (read, Some(zonal))
        } else {
            (lbs_read.await, None)
        };
        if let Ok(lbs) = &read.result {
            let mut with = lock(&self.with_lbs);
            if lbs.is_empty() {
                with.remove(region);
            } else {
                with.insert(region.to_owned());
            }
        }
        if zonal.is_none() && read.result.as_ref().is_ok_and(|l| !l.is_empty()) {
            zonal = Some(zonal_read().await);
        }
        if let Some(z) = &zonal {
            read.stats.calls += z.stats.calls;
        }
        if let Ok(lbs) = &mut read.result
            && !lbs.is_empty()
            && let Some(zonal) = zonal
        {
            let now = Timestamp::now();
            match zonal.result {
                Ok(managed) => {
                    zonal::apply(lbs, &managed, now);
                    for lb in lbs.iter() {
                        for z in &lb.zonal_shifts {
                            let key = format!("zonal:{}:{}:{}", lb.arn, z.away_from, z.started.0);
                            self.offer(
                                key,
                                event(
                                    z.started,
                                    region,
                                    EventKind::Zonal,
                                    Severity::Warn,
                                    &lb.name,
                                    format!(
                                        "{} away from {} started{}",
                                        z.kind.label(),
                                        z.away_from,
                                        if z.comment.is_empty() {
                                            String::new()
                                        } else {
                                            format!(": {}", z.comment)
                                        }
                                    ),
                                ),
                            );
                        }
                    }
                }
                Err(e) => {
                    for lb in lbs.iter_mut() {
                        lb.zonal_error = Some(e.record(region));
                    }
                }
            }
        }
        if let Ok(lbs) = &mut read.result {
            let mut hosts = lock(&self.hosts);
            let entry = hosts.entry(region.to_owned()).or_default();
            entry.0 = elbv2::host_metrics(lbs);
            for g in lbs.iter_mut().flat_map(|l| l.target_groups.iter_mut()) {
                if let Some((h, u)) = entry.1.get(&g.arn) {
                    g.healthy_series.clone_from(h);
                    g.unhealthy_series.clone_from(u);
                }
            }
        }
        read
    }

    async fn log_source(&self, region: &Region, target: &LogTarget) -> Read<LogSource> {
        self.counted(region, |r| logs::source(r, self.profile(), target))
            .await
    }

    async fn logs(
        &self,
        region: &Region,
        view: u64,
        source: &LogSource,
        pattern: &str,
        since: Timestamp,
        limit: usize,
    ) -> Read<LogPage> {
        // A log group's ARN, in the caller's partition (`aws`, `aws-cn`, `aws-us-gov`).
        let partition = self.caller_arn.split(':').nth(1).unwrap_or("aws");
        let arn_prefix = format!("arn:{partition}:logs:{region}:{}:log-group:", self.account);
        self.counted(region, |r| {
            logs::read(
                r,
                self.profile(),
                &self.tail,
                &arn_prefix,
                view,
                source,
                pattern,
                since,
                limit,
            )
        })
        .await
    }

    async fn capacity(&self, region: &Region) -> Read<Capacity> {
        self.counted(region, |r| async move {
            // Two services, read side by side: a slow one does not hold the other back.
            let (asgs, services) = tokio::join!(
                autoscaling::groups(r, self.profile(), &self.groups[&r.info.name]),
                ecs::services(r, self.profile(), &self.services[&r.info.name])
            );
            let (asgs, services) = (asgs?, services?);
            // A service carried over from an earlier read has had its events offered then.
            for s in services.iter().filter(|s| s.read_at.is_none()) {
                for e in s.events.iter() {
                    let key = format!("ecs:{}:{}:{}", s.cluster, e.at.0, e.message);
                    let sev = ecs::event_severity(&e.message);
                    self.offer(
                        key,
                        event(
                            e.at,
                            region,
                            EventKind::Ecs,
                            sev,
                            &s.name,
                            e.message.clone(),
                        ),
                    );
                }
            }
            Ok(Capacity {
                auto_scaling_groups: asgs,
                ecs_services: services,
            })
        })
        .await
    }

    async fn runs(&self, region: &Region) -> Read<Vec<Association>> {
        self.counted(region, |r| async move {
            let assocs = ssm::associations(r, self.profile()).await?;
            for a in &assocs {
                if let Some(x) = &a.last_execution {
                    let key = format!("ssm:{}:{}:{}", a.id, x.id, x.status);
                    let sev = match x.status {
                        ExecStatus::Success => Severity::Ok,
                        ExecStatus::Failed | ExecStatus::TimedOut => Severity::Warn,
                        _ => Severity::Info,
                    };
                    let msg = format!(
                        "execution {} {}: {} ok, {} failed, {} pending",
                        x.id.chars().take(8).collect::<String>(),
                        x.status,
                        x.success,
                        x.failed,
                        x.pending
                    );
                    self.offer(
                        key,
                        event(
                            x.created_at,
                            region,
                            EventKind::Association,
                            sev,
                            &a.name,
                            msg,
                        ),
                    );
                }
            }
            Ok(assocs)
        })
        .await
    }

    async fn alarms(&self, region: &Region) -> Read<Vec<Alarm>> {
        let hosts = lock(&self.hosts)
            .get(region)
            .map(|(h, _)| h.clone())
            .unwrap_or_default();
        let Read { result, stats, .. } = self
            .counted(region, |r| {
                cloudwatch::alarms(r, self.profile(), &hosts, &self.alarm_cache[&r.info.name])
            })
            .await;
        let result = result.map(|(alarms, series)| {
            if let Some(e) = lock(&self.hosts).get_mut(region) {
                e.1 = series;
            }
            alarms
        });
        Read {
            result,
            stats,
            partial: None,
        }
    }

    async fn timeline(&self, region: &Region, after_seq: u64) -> Read<Vec<Event>> {
        let partial = Mutex::new(None);
        let read = self
            .counted(region, |r| async {
                // Each call on its own: what one got is shown when the other fails, and a call
                // that keeps failing is asked less often.
                let (activities, history) = tokio::join!(
                    self.backoff.call(region, "DescribeScalingActivities", || {
                        autoscaling::activities(r, self.profile())
                    }),
                    self.backoff.call(region, "DescribeAlarmHistory", || {
                        cloudwatch::history(r, self.profile())
                    })
                );
                match (activities, history) {
                    (Ok(mut a), Ok(h)) => {
                        a.extend(h);
                        Ok(a)
                    }
                    (Ok(found), Err(e)) | (Err(e), Ok(found)) => {
                        *lock(&partial) = Some(e);
                        Ok(found)
                    }
                    (Err(e), Err(_)) => Err(e),
                }
            })
            .await;
        let Read { result, stats, .. } = read;
        let partial = partial.into_inner().unwrap_or_else(PoisonError::into_inner);
        let result = result.map(|found| {
            let mut t = lock(&self.timeline);
            for (key, e) in found {
                t.offer(key, e);
            }
            // Events learnt from any pane of any region wait here until their region asks.
            let mut new: Vec<Event> = t
                .kept
                .iter()
                .filter(|e| e.seq > after_seq && e.region == *region)
                .cloned()
                .collect();
            new.sort_by_key(|e| (e.at, e.seq));
            new
        });
        Read {
            result,
            stats,
            partial,
        }
    }

    async fn task_definition(&self, region: &Region, name: &str) -> Read<TaskDefinition> {
        self.counted(region, |r| ecs::task_definition(r, self.profile(), name))
            .await
    }

    async fn lb_attributes(&self, region: &Region, arn: &str) -> Read<crate::source::LbAttributes> {
        self.counted(region, |r| zonal::lb_attributes(r, self.profile(), arn))
            .await
    }

    async fn region_switch(
        &self,
        query: &crate::model::region_switch::PlanQuery,
    ) -> Read<Option<crate::model::region_switch::RegionSwitch>> {
        let other = self.region(&query.other).ok();
        self.counted(&query.region, |r| {
            region_switch::read(r, other, self.profile(), query)
        })
        .await
    }
}

#[async_trait]
impl EstateWriter for AwsSource {
    async fn set_desired_capacity(
        &self,
        region: &Region,
        asg: &str,
        desired: u32,
    ) -> Result<(), SourceError> {
        let changed =
            autoscaling::set_desired_capacity(self.region(region)?, self.profile(), asg, desired)
                .await;
        // Described on the next read, wherever it is on screen (or not): never shown as before.
        if let Some(g) = self.groups.get(region) {
            lock(g).forget(asg);
        }
        changed
    }

    async fn update_service(
        &self,
        region: &Region,
        update: ServiceUpdate,
    ) -> Result<(), SourceError> {
        let changed = ecs::update_service(self.region(region)?, self.profile(), &update).await;
        // Described on the next read, wherever it is on screen (or not): never shown as before.
        if let Some(s) = self.services.get(region) {
            lock(s).forget(&update.cluster, &update.service);
        }
        changed
    }

    async fn register_task_definition_with_image(
        &self,
        region: &Region,
        task_definition: &str,
        container: &str,
        image: &str,
    ) -> Result<String, SourceError> {
        ecs::register_with_image(
            self.region(region)?,
            self.profile(),
            task_definition,
            container,
            image,
        )
        .await
    }

    async fn start_associations_once(
        &self,
        region: &Region,
        ids: &[String],
    ) -> Result<(), SourceError> {
        ssm::start_associations_once(self.region(region)?, self.profile(), ids).await
    }

    async fn set_alarm_state(
        &self,
        region: &Region,
        alarm: &str,
        state: AlarmState,
        reason: &str,
    ) -> Result<(), SourceError> {
        cloudwatch::set_alarm_state(self.region(region)?, self.profile(), alarm, state, reason)
            .await
    }

    async fn start_zonal_shift(
        &self,
        region: &Region,
        shift: &crate::source::ZonalShiftStart,
    ) -> Result<String, SourceError> {
        zonal::start(self.region(region)?, self.profile(), shift).await
    }

    async fn update_zonal_shift(
        &self,
        region: &Region,
        id: &str,
        expires_in: &str,
        comment: &str,
    ) -> Result<(), SourceError> {
        zonal::update(
            self.region(region)?,
            self.profile(),
            id,
            expires_in,
            comment,
        )
        .await
    }

    async fn cancel_zonal_shift(&self, region: &Region, id: &str) -> Result<(), SourceError> {
        zonal::cancel(self.region(region)?, self.profile(), id).await
    }

    async fn start_plan_execution(
        &self,
        region: &Region,
        start: &crate::source::PlanExecutionStart,
    ) -> Result<String, SourceError> {
        region_switch::start(self.region(region)?, self.profile(), start).await
    }

    async fn change_plan_execution(
        &self,
        region: &Region,
        change: &crate::source::PlanExecutionChange,
    ) -> Result<(), SourceError> {
        region_switch::change(self.region(region)?, self.profile(), change).await
    }
}

/// Live AWS while it connects: the console draws at once and the panes say "loading" while
/// credentials load and STS answers, in the background. Every read waits for the connection;
/// while it fails (no credentials, an expired SSO token, no region, no answer), every read
/// answers that error, so the panes show the cause and the fix instead of hanging, and the next
/// read after a back-off (2 s doubling to 30 s) tries again: an `aws sso login` in another window
/// brings the console back without a restart.
pub struct Connecting {
    opts: AwsOptions,
    /// Where an MFA profile asks for its code.
    sign_in: Arc<crate::source::signin::SignIn>,
    /// The MFA sign-in of the profile, found once (`None`: the profile needs no code).
    mfa: tokio::sync::OnceCell<Option<mfa::MfaCredentials>>,
    timeout: std::time::Duration,
    connected: std::sync::OnceLock<AwsSource>,
    failed: Mutex<Option<Failure>>,
    /// One attempt at a time; the others wait for its outcome.
    attempt: tokio::sync::Mutex<()>,
    /// The target groups on screen, per region, handed to the source once it is connected.
    watched: Mutex<HashMap<Region, crate::source::OnScreen>>,
}

/// The last failed attempt to connect.
struct Failure {
    error: SourceError,
    attempts: u32,
    retry_at: tokio::time::Instant,
}

/// The wait before the next attempt after `attempts` failed ones: 2 s doubling, at most 30 s.
pub fn connect_backoff(attempts: u32) -> std::time::Duration {
    let secs = 2u64.saturating_mul(1 << attempts.saturating_sub(1).min(5));
    std::time::Duration::from_secs(secs.min(30))
}

impl Connecting {
    pub fn new(opts: AwsOptions, timeout: std::time::Duration) -> Self {
        Connecting {
            opts,
            sign_in: Arc::new(crate::source::signin::SignIn::new(false)),
            mfa: tokio::sync::OnceCell::new(),
            timeout,
            connected: std::sync::OnceLock::new(),
            failed: Mutex::new(None),
            attempt: tokio::sync::Mutex::new(()),
            watched: Mutex::default(),
        }
    }

    /// For reads in the background (the fleet): an MFA code is never asked for; an account that
    /// needs one says so in its rows until the operator opens it.
    #[must_use]
    pub fn never_asks(mut self) -> Self {
        self.sign_in = Arc::new(crate::source::signin::SignIn::silent());
        self
    }

    /// For the console: an MFA code is asked for in its prompt (else on the terminal).
    #[must_use]
    pub fn in_console(mut self) -> Self {
        self.sign_in = Arc::new(crate::source::signin::SignIn::new(true));
        self
    }

    /// The profile's MFA sign-in, when it has `mfa_serial`: the profile named, else (when the
    /// environment holds no keys) `AWS_PROFILE` or `default`, as the default chain picks it.
    async fn mfa(&self) -> Option<mfa::MfaCredentials> {
        self.mfa
            .get_or_init(|| async {
                let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
                let name = match &self.opts.profile {
                    Some(p) => p.clone(),
                    None if set("AWS_ACCESS_KEY_ID") => return None,
                    None => std::env::var("AWS_PROFILE")
                        .ok()
                        .filter(|p| !p.is_empty())
                        .unwrap_or_else(|| "default".into()),
                };
                let profile = mfa::MfaProfile::find(&name).await.ok().flatten()?;
                let region = match &self.opts.region {
                    Some(r) => Some(aws_config::Region::new(r.to_string())),
                    None => {
                        aws_config::default_provider::region::DefaultRegionChain::builder()
                            .profile_name(&name)
                            .build()
                            .region()
                            .await
                    }
                };
                let sts = mfa::MfaCredentials::source_sts(&profile, region).await;
                Some(mfa::MfaCredentials::new(profile, self.sign_in.clone(), sts))
            })
            .await
            .clone()
    }

    /// The connected source; connects if no attempt failed within the back-off, else answers the
    /// last failure. While an MFA code is awaited, reads answer that at once.
    pub async fn get(&self) -> Result<&AwsSource, SourceError> {
        if let Some(s) = self.connected.get() {
            return Ok(s);
        }
        if self.sign_in.waiting() {
            return Err(SourceError::new(
                crate::source::ErrorClass::NoCredentials,
                "sts",
                "AssumeRole",
                "MfaCodeAwaited",
                "waiting for the MFA code: type it in the prompt",
            ));
        }
        let _one = self.attempt.lock().await;
        if let Some(s) = self.connected.get() {
            return Ok(s);
        }
        let attempts = {
            let failed = lock(&self.failed);
            match failed.as_ref() {
                Some(f) if tokio::time::Instant::now() < f.retry_at => return Err(f.error.clone()),
                Some(f) => f.attempts,
                None => 0,
            }
        };
        // The operator's code is waited for without a time limit; STS answers within it.
        let mfa = self.mfa().await;
        let signed = match &mfa {
            Some(m) => m.session().await.map(|_| ()),
            None => Ok(()),
        };
        let connect = async {
            signed?;
            AwsSource::connect(&self.opts, mfa).await
        };
        let outcome = match tokio::time::timeout(self.timeout, connect).await {
            Ok(r) => r,
            Err(_) => Err(SourceError::new(
                crate::source::ErrorClass::Network,
                "sts",
                "GetCallerIdentity",
                "Timeout",
                format!("no answer from STS within {} s", self.timeout.as_secs()),
            )),
        };
        match outcome {
            Ok(src) => {
                *lock(&self.failed) = None;
                let src = self.connected.get_or_init(|| src);
                let watched = lock(&self.watched).clone();
                for (region, on_screen) in watched {
                    crate::source::Source::watch(src, &region, &on_screen);
                }
                Ok(src)
            }
            Err(error) => {
                let attempts = attempts + 1;
                // A code the operator declined is asked for again after the longest wait.
                let wait = if error.code == "MfaCodeNotGiven" {
                    connect_backoff(u32::MAX)
                } else {
                    connect_backoff(attempts)
                };
                tracing::info!("connecting failed (attempt {attempts}, next in {wait:?}): {error}");
                *lock(&self.failed) = Some(Failure {
                    error: error.clone(),
                    attempts,
                    retry_at: tokio::time::Instant::now() + wait,
                });
                Err(error)
            }
        }
    }

    /// The regions asked for before the connection resolves them.
    fn planned_regions(&self) -> Vec<RegionInfo> {
        let primary = self
            .opts
            .region
            .clone()
            .or_else(|| {
                ["AWS_REGION", "AWS_DEFAULT_REGION"]
                    .iter()
                    .find_map(|k| Region::new(&std::env::var(k).ok()?).ok())
            })
            .unwrap_or_else(Region::pending);
        let mut regions = vec![RegionInfo {
            name: primary,
            role: RegionRole::Primary,
        }];
        if let Some(dr) = &self.opts.dr_region {
            regions.push(RegionInfo {
                name: dr.clone(),
                role: RegionRole::Dr,
            });
        }
        regions
    }
}

#[async_trait]
impl crate::source::Source for Connecting {
    fn info(&self) -> SourceInfo {
        if let Some(s) = self.connected.get() {
            return s.info();
        }
        let failed = lock(&self.failed).is_some();
        {
            SourceInfo {
                kind: SourceKind::Aws,
                account: if failed {
                    "no account".into()
                } else {
                    "connecting…".into()
                },
                profile: self
                    .opts
                    .profile
                    .clone()
                    .or_else(|| std::env::var("AWS_PROFILE").ok()),
                credentials: None,
                caller_arn: String::new(),
                regions: self.planned_regions(),
                connection: if failed {
                    crate::source::Connection::Failed
                } else {
                    crate::source::Connection::Connecting
                },
                estate: None,
            }
        }
    }

    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    /// Kept for the source it connects, and given to it at once when connected.
    fn watch(&self, region: &Region, on_screen: &crate::source::OnScreen) {
        lock(&self.watched).insert(region.clone(), on_screen.clone());
        if let Some(s) = self.connected.get() {
            crate::source::Source::watch(s, region, on_screen);
        }
    }

    fn call_counts(&self) -> crate::source::CallCounts {
        match self.connected.get() {
            Some(s) => s.call_counts(),
            None => crate::source::CallCounts::new(),
        }
    }

    async fn estate(&self) -> Result<&dyn crate::source::Estate, SourceError> {
        Ok(self.get().await?)
    }

    fn sign_in(&self) -> Option<Arc<crate::source::signin::SignIn>> {
        Some(self.sign_in.clone())
    }
}

#[async_trait]
impl crate::source::Writes for Connecting {
    async fn writer(&self) -> Result<&dyn EstateWriter, SourceError> {
        Ok(self.get().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::Lazy;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn a_lazy_client_is_made_once_on_first_use_and_shared_by_its_clones() {
        let made = Arc::new(AtomicU32::new(0));
        let m = made.clone();
        let lazy = Lazy::new(move || m.fetch_add(1, Ordering::SeqCst) + 100);
        let copy = lazy.clone();
        assert!(!lazy.made());
        assert_eq!(made.load(Ordering::SeqCst), 0, "not made before it is used");
        assert_eq!(*copy, 100);
        assert_eq!(*lazy, 100);
        assert!(lazy.made());
        assert_eq!(made.load(Ordering::SeqCst), 1, "made once for both");
        assert_eq!(*Lazy::ready(7), 7);
    }
}
