//! Team mode (`[team]` in the config): what several consoles on several bastions share lives in
//! AWS services, never in a server of ours. A DynamoDB table holds the leases: every operation
//! takes one on what it changes with a conditional write before its first call, and gives it back
//! with its outcome; a console that cannot take it names who holds it and does not act. A
//! CloudWatch Logs group holds the team's audit trail: every record of the local audit log (the
//! source of truth) is sent after it is on disk, from the file, so a record that could not be sent
//! is sent later and never lost.

use crate::model::Timestamp;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};

/// How long a lease lasts when its holder says nothing more (an operation gives it back at its
/// outcome long before).
pub const LEASE_SECS: i64 = 300;
/// The clock skew between bastions a lease tolerates: one is taken over only once it expired by
/// its holder's clock this long ago by the taker's.
pub const SKEW_SECS: i64 = 30;
/// How often a console renews the lease of an operation still at work.
pub const RENEW_SECS: u64 = 60;
/// How often the audit trail is sent.
pub const SEND_SECS: u64 = 5;
/// Days the team's audit trail is kept unless `init` is told otherwise.
pub const RETENTION_DAYS: i32 = 400;

/// The `[team]` section.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    /// The DynamoDB table of leases (partition key `pk`, a string).
    pub table: String,
    /// The CloudWatch Logs group of the team's audit trail.
    pub audit_log_group: String,
}

/// Who holds a lease: the caller's ARN, the host, the console's pid, since when, for what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub who: String,
    pub host: String,
    pub pid: u32,
    /// `host:pid:n`: the console, which alone may renew or give back its lease.
    pub console: String,
}

impl Holder {
    /// Who, as the operator types it to take a lease over: the role session's name (the last
    /// part of the caller's ARN), else what is known.
    pub fn name(&self) -> &str {
        self.who
            .rsplit('/')
            .next()
            .filter(|w| !w.is_empty())
            .unwrap_or(&self.who)
    }
}

/// A lease another console holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub holder: Holder,
    pub what: String,
    pub since: Timestamp,
    pub expires: Timestamp,
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let who = self.holder.name();
        write!(
            f,
            "held by {who} on {} (pid {}) since {} for {}, until {} unless renewed",
            self.holder.host,
            self.holder.pid,
            self.since.hms(),
            self.what,
            self.expires.hms()
        )
    }
}

/// Why a lease was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Another console holds it.
    Held(Held),
    /// Another console held it and its lease has expired: taking it over is the operator's
    /// typed decision, naming that holder.
    Expired(Held),
    /// The table could not be used (unreachable, throttled, denied): nothing runs without its
    /// lease.
    Unavailable(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Held(h) => write!(f, "the team lease is {h}"),
            Refusal::Expired(h) => write!(
                f,
                "the team lease of {} on {} for {} expired at {} unrenewed (its console may be gone): taking it over must be confirmed",
                h.holder.name(),
                h.holder.host,
                h.what,
                h.expires.hms()
            ),
            Refusal::Unavailable(why) => write!(
                f,
                "the team's lease table cannot be used ({why}); no operation runs without its lease"
            ),
        }
    }
}

/// Where leases are taken: the executor asks before an operation's first call.
#[async_trait]
pub trait Leases: Send + Sync {
    /// Takes the lease on `key` for `what`, as of `now` (this console's clock); an expired lease
    /// of another console only when `takeover` (the operator confirmed it).
    async fn take(
        &self,
        key: &str,
        what: &str,
        now: Timestamp,
        takeover: bool,
    ) -> Result<(), Refusal>;
    /// Gives it back (only if this console holds it).
    async fn release(&self, key: &str);
}

/// Leases in a DynamoDB table, by conditional writes: an item is written only if it is absent,
/// or its lease expired (by the clock in the item, with [`SKEW_SECS`] of margin), or it is this
/// console's own. DynamoDB's TTL deletes late and is not relied on.
pub struct TableLeases {
    pub client: aws_sdk_dynamodb::Client,
    pub table: String,
    /// This console; its `who` until STS has said who the caller is.
    pub me: Holder,
    /// Where the caller's ARN is asked, once, at the first lease (never on the UI's way).
    pub sts: Option<aws_sdk_sts::Client>,
    pub caller: tokio::sync::OnceCell<String>,
}

