//! Reading the fleet: every configured account and region, in parallel with a bound on how many
//! at once, each account through its own source (its own credentials, its own request pacing),
//! so twenty accounts do not throttle each other and one that fails (expired credentials, denied)
//! shows its error in its rows only and never slows the others.

use crate::app::Msg;
use crate::model::Region;
use crate::model::fleet::{FleetRow, summarize};
use crate::source::Source;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};

/// Accounts read at once.
pub const CONCURRENCY: usize = 4;
/// How often every row is read again.
pub const EVERY: Duration = Duration::from_secs(30);

/// One account of the fleet.
pub struct Member {
    pub account: String,
    pub profile: Option<String>,
    /// Its regions (none: the source's own once connected).
    pub regions: Vec<Region>,
    pub source: Arc<dyn Source>,
}

/// Reads every member's regions now and every `every` after, each row sent as it is read.
pub fn spawn(members: Vec<Member>, tx: mpsc::UnboundedSender<Msg>, every: Duration) {
    if members.is_empty() {
        return;
    }
    let members: Vec<Arc<Member>> = members.into_iter().map(Arc::new).collect();
    tokio::spawn(async move {
        let permits = Arc::new(Semaphore::new(CONCURRENCY));
        let calls = |ms: &[Arc<Member>]| -> u64 {
            ms.iter()
                .flat_map(|m| m.source.call_counts().into_values())
                .map(|t| t.calls)
                .sum()
        };
        loop {
            let (before, began) = (calls(&members), std::time::Instant::now());
            let mut round = tokio::task::JoinSet::new();
            for m in &members {
                let (m, tx, permits) = (m.clone(), tx.clone(), permits.clone());
                round.spawn(async move {
                    let Ok(_permit) = permits.acquire().await else {
                        return;
                    };
                    for row in read(&m).await {
                        let _ = tx.send(Msg::Fleet(row));
                    }
                });
            }
            while round.join_next().await.is_some() {}
            // What a round costs, for the debug log (scripts/measure-fleet.sh reads it).
            tracing::info!(
                "fleet round: {} accounts, {} calls, {} ms",
                members.len(),
                calls(&members) - before,
                began.elapsed().as_millis()
            );
            if tx.is_closed() {
                return;
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// One member's rows: each region's reads counted, or the error that stopped them.
pub async fn read(m: &Member) -> Vec<FleetRow> {
    let row = |region: Region, summary: Option<_>, error| FleetRow {
        account: m.account.clone(),
        profile: m.profile.clone(),
        region,
        read_at: summary.is_some().then(|| m.source.now()),
        summary,
        error,
    };
    let why = |e: &crate::source::SourceError| format!("{}: {}", e.code, e.message);
    let estate = match m.source.estate().await {
        Ok(e) => e,
        Err(e) => {
            let regions = if m.regions.is_empty() {
                vec![Region::pending()]
            } else {
                m.regions.clone()
            };
            return regions
                .into_iter()
                .map(|r| row(r, None, Some(why(&e))))
                .collect();
        }
    };
    let regions = if m.regions.is_empty() {
        m.source
            .info()
            .regions
            .into_iter()
            .map(|r| r.name)
            .collect()
    } else {
        m.regions.clone()
    };
    let mut rows = Vec::new();
    for region in regions {
        let targets = estate.targets(&region).await.result;
        let alarms = estate.alarms(&region).await.result;
        let capacity = estate.capacity(&region).await.result;
        // Every target group's health, every service and every Auto Scaling group is read on the
        // next round, not only the ones on a screen.
        let target_groups = targets
            .iter()
            .flatten()
            .flat_map(|l| &l.target_groups)
            .map(|g| g.arn.clone())
            .collect();
        let services = capacity
            .iter()
            .flat_map(|c| &c.ecs_services)
            .map(|s| (s.cluster.clone(), s.name.clone()))
            .collect();
        let groups = capacity
            .iter()
            .flat_map(|c| &c.auto_scaling_groups)
            .map(|g| g.name.clone())
            .collect();
        // No alarm's sparkline is drawn: their metrics are read once a minute.
        let on_screen = crate::source::OnScreen {
            target_groups,
            services,
            groups,
            alarms: Vec::new(),
        };
        m.source.watch(&region, &on_screen);
        let error = [
            targets.as_ref().err(),
            alarms.as_ref().err(),
            capacity.as_ref().err(),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(why);
        let summary = summarize(
            targets.as_deref().ok(),
            alarms.as_deref().ok(),
            capacity.as_ref().ok(),
        );
        rows.push(row(region, Some(summary), error));
    }
    rows
}
