//! UTC calendar dates of millisecond timestamps, and back.
//!
//! Written here rather than taken from a date crate: the page needs only the proleptic Gregorian calendar in
//! UTC (no time zones, no parsing of arbitrary formats), which is two short, well-known conversions (Howard
//! Hinnant's `days_from_civil` and `civil_from_days`), and a date crate with its tables would cost the bundle
//! far more than they do.

/// Milliseconds in a day.
pub const MILLIS_PER_DAY: i64 = 86_400_000;

/// A calendar date in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year (astronomical: year 0 is 1 BC).
    pub year: i64,
    /// The month, 1 to 12.
    pub month: u32,
    /// The day of the month, 1 to 31.
    pub day: u32,
}

/// Days since 1970-01-01 of a date (negative before it).
pub fn days_from_civil(date: Date) -> i64 {
    let year = if date.month <= 2 { date.year - 1 } else { date.year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(date.month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(date.day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` days after 1970-01-01.
pub fn civil_from_days(days: i64) -> Date {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Date { year, month, day }
}

/// The UTC date of a millisecond timestamp.
pub fn date_of_millis(millis: i64) -> Date {
    civil_from_days(millis.div_euclid(MILLIS_PER_DAY))
}

/// `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

/// `YYYY-MM-DD HH:MM:SS UTC` of a millisecond timestamp.
pub fn format_millis(millis: i64) -> String {
    let date = date_of_millis(millis);
    let seconds = millis.div_euclid(1000).rem_euclid(86_400);
    format!("{} {:02}:{:02}:{:02} UTC", format_date(date), seconds / 3600, seconds / 60 % 60, seconds % 60)
}

/// `YYYY-MM-DDTHH:MM` of a millisecond timestamp, the value of an `<input type="datetime-local">`.
pub fn input_value_of_millis(millis: i64) -> String {
    let date = date_of_millis(millis);
    let minutes = millis.div_euclid(60_000).rem_euclid(1440);
    format!("{}T{:02}:{:02}", format_date(date), minutes / 60, minutes % 60)
}

/// Reads `YYYY-MM-DDTHH:MM` (optionally `:SS`), a UTC date-time as a `datetime-local` input gives it, into
/// milliseconds since the Unix epoch.
///
/// # Errors
/// A sentence saying what is wrong, when the text is not such a date-time.
pub fn millis_of_input_value(text: &str) -> Result<i64, String> {
    let invalid = || format!("\"{text}\" is not a date and time like 2026-12-05T09:30");
    let (date, time) = text.trim().split_once(['T', ' ']).ok_or_else(invalid)?;
    let mut date_parts = date.split('-');
    let number = |parts: &mut std::str::Split<'_, char>| -> Result<i64, String> {
        parts.next().and_then(|part| part.parse::<i64>().ok()).ok_or_else(invalid)
    };
    let (year, month, day) = (number(&mut date_parts)?, number(&mut date_parts)?, number(&mut date_parts)?);
    let mut time_parts = time.split(':');
    let (hour, minute) = (number(&mut time_parts)?, number(&mut time_parts)?);
    let second = match time_parts.next() {
        Some(part) => part.parse::<i64>().map_err(|_| invalid())?,
        None => 0,
    };
    let in_range = (1..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..60).contains(&second);
    if !in_range || date_parts.next().is_some() || time_parts.next().is_some() {
        return Err(invalid());
    }
    let date = Date { year, month: month as u32, day: day as u32 };
    let days = days_from_civil(date);
    // A day past the month's end (2026-02-30) comes back as another date.
    if civil_from_days(days) != date {
        return Err(invalid());
    }
    Ok(days * MILLIS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_days_convert_both_ways() {
        let cases = [
            (0, (1970, 1, 1)),
            (-1, (1969, 12, 31)),
            (59, (1970, 3, 1)),
            (11_016, (2000, 2, 29)),
            (20_792, (2026, 12, 5)),
            (-719_468, (0, 3, 1)),
        ];
        for (days, (year, month, day)) in cases {
            let date = Date { year, month, day };
            assert_eq!(civil_from_days(days), date, "{days}");
            assert_eq!(days_from_civil(date), days, "{date:?}");
        }
        for days in (-800_000..800_000).step_by(997) {
            assert_eq!(days_from_civil(civil_from_days(days)), days);
        }
    }

    #[test]
    fn timestamps_format_in_utc() {
        assert_eq!(format_millis(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_millis(1_765_783_317_000), "2025-12-15 07:21:57 UTC");
        assert_eq!(format_millis(-1), "1969-12-31 23:59:59 UTC");
        assert_eq!(input_value_of_millis(1_765_783_317_000), "2025-12-15T07:21");
    }

    #[test]
    fn input_values_parse_or_say_why_not() {
        let cases: [(&str, Option<i64>); 8] = [
            ("2025-12-15T07:21", Some(1_765_783_260_000)),
            ("2025-12-15T07:21:57", Some(1_765_783_317_000)),
            ("2025-12-15 07:21", Some(1_765_783_260_000)),
            ("1970-01-01T00:00", Some(0)),
            ("2026-02-30T00:00", None),
            ("2026-13-01T00:00", None),
            ("yesterday", None),
            ("2026-01-01T24:00", None),
        ];
        for (text, expected) in cases {
            assert_eq!(millis_of_input_value(text).ok(), expected, "{text}");
        }
        assert!(millis_of_input_value("soon").unwrap_err().contains("\"soon\""));
    }
}