impl TableLeases {
    pub fn new(client: aws_sdk_dynamodb::Client, table: &str, me: Holder) -> Self {
        TableLeases {
            client,
            table: table.to_owned(),
            me,
            sts: None,
            caller: tokio::sync::OnceCell::new(),
        }
    }

    /// Who holds what this console takes: the caller's ARN from STS (asked once, 5 s at most),
    /// else what `me` says.
    async fn who(&self) -> String {
        let Some(sts) = &self.sts else {
            return self.me.who.clone();
        };
        self.caller
            .get_or_init(|| async {
                tokio::time::timeout(
                    std::time::Duration::from_secs(5),
                    sts.get_caller_identity().send(),
                )
                .await
                .ok()
                .and_then(Result::ok)
                .and_then(|o| o.arn)
                .unwrap_or_else(|| self.me.who.clone())
            })
            .await
            .clone()
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn pk(key: &str) -> String {
    format!("lease#{key}")
}

fn text(e: &impl std::fmt::Display) -> String {
    let t = e.to_string();
    t.lines().next().unwrap_or(&t).to_owned()
}

impl TableLeases {
    /// The lease on `key` as the table holds it now.
    pub async fn read(&self, key: &str) -> Result<Option<Held>, String> {
        let got = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(&pk(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| dynamo_error(&e))?;
        Ok(got.item.as_ref().map(held_of))
    }
}

fn dynamo_error<E, R>(e: &aws_sdk_dynamodb::error::SdkError<E, R>) -> String
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match e.as_service_error() {
        Some(se) => format!(
            "{}: {}",
            se.code().unwrap_or("Error"),
            se.message().unwrap_or("")
        ),
        None => text(&aws_smithy_types::error::display::DisplayErrorContext(e)),
    }
}

fn held_of(item: &HashMap<String, AttributeValue>) -> Held {
    let get = |k: &str| {
        item.get(k)
            .and_then(|v| v.as_s().ok().or_else(|| v.as_n().ok()))
            .cloned()
            .unwrap_or_default()
    };
    let num = |k: &str| get(k).parse::<i64>().unwrap_or(0);
    Held {
        holder: Holder {
            who: get("holder"),
            host: get("host"),
            pid: u32::try_from(num("pid")).unwrap_or(0),
            console: get("console"),
        },
        what: get("what"),
        since: Timestamp(num("since")),
        expires: Timestamp(num("expires")),
    }
}

#[async_trait]
impl Leases for TableLeases {
    async fn take(
        &self,
        key: &str,
        what: &str,
        now: Timestamp,
        takeover: bool,
    ) -> Result<(), Refusal> {
        let condition = if takeover {
            "attribute_not_exists(pk) OR console = :me OR expires < :stale"
        } else {
            "attribute_not_exists(pk) OR console = :me"
        };
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(&pk(key)))
            .item("holder", s(&self.who().await))
            .item("host", s(&self.me.host))
            .item("pid", n(i64::from(self.me.pid)))
            .item("console", s(&self.me.console))
            .item("what", s(what))
            .item("since", n(now.0))
            .item("expires", n(now.0 + LEASE_SECS * 1000))
            .condition_expression(condition)
            .expression_attribute_values(":me", s(&self.me.console));
        if takeover {
            put = put.expression_attribute_values(":stale", n(now.0 - SKEW_SECS * 1000));
        }
        let put = put.send().await;
        match put {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(aws_sdk_dynamodb::operation::put_item::PutItemError::is_conditional_check_failed_exception) =>
            {
                match self.read(key).await {
                    Ok(Some(h)) if h.expires.0 < now.0 - SKEW_SECS * 1000 && !takeover => {
                        Err(Refusal::Expired(h))
                    }
                    Ok(Some(h)) => Err(Refusal::Held(h)),
                    Ok(None) => Err(Refusal::Unavailable(
                        "the lease changed while it was taken; try again".into(),
                    )),
                    Err(why) => Err(Refusal::Unavailable(why)),
                }
            }
            Err(e) => Err(Refusal::Unavailable(dynamo_error(&e))),
        }
    }

    async fn release(&self, key: &str) {
        let r = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(&pk(key)))
            .condition_expression("console = :me")
            .expression_attribute_values(":me", s(&self.me.console))
            .send()
            .await;
        if let Err(e) = r {
            tracing::warn!("team lease {key} not given back: {}", dynamo_error(&e));
        }
    }
}

