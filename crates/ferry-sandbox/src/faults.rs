//! Faults on demand, for testing clients against what a real migration meets. Off unless configured.
//!
//! With a rate `r` (0 to 1), that share of import requests fails, spread evenly over five kinds:
//! - 500 with a `{"code", "message"}` body;
//! - 429 with `Retry-After` (the pod's documented throttling answer);
//! - added latency (then the request is served normally);
//! - the connection dropped before the import is applied (nothing stored);
//! - the connection dropped after the import is applied (everything stored, the client never hears).
//!
//! The last two look the same to the client, which is the point: only `originalMessageId` dedupe makes the
//! retry safe.
//!
//! Graph message imports (`POST /graph/v1.0/.../messages`) draw from the same faults at the same rate, the
//! server error answered as Graph's transient 503 with `Retry-After`; there a drop after storing makes the
//! client's retry meet a genuine 409 Conflict (see [`crate::graph`]). Dropping means closing the TCP connection without any response; [`crate::server`] gives each
//! request a [`ConnectionDrop`] handle that does that.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use tokio::sync::Notify;

use crate::error::SandboxError;

/// Fault settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaultConfig {
    /// Share of import requests that fail, 0 to 1.
    pub rate: f64,
    /// Seed for reproducible fault sequences; random when absent.
    pub seed: Option<u64>,
}

/// One injected fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer 500.
    ServerError,
    /// Answer 429 with `Retry-After` in seconds.
    TooManyRequests {
        /// Seconds the client is asked to wait.
        retry_after_seconds: u64,
    },
    /// Wait, then serve normally.
    Latency(Duration),
    /// Close the connection without applying the import.
    DropBeforeApplying,
    /// Apply the import, then close the connection without answering.
    DropAfterApplying,
}

/// Draws faults at the configured rate.
#[derive(Debug)]
pub struct Faults {
    rate: f64,
    random: Mutex<StdRng>,
}

impl Faults {
    /// Fault injection at `config.rate`.
    ///
    /// # Errors
    /// [`SandboxError::Invalid`] when the rate is not a number from 0 to 1.
    pub fn new(config: FaultConfig) -> Result<Faults, SandboxError> {
        if !(0.0..=1.0).contains(&config.rate) {
            return Err(SandboxError::Invalid(format!("fault rate must be between 0 and 1, not {}", config.rate)));
        }
        let random = match config.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        Ok(Faults { rate: config.rate, random: Mutex::new(random) })
    }

    /// The fault for the next import request, if any.
    pub fn draw(&self) -> Option<Fault> {
        let mut random = match self.random.lock() {
            Ok(random) => random,
            Err(poisoned) => poisoned.into_inner(),
        };
        if !random.random_bool(self.rate) {
            return None;
        }
        Some(match random.random_range(0..5_u8) {
            0 => Fault::ServerError,
            1 => Fault::TooManyRequests { retry_after_seconds: random.random_range(1..=3) },
            2 => Fault::Latency(Duration::from_millis(random.random_range(200..=1500))),
            3 => Fault::DropBeforeApplying,
            _ => Fault::DropAfterApplying,
        })
    }
}

/// Closes the connection a request arrived on, without a response. Present in every request served by
/// [`crate::server::serve`]; absent when the router is called directly (tests with `oneshot`).
#[derive(Clone, Debug, Default)]
pub struct ConnectionDrop(Arc<Notify>);

impl ConnectionDrop {
    /// Asks the connection's task to close the connection now.
    pub fn trigger(&self) {
        self.0.notify_one();
    }

    /// Completes once [`ConnectionDrop::trigger`] was called.
    pub async fn triggered(&self) {
        self.0.notified().await;
    }

    /// Closes the connection and never completes: the connection's task drops the calling handler with it.
    pub async fn close_now(&self) -> std::convert::Infallible {
        self.trigger();
        std::future::pending().await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn rates_zero_and_one_are_exact_and_all_kinds_occur() {
        let never = Faults::new(FaultConfig { rate: 0.0, seed: Some(1) }).unwrap();
        assert!((0..1000).all(|_| never.draw().is_none()));
        let always = Faults::new(FaultConfig { rate: 1.0, seed: Some(1) }).unwrap();
        let drawn: Vec<Fault> = (0..1000).filter_map(|_| always.draw()).collect();
        assert_eq!(drawn.len(), 1000);
        let kinds = drawn.iter().map(std::mem::discriminant).collect::<std::collections::HashSet<_>>();
        assert_eq!(kinds.len(), 5);
    }

    #[test]
    fn rate_is_roughly_respected() {
        let faults = Faults::new(FaultConfig { rate: 0.25, seed: Some(7) }).unwrap();
        let count = (0..10_000).filter(|_| faults.draw().is_some()).count();
        assert!((2_000..3_000).contains(&count), "{count}");
    }

    #[test]
    fn invalid_rates_are_refused() {
        for rate in [-0.1, 1.5, f64::NAN] {
            assert!(Faults::new(FaultConfig { rate, seed: None }).is_err(), "{rate}");
        }
    }
}
