//! The panes by identity: their number, title and default refresh interval. What a pane shows
//! and does is its module's, in `app::panes`; the config and the poller only need this.

/// The five panes, in their number's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pane {
    Targets,
    Capacity,
    Runs,
    Alarms,
    Timeline,
}

/// Each pane's title and default refresh interval (seconds), in [`Pane::ALL`]'s order.
const INFO: [(&str, u64); Pane::COUNT] = [
    ("Targets", 5),
    ("Capacity", 10),
    ("Runs", 30),
    ("Alarms", 30),
    ("Timeline", 5),
];

impl Pane {
    /// How many panes there are.
    pub const COUNT: usize = 5;

    pub const ALL: [Pane; Pane::COUNT] = [
        Pane::Targets,
        Pane::Capacity,
        Pane::Runs,
        Pane::Alarms,
        Pane::Timeline,
    ];

    /// Its place in [`Pane::ALL`] (its number minus one).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Its title (`Targets`).
    pub fn title(self) -> &'static str {
        INFO[self.index()].0
    }

    /// Its name in the config (`[refresh] targets = 5`): the title in lower case.
    pub fn config_name(self) -> String {
        self.title().to_ascii_lowercase()
    }

    /// How often it is read unless the config or `--refresh` says otherwise, seconds.
    pub fn default_refresh(self) -> u64 {
        INFO[self.index()].1
    }

    /// A pane by its title (any case) or its number.
    pub fn parse(s: &str) -> Option<Pane> {
        Pane::ALL
            .iter()
            .copied()
            .find(|p| p.title().eq_ignore_ascii_case(s))
            .or_else(|| {
                s.parse::<usize>()
                    .ok()
                    .and_then(|n| Pane::ALL.get(n.wrapping_sub(1)).copied())
            })
    }

    /// The pane after this one (`Tab`), or before it.
    #[must_use]
    pub fn step(self, forward: bool) -> Pane {
        let n = Pane::COUNT;
        Pane::ALL[(self.index() + if forward { 1 } else { n - 1 }) % n]
    }
}

/// Refresh intervals in seconds, one per pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refresh([u64; Pane::COUNT]);

impl Default for Refresh {
    fn default() -> Self {
        Refresh(Pane::ALL.map(Pane::default_refresh))
    }
}

impl Refresh {
    /// Every pane every `secs` seconds (`--refresh N`).
    pub fn every(secs: u64) -> Self {
        Refresh([secs; Pane::COUNT])
    }

    /// A pane's interval, seconds.
    pub fn secs(&self, pane: Pane) -> u64 {
        self.0[pane.index()]
    }

    /// Sets a pane's interval.
    pub fn set(&mut self, pane: Pane, secs: u64) {
        self.0[pane.index()] = secs;
    }
}