/// The key of an operation's lease: the account, region and what it changes.
pub fn lease_key(account: &str, region: &str, target: &str) -> String {
    format!("{account}/{region}/{target}")
}

/// The team's audit trail: the local audit log's new lines sent to one log stream per console,
/// from where the last send ended (`audit.sent`, beside the log, under a lock: the consoles of
/// one user share the file).
pub struct Trail {
    pub client: aws_sdk_cloudwatchlogs::Client,
    pub group: String,
    pub stream: String,
    pub audit: PathBuf,
    stream_made: std::sync::atomic::AtomicBool,
}

/// The file that says how much of the audit log was sent.
fn sent_path(audit: &Path) -> PathBuf {
    audit.with_extension("sent")
}

impl Trail {
    pub fn new(
        client: aws_sdk_cloudwatchlogs::Client,
        group: &str,
        stream: &str,
        audit: &Path,
    ) -> Self {
        Trail {
            client,
            group: group.to_owned(),
            stream: stream.to_owned(),
            audit: audit.to_owned(),
            stream_made: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// From now on: records already in the log before team mode are not sent (CloudWatch
    /// refuses events older than 14 days, and they were never the team's).
    pub fn start_here(&self) -> std::io::Result<()> {
        let sent = sent_path(&self.audit);
        if sent.exists() {
            return Ok(());
        }
        let len = std::fs::metadata(&self.audit).map_or(0, |m| m.len());
        write_sent(&sent, len)
    }

    /// Sends what the audit log has beyond what was sent; the number of records sent.
    pub async fn send(&self) -> Result<usize, String> {
        let sent = sent_path(&self.audit);
        // Under the lock: one console of this user sends at a time. Never waited for (another
        // console may hold it through a slow send): this round is skipped instead.
        let lock = crate::state::open_append(&sent.with_extension("sent.lock"))
            .map_err(|e| e.to_string())?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(0),
            Err(std::fs::TryLockError::Error(e)) => return Err(e.to_string()),
        }
        let from = read_sent(&sent);
        let (lines, to) = new_lines(&self.audit, from).map_err(|e| e.to_string())?;
        if lines.is_empty() {
            return Ok(0);
        }
        self.ensure_stream().await?;
        let now = Timestamp::now();
        let mut events: Vec<aws_sdk_cloudwatchlogs::types::InputLogEvent> = lines
            .iter()
            .map(|l| {
                let at = serde_json::from_str::<serde_json::Value>(l)
                    .ok()
                    .and_then(|v| v["time"].as_str().and_then(Timestamp::parse_rfc3339))
                    .unwrap_or(now);
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(at.0)
                    .message(l.clone())
                    .build()
                    .expect("timestamp and message are set")
            })
            .collect();
        events.sort_by_key(aws_sdk_cloudwatchlogs::types::InputLogEvent::timestamp);
        for chunk in events.chunks(1000) {
            let put = self
                .client
                .put_log_events()
                .log_group_name(&self.group)
                .log_stream_name(&self.stream)
                .set_log_events(Some(chunk.to_vec()))
                .send()
                .await;
            if let Err(e) = put {
                // The group or the stream may be gone: made again at the next send.
                self.stream_made
                    .store(false, std::sync::atomic::Ordering::Relaxed);
                return Err(text(
                    &aws_smithy_types::error::display::DisplayErrorContext(&e),
                ));
            }
        }
        write_sent(&sent, to).map_err(|e| e.to_string())?;
        Ok(lines.len())
    }

    async fn ensure_stream(&self) -> Result<(), String> {
        use std::sync::atomic::Ordering;
        if self.stream_made.load(Ordering::Relaxed) {
            return Ok(());
        }
        match self
            .client
            .create_log_stream()
            .log_group_name(&self.group)
            .log_stream_name(&self.stream)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e)
                if e.as_service_error().is_some_and(
                    aws_sdk_cloudwatchlogs::operation::create_log_stream::CreateLogStreamError::is_resource_already_exists_exception,
                ) => {}
            Err(e) => {
                return Err(text(
                    &aws_smithy_types::error::display::DisplayErrorContext(&e),
                ));
            }
        }
        self.stream_made.store(true, Ordering::Relaxed);
        Ok(())
    }
}

