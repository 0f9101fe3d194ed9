//! Slack's `ts` (`"1355517523.000005"`: seconds, a dot, a fraction of any length) read by string arithmetic,
//! never through a float: a float loses the microseconds, and rounding could move a message to another
//! millisecond or reorder two messages.

/// A `ts` read: whole seconds and the fraction's first nine digits (nanoseconds), enough to order and to date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlackTs {
    /// Seconds since the Unix epoch.
    pub seconds: i64,
    /// The fraction as nanoseconds (digits past the ninth are dropped, shorter fractions padded with zeros).
    pub nanos: u32,
}

impl SlackTs {
    /// Reads `ts`; `None` unless it is digits, optionally a dot and more digits, and fits.
    #[must_use]
    pub fn parse(ts: &str) -> Option<SlackTs> {
        let (whole, fraction) = ts.split_once('.').unwrap_or((ts, ""));
        if whole.is_empty() || whole.len() > 15 || !whole.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        if !fraction.bytes().all(|byte| byte.is_ascii_digit()) || (ts.contains('.') && fraction.is_empty()) {
            return None;
        }
        let seconds = whole.parse::<i64>().ok()?;
        let mut nanos: u32 = 0;
        for position in 0..9 {
            let digit = fraction.as_bytes().get(position).map_or(0, |byte| u32::from(byte - b'0'));
            nanos = nanos * 10 + digit;
        }
        Some(SlackTs { seconds, nanos })
    }

    /// Milliseconds since the Unix epoch (the fraction truncated to milliseconds).
    #[must_use]
    pub fn millis(self) -> i64 {
        self.seconds.saturating_mul(1000).saturating_add(i64::from(self.nanos / 1_000_000))
    }
}

#[cfg(test)]
mod tests {
    use super::SlackTs;

    #[test]
    fn ts_to_millis_for_every_fraction_length() {
        let cases: &[(&str, Option<i64>)] = &[
            ("1355517523", Some(1_355_517_523_000)),
            ("1355517523.5", Some(1_355_517_523_500)),
            ("1355517523.05", Some(1_355_517_523_050)),
            ("1355517523.123", Some(1_355_517_523_123)),
            ("1355517523.000005", Some(1_355_517_523_000)),
            ("1355517523.999999", Some(1_355_517_523_999)),
            ("1355517523.1234567890123", Some(1_355_517_523_123)),
            ("0.001", Some(1)),
            ("", None),
            (".5", None),
            ("1355517523.", None),
            ("1355517523.12a", None),
            ("-1355517523.1", None),
            ("1e9", None),
            ("1355517523.1.2", None),
            ("9999999999999999", None),
        ];
        for (ts, expected) in cases {
            assert_eq!(SlackTs::parse(ts).map(SlackTs::millis), *expected, "{ts}");
        }
    }

    #[test]
    fn order_follows_the_fraction_not_its_length() {
        let earlier = SlackTs::parse("1355517523.000005").unwrap_or(SlackTs { seconds: 0, nanos: 0 });
        let later = SlackTs::parse("1355517523.00001").unwrap_or(SlackTs { seconds: 0, nanos: 0 });
        assert!(earlier < later);
    }
}
