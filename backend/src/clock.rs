//! The time as the application sees it. Production reads the system clock; tests drive a
//! manual clock, so timers (lead SLAs) are tested by moving time, not by sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use tokio::sync::Notify;

#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    Manual(Arc<ManualClock>),
}

#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
    moved: Notify,
}

impl Clock {
    /// A clock that stands still at `start` (to the microsecond, as the databases keep time)
    /// until advanced.
    pub fn manual(start: DateTime<Utc>) -> Clock {
        Clock::Manual(Arc::new(ManualClock {
            now: Mutex::new(start.trunc_subsecs(6)),
            moved: Notify::new(),
        }))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(m) => *m.now.lock().expect("clock lock"),
        }
    }

    /// Today's date (UTC) by this clock.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Moves a manual clock forward (and wakes what waits on it); the system clock moves alone.
    pub fn advance(&self, by: Duration) {
        if let Clock::Manual(m) = self {
            *m.now.lock().expect("clock lock") += by;
            m.moved.notify_waiters();
        }
    }

    /// Resolves when a manual clock moves; never for the system clock.
    pub async fn moved(&self) {
        match self {
            Clock::System => std::future::pending().await,
            Clock::Manual(m) => m.moved.notified().await,
        }
    }
}

/// The wall clock, for timestamps that something outside the application checks against its
/// own clock: the lifetimes of access, refresh and install tokens (verified by the token
/// library and by partners), webhook signature times (checked by receivers), and names that
/// must sort by real time (index directories, key files). Everything else reads [`Clock`], so
/// tests can move it.
pub fn wall_now() -> DateTime<Utc> {
    Utc::now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let start = Utc::now() - Duration::days(3);
        let clock = Clock::manual(start);
        assert_eq!(clock.now(), start.trunc_subsecs(6));
        clock.advance(Duration::hours(25));
        assert_eq!(clock.now(), start.trunc_subsecs(6) + Duration::hours(25));
        assert!(Clock::System.now() > start + Duration::days(2));
    }
}