/// Every record of the team's trail (all consoles' streams), oldest first.
pub async fn read_trail(
    client: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .filter_log_events()
            .log_group_name(group)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| text(&aws_smithy_types::error::display::DisplayErrorContext(&e)))?;
        let mut events = page.events.unwrap_or_default();
        events.sort_by_key(|e| e.timestamp);
        out.extend(events.into_iter().filter_map(|e| e.message));
        token = page.next_token;
        if token.is_none() {
            return Ok(out);
        }
    }
}

fn read_sent(path: &Path) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0)
}

fn write_sent(path: &Path, offset: u64) -> std::io::Result<()> {
    crate::state::write_atomic(path, format!("{offset}\n").as_bytes())
}

/// The whole lines of `audit` from byte `from`, and where they end.
fn new_lines(audit: &Path, from: u64) -> std::io::Result<(Vec<String>, u64)> {
    let mut f = match std::fs::File::open(audit) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), from)),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    // A log cut shorter than what was sent (rotated by hand): from its start.
    let from = if from > len { 0 } else { from };
    f.seek(SeekFrom::Start(from))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)?;
    let whole = buf.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let lines = String::from_utf8_lossy(&buf[..whole])
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    Ok((lines, from + whole as u64))
}

/// `opsdash team init`: what it creates, and what a team member needs.
pub fn init_plan(t: &TeamConfig, retention_days: i32) -> Vec<String> {
    vec![
        format!(
            "dynamodb:CreateTable TableName={} AttributeDefinitions=[pk:S] KeySchema=[pk HASH] BillingMode=PAY_PER_REQUEST (unless it exists)",
            t.table
        ),
        format!(
            "logs:CreateLogGroup logGroupName={} (unless it exists)",
            t.audit_log_group
        ),
        format!(
            "logs:PutRetentionPolicy logGroupName={} retentionInDays={retention_days}",
            t.audit_log_group
        ),
    ]
}

/// The IAM actions a team member needs.
pub const MEMBER_ACTIONS: &str = "dynamodb:GetItem, dynamodb:PutItem, dynamodb:DeleteItem, dynamodb:DescribeTable on the table; logs:CreateLogStream, logs:PutLogEvents, logs:FilterLogEvents, logs:DescribeLogGroups on the log group";

/// Creates the table and the log group if they are not there, and sets the retention; says what
/// it did. Running it again changes nothing.
pub async fn init(
    ddb: &aws_sdk_dynamodb::Client,
    logs: &aws_sdk_cloudwatchlogs::Client,
    t: &TeamConfig,
    retention_days: i32,
) -> Result<Vec<String>, String> {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let mut done = Vec::new();
    match ddb.describe_table().table_name(&t.table).send().await {
        Ok(_) => done.push(format!("table {} exists: unchanged", t.table)),
        Err(e)
            if e.as_service_error().is_some_and(
                aws_sdk_dynamodb::operation::describe_table::DescribeTableError::is_resource_not_found_exception,
            ) =>
        {
            ddb.create_table()
                .table_name(&t.table)
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name("pk")
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .map_err(|e| e.to_string())?,
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name("pk")
                        .key_type(KeyType::Hash)
                        .build()
                        .map_err(|e| e.to_string())?,
                )
                .billing_mode(BillingMode::PayPerRequest)
                .send()
                .await
                .map_err(|e| dynamo_error(&e))?;
            done.push(format!("table {} created (on demand, pk string)", t.table));
        }
        Err(e) => return Err(dynamo_error(&e)),
    }
    let exists = logs
        .describe_log_groups()
        .log_group_name_prefix(&t.audit_log_group)
        .send()
        .await
        .map_err(|e| text(&aws_smithy_types::error::display::DisplayErrorContext(&e)))?
        .log_groups
        .unwrap_or_default()
        .iter()
        .any(|g| g.log_group_name.as_deref() == Some(t.audit_log_group.as_str()));
    if exists {
        done.push(format!("log group {} exists", t.audit_log_group));
    } else {
        logs.create_log_group()
            .log_group_name(&t.audit_log_group)
            .send()
            .await
            .map_err(|e| text(&aws_smithy_types::error::display::DisplayErrorContext(&e)))?;
        done.push(format!("log group {} created", t.audit_log_group));
    }
    logs.put_retention_policy()
        .log_group_name(&t.audit_log_group)
        .retention_in_days(retention_days)
        .send()
        .await
        .map_err(|e| text(&aws_smithy_types::error::display::DisplayErrorContext(&e)))?;
    done.push(format!("retention {retention_days} days"));
    Ok(done)
}

