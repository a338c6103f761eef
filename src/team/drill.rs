//! The failover drill's state and its driver's lock in the team's table (item `drill`), so a
//! drill started on one bastion can be watched from another, and resumed or rolled back there
//! once its console is gone: the same checks as the file (the app, regions, alarm and resources
//! must match the config) apply to what is read.
//!
//! The lock is the item's `console` and `seen`: written only by a conditional write that finds no
//! driver, this console, or a driver not seen for [`GONE_SECS`] (by the time written in the item).
//! The driver writes `seen` every [`crate::ops::drill::HEARTBEAT_SECS`] (10 s), so a live driver
//! is never taken over by a bastion whose clock is up to 50 s ahead.

use super::{dynamo_error, n, s};
use crate::model::Timestamp;
use crate::ops::drill::{DrillState, DrillStore, GONE_SECS, Holder, Phase};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

const PK: &str = "drill";

/// The drill in the team's table.
pub struct TableDrill {
    pub client: aws_sdk_dynamodb::Client,
    pub table: String,
    /// This console (`host:pid:n`).
    pub console: String,
}

impl TableDrill {
    /// Writes the state with this console as its driver, if `condition` holds.
    async fn put_state(
        &self,
        json: &str,
        now: i64,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) -> Result<
        aws_sdk_dynamodb::operation::put_item::PutItemOutput,
        aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::put_item::PutItemError>,
    > {
        let me = serde_json::to_string(&Holder::me()).unwrap_or_default();
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(PK))
            .item("state", s(json))
            .item("holder", s(&me))
            .item("console", s(&self.console))
            .item("seen", n(now))
            .condition_expression(condition);
        for (k, v) in values {
            put = put.expression_attribute_values(*k, v.clone());
        }
        put.send().await
    }

    async fn item(
        &self,
    ) -> Result<Option<std::collections::HashMap<String, AttributeValue>>, String> {
        self.client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(PK))
            .consistent_read(true)
            .send()
            .await
            .map(|o| o.item)
            .map_err(|e| dynamo_error(&e))
    }
}

fn text_of(item: &std::collections::HashMap<String, AttributeValue>, k: &str) -> Option<String> {
    item.get(k).and_then(|v| v.as_s().ok()).cloned()
}

/// The holder an item names, with when it was last seen (none once released).
fn holder_of(item: &std::collections::HashMap<String, AttributeValue>) -> Option<Holder> {
    text_of(item, "console").filter(|c| !c.is_empty())?;
    let mut h: Holder = serde_json::from_str(&text_of(item, "holder")?).ok()?;
    h.seen = item
        .get("seen")
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Some(h)
}

fn state_of(
    item: &std::collections::HashMap<String, AttributeValue>,
) -> Result<Option<DrillState>, String> {
    match text_of(item, "state") {
        Some(t) => serde_json::from_str(&t)
            .map(Some)
            .map_err(|e| format!("the drill state in the team table: {e}")),
        None => Ok(None),
    }
}

#[async_trait]
impl DrillStore for TableDrill {
    fn place(&self) -> String {
        format!("team table {}", self.table)
    }

    fn remote(&self) -> bool {
        true
    }

    async fn load(&self) -> Result<Option<DrillState>, String> {
        match self.item().await? {
            Some(item) => state_of(&item),
            None => Ok(None),
        }
    }

    async fn other_holder(&self) -> Option<Holder> {
        let item = self.item().await.ok()??;
        let mine = text_of(&item, "console").as_deref() == Some(self.console.as_str());
        let h = holder_of(&item)?;
        (!mine && h.seen_secs_ago() < GONE_SECS).then_some(h)
    }

    async fn save(&self, state: Option<&DrillState>) -> Result<(), String> {
        let now = Timestamp::now().0;
        match state {
            Some(st) if st.phase != Phase::Finished => {
                let json = serde_json::to_string(st).map_err(|e| e.to_string())?;
                let free = [
                    (":me", s(&self.console)),
                    (":none", s("")),
                    (":gone", n(now - GONE_SECS * 1000)),
                ];
                let first = self
                    .put_state(
                        &json,
                        now,
                        "attribute_not_exists(pk) OR console = :me OR console = :none OR seen < :gone",
                        &free,
                    )
                    .await;
                let Err(e) = first else {
                    return Ok(());
                };
                if !e.as_service_error().is_some_and(
                    aws_sdk_dynamodb::operation::put_item::PutItemError::is_conditional_check_failed_exception,
                ) {
                    return Err(format!("{}: {}", self.place(), dynamo_error(&e)));
                }
                let item = self.item().await.ok().flatten();
                let holder = item.as_ref().and_then(holder_of);
                // A console of this host whose process has ended: its lock is taken over
                // exactly (the condition names it), without waiting for its time to run out.
                if let (Some(h), Some(old)) =
                    (&holder, item.as_ref().and_then(|i| text_of(i, "console")))
                    && h.host == crate::identity::host()
                    && !crate::identity::pid_alive(h.pid)
                    && self
                        .put_state(&json, now, "console = :old", &[(":old", s(&old))])
                        .await
                        .is_ok()
                {
                    return Ok(());
                }
                let who = holder.map_or_else(|| "another console".to_owned(), |h| h.describe());
                Err(format!("the drill is driven by {who} ({})", self.place()))
            }
            _ => self
                .client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s(PK))
                .condition_expression(
                    "attribute_not_exists(pk) OR console = :me OR console = :none OR seen < :gone",
                )
                .expression_attribute_values(":me", s(&self.console))
                .expression_attribute_values(":none", s(""))
                .expression_attribute_values(":gone", n(now - GONE_SECS * 1000))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("{}: {}", self.place(), dynamo_error(&e))),
        }
    }

    async fn watch(&self) -> (Result<Option<DrillState>, String>, Option<Holder>) {
        match self.item().await {
            Ok(Some(item)) => (state_of(&item), holder_of(&item)),
            Ok(None) => (Ok(None), None),
            Err(e) => (Err(e), None),
        }
    }

    async fn heartbeat(&self) {
        let Ok(me) = serde_json::to_string(&Holder::me()) else {
            return;
        };
        // Only while this console holds it; nothing otherwise.
        let _ = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(PK))
            .update_expression("SET seen = :now, holder = :h")
            .condition_expression("console = :me")
            .expression_attribute_values(":now", n(Timestamp::now().0))
            .expression_attribute_values(":h", s(&me))
            .expression_attribute_values(":me", s(&self.console))
            .send()
            .await;
    }

    async fn release(&self) {
        let _ = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(PK))
            .update_expression("SET console = :none, seen = :zero")
            .condition_expression("console = :me")
            .expression_attribute_values(":none", s(""))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":me", s(&self.console))
            .send()
            .await;
    }
}
