//! Wall-clock instants as milliseconds since the Unix epoch, formatted as RFC 3339.

use serde::{Serialize, Serializer};
use std::fmt;

/// An instant in milliseconds since 1970-01-01T00:00:00Z. The simulated estate uses virtual time,
/// live sources use the system clock; the model does not care which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The system clock now.
    pub fn now() -> Self {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        Timestamp(ms)
    }

    pub fn from_secs(s: i64) -> Self {
        Timestamp(s * 1000)
    }

    pub fn secs(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// This instant plus `secs` seconds.
    #[must_use]
    pub fn plus_secs(self, secs: f64) -> Self {
        Timestamp(self.0 + (secs * 1000.0) as i64)
    }

    /// Seconds from `earlier` to `self` (negative when `earlier` is later).
    pub fn secs_since(self, earlier: Timestamp) -> f64 {
        (self.0 - earlier.0) as f64 / 1000.0
    }

    /// Civil date and time (UTC): (year, month, day, hour, minute, second).
    pub fn civil(self) -> (i64, u32, u32, u32, u32, u32) {
        let secs = self.secs();
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i64::from(m <= 2);
        (
            y,
            m,
            d,
            (rem / 3600) as u32,
            ((rem % 3600) / 60) as u32,
            (rem % 60) as u32,
        )
    }

    /// `HH:MM:SS` in UTC.
    pub fn hms(self) -> String {
        let (_, _, _, h, mi, s) = self.civil();
        format!("{h:02}:{mi:02}:{s:02}")
    }

    /// `HH:MM:SS` when it is the same UTC day as `now`, else `YYYY-MM-DD HH:MM:SS`: a time of
    /// another day never reads as today's.
    pub fn hms_or_date(self, now: Timestamp) -> String {
        let (y, mo, d, _, _, _) = self.civil();
        if (y, mo, d) == {
            let (y, mo, d, _, _, _) = now.civil();
            (y, mo, d)
        } {
            self.hms()
        } else {
            format!("{y:04}-{mo:02}-{d:02} {}", self.hms())
        }
    }

    /// `HH:MM` in UTC.
    pub fn hm(self) -> String {
        let (_, _, _, h, mi, _) = self.civil();
        format!("{h:02}:{mi:02}")
    }

    /// Parses what [`Timestamp::rfc3339`] writes (`YYYY-MM-DDTHH:MM:SSZ`).
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        // Howard Hinnant's days_from_civil.
        let y = if mo <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (mo + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        Some(Timestamp::from_secs(
            days * 86_400 + h * 3600 + mi * 60 + sec,
        ))
    }

    /// RFC 3339 with second precision, e.g. `2026-11-21T03:04:05Z`.
    pub fn rfc3339(self) -> String {
        let (y, mo, d, h, mi, s) = self.civil();
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

/// A short human age: `4s`, `3m`, `2h`, `5d`.
pub fn short_age(secs: f64) -> String {
    let s = secs.max(0.0) as i64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_writes() {
        for ms in [0, 951_782_400_000, 1_795_219_200_000, 4_102_444_799_000] {
            let t = Timestamp(ms);
            assert_eq!(Timestamp::parse_rfc3339(&t.rfc3339()), Some(t));
        }
        assert_eq!(Timestamp::parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn a_time_of_another_day_says_its_date() {
        let now = Timestamp::parse_rfc3339("2026-12-06T10:00:00Z").unwrap();
        let today = Timestamp::parse_rfc3339("2026-12-06T06:42:29Z").unwrap();
        let yesterday = Timestamp::parse_rfc3339("2026-12-05T06:42:29Z").unwrap();
        assert_eq!(today.hms_or_date(now), "06:42:29");
        assert_eq!(yesterday.hms_or_date(now), "2026-12-05 06:42:29");
    }

    #[test]
    fn formats_rfc3339() {
        assert_eq!(Timestamp(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp::from_secs(1_795_219_200).rfc3339(),
            "2026-11-21T00:00:00Z"
        );
        assert_eq!(
            Timestamp::from_secs(951_782_400).rfc3339(),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn ages() {
        assert_eq!(short_age(5.2), "5s");
        assert_eq!(short_age(125.0), "2m");
        assert_eq!(short_age(7300.0), "2h");
    }
}
