//! Command-line definitions: one struct for the source flags, one variant per subcommand.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "opsdash",
    version,
    about = "A terminal operations console for load-balanced AWS estates",
    after_help = "Try it without an AWS account: opsdash --demo"
)]
pub struct Cli {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the data comes from, and how it is shown. Valid before or after a subcommand.
#[derive(Debug, Args, Clone, Default)]
pub struct SourceArgs {
    /// Run on the built-in simulated estate: warm-standby (default), nlb-web-app, ecs, alb-asg.
    #[arg(long, global = true, value_name = "SCENARIO", num_args = 0..=1, default_missing_value = "warm-standby")]
    pub demo: Option<String>,
    /// AWS profile (live mode).
    #[arg(long, global = true, value_name = "P")]
    pub profile: Option<String>,
    /// AWS region (live mode).
    #[arg(long, global = true, value_name = "R")]
    pub region: Option<String>,
    /// Disaster-recovery region (live mode).
    #[arg(long = "dr-region", global = true, value_name = "R")]
    pub dr_region: Option<String>,
    /// Config file (default: $`XDG_CONFIG_HOME/opsdash/config.toml`).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Theme name (see `opsdash themes`).
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Refuse every mutating operation.
    #[arg(long = "read-only", global = true)]
    pub read_only: bool,
    /// Refresh interval in seconds for every pane (overrides the config).
    #[arg(long, global = true, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub refresh: Option<u64>,
    /// ASCII glyphs only, for fonts without block characters.
    #[arg(long, global = true)]
    pub ascii: bool,
    /// Demo: how many simulated seconds pass per real second.
    #[arg(long, global = true, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub speed: u32,
    /// Demo: the simulation seed (same seed, same run).
    #[arg(long, global = true, value_name = "N", default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One full poll, printed; exit 0 when complete, 1 when some reads failed, 3 when none
    /// succeeded.
    Snapshot {
        /// Print the JSON document (its fields: docs/scripting.md).
        #[arg(long)]
        json: bool,
    },
    /// One poll, one summary line; exit 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN.
    Check,
    /// List built-in and user themes.
    Themes,
    /// Print the audit log readably, oldest first.
    Audit {
        /// Only operations of the last DURATION (90s, 30m, 12h, 7d).
        #[arg(long, value_name = "DURATION")]
        since: Option<String>,
        /// One JSON object per operation (its intent, with its outcome under `result`).
        #[arg(long)]
        json: bool,
        /// The team's audit trail (the `[team]` log group, every console's records).
        #[arg(long)]
        team: bool,
    },
    /// Team mode (`[team]` in the config): the lease table and the audit trail's log group.
    Team {
        #[command(subcommand)]
        action: TeamAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum TeamAction {
    /// Show what team mode needs, then create the table and the log group (again: no change).
    Init {
        /// Create without asking.
        #[arg(long)]
        yes: bool,
        /// Days the team's audit trail is kept.
        #[arg(long, value_name = "DAYS", default_value_t = 400)]
        retention_days: i32,
    },
    /// Whether this identity can use the table and the log group.
    Check,
}

/// Lets `--demo` be followed by a subcommand (`opsdash --demo check`) without taking it as the
/// scenario name.
pub fn normalise_args(args: Vec<String>) -> Vec<String> {
    let subcommands = ["snapshot", "check", "themes", "audit", "team", "help"];
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter().peekable();
    while let Some(a) = iter.next() {
        if a == "--demo"
            && iter
                .peek()
                .is_some_and(|n| subcommands.contains(&n.as_str()))
        {
            out.push("--demo=warm-standby".to_owned());
        } else {
            out.push(a);
        }
    }
    out
}
