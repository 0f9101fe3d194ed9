//! Graph's throttling of message imports: "Messages import at five RPS per channel" (the import
//! documentation; `ferry_core::teams::MESSAGES_PER_SECOND_PER_CONVERSATION`), as a token bucket per
//! conversation over the sandbox's [`super::Clock`]: it holds at most one second's worth of requests, refills
//! at the documented rate, and a message POST that finds it empty is answered 429 with `Retry-After` (whole
//! seconds, rounded up, as the header counts them) and changes nothing.
//!
//! Buckets live in memory: a restarted sandbox starts with full buckets, as a throttling window of the real
//! service would have passed by then. Only existing conversations get a bucket, so the map is as large as the
//! manifest's conversations at most.

use std::collections::HashMap;
use std::sync::Mutex;

/// Thousandths of a request, so that refilling is exact in integers: `rate` requests per second are `rate`
/// thousandths per millisecond.
const MILLI: i64 = 1_000;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// Requests available, in thousandths.
    available: i64,
    /// When `available` was last brought up to date, milliseconds since the Unix epoch.
    updated_at: i64,
}

/// Token buckets by conversation path.
#[derive(Debug)]
pub(crate) struct Throttle {
    requests_per_second: i64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Throttle {
    /// A throttle admitting `requests_per_second` per conversation (at least one).
    pub(crate) fn new(requests_per_second: u32) -> Throttle {
        Throttle { requests_per_second: i64::from(requests_per_second.max(1)), buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request from the conversation's bucket at `now_millis`.
    ///
    /// # Errors
    /// The seconds to wait (at least 1) when the bucket is empty; nothing is taken then.
    pub(crate) fn admit(&self, conversation: &str, now_millis: i64) -> Result<(), u64> {
        let capacity = self.requests_per_second * MILLI;
        let mut buckets = crate::lock_or_recover(&self.buckets);
        let bucket =
            buckets.entry(conversation.to_owned()).or_insert(Bucket { available: capacity, updated_at: now_millis });
        // A clock set back (a test's manual clock) refills nothing rather than draining the bucket.
        let elapsed = now_millis.saturating_sub(bucket.updated_at).max(0);
        bucket.available =
            bucket.available.saturating_add(elapsed.saturating_mul(self.requests_per_second)).min(capacity);
        bucket.updated_at = bucket.updated_at.max(now_millis);
        if bucket.available >= MILLI {
            bucket.available -= MILLI;
            return Ok(());
        }
        // Both positive here, so adding the divisor less one rounds up (`i64::div_ceil` is not stable).
        let wait_millis = (MILLI - bucket.available + self.requests_per_second - 1) / self.requests_per_second;
        Err(u64::try_from((wait_millis + 999) / 1_000).unwrap_or(1).max(1))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn five_per_second_per_conversation_then_one_per_fifth_of_a_second() {
        let throttle = Throttle::new(5);
        let start = 1_700_000_000_000;
        for request in 0..5 {
            assert_eq!(throttle.admit("/chats/a", start), Ok(()), "request {request}");
        }
        assert_eq!(throttle.admit("/chats/a", start), Err(1));
        assert_eq!(throttle.admit("/chats/b", start), Ok(()), "another conversation has its own bucket");
        // (milliseconds after the start, admitted?)
        let table = [(199, false), (200, true), (200, false), (399, false), (400, true), (5_000, true)];
        for (after, admitted) in table {
            assert_eq!(throttle.admit("/chats/a", start + after).is_ok(), admitted, "{after} ms");
        }
        for request in 0..4 {
            assert_eq!(throttle.admit("/chats/a", start + 5_000), Ok(()), "refilled to five, request {request}");
        }
        assert_eq!(throttle.admit("/chats/a", start + 5_000), Err(1));
        assert_eq!(throttle.admit("/chats/a", start), Err(1), "a clock set back refills nothing");
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let throttle = Throttle::new(1);
        assert_eq!(throttle.admit("c", 0), Ok(()));
        assert_eq!(throttle.admit("c", 0), Err(1));
        assert_eq!(throttle.admit("c", 999), Err(1));
        assert_eq!(throttle.admit("c", 1_000), Ok(()));
    }
}
