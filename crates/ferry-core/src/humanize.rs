//! Numbers as people read them, for the findings' messages: a timestamp as a UTC date, a duration in the
//! largest unit that reads well, a size in KB or MB, a count with thousands separators.
//!
//! Pure functions, no clock and no locale: the same number always gives the same text, natively and in
//! WebAssembly, so a message read in the browser is the message the CLI prints.
//!
//! Sizes use the units of the limits they are compared with: a KB is 1,024 bytes and an MB 1,024 KB, as in
//! Symphony's "30 MB" limit on a message's attachments (30 × 1024 × 1024 bytes).
//!
//! Dates are computed here by hand (Howard Hinnant's `civil_from_days` and `days_from_civil`, a dozen lines
//! each) rather than with a date crate: conversions between milliseconds and UTC calendar dates, and reading one
//! date-time form, do not justify adding a time-zone library to the core and to the WebAssembly bundle the
//! browser downloads. A test compares them with `jiff` over the whole range of timestamps. The web app's
//! calendar ([`CivilDate`], the timeline's days, months and years, its `now` option) is this one.

const MILLIS_PER_SECOND: u64 = 1_000;
const MILLIS_PER_MINUTE: u64 = 60 * MILLIS_PER_SECOND;
const MILLIS_PER_HOUR: u64 = 60 * MILLIS_PER_MINUTE;
const MILLIS_PER_DAY: u64 = 24 * MILLIS_PER_HOUR;
/// Days in 400 Gregorian years, the calendar's period.
const DAYS_PER_400_YEARS: u64 = 146_097;
/// Milliseconds in a UTC day (no leap seconds, as in Unix time), signed for arithmetic on timestamps.
pub const MILLIS_IN_A_DAY: i64 = 86_400_000;

/// A date of the proleptic Gregorian calendar in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    /// The year (astronomical: year 0 is 1 BC).
    pub year: i64,
    /// The month, 1 to 12.
    pub month: u32,
    /// The day of the month, 1 to 31.
    pub day: u32,
}

impl CivilDate {
    /// The date `days` days after 1970-01-01 (before it when negative).
    pub fn from_days(days: i64) -> CivilDate {
        let (year, month, day) = civil_from_days(i128::from(days));
        // |days| < 2^63 days is far less than 2^63 years.
        CivilDate { year: year as i64, month, day }
    }

    /// The UTC date of `milliseconds` since the Unix epoch.
    pub fn of_millis(milliseconds: i64) -> CivilDate {
        CivilDate::from_days(milliseconds.div_euclid(MILLIS_IN_A_DAY))
    }

    /// Days from 1970-01-01 to this date (negative before it), saturating at the ends of `i64`. A day past the
    /// month's end counts on into the next month (2026-02-30 is 2026-03-02).
    pub fn days(self) -> i64 {
        let days = days_from_civil(i128::from(self.year), self.month, self.day);
        i64::try_from(days).unwrap_or(if days < 0 { i64::MIN } else { i64::MAX })
    }

    /// Milliseconds since the Unix epoch of this date's midnight, saturating at the ends of `i64`.
    pub fn midnight_millis(self) -> i64 {
        self.days().saturating_mul(MILLIS_IN_A_DAY)
    }
}

/// `YYYY-MM-DD`, as [`utc_date_time`] writes dates.
impl std::fmt::Display for CivilDate {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.year < 0 { "-" } else { "" };
        write!(formatter, "{sign}{:04}-{:02}-{:02}", self.year.unsigned_abs(), self.month, self.day)
    }
}

