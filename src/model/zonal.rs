//! ARC zonal shift as the console sees it: a load balancer's zones (name and AZ ID), whether ARC
//! manages it, and the shifts and autoshifts that move its traffic away from a zone.

use super::Timestamp;
use serde::Serialize;

/// One Availability Zone of a load balancer: its name in this account (`us-east-1a`) and its AZ ID
/// (`use1-az4`), which is what zonal shift takes. The ID is empty while it is not known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct LbZone {
    pub name: String,
    pub id: String,
}

/// Who moved the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShiftKind {
    /// Started by someone in the account (`StartZonalShift`).
    ZonalShift,
    /// A practice run of zonal autoshift.
    PracticeRun,
    /// A Fault Injection Service experiment.
    FisExperiment,
    /// AWS itself, having seen the zone impaired.
    Autoshift,
}

impl ShiftKind {
    pub fn parse(s: &str) -> Self {
        match s {
            "PRACTICE_RUN" => ShiftKind::PracticeRun,
            "FIS_EXPERIMENT" => ShiftKind::FisExperiment,
            "ZONAL_AUTOSHIFT" => ShiftKind::Autoshift,
            _ => ShiftKind::ZonalShift,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ShiftKind::ZonalShift => "zonal shift",
            ShiftKind::PracticeRun => "autoshift practice run",
            ShiftKind::FisExperiment => "FIS experiment",
            ShiftKind::Autoshift => "AWS autoshift",
        }
    }
}

/// A shift of a load balancer's traffic away from one zone, active now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZonalShift {
    /// The zonal shift's id (what Update and Cancel take); empty for an autoshift.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// The AZ ID traffic is moved away from.
    pub away_from: String,
    pub kind: ShiftKind,
    /// `ACTIVE`, or `APPLIED` / `NOT_APPLIED` as ARC says whether it is in effect.
    pub status: String,
    pub started: Timestamp,
    /// When it ends by itself (autoshifts end when AWS says so: none).
    pub expires: Option<Timestamp>,
    pub comment: String,
}

impl ZonalShift {
    /// Whether it moves traffic now: ARC applies one shift at a time (a zonal shift over an
    /// autoshift).
    pub fn applied(&self) -> bool {
        self.status != "NOT_APPLIED"
    }

    /// Seconds left before it expires (none for an autoshift).
    pub fn left_secs(&self, now: Timestamp) -> Option<i64> {
        self.expires.map(|e| (e.0 - now.0).div_euclid(1000))
    }

    /// `shifted away from use1-az4 (us-east-1a), 47 min left` / `AWS autoshift away from use1-az4
    /// since 10:42`.
    pub fn describe(&self, zones: &[LbZone], now: Timestamp) -> String {
        let zone = zone_label(zones, &self.away_from);
        match (self.kind, self.left_secs(now)) {
            (ShiftKind::Autoshift, _) | (_, None) => format!(
                "{} away from {zone} since {}",
                self.kind.label(),
                self.started.hm()
            ),
            (ShiftKind::ZonalShift, Some(s)) => {
                format!("shifted away from {zone}, {} left", left_text(s))
            }
            (k, Some(s)) => format!("{} away from {zone}, {} left", k.label(), left_text(s)),
        }
    }
}

/// `use1-az4 (us-east-1a)`, or the ID alone when its name is not known.
pub fn zone_label(zones: &[LbZone], id: &str) -> String {
    match zones.iter().find(|z| z.id == id && !z.name.is_empty()) {
        Some(z) => format!("{id} ({})", z.name),
        None => id.to_owned(),
    }
}

/// `47 min`, `2 h 5 min`, `expired`.
pub fn left_text(secs: i64) -> String {
    if secs <= 0 {
        return "expired".into();
    }
    let m = (secs + 59) / 60;
    if m < 60 {
        format!("{m} min")
    } else if m % 60 == 0 {
        format!("{} h", m / 60)
    } else {
        format!("{} h {} min", m / 60, m % 60)
    }
}

/// Whether ARC zonal shift manages a load balancer, as its last read said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Managed {
    /// Not read (the read failed, or the source does not say).
    #[default]
    Unknown,
    /// ARC does not list it: a zonal shift cannot be started on it.
    No,
    /// A managed resource, with zonal autoshift on or off.
    Yes { autoshift: bool },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_reads_as_an_operator_would_say_it() {
        assert_eq!(left_text(0), "expired");
        assert_eq!(left_text(61), "2 min");
        assert_eq!(left_text(47 * 60), "47 min");
        assert_eq!(left_text(3600), "1 h");
        assert_eq!(left_text(3600 + 5 * 60), "1 h 5 min");
    }

    #[test]
    fn a_shift_names_the_zone_by_id_and_name() {
        let zones = vec![LbZone {
            name: "us-east-1a".into(),
            id: "use1-az4".into(),
        }];
        let s = ZonalShift {
            id: "z1".into(),
            away_from: "use1-az4".into(),
            kind: ShiftKind::ZonalShift,
            status: "ACTIVE".into(),
            started: Timestamp(0),
            expires: Some(Timestamp(47 * 60_000)),
            comment: String::new(),
        };
        assert_eq!(
            s.describe(&zones, Timestamp(0)),
            "shifted away from use1-az4 (us-east-1a), 47 min left"
        );
        let auto = ZonalShift {
            kind: ShiftKind::Autoshift,
            expires: None,
            ..s
        };
        assert!(
            auto.describe(&[], Timestamp(0))
                .starts_with("AWS autoshift away from use1-az4 since ")
        );
    }
}