/// `opsdash team check`: whether this identity can use both; one line each.
pub async fn check(
    ddb: &aws_sdk_dynamodb::Client,
    logs: &aws_sdk_cloudwatchlogs::Client,
    t: &TeamConfig,
) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    out.push(
        match ddb.describe_table().table_name(&t.table).send().await {
            Ok(_) => (true, format!("table {}: usable", t.table)),
            Err(e) => (
                false,
                format!(
                    "table {}: {} (opsdash team init creates it)",
                    t.table,
                    dynamo_error(&e)
                ),
            ),
        },
    );
    out.push(
        match logs
            .describe_log_groups()
            .log_group_name_prefix(&t.audit_log_group)
            .send()
            .await
        {
            Ok(g)
                if g.log_groups()
                    .iter()
                    .any(|g| g.log_group_name.as_deref() == Some(t.audit_log_group.as_str())) =>
            {
                (true, format!("log group {}: usable", t.audit_log_group))
            }
            Ok(_) => (
                false,
                format!(
                    "log group {}: not found (opsdash team init creates it)",
                    t.audit_log_group
                ),
            ),
            Err(e) => (
                false,
                format!(
                    "log group {}: {}",
                    t.audit_log_group,
                    text(&aws_smithy_types::error::display::DisplayErrorContext(&e))
                ),
            ),
        },
    );
    out
}
pub mod cli;
pub mod drill;

/// Another console of the team, as its presence item says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub user: String,
    pub host: String,
    pub pid: u32,
    pub account: String,
    /// What it is doing: its view, `drill` while it drives one.
    pub doing: String,
    pub seen: Timestamp,
}

impl Peer {
    /// `ana@bastion-2 (drill)`.
    pub fn label(&self) -> String {
        if self.doing.is_empty() || self.doing == "main" {
            format!("{}@{}", self.user, self.host)
        } else {
            format!("{}@{} ({})", self.user, self.host, self.doing)
        }
    }
}

/// How often a console writes its presence, and how long one not written since counts.
pub const PRESENCE_SECS: u64 = 30;
pub const PRESENCE_GONE_SECS: i64 = 90;

/// Presence items (`presence#host:pid:n`) in the team's table: each console writes its own every
/// [`PRESENCE_SECS`] and reads the others written within [`PRESENCE_GONE_SECS`].
pub struct Presence {
    pub client: aws_sdk_dynamodb::Client,
    pub table: String,
    pub me: Holder,
}

impl Presence {
    /// Writes this console's presence, then reads the others'.
    pub async fn beat(
        &self,
        account: &str,
        doing: &str,
        now: Timestamp,
    ) -> Result<Vec<Peer>, String> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(&format!("presence#{}", self.me.console)))
            .item("user", s(&crate::identity::login()))
            .item("host", s(&self.me.host))
            .item("pid", n(i64::from(self.me.pid)))
            .item("account", s(account))
            .item("doing", s(doing))
            .item("seen", n(now.0))
            .send()
            .await
            .map_err(|e| dynamo_error(&e))?;
        let mut peers = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(pk, :p) AND seen > :recent")
                .expression_attribute_values(":p", s("presence#"))
                .expression_attribute_values(":recent", n(now.0 - PRESENCE_GONE_SECS * 1000))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| dynamo_error(&e))?;
            for item in page.items() {
                let get = |k: &str| {
                    item.get(k)
                        .and_then(|v| v.as_s().ok().or_else(|| v.as_n().ok()))
                        .cloned()
                        .unwrap_or_default()
                };
                if get("pk") == format!("presence#{}", self.me.console) {
                    continue;
                }
                peers.push(Peer {
                    user: get("user"),
                    host: get("host"),
                    pid: get("pid").parse().unwrap_or(0),
                    account: get("account"),
                    doing: get("doing"),
                    seen: Timestamp(get("seen").parse().unwrap_or(0)),
                });
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        peers.sort_by(|a, b| (&a.user, &a.host, a.pid).cmp(&(&b.user, &b.host, b.pid)));
        Ok(peers)
    }

    /// This console leaves.
    pub async fn leave(&self) {
        let _ = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(&format!("presence#{}", self.me.console)))
            .send()
            .await;
    }
}