/// Reads a UTC date and time written `YYYY-MM-DDTHH:MM` or `YYYY-MM-DD HH:MM`, optionally with `:SS` and a
/// trailing `Z` (what a `datetime-local` input gives, and what a person types for `--now`), into milliseconds
/// since the Unix epoch. Years 1 to 9999.
///
/// # Errors
/// A sentence naming the text and the form expected, when it is not such a date and time (or names a day the
/// month does not have).
pub fn parse_utc_date_time(text: &str) -> Result<i64, String> {
    let invalid = || format!("\"{text}\" is not a UTC date and time like 2026-12-05T09:30");
    let trimmed = text.trim();
    let trimmed = trimmed.strip_suffix(['Z', 'z']).unwrap_or(trimmed);
    let (date, time) = trimmed.split_once(['T', ' ']).ok_or_else(invalid)?;
    // Digits only: `parse` alone would take a sign ("+1").
    let numbers = |part: &str, separator: char| -> Option<Vec<i64>> {
        part.split(separator)
            .map(|number| match number.bytes().all(|byte| byte.is_ascii_digit()) {
                true => number.parse().ok(),
                false => None,
            })
            .collect()
    };
    let (date, time) = (numbers(date, '-').ok_or_else(invalid)?, numbers(time, ':').ok_or_else(invalid)?);
    let ([year, month, day], [hour, minute, second]) = (
        <[i64; 3]>::try_from(date).map_err(|_| invalid())?,
        match time.as_slice() {
            [hour, minute] => [*hour, *minute, 0],
            [hour, minute, second] => [*hour, *minute, *second],
            _ => return Err(invalid()),
        },
    );
    let in_range = (1..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..60).contains(&second);
    if !in_range {
        return Err(invalid());
    }
    // In range, so the casts are exact.
    let date = CivilDate { year, month: month as u32, day: day as u32 };
    let days = date.days();
    // A day past the month's end (2026-02-30) comes back as another date.
    if CivilDate::from_days(days) != date {
        return Err(invalid());
    }
    Ok(days * MILLIS_IN_A_DAY + ((hour * 60 + minute) * 60 + second) * 1000)
}

/// `milliseconds` since 1970-01-01T00:00:00Z as a UTC date and time to the second, e.g.
/// `2026-12-15 07:21:57 UTC`. Milliseconds are dropped (not rounded), so the second shown is the one the
/// instant falls in. Years before 1 or after 9999 are written with as many digits as they need.
pub fn utc_date_time(milliseconds: i64) -> String {
    // Widened so that the shift to the calendar's epoch below cannot overflow, whatever the input.
    let milliseconds = i128::from(milliseconds);
    let millis_per_day = i128::from(MILLIS_PER_DAY);
    let days = milliseconds.div_euclid(millis_per_day);
    let millis_of_day = milliseconds.rem_euclid(millis_per_day);
    let (year, month, day) = civil_from_days(days);
    let seconds_of_day = millis_of_day / 1_000;
    let (hour, minute, second) = (seconds_of_day / 3_600, seconds_of_day / 60 % 60, seconds_of_day % 60);
    let sign = if year < 0 { "-" } else { "" };
    format!("{sign}{:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02} UTC", year.unsigned_abs())
}

/// The proleptic Gregorian date `days` after 1970-01-01, as (year, month 1–12, day 1–31).
///
/// Howard Hinnant's algorithm (<https://howardhinnant.github.io/date_algorithms.html#civil_from_days>): it
/// counts from 0000-03-01 so that the leap day ends each 4-, 100- and 400-year cycle.
fn civil_from_days(days: i128) -> (i128, u32, u32) {
    let days_per_era = i128::from(DAYS_PER_400_YEARS);
    // 719,468 days from 0000-03-01 to 1970-01-01.
    let shifted = days + 719_468;
    let era = shifted.div_euclid(days_per_era);
    let day_of_era = shifted.rem_euclid(days_per_era); // 0..=146_096
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // 0..=399
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // 0..=365
    let month_from_march = (5 * day_of_year + 2) / 153; // 0..=11
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1; // 1..=31
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 }; // 1..=12
    let year = year_of_era + era * 400 + i128::from(month <= 2);
    // Both are in small ranges by construction (see the bounds above).
    (year, month as u32, day as u32)
}

/// Days from 1970-01-01 to `year`-`month`-`day`: Howard Hinnant's `days_from_civil`, the inverse of
/// [`civil_from_days`].
fn days_from_civil(year: i128, month: u32, day: u32) -> i128 {
    let days_per_era = i128::from(DAYS_PER_400_YEARS);
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400; // 0..=399
    let month = i128::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i128::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * days_per_era + day_of_era - 719_468
}

/// A duration in the largest unit that keeps it readable, counted down to whole units: `250 ms`,
/// `45 seconds`, `12 minutes`, `36 hours`, `10 days`, `73 years`. A unit is used from two of it on, so that
/// "1 day" is said "30 hours" rather than losing the hours.
pub fn duration(milliseconds: u64) -> String {
    const MILLIS_PER_YEAR_TIMES_400: u128 = DAYS_PER_400_YEARS as u128 * MILLIS_PER_DAY as u128;
    let (count, unit) = if milliseconds < MILLIS_PER_SECOND {
        return format!("{milliseconds} ms");
    } else if milliseconds < 2 * MILLIS_PER_MINUTE {
        (milliseconds / MILLIS_PER_SECOND, "second")
    } else if milliseconds < 2 * MILLIS_PER_HOUR {
        (milliseconds / MILLIS_PER_MINUTE, "minute")
    } else if milliseconds < 2 * MILLIS_PER_DAY {
        (milliseconds / MILLIS_PER_HOUR, "hour")
    } else if milliseconds < 2 * 365 * MILLIS_PER_DAY {
        (milliseconds / MILLIS_PER_DAY, "day")
    } else {
        // Years of 365.2425 days, the Gregorian average; the quotient of a u64 by this divisor fits a u64.
        ((u128::from(milliseconds) * 400 / MILLIS_PER_YEAR_TIMES_400) as u64, "year")
    };
    plural(count, unit)
}

