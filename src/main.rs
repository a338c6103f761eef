//! opsdash: parse the command line, load config and theme (errors exit 2 before the terminal is
//! touched), then run the console or a one-shot command.

use opsdash::app::{App, Msg, Settings};
use opsdash::cli::{Cli, Command, normalise_args};
use opsdash::config::Refresh;
use opsdash::config::{Config, FileError};
use opsdash::model::Region;
use opsdash::model::Timestamp;
use opsdash::ops::audit::{self, AuditLog};
use opsdash::ops::{Executor, Operator};
use opsdash::poller;
use opsdash::report;
use opsdash::runtime::{self, Demo};
use opsdash::source::ReadWrite;
use opsdash::source::sim::{Scenario, Sim, SimSource};
use opsdash::theme::{ThemeSet, user_theme_dir};
use std::process::ExitCode;
use std::sync::Arc;

/// Exit 2 with color-eyre's report of the error and, where there is one, the fix as its
/// suggestion. Names in it come from files and flags: printed with their control characters
/// replaced, so a name cannot drive the terminal (set its title, write the clipboard).
fn fail(msg: impl std::fmt::Display) -> ExitCode {
    use color_eyre::Section as _;
    let text = opsdash::state::printable_lines(&msg.to_string());
    let report = color_eyre::eyre::eyre!("{text}");
    let report = match suggestion(&text) {
        Some(s) => report.suggestion(s),
        None => report,
    };
    eprintln!("Error: {report:?}");
    ExitCode::from(2)
}

/// The fix for an error the operator can mend.
fn suggestion(msg: &str) -> Option<String> {
    let s = if msg.contains("means nothing to `opsdash") {
        "leave the flag out; `opsdash <command> --help` lists what a command takes"
    } else if msg.contains("region") && msg.contains("region name") {
        "name a region such as us-east-1 (`aws ec2 describe-regions` lists them)"
    } else if msg.contains("unknown theme") {
        "`opsdash themes` lists the themes, built in and yours"
    } else if msg.contains("belongs to another user") || msg.contains("symbolic link") {
        "set XDG_STATE_HOME to a directory of your own, mode 0700"
    } else if msg.contains(".toml:") {
        "mend the file at that line and column (opsdash starts without a config when there is none)"
    } else {
        return None;
    };
    Some(s.to_owned())
}

/// Every flag of the console: none means anything to a command that reads no AWS account.
const ALL_FLAGS: &[&str] = &[
    "demo",
    "profile",
    "region",
    "dr_region",
    "config",
    "theme",
    "read_only",
    "refresh",
    "ascii",
    "speed",
    "seed",
];

/// The flags a team command takes: it reaches the team's table or log group through the
/// profile, region and config, and nothing else.
const TEAM_TAKES: &[&str] = &["profile", "region", "config"];

/// The console's flags but `taken`.
fn all_flags_but(taken: &[&str]) -> Vec<&'static str> {
    ALL_FLAGS
        .iter()
        .copied()
        .filter(|f| !taken.contains(f))
        .collect()
}

/// A flag that means nothing to the subcommand given (`snapshot --speed 10`) is refused, not
/// silently ignored.
fn meaningless_flags(m: &clap::ArgMatches) -> Result<(), String> {
    let Some((name, sub)) = m.subcommand() else {
        return Ok(());
    };
    let (flags, why): (Vec<&str>, &str) = match name {
        "snapshot" | "check" => (
            vec!["theme", "read_only", "refresh", "ascii", "speed"],
            "it makes one poll and prints it, with no screen and no operation",
        ),
        "themes" => (ALL_FLAGS.to_vec(), "it lists the theme files"),
        "audit" if sub.get_flag("team") => (
            all_flags_but(TEAM_TAKES),
            "it reads the team's audit trail (the profile, region and config name where)",
        ),
        "team" => (
            all_flags_but(TEAM_TAKES),
            "it sets up or checks the [team] table and log group",
        ),
        "audit" => (ALL_FLAGS.to_vec(), "it reads the audit log on this machine"),
        _ => return Ok(()),
    };
    for id in flags {
        let given = |m: &clap::ArgMatches| {
            m.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
        };
        if given(m) || given(sub) {
            return Err(format!(
                "--{} means nothing to `opsdash {name}`: {why}",
                id.replace('_', "-")
            ));
        }
    }
    Ok(())
}

