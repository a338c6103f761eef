//! Alarms: state, since when, the metric's last hour as a sparkline against the threshold, the
//! value (with how many evaluated periods breach, when it breaches short of ALARM).

use super::{Columns, Ctx, PaneDraw, alarm_style, fmt_num};
use crate::app::{RegionData, Row};
use crate::model::AlarmState;
use crate::ui::widgets::{cell, sparkline};
use ratatui::text::{Line, Span};

pub struct Alarms;

impl PaneDraw for Alarms {
    fn headed(&self) -> bool {
        true
    }

    fn columns(&self, d: &RegionData, w: usize) -> Columns {
        let (name, chart) = alarm_widths(d, w);
        Columns {
            name,
            chart,
            ..Columns::default()
        }
    }

    fn heading(&self, cx: &Ctx<'_>, cols: Columns) -> Option<String> {
        let g = cx.glyphs;
        let (name_w, spark_w) = (cols.name, cols.chart);
        Some(format!(
            "{:<6}{} {:>4} {} value",
            "state",
            cell("alarm", name_w, g),
            "for",
            cell("last hour", spark_w, g)
        ))
    }

    fn row(&self, cx: &Ctx<'_>, d: &RegionData, cols: Columns, row: Row) -> Line<'static> {
        let w = cols.width;
        let g = cx.glyphs;
        let t = cx.theme;
        let age = |at: crate::model::Timestamp| cx.age(at);
        match row {
            Row::Alarm(a) => {
                let Some(x) = d.alarms.as_ref().and_then(|v| v.get(a)) else {
                    return Line::default();
                };
                let values: Vec<f64> = cx.store.series_values(cx.region, &x.name);
                let state = match x.state {
                    AlarmState::Alarm => "ALARM",
                    AlarmState::InsufficientData => "INSUF",
                    AlarmState::Ok => "OK",
                };
                let (name_w, spark_w) = (cols.name, cols.chart);
                let mut spans = vec![
                    Span::styled(format!("{state:<6}"), alarm_style(t, x.state)),
                    Span::styled(cell(&x.name, name_w, g), t.text()),
                    Span::styled(format!(" {:>4} ", age(x.updated_at)), t.muted()),
                ];
                spans.extend(sparkline(
                    &values,
                    spark_w,
                    x.threshold,
                    |v| x.breaches(v),
                    g,
                    t.chart(),
                    t.crit(),
                ));
                // A state the alarm history brought: the datapoint that decided it comes with
                // the alarm's read, asked for at once; the value of the state it left is not
                // shown beside it.
                if x.state_from_history {
                    spans.push(Span::styled(" reading", t.warn()));
                    return Line::from(spans);
                }
                // The value beside the state is the one the state was decided on (the datapoint
                // CloudWatch names in its reason); a state set by hand, or data that now says
                // otherwise, is said as such, so value and state never contradict each other.
                let now = x.period_value(&values).unwrap_or(f64::NAN);
                let (shown, note) = match x.evaluated_value() {
                    Some(v) if x.breaches(now) != x.breaches(v) && now.is_finite() => {
                        (v, format!(" now {}", fmt_num(now)))
                    }
                    Some(v) => (v, String::new()),
                    None if x.set_by_hand() => (now, " set by hand".to_owned()),
                    // In ALARM on data that no longer breaches: it goes OK at its next
                    // evaluation, not before.
                    None if x.state == AlarmState::Alarm && !x.breaches(now) => {
                        (now, " cleared, not yet evaluated".to_owned())
                    }
                    None => (now, String::new()),
                };
                let periods = (x.evaluation_periods.max(1)) as usize;
                let breaching = values
                    .iter()
                    .rev()
                    .take(periods)
                    .filter(|v| x.breaches(**v))
                    .count();
                // Breaching data the alarm has not evaluated yet: how many of the periods it
                // needs breach (it fires when all do).
                let pending = if x.breaches(now) && x.state != AlarmState::Alarm && note.is_empty()
                {
                    format!(" pending {breaching}/{periods}")
                } else {
                    String::new()
                };
                spans.push(Span::styled(
                    format!(
                        " {} {}{}{pending}{note}",
                        fmt_num(shown),
                        x.comparison_symbol(),
                        fmt_num(x.threshold)
                    ),
                    match (x.breaches(shown), x.state) {
                        (true, AlarmState::Alarm) => t.crit(),
                        (false, AlarmState::Alarm) | (true, _) => t.warn(),
                        _ => t.muted(),
                    },
                ));
                if w > name_w + spark_w + 40 {
                    spans.push(Span::styled(format!("  {}", x.reason), t.muted()));
                }
                Line::from(spans)
            }
            _ => Line::default(),
        }
    }

    fn summary(&self, cx: &Ctx<'_>, d: &RegionData, spans: &mut Vec<Span<'static>>) {
        let t = cx.theme;
        let v = d.alarms.as_deref().unwrap_or_default();
        let firing: Vec<&str> = v
            .iter()
            .filter(|a| a.state == AlarmState::Alarm)
            .map(|a| a.name.as_str())
            .collect();
        if firing.is_empty() {
            spans.push(Span::styled(
                format!(" {} alarms, none firing", v.len()),
                t.ok(),
            ));
        } else {
            spans.push(Span::styled(
                format!(" {} ALARM: {}", firing.len(), firing.join(", ")),
                t.crit(),
            ));
        }
    }
}

/// The Alarms pane's name and sparkline columns.
fn alarm_widths(d: &RegionData, w: usize) -> (usize, usize) {
    let spark_w = if w >= 70 { 20 } else { 10 };
    let longest = d
        .alarms
        .as_ref()
        .and_then(|v| v.iter().map(|a| a.name.chars().count()).max())
        .unwrap_or(10);
    (longest.min(w.saturating_sub(spark_w + 22)).max(10), spark_w)
}