/// The duration between two instants in milliseconds, whichever comes first (see [`duration`]).
pub fn duration_between(first_millis: i64, second_millis: i64) -> String {
    duration(first_millis.abs_diff(second_millis))
}

/// A size in bytes as bytes, KB or MB (or GB) with one decimal, e.g. `900 bytes`, `28.4 KB`, `30.0 MB`.
/// Rounded to the nearest tenth, moving to the next unit when the rounding reaches 1,024 of this one.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 3] = ["KB", "MB", "GB"];
    if bytes < 1024 {
        return plural(bytes, "byte");
    }
    let mut unit_bytes: u128 = 1024;
    for (position, unit) in UNITS.iter().enumerate() {
        let tenths = (u128::from(bytes) * 10 + unit_bytes / 2) / unit_bytes;
        if tenths < 10_240 || position == UNITS.len() - 1 {
            // The quotient of a u64 by at least 1024, times ten, fits a u64.
            return format!("{}.{} {unit}", grouped((tenths / 10) as u64), tenths % 10);
        }
        unit_bytes *= 1024;
    }
    unreachable!("the last unit returns")
}

/// A size as [`size`] followed by the exact number of bytes, e.g. `28.4 MB (29,779,968 bytes)`; just the bytes
/// below 1 KB.
pub fn size_with_bytes(bytes: u64) -> String {
    if bytes < 1024 {
        size(bytes)
    } else {
        format!("{} ({} bytes)", size(bytes), grouped(bytes))
    }
}

