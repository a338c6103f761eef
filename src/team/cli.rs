//! The team commands (`opsdash team init`, `team check`, `audit --team`) and team mode's start
//! in the console: the clients of `[team]` built from the same profile and region as the console.

use super::{MEMBER_ACTIONS, TableLeases, TeamConfig, Trail};
use crate::cli::{Cli, TeamAction};
use crate::config::Config;
use std::sync::Arc;

/// The SDK config of the console's profile and first region (the team's table and log group
/// live there).
async fn sdk_config(cli: &Cli, config: &Config) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(crate::source::aws::timeouts());
    if let Some(p) = &cli.source.profile {
        loader = loader.profile_name(p);
    }
    let region = cli
        .source
        .region
        .clone()
        .or_else(|| config.regions.first().map(ToString::to_string));
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r));
    }
    loader.load().await
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

fn team_of(config: &Config) -> Result<&TeamConfig, String> {
    config.team.as_ref().ok_or_else(|| {
        "no [team] section in the config: add one with table = \"opsdash-team\" and audit_log_group = \"/opsdash/audit\"".to_owned()
    })
}

/// `opsdash team init` / `team check`; the lines to print, or why not.
pub fn command(cli: &Cli, config: &Config, action: &TeamAction) -> Result<Vec<String>, String> {
    let t = team_of(config)?;
    let rt = runtime()?;
    rt.block_on(async {
        let conf = sdk_config(cli, config).await;
        let ddb = aws_sdk_dynamodb::Client::new(&conf);
        let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
        match action {
            TeamAction::Check => {
                let lines = super::check(&ddb, &logs, t).await;
                let ok = lines.iter().all(|(ok, _)| *ok);
                let mut out: Vec<String> = lines
                    .into_iter()
                    .map(|(ok, l)| format!("{} {l}", if ok { "ok  " } else { "FAIL" }))
                    .collect();
                out.push(format!("a team member needs: {MEMBER_ACTIONS}"));
                if ok { Ok(out) } else { Err(out.join("\n")) }
            }
            TeamAction::Init {
                yes,
                retention_days,
            } => {
                if !(1..=3653).contains(retention_days) {
                    return Err(format!(
                        "--retention-days {retention_days}: CloudWatch Logs keeps 1 to 3653 days"
                    ));
                }
                let mut out = vec!["opsdash team init will call:".to_owned()];
                out.extend(
                    super::init_plan(t, *retention_days)
                        .into_iter()
                        .map(|l| format!("  {l}")),
                );
                out.push(format!("a team member needs: {MEMBER_ACTIONS}"));
                if !yes && !confirmed(&out) {
                    out.push("nothing created: run again with --yes to create them".into());
                    return Ok(out);
                }
                let done = super::init(&ddb, &logs, t, *retention_days).await?;
                out.extend(done);
                Ok(out)
            }
        }
    })
}

/// On a terminal, the plan is shown and `yes` typed creates it; elsewhere (a script, CI) only
/// `--yes` does.
fn confirmed(plan: &[String]) -> bool {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    if !std::io::stdin().is_terminal() {
        return false;
    }
    let mut err = std::io::stderr();
    for l in plan {
        let _ = writeln!(err, "{}", crate::state::printable(l));
    }
    let _ = write!(err, "type yes to create them: ");
    let _ = err.flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line.trim() == "yes"
}

/// `opsdash audit --team`: every console's records from the log group, as `audit` prints them.
pub fn audit(
    cli: &Cli,
    config: &Config,
    since: Option<crate::model::Timestamp>,
    json: bool,
) -> Result<String, String> {
    let t = team_of(config)?;
    let rt = runtime()?;
    let lines = rt.block_on(async {
        let conf = sdk_config(cli, config).await;
        super::read_trail(
            &aws_sdk_cloudwatchlogs::Client::new(&conf),
            &t.audit_log_group,
        )
        .await
    })?;
    let records: Vec<Result<crate::ops::audit::AuditRecord, String>> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("event {}: {e}", i + 1)))
        .collect();
    Ok(if json {
        crate::ops::audit::json_log(&records, since)
    } else {
        crate::ops::audit::format_log(&records, since)
    })
}

/// What team mode gives the console's executor.
pub struct Started {
    pub trail: Arc<Trail>,
    pub leases: Arc<dyn super::Leases>,
    pub drill: Arc<dyn crate::ops::drill::DrillStore>,
    pub presence: Arc<super::Presence>,
}

/// Team mode in the console: the table's leases, drill and presence, and the audit trail (the
/// console sends it every few seconds).
pub fn start(
    cli: &Cli,
    config: &Config,
    t: &TeamConfig,
    rt: &tokio::runtime::Runtime,
) -> Result<Started, String> {
    // The clients only: nothing here waits on the network (the caller is asked for at the
    // first lease, in the background).
    let conf = rt.block_on(sdk_config(cli, config));
    let who = crate::identity::login();
    let console = crate::identity::ConsoleId::new();
    let me = super::Holder {
        who,
        host: console.host.clone(),
        pid: console.pid,
        console: console.to_string(),
    };
    let mut leases = TableLeases::new(aws_sdk_dynamodb::Client::new(&conf), &t.table, me);
    leases.sts = Some(aws_sdk_sts::Client::new(&conf));
    let audit = crate::ops::audit::default_path()?;
    let stream = format!(
        "{}/{}/{}",
        console.host,
        crate::identity::login(),
        console.pid
    );
    let trail = Arc::new(Trail::new(
        aws_sdk_cloudwatchlogs::Client::new(&conf),
        &t.audit_log_group,
        &stream,
        &audit,
    ));
    trail
        .start_here()
        .map_err(|e| format!("team audit trail: {e}"))?;
    let drill = super::drill::TableDrill {
        client: leases.client.clone(),
        table: t.table.clone(),
        console: leases.me.console.clone(),
    };
    let presence = super::Presence {
        client: leases.client.clone(),
        table: t.table.clone(),
        me: leases.me.clone(),
    };
    Ok(Started {
        trail,
        leases: Arc::new(leases),
        drill: Arc::new(drill),
        presence: Arc::new(presence),
    })
}