/// The regions the flags name (primary, DR), checked before anything connects.
type FlagRegions = (Option<Region>, Option<Region>);

/// The region flags, checked before anything connects.
fn flag_regions(args: &opsdash::cli::SourceArgs) -> Result<FlagRegions, String> {
    let region = args
        .region
        .as_deref()
        .map(Region::new)
        .transpose()
        .map_err(|e| format!("--region: {e}"))?;
    let dr = args
        .dr_region
        .as_deref()
        .map(Region::new)
        .transpose()
        .map_err(|e| format!("--dr-region: {e}"))?;
    if let Some(r) = &dr
        && region.as_ref() == Some(r)
    {
        return Err(format!(
            "--dr-region {r} is the primary region too; name the standby region, or leave --dr-region out"
        ));
    }
    Ok((region, dr))
}

fn main() -> ExitCode {
    // Errors and panics reported by color-eyre; a panic restores the terminal first.
    runtime::install_panic_hook();
    let args = normalise_args(std::env::args().collect());
    let parsed = <Cli as clap::CommandFactory>::command()
        .try_get_matches_from(args)
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m).map(|c| (c, m)));
    let (cli, matches) = match parsed {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if let Err(e) = meaningless_flags(&matches) {
        return fail(e);
    }
    init_logging();
    let flags = match flag_regions(&cli.source) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let config = match Config::load(cli.source.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let themes = match ThemeSet::load(user_theme_dir().as_deref()) {
        Ok(t) => t,
        Err(e) => {
            return fail(FileError {
                message: format!("bad theme file: {}", e.message),
                ..e
            });
        }
    };
    if let Some(code) = local_command(&cli, &config, &themes) {
        return code;
    }
    let theme_name = cli
        .source
        .theme
        .clone()
        .or_else(|| config.theme.clone())
        .unwrap_or_else(|| "default".into());
    let theme = match themes.get(&theme_name) {
        Ok(t) => t,
        Err(e) => {
            return match (&cli.source.theme, &config.theme_origin) {
                (None, Some((path, line, col))) => {
                    fail(format!("{}:{line}:{col}: {e}", path.display()))
                }
                _ => fail(e),
            };
        }
    };
    let started = std::time::Instant::now();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start the runtime: {e}")),
    };
    let (source, demo): (Arc<dyn ReadWrite>, Option<(SimSource, Scenario)>) =
        match cli.source.demo.clone() {
            Some(name) => {
                let scenario = match Scenario::parse(&name) {
                    Ok(s) => s,
                    Err(e) => return fail(e),
                };
                let sim = SimSource::new(Sim::new(scenario, cli.source.seed, Timestamp::now()));
                (Arc::new(sim.clone()), Some((sim, scenario)))
            }
            // The console draws at once and connects in the background; the one-shot commands
            // wait for the connection.
            None if cli.command.is_none() => (
                Arc::new(connecting(&cli.source, &config, flags.clone()).in_console()),
                None,
            ),
            None => (
                rt.block_on(connect_live(&cli.source, &config, flags.clone())),
                None,
            ),
        };
    let demo_scenario = demo.as_ref().map(|(_, s)| *s);
    // `snapshot` and `check` answer within ONE_SHOT_SECS, connection included, whatever the network.
    let left = std::time::Duration::from_secs(ONE_SHOT_SECS).saturating_sub(started.elapsed());
    match cli.command {
        Some(Command::Snapshot { json }) => {
            let snap = rt.block_on(one_shot(source.as_ref(), &config, demo_scenario, left));
            if json {
                match serde_json::to_string_pretty(&snap) {
                    Ok(s) => println!("{s}"),
                    Err(e) => return fail(e),
                }
            } else {
                print!("{}", report::snapshot_text(&snap));
            }
            // What could not be read goes to stderr, one line each: stdout stays the data.
            eprint!("{}", report::snapshot_errors(&snap));
            ExitCode::from(report::snapshot_exit(&snap))
        }
        Some(Command::Check) => {
            let snap = rt.block_on(one_shot(source.as_ref(), &config, demo_scenario, left));
            let (status, line) = report::check(&snap);
            println!("{line}");
            ExitCode::from(status as u8)
        }
        Some(Command::Themes | Command::Audit { .. } | Command::Team { .. }) => ExitCode::SUCCESS,
        None => {
            // Live, `:profile` and `:region` switch to another source built as this one was.
            let live = match &demo {
                None => runtime::Live {
                    switcher: Some(switcher(cli.source.clone(), config.clone(), flags)),
                    fleet: fleet_members(&config),
                },
                // The demo's fleet: its one estate, each region a row.
                Some((sim, scenario)) => runtime::Live {
                    switcher: None,
                    fleet: vec![opsdash::fleet::Member {
                        account: format!("demo {}", scenario.name()),
                        profile: None,
                        regions: Vec::new(),
                        source: Arc::new(sim.clone()),
                    }],
                },
            };
            console(&cli, &config, (themes, theme), &rt, (source, demo, live))
        }
    }
}

