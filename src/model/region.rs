//! An AWS region's name, checked once where it enters the console (the config file, the command
//! line, the AWS profile, the demo's estate) and passed as a type from there on.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

/// A region name that has the shape AWS gives them (`us-east-1`, `us-gov-west-1`,
/// `cn-north-1`): lowercase words, then a number; a region newer than this build is accepted.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(Arc<str>);

impl Region {
    /// The region named `name`, or what is wrong with the name (for the operator: the message
    /// says what a region name looks like).
    pub fn new(name: &str) -> Result<Self, String> {
        if name.trim().is_empty() {
            return Err("an empty region name; name a region such as us-east-1".into());
        }
        if !shape_ok(name) {
            return Err(format!(
                "'{}' is not an AWS region name; a region looks like us-east-1 or eu-central-2",
                crate::state::printable(name)
            ));
        }
        Ok(Self(name.into()))
    }

    /// Stands for the primary region while a live source is still finding it (the profile's
    /// region is known once it connects): shown as `(region)`. No request is made in it: nothing
    /// is connected while it stands, and [`Region::new`] never gives it.
    pub fn pending() -> Self {
        Self("(region)".into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `name` has the shape of an AWS region name: `us-east-1`, `us-gov-west-1`,
/// `cn-north-1`, `ap-southeast-4`, `us-isob-east-1`.
fn shape_ok(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

impl std::str::FromStr for Region {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::new(s)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl AsRef<str> for Region {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Maps keyed by region are looked up by a name as well.
impl Borrow<str> for Region {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Region {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Region {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

/// The JSON documents carry a region as its name (`"region": "us-east-1"`).
impl serde::Serialize for Region {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Region {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Self::new(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Region;

    #[test]
    fn names_of_the_aws_shape_are_regions_and_others_say_why_not() {
        for ok in ["us-east-1", "us-gov-west-1", "cn-north-1", "us-isob-east-1"] {
            let r = Region::new(ok).unwrap();
            assert_eq!(r.as_str(), ok);
            assert_eq!(r.to_string(), ok);
        }
        // A region newer than this build is a region.
        assert!(Region::new("xx-east-9").is_ok());
        for (bad, says) in [
            ("", "empty region name"),
            ("  ", "empty region name"),
            ("Unknown", "not an AWS region name"),
            ("us-east", "not an AWS region name"),
            ("us-East-1", "not an AWS region name"),
            ("use-east-1", "not an AWS region name"),
            ("us--1", "not an AWS region name"),
        ] {
            let e = Region::new(bad).unwrap_err();
            assert!(e.contains(says), "{bad:?}: {e}");
        }
    }

    #[test]
    fn a_region_reads_and_writes_as_its_name() {
        let r = Region::new("eu-west-1").unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"eu-west-1\"");
        assert_eq!(format!("{r:?}"), "\"eu-west-1\"");
        assert_eq!(format!("[{r:<10}]"), "[eu-west-1 ]");
        let back: Region = serde_json::from_str("\"eu-west-1\"").unwrap();
        assert_eq!(back, r);
        assert!(serde_json::from_str::<Region>("\"EU\"").is_err());
        let mut m = std::collections::HashMap::new();
        m.insert(r.clone(), 1);
        assert_eq!(m.get("eu-west-1"), Some(&1));
    }
}