/// A count with a comma every three digits, e.g. `31,457,281`.
pub fn grouped(count: u64) -> String {
    let digits = count.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// `count` ([`grouped`]) followed by `noun`, with an `s` unless the count is 1.
fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", grouped(count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_utc() {
        let table: [(i64, &str); 9] = [
            (0, "1970-01-01 00:00:00 UTC"),
            (-1, "1969-12-31 23:59:59 UTC"),
            (1_433_045_622_000, "2015-05-31 04:13:42 UTC"),
            (1_433_045_622_999, "2015-05-31 04:13:42 UTC"),
            (951_782_400_000, "2000-02-29 00:00:00 UTC"),
            (4_102_444_800_000, "2100-01-01 00:00:00 UTC"),
            (1_781_508_117_000, "2026-06-15 07:21:57 UTC"),
            (i64::MAX, "292278994-08-17 07:12:55 UTC"),
            (i64::MIN, "-292275055-05-16 16:47:04 UTC"),
        ];
        for (milliseconds, expected) in table {
            assert_eq!(utc_date_time(milliseconds), expected, "{milliseconds}");
        }
    }

    #[test]
    fn dates_and_days_convert_both_ways() {
        let table: [(i64, (i64, u32, u32), &str); 6] = [
            (0, (1970, 1, 1), "1970-01-01"),
            (-1, (1969, 12, 31), "1969-12-31"),
            (59, (1970, 3, 1), "1970-03-01"),
            (11_016, (2000, 2, 29), "2000-02-29"),
            (20_792, (2026, 12, 5), "2026-12-05"),
            (-719_468, (0, 3, 1), "0000-03-01"),
        ];
        for (days, (year, month, day), written) in table {
            let date = CivilDate { year, month, day };
            assert_eq!(CivilDate::from_days(days), date, "{days}");
            assert_eq!(date.days(), days, "{date:?}");
            assert_eq!(date.to_string(), written);
        }
        for days in (-800_000..800_000).step_by(997) {
            assert_eq!(CivilDate::from_days(days).days(), days);
        }
        assert_eq!(CivilDate::of_millis(-1), CivilDate { year: 1969, month: 12, day: 31 });
        assert_eq!(CivilDate { year: 2026, month: 12, day: 5 }.midnight_millis(), 20_792 * MILLIS_IN_A_DAY);
    }

    #[test]
    fn utc_date_times_parse_or_say_why_not() {
        let table: [(&str, Option<i64>); 12] = [
            ("2025-12-15T07:21", Some(1_765_783_260_000)),
            ("2025-12-15T07:21:57", Some(1_765_783_317_000)),
            ("2025-12-15T07:21:57Z", Some(1_765_783_317_000)),
            (" 2025-12-15 07:21 ", Some(1_765_783_260_000)),
            ("1970-01-01T00:00", Some(0)),
            ("2026-02-30T00:00", None),
            ("2026-13-01T00:00", None),
            ("yesterday", None),
            ("2026-01-01T24:00", None),
            ("2026-01-01T10:00:00:00", None),
            ("2026-01-+1T10:00", None),
            ("2026-01-01", None),
        ];
        for (text, expected) in table {
            assert_eq!(parse_utc_date_time(text).ok(), expected, "{text}");
        }
        assert!(parse_utc_date_time("soon").unwrap_err().contains("\"soon\""));
    }

    #[test]
    fn durations_in_their_largest_readable_unit() {
        let table: [(u64, &str); 12] = [
            (0, "0 ms"),
            (999, "999 ms"),
            (1_000, "1 second"),
            (119_999, "119 seconds"),
            (120_000, "2 minutes"),
            (7_199_999, "119 minutes"),
            (7_200_000, "2 hours"),
            (30 * MILLIS_PER_HOUR, "30 hours"),
            (2 * MILLIS_PER_DAY, "2 days"),
            (10 * MILLIS_PER_DAY + 5 * MILLIS_PER_HOUR, "10 days"),
            (4_102_444_800_000 - 1_700_000_000_000, "76 years"),
            (u64::MAX, "584,554,049 years"),
        ];
        for (milliseconds, expected) in table {
            assert_eq!(duration(milliseconds), expected, "{milliseconds}");
        }
        assert_eq!(duration_between(5_000, 1_000), "4 seconds");
        assert_eq!(duration_between(i64::MIN, i64::MAX), "584,554,049 years");
    }

    #[test]
    fn sizes_in_kb_and_mb() {
        let table: [(u64, &str, &str); 9] = [
            (0, "0 bytes", "0 bytes"),
            (1, "1 byte", "1 byte"),
            (1_023, "1,023 bytes", "1,023 bytes"),
            (1_024, "1.0 KB", "1.0 KB (1,024 bytes)"),
            (29_000, "28.3 KB", "28.3 KB (29,000 bytes)"),
            (1_048_575, "1.0 MB", "1.0 MB (1,048,575 bytes)"),
            (30 * 1024 * 1024 + 1, "30.0 MB", "30.0 MB (31,457,281 bytes)"),
            (5 * 1024 * 1024 * 1024, "5.0 GB", "5.0 GB (5,368,709,120 bytes)"),
            (u64::MAX, "17,179,869,184.0 GB", "17,179,869,184.0 GB (18,446,744,073,709,551,615 bytes)"),
        ];
        for (bytes, short, long) in table {
            assert_eq!(size(bytes), short, "{bytes}");
            assert_eq!(size_with_bytes(bytes), long, "{bytes}");
        }
    }

    #[test]
    fn counts_grouped_by_thousands() {
        let table: [(u64, &str); 6] = [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (81_130, "81,130"),
            (100_000, "100,000"),
            (1_234_567, "1,234,567"),
        ];
        for (count, expected) in table {
            assert_eq!(grouped(count), expected);
        }
    }
}

/// The hand-written calendar agrees with jiff (a dev-dependency only) on any timestamp jiff can represent.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod agreement_with_jiff {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn dates_match_jiff(milliseconds in jiff::Timestamp::MIN.as_millisecond()..=jiff::Timestamp::MAX.as_millisecond()) {
            let timestamp = jiff::Timestamp::from_millisecond(milliseconds).expect("inside jiff's range");
            let civil = jiff::tz::Offset::UTC.to_datetime(timestamp);
            let sign = if civil.year() < 0 { "-" } else { "" };
            let expected = format!(
                "{sign}{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
                civil.year().unsigned_abs(), civil.month(), civil.day(), civil.hour(), civil.minute(), civil.second()
            );
            prop_assert_eq!(super::utc_date_time(milliseconds), expected);
            let date = super::CivilDate::of_millis(milliseconds);
            prop_assert_eq!((date.year, date.month, date.day), (i64::from(civil.year()), u32::from(civil.month().unsigned_abs()), u32::from(civil.day().unsigned_abs())));
            prop_assert_eq!(super::CivilDate::from_days(date.days()), date);
        }
    }
}