/// What the console watches: the source, the demo's simulation if it is one, and how to switch
/// to another profile or region (live).
type Watched = (
    Arc<dyn ReadWrite>,
    Option<(SimSource, Scenario)>,
    runtime::Live,
);

/// The console itself: settings from the flags and the config, the executor, a drill found on
/// disk, then the terminal until the operator quits.
fn console(
    cli: &Cli,
    config: &Config,
    (themes, theme): (ThemeSet, opsdash::theme::Theme),
    rt: &tokio::runtime::Runtime,
    (source, demo, live): Watched,
) -> ExitCode {
    let refresh = cli.source.refresh.map_or(config.refresh, Refresh::every);
    let scenario = demo.as_ref().map(|(_, s)| *s);
    let read_only = cli.source.read_only || config.read_only;
    let info = source.info();
    let mut executor = Executor::new(
        source.clone(),
        AuditLog::at_default(),
        read_only,
        Operator::from_env(&info.caller_arn, info.profile.clone(), info.kind),
    )
    .for_estate(info.estate.clone())
    .with_accounts(config.accounts.clone());
    let mut team_table = None;
    // Team mode on live AWS: leases before every operation, the audit trail sent as it grows.
    if let (Some(t), None) = (&config.team, &demo) {
        match opsdash::team::cli::start(cli, config, t, rt) {
            Ok(team) => {
                executor = executor
                    .with_leases(team.leases)
                    .with_drill_store(team.drill)
                    .with_presence(team.presence)
                    .with_trail(team.trail);
                team_table = Some(t.clone());
            }
            Err(e) => return fail(e),
        }
    }
    let executor = Arc::new(executor);
    let mut settings = Settings::new(config.keymap.clone(), themes);
    settings.team = team_table.as_ref().map(|t| t.table.clone());
    settings.team_audit_group = team_table.map(|t| t.audit_log_group);
    settings.no_color = no_color();
    settings.ascii = cli.source.ascii;
    settings.read_only = read_only;
    settings.read_only_why = if cli.source.read_only {
        "--read-only".to_owned()
    } else {
        config.path.as_ref().map_or_else(
            || "read_only = true in the config".to_owned(),
            |p| format!("read_only = true in {}", p.display()),
        )
    };
    settings.apps.clone_from(&config.apps);
    settings.accounts.clone_from(&config.accounts);
    settings.fleet = live.fleet.iter().map(|m| m.account.clone()).collect();
    if demo.is_none() {
        settings.profiles = opsdash::source::aws::profile_names();
    }
    settings.refresh = refresh;
    if demo.is_some() {
        settings.time_scale = f64::from(cli.source.speed);
    }
    settings.drill_specs = drill_specs(config, scenario);
    let mut first = Vec::new();
    if let Ok(store) = executor.drill_store() {
        settings.drill_file = store.place();
        // The team's table is read once the console draws (runtime); a file at once.
        if !store.remote() {
            first.extend(
                rt.block_on(opsdash::app::found_drill(&*store))
                    .map(Msg::DrillFound),
            );
        }
    }
    // More than one account to answer for: the fleet is the first screen.
    let fleet_first = demo.is_none() && live.fleet.len() > 1;
    let mut app = App::new(info, settings, theme);
    if fleet_first {
        app.show_fleet();
    }
    if let Some(s) = scenario {
        app = app.with_demo(s.name(), opsdash::source::sim::scenario_names());
    }
    let demo = demo.map(|(sim, _)| Demo {
        source: sim,
        speed: cli.source.speed,
        seed: cli.source.seed,
    });
    match rt.block_on(runtime::run(
        app, source, executor, demo, refresh, first, live,
    )) {
        Ok(report) => {
            // What became of the operations in flight at the quit, on the restored
            // terminal (or wherever stderr goes after a hang-up).
            for line in report {
                eprintln!("opsdash: {}", opsdash::state::printable(&line));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            runtime::restore_terminal();
            fail(format!("terminal error: {e}"))
        }
    }
}

/// How to connect: the flags, else the config's regions (else what the aws cli would use).
/// The apps with a failover section (the warm-standby demo's own when the config has none).
fn drill_specs(config: &Config, scenario: Option<Scenario>) -> Vec<opsdash::ops::drill::DrillSpec> {
    let mut specs: Vec<_> = config
        .apps
        .iter()
        .filter_map(opsdash::ops::drill::DrillSpec::from_app)
        .collect();
    if specs.is_empty() && scenario == Some(Scenario::WarmStandby) {
        specs.push(opsdash::ops::drill::DrillSpec::warm_standby_demo());
    }
    specs
}

/// A snapshot for `snapshot` and `check`: the panes of every region, then each app's ARC Region
/// switch plan, within `left`.
async fn one_shot(
    source: &dyn opsdash::source::Source,
    config: &Config,
    scenario: Option<Scenario>,
    left: std::time::Duration,
) -> opsdash::model::Snapshot {
    let started = std::time::Instant::now();
    let mut snap = poller::snapshot(source, left).await;
    let queries: Vec<_> = drill_specs(config, scenario)
        .iter()
        .map(opsdash::ops::drill::DrillSpec::plan_query)
        .collect();
    let rest = left.saturating_sub(started.elapsed());
    poller::snapshot_plans(source, &mut snap, &queries, rest).await;
    snap
}

fn aws_options(
    args: &opsdash::cli::SourceArgs,
    config: &Config,
    (region, dr): FlagRegions,
) -> opsdash::source::aws::AwsOptions {
    // The regions of the [[account]] whose profile is in use, else the config's.
    let profile = args
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
    let regions = config
        .accounts
        .iter()
        .find(|a| a.profile.is_some() && a.profile == profile && !a.regions.is_empty())
        .map_or(&config.regions, |a| &a.regions);
    let mut opts = opsdash::source::aws::AwsOptions {
        profile: args.profile.clone(),
        region: region.or_else(|| regions.first().cloned()),
        dr_region: None,
    };
    // A DR region that is the primary (a config's second region chosen with --region) is
    // shown once.
    let dr = dr.or_else(|| regions.get(1).cloned());
    opts.dr_region = dr.filter(|d| opts.region.as_ref() != Some(d));
    opts
}

/// The fleet: every `[[account]]` with a profile, each through its own source (its own
/// credentials and request pacing) that never asks for an MFA code in the background.
fn fleet_members(config: &Config) -> Vec<opsdash::fleet::Member> {
    config
        .accounts
        .iter()
        .filter(|a| a.profile.is_some())
        .map(|a| {
            let opts = opsdash::source::aws::AwsOptions {
                profile: a.profile.clone(),
                region: a.regions.first().cloned(),
                dr_region: a.regions.get(1).cloned(),
            };
            let source =
                opsdash::source::aws::Connecting::new(opts, std::time::Duration::from_secs(20))
                    .never_asks();
            opsdash::fleet::Member {
                account: a.name.clone(),
                profile: a.profile.clone(),
                regions: a.regions.clone(),
                source: Arc::new(source),
            }
        })
        .collect()
}

/// Builds the live source of another profile or region, as the first one was built: the
/// flags and the config, with the profile or the region asked for (a region asked for drops the
/// DR region; a profile keeps the regions in use).
fn switcher(
    args: opsdash::cli::SourceArgs,
    config: Config,
    flags: FlagRegions,
) -> runtime::Switcher {
    let now = std::sync::Mutex::new((args, flags));
    Box::new(move |to: &runtime::SwitchTo| {
        let mut now = now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (mut args, mut flags) = now.clone();
        if let Some(p) = &to.profile {
            args.profile = Some(p.clone());
        }
        if let Some(r) = &to.region {
            flags = (Some(r.clone()), None);
        }
        let source: Arc<dyn ReadWrite> =
            Arc::new(connecting(&args, &config, flags.clone()).in_console());
        *now = (args, flags);
        Ok(source)
    })
}

/// How long `snapshot` and `check` may take in all.
const ONE_SHOT_SECS: u64 = 30;

/// Connects to AWS with the aws cli's credential chain, waiting for the answer (at most 20 s);
/// a failure gives a source whose every read reports it.
async fn connect_live(
    args: &opsdash::cli::SourceArgs,
    config: &Config,
    flags: FlagRegions,
) -> Arc<dyn ReadWrite> {
    let source = connecting(args, config, flags);
    let _ = source.get().await;
    Arc::new(source)
}

/// Live AWS, connecting with the aws cli's credential chain in the background (at most 20 s).
fn connecting(
    args: &opsdash::cli::SourceArgs,
    config: &Config,
    flags: FlagRegions,
) -> opsdash::source::aws::Connecting {
    opsdash::source::aws::Connecting::new(
        aws_options(args, config, flags),
        std::time::Duration::from_secs(20),
    )
}

/// `opsdash audit [--since DURATION] [--json]`.
/// The commands that need no source: `themes`, `audit` (the local log, or the team's trail),
/// `team init` / `team check`.
fn local_command(cli: &Cli, config: &Config, themes: &ThemeSet) -> Option<ExitCode> {
    Some(match &cli.command {
        Some(Command::Themes) => {
            for t in &themes.themes {
                println!(
                    "{:<16} {}",
                    opsdash::state::printable(&t.name),
                    opsdash::state::printable(&t.origin)
                );
            }
            ExitCode::SUCCESS
        }
        Some(Command::Audit {
            since,
            json,
            team: false,
        }) => print_audit(since.as_deref(), *json),
        Some(Command::Audit { since, json, .. }) => {
            let since = match since.as_deref().map(audit::parse_duration).transpose() {
                Ok(s) => s.map(|secs| Timestamp::now().plus_secs(-secs)),
                Err(e) => return Some(fail(e)),
            };
            match opsdash::team::cli::audit(cli, config, since, *json) {
                Ok(text) => {
                    print!("{}", opsdash::state::printable_lines(&text));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Some(Command::Team { action }) => match opsdash::team::cli::command(cli, config, action) {
            Ok(lines) => {
                for l in lines {
                    println!("{}", opsdash::state::printable(&l));
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        _ => return None,
    })
}

fn print_audit(since: Option<&str>, json: bool) -> ExitCode {
    let since = match since.map(audit::parse_duration).transpose() {
        Ok(s) => s.map(|secs| Timestamp::now().plus_secs(-secs)),
        Err(e) => return fail(e),
    };
    let log = AuditLog::at_default();
    match log.read() {
        Ok(records) if json => {
            print!("{}", audit::json_log(&records, since));
            ExitCode::SUCCESS
        }
        Ok(records) => {
            let text = audit::format_log(&records, since);
            if text.is_empty() {
                // Say where the log is, so an empty answer is never a mystery.
                let when = if since.is_some() { " in that time" } else { "" };
                let path = log.path().display().to_string();
                println!(
                    "no operations recorded{when} in {}",
                    opsdash::state::printable(&path)
                );
            }
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("cannot read {}: {e}", log.path().display())),
    }
}

/// `NO_COLOR` set to anything non-empty turns colour off (no-color.org).
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Logs go to a file, never to the terminal: `OPSDASH_LOG=debug` writes
/// `$XDG_STATE_HOME/opsdash/opsdash.log`, redacted and rotated ([`opsdash::logfile`]).
fn init_logging() {
    let Ok(level) = std::env::var("OPSDASH_LOG") else {
        return;
    };
    let Ok(path) = opsdash::state::file("opsdash.log") else {
        return;
    };
    let Ok(file) = opsdash::logfile::LogFile::open(path, opsdash::logfile::ROTATE_AT) else {
        return;
    };
    let level = level.parse().unwrap_or(tracing::Level::INFO);
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}
