//! Graph's `DateTimeOffset` values: ISO 8601 with an offset (`2019-02-04T19:58:15.511Z`), kept to the
//! millisecond. Graph truncates finer precision (`...31.0025302Z` is stored as `...31.002Z`, the import
//! documentation), and writes values back in UTC with three fraction digits
//! (`ferry_core::teams::created_date_time`).

use std::str::FromStr as _;

/// Milliseconds since the Unix epoch of an ISO 8601 date-time with an offset, digits past the millisecond
/// truncated (towards the past, so a value never moves later).
///
/// # Errors
/// A sentence saying why the text is not such a date-time (no offset, out of range, not a date).
pub(crate) fn parse_date_time(text: &str) -> Result<i64, String> {
    let timestamp = jiff::Timestamp::from_str(text.trim()).map_err(|error| error.to_string())?;
    i64::try_from(timestamp.as_nanosecond().div_euclid(1_000_000)).map_err(|error| error.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn date_times_are_read_to_the_millisecond() {
        let table: [(&str, Result<i64, ()>); 8] = [
            ("2019-02-04T19:58:15.511Z", Ok(1_549_310_295_511)),
            ("2019-02-04T19:58:15.5119999Z", Ok(1_549_310_295_511)),
            ("2019-02-04T19:58:15Z", Ok(1_549_310_295_000)),
            ("2019-02-04T20:58:15.511+01:00", Ok(1_549_310_295_511)),
            ("1969-12-31T23:59:59.9995Z", Ok(-1)),
            ("2019-02-04T19:58:15", Err(())),
            ("2019-02-30T00:00:00Z", Err(())),
            ("yesterday", Err(())),
        ];
        for (text, expected) in table {
            assert_eq!(parse_date_time(text).map_err(|_| ()), expected, "{text}");
        }
    }
}
