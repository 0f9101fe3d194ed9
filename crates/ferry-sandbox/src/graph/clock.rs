//! The clock the simulated Graph reads: token expiry, throttling, and "not in the future". The system clock by
//! default; a manual one lets tests move time on purpose instead of sleeping (a token expiring, the throttle's
//! bucket refilling) and makes their answers independent of the machine's load.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Milliseconds since the Unix epoch, from the system or set by hand.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The system's clock ([`crate::now_millis`]).
    #[default]
    System,
    /// A clock that only moves when told to; clones share it.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// A manual clock showing `millis`.
    pub fn manual(millis: i64) -> Clock {
        Clock::Manual(Arc::new(AtomicI64::new(millis)))
    }

    /// The current time, milliseconds since the Unix epoch.
    pub fn now_millis(&self) -> i64 {
        match self {
            Clock::System => crate::now_millis(),
            Clock::Manual(millis) => millis.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock by `millis` (backwards when negative); the system clock cannot be moved and is
    /// left as it is.
    pub fn advance(&self, millis: i64) {
        if let Clock::Manual(now) = self {
            now.fetch_add(millis, Ordering::SeqCst);
        }
    }
}

/// Two system clocks are equal; two manual clocks are equal when they are the same clock.
impl PartialEq for Clock {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Clock::System, Clock::System) => true,
            (Clock::Manual(left), Clock::Manual(right)) => Arc::ptr_eq(left, right),
            _ => false,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let clock = Clock::manual(1_000);
        let shared = clock.clone();
        assert_eq!(clock.now_millis(), 1_000);
        shared.advance(250);
        assert_eq!(clock.now_millis(), 1_250);
        clock.advance(-50);
        assert_eq!(shared.now_millis(), 1_200);
        assert_eq!(clock, shared);
        assert_ne!(clock, Clock::manual(1_200), "another clock showing the same time is another clock");
        assert_eq!(Clock::System, Clock::default());
        assert!(Clock::System.now_millis() > 1_600_000_000_000);
    }
}
