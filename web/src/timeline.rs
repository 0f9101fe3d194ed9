//! The histogram of message timestamps: which periods its bars cover and how many records fall in each.
//!
//! The unit follows the range, so the chart has a readable number of bars: days up to [`MAX_DAY_BARS`] days,
//! then months up to [`MAX_MONTH_BARS`] months, then years. Buckets run without gaps from the earliest
//! timestamp to the latest (an empty period is a bar of height zero, so gaps in an export show).

use ferry_core::humanize::{CivilDate, MILLIS_IN_A_DAY};

use crate::listing::Period;

/// Most daily bars before the chart counts by month.
pub const MAX_DAY_BARS: i64 = 120;

/// Most monthly bars before the chart counts by year.
pub const MAX_MONTH_BARS: i64 = 240;

/// What one bar counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A UTC day.
    Day,
    /// A UTC calendar month.
    Month,
    /// A UTC calendar year.
    Year,
}

/// One bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    /// The period it covers.
    pub period: Period,
    /// Records dated in it.
    pub count: usize,
    /// Its name: `2026-12-05`, `2026-12` or `2026`.
    pub label: String,
}

/// Months since year 0 of a date.
fn month_number(date: CivilDate) -> i64 {
    date.year * 12 + i64::from(date.month) - 1
}

/// The first day of month number `month` (see [`month_number`]).
fn first_of_month(month: i64) -> CivilDate {
    CivilDate { year: month.div_euclid(12), month: month.rem_euclid(12) as u32 + 1, day: 1 }
}

/// The unit for timestamps from `first` to `last` milliseconds.
pub fn unit_for(first: i64, last: i64) -> Unit {
    let (first, last) = (CivilDate::of_millis(first), CivilDate::of_millis(last));
    if last.days() - first.days() < MAX_DAY_BARS {
        Unit::Day
    } else if month_number(last) - month_number(first) < MAX_MONTH_BARS {
        Unit::Month
    } else {
        Unit::Year
    }
}

/// The bucket number of `millis` in `unit` (days, months or years since an epoch of that unit).
fn bucket_number(unit: Unit, millis: i64) -> i64 {
    match unit {
        Unit::Day => millis.div_euclid(MILLIS_IN_A_DAY),
        Unit::Month => month_number(CivilDate::of_millis(millis)),
        Unit::Year => CivilDate::of_millis(millis).year,
    }
}

/// The period and label of bucket `number` in `unit`.
fn bucket_period(unit: Unit, number: i64) -> (Period, String) {
    match unit {
        Unit::Day => {
            let start = number.saturating_mul(MILLIS_IN_A_DAY);
            (
                Period { start_millis: start, end_millis: start.saturating_add(MILLIS_IN_A_DAY) },
                CivilDate::from_days(number).to_string(),
            )
        }
        Unit::Month => {
            let first = first_of_month(number);
            let period = Period {
                start_millis: first.midnight_millis(),
                end_millis: first_of_month(number + 1).midnight_millis(),
            };
            (period, format!("{:04}-{:02}", first.year, first.month))
        }
        Unit::Year => {
            let start = CivilDate { year: number, month: 1, day: 1 };
            let end = CivilDate { year: number + 1, month: 1, day: 1 };
            (
                Period { start_millis: start.midnight_millis(), end_millis: end.midnight_millis() },
                format!("{number:04}"),
            )
        }
    }
}

/// The bars of a histogram of `timestamps` (milliseconds); empty when there is none.
pub fn histogram(timestamps: impl Iterator<Item = i64> + Clone) -> (Option<Unit>, Vec<Bucket>) {
    let Some((first, last)) = timestamps.clone().fold(None, |range: Option<(i64, i64)>, millis| {
        Some(range.map_or((millis, millis), |(first, last)| (first.min(millis), last.max(millis))))
    }) else {
        return (None, Vec::new());
    };
    let unit = unit_for(first, last);
    let first_number = bucket_number(unit, first);
    let bars = (bucket_number(unit, last) - first_number + 1) as usize;
    let mut counts = vec![0usize; bars];
    for millis in timestamps {
        let bar = (bucket_number(unit, millis) - first_number) as usize;
        counts[bar] += 1;
    }
    let buckets = counts
        .into_iter()
        .enumerate()
        .map(|(bar, count)| {
            let (period, label) = bucket_period(unit, first_number + bar as i64);
            Bucket { period, count, label }
        })
        .collect();
    (Some(unit), buckets)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = MILLIS_IN_A_DAY;
    /// 2026-12-05T00:00:00Z.
    const DEC_5: i64 = 1_796_428_800_000;

    fn bars(timestamps: &[i64]) -> (Option<Unit>, Vec<(String, usize)>) {
        let (unit, buckets) = histogram(timestamps.iter().copied());
        (unit, buckets.into_iter().map(|bucket| (bucket.label, bucket.count)).collect())
    }

    fn labelled(bars: &[(&str, usize)]) -> Vec<(String, usize)> {
        bars.iter().map(|(label, count)| ((*label).to_owned(), *count)).collect()
    }

    #[test]
    fn the_unit_follows_the_range_and_every_period_gets_a_bar() {
        assert_eq!(bars(&[]), (None, vec![]));
        assert_eq!(bars(&[DEC_5 + 5]), (Some(Unit::Day), labelled(&[("2026-12-05", 1)])));
        assert_eq!(
            bars(&[DEC_5 + 2 * DAY, DEC_5, DEC_5 + DAY - 1, DEC_5 + 2 * DAY + 1]),
            (Some(Unit::Day), labelled(&[("2026-12-05", 2), ("2026-12-06", 0), ("2026-12-07", 2)]))
        );
        // 2026-12-05 and 2027-06-05: months.
        assert_eq!(
            bars(&[DEC_5, DEC_5 + 182 * DAY]),
            (
                Some(Unit::Month),
                labelled(&[
                    ("2026-12", 1),
                    ("2027-01", 0),
                    ("2027-02", 0),
                    ("2027-03", 0),
                    ("2027-04", 0),
                    ("2027-05", 0),
                    ("2027-06", 1)
                ])
            )
        );
        // A timestamp in seconds (1970) beside today's: years.
        let (unit, buckets) = bars(&[1_700_000_000, DEC_5]);
        assert_eq!(unit, Some(Unit::Year));
        assert_eq!(buckets.first(), Some(&("1970".to_owned(), 1)));
        assert_eq!(buckets.last(), Some(&("2026".to_owned(), 1)));
        assert_eq!(buckets.len(), 57);
        // Before 1970.
        assert_eq!(bars(&[-1]), (Some(Unit::Day), labelled(&[("1969-12-31", 1)])));
    }

    #[test]
    fn periods_are_contiguous_and_contain_their_records() {
        for timestamps in [vec![DEC_5, DEC_5 + 30 * DAY], vec![DEC_5, DEC_5 + 400 * DAY], vec![0, DEC_5]] {
            let (_, buckets) = histogram(timestamps.iter().copied());
            for pair in buckets.windows(2) {
                assert_eq!(pair[0].period.end_millis, pair[1].period.start_millis);
            }
            for millis in timestamps {
                let holding: Vec<&Bucket> = buckets.iter().filter(|bucket| bucket.period.contains(millis)).collect();
                assert_eq!(holding.len(), 1, "{millis}");
                assert!(holding[0].count >= 1);
            }
        }
    }
}
